/*
 * ameasure.c: the timing loop (see ameasure.h). Samples are kept sorted as they arrive
 * (binary search and one memmove), so the running median costs nothing per run and the
 * sample store is bounded by max_runs.
 */
#include "ameasure.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void agent_measure_defaults(struct agent_measure_opts *o)
{
	o->warmup = 3;
	o->warmup_ms = 2;
	o->min_runs = 5;
	o->max_runs = 10000;
	o->max_seconds = 2;
	o->stable_rel = 0.01;
	o->stable_window = 10;
	o->on_run = NULL;
	o->on_run_ctx = NULL;
	o->prep = NULL;
	o->prep_ctx = NULL;
}

double agent_now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double agent_quantile(const double *sorted, int n, double q)
{
	if (n <= 0)
		return NAN;
	double pos = q * (n - 1);
	int i = (int)floor(pos);
	if (i >= n - 1)
		return sorted[n - 1];
	double f = pos - i;
	return sorted[i] + f * (sorted[i + 1] - sorted[i]);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

void agent_sort(double *x, int n)
{
	qsort(x, (size_t)n, sizeof *x, cmp_double);
}

void agent_median_ci(int n, int *lo, int *hi)
{
	double z = 1.96 * sqrt((double)n);
	int r = (int)floor((n - z) / 2), s = (int)ceil(1 + (n + z) / 2); /* 1-based ranks */
	r = r < 1 ? 1 : r > n ? n : r;
	s = s < 1 ? 1 : s > n ? n : s;
	*lo = r - 1;
	*hi = s - 1;
}

/* Half-width of the median's confidence interval over the median (inf when undefined). */
static double ci_rel(const double *x, int n)
{
	int lo, hi;
	agent_median_ci(n, &lo, &hi);
	double med = agent_quantile(x, n, 0.5);
	return med > 0 ? (x[hi] - x[lo]) / 2 / med : INFINITY;
}

static void insert_sorted(double *x, int n, double v)
{
	int lo = 0, hi = n;
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (x[mid] <= v)
			lo = mid + 1;
		else
			hi = mid;
	}
	memmove(x + lo + 1, x + lo, (size_t)(n - lo) * sizeof *x);
	x[lo] = v;
}

int agent_measure(const struct kb_backend *b, void *state, const struct agent_measure_opts *o,
		  struct agent_timing *t, struct errbuf *eb)
{
	memset(t, 0, sizeof *t);
	int max_runs = o->max_runs > 0 ? o->max_runs : 1;
	int window = o->stable_window > 1 ? o->stable_window : 2;
	double *x = malloc((size_t)max_runs * sizeof *x);
	double *hist = malloc((size_t)window * sizeof *hist);
	int rc = 0;
	if (!x || !hist) {
		rc = err_set(eb, ERR_NOMEM, "out of memory for %d samples", max_runs);
		goto out;
	}
	double start = agent_now_s();
	double warm_until = start + o->warmup_ms / 1000.0;
	double warm_cap = start + o->max_seconds / 2;
	for (int i = 0;; i++) {
		double now = agent_now_s();
		if (i >= o->warmup && now >= warm_until)
			break;
		if (now >= warm_cap)
			break;
		if (o->prep)
			o->prep(o->prep_ctx);
		if ((rc = b->run(state, eb)) < 0)
			goto out;
	}
	int n = 0;
	for (;;) {
		if (o->prep)
			o->prep(o->prep_ctx);
		double t0 = agent_now_s();
		if ((rc = b->run(state, eb)) < 0)
			goto out;
		double t1 = agent_now_s();
		insert_sorted(x, n, (t1 - t0) * 1e6);
		if (o->on_run)
			o->on_run(o->on_run_ctx, (t1 - t0) * 1e6);
		n++;
		double med = agent_quantile(x, n, 0.5);
		hist[n % window] = med;
		if (n >= o->min_runs && ci_rel(x, n) <= o->stable_rel) {
			t->stable = 1;
			break;
		}
		if (n >= o->min_runs && n >= window) {
			double lo = hist[0], hi = hist[0];
			for (int i = 1; i < window; i++) {
				lo = hist[i] < lo ? hist[i] : lo;
				hi = hist[i] > hi ? hist[i] : hi;
			}
			if (med > 0 && (hi - lo) / med < o->stable_rel) {
				t->stable = 1;
				break;
			}
		}
		if (n >= max_runs || t1 - start >= o->max_seconds)
			break;
	}
	t->runs = n;
	t->median_us = agent_quantile(x, n, 0.5);
	t->p10_us = agent_quantile(x, n, 0.1);
	t->p90_us = agent_quantile(x, n, 0.9);
	t->ci_rel = ci_rel(x, n);
	t->wall_s = agent_now_s() - start;
out:
	free(x);
	free(hist);
	return rc;
}

/*
 * timings.c: loading a timings file into a sorted table, and summing a spec's kernels
 * (see timings.h).
 */
#include "timings.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "csvin.h"
#include "model.h"
#include "num.h"
#include "sha256.h"

static int cmp_timing(const void *a, const void *b)
{
	const struct timing *x = a, *y = b;
	int c = kshape_cmp(&x->k, &y->k);
	return c ? c : (x->threads > y->threads) - (x->threads < y->threads);
}

/* The `# pass: THREADS MEDIAN P10 P90 RUNS KEY` lines of an in-model profile. */
static int read_passes(struct csvin *c, struct timings *t, struct errbuf *eb)
{
	for (int i = 0; i < csvin_n_meta(c); i++) {
		const char *key, *v;
		csvin_meta_at(c, i, &key, &v);
		if (strcmp(key, "pass") != 0)
			continue;
		long line = csvin_meta_line_at(c, i);
		struct timing_pass g = {.line = line};
		int runs, at = 0;
		if (sscanf(v, "%d %lf %lf %lf %d %n", &g.threads, &g.median_us, &g.p10_us,
			   &g.p90_us, &runs, &at) != 5 || !v[at])
			return err_set(eb, ERR_PARSE,
				       "%s:%ld: pass: want THREADS MEDIAN_US P10_US P90_US RUNS KEY, "
				       "got '%.80s'", t->path, line, v);
		if (g.threads < 1 || g.threads > 1024 || runs < 1 || !(g.p10_us > 0) ||
		    !(g.p10_us <= g.median_us && g.median_us <= g.p90_us) || g.p90_us > 1e12)
			return err_set(eb, ERR_RANGE,
				       "%s:%ld: pass: threads 1..1024, runs 1 or more and 0 < p10_us "
				       "<= median_us <= p90_us, got '%.80s'", t->path, line, v);
		for (int j = 0; j < t->n_pass; j++)
			if (t->pass[j].threads == g.threads && strcmp(t->pass[j].key, v + at) == 0)
				return err_set(eb, ERR_PARSE,
					       "%s:%ld: pass '%s' at %d threads is timed twice (also "
					       "on line %ld)", t->path, line, v + at, g.threads,
					       t->pass[j].line);
		struct timing_pass *n = realloc(t->pass, (size_t)(t->n_pass + 1) * sizeof *n);
		if (!n)
			return err_set(eb, ERR_NOMEM, "%s: out of memory", t->path);
		t->pass = n;
		if (!(g.key = strdup(v + at)))
			return err_set(eb, ERR_NOMEM, "%s: out of memory", t->path);
		t->pass[t->n_pass++] = g;
	}
	return 0;
}

const struct timing_pass *timings_pass_find(const struct timings *t, const char *key,
					    int threads)
{
	for (int i = 0; i < t->n_pass; i++)
		if (t->pass[i].threads == threads && strcmp(t->pass[i].key, key) == 0)
			return &t->pass[i];
	return NULL;
}

int timings_load(const char *path, struct timings **out, struct errbuf *eb)
{
	int rc;
	struct timings *t = calloc(1, sizeof *t);
	struct csvin *c = NULL;
	if (!t)
		return err_set(eb, ERR_NOMEM, "%s: out of memory", path);
	snprintf(t->path, sizeof t->path, "%s", path);
	c = csvin_open(path, eb);
	if (!c) {
		rc = eb ? eb->code : ERR_IO;
		goto fail;
	}
	const char *ref = csvin_meta(c, "freq_ref_mhz");
	if (ref && (num_double(ref, &t->freq_ref_mhz) < 0 || t->freq_ref_mhz <= 0)) {
		rc = err_set(eb, ERR_RANGE, "%s:%ld: freq_ref_mhz '%.32s' is not a frequency", path,
			     csvin_meta_line(c, "freq_ref_mhz"), ref);
		goto fail;
	}
	t->derived = csvin_meta(c, "derived_from") != NULL;
	if ((rc = read_passes(c, t, eb)) < 0)
		goto fail;
	struct kshape_cols kc;
	int c_thr, c_med, c_p10, c_p90;
	if ((rc = kshape_cols(c, &kc, eb)) < 0 ||
	    (rc = c_thr = csvin_require_col(c, "threads", eb)) < 0 ||
	    (rc = c_med = csvin_require_col(c, "median_us", eb)) < 0 ||
	    (rc = c_p10 = csvin_require_col(c, "p10_us", eb)) < 0 ||
	    (rc = c_p90 = csvin_require_col(c, "p90_us", eb)) < 0)
		goto fail;
	int c_uns = csvin_col(c, "unstable"); /* optional: profiles before it lack it */
	t->has_unstable = c_uns >= 0;
	int cap = 0;
	while ((rc = csvin_next(c, eb)) > 0) {
		if (t->n == cap) {
			cap = cap ? 2 * cap : 256;
			struct timing *g = realloc(t->t, (size_t)cap * sizeof *g);
			if (!g) {
				rc = err_set(eb, ERR_NOMEM, "%s: out of memory", path);
				goto fail;
			}
			t->t = g;
		}
		struct timing *g = &t->t[t->n];
		long thr;
		if ((rc = kshape_read(c, &kc, &g->k, eb)) < 0 ||
		    (rc = csvin_long_in(c, c_thr, 1, 1024, &thr, eb)) < 0 ||
		    (rc = csvin_double_in(c, c_med, 1e-6, 1e12, &g->median_us, eb)) < 0 ||
		    (rc = csvin_double_in(c, c_p10, 0, 1e12, &g->p10_us, eb)) < 0 ||
		    (rc = csvin_double_in(c, c_p90, 0, 1e12, &g->p90_us, eb)) < 0)
			goto fail;
		g->threads = (int)thr;
		g->line = csvin_line(c);
		g->unstable = 0;
		if (c_uns >= 0 && csvin_field(c, c_uns)[0]) {
			long u;
			if ((rc = csvin_long_in(c, c_uns, 0, 1, &u, eb)) < 0)
				goto fail;
			g->unstable = (int)u;
			t->n_unstable += (int)u;
		}
		if (g->p10_us > g->median_us || g->median_us > g->p90_us) {
			rc = csvin_fail(c, eb, ERR_RANGE, "p10_us <= median_us <= p90_us does not hold");
			goto fail;
		}
		int known = 0;
		for (int i = 0; i < t->n_threads; i++)
			known |= t->threads[i] == g->threads;
		if (!known) {
			if (t->n_threads == 16) {
				rc = csvin_fail(c, eb, ERR_RANGE, "more than 16 thread counts");
				goto fail;
			}
			int i = t->n_threads++;
			while (i > 0 && t->threads[i - 1] > g->threads) {
				t->threads[i] = t->threads[i - 1];
				i--;
			}
			t->threads[i] = g->threads;
		}
		t->n++;
	}
	if (rc < 0)
		goto fail;
	if (t->n == 0) {
		rc = err_set(eb, ERR_PARSE, "%s:%ld: no timing rows after the header", path,
			     csvin_line(c));
		goto fail;
	}
	qsort(t->t, (size_t)t->n, sizeof *t->t, cmp_timing);
	for (int i = 1; i < t->n; i++)
		if (cmp_timing(&t->t[i - 1], &t->t[i]) == 0) {
			char k[160];
			kshape_format(&t->t[i].k, k, sizeof k);
			const struct timing *a = &t->t[i - 1], *b = &t->t[i];
			rc = err_set(eb, ERR_PARSE,
				     "%s:%ld: '%s' at %d threads is timed twice (also on line %ld)",
				     path, a->line > b->line ? a->line : b->line, k, b->threads,
				     a->line > b->line ? b->line : a->line);
			goto fail;
		}
	if ((rc = sha256_file(path, t->sha256)) < 0) {
		err_set(eb, rc, "%s: cannot read for hashing: %s", path, strerror(errno));
		goto fail;
	}
	csvin_close(c);
	*out = t;
	return 0;
fail:
	csvin_close(c);
	timings_destroy(t);
	return rc < 0 ? rc : ERR_PARSE;
}

void timings_destroy(struct timings *t)
{
	if (!t)
		return;
	for (int i = 0; i < t->n_pass; i++)
		free(t->pass[i].key);
	free(t->pass);
	free(t->t);
	free(t);
}

const struct timing *timings_find(const struct timings *t, const struct kshape *k, int threads)
{
	struct timing key = {.k = *k, .threads = threads};
	return bsearch(&key, t->t, (size_t)t->n, sizeof *t->t, cmp_timing);
}

int timings_model_us(const struct timings *t, const struct model *spec, int threads,
		     double *us, struct kshape *missing)
{
	double sum = 0;
	for (int i = 0; i < spec->n_layers; i++) {
		const struct timing *g = timings_find(t, &spec->layers[i].k, threads);
		if (!g) {
			if (missing)
				*missing = spec->layers[i].k;
			return ERR_NOTFOUND;
		}
		sum += g->median_us;
	}
	*us = sum;
	return 0;
}

int timings_model_unstable(const struct timings *t, const struct model *spec, int threads,
			   int *n_layers)
{
	int n = 0;
	for (int i = 0; i < spec->n_layers; i++) {
		const struct timing *g = timings_find(t, &spec->layers[i].k, threads);
		if (!g)
			return ERR_NOTFOUND;
		n += g->unstable;
	}
	*n_layers = n;
	return 0;
}

int timings_model_spread_us(const struct timings *t, const struct model *spec, int threads,
			    double *p10_us, double *p90_us)
{
	double lo = 0, hi = 0;
	for (int i = 0; i < spec->n_layers; i++) {
		const struct timing *g = timings_find(t, &spec->layers[i].k, threads);
		if (!g)
			return ERR_NOTFOUND;
		lo += g->p10_us;
		hi += g->p90_us;
	}
	*p10_us = lo;
	*p90_us = hi;
	return 0;
}

double timings_work_us(double p10_us, double median_us, double p90_us, double z)
{
	const double z90 = 1.2815515655446004;
	double edge = z < 0 ? p10_us : p90_us;
	if (edge <= 0 || edge == median_us)
		return median_us;
	return median_us * exp(z * (log(edge / median_us) / (z < 0 ? -z90 : z90)));
}

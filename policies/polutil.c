/*
 * polutil.c: the helpers the built-in policies share (polutil.h): parameter parsing, thread
 * counts, the ladder, plans over the requests to come, the learned arrival period and the
 * switch-cost model. Each is a plain function of the view the host gives; nothing here keeps
 * state between calls except in the structs the caller owns. Not for the list of built-ins
 * (builtin.c) or any one policy's decisions.
 */
#include "polutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "num.h"

/* ---- parameters ---- */

int pol_parse_threads(const char *v, int *out, char *err, size_t err_len)
{
	long n;
	if (strcmp(v, "max") == 0)
		*out = -1;
	else if (strcmp(v, "auto") == 0)
		*out = 0;
	else if (num_long(v, &n) == 0 && n >= 1 && n <= 1024)
		*out = (int)n;
	else {
		snprintf(err, err_len, "threads: '%s' is not max, auto or a count", v);
		return -1;
	}
	return 0;
}

int pol_parse_num(const char *name, const char *v, double lo, double hi, double *out, char *err,
		  size_t err_len)
{
	if (num_double(v, out) < 0 || !(*out >= lo && *out <= hi)) {
		snprintf(err, err_len, "%s: '%s' is not a number in [%g, %g]", name, v, lo, hi);
		return -1;
	}
	return 0;
}

int pol_parse_int(const char *name, const char *v, long lo, long hi, long *out, char *err,
		  size_t err_len)
{
	if (num_long(v, out) < 0 || *out < lo || *out > hi) {
		snprintf(err, err_len, "%s: '%s' is not a whole number in %ld..%ld", name, v, lo, hi);
		return -1;
	}
	return 0;
}

int pol_parse_bool(const char *name, const char *v, int *out, char *err, size_t err_len)
{
	if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0) {
		snprintf(err, err_len, "%s: '%s' is not 0 (off) or 1 (on)", name, v);
		return -1;
	}
	*out = v[0] == '1';
	return 0;
}

/* ---- what policies compute alike ---- */

/* Predicted time of v at t threads on cluster c (-1: the default, predict_ms). */
static inline double predict_on(const struct adascale_host *h, int v, int c, int t,
				const struct adascale_state *state)
{
	return c < 0 ? h->predict_ms(h->ctx, v, t, state) : h->predict_on_ms(h->ctx, v, c, t, state);
}

/*
 * The thread count for v on cluster c (-1: the default) with max thread counts there:
 * want > 0 (capped), max (-1), or the fastest at state (1 if none has timings; their
 * predictions are infinite); its predicted time into *ms unless ms is NULL.
 */
static inline int pick(const struct adascale_host *h, int v, int c, int max, int want,
		       const struct adascale_state *state, double *ms)
{
	if (want != 0) {
		int t = want < 0 || want > max ? max : want;
		if (ms)
			*ms = predict_on(h, v, c, t, state);
		return t;
	}
	int best = 1;
	double best_ms = INFINITY;
	for (int t = 1; t <= max; t++) {
		double t_ms = predict_on(h, v, c, t, state);
		if (t_ms < best_ms) {
			best = t;
			best_ms = t_ms;
		}
	}
	if (ms)
		*ms = best_ms;
	return best;
}

int pol_pick_threads(const struct adascale_host *h, const struct adascale_view *view, int v,
		     int want, const struct adascale_state *state, double *ms)
{
	return pick(h, v, -1, view->max_threads, want, state, ms);
}

int pol_parse_cluster(const char *v, int *out, char *err, size_t err_len)
{
	long c;
	if (strcmp(v, "default") == 0)
		*out = POL_CLUSTER_DEFAULT;
	else if (strcmp(v, "any") == 0)
		*out = POL_CLUSTER_ANY;
	else if (num_long(v, &c) == 0 && c >= 0 && c < ADASCALE_MAX_CLUSTERS)
		*out = (int)c;
	else {
		snprintf(err, err_len, "cluster: '%s' is not default, any or a cluster index 0..%d",
			 v, ADASCALE_MAX_CLUSTERS - 1);
		return -1;
	}
	return 0;
}

/* The same on cluster c (not the default): INFINITY where the host cannot predict there. */
static int pick_on(const struct adascale_host *h, const struct adascale_view *view, int v,
		   int want, int c, const struct adascale_state *state, double *ms)
{
	int max = view->cluster_max_threads[c];
	if (!h->predict_on_ms || max < 1) {
		*ms = INFINITY;
		return 1;
	}
	return pick(h, v, c, max, want, state, ms);
}

int pol_pick_place(const struct adascale_host *h, const struct adascale_view *view, int v,
		   int want_threads, int want_cluster, const struct adascale_state *state,
		   double *ms, int *cluster)
{
	double best_ms;
	*cluster = POL_CLUSTER_DEFAULT;
	if (want_cluster >= 0 && want_cluster != view->default_cluster) {
		*cluster = want_cluster;
		int t = pick_on(h, view, v, want_threads, want_cluster, state, &best_ms);
		if (ms)
			*ms = best_ms;
		return t;
	}
	int best_t = pol_pick_threads(h, view, v, want_threads, state, &best_ms);
	if (want_cluster == POL_CLUSTER_ANY)
		for (int c = 0; c < ADASCALE_MAX_CLUSTERS; c++) {
			if (c == view->default_cluster || view->cluster_max_threads[c] < 1)
				continue;
			double c_ms;
			int t = pick_on(h, view, v, want_threads, c, state, &c_ms);
			if (c_ms < best_ms) {
				best_ms = c_ms;
				best_t = t;
				*cluster = c;
			}
		}
	if (ms)
		*ms = best_ms;
	return best_t;
}

double pol_budget_ms(const struct adascale_view *view)
{
	double waited_ms = (double)(view->state->t_ns - view->queue->oldest_arrival_ns) / 1e6;
	return (double)view->queue->deadline_ns / 1e6 - waited_ms;
}

void pol_reference_state(const struct adascale_view *view, struct adascale_state *ref)
{
	*ref = *view->state;
	for (int c = 0; c < ref->n_clusters && c < ADASCALE_MAX_CLUSTERS; c++)
		ref->freq_mhz[c] = ref->max_freq_mhz[c];
	ref->util_other = 0;
	for (int c = 0; c < ADASCALE_MAX_CLUSTERS; c++)
		if (ref->util_cluster[c] >= 0)
			ref->util_cluster[c] = 0;
	int big = ref->big_cluster;
	if (big >= 0 && big < ADASCALE_MAX_CLUSTERS && ref->online[big] < view->max_threads)
		ref->online[big] = view->max_threads;
}

int pol_ladder(const struct adascale_host *h, const struct adascale_view *view, int want,
	       int *idx)
{
	struct adascale_state ref;
	pol_reference_state(view, &ref);
	int n = 0;
	double *ms = malloc((size_t)(view->n_variants > 0 ? view->n_variants : 1) * sizeof *ms);
	if (!ms)
		return -1;
	/* insertion sort by reference latency, ties by accuracy (higher first) */
	for (int v = 0; v < view->n_variants; v++) {
		if (!view->variants[v].has_top1)
			continue;
		int t = pol_pick_threads(h, view, v, want, &ref, NULL);
		double x = h->predict_ms(h->ctx, v, t, &ref);
		if (!isfinite(x))
			continue;
		int k = n++;
		while (k > 0 && (ms[k - 1] > x || (ms[k - 1] == x && view->variants[idx[k - 1]].top1 <
									  view->variants[v].top1))) {
			ms[k] = ms[k - 1];
			idx[k] = idx[k - 1];
			k--;
		}
		ms[k] = x;
		idx[k] = v;
	}
	free(ms);
	/* keep the rungs that are more accurate than every faster one */
	int rungs = 0;
	for (int i = 0; i < n; i++)
		if (rungs == 0 || view->variants[idx[i]].top1 > view->variants[idx[rungs - 1]].top1)
			idx[rungs++] = idx[i];
	return rungs;
}

/* ---- plans ---- */

double pol_ontime_chance(double rho, double cv2, double service_ms, double slack_ms)
{
	if (cv2 <= 0)
		return 1;
	if (rho >= 1)
		return 0;
	double mean_wait = rho / (1 - rho) * cv2 / 2 * service_ms;
	return mean_wait > 0 ? 1 - rho * exp(-rho * slack_ms / mean_wait) : 1;
}

/* Request i's arrival, ms from now (the same expression wherever it is needed). */
static double plan_arrival(const struct pol_plan *p, int queued, double spacing, double period,
			   long i)
{
	return i < queued ? -p->wait_ms + (double)i * spacing
			  : -p->wait_ms + (queued - 1) * spacing + (double)(i - queued + 1) * period;
}

/*
 * How many requests after request i (i >= queued - 1) arrive before the horizon, as
 * plan_arrival computes them, keeping the plan under POL_PLAN_MAX requests; n of them
 * already counted. Arrivals grow with i, so the last one is found from a first guess by
 * stepping over the exact expression.
 */
static long later_requests(const struct pol_plan *p, int queued, double spacing, double period,
			   long i, long n)
{
	long room = POL_PLAN_MAX - n, j;
	double base = plan_arrival(p, queued, spacing, period, queued - 1);
	double guess = (p->horizon_ms - base) / period;
	if (!(guess < (double)room + queued + i)) /* also NaN */
		j = i + room;
	else
		j = guess > 0 ? queued - 1 + (long)guess : i;
	if (j < i)
		j = i;
	while (j > i && plan_arrival(p, queued, spacing, period, j) >= p->horizon_ms)
		j--;
	while (j - i < room && plan_arrival(p, queued, spacing, period, j + 1) < p->horizon_ms)
		j++;
	return j - i < room ? j - i : room;
}

double pol_plan_run(const struct pol_plan *p, double switch_ms, double ms, int *head_on,
		    int *n_req)
{
	double period = p->period_ms > 0 ? p->period_ms : p->deadline_ms;
	int queued = p->queued > 0 ? p->queued : 1;
	double spacing = queued > 1 ? fmin(period, p->wait_ms / (queued - 1)) : period;
	double free_at = switch_ms; /* the server is busy loading until then */
	double on_time = 0;
	long n = 0;
	*head_on = 0;
	/* how far from the boundaries the rest must be to be alike whatever the rounding */
	double tol = 1e-9 * (fabs(p->horizon_ms) + fabs(p->wait_ms) + period + fabs(ms) +
			     fabs(p->deadline_ms));
	for (long i = 0; n < POL_PLAN_MAX; i++) {
		double arrival = plan_arrival(p, queued, spacing, period, i);
		if (i > 0 && arrival >= p->horizon_ms)
			break;
		n++;
		if (isnan(ms)) {
			/* fails at once: no answer, no server time, and so for every request */
			if (i >= queued - 1) {
				n += later_requests(p, queued, spacing, period, i, n);
				break;
			}
			continue;
		}
		int idle = arrival >= free_at;
		double start = idle ? arrival : free_at;
		free_at = start + ms;
		double slack = p->deadline_ms - (free_at - arrival);
		double ok = slack >= 0;
		if (ok && i >= queued)
			ok = pol_ontime_chance(ms / period, p->arrival_cv2, ms, slack);
		on_time += ok;
		if (i == 0)
			*head_on = ok > 0;
		if (i < queued)
			continue;
		if (idle && ms < period - tol && fabs(p->deadline_ms - ms) > tol) {
			/* keeping up: each later request starts on arrival, with this slack */
			long k = later_requests(p, queued, spacing, period, i, n);
			n += k;
			if (ok == 1) /* counts of whole requests add up exactly */
				on_time += (double)k;
			else
				on_time += ok * (double)k;
			break;
		}
		if (!idle && ms > period + tol && slack < -tol) {
			/* behind and falling further behind: every later request is late */
			n += later_requests(p, queued, spacing, period, i, n);
			break;
		}
	}
	*n_req = (int)n;
	return on_time;
}

void pol_arrivals_note(struct pol_arrivals *a, const struct adascale_view *view)
{
	int64_t head = view->queue->oldest_arrival_ns;
	if (a->seen && head > a->last_head_ns) {
		double gap = (double)(head - a->last_head_ns) / 1e6;
		int first = a->period_ms <= 0;
		a->period_ms = first ? gap : 0.95 * a->period_ms + 0.05 * gap;
		a->gap2_ms2 = first ? gap * gap : 0.95 * a->gap2_ms2 + 0.05 * gap * gap;
	}
	a->seen = 1;
	a->last_head_ns = head;
}

double pol_arrivals_period_ms(const struct pol_arrivals *a, const struct adascale_view *view)
{
	return a->period_ms > 0 ? a->period_ms : (double)view->queue->deadline_ns / 1e6;
}

double pol_arrivals_cv2(const struct pol_arrivals *a)
{
	if (a->period_ms <= 0)
		return 0;
	double cv2 = a->gap2_ms2 / (a->period_ms * a->period_ms) - 1;
	return cv2 > 1e-6 ? cv2 : 0;
}

/* ---- switch cost ---- */

void pol_switch_init(struct pol_switch *sw, double storage_mbps, double init_ms)
{
	memset(sw, 0, sizeof *sw);
	sw->mb_per_ms = storage_mbps / 1000.0;
	sw->init_ms = init_ms;
}

double pol_switch_ms(const struct pol_switch *sw, double weight_bytes)
{
	double mb = weight_bytes / 1e6;
	double assumed = mb / sw->mb_per_ms + sw->init_ms;
	if (sw->n < 1)
		return assumed;
	double mw = sw->sw / sw->n, ml = sw->sl / sw->n;
	double var = sw->sww / sw->n - mw * mw;
	if (sw->n >= 2 && var > 1e-9 * (1 + mw * mw)) {
		double b = (sw->swl / sw->n - mw * ml) / var;
		double a = ml - b * mw;
		if (b >= 0 && a >= 0)
			return a + b * mb;
	}
	/* loads of one size so far: the assumed model, scaled through what was observed */
	double at_mean = mw / sw->mb_per_ms + sw->init_ms;
	return at_mean > 0 ? assumed * ml / at_mean : assumed;
}

void pol_switch_decided(struct pol_switch *sw, const struct adascale_view *view, int var)
{
	if (var == view->current_variant || var < 0 || var >= view->n_variants)
		return;
	sw->pending = 1;
	sw->pending_var = var;
	sw->pending_ns = view->state->t_ns;
	sw->pending_mb = view->variants[var].weight_bytes / 1e6;
}

void pol_switch_observe(struct pol_switch *sw, const struct adascale_observation *obs)
{
	if (!sw->pending)
		return;
	sw->pending = 0;
	if (obs->variant != sw->pending_var || obs->t_start_ns < sw->pending_ns)
		return;
	double ms = (double)(obs->t_start_ns - sw->pending_ns) / 1e6;
	sw->n += 1;
	sw->sw += sw->pending_mb;
	sw->sl += ms;
	sw->sww += sw->pending_mb * sw->pending_mb;
	sw->swl += sw->pending_mb * ms;
}

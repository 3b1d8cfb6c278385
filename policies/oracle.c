/*
 * oracle.c: the built-in policy `oracle`, the upper bound every report shows. It declares
 * ADASCALE_POLICY_SEES_FUTURE, so the host gives it exact_ms (the true service time of a
 * variant started now, from the future of the trace) and, where the host offers it,
 * future_state (the device state at any later moment and how long it holds).
 *
 * It plans. At a decision it lays out the requests of the next hold_ms (the head, those
 * waiting behind it, and those to come at the learned period; when arrivals are irregular,
 * each of those counts by its chance to be on time, as in pol_plan_run) and finds, by dynamic
 * programming, the sequence of (variant, threads) choices that gives the most top-1 accuracy
 * in answers on time: the state after each request is the loaded variant and the time the
 * server is free again; a choice of another variant first pays its switch; each inference is
 * timed exactly along the future (future_state), fails at once if it does not fit the memory
 * free when it starts, and scores its variant's top-1 if it ends within the deadline. For
 * each loaded variant only the best few (value, free time) labels are kept. It then follows
 * the plan while the world does what the plan expected (the same head request, at the same
 * moment, with the same variant loaded), for half the horizon, and plans again otherwise.
 * So it gives up a request to load a better variant when that pays over the horizon, never
 * loads a variant it would have to abandon at once, and sees a slowdown coming.
 *
 * Where the host says when the requests to come arrive (future_arrival) and when the run
 * ends (end_ms: an inference still running then answers nothing), and only the head waits,
 * it plans the whole rest of the run at once and follows that plan to the end: then the plan
 * is exact unless a state had to be let go or a choice would queue requests past the
 * capacity (it logs which). tests/test_oracle.c holds it to brute force.
 *
 * It is exact where the host lets it be. Without future_state it knows only the head's time
 * (exact_ms, for an inference started now) and plans the rest at the present state; without
 * switch_ms it takes switch times from the model of polutil.h (assumed, then fitted to the
 * loads it observes: exact after loads of two sizes). It knows the future of the trace, not
 * of the workload: random (Poisson) arrivals it plans at their mean rate, so there it is no
 * upper bound. Energy is not in its objective.
 * In a closed-loop run (the host offers closed_caps) the frequency caps follow from the power
 * its own choices draw, which the trace does not show: there it holds one (variant, threads)
 * at a time, chosen by rolling each candidate forward through the device's physics
 * (closed_decide), a receding-horizon planner and no bound.
 * Not a policy a device could run: nothing outside a simulation knows the future.
 */
#include "oracle.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "polutil.h"

/* 1 when the host's table has the (appended) service f and offers it */
#define HOST_HAS(h, f) \
	((h)->size >= offsetof(struct adascale_host, f) + sizeof(h)->f && (h)->f != NULL)

#define OR_MAX_REQ 1024   /* requests in a plan */
#define OR_BEAM 3         /* labels kept per loaded variant and request */
#define OR_EXACT_MAX 20000 /* requests in an exact plan: the rest of the run */
#define OR_EXACT_BEAM 4   /* labels per loaded variant in an exact plan (more: not exact) */
#define OR_TOL_MS 0.002   /* the world matches the plan within this */
#define OR_MPC_HORIZON_MS 300000.0 /* closed loop: how far ahead a choice is rolled forward */
#define OR_MPC_REPLAN_MS 10000.0   /* and how often it is chosen again */

/* A stretch of the future in which the device state holds (from future_state). */
struct or_seg {
	double start_ms, end_ms; /* from the plan's start */
	struct adascale_state st;
};

/* A state of the dynamic program after some requests. */
struct or_label {
	double value;    /* top-1 points of on-time answers so far */
	double free_ms;  /* when the server is free */
	int loaded;      /* variant loaded (-1: none) */
	int parent;      /* label index in the previous stage */
	int act;         /* the action (index into pairs) that led here */
};

struct or_pair {
	int v, t;
	double top1;
};

struct oracle {
	const struct adascale_host *host;
	int threads;
	double hold_ms;
	struct pol_switch sw;
	struct pol_arrivals arr;

	/* actions: (variant, threads) pairs, built at the first decision */
	struct or_pair *pair;
	int n_pair;
	int n_var;

	/* scratch for planning */
	struct or_seg *seg;
	int n_seg, cap_seg;
	double *full_ms;         /* [segment][pair] service time in that state; NAN: not yet */
	double *present_ms;      /* [pair] at the present state */
	double *switch_ms;       /* [variant] */
	struct or_label *lab;    /* [stage][slot]: stage * (n_var + 1) * beam + slot */
	int *n_lab;              /* [stage][variant + 1] labels in use */
	size_t cap_lab, cap_n_lab;
	int beam;                /* labels kept per loaded variant: OR_BEAM or OR_EXACT_BEAM */
	int cut;                 /* a label that no other dominated was let go */
	double *arrival;         /* [request] ms from the plan's start */
	int cap_req;

	/* the plan being followed: absolute times */
	int plan_n, plan_i, plan_exact;
	int *plan_act, *plan_loaded;
	int64_t *plan_arrival_ns, *plan_decide_ns;
	int said;                /* the kind of plan was logged */

	/* closed loop (closed_caps): the choice held until mpc_next_ns */
	int mpc_on, mpc_v, mpc_t, mpc_n;
	int64_t mpc_next_ns;
	double *mpc_caps, *mpc_ms;
};

static const struct adascale_param oracle_params[] = {
	{"threads", "auto", "thread count, max or auto (every count is considered)"},
	{"hold_ms", "3000", "planning horizon: the requests arriving within it are planned"},
	{"storage_mbps", "1000", "assumed storage speed (MB/s) for switch times, until fitted"},
	{"init_ms", "5", "assumed fixed cost of a switch, likewise"},
};

static int oracle_create(const struct adascale_host *host, const char *const *values,
			 void **state, char *err, size_t err_len)
{
	if (!HOST_HAS(host, exact_ms)) {
		snprintf(err, err_len, "the host offers no look-ahead (exact_ms)");
		return -1;
	}
	struct oracle *o = calloc(1, sizeof *o);
	double mbps, init_ms;
	if (!o) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	o->host = host;
	if (pol_parse_threads(values[0], &o->threads, err, err_len) < 0 ||
	    pol_parse_num("hold_ms", values[1], 0, 1e7, &o->hold_ms, err, err_len) < 0 ||
	    pol_parse_num("storage_mbps", values[2], 1e-3, 1e9, &mbps, err, err_len) < 0 ||
	    pol_parse_num("init_ms", values[3], 0, 1e6, &init_ms, err, err_len) < 0)
		goto fail;
	pol_switch_init(&o->sw, mbps, init_ms);
	*state = o;
	return 0;
fail:
	free(o);
	return -1;
}

/*
 * The actions: every (variant, threads) pair, less those another pair at the same thread
 * count beats on accuracy, reference latency, memory and weights alike. At one thread count
 * every state scales the latency of all variants by the same factor, so a pruned pair is
 * never needed: it would finish no sooner, fit no better, load no faster, score no more.
 */
static int build_pairs(struct oracle *o, const struct adascale_view *view)
{
	const struct adascale_host *h = o->host;
	const struct adascale_variant *vt = view->variants;
	struct adascale_state ref;
	pol_reference_state(view, &ref);
	o->n_var = view->n_variants;
	size_t cap = (size_t)o->n_var * (size_t)view->max_threads;
	double *ms = calloc(cap, sizeof *ms);
	o->pair = calloc(cap, sizeof *o->pair);
	o->present_ms = calloc(cap, sizeof *o->present_ms);
	o->switch_ms = calloc((size_t)o->n_var, sizeof *o->switch_ms);
	if (!ms || !o->pair || !o->present_ms || !o->switch_ms) {
		free(ms);
		return -1;
	}
	int any_top1 = 0;
	for (int v = 0; v < o->n_var; v++)
		any_top1 |= vt[v].has_top1;
	int n = 0;
	for (int v = 0; v < o->n_var; v++) {
		if (any_top1 && !vt[v].has_top1)
			continue;
		int lo = 1, hi = view->max_threads;
		if (o->threads != 0)
			lo = hi = pol_pick_threads(h, view, v, o->threads, &ref, NULL);
		for (int t = lo; t <= hi; t++) {
			double x = h->has_threads(h->ctx, v, t) ? h->predict_ms(h->ctx, v, t, &ref)
								: INFINITY;
			if (!isfinite(x))
				continue;
			ms[n] = x;
			o->pair[n++] = (struct or_pair){v, t, vt[v].has_top1 ? vt[v].top1 : 0};
		}
	}
	int kept = 0;
	for (int i = 0; i < n; i++) {
		const struct or_pair *p = &o->pair[i];
		int beaten = 0;
		for (int j = 0; j < n && !beaten; j++) {
			const struct or_pair *q = &o->pair[j];
			if (j == i || q->t != p->t || q->top1 < p->top1 || ms[j] > ms[i] ||
			    vt[q->v].mem_bytes > vt[p->v].mem_bytes ||
			    vt[q->v].weight_bytes > vt[p->v].weight_bytes)
				continue;
			/* q is no worse anywhere: p goes if q is better somewhere, or is an earlier twin */
			beaten = q->top1 > p->top1 || ms[j] < ms[i] ||
				 vt[q->v].mem_bytes < vt[p->v].mem_bytes ||
				 vt[q->v].weight_bytes < vt[p->v].weight_bytes || j < i;
		}
		if (!beaten) {
			ms[kept] = ms[i];
			o->pair[kept++] = *p;
		}
	}
	free(ms);
	o->n_pair = kept;
	return kept > 0 ? 0 : -1;
}

static double switch_time_ms(const struct oracle *o, const struct adascale_view *view, int v)
{
	const struct adascale_host *h = o->host;
	if (HOST_HAS(h, switch_ms))
		return h->switch_ms(h->ctx, v);
	return pol_switch_ms(&o->sw, view->variants[v].weight_bytes);
}

/* Reads the future up to until_ms into segments of constant state; -1 if the host cannot. */
static int read_future(struct oracle *o, double until_ms)
{
	const struct adascale_host *h = o->host;
	o->n_seg = 0;
	for (double at = 0;;) {
		if (o->n_seg == o->cap_seg) {
			int cap = o->cap_seg ? 2 * o->cap_seg : 64;
			struct or_seg *g = realloc(o->seg, (size_t)cap * sizeof *g);
			if (!g)
				return -1;
			o->seg = g;
			double *f = realloc(o->full_ms, (size_t)cap * (size_t)o->n_pair * sizeof *f);
			if (!f)
				return -1;
			o->full_ms = f;
			o->cap_seg = cap;
		}
		struct or_seg *g = &o->seg[o->n_seg];
		double holds;
		if (h->future_state(h->ctx, at, &g->st, &holds) != 0 || !(holds > 0))
			return -1;
		g->start_ms = at;
		g->end_ms = at + holds;
		o->n_seg++;
		if (!isfinite(g->end_ms) || g->end_ms > until_ms || o->n_seg >= 100000) {
			g->end_ms = INFINITY; /* beyond what is planned: the state is taken to hold */
			break;
		}
		at = g->end_ms;
	}
	for (size_t k = 0; k < (size_t)o->n_seg * (size_t)o->n_pair; k++)
		o->full_ms[k] = NAN;
	return 0;
}

/*
 * The service time of pair a started start_ms from now, or NAN when it would not fit in the
 * memory free then. future: along the segments; else the head's exact time (request 0 on the
 * loaded variant) or the present state's.
 */
static double service_ms(struct oracle *o, const struct adascale_view *view, int future, int a,
			 double start_ms, int exact_now)
{
	const struct adascale_host *h = o->host;
	const struct or_pair *p = &o->pair[a];
	double mem_bytes = view->variants[p->v].mem_bytes;
	if (!future) {
		if (mem_bytes > view->state->mem_avail_mb * 1e6)
			return NAN;
		return exact_now ? h->exact_ms(h->ctx, p->v, p->t) : o->present_ms[a];
	}
	int lo = 0, hi = o->n_seg - 1;
	while (lo < hi) { /* the segment holding start_ms */
		int mid = (lo + hi + 1) / 2;
		if (o->seg[mid].start_ms <= start_ms)
			lo = mid;
		else
			hi = mid - 1;
	}
	if (mem_bytes > o->seg[lo].st.mem_avail_mb * 1e6)
		return NAN;
	double at = start_ms, left = 1;
	for (int k = lo; k < o->n_seg; k++) {
		double *full = &o->full_ms[(size_t)k * (size_t)o->n_pair + (size_t)a];
		if (isnan(*full))
			*full = h->predict_ms(h->ctx, p->v, p->t, &o->seg[k].st);
		if (!isfinite(*full))
			return INFINITY;
		double span = o->seg[k].end_ms - at;
		if (left * *full <= span)
			return at + left * *full - start_ms;
		left -= span / *full;
		at = o->seg[k].end_ms;
	}
	return INFINITY;
}

/*
 * Keeps a new label for its loaded variant unless another there is at least as good in value
 * and free time (free_ms is what the next request sees: never before its arrival). Labels
 * it dominates go. When beam labels remain that none dominates, the worst (lowest value,
 * then latest free) goes, and the plan is no longer exact (*cut).
 */
static void offer(struct or_label *slot, int *n, int beam, const struct or_label *x, int *cut)
{
	for (int i = 0; i < *n; i++)
		if (slot[i].value >= x->value && slot[i].free_ms <= x->free_ms)
			return; /* dominated */
	int k = 0;
	for (int i = 0; i < *n; i++) /* those x dominates go */
		if (!(x->value >= slot[i].value && x->free_ms <= slot[i].free_ms))
			slot[k++] = slot[i];
	*n = k;
	if (k == beam) {
		*cut = 1;
		/* replace the worst (lowest value, then latest free) if x beats it */
		int w = 0;
		for (int i = 1; i < k; i++)
			if (slot[i].value < slot[w].value ||
			    (slot[i].value == slot[w].value && slot[i].free_ms > slot[w].free_ms))
				w = i;
		if (slot[w].value > x->value ||
		    (slot[w].value == x->value && slot[w].free_ms <= x->free_ms))
			return;
		slot[w] = *x;
		return;
	}
	slot[k] = *x;
	(*n)++;
}

/* Room for n requests in the plan's arrays; 0, or -1. */
static int reserve(struct oracle *o, int n)
{
	if (n <= o->cap_req)
		return 0;
	double *a = realloc(o->arrival, (size_t)n * sizeof *a);
	if (a)
		o->arrival = a;
	int *pa = realloc(o->plan_act, (size_t)n * sizeof *pa);
	if (pa)
		o->plan_act = pa;
	int *pl = realloc(o->plan_loaded, (size_t)n * sizeof *pl);
	if (pl)
		o->plan_loaded = pl;
	int64_t *an = realloc(o->plan_arrival_ns, (size_t)n * sizeof *an);
	if (an)
		o->plan_arrival_ns = an;
	int64_t *dn = realloc(o->plan_decide_ns, (size_t)n * sizeof *dn);
	if (dn)
		o->plan_decide_ns = dn;
	if (!a || !pa || !pl || !an || !dn)
		return -1;
	o->cap_req = n;
	return 0;
}

/*
 * The arrivals of the rest of the run, when the host knows them and only the head waits:
 * the count, or 0 when the plan cannot be exact (then the planner's arrivals are used).
 */
static int exact_arrivals(struct oracle *o, const struct adascale_view *view, double wait)
{
	const struct adascale_host *h = o->host;
	if (!HOST_HAS(h, future_arrival) || !HOST_HAS(h, future_state) ||
	    !HOST_HAS(h, switch_ms) || !HOST_HAS(h, end_ms) || view->queue->length != 1)
		return 0;
	int n = 0;
	for (int64_t k = 0;; k++) {
		double at = -wait;
		int rc = k == 0 ? 0 : h->future_arrival(h->ctx, k, &at);
		if (rc < 0 || n >= OR_EXACT_MAX)
			return 0;
		if (rc > 0)
			return n;
		if (reserve(o, n + 1) < 0)
			return 0;
		o->arrival[n++] = at;
	}
}

/* Plans the next requests from now; fills plan_* (absolute times). 0, or -1. *//* Plans the next requests from now; fills plan_* (absolute times). 0, or -1. */
static int plan(struct oracle *o, const struct adascale_view *view)
{
	const struct adascale_host *h = o->host;
	int64_t now = view->state->t_ns;
	double deadline_ms = (double)view->queue->deadline_ns / 1e6 - 1e-5; /* ns rounding */
	double period = pol_arrivals_period_ms(&o->arr, view);
	double cv2 = pol_arrivals_cv2(&o->arr);
	double wait = (double)(now - view->queue->oldest_arrival_ns) / 1e6;
	int queued = view->queue->length > 0 ? view->queue->length : 1;
	double spacing = queued > 1 ? fmin(period, wait / (queued - 1)) : period;
	int n_req = exact_arrivals(o, view, wait);
	int exact = n_req > 0;
	if (!exact) {
		if (reserve(o, OR_MAX_REQ) < 0)
			return -1;
		for (int i = 0; n_req < OR_MAX_REQ; i++) {
			double a = i < queued ? -wait + i * spacing
					      : -wait + (queued - 1) * spacing + (i - queued + 1) * period;
			if (i > 0 && a >= o->hold_ms)
				break;
			o->arrival[n_req++] = a;
		}
	}
	o->beam = exact ? OR_EXACT_BEAM : OR_BEAM;
	o->cut = 0;
	size_t width_z = (size_t)(o->n_var + 1), stages = (size_t)n_req + 1;
	if (stages * width_z * (size_t)o->beam > o->cap_lab) {
		struct or_label *lab = realloc(o->lab, stages * width_z * (size_t)o->beam * sizeof *lab);
		if (!lab)
			return -1;
		o->lab = lab;
		o->cap_lab = stages * width_z * (size_t)o->beam;
	}
	if (stages * width_z > o->cap_n_lab) {
		int *n_lab = realloc(o->n_lab, stages * width_z * sizeof *n_lab);
		if (!n_lab)
			return -1;
		o->n_lab = n_lab;
		o->cap_n_lab = stages * width_z;
	}
	double until = (exact ? o->arrival[n_req - 1] : o->hold_ms) + 4 * deadline_ms + 1000;
	/* an inference still running when the run ends answers nothing */
	double end_ms = exact ? h->end_ms(h->ctx) : INFINITY;
	int future = HOST_HAS(h, future_state) && read_future(o, until) == 0;
	exact &= future;
	for (int a = 0; a < o->n_pair; a++)
		o->present_ms[a] = h->predict_ms(h->ctx, o->pair[a].v, o->pair[a].t, view->state);
	for (int v = 0; v < o->n_var; v++)
		o->switch_ms[v] = switch_time_ms(o, view, v);

	int width = o->n_var + 1, B = o->beam; /* loaded variant + 1 (slot 0: none loaded) */
	struct or_label *lab = o->lab;
	memset(o->n_lab, 0, stages * width_z * sizeof *o->n_lab);
	int cur = view->current_variant, cap = view->queue->capacity, queue_full = 0;
	lab[(size_t)(cur + 1) * (size_t)B] = (struct or_label){0, 0, cur, -1, -1};
	o->n_lab[cur + 1] = 1;
	for (int i = 0; i < n_req; i++) {
		struct or_label *in = lab + (size_t)i * width_z * (size_t)B;
		struct or_label *outl = lab + (size_t)(i + 1) * width_z * (size_t)B;
		int *n_in = o->n_lab + (size_t)i * width_z;
		int *n_out = o->n_lab + (size_t)(i + 1) * width_z;
		/* the next request cannot start before it arrives: free times up to then are alike */
		double next = exact && i + 1 < n_req ? o->arrival[i + 1] : -INFINITY;
		for (int u = 0; u < width; u++)
			for (int l = 0; l < n_in[u]; l++) {
				const struct or_label *from = &in[u * B + l];
				double ready = fmax(o->arrival[i], from->free_ms);
				for (int a = 0; a < o->n_pair; a++) {
					int v = o->pair[a].v;
					double start = ready + (v == from->loaded ? 0 : o->switch_ms[v]);
					int exact_now = i == 0 && v == cur;
					double ms = service_ms(o, view, future, a, start, exact_now);
					struct or_label x = {from->value, start, v, u * B + l, a};
					if (!isnan(ms)) {
						x.free_ms = start + ms;
						double slack = deadline_ms - (x.free_ms - o->arrival[i]);
						double ok = slack >= 0 && x.free_ms < end_ms;
						if (ok && i >= queued && !exact)
							ok = pol_ontime_chance(ms / period, cv2, ms, slack);
						x.value += ok * o->pair[a].top1;
					}
					if (exact) {
						/* requests that would wait past the queue's capacity: a drop
						   the plan does not model */
						int waiting = 0;
						for (int k = i + 1; k < n_req && o->arrival[k] < x.free_ms &&
								    waiting <= cap; k++)
							waiting++;
						queue_full |= waiting >= cap;
						x.free_ms = fmax(x.free_ms, next);
					}
					offer(&outl[(v + 1) * B], &n_out[v + 1], B, &x, &o->cut);
				}
			}
	}
	/* the best end, and the way back to it */
	struct or_label *last = lab + (size_t)n_req * width_z * (size_t)B;
	int *n_last = o->n_lab + (size_t)n_req * width_z;
	int best = -1;
	for (int u = 0; u < width; u++)
		for (int l = 0; l < n_last[u]; l++) {
			const struct or_label *x = &last[u * B + l];
			if (best < 0 || x->value > last[best].value ||
			    (x->value == last[best].value && x->free_ms < last[best].free_ms))
				best = u * B + l;
		}
	if (best < 0)
		return -1;
	/* back from the best end: the action of each request and when the server was free
	   before it (the labels' free times, ns from now in plan_arrival_ns until made absolute) */
	for (int i = n_req, k = best; i > 0; i--) {
		const struct or_label *x = &lab[(size_t)i * width_z * (size_t)B + (size_t)k];
		o->plan_act[i - 1] = x->act;
		k = x->parent;
		const struct or_label *before = &lab[(size_t)(i - 1) * width_z * (size_t)B + (size_t)k];
		o->plan_arrival_ns[i - 1] = llround(before->free_ms * 1e6); /* ns from now */
	}
	for (int i = 0, loaded = cur; i < n_req; i++) {
		double free_before = (double)o->plan_arrival_ns[i] / 1e6;
		o->plan_loaded[i] = loaded;
		o->plan_arrival_ns[i] = now + llround(o->arrival[i] * 1e6);
		o->plan_decide_ns[i] = now + llround(fmax(o->arrival[i], free_before) * 1e6);
		loaded = o->pair[o->plan_act[i]].v;
	}
	o->plan_n = n_req;
	o->plan_i = 0;
	o->plan_exact = exact && !o->cut && !queue_full;
	if (!o->said) {
		o->said = 1;
		char msg[256];
		if (o->plan_exact)
			snprintf(msg, sizeof msg,
				 "bound: exact (all %d requests of the run planned at once, a dynamic "
				 "program over every choice)",
				 n_req);
		else
			snprintf(msg, sizeof msg, "bound: planner, not exact (%s)",
				 exact ? (queue_full ? "requests would queue past its capacity"
						     : "more plans than it keeps")
				       : "the host does not say the future arrivals and the run's end");
		h->log(h->ctx, ADASCALE_LOG_INFO, msg);
	}
	return 0;
}

/*
 * The closed loop (the host offers closed_caps): a choice now heats the device and so sets
 * the frequency caps later, which no look-ahead of the trace shows. Every OR_MPC_REPLAN_MS
 * the oracle rolls each candidate (variant, threads) forward over OR_MPC_HORIZON_MS through
 * the device's own physics, as if it held that choice, and keeps the one whose requests,
 * at the caps that choice causes, give the most top-1 on time (in each polling period, the
 * chance that a request is on time when its predicted service time there is within the
 * deadline and below the mean gap between requests, counting the queueing that irregular
 * arrivals bring: pol_ontime_chance); a choice that is not the loaded variant pays for
 * the requests its switch holds up. Candidates are valued best top-1 first, and one whose
 * top-1 over the whole horizon cannot beat the best so far is not rolled forward. A
 * receding-horizon planner over held choices: not a bound, and its log says so.
 */
static int closed_decide(struct oracle *o, const struct adascale_view *view,
			 struct adascale_decision *out)
{
	const struct adascale_host *h = o->host;
	int64_t now = view->state->t_ns;
	if (o->mpc_on && now < o->mpc_next_ns && o->mpc_v < view->n_variants) {
		out->variant = o->mpc_v;
		out->threads = o->mpc_t;
		return 0;
	}
	double period_ms = pol_arrivals_period_ms(&o->arr, view);
	double rate_hz = period_ms > 0 ? 1000.0 / period_ms : 0;
	double deadline_ms = (double)view->queue->deadline_ns / 1e6;
	double cv2 = pol_arrivals_cv2(&o->arr);
	if (!o->mpc_caps) {
		double step_ms = 0, c0, m0;
		if (h->closed_caps(h->ctx, o->pair[0].v, o->pair[0].t, rate_hz, &c0, &m0, 1,
				   &step_ms) != 1 ||
		    !(step_ms > 0))
			return -1;
		o->mpc_n = (int)ceil(OR_MPC_HORIZON_MS / step_ms);
		o->mpc_caps = calloc((size_t)o->mpc_n, sizeof *o->mpc_caps);
		o->mpc_ms = calloc((size_t)o->mpc_n, sizeof *o->mpc_ms);
		if (!o->mpc_caps || !o->mpc_ms)
			return -1;
	}
	/* best top-1 first (build_pairs leaves them in table order) */
	int order[4096], n = o->n_pair < 4096 ? o->n_pair : 4096;
	for (int i = 0; i < n; i++)
		order[i] = i;
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && o->pair[order[j]].top1 > o->pair[order[j - 1]].top1; j--) {
			int x = order[j];
			order[j] = order[j - 1];
			order[j - 1] = x;
		}
	double mem = view->state->mem_avail_mb * 1e6, best_value = -1, best_ms0 = INFINITY;
	int best = -1;
	for (int i = 0; i < n; i++) {
		const struct or_pair *p = &o->pair[order[i]];
		if (view->variants[p->v].mem_bytes > mem)
			continue;
		if (best >= 0 && p->top1 * o->mpc_n < best_value)
			break; /* sorted: none after it can do better */
		double step_ms;
		if (h->closed_caps(h->ctx, p->v, p->t, rate_hz, o->mpc_caps, o->mpc_ms, o->mpc_n,
				   &step_ms) != o->mpc_n)
			continue;
		double value = 0;
		for (int k = 0; k < o->mpc_n; k++) {
			double ms = o->mpc_ms[k];
			if (ms <= deadline_ms && ms < period_ms)
				value += p->top1 * pol_ontime_chance(ms / period_ms, cv2, ms,
								     deadline_ms - ms);
		}
		if (p->v != view->current_variant)
			value -= p->top1 * switch_time_ms(o, view, p->v) / step_ms;
		if (best < 0 || value > best_value ||
		    (value == best_value && o->mpc_ms[0] < best_ms0)) {
			best = order[i];
			best_value = value;
			best_ms0 = o->mpc_ms[0];
		}
	}
	if (best < 0)
		return -1;
	if (!o->said) {
		o->said = 1;
		char msg[320];
		snprintf(msg, sizeof msg,
			 "bound: planner, not exact (closed loop: each variant and thread count held "
			 "for %.0f s, rolled forward through the device's thermal network, governor "
			 "and battery, the most top-1 on time chosen again every %.0f s)",
			 OR_MPC_HORIZON_MS / 1000, OR_MPC_REPLAN_MS / 1000);
		h->log(h->ctx, ADASCALE_LOG_INFO, msg);
	}
	o->mpc_on = 1;
	o->mpc_v = o->pair[best].v;
	o->mpc_t = o->pair[best].t;
	o->mpc_next_ns = now + llround(OR_MPC_REPLAN_MS * 1e6);
	out->variant = o->mpc_v;
	out->threads = o->mpc_t;
	return 0;
}

/* 1 when the decision now is the one the plan expected. */
static int on_plan(const struct oracle *o, const struct adascale_view *view)
{
	int i = o->plan_i;
	if (i >= o->plan_n || (!o->plan_exact && i > o->plan_n / 2))
		return 0;
	double da = (double)(view->queue->oldest_arrival_ns - o->plan_arrival_ns[i]) / 1e6;
	double dt = (double)(view->state->t_ns - o->plan_decide_ns[i]) / 1e6;
	return fabs(da) <= OR_TOL_MS && fabs(dt) <= OR_TOL_MS &&
	       view->current_variant == o->plan_loaded[i];
}

static int oracle_decide(void *state, const struct adascale_view *view,
			 struct adascale_decision *out)
{
	struct oracle *o = state;
	pol_arrivals_note(&o->arr, view);
	if (!o->pair && build_pairs(o, view) < 0)
		return -1;
	if (HOST_HAS(o->host, closed_caps)) {
		if (closed_decide(o, view, out) < 0)
			return -1;
		pol_switch_decided(&o->sw, view, out->variant);
		return 0;
	}
	if (!on_plan(o, view) && plan(o, view) < 0)
		return -1;
	const struct or_pair *p = &o->pair[o->plan_act[o->plan_i++]];
	out->variant = p->v;
	out->threads = p->t;
	pol_switch_decided(&o->sw, view, out->variant);
	return 0;
}

static void oracle_observe(void *state, const struct adascale_observation *obs)
{
	struct oracle *o = state;
	pol_switch_observe(&o->sw, obs);
}

static void oracle_destroy(void *state)
{
	struct oracle *o = state;
	free(o->pair);
	free(o->seg);
	free(o->full_ms);
	free(o->present_ms);
	free(o->switch_ms);
	free(o->lab);
	free(o->n_lab);
	free(o->arrival);
	free(o->plan_act);
	free(o->plan_loaded);
	free(o->plan_arrival_ns);
	free(o->plan_decide_ns);
	free(o->mpc_caps);
	free(o->mpc_ms);
	free(o);
}

const struct adascale_policy pol_oracle_policy = {
	.abi_version = ADASCALE_POLICY_ABI_VERSION,
	.size = sizeof(struct adascale_policy),
	.name = "oracle",
	.description = "knows the future trace: plans the variants that give the most on time",
	.params = oracle_params,
	.n_params = 4,
	.create = oracle_create,
	.decide = oracle_decide,
	.observe = oracle_observe,
	.destroy = oracle_destroy,
	.flags = ADASCALE_POLICY_SEES_FUTURE,
};

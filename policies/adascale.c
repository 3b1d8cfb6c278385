/*
 * adascale.c: the built-in policy `adascale`, the adaptation loop of the AdaScale paper, each
 * mechanism switchable off by a parameter (an ablation):
 *
 *   forecast    resource-availability awareness: the sensed frequency, competing load and
 *               free memory are smoothed (EWMA, time constant smooth_ms) and, where their
 *               recent history is a trend (a least-squares line over window_ms explains 80%
 *               of its variance: a single step or a flapping load is no trend), projected
 *               horizon_ms ahead along it (plus smooth_ms, the lag of the EWMA); the
 *               policy plans for the worse of the present and that forecast, so it steps
 *               down before a slowdown rather than after a miss, even when it senses late.
 *               forecast=0 plans for the sensed present.
 *   feedback    profiler feedback: per variant and thread count, an EWMA (weight alpha) of the
 *               observed / predicted service time corrects the host's prediction, and a
 *               device-wide ratio stands in for variants not yet observed (or not for
 *               forget_ms), so a wrong profile heals during the run. feedback=0 trusts it.
 *   pareto      the candidates are the (variant, thread count) pairs on the Pareto front over
 *               accuracy, latency, energy and memory, computed once at the first decision at
 *               the reference state. Within one thread count every state scales latency and
 *               energy of all variants alike, so a dominated pair is never the best choice:
 *               pruning makes the search smaller without changing its answer (as long as the
 *               profile's order holds and a pruned variant's only merit is not a faster
 *               load). pareto=0 searches every pair.
 *   objective   each candidate that fits the free memory is valued by the plan of holding
 *               it (pol_plan_run): the head request, those waiting and those expected within
 *               the horizon, served in turn at the predicted time x margin; the value is the
 *               top-1 of the answers expected on time minus lambda x the predicted energy
 *               (lambda: accuracy points per mJ). The best plan wins; at equal value the one
 *               whose head is on time, then the better score, then the sooner done. When
 *               nothing can make it, that is the one that finishes first.
 *   switchcost  switching-cost awareness: a switch takes weight_bytes / storage speed + init
 *               time (the host's switch_ms when offered, else the model of polutil.h, assumed
 *               then fitted to the loads observed) and one core's energy meanwhile; the plan
 *               counts it, so a switch delays the head and those behind it. The horizon is how
 *               long conditions are expected to hold (the learned time between changes of the
 *               sensed state, or how long they have held, at most hold_ms): the policy moves
 *               when the gain over that horizon exceeds what the switch costs, which also lets
 *               it give up one request to load a variant that pays over many. switchcost=0
 *               treats switches as free and instant.
 *
 * Logging: the candidate count goes out once, at the first decision, at INFO (the adascale CLI
 * prints only warnings, so a normal run is quiet on stderr). Warnings, each at most once a
 * run, say what is wrong: no (variant, threads) pair to choose from (decide then fails),
 * nothing fitting the free memory (the smallest variant runs and its inferences fail), and
 * service times off the profile's predictions by more than a factor ADA_OFF_FACTOR, either
 * way, over a block of ADA_OFF_BLOCK inferences (the timings do not match the device).
 *
 * The policy keeps no pointer into the view (valid only during decide) and reads no clock.
 * Not for the host's cost model (sim/run.c) or for the other built-ins (builtin.c).
 */
#include "adascale.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "polutil.h"

#define HOST_HAS(h, f) \
	((h)->size >= offsetof(struct adascale_host, f) + sizeof(h)->f && (h)->f != NULL)

#define ADA_WIN 128    /* sensed samples kept for the trend */
#define ADA_MIN_R2 0.8 /* a trend is projected only when a line explains this share of it */
/*
 * A wrong profile: the service times of a block of ADA_OFF_BLOCK inferences add up to more
 * than ADA_OFF_FACTOR times their predictions, or less than 1 / ADA_OFF_FACTOR times. A state
 * change during an inference puts one observation off and barely moves the sums; timings from
 * another device put them all off. With exponential service times (mean: the prediction) a
 * block of 100 is off by chance with probability 5e-8 (the Gamma(100) tails).
 */
#define ADA_OFF_FACTOR 1.8
#define ADA_OFF_BLOCK 100
enum { X_FREQ, X_UTIL, X_MEM, X_N };

struct ada_cand {
	int v, t;
};

struct ada {
	const struct adascale_host *host;
	/* parameters */
	int threads, forecast, feedback, pareto, switchcost;
	double horizon_ms, smooth_ms, window_ms, alpha, forget_ms, lambda, margin, hold_ms;
	struct pol_switch sw;

	/* built at the first decision */
	int ready, n_var, max_t;
	struct ada_cand *cand;
	int n_cand, n_pairs;
	int last_cand;            /* the candidate chosen last, plus one; 0 = none */
	double *ratio;            /* per (variant, threads): observed / predicted; 0 = none */
	int64_t *ratio_ns;        /* when each was last updated */
	double ratio_all;         /* device-wide ratio; 0 = none */

	/* sensing: smoothed level and recent samples */
	int n_seen;
	double level[X_N];
	int64_t level_ns;
	int64_t ring_ns[ADA_WIN];
	double ring_x[ADA_WIN][X_N];
	int ring_head, ring_n;

	/* how long conditions hold, and how often requests come, for the switching horizon */
	int cond_known;
	double cond_ms;           /* predicted time of a probe pair when conditions last changed */
	double cond_mem;
	int64_t cond_since_ns;
	double dwell_ms;          /* EWMA of the time between changes; 0 = none seen */
	struct pol_arrivals arr;

	/* warnings, each given once */
	int warned_memory, warned_profile;
	int block_n;              /* observations in the current block */
	double block_obs_ms, block_pred_ms; /* their service times and predictions, summed */
};

static const struct adascale_param ada_params[] = {
	{"threads", "auto", "thread count, max or auto (every count is a candidate)"},
	{"forecast", "1", "1: plan for the worse of the present and the forecast state; 0: present"},
	{"horizon_ms", "200", "how far ahead the trend is projected"},
	{"smooth_ms", "100", "time constant of the EWMA smoothing of the sensed state"},
	{"window_ms", "1000", "the trend is the least-squares slope over this much history"},
	{"feedback", "1", "1: correct predictions by observed / predicted service time; 0: off"},
	{"alpha", "0.3", "EWMA weight of a new observation in the correction"},
	{"forget_ms", "5000", "a variant's own correction fades into the device-wide one over this"},
	{"pareto", "1", "1: search the Pareto front of (variant, threads) pairs; 0: every pair"},
	{"lambda", "0.01", "weight of energy in the objective, accuracy points per mJ"},
	{"margin", "1.0", "predicted time is multiplied by this before the deadline test"},
	{"switchcost", "1", "1: count switch time, move only when the gain exceeds it; 0: free"},
	{"hold_ms", "2000", "longest horizon over which a switch's gain is counted"},
	{"storage_mbps", "1000", "assumed storage speed (MB/s) for switch times, until fitted"},
	{"init_ms", "5", "assumed fixed cost of a switch, likewise"},
};
#define ADA_N_PARAMS ((int)(sizeof ada_params / sizeof ada_params[0]))

static int ada_create(const struct adascale_host *host, const char *const *values, void **state,
		      char *err, size_t err_len)
{
	struct ada *a = calloc(1, sizeof *a);
	double mbps, init_ms;
	if (!a) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	a->host = host;
	if (pol_parse_threads(values[0], &a->threads, err, err_len) < 0 ||
	    pol_parse_bool("forecast", values[1], &a->forecast, err, err_len) < 0 ||
	    pol_parse_num("horizon_ms", values[2], 0, 1e6, &a->horizon_ms, err, err_len) < 0 ||
	    pol_parse_num("smooth_ms", values[3], 0, 1e6, &a->smooth_ms, err, err_len) < 0 ||
	    pol_parse_num("window_ms", values[4], 1, 1e7, &a->window_ms, err, err_len) < 0 ||
	    pol_parse_bool("feedback", values[5], &a->feedback, err, err_len) < 0 ||
	    pol_parse_num("alpha", values[6], 1e-6, 1, &a->alpha, err, err_len) < 0 ||
	    pol_parse_num("forget_ms", values[7], 1, 1e9, &a->forget_ms, err, err_len) < 0 ||
	    pol_parse_bool("pareto", values[8], &a->pareto, err, err_len) < 0 ||
	    pol_parse_num("lambda", values[9], 0, 1e6, &a->lambda, err, err_len) < 0 ||
	    pol_parse_num("margin", values[10], 0.01, 100, &a->margin, err, err_len) < 0 ||
	    pol_parse_bool("switchcost", values[11], &a->switchcost, err, err_len) < 0 ||
	    pol_parse_num("hold_ms", values[12], 0, 1e9, &a->hold_ms, err, err_len) < 0 ||
	    pol_parse_num("storage_mbps", values[13], 1e-3, 1e9, &mbps, err, err_len) < 0 ||
	    pol_parse_num("init_ms", values[14], 0, 1e6, &init_ms, err, err_len) < 0)
		goto fail;
	pol_switch_init(&a->sw, mbps, init_ms);
	*state = a;
	return 0;
fail:
	free(a);
	return -1;
}

/* ---- the candidate set (first decision) ---- */

struct ada_pair {
	int v, t;
	double acc, ms, mj, mem;
};

/* 1 when q dominates p: no worse on every criterion and better on one */
static int dominates(const struct ada_pair *q, const struct ada_pair *p)
{
	if (q->acc < p->acc || q->ms > p->ms || q->mj > p->mj || q->mem > p->mem)
		return 0;
	return q->acc > p->acc || q->ms < p->ms || q->mj < p->mj || q->mem < p->mem;
}

static int build_candidates(struct ada *a, const struct adascale_view *view)
{
	const struct adascale_host *h = a->host;
	struct adascale_state ref;
	pol_reference_state(view, &ref);
	a->n_var = view->n_variants;
	a->max_t = view->max_threads;
	size_t n_slots = (size_t)a->n_var * (size_t)(a->max_t + 1);
	struct ada_pair *p = calloc(n_slots, sizeof *p);
	a->cand = calloc(n_slots, sizeof *a->cand);
	a->ratio = calloc(n_slots, sizeof *a->ratio);
	a->ratio_ns = calloc(n_slots, sizeof *a->ratio_ns);
	if (!p || !a->cand || !a->ratio || !a->ratio_ns)
		goto fail;
	int any_top1 = 0;
	for (int v = 0; v < a->n_var; v++)
		any_top1 |= view->variants[v].has_top1;
	int n = 0;
	for (int v = 0; v < a->n_var; v++) {
		const struct adascale_variant *vv = &view->variants[v];
		if (any_top1 && !vv->has_top1)
			continue; /* without an accuracy it cannot be ranked */
		int lo = 1, hi = a->max_t;
		if (a->threads != 0)
			lo = hi = pol_pick_threads(h, view, v, a->threads, &ref, NULL);
		for (int t = lo; t <= hi; t++) {
			if (!h->has_threads(h->ctx, v, t))
				continue;
			double ms = h->predict_ms(h->ctx, v, t, &ref);
			if (!isfinite(ms))
				continue;
			p[n++] = (struct ada_pair){v, t, vv->has_top1 ? vv->top1 : 0, ms,
						   h->predict_mj(h->ctx, v, t, &ref), vv->mem_bytes};
		}
	}
	a->n_pairs = n;
	a->n_cand = 0;
	for (int i = 0; i < n; i++) {
		int dominated = 0;
		for (int j = 0; a->pareto && j < n && !dominated; j++)
			dominated = p[j].t == p[i].t && dominates(&p[j], &p[i]);
		if (!dominated)
			a->cand[a->n_cand++] = (struct ada_cand){p[i].v, p[i].t};
	}
	free(p);
	if (a->n_cand == 0) {
		h->log(h->ctx, ADASCALE_LOG_WARN,
		       any_top1 ? "no variant with an accuracy has timings: nothing to choose from"
				: "no variant has timings: nothing to choose from");
		return -1;
	}
	char msg[200];
	snprintf(msg, sizeof msg, "candidates: %d of %d (variant, threads) pairs%s", a->n_cand,
		 a->n_pairs, a->pareto ? " on the Pareto front" : "");
	h->log(h->ctx, ADASCALE_LOG_INFO, msg);
	a->ready = 1;
	return 0;
fail:
	free(p);
	return -1;
}

/* ---- resource-availability awareness ---- */

static void sense(struct ada *a, const struct adascale_state *st)
{
	double x[X_N] = {st->freq_mhz[st->big_cluster], st->util_other, st->mem_avail_mb};
	if (a->n_seen++ == 0) {
		memcpy(a->level, x, sizeof x);
	} else {
		double dt = (double)(st->t_ns - a->level_ns) / 1e6;
		double w = a->smooth_ms > 0 ? 1 - exp(-dt / a->smooth_ms) : 1;
		for (int k = 0; k < X_N; k++)
			a->level[k] += w * (x[k] - a->level[k]);
	}
	a->level_ns = st->t_ns;
	a->ring_head = (a->ring_head + 1) % ADA_WIN;
	a->ring_ns[a->ring_head] = st->t_ns;
	memcpy(a->ring_x[a->ring_head], x, sizeof x);
	if (a->ring_n < ADA_WIN)
		a->ring_n++;
}

/*
 * The state to plan for: with forecast on, each quantity's smoothed level projected
 * horizon_ms ahead along its least-squares trend over window_ms (plus smooth_ms, the lag of
 * an EWMA following a ramp), and the worse of that and the present; else the present.
 */
static void plan_state(const struct ada *a, const struct adascale_state *now,
		       struct adascale_state *plan)
{
	*plan = *now;
	if (!a->forecast)
		return;
	double n = 0, st = 0, stt = 0, sx[X_N] = {0}, sxx[X_N] = {0}, stx[X_N] = {0};
	for (int i = 0; i < a->ring_n; i++) {
		int k = (a->ring_head - i + ADA_WIN) % ADA_WIN;
		double t = (double)(a->ring_ns[k] - now->t_ns) / 1e6; /* ms, <= 0 */
		if (t < -a->window_ms)
			break;
		n += 1;
		st += t;
		stt += t * t;
		for (int j = 0; j < X_N; j++) {
			sx[j] += a->ring_x[k][j];
			sxx[j] += a->ring_x[k][j] * a->ring_x[k][j];
			stx[j] += t * a->ring_x[k][j];
		}
	}
	double var = n >= 3 ? stt / n - (st / n) * (st / n) : 0;
	double fc[X_N], x[X_N] = {now->freq_mhz[now->big_cluster], now->util_other,
				   now->mem_avail_mb};
	for (int j = 0; j < X_N; j++) {
		fc[j] = x[j]; /* no trend: no forecast */
		double var_x = n >= 3 ? sxx[j] / n - (sx[j] / n) * (sx[j] / n) : 0;
		if (var <= 1e-9 || var_x <= 1e-12 * (1 + sxx[j] / n))
			continue;
		double cov = stx[j] / n - (st / n) * (sx[j] / n);
		if (cov * cov < ADA_MIN_R2 * var * var_x)
			continue; /* the recent history is no line (flapping, noise) */
		fc[j] = a->level[j] + cov / var * (a->horizon_ms + a->smooth_ms);
	}
	int big = now->big_cluster;
	double f_max = now->max_freq_mhz[big] > 0 ? now->max_freq_mhz[big] : now->freq_mhz[big];
	double f = fmin(now->freq_mhz[big], fc[X_FREQ]);
	plan->freq_mhz[big] = fmin(f_max, fmax(0.02 * f_max, f));
	plan->util_other = fmin(1, fmax(0, fmax(now->util_other, fc[X_UTIL])));
	plan->mem_avail_mb = fmax(0, fmin(now->mem_avail_mb, fc[X_MEM]));
}

/* Notes changes of conditions (>10% in a probe's predicted time or in free memory). */
static void track_conditions(struct ada *a, const struct adascale_view *view)
{
	const struct adascale_host *h = a->host;
	const struct adascale_state *st = view->state;
	double ms = h->predict_ms(h->ctx, a->cand[0].v, a->cand[0].t, st);
	if (!a->cond_known) {
		a->cond_known = 1;
		a->cond_ms = ms;
		a->cond_mem = st->mem_avail_mb;
		a->cond_since_ns = st->t_ns;
	} else if (fabs(ms - a->cond_ms) > 0.1 * a->cond_ms ||
		   fabs(st->mem_avail_mb - a->cond_mem) > 0.1 * a->cond_mem) {
		double held = (double)(st->t_ns - a->cond_since_ns) / 1e6;
		a->dwell_ms = a->dwell_ms > 0 ? 0.7 * a->dwell_ms + 0.3 * held : held;
		a->cond_ms = ms;
		a->cond_mem = st->mem_avail_mb;
		a->cond_since_ns = st->t_ns;
	}
	pol_arrivals_note(&a->arr, view);
}

/* ---- profiler feedback ---- */

static double correction(const struct ada *a, int v, int t, int64_t now)
{
	if (!a->feedback || a->ratio_all <= 0)
		return 1;
	size_t k = (size_t)v * (size_t)(a->max_t + 1) + (size_t)t;
	if (a->ratio[k] <= 0)
		return a->ratio_all;
	double w = exp(-(double)(now - a->ratio_ns[k]) / 1e6 / a->forget_ms);
	return w * a->ratio[k] + (1 - w) * a->ratio_all;
}

/* Warns once when a block of service times is off the predictions (ADA_OFF_FACTOR). */
static void check_profile(struct ada *a, double service_ms, double predicted_ms)
{
	if (a->warned_profile)
		return;
	a->block_obs_ms += service_ms;
	a->block_pred_ms += predicted_ms;
	if (++a->block_n < ADA_OFF_BLOCK)
		return;
	double r = a->block_obs_ms / a->block_pred_ms;
	a->block_n = 0;
	a->block_obs_ms = a->block_pred_ms = 0;
	if (r <= ADA_OFF_FACTOR && r >= 1 / ADA_OFF_FACTOR)
		return;
	a->warned_profile = 1;
	char msg[300];
	snprintf(msg, sizeof msg,
		 "service times were %.2fx the profile's predictions over %d inferences: the "
		 "timings do not match this device (%s)",
		 r, ADA_OFF_BLOCK,
		 a->feedback ? "feedback corrects for it" : "feedback=0: the policy trusts them");
	a->host->log(a->host->ctx, ADASCALE_LOG_WARN, msg);
}

static void ada_observe(void *state, const struct adascale_observation *obs)
{
	struct ada *a = state;
	pol_switch_observe(&a->sw, obs);
	if (!a->ready || obs->failed || !(obs->predicted_ms > 0) ||
	    !isfinite(obs->predicted_ms) || !(obs->service_ms > 0) || obs->variant < 0 ||
	    obs->variant >= a->n_var || obs->threads < 1 || obs->threads > a->max_t)
		return;
	check_profile(a, obs->service_ms, obs->predicted_ms);
	if (!a->feedback)
		return;
	double r = fmin(20, fmax(0.05, obs->service_ms / obs->predicted_ms));
	size_t k = (size_t)obs->variant * (size_t)(a->max_t + 1) + (size_t)obs->threads;
	a->ratio[k] = a->ratio[k] > 0 ? (1 - a->alpha) * a->ratio[k] + a->alpha * r : r;
	a->ratio_ns[k] = obs->t_end_ns;
	a->ratio_all = a->ratio_all > 0 ? (1 - a->alpha) * a->ratio_all + a->alpha * r : r;
}

/* ---- decision ---- */

struct ada_eval {
	int v, t, head_on, n;
	double value, score, total, ms, mj;
};

static double switch_time_ms(const struct ada *a, const struct adascale_view *view, int v)
{
	const struct adascale_host *h = a->host;
	if (v == view->current_variant)
		return 0;
	if (HOST_HAS(h, switch_ms))
		return h->switch_ms(h->ctx, v);
	return pol_switch_ms(&a->sw, view->variants[v].weight_bytes);
}

/* the best value; at equal value the plan whose head is on time, then the better score */
static int ada_better(const struct ada_eval *x, const struct ada_eval *b)
{
	if (b->v < 0 || x->value > b->value)
		return 1;
	if (x->value < b->value)
		return 0;
	if (x->head_on != b->head_on)
		return x->head_on;
	if (x->head_on && x->score != b->score)
		return x->score > b->score;
	return x->total < b->total;
}

/* Candidate i's plan from now into *e; 0 when it cannot run (memory, no prediction). */
static int ada_evaluate(const struct ada *a, const struct adascale_view *view,
			const struct pol_plan *plan, const struct adascale_state *plan_st,
			double mem_bytes, int i, struct ada_eval *e)
{
	const struct adascale_host *h = a->host;
	const struct adascale_variant *vt = view->variants;
	int v = a->cand[i].v, t = a->cand[i].t;
	if (vt[v].mem_bytes > mem_bytes)
		return 0;
	double corr = correction(a, v, t, view->state->t_ns);
	*e = (struct ada_eval){.v = v, .t = t};
	e->ms = h->predict_ms(h->ctx, v, t, plan_st) * corr;
	if (!isfinite(e->ms))
		return 0;
	e->mj = h->predict_mj(h->ctx, v, t, plan_st) * corr;
	double sw_ms = a->switchcost ? switch_time_ms(a, view, v) : 0;
	double on = pol_plan_run(plan, sw_ms, e->ms * a->margin, &e->head_on, &e->n);
	/* a switch keeps one core busy while it loads */
	double sw_mj = e->ms > 0 ? e->mj / e->ms / t * sw_ms : 0;
	double top1 = vt[v].has_top1 ? vt[v].top1 : 0;
	e->score = top1 - a->lambda * e->mj;
	e->value = top1 * on - a->lambda * (e->mj * e->n + sw_mj);
	e->total = sw_ms + e->ms;
	return 1;
}

static int ada_decide(void *state, const struct adascale_view *view,
		      struct adascale_decision *out)
{
	struct ada *a = state;
	const struct adascale_host *h = a->host;
	const struct adascale_variant *vt = view->variants;
	if (!a->ready && build_candidates(a, view) < 0)
		return -1;
	sense(a, view->state);
	track_conditions(a, view);
	struct adascale_state plan_st;
	plan_state(a, view->state, &plan_st);

	int64_t now = view->state->t_ns;
	/* the horizon: as long as conditions are expected to hold, at most hold_ms */
	double held = (double)(now - a->cond_since_ns) / 1e6;
	double expect = a->dwell_ms > 0 ? fmax(a->dwell_ms, held) : a->hold_ms;
	struct pol_plan plan = {
		.wait_ms = (double)(now - view->queue->oldest_arrival_ns) / 1e6,
		.queued = view->queue->length,
		.period_ms = pol_arrivals_period_ms(&a->arr, view),
		.arrival_cv2 = pol_arrivals_cv2(&a->arr),
		.deadline_ms = (double)view->queue->deadline_ns / 1e6,
		.horizon_ms = fmin(a->hold_ms, expect),
	};
	double mem_bytes = plan_st.mem_avail_mb * 1e6;
	/*
	 * The candidate chosen last is evaluated first: no plan earns more than top-1 x the
	 * requests it counts (energy only subtracts, and every plan counts the same requests),
	 * so a candidate whose top-1 cannot reach that value is not evaluated. The choice is the
	 * one evaluating every candidate in order would make.
	 */
	struct ada_eval best = {.v = -1}, seed = {.v = -1};
	int seeded = a->last_cand > 0 &&
		     ada_evaluate(a, view, &plan, &plan_st, mem_bytes, a->last_cand - 1, &seed);
	int chosen = -1;
	for (int i = 0; i < a->n_cand; i++) {
		struct ada_eval e;
		if (seeded && i == a->last_cand - 1) {
			e = seed;
		} else {
			const struct adascale_variant *var = &vt[a->cand[i].v];
			if (seeded && (var->has_top1 ? var->top1 : 0) * seed.n < seed.value)
				continue;
			if (!ada_evaluate(a, view, &plan, &plan_st, mem_bytes, i, &e))
				continue;
		}
		if (ada_better(&e, &best)) {
			best = e;
			chosen = i;
		}
	}
	a->last_cand = chosen + 1;
	if (best.v < 0) {
		/* nothing fits in memory: the smallest, and the host counts the failure */
		int v = 0;
		for (int i = 1; i < view->n_variants; i++)
			if (vt[i].mem_bytes < vt[v].mem_bytes)
				v = i;
		best.v = v;
		best.t = pol_pick_threads(h, view, v, a->threads, view->state, NULL);
		if (vt[v].mem_bytes > view->state->mem_avail_mb * 1e6 && !a->warned_memory) {
			a->warned_memory = 1;
			char msg[300];
			snprintf(msg, sizeof msg,
				 "nothing fits in the %.1f MB free at %.3f s (the smallest variant "
				 "needs %.1f MB): it runs and fails; warned once",
				 view->state->mem_avail_mb, (double)now / 1e9, vt[v].mem_bytes / 1e6);
			h->log(h->ctx, ADASCALE_LOG_WARN, msg);
		}
	}
	out->variant = best.v;
	out->threads = best.t;
	pol_switch_decided(&a->sw, view, best.v);
	return 0;
}

static void ada_destroy(void *state)
{
	struct ada *a = state;
	free(a->cand);
	free(a->ratio);
	free(a->ratio_ns);
	free(a);
}

const struct adascale_policy pol_adascale_policy = {
	.abi_version = ADASCALE_POLICY_ABI_VERSION,
	.size = sizeof(struct adascale_policy),
	.name = "adascale",
	.description = "forecast + profiler feedback + Pareto candidates + switching-cost awareness",
	.params = ada_params,
	.n_params = ADA_N_PARAMS,
	.create = ada_create,
	.decide = ada_decide,
	.observe = ada_observe,
	.destroy = ada_destroy,
};

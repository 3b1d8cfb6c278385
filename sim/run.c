/*
 * run.c: the run loop (see run.h). It wires the trace cursor, the workload, the variant
 * table, the policy and the device model into one event loop and accumulates metrics.
 * Everything random draws from named streams of the run's seed; nothing reads the wall
 * clock except the measurement of the policy's own CPU time, which is stored apart from
 * the deterministic metrics.
 */
#include "run.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adascale_policy.h"
#include "calib.h"
#include "csvin.h"
#include "device.h"
#include "devmodel.h"
#include "event.h"
#include "guard.h"
#include "hist.h"
#include "model.h"
#include "monitor.h"
#include "num.h"
#include "physics.h"
#include "registry.h"
#include "rng.h"
#include "sense.h"
#include "sha256.h"
#include "switchcost.h"
#include "ticks.h"
#include "timings.h"
#include "trace.h"
#include "vtable.h"
#include "workload.h"

enum { EV_TRACE, EV_ARRIVAL, EV_DONE, EV_SWITCH, EV_END, EV_THERMAL };
#define MAX_THREADS VTABLE_MAX_THREADS
/* decide timing (see decide()): every call of the first, then 1 in EVERY at random */
#define DECIDE_TIME_ALL 1024
#define DECIDE_TIME_EVERY 8

/* How an inference's work is set (the workload's service=) */
enum {
	SERVICE_DET = WORKLOAD_SERVICE_DET,
	SERVICE_EXP = WORKLOAD_SERVICE_EXP,
	SERVICE_MEAS = WORKLOAD_SERVICE_MEAS
};

struct sim {
	/* variant table (only variants with timings), with what predictions rest on; the first
	 * member: the host services find it at their ctx (vtable_host_services) */
	struct vtable vt;
	const struct run_config *cfg;
	struct errbuf *eb;
	struct device *dev;
	struct timings *tim;
	struct model *model;
	struct variant_set *vs;
	struct trace *trace;
	struct sha256 trace_hash; /* of the trace's bytes, as trace reads them */
	struct trace *lookahead;  /* a second cursor, for policies that see the future */
	struct trace_row *ahead;  /* future rows after now, in order */
	int n_ahead, cap_ahead, ahead_done;
	struct pol_choice pol;
	char pol_sha256[65];   /* the plugin file's SHA-256, "" for a built-in */
	void *pol_state;
	struct adascale_host host;
	/*
	 * What the policy is handed lives in guarded buffers (guard.h): each ends at a page
	 * followed by a PROT_NONE page; the variant table and the host table are read-only.
	 */
	struct monitor *mon;   /* cfg->monitor: NULL when nobody watches */
	struct guard_buf g_var, g_host, g_view, g_state, g_queue, g_dec, g_obs, g_err;
	struct rng rng_arrivals, rng_service, rng_policy;
	struct rng rng_contention; /* an inference's slowdown level (a calibrated device) */
	struct rng rng_cadence;    /* an inference's idle-gap slowdown level (a device's cadence) */
	struct sense sense;        /* what the policy senses, when sensing is on */
	int sensing;               /* the device has [sensing] and the policy sees no future */
	struct event_queue q;


	/* device state, and the device model that turns it into rates and power */
	struct adascale_state st;
	struct devmodel dm;
	/* an inference's rate and power at st, per thread count (cleared when st changes) */
	char st_valid[MAX_THREADS + 1];
	double st_rate[MAX_THREADS + 1], st_power_mw[MAX_THREADS + 1];
	struct trace_row pending; /* the next trace row, already read */
	/* the closed loop (physics.h): temperature and frequency caps from the power drawn */
	int closed;
	struct sim_physics ph;
	int trace_done;

	/* workload */
	int poisson;
	double rate_hz;        /* arrivals per second */
	struct workload_file *arrivals; /* file:PATH: arrival times (and deadlines), streamed */
	int64_t arr_next_deadline_ns; /* the deadline of the arrival scheduled next */
	int64_t n_arrivals;    /* periodic: frames scheduled so far */
	int64_t arr_next_ns;   /* periodic, poisson: the arrival scheduled next */
	/* future_arrival's place in the arrivals to come, so that asking in order is cheap */
	int64_t fa_seq, fa_k, fa_ns;
	struct rng fa_rng;
	int service;           /* SERVICE_*: how an inference's work is drawn */
	int64_t deadline_ns;

	/* queue of arrival times, sequence numbers and deadlines (ring) */
	int64_t *ring;
	int64_t *ring_seq;
	int64_t *ring_deadline;
	int64_t job_deadline;
	int64_t n_seq;         /* requests that have arrived */
	int64_t job_seq;
	int64_t cap_request_rows;
	int head, len;

	/* server */
	int busy, switching;
	int cur_var;            /* the thread count is vt.cur_threads */
	int built[64], n_built; /* the variants kept built, most recently run first */
	int64_t job_arrival, job_start, job_last;
	double job_remaining_us, job_rate, job_energy_mj, job_pred_ms;
	double job_power_mw; /* at the state and thread count job_rate was set for */
	double job_level;    /* the slowdown's quantile level, drawn at start (calibrated) */
	double job_pass_ms;  /* its variant's idle length at its threads (a calibration's pass) */
	struct event *job_done;
	int next_var, next_threads;
	/*
	 * The other clusters inference may run on: those the device gives [cluster.N] timings
	 * for, each with its model and a table aligned with vt (the same variants in the same
	 * order). The default cluster is dm.cluster, with vt.
	 */
	struct timings *cl_tim[ADASCALE_MAX_CLUSTERS];
	struct devmodel cl_dm[ADASCALE_MAX_CLUSTERS];
	struct vtable cl_vt[ADASCALE_MAX_CLUSTERS];
	int cl_on[ADASCALE_MAX_CLUSTERS];
	int n_cl_on;
	int job_cluster, next_cluster, cur_cluster; /* cur_cluster: -1 before the first */
	int64_t cl_served[ADASCALE_MAX_CLUSTERS];
	int64_t cl_last_end[ADASCALE_MAX_CLUSTERS]; /* when a pass last ended there; -1: never */
	int cl_aware; /* the policy's ABI knows clusters (version 2 on) */
	int cl_max_threads[ADASCALE_MAX_CLUSTERS]; /* the view's cluster_max_threads */

	/* accounting */
	int64_t end_ns, last_energy_ns;
	int end_known;         /* end_ns is final: the trace has ended or a duration was given */
	double energy_mj;
	struct hist lat;       /* served latencies, ns */
	struct hist decide_ticks; /* the policy's time per decision, in ticks (ticks.h) */
	int64_t n_decides;
	struct rng rng_timing;    /* which decisions after the first are timed */
	struct ticks_span span;   /* from the run's start: converts ticks to time */
	double top1_sum;
	int64_t top1_n;
	double ontime_top1_sum;  /* top-1 of the answers within their deadline */
	int64_t ontime_unknown;  /* answers within their deadline by a variant without top-1 */
	int64_t next_sample_ns;  /* the next timeline point of the state (trace rows) */
	int64_t next_latency_ns; /* and of a completed request's latency */
	struct run_output *out;
	int timeline_cap;
};

/* ---- small helpers ---- */

/* What the device model needs of a state on cluster c: its frequency, cores and load. */
static struct devmodel_state dm_state_on(const struct adascale_state *st, int c)
{
	return (struct devmodel_state){
		.freq_mhz = st->freq_mhz[c], .online = st->online[c], .util_other = vtable_util(st, c)};
}

/* The same on the default cluster. */
static struct devmodel_state dm_state(const struct sim *s, const struct adascale_state *st)
{
	return dm_state_on(st, s->dm.cluster);
}

/* The model and the variant table of cluster c (the default one's, or another's). */
static const struct devmodel *dm_on(const struct sim *s, int c)
{
	return c == s->dm.cluster ? &s->dm : &s->cl_dm[c];
}

static struct vtable *vt_on(struct sim *s, int c)
{
	return c == s->dm.cluster ? &s->vt : &s->cl_vt[c];
}

/* 1 when inference may run on cluster c: the default one, or another with timings. */
static int cluster_offered(const struct sim *s, int c)
{
	return c == s->dm.cluster || (c >= 0 && c < ADASCALE_MAX_CLUSTERS && s->cl_on[c]);
}

/* The rate of an inference pass_ms long idle (its variant's timings) at st. */
static double rate_at(const struct sim *s, const struct adascale_state *st, int threads,
		      double pass_ms)
{
	struct devmodel_state d = dm_state(s, st);
	d.pass_ms = pass_ms;
	return devmodel_rate(&s->dm, &d, threads);
}

/* ---- host services offered to the policy ---- */

static void __attribute__((format(printf, 2, 3))) add_note(struct sim *s, const char *fmt, ...);
static void __attribute__((format(printf, 2, 3))) add_note_more(struct sim *s, const char *fmt,
									  ...);

/* Warnings go to stderr; what a policy says of itself at info level, to the run's notes. */
static void svc_log(void *ctx, int level, const char *msg)
{
	struct sim *s = ctx;
	if (level >= ADASCALE_LOG_WARN)
		fprintf(stderr, "adascale: policy %s: %s\n", s->pol.name, msg);
	else if (level == ADASCALE_LOG_INFO)
		add_note(s, "policy %s: %s", s->pol.name, msg);
}

static double svc_uniform(void *ctx) { return rng_uniform(&((struct sim *)ctx)->rng_policy); }

static double svc_predict_on_ms(void *ctx, int v, int cluster, int threads,
				const struct adascale_state *st)
{
	struct sim *s = ctx;
	return cluster_offered(s, cluster) ? vtable_predict_ms(vt_on(s, cluster), v, threads, st)
					   : INFINITY;
}

static double svc_predict_on_mj(void *ctx, int v, int cluster, int threads,
				const struct adascale_state *st)
{
	struct sim *s = ctx;
	return cluster_offered(s, cluster) ? vtable_predict_mj(vt_on(s, cluster), v, threads, st)
					   : INFINITY;
}

/* ---- set-up ---- */

/*
 * Schedules the next arrival of a file workload, if any; 0, or a negative code. A row
 * without deadline_ms takes the run's deadline as resolved (auto:F included).
 */
static int next_file_arrival(struct sim *s, int64_t now)
{
	int64_t t_ns;
	int rc = workload_file_next(s->arrivals, now, s->out->deadline_ms, &t_ns,
				    &s->arr_next_deadline_ns, s->eb);
	if (rc <= 0)
		return rc;
	return event_push(&s->q, t_ns, EV_ARRIVAL, 0, s->eb) ? 0 : ERR_NOMEM;
}

int run_workload_check(const char *w, struct errbuf *eb)
{
	struct workload_spec p;
	return workload_parse(w, &p, eb);
}

int run_workload_parts(const char *w, struct run_workload_parts *p, struct errbuf *eb)
{
	static const char *const service_name[] = {
		[SERVICE_DET] = "det", [SERVICE_EXP] = "exp", [SERVICE_MEAS] = "meas"};
	struct workload_spec ws;
	int rc = workload_parse(w, &ws, eb);
	if (rc < 0)
		return rc;
	p->arrivals = ws.kind == WORKLOAD_FILE      ? "file"
		      : ws.kind == WORKLOAD_POISSON ? "poisson"
						    : "periodic";
	p->rate_hz = ws.rate_hz;
	p->service = service_name[ws.service];
	p->service_given = ws.service_given;
	return 0;
}

static int parse_workload(struct sim *s, struct errbuf *eb)
{
	struct workload_spec ws;
	int rc = workload_parse(s->cfg->workload, &ws, eb);
	if (rc < 0)
		return rc;
	s->poisson = ws.kind == WORKLOAD_POISSON;
	s->rate_hz = ws.rate_hz;
	s->service = ws.service;
	if (ws.kind == WORKLOAD_FILE && !(s->arrivals = workload_file_open(ws.path, eb)))
		return eb->code;
	return 0;
}

static int build_variant_table(struct sim *s, struct errbuf *eb)
{
	int rc = vtable_build(&s->vt, s->vs, s->tim, s->model, &s->dm, eb);
	if (rc < 0)
		return rc;
	if (s->vt.n_skipped)
		snprintf(s->out->notes, sizeof s->out->notes,
			 "%d of %d variants left out for lack of timings (e.g. %s)", s->vt.n_skipped,
			 s->vs->n, s->vt.first_missing);
	return 0;
}

/*
 * The clusters besides the default one that the device gives timings for: each offered when
 * its timings cover the same variants as the default cluster's (else a note says why not).
 */
static int other_clusters(struct sim *s, struct errbuf *eb)
{
	for (int c = 0; c < s->dev->n_clusters && c < ADASCALE_MAX_CLUSTERS; c++) {
		const char *path = s->dev->clusters[c].timings;
		if (c == s->dm.cluster || !path[0])
			continue;
		int rc = timings_load(path, &s->cl_tim[c], eb);
		if (rc < 0)
			return err_wrap(eb, "%s: [cluster.%d] timings", s->dev->path, c);
		devmodel_init_on(&s->cl_dm[c], s->dev, s->cl_tim[c], c);
		struct errbuf eb2 = {0};
		rc = vtable_build(&s->cl_vt[c], s->vs, s->cl_tim[c], s->model, &s->cl_dm[c], &eb2);
		int same = rc == 0 && s->cl_vt[c].n_var == s->vt.n_var;
		for (int i = 0; same && i < s->vt.n_var; i++)
			same = s->cl_vt[c].var_index[i] == s->vt.var_index[i];
		if (!same) {
			add_note(s, "cluster %d not offered: its timings (%s) lack %s", c, path,
				 rc < 0 ? "every variant" : s->cl_vt[c].first_missing[0]
								? s->cl_vt[c].first_missing
								: "variants the default cluster has");
			continue;
		}
		s->cl_on[c] = 1;
		s->n_cl_on++;
	}
	for (int c = 0; c < ADASCALE_MAX_CLUSTERS; c++)
		s->cl_max_threads[c] = cluster_offered(s, c) ? vt_on(s, c)->max_threads : 0;
	return 0;
}

/*
 * Moves the variant table and its keys into one read-only guarded buffer (keys first, the
 * table at the end, touching the guard page), so that a policy that writes into it or past
 * it faults at once instead of changing what the host simulates.
 */
static int guard_variant_table(struct sim *s, struct errbuf *eb)
{
	size_t keys = 0, table = (size_t)s->vt.n_var * sizeof *s->vt.av;
	for (int i = 0; i < s->vt.n_var; i++)
		keys += strlen(s->vt.av[i].key) + 1;
	keys = (keys + 15) / 16 * 16;
	int rc = guard_alloc(&s->g_var, keys + table, eb);
	if (rc < 0)
		return rc;
	char *k = s->g_var.p;
	struct adascale_variant *av = (void *)((char *)s->g_var.p + keys);
	for (int i = 0; i < s->vt.n_var; i++) {
		size_t n = strlen(s->vt.av[i].key) + 1;
		memcpy(k, s->vt.av[i].key, n);
		av[i] = s->vt.av[i];
		av[i].key = k;
		k += n;
	}
	free(s->vt.av);
	s->vt.av = av;
	s->vt.av_borrowed = 1; /* the table lives in g_var */
	monitor_register(s->mon, MONITOR_BUF_VARIANTS, &s->g_var, 1);
	return guard_readonly(&s->g_var, eb);
}

/* The buffers decide and observe are handed, each before its own guard page. */
static int guard_call_buffers(struct sim *s, struct errbuf *eb)
{
	int rc;
	if ((rc = guard_alloc(&s->g_view, sizeof(struct adascale_view), eb)) < 0 ||
	    (rc = guard_alloc(&s->g_state, sizeof(struct adascale_state), eb)) < 0 ||
	    (rc = guard_alloc(&s->g_queue, sizeof(struct adascale_queue), eb)) < 0 ||
	    (rc = guard_alloc(&s->g_dec, sizeof(struct adascale_decision), eb)) < 0 ||
	    (rc = guard_alloc(&s->g_obs, sizeof(struct adascale_observation), eb)) < 0 ||
	    (rc = guard_alloc(&s->g_err, 512, eb)) < 0)
		return rc;
	monitor_register(s->mon, MONITOR_BUF_VIEW, &s->g_view, 0);
	monitor_register(s->mon, MONITOR_BUF_STATE, &s->g_state, 0);
	monitor_register(s->mon, MONITOR_BUF_QUEUE, &s->g_queue, 0);
	monitor_register(s->mon, MONITOR_BUF_DECISION, &s->g_dec, 0);
	monitor_register(s->mon, MONITOR_BUF_OBSERVATION, &s->g_obs, 0);
	monitor_register(s->mon, MONITOR_BUF_CREATE_ERR, &s->g_err, 0);
	return 0;
}

/* Applies a trace row to a state, as the device model replays it (frequencies on its OPPs). */
static void apply_row_to(const struct sim *s, struct adascale_state *st, const struct trace_row *r)
{
	for (int c = 0; c < s->dev->n_clusters && c < TRACE_MAX_CLUSTERS; c++) {
		if ((r->set & (TRACE_FREQ0 << c)) && !s->closed)
			st->freq_mhz[c] = devmodel_replay_mhz(&s->dm, c, r->freq_mhz[c],
							      trace_max_freq_mhz(s->trace, c));
		if (r->set & (TRACE_ONLINE0 << c))
			st->online[c] = devmodel_replay_online(&s->dm, c, r->online[c]);
	}
	if (r->set & TRACE_UTIL)
		st->util_other = r->util_other;
	for (int c = 0; c < s->dev->n_clusters && c < TRACE_MAX_CLUSTERS; c++)
		if (r->set & (TRACE_UTIL0 << c))
			st->util_cluster[c] = r->util_cluster[c];
	if (r->set & TRACE_MEM)
		st->mem_avail_mb = r->mem_avail_mb;
	if ((r->set & TRACE_BATTERY) && !(s->closed && s->ph.battery))
		st->battery_pct = r->battery_pct;
	if ((r->set & TRACE_TEMP) && !s->closed)
		st->temp_c = r->temp_c;
	if (r->set & TRACE_CHARGING)
		st->charging = r->charging;
}

static void apply_row(struct sim *s, const struct trace_row *r)
{
	apply_row_to(s, &s->st, r);
	if (s->closed && (r->set & TRACE_AMBIENT))
		s->ph.ambient_c = r->ambient_c;
	if (s->closed)
		s->st.online[s->dm.cluster] =
			sim_physics_online(&s->ph, s->dm.cluster, s->st.online[s->dm.cluster]);
	memset(s->st_valid, 0, sizeof s->st_valid);
}

/* ---- look-ahead, for policies that are allowed to see the future (oracle) ---- */

/*
 * Makes the look-ahead buffer hold every future row up to time until (and one beyond, so
 * the state is known to hold until then). Rows before now are dropped.
 */
static int ahead_fill(struct sim *s, int64_t now, int64_t until)
{
	int k = 0;
	while (k < s->n_ahead && s->ahead[k].t_ns < now)
		k++;
	if (k) {
		memmove(s->ahead, s->ahead + k, (size_t)(s->n_ahead - k) * sizeof *s->ahead);
		s->n_ahead -= k;
	}
	while (!s->ahead_done && (s->n_ahead == 0 || s->ahead[s->n_ahead - 1].t_ns <= until)) {
		if (s->n_ahead == s->cap_ahead) {
			int cap = s->cap_ahead ? 2 * s->cap_ahead : 64;
			struct trace_row *a = realloc(s->ahead, (size_t)cap * sizeof *a);
			if (!a)
				return ERR_NOMEM;
			s->ahead = a;
			s->cap_ahead = cap;
		}
		struct trace_row *r = &s->ahead[s->n_ahead];
		int rc = trace_next(s->lookahead, r, NULL);
		if (rc < 0)
			return rc; /* the main cursor reports the same error when it gets there */
		if (rc == 0) {
			s->ahead_done = 1;
			break;
		}
		if (r->t_ns >= now)
			s->n_ahead++;
	}
	return 0;
}

/*
 * The exact service time (ms) of a variant started now, knowing the future trace: work
 * progresses at the rate of each coming state until it is done. Used only by policies that
 * declare ADASCALE_POLICY_SEES_FUTURE.
 */
static double svc_exact_ms(void *ctx, int v, int threads)
{
	struct sim *s = ctx;
	if (!vtable_has_threads(&s->vt, v, threads) || !s->lookahead)
		return INFINITY;
	int64_t now = s->st.t_ns, t = now;
	if (ahead_fill(s, now, now) < 0)
		return INFINITY;
	double work_us = s->vt.vr[v].ref_us[threads], pass_ms = work_us / 1000.0;
	struct adascale_state st = s->st;
	int64_t horizon = llround(work_us * 1000.0 / rate_at(s, &st, threads, pass_ms)) + 1;
	for (int i = 0;; i++) {
		if (i >= s->n_ahead) {
			if (ahead_fill(s, now, t + 4 * horizon) < 0)
				return INFINITY;
			if (i >= s->n_ahead)
				break; /* no more rows: the state holds */
		}
		const struct trace_row *r = &s->ahead[i];
		double rate = rate_at(s, &st, threads, pass_ms);
		double need_ns = work_us * 1000.0 / rate;
		if ((double)t + need_ns <= (double)r->t_ns)
			return ((double)(t - now) + need_ns) / 1e6;
		work_us -= (double)(r->t_ns - t) / 1000.0 * rate;
		t = r->t_ns;
		apply_row_to(s, &st, r);
	}
	return ((double)(t - now) + work_us * 1000.0 / rate_at(s, &st, threads, pass_ms)) / 1e6;
}

/*
 * The device state delay_ms from now, from the future of the trace, and how long it holds.
 * Used only by policies that declare ADASCALE_POLICY_SEES_FUTURE.
 */
static int svc_future_state(void *ctx, double delay_ms, struct adascale_state *out,
			    double *holds_ms)
{
	struct sim *s = ctx;
	if (!s->lookahead || !(delay_ms >= 0) || delay_ms > 1e12)
		return -1;
	int64_t now = s->st.t_ns, at = now + llround(delay_ms * 1e6);
	if (ahead_fill(s, now, at) < 0)
		return -1;
	struct adascale_state st = s->st;
	int i = 0;
	for (; i < s->n_ahead && s->ahead[i].t_ns <= at; i++)
		apply_row_to(s, &st, &s->ahead[i]);
	st.t_ns = at;
	*out = st;
	*holds_ms = i < s->n_ahead ? (double)(s->ahead[i].t_ns - at) / 1e6 : INFINITY;
	return 0;
}

/*
 * 1 when time t (ns) is before the run's end, 0 when not, -1 when the look-ahead fails. A run
 * without a duration ends at the trace's last row, so the look-ahead is read only until a row
 * after t shows that t comes first.
 */
static int before_end(struct sim *s, int64_t t)
{
	if (s->end_known)
		return t < s->end_ns;
	if (ahead_fill(s, s->st.t_ns, t) < 0)
		return -1;
	int64_t last = s->n_ahead ? s->ahead[s->n_ahead - 1].t_ns : s->st.t_ns;
	return t < last;
}

/*
 * The time until the run ends, in ms from now: its duration, or the trace's last row (read
 * ahead to it). INFINITY when the look-ahead fails. Used only by policies that declare
 * ADASCALE_POLICY_SEES_FUTURE.
 */
static double svc_end_ms(void *ctx)
{
	struct sim *s = ctx;
	int64_t now = s->st.t_ns;
	if (s->end_known)
		return (double)(s->end_ns - now) / 1e6;
	if (!s->lookahead || ahead_fill(s, now, INT64_MAX) < 0)
		return INFINITY;
	int64_t last = s->n_ahead ? s->ahead[s->n_ahead - 1].t_ns : now;
	return (double)(last - now) / 1e6;
}

/*
 * The mean over median of the two-piece lognormal an inference's work is drawn from
 * (timings_work_us): median * (exp(a^2/2) Phi(-a) + exp(b^2/2) Phi(b)), with a and b its
 * sigmas below and above the median; 1 without a spread.
 */
static double work_mean_over_median(double p10_us, double median_us, double p90_us)
{
	const double z90 = 1.2815515655446004;
	if (!(median_us > 0))
		return 1;
	double a = p10_us > 0 && p10_us < median_us ? log(median_us / p10_us) / z90 : 0;
	double b = p90_us > median_us ? log(p90_us / median_us) / z90 : 0;
	/* Phi(x) = erfc(-x / sqrt 2) / 2 */
	return exp(a * a / 2) * erfc(a / 1.4142135623730951) / 2 +
	       exp(b * b / 2) * erfc(-b / 1.4142135623730951) / 2;
}

/*
 * The closed loop rolled forward on a copy of the run's physics, as if every request from now
 * on ran variant v at threads (adascale_policy.h, closed_caps). Used only by policies that
 * declare ADASCALE_POLICY_SEES_FUTURE, in a closed run.
 */
static int svc_closed_caps(void *ctx, int v, int threads, double rate_hz, double *caps_mhz,
			   double *service_ms, int n_steps, double *step_ms)
{
	struct sim *s = ctx;
	if (!s->closed || !vtable_has_threads(&s->vt, v, threads) || n_steps < 1 ||
	    !(rate_hz >= 0) || !isfinite(rate_hz) || !caps_mhz || !step_ms)
		return -1;
	struct sim_physics p = s->ph; /* a copy: the run's own state is not touched */
	int big = s->dm.cluster;
	double base_mw = devmodel_base_power_mw(&s->dm);
	struct adascale_state st = s->st;
	int64_t prev = s->st.t_ns, next = p.last_ns + p.period_ns;
	double energy_mj = s->energy_mj;
	/* drawn work (service=meas) heats and loads the device by its mean, not its median */
	double mean = 1;
	if (s->service == SERVICE_MEAS && s->dev->cad) {
		mean = cadence_spread_mean(s->dev->cad, threads,
					   s->vt.vr[v].ref_us[threads] / 1000.0);
	} else if (s->service == SERVICE_MEAS) {
		const struct vtable_spread *sp = &s->vt.vsp[v];
		mean = work_mean_over_median(sp->p10_us[threads], s->vt.vr[v].ref_us[threads],
					     sp->p90_us[threads]);
	}
	for (int k = 0; k < n_steps; k++) {
		for (int c = 0; c < s->dev->n_clusters; c++)
			st.freq_mhz[c] = p.cap_mhz[c];
		if (p.battery)
			st.online[big] = sim_physics_online(&p, big, s->st.online[big]);
		double ms = mean * vtable_predict_ms(&s->vt, v, threads, &st);
		double mj = mean * vtable_predict_mj(&s->vt, v, threads, &st);
		caps_mhz[k] = p.cap_mhz[big];
		if (service_ms)
			service_ms[k] = ms;
		double busy = isfinite(ms) ? fmin(1.0, rate_hz * ms / 1000.0) : 1.0;
		double inf_mw = ms > 0 && isfinite(ms) ? busy * mj / ms * 1000.0 : 0;
		if (next < prev)
			next = prev;
		energy_mj += (base_mw + inf_mw) * (double)(next - prev) / 1e9;
		sim_physics_poll(&p, next, energy_mj, s->st.charging);
		prev = next;
		next += p.period_ns;
	}
	*step_ms = (double)p.period_ns / 1e6;
	return n_steps;
}

/*
 * The arrival (ms from now) of the k-th request after the newest so far, where arrivals and
 * service times are both determined (periodic or Poisson arrivals, service=det): the
 * Poisson gaps are drawn ahead from a copy of the arrivals stream. 1 past the run's end.
 * Used only by policies that declare ADASCALE_POLICY_SEES_FUTURE.
 */
static int svc_future_arrival(void *ctx, int64_t k, double *at_ms)
{
	struct sim *s = ctx;
	if (s->arrivals || s->service != SERVICE_DET || s->dev->calib || !s->lookahead || k < 1 ||
	    k > 100000000)
		return -1;
	int64_t now = s->st.t_ns, t;
	if (!s->poisson) {
		/* as on_arrival schedules them: frame n at round(n / fps), one after another */
		t = s->arr_next_ns;
		if (k > 1) {
			t = llround((double)(s->n_arrivals + k - 1) * 1e9 / s->rate_hz);
			if (t <= s->arr_next_ns)
				t = s->arr_next_ns + (k - 1);
		}
	} else {
		if (s->fa_seq != s->n_seq || k < s->fa_k) { /* start again from the next arrival */
			s->fa_seq = s->n_seq;
			s->fa_k = 1;
			s->fa_ns = s->arr_next_ns;
			s->fa_rng = s->rng_arrivals;
		}
		while (s->fa_k < k) {
			s->fa_ns = workload_poisson_next_ns(&s->fa_rng, s->rate_hz, s->fa_ns);
			s->fa_k++;
		}
		t = s->fa_ns;
	}
	int rc = before_end(s, t);
	if (rc <= 0)
		return rc < 0 ? -1 : 1;
	*at_ms = (double)(t - now) / 1e6;
	return 0;
}

static int read_next_row(struct sim *s)
{
	int rc = trace_next(s->trace, &s->pending, s->eb);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		s->trace_done = 1;
		return 0;
	}
	if (!event_push(&s->q, s->pending.t_ns, EV_TRACE, 0, s->eb))
		return ERR_NOMEM;
	return 0;
}

/* ---- the server ---- */

/* Energy: base power up to now (called before every state change and at the end). */
static void account_base(struct sim *s, int64_t now)
{
	s->energy_mj += devmodel_base_power_mw(&s->dm) * (double)(now - s->last_energy_ns) / 1e9;
	s->last_energy_ns = now;
}

/* Brings the running inference's progress and energy up to now. */
static void progress(struct sim *s, int64_t now)
{
	if (!s->busy)
		return;
	double dt_us = (double)(now - s->job_last) / 1000.0;
	s->job_remaining_us -= dt_us * s->job_rate;
	if (s->job_remaining_us < 0)
		s->job_remaining_us = 0;
	double mj = s->job_power_mw * dt_us / 1e6;
	s->job_energy_mj += mj;
	s->energy_mj += mj;
	s->job_last = now;
}

/*
 * Asks the device model for an inference's rate and power at the current state with t
 * threads, into the per-state cache. Out of line: the calls would otherwise make every
 * schedule_done, mostly a cache hit, set up a stack frame for them.
 */
static __attribute__((noinline)) void state_costs(struct sim *s, int t)
{
	struct devmodel_state d = dm_state(s, &s->st);
	s->st_rate[t] = devmodel_rate(&s->dm, &d, t);
	s->st_power_mw[t] = devmodel_power_mw(&s->dm, &d, t);
	s->st_valid[t] = 1;
}

/*
 * An inference's rate and power on a cluster other than the default one: its own model at
 * its own state, no calibration there. Out of line: most runs never come here.
 */
static __attribute__((noinline)) void other_cluster_costs(struct sim *s, int t)
{
	const struct devmodel *m = dm_on(s, s->job_cluster);
	struct devmodel_state d = dm_state_on(&s->st, s->job_cluster);
	s->job_rate = devmodel_rate(m, &d, t);
	s->job_power_mw = devmodel_power_mw(m, &d, t);
}

static int schedule_done(struct sim *s, int64_t now)
{
	if (s->job_done)
		event_cancel(s->job_done);
	int t = s->vt.cur_threads;
	if (__builtin_expect(s->job_cluster != s->dm.cluster, 0)) {
		other_cluster_costs(s, t);
	} else if (s->dm.calib) {
		/* the level drawn at the start holds: only the load and cores change */
		struct devmodel_state d = dm_state(s, &s->st);
		d.pass_ms = s->job_pass_ms;
		devmodel_costs_at(&s->dm, &d, t, s->job_level, &s->job_rate, &s->job_power_mw);
	} else {
		if (!s->st_valid[t])
			state_costs(s, t);
		s->job_rate = s->st_rate[t];
		s->job_power_mw = s->st_power_mw[t];
	}
	double ns = ceil(s->job_remaining_us * 1000.0 / s->job_rate);
	if (ns > 9e18 - (double)now)
		ns = 9e18 - (double)now;
	s->job_done = event_push(&s->q, now + (int64_t)ns, EV_DONE, 0, s->eb);
	return s->job_done ? 0 : ERR_NOMEM;
}

static int record_timeline(struct sim *s, int64_t now, double latency_ms)
{
	/* one point a second at most of each kind, the device state (trace rows) and a completed
	   request's latency, so that dense trace rows do not crowd out the latencies */
	int64_t *next = isnan(latency_ms) ? &s->next_sample_ns : &s->next_latency_ns;
	if (!s->cfg->timeline || now < *next)
		return 0;
	*next = now + 1000000000;
	struct run_output *o = s->out;
	if (o->n_timeline == s->timeline_cap) {
		int cap = s->timeline_cap ? s->timeline_cap * 2 : 1024;
		struct timeline_point *p = realloc(o->timeline, (size_t)cap * sizeof *p);
		if (!p)
			return err_set(s->eb, ERR_NOMEM, "out of memory");
		o->timeline = p;
		s->timeline_cap = cap;
	}
	struct timeline_point *pt = &o->timeline[o->n_timeline++];
	memset(pt, 0, sizeof *pt); /* the padding too: points cross a pipe whole (contain.c) */
	pt->t_s = (double)now / 1e9;
	pt->freq_mhz = s->st.freq_mhz[s->dm.cluster];
	pt->util_other = s->st.util_other;
	pt->mem_avail_mb = s->st.mem_avail_mb;
	pt->latency_ms = latency_ms;
	pt->variant = s->cur_var;
	return 0;
}

static int decide(struct sim *s, int64_t now, int *var, int *threads, int *cluster)
{
	s->st.t_ns = now;
	/* copies in the guarded buffers: the policy cannot change the host's own */
	struct adascale_state *st = s->g_state.p;
	struct adascale_queue *qv = s->g_queue.p;
	struct adascale_view *view = s->g_view.p;
	struct adascale_decision *d = s->g_dec.p;
	*st = s->st;
	if (s->sensing)
		sense_view(&s->sense, now, st);
	*qv = (struct adascale_queue){
		.size = sizeof *qv,
		.length = s->len,
		.capacity = s->cfg->queue_cap,
		.oldest_arrival_ns = s->ring[s->head],
		.deadline_ns = s->ring_deadline[s->head],
	};
	*view = (struct adascale_view){
		.size = sizeof *view,
		.state = st,
		.queue = qv,
		.variants = s->vt.av,
		.n_variants = s->vt.n_var,
		.current_variant = s->cur_var,
		.current_threads = s->vt.cur_threads,
		.max_threads = s->vt.max_threads,
		.default_cluster = s->dm.cluster,
		.current_cluster = s->cur_cluster,
	};
	memcpy(view->cluster_max_threads, s->cl_max_threads, sizeof s->cl_max_threads);
	*d = (struct adascale_decision){s->cur_var, s->vt.cur_threads, -1};
	int64_t req = s->ring_seq[s->head];
	/*
	 * The policy's own time: elapsed time of the call on the tick counter (ticks.h, a few
	 * ns to read). decide does no I/O and runs on this thread, so this is its CPU time
	 * unless the OS preempts the thread mid-call; the thread CPU clock would be exact but is
	 * a system call per read. Even two counter reads and a histogram entry cost a cheap
	 * decide's own time again, so the first DECIDE_TIME_ALL decisions are timed and after
	 * them a random 1 in DECIDE_TIME_EVERY, each standing for that many (the sum and the
	 * histogram stay unbiased). The choice comes from a stream of its own
	 * (rng.h): it shifts no other.
	 */
	monitor_enter(s->mon, MONITOR_DECIDE, now, req);
	int rc;
	uint64_t weight = 1;
	if (s->n_decides >= DECIDE_TIME_ALL) {
		weight = rng_u64(&s->rng_timing) % DECIDE_TIME_EVERY == 0 ? DECIDE_TIME_EVERY : 0;
	}
	s->n_decides++;
	if (weight) {
		uint64_t t0 = ticks_now();
		rc = s->pol.desc->decide(s->pol_state, view, d);
		uint64_t t1 = ticks_now();
		hist_add_n(&s->decide_ticks, (double)(t1 - t0), weight);
	} else {
		rc = s->pol.desc->decide(s->pol_state, view, d);
	}
	monitor_leave(s->mon);
	if ((rc = vtable_check_decision(&s->vt, s->pol.name, rc, d->variant, d->threads, now, req,
					s->eb)) < 0)
		return rc;
	/* a version-1 policy knows no clusters: its decisions run on the default one */
	int c = s->cl_aware && d->cluster != -1 ? d->cluster : s->dm.cluster;
	if (!cluster_offered(s, c))
		return err_set(s->eb, ERR_POLICY,
			       "policy %s: decided cluster %d, which has no timings (the default "
			       "cluster is %d; at %.3f s, request %lld)",
			       s->pol.name, d->cluster, s->dm.cluster, (double)now / 1e9,
			       (long long)req);
	if (c != s->dm.cluster && !vtable_has_threads(&s->cl_vt[c], d->variant, d->threads))
		return err_set(s->eb, ERR_POLICY,
			       "policy %s: decided %d threads for %s on cluster %d, which has no "
			       "timings there at that count (at %.3f s, request %lld)",
			       s->pol.name, d->threads, s->vt.av[d->variant].key, c,
			       (double)now / 1e9, (long long)req);
	*var = d->variant;
	*threads = d->threads;
	*cluster = c;
	return 0;
}

/* The slot after i in a ring of cap slots (no division: this is on every request's path). */
static int ring_next(int i, int cap) { return i + 1 < cap ? i + 1 : 0; }

static int finish_job(struct sim *s, int64_t now, int failed);

/*
 * The slowdown of a pass started now after the idle gap since the last one on the cluster
 * ended (the whole run before the first: the largest gap measured), under the competing
 * load on the cluster now: the device's cadence at level p (drawn work's own level, else
 * one from the cadence stream), against back to back at the same level and load (so that
 * gap 0 leaves the drawn work as it is). The cadence was measured where the timings were:
 * the default cluster only.
 */
static double cadence_slowdown(struct sim *s, int64_t now, int threads, int cluster, double p)
{
	const struct cadence *cad = s->dev->cad;
	double gap_ms = s->cl_last_end[cluster] < 0 ? cadence_gap_max_ms(cad)
						    : (double)(now - s->cl_last_end[cluster]) / 1e6;
	/* a calibration at a server's cadence has the load's part of the gap in it already:
	   the cadence then adds the gap's idle cost alone */
	double u = s->dev->calib && s->dev->calib->gap_ms > 0 ? 0 : vtable_util(&s->st, cluster);
	return cadence_factor(cad, threads, s->job_pass_ms, gap_ms, u, p);
}

/*
 * Starts the head request on variant var at threads: a memory failure ends it at once,
 * otherwise its completion is scheduled.
 */
static int begin(struct sim *s, int64_t now, int var, int threads, int cluster)
{
	s->vt.cur_threads = threads;
	s->job_cluster = s->cur_cluster = cluster;
	struct vtable *vt = vt_on(s, cluster);
	s->job_arrival = s->ring[s->head];
	s->job_seq = s->ring_seq[s->head];
	s->job_deadline = s->ring_deadline[s->head];
	s->head = ring_next(s->head, s->cfg->queue_cap);
	s->len--;
	s->job_start = s->job_last = now;
	s->job_energy_mj = 0;
	s->job_pred_ms = vtable_predict_ms(vt, var, threads, &s->st);
	if (s->vt.av[var].mem_bytes > s->st.mem_avail_mb * 1e6)
		return finish_job(s, now, 1);
	s->busy = 1;
	s->job_remaining_us = vt->vr[var].ref_us[threads];
	s->job_pass_ms = s->job_remaining_us / 1000.0;
	/* the cadence's level: the work's own on a device with a cadence and service=meas */
	int cad = s->dev->cad && cluster == s->dm.cluster;
	double p_cad = -1;
	if (s->service == SERVICE_MEAS && cad) {
		/* the pass's spread over the cadence's rounds, and after its gap at the same level */
		p_cad = rng_uniform(&s->rng_service);
		s->job_remaining_us *= cadence_spread(s->dev->cad, threads, s->job_pass_ms, p_cad);
	} else if (s->service == SERVICE_MEAS) {
		/* a standard normal deviate by Box and Muller (1958), from two uniforms */
		double u1 = 1 - rng_uniform(&s->rng_service), u2 = rng_uniform(&s->rng_service);
		double z = sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2);
		const struct vtable_spread *sp = &vt->vsp[var];
		s->job_remaining_us = timings_work_us(sp->p10_us[threads], s->job_remaining_us,
						      sp->p90_us[threads], z);
	} else if (s->service == SERVICE_EXP) {
		s->job_remaining_us *= rng_exp(&s->rng_service, 1.0);
	}
	if (dm_on(s, cluster)->calib)
		s->job_level = rng_uniform(&s->rng_contention);
	if (cad) {
		if (p_cad < 0)
			p_cad = rng_uniform(&s->rng_cadence);
		s->job_remaining_us *= cadence_slowdown(s, now, threads, cluster, p_cad);
	}
	return schedule_done(s, now);
}

/*
 * Whether var is among the variants the runtime keeps built (the device's keep_built, 1 when
 * not given: only the one running), and makes it the most recently used. A switch to a
 * built variant costs nothing, as adascale-agent serve's does (runtime/serve.c keeps its
 * passes); the policies' switch_ms does not know which are built, as serve's does not.
 */
static int keep_built(struct sim *s, int var)
{
	int cap = s->dev->keep_built > 1 ? s->dev->keep_built : 1, at = -1;
	for (int i = 0; i < s->n_built; i++)
		if (s->built[i] == var)
			at = i;
	int last = at >= 0 ? at : s->n_built < cap ? s->n_built++ : cap - 1;
	memmove(s->built + 1, s->built, (size_t)last * sizeof s->built[0]);
	s->built[0] = var;
	return at >= 0;
}

/*
 * Serves the head of the queue while the server is free: the policy decides, and either the
 * inference starts or the variant switch it needs does (the request then starts when the
 * switch is done, on the variant decided for it).
 */
static int start_next(struct sim *s, int64_t now)
{
	while (!s->busy && !s->switching && s->len > 0) {
		int var = 0, threads = 1, cluster = s->dm.cluster, rc;
		if ((rc = decide(s, now, &var, &threads, &cluster)) < 0)
			return rc;
		if (var == s->cur_var) {
			if ((rc = begin(s, now, var, threads, cluster)) < 0)
				return rc;
			continue;
		}
		double load_s = keep_built(s, var)
				    ? 0
				    : devmodel_switch_s(&s->dm,
							s->cur_var >= 0 ? &s->vt.sw[s->cur_var] : NULL,
							&s->vt.sw[var], threads, NULL);
		struct devmodel_state d = dm_state(s, &s->st);
		s->energy_mj += devmodel_switch_mj(&s->dm, &d, load_s);
		s->out->m.switches++;
		s->switching = 1;
		s->next_var = var;
		s->next_threads = threads;
		s->next_cluster = cluster;
		if (!event_push(&s->q, now + llround(load_s * 1e9), EV_SWITCH, 0, s->eb))
			return ERR_NOMEM;
		return 0;
	}
	return 0;
}

const char *run_outcome_name(int outcome)
{
	static const char *const names[] = {"ok", "late", "failed", "dropped", "unfinished"};
	return outcome >= 0 && outcome <= REQ_UNFINISHED ? names[outcome] : "?";
}

/* Appends a request row when --detail requests asked for them. */
static int request_row(struct sim *s, int64_t seq, int64_t arrival, int64_t start, int64_t end,
		       int var, int outcome, double energy_mj)
{
	if (!s->cfg->requests)
		return 0;
	struct run_output *o = s->out;
	if (o->n_request_rows == s->cap_request_rows) {
		int64_t cap = s->cap_request_rows ? 2 * s->cap_request_rows : 4096;
		struct request_row *r = realloc(o->request_rows, (size_t)cap * sizeof *r);
		if (!r)
			return err_set(s->eb, ERR_NOMEM, "out of memory (--detail requests keeps %lld rows)",
				       (long long)o->n_request_rows);
		o->request_rows = r;
		s->cap_request_rows = cap;
	}
	o->request_rows[o->n_request_rows++] = (struct request_row){
		.seq = seq,
		.t_arrival_ns = arrival,
		.t_start_ns = start,
		.t_end_ns = end,
		.variant = var >= 0 ? s->vt.var_index[var] : -1,
		.outcome = outcome,
		.energy_uj = energy_mj * 1000,
	};
	return 0;
}

static int finish_job(struct sim *s, int64_t now, int failed)
{
	struct metrics *m = &s->out->m;
	double latency_ms = (double)(now - s->job_arrival) / 1e6;
	int missed = !failed && now - s->job_arrival > s->job_deadline;
	if (failed) {
		m->failures++;
	} else {
		m->served++;
		m->deadline_misses += missed;
		hist_add(&s->lat, (double)(now - s->job_arrival));
		s->out->variant_served[s->vt.var_index[s->cur_var]]++;
		s->cl_served[s->job_cluster]++;
		s->cl_last_end[s->job_cluster] = now;
		if (s->vt.av[s->cur_var].has_top1) {
			s->top1_sum += s->vt.av[s->cur_var].top1;
			s->top1_n++;
			if (!missed)
				s->ontime_top1_sum += s->vt.av[s->cur_var].top1;
		} else if (!missed) {
			s->ontime_unknown++;
		}
	}
	if (s->pol.desc->observe) {
		struct adascale_observation *obs = s->g_obs.p;
		*obs = (struct adascale_observation){
			.size = sizeof *obs,
			.variant = s->cur_var,
			.threads = s->vt.cur_threads,
			.failed = failed,
			.t_start_ns = s->job_start,
			.t_end_ns = now,
			.latency_ms = latency_ms,
			.service_ms = (double)(now - s->job_start) / 1e6,
			.predicted_ms = s->job_pred_ms,
			.energy_mj = s->job_energy_mj,
			.deadline_missed = missed,
			.cluster = s->job_cluster,
		};
		monitor_enter(s->mon, MONITOR_OBSERVE, now, s->job_seq);
		s->pol.desc->observe(s->pol_state, obs);
		monitor_leave(s->mon);
	}
	s->busy = 0;
	s->job_done = NULL;
	int rc = request_row(s, s->job_seq, s->job_arrival, s->job_start, now, s->cur_var,
			     failed ? REQ_FAILED : missed ? REQ_LATE : REQ_OK, s->job_energy_mj);
	return rc < 0 ? rc : record_timeline(s, now, failed ? NAN : latency_ms);
}

static int on_arrival(struct sim *s, int64_t now)
{
	s->out->m.requests++;
	int cap = s->cfg->queue_cap;
	int64_t seq = s->n_seq++;
	int rc;
	if (s->len == cap) {
		s->out->m.dropped++;
		if (!s->cfg->drop_oldest) {
			if ((rc = request_row(s, seq, now, -1, now, -1, REQ_DROPPED, 0)) < 0)
				return rc;
			goto next;
		}
		if ((rc = request_row(s, s->ring_seq[s->head], s->ring[s->head], -1, now, -1,
				      REQ_DROPPED, 0)) < 0)
			return rc;
		s->head = ring_next(s->head, cap);
		s->len--;
	}
	int tail = s->head + s->len < cap ? s->head + s->len : s->head + s->len - cap;
	s->ring[tail] = now;
	s->ring_seq[tail] = seq;
	s->ring_deadline[tail] = s->arrivals ? s->arr_next_deadline_ns : s->deadline_ns;
	s->len++;
next:;
	if (s->arrivals)
		return (rc = next_file_arrival(s, now)) < 0 ? rc : start_next(s, now);
	int64_t next = s->poisson ? workload_poisson_next_ns(&s->rng_arrivals, s->rate_hz, now)
				  : workload_periodic_ns(++s->n_arrivals, s->rate_hz, now);
	s->arr_next_ns = next;
	if (!event_push(&s->q, next, EV_ARRIVAL, 0, s->eb))
		return ERR_NOMEM;
	return start_next(s, now);
}

static int on_trace(struct sim *s, int64_t now)
{
	progress(s, now);
	apply_row(s, &s->pending);
	int rc;
	if (s->sensing && sense_note(&s->sense, now, &s->st) < 0)
		return err_set(s->eb, ERR_NOMEM, "out of memory");
	if (s->busy && (rc = schedule_done(s, now)) < 0)
		return rc;
	if ((rc = record_timeline(s, now, NAN)) < 0)
		return rc;
	if ((rc = read_next_row(s)) < 0)
		return rc;
	if (s->trace_done && s->cfg->duration_s <= 0) {
		s->end_ns = now;
		s->end_known = 1;
		if (!event_push(&s->q, now, EV_END, 0, s->eb))
			return ERR_NOMEM;
	}
	return 0;
}

/* A poll of the closed loop: the temperature and the caps from the power drawn so far. */
static int on_thermal(struct sim *s, int64_t now)
{
	progress(s, now);
	sim_physics_poll(&s->ph, now, s->energy_mj, s->st.charging);
	for (int c = 0; c < s->dev->n_clusters; c++)
		s->st.freq_mhz[c] = s->ph.cap_mhz[c];
	if (s->ph.thermal)
		s->st.temp_c = s->ph.temp_c;
	if (s->ph.battery) {
		s->st.battery_pct = s->ph.battery_pct;
		int big = s->dm.cluster;
		s->st.online[big] = sim_physics_online(&s->ph, big, s->st.online[big]);
	}
	memset(s->st_valid, 0, sizeof s->st_valid);
	int rc;
	if (s->sensing && sense_note(&s->sense, now, &s->st) < 0)
		return err_set(s->eb, ERR_NOMEM, "out of memory");
	if (s->busy && (rc = schedule_done(s, now)) < 0)
		return rc;
	if (!event_push(&s->q, now + s->ph.period_ns, EV_THERMAL, 0, s->eb))
		return ERR_NOMEM;
	return 0;
}

static int loop(struct sim *s)
{
	struct event e;
	int rc = 0;
	while (event_pop(&s->q, &e)) {
		int64_t now = e.t_ns;
		if (s->cfg->stop && *s->cfg->stop)
			return err_set(s->eb, ERR_INTERRUPTED, "interrupted by signal %d (%s)",
				       (int)*s->cfg->stop, strsignal((int)*s->cfg->stop));
		/* the run covers [0, end): nothing at or after the end happens */
		if (s->end_known && now >= s->end_ns && e.type != EV_END)
			continue;
		s->out->m.events++;
		account_base(s, now);
		switch (e.type) {
		case EV_TRACE:
			rc = on_trace(s, now);
			break;
		case EV_ARRIVAL:
			rc = on_arrival(s, now);
			break;
		case EV_DONE:
			progress(s, now);
			if ((rc = finish_job(s, now, 0)) == 0)
				rc = start_next(s, now);
			break;
		case EV_SWITCH:
			s->switching = 0;
			s->cur_var = s->next_var;
			if (s->len > 0)
				rc = begin(s, now, s->next_var, s->next_threads, s->next_cluster);
			if (rc == 0)
				rc = start_next(s, now);
			break;
		case EV_END:
			progress(s, now);
			s->end_ns = now;
			return 0;
		case EV_THERMAL:
			rc = on_thermal(s, now);
			break;
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* ---- results ---- */

/* Rows for the requests still running or queued when the run ended. */
static int record_unfinished(struct sim *s)
{
	int rc = 0;
	if (s->busy)
		rc = request_row(s, s->job_seq, s->job_arrival, s->job_start, -1, s->cur_var,
				 REQ_UNFINISHED, s->job_energy_mj);
	for (int i = 0; i < s->len && rc == 0; i++) {
		int k = (s->head + i) % s->cfg->queue_cap;
		rc = request_row(s, s->ring_seq[k], s->ring[k], -1, -1, -1, REQ_UNFINISHED, 0);
	}
	return rc;
}

static void summarise(struct sim *s)
{
	struct run_output *o = s->out;
	struct metrics *m = &o->m;
	m->sim_s = (double)s->end_ns / 1e9;
	m->energy_mj = s->energy_mj;
	m->miss_rate = m->requests ? (double)(m->deadline_misses + m->dropped + m->failures) /
					     (double)m->requests
				   : 0;
	o->has_latency = s->lat.n > 0;
	if (s->lat.n) {
		m->lat_mean_ms = hist_mean(&s->lat) / 1e6;
		double q[101];
		for (int i = 0; i <= 100; i++)
			q[i] = i / 100.0;
		hist_quantiles(&s->lat, q, 101, o->lat_q_ms);
		for (int i = 0; i <= 100; i++)
			o->lat_q_ms[i] /= 1e6;
		m->lat_p50_ms = o->lat_q_ms[50];
		m->lat_p95_ms = o->lat_q_ms[95];
		m->lat_p99_ms = o->lat_q_ms[99];
	}
	o->has_top1 = s->top1_n > 0;
	m->mean_top1 = s->top1_n ? s->top1_sum / (double)s->top1_n : 0;
	/* on-time answers whose variant has no accuracy are left out of the mean (notes say
	 * how many); every other request counts, with 0 unless answered on time */
	int64_t ontime_n = m->requests - s->ontime_unknown;
	o->has_ontime_top1 = ontime_n > 0;
	m->ontime_top1 = ontime_n > 0 ? s->ontime_top1_sum / (double)ontime_n : 0;
	if (s->ontime_unknown) {
		size_t k = strlen(o->notes);
		snprintf(o->notes + k, sizeof o->notes - k,
			 "%s%lld on-time answers by variants without accuracy left out of "
			 "ontime_top1",
			 k ? "; " : "", (long long)s->ontime_unknown);
	}
	if (s->closed) {
		if (s->end_ns > s->ph.last_ns) /* the battery drains until the end */
			sim_physics_poll(&s->ph, s->end_ns, s->energy_mj, s->st.charging);
		sim_physics_finish(&s->ph, s->end_ns);
		o->physics_closed = 1;
		o->throttled_s = (double)s->ph.throttled_ns / 1e9;
		o->max_temp_c = s->ph.thermal ? s->ph.max_temp_c : NAN;
		o->battery_end_pct = s->ph.battery ? s->ph.battery_pct : NAN;
		o->saver_s = (double)s->ph.saver_ns / 1e9;
		if (s->ph.thermal)
			add_note(s, "closed loop: peak %.1f degC,", o->max_temp_c);
		else
			add_note(s, "closed loop:");
		add_note_more(s, " big cluster capped below its top point %.1f s of %.1f s",
			      o->throttled_s, m->sim_s);
		if (s->ph.battery)
			add_note_more(s, ", battery %.2f%% -> %.2f%%, saver on %.1f s",
				      s->ph.start_pct, o->battery_end_pct, o->saver_s);
	}
	if (s->n_cl_on) {
		/* where inference ran: the default cluster and every other one offered */
		add_note(s, "clusters: served on cluster %d (default) %lld", s->dm.cluster,
			 (long long)s->cl_served[s->dm.cluster]);
		for (int c = 0; c < ADASCALE_MAX_CLUSTERS; c++)
			if (s->cl_on[c])
				add_note_more(s, ", on cluster %d %lld (timings %s, sha256 %.12s; "
						 "contention: formula (assumed))",
					      c, (long long)s->cl_served[c], s->cl_tim[c]->path,
					      s->cl_tim[c]->sha256);
		if (!s->cl_aware)
			add_note_more(s, "; the policy's ABI version 1 knows no clusters: the "
					 "default one only");
	}
	double dyn_mj = s->energy_mj - devmodel_base_power_mw(&s->dm) * m->sim_s;
	m->energy_per_inf_mj = m->served ? dyn_mj / (double)m->served : 0;
	double ns_per_tick = ticks_ns_per_tick(&s->span);
	o->decide_mean_us = hist_mean(&s->decide_ticks) * ns_per_tick / 1e3;
	o->decide_p99_us = hist_quantile(&s->decide_ticks, 0.99) * ns_per_tick / 1e3;
}

static int describe(struct sim *s)
{
	const struct run_config *c = s->cfg;
	struct run_output *o = s->out;
	snprintf(o->policy_name, sizeof o->policy_name, "%s", s->pol.name);
	snprintf(o->policy_params, sizeof o->policy_params, "%s", s->pol.params);
	snprintf(o->policy_sha256, sizeof o->policy_sha256, "%s", s->pol_sha256);
	snprintf(o->trace_sha256, sizeof o->trace_sha256, "%s", "");
	snprintf(o->device_sha256, sizeof o->device_sha256, "%s", s->dev->sha256);
	snprintf(o->timings_sha256, sizeof o->timings_sha256, "%s", s->tim->sha256);
	snprintf(o->model_sha256, sizeof o->model_sha256, "%s", s->model->sha256);
	snprintf(o->timings_path, sizeof o->timings_path, "%s", s->tim->path);
	o->timings_derived = s->tim->derived;
	/* the bytes the run parsed, and the rest of the file after the rows it needed */
	int rc = trace_hash_rest(s->trace, s->eb);
	if (rc < 0)
		return rc;
	sha256_final_hex(&s->trace_hash, o->trace_sha256);
	struct run_identity id = {
		.trace_sha256 = o->trace_sha256,
		.device_sha256 = o->device_sha256,
		.timings_sha256 = o->timings_sha256,
		.model_sha256 = o->model_sha256,
		.ops = c->ops,
		.policy = s->pol.name,
		.policy_source = s->pol.source,
		.policy_params = s->pol.params,
		.policy_sha256 = s->pol_sha256,
		.workload = c->workload,
		.deadline_ms = c->deadline_ms,
		.deadline_auto = c->deadline_auto,
		.duration_s = c->duration_s,
		.queue_cap = c->queue_cap,
		.drop_oldest = c->drop_oldest,
		.physics_closed = c->physics == RUN_PHYSICS_CLOSED,
		.device_cadence = s->dev->cad != NULL,
	};
	char key[RUN_IDENTITY_LEN];
	run_identity(&id, key, o->config_key);
	run_config_text(o->config, sizeof o->config, c->trace, c->device, s->tim->path, c->model,
			key, c->seed, c->tag);
	return 0;
}

int run_policy_sha256(const char *policy_source, char hex[65], struct errbuf *eb)
{
	return pol_sha256(policy_source, hex, eb);
}

void run_identity(const struct run_identity *id, char key[RUN_IDENTITY_LEN],
		  char config_key[65])
{
	char code[96] = "", deadline[48];
	if (id->deadline_auto > 0) {
		/* the shortest digits that read back as the same F: auto:0.8, as the user wrote it */
		for (int prec = 1; prec <= 17; prec++) {
			snprintf(deadline, sizeof deadline, "auto:%.*g", prec, id->deadline_auto);
			if (strtod(deadline + 5, NULL) == id->deadline_auto)
				break;
		}
	} else {
		snprintf(deadline, sizeof deadline, "%.17g", id->deadline_ms);
	}
	if (id->policy_sha256 && id->policy_sha256[0])
		snprintf(code, sizeof code, "policy_sha256=%.64s\n", id->policy_sha256);
	snprintf(key, RUN_IDENTITY_LEN,
		 "trace_sha256=%s\ndevice_sha256=%s\ntimings_sha256=%s\nmodel_sha256=%s\n"
		 "ops=%s\npolicy=%s\npolicy_source=%.1024s\n%sparams=%s\nworkload=%s\n"
		 "deadline_ms=%s\nqueue=%d\ndrop=%s\nduration_s=%.17g\n",
		 id->trace_sha256, id->device_sha256, id->timings_sha256, id->model_sha256,
		 id->ops ? id->ops : "(ladder)", id->policy, id->policy_source, code,
		 id->policy_params, id->workload, deadline, id->queue_cap,
		 id->drop_oldest ? "oldest" : "newest", id->duration_s);
	/* appended on its own: one more argument above would make glibc's snprintf allocate */
	if (id->physics_closed) { /* replay adds nothing: its keys stay as they were */
		size_t at = strlen(key);
		snprintf(key + at, RUN_IDENTITY_LEN - at, "physics=closed\n");
	}
	/* a workload that names no service: the work was the median before it was drawn by
	 * default, so such keys say so and a resumed sweep does not take those runs for these */
	struct run_workload_parts wp;
	int parts = run_workload_parts(id->workload, &wp, NULL) == 0;
	if (parts && !wp.service_given) {
		size_t at = strlen(key);
		snprintf(key + at, RUN_IDENTITY_LEN - at, "service=meas (default)\n");
	}
	/* drawn work on a device with a cadence took the profile's spread before it took the
	 * cadence's: such runs are new experiments, which a resumed sweep runs again */
	if (parts && id->device_cadence && strcmp(wp.service, "meas") == 0) {
		size_t at = strlen(key);
		snprintf(key + at, RUN_IDENTITY_LEN - at, "work=cadence spread\n");
	}
	struct sha256 h;
	sha256_init(&h);
	sha256_update(&h, key, strlen(key));
	sha256_final_hex(&h, config_key);
}

void run_config_text(char *out, size_t len, const char *trace, const char *device,
		     const char *timings, const char *model, const char *key, uint64_t seed,
		     const char *tag)
{
	snprintf(out, len, "trace=%s\ndevice=%s\ntimings=%.1024s\nmodel=%s\n%sseed=%llu\ntag=%s\n",
		 trace, device, timings, model, key, (unsigned long long)seed, tag ? tag : "");
}

/* ---- entry ---- */

void run_config_defaults(struct run_config *c)
{
	memset(c, 0, sizeof *c);
	c->workload = "periodic:fps=30";
	c->policy = "greedy";
	c->deadline_ms = 100;
	c->queue_cap = 4;
	c->seed = 1;
	c->tag = "";
}

/* Appends a note to the run's notes ("; " between notes; cut at the field's end). */
static void __attribute__((format(printf, 2, 3))) add_note(struct sim *s, const char *fmt, ...)
{
	char *n = s->out->notes;
	size_t at = strlen(n), len = sizeof s->out->notes;
	if (at && at + 2 < len)
		at += (size_t)snprintf(n + at, len - at, "; ");
	if (at + 1 >= len)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(n + at, len - at, fmt, ap);
	va_end(ap);
}

/* Appends to the last note, without a separator. */
static void __attribute__((format(printf, 2, 3))) add_note_more(struct sim *s, const char *fmt, ...)
{
	char *n = s->out->notes;
	size_t at = strlen(n), len = sizeof s->out->notes;
	if (at + 1 >= len)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(n + at, len - at, fmt, ap);
	va_end(ap);
}

/*
 * What the run's inference model rests on: the contention model, the work's draw, the switch
 * costs, and the timings' stability flags.
 */
static void model_notes(struct sim *s)
{
	char at_gap[160] = "";
	if (s->dev->calib && s->dev->calib->gap_ms > 0)
		snprintf(at_gap, sizeof at_gap, ", each pass after %g ms idle (a server's cadence; "
			 "the cadence then adds a gap's idle cost alone, at load 0)",
			 s->dev->calib->gap_ms);
	if (s->dev->calib && s->dev->calib->n_pass)
		add_note(s,
			 "contention: calibrated %s sha256 %s, its load %s%s, per pass (%d passes; "
			 "an inference takes the two of nearest idle length, mixed in the log of "
			 "its length: assumed between them, the nearest beyond them)",
			 s->dev->calib->path, s->dev->calib->sha256, s->dev->calib->load_shape,
			 at_gap, s->dev->calib->n_pass);
	else if (s->dev->calib)
		add_note(s, "contention: calibrated %s sha256 %s, its load %s%s",
			 s->dev->calib->path, s->dev->calib->sha256, s->dev->calib->load_shape,
			 at_gap);
	else
		add_note(s, "contention: formula (assumed)");
	add_note(s, "work: %s",
		 s->service == SERVICE_MEAS && s->dev->cad
			 ? "drawn per inference on the default cluster from the cadence's idle "
			   "back-to-back spread at its thread count, around the pass's median, its "
			   "gap's slowdown taken at the same level; on another cluster from a two-piece "
			   "lognormal through the timings' p10, median and p90 (fit assumed; "
			   "service=meas)"
		 : s->service == SERVICE_MEAS ? "drawn per inference from a two-piece lognormal "
					      "through the timings' p10, median and p90 (fit "
					      "assumed; service=meas)"
		 : s->service == SERVICE_EXP ? "exponential around the profiled median "
					       "(service=exp)"
					     : "the profiled median (service=det)");
	if (s->dev->cad && s->dev->cad->n_loads > 1)
		add_note(s, "idle gaps: measured cadence %s sha256 %s (default cluster; at %d "
			    "loads from 0 to %g, %s)%s",
			 s->dev->cad->path, s->dev->cad->sha256, s->dev->cad->n_loads,
			 s->dev->cad->loads[s->dev->cad->n_loads - 1], s->dev->cad->load_shape,
			 s->dev->cad->at[0]->n_pass ? ", per pass (an inference takes the passes "
						      "of nearest idle length, as the calibration)"
						    : "");
	else if (s->dev->cad)
		add_note(s, "idle gaps: measured cadence %s sha256 %s (default cluster; measured "
			    "idle, taken to hold under any load: assumed)",
			 s->dev->cad->path, s->dev->cad->sha256);
	else
		add_note(s, "idle gaps: none modelled (a pass takes its back-to-back time after "
			    "any gap; assumed)");
	if (s->dev->sw)
		add_note(s, "switch costs: measured for %d of %d variants, assumed for the rest",
			 s->vt.n_sw_measured, s->vt.n_var);
	else
		add_note(s, "switch costs: assumed");
	if (s->dev->keep_built > 1)
		add_note(s, "switching: the runtime keeps the last %d variants run built; a "
			    "switch to one of them costs nothing", s->dev->keep_built);
	if (s->model->shared_weights)
		add_note(s, "shared weights: %s", s->model->shared_weights);
	if (s->tim->n_pass)
		add_note(s, "levels: %d of %d variant and thread count pairs from their passes timed "
			    "whole by the profile, the rest from their kernels' sum",
			 s->vt.n_pass_level, s->vt.n_levels);
	else
		add_note(s, "levels: every variant from its kernels' sum (the timings time no "
			    "pass whole)");
	if (!s->tim->has_unstable) {
		add_note(s, "unstable timings: unknown (no unstable column)");
	} else {
		add_note(s, "unstable timings: under %d of %d variants (%d layer timings)",
			 s->vt.n_var_unstable, s->vt.n_var, s->vt.n_unstable_layers);
		if (s->vt.n_var_unstable)
			fprintf(stderr,
				"adascale: info: %d of %d variants rest on kernel timings %s flagged "
				"unstable (%d layer timings over the thread counts)\n",
				s->vt.n_var_unstable, s->vt.n_var, s->tim->path, s->vt.n_unstable_layers);
	}
}

/* What the closed loop rests on, for the run's notes. */
static void physics_notes(struct sim *s)
{
	const struct device_thermal *t = &s->dev->thermal;
	const struct device_battery *b = &s->dev->battery;
	if (t->present) {
		add_note(s, "physics: closed loop: %d-term thermal network, %s governor, trips",
			 t->net.n_nodes,
			 t->governor == GOVERN_STEP_WISE ? "step_wise" : "power_allocator");
		for (int i = 0; i < t->n_trips; i++)
			add_note_more(s, " %g", t->trip_c[i]);
		add_note_more(s, " degC, poll %g ms; the trace's frequency and temperature ignored "
			      "(source: %.300s)", t->polling_ms, t->source);
	} else {
		add_note(s, "physics: closed loop without a thermal network: the trace's frequency "
			 "ignored, no temperature");
	}
	if (b->present) {
		add_note(s, "battery: %g mAh at %g V, rest of the device %g mW, saver below %g%% ",
			 b->capacity_mah, b->voltage_v, b->rest_power_mw, b->saver_pct);
		if (b->saver_cap > 0)
			add_note_more(s, "caps the frequency at %g of the maximum", b->saver_cap);
		else
			add_note_more(s, "takes %d big cores offline", b->saver_offline);
		add_note_more(s, "; the trace's battery_pct ignored (source: %.200s)", b->source);
	}
	if (pol_flags(s->pol.desc) & ADASCALE_POLICY_SEES_FUTURE)
		add_note(s, "the policy sees the trace's future (load, memory, cores, ambient) and "
			 "may roll the closed loop forward from the present (closed_caps: the caps "
			 "its own choices would cause)");
}

int run_deadline_parse(const char *text, double *deadline_ms, double *deadline_auto, char *why,
		       size_t why_len)
{
	return workload_deadline_parse(text, deadline_ms, deadline_auto, why, why_len);
}

/*
 * auto:F: the deadline is F times the most accurate variant's idle latency, predicted as
 * predict_ms predicts it (its kernels' summed medians over the device model's rate) at idle:
 * the device's top operating point on the inference cluster, every core online, no
 * competing load, at the thread count that is fastest there. The trace is not read for it,
 * so the deadline is the same for every trace. A fixed deadline is kept as given.
 */
static int resolve_deadline(struct sim *s)
{
	const struct run_config *c = s->cfg;
	if (c->deadline_auto == 0) {
		s->out->deadline_ms = c->deadline_ms;
		return 0;
	}
	int best, at_threads, rc;
	double idle_ms;
	if ((rc = vtable_idle_ms(&s->vt, s->dev, s->model->name, c->deadline_auto, &idle_ms, &best,
				 &at_threads, s->eb)) < 0)
		return rc;
	double d = c->deadline_auto * idle_ms;
	if (!(d > 0 && d <= 1e9))
		return err_set(s->eb, ERR_USAGE,
			       "deadline auto:%g: %g x %g ms is not a deadline in (0, 1e9] ms",
			       c->deadline_auto, c->deadline_auto, idle_ms);
	s->out->deadline_ms = d;
	add_note(s,
		 "deadline: auto:%g = %g x %.4g ms, the idle latency of %s (the most accurate "
		 "variant, top-1 %.1f%%) at %d thread%s, %g MHz, no competing load = %.4g ms",
		 c->deadline_auto, c->deadline_auto, idle_ms, s->vt.av[best].key, s->vt.av[best].top1,
		 at_threads, at_threads == 1 ? "" : "s", device_max_mhz(s->dev, s->dm.cluster), d);
	return 0;
}

static int setup(struct sim *s)
{
	const struct run_config *c = s->cfg;
	struct errbuf *eb = s->eb;
	int rc;
	if (c->deadline_auto != 0 ? !(c->deadline_auto > 0 && c->deadline_auto <= 1000)
				  : !(c->deadline_ms > 0 && c->deadline_ms <= 1e9))
		return c->deadline_auto != 0
			       ? err_set(eb, ERR_USAGE, "deadline auto:%g: F must be in (0, 1000]",
					 c->deadline_auto)
			       : err_set(eb, ERR_USAGE, "deadline %g ms: must be in (0, 1e9]",
					 c->deadline_ms);
	if (c->queue_cap < 1 || c->queue_cap > 1000000)
		return err_set(eb, ERR_USAGE, "queue %d: must be in 1..1000000", c->queue_cap);
	if (c->duration_s < 0 || c->duration_s > 1e8)
		return err_set(eb, ERR_USAGE, "duration %g s: must be in [0, 1e8]", c->duration_s);
	if ((rc = parse_workload(s, eb)) < 0 ||
	    (rc = vtable_load_inputs(c->device, c->timings, c->model, c->ops, &s->dev, &s->tim,
				     &s->model, &s->vs, eb)) < 0)
		return rc;
	s->out->variant_keys = calloc((size_t)s->vs->n, sizeof *s->out->variant_keys);
	s->out->variant_served = calloc((size_t)s->vs->n, sizeof *s->out->variant_served);
	s->out->variant_top1 = calloc((size_t)s->vs->n, sizeof *s->out->variant_top1);
	s->ring = calloc((size_t)c->queue_cap, sizeof *s->ring);
	s->ring_seq = calloc((size_t)c->queue_cap, sizeof *s->ring_seq);
	s->ring_deadline = calloc((size_t)c->queue_cap, sizeof *s->ring_deadline);
	if (!s->out->variant_keys || !s->out->variant_served || !s->out->variant_top1 || !s->ring ||
	    !s->ring_seq || !s->ring_deadline)
		return err_set(eb, ERR_NOMEM, "out of memory");
	s->out->n_variants = s->vs->n;
	for (int i = 0; i < s->vs->n; i++) {
		snprintf(s->out->variant_keys[i], sizeof s->out->variant_keys[i], "%s",
			 s->vs->v[i].key);
		s->out->variant_top1[i] = s->vs->v[i].has_top1 ? s->vs->v[i].top1 : NAN;
	}
	devmodel_init(&s->dm, s->dev, s->tim);
	s->job_cluster = s->next_cluster = s->dm.cluster;
	s->cur_cluster = -1;
	if ((rc = build_variant_table(s, eb)) < 0 || (rc = other_clusters(s, eb)) < 0 ||
	    (rc = guard_variant_table(s, eb)) < 0 || (rc = guard_call_buffers(s, eb)) < 0)
		return rc;
	model_notes(s);
	if ((rc = resolve_deadline(s)) < 0)
		return rc;
	s->deadline_ns = llround(s->out->deadline_ms * 1e6);

	/* the initial state: every core online at the top OPP, nothing else running */
	vtable_state_init(&s->vt, s->dev, &s->st);
	s->cur_var = -1;
	if (c->physics == RUN_PHYSICS_CLOSED &&
	    (s->dev->thermal.present || s->dev->battery.present)) {
		s->closed = 1;
		sim_physics_init(&s->ph, s->dev, s->dm.cluster);
	} else {
		add_note(s, c->physics == RUN_PHYSICS_CLOSED
				    ? "physics: open loop, the device has no [thermal] or [battery] "
				      "section: temperature, frequency and battery replayed from the "
				      "trace"
				    : "physics: replay (open loop): temperature and frequency from "
				      "the trace");
	}

	rng_init(&s->rng_arrivals, c->seed, "arrivals");
	s->fa_seq = -1; /* future_arrival has not looked ahead yet */
	rng_init(&s->rng_service, c->seed, "service");
	rng_init(&s->rng_policy, c->seed, "policy");
	rng_init(&s->rng_timing, c->seed, "decide-timing");
	rng_init(&s->rng_contention, c->seed, "contention");
	rng_init(&s->rng_cadence, c->seed, "cadence");
	for (int i = 0; i < ADASCALE_MAX_CLUSTERS; i++)
		s->cl_last_end[i] = -1;
	s->host = (struct adascale_host){
		.size = sizeof s->host,
		.ctx = s,
		.log = svc_log,
		.uniform = svc_uniform,
	};
	vtable_host_services(&s->host); /* what start_next charges for a switch, and so on */
	s->host.predict_on_ms = svc_predict_on_ms;
	s->host.predict_on_mj = svc_predict_on_mj;
	if ((rc = pol_resolve(c->policy, &s->pol, eb)) < 0 ||
	    (rc = run_policy_sha256(s->pol.source, s->pol_sha256, eb)) < 0)
		return rc;
	s->cl_aware = s->pol.desc->abi_version >= 2;
	if (s->closed)
		physics_notes(s);
	if (s->mon) {
		snprintf(s->mon->policy, sizeof s->mon->policy, "%s", s->pol.name);
		snprintf(s->mon->source, sizeof s->mon->source, "%.1000s", s->pol.source);
	}
	if (pol_flags(s->pol.desc) & ADASCALE_POLICY_SEES_FUTURE) {
		if (!(s->lookahead = trace_open(c->trace, eb)))
			return eb->code;
		s->host.exact_ms = svc_exact_ms;
		s->host.future_state = svc_future_state;
		s->host.future_arrival = svc_future_arrival;
		s->host.end_ms = svc_end_ms;
		if (s->closed)
			s->host.closed_caps = svc_closed_caps;
	}
	/* the policy keeps the host table until destroy: read-only, guarded */
	if ((rc = guard_alloc(&s->g_host, sizeof s->host, eb)) < 0)
		return rc;
	memcpy(s->g_host.p, &s->host, sizeof s->host);
	monitor_register(s->mon, MONITOR_BUF_HOST, &s->g_host, 1);
	if ((rc = guard_readonly(&s->g_host, eb)) < 0)
		return rc;
	char *perr = s->g_err.p;
	size_t perr_len = s->g_err.len;
	monitor_enter(s->mon, MONITOR_CREATE, 0, -1);
	int crc = s->pol.desc->create(s->g_host.p, (const char *const *)s->pol.values,
				      &s->pol_state, perr, perr_len);
	monitor_leave(s->mon);
	if (crc != 0) {
		perr[perr_len - 1] = '\0';
		return err_set(eb, ERR_USAGE, "policy %s: %s", s->pol.name,
			       perr[0] ? perr : "create failed");
	}
	if ((rc = event_queue_init(&s->q, eb)) < 0 || (rc = hist_init(&s->lat, eb)) < 0 ||
	    (rc = hist_init(&s->decide_ticks, eb)) < 0)
		return rc;
	sha256_init(&s->trace_hash);
	if (!(s->trace = trace_open_hashed(c->trace, &s->trace_hash, eb)))
		return eb->code;
	/* the first row is the state at time 0 */
	if ((rc = trace_next(s->trace, &s->pending, eb)) < 0)
		return rc;
	apply_row(s, &s->pending);
	if (s->closed) {
		/* the trace's first row may set the ambient and the battery: start there */
		sim_physics_set_ambient(&s->ph, s->ph.ambient_c);
		if (s->ph.thermal)
			s->st.temp_c = s->ph.temp_c;
		if (s->ph.battery && (s->pending.set & TRACE_BATTERY))
			sim_physics_set_battery(&s->ph, s->pending.battery_pct);
		if (s->ph.battery)
			s->st.battery_pct = s->ph.battery_pct;
		if (!event_push(&s->q, s->ph.period_ns, EV_THERMAL, 0, eb))
			return ERR_NOMEM;
	}
	/* what the policy senses (sense.h): a device's [sensing], except for the oracle */
	const struct device_sensing *ds = &s->dev->sensing;
	if (!ds->on) {
		add_note(s, "sensing: exact (the device has no [sensing]: assumed)");
	} else if (pol_flags(s->pol.desc) & ADASCALE_POLICY_SEES_FUTURE) {
		add_note(s, "sensing: exact (the policy sees the future)");
	} else {
		struct sense_params sp = {ds->period_ms, ds->delay_ms, ds->util_noise_sd};
		if ((rc = sense_init(&s->sense, &sp, c->seed, &s->st, eb)) < 0)
			return rc;
		s->sensing = 1;
		add_note(s, "sensing: a sample every %g ms, seen %g ms later, load noise sd %g (%s)",
			 ds->period_ms, ds->delay_ms, ds->util_noise_sd, ds->source);
	}
	if ((rc = read_next_row(s)) < 0)
		return rc;
	if (c->duration_s > 0) {
		s->end_ns = llround(c->duration_s * 1e9);
		s->end_known = 1;
	} else if (s->trace_done) {
		return err_set(eb, ERR_USAGE, "%s: one row lasts no time; give --duration-s", c->trace);
	}
	if (c->duration_s > 0 && !event_push(&s->q, s->end_ns, EV_END, 0, eb))
		return ERR_NOMEM;
	if (s->arrivals)
		return next_file_arrival(s, 0);
	if (!event_push(&s->q, 0, EV_ARRIVAL, 0, eb))
		return ERR_NOMEM;
	return 0;
}

int run_execute(const struct run_config *cfg, struct run_output **out, struct errbuf *eb)
{
	struct timespec w0, w1;
	clock_gettime(CLOCK_MONOTONIC, &w0);
	struct sim s;
	memset(&s, 0, sizeof s);
	ticks_span_start(&s.span);
	s.cfg = cfg;
	s.eb = eb;
	s.mon = cfg->monitor;
	s.out = calloc(1, sizeof *s.out);
	int rc;
	if (!s.out) {
		rc = err_set(eb, ERR_NOMEM, "out of memory");
		goto done;
	}
	if ((rc = setup(&s)) < 0 || (rc = loop(&s)) < 0)
		goto done;
	account_base(&s, s.end_ns);
	if ((rc = record_unfinished(&s)) < 0)
		goto done;
	summarise(&s);
	if ((rc = describe(&s)) < 0)
		goto done;
	clock_gettime(CLOCK_MONOTONIC, &w1);
	s.out->wall_s = (double)(w1.tv_sec - w0.tv_sec) + (double)(w1.tv_nsec - w0.tv_nsec) / 1e9;
	*out = s.out;
	s.out = NULL;
done:
	if (s.pol.desc && s.pol_state && s.pol.desc->destroy) {
		monitor_enter(s.mon, MONITOR_DESTROY, s.end_ns, -1);
		s.pol.desc->destroy(s.pol_state);
		monitor_leave(s.mon);
	}
	pol_choice_free(&s.pol);
	trace_close(s.trace);
	trace_close(s.lookahead);
	free(s.ahead);
	sense_free(&s.sense);
	event_queue_free(&s.q);
	variant_set_destroy(s.vs);
	model_destroy(s.model);
	timings_destroy(s.tim);
	for (int c = 0; c < ADASCALE_MAX_CLUSTERS; c++) {
		timings_destroy(s.cl_tim[c]);
		vtable_free(&s.cl_vt[c]);
	}
	device_destroy(s.dev);
	vtable_free(&s.vt);
	guard_free(&s.g_var);
	guard_free(&s.g_host);
	guard_free(&s.g_view);
	guard_free(&s.g_state);
	guard_free(&s.g_queue);
	guard_free(&s.g_dec);
	guard_free(&s.g_obs);
	guard_free(&s.g_err);
	free(s.ring);
	free(s.ring_seq);
	free(s.ring_deadline);
	workload_file_close(s.arrivals);
	hist_free(&s.lat);
	hist_free(&s.decide_ticks);
	run_output_destroy(s.out);
	return rc;
}

void run_output_destroy(struct run_output *o)
{
	if (!o)
		return;
	free(o->variant_keys);
	free(o->variant_served);
	free(o->variant_top1);
	free(o->timeline);
	free(o->request_rows);
	free(o);
}

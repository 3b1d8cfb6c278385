/*
 * serve.c: the real serving loop (see serve.h). Four threads: the main thread keeps the
 * clock (CLOCK_MONOTONIC from the first trace row applied), says which trace rows are due,
 * admits arrivals to the queue, senses the state and calls the policy; the trace thread
 * applies the due rows' load and frequencies through the applier, in order; the memory
 * thread applies their memory, each row started ahead of its time by what taking its
 * memory needs at the rate measured before time 0, in steps so that load rows are not held
 * up behind it; the inference thread builds passes and runs them, one request at a time,
 * and says when each is done. The policy is
 * called only from the main thread, as the simulator calls it, never during a pass's
 * bookkeeping. A fault inside a policy call is reported by a handler that names the policy
 * and the call, then the process ends: the applier's child dies with it.
 */
#include "serve.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aapply.h"
#include "adascale_policy.h"
#include "afile.h"
#include "alists.h"
#include "aload.h"
#include "arecord.h"
#include "arun.h"
#include "asys.h"
#include "csvin.h"
#include "device.h"
#include "devmodel.h"
#include "model.h"
#include "profile.h"
#include "registry.h"
#include "rng.h"
#include "sha256.h"
#include "timings.h"
#include "trace.h"
#include "vtable.h"
#include "workload.h"

#ifndef ADASCALE_VERSION
#define ADASCALE_VERSION "unknown"
#endif
#ifndef ADASCALE_GIT_REV
#define ADASCALE_GIT_REV "unknown"
#endif

/* The longest the main thread sleeps: a signal's stop flag is seen within this. */
#define MAX_WAIT_NS 20000000LL
/*
 * A trace row applied more than this after its time is counted late in the served file
 * (100 ms: a row of a trace sampled ten times a second is then a row behind; a choice).
 */
#define SERVE_LATE_NS 100000000LL
/*
 * Memory is taken in steps of at most this much (a load row waits for at most one step),
 * and the rate it is scheduled at is the rate measured before time 0 divided by
 * MEM_RATE_MARGIN (choices: a step of 128 MB takes 0.13 to 0.17 s at the 755 to 956 MB/s
 * that make validate's served files give on the AMD EPYC guest, docs/validation.md; the
 * margin covers the rate's movement within a run).
 */
#define MEM_STEP_MB 128.0
#define MEM_RATE_MARGIN 1.25
/* No warm-up when the trace never asks for this much below what is free at the start. */
#define MEM_WARM_MIN_MB 64.0
/* The parts of a trace row: its load and frequencies (the trace thread), its memory. */
#define PART_LOAD 1u
#define PART_MEM 2u

enum { OUT_OK, OUT_LATE, OUT_FAILED, OUT_DROPPED, OUT_UNFINISHED };
static const char *const outcome_name[] = {"ok", "late", "failed", "dropped", "unfinished"};

struct req {                /* one request, by arrival order */
	int64_t arrival_ns, start_ns, end_ns, deadline_ns;
	int var, threads, outcome;
	double switch_ms;
};

struct built {              /* a pass kept built */
	int var, threads;
	int64_t used;           /* when last used (a counter) */
	struct agent_pass *pass;
};

struct job {                /* what the inference thread is asked to do */
	int var, threads, fail; /* fail: memory does not suffice: bring it up, do not run */
};

struct sensed_row {
	double t_s, util_other, mem_avail_mb, freq_mhz[ADASCALE_MAX_CLUSTERS];
};

struct srv {
	struct vtable vt;      /* first: the host services find it at their ctx */
	const struct serve_opts *o;
	struct errbuf *eb;
	struct device *dev;
	struct timings *tim;
	struct model *model;
	struct variant_set *vs;
	struct devmodel dm;
	double deadline_ms;
	int64_t deadline_ns;
	/* the trace, read whole before serving starts */
	struct trace_row *rows;
	int n_rows;
	char trace_sha256[65];
	uint32_t apply_cols;   /* the TRACE_* columns applied */
	int mem_short;         /* a row's mem_avail_mb was above what was free */
	char applied[3][512];  /* util_other, mem_avail_mb, freq_mhz: how */
	/* workload */
	struct workload_spec ws;
	struct workload_file *wf;
	struct rng rng_arrivals, rng_policy;
	int64_t next_arr_ns, next_arr_deadline_ns, n_arrivals;
	int arr_done;
	/* the policy */
	struct pol_choice pol;
	char pol_sha256[65];
	void *pol_state;
	struct adascale_host host;
	/* the applier */
	struct agent_apply *ap;
	/* sensing */
	struct agent_sys *sys;
	struct agent_cpu_ticks ticks;
	int has_ticks, freq_readable;
	struct adascale_state st;    /* what the policy sees: the last sample */
	struct sensed_row *sensed;
	int n_sensed, cap_sensed;
	/* requests and the queue (indices into req) */
	struct req *req;
	int64_t n_req, cap_req;
	int64_t *queue;
	int q_head, q_len;
	int cur_var;           /* the thread count is vt.cur_threads */
	int busy;
	int64_t job_req;
	double job_pred_ms;
	/* the inference thread */
	pthread_t th;
	int th_started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int have_job, done, quit, th_rc;
	struct job job;
	int64_t r_start_ns, r_end_ns; /* of the last job, set by the inference thread */
	double r_switch_ms;
	struct errbuf th_eb;
	/* the trace thread: rows [tr_applied, tr_due) are due and not yet applied */
	pthread_t tr_th;
	int tr_started, tr_due, tr_applied, tr_quit, tr_rc;
	pthread_cond_t tr_cv;
	struct errbuf tr_eb;
	/* per row: the parts not yet applied (PART_*), how late its last part ended, and for
	   a memory row when its memory starts being taken (ahead of its time) */
	unsigned char *part_left;
	int64_t *row_lag_ns, *mem_start_ns;
	/* the memory thread, and what taking memory measured before time 0 */
	pthread_t mem_th;
	int mem_started;
	double warm_mb, warm_s, rate_mb_s;
	double warm_cpu_s;     /* the applier's memory CPU time at time 0 */
	int64_t ahead_ns;      /* the most a memory row was started ahead of its time */
	struct built *cache;
	int n_cache;
	int64_t use_clock;
	int64_t t0;
	int64_t end_ns;
};

/* ---- the policy's crash: a handler that names the call ---- */

static volatile sig_atomic_t in_call;       /* 1 create, 2 decide, 3 observe, 4 destroy */
static char crash_policy[1200];
static int crash_status = 1;

static void on_fault(int sig)
{
	static const char *const calls[] = {"", "create", "decide", "observe", "destroy"};
	char msg[1600];
	const char *what = sig == SIGSEGV ? "SIGSEGV" : sig == SIGBUS ? "SIGBUS" : sig == SIGFPE ? "SIGFPE"
			   : sig == SIGILL ? "SIGILL" : "SIGABRT";
	int c = in_call;
	int n;
	if (c > 0 && c <= 4)
		n = snprintf(msg, sizeof msg,
			     "adascale-agent serve: policy %s crashed (%s) in its %s call; serving "
			     "stopped, the applied load and memory released, nothing written\n",
			     crash_policy, what, calls[c]);
	else
		n = snprintf(msg, sizeof msg,
			     "adascale-agent serve: crashed (%s) outside a policy call; serving "
			     "stopped, nothing written\n",
			     what);
	if (n > 0 && write(2, msg, (size_t)n) < 0)
		n = 0;
	/* the applier's child gets its death signal when this process ends */
	_exit(crash_status);
}

static void catch_faults(void)
{
	static char stack[64 * 1024];
	stack_t ss = {.ss_sp = stack, .ss_size = sizeof stack};
	sigaltstack(&ss, NULL);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_fault;
	sa.sa_flags = SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &sa, NULL);
}

/* ---- host services ---- */

static void svc_log(void *ctx, int level, const char *msg)
{
	struct srv *s = ctx;
	if (level >= ADASCALE_LOG_WARN)
		fprintf(stderr, "adascale-agent serve: policy %s: %s\n", s->pol.name, msg);
}

static double svc_uniform(void *ctx) { return rng_uniform(&((struct srv *)ctx)->rng_policy); }

/* ---- time ---- */

static int64_t now_ns(const struct srv *s) { return agent_mono_ns() - s->t0; }

/* ---- the inference thread ---- */

/* The pass of (var, threads): kept, or built now (the least recently used one dropped). */
static int get_pass(struct srv *s, int var, int threads, struct agent_pass **out, int *built,
		    struct errbuf *eb)
{
	*built = 0;
	for (int i = 0; i < s->n_cache; i++)
		if (s->cache[i].var == var && s->cache[i].threads == threads) {
			s->cache[i].used = ++s->use_clock;
			*out = s->cache[i].pass;
			return 0;
		}
	int slot = s->n_cache;
	if (s->n_cache == s->o->keep_built) {
		slot = 0;
		for (int i = 1; i < s->n_cache; i++)
			if (s->cache[i].used < s->cache[slot].used)
				slot = i;
		agent_pass_destroy(s->cache[slot].pass);
		s->cache[slot].pass = NULL;
	} else {
		s->n_cache++;
	}
	const struct variant *v = &s->vs->v[s->vt.var_index[var]];
	struct agent_layer *layers = profile_agent_layers(v->spec, eb);
	struct agent_pass *p = NULL;
	int rc = layers ? agent_pass_create(layers, v->spec->n_layers, s->o->backend, threads,
					    s->o->seed, v->key, &p, eb)
			: eb->code;
	free(layers);
	if (rc < 0) {
		s->cache[slot] = s->cache[--s->n_cache];
		return rc;
	}
	s->cache[slot] = (struct built){var, threads, ++s->use_clock, p};
	*out = p;
	*built = 1;
	return 0;
}

static void *inference_main(void *arg)
{
	struct srv *s = arg;
	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (!s->have_job && !s->quit)
			pthread_cond_wait(&s->cv, &s->mu);
		if (s->quit)
			break;
		struct job j = s->job;
		s->have_job = 0;
		pthread_mutex_unlock(&s->mu);

		struct errbuf eb = {0};
		struct agent_pass *p = NULL;
		int built = 0;
		int64_t t_sw = now_ns(s);
		int rc = get_pass(s, j.var, j.threads, &p, &built, &eb);
		int64_t t_start = now_ns(s), t_end = t_start;
		if (rc == 0 && !j.fail) {
			rc = agent_pass_run(p, &eb);
			t_end = now_ns(s);
		}

		pthread_mutex_lock(&s->mu);
		s->r_switch_ms = built ? (double)(t_start - t_sw) / 1e6 : 0;
		s->r_start_ns = t_start;
		s->r_end_ns = t_end;
		s->th_rc = rc;
		if (rc < 0)
			s->th_eb = eb;
		s->done = 1;
		pthread_cond_broadcast(&s->cv);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* ---- sensing ---- */

/* One sample of the state the policy sees, and a row of the sensed file. */
static int sense(struct srv *s, int64_t t)
{
	struct agent_cpu_ticks now;
	if (agent_cpu_ticks_read(&now) == 0) {
		if (s->has_ticks) {
			double u = agent_util_other(s->ticks.busy, s->ticks.total, s->ticks.self,
						    now.busy, now.total, now.self);
			if (u >= 0)
				s->st.util_other = u;
		}
		s->ticks = now;
		s->has_ticks = 1;
	}
	double total, avail;
	if (agent_meminfo(&total, &avail) == 0 && avail >= 0)
		s->st.mem_avail_mb = avail;
	for (int c = 0; c < s->st.n_clusters && c < s->sys->n_clusters; c++) {
		double mhz = s->freq_readable ? agent_sys_cluster_mhz(s->sys, c) : -1;
		if (mhz > 0)
			s->st.freq_mhz[c] = mhz;
	}
	s->st.t_ns = t;
	if (!s->o->sensed)
		return 0;
	if (s->n_sensed == s->cap_sensed) {
		int cap = s->cap_sensed ? 2 * s->cap_sensed : 256;
		struct sensed_row *r = realloc(s->sensed, (size_t)cap * sizeof *r);
		if (!r)
			return err_set(s->eb, ERR_NOMEM, "out of memory");
		s->sensed = r;
		s->cap_sensed = cap;
	}
	struct sensed_row *r = &s->sensed[s->n_sensed++];
	r->t_s = (double)t / 1e9;
	r->util_other = s->st.util_other;
	r->mem_avail_mb = s->st.mem_avail_mb;
	memcpy(r->freq_mhz, s->st.freq_mhz, sizeof r->freq_mhz);
	return 0;
}

/* ---- the trace ---- */

struct col_name {
	uint32_t bit;
	const char *name;
};

/* The trace's columns the applier cannot make real, with their names. */
static const struct col_name unappliable[] = {
	{TRACE_BATTERY, "battery_pct"}, {TRACE_TEMP, "temp_c"}, {TRACE_CHARGING, "charging"},
	{TRACE_AMBIENT, "ambient_c"}};

/* 1 when name is in the comma-separated list (online.N also matches "online"). */
static int listed(const char *list, const char *name)
{
	if (!list)
		return 0;
	size_t n = strlen(name);
	for (const char *p = list; *p;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if ((len == n && strncmp(p, name, n) == 0) ||
		    (len == 6 && strncmp(p, "online", 6) == 0 && strncmp(name, "online.", 7) == 0))
			return 1;
		p += len + (e ? 1 : 0);
	}
	return 0;
}

/* Every name of --ignore must be a column the trace has (a typo would ignore nothing). */
static int check_ignore(struct srv *s, uint32_t cols)
{
	const char *list = s->o->ignore;
	if (!list)
		return 0;
	for (const char *p = list; *p;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		char name[64];
		snprintf(name, sizeof name, "%.*s", (int)(len < 63 ? len : 63), p);
		int known = (strcmp(name, "util_other") == 0 && (cols & TRACE_UTIL)) ||
			    (strcmp(name, "mem_avail_mb") == 0 && (cols & TRACE_MEM)) ||
			    (strncmp(name, "freq_mhz", 8) == 0 && (cols & 0xffu)) ||
			    (strncmp(name, "online", 6) == 0 && (cols & 0xff00u)) ||
			    (strncmp(name, "util_other.", 11) == 0 && (cols & (0xffu << 22)));
		for (size_t i = 0; i < sizeof unappliable / sizeof unappliable[0]; i++)
			known |= strcmp(name, unappliable[i].name) == 0 && (cols & unappliable[i].bit);
		if (!known)
			return err_set(s->eb, ERR_USAGE, "--ignore %s: %s has no column '%s'", list,
				       s->o->trace, name);
		p += len + (e ? 1 : 0);
	}
	return 0;
}

/*
 * Reads the whole trace (and its hash) before anything is applied, and decides what is
 * applied: a column serve cannot make real is refused unless --ignore names it.
 */
static int read_trace(struct srv *s)
{
	const struct serve_opts *o = s->o;
	struct sha256 h;
	sha256_init(&h);
	struct trace *t = trace_open_hashed(o->trace, &h, s->eb);
	if (!t)
		return s->eb->code;
	uint32_t cols = trace_columns(t);
	int rc = check_ignore(s, cols);
	for (size_t i = 0; rc == 0 && i < sizeof unappliable / sizeof unappliable[0]; i++)
		if ((cols & unappliable[i].bit) && !listed(o->ignore, unappliable[i].name))
			rc = err_set(s->eb, ERR_USAGE,
				     "%s: column %s cannot be applied on this machine (serve applies "
				     "util_other, mem_avail_mb and freq_mhz); --ignore %s serves "
				     "without it",
				     o->trace, unappliable[i].name, unappliable[i].name);
	/* per-cluster columns: taking cores offline, or loading one cluster's cores alone */
	static const struct {
		uint32_t bit0;
		const char *prefix, *why;
	} per_cluster[] = {
		{TRACE_ONLINE0, "online", "taking cores offline needs root and changes every process"},
		{TRACE_UTIL0, "util_other",
		 "serve holds util_other as busy threads across its CPUs, not one cluster's"}};
	for (size_t k = 0; k < sizeof per_cluster / sizeof per_cluster[0]; k++)
		for (int c = 0; rc == 0 && c < TRACE_MAX_CLUSTERS; c++) {
			char name[32];
			snprintf(name, sizeof name, "%s.%d", per_cluster[k].prefix, c);
			if ((cols & (per_cluster[k].bit0 << c)) && !listed(o->ignore, name))
				rc = err_set(s->eb, ERR_USAGE,
					     "%s: column %s cannot be applied on this machine (%s); "
					     "--ignore %s serves without it",
					     o->trace, name, per_cluster[k].why, name);
		}
	while (rc == 0) {
		if (s->n_rows % 256 == 0) {
			struct trace_row *r = realloc(s->rows, (size_t)(s->n_rows + 256) * sizeof *r);
			if (!r) {
				rc = err_set(s->eb, ERR_NOMEM, "out of memory");
				break;
			}
			s->rows = r;
		}
		int k = trace_next(t, &s->rows[s->n_rows], s->eb);
		if (k <= 0) {
			rc = k;
			break;
		}
		s->n_rows++;
	}
	if (rc == 0)
		rc = trace_hash_rest(t, s->eb);
	trace_close(t);
	if (rc < 0)
		return rc;
	sha256_final_hex(&h, s->trace_sha256);
	if (s->n_rows == 0)
		return err_set(s->eb, ERR_USAGE, "%s: no rows", o->trace);
	if (s->n_rows < 2 && o->duration_s <= 0)
		return err_set(s->eb, ERR_USAGE, "%s: one row lasts no time; give --duration-s",
			       o->trace);
	s->apply_cols = cols;
	const char *why_util = !(cols & TRACE_UTIL) ? "not applied: the trace has no util_other"
			       : listed(o->ignore, "util_other") ? "not applied: ignored (--ignore)"
								   : NULL;
	const char *why_mem = !(cols & TRACE_MEM) ? "not applied: the trace has no mem_avail_mb"
			      : listed(o->ignore, "mem_avail_mb") ? "not applied: ignored (--ignore)"
								    : NULL;
	int ign_freq = listed(o->ignore, "freq_mhz");
	for (int c = 0; c < TRACE_MAX_CLUSTERS; c++) {
		char name[32];
		snprintf(name, sizeof name, "freq_mhz.%d", c);
		ign_freq |= listed(o->ignore, name);
	}
	const char *why_freq = !(cols & 0xffu) ? "not applied: the trace has no freq_mhz"
			       : ign_freq        ? "not applied: ignored (--ignore)"
						 : NULL;
	if (why_util) {
		s->apply_cols &= ~(uint32_t)TRACE_UTIL;
		snprintf(s->applied[0], sizeof s->applied[0], "%s", why_util);
	} else {
		snprintf(s->applied[0], sizeof s->applied[0],
			 "busy threads taking the row's share of CPUs %s, %s (%s), period %g ms, "
			 "in a child process",
			 o->cpus ? o->cpus : "the agent may use", agent_load_shape_name(o->load_shape),
			 o->load_shape == AGENT_LOAD_PACKED ? "whole CPUs first"
							    : "that duty cycle on every CPU",
			 o->load_period_ms);
	}
	if (why_mem) {
		s->apply_cols &= ~(uint32_t)TRACE_MEM;
		snprintf(s->applied[1], sizeof s->applied[1], "%s", why_mem);
	} else {
		snprintf(s->applied[1], sizeof s->applied[1],
			 "memory allocated and touched in a child process until MemAvailable comes "
			 "to the row's value, never below %g MB",
			 o->mem_margin_mb);
	}
	if (why_freq) {
		s->apply_cols &= ~0xffu;
		snprintf(s->applied[2], sizeof s->applied[2], "%s", why_freq);
	}
	return 0;
}

/* Whether row i has memory to apply (and comes before the run's end). */
static int mem_row(const struct srv *s, int i)
{
	return (s->apply_cols & TRACE_MEM) && (s->rows[i].set & TRACE_MEM) &&
	       (i == 0 || s->rows[i].t_ns < s->end_ns);
}

/* Brings MemAvailable to the row's value (from the row at row_t_ns, for messages). */
static int apply_mem(struct srv *s, double mem_avail_mb, int64_t row_t_ns, struct errbuf *eb)
{
	if (agent_apply_mem(s->ap, mem_avail_mb, eb) < 0)
		return err_wrap(eb, "%s: mem_avail_mb at %.3f s", s->o->trace,
				(double)row_t_ns / 1e9);
	/* a row asking for more than is free: the applier holds nothing, it cannot add memory */
	if (!s->mem_short && agent_apply_mem_short(s->ap)) {
		s->mem_short = 1;
		size_t at = strlen(s->applied[1]);
		snprintf(s->applied[1] + at, sizeof s->applied[1] - at,
			 ", except from %.3f s: a row asked for more than was free, which the "
			 "applier cannot add",
			 (double)row_t_ns / 1e9);
	}
	return 0;
}

/* Makes the given parts of a trace row real, as far as its columns are applied. */
static int apply_row(struct srv *s, const struct trace_row *r, unsigned parts,
		     struct errbuf *eb)
{
	int rc;
	if ((parts & PART_MEM) && (s->apply_cols & TRACE_MEM) && (r->set & TRACE_MEM) &&
	    (rc = apply_mem(s, r->mem_avail_mb, r->t_ns, eb)) < 0)
		return rc;
	if (!(parts & PART_LOAD))
		return 0;
	if ((s->apply_cols & TRACE_UTIL) && (r->set & TRACE_UTIL) &&
	    (rc = agent_apply_util(s->ap, r->util_other, eb)) < 0)
		return err_wrap(eb, "%s: util_other at %.3f s", s->o->trace, (double)r->t_ns / 1e9);
	for (int c = 0; c < TRACE_MAX_CLUSTERS; c++) {
		if (!(s->apply_cols & r->set & (TRACE_FREQ0 << c)))
			continue;
		char how[400];
		if ((rc = agent_apply_freq(s->ap, c, r->freq_mhz[c], how, sizeof how, eb)) < 0)
			return err_wrap(eb, "%s: freq_mhz of cluster %d at %.3f s", s->o->trace, c,
					(double)r->t_ns / 1e9);
		if (!s->applied[2][0] || strncmp(how, "not applied", 11) == 0)
			snprintf(s->applied[2], sizeof s->applied[2], "%s", how);
	}
	return 0;
}

/* A part of row i applied, lag after the row's time (the caller holds the mutex). */
static void part_done(struct srv *s, int i, unsigned part, int64_t lag)
{
	s->part_left[i] &= (unsigned char)~part;
	if (lag > s->row_lag_ns[i])
		s->row_lag_ns[i] = lag;
}

/*
 * The trace thread: applies the load and frequencies of the rows the main thread says are
 * due, in order, so that applying them holds up neither arrivals, sensing nor the policy.
 */
static void *trace_main(void *arg)
{
	struct srv *s = arg;
	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (s->tr_applied >= s->tr_due && !s->tr_quit)
			pthread_cond_wait(&s->tr_cv, &s->mu);
		if (s->tr_quit || s->tr_rc < 0)
			break;
		int i = s->tr_applied;
		pthread_mutex_unlock(&s->mu);
		struct errbuf eb = {0};
		int rc = apply_row(s, &s->rows[i], PART_LOAD, &eb);
		int64_t lag = now_ns(s) - s->rows[i].t_ns;
		pthread_mutex_lock(&s->mu);
		s->tr_applied++;
		part_done(s, i, PART_LOAD, lag);
		if (rc < 0) {
			s->tr_rc = rc;
			s->tr_eb = eb;
			pthread_cond_broadcast(&s->cv);
			break;
		}
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* ---- memory: taken ahead of its rows, by its own thread ---- */

/* Sleeps until t (run time) or until the threads are told to stop: 0, or 1 on stop. */
static int mem_wait(struct srv *s, int64_t t)
{
	for (;;) {
		pthread_mutex_lock(&s->mu);
		int quit = s->tr_quit || s->tr_rc < 0;
		pthread_mutex_unlock(&s->mu);
		if (quit)
			return 1;
		int64_t now = now_ns(s);
		if (now >= t)
			return 0;
		agent_sleep_until(s->t0 + (t - now < MAX_WAIT_NS ? t : now + MAX_WAIT_NS));
	}
}

/* Whether row k's memory (if it has any) is due by now, the run not over at its time. */
static int mem_start_due(const struct srv *s, int k, int64_t now)
{
	return s->rows[k].t_ns < s->end_ns && (!mem_row(s, k) || s->mem_start_ns[k] <= now);
}

/* MemAvailable to target, taking memory at most MEM_STEP_MB a call: 0, 1 on stop, or < 0. */
static int mem_to(struct srv *s, double target, int64_t row_t_ns, struct errbuf *eb)
{
	double total, avail;
	if (agent_meminfo(&total, &avail) < 0)
		return apply_mem(s, target, row_t_ns, eb);
	/* bounded: MemAvailable moving by itself (other processes) cannot keep it stepping */
	for (int steps = (int)((avail - target) / MEM_STEP_MB) + 16;
	     steps > 0 && agent_meminfo(&total, &avail) == 0 && avail - target > MEM_STEP_MB;
	     steps--) {
		int rc = apply_mem(s, avail - MEM_STEP_MB, row_t_ns, eb);
		if (rc < 0)
			return rc;
		if (agent_apply_mem_short(s->ap))
			return 0;
		if (mem_wait(s, 0)) /* told to stop */
			return 1;
	}
	return apply_mem(s, target, row_t_ns, eb);
}

/*
 * The memory thread: each memory row's value from its start (mem_start_ns, at or before its
 * time); when it is behind, the rows whose starts have passed are gone through at once to
 * the last of them (their lag is from their own times).
 */
static void *mem_main(void *arg)
{
	struct srv *s = arg;
	for (int i = 1; i < s->n_rows; i++) {
		if (!mem_row(s, i))
			continue;
		if (mem_wait(s, s->mem_start_ns[i]))
			break;
		int j = i;
		int64_t now = now_ns(s);
		for (int k = i + 1; k < s->n_rows && mem_start_due(s, k, now); k++)
			if (mem_row(s, k))
				j = k;
		struct errbuf eb = {0};
		int rc = mem_to(s, s->rows[j].mem_avail_mb, s->rows[j].t_ns, &eb);
		now = now_ns(s);
		pthread_mutex_lock(&s->mu);
		for (int k = i; k <= j; k++)
			if (mem_row(s, k))
				part_done(s, k, PART_MEM, now - s->rows[k].t_ns);
		if (rc < 0) {
			s->tr_rc = rc;
			s->tr_eb = eb;
			pthread_cond_broadcast(&s->cv);
		}
		pthread_mutex_unlock(&s->mu);
		if (rc != 0)
			break;
		i = j;
	}
	return NULL;
}

/*
 * Before time 0, where the trace asks for memory: takes it down to the trace's lowest
 * value once and gives it back (a machine whose pages are backed on first touch, a virtual
 * machine's, pays that once, here), then times taking as much again: the rate
 * that sets how far ahead of its time each memory row starts. Each memory row starts when
 * the rows after it still leave it the time its memory takes at that rate (less a margin),
 * and no later than its time.
 */
static int mem_prepare(struct srv *s, struct errbuf *eb)
{
	int n = s->n_rows;
	if (!(s->part_left = calloc((size_t)n, 1)) ||
	    !(s->row_lag_ns = calloc((size_t)n, sizeof *s->row_lag_ns)) ||
	    !(s->mem_start_ns = calloc((size_t)n, sizeof *s->mem_start_ns)))
		return err_set(eb, ERR_NOMEM, "out of memory");
	double lo = INFINITY, total, avail;
	for (int i = 0; i < n; i++) {
		s->part_left[i] = (unsigned char)(PART_LOAD | (mem_row(s, i) ? PART_MEM : 0));
		s->mem_start_ns[i] = s->rows[i].t_ns;
		if (mem_row(s, i) && s->rows[i].mem_avail_mb < lo)
			lo = s->rows[i].mem_avail_mb;
	}
	if (!isfinite(lo) || agent_meminfo(&total, &avail) < 0 || avail - lo < MEM_WARM_MIN_MB)
		return 0;
	int rc;
	double avail0 = avail;
	int64_t t = agent_mono_ns();
	/* a memory call ends after 20 s (aapply.c): call again while it gets closer */
	for (double held = -1; agent_apply_held_mb(s->ap) > held;) {
		held = agent_apply_held_mb(s->ap);
		if ((rc = apply_mem(s, lo, 0, eb)) < 0)
			return rc;
		if (agent_meminfo(&total, &avail) < 0 || avail - lo <= AGENT_APPLY_MEM_TOL_MB)
			break;
	}
	s->warm_s = (double)(agent_mono_ns() - t) / 1e9;
	s->warm_mb = agent_apply_held_mb(s->ap);
	if ((rc = apply_mem(s, avail0, 0, eb)) < 0 || agent_meminfo(&total, &avail) < 0)
		return rc;
	t = agent_mono_ns();
	if ((rc = apply_mem(s, avail - s->warm_mb, 0, eb)) < 0)
		return rc;
	double dt = (double)(agent_mono_ns() - t) / 1e9, got = agent_apply_held_mb(s->ap);
	if (dt > 0 && got > 0)
		s->rate_mb_s = got / dt;
	if ((rc = apply_mem(s, avail, 0, eb)) < 0)
		return rc;
	if (!(s->rate_mb_s > 0))
		return 0;
	/* backwards: a row's memory is in place before the next row's starts being taken */
	double rate = s->rate_mb_s / MEM_RATE_MARGIN;
	int64_t next = INT64_MAX;
	int last = -1;
	for (int i = 0; i < n; i++)
		if (mem_row(s, i))
			last = i;
	for (int i = last; i > 0; i--) {
		if (!mem_row(s, i))
			continue;
		double before = NAN;
		for (int k = i - 1; k >= 0 && isnan(before); k--)
			if (mem_row(s, k))
				before = s->rows[k].mem_avail_mb;
		double take_mb = isnan(before) ? 0 : fmax(0, before - s->rows[i].mem_avail_mb);
		int64_t end = s->rows[i].t_ns < next ? s->rows[i].t_ns : next;
		s->mem_start_ns[i] = end - (int64_t)llround(take_mb / rate * 1e9);
		if (s->mem_start_ns[i] < 0)
			s->mem_start_ns[i] = 0;
		next = s->mem_start_ns[i];
		if (s->rows[i].t_ns - s->mem_start_ns[i] > s->ahead_ns)
			s->ahead_ns = s->rows[i].t_ns - s->mem_start_ns[i];
	}
	return 0;
}

/* ---- the queue and the policy ---- */

static int add_request(struct srv *s, int64_t arrival_ns, int64_t deadline_ns)
{
	if (s->n_req == s->cap_req) {
		int64_t cap = s->cap_req ? 2 * s->cap_req : 1024;
		struct req *r = realloc(s->req, (size_t)cap * sizeof *r);
		if (!r)
			return err_set(s->eb, ERR_NOMEM, "out of memory");
		s->req = r;
		s->cap_req = cap;
	}
	s->req[s->n_req] = (struct req){arrival_ns, -1, -1, deadline_ns, -1, 0, OUT_UNFINISHED, 0};
	return 0;
}

/* An arrival: queued, or dropped (itself or the oldest) when the queue is full. */
static int on_arrival(struct srv *s)
{
	int rc = add_request(s, s->next_arr_ns, s->next_arr_deadline_ns);
	if (rc < 0)
		return rc;
	int64_t seq = s->n_req++;
	int cap = s->o->queue_cap;
	if (s->q_len == cap) {
		if (!s->o->drop_oldest) {
			s->req[seq].outcome = OUT_DROPPED;
			goto next;
		}
		s->req[s->queue[s->q_head]].outcome = OUT_DROPPED;
		s->q_head = (s->q_head + 1) % cap;
		s->q_len--;
	}
	s->queue[(s->q_head + s->q_len) % cap] = seq;
	s->q_len++;
next:
	/* the next arrival, as the simulator draws it */
	if (s->ws.kind == WORKLOAD_FILE) {
		int64_t t, d;
		rc = workload_file_next(s->wf, s->next_arr_ns, s->deadline_ms, &t, &d, s->eb);
		if (rc < 0)
			return rc;
		if (rc == 0)
			s->arr_done = 1;
		else
			s->next_arr_ns = t, s->next_arr_deadline_ns = d;
	} else if (s->ws.kind == WORKLOAD_POISSON) {
		s->next_arr_ns = workload_poisson_next_ns(&s->rng_arrivals, s->ws.rate_hz, s->next_arr_ns);
	} else {
		s->next_arr_ns = workload_periodic_ns(++s->n_arrivals, s->ws.rate_hz, s->next_arr_ns);
	}
	return 0;
}

static int decide(struct srv *s, int64_t now, int *var, int *threads)
{
	int64_t head = s->queue[s->q_head];
	struct adascale_state st = s->st;
	st.t_ns = now;
	struct adascale_queue qv = {
		.size = sizeof qv,
		.length = s->q_len,
		.capacity = s->o->queue_cap,
		.oldest_arrival_ns = s->req[head].arrival_ns,
		.deadline_ns = s->req[head].deadline_ns,
	};
	struct adascale_view view = {
		.size = sizeof view,
		.state = &st,
		.queue = &qv,
		.variants = s->vt.av,
		.n_variants = s->vt.n_var,
		.current_variant = s->cur_var,
		.current_threads = s->vt.cur_threads,
		.max_threads = s->vt.max_threads,
		.default_cluster = s->vt.dm->cluster,
		.current_cluster = s->cur_var >= 0 ? s->vt.dm->cluster : -1,
	};
	/* serve runs inference on the default cluster's CPUs only: it offers no other */
	view.cluster_max_threads[s->vt.dm->cluster] = s->vt.max_threads;
	struct adascale_decision d = {s->cur_var, s->vt.cur_threads, -1};
	in_call = 2;
	int rc = s->pol.desc->decide(s->pol_state, &view, &d);
	in_call = 0;
	if ((rc = vtable_check_decision(&s->vt, s->pol.name, rc, d.variant, d.threads, now, head,
					s->eb)) < 0)
		return rc;
	if (s->pol.desc->abi_version >= 2 && d.cluster != -1 && d.cluster != s->vt.dm->cluster)
		return err_set(s->eb, ERR_POLICY,
			       "policy %s: decided cluster %d, but serve runs inference on the "
			       "default cluster (%d) only (at %.3f s, request %lld)",
			       s->pol.name, d.cluster, s->vt.dm->cluster, (double)now / 1e9,
			       (long long)head);
	s->job_pred_ms = vtable_predict_ms(&s->vt, d.variant, d.threads, &st);
	*var = d.variant;
	*threads = d.threads;
	return 0;
}

/* The head of the queue to the inference thread, on the variant the policy decides. */
static int start_next(struct srv *s, int64_t now)
{
	if (s->busy || s->q_len == 0)
		return 0;
	int var = 0, threads = 1, rc;
	if ((rc = decide(s, now, &var, &threads)) < 0)
		return rc;
	s->job_req = s->queue[s->q_head];
	s->q_head = (s->q_head + 1) % s->o->queue_cap;
	s->q_len--;
	/* a variant whose weights and peak activations do not fit in free memory fails */
	double total, avail;
	int fail = agent_meminfo(&total, &avail) == 0 && avail >= 0 &&
		   s->vt.av[var].mem_bytes > avail * 1e6;
	s->cur_var = var;
	s->vt.cur_threads = threads;
	struct req *r = &s->req[s->job_req];
	r->var = var;
	r->threads = threads;
	pthread_mutex_lock(&s->mu);
	s->job = (struct job){var, threads, fail};
	s->have_job = 1;
	s->done = 0;
	s->busy = 1;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	return 0;
}

/* The inference thread is done: the request's times and outcome, and the policy told. */
static int on_done(struct srv *s)
{
	s->busy = 0;
	if (s->th_rc < 0) {
		*s->eb = s->th_eb;
		return s->th_rc;
	}
	struct req *r = &s->req[s->job_req];
	int failed = s->job.fail;
	r->start_ns = s->r_start_ns;
	r->end_ns = s->r_end_ns;
	r->switch_ms = s->r_switch_ms;
	int missed = !failed && r->end_ns - r->arrival_ns > r->deadline_ns;
	r->outcome = failed ? OUT_FAILED : missed ? OUT_LATE : OUT_OK;
	if (s->pol.desc->observe) {
		double service_ms = (double)(r->end_ns - r->start_ns) / 1e6;
		struct devmodel_state d = vtable_dm_state(&s->vt, &s->st);
		d.pass_ms = s->vt.vr[r->var].ref_us[r->threads] / 1000.0;
		struct adascale_observation obs = {
			.size = sizeof obs,
			.variant = r->var,
			.threads = r->threads,
			.failed = failed,
			.t_start_ns = r->start_ns,
			.t_end_ns = r->end_ns,
			.latency_ms = (double)(r->end_ns - r->arrival_ns) / 1e6,
			.service_ms = service_ms,
			.predicted_ms = s->job_pred_ms,
			/* not measured: the device model's power over the measured time */
			.energy_mj = failed ? 0
					    : devmodel_power_mw(&s->dm, &d, r->threads) * service_ms /
						      1000.0,
			.deadline_missed = missed,
			.cluster = s->vt.dm->cluster,
		};
		in_call = 3;
		s->pol.desc->observe(s->pol_state, &obs);
		in_call = 0;
	}
	return 0;
}

/* ---- the loop ---- */

static int wait_until(struct srv *s, int64_t t)
{
	int64_t now = now_ns(s);
	if (t > now + MAX_WAIT_NS)
		t = now + MAX_WAIT_NS;
	pthread_mutex_lock(&s->mu);
	if (!(s->busy && s->done) && t > now) {
		int64_t abs = t + s->t0;
		struct timespec ts = {.tv_sec = abs / 1000000000, .tv_nsec = abs % 1000000000};
		pthread_cond_timedwait(&s->cv, &s->mu, &ts);
	}
	pthread_mutex_unlock(&s->mu);
	return 0;
}

static int serve_loop(struct srv *s)
{
	const struct serve_opts *o = s->o;
	int64_t sense_period = llround(o->sense_ms * 1e6), next_sense = sense_period;
	int next_row = 1, rc;
	for (;;) {
		if (o->stop && *o->stop)
			return err_set(s->eb, ERR_INTERRUPTED, "interrupted by signal %d (%s)",
				       (int)*o->stop, strsignal((int)*o->stop));
		int64_t now = now_ns(s);
		int done;
		pthread_mutex_lock(&s->mu);
		done = s->busy && s->done;
		pthread_mutex_unlock(&s->mu);
		if (done && (rc = on_done(s)) < 0)
			return rc;
		int due = next_row;
		while (next_row < s->n_rows && s->rows[next_row].t_ns <= now &&
		       s->rows[next_row].t_ns < s->end_ns)
			next_row++;
		pthread_mutex_lock(&s->mu);
		if (next_row > due) {
			s->tr_due = next_row;
			pthread_cond_broadcast(&s->tr_cv);
		}
		rc = s->tr_rc;
		if (rc < 0)
			*s->eb = s->tr_eb;
		pthread_mutex_unlock(&s->mu);
		if (rc < 0)
			return rc;
		if (now >= next_sense) {
			if ((rc = sense(s, now)) < 0)
				return rc;
			next_sense += sense_period;
			if (next_sense <= now)
				next_sense = now + sense_period;
		}
		while (!s->arr_done && s->next_arr_ns <= now && s->next_arr_ns < s->end_ns)
			if ((rc = on_arrival(s)) < 0)
				return rc;
		if (now >= s->end_ns)
			return 0;
		if ((rc = start_next(s, now)) < 0)
			return rc;
		int64_t t = s->end_ns;
		if (next_row < s->n_rows && s->rows[next_row].t_ns < t)
			t = s->rows[next_row].t_ns;
		if (!s->arr_done && s->next_arr_ns < t)
			t = s->next_arr_ns;
		if (next_sense < t)
			t = next_sense;
		wait_until(s, t);
	}
}

/* ---- output ---- */

static void sha_line(FILE *f, const char *key, const char *path, const char *hex)
{
	fprintf(f, "# %s: %s sha256=%s\n", key, path, hex);
}

static int write_served(struct srv *s, const char *date, double end_ms)
{
	const struct serve_opts *o = s->o;
	struct afile *af = afile_create(o->out, s->eb);
	if (!af)
		return s->eb->code;
	FILE *f = afile_stream(af);
	struct agent_cpuset cpus;
	char cpulist[256] = "unknown", dev_hex[65] = "";
	struct errbuf e2 = {0};
	if (agent_affinity_get(&cpus, &e2) == 0)
		agent_cpuset_format(&cpus, cpulist, sizeof cpulist);
	if (sha256_file(o->device, dev_hex) < 0)
		snprintf(dev_hex, sizeof dev_hex, "%s", "unreadable");
	fprintf(f, "# served: a real run of adascale-agent serve, one row per request "
		   "(docs/formats.md#served-runs)\n");
	fprintf(f, "# agent: adascale-agent %s (%s)\n", ADASCALE_VERSION, ADASCALE_GIT_REV);
	fprintf(f, "# host: %s\n# cpu: %s\n# cpus: %s\n# date: %s\n", s->sys->host,
		s->sys->cpu_model[0] ? s->sys->cpu_model : "unknown", cpulist, date);
	fprintf(f, "# command: %s\n", o->command ? o->command : "");
	sha_line(f, "trace", o->trace, s->trace_sha256);
	sha_line(f, "device", o->device, dev_hex);
	sha_line(f, "timings", o->timings ? o->timings : "device", s->tim->sha256);
	fprintf(f, "# model: %s\n# ops: %s\n# policy: %s\n", o->model, o->ops ? o->ops : "",
		o->policy);
	fprintf(f, "# policy_sha256: %s\n", s->pol_sha256);
	fprintf(f, "# workload: %s\n# deadline_ms: %.17g\n# queue: %d\n# drop: %s\n# seed: %llu\n",
		o->workload, s->deadline_ms, o->queue_cap, o->drop_oldest ? "oldest" : "newest",
		(unsigned long long)o->seed);
	fprintf(f, "# duration_s: %.9g\n", (double)s->end_ns / 1e9);
	fprintf(f, "# applied: util_other=%s; mem_avail_mb=%s; freq_mhz=%s\n", s->applied[0],
		s->applied[1], s->applied[2]);
	if (s->apply_cols & TRACE_UTIL)
		fprintf(f, "# load_shape: %s\n", agent_load_shape_name(o->load_shape));
	int n_applied = 0, n_late = 0, worst = 0;
	for (int i = 0; i < s->n_rows; i++) {
		if (s->part_left[i])
			continue;
		n_applied++;
		n_late += s->row_lag_ns[i] > SERVE_LATE_NS;
		if (s->row_lag_ns[i] > s->row_lag_ns[worst])
			worst = i;
	}
	fprintf(f, "# trace_lag: %d of %d rows applied more than %g ms after their time; the "
		   "longest %.3f ms, the row at %.3f s\n",
		n_late, n_applied, SERVE_LATE_NS / 1e6, (double)s->row_lag_ns[worst] / 1e6,
		(double)s->rows[worst].t_ns / 1e9);
	if (s->apply_cols & TRACE_MEM) {
		fprintf(f, "# mem_apply: ");
		if (s->rate_mb_s > 0)
			fprintf(f, "before time 0, %.0f MB taken in %.3f s and given back, then "
				   "%.0f MB/s taking it again; rows started up to %.3f ms ahead of "
				   "their time at %.0f MB/s; ",
				s->warm_mb, s->warm_s, s->rate_mb_s, (double)s->ahead_ns / 1e6,
				s->rate_mb_s / MEM_RATE_MARGIN);
		else
			fprintf(f, "rows started at their time (the trace never asks for %.0f MB "
				   "below what was free at the start); ", MEM_WARM_MIN_MB);
		fprintf(f, "taking memory used %.3f s of the applier's CPU after time 0, the "
			   "busy threads giving up one CPU's share of util_other meanwhile\n",
			agent_apply_mem_cpu_s(s->ap) - s->warm_cpu_s);
	}
	fprintf(f, "# ignored: %s\n", o->ignore ? o->ignore : "");
	fprintf(f, "# sensing: /proc/stat less the agent's own CPU time (/proc/self/stat) for "
		   "util_other, /proc/meminfo MemAvailable, %s, every %g ms; online cores: the "
		   "device file's\n",
		!s->freq_readable ? "frequency not readable (the device's top operating point, "
				    "assumed)"
		: strcmp(agent_sys_freq_source(s->sys), "cpufreq") == 0
			? "frequency from cpufreq scaling_cur_freq"
			: "frequency from /proc/cpuinfo cpu MHz (no cpufreq)",
		o->sense_ms);
	fprintf(f, "# end_ms: %.3f\n", end_ms);
	fprintf(f, "seq,arrival_ms,start_ms,end_ms,variant,threads,switch_ms,outcome\n");
	for (int64_t i = 0; i < s->n_req; i++) {
		const struct req *r = &s->req[i];
		fprintf(f, "%lld,%.3f,", (long long)i, (double)r->arrival_ns / 1e6);
		fprintf(f, r->start_ns >= 0 ? "%.3f," : "-1,", (double)r->start_ns / 1e6);
		fprintf(f, r->end_ns >= 0 ? "%.3f," : "-1,", (double)r->end_ns / 1e6);
		if (r->var >= 0)
			csvin_write_field(f, s->vt.av[r->var].key);
		fprintf(f, ",%d,%.3f,%s\n", r->var >= 0 ? r->threads : 0, r->switch_ms,
			outcome_name[r->outcome]);
	}
	int rc = afile_commit(af, s->eb);
	afile_destroy(af);
	return rc;
}

static int write_sensed(struct srv *s, const char *date)
{
	struct afile *af = afile_create(s->o->sensed, s->eb);
	if (!af)
		return s->eb->code;
	FILE *f = afile_stream(af);
	int nc = s->st.n_clusters;
	fprintf(f, "# sensed: what the policy of adascale-agent serve saw\n# command: %s\n"
		   "# host: %s\n# date: %s\n",
		s->o->command ? s->o->command : "", s->sys->host, date);
	fprintf(f, "time_s,util_other,mem_avail_mb");
	for (int c = 0; s->freq_readable && c < nc; c++)
		fprintf(f, nc > 1 ? ",freq_mhz.%d" : ",freq_mhz", c);
	fprintf(f, "\n");
	for (int i = 0; i < s->n_sensed; i++) {
		const struct sensed_row *r = &s->sensed[i];
		fprintf(f, "%.3f,%.4f,%.1f", r->t_s, r->util_other, r->mem_avail_mb);
		for (int c = 0; s->freq_readable && c < nc; c++)
			fprintf(f, ",%.0f", r->freq_mhz[c]);
		fprintf(f, "\n");
	}
	int rc = afile_commit(af, s->eb);
	afile_destroy(af);
	return rc;
}

/* ---- set-up ---- */

void serve_defaults(struct serve_opts *o)
{
	memset(o, 0, sizeof *o);
	o->workload = "periodic:fps=30";
	o->policy = "greedy";
	o->deadline_ms = 100;
	o->queue_cap = 4;
	o->seed = 1;
	o->sense_ms = 100;
	o->mem_margin_mb = 256;
	o->load_period_ms = 5;
	o->backend = "auto";
	o->keep_built = SERVE_KEEP_BUILT;
}

static int setup(struct srv *s)
{
	const struct serve_opts *o = s->o;
	struct errbuf *eb = s->eb;
	int rc;
	if (!o->trace || !o->device || !o->out)
		return err_set(eb, ERR_USAGE, "serve needs --trace, --device and -o");
	if (o->queue_cap < 1 || o->queue_cap > 1000000)
		return err_set(eb, ERR_USAGE, "queue %d: must be in 1..1000000", o->queue_cap);
	if ((rc = workload_parse(o->workload, &s->ws, eb)) < 0)
		return rc;
	if (s->ws.kind == WORKLOAD_FILE && !(s->wf = workload_file_open(s->ws.path, eb)))
		return eb->code;
	if ((rc = vtable_load_inputs(o->device, o->timings, o->model, o->ops, &s->dev, &s->tim,
				     &s->model, &s->vs, eb)) < 0)
		return rc;
	devmodel_init(&s->dm, s->dev, s->tim);
	if ((rc = vtable_build(&s->vt, s->vs, s->tim, s->model, &s->dm, eb)) < 0)
		return rc;
	s->deadline_ms = o->deadline_ms;
	if (o->deadline_auto > 0) {
		double idle_ms;
		int best, at;
		if ((rc = vtable_idle_ms(&s->vt, s->dev, s->model->name, o->deadline_auto, &idle_ms,
					 &best, &at, eb)) < 0)
			return rc;
		s->deadline_ms = o->deadline_auto * idle_ms;
		if (!(s->deadline_ms > 0 && s->deadline_ms <= 1e9))
			return err_set(eb, ERR_USAGE,
				       "deadline auto:%g: %g x %g ms is not a deadline in (0, 1e9] ms",
				       o->deadline_auto, o->deadline_auto, idle_ms);
	}
	s->deadline_ns = llround(s->deadline_ms * 1e6);
	if ((rc = read_trace(s)) < 0)
		return rc;
	s->end_ns = o->duration_s > 0 ? llround(o->duration_s * 1e9) : s->rows[s->n_rows - 1].t_ns;
	if (s->end_ns <= 0)
		return err_set(eb, ERR_USAGE, "%s: the trace lasts no time; give --duration-s",
			       o->trace);

	rng_init(&s->rng_arrivals, o->seed, "arrivals");
	rng_init(&s->rng_policy, o->seed, "policy");
	if ((rc = pol_resolve(o->policy, &s->pol, eb)) < 0 ||
	    (rc = pol_sha256(s->pol.source, s->pol_sha256, eb)) < 0)
		return rc;
	if (pol_flags(s->pol.desc) & ADASCALE_POLICY_SEES_FUTURE)
		return err_set(eb, ERR_USAGE,
			       "policy %s sees the future of the trace, which a real run does not "
			       "have; serve a policy that senses",
			       s->pol.name);
	snprintf(crash_policy, sizeof crash_policy, "%s (%.1000s)", s->pol.name, s->pol.source);
	crash_status = err_exit_status(ERR_POLICY);

	if (!(s->sys = calloc(1, sizeof *s->sys)))
		return err_set(eb, ERR_NOMEM, "out of memory");
	if ((rc = agent_sys_read(s->sys, eb)) < 0)
		return rc;
	s->freq_readable = agent_sys_cluster_mhz(s->sys, 0) > 0;
	/* the state before the first sample: the device at its top, idle, memory as it is */
	vtable_state_init(&s->vt, s->dev, &s->st);
	s->cur_var = -1;
	if (!(s->queue = calloc((size_t)o->queue_cap, sizeof *s->queue)))
		return err_set(eb, ERR_NOMEM, "out of memory");
	if (!(s->cache = calloc((size_t)(o->keep_built > 0 ? o->keep_built : 1), sizeof *s->cache)))
		return err_set(eb, ERR_NOMEM, "out of memory");
	s->host = (struct adascale_host){
		.size = sizeof s->host,
		.ctx = s,
		.log = svc_log,
		.uniform = svc_uniform,
	};
	vtable_host_services(&s->host);
	char perr[512] = "";
	in_call = 1;
	int crc = s->pol.desc->create(&s->host, (const char *const *)s->pol.values, &s->pol_state,
				      perr, sizeof perr);
	in_call = 0;
	if (crc != 0) {
		perr[sizeof perr - 1] = '\0';
		return err_set(eb, ERR_USAGE, "policy %s: %s", s->pol.name,
			       perr[0] ? perr : "create failed");
	}
	/* the applier, before the inference thread and the passes exist (it forks) */
	struct agent_apply_opts ao = {o->cpus, o->load_period_ms, o->mem_margin_mb, o->load_shape};
	if ((rc = agent_apply_start(&ao, &s->ap, eb)) < 0)
		return rc;
	if ((rc = mem_prepare(s, eb)) < 0 ||
	    (rc = apply_row(s, &s->rows[0], PART_LOAD | PART_MEM, eb)) < 0)
		return rc;
	s->part_left[0] = 0;
	if (s->ws.kind == WORKLOAD_FILE) {
		int64_t t, d;
		if ((rc = workload_file_next(s->wf, 0, s->deadline_ms, &t, &d, eb)) < 0)
			return rc;
		s->arr_done = rc == 0;
		s->next_arr_ns = t;
		s->next_arr_deadline_ns = d;
	} else {
		s->next_arr_ns = 0;
		s->next_arr_deadline_ns = s->deadline_ns;
	}
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_cond_init(&s->tr_cv, NULL);
	s->tr_due = s->tr_applied = 1; /* the first row is applied */
	if (pthread_create(&s->th, NULL, inference_main, s) != 0)
		return err_set(eb, ERR_IO, "cannot start the inference thread");
	s->th_started = 1;
	if (pthread_create(&s->tr_th, NULL, trace_main, s) != 0)
		return err_set(eb, ERR_IO, "cannot start the trace thread");
	s->tr_started = 1;
	return 0;
}

int serve_run(const struct serve_opts *o, struct errbuf *eb)
{
	struct srv s;
	memset(&s, 0, sizeof s);
	s.o = o;
	s.eb = eb;
	catch_faults();
	char date[32];
	agent_iso_now(date, sizeof date);
	s.t0 = agent_mono_ns();
	int rc = setup(&s);
	if (rc == 0) {
		s.t0 = agent_mono_ns(); /* time 0: the first trace row applied */
		s.warm_cpu_s = agent_apply_mem_cpu_s(s.ap);
		if (s.apply_cols & TRACE_MEM) {
			if (pthread_create(&s.mem_th, NULL, mem_main, &s) != 0)
				rc = err_set(eb, ERR_IO, "cannot start the memory thread");
			else
				s.mem_started = 1;
		}
		if (rc == 0 && (rc = sense(&s, 0)) == 0)
			rc = serve_loop(&s);
	}
	double end_ms = (double)now_ns(&s) / 1e6; /* the run's end: what follows is cleaning up */
	/* the pass in flight finishes (passes cannot be cut short); its request is unfinished */
	if (s.th_started) {
		pthread_mutex_lock(&s.mu);
		while (s.busy && !s.done)
			pthread_cond_wait(&s.cv, &s.mu);
		s.quit = 1;
		s.tr_quit = 1;
		pthread_cond_broadcast(&s.cv);
		pthread_cond_broadcast(&s.tr_cv);
		pthread_mutex_unlock(&s.mu);
		pthread_join(s.th, NULL);
		if (s.tr_started)
			pthread_join(s.tr_th, NULL);
		if (s.mem_started)
			pthread_join(s.mem_th, NULL);
	}
	agent_apply_stop(s.ap);
	if (rc == 0 && s.busy) { /* started, not finished in the run */
		s.req[s.job_req].start_ns = s.r_start_ns;
		s.req[s.job_req].switch_ms = s.r_switch_ms;
	}
	if (rc == 0 && o->sensed)
		rc = write_sensed(&s, date);
	if (rc == 0)
		rc = write_served(&s, date, end_ms);
	if (s.pol.desc && s.pol_state && s.pol.desc->destroy) {
		in_call = 4;
		s.pol.desc->destroy(s.pol_state);
		in_call = 0;
	}
	pol_choice_free(&s.pol);
	for (int i = 0; i < s.n_cache; i++)
		agent_pass_destroy(s.cache[i].pass);
	if (s.th_started) {
		pthread_mutex_destroy(&s.mu);
		pthread_cond_destroy(&s.cv);
		pthread_cond_destroy(&s.tr_cv);
	}
	free(s.cache);
	free(s.queue);
	free(s.req);
	free(s.sensed);
	free(s.part_left);
	free(s.row_lag_ns);
	free(s.mem_start_ns);
	free(s.rows);
	free(s.sys);
	vtable_free(&s.vt);
	variant_set_destroy(s.vs);
	model_destroy(s.model);
	timings_destroy(s.tim);
	device_destroy(s.dev);
	workload_file_close(s.wf);
	return rc;
}

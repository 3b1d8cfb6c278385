/*
 * vtable.h: the variant table a policy is handed, with what the host's predictions rest on.
 * For every variant of a set that has timings: its entry (struct adascale_variant), its
 * reference work per thread count (the summed medians of its kernels, timings.h) and their
 * spread, and what switching to it involves (devmodel_switch_var). The host services a
 * policy calls (predict_ms, predict_mj, has_threads, switch_ms) answer from it at a device
 * state through the device model (devmodel.h), and the auto:F deadline is resolved from it.
 *
 * The simulator (sim/run.c) and the real serving loop (runtime/serve.c) both build their
 * table here, so that a policy is told the same in both. Not for running anything, keeping
 * the device state or the policy's lifecycle.
 */
#ifndef ADASCALE_VTABLE_H
#define ADASCALE_VTABLE_H

#include <math.h>
#include <string.h>

#include "adascale_policy.h"
#include "devmodel.h"
#include "err.h"

struct model;
struct timings;
struct variant_set;

#define VTABLE_MAX_THREADS 16

struct vtable_row {            /* a variant's reference work, us; 0: no timings at that count */
	double ref_us[VTABLE_MAX_THREADS + 1];
};

struct vtable_spread {         /* its spread, apart: only service=meas reads it */
	double p10_us[VTABLE_MAX_THREADS + 1], p90_us[VTABLE_MAX_THREADS + 1];
};

struct vtable {
	const struct devmodel *dm;     /* not owned */
	int n_var;
	struct adascale_variant *av;   /* owned (vtable_free frees it unless av_borrowed) */
	int av_borrowed;               /* 1 once the caller moved av elsewhere (guard.h) */
	struct vtable_row *vr;         /* owned, n_var */
	struct vtable_spread *vsp;     /* owned, n_var */
	int *var_index;                /* owned: index into the variant set */
	struct devmodel_switch_var *sw; /* owned: what switching to each variant involves */
	int max_threads;
	int n_skipped;                 /* variants of the set left out for lack of timings */
	char first_missing[400];       /* what the first of them lacks */
	int n_sw_measured;             /* variants with measured switch costs */
	int n_var_unstable;            /* variants with a kernel timing flagged unstable */
	int n_unstable_layers;         /* their layers on such timings, over every thread count */
	int n_pass_level;              /* variant and thread count pairs whose level is the pass
					  timed whole (timings_pass_find), not their kernels' sum */
	int n_levels;                  /* variant and thread count pairs with a level at all */
	int cur_threads;               /* the thread count of what is up now (its owner keeps it):
					  switch_ms answers for loading at this count */
	int per_pass;                  /* 1: the device's calibration is per pass, so a
					  variant's rate under load depends on its length */
	/* ms per us of reference work at the last state asked about, per thread count */
	struct devmodel_state pc;
	char pc_valid[VTABLE_MAX_THREADS + 1];
	double pc_factor[VTABLE_MAX_THREADS + 1];
};

/*
 * What a table is built from, loaded in one step as a run and serve both load it: the
 * device file, its timings (timings_path, or the device's own when NULL), the model (zoo
 * name or spec path) and its variants (ops, or the model's ladder when NULL). On failure
 * the loaded pieces are still set for the caller to destroy.
 */
int vtable_load_inputs(const char *device_path, const char *timings_path, const char *model,
		       const char *ops, struct device **dev, struct timings **tim,
		       struct model **m, struct variant_set **vs, struct errbuf *eb);

/*
 * Builds the table of the variants of vs that have timings in tim (at 1..16 threads) for
 * device model dm. ERR_NOTFOUND naming the timings when no variant has any; *t is the
 * caller's (vtable_free) either way.
 */
int vtable_build(struct vtable *t, const struct variant_set *vs, const struct timings *tim,
		 const struct model *model, const struct devmodel *dm, struct errbuf *eb);
void vtable_free(struct vtable *t);

/* What the device model needs of a policy's state: its cluster's frequency, cores, load. */
/* The load on cluster c at st: its own where the state has one, else util_other. */
static inline double vtable_util(const struct adascale_state *st, int c)
{
	return st->util_cluster[c] >= 0 ? st->util_cluster[c] : st->util_other;
}

static inline struct devmodel_state vtable_dm_state(const struct vtable *t,
						    const struct adascale_state *st)
{
	int c = t->dm->cluster;
	return (struct devmodel_state){.freq_mhz = st->freq_mhz[c],
				       .online = st->online[c],
				       .util_other = vtable_util(st, c)};
}

double vtable_factor_slow(struct vtable *t, const struct adascale_state *st, int threads);
/* A variant's predicted time at st where the table is per_pass. Out of line, uncached. */
double vtable_predict_pass_ms(const struct vtable *t, int v, int threads,
			      const struct adascale_state *st);

/* 1 when variant v has timings at threads threads. */
static inline int vtable_has_threads(const struct vtable *t, int v, int threads)
{
	return v >= 0 && v < t->n_var && threads >= 1 && threads <= t->max_threads &&
	       t->vr[v].ref_us[threads] > 0;
}

/*
 * The predicted time (ms) of variant v at threads threads at state st: its reference work
 * over the device model's rate there; INFINITY without timings. A policy asks for many
 * variants at one state, so the last state's factors are kept.
 */
static inline double vtable_predict_ms(struct vtable *t, int v, int threads,
				       const struct adascale_state *st)
{
	if (!vtable_has_threads(t, v, threads))
		return INFINITY;
	if (__builtin_expect(t->per_pass, 0))
		return vtable_predict_pass_ms(t, v, threads, st);
	int c = t->dm->cluster;
	double f = st->freq_mhz[c] != t->pc.freq_mhz || vtable_util(st, c) != t->pc.util_other ||
				   st->online[c] != t->pc.online || !t->pc_valid[threads]
			   ? vtable_factor_slow(t, st, threads)
			   : t->pc_factor[threads];
	return t->vr[v].ref_us[threads] * f;
}

/*
 * Sets the host table's predict_ms, predict_mj, has_threads, switch_ms, predict_on_ms and
 * predict_on_mj (the table's own cluster only) to services that
 * answer from the table. Their ctx (h->ctx) is the owner's struct, whose first member must
 * be its struct vtable: a pointer to a struct converted points to its first member (C11
 * 6.7.2.1), so the services find the table there and the owner keeps one ctx for all.
 */
void vtable_host_services(struct adascale_host *h);

/* Its predicted dynamic energy (mJ): the device model's power over the predicted time. */
double vtable_predict_mj(struct vtable *t, int v, int threads, const struct adascale_state *st);

/*
 * The time (ms) loading variant v takes with nothing shared (an upper bound where v shares
 * weights with the variant it would come from), at t->cur_threads.
 */
double vtable_switch_ms(const struct vtable *t, int v);

/*
 * What a decide call returned (rc) and decided, checked against the table: 0, or
 * ERR_POLICY naming the policy, what went wrong, the time t_ns and the request req.
 */
static inline int vtable_check_decision(const struct vtable *t, const char *policy, int rc,
					int variant, int threads, int64_t t_ns, int64_t req,
					struct errbuf *eb);
/* The error of a decision vtable_check_decision refuses (out of line: it is rare). */
int vtable_decision_error(const struct vtable *t, const char *policy, int rc, int variant,
			  int threads, int64_t t_ns, int64_t req, struct errbuf *eb);

/*
 * The state before anything is sensed or replayed: every core of dev online at its top
 * operating point, nothing else running, all of its memory free, no battery, temperature
 * or charger known.
 */
void vtable_state_init(const struct vtable *t, const struct device *dev,
		       struct adascale_state *st);

/*
 * auto:F: the most accurate variant's idle latency (ms), predicted as predict_ms predicts it
 * at idle: the top operating point of the inference cluster, every core online, no
 * competing load, at the thread count fastest there. *best and *at_threads say which;
 * ERR_USAGE when no variant has an accuracy (model_name in the message).
 */
int vtable_idle_ms(const struct vtable *t, const struct device *dev, const char *model_name,
		   double deadline_auto, double *idle_ms, int *best, int *at_threads,
		   struct errbuf *eb);

/* ---- inline ---- */

static inline int vtable_check_decision(const struct vtable *t, const char *policy, int rc,
					int variant, int threads, int64_t t_ns, int64_t req,
					struct errbuf *eb)
{
	if (rc == 0 && vtable_has_threads(t, variant, threads))
		return 0;
	return vtable_decision_error(t, policy, rc, variant, threads, t_ns, req, eb);
}

#endif

/* tests/data/abi1/adascale_policy.h: policies/adascale_policy.h as it was at ABI version 1,
   kept unchanged so that a test builds a plugin against it (test_policies.c). */
/*
 * adascale_policy.h: the ABI between adascale and an adaptation policy, built in or loaded
 * from a plugin (.so). Depends on the C standard library only.
 *
 * A policy sees what a phone could sense (device state, the request queue, the variant table
 * with profiled costs, its own measured latencies and energy) and returns a variant and a
 * thread count. Rules that keep old plugins working:
 *   - every struct begins (or, for the views the host passes, ends up) with its own size and
 *     fields are only ever appended, never moved or removed;
 *   - the descriptor starts with the ABI version; the host refuses another major version and
 *     checks the descriptor's size before reading a slot added later;
 *   - optional callbacks (observe, destroy) may be NULL: the host then does nothing;
 *   - decide does no I/O and reads no wall clock: everything it needs comes in its
 *     arguments or from the host services, so runs stay deterministic.
 *
 * A plugin exports one function, adascale_policy_entry (ADASCALE_POLICY_ENTRY), which
 * returns its i-th policy descriptor and NULL past the last. The built-in policies register
 * through the same kind of function.
 */
#ifndef ADASCALE_POLICY_H
#define ADASCALE_POLICY_H

#include <stddef.h>
#include <stdint.h>

#define ADASCALE_POLICY_ABI_VERSION 1
#define ADASCALE_POLICY_ENTRY "adascale_policy_entry"
#define ADASCALE_MAX_CLUSTERS 8

/* The device state as sensed at decision time. */
struct adascale_state {
	size_t size;                             /* sizeof(struct adascale_state) of the host */
	int64_t t_ns;                            /* simulated time */
	int n_clusters;
	int big_cluster;                         /* the cluster inference threads run on */
	double freq_mhz[ADASCALE_MAX_CLUSTERS];
	double max_freq_mhz[ADASCALE_MAX_CLUSTERS];
	int online[ADASCALE_MAX_CLUSTERS];       /* online cores per cluster */
	double util_other;                       /* 0..1 CPU share of other processes */
	double mem_avail_mb;
	double battery_pct;                      /* < 0 when the trace has none */
	double temp_c;                           /* < -270 when the trace has none */
	int charging;                            /* -1 when unknown */
};

/* One entry of the variant table. */
struct adascale_variant {
	size_t size;
	const char *key;        /* "mobilenet_v1:width=0.75,res=160,quant=int8" */
	int has_top1;           /* 0: no published or measured accuracy */
	double top1;            /* percent */
	double macs;
	double weight_bytes;
	double mem_bytes;       /* weights + peak activations: what must fit in free memory */
};

struct adascale_queue {
	size_t size;
	int length;             /* requests waiting, including the one about to start */
	int capacity;
	int64_t oldest_arrival_ns;
	int64_t deadline_ns;    /* relative deadline of each request */
};

/*
 * What decide sees; valid only during the call. The variant table is the same, in the same
 * order, at every call of a run, so a policy may keep what it derives from it.
 */
struct adascale_view {
	size_t size;
	const struct adascale_state *state;
	const struct adascale_queue *queue;
	const struct adascale_variant *variants;
	int n_variants;
	int current_variant;    /* -1 before the first decision */
	int current_threads;
	int max_threads;        /* thread counts 1..max_threads that have timings: see
				   host->has_threads */
};

struct adascale_decision {
	int variant;            /* index into the variant table */
	int threads;
};

/* A finished inference, for profiler feedback. */
struct adascale_observation {
	size_t size;
	int variant;
	int threads;
	int failed;             /* 1: it did not fit in memory */
	int64_t t_start_ns, t_end_ns;
	double latency_ms;      /* from arrival to completion */
	double service_ms;      /* from start to completion */
	double predicted_ms;    /* the host's prediction of service time at start */
	double energy_mj;
	int deadline_missed;
};

enum adascale_log_level { ADASCALE_LOG_DEBUG, ADASCALE_LOG_INFO, ADASCALE_LOG_WARN };

/* Services the host offers; valid from create to destroy. */
struct adascale_host {
	size_t size;
	void *ctx;  /* the host's; pass it back unchanged */
	void (*log)(void *ctx, int level, const char *msg);
	/* A uniform draw in [0, 1) from the policy's own seeded stream. */
	double (*uniform)(void *ctx);
	/*
	 * Predicted service time (ms) of a variant at a thread count in a sensed state;
	 * INFINITY where the variant has no timings at that thread count.
	 */
	double (*predict_ms)(void *ctx, int variant, int threads,
			     const struct adascale_state *state);
	/* Predicted energy (mJ) of one inference of a variant in a sensed state. */
	double (*predict_mj)(void *ctx, int variant, int threads,
			     const struct adascale_state *state);
	/* 1 when the variant has timings at that thread count. */
	int (*has_threads)(void *ctx, int variant, int threads);
	/*
	 * The exact service time (ms) of a variant started now, computed from the future of
	 * the trace. NULL unless the policy's flags include ADASCALE_POLICY_SEES_FUTURE: it is
	 * the oracle's privilege, the upper bound other policies are measured against.
	 */
	double (*exact_ms)(void *ctx, int variant, int threads);
	/*
	 * Appended. The time (ms) the host takes to load a variant when the policy switches to
	 * it (read its weights, set it up: weight_bytes / storage speed + init time), during
	 * which nothing is served; deciding the loaded variant costs nothing. NULL when the host
	 * does not offer it: a policy then estimates.
	 */
	double (*switch_ms)(void *ctx, int variant);
	/*
	 * Appended, for policies that see the future (NULL otherwise, or when the host does not
	 * offer it): the device state delay_ms from now, from the future of the trace, and in
	 * *holds_ms how long it stays so (INFINITY after the last change). Returns 0, or -1 when
	 * it cannot say. With predict_ms at each such state, a policy can time an inference
	 * started at any future moment exactly.
	 */
	int (*future_state)(void *ctx, double delay_ms, struct adascale_state *out,
			    double *holds_ms);
	/*
	 * Appended, for policies that see the future (NULL otherwise, or when the host does not
	 * offer it): the arrival of the k-th request (k >= 1) after the newest that has
	 * arrived, in ms from now, into *at_ms. Returns 0; 1 when that request would come
	 * after the run has ended; -1 when the host cannot say, which it does unless both the
	 * arrivals and the service times are determined (a simulator drawing them from its
	 * seed knows them; arrivals read from a file it does not read ahead).
	 */
	int (*future_arrival)(void *ctx, int64_t k, double *at_ms);
	/*
	 * Appended, for policies that see the future (NULL otherwise): the time until the run
	 * ends, in ms from now; an inference still running then answers nothing. INFINITY when
	 * the host cannot say.
	 */
	double (*end_ms)(void *ctx);
	/*
	 * Appended, for policies that see the future, in a run whose loop is closed (NULL
	 * otherwise: replay, a device without thermal or battery data, a host that does not
	 * offer it): the device's own physics rolled forward from now on a copy (its thermal
	 * network, governor and battery saver; the run is not touched), as if, from now on,
	 * every request arriving at rate_hz a second ran variant at threads. For each of the
	 * next n_steps polling periods (k = 0: the one in progress), caps_mhz[k] is the inference
	 * cluster's frequency cap during it and service_ms[k] (when not NULL) the predicted
	 * mean service time there (where the host draws each inference's work, its mean, not
	 * the profile's median); the cluster is busy min(1, rate_hz x service time) of the time,
	 * drawing that share of the variant's power. *step_ms gets the polling period. The other
	 * inputs (load, ambient, charger) stay as they are now. Returns n_steps, or -1 when it
	 * cannot say (no timings at that thread count, bad arguments).
	 */
	int (*closed_caps)(void *ctx, int variant, int threads, double rate_hz, double *caps_mhz,
			   double *service_ms, int n_steps, double *step_ms);
};

/* Bits of adascale_policy.flags. */
#define ADASCALE_POLICY_SEES_FUTURE 1u

/* A declared parameter: the host checks names and fills in defaults. */
struct adascale_param {
	const char *name;
	const char *default_value;
	const char *help;
};

struct adascale_policy {
	uint32_t abi_version;   /* ADASCALE_POLICY_ABI_VERSION */
	uint32_t size;          /* sizeof(struct adascale_policy) as the policy was built */
	const char *name;
	const char *description;
	const struct adascale_param *params;
	int n_params;
	/*
	 * values[i] is the value of params[i] (given or default). Returns 0, or non-zero with
	 * a message in err (the run then stops with that message).
	 */
	int (*create)(const struct adascale_host *host, const char *const *values, void **state,
		      char *err, size_t err_len);
	/* Returns 0 with *out filled; non-zero stops the run as a policy failure. */
	int (*decide)(void *state, const struct adascale_view *view,
		      struct adascale_decision *out);
	void (*observe)(void *state, const struct adascale_observation *obs); /* optional */
	void (*destroy)(void *state);                                         /* optional */
	/* An appended field: the host reads it only when size covers it. */
	uint32_t flags;         /* ADASCALE_POLICY_* bits */
};

/* The one symbol a plugin exports: the i-th policy, NULL past the last. */
typedef const struct adascale_policy *(*adascale_policy_entry_fn)(int index);

#endif

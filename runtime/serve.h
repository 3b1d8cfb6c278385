/*
 * serve.h: `adascale-agent serve`, the adaptation loop running for real. Requests arrive in
 * real time (a workload as `adascale run --workload` gives it: the same arrival times for
 * the same seed, traces/workload.h); before each, a policy (a built-in or a plugin, through
 * policies/adascale_policy.h) chooses a variant and a thread count from the state sensed
 * live from /proc and /sys and the predictions of the variant table (policies/vtable.h, as
 * the simulator makes them); the request then runs that variant's whole pass with the real
 * kernels (devices/agent/arun.h), after building its operators when the variant or thread
 * count changes. Meanwhile a device-state trace is walked in real time and its competing
 * load, free memory and frequency are made real by the applier (devices/agent/aapply.h, a
 * child process that dies with the agent).
 *
 * The served file (docs/formats.md#served-runs) is written whole at the end or not at all.
 * Not for importing served runs (the harness does) nor for the simulator (sim/).
 */
#ifndef ADASCALE_SERVE_H
#define ADASCALE_SERVE_H

#include <signal.h>
#include <stdint.h>

#include "aload.h"
#include "err.h"

#define SERVE_KEEP_BUILT 4

struct serve_opts {
	const char *trace, *device, *timings, *model, *ops, *policy, *workload;
	double deadline_ms;      /* used when deadline_auto is 0 */
	double deadline_auto;    /* > 0: auto:F, resolved as adascale run resolves it */
	int queue_cap;
	int drop_oldest;
	uint64_t seed;
	double duration_s;       /* 0: until the trace's last row */
	const char *ignore;      /* trace columns not applied (comma-separated), or NULL */
	const char *out;         /* the served file */
	const char *sensed;      /* NULL, or where what the policy saw goes */
	double sense_ms;         /* sensing period, 100 */
	const char *cpus;        /* the applier's CPUs; NULL: every CPU the agent may use */
	double mem_margin_mb;    /* MemAvailable never taken below this */
	double load_period_ms;   /* the applier's duty-cycle period */
	enum agent_load_shape load_shape; /* how the applier's busy threads take util_other */
	const char *backend;     /* kernel backend, "auto" */
	int keep_built;          /* built passes kept, SERVE_KEEP_BUILT */
	const char *command;     /* the command line, for the served file */
	/* set by a signal handler: once non-zero, serving stops with ERR_INTERRUPTED */
	const volatile sig_atomic_t *stop;
};

/* periodic:fps=30, deadline 100 ms, queue 4, drop newest, seed 1, greedy, 100 ms sensing,
 * margin 256 MB, load period 5 ms, backend auto, 4 passes kept. */
void serve_defaults(struct serve_opts *o);

/* Serves as o says; 0, or a negative code with the detail in eb (nothing written then). */
int serve_run(const struct serve_opts *o, struct errbuf *eb);

#endif

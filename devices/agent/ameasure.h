/*
 * ameasure.h: timing one prepared kernel: warm-up, then repeated runs until the running
 * median settles, with a time budget. Each run is timed alone with
 * clock_gettime(CLOCK_MONOTONIC). Not for building kernels (kb.h) nor for writing
 * results (aprofile.c).
 *
 * Stopping rule: after the warm-up, stop when at least min_runs runs are in and the running
 * median has moved less than stable_rel (relative) over the last stable_window runs; or
 * when the kernel's whole time (warm-up included) reaches max_seconds; or at max_runs.
 */
#ifndef ADASCALE_AGENT_MEASURE_H
#define ADASCALE_AGENT_MEASURE_H

#include "kb.h"
#include "err.h"

/* Called after each timed run with its time (for callers that keep more than the summary). */
typedef void (*agent_measure_hook)(void *ctx, double run_us);

struct agent_measure_opts {
	int warmup;         /* warm-up runs (at least) */
	double warmup_ms;   /* and at least this long, within half of max_seconds */
	int min_runs;
	int max_runs;
	double max_seconds; /* per kernel, warm-up included */
	double stable_rel;  /* e.g. 0.01 */
	int stable_window;  /* e.g. 10 */
	agent_measure_hook on_run; /* may be NULL */
	void *on_run_ctx;
};

/* The defaults: 5 warm-up runs and 20 ms, 10..10000 runs, 2 s, 1% over 10 runs. */
void agent_measure_defaults(struct agent_measure_opts *o);

struct agent_timing {
	double median_us, p10_us, p90_us;
	int runs;
	int stable;   /* 1: stopped by the median rule; 0: by max_seconds or max_runs */
	double wall_s; /* warm-up included */
};

/* Times b's kernel in state. Errors are the backend's (a failed run). */
int agent_measure(const struct kb_backend *b, void *state, const struct agent_measure_opts *o,
		  struct agent_timing *t, struct errbuf *eb);

/* The q-quantile (0..1) of n sorted values, interpolated between neighbours. */
double agent_quantile(const double *sorted, int n, double q);
/* Seconds on CLOCK_MONOTONIC. */
double agent_now_s(void);

#endif

/*
 * ameasure.h: timing one prepared kernel: warm-up, then repeated runs until the running
 * median settles, with a time budget. Each run is timed alone with
 * clock_gettime(CLOCK_MONOTONIC). Not for building kernels (kb_backend.h) nor for writing
 * results (aprofile.c).
 *
 * Stopping rule: after the warm-up, stop when at least min_runs runs are in and either
 *   - the runs hardly differ: the 95% distribution-free confidence interval of the median
 *     (between the order statistics of ranks (n - 1.96 sqrt(n)) / 2 and
 *     1 + (n + 1.96 sqrt(n)) / 2, the normal approximation to the binomial; W. J. Conover,
 *     Practical Nonparametric Statistics, 3rd ed., 1999, section 3.2) lies within
 *     +-stable_rel of the median, which a quiet kernel meets after min_runs runs; or
 *   - the running median has settled: at least stable_window runs, and the median moved
 *     less than stable_rel (relative) over the last stable_window runs (noisy kernels);
 * or when the kernel's whole time (warm-up included) reaches max_seconds; or at max_runs.
 */
#ifndef ADASCALE_AGENT_MEASURE_H
#define ADASCALE_AGENT_MEASURE_H

#include "kb_backend.h"
#include "err.h"

/* Called after each timed run with its time (for callers that keep more than the summary). */
typedef void (*agent_measure_hook)(void *ctx, double run_us);
/* Called before every run, warm-up included, outside the timed region (acache.h). */
typedef void (*agent_measure_prep)(void *ctx);

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
	agent_measure_prep prep;   /* may be NULL */
	void *prep_ctx;
};

/* The defaults: 3 warm-up runs and 2 ms, 5..10000 runs, 2 s, 1%, a window of 10 runs. */
void agent_measure_defaults(struct agent_measure_opts *o);

struct agent_timing {
	double median_us, p10_us, p90_us;
	int runs;
	int stable;   /* 1: stopped by the median rule; 0: by max_seconds or max_runs */
	double ci_rel; /* the confidence interval's half-width over the median at the end */
	double wall_s; /* warm-up included */
};

/* Times b's kernel in state. Errors are the backend's (a failed run). */
int agent_measure(const struct kb_backend *b, void *state, const struct agent_measure_opts *o,
		  struct agent_timing *t, struct errbuf *eb);

/*
 * The 95% confidence interval of the median of n sorted values (see the stopping rule):
 * *lo and *hi, 0-based indices into the sorted values.
 */
void agent_median_ci(int n, int *lo, int *hi);
/* The q-quantile (0..1) of n sorted values, interpolated between neighbours. */
double agent_quantile(const double *sorted, int n, double q);
/* Sorts x[0..n) ascending (qsort). */
void agent_sort(double *x, int n);
/* Seconds on CLOCK_MONOTONIC. */
double agent_now_s(void);

#endif

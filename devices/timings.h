/*
 * timings.h: kernel timings as the agent writes them (devices/<dev>/timings.csv or the
 * output of `adascale-agent profile`), loaded into a table looked up by (shape, threads).
 *
 * A variant's reference latency is its whole pass's median where an in-model profile timed
 * the pass (`# pass:` metadata), otherwise the sum of its kernels' median times at a thread
 * count: the work it represents at the profile's reference state (the frequency in the file's
 * `# freq_ref_mhz:` metadata, no competing load). Timings whose metadata says
 * `# derived_from: ...` were not measured on the device and are labelled derived. An
 * inference's work can also be drawn around the median from the p10 and p90 the file
 * gives (timings_work_us).
 * Not for measuring (devices/agent/) or for scaling work to a device state (devmodel.h).
 */
#ifndef ADASCALE_TIMINGS_H
#define ADASCALE_TIMINGS_H

#include <limits.h>

#include "err.h"
#include "kshape.h"

struct model;

struct timing {
	struct kshape k;
	int threads;
	double median_us, p10_us, p90_us;
	int unstable;            /* 1: the profile flagged the row (column `unstable`, optional;
				    0 when absent) */
	long line;               /* the row it was read from (for messages) */
};

/* A pass timed whole by an in-model profile (its `# pass:` metadata): a variant's level. */
struct timing_pass {
	char *key;               /* owned: the variant key, as `adascale variants` prints it */
	int threads;
	double median_us, p10_us, p90_us;
	long line;
};

struct timings {
	char path[PATH_MAX];
	char sha256[65];
	double freq_ref_mhz;     /* 0 when the file does not say */
	int derived;             /* 1 when derived from another device's timings */
	int n;
	struct timing *t;        /* owned, sorted by (shape, threads) */
	int n_threads;
	int threads[16];         /* the thread counts present, ascending */
	int has_unstable;        /* 1: the file has the `unstable` column */
	int n_unstable;          /* rows the profile flagged unstable */
	int n_pass;
	struct timing_pass *pass; /* owned: the passes timed whole, in file order */
};

int timings_load(const char *path, struct timings **out, struct errbuf *eb);
void timings_destroy(struct timings *t);

/*
 * The pass of variant key at threads timed whole by the profile, or NULL: a variant with
 * one takes its level (median, p10, p90) from it; the sum of its kernels is the
 * prediction for a variant without.
 */
const struct timing_pass *timings_pass_find(const struct timings *t, const char *key,
					    int threads);

/* The timing of a shape at a thread count, or NULL. */
const struct timing *timings_find(const struct timings *t, const struct kshape *k, int threads);

/*
 * Sum of median times of every layer of spec at threads, in microseconds. ERR_NOTFOUND when
 * a kernel has no timing; *missing (if not NULL) then names it.
 */
int timings_model_us(const struct timings *t, const struct model *spec, int threads,
		     double *us, struct kshape *missing);
/*
 * How many layers of spec rest at threads on rows the profile flagged unstable (after its
 * rounds of measuring them again): *n_layers. 0, or ERR_NOTFOUND as timings_model_us.
 */
int timings_model_unstable(const struct timings *t, const struct model *spec, int threads,
			   int *n_layers);
/*
 * The sums of p10 and p90 times of every layer of spec at threads (the variant's spread,
 * taking its kernels' quantiles to move together: assumed), in microseconds. 0, or
 * ERR_NOTFOUND as timings_model_us.
 */
int timings_model_spread_us(const struct timings *t, const struct model *spec, int threads,
			    double *p10_us, double *p90_us);

/*
 * An inference's work drawn from a distribution fitted to its p10, median and p90: the
 * two-piece lognormal median * exp(sigma * z) with sigma = ln(median / p10) / z90 below the
 * median (z < 0) and ln(p90 / median) / z90 above it, z90 = 1.2815515655446004 (the 0.9
 * quantile of the standard normal), which puts its 10%, 50% and 90% quantiles on the three
 * given. z is a standard normal deviate; a p10 or p90 equal to the median (or p10 = 0)
 * gives that side no spread.
 */
double timings_work_us(double p10_us, double median_us, double p90_us, double z);

#endif

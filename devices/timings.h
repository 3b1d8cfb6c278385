/*
 * timings.h: kernel timings as the agent writes them (devices/<dev>/timings.csv or the
 * output of `adascale-agent profile`), loaded into a table looked up by (shape, threads).
 *
 * A variant's reference latency is the sum of its kernels' median times at a thread count:
 * the work it represents at the profile's reference state (the frequency in the file's
 * `# freq_ref_mhz:` metadata, no competing load). Timings whose metadata says
 * `# derived_from: ...` were not measured on the device and are labelled derived.
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
	long line;               /* the row it was read from (for messages) */
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
};

int timings_load(const char *path, struct timings **out, struct errbuf *eb);
void timings_destroy(struct timings *t);

/* The timing of a shape at a thread count, or NULL. */
const struct timing *timings_find(const struct timings *t, const struct kshape *k, int threads);

/*
 * Sum of median times of every layer of spec at threads, in microseconds. ERR_NOTFOUND when
 * a kernel has no timing; *missing (if not NULL) then names it.
 */
int timings_model_us(const struct timings *t, const struct model *spec, int threads,
		     double *us, struct kshape *missing);

#endif

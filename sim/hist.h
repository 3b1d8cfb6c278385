/*
 * hist.h: a log-bucketed histogram for latency-like values, so that a run's memory does not
 * grow with its length. Buckets are 2^-10 (under 0.1%) wide, relative, from 1 ns to 10^5 s; a
 * quantile is the upper edge of the bucket holding the nearest-rank sample, so it is within
 * 0.1% above the exact value, and the same samples always give the same answer. The mean is
 * exact (a running sum). Not for values below 1 ns or negative values (clamped to 1 ns).
 */
#ifndef ADASCALE_HIST_H
#define ADASCALE_HIST_H

#include <stdint.h>

#include "err.h"

struct hist {
	uint64_t *counts;  /* owned */
	int n_buckets;
	uint64_t n;
	double sum;
	double min, max;
};

int hist_init(struct hist *h, struct errbuf *eb);
void hist_free(struct hist *h);
void hist_add(struct hist *h, double value_ns);
/* The value n times: a sample standing for n values (the others were not measured). */
void hist_add_n(struct hist *h, double value_ns, uint64_t n);
/* Nearest-rank quantile q in [0, 1] (q = 0 gives the minimum, q = 1 the maximum). */
double hist_quantile(const struct hist *h, double q);
/* The quantiles q[0..n_q-1], in ascending order, into out, in one pass over the buckets. */
void hist_quantiles(const struct hist *h, const double *q, int n_q, double *out);
double hist_mean(const struct hist *h);

#endif

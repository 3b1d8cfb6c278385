/*
 * hist.c: the log-bucketed histogram (see hist.h). A bucket is a binary exponent and the
 * top 10 bits of the mantissa of the value's IEEE 754 double, so buckets are 2^-10 (0.098%)
 * wide relative to their lower edge, and finding one takes a shift instead of a logarithm.
 */
#include "hist.h"

#include <string.h>
#include <stdlib.h>

#define MANT_BITS 10
#define MAX_NS 1e14
#define SHIFT (52 - MANT_BITS)
#define ONE_BITS 0x3ff0000000000000ull /* the bits of 1.0 */

static uint64_t bits_of(double v)
{
	uint64_t b;
	memcpy(&b, &v, sizeof b);
	return b;
}

static double value_of(uint64_t b)
{
	double v;
	memcpy(&v, &b, sizeof v);
	return v;
}

static int bucket(double v) { return (int)((bits_of(v) - ONE_BITS) >> SHIFT); }

int hist_init(struct hist *h, struct errbuf *eb)
{
	memset(h, 0, sizeof *h);
	h->n_buckets = bucket(MAX_NS) + 1;
	h->counts = calloc((size_t)h->n_buckets, sizeof *h->counts);
	if (!h->counts)
		return err_set(eb, ERR_NOMEM, "histogram: out of memory");
	return 0;
}

void hist_free(struct hist *h)
{
	free(h->counts);
	memset(h, 0, sizeof *h);
}

void hist_add_n(struct hist *h, double v, uint64_t n)
{
	if (!(v >= 1))
		v = 1;
	if (v > MAX_NS)
		v = MAX_NS;
	h->counts[bucket(v)] += n;
	if (h->n == 0 || v < h->min)
		h->min = v;
	if (h->n == 0 || v > h->max)
		h->max = v;
	h->n += n;
	h->sum += v * (double)n;
}

void hist_add(struct hist *h, double v) { hist_add_n(h, v, 1); }

/* The nearest rank of quantile q in (0, 1) among n values: ceil(q n), at least 1. */
static uint64_t rank_of(double q, uint64_t n)
{
	uint64_t rank = (uint64_t)(q * (double)n);
	if ((double)rank < q * (double)n)
		rank++;
	return rank < 1 ? 1 : rank;
}

/* The value bucket i stands for, within [min, max]. */
static double bucket_value(const struct hist *h, int i)
{
	double edge = value_of(ONE_BITS + ((uint64_t)(i + 1) << SHIFT));
	return edge < h->max ? (edge > h->min ? edge : h->min) : h->max;
}

void hist_quantiles(const struct hist *h, const double *q, int n_q, double *out)
{
	int i = 0;
	uint64_t seen = h->n_buckets > 0 ? h->counts[0] : 0;
	for (int k = 0; k < n_q; k++) {
		if (h->n == 0) {
			out[k] = 0;
			continue;
		}
		if (q[k] <= 0 || q[k] >= 1) {
			out[k] = q[k] <= 0 ? h->min : h->max;
			continue;
		}
		uint64_t rank = rank_of(q[k], h->n);
		while (seen < rank && i + 1 < h->n_buckets)
			seen += h->counts[++i];
		out[k] = seen >= rank ? bucket_value(h, i) : h->max;
	}
}

double hist_quantile(const struct hist *h, double q)
{
	double v;
	hist_quantiles(h, &q, 1, &v);
	return v;
}

double hist_mean(const struct hist *h) { return h->n ? h->sum / (double)h->n : 0; }

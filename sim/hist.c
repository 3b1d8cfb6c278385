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

double hist_quantile(const struct hist *h, double q)
{
	if (h->n == 0)
		return 0;
	if (q <= 0)
		return h->min;
	if (q >= 1)
		return h->max;
	uint64_t rank = (uint64_t)(q * (double)h->n);
	if ((double)rank < q * (double)h->n)
		rank++;
	if (rank < 1)
		rank = 1;
	uint64_t seen = 0;
	for (int i = 0; i < h->n_buckets; i++) {
		seen += h->counts[i];
		if (seen >= rank) {
			double edge = value_of(ONE_BITS + ((uint64_t)(i + 1) << SHIFT));
			return edge < h->max ? (edge > h->min ? edge : h->min) : h->max;
		}
	}
	return h->max;
}

double hist_mean(const struct hist *h) { return h->n ? h->sum / (double)h->n : 0; }

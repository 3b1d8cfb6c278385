/*
 * hist.c: the log-bucketed histogram (see hist.h). Bucket i holds values in
 * [G^i, G^(i+1)) ns with G = 1.001.
 */
#include "hist.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define GROWTH 1.001
#define MAX_NS 1e14

static double log_growth(void) { return log(GROWTH); }

int hist_init(struct hist *h, struct errbuf *eb)
{
	memset(h, 0, sizeof *h);
	h->n_buckets = (int)ceil(log(MAX_NS) / log_growth()) + 1;
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

void hist_add(struct hist *h, double v)
{
	if (!(v >= 1))
		v = 1;
	if (v > MAX_NS)
		v = MAX_NS;
	int i = (int)(log(v) / log_growth());
	if (i >= h->n_buckets)
		i = h->n_buckets - 1;
	h->counts[i]++;
	if (h->n == 0 || v < h->min)
		h->min = v;
	if (h->n == 0 || v > h->max)
		h->max = v;
	h->n++;
	h->sum += v;
}

double hist_quantile(const struct hist *h, double q)
{
	if (h->n == 0)
		return 0;
	if (q <= 0)
		return h->min;
	if (q >= 1)
		return h->max;
	uint64_t rank = (uint64_t)ceil(q * (double)h->n);
	if (rank < 1)
		rank = 1;
	uint64_t seen = 0;
	for (int i = 0; i < h->n_buckets; i++) {
		seen += h->counts[i];
		if (seen >= rank) {
			double edge = pow(GROWTH, i + 1);
			return edge < h->max ? (edge > h->min ? edge : h->min) : h->max;
		}
	}
	return h->max;
}

double hist_mean(const struct hist *h) { return h->n ? h->sum / (double)h->n : 0; }

/*
 * greedy.c: the built-in policy `greedy`: at every decision, the most accurate variant
 * predicted (by the host's profiled cost model at the sensed state) to finish within the
 * head request's remaining deadline and to fit in free memory; if none can, the fastest that
 * fits. It trusts the profile and the present: no forecast, no feedback, switching is free.
 * It runs on the host's default cluster, or, with cluster=any, on whichever offered cluster
 * each variant is predicted fastest on (cluster=N: always N).
 * Not for anything that remembers (reactive.c, adascale.c).
 */
#include "greedy.h"

#include <stdio.h>
#include <stdlib.h>

#include "num.h"
#include "polutil.h"

struct greedy_state {
	const struct adascale_host *host;
	int threads;
	int cluster;            /* an index, POL_CLUSTER_DEFAULT or POL_CLUSTER_ANY */
	double margin;
	/*
	 * The variants with an accuracy, most accurate first (equal accuracies in table order),
	 * for the table at by_top1_of: the search stops at the first accuracy level where some
	 * variant qualifies, usually the first, instead of predicting all of them.
	 */
	const struct adascale_variant *by_top1_of;
	int *by_top1, n_by_top1;
};

static const struct adascale_param greedy_params[] = {
	{"threads", "auto", "thread count, max or auto (fastest predicted per variant)"},
	{"margin", "1.0", "predicted time is multiplied by this before the deadline test"},
	{"cluster", "default",
	 "where inference runs: default (the host's), any (the cluster predicted fastest for "
	 "each variant) or a cluster index"},
};

static int greedy_create(const struct adascale_host *host, const char *const *values,
			 void **state, char *err, size_t err_len)
{
	struct greedy_state *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	s->host = host;
	if (pol_parse_threads(values[0], &s->threads, err, err_len) < 0)
		goto fail;
	if (num_double(values[1], &s->margin) < 0 || s->margin <= 0 || s->margin > 100) {
		snprintf(err, err_len, "margin: '%s' is not a number in (0, 100]", values[1]);
		goto fail;
	}
	if (pol_parse_cluster(values[2], &s->cluster, err, err_len) < 0)
		goto fail;
	*state = s;
	return 0;
fail:
	free(s);
	return -1;
}

/* Orders the view's variants with an accuracy by it; 0, or -1 (out of memory: no order). */
static int order_by_top1(struct greedy_state *s, const struct adascale_view *view)
{
	if (s->by_top1_of == view->variants && s->by_top1)
		return 0;
	free(s->by_top1);
	s->by_top1_of = NULL;
	s->n_by_top1 = 0;
	if (!(s->by_top1 = malloc((size_t)(view->n_variants ? view->n_variants : 1) *
				  sizeof *s->by_top1)))
		return -1;
	/* insertion by accuracy, after the equally accurate ones: tens of variants, once */
	for (int i = 0; i < view->n_variants; i++) {
		if (!view->variants[i].has_top1)
			continue;
		int k = s->n_by_top1++;
		for (; k > 0 && view->variants[s->by_top1[k - 1]].top1 < view->variants[i].top1; k--)
			s->by_top1[k] = s->by_top1[k - 1];
		s->by_top1[k] = i;
	}
	s->by_top1_of = view->variants;
	return 0;
}

/*
 * The most accurate variant predicted to meet the deadline and fit memory (the fastest of
 * equally accurate ones, then the first in the table), walking the variants most accurate
 * first; -1 when none qualifies.
 */
static int best_by_accuracy(struct greedy_state *s, const struct adascale_view *view,
			    double budget_ms, double mem_bytes, int *threads, int *cluster)
{
	const struct adascale_host *h = s->host;
	int best = -1;
	double best_ms = 0;
	for (int k = 0; k < s->n_by_top1; k++) {
		int i = s->by_top1[k];
		const struct adascale_variant *v = &view->variants[i];
		if (best >= 0 && v->top1 < view->variants[best].top1)
			break; /* a less accurate level: the best of the level above stands */
		if (v->mem_bytes > mem_bytes)
			continue;
		double ms;
		int c, t = pol_pick_place(h, view, i, s->threads, s->cluster, view->state, &ms, &c);
		if (ms * s->margin > budget_ms)
			continue;
		if (best < 0 || ms < best_ms) {
			best = i;
			best_ms = ms;
			*threads = t;
			*cluster = c;
		}
	}
	return best;
}

static int greedy_decide(void *state, const struct adascale_view *view,
			 struct adascale_decision *out)
{
	struct greedy_state *s = state;
	const struct adascale_host *h = s->host;
	double budget_ms = pol_budget_ms(view);
	double mem_bytes = view->state->mem_avail_mb * 1e6;
	int t, c;
	if (order_by_top1(s, view) == 0) {
		int best = best_by_accuracy(s, view, budget_ms, mem_bytes, &t, &c);
		if (best >= 0) {
			out->variant = best;
			out->threads = t;
			out->cluster = c;
			return 0;
		}
	}
	/* none qualifies (or no memory for the order): the whole table, fastest as fallback */
	int best = -1, fastest = -1, best_t = 1, fastest_t = 1;
	int best_c = POL_CLUSTER_DEFAULT, fastest_c = POL_CLUSTER_DEFAULT;
	double best_ms = 0, fastest_ms = 0;
	for (int i = 0; i < view->n_variants; i++) {
		const struct adascale_variant *v = &view->variants[i];
		if (v->mem_bytes > mem_bytes)
			continue;
		double ms;
		t = pol_pick_place(h, view, i, s->threads, s->cluster, view->state, &ms, &c);
		if (fastest < 0 || ms < fastest_ms) {
			fastest = i;
			fastest_ms = ms;
			fastest_t = t;
			fastest_c = c;
		}
		if (!v->has_top1 || ms * s->margin > budget_ms)
			continue;
		if (best < 0 || v->top1 > view->variants[best].top1 ||
		    (v->top1 == view->variants[best].top1 && ms < best_ms)) {
			best = i;
			best_ms = ms;
			best_t = t;
			best_c = c;
		}
	}
	if (best < 0 && fastest < 0) {
		/* nothing fits in memory: run the smallest and let the host count the failure */
		for (int i = 0; i < view->n_variants; i++)
			if (fastest < 0 || view->variants[i].mem_bytes < view->variants[fastest].mem_bytes)
				fastest = i;
		fastest_t = pol_pick_place(h, view, fastest, s->threads, s->cluster, view->state,
					   NULL, &fastest_c);
	}
	out->variant = best >= 0 ? best : fastest;
	out->threads = best >= 0 ? best_t : fastest_t;
	out->cluster = best >= 0 ? best_c : fastest_c;
	return 0;
}

static void greedy_destroy(void *state)
{
	struct greedy_state *s = state;
	free(s->by_top1);
	free(s);
}

const struct adascale_policy pol_greedy_policy = {
	.abi_version = ADASCALE_POLICY_ABI_VERSION,
	.size = sizeof(struct adascale_policy),
	.name = "greedy",
	.description = "most accurate variant predicted to meet the deadline and fit memory",
	.params = greedy_params,
	.n_params = 3,
	.create = greedy_create,
	.decide = greedy_decide,
	.destroy = greedy_destroy,
};

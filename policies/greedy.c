/*
 * greedy.c: the built-in policy `greedy`: at every decision, the most accurate variant
 * predicted (by the host's profiled cost model at the sensed state) to finish within the
 * head request's remaining deadline and to fit in free memory; if none can, the fastest that
 * fits. It trusts the profile and the present: no forecast, no feedback, switching is free.
 * Not for anything that remembers (reactive.c, adascale.c).
 */
#include <stdio.h>
#include <stdlib.h>

#include "builtin.h"
#include "num.h"

struct greedy_state {
	const struct adascale_host *host;
	int threads;
	double margin;
};

static const struct adascale_param greedy_params[] = {
	{"threads", "auto", "thread count, max or auto (fastest predicted per variant)"},
	{"margin", "1.0", "predicted time is multiplied by this before the deadline test"},
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
	*state = s;
	return 0;
fail:
	free(s);
	return -1;
}

static int greedy_decide(void *state, const struct adascale_view *view,
			 struct adascale_decision *out)
{
	struct greedy_state *s = state;
	const struct adascale_host *h = s->host;
	double budget_ms = pol_budget_ms(view);
	double mem_bytes = view->state->mem_avail_mb * 1e6;
	int best = -1, fastest = -1, best_t = 1, fastest_t = 1;
	double best_ms = 0, fastest_ms = 0;
	for (int i = 0; i < view->n_variants; i++) {
		const struct adascale_variant *v = &view->variants[i];
		if (v->mem_bytes > mem_bytes)
			continue;
		int t = pol_pick_threads(h, view, i, s->threads, view->state);
		double ms = h->predict_ms(h->ctx, i, t, view->state);
		if (fastest < 0 || ms < fastest_ms) {
			fastest = i;
			fastest_ms = ms;
			fastest_t = t;
		}
		if (!v->has_top1 || ms * s->margin > budget_ms)
			continue;
		if (best < 0 || v->top1 > view->variants[best].top1 ||
		    (v->top1 == view->variants[best].top1 && ms < best_ms)) {
			best = i;
			best_ms = ms;
			best_t = t;
		}
	}
	if (best < 0 && fastest < 0) {
		/* nothing fits in memory: run the smallest and let the host count the failure */
		for (int i = 0; i < view->n_variants; i++)
			if (fastest < 0 || view->variants[i].mem_bytes < view->variants[fastest].mem_bytes)
				fastest = i;
		fastest_t = pol_pick_threads(h, view, fastest, s->threads, view->state);
	}
	out->variant = best >= 0 ? best : fastest;
	out->threads = best >= 0 ? best_t : fastest_t;
	return 0;
}

static void greedy_destroy(void *state) { free(state); }

const struct adascale_policy pol_greedy_policy = {
	.abi_version = ADASCALE_POLICY_ABI_VERSION,
	.size = sizeof(struct adascale_policy),
	.name = "greedy",
	.description = "most accurate variant predicted to meet the deadline and fit memory",
	.params = greedy_params,
	.n_params = 2,
	.create = greedy_create,
	.decide = greedy_decide,
	.destroy = greedy_destroy,
};

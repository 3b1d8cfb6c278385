/*
 * builtin.c: the built-in policies, registered through pol_builtin_entry exactly as a
 * plugin registers through its entry function.
 *
 *   static  one fixed variant and thread count for the whole run
 *   greedy  at every decision, the most accurate variant predicted (by the host's profiled
 *           cost model at the sensed state) to finish within the head request's remaining
 *           deadline and to fit in free memory; if none can, the fastest that fits
 *
 * Not for the host side of policies (registry.c, sim/run.c).
 */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "adascale_policy.h"
#include "num.h"
#include "registry.h"

/* Threads: "max" (all the host offers), "auto" (fastest predicted) or a number. */
static int parse_threads(const char *v, int *out, char *err, size_t err_len)
{
	long n;
	if (strcmp(v, "max") == 0)
		*out = -1;
	else if (strcmp(v, "auto") == 0)
		*out = 0;
	else if (num_long(v, &n) == 0 && n >= 1 && n <= 1024)
		*out = (int)n;
	else {
		snprintf(err, err_len, "threads: '%s' is not max, auto or a count", v);
		return -1;
	}
	return 0;
}

/* The thread count to use for variant v: fixed, max, or the fastest predicted. */
static int pick_threads(const struct adascale_host *h, const struct adascale_view *view, int v,
			int want)
{
	if (want > 0)
		return want <= view->max_threads ? want : view->max_threads;
	if (want < 0)
		return view->max_threads;
	int best = 1;
	double best_ms = 0;
	for (int t = 1; t <= view->max_threads; t++) {
		if (!h->has_threads(h->ctx, v, t))
			continue;
		double ms = h->predict_ms(h->ctx, v, t, view->state);
		if (t == 1 || ms < best_ms) {
			best = t;
			best_ms = ms;
		}
	}
	return best;
}

/* ---- static ---- */

struct static_state {
	const struct adascale_host *host;
	char variant[256];
	int threads;
	int chosen;
};

static const struct adascale_param static_params[] = {
	{"variant", "best",
	 "variant key, table index, best (most accurate) or fastest (fewest MACs)"},
	{"threads", "max", "thread count, max or auto"},
};

static int static_create(const struct adascale_host *host, const char *const *values,
			 void **state, char *err, size_t err_len)
{
	struct static_state *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	s->host = host;
	snprintf(s->variant, sizeof s->variant, "%s", values[0]);
	if (parse_threads(values[1], &s->threads, err, err_len) < 0) {
		free(s);
		return -1;
	}
	s->chosen = -1;
	*state = s;
	return 0;
}

static int static_resolve(struct static_state *s, const struct adascale_view *view)
{
	long idx;
	if (strcmp(s->variant, "best") == 0 || strcmp(s->variant, "fastest") == 0) {
		int fastest = s->variant[0] == 'f', best = -1;
		for (int i = 0; i < view->n_variants; i++) {
			const struct adascale_variant *v = &view->variants[i];
			if (best < 0) {
				best = i;
				continue;
			}
			const struct adascale_variant *b = &view->variants[best];
			if (fastest ? v->macs < b->macs
				    : (v->has_top1 && (!b->has_top1 || v->top1 > b->top1)))
				best = i;
		}
		return best;
	}
	if (num_long(s->variant, &idx) == 0)
		return idx >= 0 && idx < view->n_variants ? (int)idx : -1;
	for (int i = 0; i < view->n_variants; i++)
		if (strcmp(view->variants[i].key, s->variant) == 0)
			return i;
	return -1;
}

static int static_decide(void *state, const struct adascale_view *view,
			 struct adascale_decision *out)
{
	struct static_state *s = state;
	if (s->chosen < 0) {
		s->chosen = static_resolve(s, view);
		if (s->chosen < 0) {
			char msg[400];
			snprintf(msg, sizeof msg, "static: no variant '%s' in the variant table",
				 s->variant);
			s->host->log(s->host->ctx, ADASCALE_LOG_WARN, msg);
			return -1;
		}
	}
	out->variant = s->chosen;
	out->threads = pick_threads(s->host, view, s->chosen, s->threads);
	return 0;
}

static void free_state(void *state) { free(state); }

static const struct adascale_policy static_policy = {
	.abi_version = ADASCALE_POLICY_ABI_VERSION,
	.size = sizeof(struct adascale_policy),
	.name = "static",
	.description = "one fixed variant for the whole run",
	.params = static_params,
	.n_params = 2,
	.create = static_create,
	.decide = static_decide,
	.destroy = free_state,
};

/* ---- greedy ---- */

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
	if (parse_threads(values[0], &s->threads, err, err_len) < 0)
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
	double waited_ms = (double)(view->state->t_ns - view->queue->oldest_arrival_ns) / 1e6;
	double budget_ms = (double)view->queue->deadline_ns / 1e6 - waited_ms;
	double mem_bytes = view->state->mem_avail_mb * 1e6;
	int best = -1, fastest = -1, best_t = 1, fastest_t = 1;
	double best_ms = 0, fastest_ms = 0;
	for (int i = 0; i < view->n_variants; i++) {
		const struct adascale_variant *v = &view->variants[i];
		if (v->mem_bytes > mem_bytes)
			continue;
		int t = pick_threads(h, view, i, s->threads);
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
		fastest_t = pick_threads(h, view, fastest, s->threads);
	}
	out->variant = best >= 0 ? best : fastest;
	out->threads = best >= 0 ? best_t : fastest_t;
	return 0;
}

static const struct adascale_policy greedy_policy = {
	.abi_version = ADASCALE_POLICY_ABI_VERSION,
	.size = sizeof(struct adascale_policy),
	.name = "greedy",
	.description = "most accurate variant predicted to meet the deadline and fit memory",
	.params = greedy_params,
	.n_params = 2,
	.create = greedy_create,
	.decide = greedy_decide,
	.destroy = free_state,
};

static const struct adascale_policy *const builtins[] = {&static_policy, &greedy_policy};

const struct adascale_policy *pol_builtin_entry(int index)
{
	if (index < 0 || index >= (int)(sizeof builtins / sizeof builtins[0]))
		return NULL;
	return builtins[index];
}

/*
 * static.c: the built-in policy `static`: one variant and thread count for the whole run
 * (the most accurate; the one with the fewest MACs, the faster at idle of equals; the most
 * accurate that meets the deadline at idle; or one named by key or table index).
 * The baseline that does not adapt. Not for choosing among variants at run time.
 */
#include "static.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "num.h"
#include "polutil.h"

struct static_state {
	const struct adascale_host *host;
	char variant[256];
	int threads;
	int cluster;            /* an index or POL_CLUSTER_DEFAULT */
	int chosen;
};

static const struct adascale_param static_params[] = {
	{"variant", "best",
	 "variant key, table index, best (most accurate), fastest (fewest MACs; of those, the "
	 "fastest predicted at idle) or fit (most accurate within the deadline at idle)"},
	{"threads", "max", "thread count, max or auto"},
	{"cluster", "default", "where inference runs: default (the host's) or a cluster index"},
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
	if (pol_parse_threads(values[1], &s->threads, err, err_len) < 0 ||
	    pol_parse_cluster(values[2], &s->cluster, err, err_len) < 0) {
		free(s);
		return -1;
	}
	if (s->cluster == POL_CLUSTER_ANY) {
		snprintf(err, err_len, "cluster: any is for adaptive policies; static takes default "
				       "or a cluster index");
		free(s);
		return -1;
	}
	s->chosen = -1;
	*state = s;
	return 0;
}

/* Variant i's predicted time at the timings' conditions at the policy's thread count. */
static double idle_ms(const struct static_state *s, const struct adascale_view *view, int i)
{
	struct adascale_state ref;
	pol_reference_state(view, &ref);
	double ms = INFINITY;
	int c;
	pol_pick_place(s->host, view, i, s->threads, s->cluster, &ref, &ms, &c);
	return ms;
}

/*
 * fit: the most accurate variant whose predicted time at the timings' conditions (no
 * competing load, top frequency: pol_reference_state) at the policy's thread count is within
 * the deadline; the fastest there when none is. The static baseline a designer would pick
 * from the profile alone.
 */
static int static_fit(const struct static_state *s, const struct adascale_view *view)
{
	struct adascale_state ref;
	pol_reference_state(view, &ref);
	double deadline_ms = (double)view->queue->deadline_ns / 1e6;
	int best = -1, fastest = -1;
	double best_ms = INFINITY, fastest_ms = INFINITY;
	for (int i = 0; i < view->n_variants; i++) {
		const struct adascale_variant *v = &view->variants[i];
		double ms = INFINITY;
		int c;
		pol_pick_place(s->host, view, i, s->threads, s->cluster, &ref, &ms, &c);
		if (!(ms < INFINITY))
			continue;
		if (ms < fastest_ms) {
			fastest_ms = ms;
			fastest = i;
		}
		if (ms <= deadline_ms && v->has_top1 &&
		    (best < 0 || v->top1 > view->variants[best].top1 ||
		     (v->top1 == view->variants[best].top1 && ms < best_ms))) {
			best = i;
			best_ms = ms;
		}
	}
	return best >= 0 ? best : fastest;
}

static int static_resolve(struct static_state *s, const struct adascale_view *view)
{
	long idx;
	if (strcmp(s->variant, "fit") == 0)
		return static_fit(s, view);
	if (strcmp(s->variant, "best") == 0 || strcmp(s->variant, "fastest") == 0) {
		int fastest = s->variant[0] == 'f', best = -1;
		for (int i = 0; i < view->n_variants; i++) {
			const struct adascale_variant *v = &view->variants[i];
			if (best < 0) {
				best = i;
				continue;
			}
			const struct adascale_variant *b = &view->variants[best];
			if (fastest ? v->macs < b->macs ||
					      (v->macs == b->macs && idle_ms(s, view, i) <
									     idle_ms(s, view, best))
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
	out->threads = pol_pick_place(s->host, view, s->chosen, s->threads, s->cluster, view->state,
				      NULL, &out->cluster);
	return 0;
}

static void static_destroy(void *state) { free(state); }

const struct adascale_policy pol_static_policy = {
	.abi_version = ADASCALE_POLICY_ABI_VERSION,
	.size = sizeof(struct adascale_policy),
	.name = "static",
	.description = "one fixed variant for the whole run",
	.params = static_params,
	.n_params = 3,
	.create = static_create,
	.decide = static_decide,
	.destroy = static_destroy,
};

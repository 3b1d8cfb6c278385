/*
 * reactive.c: the built-in policy `reactive`, the classic feedback controller. It climbs a
 * ladder: the variants with an accuracy, ordered by predicted latency at the reference state
 * (the timings' conditions), keeping only those more accurate than every faster one. It
 * starts at the top; down_after deadline misses (or memory failures) in a row move it one
 * rung down, up_after on-time answers in a row one rung up. The asymmetry is the hysteresis:
 * it leaves a rung at the first sign of trouble and returns only after a run of successes.
 * It predicts nothing about the future and reads the sensed state only to pick the thread
 * count. Not for prediction-driven choice (greedy.c, adascale.c).
 */
#include "reactive.h"

#include <stdio.h>
#include <stdlib.h>

#include "polutil.h"

struct reactive {
	const struct adascale_host *host;
	long up_after, down_after;
	int threads;
	int *ladder;   /* variant indices, fastest first */
	int n_rungs;   /* 0 until the first decision */
	int rung;
	long ok_run, miss_run;
};

static const struct adascale_param reactive_params[] = {
	{"up_after", "10", "on-time answers in a row before moving one rung up (more accurate)"},
	{"down_after", "1", "misses or failures in a row before moving one rung down (faster)"},
	{"threads", "auto", "thread count, max or auto (fastest predicted at the sensed state)"},
};

static int reactive_create(const struct adascale_host *host, const char *const *values,
			   void **state, char *err, size_t err_len)
{
	struct reactive *r = calloc(1, sizeof *r);
	if (!r) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	r->host = host;
	if (pol_parse_int("up_after", values[0], 1, 1000000, &r->up_after, err, err_len) < 0 ||
	    pol_parse_int("down_after", values[1], 1, 1000000, &r->down_after, err, err_len) < 0 ||
	    pol_parse_threads(values[2], &r->threads, err, err_len) < 0)
		goto fail;
	*state = r;
	return 0;
fail:
	free(r);
	return -1;
}

static int reactive_decide(void *state, const struct adascale_view *view,
			   struct adascale_decision *out)
{
	struct reactive *r = state;
	if (!r->ladder) {
		r->ladder = malloc((size_t)view->n_variants * sizeof *r->ladder);
		if (!r->ladder)
			return -1;
		r->n_rungs = pol_ladder(r->host, view, r->threads, r->ladder);
		if (r->n_rungs < 0)
			return -1;
		if (r->n_rungs == 0) {
			/* no variant has an accuracy: the ladder is the variant table's first entry */
			r->ladder[0] = 0;
			r->n_rungs = 1;
		}
		r->rung = r->n_rungs - 1;
	}
	out->variant = r->ladder[r->rung];
	out->threads =
	    pol_pick_threads(r->host, view, out->variant, r->threads, view->state, NULL);
	return 0;
}

static void reactive_observe(void *state, const struct adascale_observation *obs)
{
	struct reactive *r = state;
	if (obs->deadline_missed || obs->failed) {
		r->ok_run = 0;
		if (++r->miss_run >= r->down_after) {
			r->miss_run = 0;
			if (r->rung > 0)
				r->rung--;
		}
	} else {
		r->miss_run = 0;
		if (++r->ok_run >= r->up_after) {
			r->ok_run = 0;
			if (r->rung < r->n_rungs - 1)
				r->rung++;
		}
	}
}

static void reactive_destroy(void *state)
{
	struct reactive *r = state;
	free(r->ladder);
	free(r);
}

const struct adascale_policy pol_reactive_policy = {
	.abi_version = ADASCALE_POLICY_ABI_VERSION,
	.size = sizeof(struct adascale_policy),
	.name = "reactive",
	.description = "accuracy/latency ladder: down after a miss, up after a run of successes",
	.params = reactive_params,
	.n_params = 3,
	.create = reactive_create,
	.decide = reactive_decide,
	.observe = reactive_observe,
	.destroy = reactive_destroy,
};

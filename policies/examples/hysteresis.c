/*
 * hysteresis.c: an example adascale policy plugin, "greedy with hysteresis". Copy it, edit
 * it, and compare your policy with the built-ins (policies/examples/README.md has the three
 * commands). It depends on policies/adascale_policy.h and the C standard library only; it is
 * not for anything the harness needs (the same file is compiled into adascale as the built-in
 * `hysteresis`, which is how the tests check that a plugin runs exactly like a built-in).
 *
 * The policy. Before each inference it looks for the most accurate variant predicted to
 * finish within the head request's remaining deadline (prediction x margin) and to fit in
 * free memory, as the built-in `greedy` does. Then, hysteresis:
 *   - it moves down at once when the current variant is no longer predicted to make it;
 *   - it moves up only when a more accurate variant has stayed feasible for up_after
 *     decisions in a row (it moves at the next one);
 *   - a deadline miss or a memory failure (seen in observe) restarts that count.
 * So a short lull does not buy a switch (which costs loading time) that the next burst undoes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adascale_policy.h"

/*
 * The policy's private state. The host keeps it behind a void * and passes it back to every
 * callback; nothing else is shared, so one run never sees another's state.
 */
struct hyst {
	const struct adascale_host *host; /* the host's services, valid until destroy */
	double margin;
	long up_after;
	long streak; /* decisions in a row in which a more accurate variant was feasible */
};

/*
 * Declared parameters. The host checks the names on the command line
 * (--policy hysteresis.so:margin=1.5,up_after=10), fills in the defaults, lists them in
 * `adascale policies`, and passes every value to create as a string, in this order.
 */
static const struct adascale_param hyst_params[] = {
	{"margin", "1.2", "predicted time is multiplied by this before the deadline test"},
	{"up_after", "5", "decisions a more accurate variant must stay feasible before moving up"},
};

/* A number in [lo, hi], or a message in err. */
static int parse_num(const char *name, const char *s, double lo, double hi, double *out,
		     char *err, size_t err_len)
{
	char *end;
	*out = strtod(s, &end);
	if (end == s || *end != '\0' || !(*out >= lo && *out <= hi)) {
		snprintf(err, err_len, "%s: '%s' is not a number in [%g, %g]", name, s, lo, hi);
		return -1;
	}
	return 0;
}

/*
 * create: called once before the run. Parses the values and allocates the state. A non-zero
 * return stops the run with the message in err (adascale exits with status 2).
 */
static int hyst_create(const struct adascale_host *host, const char *const *values,
		       void **state, char *err, size_t err_len)
{
	double up_after;
	struct hyst *p = calloc(1, sizeof *p);
	if (!p) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	p->host = host;
	if (parse_num("margin", values[0], 1, 100, &p->margin, err, err_len) < 0 ||
	    parse_num("up_after", values[1], 0, 1e6, &up_after, err, err_len) < 0)
		goto fail;
	p->up_after = (long)up_after;
	*state = p;
	return 0;
fail:
	free(p);
	return -1;
}

/*
 * The fastest thread count for variant v at the sensed state (the host predicts the time
 * from the variant's profiled kernels at that frequency, core count and competing load).
 */
static int fastest_threads(const struct hyst *p, const struct adascale_view *view, int v,
			   double *ms)
{
	const struct adascale_host *h = p->host;
	int best = 0;
	for (int t = 1; t <= view->max_threads; t++) {
		if (!h->has_threads(h->ctx, v, t))
			continue;
		double x = h->predict_ms(h->ctx, v, t, view->state);
		if (best == 0 || x < *ms) {
			best = t;
			*ms = x;
		}
	}
	return best;
}

/*
 * decide: called before every inference, with the sensed state, the queue and the variant
 * table. It must not do I/O or read a clock: all it needs is in its arguments and the host's
 * services, which keeps runs deterministic. Returns 0 with the variant and thread count.
 */
static int hyst_decide(void *state, const struct adascale_view *view,
		       struct adascale_decision *out)
{
	struct hyst *p = state;
	const struct adascale_variant *vt = view->variants;
	/* the head request's remaining deadline: its relative deadline minus the time it waited */
	double budget_ms = (double)view->queue->deadline_ns / 1e6 -
			   (double)(view->state->t_ns - view->queue->oldest_arrival_ns) / 1e6;
	double mem_bytes = view->state->mem_avail_mb * 1e6;

	int want = -1, want_t = 1, fast = -1, fast_t = 1, cur_ok = 0, cur_t = 1;
	double want_ms = 0, fast_ms = 0;
	for (int v = 0; v < view->n_variants; v++) {
		double ms = 0;
		int t = fastest_threads(p, view, v, &ms);
		if (t == 0 || vt[v].mem_bytes > mem_bytes)
			continue; /* no timings, or it would fail for lack of memory */
		if (fast < 0 || ms < fast_ms) {
			fast = v;
			fast_t = t;
			fast_ms = ms;
		}
		if (ms * p->margin > budget_ms || !vt[v].has_top1)
			continue; /* predicted late, or no accuracy to rank it by */
		if (v == view->current_variant) {
			cur_ok = 1;
			cur_t = t;
		}
		if (want < 0 || vt[v].top1 > vt[want].top1 ||
		    (vt[v].top1 == vt[want].top1 && ms < want_ms)) {
			want = v;
			want_t = t;
			want_ms = ms;
		}
	}

	if (want < 0) {
		/* nothing is predicted to make it: the fastest that fits, to catch up */
		p->streak = 0;
		if (fast < 0) {
			/* nothing fits: the smallest, and the host counts the failure */
			fast = 0;
			for (int v = 1; v < view->n_variants; v++)
				if (vt[v].mem_bytes < vt[fast].mem_bytes)
					fast = v;
			double ms = 0;
			fast_t = fastest_threads(p, view, fast, &ms);
			if (fast_t == 0)
				fast_t = 1;
		}
		out->variant = fast;
		out->threads = fast_t;
		return 0;
	}
	if (cur_ok && want != view->current_variant) {
		/* the current variant still makes it: move up only after a run of chances */
		int better = !vt[view->current_variant].has_top1 ||
			     vt[want].top1 > vt[view->current_variant].top1;
		if (better && ++p->streak > p->up_after) {
			p->streak = 0;
			out->variant = want;
			out->threads = want_t;
			return 0;
		}
		if (!better)
			p->streak = 0;
		out->variant = view->current_variant;
		out->threads = cur_t;
		return 0;
	}
	/* the current variant is the best that makes it, or it no longer makes it: move now */
	p->streak = 0;
	out->variant = want;
	out->threads = want_t;
	return 0;
}

/*
 * observe (optional, may be NULL): a finished inference with its measured latency and
 * energy, and the host's prediction of it. Here: a miss restarts the count to move up.
 */
static void hyst_observe(void *state, const struct adascale_observation *obs)
{
	struct hyst *p = state;
	if (obs->deadline_missed || obs->failed)
		p->streak = 0;
}

/* destroy (optional): called once after the run, also when it failed. */
static void hyst_destroy(void *state) { free(state); }

/*
 * The descriptor. It starts with the ABI version and its own size, so that the host can
 * refuse a plugin built against another version and knows which appended fields it has.
 */
static const struct adascale_policy hyst_policy = {
	.abi_version = ADASCALE_POLICY_ABI_VERSION,
	.size = sizeof(struct adascale_policy),
	.name = "hysteresis",
	.description = "greedy with hysteresis: down at once, up after a run of chances",
	.params = hyst_params,
	.n_params = sizeof hyst_params / sizeof hyst_params[0],
	.create = hyst_create,
	.decide = hyst_decide,
	.observe = hyst_observe,
	.destroy = hyst_destroy,
	.flags = 0, /* ADASCALE_POLICY_SEES_FUTURE is for the oracle */
};

/*
 * The one symbol the host looks up (ADASCALE_POLICY_ENTRY): the index-th policy of this
 * plugin, NULL past the last. A plugin may offer several; --policy file.so:NAME picks one.
 */
const struct adascale_policy *adascale_policy_entry(int index);

const struct adascale_policy *adascale_policy_entry(int index)
{
	return index == 0 ? &hyst_policy : NULL;
}

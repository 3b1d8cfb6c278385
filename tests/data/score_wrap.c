/*
 * score_wrap.c: a test plugin, compiled by tests/test_policies.c at test time. It runs a
 * built-in policy unchanged and sits between it and the host:
 *
 *   --policy score_wrap.so:inner=NAME;k=v;k=v[,profile=F][,sense_ms=D]
 *
 *   - it tallies, from the observations, the top-1 accuracy of the answers given on time (the
 *     combined objective of the policy tests, which the runs table does not hold), counts
 *     decisions and the predictions the policy asks for, and keeps what the policy logs (the
 *     first message, and the warnings) for the test instead of printing it;
 *   - profile=F multiplies every prediction the policy sees (predict_ms, predict_mj and the
 *     prediction in each observation) by F: a profile measured on a device 1/F times as fast;
 *   - sense_ms=D shows the policy, at each decision, the device state sensed at the latest
 *     earlier decision at least D ms ago (its clock stays the present): late sensing.
 * With profile=1 and sense_ms=0 the run is the built-in's own, bit for bit. It reaches the
 * built-ins (pol_resolve) and the tally (tpol_tally) through symbols the test binary exports
 * (it is linked with -rdynamic). It declares ADASCALE_POLICY_SEES_FUTURE so that the oracle
 * can be wrapped, and hides the look-ahead from every other policy.
 * Not a plugin for adascale itself.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adascale_policy.h"
#include "registry.h"
#include "score_wrap.h"

#define HISTORY 256

struct wrap {
	struct pol_choice c;
	void *inner;
	const struct adascale_host *real;
	struct adascale_host host;   /* what the inner policy sees */
	char spec[512];
	double profile, sense_ms;
	double *top1;
	int n_var;
	struct tpol_score score;
	struct adascale_state hist[HISTORY];
	int n_hist, head;
	struct adascale_state late;
};

/* 1 when the host's table has the (appended) service f and offers it */
#define HOST_HAS(h, f) \
	((h)->size >= offsetof(struct adascale_host, f) + sizeof(h)->f && (h)->f != NULL)

static const struct adascale_param wrap_params[] = {
	{"inner", "greedy", "the built-in to run, NAME;k=v;k=v"},
	{"profile", "1", "factor on every prediction the policy sees"},
	{"sense_ms", "0", "the policy senses the state this late"},
};

static void w_log(void *ctx, int level, const char *msg)
{
	struct wrap *w = ctx;
	if (!w->score.log[0])
		snprintf(w->score.log, sizeof w->score.log, "%s", msg);
	if (level >= ADASCALE_LOG_WARN) {
		w->score.warnings++;
		snprintf(w->score.warn, sizeof w->score.warn, "%s", msg);
	}
}

static double w_uniform(void *ctx)
{
	struct wrap *w = ctx;
	return w->real->uniform(w->real->ctx);
}

static double w_predict_ms(void *ctx, int v, int t, const struct adascale_state *st)
{
	struct wrap *w = ctx;
	w->score.predictions++;
	return w->profile * w->real->predict_ms(w->real->ctx, v, t, st);
}

static double w_predict_mj(void *ctx, int v, int t, const struct adascale_state *st)
{
	struct wrap *w = ctx;
	return w->profile * w->real->predict_mj(w->real->ctx, v, t, st);
}

static int w_has_threads(void *ctx, int v, int t)
{
	struct wrap *w = ctx;
	return w->real->has_threads(w->real->ctx, v, t);
}

static double w_exact_ms(void *ctx, int v, int t)
{
	struct wrap *w = ctx;
	return w->real->exact_ms(w->real->ctx, v, t);
}

static double w_switch_ms(void *ctx, int v)
{
	struct wrap *w = ctx;
	return w->real->switch_ms(w->real->ctx, v);
}

static int w_future_arrival(void *ctx, int64_t k, double *at_ms)
{
	struct wrap *w = ctx;
	return w->real->future_arrival(w->real->ctx, k, at_ms);
}

static double w_end_ms(void *ctx)
{
	struct wrap *w = ctx;
	return w->real->end_ms(w->real->ctx);
}

static int w_future_state(void *ctx, double delay_ms, struct adascale_state *out, double *holds)
{
	struct wrap *w = ctx;
	return w->real->future_state(w->real->ctx, delay_ms, out, holds);
}

static int parse(const char *name, const char *s, double lo, double hi, double *out, char *err,
		 size_t err_len)
{
	char *end;
	*out = strtod(s, &end);
	if (end == s || *end || !(*out >= lo && *out <= hi)) {
		snprintf(err, err_len, "%s: '%s' is not in [%g, %g]", name, s, lo, hi);
		return -1;
	}
	return 0;
}

static int wrap_create(const struct adascale_host *host, const char *const *values,
		       void **state, char *err, size_t err_len)
{
	struct wrap *w = calloc(1, sizeof *w);
	if (!w) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	if (parse("profile", values[1], 1e-3, 1e3, &w->profile, err, err_len) < 0 ||
	    parse("sense_ms", values[2], 0, 1e6, &w->sense_ms, err, err_len) < 0) {
		free(w);
		return -1;
	}
	/* NAME;k=v;k=v -> NAME:k=v,k=v */
	snprintf(w->spec, sizeof w->spec, "%s", values[0]);
	char *semi = strchr(w->spec, ';');
	if (semi) {
		*semi = ':';
		for (char *p = semi + 1; *p; p++)
			if (*p == ';')
				*p = ',';
	}
	struct errbuf eb = {0};
	if (pol_resolve(w->spec, &w->c, &eb) < 0) {
		snprintf(err, err_len, "%s", eb.msg);
		free(w);
		return -1;
	}
	int sees = (pol_flags(w->c.desc) & ADASCALE_POLICY_SEES_FUTURE) != 0;
	w->real = host;
	w->score.host_future = HOST_HAS(host, future_state);
	w->host = (struct adascale_host){
		.size = sizeof w->host,
		.ctx = w,
		.log = w_log,
		.uniform = w_uniform,
		.predict_ms = w_predict_ms,
		.predict_mj = w_predict_mj,
		.has_threads = w_has_threads,
		.exact_ms = sees && HOST_HAS(host, exact_ms) ? w_exact_ms : NULL,
		.switch_ms = HOST_HAS(host, switch_ms) ? w_switch_ms : NULL,
		.future_state = sees && HOST_HAS(host, future_state) ? w_future_state : NULL,
		.future_arrival = sees && HOST_HAS(host, future_arrival) ? w_future_arrival : NULL,
		.end_ms = sees && HOST_HAS(host, end_ms) ? w_end_ms : NULL,
	};
	if (w->c.desc->create(&w->host, (const char *const *)w->c.values, &w->inner, err,
			      err_len) != 0) {
		pol_choice_free(&w->c);
		free(w);
		return -1;
	}
	*state = w;
	return 0;
}

/* The state as sensed sense_ms ago: the latest decision's state at least that old. */
static const struct adascale_state *sensed(struct wrap *w, const struct adascale_state *now)
{
	w->head = (w->head + 1) % HISTORY;
	w->hist[w->head] = *now;
	if (w->n_hist < HISTORY)
		w->n_hist++;
	if (w->sense_ms <= 0)
		return now;
	const struct adascale_state *pick = &w->hist[w->head];
	for (int i = 0; i < w->n_hist; i++) {
		const struct adascale_state *s = &w->hist[(w->head - i + HISTORY) % HISTORY];
		pick = s; /* the oldest kept, if none is old enough */
		if ((double)(now->t_ns - s->t_ns) / 1e6 >= w->sense_ms)
			break;
	}
	w->late = *pick;
	w->late.t_ns = now->t_ns;
	return &w->late;
}

static int wrap_decide(void *state, const struct adascale_view *view,
		       struct adascale_decision *out)
{
	struct wrap *w = state;
	if (!w->top1) {
		w->n_var = view->n_variants;
		w->top1 = calloc((size_t)w->n_var, sizeof *w->top1);
		if (!w->top1)
			return -1;
		for (int i = 0; i < w->n_var; i++)
			w->top1[i] = view->variants[i].has_top1 ? view->variants[i].top1 : 0;
	}
	w->score.decisions++;
	struct adascale_view v = *view;
	v.state = sensed(w, view->state);
	return w->c.desc->decide(w->inner, &v, out);
}

static void wrap_observe(void *state, const struct adascale_observation *obs)
{
	struct wrap *w = state;
	w->score.observed++;
	if (!obs->failed && !obs->deadline_missed && obs->variant >= 0 && obs->variant < w->n_var) {
		w->score.ontime_top1 += w->top1[obs->variant];
		w->score.ontime++;
	}
	if (w->c.desc->observe) {
		struct adascale_observation o = *obs;
		o.predicted_ms *= w->profile;
		w->c.desc->observe(w->inner, &o);
	}
}

static void wrap_destroy(void *state)
{
	struct wrap *w = state;
	tpol_tally(&w->score);
	if (w->c.desc->destroy)
		w->c.desc->destroy(w->inner);
	pol_choice_free(&w->c);
	free(w->top1);
	free(w);
}

static const struct adascale_policy wrap_policy = {
	.abi_version = ADASCALE_POLICY_ABI_VERSION,
	.size = sizeof(struct adascale_policy),
	.name = "score",
	.description = "a built-in, unchanged, tallied (tests only)",
	.params = wrap_params,
	.n_params = 3,
	.create = wrap_create,
	.decide = wrap_decide,
	.observe = wrap_observe,
	.destroy = wrap_destroy,
	.flags = ADASCALE_POLICY_SEES_FUTURE,
};

const struct adascale_policy *adascale_policy_entry(int index);

const struct adascale_policy *adascale_policy_entry(int index)
{
	return index == 0 ? &wrap_policy : NULL;
}

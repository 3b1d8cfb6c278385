/*
 * spin_policy.c: a policy whose decide busy-waits `us` microseconds on the monotonic clock
 * (on its first `first` calls only, when first > 0) before choosing variant 0 on one
 * thread, so the host's measurement of decide time can be checked against a known cost
 * (tests/test_policies.c).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <time.h>

#include "adascale_policy.h"

struct spin {
	double us;
	long first, calls;
};

static double mono_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static const struct adascale_param params[] = {
	{"us", "200", "microseconds to spin per decision"},
	{"first", "0", "spin on this many first decisions only (0: on all)"},
};

static int create(const struct adascale_host *h, const char *const *v, void **state, char *err,
		  size_t err_len)
{
	(void)h;
	(void)err;
	(void)err_len;
	struct spin *s = calloc(1, sizeof *s);
	if (!s)
		return 1;
	s->us = atof(v[0]);
	s->first = atol(v[1]);
	*state = s;
	return 0;
}

static int decide(void *state, const struct adascale_view *v, struct adascale_decision *d)
{
	(void)v;
	struct spin *s = state;
	if (s->first == 0 || s->calls++ < s->first) {
		double until = mono_us() + s->us;
		while (mono_us() < until) {
		}
	}
	d->variant = 0;
	d->threads = 1;
	return 0;
}

static void destroy(void *state) { free(state); }

static const struct adascale_policy spin = {ADASCALE_POLICY_ABI_VERSION,
					    sizeof(struct adascale_policy),
					    "spin",
					    "busy-waits per decision",
					    params,
					    2,
					    create,
					    decide,
					    NULL,
					    destroy,
					    0};

const struct adascale_policy *adascale_policy_entry(int i);
const struct adascale_policy *adascale_policy_entry(int i) { return i == 0 ? &spin : NULL; }

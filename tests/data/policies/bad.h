/*
 * bad.h: what the misbehaving test policies of this folder share: a create that reads the
 * simulated time to misbehave at (after_s, default 1 s) and a macro for the descriptor.
 * They are built by tests/test_contain.c, which checks that each misbehaviour is contained.
 * Not an example to copy: policies/examples/ has those.
 */
#ifndef ADASCALE_TEST_BAD_H
#define ADASCALE_TEST_BAD_H

#include <stdint.h>
#include <stdlib.h>

#include "adascale_policy.h"

static const struct adascale_param bad_params[] = {
	{"after_s", "1", "simulated seconds of good behaviour before misbehaving"},
};

static int bad_create(const struct adascale_host *h, const char *const *v, void **state,
		      char *err, size_t err_len)
{
	(void)h;
	(void)err;
	(void)err_len;
	int64_t *after_ns = malloc(sizeof *after_ns);
	if (!after_ns)
		return 1;
	*after_ns = (int64_t)(atof(v[0]) * 1e9);
	*state = after_ns;
	return 0;
}

static void bad_destroy(void *state) { free(state); }

/* 1 once the simulated time has reached after_s. */
static int bad_now(const void *state, const struct adascale_view *v)
{
	return v->state->t_ns >= *(const int64_t *)state;
}

#define BAD_POLICY(name, desc, create, decide)                                                \
	{ADASCALE_POLICY_ABI_VERSION, sizeof(struct adascale_policy), name, desc, bad_params, 1, \
	 create, decide, NULL, bad_destroy, 0}

#endif

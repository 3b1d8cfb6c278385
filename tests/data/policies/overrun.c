/*
 * overrun.c: policies that write where they must not after after_s (tests): past the
 * decision, into the (read-only) variant table, past the end of the variant table, past the
 * device state, and, in create, past the error buffer.
 */
#include <string.h>

#include "bad.h"

static int decision(void *s, const struct adascale_view *v, struct adascale_decision *d)
{
	d->variant = 0;
	d->threads = 1;
	if (bad_now(s, v))
		memset(d, 0, sizeof *d + 64);
	return 0;
}

static int table(void *s, const struct adascale_view *v, struct adascale_decision *d)
{
	if (bad_now(s, v))
		((struct adascale_variant *)(uintptr_t)v->variants)[0].top1 = 100;
	d->variant = 0;
	d->threads = 1;
	return 0;
}

static int table_end(void *s, const struct adascale_view *v, struct adascale_decision *d)
{
	if (bad_now(s, v)) {
		/* one entry too many */
		struct adascale_variant last = v->variants[v->n_variants - 1];
		((struct adascale_variant *)(uintptr_t)v->variants)[v->n_variants] = last;
	}
	d->variant = 0;
	d->threads = 1;
	return 0;
}

static int state(void *s, const struct adascale_view *v, struct adascale_decision *d)
{
	if (bad_now(s, v))
		memset((char *)(uintptr_t)v->state + sizeof *v->state, 0, 64);
	d->variant = 0;
	d->threads = 1;
	return 0;
}

static int create_err(const struct adascale_host *h, const char *const *v, void **state,
		      char *err, size_t err_len)
{
	(void)h;
	(void)v;
	*state = NULL;
	memset(err, 'x', err_len + 100);
	return 1;
}

static const struct adascale_policy ps[] = {
	BAD_POLICY("decision", "writes past the decision", bad_create, decision),
	BAD_POLICY("table", "writes into the variant table", bad_create, table),
	BAD_POLICY("table_end", "writes past the variant table", bad_create, table_end),
	BAD_POLICY("state", "writes past the device state", bad_create, state),
	BAD_POLICY("create_err", "writes past create's error buffer", create_err, decision),
};

const struct adascale_policy *adascale_policy_entry(int i);
const struct adascale_policy *adascale_policy_entry(int i)
{
	return i >= 0 && i < 5 ? &ps[i] : NULL;
}

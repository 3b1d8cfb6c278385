/*
 * variant.c: policies that decide what the table does not have after after_s (tests):
 * a variant past the end, a negative one, a thread count without timings.
 */
#include "bad.h"

static int past_end(void *s, const struct adascale_view *v, struct adascale_decision *d)
{
	d->variant = bad_now(s, v) ? v->n_variants + 25 : 0;
	d->threads = 1;
	return 0;
}

static int negative(void *s, const struct adascale_view *v, struct adascale_decision *d)
{
	d->variant = bad_now(s, v) ? -1 : 0;
	d->threads = 1;
	return 0;
}

static int threads(void *s, const struct adascale_view *v, struct adascale_decision *d)
{
	d->variant = 0;
	d->threads = bad_now(s, v) ? 99 : 1;
	return 0;
}

static const struct adascale_policy ps[] = {
	BAD_POLICY("past_end", "a variant past the table's end", bad_create, past_end),
	BAD_POLICY("negative", "variant -1", bad_create, negative),
	BAD_POLICY("threads", "99 threads", bad_create, threads),
};

const struct adascale_policy *adascale_policy_entry(int i);
const struct adascale_policy *adascale_policy_entry(int i)
{
	return i >= 0 && i < 3 ? &ps[i] : NULL;
}

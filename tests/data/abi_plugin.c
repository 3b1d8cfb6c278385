/*
 * abi_plugin.c: a test plugin that tests/test_policies.c builds at test time, three ways:
 * as is (a valid plugin whose policy `fixed` always runs the first variant on one thread),
 * with -DTEST_ABI_VERSION=N (as if built against an adascale_policy.h of ABI version N), and
 * with -DTEST_NO_ENTRY (it exports its entry function under another name). The host must
 * load the first and refuse the other two with an exact message. Not a plugin to use.
 */
#include <stddef.h>

#include "adascale_policy.h"

#ifndef TEST_ABI_VERSION
#define TEST_ABI_VERSION ADASCALE_POLICY_ABI_VERSION
#endif

static int fixed_create(const struct adascale_host *host, const char *const *values,
			void **state, char *err, size_t err_len)
{
	(void)host;
	(void)values;
	(void)err;
	(void)err_len;
	*state = NULL;
	return 0;
}

static int fixed_decide(void *state, const struct adascale_view *view,
			struct adascale_decision *out)
{
	(void)state;
	(void)view;
	out->variant = 0;
	out->threads = 1;
	return 0;
}

static const struct adascale_policy fixed_policy = {
	.abi_version = TEST_ABI_VERSION,
	.size = sizeof(struct adascale_policy),
	.name = "fixed",
	.description = "the first variant on one thread (a test plugin)",
	.create = fixed_create,
	.decide = fixed_decide,
};

#ifdef TEST_NO_ENTRY
const struct adascale_policy *policy_entry_misspelt(int index);

const struct adascale_policy *policy_entry_misspelt(int index)
#else
const struct adascale_policy *adascale_policy_entry(int index);

const struct adascale_policy *adascale_policy_entry(int index)
#endif
{
	return index == 0 ? &fixed_policy : NULL;
}

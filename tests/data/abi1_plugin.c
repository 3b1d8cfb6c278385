/*
 * abi1_plugin.c: a plugin built against the ABI before clusters (tests/data/abi1/, the
 * header as it was at version 1), as a plugin compiled a year ago would be. Its policy
 * `pinned` runs one variant at one thread count (parameters variant and threads, table
 * index and count), writing the decision as version 1 knew it: two ints. tests/test_clusters.c
 * builds it at test time and runs it where the device offers two clusters: the host must run
 * it on the default one, as the built-in static does. Not a plugin to use.
 */
#include <stdlib.h>

#include "abi1/adascale_policy.h"

struct pinned {
	int variant, threads;
};

static const struct adascale_param pinned_params[] = {
	{"variant", "0", "table index"},
	{"threads", "1", "thread count"},
};

static int pinned_create(const struct adascale_host *host, const char *const *values,
			 void **state, char *err, size_t err_len)
{
	(void)host;
	(void)err;
	(void)err_len;
	struct pinned *p = malloc(sizeof *p);
	if (!p)
		return -1;
	p->variant = atoi(values[0]);
	p->threads = atoi(values[1]);
	*state = p;
	return 0;
}

static int pinned_decide(void *state, const struct adascale_view *view,
			 struct adascale_decision *out)
{
	const struct pinned *p = state;
	int t = p->threads < view->max_threads ? p->threads : view->max_threads;
	*out = (struct adascale_decision){p->variant, t};
	return 0;
}

static void pinned_destroy(void *state) { free(state); }

static const struct adascale_policy pinned_policy = {
	.abi_version = ADASCALE_POLICY_ABI_VERSION, /* 1: this header's */
	.size = sizeof(struct adascale_policy),
	.name = "pinned",
	.description = "one variant at one thread count (a test plugin of ABI version 1)",
	.params = pinned_params,
	.n_params = 2,
	.create = pinned_create,
	.decide = pinned_decide,
	.destroy = pinned_destroy,
};

const struct adascale_policy *adascale_policy_entry(int index);

const struct adascale_policy *adascale_policy_entry(int index)
{
	return index == 0 ? &pinned_policy : NULL;
}

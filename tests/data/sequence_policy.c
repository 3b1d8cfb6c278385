/*
 * sequence_policy.c: a policy that plays a fixed sequence of choices, one per decision: its
 * parameter `seq` is a string of digits, the variant index of each decision in turn (on one
 * thread; past the end, variant 0). tests/test_oracle.c runs every sequence to find the best
 * a policy could do, by brute force.
 */
#include <stdlib.h>
#include <string.h>

#include "adascale_policy.h"

struct seq {
	char digits[64];
	size_t next;
};

static const struct adascale_param params[] = {
	{"seq", "0", "the variant index of each decision, one digit each"},
};

static int create(const struct adascale_host *h, const char *const *v, void **state, char *err,
		  size_t err_len)
{
	(void)h;
	(void)err;
	(void)err_len;
	struct seq *s = calloc(1, sizeof *s);
	if (!s || strlen(v[0]) >= sizeof s->digits) {
		free(s);
		return 1;
	}
	strcpy(s->digits, v[0]);
	*state = s;
	return 0;
}

static int decide(void *state, const struct adascale_view *v, struct adascale_decision *d)
{
	struct seq *s = state;
	int k = s->next < strlen(s->digits) ? s->digits[s->next] - '0' : 0;
	s->next++;
	d->variant = k >= 0 && k < v->n_variants ? k : 0;
	d->threads = 1;
	return 0;
}

static void destroy(void *state) { free(state); }

static const struct adascale_policy sequence = {ADASCALE_POLICY_ABI_VERSION,
						sizeof(struct adascale_policy),
						"sequence",
						"plays a given sequence of variants",
						params,
						1,
						create,
						decide,
						NULL,
						destroy,
						0};

const struct adascale_policy *adascale_policy_entry(int i);
const struct adascale_policy *adascale_policy_entry(int i) { return i == 0 ? &sequence : NULL; }

/* segv.c: a policy that dereferences a bad pointer in decide after after_s (tests). */
#include "bad.h"

static int decide(void *s, const struct adascale_view *v, struct adascale_decision *d)
{
	if (bad_now(s, v)) {
		static volatile uintptr_t bad = 16; /* not a constant the compiler can see */
		*(volatile int *)bad = 1;
	}
	d->variant = 0;
	d->threads = 1;
	return 0;
}

static const struct adascale_policy ps[] = {BAD_POLICY("segv", "segfaults", bad_create, decide)};

const struct adascale_policy *adascale_policy_entry(int i);
const struct adascale_policy *adascale_policy_entry(int i) { return i == 0 ? &ps[0] : NULL; }

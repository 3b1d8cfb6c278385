/*
 * builtin.c: the built-in policies' entry function, pol_builtin_entry, through which they
 * register exactly as a plugin registers through adascale_policy_entry. Each policy lives in
 * its own file, with a header that declares its descriptor:
 *
 *   static.c      one fixed variant and thread count for the whole run
 *   greedy.c      the most accurate variant predicted to meet the deadline and fit memory
 *   reactive.c    a ladder: step down after a miss, up after a run of on-time answers
 *   oracle.c      knows the future trace: plans the variants that give the most top-1 in
 *                 answers on time (the upper bound)
 *   adascale.c    the AdaScale loop: forecast of resource availability, profiler feedback,
 *                 Pareto-pruned candidates, energy-weighted objective, switching-cost awareness
 *   hysteresis_builtin.c  the example plugin (examples/hysteresis.c) compiled in
 *
 * and the helpers they share are in polutil.c. Not for the host side of policies
 * (registry.c, sim/run.c).
 */
#include "builtin.h"

#include <stddef.h>

#include "adascale.h"
#include "greedy.h"
#include "hysteresis_builtin.h"
#include "oracle.h"
#include "reactive.h"
#include "static.h"

const struct adascale_policy *pol_builtin_entry(int index)
{
	switch (index) {
	case 0: return &pol_static_policy;
	case 1: return &pol_greedy_policy;
	case 2: return &pol_reactive_policy;
	case 3: return &pol_oracle_policy;
	case 4: return &pol_adascale_policy;
	case 5: return pol_hysteresis_entry(0);
	default: return NULL;
	}
}

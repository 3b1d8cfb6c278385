/*
 * hysteresis_builtin.c: the example plugin, policies/examples/hysteresis.c, compiled into
 * adascale as the built-in `hysteresis` ("greedy with hysteresis"). The same source thus runs
 * through both paths, a dlopen'ed plugin and a built-in, and the tests check that the two give
 * identical runs. Not for policy logic of its own: edit the example instead.
 */
#include "hysteresis_builtin.h"

/* the example's entry function becomes pol_hysteresis_entry (declared in
   hysteresis_builtin.h) */
#define adascale_policy_entry pol_hysteresis_entry
#include "examples/hysteresis.c"

/*
 * hysteresis_builtin.h: the example plugin (policies/examples/hysteresis.c) compiled in as
 * the built-in `hysteresis`: its entry function, which builtin.c lists. Not for its workings
 * (edit the example).
 */
#ifndef ADASCALE_HYSTERESIS_BUILTIN_H
#define ADASCALE_HYSTERESIS_BUILTIN_H

#include "adascale_policy.h"

/* The example's adascale_policy_entry under another name. */
const struct adascale_policy *pol_hysteresis_entry(int index);

#endif

/*
 * builtin.h: the table of built-in policies, internal to policies/: pol_builtin_entry lists
 * them as a plugin's entry function lists its policies, so the registry (registry.c) finds
 * built-ins and plugins alike. Not for what the built-ins share (polutil.h) nor for the host
 * (registry.h).
 */
#ifndef ADASCALE_BUILTIN_H
#define ADASCALE_BUILTIN_H

#include "adascale_policy.h"

/*
 * The built-in policies' entry function (same contract as a plugin's adascale_policy_entry):
 * static, greedy, reactive, oracle, adascale, hysteresis, then NULL.
 */
const struct adascale_policy *pol_builtin_entry(int index);

#endif

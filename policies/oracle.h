/*
 * oracle.h: the built-in policy `oracle` (knows the future trace: the upper bound every report
 * shows): its descriptor, which builtin.c lists. Not for its workings (they stay in oracle.c)
 * nor for helpers it shares with the other built-ins (polutil.h).
 */
#ifndef ADASCALE_POL_ORACLE_H
#define ADASCALE_POL_ORACLE_H

#include "adascale_policy.h"

extern const struct adascale_policy pol_oracle_policy;

#endif

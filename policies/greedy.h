/*
 * greedy.h: the built-in policy `greedy` (the most accurate variant predicted to meet the
 * deadline and fit memory): its descriptor, which builtin.c lists. Not for its workings (they
 * stay in greedy.c) nor for helpers it shares with the other built-ins (polutil.h).
 */
#ifndef ADASCALE_POL_GREEDY_H
#define ADASCALE_POL_GREEDY_H

#include "adascale_policy.h"

extern const struct adascale_policy pol_greedy_policy;

#endif

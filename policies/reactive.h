/*
 * reactive.h: the built-in policy `reactive` (the accuracy/latency ladder: down after a miss,
 * up after a run of on-time answers): its descriptor, which builtin.c lists. Not for its
 * workings (they stay in reactive.c) nor for helpers it shares with the other built-ins
 * (polutil.h).
 */
#ifndef ADASCALE_POL_REACTIVE_H
#define ADASCALE_POL_REACTIVE_H

#include "adascale_policy.h"

extern const struct adascale_policy pol_reactive_policy;

#endif

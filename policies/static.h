/*
 * static.h: the built-in policy `static` (one fixed variant and thread count for the whole
 * run): its descriptor, which builtin.c lists. Not for its workings (they stay in static.c) nor
 * for helpers it shares with the other built-ins (polutil.h).
 */
#ifndef ADASCALE_POL_STATIC_H
#define ADASCALE_POL_STATIC_H

#include "adascale_policy.h"

extern const struct adascale_policy pol_static_policy;

#endif

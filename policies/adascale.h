/*
 * adascale.h: the built-in policy `adascale` (the AdaScale adaptation loop): its descriptor,
 * which builtin.c lists. Not for its workings (they stay in adascale.c) nor for helpers it
 * shares with the other built-ins (polutil.h).
 */
#ifndef ADASCALE_POL_ADASCALE_H
#define ADASCALE_POL_ADASCALE_H

#include "adascale_policy.h"

extern const struct adascale_policy pol_adascale_policy;

#endif

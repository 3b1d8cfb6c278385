/*
 * kernels.h: the unique kernel shapes of one or more specs, the list the on-device agent
 * times (adascale kernels). Not for timing them (devices/agent/).
 */
#ifndef ADASCALE_KERNELS_H
#define ADASCALE_KERNELS_H

#include "err.h"
#include "kshape.h"
#include "layers.h"

/*
 * The unique kernel shapes of a set of specs, sorted by kshape_cmp: m's shapes are merged
 * into *shapes (realloc'd, owned by the caller; *shapes NULL and *n 0 to start), which
 * stays sorted and unique, *n updated. On failure *shapes and *n are left as they were.
 */
int model_kernels(const struct model *m, struct kshape **shapes, int *n, struct errbuf *eb);

#endif

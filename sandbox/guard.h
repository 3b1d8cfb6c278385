/*
 * guard.h: guarded buffers. A buffer ends at a page boundary followed by a PROT_NONE page,
 * so an access past its end faults at once instead of reaching other memory, and its pages
 * can be made read-only, so a write into it faults too. The host hands a policy its tables
 * and call arguments in these (sim/run.c); the monitor (monitor.h) names the one a fault hit.
 * Not for ordinary allocations: each buffer costs at least two pages and a mapping.
 */
#ifndef ADASCALE_GUARD_H
#define ADASCALE_GUARD_H

#include <stddef.h>

#include "err.h"

/* A buffer at the end of its own pages, followed by a PROT_NONE guard page. */
struct guard_buf {
	unsigned char *map;    /* the mapping: data pages, then the guard page */
	size_t map_len;
	void *p;               /* the buffer: its last byte is the last before the guard */
	size_t len;
};

/* Maps a zeroed guarded buffer of len bytes (len > 0); ERR_NOMEM when it cannot. */
int guard_alloc(struct guard_buf *b, size_t len, struct errbuf *eb);
/* Makes the buffer's pages read-only (writes into it fault); 0 or ERR_NOMEM. */
int guard_readonly(struct guard_buf *b, struct errbuf *eb);
/* Unmaps it; accepts a buffer never allocated (zeroed). */
void guard_free(struct guard_buf *b);

#endif

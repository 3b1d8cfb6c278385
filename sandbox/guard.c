/*
 * guard.c: guarded buffers on mmap and mprotect (see guard.h). Not for knowing what a buffer
 * holds or which fault hit it (monitor.c).
 */
#include "guard.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int guard_alloc(struct guard_buf *b, size_t len, struct errbuf *eb)
{
	memset(b, 0, sizeof *b);
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t data = (len + pg - 1) / pg * pg;
	if (len == 0)
		data = pg;
	void *map = mmap(NULL, data + pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			 0);
	if (map == MAP_FAILED)
		return err_set(eb, ERR_NOMEM, "out of memory (mapping a guarded buffer: %s)",
			       strerror(errno));
	if (mprotect((unsigned char *)map + data, pg, PROT_NONE) < 0) {
		int e = errno;
		munmap(map, data + pg);
		return err_set(eb, ERR_NOMEM, "mprotect of a guard page: %s", strerror(e));
	}
	b->map = map;
	b->map_len = data + pg;
	b->len = len;
	b->p = b->map + data - len;
	return 0;
}

int guard_readonly(struct guard_buf *b, struct errbuf *eb)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	if (mprotect(b->map, b->map_len - pg, PROT_READ) < 0)
		return err_set(eb, ERR_NOMEM, "mprotect of a read-only table: %s", strerror(errno));
	return 0;
}

void guard_free(struct guard_buf *b)
{
	if (b && b->map)
		munmap(b->map, b->map_len);
	if (b)
		memset(b, 0, sizeof *b);
}

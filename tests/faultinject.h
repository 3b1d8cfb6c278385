/*
 * faultinject.h: fault injection for the test build only (tests/faultinject.c is linked into
 * build/tests, never into build/adascale). Two hooks:
 *   - allocations: malloc, calloc and realloc of the whole process (SQLite's, libcsv's and
 *     libc's own, strdup and getline included) are counted, and the Nth from the moment the
 *     hook is armed can be made to fail, once or with every one after it (NULL, errno
 *     ENOMEM);
 *   - reads: the Nth fopen of one file (by any path to it) gives a stream that reads the
 *     file's first K bytes and then fails with EIO, as a failing disk would (the stream's
 *     error indicator is set).
 * The allocation hook is compiled out under AddressSanitizer, which owns malloc
 * (fi_alloc_available() then returns 0). Not for production code, and not thread-aware
 * beyond counting atomically: arm it around single-threaded work in a forked child.
 */
#ifndef ADASCALE_FAULTINJECT_H
#define ADASCALE_FAULTINJECT_H

/* 1 when the allocation hook is compiled in (not under ASan). */
int fi_alloc_available(void);
/*
 * Starts counting allocations from zero; fail_at > 0: that allocation fails, and with
 * sticky every later one too (memory that stays exhausted), until fi_alloc_disarm.
 */
void fi_alloc_arm(long fail_at, int sticky);
/* Stops counting; returns the allocations counted since fi_alloc_arm. */
long fi_alloc_disarm(void);
/* 1 once the armed failure has been delivered. */
int fi_alloc_fired(void);

/*
 * The nth_open-th fopen of the file at path from now on (1: the next), by whatever path,
 * reads after_bytes bytes and then fails with EIO. path NULL: off.
 */
void fi_read_fail(const char *path, int nth_open, long after_bytes);
/* 1 once the armed read error has been delivered. */
int fi_read_fired(void);

#endif

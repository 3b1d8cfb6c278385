/*
 * faultinject.c: see faultinject.h. The hooks replace malloc, calloc, realloc and fopen in
 * the test binary: the dynamic linker resolves every library's calls to these symbols to the
 * executable's definitions, and glibc's own allocating functions (strdup, getline, fopen)
 * call malloc through the same symbol (glibc supports replacing malloc this way: "Replacing
 * malloc" in its manual). The real allocator is reached through __libc_malloc and friends,
 * which glibc exports for this purpose, so free() needs no replacement. The real fopen is
 * found with dlsym(RTLD_NEXT). Not linked into build/adascale; compiled out (allocations)
 * under AddressSanitizer, whose runtime owns malloc.
 */
#define _GNU_SOURCE /* fopencookie, RTLD_NEXT */
#include "faultinject.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#if defined(__SANITIZE_ADDRESS__)
#define FI_NO_ALLOC_HOOK 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FI_NO_ALLOC_HOOK 1
#endif
#endif

/* ---- allocations ---- */

static atomic_int armed;
static atomic_long n_allocs;
static long fail_at;
static int fail_sticky;
static atomic_int fired;

#ifndef FI_NO_ALLOC_HOOK
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);

/* 1 when this allocation is the one to fail. */
static int fail_now(void)
{
	if (!atomic_load_explicit(&armed, memory_order_relaxed))
		return 0;
	long k = atomic_fetch_add(&n_allocs, 1) + 1;
	if (fail_at <= 0 || (k != fail_at && !(fail_sticky && k > fail_at)))
		return 0;
	atomic_store(&fired, 1);
	errno = ENOMEM;
	return 1;
}

void *malloc(size_t size) { return fail_now() ? NULL : __libc_malloc(size); }

void *calloc(size_t n, size_t size) { return fail_now() ? NULL : __libc_calloc(n, size); }

void *realloc(void *p, size_t size) { return fail_now() ? NULL : __libc_realloc(p, size); }

int fi_alloc_available(void) { return 1; }
#else
int fi_alloc_available(void) { return 0; }
#endif

void fi_alloc_arm(long n, int sticky)
{
	atomic_store(&n_allocs, 0);
	atomic_store(&fired, 0);
	fail_at = n;
	fail_sticky = sticky;
	atomic_store(&armed, 1);
}

long fi_alloc_disarm(void)
{
	atomic_store(&armed, 0);
	return atomic_load(&n_allocs);
}

int fi_alloc_fired(void) { return atomic_load(&fired); }

/* ---- reads ---- */

static int read_armed;
static dev_t read_dev;     /* the file, whatever path names it */
static ino_t read_ino;
static int read_nth;
static long read_after;
static int read_fired;

struct failing {
	FILE *real;
	long left;  /* bytes still read before the error */
};

static ssize_t failing_read(void *cookie, char *buf, size_t n)
{
	struct failing *f = cookie;
	if (f->left <= 0) {
		read_fired = 1;
		errno = EIO;
		return -1;
	}
	if (n > (size_t)f->left)
		n = (size_t)f->left;
	size_t k = fread(buf, 1, n, f->real);
	if (k == 0 && ferror(f->real))
		return -1;
	f->left -= (long)k;
	return (ssize_t)k;
}

static int failing_close(void *cookie)
{
	struct failing *f = cookie;
	int rc = fclose(f->real);
	free(f);
	return rc;
}

typedef FILE *(*fopen_fn)(const char *, const char *);

FILE *fopen(const char *path, const char *mode)
{
	static fopen_fn real;
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "fopen");
	struct stat st;
	if (!read_armed || !path || stat(path, &st) != 0 || st.st_dev != read_dev ||
	    st.st_ino != read_ino || --read_nth != 0)
		return real(path, mode);
	read_armed = 0;
	FILE *r = real(path, mode);
	if (!r)
		return NULL;
	struct failing *f = malloc(sizeof *f);
	FILE *s = f ? fopencookie(f, mode, (cookie_io_functions_t){
				.read = failing_read, .close = failing_close}) : NULL;
	if (!s) {
		free(f);
		fclose(r);
		errno = ENOMEM;
		return NULL;
	}
	f->real = r;
	f->left = read_after;
	return s;
}

void fi_read_fail(const char *path, int nth_open, long after_bytes)
{
	struct stat st;
	read_fired = 0;
	read_armed = 0;
	if (!path || nth_open < 1 || stat(path, &st) != 0)
		return;
	read_dev = st.st_dev;
	read_ino = st.st_ino;
	read_armed = 1;
	read_nth = nth_open;
	read_after = after_bytes;
}

int fi_read_fired(void) { return read_fired; }

/*
 * sha256.h: SHA-256 (FIPS 180-4) of files and buffers, for the content hashes stored with
 * every run (trace, device, timings, model), so a result names exactly what it stood on.
 * Not for anything security-related.
 */
#ifndef ADASCALE_SHA256_H
#define ADASCALE_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
	uint32_t h[8];
	uint64_t n_bytes;
	unsigned char block[64];
	size_t n_block;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
/* Writes 64 lowercase hex digits and a NUL into hex. */
void sha256_final_hex(struct sha256 *s, char hex[65]);
/* The hash of a whole file into hex; 0, or ERR_NOTFOUND / ERR_NOMEM / ERR_IO (errno: why). */
int sha256_file(const char *path, char hex[65]);
/*
 * The compression function runs on the x86 SHA extensions where the CPU has them, else in
 * portable C; both give the same hashes. sha256_form() names the one in use;
 * sha256_set_portable(1) forces the portable one (tests compare the two).
 */
const char *sha256_form(void);
void sha256_set_portable(int on);

#endif

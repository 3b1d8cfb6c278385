/*
 * sha256.c: SHA-256 as specified in FIPS 180-4, section 6.2 (see sha256.h).
 */
#include "sha256.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2};

static uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

/* Runs the compression function over n whole 64-byte blocks at p: the portable form. */
static void blocks_portable(uint32_t hs[8], const unsigned char *p, size_t n)
{
	for (; n; n--, p += 64) {
		uint32_t w[64];
		for (int i = 0; i < 16; i++)
			w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
			       (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
		for (int i = 16; i < 64; i++) {
			uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
			uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
			w[i] = w[i - 16] + s0 + w[i - 7] + s1;
		}
		uint32_t a = hs[0], b = hs[1], c = hs[2], d = hs[3];
		uint32_t e = hs[4], f = hs[5], g = hs[6], h = hs[7];
		for (int i = 0; i < 64; i++) {
			uint32_t t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) +
				      ((e & f) ^ (~e & g)) + K[i] + w[i];
			uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) +
				      ((a & b) ^ (a & c) ^ (b & c));
			h = g;
			g = f;
			f = e;
			e = d + t1;
			d = c;
			c = b;
			b = a;
			a = t1 + t2;
		}
		hs[0] += a;
		hs[1] += b;
		hs[2] += c;
		hs[3] += d;
		hs[4] += e;
		hs[5] += f;
		hs[6] += g;
		hs[7] += h;
	}
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

/*
 * The same with the x86 SHA extensions (sha256rnds2 does two rounds, sha256msg1/msg2 the
 * message schedule), about five times the portable rate: a run hashes its whole trace, and
 * a long trace made this a seventh of a run's time. The instructions keep the state as
 * (a, b, e, f) and (c, d, g, h) in reversed lane order; the message words are grouped four
 * to a register, group i holding W[4i..4i+3].
 */
__attribute__((target("sha,sse4.1"))) static void blocks_shani(uint32_t hs[8],
							      const unsigned char *p, size_t n)
{
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
	__m128i dcba = _mm_loadu_si128((const __m128i *)&hs[0]);
	__m128i hgfe = _mm_loadu_si128((const __m128i *)&hs[4]);
	__m128i cdab = _mm_shuffle_epi32(dcba, 0xB1);
	__m128i efgh = _mm_shuffle_epi32(hgfe, 0x1B);
	__m128i abef = _mm_alignr_epi8(cdab, efgh, 8);
	__m128i cdgh = _mm_blend_epi16(efgh, cdab, 0xF0);
	for (; n; n--, p += 64) {
		__m128i abef0 = abef, cdgh0 = cdgh, w[4];
		for (int i = 0; i < 4; i++)
			w[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * i)), bswap);
		for (int i = 0; i < 16; i++) {
			__m128i m = _mm_add_epi32(w[i & 3], _mm_loadu_si128((const __m128i *)&K[4 * i]));
			cdgh = _mm_sha256rnds2_epu32(cdgh, abef, m);
			abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(m, 0x0E));
			if (i < 12) {
				/* group i + 4 from groups i..i+3; it replaces group i, now used up */
				__m128i t = _mm_sha256msg1_epu32(w[i & 3], w[(i + 1) & 3]);
				t = _mm_add_epi32(t, _mm_alignr_epi8(w[(i + 3) & 3], w[(i + 2) & 3], 4));
				w[i & 3] = _mm_sha256msg2_epu32(t, w[(i + 3) & 3]);
			}
		}
		abef = _mm_add_epi32(abef, abef0);
		cdgh = _mm_add_epi32(cdgh, cdgh0);
	}
	__m128i feba = _mm_shuffle_epi32(abef, 0x1B);
	__m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
	_mm_storeu_si128((__m128i *)&hs[0], _mm_blend_epi16(feba, dchg, 0xF0));
	_mm_storeu_si128((__m128i *)&hs[4], _mm_alignr_epi8(dchg, feba, 8));
}
#endif

typedef void blocks_fn(uint32_t hs[8], const unsigned char *p, size_t n);

static int force_portable;

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>

/* 1 when the CPU has the SHA extensions and SSE4.1 (CPUID, as gcc and clang both read it). */
static int has_shani(void)
{
	static int known, has;
	if (!known) {
		unsigned a, b, c, d;
		has = __get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSE4_1) &&
		      __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 29));
		known = 1;
	}
	return has;
}
#endif

void sha256_set_portable(int on) { force_portable = on; }

const char *sha256_form(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
	if (!force_portable && has_shani())
		return "x86 SHA extensions";
#endif
	return "portable";
}

static blocks_fn *pick_blocks(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
	if (!force_portable && has_shani())
		return blocks_shani;
#endif
	return blocks_portable;
}

void sha256_init(struct sha256 *s)
{
	static const uint32_t h0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
				       0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
	memcpy(s->h, h0, sizeof h0);
	s->n_bytes = 0;
	s->n_block = 0;
}

void sha256_update(struct sha256 *s, const void *data, size_t len)
{
	blocks_fn *blocks = pick_blocks();
	const unsigned char *p = data;
	s->n_bytes += len;
	if (s->n_block) {
		size_t take = 64 - s->n_block;
		if (take > len)
			take = len;
		memcpy(s->block + s->n_block, p, take);
		s->n_block += take;
		p += take;
		len -= take;
		if (s->n_block < 64)
			return;
		blocks(s->h, s->block, 1);
		s->n_block = 0;
	}
	/* whole blocks straight from the caller's bytes */
	blocks(s->h, p, len / 64);
	p += len / 64 * 64;
	len %= 64;
	if (len)
		memcpy(s->block, p, len);
	s->n_block = len;
}

void sha256_final_hex(struct sha256 *s, char hex[65])
{
	uint64_t bits = s->n_bytes * 8;
	unsigned char pad = 0x80;
	sha256_update(s, &pad, 1);
	unsigned char zero = 0;
	while (s->n_block != 56)
		sha256_update(s, &zero, 1);
	unsigned char len[8];
	for (int i = 0; i < 8; i++)
		len[i] = (unsigned char)(bits >> (56 - 8 * i));
	sha256_update(s, len, 8);
	for (int i = 0; i < 8; i++)
		snprintf(hex + 8 * i, 9, "%08x", s->h[i]);
}

int sha256_file(const char *path, char hex[65])
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return errno == ENOENT ? ERR_NOTFOUND : errno == ENOMEM ? ERR_NOMEM : ERR_IO;
	struct sha256 s;
	sha256_init(&s);
	unsigned char buf[65536];
	size_t n;
	errno = 0;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		sha256_update(&s, buf, n);
	int bad = ferror(f) ? (errno ? errno : EIO) : 0;
	fclose(f);
	if (bad) {
		errno = bad; /* for the caller's message */
		return bad == ENOMEM ? ERR_NOMEM : ERR_IO;
	}
	sha256_final_hex(&s, hex);
	return 0;
}

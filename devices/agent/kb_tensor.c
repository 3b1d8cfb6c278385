/*
 * kb_tensor.c: the tensor helpers the backends share (see kb_tensor.h): SAME padding,
 * im2col, the seeded fills (rng.h's generator), half-precision conversion and aligned
 * buffers. Not for any kernel nor for choosing a backend.
 */
#include "kb_tensor.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void kb_pad_same(int in, int kernel, int stride, int *pad_total, int *pad_before)
{
	int out = (in + stride - 1) / stride;
	int total = (out - 1) * stride + kernel - in;
	if (total < 0)
		total = 0;
	*pad_total = total;
	*pad_before = total / 2;
}

void kb_im2col(const struct kshape *k, int ow, int pad_t, int pad_l, const void *in, size_t elem,
	       int g, void *col, long p0, long p1)
{
	int cin_g = k->in_c / k->groups;
	size_t cbytes = (size_t)cin_g * elem, row_bytes = (size_t)k->kernel * k->kernel * cbytes;
	/*
	 * Without groups a pixel's channels are the whole pixel, so the taps of one kernel row
	 * that fall inside the input are one contiguous run of the input: one copy per kernel
	 * row instead of one per tap (a 7x7 convolution on 3 channels copies 12 bytes a tap).
	 */
	int whole_rows = k->groups == 1;
	const unsigned char *src0 = in;
	for (long p = p0; p < p1; p++) {
		int oy = (int)(p / ow), ox = (int)(p % ow);
		unsigned char *row = (unsigned char *)col + (size_t)(p - p0) * row_bytes;
		int ix0 = ox * k->stride - pad_l;
		/* taps [kx0, kx1) of a kernel row fall inside the input */
		int kx0 = ix0 < 0 ? -ix0 : 0;
		int kx1 = k->in_w - ix0 < k->kernel ? k->in_w - ix0 : k->kernel;
		if (kx1 < kx0)
			kx1 = kx0;
		for (int ky = 0; ky < k->kernel; ky++) {
			int iy = oy * k->stride - pad_t + ky;
			unsigned char *dst = row + (size_t)ky * k->kernel * cbytes;
			if (iy < 0 || iy >= k->in_h) {
				memset(dst, 0, cbytes * (size_t)k->kernel);
				continue;
			}
			const unsigned char *src =
				src0 + (((size_t)iy * k->in_w + ix0) * k->in_c + (size_t)g * cin_g) * elem;
			if (whole_rows) {
				if (kx0 > 0)
					memset(dst, 0, cbytes * (size_t)kx0);
				memcpy(dst + (size_t)kx0 * cbytes, src + (size_t)kx0 * k->in_c * elem,
				       cbytes * (size_t)(kx1 - kx0));
				if (kx1 < k->kernel)
					memset(dst + (size_t)kx1 * cbytes, 0,
					       cbytes * (size_t)(k->kernel - kx1));
				continue;
			}
			for (int kx = 0; kx < k->kernel; kx++) {
				if (kx < kx0 || kx >= kx1)
					memset(dst + (size_t)kx * cbytes, 0, cbytes);
				else
					memcpy(dst + (size_t)kx * cbytes, src + (size_t)kx * k->in_c * elem,
					       cbytes);
			}
		}
	}
}

float kb_uniform_f32(struct rng *r, float lo, float hi)
{
	float u = (float)(rng_u64(r) >> 40) * (1.0f / 16777216.0f);
	return lo + (hi - lo) * u;
}

void kb_fill_f32(struct rng *r, float *x, size_t n, float lo, float hi)
{
	for (size_t i = 0; i < n; i++)
		x[i] = kb_uniform_f32(r, lo, hi);
}

uint16_t kb_f16_from_f32(float f)
{
	uint32_t x;
	memcpy(&x, &f, sizeof x);
	uint32_t sign = (x >> 16) & 0x8000u;
	uint32_t ax = x & 0x7fffffffu;
	if (ax >= 0x7f800000u) /* inf, NaN */
		return (uint16_t)(sign | 0x7c00u | (ax > 0x7f800000u ? 0x200u : 0));
	if (ax >= 0x477ff000u) /* rounds to 65536 or more: inf */
		return (uint16_t)(sign | 0x7c00u);
	if (ax < 0x38800000u) { /* below 2^-14: a subnormal half (or zero) */
		float a;
		memcpy(&a, &ax, sizeof a);
		return (uint16_t)(sign | (uint32_t)lrintf(a * 16777216.0f));
	}
	uint32_t h = ((((ax >> 23) - 127 + 15) << 10) | ((ax & 0x7fffffu) >> 13));
	uint32_t rest = ax & 0x1fffu;
	if (rest > 0x1000u || (rest == 0x1000u && (h & 1u)))
		h++;
	return (uint16_t)(sign | h);
}

float kb_f32_from_f16(uint16_t h)
{
	uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
	uint32_t e = (h >> 10) & 0x1fu, m = h & 0x3ffu;
	if (e == 0) {
		float v = ldexpf((float)m, -24);
		return sign ? -v : v;
	}
	uint32_t x = e == 31 ? sign | 0x7f800000u | (m << 13)
			     : sign | ((e - 15 + 127) << 23) | (m << 13);
	float f;
	memcpy(&f, &x, sizeof f);
	return f;
}

void *kb_alloc(size_t bytes)
{
	/* XNNPACK may read up to XNN_EXTRA_BYTES (16) past a tensor; give 64. */
	size_t n = (bytes + 64 + 63) / 64 * 64;
	void *p = NULL;
	if (posix_memalign(&p, 64, n) != 0)
		return NULL;
	memset(p, 0, n);
	return p;
}

void kb_free(void *p) { free(p); }

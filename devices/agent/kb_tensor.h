/*
 * kb_tensor.h: what every kernel backend shares about tensors: SAME padding, im2col rows,
 * reproducible fills of inputs and weights, half-precision conversion and aligned buffers.
 * The backends and acache.c use it; it knows no backend. Not for any kernel
 * (kb_openblas.c, kb_xnnpack.c) nor for the registry (kb.h).
 */
#ifndef ADASCALE_AGENT_KB_TENSOR_H
#define ADASCALE_AGENT_KB_TENSOR_H

#include <stddef.h>
#include <stdint.h>

#include "kshape.h"
#include "rng.h"

/* SAME padding of one spatial dimension: the total and the part before (top or left). */
void kb_pad_same(int in, int kernel, int stride, int *pad_total, int *pad_before);

/*
 * The im2col rows of output pixels [p0, p1) of convolution k, group g, into col: one row of
 * kernel x kernel x (in_c / groups) elements of elem bytes a pixel, taps in the weights'
 * order, zero bytes where a tap falls outside the input (zero is the padding value of every
 * dtype here: int8 inputs have zero point 0). in is the NHWC input; ow, pad_t and pad_l as
 * from kb_pad_same.
 */
void kb_im2col(const struct kshape *k, int ow, int pad_t, int pad_l, const void *in, size_t elem,
	       int g, void *col, long p0, long p1);

/*
 * Inputs and weights come from the project's generator (rng.h), the stream KB_RNG_STREAM of
 * the kernel's seed: a backend calls rng_init(&r, seed, KB_RNG_STREAM) and fills from r, so
 * the same seed gives the same tensors.
 */
#define KB_RNG_STREAM "kb"
/* Uniform in [lo, hi), from the top 24 bits of one draw. */
float kb_uniform_f32(struct rng *r, float lo, float hi);
/* n values uniform in [lo, hi). */
void kb_fill_f32(struct rng *r, float *x, size_t n, float lo, float hi);

/* IEEE half from float (round to nearest even) and back. */
uint16_t kb_f16_from_f32(float f);
float kb_f32_from_f16(uint16_t h);

/* Memory aligned for vector loads (64 bytes, plus slack past the end that XNNPACK reads). */
void *kb_alloc(size_t bytes);
void kb_free(void *p);

#endif

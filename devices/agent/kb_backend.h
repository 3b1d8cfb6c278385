/*
 * kb_backend.h: the one interface behind which the agent's kernel libraries sit. A backend
 * builds one kernel (a struct kshape) for a thread count, with inputs and weights drawn
 * from a seeded generator, and runs it as often as the timing loop asks; the profiler does
 * not know which library is underneath. This header holds the interface only: the backends
 * are kb_openblas.h and kb_xnnpack.h, the registry that finds and chooses one is kb.h, and
 * what the backends share (padding, im2col, fills, buffers) is kb_tensor.h. Not for choosing
 * a backend for a row (kb.h) nor for timing (ameasure.h).
 *
 * Tensor layouts, the same in every backend so one reference checks them all (batch 1):
 *   input, output     NHWC: [h][w][c]; output h, w = ceil(in / stride) (SAME padding: the
 *                     padding total is max((out - 1) * stride + kernel - in, 0), the smaller
 *                     half on top/left, as TensorFlow does)
 *   conv weights      [out_c][kernel][kernel][in_c / groups]; output channel o belongs to
 *                     group o / (out_c / groups)
 *   dwconv weights    [kernel][kernel][out_c]; output channel o reads input channel
 *                     o / (out_c / in_c)
 *   fc weights        [out_c][in_c]
 *   bias              [out_c] (conv, dwconv, fc); added, no activation
 *   avgpool           the mean over the window's taps that fall inside the input (except
 *                     XNNPACK's int8 non-global pooling, which counts padding taps too)
 *   add               out = in + in2, elementwise (stride 1 only)
 */
#ifndef ADASCALE_AGENT_KB_BACKEND_H
#define ADASCALE_AGENT_KB_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "kshape.h"

/*
 * What a prepared kernel holds, for checking it against a reference. Pointers belong to
 * the kernel's state. For fp32 kernels the buffers are float, for int8 int8_t, for fp16
 * IEEE half (uint16_t); quantized kernels give their quantisation parameters, real value =
 * scale * (q - zero_point), the bias being int32 with scale in_scale * w_scale and zero 0.
 */
struct kb_view {
	enum dtype dtype;
	const void *in;   /* in_h * in_w * in_c */
	const void *in2;  /* add's second input (same size), else NULL */
	const void *w;    /* weights (layout above), NULL for pooling and add */
	const void *bias; /* out_c, NULL for pooling and add */
	const void *out;  /* out_h * out_w * out_c, valid after a run */
	size_t n_in, n_w, n_out;
	float in_scale, w_scale, out_scale;
	int in_zero, out_zero;
	int unsigned8; /* int8 data held as uint8 (XNNPACK's qu8 average pooling), zero 128 */
};

/* Refusal reasons fit in this many bytes. */
#define KB_WHY_LEN 160

typedef const char *(*kb_name_fn)(void);
/* 1 when the backend runs k, else 0 with the reason in why (KB_WHY_LEN bytes). */
typedef int (*kb_supports_fn)(const struct kshape *k, char *why);
/*
 * Builds k for n_threads threads with inputs and weights from seed; *state is owned by the
 * caller, who gives it back to release. Negative code on failure (detail in eb).
 */
typedef int (*kb_prepare_fn)(const struct kshape *k, int n_threads, uint64_t seed,
			     void **state, struct errbuf *eb);
/* Runs the kernel once (the timed call). */
typedef int (*kb_run_fn)(void *state, struct errbuf *eb);
typedef void (*kb_view_fn)(const void *state, struct kb_view *v);
/* Frees a state; accepts NULL. */
typedef void (*kb_release_fn)(void *state);
/*
 * Makes the kernel read its (first) input from in, which has the same size and dtype as
 * its own input and outlives the state (a model pass chains layers this way). The state's
 * own input buffer stays allocated but unused.
 */
typedef int (*kb_bind_fn)(void *state, const void *in, struct errbuf *eb);

struct kb_backend {
	kb_name_fn name;
	kb_supports_fn supports;
	kb_prepare_fn prepare;
	kb_run_fn run;
	kb_view_fn view;
	kb_release_fn release;
	kb_bind_fn bind;
};

#endif

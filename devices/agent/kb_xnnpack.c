/*
 * kb_xnnpack.c: the backend on XNNPACK operators (see kb_backend.h for layouts), in fp32
 * (f32), fp16 (f16, only where XNNPACK reports support on this CPU) and int8 (XNNPACK's
 * signed quantized operators, qs8/s8, so int8 timings come from int8 kernels).
 *
 * Each kernel is one XNNPACK operator (a convolution with large weights: one per slice of
 * its output channels, plan_slices; a large kernel on few channels: im2col + one
 * fully-connected operator per thread, plan_gemm), created (weights packed) and set up in
 * prepare, so the timed call is xnn_run_operator alone (and, for plan_gemm, the im2col). Threads come from a pthreadpool of the requested
 * size (none for one thread). Operators per row: conv -> convolution2d_nhwc with groups;
 * dwconv -> convolution2d_nhwc with XNN_FLAG_DEPTHWISE_CONVOLUTION; fc ->
 * fully_connected_nc; avgpool -> average_pooling2d_nhwc, or global_average_pooling_nwc when
 * the window covers the whole input (int8 non-global average pooling uses XNNPACK's qu8
 * operator, the only 8-bit one this XNNPACK has; fp16 has no non-global average pooling);
 * maxpool -> max_pooling2d_nhwc; add -> add_nd. Not for choosing backends or timing.
 *
 * Built with ADASCALE_AGENT_NO_XNNPACK (make AGENT_XNNPACK=0, for a target without an
 * XNNPACK build), the backend is present but runs nothing: it refuses every kernel with that
 * reason, so `--backend auto` leaves int8 and fp16 rows out with a warning.
 */
#include "kb_xnnpack.h"

#ifndef ADASCALE_AGENT_NO_XNNPACK

#include <math.h>
#include <pthreadpool.h>
#include <stdlib.h>
#include <string.h>
#include <xnnpack.h>

#include "acache.h"
#include "apool.h"
#include "asys.h"
#include "kb_tensor.h"

struct xb {
	struct kshape k;
	pthreadpool_t tp;
	xnn_operator_t op;      /* the operator, unless sliced */
	xnn_operator_t *slices; /* a sliced convolution's operators, n_slices of them */
	int n_slices, slice_c;  /* 1 unless sliced; output channels per slice (last: fewer) */
	/* a convolution run as im2col + GEMM (plan_gemm): a share of the pixels a thread */
	int gemm, n_threads;
	long chunk;             /* output pixels per im2col chunk */
	xnn_operator_t *fc;     /* n_threads fully-connected operators, one per share */
	void **col;             /* n_threads im2col buffers of chunk rows */
	size_t row_bytes;       /* one im2col row */
	enum xnn_status *part_status;
	int oh, ow, pad_t, pad_b, pad_l, pad_r;
	int global;    /* avgpool over the whole input */
	int unsigned8; /* int8 avgpool runs as qu8: the buffers hold uint8 */
	const void *in; /* in_own, unless bind gave another buffer */
	void *in_own, *in2, *w, *bias, *out;
	size_t n_in, n_w, n_out;
	float in_scale, w_scale, out_scale;
	int in_zero, out_zero;
};

/*
 * pthreadpools are shared by the kernels of one thread count: a model prepared at once
 * would otherwise hold a pool per layer whose idle workers spin against the running one.
 * For one calling thread, like the rest of the backend.
 */
#define N_SHARED 8

static struct {
	pthreadpool_t tp;
	int n_threads;
	int refs;
} shared[N_SHARED];

static pthreadpool_t tp_get(int n_threads)
{
	int free_slot = -1;
	for (int i = 0; i < N_SHARED; i++) {
		if (shared[i].refs && shared[i].n_threads == n_threads) {
			shared[i].refs++;
			return shared[i].tp;
		}
		if (!shared[i].refs && free_slot < 0)
			free_slot = i;
	}
	if (free_slot < 0)
		return NULL;
	/*
	 * pthreadpool's workers inherit this thread's affinity: create them on the CPUs the
	 * agent places its own workers on, away from the timing thread's CPU. Left to the
	 * scheduler, a worker started on that CPU waits behind the spinning caller for a time
	 * slice: two-thread int8 kernels took 8 ms instead of 10-800 us on the build machine.
	 */
	struct agent_cpuset workers, saved;
	struct errbuf eb = {0};
	int placed = agent_pool_worker_cpus(n_threads, &workers) == 0 &&
		     agent_affinity_get(&saved, &eb) == 0 &&
		     agent_thread_affinity_set(&workers) == 0;
	pthreadpool_t tp = pthreadpool_create((size_t)n_threads);
	if (placed)
		agent_thread_affinity_set(&saved);
	if (!tp)
		return NULL;
	shared[free_slot].tp = tp;
	shared[free_slot].n_threads = n_threads;
	shared[free_slot].refs = 1;
	return tp;
}

static void tp_put(pthreadpool_t tp)
{
	for (int i = 0; tp && i < N_SHARED; i++)
		if (shared[i].refs && shared[i].tp == tp) {
			if (--shared[i].refs == 0) {
				pthreadpool_destroy(tp);
				shared[i].tp = NULL;
			}
			return;
		}
}

static const char *xb_name(void) { return "xnnpack"; }

static const char *status_name(enum xnn_status st)
{
	switch (st) {
	case xnn_status_success: return "success";
	case xnn_status_uninitialized: return "uninitialized";
	case xnn_status_invalid_parameter: return "invalid parameter";
	case xnn_status_invalid_state: return "invalid state";
	case xnn_status_unsupported_parameter: return "unsupported parameter";
	case xnn_status_unsupported_hardware: return "unsupported hardware";
	case xnn_status_out_of_memory: return "out of memory";
	}
	return "unknown status";
}

/* xnn_initialize once; its status for every later call. */
static enum xnn_status init_status(void)
{
	static int done;
	static enum xnn_status st;
	if (!done) {
		st = xnn_initialize(NULL);
		done = 1;
	}
	return st;
}

/* Whether f16 operators run here: XNNPACK answers when one is created (cached). */
static enum xnn_status f16_status(void)
{
	static int done;
	static enum xnn_status st;
	if (done)
		return st;
	uint16_t w[16] = {0}, b[16] = {0};
	xnn_operator_t op = NULL;
	st = xnn_create_convolution2d_nhwc_f16(0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, w, b,
					       -INFINITY, INFINITY, 0, &op);
	xnn_delete_operator(op);
	done = 1;
	return st;
}

static int is_global(const struct kshape *k)
{
	return (k->op == KOP_AVGPOOL || k->op == KOP_MAXPOOL) && k->kernel >= k->in_h &&
	       k->kernel >= k->in_w && kshape_out_h(k) == 1 && kshape_out_w(k) == 1;
}

static int xb_supports(const struct kshape *k, char *why)
{
	enum xnn_status st = init_status();
	if (st != xnn_status_success) {
		snprintf(why, KB_WHY_LEN, "XNNPACK does not initialise on this CPU (%s)",
			 status_name(st));
		return 0;
	}
	if (k->dtype == DT_FP16 && (st = f16_status()) != xnn_status_success) {
		snprintf(why, KB_WHY_LEN,
			 "XNNPACK reports no fp16 operators on this CPU (creating an f16 "
			 "convolution: %s)",
			 status_name(st));
		return 0;
	}
	if (k->op == KOP_ADD && k->stride != 1) {
		snprintf(why, KB_WHY_LEN, "add needs stride 1");
		return 0;
	}
	int pooling = k->op == KOP_AVGPOOL || k->op == KOP_MAXPOOL;
	if (pooling && k->kernel == 1) {
		snprintf(why, KB_WHY_LEN, "XNNPACK has no 1x1 pooling (it is a subsample)");
		return 0;
	}
	if (pooling && k->stride > k->kernel && !is_global(k)) {
		snprintf(why, KB_WHY_LEN, "XNNPACK pooling needs stride <= kernel");
		return 0;
	}
	if (k->op == KOP_AVGPOOL && k->dtype == DT_FP16 && !is_global(k)) {
		snprintf(why, KB_WHY_LEN,
			 "this XNNPACK has fp16 average pooling only over the whole input");
		return 0;
	}
	return 1;
}

static void xb_release(void *state)
{
	struct xb *s = state;
	if (!s)
		return;
	if (s->slices) {
		for (int i = 0; i < s->n_slices; i++)
			if (s->slices[i])
				xnn_delete_operator(s->slices[i]);
		free(s->slices);
	}
	if (s->op)
		xnn_delete_operator(s->op);
	for (int i = 0; s->fc && i < s->n_threads; i++)
		if (s->fc[i])
			xnn_delete_operator(s->fc[i]);
	for (int i = 0; s->col && i < s->n_threads; i++)
		kb_free(s->col[i]);
	free(s->fc);
	free(s->col);
	free(s->part_status);
	tp_put(s->tp);
	kb_free(s->in_own);
	kb_free(s->in2);
	kb_free(s->w);
	kb_free(s->bias);
	kb_free(s->out);
	free(s);
}

/* Fills n elements of dtype d from uniform reals in [-a, a], quantised with scale (int8). */
static void fill(struct rng *r, enum dtype d, void *x, size_t n, float a, float scale)
{
	if (d == DT_FP32) {
		kb_fill_f32(r, x, n, -a, a);
	} else if (d == DT_FP16) {
		uint16_t *h = x;
		for (size_t i = 0; i < n; i++)
			h[i] = kb_f16_from_f32(kb_uniform_f32(r, -a, a));
	} else {
		int8_t *q = x;
		for (size_t i = 0; i < n; i++) {
			long v = lrintf(kb_uniform_f32(r, -a, a) / scale);
			q[i] = (int8_t)(v < -127 ? -127 : v > 127 ? 127 : v);
		}
	}
}

/*
 * A convolution without groups whose weights are larger than half a core's L2 runs as
 * slices of output channels, one operator each, every slice writing its channels into the
 * shared output (output_channel_stride). XNNPACK walks the output pixels in tiles and for
 * each tile every output channel of its operator, so with a large layer's weights in one
 * operator they stream from beyond the L2 once per pixel tile; a slice's stay in the L2
 * over all tiles. The 3x3 on 7x7x512 (9.4 MB of fp32 weights, 7 tiles of 7 pixels) went
 * from 91 to 130 GFLOP/s on one thread in 64-channel slices (docs/agent.md, kernel
 * efficiency). Slices are multiples of 16 channels (XNNPACK's widest output tile).
 */
static void plan_slices(struct xb *s)
{
	const struct kshape *k = &s->k;
	s->n_slices = 1;
	s->slice_c = k->out_c;
	if (k->op != KOP_CONV || k->groups != 1)
		return;
	size_t per_c = (size_t)k->kernel * k->kernel * k->in_c * (size_t)dtype_bytes(k->dtype);
	size_t budget = agent_l2_bytes() / 2;
	size_t n = (per_c * (size_t)k->out_c + budget - 1) / budget;
	if (n < 2)
		return;
	int c = (int)(((size_t)k->out_c + n - 1) / n);
	c = (c + 15) / 16 * 16;
	if (c >= k->out_c)
		return;
	s->slice_c = c;
	s->n_slices = (k->out_c + c - 1) / c;
}

/* Output channels [c0, c0 + n_c) as one operator in *op (c0 > 0 only without groups). */
static enum xnn_status create_conv_part(struct xb *s, int c0, int n_c, xnn_operator_t *op)
{
	const struct kshape *k = &s->k;
	int dw = k->op == KOP_DWCONV;
	uint32_t groups = (uint32_t)(dw ? k->in_c : k->groups);
	size_t gin = dw ? 1 : (size_t)(k->in_c / k->groups);
	size_t gout = (size_t)(n_c / (int)groups);
	uint32_t flags = dw ? XNN_FLAG_DEPTHWISE_CONVOLUTION : 0;
	uint32_t kern = (uint32_t)k->kernel, str = (uint32_t)k->stride;
	size_t w0 = (size_t)c0 * kern * kern * gin;
	switch (k->dtype) {
	case DT_FP32:
		return xnn_create_convolution2d_nhwc_f32(
			(uint32_t)s->pad_t, (uint32_t)s->pad_r, (uint32_t)s->pad_b, (uint32_t)s->pad_l,
			kern, kern, str, str, 1, 1, groups, gin, gout, (size_t)k->in_c,
			(size_t)k->out_c, (const float *)s->w + w0, (const float *)s->bias + c0,
			-INFINITY, INFINITY, flags, op);
	case DT_FP16:
		return xnn_create_convolution2d_nhwc_f16(
			(uint32_t)s->pad_t, (uint32_t)s->pad_r, (uint32_t)s->pad_b, (uint32_t)s->pad_l,
			kern, kern, str, str, 1, 1, groups, gin, gout, (size_t)k->in_c,
			(size_t)k->out_c, (const uint16_t *)s->w + w0, (const uint16_t *)s->bias + c0,
			-INFINITY, INFINITY, flags, op);
	default:
		return xnn_create_convolution2d_nhwc_qs8(
			(uint32_t)s->pad_t, (uint32_t)s->pad_r, (uint32_t)s->pad_b, (uint32_t)s->pad_l,
			kern, kern, str, str, 1, 1, groups, gin, gout, (size_t)k->in_c,
			(size_t)k->out_c, (int8_t)s->in_zero, s->in_scale, s->w_scale,
			(const int8_t *)s->w + w0, (const int32_t *)s->bias + c0, (int8_t)s->out_zero,
			s->out_scale, -128, 127, flags, op);
	}
}

/*
 * A convolution whose taps carry few channels over a large kernel (ResNet's 7x7 stride-2
 * first layer on 3 channels) runs as im2col + XNNPACK's GEMM (fully_connected): XNNPACK's
 * convolution walks the kernel taps through an indirection buffer and multiplies in_c
 * channels per tap, which for 3 channels is more bookkeeping than arithmetic, while the
 * GEMM runs over all kernel x kernel x in_c products of a row at once. Measured on one
 * thread (build machine): 7x7 s2 on 3 -> 64 channels 124 -> 147 GFLOP/s, on 3 -> 32 114 ->
 * 125, on 4 -> 64 139 -> 152; not taken where it measured slower: 3x3 on 3 channels (109 ->
 * 80), 5x5 on 3 -> 32 (112 -> 104), 7x7 on 8 channels (155 -> 150). Each thread builds and
 * multiplies its own share of the pixels, in chunks whose rows fill about an eighth of the
 * L2 (445 pixels of 7x7x3 on a 2 MB L2: 256 and 512 measured best, 1024 and more slower).
 */
static int plan_gemm(const struct kshape *k)
{
	return k->op == KOP_CONV && k->groups == 1 && k->in_c <= 4 && k->kernel >= 7;
}

static enum xnn_status create_fc_part(struct xb *s, xnn_operator_t *op)
{
	const struct kshape *k = &s->k;
	size_t kk = (size_t)k->kernel * k->kernel * k->in_c, co = (size_t)k->out_c;
	switch (k->dtype) {
	case DT_FP32:
		return xnn_create_fully_connected_nc_f32(kk, co, kk, co, s->w, s->bias, -INFINITY,
							 INFINITY, 0, op);
	case DT_FP16:
		return xnn_create_fully_connected_nc_f16(kk, co, kk, co, s->w, s->bias, -INFINITY,
							 INFINITY, 0, op);
	default:
		return xnn_create_fully_connected_nc_qs8(
			kk, co, kk, co, (int8_t)s->in_zero, s->in_scale, s->w_scale, s->w, s->bias,
			(int8_t)s->out_zero, s->out_scale, -128, 127, 0, op);
	}
}

static enum xnn_status create_gemm(struct xb *s)
{
	const struct kshape *k = &s->k;
	size_t elem = (size_t)dtype_bytes(k->dtype);
	s->gemm = 1;
	s->row_bytes = (size_t)k->kernel * k->kernel * k->in_c * elem;
	s->chunk = (long)(agent_l2_bytes() / 8 / s->row_bytes);
	if (s->chunk < 16)
		s->chunk = 16;
	int n = s->n_threads;
	if (!(s->fc = calloc((size_t)n, sizeof *s->fc)) ||
	    !(s->col = calloc((size_t)n, sizeof *s->col)) ||
	    !(s->part_status = calloc((size_t)n, sizeof *s->part_status)))
		return xnn_status_out_of_memory;
	for (int i = 0; i < n; i++) {
		if (!(s->col[i] = kb_alloc((size_t)s->chunk * s->row_bytes)))
			return xnn_status_out_of_memory;
		enum xnn_status st = create_fc_part(s, &s->fc[i]);
		if (st != xnn_status_success)
			return st;
	}
	return xnn_status_success;
}

static enum xnn_status setup_fc_part(struct xb *s, xnn_operator_t op, size_t batch,
				     const void *in, void *out)
{
	switch (s->k.dtype) {
	case DT_FP32: return xnn_setup_fully_connected_nc_f32(op, batch, in, out, NULL);
	case DT_FP16: return xnn_setup_fully_connected_nc_f16(op, batch, in, out, NULL);
	default: return xnn_setup_fully_connected_nc_qs8(op, batch, in, out, NULL);
	}
}

/* Share i of the pixels: im2col a chunk, multiply it, into the output; on thread i's own. */
static void gemm_share(void *ctx, size_t i)
{
	struct xb *s = ctx;
	const struct kshape *k = &s->k;
	long n_pix = (long)s->oh * s->ow;
	long lo = n_pix * (long)i / s->n_threads, hi = n_pix * (long)(i + 1) / s->n_threads;
	size_t elem = (size_t)dtype_bytes(k->dtype);
	enum xnn_status st = xnn_status_success;
	for (long p = lo; p < hi && st == xnn_status_success; p += s->chunk) {
		long p1 = p + s->chunk < hi ? p + s->chunk : hi;
		kb_im2col(k, s->ow, s->pad_t, s->pad_l, s->in, elem, 0, s->col[i], p, p1);
		st = setup_fc_part(s, s->fc[i], (size_t)(p1 - p), s->col[i],
				   (unsigned char *)s->out + (size_t)p * k->out_c * elem);
		if (st == xnn_status_success)
			st = xnn_run_operator(s->fc[i], NULL);
	}
	s->part_status[i] = st;
}

static enum xnn_status run_gemm(struct xb *s)
{
	if (s->tp)
		pthreadpool_parallelize_1d(s->tp, gemm_share, s, (size_t)s->n_threads, 0);
	else
		gemm_share(s, 0);
	for (int i = 0; i < s->n_threads; i++)
		if (s->part_status[i] != xnn_status_success)
			return s->part_status[i];
	return xnn_status_success;
}

static enum xnn_status create_conv(struct xb *s)
{
	if (plan_gemm(&s->k))
		return create_gemm(s);
	plan_slices(s);
	if (s->n_slices == 1)
		return create_conv_part(s, 0, s->k.out_c, &s->op);
	if (!(s->slices = calloc((size_t)s->n_slices, sizeof *s->slices)))
		return xnn_status_out_of_memory;
	for (int i = 0; i < s->n_slices; i++) {
		int c0 = i * s->slice_c;
		int n_c = s->k.out_c - c0 < s->slice_c ? s->k.out_c - c0 : s->slice_c;
		enum xnn_status st = create_conv_part(s, c0, n_c, &s->slices[i]);
		if (st != xnn_status_success)
			return st;
	}
	return xnn_status_success;
}

static enum xnn_status setup_conv_part(struct xb *s, xnn_operator_t op, int c0)
{
	const struct kshape *k = &s->k;
	size_t h = (size_t)k->in_h, w = (size_t)k->in_w;
	switch (k->dtype) {
	case DT_FP32:
		return xnn_setup_convolution2d_nhwc_f32(op, 1, h, w, s->in, (float *)s->out + c0,
							s->tp);
	case DT_FP16:
		return xnn_setup_convolution2d_nhwc_f16(op, 1, h, w, s->in,
							(uint16_t *)s->out + c0, s->tp);
	default:
		return xnn_setup_convolution2d_nhwc_qs8(op, 1, h, w, s->in, (int8_t *)s->out + c0,
							s->tp);
	}
}

static enum xnn_status setup_conv(struct xb *s)
{
	if (s->gemm) /* set up for each chunk as it runs */
		return xnn_status_success;
	if (!s->slices)
		return setup_conv_part(s, s->op, 0);
	for (int i = 0; i < s->n_slices; i++) {
		enum xnn_status st = setup_conv_part(s, s->slices[i], i * s->slice_c);
		if (st != xnn_status_success)
			return st;
	}
	return xnn_status_success;
}

static enum xnn_status create_fc(struct xb *s)
{
	const struct kshape *k = &s->k;
	size_t ci = (size_t)k->in_c, co = (size_t)k->out_c;
	switch (k->dtype) {
	case DT_FP32:
		return xnn_create_fully_connected_nc_f32(ci, co, ci, co, s->w, s->bias, -INFINITY,
							 INFINITY, 0, &s->op);
	case DT_FP16:
		return xnn_create_fully_connected_nc_f16(ci, co, ci, co, s->w, s->bias, -INFINITY,
							 INFINITY, 0, &s->op);
	default:
		return xnn_create_fully_connected_nc_qs8(
			ci, co, ci, co, (int8_t)s->in_zero, s->in_scale, s->w_scale, s->w, s->bias,
			(int8_t)s->out_zero, s->out_scale, -128, 127, 0, &s->op);
	}
}

static enum xnn_status setup_fc(struct xb *s)
{
	switch (s->k.dtype) {
	case DT_FP32:
		return xnn_setup_fully_connected_nc_f32(s->op, 1, s->in, s->out, s->tp);
	case DT_FP16:
		return xnn_setup_fully_connected_nc_f16(s->op, 1, s->in, s->out, s->tp);
	default:
		return xnn_setup_fully_connected_nc_qs8(s->op, 1, s->in, s->out, s->tp);
	}
}

static enum xnn_status create_pool(struct xb *s)
{
	const struct kshape *k = &s->k;
	size_t c = (size_t)k->in_c;
	uint32_t pt = (uint32_t)s->pad_t, pr = (uint32_t)s->pad_r, pb = (uint32_t)s->pad_b,
		 pl = (uint32_t)s->pad_l, kern = (uint32_t)k->kernel, str = (uint32_t)k->stride;
	if (k->op == KOP_MAXPOOL) {
		switch (k->dtype) {
		case DT_FP32:
			return xnn_create_max_pooling2d_nhwc_f32(pt, pr, pb, pl, kern, kern, str, str,
								 1, 1, c, c, c, -INFINITY, INFINITY,
								 0, &s->op);
		case DT_FP16:
			return xnn_create_max_pooling2d_nhwc_f16(pt, pr, pb, pl, kern, kern, str, str,
								 1, 1, c, c, c, -INFINITY, INFINITY,
								 0, &s->op);
		default:
			return xnn_create_max_pooling2d_nhwc_s8(pt, pr, pb, pl, kern, kern, str, str, 1,
								1, c, c, c, -128, 127, 0, &s->op);
		}
	}
	if (s->global) {
		switch (k->dtype) {
		case DT_FP32:
			return xnn_create_global_average_pooling_nwc_f32(c, c, c, -INFINITY, INFINITY,
									 0, &s->op);
		case DT_FP16:
			return xnn_create_global_average_pooling_nwc_f16(c, c, c, -INFINITY, INFINITY,
									 0, &s->op);
		default:
			return xnn_create_global_average_pooling_nwc_qs8(
				c, c, c, (int8_t)s->in_zero, s->in_scale, (int8_t)s->out_zero,
				s->out_scale, -128, 127, 0, &s->op);
		}
	}
	if (k->dtype == DT_FP32)
		return xnn_create_average_pooling2d_nhwc_f32(pt, pr, pb, pl, kern, kern, str, str, c,
							     c, c, -INFINITY, INFINITY, 0, &s->op);
	/* int8: the unsigned operator; the data are offset by 128 (same arithmetic) */
	return xnn_create_average_pooling2d_nhwc_qu8(pt, pr, pb, pl, kern, kern, str, str, c, c, c,
						     (uint8_t)s->in_zero, s->in_scale,
						     (uint8_t)s->out_zero, s->out_scale, 0, 255, 0,
						     &s->op);
}

static enum xnn_status setup_pool(struct xb *s)
{
	const struct kshape *k = &s->k;
	size_t h = (size_t)k->in_h, w = (size_t)k->in_w;
	if (k->op == KOP_MAXPOOL) {
		switch (k->dtype) {
		case DT_FP32:
			return xnn_setup_max_pooling2d_nhwc_f32(s->op, 1, h, w, s->in, s->out, s->tp);
		case DT_FP16:
			return xnn_setup_max_pooling2d_nhwc_f16(s->op, 1, h, w, s->in, s->out, s->tp);
		default:
			return xnn_setup_max_pooling2d_nhwc_s8(s->op, 1, h, w, s->in, s->out, s->tp);
		}
	}
	if (s->global) {
		switch (k->dtype) {
		case DT_FP32:
			return xnn_setup_global_average_pooling_nwc_f32(s->op, 1, h * w, s->in,
									s->out, s->tp);
		case DT_FP16:
			return xnn_setup_global_average_pooling_nwc_f16(s->op, 1, h * w, s->in,
									s->out, s->tp);
		default:
			return xnn_setup_global_average_pooling_nwc_qs8(s->op, 1, h * w, s->in,
									s->out, s->tp);
		}
	}
	if (k->dtype == DT_FP32)
		return xnn_setup_average_pooling2d_nhwc_f32(s->op, 1, h, w, s->in, s->out, s->tp);
	return xnn_setup_average_pooling2d_nhwc_qu8(s->op, 1, h, w, s->in, s->out, s->tp);
}

static enum xnn_status create_add(struct xb *s)
{
	switch (s->k.dtype) {
	case DT_FP32:
		return xnn_create_add_nd_f32(-INFINITY, INFINITY, 0, &s->op);
	case DT_FP16:
		return xnn_create_add_nd_f16(-INFINITY, INFINITY, 0, &s->op);
	default:
		return xnn_create_add_nd_qs8((int8_t)s->in_zero, s->in_scale, (int8_t)s->in_zero,
					     s->in_scale, (int8_t)s->out_zero, s->out_scale, -128,
					     127, 0, &s->op);
	}
}

static enum xnn_status setup_add(struct xb *s)
{
	const struct kshape *k = &s->k;
	size_t shape[4] = {1, (size_t)k->in_h, (size_t)k->in_w, (size_t)k->in_c};
	switch (k->dtype) {
	case DT_FP32:
		return xnn_setup_add_nd_f32(s->op, 4, shape, 4, shape, s->in, s->in2, s->out, s->tp);
	case DT_FP16:
		return xnn_setup_add_nd_f16(s->op, 4, shape, 4, shape, s->in, s->in2, s->out, s->tp);
	default:
		return xnn_setup_add_nd_qs8(s->op, 4, shape, 4, shape, s->in, s->in2, s->out, s->tp);
	}
}

/* Creates the operator for s->k (weights packed). */
static enum xnn_status create_op(struct xb *s)
{
	switch (s->k.op) {
	case KOP_CONV:
	case KOP_DWCONV: return create_conv(s);
	case KOP_FC: return create_fc(s);
	case KOP_AVGPOOL:
	case KOP_MAXPOOL: return create_pool(s);
	default: return create_add(s);
	}
}

/* Points the operator at s->in and s->out (and sizes its work for the pool). */
static enum xnn_status setup_op(struct xb *s)
{
	switch (s->k.op) {
	case KOP_CONV:
	case KOP_DWCONV: return setup_conv(s);
	case KOP_FC: return setup_fc(s);
	case KOP_AVGPOOL:
	case KOP_MAXPOOL: return setup_pool(s);
	default: return setup_add(s);
	}
}

static int xb_prepare(const struct kshape *k, int n_threads, uint64_t seed, void **state,
		      struct errbuf *eb)
{
	char why[KB_WHY_LEN];
	if (!xb_supports(k, why))
		return err_set(eb, ERR_USAGE, "xnnpack: %s", why);
	struct xb *s = calloc(1, sizeof *s);
	if (!s)
		return err_set(eb, ERR_NOMEM, "xnnpack: out of memory");
	int rc = ERR_NOMEM;
	s->k = *k;
	s->n_slices = 1;
	s->n_threads = n_threads;
	s->oh = kshape_out_h(k);
	s->ow = kshape_out_w(k);
	int total;
	kb_pad_same(k->in_h, k->kernel, k->stride, &total, &s->pad_t);
	s->pad_b = total - s->pad_t;
	kb_pad_same(k->in_w, k->kernel, k->stride, &total, &s->pad_l);
	s->pad_r = total - s->pad_l;
	s->global = k->op == KOP_AVGPOOL && is_global(k);
	s->unsigned8 = k->op == KOP_AVGPOOL && !s->global && k->dtype == DT_INT8;
	s->n_in = (size_t)k->in_h * k->in_w * k->in_c;
	s->n_out = (size_t)s->oh * s->ow * k->out_c;
	size_t elem_size = (size_t)dtype_bytes(k->dtype);

	/* quantisation (int8): inputs span [-1, 1], weights +-1/sqrt(fan_in) */
	double fan_in = 1;
	if (k->op == KOP_CONV) {
		s->n_w = (size_t)k->out_c * k->kernel * k->kernel * (k->in_c / k->groups);
		fan_in = (double)k->kernel * k->kernel * (k->in_c / k->groups);
	} else if (k->op == KOP_DWCONV) {
		s->n_w = (size_t)k->kernel * k->kernel * k->out_c;
		fan_in = (double)k->kernel * k->kernel;
	} else if (k->op == KOP_FC) {
		s->n_w = (size_t)k->out_c * k->in_c;
		fan_in = k->in_c;
	}
	float wa = (float)(1.0 / sqrt(fan_in));
	s->in_scale = 1.0f / 127.0f;
	s->w_scale = wa / 127.0f;
	s->out_scale = s->n_w || k->op == KOP_ADD ? 2.0f / 127.0f : s->in_scale;
	if (k->dtype != DT_INT8)
		s->in_scale = s->w_scale = s->out_scale = 1.0f;
	s->in_zero = s->out_zero = s->unsigned8 ? 128 : 0;

	struct rng r;
	rng_init(&r, seed, KB_RNG_STREAM);
	if (!(s->in = s->in_own = kb_alloc(s->n_in * elem_size)) ||
	    !(s->out = kb_alloc(s->n_out * elem_size)))
		goto nomem;
	fill(&r, k->dtype, s->in_own, s->n_in, 1.0f, s->in_scale);
	if (s->unsigned8)
		for (size_t i = 0; i < s->n_in; i++)
			((uint8_t *)s->in_own)[i] = (uint8_t)(((int8_t *)s->in_own)[i] + 128);
	if (k->op == KOP_ADD) {
		if (!(s->in2 = kb_alloc(s->n_in * elem_size)))
			goto nomem;
		fill(&r, k->dtype, s->in2, s->n_in, 1.0f, s->in_scale);
	}
	if (s->n_w) {
		size_t bias_size = k->dtype == DT_INT8 ? sizeof(int32_t) : elem_size;
		if (!(s->w = kb_alloc(s->n_w * elem_size)) ||
		    !(s->bias = kb_alloc((size_t)k->out_c * bias_size)))
			goto nomem;
		fill(&r, k->dtype, s->w, s->n_w, wa, s->w_scale);
		if (k->dtype == DT_INT8) {
			int32_t *b = s->bias;
			for (int i = 0; i < k->out_c; i++)
				b[i] = (int32_t)lrintf(kb_uniform_f32(&r, -0.1f, 0.1f) /
						       (s->in_scale * s->w_scale));
		} else {
			fill(&r, k->dtype, s->bias, (size_t)k->out_c, 0.1f, 1.0f);
		}
	}
	if (n_threads > 1 && !(s->tp = tp_get(n_threads))) {
		err_set(eb, ERR_NOMEM, "xnnpack: cannot create a pool of %d threads", n_threads);
		goto fail;
	}

	enum xnn_status st = create_op(s);
	if (st == xnn_status_success)
		st = setup_op(s);
	if (st != xnn_status_success) {
		char key[128];
		kshape_format(k, key, sizeof key);
		rc = st == xnn_status_out_of_memory ? ERR_NOMEM
		     : st == xnn_status_unsupported_hardware || st == xnn_status_unsupported_parameter
			     ? ERR_USAGE
			     : ERR_BACKEND;
		err_set(eb, rc, "xnnpack: %s operator for %s: %s", kop_name(k->op), key,
			status_name(st));
		goto fail;
	}
	*state = s;
	return 0;
nomem:
	err_set(eb, ERR_NOMEM, "xnnpack: out of memory for %s buffers", kop_name(k->op));
fail:
	xb_release(s);
	return rc;
}

static int xb_run(void *state, struct errbuf *eb)
{
	struct xb *s = state;
	if (s->gemm) {
		enum xnn_status st = run_gemm(s);
		if (st != xnn_status_success)
			return err_set(eb, ERR_BACKEND, "xnnpack: running %s: %s",
				       kop_name(s->k.op), status_name(st));
		return 0;
	}
	for (int i = 0; i < s->n_slices; i++) {
		enum xnn_status st = xnn_run_operator(s->slices ? s->slices[i] : s->op, s->tp);
		if (st != xnn_status_success)
			return err_set(eb, ERR_BACKEND, "xnnpack: running %s: %s",
				       kop_name(s->k.op), status_name(st));
	}
	return 0;
}

static int xb_bind(void *state, const void *in, struct errbuf *eb)
{
	struct xb *s = state;
	s->in = in;
	enum xnn_status st = setup_op(s);
	if (st != xnn_status_success)
		return err_set(eb, ERR_BACKEND, "xnnpack: setting up %s on a new input: %s",
			       kop_name(s->k.op), status_name(st));
	return 0;
}

static void xb_view(const void *state, struct kb_view *v)
{
	const struct xb *s = state;
	memset(v, 0, sizeof *v);
	v->dtype = s->k.dtype;
	v->in = s->in;
	v->in2 = s->in2;
	v->w = s->w;
	v->bias = s->bias;
	v->out = s->out;
	v->n_in = s->n_in;
	v->n_w = s->n_w;
	v->n_out = s->n_out;
	v->in_scale = s->in_scale;
	v->w_scale = s->w_scale;
	v->out_scale = s->out_scale;
	v->in_zero = s->in_zero;
	v->out_zero = s->out_zero;
	v->unsigned8 = s->unsigned8;
}

const struct kb_backend kb_xnnpack = {
	.name = xb_name,
	.supports = xb_supports,
	.prepare = xb_prepare,
	.run = xb_run,
	.view = xb_view,
	.release = xb_release,
	.bind = xb_bind,
};

#else /* ADASCALE_AGENT_NO_XNNPACK: an agent built with OpenBLAS only (make AGENT_XNNPACK=0) */

#include <stdio.h>
#include <string.h>

static const char *xb_name(void) { return "xnnpack"; }

static int xb_supports(const struct kshape *k, char *why)
{
	(void)k;
	snprintf(why, KB_WHY_LEN, "this agent was built without XNNPACK (AGENT_XNNPACK=0)");
	return 0;
}

static int xb_prepare(const struct kshape *k, int n_threads, uint64_t seed, void **state,
		      struct errbuf *eb)
{
	(void)k;
	(void)n_threads;
	(void)seed;
	*state = NULL;
	return err_set(eb, ERR_USAGE, "xnnpack: this agent was built without XNNPACK");
}

static int xb_run(void *state, struct errbuf *eb)
{
	(void)state;
	return err_set(eb, ERR_BACKEND, "xnnpack: this agent was built without XNNPACK");
}

static void xb_view(const void *state, struct kb_view *v)
{
	(void)state;
	memset(v, 0, sizeof *v);
}

static void xb_release(void *state) { (void)state; }

const struct kb_backend kb_xnnpack = {
	.name = xb_name,
	.supports = xb_supports,
	.prepare = xb_prepare,
	.run = xb_run,
	.view = xb_view,
	.release = xb_release,
	.bind = NULL,
};

#endif

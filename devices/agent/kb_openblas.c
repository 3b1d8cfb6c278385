/*
 * kb_openblas.c: the fp32 backend on OpenBLAS (see kb_backend.h for layouts).
 *
 * A 1x1 stride-1 convolution is cblas_sgemm straight on the input (lda = in_c picks a
 * group's channels) on OpenBLAS's threads. Any other convolution is split over the agent's
 * pool by output pixels: each thread fills its own im2col buffer (chunks of pixels sized to
 * its L2, col_bytes) and runs a single-threaded sgemm per chunk and group. Depthwise
 * convolution, pooling and add are direct NHWC loops whose inner loop runs over channels,
 * split across the agent's thread pool; they are written with 4-wide vector types (one SSE
 * or NEON register) so that they vectorise at -O2 on any target (wider types make poor code
 * on a baseline x86-64 build), and depthwise convolution keeps 8 channels of a pixel in
 * registers over all its taps. fc is sgemv on OpenBLAS's threads (openblas_set_num_threads).
 * Biases are written into the output first and the BLAS call accumulates onto them
 * (beta = 1). Not for int8 or fp16 (kb_xnnpack.c) and not for timing.
 */
#include "kb_openblas.h"

#include <cblas.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "acache.h"
#include "apool.h"
#include "kb_tensor.h"

/*
 * im2col runs in chunks of output pixels whose rows fill about half the CPU's L2 (from
 * sysfs; 1 MB when it does not say), 256 KB to 4 MB, one buffer per thread, so that sgemm
 * reads them back from that core's L2: on the 2 MB L2 of the build machine the 7x7
 * stride-2 convolution on 3 channels (ResNet's first layer) went from about 63 to 82
 * GFLOP/s on one thread with 1 MB chunks instead of one 7.4 MB chunk (docs/agent.md,
 * kernel efficiency).
 */
static size_t col_bytes(void)
{
	size_t b = agent_l2_bytes() / 2;
	if (b < ((size_t)256 << 10))
		b = (size_t)256 << 10;
	if (b > ((size_t)4 << 20))
		b = (size_t)4 << 20;
	return b;
}

typedef float v4f __attribute__((vector_size(16)));
typedef int32_t v4i __attribute__((vector_size(16)));

struct ob {
	struct kshape k;
	int n_threads;
	struct agent_pool *pool;
	int oh, ow, pad_t, pad_l;
	int cin_g, cout_g, kk; /* conv: channels per group, im2col row length */
	int direct;            /* conv: 1x1 stride 1, sgemm on the input */
	int split_channels;    /* conv: threads split output channels, not pixels */
	int shared_col;        /* conv: split_channels with one chunk: rows built once */
	long chunk;            /* conv: output pixels per im2col chunk */
	const float *in; /* in_own, unless bind gave another buffer */
	float *in_own, *in2, *w, *bias, *out, *col;
	float *out_t;          /* conv with shared_col: output channel-major, then transposed */
	size_t n_in, n_w, n_out;
};

/* What one parallel call works on. */
struct job {
	struct ob *s;
};

/*
 * Pools are shared by the kernels of one thread count (a whole model prepared at once
 * needs one pool, not one per layer); each kernel holds a reference. Like the rest of the
 * backend this is for one calling thread.
 */
#define N_SHARED 8

static struct {
	struct agent_pool *pool;
	int n_threads;
	int refs;
} shared[N_SHARED];

static struct agent_pool *pool_get(int n_threads, struct errbuf *eb)
{
	int free_slot = -1;
	for (int i = 0; i < N_SHARED; i++) {
		if (shared[i].refs && shared[i].n_threads == n_threads) {
			shared[i].refs++;
			return shared[i].pool;
		}
		if (!shared[i].refs && free_slot < 0)
			free_slot = i;
	}
	if (free_slot < 0) {
		err_set(eb, ERR_RANGE, "openblas: more than %d thread counts at once", N_SHARED);
		return NULL;
	}
	struct agent_pool *p = agent_pool_create(n_threads, eb);
	if (!p)
		return NULL;
	shared[free_slot].pool = p;
	shared[free_slot].n_threads = n_threads;
	shared[free_slot].refs = 1;
	return p;
}

static void pool_put(struct agent_pool *p)
{
	for (int i = 0; p && i < N_SHARED; i++)
		if (shared[i].refs && shared[i].pool == p) {
			if (--shared[i].refs == 0) {
				agent_pool_destroy(p);
				shared[i].pool = NULL;
			}
			return;
		}
}

static const char *ob_name(void) { return "openblas"; }

static int ob_supports(const struct kshape *k, char *why)
{
	if (k->dtype != DT_FP32) {
		snprintf(why, KB_WHY_LEN, "the openblas backend runs fp32 only (%s goes to xnnpack)",
			 dtype_name(k->dtype));
		return 0;
	}
	if (k->op == KOP_ADD && k->stride != 1) {
		snprintf(why, KB_WHY_LEN, "add needs stride 1");
		return 0;
	}
	/* BLAS takes int sizes */
	double kk = (double)k->kernel * k->kernel * k->in_c;
	if ((double)kshape_out_h(k) * kshape_out_w(k) * (k->out_c > kk ? k->out_c : kk) > INT_MAX) {
		snprintf(why, KB_WHY_LEN, "too large for the BLAS interface's int sizes");
		return 0;
	}
	return 1;
}

static inline void vmadd(float *restrict o, const float *restrict a, const float *restrict b,
			 int n)
{
	int c = 0;
	for (; c + 4 <= n; c += 4) {
		v4f x, y, z;
		memcpy(&x, a + c, sizeof x);
		memcpy(&y, b + c, sizeof y);
		memcpy(&z, o + c, sizeof z);
		z += x * y;
		memcpy(o + c, &z, sizeof z);
	}
	for (; c < n; c++)
		o[c] += a[c] * b[c];
}

static inline void vadd_to(float *restrict o, const float *restrict a, int n)
{
	int c = 0;
	for (; c + 4 <= n; c += 4) {
		v4f x, z;
		memcpy(&x, a + c, sizeof x);
		memcpy(&z, o + c, sizeof z);
		z += x;
		memcpy(o + c, &z, sizeof z);
	}
	for (; c < n; c++)
		o[c] += a[c];
}

static inline void vadd3(float *restrict o, const float *restrict a, const float *restrict b,
			 long n)
{
	long c = 0;
	for (; c + 4 <= n; c += 4) {
		v4f x, y;
		memcpy(&x, a + c, sizeof x);
		memcpy(&y, b + c, sizeof y);
		x += y;
		memcpy(o + c, &x, sizeof x);
	}
	for (; c < n; c++)
		o[c] = a[c] + b[c];
}

static inline v4f vmax4(v4f a, v4f b)
{
	v4i gt = a > b;
	return (v4f)(((v4i)a & gt) | ((v4i)b & ~gt));
}

static inline void vmax_to(float *restrict o, const float *restrict a, int n)
{
	int c = 0;
	for (; c + 4 <= n; c += 4) {
		v4f x, z;
		memcpy(&x, a + c, sizeof x);
		memcpy(&z, o + c, sizeof z);
		z = vmax4(x, z);
		memcpy(o + c, &z, sizeof z);
	}
	for (; c < n; c++)
		o[c] = a[c] > o[c] ? a[c] : o[c];
}

static inline void vscale(float *o, float f, int n)
{
	for (int c = 0; c < n; c++)
		o[c] *= f;
}

/* Output pixels [lo, hi) of the whole output start as the bias. */
static void bias_fill(void *ctx, int tid, int n)
{
	struct ob *s = ((struct job *)ctx)->s;
	long lo, hi;
	agent_pool_share((long)s->oh * s->ow, tid, n, &lo, &hi);
	for (long p = lo; p < hi; p++)
		memcpy(s->out + p * s->k.out_c, s->bias, (size_t)s->k.out_c * sizeof(float));
}

/* im2col rows of output pixels [p0, p1) of group g into col (row q is pixel p0 + q). */
/* The im2col rows of output pixels [p0, p1), group g (kb_im2col). */
static void im2col_rows(const struct ob *s, float *col, long p0, long p1, int g)
{
	kb_im2col(&s->k, s->ow, s->pad_t, s->pad_l, s->in, sizeof(float), g, col, p0, p1);
}

/*
 * One thread's share of an im2col convolution, on this thread alone (single-threaded
 * sgemm), with its own im2col buffer, in chunks of pixels that fit it. The work is split
 * by output pixels, or, when there are fewer pixels than output channels (late layers:
 * 7x7 pixels, 512 channels), by output channels, so that each thread reads its own share
 * of the weights rather than all of them; the im2col rows of all pixels are then built
 * once, before (im2col_split), when they fit one chunk, else by every thread for itself.
 * Threads share nothing else but the input and weights: no hand-over between the
 * agent's pool and OpenBLAS's threads inside the kernel (two per chunk otherwise), and each
 * core's chunks stay in its own L2.
 */
static void conv_part(void *ctx, int tid, int n)
{
	struct ob *s = ((struct job *)ctx)->s;
	const struct kshape *k = &s->k;
	long n_pix = (long)s->oh * s->ow, lo = 0, hi = n_pix, c0 = 0, c1 = s->cout_g;
	if (s->split_channels)
		agent_pool_share(s->cout_g, tid, n, &c0, &c1);
	else
		agent_pool_share(n_pix, tid, n, &lo, &hi);
	if (c1 <= c0 || hi <= lo)
		return;
	if (s->shared_col) {
		/*
		 * The im2col rows of every pixel are already in s->col (im2col_split). With few
		 * pixels (49 on 7x7) sgemm runs faster computing this thread's channels as rows,
		 * W[c0..c1) x col^T (measured 6% over the pixel-major product on a Xeon), so
		 * the result goes to out_t channel-major and is transposed into out with the
		 * bias added.
		 */
		float *ot = s->out_t + (size_t)c0 * n_pix;
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)(c1 - c0), (int)n_pix,
			    s->kk, 1.0f, s->w + (size_t)c0 * s->kk, s->kk, s->col, s->kk, 0.0f, ot,
			    (int)n_pix);
		for (long p = 0; p < n_pix; p++) {
			float *op = s->out + p * k->out_c;
			for (long c = c0; c < c1; c++)
				op[c] = ot[(c - c0) * n_pix + p] + s->bias[c];
		}
		return;
	}
	float *col = s->col + (size_t)tid * s->chunk * s->kk;
	for (long p = lo; p < hi; p++)
		memcpy(s->out + p * k->out_c + c0, s->bias + c0,
		       (size_t)(s->split_channels ? c1 - c0 : k->out_c) * sizeof(float));
	for (long p0 = lo; p0 < hi; p0 += s->chunk) {
		long p1 = p0 + s->chunk < hi ? p0 + s->chunk : hi;
		for (int g = 0; g < k->groups; g++) {
			im2col_rows(s, col, p0, p1, g);
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)(p1 - p0),
				    (int)(c1 - c0), s->kk, 1.0f, col, s->kk,
				    s->w + ((size_t)g * s->cout_g + (size_t)c0) * s->kk, s->kk,
				    1.0f,
				    s->out + (size_t)p0 * k->out_c + (size_t)g * s->cout_g +
					    (size_t)c0,
				    k->out_c);
		}
	}
}

/*
 * With threads splitting output channels and every pixel's rows in one chunk, the rows are
 * built once, split over the threads by pixels, before conv_part: otherwise each thread
 * would build all of them (a 3x3 convolution on 7x7x512 builds 0.9 MB of rows).
 */
static void im2col_split(void *ctx, int tid, int n)
{
	struct ob *s = ((struct job *)ctx)->s;
	long lo, hi;
	agent_pool_share((long)s->oh * s->ow, tid, n, &lo, &hi);
	if (hi > lo)
		im2col_rows(s, s->col + (size_t)lo * s->kk, lo, hi, 0);
}

/* A 1x1 stride-1 convolution: sgemm on the input itself, on OpenBLAS's threads. */
static void run_conv_direct(struct ob *s)
{
	const struct kshape *k = &s->k;
	struct job j = {.s = s};
	agent_pool_run(s->pool, bias_fill, &j);
	long n_pix = (long)s->oh * s->ow;
	for (int g = 0; g < k->groups; g++)
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n_pix, s->cout_g,
			    s->cin_g, 1.0f, s->in + (size_t)g * s->cin_g, k->in_c,
			    s->w + (size_t)g * s->cout_g * s->cin_g, s->cin_g, 1.0f,
			    s->out + (size_t)g * s->cout_g, k->out_c);
}

/* Taps of one output pixel kept in registers: kernels up to 8x8 take the fast path. */
#define MAX_TAPS 64

/*
 * One output pixel of a depthwise convolution with multiplier 1: the input and weight
 * rows of its valid taps are gathered first, then each block of 8 channels is accumulated
 * in a register over all taps and stored once.
 */
static void dw_pixel(float *restrict op, const float *restrict bias, const float **ips,
		     const float **wps, int n_taps, int n_c)
{
	int c = 0;
	for (; c + 8 <= n_c; c += 8) {
		v4f a0, a1;
		memcpy(&a0, bias + c, sizeof a0);
		memcpy(&a1, bias + c + 4, sizeof a1);
		for (int t = 0; t < n_taps; t++) {
			v4f x0, x1, y0, y1;
			memcpy(&x0, ips[t] + c, sizeof x0);
			memcpy(&x1, ips[t] + c + 4, sizeof x1);
			memcpy(&y0, wps[t] + c, sizeof y0);
			memcpy(&y1, wps[t] + c + 4, sizeof y1);
			a0 += x0 * y0;
			a1 += x1 * y1;
		}
		memcpy(op + c, &a0, sizeof a0);
		memcpy(op + c + 4, &a1, sizeof a1);
	}
	for (; c < n_c; c++) {
		float acc = bias[c];
		for (int t = 0; t < n_taps; t++)
			acc += ips[t][c] * wps[t][c];
		op[c] = acc;
	}
}

static void dwconv_rows(void *ctx, int tid, int n)
{
	struct ob *s = ((struct job *)ctx)->s;
	const struct kshape *k = &s->k;
	int mult = k->out_c / k->in_c;
	int fast = mult == 1 && k->kernel * k->kernel <= MAX_TAPS;
	const float *ips[MAX_TAPS], *wps[MAX_TAPS];
	long lo, hi;
	agent_pool_share(s->oh, tid, n, &lo, &hi);
	for (int oy = (int)lo; oy < hi; oy++) {
		for (int ox = 0; ox < s->ow; ox++) {
			float *op = s->out + ((size_t)oy * s->ow + ox) * k->out_c;
			int n_taps = 0;
			if (!fast)
				memcpy(op, s->bias, (size_t)k->out_c * sizeof(float));
			for (int ky = 0; ky < k->kernel; ky++) {
				int iy = oy * k->stride - s->pad_t + ky;
				if (iy < 0 || iy >= k->in_h)
					continue;
				for (int kx = 0; kx < k->kernel; kx++) {
					int ix = ox * k->stride - s->pad_l + kx;
					if (ix < 0 || ix >= k->in_w)
						continue;
					const float *ip = s->in + ((size_t)iy * k->in_w + ix) * k->in_c;
					const float *wp = s->w + ((size_t)ky * k->kernel + kx) * k->out_c;
					if (fast) {
						ips[n_taps] = ip;
						wps[n_taps++] = wp;
					} else if (mult == 1) {
						vmadd(op, ip, wp, k->out_c);
					} else {
						for (int c = 0; c < k->in_c; c++)
							for (int m = 0; m < mult; m++)
								op[c * mult + m] +=
									ip[c] * wp[c * mult + m];
					}
				}
			}
			if (fast)
				dw_pixel(op, s->bias, ips, wps, n_taps, k->out_c);
		}
	}
}

/* One pooled output pixel over channels [0, n_c) from n_taps gathered input rows. */
static void pool_pixel(float *restrict op, const float **ips, int n_taps, int n_c, int is_max)
{
	float scale = 1.0f / (float)n_taps;
	int c = 0;
	for (; c + 8 <= n_c; c += 8) {
		v4f a0, a1;
		memcpy(&a0, ips[0] + c, sizeof a0);
		memcpy(&a1, ips[0] + c + 4, sizeof a1);
		for (int t = 1; t < n_taps; t++) {
			v4f x0, x1;
			memcpy(&x0, ips[t] + c, sizeof x0);
			memcpy(&x1, ips[t] + c + 4, sizeof x1);
			if (is_max) {
				a0 = vmax4(x0, a0);
				a1 = vmax4(x1, a1);
			} else {
				a0 += x0;
				a1 += x1;
			}
		}
		if (!is_max) {
			a0 *= scale;
			a1 *= scale;
		}
		memcpy(op + c, &a0, sizeof a0);
		memcpy(op + c + 4, &a1, sizeof a1);
	}
	for (; c < n_c; c++) {
		float a = ips[0][c];
		for (int t = 1; t < n_taps; t++)
			a = is_max ? (ips[t][c] > a ? ips[t][c] : a) : a + ips[t][c];
		op[c] = is_max ? a : a * scale;
	}
}

/* Pools rows [r0, r1) over channels [c0, c1). */
static void pool_part(struct ob *s, int r0, int r1, int c0, int c1)
{
	const struct kshape *k = &s->k;
	int nc = c1 - c0;
	int is_max = k->op == KOP_MAXPOOL;
	for (int oy = r0; oy < r1; oy++) {
		int y0 = oy * k->stride - s->pad_t, y1 = y0 + k->kernel;
		y0 = y0 < 0 ? 0 : y0;
		y1 = y1 > k->in_h ? k->in_h : y1;
		for (int ox = 0; ox < s->ow; ox++) {
			int x0 = ox * k->stride - s->pad_l, x1 = x0 + k->kernel;
			x0 = x0 < 0 ? 0 : x0;
			x1 = x1 > k->in_w ? k->in_w : x1;
			float *op = s->out + ((size_t)oy * s->ow + ox) * k->out_c + c0;
			int taps = (y1 - y0) * (x1 - x0);
			if (taps > 0 && taps <= MAX_TAPS) {
				const float *ips[MAX_TAPS];
				int n = 0;
				for (int iy = y0; iy < y1; iy++)
					for (int ix = x0; ix < x1; ix++)
						ips[n++] = s->in + ((size_t)iy * k->in_w + ix) * k->in_c + c0;
				pool_pixel(op, ips, n, nc, is_max);
				continue;
			}
			for (int c = 0; c < nc; c++)
				op[c] = is_max ? -FLT_MAX : 0.0f;
			for (int iy = y0; iy < y1; iy++)
				for (int ix = x0; ix < x1; ix++) {
					const float *ip =
						s->in + ((size_t)iy * k->in_w + ix) * k->in_c + c0;
					if (is_max)
						vmax_to(op, ip, nc);
					else
						vadd_to(op, ip, nc);
				}
			if (!is_max && taps > 0)
				vscale(op, 1.0f / (float)taps, nc);
		}
	}
}

static void pool_split(void *ctx, int tid, int n)
{
	struct ob *s = ((struct job *)ctx)->s;
	long lo, hi;
	if (s->oh >= n) {
		agent_pool_share(s->oh, tid, n, &lo, &hi);
		pool_part(s, (int)lo, (int)hi, 0, s->k.in_c);
	} else {
		agent_pool_share(s->k.in_c, tid, n, &lo, &hi);
		pool_part(s, 0, s->oh, (int)lo, (int)hi);
	}
}

static void add_split(void *ctx, int tid, int n)
{
	struct ob *s = ((struct job *)ctx)->s;
	long lo, hi;
	agent_pool_share((long)s->n_out, tid, n, &lo, &hi);
	vadd3(s->out + lo, s->in + lo, s->in2 + lo, hi - lo);
}

static void ob_release(void *state)
{
	struct ob *s = state;
	if (!s)
		return;
	pool_put(s->pool);
	kb_free(s->in_own);
	kb_free(s->in2);
	kb_free(s->w);
	kb_free(s->bias);
	kb_free(s->out);
	kb_free(s->col);
	kb_free(s->out_t);
	free(s);
}

static int ob_prepare(const struct kshape *k, int n_threads, uint64_t seed, void **state,
		      struct errbuf *eb)
{
	char why[KB_WHY_LEN];
	if (!ob_supports(k, why))
		return err_set(eb, ERR_USAGE, "openblas: %s", why);
	struct ob *s = calloc(1, sizeof *s);
	if (!s)
		return err_set(eb, ERR_NOMEM, "openblas: out of memory");
	int rc = ERR_NOMEM;
	s->k = *k;
	s->n_threads = n_threads;
	s->oh = kshape_out_h(k);
	s->ow = kshape_out_w(k);
	int pad_total;
	kb_pad_same(k->in_h, k->kernel, k->stride, &pad_total, &s->pad_t);
	kb_pad_same(k->in_w, k->kernel, k->stride, &pad_total, &s->pad_l);
	s->n_in = (size_t)k->in_h * k->in_w * k->in_c;
	s->n_out = (size_t)s->oh * s->ow * k->out_c;
	struct rng r;
	rng_init(&r, seed, KB_RNG_STREAM);
	if (!(s->in_own = kb_alloc(s->n_in * sizeof(float))) ||
	    !(s->out = kb_alloc(s->n_out * sizeof(float))))
		goto nomem;
	s->in = s->in_own;
	kb_fill_f32(&r, s->in_own, s->n_in, -1.0f, 1.0f);
	if (k->op == KOP_CONV || k->op == KOP_DWCONV || k->op == KOP_FC) {
		double fan_in;
		if (k->op == KOP_CONV) {
			s->cin_g = k->in_c / k->groups;
			s->cout_g = k->out_c / k->groups;
			s->kk = k->kernel * k->kernel * s->cin_g;
			s->n_w = (size_t)k->out_c * s->kk;
			fan_in = s->kk;
		} else if (k->op == KOP_DWCONV) {
			s->n_w = (size_t)k->kernel * k->kernel * k->out_c;
			fan_in = (double)k->kernel * k->kernel;
		} else {
			s->n_w = (size_t)k->out_c * k->in_c;
			fan_in = k->in_c;
		}
		float a = (float)(1.0 / sqrt(fan_in));
		if (!(s->w = kb_alloc(s->n_w * sizeof(float))) ||
		    !(s->bias = kb_alloc((size_t)k->out_c * sizeof(float))))
			goto nomem;
		kb_fill_f32(&r, s->w, s->n_w, -a, a);
		kb_fill_f32(&r, s->bias, (size_t)k->out_c, -0.1f, 0.1f);
	}
	if (k->op == KOP_ADD) {
		if (!(s->in2 = kb_alloc(s->n_in * sizeof(float))))
			goto nomem;
		kb_fill_f32(&r, s->in2, s->n_in, -1.0f, 1.0f);
	}
	if (k->op == KOP_CONV) {
		s->direct = k->kernel == 1 && k->stride == 1;
		s->split_channels = k->groups == 1 &&
				    (long)s->oh * s->ow < k->out_c;
		if (!s->direct) {
			long n_pix = (long)s->oh * s->ow;
			long fit = (long)(col_bytes() / ((size_t)s->kk * sizeof(float)));
			s->chunk = fit < 1 ? 1 : fit > n_pix ? n_pix : fit;
			s->shared_col = s->split_channels && s->chunk == n_pix;
			if (!(s->col = kb_alloc((size_t)n_threads * s->chunk * s->kk * sizeof(float))))
				goto nomem;
			if (s->shared_col &&
			    !(s->out_t = kb_alloc((size_t)n_pix * k->out_c * sizeof(float))))
				goto nomem;
		}
	}
	if (!(s->pool = pool_get(n_threads, eb))) {
		rc = eb ? eb->code : ERR_NOMEM;
		goto fail;
	}
	openblas_set_num_threads(n_threads);
	*state = s;
	return 0;
nomem:
	err_set(eb, ERR_NOMEM, "openblas: out of memory for %s buffers", kop_name(k->op));
fail:
	ob_release(s);
	return rc;
}

static int ob_run(void *state, struct errbuf *eb)
{
	(void)eb;
	struct ob *s = state;
	const struct kshape *k = &s->k;
	/* an im2col convolution splits itself over the pool, one sgemm thread each */
	int im2col = k->op == KOP_CONV && !s->direct;
	int blas_threads = im2col ? 1 : s->n_threads;
	if (openblas_get_num_threads() != blas_threads)
		openblas_set_num_threads(blas_threads);
	/* a 1x1 conv alternates a pool call with sgemm on OpenBLAS's threads: do not compete */
	agent_pool_set_spin(s->pool, !(k->op == KOP_CONV && s->direct));
	struct job j = {.s = s};
	switch (k->op) {
	case KOP_CONV:
		if (im2col && s->shared_col)
			agent_pool_run(s->pool, im2col_split, &j);
		if (im2col)
			agent_pool_run(s->pool, conv_part, &j);
		else
			run_conv_direct(s);
		break;
	case KOP_DWCONV:
		agent_pool_run(s->pool, dwconv_rows, &j);
		break;
	case KOP_FC:
		memcpy(s->out, s->bias, (size_t)k->out_c * sizeof(float));
		cblas_sgemv(CblasRowMajor, CblasNoTrans, k->out_c, k->in_c, 1.0f, s->w, k->in_c,
			    s->in, 1, 1.0f, s->out, 1);
		break;
	case KOP_AVGPOOL:
	case KOP_MAXPOOL:
		agent_pool_run(s->pool, pool_split, &j);
		break;
	case KOP_ADD:
		agent_pool_run(s->pool, add_split, &j);
		break;
	default:
		return err_set(eb, ERR_BACKEND, "openblas: unknown op");
	}
	return 0;
}

static int ob_bind(void *state, const void *in, struct errbuf *eb)
{
	(void)eb;
	((struct ob *)state)->in = in;
	return 0;
}

static void ob_view(const void *state, struct kb_view *v)
{
	const struct ob *s = state;
	memset(v, 0, sizeof *v);
	v->dtype = DT_FP32;
	v->in = s->in;
	v->in2 = s->in2;
	v->w = s->w;
	v->bias = s->bias;
	v->out = s->out;
	v->n_in = s->n_in;
	v->n_w = s->n_w;
	v->n_out = s->n_out;
	v->in_scale = v->w_scale = v->out_scale = 1.0f;
}

const struct kb_backend kb_openblas = {
	.name = ob_name,
	.supports = ob_supports,
	.prepare = ob_prepare,
	.run = ob_run,
	.view = ob_view,
	.release = ob_release,
	.bind = ob_bind,
};

/*
 * evolve_int8.c: int8 post-training quantization of a trained net and inference with
 * integer arithmetic only, as deployed int8 models run (Jacob et al., "Quantization and
 * Training of Neural Networks for Efficient Integer-Arithmetic-Only Inference", CVPR 2018;
 * the TFLite int8 scheme):
 *   - weights: int8, symmetric, one scale per output channel (max |w| / 127);
 *   - activations: int8, symmetric (zero point 0), one scale per tensor from the largest
 *     magnitude seen on calibration images (the input: pixel / 255 at scale 1 / 127);
 *   - biases: int32 at scale s_in * s_w;
 *   - a convolution accumulates int8 x int8 products in int32, adds the bias and
 *     requantizes to the output scale with a Q31 fixed-point multiplier and a rounding
 *     shift (gemmlowp's SaturatingRoundingDoublingHighMul and RoundingDivideByPOT);
 *   - max pooling compares int8 values; global average pooling sums in int32 and divides
 *     with rounding, keeping its input's scale; an exit's logits are the int32 accumulators
 *     times s_in * s_w (argmax needs no requantization).
 * Not for float inference (evolve_net.c).
 */
#include "evolveint.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define QPAD 16  /* the reduction length is padded to a multiple of this */

struct ev_qlayer {
	struct ev_layer g;     /* geometry (channel counts as quantized) */
	int k_pad;             /* in_c * k * k rounded up to QPAD */
	int8_t *w;             /* conv: [out_c][k_pad] */
	int32_t *bias;         /* conv: at scale s_in * s_w[o] */
	int32_t *mq;           /* conv: requantization multiplier per channel (Q31) */
	int *shift;            /* conv: its right shift */
	float *deq;            /* exit logits: s_in * s_w[o] */
	float scale;           /* of the output */
};

struct ev_qnet {
	int n;
	struct ev_qlayer l[EV_MAX_LAYERS];
	int n_heads;
	int head_layer[EV_MAX_HEADS];
	int in_h, in_w, in_c;
	float in_scale;
};

void ev_qnet_destroy(struct ev_qnet *q)
{
	if (!q)
		return;
	for (int i = 0; i < q->n; i++) {
		free(q->l[i].w);
		free(q->l[i].bias);
		free(q->l[i].mq);
		free(q->l[i].shift);
		free(q->l[i].deq);
	}
	free(q);
}

/* ---- fixed-point requantization (gemmlowp fixedpoint.h, TFLite QuantizeMultiplier) ---- */

void ev_quant_multiplier(double m, int32_t *q, int *shift)
{
	if (!(m > 0)) {
		*q = 0;
		*shift = 0;
		return;
	}
	int e;
	double f = frexp(m, &e);   /* m = f * 2^e, f in [0.5, 1) */
	int64_t qq = llround(f * (double)(1LL << 31));
	if (qq == (1LL << 31)) {
		qq /= 2;
		e++;
	}
	*q = (int32_t)qq;
	*shift = -e;
}

int32_t ev_requant(int32_t acc, int32_t q, int shift)
{
	int64_t a = acc;
	if (shift < 0) {
		/* a left shift (multiplier >= 1), saturating */
		a *= (int64_t)1 << (-shift > 31 ? 31 : -shift);
		if (a > INT32_MAX)
			a = INT32_MAX;
		if (a < INT32_MIN)
			a = INT32_MIN;
		shift = 0;
	}
	/* SaturatingRoundingDoublingHighMul(a, q) */
	int32_t x;
	if (a == INT32_MIN && q == INT32_MIN) {
		x = INT32_MAX;
	} else {
		int64_t ab = a * (int64_t)q;
		int64_t nudge = ab >= 0 ? (1LL << 30) : (1 - (1LL << 30));
		x = (int32_t)((ab + nudge) / (1LL << 31));
	}
	if (shift == 0)
		return x;
	if (shift > 31)
		shift = 31;
	/* RoundingDivideByPOT(x, shift): round half away from zero */
	int32_t mask = (int32_t)((1LL << shift) - 1);
	int32_t rem = x & mask;
	int32_t threshold = (mask >> 1) + (x < 0);
	return (x >> shift) + (rem > threshold);
}

static int8_t sat8(int32_t v)
{
	return (int8_t)(v > 127 ? 127 : v < -127 ? -127 : v);
}

/* ---- int8 matrix product ---- */

void ev_gemm_s8(int m, int n, int k, const int8_t *a, int lda, const int8_t *b, int ldb,
		int32_t *c, int ldc)
{
	for (int j = 0; j < n; j++) {
		const int8_t *bp = b + (size_t)j * (size_t)ldb;
		int i = 0;
		for (; i + 2 <= m; i += 2) {
			const int8_t *a0 = a + (size_t)i * (size_t)lda, *a1 = a0 + lda;
			int32_t s0[QPAD] = {0}, s1[QPAD] = {0};
			for (int p = 0; p < k; p += QPAD)
				for (int t = 0; t < QPAD; t++) {
					int32_t x = bp[p + t];
					s0[t] += (int32_t)a0[p + t] * x;
					s1[t] += (int32_t)a1[p + t] * x;
				}
			int32_t r0 = 0, r1 = 0;
			for (int t = 0; t < QPAD; t++) {
				r0 += s0[t];
				r1 += s1[t];
			}
			c[(size_t)i * (size_t)ldc + (size_t)j] = r0;
			c[(size_t)(i + 1) * (size_t)ldc + (size_t)j] = r1;
		}
		for (; i < m; i++) {
			const int8_t *a0 = a + (size_t)i * (size_t)lda;
			int32_t s0[QPAD] = {0};
			for (int p = 0; p < k; p += QPAD)
				for (int t = 0; t < QPAD; t++)
					s0[t] += (int32_t)a0[p + t] * (int32_t)bp[p + t];
			int32_t r0 = 0;
			for (int t = 0; t < QPAD; t++)
				r0 += s0[t];
			c[(size_t)i * (size_t)ldc + (size_t)j] = r0;
		}
	}
}

/* ---- calibration and quantization ---- */

/* The largest |output| of every layer under act over the calibration images. */
static int calibrate(const struct ev_net *net, const int *act, const struct evolve_data *d,
		     const int *cal, int n_cal, float *amax, struct errbuf *eb)
{
	enum { BATCH = 100 };
	struct ev_work *w = NULL;
	int rc = ev_work_create(net, BATCH, &w, eb);
	if (rc < 0)
		return rc;
	for (int i = 0; i < net->n; i++)
		amax[i] = 0;
	for (int s = 0; s < n_cal; s += BATCH) {
		int b = n_cal - s < BATCH ? n_cal - s : BATCH;
		ev_load_batch(d, cal + s, b, w);
		ev_forward(net, act, w, b);
		for (int i = 0; i < net->n; i++) {
			const struct ev_layer *l = &net->l[i];
			size_t n = (size_t)act[i] * (size_t)b * (size_t)(l->out_h * l->out_w);
			for (size_t j = 0; j < n; j++) {
				float v = fabsf(w->out[i][j]);
				if (v > amax[i])
					amax[i] = v;
			}
		}
	}
	ev_work_destroy(w);
	return 0;
}

int ev_quantize(const struct ev_net *net, const int *act, const struct evolve_data *d,
		const int *cal, int n_cal, struct ev_qnet **out, struct errbuf *eb)
{
	float amax[EV_MAX_LAYERS];
	int rc = calibrate(net, act, d, cal, n_cal, amax, eb);
	if (rc < 0)
		return rc;
	struct ev_qnet *q = calloc(1, sizeof *q);
	if (!q)
		return err_set(eb, ERR_NOMEM, "out of memory");
	q->n = net->n;
	q->n_heads = net->n_heads;
	memcpy(q->head_layer, net->head_layer, sizeof q->head_layer);
	q->in_h = net->in_h;
	q->in_w = net->in_w;
	q->in_c = net->in_c;
	q->in_scale = 1.0f / 127.0f;
	for (int i = 0; i < net->n; i++) {
		const struct ev_layer *l = &net->l[i];
		struct ev_qlayer *ql = &q->l[i];
		ql->g = *l;
		ql->g.out_c = act[i];
		ql->g.in_c = ev_act_in(net, act, i);
		int in = l->d.in;
		float s_in = in < 0 ? q->in_scale : q->l[in].scale;
		if (l->d.op != EV_CONV) {
			ql->scale = s_in;  /* pooling keeps its input's scale */
			continue;
		}
		int kk = l->d.k * l->d.k, n_k = ql->g.in_c * kk, co = ql->g.out_c;
		ql->g.n_k = n_k;
		ql->k_pad = (n_k + QPAD - 1) / QPAD * QPAD;
		ql->scale = amax[i] > 0 ? amax[i] / 127.0f : 1.0f;
		ql->w = calloc((size_t)co * (size_t)ql->k_pad, 1);
		ql->bias = malloc((size_t)co * sizeof *ql->bias);
		ql->mq = malloc((size_t)co * sizeof *ql->mq);
		ql->shift = malloc((size_t)co * sizeof *ql->shift);
		ql->deq = malloc((size_t)co * sizeof *ql->deq);
		if (!ql->w || !ql->bias || !ql->mq || !ql->shift || !ql->deq) {
			ev_qnet_destroy(q);
			return err_set(eb, ERR_NOMEM, "out of memory");
		}
		for (int o = 0; o < co; o++) {
			const float *w = net->params + l->w_off + (size_t)o * l->n_k;
			float wmax = 0;
			for (int j = 0; j < n_k; j++)
				wmax = fmaxf(wmax, fabsf(w[j]));
			double s_w = wmax > 0 ? wmax / 127.0 : 1.0;
			for (int j = 0; j < n_k; j++)
				ql->w[(size_t)o * ql->k_pad + j] = sat8((int32_t)lrint(w[j] / s_w));
			double s_acc = (double)s_in * s_w;
			double bq = net->params[l->b_off + (size_t)o] / s_acc;
			ql->bias[o] = (int32_t)(bq > INT32_MAX / 2 ? INT32_MAX / 2
					       : bq < INT32_MIN / 2 ? INT32_MIN / 2
								    : lrint(bq));
			ev_quant_multiplier(s_acc / ql->scale, &ql->mq[o], &ql->shift[o]);
			ql->deq[o] = (float)s_acc;
		}
	}
	*out = q;
	return 0;
}

/* ---- integer inference ---- */

struct qwork {
	int8_t *out[EV_MAX_LAYERS];
	float *logits[EV_MAX_HEADS];
	int8_t *colT;
	int32_t *acc;
	int *y;
};

static void qwork_free(struct qwork *w)
{
	for (int i = 0; i < EV_MAX_LAYERS; i++)
		free(w->out[i]);
	for (int h = 0; h < EV_MAX_HEADS; h++)
		free(w->logits[h]);
	free(w->colT);
	free(w->acc);
	free(w->y);
}

static int qwork_alloc(const struct ev_qnet *q, int b, struct qwork *w)
{
	memset(w, 0, sizeof *w);
	size_t max_col = 1, max_acc = 1;
	for (int i = 0; i < q->n; i++) {
		const struct ev_qlayer *l = &q->l[i];
		size_t px = (size_t)b * (size_t)(l->g.out_h * l->g.out_w);
		if (!(w->out[i] = malloc(px * (size_t)l->g.out_c)))
			return -1;
		if (l->g.d.op == EV_CONV) {
			if (px * (size_t)l->k_pad > max_col)
				max_col = px * (size_t)l->k_pad;
			if (px * (size_t)l->g.out_c > max_acc)
				max_acc = px * (size_t)l->g.out_c;
		}
	}
	for (int h = 0; h < q->n_heads; h++)
		if (!(w->logits[h] = malloc((size_t)b * EV_CLASSES * sizeof(float))))
			return -1;
	w->colT = malloc(max_col);
	w->acc = malloc(max_acc * sizeof *w->acc);
	w->y = malloc((size_t)b * sizeof *w->y);
	return w->colT && w->acc && w->y ? 0 : -1;
}

/* colT[(b, oy, ox)][(c, ky, kx)] of an int8 input [c][b][h][w], zero-padded to k_pad. */
static void im2row_s8(const struct ev_qlayer *ql, int b, const int8_t *x, int8_t *colT)
{
	const struct ev_layer *l = &ql->g;
	int k = l->d.k, s = l->d.stride, ih = l->in_h, iw = l->in_w;
	int oh = l->out_h, ow = l->out_w;
	for (int j = 0; j < b; j++)
		for (int oy = 0; oy < oh; oy++)
			for (int ox = 0; ox < ow; ox++) {
				int8_t *row = colT + ((size_t)(j * oh + oy) * (size_t)ow + (size_t)ox) *
							     (size_t)ql->k_pad;
				int t = 0;
				for (int c = 0; c < l->in_c; c++) {
					const int8_t *src = x + ((size_t)c * (size_t)b + (size_t)j) *
									(size_t)(ih * iw);
					for (int ky = 0; ky < k; ky++) {
						int yy = oy * s + ky - l->pad_t;
						for (int kx = 0; kx < k; kx++) {
							int xx = ox * s + kx - l->pad_l;
							row[t++] = yy < 0 || yy >= ih || xx < 0 || xx >= iw
									   ? 0
									   : src[yy * iw + xx];
						}
					}
				}
				for (; t < ql->k_pad; t++)
					row[t] = 0;
			}
}

static void qconv(const struct ev_qnet *q, int i, struct qwork *w, const int8_t *x, int b)
{
	const struct ev_qlayer *ql = &q->l[i];
	const struct ev_layer *l = &ql->g;
	int n = b * l->out_h * l->out_w, co = l->out_c;
	im2row_s8(ql, b, x, w->colT);
	ev_gemm_s8(co, n, ql->k_pad, ql->w, ql->k_pad, w->colT, ql->k_pad, w->acc, n);
	if (l->d.head) {
		float *z = w->logits[l->d.head - 1];
		for (int o = 0; o < co; o++)
			for (int j = 0; j < n; j++)
				z[(size_t)o * (size_t)n + (size_t)j] =
					(float)(w->acc[(size_t)o * (size_t)n + (size_t)j] + ql->bias[o]) *
					ql->deq[o];
		return;
	}
	int8_t *y = w->out[i];
	for (int o = 0; o < co; o++)
		for (int j = 0; j < n; j++) {
			size_t at = (size_t)o * (size_t)n + (size_t)j;
			int32_t v = ev_requant(w->acc[at] + ql->bias[o], ql->mq[o], ql->shift[o]);
			if (l->d.relu && v < 0)
				v = 0;
			y[at] = sat8(v);
		}
}

static void qmaxpool(const struct ev_qlayer *ql, const int8_t *x, int8_t *y, int b)
{
	const struct ev_layer *l = &ql->g;
	int k = l->d.k, s = l->d.stride, ih = l->in_h, iw = l->in_w, oh = l->out_h, ow = l->out_w;
	for (size_t p = 0; p < (size_t)l->out_c * (size_t)b; p++) {
		const int8_t *src = x + p * (size_t)(ih * iw);
		int8_t *dst = y + p * (size_t)(oh * ow);
		for (int oy = 0; oy < oh; oy++)
			for (int ox = 0; ox < ow; ox++) {
				int best = -128;
				for (int ky = 0; ky < k; ky++) {
					int yy = oy * s + ky - l->pad_t;
					for (int kx = 0; kx < k && yy >= 0 && yy < ih; kx++) {
						int xx = ox * s + kx - l->pad_l;
						if (xx >= 0 && xx < iw && src[yy * iw + xx] > best)
							best = src[yy * iw + xx];
					}
				}
				dst[oy * ow + ox] = (int8_t)best;
			}
	}
}

static void qgap(const struct ev_qlayer *ql, const int8_t *x, int8_t *y, int b)
{
	const struct ev_layer *l = &ql->g;
	int32_t px = l->in_h * l->in_w;
	for (size_t p = 0; p < (size_t)l->out_c * (size_t)b; p++) {
		int32_t s = 0;
		for (int32_t j = 0; j < px; j++)
			s += x[p * (size_t)px + (size_t)j];
		/* rounding to nearest, halves away from zero */
		int32_t r = s >= 0 ? (s + px / 2) / px : -((-s + px / 2) / px);
		y[p] = sat8(r);
	}
}

#define QBATCH 100

struct qeval_job {
	const struct ev_qnet *q;
	const struct evolve_data *d;
	const int *idx;
	int n;
	struct qwork w[EV_MAX_THREADS];
	int8_t *xq[EV_MAX_THREADS];
	long top1[EV_MAX_THREADS][EV_MAX_HEADS], top5[EV_MAX_THREADS][EV_MAX_HEADS];
};

static void qeval_task(void *ctx, int task, int worker)
{
	struct qeval_job *j = ctx;
	const struct ev_qnet *q = j->q;
	struct qwork *w = &j->w[worker];
	int8_t *xq = j->xq[worker];
	int s = task * QBATCH, b = j->n - s < QBATCH ? j->n - s : QBATCH;
	size_t px = (size_t)j->d->rows * (size_t)j->d->cols;
	for (int i = 0; i < b; i++) {
		const uint8_t *p = j->d->pixels + (size_t)j->idx[s + i] * px;
		/* pixel / 255 at scale 1 / 127: round(p * 127 / 255) */
		for (size_t k = 0; k < px; k++)
			xq[(size_t)i * px + k] = (int8_t)((p[k] * 127 + 127) / 255);
		w->y[i] = j->d->labels[j->idx[s + i]];
	}
	for (int i = 0; i < q->n; i++) {
		const struct ev_qlayer *ql = &q->l[i];
		const int8_t *x = ql->g.d.in < 0 ? xq : w->out[ql->g.d.in];
		switch (ql->g.d.op) {
		case EV_CONV: qconv(q, i, w, x, b); break;
		case EV_MAXPOOL: qmaxpool(ql, x, w->out[i], b); break;
		case EV_GAP: qgap(ql, x, w->out[i], b); break;
		}
	}
	for (int h = 0; h < q->n_heads; h++) {
		const float *z = w->logits[h];
		for (int i = 0; i < b; i++) {
			float zy = z[(size_t)w->y[i] * (size_t)b + (size_t)i];
			int above = 0;
			for (int c = 0; c < EV_CLASSES; c++) {
				float zc = z[(size_t)c * (size_t)b + (size_t)i];
				above += zc > zy || (zc == zy && c < w->y[i]);
			}
			j->top1[worker][h] += above == 0;
			j->top5[worker][h] += above < 5;
		}
	}
}

int ev_qeval(const struct ev_qnet *q, const struct evolve_data *d, const int *idx, int n,
	     int threads, long *top1, long *top5, struct errbuf *eb)
{
	struct qeval_job *j = calloc(1, sizeof *j);
	if (!j)
		return err_set(eb, ERR_NOMEM, "out of memory");
	int rc = 0, nt = threads < 1 ? 1 : threads > EV_MAX_THREADS ? EV_MAX_THREADS : threads;
	j->q = q;
	j->d = d;
	j->idx = idx;
	j->n = n;
	for (int t = 0; t < nt && rc == 0; t++) {
		j->xq[t] = malloc((size_t)QBATCH * (size_t)(q->in_h * q->in_w * q->in_c));
		if (!j->xq[t] || qwork_alloc(q, QBATCH, &j->w[t]) < 0)
			rc = err_set(eb, ERR_NOMEM, "out of memory");
	}
	if (rc == 0)
		rc = ev_parallel((n + QBATCH - 1) / QBATCH, nt, qeval_task, j, eb);
	for (int h = 0; h < q->n_heads; h++) {
		top1[h] = top5[h] = 0;
		for (int t = 0; t < nt; t++) {
			top1[h] += j->top1[t][h];
			top5[h] += j->top5[t][h];
		}
	}
	for (int t = 0; t < EV_MAX_THREADS; t++) {
		free(j->xq[t]);
		qwork_free(&j->w[t]);
	}
	free(j);
	return rc;
}

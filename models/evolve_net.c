/*
 * evolve_net.c: the trainer's network: building a layer graph from definitions, He
 * initialisation, and the forward and backward passes of convolution (im2col + OpenBLAS
 * sgemm; a 1x1 stride-1 convolution, which includes a fully connected layer on a 1x1 map,
 * multiplies its input directly), ReLU, max pooling, global average pooling and softmax
 * cross-entropy on every exit.
 *
 * Every pass runs under `act`, the active output channels of each layer: a width cut of
 * the self-evolving network uses the first act[i] filters of layer i and, of the layer it
 * reads, the first act[input] channels, i.e. the top-left block of each weight matrix, so
 * all widths train the same weights. Not for optimizers (evolve_train.c) or int8
 * (evolve_int8.c).
 */
#include "evolveint.h"

#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"
#include "rng.h"

void ev_net_destroy(struct ev_net *net)
{
	if (!net)
		return;
	free(net->params);
	free(net->grads);
	free(net->mom);
	free(net);
}

int ev_net_find(const struct ev_net *net, const char *name)
{
	for (int i = 0; i < net->n; i++)
		if (strcmp(net->l[i].d.name, name) == 0)
			return i;
	return -1;
}

int ev_net_create(const struct ev_def *defs, int n, int in_h, int in_w, int in_c,
		  struct ev_net **out, struct errbuf *eb)
{
	if (n < 1 || n > EV_MAX_LAYERS)
		return err_set(eb, ERR_RANGE, "a net has 1..%d layers, not %d", EV_MAX_LAYERS, n);
	struct ev_net *net = calloc(1, sizeof *net);
	if (!net)
		return err_set(eb, ERR_NOMEM, "out of memory");
	int rc;
	net->n = n;
	net->in_h = in_h;
	net->in_w = in_w;
	net->in_c = in_c;
	size_t off = 0;
	for (int i = 0; i < n; i++) {
		struct ev_layer *l = &net->l[i];
		l->d = defs[i];
		const struct ev_def *d = &l->d;
		if (d->in < -1 || d->in >= i) {
			rc = err_set(eb, ERR_RANGE, "layer %s reads layer %d, not an earlier one",
				     d->name, d->in);
			goto fail;
		}
		if (d->in < 0) {
			l->in_h = in_h;
			l->in_w = in_w;
			l->in_c = in_c;
		} else {
			const struct ev_layer *p = &net->l[d->in];
			l->in_h = p->out_h;
			l->in_w = p->out_w;
			l->in_c = p->out_c;
		}
		switch (d->op) {
		case EV_CONV:
		case EV_MAXPOOL: {
			if (d->k < 1 || d->stride < 1) {
				rc = err_set(eb, ERR_RANGE, "layer %s: kernel %d, stride %d", d->name,
					     d->k, d->stride);
				goto fail;
			}
			/* SAME padding: out = ceil(in / stride), TF's split of the padding. */
			l->out_h = (l->in_h + d->stride - 1) / d->stride;
			l->out_w = (l->in_w + d->stride - 1) / d->stride;
			int ph = (l->out_h - 1) * d->stride + d->k - l->in_h;
			int pw = (l->out_w - 1) * d->stride + d->k - l->in_w;
			l->pad_t = ph > 0 ? ph / 2 : 0;
			l->pad_l = pw > 0 ? pw / 2 : 0;
			l->out_c = d->op == EV_CONV ? d->c_out : l->in_c;
			break;
		}
		case EV_GAP:
			l->out_h = l->out_w = 1;
			l->out_c = l->in_c;
			break;
		}
		if (l->out_c < 1) {
			rc = err_set(eb, ERR_RANGE, "layer %s has %d output channels", d->name,
				     l->out_c);
			goto fail;
		}
		if (d->op == EV_CONV) {
			l->n_k = l->in_c * d->k * d->k;
			l->w_off = off;
			off += (size_t)l->out_c * (size_t)l->n_k;
			l->b_off = off;
			off += (size_t)l->out_c;
		}
		if (d->head) {
			if (d->op != EV_CONV || l->out_c != EV_CLASSES || l->out_h != 1 ||
			    l->out_w != 1 || d->head > EV_MAX_HEADS) {
				rc = err_set(eb, ERR_RANGE,
					     "layer %s: an exit's logits come from a conv giving "
					     "1x1x%d (exit <= %d)",
					     d->name, EV_CLASSES, EV_MAX_HEADS);
				goto fail;
			}
			if (d->head > net->n_heads)
				net->n_heads = d->head;
			net->head_layer[d->head - 1] = i;
		}
	}
	if (net->n_heads == 0) {
		rc = err_set(eb, ERR_RANGE, "the net has no exit");
		goto fail;
	}
	for (int h = 0; h < net->n_heads; h++) {
		int found = 0;
		for (int i = 0; i < n; i++)
			found += net->l[i].d.head == h + 1;
		if (found != 1) {
			rc = err_set(eb, ERR_RANGE, "exit %d is given by %d layers (one expected)",
				     h + 1, found);
			goto fail;
		}
	}
	net->n_params = off;
	net->params = calloc(off ? off : 1, sizeof(float));
	net->grads = calloc(off ? off : 1, sizeof(float));
	net->mom = calloc(off ? off : 1, sizeof(float));
	if (!net->params || !net->grads || !net->mom) {
		rc = err_set(eb, ERR_NOMEM, "out of memory for %zu parameters", off);
		goto fail;
	}
	*out = net;
	return 0;
fail:
	ev_net_destroy(net);
	return rc;
}

/* A standard normal draw (Box-Muller on the stream's uniforms). */
static double gauss(struct rng *r)
{
	double u1 = rng_uniform(r), u2 = rng_uniform(r);
	if (u1 < 1e-300)
		u1 = 1e-300;
	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

void ev_net_init(struct ev_net *net, uint64_t seed, const char *stream)
{
	struct rng r;
	rng_init(&r, seed, stream);
	memset(net->params, 0, net->n_params * sizeof(float));
	for (int i = 0; i < net->n; i++) {
		const struct ev_layer *l = &net->l[i];
		if (l->d.op != EV_CONV)
			continue;
		/* He et al. 2015, "Delving Deep into Rectifiers", eq. 10: std sqrt(2 / fan_in). */
		double std = sqrt((l->d.relu ? 2.0 : 1.0) / l->n_k);
		float *w = net->params + l->w_off;
		for (size_t j = 0; j < (size_t)l->out_c * (size_t)l->n_k; j++)
			w[j] = (float)(std * gauss(&r));
	}
}

void ev_net_act(const struct ev_net *net, double width, int *act)
{
	for (int i = 0; i < net->n; i++) {
		const struct ev_layer *l = &net->l[i];
		if (l->d.op != EV_CONV) {
			act[i] = l->d.in < 0 ? net->in_c : act[l->d.in];
			continue;
		}
		if (l->d.fixed || width == 1) {
			act[i] = l->out_c;
			continue;
		}
		int c = model_round_channels(EV_ROUNDING, l->out_c, width);
		act[i] = c < 1 ? 1 : c > l->out_c ? l->out_c : c;
	}
}

int ev_act_in(const struct ev_net *net, const int *act, int i)
{
	int in = net->l[i].d.in;
	return in < 0 ? net->in_c : act[in];
}

/* 1 when layer i is on the path that exit `exit` runs (0: the whole net). */
static int on_path(const struct ev_net *net, int i, int exit)
{
	if (exit == 0)
		return 1;
	int j = net->head_layer[exit - 1];
	while (j >= 0) {
		if (j == i)
			return 1;
		j = net->l[j].d.in;
	}
	return 0;
}

double ev_net_macs(const struct ev_net *net, const int *act, int exit)
{
	double m = 0;
	for (int i = 0; i < net->n; i++) {
		if (!on_path(net, i, exit))
			continue;
		const struct ev_layer *l = &net->l[i];
		double hw = (double)l->out_h * l->out_w;
		switch (l->d.op) {
		case EV_CONV:
			m += hw * act[i] * ev_act_in(net, act, i) * l->d.k * l->d.k;
			break;
		case EV_MAXPOOL:
			m += hw * act[i] * l->d.k * l->d.k;
			break;
		case EV_GAP:
			m += (double)l->in_h * l->in_w * act[i];
			break;
		}
	}
	return m;
}

/* ---- work buffers ---- */

void ev_work_destroy(struct ev_work *w)
{
	if (!w)
		return;
	free(w->x);
	free(w->y);
	for (int i = 0; i < EV_MAX_LAYERS; i++) {
		free(w->out[i]);
		free(w->dout[i]);
		free(w->col[i]);
		free(w->arg[i]);
	}
	free(w->dcol);
	free(w);
}

static int direct(const struct ev_layer *l)
{
	return l->d.op == EV_CONV && l->d.k == 1 && l->d.stride == 1;
}

int ev_work_create(const struct ev_net *net, int max_batch, struct ev_work **out,
		   struct errbuf *eb)
{
	struct ev_work *w = calloc(1, sizeof *w);
	if (!w)
		return err_set(eb, ERR_NOMEM, "out of memory");
	size_t b = (size_t)max_batch, max_col = 1;
	w->max_batch = max_batch;
	w->x = malloc(b * (size_t)(net->in_h * net->in_w * net->in_c) * sizeof(float));
	w->y = malloc(b * sizeof(int));
	int ok = w->x && w->y;
	for (int i = 0; i < net->n && ok; i++) {
		const struct ev_layer *l = &net->l[i];
		size_t n_out = b * (size_t)(l->out_h * l->out_w) * (size_t)l->out_c;
		w->out[i] = malloc(n_out * sizeof(float));
		w->dout[i] = malloc(n_out * sizeof(float));
		ok = w->out[i] && w->dout[i];
		if (l->d.op == EV_CONV && !direct(l)) {
			size_t n_col = (size_t)l->n_k * b * (size_t)(l->out_h * l->out_w);
			w->col[i] = malloc(n_col * sizeof(float));
			ok = ok && w->col[i];
			if (n_col > max_col)
				max_col = n_col;
		}
		if (l->d.op == EV_MAXPOOL) {
			w->arg[i] = malloc(n_out * sizeof(int32_t));
			ok = ok && w->arg[i];
		}
	}
	if (ok)
		w->dcol = malloc(max_col * sizeof(float));
	if (!ok || !w->dcol) {
		ev_work_destroy(w);
		return err_set(eb, ERR_NOMEM, "out of memory for a batch of %d", max_batch);
	}
	*out = w;
	return 0;
}

void ev_load_batch(const struct evolve_data *d, const int *idx, int b, struct ev_work *w)
{
	size_t px = (size_t)d->rows * (size_t)d->cols;
	for (int j = 0; j < b; j++) {
		const uint8_t *p = d->pixels + (size_t)idx[j] * px;
		float *x = w->x + (size_t)j * px;
		for (size_t k = 0; k < px; k++)
			x[k] = p[k] * (1.0f / 255.0f);
		w->y[j] = d->labels[idx[j]];
	}
}

/* The input of layer i: the image batch or the output of the layer it reads. */
static const float *input_of(const struct ev_net *net, const struct ev_work *w, int i)
{
	int in = net->l[i].d.in;
	return in < 0 ? w->x : w->out[in];
}

/* ---- convolution ---- */

/* The output columns [lo, hi) of a row whose input column ox * s + kx - pad_l is inside. */
static void valid_cols(const struct ev_layer *l, int kx, int *lo, int *hi)
{
	int s = l->d.stride, off = kx - l->pad_l;
	int a = off < 0 ? (-off + s - 1) / s : 0;
	int b = (l->in_w - 1 - off) / s + 1;  /* first ox past the right edge */
	if (l->in_w - 1 - off < 0)
		b = 0;
	if (b > l->out_w)
		b = l->out_w;
	*lo = a;
	*hi = b > a ? b : a;
}

/* col[(c, ky, kx)][(b, oy, ox)] = x[c][b][oy * s + ky - pad_t][ox * s + kx - pad_l] or 0. */
static void im2col(const struct ev_layer *l, int c_in, int b, const float *x, float *col)
{
	int k = l->d.k, s = l->d.stride;
	int ih = l->in_h, iw = l->in_w, oh = l->out_h, ow = l->out_w;
	size_t n = (size_t)b * (size_t)(oh * ow);
	for (int c = 0; c < c_in; c++)
		for (int ky = 0; ky < k; ky++)
			for (int kx = 0; kx < k; kx++) {
				float *dst = col + ((size_t)(c * k + ky) * (size_t)k + (size_t)kx) * n;
				int lo, hi;
				valid_cols(l, kx, &lo, &hi);
				int off = kx - l->pad_l;
				for (int j = 0; j < b; j++) {
					const float *src = x + ((size_t)c * (size_t)b + (size_t)j) *
								       (size_t)(ih * iw);
					for (int oy = 0; oy < oh; oy++) {
						int y = oy * s + ky - l->pad_t;
						float *row = dst + ((size_t)j * (size_t)oh + (size_t)oy) *
									   (size_t)ow;
						if (y < 0 || y >= ih) {
							memset(row, 0, (size_t)ow * sizeof(float));
							continue;
						}
						const float *in = src + (size_t)y * (size_t)iw;
						for (int ox = 0; ox < lo; ox++)
							row[ox] = 0;
						if (s == 1)
							memcpy(row + lo, in + lo + off,
							       (size_t)(hi - lo) * sizeof(float));
						else
							for (int ox = lo; ox < hi; ox++)
								row[ox] = in[ox * s + off];
						for (int ox = hi; ox < ow; ox++)
							row[ox] = 0;
					}
				}
			}
}

/* dst[i] += src[i] for i < n, in blocks of 8 and 4 the compiler turns into vector code. */
static void add_to(float *dst, const float *src, int n)
{
	int i = 0;
	for (; i + 8 <= n; i += 8)
		for (int t = 0; t < 8; t++)
			dst[i + t] += src[i + t];
	for (; i + 4 <= n; i += 4)
		for (int t = 0; t < 4; t++)
			dst[i + t] += src[i + t];
	for (; i < n; i++)
		dst[i] += src[i];
}

/* The adjoint of im2col: dx += scatter(dcol). */
static void col2im(const struct ev_layer *l, int c_in, int b, const float *dcol, float *dx)
{
	int k = l->d.k, s = l->d.stride;
	int ih = l->in_h, iw = l->in_w, oh = l->out_h, ow = l->out_w;
	size_t n = (size_t)b * (size_t)(oh * ow);
	for (int c = 0; c < c_in; c++)
		for (int ky = 0; ky < k; ky++)
			for (int kx = 0; kx < k; kx++) {
				const float *src =
					dcol + ((size_t)(c * k + ky) * (size_t)k + (size_t)kx) * n;
				int lo, hi;
				valid_cols(l, kx, &lo, &hi);
				int off = kx - l->pad_l;
				for (int j = 0; j < b; j++) {
					float *dst = dx + ((size_t)c * (size_t)b + (size_t)j) *
								  (size_t)(ih * iw);
					for (int oy = 0; oy < oh; oy++) {
						int y = oy * s + ky - l->pad_t;
						if (y < 0 || y >= ih)
							continue;
						const float *row =
							src + ((size_t)j * (size_t)oh + (size_t)oy) *
								      (size_t)ow;
						float *out = dst + (size_t)y * (size_t)iw;
						if (s == 1)
							add_to(out + lo + off, row + lo, hi - lo);
						else
							for (int ox = lo; ox < hi; ox++)
								out[ox * s + off] += row[ox];
					}
				}
			}
}

/* y = max(y, 0), in blocks of 16. */
static void relu(float *y, size_t n)
{
	size_t i = 0;
	for (; i + 16 <= n; i += 16)
		for (int t = 0; t < 16; t++)
			y[i + t] = y[i + t] > 0 ? y[i + t] : 0;
	for (; i < n; i++)
		y[i] = y[i] > 0 ? y[i] : 0;
}

/* dy = 0 where y <= 0 (the ReLU's gradient), in blocks of 16. */
static void relu_grad(float *dy, const float *y, size_t n)
{
	size_t i = 0;
	for (; i + 16 <= n; i += 16)
		for (int t = 0; t < 16; t++)
			dy[i + t] *= (float)(y[i + t] > 0);
	for (; i < n; i++)
		dy[i] *= (float)(y[i] > 0);
}

/* Sum of r[0..n), in 8 lanes. */
static float sum_of(const float *r, int n)
{
	float acc[8] = {0};
	int i = 0;
	for (; i + 8 <= n; i += 8)
		for (int t = 0; t < 8; t++)
			acc[t] += r[i + t];
	float s = 0;
	for (; i < n; i++)
		s += r[i];
	for (int t = 0; t < 8; t++)
		s += acc[t];
	return s;
}

static void conv_forward(const struct ev_net *net, const int *act, struct ev_work *w, int i,
			 int b)
{
	const struct ev_layer *l = &net->l[i];
	int c_in = ev_act_in(net, act, i), c_out = act[i];
	int kk = l->d.k * l->d.k;
	int n = b * l->out_h * l->out_w;
	const float *x = input_of(net, w, i);
	const float *col = x;
	if (!direct(l)) {
		im2col(l, c_in, b, x, w->col[i]);
		col = w->col[i];
	}
	float *y = w->out[i];
	const float *bias = net->params + l->b_off;
	for (int o = 0; o < c_out; o++) {
		float *r = y + (size_t)o * (size_t)n, v = bias[o];
		int j = 0;
		for (; j + 8 <= n; j += 8)
			for (int t = 0; t < 8; t++)
				r[j + t] = v;
		for (; j < n; j++)
			r[j] = v;
	}
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, c_out, n, c_in * kk, 1.0f,
		    net->params + l->w_off, l->n_k, col, n, 1.0f, y, n);
	if (l->d.relu)
		relu(y, (size_t)c_out * (size_t)n);
}

static void conv_backward(const struct ev_net *net, const int *act, struct ev_work *w, int i,
			  int b, float *grads)
{
	const struct ev_layer *l = &net->l[i];
	int c_in = ev_act_in(net, act, i), c_out = act[i];
	int kk = l->d.k * l->d.k;
	int n = b * l->out_h * l->out_w;
	float *dy = w->dout[i];
	const float *y = w->out[i];
	if (l->d.relu)
		relu_grad(dy, y, (size_t)c_out * (size_t)n);
	const float *col = direct(l) ? input_of(net, w, i) : w->col[i];
	float *gb = grads + l->b_off;
	for (int o = 0; o < c_out; o++)
		gb[o] += sum_of(dy + (size_t)o * (size_t)n, n);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, c_out, c_in * kk, n, 1.0f, dy, n,
		    col, n, 1.0f, grads + l->w_off, l->n_k);
	if (l->d.in < 0)
		return;  /* no gradient for the image */
	float *dx = w->dout[l->d.in];
	if (direct(l)) {
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, c_in, n, c_out, 1.0f,
			    net->params + l->w_off, l->n_k, dy, n, 1.0f, dx, n);
		return;
	}
	cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, c_in * kk, n, c_out, 1.0f,
		    net->params + l->w_off, l->n_k, dy, n, 0.0f, w->dcol, n);
	col2im(l, c_in, b, w->dcol, dx);
}

/* ---- pooling ---- */

static void maxpool_forward(const struct ev_net *net, const int *act, struct ev_work *w,
			    int i, int b)
{
	const struct ev_layer *l = &net->l[i];
	int c = act[i], k = l->d.k, s = l->d.stride;
	int ih = l->in_h, iw = l->in_w, oh = l->out_h, ow = l->out_w;
	const float *x = input_of(net, w, i);
	float *y = w->out[i];
	int32_t *arg = w->arg[i];
	if (k == 2 && s == 2 && ih == 2 * oh && iw == 2 * ow) {
		/* the common 2x2 window on an even map: no padding, no bounds to check */
		for (size_t p = 0; p < (size_t)c * (size_t)b; p++) {
			const float *src = x + p * (size_t)(ih * iw);
			float *dst = y + p * (size_t)(oh * ow);
			int32_t *at = arg + p * (size_t)(oh * ow);
			for (int oy = 0; oy < oh; oy++) {
				const float *r0 = src + 2 * oy * iw, *r1 = r0 + iw;
				for (int ox = 0; ox < ow; ox++) {
					int q = 2 * ox, best = q;
					float v = r0[q];
					if (r0[q + 1] > v) {
						v = r0[q + 1];
						best = q + 1;
					}
					if (r1[q] > v) {
						v = r1[q];
						best = iw + q;
					}
					if (r1[q + 1] > v) {
						v = r1[q + 1];
						best = iw + q + 1;
					}
					dst[oy * ow + ox] = v;
					at[oy * ow + ox] = 2 * oy * iw + best;
				}
			}
		}
		return;
	}
	for (size_t p = 0; p < (size_t)c * (size_t)b; p++) {
		const float *src = x + p * (size_t)(ih * iw);
		for (int oy = 0; oy < oh; oy++)
			for (int ox = 0; ox < ow; ox++) {
				float best = -INFINITY;
				int at = -1;
				for (int ky = 0; ky < k; ky++) {
					int yy = oy * s + ky - l->pad_t;
					if (yy < 0 || yy >= ih)
						continue;
					for (int kx = 0; kx < k; kx++) {
						int xx = ox * s + kx - l->pad_l;
						if (xx < 0 || xx >= iw)
							continue;
						if (src[yy * iw + xx] > best) {
							best = src[yy * iw + xx];
							at = yy * iw + xx;
						}
					}
				}
				size_t o = p * (size_t)(oh * ow) + (size_t)(oy * ow + ox);
				y[o] = best;
				arg[o] = at;
			}
	}
}

static void maxpool_backward(const struct ev_net *net, const int *act, struct ev_work *w,
			     int i, int b)
{
	const struct ev_layer *l = &net->l[i];
	if (l->d.in < 0)
		return;
	size_t in_px = (size_t)(l->in_h * l->in_w), out_px = (size_t)(l->out_h * l->out_w);
	float *dx = w->dout[l->d.in];
	const float *dy = w->dout[i];
	const int32_t *arg = w->arg[i];
	for (size_t p = 0; p < (size_t)act[i] * (size_t)b; p++)
		for (size_t o = 0; o < out_px; o++)
			if (arg[p * out_px + o] >= 0)
				dx[p * in_px + (size_t)arg[p * out_px + o]] += dy[p * out_px + o];
}

static void gap_forward(const struct ev_net *net, const int *act, struct ev_work *w, int i,
			int b)
{
	const struct ev_layer *l = &net->l[i];
	size_t px = (size_t)(l->in_h * l->in_w);
	const float *x = input_of(net, w, i);
	for (size_t p = 0; p < (size_t)act[i] * (size_t)b; p++) {
		float s = 0;
		for (size_t q = 0; q < px; q++)
			s += x[p * px + q];
		w->out[i][p] = s / (float)px;
	}
}

static void gap_backward(const struct ev_net *net, const int *act, struct ev_work *w, int i,
			 int b)
{
	const struct ev_layer *l = &net->l[i];
	if (l->d.in < 0)
		return;
	size_t px = (size_t)(l->in_h * l->in_w);
	float *dx = w->dout[l->d.in];
	for (size_t p = 0; p < (size_t)act[i] * (size_t)b; p++) {
		float g = w->dout[i][p] / (float)px;
		for (size_t q = 0; q < px; q++)
			dx[p * px + q] += g;
	}
}

/* ---- whole passes ---- */

void ev_forward(const struct ev_net *net, const int *act, struct ev_work *w, int b)
{
	for (int i = 0; i < net->n; i++) {
		switch (net->l[i].d.op) {
		case EV_CONV: conv_forward(net, act, w, i, b); break;
		case EV_MAXPOOL: maxpool_forward(net, act, w, i, b); break;
		case EV_GAP: gap_forward(net, act, w, i, b); break;
		}
	}
}

/*
 * Softmax cross-entropy of logits [EV_CLASSES][b] against y; writes weight * (p - onehot)
 * / b into d. Returns the summed loss; *correct counts argmax hits.
 */
static double softmax_xent(const float *z, const int *y, int b, float weight, float *d,
			   int *correct)
{
	double loss = 0;
	int hits = 0;
	for (int j = 0; j < b; j++) {
		float mx = z[j];
		int am = 0;
		for (int c = 1; c < EV_CLASSES; c++)
			if (z[(size_t)c * (size_t)b + (size_t)j] > mx) {
				mx = z[(size_t)c * (size_t)b + (size_t)j];
				am = c;
			}
		double sum = 0;
		for (int c = 0; c < EV_CLASSES; c++)
			sum += exp((double)(z[(size_t)c * (size_t)b + (size_t)j] - mx));
		double lse = log(sum) + mx;
		loss += lse - z[(size_t)y[j] * (size_t)b + (size_t)j];
		hits += am == y[j];
		for (int c = 0; c < EV_CLASSES; c++) {
			double p = exp(z[(size_t)c * (size_t)b + (size_t)j] - lse);
			d[(size_t)c * (size_t)b + (size_t)j] =
				(float)(weight * (p - (c == y[j])) / b);
		}
	}
	*correct = hits;
	return loss;
}

void ev_backward(const struct ev_net *net, const int *act, struct ev_work *w, int b,
		 const float *head_w, float *grads, double *loss, int *correct)
{
	for (int i = 0; i < net->n; i++) {
		const struct ev_layer *l = &net->l[i];
		size_t n = (size_t)act[i] * (size_t)b * (size_t)(l->out_h * l->out_w);
		memset(w->dout[i], 0, n * sizeof(float));
	}
	for (int h = 0; h < net->n_heads; h++) {
		int i = net->head_layer[h];
		int hits;
		double s = softmax_xent(w->out[i], w->y, b, head_w[h], w->dout[i], &hits);
		if (loss)
			loss[h] = s / b;
		if (correct)
			correct[h] = hits;
	}
	for (int i = net->n - 1; i >= 0; i--) {
		switch (net->l[i].d.op) {
		case EV_CONV: conv_backward(net, act, w, i, b, grads); break;
		case EV_MAXPOOL: maxpool_backward(net, act, w, i, b); break;
		case EV_GAP: gap_backward(net, act, w, i, b); break;
		}
	}
}

/* Adds the top-1 and top-5 hits of logits [EV_CLASSES][b] against y. */
static void count_hits(const float *z, const int *y, int b, long *top1, long *top5)
{
	for (int j = 0; j < b; j++) {
		float zy = z[(size_t)y[j] * (size_t)b + (size_t)j];
		int above = 0;
		for (int c = 0; c < EV_CLASSES; c++) {
			float zc = z[(size_t)c * (size_t)b + (size_t)j];
			/* ties count against the answer: a class listed first wins */
			above += zc > zy || (zc == zy && c < y[j]);
		}
		*top1 += above == 0;
		*top5 += above < 5;
	}
}

struct eval_job {
	const struct ev_net *net;
	const int *act;
	const struct evolve_data *d;
	const int *idx;
	int n;
	struct ev_work *w[EV_MAX_THREADS];
	long top1[EV_MAX_THREADS][EV_MAX_HEADS], top5[EV_MAX_THREADS][EV_MAX_HEADS];
};

#define EVAL_BATCH 250

static void eval_task(void *ctx, int task, int worker)
{
	struct eval_job *j = ctx;
	int s = task * EVAL_BATCH, b = j->n - s < EVAL_BATCH ? j->n - s : EVAL_BATCH;
	struct ev_work *w = j->w[worker];
	ev_load_batch(j->d, j->idx + s, b, w);
	ev_forward(j->net, j->act, w, b);
	for (int h = 0; h < j->net->n_heads; h++)
		count_hits(w->out[j->net->head_layer[h]], w->y, b, &j->top1[worker][h],
			   &j->top5[worker][h]);
}

int ev_eval(const struct ev_net *net, const int *act, const struct evolve_data *d,
	    const int *idx, int n, int threads, long *top1, long *top5, struct errbuf *eb)
{
	struct eval_job *j = calloc(1, sizeof *j);
	if (!j)
		return err_set(eb, ERR_NOMEM, "out of memory");
	int rc = 0, nt = threads < 1 ? 1 : threads > EV_MAX_THREADS ? EV_MAX_THREADS : threads;
	j->net = net;
	j->act = act;
	j->d = d;
	j->idx = idx;
	j->n = n;
	for (int t = 0; t < nt && rc == 0; t++)
		rc = ev_work_create(net, EVAL_BATCH, &j->w[t], eb);
	if (rc == 0)
		rc = ev_parallel((n + EVAL_BATCH - 1) / EVAL_BATCH, nt, eval_task, j, eb);
	for (int h = 0; h < net->n_heads; h++) {
		top1[h] = top5[h] = 0;
		for (int t = 0; t < nt; t++) {
			top1[h] += j->top1[t][h];
			top5[h] += j->top5[t][h];
		}
	}
	for (int t = 0; t < nt; t++)
		ev_work_destroy(j->w[t]);
	free(j);
	return rc;
}

/* ---- a parallel loop on pthreads ---- */

struct par {
	int n_tasks, n_workers, worker;
	void (*fn)(void *ctx, int task, int worker);
	void *ctx;
};

static void *par_run(void *arg)
{
	const struct par *p = arg;
	for (int t = p->worker; t < p->n_tasks; t += p->n_workers)
		p->fn(p->ctx, t, p->worker);
	return NULL;
}

int ev_parallel(int n_tasks, int n_workers, void (*fn)(void *ctx, int task, int worker),
		void *ctx, struct errbuf *eb)
{
	if (n_workers > n_tasks)
		n_workers = n_tasks;
	if (n_workers < 1)
		n_workers = 1;
	if (n_workers > EV_MAX_THREADS)
		n_workers = EV_MAX_THREADS;
	struct par p[EV_MAX_THREADS];
	pthread_t th[EV_MAX_THREADS];
	int started = 1, rc = 0;
	for (int k = 0; k < n_workers; k++)
		p[k] = (struct par){n_tasks, n_workers, k, fn, ctx};
	for (int k = 1; k < n_workers; k++) {
		if (pthread_create(&th[k], NULL, par_run, &p[k]) != 0) {
			rc = err_set(eb, ERR_NOMEM, "cannot start a worker thread");
			break;
		}
		started++;
	}
	if (rc == 0)
		par_run(&p[0]);
	for (int k = 1; k < started; k++)
		pthread_join(th[k], NULL);
	return rc;
}

/*
 * evolve_compress.c: cutting and compressing trained networks into variants of their own:
 * the width cut of the self-evolving network (its first channels), channel pruning by
 * filter L1 norm (the pruned filters and the matching input channels of every layer that
 * reads them go), and low-rank factorisation of a convolution or fully connected layer by
 * truncated SVD into a k x k convolution to `rank` channels and a 1 x 1 convolution back.
 * Each returns a new net with copied weights, ready to fine-tune. Not for training
 * (evolve_train.c) or quantization (evolve_int8.c).
 */
#include "evolveint.h"

#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The output channels of every layer of src that a new net keeps, as src channel indices. */
struct chanmap {
	int n[EV_MAX_LAYERS];
	int *c[EV_MAX_LAYERS];   /* owned for conv layers; pools point at their input's */
	int owned[EV_MAX_LAYERS];
};

static void chanmap_free(struct chanmap *m)
{
	for (int i = 0; i < EV_MAX_LAYERS; i++)
		if (m->owned[i])
			free(m->c[i]);
}

/* Input channel j of layer i under the map: an index into src's input channels. */
static int in_chan(const struct ev_net *src, const struct chanmap *m, int i, int j)
{
	int in = src->l[i].d.in;
	return in < 0 || !m->c[in] ? j : m->c[in][j];
}

static int in_count(const struct ev_net *src, const struct chanmap *m, int i)
{
	int in = src->l[i].d.in;
	return in < 0 ? src->in_c : m->n[in];
}

int ev_extract(const struct ev_net *src, const int *const *keep, const int *n_keep,
	       struct ev_net **out, struct errbuf *eb)
{
	struct chanmap m;
	struct ev_def defs[EV_MAX_LAYERS];
	struct ev_net *net = NULL;
	int rc = 0;
	memset(&m, 0, sizeof m);
	for (int i = 0; i < src->n; i++) {
		const struct ev_layer *l = &src->l[i];
		defs[i] = l->d;
		if (l->d.op != EV_CONV) {
			int in = l->d.in;
			m.n[i] = in < 0 ? src->in_c : m.n[in];
			m.c[i] = in < 0 ? NULL : m.c[in];
			continue;
		}
		int n = n_keep[i];
		if (n < 1 || n > l->out_c) {
			rc = err_set(eb, ERR_RANGE, "layer %s: keeping %d of its %d channels",
				     l->d.name, n, l->out_c);
			goto fail;
		}
		m.c[i] = malloc((size_t)n * sizeof(int));
		if (!m.c[i]) {
			rc = err_set(eb, ERR_NOMEM, "out of memory");
			goto fail;
		}
		m.owned[i] = 1;
		m.n[i] = n;
		for (int j = 0; j < n; j++) {
			int c = keep && keep[i] ? keep[i][j] : j;
			if (c < 0 || c >= l->out_c) {
				rc = err_set(eb, ERR_RANGE, "layer %s: channel %d of %d", l->d.name,
					     c, l->out_c);
				goto fail;
			}
			m.c[i][j] = c;
		}
		defs[i].c_out = n;
	}
	rc = ev_net_create(defs, src->n, src->in_h, src->in_w, src->in_c, &net, eb);
	if (rc < 0)
		goto fail;
	for (int i = 0; i < src->n; i++) {
		const struct ev_layer *sl = &src->l[i], *nl = &net->l[i];
		if (sl->d.op != EV_CONV)
			continue;
		int kk = sl->d.k * sl->d.k, n_in = in_count(src, &m, i);
		if (n_in != nl->in_c) {
			rc = err_set(eb, ERR_RANGE, "layer %s: %d input channels kept, %d expected",
				     sl->d.name, n_in, nl->in_c);
			goto fail;
		}
		for (int o = 0; o < m.n[i]; o++) {
			const float *sw = src->params + sl->w_off + (size_t)m.c[i][o] * sl->n_k;
			float *nw = net->params + nl->w_off + (size_t)o * nl->n_k;
			for (int j = 0; j < n_in; j++) {
				int c = in_chan(src, &m, i, j);
				memcpy(nw + (size_t)j * kk, sw + (size_t)c * kk,
				       (size_t)kk * sizeof(float));
			}
			net->params[nl->b_off + (size_t)o] =
				src->params[sl->b_off + (size_t)m.c[i][o]];
		}
	}
	chanmap_free(&m);
	*out = net;
	return 0;
fail:
	chanmap_free(&m);
	ev_net_destroy(net);
	return rc;
}

int ev_cut_width(const struct ev_net *src, double width, struct ev_net **out,
		 struct errbuf *eb)
{
	int act[EV_MAX_LAYERS];
	ev_net_act(src, width, act);
	return ev_extract(src, NULL, act, out, eb);
}

/* Filters of layer l ranked by L1 norm, largest first, ties to the lower index. */
struct ranked {
	double norm;
	int idx;
};

static int by_norm(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	if (x->norm != y->norm)
		return x->norm < y->norm ? 1 : -1;
	return x->idx - y->idx;
}

static int by_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

int ev_prune_l1(const struct ev_net *src, const int *want, struct ev_net **out,
		struct errbuf *eb)
{
	int *keep[EV_MAX_LAYERS] = {0};
	int n_keep[EV_MAX_LAYERS];
	struct ranked *r = NULL;
	int rc;
	for (int i = 0; i < src->n; i++) {
		const struct ev_layer *l = &src->l[i];
		n_keep[i] = l->out_c;
		if (l->d.op != EV_CONV || l->d.fixed || want[i] <= 0 || want[i] >= l->out_c)
			continue;
		free(r);
		r = malloc((size_t)l->out_c * sizeof *r);
		keep[i] = malloc((size_t)want[i] * sizeof(int));
		if (!r || !keep[i]) {
			rc = err_set(eb, ERR_NOMEM, "out of memory");
			goto done;
		}
		for (int o = 0; o < l->out_c; o++) {
			const float *w = src->params + l->w_off + (size_t)o * l->n_k;
			double s = 0;
			for (int j = 0; j < l->n_k; j++)
				s += fabs(w[j]);
			r[o].norm = s;
			r[o].idx = o;
		}
		qsort(r, (size_t)l->out_c, sizeof *r, by_norm);
		for (int j = 0; j < want[i]; j++)
			keep[i][j] = r[j].idx;
		qsort(keep[i], (size_t)want[i], sizeof(int), by_int);
		n_keep[i] = want[i];
	}
	rc = ev_extract(src, (const int *const *)keep, n_keep, out, eb);
done:
	free(r);
	for (int i = 0; i < EV_MAX_LAYERS; i++)
		free(keep[i]);
	return rc;
}

int ev_lowrank(const struct ev_net *src, const int *rank, struct ev_net **out,
	       struct errbuf *eb)
{
	struct ev_def defs[EV_MAX_LAYERS];
	int map[EV_MAX_LAYERS];      /* src layer -> the new layer giving its output */
	int first[EV_MAX_LAYERS];    /* src layer -> its first new layer */
	int n = 0, rc;
	struct ev_net *net = NULL;
	float *a = NULL, *s = NULL, *u = NULL, *vt = NULL, *superb = NULL;
	for (int i = 0; i < src->n; i++) {
		const struct ev_layer *l = &src->l[i];
		int in = l->d.in < 0 ? -1 : map[l->d.in];
		int r = l->d.op == EV_CONV ? rank[i] : 0;
		if (n + (r > 0 ? 2 : 1) > EV_MAX_LAYERS)
			return err_set(eb, ERR_RANGE, "factorising gives more than %d layers",
				       EV_MAX_LAYERS);
		first[i] = n;
		if (r <= 0) {
			defs[n] = l->d;
			defs[n].in = in;
			map[i] = n++;
			continue;
		}
		int mn = l->out_c < l->n_k ? l->out_c : l->n_k;
		if (r > mn)
			return err_set(eb, ERR_RANGE,
				       "layer %s: rank %d exceeds min(%d outputs, %d inputs)",
				       l->d.name, r, l->out_c, l->n_k);
		struct ev_def *da = &defs[n], *db = &defs[n + 1];
		*da = l->d;
		snprintf(da->name, sizeof da->name, "%.24s_lr", l->d.name);
		da->in = in;
		da->c_out = r;
		da->relu = 0;
		da->fixed = 0;
		da->head = 0;
		*db = l->d;
		db->in = n;
		db->k = 1;
		db->stride = 1;
		map[i] = n + 1;
		n += 2;
	}
	rc = ev_net_create(defs, n, src->in_h, src->in_w, src->in_c, &net, eb);
	if (rc < 0)
		return rc;
	for (int i = 0; i < src->n; i++) {
		const struct ev_layer *l = &src->l[i];
		if (l->d.op != EV_CONV)
			continue;
		if (first[i] == map[i]) {
			const struct ev_layer *nl = &net->l[map[i]];
			memcpy(net->params + nl->w_off, src->params + l->w_off,
			       (size_t)l->out_c * l->n_k * sizeof(float));
			memcpy(net->params + nl->b_off, src->params + l->b_off,
			       (size_t)l->out_c * sizeof(float));
			continue;
		}
		const struct ev_layer *la = &net->l[first[i]], *lb = &net->l[map[i]];
		int m = l->out_c, k = l->n_k, mn = m < k ? m : k, r = rank[i];
		free(a);
		free(s);
		free(u);
		free(vt);
		free(superb);
		a = malloc((size_t)m * k * sizeof *a);
		s = malloc((size_t)mn * sizeof *s);
		u = malloc((size_t)m * mn * sizeof *u);
		vt = malloc((size_t)mn * k * sizeof *vt);
		superb = malloc((size_t)mn * sizeof *superb);
		if (!a || !s || !u || !vt || !superb) {
			rc = err_set(eb, ERR_NOMEM, "out of memory");
			goto fail;
		}
		memcpy(a, src->params + l->w_off, (size_t)m * k * sizeof *a);
		lapack_int info = LAPACKE_sgesvd(LAPACK_ROW_MAJOR, 'S', 'S', m, k, a, k, s, u, mn,
						 vt, k, superb);
		if (info != 0) {
			rc = err_set(eb, ERR_BACKEND, "layer %s: LAPACKE_sgesvd returned %d",
				     l->d.name, (int)info);
			goto fail;
		}
		/* W = U S V^T ~ (U_r sqrt(S_r)) (sqrt(S_r) V_r^T) */
		float *wa = net->params + la->w_off, *wb = net->params + lb->w_off;
		for (int j = 0; j < r; j++) {
			float q = sqrtf(s[j] > 0 ? s[j] : 0);
			for (int c = 0; c < k; c++)
				wa[(size_t)j * k + c] = q * vt[(size_t)j * k + c];
			for (int o = 0; o < m; o++)
				wb[(size_t)o * r + j] = q * u[(size_t)o * mn + j];
		}
		memcpy(net->params + lb->b_off, src->params + l->b_off, (size_t)m * sizeof(float));
	}
	free(a);
	free(s);
	free(u);
	free(vt);
	free(superb);
	*out = net;
	return 0;
fail:
	free(a);
	free(s);
	free(u);
	free(vt);
	free(superb);
	ev_net_destroy(net);
	return rc;
}

/*
 * layers.c: a spec in memory (layers.h): freeing and copying it, the shapes where its
 * layers meet, and what it costs (MACs, parameters, weight bytes and the peak of live
 * activations).
 *
 * A layer's output follows its op (pools and add keep their channels); a layer checks
 * against the output of the layer it reads, or the model input. Not for reading spec files
 * (spec.c), transforming specs (ops.c) or accuracy (accuracy.c).
 */
#include "layers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "layersint.h"

char *model_strdup(const char *s, int *failed)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (!d) {
		*failed = 1;
		return NULL;
	}
	memcpy(d, s, n);
	return d;
}

void model_layer_out(const struct layer *l, int *h, int *w, int *c)
{
	*h = kshape_out_h(&l->k);
	*w = kshape_out_w(&l->k);
	switch (l->k.op) {
	case KOP_AVGPOOL:
	case KOP_MAXPOOL:
	case KOP_ADD:
		*c = l->k.in_c;
		break;
	default:
		*c = l->k.out_c;
		break;
	}
}

int model_layer_is_global(const struct layer *l)
{
	const struct kshape *k = &l->k;
	return (k->op == KOP_AVGPOOL || k->op == KOP_MAXPOOL) && k->kernel == k->in_h &&
	       k->stride == k->in_h && k->in_h == k->in_w;
}

int model_layer_check(const struct model *m, int i, char *why, size_t why_len)
{
	const struct layer *l = &m->layers[i];
	int h, w, c;
	const char *from;
	if (l->input < 0) {
		const struct kshape *k0 = &m->layers[0].k;
		h = k0->in_h;
		w = k0->in_w;
		c = k0->in_c;
		from = "the model input";
	} else {
		model_layer_out(&m->layers[l->input], &h, &w, &c);
		from = m->layers[l->input].name;
	}
	if (l->k.in_h != h || l->k.in_w != w || l->k.in_c != c) {
		snprintf(why, why_len,
			 "input %dx%dx%d does not match the output of '%s' (%dx%dx%d)", l->k.in_h,
			 l->k.in_w, l->k.in_c, from, h, w, c);
		return ERR_RANGE;
	}
	if (l->k.op == KOP_ADD) {
		const struct layer *o = &m->layers[l->input2];
		model_layer_out(o, &h, &w, &c);
		if (l->k.in_h != h || l->k.in_w != w || l->k.in_c != c) {
			snprintf(why, why_len,
				 "add inputs differ: %dx%dx%d and the output of '%s' (%dx%dx%d)",
				 l->k.in_h, l->k.in_w, l->k.in_c, o->name, h, w, c);
			return ERR_RANGE;
		}
	}
	return 0;
}

void model_destroy(struct model *m)
{
	if (!m)
		return;
	free(m->layers);
	free(m->width_rounding);
	free(m->ladder);
	free(m->source);
	free(m->shared_weights);
	for (int i = 0; i < MODEL_MAX_ACC; i++) {
		free(m->acc_table[i]);
		free(m->acc_join[i]);
		free(m->acc_columns[i]);
	}
	free(m);
}

int model_copy_meta(struct model *m, const struct model *base)
{
	int failed = 0;
	memcpy(m->name, base->name, sizeof m->name);
	memcpy(m->sha256, base->sha256, sizeof m->sha256);
	m->width_rounding = model_strdup(base->width_rounding, &failed);
	m->ladder = model_strdup(base->ladder, &failed);
	m->source = model_strdup(base->source, &failed);
	m->shared_weights = model_strdup(base->shared_weights, &failed);
	for (int i = 0; i < base->n_acc; i++) {
		m->acc_table[i] = model_strdup(base->acc_table[i], &failed);
		m->acc_join[i] = model_strdup(base->acc_join[i], &failed);
		m->acc_columns[i] = model_strdup(base->acc_columns[i], &failed);
	}
	m->n_acc = base->n_acc;
	m->accuracy_table = m->acc_table[0];
	m->accuracy_join = m->acc_join[0];
	return failed ? ERR_NOMEM : 0;
}

int model_last_block(const struct model *m)
{
	int b = -1;
	for (int i = 0; i < m->n_layers; i++)
		if (m->layers[i].block > b)
			b = m->layers[i].block;
	return b;
}

void model_cost(const struct model *m, struct model_cost *c)
{
	memset(c, 0, sizeof *c);
	for (int i = 0; i < m->n_layers; i++) {
		const struct kshape *k = &m->layers[i].k;
		double p = kshape_params(k);
		c->macs += kshape_macs(k);
		c->params += p;
		c->weight_bytes += (uint64_t)p * (uint64_t)dtype_bytes(k->dtype);
	}

	/*
	 * Peak activations: while layer j runs, its output is being written and every tensor
	 * made before it (the model input counts as tensor -1) that layer j or a later layer
	 * still reads is held. last[t + 1] is the last layer that reads tensor t.
	 */
	int n = m->n_layers;
	int *last = malloc((size_t)(n + 1) * sizeof *last);
	if (!last) {
		/* out of memory: the plain-chain bound (largest input + output) */
		for (int j = 0; j < n; j++) {
			uint64_t live = kshape_in_bytes(&m->layers[j].k) +
					kshape_out_bytes(&m->layers[j].k);
			if (live > c->peak_act_bytes)
				c->peak_act_bytes = live;
		}
		return;
	}
	for (int t = 0; t <= n; t++)
		last[t] = -1;
	for (int r = 0; r < n; r++) {
		const struct layer *l = &m->layers[r];
		last[l->input + 1] = r;
		if (l->input2 >= 0)
			last[l->input2 + 1] = r;
	}
	for (int j = 0; j < n; j++) {
		uint64_t live = kshape_out_bytes(&m->layers[j].k);
		for (int t = -1; t < j; t++)
			if (last[t + 1] >= j)
				live += t < 0 ? kshape_in_bytes(&m->layers[0].k)
					      : kshape_out_bytes(&m->layers[t].k);
		if (live > c->peak_act_bytes)
			c->peak_act_bytes = live;
	}
	free(last);
}

/*
 * test_evolve.c: the self-evolving model trainer (models/evolve*.c): gradients against
 * finite differences, AdaScale's gain (its range, plain SGD at scale 1, its closed form on
 * a noisy quadratic), the compression operators (width cut, L1 pruning, truncated SVD),
 * int8 arithmetic against float, the IDX reader and weights files on bad input, and the
 * `adascale evolve --quick` command end to end with its outputs read back through models/.
 * Run from the repository root; the end-to-end test needs the Debian package
 * dataset-fashion-mnist.
 */
#include <criterion/criterion.h>

#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "csvin.h"
#include "evolve.h"
#include "evolveint.h"
#include "model.h"
#include "rng.h"
#include "testutil.h"

#define FMNIST "/usr/share/datasets/fashion-mnist"

static struct ev_def def(const char *name, enum ev_op op, int in, int k, int s, int c, int relu,
			 int fixed, int head)
{
	struct ev_def d;
	memset(&d, 0, sizeof d);
	snprintf(d.name, sizeof d.name, "%s", name);
	d.op = op;
	d.in = in;
	d.k = k;
	d.stride = s;
	d.c_out = c;
	d.relu = relu;
	d.fixed = fixed;
	d.head = head;
	return d;
}

/*
 * A small net with every layer kind on an 8x8x2 input: 3x3 conv, 2x2 max pool, a second
 * 3x3 conv, a 4x4 stride-4 conv (a dense layer over the map), a classifier; an exit from
 * the pooled map through global average pooling.
 */
static struct ev_net *small_net(void)
{
	struct ev_def d[] = {
		def("c1", EV_CONV, -1, 3, 1, 6, 1, 0, 0),
		def("p1", EV_MAXPOOL, 0, 2, 2, 0, 0, 0, 0),
		def("c2", EV_CONV, 1, 3, 1, 5, 1, 0, 0),
		def("c3", EV_CONV, 2, 4, 4, 7, 1, 0, 0),
		def("out", EV_CONV, 3, 1, 1, 10, 0, 1, 2),
		def("gap", EV_GAP, 1, 0, 0, 0, 0, 0, 0),
		def("exit1", EV_CONV, 5, 1, 1, 10, 0, 1, 1),
	};
	struct ev_net *net = NULL;
	struct errbuf eb = {0, ""};
	cr_assert_eq(ev_net_create(d, 7, 8, 8, 2, &net, &eb), 0, "%s", eb.msg);
	ev_net_init(net, 7, "test.init");
	/* non-zero biases, so their gradients are exercised too */
	struct rng r;
	rng_init(&r, 3, "test.bias");
	for (int i = 0; i < net->n; i++)
		if (net->l[i].d.op == EV_CONV)
			for (int o = 0; o < net->l[i].out_c; o++)
				net->params[net->l[i].b_off + (size_t)o] =
					(float)(0.2 * (rng_uniform(&r) - 0.3));
	return net;
}

/* The weighted loss of a random batch under act. */
static double loss_of(struct ev_net *net, const int *act, struct ev_work *w, int b,
		      const float *head_w, float *scratch)
{
	double loss[EV_MAX_HEADS];
	ev_forward(net, act, w, b);
	memset(scratch, 0, net->n_params * sizeof(float));
	ev_backward(net, act, w, b, head_w, scratch, loss, NULL);
	double s = 0;
	for (int h = 0; h < net->n_heads; h++)
		s += head_w[h] * loss[h];
	return s;
}

static void gradient_check(const int *act_or_null)
{
	struct ev_net *net = small_net();
	struct ev_work *w = NULL;
	struct errbuf eb = {0, ""};
	int b = 3;
	cr_assert_eq(ev_work_create(net, b, &w, &eb), 0, "%s", eb.msg);
	struct rng r;
	rng_init(&r, 5, "test.input");
	for (int i = 0; i < b * 64 * 2; i++)
		w->x[i] = (float)rng_uniform(&r);
	for (int j = 0; j < b; j++)
		w->y[j] = (j * 7 + 3) % 10;
	int act[EV_MAX_LAYERS];
	if (act_or_null)
		memcpy(act, act_or_null, sizeof act);
	else
		ev_net_act(net, 1, act);
	float head_w[EV_MAX_HEADS] = {0.7f, 1.0f};
	float *g = calloc(net->n_params, sizeof(float));
	float *scratch = calloc(net->n_params, sizeof(float));
	double base = loss_of(net, act, w, b, head_w, g);
	int checked = 0, inactive = 0, kinks = 0;
	double worst = 0;
	for (size_t p = 0; p < net->n_params; p++) {
		float keep = net->params[p];
		double eps = 1.5e-3;
		net->params[p] = (float)(keep + eps);
		double up = loss_of(net, act, w, b, head_w, scratch);
		net->params[p] = (float)(keep - eps);
		double down = loss_of(net, act, w, b, head_w, scratch);
		net->params[p] = keep;
		/* a ReLU or a max pool switching inside [-eps, eps] makes the loss non-smooth
		   there: the one-sided slopes disagree and the point is not a fair check */
		double right = (up - base) / eps, left = (base - down) / eps;
		if (fabs(right - left) > 0.01 * fmax(0.1, fabs(right) + fabs(left))) {
			kinks++;
			continue;
		}
		double num = (up - down) / (2 * eps);
		double err = fabs(num - g[p]) / fmax(1e-2, fabs(num) + fabs(g[p]));
		if (g[p] == 0 && num == 0)
			inactive++;
		worst = fmax(worst, err);
		cr_expect_lt(err, 1e-2, "parameter %zu: analytic %.6g, numeric %.6g", p, g[p],
			     num);
		checked++;
	}
	cr_assert_gt(checked, 800, "%d parameters checked, %d at kinks", checked, kinks);
	cr_log_info("%d parameters checked, %d at kinks, worst relative error %.2g", checked,
		    kinks, worst);
	cr_assert_lt(kinks, 60, "%d of %zu parameters at kinks", kinks, net->n_params);
	if (act_or_null)
		cr_assert_gt(inactive, 0, "a width cut leaves some weights without gradient");
	free(g);
	free(scratch);
	ev_work_destroy(w);
	ev_net_destroy(net);
}

Test(evolve, gradients_match_finite_differences) { gradient_check(NULL); }

Test(evolve, gradients_of_a_width_cut_match_and_stay_in_the_cut)
{
	/* the first 4 of 6, 3 of 5, 5 of 7 channels; the classifiers are whole */
	int act[EV_MAX_LAYERS] = {4, 4, 3, 5, 10, 4, 10};
	gradient_check(act);
}

/* ---- AdaScale ---- */

Test(evolve, adascale_gain_stays_between_1_and_S)
{
	struct rng r;
	rng_init(&r, 11, "test.adascale");
	static const int scales[] = {2, 4, 16};
	for (int k = 0; k < 3; k++) {
		int S = scales[k];
		struct evolve_adascale a;
		evolve_adascale_init(&a, S, -1);
		cr_assert_float_eq(a.theta, 1 - S / 1000.0, 1e-12);
		double tau = 0;
		for (int t = 0; t < 2000; t++) {
			/* anything from pure signal to pure noise, and inconsistent inputs */
			double sum_sq = 10 * rng_uniform(&r);
			double mean_sq = 10 * rng_uniform(&r) / (t % 3 ? S : 1);
			if (t % 50 == 0)
				sum_sq = mean_sq = 0;
			double g = evolve_adascale_observe(&a, sum_sq, mean_sq);
			tau += g;
			cr_assert(g >= 1 && g <= S, "S=%d step %d: gain %g", S, t, g);
		}
		cr_assert_float_eq(a.tau, tau, 1e-9);
		cr_assert_eq(a.steps, 2000);
	}
	/* the ends of the range: noiseless gradients gain nothing, pure noise gains S */
	struct evolve_adascale a;
	evolve_adascale_init(&a, 8, 0);
	cr_assert_float_eq(evolve_adascale_observe(&a, 8 * 4.0, 4.0), 1.0, 1e-12);
	cr_assert_float_eq(evolve_adascale_observe(&a, 8 * 4.0, 0.0), 8.0, 1e-12);
}

/*
 * A quadratic f(w) = |w - w*|^2 / 2 in d dimensions whose micro-batch gradients carry
 * Gaussian noise of variance sigma^2 per coordinate: var = d sigma^2, sqr = |w - w*|^2, so
 * the gain is (d sigma^2 + |w - w*|^2) / (d sigma^2 / S + |w - w*|^2).
 */
static double noisy_quadratic_gain(int S, double dist, double sigma, double theta, int steps)
{
	enum { D = 50 };
	struct rng r;
	rng_init(&r, 13, "test.quadratic");
	struct evolve_adascale a;
	evolve_adascale_init(&a, S, theta);
	double w[D];
	for (int j = 0; j < D; j++)
		w[j] = dist / sqrt((double)D);  /* |w - w*| = dist, w* = 0 */
	for (int t = 0; t < steps; t++) {
		double mean[D] = {0}, sum_sq = 0;
		for (int i = 0; i < S; i++) {
			double sq = 0;
			for (int j = 0; j < D; j++) {
				double u1 = fmax(rng_uniform(&r), 1e-300), u2 = rng_uniform(&r);
				double g = w[j] + sigma * sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
				mean[j] += g / S;
				sq += g * g;
			}
			sum_sq += sq;
		}
		double mean_sq = 0;
		for (int j = 0; j < D; j++)
			mean_sq += mean[j] * mean[j];
		evolve_adascale_observe(&a, sum_sq, mean_sq);
	}
	return a.gain;
}

Test(evolve, adascale_gain_approaches_its_closed_form_on_a_noisy_quadratic)
{
	static const struct {
		int S;
		double dist, sigma;
	} cases[] = {{4, 1.0, 0.2}, {16, 1.0, 0.2}, {16, 0.2, 0.5}, {8, 3.0, 0.05}};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		double d_sigma2 = 50 * cases[k].sigma * cases[k].sigma;
		double mu2 = cases[k].dist * cases[k].dist;
		double want = (d_sigma2 + mu2) / (d_sigma2 / cases[k].S + mu2);
		double got = noisy_quadratic_gain(cases[k].S, cases[k].dist, cases[k].sigma, 0.999,
						  3000);
		cr_expect(fabs(got - want) <= 0.03 * want,
			  "S=%d |w-w*|=%g sigma=%g: gain %.4f, closed form %.4f", cases[k].S,
			  cases[k].dist, cases[k].sigma, got, want);
	}
}

/* A synthetic 8x8 data set whose label is the brightest quadrant, with some noise. */
static struct evolve_data *toy_data(int n, uint64_t seed)
{
	struct evolve_data *d = calloc(1, sizeof *d);
	d->n = n;
	d->rows = d->cols = 8;
	d->pixels = malloc((size_t)n * 64);
	d->labels = malloc((size_t)n);
	struct rng r;
	rng_init(&r, seed, "test.toy");
	for (int i = 0; i < n; i++) {
		int lab = (int)(rng_u64(&r) % 4);
		d->labels[i] = (uint8_t)lab;
		for (int p = 0; p < 64; p++) {
			int q = (p / 8 >= 4) * 2 + (p % 8 >= 4);
			double v = 60 * rng_uniform(&r) + (q == lab ? 150 : 20);
			d->pixels[(size_t)i * 64 + (size_t)p] = (uint8_t)v;
		}
	}
	return d;
}

static struct ev_net *toy_net(uint64_t seed)
{
	struct ev_def d[] = {
		def("c1", EV_CONV, -1, 3, 1, 16, 1, 0, 0),
		def("p1", EV_MAXPOOL, 0, 2, 2, 0, 0, 0, 0),
		def("c2", EV_CONV, 1, 3, 1, 16, 1, 0, 0),
		def("fc", EV_CONV, 2, 4, 4, 16, 1, 0, 0),
		def("out", EV_CONV, 3, 1, 1, 10, 0, 1, 2),
		def("gap", EV_GAP, 1, 0, 0, 0, 0, 0, 0),
		def("exit1", EV_CONV, 5, 1, 1, 10, 0, 1, 1),
	};
	struct ev_net *net = NULL;
	struct errbuf eb = {0, ""};
	cr_assert_eq(ev_net_create(d, 7, 8, 8, 1, &net, &eb), 0, "%s", eb.msg);
	ev_net_init(net, seed, "test.toy.init");
	return net;
}

static void toy_cfg(struct ev_train_cfg *c, int scale, double epochs, int n)
{
	ev_train_defaults(c);
	c->micro = 8;
	c->scale = scale;
	c->lr = 0.05;
	c->weight_decay = 1e-4;
	c->budget = epochs * n / c->micro;
	c->threads = 1;
}

Test(evolve, adascale_at_scale_1_is_plain_sgd_step_for_step)
{
	enum { N = 96 };
	struct evolve_data *d = toy_data(N, 1);
	int idx[N];
	for (int i = 0; i < N; i++)
		idx[i] = i;
	struct ev_net *a = toy_net(3), *b = toy_net(3);
	struct ev_train_cfg c;
	struct ev_train_stats st;
	struct errbuf eb = {0, ""};
	toy_cfg(&c, 1, 2.5, N);  /* 30 steps: the order is reshuffled twice on the way */
	cr_assert_eq(ev_train(a, d, idx, N, &c, &st, &eb), 0, "%s", eb.msg);
	cr_assert_eq(st.steps, 30);
	cr_assert_float_eq(st.tau, 30, 1e-12);
	cr_assert_float_eq(st.gain_mean, 1, 1e-12);

	/* the same batches through forward, backward and a plain SGD step */
	struct ev_feeder f;
	struct ev_work *w = NULL;
	int act[EV_MAX_LAYERS];
	cr_assert_eq(ev_feeder_init(&f, idx, N, c.seed, c.stream), 0);
	cr_assert_eq(ev_work_create(b, c.micro, &w, &eb), 0);
	ev_net_act(b, 1, act);
	memset(b->mom, 0, b->n_params * sizeof(float));
	for (int t = 0; t < 30; t++) {
		memset(b->grads, 0, b->n_params * sizeof(float));
		ev_load_batch(d, ev_feeder_next(&f, c.micro), c.micro, w);
		ev_forward(b, act, w, c.micro);
		ev_backward(b, act, w, c.micro, c.head_w, b->grads, NULL, NULL);
		ev_sgd_step(b, ev_lr_at(&c, t), c.momentum, c.weight_decay);
	}
	cr_assert_eq(memcmp(a->params, b->params, a->n_params * sizeof(float)), 0,
		     "AdaScale at S = 1 and plain SGD end with different weights");
	ev_feeder_free(&f);
	ev_work_destroy(w);
	ev_net_destroy(a);
	ev_net_destroy(b);
	evolve_data_destroy(d);
}

Test(evolve, training_learns_and_is_bit_identical_whatever_the_thread_count)
{
	enum { N = 400 };
	struct evolve_data *d = toy_data(N, 2);
	int idx[N];
	for (int i = 0; i < N; i++)
		idx[i] = i;
	struct ev_net *a = toy_net(5), *b = toy_net(5);
	struct ev_train_cfg c;
	struct ev_train_stats sa, sb;
	struct errbuf eb = {0, ""};
	toy_cfg(&c, 4, 3, N);
	c.n_widths = 2;
	c.widths[1] = 0.5;
	cr_assert_eq(ev_train(a, d, idx, N, &c, &sa, &eb), 0, "%s", eb.msg);
	c.threads = 3;
	cr_assert_eq(ev_train(b, d, idx, N, &c, &sb, &eb), 0, "%s", eb.msg);
	cr_assert_eq(sa.steps, sb.steps);
	cr_assert_eq(memcmp(a->params, b->params, a->n_params * sizeof(float)), 0,
		     "1 and 3 worker threads trained different weights");
	/* AdaScale ran at a gain between 1 and S and stopped at its budget */
	cr_assert(sa.gain_mean > 1 && sa.gain_mean < 4, "mean gain %g", sa.gain_mean);
	cr_assert_geq(sa.tau, c.budget);
	cr_assert_lt(sa.tau - sa.gain_last, c.budget);
	/* it learned: the toy task is easy */
	int act[EV_MAX_LAYERS];
	long t1[EV_MAX_HEADS], t5[EV_MAX_HEADS];
	ev_net_act(a, 1, act);
	cr_assert_eq(ev_eval(a, act, d, idx, N, 2, t1, t5, &eb), 0);
	cr_assert_gt(t1[1], N * 9 / 10, "final exit: %ld of %d right", t1[1], N);
	ev_net_destroy(a);
	ev_net_destroy(b);
	evolve_data_destroy(d);
}

/* ---- compression ---- */

/* Logits of exit `exit` for a toy batch through net under act. */
static void logits_of(struct ev_net *net, const int *act, const struct evolve_data *d, int b,
		      int exit, float *out)
{
	struct ev_work *w = NULL;
	struct errbuf eb = {0, ""};
	int idx[64];
	for (int i = 0; i < b; i++)
		idx[i] = i;
	cr_assert_eq(ev_work_create(net, b, &w, &eb), 0);
	ev_load_batch(d, idx, b, w);
	ev_forward(net, act, w, b);
	memcpy(out, w->out[net->head_layer[exit - 1]], (size_t)b * EV_CLASSES * sizeof(float));
	ev_work_destroy(w);
}

static float max_diff(const float *a, const float *b, int n)
{
	float m = 0;
	for (int i = 0; i < n; i++)
		m = fmaxf(m, fabsf(a[i] - b[i]));
	return m;
}

Test(evolve, a_width_cut_computes_what_the_supernet_does_at_that_width)
{
	struct evolve_data *d = toy_data(16, 4);
	struct ev_net *net = toy_net(9), *cut = NULL;
	struct errbuf eb = {0, ""};
	int act[EV_MAX_LAYERS], full[EV_MAX_LAYERS];
	ev_net_act(net, 0.5, act);
	cr_assert_eq(act[0], 8);   /* floor_min8: max(int(16 * 0.5), 8) */
	cr_assert_eq(act[4], 10);  /* the classifier keeps its classes */
	cr_assert_eq(ev_cut_width(net, 0.5, &cut, &eb), 0, "%s", eb.msg);
	cr_assert_eq(cut->l[0].out_c, 8);
	ev_net_act(cut, 1, full);
	float a[16 * EV_CLASSES], b[16 * EV_CLASSES];
	for (int e = 1; e <= 2; e++) {
		logits_of(net, act, d, 16, e, a);
		logits_of(cut, full, d, 16, e, b);
		cr_assert_lt(max_diff(a, b, 16 * EV_CLASSES), 1e-5, "exit %d", e);
	}
	cr_assert_float_eq(ev_net_macs(net, act, 0), ev_net_macs(cut, full, 0), 0.5);
	ev_net_destroy(cut);
	ev_net_destroy(net);
	evolve_data_destroy(d);
}

Test(evolve, pruning_keeps_the_filters_of_largest_l1_norm)
{
	struct evolve_data *d = toy_data(16, 4);
	struct ev_net *net = toy_net(9), *pruned = NULL;
	struct errbuf eb = {0, ""};
	/* c2 (layer 2): filters 1, 5, 9, ... get zero weights and bias, so their outputs
	   are 0 and removing them changes nothing; filter 0 is scaled down to be the
	   smallest of the rest */
	struct ev_layer *c2 = &net->l[2];
	int zeroed = 0;
	for (int o = 1; o < c2->out_c; o += 4, zeroed++) {
		memset(net->params + c2->w_off + (size_t)o * c2->n_k, 0, c2->n_k * sizeof(float));
		net->params[c2->b_off + (size_t)o] = 0;
	}
	int want[EV_MAX_LAYERS] = {0};
	want[2] = c2->out_c - zeroed;
	cr_assert_eq(ev_prune_l1(net, want, &pruned, &eb), 0, "%s", eb.msg);
	cr_assert_eq(pruned->l[2].out_c, want[2]);
	cr_assert_eq(pruned->l[3].in_c, want[2], "the next layer lost the same inputs");
	/* the kept filters are the others, in order, with their weights */
	int j = 0;
	for (int o = 0; o < c2->out_c; o++) {
		if (o % 4 == 1)
			continue;
		cr_assert_eq(memcmp(pruned->params + pruned->l[2].w_off + (size_t)j * c2->n_k,
				    net->params + c2->w_off + (size_t)o * c2->n_k,
				    c2->n_k * sizeof(float)),
			     0, "filter %d", o);
		j++;
	}
	int act[EV_MAX_LAYERS], pact[EV_MAX_LAYERS];
	ev_net_act(net, 1, act);
	ev_net_act(pruned, 1, pact);
	float a[16 * EV_CLASSES], b[16 * EV_CLASSES];
	logits_of(net, act, d, 16, 2, a);
	logits_of(pruned, pact, d, 16, 2, b);
	cr_assert_lt(max_diff(a, b, 16 * EV_CLASSES), 1e-5);
	ev_net_destroy(pruned);
	ev_net_destroy(net);
	evolve_data_destroy(d);
}

Test(evolve, lowrank_at_full_rank_is_exact_and_truncation_loses_the_dropped_singular_values)
{
	struct evolve_data *d = toy_data(16, 4);
	struct ev_net *net = toy_net(9), *lr = NULL;
	struct errbuf eb = {0, ""};
	const struct ev_layer *fc = &net->l[3];   /* 16 x (16 * 4 * 4) */
	int rank[EV_MAX_LAYERS] = {0};
	rank[3] = 16;
	cr_assert_eq(ev_lowrank(net, rank, &lr, &eb), 0, "%s", eb.msg);
	cr_assert_eq(lr->n, net->n + 1);
	cr_assert_str_eq(lr->l[3].d.name, "fc_lr");  /* the lowrank operator's names */
	cr_assert_str_eq(lr->l[4].d.name, "fc");
	int act[EV_MAX_LAYERS], lact[EV_MAX_LAYERS];
	ev_net_act(net, 1, act);
	ev_net_act(lr, 1, lact);
	float a[16 * EV_CLASSES], b[16 * EV_CLASSES];
	logits_of(net, act, d, 16, 2, a);
	logits_of(lr, lact, d, 16, 2, b);
	cr_assert_lt(max_diff(a, b, 16 * EV_CLASSES), 1e-3);
	ev_net_destroy(lr);

	/* rank 5: |W - W_b W_a|_F^2 = sum of the dropped s_j^2 (Eckart-Young) */
	rank[3] = 5;
	cr_assert_eq(ev_lowrank(net, rank, &lr, &eb), 0, "%s", eb.msg);
	int m = fc->out_c, k = fc->n_k;
	const float *wa = lr->params + lr->l[3].w_off, *wb = lr->params + lr->l[4].w_off;
	const float *w0 = net->params + fc->w_off;
	double err2 = 0;
	for (int o = 0; o < m; o++)
		for (int c = 0; c < k; c++) {
			double v = 0;
			for (int j = 0; j < 5; j++)
				v += (double)wb[o * 5 + j] * wa[(size_t)j * k + (size_t)c];
			err2 += (v - w0[(size_t)o * k + (size_t)c]) * (v - w0[(size_t)o * k + (size_t)c]);
		}
	float *copy = malloc((size_t)m * k * sizeof(float)), s[16], dummy[1], superb[16];
	memcpy(copy, w0, (size_t)m * k * sizeof(float));
	cr_assert_eq(LAPACKE_sgesvd(LAPACK_ROW_MAJOR, 'N', 'N', m, k, copy, k, s, dummy, 1, dummy,
				    1, superb),
		     0);
	double dropped = 0;
	for (int j = 5; j < 16; j++)
		dropped += (double)s[j] * s[j];
	cr_assert(fabs(err2 - dropped) <= 1e-3 * dropped, "error^2 %g, dropped %g", err2,
		  dropped);
	free(copy);
	ev_net_destroy(lr);
	ev_net_destroy(net);
	evolve_data_destroy(d);
}

/* ---- int8 ---- */

Test(evolve, requantization_rounds_like_the_real_multiplier)
{
	/* gemmlowp rounds twice (the doubling high product, then the shift), so a result is
	   within one unit of acc * m, and most often the nearest integer */
	struct rng r;
	rng_init(&r, 17, "test.requant");
	int nearest = 0, n = 20000;
	for (int t = 0; t < n; t++) {
		double m = t % 10 == 0 ? 1 + 3 * rng_uniform(&r) : 1e-4 + rng_uniform(&r) * 0.999;
		int32_t acc = (int32_t)((rng_uniform(&r) - 0.5) * 2e6);
		int32_t q;
		int shift;
		ev_quant_multiplier(m, &q, &shift);
		double want = acc * m;
		int32_t got = ev_requant(acc, q, shift);
		cr_assert(fabs(got - want) < 1, "acc %d x %.9g = %.4f, requantized %d", acc, m,
			  want, got);
		nearest += fabs(got - want) <= 0.5 + 1e-9;
	}
	cr_assert_gt(nearest, n * 90 / 100, "%d of %d rounded to the nearest", nearest, n);
	int32_t q;
	int shift;
	ev_quant_multiplier(0.25, &q, &shift);
	cr_assert_eq(ev_requant(6, q, shift), 2);    /* 1.5 rounds away from zero */
	cr_assert_eq(ev_requant(-6, q, shift), -2);
	/* 1.25: the high product rounds 2.5 to 3 first, the shift then 1.5 to 2 (gemmlowp's
	   double rounding, as in TFLite's reference kernels unless built with
	   TFLITE_SINGLE_ROUNDING) */
	cr_assert_eq(ev_requant(5, q, shift), 2);
}

Test(evolve, int8_gemm_accumulates_exactly_in_int32)
{
	enum { M = 5, N = 7, K = 48 };
	int8_t a[M * K], b[N * K];
	int32_t c[M * N];
	struct rng r;
	rng_init(&r, 19, "test.gemm");
	for (int i = 0; i < M * K; i++)
		a[i] = (int8_t)((int)(rng_u64(&r) % 255) - 127);
	for (int i = 0; i < N * K; i++)
		b[i] = (int8_t)((int)(rng_u64(&r) % 255) - 127);
	ev_gemm_s8(M, N, K, a, K, b, K, c, N);
	for (int i = 0; i < M; i++)
		for (int j = 0; j < N; j++) {
			int32_t want = 0;
			for (int p = 0; p < K; p++)
				want += a[i * K + p] * b[j * K + p];
			cr_assert_eq(c[i * N + j], want, "C[%d][%d]", i, j);
		}
}

Test(evolve, int8_inference_agrees_with_float)
{
	enum { N = 400 };
	struct evolve_data *d = toy_data(N, 6);
	int idx[N];
	for (int i = 0; i < N; i++)
		idx[i] = i;
	struct ev_net *net = toy_net(5);
	struct ev_train_cfg c;
	struct ev_train_stats st;
	struct errbuf eb = {0, ""};
	toy_cfg(&c, 2, 2, N);
	cr_assert_eq(ev_train(net, d, idx, N, &c, &st, &eb), 0, "%s", eb.msg);
	int act[EV_MAX_LAYERS];
	ev_net_act(net, 1, act);
	long f1[EV_MAX_HEADS], f5[EV_MAX_HEADS], q1[EV_MAX_HEADS], q5[EV_MAX_HEADS];
	cr_assert_eq(ev_eval(net, act, d, idx, N, 1, f1, f5, &eb), 0);
	struct ev_qnet *q = NULL;
	cr_assert_eq(ev_quantize(net, act, d, idx, 100, &q, &eb), 0, "%s", eb.msg);
	cr_assert_eq(ev_qeval(q, d, idx, N, 2, q1, q5, &eb), 0);
	for (int h = 0; h < 2; h++)
		cr_assert(labs(q1[h] - f1[h]) <= N / 50, "exit %d: fp32 %ld, int8 %ld of %d", h + 1,
			  f1[h], q1[h], N);
	ev_qnet_destroy(q);
	ev_net_destroy(net);
	evolve_data_destroy(d);
}

/* ---- IDX files and weights files ---- */

/* Writes an IDX file (gzip when gz) with the given header bytes and payload. */
static const char *write_idx(const char *name, int gz, const unsigned char *hdr, size_t n_hdr,
			     const unsigned char *data, size_t n)
{
	static char path[8][512];
	static int next;
	char *p = path[next++ % 8];
	snprintf(p, 512, "%s/%s", tu_dir(), name);
	if (gz) {
		gzFile f = gzopen(p, "wb");
		cr_assert_not_null(f);
		gzwrite(f, hdr, (unsigned)n_hdr);
		if (n)
			gzwrite(f, data, (unsigned)n);
		gzclose(f);
	} else {
		FILE *f = fopen(p, "wb");
		cr_assert_not_null(f);
		fwrite(hdr, 1, n_hdr, f);
		fwrite(data, 1, n, f);
		fclose(f);
	}
	return p;
}

static const unsigned char img_hdr[] = {0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 2};
static const unsigned char lab_hdr[] = {0, 0, 8, 1, 0, 0, 0, 3};
static const unsigned char pixels[12] = {0, 1, 2, 3, 10, 11, 12, 13, 250, 251, 252, 255};
static const unsigned char labels[3] = {7, 0, 9};

Test(evolve, idx_files_read_gzip_or_plain)
{
	struct evolve_data *d = NULL;
	struct errbuf eb = {0, ""};
	const char *img = write_idx("i.gz", 1, img_hdr, sizeof img_hdr, pixels, 12);
	const char *lab = write_idx("l", 0, lab_hdr, sizeof lab_hdr, labels, 3);
	cr_assert_eq(evolve_data_load(img, lab, &d, &eb), 0, "%s", eb.msg);
	cr_assert_eq(d->n, 3);
	cr_assert_eq(d->rows, 2);
	cr_assert_eq(d->cols, 2);
	cr_assert_eq(memcmp(d->pixels, pixels, 12), 0);
	cr_assert_eq(memcmp(d->labels, labels, 3), 0);
	evolve_data_destroy(d);
}

Test(evolve, bad_idx_files_are_refused_with_the_file_named)
{
	struct evolve_data *d = NULL;
	struct errbuf eb = {0, ""};
	const char *lab = write_idx("l.gz", 1, lab_hdr, sizeof lab_hdr, labels, 3);
	unsigned char bad[sizeof img_hdr];

	memcpy(bad, img_hdr, sizeof bad);
	bad[2] = 0x0D;  /* floats */
	const char *img = write_idx("magic.gz", 1, bad, sizeof bad, pixels, 12);
	cr_assert_eq(evolve_data_load(img, lab, &d, &eb), ERR_PARSE);
	cr_assert(tu_has(eb.msg, "magic.gz") && tu_has(eb.msg, "not an IDX file"), "%s", eb.msg);

	img = write_idx("short.gz", 1, img_hdr, sizeof img_hdr, pixels, 11);
	cr_assert_eq(evolve_data_load(img, lab, &d, &eb), ERR_PARSE);
	cr_assert(tu_has(eb.msg, "short.gz") && tu_has(eb.msg, "truncated"), "%s", eb.msg);

	img = write_idx("long", 0, img_hdr, sizeof img_hdr, pixels, 12);
	const char *lab2 = write_idx("l2", 0, lab_hdr, sizeof lab_hdr - 1, labels, 0);
	cr_assert_eq(evolve_data_load(img, lab2, &d, &eb), ERR_PARSE);
	cr_assert(tu_has(eb.msg, "l2"), "%s", eb.msg);

	unsigned char two[sizeof lab_hdr];
	memcpy(two, lab_hdr, sizeof two);
	two[7] = 2;
	lab2 = write_idx("count", 0, two, sizeof two, labels, 2);
	cr_assert_eq(evolve_data_load(img, lab2, &d, &eb), ERR_PARSE);
	cr_assert(tu_has(eb.msg, "2 labels for the 3 images"), "%s", eb.msg);

	unsigned char ten[3] = {1, 10, 2};
	lab2 = write_idx("ten", 0, lab_hdr, sizeof lab_hdr, ten, 3);
	cr_assert_eq(evolve_data_load(img, lab2, &d, &eb), ERR_PARSE);
	cr_assert(tu_has(eb.msg, "label 10 of item 1"), "%s", eb.msg);

	cr_assert_eq(evolve_data_load("/nonexistent/x.gz", lab, &d, &eb), ERR_NOTFOUND);
	cr_assert_null(d);
}

Test(evolve, weights_files_round_trip_and_damage_is_detected)
{
	struct ev_net *net = toy_net(1);
	struct ev_tensor t[2 * EV_MAX_LAYERS];
	struct errbuf eb = {0, ""};
	int n = ev_net_tensors(net, "w/", t, 2 * EV_MAX_LAYERS);
	cr_assert_eq(n, 2 * 5);
	char path[512];
	snprintf(path, sizeof path, "%s/toy.weights", tu_dir());
	cr_assert_eq(ev_weights_write(path, t, n, &eb), 0, "%s", eb.msg);
	struct evolve_weights *w = NULL;
	cr_assert_eq(evolve_weights_read(path, &w, &eb), 0, "%s", eb.msg);
	cr_assert_eq(w->n, n);
	const struct evolve_tensor *c2 = evolve_weights_find(w, "w/c2.weight");
	cr_assert_not_null(c2);
	cr_assert_eq(c2->ndim, 4);
	cr_assert(c2->dims[0] == 16 && c2->dims[1] == 16 && c2->dims[2] == 3 && c2->dims[3] == 3);
	cr_assert_eq(memcmp(c2->data, net->params + net->l[2].w_off, 16 * 144 * sizeof(float)), 0);
	evolve_weights_destroy(w);

	/* one flipped bit in the payload */
	FILE *f = fopen(path, "r+b");
	fseek(f, 200, SEEK_SET);
	int ch = fgetc(f);
	fseek(f, 200, SEEK_SET);
	fputc(ch ^ 0x10, f);
	fclose(f);
	w = NULL;
	cr_assert_eq(evolve_weights_read(path, &w, &eb), ERR_PARSE);
	cr_assert(tu_has(eb.msg, "CRC-32"), "%s", eb.msg);
	cr_assert_null(w);
	cr_assert_eq(truncate(path, 100), 0);
	cr_assert_eq(evolve_weights_read(path, &w, &eb), ERR_PARSE);
	cr_assert(tu_has(eb.msg, "truncated"), "%s", eb.msg);
	ev_net_destroy(net);
}

/* ---- the command ---- */

static char out[1 << 16];

static int is_file(const char *dir, const char *name)
{
	char p[1024];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	return access(p, R_OK) == 0;
}

/* Data rows of a CSV file (after its header). */
static int csv_rows(const char *path)
{
	struct errbuf eb = {0, ""};
	struct csvin *c = csvin_open(path, &eb);
	cr_assert_not_null(c, "%s", eb.msg);
	int n = 0;
	while (csvin_next(c, &eb) == 1)
		n++;
	csvin_close(c);
	return n;
}

Test(evolve_cli, quick_run_writes_variants_that_models_and_the_cli_read)
{
	cr_assert_eq(access(FMNIST "/train-images-idx3-ubyte.gz", R_OK), 0,
		     "Fashion-MNIST is missing: `make deps` installs dataset-fashion-mnist");
	char dir[512], cmd[2048];
	snprintf(dir, sizeof dir, "%s/evo", tu_dir());
	snprintf(cmd, sizeof cmd, "%s/adascale evolve --quick --out %s", tu_bin(), dir);
	int rc = tu_run(cmd, out, sizeof out);
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert(tu_has(out, "training 12 fp32 variants: self-evolving"), "%s", out);
	static const char *const files[] = {
		"fmnist_cnn.csv", "fmnist_cnn_accuracy.csv", "overhead.csv", "fmnist_cnn.weights",
		"fmnist_cnn_prune50.weights", "fmnist_cnn_lowrank50.weights",
		"fmnist_cnn_prune50_lowrank50.weights"};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
		cr_assert(is_file(dir, files[i]), "%s missing", files[i]);

	/* the spec through models/: shapes as trained, MACs as computed by hand */
	char path[1024];
	struct model *m = NULL;
	struct errbuf eb = {0, ""};
	snprintf(path, sizeof path, "%s/fmnist_cnn.csv", dir);
	cr_assert_eq(model_load(path, &m, &eb), 0, "%s", eb.msg);
	cr_assert_eq(m->n_layers, 7);
	cr_assert_str_eq(m->layers[5].name, "fc1");
	cr_assert_eq(m->layers[5].k.kernel, 7);
	cr_assert_eq(m->layers[1].block, 1);
	cr_assert_eq(m->layers[6].block, -1);
	struct model_cost cost;
	model_cost(m, &cost);
	/* 28*28*16*9 + 14*14*16*4 + 14*14*32*16*9 + 7*7*32*4 + 7*7*64*32*9 + 64*49*128
	   + 128*10 */
	cr_assert_float_eq(cost.macs, 2340736.0, 0.5);

	/* the accuracy join finds the measured table beside the spec, with no data root set */
	unsetenv("ADASCALE_HOME");
	struct variant_set *vs = NULL;
	cr_assert_eq(variants_enumerate(m, NULL, &vs, &eb), 0, "%s", eb.msg);
	cr_assert_eq(vs->n, 4 * 2 * 2 * 3 * 2);
	double fp32 = -1, int8 = -1;
	for (int i = 0; i < vs->n; i++) {
		const struct variant *v = &vs->v[i];
		cr_assert(v->has_top1, "%s has no accuracy", v->key);
		cr_assert(tu_has(v->acc_source, "measured by adascale evolve"), "%s", v->acc_source);
		cr_assert(v->top1 >= 0 && v->top1 <= 100 && v->top5 >= v->top1, "%s", v->key);
		if (v->ops.width == 1 && v->ops.prune == 0 && v->ops.lowrank == 1 &&
		    v->ops.exit == 0)
			*(v->ops.quant == DT_INT8 ? &int8 : &fp32) = v->top1;
	}
	/* --quick trains on 3,000 images: its bar is 80% on its 1,500 test images */
	cr_assert_gt(fp32, 80, "full width fp32: %.2f%%", fp32);
	cr_assert(fabs(int8 - fp32) <= 2, "int8 %.2f%% against fp32 %.2f%%", int8, fp32);
	variant_set_destroy(vs);
	model_destroy(m);

	snprintf(cmd, sizeof cmd,
		 "env -u ADASCALE_HOME %s/adascale variants %s/fmnist_cnn.csv --format csv "
		 "--ops 'width=0.25 prune=0.5 lowrank=0.5 exit=2 quant=int8'",
		 tu_bin(), dir);
	cr_assert_eq(tu_run(cmd, out, sizeof out), 0, "%s", out);
	cr_assert(tu_has(out, "fmnist_cnn:width=0.25,res=28,quant=int8,prune=0.5,lowrank=0.5,exit=2"),
		  "%s", out);
	cr_assert(tu_has(out, "measured by adascale evolve"), "%s", out);

	/* one row per variant; the from-scratch rows of the 12 width x exit cuts */
	snprintf(path, sizeof path, "%s/fmnist_cnn_accuracy.csv", dir);
	cr_assert_eq(csv_rows(path), 96);
	snprintf(path, sizeof path, "%s/overhead.csv", dir);
	cr_assert_eq(csv_rows(path), 12);

	/* the self-evolving network's one set of weights; a factorised family's layers */
	struct evolve_weights *w = NULL;
	snprintf(path, sizeof path, "%s/fmnist_cnn.weights", dir);
	cr_assert_eq(evolve_weights_read(path, &w, &eb), 0, "%s", eb.msg);
	cr_assert_eq(w->n, 14);
	const struct evolve_tensor *t = evolve_weights_find(w, "fc1.weight");
	cr_assert_not_null(t);
	cr_assert(t->dims[0] == 128 && t->dims[1] == 64 && t->dims[2] == 7 && t->dims[3] == 7);
	evolve_weights_destroy(w);
	snprintf(path, sizeof path, "%s/fmnist_cnn_lowrank50.weights", dir);
	cr_assert_eq(evolve_weights_read(path, &w, &eb), 0, "%s", eb.msg);
	t = evolve_weights_find(w, "width1/fc1_lr.weight");
	cr_assert_not_null(t);
	cr_assert(t->dims[0] == 64 && t->dims[1] == 64 && t->dims[2] == 7, "rank %d", t->dims[0]);
	evolve_weights_destroy(w);

	/* nothing left of the staging folder */
	snprintf(cmd, sizeof cmd, "ls -a %s | grep -c '^\\.evolve-' || true", dir);
	tu_run(cmd, out, sizeof out);
	cr_assert_eq(atoi(out), 0, "staging folders left: %s", out);
}

Test(evolve_cli, bad_input_exits_2_and_writes_nothing)
{
	char dir[256], data[256], cmd[4096];
	snprintf(dir, sizeof dir, "%s/never", tu_dir());
	snprintf(cmd, sizeof cmd, "%s/adascale evolve --quick --out %s --data /nonexistent", tu_bin(),
		 dir);
	cr_assert_eq(tu_run(cmd, out, sizeof out), 2, "%s", out);
	cr_assert(tu_has(out, "adascale: /nonexistent/train-images-idx3-ubyte.gz"), "%s", out);
	cr_assert_neq(access(dir, F_OK), 0, "the output folder was made");

	snprintf(cmd, sizeof cmd, "%s/adascale evolve --quick", tu_bin());
	cr_assert_eq(tu_run(cmd, out, sizeof out), 2, "%s", out);
	cr_assert(tu_has(out, "--out DIR is required"), "%s", out);
	snprintf(cmd, sizeof cmd, "%s/adascale evolve --threads 0 --out %s", tu_bin(), dir);
	cr_assert_eq(tu_run(cmd, out, sizeof out), 2, "%s", out);

	/* a damaged image file: exit 2, the file named, the output folder left empty */
	snprintf(data, sizeof data, "%s/fmnist", tu_dir());
	snprintf(cmd, sizeof cmd,
		 "mkdir -p %s %s && cp " FMNIST "/*labels* " FMNIST "/t10k-images* %s/ && "
		 "zcat " FMNIST "/train-images-idx3-ubyte.gz | head -c 100000 | gzip > "
		 "%s/train-images-idx3-ubyte.gz",
		 data, dir, data, data);
	cr_assert_eq(tu_run(cmd, out, sizeof out), 0, "%s", out);
	snprintf(cmd, sizeof cmd, "%s/adascale evolve --quick --out %s --data %s", tu_bin(), dir,
		 data);
	cr_assert_eq(tu_run(cmd, out, sizeof out), 2, "%s", out);
	cr_assert(tu_has(out, "train-images-idx3-ubyte.gz: truncated"), "%s", out);
	snprintf(cmd, sizeof cmd, "ls -A %s | wc -l", dir);
	tu_run(cmd, out, sizeof out);
	cr_assert_eq(atoi(out), 0, "files written: %s", out);
}

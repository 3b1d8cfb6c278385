/*
 * evolve_train.c: the trainer's optimizers and loop. AdaScale SGD (Johnson, Agrawal, Gu,
 * Guestrin, "AdaScale SGD: A User-Friendly Algorithm for Distributed Training", ICML 2020,
 * Algorithm 1 and Appendix B.3) scales the learning rate of a step of S micro-batches by
 * its gain estimate and counts progress in scale-invariant iterations; the baseline is the
 * linear scaling rule with gradual warm-up (Goyal et al., "Accurate, Large Minibatch SGD:
 * Training ImageNet in 1 Hour", 2017, sections 2.1 and 2.2). Slimmable training (Yu, Yang,
 * Xu, Yang, Huang, "Slimmable Neural Networks", ICLR 2019, Algorithm 1) adds the gradients
 * of every width of a micro-batch before the step. Not for the network's passes
 * (evolve_net.c).
 */
#include "evolveint.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rng.h"

double ev_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- AdaScale gain ---- */

void evolve_adascale_init(struct evolve_adascale *a, int scale, double theta)
{
	memset(a, 0, sizeof *a);
	a->scale = scale < 1 ? 1 : scale;
	/* The paper's smoothing, as in its reference implementation (fairscale AdaScale):
	   theta = max(1 - S / 1000, 0). */
	a->theta = theta < 0 ? fmax(1.0 - a->scale / 1000.0, 0.0) : theta;
	a->gain = 1;
}

double evolve_adascale_gain(const struct evolve_adascale *a)
{
	double s = a->scale;
	double var = a->var_avg > 0 ? a->var_avg : 0, sqr = a->sqr_avg > 0 ? a->sqr_avg : 0;
	if (a->scale == 1 || var + sqr <= 0)
		return 1;
	double r = (var + sqr) / (var / s + sqr);
	return r < 1 ? 1 : r > s ? s : r;
}

/* The smoothed value after one more observation x (Appendix B.3). */
static double smooth(const struct evolve_adascale *a, double avg, double x)
{
	if (a->theta >= 1 || (double)a->n_obs < 1.0 / (1.0 - a->theta))
		return avg + (x - avg) / (double)a->n_obs;
	return a->theta * avg + (1 - a->theta) * x;
}

double evolve_adascale_observe(struct evolve_adascale *a, double sum_sq, double mean_sq)
{
	if (a->scale > 1) {
		/*
		 * Both estimates are unbiased step by step; sqr is often negative when noise
		 * dominates. They are averaged as they are and clamped at 0 only when the gain
		 * is formed: clamping each step would bias sqr upwards and the gain down.
		 */
		double s = a->scale;
		double var = (sum_sq - s * mean_sq) / (s - 1);
		double sqr = mean_sq - var / s;
		if (!isfinite(var) || !isfinite(sqr))
			var = sqr = 0;
		a->n_obs++;
		a->var_avg = smooth(a, a->var_avg, var);
		a->sqr_avg = smooth(a, a->sqr_avg, sqr);
	}
	a->gain = evolve_adascale_gain(a);
	a->tau += a->gain;
	a->steps++;
	return a->gain;
}

/* ---- SGD ---- */

void ev_train_defaults(struct ev_train_cfg *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->opt = EV_OPT_ADASCALE;
	cfg->micro = 32;
	cfg->scale = 1;
	cfg->lr = 0.05;
	cfg->momentum = 0.9;
	cfg->weight_decay = 0;
	cfg->budget = 1000;
	/* Goyal et al. warm up over 5 of 90 epochs. */
	cfg->warmup = 5.0 / 90.0;
	cfg->theta = -1;
	cfg->n_widths = 1;
	cfg->widths[0] = 1;
	for (int h = 0; h < EV_MAX_HEADS; h++)
		cfg->head_w[h] = 1;
	cfg->seed = 1;
	cfg->stream = "evolve.shuffle";
}

double ev_lr_at(const struct ev_train_cfg *cfg, double tau)
{
	if (cfg->budget <= 0)
		return cfg->lr;
	double f = tau / cfg->budget;
	if (f > 1)
		f = 1;
	return cfg->lr * 0.5 * (1 + cos(M_PI * f));
}

void ev_sgd_step(struct ev_net *net, double lr, double momentum, double weight_decay)
{
	float m = (float)momentum, r = (float)lr;
	for (int i = 0; i < net->n; i++) {
		const struct ev_layer *l = &net->l[i];
		if (l->d.op != EV_CONV)
			continue;
		size_t nw = (size_t)l->out_c * (size_t)l->n_k;
		float wd = (float)weight_decay;
		float *p = net->params + l->w_off, *g = net->grads + l->w_off,
		      *v = net->mom + l->w_off;
		size_t j = 0;
		for (; j + 8 <= nw; j += 8)
			for (int t = 0; t < 8; t++) {
				v[j + t] = m * v[j + t] + g[j + t] + wd * p[j + t];
				p[j + t] -= r * v[j + t];
			}
		for (; j < nw; j++) {
			v[j] = m * v[j] + g[j] + wd * p[j];
			p[j] -= r * v[j];
		}
		p = net->params + l->b_off;
		g = net->grads + l->b_off;
		v = net->mom + l->b_off;
		for (int c = 0; c < l->out_c; c++) {
			v[c] = m * v[c] + g[c];
			p[c] -= r * v[c];
		}
	}
}

double ev_sqnorm(const float *g, size_t n)
{
	/* eight double lanes: the sum does not depend on vectorisation */
	double acc[8] = {0}, s = 0;
	size_t j = 0;
	for (; j + 8 <= n; j += 8)
		for (int t = 0; t < 8; t++)
			acc[t] += (double)g[j + t] * g[j + t];
	for (; j < n; j++)
		s += (double)g[j] * g[j];
	for (int t = 0; t < 8; t++)
		s += acc[t];
	return s;
}

int ev_feeder_init(struct ev_feeder *f, const int *idx, int n, uint64_t seed,
		   const char *stream)
{
	memset(f, 0, sizeof *f);
	f->order = malloc((size_t)(n > 0 ? n : 1) * sizeof *f->order);
	if (!f->order)
		return ERR_NOMEM;
	memcpy(f->order, idx, (size_t)n * sizeof *f->order);
	f->n = n;
	rng_init(&f->r, seed, stream);
	f->pos = n;  /* the first batch shuffles */
	return 0;
}

void ev_feeder_free(struct ev_feeder *f)
{
	free(f->order);
	f->order = NULL;
}

/* Fisher-Yates on the stream. */
static void shuffle(struct ev_feeder *f)
{
	for (int i = f->n - 1; i > 0; i--) {
		int j = (int)(rng_u64(&f->r) % (uint64_t)(i + 1));
		int t = f->order[i];
		f->order[i] = f->order[j];
		f->order[j] = t;
	}
	f->pos = 0;
}

const int *ev_feeder_next(struct ev_feeder *f, int b)
{
	if (f->pos + b > f->n)
		shuffle(f);
	const int *p = f->order + f->pos;
	f->pos += b;
	return p;
}

/* One step's micro-batches, computed by the workers into one gradient slot each. */
struct step_job {
	const struct ev_net *net;
	const struct evolve_data *d;
	const struct ev_train_cfg *cfg;
	int (*acts)[EV_MAX_LAYERS];
	const int *batch[EV_MAX_SCALE];
	float *g[EV_MAX_SCALE];
	double sq[EV_MAX_SCALE];
	double loss[EV_MAX_SCALE];
	struct ev_work *w[EV_MAX_THREADS];
};

static void micro_task(void *ctx, int s, int worker)
{
	struct step_job *j = ctx;
	const struct ev_net *net = j->net;
	struct ev_work *w = j->w[worker];
	int b = j->cfg->micro;
	memset(j->g[s], 0, net->n_params * sizeof(float));
	ev_load_batch(j->d, j->batch[s], b, w);
	for (int k = 0; k < j->cfg->n_widths; k++) {
		double loss[EV_MAX_HEADS];
		ev_forward(net, j->acts[k], w, b);
		ev_backward(net, j->acts[k], w, b, j->cfg->head_w, j->g[s], loss, NULL);
		if (k == 0)
			j->loss[s] = loss[net->n_heads - 1];
	}
	j->sq[s] = ev_sqnorm(j->g[s], net->n_params);
}

int ev_train(struct ev_net *net, const struct evolve_data *d, const int *idx, int n,
	     const struct ev_train_cfg *cfg, struct ev_train_stats *st, struct errbuf *eb)
{
	int rc = 0;
	struct ev_feeder f = {0};
	struct step_job *j = NULL;
	int S = cfg->scale;
	int nt = cfg->threads < 1 ? 1 : cfg->threads > EV_MAX_THREADS ? EV_MAX_THREADS
									 : cfg->threads;
	if (nt > S)
		nt = S;
	if (S < 1 || S > EV_MAX_SCALE)
		return err_set(eb, ERR_RANGE, "scale %d (1..%d micro-batches per step)", S,
			       EV_MAX_SCALE);
	if (cfg->micro < 1 || cfg->micro > n)
		return err_set(eb, ERR_RANGE, "micro-batch of %d with %d training images",
			       cfg->micro, n);
	if (cfg->n_widths < 1 || cfg->n_widths > 8)
		return err_set(eb, ERR_RANGE, "1..8 widths per step, not %d", cfg->n_widths);
	j = calloc(1, sizeof *j);
	int(*acts)[EV_MAX_LAYERS] = calloc((size_t)cfg->n_widths, sizeof *acts);
	if (!j || !acts || ev_feeder_init(&f, idx, n, cfg->seed, cfg->stream) < 0) {
		rc = err_set(eb, ERR_NOMEM, "out of memory");
		goto fail;
	}
	j->net = net;
	j->d = d;
	j->cfg = cfg;
	j->acts = acts;
	for (int s = 0; s < S; s++)
		if (!(j->g[s] = malloc(net->n_params * sizeof(float)))) {
			rc = err_set(eb, ERR_NOMEM, "out of memory for %d gradients", S);
			goto fail;
		}
	for (int t = 0; t < nt; t++)
		if ((rc = ev_work_create(net, cfg->micro, &j->w[t], eb)) < 0)
			goto fail;
	for (int k = 0; k < cfg->n_widths; k++)
		ev_net_act(net, cfg->widths[k], acts[k]);
	memset(net->mom, 0, net->n_params * sizeof(float));

	struct evolve_adascale a;
	evolve_adascale_init(&a, S, cfg->theta);
	memset(st, 0, sizeof *st);
	double t0 = ev_now(), gain_sum = 0, recent = 0;
	long lsw_steps = (long)ceil(cfg->budget / S);
	long step = 0;
	double next_check = cfg->check_every;
	for (;;) {
		if (cfg->opt == EV_OPT_ADASCALE ? a.tau >= cfg->budget : step >= lsw_steps)
			break;
		for (int s = 0; s < S; s++)
			j->batch[s] = ev_feeder_next(&f, cfg->micro);
		rc = ev_parallel(S, nt, micro_task, j, eb);
		if (rc < 0)
			goto fail;
		/* the mean gradient, summed in micro-batch order whatever the thread count */
		double sum_sq = 0;
		memcpy(net->grads, j->g[0], net->n_params * sizeof(float));
		for (int s = 1; s < S; s++) {
			const float *g = j->g[s];
			for (size_t k = 0; k < net->n_params; k++)
				net->grads[k] += g[k];
		}
		for (int s = 0; s < S; s++) {
			sum_sq += j->sq[s];
			recent = step + s ? 0.98 * recent + 0.02 * j->loss[s] : j->loss[s];
		}
		if (S > 1)
			for (size_t k = 0; k < net->n_params; k++)
				net->grads[k] /= (float)S;
		st->samples += (double)S * cfg->micro;
		double lr;
		if (cfg->opt == EV_OPT_ADASCALE) {
			double tau = a.tau;
			double mean_sq = S > 1 ? ev_sqnorm(net->grads, net->n_params) : 0;
			double r = evolve_adascale_observe(&a, sum_sq, mean_sq);
			lr = r * ev_lr_at(cfg, floor(tau));
			gain_sum += r;
		} else {
			double tau = (double)step * S;
			double ramp = 1;
			double wu = cfg->warmup * cfg->budget;
			if (S > 1 && tau < wu)
				ramp = (1 + (S - 1) * tau / wu) / S;
			lr = S * ramp * ev_lr_at(cfg, tau);
			gain_sum += S;
		}
		ev_sgd_step(net, lr, cfg->momentum, cfg->weight_decay);
		step++;
		if (!isfinite(recent)) {
			st->diverged = 1;
			break;
		}
		double done = cfg->opt == EV_OPT_ADASCALE ? a.tau : (double)step * S;
		if (cfg->check && cfg->check_every > 0 && done >= next_check) {
			while (next_check <= done)
				next_check += cfg->check_every;
			if (done < cfg->budget && cfg->check(cfg->check_ctx, done)) {
				st->stopped = 1;
				break;
			}
		}
	}
	st->steps = step;
	st->tau = cfg->opt == EV_OPT_ADASCALE ? a.tau : (double)step * S;
	st->gain_mean = step ? gain_sum / (double)step : 0;
	st->gain_last = cfg->opt == EV_OPT_ADASCALE ? a.gain : S;
	st->wall_s = ev_now() - t0;
	st->final_loss = recent;
fail:
	if (j) {
		for (int t = 0; t < EV_MAX_THREADS; t++)
			ev_work_destroy(j->w[t]);
		for (int s = 0; s < EV_MAX_SCALE; s++)
			free(j->g[s]);
	}
	free(j);
	ev_feeder_free(&f);
	free(acts);
	return rc;
}

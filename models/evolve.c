/*
 * evolve.c: the `adascale evolve` verb. It trains the self-evolving network (a small CNN
 * with two early exits and elastic width, slimmable training with AdaScale SGD) on
 * Fashion-MNIST, derives the variant set from its one set of weights (width cuts and exits
 * as they are; channel pruning and low-rank factorisation with a short fine-tune; each in
 * fp32 and int8), measures every variant's test accuracy, measures what training the same
 * variants from scratch to the same accuracy would cost, and writes one model spec whose
 * operators (width, prune, lowrank, exit, quant) give every variant, its measured accuracy
 * table and the weights. With --compare-optimizers it runs the AdaScale against
 * linear-scaling-with-warm-up experiment instead. docs/evolve.md has the account.
 *
 * Every file is written into a staging folder inside DIR and moved into DIR only when all
 * of them are, so a failure leaves DIR as it was. Not for the network, optimizer or compression code itself
 * (evolve_net.c, evolve_train.c, evolve_compress.c, evolve_int8.c, evolve_io.c).
 */
#include "evolve.h"

#include <cblas.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "afile.h"
#include "csvin.h"
#include "evolveint.h"
#include "model.h"
#include "num.h"

#ifndef ADASCALE_VERSION
#define ADASCALE_VERSION "unknown"
#endif
#ifndef ADASCALE_GIT_REV
#define ADASCALE_GIT_REV "unknown"
#endif

#define MODEL "fmnist_cnn"
#define N_EXITS 3
#define N_WIDTHS 4
#define N_FAMILIES EVOLVE_N_FAMILIES

static const double widths[N_WIDTHS] = {1, 0.75, 0.5, 0.25};

/*
 * The backbone: three 3x3 convolutions (16, 32, 64 channels, ReLU; blocks 1, 2, 3), 2x2
 * max pooling after the first two, a fully connected layer of 128 on the flattened 7x7x64
 * map (written as a 7x7 stride-7 convolution, which is the same product), and the
 * classifier. Exits 1 and 2 read the outputs of blocks 1 and 2 through global average
 * pooling and a classifier: the head the exit operator of models/ appends.
 */
static const struct ev_def backbone[] = {
	{"conv1", EV_CONV, -1, 3, 1, 16, 1, 0, 0, 1},
	{"pool1", EV_MAXPOOL, 0, 2, 2, 0, 0, 0, 0, 1},
	{"conv2", EV_CONV, 1, 3, 1, 32, 1, 0, 0, 2},
	{"pool2", EV_MAXPOOL, 2, 2, 2, 0, 0, 0, 0, 2},
	{"conv3", EV_CONV, 3, 3, 1, 64, 1, 0, 0, 3},
	{"fc1", EV_CONV, 4, 7, 7, 128, 1, 0, 0, -1},
	{"logits", EV_CONV, 5, 1, 1, 10, 0, 1, 3, -1},
	{"exit1_pool", EV_GAP, 1, 0, 0, 0, 0, 0, 0, -1},
	{"exit1_fc", EV_CONV, 7, 1, 1, 10, 0, 1, 1, -1},
	{"exit2_pool", EV_GAP, 3, 0, 0, 0, 0, 0, 0, -1},
	{"exit2_fc", EV_CONV, 9, 1, 1, 10, 0, 1, 2, -1},
};

/* A family of variants: the compression applied to every width cut. */
struct family {
	const char *tag;     /* weights file name suffix */
	double prune;        /* the prune operator's value (0: none) */
	double lowrank;      /* the lowrank operator's value, the rank kept (1: none) */
};

static const struct family families[N_FAMILIES] = {
	{"", 0, 1},
	{"_prune50", 0.5, 1},
	{"_lowrank50", 0, 0.5},
	{"_prune50_lowrank50", 0.5, 0.5},
};

/* The exit operator's value of exit e (1-based; the last is the network's own head). */
static int exit_op(int e) { return e == N_EXITS ? 0 : e; }

struct recipe {
	int n_train, n_val, n_test, n_cal;
	int micro, scale;
	double lr, momentum, weight_decay;
	double epochs;          /* the self-evolving network's budget, scale-invariant epochs */
	double ft_epochs;       /* fine-tune of a pruned or factorised variant */
	double ft_lr;
	double scratch_epochs;  /* the from-scratch budget (and cap) per variant */
	double check_epochs;    /* from scratch: validation check period */
	int scratch_families;   /* families whose variants are trained from scratch */
	float head_w[EV_MAX_HEADS];
};

static void recipe_for(const struct evolve_opts *o, struct recipe *r)
{
	memset(r, 0, sizeof *r);
	r->micro = 32;
	r->scale = 2;
	r->lr = 0.02;
	r->momentum = 0.9;
	r->weight_decay = 5e-4;
	r->head_w[0] = 0.3f;
	r->head_w[1] = 0.3f;
	r->head_w[2] = 1.0f;
	if (o->quick) {
		r->n_train = 3000;
		r->n_val = 1000;
		r->n_test = 1500;
		r->n_cal = 300;
		r->epochs = 2;
		r->ft_epochs = 0.15;
	} else {
		r->n_train = 55000;
		r->n_val = 5000;
		r->n_test = 10000;
		r->n_cal = 2000;
		r->epochs = 4;
		r->ft_epochs = 0.5;
	}
	r->scratch_epochs = r->epochs;
	r->check_epochs = 0.5;
	if (o->lr > 0)
		r->lr = o->lr;
	if (o->scale > 0)
		r->scale = o->scale;
	r->ft_lr = r->lr / 5;
	if (o->epochs > 0)
		r->epochs = r->scratch_epochs = o->epochs;
	r->scratch_families = o->scratch;
}

/* ---- results of one family at one width ---- */

struct scratch {
	double target;          /* the self-evolved variant's validation top-1 (%) */
	double best;            /* the best validation top-1 reached from scratch */
	int reached;
	double epochs;          /* data passes until the target (or the cap) */
	double wall_s;
	double tmacs;           /* training compute, 3 x forward MACs per image, in 1e12 */
	long steps;
};

struct cell {
	struct ev_net *net;     /* the variant network, all exits (owned) */
	double ft_epochs, ft_wall_s, ft_tmacs;
	long ft_steps;
	long test1[N_EXITS], test5[N_EXITS], val1[N_EXITS];
	long qtest1[N_EXITS], qtest5[N_EXITS];
	struct model_cost cost[N_EXITS][2];   /* fp32, int8, from the spec under width */
	char key[N_EXITS][2][VARIANT_KEY_LEN];
	struct scratch sc[N_EXITS];
};

struct run {
	struct evolve_opts o;
	struct recipe r;
	struct evolve_data *train, *test;
	int *train_idx, *val_idx, *test_idx, *cal_idx;
	struct ev_net *super;
	struct ev_train_stats super_st;
	double super_tmacs;
	struct cell cell[N_FAMILIES][N_WIDTHS];
	double t_start;
	char stamp[32];
	char stage[4000];       /* DIR/.evolve-XXXXXX: files are written here, then moved */
	int made_out;           /* 1: DIR did not exist and was made by this run */
};

/* ---- helpers ---- */

static double pct(long hits, int n) { return n ? 100.0 * (double)hits / n : 0; }

/* Forward multiply-accumulates of one image through all layers of net under act. */
static double all_macs(const struct ev_net *net, const int *act)
{
	return ev_net_macs(net, act, 0);
}

static int load_data(struct run *R, struct errbuf *eb)
{
	char img[4096], lab[4096];
	const char *dir = R->o.data;
	snprintf(img, sizeof img, "%s/train-images-idx3-ubyte.gz", dir);
	snprintf(lab, sizeof lab, "%s/train-labels-idx1-ubyte.gz", dir);
	int rc = evolve_data_load(img, lab, &R->train, eb);
	if (rc < 0)
		return rc;
	snprintf(img, sizeof img, "%s/t10k-images-idx3-ubyte.gz", dir);
	snprintf(lab, sizeof lab, "%s/t10k-labels-idx1-ubyte.gz", dir);
	rc = evolve_data_load(img, lab, &R->test, eb);
	if (rc < 0)
		return rc;
	if (R->train->rows != 28 || R->train->cols != 28 || R->test->rows != 28 ||
	    R->test->cols != 28)
		return err_set(eb, ERR_PARSE, "%s: images are not 28x28 (Fashion-MNIST's size)",
			       dir);
	struct recipe *r = &R->r;
	if (R->train->n < r->n_train + r->n_val || R->test->n < r->n_test)
		return err_set(eb, ERR_RANGE,
			       "%s: %d training and %d test images; this run needs %d + %d and %d",
			       dir, R->train->n, R->test->n, r->n_train, r->n_val, r->n_test);
	/* training images first, the validation split at the end of the training file
	   (Fashion-MNIST's files come shuffled) */
	R->train_idx = malloc((size_t)r->n_train * sizeof(int));
	R->val_idx = malloc((size_t)r->n_val * sizeof(int));
	R->test_idx = malloc((size_t)r->n_test * sizeof(int));
	if (!R->train_idx || !R->val_idx || !R->test_idx)
		return err_set(eb, ERR_NOMEM, "out of memory");
	for (int i = 0; i < r->n_train; i++)
		R->train_idx[i] = i;
	for (int i = 0; i < r->n_val; i++)
		R->val_idx[i] = R->train->n - r->n_val + i;
	for (int i = 0; i < r->n_test; i++)
		R->test_idx[i] = i;
	R->cal_idx = R->train_idx;  /* int8 calibration: the first training images */
	return 0;
}

static void base_cfg(const struct run *R, struct ev_train_cfg *c, double epochs, int n_train)
{
	ev_train_defaults(c);
	c->opt = EV_OPT_ADASCALE;
	c->micro = R->r.micro;
	c->scale = R->r.scale;
	c->lr = R->r.lr;
	c->momentum = R->r.momentum;
	c->weight_decay = R->r.weight_decay;
	c->budget = epochs * n_train / c->micro;
	c->threads = R->o.threads;
	c->seed = R->o.seed;
	memcpy(c->head_w, R->r.head_w, sizeof c->head_w);
}

/* ---- stage 1: the self-evolving network ---- */

static int train_super(struct run *R, struct errbuf *eb)
{
	int rc = ev_net_create(backbone, (int)(sizeof backbone / sizeof backbone[0]), 28, 28, 1,
			       &R->super, eb);
	if (rc < 0)
		return rc;
	ev_net_init(R->super, R->o.seed, "evolve.init.super");
	struct ev_train_cfg c;
	base_cfg(R, &c, R->r.epochs, R->r.n_train);
	c.n_widths = N_WIDTHS;
	memcpy(c.widths, widths, sizeof widths);
	c.stream = "evolve.shuffle.super";
	fprintf(stderr, "evolve: training the self-evolving network: %d images, %g epochs, "
			"widths 1/0.75/0.5/0.25, 3 exits, AdaScale SGD at scale %d x %d\n",
		R->r.n_train, R->r.epochs, c.scale, c.micro);
	rc = ev_train(R->super, R->train, R->train_idx, R->r.n_train, &c, &R->super_st, eb);
	if (rc < 0)
		return rc;
	if (R->super_st.diverged)
		return err_set(eb, ERR_RANGE, "training the self-evolving network diverged");
	double per_image = 0;
	for (int k = 0; k < N_WIDTHS; k++) {
		int act[EV_MAX_LAYERS];
		ev_net_act(R->super, widths[k], act);
		per_image += 3 * all_macs(R->super, act);
	}
	R->super_tmacs = per_image * R->super_st.samples / 1e12;
	fprintf(stderr, "evolve: %ld steps, %.2f data passes, mean gain %.2f, %.0f s\n",
		R->super_st.steps, R->super_st.samples / R->r.n_train, R->super_st.gain_mean,
		R->super_st.wall_s);
	return 0;
}

/* ---- stage 2: the variants ---- */

/*
 * The variant network of family f at width w (not fine-tuned), by the rules of the operators
 * in models/ops.c, so that the spec under the same operators has exactly its shapes:
 *   - width: the cut of the self-evolving network (floor_min8 channels);
 *   - prune p: every conv and fc but the classifiers keeps c - floor(p c) of the c channels
 *     the width cut gives it, those of largest filter L1 norm;
 *   - lowrank f: every conv and fc (classifiers too) of full rank R = min(out, in k k) is
 *     factorised to r = ceil(f R) where r (in k k + out) < in k k out, by truncated SVD.
 */
static int derive(const struct run *R, const struct family *f, double w, struct ev_net **out,
		  struct errbuf *eb)
{
	struct ev_net *cut = NULL, *pruned = NULL;
	int rc = ev_cut_width(R->super, w, &cut, eb);
	if (rc < 0)
		return rc;
	if (f->prune > 0) {
		int want[EV_MAX_LAYERS];
		for (int i = 0; i < cut->n; i++) {
			const struct ev_layer *l = &cut->l[i];
			want[i] = l->d.op == EV_CONV && !l->d.fixed
					  ? l->out_c - (int)floor(f->prune * l->out_c)
					  : 0;
		}
		rc = ev_prune_l1(cut, want, &pruned, eb);
		ev_net_destroy(cut);
		if (rc < 0)
			return rc;
	} else {
		pruned = cut;
	}
	if (f->lowrank >= 1) {
		*out = pruned;
		return 0;
	}
	int rank[EV_MAX_LAYERS];
	for (int i = 0; i < pruned->n; i++) {
		const struct ev_layer *l = &pruned->l[i];
		rank[i] = 0;
		if (l->d.op != EV_CONV)
			continue;
		double kk = l->n_k, o = l->out_c, full = o < kk ? o : kk;
		double r = ceil(f->lowrank * full - 1e-9);
		if (r < 1)
			r = 1;
		if (r * (kk + o) < kk * o)
			rank[i] = (int)r;
	}
	rc = ev_lowrank(pruned, rank, out, eb);
	ev_net_destroy(pruned);
	return rc;
}

static int evaluate(const struct run *R, struct cell *c, struct errbuf *eb)
{
	int act[EV_MAX_LAYERS];
	long t5[EV_MAX_HEADS], v5[EV_MAX_HEADS], t1[EV_MAX_HEADS], v1[EV_MAX_HEADS];
	ev_net_act(c->net, 1, act);
	int rc = ev_eval(c->net, act, R->test, R->test_idx, R->r.n_test, R->o.threads, t1, t5,
			 eb);
	if (rc == 0)
		rc = ev_eval(c->net, act, R->train, R->val_idx, R->r.n_val, R->o.threads, v1, v5,
			     eb);
	if (rc < 0)
		return rc;
	for (int e = 0; e < N_EXITS; e++) {
		c->test1[e] = t1[e];
		c->test5[e] = t5[e];
		c->val1[e] = v1[e];
	}
	struct ev_qnet *q = NULL;
	rc = ev_quantize(c->net, act, R->train, R->cal_idx, R->r.n_cal, &q, eb);
	if (rc < 0)
		return rc;
	rc = ev_qeval(q, R->test, R->test_idx, R->r.n_test, R->o.threads, t1, t5, eb);
	ev_qnet_destroy(q);
	if (rc < 0)
		return rc;
	for (int e = 0; e < N_EXITS; e++) {
		c->qtest1[e] = t1[e];
		c->qtest5[e] = t5[e];
	}
	return 0;
}

static int make_variants(struct run *R, struct errbuf *eb)
{
	double t0 = ev_now();
	for (int fi = 0; fi < N_FAMILIES; fi++) {
		const struct family *f = &families[fi];
		for (int k = 0; k < N_WIDTHS; k++) {
			struct cell *c = &R->cell[fi][k];
			int rc = derive(R, f, widths[k], &c->net, eb);
			if (rc < 0)
				return err_wrap(eb, "prune %g lowrank %g width %g", f->prune,
						f->lowrank, widths[k]);
			if (f->prune > 0 || f->lowrank < 1) {
				struct ev_train_cfg tc;
				struct ev_train_stats st;
				base_cfg(R, &tc, R->r.ft_epochs, R->r.n_train);
				tc.lr = R->r.ft_lr;
				char stream[64];
				snprintf(stream, sizeof stream, "evolve.shuffle.ft%s.%g", f->tag,
					 widths[k]);
				tc.stream = stream;
				rc = ev_train(c->net, R->train, R->train_idx, R->r.n_train, &tc, &st,
					      eb);
				if (rc < 0)
					return err_wrap(eb, "fine-tuning prune %g lowrank %g width %g",
							f->prune, f->lowrank, widths[k]);
				int act[EV_MAX_LAYERS];
				ev_net_act(c->net, 1, act);
				c->ft_epochs = st.samples / R->r.n_train;
				c->ft_wall_s = st.wall_s;
				c->ft_steps = st.steps;
				c->ft_tmacs = 3 * all_macs(c->net, act) * st.samples / 1e12;
			}
			rc = evaluate(R, c, eb);
			if (rc < 0)
				return rc;
			fprintf(stderr,
				"evolve: prune %g lowrank %g width %g: top-1 at exit 1, 2, none "
				"%.2f/%.2f/%.2f%%, int8 %.2f/%.2f/%.2f%%\n",
				f->prune, f->lowrank, widths[k], pct(c->test1[0], R->r.n_test),
				pct(c->test1[1], R->r.n_test), pct(c->test1[2], R->r.n_test),
				pct(c->qtest1[0], R->r.n_test), pct(c->qtest1[1], R->r.n_test),
				pct(c->qtest1[2], R->r.n_test));
		}
	}
	fprintf(stderr, "evolve: %d variants derived, fine-tuned and measured in %.0f s\n",
		N_FAMILIES * N_WIDTHS * N_EXITS * 2, ev_now() - t0);
	return 0;
}

/* ---- stage 3: the same variants trained from scratch ---- */

/* The layers exit `exit` of net runs, as definitions of a single-exit net. */
static int path_defs(const struct ev_net *net, int exit, struct ev_def *defs)
{
	int map[EV_MAX_LAYERS], n = 0;
	int on[EV_MAX_LAYERS] = {0};
	for (int j = net->head_layer[exit - 1]; j >= 0; j = net->l[j].d.in)
		on[j] = 1;
	for (int i = 0; i < net->n; i++) {
		map[i] = -1;
		if (!on[i])
			continue;
		defs[n] = net->l[i].d;
		defs[n].in = net->l[i].d.in < 0 ? -1 : map[net->l[i].d.in];
		defs[n].head = net->l[i].d.head ? 1 : 0;
		map[i] = n++;
	}
	return n;
}

struct check_ctx {
	const struct run *R;
	struct ev_net *net;
	double target, best;
	int reached;
	struct errbuf *eb;
	int rc;
};

static int scratch_check(void *ctx, double tau)
{
	(void)tau;
	struct check_ctx *k = ctx;
	int act[EV_MAX_LAYERS];
	long t1[EV_MAX_HEADS], t5[EV_MAX_HEADS];
	ev_net_act(k->net, 1, act);
	k->rc = ev_eval(k->net, act, k->R->train, k->R->val_idx, k->R->r.n_val,
			k->R->o.threads, t1, t5, k->eb);
	if (k->rc < 0)
		return 1;
	double acc = pct(t1[0], k->R->r.n_val);
	if (acc > k->best)
		k->best = acc;
	k->reached = acc >= k->target;
	return k->reached;
}

static int from_scratch(struct run *R, struct errbuf *eb)
{
	if (R->r.scratch_families == 0)
		return 0;
	fprintf(stderr, "evolve: training each variant from scratch to its accuracy\n");
	for (int fi = 0; fi < R->r.scratch_families; fi++)
		for (int k = 0; k < N_WIDTHS; k++)
			for (int e = 0; e < N_EXITS; e++) {
				struct cell *c = &R->cell[fi][k];
				struct scratch *s = &c->sc[e];
				struct ev_def defs[EV_MAX_LAYERS];
				struct ev_net *net = NULL;
				int n = path_defs(c->net, e + 1, defs);
				int rc = ev_net_create(defs, n, 28, 28, 1, &net, eb);
				if (rc < 0)
					return rc;
				char stream[64];
				snprintf(stream, sizeof stream, "evolve.init.scratch%s.%g.%d",
					 families[fi].tag, widths[k], e + 1);
				ev_net_init(net, R->o.seed, stream);
				struct ev_train_cfg tc;
				struct ev_train_stats st;
				base_cfg(R, &tc, R->r.scratch_epochs, R->r.n_train);
				tc.head_w[0] = 1;
				snprintf(stream, sizeof stream, "evolve.shuffle.scratch%s.%g.%d",
					 families[fi].tag, widths[k], e + 1);
				tc.stream = stream;
				struct check_ctx ck = {R, net, 0, 0, 0, eb, 0};
				s->target = ck.target = pct(c->val1[e], R->r.n_val);
				tc.check_every = R->r.check_epochs * R->r.n_train / tc.micro;
				tc.check = scratch_check;
				tc.check_ctx = &ck;
				rc = ev_train(net, R->train, R->train_idx, R->r.n_train, &tc, &st, eb);
				if (rc == 0 && ck.rc < 0)
					rc = ck.rc;
				if (rc == 0 && !ck.reached && !st.diverged) {
					scratch_check(&ck, st.tau);  /* the end of the schedule */
					rc = ck.rc;
				}
				int act[EV_MAX_LAYERS];
				ev_net_act(net, 1, act);
				s->best = ck.best;
				s->reached = ck.reached;
				s->epochs = st.samples / R->r.n_train;
				s->wall_s = st.wall_s;
				s->steps = st.steps;
				s->tmacs = 3 * all_macs(net, act) * st.samples / 1e12;
				ev_net_destroy(net);
				if (rc < 0)
					return rc;
				fprintf(stderr,
					"evolve: from scratch %s: %s %.2f%% (target %.2f%%) after "
					"%.2f data passes, %.1f s\n",
					c->key[e][0], s->reached ? "reached" : "best", s->best,
					s->target, s->epochs, s->wall_s);
			}
	return 0;
}

/* ---- the spec, checked through models/ ---- */

static void ops_of(int fi, int k, int e, int q, struct model_ops *ops)
{
	model_ops_default(ops);
	ops->width = widths[k];
	ops->prune = families[fi].prune;
	ops->lowrank = families[fi].lowrank;
	ops->exit = exit_op(e);
	ops->quant = q ? DT_INT8 : DT_FP32;
}

/*
 * Reads the written spec back through models/ and checks that every variant, the spec
 * under its operators, has exactly the MACs of the network trained and measured for it;
 * fills in each variant's cost and key from there.
 */
static int check_spec(struct run *R, const char *path, struct errbuf *eb)
{
	struct model *m = NULL;
	int rc = model_load(path, &m, eb);
	if (rc < 0)
		return err_wrap(eb, "reading back the spec written");
	for (int fi = 0; fi < N_FAMILIES && rc == 0; fi++)
		for (int k = 0; k < N_WIDTHS && rc == 0; k++) {
			struct cell *c = &R->cell[fi][k];
			int act[EV_MAX_LAYERS];
			ev_net_act(c->net, 1, act);
			for (int e = 1; e <= N_EXITS && rc == 0; e++)
				for (int q = 0; q < 2 && rc == 0; q++) {
					struct model_ops ops;
					struct model *v = NULL;
					ops_of(fi, k, e, q, &ops);
					model_variant_key(m, &ops, c->key[e - 1][q], VARIANT_KEY_LEN);
					rc = model_apply(m, &ops, &v, eb);
					if (rc < 0)
						break;
					model_cost(v, &c->cost[e - 1][q]);
					model_destroy(v);
					double mine = ev_net_macs(c->net, act, e);
					if (fabs(c->cost[e - 1][q].macs - mine) > 0.5)
						rc = err_set(eb, ERR_RANGE,
							     "%s: %s has %.0f MACs, the network trained "
							     "for it %.0f",
							     path, c->key[e - 1][q],
							     c->cost[e - 1][q].macs, mine);
				}
		}
	model_destroy(m);
	return rc;
}

/* ---- writing ---- */

static void source_line(const struct run *R, char *buf, size_t len)
{
	snprintf(buf, len,
		 "measured by adascale evolve %s (%s) on %s: Fashion-MNIST t10k, the first %d "
		 "test images (Xiao, Rasul, Vollgraf 2017, MIT licence, %s); trained on %d "
		 "training images, seed %llu, %s",
		 ADASCALE_VERSION, ADASCALE_GIT_REV, R->stamp, R->r.n_test, R->o.data,
		 R->r.n_train, (unsigned long long)R->o.seed, R->o.quick ? "--quick" : "full run");
}

static int write_spec(struct run *R, struct errbuf *eb)
{
	char path[4200], meta[2048];
	snprintf(path, sizeof path, "%s/%s.csv", R->stage, MODEL);
	snprintf(meta, sizeof meta,
		 "# source: trained by adascale evolve (docs/evolve.md): the self-evolving "
		 "Fashion-MNIST CNN; its variants were cut (width, exit) or derived (prune, "
		 "lowrank, with a fine-tune) from one set of weights and measured\n"
		 "# note: fc1 is a fully connected layer on the flattened 7x7 map, written as "
		 "the 7x7 stride-7 convolution it equals\n"
		 "# width_rounding: " EV_ROUNDING "\n"
		 "# ladder: width=1,0.75,0.5,0.25 prune=0,0.5 lowrank=1,0.5 exit=none,1,2 "
		 "quant=fp32,int8\n"
		 "# accuracy_table: %s_accuracy.csv\n"
		 "# accuracy_join: width=width prune=prune lowrank=lowrank exit=exit quant=quant\n"
		 "# weights: %s.weights (the self-evolving network), %s_prune50.weights, "
		 "%s_lowrank50.weights, %s_prune50_lowrank50.weights (fine-tuned, one network "
		 "per width)\n",
		 MODEL, MODEL, MODEL, MODEL, MODEL);
	int rc = ev_spec_write(path, R->super, N_EXITS, meta, eb);
	if (rc == 0)
		rc = check_spec(R, path, eb);
	return rc;
}

/* The accuracy table: one row per variant, keyed by its operators. */
static int write_table(struct run *R, struct errbuf *eb)
{
	char path[4200], src[1024];
	snprintf(path, sizeof path, "%s/%s_accuracy.csv", R->stage, MODEL);
	source_line(R, src, sizeof src);
	struct afile *a = afile_create(path, eb);
	if (!a)
		return eb->code;
	FILE *o = afile_stream(a);
	fprintf(o, "# SOURCE: %s\n", src);
	fprintf(o, "# what: every variant of the self-evolving network %s.csv (the spec beside "
		   "this file) under the operators width, prune, lowrank, exit, quant; key: its "
		   "name in `adascale variants`; top1/top5: %% of the test images; val_top1: %% of "
		   "the %d validation images (the from-scratch target); million_macs, "
		   "million_params, weight_bytes, peak_act_bytes: of the spec under the operators, "
		   "which is the network measured; finetune_epochs: data passes of the fine-tune "
		   "(0: cut as trained)\n",
		MODEL, R->r.n_val);
	fprintf(o, "key,width,prune,lowrank,exit,quant,million_macs,million_params,weight_bytes,"
		   "peak_act_bytes,top1,top5,val_top1,test_images,finetune_epochs\n");
	for (int fi = 0; fi < N_FAMILIES; fi++)
		for (int k = 0; k < N_WIDTHS; k++)
			for (int e = 1; e <= N_EXITS; e++)
				for (int q = 0; q < 2; q++) {
					const struct cell *c = &R->cell[fi][k];
					const struct model_cost *mc = &c->cost[e - 1][q];
					char ex[16];
					if (exit_op(e))
						snprintf(ex, sizeof ex, "%d", exit_op(e));
					else
						snprintf(ex, sizeof ex, "none");
					csvin_write_field(o, c->key[e - 1][q]);
					fprintf(o,
						",%.15g,%g,%g,%s,%s,%.6f,%.6f,%llu,%llu,%.2f,%.2f,%.2f,%d,"
						"%.3f\n",
						widths[k], families[fi].prune, families[fi].lowrank, ex,
						q ? "int8" : "fp32", mc->macs / 1e6, mc->params / 1e6,
						(unsigned long long)mc->weight_bytes,
						(unsigned long long)mc->peak_act_bytes,
						pct(q ? c->qtest1[e - 1] : c->test1[e - 1], R->r.n_test),
						pct(q ? c->qtest5[e - 1] : c->test5[e - 1], R->r.n_test),
						pct(c->val1[e - 1], R->r.n_val), R->r.n_test,
						c->ft_epochs);
				}
	int rc = afile_commit(a, eb);
	afile_destroy(a);
	return rc;
}

struct totals {
	double evo_wall, evo_epochs, evo_tmacs;
	double sc_wall, sc_epochs, sc_tmacs;
	int n, n_reached;
};

static void sum_totals(const struct run *R, struct totals *t)
{
	memset(t, 0, sizeof *t);
	t->evo_wall = R->super_st.wall_s;
	t->evo_epochs = R->super_st.samples / R->r.n_train;
	t->evo_tmacs = R->super_tmacs;
	/* the variant set compared: the families that were trained from scratch too */
	for (int fi = 0; fi < R->r.scratch_families; fi++)
		for (int k = 0; k < N_WIDTHS; k++) {
			const struct cell *c = &R->cell[fi][k];
			t->evo_wall += c->ft_wall_s;
			t->evo_epochs += c->ft_epochs;
			t->evo_tmacs += c->ft_tmacs;
			for (int e = 0; e < N_EXITS; e++) {
				t->sc_wall += c->sc[e].wall_s;
				t->sc_epochs += c->sc[e].epochs;
				t->sc_tmacs += c->sc[e].tmacs;
				t->n++;
				t->n_reached += c->sc[e].reached;
			}
		}
}

static int write_overhead(struct run *R, struct errbuf *eb)
{
	if (R->r.scratch_families == 0)
		return 0;
	char path[4200];
	snprintf(path, sizeof path, "%s/overhead.csv", R->stage);
	struct totals t;
	sum_totals(R, &t);
	struct afile *a = afile_create(path, eb);
	if (!a)
		return eb->code;
	FILE *o = afile_stream(a);
	fprintf(o, "# what: training cost of the fp32 variants of %s (int8 variants are "
		   "post-training quantized from them either way)\n",
		R->r.scratch_families == N_FAMILIES
			? "every family (--scratch all)"
			: "the self-evolving network's own cuts, widths x exits (--scratch base)");
	fprintf(o, "# self_evolving: the self-evolving network (%.1f s, %.2f data passes, "
		   "%.2f TMAC) plus every fine-tune; the rows: each variant trained alone from "
		   "scratch with the same recipe until its validation top-1 reaches the "
		   "self-evolved variant's (checked every %g epochs, at most %g epochs)\n",
		R->super_st.wall_s, R->super_st.samples / R->r.n_train, R->super_tmacs,
		R->r.check_epochs, R->r.scratch_epochs);
	fprintf(o, "# wall times measured on a shared machine with %d worker threads\n",
		R->o.threads);
	fprintf(o, "# totals: self_evolving_wall_s=%.1f self_evolving_epochs=%.2f "
		   "self_evolving_tmacs=%.3f scratch_wall_s=%.1f scratch_epochs=%.2f "
		   "scratch_tmacs=%.3f reached=%d/%d wall_ratio=%.2f epoch_ratio=%.2f "
		   "tmac_ratio=%.2f\n",
		t.evo_wall, t.evo_epochs, t.evo_tmacs, t.sc_wall, t.sc_epochs, t.sc_tmacs,
		t.n_reached, t.n, t.sc_wall / t.evo_wall, t.sc_epochs / t.evo_epochs,
		t.sc_tmacs / t.evo_tmacs);
	fprintf(o, "key,width,prune,lowrank,exit,million_macs,target_val_top1,"
		   "scratch_best_val_top1,reached,scratch_epochs,scratch_wall_s,scratch_tmacs,"
		   "finetune_epochs\n");
	for (int fi = 0; fi < R->r.scratch_families; fi++)
		for (int k = 0; k < N_WIDTHS; k++)
			for (int e = 1; e <= N_EXITS; e++) {
				const struct cell *c = &R->cell[fi][k];
				const struct scratch *s = &c->sc[e - 1];
				char ex[16];
				if (exit_op(e))
					snprintf(ex, sizeof ex, "%d", exit_op(e));
				else
					snprintf(ex, sizeof ex, "none");
				csvin_write_field(o, c->key[e - 1][0]);
				fprintf(o, ",%g,%g,%g,%s,%.6f,%.2f,%.2f,%d,%.3f,%.2f,%.4f,%.3f\n",
					widths[k], families[fi].prune, families[fi].lowrank, ex,
					c->cost[e - 1][0].macs / 1e6, s->target, s->best, s->reached,
					s->epochs, s->wall_s, s->tmacs, c->ft_epochs);
			}
	int rc = afile_commit(a, eb);
	afile_destroy(a);
	return rc;
}

static int write_weights(struct run *R, struct errbuf *eb)
{
	enum { MAX_T = 2 * EV_MAX_LAYERS * N_WIDTHS };
	struct ev_tensor *t = calloc(MAX_T, sizeof *t);
	if (!t)
		return err_set(eb, ERR_NOMEM, "out of memory");
	char path[4200];
	int rc = 0;
	/* the self-evolving network: one set of weights, every width a cut of it */
	int n = ev_net_tensors(R->super, "", t, MAX_T);
	snprintf(path, sizeof path, "%s/%s.weights", R->stage, MODEL);
	rc = n < 0 ? err_set(eb, ERR_RANGE, "too many tensors") : ev_weights_write(path, t, n, eb);
	/* the fine-tuned families: one network per width */
	for (int fi = 1; fi < N_FAMILIES && rc == 0; fi++) {
		n = 0;
		for (int k = 0; k < N_WIDTHS; k++) {
			char prefix[32];
			snprintf(prefix, sizeof prefix, "width%g/", widths[k]);
			int m = ev_net_tensors(R->cell[fi][k].net, prefix, t + n, MAX_T - n);
			if (m < 0) {
				rc = err_set(eb, ERR_RANGE, "too many tensors");
				break;
			}
			n += m;
		}
		snprintf(path, sizeof path, "%s/%s%s.weights", R->stage, MODEL,
			 families[fi].tag);
		if (rc == 0)
			rc = ev_weights_write(path, t, n, eb);
	}
	free(t);
	return rc;
}

static void print_summary(FILE *f, const struct run *R)
{
	struct totals t;
	sum_totals(R, &t);
	fprintf(f, "prune  lowrank  width  exit 1  exit 2  none    none int8  MMACs (none)\n");
	for (int fi = 0; fi < N_FAMILIES; fi++)
		for (int k = 0; k < N_WIDTHS; k++) {
			const struct cell *c = &R->cell[fi][k];
			fprintf(f, "%-5g  %-7g  %-5g  %5.2f%%  %5.2f%%  %5.2f%%  %5.2f%%     %.3f\n",
				families[fi].prune, families[fi].lowrank, widths[k],
				pct(c->test1[0], R->r.n_test), pct(c->test1[1], R->r.n_test),
				pct(c->test1[2], R->r.n_test), pct(c->qtest1[2], R->r.n_test),
				c->cost[2][0].macs / 1e6);
		}
	if (t.n > 0)
		fprintf(f,
			"training %d fp32 variants: self-evolving %.1f s, %.2f data passes, %.2f "
			"TMAC; each from scratch %.1f s, %.2f data passes, %.2f TMAC (%d reached "
			"their target); ratio %.2fx wall, %.2fx epochs, %.2fx compute\n",
			t.n, t.evo_wall, t.evo_epochs, t.evo_tmacs, t.sc_wall, t.sc_epochs,
			t.sc_tmacs, t.n_reached, t.sc_wall / t.evo_wall, t.sc_epochs / t.evo_epochs,
			t.sc_tmacs / t.evo_tmacs);
	fprintf(f, "total wall time %.1f s (shared machine, %d worker threads)\n",
		ev_now() - R->t_start, R->o.threads);
}

/* ---- the optimizer comparison ---- */

struct cmp_row {
	int scale;
	enum ev_opt opt;
	struct ev_train_stats st;
	double top1;
};

static int compare_optimizers(struct run *R, struct errbuf *eb)
{
	static const int scales[] = {1, 4, 16};
	enum { N_ROWS = 6 };
	struct cmp_row rows[N_ROWS];
	struct ev_def defs[EV_MAX_LAYERS];
	int n_rows = 0, rc = 0;
	/* the backbone alone (exit 3), full width */
	struct ev_net *proto = NULL;
	rc = ev_net_create(backbone, (int)(sizeof backbone / sizeof backbone[0]), 28, 28, 1, &proto,
			   eb);
	if (rc < 0)
		return rc;
	int n = path_defs(proto, N_EXITS, defs);
	ev_net_destroy(proto);
	double epochs = R->r.epochs;
	fprintf(stderr,
		"evolve: AdaScale SGD against linear scaling with warm-up at scales 1, 4, 16: "
		"%d images, %g scale-invariant epochs of micro-batches of %d\n",
		R->r.n_train, epochs, R->r.micro);
	for (size_t si = 0; si < sizeof scales / sizeof scales[0] && rc == 0; si++)
		for (int opt = 0; opt < 2 && rc == 0; opt++) {
			if (scales[si] == 1 && opt == EV_OPT_LSW)
				continue;  /* at scale 1 both are plain SGD */
			struct ev_net *net = NULL;
			rc = ev_net_create(defs, n, 28, 28, 1, &net, eb);
			if (rc < 0)
				break;
			ev_net_init(net, R->o.seed, "evolve.init.compare");
			struct ev_train_cfg c;
			base_cfg(R, &c, epochs, R->r.n_train);
			c.opt = (enum ev_opt)opt;
			c.scale = scales[si];
			c.head_w[0] = 1;
			c.stream = "evolve.shuffle.compare";
			struct cmp_row *row = &rows[n_rows];
			row->scale = scales[si];
			row->opt = (enum ev_opt)opt;
			rc = ev_train(net, R->train, R->train_idx, R->r.n_train, &c, &row->st, eb);
			if (rc == 0) {
				int act[EV_MAX_LAYERS];
				long t1[EV_MAX_HEADS], t5[EV_MAX_HEADS];
				ev_net_act(net, 1, act);
				rc = ev_eval(net, act, R->test, R->test_idx, R->r.n_test,
					     R->o.threads, t1, t5, eb);
				row->top1 = row->st.diverged ? 0 : pct(t1[0], R->r.n_test);
				fprintf(stderr,
					"evolve: %-8s S=%-2d top-1 %.2f%%, %ld steps, final loss %.3f, "
					"%.1f s\n",
					opt == EV_OPT_ADASCALE ? "AdaScale" : "LSW", row->scale,
					row->top1, row->st.steps, row->st.final_loss, row->st.wall_s);
				n_rows++;
			}
			ev_net_destroy(net);
		}
	if (rc < 0)
		return rc;
	FILE *o = stdout;
	struct afile *a = NULL;
	if (R->o.out) {
		char path[4200], src[1024];
		snprintf(path, sizeof path, "%s/optimizers.csv", R->stage);
		if (!(a = afile_create(path, eb)))
			return eb->code;
		o = afile_stream(a);
		source_line(R, src, sizeof src);
		fprintf(o, "# SOURCE: %s\n", src);
	}
	fprintf(o, "# what: the fmnist_cnn backbone trained for %g scale-invariant epochs "
		   "(%.0f iterations of %d images at scale 1, cosine learning rate from %g); "
		   "AdaScale SGD (Johnson et al. 2020) against the linear scaling rule with "
		   "warm-up (Goyal et al. 2017); wall time on a shared machine\n",
		epochs, epochs * R->r.n_train / R->r.micro, R->r.micro, R->r.lr);
	fprintf(o, "# final_loss: the training loss at the end (smoothed); diverged: it became NaN "
		   "or infinite\n");
	fprintf(o, "optimizer,scale,batch,top1,steps,data_passes,mean_gain,final_loss,wall_s,"
		   "diverged\n");
	for (int i = 0; i < n_rows; i++)
		fprintf(o, "%s,%d,%d,%.2f,%ld,%.2f,%.3f,%.4f,%.1f,%d\n",
			rows[i].opt == EV_OPT_ADASCALE ? "adascale" : "lsw", rows[i].scale,
			rows[i].scale * R->r.micro, rows[i].top1, rows[i].st.steps,
			rows[i].st.samples / R->r.n_train, rows[i].st.gain_mean,
			rows[i].st.final_loss, rows[i].st.wall_s, rows[i].st.diverged);
	if (a) {
		rc = afile_commit(a, eb);
		afile_destroy(a);
		if (rc < 0)
			return rc;
		printf("| scale | batch | AdaScale top-1 | AdaScale steps | LSW top-1 | LSW steps "
		       "|\n| --- | --- | --- | --- | --- | --- |\n");
		for (int i = 0; i < n_rows; i++) {
			if (rows[i].opt != EV_OPT_ADASCALE)
				continue;
			const struct cmp_row *l = NULL;
			for (int j = 0; j < n_rows; j++)
				if (rows[j].scale == rows[i].scale && rows[j].opt == EV_OPT_LSW)
					l = &rows[j];
			if (!l)
				l = &rows[i];  /* scale 1: the same run */
			printf("| %d | %d | %.2f%% | %ld | %.2f%% | %ld |\n", rows[i].scale,
			       rows[i].scale * R->r.micro, rows[i].top1, rows[i].st.steps, l->top1,
			       l->st.steps);
		}
	}
	return 0;
}

/* ---- the verb ---- */

/*
 * Makes DIR (one level) when missing and the staging folder in it where every output is
 * written first, so that a failure leaves DIR as it was.
 */
static int prepare_out(struct run *R, struct errbuf *eb)
{
	const char *dir = R->o.out;
	struct stat st;
	if (stat(dir, &st) != 0) {
		if (mkdir(dir, 0755) != 0)
			return err_set(eb, ERR_IO, "%s: cannot create the folder: %s", dir,
				       strerror(errno));
		R->made_out = 1;
	} else if (!S_ISDIR(st.st_mode)) {
		return err_set(eb, ERR_USAGE, "%s: not a folder", dir);
	}
	if (snprintf(R->stage, sizeof R->stage, "%s/.evolve-XXXXXX", dir) >=
	    (int)sizeof R->stage)
		return err_set(eb, ERR_RANGE, "%.64s...: path too long", dir);
	if (!mkdtemp(R->stage)) {
		int e = errno;
		R->stage[0] = '\0';
		return err_set(eb, ERR_IO, "%s: cannot write here: %s", dir, strerror(e));
	}
	return 0;
}

/* Moves every staged file into DIR (commit) or deletes them, then removes the stage. */
static int finish_stage(struct run *R, int commit, struct errbuf *eb)
{
	if (!R->stage[0])
		return 0;
	int rc = 0;
	DIR *d = opendir(R->stage);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			char from[8500], to[8500];
			snprintf(from, sizeof from, "%s/%s", R->stage, e->d_name);
			snprintf(to, sizeof to, "%s/%s", R->o.out, e->d_name);
			if (commit && rc == 0 && rename(from, to) != 0)
				rc = err_set(eb, ERR_IO, "%s: %s", to, strerror(errno));
			else if (!commit || rc < 0)
				unlink(from);
		}
		closedir(d);
	}
	rmdir(R->stage);
	R->stage[0] = '\0';
	return rc;
}

static void run_free(struct run *R)
{
	evolve_data_destroy(R->train);
	evolve_data_destroy(R->test);
	free(R->train_idx);
	free(R->val_idx);
	free(R->test_idx);
	ev_net_destroy(R->super);
	for (int fi = 0; fi < N_FAMILIES; fi++)
		for (int k = 0; k < N_WIDTHS; k++)
			ev_net_destroy(R->cell[fi][k].net);
	free(R);
}

void evolve_opts_defaults(struct evolve_opts *o)
{
	memset(o, 0, sizeof *o);
	o->data = EVOLVE_DEFAULT_DATA;
	o->threads = 2;
	o->seed = 1;
	o->scratch = 1;
}

int evolve_run(const struct evolve_opts *o, FILE *summary, struct errbuf *eb)
{
	struct run *R = calloc(1, sizeof *R);
	int rc;
	if (!R)
		return err_set(eb, ERR_NOMEM, "out of memory");
	R->o = *o;
	R->t_start = ev_now();
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(R->stamp, sizeof R->stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	/* the workers parallelise; each BLAS call runs on its caller's thread */
	openblas_set_num_threads(1);
	recipe_for(&R->o, &R->r);
	if (R->o.compare && R->o.quick) {
		R->r.n_train = 10000;
		R->r.epochs = R->o.epochs > 0 ? R->o.epochs : 1;
	} else if (R->o.compare) {
		R->r.epochs = R->o.epochs > 0 ? R->o.epochs : 2;
	}
	if ((rc = load_data(R, eb)) < 0)
		goto fail;
	if (R->o.out && (rc = prepare_out(R, eb)) < 0)
		goto fail;
	if (R->o.compare) {
		rc = compare_optimizers(R, eb);
		if (rc == 0)
			rc = finish_stage(R, 1, eb);
		if (rc < 0)
			goto fail;
		run_free(R);
		return 0;
	}
	/* the spec is written (into the stage) and checked before the from-scratch runs,
	   which are named by its variant keys */
	if ((rc = train_super(R, eb)) < 0 || (rc = make_variants(R, eb)) < 0 ||
	    (rc = write_spec(R, eb)) < 0 || (rc = from_scratch(R, eb)) < 0)
		goto fail;
	rc = write_table(R, eb);
	if (rc == 0)
		rc = write_overhead(R, eb);
	if (rc == 0)
		rc = write_weights(R, eb);
	if (rc == 0)
		rc = finish_stage(R, 1, eb);
	if (rc < 0)
		goto fail;
	print_summary(summary, R);
	run_free(R);
	return 0;
fail:
	finish_stage(R, 0, NULL);
	if (R->made_out)
		rmdir(R->o.out);  /* only if still empty */
	run_free(R);
	return rc;
}

/*
 * evolveint.h: what the evolve*.c files share and nothing outside them should use: the
 * small CNN trainer's layer graph, its forward and backward passes on OpenBLAS, the
 * training loop with its optimizers, int8 inference, the compression operators that cut
 * variants out of a trained network, and the writers of specs, tables and weights.
 *
 * Tensors are float32 in a channel-major layout, [c][b][h][w], so that a convolution is one
 * sgemm over the whole batch (weights [out][in * k * k] times the im2col matrix
 * [in * k * k][b * h * w]) and a width cut is a sub-block of the full weight matrix (the
 * first channels). Not for the command line (evolve.c) nor a general deep-learning library:
 * the layer set is what the Fashion-MNIST model and its variants need.
 */
#ifndef ADASCALE_EVOLVEINT_H
#define ADASCALE_EVOLVEINT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "evolve.h"
#include "rng.h"

#define EV_CLASSES 10
#define EV_MAX_LAYERS 24
#define EV_MAX_HEADS 4
#define EV_NAME_LEN 32
#define EV_MAX_THREADS EVOLVE_MAX_THREADS
#define EV_MAX_SCALE EVOLVE_MAX_SCALE
/* The width rounding the model family uses (TF-slim MobileNet V1's depth(), models/ops.c). */
#define EV_ROUNDING "floor_min8"

enum ev_op { EV_CONV, EV_MAXPOOL, EV_GAP };

/* One layer as designed: what a spec row says plus what training needs. */
struct ev_def {
	char name[EV_NAME_LEN];
	enum ev_op op;
	int in;          /* the layer whose output this one reads; -1 for the image */
	int k, stride;   /* conv kernel and stride; maxpool window and stride; GAP: unused */
	int c_out;       /* conv output channels; pools keep their input's */
	int relu;        /* conv: ReLU after the bias */
	int fixed;       /* conv: the width operator leaves c_out alone (a classifier) */
	int head;        /* conv: 0, or n when its output is the logits of exit n (1-based) */
	int block;       /* the spec's `block` column: the block the exit operator may cut
			    after (1..), or -1 for the head after the last block */
};

/* A layer with its geometry (SAME padding, TF's split: the extra pixel goes bottom/right). */
struct ev_layer {
	struct ev_def d;
	int in_h, in_w, in_c;
	int out_h, out_w, out_c;
	int pad_t, pad_l;
	int n_k;         /* conv: in_c * k * k, the length of one weight row */
	size_t w_off;    /* conv: offset of its weights [c_out][n_k] in params */
	size_t b_off;    /* conv: offset of its biases [c_out] */
};

struct ev_net {
	int n;
	struct ev_layer l[EV_MAX_LAYERS];
	int in_h, in_w, in_c;
	int n_heads;
	int head_layer[EV_MAX_HEADS];   /* layer giving exit (h + 1)'s logits */
	size_t n_params;
	float *params;   /* owned */
	float *grads;    /* owned, layout of params */
	float *mom;      /* owned, momentum buffer, layout of params */
};

/*
 * Builds a net from layer definitions (in order; the first reads the image) and checks that
 * shapes chain and that each exit's logits have EV_CLASSES channels at 1x1. Parameters are
 * zero. *out is set only on success; the caller owns it.
 */
int ev_net_create(const struct ev_def *defs, int n, int in_h, int in_w, int in_c,
		  struct ev_net **out, struct errbuf *eb);
void ev_net_destroy(struct ev_net *net);
/* He-normal weights (std sqrt(2 / fan_in), sqrt(1 / fan_in) without ReLU), zero biases. */
void ev_net_init(struct ev_net *net, uint64_t seed, const char *stream);
/* Index of the layer called name, or -1. */
int ev_net_find(const struct ev_net *net, const char *name);

/*
 * Active output channels of every layer: the full counts (width 1), or the width cut of the
 * self-evolving network: conv layers without `fixed` take model_round_channels(EV_ROUNDING,
 * c_out, width); pools follow their input.
 */
void ev_net_act(const struct ev_net *net, double width, int *act);
/* Input channels of layer i under act. */
int ev_act_in(const struct ev_net *net, const int *act, int i);
/* Multiply-accumulates of one image under act, up to and including layer `last`, counting
   only the layers that exit `exit` runs (0: the whole net). */
double ev_net_macs(const struct ev_net *net, const int *act, int exit);

/* Buffers for a forward and backward pass of up to max_batch images. */
struct ev_work {
	int max_batch;
	float *x;                        /* the input batch, [in_c][b][h][w] */
	int *y;                          /* labels */
	float *out[EV_MAX_LAYERS];       /* outputs, [c][b][h][w] */
	float *dout[EV_MAX_LAYERS];      /* gradients of the outputs */
	float *col[EV_MAX_LAYERS];       /* im2col of conv inputs (NULL for 1x1 stride 1) */
	int32_t *arg[EV_MAX_LAYERS];     /* maxpool: the input index of each output */
	float *dcol;                     /* scratch for the input gradient of a conv */
};

int ev_work_create(const struct ev_net *net, int max_batch, struct ev_work **out,
		   struct errbuf *eb);
void ev_work_destroy(struct ev_work *w);

/* Forward pass of the b images in w->x under act; logits land in w->out[head_layer]. */
void ev_forward(const struct ev_net *net, const int *act, struct ev_work *w, int b);
/*
 * Softmax cross-entropy on every exit (weight head_w[h], mean over the batch) and the
 * backward pass: gradients are added to grads (laid out as net->params). loss[h] and
 * correct[h] (may be NULL) receive each exit's mean loss and count of right answers. Call
 * after ev_forward on the same work buffers.
 */
void ev_backward(const struct ev_net *net, const int *act, struct ev_work *w, int b,
		 const float *head_w, float *grads, double *loss, int *correct);

/* The images idx[0..b) of d as a float batch in w->x (pixels / 255) and labels in w->y. */
void ev_load_batch(const struct evolve_data *d, const int *idx, int b, struct ev_work *w);

/* Correct top-1 and top-5 answers of every exit over images idx[0..n) (fp32). */
int ev_eval(const struct ev_net *net, const int *act, const struct evolve_data *d,
	    const int *idx, int n, int threads, long *top1, long *top5, struct errbuf *eb);

/*
 * Runs fn(ctx, task, worker) for task 0..n_tasks-1 on n_workers threads (the calling one
 * among them); task t goes to worker t % n_workers, so which worker does what never
 * depends on timing.
 */
int ev_parallel(int n_tasks, int n_workers, void (*fn)(void *ctx, int task, int worker),
		void *ctx, struct errbuf *eb);

/* ---- training ---- */

enum ev_opt { EV_OPT_ADASCALE, EV_OPT_LSW };

struct ev_train_cfg {
	enum ev_opt opt;
	int micro;             /* micro-batch size (the batch at scale 1) */
	int scale;             /* S: micro-batches per step */
	double lr;             /* peak learning rate at scale 1 */
	double momentum;
	double weight_decay;   /* L2 on weights (not biases) */
	double budget;         /* scale-invariant iterations T_SI (micro-batch steps at S = 1) */
	double warmup;         /* LSW: fraction of the budget spent warming up */
	double theta;          /* AdaScale smoothing, < 0: the paper's max(1 - S / 1000, 0) */
	int threads;           /* workers computing micro-batch gradients in parallel */
	int n_widths;          /* widths trained at every step (slimmable training) */
	double widths[8];
	float head_w[EV_MAX_HEADS];
	uint64_t seed;
	const char *stream;    /* RNG stream name for the shuffling */
	/* optional: called each time another check_every scale-invariant iterations are done;
	   training stops when it returns nonzero */
	double check_every;
	int (*check)(void *ctx, double tau);
	void *check_ctx;
};

struct ev_train_stats {
	long steps;            /* optimizer steps */
	double tau;            /* scale-invariant iterations done */
	double samples;        /* images through forward and backward (per width) */
	double gain_mean, gain_last;
	double wall_s;
	double final_loss;     /* the first width's loss on the last exit, smoothed (0.98) */
	int diverged;          /* 1: the loss became NaN or infinite and training stopped */
	int stopped;           /* 1: the check callback stopped it */
};

/* The training images in a seeded random order, reshuffled at the end of every pass. */
struct ev_feeder {
	int *order;     /* owned */
	int n, pos;
	struct rng r;
};

int ev_feeder_init(struct ev_feeder *f, const int *idx, int n, uint64_t seed,
		   const char *stream);
void ev_feeder_free(struct ev_feeder *f);
/* The next b indices (b <= n); a new pass shuffles first. */
const int *ev_feeder_next(struct ev_feeder *f, int b);

/* The learning-rate schedule at scale 1: cosine from lr to 0 over the budget. */
double ev_lr_at(const struct ev_train_cfg *cfg, double tau);
void ev_train_defaults(struct ev_train_cfg *cfg);
/* Trains net on images idx[0..n) of d. */
int ev_train(struct ev_net *net, const struct evolve_data *d, const int *idx, int n,
	     const struct ev_train_cfg *cfg, struct ev_train_stats *st, struct errbuf *eb);
/* One SGD step with momentum: mom = momentum * mom + grads (+ wd * w); w -= lr * mom. */
void ev_sgd_step(struct ev_net *net, double lr, double momentum, double weight_decay);
/* |g|^2 of n floats, summed in double. */
double ev_sqnorm(const float *g, size_t n);

/* ---- compression (evolve_compress.c) ---- */

/*
 * A new net holding the channels keep[i][0..n_keep[i]) of each conv layer i of src (indices
 * into src's channels; pools follow their input; NULL keep[i]: the first act[i] channels),
 * weights and biases copied. The self-evolving network's width cut is keep = first
 * channels; channel pruning keeps the largest filters by L1 norm.
 */
int ev_extract(const struct ev_net *src, const int *const *keep, const int *n_keep,
	       struct ev_net **out, struct errbuf *eb);
/* Width cut of src at width w as a net of its own. */
int ev_cut_width(const struct ev_net *src, double width, struct ev_net **out,
		 struct errbuf *eb);
/*
 * Channel pruning by filter norm: conv layer i (not fixed) keeps its want[i] filters of
 * largest L1 norm (ties to the lower index), in their original order; want[i] <= 0 keeps
 * all. Li, Kadav, Durdanovic, Samet, Graf, "Pruning Filters for Efficient ConvNets",
 * ICLR 2017.
 */
int ev_prune_l1(const struct ev_net *src, const int *want, struct ev_net **out,
		struct errbuf *eb);
/*
 * Low-rank factorisation by truncated SVD (LAPACKE_sgesvd): every conv layer i with
 * rank[i] > 0 becomes NAME_lr (k x k, in -> rank, no ReLU) and NAME (1 x 1, rank -> out,
 * the bias and ReLU of the original), W ~ (U_r sqrt(S_r)) (sqrt(S_r) V_r^T); the names are
 * those the lowrank operator of models/ gives.
 */
int ev_lowrank(const struct ev_net *src, const int *rank, struct ev_net **out,
	       struct errbuf *eb);

/* ---- int8 inference (evolve_int8.c) ---- */

struct ev_qnet;
/*
 * Post-training quantization of net under act: weights int8 symmetric per output channel,
 * activations int8 symmetric per tensor with scales from the largest magnitude seen on the
 * calibration images cal[0..n_cal), biases int32, fixed-point requantization.
 */
int ev_quantize(const struct ev_net *net, const int *act, const struct evolve_data *d,
		const int *cal, int n_cal, struct ev_qnet **out, struct errbuf *eb);
void ev_qnet_destroy(struct ev_qnet *q);
/* int8 x int8 -> int32 inference on images idx[0..n): correct top-1 and top-5 per exit. */
int ev_qeval(const struct ev_qnet *q, const struct evolve_data *d, const int *idx, int n,
	     int threads, long *top1, long *top5, struct errbuf *eb);
/*
 * The int8 matrix product C[m][n] = sum_k A[m][k] * B[n][k] with int32 accumulation: A is
 * m x k with rows lda apart, B is n x k with rows ldb apart (both padded with zeros to a
 * multiple of 16 columns), k a multiple of 16.
 */
void ev_gemm_s8(int m, int n, int k, const int8_t *a, int lda, const int8_t *b, int ldb,
		int32_t *c, int ldc);
/*
 * Requantization as in gemmlowp / TFLite: a real multiplier in (0, 1) as a Q31 integer and
 * a right shift; ev_requant(acc, q, shift) rounds acc * multiplier to the nearest integer.
 */
void ev_quant_multiplier(double m, int32_t *q, int *shift);
int32_t ev_requant(int32_t acc, int32_t q, int shift);

/* ---- files (evolve_io.c) ---- */

/* One tensor of a weights file. */
struct ev_tensor {
	char name[96];
	int ndim;
	int dims[4];
	const float *data;
};

/* Writes tensors to path through a temporary file and a rename (format: docs/evolve.md). */
int ev_weights_write(const char *path, const struct ev_tensor *t, int n, struct errbuf *eb);
/* Appends the weight and bias tensors of net, named PREFIXLAYER.weight / .bias, to t. */
int ev_net_tensors(const struct ev_net *net, const char *prefix, struct ev_tensor *t, int max);
/*
 * Writes the layers exit `exit` runs as a model spec (models/zoo format, with the `block`
 * column) after the given "# key: value" lines.
 */
int ev_spec_write(const char *path, const struct ev_net *net, int exit, const char *meta,
		  struct errbuf *eb);

/* Seconds since an arbitrary origin (CLOCK_MONOTONIC). */
double ev_now(void);

#endif

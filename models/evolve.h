/*
 * evolve.h: the self-evolving model, trained in C: a small CNN with early exits and elastic
 * width trained on Fashion-MNIST (OpenBLAS sgemm, AdaScale SGD), from whose one set of
 * weights variants are cut (width, exit) or derived with a short fine-tune (channel pruning
 * by filter norm, low-rank factorisation by truncated SVD) and quantized (int8, evaluated
 * with integer arithmetic). Every variant's test accuracy is measured and written as a model
 * spec and an accuracy table that `adascale variants` and `adascale run` read like any other
 * model (docs/evolve.md).
 *
 * This header is the public part: the IDX dataset reader, the AdaScale gain estimator, the
 * weights file reader and a whole run of `adascale evolve` (its options are parsed in cmd/evolve.c). Not for timing variants (the agent
 * does) nor for choosing between them (policies do).
 */
#ifndef ADASCALE_EVOLVE_H
#define ADASCALE_EVOLVE_H

#include <stdint.h>
#include <stdio.h>

#include "err.h"

/* ---- the dataset: IDX files (LeCun's MNIST format), read through zlib ---- */

struct evolve_data {
	int n;              /* images */
	int rows, cols;     /* pixels of one image */
	uint8_t *pixels;    /* owned, n * rows * cols, row-major images one after another */
	uint8_t *labels;    /* owned, n labels in 0..9 */
};

/*
 * Reads an IDX image file (magic 0x00000803: unsigned bytes, 3 dimensions) and its label
 * file (0x00000801, 1 dimension), gzip-compressed or not. Checks magic numbers, sizes, that
 * both hold the same count and that labels are 0..9; a problem is "file: what" with
 * ERR_PARSE (ERR_NOTFOUND for a missing file). *out is set only on success.
 */
int evolve_data_load(const char *images, const char *labels, struct evolve_data **out,
		     struct errbuf *eb);
void evolve_data_destroy(struct evolve_data *d);

/* ---- AdaScale SGD (Johnson, Agrawal, Gu, Guestrin, ICML 2020, Algorithm 1) ---- */

/*
 * The gain estimator. At scale S a step computes S micro-batch gradients g_1..g_S and their
 * mean g; from them the unbiased estimates
 *     var = (sum_i |g_i|^2 - S |g|^2) / (S - 1)     (the variance of one micro-batch gradient)
 *     sqr = |g|^2 - var / S                          (the squared norm of the true gradient)
 * are smoothed (for the first 1 / (1 - theta) steps the plain mean of the values so far,
 * then an exponential moving average with parameter theta: the paper's Appendix B.3) and
 * clamped at 0 when the gain r = (var + sqr) / (var / S + sqr) is formed, so r lies in
 * [1, S]. The step uses learning rate r * lr(tau) and tau, the scale-invariant iteration
 * count, advances by r. At S = 1, r = 1: plain SGD.
 */
struct evolve_adascale {
	int scale;            /* S */
	double theta;         /* smoothing */
	double var_avg;       /* smoothed var (not clamped) */
	double sqr_avg;       /* smoothed sqr (not clamped; may be negative) */
	long n_obs;           /* observations so far */
	double gain;          /* r of the latest step (1 before the first) */
	double tau;           /* scale-invariant iterations done */
	long steps;
};

/* S >= 1; theta < 0 takes the paper's default max(1 - S / 1000, 0). */
void evolve_adascale_init(struct evolve_adascale *a, int scale, double theta);
/*
 * One step's statistics: sum_sq = sum over the S micro-batch gradients of |g_i|^2, mean_sq
 * = |mean of the g_i|^2. Updates the estimates, sets a->gain, advances a->tau by it and
 * returns it.
 */
double evolve_adascale_observe(struct evolve_adascale *a, double sum_sq, double mean_sq);
/* The gain the current estimates give. */
double evolve_adascale_gain(const struct evolve_adascale *a);

/* ---- weights files ---- */

struct evolve_tensor {
	char name[96];
	int ndim;
	int dims[4];
	float *data;         /* owned by the evolve_weights */
};

struct evolve_weights {
	int n;
	struct evolve_tensor *t;   /* owned */
};

/* Reads a weights file written by `adascale evolve` (format: docs/evolve.md). */
int evolve_weights_read(const char *path, struct evolve_weights **out, struct errbuf *eb);
void evolve_weights_destroy(struct evolve_weights *w);
/* The tensor called name, or NULL. */
const struct evolve_tensor *evolve_weights_find(const struct evolve_weights *w,
						const char *name);

/* ---- a whole run (`adascale evolve`, cmd/evolve.c) ---- */

#define EVOLVE_DEFAULT_DATA "/usr/share/datasets/fashion-mnist"
#define EVOLVE_MAX_THREADS 16
#define EVOLVE_MAX_SCALE 64
#define EVOLVE_N_FAMILIES 4 /* the fp32 families: as cut, pruned, low rank, both */

struct evolve_opts {
	const char *out;        /* the folder written; NULL only with compare (CSV on stdout) */
	const char *data;       /* the folder of the IDX files */
	int quick, compare, threads;
	int scratch;            /* families trained from scratch: 0, 1 (the unpruned) or all
	                           (EVOLVE_N_FAMILIES) */
	double epochs;          /* > 0: overrides the recipe's */
	double lr;              /* > 0: overrides the recipe's */
	int scale;              /* > 0: overrides the recipe's */
	uint64_t seed;
};

/* The defaults: the packaged data set, 2 threads, seed 1, the base families from scratch. */
void evolve_opts_defaults(struct evolve_opts *o);
/*
 * Trains, cuts and measures as o says, writing into o->out whole or not at all (the files
 * are staged and moved in at the end); the summary goes to summary. 0 or an ERR_* code.
 */
int evolve_run(const struct evolve_opts *o, FILE *summary, struct errbuf *eb);

#endif

/*
 * model.h: DNN model specs (models/zoo/NAME.csv), the compression operators that transform
 * them, and the variants they make, with costs computed from the spec and accuracy joined
 * from published tables.
 *
 * A spec lists layers in execution order; the first layer's input is the model input. The
 * operators here (width, res, quant, prune, lowrank, exit) rebuild a spec's shapes by
 * propagating them from the input, so a transformed spec is again a plain spec. Not for
 * timing (devices/) or for choosing between variants (policies/). docs/models.md describes
 * the file format and every operator's exact rule.
 */
#ifndef ADASCALE_MODEL_H
#define ADASCALE_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "kshape.h"

#define MODEL_NAME_LEN 64
#define LAYER_NAME_LEN 64
#define VARIANT_KEY_LEN 160
#define MODEL_MAX_ACC 4   /* accuracy sources of one spec */

struct layer {
	char name[LAYER_NAME_LEN];
	struct kshape k;  /* dtype is the model's (fp32 in a spec file) */
	int input2;       /* add: index of the layer whose output is the other input; else -1 */
	int fixed_width;  /* 1: the width operator leaves out_c alone (e.g. the classifier);
			     2: width scales it up (width > 1) but never down (MobileNet V2's
			     last conv, TF-slim's finegrain_classification_mode) */
	int input;        /* index of the layer whose output this layer reads: the previous
			     layer unless the spec's optional `input` column names another;
			     -1 for the model input (always so for layer 0) */
	int block;        /* the optional `block` column: the block this layer belongs to
			     (0 the stem, 1.. the blocks, where `exit` may cut); -1 for none
			     (the head after the last block) */
	double expand;    /* conv/fc: out_c is in_c * expand, rounded by the spec's width
			     rule (an inverted residual's expansion, an SE squeeze); 0: none */
	int match;        /* conv/fc: index of an earlier layer whose output channels out_c
			     always equals (an SE excitation gating that layer); -1: none */
};

struct model {
	char name[MODEL_NAME_LEN];  /* the spec file's name without ".csv" */
	char path[4096];        /* the spec file it was read from ("" when derived) */
	char sha256[65];        /* of that file (a derived spec keeps its base's) */
	int n_layers;
	struct layer *layers;   /* owned */
	/* metadata from the spec's "# key: value" lines (owned copies, may be NULL) */
	char *width_rounding;   /* how channels round under width: e.g. "floor_min8" */
	char *ladder;           /* the default operator lists, e.g. "width=1,0.75 res=224,160" */
	char *accuracy_table;   /* file name under data/accuracy/ (acc_table[0], not owned
				   separately) */
	char *accuracy_join;    /* how variant operators map to that table's columns
				   (acc_join[0], not owned separately) */
	char *source;           /* where the architecture comes from (paper, table) */
	/*
	 * Accuracy sources in priority order: accuracy_table/_join/_columns, then the same
	 * keys with suffix _2, _3, _4. A variant takes its accuracy from the first source with
	 * a matching row. Owned copies; acc_columns[i] may be NULL (the default columns).
	 */
	int n_acc;
	char *acc_table[MODEL_MAX_ACC];
	char *acc_join[MODEL_MAX_ACC];
	char *acc_columns[MODEL_MAX_ACC];
};

/*
 * Reads a spec. name_or_path is a path to a CSV file, or a zoo name resolved to
 * <data>/models/zoo/NAME.csv (a name is taken as a path when it contains '/' or ends in
 * ".csv"). Checks that shapes chain (each layer's input is its input layer's output, add's
 * inputs agree) and gives "file:line: problem" (ERR_PARSE/ERR_RANGE) otherwise; a missing
 * file is ERR_NOTFOUND. *out is set only on success; the caller owns it.
 */
int model_load(const char *name_or_path, struct model **out, struct errbuf *eb);
void model_destroy(struct model *m);

/* The operators of one variant. */
struct model_ops {
	double width;       /* channel multiplier, 1 = as specified */
	int res;            /* input resolution (square), 0 = as specified */
	enum dtype quant;   /* element type */
	double prune;       /* fraction of channels removed from each prunable layer, [0, 1);
			       0 = none */
	double lowrank;     /* rank kept when factorising conv/fc layers, as a fraction of
			       full rank, (0, 1]; 1 = none */
	int exit;           /* exit after this block (>= 1) with a pool + fc head; 0 = none */
};

/* The identity: width 1, res 0, quant fp32, prune 0, lowrank 1, exit 0. */
void model_ops_default(struct model_ops *ops);

/*
 * Parses the operator part of a variant key, "width=0.75,res=160,quant=int8", optionally
 * preceded by "MODEL:" (which must then be base's name). Operators left out keep their
 * defaults. ERR_PARSE/ERR_RANGE with the reason in eb.
 */
int model_ops_parse_key(const struct model *base, const char *key, struct model_ops *ops,
			struct errbuf *eb);

/*
 * A new spec with the operators applied to base (shapes re-propagated from the input; a
 * derived base is transformed again, so its rounding compounds). ERR_RANGE when a shape
 * becomes impossible (e.g. a resolution too small for the strides), naming the layer.
 * *out is set only on success; the caller owns it.
 */
int model_apply(const struct model *base, const struct model_ops *ops, struct model **out,
		struct errbuf *eb);

/*
 * The canonical variant key, "mobilenet_v1:width=0.75,res=160,quant=int8": width, res and
 * quant always, then prune, lowrank and exit where they are not the identity
 * ("mobilenet_v2:width=1,res=224,quant=fp32,prune=0.25,exit=7"), in table order, res as the
 * actual resolution even when ops->res is 0.
 */
void model_variant_key(const struct model *base, const struct model_ops *ops, char *key,
		       size_t len);

/*
 * Output channels of a layer of `channels` under a width multiplier, by a named rounding
 * rule ("floor_min8": max(int(c * w), 8), TF-slim MobileNet V1; "make_divisible8": the
 * nearest multiple of 8, at least 8 and not below 90% of c * w, TF-slim MobileNet V2/V3 and
 * EfficientNet's round_filters). Width 1 returns channels unchanged. -1 for an unknown rule.
 */
int model_round_channels(const char *rule, int channels, double width);
/*
 * A channel count v (not necessarily whole) rounded by a named rule, as an expansion
 * in_c * expand is: the rule applied to v itself (no shortcut at 1); with no rule (NULL),
 * the nearest integer, at least 1. -1 for an unknown rule.
 */
int model_round_value(const char *rule, double v);

struct model_cost {
	double macs;               /* multiply-accumulates of one inference (kshape_macs summed) */
	double params;             /* weights and biases */
	uint64_t weight_bytes;     /* params at the variant's element size */
	uint64_t peak_act_bytes;   /* the most activation bytes live at once: a layer's inputs
				      and output plus every earlier tensor still to be read
				      (skip connections) */
};

void model_cost(const struct model *m, struct model_cost *c);

#define VARIANT_SOURCE_LEN 512

/* One variant: operators, the transformed spec, its cost and accuracy. */
struct variant {
	char key[VARIANT_KEY_LEN];
	struct model_ops ops;
	struct model *spec;        /* owned */
	struct model_cost cost;
	int has_top1;              /* 0: no table row matched; the variant has no accuracy */
	double top1, top5;         /* percent, ImageNet val unless the source says otherwise */
	double table_macs;         /* the table's MACs for the row, 0 if none */
	char acc_source[VARIANT_SOURCE_LEN]; /* the table's SOURCE line ("" without accuracy) */
	int has_top5;              /* 0: the row (or the table) gives no top5 */
	char acc_ref[160];         /* "TABLE.csv:LINE" of the matched row, "" without accuracy;
				      for an estimate, the two rows it lies between */
	int top1_estimated;        /* 1: top1 is an estimate (variants_estimate), not a
				      published number */
	char acc_note[160];        /* why a variant has no accuracy after variants_estimate
				      ("" otherwise) */
};

struct variant_set {
	int n;
	struct variant *v;         /* owned, in enumeration order */
};

/*
 * Enumerates the product of operator lists ("width=1,0.75 res=224,160 quant=fp32,int8";
 * NULL: the spec's ladder; operators not listed keep their defaults) and joins accuracy from
 * the spec's accuracy tables (published rows only). The last listed operator varies fastest. *out is set only on
 * success; the caller owns it.
 */
int variants_enumerate(const struct model *base, const char *ops, struct variant_set **out,
		       struct errbuf *eb);
void variant_set_destroy(struct variant_set *vs);

/*
 * Fills in an estimated top1 for each variant of vs that has no published accuracy, only
 * when asked (adascale variants --estimate): linear interpolation in log-MACs on the Pareto
 * front (best top1 for the MACs) of the published rows of base's accuracy sources that have
 * the variant's element type. Estimated variants get has_top1 = 1, top1_estimated = 1,
 * has_top5 = 0 and acc_ref naming the two rows; a variant outside the rows' MACs range, or
 * with no rows of its element type, keeps has_top1 = 0 and says why in acc_note.
 * docs/models.md gives the rule.
 */
int variants_estimate(const struct model *base, struct variant_set *vs, struct errbuf *eb);

/*
 * The unique kernel shapes of a set of specs, sorted by kshape_cmp: m's shapes are merged
 * into *shapes (realloc'd, owned by the caller; *shapes NULL and *n 0 to start), which
 * stays sorted and unique, *n updated. On failure *shapes and *n are left as they were.
 */
int model_kernels(const struct model *m, struct kshape **shapes, int *n, struct errbuf *eb);

#endif

/*
 * model.h: DNN model specs (models/zoo/NAME.csv), the compression operators that transform
 * them, and the variants they make, with costs computed from the spec and accuracy joined
 * from published tables.
 *
 * A spec lists layers in execution order; the first layer's input is the model input. The
 * operators here (width, res, quant) rebuild a spec's shapes by propagating them from the
 * input, so a transformed spec is again a plain spec. Not for timing (devices/) or for
 * choosing between variants (policies/). docs/models.md describes the file format.
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

struct layer {
	char name[LAYER_NAME_LEN];
	struct kshape k;  /* dtype is the model's (fp32 in a spec file) */
	int input2;       /* add: index of the layer whose output is the other input; else -1 */
	int fixed_width;  /* 1: the width operator leaves out_c alone (e.g. the classifier) */
	int input;        /* index of the layer whose output this layer reads: the previous
			     layer unless the spec's optional `input` column names another;
			     -1 for the model input (always so for layer 0) */
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
	char *accuracy_table;   /* file name under data/accuracy/ */
	char *accuracy_join;    /* how variant operators map to that table's columns */
	char *source;           /* where the architecture comes from (paper, table) */
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
};

/* The identity: width 1, res 0, quant fp32. */
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
 * The canonical variant key, "mobilenet_v1:width=0.75,res=160,quant=int8": every operator in
 * table order, res as the actual resolution even when ops->res is 0.
 */
void model_variant_key(const struct model *base, const struct model_ops *ops, char *key,
		       size_t len);

/*
 * Output channels of a layer of `channels` under a width multiplier, by a named rounding
 * rule ("floor_min8": max(int(c * w), 8), TF-slim MobileNet V1; "make_divisible8": the
 * nearest multiple of 8, at least 8 and not below 90% of c * w, TF-slim MobileNet V2/V3).
 * Width 1 returns channels unchanged. -1 for an unknown rule.
 */
int model_round_channels(const char *rule, int channels, double width);

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
	char acc_ref[160];         /* "TABLE.csv:LINE" of the matched row, "" without accuracy */
};

struct variant_set {
	int n;
	struct variant *v;         /* owned, in enumeration order */
};

/*
 * Enumerates the product of operator lists ("width=1,0.75 res=224,160 quant=fp32,int8";
 * NULL: the spec's ladder; operators not listed keep their defaults) and joins accuracy from
 * the spec's accuracy table. The last listed operator varies fastest. *out is set only on
 * success; the caller owns it.
 */
int variants_enumerate(const struct model *base, const char *ops, struct variant_set **out,
		       struct errbuf *eb);
void variant_set_destroy(struct variant_set *vs);

/*
 * The unique kernel shapes of a set of specs, sorted by kshape_cmp: m's shapes are merged
 * into *shapes (realloc'd, owned by the caller; *shapes NULL and *n 0 to start), which
 * stays sorted and unique, *n updated. On failure *shapes and *n are left as they were.
 */
int model_kernels(const struct model *m, struct kshape **shapes, int *n, struct errbuf *eb);

#endif

/*
 * modelint.h: what the files of models/ share and nothing outside models/ should use: the
 * operator table (one entry per compression operator, so adding one is one entry and its
 * hooks), operator lists as written on a command line or in a spec's ladder, and the parsed
 * accuracy join. The public interface is model.h.
 */
#ifndef ADASCALE_MODELINT_H
#define ADASCALE_MODELINT_H

#include <stddef.h>

#include "model.h"

#define MODEL_MAX_OPS 8       /* operators in the table, with room to grow */
#define MODEL_MAX_VALUES 64   /* values in one operator's list */
#define MODEL_MAX_TERMS 8     /* terms of an accuracy join */
#define MODEL_MAX_MAP 8       /* value pairs in one join term's map */
#define MODEL_FIELD_LEN 64    /* a column name or a value in a join */

/*
 * A compression operator. parse reads one value into its field of ops (0, or ERR_PARSE /
 * ERR_RANGE with the reason in why); format writes the canonical value (for keys and for
 * the accuracy join); is_default says the value leaves the spec unchanged. The hooks run
 * while shapes are propagated; NULL when the operator has none:
 *   input: adjusts the model input (the first layer's in_h, in_w, in_c);
 *   layer: adjusts layer i after its input and structural out_c are set (base is the
 *          untransformed spec, l the layer being built).
 */
struct model_op {
	const char *name;
	const char *syntax;
	int (*parse)(const char *s, struct model_ops *ops, char *why, size_t why_len);
	void (*format)(const struct model *base, const struct model_ops *ops, char *buf,
		       size_t len);
	int (*is_default)(const struct model *base, const struct model_ops *ops);
	int (*input)(const struct model *base, const struct model_ops *ops, struct kshape *k,
		     char *why, size_t why_len);
	int (*layer)(const struct model *base, const struct model_ops *ops, int i,
		     struct layer *l, char *why, size_t why_len);
};

int model_n_ops(void);
const struct model_op *model_op_at(int i);
/* Index in the table of the operator called name, or -1. */
int model_op_find(const char *name);

/*
 * Operator lists: "width=1,0.75 res=224,160". Operators are separated by blanks, values by
 * commas; each value is checked by its operator's parse.
 */
struct model_oplist {
	int n;                                  /* operators listed, in the order written */
	int op[MODEL_MAX_OPS];                  /* index in the operator table */
	int n_values[MODEL_MAX_OPS];
	char value[MODEL_MAX_OPS][MODEL_MAX_VALUES][MODEL_FIELD_LEN];
};

int model_oplist_parse(const struct model *base, const char *text, struct model_oplist *ol,
		       char *why, size_t why_len);

/*
 * An accuracy join: "width=width_multiplier res=resolution quant=quantized(fp32:0,int8:1)".
 * Each term names an operator, the table column its value is compared with, and optionally
 * a map from operator values to the column's values.
 */
struct model_join_term {
	int op;
	char column[MODEL_FIELD_LEN];
	int n_map;
	char map_from[MODEL_MAX_MAP][MODEL_FIELD_LEN];
	char map_to[MODEL_MAX_MAP][MODEL_FIELD_LEN];
};

struct model_join {
	int n;
	struct model_join_term term[MODEL_MAX_TERMS];
};

int model_join_parse(const char *text, struct model_join *j, char *why, size_t why_len);

/* Joins accuracy into each variant of vs (acc_* fields, has_top1, top1, ...). */
int model_join_accuracy(const struct model *base, struct variant_set *vs, struct errbuf *eb);

/* A copy of s (NULL for NULL), or NULL when out of memory; *failed set then. */
char *model_strdup(const char *s, int *failed);

/* The output height, width and channels of a layer. */
void model_layer_out(const struct layer *l, int *h, int *w, int *c);

/*
 * Checks that layer i reads what its input layer (or the model input) gives and that an
 * add's two inputs agree: 0, or ERR_RANGE with the reason in why.
 */
int model_layer_check(const struct model *m, int i, char *why, size_t why_len);

/* 1 when a pooling layer covers its whole input (kernel = stride = in_h = in_w). */
int model_layer_is_global(const struct layer *l);

#endif

/*
 * modelint.h: what the files of models/ share and nothing outside models/ should use: the
 * operator table (one entry per compression operator, so adding one is one entry and its
 * hooks), the state of a spec being rebuilt under operators, operator lists as written on a
 * command line or in a spec's ladder, and the parsed accuracy sources (join and columns).
 * The public interface is model.h.
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
 * A spec being rebuilt by model_apply. tmpl is the structure: base's layers as written,
 * after the operators' structure hooks (exit cuts it and appends a head); propagation then
 * builds each layer's shapes from tmpl. tied[i] is 1 when layer i's output channels meet
 * another tensor in an add (directly or through layers that keep channels), so they may not
 * change on their own. full_c[i] is layer i's out_c built without prune (prune's reference,
 * set on prune's second pass only, else NULL).
 */
struct model_build {
	const struct model *base;
	const struct model_ops *ops;
	struct layer *tmpl;  /* owned by model_apply; structure hooks may realloc it */
	int n;
	int cap;
	unsigned char *tied;
	const int *full_c;
};

/*
 * A compression operator. parse reads one value into its field of ops (0, or ERR_PARSE /
 * ERR_RANGE with the reason in why); format writes the canonical value (for keys and for
 * the accuracy join); is_default says the value leaves the spec unchanged; in_key_always
 * says the key names the operator even at its identity (width, res, quant; the others
 * appear only when they change the spec). check (may be NULL) says whether a value suits a
 * given spec. The hooks run while a spec is rebuilt, in this order; NULL when the operator
 * has none:
 *   structure: rewrites b->tmpl before shapes are propagated (exit);
 *   input:     adjusts the model input (the first layer's in_h, in_w, in_c);
 *   layer:     adjusts layer i after its input and structural out_c are set;
 *   rewrite:   rewrites the propagated layers (lowrank); *layers is realloc'd, *n updated,
 *              and every index (input, input2, match) must stay right.
 */
struct model_op {
	const char *name;
	const char *syntax;
	int in_key_always;
	int (*parse)(const char *s, struct model_ops *ops, char *why, size_t why_len);
	void (*format)(const struct model *base, const struct model_ops *ops, char *buf,
		       size_t len);
	int (*is_default)(const struct model *base, const struct model_ops *ops);
	int (*check)(const struct model *base, const struct model_ops *ops, char *why,
		     size_t why_len);
	int (*structure)(struct model_build *b, char *why, size_t why_len);
	int (*input)(const struct model_build *b, struct kshape *k, char *why, size_t why_len);
	int (*layer)(const struct model_build *b, int i, struct layer *l, char *why,
		     size_t why_len);
	int (*rewrite)(const struct model_build *b, struct layer **layers, int *n, char *why,
		       size_t why_len);
};

int model_n_ops(void);
const struct model_op *model_op_at(int i);
/* Index in the table of the operator called name, or -1. */
int model_op_find(const char *name);

/*
 * Operator lists: "width=1,0.75 res=224,160". Operators are separated by blanks, values by
 * commas; each value is checked by its operator's parse (and check, against base).
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
 * An accuracy join: "width=width_multiplier res=resolution quant=quantized(fp32:0,int8:1)
 * size==large". An operator term names an operator, the table column its value is compared
 * with, and optionally a map from operator values to the column's values; a constant term
 * (column==value) keeps only the rows whose column holds the value.
 */
struct model_join_term {
	int op;                                 /* -1: a constant term */
	char column[MODEL_FIELD_LEN];
	int n_map;
	char map_from[MODEL_MAX_MAP][MODEL_FIELD_LEN];
	char map_to[MODEL_MAX_MAP][MODEL_FIELD_LEN];
	char value[MODEL_FIELD_LEN];            /* a constant term's value */
};

struct model_join {
	int n;
	struct model_join_term term[MODEL_MAX_TERMS];
};

int model_join_parse(const char *text, struct model_join *j, char *why, size_t why_len);

/*
 * Where a table keeps top1, top5 and MACs: "top1=quant(fp32:fp32_top1,int8:int8_top1)
 * top5=- macs=madds_m*1e6". A column is a name, '-' (none), a name times a factor that
 * converts it to MACs (macs only), or an operator's map from its values to column names
 * (top1 and top5): the variant's value of that operator picks the column.
 */
struct model_acc_col {
	int given;                              /* named in the text (else the default) */
	int none;                               /* '-': the table has no such column */
	int op;                                 /* >= 0: the column depends on this operator */
	char column[MODEL_FIELD_LEN];
	int n_map;
	char map_from[MODEL_MAX_MAP][MODEL_FIELD_LEN];
	char map_to[MODEL_MAX_MAP][MODEL_FIELD_LEN];
	double scale;                           /* macs: MACs per unit of the column */
};

struct model_acc_cols {
	struct model_acc_col top1, top5, macs;
};

/* NULL text gives the defaults: top1=top1, top5=top5, macs=million_macs*1e6 (optional). */
int model_columns_parse(const char *text, struct model_acc_cols *c, char *why,
			size_t why_len);

/*
 * The file of base's accuracy source s into out: beside the spec when a file of that name is
 * there (1), else data/accuracy/ under the data root (0); -1 when the path does not fit.
 */
int model_acc_table_path(const struct model *base, int s, char *out, size_t len);
/* Joins accuracy into each variant of vs (acc_* fields, has_top1, top1, ...). */
int model_join_accuracy(const struct model *base, struct variant_set *vs, struct errbuf *eb);

/* A copy of s (NULL for NULL), or NULL when out of memory; *failed set then. */
char *model_strdup(const char *s, int *failed);

/* Copies base's metadata (names, hash, accuracy sources) into m; ERR_NOMEM on failure. */
int model_copy_meta(struct model *m, const struct model *base);

/* The output height, width and channels of a layer. */
void model_layer_out(const struct layer *l, int *h, int *w, int *c);

/*
 * Checks that layer i reads what its input layer (or the model input) gives and that an
 * add's two inputs agree: 0, or ERR_RANGE with the reason in why.
 */
int model_layer_check(const struct model *m, int i, char *why, size_t why_len);

/* 1 when a pooling layer covers its whole input (kernel = stride = in_h = in_w). */
int model_layer_is_global(const struct layer *l);

/* The last block number in m (-1 when no layer has one). */
int model_last_block(const struct model *m);

#endif

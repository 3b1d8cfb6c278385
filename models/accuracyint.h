/*
 * accuracyint.h: what the files of models/ share about accuracy and nothing outside models/
 * should use: the parsed accuracy sources (a join from operators to a table's columns, and
 * where the table keeps top1, top5 and MACs), where a source's table is, and the join of
 * published accuracy into a set of variants. The public interface is accuracy.h.
 */
#ifndef ADASCALE_ACCURACYINT_H
#define ADASCALE_ACCURACYINT_H

#include <stddef.h>

#include "accuracy.h"
#include "opsint.h"

#define MODEL_MAX_TERMS 8     /* terms of an accuracy join */
#define MODEL_MAX_MAP 8       /* value pairs in one join term's map */

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

#endif

/*
 * opsint.h: what the files of models/ share about the operators and nothing outside
 * models/ should use: the operator table (one entry per compression operator, so adding one
 * is one entry and its hooks), the state of a spec being rebuilt under operators, and
 * operator lists as written on a command line or in a spec's ladder. The public interface
 * is ops.h.
 */
#ifndef ADASCALE_OPSINT_H
#define ADASCALE_OPSINT_H

#include <stddef.h>

#include "ops.h"

#define MODEL_MAX_OPS 8       /* operators in the table, with room to grow */
#define MODEL_MAX_VALUES 64   /* values in one operator's list */
#define MODEL_FIELD_LEN 64    /* an operator value, a column name or a value in a join */

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

#endif

/*
 * accuracy.h: a variant (operators, transformed spec, cost) with its accuracy: joined from
 * the published tables a spec names (data/accuracy/), or, only when asked, estimated
 * between them.
 *
 * A variant that no table row describes has no accuracy; an estimate is labelled as one.
 * Not for enumerating variants (variants.h) or for measuring accuracy; docs/models.md gives
 * the join and the estimator's rule.
 */
#ifndef ADASCALE_ACCURACY_H
#define ADASCALE_ACCURACY_H

#include "err.h"
#include "layers.h"
#include "ops.h"

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
 * Fills in an estimated top1 for each variant of vs that has no published accuracy, only
 * when asked (adascale variants --estimate): linear interpolation in log-MACs on the Pareto
 * front (best top1 for the MACs) of the published rows of base's accuracy sources that have
 * the variant's element type. Estimated variants get has_top1 = 1, top1_estimated = 1,
 * has_top5 = 0 and acc_ref naming the two rows; a variant outside the rows' MACs range, or
 * with no rows of its element type, keeps has_top1 = 0 and says why in acc_note.
 * docs/models.md gives the rule.
 */
int variants_estimate(const struct model *base, struct variant_set *vs, struct errbuf *eb);

#endif

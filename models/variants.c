/*
 * variants.c: enumerating a model's variants, the product of operator lists, each with its
 * transformed spec, cost and (through accuracy.c) its published accuracy. Not for choosing
 * among them (policies/) or timing them (devices/).
 */
#include "variants.h"

#include <stdlib.h>
#include <string.h>

#include "accuracyint.h"
#include "layers.h"
#include "ops.h"
#include "opsint.h"

/* More variants than this is a mistake in the lists, not a search space. */
#define VARIANTS_MAX 100000

void variant_set_destroy(struct variant_set *vs)
{
	if (!vs)
		return;
	for (int i = 0; i < vs->n; i++)
		model_destroy(vs->v[i].spec);
	free(vs->v);
	free(vs);
}

int variants_enumerate(const struct model *base, const char *ops, struct variant_set **out,
		       struct errbuf *eb)
{
	struct errbuf local;
	if (!eb)
		eb = &local;
	struct model_oplist *ol = NULL;
	struct variant_set *vs = NULL;
	char why[512];
	int rc;

	ol = malloc(sizeof *ol);
	vs = calloc(1, sizeof *vs);
	if (!ol || !vs) {
		rc = err_set(eb, ERR_NOMEM, "out of memory");
		goto fail;
	}
	const char *text = ops ? ops : base->ladder ? base->ladder : "";
	rc = model_oplist_parse(base, text, ol, why, sizeof why);
	if (rc < 0) {
		rc = err_set(eb, rc, "%s: operators '%.200s': %s", base->name, text, why);
		goto fail;
	}

	long total = 1;
	for (int k = 0; k < ol->n; k++) {
		total *= ol->n_values[k];
		if (total > VARIANTS_MAX) {
			rc = err_set(eb, ERR_RANGE, "%s: operators '%.200s' make more than %d variants",
				     base->name, text, VARIANTS_MAX);
			goto fail;
		}
	}
	vs->v = calloc((size_t)total, sizeof *vs->v);
	if (!vs->v) {
		rc = err_set(eb, ERR_NOMEM, "out of memory");
		goto fail;
	}

	int idx[MODEL_MAX_OPS] = {0};
	for (long n = 0; n < total; n++) {
		struct variant *v = &vs->v[vs->n];
		model_ops_default(&v->ops);
		for (int k = 0; k < ol->n; k++) {
			const struct model_op *op = model_op_at(ol->op[k]);
			/* the values were checked by model_oplist_parse */
			rc = op->parse(ol->value[k][idx[k]], &v->ops, why, sizeof why);
			if (rc < 0) {
				rc = err_set(eb, rc, "%s: %s", base->name, why);
				goto fail;
			}
		}
		model_variant_key(base, &v->ops, v->key, sizeof v->key);
		rc = model_apply(base, &v->ops, &v->spec, eb);
		if (rc < 0)
			goto fail;
		vs->n++;
		model_cost(v->spec, &v->cost);
		for (int k = ol->n - 1; k >= 0; k--) {
			if (++idx[k] < ol->n_values[k])
				break;
			idx[k] = 0;
		}
	}

	rc = model_join_accuracy(base, vs, eb);
	if (rc < 0)
		goto fail;
	free(ol);
	*out = vs;
	return 0;
fail:
	free(ol);
	variant_set_destroy(vs);
	return rc;
}

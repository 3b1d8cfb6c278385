/*
 * variants.h: a model's variants, the product of operator lists, each with its transformed
 * spec, cost and published accuracy. Not for choosing among them (policies/) or timing them
 * (devices/).
 */
#ifndef ADASCALE_VARIANTS_H
#define ADASCALE_VARIANTS_H

#include "accuracy.h"
#include "err.h"
#include "layers.h"

/*
 * Enumerates the product of operator lists ("width=1,0.75 res=224,160 quant=fp32,int8";
 * NULL: the spec's ladder; operators not listed keep their defaults) and joins accuracy from
 * the spec's accuracy tables (published rows only). The last listed operator varies
 * fastest. *out is set only on success; the caller owns it (variant_set_destroy).
 */
int variants_enumerate(const struct model *base, const char *ops, struct variant_set **out,
		       struct errbuf *eb);
/* Frees vs, its variants and their specs. Accepts NULL. */
void variant_set_destroy(struct variant_set *vs);

#endif

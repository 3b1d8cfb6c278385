/*
 * listing.h: what `adascale variants` and `adascale kernels` print: a model's variants as
 * a table or CSV, and the kernel list of its variants. Not for options or exit statuses
 * (cmd/), nor for the library itself (model.h).
 */
#ifndef ADASCALE_LISTING_H
#define ADASCALE_LISTING_H

#include <stdio.h>

#include "model.h"

/*
 * Loads a model (a zoo name or a spec .csv) and its variants under ops (NULL: the model's
 * ladder), with labelled estimates where estimate is set. *m and *vs are the caller's to
 * destroy; both NULL on failure.
 */
int models_load_variants(const char *model, const char *ops, int estimate, struct model **m,
			 struct variant_set **vs, struct errbuf *eb);

enum models_format { MODELS_FORMAT_TABLE, MODELS_FORMAT_CSV };

/* One line per variant (and, for the table, a footer citing the accuracy source). */
int models_variants_write(FILE *f, const struct model *base, const struct variant_set *vs,
			  enum models_format format);
/*
 * The kernel list of all variants of vs: metadata (model, ops as given or "" for the
 * ladder, generator), the KSHAPE_CSV_HEADER row, one row per unique shape.
 */
int models_kernels_write(FILE *f, const struct model *base, const struct variant_set *vs,
			 const char *ops, struct errbuf *eb);

#endif

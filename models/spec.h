/*
 * spec.h: reading a model spec (models/zoo/NAME.csv) into memory, checked.
 *
 * A spec lists layers in execution order; docs/models.md describes the file format. Not for
 * what a spec is once read (layers.h), for transforming it (ops.h) or for its accuracy
 * (accuracy.h).
 */
#ifndef ADASCALE_SPEC_H
#define ADASCALE_SPEC_H

#include "err.h"
#include "layers.h"

/*
 * Reads a spec. name_or_path is a path to a CSV file, or a zoo name resolved to
 * <data>/models/zoo/NAME.csv (a name is taken as a path when it contains '/' or ends in
 * ".csv"). Checks that shapes chain (each layer's input is its input layer's output, add's
 * inputs agree) and gives "file:line: problem" (ERR_PARSE/ERR_RANGE) otherwise; a missing
 * file is ERR_NOTFOUND. *out is set only on success; the caller owns it (model_destroy).
 */
int model_load(const char *name_or_path, struct model **out, struct errbuf *eb);

#endif

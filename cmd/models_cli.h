/*
 * models_cli.h: the `adascale variants` and `adascale kernels` verbs. The harness's main
 * calls them with the verb's own argv (argv[0] is the verb name); they return the process
 * exit status (err_exit_status of what went wrong) and print errors as "adascale: detail"
 * on stderr. The writers below are the verbs' output, for callers that have the data in
 * hand. Not for anything but the command line: the library is model.h.
 */
#ifndef ADASCALE_MODELS_CLI_H
#define ADASCALE_MODELS_CLI_H

#include <stdio.h>

#include "model.h"

/* adascale variants MODEL [--ops "width=1,0.75 res=224,160"] [--estimate] [--format table|csv] */
int models_cmd_variants(int argc, char **argv);
/* adascale kernels MODEL [--ops "..."]: a kernel list CSV on stdout */
int models_cmd_kernels(int argc, char **argv);

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

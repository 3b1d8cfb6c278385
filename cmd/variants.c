/*
 * variants.c: `adascale variants MODEL`: a model's variants under the compression
 * operators, as a table or CSV (models/listing.c). Not for enumerating them.
 */
#include "cmd.h"

#include <stdio.h>
#include <string.h>

#include "listing.h"
#include "opt.h"

static const char help[] =
	"usage: adascale variants MODEL [--ops \"width=1,0.75 res=224,160 quant=fp32,int8\"] "
	"[--estimate] [--format table|csv]\n"
	"operators: width, res, quant, prune, lowrank, exit (docs/models.md)\n";

static int parse_format(const char *v, void *dst, char *why, size_t n)
{
	(void)why;
	(void)n;
	if (strcmp(v, "table") == 0)
		*(enum models_format *)dst = MODELS_FORMAT_TABLE;
	else if (strcmp(v, "csv") == 0)
		*(enum models_format *)dst = MODELS_FORMAT_CSV;
	else
		return -1;
	return 0;
}

int cmd_variants(int argc, char **argv)
{
	static const struct opt_verb v = {"adascale", "variants", help};
	const char *ops = NULL;
	enum models_format format = MODELS_FORMAT_TABLE;
	int estimate = 0;
	const struct opt opts[] = {
		{.name = "ops", .type = OPT_STR, .dst = &ops},
		{.name = "estimate", .type = OPT_FLAG, .dst = &estimate},
		{.name = "format", .type = OPT_FN, .dst = &format, .fn = parse_format,
		 .takes = "takes table or csv"},
		{0}};
	char *model[1];
	int n_pos, rc = opt_parse(&v, opts, argc, argv, model, 1, &n_pos);
	if (rc != OPT_OK)
		return opt_status(rc);
	if (n_pos < 1)
		return opt_usage(&v, "which model? (a zoo name or a spec .csv)");
	struct errbuf eb = {0, ""};
	struct model *m = NULL;
	struct variant_set *vs = NULL;
	if ((rc = models_load_variants(model[0], ops, estimate, &m, &vs, &eb)) == 0 &&
	    (rc = models_variants_write(stdout, m, vs, format)) < 0)
		err_set(&eb, rc, "variants: write error on stdout");
	variant_set_destroy(vs);
	model_destroy(m);
	return rc < 0 ? cmd_fail(&eb, rc) : 0;
}

/*
 * kernels.c: `adascale kernels MODEL`: the unique kernel shapes of a model's variants, as
 * the kernel list the agent profiles (models/listing.c). Not for finding them.
 */
#include "cmd.h"

#include <stdio.h>

#include "listing.h"
#include "opt.h"

static const char help[] =
	"usage: adascale kernels MODEL [--ops \"width=1,0.75 res=224,160\"]\n"
	"The unique kernel shapes of the model's variants (its ladder without --ops), as a\n"
	"kernel list CSV on stdout for adascale-agent profile.\n";

int cmd_kernels(int argc, char **argv)
{
	static const struct opt_verb v = {"adascale", "kernels", help};
	const char *ops = NULL;
	const struct opt opts[] = {{.name = "ops", .type = OPT_STR, .dst = &ops}, {0}};
	char *model[1];
	int n_pos, rc = opt_parse(&v, opts, argc, argv, model, 1, &n_pos);
	if (rc != OPT_OK)
		return opt_status(rc);
	if (n_pos < 1)
		return opt_usage(&v, "which model? (a zoo name or a spec .csv)");
	struct errbuf eb = {0, ""};
	struct model *m = NULL;
	struct variant_set *vs = NULL;
	if ((rc = models_load_variants(model[0], ops, 0, &m, &vs, &eb)) == 0)
		rc = models_kernels_write(stdout, m, vs, ops ? ops : m->ladder, &eb);
	variant_set_destroy(vs);
	model_destroy(m);
	return rc < 0 ? cmd_fail(&eb, rc) : 0;
}

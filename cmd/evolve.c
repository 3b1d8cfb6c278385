/*
 * evolve.c: `adascale evolve`: trains the self-evolving Fashion-MNIST model, cuts and
 * measures its variants (models/evolve.c). Not for training or measuring.
 */
#include "cmd.h"

#include <stdio.h>
#include <string.h>

#include "evolve.h"
#include "opt.h"

static const char help[] =
	"usage: adascale evolve [--quick] --out DIR [--data DIR] [--seed N] [--threads N]\n"
	"                       [--epochs E] [--scale S] [--lr LR] [--scratch none|base|all]\n"
	"       adascale evolve --compare-optimizers [--quick] [--out DIR] [...]\n"
	"Trains the self-evolving Fashion-MNIST CNN (early exits, elastic width) with AdaScale\n"
	"SGD, derives its variants (width, exit, L1 channel pruning, truncated-SVD low rank,\n"
	"int8), measures each one's test accuracy and the cost of training them from scratch,\n"
	"and writes the model spec fmnist_cnn.csv, its measured accuracy table, overhead.csv\n"
	"and the weights into DIR (-o DIR is the same). --data: the folder of the IDX files\n"
	"(default " EVOLVE_DEFAULT_DATA ",\n"
	"Debian package dataset-fashion-mnist). --quick: a subset, for tests (under a minute).\n"
	"--scratch: which variants are also trained from scratch to measure the training\n"
	"overhead: none, base (the 12 width x exit cuts, default) or all (the 48 fp32 variants;\n"
	"about twice as long).\n"
	"--compare-optimizers: AdaScale SGD against linear scaling with warm-up at scales\n"
	"1, 4, 16 (optimizers.csv in DIR, or CSV on stdout).\n";

static int parse_scratch(const char *v, void *dst, char *why, size_t n)
{
	(void)why;
	(void)n;
	int *scratch = dst;
	if (!strcmp(v, "none"))
		*scratch = 0;
	else if (!strcmp(v, "base"))
		*scratch = 1;
	else if (!strcmp(v, "all"))
		*scratch = EVOLVE_N_FAMILIES;
	else
		return -1;
	return 0;
}

int cmd_evolve(int argc, char **argv)
{
	static const struct opt_verb v = {"adascale", "evolve", help};
	struct evolve_opts o;
	evolve_opts_defaults(&o);
	const struct opt opts[] = {
		{.name = "quick", .type = OPT_FLAG, .dst = &o.quick},
		{.name = "compare-optimizers", .type = OPT_FLAG, .dst = &o.compare},
		{.name = "scratch", .type = OPT_FN, .dst = &o.scratch, .fn = parse_scratch,
		 .takes = "takes none, base or all"},
		{.name = "out", .short_name = 'o', .type = OPT_STR, .dst = &o.out},
		{.name = "data", .type = OPT_STR, .dst = &o.data},
		{.name = "seed", .type = OPT_U64, .dst = &o.seed,
		 .takes = "takes a non-negative integer"},
		{.name = "threads", .type = OPT_INT, .dst = &o.threads, .min = 1,
		 .max = EVOLVE_MAX_THREADS, .takes = "takes 1..16"},
		{.name = "scale", .type = OPT_INT, .dst = &o.scale, .min = 1,
		 .max = EVOLVE_MAX_SCALE, .takes = "takes 1..64"},
		{.name = "lr", .type = OPT_DOUBLE, .dst = &o.lr, .min = 1e-300, .max = 10,
		 .takes = "takes a number in (0, 10]"},
		{.name = "epochs", .type = OPT_DOUBLE, .dst = &o.epochs, .min = 1e-300, .max = 100,
		 .takes = "takes a number in (0, 100]"},
		{0}};
	int n_pos, rc = opt_parse(&v, opts, argc, argv, NULL, 0, &n_pos);
	if (rc != OPT_OK)
		return opt_status(rc);
	if (!o.compare && !o.out)
		return opt_usage(&v, "--out DIR is required");
	struct errbuf eb = {0, ""};
	rc = evolve_run(&o, stdout, &eb);
	return rc < 0 ? cmd_fail(&eb, rc) : 0;
}

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
		{"quick", 0, OPT_FLAG, &o.quick, 0, 0, NULL, NULL},
		{"compare-optimizers", 0, OPT_FLAG, &o.compare, 0, 0, NULL, NULL},
		{"scratch", 0, OPT_FN, &o.scratch, 0, 0, parse_scratch, "takes none, base or all"},
		{"out", 'o', OPT_STR, &o.out, 0, 0, NULL, NULL},
		{"data", 0, OPT_STR, &o.data, 0, 0, NULL, NULL},
		{"seed", 0, OPT_U64, &o.seed, 0, 0, NULL, "takes a non-negative integer"},
		{"threads", 0, OPT_INT, &o.threads, 1, EVOLVE_MAX_THREADS, NULL, "takes 1..16"},
		{"scale", 0, OPT_INT, &o.scale, 1, EVOLVE_MAX_SCALE, NULL, "takes 1..64"},
		{"lr", 0, OPT_DOUBLE, &o.lr, 1e-300, 10, NULL, "takes a number in (0, 10]"},
		{"epochs", 0, OPT_DOUBLE, &o.epochs, 1e-300, 100, NULL,
		 "takes a number in (0, 100]"},
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

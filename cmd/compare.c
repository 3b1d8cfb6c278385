/*
 * compare.c: `adascale compare`: the regression verdict between two tags of a results
 * database; exit 0 nothing regressed, 1 a metric regressed, 2 bad input or no verdict.
 * Not for the statistics (reports/compare.c).
 */
#include "cmd.h"

#include <stdio.h>
#include <string.h>

#include "compare.h"
#include "opt.h"

static const char help[] =
	"usage: adascale compare --db FILE --baseline TAG --candidate TAG [--tolerance FILE]\n"
	"                        [--format md|csv|json]\n"
	"       adascale compare --db FILE --configs --baseline KEY --candidate KEY [--tag T]\n"
	"                        [--tolerance FILE] [--format md|csv|json]\n"
	"Pairs the runs of the two tags that share configuration and seed (or, with --configs,\n"
	"the runs of two configurations that share a seed: KEY is a config_key or its first 6+\n"
	"hex digits, e.g. from the run_metrics view), and for every metric gives the change and\n"
	"whether it is significant (paired t-test over seeds).\n"
	"  --tolerance FILE  INI: [compare] alpha = 0.05; [METRIC] abs = X, rel = X,\n"
	"                    gate = yes|no (defaults: docs/reports.md, data/tolerances.ini)\n"
	"  --format F        md (default, a Markdown table), csv or json, on stdout\n"
	"exit status: 0 nothing regressed, 1 a metric regressed beyond its tolerance,\n"
	"2 bad input or no verdict\n";

static int parse_format(const char *f, void *dst, char *why, size_t n)
{
	(void)why;
	(void)n;
	int *format = dst;
	if (strcmp(f, "md") == 0 || strcmp(f, "markdown") == 0)
		*format = COMPARE_MD;
	else if (strcmp(f, "csv") == 0)
		*format = COMPARE_CSV;
	else if (strcmp(f, "json") == 0)
		*format = COMPARE_JSON;
	else
		return -1;
	return 0;
}

int cmd_compare(int argc, char **argv)
{
	static const struct opt_verb v = {"adascale", "compare", help};
	struct compare_opts o = {.format = COMPARE_MD};
	const struct opt opts[] = {
		{.name = "db", .type = OPT_STR, .dst = &o.db_path},
		{.name = "baseline", .type = OPT_STR, .dst = &o.baseline},
		{.name = "candidate", .type = OPT_STR, .dst = &o.candidate},
		{.name = "tolerance", .type = OPT_STR, .dst = &o.tolerance_path},
		{.name = "configs", .type = OPT_FLAG, .dst = &o.configs},
		{.name = "tag", .type = OPT_STR, .dst = &o.tag},
		{.name = "format", .type = OPT_FN, .dst = &o.format, .fn = parse_format,
		 .takes = "expects md, csv or json"},
		{0}};
	int n_pos, rc = opt_parse(&v, opts, argc, argv, NULL, 0, &n_pos);
	if (rc != OPT_OK)
		return opt_status(rc);
	if (!o.db_path || !o.baseline || !o.candidate)
		return opt_usage(&v, "--db, --baseline and --candidate are required");
	if (o.tag && !o.configs)
		return opt_usage(&v, "--tag goes with --configs (without it the tags are compared)");
	struct errbuf eb = {0, ""};
	int regressed = 0;
	rc = compare_run(&o, stdout, &regressed, &eb);
	if (rc < 0) {
		/* 1 means "regressed": every failure to reach a verdict is 2. */
		fprintf(stderr, "adascale: %s\n", eb.msg[0] ? eb.msg : err_msg(rc));
		return 2;
	}
	return regressed ? 1 : 0;
}

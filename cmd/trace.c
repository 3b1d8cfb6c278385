/*
 * trace.c: `adascale trace check|gen|import|plot`: options and exit statuses; the work is
 * done by traces/ (tcheck, tgen, timport) and reports/tplot.c. Not for any trace logic.
 */
#include "cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "afile.h"
#include "num.h"
#include "opt.h"
#include "tcheck.h"
#include "tgen.h"
#include "timport.h"
#include "tplot.h"

static const char usage_trace[] =
	"usage: adascale trace check [--strict] [--gap-factor X] FILE...\n"
	"       adascale trace gen SCENARIO [--seed N] [--duration-s S] [--interval-ms MS]\n"
	"                          [-o FILE] [name=value ...]\n"
	"       adascale trace import --from stressberry|ftrace|agent IN [-o OUT | --out-dir DIR]\n"
	"                          [--source TEXT] [--licence TEXT] [--note TEXT] [--recording ID]\n"
	"                          [--clusters 0-3,4-7] [--max-freq-mhz A,B] [--zone NAME]\n"
	"                          [--interval-ms MS]\n"
	"       adascale trace plot FILE --out PLOT.png|PLOT.svg [--title TEXT]\n"
	"`adascale trace SUBVERB --help` for each; docs/traces.md has the details.\n";

static const char usage_check[] =
	"usage: adascale trace check [--strict] [--gap-factor X] FILE...\n"
	"Validates each trace as a replay reads it (columns, units, ranges, time order) and\n"
	"prints a summary: duration, rows, the sampling interval (median, max), each column's\n"
	"min / time-weighted mean / max, and the metadata. An interval over X times the median\n"
	"(default 10) is a gap: a warning on stderr, an error with --strict. Traces marked\n"
	"`# sampling: events` are not looked at for gaps. Exit status 2 when a trace is bad.\n";

static const char usage_import[] =
	"usage: adascale trace import --from FORMAT IN [-o OUT | --out-dir DIR] [options]\n"
	"Converts a real recording into the trace format, keeping its source and licence in\n"
	"the metadata (# source:, # licence:, # imported_by:, # source_sha256:).\n"
	"  --from stressberry  the stressberry recordings CSV: one trace per recording, named\n"
	"                      by recording id (--out-dir DIR, or --recording ID to one file)\n"
	"  --from ftrace       `trace-cmd report` text or its CSV export (time_s,event,name,\n"
	"                      value1,value2): cpu_frequency/cpu_load -> freq_mhz.N,\n"
	"                      cpu_load -> util_other, thermal_temperature -> temp_c\n"
	"      --clusters 0-3,4-7    CPUs of each cluster (default: all CPUs in one)\n"
	"      --max-freq-mhz A,B    each cluster's maximum (# max_freq_mhz.N)\n"
	"      --zone NAME           thermal zone for temp_c (default: the first seen)\n"
	"      --interval-ms N       one row every N ms (default: a row per change)\n"
	"  --from agent        a recording of `adascale-agent record`: checked, metadata\n"
	"                      normalised, rows copied as written\n"
	"  --source TEXT, --licence TEXT   replace what the input states\n"
	"  --note TEXT                     a `# note:` line (e.g. where a maximum comes from)\n";

static const char usage_plot[] =
	"usage: adascale trace plot FILE --out PLOT.png|PLOT.svg [--title TEXT]\n"
	"Draws the trace's columns over time through gnuplot: one panel per quantity\n"
	"(frequency, online cores, load, memory, battery, temperature), values held as steps.\n";

static int parse_gap(const char *v, void *dst, char *why, size_t n)
{
	(void)why;
	(void)n;
	double *g = dst;
	return num_double(v, g) < 0 || *g <= 1 ? -1 : 0;
}

static int check(int argc, char **argv)
{
	static const struct opt_verb v = {"adascale", "trace check", usage_check};
	struct tcheck_opts o;
	tcheck_opts_default(&o);
	const struct opt opts[] = {
		{.name = "strict", .type = OPT_FLAG, .dst = &o.strict},
		{.name = "gap-factor", .type = OPT_FN, .dst = &o.gap_factor, .fn = parse_gap,
		 .takes = "takes a number above 1"},
		{0}};
	char **files = calloc((size_t)argc + 1, sizeof *files);
	if (!files) {
		fprintf(stderr, "adascale: out of memory\n");
		return 1;
	}
	int n, status = opt_parse(&v, opts, argc, argv, files, argc, &n);
	if (status != OPT_OK) {
		free(files);
		return opt_status(status);
	}
	if (n == 0) {
		free(files);
		return opt_usage(&v, "no trace given");
	}
	for (int i = 0; i < n; i++) {
		struct errbuf eb = {0, ""};
		struct tcheck_report *r = NULL;
		int rc = tcheck_file(files[i], &o, &r, &eb);
		if (rc < 0) {
			int st = cmd_fail(&eb, rc);
			status = st > status ? st : status;
			continue;
		}
		for (long w = 0; w < r->n_warnings && w < TCHECK_MAX_WARNINGS; w++)
			fprintf(stderr, "adascale: %s\n", r->warnings[w]);
		if (r->n_warnings > TCHECK_MAX_WARNINGS)
			fprintf(stderr, "adascale: %s: %ld more warnings\n", r->path,
				r->n_warnings - TCHECK_MAX_WARNINGS);
		tcheck_print(stdout, r);
		tcheck_report_destroy(r);
	}
	free(files);
	if (fflush(stdout) != 0 && status == 0)
		status = 1;
	return status;
}

static int gen_help(void)
{
	tgen_help(stdout);
	return 0;
}

static int gen(int argc, char **argv)
{
	static const struct opt_verb v = {"adascale", "trace gen", ""};
	struct tgen_opts o;
	tgen_opts_default(&o);
	const char *out = NULL;
	const struct opt opts[] = {
		{.name = "seed", .type = OPT_U64, .dst = &o.seed,
		 .takes = "takes a non-negative integer"},
		{.name = "duration-s", .type = OPT_DOUBLE, .dst = &o.duration_s, .min = 1e-300,
		 .max = 1e300, .takes = "takes a positive number"},
		{.name = "interval-ms", .type = OPT_INT, .dst = &o.interval_ms, .min = 1,
		 .max = 3600000, .takes = "takes a positive integer"},
		{.name = "out", .short_name = 'o', .type = OPT_STR, .dst = &out},
		{0}};
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return gen_help();
	const char **kv = calloc((size_t)argc + 1, sizeof *kv);
	char **pos = calloc((size_t)argc + 1, sizeof *pos);
	struct errbuf eb = {0, ""};
	struct afile *t = NULL;
	int n, rc;
	if (!kv || !pos) {
		rc = err_set(&eb, ERR_NOMEM, "out of memory");
		goto fail;
	}
	if ((rc = opt_parse(&v, opts, argc, argv, pos, argc, &n)) != OPT_OK) {
		rc = opt_status(rc);
		goto usage;
	}
	for (int i = 0; i < n; i++) {
		if (strchr(pos[i], '='))
			kv[o.n_kv++] = pos[i];
		else if (!o.scenario)
			o.scenario = pos[i];
		else {
			rc = opt_usage(&v, "a second scenario '%s'", pos[i]);
			goto usage;
		}
	}
	if (!o.scenario) {
		rc = opt_usage(&v, "no scenario given");
		goto usage;
	}
	o.kv = kv;
	/* The output appears only on success: a bad parameter leaves nothing behind. */
	if (!(t = afile_create(out, &eb))) {
		rc = eb.code;
		goto fail;
	}
	if ((rc = tgen_write(afile_stream(t), &o, &eb)) < 0 || (rc = afile_commit(t, &eb)) < 0)
		goto fail;
	rc = 0;
	goto usage;
fail:
	rc = cmd_fail(&eb, rc);
usage:
	afile_destroy(t);
	free(pos);
	free(kv);
	return rc;
}

static int import(int argc, char **argv)
{
	static const struct opt_verb v = {"adascale", "trace import", usage_import};
	struct timport_opts o;
	timport_opts_default(&o);
	const struct opt opts[] = {
		{.name = "from", .type = OPT_STR, .dst = &o.format},
		{.name = "out", .short_name = 'o', .type = OPT_STR, .dst = &o.out},
		{.name = "out-dir", .type = OPT_STR, .dst = &o.out_dir},
		{.name = "source", .type = OPT_STR, .dst = &o.source},
		{.name = "licence", .type = OPT_STR, .dst = &o.licence},
		{.name = "license", .type = OPT_STR, .dst = &o.licence},
		{.name = "note", .type = OPT_STR, .dst = &o.note},
		{.name = "recording", .type = OPT_STR, .dst = &o.recording},
		{.name = "clusters", .type = OPT_STR, .dst = &o.clusters},
		{.name = "max-freq-mhz", .type = OPT_STR, .dst = &o.max_freq},
		{.name = "zone", .type = OPT_STR, .dst = &o.zone},
		{.name = "interval-ms", .type = OPT_INT, .dst = &o.interval_ms, .min = 1,
		 .max = 3600000, .takes = "takes a positive integer"},
		{0}};
	char *in[1];
	int n, rc = opt_parse(&v, opts, argc, argv, in, 1, &n);
	if (rc != OPT_OK)
		return opt_status(rc);
	if (n)
		o.in = in[0];
	struct errbuf eb = {0, ""};
	rc = timport_run(&o, stderr, &eb);
	return rc < 0 ? cmd_fail(&eb, rc) : 0;
}

static int plot(int argc, char **argv)
{
	static const struct opt_verb v = {"adascale", "trace plot", usage_plot};
	const char *out = NULL, *title = NULL;
	const struct opt opts[] = {
		{.name = "out", .short_name = 'o', .type = OPT_STR, .dst = &out},
		{.name = "title", .type = OPT_STR, .dst = &title},
		{0}};
	char *in[1];
	int n, rc = opt_parse(&v, opts, argc, argv, in, 1, &n);
	if (rc != OPT_OK)
		return opt_status(rc);
	if (!n || !out)
		return opt_usage(&v, "a trace and --out PLOT.png|PLOT.svg are required");
	struct errbuf eb = {0, ""};
	rc = tplot_file(in[0], out, title, NULL, &eb);
	if (rc < 0)
		return cmd_fail(&eb, rc);
	printf("plot: %s\n", out);
	return 0;
}

/* The sub-verbs of `adascale trace`, as the verbs are in cmd/main.c. */
static const struct cmd_verb subverbs[] = {
	{"check", check, "trace check FILE...", "validate traces and summarise them"},
	{"gen", gen, "trace gen SCENARIO", "a generated scenario"},
	{"import", import, "trace import --from FORMAT IN", "a real recording as a trace"},
	{"plot", plot, "trace plot FILE --out F", "a trace's columns over time"},
	{NULL, NULL, NULL, NULL},
};

int cmd_trace(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(usage_trace, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (const struct cmd_verb *s = subverbs; s->name; s++)
		if (strcmp(argv[1], s->name) == 0)
			return s->fn(argc - 1, argv + 1);
	fprintf(stderr, "adascale: trace: unknown sub-verb '%.64s'\n%s", argv[1], usage_trace);
	return 2;
}

/*
 * traces_cli.c: `adascale trace check|gen|import|plot` (see traces_cli.h). Arguments are
 * parsed here, in the style of the other verbs (--name VALUE or --name=VALUE, anywhere on
 * the line); the work is done by the modules. Not for any trace logic.
 */
#include "traces_cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "num.h"
#include "tcheck.h"
#include "tgen.h"
#include "timport.h"
#include "afile.h"
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

static int fail(const struct errbuf *eb, int code)
{
	fprintf(stderr, "adascale: %s\n", eb->msg[0] ? eb->msg : err_msg(code));
	return err_exit_status(code);
}

static int usage_fail(const char *sub, const char *what, const char *arg)
{
	fprintf(stderr, "adascale: trace %s: %s%s%.200s%s (adascale trace %s --help)\n", sub, what,
		arg ? " '" : "", arg ? arg : "", arg ? "'" : "", sub);
	return 2;
}

static int is_help(const char *s) { return strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0; }

/* The value of --name VALUE or --name=VALUE at argv[*i], or NULL when argv[*i] is not it. */
static const char *opt_value(int argc, char **argv, int *i, const char *name, int *missing)
{
	size_t n = strlen(name);
	const char *a = argv[*i];
	if (strncmp(a, name, n) != 0)
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		*missing = 1;
		return NULL;
	}
	return argv[++*i];
}

static int cmd_check(int argc, char **argv)
{
	struct tcheck_opts o;
	tcheck_opts_default(&o);
	int n_files = 0, status = 0;
	for (int i = 1; i < argc; i++) {
		int missing = 0;
		const char *v;
		if (is_help(argv[i])) {
			fputs(usage_check, stdout);
			return 0;
		}
		if (strcmp(argv[i], "--strict") == 0) {
			o.strict = 1;
		} else if ((v = opt_value(argc, argv, &i, "--gap-factor", &missing))) {
			if (num_double(v, &o.gap_factor) < 0 || o.gap_factor <= 1)
				return usage_fail("check", "--gap-factor takes a number above 1", v);
		} else if (missing) {
			return usage_fail("check", "missing value after", argv[i]);
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			return usage_fail("check", "unknown option", argv[i]);
		} else {
			n_files++;
		}
	}
	if (n_files == 0)
		return usage_fail("check", "no trace given", NULL);
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-' && argv[i][1] != '\0') {
			if (strncmp(argv[i], "--gap-factor", 12) == 0 && argv[i][12] == '\0')
				i++;
			continue;
		}
		struct errbuf eb = {0, ""};
		struct tcheck_report *r = NULL;
		int rc = tcheck_file(argv[i], &o, &r, &eb);
		if (rc < 0) {
			int st = fail(&eb, rc);
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
	if (fflush(stdout) != 0 && status == 0)
		status = 1;
	return status;
}

static int cmd_gen(int argc, char **argv)
{
	struct tgen_opts o;
	tgen_opts_default(&o);
	const char *out = NULL;
	const char **kv = calloc((size_t)argc, sizeof *kv);
	struct errbuf eb = {0, ""};
	struct afile *t = NULL;
	int rc;
	if (!kv) {
		rc = err_set(&eb, ERR_NOMEM, "out of memory");
		goto fail;
	}
	for (int i = 1; i < argc; i++) {
		int missing = 0;
		const char *v;
		if (is_help(argv[i])) {
			tgen_help(stdout);
			free(kv);
			return 0;
		}
		if ((v = opt_value(argc, argv, &i, "--seed", &missing))) {
			if (num_u64(v, &o.seed) < 0) {
				free(kv);
				return usage_fail("gen", "--seed takes a non-negative integer", v);
			}
		} else if ((v = opt_value(argc, argv, &i, "--duration-s", &missing))) {
			if (num_double(v, &o.duration_s) < 0 || o.duration_s <= 0) {
				free(kv);
				return usage_fail("gen", "--duration-s takes a positive number", v);
			}
		} else if ((v = opt_value(argc, argv, &i, "--interval-ms", &missing))) {
			long l;
			if (num_long(v, &l) < 0 || l <= 0 || l > 3600000) {
				free(kv);
				return usage_fail("gen", "--interval-ms takes a positive integer", v);
			}
			o.interval_ms = (int)l;
		} else if ((v = opt_value(argc, argv, &i, "-o", &missing))) {
			out = v;
		} else if (missing) {
			free(kv);
			return usage_fail("gen", "missing value after", argv[i]);
		} else if (argv[i][0] == '-') {
			free(kv);
			return usage_fail("gen", "unknown option", argv[i]);
		} else if (strchr(argv[i], '=')) {
			kv[o.n_kv++] = argv[i];
		} else if (!o.scenario) {
			o.scenario = argv[i];
		} else {
			free(kv);
			return usage_fail("gen", "a second scenario", argv[i]);
		}
	}
	if (!o.scenario) {
		free(kv);
		return usage_fail("gen", "no scenario given", NULL);
	}
	o.kv = kv;
	/* The output appears only on success: a bad parameter leaves nothing behind. */
	if (!(t = afile_create(out, &eb))) {
		rc = eb.code;
		goto fail;
	}
	if ((rc = tgen_write(afile_stream(t), &o, &eb)) < 0 || (rc = afile_commit(t, &eb)) < 0)
		goto fail;
	afile_destroy(t);
	free(kv);
	return 0;
fail:
	afile_destroy(t);
	free(kv);
	return fail(&eb, rc);
}

static int cmd_import(int argc, char **argv)
{
	struct timport_opts o;
	timport_opts_default(&o);
	for (int i = 1; i < argc; i++) {
		int missing = 0;
		const char *v;
		if (is_help(argv[i])) {
			fputs(usage_import, stdout);
			return 0;
		}
		if ((v = opt_value(argc, argv, &i, "--from", &missing)))
			o.format = v;
		else if ((v = opt_value(argc, argv, &i, "-o", &missing)))
			o.out = v;
		else if ((v = opt_value(argc, argv, &i, "--out-dir", &missing)))
			o.out_dir = v;
		else if ((v = opt_value(argc, argv, &i, "--source", &missing)))
			o.source = v;
		else if ((v = opt_value(argc, argv, &i, "--licence", &missing)) ||
			 (v = opt_value(argc, argv, &i, "--license", &missing)))
			o.licence = v;
		else if ((v = opt_value(argc, argv, &i, "--note", &missing)))
			o.note = v;
		else if ((v = opt_value(argc, argv, &i, "--recording", &missing)))
			o.recording = v;
		else if ((v = opt_value(argc, argv, &i, "--clusters", &missing)))
			o.clusters = v;
		else if ((v = opt_value(argc, argv, &i, "--max-freq-mhz", &missing)))
			o.max_freq = v;
		else if ((v = opt_value(argc, argv, &i, "--zone", &missing)))
			o.zone = v;
		else if ((v = opt_value(argc, argv, &i, "--interval-ms", &missing))) {
			long l;
			if (num_long(v, &l) < 0 || l <= 0 || l > 3600000)
				return usage_fail("import", "--interval-ms takes a positive integer", v);
			o.interval_ms = (int)l;
		} else if (missing)
			return usage_fail("import", "missing value after", argv[i]);
		else if (argv[i][0] == '-' && argv[i][1] != '\0')
			return usage_fail("import", "unknown option", argv[i]);
		else if (!o.in)
			o.in = argv[i];
		else
			return usage_fail("import", "a second input", argv[i]);
	}
	struct errbuf eb = {0, ""};
	int rc = timport_run(&o, stderr, &eb);
	return rc < 0 ? fail(&eb, rc) : 0;
}

static int cmd_plot(int argc, char **argv)
{
	const char *in = NULL, *out = NULL, *title = NULL;
	for (int i = 1; i < argc; i++) {
		int missing = 0;
		const char *v;
		if (is_help(argv[i])) {
			fputs(usage_plot, stdout);
			return 0;
		}
		if ((v = opt_value(argc, argv, &i, "--out", &missing)) ||
		    (v = opt_value(argc, argv, &i, "-o", &missing)))
			out = v;
		else if ((v = opt_value(argc, argv, &i, "--title", &missing)))
			title = v;
		else if (missing)
			return usage_fail("plot", "missing value after", argv[i]);
		else if (argv[i][0] == '-' && argv[i][1] != '\0')
			return usage_fail("plot", "unknown option", argv[i]);
		else if (!in)
			in = argv[i];
		else
			return usage_fail("plot", "a second trace", argv[i]);
	}
	if (!in || !out)
		return usage_fail("plot", "a trace and --out PLOT.png|PLOT.svg are required", NULL);
	struct errbuf eb = {0, ""};
	int rc = tplot_file(in, out, title, NULL, &eb);
	if (rc < 0)
		return fail(&eb, rc);
	printf("plot: %s\n", out);
	return 0;
}

int traces_cmd(int argc, char **argv)
{
	if (argc < 2 || is_help(argv[1]) || strcmp(argv[1], "help") == 0) {
		fputs(usage_trace, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	const char *sub = argv[1];
	if (strcmp(sub, "check") == 0)
		return cmd_check(argc - 1, argv + 1);
	if (strcmp(sub, "gen") == 0)
		return cmd_gen(argc - 1, argv + 1);
	if (strcmp(sub, "import") == 0)
		return cmd_import(argc - 1, argv + 1);
	if (strcmp(sub, "plot") == 0)
		return cmd_plot(argc - 1, argv + 1);
	fprintf(stderr, "adascale: trace: unknown sub-verb '%.64s'\n%s", sub, usage_trace);
	return 2;
}

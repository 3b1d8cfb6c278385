/*
 * main.c: the adascale-agent command line: the verbs info, profile, record and run, their
 * options, and the mapping of error codes to messages and exit statuses. Each verb's work
 * is in its own module (ainfo.c, aprofile.c, arecord.c, arun.c); nothing here measures or
 * reads the system.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "afile.h"
#include "err.h"
#include "ainfo.h"
#include "num.h"
#include "aprofile.h"
#include "arecord.h"
#include "arun.h"
#include "asys.h"

#ifndef ADASCALE_VERSION
#define ADASCALE_VERSION "unknown"
#endif

static const char usage_text[] =
	"usage: adascale-agent VERB [options]\n"
	"\n"
	"  info [-o OUT]\n"
	"      this machine (CPU, clusters, frequencies, memory) as a device INI skeleton\n"
	"  profile KERNELS.csv|PASSES.csv [--backend auto|openblas|xnnpack] [--threads 1,2]\n"
	"          [--warmup N] [--warmup-ms MS] [--ramp-ms MS] [--min-runs N] [--max-runs N]\n"
	"          [--max-seconds S] [--evict-kb N|auto] [--cpus LIST] [--seed N] [--quiet]\n"
	"          [-o OUT]\n"
	"      time each unique kernel of a kernel list alone, or inside whole passes of a\n"
	"      pass list (a `pass` column: adascale profile MODEL --pass-list), for each\n"
	"      thread count (timings CSV)\n"
	"  record [--interval-ms N] [--duration-s S] [-o OUT]\n"
	"      sample frequency, load, memory, battery and temperature into a trace CSV\n"
	"      (until SIGINT/SIGTERM when no duration is given)\n"
	"  run SPEC.csv [--backend auto|openblas|xnnpack] [--threads N] [--dtype fp32|fp16|int8]\n"
	"          [--warmup N] [--warmup-ms MS] [--min-runs N] [--max-runs N]\n"
	"          [--max-seconds S] [--evict-kb N|auto] [--cpus LIST] [--seed N] [-o OUT]\n"
	"      a whole model spec layer after layer: the pass time, each layer's share of it\n"
	"      and each layer timed alone\n"
	"\n"
	"  --version, --help\n";

static int fail(struct errbuf *eb, int rc)
{
	fprintf(stderr, "adascale-agent: %s\n", eb->msg[0] ? eb->msg : err_msg(rc));
	return err_exit_status(rc);
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "adascale-agent: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n(adascale-agent --help lists the verbs and options)\n");
	va_end(ap);
	return err_exit_status(ERR_USAGE);
}

static int opt_long(const char *name, const char *arg, long lo, long hi, long *out)
{
	long v;
	if (num_long(arg, &v) < 0 || v < lo || v > hi) {
		fprintf(stderr, "adascale-agent: %s '%s': a whole number in %ld..%ld\n", name, arg, lo,
			hi);
		return -1;
	}
	*out = v;
	return 0;
}

static int opt_double(const char *name, const char *arg, double lo, double hi, double *out)
{
	double v;
	if (num_double(arg, &v) < 0 || v < lo || v > hi) {
		fprintf(stderr, "adascale-agent: %s '%s': a number in %g..%g\n", name, arg, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

/* --evict-kb: "auto" (-1) or a size in KB, 0 for none. */
static int opt_evict(const char *arg, long *out)
{
	if (strcmp(arg, "auto") == 0) {
		*out = -1;
		return 0;
	}
	return opt_long("--evict-kb", arg, 0, 1L << 22, out);
}

/* Options of profile and run; each verb's own start at O_VERB. */
enum {
	O_WARMUP = 256, O_WARMUP_MS, O_MIN, O_MAX, O_SECONDS, O_CPUS, O_SEED, O_EVICT,
	O_BACKEND, O_THREADS, O_VERB
};

#define MEASURE_OPTIONS                                                                    \
	{"warmup", required_argument, NULL, O_WARMUP},                                      \
	{"warmup-ms", required_argument, NULL, O_WARMUP_MS},                                \
	{"min-runs", required_argument, NULL, O_MIN},                                       \
	{"max-runs", required_argument, NULL, O_MAX},                                       \
	{"max-seconds", required_argument, NULL, O_SECONDS},                                \
	{"cpus", required_argument, NULL, O_CPUS}, {"seed", required_argument, NULL, O_SEED}, \
	{"evict-kb", required_argument, NULL, O_EVICT},                                     \
	{"backend", required_argument, NULL, O_BACKEND},                                    \
	{"output", required_argument, NULL, 'o'}

/* Where the shared options land in a verb's options. */
struct measure_args {
	struct agent_measure_opts *m;
	const char **cpus, **backend, **out;
	uint64_t *seed;
	long *evict_kb;
};

/* 1 when ch is a shared option (stored), 0 when it is not, -1 after a bad value (said). */
static int measure_opt(int ch, const char *arg, const struct measure_args *a)
{
	long v;
	switch (ch) {
	case 'o': *a->out = arg; return 1;
	case O_BACKEND: *a->backend = arg; return 1;
	case O_CPUS: *a->cpus = arg; return 1;
	case O_WARMUP:
		if (opt_long("--warmup", arg, 0, 1000000, &v) < 0)
			return -1;
		a->m->warmup = (int)v;
		return 1;
	case O_WARMUP_MS:
		return opt_double("--warmup-ms", arg, 0, 600000, &a->m->warmup_ms) < 0 ? -1 : 1;
	case O_MIN:
		if (opt_long("--min-runs", arg, 1, 10000000, &v) < 0)
			return -1;
		a->m->min_runs = (int)v;
		return 1;
	case O_MAX:
		if (opt_long("--max-runs", arg, 1, 10000000, &v) < 0)
			return -1;
		a->m->max_runs = (int)v;
		return 1;
	case O_SECONDS:
		return opt_double("--max-seconds", arg, 0.001, 86400, &a->m->max_seconds) < 0 ? -1
											     : 1;
	case O_SEED:
		if (opt_long("--seed", arg, 0, 0x7fffffffL, &v) < 0)
			return -1;
		*a->seed = (uint64_t)v;
		return 1;
	case O_EVICT: return opt_evict(arg, a->evict_kb) < 0 ? -1 : 1;
	default: return 0;
	}
}

static int cmd_info(int argc, char **argv)
{
	static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
					     {NULL, 0, NULL, 0}};
	const char *out = NULL;
	int ch;
	while ((ch = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		if (ch == 'o')
			out = optarg;
		else
			return err_exit_status(ERR_USAGE);
	}
	if (optind < argc)
		return usage_error("info: unexpected argument '%s'", argv[optind]);
	struct errbuf eb = {0};
	struct agent_sys *s = calloc(1, sizeof *s);
	if (!s)
		return fail(&eb, err_set(&eb, ERR_NOMEM, "out of memory"));
	struct afile *af = NULL;
	int rc = agent_sys_read(s, &eb);
	if (rc == 0 && !(af = afile_create(out, &eb)))
		rc = eb.code;
	if (rc == 0 && (rc = agent_info_write(afile_stream(af), s)) < 0)
		err_set(&eb, rc, "%s: write failed", afile_name(af));
	if (rc == 0)
		rc = afile_commit(af, &eb);
	afile_destroy(af);
	free(s);
	return rc < 0 ? fail(&eb, rc) : 0;
}

static int cmd_profile(int argc, char **argv)
{
	enum { O_QUIET = O_VERB, O_RAMP };
	static const struct option opts[] = {MEASURE_OPTIONS,
					     {"threads", required_argument, NULL, O_THREADS},
					     {"quiet", no_argument, NULL, O_QUIET},
					     {"ramp-ms", required_argument, NULL, O_RAMP},
					     {NULL, 0, NULL, 0}};
	struct agent_profile_opts o;
	agent_profile_defaults(&o);
	o.progress = 1;
	const char *out = NULL;
	struct errbuf eb = {0};
	const struct measure_args ma = {&o.m, &o.cpus, &o.backend, &out, &o.seed, &o.evict_kb};
	int ch, rc;
	while ((ch = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		int r = measure_opt(ch, optarg, &ma);
		if (r < 0)
			return 2;
		if (r > 0)
			continue;
		switch (ch) {
		case O_THREADS:
			if ((rc = agent_parse_threads(optarg, &o, &eb)) < 0)
				return fail(&eb, rc);
			break;
		case O_QUIET: o.progress = 0; break;
		case O_RAMP:
			if (opt_double("--ramp-ms", optarg, 0, 600000, &o.ramp_ms) < 0)
				return 2;
			break;
		default: return err_exit_status(ERR_USAGE);
		}
	}
	if (optind != argc - 1)
		return usage_error("profile: %s",
				   optind < argc ? "one kernel or pass list, please"
						 : "which kernel list? (profile KERNELS.csv)");
	if (o.m.max_runs < o.m.min_runs)
		o.m.max_runs = o.m.min_runs;
	o.kernels = argv[optind];
	rc = agent_profile(&o, out, &eb);
	return rc < 0 ? fail(&eb, rc) : 0;
}

static int cmd_run(int argc, char **argv)
{
	enum { O_DTYPE = O_VERB };
	static const struct option opts[] = {MEASURE_OPTIONS,
					     {"threads", required_argument, NULL, O_THREADS},
					     {"dtype", required_argument, NULL, O_DTYPE},
					     {NULL, 0, NULL, 0}};
	struct agent_run_opts o;
	agent_run_defaults(&o);
	const char *out = NULL;
	const struct measure_args ma = {&o.m, &o.cpus, &o.backend, &out, &o.seed, &o.evict_kb};
	int ch, d;
	long v;
	while ((ch = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		int r = measure_opt(ch, optarg, &ma);
		if (r < 0)
			return 2;
		if (r > 0)
			continue;
		switch (ch) {
		case O_THREADS:
			if (opt_long("--threads", optarg, 1, 1024, &v) < 0)
				return 2;
			o.threads = (int)v;
			break;
		case O_DTYPE:
			if ((d = dtype_parse(optarg)) < 0)
				return usage_error("--dtype '%s': fp32, fp16 or int8", optarg);
			o.dtype = (enum dtype)d;
			break;
		default: return err_exit_status(ERR_USAGE);
		}
	}
	if (optind != argc - 1)
		return usage_error("run: %s", optind < argc ? "one model spec, please"
							    : "which model spec? (run SPEC.csv)");
	if (o.m.max_runs < o.m.min_runs)
		o.m.max_runs = o.m.min_runs;
	o.spec = argv[optind];
	struct errbuf eb = {0};
	int rc = agent_run(&o, out, &eb);
	return rc < 0 ? fail(&eb, rc) : 0;
}

static int cmd_record(int argc, char **argv)
{
	static const struct option opts[] = {{"interval-ms", required_argument, NULL, 'i'},
					     {"duration-s", required_argument, NULL, 'd'},
					     {"output", required_argument, NULL, 'o'},
					     {NULL, 0, NULL, 0}};
	struct agent_record_opts o;
	agent_record_defaults(&o);
	const char *out = NULL;
	int ch;
	long v;
	while ((ch = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (ch) {
		case 'o': out = optarg; break;
		case 'i':
			if (opt_long("--interval-ms", optarg, 10, 3600000, &v) < 0)
				return 2;
			o.interval_ms = (int)v;
			break;
		case 'd':
			if (opt_double("--duration-s", optarg, 0, 1e7, &o.duration_s) < 0)
				return 2;
			break;
		default: return err_exit_status(ERR_USAGE);
		}
	}
	if (optind < argc)
		return usage_error("record: unexpected argument '%s'", argv[optind]);
	struct errbuf eb = {0};
	int rc = agent_record(&o, out, &eb);
	return rc < 0 ? fail(&eb, rc) : 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage_error("%s", "which verb? (info, profile, record, run)");
	const char *verb = argv[1];
	if (strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0 || strcmp(verb, "help") == 0) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (strcmp(verb, "--version") == 0) {
		printf("adascale-agent %s\n", ADASCALE_VERSION);
		return 0;
	}
	/* options of a verb start after it */
	argc--;
	argv++;
	optind = 1;
	if (strcmp(verb, "info") == 0)
		return cmd_info(argc, argv);
	if (strcmp(verb, "profile") == 0)
		return cmd_profile(argc, argv);
	if (strcmp(verb, "record") == 0)
		return cmd_record(argc, argv);
	if (strcmp(verb, "run") == 0)
		return cmd_run(argc, argv);
	return usage_error("unknown verb '%s' (info, profile, record, run)", verb);
}

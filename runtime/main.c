/*
 * main.c: the adascale-agent command line: the table of verbs (cadence, calibrate, info, load,
 * profile, record, run, sense, serve, switchcost), each verb's options as a common/opt.h
 * table, and the mapping of error codes to messages and exit statuses. `adascale-agent
 * --help` lists the verbs from the table; every verb answers --help. Each verb's work is in
 * its own module (devices/agent/: acadence.c, acalib.c, ahold.c, ainfo.c, aprofile.c, arecord.c,
 * arun.c, asense.c, aswitch.c; runtime/serve.c); nothing here measures or reads the system.
 * It sits on the runtime floor because serve needs the floors above the agent's
 * (docs/layout.md).
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acadence.h"
#include "acalib.h"
#include "afile.h"
#include "ahold.h"
#include "ainfo.h"
#include "aprofile.h"
#include "aswitch.h"
#include "arecord.h"
#include "arun.h"
#include "asense.h"
#include "asys.h"
#include "err.h"
#include "num.h"
#include "opt.h"
#include "serve.h"
#include "workload.h"

#ifndef ADASCALE_VERSION
#define ADASCALE_VERSION "unknown"
#endif

#define PROG "adascale-agent"

static int fail(struct errbuf *eb, int rc)
{
	fprintf(stderr, PROG ": %s\n", eb->msg[0] ? eb->msg : err_msg(rc));
	return err_exit_status(rc);
}

/* The exit status after opt_parse did not return OPT_OK: 0 after --help, else 2. */
static int parse_exit(int rc) { return rc == OPT_HELP ? 0 : err_exit_status(ERR_USAGE); }

/* ---- option values beyond opt.h's types ---- */

/* --evict-kb: "auto" (-1) or a size in KB, 0 for none; dst is a long. */
static int opt_evict(const char *value, void *dst, char *why, size_t why_len)
{
	long v;
	(void)why;
	(void)why_len;
	if (strcmp(value, "auto") == 0) {
		*(long *)dst = -1;
		return 0;
	}
	if (num_long(value, &v) < 0 || v < 0 || v > 1L << 22)
		return -1;
	*(long *)dst = v;
	return 0;
}

/* --seed: a whole number in 0..2^31-1; dst is a uint64_t. */
static int opt_seed(const char *value, void *dst, char *why, size_t why_len)
{
	long v;
	(void)why;
	(void)why_len;
	if (num_long(value, &v) < 0 || v < 0 || v > 0x7fffffffL)
		return -1;
	*(uint64_t *)dst = (uint64_t)v;
	return 0;
}

/* --dtype: fp32, fp16 or int8; dst is an enum dtype. */
static int opt_dtype(const char *value, void *dst, char *why, size_t why_len)
{
	(void)why;
	(void)why_len;
	int d = dtype_parse(value);
	if (d < 0)
		return -1;
	*(enum dtype *)dst = (enum dtype)d;
	return 0;
}

/* --threads of profile: a list like 1,2,4; dst is a struct agent_profile_opts. */
static int opt_thread_list(const char *value, void *dst, char *why, size_t why_len)
{
	struct errbuf eb = {0};
	if (agent_parse_threads(value, dst, &eb) == 0)
		return 0;
	/* agent_parse_threads says "--threads ...: what"; opt.h names the option itself */
	const char *what = strstr(eb.msg, ": ");
	snprintf(why, why_len, "%s", what ? what + 2 : eb.msg);
	return -1;
}

/* ---- the options profile and run share ---- */

/* Where the shared options land in a verb's options. */
struct measure_args {
	struct agent_measure_opts *m;
	const char **cpus, **backend, **out;
	uint64_t *seed;
	long *evict_kb;
};

#define N_MEASURE_OPTS 11

/* Writes the N_MEASURE_OPTS shared options into t (no terminating entry). */
static void measure_opts(struct opt *t, const struct measure_args *a)
{
	const struct opt shared[N_MEASURE_OPTS] = {
		{.name = "backend", .type = OPT_STR, .dst = a->backend},
		{.name = "warmup", .type = OPT_INT, .dst = &a->m->warmup, .min = 0, .max = 1000000,
		 .takes = "takes a whole number in 0..1000000"},
		{.name = "warmup-ms", .type = OPT_DOUBLE, .dst = &a->m->warmup_ms, .min = 0,
		 .max = 600000, .takes = "takes a number in 0..600000"},
		{.name = "min-runs", .type = OPT_INT, .dst = &a->m->min_runs, .min = 1,
		 .max = 10000000, .takes = "takes a whole number in 1..10000000"},
		{.name = "max-runs", .type = OPT_INT, .dst = &a->m->max_runs, .min = 1,
		 .max = 10000000, .takes = "takes a whole number in 1..10000000"},
		{.name = "max-seconds", .type = OPT_DOUBLE, .dst = &a->m->max_seconds, .min = 0.001,
		 .max = 86400, .takes = "takes a number in 0.001..86400"},
		{.name = "evict-kb", .type = OPT_FN, .dst = a->evict_kb, .fn = opt_evict,
		 .takes = "takes auto or a size in KB in 0..4194304"},
		{.name = "cpus", .type = OPT_STR, .dst = a->cpus},
		{.name = "seed", .type = OPT_FN, .dst = a->seed, .fn = opt_seed,
		 .takes = "takes a whole number in 0..2147483647"},
		{.name = "out", .short_name = 'o', .type = OPT_STR, .dst = a->out},
		{.name = "output", .type = OPT_STR, .dst = a->out},
	};
	memcpy(t, shared, sizeof shared);
}

#define MEASURE_HELP                                                                        \
	"  --warmup N          warm-up runs of each kernel (or pass) before timing (3)\n"       \
	"  --warmup-ms MS      and warm up each at least this long (2)\n"                       \
	"  --min-runs N        timed runs before the stopping rule may stop (5)\n"              \
	"  --max-runs N        stop at this many timed runs (10000)\n"                          \
	"  --max-seconds S     per kernel (or pass) and thread count, warm-up included (2)\n"   \
	"  --evict-kb N|auto   before every run of a kernel timed alone, write this many KB\n"  \
	"                      of scratch on each of its threads (0: caches stay warm)\n"       \
	"  --cpus LIST         CPUs the whole process is moved to (4-7, 0,2)\n"                 \
	"  --seed N            seed of the random inputs and weights (1)\n"                     \
	"  -o, --out OUT       output file, written whole or not at all (stdout)\n"            \
	"  -h, --help          this help\n"

/* ---- the verbs ---- */

static const char info_help[] =
	"usage: " PROG " info [-o OUT]\n"
	"\n"
	"This machine (CPU, clusters, frequencies, memory) as a device INI skeleton, in the\n"
	"format of devices/*.ini; what /proc and /sys do not tell is left out with a comment.\n"
	"\n"
	"  -o, --out OUT       output file, written whole or not at all (stdout)\n"
	"  -h, --help          this help\n";

static int cmd_info(const struct opt_verb *v, int argc, char **argv)
{
	const char *out = NULL;
	const struct opt opts[] = {
		{.name = "out", .short_name = 'o', .type = OPT_STR, .dst = &out},
		{.name = "output", .type = OPT_STR, .dst = &out},
		{.name = NULL},
	};
	int n_pos, rc = opt_parse(v, opts, argc, argv, NULL, 0, &n_pos);
	if (rc != OPT_OK)
		return parse_exit(rc);
	struct errbuf eb = {0};
	struct agent_sys *s = calloc(1, sizeof *s);
	if (!s)
		return fail(&eb, err_set(&eb, ERR_NOMEM, "out of memory"));
	struct afile *af = NULL;
	rc = agent_sys_read(s, &eb);
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

static const char profile_help[] =
	"usage: " PROG " profile KERNELS.csv|PASSES.csv [--backend auto|openblas|xnnpack]\n"
	"        [--threads 1,2] [--warmup N] [--warmup-ms MS] [--ramp-ms MS] [--min-runs N]\n"
	"        [--max-runs N] [--max-seconds S] [--evict-kb N|auto] [--cpus LIST] [--seed N]\n"
	"        [--spread-max R] [--rounds N] [--inject-jitter LINE] [--quiet] [-o OUT]\n"
	"\n"
	"Times each unique kernel of a kernel list alone, or inside whole passes of a pass list\n"
	"(a `pass` column: adascale profile MODEL --pass-list), for each thread count, into a\n"
	"timings CSV (docs/agent.md).\n"
	"\n"
	"  --backend B         auto (XNNPACK wherever it runs a row, else OpenBLAS for fp32),\n"
	"                      openblas or xnnpack (auto)\n"
	"  --threads LIST      thread counts, like 1,2,4 (1 and the CPUs it may use)\n"
	"  --ramp-ms MS        the first kernel (or pass) warms up at least this long (200)\n"
	"  --spread-max R      a row whose p90/p10 exceeds R, or whose frequency changed, is\n"
	"                      unstable and measured again after the others (1.5)\n"
	"  --rounds N          at most N rounds of measuring unstable rows again (2); rows\n"
	"                      still unstable get unstable = 1\n"
	"  --inject-jitter LINE  kernel lists: the row on LINE of the list sleeps 1 ms in\n"
	"                      every other timed run, on purpose (tests the stability check)\n"
	"  --quiet             no progress line on stderr\n" MEASURE_HELP;

static int cmd_profile(const struct opt_verb *v, int argc, char **argv)
{
	struct agent_profile_opts o;
	agent_profile_defaults(&o);
	const char *out = NULL;
	int quiet = 0;
	const struct measure_args ma = {&o.m, &o.cpus, &o.backend, &out, &o.seed, &o.evict_kb};
	struct opt opts[N_MEASURE_OPTS + 7];
	measure_opts(opts, &ma);
	int jitter_line = 0;
	const struct opt own[] = {
		{.name = "threads", .type = OPT_FN, .dst = &o, .fn = opt_thread_list,
		 .takes = "takes a list of counts in 1..1024 like 1,2,4"},
		{.name = "ramp-ms", .type = OPT_DOUBLE, .dst = &o.ramp_ms, .min = 0, .max = 600000,
		 .takes = "takes a number in 0..600000"},
		{.name = "spread-max", .type = OPT_DOUBLE, .dst = &o.spread_max, .min = 1,
		 .max = 1e6, .takes = "takes a ratio in 1..1000000"},
		{.name = "rounds", .type = OPT_INT, .dst = &o.rounds, .min = 0, .max = 100,
		 .takes = "takes a whole number in 0..100"},
		{.name = "inject-jitter", .type = OPT_INT, .dst = &jitter_line, .min = 1,
		 .max = 0x7fffffff, .takes = "takes a line number of the kernel list"},
		{.name = "quiet", .type = OPT_FLAG, .dst = &quiet},
		{.name = NULL},
	};
	memcpy(opts + N_MEASURE_OPTS, own, sizeof own);
	char *pos[1];
	int n_pos, rc = opt_parse(v, opts, argc, argv, pos, 1, &n_pos);
	if (rc != OPT_OK)
		return parse_exit(rc);
	if (n_pos == 0)
		return opt_usage(v, "which kernel or pass list?");
	if (o.m.max_runs < o.m.min_runs)
		o.m.max_runs = o.m.min_runs;
	o.progress = !quiet;
	o.kernels = pos[0];
	o.jitter_line = jitter_line;
	struct errbuf eb = {0};
	rc = agent_profile(&o, out, &eb);
	return rc < 0 ? fail(&eb, rc) : 0;
}

static const char record_help[] =
	"usage: " PROG " record [--interval-ms N] [--duration-s S] [-o OUT]\n"
	"\n"
	"Samples frequency, load, memory, battery and temperature into a trace CSV, until\n"
	"SIGINT or SIGTERM when no duration is given. Rows are written and flushed one by one,\n"
	"so an interrupted recording ends on a complete row.\n"
	"\n"
	"  --interval-ms N     sampling interval, 10..3600000 (500)\n"
	"  --duration-s S      how long to record, 0 until interrupted (0)\n"
	"  -o, --out OUT       output file (stdout)\n"
	"  -h, --help          this help\n";

static int cmd_record(const struct opt_verb *v, int argc, char **argv)
{
	struct agent_record_opts o;
	agent_record_defaults(&o);
	const char *out = NULL;
	const struct opt opts[] = {
		{.name = "interval-ms", .type = OPT_INT, .dst = &o.interval_ms, .min = 10,
		 .max = 3600000, .takes = "takes a whole number in 10..3600000"},
		{.name = "duration-s", .type = OPT_DOUBLE, .dst = &o.duration_s, .min = 0,
		 .max = 1e7, .takes = "takes a number in 0..10000000"},
		{.name = "out", .short_name = 'o', .type = OPT_STR, .dst = &out},
		{.name = "output", .type = OPT_STR, .dst = &out},
		{.name = NULL},
	};
	int n_pos, rc = opt_parse(v, opts, argc, argv, NULL, 0, &n_pos);
	if (rc != OPT_OK)
		return parse_exit(rc);
	struct errbuf eb = {0};
	rc = agent_record(&o, out, &eb);
	return rc < 0 ? fail(&eb, rc) : 0;
}

static const char run_help[] =
	"usage: " PROG " run SPEC.csv [--backend auto|openblas|xnnpack] [--threads N]\n"
	"        [--dtype fp32|fp16|int8] [--warmup N] [--warmup-ms MS] [--min-runs N]\n"
	"        [--max-runs N] [--max-seconds S] [--evict-kb N|auto] [--cpus LIST] [--seed N]\n"
	"        [-o OUT]\n"
	"\n"
	"A whole model spec layer after layer: the pass time, each layer's share of it and\n"
	"each layer timed alone (docs/agent.md).\n"
	"\n"
	"  --backend B         auto, openblas or xnnpack (auto)\n"
	"  --threads N         threads of every layer, 1..1024 (1)\n"
	"  --dtype D           fp32, fp16 or int8, for a spec without a dtype column (fp32)\n"
	MEASURE_HELP;

static int cmd_run(const struct opt_verb *v, int argc, char **argv)
{
	struct agent_run_opts o;
	agent_run_defaults(&o);
	const char *out = NULL;
	const struct measure_args ma = {&o.m, &o.cpus, &o.backend, &out, &o.seed, &o.evict_kb};
	struct opt opts[N_MEASURE_OPTS + 3];
	measure_opts(opts, &ma);
	const struct opt own[] = {
		{.name = "threads", .type = OPT_INT, .dst = &o.threads, .min = 1, .max = 1024,
		 .takes = "takes a whole number in 1..1024"},
		{.name = "dtype", .type = OPT_FN, .dst = &o.dtype, .fn = opt_dtype,
		 .takes = "takes fp32, fp16 or int8"},
		{.name = NULL},
	};
	memcpy(opts + N_MEASURE_OPTS, own, sizeof own);
	char *pos[1];
	int n_pos, rc = opt_parse(v, opts, argc, argv, pos, 1, &n_pos);
	if (rc != OPT_OK)
		return parse_exit(rc);
	if (n_pos == 0)
		return opt_usage(v, "which model spec?");
	if (o.m.max_runs < o.m.min_runs)
		o.m.max_runs = o.m.min_runs;
	o.spec = pos[0];
	struct errbuf eb = {0};
	rc = agent_run(&o, out, &eb);
	return rc < 0 ? fail(&eb, rc) : 0;
}

static const char calibrate_help[] =
	"usage: " PROG " calibrate [SPEC.csv|PASSES.csv] [--threads 1,2] [--loads 0,0.5,1]\n"
	"        [--period-ms MS] [--load-shape spread|packed] [--gap-ms MS] [--quantiles N]\n"
	"        [--backend auto|openblas|xnnpack]\n"
	"        [--dtype fp32|fp16|int8] [--warmup N] [--warmup-ms MS] [--min-runs N]\n"
	"        [--max-runs N] [--max-seconds S] [--cpus LIST] [--seed N] [--quiet] [-o OUT]\n"
	"\n"
	"How competing load slows whole passes: for each thread count and load level, times\n"
	"whole passes of a model spec (or of each pass of a pass list) while busy threads take\n"
	"that share of every CPU, and writes each pass's slowdown against its idle median as\n"
	"quantiles: a calibration CSV for a device file's `calibration =` (docs/agent.md).\n"
	"The spec defaults to the zoo's MobileNet V1 (" "models/zoo/mobilenet_v1.csv).\n"
	"\n"
	"  --threads LIST      thread counts, like 1,2,4 (1 .. the CPUs it may use)\n"
	"  --loads LIST        load levels (util_other) in 0..1, ascending from 0\n"
	"                      (0,0.25,0.5,0.75,1)\n"
	"  --period-ms MS      a busy thread's period: busy for the level's share of it (5)\n"
	"  --load-shape S      how a load level takes the CPUs: spread (that share of every\n"
	"                      CPU, phases spread) or packed (whole CPUs first) (spread)\n"
	"  --gap-ms MS         idle this long before each timed pass, as a server between\n"
	"                      requests (0: back to back) (0)\n"
	"  --quantiles N       quantile levels written per cell, 0 .. 1 evenly (101)\n"
	"  --backend B         auto, openblas or xnnpack (auto)\n"
	"  --dtype D           fp32, fp16 or int8, for a spec without a dtype column (fp32)\n"
	"  --warmup N          warm-up passes per cell before timing (3)\n"
	"  --warmup-ms MS      and warm up each cell at least this long (50)\n"
	"  --min-runs N        timed passes per pass and cell before the stopping rule (500)\n"
	"  --max-runs N        at most this many (5000)\n"
	"  --max-seconds S     per pass and cell, warm-up included (30)\n"
	"  --cpus LIST         CPUs the whole process (and the busy threads) use (4-7, 0,2)\n"
	"  --seed N            seed of the random inputs and weights (1)\n"
	"  --quiet             no progress lines on stderr\n"
	"  -o, --out OUT       output file, written whole or not at all (stdout)\n"
	"  -h, --help          this help\n";

/* An option parser's answer from a list parser's: 0, or -1 with what follows "--opt: ". */
static int list_answer(int rc, const struct errbuf *eb, char *why, size_t why_len)
{
	if (rc == 0)
		return 0;
	const char *what = strstr(eb->msg, ": ");
	snprintf(why, why_len, "%s", what ? what + 2 : eb->msg);
	return -1;
}

/* --threads of calibrate; dst is a struct agent_calib_opts. */
static int opt_calib_threads(const char *value, void *dst, char *why, size_t why_len)
{
	struct errbuf eb = {0};
	return list_answer(agent_calib_parse_threads(value, dst, &eb), &eb, why, why_len);
}

/* --loads of calibrate; dst is a struct agent_calib_opts. */
static int opt_calib_loads(const char *value, void *dst, char *why, size_t why_len)
{
	struct errbuf eb = {0};
	return list_answer(agent_calib_parse_loads(value, dst, &eb), &eb, why, why_len);
}

/* The command line as one string, for the calibration's metadata. */
static void join_args(int argc, char **argv, char *buf, size_t len)
{
	size_t at = (size_t)snprintf(buf, len, PROG);
	for (int i = 0; i < argc && at < len; i++)
		at += (size_t)snprintf(buf + at, len - at, " %s", argv[i]);
}

static int cmd_calibrate(const struct opt_verb *v, int argc, char **argv)
{
	struct agent_calib_opts o;
	agent_calib_defaults(&o);
	const char *out = NULL, *backend = o.backend;
	int quiet = 0;
	const struct opt opts[] = {
		{.name = "threads", .type = OPT_FN, .dst = &o, .fn = opt_calib_threads,
		 .takes = "takes a list of counts in 1..1024 like 1,2"},
		{.name = "loads", .type = OPT_FN, .dst = &o, .fn = opt_calib_loads,
		 .takes = "takes ascending levels in 0..1 from 0, like 0,0.5,1"},
		{.name = "period-ms", .type = OPT_DOUBLE, .dst = &o.period_ms, .min = 0.1,
		 .max = 1000, .takes = "takes a number in 0.1..1000"},
		{.name = "load-shape", .type = OPT_FN, .dst = &o.shape, .fn = agent_load_shape_opt,
		 .takes = "takes spread or packed"},
		{.name = "gap-ms", .type = OPT_DOUBLE, .dst = &o.gap_ms, .min = 0, .max = 60000,
		 .takes = "takes milliseconds in 0..60000"},
		{.name = "quantiles", .type = OPT_INT, .dst = &o.n_quantiles, .min = 2, .max = 1001,
		 .takes = "takes a whole number in 2..1001"},
		{.name = "backend", .type = OPT_STR, .dst = &backend},
		{.name = "dtype", .type = OPT_FN, .dst = &o.dtype, .fn = opt_dtype,
		 .takes = "takes fp32, fp16 or int8"},
		{.name = "warmup", .type = OPT_INT, .dst = &o.m.warmup, .min = 0, .max = 1000000,
		 .takes = "takes a whole number in 0..1000000"},
		{.name = "warmup-ms", .type = OPT_DOUBLE, .dst = &o.m.warmup_ms, .min = 0,
		 .max = 600000, .takes = "takes a number in 0..600000"},
		{.name = "min-runs", .type = OPT_INT, .dst = &o.m.min_runs, .min = 1,
		 .max = 10000000, .takes = "takes a whole number in 1..10000000"},
		{.name = "max-runs", .type = OPT_INT, .dst = &o.m.max_runs, .min = 1,
		 .max = 10000000, .takes = "takes a whole number in 1..10000000"},
		{.name = "max-seconds", .type = OPT_DOUBLE, .dst = &o.m.max_seconds, .min = 0.001,
		 .max = 86400, .takes = "takes a number in 0.001..86400"},
		{.name = "cpus", .type = OPT_STR, .dst = &o.cpus},
		{.name = "seed", .type = OPT_FN, .dst = &o.seed, .fn = opt_seed,
		 .takes = "takes a whole number in 0..2147483647"},
		{.name = "quiet", .type = OPT_FLAG, .dst = &quiet},
		{.name = "out", .short_name = 'o', .type = OPT_STR, .dst = &out},
		{.name = "output", .type = OPT_STR, .dst = &out},
		{.name = NULL},
	};
	char *pos[1];
	int n_pos, rc = opt_parse(v, opts, argc, argv, pos, 1, &n_pos);
	if (rc != OPT_OK)
		return parse_exit(rc);
	if (n_pos == 1)
		o.spec = pos[0];
	if (o.m.max_runs < o.m.min_runs)
		o.m.max_runs = o.m.min_runs;
	o.backend = backend;
	o.progress = !quiet;
	char command[2048];
	join_args(argc, argv, command, sizeof command);
	o.command = command;
	struct errbuf eb = {0};
	rc = agent_calib(&o, out, &eb);
	return rc < 0 ? fail(&eb, rc) : 0;
}

static const char cadence_help[] =
	"usage: " PROG " cadence [PASSES.csv|SPEC.csv] [--threads 1,2] [--gaps 0,10,100]\n"
	"        [--loads 0,0.5,0.9] [--load-shape spread|packed] [--rounds N] [--warmup N]\n"
	"        [--quantiles N] [--backend auto|openblas|xnnpack]\n"
	"        [--dtype fp32|fp16|int8] [--seed N] [--quiet] [-o OUT]\n"
	"\n"
	"What the idle gap before a pass costs: for each thread count and each pass of a pass\n"
	"list (or the one spec), runs passes as serve runs them (an inference thread woken for\n"
	"each) after each idle gap, in rounds, and writes the quantiles of a pass's time (from\n"
	"the wake to its end) after each gap: a cadence CSV for a device file's `cadence =`\n"
	"(docs/agent.md). Gap 0 is back to back. With --loads, again under each competing load\n"
	"(busy threads on every CPU, as calibrate's). The spec defaults to the zoo's MobileNet\n"
	"V1. Needs the machine otherwise idle.\n"
	"\n"
	"  --threads LIST      thread counts, like 1,2,4 (1 .. the CPUs it may use)\n"
	"  --gaps LIST         idle gaps in ms, ascending from 0 (0,2,5,10,20,50,100,200,500)\n"
	"  --loads LIST        util_other levels, ascending from 0 (0: idle only)\n"
	"  --load-shape S      how a load level takes the CPUs: spread (that share of every\n"
	"                      CPU, phases spread) or packed (whole CPUs first) (spread)\n"
	"  --rounds N          passes timed after each gap (40)\n"
	"  --warmup N          passes back to back before the rounds, per pass (5)\n"
	"  --quantiles N       quantile levels written per cell, 0 .. 1 evenly (21)\n"
	"  --backend B         auto, openblas or xnnpack (auto)\n"
	"  --dtype D           fp32, fp16 or int8, for a spec without a dtype column (fp32)\n"
	"  --seed N            seed of the random inputs and weights (1)\n"
	"  --quiet             no progress lines on stderr\n"
	"  -o, --out OUT       output file, written whole or not at all (stdout)\n"
	"  -h, --help          this help\n";

/* --threads of cadence; dst is a struct agent_cadence_opts. */
static int opt_cadence_threads(const char *value, void *dst, char *why, size_t why_len)
{
	struct agent_calib_opts c;
	struct agent_cadence_opts *o = dst;
	struct errbuf eb = {0};
	if (list_answer(agent_calib_parse_threads(value, &c, &eb), &eb, why, why_len) < 0)
		return -1;
	o->n_threads = c.n_threads < AGENT_CADENCE_MAX_THREADS ? c.n_threads
							       : AGENT_CADENCE_MAX_THREADS;
	memcpy(o->threads, c.threads, (size_t)o->n_threads * sizeof o->threads[0]);
	return 0;
}

/* --gaps of cadence; dst is a struct agent_cadence_opts. */
static int opt_cadence_gaps(const char *value, void *dst, char *why, size_t why_len)
{
	struct errbuf eb = {0};
	return list_answer(agent_cadence_parse_gaps(value, dst, &eb), &eb, why, why_len);
}

/* --loads of cadence; dst is a struct agent_cadence_opts. */
static int opt_cadence_loads(const char *value, void *dst, char *why, size_t why_len)
{
	struct errbuf eb = {0};
	return list_answer(agent_cadence_parse_loads(value, dst, &eb), &eb, why, why_len);
}

static int cmd_cadence(const struct opt_verb *v, int argc, char **argv)
{
	struct agent_cadence_opts o;
	agent_cadence_defaults(&o);
	const char *out = NULL, *backend = o.backend;
	int quiet = 0;
	const struct opt opts[] = {
		{.name = "threads", .type = OPT_FN, .dst = &o, .fn = opt_cadence_threads,
		 .takes = "takes a list of counts in 1..1024 like 1,2"},
		{.name = "gaps", .type = OPT_FN, .dst = &o, .fn = opt_cadence_gaps,
		 .takes = "takes ascending gaps in ms from 0, like 0,10,100"},
		{.name = "loads", .type = OPT_FN, .dst = &o, .fn = opt_cadence_loads,
		 .takes = "takes ascending util_other levels from 0, like 0,0.5,0.9"},
		{.name = "load-shape", .type = OPT_FN, .dst = &o.shape, .fn = agent_load_shape_opt,
		 .takes = "takes spread or packed"},
		{.name = "rounds", .type = OPT_INT, .dst = &o.rounds, .min = 1, .max = 100000,
		 .takes = "takes a whole number in 1..100000"},
		{.name = "warmup", .type = OPT_INT, .dst = &o.warmup, .min = 0, .max = 100000,
		 .takes = "takes a whole number in 0..100000"},
		{.name = "quantiles", .type = OPT_INT, .dst = &o.n_quantiles, .min = 2, .max = 1001,
		 .takes = "takes a whole number in 2..1001"},
		{.name = "backend", .type = OPT_STR, .dst = &backend},
		{.name = "dtype", .type = OPT_FN, .dst = &o.dtype, .fn = opt_dtype,
		 .takes = "takes fp32, fp16 or int8"},
		{.name = "seed", .type = OPT_FN, .dst = &o.seed, .fn = opt_seed,
		 .takes = "takes a whole number in 0..2147483647"},
		{.name = "quiet", .type = OPT_FLAG, .dst = &quiet},
		{.name = "out", .short_name = 'o', .type = OPT_STR, .dst = &out},
		{.name = "output", .type = OPT_STR, .dst = &out},
		{.name = NULL},
	};
	char *pos[1];
	int n_pos, rc = opt_parse(v, opts, argc, argv, pos, 1, &n_pos);
	if (rc != OPT_OK)
		return parse_exit(rc);
	if (n_pos == 1)
		o.spec = pos[0];
	o.backend = backend;
	o.progress = !quiet;
	char command[2048];
	join_args(argc, argv, command, sizeof command);
	o.command = command;
	struct errbuf eb = {0};
	rc = agent_cadence(&o, out, &eb);
	return rc < 0 ? fail(&eb, rc) : 0;
}

static const char sense_help[] =
	"usage: " PROG " sense [--periods 20,50,100] [--steps N] [--quiet] [-o OUT]\n"
	"\n"
	"How a policy on this machine senses the state: for each sampling period, load steps on\n"
	"every CPU (idle, then busy) read from /proc/stat once a period, at a phase of the\n"
	"sampling clock that moves from step to step. Writes, per period, how much later than the\n"
	"windowed mean of the true load the readings follow a step (delay_ms) and the spread of\n"
	"single readings at steady idle and steady load (util_noise_sd): a device file's\n"
	"[sensing] (docs/agent.md). Needs the machine otherwise idle.\n"
	"\n"
	"  --periods LIST      sampling periods in ms (20,50,100)\n"
	"  --steps N           load steps per period (8)\n"
	"  --quiet             no progress lines on stderr\n"
	"  -o, --out OUT       output file, written whole or not at all (stdout)\n"
	"  -h, --help          this help\n";

/* --periods of sense; dst is a struct agent_sense_opts. */
static int opt_sense_periods(const char *value, void *dst, char *why, size_t why_len)
{
	struct errbuf eb = {0};
	return list_answer(agent_sense_parse_periods(value, dst, &eb), &eb, why, why_len);
}

static int cmd_sense(const struct opt_verb *v, int argc, char **argv)
{
	struct agent_sense_opts o;
	agent_sense_defaults(&o);
	const char *out = NULL;
	int quiet = 0;
	const struct opt opts[] = {
		{.name = "periods", .type = OPT_FN, .dst = &o, .fn = opt_sense_periods,
		 .takes = "takes periods in ms like 20,50,100"},
		{.name = "steps", .type = OPT_INT, .dst = &o.steps, .min = 1, .max = 1000,
		 .takes = "takes a whole number in 1..1000"},
		{.name = "quiet", .type = OPT_FLAG, .dst = &quiet},
		{.name = "out", .short_name = 'o', .type = OPT_STR, .dst = &out},
		{.name = NULL},
	};
	int n_pos, rc = opt_parse(v, opts, argc, argv, NULL, 0, &n_pos);
	if (rc != OPT_OK)
		return parse_exit(rc);
	o.progress = !quiet;
	char command[2048];
	join_args(argc, argv, command, sizeof command);
	o.command = command;
	struct errbuf eb = {0};
	rc = agent_sense(&o, out, &eb);
	return rc < 0 ? fail(&eb, rc) : 0;
}

static const char serve_help[] =
	"usage: " PROG " serve --trace TRACE.csv --device DEV.ini -o SERVED.csv [--model M]\n"
	"        [--ops OPS] [--timings T.csv] [--policy P] [--workload W] [--deadline-ms MS|auto:F]\n"
	"        [--queue N] [--drop newest|oldest] [--seed N] [--duration-s S] [--ignore COLS]\n"
	"        [--sensed SENSED.csv] [--sense-ms MS] [--cpus LIST] [--mem-margin-mb MB]\n"
	"        [--load-period-ms MS] [--load-shape spread|packed] [--backend B]\n"
	"        [--keep-built N]\n"
	"\n"
	"The adaptation loop for real: requests arrive in real time as adascale run --workload\n"
	"gives them, a policy (built-in or plugin) picks a variant and thread count from the\n"
	"state sensed in /proc and /sys, and each request runs that variant's whole pass with\n"
	"the real kernels; the trace's util_other, mem_avail_mb and freq_mhz are applied by a\n"
	"child process. One row per request (docs/formats.md#served-runs, docs/agent.md).\n"
	"\n"
	"  --trace TRACE.csv   the device-state trace walked in real time (required)\n"
	"  --device DEV.ini    the device whose timings predict (required)\n"
	"  -o, --out FILE      the served file, written whole at the end (required)\n"
	"  --model M           zoo name or spec path (mobilenet_v1)\n"
	"  --ops OPS           operator lists, as adascale run --ops (the model's ladder)\n"
	"  --timings T.csv     timings (the device's)\n"
	"  --policy P          NAME[:PARAMS] or plugin.so[:NAME][:PARAMS] (greedy)\n"
	"  --workload W        periodic:fps=F, poisson:rate=R or file:PATH (periodic:fps=30)\n"
	"  --deadline-ms D     milliseconds, or auto:F as adascale run resolves it (100)\n"
	"  --queue N           queue capacity, 1..1000000 (4)\n"
	"  --drop R            newest or oldest: which request a full queue drops (newest)\n"
	"  --seed N            the arrivals' and the policy's random streams (1)\n"
	"  --duration-s S      how long requests arrive, 0: until the trace's last row (0)\n"
	"  --ignore COLS       trace columns not applied (comma-separated), e.g. temp_c,online\n"
	"  --sensed FILE       also write what the policy saw, as a trace\n"
	"  --sense-ms MS       sensing period, 1..10000 (100)\n"
	"  --cpus LIST         the CPUs the competing load runs on (every CPU the agent may use)\n"
	"  --mem-margin-mb MB  MemAvailable is never taken below this (256)\n"
	"  --load-period-ms MS the competing load's duty-cycle period, 0.1..1000 (5)\n"
	"  --load-shape S      how a load level takes the CPUs: spread (that share of every\n"
	"                      CPU, phases spread) or packed (whole CPUs first) (spread)\n"
	"  --backend B         auto, openblas or xnnpack (auto)\n"
	"  --keep-built N      passes kept built, per (variant, threads), 1..64 (4)\n"
	"  -h, --help          this help\n";

static volatile sig_atomic_t serve_stop;

static void on_serve_signal(int sig) { serve_stop = sig; }

/* --deadline-ms: milliseconds or auto:F; dst is a struct serve_opts. */
static int opt_serve_deadline(const char *value, void *dst, char *why, size_t why_len)
{
	struct serve_opts *o = dst;
	return workload_deadline_parse(value, &o->deadline_ms, &o->deadline_auto, why, why_len);
}

/* --drop: newest or oldest; dst is an int. */
static int opt_drop(const char *value, void *dst, char *why, size_t why_len)
{
	(void)why;
	(void)why_len;
	if (strcmp(value, "newest") != 0 && strcmp(value, "oldest") != 0)
		return -1;
	*(int *)dst = strcmp(value, "oldest") == 0;
	return 0;
}

static int cmd_serve(const struct opt_verb *v, int argc, char **argv)
{
	struct serve_opts o;
	serve_defaults(&o);
	o.model = "mobilenet_v1";
	const struct opt opts[] = {
		{.name = "trace", .type = OPT_STR, .dst = &o.trace},
		{.name = "device", .type = OPT_STR, .dst = &o.device},
		{.name = "out", .short_name = 'o', .type = OPT_STR, .dst = &o.out},
		{.name = "model", .type = OPT_STR, .dst = &o.model},
		{.name = "ops", .type = OPT_STR, .dst = &o.ops},
		{.name = "timings", .type = OPT_STR, .dst = &o.timings},
		{.name = "policy", .type = OPT_STR, .dst = &o.policy},
		{.name = "workload", .type = OPT_STR, .dst = &o.workload},
		{.name = "deadline-ms", .type = OPT_FN, .dst = &o, .fn = opt_serve_deadline,
		 .takes = "takes milliseconds in (0, 1e9] or auto:F"},
		{.name = "queue", .type = OPT_INT, .dst = &o.queue_cap, .min = 1, .max = 1000000,
		 .takes = "takes a whole number in 1..1000000"},
		{.name = "drop", .type = OPT_FN, .dst = &o.drop_oldest, .fn = opt_drop,
		 .takes = "takes newest or oldest"},
		{.name = "seed", .type = OPT_FN, .dst = &o.seed, .fn = opt_seed,
		 .takes = "takes a whole number in 0..2147483647"},
		{.name = "duration-s", .type = OPT_DOUBLE, .dst = &o.duration_s, .min = 0,
		 .max = 1e7, .takes = "takes a number in 0..10000000"},
		{.name = "ignore", .type = OPT_STR, .dst = &o.ignore},
		{.name = "sensed", .type = OPT_STR, .dst = &o.sensed},
		{.name = "sense-ms", .type = OPT_DOUBLE, .dst = &o.sense_ms, .min = 1, .max = 10000,
		 .takes = "takes a number in 1..10000"},
		{.name = "cpus", .type = OPT_STR, .dst = &o.cpus},
		{.name = "mem-margin-mb", .type = OPT_DOUBLE, .dst = &o.mem_margin_mb, .min = 0,
		 .max = 1e7, .takes = "takes a number in 0..10000000"},
		{.name = "load-period-ms", .type = OPT_DOUBLE, .dst = &o.load_period_ms, .min = 0.1,
		 .max = 1000, .takes = "takes a number in 0.1..1000"},
		{.name = "load-shape", .type = OPT_FN, .dst = &o.load_shape, .fn = agent_load_shape_opt,
		 .takes = "takes spread or packed"},
		{.name = "backend", .type = OPT_STR, .dst = &o.backend},
		{.name = "keep-built", .type = OPT_INT, .dst = &o.keep_built, .min = 1, .max = 64,
		 .takes = "takes a whole number in 1..64"},
		{.name = NULL},
	};
	int n_pos, rc = opt_parse(v, opts, argc, argv, NULL, 0, &n_pos);
	if (rc != OPT_OK)
		return parse_exit(rc);
	struct errbuf eb = {0};
	struct workload_spec ws;
	if (!o.trace || !o.device || !o.out) {
		fprintf(stderr, PROG " serve: --trace, --device and -o are required (" PROG
				" serve --help)\n");
		return err_exit_status(ERR_USAGE);
	}
	if (workload_parse(o.workload, &ws, &eb) < 0)
		return fail(&eb, ERR_USAGE);
	char command[4096];
	join_args(argc, argv, command, sizeof command);
	o.command = command;
	o.stop = &serve_stop;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_serve_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	rc = serve_run(&o, &eb);
	return rc < 0 ? fail(&eb, rc) : 0;
}

static const char switchcost_help[] =
	"usage: " PROG " switchcost PASSES.csv [--threads 1,2] [--reps N] [--dir DIR]\n"
	"        [--backend auto|openblas|xnnpack] [--cpus LIST] [--seed N] [--quiet] [-o OUT]\n"
	"\n"
	"What bringing each variant of a pass list up costs: reading its weights with a cold\n"
	"page cache (a file of its weight bytes, dropped from the cache with\n"
	"posix_fadvise(POSIX_FADV_DONTNEED) before each read) and building its operators at\n"
	"each thread count: a switch-cost CSV for a device file's `switch_costs =`\n"
	"(docs/agent.md).\n"
	"\n"
	"  --threads LIST      thread counts, like 1,2,4 (1 and the CPUs it may use)\n"
	"  --reps N            measurements of each read and build; medians written (5)\n"
	"  --dir DIR           where the weight files are written, on the storage the\n"
	"                      variants would load from (the output's folder)\n"
	"  --backend B         auto, openblas or xnnpack (auto)\n"
	"  --cpus LIST         CPUs the whole process is moved to (4-7, 0,2)\n"
	"  --seed N            seed of the weights (1)\n"
	"  --quiet             no progress lines on stderr\n"
	"  -o, --out OUT       output file, written whole or not at all (stdout)\n"
	"  -h, --help          this help\n";

/* --threads of switchcost; dst is a struct agent_switch_opts. */
static int opt_switch_threads(const char *value, void *dst, char *why, size_t why_len)
{
	struct agent_profile_opts po;
	agent_profile_defaults(&po);
	if (opt_thread_list(value, &po, why, why_len) < 0)
		return -1;
	struct agent_switch_opts *o = dst;
	o->n_threads = po.n_threads;
	memcpy(o->threads, po.threads, sizeof o->threads);
	return 0;
}

static int cmd_switchcost(const struct opt_verb *v, int argc, char **argv)
{
	struct agent_switch_opts o;
	agent_switch_defaults(&o);
	const char *out = NULL;
	int quiet = 0;
	const struct opt opts[] = {
		{.name = "threads", .type = OPT_FN, .dst = &o, .fn = opt_switch_threads,
		 .takes = "takes a list of counts in 1..1024 like 1,2,4"},
		{.name = "reps", .type = OPT_INT, .dst = &o.reps, .min = 1, .max = 1000,
		 .takes = "takes a whole number in 1..1000"},
		{.name = "dir", .type = OPT_STR, .dst = &o.dir},
		{.name = "backend", .type = OPT_STR, .dst = &o.backend},
		{.name = "cpus", .type = OPT_STR, .dst = &o.cpus},
		{.name = "seed", .type = OPT_FN, .dst = &o.seed, .fn = opt_seed,
		 .takes = "takes a whole number in 0..2147483647"},
		{.name = "quiet", .type = OPT_FLAG, .dst = &quiet},
		{.name = "out", .short_name = 'o', .type = OPT_STR, .dst = &out},
		{.name = "output", .type = OPT_STR, .dst = &out},
		{.name = NULL},
	};
	char *pos[1];
	int n_pos, rc = opt_parse(v, opts, argc, argv, pos, 1, &n_pos);
	if (rc != OPT_OK)
		return parse_exit(rc);
	if (n_pos == 0)
		return opt_usage(v, "which pass list?");
	o.spec = pos[0];
	o.progress = !quiet;
	char command[2048];
	join_args(argc, argv, command, sizeof command);
	o.command = command;
	struct errbuf eb = {0};
	rc = agent_switch(&o, out, &eb);
	return rc < 0 ? fail(&eb, rc) : 0;
}

/* ---- the table of verbs ---- */

typedef int (*verb_fn)(const struct opt_verb *v, int argc, char **argv);

struct verb {
	const char *name;
	verb_fn fn;
	const char *summary; /* one line for `adascale-agent --help` */
	const char *help;    /* the verb's --help */
};

static const struct verb verbs[] = {
	{"cadence", cmd_cadence, "what the idle gap before a pass costs, per thread count: "
				 "pass-time quantiles after each gap", cadence_help},
	{"calibrate", cmd_calibrate, "how competing load slows whole passes, per thread count: "
				     "slowdown quantiles", calibrate_help},
	{"info", cmd_info, "this machine (CPU, clusters, frequencies, memory) as a device INI "
			   "skeleton", info_help},
	{"load", agent_cmd_load, "hold busy threads and memory pressure at given levels", agent_load_help},
	{"profile", cmd_profile, "time each kernel of a kernel list alone, or inside the passes "
				 "of a pass list", profile_help},
	{"record", cmd_record, "sample frequency, load, memory, battery and temperature into a "
			       "trace", record_help},
	{"run", cmd_run, "a model spec layer after layer: the pass time, each layer in it and "
			 "alone", run_help},
	{"sense", cmd_sense, "how late and how noisy /proc/stat shows a load step, per sampling "
			     "period: a device's [sensing]", sense_help},
	{"serve", cmd_serve, "the adaptation loop for real: a policy, real inference, load and "
			     "memory from a trace", serve_help},
	{"switchcost", cmd_switchcost, "what bringing each variant up costs: cold weight read "
				       "and operator build", switchcost_help},
};

#define N_VERBS (int)(sizeof verbs / sizeof verbs[0])

static const struct verb *find_verb(const char *name)
{
	for (int i = 0; i < N_VERBS; i++)
		if (strcmp(verbs[i].name, name) == 0)
			return &verbs[i];
	return NULL;
}

/* "cadence, calibrate, info, load, profile, record, run, sense, serve, switchcost" */
static void verb_names(char *buf, size_t len)
{
	buf[0] = '\0';
	for (int i = 0; i < N_VERBS; i++) {
		size_t at = strlen(buf);
		snprintf(buf + at, len - at, "%s%s", i ? ", " : "", verbs[i].name);
	}
}

static void print_help(void)
{
	printf("usage: " PROG " VERB [options]\n\n");
	for (int i = 0; i < N_VERBS; i++)
		printf("  %-10s %s\n", verbs[i].name, verbs[i].summary);
	printf("\n" PROG " VERB --help gives a verb's options; " PROG " --version its version.\n");
}

static int top_usage(const char *what, const char *arg)
{
	char names[128];
	verb_names(names, sizeof names);
	if (arg)
		fprintf(stderr, PROG ": %s '%s' (%s)\n", what, arg, names);
	else
		fprintf(stderr, PROG ": %s (%s)\n", what, names);
	fprintf(stderr, "(" PROG " --help lists the verbs)\n");
	return err_exit_status(ERR_USAGE);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return top_usage("which verb?", NULL);
	const char *name = argv[1];
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
		if (argc > 2 && find_verb(argv[2])) {
			fputs(find_verb(argv[2])->help, stdout);
			return 0;
		}
		print_help();
		return 0;
	}
	if (strcmp(name, "--version") == 0) {
		printf(PROG " %s\n", ADASCALE_VERSION);
		return 0;
	}
	const struct verb *vb = find_verb(name);
	if (!vb)
		return top_usage("unknown verb", name);
	const struct opt_verb v = {PROG, vb->name, vb->help};
	/* the verb's options start after it: argv[0] of the verb is its name */
	return vb->fn(&v, argc - 1, argv + 1);
}

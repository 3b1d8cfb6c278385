/*
 * validate.c: `adascale validate`: a real served run (a served file, or `adascale-agent
 * serve` run here) set beside its simulation with the same trace, device, timings, model,
 * policy, arrivals, deadline and seed; both stored with one tag, and the side-by-side table
 * written. Not for reading served files (sim/served.c) nor for the table (reports/validation.c).
 */
#include "cmd.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "afile.h"
#include "aload.h"
#include "calib.h"
#include "contain.h"
#include "device.h"
#include "opt.h"
#include "run.h"
#include "served.h"
#include "sha256.h"
#include "store.h"
#include "validation.h"

static const char help[] =
	"usage: adascale validate --db FILE [--tag T] [-o FILE.md] [--csv FILE.csv]\n"
	"                         (--served SERVED.csv [--trace F] [--device F] [--timings F]\n"
	"                          | --trace F --device F [--timings F] --model M [--ops ...]\n"
	"                            --policy P [--workload W] [--deadline-ms MS] [--seed N]\n"
	"                            [--duration-s S] [--queue N] [--drop newest|oldest]\n"
	"                            [--ignore COLUMNS] [--load-shape spread|packed]\n"
	"                            [--served-out FILE])\n"
	"Sets a real run beside its simulation. With --served, the served file (written by\n"
	"adascale-agent serve on a device) is the real run; --trace, --device and --timings\n"
	"then say where those files are here when the device had them elsewhere (their SHA-256\n"
	"must be the served run's). Without it, adascale-agent serve (from this program's\n"
	"folder) serves here with the arguments given, writing --served-out (default\n"
	"DB.TAG.served.csv); --ignore names trace columns serve cannot apply (the simulation\n"
	"still applies them: better a trace without them); its competing load takes the\n"
	"CPUs in --load-shape, by default the shape the device's calibration was measured in\n"
	"(spread when it has none), so that both worlds read util_other alike. The real run is\n"
	"stored (world 'real'), then simulated with the same trace, device, timings, model,\n"
	"policy, deadline, queue and seed, its arrivals taken from the served file (a file:\n"
	"workload written to DB.SHA.arrivals.csv, service=meas: work drawn from the measured\n"
	"spread, the cadence's where the device has one), and stored with the same tag (default 'validate'). Prints latency\n"
	"p50/p95/p99, miss rate, switches, mean and on-time top-1 side by side with the error\n"
	"of the simulation (percent, or points for rates) and the targets of\n"
	"docs/validation.md, as Markdown (stdout and -o) and CSV (--csv).\n";

struct args {
	const char *db, *tag, *md, *csv, *served, *served_out, *ignore, *load_shape;
	struct run_config c;
	const char *deadline_text;
	int have_seed, have_deadline;
	double duration_s;
};

/* The path of adascale-agent beside this program. */
static int agent_path(char *out, size_t len, struct errbuf *eb)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n < 0)
		return err_set(eb, ERR_IO, "cannot find this program's folder: %s", strerror(errno));
	self[n] = '\0';
	if (snprintf(out, len, "%s/adascale-agent", dirname(self)) >= (int)len)
		return err_set(eb, ERR_IO, "the agent's path is too long");
	if (access(out, X_OK) != 0)
		return err_set(eb, ERR_NOTFOUND, "%s: %s (build it with make)", out, strerror(errno));
	return 0;
}

/* The agent's command line: words copied into one pool (execv takes char *). */
struct argv_pool {
	char *argv[48];
	int n;
	char pool[32768];
	size_t used;
};

static void arg(struct argv_pool *p, const char *word)
{
	size_t len = strlen(word) + 1;
	if (p->n + 1 >= (int)(sizeof p->argv / sizeof p->argv[0]) || p->used + len > sizeof p->pool)
		return; /* cannot happen with the options below; the agent would say what is missing */
	memcpy(p->pool + p->used, word, len);
	p->argv[p->n++] = p->pool + p->used;
	p->argv[p->n] = NULL;
	p->used += len;
}

static void opt_arg(struct argv_pool *p, const char *name, const char *value)
{
	if (value) {
		arg(p, name);
		arg(p, value);
	}
}

/*
 * The load shapes the device's calibration and cadence were measured in ("" for one it
 * does not have, or when the device does not load: the run then says why).
 */
static void device_shapes(const char *device, char calib[8], char cad[8])
{
	struct device *d = NULL;
	struct errbuf eb = {0};
	calib[0] = cad[0] = '\0';
	if (!device || device_load(device, &d, &eb) < 0)
		return;
	if (d->calib)
		snprintf(calib, 8, "%s", d->calib->load_shape);
	if (d->cad)
		snprintf(cad, 8, "%s", d->cad->load_shape);
	device_destroy(d);
}

/* Runs adascale-agent serve with the run's arguments, writing out_path. */
static int serve_here(const struct args *a, const char *out_path, struct errbuf *eb)
{
	char shape_calib[8], shape_cad[8];
	device_shapes(a->c.device, shape_calib, shape_cad);
	const char *shape = a->load_shape ? a->load_shape
			    : shape_calib[0] ? shape_calib
			    : shape_cad[0]   ? shape_cad
					     : "spread";
	char agent[PATH_MAX], seed[32], dur[64];
	int rc = agent_path(agent, sizeof agent, eb);
	if (rc < 0)
		return rc;
	static struct argv_pool p;
	p.n = 0;
	p.used = 0;
	arg(&p, agent);
	arg(&p, "serve");
	opt_arg(&p, "--trace", a->c.trace);
	opt_arg(&p, "--device", a->c.device);
	opt_arg(&p, "--timings", a->c.timings);
	opt_arg(&p, "--model", a->c.model);
	opt_arg(&p, "--ops", a->c.ops);
	opt_arg(&p, "--policy", a->c.policy);
	opt_arg(&p, "--workload", a->c.workload);
	opt_arg(&p, "--deadline-ms", a->deadline_text);
	snprintf(seed, sizeof seed, "%llu", (unsigned long long)a->c.seed);
	opt_arg(&p, "--seed", seed);
	if (a->duration_s > 0) {
		snprintf(dur, sizeof dur, "%.17g", a->duration_s);
		opt_arg(&p, "--duration-s", dur);
	}
	char queue[32];
	snprintf(queue, sizeof queue, "%d", a->c.queue_cap);
	opt_arg(&p, "--queue", queue);
	opt_arg(&p, "--drop", a->c.drop_oldest ? "oldest" : "newest");
	opt_arg(&p, "--ignore", a->ignore);
	opt_arg(&p, "--load-shape", shape);
	opt_arg(&p, "-o", out_path);
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return err_set(eb, ERR_IO, "fork: %s", strerror(errno));
	if (pid == 0) {
		execv(agent, p.argv);
		fprintf(stderr, "adascale: %s: %s\n", agent, strerror(errno));
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return err_set(eb, ERR_IO, "waiting for %s: %s", agent, strerror(errno));
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return err_set(eb, ERR_IO, "%s serve failed (%s %d): nothing was stored", agent,
			       WIFEXITED(st) ? "exit status" : "signal",
			       WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	return 0;
}

/*
 * Says on standard error when the served run's load took the CPUs in another shape than the
 * one the device's calibration or cadence was measured in: the simulation then reads each
 * load level as the other shape. Nothing when the device does not load (the run says why).
 */
static void check_load_shape(const struct served *sv, const char *device)
{
	char shape[2][8];
	const char *what[2] = {"calibration", "cadence"};
	if (!sv->load_shape[0])
		return;
	device_shapes(device, shape[0], shape[1]);
	for (int i = 0; i < 2; i++)
		if (shape[i][0] && strcmp(shape[i], sv->load_shape) != 0)
			fprintf(stderr, "adascale validate: the served run's load was %s, the "
				"device's %s was measured %s: the simulation reads each load level "
				"in the other shape; measure the device with the served run's "
				"(--load-shape)\n", sv->load_shape, what[i], shape[i]);
}

/* A local file given for one the served run used: its SHA-256 must be the served one's. */
static int same_file(const char *what, const char *path, const char *want, struct errbuf *eb)
{
	char hex[65];
	if (sha256_file(path, hex) < 0)
		return err_set(eb, ERR_IO, "%s: cannot read it: %s", path, strerror(errno));
	if (strcmp(hex, want) != 0)
		return err_set(eb, ERR_USAGE, "%s: SHA-256 %.12s... is not the served run's %s "
			       "(%.12s...): another file than the one served with", path, hex, what,
			       want);
	return 0;
}

/* Writes the arrivals of sv to path, whole. */
static int write_arrivals(const struct served *sv, const char *path, struct errbuf *eb)
{
	struct afile *f = afile_create(path, eb);
	if (!f)
		return eb->code;
	int rc = served_write_arrivals(sv, afile_stream(f), eb);
	if (rc == 0)
		rc = afile_commit(f, eb);
	afile_destroy(f);
	return rc;
}

static int write_table(const char *db, int64_t sim_id, int64_t real_id, const char *path,
		       int csv, struct errbuf *eb)
{
	struct afile *f = afile_create(path, eb);
	if (!f)
		return eb->code;
	int rc = validation_write(db, sim_id, real_id, csv ? NULL : afile_stream(f),
				  csv ? afile_stream(f) : NULL, eb);
	if (rc == 0)
		rc = afile_commit(f, eb);
	afile_destroy(f);
	return rc;
}

static int parse_deadline(const char *v, void *dst, char *why, size_t n)
{
	struct args *a = dst;
	a->deadline_text = v;
	a->have_deadline = 1;
	return run_deadline_parse(v, &a->c.deadline_ms, &a->c.deadline_auto, why, n);
}

/* --load-shape: kept as the word, which goes on to serve's command line as given */
static int parse_shape(const char *v, void *dst, char *why, size_t n)
{
	enum agent_load_shape shape;
	if (agent_load_shape_opt(v, &shape, why, n) < 0)
		return -1;
	*(const char **)dst = v;
	return 0;
}

static int parse_drop(const char *v, void *dst, char *why, size_t n)
{
	(void)why;
	(void)n;
	if (strcmp(v, "newest") && strcmp(v, "oldest"))
		return -1;
	*(int *)dst = v[0] == 'o';
	return 0;
}

int cmd_validate(int argc, char **argv)
{
	static const struct opt_verb v = {"adascale", "validate", help};
	struct args a;
	memset(&a, 0, sizeof a);
	run_config_defaults(&a.c);
	a.c.policy = NULL;
	a.c.workload = NULL;
	a.tag = "validate";
	const struct opt opts[] = {
		{.name = "db", .type = OPT_STR, .dst = &a.db},
		{.name = "tag", .type = OPT_STR, .dst = &a.tag},
		{.name = "out", .short_name = 'o', .type = OPT_STR, .dst = &a.md},
		{.name = "csv", .type = OPT_STR, .dst = &a.csv},
		{.name = "served", .type = OPT_STR, .dst = &a.served},
		{.name = "served-out", .type = OPT_STR, .dst = &a.served_out},
		{.name = "ignore", .type = OPT_STR, .dst = &a.ignore},
		{.name = "load-shape", .type = OPT_FN, .dst = &a.load_shape, .fn = parse_shape,
		 .takes = "takes spread or packed"},
		{.name = "trace", .short_name = 't', .type = OPT_STR, .dst = &a.c.trace},
		{.name = "device", .short_name = 'd', .type = OPT_STR, .dst = &a.c.device},
		{.name = "timings", .type = OPT_STR, .dst = &a.c.timings},
		{.name = "model", .short_name = 'm', .type = OPT_STR, .dst = &a.c.model},
		{.name = "ops", .type = OPT_STR, .dst = &a.c.ops},
		{.name = "policy", .short_name = 'p', .type = OPT_STR, .dst = &a.c.policy},
		{.name = "workload", .short_name = 'w', .type = OPT_STR, .dst = &a.c.workload},
		{.name = "deadline-ms", .type = OPT_FN, .dst = &a, .fn = parse_deadline,
		 .takes = "takes milliseconds or auto:F"},
		{.name = "seed", .short_name = 's', .type = OPT_U64, .dst = &a.c.seed,
		 .takes = "takes a non-negative integer"},
		{.name = "duration-s", .type = OPT_DOUBLE, .dst = &a.duration_s, .min = 0,
		 .max = 1e7, .takes = "takes seconds in [0, 1e7]"},
		{.name = "queue", .type = OPT_INT, .dst = &a.c.queue_cap, .min = 1, .max = 1000000,
		 .takes = "takes a count in 1..1000000"},
		{.name = "drop", .type = OPT_FN, .dst = &a.c.drop_oldest, .fn = parse_drop,
		 .takes = "takes newest or oldest"},
		{0}};
	int n_pos, rc = opt_parse(&v, opts, argc, argv, NULL, 0, &n_pos);
	if (rc != OPT_OK)
		return opt_status(rc);
	if (!a.db)
		return opt_usage(&v, "--db is required");
	if (a.served && (a.c.model || a.c.ops || a.c.policy || a.c.workload || a.have_deadline ||
			 a.duration_s > 0 || a.ignore || a.load_shape || a.served_out ||
			 a.c.queue_cap != 4 ||
			 a.c.drop_oldest))
		return opt_usage(&v, "--served takes the run's arguments from the served file: give "
				     "only --trace, --device and --timings with it");
	if (!a.served) {
		const char *missing = !a.c.trace ? "--trace" : !a.c.device ? "--device"
				      : !a.c.model ? "--model" : !a.c.policy ? "--policy" : NULL;
		if (missing)
			return opt_usage(&v, "%s is required (or --served)", missing);
	}
	struct errbuf eb = {0};
	char served_path[PATH_MAX], arrivals[PATH_MAX + 64], workload[PATH_MAX + 96];
	if (!a.served) {
		if (!a.c.workload)
			a.c.workload = "periodic:fps=30";
		if (!a.deadline_text)
			a.deadline_text = "100";
		if (a.served_out)
			snprintf(served_path, sizeof served_path, "%s", a.served_out);
		else
			snprintf(served_path, sizeof served_path, "%s.%s.served.csv", a.db, a.tag);
		if ((rc = serve_here(&a, served_path, &eb)) < 0)
			return cmd_fail(&eb, rc);
		a.served = served_path;
	}
	struct served *sv = NULL;
	struct run_output *sim = NULL;
	struct store *s = NULL;
	if ((rc = served_read(a.served, &sv, &eb)) < 0)
		goto fail;
	if (sv->ignored[0])
		fprintf(stderr, "adascale validate: the served run left the trace's %s unapplied "
			"(--ignore), the simulation applies every column: give a trace without "
			"them for a like-for-like comparison\n", sv->ignored);
	if (sv->trace_rows_late > 0)
		fprintf(stderr, "adascale validate: the served run applied its trace late (%s): "
			"for that long the device was not in the state the simulation replays\n",
			sv->trace_lag);
	/* the simulation: the served run's configuration, the files here */
	struct run_config real_c, c;
	served_run_config(sv, a.tag, &real_c);
	c = real_c;
	if (a.c.trace && strcmp(a.c.trace, sv->trace) != 0) {
		if ((rc = same_file("trace", a.c.trace, sv->trace_sha256, &eb)) < 0)
			goto fail;
		c.trace = a.c.trace;
	}
	if (a.c.device && strcmp(a.c.device, sv->device) != 0) {
		if ((rc = same_file("device", a.c.device, sv->device_sha256, &eb)) < 0)
			goto fail;
		c.device = a.c.device;
	}
	if (a.c.timings && (!c.timings || strcmp(a.c.timings, c.timings) != 0)) {
		if ((rc = same_file("timings", a.c.timings, sv->timings_sha256, &eb)) < 0)
			goto fail;
		c.timings = a.c.timings;
	}
	snprintf(arrivals, sizeof arrivals, "%s.%.12s.arrivals.csv", a.db, sv->sha256);
	if ((rc = write_arrivals(sv, arrivals, &eb)) < 0)
		goto fail;
	snprintf(workload, sizeof workload, "file:%s,service=meas", arrivals);
	c.workload = workload;
	c.duration_s = sv->end_ms / 1e3; /* the served run's end: the same unfinished requests */
	check_load_shape(sv, c.device);
	if ((rc = contain_run(&c, CONTAIN_DECIDE_TIMEOUT_S, &sim, &eb)) < 0)
		goto fail;
	c.deadline_ms = sim->deadline_ms;
	if (!(s = store_open(a.db, &eb))) {
		rc = eb.code;
		goto fail;
	}
	int64_t real_id = 0, sim_id = 0;
	if ((rc = store_insert_run(s, &real_c, sv->out, &real_id, &eb)) < 0 ||
	    (rc = store_insert_run(s, &c, sim, &sim_id, &eb)) < 0)
		goto fail;
	store_close(s);
	s = NULL;
	if ((rc = write_table(a.db, sim_id, real_id, NULL, 0, &eb)) < 0 ||
	    (a.md && (rc = write_table(a.db, sim_id, real_id, a.md, 0, &eb)) < 0) ||
	    (a.csv && (rc = write_table(a.db, sim_id, real_id, a.csv, 1, &eb)) < 0))
		goto fail;
	run_output_destroy(sim);
	served_destroy(sv);
	return 0;
fail:
	store_close(s);
	run_output_destroy(sim);
	served_destroy(sv);
	return cmd_fail(&eb, rc);
}

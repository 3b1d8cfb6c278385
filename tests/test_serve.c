/*
 * test_serve.c: `adascale-agent serve`, the adaptation loop running for real, on the bundled
 * reference device with MobileNet V1 at small widths (passes of a few ms): the served file's
 * rows are well formed and its Poisson arrivals are the simulator's for the same seed; a
 * plugin runs through the ABI; a plugin that crashes, and SIGTERM, end serving with a
 * message, a non-zero exit, no output and no process left behind; a trace column serve
 * cannot apply, and a memory target below the margin, are refused; memory is taken ahead
 * of its row at the rate measured before time 0; the agent links no SQLite. Each serve lasts at most ~1.2 s of real time.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csvin.h"
#include "err.h"
#include "run.h"
#include "sha256.h"
#include "testutil.h"

#define DEVICE "devices/xeon-kvm-2vcpu.ini"
#define OPS "width=0.25,0.5 res=128"

static char out[65536];

/* Runs the agent's serve with the given arguments; its exit status, output in out. */
static int serve(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int serve(const char *fmt, ...)
{
	char args[4096], cmd[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(args, sizeof args, fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof cmd, "%s/adascale-agent serve --device " DEVICE " --ops '" OPS "' %s",
		 tu_bin(), args);
	return tu_run(cmd, out, sizeof out);
}

/* Processes whose command line contains marker (other than this one). */
static int processes_with(const char *marker)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;
	cr_assert(d);
	while ((e = readdir(d)) != NULL) {
		char path[300], buf[8192];
		if (e->d_name[0] < '0' || e->d_name[0] > '9' || atoi(e->d_name) == (int)getpid())
			continue;
		snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		size_t k = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		for (size_t i = 0; i < k; i++)
			if (buf[i] == '\0')
				buf[i] = ' ';
		buf[k] = '\0';
		n += strstr(buf, marker) != NULL;
	}
	closedir(d);
	return n;
}

struct row {
	long long seq;
	char arrival[32];
	double arrival_ms, start_ms, end_ms, switch_ms;
	char variant[200], outcome[16];
	int threads;
};

/* Reads a served file, checks its header lines and every row's form; the rows into *rows. */
static int read_served(const char *path, struct row **rows, double deadline_ms)
{
	struct errbuf eb = {0};
	struct csvin *c = csvin_open(path, &eb);
	cr_assert(c, "%s", eb.msg);
	static const char *const keys[] = {
		"served", "agent",  "host",        "cpu",         "cpus",    "date",  "command",
		"trace",  "device", "timings",     "model",       "ops",     "policy",
		"policy_sha256", "workload", "deadline_ms", "queue", "drop", "seed", "duration_s",
		"applied", "sensing", "end_ms"};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		cr_assert(csvin_meta(c, keys[i]), "%s: no # %s: line", path, keys[i]);
	for (int i = 0; i + 1 < csvin_n_meta(c) && i < 22; i++) {
		const char *k, *v;
		csvin_meta_at(c, i, &k, &v);
		if (i < 20)
			cr_assert_str_eq(k, keys[i], "%s: # line %d is %s, not %s", path, i + 1, k,
					 keys[i]);
	}
	cr_assert(strstr(csvin_meta(c, "trace"), "sha256=") != NULL);
	static const char *const cols[] = {"seq",     "arrival_ms", "start_ms",  "end_ms",
					   "variant", "threads",    "switch_ms", "outcome"};
	cr_assert_eq(csvin_n_cols(c), 8);
	for (int i = 0; i < 8; i++)
		cr_assert_str_eq(csvin_col_name(c, i), cols[i]);
	double deadline = atof(csvin_meta(c, "deadline_ms"));
	if (deadline_ms > 0)
		cr_assert_float_eq(deadline, deadline_ms, 1e-9);
	int n = 0, cap = 0;
	*rows = NULL;
	while (csvin_next(c, &eb) == 1) {
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			*rows = realloc(*rows, (size_t)cap * sizeof **rows);
			cr_assert(*rows);
		}
		struct row *r = &(*rows)[n];
		r->seq = atoll(csvin_field(c, 0));
		snprintf(r->arrival, sizeof r->arrival, "%s", csvin_field(c, 1));
		r->arrival_ms = atof(csvin_field(c, 1));
		r->start_ms = atof(csvin_field(c, 2));
		r->end_ms = atof(csvin_field(c, 3));
		snprintf(r->variant, sizeof r->variant, "%s", csvin_field(c, 4));
		r->threads = atoi(csvin_field(c, 5));
		r->switch_ms = atof(csvin_field(c, 6));
		snprintf(r->outcome, sizeof r->outcome, "%s", csvin_field(c, 7));
		cr_assert_eq(r->seq, n, "%s: row %d has seq %lld", path, n, r->seq);
		if (n > 0)
			cr_assert_geq(r->arrival_ms, (*rows)[n - 1].arrival_ms);
		int ran = strcmp(r->outcome, "ok") == 0 || strcmp(r->outcome, "late") == 0;
		cr_assert(ran || strcmp(r->outcome, "dropped") == 0 ||
				  strcmp(r->outcome, "failed") == 0 ||
				  strcmp(r->outcome, "unfinished") == 0,
			  "%s: outcome '%s'", path, r->outcome);
		if (ran) {
			cr_assert(strncmp(r->variant, "mobilenet_v1:", 13) == 0, "%s", r->variant);
			cr_assert(r->threads >= 1 && r->threads <= 2);
			cr_assert_geq(r->start_ms, r->arrival_ms);
			cr_assert_gt(r->end_ms, r->start_ms);
			cr_assert_geq(r->switch_ms, 0);
			/* late means answered after arrival + deadline, from the row's own times */
			if (strcmp(r->outcome, "late") == 0)
				cr_assert_gt(r->end_ms - r->arrival_ms, deadline - 0.002, "row %d", n);
			else
				cr_assert_leq(r->end_ms - r->arrival_ms, deadline + 0.002, "row %d", n);
		}
		if (strcmp(r->outcome, "dropped") == 0)
			cr_assert(r->start_ms == -1 && r->end_ms == -1 && !r->variant[0] &&
				  r->threads == 0);
		n++;
	}
	cr_assert_eq(eb.code, 0, "%s", eb.msg);
	csvin_close(c);
	return n;
}

/* The simulator's arrival times (ms, three decimals) for the same inputs and seed. */
static int sim_arrivals(const char *trace, const char *workload, uint64_t seed, char (**arr)[32])
{
	struct run_config c;
	run_config_defaults(&c);
	c.trace = trace;
	c.device = DEVICE;
	c.model = "mobilenet_v1";
	c.ops = OPS;
	c.policy = "static";
	c.workload = workload;
	c.seed = seed;
	c.requests = 1;
	struct errbuf eb = {0};
	struct run_output *o = NULL;
	cr_assert_eq(run_execute(&c, &o, &eb), 0, "%s", eb.msg);
	int n = (int)o->n_request_rows;
	*arr = calloc((size_t)n, sizeof **arr);
	for (int i = 0; i < n; i++) {
		const struct request_row *r = &o->request_rows[i];
		cr_assert(r->seq >= 0 && r->seq < n);
		snprintf((*arr)[r->seq], 32, "%.3f", (double)r->t_arrival_ns / 1e6);
	}
	run_output_destroy(o);
	return n;
}

Test(serve, static_and_greedy_rows_and_arrivals_are_the_simulators, .timeout = 60 * TU_SLOW)
{
	const char *trace = tu_write("serve-smoke.csv", "time_s,util_other\n0,0\n0.5,0.3\n1.0,0\n");
	char (*sim)[32] = NULL;
	int n_sim = sim_arrivals(trace, "poisson:rate=25", 7, &sim);
	cr_assert_gt(n_sim, 10);
	const char *pols[] = {"static", "greedy"};
	for (int p = 0; p < 2; p++) {
		const char *served = tu_scratch(p ? "served-greedy.csv" : "served-static.csv");
		const char *sensed = tu_scratch("sensed.csv");
		int rc = serve("--trace %s --policy %s --workload poisson:rate=25 --seed 7 "
			       "--deadline-ms 80 --sensed %s -o %s",
			       trace, pols[p], sensed, served);
		cr_assert_eq(rc, 0, "%s", out);
		struct row *rows;
		int n = read_served(served, &rows, 80);
		/* the same arrivals as the simulator's, to the microsecond */
		cr_assert_eq(n, n_sim, "%s: %d requests, the simulator %d", pols[p], n, n_sim);
		for (int i = 0; i < n; i++)
			cr_assert_str_eq(rows[i].arrival, sim[i], "%s: request %d", pols[p], i);
		/* the first request ran, after its variant's operators were built */
		int first = -1;
		for (int i = 0; i < n && first < 0; i++)
			if (rows[i].start_ms >= 0)
				first = i;
		cr_assert_geq(first, 0, "%s: nothing ran", pols[p]);
		cr_assert_gt(rows[first].switch_ms, 0, "%s: no build before the first pass", pols[p]);
		free(rows);
		/* what the policy saw: a trace with util_other and mem_avail_mb */
		struct errbuf eb = {0};
		struct csvin *c = csvin_open(sensed, &eb);
		cr_assert(c, "%s", eb.msg);
		cr_assert_geq(csvin_col(c, "util_other"), 0);
		cr_assert_geq(csvin_col(c, "mem_avail_mb"), 0);
		int k = 0;
		while (csvin_next(c, &eb) == 1)
			k++;
		cr_assert_geq(k, 5, "%d sensing rows in 1 s at 100 ms", k);
		csvin_close(c);
	}
	free(sim);
}

Test(serve, a_plugin_runs_through_the_abi, .timeout = 60 * TU_SLOW)
{
	const char *trace = tu_write("serve-plugin.csv", "time_s,util_other\n0,0\n0.8,0\n");
	char plugin[512];
	snprintf(plugin, sizeof plugin, "%s/policies/hysteresis.so", tu_bin());
	const char *served = tu_scratch("served-plugin.csv");
	int rc = serve("--trace %s --policy %s --workload periodic:fps=20 --deadline-ms auto:4 "
		       "-o %s",
		       trace, plugin, served);
	cr_assert_eq(rc, 0, "%s", out);
	/* auto:F resolved as the simulator resolves it */
	struct run_config cfg;
	run_config_defaults(&cfg);
	cfg.trace = trace;
	cfg.device = DEVICE;
	cfg.model = "mobilenet_v1";
	cfg.ops = OPS;
	cfg.deadline_auto = 4;
	struct errbuf e0 = {0};
	struct run_output *o = NULL;
	cr_assert_eq(run_execute(&cfg, &o, &e0), 0, "%s", e0.msg);
	double sim_deadline = o->deadline_ms;
	run_output_destroy(o);
	struct row *rows;
	int n = read_served(served, &rows, sim_deadline);
	/* periodic:fps=20 over [0, 0.8 s): frames at 0, 50, ..., 750 ms */
	cr_assert_eq(n, 16);
	for (int i = 0; i < n; i++)
		cr_assert_float_eq(rows[i].arrival_ms, 50.0 * i, 1e-9);
	free(rows);
	char hex[65];
	cr_assert_eq(sha256_file(plugin, hex), 0);
	struct errbuf eb = {0};
	struct csvin *c = csvin_open(served, &eb);
	cr_assert_str_eq(csvin_meta(c, "policy_sha256"), hex);
	cr_assert_str_eq(csvin_meta(c, "policy"), plugin);
	csvin_close(c);
}

/* Compiles tests/data/policies/NAME.c into the scratch folder. */
static const char *bad_plugin(const char *name)
{
	static char path[512];
	snprintf(path, sizeof path, "%s/serve-%s.so", tu_dir(), name);
	char cmd[2048];
	snprintf(cmd, sizeof cmd,
		 "${CC:-cc} -std=c11 -shared -fPIC -Ipolicies -o %s tests/data/policies/%s.c", path,
		 name);
	cr_assert_eq(tu_run(cmd, out, sizeof out), 0, "%s: %s", cmd, out);
	return path;
}

Test(serve, a_crashing_plugin_is_named_and_leaves_no_load, .timeout = 60 * TU_SLOW)
{
	/* the competing load is on from the start: the applier's child is busy */
	const char *trace = tu_write("serve-crash.csv", "time_s,util_other\n0,0.5\n2,0.5\n");
	const char *plugin = bad_plugin("segv");
	const char *served = tu_scratch("served-crash-marker.csv");
	int rc = serve("--trace %s --policy %s:segv:after_s=0.3 -o %s", trace, plugin, served);
	cr_assert_neq(rc, 0, "%s", out);
	cr_assert(tu_has(out, "policy segv") && tu_has(out, plugin) && tu_has(out, "decide") &&
			  tu_has(out, "SIGSEGV"),
		  "%s", out);
	cr_assert_eq(access(served, F_OK), -1, "%s was written", served);
	usleep(300000);
	cr_assert_eq(processes_with("served-crash-marker"), 0, "a process of the run is left");
}

Test(serve, sigterm_stops_with_nothing_written_and_nothing_left, .timeout = 60 * TU_SLOW)
{
	const char *trace = tu_write("serve-term.csv", "time_s,util_other\n0,0.5\n5,0.5\n");
	const char *served = tu_scratch("served-term-marker.csv");
	char cmd[4096];
	snprintf(cmd, sizeof cmd,
		 "%s/adascale-agent serve --device " DEVICE " --ops '" OPS "' --trace %s -o %s & "
		 "p=$!; sleep 0.6; kill -TERM $p; wait $p; echo \"rc=$?\"",
		 tu_bin(), trace, served);
	tu_run(cmd, out, sizeof out);
	cr_assert(tu_has(out, "rc=") && !tu_has(out, "rc=0\n"), "%s", out);
	cr_assert(tu_has(out, "interrupted"), "%s", out);
	cr_assert_eq(access(served, F_OK), -1, "%s was written", served);
	usleep(300000);
	cr_assert_eq(processes_with("served-term-marker"), 0, "a process of the run is left");
}

Test(serve, a_column_it_cannot_apply_is_refused_unless_ignored, .timeout = 60 * TU_SLOW)
{
	const char *trace = tu_write("serve-temp.csv", "time_s,util_other,temp_c\n0,0,40\n0.4,0,41\n");
	const char *served = tu_scratch("served-temp.csv");
	int rc = serve("--trace %s -o %s", trace, served);
	cr_assert_neq(rc, 0, "%s", out);
	cr_assert(tu_has(out, trace) && tu_has(out, "temp_c") && tu_has(out, "--ignore"), "%s", out);
	cr_assert_eq(access(served, F_OK), -1);
	rc = serve("--trace %s --ignore temp_c -o %s", trace, served);
	cr_assert_eq(rc, 0, "%s", out);
	struct errbuf eb = {0};
	struct csvin *c = csvin_open(served, &eb);
	cr_assert(c, "%s", eb.msg);
	cr_assert_str_eq(csvin_meta(c, "ignored"), "temp_c");
	cr_assert(strstr(csvin_meta(c, "applied"), "util_other=busy threads") != NULL);
	cr_assert(strstr(csvin_meta(c, "applied"), "mem_avail_mb=not applied") != NULL);
	csvin_close(c);
	/* --ignore naming a column the trace lacks is a typo, not a no-op */
	rc = serve("--trace %s --ignore battery_pct -o %s", trace, tu_scratch("served-x.csv"));
	cr_assert_neq(rc, 0, "%s", out);
	cr_assert(tu_has(out, "battery_pct"), "%s", out);
	/* one cluster's load: serve loads its CPUs alike, so it refuses, naming the column */
	const char *cl = tu_write("serve-cl.csv", "time_s,util_other,util_other.1\n0,0,0.5\n0.4,0,0\n");
	rc = serve("--trace %s -o %s", cl, tu_scratch("served-cl.csv"));
	cr_assert_neq(rc, 0, "%s", out);
	cr_assert(tu_has(out, "column util_other.1 cannot be applied on this machine") &&
			  tu_has(out, "--ignore util_other.1"),
		  "%s", out);
	cr_assert_eq(access(tu_scratch("served-cl.csv"), F_OK), -1);
}

Test(serve, a_memory_target_below_the_margin_is_refused, .timeout = 60 * TU_SLOW)
{
	const char *trace = tu_write("serve-mem.csv", "time_s,mem_avail_mb\n0,100\n1,100\n");
	const char *served = tu_scratch("served-mem-marker.csv");
	int rc = serve("--trace %s --mem-margin-mb 256 -o %s", trace, served);
	cr_assert_neq(rc, 0, "%s", out);
	cr_assert(tu_has(out, trace) && tu_has(out, "mem_avail_mb") && tu_has(out, "256"), "%s",
		  out);
	cr_assert_eq(access(served, F_OK), -1);
	usleep(200000);
	cr_assert_eq(processes_with("served-mem-marker"), 0, "a process of the run is left");
}


/*
 * A trace whose row at 0.9 s asks for 600 MB less than the rows before: serve warms up
 * before time 0, and starts that row 600 MB / (rate / 1.25) ahead of its time, the rate
 * being the one its # mem_apply: line reports. MemAvailable is everyone's: when other
 * processes (the suite runs two tests at a time) moved it so that the run had no memory to
 * take, the run is made again, three times at most, then the test is skipped saying so.
 */
Test(serve, memory_is_taken_ahead_of_its_row_at_the_rate_measured_before, .timeout = 120 * TU_SLOW)
{
	char m[1024] = "";
	for (int attempt = 0; attempt < 3; attempt++) {
		double a = floor(tu_mem_avail_mb()) - 200;
		if (a - 600 < 1024)
			cr_skip_test("this test needs about 2 GB free (%.0f MB available)", a + 200);
		char text[512];
		snprintf(text, sizeof text,
			 "time_s,util_other,mem_avail_mb\n0,0,%.0f\n0.3,0.5,%.0f\n0.9,0.5,%.0f\n"
			 "1.0,0,%.0f\n1.3,0,%.0f\n",
			 a, a, a - 600, a - 600, a);
		const char *trace = tu_write("serve-mem-ahead.csv", text);
		const char *served = tu_scratch("served-mem-ahead.csv");
		int rc = serve("--trace %s --policy static --workload periodic:fps=10 -o %s", trace,
			       served);
		cr_assert_eq(rc, 0, "%s", out);
		struct errbuf eb = {0};
		struct csvin *c = csvin_open(served, &eb);
		cr_assert(c, "%s", eb.msg);
		cr_assert(csvin_meta(c, "mem_apply"), "no # mem_apply: line");
		snprintf(m, sizeof m, "%s", csvin_meta(c, "mem_apply"));
		const char *lag = csvin_meta(c, "trace_lag");
		int n_late, n_applied;
		cr_assert(lag && sscanf(lag, "%d of %d rows", &n_late, &n_applied) == 2, "%s", lag);
		csvin_close(c);
		double warm_mb, warm_s, rate, ahead_ms, at, cpu_s;
		const char *cpu = strstr(m, "taking memory used ");
		cr_assert(cpu && sscanf(cpu, "taking memory used %lf s", &cpu_s) == 1, "%s", m);
		if (sscanf(m, "before time 0, %lf MB taken in %lf s and given back, then %lf MB/s "
			      "taking it again; rows started up to %lf ms ahead of their time at %lf "
			      "MB/s",
			   &warm_mb, &warm_s, &rate, &ahead_ms, &at) != 5 || cpu_s <= 0) {
			cr_log_info("attempt %d: no memory to take (others moved MemAvailable): %s",
				    attempt + 1, m);
			continue;
		}
		cr_assert(warm_mb > 0 && warm_s > 0, "%s", m);
		/* the row at 0.9 s starts 600 MB / (rate / 1.25) before its time (at most 0.9 s) */
		double want = 600 / (rate / 1.25) * 1000;
		cr_assert(fabs(ahead_ms - fmin(want, 900)) <= 0.01 * want + 1,
			  "%s: ahead %g ms, want %g", m, ahead_ms, want);
		cr_assert_float_eq(at, rate / 1.25, 1);
		return;
	}
	cr_skip_test("other processes moved MemAvailable in every attempt, the last: %s", m);
}

Test(serve, agent_links_no_sqlite)
{
	char cmd[2048];
	const char *b = tu_bin();
	snprintf(cmd, sizeof cmd,
		 "echo ldd=$(ldd %s/adascale-agent | grep -ci sqlite) nm=$(nm %s/adascale-agent | "
		 "grep -ci sqlite) serve=$(nm %s/adascale-agent | grep -c ' T serve_run$')",
		 b, b, b);
	cr_assert_eq(tu_run(cmd, out, sizeof out), 0, "%s", out);
	cr_assert(tu_has(out, "ldd=0 nm=0 serve=1"), "the agent and SQLite: %s", out);
}

/*
 * test_sweep.c: `adascale sweep` and `adascale merge` as a user relies on them: the sweep
 * file and its errors (file:line), the plan's run identity agreeing with run_execute's,
 * the same results whatever --jobs, crashed, failing and hanging policies stored as failed
 * runs while the sweep goes on, a sweep killed with SIGKILL (or stopped with SIGINT) and
 * resumed ending with exactly the results of an uninterrupted one, shards that partition
 * the sweep and merge back into it, and merge refusing conflicting duplicates.
 * The binaries are taken from $ADASCALE_BUILD (the Makefile sets it), default build/.
 */
#include <criterion/criterion.h>
#include <limits.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "run.h"
#include "store.h"
#include "sha256.h"
#include "sweep.h"
#include "testutil.h"

static char out[65536];

/* adascale ARGS (printf-style) into out */
#define adascale(...) tu_adascale(out, sizeof out, __VA_ARGS__)

/*
 * The small sweep most tests use: 4 policies x 2 deadlines x 2 seeds = 16 runs of a
 * one-minute trace on the two-core test device, less the 2 runs of one exclusion.
 */
static const char *small_sweep(const char *name, const char *extra)
{
	char text[2048];
	snprintf(text, sizeof text,
		 "; a sweep for tests/test_sweep.c\n"
		 "[sweep]\n"
		 "name = t\n"
		 "traces = tests/data/slowdown.csv\n"
		 "devices = tests/data/dvfs2.ini\n"
		 "models = mobilenet_v1\n"
		 "policies = greedy reactive   ; the list goes on below\n"
		 "policies = static:variant=best adascale\n"
		 "workloads = periodic:fps=30\n"
		 "deadlines_ms = 33 50\n"
		 "seeds = 1 2\n"
		 "%s"
		 "[exclude]\n"
		 "run = policy=reactive deadline_ms=50\n",
		 extra);
	return tu_write(name, text);
}

/* ---- reading databases back ---- */

static sqlite3 *open_ro(const char *path)
{
	sqlite3 *db = NULL;
	cr_assert_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK, "%s",
		     path);
	sqlite3_busy_timeout(db, 5000);
	return db;
}

static long long query_int(const char *path, const char *sql)
{
	sqlite3 *db = open_ro(path);
	sqlite3_stmt *st;
	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s: %s", sql,
		     sqlite3_errmsg(db));
	long long v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* The count of runs, or 0 when the database does not exist yet or is busy. */
static long long n_runs(const char *path)
{
	if (access(path, F_OK) != 0)
		return 0;
	sqlite3 *db = NULL;
	long long v = 0;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
		sqlite3_stmt *st;
		if (sqlite3_prepare_v2(db, "SELECT count(*) FROM runs", -1, &st, NULL) == SQLITE_OK) {
			if (sqlite3_step(st) == SQLITE_ROW)
				v = sqlite3_column_int64(st, 0);
			sqlite3_finalize(st);
		}
	}
	sqlite3_close(db);
	return v;
}

static void append(char **buf, size_t *len, size_t *cap, const char *s)
{
	size_t n = strlen(s);
	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		*buf = realloc(*buf, *cap);
		cr_assert(*buf);
	}
	memcpy(*buf + *len, s, n + 1);
	*len += n;
}

static void append_row(char **buf, size_t *len, size_t *cap, sqlite3_stmt *st, int from)
{
	for (int i = from; i < sqlite3_column_count(st); i++) {
		char v[128];
		if (sqlite3_column_type(st, i) == SQLITE_FLOAT)
			snprintf(v, sizeof v, "%.17g", sqlite3_column_double(st, i));
		else
			snprintf(v, sizeof v, "%.120s",
				 sqlite3_column_type(st, i) == SQLITE_NULL
					 ? "NULL"
					 : (const char *)sqlite3_column_text(st, i));
		append(buf, len, cap, i > from ? "|" : "");
		append(buf, len, cap, sqlite3_column_name(st, i));
		append(buf, len, cap, "=");
		append(buf, len, cap, v);
	}
	append(buf, len, cap, "\n");
}

/*
 * Every deterministic column of every run (all but id, created_utc, wall_s and the
 * decide times) and every detail row, in the order of (config_key, seed, tag): two
 * databases with the same results give the same text. The caller frees it.
 */
static char *dump(const char *path)
{
	static const char *const skip[] = {"id", "created_utc", "wall_s", "decide_mean_us",
					   "decide_p99_us"};
	sqlite3 *db = open_ro(path);
	sqlite3_stmt *st;
	char cols[8192] = "", sql[9000];
	cr_assert_eq(sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_info('runs')", -1, &st,
					NULL),
		     SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *n = (const char *)sqlite3_column_text(st, 0);
		int keep = 1;
		for (int i = 0; i < 5; i++)
			keep &= strcmp(n, skip[i]) != 0;
		if (keep)
			snprintf(cols + strlen(cols), sizeof cols - strlen(cols), ", r.\"%s\"", n);
	}
	sqlite3_finalize(st);
	snprintf(sql, sizeof sql, "SELECT r.id%s FROM runs r ORDER BY config_key, seed, tag", cols);
	char *buf = NULL;
	size_t len = 0, cap = 0;
	append(&buf, &len, &cap, "");
	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s",
		     sqlite3_errmsg(db));
	static const char *const details[] = {
		"SELECT * FROM latency_quantiles WHERE run_id = ?1 ORDER BY q",
		"SELECT * FROM variant_use WHERE run_id = ?1 ORDER BY variant",
		"SELECT * FROM timeline WHERE run_id = ?1 ORDER BY t_s, rowid",
		"SELECT * FROM requests WHERE run_id = ?1 ORDER BY seq",
	};
	while (sqlite3_step(st) == SQLITE_ROW) {
		append_row(&buf, &len, &cap, st, 1);
		for (int d = 0; d < 4; d++) {
			sqlite3_stmt *q;
			if (sqlite3_prepare_v2(db, details[d], -1, &q, NULL) != SQLITE_OK)
				continue; /* an older schema without that table */
			sqlite3_bind_int64(q, 1, sqlite3_column_int64(st, 0));
			while (sqlite3_step(q) == SQLITE_ROW)
				append_row(&buf, &len, &cap, q, 1);
			sqlite3_finalize(q);
		}
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return buf;
}

static void assert_same_results(const char *a, const char *b)
{
	char *da = dump(a), *db = dump(b);
	size_t i = 0;
	while (da[i] && da[i] == db[i])
		i++;
	cr_assert(da[i] == db[i], "%s and %s differ at byte %zu:\n%.300s\n---\n%.300s", a, b, i,
		  da + (i > 100 ? i - 100 : 0), db + (i > 100 ? i - 100 : 0));
	free(da);
	free(db);
}

/* PRAGMA integrity_check says ok (a database not created yet passes). */
static void assert_integrity(const char *path)
{
	if (access(path, F_OK) != 0)
		return;
	sqlite3 *db = NULL;
	sqlite3_stmt *st;
	/* read-write, as a user's sqlite3 opens it: recovering a killed writer's WAL needs it */
	cr_assert_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK, "%s",
		     path);
	sqlite3_busy_timeout(db, 5000);
	cr_assert_eq(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK,
		     "%s: %s", path, sqlite3_errmsg(db));
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
	cr_assert_str_eq((const char *)sqlite3_column_text(st, 0), "ok", "%s", path);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* A clean sweep of cfg into db with --jobs 2 (the reference results). */
static void clean_sweep(const char *cfg, const char *db)
{
	remove(db);
	cr_assert_eq(adascale("sweep %s --db %s --jobs 2", cfg, db), 0, "%s", out);
}

/*
 * Starts `adascale sweep cfg --db db --jobs 2` in the background, its stderr into errfile
 * (NULL: nowhere); returns its pid.
 */
static pid_t start_sweep(const char *cfg, const char *db, const char *errfile)
{
	char exe[512];
	snprintf(exe, sizeof exe, "%s/adascale", tu_bin());
	fflush(NULL);
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		if (!freopen("/dev/null", "w", stdout) ||
		    !freopen(errfile ? errfile : "/dev/null", "w", stderr))
			_exit(126);
		execl(exe, exe, "sweep", cfg, "--db", db, "--jobs", "2", (char *)NULL);
		_exit(127);
	}
	return pid;
}

static void sleep_ms(int ms)
{
	struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&t, NULL);
}

/* Waits until db holds at least n runs or the process ended; 1 when it got there alive. */
static int wait_for_runs(pid_t pid, const char *db, long long n)
{
	for (int i = 0; i < 20000; i++) {
		if (n_runs(db) >= n)
			return 1;
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid)
			return 0;
		sleep_ms(1);
	}
	return 0;
}

/* ---- the sweep file ---- */

Test(sweep, file_lists_continue_exclusions_apply_and_the_plan_counts)
{
	struct errbuf eb = {0};
	struct sweep_spec *s = NULL;
	const char *cfg = small_sweep("lists.ini", "");
	cr_assert_eq(sweep_spec_load(cfg, &s, &eb), 0, "%s", eb.msg);
	cr_assert_str_eq(s->name, "t");
	cr_assert_eq(s->dim[SWEEP_POLICY].n, 4, "a repeated key continues its list");
	cr_assert_str_eq(s->dim[SWEEP_POLICY].v[2], "static:variant=best");
	cr_assert_eq(s->dim[SWEEP_SEED].n, 2);
	cr_assert_eq(s->n_exclude, 1);
	struct sweep_plan *p = NULL;
	cr_assert_eq(sweep_plan_build(s, NULL, 1, 1, &p, &eb), 0, "%s", eb.msg);
	cr_assert_eq(p->n_product, 16);
	cr_assert_eq(p->n_excluded, 2, "reactive at 50 ms, two seeds");
	cr_assert_eq(p->n_total, 14);
	cr_assert_str_eq(p->tag, "t", "the tag defaults to the sweep's name");
	for (int i = 0; i < p->n; i++)
		cr_assert(!(p->runs[i].at[SWEEP_POLICY] == 1 && p->runs[i].at[SWEEP_DEADLINE] == 1),
			  "run %d should have been excluded", i);
	sweep_plan_destroy(p);

	/* the dry run prints the list and the count and creates no database */
	const char *db = tu_scratch("dry.db");
	remove(db);
	cr_assert_eq(adascale("sweep %s --db %s --dry-run", cfg, db), 0, "%s", out);
	cr_assert(tu_has(out, "# t: 14 runs (1 x 1 x 1 x 4 x 1 x 2 x 2 = 16, 2 excluded"), "%s",
		  out);
	char row[1024]; /* the paths as taken from the sweep file's folder */
	snprintf(row, sizeof row,
		 "\t%s/tests/data/slowdown.csv\t%s/tests/data/dvfs2.ini\tmobilenet_v1\t"
		 "adascale\tperiodic:fps=30\t50\t2\n",
		 tu_dir(), tu_dir());
	cr_assert(tu_has(out, row), "%s", out);
	cr_assert_eq(access(db, F_OK), -1, "a dry run must not create the database");

	/* the same experiment listed twice is one run */
	const char *twice = small_sweep("twice.ini", "traces = tests/data/slowdown.csv\n");
	sweep_spec_destroy(s);
	cr_assert_eq(sweep_spec_load(twice, &s, &eb), 0, "%s", eb.msg);
	cr_assert_eq(sweep_plan_build(s, "x", 1, 1, &p, &eb), 0, "%s", eb.msg);
	cr_assert_eq(p->n_total, 14);
	cr_assert_eq(p->n_folded, 14);
	sweep_plan_destroy(p);
	sweep_spec_destroy(s);
}

Test(sweep, bad_files_are_refused_naming_file_and_line)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{"[sweep]\nname = a\ntraces = tests/data/slowdown.csv\ncolour = red\n",
		 "bad.ini:4: [sweep]: unknown key 'colour'"},
		{"[sweep]\nname = a\ndeadlines_ms = 33 -1\n", "bad.ini:3: deadlines_ms: '-1'"},
		{"[sweep]\nname = a\ndeadlines_ms = auto:0\n",
		 "bad.ini:3: deadlines_ms: 'auto:0': auto:F takes a number F in (0, 1000]"},
		{"[sweep]\nname = a\n\ndeadlines_ms = 33 auto:fast\n",
		 "bad.ini:4: deadlines_ms: 'auto:fast': auto:F takes a number F in (0, 1000]"},
		{"[sweep]\nname = a\n\nseeds = 1 two\n", "bad.ini:4: seeds: 'two'"},
		{"[sweep]\nname = a\nname = b\n", "bad.ini:3: name is given twice"},
		{"[sweep]\nname = a\nqueue = 0\n", "bad.ini:3: queue: '0'"},
		{"[sweeps]\nname = a\n", "bad.ini:2: unknown section [sweeps]"},
		{"[sweep]\nname = a\ntraces = tests/data/slowdown.csv\ndevices = tests/data/dvfs2.ini\n"
		 "models = mobilenet_v1\npolicies = greedy\n[exclude]\nrun = colour=red\n",
		 "bad.ini:8: [exclude]: 'colour' is not dim=value"},
		{"[sweep]\nname = a\ntraces = tests/data/slowdown.csv\ndevices = tests/data/dvfs2.ini\n"
		 "models = mobilenet_v1\npolicies = greedy\n[exclude]\nrun = policy=oracle\n",
		 "bad.ini:8: [exclude]: policy 'oracle' is not in the policies list"},
		{"[sweep]\nname = a\ndevices = tests/data/dvfs2.ini\n", "bad.ini:1: [sweep] needs traces"},
		{"[sweep]\nname = a\ntraces = tests/data/slowdown.csv\ndevices = tests/data/dvfs2.ini\n"
		 "models = mobilenet_v1\npolicies = greedy nosuchpolicy\n",
		 "bad.ini:6: policy: unknown policy 'nosuchpolicy'"},
		{"[sweep]\nname = a\ntraces = tests/data/slowdown.csv\ntraces = tests/data/nosuch.csv\n"
		 "devices = tests/data/dvfs2.ini\nmodels = mobilenet_v1\npolicies = greedy\n",
		 "bad.ini:4: trace: "},
		{"[sweep]\nname = a\ntraces = tests/data/slowdown.csv\ndevices = tests/data/dvfs2.ini\n"
		 "models = tests/data/nosuch.csv\npolicies = greedy\n",
		 "bad.ini:5: model: "},
	};
	const char *db = tu_scratch("bad.db");
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *cfg = tu_write("bad.ini", cases[i].text);
		remove(db);
		cr_assert_eq(adascale("sweep %s --db %s", cfg, db), 2, "case %zu: %s", i, out);
		cr_assert(tu_has(out, cases[i].want), "case %zu: want '%s', got: %s", i,
			  cases[i].want, out);
		cr_assert_eq(access(db, F_OK), -1, "case %zu: bad input must write nothing", i);
	}
	/* a line longer than inih reads: the message says how to continue the list */
	char text[600] = "[sweep]\nname = a\nseeds =";
	for (int i = 0; i < 80; i++)
		snprintf(text + strlen(text), sizeof text - strlen(text), " %d", i);
	strcat(text, "\n");
	const char *cfg = tu_write("bad.ini", text);
	cr_assert_eq(adascale("sweep %s --dry-run", cfg), 2, "%s", out);
	cr_assert(tu_has(out, "bad.ini:3: line longer than 198 characters (repeat the key"), "%s",
		  out);
	cr_assert_eq(adascale("sweep %s --shard 3/2 --dry-run", cfg), 2, "%s", out);
	cr_assert_eq(adascale("sweep %s --resume --db %s", small_sweep("ok.ini", ""), db), 2, "%s",
		     out);
	cr_assert(tu_has(out, "--resume: the database does not exist"), "%s", out);
}

/* A sweep file's paths are its folder's: it runs the same from anywhere. */
Test(sweep, paths_are_taken_from_the_sweep_files_folder)
{
	char cwd[PATH_MAX], cmd[4 * PATH_MAX];
	cr_assert(getcwd(cwd, sizeof cwd));
	/* tu_dir()/a/b/s.ini names the test data two folders up (tu_dir() links tests/) */
	snprintf(cmd, sizeof cmd, "mkdir -p %s/a/b", tu_dir());
	cr_assert_eq(tu_run(cmd, out, sizeof out), 0, "%s", out);
	const char *cfg = tu_write("a/b/s.ini",
				   "[sweep]\nname = rel\ntraces = ../../tests/data/slowdown.csv\n"
				   "devices = ../../tests/data/dvfs2.ini\n"
				   "models = ../../models/zoo/mobilenet_v1.csv\npolicies = greedy\n"
				   "deadlines_ms = 33 50\n[exclude]\n"
				   "run = trace=../../tests/data/slowdown.csv deadline_ms=50\n");
	/* from / and from the repository the plan is the same, with the same paths */
	char from_root[65536];
	snprintf(cmd, sizeof cmd, "cd / && '%s/%s/adascale' sweep '%s' --dry-run", cwd, tu_bin(),
		 cfg);
	cr_assert_eq(tu_run(cmd, from_root, sizeof from_root), 0, "%s", from_root);
	cr_assert_eq(adascale("sweep %s --dry-run", cfg), 0, "%s", out);
	cr_assert_str_eq(out, from_root);
	char want[2048];
	snprintf(want, sizeof want, "1\t%s/tests/data/slowdown.csv\t%s/tests/data/dvfs2.ini\t%s/models/zoo/mobilenet_v1.csv\tgreedy",
		 tu_dir(), tu_dir(), tu_dir());
	cr_assert(tu_has(out, want), "want '%s' in: %s", want, out);
	/* and it runs from elsewhere */
	const char *db = tu_scratch("rel.db");
	remove(db);
	snprintf(cmd, sizeof cmd, "cd / && '%s/%s/adascale' sweep '%s' --db '%s' --jobs 1", cwd,
		 tu_bin(), cfg, db);
	cr_assert_eq(tu_run(cmd, out, sizeof out), 0, "%s", out);
	cr_assert(tu_has(out, "1 ran now (1 ok, 0 failed)"), "%s", out);

	/* a path that does not resolve names the sweep file and line, dry run or not */
	cfg = tu_write("a/b/bad.ini", "[sweep]\nname = rel\ntraces = ../../tests/data/slowdown.csv\n"
				      "devices = tests/data/dvfs2.ini\nmodels = mobilenet_v1\n"
				      "policies = greedy\n");
	snprintf(cmd, sizeof cmd, "cd / && '%s/%s/adascale' sweep '%s' --dry-run", cwd, tu_bin(),
		 cfg);
	cr_assert_eq(tu_run(cmd, out, sizeof out), 2, "%s", out);
	snprintf(want, sizeof want, "%s:4: device: %s/a/b/tests/data/dvfs2.ini", cfg, tu_dir());
	cr_assert(tu_has(out, want), "want '%s' in: %s", want, out);
	remove(db);
	cr_assert_eq(adascale("sweep %s --db %s", cfg, db), 2, "%s", out);
	cr_assert(tu_has(out, want), "want '%s' in: %s", want, out);
	cr_assert_eq(access(db, F_OK), -1, "bad input must write nothing");
}

/* ---- identity ---- */

Test(sweep, plan_identity_is_the_one_run_execute_computes)
{
	const char *cfg = tu_write(
		"id.ini", "[sweep]\nname = id\ntraces = tests/data/slowdown.csv tests/data/ramp.csv\n"
			  "devices = tests/data/dvfs2.ini\nmodels = mobilenet_v1\n"
			  "policies = greedy static:variant=best oracle adascale:forecast=0\n"
			  "workloads = poisson:rate=20\ndeadlines_ms = 33.5\nseeds = 9\n"
			  "duration_s = 1\nqueue = 3\ndrop = oldest\n");
	struct errbuf eb = {0};
	struct sweep_spec *s = NULL;
	struct sweep_plan *p = NULL;
	cr_assert_eq(sweep_spec_load(cfg, &s, &eb), 0, "%s", eb.msg);
	cr_assert_eq(sweep_plan_build(s, "tagged", 1, 1, &p, &eb), 0, "%s", eb.msg);
	cr_assert_eq(p->n, 8);
	for (int i = 0; i < p->n; i++) {
		struct run_config c;
		sweep_plan_config(p, &p->runs[i], &c);
		struct run_output *o = NULL, *mine = calloc(1, sizeof *mine);
		cr_assert_eq(run_execute(&c, &o, &eb), 0, "%s", eb.msg);
		sweep_plan_describe(p, &p->runs[i], mine);
		cr_assert_str_eq(mine->config_key, o->config_key, "%s", c.policy);
		cr_assert_str_eq(p->runs[i].config_key, o->config_key);
		cr_assert_str_eq(mine->config, o->config);
		cr_assert_str_eq(mine->policy_params, o->policy_params);
		cr_assert_str_eq(mine->timings_path, o->timings_path);
		cr_assert_str_eq(mine->trace_sha256, o->trace_sha256);
		run_output_destroy(o);
		run_output_destroy(mine);
	}
	sweep_plan_destroy(p);
	sweep_spec_destroy(s);
}

Test(sweep, auto_deadlines_resolve_per_run_and_keep_the_rule_in_the_config)
{
	const char *cfg = tu_write(
		"auto.ini", "[sweep]\nname = auto\ntraces = tests/data/slowdown.csv\n"
			    "devices = devices/xeon-kvm-2vcpu.ini\nmodels = mobilenet_v1\n"
			    "policies = greedy static:variant=best\ndeadlines_ms = auto:1.5 auto:2 40\n"
			    "seeds = 1\nduration_s = 1\n[exclude]\nrun = policy=static:variant=best "
			    "deadline_ms=auto:2\n");
	const char *db = tu_scratch("auto.db");
	remove(db);
	cr_assert_eq(adascale("sweep %s --db %s", cfg, db), 0, "%s", out);
	cr_assert(tu_has(out, "5 ran now (5 ok, 0 failed)"), "%s", out);
	/* the deadline column holds milliseconds; auto:2 over auto:1.5 is 4/3 */
	char cmd[1024];
	snprintf(cmd, sizeof cmd,
		 "sqlite3 %s \"SELECT printf('%%.12f', (SELECT deadline_ms FROM runs WHERE config "
		 "LIKE '%%deadline_ms=auto:2%%') / (SELECT deadline_ms FROM runs WHERE policy = "
		 "'greedy' AND config LIKE '%%deadline_ms=auto:1.5%%')), (SELECT count(*) FROM runs "
		 "WHERE deadline_ms = 40 AND config LIKE '%%deadline_ms=40%%')\"",
		 db);
	cr_assert_eq(tu_run(cmd, out, sizeof out), 0, "%s", out);
	cr_assert(tu_has(out, "1.333333333333|2"), "%s", out);
	/* run again: every run is found under the key the plan computed */
	cr_assert_eq(adascale("sweep %s --db %s", cfg, db), 0, "%s", out);
	cr_assert(tu_has(out, "5 already in"), "%s", out);
}

/* ---- running ---- */

Test(sweep, results_do_not_depend_on_jobs)
{
	const char *cfg = small_sweep("jobs.ini", "detail = timeline\n");
	const char *one = tu_scratch("jobs1.db"), *three = tu_scratch("jobs3.db");
	remove(one);
	remove(three);
	cr_assert_eq(adascale("sweep %s --db %s --jobs 1", cfg, one), 0, "%s", out);
	cr_assert(tu_has(out, "sweep t: 14 runs: 0 already in"), "%s", out);
	cr_assert(tu_has(out, "14 ran now (14 ok, 0 failed)"), "%s", out);
	cr_assert_eq(adascale("sweep %s --db %s --jobs 3 --progress lines --progress-s 0", cfg,
			      three),
		     0, "%s", out);
	cr_assert(tu_has(out, "sweep t: 14/14 runs, 0 failed"), "plain progress lines: %s", out);
	cr_assert_eq(n_runs(one), 14);
	cr_assert_eq(query_int(one, "SELECT count(*) FROM timeline"),
		     query_int(three, "SELECT count(*) FROM timeline"));
	cr_assert_gt(query_int(one, "SELECT count(*) FROM timeline"), 14);
	assert_same_results(one, three);

	/* the same command again runs nothing */
	cr_assert_eq(adascale("sweep %s --db %s --jobs 2", cfg, one), 0, "%s", out);
	cr_assert(tu_has(out, "14 already in"), "%s", out);
	cr_assert(tu_has(out, "0 ran now"), "%s", out);
	cr_assert_eq(n_runs(one), 14);
}

/* With sensing noise (the stream "sensing", drawn by sample number) runs are the same
   whatever --jobs, and seeds still differ. */
Test(sweep, sensed_runs_do_not_depend_on_jobs)
{
	const char *cfg = tu_write("sensing.ini",
				   "[sweep]\nname = s\ntraces = tests/data/slowdown.csv\n"
				   "devices = tests/data/dvfs2-sensing.ini\nmodels = mobilenet_v1\n"
				   "policies = greedy adascale\nworkloads = poisson:rate=30\n"
				   "deadlines_ms = 33\nseeds = 1 2 3\n");
	const char *one = tu_scratch("sense1.db"), *two = tu_scratch("sense2.db");
	remove(one);
	remove(two);
	cr_assert_eq(adascale("sweep %s --db %s --jobs 1", cfg, one), 0, "%s", out);
	cr_assert_eq(adascale("sweep %s --db %s --jobs 2", cfg, two), 0, "%s", out);
	cr_assert_eq(n_runs(one), 6);
	assert_same_results(one, two);
	cr_assert_eq(query_int(one, "SELECT count(*) FROM runs WHERE error LIKE "
				    "'%sensing: a sample every 100 ms, seen 30 ms later%'"),
		     6);
	cr_assert_gt(query_int(one, "SELECT count(DISTINCT ontime_top1) FROM runs WHERE "
				    "policy = 'greedy'"),
		     1, "seeds differ");
}

static const char crashy_src[] =
	"#include <stddef.h>\n"
	"#include <stdlib.h>\n"
	"#include \"adascale_policy.h\"\n"
	"static int create(const struct adascale_host *h, const char *const *v, void **s,\n"
	"                  char *e, size_t n) { (void)h; (void)v; (void)e; (void)n; *s = NULL;\n"
	"                  return 0; }\n"
	"static volatile int spin = 1;\n"
	"static int crash(void *s, const struct adascale_view *v, struct adascale_decision *d)\n"
	"{ (void)s; if (v->state->t_ns > 1000000000) abort();\n"
	"  d->variant = 0; d->threads = 1; return 0; }\n"
	"static int hang(void *s, const struct adascale_view *v, struct adascale_decision *d)\n"
	"{ (void)s; if (v->state->t_ns > 1000000000) while (spin) {}\n"
	"  d->variant = 0; d->threads = 1; return 0; }\n"
	"static int refuse(void *s, const struct adascale_view *v, struct adascale_decision *d)\n"
	"{ (void)s; (void)v; (void)d; return 7; }\n"
	"static const struct adascale_policy ps[] = {\n"
	"  {ADASCALE_POLICY_ABI_VERSION, sizeof(struct adascale_policy), \"crash\", \"segfaults\",\n"
	"   NULL, 0, create, crash, NULL, NULL, 0},\n"
	"  {ADASCALE_POLICY_ABI_VERSION, sizeof(struct adascale_policy), \"hang\", \"loops\",\n"
	"   NULL, 0, create, hang, NULL, NULL, 0},\n"
	"  {ADASCALE_POLICY_ABI_VERSION, sizeof(struct adascale_policy), \"refuse\", \"fails\",\n"
	"   NULL, 0, create, refuse, NULL, NULL, 0}};\n"
	"const struct adascale_policy *adascale_policy_entry(int i);\n"
	"const struct adascale_policy *adascale_policy_entry(int i)\n"
	"{ return i >= 0 && i < 3 ? &ps[i] : NULL; }\n";

/* A plugin with one policy (the first variant, one thread); BUILD names the build. */
static const char fixed_src[] =
	"#include <stddef.h>\n"
	"#include \"adascale_policy.h\"\n"
	"static int create(const struct adascale_host *h, const char *const *v, void **s,\n"
	"                  char *e, size_t n) { (void)h; (void)v; (void)e; (void)n; *s = NULL;\n"
	"                  return 0; }\n"
	"static int decide(void *s, const struct adascale_view *v, struct adascale_decision *d)\n"
	"{ (void)s; (void)v; d->variant = 0; d->threads = 1; return 0; }\n"
	"static const struct adascale_policy p = {ADASCALE_POLICY_ABI_VERSION,\n"
	"  sizeof(struct adascale_policy), \"fixed\", \"the first variant, build \" BUILD,\n"
	"  NULL, 0, create, decide, NULL, NULL, 0};\n"
	"const struct adascale_policy *adascale_policy_entry(int i);\n"
	"const struct adascale_policy *adascale_policy_entry(int i)\n"
	"{ return i == 0 ? &p : NULL; }\n";

static void build_fixed(const char *so, const char *build)
{
	const char *src = tu_write("fixed.c", fixed_src);
	char cmd[2048];
	snprintf(cmd, sizeof cmd,
		 "${CC:-cc} -std=c11 -shared -fPIC -Ipolicies -DBUILD='\"%s\"' -o %s.tmp %s && "
		 "mv %s.tmp %s",
		 build, so, src, so, so);
	cr_assert_eq(tu_run(cmd, out, sizeof out), 0, "%s: %s", cmd, out);
}

/*
 * A plugin's code is part of a run's identity: resuming a sweep after the plugin was rebuilt
 * with other code runs its runs again and says why; the built-in's runs, and the plugin's
 * when it was not rebuilt, are not run again.
 */
Test(sweep, a_rebuilt_plugin_is_a_new_configuration_and_resume_says_so)
{
	const char *so = tu_scratch("fixed.so");
	build_fixed(so, "1");
	char text[1024], sha[65];
	snprintf(text, sizeof text,
		 "[sweep]\nname = rebuilt\ntraces = tests/data/slowdown.csv\n"
		 "devices = tests/data/dvfs2.ini\nmodels = mobilenet_v1\n"
		 "policies = greedy %s\ndeadlines_ms = 33\nseeds = 1 2\nduration_s = 2\n",
		 so);
	const char *cfg = tu_write("rebuilt.ini", text);
	const char *db = tu_scratch("rebuilt.db");
	remove(db);
	cr_assert_eq(adascale("sweep %s --db %s --progress none", cfg, db), 0, "%s", out);
	cr_assert(tu_has(out, "0 already in"), "%s", out);
	cr_assert_eq(sha256_file(so, sha), 0);
	char q[256];
	snprintf(q, sizeof q, "SELECT count(*) FROM runs WHERE policy = 'fixed' AND "
			      "policy_sha256 = '%s'", sha);
	cr_assert_eq(query_int(db, q), 2);
	cr_assert_eq(query_int(db, "SELECT count(*) FROM runs WHERE policy = 'greedy' AND "
				   "policy_sha256 = ''"),
		     2);

	/* not rebuilt: nothing runs again */
	cr_assert_eq(adascale("sweep %s --db %s --progress none", cfg, db), 0, "%s", out);
	cr_assert(tu_has(out, "4 already in"), "%s", out);
	cr_assert(!tu_has(out, "changed"), "%s", out);

	/* rebuilt with other code: its two runs again, with the reason */
	build_fixed(so, "2");
	char now[65];
	cr_assert_eq(sha256_file(so, now), 0);
	cr_assert_str_neq(now, sha);
	cr_assert_eq(adascale("sweep %s --db %s --progress none", cfg, db), 0, "%s", out);
	char want[1024];
	snprintf(want, sizeof want, "adascale: policy plugin %s changed (sha256 %.12s..., was %.12s...): 2 runs again", so, now, sha);
	cr_assert(tu_has(out, want), "want: %s\ngot: %s", want, out);
	cr_assert(tu_has(out, "2 already in"), "%s", out);
	cr_assert(tu_has(out, "2 ran now"), "%s", out);
	snprintf(q, sizeof q, "SELECT count(*) FROM runs WHERE policy = 'fixed' AND "
			      "policy_sha256 = '%s'", now);
	cr_assert_eq(query_int(db, q), 2);
	cr_assert_eq(n_runs(db), 6);
}

Test(sweep, crashing_failing_and_hanging_policies_are_failed_runs)
{
	const char *src = tu_write("crashy.c", crashy_src);
	const char *so = tu_scratch("crashy.so");
	char cmd[2048], text[1024];
	snprintf(cmd, sizeof cmd, "${CC:-cc} -std=c11 -shared -fPIC -Ipolicies -o %s %s", so, src);
	cr_assert_eq(tu_run(cmd, out, sizeof out), 0, "%s: %s", cmd, out);
	snprintf(text, sizeof text,
		 "[sweep]\nname = crashy\ntraces = tests/data/slowdown.csv\n"
		 "devices = tests/data/dvfs2.ini\nmodels = mobilenet_v1\n"
		 "policies = greedy %s:crash %s:hang %s:refuse\ndeadlines_ms = 33\nseeds = 1 2\n",
		 so, so, so);
	const char *cfg = tu_write("crashy.ini", text);
	const char *db = tu_scratch("crashy.db");
	remove(db);
	/* the run limit, not the decide watchdog, stops the hanging policy; memcheck makes every
	   run 20 times as long (TU_SLOW) */
	const double limit = 0.5 * TU_SLOW;
	char hang_error[128];
	snprintf(hang_error, sizeof hang_error, "timed out after %g s%%", limit);
	cr_assert_eq(adascale("sweep %s --db %s --jobs 2 --timeout-s %g --decide-timeout-s 3600",
			      cfg, db, limit),
		     1, "%s", out);
	cr_assert(tu_has(out, "8 ran now (2 ok, 6 failed)"), "%s", out);
	cr_assert(tu_has(out, "6 of 8 runs failed"), "%s", out);
	cr_assert_eq(query_int(db, "SELECT count(*) FROM runs WHERE status = 'ok' AND "
				   "policy = 'greedy' AND served > 0"),
		     2, "the sweep goes on past failures");
	cr_assert_eq(query_int(db, "SELECT count(*) FROM runs WHERE policy = 'crash' AND "
				   "status = 'failed' AND error LIKE 'crashed: killed by signal 6%'"),
		     2);
	char sql[256];
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM runs WHERE policy = 'hang' AND status = 'failed' AND "
		 "error LIKE '%s'",
		 hang_error);
	cr_assert_eq(query_int(db, sql), 2);
	cr_assert_eq(query_int(db, "SELECT count(*) FROM runs WHERE policy = 'refuse' AND "
				   "status = 'failed' AND error LIKE '%decide failed (returned 7)%'"),
		     2);
	cr_assert_eq(query_int(db, "SELECT count(*) FROM runs WHERE status = 'failed' AND "
				   "(served IS NOT NULL OR lat_p95_ms IS NOT NULL OR "
				   "length(config_key) <> 64)"),
		     0, "failed runs have their identity and no metrics");
	cr_assert_eq(query_int(db, "SELECT count(*) FROM latency_quantiles q JOIN runs r ON "
				   "r.id = q.run_id WHERE r.status = 'failed'"),
		     0);

	/* --skip-failed leaves them; a plain resume runs them again, replacing their rows */
	cr_assert_eq(adascale("sweep %s --db %s --skip-failed --timeout-s %g", cfg, db, limit), 1,
		     "%s", out);
	cr_assert(tu_has(out, "8 already in"), "%s", out);
	long long max_id = query_int(db, "SELECT max(id) FROM runs");
	cr_assert_eq(adascale("sweep %s --db %s --resume --jobs 2 --timeout-s %g "
			      "--decide-timeout-s 3600",
			      cfg, db, limit),
		     1, "%s", out);
	cr_assert(tu_has(out, "2 already in"), "%s", out);
	cr_assert(tu_has(out, "6 ran now (0 ok, 6 failed)"), "%s", out);
	cr_assert_eq(n_runs(db), 8, "one row per run, failed ones replaced");
	cr_assert_eq(query_int(db, "SELECT min(id) FROM runs WHERE status = 'failed'"), max_id + 1);
	assert_integrity(db);
}

Test(sweep, killed_with_sigkill_then_resumed_equals_an_uninterrupted_sweep)
{
	const char *cfg = small_sweep("kill.ini", "");
	const char *clean = tu_scratch("kill-clean.db"), *db = tu_scratch("kill.db");
	clean_sweep(cfg, clean);
	remove(db);
	int killed_midway = 0;
	/* kill at several moments: before the first run is stored (planning, first
	 * transaction), and after 1, 5 and 9 stored runs */
	const long long at[] = {0, 1, 5, 9};
	for (int k = 0; k < 4; k++) {
		pid_t pid = start_sweep(cfg, db, NULL);
		int alive = at[k] ? wait_for_runs(pid, db, at[k]) : (sleep_ms(15 + 10 * k), 1);
		kill(pid, SIGKILL);
		int st;
		waitpid(pid, &st, 0);
		if (alive && WIFSIGNALED(st) && n_runs(db) < 14)
			killed_midway++;
		assert_integrity(db);
	}
	cr_assert_geq(killed_midway, 2, "the sweep finished before it could be killed");
	cr_assert_lt(n_runs(db), 14);
	cr_assert_eq(adascale("sweep %s --db %s --resume --jobs 2", cfg, db), 0, "%s", out);
	cr_assert_eq(n_runs(db), 14);
	assert_integrity(db);
	assert_same_results(clean, db);
}

/* The number of child processes of pid (Linux /proc). */
static int n_children(pid_t pid)
{
	char path[128], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid, (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	int k = 0;
	for (char *t = strtok(buf, " \n"); t; t = strtok(NULL, " \n"))
		k++;
	return k;
}

Test(sweep, sigint_stops_after_the_runs_in_flight)
{
	/* four runs of about half a second each (the signal comes while two are in
	 * flight; on a loaded machine one of them may finish first) */
	const char *cfg = tu_write("int.ini", "[sweep]\nname = int\ntraces = traces/thermal.csv\n"
					      "devices = devices/xeon-kvm-2vcpu.ini\nmodels = mobilenet_v1\n"
					      "policies = adascale\ndeadlines_ms = 10 33\nseeds = 1 2\n"
					      "duration_s = 30000\n");
	const char *db = tu_scratch("int.db"), *err = tu_scratch("int.err");
	remove(db);
	pid_t pid = start_sweep(cfg, db, err);
	int i = 0;
	while (n_children(pid) < 2 && i++ < 10000)
		sleep_ms(1);
	cr_assert_eq(n_children(pid), 2, "two runs should be in flight");
	long long at_signal = n_runs(db);
	kill(pid, SIGINT);
	int st;
	waitpid(pid, &st, 0);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1, "exit status %d", st);
	long long n = n_runs(db);
	cr_assert_gt(n, at_signal, "the runs in flight at the signal are finished and stored");
	cr_assert_lt(n, 4, "no run starts after the signal");
	cr_assert_eq(query_int(db, "SELECT count(*) FROM runs WHERE status <> 'ok'"), 0);
	cr_assert_eq(query_int(db, "SELECT count(*) FROM latency_quantiles"), 101 * n,
		     "every stored run is whole");
	char cmd[600];
	snprintf(cmd, sizeof cmd, "cat %s", err);
	tu_run(cmd, out, sizeof out);
	cr_assert(tu_has(out, "adascale: interrupted: finishing the 2 runs in flight") ||
		      tu_has(out, "adascale: interrupted: finishing the 1 run in flight"),
		  "%s", out);
	cr_assert(tu_has(out, "runs not run; the same command runs them"), "%s", out);
	cr_assert_eq(adascale("sweep %s --db %s --jobs 2", cfg, db), 0, "%s", out);
	cr_assert(tu_has(out, "4 runs: " ) && tu_has(out, "already in"), "%s", out);
	cr_assert_eq(n_runs(db), 4);
}

/* ---- shards and merge ---- */

Test(sweep, shards_partition_the_sweep_and_merge_back_into_it)
{
	const char *cfg = small_sweep("shard.ini", "");
	const char *whole = tu_scratch("whole.db"), *merged = tu_scratch("merged.db");
	clean_sweep(cfg, whole);
	const char *shard[3] = {tu_scratch("s1.db"), tu_scratch("s2.db"), tu_scratch("s3.db")};
	int seen[14] = {0}, total = 0;
	for (int i = 0; i < 3; i++) {
		remove(shard[i]);
		cr_assert_eq(adascale("sweep %s --shard %d/3 --dry-run", cfg, i + 1), 0, "%s", out);
		for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
			if (line[0] == '#')
				continue;
			int k = atoi(line);
			cr_assert(k >= 1 && k <= 14);
			cr_assert_eq(seen[k - 1]++, 0, "run %d is in two shards", k);
			cr_assert_eq((k - 1) % 3, i, "run %d in shard %d", k, i + 1);
			total++;
		}
		cr_assert_eq(adascale("sweep %s --shard %d/3 --db %s --jobs 1", cfg, i + 1, shard[i]),
			     0, "%s", out);
	}
	cr_assert_eq(total, 14, "the shards cover the sweep");
	remove(merged);
	cr_assert_eq(adascale("merge %s %s %s %s", merged, shard[0], shard[1], shard[2]), 0, "%s",
		     out);
	cr_assert(tu_has(out, "14 runs copied"), "%s", out);
	assert_same_results(whole, merged);
	assert_integrity(merged);

	/* identical duplicates are accepted, once */
	cr_assert_eq(adascale("merge %s %s %s", merged, shard[1], whole), 0, "%s", out);
	cr_assert(tu_has(out, "0 runs copied, 19 identical duplicates"), "%s", out);
	cr_assert_eq(n_runs(merged), 14);

	/* a conflicting duplicate refuses the merge and leaves the output as it was */
	char cmd[1024];
	const char *bad = tu_scratch("conflict.db");
	snprintf(cmd, sizeof cmd,
		 "cp %s %s && sqlite3 %s \"UPDATE runs SET lat_p95_ms = lat_p95_ms + 0.001 WHERE "
		 "id = (SELECT max(id) FROM runs)\"",
		 shard[2], bad, bad);
	cr_assert_eq(tu_run(cmd, out, sizeof out), 0, "%s", out);
	char *before = dump(merged);
	cr_assert_eq(adascale("merge %s %s %s", merged, shard[0], bad), 2, "%s", out);
	cr_assert(tu_has(out, "conflicts with the same run already merged: lat_p95_ms is"), "%s",
		  out);
	char *after = dump(merged);
	cr_assert_str_eq(before, after, "a refused merge must not change the output");
	free(before);
	free(after);
	snprintf(cmd, sizeof cmd, "ls %s | grep -c merge- || true", tu_dir());
	tu_run(cmd, out, sizeof out);
	cr_assert_eq(atoi(out), 0, "no temporary file stays behind");

	/* so does a detail row that differs, and a file that is not a results database */
	snprintf(cmd, sizeof cmd,
		 "cp %s %s && sqlite3 %s \"UPDATE variant_use SET served = served + 1 WHERE "
		 "run_id = (SELECT min(id) FROM runs)\"",
		 shard[2], bad, bad);
	cr_assert_eq(tu_run(cmd, out, sizeof out), 0, "%s", out);
	cr_assert_eq(adascale("merge %s %s", merged, bad), 2, "%s", out);
	cr_assert(tu_has(out, "its variant_use rows differ"), "%s", out);
	const char *junk = tu_scratch("junk.db");
	snprintf(cmd, sizeof cmd, "rm -f %s && sqlite3 %s 'CREATE TABLE t(x)'", junk, junk);
	cr_assert_eq(tu_run(cmd, out, sizeof out), 0, "%s", out);
	cr_assert_eq(adascale("merge %s %s", merged, junk), 2, "%s", out);
	cr_assert(tu_has(out, "not an adascale results database"), "%s", out);
	cr_assert_eq(adascale("merge %s %s", merged, tu_scratch("nosuch.db")), 2, "%s", out);
	cr_assert_eq(n_runs(merged), 14);
}

Test(sweep, an_input_that_changes_during_the_sweep_stops_it)
{
	char text[4096];
	FILE *f = fopen("tests/data/slowdown.csv", "r");
	cr_assert(f);
	size_t n = fread(text, 1, sizeof text - 1, f);
	text[n] = '\0';
	fclose(f);
	const char *trace = tu_write("changing.csv", text);
	char cfg_text[1024];
	snprintf(cfg_text, sizeof cfg_text,
		 "[sweep]\nname = c\ntraces = %s\ndevices = tests/data/dvfs2.ini\n"
		 "models = mobilenet_v1\npolicies = greedy reactive static:variant=best adascale\n"
		 "deadlines_ms = 33 50\nseeds = 1 2 3\n",
		 trace);
	const char *cfg = tu_write("changing.ini", cfg_text);
	const char *db = tu_scratch("changing.db"), *err = tu_scratch("changing.err");
	remove(db);
	pid_t pid = start_sweep(cfg, db, err);
	cr_assert(wait_for_runs(pid, db, 1), "the sweep ended before the trace could change");
	/* a new version of the trace, renamed into place as an editor or generator would */
	strcat(text, "# changed\n");
	tu_write("changing.tmp", text);
	char tmp[512];
	snprintf(tmp, sizeof tmp, "%s/changing.tmp", tu_dir());
	cr_assert_eq(rename(tmp, trace), 0);
	int st;
	waitpid(pid, &st, 0);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1, "exit status %d", st);
	cr_assert_eq(tu_run("true", out, sizeof out), 0);
	snprintf(tmp, sizeof tmp, "cat %s", err);
	tu_run(tmp, out, sizeof out);
	cr_assert(tu_has(out, "changing.csv changed while the sweep ran"), "%s", out);
	long long before = n_runs(db);
	cr_assert_lt(before, 24);
	cr_assert_eq(query_int(db, "SELECT count(DISTINCT trace_sha256) FROM runs"), 1,
		     "nothing of the new version was stored under the old plan");
	/* run again, the sweep is planned on the new version and runs it whole */
	cr_assert_eq(adascale("sweep %s --db %s --jobs 2", cfg, db), 0, "%s", out);
	cr_assert(tu_has(out, "24 runs: 0 already in"), "%s", out);
	cr_assert_eq(n_runs(db), before + 24);
}

Test(merge, an_ok_run_replaces_a_failed_one_and_failed_duplicates_are_dropped)
{
	const char *cfg = tu_write("ok-failed.ini",
				   "[sweep]\nname = of\ntraces = tests/data/slowdown.csv\n"
				   "devices = tests/data/dvfs2.ini\nmodels = mobilenet_v1\n"
				   "policies = greedy\ndeadlines_ms = 33\nseeds = 1 2\n");
	const char *failed = tu_scratch("of-failed.db"), *ok = tu_scratch("of-ok.db");
	const char *m1 = tu_scratch("of-m1.db"), *m2 = tu_scratch("of-m2.db");
	remove(failed);
	remove(ok);
	remove(m1);
	remove(m2);
	cr_assert_eq(adascale("sweep %s --db %s", cfg, ok), 0, "%s", out);
	/* the same runs as a sweep stores them when they time out: status, reason, no metrics */
	char cmd[2048];
	snprintf(cmd, sizeof cmd,
		 "cp %s %s && sqlite3 %s \"DELETE FROM latency_quantiles; DELETE FROM variant_use; "
		 "UPDATE runs SET status = 'failed', error = 'timed out after 1 s (--timeout-s)', "
		 "served = NULL, lat_p95_ms = NULL, decide_mean_us = NULL\"",
		 ok, failed, failed);
	cr_assert_eq(tu_run(cmd, out, sizeof out), 0, "%s", out);
	cr_assert_eq(adascale("merge %s %s %s", m1, failed, ok), 0, "%s", out);
	cr_assert(tu_has(out, "2 runs copied, 0 identical duplicates kept once, 2 failed runs "
			      "replaced by ok ones"),
		  "%s", out);
	assert_same_results(ok, m1);
	cr_assert_eq(adascale("merge %s %s %s", m2, ok, failed), 0, "%s", out);
	cr_assert(tu_has(out, "2 failed duplicates dropped; 2 runs in all"), "%s", out);
	assert_same_results(ok, m2);
}

/* A device that names a model's own timings (timings.MODEL): each model's runs take their
   timings from its file, in the plan as in the run, and a run of the model alone agrees. */
Test(sweep, each_model_takes_the_timings_its_device_names_for_it)
{
	const char *cfg = tu_write(
		"models.ini", "[sweep]\nname = models\ntraces = tests/data/slowdown.csv\n"
			      "devices = devices/epyc-kvm-2vcpu.ini\n"
			      "models = mobilenet_v1 mobilenet_v2 resnet18\n"
			      "policies = greedy\ndeadlines_ms = 40\nseeds = 1\nduration_s = 1\n");
	struct errbuf eb = {0};
	struct sweep_spec *s = NULL;
	struct sweep_plan *p = NULL;
	cr_assert_eq(sweep_spec_load(cfg, &s, &eb), 0, "%s", eb.msg);
	cr_assert_eq(sweep_plan_build(s, "t", 1, 1, &p, &eb), 0, "%s", eb.msg);
	cr_assert_eq(p->n, 3);
	/* the files the bundled device names (devices/epyc-kvm-2vcpu.ini) */
	const char *want[][2] = {{"mobilenet_v1", "devices/epyc-kvm-2vcpu/timings.csv"},
				 {"mobilenet_v2", "devices/epyc-kvm-2vcpu/timings-mobilenet_v2.csv"},
				 {"resnet18", "devices/epyc-kvm-2vcpu/timings-resnet18.csv"}};
	for (int i = 0; i < p->n; i++) {
		struct run_config c;
		sweep_plan_config(p, &p->runs[i], &c);
		struct run_output *o = NULL, *mine = calloc(1, sizeof *mine);
		cr_assert_eq(run_execute(&c, &o, &eb), 0, "%s", eb.msg);
		sweep_plan_describe(p, &p->runs[i], mine);
		int k = 0;
		while (k < 3 && strcmp(want[k][0], c.model) != 0)
			k++;
		cr_assert_lt(k, 3, "%s", c.model);
		cr_assert(tu_has(o->timings_path, want[k][1]), "%s: %s", c.model, o->timings_path);
		cr_assert_str_eq(mine->timings_path, o->timings_path);
		cr_assert_str_eq(mine->config_key, o->config_key);
		cr_assert_str_eq(mine->timings_sha256, o->timings_sha256);
		run_output_destroy(o);
		run_output_destroy(mine);
	}
	sweep_plan_destroy(p);
	sweep_spec_destroy(s);
}

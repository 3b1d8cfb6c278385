/*
 * test_contain.c: misbehaving policy plugins are contained. The plugins of
 * tests/data/policies/ (compiled here) behave for one simulated second, then segfault,
 * abort, loop forever, decide a variant or thread count the table does not have, or write
 * past (or into) the buffers the host hands them. `adascale run` must fail with the reason
 * (which call, the simulated time, the request), exit 1 and leave the database as it was; a
 * sweep must store each as a failed run with the reason and store the good runs. A normal
 * run in a child gives exactly the results of the same run in process.
 */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "contain.h"
#include "err.h"
#include "run.h"
#include "testutil.h"

static char out[65536];

/* adascale ARGS (printf-style) into out */
#define adascale(...) tu_adascale(out, sizeof out, __VA_ARGS__)

/* Compiles tests/data/policies/NAME.c into the scratch folder; the path (static, 8 slots). */
static const char *plugin(const char *name)
{
	static char paths[8][512];
	static int next;
	char *path = paths[next++ % 8];
	snprintf(path, 512, "%s/%s.so", tu_dir(), name);
	struct stat st;
	if (stat(path, &st) == 0)
		return path;
	char cmd[2048];
	snprintf(cmd, sizeof cmd,
		 "${CC:-cc} -std=c11 -O1 -shared -fPIC -Ipolicies -o %s tests/data/policies/%s.c",
		 path, name);
	cr_assert_eq(tu_run(cmd, out, sizeof out), 0, "%s: %s", cmd, out);
	return path;
}

static long long query_int(const char *db, const char *sql)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	long long v = -1;
	cr_assert_eq(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK, "%s", sqlite3_errmsg(h));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

#define RUN_ARGS                                                                          \
	"run --trace tests/data/slowdown.csv --device tests/data/dvfs2.ini --model "          \
	"mobilenet_v1 --deadline-ms 33 --duration-s 3"

/*
 * `adascale run` with plugin FILE's policy NAME against a database holding one good run:
 * exits 1 with what (PATH in it: the plugin's path), and the database still holds that
 * one run.
 */
static void run_fails(const char *file, const char *name, const char *extra, const char *what)
{
	const char *so = plugin(file);
	const char *db = tu_scratch("one.db");
	struct stat st;
	if (stat(db, &st) != 0)
		cr_assert_eq(adascale(RUN_ARGS " --db %s --policy greedy", db), 0, "%s", out);
	char expect[2048];
	const char *at = strstr(what, "PATH");
	if (at)
		snprintf(expect, sizeof expect, "%.*s%s%s", (int)(at - what), what, so, at + 4);
	else
		snprintf(expect, sizeof expect, "%s", what);
	int rc = adascale(RUN_ARGS " --db %s --policy %s:%s %s", db, so, name, extra);
	cr_expect_eq(rc, 1, "%s:%s: exit %d (1: the run failed; 2 is for bad input)\n%s", file,
		     name, rc, out);
	cr_expect(tu_has(out, expect), "%s:%s: expected\n  %s\ngot\n  %s", file, name, expect, out);
	cr_expect_eq(query_int(db, "SELECT count(*) FROM runs"), 1,
		     "%s:%s: the database must be untouched", file, name);
}

Test(contain, a_segfaulting_policy_is_reported_with_the_call_time_and_request)
{
	run_fails("segv", "segv", "",
		  "adascale: policy 'segv' (PATH): killed by SIGSEGV (wrote to address 0x10) during "
		  "decide at simulated t=1.000 s, request 30\n");
}

Test(contain, an_aborting_policy_is_reported)
{
	run_fails("abort", "abort", "",
		  "adascale: policy 'abort' (PATH): killed by SIGABRT during decide at simulated "
		  "t=1.000 s, request 30\n");
}

Test(contain, a_looping_policy_is_killed_by_the_decide_watchdog)
{
	run_fails("loop", "loop", "--decide-timeout-s 0.3",
		  "adascale: policy 'loop' (PATH): decide did not return within 0.3 s at simulated "
		  "t=1.000 s, request 30\n");
	cr_assert_eq(adascale(RUN_ARGS " --db %s --policy greedy --decide-timeout-s soon",
			      tu_scratch("x.db")),
		     2, "%s", out);
	cr_assert(tu_has(out, "--decide-timeout-s 'soon' takes seconds"), "%s", out);
}

Test(contain, an_invalid_variant_or_thread_count_fails_the_run)
{
	run_fails("variant", "past_end", "",
		  "adascale: policy past_end: decided variant 57, the table has 0..31 (at 1.000 s, "
		  "request 30)\n");
	run_fails("variant", "negative", "",
		  "adascale: policy negative: decided variant -1, the table has 0..31 (at 1.000 s, "
		  "request 30)\n");
	run_fails("variant", "threads", "",
		  "adascale: policy threads: decided 99 threads for "
		  "mobilenet_v1:width=1,res=224,quant=fp32, which has no timings at that count (at "
		  "1.000 s, request 30)\n");
}

Test(contain, writes_past_or_into_the_hosts_buffers_fault_and_name_the_buffer)
{
	static const struct {
		const char *name, *what;
	} cases[] = {
		{"decision", "(wrote past the end of the decision) during decide at simulated "
			     "t=1.000 s, request 30\n"},
		{"table", "(wrote into the read-only variant table) during decide at simulated "
			  "t=1.000 s, request 30\n"},
		{"table_end", "(wrote past the end of the variant table) during decide at "
			      "simulated t=1.000 s, request 30\n"},
		{"state", "(wrote past the end of the device state) during decide at simulated "
			  "t=1.000 s, request 30\n"},
		{"create_err", "(wrote past the end of the create error buffer) during create at "
			       "simulated t=0.000 s\n"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char what[512];
		snprintf(what, sizeof what, "adascale: policy '%s' (PATH): killed by SIGSEGV %s",
			 cases[i].name, cases[i].what);
		run_fails("overrun", cases[i].name, "", what);
	}
}

Test(contain, a_run_in_a_child_gives_the_results_of_the_run_in_process)
{
	struct run_config c;
	run_config_defaults(&c);
	c.trace = "tests/data/slowdown.csv";
	c.device = "tests/data/dvfs2.ini";
	c.model = "mobilenet_v1";
	c.policy = "adascale";
	c.deadline_ms = 33;
	c.duration_s = 20;
	c.timeline = c.requests = 1;
	struct errbuf eb = {0};
	struct run_output *a = NULL, *b = NULL;
	cr_assert_eq(run_execute(&c, &a, &eb), 0, "%s", eb.msg);
	cr_assert_eq(contain_run(&c, CONTAIN_DECIDE_TIMEOUT_S, &b, &eb), 0, "%s", eb.msg);
	cr_assert_eq(memcmp(&a->m, &b->m, sizeof a->m), 0, "the metrics differ");
	cr_assert_gt(a->m.served, 0);
	cr_assert_eq(a->n_request_rows, b->n_request_rows);
	cr_assert_eq(memcmp(a->request_rows, b->request_rows,
			    (size_t)a->n_request_rows * sizeof *a->request_rows),
		     0);
	cr_assert_eq(a->n_timeline, b->n_timeline);
	cr_assert_str_eq(a->config_key, b->config_key);
	cr_assert_eq(memcmp(a->variant_served, b->variant_served,
			    (size_t)a->n_variants * sizeof *a->variant_served),
		     0);
	run_output_destroy(a);
	run_output_destroy(b);

	/* a run's own error comes back with its code */
	c.workload = "periodic:fps=0";
	cr_assert_eq(contain_run(&c, 1, &b, &eb), ERR_USAGE);
	cr_assert(tu_has(eb.msg, "workload 'periodic:fps=0'"), "%s", eb.msg);
	cr_assert_null(b);
}

Test(contain, a_sweep_stores_bad_policies_as_failed_and_goes_on)
{
	const char *segv = plugin("segv"), *abrt = plugin("abort"), *loop = plugin("loop"),
		   *var = plugin("variant"), *over = plugin("overrun");
	char text[4096];
	snprintf(text, sizeof text,
		 "[sweep]\nname = bad\ntraces = tests/data/slowdown.csv\n"
		 "devices = tests/data/dvfs2.ini\nmodels = mobilenet_v1\n"
		 "policies = greedy %s %s static\npolicies = %s %s:past_end %s:decision reactive\n"
		 "deadlines_ms = 33\nseeds = 1\nduration_s = 3\n",
		 segv, abrt, loop, var, over);
	const char *cfg = tu_write("bad.ini", text);
	const char *db = tu_scratch("bad.db");
	remove(db);
	/* a crash takes its time under memcheck: the watchdog must not come first */
	const double limit = 0.3 * TU_SLOW;
	cr_assert_eq(adascale("sweep %s --db %s --jobs 2 --decide-timeout-s %g --progress none",
			      cfg, db, limit),
		     1, "%s", out);
	char loop_error[200];
	snprintf(loop_error, sizeof loop_error,
		 "decide did not return within %g s at simulated t=1.000 s, request 30 "
		 "(--decide-timeout-s)",
		 limit);
	cr_assert(tu_has(out, "8 ran now (3 ok, 5 failed)"), "%s", out);
	cr_assert_eq(query_int(db, "SELECT count(*) FROM runs WHERE status = 'ok' AND served > 0 "
				   "AND policy IN ('greedy', 'static', 'reactive')"),
		     3, "the good runs are stored");
	static const struct {
		const char *policy, *error;
	} want[] = {
		{"segv", "crashed: killed by signal 11 (Segmentation fault) (wrote to address 0x10) "
			 "during decide at simulated t=1.000 s, request 30"},
		{"abort", "crashed: killed by signal 6 (Aborted) during decide at simulated "
			  "t=1.000 s, request 30"},
		{"loop", NULL},
		{"past_end", "POLICY: policy past_end: decided variant 57, the table has 0..31 (at "
			     "1.000 s, request 30)"},
		{"decision", "crashed: killed by signal 11 (Segmentation fault) (wrote past the end "
			     "of the decision) during decide at simulated t=1.000 s, request 30"},
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		char sql[1024];
		snprintf(sql, sizeof sql,
			 "SELECT count(*) FROM runs WHERE policy = '%s' AND status = 'failed' AND "
			 "error = '%s' AND served IS NULL",
			 want[i].policy, want[i].error ? want[i].error : loop_error);
		cr_expect_eq(query_int(db, sql), 1, "%s: expected the error '%s'\n%s",
			     want[i].policy, want[i].error ? want[i].error : loop_error, out);
	}
}

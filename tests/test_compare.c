/*
 * test_compare.c: `adascale compare` on databases built here (store_open for the schema,
 * bound SQL for runs with chosen metrics): pairing by configuration and seed, the paired
 * t-test, tolerances and their INI file, the exit statuses 0/1/2 of the real binary, the
 * Markdown, CSV and JSON outputs; and scripts/nightly.sh run twice on one day with a tiny
 * suite, its status when the night regressed, and its lock.
 * The binary is taken from $ADASCALE_BUILD (the Makefile sets it), default build/.
 */
#include <criterion/criterion.h>
#include <limits.h>

#include <fcntl.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "compare.h"
#include "csvin.h"
#include "metrics.h"
#include "stats.h"
#include "store.h"
#include "testutil.h"

/* Defined in test_report.c: 1 when text is one valid JSON value (RFC 8259). */
int report_test_json_valid(const char *text);

static char tmp[256], db[512];
static char out[1 << 17];

static void setup(void)
{
	snprintf(tmp, sizeof tmp, "/tmp/adascale-compare-XXXXXX");
	cr_assert_not_null(mkdtemp(tmp));
	snprintf(db, sizeof db, "%s/results.db", tmp);
}

static void teardown(void)
{
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
	cr_assert_eq(system(cmd), 0);
}

/* One run as the test wants it stored. */
struct crun {
	const char *tag, *key, *policy, *params;
	long long seed;
	double p95, miss, top1, energy;
	int failed;
};

static sqlite3 *db_open(void)
{
	struct errbuf eb = {0, ""};
	struct store *s = store_open(db, &eb);
	cr_assert_not_null(s, "store_open: %s", eb.msg);
	store_close(s);
	sqlite3 *h = NULL;
	cr_assert_eq(sqlite3_open(db, &h), SQLITE_OK);
	/* A scratch database: no need to wait for the disk after every row. */
	cr_assert_eq(sqlite3_exec(h, "PRAGMA synchronous = OFF", NULL, NULL, NULL), SQLITE_OK);
	return h;
}

static void put(sqlite3 *h, const struct crun *r)
{
	static const char sql[] =
		"INSERT INTO runs(created_utc, tool_version, git_rev, tag, config, config_key, seed,"
		" trace, trace_sha256, device, device_sha256, timings, timings_sha256, model,"
		" model_sha256, policy, policy_params, workload, deadline_ms, status, error, wall_s,"
		" requests, served, dropped, deadline_misses, failures, miss_rate, lat_mean_ms,"
		" lat_p50_ms, lat_p95_ms, lat_p99_ms, mean_top1, energy_mj, energy_per_inf_mj,"
		" switches, events, sim_s, ontime_top1)"
		" VALUES('2026-01-01T00:00:00Z', '0.1.0', 'rev', ?1, 'policy=' || ?3, ?2, ?4,"
		" 'traces/host_stress.csv', 'ts', 'devices/xeon-kvm-2vcpu.ini', 'ds', 't.csv', 'tms',"
		" 'mobilenet_v1', 'ms', ?3, ?5, 'periodic:fps=30', 10, ?6, ?7, 0.1,"
		" 1000, ?8, 0, ?9, 0, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, 4, 5000, 60,"
		" ?15 * (1 - ?10))";
	sqlite3_stmt *st;
	cr_assert_eq(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK, "%s",
		     sqlite3_errmsg(h));
	sqlite3_bind_text(st, 1, r->tag, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, r->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r->policy, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, r->seed);
	sqlite3_bind_text(st, 5, r->params ? r->params : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, r->failed ? "failed" : "ok", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, r->failed ? "run crashed: signal 11" : "", -1, SQLITE_STATIC);
	if (!r->failed) {
		sqlite3_bind_int64(st, 8, 1000);
		sqlite3_bind_int64(st, 9, (long long)llround(r->miss * 1000));
		sqlite3_bind_double(st, 10, r->miss);
		sqlite3_bind_double(st, 11, r->p95 * 0.6);
		sqlite3_bind_double(st, 12, r->p95 * 0.5);
		sqlite3_bind_double(st, 13, r->p95);
		sqlite3_bind_double(st, 14, r->p95 * 1.3);
		sqlite3_bind_double(st, 15, r->top1);
		sqlite3_bind_double(st, 16, r->energy * 1000);
		sqlite3_bind_double(st, 17, r->energy);
	}
	cr_assert_eq(sqlite3_step(st), SQLITE_DONE, "%s", sqlite3_errmsg(h));
	sqlite3_finalize(st);
}

/*
 * Two configurations (greedy and static:variant=best) x 3 seeds in tag "base", and the
 * same in tag "cand" with greedy's p95 latency scaled by p95_factor[seed - 1].
 */
static void two_tags(const double *p95_factor)
{
	sqlite3 *h = db_open();
	static const double p95[] = {8.0, 8.4, 7.9}, miss[] = {0.010, 0.012, 0.011};
	for (int t = 0; t < 2; t++)
		for (int s = 0; s < 3; s++) {
			double f = t ? p95_factor[s] : 1.0;
			struct crun g = {t ? "cand" : "base", "kg", "greedy", "margin=1.0", s + 1,
					 p95[s] * f, miss[s], 69.8, 49.0, 0};
			struct crun st = {t ? "cand" : "base", "ks", "static", "variant=best", s + 1,
					  13.5, 0.77, 70.9, 67.3, 0};
			put(h, &g);
			put(h, &st);
		}
	sqlite3_close(h);
}

static int compare_bin(const char *extra)
{
	char cmd[2048];
	snprintf(cmd, sizeof cmd, "%s/adascale compare --db %s --baseline base --candidate cand %s",
		 tu_bin(), db, extra ? extra : "");
	return tu_run(cmd, out, sizeof out);
}

/* compare_run in the process, its text into out. */
static int compare_text(int format, const char *tolerance, int *regressed)
{
	struct compare_opts o = {db, "base", "cand", tolerance, format, 0, NULL};
	struct errbuf eb = {0, ""};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cr_assert_not_null(f);
	int rc = compare_run(&o, f, regressed, &eb);
	fclose(f);
	snprintf(out, sizeof out, "%s", rc < 0 ? eb.msg : buf);
	free(buf);
	return rc;
}

/* The Markdown table rows (lines starting "| " after the header separator). */
static const char *first_row(const char *md)
{
	const char *sep = strstr(md, "| --- |");
	cr_assert_not_null(sep, "%s", md);
	const char *nl = strchr(sep, '\n');
	return nl ? nl + 1 : "";
}

TestSuite(compare, .init = setup, .fini = teardown, .timeout = 60 * TU_SLOW);

Test(compare, paired_t_test_matches_a_hand_computed_example)
{
	/*
	 * d = 0.5, 0.2, 0.9: mean 0.5333, sd sqrt(0.37/3) = 0.35119, t = 0.5333 / (0.35119 /
	 * sqrt 3) = 2.6304 with 2 degrees of freedom; for df = 2 the t CDF has the closed form
	 * 1/2 + t / (2 sqrt(2 + t^2)), so p = 1 - t / sqrt(2 + t^2) = 0.11923.
	 */
	double a[] = {10, 11, 12}, b[] = {10.5, 11.2, 12.9};
	struct stats_paired p;
	stats_paired_t(a, b, 3, &p);
	cr_assert_float_eq(p.mean_diff, 0.533333333, 1e-8);
	cr_assert_float_eq(p.sd_diff, 0.351188458, 1e-8);
	cr_assert_float_eq(p.t, 2.630383, 1e-5);
	double closed = 1 - p.t / sqrt(2 + p.t * p.t);
	cr_assert_float_eq(p.p, closed, 1e-10);
	cr_assert_float_eq(p.p, 0.119229, 1e-5);
	/* No spread: all the same is no change, a constant shift is certain. */
	double c[] = {10.5, 11.5, 12.5};
	stats_paired_t(a, a, 3, &p);
	cr_assert_float_eq(p.p, 1.0, 0);
	stats_paired_t(a, c, 3, &p);
	cr_assert_float_eq(p.p, 0.0, 0);
	/* One pair: nothing to test. */
	stats_paired_t(a, b, 1, &p);
	cr_assert(isnan(p.p));
}

Test(compare, identical_tags_exit_0)
{
	static const double same[] = {1, 1, 1};
	two_tags(same);
	cr_assert_eq(compare_bin(NULL), 0, "%s", out);
	cr_assert(tu_has(out, "**No regression**"), "%s", out);
	cr_assert(tu_has(out, "6 pairs"), "%s", out);
	int regressed = -1;
	cr_assert_eq(compare_text(COMPARE_JSON, NULL, &regressed), 0, "%s", out);
	cr_assert_eq(regressed, 0);
	cr_assert(report_test_json_valid(out), "%s", out);
	cr_assert(tu_has(out, "\"regressed\":false"), "%s", out);
	/* Every row is "same": 2 configurations x 16 metrics. */
	char want[64];
	snprintf(want, sizeof want, "\"same\":%d", 2 * metrics_n);
	cr_assert(tu_has(out, want), "%s", out);
}

Test(compare, a_consistent_slowdown_regresses_and_is_listed_first)
{
	/* p95 20% slower on every seed, with a little spread: significant, beyond 5%. */
	static const double slower[] = {1.19, 1.21, 1.20};
	two_tags(slower);
	cr_assert_eq(compare_bin(NULL), 1, "%s", out);
	cr_assert(tu_has(out, "**REGRESSED**"), "%s", out);
	/* The latencies (mean, p50, p95, p99 move together here) lead the table. */
	const char *row = first_row(out);
	cr_assert(strncmp(row, "| **regressed** | greedy | lat_mean_ms", 38) == 0, "%s", row);
	cr_assert(tu_has(out, "| **regressed** | greedy | lat_p95_ms"), "%s", out);
	cr_assert(tu_has(out, "| **regressed** | greedy | lat_p99_ms"), "%s", out);
	/* Nothing else regressed: the counts before the table say so. */
	cr_assert(tu_has(out, "**REGRESSED**: 4 metrics of 1 configuration"), "%s", out);
	cr_assert(!tu_has(out, "| **regressed** | static"), "%s", out);
	int regressed = 0;
	cr_assert_eq(compare_text(COMPARE_MD, NULL, &regressed), 0);
	cr_assert_eq(regressed, 1);
}

Test(compare, an_improvement_and_changes_within_tolerance_exit_0)
{
	static const double faster[] = {0.80, 0.81, 0.79};
	two_tags(faster);
	cr_assert_eq(compare_bin(NULL), 0, "%s", out);
	cr_assert(tu_has(out, "| improved | greedy | lat_p95_ms"), "%s", out);

	teardown();
	setup();
	static const double tiny[] = {1.01, 1.012, 1.008}; /* +1%: within 5% */
	two_tags(tiny);
	cr_assert_eq(compare_bin(NULL), 0, "%s", out);
	cr_assert(tu_has(out, "| within tolerance | greedy | lat_p95_ms"), "%s", out);
}

Test(compare, a_noisy_change_beyond_tolerance_is_not_significant)
{
	/* +13% on average, but one seed faster, one much slower: p = 0.50, no verdict. */
	static const double noisy[] = {0.85, 1.40, 1.13};
	two_tags(noisy);
	cr_assert_eq(compare_bin(NULL), 0, "%s", out);
	cr_assert(tu_has(out, "| not significant | greedy | lat_p95_ms"), "%s", out);
}

Test(compare, a_tolerance_file_overrides_the_defaults)
{
	static const double slower[] = {1.19, 1.21, 1.20};
	two_tags(slower);
	const char *tol = tu_write("loose.ini", "; looser latency gates\n[compare]\nalpha = 0.01\n"
						"[lat_p95_ms]\nrel = 0.5\n[lat_p99_ms]\ngate = no\n"
						"[lat_mean_ms]\nrel = 0.5\n[lat_p50_ms]\nrel=0.5\n");
	char extra[600];
	snprintf(extra, sizeof extra, "--tolerance %s", tol);
	cr_assert_eq(compare_bin(extra), 0, "%s", out);
	cr_assert(tu_has(out, "| within tolerance | greedy | lat_p95_ms"), "%s", out);
	cr_assert(tu_has(out, "| not judged | greedy | lat_p99_ms"), "%s", out);
	cr_assert(tu_has(out, "p < 0.01"), "%s", out);
}

Test(compare, the_bundled_tolerance_file_is_the_built_in_table)
{
	struct compare_tolerances def, file;
	struct errbuf eb = {0, ""};
	compare_tolerances_default(&def);
	compare_tolerances_default(&file);
	cr_assert_eq(compare_tolerances_load("data/tolerances.ini", &file, &eb), 0, "%s", eb.msg);
	cr_assert_float_eq(file.alpha, def.alpha, 0);
	for (int m = 0; m < metrics_n; m++) {
		cr_assert_float_eq(file.m[m].abs, def.m[m].abs, 0, "%s", metrics_table[m].name);
		cr_assert_float_eq(file.m[m].rel, def.m[m].rel, 0, "%s", metrics_table[m].name);
		cr_assert_eq(file.m[m].gate, def.m[m].gate, "%s", metrics_table[m].name);
	}
	/* ... and the file names every judged metric, so editing it edits them all. */
	char *text = NULL;
	size_t len = 0;
	FILE *f = fopen("data/tolerances.ini", "r");
	cr_assert_not_null(f);
	cr_assert_gt(getdelim(&text, &len, '\0', f), 0);
	fclose(f);
	for (int m = 0; m < metrics_n; m++) {
		char sec[64];
		snprintf(sec, sizeof sec, "[%s]", metrics_table[m].name);
		cr_assert_eq(tu_has(text, sec), metrics_table[m].better != 0, "%s", sec);
	}
	free(text);
}

Test(compare, bad_tolerance_files_name_file_and_line)
{
	static const struct {
		const char *text, *want;
		int code;
	} cases[] = {
		{"[lat_p95_ms]\nrel = 0.05\nrel = fast\n", ":3: [lat_p95_ms] rel: 'fast' is not a number",
		 ERR_PARSE},
		{"[compare]\nalpha = 0.05\n\n[latency]\nabs = 1\n", ":4: unknown section [latency]",
		 ERR_PARSE},
		{"[miss_rate]\nabs = -1\n", ":2: [miss_rate] abs: -1 is outside", ERR_RANGE},
		{"[compare]\nalpha = 1\n", ":2: [compare] alpha: 1 is outside", ERR_RANGE},
		{"[served]\nslack = 3\n", ":2: [served] has no key 'slack'", ERR_PARSE},
		{"abs = 3\n", ":1: 'abs' outside a section", ERR_PARSE},
		{"[events]\nabs = 3\n", ":1: [events]: this metric has no better direction",
		 ERR_PARSE},
		{"[failures]\ngate = maybe\n", ":2: [failures] gate: 'maybe' is not yes or no",
		 ERR_PARSE},
		{"[switches]\nthis is not ini\n", ":2: not an INI line", ERR_PARSE},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *path = tu_write("bad.ini", cases[i].text);
		struct compare_tolerances t, before;
		memset(&t, 0, sizeof t); /* the padding too, for the memcmp below */
		compare_tolerances_default(&t);
		before = t;
		struct errbuf eb = {0, ""};
		cr_assert_eq(compare_tolerances_load(path, &t, &eb), cases[i].code, "case %zu: %s", i,
			     eb.msg);
		cr_assert(strncmp(eb.msg, path, strlen(path)) == 0, "case %zu: %s", i, eb.msg);
		cr_assert(tu_has(eb.msg, cases[i].want), "case %zu: %s", i, eb.msg);
		cr_assert_eq(memcmp(&t, &before, sizeof t), 0, "case %zu changed the tolerances", i);
	}
	/* Through the binary: status 2, "adascale: file:line: ...", nothing on stdout. */
	static const double same[] = {1, 1, 1};
	two_tags(same);
	const char *path = tu_write("bad.ini", "[lat_p95_ms]\nrel = fast\n");
	char cmd[2048];
	snprintf(cmd, sizeof cmd,
		 "%s/adascale compare --db %s --baseline base --candidate cand --tolerance %s "
		 "2>/dev/null | wc -c",
		 tu_bin(), db, path);
	cr_assert_eq(tu_run(cmd, out, sizeof out), 0);
	cr_assert_eq(atoi(out), 0, "stdout got %s bytes", out);
	char extra[600];
	snprintf(extra, sizeof extra, "--tolerance %s", path);
	cr_assert_eq(compare_bin(extra), 2, "%s", out);
	cr_assert(tu_has(out, "adascale: "), "%s", out);
	cr_assert(tu_has(out, ":2: [lat_p95_ms] rel: 'fast' is not a number"), "%s", out);
}

Test(compare, bad_input_exits_2)
{
	char cmd[2048];
	/* no database */
	cr_assert_eq(compare_bin(NULL), 2, "%s", out);
	cr_assert(tu_has(out, "no such database"), "%s", out);
	static const double same[] = {1, 1, 1};
	two_tags(same);
	/* a tag with no runs */
	snprintf(cmd, sizeof cmd, "%s/adascale compare --db %s --baseline base --candidate nope",
		 tu_bin(), db);
	cr_assert_eq(tu_run(cmd, out, sizeof out), 2, "%s", out);
	cr_assert(tu_has(out, "no runs with tag 'nope'"), "%s", out);
	/* the same tag twice */
	snprintf(cmd, sizeof cmd, "%s/adascale compare --db %s --baseline base --candidate base",
		 tu_bin(), db);
	cr_assert_eq(tu_run(cmd, out, sizeof out), 2, "%s", out);
	/* usage */
	cr_assert_eq(compare_bin("--format xml"), 2, "%s", out);
	cr_assert_eq(compare_bin("--bogus"), 2, "%s", out);
	snprintf(cmd, sizeof cmd, "%s/adascale compare --db %s --baseline base", tu_bin(), db);
	cr_assert_eq(tu_run(cmd, out, sizeof out), 2, "%s", out);
	/* tags without a configuration in common */
	sqlite3 *h = NULL;
	cr_assert_eq(sqlite3_open(db, &h), SQLITE_OK);
	struct crun other = {"other", "kx", "greedy", "", 1, 8, 0.01, 69, 49, 0};
	put(h, &other);
	sqlite3_close(h);
	snprintf(cmd, sizeof cmd, "%s/adascale compare --db %s --baseline base --candidate other",
		 tu_bin(), db);
	cr_assert_eq(tu_run(cmd, out, sizeof out), 2, "%s", out);
	cr_assert(tu_has(out, "pairs with"), "%s", out);
	/* a file that is not a database */
	const char *junk = tu_write("junk.db", "not a database at all, just some text to read\n");
	snprintf(cmd, sizeof cmd, "%s/adascale compare --db %s --baseline a --candidate b", tu_bin(),
		 junk);
	cr_assert_eq(tu_run(cmd, out, sizeof out), 2, "%s", out);
}

Test(compare, a_run_that_now_fails_is_a_regression)
{
	static const double same[] = {1, 1, 1};
	two_tags(same);
	sqlite3 *h = NULL;
	cr_assert_eq(sqlite3_open(db, &h), SQLITE_OK);
	/* seed 4 of greedy: ok in the baseline, failed in the candidate */
	struct crun ok = {"base", "kg", "greedy", "margin=1.0", 4, 8, 0.01, 69.8, 49, 0};
	struct crun bad = {"cand", "kg", "greedy", "margin=1.0", 4, 0, 0, 0, 0, 1};
	put(h, &ok);
	put(h, &bad);
	sqlite3_close(h);
	cr_assert_eq(compare_bin(NULL), 1, "%s", out);
	const char *row = first_row(out);
	cr_assert(strncmp(row, "| **regressed** | greedy | status | 1 | ok | failed | run crashed",
			  62) == 0,
		  "%s", row);
	/* The other seeds still pair and show no change. */
	cr_assert(tu_has(out, "7 pairs"), "%s", out);
}

Test(compare, runs_without_a_partner_are_counted_not_compared)
{
	static const double same[] = {1, 1, 1};
	two_tags(same);
	sqlite3 *h = NULL;
	cr_assert_eq(sqlite3_open(db, &h), SQLITE_OK);
	struct crun extra = {"cand", "kr", "reactive", "", 1, 9, 0.09, 60, 20, 0};
	struct crun seed9 = {"base", "kg", "greedy", "margin=1.0", 9, 99, 0.5, 10, 10, 0};
	put(h, &extra);
	put(h, &seed9);
	sqlite3_close(h);
	cr_assert_eq(compare_bin(NULL), 0, "%s", out);
	cr_assert(tu_has(out, "Not compared: 1 run of the baseline and 1 of the candidate"), "%s",
		  out);
}

Test(compare, csv_and_json_outputs_parse)
{
	static const double slower[] = {1.19, 1.21, 1.20};
	two_tags(slower);
	/* A hostile policy name in a third configuration, present in both tags. */
	sqlite3 *h = NULL;
	cr_assert_eq(sqlite3_open(db, &h), SQLITE_OK);
	static const char evil[] = "ev\"il,\n'x' \\ \x01 \xff";
	for (int t = 0; t < 2; t++) {
		struct crun r = {t ? "cand" : "base", "ke", evil, "a=1,b=\"2\"", 1, 5, 0.02, 66, 30,
				 0};
		put(h, &r);
	}
	sqlite3_close(h);
	int regressed = 0;
	cr_assert_eq(compare_text(COMPARE_JSON, NULL, &regressed), 0, "%s", out);
	cr_assert(report_test_json_valid(out), "%s", out);
	cr_assert(tu_has(out, "\"regressed\":true"), "%s", out);
	cr_assert(tu_has(out, "\"policy\":\"ev\\\"il,\\n'x' \\\\ \\u0001 \\ufffd\""), "%s", out);

	cr_assert_eq(compare_text(COMPARE_CSV, NULL, &regressed), 0, "%s", out);
	const char *path = tu_write("cmp.csv", out);
	struct errbuf eb = {0, ""};
	struct csvin *c = csvin_open(path, &eb);
	cr_assert_not_null(c, "%s", eb.msg);
	int verdict = csvin_require_col(c, "verdict", &eb), metric = csvin_col(c, "metric");
	int policy = csvin_col(c, "policy"), p = csvin_col(c, "p_value");
	cr_assert(verdict >= 0 && metric >= 0 && policy >= 0 && p >= 0);
	int rows = 0, evil_rows = 0, rc;
	while ((rc = csvin_next(c, &eb)) == 1) {
		if (rows++ == 0) {
			cr_assert_str_eq(csvin_field(c, verdict), "regressed");
			cr_assert_str_eq(csvin_field(c, metric), "lat_mean_ms");
			double pv = -1;
			cr_assert_eq(csvin_double(c, p, &pv, &eb), 0, "%s", eb.msg);
			cr_assert_lt(pv, 0.05);
		}
		evil_rows += strncmp(csvin_field(c, policy), "ev\"il,", 6) == 0;
	}
	cr_assert_eq(rc, 0, "%s", eb.msg);
	csvin_close(c);
	/* Every metric of every configuration, the hostile one included. */
	cr_assert_eq(rows, 3 * metrics_n);
	cr_assert_eq(evil_rows, metrics_n);
}

/* ---- scripts/nightly.sh ---- */

static char ndir[600], nconf[700];

/* Runs the nightly script for tag with the tiny suite; its output into out. */
static int nightly(const char *tag)
{
	char cmd[4096];
	snprintf(cmd, sizeof cmd,
		 "ADASCALE_BIN=%s/adascale ADASCALE_NIGHTLY_DIR=%s ADASCALE_NIGHTLY_CONFIG=%s "
		 "ADASCALE_NIGHTLY_TAG=%s ADASCALE_NIGHTLY_JOBS=2 ADASCALE_GNUPLOT=gnuplot "
		 "sh scripts/nightly.sh < /dev/null",
		 tu_bin(), ndir, nconf, tag);
	return tu_run(cmd, out, sizeof out);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *text = NULL;
	size_t len = 0;
	if (getdelim(&text, &len, '\0', f) < 0) {
		free(text);
		text = NULL;
	}
	fclose(f);
	return text;
}

static long count_runs(const char *tag)
{
	char cmd[1024], buf[64];
	snprintf(cmd, sizeof cmd, "sqlite3 %s/results.db \"SELECT count(*) FROM runs WHERE tag = '%s'"
				  " AND status = 'ok'\"",
		 ndir, tag);
	tu_run(cmd, buf, sizeof buf);
	return strtol(buf, NULL, 10);
}

/* After the suite's setup (Criterion runs the suite's .init, then the test's). */
static void nightly_setup(void)
{
	snprintf(ndir, sizeof ndir, "%s/nightly", tmp);
	snprintf(nconf, sizeof nconf, "%s/tiny.ini", tmp);
	FILE *f = fopen(nconf, "w");
	cr_assert_not_null(f);
	char root[PATH_MAX]; /* the file is not beside the data: it names it absolutely */
	cr_assert(getcwd(root, sizeof root));
	fprintf(f,
		"; a tiny nightly-like suite: 2 policies x 2 seeds on a 60 s trace\n"
		"[sweep]\nname = tiny\ntraces = %s/tests/data/slowdown.csv\n"
		"devices = %s/devices/xeon-kvm-2vcpu.ini\ntimings = %s/devices/xeon-kvm-2vcpu/timings.csv\n"
		"models = mobilenet_v1\npolicies = static:variant=best greedy\n"
		"workloads = poisson:rate=30,service=det\ndeadlines_ms = 33\nseeds = 1 2\n",
		root, root, root);
	fclose(f);
}

Test(compare, nightly_twice_on_one_day_gives_the_same_verdict, .init = nightly_setup,
     .fini = teardown, .timeout = 120 * TU_SLOW)
{
	/* The first night has nothing to compare with. */
	cr_assert_eq(nightly("nightly-2000-01-01"), 0, "%s", out);
	cr_assert(tu_has(out, "nothing to compare"), "%s", out);
	cr_assert_eq(count_runs("nightly-2000-01-01"), 4);

	cr_assert_eq(nightly("nightly-2000-01-02"), 0, "%s", out);
	cr_assert(tu_has(out, "comparing nightly-2000-01-01 (baseline) with nightly-2000-01-02"),
		  "%s", out);
	cr_assert(tu_has(out, "**No regression**"), "%s", out);
	char path[1024];
	snprintf(path, sizeof path, "%s/reports/nightly-2000-01-02/compare.md", ndir);
	char *first = slurp(path);
	cr_assert_not_null(first);

	/* Again the same day: nothing is run twice, the verdict is the same text. */
	cr_assert_eq(nightly("nightly-2000-01-02"), 0, "%s", out);
	cr_assert_eq(count_runs("nightly-2000-01-02"), 4);
	char *second = slurp(path);
	cr_assert_not_null(second);
	cr_assert_str_eq(first, second);
	free(first);
	free(second);
	/* The report of the night has the trends over both nights, and compare.json parses. */
	snprintf(path, sizeof path, "%s/reports/latest/trend_miss_rate.png", ndir);
	cr_assert_eq(access(path, F_OK), 0, "%s", out);
	snprintf(path, sizeof path, "%s/reports/latest/compare.json", ndir);
	char *json = slurp(path);
	cr_assert_not_null(json);
	cr_assert(report_test_json_valid(json));
	free(json);

	/*
	 * A night that got worse: make the previous night's greedy runs look much faster, and
	 * run the night again. The script exits with compare's status 1.
	 */
	char cmd[1024];
	snprintf(cmd, sizeof cmd,
		 "sqlite3 %s/results.db \"UPDATE runs SET lat_p95_ms = lat_p95_ms / 2,"
		 " lat_p99_ms = lat_p99_ms / 2 WHERE tag = 'nightly-2000-01-01' AND policy = 'greedy'\"",
		 ndir);
	cr_assert_eq(tu_run(cmd, out, sizeof out), 0, "%s", out);
	cr_assert_eq(nightly("nightly-2000-01-02"), 1, "%s", out);
	cr_assert(tu_has(out, "**REGRESSED**"), "%s", out);
	cr_assert(tu_has(out, "| **regressed** | greedy | lat_p95_ms"), "%s", out);
}

Test(compare, nightly_waits_for_no_one_when_locked, .init = nightly_setup, .fini = teardown)
{
	char lock[700];
	snprintf(lock, sizeof lock, "mkdir -p %s", ndir);
	cr_assert_eq(system(lock), 0);
	snprintf(lock, sizeof lock, "%s/nightly.lock", ndir);
	int fd = open(lock, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	cr_assert_geq(fd, 0);
	cr_assert_eq(flock(fd, LOCK_EX | LOCK_NB), 0);
	cr_assert_eq(nightly("nightly-2000-01-01"), 75, "%s", out);
	cr_assert(tu_has(out, "another nightly run holds"), "%s", out);
	char db_path[700];
	snprintf(db_path, sizeof db_path, "%s/results.db", ndir);
	cr_assert_neq(access(db_path, F_OK), 0, "a locked-out run wrote the database");
	close(fd);
	/* A bad tag is bad input. */
	cr_assert_eq(nightly("yesterday"), 2, "%s", out);
	cr_assert(tu_has(out, "is not nightly-YYYY-MM-DD"), "%s", out);
}

/*
 * --configs: two configurations of one tag, paired by seed. greedy's p95 is 8.0, 8.4 and
 * 7.9 ms over the seeds, static's 13.5 each time: greedy against static changes p95 by
 * 8.1 - 13.5 = -5.4 ms over 3 pairs. A prefix that starts both keys is refused.
 */
Test(compare, two_configurations_pair_up_by_seed)
{
	sqlite3 *h = db_open();
	static const double p95[] = {8.0, 8.4, 7.9}, miss[] = {0.010, 0.012, 0.011};
	for (int s = 0; s < 3; s++) {
		struct crun g = {"base", "abcdef01", "greedy", "margin=1.0", s + 1, p95[s], miss[s],
				 69.8, 49.0, 0};
		struct crun st = {"base", "abcdef02", "static", "variant=best", s + 1, 13.5, 0.77,
				  70.9, 67.3, 0};
		put(h, &g);
		put(h, &st);
	}
	sqlite3_close(h);
	char cmd[2048];
	snprintf(cmd, sizeof cmd,
		 "%s/adascale compare --db %s --configs --baseline abcdef02 --candidate abcdef01 "
		 "--tag base --format csv",
		 tu_bin(), db);
	int rc = tu_run(cmd, out, sizeof out);
	cr_assert(rc == 0 || rc == 1, "%d: %s", rc, out);
	const char *row = strstr(out, ",lat_p95_ms,");
	cr_assert_not_null(row, "%s", out);
	int n;
	double base, cand, change;
	cr_assert_eq(sscanf(row, ",lat_p95_ms,ms,-1,%d,%lf,%lf,%lf", &n, &base, &cand, &change), 4,
		     "%s", row);
	cr_expect_eq(n, 3);
	cr_expect_float_eq(base, 13.5, 1e-9);
	cr_expect_float_eq(cand, (8.0 + 8.4 + 7.9) / 3, 1e-9);
	cr_expect_float_eq(change, (8.0 + 8.4 + 7.9) / 3 - 13.5, 1e-9);

	snprintf(cmd, sizeof cmd, "%s/adascale compare --db %s --configs --baseline abcdef0 "
				  "--candidate abcdef01",
		 tu_bin(), db);
	cr_assert_eq(tu_run(cmd, out, sizeof out), 2, "%s", out);
	cr_expect(tu_has(out, "'abcdef0' starts two configurations"), "%s", out);
	snprintf(cmd, sizeof cmd, "%s/adascale compare --db %s --baseline base --candidate x --tag t",
		 tu_bin(), db);
	cr_assert_eq(tu_run(cmd, out, sizeof out), 2, "%s", out);
	cr_expect(tu_has(out, "--tag goes with --configs"), "%s", out);
}

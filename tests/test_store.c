/*
 * test_store.c: the results database: a run and its detail tables written together, the
 * per-request rows agreeing with the run's counts, databases of older versions migrated
 * forward with their rows, and the views for readers against a brute-force computation.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "merge.h"
#include "opsint.h"
#include "run.h"
#include "served.h"
#include "stats.h"
#include "store.h"
#include "testutil.h"

static sqlite3_int64 one_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s", sql);
	sqlite3_int64 v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

Test(store, request_rows_match_the_run_counts)
{
	struct run_config c;
	run_config_defaults(&c);
	c.trace = "traces/bursts.csv";
	c.device = "devices/xeon-kvm-2vcpu.ini";
	c.timings = "devices/xeon-kvm-2vcpu/timings.csv";
	c.model = "mobilenet_v1";
	c.policy = "static:variant=best";
	c.deadline_ms = 10;
	c.queue_cap = 1;
	c.workload = "poisson:rate=150";
	c.duration_s = 60;
	c.requests = 1;
	struct errbuf eb = {0};
	struct run_output *o;
	cr_assert_eq(run_execute(&c, &o, &eb), 0, "%s", eb.msg);
	const char *path = tu_write("req.db", "");
	remove(path);
	struct store *s = store_open(path, &eb);
	cr_assert_not_null(s, "%s", eb.msg);
	int64_t id;
	cr_assert_eq(store_insert_run(s, &c, o, &id, &eb), 0, "%s", eb.msg);
	sqlite3 *db = store_db(s);
	cr_assert_eq(one_int(db, "SELECT count(*) FROM requests"), o->m.requests,
		     "one row per request");
	cr_assert_eq(one_int(db, "SELECT count(DISTINCT seq) FROM requests"), o->m.requests);
	cr_assert_eq(one_int(db, "SELECT max(seq) FROM requests"), o->m.requests - 1);
	cr_assert_eq(one_int(db, "SELECT count(*) FROM requests WHERE outcome IN ('ok','late')"),
		     o->m.served);
	cr_assert_eq(one_int(db, "SELECT count(*) FROM requests WHERE outcome = 'late'"),
		     o->m.deadline_misses);
	cr_assert_eq(one_int(db, "SELECT count(*) FROM requests WHERE outcome = 'dropped'"),
		     o->m.dropped);
	cr_assert(o->m.dropped > 0, "a one-place queue under load drops");
	cr_assert_eq(one_int(db, "SELECT count(*) FROM requests WHERE outcome IN ('ok','late') "
				 "AND (t_end_ns - t_arrival_ns > 10000000) != (outcome = 'late')"),
		     0, "late means later than the deadline");
	cr_assert_eq(one_int(db, "SELECT count(*) FROM requests WHERE t_start_ns < t_arrival_ns "
				 "OR t_end_ns < t_start_ns"),
		     0, "times are ordered");
	store_close(s);
	run_output_destroy(o);
}

Test(store, version_1_database_is_migrated_forward)
{
	const char *path = tu_write("v1.db", "");
	remove(path);
	sqlite3 *db;
	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, store_schema_v1_sql(), NULL, NULL, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, "PRAGMA user_version = 1", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	struct errbuf eb = {0};
	struct store *s = store_open(path, &eb);
	cr_assert_not_null(s, "%s", eb.msg);
	cr_assert_eq(one_int(store_db(s), "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	cr_assert_eq(one_int(store_db(s), "SELECT count(*) FROM sqlite_master WHERE name = 'requests'"), 1);
	store_close(s);
}

/* Reads a whole text file (the test's data) into a malloc'd string. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "%s", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	cr_assert_not_null(buf);
	buf[fread(buf, 1, (size_t)n, f)] = '\0';
	fclose(f);
	return buf;
}

static double one_double(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s", sql);
	double v = sqlite3_column_double(st, 0);
	sqlite3_finalize(st);
	return v;
}

/*
 * A version 2 database with a real run (tests/data/results_v2.sql, written by the version 2
 * store) is carried to the current schema: its rows stay as they were, the new columns are
 * there (ontime_top1 NULL: version 2 did not measure it; policy_sha256 "" for the built-in),
 * and a new run goes in beside it with both filled.
 */
Test(store, version_2_database_with_a_run_is_migrated_forward)
{
	const char *path = tu_write("v2.db", "");
	remove(path);
	sqlite3 *db;
	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	char *sql = slurp("tests/data/results_v2.sql");
	char *msg = NULL;
	cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, &msg), SQLITE_OK, "%s", msg);
	free(sql);
	cr_assert_eq(one_int(db, "PRAGMA user_version"), 2);
	sqlite3_close(db);

	struct errbuf eb = {0};
	struct store *s = store_open(path, &eb);
	cr_assert_not_null(s, "%s", eb.msg);
	db = store_db(s);
	cr_assert_eq(one_int(db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	/* the values the version 2 run printed: 30 requests, 30 served, 1 late */
	cr_assert_eq(one_int(db, "SELECT count(*) FROM runs"), 1);
	cr_assert_eq(one_int(db, "SELECT requests FROM runs WHERE id = 1"), 30);
	cr_assert_eq(one_int(db, "SELECT deadline_misses FROM runs WHERE id = 1"), 1);
	cr_assert_eq(one_int(db, "SELECT count(*) FROM requests WHERE run_id = 1"), 30);
	cr_assert_eq(one_int(db, "SELECT count(*) FROM requests WHERE outcome = 'late'"), 1);
	cr_assert_eq(one_int(db, "SELECT count(*) FROM latency_quantiles WHERE run_id = 1"), 101);
	cr_assert_eq(one_int(db, "SELECT count(*) FROM runs WHERE id = 1 AND policy = 'greedy' "
				 "AND ontime_top1 IS NULL AND policy_sha256 = ''"),
		     1);
	/* its config and parameter text (policy_params "threads=auto,margin=1.0", the config's
	   deadline_ms=7 and workload line in tests/data/results_v2.sql) as JSON */
	cr_assert_eq(one_int(db, "SELECT json_extract(policy_params_json, '$.margin') = 1.0 AND "
				 "json_extract(policy_params_json, '$.threads') = 'auto' AND "
				 "json_extract(config_json, '$.deadline_ms') = 7 AND "
				 "json_extract(config_json, '$.params.margin') = 1.0 AND "
				 "json_extract(config_json, '$.workload') = 'periodic:fps=30' AND "
				 "json_extract(config_json, '$.seed') = 1 FROM runs WHERE id = 1"),
		     1);

	struct run_config c;
	run_config_defaults(&c);
	c.trace = "tests/data/ramp.csv";
	c.device = "devices/xeon-kvm-2vcpu.ini";
	c.model = "mobilenet_v1";
	c.policy = "greedy";
	c.deadline_ms = 7;
	c.duration_s = 1;
	struct run_output *o;
	cr_assert_eq(run_execute(&c, &o, &eb), 0, "%s", eb.msg);
	int64_t id;
	cr_assert_eq(store_insert_run(s, &c, o, &id, &eb), 0, "%s", eb.msg);
	cr_assert_eq(id, 2);
	double got = one_double(db, "SELECT ontime_top1 FROM runs WHERE id = 2");
	cr_assert(got == o->m.ontime_top1 && got > 0, "%g vs %g", got, o->m.ontime_top1);
	cr_assert_eq(one_int(db, "SELECT count(*) FROM runs WHERE json_extract(policy_params_json, "
				 "'$.margin') = 1.0 AND json_extract(config_json, '$.deadline_ms') = 7"),
		     2);
	run_output_destroy(o);
	store_close(s);
}

Test(store, newer_database_is_refused)
{
	const char *path = tu_write("v99.db", "");
	remove(path);
	sqlite3 *db;
	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	struct errbuf eb = {0};
	cr_assert_null(store_open(path, &eb));
	cr_assert(tu_has(eb.msg, "schema version 99 is newer"), "%s", eb.msg);
}

/* Loads a .sql dump into a fresh database file; returns its path. */
static const char *load_dump(const char *name, const char *dump)
{
	const char *path = tu_write(name, "");
	remove(path);
	sqlite3 *db;
	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	char *sql = slurp(dump);
	char *msg = NULL;
	cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, &msg), SQLITE_OK, "%s", msg);
	free(sql);
	sqlite3_close(db);
	return path;
}

/* The workload and operator columns of the two runs of tests/data/results_v3.sql, as the
   command lines in its header give them. */
static void check_v3_runs_columns(sqlite3 *db)
{
	cr_assert_eq(one_int(db, "SELECT count(*) FROM runs WHERE seed = 1 AND tag = '' AND "
				 "arrivals = 'periodic' AND rate_hz = 30 AND service = 'det'"),
		     1, "greedy, periodic:fps=30 (the default)");
	cr_assert_eq(one_int(db, "SELECT count(*) FROM runs WHERE seed = 2 AND tag = 't2' AND "
				 "arrivals = 'poisson' AND rate_hz = 50 AND service = 'exp'"),
		     1, "poisson:rate=50,service=exp");
	cr_assert_eq(one_int(db, "SELECT count(*) FROM variant_use v JOIN runs r ON r.id = v.run_id "
				 "WHERE r.tag = '' AND v.model = 'mobilenet_v1' AND v.width = 1.0 AND "
				 "v.res = 192 AND v.quant = 'fp32' AND v.prune = 0 AND v.lowrank = 1 "
				 "AND v.exit IS NULL AND v.served = 30"),
		     1);
	cr_assert_eq(one_int(db, "SELECT count(*) FROM variant_use v JOIN runs r ON r.id = v.run_id "
				 "WHERE r.tag = 't2' AND v.model = 'mobilenet_v1' AND v.width = 0.5 AND "
				 "v.res = 128 AND v.quant = 'fp32' AND v.prune = 0.5 AND v.lowrank = 1 "
				 "AND v.exit IS NULL AND v.served = 55"),
		     1, "the fastest of width 1,0.5 x res 224,128 x prune 0,0.5");
	cr_assert_eq(one_int(db, "SELECT count(*) FROM variant_use WHERE typeof(width) <> 'real' "
				 "OR typeof(res) <> 'integer' OR typeof(prune) <> 'real'"),
		     0, "numbers, not text, for pandas and R");
}

/*
 * A version 3 database with two real runs (tests/data/results_v3.sql) is carried to the
 * current schema: its rows stay, and the workload and variant columns are filled from the
 * rows' own text.
 */
Test(store, version_3_database_with_runs_is_migrated_forward)
{
	const char *path = load_dump("v3.db", "tests/data/results_v3.sql");
	struct errbuf eb = {0};
	struct store *s = store_open(path, &eb);
	cr_assert_not_null(s, "%s", eb.msg);
	sqlite3 *db = store_db(s);
	cr_assert_eq(one_int(db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	cr_assert_eq(one_int(db, "SELECT count(*) FROM runs"), 2);
	/* as the version 3 runs printed them: 30 requests, 1 late; 55 requests, none late */
	cr_assert_eq(one_int(db, "SELECT requests * 100 + deadline_misses FROM runs WHERE tag = ''"),
		     3001);
	cr_assert_eq(one_int(db, "SELECT requests * 100 + deadline_misses FROM runs WHERE tag = "
				 "'t2'"),
		     5500);
	check_v3_runs_columns(db);
	cr_assert_eq(one_int(db, "SELECT count(*) FROM run_metrics"), 2);
	cr_assert_eq(one_int(db, "SELECT count(*) FROM run_metrics WHERE tag = '' AND "
				 "abs(miss_pct - 100.0 / 30) < 1e-9"),
		     1, "1 late of 30, in percent");
	store_close(s);
}

/* Runs merged in from a version 3 database get the version 4 columns too. */
Test(store, merging_a_version_3_database_fills_the_new_columns)
{
	const char *in = load_dump("v3in.db", "tests/data/results_v3.sql");
	const char *out = tu_write("merged.db", "");
	remove(out);
	struct merge_stats st;
	struct errbuf eb = {0};
	cr_assert_eq(merge_databases(out, &in, 1, &st, &eb), 0, "%s", eb.msg);
	cr_assert_eq(st.n_copied, 2);
	sqlite3 *db;
	cr_assert_eq(sqlite3_open(out, &db), SQLITE_OK);
	check_v3_runs_columns(db);
	cr_assert_eq(one_int(db, "SELECT count(*) FROM runs WHERE config_json IS NULL"), 0);
	sqlite3_close(db);
}

/* Every compression operator (models/ops.c) has its column in variant_use. */
Test(store, every_operator_has_a_variant_use_column)
{
	const char *path = tu_write("ops.db", "");
	remove(path);
	struct errbuf eb = {0};
	struct store *s = store_open(path, &eb);
	cr_assert_not_null(s, "%s", eb.msg);
	cr_assert_gt(model_n_ops(), 0);
	for (int i = 0; i < model_n_ops(); i++) {
		char sql[200];
		snprintf(sql, sizeof sql,
			 "SELECT count(*) FROM pragma_table_info('variant_use') WHERE name = '%s'",
			 model_op_at(i)->name);
		cr_assert_eq(one_int(store_db(s), sql), 1, "no column for operator %s",
			     model_op_at(i)->name);
	}
	store_close(s);
}

/* student_t975 (from a published table) agrees with the t quantile computed by
   reports/stats.c, to the table's three decimals. */
Test(store, t_table_agrees_with_the_computed_quantile)
{
	const char *path = tu_write("t.db", "");
	remove(path);
	struct errbuf eb = {0};
	struct store *s = store_open(path, &eb);
	cr_assert_not_null(s, "%s", eb.msg);
	sqlite3_stmt *st;
	cr_assert_eq(sqlite3_prepare_v2(store_db(s), "SELECT df, t FROM student_t975", -1, &st,
					NULL),
		     SQLITE_OK);
	int n = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		int df = sqlite3_column_int(st, 0);
		double t = sqlite3_column_double(st, 1);
		double want = stats_t_quantile(0.975, df);
		cr_expect(fabs(t - want) <= 0.0005 + 1e-9, "df %d: table %.3f, computed %.5f", df, t,
			  want);
		n++;
	}
	sqlite3_finalize(st);
	cr_assert_geq(n, 30);
	store_close(s);
}

/* Reads one row of doubles. */
static void row_doubles(sqlite3 *db, const char *sql, double *v, int n)
{
	sqlite3_stmt *st;
	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s", sql);
	for (int i = 0; i < n; i++)
		v[i] = sqlite3_column_double(st, i);
	sqlite3_finalize(st);
}

/*
 * The views against a brute-force computation in C: five seeds of two policies on one
 * scenario; config_summary's mean, sd and interval of on-time accuracy per policy, and
 * policy_pairs' paired difference, from the runs' own values (two-pass sums, the t quantile
 * of reports/stats.c).
 */
Test(store, views_agree_with_a_brute_force_computation, .timeout = 60)
{
	const char *path = tu_write("views.db", "");
	remove(path);
	struct errbuf eb = {0};
	struct store *s = store_open(path, &eb);
	cr_assert_not_null(s, "%s", eb.msg);
	enum { N = 5 };
	const char *pol[2] = {"greedy", "static:variant=fastest"};
	double x[2][N];
	for (int p = 0; p < 2; p++)
		for (int k = 0; k < N; k++) {
			struct run_config c;
			run_config_defaults(&c);
			c.trace = "traces/bursts.csv";
			c.device = "devices/xeon-kvm-2vcpu.ini";
			c.model = "mobilenet_v1";
			c.policy = pol[p];
			c.workload = "poisson:rate=60";
			c.deadline_ms = 7;
			c.duration_s = 3;
			c.seed = (uint64_t)k + 1;
			struct run_output *o;
			cr_assert_eq(run_execute(&c, &o, &eb), 0, "%s", eb.msg);
			cr_assert_eq(store_insert_run(s, &c, o, NULL, &eb), 0, "%s", eb.msg);
			x[p][k] = o->m.ontime_top1;
			run_output_destroy(o);
		}
	sqlite3 *db = store_db(s);
	cr_assert_eq(one_int(db, "SELECT count(DISTINCT scenario) FROM run_metrics"), 1,
		     "the two policies share one scenario");
	double t4 = stats_t_quantile(0.975, N - 1);
	double d[N], got[3];
	for (int p = 0; p < 2; p++) {
		double mean = 0, ss = 0;
		for (int k = 0; k < N; k++)
			mean += x[p][k] / N;
		for (int k = 0; k < N; k++)
			ss += (x[p][k] - mean) * (x[p][k] - mean);
		double sd = sqrt(ss / (N - 1));
		char sql[300];
		snprintf(sql, sizeof sql,
			 "SELECT ontime_top1_pct, ontime_top1_pct_sd, ontime_top1_pct_ci95 FROM "
			 "config_summary WHERE policy = '%.*s' AND n_runs = %d",
			 (int)strcspn(pol[p], ":"), pol[p], N);
		row_doubles(db, sql, got, 3);
		cr_expect(fabs(got[0] - mean) <= 1e-9 * fabs(mean), "%s mean %g vs %g", pol[p], got[0],
			  mean);
		cr_expect(fabs(got[1] - sd) <= 1e-9 * sd + 1e-12, "%s sd %g vs %g", pol[p], got[1], sd);
		cr_expect(fabs(got[2] - t4 * sd / sqrt(N)) <= 2e-4 * t4 * sd / sqrt(N) + 1e-12,
			  "%s ci95 %g vs %g", pol[p], got[2], t4 * sd / sqrt(N));
	}
	double dm = 0, dss = 0;
	for (int k = 0; k < N; k++)
		dm += (d[k] = x[0][k] - x[1][k]) / N;
	for (int k = 0; k < N; k++)
		dss += (d[k] - dm) * (d[k] - dm);
	double half = t4 * sqrt(dss / (N - 1) / N);
	row_doubles(db,
		    "SELECT n_seeds, ontime_top1_pct_diff, ontime_top1_pct_diff_ci95 FROM policy_pairs "
		    "WHERE a_policy = 'greedy' AND b_policy = 'static'",
		    got, 3);
	cr_assert_eq(got[0], N);
	cr_expect(fabs(got[1] - dm) <= 1e-9 * fabs(dm) + 1e-12, "diff %g vs %g", got[1], dm);
	cr_expect(fabs(got[2] - half) <= 2e-4 * half + 1e-12, "diff ci95 %g vs %g", got[2], half);
	cr_assert(half > 0, "seeds that differ give an interval");
	store_close(s);
}

/*
 * A version 4 database with two runs (tests/data/results_v4.sql, dumped from a version 4
 * build) is carried to version 5: its rows stay, each a simulated run (world 'sim'), and
 * the views show the world.
 */
Test(store, version_4_database_with_runs_is_migrated_forward)
{
	const char *path = load_dump("v4.db", "tests/data/results_v4.sql");
	sqlite3 *raw;
	cr_assert_eq(sqlite3_open(path, &raw), SQLITE_OK);
	cr_assert_eq(one_int(raw, "PRAGMA user_version"), 4);
	sqlite3_close(raw);
	struct errbuf eb = {0};
	struct store *s = store_open(path, &eb);
	cr_assert_not_null(s, "%s", eb.msg);
	sqlite3 *db = store_db(s);
	cr_assert_eq(one_int(db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	cr_assert_eq(one_int(db, "SELECT count(*) FROM runs"), 2);
	cr_assert_eq(one_int(db, "SELECT count(*) FROM runs WHERE world = 'sim'"), 2);
	/* as the version 4 runs printed them: 30 requests, 1 late; 55 requests, none late */
	cr_assert_eq(one_int(db, "SELECT requests * 100 + deadline_misses FROM runs WHERE tag = ''"),
		     3001);
	cr_assert_eq(one_int(db, "SELECT requests * 100 + deadline_misses FROM runs WHERE tag = "
				 "'t2'"),
		     5500);
	check_v3_runs_columns(db);
	cr_assert_eq(one_int(db, "SELECT count(*) FROM run_metrics WHERE world = 'sim'"), 2);
	cr_assert_eq(one_int(db, "SELECT count(*) FROM config_summary WHERE world = 'sim'"), 2);
	cr_assert_eq(one_int(db, "SELECT count(*) FROM latency_quantiles"), 202);
	store_close(s);
}

/* A served run stored by hand: the fixture of tests/test_validate.c. */
static int64_t put_served(struct store *s, const char *tag)
{
	struct served *sv;
	struct errbuf eb = {0};
	cr_assert_eq(served_read("tests/data/served_ok.csv", &sv, &eb), 0, "%s", eb.msg);
	struct run_config c;
	served_run_config(sv, tag, &c);
	int64_t id;
	cr_assert_eq(store_insert_run(s, &c, sv->out, &id, &eb), 0, "%s", eb.msg);
	served_destroy(sv);
	return id;
}

/* Merging carries a run's world: a served run stays real in the merged database. */
Test(store, merging_carries_the_world)
{
	const char *in = tu_scratch("world_in.db");
	remove(in);
	struct errbuf eb = {0};
	struct store *s = store_open(in, &eb);
	cr_assert_not_null(s, "%s", eb.msg);
	put_served(s, "w");
	store_close(s);
	const char *out = tu_scratch("world_out.db");
	remove(out);
	struct merge_stats st;
	cr_assert_eq(merge_databases(out, &in, 1, &st, &eb), 0, "%s", eb.msg);
	cr_assert_eq(st.n_copied, 1);
	sqlite3 *db;
	cr_assert_eq(sqlite3_open(out, &db), SQLITE_OK);
	cr_assert_eq(one_int(db, "SELECT count(*) FROM runs WHERE world = 'real' AND tag = 'w'"), 1);
	cr_assert_eq(one_int(db, "SELECT count(*) FROM runs WHERE energy_mj IS NULL"), 1);
	sqlite3_close(db);
}

/*
 * The views never average a real run with simulated ones: two runs of one configuration
 * and tag, one of each world, are two rows of config_summary and no pair of policy_pairs.
 */
Test(store, views_keep_real_and_simulated_runs_apart)
{
	const char *path = tu_scratch("worlds.db");
	remove(path);
	struct errbuf eb = {0};
	struct store *s = store_open(path, &eb);
	cr_assert_not_null(s, "%s", eb.msg);
	put_served(s, "x");
	put_served(s, "x");
	sqlite3 *db = store_db(s);
	/* the second as if simulated, with the first's key */
	cr_assert_eq(sqlite3_exec(db, "UPDATE runs SET world = 'sim' WHERE id = 2", NULL, NULL, NULL),
		     SQLITE_OK);
	cr_assert_eq(one_int(db, "SELECT count(*) FROM config_summary"), 2);
	cr_assert_eq(one_int(db, "SELECT count(*) FROM config_summary WHERE n_runs = 1"), 2);
	/* as another configuration of the same scenario: still no pair across worlds */
	cr_assert_eq(sqlite3_exec(db, "UPDATE runs SET config_key = 'other' WHERE id = 2", NULL,
				  NULL, NULL),
		     SQLITE_OK);
	cr_assert_eq(one_int(db, "SELECT count(DISTINCT scenario) FROM run_metrics"), 1);
	cr_assert_eq(one_int(db, "SELECT count(*) FROM policy_pairs"), 0);
	cr_assert_eq(sqlite3_exec(db, "UPDATE runs SET world = 'real' WHERE id = 2", NULL, NULL,
				  NULL),
		     SQLITE_OK);
	cr_assert_eq(one_int(db, "SELECT count(*) FROM policy_pairs"), 2, "one world: a pair");
	store_close(s);
}

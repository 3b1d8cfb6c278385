/*
 * test_store.c: the results database: a run and its detail tables written together, the
 * per-request rows agreeing with the run's counts, and a version 1 database migrated forward.
 */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

#include "err.h"
#include "run.h"
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

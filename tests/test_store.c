/*
 * test_store.c: the results database: a run and its detail tables written together, the
 * per-request rows agreeing with the run's counts, and a version 1 database migrated forward.
 */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>

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

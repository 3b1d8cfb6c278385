/*
 * store.c: the results database (see store.h): opening, schema creation and migration,
 * and writing whole runs in one transaction. Every statement binds its values.
 */
#include "store.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "metrics.h"
#include "num.h"
#include "run.h"

struct store {
	sqlite3 *db;
	char *path;
	double busy_s;                     /* how long a statement waits for another's lock */
	double busy_since;                 /* when the current wait began (monotonic s) */
	const volatile sig_atomic_t *stop; /* store_set_stop */
};

static double mono_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/*
 * SQLite's busy handler: another connection holds the lock this statement needs. Waits in
 * 10 ms steps until busy_s have passed since the first call of this wait, or the stop flag
 * is raised; then the statement fails with SQLITE_BUSY ("database is locked").
 */
static int on_busy(void *p, int n_before)
{
	struct store *s = p;
	double t = mono_s();
	if (n_before == 0)
		s->busy_since = t;
	if ((s->stop && *s->stop) || t - s->busy_since >= s->busy_s)
		return 0;
	struct timespec d = {0, 10 * 1000 * 1000};
	nanosleep(&d, NULL);
	return 1;
}

/* SQLite's progress handler: non-zero stops the statement (SQLITE_INTERRUPT). */
static int on_progress(void *p)
{
	const struct store *s = p;
	return s->stop && *s->stop;
}

/*
 * The error of the last statement, as a code and "path: what: message": ERR_INTERRUPTED
 * when the stop flag ended it, ERR_NOMEM when SQLite ran out of memory, ERR_DB otherwise;
 * a lock held past the busy timeout says so.
 */
static int db_error(struct store *s, struct errbuf *eb, const char *what, const char *msg)
{
	int code = sqlite3_errcode(s->db) & 0xff;
	const char *sep = what[0] ? ": " : "";
	if (code == SQLITE_INTERRUPT)
		return err_set(eb, ERR_INTERRUPTED, "%s: %s%sinterrupted", s->path, what, sep);
	if (code == SQLITE_BUSY)
		return err_set(eb, ERR_DB,
			       "%s: %s%s%s: another connection held it for the whole %g s busy "
			       "timeout (ADASCALE_DB_TIMEOUT_S)",
			       s->path, what, sep, msg, s->busy_s);
	int sys = sqlite3_system_errno(s->db);
	if ((code == SQLITE_IOERR || code == SQLITE_CANTOPEN) && sys) /* e.g. "File too large" */
		return err_set(eb, ERR_DB, "%s: %s%s%s (%s)", s->path, what, sep, msg, strerror(sys));
	return err_set(eb, code == SQLITE_NOMEM ? ERR_NOMEM : ERR_DB, "%s: %s%s%s", s->path, what,
		       sep, msg);
}

#define SQLTYPE_int64_t "INTEGER"
#define SQLTYPE_double "REAL"

static const char schema_v1[] =
	"CREATE TABLE IF NOT EXISTS runs(\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  created_utc TEXT NOT NULL,\n"
	"  tool_version TEXT NOT NULL,\n"
	"  git_rev TEXT NOT NULL,\n"
	"  tag TEXT NOT NULL DEFAULT '',\n"
	"  config TEXT NOT NULL,\n"        /* canonical key=value lines: reproduces the run */
	"  config_key TEXT NOT NULL,\n"    /* SHA-256 of config without tag and seed */
	"  seed INTEGER NOT NULL,\n"
	"  trace TEXT NOT NULL, trace_sha256 TEXT NOT NULL,\n"
	"  device TEXT NOT NULL, device_sha256 TEXT NOT NULL,\n"
	"  timings TEXT NOT NULL, timings_sha256 TEXT NOT NULL,\n"
	"  timings_derived INTEGER NOT NULL DEFAULT 0,\n"
	"  model TEXT NOT NULL, model_sha256 TEXT NOT NULL,\n"
	"  policy TEXT NOT NULL, policy_params TEXT NOT NULL DEFAULT '',\n"
	"  workload TEXT NOT NULL, deadline_ms REAL NOT NULL,\n"
	"  status TEXT NOT NULL,\n"
	"  error TEXT NOT NULL DEFAULT '',\n"
	"  wall_s REAL NOT NULL,\n"
	"  decide_mean_us REAL, decide_p99_us REAL,\n"
	/* the metrics of version 1, as they were (later ones are added by their migration) */
	"  requests INTEGER, served INTEGER, dropped INTEGER, deadline_misses INTEGER,\n"
	"  failures INTEGER, miss_rate REAL, lat_mean_ms REAL, lat_p50_ms REAL, lat_p95_ms REAL,\n"
	"  lat_p99_ms REAL, mean_top1 REAL, energy_mj REAL, energy_per_inf_mj REAL,\n"
	"  switches INTEGER, events INTEGER, sim_s REAL\n"
	");\n"
	"CREATE INDEX IF NOT EXISTS runs_config ON runs(config_key, tag);\n"
	"CREATE TABLE IF NOT EXISTS latency_quantiles(\n"
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
	"  q REAL NOT NULL, latency_ms REAL NOT NULL, PRIMARY KEY(run_id, q));\n"
	"CREATE TABLE IF NOT EXISTS variant_use(\n"
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
	"  variant TEXT NOT NULL, served INTEGER NOT NULL, top1 REAL,\n"
	"  PRIMARY KEY(run_id, variant));\n"
	"CREATE TABLE IF NOT EXISTS timeline(\n"
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
	"  t_s REAL NOT NULL, freq_mhz REAL, util_other REAL, mem_avail_mb REAL,\n"
	"  variant TEXT, latency_ms REAL);\n"
	"CREATE INDEX IF NOT EXISTS timeline_run ON timeline(run_id, t_s);\n";

/* Version 2: per-request rows. */
static const char schema_v2[] =
	"CREATE TABLE IF NOT EXISTS requests(\n"
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
	"  seq INTEGER NOT NULL, t_arrival_ns INTEGER NOT NULL, t_start_ns INTEGER,\n"
	"  t_end_ns INTEGER, variant TEXT, outcome TEXT NOT NULL, energy_uj REAL NOT NULL,\n"
	"  PRIMARY KEY(run_id, seq));\n";

/*
 * Version 3: the accuracy of on-time answers (the objective, sim/metrics.h) and the SHA-256
 * of a policy plugin's file ("" for a built-in, and for runs stored before version 3).
 */
static const char schema_v3[] =
	"ALTER TABLE runs ADD COLUMN ontime_top1 REAL;\n"
	"ALTER TABLE runs ADD COLUMN policy_sha256 TEXT NOT NULL DEFAULT '';\n"
	/* config and policy_params as JSON objects, for json_extract (see json_of_kv) */
	"ALTER TABLE runs ADD COLUMN config_json TEXT;\n"
	"ALTER TABLE runs ADD COLUMN policy_params_json TEXT;\n";

/*
 * The operator columns of variant_use from a variant key ("model:width=1,res=224,quant=fp32"
 * and, when not at their defaults, prune, lowrank and exit): an operator not in the key is at
 * its default (prune 0, lowrank 1, exit NULL: no early exit). tests/test_store.c checks that
 * every operator of models/ops.c has its column.
 */
#define VARIANT_OP_VALUES(v)                                                              \
	"adascale_variant_op(" v ", 'model'), adascale_variant_op(" v ", 'width'), "       \
	"adascale_variant_op(" v ", 'res'), adascale_variant_op(" v ", 'quant'), "         \
	"coalesce(adascale_variant_op(" v ", 'prune'), 0), "                               \
	"coalesce(adascale_variant_op(" v ", 'lowrank'), 1), adascale_variant_op(" v ", 'exit')"

/*
 * Version 4: the workload and each variant's operators in columns, Student t's 97.5%
 * quantiles, and the views for readers (pandas, R): run_metrics, config_summary and
 * policy_pairs (docs/formats.md). The views give every share in percent and every column's
 * unit in its name; the runs table keeps its names (miss_rate a fraction) for the reports and
 * tolerance files that read it.
 */
static const char schema_v4[] =
	"ALTER TABLE runs ADD COLUMN arrivals TEXT;\n"      /* periodic | poisson | file */
	"ALTER TABLE runs ADD COLUMN rate_hz REAL;\n"       /* fps or rate; NULL for a file */
	"ALTER TABLE runs ADD COLUMN service TEXT;\n"       /* det | exp | meas */
	"ALTER TABLE variant_use ADD COLUMN model TEXT;\n"
	"ALTER TABLE variant_use ADD COLUMN width REAL;\n"
	"ALTER TABLE variant_use ADD COLUMN res INTEGER;\n"
	"ALTER TABLE variant_use ADD COLUMN quant TEXT;\n"
	"ALTER TABLE variant_use ADD COLUMN prune REAL;\n"
	"ALTER TABLE variant_use ADD COLUMN lowrank REAL;\n"
	"ALTER TABLE variant_use ADD COLUMN exit INTEGER;\n"
	/* NIST/SEMATECH e-Handbook of Statistical Methods, 1.3.6.7.2, "Critical values of the
	   Student's t distribution", column 0.975: a df between two rows takes the lower row's
	   value (a slightly wider interval) */
	"CREATE TABLE student_t975(df INTEGER PRIMARY KEY, t REAL NOT NULL);\n"
	"INSERT INTO student_t975 VALUES(1, 12.706), (2, 4.303), (3, 3.182), (4, 2.776),"
	" (5, 2.571), (6, 2.447), (7, 2.365), (8, 2.306), (9, 2.262), (10, 2.228), (11, 2.201),"
	" (12, 2.179), (13, 2.160), (14, 2.145), (15, 2.131), (16, 2.120), (17, 2.110),"
	" (18, 2.101), (19, 2.093), (20, 2.086), (21, 2.080), (22, 2.074), (23, 2.069),"
	" (24, 2.064), (25, 2.060), (26, 2.056), (27, 2.052), (28, 2.048), (29, 2.045),"
	" (30, 2.042), (40, 2.021), (50, 2.009), (60, 2.000), (80, 1.990), (100, 1.984);\n";

/*
 * Version 5: the world a run comes from, 'sim' (simulated) or 'real' (served by the agent on
 * a device and imported: sim/served.h); the views carry it and never mix the two.
 */
static const char schema_v5[] =
	"ALTER TABLE runs ADD COLUMN world TEXT NOT NULL DEFAULT 'sim';\n"
	"DROP VIEW IF EXISTS policy_pairs;\n"
	"DROP VIEW IF EXISTS config_summary;\n"
	"DROP VIEW IF EXISTS run_metrics;\n";

/* The view of the ok runs (version 4; world from version 5). */
static const char view_run_metrics[] =
	"CREATE VIEW run_metrics AS SELECT id AS run_id, tag, seed, config_key, world,\n"
	"  json_remove(config_json, '$.policy', '$.policy_source', '$.policy_sha256', '$.params',\n"
	"    '$.seed', '$.tag') AS scenario,\n"
	"  trace, device, model, policy, policy_params_json, policy_sha256, workload, arrivals,\n"
	"  rate_hz, service, deadline_ms, requests, served, dropped, deadline_misses, failures,\n"
	"  ontime_top1 AS ontime_top1_pct, mean_top1 AS mean_top1_pct,\n"
	"  100.0 * miss_rate AS miss_pct, lat_mean_ms, lat_p50_ms, lat_p95_ms, lat_p99_ms,\n"
	"  energy_mj, energy_per_inf_mj, switches, decide_mean_us, decide_p99_us, wall_s, sim_s\n"
	"FROM runs WHERE status = 'ok';\n";

/*
 * The metrics config_summary and policy_pairs summarise, as named in run_metrics. Each
 * gives config_summary the columns NAME (mean over the configuration's runs), NAME_sd and
 * NAME_ci95 (the half-width of the 95% Student t interval of the mean), and policy_pairs
 * NAME_diff and NAME_diff_ci95 (the paired difference a - b over common seeds).
 */
static const char *const summarised[] = {
	"ontime_top1_pct", "mean_top1_pct", "miss_pct", "lat_p95_ms", "energy_per_inf_mj",
};
#define N_SUMMARISED ((int)(sizeof summarised / sizeof summarised[0]))

/* The t quantile for a column's count n, as a scalar subquery on student_t975. */
#define T975(n) "(SELECT t FROM student_t975 WHERE df <= " n " - 1 ORDER BY df DESC LIMIT 1)"
/* The sample standard deviation of x over a group, from its sums (x: 6 times). */
#define SD(x)                                                                              \
	"sqrt(max(0, (sum(" x " * " x ") - sum(" x ") * sum(" x ") / count(" x ")) / "       \
	"(count(" x ") - 1)))"

/*
 * config_summary: one row per (config_key, tag): each metric's mean, count and standard
 * deviation over the group (from its sums: the values here are far from the 1e-8 relative
 * spread where that loses digits), then the t quantile for its count. policy_pairs: every
 * two configurations of one scenario and tag, with the differences of their runs of the
 * same seed, likewise.
 */
static void views_v5(char *out, size_t len)
{
	size_t n = 0;
#define PUT(...) (n += (size_t)snprintf(out + n, n < len ? len - n : 0, __VA_ARGS__))
	PUT("%s", view_run_metrics);
	PUT("CREATE VIEW config_summary AS SELECT *");
	for (int i = 0; i < N_SUMMARISED; i++)
		PUT(",\n  %s_sd * " T975("n_%s") " / sqrt(n_%s) AS %s_ci95", summarised[i],
		    summarised[i], summarised[i], summarised[i]);
	PUT("\nFROM (SELECT config_key, tag, world, min(scenario) AS scenario, min(policy) AS policy,\n"
	    "  min(policy_params_json) AS policy_params_json, min(policy_sha256) AS policy_sha256,\n"
	    "  min(trace) AS trace, min(device) AS device, min(model) AS model,\n"
	    "  min(workload) AS workload, min(arrivals) AS arrivals, min(rate_hz) AS rate_hz,\n"
	    "  min(service) AS service, min(deadline_ms) AS deadline_ms, count(*) AS n_runs");
	for (int i = 0; i < N_SUMMARISED; i++) {
		const char *c = summarised[i];
		PUT(",\n  avg(%s) AS %s, count(%s) AS n_%s, " SD("%s") " AS %s_sd", c, c, c, c, c, c,
		    c, c, c, c, c);
	}
	PUT("\n  FROM run_metrics GROUP BY config_key, tag, world);\n");

	PUT("CREATE VIEW policy_pairs AS SELECT *");
	for (int i = 0; i < N_SUMMARISED; i++)
		PUT(",\n  %s_diff_sd * " T975("n_%s") " / sqrt(n_%s) AS %s_diff_ci95", summarised[i],
		    summarised[i], summarised[i], summarised[i]);
	PUT("\nFROM (SELECT tag, world, scenario, a_config_key, min(a_policy) AS a_policy,\n"
	    "  min(a_policy_params_json) AS a_policy_params_json, b_config_key,\n"
	    "  min(b_policy) AS b_policy, min(b_policy_params_json) AS b_policy_params_json,\n"
	    "  count(*) AS n_seeds");
	for (int i = 0; i < N_SUMMARISED; i++) {
		const char *c = summarised[i];
		PUT(",\n  avg(d_%s) AS %s_diff, count(d_%s) AS n_%s, " SD("d_%s") " AS %s_diff_sd", c,
		    c, c, c, c, c, c, c, c, c, c);
	}
	PUT("\n  FROM (SELECT a.tag AS tag, a.world AS world, a.scenario AS scenario, a.config_key AS a_config_key,\n"
	    "    a.policy AS a_policy, a.policy_params_json AS a_policy_params_json,\n"
	    "    b.config_key AS b_config_key, b.policy AS b_policy,\n"
	    "    b.policy_params_json AS b_policy_params_json");
	for (int i = 0; i < N_SUMMARISED; i++)
		PUT(", a.%s - b.%s AS d_%s", summarised[i], summarised[i], summarised[i]);
	PUT("\n    FROM run_metrics a JOIN run_metrics b ON a.tag = b.tag AND a.seed = b.seed\n"
	    "      AND a.world = b.world AND a.scenario = b.scenario AND a.config_key <> b.config_key)\n"
	    "  GROUP BY tag, world, a_config_key, b_config_key);\n");
#undef PUT
}

/*
 * What a migration or a merge leaves NULL in the columns derived from a row's own text:
 * version 3's JSON, version 4's workload and operator columns. Idempotent.
 */
static const char fill_derived[] =
	"UPDATE runs SET config_json = adascale_json(config, char(10)), "
	"policy_params_json = adascale_json(policy_params, ',') WHERE config_json IS NULL;\n"
	"UPDATE runs SET (arrivals, rate_hz, service) = (adascale_workload(workload, 'arrivals'), "
	"adascale_workload(workload, 'rate_hz'), adascale_workload(workload, 'service')) "
	"WHERE arrivals IS NULL;\n"
	"UPDATE variant_use SET (model, width, res, quant, prune, lowrank, exit) = ("
	VARIANT_OP_VALUES("variant") ") WHERE model IS NULL;\n";

const char *store_schema_v1_sql(void) { return schema_v1; }

const char *store_schema_sql(void)
{
	static char all[sizeof schema_v1 + sizeof schema_v2 + sizeof schema_v3 +
			sizeof schema_v4 + sizeof schema_v5 + 16384];
	if (!all[0]) {
		int n = snprintf(all, sizeof all, "%s%s%s%s%s", schema_v1, schema_v2, schema_v3,
				 schema_v4, schema_v5);
		views_v5(all + n, sizeof all - (size_t)n);
	}
	return all;
}

/* ---- key=value text as JSON ---- */

/* Whether s is a JSON number as RFC 8259 writes one (so it goes in unquoted). */
static int json_number(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		while (*s >= '0' && *s <= '9')
			s++;
	else
		return 0;
	if (*s == '.') {
		if (!(*++s >= '0' && *s <= '9'))
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!(*s >= '0' && *s <= '9'))
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s == '\0';
}

/* Appends s[0..n) as a JSON string (quoted, escaped) to str. */
static void json_string(sqlite3_str *str, const char *s, size_t n)
{
	sqlite3_str_appendchar(str, 1, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			sqlite3_str_appendf(str, "\\%c", c);
		else if (c < 0x20)
			sqlite3_str_appendf(str, "\\u%04x", c);
		else
			sqlite3_str_appendchar(str, 1, (char)c);
	}
	sqlite3_str_appendchar(str, 1, '"');
}

/*
 * SQL function adascale_json(text, sep): "k=v<sep>k=v" (runs.config with sep newline,
 * runs.policy_params with sep ',') as a JSON object: a value that is a JSON number goes in
 * as a number, any other as a string; the config's "params" value is itself an object of
 * the policy's parameters. A piece without '=' is left out; "" gives {}; NULL gives NULL.
 */
static void sql_json(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const char *text = (const char *)sqlite3_value_text(argv[0]);
	const char *sep = (const char *)sqlite3_value_text(argv[1]);
	if (!text || !sep || strlen(sep) != 1) {
		sqlite3_result_null(ctx);
		return;
	}
	sqlite3_str *str = sqlite3_str_new(NULL);
	sqlite3_str_appendchar(str, 1, '{');
	int n = 0;
	for (const char *p = text; *p;) {
		const char *end = strchr(p, sep[0]);
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		if (eq) {
			char *v = sqlite3_mprintf("%.*s", (int)(len - (size_t)(eq - p) - 1), eq + 1);
			if (!v) {
				sqlite3_free(sqlite3_str_finish(str));
				sqlite3_result_error_nomem(ctx);
				return;
			}
			sqlite3_str_appendall(str, n++ ? "," : "");
			json_string(str, p, (size_t)(eq - p));
			sqlite3_str_appendchar(str, 1, ':');
			if (sep[0] == '\n' && (size_t)(eq - p) == 6 && strncmp(p, "params", 6) == 0) {
				sqlite3_str_appendchar(str, 1, '{');
				int m = 0;
				for (char *save, *kv = strtok_r(v, ",", &save); kv;
				     kv = strtok_r(NULL, ",", &save)) {
					char *e = strchr(kv, '=');
					if (!e)
						continue;
					*e = '\0';
					sqlite3_str_appendall(str, m++ ? "," : "");
					json_string(str, kv, strlen(kv));
					sqlite3_str_appendchar(str, 1, ':');
					if (json_number(e + 1))
						sqlite3_str_appendall(str, e + 1);
					else
						json_string(str, e + 1, strlen(e + 1));
				}
				sqlite3_str_appendchar(str, 1, '}');
			} else if (json_number(v)) {
				sqlite3_str_appendall(str, v);
			} else {
				json_string(str, v, strlen(v));
			}
			sqlite3_free(v);
		}
		p += len;
		if (*p)
			p++;
	}
	sqlite3_str_appendchar(str, 1, '}');
	if (sqlite3_str_errcode(str)) {
		sqlite3_free(sqlite3_str_finish(str));
		sqlite3_result_error_nomem(ctx);
		return;
	}
	sqlite3_result_text(ctx, sqlite3_str_finish(str), -1, sqlite3_free);
}

/*
 * SQL function adascale_workload(workload, part): part 'arrivals' (periodic, poisson or
 * file), 'rate_hz' (NULL for a file) or 'service' (det, exp or meas) of a workload string as
 * adascale run reads it (sim/run.h); NULL for a string it does not read.
 */
static void sql_workload(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const char *w = (const char *)sqlite3_value_text(argv[0]);
	const char *part = (const char *)sqlite3_value_text(argv[1]);
	struct run_workload_parts p;
	if (!w || !part || run_workload_parts(w, &p, NULL) < 0)
		sqlite3_result_null(ctx);
	else if (strcmp(part, "arrivals") == 0)
		sqlite3_result_text(ctx, p.arrivals, -1, SQLITE_STATIC);
	else if (strcmp(part, "rate_hz") == 0 && p.rate_hz > 0)
		sqlite3_result_double(ctx, p.rate_hz);
	else if (strcmp(part, "service") == 0)
		/* it fills rows of databases older than version 4, whose runs all took the
		 * profiled median whatever the workload said */
		sqlite3_result_text(ctx, p.service_given ? p.service : "det", -1, SQLITE_STATIC);
	else
		sqlite3_result_null(ctx);
}

/*
 * SQL function adascale_variant_op(key, name): from a variant key "model:op=v,op=v", the
 * model (name 'model') or the value of operator name, as text (the column's affinity makes
 * a number of it); NULL when the key does not name it.
 */
static void sql_variant_op(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const char *key = (const char *)sqlite3_value_text(argv[0]);
	const char *name = (const char *)sqlite3_value_text(argv[1]);
	const char *colon = key ? strrchr(key, ':') : NULL;
	if (!colon || !name) {
		sqlite3_result_null(ctx);
		return;
	}
	if (strcmp(name, "model") == 0) {
		sqlite3_result_text(ctx, key, (int)(colon - key), SQLITE_TRANSIENT);
		return;
	}
	size_t n = strlen(name);
	for (const char *p = colon + 1; *p;) {
		size_t len = strcspn(p, ",");
		if (len > n && strncmp(p, name, n) == 0 && p[n] == '=') {
			sqlite3_result_text(ctx, p + n + 1, (int)(len - n - 1), SQLITE_TRANSIENT);
			return;
		}
		p += len + (p[len] == ',');
	}
	sqlite3_result_null(ctx);
}

/* Runs sql; on failure "path: what: message" (what may be ""). */
static int exec_as(struct store *s, const char *sql, const char *what, struct errbuf *eb)
{
	char *msg = NULL;
	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int rc = db_error(s, eb, what, msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return rc;
	}
	return 0;
}

static int exec(struct store *s, const char *sql, struct errbuf *eb)
{
	return exec_as(s, sql, "", eb);
}

static int user_version(struct store *s, int *v, struct errbuf *eb)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return db_error(s, eb, "", sqlite3_errmsg(s->db));
	int rc = sqlite3_step(st);
	*v = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	if (rc != SQLITE_ROW) {
		rc = db_error(s, eb, "", sqlite3_errmsg(s->db));
		sqlite3_finalize(st);
		return rc;
	}
	sqlite3_finalize(st);
	return 0;
}

/* Brings the schema from version `from` up to STORE_SCHEMA_VERSION, in one transaction. */
static int migrate(struct store *s, int from, struct errbuf *eb)
{
	if (from > STORE_SCHEMA_VERSION)
		return err_set(eb, ERR_DB,
			       "%s: schema version %d is newer than this adascale's (%d)", s->path,
			       from, STORE_SCHEMA_VERSION);
	if (from == STORE_SCHEMA_VERSION)
		return 0;
	int rc = exec(s, "BEGIN IMMEDIATE", eb);
	if (rc < 0)
		return rc;
	if (from < 1 && (rc = exec(s, schema_v1, eb)) < 0)
		goto fail;
	if (from < 2 && (rc = exec(s, schema_v2, eb)) < 0)
		goto fail;
	if (from < 3 && (rc = exec(s, schema_v3, eb)) < 0)
		goto fail;
	if (from < 4 && ((rc = exec(s, schema_v4, eb)) < 0 || (rc = exec(s, fill_derived, eb)) < 0))
		goto fail;
	if (from < 5) {
		char views[16384];
		views_v5(views, sizeof views);
		if ((rc = exec(s, schema_v5, eb)) < 0 || (rc = exec(s, views, eb)) < 0)
			goto fail;
	}
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", STORE_SCHEMA_VERSION);
	if ((rc = exec(s, sql, eb)) < 0)
		goto fail;
	return exec(s, "COMMIT", eb);
fail:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

int store_busy_timeout_s(double *seconds, struct errbuf *eb)
{
	*seconds = STORE_BUSY_TIMEOUT_S;
	const char *env = getenv("ADASCALE_DB_TIMEOUT_S");
	if (env && *env && (num_double(env, seconds) < 0 || !(*seconds >= 0) || *seconds > 86400))
		return err_set(eb, ERR_USAGE, "ADASCALE_DB_TIMEOUT_S=%s: seconds in [0, 86400]",
			       env);
	return 0;
}

struct store *store_open(const char *path, struct errbuf *eb)
{
	struct store *s = calloc(1, sizeof *s);
	if (!s) {
		err_set(eb, ERR_NOMEM, "%s: out of memory", path);
		return NULL;
	}
	s->path = strdup(path);
	if (!s->path) {
		err_set(eb, ERR_NOMEM, "%s: out of memory", path);
		goto fail;
	}
	if (store_busy_timeout_s(&s->busy_s, eb) < 0)
		goto fail;
	int orc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (orc != SQLITE_OK) {
		err_set(eb, orc == SQLITE_NOMEM ? ERR_NOMEM : ERR_DB, "%s: cannot open database: %s",
			path, s->db ? sqlite3_errmsg(s->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_handler(s->db, on_busy, s);
	int det = SQLITE_UTF8 | SQLITE_DETERMINISTIC;
	if (sqlite3_create_function(s->db, "adascale_json", 2, det, NULL, sql_json, NULL, NULL) !=
		    SQLITE_OK ||
	    sqlite3_create_function(s->db, "adascale_workload", 2, det, NULL, sql_workload, NULL,
				    NULL) != SQLITE_OK ||
	    sqlite3_create_function(s->db, "adascale_variant_op", 2, det, NULL, sql_variant_op,
				    NULL, NULL) != SQLITE_OK) {
		err_set(eb, ERR_DB, "%s: %s", path, sqlite3_errmsg(s->db));
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	int v;
	if (exec(s, "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL",
		 eb) < 0 ||
	    user_version(s, &v, eb) < 0 || migrate(s, v, eb) < 0)
		goto fail;
	return s;
fail:
	store_close(s);
	return NULL;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	sqlite3_close(s->db);
	free(s->path);
	free(s);
}

sqlite3 *store_db(struct store *s) { return s->db; }

int store_fill_derived(struct store *s, struct errbuf *eb)
{
	return exec_as(s, fill_derived, "filling derived columns", eb);
}

void store_set_stop(struct store *s, const volatile sig_atomic_t *stop)
{
	s->stop = stop;
	sqlite3_progress_handler(s->db, stop ? 1000 : 0, stop ? on_progress : NULL, s);
}

/* ---- writing a run ---- */

static int db_fail(struct store *s, struct errbuf *eb, const char *what)
{
	return db_error(s, eb, what, sqlite3_errmsg(s->db));
}

static int step_done(struct store *s, sqlite3_stmt *st, struct errbuf *eb, const char *what)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : db_fail(s, eb, what);
}

static void utc_now(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int insert_runs_row(struct store *s, const struct run_config *c,
			   const struct run_output *o, struct errbuf *eb)
{
	char sql[4096] = "INSERT INTO runs(created_utc, tool_version, git_rev, tag, config, "
			 "config_key, seed, trace, trace_sha256, device, device_sha256, timings, "
			 "timings_sha256, timings_derived, model, model_sha256, policy, "
			 "policy_params, workload, deadline_ms, status, error, wall_s, "
			 "decide_mean_us, decide_p99_us, policy_sha256, config_json, "
			 "policy_params_json, arrivals, rate_hz, service, world";
	int n_fixed = 32;
	struct run_workload_parts wp;
	if (run_workload_parts(c->workload, &wp, eb) < 0)
		return err_wrap(eb, "%s", s->path);
	for (int i = 0; i < metrics_n; i++)
		snprintf(sql + strlen(sql), sizeof sql - strlen(sql), ", %s", metrics_table[i].name);
	snprintf(sql + strlen(sql), sizeof sql - strlen(sql), ") VALUES(?");
	for (int i = 1; i < n_fixed + metrics_n; i++)
		snprintf(sql + strlen(sql), sizeof sql - strlen(sql),
			 i == 26 ? ", adascale_json(?, char(10))" : i == 27 ? ", adascale_json(?, ',')"
									: ", ?");
	snprintf(sql + strlen(sql), sizeof sql - strlen(sql), ")");
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, eb, "preparing the run insert");
	char now[32];
	utc_now(now, sizeof now);
	int k = 1;
	/* static: `now` outlives the statement, and a copy could fail for want of memory
	 * (sqlite3_bind_text would then bind nothing) */
	sqlite3_bind_text(st, k++, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, k++, ADASCALE_VERSION, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, k++, ADASCALE_GIT_REV, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, k++, c->tag ? c->tag : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, k++, o->config, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, k++, o->config_key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, k++, (sqlite3_int64)c->seed);
	sqlite3_bind_text(st, k++, c->trace, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, k++, o->trace_sha256, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, k++, c->device, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, k++, o->device_sha256, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, k++, o->timings_path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, k++, o->timings_sha256, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, k++, o->timings_derived);
	sqlite3_bind_text(st, k++, c->model, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, k++, o->model_sha256, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, k++, o->policy_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, k++, o->policy_params, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, k++, c->workload, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, k++, c->deadline_ms);
	sqlite3_bind_text(st, k++, "ok", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, k++, o->notes, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, k++, o->wall_s);
	if (o->real) { /* no policy timing from the device */
		sqlite3_bind_null(st, k++);
		sqlite3_bind_null(st, k++);
	} else {
		sqlite3_bind_double(st, k++, o->decide_mean_us);
		sqlite3_bind_double(st, k++, o->decide_p99_us);
	}
	sqlite3_bind_text(st, k++, o->policy_sha256, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, k++, o->config, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, k++, o->policy_params, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, k++, wp.arrivals, -1, SQLITE_STATIC);
	if (wp.rate_hz > 0)
		sqlite3_bind_double(st, k++, wp.rate_hz);
	else
		sqlite3_bind_null(st, k++);
	sqlite3_bind_text(st, k++, wp.service, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, k++, o->real ? "real" : "sim", -1, SQLITE_STATIC);
	const struct metrics *m = &o->m;
#define BIND_METRIC_(col, type, unit, better) BIND_##type(col)
#define BIND_int64_t(col)                                                               \
	if (o->real && strcmp(#col, "events") == 0)                                     \
		sqlite3_bind_null(st, k++);                                             \
	else                                                                            \
		sqlite3_bind_int64(st, k++, (sqlite3_int64)m->col);
#define BIND_double(col)                                                                \
	if ((o->real && strncmp(#col, "energy", 6) == 0) ||                             \
	    (!o->has_latency && strncmp(#col, "lat_", 4) == 0) ||                       \
	    (!o->has_top1 && strcmp(#col, "mean_top1") == 0) ||                         \
	    (!o->has_ontime_top1 && strcmp(#col, "ontime_top1") == 0))                  \
		sqlite3_bind_null(st, k++);                                             \
	else                                                                            \
		sqlite3_bind_double(st, k++, m->col);
	METRICS_MAP(BIND_METRIC_)
#undef BIND_METRIC_
#undef BIND_int64_t
#undef BIND_double
	int rc = step_done(s, st, eb, "inserting the run");
	sqlite3_finalize(st);
	return rc;
}

static int insert_details(struct store *s, const struct run_output *o, int64_t id,
			  struct errbuf *eb)
{
	sqlite3_stmt *st = NULL;
	int rc = 0;
	if (o->has_latency) {
		if (sqlite3_prepare_v2(s->db,
				       "INSERT INTO latency_quantiles(run_id, q, latency_ms) "
				       "VALUES(?, ?, ?)",
				       -1, &st, NULL) != SQLITE_OK)
			return db_fail(s, eb, "preparing quantiles");
		for (int i = 0; i <= 100 && rc == 0; i++) {
			sqlite3_bind_int64(st, 1, id);
			sqlite3_bind_double(st, 2, i / 100.0);
			sqlite3_bind_double(st, 3, o->lat_q_ms[i]);
			rc = step_done(s, st, eb, "inserting quantiles");
		}
		sqlite3_finalize(st);
		if (rc < 0)
			return rc;
	}
	if (sqlite3_prepare_v2(s->db,
			       "INSERT INTO variant_use(run_id, variant, served, top1, model, width, "
			       "res, quant, prune, lowrank, exit) VALUES(?1, ?2, ?3, ?4, "
			       VARIANT_OP_VALUES("?2") ")",
			       -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, eb, "preparing variant use");
	for (int i = 0; i < o->n_variants && rc == 0; i++) {
		if (!o->variant_served[i])
			continue;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, o->variant_keys[i], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, o->variant_served[i]);
		if (isnan(o->variant_top1[i]))
			sqlite3_bind_null(st, 4);
		else
			sqlite3_bind_double(st, 4, o->variant_top1[i]);
		rc = step_done(s, st, eb, "inserting variant use");
	}
	sqlite3_finalize(st);
	if (rc < 0)
		return rc;
	if (o->n_request_rows) {
		if (sqlite3_prepare_v2(s->db,
				       "INSERT INTO requests(run_id, seq, t_arrival_ns, t_start_ns, "
				       "t_end_ns, variant, outcome, energy_uj) VALUES(?, ?, ?, ?, ?, ?, ?, ?)",
				       -1, &st, NULL) != SQLITE_OK)
			return db_fail(s, eb, "preparing requests");
		for (int64_t i = 0; i < o->n_request_rows && rc == 0; i++) {
			const struct request_row *r = &o->request_rows[i];
			sqlite3_bind_int64(st, 1, id);
			sqlite3_bind_int64(st, 2, r->seq);
			sqlite3_bind_int64(st, 3, r->t_arrival_ns);
			if (r->t_start_ns >= 0)
				sqlite3_bind_int64(st, 4, r->t_start_ns);
			if (r->t_end_ns >= 0)
				sqlite3_bind_int64(st, 5, r->t_end_ns);
			if (r->variant >= 0)
				sqlite3_bind_text(st, 6, o->variant_keys[r->variant], -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 7, run_outcome_name(r->outcome), -1, SQLITE_STATIC);
			sqlite3_bind_double(st, 8, r->energy_uj);
			rc = step_done(s, st, eb, "inserting requests");
		}
		sqlite3_finalize(st);
		if (rc < 0)
			return rc;
	}
	if (!o->n_timeline)
		return 0;
	if (sqlite3_prepare_v2(s->db,
			       "INSERT INTO timeline(run_id, t_s, freq_mhz, util_other, "
			       "mem_avail_mb, variant, latency_ms) VALUES(?, ?, ?, ?, ?, ?, ?)",
			       -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, eb, "preparing the timeline");
	for (int i = 0; i < o->n_timeline && rc == 0; i++) {
		const struct timeline_point *p = &o->timeline[i];
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_double(st, 2, p->t_s);
		sqlite3_bind_double(st, 3, p->freq_mhz);
		sqlite3_bind_double(st, 4, p->util_other);
		sqlite3_bind_double(st, 5, p->mem_avail_mb);
		if (p->variant >= 0)
			sqlite3_bind_text(st, 6, o->variant_keys[p->variant], -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 6);
		if (isnan(p->latency_ms))
			sqlite3_bind_null(st, 7);
		else
			sqlite3_bind_double(st, 7, p->latency_ms);
		rc = step_done(s, st, eb, "inserting the timeline");
	}
	sqlite3_finalize(st);
	return rc;
}

int store_insert_run(struct store *s, const struct run_config *cfg,
		     const struct run_output *out, int64_t *run_id, struct errbuf *eb)
{
	int rc = exec_as(s, "BEGIN IMMEDIATE", "starting the run's transaction", eb);
	if (rc < 0)
		return rc;
	if ((rc = insert_runs_row(s, cfg, out, eb)) < 0)
		goto fail;
	int64_t id = sqlite3_last_insert_rowid(s->db);
	if ((rc = insert_details(s, out, id, eb)) < 0 ||
	    (rc = exec_as(s, "COMMIT", "committing the run", eb)) < 0)
		goto fail;
	if (run_id)
		*run_id = id;
	return 0;
fail:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* ---- runs keyed on (config_key, seed, tag), for sweeps ---- */

int store_run_status(struct store *s, const char *config_key, uint64_t seed, const char *tag,
		     struct errbuf *eb)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db,
			       "SELECT max(status = 'ok') FROM runs "
			       "WHERE config_key = ?1 AND tag = ?2 AND seed = ?3",
			       -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, eb, "preparing the run look-up");
	sqlite3_bind_text(st, 1, config_key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, tag ? tag : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)seed);
	int rc = sqlite3_step(st);
	int status = STORE_RUN_NONE;
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		status = sqlite3_column_int(st, 0) ? STORE_RUN_OK : STORE_RUN_FAILED;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return db_fail(s, eb, "looking up a run");
	return status;
}

/* Turns the runs row id into a failed run: status, reason, and no metrics. */
static int mark_failed(struct store *s, int64_t id, const char *reason, struct errbuf *eb)
{
	char sql[2048] = "UPDATE runs SET status = 'failed', error = ?1, decide_mean_us = NULL, "
			 "decide_p99_us = NULL";
	for (int i = 0; i < metrics_n; i++)
		snprintf(sql + strlen(sql), sizeof sql - strlen(sql), ", %s = NULL",
			 metrics_table[i].name);
	snprintf(sql + strlen(sql), sizeof sql - strlen(sql), " WHERE id = ?2");
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, eb, "preparing the failed-run update");
	sqlite3_bind_text(st, 1, reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	int rc = step_done(s, st, eb, "marking a run failed");
	sqlite3_finalize(st);
	return rc;
}

int store_put_run(struct store *s, const struct run_config *cfg, const struct run_output *out,
		  const char *failed_reason, int64_t *run_id, struct errbuf *eb)
{
	sqlite3_stmt *st = NULL;
	int64_t id = 0;
	int rc = exec_as(s, "BEGIN IMMEDIATE", "starting the run's transaction", eb);
	if (rc < 0)
		return rc;
	/* inside the transaction, so that two writers cannot both add the same run */
	int status = store_run_status(s, out->config_key, cfg->seed, cfg->tag, eb);
	if ((rc = status) < 0)
		goto fail;
	if (status == STORE_RUN_OK)
		goto done;
	if (status == STORE_RUN_FAILED) {
		if (sqlite3_prepare_v2(s->db,
				       "DELETE FROM runs WHERE config_key = ?1 AND tag = ?2 AND "
				       "seed = ?3 AND status = 'failed'",
				       -1, &st, NULL) != SQLITE_OK) {
			rc = db_fail(s, eb, "preparing the failed-run delete");
			goto fail;
		}
		sqlite3_bind_text(st, 1, out->config_key, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, cfg->tag ? cfg->tag : "", -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)cfg->seed);
		rc = step_done(s, st, eb, "deleting a failed run");
		sqlite3_finalize(st);
		if (rc < 0)
			goto fail;
	}
	if ((rc = insert_runs_row(s, cfg, out, eb)) < 0)
		goto fail;
	id = sqlite3_last_insert_rowid(s->db);
	rc = failed_reason ? mark_failed(s, id, failed_reason, eb) : insert_details(s, out, id, eb);
	if (rc < 0)
		goto fail;
done:
	if ((rc = exec_as(s, "COMMIT", "committing the run", eb)) < 0)
		goto fail;
	if (run_id)
		*run_id = id;
	return 0;
fail:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

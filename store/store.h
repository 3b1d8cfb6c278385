/*
 * store.h: the results database (SQLite, one file, WAL mode, schema versioned with
 * PRAGMA user_version). A run is written in one transaction, so a failed or interrupted run
 * leaves nothing. Reports and comparisons read only this database.
 *
 * Tables (schema version 5; databases of versions 1 to 4 are migrated forward on open, rows
 * kept):
 *   runs               one row per run: provenance (tool version, git revision, config,
 *                      seed, SHA-256 of every input and of a policy plugin's file:
 *                      policy_sha256, version 3), status, wall time, and every metric
 *                      listed in metrics.h as a column of the same name (ontime_top1 from
 *                      version 3); the workload in parts: arrivals, rate_hz, service
 *                      (version 4); world: 'sim' for a simulated run, 'real' for a run
 *                      served by the agent and imported (version 5: sim/served.h), whose
 *                      energy, events and decide times are NULL (not measured)
 *   latency_quantiles  (run_id, q, latency_ms): q = 0, 0.01, ..., 1 of served latencies
 *   variant_use        (run_id, variant, served, top1, model, width, res, quant, prune,
 *                      lowrank, exit): how often each variant served, and its operators
 *                      (version 4)
 *   student_t975       (df, t): Student t's 97.5% quantiles, for the views' intervals
 * Views, for readers such as pandas and R (version 4; shares in percent, units in names):
 *   run_metrics        the ok runs, with their world and the scenario (the configuration
 *                      without policy, seed and tag, as JSON)
 *   config_summary     per (config_key, tag, world): mean, sd and 95% interval of each metric
 *   policy_pairs       per two configurations of one scenario and world: paired differences over
 *                      seeds with their 95% intervals
 *   timeline           (run_id, t_s, freq_mhz, util_other, mem_avail_mb, variant,
 *                      latency_ms): a sampled timeline of device state and choices
 *   requests           (run_id, seq, t_arrival_ns, t_start_ns, t_end_ns, variant, outcome,
 *                      energy_uj): one row per request, with --detail requests (version 2)
 *
 * Not for computing metrics (sim/run.c) or reading them back for reports (reports/).
 */
#ifndef ADASCALE_STORE_H
#define ADASCALE_STORE_H

#include <signal.h>
#include <sqlite3.h>
#include <stdint.h>

#include "err.h"

#define STORE_SCHEMA_VERSION 5

struct store;

/*
 * How long a statement waits for another connection's lock before it fails with "database
 * is locked", in seconds; the environment variable ADASCALE_DB_TIMEOUT_S overrides it.
 * Writing a run holds the lock for milliseconds (seconds with millions of request rows).
 */
#define STORE_BUSY_TIMEOUT_S 10.0

/* The busy timeout in seconds, from ADASCALE_DB_TIMEOUT_S or the default; ERR_USAGE if bad. */
int store_busy_timeout_s(double *seconds, struct errbuf *eb);

/* Opens or creates the database and brings its schema up to date. */
struct store *store_open(const char *path, struct errbuf *eb);
void store_close(struct store *s);
/* The connection, for readers that run their own queries (reports). */
sqlite3 *store_db(struct store *s);

/*
 * Fills the columns derived from a row's own text (config_json, policy_params_json, the
 * workload's and the variants' columns) where they are NULL: after rows came in from an
 * older database (merge). 0 or a negative code.
 */
int store_fill_derived(struct store *s, struct errbuf *eb);
/*
 * A flag (set by a SIGINT/SIGTERM handler) that, once non-zero, stops the statement in
 * progress and any wait for a lock: the write fails with ERR_INTERRUPTED and its transaction
 * is rolled back, so nothing of the run stays. NULL: none. The flag must outlive s.
 */
void store_set_stop(struct store *s, const volatile sig_atomic_t *stop);

struct run_config;
struct run_output;

/*
 * Writes a finished run (the runs row, its latency quantiles, variant use and timeline) in
 * one transaction; on any failure nothing of it stays. *run_id gets the new id.
 */
int store_insert_run(struct store *s, const struct run_config *cfg,
		     const struct run_output *out, int64_t *run_id, struct errbuf *eb);

/*
 * The SQL that creates the current schema from nothing (for tests that build a database by
 * hand), and the SQL of version 1 alone (for tests of the migration; version 2's is kept in
 * tests/data/schema_v2.sql).
 */
const char *store_schema_sql(void);
const char *store_schema_v1_sql(void);

/*
 * Runs keyed on (config_key, seed, tag): what a sweep uses to know what has run.
 * store_run_status returns STORE_RUN_OK when a row with that key has status 'ok',
 * STORE_RUN_FAILED when only 'failed' rows have it, STORE_RUN_NONE when none does, or a
 * negative code.
 */
enum { STORE_RUN_NONE, STORE_RUN_OK, STORE_RUN_FAILED };
int store_run_status(struct store *s, const char *config_key, uint64_t seed, const char *tag,
		     struct errbuf *eb);

/*
 * Writes a run like store_insert_run, in one transaction, keyed on (out->config_key,
 * cfg->seed, cfg->tag): when an 'ok' row with that key exists nothing is written and
 * *run_id gets 0; 'failed' rows with that key are replaced. With failed_reason, the run is
 * written as failed: status 'failed', the reason in `error`, metrics and decide times NULL,
 * no quantiles, variant use, timeline or requests (out then needs only its provenance:
 * config, config_key, hashes, timings path, policy name and parameters).
 */
int store_put_run(struct store *s, const struct run_config *cfg, const struct run_output *out,
		  const char *failed_reason, int64_t *run_id, struct errbuf *eb);

#endif

/*
 * sweep.h: many runs at once. A sweep file (INI, docs/sweeps.md) names a list for each
 * dimension of a run (traces, devices, models, policies, workloads, deadlines, seeds); the
 * sweep is their product less the runs its [exclude] section leaves out. The plan gives
 * every run its identity (config_key + seed + tag, the key run.c computes from content
 * hashes), folds runs that are the same experiment, and keeps a deterministic 1/N of them
 * for a shard. The executor runs what the database does not hold yet in child processes, a
 * few at a time, and is the one writer of the database: one transaction per run.
 *
 * Not for simulating a run (run.h), for the database schema (store.h) or for merging the
 * databases of shards (merge.h).
 */
#ifndef ADASCALE_SWEEP_H
#define ADASCALE_SWEEP_H

#include <limits.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"

struct run_config;
struct run_output;
struct store;

/* The dimensions of a sweep, in the order the product enumerates them (seed innermost). */
enum sweep_dim {
	SWEEP_TRACE,
	SWEEP_DEVICE,
	SWEEP_MODEL,
	SWEEP_POLICY,
	SWEEP_WORKLOAD,
	SWEEP_DEADLINE,
	SWEEP_SEED,
	SWEEP_N_DIMS
};

/* "trace", "device", ...: a dimension's name in [exclude] pairs and in messages. */
const char *sweep_dim_name(int dim);

/*
 * The values of one dimension as written in the file, except that a path in them (a
 * trace, a device, a model or timings file, a plugin, a workload file) is taken from the
 * sweep file's folder (paths_beside).
 */
struct sweep_list {
	int n;
	char **v;     /* owned */
	long *line;   /* owned: the line of the file each value is on */
};

/*
 * One [exclude] `run = dim=value ...` line: a run matching every pair is left out (paths
 * taken from the sweep file's folder, as in the lists).
 */
struct sweep_exclude {
	long line;
	char *value[SWEEP_N_DIMS]; /* owned; NULL: any value */
};

/* A sweep file, read and checked. Everything is owned by the spec. */
struct sweep_spec {
	char path[PATH_MAX];
	char name[128];
	struct sweep_list dim[SWEEP_N_DIMS];
	double *deadlines_ms;      /* parsed dim[SWEEP_DEADLINE]; 0 where it is auto:F */
	double *deadlines_auto;    /* F of auto:F (run.h's deadline_auto); 0 for milliseconds */
	uint64_t *seeds;           /* parsed dim[SWEEP_SEED] */
	char *timings;             /* NULL: each device's own timings */
	long timings_line;
	char *ops;                 /* NULL: each model's ladder */
	double duration_s;         /* 0: until the trace ends */
	int queue_cap;
	int drop_oldest;
	int physics;               /* RUN_PHYSICS_REPLAY (default) or RUN_PHYSICS_CLOSED */
	int timeline, requests;    /* detail = timeline requests */
	int n_exclude;
	struct sweep_exclude *exclude;
};

/* Reads a sweep file; errors name file:line (ERR_PARSE, ERR_RANGE, ERR_NOTFOUND). */
int sweep_spec_load(const char *path, struct sweep_spec **out, struct errbuf *eb);
void sweep_spec_destroy(struct sweep_spec *s);

/* What the database holds of a planned run. */
enum { SWEEP_TODO, SWEEP_DONE, SWEEP_FAILED };

struct sweep_run {
	int index;                 /* 0-based place in the whole sweep (all shards) */
	int at[SWEEP_N_DIMS];      /* index into each dimension's list */
	char config_key[65];
	int status;                /* SWEEP_TODO until sweep_plan_status says otherwise */
};

struct sweep_inputs;

struct sweep_plan {
	const struct sweep_spec *spec; /* borrowed: must outlive the plan */
	char tag[256];
	int n_product;             /* the product of the lists */
	int n_excluded;            /* left out by [exclude] */
	int n_folded;              /* the same experiment as an earlier run (same key and seed) */
	int n_total;               /* runs of the whole sweep: product - excluded - folded */
	int shard_i, shard_n;      /* 1-based shard i of n (1/1: everything) */
	int n;
	struct sweep_run *runs;    /* owned: this shard's runs, in sweep order */
	struct sweep_inputs *in;   /* owned: hashes and names of every input */
};

/*
 * Builds the plan: loads every input once (traces read through, devices, timings, models,
 * policies resolved, operators enumerated), so that bad input is found before anything
 * runs (ERR_PARSE/ERR_USAGE/... with file:line), then computes each run's config_key as
 * run_execute does. Run k of the sweep belongs to shard (k mod shard_n) + 1.
 */
int sweep_plan_build(const struct sweep_spec *spec, const char *tag, int shard_i, int shard_n,
		     struct sweep_plan **out, struct errbuf *eb);
void sweep_plan_destroy(struct sweep_plan *p);

/* The run's configuration; its strings are the spec's and the plan's. */
void sweep_plan_config(const struct sweep_plan *p, const struct sweep_run *r,
		       struct run_config *c);
/*
 * Fills the provenance fields of o (config, config_key, the four hashes, timings path and
 * whether derived, policy name and parameters) exactly as run_execute would.
 */
void sweep_plan_describe(const struct sweep_plan *p, const struct sweep_run *r,
			 struct run_output *o);
/* Sets each run's status from the database (NULL: every run is to do). */
int sweep_plan_status(struct sweep_plan *p, struct store *s, struct errbuf *eb);

/*
 * After sweep_plan_status: for each plugin policy, the runs to do whose configuration the
 * database holds as 'ok' under the same tag and seed, but run with another build of the
 * plugin (another SHA-256 of its file, or none recorded). Each such plugin gets one line on
 * log: "adascale: policy plugin PATH changed (sha256 NEW..., was OLD...): N runs again".
 * *n_again gets the number of such runs. 0 or a negative code (the database).
 */
int sweep_plan_changed_code(const struct sweep_plan *p, struct store *s, FILE *log,
			    int *n_again, struct errbuf *eb);

/* Prints the run list (one tab-separated line per run) and a count line. */
void sweep_plan_print(const struct sweep_plan *p, int with_status, FILE *f);

enum { SWEEP_PROGRESS_AUTO, SWEEP_PROGRESS_BAR, SWEEP_PROGRESS_LINES, SWEEP_PROGRESS_NONE };

struct sweep_opts {
	int jobs;                  /* child processes at a time, >= 1 */
	double timeout_s;          /* per run; 0: none */
	double decide_timeout_s;   /* one policy call at most this (wall s); 0: none */
	int skip_failed;           /* 1: leave runs stored as failed alone */
	int progress;              /* SWEEP_PROGRESS_*: AUTO is a bar on a terminal, else lines */
	double progress_s;         /* seconds between plain progress lines */
	FILE *log;                 /* progress and failure lines (stderr) */
};

struct sweep_stats {
	int n_done_before;         /* already 'ok' in the database */
	int n_failed_before;       /* stored as failed and left alone (skip_failed) */
	int n_todo;                /* to run in this call */
	int n_ok, n_failed;        /* ran now */
	int interrupted;           /* stopped by SIGINT/SIGTERM before the end */
	double elapsed_s;
};

/*
 * Runs every run of the plan whose status is not DONE (nor FAILED with skip_failed) in
 * child processes, opts->jobs at a time, and writes each result into s in its own
 * transaction (store_put_run): ok runs with their metrics, crashed, failed or timed-out
 * runs with status 'failed' and the reason. SIGINT or SIGTERM stop the launching of new
 * runs; the runs in flight finish and are stored (a second signal kills them, unstored).
 * Returns 0 when it got to the end or was interrupted (stats say which), or a negative
 * code when it could not go on (the database could not be written).
 */
int sweep_execute(struct sweep_plan *p, struct store *s, const struct sweep_opts *opts,
		  struct sweep_stats *stats, struct errbuf *eb);

#endif

/*
 * served.h: a served run, the CSV that `adascale-agent serve` writes (one row per real
 * request, docs/formats.md#served-runs), read, checked and turned into the same results as a
 * simulated run: the metrics of metrics.h, the latency quantiles, the variant use and the
 * per-request rows, computed as the run loop computes them (sim/run.c: the same histogram,
 * the same counting of misses and switches, the variant's top-1 from the model's variant
 * table). Energy is not measured on a served run: the run_output says so (real = 1) and the
 * store writes NULL.
 *
 * Not for serving (devices/agent/serve.c) nor for storing (store/store.c).
 */
#ifndef ADASCALE_SERVED_H
#define ADASCALE_SERVED_H

#include <stdint.h>
#include <stdio.h>

#include "err.h"

struct run_output;

/* The header of a served file, as written (paths as the agent was given them). */
struct served {
	char path[4096];           /* the served file */
	char sha256[65];           /* the served file's own SHA-256 */
	char agent[256], host[256], cpu[256], date[64];
	char trace[4096], trace_sha256[65];
	char device[4096], device_sha256[65];
	char timings[4096], timings_sha256[65]; /* timings "device": the device file's */
	char model[4096], ops[1024];
	char policy[2048], policy_sha256[65];
	char workload[1024];
	char applied[1024], sensing[512];
	char ignored[512];         /* trace columns serve left unapplied (--ignore), or "" */
	char load_shape[8];        /* how its util_other took the CPUs (spread, packed); "" when
				      it applied none, or in files written before it said */
	char trace_lag[256];       /* how late serve applied the trace's rows ("" in files
				      written before it said) */
	int trace_rows_late;       /* the rows it counts late, 0 when it does not say */
	char mem_apply[512];       /* how serve took the trace's memory ("" when it did not,
				      or in files written before it said) */
	double deadline_ms, duration_s, end_ms;
	int queue_cap, drop_oldest;
	uint64_t seed;
	char key[3200];            /* the run's identity text (run_identity, then world=real) */
	int64_t n_rows;
	double *arrival_ms;        /* owned: every request's arrival, in order */
	struct run_output *out;    /* owned: the run's results (real = 1) */
};

/*
 * Reads and checks the served file at path; the model it names (and its --ops) is loaded
 * for the variant keys and their top-1. Every problem is "path:line: what" (ERR_PARSE or
 * ERR_RANGE); *out is set only on success and is the caller's (served_destroy).
 */
int served_read(const char *path, struct served **out, struct errbuf *eb);
void served_destroy(struct served *sv);

/*
 * The run configuration of the served run, for storing it (store_insert_run): pointers into
 * sv, which must outlive c; tag as given (NULL: ""), also written into the run's config text.
 */
struct run_config;
void served_run_config(struct served *sv, const char *tag, struct run_config *c);

/*
 * Writes the arrival times as a `file:` workload (time_s, seconds, nine decimals) so that a
 * simulation sees the same arrivals. 0 or ERR_IO.
 */
int served_write_arrivals(const struct served *sv, FILE *f, struct errbuf *eb);

#endif

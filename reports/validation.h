/*
 * validation.h: a simulated run set beside the real run it simulates (`adascale validate`):
 * latency p50/p95/p99, miss rate, switches, mean top-1 and on-time top-1, each with the
 * simulated value, the real value and the error of the simulation (relative, in percent of
 * the real value, for latencies and switches; in percentage points for rates), and for p50,
 * p95 and the miss rate the stated target (docs/validation.md) met or missed. Written as a
 * Markdown table and as CSV; both runs are read from the results database.
 *
 * Not for running or importing anything (cmd/validate.c), nor for a report's pages.
 */
#ifndef ADASCALE_REPORT_VALIDATION_H
#define ADASCALE_REPORT_VALIDATION_H

#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "rundata.h"

/* The targets: |p50 error| <= 10%, |p95 error| <= 20%, |miss rate error| <= 3 points. */
#define VALIDATION_P50_PCT 10.0
#define VALIDATION_P95_PCT 20.0
#define VALIDATION_MISS_PT 3.0

enum { VALIDATION_N_ROWS = 7 };

struct validation_row {
	const char *metric;  /* "lat_p50_ms", ... (the runs column; miss_rate in percent) */
	const char *label;   /* "latency p50 (ms)" */
	int has_sim, has_real;
	double sim, real;    /* in the label's unit */
	int has_error;
	double error;        /* sim - real in points (rates), else 100 * (sim - real) / real */
	const char *error_unit; /* "%" or "pt" */
	double target;       /* the largest |error| that meets the target; 0: no target */
	int met;             /* with a target and an error: 1 met, 0 missed */
};

/* The rows for a simulated run beside a real run. */
void validation_rows(const struct report_run *sim, const struct report_run *real,
		     struct validation_row rows[VALIDATION_N_ROWS]);

/*
 * Reads runs sim_id and real_id from the database and writes the table: Markdown to md,
 * CSV to csv (either may be NULL). 0, or a negative code (ERR_NOTFOUND when a run is not
 * there, ERR_USAGE when real_id is not a real run or sim_id not a simulated one).
 */
int validation_write(const char *db_path, int64_t sim_id, int64_t real_id, FILE *md, FILE *csv,
		     struct errbuf *eb);

#endif

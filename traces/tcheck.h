/*
 * tcheck.h: `adascale trace check`: validating a trace beyond what replay needs, and
 * describing it.
 *
 * Every row goes through the trace reader (trace.h), so a trace that checks also replays:
 * columns, units, ranges, non-decreasing time, field counts, all with file:line[:column]
 * errors. On top of that the check looks at the sampling: the intervals between rows
 * (median and maximum) and gaps, an interval more than gap_factor times the median.
 * A gap is a warning, not an error: the format holds every value until a row changes it,
 * so a trace with a gap still replays exactly as written, but a recorder that stalled
 * leaves stale state held across the gap, and the person replaying it should know. With
 * strict, every warning fails the check. Traces that write a row only when something
 * changes say so with `# sampling: events`; their gaps are not reported.
 *
 * Other warnings: a frequency above the `# max_freq_mhz` the trace itself states (it would
 * replay above the target's maximum and be capped), and a column that never has a value.
 *
 * The summary gives, per column, the minimum, the time-weighted mean and the maximum. Values
 * are held (a row's value lasts until the next row that sets that column), so the mean
 * weights each value by how long it was held, from the first row that sets the column to
 * the trace's last row; the plain mean of the samples would over-weight densely sampled
 * stretches. Not for repairing traces, nor for replaying them (sim/run.c).
 */
#ifndef ADASCALE_TCHECK_H
#define ADASCALE_TCHECK_H

#include <stdio.h>

#include "err.h"

#define TCHECK_MAX_COLS 32
#define TCHECK_MAX_WARNINGS 16
#define TCHECK_WARNING_LEN 320

struct tcheck_opts {
	double gap_factor; /* an interval over gap_factor x the median is a gap (default 10) */
	int strict;        /* 1: any warning fails the check with ERR_RANGE */
};

void tcheck_opts_default(struct tcheck_opts *o);

struct tcheck_col {
	char name[32];
	long n_values;    /* rows that set it */
	double min, max;
	double mean;      /* time-weighted (see above); the plain mean when no time passes */
	double first_s;   /* time of its first value */
};

struct tcheck_meta {
	char *key, *value;
};

struct tcheck_report {
	char *path;
	long n_rows;
	double start_s, end_s;
	long n_intervals;        /* positive intervals between consecutive rows */
	double interval_median_s, interval_max_s;
	long interval_max_line;  /* the row that ends the longest interval */
	int event_sampled;       /* `# sampling: events`: gaps are not looked for */
	long n_gaps;
	double gap_threshold_s;  /* gap_factor x median (0 when not looked for) */
	int n_cols;              /* value columns, in header order (time_s left out) */
	struct tcheck_col cols[TCHECK_MAX_COLS];
	int n_meta;              /* the metadata lines, in file order */
	struct tcheck_meta *meta;
	long n_warnings;         /* all of them; the first TCHECK_MAX_WARNINGS are kept */
	char warnings[TCHECK_MAX_WARNINGS][TCHECK_WARNING_LEN]; /* "file:line: ..." */
};

/*
 * Checks one trace file. On success *out is the caller's (tcheck_report_destroy) and may
 * carry warnings. On failure nothing is returned and eb holds "file:line[:col]: problem":
 * a malformed trace (ERR_PARSE, ERR_RANGE), or in strict mode the first warning (ERR_RANGE).
 */
int tcheck_file(const char *path, const struct tcheck_opts *o, struct tcheck_report **out,
		struct errbuf *eb);
void tcheck_report_destroy(struct tcheck_report *r);

/* The summary as `trace check` prints it (warnings not included: they go to stderr). */
void tcheck_print(FILE *f, const struct tcheck_report *r);

#endif

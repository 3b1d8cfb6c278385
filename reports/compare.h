/*
 * compare.h: `adascale compare`, the regression verdict between two tags of one results
 * database (a baseline, e.g. last night, and a candidate, e.g. tonight), or between two
 * configurations (--configs: runs of the same seed paired, e.g. two policies):
 *
 *   adascale compare --db FILE --baseline TAG --candidate TAG [--tolerance FILE]
 *                    [--format md|csv|json]
 *   adascale compare --db FILE --configs --baseline KEY --candidate KEY [--tag T] [...]
 *
 * Runs pair up when they share the configuration apart from the tag: the same config_key
 * (content hashes of trace, device, timings, model; policy and parameters; workload,
 * deadline, ...) and the same seed. For every configuration and every metric of metrics.h
 * it gives the mean over the paired seeds in each tag, the change, and whether the change
 * is significant by a two-sided paired t-test over the seeds (stats.h). A metric regressed
 * when it moved in its worse direction (metrics.h) by more than its tolerance
 * (max(abs, rel * |baseline mean|)) and the change is significant at alpha (with one seed
 * there is nothing to test: the tolerance alone decides). A run that failed in the
 * candidate where its baseline pair succeeded is a regression too.
 *
 * Why the paired t-test and not a sign test: nightly suites run a handful of seeds, and a
 * two-sided sign test cannot reach p < 0.05 with fewer than 6 pairs (its smallest p is
 * 2 * 0.5^n), while pairing by seed removes the scenario-to-scenario spread and leaves the
 * t-test only the run-to-run noise; with 3 seeds it detects a consistent shift.
 *
 * Exit status: 0 nothing regressed; 1 a metric regressed beyond its tolerance (listed
 * first); 2 bad input or any failure to compare (no verdict). It reads only the database.
 * Not for drawing (report.h) nor for running anything.
 */
#ifndef ADASCALE_COMPARE_H
#define ADASCALE_COMPARE_H

#include <stdio.h>

#include "err.h"
#include "rundata.h"

/* How much a metric may move before it counts, and whether it can fail the comparison. */
struct compare_tol {
	double abs;  /* in the metric's unit (miss_rate: a fraction, mean_top1: points) */
	double rel;  /* a fraction of the baseline mean */
	int gate;    /* 0: reported, never a regression (always 0 for metrics without a
		      * better direction) */
};

struct compare_tolerances {
	double alpha; /* significance level of the paired t-test */
	struct compare_tol m[REPORT_N_METRICS];
};

/* The built-in tolerances (docs/reports.md explains each). */
void compare_tolerances_default(struct compare_tolerances *t);

/*
 * Reads an INI file over the defaults:
 *   [compare]        alpha = 0.05
 *   [METRIC]         abs = X, rel = X, gate = yes|no   (METRIC as in metrics.h)
 * Errors name file:line (ERR_PARSE for unknown sections, keys and values, ERR_RANGE for
 * values out of range, ERR_NOTFOUND for a missing file); *t is unchanged then.
 */
int compare_tolerances_load(const char *path, struct compare_tolerances *t,
			    struct errbuf *eb);

/* What happened to one metric of one configuration. */
enum compare_verdict {
	COMPARE_REGRESSED,       /* worse beyond tolerance, significant */
	COMPARE_IMPROVED,        /* better beyond tolerance, significant */
	COMPARE_NOT_SIGNIFICANT, /* beyond tolerance, but p >= alpha */
	COMPARE_WITHIN,          /* changed, within tolerance */
	COMPARE_NOT_JUDGED,      /* a metric without direction, or gate = no */
	COMPARE_SAME,            /* every pair identical */
	COMPARE_N_VERDICTS
};

/* "regressed", "improved", ... */
const char *compare_verdict_name(int v);

struct compare_opts {
	const char *db_path;
	const char *baseline, *candidate; /* tags, or with configs, config_key prefixes */
	const char *tolerance_path;       /* NULL: the built-in tolerances */
	int format;                       /* COMPARE_MD, COMPARE_CSV, COMPARE_JSON */
	/*
	 * 1: baseline and candidate are two configurations (each a config_key or a unique
	 * prefix of one, at least 6 hex digits) whose runs pair up by seed, within tag when it
	 * is not NULL: one policy against another on the same scenarios, say.
	 */
	int configs;
	const char *tag;
};

enum { COMPARE_MD, COMPARE_CSV, COMPARE_JSON };

/*
 * Compares and writes the result to out. Returns 0 with *regressed set (1 when anything
 * regressed), or a negative ERR_* with detail in eb (nothing written then).
 */
int compare_run(const struct compare_opts *o, FILE *out, int *regressed, struct errbuf *eb);

#endif

/*
 * rundata.h: the runs a report shows, read back from a results database (see store/store.h)
 * into memory: each run's provenance, its metrics, its latency quantiles and its variant
 * use. The database is opened read-only and checked to be an adascale database of the
 * schema version this build knows; every statement binds its values.
 *
 * Not for writing results (store/store.c) nor for presenting them (charts.c, html.c).
 */
#ifndef ADASCALE_REPORT_RUNDATA_H
#define ADASCALE_REPORT_RUNDATA_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "metrics.h"

/* The number of metrics in METRICS_MAP, as a constant. */
#define REPORT_METRIC_COUNT_(col, type, unit, better) +1
enum { REPORT_N_METRICS = 0 METRICS_MAP(REPORT_METRIC_COUNT_) };

/* Index of each metric in struct report_run's arrays: REPORT_M_served, ... */
#define REPORT_METRIC_ENUM_(col, type, unit, better) REPORT_M_##col,
enum report_metric { METRICS_MAP(REPORT_METRIC_ENUM_) REPORT_M_END_ };
#undef REPORT_METRIC_ENUM_

struct report_variant_use {
	char *variant;
	int64_t served;
	double top1;
	int has_top1;
};

/* One sample of a run's timeline; NAN where the database has NULL. */
struct report_timeline_point {
	double t_s, freq_mhz, util_other, mem_avail_mb, latency_ms;
	int variant; /* index into the run's timeline_variants, -1 for none */
};

/* Timelines are read only for reports of at most this many runs. */
#define REPORT_TIMELINE_MAX_RUNS 6

/* One run. Every string is owned by the run and never NULL (NULL in the database is ""). */
struct report_run {
	int64_t id;
	char *created_utc, *tool_version, *git_rev, *tag, *config, *config_key;
	int64_t seed;
	char *trace, *trace_sha256, *device, *device_sha256, *timings, *timings_sha256;
	int timings_derived;
	char *model, *model_sha256, *policy, *policy_params, *workload;
	double deadline_ms;
	char *status, *error;
	double wall_s;
	int real;                           /* 1: world 'real', served by the agent on a device */
	double metric[REPORT_N_METRICS];    /* in METRICS_MAP order */
	int has_metric[REPORT_N_METRICS];   /* 0 where the column is NULL */
	int n_quantiles;                    /* rows of latency_quantiles, by q */
	double *q, *latency_ms;
	int n_variants;                     /* rows of variant_use, most served first */
	struct report_variant_use *variants;
	int n_timeline;                     /* rows of timeline, by time (see above) */
	struct report_timeline_point *timeline;
	int n_timeline_variants;            /* distinct variants of the timeline, first seen */
	char **timeline_variants;
	char policy_label[128];             /* "static:variant=best" (groups.h), with " [real]"
					       after a served run's: plain text */
	char label[160];                    /* "#3 greedy (host_stress, seed 1)": plain text */
};

/* The runs of one report, by increasing id. */
struct report_data {
	char *db_path;
	int n_runs;
	struct report_run *runs;
};

/*
 * Which runs: tag NULL means any tag; ids NULL (n_ids 0) means every id. runs_only skips
 * the latency quantiles, variant use and timelines (for trends and comparisons).
 */
struct report_filter {
	const char *tag;
	const int64_t *ids;
	int n_ids;
	int runs_only;
};

/*
 * Reads the runs that pass the filter, with their quantiles and variant use, and their
 * timelines when there are at most REPORT_TIMELINE_MAX_RUNS runs. Errors, each naming
 * the file:
 *   ERR_NOTFOUND  no such file, or no run passes the filter (an empty database included);
 *   ERR_PARSE     not an SQLite database, not an adascale database, or a schema version
 *                 other than STORE_SCHEMA_VERSION;
 *   ERR_DB        SQLite failed while reading; ERR_NOMEM.
 * On success *out is the caller's (report_data_destroy).
 */
int report_data_load(const char *db_path, const struct report_filter *filter,
		     struct report_data **out, struct errbuf *eb);
void report_data_destroy(struct report_data *d);

/*
 * The nightly trends: every run of the database that has a tag (not ""), whatever the
 * report selects, with the tags in the order of their first run (created_utc, then name).
 * With upto_tag, only the tags whose first run is not later than that tag's first run
 * (a report of one night shows the history up to that night). Metrics only, no details.
 */
struct report_trend {
	struct report_data *data; /* NULL when the database has no tagged run */
	int n_tags;
	char **tags;              /* borrowed from data's runs */
	int *tag_of;              /* per run of data: index into tags, -1 when not shown */
};

/* 0 with *out set (the caller's: report_trend_destroy), or an error as report_data_load. */
int report_trend_load(const char *db_path, const char *upto_tag, struct report_trend **out,
		      struct errbuf *eb);
void report_trend_destroy(struct report_trend *t);

/*
 * Parses a run list such as "3,5-9,12" into a sorted array without duplicates (*ids is the
 * caller's, free()). ERR_USAGE naming the bad item; ranges are limited to 1,000,000 ids.
 */
int report_parse_ids(const char *list, int64_t **ids, int *n_ids, struct errbuf *eb);

/* The short readable name of a run, "#3 greedy (host_stress, seed 1)", into buf, from
 * its policy label (the policy name until report_label_runs has run). */
void report_run_label(const struct report_run *r, char *buf, size_t len);
/* r->policy_label = the policy name, then the real marker (below). */
void report_policy_label_plain(struct report_run *r);
/* Appends " [real]" to the policy label of a run served by the agent (world 'real'). */
void report_policy_label_mark(struct report_run *r);

/* The short name of a path: its last component without the extension. */
void report_short_name(const char *path, char *buf, size_t len);

#endif

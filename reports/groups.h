/*
 * groups.h: how reports and comparisons tell runs apart and put them together.
 *
 * Labels: a run's policy label is its policy name plus only those parameters that differ
 * among the runs of that policy being shown, so two static runs read
 * "static:variant=best" and "static:variant=fastest" while a lone greedy run reads
 * "greedy". Labels are plain text; every writer escapes them for its format.
 *
 * Groups: runs that differ only by their seed form one configuration (a group). The
 * scenario of a run is everything that is not the policy: tag, trace, device, model,
 * workload, deadline and the rest of its stored configuration (timings, operators, queue,
 * ...); a group is one policy (name and parameters) in one scenario with one config_key.
 * Each group gets, for every metric, the mean over its runs and the 95% Student-t
 * interval (stats.h), and the groups with the best mean of each judged metric are marked.
 * A scenario's label names only what varies between the scenarios shown ("host_stress,
 * 10 ms"); it is empty when there is one scenario.
 *
 * Not for reading the database (rundata.c) nor for writing any page or table.
 */
#ifndef ADASCALE_REPORT_GROUPS_H
#define ADASCALE_REPORT_GROUPS_H

#include "err.h"
#include "rundata.h"
#include "stats.h"

/* Sets r->policy_label and r->label of each run, from what differs among these runs. */
void report_label_runs(struct report_run *const *runs, int n);

/* Flags of report_groups_build. */
#define REPORT_GROUPS_IGNORE_TAG 1 /* the tag is not part of the scenario (comparisons) */

struct report_group {
	int n_runs;
	int *runs;        /* indexes into report_groups.run, by increasing seed, then id */
	int scenario;     /* index into report_groups.scenario_label */
	int policy;       /* index into report_groups.policy_label */
	char label[320];  /* "static:variant=best, host_stress, 10 ms": plain text */
	struct stats_summary m[REPORT_N_METRICS]; /* over the runs that have the metric */
	int best[REPORT_N_METRICS]; /* 1: the best mean of this judged metric */
};

struct report_groups {
	int n_runs;
	struct report_run **run;  /* borrowed, in the order given */
	int *group_of;            /* group index of each run */
	int n;                    /* groups, in order of their first run */
	struct report_group *g;
	int n_scenarios;
	char **scenario_label;    /* "" when there is one scenario */
	int n_policies;           /* distinct policy labels, in order of first run */
	char **policy_label;
};

/*
 * Groups runs[0..n-1] (which must stay alive while the groups do) and summarises every
 * metric. The runs must already be labelled (report_label_runs). 0 or ERR_NOMEM; *out is
 * the caller's (report_groups_destroy).
 */
int report_groups_build(struct report_run *const *runs, int n, int flags,
			struct report_groups **out, struct errbuf *eb);
void report_groups_destroy(struct report_groups *g);

/* A run list for report_groups_build: pointers to each run of d (free() it). */
struct report_run **report_run_pointers(struct report_data *d);

#endif

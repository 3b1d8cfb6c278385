/*
 * verdict.h: the answer a report leads with. In each scenario (groups.h), the configuration
 * with the best mean of the objective (ontime_top1: the accuracy of on-time answers) wins;
 * its difference against every other configuration of the scenario is given in points,
 * with the 95% interval of the mean paired difference over the seeds both ran and the
 * paired t-test (stats.h) when those differences vary between seeds. When they cannot
 * (one seed in common, or seeds whose runs draw nothing that differs, as a periodic
 * workload with the profiled work does), the verdict says so instead of printing an
 * interval of zero width.
 *
 * Not for reading the database (rundata.c) nor for page layout (html.c): numbers and the
 * three plain-text lines `adascale report --verdict` prints.
 */
#ifndef ADASCALE_REPORT_VERDICT_H
#define ADASCALE_REPORT_VERDICT_H

#include <stdio.h>

#include "err.h"
#include "groups.h"

/* The winner against one other configuration of its scenario. */
struct report_verdict_diff {
	int group;       /* the other configuration (index into report_groups.g) */
	double diff;     /* winner's mean objective minus the other's, in points */
	int n_pairs;     /* seeds both configurations ran (with the objective) */
	int spread;      /* 1: the paired differences vary between those seeds */
	double ci95;     /* half-width of the 95% interval of the mean paired difference;
			    NAN without spread */
	double p;        /* two-sided p of the paired t-test; NAN without spread */
};

struct report_verdict {
	int scenario;        /* index into report_groups.scenario_label */
	int winner;          /* group with the best mean objective; -1 when none has it */
	int n_tied;          /* other groups whose mean equals the winner's */
	int static_best;     /* the static policy's variant=best group, or -1 */
	int static_fastest;  /* the static policy's variant=fastest group, or -1 */
	int adascale;        /* the adascale policy's group (the first), or -1 */
	int n_diff;
	struct report_verdict_diff *diff; /* every other group with the objective, best first */
};

/*
 * The verdict of scenario s of g; v is the caller's (report_verdict_free). 0 or ERR_NOMEM.
 */
int report_verdict_build(const struct report_groups *g, int s, struct report_verdict *v);
void report_verdict_free(struct report_verdict *v);

/* The difference of v against group k, or NULL when k is the winner or has no objective. */
const struct report_verdict_diff *report_verdict_against(const struct report_verdict *v,
							  int k);

/*
 * How the difference's uncertainty reads: "95% interval [a, b], paired t-test p = x over n
 * seeds", "one seed: no interval", "n seeds, all with the same difference: no interval",
 * or "no seed in common: no paired test". Plain text into buf.
 */
void report_verdict_interval(const struct report_verdict_diff *d, char *buf, size_t len);

/*
 * Three plain-text lines (each starting "verdict: ", with the scenario's label when there
 * are several): who wins on on-time accuracy and by how many points against static best
 * and static fastest (or the runner-up when the scenario has no static runs); p95 latency
 * and the share of requests missed; energy per inference. 0 or ERR_IO.
 */
int report_verdict_text(FILE *f, const struct report_groups *g, const struct report_verdict *v);

#endif

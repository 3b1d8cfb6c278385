/*
 * study.h: the headline of a study (`adascale study`, docs/study.md): the subject policy
 * against every other policy configuration of the same scenarios, paired run by run over
 * seeds, in the terms of the AdaScale abstract: on-time accuracy gained (points), p95
 * latency speed-up (x) where the subject's on-time accuracy is at least the baseline's,
 * energy per inference saved (x), each with its 95% interval; the training overhead saved,
 * from the self-evolving network's own measurement; then the scenarios where the subject
 * loses. Reads the run_metrics view of a results database (store.h).
 *
 * Not for running the study's runs (cmd/study.c runs its sweep) or for the general report
 * (report.h).
 */
#ifndef ADASCALE_STUDY_H
#define ADASCALE_STUDY_H

#include <stdio.h>

#include "err.h"
#include "stats.h"

/* The subject against one baseline, over the pairs (scenario, seed) both ran. */
struct study_row {
	char label[200];          /* the baseline: policy, and parameters that tell it apart */
	int n_pairs, n_scenarios;
	struct stats_summary gain_pts; /* subject - baseline on-time top-1, points */
	double gain_p;            /* the paired t-test's two-sided p */
	int n_speed;              /* pairs where the subject's on-time top-1 >= the baseline's */
	double speedup_x, speedup_lo, speedup_hi; /* baseline p95 / subject p95: geometric mean
						     over those pairs, 95% interval */
	int n_energy;             /* pairs with an energy per inference on both sides */
	double energy_x, energy_lo, energy_hi;    /* baseline / subject energy per inference */
	int group;                /* internal: the baseline's index while computing */
};

/* The subject against one baseline on one model's scenarios. */
struct study_cell {
	int n;                    /* pairs */
	struct stats_summary gain_pts; /* subject - baseline on-time top-1, points */
};

/* A scenario where the subject's on-time top-1 is below a baseline's beyond its interval. */
struct study_loss {
	char scenario[200];       /* trace, device, model, workload, deadline */
	char baseline[200];
	int n;
	double diff_pts, ci95;    /* subject - baseline, mean over seeds and half-width */
};

struct study_result {
	int n_runs;               /* ok runs of the tag */
	int n_scenarios;          /* scenarios the subject ran */
	int n_rows;
	struct study_row *rows;   /* owned: one per baseline, in label order */
	int n_losses;
	struct study_loss *losses; /* owned: the worst first */
	char overhead[400];       /* the training overhead line, or why there is none */
	int n_models;
	char (*models)[64];       /* owned: the models of the subject's scenarios, by name */
	struct study_cell *by_model; /* owned: [model * n_rows + row] */
};

/*
 * Computes the headline of the runs tagged tag in the database at db_path, subject naming
 * the subject's policy (one configuration of it per scenario); overhead_csv, when not NULL,
 * is `adascale evolve`'s overhead.csv. 0, or a negative ERR_* with detail in eb (no such
 * runs, two configurations of the subject in one scenario, an unreadable file).
 */
int study_headline(const char *db_path, const char *tag, const char *subject,
		   const char *overhead_csv, struct study_result **out, struct errbuf *eb);
void study_result_destroy(struct study_result *r);

/*
 * The headline as a Markdown table, with several models the gain against each baseline by
 * model, and the losses after it (what the verb prints).
 */
void study_print(const struct study_result *r, const char *subject, FILE *f);

/* The rows as CSV, one per baseline. */
void study_print_csv(const struct study_result *r, FILE *f);

#endif

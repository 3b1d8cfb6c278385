/*
 * charts.h: the figures of a report, written as gnuplot commands into a plot sink:
 *   - the latency CDF (always): one curve per configuration (the mean over its seeds of
 *     each quantile), or per policy when there are too many configurations;
 *   - accuracy against energy per inference and against p95 latency, one point per
 *     configuration (its mean over seeds, with the 95% interval as error bars), with the
 *     Pareto front;
 *   - the deadline-miss rate and the energy per inference as bars, one per configuration,
 *     clustered by scenario and coloured by policy, with the 95% interval over seeds as
 *     error bars;
 *   - for reports of a few runs, each run's timeline (frequency, competing load, free
 *     memory above; the chosen variant and each request's latency below);
 *   - across the database's tags, the nightly trend of four headline metrics per policy;
 *   - for each real run (world 'real') with its simulation (`adascale validate`: same tag,
 *     policy and seed), the two latency CDFs on one plot (at most six pairs).
 * Each figure is drawn twice, as PNG (pngcairo) and SVG, into files named after the figure
 * in gnuplot's working directory.
 *
 * Data goes inline as datablocks of numbers only; every name reaches gnuplot through
 * plot_str. Not for running gnuplot (plot_gnuplot.c) nor for the pages (html.c).
 */
#ifndef ADASCALE_REPORT_CHARTS_H
#define ADASCALE_REPORT_CHARTS_H

#include "err.h"
#include "plot.h"
#include "groups.h"
#include "rundata.h"

/* Above this many runs (or policies), a figure groups or cuts, and its note says so. */
#define REPORT_MAX_CURVES 12
#define REPORT_MAX_FIGURES 24

struct report_figure {
	char name[32];   /* file stem: name.png and name.svg */
	char title[96];  /* plain text */
	char note[600];  /* plain text, what the reader should know; may be empty */
};

struct report_figures {
	int n;
	struct report_figure fig[REPORT_MAX_FIGURES];
};

/* Every figure name report_charts_write may use (NULL-terminated), for clearing old files. */
extern const char *const report_figure_names[];

/*
 * Writes the commands for every figure the data allows into s and lists them in figs.
 * g groups d's runs (built over report_run_pointers(d), in d's order); trend may be NULL
 * (no trend figures). Returns 0 or ERR_NOMEM (the sink is not finished here; its own
 * errors surface at plot_finish).
 */
int report_charts_write(struct plot_sink *s, const struct report_data *d,
			const struct report_groups *g, const struct report_trend *trend,
			struct report_figures *figs, struct errbuf *eb);

#endif

/*
 * charts.h: the figures of a report, written as gnuplot commands into a plot sink: the
 * latency CDF (always); when there are several runs, accuracy against energy per
 * inference and against p95 latency with their Pareto fronts, and bars of the
 * deadline-miss rate and of the energy per inference of each run; and for reports of a few
 * runs, each run's timeline (device state against the chosen variant). Each figure is
 * drawn twice, as PNG (pngcairo) and SVG, into files named after the figure in gnuplot's
 * working directory.
 *
 * Data goes inline as datablocks of numbers only; every name reaches gnuplot through
 * plot_str. Not for running gnuplot (plot_gnuplot.c) nor for the pages (html.c).
 */
#ifndef ADASCALE_REPORT_CHARTS_H
#define ADASCALE_REPORT_CHARTS_H

#include "err.h"
#include "plot.h"
#include "rundata.h"

/* Above this many runs (or policies), a figure groups or cuts, and its note says so. */
#define REPORT_MAX_CURVES 12
#define REPORT_MAX_FIGURES 12

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
 * Returns 0 or the sink's first error (the sink is not finished here).
 */
int report_charts_write(struct plot_sink *s, const struct report_data *d,
			struct report_figures *figs, struct errbuf *eb);

#endif

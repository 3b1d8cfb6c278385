/*
 * html.h: the two pages of a report, index.html and report.md, with the same content: the
 * table of configurations (runs that differ only by seed, with the mean and 95% interval
 * over seeds of each metric), the table of runs, each with the best value of each metric
 * column marked, the figures that were drawn, and each run's provenance. Every name goes
 * through text.h's escaping.
 *
 * Not for reading the database (rundata.c) nor for drawing (charts.c): a page only links
 * the image files it is told exist.
 */
#ifndef ADASCALE_REPORT_HTML_H
#define ADASCALE_REPORT_HTML_H

#include <stdio.h>

#include "charts.h"
#include "groups.h"
#include "rundata.h"

struct report_page {
	const struct report_data *data;
	const struct report_groups *groups;    /* over data's runs, in data's order */
	const struct report_figures *figs;
	const char *selection;                 /* plain text, e.g. "tag 'nightly'"; NULL: all */
	int has_png[REPORT_MAX_FIGURES];       /* 1 where name.png exists */
	int has_svg[REPORT_MAX_FIGURES];       /* 1 where name.svg exists */
};

/* The columns of the run table that hold metrics, by metric name, in order. */
extern const char *const report_table_metrics[];
extern const int report_table_n_metrics;

/*
 * Marks the best runs of metric m: best[i] = 1 for each run whose value is the best (by
 * the metric's direction in metrics_table). Nothing is marked for a metric that has no
 * direction, that fewer than two runs have, or whose values are all equal.
 */
void report_best(const struct report_data *d, int m, int *best);

/* A metric value as the tables show it ("1.00%", "12.34"), into buf. */
void report_fmt_metric(char *buf, size_t len, int m, double v);

/* Write the page to f; 0 or ERR_IO. */
int report_html_write(FILE *f, const struct report_page *p);
int report_md_write(FILE *f, const struct report_page *p);

#endif

/*
 * report.h: `adascale report`, which turns a results database into a folder a person can
 * open: index.html (self-contained apart from its images), report.md (the same content in
 * Markdown) and the figures as PNG and SVG, drawn by gnuplot; or the same tables as CSV or
 * JSON for other programs.
 *
 *   adascale report --db FILE --out DIR [--tag T] [--runs LIST] [--format html|csv|json]
 *
 * It reads only the database (read-only). The gnuplot program can be changed with the
 * environment variable ADASCALE_GNUPLOT. Not for comparing runs against a baseline or for
 * regression verdicts (compare.h), nor for running anything.
 */
#ifndef ADASCALE_REPORT_H
#define ADASCALE_REPORT_H

#include <stdio.h>

#include "err.h"
#include "plot.h"

/* What report_generate writes (a set of these bits). */
#define REPORT_FORMAT_HTML 1 /* index.html, report.md and the figures */
#define REPORT_FORMAT_CSV 2  /* runs.csv and configurations.csv */
#define REPORT_FORMAT_JSON 4 /* report.json */

struct report_opts {
	const char *db_path;
	const char *out_dir;
	const char *tag;  /* only runs with this tag; NULL for all */
	const char *runs; /* only these run ids, e.g. "3,5-9"; NULL for all */
	int formats;      /* REPORT_FORMAT_* bits; 0 means HTML */
};

/* Parses "html", "csv", "json" or a comma list of them into REPORT_FORMAT_* bits. */
int report_parse_formats(const char *list, int *formats, struct errbuf *eb);

/*
 * Writes the report. For HTML, sink NULL starts gnuplot (ADASCALE_GNUPLOT or "gnuplot") in
 * out_dir; a sink given (a recording, in tests) is used and finished but stays the
 * caller's; CSV and JSON need no gnuplot. Nothing is created when the database cannot be
 * read or holds no matching run. The pages link only the image files that exist
 * afterwards. Every file is written under a temporary name and renamed. 0 or a negative
 * ERR_* with detail in eb.
 */
int report_generate(const struct report_opts *o, struct plot_sink *sink, struct errbuf *eb);

/*
 * Writes the verdict of the selected runs (verdict.h: three lines per scenario, each
 * starting "verdict") to f; o->out_dir and o->formats are not read, nothing is written
 * elsewhere. 0 or a negative ERR_* with detail in eb.
 */
int report_verdict_print(const struct report_opts *o, FILE *f, struct errbuf *eb);

#endif

/*
 * tables.h: the report's tables as files for other programs (pandas, R, spreadsheets):
 *   runs.csv            one row per run: provenance columns, then every metric of
 *                       metrics.h (empty where the run did not record it);
 *   configurations.csv  one row per configuration (runs that differ only by seed): for
 *                       every metric, n, mean, sd, the 95% Student-t interval of the mean
 *                       (low, high; empty for n < 2) and whether it is the best mean;
 *   report.json         both tables and the metric descriptions in one JSON document.
 * CSV is RFC 4180 with a header row and no comment lines (quoted where needed; control
 * characters in names become spaces, invalid UTF-8 becomes U+FFFD); JSON strings are
 * escaped, and a missing number is null. Numbers are written with the fewest digits that
 * read back to the same double.
 *
 * Not for the pages (html.c) nor for comparisons (compare.c), which use the number writers
 * below; names are escaped by text.h.
 */
#ifndef ADASCALE_REPORT_TABLES_H
#define ADASCALE_REPORT_TABLES_H

#include <stdio.h>

#include "html.h"

/* The three files; each writes to f and returns 0 or ERR_IO / ERR_NOMEM. */
int report_csv_runs_write(FILE *f, const struct report_page *p);
int report_csv_groups_write(FILE *f, const struct report_page *p);
int report_json_write(FILE *f, const struct report_page *p);

/* A number in the fewest digits that read back exactly; "" (CSV) or null (JSON) if NaN. */
void report_csv_num(FILE *f, double v);
void report_json_num(FILE *f, double v);

#endif

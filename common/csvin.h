/*
 * csvin.h: reading adascale's CSV files row by row, on libcsv.
 *
 * Every text table of the project (model specs, kernel lists, timings, traces, accuracy
 * tables) is a CSV file that may open with "# key: value" metadata lines, then a header row,
 * then data rows. This module streams such a file one row at a time (memory does not grow
 * with the file), keeps exact line numbers for messages, accepts a UTF-8 byte order mark and
 * CRLF line ends, skips blank lines and later '#' comment lines, and checks that each row has
 * as many fields as the header. It does not know what any column means: the readers of each
 * format do (models/, traces/, devices/).
 *
 * Quoted fields follow RFC 4180 (libcsv in strict mode) but may not span lines.
 */
#ifndef ADASCALE_CSVIN_H
#define ADASCALE_CSVIN_H

#include <stdio.h>

#include "err.h"

struct csvin;

/* Opens path for reading and reads its metadata and header. NULL on failure (detail in eb). */
struct csvin *csvin_open(const char *path, struct errbuf *eb);
/*
 * The same on an already open stream (stdin, a pipe); name is used in messages. The stream
 * stays the caller's: csvin_close does not close it.
 */
struct csvin *csvin_open_stream(FILE *f, const char *name, struct errbuf *eb);
/*
 * Like csvin_open, and every byte read from the file, as it is in the file (byte order mark
 * and line ends included), also goes into h (initialised by the caller, not owned);
 * csvin_hash_rest then reads what the caller has not into h, so that h ends as the hash of
 * the whole file from one read of it: what was parsed is what was hashed.
 */
struct sha256;
struct csvin *csvin_open_hashed(const char *path, struct sha256 *h, struct errbuf *eb);
/* Reads the rest of a csvin_open_hashed file into its hash: 0, or ERR_IO naming the file. */
int csvin_hash_rest(struct csvin *c, struct errbuf *eb);
/* Frees everything; accepts NULL. */
void csvin_close(struct csvin *c);

const char *csvin_path(const struct csvin *c);
/* The value of "# key: value" metadata (trimmed), or NULL. The string belongs to c. */
const char *csvin_meta(const struct csvin *c, const char *key);
/* The line number of that metadata line (for messages), or 0 when there is none. */
long csvin_meta_line(const struct csvin *c, const char *key);
int csvin_n_meta(const struct csvin *c);
void csvin_meta_at(const struct csvin *c, int i, const char **key, const char **value);
/* The line number of the i-th metadata line. */
long csvin_meta_line_at(const struct csvin *c, int i);

int csvin_n_cols(const struct csvin *c);
const char *csvin_col_name(const struct csvin *c, int col);
/* Index of the column named name, or -1. */
int csvin_col(const struct csvin *c, const char *name);
/* Index of the column named name, or ERR_PARSE with "path: missing column 'name'". */
int csvin_require_col(const struct csvin *c, const char *name, struct errbuf *eb);

/* Reads the next data row: 1 when there is one, 0 at the end, or a negative code. */
int csvin_next(struct csvin *c, struct errbuf *eb);
/* Line number (1-based) of the current row, or of the header before the first row. */
long csvin_line(const struct csvin *c);
/* Field col of the current row (trimmed); the string belongs to c until the next row. */
const char *csvin_field(const struct csvin *c, int col);

/*
 * Typed fields. Each fails with "path:line:column: column 'name': ..." naming the value.
 * Numbers must be finite; empty fields are errors unless the _opt form is used, which
 * returns 0 and leaves *out untouched for an empty field (1 when a value was read).
 */
int csvin_double(const struct csvin *c, int col, double *out, struct errbuf *eb);
int csvin_double_opt(const struct csvin *c, int col, double *out, struct errbuf *eb);
int csvin_long(const struct csvin *c, int col, long *out, struct errbuf *eb);
/* A double within [lo, hi], with a message giving the range. */
int csvin_double_in(const struct csvin *c, int col, double lo, double hi, double *out,
		    struct errbuf *eb);
/* A long within [lo, hi]. */
int csvin_long_in(const struct csvin *c, int col, long lo, long hi, long *out,
		  struct errbuf *eb);

/* Fails with "path:line: msg" at the current row: for checks the format reader makes. */
int csvin_fail(const struct csvin *c, struct errbuf *eb, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Writes s to f as one CSV field, quoted only when it needs to be (libcsv's writer). */
int csvin_write_field(FILE *f, const char *s);

#endif

/*
 * timportint.h: the inside of `trace import`, shared by timport.c (provenance, staged
 * outputs, the option checks and the table of formats) and the importers, one a file
 * (import_stressberry.c, import_ftrace.c, import_agent.c). An importer reads its input,
 * opens each trace it converts with timport_out_open, writes the provenance and its rows,
 * and ends it with timport_out_end; timport.c commits all of them or none. Nothing outside
 * traces/timport*.c and traces/import_*.c includes it.
 */
#ifndef ADASCALE_TIMPORTINT_H
#define ADASCALE_TIMPORTINT_H

#include <stddef.h>
#include <stdio.h>

#include "csvin.h"
#include "err.h"
#include "timport.h"

#define TIMPORT_META_LEN 1024

/* ---- provenance --------------------------------------------------------------------- */

/* The metadata every imported trace opens with (timport.h), each value cleaned. */
struct timport_prov {
	char note[TIMPORT_META_LEN];
	char source[TIMPORT_META_LEN];
	char licence[256];
	char by[TIMPORT_META_LEN];
	char sha[65];
};

/* Copies s into out as one metadata value: control characters become spaces. */
void timport_meta_clean(char *out, size_t len, const char *s);

/*
 * The provenance of o->in: --source, else the `source` metadata of c (NULL: the input has
 * none it could state), else fallback_source; the licence, the import command and the
 * input's SHA-256. Fails only when the input cannot be read.
 */
int timport_prov_init(struct timport_prov *p, const struct timport_opts *o,
		      const struct csvin *c, const char *fallback_source, struct errbuf *eb);

/* Writes the provenance lines; ERR_IO when a write fails. */
int timport_prov_write(FILE *f, const struct timport_prov *p);

/* ---- staged outputs ----------------------------------------------------------------- */

/* The traces of one import, staged until timport.c commits them together (opaque). */
struct timport_outs;

/*
 * Stages the next trace and returns its stream (owned by s), or NULL with eb set. With
 * --out-dir it is DIR/NAME.csv, NAME being name (NULL: the input's base name) with any
 * character outside [A-Za-z0-9._+-] as '_'; else -o, or standard output. Two traces of one
 * import to the same file are an error.
 */
FILE *timport_out_open(const struct timport_opts *o, struct timport_outs *s, const char *name,
		       struct errbuf *eb);

/*
 * Ends the trace opened last: n_rows is what the log reports for it, ok whether every
 * write to it succeeded (else ERR_IO "PATH: write error").
 */
int timport_out_end(struct timport_outs *s, long n_rows, int ok, struct errbuf *eb);

/* ---- the formats -------------------------------------------------------------------- */

/* The options of struct timport_opts that belong to some formats only. */
enum {
	TIMPORT_TAKES_RECORDING = 1 << 0, /* recording */
	TIMPORT_TAKES_EVENTS = 1 << 1,    /* clusters, max_freq, zone, interval_ms */
};

/*
 * Converts o->in into traces staged in s. Warnings go to log when it is non-NULL; on
 * failure eb has "file:line: problem" and timport.c commits nothing.
 */
typedef int (*timport_import_fn)(const struct timport_opts *o, struct timport_outs *s,
				 FILE *log, struct errbuf *eb);

struct timport_format {
	const char *name;    /* --from NAME */
	const char *summary; /* one line */
	unsigned takes;      /* TIMPORT_TAKES_*: the format-only options it accepts */
	timport_import_fn import;
};

/* One descriptor in each importer file; timport.c lists them in this order. */
extern const struct timport_format timport_stressberry;
extern const struct timport_format timport_ftrace;
extern const struct timport_format timport_agent;

#endif

/*
 * timportint.h: the inside of `trace import`, shared by timport.c (the option checks and the
 * table of formats) and the importers, one a file (import_stressberry.c, import_ftrace.c,
 * import_agent.c), each of which writes through istage.h. Nothing outside
 * traces/timport*.c and traces/import_*.c includes it.
 */
#ifndef ADASCALE_TIMPORTINT_H
#define ADASCALE_TIMPORTINT_H

#include <stdio.h>

#include "err.h"
#include "istage.h"
#include "timport.h"

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
typedef int (*timport_import_fn)(const struct timport_opts *o, struct istage *s,
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

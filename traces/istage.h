/*
 * istage.h: what every importer of `trace import` writes through. An importer reads its
 * input, opens each trace it converts with istage_open, writes the provenance
 * (istage_prov_write) and its rows, and ends it with istage_end; timport_run then commits
 * all of them (istage_commit) or none (istage_free alone). Used by traces/timport.c and
 * traces/import_*.c only.
 */
#ifndef ADASCALE_ISTAGE_H
#define ADASCALE_ISTAGE_H

#include <stddef.h>
#include <stdio.h>

#include "csvin.h"
#include "err.h"
#include "iopts.h"

#define ISTAGE_META_LEN 1024

/* ---- provenance --------------------------------------------------------------------- */

/* The metadata every imported trace opens with (timport.h), each value cleaned. */
struct istage_prov {
	char note[ISTAGE_META_LEN];
	char source[ISTAGE_META_LEN];
	char licence[256];
	char by[ISTAGE_META_LEN];
	char sha[65];
};

/* Copies s into out as one metadata value: control characters become spaces. */
void istage_meta_clean(char *out, size_t len, const char *s);

/*
 * The provenance of o->in: --source, else the `source` metadata of c (NULL: the input has
 * none it could state), else fallback_source; the licence, the import command and the
 * input's SHA-256. Fails only when the input cannot be read.
 */
int istage_prov_init(struct istage_prov *p, const struct timport_opts *o,
		     const struct csvin *c, const char *fallback_source, struct errbuf *eb);

/* Writes the provenance lines; ERR_IO when a write fails. */
int istage_prov_write(FILE *f, const struct istage_prov *p);

/* ---- staged outputs ----------------------------------------------------------------- */

/* The traces of one import, staged until they are committed together; starts all zero. */
struct istage { /* the fields are istage.c's */
	struct afile **o;
	long *rows;
	int n, cap;
};

/*
 * Stages the next trace and returns its stream (owned by s), or NULL with eb set. With
 * --out-dir it is DIR/NAME.csv, NAME being name (NULL: the input's base name) with any
 * character outside [A-Za-z0-9._+-] as '_'; else -o, or standard output. Two traces of one
 * import to the same file are an error.
 */
FILE *istage_open(const struct timport_opts *o, struct istage *s, const char *name,
		  struct errbuf *eb);

/*
 * Ends the trace opened last: n_rows is what the log reports for it, ok whether every
 * write to it succeeded (else ERR_IO "PATH: write error").
 */
int istage_end(struct istage *s, long n_rows, int ok, struct errbuf *eb);


/*
 * Commits every staged trace, logging "wrote PATH: N rows" for each file to log (when
 * non-NULL); the first failure stops it.
 */
int istage_commit(struct istage *s, FILE *log, struct errbuf *eb);

/* Removes whatever was not committed and frees s's memory. */
void istage_free(struct istage *s);

/* Makes the folder dir unless it exists; ERR_USAGE when it is a file. */
int istage_make_dir(const char *dir, struct errbuf *eb);

#endif

/*
 * tout.h: an output trace written whole or not at all. The generators and importers of
 * traces/ write into a struct tout; only tout_commit makes the text visible: a file is
 * written under a temporary name beside its target and renamed over it, standard output
 * is kept in an anonymous temporary file and copied out. A command that fails half way
 * therefore leaves no partial trace behind (docs/formats.md: bad input writes nothing).
 *
 * Also the one formatting rule for numbers copied into traces (tout_num). Not for reading
 * traces (trace.h) nor for deciding what a trace holds (tgen.c, timport.c).
 */
#ifndef ADASCALE_TOUT_H
#define ADASCALE_TOUT_H

#include <stdio.h>

#include "err.h"

struct tout;

/*
 * Starts an output: path NULL or "-" is standard output. The folder of path must exist.
 * NULL on failure (detail in eb).
 */
struct tout *tout_create(const char *path, struct errbuf *eb);
/* The stream to write to (owned by o). */
FILE *tout_file(struct tout *o);
/* The name used in messages: the path, or "stdout". */
const char *tout_name(const struct tout *o);
/*
 * Makes the output visible: checks that every write succeeded, then renames the
 * temporary file over the target (or copies it to standard output). Called at most once;
 * tout_destroy is still needed.
 */
int tout_commit(struct tout *o, struct errbuf *eb);
/* Frees o; an output that was not committed is removed. Accepts NULL. */
void tout_destroy(struct tout *o);

/*
 * Formats v in as few digits as read back as exactly v: plain decimals ("1500.398464",
 * "2000") for magnitudes from 1e-4 to 1e15, the shortest "%g" form otherwise.
 */
void tout_num(char buf[32], double v);

#endif

/*
 * afile.h: an output written whole or not at all, the one "write to a temporary file, then
 * rename" of the project. A writer puts its text into a struct afile; only afile_commit
 * makes it visible: a file is written under a temporary name beside its target and renamed
 * over it, standard output is kept in an anonymous temporary file and copied out. A
 * command that fails half way therefore leaves no partial file behind (docs/formats.md:
 * bad input writes nothing). Not for formats: callers write the text.
 */
#ifndef ADASCALE_AFILE_H
#define ADASCALE_AFILE_H

#include <stdio.h>

#include "err.h"

struct afile;

/*
 * Starts an output: path NULL or "-" is standard output. The folder of path must exist; a
 * file that is replaced keeps its permissions, a new one gets 0666 less the umask. NULL on
 * failure (detail in eb).
 */
struct afile *afile_create(const char *path, struct errbuf *eb);
/* The stream to write to (owned by o). */
FILE *afile_stream(struct afile *o);
/* The name used in messages: the path, or "stdout". */
const char *afile_name(const struct afile *o);
/*
 * The temporary file's path, for a writer that opens the file by name rather than
 * writing to the stream (SQLite: store/merge.c); it starts empty. NULL for standard
 * output. Whatever that writer leaves beside it (a -journal) is its own to remove.
 */
const char *afile_temp_path(const struct afile *o);
/*
 * Makes the output visible: checks that every write succeeded, then renames the
 * temporary file over the target (or copies it to standard output). Called at most once;
 * afile_destroy is still needed.
 */
int afile_commit(struct afile *o, struct errbuf *eb);
/* Frees o; an output that was not committed is removed. Accepts NULL. */
void afile_destroy(struct afile *o);
/*
 * The whole round for a writer of a stream: creates path's output, lets write put the text
 * (0, or -1 with errno set, which becomes "NAME: write failed: why"), commits it, frees it.
 * 0, or the error (nothing written).
 */
int afile_write(const char *path, int (*write)(void *ctx, FILE *f), void *ctx,
		struct errbuf *eb);

#endif

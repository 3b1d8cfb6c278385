/*
 * paths.h: where adascale's bundled data lives (model zoo, accuracy tables, devices,
 * traces). In order: $ADASCALE_HOME; the share folder of an installed tree found from the
 * running binary (BIN/../share/adascale, so an installed tree still works after it is moved);
 * the source tree the running binary was built in (the folder above build/); PREFIX/share/
 * adascale as given when the binary was built. Not for user files: those are taken as given,
 * relative to the working directory.
 */
#ifndef ADASCALE_PATHS_H
#define ADASCALE_PATHS_H

#include <stddef.h>

#include "err.h"

/* The data root; the string is static. */
const char *paths_data_dir(void);
/* Joins the data root and rel into out; returns 0, or ERR_RANGE when it does not fit. */
int paths_data(const char *rel, char *out, size_t len);
/* 1 when path names an existing regular file. */
int paths_is_file(const char *path);
/* The folder part of path ("." when it has none) into out. */
void paths_dirname(const char *path, char *out, size_t len);
/*
 * rel as named from the folder of file (a sweep file naming a trace): rel itself when it
 * is absolute, else FOLDER/rel, with "." dropped and "x/.." folded where x is a folder
 * that exists and is not a symbolic link (so the result names the same file the kernel
 * would find). 0, or ERR_RANGE when it does not fit.
 */
int paths_beside(const char *file, const char *rel, char *out, size_t len);

/* mkdir -p: creates dir and its missing parents; 0, or ERR_IO / ERR_RANGE with detail. */
int paths_mkdirs(const char *dir, struct errbuf *eb);

#endif

/*
 * fuzz.h: what the libFuzzer targets in tests/fuzz/ share. Each target feeds one input to one
 * of adascale's real parsers; parsers that take a path get the input as a file in a private
 * temporary folder made once per process (under $FUZZ_TMPDIR, else $TMPDIR, else /tmp) and
 * removed at exit. The IDX target splits one input into two files (fuzz_split).
 *
 * Only for the fuzz build (clang -fsanitize=fuzzer, scripts/fuzz.sh) and the regression
 * suite's splitter; not part of libadascale.
 */
#ifndef ADASCALE_FUZZ_H
#define ADASCALE_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* libFuzzer's entry points. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Writes data to NAME in this process's temporary folder (made on the first call) and puts
 * its path into path. Returns 0, or -1 after printing why (the target then aborts: a setup
 * failure is not a finding).
 */
int fuzz_file(const char *name, const uint8_t *data, size_t size, char *path, size_t len);

/*
 * Aborts when a descriptor is still open on one of the files fuzz_file wrote: the parser
 * left its input open. Each target calls it after the parser is done.
 */
void fuzz_check_fds(void);

/*
 * Aborts when a parser failed (rc < 0) with a message that does not name the file it read
 * (every message must: `file:line: problem`); target names the target in the report.
 */
void fuzz_check_names_file(const char *target, int rc, const char *msg, const char *path);

/*
 * The two files of a two-file input (the IDX pair): a 4-byte little-endian length n, then n
 * bytes of the first file, then the rest as the second. n is capped at what is there.
 */
void fuzz_split(const uint8_t *data, size_t size, const uint8_t **a, size_t *a_len,
		const uint8_t **b, size_t *b_len);

#endif

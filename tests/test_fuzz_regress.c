/*
 * test_fuzz_regress.c: every input the fuzz targets (tests/fuzz/, scripts/fuzz.sh) found a
 * crash, hang, leak or sanitizer report with, kept in tests/fuzz/regress/, fed through the
 * normal build's parser: each must now give its exact error, not a crash. Inputs of the IDX
 * target are split as the target splits them (a 4-byte little-endian length, the image
 * file, the label file). Not for the fuzzing itself, nor for the hand-written bad-input
 * corpus (tests/bad/).
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "evolve.h"
#include "testutil.h"

#define REGRESS "tests/fuzz/regress/"

/* The whole file into a new buffer; *n its size. */
static uint8_t *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	cr_assert(f, "%s: cannot open", path);
	uint8_t *buf = malloc(1 << 20);
	cr_assert(buf);
	*n = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return buf;
}

static const char *put(const char *name, const uint8_t *data, size_t n)
{
	static char path[2][4096];
	static int slot;
	char *p = path[slot++ % 2];
	snprintf(p, sizeof path[0], "%s/%s", tu_dir(), name);
	FILE *f = fopen(p, "wb");
	cr_assert(f, "%s: cannot write", p);
	cr_assert_eq(fwrite(data, 1, n, f), n);
	fclose(f);
	return p;
}

/* Loads an IDX fuzz input; returns the code, detail in eb. */
static int load_idx(const char *input, struct errbuf *eb)
{
	size_t n;
	uint8_t *in = slurp(input, &n);
	cr_assert_geq(n, 4);
	size_t a = (size_t)in[0] | (size_t)in[1] << 8 | (size_t)in[2] << 16 | (size_t)in[3] << 24;
	if (a > n - 4)
		a = n - 4;
	const char *img = put("images.idx", in + 4, a);
	const char *lab = put("labels.idx", in + 4 + a, n - 4 - a);
	struct evolve_data *d = NULL;
	int rc = evolve_data_load(img, lab, &d, eb);
	evolve_data_destroy(d);
	free(in);
	return rc;
}

/*
 * A header declaring 4,587,523 images of 9 x 213 pixels (8.8 GB) in a 27-byte input: the reader
 * allocated what the header said before reading (libFuzzer: out-of-memory, malloc of
 * 8794281591 bytes). Now memory follows the data that arrives: the file is truncated.
 */
Test(fuzz_regress, idx_header_larger_than_file)
{
	struct errbuf eb = {0};
	cr_assert_eq(load_idx(REGRESS "idx-oom-header.bin", &eb), ERR_PARSE, "%s", eb.msg);
	cr_assert(tu_has(eb.msg, "images.idx: truncated: the file ends inside the pixels"), "%s",
		  eb.msg);
}

/* The largest header the reader accepts (10 M images of 4096 x 4096, 168 TB): before, a
 * failed allocation (ERR_NOMEM); now the same truncation error as any short file. */
Test(fuzz_regress, idx_largest_header)
{
	struct errbuf eb = {0};
	cr_assert_eq(load_idx(REGRESS "idx-max-header.bin", &eb), ERR_PARSE, "%s", eb.msg);
	cr_assert(tu_has(eb.msg, "images.idx: truncated: the file ends inside the pixels"), "%s",
		  eb.msg);
}

/*
 * evolve_data.c: reading image and label files in the IDX format (LeCun et al.'s MNIST
 * distribution format, also Fashion-MNIST's: Xiao, Rasul, Vollgraf 2017) through zlib, so
 * the Debian package's .gz files are read as shipped. An IDX file is a big-endian header
 * (two zero bytes, a type byte, 0x08 for unsigned bytes, a dimension count, then one
 * 32-bit size per dimension) followed by the data. Not for decoding any other type than
 * unsigned bytes, nor for batching or normalising images (evolve_net.c).
 */
#include "evolve.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define IDX_UBYTE 0x08
#define IDX_MAX_ITEMS 10000000

void evolve_data_destroy(struct evolve_data *d)
{
	if (!d)
		return;
	free(d->pixels);
	free(d->labels);
	free(d);
}

/* Reads exactly n bytes: 0, or a negative code with the detail in eb. */
static int read_all(gzFile f, const char *path, void *buf, size_t n, const char *what,
		    struct errbuf *eb)
{
	unsigned char *p = buf;
	while (n > 0) {
		unsigned chunk = n > (1u << 30) ? 1u << 30 : (unsigned)n;
		int got = gzread(f, p, chunk);
		if (got < 0) {
			int zerr;
			const char *msg = gzerror(f, &zerr);
			return err_set(eb, ERR_PARSE, "%s: %s: %s", path, what, msg);
		}
		if (got == 0)
			return err_set(eb, ERR_PARSE, "%s: truncated: the file ends inside %s",
				       path, what);
		p += got;
		n -= (size_t)got;
	}
	return 0;
}

/*
 * Reads n bytes into a new buffer (*out, the caller's) that grows as the data arrives, so a
 * header declaring more than the file holds fails as truncated before memory is spent on
 * it: at most twice what the file really has.
 */
static int read_alloc(gzFile f, const char *path, size_t n, const char *what, uint8_t **out,
		      struct errbuf *eb)
{
	size_t have = 0, cap = 0;
	uint8_t *buf = NULL;
	while (have < n) {
		size_t want = cap ? cap * 2 : (size_t)1 << 20;
		cap = want < n ? want : n;
		uint8_t *nb = realloc(buf, cap);
		if (!nb) {
			free(buf);
			return err_set(eb, ERR_NOMEM, "%s: out of memory for %zu bytes", path, cap);
		}
		buf = nb;
		int rc = read_all(f, path, buf + have, cap - have, what, eb);
		if (rc < 0) {
			free(buf);
			return rc;
		}
		have = cap;
	}
	*out = buf;
	return 0;
}

static uint32_t be32(const unsigned char *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/*
 * Opens path and reads its header: ndim sizes into dims. The caller reads the data and
 * closes *f.
 */
static int open_idx(const char *path, int ndim, uint32_t *dims, gzFile *f, struct errbuf *eb)
{
	*f = gzopen(path, "rb");
	if (!*f) {
		int e = errno;
		return err_set(eb, e == ENOENT ? ERR_NOTFOUND : ERR_IO, "%s: %s", path,
			       e ? strerror(e) : "cannot open");
	}
	unsigned char h[4 + 4 * 3];
	int rc = read_all(*f, path, h, 4, "the header", eb);
	if (rc < 0)
		return rc;
	if (h[0] != 0 || h[1] != 0 || h[2] != IDX_UBYTE || h[3] != ndim)
		return err_set(eb, ERR_PARSE,
			       "%s: not an IDX file of unsigned bytes in %d dimension%s (magic "
			       "%02x %02x %02x %02x, expected 00 00 08 %02x)",
			       path, ndim, ndim > 1 ? "s" : "", h[0], h[1], h[2], h[3], ndim);
	rc = read_all(*f, path, h + 4, (size_t)ndim * 4, "the header", eb);
	if (rc < 0)
		return rc;
	for (int i = 0; i < ndim; i++) {
		dims[i] = be32(h + 4 + 4 * i);
		if (dims[i] == 0 || dims[i] > IDX_MAX_ITEMS)
			return err_set(eb, ERR_PARSE, "%s: dimension %d is %u (expected 1..%d)",
				       path, i + 1, dims[i], IDX_MAX_ITEMS);
	}
	return 0;
}

/* 0 when the stream has nothing after the data it declared. */
static int check_end(gzFile f, const char *path, struct errbuf *eb)
{
	unsigned char extra;
	int got = gzread(f, &extra, 1);
	if (got != 0)
		return err_set(eb, ERR_PARSE, "%s: data continues after the declared size", path);
	return 0;
}

int evolve_data_load(const char *images, const char *labels, struct evolve_data **out,
		     struct errbuf *eb)
{
	struct errbuf local;
	if (!eb)
		eb = &local;
	struct evolve_data *d = calloc(1, sizeof *d);
	gzFile f = NULL;
	uint32_t dims[3];
	int rc;
	if (!d)
		return err_set(eb, ERR_NOMEM, "out of memory");

	rc = open_idx(images, 3, dims, &f, eb);
	if (rc < 0)
		goto fail;
	if (dims[1] > 4096 || dims[2] > 4096) {
		rc = err_set(eb, ERR_PARSE, "%s: images of %ux%u pixels (at most 4096x4096)",
			     images, dims[1], dims[2]);
		goto fail;
	}
	d->n = (int)dims[0];
	d->rows = (int)dims[1];
	d->cols = (int)dims[2];
	size_t bytes = (size_t)d->n * (size_t)d->rows * (size_t)d->cols;
	if ((rc = read_alloc(f, images, bytes, "the pixels", &d->pixels, eb)) < 0 ||
	    (rc = check_end(f, images, eb)) < 0)
		goto fail;
	gzclose(f);

	rc = open_idx(labels, 1, dims, &f, eb);
	if (rc < 0)
		goto fail;
	if ((int)dims[0] != d->n) {
		rc = err_set(eb, ERR_PARSE, "%s: %u labels for the %d images of %s", labels,
			     dims[0], d->n, images);
		goto fail;
	}
	if ((rc = read_alloc(f, labels, (size_t)d->n, "the labels", &d->labels, eb)) < 0 ||
	    (rc = check_end(f, labels, eb)) < 0)
		goto fail;
	for (int i = 0; i < d->n; i++)
		if (d->labels[i] > 9) {
			rc = err_set(eb, ERR_PARSE, "%s: label %d of item %d is outside 0..9",
				     labels, d->labels[i], i);
			goto fail;
		}
	gzclose(f);
	*out = d;
	return 0;
fail:
	if (f)
		gzclose(f);
	evolve_data_destroy(d);
	return rc;
}

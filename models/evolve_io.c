/*
 * evolve_io.c: the files `adascale evolve` writes and reads back: weights files (a small
 * little-endian binary format with a CRC-32, docs/evolve.md) and model specs in the
 * models/zoo CSV format. Every file is written through common/afile (a temporary name in
 * its folder, renamed when whole), so a failure never leaves half a file. Not for accuracy
 * tables or the variant table (evolve.c writes those, through afile too).
 */
#include "evolveint.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "afile.h"

#define WEIGHTS_MAGIC "ADSW"
#define WEIGHTS_VERSION 1u
#define WEIGHTS_F32 1u
#define WEIGHTS_MAX_TENSORS 100000
#define WEIGHTS_MAX_ELEMS (1u << 28)

/* ---- weights ---- */

/* A weights file being written: its stream and the CRC-32 of every byte put so far. */
struct wout {
	FILE *f;
	uLong crc;
};

static void put(struct wout *o, const void *p, size_t n)
{
	fwrite(p, 1, n, o->f);
	o->crc = crc32(o->crc, p, (uInt)n);
}

static void put_u32(struct wout *o, uint32_t v)
{
	unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8),
			      (unsigned char)(v >> 16), (unsigned char)(v >> 24)};
	put(o, b, 4);
}

/* A new output at path; 0, or the code afile_create put into eb. */
static int out_create(const char *path, struct afile **a, struct errbuf *eb)
{
	*a = afile_create(path, eb);
	return *a ? 0 : eb && eb->code < 0 ? eb->code : ERR_IO;
}

/* Makes a visible (afile_commit) and frees it either way. */
static int out_commit(struct afile *a, struct errbuf *eb)
{
	int rc = afile_commit(a, eb);
	afile_destroy(a);
	return rc;
}

int ev_weights_write(const char *path, const struct ev_tensor *t, int n, struct errbuf *eb)
{
	struct afile *a;
	int rc = out_create(path, &a, eb);
	if (rc < 0)
		return rc;
	struct wout o = {afile_stream(a), crc32(0L, Z_NULL, 0)};
	put(&o, WEIGHTS_MAGIC, 4);
	put_u32(&o, WEIGHTS_VERSION);
	put_u32(&o, (uint32_t)n);
	for (int i = 0; i < n; i++) {
		size_t len = strlen(t[i].name);
		unsigned char hdr[4] = {(unsigned char)len, (unsigned char)(len >> 8),
					(unsigned char)t[i].ndim, WEIGHTS_F32};
		put(&o, hdr, 4);
		put(&o, t[i].name, len);
		size_t elems = 1;
		for (int d = 0; d < t[i].ndim; d++) {
			put_u32(&o, (uint32_t)t[i].dims[d]);
			elems *= (size_t)t[i].dims[d];
		}
		for (size_t e = 0; e < elems; e++) {
			uint32_t u;
			memcpy(&u, &t[i].data[e], 4);
			put_u32(&o, u);
		}
	}
	uint32_t crc = (uint32_t)o.crc;
	put_u32(&o, crc);
	return out_commit(a, eb);
}

int ev_net_tensors(const struct ev_net *net, const char *prefix, struct ev_tensor *t, int max)
{
	int n = 0;
	for (int i = 0; i < net->n; i++) {
		const struct ev_layer *l = &net->l[i];
		if (l->d.op != EV_CONV)
			continue;
		if (n + 2 > max)
			return -1;
		struct ev_tensor *w = &t[n++], *b = &t[n++];
		snprintf(w->name, sizeof w->name, "%s%s.weight", prefix, l->d.name);
		w->ndim = 4;
		w->dims[0] = l->out_c;
		w->dims[1] = l->in_c;
		w->dims[2] = l->d.k;
		w->dims[3] = l->d.k;
		w->data = net->params + l->w_off;
		snprintf(b->name, sizeof b->name, "%s%s.bias", prefix, l->d.name);
		b->ndim = 1;
		b->dims[0] = l->out_c;
		b->data = net->params + l->b_off;
	}
	return n;
}

void evolve_weights_destroy(struct evolve_weights *w)
{
	if (!w)
		return;
	for (int i = 0; i < w->n; i++)
		free(w->t[i].data);
	free(w->t);
	free(w);
}

const struct evolve_tensor *evolve_weights_find(const struct evolve_weights *w,
						const char *name)
{
	for (int i = 0; i < w->n; i++)
		if (strcmp(w->t[i].name, name) == 0)
			return &w->t[i];
	return NULL;
}

struct reader {
	FILE *f;
	const char *path;
	uLong crc;
};

static int get(struct reader *r, void *p, size_t n, struct errbuf *eb)
{
	if (fread(p, 1, n, r->f) != n)
		return err_set(eb, ERR_PARSE, "%s: truncated at byte %ld", r->path, ftell(r->f));
	r->crc = crc32(r->crc, p, (uInt)n);
	return 0;
}

static int get_u32(struct reader *r, uint32_t *v, struct errbuf *eb)
{
	unsigned char b[4];
	int rc = get(r, b, 4, eb);
	*v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	return rc;
}

int evolve_weights_read(const char *path, struct evolve_weights **out, struct errbuf *eb)
{
	struct reader r = {fopen(path, "rb"), path, crc32(0L, Z_NULL, 0)};
	if (!r.f)
		return err_set(eb, errno == ENOENT ? ERR_NOTFOUND : ERR_IO, "%s: %s", path,
			       strerror(errno));
	struct evolve_weights *w = calloc(1, sizeof *w);
	int rc;
	uint32_t version, n;
	char magic[4];
	if (!w) {
		rc = err_set(eb, ERR_NOMEM, "out of memory");
		goto fail;
	}
	if ((rc = get(&r, magic, 4, eb)) < 0)
		goto fail;
	if (memcmp(magic, WEIGHTS_MAGIC, 4) != 0) {
		rc = err_set(eb, ERR_PARSE, "%s: not an adascale weights file", path);
		goto fail;
	}
	if ((rc = get_u32(&r, &version, eb)) < 0 || (rc = get_u32(&r, &n, eb)) < 0)
		goto fail;
	if (version != WEIGHTS_VERSION) {
		rc = err_set(eb, ERR_PARSE, "%s: format version %u (this reads %u)", path, version,
			     WEIGHTS_VERSION);
		goto fail;
	}
	if (n > WEIGHTS_MAX_TENSORS) {
		rc = err_set(eb, ERR_PARSE, "%s: %u tensors", path, n);
		goto fail;
	}
	w->t = calloc(n ? n : 1, sizeof *w->t);
	if (!w->t) {
		rc = err_set(eb, ERR_NOMEM, "out of memory");
		goto fail;
	}
	for (uint32_t i = 0; i < n; i++) {
		struct evolve_tensor *t = &w->t[i];
		unsigned char hdr[4];
		if ((rc = get(&r, hdr, 4, eb)) < 0)
			goto fail;
		size_t len = (size_t)hdr[0] | (size_t)hdr[1] << 8;
		if (len == 0 || len >= sizeof t->name || hdr[2] < 1 || hdr[2] > 4 ||
		    hdr[3] != WEIGHTS_F32) {
			rc = err_set(eb, ERR_PARSE, "%s: tensor %u: bad header", path, i);
			goto fail;
		}
		if ((rc = get(&r, t->name, len, eb)) < 0)
			goto fail;
		t->name[len] = '\0';
		t->ndim = hdr[2];
		size_t elems = 1;
		for (int d = 0; d < t->ndim; d++) {
			uint32_t v;
			if ((rc = get_u32(&r, &v, eb)) < 0)
				goto fail;
			if (v == 0 || v > WEIGHTS_MAX_ELEMS || elems * v > WEIGHTS_MAX_ELEMS) {
				rc = err_set(eb, ERR_PARSE, "%s: tensor %s: dimension %u", path,
					     t->name, v);
				goto fail;
			}
			t->dims[d] = (int)v;
			elems *= v;
		}
		t->data = malloc(elems * sizeof(float));
		if (!t->data) {
			rc = err_set(eb, ERR_NOMEM, "out of memory");
			goto fail;
		}
		w->n++;
		for (size_t e = 0; e < elems; e++) {
			uint32_t u;
			if ((rc = get_u32(&r, &u, eb)) < 0)
				goto fail;
			memcpy(&t->data[e], &u, 4);
		}
	}
	uLong want = r.crc;
	uint32_t crc;
	if ((rc = get_u32(&r, &crc, eb)) < 0)
		goto fail;
	if (crc != (uint32_t)want) {
		rc = err_set(eb, ERR_PARSE, "%s: CRC-32 mismatch (the file is damaged)", path);
		goto fail;
	}
	if (fgetc(r.f) != EOF) {
		rc = err_set(eb, ERR_PARSE, "%s: data after the checksum", path);
		goto fail;
	}
	fclose(r.f);
	*out = w;
	return 0;
fail:
	fclose(r.f);
	evolve_weights_destroy(w);
	return rc;
}

/* ---- model specs ---- */

/* 1 when layer i is on the path exit `exit` runs. */
static int on_path(const struct ev_net *net, int i, int exit)
{
	for (int j = net->head_layer[exit - 1]; j >= 0; j = net->l[j].d.in)
		if (j == i)
			return 1;
	return 0;
}

int ev_spec_write(const char *path, const struct ev_net *net, int exit, const char *meta,
		  struct errbuf *eb)
{
	if (exit < 1 || exit > net->n_heads)
		return err_set(eb, ERR_RANGE, "exit %d of a net with %d", exit, net->n_heads);
	struct afile *a;
	int rc = out_create(path, &a, eb);
	if (rc < 0)
		return rc;
	FILE *f = afile_stream(a);
	fputs(meta, f);
	fputs("name,op,in_h,in_w,in_c,out_c,kernel,stride,groups,input2,fixed_width,block\n", f);
	for (int i = 0; i < net->n; i++) {
		if (!on_path(net, i, exit))
			continue;
		const struct ev_layer *l = &net->l[i];
		const char *op;
		int k = l->d.k, s = l->d.stride;
		switch (l->d.op) {
		case EV_CONV:
			op = l->in_h == 1 && l->in_w == 1 && k == 1 ? "fc" : "conv";
			break;
		case EV_MAXPOOL:
			op = "maxpool";
			break;
		default:
			op = "avgpool";
			k = s = l->in_h;
			break;
		}
		fprintf(f, "%s,%s,%d,%d,%d,%d,%d,%d,1,,%d,", l->d.name, op, l->in_h, l->in_w,
			l->in_c, l->out_c, k, s, l->d.fixed);
		if (l->d.block >= 0)
			fprintf(f, "%d", l->d.block);
		fputc('\n', f);
	}
	return out_commit(a, eb);
}

/*
 * alists.c: the kernel list and pass list readers (see alists.h), on csvin.h. Kernel list
 * rows go through kshape_read, the reader of every kernel-shape file; spec and pass list
 * rows are read here, since their dtype column may be missing. Not for what is done with
 * the lists.
 */
#include "alists.h"

#include <stdlib.h>
#include <string.h>

#include "csvin.h"

/* ---- kernel lists ---- */

struct agent_klist *agent_klist_create(const char *path, struct errbuf *eb)
{
	struct agent_klist *l = calloc(1, sizeof *l);
	if (!l || !(l->path = strdup(path))) {
		free(l);
		err_set(eb, ERR_NOMEM, "out of memory");
		return NULL;
	}
	return l;
}

void agent_klist_destroy(struct agent_klist *l)
{
	if (!l)
		return;
	free(l->path);
	free(l->items);
	free(l);
}

int agent_klist_add(struct agent_klist *l, const struct kshape *k, long line)
{
	for (int i = 0; i < l->n; i++)
		if (kshape_cmp(&l->items[i].k, k) == 0) {
			l->n_rows++;
			return i;
		}
	if (l->n == l->cap) {
		int cap = l->cap ? l->cap * 2 : 64;
		struct agent_kernel *it = realloc(l->items, (size_t)cap * sizeof *it);
		if (!it)
			return ERR_NOMEM;
		l->items = it;
		l->cap = cap;
	}
	l->items[l->n].k = *k;
	l->items[l->n].line = line;
	l->n_rows++;
	return l->n++;
}

int agent_klist_read(const char *path, struct agent_klist **out, struct errbuf *eb)
{
	struct errbuf local;
	if (!eb)
		eb = &local;
	int rc;
	struct csvin *c = NULL;
	struct agent_klist *l = agent_klist_create(path, eb);
	if (!l)
		return eb->code;
	if (!(c = csvin_open(path, eb))) {
		rc = eb->code;
		goto fail;
	}
	struct kshape_cols kc;
	if ((rc = kshape_cols(c, &kc, eb)) < 0)
		goto fail;
	while ((rc = csvin_next(c, eb)) > 0) {
		struct kshape k;
		if ((rc = kshape_read(c, &kc, &k, eb)) < 0)
			goto fail;
		if ((rc = agent_klist_add(l, &k, csvin_line(c))) < 0) {
			rc = err_set(eb, rc, "%s: out of memory", path);
			goto fail;
		}
	}
	if (rc < 0)
		goto fail;
	if (l->n == 0) {
		rc = err_set(eb, ERR_PARSE, "%s:%ld: no kernel rows after the header", path,
			     csvin_line(c));
		goto fail;
	}
	csvin_close(c);
	*out = l;
	return 0;
fail:
	csvin_close(c);
	agent_klist_destroy(l);
	return rc;
}

/* ---- model specs and pass lists ---- */

void agent_passes_destroy(struct agent_passes *ps)
{
	if (!ps)
		return;
	for (int i = 0; i < ps->n; i++)
		free(ps->p[i].layers);
	free(ps->p);
	free(ps->path);
	free(ps);
}

int agent_is_pass_list(const char *path, struct errbuf *eb)
{
	struct csvin *c = csvin_open(path, eb);
	if (!c)
		return eb->code;
	int has = csvin_col(c, "pass") >= 0;
	csvin_close(c);
	return has;
}

/* Appends a layer to pass p (capacity *cap). */
static int pass_push(struct agent_pass_spec *p, int *cap, const struct agent_layer *l)
{
	if (p->n == *cap) {
		int ncap = *cap ? *cap * 2 : 64;
		struct agent_layer *nl = realloc(p->layers, (size_t)ncap * sizeof *nl);
		if (!nl)
			return ERR_NOMEM;
		p->layers = nl;
		*cap = ncap;
	}
	p->layers[p->n++] = *l;
	return 0;
}

int agent_passes_read(const char *path, enum dtype dtype, struct agent_passes **out,
		      struct errbuf *eb)
{
	static const char *const cols[8] = {"op",     "in_h",   "in_w",  "in_c",
					    "out_c",  "kernel", "stride", "groups"};
	int rc = 0, ci[8], cap = 0, pcap = 0;
	struct agent_passes *ps = calloc(1, sizeof *ps);
	struct csvin *c = NULL;
	if (!ps || !(ps->path = malloc(strlen(path) + 1))) {
		rc = err_set(eb, ERR_NOMEM, "out of memory");
		goto fail;
	}
	strcpy(ps->path, path);
	if (!(c = csvin_open(path, eb))) {
		rc = eb->code;
		goto fail;
	}
	for (int i = 0; i < 8; i++)
		if ((ci[i] = csvin_require_col(c, cols[i], eb)) < 0) {
			rc = ci[i];
			goto fail;
		}
	int c_name = csvin_col(c, "name"), c_dtype = csvin_col(c, "dtype");
	int c_input = csvin_col(c, "input"), c_pass = csvin_col(c, "pass");
	ps->has_pass_col = c_pass >= 0;
	struct agent_pass_spec *cur = NULL;
	while ((rc = csvin_next(c, eb)) > 0) {
		struct agent_layer l;
		memset(&l, 0, sizeof l);
		l.input = -1;
		l.line = csvin_line(c);
		int op = kop_parse(csvin_field(c, ci[0]));
		if (op < 0) {
			rc = csvin_fail(c, eb, ERR_PARSE, "unknown op '%.32s' (%s)",
					csvin_field(c, ci[0]),
					"conv, dwconv, fc, avgpool, maxpool, add");
			goto fail;
		}
		l.k.op = (enum kop)op;
		int *dst[7] = {&l.k.in_h,   &l.k.in_w,   &l.k.in_c,  &l.k.out_c,
			       &l.k.kernel, &l.k.stride, &l.k.groups};
		for (int i = 0; i < 7; i++) {
			long v;
			if ((rc = csvin_long_in(c, ci[i + 1], 1, 1 << 20, &v, eb)) < 0)
				goto fail;
			*dst[i] = (int)v;
		}
		l.k.dtype = dtype;
		if (c_dtype >= 0) {
			int d = dtype_parse(csvin_field(c, c_dtype));
			if (d < 0) {
				rc = csvin_fail(c, eb, ERR_PARSE, "unknown dtype '%.32s'",
						csvin_field(c, c_dtype));
				goto fail;
			}
			l.k.dtype = (enum dtype)d;
		}
		char why[128];
		if (kshape_check(&l.k, why, sizeof why) < 0) {
			rc = csvin_fail(c, eb, ERR_RANGE, "%s", why);
			goto fail;
		}
		const char *key = c_pass >= 0 ? csvin_field(c, c_pass) : "";
		if (strlen(key) >= AGENT_PASS_KEY_LEN) {
			rc = csvin_fail(c, eb, ERR_RANGE, "pass '%.40s...' longer than %d characters",
					key, AGENT_PASS_KEY_LEN - 1);
			goto fail;
		}
		if (!cur || strcmp(cur->key, key) != 0) {
			if (ps->n == pcap) {
				int ncap = pcap ? pcap * 2 : 16;
				struct agent_pass_spec *np = realloc(ps->p, (size_t)ncap * sizeof *np);
				if (!np) {
					rc = err_set(eb, ERR_NOMEM, "out of memory");
					goto fail;
				}
				ps->p = np;
				pcap = ncap;
			}
			cur = &ps->p[ps->n++];
			memset(cur, 0, sizeof *cur);
			snprintf(cur->key, sizeof cur->key, "%s", key);
			cap = 0;
		}
		const char *name = c_name >= 0 ? csvin_field(c, c_name) : "";
		if (strlen(name) >= AGENT_LAYER_NAME_LEN) {
			rc = csvin_fail(c, eb, ERR_RANGE, "layer name longer than %d characters",
					AGENT_LAYER_NAME_LEN - 1);
			goto fail;
		}
		snprintf(l.name, sizeof l.name, "%s", name);
		const char *in = c_input >= 0 ? csvin_field(c, c_input) : "";
		if (*in) {
			for (int j = cur->n - 1; j >= 0 && l.input < 0; j--)
				if (strcmp(cur->layers[j].name, in) == 0)
					l.input = j;
			if (l.input < 0) {
				rc = csvin_fail(c, eb, ERR_PARSE,
						"input '%.64s' names no earlier layer of the pass", in);
				goto fail;
			}
		}
		if (pass_push(cur, &cap, &l) < 0) {
			rc = err_set(eb, ERR_NOMEM, "out of memory");
			goto fail;
		}
	}
	if (rc < 0)
		goto fail;
	if (ps->n == 0) {
		rc = err_set(eb, ERR_PARSE, "%s:%ld: no layers after the header", path,
			     csvin_line(c));
		goto fail;
	}
	csvin_close(c);
	*out = ps;
	return 0;
fail:
	csvin_close(c);
	agent_passes_destroy(ps);
	return rc;
}

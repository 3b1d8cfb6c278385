/*
 * switchcost.c: reading a switch-cost file, finding a variant's row, and which variant keys
 * share weights (see switchcost.h).
 */
#include "switchcost.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "csvin.h"
#include "sha256.h"

static int cmp_row(const void *a, const void *b)
{
	const struct switchcost_row *x = a, *y = b;
	int c = strcmp(x->variant, y->variant);
	return c ? c : (x->threads > y->threads) - (x->threads < y->threads);
}

int switchcost_load(const char *path, struct switchcost **out, struct errbuf *eb)
{
	int rc;
	struct switchcost *s = calloc(1, sizeof *s);
	struct csvin *c = NULL;
	if (!s)
		return err_set(eb, ERR_NOMEM, "%s: out of memory", path);
	snprintf(s->path, sizeof s->path, "%s", path);
	if (!(c = csvin_open(path, eb))) {
		rc = eb ? eb->code : ERR_IO;
		goto fail;
	}
	int c_var, c_thr, c_wb, c_cold, c_build, c_warm = csvin_col(c, "read_warm_ms");
	if ((rc = c_var = csvin_require_col(c, "variant", eb)) < 0 ||
	    (rc = c_thr = csvin_require_col(c, "threads", eb)) < 0 ||
	    (rc = c_wb = csvin_require_col(c, "weight_bytes", eb)) < 0 ||
	    (rc = c_cold = csvin_require_col(c, "read_cold_ms", eb)) < 0 ||
	    (rc = c_build = csvin_require_col(c, "build_ms", eb)) < 0)
		goto fail;
	int cap = 0;
	while ((rc = csvin_next(c, eb)) > 0) {
		if (s->n == cap) {
			cap = cap ? 2 * cap : 64;
			struct switchcost_row *g = realloc(s->r, (size_t)cap * sizeof *g);
			if (!g) {
				rc = err_set(eb, ERR_NOMEM, "%s: out of memory", path);
				goto fail;
			}
			s->r = g;
		}
		struct switchcost_row *g = &s->r[s->n];
		memset(g, 0, sizeof *g);
		long thr;
		const char *key = csvin_field(c, c_var);
		if (!key[0]) {
			rc = csvin_fail(c, eb, ERR_PARSE, "empty variant");
			goto fail;
		}
		g->read_warm_ms = NAN;
		if ((rc = csvin_long_in(c, c_thr, 1, 1024, &thr, eb)) < 0 ||
		    (rc = csvin_double_in(c, c_wb, 0, 1e13, &g->weight_bytes, eb)) < 0 ||
		    (rc = csvin_double_in(c, c_cold, 0, 1e9, &g->read_cold_ms, eb)) < 0 ||
		    (rc = csvin_double_in(c, c_build, 0, 1e9, &g->build_ms, eb)) < 0 ||
		    (c_warm >= 0 &&
		     (rc = csvin_double_opt(c, c_warm, &g->read_warm_ms, eb)) < 0))
			goto fail;
		if (g->read_warm_ms < 0) {
			rc = csvin_fail(c, eb, ERR_RANGE, "read_warm_ms %g is negative",
					g->read_warm_ms);
			goto fail;
		}
		if (!(g->variant = strdup(key))) {
			rc = err_set(eb, ERR_NOMEM, "%s: out of memory", path);
			goto fail;
		}
		g->threads = (int)thr;
		g->line = csvin_line(c);
		s->n++;
	}
	if (rc < 0)
		goto fail;
	if (s->n == 0) {
		rc = err_set(eb, ERR_PARSE, "%s:%ld: no switch-cost rows after the header", path,
			     csvin_line(c));
		goto fail;
	}
	qsort(s->r, (size_t)s->n, sizeof *s->r, cmp_row);
	for (int i = 1; i < s->n; i++)
		if (cmp_row(&s->r[i - 1], &s->r[i]) == 0) {
			const struct switchcost_row *a = &s->r[i - 1], *b = &s->r[i];
			rc = err_set(eb, ERR_PARSE, "%s:%ld: '%s' at %d threads is given twice (also "
						    "on line %ld)",
				     path, a->line > b->line ? a->line : b->line, b->variant,
				     b->threads, a->line > b->line ? b->line : a->line);
			goto fail;
		}
	if ((rc = sha256_file(path, s->sha256)) < 0) {
		err_set(eb, rc, "%s: cannot read for hashing: %s", path, strerror(errno));
		goto fail;
	}
	csvin_close(c);
	*out = s;
	return 0;
fail:
	csvin_close(c);
	switchcost_destroy(s);
	return rc < 0 ? rc : ERR_PARSE;
}

int switchcost_check_model(const struct switchcost *s, const char *model, struct errbuf *eb)
{
	size_t ml = strlen(model);
	for (int i = 0; i < s->n; i++)
		if (strncmp(s->r[i].variant, model, ml) != 0 || s->r[i].variant[ml] != ':')
			return err_set(eb, ERR_PARSE, "%s:%ld: '%s' is not a variant of %s, the "
						      "model this file is named for",
				       s->path, s->r[i].line, s->r[i].variant, model);
	return 0;
}

int switchcost_merge(struct switchcost *into, const struct switchcost *from, const char *model,
		     struct errbuf *eb)
{
	int rc = switchcost_check_model(from, model, eb);
	if (rc < 0)
		return rc;
	for (int i = 0; i < from->n; i++) {
		const struct switchcost_row *had =
			bsearch(&from->r[i], into->r, (size_t)into->n, sizeof *into->r, cmp_row);
		if (had)
			return err_set(eb, ERR_PARSE, "%s:%ld: '%s' at %d threads is also given in "
						      "%s:%ld",
				       from->path, from->r[i].line, from->r[i].variant,
				       from->r[i].threads, into->path, had->line);
	}
	struct switchcost_row *r = malloc((size_t)(into->n + from->n) * sizeof *r);
	char **names = calloc((size_t)from->n + 1, sizeof *names);
	if (!r || !names)
		goto nomem;
	for (int i = 0; i < from->n; i++)
		if (!(names[i] = strdup(from->r[i].variant)))
			goto nomem;
	memcpy(r, into->r, (size_t)into->n * sizeof *r);
	for (int i = 0; i < from->n; i++) {
		r[into->n + i] = from->r[i];
		r[into->n + i].variant = names[i];
	}
	free(names);
	free(into->r);
	into->r = r;
	into->n += from->n;
	qsort(into->r, (size_t)into->n, sizeof *into->r, cmp_row);
	char both[2 * 65 + 2];
	struct sha256 h;
	snprintf(both, sizeof both, "%s\n%s\n", into->sha256, from->sha256);
	sha256_init(&h);
	sha256_update(&h, both, strlen(both));
	sha256_final_hex(&h, into->sha256);
	return 0;
nomem:
	if (names)
		for (int i = 0; i < from->n; i++)
			free(names[i]);
	free(names);
	free(r);
	return err_set(eb, ERR_NOMEM, "%s: out of memory", from->path);
}

void switchcost_destroy(struct switchcost *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->n; i++)
		free(s->r[i].variant);
	free(s->r);
	free(s);
}

const struct switchcost_row *switchcost_find(const struct switchcost *s, const char *key,
					     int threads)
{
	if (!s)
		return NULL;
	const struct switchcost_row *below = NULL, *above = NULL;
	for (int i = 0; i < s->n; i++) {
		const struct switchcost_row *r = &s->r[i];
		if (strcmp(r->variant, key) != 0)
			continue;
		if (r->threads == threads)
			return r;
		if (r->threads < threads)
			below = r; /* ascending: the last one below is the largest */
		else if (!above)
			above = r;
	}
	return below ? below : above;
}

/* 1 when the operator op (len bytes) is one of cuts (names separated by spaces or commas). */
static int is_cut(const char *cuts, const char *op, size_t len)
{
	for (const char *p = cuts; *p;) {
		size_t n = strcspn(p, " ,");
		if (n == len && memcmp(p, op, len) == 0)
			return 1;
		p += n;
		p += strspn(p, " ,");
	}
	return 0;
}

/* 1 when every operator of a other than a cut appears in b with the same value. */
static int covers(const char *a, const char *b, const char *cuts)
{
	const char *p = strchr(a, ':');
	if (!p)
		return 1;
	p++;
	while (*p) {
		size_t len = strcspn(p, ","), name = strcspn(p, "=");
		if (name > len)
			name = len;
		if (!is_cut(cuts, p, name)) {
			/* look for the same "op=value" in b's operators */
			const char *q = strchr(b, ':');
			int found = 0;
			for (q = q ? q + 1 : b + strlen(b); *q && !found;) {
				size_t ql = strcspn(q, ",");
				found = ql == len && memcmp(q, p, len) == 0;
				q += ql;
				if (*q == ',')
					q++;
			}
			if (!found)
				return 0;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	return 1;
}

int switchcost_shares_weights(const char *a, const char *b, const char *cuts)
{
	if (!cuts)
		return 0;
	size_t ma = strcspn(a, ":"), mb = strcspn(b, ":");
	if (ma != mb || memcmp(a, b, ma) != 0)
		return 0;
	return covers(a, b, cuts) && covers(b, a, cuts);
}

/*
 * accuracy.c: the accuracy join. A spec names a published table (data/accuracy/TABLE.csv)
 * and a rule that says which of the table's columns each operator's value is compared with;
 * a variant takes top1, top5 and the table's MACs from the one row that matches all terms.
 *
 * A variant that no row matches has no accuracy: nothing is interpolated or estimated here.
 * An operator that the rule does not mention must be at its identity for a row to match
 * (the table cannot speak for a variant it does not describe). Not for measuring accuracy.
 */
#include "model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "csvin.h"
#include "modelint.h"
#include "num.h"
#include "paths.h"

/* Characters that end a column name or a map value in a join. */
#define JOIN_STOP " \t(),:="

static int copy_word(const char **p, char *dst, size_t len)
{
	size_t n = strcspn(*p, JOIN_STOP);
	if (n == 0 || n >= len)
		return -1;
	memcpy(dst, *p, n);
	dst[n] = '\0';
	*p += n;
	return 0;
}

int model_join_parse(const char *text, struct model_join *j, char *why, size_t why_len)
{
	memset(j, 0, sizeof *j);
	const char *p = text;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		if (j->n == MODEL_MAX_TERMS) {
			snprintf(why, why_len, "more than %d terms", MODEL_MAX_TERMS);
			return ERR_RANGE;
		}
		struct model_join_term *t = &j->term[j->n];
		char op[MODEL_FIELD_LEN];
		if (copy_word(&p, op, sizeof op) < 0 || *p != '=') {
			snprintf(why, why_len, "expected op=column at '%.32s'", p);
			return ERR_PARSE;
		}
		p++;
		t->op = model_op_find(op);
		if (t->op < 0) {
			snprintf(why, why_len, "unknown operator '%s'", op);
			return ERR_PARSE;
		}
		for (int k = 0; k < j->n; k++)
			if (j->term[k].op == t->op) {
				snprintf(why, why_len, "operator '%s' joined twice", op);
				return ERR_PARSE;
			}
		if (copy_word(&p, t->column, sizeof t->column) < 0) {
			snprintf(why, why_len, "%s: expected a column name at '%.32s'", op, p);
			return ERR_PARSE;
		}
		if (*p == '(') {
			p++;
			for (;;) {
				if (t->n_map == MODEL_MAX_MAP) {
					snprintf(why, why_len, "%s: more than %d mapped values", op,
						 MODEL_MAX_MAP);
					return ERR_RANGE;
				}
				if (copy_word(&p, t->map_from[t->n_map], MODEL_FIELD_LEN) < 0 ||
				    *p != ':') {
					snprintf(why, why_len, "%s: expected value:value at '%.32s'",
						 op, p);
					return ERR_PARSE;
				}
				p++;
				if (copy_word(&p, t->map_to[t->n_map], MODEL_FIELD_LEN) < 0) {
					snprintf(why, why_len, "%s: expected a value at '%.32s'", op,
						 p);
					return ERR_PARSE;
				}
				t->n_map++;
				if (*p == ',') {
					p++;
					continue;
				}
				if (*p == ')') {
					p++;
					break;
				}
				snprintf(why, why_len, "%s: expected ',' or ')' at '%.32s'", op, p);
				return ERR_PARSE;
			}
		}
		if (*p && *p != ' ' && *p != '\t') {
			snprintf(why, why_len, "%s: unexpected '%.32s'", op, p);
			return ERR_PARSE;
		}
		j->n++;
	}
	if (j->n == 0) {
		snprintf(why, why_len, "no terms");
		return ERR_PARSE;
	}
	return 0;
}

/* One row of an accuracy table, reduced to what the join needs. */
struct acc_row {
	long line;
	char key[MODEL_MAX_TERMS][MODEL_FIELD_LEN];
	int key_too_long[MODEL_MAX_TERMS];
	int has_top1, has_top5, has_macs;
	double top1, top5, million_macs;
};

struct acc_table {
	char file[128];
	char source[VARIANT_SOURCE_LEN];
	int n;
	struct acc_row *rows;
};

static int read_pct(struct csvin *c, int col, int *has, double *v, struct errbuf *eb)
{
	*has = 0;
	if (col < 0)
		return 0;
	int rc = csvin_double_opt(c, col, v, eb);
	if (rc < 0)
		return rc;
	if (rc == 1 && (*v < 0 || *v > 100))
		return err_set(eb, ERR_RANGE, "%s:%ld:%d: column '%s': %g is not a percentage",
			       csvin_path(c), csvin_line(c), col + 1, csvin_col_name(c, col), *v);
	*has = rc;
	return 0;
}

static int table_read(const char *file, const struct model_join *j, struct acc_table *t,
		      struct errbuf *eb)
{
	char rel[200], path[4096];
	struct csvin *c = NULL;
	int rc, cap = 0;
	memset(t, 0, sizeof *t);
	snprintf(t->file, sizeof t->file, "%s", file);
	snprintf(rel, sizeof rel, "data/accuracy/%s", file);
	if (paths_data(rel, path, sizeof path) < 0)
		return err_set(eb, ERR_RANGE, "%s: data path too long", file);
	c = csvin_open(path, eb);
	if (!c)
		return eb->code < 0 ? eb->code : ERR_IO;
	const char *src = csvin_meta(c, "SOURCE");
	if (!src || !*src) {
		rc = err_set(eb, ERR_PARSE, "%s: no '# SOURCE:' line (an accuracy table cites "
					    "where its numbers come from)",
			     path);
		goto fail;
	}
	if (strlen(src) >= sizeof t->source) {
		rc = err_set(eb, ERR_RANGE, "%s: the SOURCE line is longer than %d characters",
			     path, (int)sizeof t->source - 1);
		goto fail;
	}
	snprintf(t->source, sizeof t->source, "%s", src);

	int key_col[MODEL_MAX_TERMS];
	for (int k = 0; k < j->n; k++) {
		key_col[k] = csvin_require_col(c, j->term[k].column, eb);
		if (key_col[k] < 0) {
			rc = key_col[k];
			goto fail;
		}
	}
	int top1_col = csvin_require_col(c, "top1", eb);
	if (top1_col < 0) {
		rc = top1_col;
		goto fail;
	}
	int top5_col = csvin_col(c, "top5");
	int macs_col = csvin_col(c, "million_macs");

	while ((rc = csvin_next(c, eb)) == 1) {
		if (t->n == cap) {
			int nc = cap ? cap * 2 : 64;
			struct acc_row *r = realloc(t->rows, (size_t)nc * sizeof *r);
			if (!r) {
				rc = err_set(eb, ERR_NOMEM, "%s: out of memory", path);
				goto fail;
			}
			t->rows = r;
			cap = nc;
		}
		struct acc_row *r = &t->rows[t->n];
		memset(r, 0, sizeof *r);
		r->line = csvin_line(c);
		for (int k = 0; k < j->n; k++) {
			const char *f = csvin_field(c, key_col[k]);
			r->key_too_long[k] = strlen(f) >= MODEL_FIELD_LEN;
			snprintf(r->key[k], MODEL_FIELD_LEN, "%s", f);
		}
		if ((rc = read_pct(c, top1_col, &r->has_top1, &r->top1, eb)) < 0 ||
		    (rc = read_pct(c, top5_col, &r->has_top5, &r->top5, eb)) < 0)
			goto fail;
		if (macs_col >= 0) {
			rc = csvin_double_opt(c, macs_col, &r->million_macs, eb);
			if (rc < 0)
				goto fail;
			r->has_macs = rc;
		}
		t->n++;
	}
	if (rc < 0)
		goto fail;
	csvin_close(c);
	return 0;
fail:
	csvin_close(c);
	free(t->rows);
	t->rows = NULL;
	t->n = 0;
	return rc;
}

/* Numbers compare as numbers (1.0 equals 1), anything else as text. */
static int same_value(const char *a, const char *b)
{
	double x, y;
	if (num_double(a, &x) == 0 && num_double(b, &y) == 0) {
		double scale = fmax(1.0, fmax(fabs(x), fabs(y)));
		return fabs(x - y) <= 1e-9 * scale;
	}
	return strcmp(a, b) == 0;
}

/*
 * What the variant's operators say each term's column must hold; 0 when some operator
 * value has no counterpart in the table (not in a term's map, or an unjoined operator away
 * from its identity), so no row can match.
 */
static int wanted_values(const struct model *base, const struct model_join *j,
			 const struct model_ops *ops, char want[][MODEL_FIELD_LEN])
{
	int joined[MODEL_MAX_OPS] = {0};
	for (int k = 0; k < j->n; k++) {
		const struct model_join_term *t = &j->term[k];
		const struct model_op *op = model_op_at(t->op);
		joined[t->op] = 1;
		char v[MODEL_FIELD_LEN];
		op->format(base, ops, v, sizeof v);
		if (t->n_map == 0) {
			snprintf(want[k], MODEL_FIELD_LEN, "%s", v);
			continue;
		}
		int m = 0;
		while (m < t->n_map && strcmp(t->map_from[m], v) != 0)
			m++;
		if (m == t->n_map)
			return 0;
		snprintf(want[k], MODEL_FIELD_LEN, "%s", t->map_to[m]);
	}
	for (int i = 0; i < model_n_ops(); i++)
		if (!joined[i] && !model_op_at(i)->is_default(base, ops))
			return 0;
	return 1;
}

static int join_one(const struct model *base, const struct model_join *j,
		    const struct acc_table *t, struct variant *v, struct errbuf *eb)
{
	char want[MODEL_MAX_TERMS][MODEL_FIELD_LEN];
	if (!wanted_values(base, j, &v->ops, want))
		return 0;
	const struct acc_row *hit = NULL;
	for (int r = 0; r < t->n; r++) {
		const struct acc_row *row = &t->rows[r];
		int k = 0;
		while (k < j->n && !row->key_too_long[k] && same_value(want[k], row->key[k]))
			k++;
		if (k < j->n)
			continue;
		if (hit)
			return err_set(eb, ERR_PARSE, "%s: lines %ld and %ld both match %s",
				       t->file, hit->line, row->line, v->key);
		hit = row;
	}
	if (!hit || !hit->has_top1)
		return 0;
	v->has_top1 = 1;
	v->top1 = hit->top1;
	v->has_top5 = hit->has_top5;
	v->top5 = hit->has_top5 ? hit->top5 : 0;
	v->table_macs = hit->has_macs ? hit->million_macs * 1e6 : 0;
	snprintf(v->acc_source, sizeof v->acc_source, "%s", t->source);
	snprintf(v->acc_ref, sizeof v->acc_ref, "%s:%ld", t->file, hit->line);
	return 0;
}

int model_join_accuracy(const struct model *base, struct variant_set *vs, struct errbuf *eb)
{
	for (int i = 0; i < vs->n; i++) {
		struct variant *v = &vs->v[i];
		v->has_top1 = v->has_top5 = 0;
		v->top1 = v->top5 = v->table_macs = 0;
		v->acc_source[0] = v->acc_ref[0] = '\0';
	}
	if (!base->accuracy_table)
		return 0;
	struct model_join j;
	char why[256];
	int rc = model_join_parse(base->accuracy_join ? base->accuracy_join : "", &j, why,
				  sizeof why);
	if (rc < 0)
		return err_set(eb, rc, "%s: accuracy_join: %s", base->name, why);
	struct acc_table t;
	rc = table_read(base->accuracy_table, &j, &t, eb);
	if (rc < 0)
		return rc;
	for (int i = 0; i < vs->n && rc == 0; i++)
		rc = join_one(base, &j, &t, &vs->v[i], eb);
	free(t.rows);
	return rc;
}

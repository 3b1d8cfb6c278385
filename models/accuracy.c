/*
 * accuracy.c: the accuracy join and the accuracy estimator. A spec names up to four
 * published tables (data/accuracy/TABLE.csv), each with a rule saying which of the table's
 * columns each operator's value is compared with (and which constant columns select the
 * model's rows) and where the table keeps top1, top5 and MACs; a variant takes its accuracy
 * from the one row that matches, in the first table that has one.
 *
 * A variant that no row matches has no accuracy. An operator that the rule does not mention
 * must be at its identity for a row to match (the table cannot speak for a variant it does
 * not describe). Estimates are made only by variants_estimate, on request, and are labelled
 * as such. Not for measuring accuracy.
 */
#include "accuracy.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accuracyint.h"
#include "csvin.h"
#include "layers.h"
#include "num.h"
#include "opsint.h"
#include "paths.h"

/* Characters that end a column name or a map value in a join. */
#define JOIN_STOP " \t(),:=*"

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

/* "(from:to,from:to)" after *p, into from/to; *p moves past the ')'. */
static int parse_map(const char **p, const char *what, char from[][MODEL_FIELD_LEN],
		     char to[][MODEL_FIELD_LEN], int *n, char *why, size_t why_len)
{
	(*p)++;
	for (;;) {
		if (*n == MODEL_MAX_MAP) {
			snprintf(why, why_len, "%s: more than %d mapped values", what,
				 MODEL_MAX_MAP);
			return ERR_RANGE;
		}
		if (copy_word(p, from[*n], MODEL_FIELD_LEN) < 0 || **p != ':') {
			snprintf(why, why_len, "%s: expected value:value at '%.32s'", what, *p);
			return ERR_PARSE;
		}
		(*p)++;
		if (copy_word(p, to[*n], MODEL_FIELD_LEN) < 0) {
			snprintf(why, why_len, "%s: expected a value at '%.32s'", what, *p);
			return ERR_PARSE;
		}
		(*n)++;
		if (**p == ',') {
			(*p)++;
			continue;
		}
		if (**p == ')') {
			(*p)++;
			return 0;
		}
		snprintf(why, why_len, "%s: expected ',' or ')' at '%.32s'", what, *p);
		return ERR_PARSE;
	}
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
		char word[MODEL_FIELD_LEN];
		if (copy_word(&p, word, sizeof word) < 0 || *p != '=') {
			snprintf(why, why_len, "expected op=column or column==value at '%.32s'", p);
			return ERR_PARSE;
		}
		if (p[1] == '=') {
			/* a constant term: column==value */
			p += 2;
			t->op = -1;
			snprintf(t->column, sizeof t->column, "%s", word);
			if (copy_word(&p, t->value, sizeof t->value) < 0) {
				snprintf(why, why_len, "%s==: expected a value at '%.32s'", word, p);
				return ERR_PARSE;
			}
		} else {
			p++;
			t->op = model_op_find(word);
			if (t->op < 0) {
				snprintf(why, why_len, "unknown operator '%s'", word);
				return ERR_PARSE;
			}
			for (int k = 0; k < j->n; k++)
				if (j->term[k].op == t->op) {
					snprintf(why, why_len, "operator '%s' joined twice", word);
					return ERR_PARSE;
				}
			if (copy_word(&p, t->column, sizeof t->column) < 0) {
				snprintf(why, why_len, "%s: expected a column name at '%.32s'", word,
					 p);
				return ERR_PARSE;
			}
			if (*p == '(') {
				int rc = parse_map(&p, word, t->map_from, t->map_to, &t->n_map, why,
						   why_len);
				if (rc < 0)
					return rc;
			}
		}
		if (*p && *p != ' ' && *p != '\t') {
			snprintf(why, why_len, "%s: unexpected '%.32s'", word, p);
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

static void col_default(struct model_acc_col *c, const char *name, double scale)
{
	memset(c, 0, sizeof *c);
	c->op = -1;
	c->scale = scale;
	snprintf(c->column, sizeof c->column, "%s", name);
}

int model_columns_parse(const char *text, struct model_acc_cols *c, char *why,
			size_t why_len)
{
	col_default(&c->top1, "top1", 1);
	col_default(&c->top5, "top5", 1);
	col_default(&c->macs, "million_macs", 1e6);
	const char *p = text ? text : "";
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		char what[MODEL_FIELD_LEN];
		if (copy_word(&p, what, sizeof what) < 0 || *p != '=') {
			snprintf(why, why_len, "expected top1=, top5= or macs= at '%.32s'", p);
			return ERR_PARSE;
		}
		p++;
		struct model_acc_col *col = strcmp(what, "top1") == 0   ? &c->top1
					    : strcmp(what, "top5") == 0 ? &c->top5
					    : strcmp(what, "macs") == 0 ? &c->macs
									: NULL;
		if (!col) {
			snprintf(why, why_len, "unknown column role '%s' (top1, top5, macs)", what);
			return ERR_PARSE;
		}
		if (col->given) {
			snprintf(why, why_len, "%s given twice", what);
			return ERR_PARSE;
		}
		col_default(col, "", 1);
		col->given = 1;
		if (*p == '-' && (p[1] == '\0' || p[1] == ' ' || p[1] == '\t')) {
			col->none = 1;
			p++;
			continue;
		}
		char word[MODEL_FIELD_LEN];
		if (copy_word(&p, word, sizeof word) < 0) {
			snprintf(why, why_len, "%s: expected a column at '%.32s'", what, p);
			return ERR_PARSE;
		}
		if (*p == '(') {
			if (col == &c->macs) {
				snprintf(why, why_len, "macs: one column, optionally *factor");
				return ERR_PARSE;
			}
			col->op = model_op_find(word);
			if (col->op < 0) {
				snprintf(why, why_len, "%s: unknown operator '%s'", what, word);
				return ERR_PARSE;
			}
			int rc = parse_map(&p, what, col->map_from, col->map_to, &col->n_map, why,
					   why_len);
			if (rc < 0)
				return rc;
		} else {
			snprintf(col->column, sizeof col->column, "%s", word);
			if (*p == '*') {
				char num[MODEL_FIELD_LEN];
				p++;
				if (col != &c->macs || copy_word(&p, num, sizeof num) < 0 ||
				    num_double(num, &col->scale) < 0 || !(col->scale > 0)) {
					snprintf(why, why_len,
						 "%s: a factor (macs=COLUMN*1e6) goes with macs only "
						 "and is a positive number",
						 what);
					return ERR_PARSE;
				}
			}
		}
		if (*p && *p != ' ' && *p != '\t') {
			snprintf(why, why_len, "%s: unexpected '%.32s'", what, p);
			return ERR_PARSE;
		}
	}
	return 0;
}

/* ---- tables ---- */

/* One row of an accuracy table, reduced to what the join needs. */
struct acc_row {
	long line;
	char key[MODEL_MAX_TERMS][MODEL_FIELD_LEN];
	int key_too_long[MODEL_MAX_TERMS];
	int has_top1[MODEL_MAX_MAP], has_top5[MODEL_MAX_MAP], has_macs;
	double top1[MODEL_MAX_MAP], top5[MODEL_MAX_MAP], macs;
};

/* One accuracy source: its join, columns and rows. */
struct acc_table {
	char file[128];
	char path[4096];   /* where it was read from (for messages) */
	char source[VARIANT_SOURCE_LEN];
	struct model_join join;
	struct model_acc_cols cols;
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

/*
 * The column indices of a top1/top5 role: one per map entry (or one); -1 where the table
 * has no such column and it was not asked for by name.
 */
static int role_cols(struct csvin *c, const struct model_acc_col *col, int required,
		     int *idx, struct errbuf *eb)
{
	int n = col->op >= 0 ? col->n_map : 1;
	for (int e = 0; e < n; e++) {
		const char *name = col->op >= 0 ? col->map_to[e] : col->column;
		idx[e] = -1;
		if (col->none)
			continue;
		if (col->given || required) {
			idx[e] = csvin_require_col(c, name, eb);
			if (idx[e] < 0)
				return idx[e];
		} else {
			idx[e] = csvin_col(c, name);
		}
	}
	return n;
}

static void table_free(struct acc_table *t)
{
	free(t->rows);
	t->rows = NULL;
	t->n = 0;
}

int model_acc_table_path(const struct model *base, int s, char *out, size_t len)
{
	/* beside the spec first (a trained model's own table), then data/accuracy/ */
	if (base->path[0]) {
		char dir[4096];
		paths_dirname(base->path, dir, sizeof dir);
		if (snprintf(out, len, "%s/%s", dir, base->acc_table[s]) < (int)len &&
		    paths_is_file(out))
			return 1;
	}
	char rel[200];
	if (snprintf(rel, sizeof rel, "data/accuracy/%s", base->acc_table[s]) >= (int)sizeof rel)
		return -1;
	return paths_data(rel, out, len) < 0 ? -1 : 0;
}

static int table_read(const struct model *base, int s, struct acc_table *t, struct errbuf *eb)
{
	char path[4096], why[256];
	struct csvin *c = NULL;
	int rc, cap = 0;
	memset(t, 0, sizeof *t);
	snprintf(t->file, sizeof t->file, "%s", base->acc_table[s]);
	rc = model_join_parse(base->acc_join[s] ? base->acc_join[s] : "", &t->join, why,
			      sizeof why);
	if (rc == 0)
		rc = model_columns_parse(base->acc_columns[s], &t->cols, why, sizeof why);
	if (rc < 0)
		return err_set(eb, rc, "%s: accuracy source %d: %s", base->name, s + 1, why);
	if (model_acc_table_path(base, s, path, sizeof path) < 0)
		return err_set(eb, ERR_RANGE, "%s: data path too long", t->file);
	snprintf(t->path, sizeof t->path, "%s", path);
	c = csvin_open(path, eb);
	if (!c)
		return eb->code < 0 ? eb->code : ERR_IO;
	const char *src = csvin_meta(c, "SOURCE");
	if (!src || !*src) {
		rc = err_set(eb, ERR_PARSE, "%s:1: no '# SOURCE:' line (an accuracy table cites "
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

	int key_col[MODEL_MAX_TERMS], top1_col[MODEL_MAX_MAP], top5_col[MODEL_MAX_MAP];
	for (int k = 0; k < t->join.n; k++) {
		key_col[k] = csvin_require_col(c, t->join.term[k].column, eb);
		if (key_col[k] < 0) {
			rc = key_col[k];
			goto fail;
		}
	}
	int n1 = role_cols(c, &t->cols.top1, 1, top1_col, eb);
	int n5 = n1 < 0 ? n1 : role_cols(c, &t->cols.top5, 0, top5_col, eb);
	if (n1 < 0 || n5 < 0) {
		rc = n1 < 0 ? n1 : n5;
		goto fail;
	}
	int macs_col = -1;
	if (!t->cols.macs.none) {
		macs_col = t->cols.macs.given ? csvin_require_col(c, t->cols.macs.column, eb)
					      : csvin_col(c, t->cols.macs.column);
		if (t->cols.macs.given && macs_col < 0) {
			rc = macs_col;
			goto fail;
		}
	}

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
		for (int k = 0; k < t->join.n; k++) {
			const char *f = csvin_field(c, key_col[k]);
			r->key_too_long[k] = strlen(f) >= MODEL_FIELD_LEN;
			snprintf(r->key[k], MODEL_FIELD_LEN, "%s", f);
		}
		for (int e = 0; e < n1; e++)
			if ((rc = read_pct(c, top1_col[e], &r->has_top1[e], &r->top1[e], eb)) < 0)
				goto fail;
		for (int e = 0; e < n5; e++)
			if ((rc = read_pct(c, top5_col[e], &r->has_top5[e], &r->top5[e], eb)) < 0)
				goto fail;
		if (macs_col >= 0) {
			rc = csvin_double_opt(c, macs_col, &r->macs, eb);
			if (rc < 0)
				goto fail;
			r->has_macs = rc;
			r->macs *= t->cols.macs.scale;
		}
		t->n++;
	}
	if (rc < 0)
		goto fail;
	csvin_close(c);
	return 0;
fail:
	csvin_close(c);
	table_free(t);
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

/* Index of a value in a map (compared as the variant's canonical value), or -1. */
static int map_index(const char from[][MODEL_FIELD_LEN], int n, const char *v)
{
	for (int m = 0; m < n; m++)
		if (strcmp(from[m], v) == 0)
			return m;
	return -1;
}

/*
 * What the variant's operators say each term's column must hold, and which top1/top5
 * column (*e) applies; 0 when some operator value has no counterpart in the table (not in
 * a map, or an operator the table does not mention away from its identity), so no row can
 * match.
 */
static int wanted_values(const struct model *base, const struct acc_table *t,
			 const struct model_ops *ops, char want[][MODEL_FIELD_LEN], int *e)
{
	int joined[MODEL_MAX_OPS] = {0};
	char v[MODEL_FIELD_LEN];
	for (int k = 0; k < t->join.n; k++) {
		const struct model_join_term *term = &t->join.term[k];
		if (term->op < 0) {
			snprintf(want[k], MODEL_FIELD_LEN, "%s", term->value);
			continue;
		}
		joined[term->op] = 1;
		model_op_at(term->op)->format(base, ops, v, sizeof v);
		if (term->n_map == 0) {
			snprintf(want[k], MODEL_FIELD_LEN, "%s", v);
			continue;
		}
		int m = map_index(term->map_from, term->n_map, v);
		if (m < 0)
			return 0;
		snprintf(want[k], MODEL_FIELD_LEN, "%s", term->map_to[m]);
	}
	*e = 0;
	const struct model_acc_col *c1 = &t->cols.top1;
	if (c1->op >= 0) {
		joined[c1->op] = 1;
		model_op_at(c1->op)->format(base, ops, v, sizeof v);
		*e = map_index(c1->map_from, c1->n_map, v);
		if (*e < 0)
			return 0;
	}
	for (int i = 0; i < model_n_ops(); i++)
		if (!joined[i] && !model_op_at(i)->is_default(base, ops))
			return 0;
	return 1;
}

/* The top5 column index for the variant's top1 column e (top5 may map by itself). */
static int top5_index(const struct model *base, const struct acc_table *t,
		      const struct model_ops *ops, int e)
{
	const struct model_acc_col *c5 = &t->cols.top5;
	if (c5->op < 0)
		return 0;
	if (c5->op == t->cols.top1.op)
		return e < c5->n_map ? e : -1;
	char v[MODEL_FIELD_LEN];
	model_op_at(c5->op)->format(base, ops, v, sizeof v);
	return map_index(c5->map_from, c5->n_map, v);
}

/* 1 when the row matches every term. */
static int row_matches(const struct acc_table *t, const struct acc_row *row,
		       char want[][MODEL_FIELD_LEN])
{
	for (int k = 0; k < t->join.n; k++)
		if (row->key_too_long[k] || !same_value(want[k], row->key[k]))
			return 0;
	return 1;
}

/* 1 when the variant took accuracy from t. */
static int join_one(const struct model *base, const struct acc_table *t, struct variant *v,
		    struct errbuf *eb, int *err)
{
	char want[MODEL_MAX_TERMS][MODEL_FIELD_LEN];
	int e;
	*err = 0;
	if (!wanted_values(base, t, &v->ops, want, &e))
		return 0;
	const struct acc_row *hit = NULL;
	for (int r = 0; r < t->n; r++) {
		const struct acc_row *row = &t->rows[r];
		if (!row_matches(t, row, want))
			continue;
		if (hit) {
			*err = err_set(eb, ERR_PARSE, "%s:%ld: lines %ld and %ld both match %s",
				       t->path, row->line, hit->line, row->line, v->key);
			return 0;
		}
		hit = row;
	}
	if (!hit || !hit->has_top1[e])
		return 0;
	int e5 = top5_index(base, t, &v->ops, e);
	v->has_top1 = 1;
	v->top1 = hit->top1[e];
	v->has_top5 = e5 >= 0 && hit->has_top5[e5];
	v->top5 = v->has_top5 ? hit->top5[e5] : 0;
	v->table_macs = hit->has_macs ? hit->macs : 0;
	snprintf(v->acc_source, sizeof v->acc_source, "%s", t->source);
	snprintf(v->acc_ref, sizeof v->acc_ref, "%.120s:%ld", t->file, hit->line);
	return 1;
}

/* Reads every accuracy source of base into t[0..n_acc). */
static int tables_read(const struct model *base, struct acc_table *t, struct errbuf *eb)
{
	for (int s = 0; s < base->n_acc; s++) {
		int rc = table_read(base, s, &t[s], eb);
		if (rc < 0) {
			while (s-- > 0)
				table_free(&t[s]);
			return rc;
		}
	}
	return 0;
}

int model_join_accuracy(const struct model *base, struct variant_set *vs, struct errbuf *eb)
{
	for (int i = 0; i < vs->n; i++) {
		struct variant *v = &vs->v[i];
		v->has_top1 = v->has_top5 = v->top1_estimated = 0;
		v->top1 = v->top5 = v->table_macs = 0;
		v->acc_source[0] = v->acc_ref[0] = v->acc_note[0] = '\0';
	}
	struct acc_table t[MODEL_MAX_ACC];
	int rc = tables_read(base, t, eb);
	if (rc < 0)
		return rc;
	for (int i = 0; i < vs->n && rc == 0; i++)
		for (int s = 0; s < base->n_acc && rc == 0; s++)
			if (join_one(base, &t[s], &vs->v[i], eb, &rc))
				break;
	for (int s = 0; s < base->n_acc; s++)
		table_free(&t[s]);
	return rc;
}

/* ---- the estimator ---- */

/* A published row turned back into a variant of base. */
struct anchor {
	enum dtype quant;
	double macs, top1;
	char ref[80];
	const char *source;
};

/*
 * The operators a row describes: each operator term's column value, translated back
 * through its map; operators the table does not mention at their identity. 0 when the row
 * does not describe a variant of base (a constant term differs, a value does not parse).
 */
static int row_ops(const struct model *base, const struct acc_table *t,
		   const struct acc_row *row, struct model_ops *ops)
{
	char why[200];
	model_ops_default(ops);
	for (int k = 0; k < t->join.n; k++) {
		const struct model_join_term *term = &t->join.term[k];
		if (row->key_too_long[k])
			return 0;
		if (term->op < 0) {
			if (!same_value(term->value, row->key[k]))
				return 0;
			continue;
		}
		const char *v = row->key[k];
		if (term->n_map) {
			int m = 0;
			while (m < term->n_map && !same_value(term->map_to[m], v))
				m++;
			if (m == term->n_map)
				return 0;
			v = term->map_from[m];
		}
		const struct model_op *op = model_op_at(term->op);
		if (op->parse(v, ops, why, sizeof why) < 0 ||
		    (op->check && op->check(base, ops, why, sizeof why) < 0))
			return 0;
	}
	return 1;
}

static int add_anchor(const struct model *base, const struct acc_table *t,
		      const struct acc_row *row, const struct model_ops *ops, double top1,
		      struct anchor **a, int *n, int *cap)
{
	struct model *m = NULL;
	struct errbuf eb;
	if (model_apply(base, ops, &m, &eb) < 0)
		return eb.code == ERR_NOMEM ? ERR_NOMEM : 0;
	struct model_cost c;
	model_cost(m, &c);
	model_destroy(m);
	if (*n == *cap) {
		int nc = *cap ? *cap * 2 : 64;
		struct anchor *g = realloc(*a, (size_t)nc * sizeof *g);
		if (!g)
			return ERR_NOMEM;
		*a = g;
		*cap = nc;
	}
	struct anchor *x = &(*a)[(*n)++];
	x->quant = ops->quant;
	x->macs = c.macs;
	x->top1 = top1;
	x->source = t->source;
	snprintf(x->ref, sizeof x->ref, "%.60s:%ld", t->file, row->line);
	return 0;
}

/* Every published row of every source that describes a variant of base. */
static int collect_anchors(const struct model *base, const struct acc_table *t, int n_t,
			   struct anchor **a, int *n)
{
	int cap = 0, rc = 0;
	*a = NULL;
	*n = 0;
	for (int s = 0; s < n_t && rc == 0; s++) {
		const struct model_acc_col *c1 = &t[s].cols.top1;
		for (int r = 0; r < t[s].n && rc == 0; r++) {
			const struct acc_row *row = &t[s].rows[r];
			struct model_ops ops;
			if (!row_ops(base, &t[s], row, &ops))
				continue;
			if (c1->op < 0) {
				if (row->has_top1[0])
					rc = add_anchor(base, &t[s], row, &ops, row->top1[0], a, n,
							&cap);
				continue;
			}
			for (int e = 0; e < c1->n_map && rc == 0; e++) {
				struct model_ops o2 = ops;
				char why[200];
				if (!row->has_top1[e] ||
				    model_op_at(c1->op)->parse(c1->map_from[e], &o2, why,
								sizeof why) < 0)
					continue;
				rc = add_anchor(base, &t[s], row, &o2, row->top1[e], a, n, &cap);
			}
		}
	}
	if (rc < 0) {
		free(*a);
		*a = NULL;
		*n = 0;
	}
	return rc;
}

static int cmp_anchor(const void *x, const void *y)
{
	const struct anchor *a = x, *b = y;
	if (a->macs != b->macs)
		return a->macs < b->macs ? -1 : 1;
	return a->top1 > b->top1 ? -1 : a->top1 < b->top1;
}

/*
 * The Pareto front of the anchors of one element type, in increasing MACs: each kept row
 * is more accurate than every row with fewer or as many MACs.
 */
static int front_of(const struct anchor *a, int n, enum dtype q, struct anchor *f)
{
	int k = 0;
	for (int i = 0; i < n; i++) {
		if (a[i].quant != q)
			continue;
		if (k > 0 && a[i].top1 <= f[k - 1].top1)
			continue;
		f[k++] = a[i];
	}
	return k;
}

static void estimate_one(struct variant *v, const struct anchor *f, int k)
{
	double m = v->cost.macs;
	if (k == 0) {
		snprintf(v->acc_note, sizeof v->acc_note, "no published row at %s",
			 dtype_name(v->ops.quant));
		return;
	}
	const double tol = 1e-9;
	if (m < f[0].macs * (1 - tol) || m > f[k - 1].macs * (1 + tol)) {
		snprintf(v->acc_note, sizeof v->acc_note,
			 "outside the published MACs range at %s (%.1fM to %.1fM)",
			 dtype_name(v->ops.quant), f[0].macs / 1e6, f[k - 1].macs / 1e6);
		return;
	}
	int i = 0;
	while (i + 1 < k && f[i + 1].macs < m)
		i++;
	const struct anchor *lo = &f[i], *hi = i + 1 < k ? &f[i + 1] : &f[i];
	/* on a published row's MACs: that row alone */
	if (fabs(m - hi->macs) <= tol * m)
		lo = hi;
	else if (fabs(m - lo->macs) <= tol * m)
		hi = lo;
	double top1;
	if (hi->macs <= lo->macs * (1 + tol) || m <= lo->macs)
		top1 = m >= hi->macs ? hi->top1 : lo->top1;
	else
		top1 = lo->top1 + (hi->top1 - lo->top1) * log(m / lo->macs) / log(hi->macs / lo->macs);
	v->has_top1 = 1;
	v->top1_estimated = 1;
	v->top1 = top1;
	v->has_top5 = 0;
	v->top5 = 0;
	v->table_macs = 0;
	snprintf(v->acc_source, sizeof v->acc_source, "%s", lo->source);
	if (lo == hi)
		snprintf(v->acc_ref, sizeof v->acc_ref, "estimated: %s", lo->ref);
	else
		snprintf(v->acc_ref, sizeof v->acc_ref, "estimated: %.70s..%.70s", lo->ref,
			 hi->ref);
}

int variants_estimate(const struct model *base, struct variant_set *vs, struct errbuf *eb)
{
	struct errbuf local;
	if (!eb)
		eb = &local;
	int todo = 0;
	for (int i = 0; i < vs->n; i++)
		todo |= !vs->v[i].has_top1;
	if (!todo)
		return 0;
	if (base->n_acc == 0) {
		for (int i = 0; i < vs->n; i++)
			if (!vs->v[i].has_top1)
				snprintf(vs->v[i].acc_note, sizeof vs->v[i].acc_note,
					 "the spec names no accuracy table");
		return 0;
	}
	struct acc_table t[MODEL_MAX_ACC];
	struct anchor *a = NULL, *f = NULL;
	int n = 0;
	int rc = tables_read(base, t, eb);
	if (rc < 0)
		return rc;
	rc = collect_anchors(base, t, base->n_acc, &a, &n);
	if (rc < 0) {
		err_set(eb, rc, "%s: out of memory", base->name);
		goto done;
	}
	qsort(a, (size_t)n, sizeof *a, cmp_anchor);
	f = malloc((size_t)(n ? n : 1) * sizeof *f);
	if (!f) {
		rc = err_set(eb, ERR_NOMEM, "%s: out of memory", base->name);
		goto done;
	}
	for (int i = 0; i < vs->n; i++) {
		struct variant *v = &vs->v[i];
		if (v->has_top1)
			continue;
		estimate_one(v, f, front_of(a, n, v->ops.quant, f));
	}
done:
	free(f);
	free(a);
	for (int s = 0; s < base->n_acc; s++)
		table_free(&t[s]);
	return rc;
}

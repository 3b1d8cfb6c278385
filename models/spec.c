/*
 * spec.c: reading and checking model specs (models/zoo/NAME.csv).
 *
 * A spec is read row by row through csvin; every problem is reported as "file:line: what"
 * and nothing is returned. Shapes are checked as written, and so are the channel rules of
 * the optional columns (an expansion's out_c is its rounded in_c * expand, an SE
 * excitation's out_c is its gated layer's channels, blocks never go back), the ladder (by
 * the operators' own parsers) and the accuracy sources' join and column rules. This file
 * does not transform specs (ops.c does), does not read accuracy tables (accuracy.c) and
 * does not say what a spec costs (layers.c).
 */
#include "spec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "accuracyint.h"
#include "csvin.h"
#include "layersint.h"
#include "num.h"
#include "opsint.h"
#include "paths.h"
#include "sha256.h"

/* The columns a spec must have, in the order of the documented header. */
enum {
	C_NAME,
	C_OP,
	C_IN_H,
	C_IN_W,
	C_IN_C,
	C_OUT_C,
	C_KERNEL,
	C_STRIDE,
	C_GROUPS,
	C_INPUT2,
	C_FIXED_WIDTH,
	C_N
};

static const char *const col_names[C_N] = {"name",   "op",     "in_h",   "in_w",
					   "in_c",   "out_c",  "kernel", "stride",
					   "groups", "input2", "fixed_width"};

/* Optional columns, in the order of the documented header. */
enum { O_INPUT, O_BLOCK, O_EXPAND, O_MATCH, O_N };
static const char *const opt_names[O_N] = {"input", "block", "expand", "match"};

#define BLOCK_MAX 100000

/* Index of the layer called name among the first n of m, or -1. */
static int find_layer(const struct model *m, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(m->layers[i].name, name) == 0)
			return i;
	return -1;
}

static int name_ok(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' || *s == '.'))
			return 0;
	return 1;
}

/* Where a model argument points: a path as given, or a zoo name under the data root. */
static int resolve(const char *name_or_path, char *path, size_t len, struct errbuf *eb)
{
	size_t n = strlen(name_or_path);
	int is_path = strchr(name_or_path, '/') != NULL ||
		      (n >= 4 && strcmp(name_or_path + n - 4, ".csv") == 0);
	if (is_path) {
		if (n >= len)
			return err_set(eb, ERR_RANGE, "%.64s...: path too long", name_or_path);
		memcpy(path, name_or_path, n + 1);
		return 0;
	}
	if (!name_ok(name_or_path) || n >= MODEL_NAME_LEN)
		return err_set(eb, ERR_USAGE,
			       "'%.80s' is neither a model name (letters, digits, '_', '-', '.') "
			       "nor a path to a .csv file",
			       name_or_path);
	char rel[MODEL_NAME_LEN + 32];
	snprintf(rel, sizeof rel, "models/zoo/%s.csv", name_or_path);
	if (paths_data(rel, path, len) < 0)
		return err_set(eb, ERR_RANGE, "%s: data path too long", name_or_path);
	if (!paths_is_file(path))
		return err_set(eb, ERR_NOTFOUND, "no model '%s' in the zoo (%s/models/zoo)",
			       name_or_path, paths_data_dir());
	return 0;
}

/* The model name: the file name without its folder and ".csv". */
static int name_from_path(const char *path, char *name, struct errbuf *eb)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t n = strlen(base);
	if (n >= 4 && strcmp(base + n - 4, ".csv") == 0)
		n -= 4;
	if (n == 0 || n >= MODEL_NAME_LEN)
		return err_set(eb, ERR_PARSE, "%s: the file name does not give a model name",
			       path);
	memcpy(name, base, n);
	name[n] = '\0';
	if (!name_ok(name))
		return err_set(eb, ERR_PARSE,
			       "%s: model name '%s' may hold only letters, digits, '_', '-', '.'",
			       path, name);
	return 0;
}

static int grow(struct model *m, int *cap)
{
	if (m->n_layers < *cap)
		return 0;
	int nc = *cap ? *cap * 2 : 32;
	struct layer *l = realloc(m->layers, (size_t)nc * sizeof *l);
	if (!l)
		return ERR_NOMEM;
	m->layers = l;
	*cap = nc;
	return 0;
}

/*
 * The block column: an integer, or empty for a layer after the last block (the head).
 * Numbered layers come first and their numbers never decrease, so that the layers up to
 * any block are a prefix of the spec (what exit keeps).
 */
static int read_block(struct csvin *c, int col, const struct model *m, struct layer *l,
		      struct errbuf *eb)
{
	l->block = -1;
	if (col < 0 || !*csvin_field(c, col))
		return 0;
	long b;
	int rc = csvin_long_in(c, col, 0, BLOCK_MAX, &b, eb);
	if (rc < 0)
		return rc;
	l->block = (int)b;
	if (m->n_layers > 0) {
		const struct layer *p = &m->layers[m->n_layers - 1];
		if (p->block < 0)
			return csvin_fail(c, eb, ERR_PARSE,
					  "block %ld after '%s', which has none (layers without a "
					  "block are the head, after the last block)",
					  b, p->name);
		if (p->block > b)
			return csvin_fail(c, eb, ERR_PARSE,
					  "block %ld after block %d of '%s' (blocks never decrease)",
					  b, p->block, p->name);
	}
	return 0;
}

/* "6", "2.5" or "184/80": a positive expansion factor. */
static int parse_factor(const char *s, double *out)
{
	char buf[64];
	if (strlen(s) >= sizeof buf)
		return -1;
	snprintf(buf, sizeof buf, "%s", s);
	char *slash = strchr(buf, '/');
	double a, b = 1;
	if (slash) {
		*slash = '\0';
		if (num_double(slash + 1, &b) < 0 || !(b > 0))
			return -1;
	}
	if (num_double(buf, &a) < 0 || !(a > 0) || !(a / b <= 1024))
		return -1;
	*out = a / b;
	return 0;
}

/* The expand and match columns (parsed here, checked against shapes after the row). */
static int read_channel_rule(struct csvin *c, const int *opt, const struct model *m,
			     struct layer *l, struct errbuf *eb)
{
	l->expand = 0;
	l->match = -1;
	const char *ex = opt[O_EXPAND] >= 0 ? csvin_field(c, opt[O_EXPAND]) : "";
	const char *ma = opt[O_MATCH] >= 0 ? csvin_field(c, opt[O_MATCH]) : "";
	if (!*ex && !*ma)
		return 0;
	const char *which = *ex ? "expand" : "match";
	if (l->k.op != KOP_CONV && l->k.op != KOP_FC)
		return csvin_fail(c, eb, ERR_PARSE, "%s is for conv and fc layers, not %s", which,
				  kop_name(l->k.op));
	if (*ex && *ma)
		return csvin_fail(c, eb, ERR_PARSE,
				  "expand and match both set (out_c follows one rule)");
	if (l->fixed_width)
		return csvin_fail(c, eb, ERR_PARSE,
				  "%s on a layer with fixed_width %d (out_c follows %s)", which,
				  l->fixed_width, *ex ? "its input" : "the matched layer");
	if (*ex && parse_factor(ex, &l->expand) < 0)
		return csvin_fail(c, eb, ERR_RANGE,
				  "expand '%.32s' is not a positive factor (6, 2.5 or 184/80)", ex);
	if (*ma) {
		l->match = find_layer(m, m->n_layers, ma);
		if (l->match < 0)
			return csvin_fail(c, eb, ERR_PARSE,
					  "unknown match '%.64s' (no earlier layer has that name)",
					  ma);
	}
	return 0;
}

/* After the shapes chain: out_c agrees with the row's channel rule. */
static int check_channel_rule(struct csvin *c, const struct model *m, int i,
			      struct errbuf *eb)
{
	const struct layer *l = &m->layers[i];
	if (l->expand > 0) {
		int want = model_round_value(m->width_rounding, l->k.in_c * l->expand);
		if (want != l->k.out_c)
			return csvin_fail(c, eb, ERR_RANGE,
					  "layer '%s': out_c %d is not in_c %d x expand %g rounded "
					  "by %s (%d)",
					  l->name, l->k.out_c, l->k.in_c, l->expand,
					  m->width_rounding ? m->width_rounding : "nearest", want);
	}
	if (l->match >= 0) {
		int h, w, ch;
		model_layer_out(&m->layers[l->match], &h, &w, &ch);
		if (ch != l->k.out_c)
			return csvin_fail(c, eb, ERR_RANGE,
					  "layer '%s': out_c %d differs from the %d channels of "
					  "'%s' it matches",
					  l->name, l->k.out_c, ch, m->layers[l->match].name);
	}
	return 0;
}

/* Reads one row into the next layer of m. */
static int read_layer(struct csvin *c, const int *col, const int *opt, struct model *m,
		      struct errbuf *eb)
{
	int i = m->n_layers;
	struct layer *l = &m->layers[i];
	memset(l, 0, sizeof *l);

	const char *name = csvin_field(c, col[C_NAME]);
	if (!*name)
		return csvin_fail(c, eb, ERR_PARSE, "empty layer name");
	if (strlen(name) >= LAYER_NAME_LEN)
		return csvin_fail(c, eb, ERR_PARSE, "layer name '%.32s...' is longer than %d",
				  name, LAYER_NAME_LEN - 1);
	if (find_layer(m, i, name) >= 0)
		return csvin_fail(c, eb, ERR_PARSE, "duplicate layer name '%s'", name);
	snprintf(l->name, sizeof l->name, "%s", name);

	const char *op = csvin_field(c, col[C_OP]);
	int o = kop_parse(op);
	if (o < 0)
		return csvin_fail(c, eb, ERR_PARSE,
				  "unknown op '%.32s' (conv, dwconv, fc, avgpool, maxpool, add)",
				  op);
	l->k.op = (enum kop)o;
	l->k.dtype = DT_FP32;

	int *dst[7] = {&l->k.in_h,   &l->k.in_w,   &l->k.in_c,  &l->k.out_c,
		       &l->k.kernel, &l->k.stride, &l->k.groups};
	for (int f = 0; f < 7; f++) {
		long v;
		int rc = csvin_long_in(c, col[C_IN_H + f], 1, 1 << 20, &v, eb);
		if (rc < 0)
			return rc;
		*dst[f] = (int)v;
	}

	const char *fw = csvin_field(c, col[C_FIXED_WIDTH]);
	if (*fw) {
		long v;
		int rc = csvin_long_in(c, col[C_FIXED_WIDTH], 0, 2, &v, eb);
		if (rc < 0)
			return rc;
		l->fixed_width = (int)v;
	}

	l->input = i - 1;
	const char *in = opt[O_INPUT] >= 0 ? csvin_field(c, opt[O_INPUT]) : "";
	if (*in) {
		if (i == 0)
			return csvin_fail(c, eb, ERR_PARSE,
					  "the first layer reads the model input, not '%.64s'", in);
		l->input = find_layer(m, i, in);
		if (l->input < 0)
			return csvin_fail(c, eb, ERR_PARSE,
					  "unknown input '%.64s' (no earlier layer has that name)",
					  in);
	}

	const char *in2 = csvin_field(c, col[C_INPUT2]);
	l->input2 = -1;
	if (l->k.op == KOP_ADD) {
		if (!*in2)
			return csvin_fail(c, eb, ERR_PARSE,
					  "add needs input2 (the layer giving its other input)");
		l->input2 = find_layer(m, i, in2);
		if (l->input2 < 0)
			return csvin_fail(c, eb, ERR_PARSE,
					  "unknown input2 '%.64s' (no earlier layer has that name)",
					  in2);
	} else if (*in2) {
		return csvin_fail(c, eb, ERR_PARSE, "input2 '%.64s' given for %s (only add has one)",
				  in2, kop_name(l->k.op));
	}

	int rc = read_block(c, opt[O_BLOCK], m, l, eb);
	if (rc < 0)
		return rc;
	rc = read_channel_rule(c, opt, m, l, eb);
	if (rc < 0)
		return rc;

	char why[256];
	if (kshape_check(&l->k, why, sizeof why) < 0)
		return csvin_fail(c, eb, ERR_RANGE, "layer '%s': %s", l->name, why);
	if (l->k.op == KOP_FC && l->k.stride != 1)
		return csvin_fail(c, eb, ERR_RANGE, "layer '%s': fc has stride 1", l->name);
	if (i == 0 && l->k.in_h != l->k.in_w)
		return csvin_fail(c, eb, ERR_RANGE,
				  "the model input must be square (in_h = in_w), not %dx%d",
				  l->k.in_h, l->k.in_w);
	m->n_layers++;
	if (i > 0 && model_layer_check(m, i, why, sizeof why) < 0) {
		m->n_layers--;
		return csvin_fail(c, eb, ERR_RANGE, "layer '%s': %s", l->name, why);
	}
	if ((rc = check_channel_rule(c, m, i, eb)) < 0) {
		m->n_layers--;
		return rc;
	}
	return 0;
}

/* "accuracy_table", "accuracy_table_2", ...: the key of source i (0-based). */
static void acc_key(char *buf, size_t len, const char *key, int i)
{
	if (i == 0)
		snprintf(buf, len, "%s", key);
	else
		snprintf(buf, len, "%s_%d", key, i + 1);
}

static int read_meta(struct csvin *c, struct model *m, struct errbuf *eb)
{
	int failed = 0;
	m->width_rounding = model_strdup(csvin_meta(c, "width_rounding"), &failed);
	m->ladder = model_strdup(csvin_meta(c, "ladder"), &failed);
	m->source = model_strdup(csvin_meta(c, "source"), &failed);
	m->shared_weights = model_strdup(csvin_meta(c, "shared_weights"), &failed);
	for (int i = 0; i < MODEL_MAX_ACC && !failed; i++) {
		char kt[32], kj[32], kc[32];
		acc_key(kt, sizeof kt, "accuracy_table", i);
		acc_key(kj, sizeof kj, "accuracy_join", i);
		acc_key(kc, sizeof kc, "accuracy_columns", i);
		const char *t = csvin_meta(c, kt), *j = csvin_meta(c, kj), *cols = csvin_meta(c, kc);
		if (!t && !j && !cols)
			break;
		if (!t != !j)
			return err_set(eb, ERR_PARSE, "%s: %s and %s go together (one is missing)",
				       m->path, kt, kj);
		if (!t)
			return err_set(eb, ERR_PARSE, "%s: %s without %s", m->path, kc, kt);
		m->acc_table[i] = model_strdup(t, &failed);
		m->acc_join[i] = model_strdup(j, &failed);
		m->acc_columns[i] = model_strdup(cols, &failed);
		m->n_acc = i + 1;
	}
	if (failed)
		return err_set(eb, ERR_NOMEM, "%s: out of memory", m->path);
	for (int i = m->n_acc; i < MODEL_MAX_ACC + 1; i++) {
		char kt[32];
		acc_key(kt, sizeof kt, "accuracy_table", i);
		if (csvin_meta(c, kt))
			return err_set(eb, ERR_PARSE, "%s: %s without the sources before it%s",
				       m->path, kt,
				       i >= MODEL_MAX_ACC ? " (or more than 4 sources)" : "");
	}
	m->accuracy_table = m->acc_table[0];
	m->accuracy_join = m->acc_join[0];
	for (const char *p = m->shared_weights; p && *p;) {
		size_t len = strcspn(p, " ,");
		if (len && !((len == 5 && !memcmp(p, "width", 5)) || (len == 3 && !memcmp(p, "res", 3)) ||
			     (len == 4 && !memcmp(p, "exit", 4))))
			return err_set(eb, ERR_PARSE,
				       "%s:%ld: shared_weights: '%.*s' does not cut shared weights "
				       "(width, res, exit)",
				       m->path, csvin_meta_line(c, "shared_weights"),
				       (int)(len < 64 ? len : 64), p);
		p += len;
		p += strspn(p, " ,");
	}
	if (m->width_rounding && model_round_channels(m->width_rounding, 8, 0.5) < 0)
		return err_set(eb, ERR_PARSE,
			       "%s: width_rounding '%.64s' is not a known rule (floor_min8, "
			       "make_divisible8)",
			       m->path, m->width_rounding);
	return 0;
}

/* Checks the metadata against the layers (the ladder's values need the model input). */
static int check_meta(const struct model *m, struct errbuf *eb)
{
	char why[512];
	if (m->ladder) {
		struct model_oplist *ol = malloc(sizeof *ol);
		if (!ol)
			return err_set(eb, ERR_NOMEM, "%s: out of memory", m->path);
		int rc = model_oplist_parse(m, m->ladder, ol, why, sizeof why);
		free(ol);
		if (rc < 0)
			return err_set(eb, rc, "%s: ladder: %s", m->path, why);
	}
	for (int i = 0; i < m->n_acc; i++) {
		char kt[32], kj[32], kc[32];
		acc_key(kt, sizeof kt, "accuracy_table", i);
		acc_key(kj, sizeof kj, "accuracy_join", i);
		acc_key(kc, sizeof kc, "accuracy_columns", i);
		if (!*m->acc_table[i] || strchr(m->acc_table[i], '/'))
			return err_set(eb, ERR_PARSE,
				       "%s: %s '%.64s' must be a file name in data/accuracy/",
				       m->path, kt, m->acc_table[i]);
		struct model_join j;
		int rc = model_join_parse(m->acc_join[i], &j, why, sizeof why);
		if (rc < 0)
			return err_set(eb, rc, "%s: %s: %s", m->path, kj, why);
		struct model_acc_cols cols;
		rc = model_columns_parse(m->acc_columns[i], &cols, why, sizeof why);
		if (rc < 0)
			return err_set(eb, rc, "%s: %s: %s", m->path, kc, why);
	}
	return 0;
}

int model_load(const char *name_or_path, struct model **out, struct errbuf *eb)
{
	struct errbuf local;
	if (!eb)
		eb = &local;
	struct model *m = NULL;
	struct csvin *c = NULL;
	int rc;

	m = calloc(1, sizeof *m);
	if (!m) {
		rc = err_set(eb, ERR_NOMEM, "out of memory");
		goto fail;
	}
	rc = resolve(name_or_path, m->path, sizeof m->path, eb);
	if (rc < 0)
		goto fail;
	rc = name_from_path(m->path, m->name, eb);
	if (rc < 0)
		goto fail;
	c = csvin_open(m->path, eb);
	if (!c) {
		rc = eb->code < 0 ? eb->code : ERR_IO;
		goto fail;
	}

	int col[C_N];
	for (int i = 0; i < C_N; i++) {
		col[i] = csvin_require_col(c, col_names[i], eb);
		if (col[i] < 0) {
			rc = col[i];
			goto fail;
		}
	}
	int opt[O_N];
	for (int i = 0; i < O_N; i++)
		opt[i] = csvin_col(c, opt_names[i]);
	for (int i = 0; i < csvin_n_cols(c); i++) {
		const char *cn = csvin_col_name(c, i);
		int known = 0;
		for (int k = 0; k < O_N && !known; k++)
			known = strcmp(cn, opt_names[k]) == 0;
		for (int k = 0; k < C_N && !known; k++)
			known = strcmp(cn, col_names[k]) == 0;
		if (!known) {
			rc = err_set(eb, ERR_PARSE, "%s:%ld:%d: unknown column '%.64s'", m->path,
				     csvin_line(c), i + 1, cn);
			goto fail;
		}
	}

	rc = read_meta(c, m, eb);
	if (rc < 0)
		goto fail;

	int cap = 0;
	for (;;) {
		rc = csvin_next(c, eb);
		if (rc < 0)
			goto fail;
		if (rc == 0)
			break;
		if (grow(m, &cap) < 0) {
			rc = err_set(eb, ERR_NOMEM, "%s: out of memory", m->path);
			goto fail;
		}
		rc = read_layer(c, col, opt, m, eb);
		if (rc < 0)
			goto fail;
	}
	if (m->n_layers == 0) {
		rc = err_set(eb, ERR_PARSE, "%s:%ld: no layers", m->path, csvin_line(c));
		goto fail;
	}
	rc = check_meta(m, eb);
	if (rc < 0)
		goto fail;
	rc = sha256_file(m->path, m->sha256);
	if (rc < 0) {
		rc = err_set(eb, rc, "%s: cannot hash the file: %s", m->path, strerror(errno));
		goto fail;
	}
	csvin_close(c);
	*out = m;
	return 0;
fail:
	csvin_close(c);
	model_destroy(m);
	return rc;
}

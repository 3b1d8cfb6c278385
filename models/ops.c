/*
 * ops.c: the compression operators (width, res, quant), their width rounding rules, and
 * model_apply, which rebuilds a spec's shapes from its input under a set of operators.
 *
 * Each operator is one entry of a table: how its value is parsed and written, when it is
 * the identity, and the hooks it adds to shape propagation. Propagation itself knows only
 * the structure of layers (a dwconv's channels follow its input, pools and add keep their
 * channels, a global pool covers its whole input). Not for enumerating variants or joining
 * accuracy (variants.c, accuracy.c).
 */
#include "model.h"

#include <stdlib.h>
#include <string.h>

#include "modelint.h"
#include "num.h"

/* ---- width rounding rules ---- */

/* TF-slim mobilenet_v1 depth(): max(int(d * multiplier), min_depth = 8). */
static int round_floor_min8(int c, double w)
{
	int v = (int)(c * w);
	return v < 8 ? 8 : v;
}

/*
 * TF-slim mobilenet (V2, V3) _make_divisible(d * multiplier, 8, min_value = 8): the nearest
 * multiple of 8, at least 8, and one step up when rounding lost more than 10%.
 */
static int round_make_divisible8(int c, double w)
{
	double v = c * w;
	int r = (int)(v + 4) / 8 * 8;
	if (r < 8)
		r = 8;
	if (r < 0.9 * v)
		r += 8;
	return r;
}

static const struct {
	const char *name;
	int (*round)(int c, double w);
} roundings[] = {
	{"floor_min8", round_floor_min8},
	{"make_divisible8", round_make_divisible8},
};

int model_round_channels(const char *rule, int channels, double width)
{
	for (size_t i = 0; i < sizeof roundings / sizeof roundings[0]; i++)
		if (rule && strcmp(rule, roundings[i].name) == 0)
			return width == 1 ? channels : roundings[i].round(channels, width);
	return -1;
}

/* ---- width ---- */

#define WIDTH_MAX 4.0

static int width_parse(const char *s, struct model_ops *ops, char *why, size_t len)
{
	double w;
	if (num_double(s, &w) < 0) {
		snprintf(why, len, "width '%.32s' is not a number", s);
		return ERR_PARSE;
	}
	if (!(w > 0 && w <= WIDTH_MAX)) {
		snprintf(why, len, "width %.32s is outside (0, %g]", s, WIDTH_MAX);
		return ERR_RANGE;
	}
	ops->width = w;
	return 0;
}

static void width_format(const struct model *base, const struct model_ops *ops, char *buf,
			 size_t len)
{
	(void)base;
	snprintf(buf, len, "%.15g", ops->width);
}

static int width_is_default(const struct model *base, const struct model_ops *ops)
{
	(void)base;
	return ops->width == 1;
}

static int width_layer(const struct model *base, const struct model_ops *ops, int i,
		       struct layer *l, char *why, size_t len)
{
	if (ops->width == 1 || l->fixed_width || (l->k.op != KOP_CONV && l->k.op != KOP_FC))
		return 0;
	if (!base->width_rounding) {
		snprintf(why, len, "the spec sets no width_rounding, so width cannot change it");
		return ERR_RANGE;
	}
	int c = model_round_channels(base->width_rounding, base->layers[i].k.out_c, ops->width);
	if (c < 0) {
		snprintf(why, len, "unknown width_rounding '%.64s'", base->width_rounding);
		return ERR_RANGE;
	}
	l->k.out_c = c;
	return 0;
}

/* ---- res ---- */

#define RES_MAX 16384

static int res_parse(const char *s, struct model_ops *ops, char *why, size_t len)
{
	long r;
	if (num_long(s, &r) < 0) {
		snprintf(why, len, "res '%.32s' is not an integer", s);
		return ERR_PARSE;
	}
	if (r < 1 || r > RES_MAX) {
		snprintf(why, len, "res %ld is outside [1, %d]", r, RES_MAX);
		return ERR_RANGE;
	}
	ops->res = (int)r;
	return 0;
}

static void res_format(const struct model *base, const struct model_ops *ops, char *buf,
		       size_t len)
{
	snprintf(buf, len, "%d", ops->res ? ops->res : base->layers[0].k.in_h);
}

static int res_is_default(const struct model *base, const struct model_ops *ops)
{
	return ops->res == 0 || ops->res == base->layers[0].k.in_h;
}

static int res_input(const struct model *base, const struct model_ops *ops, struct kshape *k,
		     char *why, size_t len)
{
	(void)base;
	(void)why;
	(void)len;
	if (ops->res)
		k->in_h = k->in_w = ops->res;
	return 0;
}

/* ---- quant ---- */

static int quant_parse(const char *s, struct model_ops *ops, char *why, size_t len)
{
	int d = dtype_parse(s);
	if (d < 0) {
		snprintf(why, len, "quant '%.32s' is not an element type (fp32, fp16, int8)", s);
		return ERR_PARSE;
	}
	ops->quant = (enum dtype)d;
	return 0;
}

static void quant_format(const struct model *base, const struct model_ops *ops, char *buf,
			 size_t len)
{
	(void)base;
	snprintf(buf, len, "%s", dtype_name(ops->quant));
}

static int quant_is_default(const struct model *base, const struct model_ops *ops)
{
	(void)base;
	return ops->quant == DT_FP32;
}

static int quant_layer(const struct model *base, const struct model_ops *ops, int i,
		       struct layer *l, char *why, size_t len)
{
	(void)base;
	(void)i;
	(void)why;
	(void)len;
	l->k.dtype = ops->quant;
	return 0;
}

/* ---- the table ---- */

static const struct model_op op_table[] = {
	{"width", "a channel multiplier in (0, 4]", width_parse, width_format, width_is_default,
	 NULL, width_layer},
	{"res", "an input resolution in pixels", res_parse, res_format, res_is_default,
	 res_input, NULL},
	{"quant", "an element type: fp32, fp16 or int8", quant_parse, quant_format,
	 quant_is_default, NULL, quant_layer},
};

#define N_OPS ((int)(sizeof op_table / sizeof op_table[0]))

_Static_assert(sizeof op_table / sizeof op_table[0] <= MODEL_MAX_OPS,
	       "raise MODEL_MAX_OPS in modelint.h");

int model_n_ops(void) { return N_OPS; }

const struct model_op *model_op_at(int i) { return i >= 0 && i < N_OPS ? &op_table[i] : NULL; }

int model_op_find(const char *name)
{
	for (int i = 0; i < N_OPS; i++)
		if (strcmp(op_table[i].name, name) == 0)
			return i;
	return -1;
}

void model_ops_default(struct model_ops *ops)
{
	memset(ops, 0, sizeof *ops);
	ops->width = 1;
	ops->res = 0;
	ops->quant = DT_FP32;
}

/* "width, res, quant" into buf, for messages. */
static void op_names(char *buf, size_t len)
{
	size_t at = 0;
	buf[0] = '\0';
	for (int i = 0; i < N_OPS && at < len; i++) {
		int n = snprintf(buf + at, len - at, "%s%s", i ? ", " : "", op_table[i].name);
		if (n < 0)
			break;
		at += (size_t)n;
	}
}

void model_variant_key(const struct model *base, const struct model_ops *ops, char *key,
		       size_t len)
{
	size_t at = 0;
	int n = snprintf(key, len, "%s:", base->name);
	if (n < 0 || (size_t)n >= len)
		return;
	at = (size_t)n;
	for (int i = 0; i < N_OPS; i++) {
		char v[MODEL_FIELD_LEN];
		op_table[i].format(base, ops, v, sizeof v);
		n = snprintf(key + at, len - at, "%s%s=%s", i ? "," : "", op_table[i].name, v);
		if (n < 0 || (size_t)n >= len - at)
			return;
		at += (size_t)n;
	}
}

int model_ops_parse_key(const struct model *base, const char *key, struct model_ops *ops,
			struct errbuf *eb)
{
	char buf[VARIANT_KEY_LEN * 2];
	if (strlen(key) >= sizeof buf)
		return err_set(eb, ERR_RANGE, "variant key '%.40s...' is too long", key);
	snprintf(buf, sizeof buf, "%s", key);
	char *p = buf;
	char *colon = strchr(buf, ':');
	if (colon) {
		*colon = '\0';
		if (strcmp(buf, base->name) != 0)
			return err_set(eb, ERR_PARSE, "variant key '%s' is for model '%s', not '%s'",
				       key, buf, base->name);
		p = colon + 1;
	}
	struct model_ops o;
	model_ops_default(&o);
	int seen[MODEL_MAX_OPS] = {0};
	while (*p) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		char *eq = strchr(p, '=');
		if (!eq)
			return err_set(eb, ERR_PARSE, "variant key '%s': '%s' is not op=value", key,
				       p);
		*eq = '\0';
		int k = model_op_find(p);
		if (k < 0) {
			char names[128];
			op_names(names, sizeof names);
			return err_set(eb, ERR_PARSE, "variant key '%s': unknown operator '%s' (%s)",
				       key, p, names);
		}
		if (seen[k]++)
			return err_set(eb, ERR_PARSE, "variant key '%s': '%s' given twice", key, p);
		char why[256];
		int rc = op_table[k].parse(eq + 1, &o, why, sizeof why);
		if (rc < 0)
			return err_set(eb, rc, "variant key '%s': %s", key, why);
		if (!comma)
			break;
		p = comma + 1;
	}
	*ops = o;
	return 0;
}

int model_oplist_parse(const struct model *base, const char *text, struct model_oplist *ol,
		       char *why, size_t why_len)
{
	memset(ol, 0, sizeof *ol);
	for (const char *q = text; *q; q++)
		if ((unsigned char)*q < 0x20 && *q != '\t') {
			snprintf(why, why_len, "an operator list is one line of text");
			return ERR_PARSE;
		}
	const char *p = text;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		size_t tlen = strcspn(p, " \t");
		char tok[MODEL_MAX_VALUES * MODEL_FIELD_LEN];
		if (tlen >= sizeof tok) {
			snprintf(why, why_len, "'%.32s...' is too long", p);
			return ERR_RANGE;
		}
		memcpy(tok, p, tlen);
		tok[tlen] = '\0';
		p += tlen;

		char *eq = strchr(tok, '=');
		if (!eq) {
			snprintf(why, why_len, "'%.64s' is not op=value,value,...", tok);
			return ERR_PARSE;
		}
		*eq = '\0';
		int k = model_op_find(tok);
		if (k < 0) {
			char names[128];
			op_names(names, sizeof names);
			snprintf(why, why_len, "unknown operator '%.32s' (%s)", tok, names);
			return ERR_PARSE;
		}
		for (int j = 0; j < ol->n; j++)
			if (ol->op[j] == k) {
				snprintf(why, why_len, "operator '%s' listed twice", tok);
				return ERR_PARSE;
			}
		int slot = ol->n;
		ol->op[slot] = k;

		char *v = eq + 1;
		for (;;) {
			char *comma = strchr(v, ',');
			if (comma)
				*comma = '\0';
			if (!*v) {
				snprintf(why, why_len, "%s: empty value", tok);
				return ERR_PARSE;
			}
			if (ol->n_values[slot] == MODEL_MAX_VALUES) {
				snprintf(why, why_len, "%s: more than %d values", tok,
					 MODEL_MAX_VALUES);
				return ERR_RANGE;
			}
			if (strlen(v) >= MODEL_FIELD_LEN) {
				snprintf(why, why_len, "%s: value '%.16s...' is too long", tok, v);
				return ERR_RANGE;
			}
			struct model_ops o;
			model_ops_default(&o);
			char reason[200];
			int rc = op_table[k].parse(v, &o, reason, sizeof reason);
			if (rc < 0) {
				snprintf(why, why_len, "%s", reason);
				return rc;
			}
			/* values that mean the same (1 and 1.0) would make the same variant */
			char canon[MODEL_FIELD_LEN];
			op_table[k].format(base, &o, canon, sizeof canon);
			for (int j = 0; j < ol->n_values[slot]; j++) {
				struct model_ops q;
				model_ops_default(&q);
				char other[MODEL_FIELD_LEN];
				op_table[k].parse(ol->value[slot][j], &q, reason, sizeof reason);
				op_table[k].format(base, &q, other, sizeof other);
				if (strcmp(canon, other) == 0) {
					snprintf(why, why_len, "%s: value %s listed twice", tok,
						 canon);
					return ERR_PARSE;
				}
			}
			snprintf(ol->value[slot][ol->n_values[slot]++], MODEL_FIELD_LEN, "%s", v);
			if (!comma)
				break;
			v = comma + 1;
		}
		ol->n++;
	}
	return 0;
}

/* ---- propagation ---- */

int model_apply(const struct model *base, const struct model_ops *ops, struct model **out,
		struct errbuf *eb)
{
	struct model *m = NULL;
	char key[VARIANT_KEY_LEN], why[256];
	int rc = 0, failed = 0;
	model_variant_key(base, ops, key, sizeof key);

	m = calloc(1, sizeof *m);
	if (!m)
		goto nomem;
	memcpy(m->name, base->name, sizeof m->name);
	memcpy(m->sha256, base->sha256, sizeof m->sha256);
	m->width_rounding = model_strdup(base->width_rounding, &failed);
	m->ladder = model_strdup(base->ladder, &failed);
	m->accuracy_table = model_strdup(base->accuracy_table, &failed);
	m->accuracy_join = model_strdup(base->accuracy_join, &failed);
	m->source = model_strdup(base->source, &failed);
	m->layers = malloc((size_t)base->n_layers * sizeof *m->layers);
	if (failed || !m->layers)
		goto nomem;
	memcpy(m->layers, base->layers, (size_t)base->n_layers * sizeof *m->layers);
	m->n_layers = base->n_layers;

	struct kshape in = base->layers[0].k;
	for (int k = 0; k < N_OPS; k++)
		if (op_table[k].input && (rc = op_table[k].input(base, ops, &in, why, sizeof why)) < 0) {
			rc = err_set(eb, rc, "%s: %s", key, why);
			goto fail;
		}

	for (int i = 0; i < m->n_layers; i++) {
		const struct layer *b = &base->layers[i];
		struct layer *l = &m->layers[i];
		if (l->input < 0) {
			l->k.in_h = in.in_h;
			l->k.in_w = in.in_w;
			l->k.in_c = in.in_c;
		} else {
			model_layer_out(&m->layers[l->input], &l->k.in_h, &l->k.in_w, &l->k.in_c);
		}
		switch (l->k.op) {
		case KOP_DWCONV:
			l->k.out_c = l->k.in_c * (b->k.out_c / b->k.in_c);
			l->k.groups = l->k.in_c;
			break;
		case KOP_AVGPOOL:
		case KOP_MAXPOOL:
		case KOP_ADD:
			l->k.out_c = l->k.in_c;
			if (model_layer_is_global(b) && l->k.in_h == l->k.in_w)
				l->k.kernel = l->k.stride = l->k.in_h;
			break;
		default:
			break;
		}
		for (int k = 0; k < N_OPS; k++) {
			if (!op_table[k].layer)
				continue;
			rc = op_table[k].layer(base, ops, i, l, why, sizeof why);
			if (rc < 0) {
				rc = err_set(eb, rc, "%s: layer '%s': %s", key, l->name, why);
				goto fail;
			}
		}
		if (kshape_check(&l->k, why, sizeof why) < 0 ||
		    model_layer_check(m, i, why, sizeof why) < 0) {
			rc = err_set(eb, ERR_RANGE, "%s: layer '%s': %s", key, l->name, why);
			goto fail;
		}
	}
	*out = m;
	return 0;
nomem:
	rc = err_set(eb, ERR_NOMEM, "%s: out of memory", key);
fail:
	model_destroy(m);
	return rc;
}

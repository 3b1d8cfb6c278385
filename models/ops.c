/*
 * ops.c: the compression operators (width, res, quant, prune, lowrank, exit), their width
 * rounding rules, and model_apply, which rebuilds a spec under a set of operators.
 *
 * Each operator is one entry of a table: how its value is parsed and written, when it is
 * the identity, and the hooks it adds to the rebuild: exit cuts the spec's structure before
 * shapes are propagated, width, prune and quant adjust each layer while they are, lowrank
 * factorises layers after. Propagation itself knows only the structure of layers (a
 * dwconv's channels follow its input, pools and add keep their channels, a global pool
 * covers its whole input, an expansion follows its input, an SE excitation the layer it
 * gates). Not for enumerating variants or joining accuracy (variants.c, accuracy.c).
 */
#include "ops.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layersint.h"
#include "num.h"
#include "opsint.h"

/* ---- width rounding rules ---- */

/* TF-slim mobilenet_v1 depth(): max(int(d * multiplier), min_depth = 8). */
static int round_floor_min8(double v)
{
	int r = (int)v;
	return r < 8 ? 8 : r;
}

/*
 * TF-slim mobilenet (V2, V3) _make_divisible(v, 8, min_value = 8), EfficientNet's
 * round_filters with depth_divisor 8: the nearest multiple of 8, at least 8, and one step
 * up when rounding lost more than 10%.
 */
static int round_make_divisible8(double v)
{
	int r = (int)(v + 4) / 8 * 8;
	if (r < 8)
		r = 8;
	if (r < 0.9 * v)
		r += 8;
	return r;
}

static const struct {
	const char *name;
	int (*round)(double v);
} roundings[] = {
	{"floor_min8", round_floor_min8},
	{"make_divisible8", round_make_divisible8},
};

static int (*find_rounding(const char *rule))(double)
{
	for (size_t i = 0; i < sizeof roundings / sizeof roundings[0]; i++)
		if (rule && strcmp(rule, roundings[i].name) == 0)
			return roundings[i].round;
	return NULL;
}

int model_round_channels(const char *rule, int channels, double width)
{
	int (*round)(double) = find_rounding(rule);
	if (!round)
		return -1;
	return width == 1 ? channels : round(channels * width);
}

int model_round_value(const char *rule, double v)
{
	if (!rule) {
		long r = lround(v);
		return r < 1 ? 1 : r > 1 << 20 ? 1 << 20 : (int)r;
	}
	int (*round)(double) = find_rounding(rule);
	return round ? round(v) : -1;
}

/* A number from an operator value, with the operator named in the reason. */
static int parse_num(const char *op, const char *s, double lo, double hi, int lo_open,
		     int hi_open, double *out, char *why, size_t len)
{
	double v;
	if (num_double(s, &v) < 0) {
		snprintf(why, len, "%s '%.32s' is not a number", op, s);
		return ERR_PARSE;
	}
	if ((lo_open ? !(v > lo) : !(v >= lo)) || (hi_open ? !(v < hi) : !(v <= hi))) {
		snprintf(why, len, "%s %.32s is outside %c%g, %g%c", op, s, lo_open ? '(' : '[',
			 lo, hi, hi_open ? ')' : ']');
		return ERR_RANGE;
	}
	*out = v;
	return 0;
}

/* ---- width ---- */

#define WIDTH_MAX 4.0

static int width_parse(const char *s, struct model_ops *ops, char *why, size_t len)
{
	return parse_num("width", s, 0, WIDTH_MAX, 1, 0, &ops->width, why, len);
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

/*
 * conv and fc take width from the spec's out_c, except the classifier and other fixed
 * layers (fixed_width 1), layers that may only grow (fixed_width 2, width < 1), and layers
 * whose out_c follows a rule (expand, match), which propagation has already set.
 */
static int width_layer(const struct model_build *b, int i, struct layer *l, char *why,
		       size_t len)
{
	const struct model_ops *ops = b->ops;
	if (ops->width == 1 || (l->k.op != KOP_CONV && l->k.op != KOP_FC) ||
	    l->fixed_width == 1 || (l->fixed_width == 2 && ops->width < 1) || l->expand > 0 ||
	    l->match >= 0)
		return 0;
	if (!b->base->width_rounding) {
		snprintf(why, len, "the spec sets no width_rounding, so width cannot change it");
		return ERR_RANGE;
	}
	int c = model_round_channels(b->base->width_rounding, b->tmpl[i].k.out_c, ops->width);
	if (c < 0) {
		snprintf(why, len, "unknown width_rounding '%.64s'", b->base->width_rounding);
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

static int res_input(const struct model_build *b, struct kshape *k, char *why, size_t len)
{
	(void)why;
	(void)len;
	if (b->ops->res)
		k->in_h = k->in_w = b->ops->res;
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

static int quant_layer(const struct model_build *b, int i, struct layer *l, char *why,
		       size_t len)
{
	(void)i;
	(void)why;
	(void)len;
	l->k.dtype = b->ops->quant;
	return 0;
}

/* ---- prune ---- */

static int prune_parse(const char *s, struct model_ops *ops, char *why, size_t len)
{
	return parse_num("prune", s, 0, 1, 0, 1, &ops->prune, why, len);
}

static void prune_format(const struct model *base, const struct model_ops *ops, char *buf,
			 size_t len)
{
	(void)base;
	snprintf(buf, len, "%.15g", ops->prune);
}

static int prune_is_default(const struct model *base, const struct model_ops *ops)
{
	(void)base;
	return ops->prune == 0;
}

/*
 * A prunable layer (conv or fc, not grouped, not fixed_width 1, not an SE excitation, not
 * feeding an add) keeps c - floor(prune * c) of the c channels it has without prune (width
 * and expansion applied to unpruned inputs), so pruning never compounds down a chain.
 * Everything else follows its input as propagation sets it.
 */
static int prune_layer(const struct model_build *b, int i, struct layer *l, char *why,
		       size_t len)
{
	(void)why;
	(void)len;
	if (b->ops->prune == 0 || !b->full_c || (l->k.op != KOP_CONV && l->k.op != KOP_FC) ||
	    l->k.groups != 1 || l->fixed_width == 1 || l->match >= 0 || b->tied[i])
		return 0;
	int c = b->full_c[i];
	l->k.out_c = c - (int)floor(b->ops->prune * c);
	return 0;
}

/* ---- lowrank ---- */

static int lowrank_parse(const char *s, struct model_ops *ops, char *why, size_t len)
{
	return parse_num("lowrank", s, 0, 1, 1, 0, &ops->lowrank, why, len);
}

static void lowrank_format(const struct model *base, const struct model_ops *ops, char *buf,
			   size_t len)
{
	(void)base;
	snprintf(buf, len, "%.15g", ops->lowrank);
}

static int lowrank_is_default(const struct model *base, const struct model_ops *ops)
{
	(void)base;
	return ops->lowrank == 1;
}

/*
 * The rank a conv (groups 1) or fc layer is factorised to, or 0 when it is left alone: the
 * weight matrix is out_c x (in_c k k), of full rank R = min(out_c, in_c k k); the kept rank
 * is r = ceil(f R), and the layer is split only when that costs fewer weights and MACs,
 * r (in_c k k + out_c) < in_c k k out_c.
 */
static int lowrank_rank(const struct layer *l, double f)
{
	if ((l->k.op != KOP_CONV && l->k.op != KOP_FC) || l->k.groups != 1 || f >= 1)
		return 0;
	double kk = (double)l->k.in_c * l->k.kernel * l->k.kernel, out = l->k.out_c;
	double full = out < kk ? out : kk;
	double r = ceil(f * full - 1e-9);
	if (r < 1)
		r = 1;
	return r * (kk + out) < kk * out ? (int)r : 0;
}

#define LOWRANK_SUFFIX "_lr"

/*
 * Each factorised layer X becomes X_lr (X's op, kernel and stride, in_c -> r, reading X's
 * input) then X (a 1x1 conv, or an fc, r -> out_c), so X's output and name stay.
 */
static int lowrank_rewrite(const struct model_build *b, struct layer **layers, int *n,
			   char *why, size_t len)
{
	struct layer *old = *layers;
	int n_old = *n, n_split = 0;
	for (int i = 0; i < n_old; i++)
		if (lowrank_rank(&old[i], b->ops->lowrank) > 0)
			n_split++;
	if (n_split == 0)
		return 0;
	struct layer *nl = malloc((size_t)(n_old + n_split) * sizeof *nl);
	int *map = malloc((size_t)n_old * sizeof *map);
	if (!nl || !map) {
		free(nl);
		free(map);
		snprintf(why, len, "out of memory");
		return ERR_NOMEM;
	}
#define REMAP(x) ((x) >= 0 ? map[x] : (x))
	int j = 0;
	for (int i = 0; i < n_old; i++) {
		const struct layer *l = &old[i];
		int r = lowrank_rank(l, b->ops->lowrank);
		if (r > 0) {
			struct layer a = *l;
			if (snprintf(a.name, sizeof a.name, "%s%s", l->name, LOWRANK_SUFFIX) >=
			    (int)sizeof a.name) {
				snprintf(why, len, "layer '%s': its name is too long for '%s%s'",
					 l->name, l->name, LOWRANK_SUFFIX);
				goto fail;
			}
			for (int k = 0; k < n_old; k++)
				if (strcmp(old[k].name, a.name) == 0) {
					snprintf(why, len,
						 "layer '%s': the spec already has a layer '%s'",
						 l->name, a.name);
					goto fail;
				}
			a.k.out_c = r;
			a.input = REMAP(l->input);
			a.input2 = -1;
			a.fixed_width = 0;
			a.expand = 0;
			a.match = -1;
			struct layer c = *l;
			c.k.in_h = l->k.op == KOP_FC ? 1 : kshape_out_h(&l->k);
			c.k.in_w = l->k.op == KOP_FC ? 1 : kshape_out_w(&l->k);
			c.k.in_c = r;
			c.k.kernel = c.k.stride = c.k.groups = 1;
			c.input = j;
			c.input2 = -1;
			c.expand = 0;
			c.match = -1;
			nl[j++] = a;
			nl[j++] = c;
		} else {
			nl[j] = *l;
			nl[j].input = REMAP(l->input);
			nl[j].input2 = REMAP(l->input2);
			nl[j].match = REMAP(l->match);
			j++;
		}
		map[i] = j - 1;
	}
#undef REMAP
	free(map);
	free(old);
	*layers = nl;
	*n = j;
	return 0;
fail:
	free(nl);
	free(map);
	return ERR_RANGE;
}

/* ---- exit ---- */

#define EXIT_MAX 100000
#define EXIT_POOL "exit_pool"
#define EXIT_FC "exit_fc"

static int exit_parse(const char *s, struct model_ops *ops, char *why, size_t len)
{
	long e;
	if (strcmp(s, "none") == 0) {
		ops->exit = 0;
		return 0;
	}
	if (num_long(s, &e) < 0) {
		snprintf(why, len, "exit '%.32s' is not a block number or none", s);
		return ERR_PARSE;
	}
	if (e < 1 || e > EXIT_MAX) {
		snprintf(why, len, "exit %ld is outside [1, %d] (or none)", e, EXIT_MAX);
		return ERR_RANGE;
	}
	ops->exit = (int)e;
	return 0;
}

static void exit_format(const struct model *base, const struct model_ops *ops, char *buf,
			size_t len)
{
	(void)base;
	if (ops->exit)
		snprintf(buf, len, "%d", ops->exit);
	else
		snprintf(buf, len, "none");
}

static int exit_is_default(const struct model *base, const struct model_ops *ops)
{
	(void)base;
	return ops->exit == 0;
}

static int exit_check(const struct model *base, const struct model_ops *ops, char *why,
		      size_t len)
{
	if (ops->exit == 0)
		return 0;
	int last = model_last_block(base);
	if (last < 1) {
		snprintf(why, len, "exit %d: the spec has no blocks (no block column)", ops->exit);
		return ERR_RANGE;
	}
	for (int i = 0; i < base->n_layers; i++)
		if (base->layers[i].block == ops->exit)
			return 0;
	snprintf(why, len, "exit %d: the spec has no block %d (its blocks go up to %d)", ops->exit,
		 ops->exit, last);
	return ERR_RANGE;
}

/*
 * Keeps the layers up to the last one of block `exit` (a prefix: blocks never decrease and
 * the layers without a block come last), then a global average pool over its output and an
 * fc to the classes (the output channels of the spec's last layer).
 */
static int exit_structure(struct model_build *b, char *why, size_t len)
{
	int e = b->ops->exit;
	if (e == 0)
		return 0;
	int rc = exit_check(b->base, b->ops, why, len);
	if (rc < 0)
		return rc;
	int keep = 0;
	while (keep < b->n && b->tmpl[keep].block >= 0 && b->tmpl[keep].block <= e)
		keep++;
	int h, w, c, h2, w2, classes;
	model_layer_out(&b->tmpl[keep - 1], &h, &w, &c);
	model_layer_out(&b->tmpl[b->n - 1], &h2, &w2, &classes);
	for (int i = 0; i < keep; i++)
		if (strcmp(b->tmpl[i].name, EXIT_POOL) == 0 || strcmp(b->tmpl[i].name, EXIT_FC) == 0) {
			snprintf(why, len, "exit %d: the spec already has a layer '%s'", e,
				 b->tmpl[i].name);
			return ERR_RANGE;
		}
	if (h != w) {
		snprintf(why, len, "exit %d: block %d's output is %dx%d, not square", e, e, h, w);
		return ERR_RANGE;
	}
	if (keep + 2 > b->cap) {
		struct layer *t = realloc(b->tmpl, (size_t)(keep + 2) * sizeof *t);
		if (!t) {
			snprintf(why, len, "out of memory");
			return ERR_NOMEM;
		}
		b->tmpl = t;
		b->cap = keep + 2;
	}
	struct layer *pool = &b->tmpl[keep], *fc = &b->tmpl[keep + 1];
	memset(pool, 0, 2 * sizeof *pool);
	snprintf(pool->name, sizeof pool->name, "%s", EXIT_POOL);
	pool->k = (struct kshape){KOP_AVGPOOL, h, w, c, c, h, h, 1, DT_FP32};
	pool->input = keep - 1;
	snprintf(fc->name, sizeof fc->name, "%s", EXIT_FC);
	fc->k = (struct kshape){KOP_FC, 1, 1, c, classes, 1, 1, 1, DT_FP32};
	fc->input = keep;
	fc->fixed_width = 1;
	for (struct layer *l = pool; l <= fc; l++) {
		l->input2 = -1;
		l->block = -1;
		l->match = -1;
	}
	b->n = keep + 2;
	return 0;
}

/* ---- the table ---- */

static const struct model_op op_table[] = {
	{"width", "a channel multiplier in (0, 4]", 1, width_parse, width_format,
	 width_is_default, NULL, NULL, NULL, width_layer, NULL},
	{"res", "an input resolution in pixels", 1, res_parse, res_format, res_is_default, NULL,
	 NULL, res_input, NULL, NULL},
	{"quant", "an element type: fp32, fp16 or int8", 1, quant_parse, quant_format,
	 quant_is_default, NULL, NULL, NULL, quant_layer, NULL},
	{"prune", "a fraction of channels to remove, in [0, 1)", 0, prune_parse, prune_format,
	 prune_is_default, NULL, NULL, NULL, prune_layer, NULL},
	{"lowrank", "the rank kept, a fraction of full rank in (0, 1]", 0, lowrank_parse,
	 lowrank_format, lowrank_is_default, NULL, NULL, NULL, NULL, lowrank_rewrite},
	{"exit", "a block number to exit after, or none", 0, exit_parse, exit_format,
	 exit_is_default, exit_check, exit_structure, NULL, NULL, NULL},
};

#define N_OPS ((int)(sizeof op_table / sizeof op_table[0]))

_Static_assert(sizeof op_table / sizeof op_table[0] <= MODEL_MAX_OPS,
	       "raise MODEL_MAX_OPS in opsint.h");

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
	ops->prune = 0;
	ops->lowrank = 1;
	ops->exit = 0;
}

/* "width, res, quant, ..." into buf, for messages. */
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
		if (!op_table[i].in_key_always && op_table[i].is_default(base, ops))
			continue;
		op_table[i].format(base, ops, v, sizeof v);
		n = snprintf(key + at, len - at, "%s%s=%s", at > strlen(base->name) + 1 ? "," : "",
			     op_table[i].name, v);
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
			if (rc == 0 && op_table[k].check)
				rc = op_table[k].check(base, &o, reason, sizeof reason);
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

/* ---- rebuilding a spec ---- */

/* Marks the conv or fc layer whose channels the output of layer x carries (if any). */
static void tie(const struct layer *t, int x, unsigned char *tied)
{
	while (x >= 0) {
		const struct layer *l = &t[x];
		if (l->k.op == KOP_CONV || l->k.op == KOP_FC) {
			tied[x] = 1;
			return;
		}
		if (l->k.op == KOP_ADD && l->input2 != l->input)
			tie(t, l->input2, tied);
		x = l->input;
	}
}

/*
 * Layers whose output meets another tensor in an add. An add reading one tensor twice
 * (an SE block's channel-wise scale, see docs/models.md) ties nothing.
 */
static void find_tied(struct model_build *b)
{
	memset(b->tied, 0, (size_t)b->n);
	for (int i = 0; i < b->n; i++) {
		const struct layer *l = &b->tmpl[i];
		if (l->k.op != KOP_ADD || l->input2 == l->input)
			continue;
		tie(b->tmpl, l->input, b->tied);
		tie(b->tmpl, l->input2, b->tied);
	}
}

/* Builds every layer's shapes from b->tmpl into out (b->n layers). */
static int propagate(const struct model_build *b, struct layer *out, const char *key,
		     struct errbuf *eb)
{
	char why[256];
	int rc;
	struct kshape in = b->tmpl[0].k;
	for (int k = 0; k < N_OPS; k++)
		if (op_table[k].input && (rc = op_table[k].input(b, &in, why, sizeof why)) < 0)
			return err_set(eb, rc, "%s: %s", key, why);

	struct model view;
	memset(&view, 0, sizeof view);
	view.layers = out;
	for (int i = 0; i < b->n; i++) {
		const struct layer *t = &b->tmpl[i];
		struct layer *l = &out[i];
		*l = *t;
		if (l->input < 0) {
			l->k.in_h = in.in_h;
			l->k.in_w = in.in_w;
			l->k.in_c = in.in_c;
		} else {
			model_layer_out(&out[l->input], &l->k.in_h, &l->k.in_w, &l->k.in_c);
		}
		switch (l->k.op) {
		case KOP_DWCONV:
			l->k.out_c = l->k.in_c * (t->k.out_c / t->k.in_c);
			l->k.groups = l->k.in_c;
			break;
		case KOP_AVGPOOL:
		case KOP_MAXPOOL:
		case KOP_ADD:
			l->k.out_c = l->k.in_c;
			if (model_layer_is_global(t) && l->k.in_h == l->k.in_w)
				l->k.kernel = l->k.stride = l->k.in_h;
			break;
		default:
			if (l->expand > 0) {
				l->k.out_c = model_round_value(b->base->width_rounding,
							       l->k.in_c * l->expand);
			} else if (l->match >= 0) {
				int h, w;
				model_layer_out(&out[l->match], &h, &w, &l->k.out_c);
			}
			break;
		}
		for (int k = 0; k < N_OPS; k++) {
			if (!op_table[k].layer)
				continue;
			rc = op_table[k].layer(b, i, l, why, sizeof why);
			if (rc < 0)
				return err_set(eb, rc, "%s: layer '%s': %s", key, l->name, why);
		}
		view.n_layers = i + 1;
		if (kshape_check(&l->k, why, sizeof why) < 0 ||
		    model_layer_check(&view, i, why, sizeof why) < 0)
			return err_set(eb, ERR_RANGE, "%s: layer '%s': %s", key, l->name, why);
	}
	return 0;
}

int model_apply(const struct model *base, const struct model_ops *ops, struct model **out,
		struct errbuf *eb)
{
	struct model *m = NULL;
	struct model_build b;
	int *full_c = NULL;
	char key[VARIANT_KEY_LEN], why[256];
	int rc = 0;
	model_variant_key(base, ops, key, sizeof key);
	memset(&b, 0, sizeof b);
	b.base = base;
	b.ops = ops;

	m = calloc(1, sizeof *m);
	b.cap = b.n = base->n_layers;
	b.tmpl = malloc((size_t)b.cap * sizeof *b.tmpl);
	if (!m || !b.tmpl || model_copy_meta(m, base) < 0)
		goto nomem;
	memcpy(b.tmpl, base->layers, (size_t)b.n * sizeof *b.tmpl);

	for (int k = 0; k < N_OPS; k++)
		if (op_table[k].structure && (rc = op_table[k].structure(&b, why, sizeof why)) < 0) {
			rc = err_set(eb, rc, "%s: %s", key, why);
			goto fail;
		}
	b.tied = malloc((size_t)b.n);
	m->layers = malloc((size_t)b.n * sizeof *m->layers);
	if (!b.tied || !m->layers)
		goto nomem;
	find_tied(&b);
	m->n_layers = b.n;

	/* prune needs every layer's channels without it: one pass without, then the real one */
	if (!prune_is_default(base, ops)) {
		if ((rc = propagate(&b, m->layers, key, eb)) < 0)
			goto fail;
		full_c = malloc((size_t)b.n * sizeof *full_c);
		if (!full_c)
			goto nomem;
		for (int i = 0; i < b.n; i++)
			full_c[i] = m->layers[i].k.out_c;
		b.full_c = full_c;
	}
	if ((rc = propagate(&b, m->layers, key, eb)) < 0)
		goto fail;

	for (int k = 0; k < N_OPS; k++) {
		if (!op_table[k].rewrite)
			continue;
		rc = op_table[k].rewrite(&b, &m->layers, &m->n_layers, why, sizeof why);
		if (rc < 0) {
			rc = err_set(eb, rc, "%s: %s", key, why);
			goto fail;
		}
	}
	for (int i = 0; i < m->n_layers; i++)
		if (kshape_check(&m->layers[i].k, why, sizeof why) < 0 ||
		    model_layer_check(m, i, why, sizeof why) < 0) {
			rc = err_set(eb, ERR_RANGE, "%s: layer '%s': %s", key, m->layers[i].name,
				     why);
			goto fail;
		}
	free(full_c);
	free(b.tied);
	free(b.tmpl);
	*out = m;
	return 0;
nomem:
	rc = err_set(eb, ERR_NOMEM, "%s: out of memory", key);
fail:
	free(full_c);
	free(b.tied);
	free(b.tmpl);
	model_destroy(m);
	return rc;
}

/*
 * test_models.c: the model zoo, operators, variants, accuracy join, estimator and kernel
 * lists (models/), checked against the papers' architecture tables, against every published
 * table with MACs in data/accuracy/ (byte copies of ../shared/data/accuracy/), and against
 * small specs written into a temporary folder. Run from the repository root.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <criterion/redirect.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csvin.h"
#include "model.h"
#include "cmd.h"
#include "listing.h"
#include "paths.h"

#define TABLE "data/accuracy/mobilenet_v1_imagenet.csv"

/* One row of the published table, read here independently of models/accuracy.c. */
struct row {
	long line;
	double width, million_macs, million_params, top1, top5;
	int res, quantized;
};

static int read_table(struct row *rows, int max)
{
	char path[4096];
	struct errbuf eb = {0, ""};
	cr_assert_eq(paths_data(TABLE, path, sizeof path), 0);
	struct csvin *c = csvin_open(path, &eb);
	cr_assert_not_null(c, "%s", eb.msg);
	int cw = csvin_require_col(c, "width_multiplier", &eb);
	int cr = csvin_require_col(c, "resolution", &eb);
	int cq = csvin_require_col(c, "quantized", &eb);
	int cm = csvin_require_col(c, "million_macs", &eb);
	int cp = csvin_require_col(c, "million_params", &eb);
	int c1 = csvin_require_col(c, "top1", &eb);
	int c5 = csvin_require_col(c, "top5", &eb);
	cr_assert(cw >= 0 && cr >= 0 && cq >= 0 && cm >= 0 && cp >= 0 && c1 >= 0 && c5 >= 0,
		  "%s", eb.msg);
	int n = 0, rc;
	while ((rc = csvin_next(c, &eb)) == 1) {
		cr_assert_lt(n, max);
		struct row *r = &rows[n++];
		long res, q;
		r->line = csvin_line(c);
		cr_assert_eq(csvin_double(c, cw, &r->width, &eb), 0, "%s", eb.msg);
		cr_assert_eq(csvin_long(c, cr, &res, &eb), 0, "%s", eb.msg);
		cr_assert_eq(csvin_long(c, cq, &q, &eb), 0, "%s", eb.msg);
		cr_assert_eq(csvin_double(c, cm, &r->million_macs, &eb), 0, "%s", eb.msg);
		cr_assert_eq(csvin_double(c, cp, &r->million_params, &eb), 0, "%s", eb.msg);
		cr_assert_eq(csvin_double(c, c1, &r->top1, &eb), 0, "%s", eb.msg);
		cr_assert_eq(csvin_double(c, c5, &r->top5, &eb), 0, "%s", eb.msg);
		r->res = (int)res;
		r->quantized = (int)q;
	}
	cr_assert_eq(rc, 0, "%s", eb.msg);
	csvin_close(c);
	return n;
}

static struct model *load_zoo(const char *name)
{
	struct errbuf eb = {0, ""};
	struct model *m = NULL;
	int rc = model_load(name, &m, &eb);
	cr_assert_eq(rc, 0, "model_load(%s): %s", name, eb.msg);
	return m;
}

static struct model *apply(const struct model *base, double width, int res, enum dtype q)
{
	struct errbuf eb = {0, ""};
	struct model_ops ops;
	model_ops_default(&ops);
	ops.width = width;
	ops.res = res;
	ops.quant = q;
	struct model *m = NULL;
	int rc = model_apply(base, &ops, &m, &eb);
	cr_assert_eq(rc, 0, "model_apply: %s", eb.msg);
	return m;
}

static const struct layer *layer(const struct model *m, const char *name)
{
	for (int i = 0; i < m->n_layers; i++)
		if (strcmp(m->layers[i].name, name) == 0)
			return &m->layers[i];
	cr_assert_fail("no layer '%s' in %s", name, m->name);
	return NULL;
}

static const struct row *find_row(const struct row *rows, int n, double width, int res, int q)
{
	for (int i = 0; i < n; i++)
		if (fabs(rows[i].width - width) < 1e-9 && rows[i].res == res &&
		    rows[i].quantized == q)
			return &rows[i];
	return NULL;
}

Test(models, params_match_published_table)
{
	struct row rows[64];
	int n = read_table(rows, 64);
	struct model *base = load_zoo("mobilenet_v1");
	const double widths[] = {1.0, 0.75, 0.5, 0.25};
	for (size_t i = 0; i < sizeof widths / sizeof widths[0]; i++) {
		const struct row *r = find_row(rows, n, widths[i], 224, 0);
		cr_assert_not_null(r);
		struct model *m = apply(base, widths[i], 0, DT_FP32);
		struct model_cost c;
		model_cost(m, &c);
		model_destroy(m);
		double err = (c.params / 1e6 - r->million_params) / r->million_params;
		cr_expect(fabs(err) <= 0.03, "width %g: %.4fM params, table %.2fM (%+.2f%%)",
			  widths[i], c.params / 1e6, r->million_params, 100 * err);
	}
	/* the spec as written is the 1.0 model: 4.24M in the table */
	struct model_cost c;
	model_cost(base, &c);
	const struct row *r = find_row(rows, n, 1.0, 224, 0);
	cr_assert(r && fabs(c.params / 1e6 - r->million_params) / r->million_params < 0.03,
		  "%.4fM params", c.params / 1e6);
	model_destroy(base);
}

Test(models, ladder_gives_32_variants_with_table_accuracy)
{
	struct row rows[64];
	int n = read_table(rows, 64);
	struct model *base = load_zoo("mobilenet_v1");
	struct variant_set *vs = NULL;
	struct errbuf eb = {0, ""};
	cr_assert_eq(variants_enumerate(base, NULL, &vs, &eb), 0, "%s", eb.msg);
	cr_assert_eq(vs->n, 32);
	for (int i = 0; i < vs->n; i++) {
		const struct variant *v = &vs->v[i];
		const struct row *r =
			find_row(rows, n, v->ops.width, v->ops.res, v->ops.quant == DT_INT8);
		cr_assert_not_null(r, "%s has no row", v->key);
		cr_expect(v->has_top1, "%s: no accuracy", v->key);
		cr_expect_float_eq(v->top1, r->top1, 1e-9, "%s", v->key);
		cr_expect(v->has_top5, "%s: no top5", v->key);
		cr_expect_float_eq(v->top5, r->top5, 1e-9, "%s", v->key);
		cr_expect_float_eq(v->table_macs, r->million_macs * 1e6, 1e-3, "%s", v->key);
		cr_expect(strncmp(v->acc_source, "tensorflow/models", 17) == 0, "%s: '%s'", v->key,
			  v->acc_source);
		char ref[64];
		snprintf(ref, sizeof ref, "mobilenet_v1_imagenet.csv:%ld", r->line);
		cr_expect_str_eq(v->acc_ref, ref);
		for (int j = 0; j < i; j++)
			cr_expect_str_neq(v->key, vs->v[j].key);
		cr_expect_eq(v->spec->layers[0].k.in_h, v->ops.res);
	}
	cr_expect_str_eq(vs->v[0].key, "mobilenet_v1:width=1,res=224,quant=fp32");
	cr_expect_str_eq(vs->v[31].key, "mobilenet_v1:width=0.25,res=128,quant=int8");
	variant_set_destroy(vs);
	model_destroy(base);
}

Test(models, variant_off_the_table_has_no_accuracy)
{
	struct model *base = load_zoo("mobilenet_v1");
	struct variant_set *vs = NULL;
	struct errbuf eb = {0, ""};
	cr_assert_eq(variants_enumerate(base, "width=0.6,1 quant=fp16,fp32", &vs, &eb), 0, "%s",
		     eb.msg);
	cr_assert_eq(vs->n, 4);
	for (int i = 0; i < vs->n; i++) {
		const struct variant *v = &vs->v[i];
		int on_table = v->ops.width == 1 && v->ops.quant == DT_FP32;
		cr_expect_eq(v->has_top1, on_table, "%s", v->key);
		if (!on_table) {
			cr_expect_str_eq(v->acc_source, "");
			cr_expect_eq(v->top1, 0);
			cr_expect_eq(v->table_macs, 0);
		}
	}
	cr_expect_str_eq(vs->v[0].key, "mobilenet_v1:width=0.6,res=224,quant=fp16");
	variant_set_destroy(vs);
	model_destroy(base);
}

Test(models, width_rounding_keeps_floor_and_classifier)
{
	struct model *base = load_zoo("mobilenet_v1");
	struct model *m = apply(base, 0.25, 0, DT_FP32);
	cr_expect_eq(layer(m, "Conv2d_0")->k.out_c, 8);
	const struct layer *dw = layer(m, "Conv2d_1_depthwise");
	cr_expect(dw->k.in_c == 8 && dw->k.out_c == 8 && dw->k.groups == 8,
		  "a dwconv follows its input: %d->%d g%d", dw->k.in_c, dw->k.out_c,
		  dw->k.groups);
	cr_expect_eq(layer(m, "Conv2d_13_pointwise")->k.out_c, 256);
	cr_expect_eq(layer(m, "Logits")->k.in_c, 256);
	cr_expect_eq(layer(m, "Logits")->k.out_c, 1000);
	model_destroy(m);

	/* a multiplier below 8/32 still leaves 8 channels: TF-slim's min_depth */
	m = apply(base, 0.1, 0, DT_FP32);
	cr_expect_eq(layer(m, "Conv2d_0")->k.out_c, 8);
	cr_expect_eq(layer(m, "Conv2d_1_pointwise")->k.out_c, 8);
	cr_expect_eq(layer(m, "Conv2d_13_pointwise")->k.out_c, 102);
	model_destroy(m);
	model_destroy(base);

	cr_expect_eq(model_round_channels("floor_min8", 1024, 0.75), 768);
	cr_expect_eq(model_round_channels("floor_min8", 6, 1.0), 6);
	cr_expect_eq(model_round_channels("make_divisible8", 32, 0.35), 16);
	cr_expect_eq(model_round_channels("make_divisible8", 96, 0.35), 32);
	cr_expect_eq(model_round_channels("make_divisible8", 24, 1.4), 32);
	cr_expect_eq(model_round_channels("nearest", 32, 0.5), -1);
}

Test(models, res_adapts_global_pool_and_quant_sets_dtype)
{
	struct model *base = load_zoo("mobilenet_v1");
	struct model *m = apply(base, 1, 160, DT_INT8);
	const struct layer *pool = layer(m, "AvgPool_1a");
	cr_expect(pool->k.in_h == 5 && pool->k.kernel == 5 && pool->k.stride == 5,
		  "pool %dx%d k%d s%d", pool->k.in_h, pool->k.in_w, pool->k.kernel,
		  pool->k.stride);
	cr_expect_eq(layer(m, "Logits")->k.in_h, 1);
	for (int i = 0; i < m->n_layers; i++)
		cr_expect_eq(m->layers[i].k.dtype, DT_INT8, "%s", m->layers[i].name);
	struct model_cost c;
	model_cost(m, &c);
	cr_expect_eq(c.weight_bytes, (uint64_t)c.params);
	model_destroy(m);

	/* a global pool adapts down to a 1x1 input */
	m = apply(base, 1, 31, DT_FP32);
	cr_expect_eq(layer(m, "AvgPool_1a")->k.kernel, 1);
	model_destroy(m);
	model_destroy(base);
}

/* MACs of Table 1 of the MobileNets paper, counted here from the table's own rows. */
static double table1_macs(void)
{
	static const int blocks[13][2] = {{1, 64},  {2, 128}, {1, 128}, {2, 256}, {1, 256},
					  {2, 512}, {1, 512}, {1, 512}, {1, 512}, {1, 512},
					  {1, 512}, {2, 1024}, {1, 1024}};
	double hw = 112, c = 32;
	double macs = hw * hw * 32 * 3 * 3 * 3;
	for (int b = 0; b < 13; b++) {
		hw = ceil(hw / blocks[b][0]);
		macs += hw * hw * c * 9;            /* depthwise 3x3 */
		macs += hw * hw * c * blocks[b][1]; /* pointwise 1x1 */
		c = blocks[b][1];
	}
	return macs + 7 * 7 * 1024 + 1024 * 1000; /* global average pool, classifier */
}

Test(models, spec_cost_follows_table1)
{
	struct model *base = load_zoo("mobilenet_v1");
	struct model_cost c;
	model_cost(base, &c);
	cr_expect_eq(base->n_layers, 1 + 2 * 13 + 2);
	cr_expect_float_eq(c.macs, table1_macs(), 0.5);
	cr_expect_eq(c.weight_bytes, (uint64_t)c.params * 4);
	/* Conv2d_1_pointwise reads 112x112x32 and writes 112x112x64, fp32 */
	cr_expect_eq(c.peak_act_bytes, (uint64_t)(112 * 112 * (32 + 64) * 4));
	cr_expect_eq(strlen(base->sha256), 64);
	model_destroy(base);
}

/* ---- small specs in a temporary folder ---- */

static char tmpdir[64];

static void make_tmpdir(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/adascale_models_XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (tmpdir[0] && system(cmd) != 0)
		cr_log_warn("could not remove %s", tmpdir);
}

static void write_spec(const char *name, const char *text, char *path, size_t len)
{
	snprintf(path, len, "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

#define HEADER "name,op,in_h,in_w,in_c,out_c,kernel,stride,groups,input2,fixed_width\n"
#define META "# width_rounding: floor_min8\n"

/* Loads text as a spec; expects code and a message starting "path:line:". */
static void expect_bad(const char *name, const char *text, int code, int line,
		       const char *what)
{
	char path[256], want[300];
	write_spec(name, text, path, sizeof path);
	struct model *m = NULL;
	struct errbuf eb = {0, ""};
	int rc = model_load(path, &m, &eb);
	cr_expect_eq(rc, code, "%s: code %s, expected %s (%s)", name, err_name(rc),
		     err_name(code), eb.msg);
	cr_expect_null(m);
	snprintf(want, sizeof want, "%s:%d:", path, line);
	cr_expect(strncmp(eb.msg, want, strlen(want)) == 0, "%s: '%s' should start '%s'", name,
		  eb.msg, want);
	cr_expect(strstr(eb.msg, what) != NULL, "%s: '%s' should say '%s'", name, eb.msg, what);
}

Test(models, bad_specs_name_file_and_line, .init = make_tmpdir, .fini = remove_tmpdir)
{
	expect_bad("unknown_op.csv",
		   META HEADER "a,conv,8,8,3,4,3,1,1,,0\n"
			       "b,deconv,8,8,4,4,3,1,1,,0\n",
		   ERR_PARSE, 4, "unknown op 'deconv'");
	expect_bad("no_chain.csv",
		   META HEADER "a,conv,8,8,3,4,3,2,1,,0\n"
			       "b,conv,8,8,4,4,1,1,1,,0\n",
		   ERR_RANGE, 4, "does not match the output of 'a' (4x4x4)");
	expect_bad("zero.csv",
		   META HEADER "a,conv,8,8,3,4,3,1,1,,0\n"
			       "\n"
			       "b,conv,8,8,0,4,1,1,1,,0\n",
		   ERR_RANGE, 5, "in_c");
	expect_bad("fields.csv",
		   META HEADER "a,conv,8,8,3,4,3,1,1,,0\n"
			       "b,conv,8,8,4,4,1,1,1,0\n",
		   ERR_PARSE, 4, "10 fields, the header has 11");
	expect_bad("dup.csv",
		   HEADER "a,conv,8,8,3,4,3,1,1,,0\n"
			  "a,conv,8,8,4,4,1,1,1,,0\n",
		   ERR_PARSE, 3, "duplicate layer name 'a'");
	expect_bad("input2.csv",
		   HEADER "a,conv,8,8,3,4,3,1,1,,0\n"
			  "b,conv,8,8,4,4,1,1,1,,0\n"
			  "c,add,8,8,4,4,1,1,1,z,0\n",
		   ERR_PARSE, 4, "unknown input2 'z'");
	expect_bad("add_shapes.csv",
		   HEADER "a,conv,8,8,3,4,3,1,1,,0\n"
			  "b,conv,8,8,4,8,1,1,1,,0\n"
			  "c,conv,8,8,8,8,1,1,1,,0\n"
			  "d,add,8,8,8,8,1,1,1,a,0\n",
		   ERR_RANGE, 5, "add inputs differ");
	expect_bad("dwgroups.csv",
		   HEADER "a,conv,8,8,3,4,3,1,1,,0\n"
			  "b,dwconv,8,8,4,4,3,1,1,,0\n",
		   ERR_RANGE, 3, "dwconv needs groups = in_c");
	expect_bad("negative.csv",
		   HEADER "a,conv,8,-8,3,4,3,1,1,,0\n",
		   ERR_RANGE, 2, "in_w");

	/* metadata problems name the file */
	char path[256];
	write_spec("badjoin.csv",
		   "# accuracy_table: x.csv\n# accuracy_join: width=(\n" HEADER
		   "a,conv,8,8,3,4,3,1,1,,0\n",
		   path, sizeof path);
	struct model *m = NULL;
	struct errbuf eb = {0, ""};
	cr_expect_eq(model_load(path, &m, &eb), ERR_PARSE);
	cr_expect(strstr(eb.msg, "badjoin.csv: accuracy_join:") != NULL, "%s", eb.msg);
	write_spec("badladder.csv", "# ladder: width=1,0 res=224\n" HEADER "a,conv,8,8,3,4,3,1,1,,0\n",
		   path, sizeof path);
	cr_expect_eq(model_load(path, &m, &eb), ERR_RANGE);
	cr_expect(strstr(eb.msg, "badladder.csv: ladder: width 0") != NULL, "%s", eb.msg);
	cr_expect_eq(model_load("no_such_model", &m, &eb), ERR_NOTFOUND);
	cr_expect_null(m);
}

Test(models, skip_connections_and_input_column, .init = make_tmpdir, .fini = remove_tmpdir)
{
	/* a residual block and a projection shortcut that reads an earlier layer */
	char path[256];
	write_spec("res.csv",
		   META "# ladder: width=1,0.5\n"
			"name,op,in_h,in_w,in_c,out_c,kernel,stride,groups,input2,fixed_width,"
			"input\n"
			"a,conv,8,8,3,16,3,1,1,,0,\n"
			"b,conv,8,8,16,16,3,1,1,,0,\n"
			"c,conv,8,8,16,16,3,1,1,,0,\n"
			"d,add,8,8,16,16,1,1,1,a,0,\n"
			"e,conv,8,8,16,32,3,2,1,,0,\n"
			"f,conv,8,8,16,32,1,2,1,,0,d\n"
			"g,add,4,4,32,32,1,1,1,e,0,\n"
			"pool,avgpool,4,4,32,32,4,4,1,,0,\n"
			"fc,fc,1,1,32,10,1,1,1,,1,\n",
		   path, sizeof path);
	struct model *m = NULL;
	struct errbuf eb = {0, ""};
	cr_assert_eq(model_load(path, &m, &eb), 0, "%s", eb.msg);
	cr_expect_str_eq(m->name, "res");
	cr_expect_eq(layer(m, "f")->input, 3);
	cr_expect_eq(layer(m, "g")->input2, 4);
	struct model_cost c;
	model_cost(m, &c);
	/*
	 * While c runs, a's output waits for the add d, b's output is c's input and c's output
	 * is being written: three 8x8x16 fp32 tensors (a plain chain would count two).
	 */
	cr_expect_eq(c.peak_act_bytes, (uint64_t)3 * 8 * 8 * 16 * 4);

	struct variant_set *vs = NULL;
	cr_assert_eq(variants_enumerate(m, NULL, &vs, &eb), 0, "%s", eb.msg);
	cr_assert_eq(vs->n, 2);
	const struct model *h = vs->v[1].spec;
	cr_expect_eq(h->layers[0].k.out_c, 8);
	cr_expect_eq(h->layers[5].k.in_c, 8);   /* f reads d, itself following a */
	cr_expect_eq(h->layers[5].k.out_c, 16);
	cr_expect_eq(h->layers[8].k.out_c, 10); /* fixed width */
	cr_expect_eq(vs->v[1].has_top1, 0);     /* the spec names no accuracy table */
	variant_set_destroy(vs);
	model_destroy(m);

	/* an input naming a later layer is unknown at that point */
	write_spec("fwd.csv",
		   "name,op,in_h,in_w,in_c,out_c,kernel,stride,groups,input2,fixed_width,input\n"
		   "a,conv,8,8,3,4,3,1,1,,0,\n"
		   "b,conv,8,8,4,4,1,1,1,,0,c\n"
		   "c,conv,8,8,4,4,1,1,1,,0,\n",
		   path, sizeof path);
	cr_expect_eq(model_load(path, &m, &eb), ERR_PARSE);
	cr_expect(strstr(eb.msg, "fwd.csv:3: unknown input 'c'") != NULL, "%s", eb.msg);
}

Test(models, res_that_breaks_a_shape_names_the_layer, .init = make_tmpdir,
     .fini = remove_tmpdir)
{
	/* a fixed 4x4 pool (not global) feeds the classifier 1x1 only at 16x16 input */
	char path[256];
	write_spec("fixedpool.csv",
		   HEADER "a,conv,16,16,3,8,3,4,1,,0\n"
			  "pool,maxpool,4,4,8,8,3,4,1,,0\n"
			  "fc,fc,1,1,8,10,1,1,1,,1\n",
		   path, sizeof path);
	struct model *m = NULL, *t = NULL;
	struct errbuf eb = {0, ""};
	cr_assert_eq(model_load(path, &m, &eb), 0, "%s", eb.msg);
	struct model_ops ops;
	model_ops_default(&ops);
	ops.res = 32;
	cr_expect_eq(model_apply(m, &ops, &t, &eb), ERR_RANGE);
	cr_expect_null(t);
	cr_expect(strstr(eb.msg, "fixedpool:width=1,res=32,quant=fp32: layer 'fc': fc takes a "
				 "1x1 input") != NULL,
		  "%s", eb.msg);
	/* width without a rounding rule in the spec is refused, not guessed */
	ops.res = 0;
	ops.width = 0.5;
	cr_expect_eq(model_apply(m, &ops, &t, &eb), ERR_RANGE);
	cr_expect(strstr(eb.msg, "no width_rounding") != NULL, "%s", eb.msg);
	model_destroy(m);
}

Test(models, variant_key_round_trips)
{
	struct model *base = load_zoo("mobilenet_v1");
	struct model_ops ops, back;
	struct errbuf eb = {0, ""};
	model_ops_default(&ops);
	char key[VARIANT_KEY_LEN];
	model_variant_key(base, &ops, key, sizeof key);
	cr_expect_str_eq(key, "mobilenet_v1:width=1,res=224,quant=fp32");
	cr_assert_eq(model_ops_parse_key(base, "mobilenet_v1:width=0.75,res=160,quant=int8", &ops,
					 &eb),
		     0, "%s", eb.msg);
	cr_expect(ops.width == 0.75 && ops.res == 160 && ops.quant == DT_INT8);
	model_variant_key(base, &ops, key, sizeof key);
	cr_expect_str_eq(key, "mobilenet_v1:width=0.75,res=160,quant=int8");
	cr_assert_eq(model_ops_parse_key(base, key, &back, &eb), 0);
	cr_expect(back.width == ops.width && back.res == ops.res && back.quant == ops.quant);
	cr_expect_eq(model_ops_parse_key(base, "quant=int4", &ops, &eb), ERR_PARSE);
	cr_expect_eq(model_ops_parse_key(base, "resnet50:width=1", &ops, &eb), ERR_PARSE);
	cr_expect_eq(model_ops_parse_key(base, "depth=0.5", &ops, &eb), ERR_PARSE);
	cr_expect_eq(model_ops_parse_key(base, "prune=1", &ops, &eb), ERR_RANGE);

	/* prune, lowrank and exit appear in a key only away from their identity */
	cr_assert_eq(model_ops_parse_key(base, "width=0.5,exit=12,prune=0.25,lowrank=0.5", &ops,
					 &eb),
		     0, "%s", eb.msg);
	model_variant_key(base, &ops, key, sizeof key);
	cr_expect_str_eq(key, "mobilenet_v1:width=0.5,res=224,quant=fp32,prune=0.25,lowrank=0.5,"
			      "exit=12");
	cr_assert_eq(model_ops_parse_key(base, key, &back, &eb), 0);
	cr_expect(back.prune == 0.25 && back.lowrank == 0.5 && back.exit == 12);
	cr_assert_eq(model_ops_parse_key(base, "prune=0,lowrank=1,exit=none", &ops, &eb), 0);
	model_variant_key(base, &ops, key, sizeof key);
	cr_expect_str_eq(key, "mobilenet_v1:width=1,res=224,quant=fp32");

	struct variant_set *vs = NULL;
	cr_expect_eq(variants_enumerate(base, "width=1,1.0", &vs, &eb), ERR_PARSE);
	cr_expect(strstr(eb.msg, "listed twice") != NULL, "%s", eb.msg);
	cr_expect_eq(variants_enumerate(base, "depth=1", &vs, &eb), ERR_PARSE);
	cr_expect_null(vs);
	model_destroy(base);
}

Test(models, kernel_list_is_unique_and_sorted)
{
	struct model *base = load_zoo("mobilenet_v1");
	struct variant_set *vs = NULL;
	struct errbuf eb = {0, ""};
	cr_assert_eq(variants_enumerate(base, NULL, &vs, &eb), 0, "%s", eb.msg);
	struct kshape *shapes = NULL;
	int n = 0, n_layers = 0, max_one = 0;
	for (int i = 0; i < vs->n; i++) {
		struct kshape *one = NULL;
		int n_one = 0;
		cr_assert_eq(model_kernels(vs->v[i].spec, &one, &n_one, &eb), 0, "%s", eb.msg);
		if (n_one > max_one)
			max_one = n_one;
		free(one);
		cr_assert_eq(model_kernels(vs->v[i].spec, &shapes, &n, &eb), 0, "%s", eb.msg);
		n_layers += vs->v[i].spec->n_layers;
	}
	for (int i = 1; i < n; i++)
		cr_assert_lt(kshape_cmp(&shapes[i - 1], &shapes[i]), 0, "not sorted or not unique at %d",
			     i);
	/* every layer of every variant is in the list, and nothing else */
	int n_distinct = 0;
	for (int i = 0; i < vs->n; i++)
		for (int l = 0; l < vs->v[i].spec->n_layers; l++) {
			const struct kshape *k = &vs->v[i].spec->layers[l].k;
			int found = 0, seen_before = 0;
			for (int s = 0; s < n; s++)
				found |= kshape_cmp(&shapes[s], k) == 0;
			cr_assert(found);
			for (int j = 0; j <= i && !seen_before; j++)
				for (int q = 0; q < (j == i ? l : vs->v[j].spec->n_layers); q++)
					if (kshape_cmp(&vs->v[j].spec->layers[q].k, k) == 0) {
						seen_before = 1;
						break;
					}
			n_distinct += !seen_before;
		}
	cr_expect_eq(n, n_distinct);
	/* 29 layers per variant, five repeated blocks: 21 shapes each; fc shared across res */
	cr_expect_eq(max_one, 21);
	cr_expect(n > 20 * vs->n && n < n_layers, "%d kernels", n);
	cr_log_info("kernel list of the %d-variant ladder: %d unique shapes (of %d layers)",
		    vs->n, n, n_layers);
	free(shapes);
	variant_set_destroy(vs);
	model_destroy(base);
}

/* ---- the verbs ---- */

static char *slurp(FILE *f)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	cr_assert_not_null(buf);
	size_t got;
	while ((got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += got;
		if (cap - len < 2) {
			cap *= 2;
			buf = realloc(buf, cap);
			cr_assert_not_null(buf);
		}
	}
	buf[len] = '\0';
	return buf;
}

/* Runs a verb on a writable copy of args (NULL-terminated), as main would. */
static int run_verb(int (*verb)(int, char **), const char *const *args)
{
	char *argv[16];
	int argc = 0;
	for (; args[argc]; argc++) {
		cr_assert_lt(argc, 15);
		argv[argc] = strdup(args[argc]);
		cr_assert_not_null(argv[argc]);
	}
	argv[argc] = NULL;
	int status = verb(argc, argv);
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	return status;
}

static int count_lines(const char *s, const char *prefix)
{
	int n = 0;
	for (const char *p = s; *p;) {
		if (!prefix || strncmp(p, prefix, strlen(prefix)) == 0)
			n++;
		const char *nl = strchr(p, '\n');
		if (!nl)
			break;
		p = nl + 1;
	}
	return n;
}

Test(models, kernels_verb_writes_a_kernel_list, .init = cr_redirect_stdout)
{
	const char *const argv[] = {"kernels", "mobilenet_v1", NULL};
	cr_assert_eq(run_verb(cmd_kernels, argv), 0);
	fflush(stdout);
	char *out = slurp(cr_get_redirected_stdout());
	cr_expect(strncmp(out, "# model: mobilenet_v1\n", 22) == 0, "%.80s", out);
	cr_expect(strstr(out, "\n# ops: width=1,0.75,0.5,0.25 res=224,192,160,128 "
			      "quant=fp32,int8\n") != NULL);
	cr_expect(strstr(out, "\n# generated_by: adascale " ADASCALE_VERSION "\n") != NULL);
	cr_expect(strstr(out, "\n" KSHAPE_CSV_HEADER "\n") != NULL);
	cr_expect(strstr(out, "\nconv,224,224,3,32,3,2,1,fp32\n") != NULL);
	cr_expect(strstr(out, "\ndwconv,56,56,96,96,3,2,96,int8\n") != NULL);
	cr_expect(strstr(out, "\nfc,1,1,256,1000,1,1,1,int8\n") != NULL);
	int n_rows = count_lines(out, NULL) - count_lines(out, "#") - 1;
	cr_expect_gt(n_rows, 600, "%d rows", n_rows);
	free(out);
}

Test(models, variants_verb_csv, .init = cr_redirect_stdout)
{
	const char *const argv[] = {"variants", "mobilenet_v1", "--format", "csv", "--ops",
			"res=224 width=1,0.6", NULL};
	cr_assert_eq(run_verb(cmd_variants, argv), 0);
	fflush(stdout);
	char *out = slurp(cr_get_redirected_stdout());
#define CSV_HEAD                                                                       \
	"key,model,width,res,quant,prune,lowrank,exit,macs_m,params_m,weight_bytes,"       \
	"peak_act_bytes,top1,top5,table_macs_m,acc_ref,acc_source,accuracy\n"
	cr_expect(strncmp(out, CSV_HEAD, strlen(CSV_HEAD)) == 0, "%.200s", out);
	cr_expect_eq(count_lines(out, NULL), 3);
	cr_expect(strstr(out, "\n\"mobilenet_v1:width=1,res=224,quant=fp32\",mobilenet_v1,1,224,"
			      "fp32,0,1,none,568.790528,4.221032,16884128,4816896,70.9,89.9,569,"
			      "mobilenet_v1_imagenet.csv:3,\"tensorflow/models") != NULL,
		  "%s", out);
	cr_expect(strstr(out, "checkpoints (converted to fully-quantized TFLite)\",published\n") !=
		  NULL, "%s", out);
	cr_expect(strstr(out, "quant=fp32\",mobilenet_v1,0.6,224,fp32,0,1,none,") != NULL, "%s",
		  out);
	cr_expect(strstr(out, ",,,,none,none,none\n") != NULL, "%s", out);
	free(out);
}

static void redirect_both(void)
{
	cr_redirect_stdout();
	cr_redirect_stderr();
}

Test(models, variants_verb_table_and_errors, .init = redirect_both)
{
	const char *const argv[] = {"variants", "mobilenet_v1", NULL};
	cr_assert_eq(run_verb(cmd_variants, argv), 0);
	fflush(stdout);
	char *out = slurp(cr_get_redirected_stdout());
	cr_expect(strncmp(out, "variant ", 8) == 0, "%.80s", out);
	cr_expect_eq(count_lines(out, "mobilenet_v1:"), 32);
	cr_expect(strstr(out, "\naccuracy: rows of data/accuracy/mobilenet_v1_imagenet.csv; "
			      "SOURCE: tensorflow/models") != NULL);
	free(out);

	const char *const bad_ops[] = {"variants", "mobilenet_v1", "--ops", "width=0", NULL};
	cr_expect_eq(run_verb(cmd_variants, bad_ops), 2);
	const char *const bad_fmt[] = {"variants", "mobilenet_v1", "--format", "xml", NULL};
	cr_expect_eq(run_verb(cmd_variants, bad_fmt), 2);
	const char *const no_model[] = {"kernels", NULL};
	cr_expect_eq(run_verb(cmd_kernels, no_model), 2);
	const char *const missing[] = {"kernels", "no_such_model", NULL};
	cr_expect_eq(run_verb(cmd_kernels, missing), 2);
	fflush(stderr);
	char *err = slurp(cr_get_redirected_stderr());
	cr_expect(strstr(err, "adascale: mobilenet_v1: operators 'width=0': width 0 is outside") !=
		  NULL, "%s", err);
	cr_expect(strstr(err, "adascale variants: --format 'xml' takes table or csv") != NULL, "%s",
		  err);
	cr_expect(strstr(err, "adascale: no model 'no_such_model' in the zoo") != NULL, "%s", err);
	free(err);
}

/* ==== the zoo: every model against its papers and the published tables ==== */

static const char *const zoo[] = {
	"mobilenet_v1",       "mobilenet_v2",
	"mobilenet_v3_large", "mobilenet_v3_small",
	"mobilenet_v3_large_minimalistic", "mobilenet_v3_small_minimalistic",
	"resnet18",           "resnet50",
	"efficientnet_lite0", "efficientnet_lite1",
	"efficientnet_lite2", "efficientnet_lite3",
	"efficientnet_lite4",
};
#define N_ZOO (sizeof zoo / sizeof zoo[0])

/* A variant of base from the operator part of a key ("width=0.5,prune=0.25"). */
static struct model *apply_key(const struct model *base, const char *key)
{
	struct errbuf eb = {0, ""};
	struct model_ops ops;
	cr_assert_eq(model_ops_parse_key(base, key, &ops, &eb), 0, "%s", eb.msg);
	struct model *m = NULL;
	cr_assert_eq(model_apply(base, &ops, &m, &eb), 0, "%s: %s", key, eb.msg);
	return m;
}

static double macs_of(const struct model *base, const char *key)
{
	struct model *m = apply_key(base, key);
	struct model_cost c;
	model_cost(m, &c);
	model_destroy(m);
	return c.macs;
}

static double params_of(const struct model *base, const char *key)
{
	struct model *m = apply_key(base, key);
	struct model_cost c;
	model_cost(m, &c);
	model_destroy(m);
	return c.params;
}

static int last_block(const struct model *m)
{
	int b = -1;
	for (int i = 0; i < m->n_layers; i++)
		if (m->layers[i].block > b)
			b = m->layers[i].block;
	return b;
}

Test(models, every_zoo_model_loads_with_ladder_and_accuracy)
{
	struct errbuf eb = {0, ""};
	for (size_t z = 0; z < N_ZOO; z++) {
		struct model *m = load_zoo(zoo[z]);
		cr_expect(m->source && strlen(m->source) > 20, "%s: no source", zoo[z]);
		cr_expect(m->ladder != NULL, "%s: no ladder", zoo[z]);
		cr_expect_gt(m->n_acc, 0, "%s: no accuracy table", zoo[z]);
		cr_expect_gt(last_block(m), 0, "%s: no blocks", zoo[z]);
		struct variant_set *vs = NULL;
		cr_assert_eq(variants_enumerate(m, NULL, &vs, &eb), 0, "%s: %s", zoo[z], eb.msg);
		/* the ladder is what was published: every variant has a table row */
		for (int i = 0; i < vs->n; i++)
			cr_expect(vs->v[i].has_top1 && !vs->v[i].top1_estimated,
				  "%s: no published accuracy", vs->v[i].key);
		struct kshape *k = NULL;
		int n = 0;
		for (int i = 0; i < vs->n; i++)
			cr_assert_eq(model_kernels(vs->v[i].spec, &k, &n, &eb), 0, "%s", eb.msg);
		cr_expect_gt(n, 0);
		free(k);
		variant_set_destroy(vs);
		model_destroy(m);
	}
}

Test(models, bundled_tables_are_byte_copies_of_the_shared_ones)
{
	static const char *const tables[] = {
		"mobilenet_v1_imagenet.csv",   "mobilenet_v2_imagenet.csv",
		"mobilenet_v3_imagenet.csv",   "efficientnet_lite_imagenet.csv",
		"torchvision_imagenet.csv",    "tflite_hosted_models.csv",
	};
	int n_compared = 0;
	for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
		char ours[4096], shared[4096];
		cr_assert_eq(paths_data("data/accuracy/", ours, sizeof ours - 64), 0);
		strcat(ours, tables[i]);
		snprintf(shared, sizeof shared, "../shared/data/accuracy/%s", tables[i]);
		FILE *a = fopen(ours, "rb");
		cr_assert_not_null(a, "%s is not bundled", ours);
		FILE *b = fopen(shared, "rb");
		if (!b) {
			fclose(a);
			continue; /* no shared data next to the checkout */
		}
		char *x = slurp(a), *y = slurp(b);
		cr_expect_str_eq(x, y, "%s differs from %s", ours, shared);
		cr_expect(strncmp(x, "# SOURCE:", 9) == 0, "%s lost its SOURCE line", ours);
		free(x);
		free(y);
		fclose(a);
		fclose(b);
		n_compared++;
	}
	cr_log_info("%d bundled accuracy tables compared with ../shared/data", n_compared);
}

/*
 * Published MACs. Every table prints whole millions (torchvision 0.001 GFLOPs, the same
 * 0.5M resolution), so a printed figure P stands for [P - 0.5M, P + 0.5M]; the count
 * agrees when it is within 3% of that interval.
 */
#define HALF_UNIT 0.5e6

static int agrees(double ours, double pub)
{
	return ours >= (pub - HALF_UNIT) * 0.97 && ours <= (pub + HALF_UNIT) * 1.03;
}

/* One published row with MACs, mapped onto a zoo model and operators. */
struct pub {
	const char *table;
	long line;
	char label[96];   /* the row's own name */
	char model[64];   /* zoo model */
	char key[64];     /* operators, "width=0.5,res=160" */
	double width;
	int res;          /* 0: the spec's */
	int quantized;
	double macs;      /* published, MACs */
	double params;    /* published, parameters; 0 when the row has none */
};

#define MAX_PUB 64

static double field_num(struct csvin *c, const char *col)
{
	struct errbuf eb = {0, ""};
	int k = csvin_require_col(c, col, &eb);
	cr_assert_geq(k, 0, "%s", eb.msg);
	double v = 0;
	int rc = csvin_double_opt(c, k, &v, &eb);
	cr_assert_geq(rc, 0, "%s", eb.msg);
	return rc == 1 ? v : NAN;
}

static const char *field_str(struct csvin *c, const char *col)
{
	struct errbuf eb = {0, ""};
	int k = csvin_require_col(c, col, &eb);
	cr_assert_geq(k, 0, "%s", eb.msg);
	return csvin_field(c, k);
}

/*
 * Maps the current row of a table to a zoo model: 1 and *p filled, 0 for a row of a
 * model the zoo does not hold or without MACs (*skip says which).
 */
typedef int (*row_map)(struct csvin *c, struct pub *p, const char **skip);

static int map_v1(struct csvin *c, struct pub *p, const char **skip)
{
	(void)skip;
	snprintf(p->model, sizeof p->model, "mobilenet_v1");
	snprintf(p->label, sizeof p->label, "%s", field_str(c, "model"));
	p->width = field_num(c, "width_multiplier");
	p->res = (int)field_num(c, "resolution");
	p->quantized = (int)field_num(c, "quantized");
	p->macs = field_num(c, "million_macs") * 1e6;
	p->params = field_num(c, "million_params") * 1e6;
	return 1;
}

static int map_v2(struct csvin *c, struct pub *p, const char **skip)
{
	(void)skip;
	snprintf(p->model, sizeof p->model, "mobilenet_v2");
	snprintf(p->label, sizeof p->label, "%s", field_str(c, "model"));
	p->width = field_num(c, "width_multiplier");
	p->res = (int)field_num(c, "resolution");
	p->macs = field_num(c, "million_macs") * 1e6;
	p->params = field_num(c, "million_params") * 1e6;
	return 1;
}

static int map_v3(struct csvin *c, struct pub *p, const char **skip)
{
	(void)skip;
	const char *size = field_str(c, "size");
	int minimal = (int)field_num(c, "minimalistic");
	snprintf(p->model, sizeof p->model, "mobilenet_v3_%s%s", size,
		 minimal ? "_minimalistic" : "");
	snprintf(p->label, sizeof p->label, "%s", field_str(c, "model"));
	p->width = field_num(c, "depth_multiplier");
	p->quantized = (int)field_num(c, "quantized_8bit");
	p->macs = field_num(c, "million_macs") * 1e6;
	p->params = field_num(c, "million_params") * 1e6;
	return 1;
}

static int map_lite(struct csvin *c, struct pub *p, const char **skip)
{
	(void)skip;
	const char *name = field_str(c, "model");
	cr_assert(strncmp(name, "efficientnet-lite", 17) == 0, "%s", name);
	snprintf(p->model, sizeof p->model, "efficientnet_lite%s", name + 17);
	snprintf(p->label, sizeof p->label, "%s", name);
	p->width = 1;
	p->macs = field_num(c, "madds_m") * 1e6;
	p->params = field_num(c, "params_m") * 1e6;
	return 1;
}

static int map_torchvision(struct csvin *c, struct pub *p, const char **skip)
{
	static const char *const in_zoo[] = {"resnet18", "resnet50", "mobilenet_v2",
					     "mobilenet_v3_large", "mobilenet_v3_small"};
	/* EfficientNet B0..B4 (with SE and swish) are not EfficientNet-Lite */
	static const char *const not_in_zoo[] = {"resnet34", "resnet101", "efficientnet_b0",
						 "efficientnet_b1", "efficientnet_b2",
						 "efficientnet_b3", "efficientnet_b4"};
	const char *name = field_str(c, "model");
	double g = field_num(c, "gflops");
	int known = 0;
	for (size_t i = 0; i < sizeof in_zoo / sizeof in_zoo[0]; i++)
		known |= strcmp(name, in_zoo[i]) == 0;
	if (!known) {
		for (size_t i = 0; i < sizeof not_in_zoo / sizeof not_in_zoo[0]; i++)
			if (strcmp(name, not_in_zoo[i]) == 0)
				*skip = "not in the zoo";
		cr_assert_not_null(*skip, "torchvision_imagenet.csv:%ld: model '%s' is new: add it "
					  "to the zoo or to not_in_zoo[]",
				   csvin_line(c), name);
		return 0;
	}
	snprintf(p->model, sizeof p->model, "%s", name);
	snprintf(p->label, sizeof p->label, "%s %s", name, field_str(c, "weights"));
	p->width = 1;
	p->quantized = strcmp(field_str(c, "precision"), "int8") == 0;
	p->macs = g * 1e9;
	p->params = field_num(c, "num_params");
	return 1;
}

static int read_pub(const char *table, row_map map, struct pub *rows, int max)
{
	char path[4096];
	struct errbuf eb = {0, ""};
	snprintf(path, sizeof path, "data/accuracy/%s", table);
	char full[4096];
	cr_assert_eq(paths_data(path, full, sizeof full), 0);
	struct csvin *c = csvin_open(full, &eb);
	cr_assert_not_null(c, "%s", eb.msg);
	int n = 0, rc;
	while ((rc = csvin_next(c, &eb)) == 1) {
		struct pub p;
		memset(&p, 0, sizeof p);
		const char *skip = NULL;
		p.table = table;
		p.line = csvin_line(c);
		if (!map(c, &p, &skip))
			continue;
		if (isnan(p.macs))
			continue; /* the row gives no MACs */
		if (isnan(p.params))
			p.params = 0;
		if (p.res)
			snprintf(p.key, sizeof p.key, "width=%g,res=%d", p.width, p.res);
		else
			snprintf(p.key, sizeof p.key, "width=%g", p.width);
		cr_assert_lt(n, max);
		rows[n++] = p;
	}
	cr_assert_eq(rc, 0, "%s", eb.msg);
	csvin_close(c);
	return n;
}

/* Why a published figure may disagree with the count, and what must hold instead. */
enum cross_check {
	/*
	 * The table contradicts its own 224 row: at resolutions that are multiples of 32,
	 * every convolution's and pool's MACs scale exactly with res^2 (SAME padding halves
	 * exactly), only the fc layers do not; the 224 row so predicts an interval that the
	 * printed figure misses and the count hits.
	 */
	X_OWN_224_ROW,
	/* Another table (torchvision) gives the same network a figure the count agrees with. */
	X_TORCHVISION,
	/* The row's parameter count agrees with the spec's: same network, other MACs count. */
	X_PARAMS,
};

static const struct exception {
	const char *table, *model;
	double width;
	int res;
	enum cross_check check;
	const char *why;
} exceptions[] = {
	{"mobilenet_v1_imagenet.csv", "mobilenet_v1", 0.25, 192, X_OWN_224_ROW,
	 "34M does not follow from the table's own 0.25_224 row (41M)"},
	{"mobilenet_v2_imagenet.csv", "mobilenet_v2", 0.35, 96, X_OWN_224_ROW,
	 "11M does not follow from the table's own 0.35_224 row (59M)"},
	{"mobilenet_v3_imagenet.csv", "mobilenet_v3_small", 1, 0, X_TORCHVISION,
	 "66M against 57M in torchvision_imagenet.csv (and 56M in Howard et al. 2019 Table 3)"},
	{"mobilenet_v3_imagenet.csv", "mobilenet_v3_small_minimalistic", 1, 0, X_PARAMS,
	 "65M, as far above the count as the Small row's 66M; its 2.0M params agree"},
	{"efficientnet_lite_imagenet.csv", "efficientnet_lite0", 1, 0, X_PARAMS,
	 "407M exceeds EfficientNet-B0 (Lite0 plus SE) at 0.386 GFLOPs in torchvision"},
	{"efficientnet_lite_imagenet.csv", "efficientnet_lite1", 1, 0, X_PARAMS,
	 "the Lite README's MAdds run 3-6% above the count, params agree"},
	{"efficientnet_lite_imagenet.csv", "efficientnet_lite2", 1, 0, X_PARAMS,
	 "the Lite README's MAdds run 3-6% above the count, params agree"},
	{"efficientnet_lite_imagenet.csv", "efficientnet_lite3", 1, 0, X_PARAMS,
	 "the Lite README's MAdds run 3-6% above the count, params agree"},
	{"efficientnet_lite_imagenet.csv", "efficientnet_lite4", 1, 0, X_PARAMS,
	 "the Lite README's MAdds run 3-6% above the count, params agree"},
};

static const struct exception *exception_for(const struct pub *p)
{
	for (size_t i = 0; i < sizeof exceptions / sizeof exceptions[0]; i++) {
		const struct exception *x = &exceptions[i];
		if (strcmp(x->table, p->table) == 0 && strcmp(x->model, p->model) == 0 &&
		    fabs(x->width - p->width) < 1e-9 && x->res == p->res)
			return x;
	}
	return NULL;
}

/* 0 when the exception's cross-check holds, else says why not in msg. */
static int cross_check(const struct exception *x, const struct pub *p, const struct pub *all,
		       int n_all, const struct model *base, double ours, char *msg, size_t len)
{
	switch (x->check) {
	case X_OWN_224_ROW: {
		const struct pub *r224 = NULL;
		for (int i = 0; i < n_all; i++)
			if (strcmp(all[i].model, p->model) == 0 &&
			    fabs(all[i].width - p->width) < 1e-9 && all[i].res == 224 &&
			    all[i].quantized == p->quantized)
				r224 = &all[i];
		if (!r224 || p->res % 32) {
			snprintf(msg, len, "no 224 row of width %g, or res %d is not a multiple of 32",
				 p->width, p->res);
			return -1;
		}
		char k224[64];
		snprintf(k224, sizeof k224, "width=%g,res=224", p->width);
		double c224 = macs_of(base, k224), r2 = (p->res / 224.0) * (p->res / 224.0);
		/* the part that does not scale with res^2 (fc layers), from the two counts */
		double fixed = (ours - c224 * r2) / (1 - r2);
		double lo = (r224->macs - HALF_UNIT - fixed) * r2 + fixed;
		double hi = (r224->macs + HALF_UNIT - fixed) * r2 + fixed;
		if (!(p->macs + HALF_UNIT < lo || p->macs - HALF_UNIT > hi) ||
		    !(ours >= lo * 0.97 && ours <= hi * 1.03)) {
			snprintf(msg, len, "the 224 row predicts %.2fM..%.2fM; printed %.0fM, count %.2fM",
				 lo / 1e6, hi / 1e6, p->macs / 1e6, ours / 1e6);
			return -1;
		}
		return 0;
	}
	case X_TORCHVISION: {
		struct pub tv[MAX_PUB];
		int n = read_pub("torchvision_imagenet.csv", map_torchvision, tv, MAX_PUB);
		for (int i = 0; i < n; i++)
			if (strcmp(tv[i].model, p->model) == 0 && agrees(ours, tv[i].macs) &&
			    !agrees(tv[i].macs, p->macs))
				return 0;
		snprintf(msg, len, "no torchvision row of %s agrees with the count %.2fM", p->model,
			 ours / 1e6);
		return -1;
	}
	case X_PARAMS: {
		double params = params_of(base, p->key);
		/* params print to 0.1M: the same interval rule at that resolution */
		if (p->params > 0 && params >= (p->params - 0.05e6) * 0.97 &&
		    params <= (p->params + 0.05e6) * 1.03)
			return 0;
		snprintf(msg, len, "params %.3fM against %.3fM printed", params / 1e6,
			 p->params / 1e6);
		return -1;
	}
	}
	return -1;
}

/*
 * Checks row i of a table (rows: all of the table's rows with MACs, n of them) against the
 * count: its MACs, or the documented exception's reason, and its parameters. 0 when all
 * hold, else logs each failure with the row's file:line and returns how many.
 */
static int check_row(const struct pub *rows, int n, int i)
{
	const struct pub *p = &rows[i];
	const char *table = p->table;
	struct model *base = load_zoo(p->model);
	double ours = macs_of(base, p->key);
	const struct exception *x = exception_for(p);
	char msg[256];
	int n_fail = 0;
	if (x) {
		if (agrees(ours, p->macs)) {
			n_fail++;
			cr_log_error("data/accuracy/%s:%ld: %s (%s) is listed as an exception but "
				     "agrees with the count (%.2fM): remove it from exceptions[] and "
				     "docs/models.md",
				     table, p->line, p->label, p->model, ours / 1e6);
		} else if (cross_check(x, p, rows, n, base, ours, msg, sizeof msg) < 0) {
			n_fail++;
			cr_log_error("data/accuracy/%s:%ld: %s: the exception's reason (%s) no longer "
				     "holds: %s",
				     table, p->line, p->label, x->why, msg);
		}
	} else if (!agrees(ours, p->macs)) {
		n_fail++;
		cr_log_error("data/accuracy/%s:%ld: %s: %s %s: spec %.3fM MACs, table %.3fM "
			     "(%+.2f%%)",
			     table, p->line, p->label, p->model, p->key, ours / 1e6, p->macs / 1e6,
			     100 * (ours - p->macs) / p->macs);
	}
	/*
	 * Parameters, to 0.1M (the coarsest printing), except the README's V3 Small rows: 2.9M
	 * and 2.4M against 2.5M and 2.0M in Howard et al. 2019 Table 3 and 2.54M in torchvision
	 * (the count: 2.54M, 2.04M).
	 */
	int small_readme = strcmp(table, "mobilenet_v3_imagenet.csv") == 0 &&
			   strcmp(p->model, "mobilenet_v3_small") == 0;
	if (p->params > 0 && !small_readme) {
		double params = params_of(base, p->key);
		if (!(params >= (p->params - 0.05e6) * 0.97 && params <= (p->params + 0.05e6) * 1.03)) {
			n_fail++;
			cr_log_error("data/accuracy/%s:%ld: %s: spec %.3fM params, table %.3fM", table,
				     p->line, p->label, params / 1e6, p->params / 1e6);
		}
	}
	model_destroy(base);
	return n_fail;
}

/* The tables with MACs, and how many rows with MACs each has (checked below). */
static const struct pub_table {
	const char *name;
	row_map map;
	int n_rows;
} pub_tables[] = {
	{"mobilenet_v1_imagenet.csv", map_v1, 32},
	{"mobilenet_v2_imagenet.csv", map_v2, 22},
	{"mobilenet_v3_imagenet.csv", map_v3, 9},
	{"efficientnet_lite_imagenet.csv", map_lite, 5},
	/* resnet18 x2, resnet50 x4, mobilenet_v2 x3, v3 large x3, v3 small x1 */
	{"torchvision_imagenet.csv", map_torchvision, 13},
};
#define N_PUB_TABLES (sizeof pub_tables / sizeof pub_tables[0])

Test(models, every_published_table_has_the_rows_the_row_tests_check)
{
	for (size_t t = 0; t < N_PUB_TABLES; t++) {
		struct pub rows[MAX_PUB];
		int n = read_pub(pub_tables[t].name, pub_tables[t].map, rows, MAX_PUB);
		cr_expect_eq(n, pub_tables[t].n_rows,
			     "data/accuracy/%s: %d rows with MACs, the row tests check %d: update "
			     "pub_tables[] and docs/models.md",
			     pub_tables[t].name, n, pub_tables[t].n_rows);
	}
}

/* One published row: pub_tables[table], its row-with-MACs number row (from 0). */
struct pub_ref {
	int table, row;
};

ParameterizedTestParameters(models, macs_match_the_published_row)
{
	static struct pub_ref refs[5 * MAX_PUB];
	size_t n = 0;
	for (size_t t = 0; t < N_PUB_TABLES; t++)
		for (int i = 0; i < pub_tables[t].n_rows; i++)
			refs[n++] = (struct pub_ref){(int)t, i};
	return cr_make_param_array(struct pub_ref, refs, n);
}

/* A test per published row with MACs: the count agrees, or the exception's reason holds. */
ParameterizedTest(struct pub_ref *ref, models, macs_match_the_published_row)
{
	const struct pub_table *t = &pub_tables[ref->table];
	struct pub rows[MAX_PUB];
	int n = read_pub(t->name, t->map, rows, MAX_PUB);
	cr_assert_lt(ref->row, n, "data/accuracy/%s has %d rows with MACs", t->name, n);
	const struct pub *p = &rows[ref->row];
	cr_expect_eq(check_row(rows, n, ref->row), 0,
		     "data/accuracy/%s:%ld: %s (%s %s) disagrees with the count (see the log)",
		     t->name, p->line, p->label, p->model, p->key);
}

Test(models, lite0_readme_counts_more_than_its_superset_b0)
{
	/* the reason given for the Lite exceptions, checked on the data itself */
	struct pub lite[MAX_PUB];
	int nl = read_pub("efficientnet_lite_imagenet.csv", map_lite, lite, MAX_PUB);
	char path[4096];
	struct errbuf eb = {0, ""};
	cr_assert_eq(paths_data("data/accuracy/torchvision_imagenet.csv", path, sizeof path), 0);
	struct csvin *c = csvin_open(path, &eb);
	cr_assert_not_null(c, "%s", eb.msg);
	double b0 = 0;
	while (csvin_next(c, &eb) == 1)
		if (strcmp(field_str(c, "model"), "efficientnet_b0") == 0)
			b0 = field_num(c, "gflops") * 1e9;
	csvin_close(c);
	cr_assert_gt(b0, 0);
	cr_assert_gt(nl, 0);
	struct model *m = load_zoo("efficientnet_lite0");
	struct model_cost cost;
	model_cost(m, &cost);
	cr_expect_gt(lite[0].macs, b0, "the Lite README gives Lite0 %.0fM, B0 has %.0fM",
		     lite[0].macs / 1e6, b0 / 1e6);
	cr_expect_lt(cost.macs, b0, "the count of Lite0 (%.1fM) is below B0's %.0fM",
		     cost.macs / 1e6, b0 / 1e6);
	model_destroy(m);
}

/* ---- architecture tables ---- */

/* out_c of the layers whose name ends in suffix, in order. */
static int channels_of(const struct model *m, const char *suffix, int *c, int max)
{
	int n = 0;
	size_t ls = strlen(suffix);
	for (int i = 0; i < m->n_layers; i++) {
		size_t ln = strlen(m->layers[i].name);
		if (ln >= ls && strcmp(m->layers[i].name + ln - ls, suffix) == 0) {
			cr_assert_lt(n, max);
			c[n++] = m->layers[i].k.out_c;
		}
	}
	return n;
}

Test(models, mobilenet_v2_follows_table2)
{
	/* Sandler et al. 2018 Table 2: t, c, n, s */
	static const int rows[7][4] = {{1, 16, 1, 1},  {6, 24, 2, 2},  {6, 32, 3, 2},
				       {6, 64, 4, 2},  {6, 96, 3, 1},  {6, 160, 3, 2},
				       {6, 320, 1, 1}};
	struct model *m = load_zoo("mobilenet_v2");
	int proj[32], n = channels_of(m, "_project", proj, 32), b = 0;
	cr_assert_eq(n, 17, "17 bottlenecks, %d", n);
	cr_expect_eq(last_block(m), 17);
	int in_c = 32, hw = 112;
	for (int r = 0; r < 7; r++)
		for (int k = 0; k < rows[r][2]; k++, b++) {
			cr_expect_eq(proj[b], rows[r][1], "bottleneck %d", b + 1);
			char name[64];
			snprintf(name, sizeof name, "expanded_conv%s%.0d_depthwise", b ? "_" : "", b);
			const struct layer *dw = layer(m, name);
			int s = k == 0 ? rows[r][3] : 1;
			cr_expect_eq(dw->k.stride, s, "%s", name);
			cr_expect_eq(dw->k.in_c, rows[r][0] * in_c, "%s: t = %d", name, rows[r][0]);
			cr_expect_eq(dw->k.in_h, hw, "%s", name);
			hw = (hw + s - 1) / s;
			in_c = rows[r][1];
		}
	cr_expect_eq(layer(m, "Conv_1")->k.out_c, 1280);
	cr_expect_eq(layer(m, "Logits")->k.out_c, 1000);

	/* width: the expansion follows the actual input, the last conv never shrinks */
	struct model *w = apply(m, 0.35, 0, DT_FP32);
	/* block 5 reads 32 x 0.35 -> make_divisible8 16 channels, expands to 96, not
	   make_divisible8(192 x 0.35) = 64 */
	cr_expect_eq(layer(w, "expanded_conv_4_expand")->k.out_c, 96);
	cr_expect_eq(layer(w, "Conv_1")->k.out_c, 1280);
	model_destroy(w);
	w = apply(m, 1.4, 0, DT_FP32);
	cr_expect_eq(layer(w, "Conv_1")->k.out_c, 1792);
	model_destroy(w);
	model_destroy(m);
}

Test(models, mobilenet_v3_follows_tables_1_and_2)
{
	/* Howard et al. 2019 Table 1 (Large) and Table 2 (Small): exp size per bneck, SE */
	static const int large_exp[15] = {16,  64,  72,  72,  120, 120, 240, 200,
					  184, 184, 480, 672, 672, 960, 960};
	static const int large_se[15] = {0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1};
	static const int small_exp[11] = {16, 72, 88, 96, 240, 240, 120, 144, 288, 576, 576};
	static const int small_se[11] = {1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1};
	const struct {
		const char *name;
		const int *exp, *se;
		int n, last;
	} nets[2] = {{"mobilenet_v3_large", large_exp, large_se, 15, 960},
		     {"mobilenet_v3_small", small_exp, small_se, 11, 576}};
	for (int t = 0; t < 2; t++) {
		struct model *m = load_zoo(nets[t].name);
		cr_expect_eq(last_block(m), nets[t].n);
		for (int b = 0; b < nets[t].n; b++) {
			char name[80];
			snprintf(name, sizeof name, "expanded_conv%s%.0d_depthwise", b ? "_" : "", b);
			const struct layer *dw = layer(m, name);
			cr_expect_eq(dw->k.out_c, nets[t].exp[b], "%s %s", nets[t].name, name);
			snprintf(name, sizeof name, "expanded_conv%s%.0d_se_squeeze", b ? "_" : "", b);
			int has_se = 0, sq = -1;
			for (int i = 0; i < m->n_layers; i++)
				if (strcmp(m->layers[i].name, name) == 0) {
					has_se = 1;
					sq = m->layers[i].k.out_c;
				}
			cr_expect_eq(has_se, nets[t].se[b], "%s %s", nets[t].name, name);
			if (has_se) /* TF-slim: make_divisible(C / 4, 8) */
				cr_expect_eq(sq, model_round_value("make_divisible8",
								   nets[t].exp[b] / 4.0),
					     "%s", name);
		}
		cr_expect_eq(layer(m, "Conv_1")->k.out_c, nets[t].last);
		model_destroy(m);
	}

	/* SE: avgpool, squeeze fc, excite fc matching the gated layer, an add reading it twice */
	struct model *m = load_zoo("mobilenet_v3_large");
	const struct layer *scale = layer(m, "expanded_conv_3_se_scale");
	const struct layer *dw = layer(m, "expanded_conv_3_depthwise");
	cr_expect_eq(scale->k.op, KOP_ADD);
	cr_expect_eq(scale->input, scale->input2);
	cr_expect_str_eq(m->layers[scale->input].name, "expanded_conv_3_depthwise");
	cr_expect_eq(kshape_macs(&scale->k), kshape_out_h(&dw->k) * kshape_out_w(&dw->k) * 72.0);
	cr_expect_eq(layer(m, "expanded_conv_3_se_excite")->match,
		     (int)(dw - m->layers));
	struct model *w = apply(m, 0.75, 0, DT_INT8);
	cr_expect_eq(layer(w, "expanded_conv_3_se_excite")->k.out_c,
		     layer(w, "expanded_conv_3_depthwise")->k.out_c);
	cr_expect_eq(layer(w, "expanded_conv_3_se_squeeze")->k.out_c,
		     model_round_value("make_divisible8",
				       layer(w, "expanded_conv_3_depthwise")->k.out_c / 4.0));
	/* Conv_2 keeps 1280 below width 1: the 0.75 checkpoint's 4.0M params need it */
	cr_expect_eq(layer(w, "Conv_2")->k.out_c, 1280);
	model_destroy(w);
	model_destroy(m);
}

Test(models, resnets_follow_table1)
{
	/* He et al. 2016 Table 1: output sizes 56/28/14/7; 18 and 50 weighted layers */
	static const struct {
		const char *name;
		int layers, blocks, last_c;
		double table_gflops; /* Table 1 FLOPs row (multiply-adds); 0 where not checked */
	} nets[2] = {{"resnet18", 18, 8, 512, 1.8}, {"resnet50", 50, 16, 2048, 0}};
	for (int t = 0; t < 2; t++) {
		struct model *m = load_zoo(nets[t].name);
		int weighted = 0, projections = 0;
		for (int i = 0; i < m->n_layers; i++) {
			const struct layer *l = &m->layers[i];
			if (strstr(l->name, "downsample"))
				projections++;
			else if (l->k.op == KOP_CONV || l->k.op == KOP_FC)
				weighted++;
		}
		cr_expect_eq(weighted, nets[t].layers, "%s: %d weighted layers", nets[t].name,
			     weighted);
		cr_expect_eq(projections, nets[t].layers == 18 ? 3 : 4);
		cr_expect_eq(last_block(m), nets[t].blocks);
		cr_expect_eq(layer(m, "maxpool")->k.in_h, 112);
		cr_expect_eq(layer(m, "layer1_0_add")->k.in_h, 56);
		cr_expect_eq(layer(m, "layer2_0_add")->k.in_h, 28);
		cr_expect_eq(layer(m, "layer3_0_add")->k.in_h, 14);
		cr_expect_eq(layer(m, "layer4_0_add")->k.in_h, 7);
		cr_expect_eq(layer(m, "fc")->k.in_c, nets[t].last_c);
		const struct layer *down = layer(m, "layer2_0_downsample");
		cr_expect(down->k.kernel == 1 && down->k.stride == 2, "projection 1x1 s2");
		/* the projection reads the last block of conv2_x: 2 blocks (18), 3 (50) */
		cr_expect_str_eq(m->layers[down->input].name,
				 nets[t].layers == 18 ? "layer1_1_add" : "layer1_2_add");
		if (nets[t].table_gflops > 0) {
			struct model_cost c;
			model_cost(m, &c);
			cr_expect(fabs(c.macs / 1e9 - nets[t].table_gflops) / nets[t].table_gflops <
					  0.03,
				  "%s: %.3f GMACs, Table 1 %.1f", nets[t].name, c.macs / 1e9,
				  nets[t].table_gflops);
		}
		model_destroy(m);
	}
}

Test(models, efficientnet_lite_coefficients)
{
	/* efficientnet_lite_builder.py: (width, depth, resolution) per model */
	static const struct {
		double width, depth;
		int res;
	} co[5] = {{1.0, 1.0, 224}, {1.0, 1.1, 240}, {1.1, 1.2, 260}, {1.2, 1.4, 280},
		   {1.4, 1.8, 300}};
	/* Tan & Le 2019 Table 1 (B0): channels and layers per stage */
	static const int ch[7] = {16, 24, 40, 80, 112, 192, 320};
	static const int reps[7] = {1, 2, 2, 3, 3, 4, 1};
	static const int kernel[7] = {3, 3, 5, 3, 5, 5, 3};
	static const int stride[7] = {1, 2, 2, 2, 1, 2, 1};
	static const int expand[7] = {1, 6, 6, 6, 6, 6, 6};
	for (int i = 0; i < 5; i++) {
		char name[32];
		snprintf(name, sizeof name, "efficientnet_lite%d", i);
		struct model *m = load_zoo(name);
		cr_expect_eq(m->layers[0].k.in_h, co[i].res, "%s", name);
		cr_expect_eq(layer(m, "stem_conv")->k.out_c, 32, "%s: stem fixed", name);
		cr_expect_eq(layer(m, "head_conv")->k.out_c, 1280, "%s: head fixed", name);
		int proj[64], n = channels_of(m, "_project", proj, 64), b = 0, blocks = 0;
		for (int s = 0; s < 7; s++) {
			/* the first and last stages are not repeated more (fix_head_stem) */
			int r = s == 0 || s == 6 ? reps[s] : (int)ceil(co[i].depth * reps[s] - 1e-9);
			int c = model_round_channels("make_divisible8", ch[s], co[i].width);
			for (int k = 0; k < r && b < n; k++, b++) {
				cr_expect_eq(proj[b], c, "%s: stage %d block %d", name, s + 1, k + 1);
				char dn[48];
				snprintf(dn, sizeof dn, "blocks_%d_depthwise", b);
				const struct layer *dw = layer(m, dn);
				cr_expect(dw->k.kernel == kernel[s] && dw->k.stride == (k ? 1 : stride[s]),
					  "%s %s: k%d s%d", name, dn, dw->k.kernel, dw->k.stride);
				int in_c = b == 0 ? 32 : proj[b - 1];
				cr_expect_eq(dw->k.in_c, in_c * expand[s], "%s %s", name, dn);
			}
			blocks += r;
		}
		cr_expect_eq(n, blocks, "%s: %d blocks, spec has %d", name, blocks, n);
		cr_expect_eq(last_block(m), blocks);
		for (int l = 0; l < m->n_layers; l++)
			cr_expect(strstr(m->layers[l].name, "se_") == NULL, "Lite has no SE");
		model_destroy(m);
	}
}

/* ---- prune, lowrank, exit ---- */

Test(models, prune_removes_floor_of_a_fraction_and_keeps_adds_consistent)
{
	struct model *base = load_zoo("mobilenet_v2");
	struct model *m = apply_key(base, "prune=0.5");
	/* block 1's projection feeds no add (block 2 changes channels): pruned 16 -> 8 */
	cr_expect_eq(layer(m, "expanded_conv_project")->k.out_c, 8);
	/* projections whose output meets an add keep their channels */
	cr_expect_eq(layer(m, "expanded_conv_1_project")->k.out_c, 24);
	cr_expect_eq(layer(m, "expanded_conv_2_project")->k.out_c, 24);
	/* an expansion keeps half of what it has without prune (make_divisible8(16 x 6) =
	   96 -> 48), even though its input was pruned: pruning does not compound */
	cr_expect_eq(layer(m, "expanded_conv_1_expand")->k.in_c, 8);
	cr_expect_eq(layer(m, "expanded_conv_1_expand")->k.out_c, 48);
	cr_expect_eq(layer(m, "expanded_conv_1_depthwise")->k.out_c, 48);
	cr_expect_eq(layer(m, "Conv")->k.out_c, 16);
	cr_expect_eq(layer(m, "Conv_1")->k.out_c, 640);
	cr_expect_eq(layer(m, "Logits")->k.out_c, 1000);
	struct model_cost c0, c1;
	model_cost(base, &c0);
	model_cost(m, &c1);
	cr_expect_lt(c1.macs, c0.macs * 0.6);
	model_destroy(m);

	/* floor: 64 channels at 0.3 lose floor(19.2) = 19 */
	struct model *v1 = load_zoo("mobilenet_v1");
	m = apply_key(v1, "prune=0.3");
	cr_expect_eq(layer(m, "Conv2d_1_pointwise")->k.out_c, 45);
	cr_expect_eq(layer(m, "Conv2d_2_depthwise")->k.out_c, 45);
	cr_expect_eq(layer(m, "Logits")->k.out_c, 1000);
	model_destroy(m);
	/* with width: prune acts on the width's channel count */
	m = apply_key(v1, "width=0.5,prune=0.5");
	cr_expect_eq(layer(m, "Conv2d_13_pointwise")->k.out_c, 256);
	model_destroy(m);
	model_destroy(v1);
	model_destroy(base);

	/* ResNet-18: identity shortcuts tie the stem and every block's last conv */
	base = load_zoo("resnet18");
	m = apply_key(base, "prune=0.5");
	cr_expect_eq(layer(m, "conv1")->k.out_c, 64);
	cr_expect_eq(layer(m, "layer1_0_conv1")->k.out_c, 32);
	cr_expect_eq(layer(m, "layer1_0_conv2")->k.in_c, 32);
	cr_expect_eq(layer(m, "layer1_0_conv2")->k.out_c, 64);
	cr_expect_eq(layer(m, "layer2_0_downsample")->k.out_c, 128);
	model_destroy(m);
	model_destroy(base);

	/* SE: the excitation follows the pruned gated layer */
	base = load_zoo("mobilenet_v3_large");
	m = apply_key(base, "prune=0.5");
	cr_expect_eq(layer(m, "expanded_conv_3_depthwise")->k.out_c, 36);
	cr_expect_eq(layer(m, "expanded_conv_3_se_excite")->k.out_c, 36);
	cr_expect_eq(layer(m, "expanded_conv_3_se_squeeze")->k.out_c, 12);
	cr_expect_eq(layer(m, "expanded_conv_3_project")->k.out_c, 40);
	model_destroy(m);
	model_destroy(base);

	/* every zoo model prunes to a consistent spec (model_apply checks every add) */
	for (size_t z = 0; z < N_ZOO; z++) {
		base = load_zoo(zoo[z]);
		double full = macs_of(base, "prune=0"), half = macs_of(base, "prune=0.5");
		cr_expect_lt(half, full, "%s", zoo[z]);
		model_destroy(base);
	}
}

Test(models, lowrank_splits_layers_where_it_saves)
{
	struct model *base = load_zoo("mobilenet_v1");
	struct model *m = apply_key(base, "lowrank=0.25");
	/* 1x1 1024 -> 1024: rank 256 of 1024, 256 (1024 + 1024) < 1024 x 1024 */
	const struct layer *a = layer(m, "Conv2d_13_pointwise_lr");
	const struct layer *b = layer(m, "Conv2d_13_pointwise");
	cr_expect(a->k.op == KOP_CONV && a->k.in_c == 1024 && a->k.out_c == 256 && a->k.kernel == 1);
	cr_expect(b->k.in_c == 256 && b->k.out_c == 1024 && b->k.kernel == 1 && b->k.stride == 1);
	cr_expect_eq(b->input, (int)(a - m->layers));
	cr_expect_str_eq(m->layers[a->input].name, "Conv2d_13_depthwise");
	/* the stem: 3x3x3 -> 32, full rank 27, rank ceil(0.25 x 27) = 7; keeps k3 s2 */
	a = layer(m, "Conv2d_0_lr");
	cr_expect(a->k.out_c == 7 && a->k.kernel == 3 && a->k.stride == 2);
	cr_expect(layer(m, "Conv2d_0")->k.in_h == 112 && layer(m, "Conv2d_0")->k.in_c == 7);
	/* the classifier: fc 1024 -> 1000, rank 250 */
	cr_expect_eq(layer(m, "Logits_lr")->k.out_c, 250);
	cr_expect(layer(m, "Logits")->k.op == KOP_FC && layer(m, "Logits")->k.in_c == 250);
	/* dwconv is never factorised */
	for (int i = 0; i < m->n_layers; i++)
		cr_expect(!(m->layers[i].k.op == KOP_DWCONV && strstr(m->layers[i].name, "_lr")));
	cr_expect_eq(m->n_layers, base->n_layers + 15); /* 13 pointwise, the stem, Logits */
	struct model_cost c0, c1;
	model_cost(base, &c0);
	model_cost(m, &c1);
	/* a square 1x1 at rank 1/4 costs half: 256 (1024 + 1024) = 1024 x 1024 / 2 */
	cr_expect_lt(c1.macs, c0.macs * 0.55);
	model_destroy(m);

	/* at 0.9 a square 1x1 would cost more factorised: left alone */
	m = apply_key(base, "lowrank=0.9");
	for (int i = 0; i < m->n_layers; i++)
		cr_expect(strcmp(m->layers[i].name, "Conv2d_13_pointwise_lr") != 0);
	model_destroy(m);
	/* 1 is the identity */
	cr_expect_eq(macs_of(base, "lowrank=1"), c0.macs);
	model_destroy(base);

	/* indices stay right around a residual block */
	base = load_zoo("resnet18");
	m = apply_key(base, "lowrank=0.5");
	const struct layer *add = layer(m, "layer1_0_add");
	cr_expect_str_eq(m->layers[add->input].name, "layer1_0_conv2");
	cr_expect_str_eq(m->layers[add->input2].name, "maxpool");
	cr_expect_str_eq(m->layers[layer(m, "layer2_0_downsample_lr")->input].name,
			 "layer1_1_add");
	model_destroy(m);
	model_destroy(base);
}

Test(models, exit_cuts_after_a_block_with_a_pool_and_fc_head)
{
	struct model *base = load_zoo("mobilenet_v2");
	struct model *m = apply_key(base, "width=0.5,exit=6");
	const struct layer *pool = &m->layers[m->n_layers - 2], *fc = &m->layers[m->n_layers - 1];
	cr_expect_str_eq(pool->name, "exit_pool");
	cr_expect_str_eq(fc->name, "exit_fc");
	/* block 6 is the third of Table 2's c = 32 row: 28x28x(32 x 0.5) */
	cr_expect_str_eq(m->layers[pool->input].name, "expanded_conv_5_add");
	cr_expect(pool->k.op == KOP_AVGPOOL && pool->k.in_h == 28 && pool->k.kernel == 28 &&
		  pool->k.in_c == 16, "%dx%dx%d k%d", pool->k.in_h, pool->k.in_w, pool->k.in_c,
		  pool->k.kernel);
	cr_expect(fc->k.op == KOP_FC && fc->k.in_c == 16 && fc->k.out_c == 1000);
	for (int i = 0; i < m->n_layers - 2; i++)
		cr_expect(m->layers[i].block >= 0 && m->layers[i].block <= 6, "%s",
			  m->layers[i].name);
	model_destroy(m);

	/* res adapts the exit pool; the full depth's exit is the spec's own head cost */
	m = apply_key(base, "res=160,exit=6");
	cr_expect_eq(m->layers[m->n_layers - 2].k.kernel, 20);
	model_destroy(m);
	model_destroy(base);
	base = load_zoo("mobilenet_v1");
	cr_expect_float_eq(macs_of(base, "exit=13"), macs_of(base, "width=1"), 0.5);
	cr_expect_lt(macs_of(base, "exit=5"), macs_of(base, "width=1") / 2);

	/* a block the spec does not have, or a spec without blocks */
	struct model_ops ops;
	struct errbuf eb = {0, ""};
	cr_assert_eq(model_ops_parse_key(base, "exit=14", &ops, &eb), 0);
	cr_expect_eq(model_apply(base, &ops, &m, &eb), ERR_RANGE);
	cr_expect(strstr(eb.msg, "exit 14: the spec has no block 14 (its blocks go up to 13)"),
		  "%s", eb.msg);
	struct variant_set *vs = NULL;
	cr_expect_eq(variants_enumerate(base, "exit=2,20", &vs, &eb), ERR_RANGE);
	cr_expect(strstr(eb.msg, "operators 'exit=2,20': exit 20") != NULL, "%s", eb.msg);
	cr_expect_eq(variants_enumerate(base, "exit=0", &vs, &eb), ERR_RANGE);
	cr_expect_null(vs);
	model_destroy(base);
}

Test(models, operators_combine_into_variants_and_kernels)
{
	struct model *base = load_zoo("resnet18");
	struct variant_set *vs = NULL;
	struct errbuf eb = {0, ""};
	cr_assert_eq(variants_enumerate(base,
					"width=1,0.5 res=224,160 quant=fp32,int8 prune=0,0.25 "
					"lowrank=1,0.5 exit=none,4",
					&vs, &eb),
		     0, "%s", eb.msg);
	cr_assert_eq(vs->n, 64);
	cr_expect_str_eq(vs->v[0].key, "resnet18:width=1,res=224,quant=fp32");
	cr_expect_str_eq(vs->v[63].key,
			 "resnet18:width=0.5,res=160,quant=int8,prune=0.25,lowrank=0.5,exit=4");
	int n_acc = 0;
	struct kshape *k = NULL;
	int n = 0;
	for (int i = 0; i < vs->n; i++) {
		const struct variant *v = &vs->v[i];
		n_acc += v->has_top1;
		/* each operator away from its identity costs less than the plain variant */
		struct model_ops plain = v->ops;
		plain.prune = 0;
		plain.lowrank = 1;
		plain.exit = 0;
		int reduced = v->ops.prune > 0 || v->ops.lowrank < 1 || v->ops.exit > 0;
		for (int j = 0; j < vs->n && reduced; j++) {
			const struct variant *p = &vs->v[j];
			if (p->ops.width == plain.width && p->ops.res == plain.res &&
			    p->ops.quant == plain.quant && p->ops.prune == 0 && p->ops.lowrank == 1 &&
			    p->ops.exit == 0)
				cr_expect_lt(v->cost.macs, p->cost.macs, "%s", v->key);
		}
		for (int l = 0; l < v->spec->n_layers; l++)
			cr_expect_eq(v->spec->layers[l].k.dtype, v->ops.quant);
		cr_assert_eq(model_kernels(v->spec, &k, &n, &eb), 0, "%s", eb.msg);
	}
	/* only the two unreduced 224 variants at width 1 are in torchvision's table */
	cr_expect_eq(n_acc, 2);
	cr_expect_gt(n, 100);
	free(k);
	variant_set_destroy(vs);
	model_destroy(base);
}

/* ---- accuracy: joins over several tables, and the estimator ---- */

static struct variant_set *variants(const struct model *base, const char *ops)
{
	struct variant_set *vs = NULL;
	struct errbuf eb = {0, ""};
	cr_assert_eq(variants_enumerate(base, ops, &vs, &eb), 0, "%s", eb.msg);
	return vs;
}

static const struct variant *find_variant(const struct variant_set *vs, const char *key)
{
	for (int i = 0; i < vs->n; i++)
		if (strcmp(vs->v[i].key, key) == 0)
			return &vs->v[i];
	cr_assert_fail("no variant %s", key);
	return NULL;
}

Test(models, accuracy_joins_constants_mapped_columns_and_second_tables)
{
	/* MobileNet V2: fp32 from TF-slim's table, int8 from the TFLite hosted models */
	struct model *m = load_zoo("mobilenet_v2");
	struct variant_set *vs = variants(m, "width=1,0.5 quant=fp32,int8");
	const struct variant *v = find_variant(vs, "mobilenet_v2:width=1,res=224,quant=int8");
	cr_expect(v->has_top1 && v->top1 == 70.8 && v->has_top5 && v->top5 == 89.9);
	cr_expect_str_eq(v->acc_ref, "tflite_hosted_models.csv:20");
	cr_expect(strncmp(v->acc_source, "tensorflow/tensorflow tensorflow/lite", 37) == 0);
	v = find_variant(vs, "mobilenet_v2:width=1,res=224,quant=fp32");
	cr_expect(v->top1 == 71.8 && strcmp(v->acc_ref, "mobilenet_v2_imagenet.csv:6") == 0);
	cr_expect_float_eq(v->table_macs, 300e6, 1);
	cr_expect(!find_variant(vs, "mobilenet_v2:width=0.5,res=224,quant=int8")->has_top1);
	variant_set_destroy(vs);
	model_destroy(m);

	/* MobileNet V3: constant terms pick Large/Small and minimalistic rows */
	m = load_zoo("mobilenet_v3_small");
	vs = variants(m, "width=1,0.75 quant=fp32,int8");
	cr_expect_eq(find_variant(vs, "mobilenet_v3_small:width=1,res=224,quant=int8")->top1, 64.9);
	cr_expect_eq(find_variant(vs, "mobilenet_v3_small:width=0.75,res=224,quant=fp32")->top1,
		     65.4);
	cr_expect(!find_variant(vs, "mobilenet_v3_small:width=0.75,res=224,quant=int8")->has_top1);
	cr_expect(!find_variant(vs, "mobilenet_v3_small:width=1,res=224,quant=int8")->has_top5);
	variant_set_destroy(vs);
	model_destroy(m);

	/* EfficientNet-Lite: quant picks the top1 column; MACs from madds_m */
	m = load_zoo("efficientnet_lite3");
	vs = variants(m, "quant=fp32,int8,fp16");
	v = find_variant(vs, "efficientnet_lite3:width=1,res=280,quant=int8");
	cr_expect(v->top1 == 79.0 && !v->has_top5 && v->table_macs == 1440e6);
	cr_expect_str_eq(v->acc_ref, "efficientnet_lite_imagenet.csv:7");
	cr_expect_eq(find_variant(vs, "efficientnet_lite3:width=1,res=280,quant=fp32")->top1, 79.8);
	cr_expect(!find_variant(vs, "efficientnet_lite3:width=1,res=280,quant=fp16")->has_top1);
	variant_set_destroy(vs);
	model_destroy(m);

	/* ResNet-50: torchvision's V1 weights (fp32) and FBGEMM V1 (int8), GFLOPs as MACs */
	m = load_zoo("resnet50");
	vs = variants(m, NULL);
	v = find_variant(vs, "resnet50:width=1,res=224,quant=fp32");
	cr_expect(v->top1 == 76.13 && v->top5 == 92.862);
	cr_expect_float_eq(v->table_macs, 4.089e9, 1);
	cr_expect_eq(find_variant(vs, "resnet50:width=1,res=224,quant=int8")->top1, 75.92);
	variant_set_destroy(vs);
	model_destroy(m);
}

Test(models, estimates_only_when_asked_and_labelled)
{
	struct model *m = load_zoo("mobilenet_v2");
	struct errbuf eb = {0, ""};
	struct variant_set *vs = variants(m, "width=1,0.35 res=200,64 quant=fp32,fp16");
	for (int i = 0; i < vs->n; i++)
		cr_expect(!vs->v[i].has_top1 && !vs->v[i].top1_estimated, "%s", vs->v[i].key);
	cr_assert_eq(variants_estimate(m, vs, &eb), 0, "%s", eb.msg);

	/* 1.0 at 200 lies between the published 1.0_192 (70.7) and 1.0_224 (71.8) */
	const struct variant *v = find_variant(vs, "mobilenet_v2:width=1,res=200,quant=fp32");
	double lo = macs_of(m, "res=192"), hi = macs_of(m, "res=224");
	double want = 70.7 + (71.8 - 70.7) * log(v->cost.macs / lo) / log(hi / lo);
	cr_expect(v->has_top1 && v->top1_estimated && !v->has_top5);
	cr_expect_float_eq(v->top1, want, 1e-9, "%.4f, want %.4f", v->top1, want);
	cr_expect_str_eq(v->acc_ref,
			 "estimated: mobilenet_v2_imagenet.csv:7..mobilenet_v2_imagenet.csv:6");
	cr_expect(strncmp(v->acc_source, "tensorflow/models", 17) == 0);

	/* below the smallest published model: no estimate, and why */
	v = find_variant(vs, "mobilenet_v2:width=0.35,res=64,quant=fp32");
	cr_expect(!v->has_top1);
	cr_expect(strstr(v->acc_note, "outside the published MACs range at fp32") != NULL, "%s",
		  v->acc_note);
	/* no published fp16 row: no estimate */
	v = find_variant(vs, "mobilenet_v2:width=1,res=200,quant=fp16");
	cr_expect(!v->has_top1);
	cr_expect_str_eq(v->acc_note, "no published row at fp16");
	variant_set_destroy(vs);

	/* the anchors are this model's rows only: V3 Large's table also holds Small */
	struct model *v3 = load_zoo("mobilenet_v3_large");
	vs = variants(v3, "width=0.5,0.9");
	cr_assert_eq(variants_estimate(v3, vs, &eb), 0, "%s", eb.msg);
	v = find_variant(vs, "mobilenet_v3_large:width=0.5,res=224,quant=fp32");
	cr_expect(!v->has_top1, "%s: %.1f from %s", v->key, v->top1, v->acc_ref);
	cr_expect(strstr(v->acc_note, "(156.0M to 218.3M)") != NULL, "%s", v->acc_note);
	v = find_variant(vs, "mobilenet_v3_large:width=0.9,res=224,quant=fp32");
	cr_expect(v->top1_estimated && v->top1 > 73.3 && v->top1 < 75.2, "%.2f", v->top1);
	cr_expect_str_eq(v->acc_ref,
			 "estimated: mobilenet_v3_imagenet.csv:6..mobilenet_v3_imagenet.csv:4");
	variant_set_destroy(vs);
	model_destroy(v3);
	/* ... and Small's must not borrow Large's 75.2 at width 1 */
	v3 = load_zoo("mobilenet_v3_small");
	vs = variants(v3, "width=0.9");
	cr_assert_eq(variants_estimate(v3, vs, &eb), 0, "%s", eb.msg);
	cr_expect(vs->v[0].top1_estimated && vs->v[0].top1 > 65.4 && vs->v[0].top1 < 67.5,
		  "%.2f from %s", vs->v[0].top1, vs->v[0].acc_ref);
	variant_set_destroy(vs);
	model_destroy(v3);

	/* published rows stay published */
	vs = variants(m, "width=1,0.75 res=224,96");
	cr_assert_eq(variants_estimate(m, vs, &eb), 0);
	for (int i = 0; i < vs->n; i++)
		cr_expect(vs->v[i].has_top1 && !vs->v[i].top1_estimated, "%s", vs->v[i].key);
	variant_set_destroy(vs);
	model_destroy(m);

	/*
	 * The Pareto front: MobileNet V1 0.5_192 (110.0M, 61.7) is less accurate than 0.75_128
	 * (106.8M, 62.1), so a variant of 108.7M lies between 0.75_128 and 0.5_224 (149.5M,
	 * 63.3), not on a falling segment to 0.5_192.
	 */
	m = load_zoo("mobilenet_v1");
	vs = variants(m, "width=0.5 res=192 prune=0.01");
	cr_assert_eq(variants_estimate(m, vs, &eb), 0);
	v = &vs->v[0];
	cr_expect(v->cost.macs > 106.8e6 && v->cost.macs < 110.0e6, "%.1fM", v->cost.macs / 1e6);
	cr_expect_str_eq(v->acc_ref,
			 "estimated: mobilenet_v1_imagenet.csv:10..mobilenet_v1_imagenet.csv:11");
	cr_expect(v->top1 > 62.1 && v->top1 < 63.3, "%.2f", v->top1);
	variant_set_destroy(vs);
	model_destroy(m);
}

/* ---- the new columns and metadata, as bad input ---- */

#define HEADER_X "name,op,in_h,in_w,in_c,out_c,kernel,stride,groups,input2,fixed_width,input," \
		 "block,expand,match\n"
#define MD8 "# width_rounding: make_divisible8\n"

Test(models, bad_channel_rules_and_blocks_name_file_and_line, .init = make_tmpdir,
     .fini = remove_tmpdir)
{
	expect_bad("expand_dw.csv",
		   MD8 HEADER_X "a,conv,8,8,3,16,3,1,1,,0,,0,,\n"
				"b,dwconv,8,8,16,16,3,1,16,,0,,1,6,\n",
		   ERR_PARSE, 4, "expand is for conv and fc layers, not dwconv");
	expect_bad("expand_off.csv",
		   MD8 HEADER_X "a,conv,8,8,3,16,3,1,1,,0,,0,,\n"
				"b,conv,8,8,16,64,1,1,1,,0,,1,6,\n",
		   ERR_RANGE, 4, "out_c 64 is not in_c 16 x expand 6 rounded by make_divisible8 (96)");
	expect_bad("expand_bad.csv",
		   MD8 HEADER_X "a,conv,8,8,3,16,3,1,1,,0,,0,,\n"
				"b,conv,8,8,16,96,1,1,1,,0,,1,6/0,\n",
		   ERR_RANGE, 4, "expand '6/0' is not a positive factor");
	expect_bad("expand_fixed.csv",
		   MD8 HEADER_X "a,conv,8,8,3,16,3,1,1,,0,,0,,\n"
				"b,conv,8,8,16,96,1,1,1,,1,,1,6,\n",
		   ERR_PARSE, 4, "expand on a layer with fixed_width 1");
	expect_bad("match_unknown.csv",
		   MD8 HEADER_X "a,conv,8,8,3,16,3,1,1,,0,,0,,\n"
				"p,avgpool,8,8,16,16,8,8,1,,0,,1,,\n"
				"f,fc,1,1,16,16,1,1,1,,0,,1,,zz\n",
		   ERR_PARSE, 5, "unknown match 'zz'");
	expect_bad("match_off.csv",
		   MD8 HEADER_X "a,conv,8,8,3,16,3,1,1,,0,,0,,\n"
				"p,avgpool,8,8,16,16,8,8,1,,0,,1,,\n"
				"f,fc,1,1,16,8,1,1,1,,0,,1,,a\n",
		   ERR_RANGE, 5, "out_c 8 differs from the 16 channels of 'a' it matches");
	expect_bad("block_back.csv",
		   MD8 HEADER_X "a,conv,8,8,3,16,3,1,1,,0,,2,,\n"
				"b,conv,8,8,16,16,1,1,1,,0,,1,,\n",
		   ERR_PARSE, 4, "block 1 after block 2 of 'a' (blocks never decrease)");
	expect_bad("block_after_head.csv",
		   MD8 HEADER_X "a,conv,8,8,3,16,3,1,1,,0,,,,\n"
				"b,conv,8,8,16,16,1,1,1,,0,,1,,\n",
		   ERR_PARSE, 4, "block 1 after 'a', which has none");
	expect_bad("block_neg.csv", MD8 HEADER_X "a,conv,8,8,3,16,3,1,1,,0,,-1,,\n", ERR_RANGE, 3,
		   "block");
	expect_bad("fixed3.csv", MD8 HEADER_X "a,conv,8,8,3,16,3,1,1,,3,,0,,\n", ERR_RANGE, 3,
		   "fixed_width");

	/* metadata: a ladder naming a block the spec lacks, sources out of order, columns */
	char path[256];
	struct model *m = NULL;
	struct errbuf eb = {0, ""};
	write_spec("ladder_exit.csv",
		   MD8 "# ladder: exit=1,3\n" HEADER_X "a,conv,8,8,3,16,3,1,1,,0,,0,,\n"
						       "b,conv,8,8,16,16,1,1,1,,0,,1,,\n",
		   path, sizeof path);
	cr_expect_eq(model_load(path, &m, &eb), ERR_RANGE);
	cr_expect(strstr(eb.msg, "ladder_exit.csv: ladder: exit 3: the spec has no block 3") !=
			  NULL,
		  "%s", eb.msg);
	write_spec("acc2.csv",
		   "# accuracy_table_2: x.csv\n# accuracy_join_2: width=w\n" HEADER
		   "a,conv,8,8,3,4,3,1,1,,0\n",
		   path, sizeof path);
	cr_expect_eq(model_load(path, &m, &eb), ERR_PARSE);
	cr_expect(strstr(eb.msg, "acc2.csv: accuracy_table_2 without the sources before it") !=
			  NULL,
		  "%s", eb.msg);
	write_spec("cols.csv",
		   "# accuracy_table: x.csv\n# accuracy_join: size==large\n"
		   "# accuracy_columns: top1=quant(fp32:a,int8:b) acc=c\n" HEADER
		   "a,conv,8,8,3,4,3,1,1,,0\n",
		   path, sizeof path);
	cr_expect_eq(model_load(path, &m, &eb), ERR_PARSE);
	cr_expect(strstr(eb.msg, "cols.csv: accuracy_columns: unknown column role 'acc'") != NULL,
		  "%s", eb.msg);
	write_spec("cjoin.csv",
		   "# accuracy_table: x.csv\n# accuracy_join: size==\n" HEADER
		   "a,conv,8,8,3,4,3,1,1,,0\n",
		   path, sizeof path);
	cr_expect_eq(model_load(path, &m, &eb), ERR_PARSE);
	cr_expect(strstr(eb.msg, "cjoin.csv: accuracy_join: size==: expected a value") != NULL,
		  "%s", eb.msg);
	cr_expect_null(m);
}

Test(models, a_small_spec_with_every_column, .init = make_tmpdir, .fini = remove_tmpdir)
{
	/* an inverted residual with SE and a block column, under every operator */
	char path[256];
	write_spec("ir.csv",
		   MD8 "# ladder: width=1,0.5 prune=0,0.5 lowrank=1,0.5 exit=none,1\n" HEADER_X
		       "stem,conv,16,16,3,16,3,2,1,,0,,0,,\n"
		       "b1_expand,conv,8,8,16,96,1,1,1,,0,,1,6,\n"
		       "b1_dw,dwconv,8,8,96,96,3,1,96,,0,,1,,\n"
		       "b1_pool,avgpool,8,8,96,96,8,8,1,,0,,1,,\n"
		       "b1_sq,fc,1,1,96,24,1,1,1,,0,,1,1/4,\n"
		       "b1_ex,fc,1,1,24,96,1,1,1,,0,,1,,b1_dw\n"
		       "b1_scale,add,8,8,96,96,1,1,1,b1_dw,0,b1_dw,1,,\n"
		       "b1_project,conv,8,8,96,16,1,1,1,,0,,1,,\n"
		       "b1_add,add,8,8,16,16,1,1,1,stem,0,,1,,\n"
		       "b2_project,conv,8,8,16,32,1,2,1,,0,,2,,\n"
		       "head,conv,4,4,32,64,1,1,1,,2,,,,\n"
		       "pool,avgpool,4,4,64,64,4,4,1,,0,,,,\n"
		       "fc,fc,1,1,64,10,1,1,1,,1,,,,\n",
		   path, sizeof path);
	struct model *m = NULL;
	struct errbuf eb = {0, ""};
	cr_assert_eq(model_load(path, &m, &eb), 0, "%s", eb.msg);
	struct variant_set *vs = NULL;
	cr_assert_eq(variants_enumerate(m, NULL, &vs, &eb), 0, "%s", eb.msg);
	cr_assert_eq(vs->n, 16);
	/* width 0.5: the stem 8, the expansion make_divisible8(8 x 6) = 48, SE squeeze 16 */
	struct model *w = apply_key(m, "width=0.5");
	cr_expect_eq(layer(w, "stem")->k.out_c, 8);
	cr_expect_eq(layer(w, "b1_expand")->k.out_c, 48);
	cr_expect_eq(layer(w, "b1_sq")->k.out_c, 16);
	cr_expect_eq(layer(w, "b1_ex")->k.out_c, 48);
	cr_expect_eq(layer(w, "head")->k.out_c, 64); /* fixed_width 2: never below */
	model_destroy(w);
	/* prune 0.5: stem and b1_project meet in b1_add; the expansion halves; the SE scale
	   (an add reading b1_dw twice) ties nothing; b2_project and head are free */
	w = apply_key(m, "prune=0.5");
	cr_expect_eq(layer(w, "stem")->k.out_c, 16);
	cr_expect_eq(layer(w, "b1_project")->k.out_c, 16);
	cr_expect_eq(layer(w, "b1_expand")->k.out_c, 48);
	cr_expect_eq(layer(w, "b1_ex")->k.out_c, 48);
	cr_expect_eq(layer(w, "b1_sq")->k.out_c, 12);
	cr_expect_eq(layer(w, "b2_project")->k.out_c, 16);
	cr_expect_eq(layer(w, "head")->k.out_c, 32);
	cr_expect_eq(layer(w, "fc")->k.out_c, 10);
	model_destroy(w);
	/* exit 1: block 1's output (b1_add, 8x8x16) into a pool and an fc to 10 classes */
	w = apply_key(m, "exit=1");
	cr_expect_eq(w->n_layers, 11);
	cr_expect_str_eq(w->layers[9].name, "exit_pool");
	cr_expect_eq(w->layers[9].input, 8);
	cr_expect(w->layers[10].k.in_c == 16 && w->layers[10].k.out_c == 10);
	model_destroy(w);
	variant_set_destroy(vs);
	model_destroy(m);
}

/* ---- the verbs, with the new operators ---- */

Test(models, variants_verb_estimate_labels_estimates, .init = redirect_both)
{
	const char *const argv[] = {"variants", "mobilenet_v2", "--ops",
				    "width=1 res=224,200,32", "--estimate", NULL};
	cr_assert_eq(run_verb(cmd_variants, argv), 0);
	const char *const csv[] = {"variants", "mobilenet_v2", "--ops", "width=1 res=200",
				   "--estimate", "--format", "csv", NULL};
	cr_assert_eq(run_verb(cmd_variants, csv), 0);
	const char *const plain[] = {"variants", "mobilenet_v2", "--ops", "res=200", NULL};
	cr_assert_eq(run_verb(cmd_variants, plain), 0);
	const char *const bad[] = {"variants", "mobilenet_v2", "--ops", "prune=1", NULL};
	cr_expect_eq(run_verb(cmd_variants, bad), 2);
	const char *const bad_exit[] = {"kernels", "resnet18", "--ops", "exit=9", NULL};
	cr_expect_eq(run_verb(cmd_kernels, bad_exit), 2);
	fflush(stdout);
	fflush(stderr);
	char *out = slurp(cr_get_redirected_stdout());
	cr_expect(strstr(out, "mobilenet_v2:width=1,res=200,quant=fp32 ") != NULL, "%s", out);
	cr_expect(strstr(out, "  ~71.3  ") != NULL, "%s", out);
	cr_expect(strstr(out, "estimated: mobilenet_v2_imagenet.csv:7..mobilenet_v2_imagenet.csv:6")
		  != NULL, "%s", out);
	cr_expect(strstr(out, "with ~top1: estimated (--estimate), not published") != NULL, "%s",
		  out);
	cr_expect(strstr(out, "none: outside the published MACs range at fp32") != NULL, "%s", out);
	cr_expect(strstr(out, ",71.3145,,,estimated: mobilenet_v2_imagenet.csv:7..mobilenet_v2_"
			      "imagenet.csv:6,\"tensorflow/models") != NULL, "%s", out);
	cr_expect(strstr(out, "'\",estimated\n") != NULL, "%s", out);
	/* without --estimate the same variant has no accuracy */
	cr_expect(strstr(out, "4800000     -     -  none\n") != NULL, "%s", out);
	free(out);
	char *err = slurp(cr_get_redirected_stderr());
	cr_expect(strstr(err, "adascale: mobilenet_v2: operators 'prune=1': prune 1 is outside "
			      "[0, 1)") != NULL, "%s", err);
	cr_expect(strstr(err, "adascale: resnet18: operators 'exit=9': exit 9: the spec has no "
			      "block 9 (its blocks go up to 8)") != NULL, "%s", err);
	free(err);
}

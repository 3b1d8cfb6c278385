/*
 * test_agent.c: the on-device agent: every OpenBLAS kernel and the XNNPACK fp32 kernels
 * against a naive reference, XNNPACK int8 (and fp16 where this CPU has it) against the
 * dequantised reference, chained inputs, the kernel list reader's messages, a tiny profile,
 * a short recording, a tiny model pass, and the helpers (thread pool shares, CPU lists,
 * half floats, util_other).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kb.h"
#include "csvin.h"
#include "kshape.h"
#include "apool.h"
#include "aprofile.h"
#include "arecord.h"
#include "arun.h"
#include "asys.h"

/* fp32 kernels must match the reference to this, absolute plus relative */
#define TOL_F32 1e-4

static struct kshape shape(enum kop op, int h, int w, int c, int oc, int k, int s, int g,
			   enum dtype d)
{
	struct kshape x = {op, h, w, c, oc, k, s, g, d};
	char why[128];
	cr_assert_eq(kshape_check(&x, why, sizeof why), 0, "bad test shape: %s", why);
	return x;
}

/* The reference: plain loops over the layouts in backend.h, in double. */
static void reference(const struct kshape *k, const float *in, const float *in2, const float *w,
		      const float *bias, float *out)
{
	int oh = kshape_out_h(k), ow = kshape_out_w(k), pt, pl, tot;
	kb_pad_same(k->in_h, k->kernel, k->stride, &tot, &pt);
	kb_pad_same(k->in_w, k->kernel, k->stride, &tot, &pl);
	if (k->op == KOP_FC) {
		for (int o = 0; o < k->out_c; o++) {
			double acc = bias[o];
			for (int i = 0; i < k->in_c; i++)
				acc += (double)w[(size_t)o * k->in_c + i] * in[i];
			out[o] = (float)acc;
		}
		return;
	}
	if (k->op == KOP_ADD) {
		for (size_t i = 0; i < (size_t)k->in_h * k->in_w * k->in_c; i++)
			out[i] = in[i] + in2[i];
		return;
	}
	for (int oy = 0; oy < oh; oy++)
		for (int ox = 0; ox < ow; ox++)
			for (int o = 0; o < k->out_c; o++) {
				double acc = 0, best = -INFINITY;
				int taps = 0;
				if (k->op == KOP_CONV || k->op == KOP_DWCONV)
					acc = bias[o];
				int cin_g = k->in_c / k->groups, cout_g = k->out_c / k->groups;
				for (int ky = 0; ky < k->kernel; ky++)
					for (int kx = 0; kx < k->kernel; kx++) {
						int iy = oy * k->stride - pt + ky, ix = ox * k->stride - pl + kx;
						if (iy < 0 || iy >= k->in_h || ix < 0 || ix >= k->in_w)
							continue;
						const float *px = in + ((size_t)iy * k->in_w + ix) * k->in_c;
						taps++;
						if (k->op == KOP_CONV) {
							int g = o / cout_g;
							for (int ci = 0; ci < cin_g; ci++)
								acc += (double)px[g * cin_g + ci] *
								       w[(((size_t)o * k->kernel + ky) *
									      k->kernel + kx) * cin_g + ci];
						} else if (k->op == KOP_DWCONV) {
							int c = o / (k->out_c / k->in_c);
							acc += (double)px[c] *
							       w[((size_t)ky * k->kernel + kx) * k->out_c + o];
						} else if (k->op == KOP_AVGPOOL) {
							acc += px[o];
						} else if (px[o] > best) {
							best = px[o];
						}
					}
				float *dst = out + ((size_t)oy * ow + ox) * k->out_c + o;
				*dst = (float)(k->op == KOP_AVGPOOL ? acc / taps
					       : k->op == KOP_MAXPOOL ? best
								      : acc);
			}
}

/* Runs k on backend b with n_threads and checks the output against the reference. */
static void check_f32(const struct kb_backend *b, struct kshape k, int n_threads)
{
	char key[128];
	kshape_format(&k, key, sizeof key);
	struct errbuf eb = {0};
	void *st = NULL;
	int rc = b->prepare(&k, n_threads, 7, &st, &eb);
	cr_assert_eq(rc, 0, "%s %s: %s", b->name(), key, eb.msg);
	struct kb_view v;
	b->view(st, &v);
	/* run twice: a kernel that accumulates instead of overwriting fails here */
	cr_assert_eq(b->run(st, &eb), 0, "%s", eb.msg);
	cr_assert_eq(b->run(st, &eb), 0, "%s", eb.msg);
	float *ref = malloc(v.n_out * sizeof *ref);
	reference(&k, v.in, v.in2, v.w, v.bias, ref);
	const float *out = v.out;
	double worst = 0;
	for (size_t i = 0; i < v.n_out; i++) {
		double err = fabs((double)out[i] - ref[i]) / (1 + fabs(ref[i]));
		cr_assert(err <= TOL_F32, "%s %s threads %d: out[%zu] = %g, reference %g",
			  b->name(), key, n_threads, i, out[i], ref[i]);
		worst = err > worst ? err : worst;
	}
	/* the outputs are not all the same (the reference is not trivially met) */
	int varied = 0;
	for (size_t i = 1; i < v.n_out && !varied; i++)
		varied = ref[i] != ref[0];
	cr_assert(v.n_out == 1 || varied, "%s: constant reference output", key);
	free(ref);
	b->release(st);
}

static const struct kshape *f32_shapes(int *n)
{
	static struct kshape s[20];
	int i = 0;
	s[i++] = shape(KOP_CONV, 9, 7, 5, 6, 3, 2, 1, DT_FP32);   /* odd sizes, asymmetric pad */
	s[i++] = shape(KOP_CONV, 8, 8, 6, 4, 3, 1, 2, DT_FP32);   /* grouped */
	s[i++] = shape(KOP_CONV, 6, 5, 8, 16, 1, 1, 1, DT_FP32);  /* 1x1: sgemm on the input */
	s[i++] = shape(KOP_CONV, 6, 6, 8, 12, 1, 1, 4, DT_FP32);  /* 1x1 grouped */
	s[i++] = shape(KOP_CONV, 7, 7, 8, 8, 1, 2, 2, DT_FP32);   /* 1x1 strided */
	s[i++] = shape(KOP_CONV, 10, 10, 3, 5, 5, 1, 1, DT_FP32); /* 5x5 */
	s[i++] = shape(KOP_DWCONV, 9, 9, 10, 10, 3, 1, 10, DT_FP32);
	s[i++] = shape(KOP_DWCONV, 10, 10, 19, 19, 5, 2, 19, DT_FP32); /* vector tail */
	s[i++] = shape(KOP_DWCONV, 8, 8, 4, 8, 3, 2, 4, DT_FP32);      /* multiplier 2 */
	s[i++] = shape(KOP_FC, 1, 1, 37, 13, 1, 1, 1, DT_FP32);
	s[i++] = shape(KOP_AVGPOOL, 9, 9, 11, 11, 3, 2, 1, DT_FP32);
	s[i++] = shape(KOP_AVGPOOL, 7, 7, 10, 10, 7, 7, 1, DT_FP32); /* global */
	s[i++] = shape(KOP_MAXPOOL, 9, 9, 11, 11, 3, 2, 1, DT_FP32);
	s[i++] = shape(KOP_MAXPOOL, 8, 8, 3, 3, 2, 2, 1, DT_FP32);
	s[i++] = shape(KOP_ADD, 5, 5, 19, 19, 1, 1, 1, DT_FP32);
	/* more taps than the register paths take (64) */
	s[i++] = shape(KOP_AVGPOOL, 9, 9, 12, 12, 9, 9, 1, DT_FP32);
	s[i++] = shape(KOP_MAXPOOL, 10, 10, 5, 5, 9, 1, 1, DT_FP32);
	s[i++] = shape(KOP_DWCONV, 12, 12, 5, 5, 9, 1, 5, DT_FP32);
	*n = i;
	return s;
}

Test(agent, openblas_kernels_match_reference)
{
	int n;
	const struct kshape *s = f32_shapes(&n);
	for (int i = 0; i < n; i++) {
		check_f32(&kb_openblas, s[i], 1);
		check_f32(&kb_openblas, s[i], 3);
	}
}

Test(agent, openblas_conv_larger_than_one_im2col_chunk)
{
	/* 16 MB of im2col rows hold 4096 pixels of 3x3x256: this one takes two chunks */
	check_f32(&kb_openblas, shape(KOP_CONV, 70, 70, 256, 8, 3, 1, 1, DT_FP32), 2);
}

Test(agent, xnnpack_f32_conv_matches_reference)
{
	int n;
	const struct kshape *s = f32_shapes(&n);
	for (int i = 0; i < n; i++) {
		char why[KB_WHY_LEN];
		if (s[i].op != KOP_CONV && s[i].op != KOP_DWCONV)
			continue;
		cr_assert(kb_xnnpack.supports(&s[i], why), "%s", why);
		check_f32(&kb_xnnpack, s[i], 1);
		check_f32(&kb_xnnpack, s[i], 2);
	}
}

Test(agent, xnnpack_f32_other_ops_match_reference)
{
	int n;
	const struct kshape *s = f32_shapes(&n);
	for (int i = 0; i < n; i++) {
		char why[KB_WHY_LEN];
		if (s[i].op == KOP_CONV || s[i].op == KOP_DWCONV)
			continue;
		cr_assert(kb_xnnpack.supports(&s[i], why), "%s", why);
		check_f32(&kb_xnnpack, s[i], 2);
	}
}

/* Runs an int8 kernel and compares it with the reference on the dequantised data. */
static void check_int8(struct kshape k)
{
	char key[128];
	kshape_format(&k, key, sizeof key);
	struct errbuf eb = {0};
	void *st = NULL;
	cr_assert_eq(kb_xnnpack.prepare(&k, 2, 3, &st, &eb), 0, "%s: %s", key, eb.msg);
	struct kb_view v;
	kb_xnnpack.view(st, &v);
	cr_assert_eq(kb_xnnpack.run(st, &eb), 0, "%s", eb.msg);
	float *in = malloc(v.n_in * sizeof *in), *in2 = malloc(v.n_in * sizeof *in2);
	float *w = malloc((v.n_w + 1) * sizeof *w), *bias = malloc((size_t)k.out_c * sizeof *bias);
	float *ref = malloc(v.n_out * sizeof *ref);
	for (size_t i = 0; i < v.n_in; i++) {
		int q = v.unsigned8 ? ((const uint8_t *)v.in)[i] : ((const int8_t *)v.in)[i];
		in[i] = v.in_scale * (float)(q - v.in_zero);
		if (v.in2)
			in2[i] = v.in_scale * (float)(((const int8_t *)v.in2)[i] - v.in_zero);
	}
	for (size_t i = 0; i < v.n_w; i++)
		w[i] = v.w_scale * (float)((const int8_t *)v.w)[i];
	for (int i = 0; v.bias && i < k.out_c; i++)
		bias[i] = v.in_scale * v.w_scale * (float)((const int32_t *)v.bias)[i];
	reference(&k, in, in2, w, bias, ref);
	int lo = v.unsigned8 ? 0 : -128, hi = v.unsigned8 ? 255 : 127;
	int distinct = 0, first = 0;
	for (size_t i = 0; i < v.n_out; i++) {
		int q = v.unsigned8 ? ((const uint8_t *)v.out)[i] : ((const int8_t *)v.out)[i];
		double want = ref[i] / v.out_scale + v.out_zero;
		want = want < lo ? lo : want > hi ? hi : want;
		/* requantisation rounds to nearest: within one step of the exact value */
		cr_assert(fabs(q - want) <= 1.0, "int8 %s: out[%zu] = %d, reference %.2f", key, i, q,
			  want);
		if (i == 0)
			first = q;
		distinct |= q != first;
	}
	cr_assert(distinct, "int8 %s: every output is %d", key, first);
	free(in);
	free(in2);
	free(w);
	free(bias);
	free(ref);
	kb_xnnpack.release(st);
}

Test(agent, xnnpack_int8_kernels_run_and_agree_with_dequantised_reference)
{
	check_int8(shape(KOP_CONV, 9, 7, 16, 8, 3, 2, 1, DT_INT8));
	check_int8(shape(KOP_CONV, 6, 6, 32, 16, 1, 1, 1, DT_INT8));
	check_int8(shape(KOP_DWCONV, 9, 9, 12, 12, 3, 1, 12, DT_INT8));
	check_int8(shape(KOP_FC, 1, 1, 64, 10, 1, 1, 1, DT_INT8));
	check_int8(shape(KOP_MAXPOOL, 9, 9, 8, 8, 3, 2, 1, DT_INT8));
	check_int8(shape(KOP_AVGPOOL, 7, 7, 8, 8, 7, 7, 1, DT_INT8));
	/* qu8; XNNPACK's qu8 average pooling counts padding taps, so a window without padding */
	check_int8(shape(KOP_AVGPOOL, 9, 9, 8, 8, 3, 3, 1, DT_INT8));
	check_int8(shape(KOP_ADD, 5, 5, 12, 12, 1, 1, 1, DT_INT8));
}

Test(agent, fp16_runs_where_xnnpack_supports_it_else_is_refused_with_reason)
{
	struct kshape k = shape(KOP_CONV, 8, 8, 8, 8, 3, 1, 1, DT_FP16);
	char why[KB_WHY_LEN] = "";
	if (!kb_xnnpack.supports(&k, why)) {
		cr_assert(strstr(why, "fp16") != NULL, "refusal without a reason: '%s'", why);
		return;
	}
	struct errbuf eb = {0};
	void *st = NULL;
	cr_assert_eq(kb_xnnpack.prepare(&k, 1, 5, &st, &eb), 0, "%s", eb.msg);
	struct kb_view v;
	kb_xnnpack.view(st, &v);
	cr_assert_eq(kb_xnnpack.run(st, &eb), 0, "%s", eb.msg);
	float *in = malloc(v.n_in * sizeof *in), *w = malloc(v.n_w * sizeof *w);
	float bias[8], *ref = malloc(v.n_out * sizeof *ref);
	for (size_t i = 0; i < v.n_in; i++)
		in[i] = kb_f32_from_f16(((const uint16_t *)v.in)[i]);
	for (size_t i = 0; i < v.n_w; i++)
		w[i] = kb_f32_from_f16(((const uint16_t *)v.w)[i]);
	for (int i = 0; i < 8; i++)
		bias[i] = kb_f32_from_f16(((const uint16_t *)v.bias)[i]);
	reference(&k, in, NULL, w, bias, ref);
	for (size_t i = 0; i < v.n_out; i++) {
		float got = kb_f32_from_f16(((const uint16_t *)v.out)[i]);
		cr_assert(fabs(got - ref[i]) <= 1e-2 * (1 + fabs(ref[i])), "fp16 out[%zu] %g vs %g",
			  i, got, ref[i]);
	}
	free(in);
	free(w);
	free(ref);
	kb_xnnpack.release(st);
}

Test(agent, openblas_refuses_int8_and_auto_has_a_backend_for_every_dtype)
{
	struct kshape k = shape(KOP_CONV, 8, 8, 8, 8, 3, 1, 1, DT_INT8);
	char why[KB_WHY_LEN] = "";
	cr_assert_not(kb_openblas.supports(&k, why));
	cr_assert(strstr(why, "fp32") != NULL, "%s", why);
	cr_assert(kb_xnnpack.supports(&k, why), "%s", why);
	cr_assert_eq(kb_find("openblas"), &kb_openblas);
	cr_assert_eq(kb_find("xnnpack"), &kb_xnnpack);
	cr_assert_null(kb_find("cudnn"));
}

/* --- files --- */

static char tmpdir[256];

static void make_tmp(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/adascale-agent-test-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
}

static void rm_tmp(void)
{
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

static void expect_list_error(const char *name, const char *text, const char *where,
			      const char *what)
{
	char path[512], want[600];
	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	write_file(path, text);
	struct agent_klist *l = NULL;
	struct errbuf eb = {0};
	int rc = agent_klist_read(path, &l, &eb);
	cr_assert_lt(rc, 0, "%s was accepted", name);
	cr_assert_eq(err_exit_status(rc), 2, "%s: exit status %d", name, err_exit_status(rc));
	snprintf(want, sizeof want, "%s:%s", path, where);
	cr_assert(strstr(eb.msg, want) != NULL, "'%s' does not name '%s'", eb.msg, want);
	cr_assert(strstr(eb.msg, what) != NULL, "'%s' does not say '%s'", eb.msg, what);
	cr_assert_null(l);

	/* the profile verb fails the same way and writes nothing */
	struct agent_profile_opts o;
	agent_profile_defaults(&o);
	o.kernels = path;
	char out[512];
	snprintf(out, sizeof out, "%s/out-%s", tmpdir, name);
	cr_assert_lt(agent_profile(&o, out, &eb), 0);
	cr_assert_eq(access(out, F_OK), -1, "%s was written", out);
}

Test(agent, kernel_list_errors_name_file_and_line, .init = make_tmp, .fini = rm_tmp)
{
	const char *hdr = "op,in_h,in_w,in_c,out_c,kernel,stride,groups,dtype\n";
	char text[512];
	snprintf(text, sizeof text,
		 "# meta: x\n%sconv,8,8,8,8,3,1,1,fp32\nsoftmax,8,8,8,8,1,1,1,fp32\n", hdr);
	expect_list_error("op.csv", text, "4:", "unknown op 'softmax'");
	snprintf(text, sizeof text, "%sconv,0,8,8,8,3,1,1,fp32\n", hdr);
	expect_list_error("zero.csv", text, "2:", "in_h");
	snprintf(text, sizeof text, "%sconv,8,8,8,8,3,1,1,fp32\n\nconv,8,8,8,8,3,1,fp32\n", hdr);
	expect_list_error("cols.csv", text, "4:", "8 fields, the header has 9");
	snprintf(text, sizeof text, "%sconv,8,8,8,8,3,1,1,fp64\n", hdr);
	expect_list_error("dtype.csv", text, "2:", "unknown dtype");
	expect_list_error("nohdr.csv", "op,in_h,in_w\n", "1:", "missing column");
	snprintf(text, sizeof text, "%s", hdr);
	expect_list_error("empty.csv", text, "", "no kernel rows");
}

Test(agent, kernel_list_keeps_repeats_once, .init = make_tmp, .fini = rm_tmp)
{
	char path[512];
	snprintf(path, sizeof path, "%s/k.csv", tmpdir);
	write_file(path, "op,in_h,in_w,in_c,out_c,kernel,stride,groups,dtype\n"
			 "conv,8,8,8,8,3,1,1,fp32\nadd,4,4,4,4,1,1,1,fp32\n"
			 "conv,8,8,8,8,3,1,1,fp32\nconv,8,8,8,8,3,1,1,int8\n");
	struct agent_klist *l = NULL;
	struct errbuf eb = {0};
	cr_assert_eq(agent_klist_read(path, &l, &eb), 0, "%s", eb.msg);
	cr_assert_eq(l->n_rows, 4);
	cr_assert_eq(l->n, 3);
	cr_assert_eq(l->items[2].line, 5);
	cr_assert_eq(l->items[2].k.dtype, DT_INT8);
	agent_klist_destroy(l);
}

Test(agent, profile_gives_one_row_per_unique_shape_and_thread_count, .init = make_tmp,
     .fini = rm_tmp)
{
	char in[512], out[512];
	snprintf(in, sizeof in, "%s/kernels.csv", tmpdir);
	snprintf(out, sizeof out, "%s/timings.csv", tmpdir);
	write_file(in, "# from a test\nop,in_h,in_w,in_c,out_c,kernel,stride,groups,dtype\n"
		       "conv,16,16,8,16,3,1,1,fp32\n"
		       "dwconv,16,16,16,16,3,2,16,fp32\n"
		       "conv,16,16,8,16,3,1,1,fp32\n"
		       "fc,1,1,64,32,1,1,1,int8\n");
	struct agent_profile_opts o;
	agent_profile_defaults(&o);
	o.kernels = in;
	struct errbuf eb = {0};
	cr_assert_eq(agent_parse_threads("1,2", &o, &eb), 0, "%s", eb.msg);
	o.m.warmup = 1;
	o.m.warmup_ms = 0;
	o.m.min_runs = 3;
	o.m.max_seconds = 0.05;
	cr_assert_eq(agent_profile(&o, out, &eb), 0, "%s", eb.msg);

	struct csvin *c = csvin_open(out, &eb);
	cr_assert_not_null(c, "%s", eb.msg);
	cr_assert_not_null(csvin_meta(c, "agent"));
	cr_assert(strstr(csvin_meta(c, "agent"), "adascale-agent") != NULL);
	cr_assert_str_eq(csvin_meta(c, "kernels"), in);
	cr_assert_not_null(csvin_meta(c, "date"));
	const char *ref = csvin_meta(c, "freq_ref_mhz");
	cr_assert(ref == NULL || atof(ref) > 0);
	struct kshape_cols kc;
	cr_assert_eq(kshape_cols(c, &kc, &eb), 0, "%s", eb.msg);
	int c_thr = csvin_col(c, "threads"), c_be = csvin_col(c, "backend");
	int c_med = csvin_col(c, "median_us"), c_p10 = csvin_col(c, "p10_us");
	int c_p90 = csvin_col(c, "p90_us"), c_runs = csvin_col(c, "runs");
	int c_gf = csvin_col(c, "gflops"), c_fc = csvin_col(c, "freq_changed");
	cr_assert(c_thr >= 0 && c_be >= 0 && c_med >= 0 && c_p10 >= 0 && c_p90 >= 0 &&
		  c_runs >= 0 && c_gf >= 0 && c_fc >= 0);
	cr_assert_eq(csvin_n_cols(c), 19);
	int n = 0, seen[3][2] = {{0}};
	while (csvin_next(c, &eb) > 0) {
		struct kshape k;
		cr_assert_eq(kshape_read(c, &kc, &k, &eb), 0, "%s", eb.msg);
		int which = k.op == KOP_CONV ? 0 : k.op == KOP_DWCONV ? 1 : 2;
		long thr;
		double med, p10, p90, runs, gf;
		cr_assert_eq(csvin_long(c, c_thr, &thr, &eb), 0);
		cr_assert(thr == 1 || thr == 2);
		seen[which][thr - 1]++;
		cr_assert_str_eq(csvin_field(c, c_be), k.dtype == DT_INT8 ? "xnnpack" : "openblas");
		cr_assert_eq(csvin_double(c, c_med, &med, &eb), 0);
		cr_assert_eq(csvin_double(c, c_p10, &p10, &eb), 0);
		cr_assert_eq(csvin_double(c, c_p90, &p90, &eb), 0);
		cr_assert_eq(csvin_double(c, c_runs, &runs, &eb), 0);
		cr_assert_eq(csvin_double(c, c_gf, &gf, &eb), 0);
		cr_assert_gt(med, 0);
		cr_assert(p10 <= med && med <= p90, "p10 %g median %g p90 %g", p10, med, p90);
		cr_assert_geq(runs, 1);
		cr_assert_gt(gf, 0);
		/* gflops is 2 * MACs over the median */
		cr_assert(fabs(gf - 2 * kshape_macs(&k) / (med * 1e3)) <= 0.01 * gf + 1e-3);
		const char *fc = csvin_field(c, c_fc);
		cr_assert(!*fc || !strcmp(fc, "0") || !strcmp(fc, "1"));
		n++;
	}
	cr_assert_eq(n, 6);
	for (int i = 0; i < 3; i++)
		cr_assert(seen[i][0] == 1 && seen[i][1] == 1);
	csvin_close(c);
}

Test(agent, profile_with_a_named_backend_refuses_rows_it_cannot_run, .init = make_tmp,
     .fini = rm_tmp)
{
	char in[512], out[512];
	snprintf(in, sizeof in, "%s/kernels.csv", tmpdir);
	snprintf(out, sizeof out, "%s/timings.csv", tmpdir);
	write_file(in, "op,in_h,in_w,in_c,out_c,kernel,stride,groups,dtype\n"
		       "conv,8,8,8,8,3,1,1,fp32\nconv,8,8,8,8,3,1,1,int8\n");
	struct agent_profile_opts o;
	agent_profile_defaults(&o);
	o.kernels = in;
	o.backend = "openblas";
	struct errbuf eb = {0};
	int rc = agent_profile(&o, out, &eb);
	cr_assert_lt(rc, 0);
	cr_assert_eq(err_exit_status(rc), 2);
	cr_assert(strstr(eb.msg, "kernels.csv:3:") != NULL, "%s", eb.msg);
	cr_assert_eq(access(out, F_OK), -1);
	o.backend = "tpu";
	cr_assert_lt(agent_profile(&o, out, &eb), 0);
	cr_assert(strstr(eb.msg, "tpu") != NULL, "%s", eb.msg);
}

Test(agent, record_writes_a_trace_with_rising_time, .init = make_tmp, .fini = rm_tmp)
{
	char out[512];
	snprintf(out, sizeof out, "%s/trace.csv", tmpdir);
	struct agent_record_opts o;
	agent_record_defaults(&o);
	o.interval_ms = 100;
	o.duration_s = 0.6;
	o.handle_signals = 0;
	struct errbuf eb = {0};
	cr_assert_eq(agent_record(&o, out, &eb), 0, "%s", eb.msg);
	struct csvin *c = csvin_open(out, &eb);
	cr_assert_not_null(c, "%s", eb.msg);
	cr_assert_str_eq(csvin_meta(c, "source"), "adascale-agent record");
	cr_assert_str_eq(csvin_meta(c, "interval_ms"), "100");
	cr_assert_not_null(csvin_meta(c, "started"));
	cr_assert_eq(csvin_col(c, "time_s"), 0);
	int c_util = csvin_col(c, "util_other"), c_mem = csvin_col(c, "mem_avail_mb");
	cr_assert_geq(c_util, 0, "no util_other column");
	cr_assert_geq(c_mem, 0, "no mem_avail_mb column");
	double last = -1;
	int n = 0;
	while (csvin_next(c, &eb) > 0) {
		double t, u, m;
		cr_assert_eq(csvin_double(c, 0, &t, &eb), 0, "%s", eb.msg);
		cr_assert_geq(t, last, "time goes back: %g after %g", t, last);
		if (n == 0)
			cr_assert_eq(t, 0);
		last = t;
		cr_assert_eq(csvin_double_in(c, c_util, 0, 1, &u, &eb), 0, "%s", eb.msg);
		cr_assert_eq(csvin_double(c, c_mem, &m, &eb), 0, "%s", eb.msg);
		cr_assert_gt(m, 0);
		n++;
	}
	cr_assert_eq(n, 6, "%d rows for 0.6 s at 100 ms", n);
	cr_assert(last > 0.4 && last < 0.6, "last row at %g s", last);
	csvin_close(c);
}

Test(agent, bound_input_is_what_the_kernel_reads)
{
	/* layer 2 reads layer 1's output: its result must be the reference on that output */
	const struct kb_backend *bs[2] = {&kb_openblas, &kb_xnnpack};
	for (int i = 0; i < 2; i++) {
		struct kshape k1 = shape(KOP_CONV, 8, 8, 4, 6, 3, 1, 1, DT_FP32);
		struct kshape k2 = shape(KOP_DWCONV, 8, 8, 6, 6, 3, 2, 6, DT_FP32);
		struct errbuf eb = {0};
		void *s1 = NULL, *s2 = NULL;
		cr_assert_eq(bs[i]->prepare(&k1, 1, 1, &s1, &eb), 0, "%s", eb.msg);
		cr_assert_eq(bs[i]->prepare(&k2, 1, 2, &s2, &eb), 0, "%s", eb.msg);
		struct kb_view v1, v2;
		bs[i]->view(s1, &v1);
		cr_assert_eq(bs[i]->bind(s2, v1.out, &eb), 0, "%s", eb.msg);
		cr_assert_eq(bs[i]->run(s1, &eb), 0, "%s", eb.msg);
		cr_assert_eq(bs[i]->run(s2, &eb), 0, "%s", eb.msg);
		bs[i]->view(s2, &v2);
		float ref[4 * 4 * 6];
		reference(&k2, v1.out, NULL, v2.w, v2.bias, ref);
		for (size_t j = 0; j < v2.n_out; j++)
			cr_assert(fabs(((const float *)v2.out)[j] - ref[j]) <= TOL_F32 * (1 + fabs(ref[j])),
				  "%s: out[%zu]", bs[i]->name(), j);
		bs[i]->release(s2);
		bs[i]->release(s1);
	}
}

Test(agent, run_times_a_model_pass_and_each_layer, .init = make_tmp, .fini = rm_tmp)
{
	char spec[512], out[512];
	snprintf(spec, sizeof spec, "%s/tiny.csv", tmpdir);
	snprintf(out, sizeof out, "%s/run.csv", tmpdir);
	write_file(spec, "name,op,in_h,in_w,in_c,out_c,kernel,stride,groups,input2,fixed_width\n"
			 "c0,conv,16,16,3,8,3,2,1,,0\n"
			 "dw,dwconv,8,8,8,8,3,1,8,,0\n"
			 "pw,conv,8,8,8,16,1,1,1,,0\n"
			 "pool,avgpool,8,8,16,16,8,8,1,,0\n"
			 "fc,fc,1,1,16,10,1,1,1,,1\n");
	struct agent_run_opts o;
	agent_run_defaults(&o);
	o.spec = spec;
	o.m.warmup = 1;
	o.m.warmup_ms = 0;
	o.m.min_runs = 3;
	o.m.max_seconds = 0.05;
	struct errbuf eb = {0};
	cr_assert_eq(agent_run(&o, out, &eb), 0, "%s", eb.msg);
	struct csvin *c = csvin_open(out, &eb);
	cr_assert_not_null(c, "%s", eb.msg);
	cr_assert_gt(atof(csvin_meta(c, "model_median_us")), 0);
	cr_assert(strncmp(csvin_meta(c, "chained"), "4 of 4", 6) == 0, "%s",
		  csvin_meta(c, "chained"));
	int c_in = csvin_col(c, "in_model_us"), c_alone = csvin_col(c, "alone_us");
	cr_assert(c_in >= 0 && c_alone >= 0);
	int n = 0;
	while (csvin_next(c, &eb) > 0) {
		double a, b;
		cr_assert_eq(csvin_double(c, c_in, &a, &eb), 0);
		cr_assert_eq(csvin_double(c, c_alone, &b, &eb), 0);
		cr_assert(a > 0 && b > 0);
		n++;
	}
	cr_assert_eq(n, 5);
	csvin_close(c);

	/* a layer no backend runs is named by line */
	write_file(spec, "name,op,in_h,in_w,in_c,out_c,kernel,stride,groups\n"
			 "c0,conv,16,16,3,8,3,2,1\n"
			 "x,add,8,8,8,8,1,2,1\n");
	int rc = agent_run(&o, out, &eb);
	cr_assert_lt(rc, 0);
	cr_assert(strstr(eb.msg, "tiny.csv:3:") != NULL, "%s", eb.msg);
}

/* --- helpers --- */

Test(agent, util_other_subtracts_own_time_and_clamps)
{
	cr_assert_float_eq(agent_util_other(100, 1000, 10, 200, 1200, 60), 0.25, 1e-12);
	cr_assert_float_eq(agent_util_other(100, 1000, 10, 150, 1200, 90), 0.0, 1e-12);
	cr_assert_float_eq(agent_util_other(0, 0, 0, 500, 400, 0), 1.0, 1e-12);
	cr_assert_lt(agent_util_other(5, 10, 0, 5, 10, 0), 0);
}

static void count_share(void *ctx, int tid, int n)
{
	int *hits = ctx;
	long lo, hi;
	agent_pool_share(1000, tid, n, &lo, &hi);
	for (long i = lo; i < hi; i++)
		hits[i]++;
}

Test(agent, pool_runs_every_item_exactly_once)
{
	struct errbuf eb = {0};
	for (int t = 1; t <= 5; t++) {
		struct agent_pool *p = agent_pool_create(t, &eb);
		cr_assert_not_null(p, "%s", eb.msg);
		agent_pool_set_spin(p, t % 2);
		int hits[1000] = {0};
		for (int r = 0; r < 50; r++)
			agent_pool_run(p, count_share, hits);
		for (int i = 0; i < 1000; i++)
			cr_assert_eq(hits[i], 50, "threads %d item %d: %d", t, i, hits[i]);
		agent_pool_destroy(p);
	}
	cr_assert_null(agent_pool_create(0, &eb));
}

Test(agent, cpu_lists_parse_and_format)
{
	struct agent_cpuset s;
	char buf[64];
	cr_assert_eq(agent_cpuset_parse("0-3,6,8-9", &s), 0);
	cr_assert_eq(agent_cpuset_count(&s), 7);
	agent_cpuset_format(&s, buf, sizeof buf);
	cr_assert_str_eq(buf, "0-3,6,8-9");
	cr_assert_lt(agent_cpuset_parse("3-1", &s), 0);
	cr_assert_lt(agent_cpuset_parse("a", &s), 0);
	cr_assert_lt(agent_cpuset_parse("", &s), 0);
	cr_assert_lt(agent_cpuset_parse("1,", &s), 0);
}

Test(agent, half_floats_round_to_nearest)
{
	cr_assert_eq(kb_f16_from_f32(1.0f), 0x3c00);
	cr_assert_eq(kb_f16_from_f32(-2.0f), 0xc000);
	cr_assert_eq(kb_f16_from_f32(65504.0f), 0x7bff);
	cr_assert_eq(kb_f16_from_f32(1e6f), 0x7c00);
	cr_assert_eq(kb_f16_from_f32(ldexpf(1, -24)), 0x0001);
	cr_assert_eq(kb_f16_from_f32(1.0f + ldexpf(1, -11)), 0x3c00); /* tie to even */
	cr_assert_eq(kb_f16_from_f32(1.0f + 3 * ldexpf(1, -11)), 0x3c02);
	for (float x = -3; x < 3; x += 0.0137f) {
		float y = kb_f32_from_f16(kb_f16_from_f32(x));
		cr_assert(fabsf(y - x) <= fabsf(x) * ldexpf(1, -11) + ldexpf(1, -25), "%g -> %g", x, y);
	}
}

Test(agent, threads_option_parses_lists)
{
	struct agent_profile_opts o;
	agent_profile_defaults(&o);
	struct errbuf eb = {0};
	cr_assert_eq(agent_parse_threads("1,2,2,4", &o, &eb), 0);
	cr_assert_eq(o.n_threads, 3);
	cr_assert_eq(o.threads[2], 4);
	cr_assert_lt(agent_parse_threads("0", &o, &eb), 0);
	cr_assert_lt(agent_parse_threads("1,", &o, &eb), 0);
	cr_assert_lt(agent_parse_threads("x", &o, &eb), 0);
}

Test(agent, sysinfo_finds_cpus_clusters_and_memory)
{
	struct agent_sys *s = calloc(1, sizeof *s);
	struct errbuf eb = {0};
	cr_assert_eq(agent_sys_read(s, &eb), 0, "%s", eb.msg);
	cr_assert_geq(s->n_online, 1);
	cr_assert_geq(s->n_clusters, 1);
	int cores = 0;
	for (int c = 0; c < s->n_clusters; c++)
		cores += agent_cpuset_count(&s->clusters[c].cpus);
	cr_assert_geq(cores, s->n_online);
	cr_assert_gt(s->mem_total_mb, 0);
	free(s);
}

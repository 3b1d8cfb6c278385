/*
 * test_agent.c: the on-device agent: every OpenBLAS kernel and the XNNPACK fp32 kernels
 * against a naive reference, XNNPACK int8 (and fp16 where this CPU has it) against the
 * dequantised reference, chained inputs, the kernel list reader's messages, a tiny profile,
 * a short recording, a tiny model pass, pass lists and the in-model profile, the stopping
 * rule, cache eviction, the harness's `adascale profile` (pass list, check, command line),
 * and the helpers (thread pool shares, CPU lists, half floats, util_other).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kb.h"
#include "kb_tensor.h"
#include "acache.h"
#include "csvin.h"
#include "kshape.h"
#include "apool.h"
#include "aprofile.h"
#include "arecord.h"
#include "arun.h"
#include "asys.h"
#include "model.h"
#include "profile.h"
#include "testutil.h"

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
	s[i++] = shape(KOP_CONV, 15, 13, 3, 8, 7, 2, 1, DT_FP32); /* 7x7 s2: rows cut by padding */
	s[i++] = shape(KOP_CONV, 4, 3, 8, 37, 3, 1, 1, DT_FP32); /* threads split channels */
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
	/* im2col chunks hold at most 4 MB of rows (455 pixels of 3x3x256): at least 11 here */
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

/* Runs an fp16 kernel XNNPACK supports and compares it with the reference on its data. */
static void check_f16(struct kshape k, int n_threads)
{
	char key[128];
	kshape_format(&k, key, sizeof key);
	struct errbuf eb = {0};
	void *st = NULL;
	cr_assert_eq(kb_xnnpack.prepare(&k, n_threads, 5, &st, &eb), 0, "%s: %s", key, eb.msg);
	struct kb_view v;
	kb_xnnpack.view(st, &v);
	cr_assert_eq(kb_xnnpack.run(st, &eb), 0, "%s", eb.msg);
	float *in = malloc(v.n_in * sizeof *in), *w = malloc(v.n_w * sizeof *w);
	float *bias = malloc((size_t)k.out_c * sizeof *bias), *ref = malloc(v.n_out * sizeof *ref);
	for (size_t i = 0; i < v.n_in; i++)
		in[i] = kb_f32_from_f16(((const uint16_t *)v.in)[i]);
	for (size_t i = 0; i < v.n_w; i++)
		w[i] = kb_f32_from_f16(((const uint16_t *)v.w)[i]);
	for (int i = 0; i < k.out_c; i++)
		bias[i] = kb_f32_from_f16(((const uint16_t *)v.bias)[i]);
	reference(&k, in, NULL, w, bias, ref);
	for (size_t i = 0; i < v.n_out; i++) {
		float got = kb_f32_from_f16(((const uint16_t *)v.out)[i]);
		/* fp16 accumulation: 11-bit significands over the fan-in */
		double tol = 1e-2 * (1 + fabs(ref[i])) * (1 + k.kernel * k.kernel * k.in_c / 512.0);
		cr_assert(fabs(got - ref[i]) <= tol, "fp16 %s: out[%zu] %g vs %g", key, i, got,
			  ref[i]);
	}
	free(in);
	free(w);
	free(bias);
	free(ref);
	kb_xnnpack.release(st);
}

Test(agent, fp16_runs_where_xnnpack_supports_it_else_is_refused_with_reason)
{
	struct kshape k = shape(KOP_CONV, 8, 8, 8, 8, 3, 1, 1, DT_FP16);
	char why[KB_WHY_LEN] = "";
	if (!kb_xnnpack.supports(&k, why)) {
		cr_assert(strstr(why, "fp16") != NULL, "refusal without a reason: '%s'", why);
		return;
	}
	check_f16(k, 1);
}

/* Output channels of a 3x3 convolution on in_c channels whose weights fill three half L2s. */
static int beyond_half_l2(int in_c, int elem_bytes)
{
	size_t per_c = (size_t)9 * in_c * elem_bytes;
	return (int)(3 * (agent_l2_bytes() / 2) / per_c) + 5; /* + 5: a shorter last slice */
}

Test(agent, xnnpack_convs_larger_than_half_the_l2_run_in_channel_slices)
{
	/* kb_xnnpack.c splits these over several operators, each writing its channels */
	check_f32(&kb_xnnpack, shape(KOP_CONV, 5, 4, 64, beyond_half_l2(64, 4), 3, 1, 1, DT_FP32),
		  1);
	check_f32(&kb_xnnpack, shape(KOP_CONV, 3, 3, 64, beyond_half_l2(64, 4), 3, 2, 1, DT_FP32),
		  2);
	check_int8(shape(KOP_CONV, 5, 4, 64, beyond_half_l2(64, 1), 3, 1, 1, DT_INT8));
	struct kshape h = shape(KOP_CONV, 5, 4, 64, beyond_half_l2(64, 2), 3, 1, 1, DT_FP16);
	char why[KB_WHY_LEN];
	if (kb_xnnpack.supports(&h, why))
		check_f16(h, 2);
}

Test(agent, xnnpack_few_channel_large_kernel_convs_run_as_im2col_and_gemm)
{
	/*
	 * kb_xnnpack.c runs 7x7 (and larger) convolutions on up to 4 channels as im2col + GEMM,
	 * each thread its share of the pixels in chunks of an eighth of the L2: enough pixels
	 * here for several chunks a share in every dtype, with odd sizes and SAME padding
	 */
	check_f32(&kb_xnnpack, shape(KOP_CONV, 97, 93, 3, 24, 7, 1, 1, DT_FP32), 1);
	check_f32(&kb_xnnpack, shape(KOP_CONV, 97, 93, 3, 24, 7, 2, 1, DT_FP32), 2);
	check_f32(&kb_xnnpack, shape(KOP_CONV, 11, 10, 4, 5, 9, 3, 1, DT_FP32), 3);
	check_int8(shape(KOP_CONV, 97, 93, 3, 16, 7, 1, 1, DT_INT8));
	struct kshape h = shape(KOP_CONV, 61, 59, 3, 16, 7, 2, 1, DT_FP16);
	char why[KB_WHY_LEN];
	if (kb_xnnpack.supports(&h, why))
		check_f16(h, 2);
}

Test(agent, openblas_refuses_int8_and_auto_prefers_xnnpack_for_every_dtype)
{
	struct kshape k = shape(KOP_CONV, 8, 8, 8, 8, 3, 1, 1, DT_INT8);
	char why[KB_WHY_LEN] = "";
	cr_assert_not(kb_openblas.supports(&k, why));
	cr_assert(strstr(why, "fp32") != NULL, "%s", why);
	cr_assert(kb_xnnpack.supports(&k, why), "%s", why);
	cr_assert_eq(kb_find("openblas"), &kb_openblas);
	cr_assert_eq(kb_find("xnnpack"), &kb_xnnpack);
	cr_assert_null(kb_find("cudnn"));
	/* auto: XNNPACK for every dtype it runs; OpenBLAS for fp32 rows XNNPACK refuses */
	struct kshape f = shape(KOP_CONV, 8, 8, 8, 8, 3, 1, 1, DT_FP32);
	cr_assert_eq(kb_choose("auto", &f, why), &kb_xnnpack, "%s", why);
	cr_assert_eq(kb_choose("auto", &k, why), &kb_xnnpack, "%s", why);
	struct kshape gap = shape(KOP_MAXPOOL, 9, 9, 4, 4, 2, 3, 1, DT_FP32); /* stride > kernel */
	cr_assert_not(kb_xnnpack.supports(&gap, why));
	cr_assert_eq(kb_choose("auto", &gap, why), &kb_openblas, "%s", why);
	gap.dtype = DT_INT8;
	why[0] = 0;
	cr_assert_null(kb_choose("auto", &gap, why));
	cr_assert(strstr(why, "stride") != NULL, "the refusal says why: '%s'", why);
	cr_assert_eq(kb_choose("openblas", &f, why), &kb_openblas, "%s", why);
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
	o.ramp_ms = 0;
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
	cr_assert_eq(csvin_n_cols(c), 20);
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
		cr_assert_str_eq(csvin_field(c, c_be), "xnnpack"); /* auto: XNNPACK runs all six */
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

/* --- the stopping rule --- */

Test(agent, median_ci_ranks_follow_the_binomial_approximation)
{
	/* 1-based ranks (n - 1.96 sqrt n) / 2 and 1 + (n + 1.96 sqrt n) / 2, widened to integers */
	int lo, hi;
	agent_median_ci(5, &lo, &hi);
	cr_assert(lo == 0 && hi == 4, "n 5: %d..%d", lo, hi);
	agent_median_ci(20, &lo, &hi);
	cr_assert(lo == 4 && hi == 15, "n 20: %d..%d", lo, hi);
	agent_median_ci(100, &lo, &hi); /* Conover's table: ranks 40 and 61 */
	cr_assert(lo == 39 && hi == 60, "n 100: %d..%d", lo, hi);
	agent_median_ci(1, &lo, &hi);
	cr_assert(lo == 0 && hi == 0);
}

/* A workload of a set length: spin on the clock for us[i % n] microseconds, run i. */
struct spin {
	double us[2];
	int n, i;
};

static const char *spin_name(void) { return "spin"; }

static int spin_run(void *state, struct errbuf *eb)
{
	(void)eb;
	struct spin *s = state;
	double end = agent_now_s() + s->us[s->i++ % s->n] * 1e-6;
	while (agent_now_s() < end)
		;
	return 0;
}

Test(agent, stopping_rule_stops_early_only_when_runs_agree)
{
	const struct kb_backend spin = {.name = spin_name, .run = spin_run};
	struct agent_measure_opts o;
	agent_measure_defaults(&o);
	o.warmup = 1;
	o.warmup_ms = 0;
	o.max_seconds = 0.5;
	struct errbuf eb = {0};
	struct agent_timing t;
	/* equal runs stop at min_runs (another process may stretch one: a few tries) */
	int early = 0;
	for (int attempt = 0; attempt < 5 && !early; attempt++) {
		struct spin s = {{300, 300}, 1, 0};
		cr_assert_eq(agent_measure(&spin, &s, &o, &t, &eb), 0, "%s", eb.msg);
		early = t.runs == o.min_runs && t.stable && t.ci_rel <= o.stable_rel;
	}
	cr_assert(early, "equal runs: %d runs, ci %g", t.runs, t.ci_rel);
	/* runs of 300 and 600 us: the interval stays wide, so the median must settle first */
	struct spin s = {{300, 600}, 2, 0};
	cr_assert_eq(agent_measure(&spin, &s, &o, &t, &eb), 0, "%s", eb.msg);
	cr_assert_geq(t.runs, o.stable_window, "alternating runs stopped after %d", t.runs);
	cr_assert_gt(t.ci_rel, o.stable_rel);
}

/* --- cache eviction --- */

Test(agent, cache_levels_and_eviction)
{
	struct agent_cache_level lv[AGENT_MAX_CACHE_LEVELS];
	int n = agent_cache_levels(0, lv, AGENT_MAX_CACHE_LEVELS);
	for (int i = 1; i < n; i++)
		cr_assert_leq(lv[i - 1].level, lv[i].level, "levels out of order");
	for (int i = 0; i < n; i++)
		cr_assert_gt(lv[i].bytes, 0);
	size_t b = agent_evict_default_bytes(0);
	cr_assert(b >= 64 << 10 && b <= AGENT_EVICT_CAP_BYTES + AGENT_EVICT_CAP_BYTES / 2,
		  "default eviction %zu bytes", b);
	struct errbuf eb = {0};
	for (int threads = 1; threads <= 2; threads++) {
		struct agent_evict *e = agent_evict_create(100000, threads, &eb);
		cr_assert_not_null(e, "%s", eb.msg);
		cr_assert_eq(agent_evict_bytes(e) % 64, 0);
		cr_assert_geq(agent_evict_bytes(e), 100000);
		char in[1000] = {0};
		const void *ins[2] = {in, NULL};
		size_t bytes[2] = {sizeof in, 0};
		agent_evict_run(e, ins, bytes, 2);
		agent_evict_destroy(e);
	}
	agent_evict_destroy(NULL);
}

/* --- pass lists and the in-model profile --- */

Test(agent, pass_list_groups_rows_and_resolves_inputs, .init = make_tmp, .fini = rm_tmp)
{
	char path[512];
	snprintf(path, sizeof path, "%s/passes.csv", tmpdir);
	write_file(path, "# a test\npass,name,op,in_h,in_w,in_c,out_c,kernel,stride,groups,dtype,"
			 "input\n"
			 "\"m:width=1,res=8\",a,conv,8,8,3,8,3,1,1,fp32,\n"
			 "\"m:width=1,res=8\",b,conv,8,8,8,8,3,1,1,fp32,\n"
			 "\"m:width=1,res=8\",c,conv,8,8,3,8,1,1,1,fp32,\n"
			 "\"m:width=0.5,res=8\",a,conv,8,8,3,4,3,1,1,int8,\n");
	struct agent_passes *ps = NULL;
	struct errbuf eb = {0};
	/* c reads a's input size but names no input: it reads its own buffer; fine to read */
	cr_assert_eq(agent_passes_read(path, DT_FP32, &ps, &eb), 0, "%s", eb.msg);
	cr_assert_eq(ps->n, 2);
	cr_assert(ps->has_pass_col);
	cr_assert_str_eq(ps->p[0].key, "m:width=1,res=8");
	cr_assert_eq(ps->p[0].n, 3);
	cr_assert_eq(ps->p[1].n, 1);
	cr_assert_eq(ps->p[1].layers[0].k.dtype, DT_INT8);
	cr_assert_eq(ps->p[0].layers[1].input, -1);
	agent_passes_destroy(ps);
	cr_assert_eq(agent_is_pass_list(path, &eb), 1);

	/* input names an earlier layer of the same pass, else file:line */
	write_file(path, "pass,name,op,in_h,in_w,in_c,out_c,kernel,stride,groups,input\n"
			 "p,a,conv,8,8,3,8,3,1,1,\n"
			 "p,b,conv,8,8,8,8,3,1,1,\n"
			 "p,c,conv,8,8,8,8,3,1,1,a\n"
			 "q,d,conv,8,8,8,8,3,1,1,b\n");
	cr_assert_lt(agent_passes_read(path, DT_FP32, &ps, &eb), 0);
	cr_assert(strstr(eb.msg, "passes.csv:5:") != NULL, "%s", eb.msg);
	cr_assert(strstr(eb.msg, "'b'") != NULL, "%s", eb.msg);
	write_file(path, "pass,name,op,in_h,in_w,in_c,out_c,kernel,stride,groups,input\n"
			 "p,a,conv,8,8,3,8,3,1,1,\n"
			 "p,b,conv,8,8,8,8,3,1,1,\n"
			 "p,c,conv,8,8,8,8,3,1,1,a\n");
	cr_assert_eq(agent_passes_read(path, DT_FP32, &ps, &eb), 0, "%s", eb.msg);
	cr_assert_eq(ps->p[0].layers[2].input, 0);
	agent_passes_destroy(ps);
	/* a kernel list is not a pass list */
	write_file(path, "op,in_h,in_w,in_c,out_c,kernel,stride,groups,dtype\n"
			 "conv,8,8,3,8,3,1,1,fp32\n");
	cr_assert_eq(agent_is_pass_list(path, &eb), 0);
}

/* The timings row of shape key ("conv,8,8,3,8,3,1,1,fp32") at threads: runs, or -1. */
static long runs_of(const char *path, const char *key, int threads)
{
	struct errbuf eb = {0};
	struct csvin *c = csvin_open(path, &eb);
	cr_assert_not_null(c, "%s", eb.msg);
	struct kshape_cols kc;
	cr_assert_eq(kshape_cols(c, &kc, &eb), 0, "%s", eb.msg);
	int c_thr = csvin_col(c, "threads"), c_runs = csvin_col(c, "runs");
	long runs = -1;
	while (csvin_next(c, &eb) > 0) {
		struct kshape k;
		char buf[128];
		cr_assert_eq(kshape_read(c, &kc, &k, &eb), 0, "%s", eb.msg);
		FILE *m = fmemopen(buf, sizeof buf, "w");
		kshape_write(m, &k);
		fclose(m);
		if (strcmp(buf, key) == 0 && atoi(csvin_field(c, c_thr)) == threads)
			runs = atol(csvin_field(c, c_runs));
	}
	csvin_close(c);
	return runs;
}

Test(agent, in_model_profile_pools_each_shape_over_its_layers, .init = make_tmp, .fini = rm_tmp)
{
	char in[512], out[512];
	snprintf(in, sizeof in, "%s/passes.csv", tmpdir);
	snprintf(out, sizeof out, "%s/timings.csv", tmpdir);
	/* pass A has the 8->8 conv twice, pass B once; the 3->8 conv only in B */
	write_file(in, "pass,name,op,in_h,in_w,in_c,out_c,kernel,stride,groups,dtype\n"
		       "A,a1,conv,8,8,8,8,3,1,1,fp32\n"
		       "A,a2,conv,8,8,8,8,3,1,1,fp32\n"
		       "A,a3,avgpool,8,8,8,8,8,8,1,fp32\n"
		       "B,b1,conv,8,8,3,8,3,1,1,fp32\n"
		       "B,b2,conv,8,8,8,8,3,1,1,fp32\n"
		       "B,b3,fc,1,1,8,4,1,1,1,int8\n");
	struct agent_profile_opts o;
	agent_profile_defaults(&o);
	o.kernels = in;
	struct errbuf eb = {0};
	cr_assert_eq(agent_parse_threads("1,2", &o, &eb), 0, "%s", eb.msg);
	o.m.warmup = 1;
	o.m.warmup_ms = 0;
	o.ramp_ms = 0;
	o.m.min_runs = 3;
	/* bounded by runs, not time, so that a slow process (valgrind) still reaches min_runs */
	o.m.max_seconds = 10;
	o.m.max_runs = 6;
	/* no rounds of timing unstable rows again: a row timed again pools other passes' times
	   than the rows beside it, and this test counts the pooling of one round */
	o.rounds = 0;
	cr_assert_eq(agent_profile(&o, out, &eb), 0, "%s", eb.msg);
	struct csvin *c = csvin_open(out, &eb);
	cr_assert_not_null(c, "%s", eb.msg);
	cr_assert_str_eq(csvin_meta(c, "mode"), "in-model");
	cr_assert(strncmp(csvin_meta(c, "passes"), "2 passes of 6 layers in all, 4 unique", 37) == 0,
		  "%s", csvin_meta(c, "passes"));
	int n = 0;
	while (csvin_next(c, &eb) > 0)
		n++;
	cr_assert_eq(n, 8, "%d rows for 4 kernels at 2 thread counts", n);
	csvin_close(c);
	for (int t = 1; t <= 2; t++) {
		long shared = runs_of(out, "conv,8,8,8,8,3,1,1,fp32", t);
		long only_b = runs_of(out, "conv,8,8,3,8,3,1,1,fp32", t);
		long only_a = runs_of(out, "avgpool,8,8,8,8,8,8,1,fp32", t);
		cr_assert_geq(only_b, 3);
		cr_assert_geq(only_a, 3);
		/* three layers' times pooled: twice A's passes plus B's */
		cr_assert_eq(shared, 2 * only_a + only_b, "threads %d: %ld != 2 x %ld + %ld", t,
			     shared, only_a, only_b);
	}
	/* a layer no backend runs stops a pass list, naming it; nothing is written */
	remove(out);
	write_file(in, "pass,op,in_h,in_w,in_c,out_c,kernel,stride,groups,dtype\n"
		       "A,conv,8,8,8,8,3,1,1,fp32\n"
		       "A,add,8,8,8,8,1,2,1,fp32\n");
	int rc = agent_profile(&o, out, &eb);
	cr_assert_lt(rc, 0);
	cr_assert(strstr(eb.msg, "passes.csv:3:") != NULL, "%s", eb.msg);
	cr_assert_eq(access(out, F_OK), -1);
}

Test(agent, run_takes_one_pass, .init = make_tmp, .fini = rm_tmp)
{
	char spec[512], out[512];
	snprintf(spec, sizeof spec, "%s/two.csv", tmpdir);
	snprintf(out, sizeof out, "%s/run.csv", tmpdir);
	write_file(spec, "pass,op,in_h,in_w,in_c,out_c,kernel,stride,groups\n"
			 "A,conv,8,8,8,8,3,1,1\nB,conv,8,8,8,8,3,1,1\n");
	struct agent_run_opts o;
	agent_run_defaults(&o);
	o.spec = spec;
	struct errbuf eb = {0};
	int rc = agent_run(&o, out, &eb);
	cr_assert_lt(rc, 0);
	cr_assert(strstr(eb.msg, "2 passes") != NULL, "%s", eb.msg);
	cr_assert_eq(access(out, F_OK), -1);
}

/* --- the harness's adascale profile --- */

#define TINY_SPEC                                                                             \
	"# width_rounding: floor_min8\n"                                                      \
	"# ladder: width=1,0.5 res=16 quant=fp32,int8\n"                                      \
	"name,op,in_h,in_w,in_c,out_c,kernel,stride,groups,input2,fixed_width,input\n"      \
	"c0,conv,16,16,3,16,3,2,1,,0,\n"                                                      \
	"dw,dwconv,8,8,16,16,3,1,16,,0,\n"                                                    \
	"pw,conv,8,8,16,16,1,1,1,,0,\n"                                                       \
	"sum,add,8,8,16,16,1,1,1,dw,0,\n"                                                     \
	"proj,conv,8,8,16,16,1,1,1,,0,dw\n"                                                   \
	"pool,avgpool,8,8,16,16,8,8,1,,0,\n"                                                  \
	"fc,fc,1,1,16,10,1,1,1,,1,\n"

/* The tiny spec's variants: loaded, enumerated and listed in v (the caller frees). */
static struct model *tiny_variants(struct variant_set **vs, struct profile_variant *v, int *n)
{
	const char *path = tu_write("tiny.csv", TINY_SPEC);
	struct model *m = NULL;
	struct errbuf eb = {0};
	cr_assert_eq(model_load(path, &m, &eb), 0, "%s", eb.msg);
	cr_assert_eq(variants_enumerate(m, NULL, vs, &eb), 0, "%s", eb.msg);
	cr_assert_eq((*vs)->n, 4);
	for (int i = 0; i < (*vs)->n; i++) {
		v[i].key = (*vs)->v[i].key;
		v[i].spec = (*vs)->v[i].spec;
	}
	*n = (*vs)->n;
	return m;
}

Test(agent, harness_pass_list_reads_back_as_the_variants)
{
	struct variant_set *vs = NULL;
	struct profile_variant v[4];
	int n;
	struct model *m = tiny_variants(&vs, v, &n);
	char path[512];
	snprintf(path, sizeof path, "%s/passes.csv", tu_dir());
	FILE *f = fopen(path, "w");
	struct errbuf eb = {0};
	cr_assert_eq(profile_pass_list_write(f, m, v, n, &eb), 0, "%s", eb.msg);
	fclose(f);
	struct agent_passes *ps = NULL;
	cr_assert_eq(agent_passes_read(path, DT_FP32, &ps, &eb), 0, "%s", eb.msg);
	cr_assert_eq(ps->n, n);
	for (int i = 0; i < n; i++) {
		cr_assert_str_eq(ps->p[i].key, v[i].key);
		cr_assert_eq(ps->p[i].n, v[i].spec->n_layers);
		for (int j = 0; j < ps->p[i].n; j++) {
			cr_assert_eq(kshape_cmp(&ps->p[i].layers[j].k, &v[i].spec->layers[j].k), 0,
				     "%s layer %d", v[i].key, j);
			int want = j > 0 && v[i].spec->layers[j].input != j - 1
					   ? v[i].spec->layers[j].input
					   : -1;
			cr_assert_eq(ps->p[i].layers[j].input, want, "%s layer %d", v[i].key, j);
		}
	}
	/* the projection reads dw (layer 1), not the add before it */
	cr_assert_eq(ps->p[0].layers[4].input, 1);
	agent_passes_destroy(ps);
	variant_set_destroy(vs);
	model_destroy(m);
}

Test(agent, harness_check_compares_each_pass_with_its_kernels)
{
	struct variant_set *vs = NULL;
	struct profile_variant v[4];
	int n;
	struct model *m = tiny_variants(&vs, v, &n);
	char passes[512], timings[512], report[512];
	snprintf(passes, sizeof passes, "%s/check-passes.csv", tu_dir());
	snprintf(timings, sizeof timings, "%s/check-timings.csv", tu_dir());
	snprintf(report, sizeof report, "%s/check.csv", tu_dir());
	struct errbuf eb = {0};
	FILE *f = fopen(passes, "w");
	cr_assert_eq(profile_pass_list_write(f, m, v, n, &eb), 0, "%s", eb.msg);
	fclose(f);
	struct agent_profile_opts po;
	agent_profile_defaults(&po);
	po.kernels = passes;
	cr_assert_eq(agent_parse_threads("1,2", &po, &eb), 0);
	po.m.warmup = 1;
	po.m.warmup_ms = 0;
	po.ramp_ms = 0;
	po.m.min_runs = 3;
	po.m.max_seconds = 0.05;
	cr_assert_eq(agent_profile(&po, timings, &eb), 0, "%s", eb.msg);

	struct profile_check_opts co;
	profile_check_defaults(&co);
	co.timings = timings;
	co.n_threads = 2;
	co.threads[0] = 1;
	co.threads[1] = 2;
	co.m = po.m;
	struct profile_check_result r;
	f = fopen(report, "w");
	cr_assert_eq(profile_check(&co, m->name, v, n, f, &r, &eb), 0, "%s", eb.msg);
	fclose(f);
	cr_assert_eq(r.n, 8);
	cr_assert_eq(r.per_threads_n[0], 4);
	cr_assert(r.n_within >= 0 && r.n_within <= r.n);
	/* each row: within is 1 exactly when |diff| <= 10% */
	struct csvin *c = csvin_open(report, &eb);
	cr_assert_not_null(c, "%s", eb.msg);
	int rows = 0, within = 0;
	int c_pass = csvin_col(c, "pass_us"), c_sum = csvin_col(c, "sum_us");
	int c_diff = csvin_col(c, "diff_pct"), c_in = csvin_col(c, "within");
	cr_assert(c_pass >= 0 && c_sum >= 0 && c_diff >= 0 && c_in >= 0);
	while (csvin_next(c, &eb) > 0) {
		double pass = atof(csvin_field(c, c_pass)), sum = atof(csvin_field(c, c_sum));
		double diff = atof(csvin_field(c, c_diff));
		int in = atoi(csvin_field(c, c_in));
		cr_assert_gt(pass, 0);
		cr_assert_gt(sum, 0);
		/* printed with 3 decimals (diff with 2): recomputed, it agrees up to that rounding */
		double slack = 100 * 0.0005 / pass * (1 + sum / pass) + 0.005;
		cr_assert(fabs(diff - 100 * (sum - pass) / pass) <= slack, "diff %g, pass %g, sum %g",
			  diff, pass, sum);
		/* diff is rounded to 2 decimals: within 0.005 of the bound either answer is right */
		if (fabs(fabs(diff) - 10) > 0.005)
			cr_assert_eq(in, fabs(diff) <= 10 ? 1 : 0, "diff %g within %d", diff, in);
		within += in;
		rows++;
	}
	csvin_close(c);
	cr_assert_eq(rows, 8);
	cr_assert_eq(within, r.n_within);

	/* a timings file without one of the kernels: named, and nothing is timed or written */
	write_file(timings, "op,in_h,in_w,in_c,out_c,kernel,stride,groups,dtype,threads,backend,"
			    "median_us,p10_us,p90_us\n"
			    "conv,16,16,3,16,3,2,1,fp32,1,openblas,10,9,11\n");
	f = fopen(report, "w");
	int rc = profile_check(&co, m->name, v, n, f, &r, &eb);
	long size = ftell(f);
	fclose(f);
	cr_assert_eq(rc, ERR_NOTFOUND);
	cr_assert(strstr(eb.msg, "no timing of dwconv 8x8x16") != NULL, "%s", eb.msg);
	cr_assert_eq(size, 0);
	variant_set_destroy(vs);
	model_destroy(m);
}

static int harness(const char *args, char *out, size_t len)
{
	const char *b = getenv("ADASCALE_BUILD");
	char cmd[4096];
	snprintf(cmd, sizeof cmd, "%s/adascale %s", b && *b ? b : "build", args);
	return tu_run(cmd, out, len);
}

Test(agent, harness_profile_command_line)
{
	static char out[1 << 16];
	const char *spec = tu_write("cli-tiny.csv", TINY_SPEC);
	char args[2048], timings[512];
	snprintf(timings, sizeof timings, "%s/cli-timings.csv", tu_dir());
	/* usage errors exit 2 */
	cr_assert_eq(harness("profile", out, sizeof out), 2, "%s", out);
	cr_assert(tu_has(out, "which model?"), "%s", out);
	cr_assert_eq(harness("profile mobilenet_v1 --check --pass-list", out, sizeof out), 2);
	cr_assert_eq(harness("profile mobilenet_v1 --timings x.csv", out, sizeof out), 2);
	/* the pass list of two variants */
	snprintf(args, sizeof args, "profile %s --pass-list --variants 'cli-tiny:width=0.5,res=16,"
				    "quant=int8 cli-tiny:width=1,res=16,quant=fp32'", spec);
	cr_assert_eq(harness(args, out, sizeof out), 0, "%s", out);
	cr_assert(tu_has(out, "\"cli-tiny:width=0.5,res=16,quant=int8\",c0,conv,16,16,3,8,3,2,1,"
			      "int8,"), "%s", out);
	cr_assert(tu_has(out, ",proj,conv,8,8,16,16,1,1,1,fp32,dw\n"), "%s", out);
	/* profile in one step, then check against it */
	snprintf(args, sizeof args, "profile %s --threads 1 --max-seconds 0.05 --warmup-ms 0 "
				    "--min-runs 3 -o %s", spec, timings);
	cr_assert_eq(harness(args, out, sizeof out), 0, "%s", out);
	/* the file says what was profiled, not the temporary list it went through */
	FILE *tf = fopen(timings, "r");
	cr_assert_not_null(tf);
	size_t n_read = fread(out, 1, sizeof out - 1, tf);
	out[n_read] = 0;
	fclose(tf);
	cr_assert(tu_has(out, "# kernels: the pass list of 4 variants of cli-tiny (the spec's "
			      "ladder)\n"), "%s", out);
	snprintf(args, sizeof args, "profile --check %s --timings %s --threads 1 --max-seconds 0.05 "
				    "--warmup-ms 0 --min-runs 3", spec, timings);
	cr_assert_eq(harness(args, out, sizeof out), 0, "%s", out);
	cr_assert(tu_has(out, "variant,threads,pass_us,pass_p10_us,pass_p90_us,sum_us,diff_pct,"
			      "within\n"), "%s", out);
	cr_assert(tu_has(out, "# within_10pct: "), "%s", out);
	/* a variant the model cannot have */
	snprintf(args, sizeof args, "profile %s --pass-list --variants 'cli-tiny:width=0'", spec);
	cr_assert_eq(harness(args, out, sizeof out), 2, "%s", out);
	cr_assert(tu_has(out, "adascale: --variants 'cli-tiny:width=0'"), "%s", out);
}

/*
 * test_derive.c: the roofline rule and the thread counts the source did not measure. On
 * source timings that follow Amdahl exactly (serial fractions 0.2 for conv, 0.5 for dwconv),
 * the fit recovers them, and every target row is the source's time scaled by the ratio of
 * peak FLOP/s, worked out here from the two device files (the Pixel 3's from its sourced
 * one- and four-core peaks); past the source's threads, each kernel follows its own serial
 * fraction. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "derive.h"
#include "device.h"
#include "testutil.h"
#include "timings.h"

/* The source timings' header: measured at 2600 MHz (the Xeon host's frequency). */
static const char HDR[] = "# freq_ref_mhz: 2600\n"
			  "op,in_h,in_w,in_c,out_c,kernel,stride,groups,dtype,threads,backend,"
			  "median_us,p10_us,p90_us,runs,gflops,freq_start_mhz,freq_end_mhz,"
			  "freq_changed\n";

static double amdahl(double s, int t) { return s + (1 - s) / t; }

/*
 * Derives the big-cluster timings of the device at dst_ini from source timings text measured
 * on the Xeon host (devices/xeon-kvm-2vcpu.ini) and reads them back; the caller destroys
 * them.
 */
static struct timings *derive_to(const char *dst_ini, const char *text, struct derive_stats *st)
{
	const char *src_t = tu_write("src-timings.csv", text);
	struct timings *t = NULL, *d = NULL;
	struct device *src = NULL, *dst = NULL;
	struct errbuf eb = {0};
	cr_assert_eq(timings_load(src_t, &t, &eb), 0, "%s", eb.msg);
	cr_assert_eq(device_load("devices/xeon-kvm-2vcpu.ini", &src, &eb), 0, "%s", eb.msg);
	cr_assert_eq(device_load(dst_ini, &dst, &eb), 0, "%s", eb.msg);
	const char *outp = tu_scratch("derived.csv");
	FILE *f = fopen(outp, "w");
	cr_assert_not_null(f);
	cr_assert_eq(derive_timings(src, t, dst, -1, f, st, &eb), 0, "%s", eb.msg);
	fclose(f);
	cr_assert_eq(timings_load(outp, &d, &eb), 0, "%s", eb.msg);
	timings_destroy(t);
	device_destroy(src);
	device_destroy(dst);
	return d;
}

/* The same for the Pixel 3 as bundled. */
static struct timings *derive_text(const char *text, struct derive_stats *st)
{
	return derive_to("devices/pixel3.ini", text, st);
}

Test(derive, thread_counts_past_the_source_follow_amdahl_per_op)
{
	static const double s_of[2] = {0.2, 0.5}; /* conv, dwconv */
	static const double t1[2] = {1000, 400};  /* us at 1 thread, 2600 MHz */
	char text[4096];
	int n = snprintf(text, sizeof text, "%s", HDR);
	for (int th = 1; th <= 2; th++) {
		n += snprintf(text + n, sizeof text - (size_t)n,
			      "conv,28,28,64,64,1,1,1,fp32,%d,openblas,%.6f,%.6f,%.6f,100,1,,,0\n",
			      th, t1[0] * amdahl(s_of[0], th), t1[0] * amdahl(s_of[0], th),
			      t1[0] * amdahl(s_of[0], th));
		n += snprintf(text + n, sizeof text - (size_t)n,
			      "dwconv,28,28,64,64,3,1,64,fp32,%d,openblas,%.6f,%.6f,%.6f,100,1,,,0\n",
			      th, t1[1] * amdahl(s_of[1], th), t1[1] * amdahl(s_of[1], th),
			      t1[1] * amdahl(s_of[1], th));
	}
	struct derive_stats st;
	struct timings *d = derive_text(text, &st);
	cr_expect_float_eq(st.serial[KOP_CONV], 0.2, 1e-6);
	cr_expect_float_eq(st.serial[KOP_DWCONV], 0.5, 1e-6);
	cr_expect_eq(st.n_scaled, 4, "conv and dwconv at 3 and 4 threads");
	/* peak FLOP/s: the host 2600 MHz x 64 per core, two cores (devices/xeon-kvm-2vcpu.ini);
	   the Pixel 3's big cluster 22.3 GFLOP/s on one core and 84.4 on all four, vfpbench's
	   measurement (devices/pixel3.ini), linear in the busy cores between */
	double p_dst[5] = {0, 22.3e9, 22.3e9 + (84.4e9 - 22.3e9) / 3,
			   22.3e9 + 2 * (84.4e9 - 22.3e9) / 3, 84.4e9};
	cr_expect(d->derived);
	int seen = 0;
	for (int i = 0; i < d->n; i++) {
		const struct timing *g = &d->t[i];
		int op = g->k.op == KOP_CONV ? 0 : 1, th = g->threads;
		double want;
		if (th <= 2)
			want = t1[op] * amdahl(s_of[op], th) * (th * 2600e6 * 64) / p_dst[th];
		else /* from the row at 2 threads: Amdahl, and the peak per busy core */
			want = t1[op] * amdahl(s_of[op], 2) * (2 * 2600e6 * 64) / p_dst[2] *
			       amdahl(s_of[op], th) / amdahl(s_of[op], 2) * (p_dst[2] / 2) /
			       (p_dst[th] / th);
		cr_expect(fabs(g->median_us - want) <= 1e-3 * want, "%s at %d threads: %g us, want %g",
			  op ? "dwconv" : "conv", th, g->median_us, want);
		seen |= 1 << (th - 1);
	}
	cr_expect_eq(seen, 0xf, "rows at 1, 2, 3 and 4 threads");
	timings_destroy(d);
}

/*
 * Two conv kernels with serial fractions 0.1 and 0.6: each is carried past the source's
 * threads by its own, not by the op's median (which would give both 0.35).
 */
Test(derive, each_kernel_scales_by_its_own_serial_fraction)
{
	static const double s_of[2] = {0.1, 0.6};
	char text[4096];
	int n = snprintf(text, sizeof text, "%s", HDR);
	for (int th = 1; th <= 2; th++)
		for (int k = 0; k < 2; k++) {
			double us = 1000 * amdahl(s_of[k], th);
			n += snprintf(text + n, sizeof text - (size_t)n,
				      "conv,28,28,%d,64,1,1,1,fp32,%d,openblas,%.6f,%.6f,%.6f,100,1,,,0\n",
				      k ? 128 : 64, th, us, us, us);
		}
	struct derive_stats st;
	struct timings *d = derive_text(text, &st);
	/* the time at 4 threads over the time at 2, both derived: Amdahl with the kernel's s and
	   the Pixel 3's peak per busy core (vfpbench: 22.3 GFLOP/s alone, 84.4 for four) */
	double pc2 = (22.3 + (84.4 - 22.3) / 3) / 2, pc4 = 84.4 / 4;
	for (int k = 0; k < 2; k++) {
		double at[5] = {0};
		for (int i = 0; i < d->n; i++)
			if (d->t[i].k.in_c == (k ? 128 : 64))
				at[d->t[i].threads] = d->t[i].median_us;
		double want = amdahl(s_of[k], 4) / amdahl(s_of[k], 2) * pc2 / pc4;
		cr_expect(fabs(at[4] / at[2] - want) <= 1e-4 * want, "s=%g: t(4)/t(2) %g, want %g",
			  s_of[k], at[4] / at[2], want);
	}
	timings_destroy(d);
}

/*
 * int8 by its own rule: where the source has the same shape in fp32, an int8 kernel's derived
 * time is the fp32 one's x 8 / 32 (the Pixel 3 core's fp32 FLOPs over its int8 operations a
 * cycle, the figure devices/pixel3.ini gives as a comment, given here), whatever the source's
 * own int8 time; an int8 kernel without an fp32 twin keeps the fp32 ratio on its own time.
 */
Test(derive, int8_takes_the_target_cores_int8_rate)
{
	char text[2048];
	snprintf(text, sizeof text,
		 "%s"
		 "conv,28,28,64,64,1,1,1,fp32,1,xnnpack,800,800,800,100,1,,,0\n"
		 "conv,28,28,64,64,1,1,1,int8,1,xnnpack,700,700,700,100,1,,,0\n"
		 "conv,14,14,64,64,1,1,1,int8,1,xnnpack,300,300,300,100,1,,,0\n",
		 HDR);
	/* the Pixel 3 with its commented int8 rate given (its timings paths made absolute) */
	char cmd[1024], out[1024];
	const char *ini = tu_scratch("pixel3-int8.ini");
	snprintf(cmd, sizeof cmd,
		 "sed -e 's/^; int8_ops_per_cycle = /int8_ops_per_cycle = /' "
		 "-e \"s#^timings = #timings = $(pwd)/devices/#\" devices/pixel3.ini > %s", ini);
	cr_assert_eq(tu_run(cmd, out, sizeof out), 0, "%s", out);
	struct derive_stats st;
	struct timings *d = derive_to(ini, text, &st);
	cr_expect_eq(st.n_int8, 1);
	cr_expect_eq(st.n_int8_fp32_ratio, 1);
	/* the fp32 ratio at 1 thread: the Xeon host's 2600 MHz x 64 against the Pixel 3's 22.3 */
	double ratio = 2600e6 * 64 / 22.3e9;
	double fp32 = 0, twin = 0, lone = 0;
	for (int i = 0; i < d->n; i++) {
		const struct timing *g = &d->t[i];
		if (g->k.dtype == DT_FP32)
			fp32 = g->median_us;
		else if (g->k.in_h == 28)
			twin = g->median_us;
		else
			lone = g->median_us;
	}
	cr_expect(fabs(fp32 - 800 * ratio) <= 1e-3 * fp32, "fp32 %g, want %g", fp32, 800 * ratio);
	cr_expect(fabs(twin - 800 * ratio * 8 / 32) <= 1e-3 * twin, "int8 %g, want %g", twin,
		  800 * ratio * 8 / 32);
	cr_expect(fabs(lone - 300 * ratio) <= 1e-3 * lone, "int8 alone %g, want %g", lone,
		  300 * ratio);
	timings_destroy(d);
}

/* The bundled derived Pixel 3 timings (the study's camera session) are what derive writes
   now from the bundled host's: regenerate them with the command in docs/study.md when not. */
Test(derive, bundled_pixel3_timings_are_what_derive_writes)
{
	char out[4096], cmd[1024];
	const char *p = tu_scratch("p3.csv");
	snprintf(cmd, sizeof cmd,
		 "%s/adascale derive --from devices/xeon-kvm-2vcpu.ini --to devices/pixel3.ini -o %s "
		 "&& cmp %s devices/pixel3/timings-derived.csv",
		 tu_bin(), p, p);
	cr_assert_eq(tu_run(cmd, out, sizeof out), 0,
		     "devices/pixel3/timings-derived.csv is stale: %s", out);
	/* and the little cluster's, which devices/pixel3.ini names for [cluster.0] */
	snprintf(cmd, sizeof cmd,
		 "%s/adascale derive --from devices/xeon-kvm-2vcpu.ini --to devices/pixel3.ini "
		 "--cluster 0 -o %s && cmp %s devices/pixel3/timings-derived-little.csv",
		 tu_bin(), p, p);
	cr_assert_eq(tu_run(cmd, out, sizeof out), 0,
		     "devices/pixel3/timings-derived-little.csv is stale: %s", out);
}

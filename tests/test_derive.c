/*
 * test_derive.c: thread counts the source did not measure, derived by Amdahl's law with each
 * op type's serial fraction fitted on the source's 1- and 2-thread kernels: on source
 * timings that follow Amdahl exactly (serial fractions 0.2 for conv, 0.5 for dwconv), the
 * fit recovers them and the target's rows at 3 and 4 threads are Amdahl's times scaled by
 * the ratio of peak FLOP/s (worked out here from the two device files).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "derive.h"
#include "device.h"
#include "testutil.h"
#include "timings.h"

static double amdahl(double s, int t) { return s + (1 - s) / t; }

Test(derive, thread_counts_past_the_source_follow_amdahl_per_op)
{
	static const double s_of[2] = {0.2, 0.5}; /* conv, dwconv */
	static const double t1[2] = {1000, 400};  /* us at 1 thread, 2600 MHz */
	char text[4096];
	int n = snprintf(text, sizeof text,
			 "# freq_ref_mhz: 2600\n"
			 "op,in_h,in_w,in_c,out_c,kernel,stride,groups,dtype,threads,backend,"
			 "median_us,p10_us,p90_us,runs,gflops,freq_start_mhz,freq_end_mhz,"
			 "freq_changed\n");
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
	const char *src_t = tu_write("src-timings.csv", text);
	struct timings *t = NULL;
	struct device *src = NULL, *dst = NULL;
	struct errbuf eb = {0};
	cr_assert_eq(timings_load(src_t, &t, &eb), 0, "%s", eb.msg);
	cr_assert_eq(device_load("devices/xeon-kvm-2vcpu.ini", &src, &eb), 0, "%s", eb.msg);
	cr_assert_eq(device_load("devices/pixel3.ini", &dst, &eb), 0, "%s", eb.msg);
	const char *outp = tu_scratch("derived.csv");
	FILE *f = fopen(outp, "w");
	cr_assert_not_null(f);
	struct derive_stats st;
	cr_assert_eq(derive_timings(src, t, dst, f, &st, &eb), 0, "%s", eb.msg);
	fclose(f);
	cr_expect_float_eq(st.serial[KOP_CONV], 0.2, 1e-6);
	cr_expect_float_eq(st.serial[KOP_DWCONV], 0.5, 1e-6);
	cr_expect_eq(st.n_scaled, 4, "conv and dwconv at 3 and 4 threads");
	/* peak FLOP/s per core: the host 2600 MHz x 64, the Pixel 3's big core 2803.2 MHz x 8
	   (devices/xeon-kvm-2vcpu.ini, devices/pixel3.ini) */
	double ratio = (2600.0 * 64) / (2803.2 * 8);
	struct timings *d = NULL;
	cr_assert_eq(timings_load(outp, &d, &eb), 0, "%s", eb.msg);
	cr_expect(d->derived);
	int seen = 0;
	for (int i = 0; i < d->n; i++) {
		const struct timing *g = &d->t[i];
		int op = g->k.op == KOP_CONV ? 0 : 1;
		double want = t1[op] * amdahl(s_of[op], g->threads) * ratio;
		cr_expect(fabs(g->median_us - want) <= 1e-3 * want, "%s at %d threads: %g us, want %g",
			  op ? "dwconv" : "conv", g->threads, g->median_us, want);
		seen |= 1 << (g->threads - 1);
	}
	cr_expect_eq(seen, 0xf, "rows at 1, 2, 3 and 4 threads");
	timings_destroy(t);
	timings_destroy(d);
	device_destroy(src);
	device_destroy(dst);
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
}

/*
 * test_calib.c: contention calibrations and drawn work. Resampling a calibration gives back
 * the distribution written into it (two-sample Kolmogorov-Smirnov tests against samples drawn
 * straight from the known distribution, with the critical value from the KS formula); the
 * device model's calibrated rate against numbers worked out by hand from
 * tests/data/calib2.csv; a bad calibration line is refused with file:line, also through the
 * device file; `adascale-agent calibrate` writes what the device loader reads; a sweep on a
 * calibrated device with drawn work gives the same results whatever --jobs; drawn work has
 * the profiled p10, median and p90.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calib.h"
#include "device.h"
#include "devmodel.h"
#include "err.h"
#include "model.h"
#include "rng.h"
#include "run.h"
#include "sha256.h"
#include "testutil.h"
#include "timings.h"
#include "variants.h"
#include "vtable.h"

static char out[1 << 16];

/* ---- a calibration of a known distribution ---- */

/*
 * The known distributions: at load 0, S = 0.9 + 0.2 X; at load 0.5, S = 1 + 4 X^3 (a long
 * tail); X uniform on [0, 1], so Q0(p) = 0.9 + 0.2 p and Q5(p) = 1 + 4 p^3. Written with
 * 1001 levels, threads 1 only.
 */
static double q_idle(double p) { return 0.9 + 0.2 * p; }
static double q_half(double p) { return 1 + 4 * p * p * p; }

static const char *known_calibration(void)
{
	size_t cap = 200000, n = 0;
	char *text = malloc(cap);
	cr_assert(text);
	n += (size_t)snprintf(text + n, cap - n, "threads,util_other,quantile,slowdown,passes\n");
	for (int l = 0; l < 2; l++)
		for (int i = 0; i <= 1000; i++) {
			double p = i / 1000.0;
			n += (size_t)snprintf(text + n, cap - n, "1,%g,%.17g,%.17g,1000\n", l * 0.5, p,
					      l ? q_half(p) : q_idle(p));
		}
	const char *path = tu_write("known.csv", text);
	free(text);
	return path;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The two-sample KS statistic sup |F_a - F_b| of sorted samples a and b, n each. */
static double ks(const double *a, const double *b, int n)
{
	int i = 0, j = 0;
	double d = 0;
	while (i < n && j < n) {
		double x = a[i] < b[j] ? a[i] : b[j];
		while (i < n && a[i] <= x)
			i++;
		while (j < n && b[j] <= x)
			j++;
		double diff = fabs((double)(i - j) / n);
		d = diff > d ? diff : d;
	}
	return d;
}

/*
 * The critical value of the two-sample KS test at level alpha for samples of n and n:
 * c(alpha) sqrt((n + m) / (n m)), c(alpha) = sqrt(-ln(alpha / 2) / 2) (the asymptotic
 * Kolmogorov distribution; e.g. c(0.001) = 1.95).
 */
static double ks_critical(double alpha, int n)
{
	return sqrt(-log(alpha / 2) / 2) * sqrt(2.0 / n);
}

#define N_KS 20000

/*
 * n draws of calib_slowdown at load u (levels from stream "resample") against n draws of
 * the known quantile function q (levels from stream "reference"): the KS statistic.
 */
static double ks_against(const struct calib *c, double u, double (*q)(double, double),
			 double w)
{
	double *a = malloc(N_KS * sizeof *a), *b = malloc(N_KS * sizeof *b);
	cr_assert(a && b);
	struct rng ra, rb;
	rng_init(&ra, 7, "resample");
	rng_init(&rb, 7, "reference");
	for (int i = 0; i < N_KS; i++) {
		a[i] = calib_slowdown(c, 1, u, rng_uniform(&ra));
		b[i] = q(rng_uniform(&rb), w);
	}
	qsort(a, N_KS, sizeof *a, cmp_double);
	qsort(b, N_KS, sizeof *b, cmp_double);
	double d = ks(a, b, N_KS);
	free(a);
	free(b);
	return d;
}

static double q_idle_w(double p, double w) { (void)w; return q_idle(p); }
static double q_half_w(double p, double w) { (void)w; return q_half(p); }
/* the mixture of the two quantile functions at the same level: the load in between */
static double q_mix(double p, double w) { return (1 - w) * q_idle(p) + w * q_half(p); }

Test(calib, resampling_reproduces_the_known_distribution)
{
	struct errbuf eb = {0};
	struct calib *c = NULL;
	cr_assert_eq(calib_load(known_calibration(), &c, &eb), 0, "%s", eb.msg);
	cr_assert_eq(c->n_q, 1001);
	cr_assert_eq(c->n_loads, 2);
	double crit = ks_critical(0.001, N_KS); /* 0.0195 */
	double d0 = ks_against(c, 0, q_idle_w, 0);
	double d5 = ks_against(c, 0.5, q_half_w, 0);
	cr_assert_lt(d0, crit, "load 0: D = %g, critical %g", d0, crit);
	cr_assert_lt(d5, crit, "load 0.5: D = %g, critical %g", d5, crit);
	/* a load in between: the quantile functions mixed at w = 0.25 / 0.5 */
	double dm = ks_against(c, 0.25, q_mix, 0.5);
	cr_assert_lt(dm, crit, "load 0.25: D = %g, critical %g", dm, crit);
	/* and the test tells distributions apart: load 0.5 is not the mixture at 0.4 */
	double dx = ks_against(c, 0.5, q_mix, 0.8);
	cr_assert_gt(dx, crit, "load 0.5 against the mixture at w 0.8: D = %g", dx);
	/* beyond the measured levels: the highest level's distribution */
	cr_assert_eq(calib_slowdown(c, 1, 0.9, 0.5), calib_slowdown(c, 1, 0.5, 0.5));
	/* a thread count it lacks: the largest one below */
	cr_assert_eq(calib_slowdown(c, 4, 0.5, 0.3), calib_slowdown(c, 1, 0.5, 0.3));
	calib_destroy(c);
}

/* ---- the device model on tests/data/calib2.ini ---- */

Test(calib, devmodel_rate_follows_the_calibration)
{
	struct errbuf eb = {0};
	struct device *d = NULL;
	cr_assert_eq(device_load("tests/data/calib2.ini", &d, &eb), 0, "%s", eb.msg);
	cr_assert_not_null(d->calib);
	struct timings t = {.freq_ref_mhz = 2600};
	struct devmodel m;
	devmodel_init(&m, d, &t);
	struct devmodel_state st = {.freq_mhz = 2600, .online = 2, .util_other = 0.5};
	double rate, power;
	/*
	 * calib2.csv, 1 thread: at q 0.5 the idle cell says 1.0 and the 0.5 cell 1.55, so the
	 * share is min(1, 2/1) * 1.0 / 1.55 and the rate at f = f_ref the same.
	 */
	devmodel_costs_at(&m, &st, 1, 0.5, &rate, &power);
	cr_assert_float_eq(rate, 1.0 / 1.55, 1e-12);
	cr_assert_float_eq(devmodel_rate(&m, &st, 1), 1.0 / 1.55, 1e-12);
	/* q 0.95: idle 1.04 + (1.10 - 1.04) / 2 = 1.07, load 0.5: 2.3 + (3.5 - 2.3) / 2 = 2.9 */
	devmodel_costs_at(&m, &st, 1, 0.95, &rate, &power);
	cr_assert_float_eq(rate, 1.07 / 2.9, 1e-12);
	/* power: share * T cores at 2600 MHz, 1923 uW/MHz/V^2 * 1 V^2 * 2600 MHz = 4999.8 mW */
	cr_assert_float_eq(power, 1.07 / 2.9 * 4999.8, 1e-6);
	/*
	 * load 0.75, 2 threads, q 0.8: halfway between the 0.5 cell (2.6) and the 1 cell (4.5),
	 * 3.55, over the idle 1.04; at half the reference frequency.
	 */
	st.util_other = 0.75;
	st.freq_mhz = 1300;
	devmodel_costs_at(&m, &st, 2, 0.8, &rate, &power);
	cr_assert_float_eq(rate, 0.5 * 1.04 / 3.55, 1e-12);
	/* one core offline, 2 threads: min(1, 1/2) more */
	st.online = 1;
	devmodel_costs_at(&m, &st, 2, 0.8, &rate, &power);
	cr_assert_float_eq(rate, 0.5 * 0.5 * 1.04 / 3.55, 1e-12);
	device_destroy(d);
}

Test(calib, a_device_hash_covers_its_calibration)
{
	struct errbuf eb = {0};
	struct device *d = NULL;
	cr_assert_eq(device_load("tests/data/calib2.ini", &d, &eb), 0, "%s", eb.msg);
	char ini[65], cal[65], text[140], want[65];
	cr_assert_eq(sha256_file("tests/data/calib2.ini", ini), 0);
	cr_assert_eq(sha256_file("tests/data/calib2.csv", cal), 0);
	snprintf(text, sizeof text, "%s\n%s\n", ini, cal);
	struct sha256 h;
	sha256_init(&h);
	sha256_update(&h, text, strlen(text));
	sha256_final_hex(&h, want);
	cr_assert_str_eq(d->sha256, want);
	cr_assert_str_eq(d->calib->sha256, cal);
	device_destroy(d);
}

/* ---- a calibration per pass ---- */

/*
 * Two passes, constant at every level: pass 0 is 1 ms at 1 thread and 0.6 ms at 2, slowed 3x
 * (1 thread) and 4x (2 threads) at load 0.5; pass 1 is 4 ms and 2.4 ms, slowed 2x and 2.5x;
 * both 1 idle.
 */
static const char per_pass_head[] = "threads,pass,pass_ms,util_other,quantile,slowdown,passes\n";

static const char *per_pass_calibration(const char *name, double ms_a, double s_a, double ms_b,
					double s_b)
{
	char text[2048];
	int n = snprintf(text, sizeof text, "%s", per_pass_head);
	const double ms[2][2] = {{ms_a, 0.6 * ms_a}, {ms_b, 0.6 * ms_b}};
	const double slow[2][2] = {{s_a, 4}, {s_b, 2.5}};
	for (int pass = 0; pass < 2; pass++)
		for (int t = 1; t <= 2; t++)
			for (int l = 0; l < 2; l++)
				for (int q = 0; q < 2; q++)
					n += snprintf(text + n, sizeof text - (size_t)n,
						      "%d,%d,%.17g,%g,%d,%.17g,9\n", t, pass,
						      ms[pass][t - 1], l * 0.5, q,
						      l ? slow[pass][t - 1] : 1.0);
	return tu_write(name, text);
}

Test(calib, a_calibration_per_pass_looks_an_inference_up_by_its_length)
{
	struct errbuf eb = {0};
	struct calib *c = NULL;
	cr_assert_eq(calib_load(per_pass_calibration("pp.csv", 1, 3, 4, 2), &c, &eb), 0, "%s",
		     eb.msg);
	cr_assert_eq(c->n_pass, 2);
	cr_assert_float_eq(c->pass_ms[1][1], 2.4, 1e-12);
	/* at a pass's own length, that pass's slowdown; beyond the passes, the nearest one's */
	cr_assert_float_eq(calib_slowdown_of(c, 1, 1, 0.5, 0.5), 3, 1e-12);
	cr_assert_float_eq(calib_slowdown_of(c, 1, 4, 0.5, 0.9), 2, 1e-12);
	cr_assert_float_eq(calib_slowdown_of(c, 1, 0.25, 0.5, 0.5), 3, 1e-12);
	cr_assert_float_eq(calib_slowdown_of(c, 1, 40, 0.5, 0.5), 2, 1e-12);
	cr_assert_float_eq(calib_slowdown_of(c, 1, 0, 0.5, 0.5), 3, 1e-12);
	/* 2 ms is halfway between 1 and 4 in ln(length): (3 + 2) / 2 */
	cr_assert_float_eq(calib_slowdown_of(c, 1, 2, 0.5, 0.5), 2.5, 1e-12);
	/* 3 ms: w = ln 3 / ln 4 = 0.792..., 3 - w */
	cr_assert_float_eq(calib_slowdown_of(c, 1, 3, 0.5, 0.5), 3 - log(3) / log(4), 1e-12);
	/* 2 threads, 1.2 ms between 0.6 and 2.4 in ln: (4 + 2.5) / 2; 3 threads take 2's */
	cr_assert_float_eq(calib_slowdown_of(c, 2, 1.2, 0.5, 0.5), 3.25, 1e-12);
	cr_assert_float_eq(calib_slowdown_of(c, 3, 1.2, 0.5, 0.5), 3.25, 1e-12);
	/* load 0.25 mixes each pass's levels first: (2 + 1.5) / 2 */
	cr_assert_float_eq(calib_slowdown_of(c, 1, 2, 0.25, 0.5), 1.75, 1e-12);
	calib_destroy(c);
}

/* A device (tests/data/dvfs2.ini's, no cadence) naming the calibration cal_path. */
static const char *device_calibrated(const char *name, const char *cal_path)
{
	char key[600];
	snprintf(key, sizeof key, "calibration = %s\n", cal_path);
	return tu_dvfs2_with(name, key);
}

#define PP_TIMINGS "devices/xeon-kvm-2vcpu/timings.csv"

/* One variant alone at one thread, 5 frames a second for 60 s at load 0.5: its p50 (ms). */
static double pp_p50_ms(const char *device, const char *ops)
{
	struct run_output *o = tu_lone_run(&(struct tu_lone){
		.device = device, .timings = PP_TIMINGS, .ops = ops, .service = "det", .util = 0.5,
		.fps = 5, .duration_s = 60, .seed = 2});
	double p50 = o->m.lat_p50_ms;
	cr_assert(tu_has(o->notes, ", per pass (2 passes; an inference takes the two of nearest "),
		  "%s", o->notes);
	run_output_destroy(o);
	return p50;
}

Test(calib, a_run_slows_each_variant_by_the_pass_of_its_length, .timeout = 60)
{
	const char *a = "width=0.25 res=128 quant=fp32", *b = "width=1 res=224 quant=fp32",
		   *mid = "width=0.5 res=160 quant=fp32";
	double la = tu_variant_ms(PP_TIMINGS, a, 1), lb = tu_variant_ms(PP_TIMINGS, b, 1),
	       lm = tu_variant_ms(PP_TIMINGS, mid, 1);
	cr_assert(la < lm && lm < lb, "%g %g %g", la, lm, lb);
	/* pass 0 is variant a's length, slowed 3x at load 0.5; pass 1 is b's, slowed 2x */
	const char *dev = device_calibrated("pp-dev.ini", per_pass_calibration("pp-dev.csv", la,
									       3, lb, 2));
	/*
	 * One thread on two cores keeps its core at half load (min(1, 2/1) = 1), and the idle
	 * slowdown is 1, so a pass takes its length times the slowdown of its length: a and b
	 * their pass's, the width 0.5 at 160 the mix at w = ln(lm / la) / ln(lb / la). The
	 * histogram keeps 0.1%.
	 */
	double w = log(lm / la) / log(lb / la);
	cr_assert_float_eq(pp_p50_ms(dev, a) / (3 * la), 1, 2e-3);
	cr_assert_float_eq(pp_p50_ms(dev, b) / (2 * lb), 1, 2e-3);
	cr_assert_float_eq(pp_p50_ms(dev, mid) / ((3 - w) * lm), 1, 2e-3, "w %g", w);

	/* the policies are told the same: the table's prediction at load 0.5 */
	struct device *d = NULL;
	struct timings *tim = NULL;
	struct model *m = NULL;
	struct variant_set *vs = NULL;
	struct errbuf eb = {0};
	cr_assert_eq(vtable_load_inputs(dev, PP_TIMINGS, "mobilenet_v1", mid, &d, &tim, &m, &vs,
					&eb),
		     0, "%s", eb.msg);
	struct devmodel dm;
	devmodel_init(&dm, d, tim);
	struct vtable vt;
	cr_assert_eq(vtable_build(&vt, vs, tim, m, &dm, &eb), 0, "%s", eb.msg);
	struct adascale_state st = {.size = sizeof st, .n_clusters = d->n_clusters};
	for (int i = 0; i < ADASCALE_MAX_CLUSTERS; i++)
		st.util_cluster[i] = -1;
	st.freq_mhz[dm.cluster] = dm.f_ref_mhz;
	st.online[dm.cluster] = d->clusters[dm.cluster].cores;
	st.util_other = 0.5;
	double ref_ms = vt.vr[0].ref_us[1] / 1000.0, wv = log(ref_ms / la) / log(lb / la);
	cr_assert_float_eq(vtable_predict_ms(&vt, 0, 1, &st), ref_ms * (3 - wv), 1e-9 * ref_ms);
	vtable_free(&vt);
	variant_set_destroy(vs);
	model_destroy(m);
	timings_destroy(tim);
	device_destroy(d);
}

/* ---- bad files ---- */

static const char good_head[] = "# note: x\nthreads,util_other,quantile,slowdown,passes\n";

/* calib_load of head + body fails with a message that has want in it. */
static void refused_with(const char *name, const char *head, const char *body, const char *want)
{
	char text[4096], path_want[600];
	snprintf(text, sizeof text, "%s%s", head, body);
	const char *path = tu_write(name, text);
	struct errbuf eb = {0};
	struct calib *c = NULL;
	cr_assert_lt(calib_load(path, &c, &eb), 0, "%s was accepted", name);
	cr_assert_null(c);
	snprintf(path_want, sizeof path_want, "%s:%s", path, want);
	cr_assert(tu_has(eb.msg, path_want), "%s: want '%s', got '%s'", name, path_want, eb.msg);
}

static void refused(const char *name, const char *body, const char *want)
{
	refused_with(name, good_head, body, want);
}

Test(calib, a_bad_line_is_refused_with_file_and_line)
{
	/* lines: 1 metadata, 2 header, 3.. rows */
	refused("dec.csv", "1,0,0,1,5\n1,0,0.5,1.2,5\n1,0,1,1.1,5\n",
		"5: slowdown 1.1 is below 1.2");
	refused("nan.csv", "1,0,0,1,5\n1,0,1,fast,5\n", "4:4: column 'slowdown'");
	refused("zero.csv", "1,0,0,0,5\n1,0,1,1,5\n", "3:4: column 'slowdown'");
	refused("q0.csv", "1,0,0.1,1,5\n1,0,1,2,5\n", "3: a cell's first row is quantile 0");
	refused("short.csv", "1,0,0,1,5\n1,0,0.5,1.1,5\n1,0.5,0,1,5\n1,0.5,1,2,5\n",
		"5: the cell threads=1 util_other=0 (from line 3) ends at quantile 0.5");
	refused("levels.csv", "1,0,0,1,5\n1,0,0.5,1.1,5\n1,0,1,1.2,5\n1,1,0,1,5\n1,1,0.4,2,5\n"
			      "1,1,1,3,5\n",
		"7: quantile 0.4: the first cell has another level here");
	refused("twice.csv", "1,0,0,1,5\n1,0,1,2,5\n1,0,0,1,5\n1,0,1,2,5\n",
		"5: threads=1 util_other=0 is given twice (also from line 3)");
	refused("grid.csv", "1,0,0,1,5\n1,0,1,2,5\n2,0,0,1,5\n2,0,1,2,5\n1,1,0,1,5\n1,1,1,2,5\n",
		"8: no cell for threads=2 util_other=1");
	refused("noidle.csv", "1,0.5,0,1,5\n1,0.5,1,2,5\n", "3: no util_other level 0");
	refused("load.csv", "1,1.5,0,1,5\n1,1.5,1,2,5\n", "3:2: column 'util_other'");
	refused("passes.csv", "1,0,0,1,5\n1,0,1,2,6\n", "4: passes 6 differs from 5");
	refused("empty.csv", "", "2: no calibration rows after the header");

	/* through the device file: its line, then the calibration's */
	refused("dev-cal.csv", "1,0,0,1,5\n1,0,1,0.5,5\n", "4: slowdown 0.5 is below 1");
	const char *ini = tu_write("dev-cal.ini",
				   "[device]\nname = c\nmemory_mb = 100\nstorage_read_mbps = 10\n"
				   "base_power_mw = 0\ncalibration = dev-cal.csv\n"
				   "[cluster.0]\ncores = 2\ncapacity = 1024\ndyn_power_coeff = 1\n"
				   "opp = 1000@900\n");
	struct errbuf eb = {0};
	struct device *d = NULL;
	cr_assert_lt(device_load(ini, &d, &eb), 0);
	char want[1200];
	snprintf(want, sizeof want, "%s:6: calibration: %s/dev-cal.csv:4: slowdown 0.5 is below 1",
		 ini, tu_dir());
	cr_assert(tu_has(eb.msg, want), "want '%s', got '%s'", want, eb.msg);
	/* and the command line exits 2 and stores nothing */
	const char *db = tu_scratch("bad-cal.db");
	remove(db);
	cr_assert_eq(tu_adascale(out, sizeof out,
				 "run --trace tests/data/slowdown.csv --device %s --timings "
				 "devices/xeon-kvm-2vcpu/timings.csv --model mobilenet_v1 --policy greedy "
				 "--db %s",
				 ini, db),
		     2, "%s", out);
	cr_assert(tu_has(out, "dev-cal.csv:4: slowdown 0.5 is below 1"), "%s", out);
	cr_assert_neq(access(db, F_OK), 0, "a database was written");
}

/*
 * The shape of the load a calibration was measured under is the file's `# load_shape:`;
 * a file without one is spread (every file written before the key), another word is refused
 * at its line.
 */
Test(calib, a_calibration_says_the_shape_of_its_load)
{
	static const char rows[] = "1,0,0,1,5\n1,0,1,2,5\n";
	char text[512];
	struct errbuf eb = {0};
	struct calib *c = NULL;
	snprintf(text, sizeof text, "%s%s", good_head, rows);
	cr_assert_eq(calib_load(tu_write("shape-none.csv", text), &c, &eb), 0, "%s", eb.msg);
	cr_assert_str_eq(c->load_shape, "spread");
	calib_destroy(c);
	snprintf(text, sizeof text, "# load_shape: packed\n%s%s", good_head, rows);
	cr_assert_eq(calib_load(tu_write("shape-packed.csv", text), &c, &eb), 0, "%s", eb.msg);
	cr_assert_str_eq(c->load_shape, "packed");
	calib_destroy(c);
	/* and the idle gap before each pass, 0 (back to back) when it does not say */
	cr_assert_eq(calib_load(tu_write("shape-none.csv", text), &c, &eb), 0, "%s", eb.msg);
	cr_assert_eq(c->gap_ms, 0);
	calib_destroy(c);
	snprintf(text, sizeof text, "# gap_ms: 50\n%s%s", good_head, rows);
	cr_assert_eq(calib_load(tu_write("gap-50.csv", text), &c, &eb), 0, "%s", eb.msg);
	cr_assert_eq(c->gap_ms, 50);
	calib_destroy(c);
	refused_with("gap-bad.csv", "# note: x\n# gap_ms: soon\n"
		     "threads,util_other,quantile,slowdown,passes\n", rows,
		     "2: gap_ms 'soon' is not a number of ms in 0..60000");
	refused_with("shape-bad.csv", "# note: x\n# load_shape: diagonal\n"
		     "threads,util_other,quantile,slowdown,passes\n", rows,
		     "2: load_shape 'diagonal' is neither spread nor packed");
}

Test(calib, a_bad_calibration_per_pass_is_refused_with_file_and_line)
{
	/* lines: 1 header, 2.. rows */
	refused_with("pp-len.csv", per_pass_head,
			 "1,0,1,0,0,1,5\n1,0,1,0,1,1,5\n1,0,1.5,0.5,0,2,5\n1,0,1.5,0.5,1,2,5\n",
			 "4: pass_ms 1.5 differs from 1 given for pass 0 at 1 threads on line 2");
	refused_with("pp-gap.csv", per_pass_head, "1,1,1,0,0,1,5\n1,1,1,0,1,1,5\n",
			 "2: no rows for pass 0");
	refused_with("pp-neg.csv", per_pass_head, "1,0,-1,0,0,1,5\n1,0,-1,0,1,1,5\n",
			 "2:3: column 'pass_ms'");
	/* pass 1's own cell, named by its line among every pass's */
	refused_with("pp-dec.csv", per_pass_head,
			 "1,0,1,0,0,1,5\n1,0,1,0,1,1,5\n1,1,4,0,0,1,5\n1,1,4,0,1,0.5,5\n",
			 "5: slowdown 0.5 is below 1");
	refused_with("pp-nolen.csv", "threads,pass,util_other,quantile,slowdown,passes\n",
			 "1,0,0,0,1,5\n1,0,0,1,1,5\n", "1: missing column 'pass_ms'");
}

/* ---- the agent ---- */

Test(calib, agent_calibrate_writes_what_the_device_loader_reads, .timeout = 120)
{
	/* two passes, the second with four times the first's channels */
	const char *spec = tu_two_passes("cal-tiny.csv");
	const char *cal = tu_scratch("cal-out.csv");
	remove(cal);
	char cmd[2048];
	/* a usage error writes nothing */
	snprintf(cmd, sizeof cmd, "%s/adascale-agent calibrate %s --loads 0.5,1 -o %s", tu_bin(),
		 spec, cal);
	cr_assert_eq(tu_run(cmd, out, sizeof out), 2, "%s", out);
	cr_assert(tu_has(out, "--loads"), "%s", out);
	cr_assert_neq(access(cal, F_OK), 0);
	snprintf(cmd, sizeof cmd,
		 "%s/adascale-agent calibrate %s --threads 1 --loads 0,1 --quantiles 11 "
		 "--min-runs 5 --max-runs 50 --max-seconds 0.2 --warmup-ms 1 --period-ms 2 "
		 "--gap-ms 2 --quiet -o %s",
		 tu_bin(), spec, cal);
	cr_assert_eq(tu_run(cmd, out, sizeof out), 0, "%s", out);
	char ini_text[1024];
	snprintf(ini_text, sizeof ini_text,
		 "[device]\nname = c\nmemory_mb = 100\nstorage_read_mbps = 10\n"
		 "base_power_mw = 0\ncalibration = %s\n"
		 "[cluster.0]\ncores = 2\ncapacity = 1024\ndyn_power_coeff = 1\nopp = 1000@900\n",
		 cal);
	struct errbuf eb = {0};
	struct device *d = NULL;
	cr_assert_eq(device_load(tu_write("cal-dev.ini", ini_text), &d, &eb), 0, "%s", eb.msg);
	const struct calib *c = d->calib;
	cr_assert_not_null(c);
	cr_assert_str_eq(c->load_shape, "spread"); /* calibrate's default, in its header */
	cr_assert_eq(c->gap_ms, 2);                /* --gap-ms, in its header */
	/* one calibration per pass, each against its own idle median */
	cr_assert_eq(c->n_pass, 2);
	for (int i = 0; i < 2; i++) {
		const struct calib *p = c->pass[i];
		cr_assert_eq(p->n_threads, 1);
		cr_assert_eq(p->threads[0], 1);
		cr_assert_eq(p->n_loads, 2);
		cr_assert_eq(p->loads[1], 1.0);
		cr_assert_eq(p->n_q, 11);
		cr_assert_geq(p->passes[0], 5);
		cr_assert_float_eq(calib_slowdown(p, 1, 0, 0.5), 1.0, 1e-6);
		cr_assert_float_eq(calib_slowdown_of(c, 1, c->pass_ms[i][0], 0, 0.5), 1.0, 1e-6);
	}
	device_destroy(d);
	FILE *f = fopen(cal, "r");
	cr_assert_not_null(f);
	size_t n = fread(out, 1, sizeof out - 1, f);
	out[n] = 0;
	fclose(f);
	cr_assert(tu_has(out, "# kernel: "), "%s", out);
	cr_assert(tu_has(out, "# command: adascale-agent calibrate "), "%s", out);
	cr_assert(tu_has(out, "# passes_per_cell: "), "%s", out);
	/* each pass's length is its idle median as the metadata gives it, in ms */
	double us[2];
	const char *at = strstr(out, "# idle_median_us.1: ");
	cr_assert_not_null(at, "%s", out);
	cr_assert_eq(sscanf(at, "# idle_median_us.1: %lf %lf", &us[0], &us[1]), 2, "%s", at);
	cr_assert_gt(us[1], us[0], "the big pass is not the longer: %g %g", us[0], us[1]);
	char row[64];
	for (int i = 0; i < 2; i++) {
		snprintf(row, sizeof row, "\n1,%d,%.6f,0,0,", i, us[i] / 1000);
		cr_assert(tu_has(out, row), "no row starting %s in\n%s", row + 1, out);
	}
}

/* ---- a sweep: the same results whatever --jobs ---- */

static sqlite3 *open_ro(const char *path)
{
	sqlite3 *db = NULL;
	cr_assert_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK, "%s",
		     path);
	return db;
}

/* Every deterministic column of every run, in (config_key, seed) order, as text. */
static char *dump(const char *path)
{
	sqlite3 *db = open_ro(path);
	sqlite3_stmt *st;
	size_t cap = 1 << 20, n = 0;
	char *buf = malloc(cap);
	cr_assert(buf);
	buf[0] = 0;
	cr_assert_eq(sqlite3_prepare_v2(db, "SELECT * FROM runs ORDER BY config_key, seed", -1,
					&st, NULL),
		     SQLITE_OK, "%s", sqlite3_errmsg(db));
	while (sqlite3_step(st) == SQLITE_ROW) {
		for (int i = 0; i < sqlite3_column_count(st); i++) {
			const char *name = sqlite3_column_name(st, i);
			if (!strcmp(name, "id") || !strcmp(name, "created_utc") ||
			    !strcmp(name, "wall_s") || !strncmp(name, "decide_", 7))
				continue;
			const char *v = (const char *)sqlite3_column_text(st, i);
			if (sqlite3_column_type(st, i) == SQLITE_FLOAT) {
				char num[64];
				snprintf(num, sizeof num, "%.17g", sqlite3_column_double(st, i));
				v = num;
				n += (size_t)snprintf(buf + n, cap - n, "%s=%s|", name, v);
			} else {
				n += (size_t)snprintf(buf + n, cap - n, "%s=%.300s|", name,
						      v ? v : "NULL");
			}
			cr_assert_lt(n, cap - 1);
		}
		n += (size_t)snprintf(buf + n, cap - n, "\n");
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return buf;
}

static double lat_mean(const char *path, const char *device_like, int seed)
{
	sqlite3 *db = open_ro(path);
	sqlite3_stmt *st;
	cr_assert_eq(sqlite3_prepare_v2(db,
					"SELECT lat_mean_ms FROM runs WHERE config LIKE ?1 AND "
					"seed = ?2 AND policy = 'greedy' AND config LIKE "
					"'%service=meas%'",
					-1, &st, NULL),
		     SQLITE_OK, "%s", sqlite3_errmsg(db));
	sqlite3_bind_text(st, 1, device_like, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, seed);
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s", device_like);
	double v = sqlite3_column_double(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

Test(calib, sweep_results_do_not_depend_on_jobs, .timeout = 300)
{
	const char *cfg = tu_write("cal-sweep.ini",
				   "[sweep]\nname = cal\n"
				   "traces = tests/data/slowdown.csv\n"
				   "devices = tests/data/calib2.ini tests/data/dvfs2.ini\n"
				   "models = mobilenet_v1\n"
				   "policies = greedy static:variant=best\n"
				   "workloads = periodic:fps=30 periodic:fps=30,service=det\n"
				   "deadlines_ms = 50\nseeds = 1 2\n");
	const char *one = tu_scratch("cal1.db"), *two = tu_scratch("cal2.db");
	remove(one);
	remove(two);
	cr_assert_eq(tu_adascale(out, sizeof out, "sweep %s --db %s --jobs 1", cfg, one), 0, "%s",
		     out);
	cr_assert(tu_has(out, "16 ran now (16 ok, 0 failed)"), "%s", out);
	cr_assert_eq(tu_adascale(out, sizeof out, "sweep %s --db %s --jobs 2", cfg, two), 0, "%s",
		     out);
	char *a = dump(one), *b = dump(two);
	size_t i = 0;
	while (a[i] && a[i] == b[i])
		i++;
	cr_assert(a[i] == b[i], "--jobs 1 and --jobs 2 differ at byte %zu:\n%.300s\n---\n%.300s",
		  i, a + (i > 100 ? i - 100 : 0), b + (i > 100 ? i - 100 : 0));
	/* the runs say which contention model and which work they used */
	cr_assert(tu_has(a, "contention: calibrated "), "%.2000s", a);
	cr_assert(tu_has(a, "calib2.csv sha256 "), "%.2000s", a);
	cr_assert(tu_has(a, "contention: formula (assumed)"), "%.2000s", a);
	cr_assert(tu_has(a, "(fit assumed; service=meas)"), "%.2000s", a);
	cr_assert(tu_has(a, "work: the profiled median (service=det)"), "%.2000s", a);
	free(a);
	free(b);
	/* the calibration is in effect: its heavy tail gives other latencies than the formula */
	for (int seed = 1; seed <= 2; seed++) {
		double cal = lat_mean(one, "%device=%/tests/data/calib2.ini%", seed);
		double formula = lat_mean(one, "%device=%/tests/data/dvfs2.ini%", seed);
		cr_assert_neq(cal, formula, "seed %d: %g ms both", seed, cal);
	}
}

/* ---- drawn work ---- */

Test(calib, drawn_work_has_the_profiled_quantiles)
{
	/*
	 * p10 8, median 10, p90 15 us: the fraction of draws at or below each is 0.1, 0.5 and
	 * 0.9 (binomial: within 4 standard deviations, sqrt(q (1 - q) / n), of it).
	 */
	const int n = 200000;
	struct rng r;
	rng_init(&r, 3, "work");
	int below[3] = {0};
	const double edge[3] = {8, 10, 15}, q[3] = {0.1, 0.5, 0.9};
	double lo = INFINITY, hi = 0;
	for (int i = 0; i < n; i++) {
		double u1 = 1 - rng_uniform(&r), u2 = rng_uniform(&r);
		double z = sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2);
		double w = timings_work_us(8, 10, 15, z);
		for (int k = 0; k < 3; k++)
			below[k] += w <= edge[k];
		lo = w < lo ? w : lo;
		hi = w > hi ? w : hi;
	}
	for (int k = 0; k < 3; k++) {
		double f = (double)below[k] / n, sd = sqrt(q[k] * (1 - q[k]) / n);
		cr_assert(fabs(f - q[k]) < 4 * sd, "%g us: %g of draws below, want %g", edge[k], f,
			  q[k]);
	}
	/* a lognormal on both sides: positive, with a tail above p90 */
	cr_assert_gt(lo, 0);
	cr_assert_gt(hi, 15);
	/* no spread where the timings give none */
	cr_assert_eq(timings_work_us(10, 10, 10, 2.5), 10);
	cr_assert_eq(timings_work_us(0, 10, 12, -1), 10);
}

/* ---- whole runs: the draws hooked into the engine ---- */

#define TIMINGS "devices/xeon-kvm-2vcpu/timings.csv"
#define VARIANT "width=0.25 res=128 quant=fp32"

/* The test variant's median, p10 and p90 sums at one thread (us), from the timings file. */
static void variant_us(double *med, double *p10, double *p90)
{
	struct tu_variant v;
	tu_variant_open(&v, TIMINGS, VARIANT);
	*med = *p10 = *p90 = 0;
	for (int i = 0; i < v.spec->n_layers; i++) {
		const struct timing *g = timings_find(v.t, &v.spec->layers[i].k, 1);
		cr_assert_not_null(g);
		*med += g->median_us;
		*p10 += g->p10_us;
		*p90 += g->p90_us;
	}
	tu_variant_close(&v);
}

/*
 * One variant at one thread, 5 frames a second for 400 s (2,000 requests, each done long
 * before the next arrives: latency is service time) on a constant trace at load u.
 */
static struct run_output *lone_run(const char *device, double u, const char *service)
{
	return tu_lone_run(&(struct tu_lone){.device = device, .timings = TIMINGS, .ops = VARIANT,
					     .service = service, .util = u, .fps = 5,
					     .duration_s = 400, .seed = 5});
}

/* The standard normal CDF. */
static double phi(double x) { return 0.5 * erfc(-x / sqrt(2)); }

Test(calib, a_run_with_drawn_work_has_the_profiled_spread, .timeout = 60)
{
	double med, p10, p90;
	variant_us(&med, &p10, &p90);
	cr_assert_lt(p10, med);
	cr_assert_gt(p90, med);
	struct run_output *o = lone_run("tests/data/dvfs2.ini", 0, "meas");
	cr_assert(tu_has(o->notes, "work: drawn per inference"), "%s", o->notes);
	cr_assert(tu_has(o->notes, "contention: formula (assumed)"), "%s", o->notes);
	/*
	 * Where the run's p50 and p95 sit under the two-piece lognormal through p10, median and
	 * p90 (sigma above the median ln(p90 / median) / 1.2816, below ln(median / p10) /
	 * 1.2816): their levels are 0.5 and 0.95 to within 4 binomial standard deviations of
	 * 2,000 samples (0.045 and 0.02), and the histogram's 0.1% buckets.
	 */
	double s_lo = log(med / p10) / 1.2815515655446004, s_hi = log(p90 / med) / 1.2815515655446004;
	double x50 = log(o->m.lat_p50_ms * 1000 / med), x95 = log(o->m.lat_p95_ms * 1000 / med);
	double l50 = phi(x50 / (x50 < 0 ? s_lo : s_hi)), l95 = phi(x95 / s_hi);
	cr_assert(fabs(l50 - 0.5) < 0.046, "p50 %g ms is at level %g (median %g us)",
		  o->m.lat_p50_ms, l50, med);
	cr_assert(fabs(l95 - 0.95) < 0.021, "p95 %g ms is at level %g (p90 %g us)",
		  o->m.lat_p95_ms, l95, p90);
	run_output_destroy(o);
	/* service=det: every inference takes the median */
	o = lone_run("tests/data/dvfs2.ini", 0, "det");
	cr_assert(tu_has(o->notes, "work: the profiled median (service=det)"), "%s", o->notes);
	cr_assert_float_eq(o->m.lat_p50_ms, o->m.lat_p95_ms, 1e-9);
	run_output_destroy(o);
}

Test(calib, a_run_on_a_calibrated_device_has_the_calibrated_slowdowns, .timeout = 60)
{
	double med, p10, p90;
	variant_us(&med, &p10, &p90);
	/*
	 * calib2.csv at 1 thread and load 0.5 over its idle cell, level by level (the work is
	 * the median, service=det): R(p) = S(1, 0.5, p) / S(1, 0, p), increasing in p. From the
	 * file: R(0.45) = 1.525 / 1.0, R(0.55) = 1.575 / 1.0025; R(0.93) = 2.66 / 1.058,
	 * R(0.97) = 3.14 / 1.082 (the p50 and p95 levels, +- 4 binomial standard deviations).
	 */
	struct run_output *o = lone_run("tests/data/calib2.ini", 0.5, "det");
	cr_assert(tu_has(o->notes, "contention: calibrated tests/data/calib2.csv sha256 "), "%s",
		  o->notes);
	double r50 = o->m.lat_p50_ms * 1000 / med, r95 = o->m.lat_p95_ms * 1000 / med;
	cr_assert(r50 >= 1.525 * 0.999 && r50 <= 1.575 / 1.0025 * 1.001, "p50 slowdown %g", r50);
	cr_assert(r95 >= 2.66 / 1.058 * 0.999 && r95 <= 3.14 / 1.082 * 1.001, "p95 slowdown %g",
		  r95);
	run_output_destroy(o);
	/* the formula on the same device without the calibration: 2 cores, u 0.5, 1 thread: 1 */
	o = lone_run("tests/data/dvfs2.ini", 0.5, "det");
	cr_assert_float_eq(o->m.lat_p95_ms * 1000 / med, 1.0, 1e-3);
	run_output_destroy(o);
}

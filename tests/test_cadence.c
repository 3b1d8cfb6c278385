/*
 * test_cadence.c: the idle gap before a pass. A device's cadence file (adascale-agent
 * cadence) makes a pass after an idle gap slower by the slowdown measured at that gap over
 * the back-to-back one at the same level: runs on a test device with cadence files of known
 * distributions give the latencies worked out from them by hand (clamped above the largest
 * gap, linear between gaps, a fixed point where the gap depends on the pass before, the
 * loaded and idle cadences mixed at a load between them); a bad
 * cadence file is refused with file:line through the device file; the device's hash covers
 * it; `adascale-agent cadence` writes what the device loader reads.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calib.h"
#include "device.h"
#include "err.h"
#include "model.h"
#include "run.h"
#include "sha256.h"
#include "sweep.h"
#include "testutil.h"
#include "timings.h"

static char out[1 << 16];

#define TIMINGS "devices/xeon-kvm-2vcpu/timings.csv"
#define VARIANT "width=0.25 res=128 quant=fp32"

/* tests/data/dvfs2.ini's text with `cadence = FILE` (written beside it) under [device]. */
static const char *device_with(const char *name, const char *cadence_text)
{
	char file[64], key[96];
	snprintf(file, sizeof file, "%s.csv", name);
	tu_write(file, cadence_text);
	snprintf(key, sizeof key, "cadence = %s\n", file);
	snprintf(file, sizeof file, "%s.ini", name);
	return tu_dvfs2_with(file, key);
}

/* The variant alone at one thread, fps frames a second for 400 s, at a constant load. */
static struct run_output *loaded_run(const char *device, double fps, const char *service,
				     double util)
{
	return tu_lone_run(&(struct tu_lone){.device = device, .timings = TIMINGS, .ops = VARIANT,
					     .service = service, .util = util, .fps = fps,
					     .duration_s = 400, .seed = 3});
}

/* The same on an idle trace. */
static struct run_output *lone_run(const char *device, double fps, const char *service)
{
	return loaded_run(device, fps, service, 0);
}

static const char head[] = "threads,gap_ms,quantile,slowdown,passes\n";

/* A slowdown s within [lo, hi], widened by the latency histogram's 0.1% bins. */
static void assert_slowdown(double s, double lo, double hi, const char *what)
{
	cr_assert(s > lo * 0.999 && s < hi * 1.001, "%s slowdown %g", what, s);
}

Test(cadence, a_pass_after_a_gap_beyond_the_largest_pays_that_gaps_slowdown, .timeout = 60)
{
	double med = tu_variant_ms(TIMINGS, VARIANT, 1);
	/* back to back 1 at every level; after 50 ms uniform between 2 and 4 */
	char text[512];
	snprintf(text, sizeof text, "%s1,0,0,1,9\n1,0,1,1,9\n1,50,0,2,9\n1,50,1,4,9\n", head);
	const char *dev = device_with("cad-wide", text);
	/*
	 * 5 frames a second: every gap is about 200 ms, above the largest measured (50 ms), so
	 * each pass takes med x S, S uniform on [2, 4]. Over 2,000 passes the p50 and p95 levels
	 * are within 4 binomial standard deviations (0.045 and 0.02) of 0.5 and 0.95: S(p50) in
	 * 2 + 2 [0.455, 0.545], S(p95) in 2 + 2 [0.93, 0.97], and the latency histogram's 0.1%.
	 */
	struct run_output *o = lone_run(dev, 5, "det");
	cr_assert(tu_has(o->notes, "idle gaps: measured cadence "), "%s", o->notes);
	double s50 = o->m.lat_p50_ms / med, s95 = o->m.lat_p95_ms / med;
	assert_slowdown(s50, 2.91, 3.09, "p50");
	assert_slowdown(s95, 3.86, 3.94, "p95");
	run_output_destroy(o);
	/* without the cadence the same run takes the median every time */
	o = lone_run("tests/data/dvfs2.ini", 5, "det");
	cr_assert(tu_has(o->notes, "idle gaps: none modelled"), "%s", o->notes);
	cr_assert_float_eq(o->m.lat_p95_ms / med, 1.0, 1e-3);
	run_output_destroy(o);
}

/*
 * A cadence per pass: each inference takes the gap's slowdown of the passes nearest its
 * length, mixed in the log of the length (calib_slowdown_of's rule). Two passes, half and
 * twice the variant's median m, slowing 2 and 4 times after 50 ms at every level: the
 * variant lies halfway in the log between them, ln(m / (m/2)) / ln(2m / (m/2)) = 1/2, and
 * takes 2 + (4 - 2) / 2 = 3 after every gap beyond 50 ms; given the long pass's own length
 * it takes that pass's 4.
 */
Test(cadence, a_cadence_per_pass_gives_each_inference_the_pass_of_its_length, .timeout = 60)
{
	double med = tu_variant_ms(TIMINGS, VARIANT, 1);
	static const char per_pass[] =
		"threads,pass,pass_ms,gap_ms,quantile,slowdown,passes\n"
		"1,0,%.9g,0,0,1,9\n1,0,%.9g,0,1,1,9\n1,0,%.9g,50,0,2,9\n1,0,%.9g,50,1,2,9\n"
		"1,1,%.9g,0,0,1,9\n1,1,%.9g,0,1,1,9\n1,1,%.9g,50,0,4,9\n1,1,%.9g,50,1,4,9\n";
	const double want[2] = {3, 4}, long_ms[2] = {2 * med, med};
	for (int i = 0; i < 2; i++) {
		double a = med / 2, b = long_ms[i];
		char text[1024], name[32];
		snprintf(text, sizeof text, per_pass, a, a, a, a, b, b, b, b);
		snprintf(name, sizeof name, "cad-pass%d", i);
		struct run_output *o = lone_run(device_with(name, text), 5, "det");
		cr_assert_float_eq(o->m.lat_p50_ms / med, want[i], 2e-3 * want[i], "p50 slowdown %g, want %g",
				   o->m.lat_p50_ms / med, want[i]);
		cr_assert_float_eq(o->m.lat_p95_ms / med, want[i], 2e-3 * want[i], "p95 slowdown %g, want %g",
				   o->m.lat_p95_ms / med, want[i]);
		run_output_destroy(o);
	}
}

/*
 * A calibration measured at a server's cadence (`# gap_ms:`, calibrate --gap-ms) has the
 * load's part of an idle gap in it, so the cadence adds the gap's idle cost alone. The
 * calibration slows a pass 2 times beside a load of 1; the cadence, after 50 ms or more,
 * 1.5 times idle and 3 times under that load. At 5 frames a second every gap is above
 * 50 ms, so a pass beside the load takes 2 x 3 = 6 times its median with a calibration
 * back to back, and 2 x 1.5 = 3 times with one at a cadence.
 */
Test(cadence, a_calibration_at_a_cadence_takes_the_gap_at_load_0, .timeout = 60)
{
	double med = tu_variant_ms(TIMINGS, VARIANT, 1);
	tu_write("cad-gap-cadence.csv", "threads,util_other,gap_ms,quantile,slowdown,passes\n"
					"1,0,0,0,1,9\n1,0,0,1,1,9\n1,0,50,0,1.5,9\n1,0,50,1,1.5,9\n"
					"1,1,0,0,1,9\n1,1,0,1,1,9\n1,1,50,0,3,9\n1,1,50,1,3,9\n");
	static const char calib[] = "%sthreads,util_other,quantile,slowdown,passes\n"
				    "1,0,0,1,9\n1,0,1,1,9\n1,1,0,2,9\n1,1,1,2,9\n";
	const double want[2] = {6, 3};
	for (int at_gap = 0; at_gap < 2; at_gap++) {
		char text[512], name[64], keys[256];
		snprintf(text, sizeof text, calib, at_gap ? "# gap_ms: 50\n" : "");
		snprintf(name, sizeof name, "cad-gap-calib%d.csv", at_gap);
		tu_write(name, text);
		snprintf(keys, sizeof keys, "calibration = %s\ncadence = cad-gap-cadence.csv\n",
			 name);
		snprintf(name, sizeof name, "cad-gap%d.ini", at_gap);
		struct run_output *o = loaded_run(tu_dvfs2_with(name, keys), 5, "det", 1);
		cr_assert_float_eq(o->m.lat_p50_ms / med, want[at_gap], 2e-3 * want[at_gap],
				   "p50 slowdown %g, want %g", o->m.lat_p50_ms / med, want[at_gap]);
		cr_assert(!at_gap || tu_has(o->notes, "each pass after 50 ms idle"), "%s", o->notes);
		run_output_destroy(o);
	}
}

Test(cadence, between_gaps_the_slowdown_is_linear_in_the_gap, .timeout = 60)
{
	double med = tu_variant_ms(TIMINGS, VARIANT, 1);
	/* 1 back to back, 3 after 1000 ms, every level: S(g) = 1 + g / 500 up to 1000 ms */
	char text[512];
	snprintf(text, sizeof text, "%s1,0,0,1,9\n1,0,1,1,9\n1,1000,0,3,9\n1,1000,1,3,9\n", head);
	const char *dev = device_with("cad-line", text);
	/*
	 * 5 frames a second: a pass of S m ms leaves a gap of 200 - S m before the next, so the
	 * next takes S' = 1 + (200 - S m) / 500; from the first (S = 3, the largest gap) it
	 * settles at the fixed point S* = 1.4 / (1 + m / 500) within a few passes, and every
	 * later pass takes S* m (m is the variant's median, ms).
	 */
	double s_star = 1.4 / (1 + med / 500);
	struct run_output *o = lone_run(dev, 5, "det");
	cr_assert_float_eq(o->m.lat_p50_ms / med, s_star, 2e-3, "p50 slowdown %g, want %g",
			   o->m.lat_p50_ms / med, s_star);
	cr_assert_float_eq(o->m.lat_p95_ms / med, s_star, 2e-3, "p95 slowdown %g, want %g",
			   o->m.lat_p95_ms / med, s_star);
	run_output_destroy(o);
	/* the device's hash covers the cadence, as it covers a calibration */
	struct errbuf eb = {0};
	struct device *d = NULL;
	cr_assert_eq(device_load(dev, &d, &eb), 0, "%s", eb.msg);
	char ini[65], cad[65], both[140], want[65];
	cr_assert_eq(sha256_file(dev, ini), 0);
	cr_assert_eq(sha256_file(d->cadence, cad), 0);
	snprintf(both, sizeof both, "%s\n%s\n", ini, cad);
	struct sha256 h;
	sha256_init(&h);
	sha256_update(&h, both, strlen(both));
	sha256_final_hex(&h, want);
	cr_assert_str_eq(d->sha256, want);
	device_destroy(d);
}

Test(cadence, under_load_a_gap_costs_what_the_cadence_at_that_load_says, .timeout = 60)
{
	double med = tu_variant_ms(TIMINGS, VARIANT, 1);
	/*
	 * Idle: back to back 1, after 50 ms uniform on [2, 4]; under full load (util_other 1)
	 * 1 after any gap, the cores kept awake by the load.
	 */
	char text[1024];
	snprintf(text, sizeof text,
		 "threads,util_other,gap_ms,quantile,slowdown,passes\n"
		 "1,0,0,0,1,9\n1,0,0,1,1,9\n1,0,50,0,2,9\n1,0,50,1,4,9\n"
		 "1,1,0,0,1,9\n1,1,0,1,1,9\n1,1,50,0,1,9\n1,1,50,1,1,9\n");
	const char *dev = device_with("cad-loaded", text);
	/*
	 * At load 0.5 the two levels' quantile functions mix half and half: after a gap
	 * (0.5 S + 0.5 x 1) / (0.5 x 1 + 0.5 x 1), S uniform on [2, 4], so uniform on [1.5, 2.5].
	 * The contention formula leaves one thread on two cores at half load its whole core
	 * (docs/simulation.md: min(1, max(2 x 0.5, 1/2) / 1) = 1), so the latency is med times
	 * that; p50 and p95 within 4 binomial standard deviations over 2,000 passes, as above.
	 */
	struct run_output *o = loaded_run(dev, 5, "det", 0.5);
	double s50 = o->m.lat_p50_ms / med, s95 = o->m.lat_p95_ms / med;
	assert_slowdown(s50, 1.955, 2.045, "p50");
	assert_slowdown(s95, 2.43, 2.47, "p95");
	run_output_destroy(o);
	/* idle, the same file gives the idle cadence alone: uniform on [2, 4] */
	o = loaded_run(dev, 5, "det", 0);
	s50 = o->m.lat_p50_ms / med;
	assert_slowdown(s50, 2.91, 3.09, "idle p50");
	run_output_destroy(o);
	/* a cadence under load without its idle rows is refused */
	snprintf(text, sizeof text,
		 "threads,util_other,gap_ms,quantile,slowdown,passes\n"
		 "1,1,0,0,1,9\n1,1,0,1,1,9\n");
	dev = device_with("cad-noidle", text);
	struct errbuf eb = {0};
	struct device *d = NULL;
	cr_assert_lt(device_load(dev, &d, &eb), 0);
	cr_assert(tu_has(eb.msg, "cad-noidle.csv:2: no rows at util_other 0"), "%s", eb.msg);
}

Test(cadence, drawn_work_takes_the_cadences_spread_and_its_gap_at_the_same_level,
     .timeout = 60)
{
	double med = tu_variant_ms(TIMINGS, VARIANT, 1);
	/*
	 * Back to back uniform on [0.8, 1.2] (median 1), after 50 ms uniform on [1.6, 2.4]. With
	 * drawn work (service=meas) one level p sets both: a pass after a gap of 50 ms or more
	 * takes med x (1.6 + 0.8 p), uniform on [1.6, 2.4]. Drawn separately (the profile's
	 * spread, then the gap at another level) the spread would be the timings' and the gap's
	 * factor 2 at every level: p05 and p95 both near 2 med. Over 2,000 passes at 5 frames a
	 * second (gaps of about 200 ms) the p50 and p95 levels are within 4 binomial standard
	 * deviations (0.045 and 0.02) of 0.5 and 0.95, and the histogram's bins are 0.1%.
	 */
	char text[512];
	snprintf(text, sizeof text, "%s1,0,0,0.8,9\n1,0,1,1.2,9\n1,50,0,1.6,9\n1,50,1,2.4,9\n",
		 head);
	const char *dev = device_with("cad-spread", text);
	struct run_output *o = lone_run(dev, 5, "meas");
	cr_assert(tu_has(o->notes, "from the cadence's idle back-to-back spread"), "%s", o->notes);
	double s50 = o->m.lat_p50_ms / med, s95 = o->m.lat_p95_ms / med;
	assert_slowdown(s50, 1.964, 2.036, "p50");
	assert_slowdown(s95, 2.344, 2.376, "p95");
	/* the rule is in the run's identity: a resumed sweep does not take older runs for it */
	char key_meas[65];
	memcpy(key_meas, o->config_key, sizeof key_meas);
	cr_assert(tu_has(o->config, "work=cadence spread"), "%s", o->config);
	run_output_destroy(o);
	/* with the work at its median the same device takes the gap alone: 2 x the median at p50 */
	o = lone_run(dev, 5, "det");
	s50 = o->m.lat_p50_ms / med;
	assert_slowdown(s50, 1.982, 2.018, "det p50");
	cr_assert(!tu_has(o->config, "work=cadence spread"), "%s", o->config);
	cr_assert_str_neq(o->config_key, key_meas);
	run_output_destroy(o);
}

/* A sweep plans the key a run computes: with the cadence's line for drawn work, not for det. */
Test(cadence, a_sweep_plans_the_cadence_rule_into_the_key_as_a_run_does, .timeout = 60)
{
	char text[512], ini[1024];
	snprintf(text, sizeof text, "%s1,0,0,0.8,9\n1,0,1,1.2,9\n1,50,0,1.6,9\n1,50,1,2.4,9\n",
		 head);
	const char *dev = device_with("cad-sweep", text);
	snprintf(ini, sizeof ini,
		 "[sweep]\nname = cad\ntraces = tests/data/slowdown.csv\ndevices = %s "
		 "tests/data/dvfs2.ini\nmodels = mobilenet_v1\ntimings = %s\n"
		 "policies = greedy\nworkloads = periodic:fps=5 periodic:fps=5,service=det\n"
		 "deadlines_ms = 100\nseeds = 1\nduration_s = 1\n",
		 dev, TIMINGS);
	const char *cfg = tu_write("cad-sweep-spec.ini", ini);
	struct errbuf eb = {0};
	struct sweep_spec *sp = NULL;
	struct sweep_plan *p = NULL;
	cr_assert_eq(sweep_spec_load(cfg, &sp, &eb), 0, "%s", eb.msg);
	cr_assert_eq(sweep_plan_build(sp, "", 1, 1, &p, &eb), 0, "%s", eb.msg);
	cr_assert_eq(p->n, 4);
	int with_line = 0;
	for (int i = 0; i < p->n; i++) {
		struct run_config c;
		sweep_plan_config(p, &p->runs[i], &c);
		struct run_output *o = NULL;
		cr_assert_eq(run_execute(&c, &o, &eb), 0, "%s", eb.msg);
		cr_assert_str_eq(p->runs[i].config_key, o->config_key, "%s %s", c.device, c.workload);
		with_line += tu_has(o->config, "work=cadence spread");
		run_output_destroy(o);
	}
	cr_assert_eq(with_line, 1, "only drawn work on the device with a cadence");
	sweep_plan_destroy(p);
	sweep_spec_destroy(sp);
}

Test(cadence, a_bad_cadence_is_refused_with_file_and_line)
{
	char text[512];
	snprintf(text, sizeof text, "%s1,5,0,1,9\n1,5,1,2,9\n", head);
	const char *dev = device_with("cad-bad", text);
	struct errbuf eb = {0};
	struct device *d = NULL;
	cr_assert_lt(device_load(dev, &d, &eb), 0);
	char want[1200];
	snprintf(want, sizeof want, "%s:8: cadence: %s/cad-bad.csv:2: no gap_ms level 0", dev,
		 tu_dir());
	cr_assert(tu_has(eb.msg, want), "want '%s', got '%s'", want, eb.msg);
	snprintf(text, sizeof text, "%s1,0,0,1,9\n1,0,1,1,9\n1,-5,0,1,9\n1,-5,1,1,9\n", head);
	dev = device_with("cad-bad", text);
	cr_assert_lt(device_load(dev, &d, &eb), 0);
	cr_assert(tu_has(eb.msg, "cad-bad.csv:4:2: column 'gap_ms'"), "%s", eb.msg);
	/* the command line exits 2 and stores nothing */
	const char *db = tu_scratch("bad-cad.db");
	remove(db);
	cr_assert_eq(tu_adascale(out, sizeof out,
				 "run --trace tests/data/slowdown.csv --device %s --timings %s "
				 "--model mobilenet_v1 --policy greedy --db %s",
				 dev, TIMINGS, db),
		     2, "%s", out);
	cr_assert(tu_has(out, "column 'gap_ms'"), "%s", out);
	cr_assert_neq(access(db, F_OK), 0, "a database was written");
}

Test(cadence, agent_cadence_writes_what_the_device_loader_reads, .timeout = 120)
{
	/* two passes, the second with four times the first's channels */
	const char *spec = tu_two_passes("cad-tiny.csv");
	const char *cad = tu_scratch("cad-out.csv");
	remove(cad);
	char cmd[2048];
	/* a usage error writes nothing */
	snprintf(cmd, sizeof cmd, "%s/adascale-agent cadence %s --gaps 5,10 -o %s", tu_bin(),
		 spec, cad);
	cr_assert_eq(tu_run(cmd, out, sizeof out), 2, "%s", out);
	cr_assert(tu_has(out, "--gaps"), "%s", out);
	cr_assert_neq(access(cad, F_OK), 0);
	snprintf(cmd, sizeof cmd,
		 "%s/adascale-agent cadence %s --threads 1 --gaps 0,5 --loads 0,0.5 --rounds 3 "
		 "--quantiles 5 --load-shape packed --quiet -o %s",
		 tu_bin(), spec, cad);
	cr_assert_eq(tu_run(cmd, out, sizeof out), 0, "%s", out);
	char ini_text[1024];
	snprintf(ini_text, sizeof ini_text,
		 "[device]\nname = c\nmemory_mb = 100\nstorage_read_mbps = 10\n"
		 "base_power_mw = 0\ncadence = %s\n"
		 "[cluster.0]\ncores = 2\ncapacity = 1024\ndyn_power_coeff = 1\nopp = 1000@900\n",
		 cad);
	struct errbuf eb = {0};
	struct device *d = NULL;
	cr_assert_eq(device_load(tu_write("cad-dev.ini", ini_text), &d, &eb), 0, "%s", eb.msg);
	cr_assert_not_null(d->cad);
	/* the shape its load was given, as the file's header says and the loader reads it */
	cr_assert_str_eq(d->cad->load_shape, "packed");
	cr_assert_eq(d->cad->n_loads, 2);
	cr_assert_eq(d->cad->loads[1], 0.5);
	FILE *f = fopen(cad, "r");
	cr_assert_not_null(f);
	size_t n = fread(out, 1, sizeof out - 1, f);
	out[n] = 0;
	fclose(f);
	/* each pass in cells of its own, its length the header's idle back-to-back median */
	double b2b[2];
	const char *h = strstr(out, "# back_to_back_median_ms.1: ");
	cr_assert_not_null(h, "%s", out);
	cr_assert_eq(sscanf(h + strlen("# back_to_back_median_ms.1: "), "%lf %lf", &b2b[0],
			    &b2b[1]), 2, "%s", h);
	cr_assert(b2b[0] > 0 && b2b[1] > 0, "%s", h);
	for (int li = 0; li < 2; li++) {
		const struct calib *k = d->cad->at[li];
		cr_assert_eq(k->n_pass, 2);
		for (int pi = 0; pi < 2; pi++) {
			const struct calib *c = k->pass[pi];
			cr_assert_eq(c->n_threads, 1);
			cr_assert_eq(c->n_loads, 2);
			cr_assert_eq(c->loads[1], 5.0);
			cr_assert_eq(c->n_q, 5);
			cr_assert_eq(c->passes[0], 3);
			cr_assert_float_eq(k->pass_ms[pi][0], b2b[pi], 1e-4);
			/* back to back at each load is its reference: a median of three over
			   itself */
			cr_assert_float_eq(calib_slowdown(c, 1, 0, 0.5), 1.0, 1e-6);
		}
	}
	device_destroy(d);
	cr_assert(tu_has(out, "# command: adascale-agent cadence "), "%s", out);
	cr_assert(tu_has(out, "# back_to_back_median_ms.1: "), "%s", out);
	cr_assert(tu_has(out, "# back_to_back_median_ms.1.util_0.5: "), "%s", out);
}

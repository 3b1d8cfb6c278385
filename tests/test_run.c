/*
 * test_run.c: whole runs on the bundled model and this machine's measured timings:
 * determinism, the service-time arithmetic, memory failures, policies that adapt, and
 * bad configurations refused before anything runs.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "run.h"
#include "sha256.h"
#include "testutil.h"

#define TIMINGS "devices/xeon-kvm-2vcpu/timings.csv"

static struct run_config base(const char *trace, const char *policy)
{
	struct run_config c;
	run_config_defaults(&c);
	c.trace = trace;
	c.device = "devices/xeon-kvm-2vcpu.ini";
	c.timings = TIMINGS;
	c.model = "mobilenet_v1";
	c.policy = policy;
	c.workload = "periodic:fps=30,service=det"; /* the profiled median, so p50 = p99 */
	c.deadline_ms = 33;
	return c;
}

static struct run_output *run_ok(const struct run_config *c)
{
	struct errbuf eb = {0};
	struct run_output *o = NULL;
	int rc = run_execute(c, &o, &eb);
	cr_assert_eq(rc, 0, "run failed: %s", eb.msg);
	return o;
}

static const char *const_trace(const char *name, double util, double mem_mb, double secs)
{
	char text[256];
	snprintf(text, sizeof text, "time_s,util_other,mem_avail_mb\n0,%g,%g\n%g,%g,%g\n", util,
		 mem_mb, secs, util, mem_mb);
	return tu_write(name, text);
}

Test(run, same_inputs_and_seed_give_identical_results)
{
	const char *tr = tu_write("steps.csv", "time_s,util_other,mem_avail_mb\n0,0,8000\n"
					       "3,0.9,8000\n6,0.2,60\n9,0.5,8000\n12,0,8000\n");
	struct run_config c = base(tr, "greedy");
	c.workload = "poisson:rate=40";
	c.seed = 7;
	struct run_output *a = run_ok(&c), *b = run_ok(&c);
	cr_assert_eq(memcmp(&a->m, &b->m, sizeof a->m), 0, "metrics differ between identical runs");
	cr_assert_eq(memcmp(a->lat_q_ms, b->lat_q_ms, sizeof a->lat_q_ms), 0);
	cr_assert_str_eq(a->config_key, b->config_key);
	c.seed = 8;
	struct run_output *d = run_ok(&c);
	cr_assert_neq(d->m.requests * 1000 + d->m.served, a->m.requests * 1000 + a->m.served,
		      "another seed should draw other Poisson arrivals");
	cr_assert_str_eq(d->config_key, a->config_key, "the seed is not part of the config key");
	run_output_destroy(a);
	run_output_destroy(b);
	run_output_destroy(d);
}

/* With no service= the work of each inference is drawn from its measured spread: the run is
 * the one service=meas gives (same seed, same draws), not the median's, whose p50 = p99. */
Test(run, work_is_drawn_from_its_measured_spread_by_default)
{
	struct run_config c = base(const_trace("idle-d.csv", 0, 8000, 10), "static:variant=best");
	c.deadline_ms = 1000;
	c.workload = "periodic:fps=30";
	struct run_output *def = run_ok(&c);
	c.workload = "periodic:fps=30,service=meas";
	struct run_output *meas = run_ok(&c);
	c.workload = "periodic:fps=30,service=det";
	struct run_output *det = run_ok(&c);
	cr_assert_float_eq(def->m.lat_p50_ms, meas->m.lat_p50_ms, 0);
	cr_assert_float_eq(def->m.lat_p99_ms, meas->m.lat_p99_ms, 0);
	cr_assert_float_eq(det->m.lat_p50_ms, det->m.lat_p99_ms, 1e-6);
	cr_assert_gt(def->m.lat_p99_ms, 1.01 * def->m.lat_p50_ms, "p50 %g p99 %g",
		     def->m.lat_p50_ms, def->m.lat_p99_ms);
	cr_assert_str_neq(def->config_key, det->config_key);
	cr_assert(strstr(def->notes, "service=meas"), "%s", def->notes);
	run_output_destroy(def);
	run_output_destroy(meas);
	run_output_destroy(det);
}

Test(run, idle_device_serves_every_frame_at_profiled_speed)
{
	struct run_config c = base(const_trace("idle.csv", 0, 8000, 10), "static:variant=fastest");
	c.deadline_ms = 1000;
	struct run_output *o = run_ok(&c);
	/* 30 fps for 10 s: frames at k/30 s for k = 0..299 (the run covers [0, 10 s)) */
	cr_assert_eq(o->m.requests, 300);
	cr_assert_eq(o->m.dropped, 0);
	cr_assert_eq(o->m.failures, 0);
	cr_assert_eq(o->m.switches, 1, "one load of the fixed variant");
	cr_assert(o->m.served >= 299);
	/* nothing competes and frames are far apart: latency is the service time, p50 = p99 */
	cr_assert_float_eq(o->m.lat_p50_ms, o->m.lat_p99_ms, 1e-6);
	cr_assert(o->m.energy_per_inf_mj > 0);
	run_output_destroy(o);
}

Test(run, competing_load_slows_inference)
{
	struct run_config c = base(const_trace("idle2.csv", 0, 8000, 5), "static:variant=best");
	c.deadline_ms = 1000;
	c.workload = "periodic:fps=2,service=det";
	struct run_output *idle = run_ok(&c);
	c.trace = const_trace("busy.csv", 1, 8000, 5);
	struct run_output *busy = run_ok(&c);
	/* with every core taken by others, two threads get half of the CPU (fair share);
	   quantiles are histogram bucket edges, 0.1% wide */
	cr_assert_float_eq(busy->m.lat_p50_ms / idle->m.lat_p50_ms, 2.0, 0.005,
			   "idle %g ms, busy %g ms", idle->m.lat_p50_ms, busy->m.lat_p50_ms);
	run_output_destroy(idle);
	run_output_destroy(busy);
}

Test(run, variant_larger_than_free_memory_fails_and_is_counted)
{
	struct run_config c = base(const_trace("tiny.csv", 0, 1, 2), "static:variant=best");
	struct run_output *o = run_ok(&c);
	cr_assert_eq(o->m.served, 0);
	cr_assert(o->m.failures > 0);
	cr_assert_eq(o->m.failures + o->m.dropped + o->m.served, o->m.requests);
	cr_assert_eq(o->has_latency, 0);
	run_output_destroy(o);
}

Test(run, greedy_adapts_where_static_misses)
{
	/* heavy competing load for most of the run */
	const char *tr = tu_write("load.csv", "time_s,util_other,mem_avail_mb\n0,0,8000\n"
					      "2,1,8000\n18,0,8000\n20,0,8000\n");
	/* a deadline the most accurate variant meets when idle but not under full load */
	struct run_config c = base(const_trace("idle3.csv", 0, 8000, 2), "static:variant=best");
	c.deadline_ms = 1000;
	struct run_output *idle = run_ok(&c);
	c.deadline_ms = 1.5 * idle->m.lat_p50_ms;
	run_output_destroy(idle);
	c.trace = tr;
	struct run_output *st = run_ok(&c);
	c.policy = "greedy";
	struct run_output *gr = run_ok(&c);
	c.policy = "static:variant=fastest";
	struct run_output *fast = run_ok(&c);
	cr_assert(gr->m.miss_rate < st->m.miss_rate, "greedy %g vs static best %g",
		  gr->m.miss_rate, st->m.miss_rate);
	cr_assert(gr->m.mean_top1 > fast->m.mean_top1, "greedy %g%% vs static fastest %g%%",
		  gr->m.mean_top1, fast->m.mean_top1);
	cr_assert(gr->m.switches > 1, "greedy should change variants as the load changes");
	run_output_destroy(st);
	run_output_destroy(gr);
	run_output_destroy(fast);
}

struct bad_run {
	const char *what, *policy, *workload, *trace, *expect;
	int code;
};

Test(run, bad_configurations_are_refused_with_a_message)
{
	const char *ok = const_trace("ok.csv", 0, 8000, 1);
	const char *badrow = tu_write("badrow.csv", "time_s,util_other\n0,0\n1,x\n");
	static struct bad_run cases[] = {
		{"unknown policy", "nosuch", NULL, NULL, "unknown policy 'nosuch'", ERR_USAGE},
		{"unknown param", "greedy:lambda=1", NULL, NULL,
		 "policy greedy: unknown parameter 'lambda' (known: threads, margin, cluster)", ERR_USAGE},
		{"bad param value", "greedy:margin=-1", NULL, NULL, "margin: '-1'", ERR_USAGE},
		{"workload", "greedy", "sometimes", NULL, "workload 'sometimes'", ERR_USAGE},
		{"no plugin", "./nothing-here.so", NULL, NULL, "cannot load plugin", ERR_PLUGIN},
		{"missing trace", "greedy", NULL, "/nonexistent/trace.csv",
		 "/nonexistent/trace.csv: cannot open", ERR_NOTFOUND},
		{"bad row", "greedy", NULL, "BADROW", "badrow.csv:3:2: column 'util_other'", ERR_PARSE},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *trace = cases[i].trace ? cases[i].trace : ok;
		if (trace && strcmp(trace, "BADROW") == 0)
			trace = badrow;
		struct run_config c = base(trace, cases[i].policy);
		if (cases[i].workload)
			c.workload = cases[i].workload;
		struct errbuf eb = {0};
		struct run_output *o = NULL;
		int rc = run_execute(&c, &o, &eb);
		cr_expect_eq(rc, cases[i].code, "%s: rc %d (%s)", cases[i].what, rc, eb.msg);
		cr_expect(tu_has(eb.msg, cases[i].expect), "%s: got '%s'", cases[i].what, eb.msg);
		cr_expect_null(o);
	}
}

Test(run, arrivals_and_deadlines_from_a_file)
{
	const char *arr = tu_write("arrivals.csv", "# a burst, then two requests with their own deadlines\n"
						  "time_s,deadline_ms\n0,100\n0,100\n0,100\n0.5,0.001\n1,\n");
	char workload[600];
	snprintf(workload, sizeof workload, "file:%s", arr);
	struct run_config c = base(const_trace("idle4.csv", 0, 8000, 2), "static:variant=best");
	c.workload = workload;
	c.deadline_ms = 1000;
	c.requests = 1;
	struct run_output *o = run_ok(&c);
	cr_assert_eq(o->m.requests, 5);
	cr_assert_eq(o->m.served, 5);
	/* the 0.001 ms deadline cannot be met; the empty one falls back to --deadline-ms */
	cr_assert_eq(o->m.deadline_misses, 1);
	run_output_destroy(o);

	const char *back = tu_write("back_arr.csv", "time_s\n0\n2\n1\n");
	snprintf(workload, sizeof workload, "file:%s", back);
	c.workload = workload;
	c.trace = const_trace("idle5.csv", 0, 8000, 5);
	struct errbuf eb = {0};
	cr_assert_eq(run_execute(&c, &o, &eb), ERR_RANGE);
	cr_assert(tu_has(eb.msg, "back_arr.csv:4: time goes backwards"), "%s", eb.msg);
}

Test(run, trace_hash_is_the_whole_files_as_read_while_parsing)
{
	/* a byte order mark, CRLF, a comment, and rows after the end of the run */
	const char *tr = tu_write("hashed.csv", "\xef\xbb\xbf# note: hashed as read\r\n"
						"time_s,util_other,mem_avail_mb\r\n0,0,8000\r\n"
						"1,0.5,8000\r\n\r\n2,0,8000\r\n30,0.1,8000\r\n");
	char want[65];
	cr_assert_eq(sha256_file(tr, want), 0);
	struct run_config c = base(tr, "greedy");
	c.duration_s = 1.5; /* stops before the last rows: the rest is hashed after */
	struct run_output *o = run_ok(&c);
	cr_assert_str_eq(o->trace_sha256, want);
	run_output_destroy(o);
	c.duration_s = 0; /* to the end of the trace */
	o = run_ok(&c);
	cr_assert_str_eq(o->trace_sha256, want);
	run_output_destroy(o);
}

/*
 * The idle latency of mobilenet_v1 at width 1, resolution 224, fp32 (the most accurate
 * variant of the ladder: 70.9% top-1 in Howard et al. 2017, Table 6), worked out here from
 * the files themselves as docs/simulation.md defines the prediction: each layer of the
 * model spec matched to the timings row of its shape (op, sizes, kernel, stride, groups),
 * fp32, at T threads, medians summed; at idle the device model's rate is
 * (f_max / f_ref) * min(1, cores / T); the fastest T counts.
 */
static double idle_ms_by_hand(void)
{
	FILE *m = fopen("models/zoo/mobilenet_v1.csv", "r");
	cr_assert_not_null(m);
	char line[512], layer[64][128];
	int n = 0;
	while (fgets(line, sizeof line, m)) {
		if (line[0] == '#' || strncmp(line, "name,", 5) == 0)
			continue;
		/* name,op,in_h,in_w,in_c,out_c,kernel,stride,groups,...: keep op..groups */
		char *p = strchr(line, ',') + 1, *q = p;
		for (int k = 0; k < 8; k++)
			q = strchr(q, ',') + 1;
		cr_assert_lt(n, 64);
		snprintf(layer[n++], sizeof layer[0], "%.*s", (int)(q - p), p);
	}
	fclose(m);
	cr_assert_eq(n, 29, "MobileNet V1: the stem, 13 depthwise + 13 pointwise, pool, fc");
	FILE *t = fopen(TIMINGS, "r");
	cr_assert_not_null(t);
	double sum_us[3] = {0, 0, 0}, f_ref = 0;
	int found[3] = {0, 0, 0};
	while (fgets(line, sizeof line, t)) {
		sscanf(line, "# freq_ref_mhz: %lf", &f_ref);
		for (int i = 0; i < n; i++) {
			size_t len = strlen(layer[i]);
			int threads;
			char backend[32];
			double median;
			if (strncmp(line, layer[i], len) == 0 && strncmp(line + len, "fp32,", 5) == 0 &&
			    sscanf(line + len + 5, "%d,%31[^,],%lf", &threads, backend, &median) == 3 &&
			    threads >= 1 && threads <= 2) {
				sum_us[threads] += median;
				found[threads]++;
			}
		}
	}
	fclose(t);
	/* a shape that occurs twice in the model counts twice */
	cr_assert_eq(found[1], n, "%d of %d layers have a 1-thread fp32 row", found[1], n);
	cr_assert_eq(found[2], n, "%d of %d layers have a 2-thread fp32 row", found[2], n);
	/* devices/xeon-kvm-2vcpu.ini: opp = 2600 (its only operating point), cores = 2 */
	double f_max = 2600, cores = 2;
	cr_assert_gt(f_ref, 0, "the timings name their reference frequency");
	double best = INFINITY;
	for (int th = 1; th <= 2; th++) {
		double ms = sum_us[th] / 1000.0 / (f_max / f_ref * fmin(1.0, cores / th));
		best = fmin(best, ms);
	}
	return best;
}

Test(run, auto_deadline_is_f_times_the_most_accurate_variants_idle_latency)
{
	double idle_ms = idle_ms_by_hand();
	const char *idle = const_trace("auto_idle.csv", 0, 8000, 3);
	struct run_config c = base(idle, "static:variant=best");
	c.deadline_ms = 0;
	c.deadline_auto = 1.5;
	struct run_output *o = run_ok(&c);
	cr_assert_float_eq(o->deadline_ms, 1.5 * idle_ms, 1e-9 * idle_ms, "resolved %.9g ms, by hand 1.5 x %.9g ms",
			   o->deadline_ms, idle_ms);
	/* the run says which variant and the rule; the config keeps the rule, not the number */
	cr_assert(tu_has(o->notes, "deadline: auto:1.5 = 1.5 x"), "%s", o->notes);
	cr_assert(tu_has(o->notes, "mobilenet_v1:width=1,res=224,quant=fp32"), "%s", o->notes);
	cr_assert(tu_has(o->config, "\ndeadline_ms=auto:1.5\n"), "%s", o->config);
	/* and the run used it: at idle the most accurate variant meets 1.5x its idle latency
	 * (all but the first frame, which waits for the variant to load)... */
	cr_assert_leq(o->m.deadline_misses, 1);
	cr_assert_gt(o->m.served, 80);
	run_output_destroy(o);
	/* ...and misses 0.9x of it on every request */
	c.deadline_auto = 0.9;
	o = run_ok(&c);
	cr_assert_float_eq(o->deadline_ms, 0.9 * idle_ms, 1e-9 * idle_ms);
	cr_assert_eq(o->m.deadline_misses, o->m.served);
	cr_assert_gt(o->m.served, 0);
	run_output_destroy(o);
}

Test(run, auto_deadline_with_a_bad_factor_is_refused)
{
	static const char *const bad[] = {"auto:0", "auto:-1", "auto:x", "auto:", "auto:1e9"};
	const char *db = tu_scratch("auto_bad.db");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char out[4096];
		int rc = tu_adascale(out, sizeof out,
				     "run --trace traces/host_stress.csv --device "
				     "devices/xeon-kvm-2vcpu.ini --model mobilenet_v1 --policy greedy "
				     "--deadline-ms '%s' --db %s",
				     bad[i], db);
		cr_assert_eq(rc, 2, "%s: exit %d: %s", bad[i], rc, out);
		cr_assert(tu_has(out, "--deadline-ms"), "%s", out);
		cr_assert(tu_has(out, "auto:F takes a number F in (0, 1000]"), "%s", out);
		cr_assert_eq(access(db, F_OK), -1, "%s: nothing may be written", bad[i]);
	}
}

/*
 * A file workload's rows without deadline_ms take the run's deadline as resolved: with
 * auto:3 (3 x the most accurate variant's idle latency, ~1.2 ms here), requests 100 ms apart
 * on an idle trace are served within it once the variant is up. They were all late when
 * such rows took 0 ms.
 */
Test(run, file_arrivals_take_an_auto_deadline)
{
	const char *trace = tu_write("auto-file-trace.csv", "time_s,util_other\n0,0\n1,0\n");
	const char *arr = tu_write("auto-file-arrivals.csv", "time_s\n0\n0.1\n0.2\n0.3\n");
	struct run_config c = base(trace, "static:variant=fastest");
	c.ops = "width=0.25,0.5 res=128";
	char w[600];
	snprintf(w, sizeof w, "file:%s", arr);
	c.workload = w;
	c.deadline_ms = 0; /* as the command line leaves it for auto:F */
	c.deadline_auto = 3;
	struct run_output *o = run_ok(&c);
	cr_assert_eq(o->m.requests, 4);
	cr_assert_eq(o->m.served, 4);
	/* the first waits for its variant to load (the device's init_ms, 5 ms, alone exceeds
	 * the deadline); the three others are served within it */
	cr_assert_eq(o->m.deadline_misses, 1, "%lld late with a %g ms deadline",
		     (long long)o->m.deadline_misses, o->deadline_ms);
	run_output_destroy(o);
}

/* A trace with a row every 10 ms and two requests a second: the timeline keeps a latency
   sample in every second that has a completion (one a second at most), and the state too. */
Test(run, a_dense_trace_does_not_crowd_the_latencies_out_of_the_timeline)
{
	char *text = malloc(1 << 16);
	size_t n = (size_t)snprintf(text, 1 << 16, "time_s,util_other\n");
	for (int i = 0; i <= 2000; i++) /* 20 s */
		n += (size_t)snprintf(text + n, (1 << 16) - n, "%.2f,%.2f\n", i / 100.0,
				      i % 2 ? 0.1 : 0.2);
	struct run_config c = base(tu_write("dense.csv", text), "greedy");
	free(text);
	c.workload = "periodic:fps=2,service=det";
	c.timeline = 1;
	struct run_output *o = run_ok(&c);
	int lat = 0, state = 0;
	for (int i = 0; i < o->n_timeline; i++) {
		if (isnan(o->timeline[i].latency_ms))
			state++;
		else
			lat++;
	}
	/* 40 requests in 20 s, two a second: one latency point in each of the 20 seconds, the
	   first completion of each (at least 19: the run's edges) */
	cr_assert_geq(lat, 19, "%d latency points of %d", lat, o->n_timeline);
	cr_assert_leq(lat, 21, "%d latency points: more than one a second", lat);
	cr_assert_geq(state, 19, "%d state points", state);
	run_output_destroy(o);
}

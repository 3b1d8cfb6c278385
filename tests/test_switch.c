/*
 * test_switch.c: measured switch costs and stable profiles.
 *
 *   - switchcost: the switch-cost file's reader (bad rows name file:line), the device model
 *     charging a switch from measured rows before the assumed constants (expected values
 *     worked out by hand from the rows the test writes), the shared-weights rule on pairs
 *     of variants, and a real cold read and build by the agent;
 *   - stability: a kernel made unstable on purpose (--inject-jitter) is flagged in the
 *     profile's `unstable` column and a quiet one is not; the timings reader takes the
 *     column, and files without it.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aprofile.h"
#include "aswitch.h"
#include "device.h"
#include "devmodel.h"
#include "err.h"
#include "model.h"
#include "run.h"
#include "switchcost.h"
#include "testutil.h"
#include "timings.h"

static const char header[] = "# what: a test\nvariant,threads,weight_bytes,read_cold_ms,"
			     "read_warm_ms,build_ms\n";

/* Loading text as a switch-cost file fails, naming path:line and saying what. */
static void expect_error(const char *name, const char *text, int line, const char *what)
{
	const char *path = tu_write(name, text);
	struct switchcost *s = NULL;
	struct errbuf eb = {0};
	int rc = switchcost_load(path, &s, &eb);
	cr_assert_lt(rc, 0, "%s was accepted", name);
	cr_assert_eq(err_exit_status(rc), 2, "%s: exit status %d", name, err_exit_status(rc));
	char want[600];
	snprintf(want, sizeof want, "%s:%d", path, line);
	cr_assert(tu_has(eb.msg, want), "'%s' does not name %s", eb.msg, want);
	cr_assert(tu_has(eb.msg, what), "'%s' does not say '%s'", eb.msg, what);
	cr_assert_null(s);
}

Test(switchcost, bad_rows_name_file_and_line)
{
	char t[1024];
	snprintf(t, sizeof t, "%s\"m:width=1\",1,100,1,0.5,2\n\"m:width=1\",1,100,-1,0.5,2\n", header);
	expect_error("neg.csv", t, 4, "read_cold_ms");
	snprintf(t, sizeof t, "%s\"m:width=1\",0,100,1,0.5,2\n", header);
	expect_error("thr.csv", t, 3, "threads");
	snprintf(t, sizeof t, "%s,1,100,1,0.5,2\n", header);
	expect_error("empty.csv", t, 3, "empty variant");
	snprintf(t, sizeof t, "%s\"m:width=1\",1,100,1,0.5,x\n", header);
	expect_error("nan.csv", t, 3, "build_ms");
	snprintf(t, sizeof t, "%s\"m:width=1\",2,100,1,0.5,2\n\"m:width=0.5\",2,50,1,0.5,2\n"
			      "\"m:width=1\",2,100,1,0.5,3\n",
		 header);
	expect_error("twice.csv", t, 5, "given twice (also on line 3)");
	expect_error("nocol.csv", "variant,threads,weight_bytes,read_cold_ms\nm,1,1,1\n", 1,
		     "missing column 'build_ms'");
	expect_error("norows.csv", header, 2, "no switch-cost rows");
}

Test(switchcost, a_device_names_its_file_and_a_bad_one_fails_at_both_lines)
{
	char t[512];
	snprintf(t, sizeof t, "%s\"m:width=1\",1,100,1,0.5,-2\n", header);
	tu_write("badsw.csv", t);
	const char *ini = tu_write("badsw.ini", "[device]\nname = t\nmemory_mb = 1000\n"
						"storage_read_mbps = 200\ninit_ms = 30\n"
						"base_power_mw = 0\nswitch_costs = badsw.csv\n"
						"[cluster.0]\ncores = 2\ncapacity = 1024\n"
						"dyn_power_coeff = 100\nopp = 1000@500\n");
	struct device *d = NULL;
	struct errbuf eb = {0};
	cr_assert_lt(device_load(ini, &d, &eb), 0);
	char want[600];
	snprintf(want, sizeof want, "%s:7: switch_costs", ini);
	cr_assert(tu_has(eb.msg, want), "'%s' does not name %s", eb.msg, want);
	cr_assert(tu_has(eb.msg, "badsw.csv:3"), "'%s' does not name the row", eb.msg);
}

Test(switchcost, weights_are_shared_by_the_cuts_a_spec_declares)
{
	static const char all[] = "width res exit";
	cr_assert(switchcost_shares_weights("m:width=1,res=224,quant=fp32",
					    "m:width=0.5,res=224,quant=fp32", all));
	cr_assert(switchcost_shares_weights("m:width=1,res=224,quant=fp32",
					    "m:width=1,res=128,quant=fp32", all));
	cr_assert(switchcost_shares_weights("m:width=1,exit=2,quant=int8",
					    "m:width=0.25,exit=5,quant=int8", all));
	cr_assert(switchcost_shares_weights("m:width=1", "m:res=160", all));
	/* other weights: another quantisation, pruning, rank, or model */
	cr_assert(!switchcost_shares_weights("m:width=1,res=224,quant=fp32",
					     "m:width=1,res=224,quant=int8", all));
	cr_assert(!switchcost_shares_weights("m:width=1,prune=0.5", "m:width=1", all));
	cr_assert(!switchcost_shares_weights("m:width=1,lowrank=8", "m:width=0.5,lowrank=4", all));
	cr_assert(!switchcost_shares_weights("m:width=1", "n:width=1", all));
	cr_assert(!switchcost_shares_weights("mm:width=1", "m:width=1", all));
	/* only the declared cuts: "width,exit" shares widths, not resolutions */
	cr_assert(switchcost_shares_weights("m:width=1,res=224", "m:width=0.5,res=224",
					    "width,exit"));
	cr_assert(!switchcost_shares_weights("m:width=1,res=224", "m:width=1,res=160",
					     "width,exit"));
	/* a spec that declares nothing shares nothing */
	cr_assert(!switchcost_shares_weights("m:width=1,res=224", "m:width=1,res=160", NULL));
}

/* A spec's shared_weights names only cuts; anything else names the file and line. */
Test(switchcost, a_spec_declares_its_shared_weights)
{
	static const char body[] = "name,op,in_h,in_w,in_c,out_c,kernel,stride,groups,input2,"
				   "fixed_width,block\na,conv,8,8,3,8,3,1,1,,0,0\n";
	char text[512];
	snprintf(text, sizeof text, "# shared_weights: width exit\n%s", body);
	struct model *m = NULL;
	struct errbuf eb = {0};
	cr_assert_eq(model_load(tu_write("sh_ok.csv", text), &m, &eb), 0, "%s", eb.msg);
	cr_assert_str_eq(m->shared_weights, "width exit");
	model_destroy(m);
	snprintf(text, sizeof text, "# source: a test\n# shared_weights: width quant\n%s", body);
	const char *bad = tu_write("sh_bad.csv", text);
	m = NULL;
	cr_assert_lt(model_load(bad, &m, &eb), 0);
	char want[600];
	snprintf(want, sizeof want, "%s:2: shared_weights: 'quant'", bad);
	cr_assert(tu_has(eb.msg, want), "'%s' does not name %s", eb.msg, want);
	cr_assert_null(m);
}

/*
 * A device with storage_read_mbps 200 and init_ms 30 (the assumed constants) and measured
 * rows for two fp32 widths of model m.
 */
static const char sw_rows[] = "variant,threads,weight_bytes,read_cold_ms,read_warm_ms,build_ms\n"
			      "\"m:width=1,res=224,quant=fp32\",1,16000000,40,10,120\n"
			      "\"m:width=1,res=224,quant=fp32\",2,16000000,40,10,90\n"
			      "\"m:width=0.5,res=224,quant=fp32\",1,4000000,12,3,50\n";

static struct device *dev;
static struct timings *tim;
static struct devmodel dm;

static void setup(void)
{
	tu_write("sw.csv", sw_rows);
	const char *ini = tu_write("sw.ini", "[device]\nname = t\nmemory_mb = 1000\n"
					     "storage_read_mbps = 200\ninit_ms = 30\n"
					     "base_power_mw = 0\nswitch_costs = sw.csv\n"
					     "[cluster.0]\ncores = 4\ncapacity = 1024\n"
					     "dyn_power_coeff = 100\nopp = 1000@500 2000@1000\n");
	struct errbuf eb = {0};
	cr_assert_eq(device_load(ini, &dev, &eb), 0, "%s", eb.msg);
	cr_assert_not_null(dev->sw);
	tim = calloc(1, sizeof *tim);
	cr_assert(tim);
	tim->freq_ref_mhz = 2000;
	devmodel_init(&dm, dev, tim);
}

static void teardown(void)
{
	device_destroy(dev);
	free(tim);
}

/* A variant's switch record, its family the first of keys it shares weights with. */
static void var(const char *key, double wb, struct devmodel_switch_var *v, int want_measured)
{
	cr_assert_eq(devmodel_switch_var(&dm, key, wb, v), want_measured, "%s", key);
	static const char *const family[] = {"m:width=1,res=224,quant=fp32",
					     "m:width=1,res=224,quant=int8"};
	v->family = switchcost_shares_weights(family[0], key, "width res exit") ? 0 : 1;
}

Test(switchcost, measured_rows_replace_the_assumed_constants, .init = setup, .fini = teardown)
{
	struct devmodel_switch_var w1, w05, r160, q8;
	var("m:width=1,res=224,quant=fp32", 16e6, &w1, 1);
	var("m:width=0.5,res=224,quant=fp32", 4e6, &w05, 1);
	var("m:width=1,res=160,quant=fp32", 16e6, &r160, 0);
	var("m:width=1,res=224,quant=int8", 4e6, &q8, 0);
	int measured = -1;
	/* nothing loaded: the whole read and the build of the row, 40 + 120 ms */
	cr_assert_float_eq(devmodel_switch_s(&dm, NULL, &w1, 1, &measured), 0.160, 1e-12);
	cr_assert_eq(measured, 1);
	/* at 2 threads its own row: 40 + 90 ms; at 4 the nearest below, 2: the same */
	cr_assert_float_eq(devmodel_switch_s(&dm, NULL, &w1, 2, NULL), 0.130, 1e-12);
	cr_assert_float_eq(devmodel_switch_s(&dm, NULL, &w1, 4, NULL), 0.130, 1e-12);
	/* width 0.5 has a 1-thread row only: at 2 threads that one, 12 + 50 ms */
	cr_assert_float_eq(devmodel_switch_s(&dm, NULL, &w05, 2, NULL), 0.062, 1e-12);
	/* not measured: 4 MB / 200 MB/s + 30 ms = 50 ms, the assumed constants */
	cr_assert_float_eq(devmodel_switch_s(&dm, NULL, &q8, 1, &measured), 0.050, 1e-12);
	cr_assert_eq(measured, 0);
}

Test(switchcost, a_switch_between_variants_sharing_weights_pays_for_what_changes,
     .init = setup, .fini = teardown)
{
	struct devmodel_switch_var w1, w05, r160, q8;
	var("m:width=1,res=224,quant=fp32", 16e6, &w1, 1);
	var("m:width=0.5,res=224,quant=fp32", 4e6, &w05, 1);
	var("m:width=1,res=160,quant=fp32", 16e6, &r160, 0);
	var("m:width=1,res=224,quant=int8", 4e6, &q8, 0);
	/* wider, 0.5 -> 1: the 12 MB added, at the row's rate 40 ms per 16 MB: 30 ms, + 120 */
	cr_assert_float_eq(devmodel_switch_s(&dm, &w05, &w1, 1, NULL), 0.150, 1e-12);
	/* narrower, 1 -> 0.5: nothing to read, the build of 0.5: 50 ms */
	cr_assert_float_eq(devmodel_switch_s(&dm, &w1, &w05, 1, NULL), 0.050, 1e-12);
	/* resolution only, 160 -> 224: no read, the build: 120 ms */
	cr_assert_float_eq(devmodel_switch_s(&dm, &r160, &w1, 1, NULL), 0.120, 1e-12);
	/* resolution only, 224 -> 160, not measured: init_ms alone, 30 ms */
	cr_assert_float_eq(devmodel_switch_s(&dm, &w1, &r160, 1, NULL), 0.030, 1e-12);
	/* other weights (int8 -> fp32): the whole read, 40 + 120 ms */
	cr_assert_float_eq(devmodel_switch_s(&dm, &q8, &w1, 1, NULL), 0.160, 1e-12);
}

Test(switchcost, a_cold_read_is_timed_after_the_pages_are_dropped)
{
	const char *path = tu_scratch("weights.bin");
	size_t bytes = 8u << 20;
	char *buf = malloc(bytes);
	cr_assert_not_null(buf);
	memset(buf, 0x5a, bytes);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, buf, bytes), (ssize_t)bytes);
	cr_assert_eq(fsync(fd), 0);
	close(fd);
	struct errbuf eb = {0};
	double cold = -1, warm = -1;
	long res = -2, pages = 0;
	cr_assert_eq(agent_switch_read_cold(path, buf, bytes, &cold, &res, &pages, &eb), 0, "%s",
		     eb.msg);
	cr_assert(isfinite(cold) && cold > 0, "cold read %g ms", cold);
	cr_assert_eq(pages, (long)((bytes + (size_t)sysconf(_SC_PAGESIZE) - 1) /
				   (size_t)sysconf(_SC_PAGESIZE)));
	cr_assert(res >= -1 && res <= pages, "%ld of %ld pages resident", res, pages);
	cr_assert_eq(agent_switch_read(path, buf, bytes, &warm, &eb), 0, "%s", eb.msg);
	cr_assert(isfinite(warm) && warm > 0, "warm read %g ms", warm);
	/* what was read is what was written */
	for (size_t i = 0; i < bytes; i += 4099)
		cr_assert_eq(buf[i], 0x5a);
	unlink(path);
	free(buf);
}

Test(switchcost, the_agent_writes_a_file_the_device_reads)
{
	/* conv 3x3 3->8: 8*3*9 + 8 = 224 params; conv 3x3 8->8: 8*8*9 + 8 = 584 */
	const char *in = tu_write("swpasses.csv",
				  "pass,name,op,in_h,in_w,in_c,out_c,kernel,stride,groups,dtype,input\n"
				  "\"m:width=1,res=8\",a,conv,8,8,3,8,3,1,1,fp32,\n"
				  "\"m:width=1,res=8\",b,conv,8,8,8,8,3,1,1,fp32,\n"
				  "\"m:width=1,res=8,quant=int8\",a,conv,8,8,3,8,3,1,1,int8,\n");
	const char *out = tu_scratch("swout.csv");
	struct agent_switch_opts o;
	agent_switch_defaults(&o);
	o.spec = in;
	o.reps = 2;
	o.n_threads = 1;
	o.threads[0] = 1;
	o.dir = tu_dir();
	struct errbuf eb = {0};
	cr_assert_eq(agent_switch(&o, out, &eb), 0, "%s", eb.msg);
	struct switchcost *s = NULL;
	cr_assert_eq(switchcost_load(out, &s, &eb), 0, "%s", eb.msg);
	cr_assert_eq(s->n, 2);
	const struct switchcost_row *a = switchcost_find(s, "m:width=1,res=8", 1);
	const struct switchcost_row *b = switchcost_find(s, "m:width=1,res=8,quant=int8", 1);
	cr_assert(a && b);
	cr_assert_float_eq(a->weight_bytes, (224 + 584) * 4, 0); /* fp32: 4 bytes a weight */
	cr_assert_float_eq(b->weight_bytes, 224, 0);           /* int8: 1 byte */
	for (int i = 0; i < s->n; i++) {
		const struct switchcost_row *r = &s->r[i];
		cr_assert(isfinite(r->read_cold_ms) && r->read_cold_ms > 0, "%g", r->read_cold_ms);
		cr_assert(isfinite(r->read_warm_ms) && r->read_warm_ms > 0, "%g", r->read_warm_ms);
		cr_assert(isfinite(r->build_ms) && r->build_ms >= 0, "%g", r->build_ms);
	}
	switchcost_destroy(s);

	/* a spec without a pass column has no variant keys: refused, nothing written */
	const char *spec = tu_write("swspec.csv", "name,op,in_h,in_w,in_c,out_c,kernel,stride,"
						  "groups,dtype\na,conv,8,8,3,8,3,1,1,fp32\n");
	const char *out2 = tu_scratch("swout2.csv");
	o.spec = spec;
	cr_assert_lt(agent_switch(&o, out2, &eb), 0);
	cr_assert(tu_has(eb.msg, "pass list"), "%s", eb.msg);
	cr_assert_eq(access(out2, F_OK), -1);
}

/* ---- stability ---- */

/* Profiles a two-kernel list at 1 thread, the row on line jitter_line made unstable. */
static struct timings *profile_two(long jitter_line, int rounds)
{
	const char *in = tu_write("jkernels.csv", "op,in_h,in_w,in_c,out_c,kernel,stride,groups,"
						  "dtype\n"
						  "conv,8,8,16,16,1,1,1,fp32\n"
						  "conv,8,8,16,32,1,1,1,fp32\n");
	const char *out = tu_scratch("jtimings.csv");
	struct agent_profile_opts o;
	agent_profile_defaults(&o);
	o.kernels = in;
	o.n_threads = 1;
	o.threads[0] = 1;
	o.ramp_ms = 0;
	o.m.warmup = 1;
	o.m.warmup_ms = 0;
	o.m.min_runs = 20;
	o.m.max_seconds = 0.2;
	o.rounds = rounds;
	o.jitter_line = jitter_line;
	struct errbuf eb = {0};
	cr_assert_eq(agent_profile(&o, out, &eb), 0, "%s", eb.msg);
	struct timings *t = NULL;
	cr_assert_eq(timings_load(out, &t, &eb), 0, "%s", eb.msg);
	cr_assert(t->has_unstable);
	cr_assert_eq(t->n, 2);
	return t;
}

static const struct timing *row_of(const struct timings *t, int out_c)
{
	for (int i = 0; i < t->n; i++)
		if (t->t[i].k.out_c == out_c)
			return &t->t[i];
	cr_assert_fail("no row with out_c %d", out_c);
	return NULL;
}

Test(stability, a_kernel_made_unstable_on_purpose_is_flagged_and_a_quiet_one_is_not)
{
	/* line 3 of the list: the 16 -> 32 conv sleeps 1 ms in every other run */
	struct timings *t = profile_two(3, 2);
	const struct timing *jit = row_of(t, 32), *quiet = row_of(t, 16);
	/* half its runs 1 ms longer: p90 over p10 far past 1.5, whatever the machine */
	cr_assert_gt(jit->p90_us, 1.5 * jit->p10_us, "p10 %g p90 %g", jit->p10_us, jit->p90_us);
	cr_assert_eq(jit->unstable, 1);
	cr_assert_eq(quiet->unstable, 0, "quiet kernel: p10 %g p90 %g", quiet->p10_us,
		     quiet->p90_us);
	cr_assert_eq(t->n_unstable, 1);
	timings_destroy(t);
}

Test(stability, the_timings_reader_takes_the_flag_and_files_without_it)
{
	static const char head[] = "op,in_h,in_w,in_c,out_c,kernel,stride,groups,dtype,threads,"
				   "median_us,p10_us,p90_us";
	char text[1024];
	snprintf(text, sizeof text, "%s,unstable\nconv,8,8,3,8,3,1,1,fp32,1,10,9,11,0\n"
				    "conv,8,8,8,8,3,1,1,fp32,1,20,5,40,1\n",
		 head);
	struct timings *t = NULL;
	struct errbuf eb = {0};
	cr_assert_eq(timings_load(tu_write("fl.csv", text), &t, &eb), 0, "%s", eb.msg);
	cr_assert(t->has_unstable);
	cr_assert_eq(t->n_unstable, 1);
	/* a two-layer spec on both rows rests on one flagged timing */
	const char *spec = tu_write("fl_spec.csv", "name,op,in_h,in_w,in_c,out_c,kernel,stride,"
						   "groups,input2,fixed_width,block\n"
						   "a,conv,8,8,3,8,3,1,1,,0,0\n"
						   "b,conv,8,8,8,8,3,1,1,,0,1\n");
	struct model *m = NULL;
	cr_assert_eq(model_load(spec, &m, &eb), 0, "%s", eb.msg);
	int n = -1;
	cr_assert_eq(timings_model_unstable(t, m, 1, &n), 0);
	cr_assert_eq(n, 1);
	cr_assert_eq(timings_model_unstable(t, m, 2, &n), ERR_NOTFOUND);
	model_destroy(m);
	timings_destroy(t);

	/* without the column: nothing flagged, and it says so */
	snprintf(text, sizeof text, "%s\nconv,8,8,3,8,3,1,1,fp32,1,10,9,11\n", head);
	cr_assert_eq(timings_load(tu_write("nofl.csv", text), &t, &eb), 0, "%s", eb.msg);
	cr_assert(!t->has_unstable);
	cr_assert_eq(t->n_unstable, 0);
	timings_destroy(t);

	/* a flag other than 0 or 1 names file:line */
	snprintf(text, sizeof text, "%s,unstable\nconv,8,8,3,8,3,1,1,fp32,1,10,9,11,2\n", head);
	const char *bad = tu_write("badfl.csv", text);
	cr_assert_lt(timings_load(bad, &t, &eb), 0);
	char want[600];
	snprintf(want, sizeof want, "%s:2", bad);
	cr_assert(tu_has(eb.msg, want), "'%s' does not name %s", eb.msg, want);
}

/* ---- a run ---- */

Test(switchcost, a_run_charges_measured_switches_and_says_for_how_many_variants,
     .timeout = 120)
{
	char timings[4096], ini[8192], out[8192];
	cr_assert_not_null(realpath("devices/xeon-kvm-2vcpu/timings.csv", timings));
	/* the static variant (the fastest here: width 0.25, 128, fp32) measured at 3 s of build */
	tu_write("run-sw.csv", "variant,threads,weight_bytes,read_cold_ms,build_ms\n"
			       "\"mobilenet_v1:width=0.25,res=128,quant=fp32\",1,1869344,1,3000\n"
			       "\"mobilenet_v1:width=0.25,res=128,quant=fp32\",2,1869344,1,3000\n");
	static const char dev_fmt[] = "[device]\nname = r\nmemory_mb = 1000\nstorage_read_mbps = 1000\n"
				  "init_ms = 5\nbase_power_mw = 0\ntimings = %s\n%s"
				  "[cluster.0]\ncores = 2\ncapacity = 1024\n"
				  "dyn_power_coeff = 1923\nopp = 2600@1000\n";
	snprintf(ini, sizeof ini, dev_fmt, timings, "switch_costs = run-sw.csv\n");
	const char *measured = tu_write("run-sw.ini", ini);
	snprintf(ini, sizeof ini, dev_fmt, timings, "");
	const char *assumed = tu_write("run-nosw.ini", ini);
	const char *db = tu_scratch("run-sw.db");
	static const char args[] = "run --trace tests/data/slowdown.csv --device %s --model "
				   "mobilenet_v1 --policy static:variant=fastest --deadline-ms 50 "
				   "--db %s";
	cr_assert_eq(tu_adascale(out, sizeof out, args, assumed, db), 0, "%s", out);
	cr_assert(tu_has(out, "switch costs: assumed"), "%s", out);
	cr_assert(tu_has(out, "0 dropped, 0 failed, 0 late"), "%s", out);
	cr_assert_eq(tu_adascale(out, sizeof out, args, measured, db), 0, "%s", out);
	cr_assert(tu_has(out, "switch costs: measured for 1 of 32 variants"), "%s", out);
	cr_assert(tu_has(out, "assumed for the rest"), "%s", out);
	/* the first request waits 3 s behind the load: late, and the queue behind it drops */
	cr_assert(!tu_has(out, "0 dropped, 0 failed, 0 late"), "%s", out);
	cr_assert(!tu_has(out, "shared weights"), "%s", out);

	/* the same model with its resolutions declared to share weights says so */
	FILE *f = fopen("models/zoo/mobilenet_v1.csv", "r");
	cr_assert_not_null(f);
	static char spec[1 << 16];
	size_t n = (size_t)snprintf(spec, sizeof spec, "# shared_weights: res\n");
	n += fread(spec + n, 1, sizeof spec - n - 1, f);
	spec[n] = '\0';
	fclose(f);
	const char *model = tu_write("mobilenet_v1.csv", spec);
	cr_assert_eq(tu_adascale(out, sizeof out,
				 "run --trace tests/data/slowdown.csv --device %s --model %s "
				 "--policy greedy --deadline-ms 50 --db %s",
				 measured, model, db),
		     0, "%s", out);
	cr_assert(tu_has(out, "shared weights: res"), "%s", out);
}

Test(stability, in_model_unstable_rows_are_timed_again_in_their_passes)
{
	const char *in = tu_write("jpasses.csv",
				  "pass,name,op,in_h,in_w,in_c,out_c,kernel,stride,groups,dtype,input\n"
				  "p1,a,conv,8,8,8,16,1,1,1,fp32,\n"
				  "p1,b,conv,8,8,16,16,1,1,1,fp32,\n"
				  "p2,a,conv,8,8,8,16,1,1,1,fp32,\n");
	const char *out = tu_scratch("jinmodel.csv");
	struct agent_profile_opts o;
	agent_profile_defaults(&o);
	o.kernels = in;
	o.n_threads = 1;
	o.threads[0] = 1;
	o.ramp_ms = 0;
	o.m.warmup = 1;
	o.m.warmup_ms = 0;
	o.m.min_runs = 10;
	o.m.max_seconds = 0.05;
	/* a bound no pooled row meets (p90 > p10 always, with 10 or more distinct times): every
	   row is unstable, so every pass is timed again in each round */
	o.spread_max = 1;
	o.rounds = 2;
	struct errbuf eb = {0};
	cr_assert_eq(agent_profile(&o, out, &eb), 0, "%s", eb.msg);
	struct timings *t = NULL;
	cr_assert_eq(timings_load(out, &t, &eb), 0, "%s", eb.msg);
	cr_assert_eq(t->n, 2); /* two unique kernels at one thread count */
	for (int i = 0; i < t->n; i++)
		cr_assert(t->t[i].p10_us > 0 && t->t[i].p10_us <= t->t[i].median_us);
	timings_destroy(t);
	FILE *f = fopen(out, "r");
	cr_assert_not_null(f);
	char line[1024], done[1024] = "";
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, "# done:", 7))
			snprintf(done, sizeof done, "%s", line);
	fclose(f);
	/* both passes again in each of the two rounds, unless a row came out stable */
	cr_assert(tu_has(done, "passes timed again"), "%s", done);
	const char *p = strstr(done, "passes timed again");
	while (p > done && p[-1] == ' ')
		p--;
	while (p > done && p[-1] >= '0' && p[-1] <= '9')
		p--;
	int again = atoi(p);
	cr_assert(again >= 2 && again <= 4, "%d passes timed again: %s", again, done);
}

/* ---- variants kept built ---- */

/* devices/epyc-kvm-2vcpu.ini with keep_built = k, its files named by absolute path. */
static const char *device_keeping(int k)
{
	static char path[2][PATH_MAX];
	char cwd[PATH_MAX], *text = NULL, name[32];
	size_t len = 0;
	cr_assert_not_null(getcwd(cwd, sizeof cwd));
	FILE *in = fopen("devices/epyc-kvm-2vcpu.ini", "r"), *out = open_memstream(&text, &len);
	cr_assert(in && out);
	char line[1024];
	while (fgets(line, sizeof line, in)) {
		if (strncmp(line, "keep_built", 10) == 0)
			continue;
		char *at = strstr(line, "epyc-kvm-2vcpu/");
		if (at && line[0] != ';' && line[0] != '#') { /* a path: from here, absolute */
			fprintf(out, "%.*s%s/devices/%s", (int)(at - line), line, cwd, at);
			continue;
		}
		fputs(line, out);
		if (strncmp(line, "[device]", 8) == 0)
			fprintf(out, "keep_built = %d\n", k);
	}
	fclose(in);
	fclose(out);
	snprintf(name, sizeof name, "keep%d.ini", k);
	snprintf(path[k - 1], sizeof path[k - 1], "%s", tu_write(name, text));
	free(text);
	return path[k - 1];
}

/*
 * A sequence policy alternating two variants, one request a second: with the device's
 * keep_built at 1 every switch builds the variant (switch.csv's build, at least), with 2 only
 * the first two do and every later request takes its variant's service time alone, as
 * adascale-agent serve's kept passes do.
 */
Test(switching, a_kept_variant_switches_for_nothing, .timeout = 120)
{
	char so[PATH_MAX], cmd[2 * PATH_MAX], out[4096];
	snprintf(so, sizeof so, "%s/sequence_policy.so", tu_dir());
	snprintf(cmd, sizeof cmd,
		 "${CC:-cc} -std=c11 -shared -fPIC -Ipolicies -o %s tests/data/sequence_policy.c", so);
	cr_assert_eq(tu_run(cmd, out, sizeof out), 0, "%s", out);
	char spec[PATH_MAX + 64];
	snprintf(spec, sizeof spec, "%s:seq=0101010101", so);
	const char *trace = tu_write("keep.csv", "time_s,util_other\n0,0\n10,0\n");
	double lat[2][10], service[2] = {0, 0};
	char keys[2][160];
	for (int k = 1; k <= 2; k++) {
		struct run_config c;
		run_config_defaults(&c);
		c.trace = trace;
		c.device = device_keeping(k);
		c.model = "mobilenet_v1";
		c.ops = "width=1,0.25 res=224 quant=fp32";
		c.policy = spec;
		c.workload = "periodic:fps=1,service=det";
		c.deadline_ms = 10000;
		c.requests = 1;
		struct run_output *o;
		struct errbuf eb = {0};
		cr_assert_eq(run_execute(&c, &o, &eb), 0, "%s", eb.msg);
		cr_assert_eq(o->n_request_rows, 10);
		cr_assert_eq(o->m.switches, 10, "a switch at every request");
		for (int i = 0; i < 10; i++) {
			const struct request_row *r = &o->request_rows[i];
			cr_assert_eq(r->seq, i);
			lat[k - 1][i] = (double)(r->t_end_ns - r->t_arrival_ns) / 1e6;
			if (k == 2 && i >= 2)
				service[i % 2] = lat[1][i];
			snprintf(keys[i % 2], sizeof keys[i % 2], "%s", o->variant_keys[r->variant]);
		}
		run_output_destroy(o);
	}
	/* the build of each variant at one thread, from the measurement */
	double build[2] = {0, 0};
	struct switchcost *sc;
	struct errbuf eb = {0};
	cr_assert_eq(switchcost_load("devices/epyc-kvm-2vcpu/switch.csv", &sc, &eb), 0, "%s",
		     eb.msg);
	for (int v = 0; v < 2; v++) {
		const struct switchcost_row *r = switchcost_find(sc, keys[v], 1);
		cr_assert_not_null(r, "%s", keys[v]);
		build[v] = r->build_ms;
	}
	switchcost_destroy(sc);
	cr_assert(build[0] > 0 && build[1] > 0, "%s %s", keys[0], keys[1]);
	for (int i = 2; i < 10; i++) {
		cr_assert_float_eq(lat[1][i], service[i % 2], 1e-6, "kept: request %d", i);
		cr_assert_geq(lat[0][i], service[i % 2] + build[i % 2],
			      "rebuilt: request %d %.3f ms, service %.3f + build %.3f", i, lat[0][i],
			      service[i % 2], build[i % 2]);
	}
}

/* A device with a model's own files: timings.MODEL picks that model's timings, and
   switch_costs.MODEL adds its variants' rows to the device's (the paths and rows are the
   ones written here). */
Test(switchcost, a_model_named_in_the_device_has_its_own_timings_and_switch_costs)
{
	char t[512];
	snprintf(t, sizeof t, "%s\"a:width=1\",1,100,4,0.5,2\n", header);
	tu_write("own_a.csv", t);
	snprintf(t, sizeof t, "%s\"b:width=1\",1,200,7,0.5,3\n\"b:width=0.5\",2,50,1,0.5,1\n",
		 header);
	tu_write("own_b.csv", t);
	const char *ini = tu_write("own.ini", "[device]\nname = t\nmemory_mb = 1000\n"
					      "storage_read_mbps = 200\ninit_ms = 30\n"
					      "base_power_mw = 0\ntimings = all.csv\n"
					      "switch_costs = own_a.csv\n"
					      "timings.b = b-timings.csv\nswitch_costs.b = own_b.csv\n"
					      "[cluster.0]\ncores = 2\ncapacity = 1024\n"
					      "dyn_power_coeff = 100\nopp = 1000@500\n");
	struct device *d = NULL;
	struct errbuf eb = {0};
	cr_assert_eq(device_load(ini, &d, &eb), 0, "%s", eb.msg);
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s", ini);
	*strrchr(dir, '/') = 0;
	char want[PATH_MAX + 32];
	snprintf(want, sizeof want, "%s/b-timings.csv", dir);
	cr_assert_str_eq(device_timings_for(d, "b"), want);
	cr_assert_str_eq(device_timings_for(d, "some/folder/b.csv"), want,
			 "a spec file named b.csv is model b");
	snprintf(want, sizeof want, "%s/all.csv", dir);
	cr_assert_str_eq(device_timings_for(d, "a"), want);
	cr_assert_str_eq(device_timings_for(d, "bb"), want, "only b itself has its own timings");
	const struct switchcost_row *r = switchcost_find(d->sw, "a:width=1", 1);
	cr_assert(r && r->build_ms == 2 && r->read_cold_ms == 4);
	r = switchcost_find(d->sw, "b:width=1", 1);
	cr_assert(r && r->build_ms == 3 && r->read_cold_ms == 7 && r->weight_bytes == 200);
	r = switchcost_find(d->sw, "b:width=0.5", 2);
	cr_assert(r && r->build_ms == 1);
	cr_assert_eq(d->sw->n, 3);
	device_destroy(d);
}

/* A model's own switch costs hold only its variants, and none that the device's file holds. */
Test(switchcost, a_models_own_switch_costs_are_held_to_that_model)
{
	char t[512];
	snprintf(t, sizeof t, "%s\"a:width=1\",1,100,4,0.5,2\n", header);
	tu_write("held_a.csv", t);
	snprintf(t, sizeof t, "%s\"b:width=1\",1,200,7,0.5,3\n\"a:width=1\",1,5,1,0.5,1\n",
		 header);
	tu_write("held_b.csv", t);
	const char *ini = tu_write("held.ini", "[device]\nname = t\nmemory_mb = 1000\n"
					       "storage_read_mbps = 200\ninit_ms = 30\n"
					       "base_power_mw = 0\nswitch_costs = held_a.csv\n"
					       "switch_costs.b = held_b.csv\n"
					       "[cluster.0]\ncores = 2\ncapacity = 1024\n"
					       "dyn_power_coeff = 100\nopp = 1000@500\n");
	struct device *d = NULL;
	struct errbuf eb = {0};
	cr_assert_lt(device_load(ini, &d, &eb), 0);
	char want[600];
	snprintf(want, sizeof want, "%s:8: switch_costs.b", ini);
	cr_assert(tu_has(eb.msg, want), "'%s' does not name %s", eb.msg, want);
	cr_assert(tu_has(eb.msg, "held_b.csv:4: 'a:width=1' is not a variant of b"), "%s", eb.msg);
	/* the same variant in the device's file and a model's own */
	snprintf(t, sizeof t, "%s\"a:width=1\",1,5,1,0.5,1\n", header);
	tu_write("held_a2.csv", t);
	ini = tu_write("held2.ini", "[device]\nname = t\nmemory_mb = 1000\n"
				    "storage_read_mbps = 200\ninit_ms = 30\n"
				    "base_power_mw = 0\nswitch_costs = held_a.csv\n"
				    "switch_costs.a = held_a2.csv\n"
				    "[cluster.0]\ncores = 2\ncapacity = 1024\n"
				    "dyn_power_coeff = 100\nopp = 1000@500\n");
	cr_assert_lt(device_load(ini, &d, &eb), 0);
	cr_assert(tu_has(eb.msg, "held_a2.csv:3: 'a:width=1' at 1 threads is also given in"),
		  "%s", eb.msg);
	cr_assert(tu_has(eb.msg, "held_a.csv:3"), "%s", eb.msg);
}

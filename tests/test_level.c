/*
 * test_level.c: a variant's level from its pass timed whole. An in-model profile writes
 * each pass's whole time (`# pass:` metadata); a variant with one takes its median, p10
 * and p90 from it instead of its kernels' sums. Runs of one variant on timings with a pass
 * line the test writes give the latencies that line says; a bad line is refused with
 * file:line through the command line; the agent's profile of a small pass list writes the
 * lines and the loader reads them back.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "model.h"
#include "run.h"
#include "testutil.h"
#include "timings.h"

static char out[1 << 16];

#define TIMINGS "devices/xeon-kvm-2vcpu/timings.csv"
#define KEY "mobilenet_v1:width=0.25,res=128,quant=fp32"

/* The bundled timings with `lines` put just before their header. */
static const char *timings_with(const char *name, const char *lines)
{
	FILE *f = fopen(TIMINGS, "r");
	cr_assert_not_null(f);
	static char text[1 << 20], both[(1 << 20) + 4096];
	size_t n = fread(text, 1, sizeof text - 1, f);
	text[n] = 0;
	fclose(f);
	const char *at = strstr(text, "\nop,");
	cr_assert_not_null(at);
	snprintf(both, sizeof both, "%.*s\n%s%s", (int)(at - text), text, lines, at + 1);
	return tu_write(name, both);
}

/* The variant alone at one thread, 5 a second for 200 s, idle, on timings. */
static struct run_output *lone(const char *timings, const char *service)
{
	return tu_lone_run(&(struct tu_lone){.device = "tests/data/dvfs2.ini", .timings = timings,
					     .ops = "width=0.25 res=128 quant=fp32",
					     .service = service, .util = 0, .fps = 5,
					     .duration_s = 200, .seed = 5});
}

Test(level, a_pass_timed_whole_sets_the_variants_level, .timeout = 60)
{
	/* 4321 us median, 10% and 90% at 4000 and 5000 us: the level the line gives */
	const char *tim = timings_with("level-pass.csv",
				       "# pass: 1 4321 4000 5000 40 " KEY "\n"
				       "# pass: 2 2500 2400 2600 40 " KEY "\n");
	struct run_output *o = lone(tim, "det");
	cr_assert_float_eq(o->m.lat_p50_ms, 4.321, 1e-3 * 4.321, "p50 %g", o->m.lat_p50_ms);
	cr_assert_float_eq(o->m.lat_p95_ms, 4.321, 1e-3 * 4.321, "p95 %g", o->m.lat_p95_ms);
	cr_assert(tu_has(o->notes, "levels: 2 of 2 variant and thread count pairs from their "
				   "passes timed whole"),
		  "%s", o->notes);
	run_output_destroy(o);
	/*
	 * Drawn work goes through the pass's p10 and p90: the two-piece lognormal with sigma
	 * ln(4321/4000)/1.2816 = 0.0602 below the median and ln(5000/4321)/1.2816 = 0.1139
	 * above. Over 1,000 passes the p50 and p95 levels are within 4 binomial standard
	 * deviations (0.063 and 0.028) of 0.5 and 0.95: z in [-0.159, 0.159] and [1.419,
	 * 2.014], so p50 in 4321 [exp(-0.0602 x 0.159), exp(0.1139 x 0.159)] = [4280, 4400] us
	 * and p95 in 4321 [exp(0.1139 x 1.419), exp(0.1139 x 2.014)] = [5079, 5435] us (and
	 * the latency histogram's 0.1%).
	 */
	o = lone(tim, "meas");
	cr_assert(o->m.lat_p50_ms > 4.280 * 0.999 && o->m.lat_p50_ms < 4.400 * 1.001, "p50 %g",
		  o->m.lat_p50_ms);
	cr_assert(o->m.lat_p95_ms > 5.079 * 0.999 && o->m.lat_p95_ms < 5.435 * 1.001, "p95 %g",
		  o->m.lat_p95_ms);
	run_output_destroy(o);
	/* without the line the level is the kernels' sum, which is not the line's */
	o = lone(TIMINGS, "det");
	cr_assert(fabs(o->m.lat_p50_ms - 4.321) > 0.5, "p50 %g", o->m.lat_p50_ms);
	cr_assert(tu_has(o->notes, "levels: every variant from its kernels' sum"), "%s",
		  o->notes);
	run_output_destroy(o);
}

Test(level, a_bad_pass_line_is_refused_with_file_and_line)
{
	const char *tim = timings_with("level-bad.csv", "# pass: 1 4321 4400 5000 40 " KEY "\n");
	struct errbuf eb = {0};
	struct timings *t = NULL;
	cr_assert_lt(timings_load(tim, &t, &eb), 0);
	cr_assert(tu_has(eb.msg, "level-bad.csv:"), "%s", eb.msg);
	cr_assert(tu_has(eb.msg, ": pass: threads 1..1024, runs 1 or more and 0 < p10_us"), "%s",
		  eb.msg);
	tim = timings_with("level-bad.csv", "# pass: 1 4321\n");
	cr_assert_lt(timings_load(tim, &t, &eb), 0);
	cr_assert(tu_has(eb.msg, ": pass: want THREADS MEDIAN_US P10_US P90_US RUNS KEY"), "%s",
		  eb.msg);
	/* the command line exits 2 and stores nothing */
	const char *db = tu_scratch("level-bad.db");
	remove(db);
	cr_assert_eq(tu_adascale(out, sizeof out,
				 "run --trace tests/data/slowdown.csv --device tests/data/dvfs2.ini "
				 "--timings %s --model mobilenet_v1 --policy greedy --db %s",
				 tim, db),
		     2, "%s", out);
	cr_assert(tu_has(out, ": pass: want THREADS"), "%s", out);
	cr_assert_neq(access(db, F_OK), 0, "a database was written");
}

Test(level, the_in_model_profile_writes_each_pass_whole, .timeout = 120)
{
	const char *list = tu_write("level-passes.csv",
				    "pass,name,op,in_h,in_w,in_c,out_c,kernel,stride,groups\n"
				    "small,c0,conv,16,16,3,16,3,2,1\n"
				    "small,pw,conv,8,8,16,16,1,1,1\n"
				    "large,c0,conv,32,32,3,16,3,2,1\n"
				    "large,pw,conv,16,16,16,32,1,1,1\n");
	const char *tim = tu_scratch("level-prof.csv");
	remove(tim);
	char cmd[2048];
	snprintf(cmd, sizeof cmd,
		 "%s/adascale-agent profile %s --threads 1 --max-seconds 0.3 --quiet -o %s",
		 tu_bin(), list, tim);
	cr_assert_eq(tu_run(cmd, out, sizeof out), 0, "%s", out);
	struct errbuf eb = {0};
	struct timings *t = NULL;
	cr_assert_eq(timings_load(tim, &t, &eb), 0, "%s", eb.msg);
	cr_assert_eq(t->n_pass, 2);
	const struct timing_pass *s = timings_pass_find(t, "small", 1);
	const struct timing_pass *l = timings_pass_find(t, "large", 1);
	cr_assert_not_null(s);
	cr_assert_not_null(l);
	cr_assert_null(timings_pass_find(t, "small", 2));
	cr_assert(s->p10_us > 0 && s->p10_us <= s->median_us && s->median_us <= s->p90_us);
	/* the large pass does four times the small one's work and more: it takes longer */
	cr_assert_gt(l->median_us, s->median_us, "large %g us, small %g us", l->median_us,
		     s->median_us);
	timings_destroy(t);
}

/*
 * test_policies.c: the policy ABI and the built-in policies.
 *
 * Plugins: the example plugin (policies/examples/hysteresis.c, built by the Makefile into
 * $ADASCALE_BUILD/policies/) runs exactly like the same source built in; a plugin of another
 * ABI version, one without the entry symbol, and an unknown parameter are refused with exact
 * messages and exit status 2; `adascale policies` lists plugins with their parameters.
 *
 * Policies, on the bundled scenarios (slowdown, ramp and flapping in tests/data/, on the test
 * device dvfs2.ini, a 30 fps camera, a 33 ms deadline): adascale against the static baselines,
 * the oracle as the upper bound, each mechanism of adascale against its ablation on the
 * scenario made for it. The combined objective is the accuracy of on-time answers: the sum
 * over requests of the top-1 of the variant that answered on time (0 for a late, dropped or
 * failed request), divided by the requests. The runs table does not hold it, so the test
 * plugin tests/data/score_wrap.c (compiled here) runs a built-in unchanged and tallies it; it
 * also emulates, between host and policy, a wrong profile (profile=F) and late sensing
 * (sense_ms=D). The assertions are directions (A better than B), not margins, so that they
 * hold whatever timings file the test device uses; the measured numbers are in
 * docs/policies.md (tests/data/policy_tables.c prints them). adascale prints nothing on a
 * normal run and one warning for what is wrong.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adascale_policy.h"
#include "data/score_wrap.h"
#include "err.h"
#include "polutil.h"
#include "registry.h"
#include "run.h"
#include "testutil.h"

#define DEVICE "tests/data/dvfs2.ini"
#define SLOWDOWN "tests/data/slowdown.csv"
#define RAMP "tests/data/ramp.csv"
#define FLAPPING "tests/data/flapping.csv"

static char out[65536];

/* ---- runs ---- */

static struct run_config base(const char *trace, const char *policy)
{
	struct run_config c;
	run_config_defaults(&c);
	c.trace = trace;
	c.device = DEVICE;
	c.model = "mobilenet_v1";
	c.policy = policy;
	c.workload = "periodic:fps=30,service=det"; /* the profiled median: exact, as planned */
	c.deadline_ms = 33;
	return c;
}

static struct run_output *run_ok(const char *trace, const char *policy)
{
	struct run_config c = base(trace, policy);
	struct errbuf eb = {0};
	struct run_output *o = NULL;
	cr_assert_eq(run_execute(&c, &o, &eb), 0, "%s on %s: %s", policy, trace, eb.msg);
	return o;
}

/* Compiles tests/data/SRC.c into the scratch folder as NAME.so. */
static const char *build_plugin(const char *src, const char *flags, const char *name)
{
	static char paths[4][512];
	static int next;
	char *path = paths[next++ % 4];
	snprintf(path, 512, "%s/%s.so", tu_dir(), name);
	char cmd[2048];
	snprintf(cmd, sizeof cmd,
		 "${CC:-cc} -std=c11 -shared -fPIC -Ipolicies -Icommon %s -o %s tests/data/%s.c",
		 flags, path, src);
	cr_assert_eq(tu_run(cmd, out, sizeof out), 0, "%s: %s", cmd, out);
	return path;
}

/* ---- the combined objective, through the scoring plugin ---- */

static struct tpol_score tally;

void tpol_tally(const struct tpol_score *s) { tally = *s; }

struct scored {
	struct metrics m;
	struct tpol_score s;
	double objective;   /* top-1 points of on-time answers per request */
};

/* Runs the built-in INNER ("NAME;k=v;k=v") through the scoring plugin, with EXTRA options. */
static struct scored scored_run(const char *trace, const char *inner, const char *extra)
{
	static const char *wrap;
	if (!wrap)
		wrap = build_plugin("score_wrap", "", "score_wrap");
	char spec[1024];
	snprintf(spec, sizeof spec, "%s:inner=%s%s%s", wrap, inner, extra ? "," : "",
		 extra ? extra : "");
	memset(&tally, 0, sizeof tally);
	struct run_output *o = run_ok(trace, spec);
	struct scored r = {o->m, tally, tally.ontime_top1 / (double)o->m.requests};
	/* the tally saw every inference the host finished, and agrees on which were on time */
	cr_assert_eq(tally.observed, o->m.served + o->m.failures, "%s", inner);
	cr_assert_eq(tally.ontime, o->m.served - o->m.deadline_misses, "%s", inner);
	/* and the run's own ontime_top1 is the objective the plugin tallied */
	cr_assert(fabs(o->m.ontime_top1 - r.objective) <= 1e-9 * (1 + r.objective),
		  "%s: ontime_top1 %.17g, tallied %.17g", inner, o->m.ontime_top1, r.objective);
	run_output_destroy(o);
	return r;
}

/* ---- plugins ---- */

Test(policies, example_plugin_runs_exactly_like_its_builtin)
{
	char plugin[1024];
	snprintf(plugin, sizeof plugin, "%s/policies/hysteresis.so", tu_bin());
	FILE *f = fopen(plugin, "rb");
	cr_assert_not_null(f, "%s is missing: `make all` builds the example plugins", plugin);
	fclose(f);
	static const char *const params[] = {"", ":margin=1.5,up_after=2"};
	int64_t served_top[2] = {0, 0};
	for (int k = 0; k < 2; k++) {
		char as_plugin[1200], as_builtin[256];
		snprintf(as_plugin, sizeof as_plugin, "%s%s", plugin, params[k]);
		snprintf(as_builtin, sizeof as_builtin, "hysteresis%s", params[k]);
		struct run_output *p = run_ok(SLOWDOWN, as_plugin);
		struct run_output *b = run_ok(SLOWDOWN, as_builtin);
		cr_assert_eq(memcmp(&p->m, &b->m, sizeof p->m), 0, "%s: plugin and built-in differ",
			     params[k]);
		cr_assert_eq(memcmp(p->variant_served, b->variant_served,
				    (size_t)p->n_variants * sizeof *p->variant_served),
			     0);
		cr_assert_str_eq(p->policy_name, "hysteresis");
		cr_assert_str_eq(p->policy_params, b->policy_params);
		cr_assert(p->m.switches > 1, "the policy should adapt on the slowdown");
		served_top[k] = p->variant_served[0];
		run_output_destroy(p);
		run_output_destroy(b);
	}
	cr_assert_neq(served_top[0], served_top[1], "the parameters should reach the plugin");
}

Test(policies, plugin_of_another_abi_version_is_refused_naming_both_versions)
{
	/* the same source, built against this ABI, loads and runs */
	const char *good = build_plugin("abi_plugin", "", "abi_good");
	struct run_output *o = run_ok(SLOWDOWN, good);
	cr_assert_str_eq(o->policy_name, "fixed");
	cr_assert(o->m.served > 0);
	run_output_destroy(o);

	int other = ADASCALE_POLICY_ABI_VERSION + 1;
	char flags[64], expect[1024];
	snprintf(flags, sizeof flags, "-DTEST_ABI_VERSION=%d", other);
	const char *bad = build_plugin("abi_plugin", flags, "abi_other");
	snprintf(expect, sizeof expect,
		 "%s: policy ABI version %d, but this adascale speaks versions %d to %d (rebuild "
		 "the plugin against this adascale_policy.h)",
		 bad, other, ADASCALE_POLICY_ABI_OLDEST, ADASCALE_POLICY_ABI_VERSION);
	struct pol_choice c;
	struct errbuf eb = {0};
	cr_assert_eq(pol_resolve(bad, &c, &eb), ERR_PLUGIN);
	cr_assert_str_eq(eb.msg, expect);

	char cmd[4096];
	snprintf(cmd, sizeof cmd,
		 "%s/adascale run --trace " SLOWDOWN " --device " DEVICE " --model mobilenet_v1 "
		 "--db %s/abi.db --policy %s",
		 tu_bin(), tu_dir(), bad);
	cr_assert_eq(tu_run(cmd, out, sizeof out), 2, "%s", out);
	cr_assert(tu_has(out, expect), "%s", out);
}

Test(policies, plugin_without_the_entry_symbol_is_refused)
{
	const char *bad = build_plugin("abi_plugin", "-DTEST_NO_ENTRY", "no_entry");
	char expect[1024];
	snprintf(expect, sizeof expect,
		 "%s: no symbol 'adascale_policy_entry' (a policy plugin exports it)", bad);
	struct pol_choice c;
	struct errbuf eb = {0};
	cr_assert_eq(pol_resolve(bad, &c, &eb), ERR_PLUGIN);
	cr_assert_str_eq(eb.msg, expect);
	char cmd[4096];
	snprintf(cmd, sizeof cmd,
		 "%s/adascale run --trace " SLOWDOWN " --device " DEVICE " --model mobilenet_v1 "
		 "--db %s/noentry.db --policy %s",
		 tu_bin(), tu_dir(), bad);
	cr_assert_eq(tu_run(cmd, out, sizeof out), 2, "%s", out);
	cr_assert(tu_has(out, expect), "%s", out);
}

Test(policies, unknown_or_bad_plugin_parameter_is_refused)
{
	char cmd[4096];
	snprintf(cmd, sizeof cmd,
		 "%s/adascale run --trace " SLOWDOWN " --device " DEVICE " --model mobilenet_v1 "
		 "--db %s/param.db --policy %s/policies/hysteresis.so:nosuch=1",
		 tu_bin(), tu_dir(), tu_bin());
	cr_assert_eq(tu_run(cmd, out, sizeof out), 2, "%s", out);
	cr_assert(tu_has(out, "adascale: policy hysteresis: unknown parameter 'nosuch' (known: "
			      "margin, up_after)\n"),
		  "%s", out);
	snprintf(cmd, sizeof cmd,
		 "%s/adascale run --trace " SLOWDOWN " --device " DEVICE " --model mobilenet_v1 "
		 "--db %s/param.db --policy %s/policies/hysteresis.so:hysteresis:margin=0.5",
		 tu_bin(), tu_dir(), tu_bin());
	cr_assert_eq(tu_run(cmd, out, sizeof out), 2, "%s", out);
	cr_assert(tu_has(out, "adascale: policy hysteresis: margin: '0.5' is not a number in "
			      "[1, 100]\n"),
		  "%s", out);
}

Test(policies, listing_shows_builtins_and_plugins_with_their_defaults)
{
	/* a folder with a refused plugin beside the Makefile's plugins */
	build_plugin("abi_plugin", "-DTEST_ABI_VERSION=99", "old_abi");
	char cmd[4096];
	snprintf(cmd, sizeof cmd, "ADASCALE_POLICY_PATH=%s/policies:%s %s/adascale policies",
		 tu_bin(), tu_dir(), tu_bin());
	cr_assert_eq(tu_run(cmd, out, sizeof out), 0, "%s", out);
	static const char *const expect[] = {
		"static ",       "greedy ",        "reactive ",     "oracle ",
		"adascale ",     "up_after=10 ",   "down_after=1 ", "forecast=1 ",
		"feedback=1 ",   "pareto=1 ",      "switchcost=1 ", "lambda=0.01 ",
		"horizon_ms=200 ", "hold_ms=3000 ", "Plugins on ADASCALE_POLICY_PATH:",
		"policy ABI version 99, but this adascale speaks versions 1 to 2",
	};
	for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++)
		cr_expect(tu_has(out, expect[i]), "missing '%s' in:\n%s", expect[i], out);
	char from[1200];
	snprintf(from, sizeof from, "           from %s/policies/hysteresis.so\n"
				    "           margin=1.2  ",
		 tu_bin());
	cr_expect(tu_has(out, from), "the plugin and its parameters should be listed:\n%s", out);
}

/* ---- the built-ins on the scenarios ---- */

Test(policies, adascale_misses_less_than_static_best_and_beats_static_fastest_on_accuracy)
{
	struct run_output *ada = run_ok(SLOWDOWN, "adascale");
	struct run_output *best = run_ok(SLOWDOWN, "static:variant=best");
	struct run_output *fast = run_ok(SLOWDOWN, "static:variant=fastest");
	cr_assert(ada->m.miss_rate < best->m.miss_rate, "adascale %g vs static best %g",
		  ada->m.miss_rate, best->m.miss_rate);
	cr_assert(ada->m.mean_top1 > fast->m.mean_top1, "adascale %g%% vs fastest %g%%",
		  ada->m.mean_top1, fast->m.mean_top1);
	cr_assert(ada->m.energy_per_inf_mj < best->m.energy_per_inf_mj);
	cr_assert(ada->decide_mean_us > 0, "the host measures the policy's CPU time");
	run_output_destroy(ada);
	run_output_destroy(best);
	run_output_destroy(fast);
}

Test(policies, scoring_plugin_leaves_the_run_unchanged)
{
	static const char *const which[] = {"adascale", "oracle", "reactive"};
	for (size_t i = 0; i < sizeof which / sizeof which[0]; i++) {
		struct scored s = scored_run(SLOWDOWN, which[i], NULL);
		struct run_output *o = run_ok(SLOWDOWN, which[i]);
		cr_assert_eq(memcmp(&s.m, &o->m, sizeof s.m), 0, "%s: wrapped run differs", which[i]);
		run_output_destroy(o);
	}
}

Test(policies, oracle_is_at_least_as_good_as_every_policy_on_the_combined_objective)
{
	static const char *const scenarios[] = {SLOWDOWN, RAMP, FLAPPING};
	static const char *const others[] = {
		"static;variant=best", "static;variant=fastest", "greedy",
		"reactive",            "hysteresis",             "adascale",
		"adascale;forecast=0", "adascale;feedback=0",    "adascale;pareto=0",
		"adascale;switchcost=0",
	};
	for (size_t k = 0; k < sizeof scenarios / sizeof scenarios[0]; k++) {
		struct scored oracle = scored_run(scenarios[k], "oracle", NULL);
		/* without it the oracle sees one inference ahead and is no upper bound */
		cr_assert(oracle.s.host_future, "the host should offer future_state to the oracle");
		for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
			struct scored p = scored_run(scenarios[k], others[i], NULL);
			cr_expect(oracle.objective >= p.objective, "%s: oracle %.3f < %s %.3f",
				  scenarios[k], oracle.objective, others[i], p.objective);
		}
	}
}

Test(policies, forecast_ablation_misses_more_when_sensing_is_late_on_a_ramp)
{
	/* the policy senses the state 100 ms late while a thermal governor steps down */
	struct scored on = scored_run(RAMP, "adascale", "sense_ms=100");
	struct scored off = scored_run(RAMP, "adascale;forecast=0", "sense_ms=100");
	cr_assert(on.m.deadline_misses < off.m.deadline_misses,
		  "late frames: forecast %lld, none %lld", (long long)on.m.deadline_misses,
		  (long long)off.m.deadline_misses);
	cr_assert(on.objective > off.objective, "objective: forecast %.3f, none %.3f",
		  on.objective, off.objective);
}

Test(policies, feedback_ablation_trusts_a_wrong_profile)
{
	/* every prediction the policy sees is half the truth: a profile from a faster device */
	struct scored right = scored_run(SLOWDOWN, "adascale", NULL);
	struct scored on = scored_run(SLOWDOWN, "adascale", "profile=0.5");
	struct scored off = scored_run(SLOWDOWN, "adascale;feedback=0", "profile=0.5");
	cr_assert(on.m.miss_rate < off.m.miss_rate, "miss rate: feedback %g, none %g",
		  on.m.miss_rate, off.m.miss_rate);
	cr_assert(on.objective > off.objective, "objective: feedback %.3f, none %.3f",
		  on.objective, off.objective);
	/* the profile heals: the run comes closer to the one with the right profile */
	cr_assert(fabs(on.objective - right.objective) < fabs(off.objective - right.objective),
		  "right profile %.3f, healed %.3f, trusted %.3f", right.objective, on.objective,
		  off.objective);
	/* a profile that does not match the device is worth one warning, and only then */
	cr_assert_eq(right.s.warnings, 0, "warned: %s", right.s.warn);
	cr_assert_eq(on.s.warnings, 1);
	cr_assert(tu_has(on.s.warn, "service times were 2.00x the profile's predictions over"),
		  "%s", on.s.warn);
	cr_assert_eq(off.s.warnings, 1);
	cr_assert(tu_has(off.s.warn, "feedback=0"), "%s", off.s.warn);
}

/* "candidates: N of M ..." from the policy's log */
static int candidates(const char *log, int *of)
{
	int n = -1;
	cr_assert_eq(sscanf(log, "candidates: %d of %d", &n, of), 2, "log: '%s'", log);
	return n;
}

Test(policies, pareto_ablation_searches_more_for_the_same_decisions)
{
	struct scored on = scored_run(SLOWDOWN, "adascale", NULL);
	struct scored off = scored_run(SLOWDOWN, "adascale;pareto=0", NULL);
	int of_on, of_off;
	int n_on = candidates(on.s.log, &of_on), n_off = candidates(off.s.log, &of_off);
	cr_assert_eq(of_on, of_off);
	cr_assert_eq(n_off, of_off, "pareto=0 searches every pair");
	cr_assert(n_on < n_off, "%d of %d on the front", n_on, of_on);
	double per_on = (double)on.s.predictions / (double)on.s.decisions;
	double per_off = (double)off.s.predictions / (double)off.s.decisions;
	cr_assert(per_on < per_off, "predictions per decision: %.1f vs %.1f", per_on, per_off);
	/* a dominated pair is never the best choice: the run is the same */
	cr_assert_eq(memcmp(&on.m, &off.m, sizeof on.m), 0);
}

Test(policies, switchcost_ablation_makes_frames_late_when_the_load_flaps)
{
	struct scored on = scored_run(FLAPPING, "adascale", NULL);
	struct scored off = scored_run(FLAPPING, "adascale;switchcost=0", NULL);
	cr_assert(on.m.miss_rate < off.m.miss_rate, "miss rate: switching-cost aware %g, free %g",
		  on.m.miss_rate, off.m.miss_rate);
	cr_assert(on.m.switches < off.m.switches, "switches %lld vs %lld",
		  (long long)on.m.switches, (long long)off.m.switches);
	cr_assert(on.objective > off.objective, "objective %.3f vs %.3f", on.objective,
		  off.objective);
}

/* The lines of text that start with prefix. */
static int lines_starting(const char *text, const char *prefix)
{
	int n = 0;
	size_t len = strlen(prefix);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		n += strncmp(p, prefix, len) == 0;
	return n;
}

Test(policies, adascale_is_quiet_on_stderr_unless_something_is_wrong)
{
	/* a normal run prints its one summary line and nothing else, on every scenario */
	static const char *const scenarios[] = {SLOWDOWN, RAMP, FLAPPING};
	char cmd[4096];
	for (size_t k = 0; k < sizeof scenarios / sizeof scenarios[0]; k++) {
		snprintf(cmd, sizeof cmd,
			 "%s/adascale run --trace %s --device " DEVICE " --model mobilenet_v1 "
			 "--deadline-ms 33 --db %s/quiet.db --policy adascale",
			 tu_bin(), scenarios[k], tu_dir());
		cr_assert_eq(tu_run(cmd, out, sizeof out), 0, "%s", out);
		cr_assert_eq(lines_starting(out, "run "), 1, "%s", out);
		cr_assert_eq(lines_starting(out, ""), 1, "%s: more than the summary:\n%s",
			     scenarios[k], out);
	}
	/* 0.3 MB free for 2 s, less than any variant needs: one warning, not one per frame */
	const char *tight = tu_write("tight.csv", "time_s,util_other,mem_avail_mb\n"
						  "0,0.05,64\n1,0.05,0.3\n3,0.05,64\n4,0.05,64\n");
	snprintf(cmd, sizeof cmd,
		 "%s/adascale run --trace %s --device " DEVICE " --model mobilenet_v1 "
		 "--deadline-ms 33 --db %s/quiet.db --policy adascale",
		 tu_bin(), tight, tu_dir());
	cr_assert_eq(tu_run(cmd, out, sizeof out), 0, "%s", out);
	cr_assert_eq(lines_starting(out, "adascale: policy adascale: nothing fits in the 0.3 MB "
					 "free at 1."),
		     1, "%s", out);
	cr_assert_eq(lines_starting(out, "adascale: "), 1, "%s", out);
	/* and the host counts the 2 s of frames that found no room */
	cr_assert(tu_has(out, ", 60 failed,"), "%s", out);
}

/* ---- mechanisms, driven directly through the ABI ---- */

/* A host for driving a policy by hand: latency = ref_ms / (f / f_max), one thread. */
struct fake {
	const double *ref_ms;
	char log[256];
};

static void fake_log(void *ctx, int level, const char *msg)
{
	(void)level;
	snprintf(((struct fake *)ctx)->log, sizeof ((struct fake *)ctx)->log, "%s", msg);
}

static double fake_uniform(void *ctx)
{
	(void)ctx;
	return 0.5;
}

static double fake_ms(void *ctx, int v, int t, const struct adascale_state *st)
{
	(void)t;
	return ((struct fake *)ctx)->ref_ms[v] * st->max_freq_mhz[0] / st->freq_mhz[0];
}

static int fake_has(void *ctx, int v, int t)
{
	(void)ctx;
	(void)v;
	return t == 1;
}

Test(policies, reactive_steps_down_after_a_miss_and_up_after_a_run_of_successes)
{
	/* the ladder keeps v0, v1, v2 (v3 is slower than v2 and less accurate) */
	static const double ref_ms[] = {1, 2, 4, 5};
	static const struct adascale_variant vars[] = {
		{sizeof(struct adascale_variant), "a", 1, 50, 1, 1, 1},
		{sizeof(struct adascale_variant), "b", 1, 60, 1, 1, 1},
		{sizeof(struct adascale_variant), "c", 1, 70, 1, 1, 1},
		{sizeof(struct adascale_variant), "d", 1, 65, 1, 1, 1},
	};
	struct fake fk = {ref_ms, ""};
	struct adascale_host host = {sizeof host, &fk, fake_log, fake_uniform, fake_ms, fake_ms,
				     fake_has, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
	struct adascale_state st = {.size = sizeof st, .n_clusters = 1};
	st.freq_mhz[0] = st.max_freq_mhz[0] = 2000;
	st.online[0] = 1;
	st.mem_avail_mb = 100;
	struct adascale_queue q = {sizeof q, 1, 4, 0, 33000000};
	struct adascale_view view = {sizeof view, &st, &q, vars, 4, -1, 1, 1, 0, -1, {1}};
	struct pol_choice c;
	struct errbuf eb = {0};
	cr_assert_eq(pol_resolve("reactive:up_after=3", &c, &eb), 0, "%s", eb.msg);
	void *p;
	char err[256];
	cr_assert_eq(c.desc->create(&host, (const char *const *)c.values, &p, err, sizeof err), 0);
	struct adascale_decision d;
	struct adascale_observation miss = {.size = sizeof miss, .deadline_missed = 1};
	struct adascale_observation ok = {.size = sizeof ok};
	int expect[] = {2, 1, 0, 0, 0, 0, 1, 1, 1, 2, 2};
	/* outcomes before each decision after the first: miss, miss, miss, then on time */
	for (int i = 0; i < 11; i++) {
		cr_assert_eq(c.desc->decide(p, &view, &d), 0);
		cr_assert_eq(d.variant, expect[i], "decision %d: variant %d, expected %d", i,
			     d.variant, expect[i]);
		cr_assert_eq(d.threads, 1);
		view.current_variant = d.variant;
		miss.variant = ok.variant = d.variant;
		c.desc->observe(p, i < 3 ? &miss : &ok);
	}
	c.desc->destroy(p);
	pol_choice_free(&c);
}

static int fake_has_none(void *ctx, int v, int t)
{
	(void)ctx;
	(void)v;
	(void)t;
	return 0;
}

Test(policies, adascale_with_nothing_to_choose_from_says_why_it_fails)
{
	static const double ref_ms[] = {1, 2};
	static const struct adascale_variant vars[] = {
		{sizeof(struct adascale_variant), "a", 1, 50, 1, 1, 1},
		{sizeof(struct adascale_variant), "b", 1, 60, 1, 1, 1},
	};
	struct fake fk = {ref_ms, ""};
	struct adascale_host host = {sizeof host, &fk, fake_log, fake_uniform, fake_ms, fake_ms,
				     fake_has_none, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
	struct adascale_state st = {.size = sizeof st, .n_clusters = 1};
	st.freq_mhz[0] = st.max_freq_mhz[0] = 2000;
	st.online[0] = 1;
	st.mem_avail_mb = 100;
	struct adascale_queue q = {sizeof q, 1, 4, 0, 33000000};
	struct adascale_view view = {sizeof view, &st, &q, vars, 2, -1, 1, 1, 0, -1, {1}};
	struct pol_choice c;
	struct errbuf eb = {0};
	cr_assert_eq(pol_resolve("adascale", &c, &eb), 0, "%s", eb.msg);
	void *p;
	char err[256];
	cr_assert_eq(c.desc->create(&host, (const char *const *)c.values, &p, err, sizeof err), 0);
	struct adascale_decision d;
	cr_assert_neq(c.desc->decide(p, &view, &d), 0);
	cr_assert_str_eq(fk.log, "no variant with an accuracy has timings: nothing to choose from");
	c.desc->destroy(p);
	pol_choice_free(&c);
}

Test(policies, switch_model_is_exact_after_loads_of_two_sizes)
{
	/* assumed 1000 MB/s + 5 ms; the device really reads 250 MB/s and takes 2 ms to set up */
	struct pol_switch sw;
	pol_switch_init(&sw, 1000, 5);
	cr_assert_float_eq(pol_switch_ms(&sw, 10e6), 15, 1e-9);
	static const struct adascale_variant vars[] = {
		{sizeof(struct adascale_variant), "small", 1, 50, 1, 4e6, 5e6},
		{sizeof(struct adascale_variant), "large", 1, 70, 1, 10e6, 12e6},
	};
	struct adascale_state st = {.size = sizeof st};
	struct adascale_view view = {sizeof view, &st, NULL, vars, 2, -1, 1, 1, 0, -1, {1}};
	/* the first load: 4 MB in 18 ms; one size only scales the assumed model through it */
	pol_switch_decided(&sw, &view, 0);
	struct adascale_observation o = {.size = sizeof o, .variant = 0, .t_start_ns = 18000000};
	pol_switch_observe(&sw, &o);
	cr_assert_float_eq(pol_switch_ms(&sw, 4e6), 18, 1e-9);
	/* the second: 10 MB in 42 ms, decided at 1 s; two sizes fit 250 MB/s + 2 ms */
	st.t_ns = 1000000000;
	view.current_variant = 0;
	pol_switch_decided(&sw, &view, 1);
	o = (struct adascale_observation){.size = sizeof o, .variant = 1,
					  .t_start_ns = 1042000000};
	pol_switch_observe(&sw, &o);
	cr_assert_float_eq(pol_switch_ms(&sw, 20e6), 82, 1e-6);
	/* a decision that keeps the loaded variant times nothing */
	st.t_ns = 2000000000;
	view.current_variant = 1;
	pol_switch_decided(&sw, &view, 1);
	o = (struct adascale_observation){.size = sizeof o, .variant = 1,
					  .t_start_ns = 2500000000};
	pol_switch_observe(&sw, &o);
	cr_assert_float_eq(pol_switch_ms(&sw, 20e6), 82, 1e-6);
}

Test(policies, bad_builtin_parameters_are_refused_with_a_message)
{
	static const char *const cases[][2] = {
		{"adascale:forecast=2", "policy adascale: forecast: '2' is not 0 (off) or 1 (on)"},
		{"adascale:lambda=-1", "policy adascale: lambda: '-1' is not a number in [0, 1e+06]"},
		{"adascale:speed=1", "policy adascale: unknown parameter 'speed' (known: threads, "
				     "forecast, horizon_ms"},
		{"reactive:up_after=0",
		 "policy reactive: up_after: '0' is not a whole number in 1..1000000"},
		{"oracle:hold_ms=x", "policy oracle: hold_ms: 'x' is not a number in [0, 1e+07]"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct run_config c = base(SLOWDOWN, cases[i][0]);
		struct errbuf eb = {0};
		struct run_output *o = NULL;
		cr_expect_eq(run_execute(&c, &o, &eb), ERR_USAGE, "%s: %s", cases[i][0], eb.msg);
		cr_expect(tu_has(eb.msg, cases[i][1]), "%s: got '%s'", cases[i][0], eb.msg);
		cr_expect_null(o);
	}
}

/* ---- greedy against its definition, on random tables and states ---- */

struct table_host {
	double ref_ms[24][3]; /* [variant][threads]; <= 0: no timings */
};

static double table_ms(void *ctx, int v, int t, const struct adascale_state *st)
{
	double ms = ((struct table_host *)ctx)->ref_ms[v][t];
	return ms > 0 ? ms * st->max_freq_mhz[0] / st->freq_mhz[0] : INFINITY;
}

static int table_has(void *ctx, int v, int t)
{
	return t >= 1 && t <= 2 && ((struct table_host *)ctx)->ref_ms[v][t] > 0;
}

/* The fastest thread count for variant v (the first of equals; 1 when none has timings). */
static int fastest_threads(struct table_host *th, int v, const struct adascale_state *st,
			   double *ms)
{
	int t = 1;
	*ms = INFINITY;
	for (int k = 1; k <= 2; k++)
		if (table_has(th, v, k) && table_ms(th, v, k, st) < *ms) {
			*ms = table_ms(th, v, k, st);
			t = k;
		}
	return t;
}

/*
 * What greedy is defined to choose, computed over the whole table the plain way: of the
 * variants with an accuracy that fit memory and are predicted (times the margin) to meet
 * the budget, the most accurate, then the fastest, then the first; else the fastest that
 * fits memory; else the smallest. Threads: the fastest count (the first of equals).
 */
static struct adascale_decision greedy_by_definition(struct table_host *th,
						     const struct adascale_view *view,
						     double budget_ms, double margin)
{
	int best = -1, best_t = 1, fastest = -1, fastest_t = 1;
	double best_ms = 0, fastest_ms = 0, ms;
	for (int i = 0; i < view->n_variants; i++) {
		const struct adascale_variant *v = &view->variants[i];
		if (v->mem_bytes > view->state->mem_avail_mb * 1e6)
			continue;
		int t = fastest_threads(th, i, view->state, &ms);
		if (fastest < 0 || ms < fastest_ms) {
			fastest = i;
			fastest_ms = ms;
			fastest_t = t;
		}
		if (!v->has_top1 || ms * margin > budget_ms)
			continue;
		if (best < 0 || v->top1 > view->variants[best].top1 ||
		    (v->top1 == view->variants[best].top1 && ms < best_ms)) {
			best = i;
			best_ms = ms;
			best_t = t;
		}
	}
	if (best < 0 && fastest < 0) {
		for (int i = 0; i < view->n_variants; i++)
			if (fastest < 0 || view->variants[i].mem_bytes < view->variants[fastest].mem_bytes)
				fastest = i;
		fastest_t = fastest_threads(th, fastest, view->state, &ms);
	}
	struct adascale_decision d = {best >= 0 ? best : fastest, best >= 0 ? best_t : fastest_t, -1};
	return d;
}

Test(policies, greedy_chooses_as_defined_on_random_tables)
{
	unsigned long long x = 0x2545F4914F6CDD1Dull;
#define DRAW() (x ^= x << 13, x ^= x >> 7, x ^= x << 17, x)
	struct pol_choice c;
	struct errbuf eb = {0};
	cr_assert_eq(pol_resolve("greedy:margin=1.2", &c, &eb), 0, "%s", eb.msg);
	int fallbacks = 0, ties = 0;
	for (int trial = 0; trial < 400; trial++) {
		struct table_host th;
		struct adascale_variant vars[24];
		int n = 1 + (int)(DRAW() % 24);
		for (int i = 0; i < n; i++) {
			vars[i] = (struct adascale_variant){sizeof vars[i], "v", 1, 0, 1, 1, 1};
			vars[i].has_top1 = DRAW() % 5 != 0;
			vars[i].top1 = vars[i].has_top1 ? 60 + (double)(DRAW() % 6) : 0; /* many ties */
			vars[i].mem_bytes = (double)(DRAW() % 100) * 1e6;
			th.ref_ms[i][0] = 0;
			for (int t = 1; t <= 2; t++)
				th.ref_ms[i][t] = DRAW() % 6 == 0 ? 0 : 1 + (double)(DRAW() % 40);
		}
		struct table_host *thp = &th;
		struct adascale_host host = {sizeof host, thp, fake_log, fake_uniform, table_ms,
					     table_ms, table_has, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
		void *p;
		char err[256];
		cr_assert_eq(c.desc->create(&host, (const char *const *)c.values, &p, err, sizeof err),
			     0, "%s", err);
		for (int k = 0; k < 20; k++) {
			struct adascale_state st = {.size = sizeof st, .n_clusters = 1};
			st.max_freq_mhz[0] = 2000;
			st.freq_mhz[0] = 500 + (double)(DRAW() % 1501);
			st.online[0] = 2;
			st.mem_avail_mb = (double)(DRAW() % 110);
			st.t_ns = 1000000000 + (int64_t)(DRAW() % 30000000);
			struct adascale_queue q = {sizeof q, 1, 4, 1000000000, 33000000};
			struct adascale_view view = {sizeof view, &st, &q, vars, n, -1, 1, 2, 0, -1, {2}};
			struct adascale_decision d, want;
			cr_assert_eq(c.desc->decide(p, &view, &d), 0);
			want = greedy_by_definition(&th, &view, pol_budget_ms(&view), 1.2);
			cr_assert(d.variant == want.variant && d.threads == want.threads,
				  "trial %d state %d: greedy chose %d/%d, the definition %d/%d", trial,
				  k, d.variant, d.threads, want.variant, want.threads);
			fallbacks += !vars[d.variant].has_top1 || table_ms(thp, d.variant, d.threads, &st) *
									  1.2 > pol_budget_ms(&view);
			for (int i = 0; i < n; i++)
				ties += i != d.variant && vars[i].has_top1 &&
					vars[i].top1 == vars[d.variant].top1;
		}
		c.desc->destroy(p);
	}
#undef DRAW
	/* the draws reach both the accuracy search and the fallback, with ties */
	cr_assert_gt(fallbacks, 100);
	cr_assert_gt(ties, 100);
	pol_choice_free(&c);
}

/*
 * A run of the spin policy (tests/data/spin_policy.c) with PARAMS for duration_s on a
 * constant trace, where every request is served: one decision each.
 */
static struct run_output *spin_run(const char *params, double duration_s)
{
	static const char *so;
	if (!so)
		so = build_plugin("spin_policy", "", "spin_policy");
	char spec[1024];
	snprintf(spec, sizeof spec, "%s:%s", so, params);
	struct run_config c = base(tu_write("constant.csv", "time_s,util_other\n0,0\n"), spec);
	c.duration_s = duration_s;
	struct errbuf eb = {0};
	struct run_output *o = NULL;
	cr_assert_eq(run_execute(&c, &o, &eb), 0, "%s", eb.msg);
	cr_assert_eq(o->m.served, o->m.requests);
	return o;
}

/*
 * The host times decide on a tick counter converted by the monotonic clock over the run: a
 * policy that busy-waits 200 us per decision is measured at no less than that, and the
 * decisions' measured time adds up to no more than the run's wall time (a tick rate taken
 * wrongly would be off by the ratio of two clocks' rates; other load on the machine
 * inflates both sides alike).
 */
Test(policies, decide_time_is_measured_in_real_time)
{
	struct run_output *o = spin_run("us=200", 10);
	cr_assert_eq(o->m.served, 300);
	cr_assert_geq(o->decide_mean_us, 199, "decide mean %.1f us for a 200 us spin",
		      o->decide_mean_us);
	cr_assert_geq(o->decide_p99_us, 199, "decide p99 %.1f us", o->decide_p99_us);
	/* every served request was decided once */
	cr_assert_leq(o->decide_mean_us * (double)o->m.served, o->wall_s * 1e6,
		      "%lld decisions of %.1f us in a run of %.6f s", (long long)o->m.served,
		      o->decide_mean_us, o->wall_s);
	run_output_destroy(o);
}

/*
 * After the first 1,024 decisions only a random eighth are timed, each standing for eight:
 * a policy that spins 400 us on its first 1,024 decisions of 3,000 and not after is
 * measured at about 1,024 x 400 us in all (mean times decisions; the mean is the sampled
 * sum over the sampled count, so the total strays by the count's binomial spread, under 5%
 * at one standard deviation here: hence the bounds 0.8 and 1.5); unweighted samples would
 * more than double the total, past the run's own wall time.
 */
Test(policies, sampled_decide_times_stand_for_the_decisions_not_timed)
{
	struct run_output *o = spin_run("us=400,first=1024", 100);
	cr_assert_eq(o->m.served, 3000);
	double total_us = o->decide_mean_us * (double)o->m.served;
	cr_assert_geq(total_us, 1024 * 400 * 0.8, "%.0f us measured in all", total_us);
	cr_assert_leq(total_us, 1.5 * o->wall_s * 1e6, "%.0f us measured in a run of %.6f s",
		      total_us, o->wall_s);
	cr_assert_geq(o->decide_p99_us, 399, "p99 %.1f us: over a third of decisions spun",
		      o->decide_p99_us);
	run_output_destroy(o);
}

/* ---- plans: counted where the rest are alike, against simulating every request ---- */

#include "rng.h"

/* The plan simulated request by request, up to POL_PLAN_MAX requests: the reference. */
static double plan_every_request(const struct pol_plan *p, double switch_ms, double ms,
				 int *head_on, int *n_req)
{
	double period = p->period_ms > 0 ? p->period_ms : p->deadline_ms;
	int queued = p->queued > 0 ? p->queued : 1;
	double spacing = queued > 1 ? fmin(period, p->wait_ms / (queued - 1)) : period;
	double free_at = switch_ms, on_time = 0;
	int n = 0;
	*head_on = 0;
	for (long i = 0; n < POL_PLAN_MAX; i++) {
		double arrival = i < queued ? -p->wait_ms + (double)i * spacing
					    : -p->wait_ms + (queued - 1) * spacing +
						      (double)(i - queued + 1) * period;
		if (i > 0 && arrival >= p->horizon_ms)
			break;
		n++;
		if (isnan(ms))
			continue;
		double start = fmax(arrival, free_at);
		free_at = start + ms;
		double slack = p->deadline_ms - (free_at - arrival);
		double ok = slack >= 0;
		if (ok && i >= queued)
			ok = pol_ontime_chance(ms / period, p->arrival_cv2, ms, slack);
		on_time += ok;
		if (i == 0)
			*head_on = ok > 0;
	}
	*n_req = n;
	return on_time;
}

Test(policies, plans_count_what_simulating_every_request_counts)
{
	struct rng r;
	rng_init(&r, 7, "test-plans");
	int shortcuts = 0, overloads = 0, fails = 0;
	for (int k = 0; k < 20000; k++) {
		struct pol_plan p = {
			.wait_ms = rng_uniform(&r) < 0.3 ? 0 : 60 * rng_uniform(&r),
			.queued = 1 + (int)(rng_uniform(&r) * 5),
			.period_ms = rng_uniform(&r) < 0.1 ? 0 : 5 + 60 * rng_uniform(&r),
			.arrival_cv2 = rng_uniform(&r) < 0.5 ? 0 : 2 * rng_uniform(&r),
			.deadline_ms = 5 + 100 * rng_uniform(&r),
			.horizon_ms = rng_uniform(&r) < 0.02 ? 1e9 : 5000 * rng_uniform(&r),
		};
		double u = rng_uniform(&r);
		/* services on both sides of the period, exactly at it, and failing at once */
		double ms = u < 0.05 ? NAN : u < 0.1 ? (p.period_ms > 0 ? p.period_ms : p.deadline_ms)
					    : 1 + 120 * rng_uniform(&r);
		double sw = rng_uniform(&r) < 0.5 ? 0 : 200 * rng_uniform(&r);
		int head_a, head_b, n_a, n_b;
		double a = pol_plan_run(&p, sw, ms, &head_a, &n_a);
		double b = plan_every_request(&p, sw, ms, &head_b, &n_b);
		cr_assert_eq(n_a, n_b, "plan %d: %d requests against %d", k, n_a, n_b);
		cr_assert_eq(head_a, head_b, "plan %d: the head's outcome differs", k);
		if (p.arrival_cv2 == 0) /* whole requests: the same sum exactly */
			cr_assert(a == b, "plan %d: %.17g on time against %.17g", k, a, b);
		else /* the same chances, added in another order */
			cr_assert(fabs(a - b) <= 1e-9 * (1 + fabs(b)), "plan %d: %.17g against %.17g",
				  k, a, b);
		/* what the adascale policy's pruning rests on: no plan counts more than its
		   requests on time, and every plan of one view counts the same requests */
		cr_assert(a <= n_a, "plan %d: %.17g on time of %d", k, a, n_a);
		int head_c, n_c;
		pol_plan_run(&p, 0, 0.5 + 10 * rng_uniform(&r), &head_c, &n_c);
		cr_assert_eq(n_c, n_a, "plan %d: another service counts other requests", k);
		double period = p.period_ms > 0 ? p.period_ms : p.deadline_ms;
		shortcuts += n_b > p.queued + 3;
		overloads += ms > period && n_b > p.queued + 3;
		fails += isnan(ms);
	}
	/* the draws reach the counted stretches on both sides and the failures */
	cr_assert_gt(shortcuts, 5000);
	cr_assert_gt(overloads, 1000);
	cr_assert_gt(fails, 500);
}

/* The one variant a static run served (its index). */
static int served_variant(const struct run_output *o)
{
	int v = -1;
	for (int i = 0; i < o->n_variants; i++)
		if (o->variant_served[i]) {
			cr_assert_eq(v, -1, "a static run served two variants");
			v = i;
		}
	cr_assert_geq(v, 0, "nothing served");
	return v;
}

/*
 * static:variant=fit serves the most accurate variant that meets the deadline at idle: each
 * variant is run alone on an idle trace, and the most accurate of those whose slowest
 * request was within the deadline is the one fit chooses (at 2 and 6 ms, the host's
 * MobileNet V1 ladder at one thread).
 */
Test(policies, static_fit_serves_the_most_accurate_variant_within_the_deadline_at_idle,
     .timeout = 120)
{
	const char *idle = tu_write("idle.csv", "time_s,util_other\n0,0\n");
	static const double deadlines[] = {2, 6};
	for (int d = 0; d < 2; d++) {
		struct run_config c = base(idle, "static:variant=fit,threads=1");
		c.device = "devices/xeon-kvm-2vcpu.ini";
		c.deadline_ms = deadlines[d];
		c.duration_s = 1;
		struct errbuf eb = {0};
		struct run_output *fit = NULL;
		cr_assert_eq(run_execute(&c, &fit, &eb), 0, "%s", eb.msg);
		int chosen = served_variant(fit);
		int want = -1;
		double want_top1 = -1;
		for (int i = 0; i < fit->n_variants; i++) {
			char spec[64];
			snprintf(spec, sizeof spec, "static:variant=%d,threads=1", i);
			struct run_config ci = c;
			ci.policy = spec;
			struct run_output *o = NULL;
			cr_assert_eq(run_execute(&ci, &o, &eb), 0, "%s", eb.msg);
			/* the first request also loads the variant: the median is its idle time */
			int on_time = o->lat_q_ms[50] <= deadlines[d];
			if (on_time && o->has_top1 && o->m.mean_top1 > want_top1) {
				want_top1 = o->m.mean_top1;
				want = i;
			}
			run_output_destroy(o);
		}
		cr_assert_geq(want, 0, "no variant meets %g ms at idle", deadlines[d]);
		cr_expect_eq(chosen, want, "deadline %g ms: fit served %s, the most accurate within it "
					   "is %s (%.1f%%)",
			     deadlines[d], fit->variant_keys[chosen], fit->variant_keys[want], want_top1);
		run_output_destroy(fit);
	}
}

/* The variant static ran most (the only one, for a static run). */
static int used_variant(const struct run_output *o)
{
	int best = -1;
	for (int i = 0; i < o->n_variants; i++)
		if (o->variant_served[i] > 0 &&
		    (best < 0 || o->variant_served[i] > o->variant_served[best]))
			best = i;
	return best;
}

/* fastest among variants with equally few MACs (a network's fp32 and int8 forms): the one
   that runs faster alone at idle, as running each of them alone shows. */
Test(policies, static_fastest_breaks_a_tie_in_macs_by_the_time_at_idle)
{
	struct run_config c;
	run_config_defaults(&c);
	c.trace = tu_write("idle.csv", "time_s,util_other\n0,0\n");
	c.device = "devices/epyc-kvm-2vcpu.ini";
	c.model = "efficientnet_lite2";
	c.workload = "periodic:fps=5,service=det"; /* one at a time: latency is the inference */
	c.deadline_ms = 1000;
	c.duration_s = 2;
	struct errbuf eb = {0};
	double p50[2];
	char keys[2][160];
	for (int v = 0; v < 2; v++) {
		char pol[64];
		snprintf(pol, sizeof pol, "static:variant=%d", v);
		c.policy = pol;
		struct run_output *o = NULL;
		cr_assert_eq(run_execute(&c, &o, &eb), 0, "%s", eb.msg);
		p50[v] = o->lat_q_ms[50];
		snprintf(keys[v], sizeof keys[v], "%s", o->variant_keys[used_variant(o)]);
		run_output_destroy(o);
	}
	cr_assert_neq(p50[0], p50[1]);
	c.policy = "static:variant=fastest";
	struct run_output *o = NULL;
	cr_assert_eq(run_execute(&c, &o, &eb), 0, "%s", eb.msg);
	cr_assert_str_eq(o->variant_keys[used_variant(o)], keys[p50[1] < p50[0]],
			 "alone: %s %.3f ms, %s %.3f ms", keys[0], p50[0], keys[1], p50[1]);
	run_output_destroy(o);
}

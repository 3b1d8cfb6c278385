/*
 * profile.c: `adascale profile`: a model's variants timed on this machine with the agent's
 * library, the pass list for a device, or the check that kernel times add up to whole
 * passes (devices/profile.c). Not for profiling itself.
 */
#include "cmd.h"

#include <stdio.h>

#include "opt.h"
#include "profile.h"

static const char help[] =
	"usage: adascale profile MODEL [--ops \"width=... res=... quant=...\"] [--variants \"KEY ...\"]\n"
	"                        [--isolated] [--threads 1,2] [--backend auto|openblas|xnnpack]\n"
	"                        [--max-seconds S] [--min-runs N] [--warmup-ms MS] [--seed N]\n"
	"                        [-o timings.csv]\n"
	"       adascale profile MODEL --pass-list [--ops ...] [--variants ...] [-o passes.csv]\n"
	"       adascale profile --check [MODEL] [--timings F] [--ops ...] [--variants ...]\n"
	"                        [--threads 1,2] [--tolerance PCT] [--goal PCT] [--strict] [-o F]\n"
	"Profiles MODEL's variants on this machine with the agent's code: each kernel's time\n"
	"measured inside whole passes of the variants that have it (the default), or each\n"
	"unique kernel alone (--isolated, as adascale-agent profile KERNELS.csv). --pass-list\n"
	"writes the pass list instead, for adascale-agent profile on a device. --check times\n"
	"every variant's whole pass against the sum of its kernels in F (without --timings,\n"
	"profiled first); MODEL defaults to mobilenet_v1. -o and --out are the same.\n"
	"docs/agent.md has the details.\n";

static int parse_threads(const char *v, void *dst, char *why, size_t n)
{
	struct errbuf eb = {0};
	if (agent_parse_threads(v, dst, &eb) < 0) {
		snprintf(why, n, "%s", eb.msg);
		return -1;
	}
	return 0;
}

int cmd_profile(int argc, char **argv)
{
	static const struct opt_verb v = {"adascale", "profile", help};
	struct profile_args a;
	profile_args_defaults(&a);
	double warmup_ms = -1;
	const struct opt opts[] = {
		{.name = "ops", .type = OPT_STR, .dst = &a.ops},
		{.name = "variants", .type = OPT_STR, .dst = &a.variants},
		{.name = "timings", .type = OPT_STR, .dst = &a.timings},
		{.name = "check", .type = OPT_FLAG, .dst = &a.check},
		{.name = "pass-list", .type = OPT_FLAG, .dst = &a.pass_list},
		{.name = "isolated", .type = OPT_FLAG, .dst = &a.isolated},
		{.name = "strict", .type = OPT_FLAG, .dst = &a.strict},
		{.name = "threads", .type = OPT_FN, .dst = &a.p, .fn = parse_threads},
		{.name = "backend", .type = OPT_STR, .dst = &a.p.backend},
		{.name = "max-seconds", .type = OPT_DOUBLE, .dst = &a.p.m.max_seconds,
		 .min = 0.001, .max = 86400, .takes = "takes seconds in 0.001..86400"},
		{.name = "warmup-ms", .type = OPT_DOUBLE, .dst = &warmup_ms, .min = 0,
		 .max = 600000, .takes = "takes 0..600000"},
		{.name = "min-runs", .type = OPT_INT, .dst = &a.p.m.min_runs, .min = 1,
		 .max = 10000000, .takes = "takes 1..10000000"},
		{.name = "seed", .type = OPT_U64, .dst = &a.p.seed, .takes = "takes 0..2147483647"},
		{.name = "tolerance", .type = OPT_DOUBLE, .dst = &a.tolerance, .min = 1e-9,
		 .max = 1000, .takes = "takes a percentage"},
		{.name = "goal", .type = OPT_DOUBLE, .dst = &a.goal, .min = 0, .max = 100,
		 .takes = "takes a percentage"},
		{.name = "out", .short_name = 'o', .type = OPT_STR, .dst = &a.out},
		{.name = "output", .type = OPT_STR, .dst = &a.out},
		{0}};
	char *model[1];
	int n_pos, rc = opt_parse(&v, opts, argc, argv, model, 1, &n_pos);
	if (rc != OPT_OK)
		return opt_status(rc);
	if (a.p.seed > 0x7fffffffu)
		return opt_usage(&v, "--seed takes 0..2147483647");
	if (warmup_ms >= 0) {
		a.p.m.warmup_ms = warmup_ms;
		a.p.ramp_ms = warmup_ms < a.p.ramp_ms ? warmup_ms : a.p.ramp_ms;
	}
	a.model = n_pos ? model[0] : NULL;
	struct errbuf eb = {0};
	if (profile_args_check(&a, &eb) < 0)
		return opt_usage(&v, "%s", eb.msg);
	int missed;
	char goal_msg[256];
	rc = profile_model(&a, &missed, goal_msg, sizeof goal_msg, &eb);
	if (rc < 0)
		return cmd_fail(&eb, rc);
	if (missed) {
		/* the report is complete; the goal is what failed (--strict) */
		fprintf(stderr, "adascale: %s\n", goal_msg);
		return 1;
	}
	return 0;
}

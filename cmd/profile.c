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
		{"ops", 0, OPT_STR, &a.ops, 0, 0, NULL, NULL},
		{"variants", 0, OPT_STR, &a.variants, 0, 0, NULL, NULL},
		{"timings", 0, OPT_STR, &a.timings, 0, 0, NULL, NULL},
		{"check", 0, OPT_FLAG, &a.check, 0, 0, NULL, NULL},
		{"pass-list", 0, OPT_FLAG, &a.pass_list, 0, 0, NULL, NULL},
		{"isolated", 0, OPT_FLAG, &a.isolated, 0, 0, NULL, NULL},
		{"strict", 0, OPT_FLAG, &a.strict, 0, 0, NULL, NULL},
		{"threads", 0, OPT_FN, &a.p, 0, 0, parse_threads, NULL},
		{"backend", 0, OPT_STR, &a.p.backend, 0, 0, NULL, NULL},
		{"max-seconds", 0, OPT_DOUBLE, &a.p.m.max_seconds, 0.001, 86400, NULL,
		 "takes seconds in 0.001..86400"},
		{"warmup-ms", 0, OPT_DOUBLE, &warmup_ms, 0, 600000, NULL, "takes 0..600000"},
		{"min-runs", 0, OPT_INT, &a.p.m.min_runs, 1, 10000000, NULL, "takes 1..10000000"},
		{"seed", 0, OPT_U64, &a.p.seed, 0, 0, NULL, "takes 0..2147483647"},
		{"tolerance", 0, OPT_DOUBLE, &a.tolerance, 1e-9, 1000, NULL, "takes a percentage"},
		{"goal", 0, OPT_DOUBLE, &a.goal, 0, 100, NULL, "takes a percentage"},
		{"out", 'o', OPT_STR, &a.out, 0, 0, NULL, NULL},
		{"output", 0, OPT_STR, &a.out, 0, 0, NULL, NULL},
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

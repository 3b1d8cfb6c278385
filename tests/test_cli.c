/*
 * test_cli.c: the built `adascale` binary as a user runs it: exit statuses (0 ok, 2 bad
 * input), file:line messages, and a database that gets nothing from a failed run.
 * The binaries are taken from $ADASCALE_BUILD (the Makefile sets it), default build/.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static char out[65536];

static int adascale(const char *args)
{
	char cmd[4096];
	snprintf(cmd, sizeof cmd, "%s/adascale %s", tu_bin(), args);
	return tu_run(cmd, out, sizeof out);
}

static long count_runs(const char *db)
{
	char cmd[1024], buf[256];
	snprintf(cmd, sizeof cmd, "sqlite3 %s 'SELECT count(*) FROM runs' 2>/dev/null || echo -1", db);
	tu_run(cmd, buf, sizeof buf);
	return strtol(buf, NULL, 10);
}

#define RUN_ARGS "run --device devices/xeon-kvm-2vcpu.ini --timings devices/xeon-kvm-2vcpu/timings.csv " \
		 "--model mobilenet_v1 --deadline-ms 33 "

Test(cli, run_stores_one_row_and_bad_input_stores_nothing)
{
	char args[2048];
	const char *db = tu_write("r.db", "");
	remove(db);
	const char *good = tu_write("good.csv", "time_s,util_other\n0,0\n2,0.5\n4,0\n");
	snprintf(args, sizeof args, RUN_ARGS "--policy greedy --trace %s --db %s", good, db);
	cr_assert_eq(adascale(args), 0, "%s", out);
	cr_assert(tu_has(out, "run 1: greedy"), "%s", out);
	cr_assert_eq(count_runs(db), 1);

	const char *bad = tu_write("bad.csv", "time_s,util_other\n0,0\n2,0.5\n1,0\n");
	snprintf(args, sizeof args, RUN_ARGS "--policy greedy --trace %s --db %s", bad, db);
	cr_assert_eq(adascale(args), 2, "%s", out);
	cr_assert(tu_has(out, "bad.csv:4: time goes backwards"), "%s", out);
	cr_assert_eq(count_runs(db), 1, "a failed run must leave the database as it was");

	snprintf(args, sizeof args, RUN_ARGS "--policy greedy:nope=1 --trace %s --db %s", good, db);
	cr_assert_eq(adascale(args), 2, "%s", out);
	cr_assert(tu_has(out, "unknown parameter 'nope'"), "%s", out);
	cr_assert_eq(count_runs(db), 1);
}

Test(cli, usage_errors_exit_2)
{
	cr_assert_eq(adascale("run --trace x.csv"), 2);
	cr_assert(tu_has(out, "--device is required"), "%s", out);
	cr_assert_eq(adascale("frobnicate"), 2);
	cr_assert(tu_has(out, "unknown verb 'frobnicate'"), "%s", out);
	cr_assert_eq(adascale("run --trace x --device y --model z --db w --seed -3"), 2);
}

Test(cli, policies_lists_builtins_with_parameters)
{
	cr_assert_eq(adascale("policies"), 0);
	cr_assert(tu_has(out, "static"), "%s", out);
	cr_assert(tu_has(out, "greedy"), "%s", out);
	cr_assert(tu_has(out, "margin=1.0"), "%s", out);
}

/* Timings derived for an unprofiled device say so in the run's summary and in the database. */
Test(cli, derived_timings_are_labelled_in_the_summary_and_the_store)
{
	char args[2048], cmd[1024], buf[256];
	const char *tim = tu_write("rk3399-timings.csv", "");
	const char *db = tu_write("derived.db", "");
	remove(db);
	snprintf(args, sizeof args, "derive --from devices/xeon-kvm-2vcpu.ini --to devices/rk3399.ini -o %s",
		 tim);
	cr_assert_eq(adascale(args), 0, "%s", out);
	const char *trace = tu_write("flat.csv", "time_s,util_other\n0,0\n2,0\n");
	snprintf(args, sizeof args,
		 "run --device devices/rk3399.ini --timings %s --model mobilenet_v1 "
		 "--deadline-ms 100 --policy greedy --trace %s --db %s",
		 tim, trace, db);
	cr_assert_eq(adascale(args), 0, "%s", out);
	cr_assert(tu_has(out, "(derived timings: not measured on this device)"), "%s", out);
	snprintf(cmd, sizeof cmd, "sqlite3 %s 'SELECT timings_derived FROM runs'", db);
	tu_run(cmd, buf, sizeof buf);
	cr_assert_eq(atoi(buf), 1, "%s", buf);

	/* measured timings carry no such label */
	snprintf(args, sizeof args, RUN_ARGS "--policy greedy --trace %s --db %s", trace, db);
	cr_assert_eq(adascale(args), 0, "%s", out);
	cr_assert(!tu_has(out, "derived timings"), "%s", out);
}

/*
 * Every bundled phone or board whose big cores have a sourced FLOPs-per-cycle figure can be
 * derived for, and runs on what it gets; mt8183 (Cortex-A73, no figure) is refused naming
 * the key.
 */
Test(cli, derive_serves_every_device_with_a_sourced_peak)
{
	static const char *const ok[] = {"pixel3", "pixel6", "rk3399"};
	char args[2048];
	const char *trace = tu_write("flat.csv", "time_s,util_other\n0,0\n2,0\n");
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
		char name[64];
		snprintf(name, sizeof name, "%s-timings.csv", ok[i]);
		const char *tim = tu_scratch(name);
		snprintf(args, sizeof args, "derive --from devices/xeon-kvm-2vcpu.ini --to devices/%s.ini -o %s",
			 ok[i], tim);
		cr_assert_eq(adascale(args), 0, "%s: %s", ok[i], out);
		snprintf(name, sizeof name, "%s.db", ok[i]);
		snprintf(args, sizeof args,
			 "run --device devices/%s.ini --timings %s --model mobilenet_v1 "
			 "--deadline-ms 100 --policy greedy --trace %s --db %s",
			 ok[i], tim, trace, tu_scratch(name));
		cr_assert_eq(adascale(args), 0, "%s: %s", ok[i], out);
		cr_assert(tu_has(out, "(derived timings: not measured on this device)"), "%s", out);
	}
	snprintf(args, sizeof args, "derive --from devices/xeon-kvm-2vcpu.ini --to devices/mt8183.ini -o %s",
		 tu_scratch("mt8183-timings.csv"));
	cr_assert_eq(adascale(args), 2, "%s", out);
	cr_assert(tu_has(out, "flops_per_cycle"), "%s", out);
}

/* ---- the command layer: one table of verbs, one option parser ---- */

#include "cmd.h"

/* Every verb of the table answers --help on stdout with exit 0, and `adascale --help` names it. */
Test(cli, every_verb_answers_help_and_the_top_help_lists_it)
{
	static char top[65536];
	cr_assert_eq(adascale("--help"), 0, "%s", out);
	snprintf(top, sizeof top, "%s", out);
	int n = 0;
	for (const struct cmd_verb *v = cmd_verbs; v->name; v++, n++) {
		char args[256], line[256];
		snprintf(args, sizeof args, "%s --help 2>/dev/null", v->name);
		cr_expect_eq(adascale(args), 0, "%s --help: %s", v->name, out);
		cr_expect(tu_has(out, "usage: adascale") && tu_has(out, v->name), "%s --help: %s",
			  v->name, out);
		snprintf(line, sizeof line, "  adascale %s", v->name);
		cr_expect(tu_has(top, line), "adascale --help does not list %s", v->name);
	}
	/* the verbs the README documents, profile among them */
	static const char *const documented[] = {"variants", "kernels", "evolve", "profile",
						 "derive", "trace", "run", "sweep", "merge",
						 "report", "compare", "policies"};
	for (size_t i = 0; i < sizeof documented / sizeof documented[0]; i++) {
		int found = 0;
		for (const struct cmd_verb *v = cmd_verbs; v->name; v++)
			found |= strcmp(v->name, documented[i]) == 0;
		cr_expect(found, "%s is not in the table of verbs", documented[i]);
	}
	static const char *const subs[] = {"check", "gen", "import", "plot"};
	for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
		char args[256];
		snprintf(args, sizeof args, "trace %s --help 2>/dev/null", subs[i]);
		cr_expect_eq(adascale(args), 0, "trace %s --help: %s", subs[i], out);
	}
}

/* --opt=value and --opt value are the same everywhere; -o and --out too. */
Test(cli, option_spellings_are_equivalent, .timeout = 60 * TU_SLOW)
{
	static char a[65536];
	cr_assert_eq(adascale("variants mobilenet_v1 --format=csv --ops='width=1,0.5 res=224'"), 0,
		     "%s", out);
	snprintf(a, sizeof a, "%s", out);
	cr_assert_eq(adascale("variants --format csv mobilenet_v1 --ops 'width=1,0.5 res=224'"), 0,
		     "%s", out);
	cr_expect_str_eq(out, a);
	cr_assert(tu_has(a, "mobilenet_v1:width=0.5,res=224"), "%s", a);

	/* `evolve --out=DIR` is taken: the error is the bad --threads, not the spelling */
	cr_assert_eq(adascale("evolve --out=/nonexistent/x --threads=0"), 2, "%s", out);
	cr_expect(tu_has(out, "--threads '0' takes 1..16"), "%s", out);
	cr_assert_eq(adascale("evolve --out /nonexistent/x --threads 0"), 2, "%s", out);
	cr_expect(tu_has(out, "--threads '0' takes 1..16"), "%s", out);

	const char *t = tu_write("spell.csv", "time_s,util_other\n0,0\n1,0.5\n");
	char args[2048], o1[512], o2[512];
	snprintf(o1, sizeof o1, "%s", tu_scratch("spell-a.csv"));
	snprintf(o2, sizeof o2, "%s", tu_scratch("spell-b.csv"));
	snprintf(args, sizeof args, "trace gen thermal --seed=3 --duration-s=20 -o %s", o1);
	cr_assert_eq(adascale(args), 0, "%s", out);
	snprintf(args, sizeof args, "trace gen thermal --seed 3 --duration-s 20 --out=%s", o2);
	cr_assert_eq(adascale(args), 0, "%s", out);
	snprintf(args, sizeof args, "cmp %s %s", o1, o2);
	cr_expect_eq(tu_run(args, out, sizeof out), 0, "-o and --out= wrote different traces");
	(void)t;

	/* one message shape for every usage error, exit 2 */
	cr_assert_eq(adascale("sweep --jobs=0 x.ini"), 2);
	cr_expect(tu_has(out, "adascale sweep: --jobs '0' takes a count in 1..4096 (adascale "
			      "sweep --help)"), "%s", out);
	cr_assert_eq(adascale("merge --bogus a.db b.db"), 2);
	cr_expect(tu_has(out, "adascale merge: unknown option '--bogus'"), "%s", out);
	cr_assert_eq(adascale("report --db"), 2);
	cr_expect(tu_has(out, "adascale report: --db needs a value"), "%s", out);
}

/*
 * policy_tables.c: prints the tables of measured numbers in docs/policies.md ("Measured
 * results"), from the current build, so that the doc can be refreshed whenever the code, the
 * timings or the scenarios change. It runs the same scenarios, policies, ablations, deadlines
 * and scoring plugin (tests/data/score_wrap.c, which it loads) as tests/test_policies.c and
 * prints Markdown. Built and run from the repository root, after `make` (docs/policies.md has
 * the commands):
 *
 *   policy_tables BUILD/score_wrap.so
 *
 * Every number comes from the simulation except the decide CPU times, which are measured
 * (thread CPU clock) and so vary from run to run and machine to machine.
 * Not a test: it asserts nothing (tests/test_policies.c does), and not part of adascale.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "run.h"
#include "score_wrap.h"

#define DEVICE "tests/data/dvfs2.ini"

static const char *wrap_so;
static struct tpol_score tally;

/* Called by the scoring plugin when a run ends (this program is linked with -rdynamic). */
void tpol_tally(const struct tpol_score *s);

void tpol_tally(const struct tpol_score *s) { tally = *s; }

struct row {
	struct metrics m;
	struct tpol_score s;
	double objective;
	double decide_us;
};

/* Runs INNER ("NAME;k=v") on TRACE through the scoring plugin; exits on failure. */
static struct row measure(const char *trace, const char *inner, const char *extra,
			  double deadline_ms, const char *workload)
{
	char spec[1024];
	snprintf(spec, sizeof spec, "%s:inner=%s%s%s", wrap_so, inner, extra ? "," : "",
		 extra ? extra : "");
	struct run_config c;
	run_config_defaults(&c);
	c.trace = trace;
	c.device = DEVICE;
	c.model = "mobilenet_v1";
	c.policy = spec;
	c.deadline_ms = deadline_ms;
	/* the profiled median: the tables show each mechanism where planning is exact */
	c.workload = workload ? workload : "periodic:fps=30,service=det";
	struct errbuf eb = {0};
	struct run_output *o = NULL;
	memset(&tally, 0, sizeof tally);
	if (run_execute(&c, &o, &eb) != 0) {
		fprintf(stderr, "adascale: %s on %s: %s\n", inner, trace, eb.msg);
		exit(err_exit_status(eb.code));
	}
	struct row r = {o->m, tally, tally.ontime_top1 / (double)o->m.requests,
			o->decide_mean_us};
	run_output_destroy(o);
	return r;
}

static const char *const policies[] = {
	"static;variant=best", "static;variant=fastest", "greedy",
	"reactive",            "hysteresis",             "adascale",
	"adascale;forecast=0", "adascale;feedback=0",    "adascale;pareto=0",
	"adascale;switchcost=0", "oracle",
};
#define N_POLICIES ((int)(sizeof policies / sizeof policies[0]))

static const struct {
	const char *name, *trace;
} scenarios[] = {
	{"slowdown", "tests/data/slowdown.csv"},
	{"ramp", "tests/data/ramp.csv"},
	{"flapping", "tests/data/flapping.csv"},
};
#define N_SCENARIOS ((int)(sizeof scenarios / sizeof scenarios[0]))

/* "adascale;forecast=0" -> "adascale:forecast=0" */
static const char *display(const char *inner)
{
	static char buf[256];
	snprintf(buf, sizeof buf, "%s", inner);
	int first = 1;
	for (char *p = buf; *p; p++)
		if (*p == ';') {
			*p = first ? ':' : ',';
			first = 0;
		}
	return buf;
}

static double miss_pct(const struct row *r) { return 100 * r->m.miss_rate; }

static void main_tables(void)
{
	for (int k = 0; k < N_SCENARIOS; k++) {
		struct row r[N_POLICIES];
		double best = -1;
		for (int i = 0; i < N_POLICIES; i++) {
			r[i] = measure(scenarios[k].trace, policies[i], NULL, 33, NULL);
			if (r[i].objective > best)
				best = r[i].objective;
		}
		printf("**%s** (%lld requests)\n\n", scenarios[k].name, (long long)r[0].m.requests);
		printf("| policy | miss %% | late | failed | top-1 %% | objective | mJ/inf | "
		       "switches | pred./dec. |\n");
		printf("| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
		for (int i = 0; i < N_POLICIES; i++) {
			char obj[32];
			snprintf(obj, sizeof obj, r[i].objective == best ? "**%.2f**" : "%.2f",
				 r[i].objective);
			printf("| `%s` | %.2f | %lld | %lld | %.2f | %s | %.1f | %lld | %.0f |\n",
			       display(policies[i]), miss_pct(&r[i]),
			       (long long)r[i].m.deadline_misses, (long long)r[i].m.failures,
			       r[i].m.mean_top1, obj, r[i].m.energy_per_inf_mj,
			       (long long)r[i].m.switches,
			       r[i].s.decisions ? (double)r[i].s.predictions / (double)r[i].s.decisions
						: 0.0);
		}
		printf("\n");
	}
}

/* "N late (P%), F failed, S switches, objective O" */
static void outcome(const char *label, const struct row *r)
{
	printf("%s%lld late (%.2f%%), %lld failed, %lld switches, objective %.2f", label,
	       (long long)r->m.deadline_misses, miss_pct(r), (long long)r->m.failures,
	       (long long)r->m.switches, r->objective);
}

static void ablation(const char *what, const char *trace, const char *on, const char *off,
		     const char *extra)
{
	struct row a = measure(trace, on, extra, 33, NULL);
	struct row b = measure(trace, off, extra, 33, NULL);
	printf("- %s on %s%s%s: ", what, trace, extra ? " with " : "", extra ? extra : "");
	outcome("on ", &a);
	outcome("; off ", &b);
	printf("\n");
}

static void ablations(void)
{
	printf("Ablations (33 ms):\n\n");
	ablation("forecast", "tests/data/ramp.csv", "adascale", "adascale;forecast=0",
		 "sense_ms=100");
	ablation("forecast", "tests/data/ramp.csv", "adascale", "adascale;forecast=0", NULL);
	ablation("forecast", "tests/data/slowdown.csv", "adascale", "adascale;forecast=0", NULL);
	ablation("forecast", "tests/data/flapping.csv", "adascale", "adascale;forecast=0", NULL);
	ablation("feedback", "tests/data/slowdown.csv", "adascale", "adascale;feedback=0",
		 "profile=0.5");
	ablation("feedback", "tests/data/slowdown.csv", "adascale", "adascale;feedback=0",
		 "profile=2");
	ablation("switchcost", "tests/data/flapping.csv", "adascale", "adascale;switchcost=0",
		 NULL);
	/* decide times are measured: the range over a few runs, taken in turn */
	double us[2][2] = {{1e300, 0}, {1e300, 0}};
	struct row on, off;
	for (int i = 0; i < 5; i++) {
		on = measure("tests/data/slowdown.csv", "adascale", NULL, 33, NULL);
		off = measure("tests/data/slowdown.csv", "adascale;pareto=0", NULL, 33, NULL);
		const struct row *r[2] = {&on, &off};
		for (int k = 0; k < 2; k++) {
			us[k][0] = r[k]->decide_us < us[k][0] ? r[k]->decide_us : us[k][0];
			us[k][1] = r[k]->decide_us > us[k][1] ? r[k]->decide_us : us[k][1];
		}
	}
	printf("- pareto on slowdown: on '%s', %.1f pred./dec., decide %.1f-%.1f us; off '%s', "
	       "%.1f pred./dec., decide %.1f-%.1f us; same run: %s\n",
	       on.s.log, (double)on.s.predictions / (double)on.s.decisions, us[0][0], us[0][1],
	       off.s.log, (double)off.s.predictions / (double)off.s.decisions, us[1][0], us[1][1],
	       memcmp(&on.m, &off.m, sizeof on.m) == 0 ? "yes" : "no");
	printf("\nOthers on the ablation scenarios:\n\n");
	static const char *const others[] = {"greedy", "reactive", "hysteresis", "oracle"};
	for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
		struct row a = measure("tests/data/ramp.csv", others[i], "sense_ms=100", 33, NULL);
		struct row b = measure("tests/data/slowdown.csv", others[i], "profile=0.5", 33,
				       NULL);
		printf("- %s: ", others[i]);
		outcome("ramp, sense_ms=100: ", &a);
		outcome("; slowdown, profile=0.5: ", &b);
		printf("\n");
	}
}

static void deadlines(void)
{
	static const double dl[] = {20, 50, 100};
	printf("\nThe oracle against the best other policy at other deadlines:\n\n");
	printf("| scenario | deadline | oracle | best other | which | oracle >= |\n"
	       "| --- | --- | --- | --- | --- | --- |\n");
	for (int k = 0; k < N_SCENARIOS; k++)
		for (size_t d = 0; d < sizeof dl / sizeof dl[0]; d++) {
			struct row o = measure(scenarios[k].trace, "oracle", NULL, dl[d], NULL);
			double best = -1;
			int who = 0;
			for (int i = 0; i < N_POLICIES - 1; i++) {
				struct row r = measure(scenarios[k].trace, policies[i], NULL, dl[d],
						       NULL);
				if (r.objective > best) {
					best = r.objective;
					who = i;
				}
			}
			printf("| %s | %.0f ms | %.3f | %.3f | `%s` | %s |\n", scenarios[k].name,
			       dl[d], o.objective, best, display(policies[who]),
			       o.objective >= best ? "yes" : "NO");
		}
}

static void poisson(void)
{
	printf("\nPoisson arrivals (rate 30/s) on slowdown, 33 ms:\n\n");
	for (int i = 0; i < N_POLICIES; i++) {
		struct row r = measure("tests/data/slowdown.csv", policies[i], NULL, 33,
				       "poisson:rate=30,service=det");
		printf("- `%s`: objective %.2f, %lld late, %lld dropped, %lld failed\n",
		       display(policies[i]), r.objective, (long long)r.m.deadline_misses,
		       (long long)r.m.dropped, (long long)r.m.failures);
	}
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "adascale: usage: policy_tables PATH/score_wrap.so\n");
		return 2;
	}
	wrap_so = argv[1];
	main_tables();
	ablations();
	deadlines();
	poisson();
	return 0;
}

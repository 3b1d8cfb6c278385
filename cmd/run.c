/*
 * run.c: `adascale run`: one simulated run, simulated in a child process (the sandbox) and
 * stored in one transaction, with what SIGINT and SIGTERM do meanwhile. Not for the
 * simulation (sim/run.c) nor the store (store/store.c).
 */
#include "cmd.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "contain.h"
#include "opt.h"
#include "run.h"
#include "store.h"

static const char help[] =
	"usage: adascale run --trace FILE --device FILE --model NAME --policy SPEC --db FILE\n"
	"                    [--seed N] [--timings FILE] [--ops \"width=... res=... quant=...\"]\n"
	"                    [--workload periodic:fps=F|poisson:rate=R|file:ARRIVALS.csv]\n"
	"                    [--deadline-ms MS|auto:F]\n"
	"                    [--queue N] [--drop newest|oldest] [--duration-s S] [--tag T]\n"
	"                    [--detail timeline|requests|timeline,requests]\n"
	"                    [--decide-timeout-s S] [--physics replay|closed]\n"
	"Replays the trace on the device with the model's variants under the policy and stores\n"
	"the run (one transaction) in the database. SPEC: NAME[:k=v,...] or\n"
	"path/to/plugin.so[:NAME][:k=v,...]; `adascale policies` lists them. The simulation\n"
	"runs in a child process: a policy that crashes, or stays in one call longer than\n"
	"--decide-timeout-s (default 10 s of wall time, 0: no limit), fails the run (exit 1)\n"
	"with the reason, and nothing is stored. --physics closed makes the temperature and the\n"
	"frequency caps follow from the power the run draws, through the device's [thermal]\n"
	"network and governor (docs/physics.md); replay, the default, takes them from the trace.\n"
	"--deadline-ms auto:F sets the deadline to F\n"
	"times the most accurate variant's predicted idle latency (top frequency, no load,\n"
	"its fastest thread count); the run stores the resolved milliseconds and the rule.\n";

/*
 * SIGINT and SIGTERM during `adascale run`: the handler raises a flag in shared memory (the
 * simulation runs in a child process, which sees it too); the run stops at its next event,
 * a store in progress is rolled back, and the command says that nothing was stored.
 */
static volatile sig_atomic_t *run_stop;

static void on_run_signal(int sig)
{
	if (run_stop)
		*run_stop = sig;
}

static void run_catch_signals(struct run_config *c)
{
	void *p = mmap(NULL, sizeof *run_stop, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		       -1, 0);
	if (p == MAP_FAILED)
		return; /* the signals keep their default action: the process ends, storing nothing */
	run_stop = p;
	c->stop = run_stop;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_run_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static int run_interrupted(struct run_output *out)
{
	run_output_destroy(out);
	int sig = run_stop ? (int)*run_stop : SIGTERM;
	fprintf(stderr, "adascale: interrupted by %s: nothing was stored\n",
		sig == SIGINT ? "SIGINT" : "SIGTERM");
	return err_exit_status(ERR_INTERRUPTED);
}

static int parse_drop(const char *v, void *dst, char *why, size_t n)
{
	(void)why;
	(void)n;
	if (strcmp(v, "newest") && strcmp(v, "oldest"))
		return -1;
	*(int *)dst = v[0] == 'o';
	return 0;
}

static int parse_physics(const char *v, void *dst, char *why, size_t n)
{
	(void)why;
	(void)n;
	if (strcmp(v, "replay") && strcmp(v, "closed"))
		return -1;
	*(int *)dst = v[0] == 'c' ? RUN_PHYSICS_CLOSED : RUN_PHYSICS_REPLAY;
	return 0;
}

static int parse_detail(const char *v, void *dst, char *why, size_t n)
{
	struct run_config *c = dst;
	char buf[256];
	(void)why;
	(void)n;
	snprintf(buf, sizeof buf, "%s", v);
	for (char *save, *d = strtok_r(buf, ",", &save); d; d = strtok_r(NULL, ",", &save)) {
		if (strcmp(d, "timeline") == 0)
			c->timeline = 1;
		else if (strcmp(d, "requests") == 0)
			c->requests = 1;
		else
			return -1;
	}
	return 0;
}

static int parse_deadline(const char *v, void *dst, char *why, size_t n)
{
	struct run_config *c = dst;
	return run_deadline_parse(v, &c->deadline_ms, &c->deadline_auto, why, n);
}

static void print_summary(const struct run_config *c, const struct run_output *out, int64_t id)
{
	const struct metrics *m = &out->m;
	printf("run %lld: %s on %s: %lld requests, %lld served, %lld dropped, %lld failed, "
	       "%lld late (miss rate %.1f%%)",
	       (long long)id, out->policy_name, c->trace, (long long)m->requests,
	       (long long)m->served, (long long)m->dropped, (long long)m->failures,
	       (long long)m->deadline_misses, 100 * m->miss_rate);
	if (out->has_ontime_top1)
		printf(", on-time top-1 %.1f%%", m->ontime_top1);
	if (out->has_latency)
		printf(", p95 %.1f ms", m->lat_p95_ms);
	if (out->has_top1)
		printf(", served top-1 %.1f%%", m->mean_top1);
	printf(", %.2f mJ/inference, %lld switches%s", m->energy_per_inf_mj,
	       (long long)m->switches,
	       out->timings_derived ? " (derived timings: not measured on this device)" : "");
	/* what the run rests on (the contention model, the work's draw) and what it left out */
	if (out->notes[0])
		printf("; %s", out->notes);
	printf("\n");
}

int cmd_run(int argc, char **argv)
{
	static const struct opt_verb v = {"adascale", "run", help};
	struct run_config c;
	run_config_defaults(&c);
	const char *db = NULL;
	double decide_timeout_s = CONTAIN_DECIDE_TIMEOUT_S;
	const struct opt opts[] = {
		{.name = "trace", .short_name = 't', .type = OPT_STR, .dst = &c.trace},
		{.name = "device", .short_name = 'd', .type = OPT_STR, .dst = &c.device},
		{.name = "model", .short_name = 'm', .type = OPT_STR, .dst = &c.model},
		{.name = "policy", .short_name = 'p', .type = OPT_STR, .dst = &c.policy},
		{.name = "db", .type = OPT_STR, .dst = &db},
		{.name = "seed", .short_name = 's', .type = OPT_U64, .dst = &c.seed,
		 .takes = "takes a non-negative integer"},
		{.name = "timings", .type = OPT_STR, .dst = &c.timings},
		{.name = "ops", .type = OPT_STR, .dst = &c.ops},
		{.name = "workload", .short_name = 'w', .type = OPT_STR, .dst = &c.workload},
		{.name = "deadline-ms", .type = OPT_FN, .dst = &c, .fn = parse_deadline,
		 .takes = "takes milliseconds or auto:F"},
		{.name = "queue", .type = OPT_INT, .dst = &c.queue_cap, .min = 1, .max = 1000000,
		 .takes = "takes a count in 1..1000000"},
		{.name = "drop", .type = OPT_FN, .dst = &c.drop_oldest, .fn = parse_drop,
		 .takes = "takes newest or oldest"},
		{.name = "physics", .type = OPT_FN, .dst = &c.physics, .fn = parse_physics,
		 .takes = "takes replay or closed"},
		{.name = "duration-s", .type = OPT_DOUBLE, .dst = &c.duration_s,
		 .takes = "takes a number"},
		{.name = "tag", .type = OPT_STR, .dst = &c.tag},
		{.name = "detail", .type = OPT_FN, .dst = &c, .fn = parse_detail,
		 .takes = "takes timeline, requests or both (timeline,requests)"},
		{.name = "decide-timeout-s", .type = OPT_DOUBLE, .dst = &decide_timeout_s,
		 .min = 0, .max = 1e7, .takes = "takes seconds in [0, 1e7] (0: no limit)"},
		{0}};
	int n_pos, rc = opt_parse(&v, opts, argc, argv, NULL, 0, &n_pos);
	if (rc != OPT_OK)
		return opt_status(rc);
	const char *missing = !c.trace ? "--trace" : !c.device ? "--device" : !c.model ? "--model"
			      : !db ? "--db" : NULL;
	if (missing)
		return opt_usage(&v, "%s is required", missing);
	run_catch_signals(&c);
	struct errbuf eb = {0};
	struct run_output *out = NULL;
	rc = contain_run(&c, decide_timeout_s, &out, &eb);
	if (run_stop && *run_stop)
		return run_interrupted(out);
	if (rc < 0)
		return cmd_fail(&eb, rc);
	struct store *s = store_open(db, &eb);
	if (!s) {
		if (run_stop && *run_stop)
			return run_interrupted(out);
		run_output_destroy(out);
		return cmd_fail(&eb, eb.code);
	}
	store_set_stop(s, run_stop);
	int64_t id = 0;
	c.deadline_ms = out->deadline_ms; /* auto:F resolved; the config keeps the rule */
	rc = store_insert_run(s, &c, out, &id, &eb);
	store_close(s);
	if (rc == ERR_INTERRUPTED && run_stop && *run_stop)
		return run_interrupted(out);
	if (rc < 0) {
		run_output_destroy(out);
		return cmd_fail(&eb, rc);
	}
	print_summary(&c, out, id);
	run_output_destroy(out);
	return 0;
}

/*
 * main.c: the `adascale` command: dispatches verbs to the modules that implement them and
 * turns their error codes into messages and exit statuses (0 ok, 1 failure, 2 bad input).
 * Not for any logic of its own beyond option parsing.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "compare.h"
#include "contain.h"
#include "derive.h"
#include "err.h"
#include "evolve.h"
#include "merge.h"
#include "models_cli.h"
#include "num.h"
#include "profile_cmd.h"
#include "registry.h"
#include "report.h"
#include "run.h"
#include "store.h"
#include "sweep.h"
#include "traces_cli.h"

static int fail(const struct errbuf *eb, int code)
{
	fprintf(stderr, "adascale: %s\n", eb->msg[0] ? eb->msg : err_msg(code));
	return err_exit_status(code);
}

static int usage_error(const char *verb, const char *what)
{
	fprintf(stderr, "adascale %s: %s (adascale %s --help)\n", verb, what, verb);
	return 2;
}

static const char run_help[] =
	"usage: adascale run --trace FILE --device FILE --model NAME --policy SPEC --db FILE\n"
	"                    [--seed N] [--timings FILE] [--ops \"width=... res=... quant=...\"]\n"
	"                    [--workload periodic:fps=F|poisson:rate=R|file:ARRIVALS.csv]\n"
	"                    [--deadline-ms MS]\n"
	"                    [--queue N] [--drop newest|oldest] [--duration-s S] [--tag T]\n"
	"                    [--detail timeline|requests|timeline,requests]\n"
	"                    [--decide-timeout-s S]\n"
	"Replays the trace on the device with the model's variants under the policy and stores\n"
	"the run (one transaction) in the database. SPEC: NAME[:k=v,...] or\n"
	"path/to/plugin.so[:NAME][:k=v,...]; `adascale policies` lists them. The simulation\n"
	"runs in a child process: a policy that crashes, or stays in one call longer than\n"
	"--decide-timeout-s (default 10 s of wall time, 0: no limit), fails the run (exit 1)\n"
	"with the reason, and nothing is stored.\n";

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

static int cmd_run(int argc, char **argv)
{
	struct run_config c;
	run_config_defaults(&c);
	run_catch_signals(&c);
	const char *db = NULL;
	static const struct option opts[] = {
		{"trace", required_argument, 0, 't'},   {"device", required_argument, 0, 'd'},
		{"model", required_argument, 0, 'm'},   {"policy", required_argument, 0, 'p'},
		{"db", required_argument, 0, 'b'},      {"seed", required_argument, 0, 's'},
		{"timings", required_argument, 0, 'T'}, {"ops", required_argument, 0, 'o'},
		{"workload", required_argument, 0, 'w'}, {"deadline-ms", required_argument, 0, 'D'},
		{"queue", required_argument, 0, 'q'},   {"drop", required_argument, 0, 'r'},
		{"duration-s", required_argument, 0, 'u'}, {"tag", required_argument, 0, 'g'},
		{"detail", required_argument, 0, 'e'},  {"help", no_argument, 0, 'h'},
		{"decide-timeout-s", required_argument, 0, 'W'},
		{0, 0, 0, 0}};
	double decide_timeout_s = CONTAIN_DECIDE_TIMEOUT_S;
	int ch;
	double x;
	uint64_t u;
	long l;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 't': c.trace = optarg; break;
		case 'd': c.device = optarg; break;
		case 'm': c.model = optarg; break;
		case 'p': c.policy = optarg; break;
		case 'b': db = optarg; break;
		case 'T': c.timings = optarg; break;
		case 'o': c.ops = optarg; break;
		case 'w': c.workload = optarg; break;
		case 'g': c.tag = optarg; break;
		case 's':
			if (num_u64(optarg, &u) < 0)
				return usage_error("run", "--seed takes a non-negative integer");
			c.seed = u;
			break;
		case 'D':
			if (num_double(optarg, &x) < 0)
				return usage_error("run", "--deadline-ms takes a number");
			c.deadline_ms = x;
			break;
		case 'u':
			if (num_double(optarg, &x) < 0)
				return usage_error("run", "--duration-s takes a number");
			c.duration_s = x;
			break;
		case 'W':
			if (num_double(optarg, &x) < 0 || x < 0 || x > 1e7)
				return usage_error("run", "--decide-timeout-s takes seconds in [0, 1e7] "
							  "(0: no limit)");
			decide_timeout_s = x;
			break;
		case 'q':
			if (num_long(optarg, &l) < 0 || l < 1 || l > 1000000)
				return usage_error("run", "--queue takes a count in 1..1000000");
			c.queue_cap = (int)l;
			break;
		case 'r':
			if (strcmp(optarg, "newest") && strcmp(optarg, "oldest"))
				return usage_error("run", "--drop takes newest or oldest");
			c.drop_oldest = optarg[0] == 'o';
			break;
		case 'e':
			for (char *save, *d = strtok_r(optarg, ",", &save); d;
			     d = strtok_r(NULL, ",", &save)) {
				if (strcmp(d, "timeline") == 0)
					c.timeline = 1;
				else if (strcmp(d, "requests") == 0)
					c.requests = 1;
				else
					return usage_error("run", "--detail takes timeline, requests "
								  "or both (timeline,requests)");
			}
			break;
		case 'h': fputs(run_help, stdout); return 0;
		default: return 2;
		}
	}
	if (optind < argc)
		return usage_error("run", "unexpected argument");
	const char *missing = !c.trace ? "--trace" : !c.device ? "--device" : !c.model ? "--model"
			      : !db ? "--db" : NULL;
	if (missing) {
		char what[64];
		snprintf(what, sizeof what, "%s is required", missing);
		return usage_error("run", what);
	}
	struct errbuf eb = {0};
	struct run_output *out = NULL;
	int rc = contain_run(&c, decide_timeout_s, &out, &eb);
	if (run_stop && *run_stop)
		return run_interrupted(out);
	if (rc < 0)
		return fail(&eb, rc);
	struct store *s = store_open(db, &eb);
	if (!s) {
		if (run_stop && *run_stop)
			return run_interrupted(out);
		run_output_destroy(out);
		return fail(&eb, eb.code);
	}
	store_set_stop(s, run_stop);
	int64_t id = 0;
	rc = store_insert_run(s, &c, out, &id, &eb);
	store_close(s);
	if (rc == ERR_INTERRUPTED && run_stop && *run_stop)
		return run_interrupted(out);
	if (rc < 0) {
		run_output_destroy(out);
		return fail(&eb, rc);
	}
	const struct metrics *m = &out->m;
	printf("run %lld: %s on %s: %lld requests, %lld served, %lld dropped, %lld failed, "
	       "%lld late (miss rate %.1f%%)",
	       (long long)id, out->policy_name, c.trace, (long long)m->requests,
	       (long long)m->served, (long long)m->dropped, (long long)m->failures,
	       (long long)m->deadline_misses, 100 * m->miss_rate);
	if (out->has_latency)
		printf(", p95 %.1f ms", m->lat_p95_ms);
	if (out->has_top1)
		printf(", top-1 %.1f%%", m->mean_top1);
	printf(", %.2f mJ/inference, %lld switches%s\n", m->energy_per_inf_mj,
	       (long long)m->switches,
	       out->timings_derived ? " (derived timings: not measured on this device)" : "");
	if (out->notes[0])
		fprintf(stderr, "adascale: note: %s\n", out->notes);
	run_output_destroy(out);
	return 0;
}

static int cmd_policies(int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return usage_error("policies", "takes no arguments");
	struct errbuf eb = {0};
	int rc = pol_list(stdout, &eb);
	return rc < 0 ? fail(&eb, rc) : 0;
}

static const char help[] =
	"adascale " ADASCALE_VERSION ": simulate and compare on-device DNN adaptation policies\n"
	"\n"
	"  adascale variants MODEL [--ops ...]   a model's variants: MACs, memory, accuracy\n"
	"  adascale kernels MODEL [--ops ...]    the unique kernel shapes of its variants (CSV)\n"
	"  adascale evolve [--quick] --out DIR   train the Fashion-MNIST self-evolving model and\n"
	"                                        measure its variants' accuracy and training cost\n"
	"  adascale run --trace F --device F --model M --policy P --db F [...]\n"
	"                                        replay a trace and store the run\n"
	"  adascale sweep CONFIG.ini --db F [--jobs N] [--shard I/N] [--dry-run] [...]\n"
	"                                        many runs in parallel, resumable\n"
	"  adascale merge OUT.db IN.db...        merge results databases (sweep shards)\n"
	"  adascale report --db F --out DIR      HTML + Markdown report with gnuplot plots\n"
	"  adascale compare --db F --baseline T --candidate T\n"
	"                                        regression verdict between two tags\n"
	"  adascale policies                     built-in and plugin policies, with parameters\n"
	"  adascale derive --from D.ini --to D.ini  timings for an unprofiled device (roofline)\n"
	"  adascale trace check|gen|import|plot  validate, generate, convert and plot traces\n"
	"  adascale version\n"
	"\n"
	"`adascale VERB --help` for a verb's options. Kernel timings come from adascale-agent.\n";

int main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		fputs(help, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	const char *verb = argv[1];
	argc--;
	argv++;
	if (strcmp(verb, "run") == 0)
		return cmd_run(argc, argv);
	if (strcmp(verb, "sweep") == 0)
		return sweep_cmd(argc, argv);
	if (strcmp(verb, "merge") == 0)
		return merge_cmd(argc, argv);
	if (strcmp(verb, "variants") == 0)
		return models_cmd_variants(argc, argv);
	if (strcmp(verb, "kernels") == 0)
		return models_cmd_kernels(argc, argv);
	if (strcmp(verb, "evolve") == 0)
		return evolve_cmd(argc, argv);
	if (strcmp(verb, "profile") == 0)
		return profile_cmd(argc, argv);
	if (strcmp(verb, "compare") == 0)
		return compare_cmd(argc, argv);
	if (strcmp(verb, "report") == 0)
		return report_cmd(argc, argv);
	if (strcmp(verb, "policies") == 0)
		return cmd_policies(argc, argv);
	if (strcmp(verb, "trace") == 0)
		return traces_cmd(argc, argv);
	if (strcmp(verb, "derive") == 0)
		return derive_cmd(argc, argv);
	if (strcmp(verb, "version") == 0 || strcmp(verb, "--version") == 0) {
		printf("adascale %s (%s)\n", ADASCALE_VERSION, ADASCALE_GIT_REV);
		return 0;
	}
	fprintf(stderr, "adascale: unknown verb '%s'\n\n%s", verb, help);
	return 2;
}

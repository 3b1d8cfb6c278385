/*
 * ahold.c: the load verb (see ahold.h). Its lines on standard output are flushed one by
 * one, so a reader sees each as soon as it is applied.
 */
#include "ahold.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "aapply.h"
#include "aload.h"
#include "err.h"

#define PROG "adascale-agent"
/* The wait is cut into slices this long, so a signal taken by any thread ends it soon. */
#define SLICE_NS 50000000LL

const char agent_load_help[] =
	"usage: " PROG " load --util U [--mem-avail-mb MB] [--margin-mb MB] [--seconds S]\n"
	"        [--cpus LIST] [--period-ms MS] [--load-shape spread|packed]\n"
	"\n"
	"Puts this machine under a trace's conditions and holds them: busy threads in a child\n"
	"process take share U of the CPUs (spread: busy U of every period on each, phases\n"
	"spread; packed: whole CPUs first), and memory\n"
	"is allocated and touched (locked where permitted) until MemAvailable comes down to MB.\n"
	"Prints what it applied, one line each, and holds it until S seconds have passed or\n"
	"SIGINT or SIGTERM comes; the child ends with the agent however it ends (docs/agent.md).\n"
	"\n"
	"  --util U            util_other: the share of every CPU taken, 0..1\n"
	"  --mem-avail-mb MB   bring MemAvailable down to MB (nothing when not given)\n"
	"  --margin-mb MB      never take MemAvailable below this (256)\n"
	"  --seconds S         hold this long, 0 until a signal (0)\n"
	"  --cpus LIST         the CPUs to load, like 0-3,6 (every CPU it may use)\n"
	"  --period-ms MS      a busy thread's period, 0.1..1000 (5)\n"
	"  --load-shape S      spread or packed, as above (spread)\n"
	"  -h, --help          this help\n";

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static int load_fail(struct agent_apply *a, const struct errbuf *eb, int rc)
{
	agent_apply_stop(a);
	fprintf(stderr, PROG " load: %s\n", eb->msg[0] ? eb->msg : err_msg(rc));
	return err_exit_status(rc);
}

int agent_cmd_load(const struct opt_verb *v, int argc, char **argv)
{
	double util = -1, mem = -1, margin = AGENT_APPLY_MARGIN_MB, seconds = 0;
	double period = AGENT_APPLY_PERIOD_MS;
	const char *cpus = NULL;
	enum agent_load_shape shape = AGENT_LOAD_SPREAD;
	const struct opt opts[] = {
		{.name = "util", .type = OPT_DOUBLE, .dst = &util, .min = 0, .max = 1,
		 .takes = "takes a share in 0..1"},
		{.name = "mem-avail-mb", .type = OPT_DOUBLE, .dst = &mem, .min = 0, .max = 1e9,
		 .takes = "takes a size in MB in 0..1000000000"},
		{.name = "margin-mb", .type = OPT_DOUBLE, .dst = &margin, .min = 1, .max = 1e9,
		 .takes = "takes a size in MB in 1..1000000000"},
		{.name = "seconds", .type = OPT_DOUBLE, .dst = &seconds, .min = 0, .max = 1e7,
		 .takes = "takes a number in 0..10000000"},
		{.name = "cpus", .type = OPT_STR, .dst = &cpus},
		{.name = "period-ms", .type = OPT_DOUBLE, .dst = &period, .min = 0.1, .max = 1000,
		 .takes = "takes a number in 0.1..1000"},
		{.name = "load-shape", .type = OPT_FN, .dst = &shape, .fn = agent_load_shape_opt,
		 .takes = "takes spread or packed"},
		{.name = NULL},
	};
	int n_pos, rc = opt_parse(v, opts, argc, argv, NULL, 0, &n_pos);
	if (rc != OPT_OK)
		return opt_status(rc);
	if (util < 0)
		return opt_status(opt_usage(v, "which load? give --util"));
	if (mem >= 0 && mem < margin)
		return opt_status(opt_usage(v, "--mem-avail-mb %.0f is below the margin of %.0f MB "
					    "(--margin-mb)", mem, margin));

	struct sigaction sa, old_int, old_term;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	stop_flag = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);

	struct errbuf eb = {0};
	struct agent_apply *a = NULL;
	const struct agent_apply_opts ao = {.cpus = cpus, .period_ms = period,
					    .mem_margin_mb = margin, .shape = shape};
	if ((rc = agent_apply_start(&ao, &a, &eb)) < 0)
		goto out;
	printf("%s\n", agent_apply_note(a));
	fflush(stdout);
	if ((rc = agent_apply_util(a, util, &eb)) < 0)
		goto out;
	printf("%s\n", agent_apply_note(a));
	fflush(stdout);
	if (mem >= 0) {
		if ((rc = agent_apply_mem(a, mem, &eb)) < 0)
			goto out;
		printf("%s\n", agent_apply_note(a));
	}
	if (seconds > 0)
		printf("holding for %g s (SIGINT or SIGTERM ends it sooner)\n", seconds);
	else
		printf("holding until SIGINT or SIGTERM\n");
	fflush(stdout);
	int64_t t0 = agent_mono_ns();
	int64_t end = seconds > 0 ? t0 + llround(seconds * 1e9) : INT64_MAX;
	while (!stop_flag) {
		int64_t now = agent_mono_ns();
		if (now >= end)
			break;
		agent_sleep_until(end - now < SLICE_NS ? end : now + SLICE_NS);
	}
	agent_apply_stop(a);
	printf("stopped after %.1f s%s: the load and the memory are gone\n",
	       (double)(agent_mono_ns() - t0) / 1e9, stop_flag ? " (signal)" : "");
	fflush(stdout);
out:
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	return rc < 0 ? load_fail(a, &eb, rc) : 0;
}

/*
 * sweep.c: `adascale sweep CONFIG.ini --db FILE [...]`: options, the dry run,
 * the summary and the exit status (0: every run of the sweep, or of the shard, is stored
 * as ok; 1: some failed or the sweep was interrupted; 2: bad input, nothing written).
 * Not for planning or running (sweep_plan.c, sweep_exec.c).
 */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include "cmd.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "contain.h"
#include "opt.h"
#include "num.h"
#include "paths.h"
#include "store.h"
#include "sweep.h"

static const char help[] =
	"usage: adascale sweep CONFIG.ini --db FILE [--jobs N] [--resume] [--shard I/N]\n"
	"                      [--tag T] [--timeout-s S] [--decide-timeout-s S]\n"
	"                      [--skip-failed] [--dry-run]\n"
	"                      [--progress bar|lines|none] [--progress-s S]\n"
	"Runs the product of the lists in CONFIG.ini (less its [exclude] runs) in child\n"
	"processes, --jobs at a time (default: the cores this process may use), and stores\n"
	"each run in the database in its own transaction. Runs the database already holds\n"
	"(same config_key, seed and tag; the tag defaults to the sweep's name) are not run\n"
	"again, so running the same command again resumes; runs stored as failed are run\n"
	"again unless --skip-failed. --resume insists that the database exists. --shard I/N\n"
	"keeps runs I, I+N, I+2N, ... (I from 1). --timeout-s stops a run that takes longer\n"
	"and stores it as failed; --decide-timeout-s (default 10, 0: none) does so for a run\n"
	"whose policy stays in one call longer. --dry-run prints the run list and its count\n"
	"and runs nothing. Ctrl-C stops after the runs in flight (twice: at once). docs/sweeps.md.\n";

static int n_cpus(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
		return CPU_COUNT(&set);
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
}

static int parse_shard(const char *v, void *dst, char *why, size_t why_len)
{
	int *i = (int *)dst, *n = i + 1;
	(void)why;
	(void)why_len;
	char buf[64];
	snprintf(buf, sizeof buf, "%s", v);
	char *slash = strchr(buf, '/');
	long a, b;
	if (!slash)
		return -1;
	*slash = '\0';
	if (num_long(buf, &a) < 0 || num_long(slash + 1, &b) < 0 || b < 1 || b > 1000000 ||
	    a < 1 || a > b)
		return -1;
	*i = (int)a;
	*n = (int)b;
	return 0;
}

static int parse_progress(const char *v, void *dst, char *why, size_t n)
{
	(void)why;
	(void)n;
	if (strcmp(v, "bar") == 0)
		*(int *)dst = SWEEP_PROGRESS_BAR;
	else if (strcmp(v, "lines") == 0)
		*(int *)dst = SWEEP_PROGRESS_LINES;
	else if (strcmp(v, "none") == 0)
		*(int *)dst = SWEEP_PROGRESS_NONE;
	else
		return -1;
	return 0;
}

int cmd_sweep(int argc, char **argv)
{
	static const struct opt_verb v = {"adascale", "sweep", help};
	struct sweep_opts o = {
		.jobs = 0, .progress = SWEEP_PROGRESS_AUTO, .progress_s = 10, .log = stderr,
		.decide_timeout_s = CONTAIN_DECIDE_TIMEOUT_S,
	};
	const char *db = NULL, *tag = NULL;
	int resume = 0, dry = 0, shard[2] = {1, 1};
	const struct opt opts[] = {
		{.name = "db", .type = OPT_STR, .dst = &db},
		{.name = "jobs", .short_name = 'j', .type = OPT_INT, .dst = &o.jobs, .min = 1,
		 .max = 4096, .takes = "takes a count in 1..4096"},
		{.name = "resume", .type = OPT_FLAG, .dst = &resume},
		{.name = "shard", .type = OPT_FN, .dst = shard, .fn = parse_shard,
		 .takes = "takes I/N with 1 <= I <= N"},
		{.name = "tag", .type = OPT_STR, .dst = &tag},
		{.name = "timeout-s", .type = OPT_DOUBLE, .dst = &o.timeout_s, .min = 0,
		 .max = 1e7, .takes = "takes seconds in [0, 1e7] (0: none)"},
		{.name = "decide-timeout-s", .type = OPT_DOUBLE, .dst = &o.decide_timeout_s,
		 .min = 0, .max = 1e7, .takes = "takes seconds in [0, 1e7] (0: none)"},
		{.name = "skip-failed", .type = OPT_FLAG, .dst = &o.skip_failed},
		{.name = "dry-run", .type = OPT_FLAG, .dst = &dry},
		{.name = "progress", .type = OPT_FN, .dst = &o.progress, .fn = parse_progress,
		 .takes = "takes bar, lines or none"},
		{.name = "progress-s", .type = OPT_DOUBLE, .dst = &o.progress_s, .min = 0,
		 .max = 1e6, .takes = "takes seconds in [0, 1e6]"},
		{0}};
	char *file[1];
	int n_pos, prc = opt_parse(&v, opts, argc, argv, file, 1, &n_pos);
	if (prc != OPT_OK)
		return opt_status(prc);
	int shard_i = shard[0], shard_n = shard[1];
	if (n_pos < 1)
		return opt_usage(&v, "the sweep file is required");
	if (!db && !dry)
		return opt_usage(&v, "--db is required");
	if (resume && !paths_is_file(db ? db : ""))
		return opt_usage(&v, "--resume: the database does not exist");
	if (!o.jobs)
		o.jobs = n_cpus();

	struct errbuf eb = {0};
	struct sweep_spec *spec = NULL;
	struct sweep_plan *plan = NULL;
	struct store *s = NULL;
	struct sweep_stats st;
	int rc, status = 0;
	if ((rc = sweep_spec_load(file[0], &spec, &eb)) < 0 ||
	    (rc = sweep_plan_build(spec, tag, shard_i, shard_n, &plan, &eb)) < 0)
		goto fail;
	if (dry) {
		/* a dry run reads an existing database and creates none */
		if (db && paths_is_file(db) && !(s = store_open(db, &eb))) {
			rc = eb.code;
			goto fail;
		}
		int again;
		if ((rc = sweep_plan_status(plan, s, &eb)) < 0 ||
		    (rc = sweep_plan_changed_code(plan, s, stderr, &again, &eb)) < 0)
			goto fail;
		sweep_plan_print(plan, s != NULL, stdout);
		goto out;
	}
	if (!(s = store_open(db, &eb))) {
		rc = eb.code;
		goto fail;
	}
	int again;
	if ((rc = sweep_plan_status(plan, s, &eb)) < 0 ||
	    (rc = sweep_plan_changed_code(plan, s, stderr, &again, &eb)) < 0 ||
	    (rc = sweep_execute(plan, s, &o, &st, &eb)) < 0)
		goto fail;
	int left = st.n_todo - st.n_ok - st.n_failed;
	printf("sweep %s: %d runs", spec->name, plan->n);
	if (shard_n > 1)
		printf(" (shard %d/%d of %d)", shard_i, shard_n, plan->n_total);
	printf(": %d already in %s, %d ran now (%d ok, %d failed) in %.1f s with %d job%s",
	       st.n_done_before + st.n_failed_before, db, st.n_ok + st.n_failed, st.n_ok,
	       st.n_failed, st.elapsed_s, o.jobs, o.jobs == 1 ? "" : "s");
	if (st.n_ok + st.n_failed && st.elapsed_s > 0)
		printf(" (%.2f runs/s)", (st.n_ok + st.n_failed) / st.elapsed_s);
	printf("%s\n", left ? ", interrupted" : "");
	if (left) {
		fprintf(stderr, "adascale: interrupted with %d of %d runs not run; the same command "
				"runs them\n", left, plan->n);
		status = err_exit_status(ERR_INTERRUPTED);
	} else if (st.n_failed + st.n_failed_before) {
		fprintf(stderr, "adascale: %d of %d runs failed: status 'failed' in %s, the error "
				"column says why\n", st.n_failed + st.n_failed_before, plan->n, db);
		status = err_exit_status(ERR_CHILD);
	}
	goto out;
fail:
	status = cmd_fail(&eb, rc);
out:
	store_close(s);
	sweep_plan_destroy(plan);
	sweep_spec_destroy(spec);
	return status;
}

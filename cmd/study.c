/*
 * study.c: `adascale study`: the comparison the AdaScale abstract reports, in one command.
 * A study file (INI, docs/study.md) names sweep files (and smaller ones for --quick), the
 * subject policy and, optionally, the self-evolving network's training overhead. The verb
 * runs them as `adascale sweep` would (parallel, resumable, shardable) under one tag, then
 * writes the headline (reports/study.h) and the report of the study's runs. Not for what the
 * headline computes (reports/study.c) or how a sweep runs (sweep/).
 */
#include "cmd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "afile.h"
#include "inilines.h"
#include "opt.h"
#include "paths.h"
#include "report.h"
#include "study.h"

static const char help[] =
	"usage: adascale study STUDY.ini [--quick] [--db FILE] [--out DIR] [--jobs N]\n"
	"                      [--shard I/N] [--no-run] [--dry-run]\n"
	"  --quick        the study's small sweep (its `quick` file) instead of the full one\n"
	"  --db FILE      results database (default: DIR/results.db)\n"
	"  -o, --out DIR  where the headline and the report go (default: out/study-NAME, with\n"
	"                 -quick for --quick)\n"
	"  -j, --jobs N   runs at a time (default: the cores this process may use)\n"
	"  --shard I/N    run shard I of N only (no headline: merge the shards' databases, then\n"
	"                 --no-run --db MERGED.db)\n"
	"  --no-run       only the headline and the report, from the runs already stored\n"
	"  --dry-run      print the runs the sweep would make; run nothing\n";

/* The longest a policy call may take in a study's runs (seconds). */
#define STUDY_DECIDE_TIMEOUT_S "600"

#define STUDY_MAX_SWEEPS 8

/* A list of sweep files (the sweep or quick key). */
struct study_sweeps {
	int n;
	char path[STUDY_MAX_SWEEPS][4096];
};

struct study_file {
	const char *path;
	char name[128];
	char subject[128];
	struct study_sweeps sweep, quick;
	char overhead[4096];
	struct inilines in;
};

/* A list of paths from the study file's folder, each existing. */
static int sweep_list(struct study_file *s, const char *key, const char *value,
		      struct study_sweeps *l)
{
	if (l->n)
		return inilines_fail(&s->in, ERR_PARSE, "%s is given twice", key);
	char buf[4096];
	if (snprintf(buf, sizeof buf, "%s", value) >= (int)sizeof buf)
		return inilines_fail(&s->in, ERR_RANGE, "%s: too long", key);
	for (char *save, *t = strtok_r(buf, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		if (l->n == STUDY_MAX_SWEEPS)
			return inilines_fail(&s->in, ERR_RANGE, "%s: more than %d sweep files", key,
					     STUDY_MAX_SWEEPS);
		char *p = l->path[l->n];
		if (paths_beside(s->path, t, p, sizeof l->path[0]) < 0)
			return inilines_fail(&s->in, ERR_RANGE, "%s: '%.200s': not a usable path",
					     key, t);
		struct stat st;
		if (stat(p, &st) != 0)
			return inilines_fail(&s->in, ERR_NOTFOUND, "%s: %s: %s", key, p,
					     strerror(errno));
		l->n++;
	}
	if (!l->n)
		return inilines_fail(&s->in, ERR_PARSE, "%s: no sweep file", key);
	return 1;
}

static int study_key(struct study_file *s, const char *key, const char *value)
{
	char *dst = NULL;
	size_t len = 0;
	if (strcmp(key, "name") == 0) {
		dst = s->name;
		len = sizeof s->name;
	} else if (strcmp(key, "subject") == 0) {
		dst = s->subject;
		len = sizeof s->subject;
	} else if (strcmp(key, "sweep") == 0) {
		return sweep_list(s, key, value, &s->sweep);
	} else if (strcmp(key, "quick") == 0) {
		return sweep_list(s, key, value, &s->quick);
	} else if (strcmp(key, "overhead") == 0) {
		char *p = s->overhead;
		if (p[0])
			return inilines_fail(&s->in, ERR_PARSE, "%s is given twice", key);
		if (!value[0] || paths_beside(s->path, value, p, sizeof s->overhead) < 0)
			return inilines_fail(&s->in, ERR_RANGE, "%s: '%.200s': not a usable path", key,
					     value);
		struct stat st;
		if (stat(p, &st) != 0)
			return inilines_fail(&s->in, ERR_NOTFOUND, "%s: %s: %s", key, p,
					     strerror(errno));
		return 1;
	} else {
		return inilines_fail(&s->in, ERR_PARSE,
				     "unknown key '%.64s' (name, subject, sweep, quick, overhead)", key);
	}
	if (dst[0])
		return inilines_fail(&s->in, ERR_PARSE, "%s is given twice", key);
	if (!value[0] || strlen(value) >= len || strpbrk(value, " \t/"))
		return inilines_fail(&s->in, ERR_RANGE, "%s: '%.64s': a word of 1 to %zu characters",
				     key, value, len - 1);
	snprintf(dst, len, "%s", value);
	return 1;
}

static int study_handler(void *user, const char *section, const char *key, const char *value)
{
	struct study_file *s = user;
	if (s->in.rc < 0)
		return 0;
	if (strcmp(section, "study") != 0)
		return inilines_fail(&s->in, ERR_PARSE, "unknown section [%.64s] (study)", section);
	return study_key(s, key, value);
}

static int study_load(const char *path, struct study_file *s, struct errbuf *eb)
{
	memset(s, 0, sizeof *s);
	s->path = path;
	FILE *f = fopen(path, "r");
	if (!f)
		return err_set(eb, errno == ENOENT ? ERR_NOTFOUND : ERR_IO, "%s: cannot open: %s",
			       path, strerror(errno));
	inilines_init(&s->in, f, path, eb, NULL);
	int rc = inilines_parse(&s->in, study_handler, s);
	fclose(f);
	if (rc < 0)
		return rc;
	if (!s->name[0] || !s->subject[0] || !s->sweep.n)
		return err_set(eb, ERR_PARSE, "%s: [study] needs name, subject and sweep", path);
	return 0;
}

/* Runs `adascale sweep SWEEP --db DB --tag TAG ...` through the sweep verb itself. */
static int run_sweep(const char *sweep, const char *db, const char *tag, const char *jobs,
		     const char *shard, int dry)
{
	const char *words[16];
	int n = 0;
	words[n++] = "sweep";
	words[n++] = sweep;
	words[n++] = "--tag";
	words[n++] = tag;
	if (db) {
		words[n++] = "--db";
		words[n++] = db;
	}
	if (jobs) {
		words[n++] = "--jobs";
		words[n++] = jobs;
	}
	if (shard) {
		words[n++] = "--shard";
		words[n++] = shard;
	}
	if (dry)
		words[n++] = "--dry-run";
	/* the oracle's first decision plans every request of a run at once: seconds on a long
	   trace, more on a loaded machine, past the sweep's 10 s default for a policy call */
	words[n++] = "--decide-timeout-s";
	words[n++] = STUDY_DECIDE_TIMEOUT_S;
	/* the verb takes argv as main does: writable strings */
	char *argv[16] = {0};
	for (int i = 0; i < n; i++)
		if (!(argv[i] = strdup(words[i]))) {
			for (int j = 0; j < i; j++)
				free(argv[j]);
			fprintf(stderr, "adascale: study: out of memory\n");
			return err_exit_status(ERR_NOMEM);
		}
	int status = cmd_sweep(n, argv);
	for (int i = 0; i < n; i++)
		free(argv[i]);
	return status;
}

/* dir/name into out; ERR_RANGE when it does not fit. */
static int join(char *out, size_t len, const char *dir, const char *name, struct errbuf *eb)
{
	if ((size_t)snprintf(out, len, "%s/%s", dir, name) >= len)
		return err_set(eb, ERR_RANGE, "%.64s...: path too long", dir);
	return 0;
}

/* Writes the headline as Markdown and CSV into dir (each file whole or not at all). */
static int write_headline(const struct study_result *r, const char *subject, const char *dir,
			  struct errbuf *eb)
{
	char path[4096];
	int rc = join(path, sizeof path, dir, "headline.md", eb);
	if (rc < 0)
		return rc;
	struct afile *a = afile_create(path, eb);
	if (!a)
		return eb->code ? eb->code : ERR_IO;
	study_print(r, subject, afile_stream(a));
	rc = afile_commit(a, eb);
	afile_destroy(a);
	if (rc < 0)
		return rc;
	if ((rc = join(path, sizeof path, dir, "headline.csv", eb)) < 0)
		return rc;
	if (!(a = afile_create(path, eb)))
		return eb->code ? eb->code : ERR_IO;
	study_print_csv(r, afile_stream(a));
	rc = afile_commit(a, eb);
	afile_destroy(a);
	return rc;
}

int cmd_study(int argc, char **argv)
{
	static const struct opt_verb v = {"adascale", "study", help};
	const char *db = NULL, *out = NULL, *jobs = NULL, *shard = NULL;
	int quick = 0, no_run = 0, dry = 0;
	const struct opt opts[] = {
		{.name = "quick", .type = OPT_FLAG, .dst = &quick},
		{.name = "db", .type = OPT_STR, .dst = &db},
		{.name = "out", .short_name = 'o', .type = OPT_STR, .dst = &out},
		{.name = "jobs", .short_name = 'j', .type = OPT_STR, .dst = &jobs},
		{.name = "shard", .type = OPT_STR, .dst = &shard},
		{.name = "no-run", .type = OPT_FLAG, .dst = &no_run},
		{.name = "dry-run", .type = OPT_FLAG, .dst = &dry},
		{0}};
	char *file[1];
	int n_pos, prc = opt_parse(&v, opts, argc, argv, file, 1, &n_pos);
	if (prc != OPT_OK)
		return opt_status(prc);
	if (n_pos < 1)
		return opt_usage(&v, "the study file is required");
	if (no_run && (dry || shard))
		return opt_usage(&v, "--no-run runs nothing: it takes neither --dry-run nor --shard");

	struct errbuf eb = {0};
	struct study_file sf;
	int rc = study_load(file[0], &sf, &eb);
	if (rc < 0)
		return cmd_fail(&eb, rc);
	if (quick && !sf.quick.n) {
		err_set(&eb, ERR_USAGE, "%s: --quick: [study] names no quick sweep", file[0]);
		return cmd_fail(&eb, ERR_USAGE);
	}
	char tag[160], dir[4096], dbp[4096];
	snprintf(tag, sizeof tag, "%s%s", sf.name, quick ? "-quick" : "");
	if (out)
		snprintf(dir, sizeof dir, "%s", out);
	else
		snprintf(dir, sizeof dir, "out/study-%s", tag);
	if (db)
		snprintf(dbp, sizeof dbp, "%s", db);
	else if ((rc = join(dbp, sizeof dbp, dir, "results.db", &eb)) < 0)
		return cmd_fail(&eb, rc);
	if (!dry && paths_mkdirs(dir, &eb) < 0)
		return cmd_fail(&eb, eb.code);

	if (!no_run) {
		const struct study_sweeps *l = quick ? &sf.quick : &sf.sweep;
		for (int i = 0; i < l->n; i++) {
			printf("study %s: the sweep %s into %s (tag %s)\n", sf.name, l->path[i],
			       dry && !db ? "nothing (--dry-run)" : dbp, tag);
			fflush(stdout);
			int status = run_sweep(l->path[i], dry && !db ? NULL : dbp, tag, jobs, shard,
					       dry);
			if (status != 0)
				return status;
		}
		if (dry)
			return 0;
		if (shard) {
			printf("study %s: shard %s stored; merge the shards' databases and run "
			       "`adascale study %s%s --no-run --db MERGED.db` for the headline\n",
			       sf.name, shard, file[0], quick ? " --quick" : "");
			return 0;
		}
	}

	struct study_result *r;
	if ((rc = study_headline(dbp, tag, sf.subject, sf.overhead[0] ? sf.overhead : NULL, &r,
				 &eb)) < 0)
		return cmd_fail(&eb, rc);
	printf("\n");
	study_print(r, sf.subject, stdout);
	rc = write_headline(r, sf.subject, dir, &eb);
	study_result_destroy(r);
	if (rc < 0)
		return cmd_fail(&eb, rc);
	char rep[4096];
	if ((rc = join(rep, sizeof rep, dir, "report", &eb)) < 0)
		return cmd_fail(&eb, rc);
	struct report_opts ro = {dbp, rep, tag, NULL, 0};
	if ((rc = report_generate(&ro, NULL, &eb)) < 0)
		return cmd_fail(&eb, rc);
	printf("\nstudy %s: headline: %s/headline.md, %s/headline.csv; report: %s/index.html\n",
	       sf.name, dir, dir, rep);
	return 0;
}

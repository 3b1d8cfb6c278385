/*
 * testutil.c: see testutil.h. Linked into the test binary only (the Makefile adds it to
 * TEST_SRC beside the tests/test_*.c suites).
 */
#define _XOPEN_SOURCE 700 /* nftw, FTW_PHYS */
#include "testutil.h"

#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/hooks.h>

#include "err.h"
#include "model.h"
#include "run.h"
#include "timings.h"

/*
 * LeakSanitizer (make asan-test, docs/hardening.md): Criterion's runner process, which runs
 * no test, leaks 48 bytes of its own (a calloc inside libcriterion 2.4.1) when it runs tests
 * in parallel. The leak check is off in that process only: each test runs in a process that
 * Criterion starts afresh, where this flag is never set and every leak is reported.
 */
static int tu_in_runner;

ReportHook(PRE_ALL)(struct criterion_test_set *set)
{
	(void)set;
	tu_in_runner = 1;
}

int __lsan_is_turned_off(void);
int __lsan_is_turned_off(void) { return tu_in_runner; }

static char tu_dir_path[64];
static pid_t tu_dir_owner;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path) == 0 ? 0 : -1;
}

/* At the end of the test's process (not of a child it forked): the scratch folder goes, its
   links to the data folders with it (never what they point to). ADASCALE_KEEP_TEST_DIRS=1
   keeps it, to look into after a failure. */
static void tu_dir_remove(void)
{
	const char *keep = getenv("ADASCALE_KEEP_TEST_DIRS");
	if (getpid() != tu_dir_owner || (keep && strcmp(keep, "1") == 0))
		return;
	nftw(tu_dir_path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *tu_dir(void)
{
	char *dir = tu_dir_path;
	if (!dir[0]) {
		snprintf(dir, sizeof tu_dir_path, "/tmp/adascale-test-XXXXXX");
		if (!mkdtemp(dir)) {
			perror("mkdtemp");
			abort();
		}
		tu_dir_owner = getpid();
		atexit(tu_dir_remove);
		/* A file written here names bundled data as the repository root would (a sweep
		   file takes its paths from its own folder): the data folders, linked. */
		static const char *const linked[] = {"tests", "traces", "devices", "models", "data"};
		char cwd[PATH_MAX], from[PATH_MAX * 2], to[PATH_MAX * 2];
		if (getcwd(cwd, sizeof cwd))
			for (size_t i = 0; i < sizeof linked / sizeof linked[0]; i++) {
				snprintf(from, sizeof from, "%s/%s", cwd, linked[i]);
				snprintf(to, sizeof to, "%s/%s", dir, linked[i]);
				if (symlink(from, to) != 0)
					perror(to);
			}
	}
	return dir;
}

const char *tu_bin(void)
{
	const char *b = getenv("ADASCALE_BUILD");
	return b && *b ? b : "build";
}

const char *tu_scratch(const char *name)
{
	static char paths[8][512];
	static int next;
	char *p = paths[next++ % 8];
	snprintf(p, 512, "%s/%s", tu_dir(), name);
	return p;
}

const char *tu_write(const char *name, const char *content)
{
	static char paths[8][512];
	static int next;
	char *p = paths[next++ % 8];
	snprintf(p, 512, "%s/%s", tu_dir(), name);
	FILE *f = fopen(p, "w");
	if (!f) {
		perror(p);
		abort();
	}
	fputs(content, f);
	fclose(f);
	return p;
}

int tu_run(const char *cmd, char *out, size_t out_len)
{
	char full[4096];
	snprintf(full, sizeof full, "(%s) 2>&1", cmd);
	FILE *p = popen(full, "r");
	if (!p)
		return -1;
	size_t n = fread(out, 1, out_len - 1, p);
	out[n] = '\0';
	char sink[4096];
	while (fread(sink, 1, sizeof sink, p) > 0)
		;
	int st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int tu_has(const char *haystack, const char *needle) { return strstr(haystack, needle) != NULL; }

int tu_adascale(char *out, size_t out_len, const char *fmt, ...)
{
	char args[4096], cmd[4608];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(args, sizeof args, fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof cmd, "%s/adascale %s", tu_bin(), args);
	return tu_run(cmd, out, out_len);
}

double tu_mem_avail_mb(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	if (!f)
		return -1;
	char line[256];
	double kb = -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "MemAvailable: %lf kB", &kb) == 1)
			break;
	fclose(f);
	return kb > 0 ? kb / 1024 : -1;
}

void tu_variant_open(struct tu_variant *v, const char *timings, const char *ops)
{
	struct errbuf eb = {0};
	cr_assert_eq(model_load("mobilenet_v1", &v->m, &eb), 0, "%s", eb.msg);
	cr_assert_eq(variants_enumerate(v->m, ops, &v->vs, &eb), 0, "%s", eb.msg);
	cr_assert_eq(timings_load(timings, &v->t, &eb), 0, "%s", eb.msg);
	v->spec = v->vs->v[0].spec;
}

void tu_variant_close(struct tu_variant *v)
{
	timings_destroy(v->t);
	variant_set_destroy(v->vs);
	model_destroy(v->m);
}

double tu_variant_ms(const char *timings, const char *ops, int threads)
{
	struct tu_variant v;
	tu_variant_open(&v, timings, ops);
	double us;
	cr_assert_eq(timings_model_us(v.t, v.spec, threads, &us, NULL), 0);
	tu_variant_close(&v);
	return us / 1000;
}

const char *tu_dvfs2_with(const char *name, const char *device_lines)
{
	FILE *f = fopen("tests/data/dvfs2.ini", "r");
	cr_assert_not_null(f);
	char text[8192], ini[9000];
	size_t n = fread(text, 1, sizeof text - 1, f);
	text[n] = 0;
	fclose(f);
	/* the test device's timings are named from tests/data/: the runs give them explicitly */
	const char *at = strstr(text, "[device]\n");
	cr_assert_not_null(at);
	snprintf(ini, sizeof ini, "%.*s[device]\n%s%s", (int)(at - text), text, device_lines,
		 at + 9);
	return tu_write(name, ini);
}

struct run_output *tu_lone_run(const struct tu_lone *l)
{
	char trace[64], workload[64];
	snprintf(trace, sizeof trace, "time_s,util_other\n0,%g\n", l->util);
	snprintf(workload, sizeof workload, "periodic:fps=%g,service=%s", l->fps, l->service);
	struct run_config c;
	run_config_defaults(&c);
	c.trace = tu_write("lone.csv", trace);
	c.duration_s = l->duration_s;
	c.device = l->device;
	c.timings = l->timings;
	c.model = "mobilenet_v1";
	c.ops = l->ops;
	c.policy = "static:variant=0,threads=1";
	c.workload = workload;
	c.deadline_ms = 1e6;
	c.seed = l->seed;
	struct errbuf eb = {0};
	struct run_output *o = NULL;
	cr_assert_eq(run_execute(&c, &o, &eb), 0, "%s", eb.msg);
	cr_assert_eq(o->m.served, (int64_t)llround(l->fps * l->duration_s));
	return o;
}

const char *tu_two_passes(const char *name)
{
	return tu_write(name, "pass,name,op,in_h,in_w,in_c,out_c,kernel,stride,groups,dtype,input\n"
			      "small,c0,conv,16,16,3,16,3,2,1,fp32,\n"
			      "small,pw,conv,8,8,16,16,1,1,1,fp32,\n"
			      "big,c0,conv,16,16,3,64,3,2,1,fp32,\n"
			      "big,pw,conv,8,8,64,64,1,1,1,fp32,\n");
}

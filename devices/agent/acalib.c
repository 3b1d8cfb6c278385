/*
 * acalib.c: the calibrate verb (see acalib.h): busy threads at a duty cycle, whole passes
 * timed beside them, the slowdowns against idle as quantiles. Not for the pass itself
 * (arun.c) or the timing loop (ameasure.c).
 */
#include "acalib.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "afile.h"
#include "aload.h"
#include "alists.h"
#include "ameasure.h"
#include "apool.h"
#include "arun.h"
#include "asys.h"
#include "kb.h"
#include "num.h"

#ifndef ADASCALE_VERSION
#define ADASCALE_VERSION "unknown"
#endif
#ifndef ADASCALE_DATADIR
#define ADASCALE_DATADIR "/usr/local/share/adascale"
#endif

#define DEFAULT_SPEC "models/zoo/mobilenet_v1.csv"

void agent_calib_defaults(struct agent_calib_opts *o)
{
	memset(o, 0, sizeof *o);
	o->spec = access(DEFAULT_SPEC, R_OK) == 0 ? DEFAULT_SPEC
						   : ADASCALE_DATADIR "/" DEFAULT_SPEC;
	o->backend = "auto";
	o->dtype = DT_FP32;
	o->n_loads = 5;
	for (int i = 0; i < 5; i++)
		o->loads[i] = i / 4.0;
	o->period_ms = 5;
	o->n_quantiles = 101;
	agent_measure_defaults(&o->m);
	o->m.warmup_ms = 50;
	o->m.min_runs = 500;
	o->m.max_runs = 5000;
	o->m.max_seconds = 30;
	o->seed = 1;
	o->progress = 1;
}

int agent_list_parse(const char *s, const char *what, double *x, int max, int *n,
		      struct errbuf *eb)
{
	char buf[512];
	if (snprintf(buf, sizeof buf, "%s", s) >= (int)sizeof buf)
		return err_set(eb, ERR_USAGE, "%s '%.32s...': too long", what, s);
	*n = 0;
	for (char *save, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (*n == max)
			return err_set(eb, ERR_USAGE, "%s: at most %d values", what, max);
		if (num_double(tok, &x[*n]) < 0)
			return err_set(eb, ERR_USAGE, "%s: '%s' is not a number", what, tok);
		(*n)++;
	}
	if (*n == 0)
		return err_set(eb, ERR_USAGE, "%s '%s': a list like 1,2", what, s);
	return 0;
}

int agent_calib_parse_threads(const char *s, struct agent_calib_opts *o, struct errbuf *eb)
{
	double x[AGENT_CALIB_MAX_THREADS];
	int n, rc = agent_list_parse(s, "--threads", x, AGENT_CALIB_MAX_THREADS, &n, eb);
	if (rc < 0)
		return rc;
	for (int i = 0; i < n; i++) {
		if (x[i] != floor(x[i]) || x[i] < 1 || x[i] > 1024)
			return err_set(eb, ERR_USAGE, "--threads: '%g' is not a count in 1..1024", x[i]);
		for (int j = 0; j < i; j++)
			if (x[j] == x[i])
				return err_set(eb, ERR_USAGE, "--threads: %g is given twice", x[i]);
		o->threads[i] = (int)x[i];
	}
	o->n_threads = n;
	return 0;
}

int agent_list_parse_from0(const char *s, const char *what, const char *why0, double hi,
			   double *x, int max, int *n, struct errbuf *eb)
{
	int rc = agent_list_parse(s, what, x, max, n, eb);
	if (rc < 0)
		return rc;
	if (x[0] != 0)
		return err_set(eb, ERR_USAGE, "%s '%s': starts at 0 (%s)", what, s, why0);
	for (int i = 1; i < *n; i++)
		if (x[i] <= x[i - 1] || x[i] > hi)
			return err_set(eb, ERR_USAGE, "%s '%s': values ascend, up to %g", what, s, hi);
	return 0;
}

int agent_calib_parse_loads(const char *s, struct agent_calib_opts *o, struct errbuf *eb)
{
	double x[AGENT_CALIB_MAX_LOADS];
	int n, rc = agent_list_parse_from0(s, "--loads", "idle: the slowdowns are against it", 1,
					   x, AGENT_CALIB_MAX_LOADS, &n, eb);
	if (rc < 0)
		return rc;
	memcpy(o->loads, x, (size_t)n * sizeof x[0]);
	o->n_loads = n;
	return 0;
}

/* ---- the cells ---- */

struct samples {
	double *x;
	int n, cap;
	int nomem;
};

static int push(struct samples *s, double v)
{
	if (s->n == s->cap) {
		int cap = s->cap ? 2 * s->cap : 256;
		double *x = realloc(s->x, (size_t)cap * sizeof *x);
		if (!x)
			return -1;
		s->x = x;
		s->cap = cap;
	}
	s->x[s->n++] = v;
	return 0;
}

static void keep_time(void *ctx, double us)
{
	struct samples *s = ctx;
	if (!s->nomem && push(s, us) < 0)
		s->nomem = 1;
}

struct run {
	const struct agent_calib_opts *o;
	struct agent_passes *ps;
	int n_threads;
	int threads[AGENT_CALIB_MAX_THREADS];
	int n_cpus;
	int cpu[AGENT_MAX_CPUS]; /* the CPUs the load runs on */
	struct samples *cell;   /* [thread][pass][load]: slowdowns */
	double *idle_us;        /* [thread][pass]: the idle median */
	struct agent_sys *sys;
	struct agent_cpuset cpus;
	double f0, f1;
};

/* Before each pass of a calibration at a cadence: the caller idles the gap (ns), as a
 * server between requests. Outside the timed run (ameasure.c). */
static void idle_gap(void *ctx)
{
	agent_sleep_until(agent_mono_ns() + *(const int64_t *)ctx);
}

/* Times every pass at every load level with threads threads (thread index ti). */
static int calibrate_threads(struct run *r, int ti, struct errbuf *eb)
{
	const struct agent_calib_opts *o = r->o;
	struct agent_load ld = {.l = calloc((size_t)r->n_cpus, sizeof(struct agent_loader))};
	struct samples t = {0};
	int rc = 0;
	if (!ld.l)
		return err_set(eb, ERR_NOMEM, "out of memory");
	for (int pi = 0; rc == 0 && pi < r->ps->n; pi++) {
		const struct agent_pass_spec *sp = &r->ps->p[pi];
		struct agent_pass *p = NULL;
		if ((rc = agent_pass_create(sp->layers, sp->n, o->backend, r->threads[ti],
					    o->seed, o->spec, &p, eb)) < 0)
			break;
		double idle = 0;
		for (int li = 0; rc == 0 && li < o->n_loads; li++) {
			struct agent_measure_opts m = o->m;
			m.on_run = keep_time;
			int64_t gap_ns = llround(o->gap_ms * 1e6);
			if (gap_ns > 0) {
				m.prep = idle_gap;
				m.prep_ctx = &gap_ns;
			}
			m.on_run_ctx = &t;
			t.n = 0;
			struct agent_timing tm;
			if ((rc = agent_load_start(&ld, r->cpu, r->n_cpus, o->loads[li], o->period_ms,
						   o->shape, eb)) == 0)
				rc = agent_pass_time(p, &m, &tm, eb);
			agent_load_stop(&ld);
			if (rc == 0 && t.nomem)
				rc = err_set(eb, ERR_NOMEM, "out of memory for pass times");
			if (rc < 0)
				break;
			if (li == 0) {
				idle = tm.median_us;
				r->idle_us[ti * r->ps->n + pi] = idle;
			}
			struct samples *c = &r->cell[(ti * r->ps->n + pi) * o->n_loads + li];
			for (int i = 0; i < t.n && rc == 0; i++)
				if (push(c, t.x[i] / idle) < 0)
					rc = err_set(eb, ERR_NOMEM, "out of memory for slowdowns");
			if (o->progress)
				fprintf(stderr,
					"calibrate: %d threads, load %.2f, %s%s: %d passes, "
					"median %.1f us (%.3fx idle)\n",
					r->threads[ti], o->loads[li], sp->key[0] ? "pass " : "",
					sp->key[0] ? sp->key : "the spec", t.n, tm.median_us,
					tm.median_us / idle);
		}
		agent_pass_destroy(p);
	}
	free(t.x);
	free(ld.l);
	return rc;
}

static int write_calibration(void *ctx, FILE *f)
{
	struct run *r = ctx;
	const struct agent_calib_opts *o = r->o;
	char date[32], list[256];
	struct utsname un;
	agent_iso_now(date, sizeof date);
	agent_cpuset_format(&r->cpus, list, sizeof list);
	int ok = 1;
	ok &= fprintf(f, "# calibration: slowdown of each whole pass against its own idle "
			 "median at the same thread count (pass_ms), under busy threads taking "
			 "util_other of every CPU\n") > 0;
	ok &= fprintf(f, "# agent: adascale-agent %s\n# host: %s\n# cpu: %s\n",
		      ADASCALE_VERSION, r->sys->host,
		      r->sys->cpu_model[0] ? r->sys->cpu_model : "unknown") > 0;
	if (uname(&un) == 0)
		ok &= fprintf(f, "# kernel: %s %s %s\n", un.sysname, un.release, un.machine) > 0;
	ok &= fprintf(f, "# date: %s\n", date) > 0;
	if (o->command)
		ok &= fprintf(f, "# command: %s\n", o->command) > 0;
	ok &= fprintf(f, "# spec: %s\n# passes: %d\n# backend: %s\n# cpus: %s\n# seed: %llu\n",
		      o->spec, r->ps->n, o->backend, list, (unsigned long long)o->seed) > 0;
	ok &= agent_load_header(f, o->shape, r->n_cpus, o->period_ms, NULL);
	ok &= fprintf(f, "# gap_ms: %g\n", o->gap_ms) > 0;
	ok &= fprintf(f, "# stopping: warm-up %d runs and %g ms, then %d..%d passes per pass "
			 "and cell until the median settles (%g) or %g s\n",
		      o->m.warmup, o->m.warmup_ms, o->m.min_runs, o->m.max_runs,
		      o->m.stable_rel, o->m.max_seconds) > 0;
	int lo = 0, hi = 0;
	for (int i = 0; i < r->n_threads * r->ps->n * o->n_loads; i++) {
		int n = r->cell[i].n;
		lo = i == 0 || n < lo ? n : lo;
		hi = n > hi ? n : hi;
	}
	ok &= fprintf(f, "# passes_per_cell: %d to %d\n", lo, hi) > 0;
	if (r->f0 > 0 && r->f1 > 0)
		ok &= fprintf(f, "# freq_mhz: %.0f to %.0f\n", r->f0, r->f1) > 0;
	for (int ti = 0; ti < r->n_threads; ti++) {
		ok &= fprintf(f, "# idle_median_us.%d:", r->threads[ti]) > 0;
		for (int pi = 0; pi < r->ps->n; pi++)
			ok &= fprintf(f, " %.3f", r->idle_us[ti * r->ps->n + pi]) > 0;
		ok &= fprintf(f, "\n") > 0;
	}
	ok &= fprintf(f, "%s\n", AGENT_CALIB_HEADER) > 0;
	for (int ti = 0; ok && ti < r->n_threads; ti++)
		for (int pi = 0; ok && pi < r->ps->n; pi++)
			for (int li = 0; ok && li < o->n_loads; li++) {
				struct samples *c = &r->cell[(ti * r->ps->n + pi) * o->n_loads + li];
				double ms = r->idle_us[ti * r->ps->n + pi] / 1000.0;
				agent_sort(c->x, c->n);
				for (int qi = 0; ok && qi < o->n_quantiles; qi++) {
					double q = (double)qi / (o->n_quantiles - 1);
					ok &= fprintf(f, "%d,%d,%.6f,%.10g,%.10g,%.6f,%d\n",
						      r->threads[ti], pi, ms, o->loads[li], q,
						      agent_quantile(c->x, c->n, q), c->n) > 0;
				}
			}
	return ok && fflush(f) == 0 ? 0 : -1;
}

int agent_calib(const struct agent_calib_opts *o, const char *out_path, struct errbuf *eb)
{
	struct errbuf local;
	if (!eb)
		eb = &local;
	struct run r = {.o = o};
	int rc, placed = 0;
	if (!(r.sys = calloc(1, sizeof *r.sys)))
		return err_set(eb, ERR_NOMEM, "out of memory");
	if (o->n_loads < 1 || o->loads[0] != 0 || o->n_quantiles < 2 || o->period_ms <= 0) {
		rc = err_set(eb, ERR_USAGE, "load levels start at 0, quantiles are 2 or more and "
					    "the period is positive");
		goto out;
	}
	if ((rc = agent_passes_read_for(o->spec, o->dtype, o->backend, &r.ps, eb)) < 0)
		goto out;
	if (o->cpus) {
		if (agent_cpuset_parse(o->cpus, &r.cpus) < 0) {
			rc = err_set(eb, ERR_USAGE, "--cpus '%s': a CPU list like 0-3 or 4,5", o->cpus);
			goto out;
		}
		if ((rc = agent_affinity_set(&r.cpus, eb)) < 0)
			goto out;
	}
	if ((rc = agent_affinity_get(&r.cpus, eb)) < 0 || (rc = agent_sys_read(r.sys, eb)) < 0)
		goto out;
	r.n_cpus = agent_cpuset_list(&r.cpus, r.cpu);
	if (o->n_threads) {
		r.n_threads = o->n_threads;
		memcpy(r.threads, o->threads, sizeof r.threads);
	} else {
		r.n_threads = r.n_cpus < AGENT_CALIB_MAX_THREADS ? r.n_cpus : AGENT_CALIB_MAX_THREADS;
		for (int i = 0; i < r.n_threads; i++)
			r.threads[i] = i + 1;
	}
	if (r.ps->n > AGENT_CALIB_MAX_PASSES) {
		rc = err_set(eb, ERR_USAGE, "%s: %d passes, at most %d are calibrated in one run",
			     o->spec, r.ps->n, AGENT_CALIB_MAX_PASSES);
		goto out;
	}
	r.cell = calloc((size_t)(r.n_threads * r.ps->n * o->n_loads), sizeof *r.cell);
	r.idle_us = calloc((size_t)(r.n_threads * r.ps->n), sizeof *r.idle_us);
	if (!r.cell || !r.idle_us) {
		rc = err_set(eb, ERR_NOMEM, "out of memory");
		goto out;
	}
	agent_pool_place(&r.cpus);
	placed = 1;
	r.f0 = agent_sys_freq_mhz(r.sys, &r.cpus);
	for (int ti = 0; rc == 0 && ti < r.n_threads; ti++)
		rc = calibrate_threads(&r, ti, eb);
	r.f1 = agent_sys_freq_mhz(r.sys, &r.cpus);
	if (rc < 0)
		goto out;
	rc = afile_write(out_path, write_calibration, &r, eb);
out:
	if (r.cell)
		for (int i = 0; i < r.n_threads * r.ps->n * o->n_loads; i++)
			free(r.cell[i].x);
	free(r.cell);
	free(r.idle_us);
	agent_passes_destroy(r.ps);
	if (placed)
		agent_pool_place(NULL);
	free(r.sys);
	return rc;
}

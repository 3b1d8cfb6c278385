/*
 * acadence.c: the cadence verb (see acadence.h): passes after idle gaps, run as serve runs
 * them, their times as quantiles. Not for the pass itself (arun.c).
 */
#include "acadence.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "acalib.h"
#include "afile.h"
#include "alists.h"
#include "aload.h"
#include "ameasure.h"
#include "arun.h"
#include "asys.h"
#include "kb.h"

#ifndef ADASCALE_VERSION
#define ADASCALE_VERSION "unknown"
#endif
#ifndef ADASCALE_DATADIR
#define ADASCALE_DATADIR "/usr/local/share/adascale"
#endif

#define DEFAULT_SPEC "models/zoo/mobilenet_v1.csv"

void agent_cadence_defaults(struct agent_cadence_opts *o)
{
	static const double gaps[] = {0, 2, 5, 10, 20, 50, 100, 200, 500};
	memset(o, 0, sizeof *o);
	o->spec = access(DEFAULT_SPEC, R_OK) == 0 ? DEFAULT_SPEC
						   : ADASCALE_DATADIR "/" DEFAULT_SPEC;
	o->backend = "auto";
	o->dtype = DT_FP32;
	o->n_gaps = (int)(sizeof gaps / sizeof gaps[0]);
	memcpy(o->gaps_ms, gaps, sizeof gaps);
	o->n_loads = 1;
	o->period_ms = 5;
	o->rounds = 40;
	o->warmup = 5;
	o->n_quantiles = 21;
	o->seed = 1;
	o->progress = 1;
}

int agent_cadence_parse_gaps(const char *s, struct agent_cadence_opts *o, struct errbuf *eb)
{
	double x[AGENT_CADENCE_MAX_GAPS];
	int n, rc = agent_list_parse_from0(s, "--gaps", "back to back: the other gaps are held "
					   "against it", 60000, x, AGENT_CADENCE_MAX_GAPS, &n, eb);
	if (rc < 0)
		return rc;
	memcpy(o->gaps_ms, x, (size_t)n * sizeof x[0]);
	o->n_gaps = n;
	return 0;
}

int agent_cadence_parse_loads(const char *s, struct agent_cadence_opts *o, struct errbuf *eb)
{
	double x[AGENT_CADENCE_MAX_LOADS];
	int n, rc = agent_list_parse_from0(s, "--loads", "the idle cadence, which a device's "
					   "cadence needs", 1, x, AGENT_CADENCE_MAX_LOADS, &n, eb);
	if (rc < 0)
		return rc;
	memcpy(o->loads, x, (size_t)n * sizeof x[0]);
	o->n_loads = n;
	return 0;
}

/* ---- the inference thread, as serve's ---- */

struct worker {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct agent_pass *pass;
	int have_job, done, quit, rc;
	int64_t end_ns;
	struct errbuf eb;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->have_job && !w->quit)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->quit)
			break;
		w->have_job = 0;
		struct agent_pass *p = w->pass;
		pthread_mutex_unlock(&w->mu);
		struct errbuf eb = {0};
		int rc = agent_pass_run(p, &eb);
		int64_t end = agent_mono_ns();
		pthread_mutex_lock(&w->mu);
		w->end_ns = end;
		w->rc = rc;
		if (rc < 0)
			w->eb = eb;
		w->done = 1;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* One pass on the worker, from its wake to its end: ms, or -1 with eb set. */
static double timed_pass(struct worker *w, struct agent_pass *p, struct errbuf *eb)
{
	pthread_mutex_lock(&w->mu);
	int64_t t0 = agent_mono_ns();
	w->pass = p;
	w->done = 0;
	w->have_job = 1;
	pthread_cond_broadcast(&w->cv);
	while (!w->done)
		pthread_cond_wait(&w->cv, &w->mu);
	int rc = w->rc;
	int64_t end = w->end_ns;
	if (rc < 0)
		*eb = w->eb;
	pthread_mutex_unlock(&w->mu);
	return rc < 0 ? -1 : (double)(end - t0) / 1e6;
}

/* ---- the cells ---- */

struct run {
	const struct agent_cadence_opts *o;
	struct agent_passes *ps;
	int n_threads;
	int threads[AGENT_CADENCE_MAX_THREADS];
	double *ms;            /* [thread][load][pass][gap][round] */
	struct agent_sys *sys;
	struct agent_cpuset cpus;
	int n_cpus;
	int cpu[AGENT_MAX_CPUS]; /* the CPUs the load runs on */
};

static double *cell(const struct run *r, int ti, int li, int pi, int gi)
{
	size_t at = ((size_t)ti * (size_t)r->o->n_loads + (size_t)li) * (size_t)r->ps->n +
		    (size_t)pi;
	return r->ms + (at * (size_t)r->o->n_gaps + (size_t)gi) * (size_t)r->o->rounds;
}

/* Every gap of pass pi at threads r->threads[ti] under load level li, in rounds. */
static int measure_pass(struct run *r, struct worker *w, int ti, int li, int pi,
			struct errbuf *eb)
{
	const struct agent_cadence_opts *o = r->o;
	const struct agent_pass_spec *sp = &r->ps->p[pi];
	struct agent_pass *p = NULL;
	int rc = agent_pass_create(sp->layers, sp->n, o->backend, r->threads[ti], o->seed,
				   o->spec, &p, eb);
	for (int i = 0; rc == 0 && i < o->warmup; i++)
		rc = timed_pass(w, p, eb) < 0 ? eb->code : 0;
	for (int k = 0; rc == 0 && k < o->rounds; k++)
		for (int gi = 0; rc == 0 && gi < o->n_gaps; gi++) {
			if (o->gaps_ms[gi] > 0)
				agent_sleep_until(agent_mono_ns() + (int64_t)(o->gaps_ms[gi] * 1e6));
			double ms = timed_pass(w, p, eb);
			if (ms < 0)
				rc = eb->code;
			else
				cell(r, ti, li, pi, gi)[k] = ms;
		}
	agent_pass_destroy(p);
	if (rc < 0 || !o->progress)
		return rc;
	for (int gi = 0; gi < o->n_gaps; gi++) {
		double *x = cell(r, ti, li, pi, gi);
		agent_sort(x, o->rounds);
		fprintf(stderr,
			"cadence: %d threads, util_other %g, %s%s, gap %g ms: median %.3f ms, "
			"p90 %.3f ms\n",
			r->threads[ti], o->loads[li], sp->key[0] ? "pass " : "",
			sp->key[0] ? sp->key : "the spec", o->gaps_ms[gi],
			agent_quantile(x, o->rounds, 0.5),
			agent_quantile(x, o->rounds, 0.9));
	}
	return 0;
}

static int write_cadence(void *ctx, FILE *f)
{
	struct run *r = ctx;
	const struct agent_cadence_opts *o = r->o;
	char date[32], list[256];
	struct utsname un;
	agent_iso_now(date, sizeof date);
	agent_cpuset_format(&r->cpus, list, sizeof list);
	int ok = 1, n_p = r->ps->n;
	ok &= fprintf(f, "# cadence: slowdown of a whole pass after an idle gap (from the wake "
			 "of the inference thread to the pass's end, as adascale-agent serve runs "
			 "one) against the median of the same pass at the same thread count back "
			 "to back (gap 0)\n") > 0;
	ok &= fprintf(f, "# agent: adascale-agent %s\n# host: %s\n# cpu: %s\n", ADASCALE_VERSION,
		      r->sys->host, r->sys->cpu_model[0] ? r->sys->cpu_model : "unknown") > 0;
	if (uname(&un) == 0)
		ok &= fprintf(f, "# kernel: %s %s %s\n", un.sysname, un.release, un.machine) > 0;
	ok &= fprintf(f, "# date: %s\n", date) > 0;
	if (o->command)
		ok &= fprintf(f, "# command: %s\n", o->command) > 0;
	ok &= fprintf(f, "# spec: %s\n# passes: %d\n# backend: %s\n# cpus: %s\n# seed: %llu\n",
		      o->spec, n_p, o->backend, list, (unsigned long long)o->seed) > 0;
	ok &= fprintf(f, "# rounds: %d, each a pass after every gap in turn, after %d warm-up "
			 "passes\n", o->rounds, o->warmup) > 0;
	if (o->n_loads > 1)
		ok &= agent_load_header(f, o->shape, r->n_cpus, o->period_ms,
				 "running while that level's passes are timed; slowdowns against "
				 "back to back at the same load");
	/* each pass's back-to-back median, then each pass's slowdowns per cell */
	size_t n_b = (size_t)r->n_threads * (size_t)o->n_loads * (size_t)n_p;
	double *b2b = calloc(n_b, sizeof *b2b);
	double *pool = malloc((size_t)o->rounds * sizeof *pool);
	if (!b2b || !pool) {
		free(b2b);
		free(pool);
		errno = ENOMEM;
		return -1;
	}
	for (int ti = 0; ok && ti < r->n_threads; ti++)
		for (int li = 0; ok && li < o->n_loads; li++) {
			if (li == 0)
				ok &= fprintf(f, "# back_to_back_median_ms.%d:", r->threads[ti]) > 0;
			else
				ok &= fprintf(f, "# back_to_back_median_ms.%d.util_%g:",
					      r->threads[ti], o->loads[li]) > 0;
			for (int pi = 0; pi < n_p; pi++) {
				double *x = cell(r, ti, li, pi, 0);
				size_t at = ((size_t)ti * (size_t)o->n_loads + (size_t)li) *
						    (size_t)n_p + (size_t)pi;
				agent_sort(x, o->rounds);
				b2b[at] = agent_quantile(x, o->rounds, 0.5);
				ok &= fprintf(f, " %.4f", b2b[at]) > 0;
			}
			ok &= fprintf(f, "\n") > 0;
		}
	ok &= fprintf(f, "%s\n", AGENT_CADENCE_HEADER) > 0;
	for (int ti = 0; ok && ti < r->n_threads; ti++)
		for (int pi = 0; ok && pi < n_p; pi++)
			for (int li = 0; ok && li < o->n_loads; li++)
				for (int gi = 0; ok && gi < o->n_gaps; gi++) {
					const double *x = cell(r, ti, li, pi, gi);
					size_t base = (size_t)ti * (size_t)o->n_loads * (size_t)n_p;
					double at_load = b2b[base + (size_t)li * (size_t)n_p + (size_t)pi];
					double idle = b2b[base + (size_t)pi]; /* the pass's length */
					for (int k = 0; k < o->rounds; k++)
						pool[k] = x[k] / at_load;
					agent_sort(pool, o->rounds);
					for (int qi = 0; ok && qi < o->n_quantiles; qi++) {
						double q = (double)qi / (o->n_quantiles - 1);
						ok &= fprintf(f, "%d,%d,%.6f,%.10g,%.10g,%.10g,%.6f,%d\n",
							      r->threads[ti], pi, idle, o->loads[li],
							      o->gaps_ms[gi], q,
							      agent_quantile(pool, o->rounds, q),
							      o->rounds) > 0;
					}
				}
	free(b2b);
	free(pool);
	return ok && fflush(f) == 0 ? 0 : -1;
}

int agent_cadence(const struct agent_cadence_opts *o, const char *out_path, struct errbuf *eb)
{
	struct errbuf local;
	if (!eb)
		eb = &local;
	struct run r = {.o = o};
	struct agent_load ld = {0}; /* the competing load, one loader per CPU */
	struct worker w = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
	pthread_t th;
	int rc, started = 0;
	if (!(r.sys = calloc(1, sizeof *r.sys)))
		return err_set(eb, ERR_NOMEM, "out of memory");
	if (o->n_gaps < 1 || o->gaps_ms[0] != 0 || o->n_loads < 1 || o->loads[0] != 0 ||
	    o->n_quantiles < 2 || o->rounds < 1 || o->period_ms <= 0) {
		rc = err_set(eb, ERR_USAGE, "gaps and loads start at 0, quantiles are 2 or more, "
					    "there is a round at least and the period is positive");
		goto out;
	}
	if ((rc = agent_passes_read_for(o->spec, o->dtype, o->backend, &r.ps, eb)) < 0)
		goto out;
	if ((rc = agent_affinity_get(&r.cpus, eb)) < 0 || (rc = agent_sys_read(r.sys, eb)) < 0)
		goto out;
	r.n_cpus = agent_cpuset_list(&r.cpus, r.cpu);
	if (o->n_threads) {
		r.n_threads = o->n_threads;
		memcpy(r.threads, o->threads, sizeof r.threads);
	} else {
		r.n_threads = r.n_cpus < AGENT_CADENCE_MAX_THREADS ? r.n_cpus
								   : AGENT_CADENCE_MAX_THREADS;
		for (int i = 0; i < r.n_threads; i++)
			r.threads[i] = i + 1;
	}
	size_t n_ms = (size_t)r.n_threads * (size_t)o->n_loads * (size_t)r.ps->n *
		      (size_t)o->n_gaps * (size_t)o->rounds;
	if (!(r.ms = calloc(n_ms, sizeof *r.ms))) {
		rc = err_set(eb, ERR_NOMEM, "out of memory");
		goto out;
	}
	if (pthread_create(&th, NULL, worker_main, &w) != 0) {
		rc = err_set(eb, ERR_IO, "cannot start the inference thread");
		goto out;
	}
	started = 1;
	if (!(ld.l = calloc((size_t)r.n_cpus, sizeof(struct agent_loader)))) {
		rc = err_set(eb, ERR_NOMEM, "out of memory");
		goto out;
	}
	for (int ti = 0; rc == 0 && ti < r.n_threads; ti++)
		for (int li = 0; rc == 0 && li < o->n_loads; li++) {
			rc = agent_load_start(&ld, r.cpu, r.n_cpus, o->loads[li], o->period_ms,
					      o->shape, eb);
			for (int pi = 0; rc == 0 && pi < r.ps->n; pi++)
				rc = measure_pass(&r, &w, ti, li, pi, eb);
			agent_load_stop(&ld);
		}
	if (rc < 0)
		goto out;
	rc = afile_write(out_path, write_cadence, &r, eb);
out:
	if (started) {
		pthread_mutex_lock(&w.mu);
		w.quit = 1;
		pthread_cond_broadcast(&w.cv);
		pthread_mutex_unlock(&w.mu);
		pthread_join(th, NULL);
	}
	free(r.ms);
	free(ld.l);
	agent_passes_destroy(r.ps);
	free(r.sys);
	return rc;
}

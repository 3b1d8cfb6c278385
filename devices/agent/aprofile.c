/*
 * aprofile.c: the profile verb (see aprofile.h): backend choice, the loop over kernels (or
 * passes) and thread counts, and the timings file. The lists are read by alists.c.
 */
#include "aprofile.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "acache.h"
#include "afile.h"
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

void agent_profile_defaults(struct agent_profile_opts *o)
{
	memset(o, 0, sizeof *o);
	o->backend = "auto";
	o->n_threads = 0; /* 1 and the CPUs the process may use once --cpus applies */
	agent_measure_defaults(&o->m);
	o->seed = 1;
	o->evict_kb = 0;
	o->ramp_ms = 200;
	o->spread_max = 1.5;
	o->rounds = 2;
	o->jitter_line = 0;
}

int agent_parse_threads(const char *s, struct agent_profile_opts *o, struct errbuf *eb)
{
	int n = 0;
	const char *p = s;
	while (*p) {
		char num[32];
		size_t len = strcspn(p, ",");
		long v;
		if (len == 0 || len >= sizeof num)
			return err_set(eb, ERR_USAGE, "--threads '%s': a list like 1,2,4", s);
		memcpy(num, p, len);
		num[len] = '\0';
		if (num_long(num, &v) < 0 || v < 1 || v > 1024)
			return err_set(eb, ERR_USAGE, "--threads: '%s' is not a count in 1..1024", num);
		int dup = 0;
		for (int i = 0; i < n; i++)
			dup |= o->threads[i] == (int)v;
		if (!dup) {
			if (n == AGENT_MAX_THREAD_COUNTS)
				return err_set(eb, ERR_USAGE, "--threads: at most %d counts",
					       AGENT_MAX_THREAD_COUNTS);
			o->threads[n++] = (int)v;
		}
		p += len;
		if (*p == ',' && *++p == '\0')
			return err_set(eb, ERR_USAGE, "--threads '%s': trailing comma", s);
	}
	if (n == 0)
		return err_set(eb, ERR_USAGE, "--threads: empty list");
	o->n_threads = n;
	return 0;
}

/* Writes with a check; ERR_IO naming the output when the stream fails. */
struct out {
	FILE *f;
	const char *name;
	int failed;
	int err;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	if (o->failed)
		return;
	va_list ap;
	va_start(ap, fmt);
	errno = 0;
	if (vfprintf(o->f, fmt, ap) < 0) {
		o->failed = 1;
		o->err = errno ? errno : EIO;
	}
	va_end(ap);
}

static void put_freq(struct out *o, double mhz)
{
	if (mhz > 0)
		put(o, "%.0f", mhz);
}

/* What both kinds of profile share: options, machine, thread counts, output. */
struct prof {
	const struct agent_profile_opts *o;
	struct agent_sys *sys;
	struct agent_cpuset cpus;
	int threads[AGENT_MAX_THREAD_COUNTS], n_threads;
	size_t evict_bytes;
	struct out w;
	int progress;
};

/* One finished timing, kept until the file is written. */
struct result {
	double median_us, p10_us, p90_us;
	int runs;
	double f0, f1;
	int changed;
	int unstable;    /* still unstable after the last round: the row's `unstable` flag */
};

/* The row's p90 over its p10 (infinite when p10 is 0 and p90 is not). */
static double spread(const struct result *r)
{
	if (r->p90_us <= 0)
		return 1;
	return r->p10_us > 0 ? r->p90_us / r->p10_us : INFINITY;
}

/* Unstable: a spread past the bound, or the frequency changed during the row. */
static int is_unstable(const struct agent_profile_opts *o, const struct result *r)
{
	return spread(r) > o->spread_max || r->changed;
}

/*
 * Of two measurements of one row, the one to keep: a stable one over an unstable one, else
 * the narrower spread.
 */
static int better(const struct agent_profile_opts *o, const struct result *a,
		  const struct result *b)
{
	int ua = is_unstable(o, a), ub = is_unstable(o, b);
	if (ua != ub)
		return !ua;
	return spread(a) < spread(b);
}

static void put_row(struct prof *pf, const struct kshape *k, int threads, const char *backend,
		    const struct result *r)
{
	struct out *w = &pf->w;
	double gflops = 2.0 * kshape_macs(k) / (r->median_us * 1e3);
	if (!w->failed && kshape_write(w->f, k) < 0) {
		w->failed = 1;
		w->err = errno ? errno : EIO;
	}
	put(w, ",%d,%s,%.3f,%.3f,%.3f,%d,%.6g,", threads, backend, r->median_us, r->p10_us,
	    r->p90_us, r->runs, gflops);
	put_freq(w, r->f0);
	put(w, ",");
	put_freq(w, r->f1);
	put(w, ",");
	if (r->f0 > 0 && r->f1 > 0)
		put(w, "%d", r->changed);
	put(w, ",%d\n", r->unstable);
	if (!w->failed && fflush(w->f) != 0) {
		w->failed = 1;
		w->err = errno ? errno : EIO;
	}
}

static void put_metadata(struct prof *pf, const char *mode)
{
	const struct agent_profile_opts *o = pf->o;
	struct out *w = &pf->w;
	char date[32], cpulist[256], thread_list[128] = "";
	agent_iso_now(date, sizeof date);
	agent_cpuset_format(&pf->cpus, cpulist, sizeof cpulist);
	for (int t = 0; t < pf->n_threads; t++) {
		size_t at = strlen(thread_list);
		snprintf(thread_list + at, sizeof thread_list - at, "%s%d", t ? "," : "",
			 pf->threads[t]);
	}
	double ref = agent_sys_ref_mhz(pf->sys, &pf->cpus);
	put(w, "# agent: adascale-agent %s\n", ADASCALE_VERSION);
	put(w, "# host: %s\n", pf->sys->host);
	put(w, "# cpu: %s\n", pf->sys->cpu_model[0] ? pf->sys->cpu_model : "unknown");
	put(w, "# date: %s\n", date);
	if (ref > 0)
		put(w, "# freq_ref_mhz: %.0f\n", ref);
	put(w, "# freq_source: %s\n", agent_sys_freq_source(pf->sys));
	put(w, "# kernels: %s\n", o->kernels_label ? o->kernels_label : o->kernels);
	put(w, "# backend: %s\n", o->backend);
	put(w, "# threads: %s\n", thread_list);
	put(w, "# cpus: %s\n", cpulist);
	if (agent_pool_first_cpu() >= 0)
		put(w, "# placement: timing thread on CPU %d; agent pool threads pinned from the "
		       "highest allowed CPU down; OpenBLAS and XNNPACK threads placed by the "
		       "kernel\n",
		    agent_pool_first_cpu());
	put(w, "# mode: %s\n", mode);
	put(w, "# measure: the first %s warms up at least %g ms; each %d runs and %g ms, then at "
	       "least %d runs until the 95%% confidence interval of the median is within +-%g%% "
	       "or the running median moves < %g%% over %d runs, or for %g s or %d runs\n",
	    strcmp(mode, "isolated") == 0 ? "kernel" : "pass",
	    o->ramp_ms > o->m.warmup_ms ? o->ramp_ms : o->m.warmup_ms, o->m.warmup, o->m.warmup_ms,
	    o->m.min_runs, o->m.stable_rel * 100, o->m.stable_rel * 100, o->m.stable_window,
	    o->m.max_seconds, o->m.max_runs);
	if (pf->evict_bytes)
		put(w, "# cache: before each run %zu KB of scratch written on each of the kernel's "
		       "threads, then its input read back\n",
		    pf->evict_bytes >> 10);
	else if (strcmp(mode, "isolated") == 0)
		put(w, "# cache: warm (runs back to back, nothing evicted)\n");
	put(w, "# seed: %llu\n", (unsigned long long)o->seed);
	put(w, "# stability: a row is unstable when its p90/p10 exceeds %g or the frequency "
	       "changed during it; unstable rows are measured again after all the others, up to "
	       "%d more round%s, keeping the better measurement; rows still unstable have "
	       "unstable = 1\n",
	    o->spread_max, o->rounds, o->rounds == 1 ? "" : "s");
	if (o->jitter_line > 0)
		put(w, "# inject_jitter: the row of line %ld sleeps %g us in every other timed run, "
		       "on purpose (--inject-jitter): its timings are not the kernel's\n",
		    o->jitter_line, AGENT_JITTER_US);
}

/*
 * --inject-jitter: a backend that runs the real one and sleeps in every other run, making a
 * kernel unstable on purpose (the test of the stability check). One at a time: the profile
 * is single-threaded.
 */
static const struct kb_backend *jitter_real;
static long jitter_count;

static int jitter_run(void *state, struct errbuf *eb)
{
	int rc = jitter_real->run(state, eb);
	if (rc == 0 && (jitter_count++ & 1)) {
		struct timespec ts = {0, (long)(AGENT_JITTER_US * 1e3)};
		nanosleep(&ts, NULL);
	}
	return rc;
}

static struct kb_backend jitter_backend;

static const struct kb_backend *jittered(const struct kb_backend *b)
{
	jitter_real = b;
	jitter_count = 0;
	jitter_backend = *b;
	jitter_backend.run = jitter_run;
	return &jitter_backend;
}

static void show_progress(struct prof *pf, int done, int total, const char *what, int threads,
		     const char *backend)
{
	if (!pf->progress)
		return;
	if (total < 0) /* a later round: the rows measured again */
		fprintf(stderr, "\r\033[K[again %d] %s, %d thread%s%s%s", done + 1, what, threads,
			threads > 1 ? "s" : "", backend ? ", " : "", backend ? backend : "");
	else
		fprintf(stderr, "\r\033[K[%d/%d] %s, %d thread%s%s%s", done + 1, total, what,
			threads, threads > 1 ? "s" : "", backend ? ", " : "", backend ? backend : "");
	fflush(stderr);
}

/* Each unique kernel of the list timed on its own. */
static int profile_kernels(struct prof *pf, struct errbuf *eb)
{
	const struct agent_profile_opts *o = pf->o;
	struct agent_klist *l = NULL;
	const struct kb_backend **chosen = NULL;
	char **skip_why = NULL;
	struct agent_evict *evict[AGENT_MAX_THREAD_COUNTS] = {0};
	struct agent_cpuset saved;
	struct result *res = NULL;
	int rc;
	if ((rc = agent_klist_read(o->kernels, &l, eb)) < 0)
		goto out;
	chosen = calloc((size_t)l->n, sizeof *chosen);
	skip_why = calloc((size_t)l->n, sizeof *skip_why);
	if (!chosen || !skip_why) {
		rc = err_set(eb, ERR_NOMEM, "out of memory");
		goto out;
	}
	int n_skipped = 0;
	for (int i = 0; i < l->n; i++) {
		char why[KB_WHY_LEN] = "unsupported";
		chosen[i] = kb_choose(o->backend, &l->items[i].k, why);
		if (chosen[i])
			continue;
		if (strcmp(o->backend, "auto") != 0) {
			rc = err_set(eb, ERR_USAGE, "%s:%ld: %s: %s", l->path, l->items[i].line,
				     o->backend, why);
			goto out;
		}
		if (!(skip_why[i] = malloc(strlen(why) + 1))) {
			rc = err_set(eb, ERR_NOMEM, "out of memory");
			goto out;
		}
		strcpy(skip_why[i], why);
		n_skipped++;
		fprintf(stderr, "adascale-agent: warning: %s:%ld: skipped: %s\n", l->path,
			l->items[i].line, why);
	}
	if (n_skipped == l->n) {
		rc = err_set(eb, ERR_USAGE, "%s: no row of the list runs on this machine", l->path);
		goto out;
	}
	for (int t = 0; pf->evict_bytes && t < pf->n_threads; t++)
		if (!(evict[t] = agent_evict_create(pf->evict_bytes, pf->threads[t], eb))) {
			rc = eb->code;
			goto out;
		}
	if ((rc = agent_affinity_get(&saved, eb)) < 0)
		goto out;

	put_metadata(pf, "isolated");
	for (int i = 0; i < l->n; i++)
		if (skip_why[i])
			put(&pf->w, "# skipped: %s:%ld: %s\n", l->path, l->items[i].line, skip_why[i]);
	put(&pf->w, "%s\n", AGENT_TIMINGS_HEADER);
	if (pf->w.failed)
		goto out;

	if (!(res = calloc((size_t)l->n * (size_t)pf->n_threads, sizeof *res))) {
		rc = err_set(eb, ERR_NOMEM, "out of memory");
		goto out;
	}
	int n_done = 0, n_unstable = 0, n_total = (l->n - n_skipped) * pf->n_threads;
	int n_again = 0, n_flagged = 0;
	double t_start = agent_now_s();
	/* round 0 measures every row; later rounds the rows still unstable, in list order */
	for (int round = 0; round <= o->rounds; round++) {
		int n_round = 0;
		for (int i = 0; i < l->n; i++) {
			const struct kb_backend *b = chosen[i];
			if (!b)
				continue;
			const struct kshape *k = &l->items[i].k;
			for (int t = 0; t < pf->n_threads; t++) {
				struct result *kept = &res[(size_t)i * pf->n_threads + t];
				if (round > 0 && !is_unstable(o, kept))
					continue;
				void *state = NULL;
				char key[128];
				kshape_format(k, key, sizeof key);
				show_progress(pf, round ? n_round : n_done, round ? -1 : n_total, key,
					      pf->threads[t], b->name());
				if ((rc = b->prepare(k, pf->threads[t], o->seed, &state, eb)) < 0) {
					err_wrap(eb, "%s:%ld", l->path, l->items[i].line);
					goto out;
				}
				const struct kb_backend *rb =
					o->jitter_line == l->items[i].line ? jittered(b) : b;
				struct agent_timing tm;
				struct agent_cache_prep cp;
				agent_cache_prep_init(&cp, evict[t], b, state);
				struct agent_measure_opts mo = o->m;
				mo.prep = agent_cache_prep;
				mo.prep_ctx = &cp;
				if (n_done == 0 && round == 0 && o->ramp_ms > mo.warmup_ms)
					mo.warmup_ms = o->ramp_ms;
				int pinned = agent_thread_pin(agent_pool_first_cpu()) == 0;
				struct result r = {0};
				r.f0 = agent_sys_freq_mhz(pf->sys, &pf->cpus);
				rc = agent_measure(rb, state, &mo, &tm, eb);
				r.f1 = agent_sys_freq_mhz(pf->sys, &pf->cpus);
				if (pinned)
					agent_thread_affinity_set(&saved);
				b->release(state);
				if (rc < 0) {
					err_wrap(eb, "%s:%ld", l->path, l->items[i].line);
					goto out;
				}
				r.median_us = tm.median_us;
				r.p10_us = tm.p10_us;
				r.p90_us = tm.p90_us;
				r.runs = tm.runs;
				r.changed = r.f0 > 0 && r.f1 > 0 && fabs(r.f1 - r.f0) > 0.02 * r.f0;
				r.unstable = !tm.stable; /* until written: stopped by a limit */
				if (round == 0) {
					*kept = r;
					n_done++;
				} else {
					n_again++;
					if (better(o, &r, kept))
						*kept = r;
				}
				n_round++;
			}
		}
		if (n_round == 0)
			break;
	}
	for (int i = 0; i < l->n; i++) {
		if (!chosen[i])
			continue;
		for (int t = 0; t < pf->n_threads; t++) {
			struct result *r = &res[(size_t)i * pf->n_threads + t];
			n_unstable += r->unstable; /* the kept measurement stopped by a limit */
			r->unstable = is_unstable(o, r);
			n_flagged += r->unstable;
			put_row(pf, &l->items[i].k, pf->threads[t], chosen[i]->name(), r);
			if (pf->w.failed)
				goto out;
		}
	}
	if (pf->progress)
		fprintf(stderr, "\r\033[K");
	put(&pf->w, "# done: %d rows (%d unique kernels of %d rows, %d skipped), %d stopped by the "
		    "time or run limit before the median settled; %d measured again, %d still "
		    "unstable (unstable = 1); %.1f s\n",
	    n_done, l->n, l->n_rows, n_skipped, n_unstable, n_again, n_flagged,
	    agent_now_s() - t_start);
	rc = 0;
out:
	for (int t = 0; t < AGENT_MAX_THREAD_COUNTS; t++)
		agent_evict_destroy(evict[t]);
	if (l && skip_why)
		for (int i = 0; i < l->n; i++)
			free(skip_why[i]);
	free(skip_why);
	free(chosen);
	free(res);
	agent_klist_destroy(l);
	return rc;
}

/* Pooled in-pass times of one unique kernel at one thread count. */
struct pool_times {
	double *x;
	int n, cap;
	struct result r;
	int seen;
};

static int pool_add(struct pool_times *p, const double *x, int n)
{
	if (p->n + n > p->cap) {
		int cap = p->cap ? p->cap : 64;
		while (cap < p->n + n)
			cap *= 2;
		double *nx = realloc(p->x, (size_t)cap * sizeof *nx);
		if (!nx)
			return ERR_NOMEM;
		p->x = nx;
		p->cap = cap;
	}
	memcpy(p->x + p->n, x, (size_t)n * sizeof *x);
	p->n += n;
	return 0;
}

/*
 * Each pass of a pass list timed whole; a kernel's times are the times of the layers with
 * its shape within the timed passes, pooled over every such layer of every pass.
 */
static int profile_passes(struct prof *pf, struct errbuf *eb)
{
	const struct agent_profile_opts *o = pf->o;
	struct agent_passes *ps = NULL;
	struct agent_klist *u = NULL; /* the unique kernels of all passes */
	int **ukey = NULL; /* per pass, per layer: its unique kernel */
	struct pool_times *pt = NULL, *pt2 = NULL; /* pooled times: first, and of a later round */
	struct agent_timing *whole = NULL; /* per pass, per thread count: the pass timed whole */
	struct agent_pass *pass = NULL;
	int rc;
	if ((rc = agent_passes_read(o->kernels, DT_FP32, &ps, eb)) < 0)
		goto out;
	if (!(u = agent_klist_create(ps->path, eb))) {
		rc = eb->code;
		goto out;
	}
	if (!(ukey = calloc((size_t)ps->n, sizeof *ukey))) {
		rc = err_set(eb, ERR_NOMEM, "out of memory");
		goto out;
	}
	for (int p = 0; p < ps->n; p++) {
		const struct agent_pass_spec *sp = &ps->p[p];
		if (!(ukey[p] = malloc((size_t)sp->n * sizeof **ukey))) {
			rc = err_set(eb, ERR_NOMEM, "out of memory");
			goto out;
		}
		for (int i = 0; i < sp->n; i++) {
			const struct agent_layer *ly = &sp->layers[i];
			char why[KB_WHY_LEN] = "unsupported";
			if (!kb_choose(o->backend, &ly->k, why)) {
				rc = err_set(eb, ERR_USAGE, "%s:%ld: %s: %s", ps->path, ly->line,
					     o->backend, why);
				goto out;
			}
			int at = agent_klist_add(u, &ly->k, ly->line);
			if (at < 0) {
				rc = err_set(eb, at, "out of memory");
				goto out;
			}
			ukey[p][i] = at;
		}
	}
	int n_layers = u->n_rows;
	if (!(pt = calloc((size_t)u->n * (size_t)pf->n_threads, sizeof *pt)) ||
	    !(pt2 = calloc((size_t)u->n * (size_t)pf->n_threads, sizeof *pt2))) {
		rc = err_set(eb, ERR_NOMEM, "out of memory");
		goto out;
	}

	if (!(whole = calloc((size_t)ps->n * (size_t)pf->n_threads, sizeof *whole))) {
		rc = err_set(eb, ERR_NOMEM, "out of memory");
		goto out;
	}
	put_metadata(pf, "in-model");
	put(&pf->w, "# passes: %d pass%s of %d layers in all, %d unique kernels; a kernel's times "
		    "are those of the layers with its shape within the timed passes, pooled over "
		    "all of them\n",
	    ps->n, ps->n == 1 ? "" : "es", n_layers, u->n);
	if (pf->w.failed)
		goto out;

	int n_done = 0, n_unstable = 0, n_total = ps->n * pf->n_threads;
	int n_again = 0, n_flagged = 0, n_kt = u->n * pf->n_threads;
	double t_start = agent_now_s();
	/*
	 * Round 0 times every pass; a later round times again, in list order, the passes with a
	 * kernel whose row is still unstable, pooling their layer times afresh (pt2); a row
	 * keeps the better of its pooled measurements.
	 */
	for (int round = 0; round <= o->rounds; round++) {
		struct pool_times *into = round ? pt2 : pt;
		int n_round = 0;
		for (int t = 0; t < pf->n_threads; t++) {
			for (int p = 0; p < ps->n; p++) {
				const struct agent_pass_spec *sp = &ps->p[p];
				if (round > 0) {
					int any = 0;
					for (int i = 0; i < sp->n && !any; i++)
						any = pt[(size_t)ukey[p][i] * pf->n_threads + t]
							      .r.unstable;
					if (!any)
						continue;
				}
				char what[AGENT_PASS_KEY_LEN + 32];
				snprintf(what, sizeof what, "pass %s", sp->key);
				show_progress(pf, round ? n_round : n_done, round ? -1 : n_total, what,
					      pf->threads[t], NULL);
				if ((rc = agent_pass_create(sp->layers, sp->n, o->backend,
							    pf->threads[t], o->seed, ps->path, &pass,
							    eb)) < 0)
					goto out;
				struct agent_measure_opts mo = o->m;
				if (n_done == 0 && round == 0 && o->ramp_ms > mo.warmup_ms)
					mo.warmup_ms = o->ramp_ms;
				struct agent_timing tm;
				double f0 = agent_sys_freq_mhz(pf->sys, &pf->cpus);
				rc = agent_pass_time(pass, &mo, &tm, eb);
				double f1 = agent_sys_freq_mhz(pf->sys, &pf->cpus);
				if (rc < 0) {
					err_wrap(eb, "%s: pass '%s'", ps->path, sp->key);
					goto out;
				}
				if (round == 0)
					n_unstable += !tm.stable;
				/* the pass whole: the narrower of its measurements */
				struct agent_timing *wt = &whole[(size_t)p * pf->n_threads + t];
				if (wt->runs == 0 ||
				    tm.p90_us / tm.p10_us < wt->p90_us / wt->p10_us)
					*wt = tm;
				for (int i = 0; i < sp->n; i++) {
					size_t at = (size_t)ukey[p][i] * pf->n_threads + t;
					if (round > 0 && !pt[at].r.unstable)
						continue;
					struct pool_times *q = &into[at];
					int ns;
					const double *x = agent_pass_layer_times(pass, i, &ns);
					if (pool_add(q, x, ns) < 0) {
						rc = err_set(eb, ERR_NOMEM, "out of memory");
						goto out;
					}
					if (!q->seen)
						q->r.f0 = f0;
					q->seen = 1;
					q->r.f1 = f1;
					q->r.changed |= f0 > 0 && f1 > 0 && fabs(f1 - f0) > 0.02 * f0;
				}
				agent_pass_destroy(pass);
				pass = NULL;
				if (round == 0)
					n_done++;
				else
					n_again++;
				n_round++;
			}
		}
		/* summarise what this round pooled; keep the better of two measurements */
		for (int j = 0; j < n_kt; j++) {
			struct pool_times *q = &into[j];
			if (!q->seen)
				continue;
			agent_sort(q->x, q->n);
			q->r.median_us = agent_quantile(q->x, q->n, 0.5);
			q->r.p10_us = agent_quantile(q->x, q->n, 0.1);
			q->r.p90_us = agent_quantile(q->x, q->n, 0.9);
			q->r.runs = q->n;
			if (round > 0 && better(o, &q->r, &pt[j].r))
				pt[j].r = q->r;
			pt[j].r.unstable = is_unstable(o, &pt[j].r);
			q->n = 0;
			q->seen = 0;
			if (round > 0)
				memset(&q->r, 0, sizeof q->r);
		}
		if (round > 0 && n_round == 0)
			break;
	}
	if (pf->progress)
		fprintf(stderr, "\r\033[K");
	/* each pass whole, for a variant's level (timings.h), then the kernels */
	put(&pf->w, "# pass_us: each pass timed whole: threads, median, p10 and p90 in us, runs, "
		    "the pass\n");
	for (int p = 0; p < ps->n; p++)
		for (int t = 0; t < pf->n_threads && ps->p[p].key[0]; t++) {
			const struct agent_timing *wt = &whole[(size_t)p * pf->n_threads + t];
			put(&pf->w, "# pass: %d %.3f %.3f %.3f %d %s\n", pf->threads[t],
			    wt->median_us, wt->p10_us, wt->p90_us, wt->runs, ps->p[p].key);
		}
	put(&pf->w, "%s\n", AGENT_TIMINGS_HEADER);
	int n_rows = 0;
	for (int i = 0; i < u->n; i++) {
		char why[KB_WHY_LEN];
		const struct kb_backend *b = kb_choose(o->backend, &u->items[i].k, why);
		for (int t = 0; t < pf->n_threads; t++) {
			struct pool_times *q = &pt[(size_t)i * pf->n_threads + t];
			n_flagged += q->r.unstable;
			put_row(pf, &u->items[i].k, pf->threads[t], b->name(), &q->r);
			n_rows++;
		}
	}
	put(&pf->w, "# done: %d rows (%d unique kernels of %d layers in %d pass%s, 0 skipped), %d of "
		    "%d pass timings stopped by the time or run limit before the median settled; "
		    "%d passes timed again, %d rows still unstable (unstable = 1); %.1f s\n",
	    n_rows, u->n, n_layers, ps->n, ps->n == 1 ? "" : "es", n_unstable, n_total, n_again,
	    n_flagged, agent_now_s() - t_start);
	rc = 0;
out:
	agent_pass_destroy(pass);
	for (int i = 0; pt && i < u->n * pf->n_threads; i++)
		free(pt[i].x);
	for (int i = 0; pt2 && i < u->n * pf->n_threads; i++)
		free(pt2[i].x);
	free(pt);
	free(pt2);
	free(whole);
	for (int p = 0; ukey && p < ps->n; p++)
		free(ukey[p]);
	free(ukey);
	agent_klist_destroy(u);
	agent_passes_destroy(ps);
	return rc;
}

int agent_profile(const struct agent_profile_opts *o, const char *out_path, struct errbuf *eb)
{
	struct errbuf local;
	if (!eb)
		eb = &local;
	int rc;
	struct afile *af = NULL;
	struct prof pf;
	memset(&pf, 0, sizeof pf);
	pf.o = o;
	if (!(pf.sys = calloc(1, sizeof *pf.sys)))
		return err_set(eb, ERR_NOMEM, "out of memory");

	if (strcmp(o->backend, "auto") != 0 && !kb_find(o->backend)) {
		rc = err_set(eb, ERR_USAGE, "--backend '%s': auto, openblas or xnnpack", o->backend);
		goto out;
	}
	int in_model = agent_is_pass_list(o->kernels, eb);
	if (in_model < 0) {
		rc = in_model;
		goto out;
	}
	if (o->cpus) {
		if (agent_cpuset_parse(o->cpus, &pf.cpus) < 0) {
			rc = err_set(eb, ERR_USAGE, "--cpus '%s': a CPU list like 0-3 or 4,5", o->cpus);
			goto out;
		}
		if ((rc = agent_affinity_set(&pf.cpus, eb)) < 0)
			goto out;
	}
	if ((rc = agent_affinity_get(&pf.cpus, eb)) < 0 || (rc = agent_sys_read(pf.sys, eb)) < 0)
		goto out;
	/*
	 * While timing, the timing thread is on the highest allowed CPU and the agent pool's
	 * workers on the next ones down; threads the libraries create (in prepare, before the
	 * pin) keep the whole set, so the kernel spreads them.
	 */
	agent_pool_place(&pf.cpus);
	pf.n_threads = o->n_threads;
	memcpy(pf.threads, o->threads, sizeof pf.threads);
	if (pf.n_threads == 0) {
		pf.threads[pf.n_threads++] = 1;
		if (agent_cpuset_count(&pf.cpus) > 1)
			pf.threads[pf.n_threads++] = agent_cpuset_count(&pf.cpus);
	}
	if (!in_model)
		pf.evict_bytes = o->evict_kb < 0 ? agent_evict_default_bytes(agent_pool_first_cpu())
						 : (size_t)o->evict_kb << 10;
	pf.progress = o->progress && isatty(STDERR_FILENO);

	if (!(af = afile_create(out_path, eb))) {
		rc = eb->code;
		goto out;
	}
	pf.w.f = afile_stream(af);
	pf.w.name = afile_name(af);
	rc = in_model ? profile_passes(&pf, eb) : profile_kernels(&pf, eb);
	if (rc < 0)
		goto out;
	if (!pf.w.failed && fflush(pf.w.f) != 0) {
		pf.w.failed = 1;
		pf.w.err = errno ? errno : EIO;
	}
	if (pf.w.failed) {
		rc = err_set(eb, ERR_IO, "%s: write failed: %s", pf.w.name, strerror(pf.w.err));
		goto out;
	}
	rc = afile_commit(af, eb);
out:
	agent_pool_place(NULL);
	afile_destroy(af);
	free(pf.sys);
	return rc;
}

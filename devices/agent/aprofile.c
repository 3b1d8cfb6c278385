/*
 * aprofile.c: the profile verb (see aprofile.h): kernel list, backend choice, the loop over
 * kernels and thread counts, and the timings file.
 */
#include "aprofile.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kb.h"
#include "apool.h"
#include "csvin.h"
#include "num.h"
#include "asys.h"

#ifndef ADASCALE_VERSION
#define ADASCALE_VERSION "unknown"
#endif

void agent_klist_destroy(struct agent_klist *l)
{
	if (!l)
		return;
	free(l->path);
	free(l->items);
	free(l);
}

int agent_klist_read(const char *path, struct agent_klist **out, struct errbuf *eb)
{
	struct errbuf local;
	if (!eb)
		eb = &local;
	int rc;
	struct agent_klist *l = calloc(1, sizeof *l);
	struct csvin *c = NULL;
	if (!l || !(l->path = malloc(strlen(path) + 1))) {
		rc = err_set(eb, ERR_NOMEM, "out of memory");
		goto fail;
	}
	strcpy(l->path, path);
	if (!(c = csvin_open(path, eb))) {
		rc = eb->code;
		goto fail;
	}
	struct kshape_cols kc;
	if ((rc = kshape_cols(c, &kc, eb)) < 0)
		goto fail;
	int cap = 0;
	while ((rc = csvin_next(c, eb)) > 0) {
		struct kshape k;
		if ((rc = kshape_read(c, &kc, &k, eb)) < 0)
			goto fail;
		l->n_rows++;
		int seen = 0;
		for (int i = 0; i < l->n && !seen; i++)
			seen = kshape_cmp(&l->items[i].k, &k) == 0;
		if (seen)
			continue;
		if (l->n == cap) {
			int ncap = cap ? cap * 2 : 64;
			struct agent_kernel *it = realloc(l->items, (size_t)ncap * sizeof *it);
			if (!it) {
				rc = err_set(eb, ERR_NOMEM, "%s: out of memory", path);
				goto fail;
			}
			l->items = it;
			cap = ncap;
		}
		l->items[l->n].k = k;
		l->items[l->n].line = csvin_line(c);
		l->n++;
	}
	if (rc < 0)
		goto fail;
	if (l->n == 0) {
		rc = err_set(eb, ERR_PARSE, "%s:%ld: no kernel rows after the header", path,
			     csvin_line(c));
		goto fail;
	}
	csvin_close(c);
	*out = l;
	return 0;
fail:
	csvin_close(c);
	agent_klist_destroy(l);
	return rc;
}

void agent_profile_defaults(struct agent_profile_opts *o)
{
	memset(o, 0, sizeof *o);
	o->backend = "auto";
	o->n_threads = 0; /* 1 and the CPUs the process may use once --cpus applies */
	agent_measure_defaults(&o->m);
	o->seed = 1;
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

const struct kb_backend *agent_choose_backend(const char *name, const struct kshape *k,
					      char *why)
{
	if (strcmp(name, "auto") != 0) {
		const struct kb_backend *b = kb_find(name);
		if (!b) {
			snprintf(why, KB_WHY_LEN, "no backend '%.32s'", name);
			return NULL;
		}
		return b->supports(k, why) ? b : NULL;
	}
	/* fp32 on OpenBLAS; int8 and fp16, and fp32 rows OpenBLAS refuses, on XNNPACK */
	char why_ob[KB_WHY_LEN] = "";
	if (k->dtype == DT_FP32 && kb_openblas.supports(k, why_ob))
		return &kb_openblas;
	if (kb_xnnpack.supports(k, why))
		return &kb_xnnpack;
	if (why_ob[0])
		snprintf(why, KB_WHY_LEN, "%s", why_ob);
	return NULL;
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

int agent_profile(const struct agent_profile_opts *o, const char *out_path, struct errbuf *eb)
{
	struct errbuf local;
	if (!eb)
		eb = &local;
	int rc;
	struct agent_klist *l = NULL;
	const struct kb_backend **chosen = NULL;
	char **skip_why = NULL;
	char *tmp = NULL;
	struct out w = {.f = NULL, .name = out_path ? out_path : "stdout"};
	struct agent_cpuset saved_cpus;
	struct agent_sys *sys = calloc(1, sizeof *sys);
	if (!sys)
		return err_set(eb, ERR_NOMEM, "out of memory");

	if (strcmp(o->backend, "auto") != 0 && !kb_find(o->backend)) {
		rc = err_set(eb, ERR_USAGE, "--backend '%s': auto, openblas or xnnpack", o->backend);
		goto out;
	}
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
		chosen[i] = agent_choose_backend(o->backend, &l->items[i].k, why);
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

	struct agent_cpuset cpus;
	if (o->cpus) {
		if (agent_cpuset_parse(o->cpus, &cpus) < 0) {
			rc = err_set(eb, ERR_USAGE, "--cpus '%s': a CPU list like 0-3 or 4,5", o->cpus);
			goto out;
		}
		if ((rc = agent_affinity_set(&cpus, eb)) < 0)
			goto out;
	}
	if ((rc = agent_affinity_get(&cpus, eb)) < 0 || (rc = agent_sys_read(sys, eb)) < 0)
		goto out;
	/*
	 * While timing, the timing thread is on the highest allowed CPU and the agent pool's
	 * workers on the next ones down; threads the libraries create (in prepare, before the
	 * pin) keep the whole set, so the kernel spreads them.
	 */
	saved_cpus = cpus;
	agent_pool_place(&cpus);
	int threads[AGENT_MAX_THREAD_COUNTS], n_threads = o->n_threads;
	memcpy(threads, o->threads, sizeof threads);
	if (n_threads == 0) {
		threads[n_threads++] = 1;
		if (agent_cpuset_count(&cpus) > 1)
			threads[n_threads++] = agent_cpuset_count(&cpus);
	}

	if (out_path) {
		size_t n = strlen(out_path) + 32;
		if (!(tmp = malloc(n))) {
			rc = err_set(eb, ERR_NOMEM, "out of memory");
			goto out;
		}
		snprintf(tmp, n, "%s.tmp.%ld", out_path, (long)getpid());
		if (!(w.f = fopen(tmp, "w"))) {
			rc = err_set(eb, ERR_IO, "%s: cannot create: %s", tmp, strerror(errno));
			goto out;
		}
	} else {
		w.f = stdout;
	}

	char date[32], cpulist[256], thread_list[128] = "";
	agent_iso_now(date, sizeof date);
	agent_cpuset_format(&cpus, cpulist, sizeof cpulist);
	for (int t = 0; t < n_threads; t++) {
		size_t at = strlen(thread_list);
		snprintf(thread_list + at, sizeof thread_list - at, "%s%d", t ? "," : "",
			 threads[t]);
	}
	double ref = agent_sys_ref_mhz(sys, &cpus);
	put(&w, "# agent: adascale-agent %s\n", ADASCALE_VERSION);
	put(&w, "# host: %s\n", sys->host);
	put(&w, "# cpu: %s\n", sys->cpu_model[0] ? sys->cpu_model : "unknown");
	put(&w, "# date: %s\n", date);
	if (ref > 0)
		put(&w, "# freq_ref_mhz: %.0f\n", ref);
	put(&w, "# freq_source: %s\n", agent_sys_freq_source(sys));
	put(&w, "# kernels: %s\n", o->kernels);
	put(&w, "# backend: %s\n", o->backend);
	put(&w, "# threads: %s\n", thread_list);
	put(&w, "# cpus: %s\n", cpulist);
	if (agent_pool_first_cpu() >= 0)
		put(&w, "# placement: timing thread on CPU %d; agent pool threads pinned from the "
			"highest allowed CPU down; OpenBLAS and XNNPACK threads placed by the "
			"kernel\n",
		    agent_pool_first_cpu());
	put(&w, "# measure: warm-up %d runs and %g ms; stop when the running median moves < %g%% "
		"over %d runs (at least %d runs), or after %g s or %d runs\n",
	    o->m.warmup, o->m.warmup_ms, o->m.stable_rel * 100, o->m.stable_window, o->m.min_runs,
	    o->m.max_seconds, o->m.max_runs);
	put(&w, "# seed: %llu\n", (unsigned long long)o->seed);
	for (int i = 0; i < l->n; i++)
		if (skip_why[i])
			put(&w, "# skipped: %s:%ld: %s\n", l->path, l->items[i].line, skip_why[i]);
	put(&w, "%s\n", AGENT_TIMINGS_HEADER);
	if (w.failed)
		goto write_failed;

	int progress = o->progress && isatty(STDERR_FILENO);
	int n_done = 0, n_unstable = 0, n_total = (l->n - n_skipped) * n_threads;
	double t_start = agent_now_s();
	for (int i = 0; i < l->n; i++) {
		const struct kb_backend *b = chosen[i];
		if (!b)
			continue;
		const struct kshape *k = &l->items[i].k;
		for (int t = 0; t < n_threads; t++) {
			void *state = NULL;
			char key[128];
			kshape_format(k, key, sizeof key);
			if (progress) {
				fprintf(stderr, "\r\033[K[%d/%d] %s, %d thread%s, %s", n_done + 1, n_total,
					key, threads[t], threads[t] > 1 ? "s" : "", b->name());
				fflush(stderr);
			}
			if ((rc = b->prepare(k, threads[t], o->seed, &state, eb)) < 0) {
				err_wrap(eb, "%s:%ld", l->path, l->items[i].line);
				goto out;
			}
			struct agent_timing tm;
			int pinned = agent_thread_pin(agent_pool_first_cpu()) == 0;
			double f0 = agent_sys_freq_mhz(sys, &cpus);
			rc = agent_measure(b, state, &o->m, &tm, eb);
			double f1 = agent_sys_freq_mhz(sys, &cpus);
			if (pinned)
				agent_thread_affinity_set(&saved_cpus);
			b->release(state);
			if (rc < 0) {
				err_wrap(eb, "%s:%ld", l->path, l->items[i].line);
				goto out;
			}
			n_unstable += !tm.stable;
			double gflops = 2.0 * kshape_macs(k) / (tm.median_us * 1e3);
			if (!w.failed && kshape_write(w.f, k) < 0) {
				w.failed = 1;
				w.err = errno ? errno : EIO;
			}
			put(&w, ",%d,%s,%.3f,%.3f,%.3f,%d,%.6g,", threads[t], b->name(),
			    tm.median_us, tm.p10_us, tm.p90_us, tm.runs, gflops);
			put_freq(&w, f0);
			put(&w, ",");
			put_freq(&w, f1);
			put(&w, ",");
			if (f0 > 0 && f1 > 0)
				put(&w, "%d", fabs(f1 - f0) > 0.02 * f0);
			put(&w, "\n");
			if (!w.failed && fflush(w.f) != 0) {
				w.failed = 1;
				w.err = errno ? errno : EIO;
			}
			if (w.failed)
				goto write_failed;
			n_done++;
		}
	}
	if (progress)
		fprintf(stderr, "\r\033[K");
	put(&w, "# done: %d rows (%d unique kernels of %d rows, %d skipped), %d stopped by the "
		"time or run limit before the median settled; %.1f s\n",
	    n_done, l->n, l->n_rows, n_skipped, n_unstable, agent_now_s() - t_start);
	if (!w.failed && fflush(w.f) != 0) {
		w.failed = 1;
		w.err = errno ? errno : EIO;
	}
	if (w.failed)
		goto write_failed;
	if (tmp) {
		FILE *f = w.f;
		w.f = NULL;
		if (fclose(f) != 0) {
			rc = err_set(eb, ERR_IO, "%s: write failed: %s", out_path, strerror(errno));
			goto out;
		}
		if (rename(tmp, out_path) != 0) {
			rc = err_set(eb, ERR_IO, "%s: cannot rename to %s: %s", tmp, out_path,
				     strerror(errno));
			goto out;
		}
		free(tmp);
		tmp = NULL;
	}
	rc = 0;
	goto out;
write_failed:
	rc = err_set(eb, ERR_IO, "%s: write failed: %s", w.name, strerror(w.err));
out:
	agent_pool_place(NULL);
	if (tmp) {
		if (w.f)
			fclose(w.f);
		remove(tmp);
		free(tmp);
	}
	if (l && skip_why)
		for (int i = 0; i < l->n; i++)
			free(skip_why[i]);
	free(skip_why);
	free(chosen);
	agent_klist_destroy(l);
	free(sys);
	return rc;
}

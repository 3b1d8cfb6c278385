/*
 * arun.c: whole model passes and the run verb (see arun.h). A pass is timed with the same
 * loop as a kernel (ameasure.c); a hook collects each timed pass's per-layer times, whose
 * medians give each layer's time inside the model.
 */
#include "arun.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acache.h"
#include "afile.h"
#include "alists.h"
#include "ameasure.h"
#include "apool.h"
#include "asys.h"
#include "csvin.h"
#include "kb.h"

#ifndef ADASCALE_VERSION
#define ADASCALE_VERSION "unknown"
#endif

/* ---- passes ---- */

struct player {
	struct kshape k;
	const struct kb_backend *b;
	void *state;
	double last_us;  /* in the pass being timed */
	double *samples; /* per timed pass */
};

struct agent_pass {
	int n;
	struct player *l;
	int n_samples, cap;
	int nomem;
	int n_chained;
	int threads;
	agent_measure_hook user_hook; /* the caller's on_run, called after keep_pass */
	void *user_ctx;
};

void agent_pass_destroy(struct agent_pass *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->n; i++) {
		if (p->l[i].state)
			p->l[i].b->release(p->l[i].state);
		free(p->l[i].samples);
	}
	free(p->l);
	free(p);
}

int agent_pass_create(const struct agent_layer *layers, int n, const char *backend, int threads,
		      uint64_t seed, const char *what, struct agent_pass **out, struct errbuf *eb)
{
	int rc = 0;
	if (n < 1)
		return err_set(eb, ERR_USAGE, "%s: no layers", what);
	struct agent_pass *p = calloc(1, sizeof *p);
	if (!p || !(p->l = calloc((size_t)n, sizeof *p->l))) {
		free(p);
		return err_set(eb, ERR_NOMEM, "out of memory");
	}
	p->n = n;
	p->threads = threads;
	for (int i = 0; i < n; i++) {
		char why[KB_WHY_LEN] = "unsupported";
		p->l[i].k = layers[i].k;
		if (!(p->l[i].b = kb_choose(backend, &layers[i].k, why))) {
			rc = err_set(eb, ERR_USAGE, "%s:%ld: %s: %s", what, layers[i].line, backend,
				     why);
			goto fail;
		}
	}
	for (int i = 0; i < n; i++)
		if ((rc = p->l[i].b->prepare(&p->l[i].k, threads, seed + (uint64_t)i,
					     &p->l[i].state, eb)) < 0) {
			err_wrap(eb, "%s:%ld", what, layers[i].line);
			goto fail;
		}
	/* each layer reads the output of the one before it (or of its named input) */
	for (int i = 1; i < n; i++) {
		int from = layers[i].input >= 0 && layers[i].input < i ? layers[i].input : i - 1;
		struct kb_view vf, vi;
		p->l[from].b->view(p->l[from].state, &vf);
		p->l[i].b->view(p->l[i].state, &vi);
		if (vf.dtype != vi.dtype || vf.n_out != vi.n_in || vf.unsigned8 != vi.unsigned8 ||
		    !p->l[i].b->bind)
			continue;
		if ((rc = p->l[i].b->bind(p->l[i].state, vf.out, eb)) < 0) {
			err_wrap(eb, "%s:%ld", what, layers[i].line);
			goto fail;
		}
		p->n_chained++;
	}
	*out = p;
	return 0;
fail:
	agent_pass_destroy(p);
	return rc;
}

int agent_pass_n_layers(const struct agent_pass *p) { return p->n; }
int agent_pass_n_chained(const struct agent_pass *p) { return p->n_chained; }
const char *agent_pass_backend(const struct agent_pass *p, int i) { return p->l[i].b->name(); }

static const char *pass_name(void) { return "pass"; }

/* One pass: every layer in order, each timed. */
static int pass_run(void *state, struct errbuf *eb)
{
	struct agent_pass *p = state;
	for (int i = 0; i < p->n; i++) {
		double t0 = agent_now_s();
		int rc = p->l[i].b->run(p->l[i].state, eb);
		p->l[i].last_us = (agent_now_s() - t0) * 1e6;
		if (rc < 0)
			return err_wrap(eb, "layer %d", i + 1);
	}
	return 0;
}

static void keep_pass(void *ctx, double us)
{
	struct agent_pass *p = ctx;
	if (p->user_hook)
		p->user_hook(p->user_ctx, us);
	if (p->nomem)
		return;
	if (p->n_samples == p->cap) {
		int cap = p->cap ? p->cap * 2 : 64;
		for (int i = 0; i < p->n; i++) {
			double *s = realloc(p->l[i].samples, (size_t)cap * sizeof *s);
			if (!s) {
				p->nomem = 1;
				return;
			}
			p->l[i].samples = s;
		}
		p->cap = cap;
	}
	for (int i = 0; i < p->n; i++)
		p->l[i].samples[p->n_samples] = p->l[i].last_us;
	p->n_samples++;
}

/* Pins the calling thread where the agent pool puts index 0; *saved to undo it. */
static int pin_caller(struct agent_cpuset *saved)
{
	struct errbuf eb = {0};
	int cpu = agent_pool_first_cpu();
	if (cpu < 0 || agent_affinity_get(saved, &eb) < 0)
		return 0;
	return agent_thread_pin(cpu) == 0;
}

int agent_pass_time(struct agent_pass *p, const struct agent_measure_opts *o,
		    struct agent_timing *t, struct errbuf *eb)
{
	const struct kb_backend whole = {.name = pass_name, .run = pass_run};
	struct agent_measure_opts mo = *o;
	p->user_hook = o->on_run;
	p->user_ctx = o->on_run_ctx;
	mo.on_run = keep_pass;
	mo.on_run_ctx = p;
	p->n_samples = 0;
	p->nomem = 0;
	struct agent_cpuset saved;
	int pinned = pin_caller(&saved);
	int rc = agent_measure(&whole, p, &mo, t, eb);
	if (pinned)
		agent_thread_affinity_set(&saved);
	if (rc < 0)
		return rc;
	if (p->nomem)
		return err_set(eb, ERR_NOMEM, "out of memory for per-layer times");
	for (int i = 0; i < p->n; i++)
		agent_sort(p->l[i].samples, p->n_samples);
	return 0;
}

int agent_pass_run(struct agent_pass *p, struct errbuf *eb) { return pass_run(p, eb); }

int agent_passes_read_for(const char *path, enum dtype dtype, const char *backend,
			  struct agent_passes **out, struct errbuf *eb)
{
	if (strcmp(backend, "auto") != 0 && !kb_find(backend))
		return err_set(eb, ERR_USAGE, "--backend '%s': auto, openblas or xnnpack", backend);
	struct agent_passes *ps = NULL;
	int rc = agent_passes_read(path, dtype, &ps, eb);
	for (int pi = 0; rc == 0 && pi < ps->n; pi++)
		for (int i = 0; rc == 0 && i < ps->p[pi].n; i++) {
			char why[KB_WHY_LEN] = "unsupported";
			if (!kb_choose(backend, &ps->p[pi].layers[i].k, why))
				rc = err_set(eb, ERR_USAGE, "%s:%ld: %s: %s", path,
					     ps->p[pi].layers[i].line, backend, why);
		}
	if (rc < 0) {
		agent_passes_destroy(ps);
		return rc;
	}
	*out = ps;
	return 0;
}

const double *agent_pass_layer_times(const struct agent_pass *p, int i, int *n)
{
	*n = p->n_samples;
	return p->l[i].samples;
}

int agent_pass_time_alone(struct agent_pass *p, const struct agent_measure_opts *o,
			  long evict_kb, double *alone_us, struct errbuf *eb)
{
	int rc = 0;
	size_t evict_bytes = evict_kb < 0 ? agent_evict_default_bytes(agent_pool_first_cpu())
					  : (size_t)evict_kb << 10;
	struct agent_evict *ev = NULL;
	if (evict_bytes && !(ev = agent_evict_create(evict_bytes, p->threads, eb)))
		return eb->code;
	struct agent_cpuset saved;
	int pinned = pin_caller(&saved);
	for (int i = 0; rc == 0 && i < p->n; i++) {
		struct agent_timing t;
		struct agent_cache_prep cp;
		agent_cache_prep_init(&cp, ev, p->l[i].b, p->l[i].state);
		struct agent_measure_opts lo = *o;
		lo.prep = agent_cache_prep;
		lo.prep_ctx = &cp;
		lo.on_run = NULL;
		if ((rc = agent_measure(p->l[i].b, p->l[i].state, &lo, &t, eb)) == 0)
			alone_us[i] = t.median_us;
	}
	if (pinned)
		agent_thread_affinity_set(&saved);
	agent_evict_destroy(ev);
	return rc;
}

/* ---- the run verb ---- */

void agent_run_defaults(struct agent_run_opts *o)
{
	memset(o, 0, sizeof *o);
	o->backend = "auto";
	o->dtype = DT_FP32;
	o->threads = 1;
	agent_measure_defaults(&o->m);
	o->seed = 1;
	o->evict_kb = 0;
}

int agent_run(const struct agent_run_opts *o, const char *out_path, struct errbuf *eb)
{
	struct errbuf local;
	if (!eb)
		eb = &local;
	struct agent_passes *ps = NULL;
	struct agent_pass *p = NULL;
	double *alone = NULL;
	struct afile *af = NULL;
	struct agent_sys *sys = calloc(1, sizeof *sys);
	struct agent_cpuset cpus;
	int rc;
	if (!sys)
		return err_set(eb, ERR_NOMEM, "out of memory");
	if (strcmp(o->backend, "auto") != 0 && !kb_find(o->backend)) {
		rc = err_set(eb, ERR_USAGE, "--backend '%s': auto, openblas or xnnpack", o->backend);
		goto out;
	}
	if (o->threads < 1 || o->threads > 1024) {
		rc = err_set(eb, ERR_USAGE, "--threads %d: 1..1024", o->threads);
		goto out;
	}
	if ((rc = agent_passes_read(o->spec, o->dtype, &ps, eb)) < 0)
		goto out;
	if (ps->n != 1) {
		rc = err_set(eb, ERR_USAGE, "%s: %d passes; run times one model (profile takes "
					    "pass lists)",
			     o->spec, ps->n);
		goto out;
	}
	/* every layer must have a backend before anything is built */
	for (int i = 0; i < ps->p[0].n; i++) {
		char why[KB_WHY_LEN] = "unsupported";
		if (!kb_choose(o->backend, &ps->p[0].layers[i].k, why)) {
			rc = err_set(eb, ERR_USAGE, "%s:%ld: %s: %s", o->spec,
				     ps->p[0].layers[i].line, o->backend, why);
			goto out;
		}
	}
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
	agent_pool_place(&cpus);
	int n = ps->p[0].n;
	if (!(alone = calloc((size_t)n, sizeof *alone))) {
		rc = err_set(eb, ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = agent_pass_create(ps->p[0].layers, n, o->backend, o->threads, o->seed, o->spec,
				    &p, eb)) < 0)
		goto out;

	/* the whole model, then each layer alone */
	struct agent_timing whole;
	double f0 = agent_sys_freq_mhz(sys, &cpus);
	rc = agent_pass_time(p, &o->m, &whole, eb);
	double f1 = agent_sys_freq_mhz(sys, &cpus);
	if (rc == 0)
		rc = agent_pass_time_alone(p, &o->m, o->evict_kb, alone, eb);
	if (rc < 0)
		goto out;

	double sum_in = 0, sum_alone = 0;
	for (int i = 0; i < n; i++) {
		int ns;
		const double *s = agent_pass_layer_times(p, i, &ns);
		p->l[i].last_us = agent_quantile(s, ns, 0.5);
		sum_in += p->l[i].last_us;
		sum_alone += alone[i];
	}

	if (!(af = afile_create(out_path, eb))) {
		rc = eb->code;
		goto out;
	}
	FILE *f = afile_stream(af);
	char date[32], list[256];
	agent_iso_now(date, sizeof date);
	agent_cpuset_format(&cpus, list, sizeof list);
	double ref = agent_sys_ref_mhz(sys, &cpus);
	int ok = 1;
	ok &= fprintf(f, "# agent: adascale-agent %s\n# host: %s\n# cpu: %s\n# date: %s\n",
		      ADASCALE_VERSION, sys->host, sys->cpu_model[0] ? sys->cpu_model : "unknown",
		      date) > 0;
	if (ref > 0)
		ok &= fprintf(f, "# freq_ref_mhz: %.0f\n", ref) > 0;
	ok &= fprintf(f, "# spec: %s\n# backend: %s\n# threads: %d\n# cpus: %s\n# seed: %llu\n",
		      o->spec, o->backend, o->threads, list, (unsigned long long)o->seed) > 0;
	ok &= fprintf(f, "# model_median_us: %.3f\n# model_p10_us: %.3f\n# model_p90_us: %.3f\n"
			 "# model_runs: %d\n",
		      whole.median_us, whole.p10_us, whole.p90_us, whole.runs) > 0;
	ok &= fprintf(f, "# sum_in_model_us: %.3f\n# sum_alone_us: %.3f\n", sum_in, sum_alone) > 0;
	if (f0 > 0 && f1 > 0)
		ok &= fprintf(f, "# model_freq_mhz: %.0f to %.0f\n", f0, f1) > 0;
	ok &= fprintf(f, "# chained: %d of %d layers read an earlier layer's output; the others "
			 "(and add's second input) read their own buffer\n",
		      p->n_chained, n - 1) > 0;
	if (o->evict_kb)
		ok &= fprintf(f, "# cache: alone_us with %s KB of scratch written before each run "
				 "and the input read back\n",
			      o->evict_kb < 0 ? "the default" : "the given") > 0;
	ok &= fprintf(f, "# note: in_model_us is the median of the layer's time within timed "
			 "passes; alone_us its median when run by itself, as profile times it\n") > 0;
	ok &= fprintf(f, "%s\n", AGENT_RUN_HEADER) > 0;
	for (int i = 0; ok && i < n; i++) {
		ok &= fprintf(f, "%d,", i + 1) > 0;
		ok &= csvin_write_field(f, ps->p[0].layers[i].name) == 0;
		ok &= fprintf(f, ",") > 0 && kshape_write(f, &p->l[i].k) == 0;
		ok &= fprintf(f, ",%d,%s,%.3f,%.3f\n", o->threads, p->l[i].b->name(),
			      p->l[i].last_us, alone[i]) > 0;
	}
	ok &= fflush(f) == 0;
	if (!ok) {
		rc = err_set(eb, ERR_IO, "%s: write failed: %s", afile_name(af),
			     strerror(errno ? errno : EIO));
		goto out;
	}
	rc = afile_commit(af, eb);
out:
	afile_destroy(af);
	agent_pass_destroy(p);
	agent_passes_destroy(ps);
	free(alone);
	agent_pool_place(NULL);
	free(sys);
	return rc;
}

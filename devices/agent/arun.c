/*
 * arun.c: the run verb (see arun.h). The model pass is timed with the same loop as a kernel
 * (ameasure.c); a hook collects each timed pass's per-layer times, whose medians give each
 * layer's time inside the model.
 */
#include "arun.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kb.h"
#include "csvin.h"
#include "apool.h"
#include "aprofile.h"
#include "asys.h"

#ifndef ADASCALE_VERSION
#define ADASCALE_VERSION "unknown"
#endif

struct layer {
	struct kshape k;
	char name[64];
	char input[64]; /* the spec's input column: the layer it reads ("" the previous) */
	long line;
	const struct kb_backend *b;
	void *state;
	double last_us;   /* in the pass being timed */
	double *samples;  /* per timed pass */
	double alone_us;
};

struct model {
	int n;
	struct layer *l;
	int n_samples, cap;
	int nomem;
};

void agent_run_defaults(struct agent_run_opts *o)
{
	memset(o, 0, sizeof *o);
	o->backend = "auto";
	o->dtype = DT_FP32;
	o->threads = 1;
	agent_measure_defaults(&o->m);
	o->seed = 1;
}

static const char *model_name(void) { return "model"; }

/* One pass: every layer in order, each timed. */
static int model_pass(void *state, struct errbuf *eb)
{
	struct model *m = state;
	for (int i = 0; i < m->n; i++) {
		double t0 = agent_now_s();
		int rc = m->l[i].b->run(m->l[i].state, eb);
		m->l[i].last_us = (agent_now_s() - t0) * 1e6;
		if (rc < 0)
			return err_wrap(eb, "layer %d", i + 1);
	}
	return 0;
}

static void keep_pass(void *ctx, double us)
{
	(void)us;
	struct model *m = ctx;
	if (m->nomem)
		return;
	if (m->n_samples == m->cap) {
		int cap = m->cap ? m->cap * 2 : 64;
		for (int i = 0; i < m->n; i++) {
			double *s = realloc(m->l[i].samples, (size_t)cap * sizeof *s);
			if (!s) {
				m->nomem = 1;
				return;
			}
			m->l[i].samples = s;
		}
		m->cap = cap;
	}
	for (int i = 0; i < m->n; i++)
		m->l[i].samples[m->n_samples] = m->l[i].last_us;
	m->n_samples++;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Reads the spec's layers (shape columns, optional name and dtype). */
static int read_spec(const struct agent_run_opts *o, struct model *m, struct errbuf *eb)
{
	static const char *const cols[8] = {"op",     "in_h",   "in_w",  "in_c",
					    "out_c",  "kernel", "stride", "groups"};
	int rc = 0, cap = 0, ci[8];
	struct csvin *c = csvin_open(o->spec, eb);
	if (!c)
		return eb->code;
	for (int i = 0; i < 8; i++)
		if ((ci[i] = csvin_require_col(c, cols[i], eb)) < 0) {
			rc = ci[i];
			goto out;
		}
	int c_name = csvin_col(c, "name"), c_dtype = csvin_col(c, "dtype");
	int c_input = csvin_col(c, "input");
	while ((rc = csvin_next(c, eb)) > 0) {
		struct kshape k;
		memset(&k, 0, sizeof k);
		int op = kop_parse(csvin_field(c, ci[0]));
		if (op < 0) {
			rc = csvin_fail(c, eb, ERR_PARSE, "unknown op '%.32s' (%s)",
					csvin_field(c, ci[0]),
					"conv, dwconv, fc, avgpool, maxpool, add");
			goto out;
		}
		k.op = (enum kop)op;
		int *dst[7] = {&k.in_h, &k.in_w, &k.in_c, &k.out_c, &k.kernel, &k.stride, &k.groups};
		for (int i = 0; i < 7; i++) {
			long v;
			if ((rc = csvin_long_in(c, ci[i + 1], 1, 1 << 20, &v, eb)) < 0)
				goto out;
			*dst[i] = (int)v;
		}
		k.dtype = o->dtype;
		if (c_dtype >= 0) {
			int d = dtype_parse(csvin_field(c, c_dtype));
			if (d < 0) {
				rc = csvin_fail(c, eb, ERR_PARSE, "unknown dtype '%.32s'",
						csvin_field(c, c_dtype));
				goto out;
			}
			k.dtype = (enum dtype)d;
		}
		char why[128];
		if (kshape_check(&k, why, sizeof why) < 0) {
			rc = csvin_fail(c, eb, ERR_RANGE, "%s", why);
			goto out;
		}
		if (m->n == cap) {
			cap = cap ? cap * 2 : 64;
			struct layer *l = realloc(m->l, (size_t)cap * sizeof *l);
			if (!l) {
				rc = err_set(eb, ERR_NOMEM, "out of memory");
				goto out;
			}
			m->l = l;
		}
		struct layer *l = &m->l[m->n++];
		memset(l, 0, sizeof *l);
		l->k = k;
		l->line = csvin_line(c);
		snprintf(l->name, sizeof l->name, "%s", c_name >= 0 ? csvin_field(c, c_name) : "");
		snprintf(l->input, sizeof l->input, "%s", c_input >= 0 ? csvin_field(c, c_input) : "");
	}
	if (rc == 0 && m->n == 0)
		rc = err_set(eb, ERR_PARSE, "%s: no layers", o->spec);
out:
	csvin_close(c);
	return rc;
}

int agent_run(const struct agent_run_opts *o, const char *out_path, struct errbuf *eb)
{
	struct errbuf local;
	if (!eb)
		eb = &local;
	struct model m;
	memset(&m, 0, sizeof m);
	FILE *f = NULL;
	struct agent_sys *sys = calloc(1, sizeof *sys);
	struct agent_cpuset cpus, saved;
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
	if ((rc = read_spec(o, &m, eb)) < 0)
		goto out;
	for (int i = 0; i < m.n; i++) {
		char why[KB_WHY_LEN] = "unsupported";
		if (!(m.l[i].b = agent_choose_backend(o->backend, &m.l[i].k, why))) {
			rc = err_set(eb, ERR_USAGE, "%s:%ld: %s: %s", o->spec, m.l[i].line, o->backend,
				     why);
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
	saved = cpus;
	agent_pool_place(&cpus);
	for (int i = 0; i < m.n; i++)
		if ((rc = m.l[i].b->prepare(&m.l[i].k, o->threads, o->seed + (uint64_t)i,
					    &m.l[i].state, eb)) < 0) {
			err_wrap(eb, "%s:%ld", o->spec, m.l[i].line);
			goto out;
		}

	/* each layer reads the output of the one before it (or of its named input) */
	int n_chained = 0;
	for (int i = 1; i < m.n; i++) {
		int from = i - 1;
		for (int j = 0; m.l[i].input[0] && j < i; j++)
			if (strcmp(m.l[j].name, m.l[i].input) == 0)
				from = j;
		struct kb_view vf, vi;
		m.l[from].b->view(m.l[from].state, &vf);
		m.l[i].b->view(m.l[i].state, &vi);
		if (vf.dtype != vi.dtype || vf.n_out != vi.n_in || !m.l[i].b->bind)
			continue;
		if ((rc = m.l[i].b->bind(m.l[i].state, vf.out, eb)) < 0) {
			err_wrap(eb, "%s:%ld", o->spec, m.l[i].line);
			goto out;
		}
		n_chained++;
	}

	/* the whole model, then each layer alone */
	const struct kb_backend model_backend = {.name = model_name, .run = model_pass};
	struct agent_measure_opts mo = o->m;
	mo.on_run = keep_pass;
	mo.on_run_ctx = &m;
	struct agent_timing whole;
	int pinned = agent_thread_pin(agent_pool_first_cpu()) == 0;
	double f0 = agent_sys_freq_mhz(sys, &cpus);
	rc = agent_measure(&model_backend, &m, &mo, &whole, eb);
	double f1 = agent_sys_freq_mhz(sys, &cpus);
	for (int i = 0; rc == 0 && i < m.n; i++) {
		struct agent_timing t;
		if ((rc = agent_measure(m.l[i].b, m.l[i].state, &o->m, &t, eb)) == 0)
			m.l[i].alone_us = t.median_us;
	}
	if (pinned)
		agent_thread_affinity_set(&saved);
	if (rc < 0)
		goto out;
	if (m.nomem) {
		rc = err_set(eb, ERR_NOMEM, "out of memory for per-layer times");
		goto out;
	}

	double sum_in = 0, sum_alone = 0;
	for (int i = 0; i < m.n; i++) {
		qsort(m.l[i].samples, (size_t)m.n_samples, sizeof(double), cmp_double);
		m.l[i].last_us = agent_quantile(m.l[i].samples, m.n_samples, 0.5);
		sum_in += m.l[i].last_us;
		sum_alone += m.l[i].alone_us;
	}

	if (!(f = out_path ? fopen(out_path, "w") : stdout)) {
		rc = err_set(eb, ERR_IO, "%s: cannot create: %s", out_path, strerror(errno));
		goto out;
	}
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
		      n_chained, m.n - 1) > 0;
	ok &= fprintf(f, "# note: in_model_us is the median of the layer's time within timed "
			 "passes; alone_us its median when run by itself, as profile times it\n") > 0;
	ok &= fprintf(f, "%s\n", AGENT_RUN_HEADER) > 0;
	for (int i = 0; ok && i < m.n; i++) {
		ok &= fprintf(f, "%d,", i + 1) > 0;
		ok &= csvin_write_field(f, m.l[i].name) == 0;
		ok &= fprintf(f, ",") > 0 && kshape_write(f, &m.l[i].k) == 0;
		ok &= fprintf(f, ",%d,%s,%.3f,%.3f\n", o->threads, m.l[i].b->name(),
			      m.l[i].last_us, m.l[i].alone_us) > 0;
	}
	ok &= fflush(f) == 0;
	if (!ok)
		rc = err_set(eb, ERR_IO, "%s: write failed: %s", out_path ? out_path : "stdout",
			     strerror(errno ? errno : EIO));
out:
	if (f && f != stdout && fclose(f) != 0 && rc == 0)
		rc = err_set(eb, ERR_IO, "%s: write failed: %s", out_path, strerror(errno));
	if (rc < 0 && f && out_path)
		remove(out_path);
	for (int i = 0; i < m.n; i++) {
		if (m.l[i].state)
			m.l[i].b->release(m.l[i].state);
		free(m.l[i].samples);
	}
	free(m.l);
	agent_pool_place(NULL);
	free(sys);
	return rc;
}

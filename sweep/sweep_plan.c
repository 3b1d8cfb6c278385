/*
 * sweep_plan.c: from a sweep file to the list of runs (see sweep.h): every input loaded and
 * checked once, the product enumerated with exclusions applied, each run's config_key
 * computed, runs that are the same experiment folded, and a shard's share kept.
 *
 * A run's identity is the key run.c's describe() computes from content hashes (trace,
 * device, timings, model), the policy's resolved name, source, parameters and (for a
 * plugin) the SHA-256 of its file, and the
 * remaining settings. The plan needs it before anything runs (to know what a database
 * already holds, and to store a crashed run under the right key), so it builds the same
 * text (run_identity, shared with run.c) from the same loaders; the executor compares it
 * with the key each finished run reports and stops on any difference. Not for running
 * anything.
 */
#include "sweep.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "model.h"
#include "registry.h"
#include "run.h"
#include "sha256.h"
#include "store.h"
#include "timings.h"
#include "trace.h"

#define SWEEP_MAX_RUNS 1000000

struct pin_timings {
	char path[PATH_MAX];
	char sha[65];
	int derived;
};

/* What identifies a resolved policy in the key. */
struct pol_id {
	char name[128];
	char source[4096];
	char params[1024];
	char sha256[65];       /* the plugin's code, "" for a built-in */
};

struct sweep_inputs {
	char (*trace_sha)[65];
	char (*device_sha)[65];
	int *device_cad;            /* per device: 1 when it names a cadence */
	int *device_tim;            /* index into tim, per device and model: [d * n_model + m] */
	int n_model;
	char (*model_sha)[65];
	struct pol_id *pol;
	int n_tim;
	struct pin_timings *tim;
};

static void inputs_free(struct sweep_inputs *in)
{
	if (!in)
		return;
	free(in->trace_sha);
	free(in->device_sha);
	free(in->device_cad);
	free(in->device_tim);
	free(in->model_sha);
	free(in->pol);
	free(in->tim);
	free(in);
}

/* Reads a trace through (the same checks as a replay) and hashes it. */
static int load_trace(const struct sweep_spec *s, const char *path, char sha[65],
		      struct errbuf *eb)
{
	struct trace *t = trace_open(path, eb);
	if (!t)
		return eb && eb->code ? eb->code : ERR_IO;
	struct trace_row r;
	int rc, rows = 0;
	while ((rc = trace_next(t, &r, eb)) > 0)
		rows++;
	trace_close(t);
	if (rc < 0)
		return rc;
	if (rows < 2 && s->duration_s <= 0)
		return err_set(eb, ERR_USAGE, "%s: one row lasts no time; give duration_s in %s",
			       path, s->path);
	if ((rc = sha256_file(path, sha)) < 0)
		return err_set(eb, rc, "%s: cannot read for hashing: %s", path, strerror(errno));
	return 0;
}

/* Loads timings once per path; *idx gets its place in in->tim. */
static int load_timings(struct sweep_inputs *in, const char *path, int *idx, struct errbuf *eb)
{
	for (int i = 0; i < in->n_tim; i++)
		if (strcmp(in->tim[i].path, path) == 0) {
			*idx = i;
			return 0;
		}
	struct timings *t = NULL;
	int rc = timings_load(path, &t, eb);
	if (rc < 0)
		return rc;
	struct pin_timings *a = realloc(in->tim, (size_t)(in->n_tim + 1) * sizeof *a);
	if (!a) {
		timings_destroy(t);
		return err_set(eb, ERR_NOMEM, "out of memory");
	}
	in->tim = a;
	struct pin_timings *p = &a[in->n_tim];
	snprintf(p->path, sizeof p->path, "%s", t->path);
	memcpy(p->sha, t->sha256, sizeof p->sha);
	p->derived = t->derived;
	timings_destroy(t);
	*idx = in->n_tim++;
	return 0;
}

static int load_inputs(const struct sweep_spec *s, struct sweep_inputs **out, struct errbuf *eb)
{
	const struct sweep_list *L = s->dim;
	struct sweep_inputs *in = calloc(1, sizeof *in);
	struct device *dev = NULL;
	struct model *m = NULL;
	struct variant_set *vs = NULL;
	int rc = ERR_NOMEM;
	if (!in)
		goto nomem;
	in->trace_sha = calloc((size_t)L[SWEEP_TRACE].n, sizeof *in->trace_sha);
	in->device_sha = calloc((size_t)L[SWEEP_DEVICE].n, sizeof *in->device_sha);
	in->device_cad = calloc((size_t)L[SWEEP_DEVICE].n, sizeof *in->device_cad);
	in->n_model = L[SWEEP_MODEL].n;
	in->device_tim = calloc((size_t)L[SWEEP_DEVICE].n * (size_t)in->n_model,
				sizeof *in->device_tim);
	in->model_sha = calloc((size_t)L[SWEEP_MODEL].n, sizeof *in->model_sha);
	in->pol = calloc((size_t)L[SWEEP_POLICY].n, sizeof *in->pol);
	if (!in->trace_sha || !in->device_sha || !in->device_cad || !in->device_tim || !in->model_sha || !in->pol)
		goto nomem;
	int d = SWEEP_TRACE, i = 0; /* what a failure below is about */
	for (i = 0; i < L[SWEEP_TRACE].n; i++)
		if ((rc = load_trace(s, L[SWEEP_TRACE].v[i], in->trace_sha[i], eb)) < 0)
			goto fail_at;
	for (d = SWEEP_DEVICE, i = 0; i < L[SWEEP_DEVICE].n; i++) {
		if ((rc = device_load(L[SWEEP_DEVICE].v[i], &dev, eb)) < 0)
			goto fail_at;
		memcpy(in->device_sha[i], dev->sha256, 65);
		in->device_cad[i] = dev->cad != NULL;
		for (int j = 0; j < in->n_model; j++) {
			const char *model = L[SWEEP_MODEL].v[j];
			const char *tpath = s->timings ? s->timings : device_timings_for(dev, model);
			if (!tpath[0]) {
				rc = err_set(eb, ERR_USAGE,
					     "%s: the device names no timings file for %s; give "
					     "timings = FILE in %s",
					     dev->path, model, s->path);
				goto fail;
			}
			if ((rc = load_timings(in, tpath, &in->device_tim[i * in->n_model + j],
					       eb)) < 0) {
				if (s->timings)
					err_wrap(eb, "%s:%ld: timings", s->path, s->timings_line);
				goto fail;
			}
		}
		device_destroy(dev);
		dev = NULL;
	}
	for (d = SWEEP_MODEL, i = 0; i < L[SWEEP_MODEL].n; i++) {
		if ((rc = model_load(L[SWEEP_MODEL].v[i], &m, eb)) < 0 ||
		    (rc = variants_enumerate(m, s->ops, &vs, eb)) < 0)
			goto fail_at;
		memcpy(in->model_sha[i], m->sha256, 65);
		variant_set_destroy(vs);
		vs = NULL;
		model_destroy(m);
		m = NULL;
	}
	for (d = SWEEP_POLICY, i = 0; i < L[SWEEP_POLICY].n; i++) {
		struct pol_choice c;
		memset(&c, 0, sizeof c);
		if ((rc = pol_resolve(L[SWEEP_POLICY].v[i], &c, eb)) < 0)
			goto fail_at;
		snprintf(in->pol[i].name, sizeof in->pol[i].name, "%s", c.name);
		snprintf(in->pol[i].source, sizeof in->pol[i].source, "%s", c.source);
		snprintf(in->pol[i].params, sizeof in->pol[i].params, "%s", c.params);
		rc = run_policy_sha256(c.source, in->pol[i].sha256, eb);
		pol_choice_free(&c);
		if (rc < 0)
			goto fail;
	}
	*out = in;
	return 0;
nomem:
	rc = err_set(eb, ERR_NOMEM, "out of memory");
	goto fail;
fail_at:
	err_wrap(eb, "%s:%ld: %s", s->path, L[d].line[i], sweep_dim_name(d));
fail:
	device_destroy(dev);
	variant_set_destroy(vs);
	model_destroy(m);
	inputs_free(in);
	return rc;
}

/* The identity of the runs at `at` (any seed): run.c's text and its hash. */
static void identity(const struct sweep_plan *p, const int at[SWEEP_N_DIMS],
		     char key[RUN_IDENTITY_LEN], char config_key[65])
{
	const struct sweep_spec *s = p->spec;
	const struct sweep_inputs *in = p->in;
	const struct pol_id *pol = &in->pol[at[SWEEP_POLICY]];
	struct run_identity id = {
		.trace_sha256 = in->trace_sha[at[SWEEP_TRACE]],
		.device_sha256 = in->device_sha[at[SWEEP_DEVICE]],
		.timings_sha256 =
			in->tim[in->device_tim[at[SWEEP_DEVICE] * in->n_model + at[SWEEP_MODEL]]].sha,
		.model_sha256 = in->model_sha[at[SWEEP_MODEL]],
		.ops = s->ops,
		.policy = pol->name,
		.policy_source = pol->source,
		.policy_params = pol->params,
		.policy_sha256 = pol->sha256,
		.workload = s->dim[SWEEP_WORKLOAD].v[at[SWEEP_WORKLOAD]],
		.deadline_ms = s->deadlines_ms[at[SWEEP_DEADLINE]],
		.deadline_auto = s->deadlines_auto[at[SWEEP_DEADLINE]],
		.duration_s = s->duration_s,
		.queue_cap = s->queue_cap,
		.drop_oldest = s->drop_oldest,
		.physics_closed = s->physics == RUN_PHYSICS_CLOSED,
		.device_cadence = in->device_cad[at[SWEEP_DEVICE]],
	};
	run_identity(&id, key, config_key);
}

void sweep_plan_config(const struct sweep_plan *p, const struct sweep_run *r,
		       struct run_config *c)
{
	const struct sweep_spec *s = p->spec;
	run_config_defaults(c);
	c->trace = s->dim[SWEEP_TRACE].v[r->at[SWEEP_TRACE]];
	c->device = s->dim[SWEEP_DEVICE].v[r->at[SWEEP_DEVICE]];
	c->timings = s->timings;
	c->model = s->dim[SWEEP_MODEL].v[r->at[SWEEP_MODEL]];
	c->ops = s->ops;
	c->policy = s->dim[SWEEP_POLICY].v[r->at[SWEEP_POLICY]];
	c->workload = s->dim[SWEEP_WORKLOAD].v[r->at[SWEEP_WORKLOAD]];
	c->tag = p->tag;
	c->deadline_ms = s->deadlines_ms[r->at[SWEEP_DEADLINE]];
	c->deadline_auto = s->deadlines_auto[r->at[SWEEP_DEADLINE]];
	c->queue_cap = s->queue_cap;
	c->drop_oldest = s->drop_oldest;
	c->physics = s->physics;
	c->duration_s = s->duration_s;
	c->seed = s->seeds[r->at[SWEEP_SEED]];
	c->timeline = s->timeline;
	c->requests = s->requests;
}

void sweep_plan_describe(const struct sweep_plan *p, const struct sweep_run *r,
			 struct run_output *o)
{
	const struct sweep_inputs *in = p->in;
	const struct pin_timings *t =
		&in->tim[in->device_tim[r->at[SWEEP_DEVICE] * in->n_model + r->at[SWEEP_MODEL]]];
	const struct pol_id *pol = &in->pol[r->at[SWEEP_POLICY]];
	struct run_config c;
	sweep_plan_config(p, r, &c);
	snprintf(o->policy_name, sizeof o->policy_name, "%s", pol->name);
	snprintf(o->policy_params, sizeof o->policy_params, "%s", pol->params);
	memcpy(o->policy_sha256, pol->sha256, 65);
	memcpy(o->trace_sha256, in->trace_sha[r->at[SWEEP_TRACE]], 65);
	memcpy(o->device_sha256, in->device_sha[r->at[SWEEP_DEVICE]], 65);
	memcpy(o->timings_sha256, t->sha, 65);
	memcpy(o->model_sha256, in->model_sha[r->at[SWEEP_MODEL]], 65);
	snprintf(o->timings_path, sizeof o->timings_path, "%s", t->path);
	o->timings_derived = t->derived;
	char key[RUN_IDENTITY_LEN];
	identity(p, r->at, key, o->config_key);
	run_config_text(o->config, sizeof o->config, c.trace, c.device, t->path, c.model, key,
			c.seed, c.tag);
}

static int excluded(const struct sweep_spec *s, const int at[SWEEP_N_DIMS])
{
	for (int i = 0; i < s->n_exclude; i++) {
		const struct sweep_exclude *x = &s->exclude[i];
		int all = 1;
		for (int d = 0; d < SWEEP_N_DIMS && all; d++) {
			if (!x->value[d])
				continue;
			/* the value is in the list (sweep_spec_load checked): compare as written,
			 * numbers as numbers */
			if (d == SWEEP_DEADLINE) {
				double v, f;
				char why[128];
				all = run_deadline_parse(x->value[d], &v, &f, why, sizeof why) == 0 &&
				      v == s->deadlines_ms[at[d]] && f == s->deadlines_auto[at[d]];
			} else if (d == SWEEP_SEED) {
				all = strtoull(x->value[d], NULL, 10) == s->seeds[at[d]];
			} else {
				all = strcmp(x->value[d], s->dim[d].v[at[d]]) == 0;
			}
		}
		if (all)
			return 1;
	}
	return 0;
}

static const struct sweep_plan *sort_plan; /* qsort has no context argument in C11 */

static int cmp_identity(const void *a, const void *b)
{
	const struct sweep_run *x = &sort_plan->runs[*(const int *)a];
	const struct sweep_run *y = &sort_plan->runs[*(const int *)b];
	int c = strcmp(x->config_key, y->config_key);
	if (c)
		return c;
	uint64_t sx = sort_plan->spec->seeds[x->at[SWEEP_SEED]];
	uint64_t sy = sort_plan->spec->seeds[y->at[SWEEP_SEED]];
	if (sx != sy)
		return sx < sy ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Drops runs whose key and seed an earlier run has; keeps the order of the rest. */
static int fold(struct sweep_plan *p, struct errbuf *eb)
{
	int n = p->n;
	int *ord = malloc((size_t)n * sizeof *ord + 1);
	char *drop = calloc((size_t)n + 1, 1);
	if (!ord || !drop) {
		free(ord);
		free(drop);
		return err_set(eb, ERR_NOMEM, "out of memory");
	}
	for (int i = 0; i < n; i++)
		ord[i] = i;
	sort_plan = p;
	qsort(ord, (size_t)n, sizeof *ord, cmp_identity);
	sort_plan = NULL;
	for (int i = 1; i < n; i++) {
		const struct sweep_run *a = &p->runs[ord[i - 1]], *b = &p->runs[ord[i]];
		if (strcmp(a->config_key, b->config_key) == 0 &&
		    p->spec->seeds[a->at[SWEEP_SEED]] == p->spec->seeds[b->at[SWEEP_SEED]])
			drop[ord[i]] = 1;
	}
	int k = 0;
	for (int i = 0; i < n; i++) {
		if (drop[i]) {
			p->n_folded++;
			continue;
		}
		p->runs[k] = p->runs[i];
		p->runs[k].index = k;
		k++;
	}
	p->n = k;
	free(ord);
	free(drop);
	return 0;
}

int sweep_plan_build(const struct sweep_spec *spec, const char *tag, int shard_i, int shard_n,
		     struct sweep_plan **out, struct errbuf *eb)
{
	if (shard_n < 1 || shard_i < 1 || shard_i > shard_n)
		return err_set(eb, ERR_USAGE, "shard %d/%d: give I/N with 1 <= I <= N", shard_i,
			       shard_n);
	struct sweep_plan *p = calloc(1, sizeof *p);
	int rc;
	if (!p)
		return err_set(eb, ERR_NOMEM, "out of memory");
	p->spec = spec;
	p->shard_i = shard_i;
	p->shard_n = shard_n;
	if (snprintf(p->tag, sizeof p->tag, "%s", tag ? tag : spec->name) >= (int)sizeof p->tag) {
		rc = err_set(eb, ERR_RANGE, "tag: longer than %d characters", (int)sizeof p->tag - 1);
		goto fail;
	}
	double prod = 1;
	for (int d = 0; d < SWEEP_N_DIMS; d++)
		prod *= spec->dim[d].n;
	if (prod > SWEEP_MAX_RUNS) {
		rc = err_set(eb, ERR_RANGE, "%s: the sweep has %.0f runs, more than %d: split it",
			     spec->path, prod, SWEEP_MAX_RUNS);
		goto fail;
	}
	p->n_product = (int)prod;
	if ((rc = load_inputs(spec, &p->in, eb)) < 0)
		goto fail;
	p->runs = calloc((size_t)p->n_product + 1, sizeof *p->runs);
	if (!p->runs) {
		rc = err_set(eb, ERR_NOMEM, "out of memory");
		goto fail;
	}
	/* the product, seed innermost; the key does not depend on the seed */
	int at[SWEEP_N_DIMS] = {0};
	char key[RUN_IDENTITY_LEN], hex[65] = "";
	for (int k = 0; k < p->n_product; k++) {
		if (at[SWEEP_SEED] == 0)
			identity(p, at, key, hex);
		if (excluded(spec, at)) {
			p->n_excluded++;
		} else {
			struct sweep_run *r = &p->runs[p->n];
			r->index = p->n++;
			memcpy(r->at, at, sizeof r->at);
			memcpy(r->config_key, hex, sizeof hex);
		}
		for (int d = SWEEP_N_DIMS - 1; d >= 0; d--) {
			if (++at[d] < spec->dim[d].n)
				break;
			at[d] = 0;
		}
	}
	if ((rc = fold(p, eb)) < 0)
		goto fail;
	p->n_total = p->n;
	if (shard_n > 1) {
		int k = 0;
		for (int i = 0; i < p->n; i++)
			if (p->runs[i].index % shard_n == shard_i - 1)
				p->runs[k++] = p->runs[i];
		p->n = k;
	}
	*out = p;
	return 0;
fail:
	sweep_plan_destroy(p);
	return rc;
}

void sweep_plan_destroy(struct sweep_plan *p)
{
	if (!p)
		return;
	free(p->runs);
	inputs_free(p->in);
	free(p);
}

int sweep_plan_status(struct sweep_plan *p, struct store *s, struct errbuf *eb)
{
	for (int i = 0; i < p->n; i++) {
		struct sweep_run *r = &p->runs[i];
		r->status = SWEEP_TODO;
		if (!s)
			continue;
		int st = store_run_status(s, r->config_key, p->spec->seeds[r->at[SWEEP_SEED]],
					  p->tag, eb);
		if (st < 0)
			return st;
		r->status = st == STORE_RUN_OK ? SWEEP_DONE : st == STORE_RUN_FAILED ? SWEEP_FAILED
										     : SWEEP_TODO;
	}
	return 0;
}

/* config without its "policy_sha256=...\n" line, into out (as SQL's replace() does). */
static void strip_code_line(const char *config, const char *sha, char *out, size_t len)
{
	char line[96];
	snprintf(line, sizeof line, "policy_sha256=%s\n", sha);
	const char *at = sha[0] ? strstr(config, line) : NULL;
	if (!at) {
		snprintf(out, len, "%s", config);
		return;
	}
	snprintf(out, len, "%.*s%s", (int)(at - config), config, at + strlen(line));
}

struct old_code {
	char *config; /* stripped */
	char sha[65];
};

static int old_code_cmp(const void *a, const void *b)
{
	return strcmp(((const struct old_code *)a)->config, ((const struct old_code *)b)->config);
}

/* The 'ok' runs of tag with policy name but not code sha: stripped config and sha, sorted. */
static int old_code_load(struct store *s, const char *tag, const struct pol_id *pol,
			 struct old_code **out, int *n_out, struct errbuf *eb)
{
	sqlite3 *db = store_db(s);
	sqlite3_stmt *st;
	*out = NULL;
	*n_out = 0;
	if (sqlite3_prepare_v2(db,
			       "SELECT replace(config, 'policy_sha256=' || policy_sha256 || char(10), "
			       "''), policy_sha256 FROM runs WHERE status = 'ok' AND tag = ?1 AND "
			       "policy = ?2 AND policy_sha256 <> ?3",
			       -1, &st, NULL) != SQLITE_OK)
		return err_set(eb, ERR_DB, "looking up earlier runs of %s: %s", pol->source,
			       sqlite3_errmsg(db));
	sqlite3_bind_text(st, 1, tag, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, pol->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, pol->sha256, -1, SQLITE_STATIC);
	int rc, n = 0, cap = 0;
	struct old_code *v = NULL;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			struct old_code *w = realloc(v, (size_t)cap * sizeof *w);
			if (!w)
				goto nomem;
			v = w;
		}
		const char *c = (const char *)sqlite3_column_text(st, 0);
		const char *h = (const char *)sqlite3_column_text(st, 1);
		if (!(v[n].config = strdup(c ? c : "")))
			goto nomem;
		snprintf(v[n].sha, sizeof v[n].sha, "%s", h ? h : "");
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		for (int i = 0; i < n; i++)
			free(v[i].config);
		free(v);
		return err_set(eb, ERR_DB, "looking up earlier runs of %s: %s", pol->source,
			       sqlite3_errmsg(db));
	}
	if (n)
		qsort(v, (size_t)n, sizeof *v, old_code_cmp);
	*out = v;
	*n_out = n;
	return 0;
nomem:
	sqlite3_finalize(st);
	for (int i = 0; i < n; i++)
		free(v[i].config);
	free(v);
	return err_set(eb, ERR_NOMEM, "out of memory");
}

int sweep_plan_changed_code(const struct sweep_plan *p, struct store *s, FILE *log,
			    int *n_again, struct errbuf *eb)
{
	*n_again = 0;
	if (!s)
		return 0;
	const struct sweep_list *pd = &p->spec->dim[SWEEP_POLICY];
	struct run_output *o = calloc(1, sizeof *o);
	char *key = malloc(sizeof o->config);
	if (!o || !key) {
		free(o);
		free(key);
		return err_set(eb, ERR_NOMEM, "out of memory");
	}
	int rc = 0;
	for (int i = 0; i < pd->n && rc == 0; i++) {
		const struct pol_id *pol = &p->in->pol[i];
		if (!pol->sha256[0])
			continue;
		struct old_code *old;
		int n_old, again = 0;
		const char *was = NULL;
		if ((rc = old_code_load(s, p->tag, pol, &old, &n_old, eb)) < 0)
			break;
		for (int k = 0; k < p->n && n_old; k++) {
			const struct sweep_run *r = &p->runs[k];
			if (r->at[SWEEP_POLICY] != i || r->status == SWEEP_DONE)
				continue;
			sweep_plan_describe(p, r, o);
			strip_code_line(o->config, pol->sha256, key, sizeof o->config);
			struct old_code want = {key, ""};
			const struct old_code *hit =
				bsearch(&want, old, (size_t)n_old, sizeof *old, old_code_cmp);
			if (hit) {
				again++;
				if (!was)
					was = hit->sha;
			}
		}
		if (again && log)
			fprintf(log, "adascale: policy plugin %s changed (sha256 %.12s..., %s%.12s%s): "
				     "%d run%s again\n",
				pol->source, pol->sha256, was[0] ? "was " : "no hash recorded before",
				was, was[0] ? "..." : "", again, again == 1 ? "" : "s");
		*n_again += again;
		for (int k = 0; k < n_old; k++)
			free(old[k].config);
		free(old);
	}
	free(o);
	free(key);
	return rc;
}

void sweep_plan_print(const struct sweep_plan *p, int with_status, FILE *f)
{
	static const char *const status[] = {"todo", "done", "failed"};
	const struct sweep_spec *s = p->spec;
	int count[3] = {0};
	fprintf(f, "# run\ttrace\tdevice\tmodel\tpolicy\tworkload\tdeadline_ms\tseed%s\n",
		with_status ? "\tstatus" : "");
	for (int i = 0; i < p->n; i++) {
		const struct sweep_run *r = &p->runs[i];
		fprintf(f, "%d", r->index + 1);
		for (int d = 0; d < SWEEP_N_DIMS; d++)
			fprintf(f, "\t%s", s->dim[d].v[r->at[d]]);
		if (with_status)
			fprintf(f, "\t%s", status[r->status]);
		fputc('\n', f);
		count[r->status]++;
	}
	fprintf(f, "# %s: %d runs (", s->name, p->n_total);
	for (int d = 0; d < SWEEP_N_DIMS; d++)
		fprintf(f, "%s%d", d ? " x " : "", s->dim[d].n);
	fprintf(f, " = %d, %d excluded, %d folded as the same experiment)", p->n_product,
		p->n_excluded, p->n_folded);
	if (p->shard_n > 1)
		fprintf(f, "; shard %d/%d: %d runs", p->shard_i, p->shard_n, p->n);
	if (with_status)
		fprintf(f, "; %d done, %d failed, %d to run", count[SWEEP_DONE], count[SWEEP_FAILED],
			count[SWEEP_TODO]);
	fprintf(f, "; tag '%s'\n", p->tag);
}

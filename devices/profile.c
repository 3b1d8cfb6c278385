/*
 * profile.c: profiling a model on this machine (see profile.h): the variants to profile
 * or check, the pass list and kernel list handed to the agent's library, and the
 * additivity check. Not for timing (devices/agent/), the models' operators (models/) or
 * options (cmd/profile.c).
 */
#include "profile.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "afile.h"
#include "csvin.h"
#include "kshape.h"
#include "num.h"
#include "timings.h"
#include "apool.h"
#include "arun.h"
#include "asys.h"

#ifndef ADASCALE_VERSION
#define ADASCALE_VERSION "unknown"
#endif

/* ---- the pass list ---- */

int profile_pass_list_write(FILE *f, const struct model *base,
			    const struct profile_variant *v, int n, struct errbuf *eb)
{
	int ok = fprintf(f, "# model: %s\n# generator: adascale %s profile --pass-list\n"
			    "# passes: %d variants, each layer in execution order\n",
			 base->name, ADASCALE_VERSION, n) > 0;
	ok &= fprintf(f, "pass,name,%s,input\n", KSHAPE_CSV_HEADER) > 0;
	for (int i = 0; ok && i < n; i++) {
		const struct model *s = v[i].spec;
		for (int j = 0; ok && j < s->n_layers; j++) {
			const struct layer *l = &s->layers[j];
			ok &= csvin_write_field(f, v[i].key) == 0 && fputc(',', f) != EOF;
			ok &= csvin_write_field(f, l->name) == 0 && fputc(',', f) != EOF;
			ok &= kshape_write(f, &l->k) == 0 && fputc(',', f) != EOF;
			if (j > 0 && l->input >= 0 && l->input != j - 1)
				ok &= csvin_write_field(f, s->layers[l->input].name) == 0;
			ok &= fputc('\n', f) != EOF;
		}
	}
	if (!ok || fflush(f) != 0)
		return err_set(eb, ERR_IO, "writing the pass list: %s", strerror(errno ? errno : EIO));
	return 0;
}

/* The unique kernels of the variants as a kernel list. */
static int kernel_list_write(FILE *f, const struct model *base, const struct profile_variant *v,
			     int n, struct errbuf *eb)
{
	struct kshape *shapes = NULL;
	int n_shapes = 0, rc = 0;
	for (int i = 0; i < n && rc == 0; i++)
		rc = model_kernels(v[i].spec, &shapes, &n_shapes, eb);
	if (rc < 0) {
		free(shapes);
		return rc;
	}
	int ok = fprintf(f, "# model: %s\n# generator: adascale %s profile --isolated\n%s\n",
			 base->name, ADASCALE_VERSION, KSHAPE_CSV_HEADER) > 0;
	for (int i = 0; ok && i < n_shapes; i++)
		ok &= kshape_write(f, &shapes[i]) == 0 && fputc('\n', f) != EOF;
	free(shapes);
	if (!ok || fflush(f) != 0)
		return err_set(eb, ERR_IO, "writing the kernel list: %s", strerror(errno ? errno : EIO));
	return 0;
}

/* ---- the check ---- */

void profile_check_defaults(struct profile_check_opts *o)
{
	memset(o, 0, sizeof *o);
	o->backend = "auto";
	agent_measure_defaults(&o->m);
	o->seed = 1;
	o->tolerance = 0.10;
	o->goal = 0.90;
}

struct agent_layer *profile_agent_layers(const struct model *s, struct errbuf *eb)
{
	struct agent_layer *l = calloc((size_t)s->n_layers, sizeof *l);
	if (!l) {
		err_set(eb, ERR_NOMEM, "out of memory");
		return NULL;
	}
	for (int i = 0; i < s->n_layers; i++) {
		l[i].k = s->layers[i].k;
		snprintf(l[i].name, sizeof l[i].name, "%s", s->layers[i].name);
		l[i].input = i > 0 && s->layers[i].input >= 0 && s->layers[i].input != i - 1
				     ? s->layers[i].input
				     : -1;
		l[i].line = i + 1;
	}
	return l;
}

int profile_check(const struct profile_check_opts *o, const char *model_name,
		  const struct profile_variant *v, int n, FILE *out,
		  struct profile_check_result *r, struct errbuf *eb)
{
	struct timings *t = NULL;
	struct agent_layer *layers = NULL;
	struct agent_pass *pass = NULL;
	struct agent_sys *sys = calloc(1, sizeof *sys);
	struct agent_cpuset cpus;
	int rc;
	memset(r, 0, sizeof *r);
	if (!sys)
		return err_set(eb, ERR_NOMEM, "out of memory");
	if ((rc = timings_load(o->timings, &t, eb)) < 0)
		goto out;
	int threads[AGENT_MAX_THREAD_COUNTS], n_threads = o->n_threads;
	memcpy(threads, o->threads, sizeof threads);
	if ((rc = agent_affinity_get(&cpus, eb)) < 0 || (rc = agent_sys_read(sys, eb)) < 0)
		goto out;
	if (n_threads == 0) {
		threads[n_threads++] = 1;
		if (agent_cpuset_count(&cpus) > 1)
			threads[n_threads++] = agent_cpuset_count(&cpus);
	}
	/* every kernel of every variant must have a timing before anything is timed */
	for (int ti = 0; ti < n_threads; ti++)
		for (int i = 0; i < n; i++) {
			double us;
			struct kshape miss;
			if (timings_model_us(t, v[i].spec, threads[ti], &us, &miss) < 0) {
				char key[128];
				kshape_format(&miss, key, sizeof key);
				rc = err_set(eb, ERR_NOTFOUND, "%s: no timing of %s at %d thread%s (%s)",
					     o->timings, key, threads[ti], threads[ti] > 1 ? "s" : "",
					     v[i].key);
				goto out;
			}
		}
	char date[32], list[128] = "";
	agent_iso_now(date, sizeof date);
	for (int ti = 0; ti < n_threads; ti++) {
		size_t at = strlen(list);
		snprintf(list + at, sizeof list - at, "%s%d", ti ? "," : "", threads[ti]);
	}
	fprintf(out, "# check: adascale %s profile --check\n# model: %s\n# timings: %s\n",
		ADASCALE_VERSION, model_name, o->timings);
	fprintf(out, "# host: %s\n# cpu: %s\n# date: %s\n# threads: %s\n", sys->host,
		sys->cpu_model[0] ? sys->cpu_model : "unknown", date, list);
	fprintf(out, "# pass: each variant built whole with random weights and timed as "
		     "adascale-agent run does (median of whole passes, %g s at most)\n",
		o->m.max_seconds);
	fprintf(out, "# sum: the sum of the medians of the variant's kernels in the timings\n");
	fprintf(out, "variant,threads,pass_us,pass_p10_us,pass_p90_us,sum_us,diff_pct,within\n");
	fflush(out);

	agent_pool_place(&cpus);
	for (int ti = 0; ti < n_threads; ti++) {
		for (int i = 0; i < n; i++) {
			if (!(layers = profile_agent_layers(v[i].spec, eb))) {
				rc = eb->code;
				goto out;
			}
			if ((rc = agent_pass_create(layers, v[i].spec->n_layers, o->backend,
						    threads[ti], o->seed, v[i].key, &pass, eb)) < 0)
				goto out;
			struct agent_timing tm;
			if ((rc = agent_pass_time(pass, &o->m, &tm, eb)) < 0) {
				err_wrap(eb, "%s", v[i].key);
				goto out;
			}
			agent_pass_destroy(pass);
			pass = NULL;
			free(layers);
			layers = NULL;
			double sum;
			timings_model_us(t, v[i].spec, threads[ti], &sum, NULL);
			double rel = (sum - tm.median_us) / tm.median_us;
			int within = fabs(rel) <= o->tolerance;
			r->n++;
			r->n_within += within;
			r->per_threads_n[ti]++;
			r->per_threads_within[ti] += within;
			if (fabs(rel) > r->worst_rel)
				r->worst_rel = fabs(rel);
			csvin_write_field(out, v[i].key);
			fprintf(out, ",%d,%.3f,%.3f,%.3f,%.3f,%+.2f,%d\n", threads[ti], tm.median_us,
				tm.p10_us, tm.p90_us, sum, 100 * rel, within);
			fflush(out);
		}
	}
	for (int ti = 0; ti < n_threads; ti++)
		fprintf(out, "# within_%gpct.threads_%d: %d of %d (%.1f%%)\n", 100 * o->tolerance,
			threads[ti], r->per_threads_within[ti], r->per_threads_n[ti],
			100.0 * r->per_threads_within[ti] / r->per_threads_n[ti]);
	fprintf(out, "# within_%gpct: %d of %d (%.1f%%); goal %g%%: %s; worst %.1f%%\n",
		100 * o->tolerance, r->n_within, r->n, 100.0 * r->n_within / r->n, 100 * o->goal,
		r->n_within >= o->goal * r->n ? "met" : "missed", 100 * r->worst_rel);
	if (ferror(out) || fflush(out) != 0)
		rc = err_set(eb, ERR_IO, "writing the check: %s", strerror(errno ? errno : EIO));
out:
	agent_pool_place(NULL);
	agent_pass_destroy(pass);
	free(layers);
	timings_destroy(t);
	free(sys);
	return rc;
}

/* ---- the verb ---- */

/* A temporary file (TMPDIR or /tmp) opened for writing; its path in path. */
static FILE *temp_file(char *path, size_t len, const char *what, struct errbuf *eb)
{
	const char *dir = getenv("TMPDIR");
	snprintf(path, len, "%s/adascale-%s-XXXXXX", dir && *dir ? dir : "/tmp", what);
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		err_set(eb, ERR_IO, "%s: cannot create a temporary file: %s", path, strerror(errno));
		if (fd >= 0) {
			close(fd);
			remove(path);
		}
		path[0] = '\0';
	}
	return f;
}

/* The variants to profile or check: --variants keys, else the --ops lists or the ladder. */
struct vlist {
	struct variant_set *vs;
	int n;
	struct profile_variant *v;
	struct model **owned; /* specs built from --variants */
	char (*keys)[VARIANT_KEY_LEN];
};

static void vlist_free(struct vlist *l)
{
	for (int i = 0; l->owned && i < l->n; i++)
		model_destroy(l->owned[i]);
	free(l->owned);
	free(l->keys);
	free(l->v);
	variant_set_destroy(l->vs);
}

static int vlist_make(const struct model *base, const struct profile_args *a, struct vlist *l,
		      struct errbuf *eb)
{
	memset(l, 0, sizeof *l);
	int rc;
	if (!a->variants) {
		if ((rc = variants_enumerate(base, a->ops, &l->vs, eb)) < 0)
			return rc;
		if (!(l->v = calloc((size_t)l->vs->n, sizeof *l->v)))
			return err_set(eb, ERR_NOMEM, "out of memory");
		l->n = l->vs->n;
		for (int i = 0; i < l->n; i++) {
			l->v[i].key = l->vs->v[i].key;
			l->v[i].spec = l->vs->v[i].spec;
		}
		return 0;
	}
	/* whitespace-separated keys (a key holds commas) */
	size_t len = strlen(a->variants);
	int cap = (int)len / 2 + 1;
	l->v = calloc((size_t)cap, sizeof *l->v);
	l->owned = calloc((size_t)cap, sizeof *l->owned);
	l->keys = calloc((size_t)cap, sizeof *l->keys);
	char *copy = malloc(len + 1);
	if (!l->v || !l->owned || !l->keys || !copy) {
		free(copy);
		return err_set(eb, ERR_NOMEM, "out of memory");
	}
	strcpy(copy, a->variants);
	rc = 0;
	for (char *save, *k = strtok_r(copy, " \t\n", &save); k && rc == 0;
	     k = strtok_r(NULL, " \t\n", &save)) {
		struct model_ops ops;
		if ((rc = model_ops_parse_key(base, k, &ops, eb)) < 0) {
			err_wrap(eb, "--variants '%s'", k);
			break;
		}
		if ((rc = model_apply(base, &ops, &l->owned[l->n], eb)) < 0) {
			err_wrap(eb, "--variants '%s'", k);
			break;
		}
		model_variant_key(base, &ops, l->keys[l->n], VARIANT_KEY_LEN);
		l->v[l->n].key = l->keys[l->n];
		l->v[l->n].spec = l->owned[l->n];
		l->n++;
	}
	free(copy);
	if (rc == 0 && l->n == 0)
		rc = err_set(eb, ERR_USAGE, "--variants: no variant key");
	return rc;
}

void profile_args_defaults(struct profile_args *a)
{
	memset(a, 0, sizeof *a);
	agent_profile_defaults(&a->p);
	a->tolerance = 10;
	a->goal = 90;
}

int profile_args_check(struct profile_args *a, struct errbuf *eb)
{
	if (a->p.m.max_runs < a->p.m.min_runs)
		a->p.m.max_runs = a->p.m.min_runs;
	if (a->check && a->pass_list)
		return err_set(eb, ERR_USAGE, "--check and --pass-list do not go together");
	if (a->timings && !a->check)
		return err_set(eb, ERR_USAGE, "--timings goes with --check");
	if (a->ops && a->variants)
		return err_set(eb, ERR_USAGE, "--ops and --variants do not go together");
	if (!a->model && !a->check)
		return err_set(eb, ERR_USAGE, "which model? (adascale profile MODEL)");
	if (!a->model)
		a->model = "mobilenet_v1";
	return 0;
}

/* Profiles the variants into out_path (NULL: stdout) with the agent's library. */
static int run_profile(const struct profile_args *a, const struct model *base, const struct vlist *vl,
		       const char *out_path, struct errbuf *eb)
{
	char list[4096];
	FILE *f = temp_file(list, sizeof list, a->isolated ? "kernels" : "passes", eb);
	if (!f)
		return eb->code;
	int rc = a->isolated ? kernel_list_write(f, base, vl->v, vl->n, eb)
			     : profile_pass_list_write(f, base, vl->v, vl->n, eb);
	if (fclose(f) != 0 && rc == 0)
		rc = err_set(eb, ERR_IO, "%s: write failed: %s", list, strerror(errno));
	if (rc == 0) {
		struct agent_profile_opts p = a->p;
		char label[4096];
		snprintf(label, sizeof label, "%s of %d variant%s of %s (%s%s%s)",
			 a->isolated ? "the unique kernels" : "the pass list", vl->n,
			 vl->n == 1 ? "" : "s", base->name,
			 a->variants ? "--variants " : a->ops ? "--ops " : "the spec's ladder",
			 a->variants ? a->variants : a->ops ? a->ops : "",
			 a->isolated ? ", isolated" : "");
		p.kernels = list;
		p.kernels_label = label;
		p.progress = 1;
		rc = agent_profile(&p, out_path, eb);
	}
	remove(list);
	return rc;
}

int profile_model(const struct profile_args *a0, int *missed, char *goal_msg, size_t goal_len,
		  struct errbuf *eb)
{
	struct profile_args a = *a0;
	int rc;
	struct model *base = NULL;
	struct vlist vl;
	memset(&vl, 0, sizeof vl);
	char tmp_timings[4096] = "";
	struct afile *out = NULL;
	*missed = 0;
	goal_msg[0] = '\0';
	if ((rc = model_load(a.model, &base, eb)) < 0 || (rc = vlist_make(base, &a, &vl, eb)) < 0)
		goto done;

	/* a pass list or a check report appears whole or not at all */
	if ((a.pass_list || a.check) && !(out = afile_create(a.out, eb))) {
		rc = eb->code;
		goto done;
	}
	if (a.pass_list) {
		rc = profile_pass_list_write(afile_stream(out), base, vl.v, vl.n, eb);
	} else if (!a.check) {
		rc = run_profile(&a, base, &vl, a.out, eb);
	} else {
		struct profile_check_opts co;
		profile_check_defaults(&co);
		co.n_threads = a.p.n_threads;
		memcpy(co.threads, a.p.threads, sizeof co.threads);
		co.backend = a.p.backend;
		co.m = a.p.m;
		co.seed = a.p.seed;
		co.tolerance = a.tolerance / 100;
		co.goal = a.goal / 100;
		co.timings = a.timings;
		if (!co.timings) {
			FILE *f = temp_file(tmp_timings, sizeof tmp_timings, "timings", eb);
			if (!f) {
				rc = eb->code;
				goto done;
			}
			fclose(f);
			if ((rc = run_profile(&a, base, &vl, tmp_timings, eb)) < 0)
				goto done;
			co.timings = tmp_timings;
		}
		struct profile_check_result r;
		rc = profile_check(&co, base->name, vl.v, vl.n, afile_stream(out), &r, eb);
		*missed = rc == 0 && a.strict && r.n_within < co.goal * r.n;
		if (*missed)
			snprintf(goal_msg, goal_len,
				 "profile --check: %d of %d variant x thread pairs within %g%%, "
				 "under the %g%% goal",
				 r.n_within, r.n, a.tolerance, a.goal);
	}
	if (rc == 0 && out)
		rc = afile_commit(out, eb);
done:
	afile_destroy(out);
	if (tmp_timings[0])
		remove(tmp_timings);
	vlist_free(&vl);
	model_destroy(base);
	return rc;
}

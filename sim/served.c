/*
 * served.c: reading a served file (see served.h) and computing its run's results the way the
 * run loop does (sim/run.c: finish_job, start_next, summarise). Not for serving, storing or
 * comparing with a simulation (cmd/validate.c).
 */
#include "served.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aload.h"
#include "csvin.h"
#include "hist.h"
#include "model.h"
#include "num.h"
#include "registry.h"
#include "run.h"
#include "sha256.h"

/* The "# key: value" lines a served file must have (the others are kept when present). */
static const char *const required[] = {
	"served",   "agent", "trace",     "device", "timings",    "model",  "policy",
	"workload", "deadline_ms", "queue", "drop", "seed", "duration_s", "end_ms",
};

static int meta_fail(const struct csvin *c, const char *key, struct errbuf *eb, const char *what)
{
	long line = csvin_meta_line(c, key);
	return err_set(eb, ERR_PARSE, "%s:%ld: '# %s:' %s", csvin_path(c), line ? line : 1L, key,
		       what);
}

static void copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

/* "<path> sha256=<64 hex>" into path and hex. */
static int path_and_hash(const struct csvin *c, const char *key, char *path, size_t len,
			 char hex[65], struct errbuf *eb)
{
	const char *v = csvin_meta(c, key);
	const char *h = strstr(v, " sha256=");
	if (!h || strlen(h + 8) != 64 || strspn(h + 8, "0123456789abcdef") != 64)
		return meta_fail(c, key, eb, "needs '<path> sha256=<64 lowercase hex digits>'");
	snprintf(path, len, "%.*s", (int)(h - v), v);
	memcpy(hex, h + 8, 64);
	hex[64] = '\0';
	return 0;
}

static int meta_double(const struct csvin *c, const char *key, double lo, double hi,
		       double *out, struct errbuf *eb)
{
	if (num_double(csvin_meta(c, key), out) < 0 || !(*out >= lo && *out <= hi)) {
		char what[96];
		snprintf(what, sizeof what, "needs a number in [%g, %g]", lo, hi);
		return meta_fail(c, key, eb, what);
	}
	return 0;
}

static int read_header(struct csvin *c, struct served *sv, struct errbuf *eb)
{
	for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
		if (!csvin_meta(c, required[i]))
			return err_set(eb, ERR_PARSE,
				       "%s:1: missing '# %s:' line: not a served file of "
				       "adascale-agent serve (docs/formats.md#served-runs)",
				       csvin_path(c), required[i]);
	copy(sv->agent, sizeof sv->agent, csvin_meta(c, "agent"));
	copy(sv->host, sizeof sv->host, csvin_meta(c, "host"));
	copy(sv->cpu, sizeof sv->cpu, csvin_meta(c, "cpu"));
	copy(sv->date, sizeof sv->date, csvin_meta(c, "date"));
	copy(sv->model, sizeof sv->model, csvin_meta(c, "model"));
	copy(sv->ops, sizeof sv->ops, csvin_meta(c, "ops"));
	copy(sv->policy, sizeof sv->policy, csvin_meta(c, "policy"));
	copy(sv->policy_sha256, sizeof sv->policy_sha256, csvin_meta(c, "policy_sha256"));
	copy(sv->workload, sizeof sv->workload, csvin_meta(c, "workload"));
	copy(sv->applied, sizeof sv->applied, csvin_meta(c, "applied"));
	copy(sv->sensing, sizeof sv->sensing, csvin_meta(c, "sensing"));
	copy(sv->ignored, sizeof sv->ignored, csvin_meta(c, "ignored"));
	copy(sv->load_shape, sizeof sv->load_shape, csvin_meta(c, "load_shape"));
	copy(sv->trace_lag, sizeof sv->trace_lag, csvin_meta(c, "trace_lag"));
	sv->trace_rows_late = sv->trace_lag[0] ? atoi(sv->trace_lag) : 0;
	copy(sv->mem_apply, sizeof sv->mem_apply, csvin_meta(c, "mem_apply"));
	int rc;
	if ((rc = path_and_hash(c, "trace", sv->trace, sizeof sv->trace, sv->trace_sha256, eb)) <
		    0 ||
	    (rc = path_and_hash(c, "device", sv->device, sizeof sv->device, sv->device_sha256,
				eb)) < 0 ||
	    (rc = path_and_hash(c, "timings", sv->timings, sizeof sv->timings, sv->timings_sha256,
				eb)) < 0)
		return rc;
	enum agent_load_shape shape;
	if (sv->load_shape[0] && agent_load_shape_parse(sv->load_shape, &shape) < 0)
		return meta_fail(c, "load_shape", eb, "is neither spread nor packed");
	if (!sv->model[0])
		return meta_fail(c, "model", eb, "is empty");
	if (!sv->policy[0])
		return meta_fail(c, "policy", eb, "is empty");
	if (run_workload_check(sv->workload, NULL) < 0)
		return meta_fail(c, "workload", eb,
				 "is not a workload (periodic:fps=F, poisson:rate=R or file:PATH)");
	double q;
	const char *drop = csvin_meta(c, "drop");
	if ((rc = meta_double(c, "deadline_ms", 1e-9, 1e9, &sv->deadline_ms, eb)) < 0 ||
	    (rc = meta_double(c, "duration_s", 0, 1e8, &sv->duration_s, eb)) < 0 ||
	    (rc = meta_double(c, "end_ms", 0, 1e11, &sv->end_ms, eb)) < 0 ||
	    (rc = meta_double(c, "queue", 1, 1000000, &q, eb)) < 0)
		return rc;
	if (q != floor(q))
		return meta_fail(c, "queue", eb, "needs a whole number");
	sv->queue_cap = (int)q;
	if (strcmp(drop, "newest") && strcmp(drop, "oldest"))
		return meta_fail(c, "drop", eb, "needs newest or oldest");
	sv->drop_oldest = drop[0] == 'o';
	if (num_u64(csvin_meta(c, "seed"), &sv->seed) < 0)
		return meta_fail(c, "seed", eb, "needs a non-negative integer");
	return 0;
}

static int find_variant(const struct variant_set *vs, const char *key)
{
	for (int i = 0; i < vs->n; i++)
		if (strcmp(vs->v[i].key, key) == 0)
			return i;
	return -1;
}

static int outcome_of(const char *name)
{
	for (int i = 0; i <= REQ_UNFINISHED; i++)
		if (strcmp(run_outcome_name(i), name) == 0)
			return i;
	return -1;
}

/* What the run loop accumulates, request by request (sim/run.c finish_job). */
struct tally {
	struct hist lat;
	double top1_sum, ontime_top1_sum;
	int64_t top1_n, ontime_unknown;
	int last_var;      /* the variant of the last request that started: switches */
	int64_t cap;
};

static int push_row(struct served *sv, struct tally *t, const struct request_row *r,
		    double arrival_ms, struct errbuf *eb)
{
	struct run_output *o = sv->out;
	if (sv->n_rows == t->cap) {
		int64_t cap = t->cap ? 2 * t->cap : 1024;
		struct request_row *rr = realloc(o->request_rows, (size_t)cap * sizeof *rr);
		if (rr)
			o->request_rows = rr;
		double *a = realloc(sv->arrival_ms, (size_t)cap * sizeof *a);
		if (a)
			sv->arrival_ms = a;
		if (!rr || !a)
			return err_set(eb, ERR_NOMEM, "%s: out of memory at request %lld", sv->path,
				       (long long)sv->n_rows);
		t->cap = cap;
	}
	o->request_rows[sv->n_rows] = *r;
	sv->arrival_ms[sv->n_rows] = arrival_ms;
	sv->n_rows++;
	o->n_request_rows = sv->n_rows;
	return 0;
}

/* A time column: -1 (does not apply) or a time in [0, 1e11] ms. */
static int time_ms(struct csvin *c, int col, double *out, struct errbuf *eb)
{
	int rc = csvin_double(c, col, out, eb);
	if (rc < 0)
		return rc;
	if (*out != -1 && !(*out >= 0 && *out <= 1e11))
		return csvin_fail(c, eb, ERR_RANGE, "column '%s': %g is neither -1 nor a time in "
				  "[0, 1e11] ms", csvin_col_name(c, col), *out);
	return 0;
}

static int read_rows(struct csvin *c, struct served *sv, const struct variant_set *vs,
		     struct tally *t, struct errbuf *eb)
{
	static const char *const names[] = {"seq",     "arrival_ms", "start_ms", "end_ms",
					    "variant", "threads",    "switch_ms", "outcome"};
	int col[8];
	for (int i = 0; i < 8; i++) {
		if ((col[i] = csvin_col(c, names[i])) < 0)
			return err_set(eb, ERR_PARSE, "%s:%ld: missing column '%s' (a served file has "
				       "seq,arrival_ms,start_ms,end_ms,variant,threads,switch_ms,outcome)",
				       csvin_path(c), csvin_line(c), names[i]);
	}
	struct metrics *m = &sv->out->m;
	double last_arrival = 0;
	int rc;
	while ((rc = csvin_next(c, eb)) > 0) {
		long seq, threads;
		double arr, start, end, sw;
		if ((rc = csvin_long(c, col[0], &seq, eb)) < 0)
			return rc;
		if (seq != sv->n_rows)
			return csvin_fail(c, eb, ERR_PARSE, "seq %ld where %lld was due (rows are in "
					  "arrival order, numbered from 0)", seq, (long long)sv->n_rows);
		if ((rc = csvin_double_in(c, col[1], 0, 1e11, &arr, eb)) < 0 ||
		    (rc = time_ms(c, col[2], &start, eb)) < 0 || (rc = time_ms(c, col[3], &end, eb)) < 0 ||
		    (rc = csvin_long_in(c, col[5], 0, 4096, &threads, eb)) < 0 ||
		    (rc = csvin_double_in(c, col[6], 0, 1e11, &sw, eb)) < 0)
			return rc;
		if (arr < last_arrival)
			return csvin_fail(c, eb, ERR_PARSE, "arrival_ms %.3f before the previous "
					  "request's %.3f (rows are in arrival order)", arr, last_arrival);
		last_arrival = arr;
		const char *oname = csvin_field(c, col[7]);
		int outcome = outcome_of(oname);
		if (outcome < 0)
			return csvin_fail(c, eb, ERR_PARSE, "outcome '%s' is not ok, late, failed, "
					  "dropped or unfinished", oname);
		const char *key = csvin_field(c, col[4]);
		int var = -1;
		if (key[0] && (var = find_variant(vs, key)) < 0)
			return csvin_fail(c, eb, ERR_PARSE, "variant '%s' is not a variant of %s%s%s",
					  key, sv->model, sv->ops[0] ? " with --ops " : "", sv->ops);
		int ran = outcome == REQ_OK || outcome == REQ_LATE || outcome == REQ_FAILED;
		if (ran && var < 0)
			return csvin_fail(c, eb, ERR_PARSE, "outcome %s without a variant", oname);
		if (outcome == REQ_DROPPED && var >= 0)
			return csvin_fail(c, eb, ERR_PARSE, "a dropped request with a variant");
		if ((outcome == REQ_OK || outcome == REQ_LATE) && !(start >= arr && end >= start))
			return csvin_fail(c, eb, ERR_PARSE, "outcome %s needs arrival_ms <= start_ms <= "
					  "end_ms (%.3f, %.3f, %.3f)", oname, arr, start, end);
		struct request_row r = {
			.seq = seq,
			.t_arrival_ns = llround(arr * 1e6),
			.t_start_ns = start < 0 ? -1 : llround(start * 1e6),
			.t_end_ns = end < 0 ? -1 : llround(end * 1e6),
			.variant = var,
			.outcome = outcome,
			.energy_uj = 0,
		};
		m->requests++;
		/* the run loop's accounting (sim/run.c: on_arrival, start_next, finish_job) */
		if (var >= 0 && var != t->last_var) {
			m->switches++;
			t->last_var = var;
		}
		switch (outcome) {
		case REQ_DROPPED: m->dropped++; break;
		case REQ_FAILED: m->failures++; break;
		case REQ_OK:
		case REQ_LATE: {
			int missed = outcome == REQ_LATE;
			m->served++;
			m->deadline_misses += missed;
			hist_add(&t->lat, (double)(r.t_end_ns - r.t_arrival_ns));
			sv->out->variant_served[var]++;
			if (vs->v[var].has_top1) {
				t->top1_sum += vs->v[var].top1;
				t->top1_n++;
				if (!missed)
					t->ontime_top1_sum += vs->v[var].top1;
			} else if (!missed) {
				t->ontime_unknown++;
			}
			break;
		}
		default: break;
		}
		if ((rc = push_row(sv, t, &r, arr, eb)) < 0)
			return rc;
	}
	return rc;
}

/* The run loop's summary (sim/run.c summarise), without energy: it was not measured. */
static void summarise(struct served *sv, struct tally *t)
{
	struct run_output *o = sv->out;
	struct metrics *m = &o->m;
	m->sim_s = sv->end_ms / 1e3;
	m->miss_rate = m->requests ? (double)(m->deadline_misses + m->dropped + m->failures) /
					     (double)m->requests
				   : 0;
	o->has_latency = t->lat.n > 0;
	if (t->lat.n) {
		m->lat_mean_ms = hist_mean(&t->lat) / 1e6;
		double q[101];
		for (int i = 0; i <= 100; i++)
			q[i] = i / 100.0;
		hist_quantiles(&t->lat, q, 101, o->lat_q_ms);
		for (int i = 0; i <= 100; i++)
			o->lat_q_ms[i] /= 1e6;
		m->lat_p50_ms = o->lat_q_ms[50];
		m->lat_p95_ms = o->lat_q_ms[95];
		m->lat_p99_ms = o->lat_q_ms[99];
	}
	o->has_top1 = t->top1_n > 0;
	m->mean_top1 = t->top1_n ? t->top1_sum / (double)t->top1_n : 0;
	int64_t ontime_n = m->requests - t->ontime_unknown;
	o->has_ontime_top1 = ontime_n > 0;
	m->ontime_top1 = ontime_n > 0 ? t->ontime_top1_sum / (double)ontime_n : 0;
	o->wall_s = sv->end_ms / 1e3;
	o->deadline_ms = sv->deadline_ms;
}

/* The policy's name and canonical parameters, as a simulation of it would store them. */
static void policy_parts(struct served *sv, const char **source)
{
	struct run_output *o = sv->out;
	struct pol_choice pc;
	memset(&pc, 0, sizeof pc);
	*source = "builtin";
	if (pol_resolve(sv->policy, &pc, NULL) == 0) {
		copy(o->policy_name, sizeof o->policy_name, pc.name);
		copy(o->policy_params, sizeof o->policy_params, pc.params);
		*source = strcmp(pc.source, "builtin") == 0 ? "builtin" : sv->policy;
		pol_choice_free(&pc);
		return;
	}
	/* not resolvable here (a plugin left on the device): the text as served */
	const char *colon = strchr(sv->policy, ':');
	snprintf(o->policy_name, sizeof o->policy_name, "%.*s",
		 (int)(colon ? (size_t)(colon - sv->policy) : strlen(sv->policy)), sv->policy);
	copy(o->policy_params, sizeof o->policy_params, colon ? colon + 1 : "");
	*source = sv->policy;
}

/* The runs.config text: as a simulated run's, then where the served run came from. */
static void config_text(struct served *sv, const char *tag)
{
	struct run_output *o = sv->out;
	char text[sizeof o->config];
	run_config_text(text, sizeof text, sv->trace, sv->device, sv->timings, sv->model, sv->key,
			sv->seed, tag);
	snprintf(o->config, sizeof o->config,
		 "%.6000sserved=%.512s\nserved_sha256=%s\nagent=%.200s\nhost=%.200s\ncpu=%.200s\n"
		 "date=%.60s\n",
		 text, sv->path, sv->sha256, sv->agent, sv->host, sv->cpu, sv->date);
}

/* The run's provenance: config text and key (with world=real), hashes, notes. */
static void describe(struct served *sv, const struct model *model)
{
	struct run_output *o = sv->out;
	const char *source;
	policy_parts(sv, &source);
	copy(o->policy_sha256, sizeof o->policy_sha256, sv->policy_sha256);
	copy(o->trace_sha256, sizeof o->trace_sha256, sv->trace_sha256);
	copy(o->device_sha256, sizeof o->device_sha256, sv->device_sha256);
	copy(o->timings_sha256, sizeof o->timings_sha256, sv->timings_sha256);
	copy(o->model_sha256, sizeof o->model_sha256, model->sha256);
	copy(o->timings_path, sizeof o->timings_path, sv->timings);
	struct run_identity id = {
		.trace_sha256 = o->trace_sha256,
		.device_sha256 = o->device_sha256,
		.timings_sha256 = o->timings_sha256,
		.model_sha256 = o->model_sha256,
		.ops = sv->ops[0] ? sv->ops : NULL,
		.policy = o->policy_name,
		.policy_source = source,
		.policy_params = o->policy_params,
		.policy_sha256 = sv->policy_sha256,
		.workload = sv->workload,
		.deadline_ms = sv->deadline_ms,
		.duration_s = sv->duration_s,
		.queue_cap = sv->queue_cap,
		.drop_oldest = sv->drop_oldest,
	};
	char key[RUN_IDENTITY_LEN + 64], unused[65];
	run_identity(&id, key, unused);
	/* a served run is another experiment than its simulation: its own key */
	size_t at = strlen(key);
	snprintf(key + at, sizeof key - at, "world=real\n");
	struct sha256 h;
	sha256_init(&h);
	sha256_update(&h, key, strlen(key));
	sha256_final_hex(&h, o->config_key);
	snprintf(sv->key, sizeof sv->key, "%s", key);
	config_text(sv, "");
	snprintf(o->notes, sizeof o->notes,
		 "served by %.120s on %.100s (%.120s) at %.40s; energy not measured; applied: "
		 "%.300s; sensing: %.200s",
		 sv->agent, sv->host[0] ? sv->host : "?", sv->cpu[0] ? sv->cpu : "?", sv->date,
		 sv->applied[0] ? sv->applied : "?", sv->sensing[0] ? sv->sensing : "?");
	if (sv->ignored[0]) {
		size_t k = strlen(o->notes);
		snprintf(o->notes + k, sizeof o->notes - k, "; trace columns not applied: %.200s",
			 sv->ignored);
	}
	if (sv->trace_rows_late > 0) {
		size_t k = strlen(o->notes);
		snprintf(o->notes + k, sizeof o->notes - k, "; trace applied late: %.200s",
			 sv->trace_lag);
	}
	if (sv->mem_apply[0]) {
		size_t k = strlen(o->notes);
		snprintf(o->notes + k, sizeof o->notes - k, "; memory: %.400s", sv->mem_apply);
	}
}

int served_read(const char *path, struct served **out, struct errbuf *eb)
{
	struct served *sv = calloc(1, sizeof *sv);
	struct csvin *c = NULL;
	struct model *model = NULL;
	struct variant_set *vs = NULL;
	struct tally t = {.last_var = -1};
	int rc = ERR_NOMEM;
	if (!sv || !(sv->out = calloc(1, sizeof *sv->out))) {
		rc = err_set(eb, ERR_NOMEM, "%s: out of memory", path);
		goto fail;
	}
	copy(sv->path, sizeof sv->path, path);
	sv->out->real = 1;
	struct sha256 h;
	sha256_init(&h);
	if (!(c = csvin_open_hashed(path, &h, eb))) {
		rc = eb->code;
		goto fail;
	}
	if ((rc = read_header(c, sv, eb)) < 0)
		goto fail;
	if ((rc = model_load(sv->model, &model, eb)) < 0 ||
	    (rc = variants_enumerate(model, sv->ops[0] ? sv->ops : NULL, &vs, eb)) < 0) {
		err_wrap(eb, "%s:%ld: model", path, csvin_meta_line(c, "model"));
		goto fail;
	}
	struct run_output *o = sv->out;
	o->n_variants = vs->n;
	o->variant_keys = calloc((size_t)vs->n, sizeof *o->variant_keys);
	o->variant_served = calloc((size_t)vs->n, sizeof *o->variant_served);
	o->variant_top1 = calloc((size_t)vs->n, sizeof *o->variant_top1);
	if (!o->variant_keys || !o->variant_served || !o->variant_top1 ||
	    (rc = hist_init(&t.lat, eb)) < 0) {
		rc = err_set(eb, ERR_NOMEM, "%s: out of memory", path);
		goto fail;
	}
	for (int i = 0; i < vs->n; i++) {
		copy(o->variant_keys[i], sizeof o->variant_keys[i], vs->v[i].key);
		o->variant_top1[i] = vs->v[i].has_top1 ? vs->v[i].top1 : NAN;
	}
	if ((rc = read_rows(c, sv, vs, &t, eb)) < 0 || (rc = csvin_hash_rest(c, eb)) < 0)
		goto fail;
	sha256_final_hex(&h, sv->sha256);
	if (sv->n_rows && sv->arrival_ms[sv->n_rows - 1] > sv->end_ms) {
		rc = err_set(eb, ERR_PARSE, "%s:%ld: '# end_ms: %.3f' is before the last arrival "
			     "(%.3f ms): a truncated or altered file", path,
			     csvin_meta_line(c, "end_ms"), sv->end_ms, sv->arrival_ms[sv->n_rows - 1]);
		goto fail;
	}
	summarise(sv, &t);
	describe(sv, model);
	if (t.ontime_unknown) {
		size_t k = strlen(o->notes);
		snprintf(o->notes + k, sizeof o->notes - k,
			 "; %lld on-time answers by variants without accuracy left out of ontime_top1",
			 (long long)t.ontime_unknown);
	}
	hist_free(&t.lat);
	variant_set_destroy(vs);
	model_destroy(model);
	csvin_close(c);
	*out = sv;
	return 0;
fail:
	hist_free(&t.lat);
	variant_set_destroy(vs);
	model_destroy(model);
	csvin_close(c);
	served_destroy(sv);
	return rc;
}

void served_destroy(struct served *sv)
{
	if (!sv)
		return;
	run_output_destroy(sv->out);
	free(sv->arrival_ms);
	free(sv);
}

void served_run_config(struct served *sv, const char *tag, struct run_config *c)
{
	config_text(sv, tag ? tag : "");
	run_config_defaults(c);
	c->trace = sv->trace;
	c->device = sv->device;
	c->timings = strcmp(sv->timings, "device") == 0 ? NULL : sv->timings;
	c->model = sv->model;
	c->ops = sv->ops[0] ? sv->ops : NULL;
	c->policy = sv->policy;
	c->workload = sv->workload;
	c->tag = tag ? tag : "";
	c->deadline_ms = sv->deadline_ms;
	c->queue_cap = sv->queue_cap;
	c->drop_oldest = sv->drop_oldest;
	c->duration_s = sv->duration_s;
	c->seed = sv->seed;
}

int served_write_arrivals(const struct served *sv, FILE *f, struct errbuf *eb)
{
	fprintf(f, "# arrivals of %s (sha256 %s)\ntime_s\n", sv->path, sv->sha256);
	for (int64_t i = 0; i < sv->n_rows; i++)
		fprintf(f, "%.9f\n", sv->arrival_ms[i] / 1e3);
	if (ferror(f))
		return err_set(eb, ERR_IO, "writing the arrivals of %s", sv->path);
	return 0;
}

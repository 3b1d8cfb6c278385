/*
 * rundata.c: reading the runs of a report from a results database (see rundata.h).
 * Read-only, bound parameters, one pass per table. Not for deciding how runs are shown.
 */
#include "rundata.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "num.h"
#include "store.h"

#define METRIC_COL_(col, type, unit, better) ", " #col

/* Column numbers of the first query; metrics follow COL_METRICS in METRICS_MAP order. */
enum {
	COL_ID, COL_CREATED, COL_TOOL, COL_GIT, COL_TAG, COL_CONFIG, COL_CONFIG_KEY, COL_SEED,
	COL_TRACE, COL_TRACE_SHA, COL_DEVICE, COL_DEVICE_SHA, COL_TIMINGS, COL_TIMINGS_SHA,
	COL_TIMINGS_DERIVED, COL_MODEL, COL_MODEL_SHA, COL_POLICY, COL_PARAMS, COL_WORKLOAD,
	COL_DEADLINE, COL_STATUS, COL_ERROR, COL_WALL, COL_WORLD, COL_METRICS
};

static const char sql_runs[] =
	"SELECT id, created_utc, tool_version, git_rev, tag, config, config_key, seed,"
	" trace, trace_sha256, device, device_sha256, timings, timings_sha256, timings_derived,"
	" model, model_sha256, policy, policy_params, workload, deadline_ms, status, error,"
	" wall_s, world" METRICS_MAP(METRIC_COL_) " FROM runs WHERE ?1 IS NULL OR tag = ?1 ORDER BY id";

static const char sql_quantiles[] =
	"SELECT run_id, q, latency_ms FROM latency_quantiles WHERE run_id BETWEEN ?1 AND ?2"
	" ORDER BY run_id, q";

static const char sql_variants[] =
	"SELECT run_id, variant, served, top1 FROM variant_use WHERE run_id BETWEEN ?1 AND ?2"
	" ORDER BY run_id, served DESC, variant";

static const char sql_timeline[] =
	"SELECT run_id, t_s, freq_mhz, util_other, mem_avail_mb, variant, latency_ms"
	" FROM timeline WHERE run_id BETWEEN ?1 AND ?2 ORDER BY run_id, t_s";

static void run_free(struct report_run *r)
{
	char **strs[] = {&r->created_utc, &r->tool_version, &r->git_rev, &r->tag, &r->config,
			 &r->config_key, &r->trace, &r->trace_sha256, &r->device,
			 &r->device_sha256, &r->timings, &r->timings_sha256, &r->model,
			 &r->model_sha256, &r->policy, &r->policy_params, &r->workload,
			 &r->status, &r->error};
	for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
		free(*strs[i]);
	free(r->q);
	free(r->latency_ms);
	for (int i = 0; i < r->n_variants; i++)
		free(r->variants[i].variant);
	free(r->variants);
	free(r->timeline);
	for (int i = 0; i < r->n_timeline_variants; i++)
		free(r->timeline_variants[i]);
	free(r->timeline_variants);
}

void report_data_destroy(struct report_data *d)
{
	if (!d)
		return;
	for (int i = 0; i < d->n_runs; i++)
		run_free(&d->runs[i]);
	free(d->runs);
	free(d->db_path);
	free(d);
}

/* A copy of a text column ("" for NULL); NULL only when out of memory. */
static char *col_text(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	int n = sqlite3_column_bytes(st, col);
	char *s = malloc((size_t)n + 1);
	if (!s)
		return NULL;
	if (t && n > 0)
		memcpy(s, t, (size_t)n);
	s[n] = '\0';
	return s;
}

static double col_double(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? 0.0 : sqlite3_column_double(st, col);
}

static int read_run(sqlite3_stmt *st, struct report_run *r)
{
	struct {
		char **dst;
		int col;
	} texts[] = {
		{&r->created_utc, COL_CREATED}, {&r->tool_version, COL_TOOL},
		{&r->git_rev, COL_GIT},         {&r->tag, COL_TAG},
		{&r->config, COL_CONFIG},       {&r->config_key, COL_CONFIG_KEY},
		{&r->trace, COL_TRACE},         {&r->trace_sha256, COL_TRACE_SHA},
		{&r->device, COL_DEVICE},       {&r->device_sha256, COL_DEVICE_SHA},
		{&r->timings, COL_TIMINGS},     {&r->timings_sha256, COL_TIMINGS_SHA},
		{&r->model, COL_MODEL},         {&r->model_sha256, COL_MODEL_SHA},
		{&r->policy, COL_POLICY},       {&r->policy_params, COL_PARAMS},
		{&r->workload, COL_WORKLOAD},   {&r->status, COL_STATUS},
		{&r->error, COL_ERROR},
	};
	r->id = sqlite3_column_int64(st, COL_ID);
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		*texts[i].dst = col_text(st, texts[i].col);
		if (!*texts[i].dst)
			return ERR_NOMEM;
	}
	r->seed = sqlite3_column_int64(st, COL_SEED);
	r->timings_derived = sqlite3_column_int(st, COL_TIMINGS_DERIVED) != 0;
	r->deadline_ms = col_double(st, COL_DEADLINE);
	r->wall_s = col_double(st, COL_WALL);
	const unsigned char *world = sqlite3_column_text(st, COL_WORLD);
	r->real = world && strcmp((const char *)world, "real") == 0;
	for (int m = 0; m < REPORT_N_METRICS; m++) {
		int col = COL_METRICS + m;
		double v = sqlite3_column_double(st, col);
		r->has_metric[m] = sqlite3_column_type(st, col) != SQLITE_NULL && isfinite(v);
		r->metric[m] = r->has_metric[m] ? v : 0.0;
	}
	report_policy_label_plain(r);
	report_run_label(r, r->label, sizeof r->label);
	return 0;
}

static int id_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static int wanted(const struct report_filter *f, int64_t id)
{
	if (!f || f->n_ids == 0)
		return 1;
	return bsearch(&id, f->ids, (size_t)f->n_ids, sizeof id, id_cmp) != NULL;
}

/* The run with this id (runs are sorted by id), or NULL. */
static struct report_run *find_run(struct report_data *d, int64_t id)
{
	int lo = 0, hi = d->n_runs - 1;
	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;
		if (d->runs[mid].id == id)
			return &d->runs[mid];
		if (d->runs[mid].id < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

static int db_fail(struct report_data *d, sqlite3 *db, struct errbuf *eb)
{
	int code = sqlite3_errcode(db);
	if (code == SQLITE_NOTADB)
		return err_set(eb, ERR_PARSE, "%s: not an SQLite database", d->db_path);
	return err_set(eb, ERR_DB, "%s: %s", d->db_path, sqlite3_errmsg(db));
}

static int check_schema(struct report_data *d, sqlite3 *db, struct errbuf *eb)
{
	sqlite3_stmt *st = NULL;
	int rc;
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return db_fail(d, db, eb);
	if (sqlite3_step(st) != SQLITE_ROW) {
		rc = db_fail(d, db, eb);
		goto done;
	}
	int version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (version > STORE_SCHEMA_VERSION)
		return err_set(eb, ERR_PARSE,
			       "%s: results database schema version %d is newer than this "
			       "adascale's (%d); use a newer adascale",
			       d->db_path, version, STORE_SCHEMA_VERSION);
	if (version >= 1 && version < STORE_SCHEMA_VERSION)
		return err_set(eb, ERR_PARSE,
			       "%s: results database schema version %d is older than this "
			       "adascale's (%d); a command that writes to it (adascale run, sweep "
			       "or merge) brings it up to date",
			       d->db_path, version, STORE_SCHEMA_VERSION);
	if (version != STORE_SCHEMA_VERSION)
		return err_set(eb, ERR_PARSE,
			       "%s: not an adascale results database (schema version %d, expected "
			       "%d)",
			       d->db_path, version, STORE_SCHEMA_VERSION);
	if (sqlite3_prepare_v2(db,
			       "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN"
			       " ('runs', 'latency_quantiles', 'variant_use', 'timeline')",
			       -1, &st, NULL) != SQLITE_OK)
		return db_fail(d, db, eb);
	if (sqlite3_step(st) != SQLITE_ROW) {
		rc = db_fail(d, db, eb);
		goto done;
	}
	rc = sqlite3_column_int(st, 0) == 4
		     ? 0
		     : err_set(eb, ERR_PARSE,
			       "%s: not an adascale results database (it lacks the tables "
			       "runs, latency_quantiles, variant_use or timeline)",
			       d->db_path);
done:
	sqlite3_finalize(st);
	return rc;
}

static int load_runs(struct report_data *d, sqlite3 *db, const struct report_filter *f,
		     struct errbuf *eb)
{
	sqlite3_stmt *st = NULL;
	int rc = 0, cap = 0;
	if (sqlite3_prepare_v2(db, sql_runs, -1, &st, NULL) != SQLITE_OK)
		return err_set(eb, ERR_PARSE, "%s: not an adascale results database: %s",
			       d->db_path, sqlite3_errmsg(db));
	if (f && f->tag)
		sqlite3_bind_text(st, 1, f->tag, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 1);
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (!wanted(f, sqlite3_column_int64(st, COL_ID)))
			continue;
		if (d->n_runs == cap) {
			int ncap = cap ? 2 * cap : 64;
			struct report_run *nr = realloc(d->runs, (size_t)ncap * sizeof *nr);
			if (!nr) {
				rc = err_set(eb, ERR_NOMEM, "%s: out of memory", d->db_path);
				goto done;
			}
			d->runs = nr;
			cap = ncap;
		}
		struct report_run *r = &d->runs[d->n_runs++];
		memset(r, 0, sizeof *r);
		if ((rc = read_run(st, r)) < 0) {
			err_set(eb, rc, "%s: out of memory", d->db_path);
			goto done;
		}
	}
	if (step != SQLITE_DONE)
		rc = db_fail(d, db, eb);
done:
	sqlite3_finalize(st);
	return rc;
}

/*
 * Makes room for element n of *p (elements of size elem, n of them in use): the array
 * doubles whenever n reaches a power of two at least first (a power of two itself), so its
 * capacity follows from n alone. 0, or -1 when out of memory (*p as it was).
 */
static int grow(void *p, int n, size_t elem, int first)
{
	if (n < 0 || n > INT_MAX / 2)
		return -1;
	if (n > 0 && (n < first || (n & (n - 1)) != 0))
		return 0;
	size_t cap = n == 0 ? (size_t)first : 2 * (size_t)n;
	void *np = realloc(*(void **)p, cap * elem);
	if (!np)
		return -1;
	*(void **)p = np;
	return 0;
}

/* Appends one row of a per-run table (column 0 the run id) to r: 0, or -1 out of memory. */
typedef int (*run_row_fn)(struct report_run *r, sqlite3_stmt *st);

/* Runs sql over the loaded runs' id range and hands each row of a loaded run to add. */
static int load_per_run(struct report_data *d, sqlite3 *db, const char *sql, run_row_fn add,
			struct errbuf *eb)
{
	sqlite3_stmt *st = NULL;
	int rc = 0, step;
	struct report_run *r = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_fail(d, db, eb);
	sqlite3_bind_int64(st, 1, d->runs[0].id);
	sqlite3_bind_int64(st, 2, d->runs[d->n_runs - 1].id);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		if (!r || r->id != id)
			r = find_run(d, id);
		if (r && add(r, st) < 0) {
			rc = err_set(eb, ERR_NOMEM, "%s: out of memory", d->db_path);
			break;
		}
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = db_fail(d, db, eb);
	sqlite3_finalize(st);
	return rc;
}

static int add_quantile(struct report_run *r, sqlite3_stmt *st)
{
	double q = sqlite3_column_double(st, 1), lat = sqlite3_column_double(st, 2);
	if (!isfinite(q) || !isfinite(lat))
		return 0;
	int n = r->n_quantiles;
	if (grow(&r->q, n, sizeof *r->q, 128) < 0 ||
	    grow(&r->latency_ms, n, sizeof *r->latency_ms, 128) < 0)
		return -1;
	r->q[n] = q;
	r->latency_ms[n] = lat;
	r->n_quantiles++;
	return 0;
}

static int add_variant(struct report_run *r, sqlite3_stmt *st)
{
	if (grow(&r->variants, r->n_variants, sizeof *r->variants, 8) < 0)
		return -1;
	struct report_variant_use *v = &r->variants[r->n_variants];
	if (!(v->variant = col_text(st, 1)))
		return -1;
	v->served = sqlite3_column_int64(st, 2);
	v->has_top1 = sqlite3_column_type(st, 3) != SQLITE_NULL;
	v->top1 = v->has_top1 ? sqlite3_column_double(st, 3) : 0.0;
	r->n_variants++;
	return 0;
}

/* A REAL column as a double, NAN for NULL or a value that is not finite. */
static double col_real(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return NAN;
	double v = sqlite3_column_double(st, col);
	return isfinite(v) ? v : NAN;
}

/* The index of variant name in r's timeline variants, adding it; -1 when out of memory. */
static int timeline_variant(struct report_run *r, const char *name)
{
	for (int i = r->n_timeline_variants - 1; i >= 0; i--)
		if (strcmp(r->timeline_variants[i], name) == 0)
			return i;
	char **nv = realloc(r->timeline_variants,
			    (size_t)(r->n_timeline_variants + 1) * sizeof *nv);
	if (!nv)
		return -1;
	r->timeline_variants = nv;
	if (!(nv[r->n_timeline_variants] = strdup(name)))
		return -1;
	return r->n_timeline_variants++;
}

static int add_timeline_point(struct report_run *r, sqlite3_stmt *st)
{
	double t = col_real(st, 1);
	if (isnan(t))
		return 0;
	if (grow(&r->timeline, r->n_timeline, sizeof *r->timeline, 1024) < 0)
		return -1;
	struct report_timeline_point *p = &r->timeline[r->n_timeline];
	p->t_s = t;
	p->freq_mhz = col_real(st, 2);
	p->util_other = col_real(st, 3);
	p->mem_avail_mb = col_real(st, 4);
	p->latency_ms = col_real(st, 6);
	p->variant = -1;
	if (sqlite3_column_type(st, 5) != SQLITE_NULL) {
		const unsigned char *v = sqlite3_column_text(st, 5);
		if (!v || (p->variant = timeline_variant(r, (const char *)v)) < 0)
			return -1;
	}
	r->n_timeline++;
	return 0;
}

int report_data_load(const char *db_path, const struct report_filter *filter,
		     struct report_data **out, struct errbuf *eb)
{
	sqlite3 *db = NULL;
	int rc;
	struct report_data *d = calloc(1, sizeof *d);
	if (!d || !(d->db_path = strdup(db_path))) {
		rc = err_set(eb, ERR_NOMEM, "%s: out of memory", db_path);
		goto fail;
	}
	struct stat sb;
	if (stat(db_path, &sb) < 0) {
		rc = err_set(eb, errno == ENOENT ? ERR_NOTFOUND : ERR_IO, "%s: %s", db_path,
			     errno == ENOENT ? "no such database" : strerror(errno));
		goto fail;
	}
	if (!S_ISREG(sb.st_mode)) {
		rc = err_set(eb, ERR_PARSE, "%s: not a database file", db_path);
		goto fail;
	}
	double busy_s;
	if ((rc = store_busy_timeout_s(&busy_s, eb)) < 0)
		goto fail;
	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		rc = err_set(eb, ERR_DB, "%s: cannot open database: %s", db_path,
			     db ? sqlite3_errmsg(db) : "out of memory");
		goto fail;
	}
	/* readers rarely wait in WAL mode, but a checkpoint or a migration can hold them */
	sqlite3_busy_timeout(db, (int)(busy_s * 1000));
	if ((rc = check_schema(d, db, eb)) < 0 || (rc = load_runs(d, db, filter, eb)) < 0)
		goto fail;
	if (d->n_runs == 0) {
		if (filter && filter->tag && filter->n_ids > 0)
			rc = err_set(eb, ERR_NOTFOUND,
				     "%s: none of the %d requested runs has tag '%s'", db_path,
				     filter->n_ids, filter->tag);
		else if (filter && filter->tag)
			rc = err_set(eb, ERR_NOTFOUND, "%s: no runs with tag '%s'", db_path,
				     filter->tag);
		else if (filter && filter->n_ids > 0)
			rc = err_set(eb, ERR_NOTFOUND,
				     "%s: none of the %d requested runs is in the database",
				     db_path, filter->n_ids);
		else
			rc = err_set(eb, ERR_NOTFOUND, "%s: the database holds no runs", db_path);
		goto fail;
	}
	if (filter && filter->runs_only)
		goto done;
	if ((rc = load_per_run(d, db, sql_quantiles, add_quantile, eb)) < 0 ||
	    (rc = load_per_run(d, db, sql_variants, add_variant, eb)) < 0)
		goto fail;
	if (d->n_runs <= REPORT_TIMELINE_MAX_RUNS &&
	    (rc = load_per_run(d, db, sql_timeline, add_timeline_point, eb)) < 0)
		goto fail;
done:
	sqlite3_close(db);
	*out = d;
	return 0;
fail:
	sqlite3_close(db);
	report_data_destroy(d);
	return rc;
}

void report_trend_destroy(struct report_trend *t)
{
	if (!t)
		return;
	report_data_destroy(t->data);
	free(t->tags);
	free(t->tag_of);
	free(t);
}

struct tag_first {
	char *tag, *first; /* borrowed */
};

static int tag_first_cmp(const void *a, const void *b)
{
	const struct tag_first *x = a, *y = b;
	int c = strcmp(x->first, y->first);
	return c ? c : strcmp(x->tag, y->tag);
}

int report_trend_load(const char *db_path, const char *upto_tag, struct report_trend **out,
		      struct errbuf *eb)
{
	struct report_filter all = {NULL, NULL, 0, 1};
	struct tag_first *tf = NULL;
	int rc, n = 0;
	struct report_trend *t = calloc(1, sizeof *t);
	if (!t)
		return err_set(eb, ERR_NOMEM, "%s: out of memory", db_path);
	if ((rc = report_data_load(db_path, &all, &t->data, eb)) < 0) {
		if (rc != ERR_NOTFOUND)
			goto fail;
		t->data = NULL; /* no runs at all: no trend */
		*out = t;
		return 0;
	}
	struct report_data *d = t->data;
	tf = calloc((size_t)d->n_runs, sizeof *tf);
	t->tag_of = calloc((size_t)d->n_runs, sizeof *t->tag_of);
	t->tags = calloc((size_t)d->n_runs, sizeof *t->tags);
	if (!tf || !t->tag_of || !t->tags) {
		rc = err_set(eb, ERR_NOMEM, "%s: out of memory", db_path);
		goto fail;
	}
	/* Each tag with its first creation time (ISO 8601 UTC sorts as text). */
	for (int i = 0; i < d->n_runs; i++) {
		struct report_run *r = &d->runs[i];
		if (!r->tag[0] || strcmp(r->status, "ok") != 0)
			continue;
		int k;
		for (k = 0; k < n; k++)
			if (strcmp(tf[k].tag, r->tag) == 0)
				break;
		if (k == n)
			tf[n++] = (struct tag_first){r->tag, r->created_utc};
		else if (strcmp(r->created_utc, tf[k].first) < 0)
			tf[k].first = r->created_utc;
	}
	qsort(tf, (size_t)n, sizeof *tf, tag_first_cmp);
	int keep = n;
	if (upto_tag)
		for (int k = 0; k < n; k++)
			if (strcmp(tf[k].tag, upto_tag) == 0)
				keep = k + 1;
	for (int k = 0; k < keep; k++)
		t->tags[k] = tf[k].tag;
	t->n_tags = keep;
	for (int i = 0; i < d->n_runs; i++) {
		struct report_run *r = &d->runs[i];
		t->tag_of[i] = -1;
		if (!r->tag[0] || strcmp(r->status, "ok") != 0)
			continue;
		for (int k = 0; k < keep; k++)
			if (t->tags[k] == r->tag || strcmp(t->tags[k], r->tag) == 0) {
				t->tag_of[i] = k;
				break;
			}
	}
	free(tf);
	*out = t;
	return 0;
fail:
	free(tf);
	report_trend_destroy(t);
	return rc;
}

/* Parses one id of a list into *v. */
static int parse_id(const char *s, int64_t *v)
{
	long x;
	if (num_long(s, &x) < 0 || x < 1)
		return -1;
	*v = x;
	return 0;
}

#define MAX_RANGE_IDS 1000000

int report_parse_ids(const char *list, int64_t **ids, int *n_ids, struct errbuf *eb)
{
	int64_t *v = NULL;
	int n = 0, cap = 0, rc = 0;
	char *copy = strdup(list);
	if (!copy)
		return err_set(eb, ERR_NOMEM, "out of memory");
	char *save = NULL;
	for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		int64_t lo, hi;
		char *dash = strchr(item + (*item == '-' ? 1 : 0), '-');
		if (dash) {
			*dash = '\0';
			if (parse_id(item, &lo) < 0 || parse_id(dash + 1, &hi) < 0 || hi < lo) {
				*dash = '-';
				rc = err_set(eb, ERR_USAGE,
					     "--runs: '%s' is not a run id or a range such as 3-7",
					     item);
				goto fail;
			}
		} else if (parse_id(item, &lo) == 0) {
			hi = lo;
		} else {
			rc = err_set(eb, ERR_USAGE,
				     "--runs: '%s' is not a run id or a range such as 3-7", item);
			goto fail;
		}
		if (hi - lo >= MAX_RANGE_IDS || n + (hi - lo + 1) > MAX_RANGE_IDS) {
			rc = err_set(eb, ERR_USAGE, "--runs: more than %d ids", MAX_RANGE_IDS);
			goto fail;
		}
		for (int64_t id = lo; id <= hi; id++) {
			if (n == cap) {
				int ncap = cap ? 2 * cap : 16;
				int64_t *nv = realloc(v, (size_t)ncap * sizeof *nv);
				if (!nv) {
					rc = err_set(eb, ERR_NOMEM, "out of memory");
					goto fail;
				}
				v = nv;
				cap = ncap;
			}
			v[n++] = id;
		}
	}
	if (n == 0) {
		rc = err_set(eb, ERR_USAGE, "--runs: no run ids in '%s'", list);
		goto fail;
	}
	qsort(v, (size_t)n, sizeof *v, id_cmp);
	int k = 0;
	for (int i = 0; i < n; i++)
		if (k == 0 || v[k - 1] != v[i])
			v[k++] = v[i];
	free(copy);
	*ids = v;
	*n_ids = k;
	return 0;
fail:
	free(copy);
	free(v);
	return rc;
}

void report_short_name(const char *path, char *buf, size_t len)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (!*base)
		base = path;
	const char *dot = strrchr(base, '.');
	size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
	snprintf(buf, len, "%.*s", (int)(n > 100 ? 100 : n), base);
}

void report_policy_label_plain(struct report_run *r)
{
	snprintf(r->policy_label, sizeof r->policy_label, "%s", r->policy);
	report_policy_label_mark(r);
}

void report_policy_label_mark(struct report_run *r)
{
	size_t n = strlen(r->policy_label);
	if (r->real && n + 7 < sizeof r->policy_label)
		memcpy(r->policy_label + n, " [real]", 8);
}

void report_run_label(const struct report_run *r, char *buf, size_t len)
{
	char trace[128];
	report_short_name(r->trace ? r->trace : "", trace, sizeof trace);
	const char *policy = r->policy_label[0] ? r->policy_label : r->policy ? r->policy : "";
	snprintf(buf, len, "#%lld %.80s (%.60s, seed %lld)", (long long)r->id, policy, trace,
		 (long long)r->seed);
}

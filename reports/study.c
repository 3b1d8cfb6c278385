/*
 * study.c: the headline of a study (see study.h). One query pairs every run of the subject
 * with every run of another configuration in the same scenario and seed; the pairs are
 * grouped by baseline, and within a baseline by scenario for the losses. Ratios (speed-up,
 * energy) are summarised on their logarithms, so their interval is that of a geometric mean.
 * Not for the general report's tables (tables.c) or the comparison of two tags (compare.c).
 */
#include "study.h"

#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"

/* One pair: the subject's run and a baseline's, same scenario and seed. */
struct pair {
	int group;                 /* the baseline */
	int scenario;              /* index into the scenario labels */
	int model;                 /* index into the models */
	double a_ontime, b_ontime; /* NAN when NULL */
	double a_p95, b_p95, a_e, b_e;
};

struct group {
	char policy[64];
	char params[512];          /* the runs' policy_params text */
	char key[600];             /* policy + params: what tells baselines apart */
};

struct acc {
	struct pair *p;
	int n, cap;
	struct group *g;
	int n_g, cap_g;
	struct scen {
		char label[200];   /* trace, device, model, workload, deadline */
		char key[4096];    /* run_metrics.scenario */
	} *scen;
	int n_s, cap_s;
	char (*models)[64];
	int n_m, cap_m;
};

static double col_num(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	return s ? s : "";
}

/* The last path component of p. */
static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

static int grow(void **p, int *cap, int need, size_t size)
{
	if (need <= *cap)
		return 0;
	int c = *cap ? 2 * *cap : 64;
	while (c < need)
		c *= 2;
	void *q = realloc(*p, (size_t)c * size);
	if (!q)
		return -1;
	*p = q;
	*cap = c;
	return 0;
}

static int find_group(struct acc *a, const char *policy, const char *params)
{
	char key[600];
	snprintf(key, sizeof key, "%s\n%s", policy, params);
	for (int i = 0; i < a->n_g; i++)
		if (strcmp(a->g[i].key, key) == 0)
			return i;
	if (grow((void **)&a->g, &a->cap_g, a->n_g + 1, sizeof *a->g) < 0)
		return -1;
	struct group *g = &a->g[a->n_g];
	snprintf(g->policy, sizeof g->policy, "%s", policy);
	snprintf(g->params, sizeof g->params, "%s", params);
	snprintf(g->key, sizeof g->key, "%s", key);
	return a->n_g++;
}

static int find_scenario(struct acc *a, const char *key, const char *label)
{
	for (int i = 0; i < a->n_s; i++)
		if (strcmp(a->scen[i].key, key) == 0)
			return i;
	if (grow((void **)&a->scen, &a->cap_s, a->n_s + 1, sizeof *a->scen) < 0)
		return -1;
	snprintf(a->scen[a->n_s].label, sizeof a->scen[0].label, "%s", label);
	snprintf(a->scen[a->n_s].key, sizeof a->scen[0].key, "%s", key);
	return a->n_s++;
}

static int find_model(struct acc *a, const char *model)
{
	for (int i = 0; i < a->n_m; i++)
		if (strcmp(a->models[i], model) == 0)
			return i;
	if (grow((void **)&a->models, &a->cap_m, a->n_m + 1, sizeof *a->models) < 0)
		return -1;
	snprintf(a->models[a->n_m], sizeof a->models[0], "%s", model);
	return a->n_m++;
}

/*
 * The value of parameter k in "k=v,k=v" (params), into v; 0 when absent. Values hold no
 * comma (the registry's canonical text).
 */
static int param_value(const char *params, const char *k, char *v, size_t len)
{
	size_t n = strlen(k);
	for (const char *p = params; *p;) {
		size_t l = strcspn(p, ",");
		if (l > n && strncmp(p, k, n) == 0 && p[n] == '=') {
			snprintf(v, len, "%.*s", (int)(l - n - 1), p + n + 1);
			return 1;
		}
		p += l + (p[l] == ',');
	}
	return 0;
}

/*
 * A baseline's label: its policy, and the parameters that are not at the built-in's default
 * ("static:variant=fit") or, for a plugin, that differ between its configurations in the
 * study.
 */
static void label_of(const struct acc *a, int gi, char *out, size_t len)
{
	const struct group *g = &a->g[gi];
	size_t n = (size_t)snprintf(out, len, "%s", g->policy);
	char sep = ':';
	struct pol_choice c;
	struct errbuf quiet = {0};
	if (pol_resolve(g->policy, &c, &quiet) == 0 && strcmp(c.source, "builtin") == 0) {
		for (int i = 0; i < c.desc->n_params && n < len; i++) {
			char mine[256];
			const struct adascale_param *pp = &c.desc->params[i];
			if (param_value(g->params, pp->name, mine, sizeof mine) &&
			    strcmp(mine, pp->default_value) != 0) {
				n += (size_t)snprintf(out + n, len - n, "%c%s=%s", sep, pp->name, mine);
				sep = ',';
			}
		}
		pol_choice_free(&c);
		return;
	}
	for (const char *p = g->params; *p && n < len;) {
		size_t l = strcspn(p, ",");
		const char *eq = memchr(p, '=', l);
		if (eq) {
			char k[128], mine[256], theirs[256];
			snprintf(k, sizeof k, "%.*s", (int)(eq - p), p);
			param_value(g->params, k, mine, sizeof mine);
			int differs = 0;
			for (int j = 0; j < a->n_g; j++)
				if (j != gi && strcmp(a->g[j].policy, g->policy) == 0 &&
				    (!param_value(a->g[j].params, k, theirs, sizeof theirs) ||
				     strcmp(mine, theirs) != 0))
					differs = 1;
			if (differs) {
				n += (size_t)snprintf(out + n, len - n, "%c%s=%s", sep, k, mine);
				sep = ',';
			}
		}
		p += l + (p[l] == ',');
	}
}

/* Geometric mean of the ratios num/den over the pairs kept, with its 95% interval. */
static void ratio_summary(const double *lr, int n, double *x, double *lo, double *hi)
{
	struct stats_summary s;
	stats_summarize(lr, n, &s);
	*x = n ? exp(s.mean) : NAN;
	*lo = n > 1 ? exp(s.mean - s.ci95) : NAN;
	*hi = n > 1 ? exp(s.mean + s.ci95) : NAN;
}

static int cmp_row(const void *x, const void *y)
{
	const struct study_row *a = x, *b = y;
	return strcmp(a->label, b->label);
}

static int cmp_loss(const void *x, const void *y)
{
	const struct study_loss *a = x, *b = y;
	return (a->diff_pts > b->diff_pts) - (a->diff_pts < b->diff_pts);
}

static const char pairs_sql[] =
	"SELECT a.scenario, a.trace, a.device, a.model, a.workload, a.deadline_ms, rb.policy, "
	"rb.policy_params, a.ontime_top1_pct, b.ontime_top1_pct, a.lat_p95_ms, b.lat_p95_ms, "
	"a.energy_per_inf_mj, b.energy_per_inf_mj "
	"FROM run_metrics a JOIN run_metrics b ON b.tag = a.tag AND b.scenario = a.scenario "
	"AND b.seed = a.seed AND b.policy <> a.policy JOIN runs rb ON rb.id = b.run_id "
	"WHERE a.tag = ?1 AND a.policy = ?2 ORDER BY a.scenario, a.seed, b.config_key";

static int read_pairs(sqlite3 *db, const char *path, const char *tag, const char *subject,
		      struct acc *a, struct errbuf *eb)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, pairs_sql, -1, &st, NULL) != SQLITE_OK)
		return err_set(eb, ERR_DB, "%s: %s", path, sqlite3_errmsg(db));
	sqlite3_bind_text(st, 1, tag, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, subject, -1, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char label[200];
		snprintf(label, sizeof label, "%s, %s, %s, %s, %g ms", base_name(col_text(st, 1)),
			 base_name(col_text(st, 2)), col_text(st, 3), col_text(st, 4),
			 sqlite3_column_double(st, 5));
		int s = find_scenario(a, col_text(st, 0), label);
		int g = find_group(a, col_text(st, 6), col_text(st, 7));
		int m = find_model(a, col_text(st, 3));
		if (s < 0 || g < 0 || m < 0 ||
		    grow((void **)&a->p, &a->cap, a->n + 1, sizeof *a->p) < 0) {
			sqlite3_finalize(st);
			return err_set(eb, ERR_NOMEM, "%s: out of memory", path);
		}
		a->p[a->n++] = (struct pair){g,
					     s,
					     m,
					     col_num(st, 8),
					     col_num(st, 9),
					     col_num(st, 10),
					     col_num(st, 11),
					     col_num(st, 12),
					     col_num(st, 13)};
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return err_set(eb, ERR_DB, "%s: %s", path, sqlite3_errmsg(db));
	return 0;
}

/* One integer from sql with ?1 = tag, ?2 = subject; -1 on error. */
static long count_of(sqlite3 *db, const char *sql, const char *tag, const char *subject)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, tag, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, subject, -1, SQLITE_STATIC);
	long v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	return v;
}

/* The training overhead line from `adascale evolve`'s overhead.csv ("# totals: k=v ..."). */
static int read_overhead(const char *path, char *out, size_t len, struct errbuf *eb)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return err_set(eb, ERR_NOTFOUND, "%s: cannot open: %s", path, strerror(errno));
	char line[1024];
	long n = 0;
	int found = 0;
	double tmac = NAN, epoch = NAN;
	char reached[32] = "";
	while (fgets(line, sizeof line, f)) {
		n++;
		if (strncmp(line, "# totals:", 9) != 0)
			continue;
		found = 1;
		for (char *save, *kv = strtok_r(line + 9, " \n", &save); kv;
		     kv = strtok_r(NULL, " \n", &save)) {
			if (strncmp(kv, "tmac_ratio=", 11) == 0)
				tmac = strtod(kv + 11, NULL);
			else if (strncmp(kv, "epoch_ratio=", 12) == 0)
				epoch = strtod(kv + 12, NULL);
			else if (strncmp(kv, "reached=", 8) == 0)
				snprintf(reached, sizeof reached, "%s", kv + 8);
		}
		break;
	}
	fclose(f);
	if (!found || !(tmac > 0) || !(epoch > 0))
		return err_set(eb, ERR_PARSE,
			       "%s:%ld: no '# totals:' line with tmac_ratio and epoch_ratio (the "
			       "overhead.csv of adascale evolve)",
			       path, n);
	snprintf(out, len,
		 "training overhead saved: %.2fx in compute, %.1fx in data passes (%s of the "
		 "variants trained alone reached the self-evolved accuracy; one training run of "
		 "each, so no interval: %s)",
		 tmac, epoch, reached, path);
	return 0;
}

int study_headline(const char *db_path, const char *tag, const char *subject,
		   const char *overhead_csv, struct study_result **out, struct errbuf *eb)
{
	*out = NULL;
	struct acc a = {0};
	struct study_result *r = calloc(1, sizeof *r);
	double *x = NULL, *y = NULL;
	sqlite3 *db = NULL;
	int rc = 0;
	if (!r) {
		rc = err_set(eb, ERR_NOMEM, "out of memory");
		goto fail;
	}
	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		rc = err_set(eb, ERR_DB, "%s: cannot open: %s", db_path,
			     db ? sqlite3_errmsg(db) : "out of memory");
		goto fail;
	}
	r->n_runs = (int)count_of(db, "SELECT count(*) FROM run_metrics WHERE tag = ?1", tag,
				  subject);
	if (r->n_runs < 0) {
		rc = err_set(eb, ERR_DB, "%s: not a results database of schema 4 or later (%s)",
			     db_path, sqlite3_errmsg(db));
		goto fail;
	}
	r->n_scenarios = (int)count_of(db,
				       "SELECT count(DISTINCT scenario) FROM run_metrics WHERE "
				       "tag = ?1 AND policy = ?2",
				       tag, subject);
	if (r->n_scenarios <= 0) {
		rc = err_set(eb, ERR_NOTFOUND, "%s: no ok run of policy '%s' with tag '%s'", db_path,
			     subject, tag);
		goto fail;
	}
	if (count_of(db,
		     "SELECT count(*) FROM (SELECT scenario FROM run_metrics WHERE tag = ?1 AND "
		     "policy = ?2 GROUP BY scenario HAVING count(DISTINCT config_key) > 1)",
		     tag, subject) != 0) {
		rc = err_set(eb, ERR_USAGE,
			     "%s: tag '%s' has two configurations of '%s' in one scenario: a study "
			     "has one subject",
			     db_path, tag, subject);
		goto fail;
	}
	if ((rc = read_pairs(db, db_path, tag, subject, &a, eb)) < 0)
		goto fail;
	if (a.n_g == 0) {
		rc = err_set(eb, ERR_NOTFOUND, "%s: tag '%s' has no other policy beside '%s'",
			     db_path, tag, subject);
		goto fail;
	}
	x = malloc((size_t)a.n * sizeof *x);
	y = malloc((size_t)a.n * sizeof *y);
	r->rows = calloc((size_t)a.n_g, sizeof *r->rows);
	r->losses = calloc((size_t)a.n_g * (size_t)a.n_s, sizeof *r->losses);
	if (!x || !y || !r->rows || !r->losses) {
		rc = err_set(eb, ERR_NOMEM, "out of memory");
		goto fail;
	}
	for (int g = 0; g < a.n_g; g++) {
		struct study_row *row = &r->rows[r->n_rows++];
		row->group = g;
		label_of(&a, g, row->label, sizeof row->label);
		/* on-time accuracy gained, paired */
		int n = 0;
		for (int i = 0; i < a.n; i++)
			if (a.p[i].group == g && !isnan(a.p[i].a_ontime) && !isnan(a.p[i].b_ontime)) {
				x[n] = a.p[i].b_ontime;
				y[n++] = a.p[i].a_ontime;
			}
		row->n_pairs = n;
		struct stats_paired pt;
		stats_paired_t(x, y, n, &pt);
		row->gain_p = pt.p;
		for (int i = 0; i < n; i++)
			x[i] = y[i] - x[i];
		stats_summarize(x, n, &row->gain_pts);
		/* speed-up where the subject is at least as accurate on time */
		n = 0;
		for (int i = 0; i < a.n; i++) {
			const struct pair *p = &a.p[i];
			if (p->group == g && p->a_ontime >= p->b_ontime && p->a_p95 > 0 && p->b_p95 > 0)
				x[n++] = log(p->b_p95 / p->a_p95);
		}
		row->n_speed = n;
		ratio_summary(x, n, &row->speedup_x, &row->speedup_lo, &row->speedup_hi);
		n = 0;
		for (int i = 0; i < a.n; i++) {
			const struct pair *p = &a.p[i];
			if (p->group == g && p->a_e > 0 && p->b_e > 0)
				x[n++] = log(p->b_e / p->a_e);
		}
		row->n_energy = n;
		ratio_summary(x, n, &row->energy_x, &row->energy_lo, &row->energy_hi);
		/* per scenario: the number of scenarios, and where the subject loses */
		for (int s = 0; s < a.n_s; s++) {
			int m = 0;
			for (int i = 0; i < a.n; i++)
				if (a.p[i].group == g && a.p[i].scenario == s &&
				    !isnan(a.p[i].a_ontime) && !isnan(a.p[i].b_ontime))
					x[m++] = a.p[i].a_ontime - a.p[i].b_ontime;
			if (!m)
				continue;
			row->n_scenarios++;
			struct stats_summary d;
			stats_summarize(x, m, &d);
			if (d.mean < 0 && (m < 2 || d.mean + d.ci95 < 0)) {
				struct study_loss *l = &r->losses[r->n_losses++];
				snprintf(l->scenario, sizeof l->scenario, "%s", a.scen[s].label);
				snprintf(l->baseline, sizeof l->baseline, "%s", row->label);
				l->n = m;
				l->diff_pts = d.mean;
				l->ci95 = m < 2 ? NAN : d.ci95;
			}
		}
	}
	qsort(r->rows, (size_t)r->n_rows, sizeof *r->rows, cmp_row);
	qsort(r->losses, (size_t)r->n_losses, sizeof *r->losses, cmp_loss);
	/* by model, in the rows' (sorted) order */
	r->by_model = calloc((size_t)a.n_m * (size_t)r->n_rows, sizeof *r->by_model);
	if (!r->by_model) {
		rc = err_set(eb, ERR_NOMEM, "out of memory");
		goto fail;
	}
	r->models = a.models;
	r->n_models = a.n_m;
	a.models = NULL;
	for (int m = 0; m < r->n_models; m++)
		for (int k = 0; k < r->n_rows; k++) {
			struct study_cell *c = &r->by_model[m * r->n_rows + k];
			int n = 0;
			for (int i = 0; i < a.n; i++) {
				const struct pair *p = &a.p[i];
				if (p->group == r->rows[k].group && p->model == m &&
				    !isnan(p->a_ontime) && !isnan(p->b_ontime))
					x[n++] = p->a_ontime - p->b_ontime;
			}
			c->n = n;
			stats_summarize(x, n, &c->gain_pts);
		}
	if (overhead_csv) {
		if ((rc = read_overhead(overhead_csv, r->overhead, sizeof r->overhead, eb)) < 0)
			goto fail;
	} else {
		snprintf(r->overhead, sizeof r->overhead,
			 "training overhead saved: not in this study (name the overhead.csv of "
			 "`adascale evolve` with `overhead =` in the study file)");
	}
	sqlite3_close(db);
	free(x);
	free(y);
	free(a.p);
	free(a.g);
	free(a.scen);
	free(a.models);
	*out = r;
	return 0;
fail:
	sqlite3_close(db);
	free(x);
	free(y);
	free(a.p);
	free(a.g);
	free(a.scen);
	free(a.models);
	study_result_destroy(r);
	return rc;
}

void study_result_destroy(struct study_result *r)
{
	if (!r)
		return;
	free(r->rows);
	free(r->losses);
	free(r->models);
	free(r->by_model);
	free(r);
}

/* "1.23x [1.10, 1.38]", "1.23x (one pair)" or "-". */
static void fmt_ratio(char *buf, size_t len, double x, double lo, double hi, int n)
{
	if (n == 0 || isnan(x))
		snprintf(buf, len, "- (no pair)");
	else if (n == 1)
		snprintf(buf, len, "%.2fx (one pair)", x);
	else
		snprintf(buf, len, "%.2fx [%.2f, %.2f] (%d pairs)", x, lo, hi, n);
}

void study_print(const struct study_result *r, const char *subject, FILE *f)
{
	fprintf(f,
		"%s against each baseline, paired over seeds in %d scenarios (%d runs); 95%% "
		"intervals in brackets:\n\n",
		subject, r->n_scenarios, r->n_runs);
	fprintf(f, "| baseline | on-time top-1 gained (points) | paired t-test | p95 speed-up at "
		   "equal or better on-time top-1 | energy per inference saved |\n");
	fprintf(f, "| --- | --- | --- | --- | --- |\n");
	for (int i = 0; i < r->n_rows; i++) {
		const struct study_row *w = &r->rows[i];
		char gain[96], p[48], sp[96], en[96];
		if (w->n_pairs == 0)
			snprintf(gain, sizeof gain, "- (no pair)");
		else if (w->n_pairs == 1)
			snprintf(gain, sizeof gain, "%+.2f (one pair)", w->gain_pts.mean);
		else
			snprintf(gain, sizeof gain, "%+.2f [%+.2f, %+.2f] (%d pairs)", w->gain_pts.mean,
				 w->gain_pts.mean - w->gain_pts.ci95, w->gain_pts.mean + w->gain_pts.ci95,
				 w->n_pairs);
		if (isnan(w->gain_p))
			snprintf(p, sizeof p, "-");
		else
			snprintf(p, sizeof p, "p = %.2g", w->gain_p);
		fmt_ratio(sp, sizeof sp, w->speedup_x, w->speedup_lo, w->speedup_hi, w->n_speed);
		fmt_ratio(en, sizeof en, w->energy_x, w->energy_lo, w->energy_hi, w->n_energy);
		fprintf(f, "| %s | %s | %s | %s | %s |\n", w->label, gain, p, sp, en);
	}
	if (r->n_models > 1) {
		fprintf(f, "\nOn-time top-1 gained by model (points: the mean over the model's "
			   "scenarios and seeds [95%% interval]):\n\n| model |");
		for (int k = 0; k < r->n_rows; k++)
			fprintf(f, " %s |", r->rows[k].label);
		fprintf(f, "\n| --- |");
		for (int k = 0; k < r->n_rows; k++)
			fprintf(f, " --- |");
		fprintf(f, "\n");
		for (int m = 0; m < r->n_models; m++) {
			fprintf(f, "| %s |", r->models[m]);
			for (int k = 0; k < r->n_rows; k++) {
				const struct study_cell *c = &r->by_model[m * r->n_rows + k];
				if (c->n == 0)
					fprintf(f, " - |");
				else if (c->n == 1)
					fprintf(f, " %+.2f (one pair) |", c->gain_pts.mean);
				else
					fprintf(f, " %+.2f [%+.2f, %+.2f] |", c->gain_pts.mean,
						c->gain_pts.mean - c->gain_pts.ci95,
						c->gain_pts.mean + c->gain_pts.ci95);
			}
			fprintf(f, "\n");
		}
	}
	fprintf(f, "\n%s\n", r->overhead);
	if (!r->n_losses) {
		fprintf(f, "\nWhere %s loses: nowhere (no scenario where a baseline's on-time top-1 "
			   "is higher beyond its 95%% interval).\n",
			subject);
		return;
	}
	fprintf(f, "\nWhere %s loses (on-time top-1 below a baseline's beyond its 95%% interval; "
		   "%d, the worst first):\n\n",
		subject, r->n_losses);
	fprintf(f, "| scenario (trace, device, model, workload, deadline) | baseline | points |\n");
	fprintf(f, "| --- | --- | --- |\n");
	for (int i = 0; i < r->n_losses; i++) {
		const struct study_loss *l = &r->losses[i];
		if (l->n < 2)
			fprintf(f, "| %s | %s | %+.2f (one seed) |\n", l->scenario, l->baseline,
				l->diff_pts);
		else
			fprintf(f, "| %s | %s | %+.2f +- %.2f (%d seeds) |\n", l->scenario,
				l->baseline, l->diff_pts, l->ci95, l->n);
	}
}

/* A CSV field: quoted when it holds a comma or a quote. */
static void csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

void study_print_csv(const struct study_result *r, FILE *f)
{
	fprintf(f, "baseline,n_pairs,n_scenarios,ontime_gain_pts,ontime_gain_pts_ci95,p,"
		   "n_speed_pairs,p95_speedup_x,p95_speedup_lo,p95_speedup_hi,n_energy_pairs,"
		   "energy_saved_x,energy_saved_lo,energy_saved_hi\n");
	for (int i = 0; i < r->n_rows; i++) {
		const struct study_row *w = &r->rows[i];
		csv_field(f, w->label);
		fprintf(f, ",%d,%d,%.6g,%.6g,%.6g,%d,%.6g,%.6g,%.6g,%d,%.6g,%.6g,%.6g\n", w->n_pairs,
			w->n_scenarios, w->gain_pts.mean, w->gain_pts.ci95, w->gain_p, w->n_speed,
			w->speedup_x, w->speedup_lo, w->speedup_hi, w->n_energy, w->energy_x,
			w->energy_lo, w->energy_hi);
	}
}

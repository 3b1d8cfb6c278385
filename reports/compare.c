/*
 * compare.c: `adascale compare` (see compare.h): tolerances (built in, or from an INI file
 * read with inih), pairing runs of two tags by (config_key, seed), the per-metric paired
 * test and verdict, and the Markdown, CSV and JSON outputs. The output is composed in
 * memory and written only when the comparison succeeded. Not for the statistics themselves
 * (stats.c) nor for labels and grouping (groups.c).
 */
#include "compare.h"

#include <errno.h>
#include <ini.h>
#include <math.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "groups.h"
#include "inilines.h"
#include "metrics.h"
#include "num.h"
#include "stats.h"
#include "tables.h"
#include "text.h"

/* ---- tolerances ---- */

/*
 * The built-in tolerances. They are engineering choices, not facts: wide enough that the
 * run-to-run spread of a suite with a few seeds does not trip them, tight enough that a
 * change a user would notice does. Metrics not listed get rel 0.05.
 */
static const struct {
	const char *metric;
	double abs, rel;
} default_tol[] = {
	{"ontime_top1", 0.25, 0},       /* a quarter of an accuracy point */
	{"served", 0, 0.01},            /* 1% fewer answers */
	{"dropped", 5, 0.10},           /* counts: the miss rate is the headline */
	{"deadline_misses", 5, 0.10},
	{"failures", 0, 0},             /* any significant rise in out-of-memory failures */
	{"miss_rate", 0.005, 0.05},     /* half a percentage point, or 5% of it */
	{"lat_mean_ms", 0.05, 0.05},
	{"lat_p50_ms", 0.05, 0.05},
	{"lat_p95_ms", 0.1, 0.05},
	{"lat_p99_ms", 0.2, 0.10},      /* the far tail moves more from run to run */
	{"mean_top1", 0.25, 0},         /* a quarter of an accuracy point */
	{"energy_mj", 0, 0.03},
	{"energy_per_inf_mj", 0, 0.03},
	{"switches", 3, 0.25},
};

#define DEFAULT_ALPHA 0.05

void compare_tolerances_default(struct compare_tolerances *t)
{
	t->alpha = DEFAULT_ALPHA;
	for (int m = 0; m < REPORT_N_METRICS && m < metrics_n; m++) {
		t->m[m] = (struct compare_tol){0, 0.05, metrics_table[m].better != 0};
		for (size_t k = 0; k < sizeof default_tol / sizeof default_tol[0]; k++)
			if (strcmp(default_tol[k].metric, metrics_table[m].name) == 0) {
				t->m[m].abs = default_tol[k].abs;
				t->m[m].rel = default_tol[k].rel;
			}
	}
}

static int metric_index(const char *name)
{
	for (int m = 0; m < metrics_n && m < REPORT_N_METRICS; m++)
		if (strcmp(metrics_table[m].name, name) == 0)
			return m;
	return -1;
}

struct tol_parse {
	FILE *f;
	struct inilines in; /* counts lines, notes [section] headers */
	unsigned seen[REPORT_N_METRICS + 1]; /* keys given, bit per key ([compare] last) */
	struct compare_tolerances t;
};

/* The line of the [section] header the handler is in (the current line if unknown). */
static long header_line(const struct tol_parse *p, const char *section)
{
	long at = inilines_section_line(&p->in, section);
	return at ? at : p->in.line;
}

/* 1 the first time key is given in its section (slot), else 0 with the message. */
static int tol_once(struct tol_parse *p, int slot, unsigned bit, const char *section,
		    const char *key)
{
	if (p->seen[slot] & bit)
		return inilines_fail(&p->in, ERR_PARSE, "[%s] %s is given twice", section, key);
	p->seen[slot] |= bit;
	return 1;
}

static int tol_number(struct tol_parse *p, const char *section, const char *key,
		      const char *value, double lo, double hi, int hi_open, double *out)
{
	double x;
	if (num_double(value, &x) < 0)
		return inilines_fail(&p->in, ERR_PARSE, "[%.64s] %s: '%.64s' is not a number", section, key,
				value);
	if (x < lo || x > hi || (hi_open && x >= hi))
		return inilines_fail(&p->in, ERR_RANGE, "[%.64s] %s: %.64s is outside [%g, %g%s", section,
				key, value, lo, hi, hi_open ? ")" : "]");
	*out = x;
	return 1;
}

static int tol_handler(void *user, const char *section, const char *key, const char *value)
{
	struct tol_parse *p = user;
	if (p->in.rc < 0)
		return 0;
	if (!section[0])
		return inilines_fail(&p->in, ERR_PARSE, "'%.64s' outside a section ([compare] or a metric)",
				key);
	if (strcmp(section, "compare") == 0) {
		if (strcmp(key, "alpha") == 0)
			return tol_number(p, section, key, value, 1e-12, 1, 1, &p->t.alpha) &&
			       tol_once(p, REPORT_N_METRICS, 1u, section, key);
		return inilines_fail(&p->in, ERR_PARSE, "[compare] has no key '%.64s' (it has: alpha)", key);
	}
	int m = metric_index(section);
	if (m < 0) {
		char names[1024] = "";
		for (int k = 0; k < metrics_n; k++)
			if (metrics_table[k].better != 0)
				snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s",
					 names[0] ? ", " : "", metrics_table[k].name);
		/* name the header, not the key under it */
		return inilines_fail_at(&p->in, header_line(p, section), ERR_PARSE,
					"unknown section [%.64s]: expected [compare] or a metric "
					"(%s)",
					section, names);
	}
	if (metrics_table[m].better == 0) {
		return inilines_fail_at(&p->in, header_line(p, section), ERR_PARSE,
					"[%s]: this metric has no better direction (sim/metrics.h), "
					"so it is never judged",
					section);
	}
	struct compare_tol *t = &p->t.m[m];
	if (strcmp(key, "abs") == 0)
		return tol_number(p, section, key, value, 0, 1e300, 0, &t->abs) &&
		       tol_once(p, m, 1u, section, key);
	if (strcmp(key, "rel") == 0)
		return tol_number(p, section, key, value, 0, 1e300, 0, &t->rel) &&
		       tol_once(p, m, 2u, section, key);
	if (strcmp(key, "gate") == 0) {
		if (!tol_once(p, m, 4u, section, key))
			return 0;
		static const char *const yes[] = {"yes", "true", "on", "1"};
		static const char *const no[] = {"no", "false", "off", "0"};
		for (int i = 0; i < 4; i++) {
			if (strcmp(value, yes[i]) == 0) {
				t->gate = 1;
				return 1;
			}
			if (strcmp(value, no[i]) == 0) {
				t->gate = 0;
				return 1;
			}
		}
		return inilines_fail(&p->in, ERR_PARSE, "[%s] gate: '%.64s' is not yes or no", section,
				value);
	}
	return inilines_fail(&p->in, ERR_PARSE, "[%s] has no key '%.64s' (it has: abs, rel, gate)",
			section, key);
}

int compare_tolerances_load(const char *path, struct compare_tolerances *t,
			    struct errbuf *eb)
{
	struct tol_parse p;
	memset(&p, 0, sizeof p);
	p.t = *t;
	p.f = fopen(path, "r");
	if (!p.f)
		return err_set(eb, errno == ENOENT ? ERR_NOTFOUND : ERR_IO, "%s: cannot open: %s",
			       path, strerror(errno));
	inilines_init(&p.in, p.f, path, eb, NULL);
	int rc = inilines_parse(&p.in, tol_handler, &p);
	fclose(p.f);
	if (rc < 0)
		return rc;
	*t = p.t;
	return 0;
}

/* ---- pairing ---- */

const char *compare_verdict_name(int v)
{
	static const char *const names[] = {"regressed", "improved", "not significant",
					    "within tolerance", "not judged", "same"};
	return v >= 0 && v < COMPARE_N_VERDICTS ? names[v] : "?";
}

#define METRIC_STATUS (-1) /* a row about runs that failed, not a metric */

struct row {
	int config;
	int metric;   /* index into metrics_table, or METRIC_STATUS */
	int n;        /* pairs */
	double base, cand, change, change_rel, p, tol;
	int verdict;
	const char *note; /* borrowed: a run's error, for status rows */
};

struct config {
	const char *key;         /* config_key */
	const struct report_run *first;
	const char *label;       /* borrowed from the groups */
};

struct cmp {
	const struct compare_opts *o;
	struct compare_tolerances tol;
	struct report_data *b, *c;
	struct report_run **all;      /* b's runs, then c's */
	struct report_groups *groups;
	int n_configs;
	struct config *configs;
	int n_rows, cap_rows;
	struct row *rows;
	int n_pairs, n_unpaired_b, n_unpaired_c, n_dup_b, n_dup_c;
	int counts[COMPARE_N_VERDICTS];
	const char *label_b, *label_c; /* with configs: the two configurations' labels */
	const char *key_b, *key_c;     /* and their config_keys */
};

static int run_cmp(const void *x, const void *y)
{
	const struct report_run *a = *(const struct report_run *const *)x;
	const struct report_run *b = *(const struct report_run *const *)y;
	int k = strcmp(a->config_key, b->config_key);
	if (k)
		return k;
	if (a->seed != b->seed)
		return a->seed < b->seed ? -1 : 1;
	return (a->id > b->id) - (a->id < b->id);
}

/*
 * The runs of one tag sorted by (config_key, seed), one per pair key: of duplicates (the
 * same run stored twice) the newest is kept. *n_dup counts those left out.
 */
static struct report_run **sorted_unique(struct report_data *d, int *n, int *n_dup)
{
	struct report_run **v = report_run_pointers(d);
	if (!v)
		return NULL;
	qsort(v, (size_t)d->n_runs, sizeof *v, run_cmp);
	int k = 0;
	*n_dup = 0;
	for (int i = 0; i < d->n_runs; i++) {
		if (k > 0 && strcmp(v[k - 1]->config_key, v[i]->config_key) == 0 &&
		    v[k - 1]->seed == v[i]->seed) {
			v[k - 1] = v[i]; /* sorted by id: the later one wins */
			(*n_dup)++;
			continue;
		}
		v[k++] = v[i];
	}
	*n = k;
	return v;
}

static int config_of(struct cmp *x, const struct report_run *r)
{
	for (int i = 0; i < x->n_configs; i++)
		if (strcmp(x->configs[i].key, r->config_key) == 0)
			return i;
	return -1;
}

static int add_row(struct cmp *x, const struct row *r)
{
	if (x->n_rows == x->cap_rows) {
		int cap = x->cap_rows ? 2 * x->cap_rows : 64;
		struct row *nr = realloc(x->rows, (size_t)cap * sizeof *nr);
		if (!nr)
			return ERR_NOMEM;
		x->rows = nr;
		x->cap_rows = cap;
	}
	x->rows[x->n_rows++] = *r;
	x->counts[r->verdict]++;
	return 0;
}

static int is_ok(const struct report_run *r) { return strcmp(r->status, "ok") == 0; }

/* The rows of one configuration from its pairs bp[i] / cp[i]. */
static int judge_config(struct cmp *x, int cfg, struct report_run **bp, struct report_run **cp,
			int n, double *a, double *b)
{
	int rc = 0, n_fail = 0, n_fixed = 0;
	const char *note = NULL;
	for (int i = 0; i < n; i++) {
		if (is_ok(bp[i]) && !is_ok(cp[i])) {
			n_fail++;
			if (!note)
				note = cp[i]->error;
		} else if (!is_ok(bp[i]) && is_ok(cp[i])) {
			n_fixed++;
		}
	}
	if (n_fail) {
		struct row r = {cfg, METRIC_STATUS, n_fail, NAN, NAN, NAN, NAN, NAN, NAN,
				COMPARE_REGRESSED, note};
		if ((rc = add_row(x, &r)) < 0)
			return rc;
	}
	if (n_fixed) {
		struct row r = {cfg, METRIC_STATUS, n_fixed, NAN, NAN, NAN, NAN, NAN, NAN,
				COMPARE_IMPROVED, NULL};
		if ((rc = add_row(x, &r)) < 0)
			return rc;
	}
	for (int m = 0; m < REPORT_N_METRICS && m < metrics_n; m++) {
		int k = 0;
		double maxd = 0;
		for (int i = 0; i < n; i++)
			if (bp[i]->has_metric[m] && cp[i]->has_metric[m]) {
				a[k] = bp[i]->metric[m];
				b[k] = cp[i]->metric[m];
				maxd = fmax(maxd, fabs(b[k] - a[k]));
				k++;
			}
		if (k == 0)
			continue;
		struct stats_summary sa, sb;
		struct stats_paired pt;
		stats_summarize(a, k, &sa);
		stats_summarize(b, k, &sb);
		stats_paired_t(a, b, k, &pt);
		const struct compare_tol *t = &x->tol.m[m];
		struct row r = {cfg, m, k, sa.mean, sb.mean, sb.mean - sa.mean, NAN, pt.p, 0, 0,
				NULL};
		r.change_rel = sa.mean != 0 ? r.change / fabs(sa.mean) : NAN;
		r.tol = fmax(t->abs, t->rel * fabs(sa.mean));
		int dir = metrics_table[m].better;
		if (maxd == 0)
			r.verdict = COMPARE_SAME;
		else if (dir == 0 || !t->gate)
			r.verdict = COMPARE_NOT_JUDGED;
		else if (!(fabs(r.change) > r.tol))
			r.verdict = COMPARE_WITHIN;
		else if (k >= 2 && !(pt.p < x->tol.alpha))
			r.verdict = COMPARE_NOT_SIGNIFICANT;
		else
			r.verdict = r.change * dir < 0 ? COMPARE_REGRESSED : COMPARE_IMPROVED;
		if ((rc = add_row(x, &r)) < 0)
			return rc;
	}
	return 0;
}

static int row_cmp(const void *p, const void *q)
{
	const struct row *a = p, *b = q;
	if (a->verdict != b->verdict)
		return a->verdict - b->verdict;
	if (a->config != b->config)
		return a->config - b->config;
	return a->metric - b->metric;
}

static int pair_up(struct cmp *x, struct errbuf *eb)
{
	int rc = 0, nb = 0, nc = 0;
	struct report_run **vb = sorted_unique(x->b, &nb, &x->n_dup_b);
	struct report_run **vc = sorted_unique(x->c, &nc, &x->n_dup_c);
	struct report_run **pb = calloc((size_t)nb + 1, sizeof *pb);
	struct report_run **pc = calloc((size_t)nb + 1, sizeof *pc);
	double *a = calloc((size_t)nb + 1, sizeof *a), *b = calloc((size_t)nb + 1, sizeof *b);
	if (!vb || !vc || !pb || !pc || !a || !b) {
		rc = err_set(eb, ERR_NOMEM, "compare: out of memory");
		goto done;
	}
	/* Merge join on (config_key, seed); each configuration's pairs are contiguous. */
	int i = 0, j = 0, n = 0, cfg = -1;
	while (i < nb || j < nc) {
		/* two configurations pair by seed alone */
		int k = i < nb && j < nc && !x->o->configs
				? strcmp(vb[i]->config_key, vc[j]->config_key)
				: 0;
		if (i < nb && j < nc && k == 0 && vb[i]->seed != vc[j]->seed)
			k = vb[i]->seed < vc[j]->seed ? -1 : 1;
		if (j >= nc || (i < nb && k < 0)) {
			x->n_unpaired_b++;
			i++;
			continue;
		}
		if (i >= nb || k > 0) {
			x->n_unpaired_c++;
			j++;
			continue;
		}
		int c = config_of(x, vb[i]);
		if (c != cfg && n > 0) {
			if ((rc = judge_config(x, cfg, pb, pc, n, a, b)) < 0)
				goto nomem;
			n = 0;
		}
		cfg = c;
		pb[n] = vb[i++];
		pc[n++] = vc[j++];
		x->n_pairs++;
	}
	if (n > 0 && (rc = judge_config(x, cfg, pb, pc, n, a, b)) < 0)
		goto nomem;
	if (x->n_pairs == 0 && x->o->configs)
		rc = err_set(eb, ERR_NOTFOUND,
			     "%s: no seed of configuration %.12s... pairs with one of %.12s...: %d and "
			     "%d runs",
			     x->o->db_path, x->key_b, x->key_c, x->b->n_runs, x->c->n_runs);
	else if (x->n_pairs == 0)
		rc = err_set(eb, ERR_NOTFOUND,
			     "%s: no run of tag '%s' pairs with a run of tag '%s' (same config_key "
			     "and seed): %d and %d runs, no configuration in common",
			     x->o->db_path, x->o->baseline, x->o->candidate, x->b->n_runs,
			     x->c->n_runs);
	if (x->n_rows > 1) /* rows is NULL when nothing paired; qsort's base must not be */
		qsort(x->rows, (size_t)x->n_rows, sizeof *x->rows, row_cmp);
	goto done;
nomem:
	rc = err_set(eb, ERR_NOMEM, "compare: out of memory");
done:
	free(b);
	free(a);
	free(pc);
	free(pb);
	free(vc);
	free(vb);
	return rc;
}

/* The configurations (one per config_key, baseline first) with their labels. */
static int find_configs(struct cmp *x, struct errbuf *eb)
{
	int n = x->b->n_runs + x->c->n_runs;
	x->configs = calloc((size_t)n, sizeof *x->configs);
	if (!x->configs)
		return err_set(eb, ERR_NOMEM, "compare: out of memory");
	for (int i = 0; i < n; i++) {
		const struct report_run *r = x->all[i];
		if (config_of(x, r) >= 0)
			continue;
		struct config *c = &x->configs[x->n_configs++];
		c->key = r->config_key;
		c->first = r;
		c->label = x->groups->g[x->groups->group_of[i]].label;
	}
	return 0;
}

/* ---- output ---- */

static const char *metric_name(int m)
{
	return m == METRIC_STATUS ? "status" : metrics_table[m].name;
}

enum { NUM_PLAIN, NUM_SIGNED, NUM_PERCENT, NUM_P };

/* A number of a Markdown cell, or a dash when there is none. */
static void md_num(FILE *f, double v, int kind)
{
	if (!isfinite(v))
		fputs("\xE2\x80\x93", f);
	else if (kind == NUM_SIGNED)
		fprintf(f, "%+.4g", v);
	else if (kind == NUM_PERCENT)
		fprintf(f, "%+.2f%%", 100 * v);
	else if (kind == NUM_P)
		fprintf(f, "%.3g", v);
	else
		fprintf(f, "%.4g", v);
}

static void write_md(struct cmp *x, FILE *f, int regressed)
{
	const struct compare_opts *o = x->o;
	fputs("# adascale compare: ", f);
	report_md_put(f, o->configs ? x->label_b : o->baseline);
	fputs(" \xE2\x86\x92 ", f);
	report_md_put(f, o->configs ? x->label_c : o->candidate);
	fputs("\n\n", f);
	if (o->configs) {
		fprintf(f, "Two configurations: baseline %s, candidate %s", x->key_b, x->key_c);
		if (o->tag) {
			fputs(", runs of tag ", f);
			report_md_put(f, o->tag);
		}
		fputs("; runs pair up by seed, and each row's configuration is the baseline's.\n\n",
		      f);
	}
	if (regressed) {
		int cfgs = 0, last = -1;
		for (int i = 0; i < x->n_rows; i++)
			if (x->rows[i].verdict == COMPARE_REGRESSED && x->rows[i].config != last) {
				cfgs++;
				last = x->rows[i].config;
			}
		fprintf(f, "**REGRESSED**: %d metric%s of %d configuration%s got worse beyond "
			   "tolerance.",
			x->counts[COMPARE_REGRESSED], x->counts[COMPARE_REGRESSED] == 1 ? "" : "s",
			cfgs, cfgs == 1 ? "" : "s");
	} else {
		fputs("**No regression**: nothing got worse beyond its tolerance.", f);
	}
	fprintf(f, " %d improved, %d not significant, %d within tolerance, %d not judged, %d "
		   "the same.\n\n",
		x->counts[COMPARE_IMPROVED], x->counts[COMPARE_NOT_SIGNIFICANT],
		x->counts[COMPARE_WITHIN], x->counts[COMPARE_NOT_JUDGED], x->counts[COMPARE_SAME]);
	fputs("Database ", f);
	report_md_put(f, o->db_path);
	fprintf(f, ": %d pair%s of runs (same config\\_key and seed). Each row compares the "
		   "means over the paired seeds; p is the two-sided paired t-test over the "
		   "seeds; a metric regressed when it moved in its worse direction by more than "
		   "its tolerance, max(abs, rel \xC3\x97 |baseline|), with p < %g (with one seed the "
		   "tolerance alone decides). Tolerances: ",
		x->n_pairs, x->n_pairs == 1 ? "" : "s", x->tol.alpha);
	if (o->tolerance_path)
		report_md_put(f, o->tolerance_path);
	else
		fputs("built in", f);
	fputs(".\n\n", f);
	if (x->n_unpaired_b || x->n_unpaired_c)
		fprintf(f, "Not compared: %d run%s of the baseline and %d of the candidate have no "
			   "partner (their configuration or seed is missing from the other "
			   "tag).\n\n",
			x->n_unpaired_b, x->n_unpaired_b == 1 ? "" : "s", x->n_unpaired_c);
	if (x->n_dup_b || x->n_dup_c)
		fprintf(f, "Duplicates: %d run%s of the baseline and %d of the candidate repeat a "
			   "configuration and seed; the newest of each was used.\n\n",
			x->n_dup_b, x->n_dup_b == 1 ? "" : "s", x->n_dup_c);
	if (x->counts[COMPARE_SAME] < x->n_rows)
		fputs("| verdict | configuration | metric | n | baseline | candidate | change | "
		      "change % | p | tolerance |\n"
		      "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
		      f);
	for (int i = 0; i < x->n_rows; i++) {
		const struct row *r = &x->rows[i];
		if (r->verdict == COMPARE_SAME)
			continue;
		fprintf(f, r->verdict == COMPARE_REGRESSED ? "| **%s** | " : "| %s | ",
			compare_verdict_name(r->verdict));
		report_md_put(f, x->configs[r->config].label);
		fputs(" | ", f);
		if (r->metric == METRIC_STATUS) {
			fprintf(f, "status | %d | ok | %s | ", r->n,
				r->verdict == COMPARE_REGRESSED ? "failed" : "ok (was failed)");
			report_md_put(f, r->note && r->note[0] ? r->note : "\xE2\x80\x93");
			fputs(" | | | |\n", f);
			continue;
		}
		const struct metric_desc *md = &metrics_table[r->metric];
		fprintf(f, "%s%s%s%s%s | %d | ", md->name,
			md->better > 0 ? " \xE2\x86\x91" : md->better < 0 ? " \xE2\x86\x93" : "",
			md->unit[0] ? " (" : "", md->unit, md->unit[0] ? ")" : "", r->n);
		md_num(f, r->base, NUM_PLAIN);
		fputs(" | ", f);
		md_num(f, r->cand, NUM_PLAIN);
		fputs(" | ", f);
		md_num(f, r->change, NUM_SIGNED);
		fputs(" | ", f);
		md_num(f, r->change_rel, NUM_PERCENT);
		fputs(" | ", f);
		if (r->n < 2)
			fputs("n/a (1 seed)", f);
		else
			md_num(f, r->p, NUM_P);
		fputs(" | ", f);
		if (md->better == 0 || !x->tol.m[r->metric].gate)
			fputs("\xE2\x80\x93", f);
		else
			md_num(f, r->tol, NUM_PLAIN);
		fputs(" |\n", f);
	}
	if (x->counts[COMPARE_SAME])
		fprintf(f, "\n%d metric value%s identical in both tags %s not listed (`--format "
			   "csv` or `json` lists every row).\n",
			x->counts[COMPARE_SAME], x->counts[COMPARE_SAME] == 1 ? " is" : "s are",
			x->counts[COMPARE_SAME] == 1 ? "and is" : "and are");
}

static void write_csv(struct cmp *x, FILE *f)
{
	fputs("verdict,configuration,config_key,policy,policy_params,model,trace,device,"
	      "workload,deadline_ms,metric,unit,better,n,baseline_mean,candidate_mean,change,"
	      "change_rel,p_value,tolerance,tolerance_abs,tolerance_rel,gate,note\n",
	      f);
	for (int i = 0; i < x->n_rows; i++) {
		const struct row *r = &x->rows[i];
		const struct config *c = &x->configs[r->config];
		const struct report_run *fr = c->first;
		report_csv_put(f, compare_verdict_name(r->verdict));
		const char *texts[] = {c->label,  c->key,   fr->policy,  fr->policy_params,
				       fr->model, fr->trace, fr->device, fr->workload};
		for (size_t k = 0; k < sizeof texts / sizeof texts[0]; k++) {
			fputc(',', f);
			report_csv_put(f, texts[k]);
		}
		fputc(',', f);
		report_csv_num(f, fr->deadline_ms);
		fputc(',', f);
		report_csv_put(f, metric_name(r->metric));
		if (r->metric == METRIC_STATUS) {
			fprintf(f, ",,,%d,,,,,,,,,,", r->n);
			report_csv_put(f, r->verdict == COMPARE_REGRESSED ? "failed in the candidate"
									: "failed in the baseline");
			fputc('\n', f);
			continue;
		}
		const struct metric_desc *md = &metrics_table[r->metric];
		const struct compare_tol *t = &x->tol.m[r->metric];
		fputc(',', f);
		report_csv_put(f, md->unit);
		fprintf(f, ",%d,%d", md->better, r->n);
		double v[] = {r->base, r->cand, r->change, r->change_rel, r->p, r->tol, t->abs, t->rel};
		for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
			fputc(',', f);
			report_csv_num(f, v[k]);
		}
		fprintf(f, ",%d,\n", md->better != 0 && t->gate);
	}
}

static void json_kv_num(FILE *f, const char *key, double v)
{
	fprintf(f, ",\"%s\":", key);
	report_json_num(f, v);
}

static void write_json(struct cmp *x, FILE *f, int regressed)
{
	const struct compare_opts *o = x->o;
	fputs("{\"baseline\":", f);
	report_json_put(f, o->baseline);
	fputs(",\"candidate\":", f);
	report_json_put(f, o->candidate);
	fputs(",\"database\":", f);
	report_json_put(f, o->db_path);
	fputs(",\"tolerances\":", f);
	report_json_put(f, o->tolerance_path); /* null: built in */
	json_kv_num(f, "alpha", x->tol.alpha);
	fputs(",\"test\":\"paired t-test over seeds, two-sided\"", f);
	fprintf(f, ",\"regressed\":%s,\"pairs\":%d,\"unpaired_baseline\":%d,"
		   "\"unpaired_candidate\":%d,\"duplicates_baseline\":%d,"
		   "\"duplicates_candidate\":%d,\"counts\":{",
		regressed ? "true" : "false", x->n_pairs, x->n_unpaired_b, x->n_unpaired_c,
		x->n_dup_b, x->n_dup_c);
	for (int v = 0; v < COMPARE_N_VERDICTS; v++) {
		fputs(v ? "," : "", f);
		report_json_put(f, compare_verdict_name(v));
		fprintf(f, ":%d", x->counts[v]);
	}
	fputs("},\n\"rows\":[", f);
	for (int i = 0; i < x->n_rows; i++) {
		const struct row *r = &x->rows[i];
		const struct config *c = &x->configs[r->config];
		const struct report_run *fr = c->first;
		fputs(i ? ",\n{\"verdict\":" : "\n{\"verdict\":", f);
		report_json_put(f, compare_verdict_name(r->verdict));
		const char *keys[] = {"configuration", "config_key", "policy", "policy_params",
				      "model", "trace", "device", "workload", "metric"};
		const char *vals[] = {c->label,  c->key,   fr->policy,  fr->policy_params,
				      fr->model, fr->trace, fr->device, fr->workload,
				      metric_name(r->metric)};
		for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
			fprintf(f, ",\"%s\":", keys[k]);
			report_json_put(f, vals[k]);
		}
		json_kv_num(f, "deadline_ms", fr->deadline_ms);
		fprintf(f, ",\"n\":%d", r->n);
		if (r->metric == METRIC_STATUS) {
			fputs(",\"note\":", f);
			report_json_put(f, r->verdict == COMPARE_REGRESSED ? "failed in the candidate"
									   : "failed in the baseline");
			fputs(",\"error\":", f);
			report_json_put(f, r->note);
			fputs("}", f);
			continue;
		}
		const struct metric_desc *md = &metrics_table[r->metric];
		const struct compare_tol *t = &x->tol.m[r->metric];
		fputs(",\"unit\":", f);
		report_json_put(f, md->unit);
		fprintf(f, ",\"better\":%d", md->better);
		json_kv_num(f, "baseline_mean", r->base);
		json_kv_num(f, "candidate_mean", r->cand);
		json_kv_num(f, "change", r->change);
		json_kv_num(f, "change_rel", r->change_rel);
		json_kv_num(f, "p_value", r->p);
		json_kv_num(f, "tolerance", r->tol);
		json_kv_num(f, "tolerance_abs", t->abs);
		json_kv_num(f, "tolerance_rel", t->rel);
		fprintf(f, ",\"gate\":%s}", md->better != 0 && t->gate ? "true" : "false");
	}
	fputs("]}\n", f);
}

/*
 * The ids of the runs of the configuration whose config_key starts with prefix (of tag when
 * not NULL) into *ids (the caller frees it), their count into *n and the whole key into key.
 * 0, or ERR_USAGE (not a key, or the start of two) / ERR_NOTFOUND / ERR_DB.
 */
static int config_runs(const char *db_path, const char *prefix, const char *tag, int64_t **ids,
		       int *n, char key[65], struct errbuf *eb)
{
	size_t len = strlen(prefix);
	*ids = NULL;
	*n = 0;
	if (len < 6 || len > 64 || strspn(prefix, "0123456789abcdef") != len)
		return err_set(eb, ERR_USAGE,
			       "compare --configs: '%.80s' is not a config_key (6 to 64 lowercase hex "
			       "digits: the runs table's config_key, or its start)",
			       prefix);
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int rc = 0, cap = 0;
	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
			       "SELECT id, config_key FROM runs WHERE substr(config_key, 1, ?2) = ?1 "
			       "AND (?3 IS NULL OR tag = ?3) ORDER BY id",
			       -1, &st, NULL) != SQLITE_OK) {
		rc = err_set(eb, ERR_DB, "%s: %s", db_path, db ? sqlite3_errmsg(db) : "out of memory");
		goto out;
	}
	sqlite3_bind_text(st, 1, prefix, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, (int)len);
	if (tag)
		sqlite3_bind_text(st, 3, tag, -1, SQLITE_STATIC);
	key[0] = '\0';
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(st, 1);
		if (key[0] && strcmp(key, k) != 0) {
			rc = err_set(eb, ERR_USAGE,
				     "%s: '%s' starts two configurations (%.16s..., %.16s...): give more "
				     "of the key",
				     db_path, prefix, key, k);
			goto out;
		}
		snprintf(key, 65, "%s", k);
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			int64_t *v = realloc(*ids, (size_t)cap * sizeof *v);
			if (!v) {
				rc = err_set(eb, ERR_NOMEM, "compare: out of memory");
				goto out;
			}
			*ids = v;
		}
		(*ids)[(*n)++] = sqlite3_column_int64(st, 0);
	}
	if (step != SQLITE_DONE)
		rc = err_set(eb, ERR_DB, "%s: %s", db_path, sqlite3_errmsg(db));
	else if (!*n)
		rc = err_set(eb, ERR_NOTFOUND, "%s: no run of configuration '%s'%s%s", db_path, prefix,
			     tag ? " with tag " : "", tag ? tag : "");
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	if (rc < 0) {
		free(*ids);
		*ids = NULL;
	}
	return rc;
}

/* ---- the whole ---- */

int compare_run(const struct compare_opts *o, FILE *out, int *regressed, struct errbuf *eb)
{
	struct cmp x;
	memset(&x, 0, sizeof x);
	x.o = o;
	int64_t *ids_b = NULL, *ids_c = NULL;
	char key_b[65] = "", key_c[65] = "";
	char *text = NULL;
	size_t len = 0;
	FILE *mem = NULL;
	int rc;
	compare_tolerances_default(&x.tol);
	if (!o->db_path || !o->baseline || !o->candidate) {
		rc = err_set(eb, ERR_USAGE, "compare: --db, --baseline and --candidate are required");
		goto done;
	}
	if (!o->configs && strcmp(o->baseline, o->candidate) == 0) {
		rc = err_set(eb, ERR_USAGE, "compare: the baseline and the candidate are the same "
					    "tag '%.200s'",
			     o->baseline);
		goto done;
	}
	if (o->tolerance_path && (rc = compare_tolerances_load(o->tolerance_path, &x.tol, eb)) < 0)
		goto done;
	struct report_filter fb = {o->baseline, NULL, 0, 1}, fc = {o->candidate, NULL, 0, 1};
	if (o->configs &&
	    ((rc = config_runs(o->db_path, o->baseline, o->tag, &ids_b, &fb.n_ids, key_b, eb)) < 0 ||
	     (rc = config_runs(o->db_path, o->candidate, o->tag, &ids_c, &fc.n_ids, key_c, eb)) <
		     0))
		goto done;
	if (o->configs) {
		fb = (struct report_filter){o->tag, ids_b, fb.n_ids, 1};
		fc = (struct report_filter){o->tag, ids_c, fc.n_ids, 1};
		x.key_b = key_b;
		x.key_c = key_c;
	}
	if ((rc = report_data_load(o->db_path, &fb, &x.b, eb)) < 0 ||
	    (rc = report_data_load(o->db_path, &fc, &x.c, eb)) < 0)
		goto done;
	if (o->configs && strcmp(x.key_b, x.key_c) == 0) {
		rc = err_set(eb, ERR_USAGE, "compare --configs: the baseline and the candidate are "
					    "the same configuration %.16s...",
			     x.key_b);
		goto done;
	}
	int n = x.b->n_runs + x.c->n_runs;
	if (!(x.all = calloc((size_t)n, sizeof *x.all))) {
		rc = err_set(eb, ERR_NOMEM, "compare: out of memory");
		goto done;
	}
	for (int i = 0; i < x.b->n_runs; i++)
		x.all[i] = &x.b->runs[i];
	for (int i = 0; i < x.c->n_runs; i++)
		x.all[x.b->n_runs + i] = &x.c->runs[i];
	report_label_runs(x.all, n);
	if ((rc = report_groups_build(x.all, n, REPORT_GROUPS_IGNORE_TAG, &x.groups, eb)) < 0 ||
	    (rc = find_configs(&x, eb)) < 0)
		goto done;
	if (o->configs) {
		x.label_b = x.configs[config_of(&x, &x.b->runs[0])].label;
		x.label_c = x.configs[config_of(&x, &x.c->runs[0])].label;
	}
	if ((rc = pair_up(&x, eb)) < 0)
		goto done;
	int any = x.counts[COMPARE_REGRESSED] > 0;
	if (!(mem = open_memstream(&text, &len))) {
		rc = err_set(eb, ERR_NOMEM, "compare: out of memory");
		goto done;
	}
	if (o->format == COMPARE_CSV)
		write_csv(&x, mem);
	else if (o->format == COMPARE_JSON)
		write_json(&x, mem, any);
	else
		write_md(&x, mem, any);
	if (fclose(mem) != 0) {
		mem = NULL;
		rc = err_set(eb, ERR_NOMEM, "compare: out of memory");
		goto done;
	}
	mem = NULL;
	if (fwrite(text, 1, len, out) != len || fflush(out) != 0) {
		rc = err_set(eb, ERR_IO, "compare: writing the result: %s", strerror(errno));
		goto done;
	}
	*regressed = any;
	rc = 0;
done:
	if (mem)
		fclose(mem);
	free(text);
	free(x.rows);
	free(x.configs);
	report_groups_destroy(x.groups);
	free(x.all);
	report_data_destroy(x.c);
	report_data_destroy(x.b);
	free(ids_c);
	free(ids_b);
	return rc;
}

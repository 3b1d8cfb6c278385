/*
 * verdict.c: the winner on the objective in each scenario and its differences against the
 * other configurations (see verdict.h). Arithmetic over groups already built, and the
 * plain-text lines of `adascale report --verdict`; nothing is read or drawn here.
 */
#include "verdict.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "stats.h"

#define OBJ REPORT_M_ontime_top1

static const struct report_run *first_run(const struct report_groups *g, int k)
{
	return g->run[g->g[k].runs[0]];
}

/* 1 when the run's policy is `static` with the parameter variant=WHICH. */
static int is_static(const struct report_run *r, const char *which)
{
	if (strcmp(r->policy, "static") != 0)
		return 0;
	size_t n = strlen(which);
	for (const char *p = r->policy_params; p && *p;) {
		if (strncmp(p, "variant=", 8) == 0 && strncmp(p + 8, which, n) == 0 &&
		    (p[8 + n] == ',' || p[8 + n] == '\0'))
			return 1;
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return 0;
}

static int has_obj(const struct report_group *gr) { return gr->m[OBJ].n > 0; }

/* The paired differences (winner minus other) over the seeds both ran. */
static int pair(const struct report_groups *g, int w, int o, struct report_verdict_diff *d)
{
	const struct report_group *gw = &g->g[w], *go = &g->g[o];
	double *a = malloc((size_t)gw->n_runs * sizeof *a), *b = malloc((size_t)gw->n_runs * sizeof *b);
	if (!a || !b) {
		free(a);
		free(b);
		return ERR_NOMEM;
	}
	int n = 0;
	for (int i = 0; i < gw->n_runs; i++) {
		const struct report_run *rw = g->run[gw->runs[i]];
		if (!rw->has_metric[OBJ])
			continue;
		for (int j = 0; j < go->n_runs; j++) {
			const struct report_run *ro = g->run[go->runs[j]];
			if (ro->seed == rw->seed && ro->has_metric[OBJ]) {
				a[n] = ro->metric[OBJ];
				b[n] = rw->metric[OBJ];
				n++;
				break;
			}
		}
	}
	d->group = o;
	d->diff = gw->m[OBJ].mean - go->m[OBJ].mean;
	d->n_pairs = n;
	d->spread = 0;
	d->ci95 = d->p = NAN;
	/* differences that are all the same, bit for bit, have no spread to judge by */
	for (int i = 1; i < n && !d->spread; i++)
		d->spread = b[i] - a[i] != b[0] - a[0];
	if (d->spread) {
		struct stats_paired t;
		stats_paired_t(a, b, n, &t);
		d->diff = t.mean_diff;
		d->ci95 = stats_t_quantile(0.975, n - 1) * t.sd_diff / sqrt((double)n);
		d->p = t.p;
	}
	free(a);
	free(b);
	return 0;
}

static const struct report_groups *sort_g; /* qsort has no context argument in C11 */

static int by_objective(const void *x, const void *y)
{
	const struct report_verdict_diff *a = x, *b = y;
	double ma = sort_g->g[a->group].m[OBJ].mean, mb = sort_g->g[b->group].m[OBJ].mean;
	if (ma != mb)
		return ma > mb ? -1 : 1;
	return (a->group > b->group) - (a->group < b->group);
}

int report_verdict_build(const struct report_groups *g, int s, struct report_verdict *v)
{
	memset(v, 0, sizeof *v);
	v->scenario = s;
	v->winner = v->static_best = v->static_fastest = v->adascale = -1;
	for (int k = 0; k < g->n; k++) {
		const struct report_group *gr = &g->g[k];
		if (gr->scenario != s)
			continue;
		const struct report_run *r = first_run(g, k);
		if (v->static_best < 0 && is_static(r, "best"))
			v->static_best = k;
		if (v->static_fastest < 0 && is_static(r, "fastest"))
			v->static_fastest = k;
		if (v->adascale < 0 && strcmp(r->policy, "adascale") == 0)
			v->adascale = k;
		if (has_obj(gr) && (v->winner < 0 || gr->m[OBJ].mean > g->g[v->winner].m[OBJ].mean))
			v->winner = k;
	}
	if (v->winner < 0)
		return 0;
	if (!(v->diff = calloc((size_t)g->n, sizeof *v->diff)))
		return ERR_NOMEM;
	for (int k = 0; k < g->n; k++) {
		if (k == v->winner || g->g[k].scenario != s || !has_obj(&g->g[k]))
			continue;
		if (g->g[k].m[OBJ].mean == g->g[v->winner].m[OBJ].mean)
			v->n_tied++;
		if (pair(g, v->winner, k, &v->diff[v->n_diff++]) < 0) {
			report_verdict_free(v);
			return ERR_NOMEM;
		}
	}
	sort_g = g;
	qsort(v->diff, (size_t)v->n_diff, sizeof *v->diff, by_objective);
	return 0;
}

void report_verdict_free(struct report_verdict *v)
{
	if (!v)
		return;
	free(v->diff);
	v->diff = NULL;
	v->n_diff = 0;
}

const struct report_verdict_diff *report_verdict_against(const struct report_verdict *v, int k)
{
	for (int i = 0; i < v->n_diff; i++)
		if (v->diff[i].group == k)
			return &v->diff[i];
	return NULL;
}

void report_verdict_interval(const struct report_verdict_diff *d, char *buf, size_t len)
{
	if (d->spread)
		snprintf(buf, len, "95%% interval [%+.1f, %+.1f], paired t-test p = %.2g over %d seeds",
			 d->diff - d->ci95, d->diff + d->ci95, d->p, d->n_pairs);
	else if (d->n_pairs == 1)
		snprintf(buf, len, "one seed: no interval");
	else if (d->n_pairs > 1)
		snprintf(buf, len, "%d seeds, all with the same difference: no interval",
			 d->n_pairs);
	else
		snprintf(buf, len, "no seed in common: no paired test");
}

/* "static best 16.1%": a group's short name and its mean of metric m, formatted. */
static void name_of(const struct report_groups *g, const struct report_verdict *v, int k,
		    char *buf, size_t len)
{
	if (k == v->static_best)
		snprintf(buf, len, "static best");
	else if (k == v->static_fastest)
		snprintf(buf, len, "static fastest");
	else
		snprintf(buf, len, "%s", first_run(g, k)->policy_label);
}

int report_verdict_text(FILE *f, const struct report_groups *g, const struct report_verdict *v)
{
	char pre[200] = "verdict: ", name[160], iv[160];
	const char *scen = g->scenario_label[v->scenario];
	if (scen[0])
		snprintf(pre, sizeof pre, "verdict (%.180s): ", scen);
	if (v->winner < 0) {
		fprintf(f, "%sno run of this scenario has an on-time accuracy to rank by\n", pre);
		return ferror(f) ? ERR_IO : 0;
	}
	/* whom the winner is set against: the two statics, or else the runner-up */
	int against[2], n_against = 0;
	if (v->static_best >= 0 && v->static_best != v->winner)
		against[n_against++] = v->static_best;
	if (v->static_fastest >= 0 && v->static_fastest != v->winner)
		against[n_against++] = v->static_fastest;
	if (n_against == 0 && v->n_diff > 0)
		against[n_against++] = v->diff[0].group;
	const struct report_group *w = &g->g[v->winner];
	name_of(g, v, v->winner, name, sizeof name);
	fprintf(f, "%son-time top-1: %s %s with %.1f%%", pre, name,
		v->n_tied ? "ties for first" : "wins", w->m[OBJ].mean);
	for (int i = 0; i < n_against; i++) {
		const struct report_verdict_diff *d = report_verdict_against(v, against[i]);
		name_of(g, v, against[i], name, sizeof name);
		if (!d) {
			fprintf(f, "%s %s has no on-time accuracy", i ? ";" : ",", name);
			continue;
		}
		report_verdict_interval(d, iv, sizeof iv);
		fprintf(f, "%s %+.1f points against %s (%.1f%%; %s)", i ? ";" : ",", d->diff, name,
			g->g[against[i]].m[OBJ].mean, iv);
	}
	if (v->adascale >= 0 && v->adascale != v->winner)
		fprintf(f, "; adascale %.1f%%", g->g[v->adascale].m[OBJ].mean);
	fputc('\n', f);
	/* the lines that follow show the winner, adascale and the two statics */
	int show[4], n_show = 0;
	int cand[4] = {v->winner, v->adascale, v->static_best, v->static_fastest};
	for (int i = 0; i < 4; i++) {
		int dup = cand[i] < 0;
		for (int j = 0; j < n_show && !dup; j++)
			dup = show[j] == cand[i];
		if (!dup)
			show[n_show++] = cand[i];
	}
	fprintf(f, "%sp95 latency, requests missed (late, dropped or failed):", pre);
	for (int i = 0; i < n_show; i++) {
		const struct report_group *gr = &g->g[show[i]];
		name_of(g, v, show[i], name, sizeof name);
		fprintf(f, "%s %s ", i ? ";" : "", name);
		if (gr->m[REPORT_M_lat_p95_ms].n > 0)
			fprintf(f, "%.2f ms", gr->m[REPORT_M_lat_p95_ms].mean);
		else
			fputs("-", f);
		if (gr->m[REPORT_M_miss_rate].n > 0)
			fprintf(f, ", %.1f%%", 100 * gr->m[REPORT_M_miss_rate].mean);
	}
	fprintf(f, "\n%senergy per inference:", pre);
	for (int i = 0; i < n_show; i++) {
		const struct report_group *gr = &g->g[show[i]];
		name_of(g, v, show[i], name, sizeof name);
		fprintf(f, "%s %s ", i ? ";" : "", name);
		double e = gr->m[REPORT_M_energy_per_inf_mj].mean;
		if (gr->m[REPORT_M_energy_per_inf_mj].n > 0)
			fprintf(f, e >= 1000 ? "%.0f mJ" : "%.3g mJ", e);
		else
			fputs("-", f);
	}
	fputc('\n', f);
	return ferror(f) ? ERR_IO : 0;
}

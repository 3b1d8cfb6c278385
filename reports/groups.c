/*
 * groups.c: policy labels, scenarios and configuration groups with their per-metric
 * summaries (see groups.h). Everything here is plain text and arithmetic over runs already
 * in memory; nothing is read or written.
 */
#include "groups.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "utf8.h"

/* ---- small lists of key/value pairs ---- */

struct kv {
	char *k, *v;
};

struct kvlist {
	int n, cap;
	struct kv *a;
};

static void kv_free(struct kvlist *l)
{
	for (int i = 0; i < l->n; i++) {
		free(l->a[i].k);
		free(l->a[i].v);
	}
	free(l->a);
	memset(l, 0, sizeof *l);
}

/* Appends a copy of key (klen bytes) and value (vlen bytes); ERR_NOMEM on failure. */
static int kv_add(struct kvlist *l, const char *k, size_t klen, const char *v, size_t vlen)
{
	if (l->n == l->cap) {
		int cap = l->cap ? 2 * l->cap : 16;
		struct kv *a = realloc(l->a, (size_t)cap * sizeof *a);
		if (!a)
			return ERR_NOMEM;
		l->a = a;
		l->cap = cap;
	}
	char *kc = malloc(klen + 1), *vc = malloc(vlen + 1);
	if (!kc || !vc) {
		free(kc);
		free(vc);
		return ERR_NOMEM;
	}
	memcpy(kc, k, klen);
	kc[klen] = '\0';
	memcpy(vc, v, vlen);
	vc[vlen] = '\0';
	l->a[l->n++] = (struct kv){kc, vc};
	return 0;
}

static int kv_adds(struct kvlist *l, const char *k, const char *v)
{
	return kv_add(l, k, strlen(k), v, strlen(v));
}

/* The value of key k, or NULL. */
static const char *kv_get(const struct kvlist *l, const char *k)
{
	for (int i = 0; i < l->n; i++)
		if (strcmp(l->a[i].k, k) == 0)
			return l->a[i].v;
	return NULL;
}

static int kv_equal(const struct kvlist *x, const struct kvlist *y)
{
	if (x->n != y->n)
		return 0;
	for (int i = 0; i < x->n; i++)
		if (strcmp(x->a[i].k, y->a[i].k) != 0 || strcmp(x->a[i].v, y->a[i].v) != 0)
			return 0;
	return 1;
}

/*
 * Splits text at sep into items; each item is key=value (key alone when it has no '=').
 * Empty items are skipped.
 */
static int kv_split(struct kvlist *l, const char *text, char sep)
{
	const char *p = text;
	while (*p) {
		const char *end = strchr(p, sep);
		if (!end)
			end = p + strlen(p);
		if (end > p) {
			const char *eq = memchr(p, '=', (size_t)(end - p));
			int rc = eq ? kv_add(l, p, (size_t)(eq - p), eq + 1, (size_t)(end - eq - 1))
				    : kv_add(l, p, (size_t)(end - p), "", 0);
			if (rc < 0)
				return rc;
		}
		p = *end ? end + 1 : end;
	}
	return 0;
}

/* Appends text to buf (of len bytes) while it fits; a cut ends in "...". */
static void append(char *buf, size_t len, const char *text)
{
	size_t used = strlen(buf), n = strlen(text);
	if (used + n + 1 <= len) {
		memcpy(buf + used, text, n + 1);
		return;
	}
	if (len < used + 4 || len < 4)
		return;
	size_t room = len - used - 4, cut = 0;
	/* Cut at a character boundary: never in the middle of a UTF-8 sequence. */
	int step;
	while (utf8_step(text + cut, &step) != UTF8_END && cut + (size_t)step <= room)
		cut += (size_t)step;
	memcpy(buf + used, text, cut);
	memcpy(buf + used + cut, "...", 4);
}

/* ---- policy labels ---- */

/* The distinct params strings of one policy name. */
struct policy_params {
	const char *name;
	int n;
	const char **params;
	struct kvlist *items; /* params split at ',' */
};

void report_label_runs(struct report_run *const *runs, int n)
{
	struct policy_params *pp = calloc((size_t)(n ? n : 1), sizeof *pp);
	int n_pp = 0;
	if (!pp)
		goto plain;
	for (int i = 0; i < n; i++) {
		const struct report_run *r = runs[i];
		int k;
		for (k = 0; k < n_pp; k++)
			if (strcmp(pp[k].name, r->policy) == 0)
				break;
		if (k == n_pp) {
			pp[k].name = r->policy;
			pp[k].params = calloc((size_t)n, sizeof *pp[k].params);
			if (!pp[k].params)
				goto plain;
			n_pp++;
		}
		int j;
		for (j = 0; j < pp[k].n; j++)
			if (strcmp(pp[k].params[j], r->policy_params) == 0)
				break;
		if (j == pp[k].n)
			pp[k].params[pp[k].n++] = r->policy_params;
	}
	for (int k = 0; k < n_pp; k++) {
		if (pp[k].n < 2)
			continue;
		pp[k].items = calloc((size_t)pp[k].n, sizeof *pp[k].items);
		if (!pp[k].items)
			goto plain;
		for (int j = 0; j < pp[k].n; j++)
			if (kv_split(&pp[k].items[j], pp[k].params[j], ',') < 0)
				goto plain;
	}
	for (int i = 0; i < n; i++) {
		struct report_run *r = runs[i];
		snprintf(r->policy_label, sizeof r->policy_label, "%s", r->policy);
		int k = 0;
		while (strcmp(pp[k].name, r->policy) != 0)
			k++;
		if (pp[k].n >= 2) {
			int j = 0;
			while (strcmp(pp[k].params[j], r->policy_params) != 0)
				j++;
			/* A parameter is shown when its value is not the same in every set. */
			const struct kvlist *mine = &pp[k].items[j];
			int shown = 0;
			for (int t = 0; t < mine->n; t++) {
				const char *key = mine->a[t].k;
				int differs = 0;
				for (int o = 0; o < pp[k].n && !differs; o++) {
					const char *v = kv_get(&pp[k].items[o], key);
					differs = !v || strcmp(v, mine->a[t].v) != 0;
				}
				if (!differs)
					continue;
				char item[256];
				snprintf(item, sizeof item, "%s%s%s%s", shown ? "," : ":", key,
					 mine->a[t].v[0] ? "=" : "", mine->a[t].v);
				append(r->policy_label, sizeof r->policy_label, item);
				shown++;
			}
		}
		report_policy_label_mark(r);
		report_run_label(r, r->label, sizeof r->label);
	}
	goto done;
plain:
	for (int i = 0; i < n; i++) {
		report_policy_label_plain(runs[i]);
		report_run_label(runs[i], runs[i]->label, sizeof runs[i]->label);
	}
done:
	if (pp) {
		for (int k = 0; k < n_pp; k++) {
			if (pp[k].items)
				for (int j = 0; j < pp[k].n; j++)
					kv_free(&pp[k].items[j]);
			free(pp[k].items);
			free(pp[k].params);
		}
		free(pp);
	}
}

/* ---- scenarios ---- */

/* Config lines that describe the policy or the repetition, not the scenario. */
static int policy_key(const char *k)
{
	static const char *const keys[] = {"policy", "policy_source", "params", "seed", "tag",
					   "trace", "device", "model", "workload", "deadline_ms"};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (strcmp(k, keys[i]) == 0)
			return 1;
	return 0;
}

/* The scenario of a run: the columns that name it, then the rest of its config. */
static int scenario_of(const struct report_run *r, int flags, struct kvlist *l)
{
	char deadline[64];
	snprintf(deadline, sizeof deadline, "%.17g", r->deadline_ms);
	int rc = 0;
	if (!(flags & REPORT_GROUPS_IGNORE_TAG))
		rc = kv_adds(l, "tag", r->tag);
	if (rc < 0 || (rc = kv_adds(l, "trace", r->trace)) < 0 ||
	    (rc = kv_adds(l, "device", r->device)) < 0 || (rc = kv_adds(l, "model", r->model)) < 0 ||
	    (rc = kv_adds(l, "workload", r->workload)) < 0 ||
	    (rc = kv_adds(l, "deadline_ms", deadline)) < 0)
		return rc;
	struct kvlist cfg = {0, 0, NULL};
	if ((rc = kv_split(&cfg, r->config, '\n')) < 0)
		goto done;
	for (int i = 0; i < cfg.n && rc == 0; i++)
		if (!policy_key(cfg.a[i].k))
			rc = kv_adds(l, cfg.a[i].k, cfg.a[i].v);
done:
	kv_free(&cfg);
	return rc;
}

/* How a varying scenario key reads in a label. */
static void describe(const char *k, const char *v, char *buf, size_t len)
{
	if (!v) {
		snprintf(buf, len, "%s=(none)", k);
	} else if (!strcmp(k, "trace") || !strcmp(k, "device") || !strcmp(k, "model") ||
		   !strcmp(k, "timings")) {
		char s[128];
		report_short_name(v, s, sizeof s);
		snprintf(buf, len, "%.60s", s);
	} else if (!strcmp(k, "deadline_ms")) {
		double x = strtod(v, NULL);
		snprintf(buf, len, "%g ms", x);
	} else if (!strcmp(k, "tag") || !strcmp(k, "workload")) {
		snprintf(buf, len, "%.60s", v);
	} else {
		size_t kl = strlen(k);
		int hash = kl > 7 && strcmp(k + kl - 7, "_sha256") == 0;
		snprintf(buf, len, "%.40s=%.*s", k, hash ? 8 : 40, v);
	}
}

/*
 * A content hash (trace_sha256, ...) is worth a label only when it tells apart scenarios
 * that its file's path does not: the same path with different contents.
 */
static int hash_shown(const struct report_groups *g, const struct kvlist *sc, const char *k)
{
	size_t kl = strlen(k);
	if (kl <= 7 || strcmp(k + kl - 7, "_sha256") != 0 || kl - 7 >= 64)
		return 1;
	char base[64];
	memcpy(base, k, kl - 7);
	base[kl - 7] = '\0';
	for (int s = 0; s < g->n_scenarios; s++)
		for (int o = s + 1; o < g->n_scenarios; o++) {
			const char *ps = kv_get(&sc[s], base), *po = kv_get(&sc[o], base);
			const char *hs = kv_get(&sc[s], k), *ho = kv_get(&sc[o], k);
			int same_path = (!ps && !po) || (ps && po && strcmp(ps, po) == 0);
			int same_hash = (!hs && !ho) || (hs && ho && strcmp(hs, ho) == 0);
			if (same_path && !same_hash)
				return 1;
		}
	return 0;
}

/* Labels each scenario by the keys whose values are not the same in all of them. */
static int label_scenarios(struct report_groups *g, const struct kvlist *sc)
{
	int rc = 0;
	struct kvlist keys = {0, 0, NULL}; /* every key of any scenario, first seen first */
	for (int s = 0; s < g->n_scenarios && rc == 0; s++)
		for (int i = 0; i < sc[s].n && rc == 0; i++)
			if (!kv_get(&keys, sc[s].a[i].k))
				rc = kv_adds(&keys, sc[s].a[i].k, "");
	for (int s = 0; s < g->n_scenarios && rc == 0; s++) {
		char label[320] = "";
		for (int i = 0; i < keys.n; i++) {
			const char *k = keys.a[i].k, *mine = kv_get(&sc[s], k);
			int varies = 0;
			for (int o = 0; o < g->n_scenarios && !varies; o++) {
				const char *v = kv_get(&sc[o], k);
				varies = (!v) != (!mine) || (v && strcmp(v, mine) != 0);
			}
			if (!varies || !hash_shown(g, sc, k))
				continue;
			char item[128];
			describe(k, mine, item, sizeof item);
			if (label[0])
				append(label, sizeof label, ", ");
			append(label, sizeof label, item);
		}
		if (!(g->scenario_label[s] = strdup(label)))
			rc = ERR_NOMEM;
	}
	kv_free(&keys);
	return rc;
}

/* ---- groups ---- */

void report_groups_destroy(struct report_groups *g)
{
	if (!g)
		return;
	for (int i = 0; i < g->n; i++)
		free(g->g[i].runs);
	free(g->g);
	for (int i = 0; i < g->n_scenarios; i++)
		free(g->scenario_label ? g->scenario_label[i] : NULL);
	free(g->scenario_label);
	free(g->policy_label);
	free(g->group_of);
	free(g->run);
	free(g);
}

struct report_run **report_run_pointers(struct report_data *d)
{
	struct report_run **p = calloc((size_t)(d->n_runs ? d->n_runs : 1), sizeof *p);
	if (p)
		for (int i = 0; i < d->n_runs; i++)
			p[i] = &d->runs[i];
	return p;
}

/* Orders a group's runs by seed, then id (insertion sort: a group holds a few seeds). */
static void sort_by_seed(int *idx, int n, struct report_run *const *runs)
{
	for (int i = 1; i < n; i++) {
		int v = idx[i], j = i;
		const struct report_run *x = runs[v];
		while (j > 0) {
			const struct report_run *y = runs[idx[j - 1]];
			if (y->seed < x->seed || (y->seed == x->seed && y->id <= x->id))
				break;
			idx[j] = idx[j - 1];
			j--;
		}
		idx[j] = v;
	}
}

/* The summary of every metric over each group's runs, and the best marks. */
static int summarize(struct report_groups *g)
{
	double *x = malloc((size_t)(g->n_runs ? g->n_runs : 1) * sizeof *x);
	if (!x)
		return ERR_NOMEM;
	for (int k = 0; k < g->n; k++) {
		struct report_group *gr = &g->g[k];
		for (int m = 0; m < REPORT_N_METRICS; m++) {
			int n = 0;
			for (int j = 0; j < gr->n_runs; j++) {
				const struct report_run *r = g->run[gr->runs[j]];
				if (r->has_metric[m])
					x[n++] = r->metric[m];
			}
			stats_summarize(x, n, &gr->m[m]);
		}
	}
	free(x);
	for (int m = 0; m < REPORT_N_METRICS && m < metrics_n; m++) {
		int dir = metrics_table[m].better, n = 0, differ = 0;
		double best = 0;
		if (dir == 0)
			continue;
		for (int k = 0; k < g->n; k++) {
			const struct stats_summary *s = &g->g[k].m[m];
			if (s->n == 0)
				continue;
			if (n > 0 && s->mean != best)
				differ = 1;
			if (n == 0 || (dir > 0 ? s->mean > best : s->mean < best))
				best = s->mean;
			n++;
		}
		if (n < 2 || !differ)
			continue;
		for (int k = 0; k < g->n; k++)
			g->g[k].best[m] = g->g[k].m[m].n > 0 && g->g[k].m[m].mean == best;
	}
	return 0;
}

int report_groups_build(struct report_run *const *runs, int n, int flags,
			struct report_groups **out, struct errbuf *eb)
{
	int rc = ERR_NOMEM;
	size_t nn = (size_t)(n ? n : 1);
	struct kvlist *sc = calloc(nn, sizeof *sc); /* scenario pairs, one per scenario */
	struct kvlist mine = {0, 0, NULL};
	int *scen = calloc(nn, sizeof *scen);       /* scenario of each run */
	int *first = calloc(nn, sizeof *first);     /* first run of each group */
	struct report_groups *g = calloc(1, sizeof *g);
	if (!sc || !scen || !first || !g)
		goto fail;
	g->n_runs = n;
	g->run = calloc(nn, sizeof *g->run);
	g->group_of = calloc(nn, sizeof *g->group_of);
	g->g = calloc(nn, sizeof *g->g);
	g->scenario_label = calloc(nn, sizeof *g->scenario_label);
	g->policy_label = calloc(nn, sizeof *g->policy_label);
	if (!g->run || !g->group_of || !g->g || !g->scenario_label || !g->policy_label)
		goto fail;
	for (int i = 0; i < n; i++) {
		g->run[i] = runs[i];
		kv_free(&mine);
		if (scenario_of(runs[i], flags, &mine) < 0)
			goto fail;
		int s;
		for (s = 0; s < g->n_scenarios; s++)
			if (kv_equal(&sc[s], &mine))
				break;
		if (s == g->n_scenarios) {
			sc[s] = mine;
			memset(&mine, 0, sizeof mine);
			g->n_scenarios++;
		}
		scen[i] = s;
	}
	kv_free(&mine);
	/*
	 * Groups: one scenario, one policy with its parameters, one config_key. First each
	 * run's group (first[k] is group k's first run), then the member lists.
	 */
	for (int i = 0; i < n; i++) {
		const struct report_run *r = runs[i];
		int k;
		for (k = 0; k < g->n; k++) {
			const struct report_run *f = runs[first[k]];
			if (g->g[k].scenario == scen[i] && !strcmp(f->policy, r->policy) &&
			    !strcmp(f->policy_params, r->policy_params) &&
			    !strcmp(f->config_key, r->config_key))
				break;
		}
		if (k == g->n) {
			first[k] = i;
			g->g[k].scenario = scen[i];
			g->n++;
		}
		g->g[k].n_runs++;
		g->group_of[i] = k;
	}
	for (int k = 0; k < g->n; k++) {
		if (!(g->g[k].runs = calloc((size_t)g->g[k].n_runs, sizeof *g->g[k].runs)))
			goto fail;
		g->g[k].n_runs = 0;
	}
	for (int i = 0; i < n; i++) {
		struct report_group *gr = &g->g[g->group_of[i]];
		gr->runs[gr->n_runs++] = i;
	}
	for (int k = 0; k < g->n; k++) {
		struct report_group *gr = &g->g[k];
		char *label = runs[gr->runs[0]]->policy_label;
		int p;
		for (p = 0; p < g->n_policies; p++)
			if (strcmp(g->policy_label[p], label) == 0)
				break;
		if (p == g->n_policies)
			g->policy_label[g->n_policies++] = label;
		gr->policy = p;
	}
	if ((rc = label_scenarios(g, sc)) < 0)
		goto fail;
	for (int k = 0; k < g->n; k++) {
		struct report_group *gr = &g->g[k];
		sort_by_seed(gr->runs, gr->n_runs, runs);
		const char *scen_label = g->scenario_label[gr->scenario];
		snprintf(gr->label, sizeof gr->label, "%s", runs[gr->runs[0]]->policy_label);
		if (scen_label[0]) {
			append(gr->label, sizeof gr->label, ", ");
			append(gr->label, sizeof gr->label, scen_label);
		}
	}
	if ((rc = summarize(g)) < 0)
		goto fail;
	for (int s = 0; s < g->n_scenarios; s++)
		kv_free(&sc[s]);
	free(sc);
	free(scen);
	free(first);
	*out = g;
	return 0;
fail:
	kv_free(&mine);
	if (sc && g)
		for (int s = 0; s < g->n_scenarios; s++)
			kv_free(&sc[s]);
	free(sc);
	free(scen);
	free(first);
	report_groups_destroy(g);
	return err_set(eb, rc < 0 ? rc : ERR_NOMEM, "report: out of memory grouping runs");
}

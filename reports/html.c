/*
 * html.c: index.html and report.md (see html.h). The HTML is one self-contained file
 * (inline CSS, no scripts) next to its images; the Markdown carries the same tables and
 * links. Not for escaping rules (text.c) nor for what the figures show (charts.c).
 */
#include "html.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "text.h"
#include "verdict.h"

#ifndef ADASCALE_VERSION
#define ADASCALE_VERSION "unknown"
#endif

const char *const report_table_metrics[] = {
	"ontime_top1", "mean_top1",  "served",          "dropped",           "deadline_misses",
	"miss_rate",   "failures",   "lat_mean_ms",     "lat_p95_ms",        "lat_p99_ms",
	"energy_per_inf_mj", "switches",
};
const int report_table_n_metrics =
	(int)(sizeof report_table_metrics / sizeof report_table_metrics[0]);

/* Column headings, in report_table_metrics order. */
static const char *const metric_heads[] = {
	"on-time top-1 (%)", "served top-1 (%)", "served", "dropped", "deadline misses",
	"miss rate", "failures", "latency mean (ms)", "p95 (ms)", "p99 (ms)",
	"energy / inference (mJ)", "switches",
};

static int metric_index(const char *name)
{
	for (int m = 0; m < metrics_n; m++)
		if (strcmp(metrics_table[m].name, name) == 0)
			return m;
	return -1;
}

void report_best(const struct report_data *d, int m, int *best)
{
	memset(best, 0, (size_t)d->n_runs * sizeof *best);
	if (m < 0 || m >= metrics_n || metrics_table[m].better == 0)
		return;
	int dir = metrics_table[m].better, n = 0, differ = 0;
	double b = 0;
	for (int i = 0; i < d->n_runs; i++) {
		const struct report_run *r = &d->runs[i];
		if (!r->has_metric[m])
			continue;
		if (n > 0 && r->metric[m] != b)
			differ = 1;
		if (n == 0 || (dir > 0 ? r->metric[m] > b : r->metric[m] < b))
			b = r->metric[m];
		n++;
	}
	if (n < 2 || !differ)
		return;
	for (int i = 0; i < d->n_runs; i++)
		best[i] = d->runs[i].has_metric[m] && d->runs[i].metric[m] == b;
}

void report_fmt_metric(char *buf, size_t len, int m, double v)
{
	const struct metric_desc *md = &metrics_table[m];
	if (md->is_int)
		snprintf(buf, len, "%lld", (long long)v);
	else if (strcmp(md->name, "miss_rate") == 0)
		snprintf(buf, len, "%.2f%%", 100.0 * v);
	else if (strcmp(md->unit, "ms") == 0 || strcmp(md->unit, "%") == 0)
		snprintf(buf, len, "%.2f", v);
	else
		snprintf(buf, len, "%.4g", v);
}

static const char *direction(int m)
{
	if (m < 0)
		return "";
	return metrics_table[m].better > 0 ? " \xE2\x86\x91" : metrics_table[m].better < 0 ? " \xE2\x86\x93" : "";
}

/* A configuration's summary of metric m: "mean" or "mean ± half-width", into buf. */
static void fmt_summary(char *buf, size_t len, int m, const struct stats_summary *s)
{
	char mean[64], ci[64];
	if (s->n > 1 && metrics_table[m].is_int)
		snprintf(mean, sizeof mean, "%.1f", s->mean);
	else
		report_fmt_metric(mean, sizeof mean, m, s->mean);
	if (!isfinite(s->ci95) || s->ci95 == 0) {
		/* one seed, or seeds whose runs gave the same value: no interval to show */
		snprintf(buf, len, "%s", mean);
		return;
	}
	if (metrics_table[m].is_int)
		snprintf(ci, sizeof ci, "%.1f", s->ci95);
	else
		report_fmt_metric(ci, sizeof ci, m, s->ci95);
	snprintf(buf, len, "%s \xC2\xB1 %s", mean, ci);
}

static const char css[] =
	"*{box-sizing:border-box}\n"
	"body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em;"
	"color:#222;max-width:110em}\n"
	"h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ccc}\n"
	"table{border-collapse:collapse;font-size:0.9em}\n"
	"th,td{border:1px solid #ccc;padding:0.25em 0.5em;vertical-align:top}\n"
	"th{background:#f3f3f3;text-align:left}\n"
	"td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
	"td.best{background:#d9f2d9;font-weight:bold}\n"
	"td.name{max-width:18em;overflow-wrap:anywhere}\n"
	"tr.failed td{color:#a00}\n"
	".params{color:#555;font-size:0.85em;overflow-wrap:anywhere}\n"
	".scroll{overflow-x:auto;max-width:100%}\n"
	"p.caption{color:#444;font-size:0.9em;margin:0.3em 0;overflow-wrap:anywhere}\n"
	"#verdict p.answer{font-size:1.15em}\n"
	"figure{margin:1.5em 0}img{max-width:100%;height:auto;border:1px solid #ddd}\n"
	"figcaption{color:#444;max-width:60em}\n"
	"details{margin:0.4em 0}summary{cursor:pointer}\n"
	"table.kv th{width:12em}table.kv td{overflow-wrap:anywhere}\n"
	"code,pre{font-family:ui-monospace,monospace;font-size:0.9em;overflow-wrap:anywhere}\n"
	"pre{background:#f7f7f7;padding:0.5em;overflow:auto;white-space:pre-wrap}\n";

static void h(FILE *f, const char *s) { report_html_put(f, s, 0); }

/* Escaped text with a line-break opportunity after each comma (long parameter lists). */
static void h_wrap(FILE *f, const char *s)
{
	char part[1024];
	while (*s) {
		size_t n = strcspn(s, ",");
		size_t k = n < sizeof part - 1 ? n : sizeof part - 1;
		memcpy(part, s, k);
		part[k] = '\0';
		h(f, part);
		s += n;
		if (*s == ',') {
			fputs(",<wbr>", f);
			s++;
		}
	}
}


/* best[c * n_runs + i] is 1 where run i has the best value of table column c. */
static int *best_table(const struct report_data *d)
{
	size_t n = (size_t)d->n_runs;
	int *best = calloc((size_t)report_table_n_metrics * n, sizeof *best);
	if (!best)
		return NULL;
	for (int c = 0; c < report_table_n_metrics; c++)
		report_best(d, metric_index(report_table_metrics[c]), best + (size_t)c * n);
	return best;
}

static int run_failed(const struct report_run *r)
{
	return r->status[0] != '\0' && strcmp(r->status, "ok") != 0;
}

/* ---- columns: what varies stays a column, what is the same in every row a caption ---- */

/* The descriptive columns of the runs table. */
enum { RC_TAG, RC_MODEL, RC_TRACE, RC_DEVICE, RC_SEED, RC_WORKLOAD, RC_STATUS, RC_N };
static const char *const run_heads[RC_N] = {"tag",  "model",    "trace", "device",
					    "seed", "workload", "status"};

static void run_text(const struct report_run *r, int c, char *buf, size_t len)
{
	switch (c) {
	case RC_TAG: snprintf(buf, len, "%s", r->tag); break;
	case RC_MODEL: snprintf(buf, len, "%s", r->model); break;
	case RC_TRACE: report_short_name(r->trace, buf, len); break;
	case RC_DEVICE: snprintf(buf, len, "%s", r->device); break;
	case RC_SEED: snprintf(buf, len, "%lld", (long long)r->seed); break;
	case RC_WORKLOAD: snprintf(buf, len, "%s", r->workload); break;
	default: snprintf(buf, len, "%s", r->status); break;
	}
}

/* What stands for a metric a run did not record: energy is not measured on a real run. */
static const char *missing_text(const struct report_run *r, int m)
{
	if (r->real && (m == REPORT_M_energy_mj || m == REPORT_M_energy_per_inf_mj))
		return "not measured";
	return "\xE2\x80\x93";
}

/* A run's cell of metric column c as text ("-" when the run did not record it). */
static void run_metric_text(const struct report_run *r, int c, char *buf, size_t len)
{
	int m = metric_index(report_table_metrics[c]);
	if (m >= 0 && r->has_metric[m])
		report_fmt_metric(buf, len, m, r->metric[m]);
	else
		snprintf(buf, len, "%s", missing_text(r, m));
}

/* The descriptive columns of the configurations table. */
enum { GC_TAG, GC_MODEL, GC_TRACE, GC_DEVICE, GC_WORKLOAD, GC_DEADLINE, GC_N_RUNS, GC_N };
static const char *const group_heads[GC_N] = {"tag",      "model",         "trace", "device",
					      "workload", "deadline (ms)", "n"};

static void group_text(const struct report_groups *g, int k, int c, char *buf, size_t len)
{
	const struct report_run *r = g->run[g->g[k].runs[0]];
	switch (c) {
	case GC_TAG: snprintf(buf, len, "%s", r->tag); break;
	case GC_MODEL: snprintf(buf, len, "%s", r->model); break;
	case GC_TRACE: report_short_name(r->trace, buf, len); break;
	case GC_DEVICE: snprintf(buf, len, "%s", r->device); break;
	case GC_WORKLOAD: snprintf(buf, len, "%s", r->workload); break;
	case GC_DEADLINE: snprintf(buf, len, "%g", r->deadline_ms); break;
	default: snprintf(buf, len, "%d", g->g[k].n_runs); break;
	}
}

static void group_metric_text(const struct report_groups *g, int k, int c, char *buf,
			      size_t len)
{
	int m = metric_index(report_table_metrics[c]);
	if (m >= 0 && g->g[k].m[m].n > 0)
		fmt_summary(buf, len, m, &g->g[k].m[m]);
	else
		snprintf(buf, len, "\xE2\x80\x93");
}

/*
 * Which columns to show: a column whose text is the same in every one of n >= 2 rows is
 * left out of the table (show 0) and named once in the caption above it; the objective
 * (metric column 0) always stays. text(ctx, row, column, buf, len) gives a cell.
 */
typedef void (*cell_fn)(const void *ctx, int row, int col, char *buf, size_t len);

static void constant_columns(const void *ctx, int n_rows, int n_cols, cell_fn text, int *show)
{
	for (int c = 0; c < n_cols; c++) {
		show[c] = 1;
		if (n_rows < 2)
			continue;
		char first[512], other[512];
		text(ctx, 0, c, first, sizeof first);
		int same = 1;
		for (int i = 1; i < n_rows && same; i++) {
			text(ctx, i, c, other, sizeof other);
			same = strcmp(first, other) == 0;
		}
		show[c] = !same;
	}
}

/* "In every row: model mobilenet_v1, seed 1, ...": the columns left out, as a caption. */
static void html_caption(FILE *f, const void *ctx, int n_rows, int n_cols, cell_fn text,
			 const char *const *heads, const int *show)
{
	int any = 0;
	for (int c = 0; c < n_cols; c++) {
		if (show[c] || n_rows == 0)
			continue;
		char v[512];
		text(ctx, 0, c, v, sizeof v);
		fputs(any ? ", " : "<p class=\"caption\">The same in every row: ", f);
		h(f, heads[c]);
		fputs(" <strong>", f);
		h(f, v);
		fputs("</strong>", f);
		any = 1;
	}
	if (any)
		fputs(".</p>\n", f);
}

/* The cells of the two tables, through one signature: ctx, row, column (descriptive
 * columns first, then the metric columns). */
static void run_cell(const void *ctx, int i, int c, char *buf, size_t len)
{
	const struct report_data *d = ctx;
	if (c < RC_N)
		run_text(&d->runs[i], c, buf, len);
	else
		run_metric_text(&d->runs[i], c - RC_N, buf, len);
}

static void group_cell(const void *ctx, int k, int c, char *buf, size_t len)
{
	const struct report_groups *g = ctx;
	if (c < GC_N)
		group_text(g, k, c, buf, len);
	else
		group_metric_text(g, k, c - GC_N, buf, len);
}

static void metric_head(FILE *f, int c)
{
	fprintf(f, "<th data-metric=\"%s\">%s%s</th>", report_table_metrics[c], metric_heads[c],
		direction(metric_index(report_table_metrics[c])));
}

static void run_metric_cell(FILE *f, const struct report_data *d, int i, int c, const int *best)
{
	int is_best = best[(size_t)c * (size_t)d->n_runs + (size_t)i];
	char v[64];
	fprintf(f, "<td class=\"num%s\" data-metric=\"%s\">", is_best ? " best" : "",
		report_table_metrics[c]);
	run_metric_text(&d->runs[i], c, v, sizeof v);
	fputs(v, f);
	fputs("</td>", f);
}

static void html_run_row(FILE *f, const struct report_data *d, int i, const int *best,
			 const int *show)
{
	const struct report_run *r = &d->runs[i];
	fprintf(f, "<tr id=\"run-%lld\"%s>", (long long)r->id,
		run_failed(r) ? " class=\"failed\"" : "");
	fprintf(f, "<td class=\"num\"><a href=\"#prov-%lld\">%lld</a></td><td class=\"name\">",
		(long long)r->id, (long long)r->id);
	h(f, r->policy);
	if (r->policy_params[0]) {
		fputs(" <span class=\"params\">", f);
		h_wrap(f, r->policy_params);
		fputs("</span>", f);
	}
	fputs("</td>", f);
	run_metric_cell(f, d, i, 0, best);
	for (int c = 0; c < RC_N; c++) {
		if (!show[c])
			continue;
		char v[512];
		run_text(r, c, v, sizeof v);
		if (c == RC_TRACE) {
			fputs("<td class=\"name\" title=\"", f);
			h(f, r->trace);
			fputs("\">", f);
		} else {
			fputs(c == RC_SEED ? "<td class=\"num\">" : "<td class=\"name\">", f);
		}
		h(f, v);
		fputs("</td>", f);
	}
	for (int c = 1; c < report_table_n_metrics; c++)
		if (show[RC_N + c])
			run_metric_cell(f, d, i, c, best);
	fputs("</tr>\n", f);
}

/* The runs table: id, policy, the objective, what varies, the other metrics. */
static void html_runs(FILE *f, const struct report_data *d, const int *best)
{
	int show[RC_N + 32];
	const char *heads[RC_N + 32];
	for (int c = 0; c < RC_N; c++)
		heads[c] = run_heads[c];
	for (int c = 0; c < report_table_n_metrics; c++)
		heads[RC_N + c] = metric_heads[c];
	constant_columns(d, d->n_runs, RC_N + report_table_n_metrics, run_cell, show);
	show[RC_N] = 1; /* the objective */
	html_caption(f, d, d->n_runs, RC_N + report_table_n_metrics, run_cell, heads, show);
	fputs("<div class=\"scroll\">\n<table class=\"runs\">\n<thead><tr><th>id</th>"
	      "<th>policy</th>",
	      f);
	metric_head(f, 0);
	for (int c = 0; c < RC_N; c++)
		if (show[c])
			fprintf(f, "<th>%s</th>", run_heads[c]);
	for (int c = 1; c < report_table_n_metrics; c++)
		if (show[RC_N + c])
			metric_head(f, c);
	fputs("</tr></thead>\n<tbody>\n", f);
	for (int i = 0; i < d->n_runs; i++)
		html_run_row(f, d, i, best, show);
	fputs("</tbody>\n</table>\n</div>\n", f);
}

static const char ci_note[] =
	"Runs that differ only by their seed form one configuration. A cell is the mean over "
	"the configuration's seeds \xC2\xB1 the half-width of the 95% confidence interval of "
	"that mean, from Student's t distribution with n\xE2\x88\x92" "1 degrees of freedom "
	"(with a handful of seeds the normal approximation would be too narrow); a "
	"configuration with one seed has no interval. n is the number of runs.";

static void group_metric_cell(FILE *f, const struct report_groups *g, int k, int c)
{
	int m = metric_index(report_table_metrics[c]);
	char v[160];
	fprintf(f, "<td class=\"num%s\" data-metric=\"%s\">",
		m >= 0 && g->g[k].best[m] ? " best" : "", report_table_metrics[c]);
	group_metric_text(g, k, c, v, sizeof v);
	fputs(v, f);
	fputs("</td>", f);
}

/* The configurations table: one row per group; #, policy, the objective, what varies, the
 * runs, the other metrics. */
static void html_groups(FILE *f, const struct report_groups *g)
{
	int show[GC_N + 32];
	const char *heads[GC_N + 32];
	for (int c = 0; c < GC_N; c++)
		heads[c] = group_heads[c];
	for (int c = 0; c < report_table_n_metrics; c++)
		heads[GC_N + c] = metric_heads[c];
	constant_columns(g, g->n, GC_N + report_table_n_metrics, group_cell, show);
	show[GC_N] = 1; /* the objective */
	fputs("<h2>Configurations</h2>\n<p>", f);
	fputs(ci_note, f);
	fputs(" The best mean of each column is marked green.</p>\n", f);
	html_caption(f, g, g->n, GC_N + report_table_n_metrics, group_cell, heads, show);
	fputs("<div class=\"scroll\">\n<table class=\"groups\">\n<thead><tr><th>#</th>"
	      "<th>policy</th>",
	      f);
	metric_head(f, 0);
	for (int c = 0; c < GC_N; c++)
		if (show[c])
			fprintf(f, "<th>%s</th>", group_heads[c]);
	fputs("<th>runs</th>", f);
	for (int c = 1; c < report_table_n_metrics; c++)
		if (show[GC_N + c])
			metric_head(f, c);
	fputs("</tr></thead>\n<tbody>\n", f);
	for (int k = 0; k < g->n; k++) {
		const struct report_group *gr = &g->g[k];
		const struct report_run *r = g->run[gr->runs[0]];
		fprintf(f, "<tr id=\"group-%d\"><td class=\"num\">g%d</td><td class=\"name\">", k + 1,
			k + 1);
		h(f, r->policy_label);
		fputs("</td>", f);
		group_metric_cell(f, g, k, 0);
		for (int c = 0; c < GC_N; c++) {
			if (!show[c])
				continue;
			char v[512];
			group_text(g, k, c, v, sizeof v);
			if (c == GC_TRACE) {
				fputs("<td class=\"name\" title=\"", f);
				h(f, r->trace);
				fputs("\">", f);
			} else {
				fputs(c == GC_DEADLINE || c == GC_N_RUNS ? "<td class=\"num\">"
									 : "<td class=\"name\">",
				      f);
			}
			h(f, v);
			fputs("</td>", f);
		}
		fputs("<td>", f);
		for (int j = 0; j < gr->n_runs && j < 12; j++) {
			long long id = (long long)g->run[gr->runs[j]]->id;
			fprintf(f, "%s<a href=\"#run-%lld\">%lld</a>", j ? " " : "", id, id);
		}
		if (gr->n_runs > 12)
			fputs(" &hellip;", f);
		fputs("</td>", f);
		for (int c = 1; c < report_table_n_metrics; c++)
			if (show[GC_N + c])
				group_metric_cell(f, g, k, c);
		fputs("</tr>\n", f);
	}
	fputs("</tbody>\n</table>\n</div>\n", f);
}

/* ---- the verdict, first on the page ---- */

static void verdict_row(FILE *f, const struct report_groups *g, const struct report_verdict *v,
			int k)
{
	const struct report_group *gr = &g->g[k];
	const struct report_verdict_diff *d = report_verdict_against(v, k);
	char val[160];
	fprintf(f, "<tr><td class=\"name\">%s", k == v->winner ? "<strong>" : "");
	h(f, g->run[gr->runs[0]]->policy_label);
	fprintf(f, "%s</td>", k == v->winner ? "</strong> (winner)" : "");
	group_metric_cell(f, g, k, 0);
	if (d) {
		char iv[160];
		report_verdict_interval(d, iv, sizeof iv);
		fprintf(f, "<td class=\"num\">%+.1f</td><td>", d->diff);
		h(f, iv);
		fputs("</td>", f);
	} else {
		fputs("<td class=\"num\">&ndash;</td><td></td>", f);
	}
	static const char *const rest[] = {"lat_p95_ms", "miss_rate", "energy_per_inf_mj"};
	for (int j = 0; j < 3; j++) {
		int m = metric_index(rest[j]);
		fputs("<td class=\"num\">", f);
		if (m >= 0 && gr->m[m].n > 0) {
			fmt_summary(val, sizeof val, m, &gr->m[m]);
			fputs(val, f);
		} else {
			fputs("&ndash;", f);
		}
		fputs("</td>", f);
	}
	fputs("</tr>\n", f);
}

/* Who wins on the objective in each scenario, and by how much against every other policy. */
static void html_verdict(FILE *f, const struct report_groups *g)
{
	fputs("<section id=\"verdict\">\n<h2>Verdict</h2>\n", f);
	for (int sc = 0; sc < g->n_scenarios; sc++) {
		struct report_verdict v;
		if (report_verdict_build(g, sc, &v) < 0) {
			fputs("<p>The verdict could not be computed (out of memory).</p>\n", f);
			break;
		}
		if (g->scenario_label[sc][0]) {
			fputs("<h3>", f);
			h(f, g->scenario_label[sc]);
			fputs("</h3>\n", f);
		}
		if (v.winner < 0) {
			fputs("<p>No run has an on-time accuracy to rank by.</p>\n", f);
			report_verdict_free(&v);
			continue;
		}
		const struct report_group *w = &g->g[v.winner];
		fputs("<p class=\"answer\"><strong>", f);
		h(f, g->run[w->runs[0]]->policy_label);
		fprintf(f, "</strong> %s on the objective, on-time top-1 accuracy, with "
			   "<strong>%.1f%%</strong>",
			v.n_tied ? "ties for first" : "wins", w->m[REPORT_M_ontime_top1].mean);
		int said = 0;
		for (int i = 0; i < v.n_diff; i++) {
			const struct report_verdict_diff *d = &v.diff[i];
			if (d->group != v.static_best && d->group != v.static_fastest)
				continue;
			fprintf(f, "; %+.1f points against %s", d->diff,
				d->group == v.static_best ? "static best" : "static fastest");
			said = 1;
		}
		if (!said && v.n_diff > 0) {
			fprintf(f, "; %+.1f points against the runner-up, ", v.diff[0].diff);
			h(f, g->run[g->g[v.diff[0].group].runs[0]]->policy_label);
		}
		fputs(".</p>\n<p>On-time top-1 is the top-1 accuracy of the answers given within "
		      "their deadline, averaged over all requests (a late, dropped or failed "
		      "request counts 0). A difference is the winner's minus the other's, in "
		      "points; its interval is the 95% Student-t interval of the mean paired "
		      "difference over the seeds both ran, with the paired t-test.</p>\n",
		      f);
		fputs("<div class=\"scroll\">\n<table class=\"verdict\">\n<thead><tr><th>policy"
		      "</th>",
		      f);
		metric_head(f, 0);
		fputs("<th>difference (points)</th><th>interval and test</th><th>p95 (ms)</th>"
		      "<th>miss rate</th><th>energy / inference (mJ)</th></tr></thead>\n<tbody>\n",
		      f);
		verdict_row(f, g, &v, v.winner);
		for (int i = 0; i < v.n_diff; i++)
			verdict_row(f, g, &v, v.diff[i].group);
		fputs("</tbody>\n</table>\n</div>\n", f);
		report_verdict_free(&v);
	}
	fputs("</section>\n", f);
}

static void html_kv(FILE *f, const char *key, const char *value)
{
	fprintf(f, "<tr><th>%s</th><td>", key);
	h(f, value);
	fputs("</td></tr>\n", f);
}

static void html_kv_file(FILE *f, const char *key, const char *path, const char *sha,
			 const char *extra)
{
	fprintf(f, "<tr><th>%s</th><td>", key);
	h(f, path);
	if (extra)
		fprintf(f, " (%s)", extra);
	fputs("<br><code>sha256 ", f);
	h(f, sha);
	fputs("</code></td></tr>\n", f);
}

/* How one format writes a key-value row, a file row and escaped text. */
struct kv_format {
	void (*kv)(FILE *f, const char *key, const char *value);
	void (*kv_file)(FILE *f, const char *key, const char *path, const char *sha,
			const char *extra);
	void (*put)(FILE *f, const char *s);
	const char *row_open, *row_close; /* around the variants row */
};

/* The provenance rows of a run, the same in the HTML and the Markdown report. */
static void provenance_rows(FILE *f, const struct kv_format *k, const struct report_run *r)
{
	char buf[128];
	k->kv(f, "created (UTC)", r->created_utc);
	k->kv(f, "tool version", r->tool_version);
	k->kv(f, "git revision", r->git_rev);
	k->kv(f, "tag", r->tag);
	k->kv(f, "status", r->status);
	if (r->error[0])
		k->kv(f, "error", r->error);
	k->kv(f, "policy", r->policy);
	k->kv(f, "policy parameters", r->policy_params);
	k->kv(f, "workload", r->workload);
	snprintf(buf, sizeof buf, "%g", r->deadline_ms);
	k->kv(f, "deadline (ms)", buf);
	snprintf(buf, sizeof buf, "%lld", (long long)r->seed);
	k->kv(f, "seed", buf);
	k->kv_file(f, "trace", r->trace, r->trace_sha256, NULL);
	k->kv_file(f, "device", r->device, r->device_sha256, NULL);
	k->kv_file(f, "timings", r->timings, r->timings_sha256,
		   r->timings_derived ? "derived from another device" : "measured");
	k->kv_file(f, "model", r->model, r->model_sha256, NULL);
	k->kv(f, "config key", r->config_key);
	snprintf(buf, sizeof buf, "%.3f", r->wall_s);
	k->kv(f, "wall time (s)", buf);
	if (r->n_variants > 0) {
		fputs(k->row_open, f);
		for (int v = 0; v < r->n_variants; v++) {
			const struct report_variant_use *u = &r->variants[v];
			fputs(v ? "<br>" : "", f);
			k->put(f, u->variant);
			fprintf(f, ": %lld served", (long long)u->served);
			if (u->has_top1)
				fprintf(f, ", top-1 %.2f%%", u->top1);
		}
		fputs(k->row_close, f);
	}
}

static const struct kv_format html_format = {html_kv, html_kv_file, h,
					     "<tr><th>variants used</th><td>", "</td></tr>\n"};

static void html_provenance(FILE *f, const struct report_run *r)
{
	fprintf(f, "<details id=\"prov-%lld\"><summary>", (long long)r->id);
	h(f, r->label);
	fputs("</summary>\n<table class=\"kv\">\n", f);
	provenance_rows(f, &html_format, r);
	fputs("</table>\n<pre>", f);
	report_html_put(f, r->config, 1);
	fputs("</pre>\n</details>\n", f);
}

static int figure_shown(const struct report_page *p, int k)
{
	return p->has_png[k] || p->has_svg[k];
}

static void html_figures(FILE *f, const struct report_page *p)
{
	int any = 0;
	fputs("<h2>Figures</h2>\n", f);
	for (int k = 0; k < p->figs->n; k++) {
		const struct report_figure *fig = &p->figs->fig[k];
		if (!figure_shown(p, k))
			continue;
		any = 1;
		/* Figure names are fixed words from charts.c; they are escaped all the same. */
		fputs("<figure>", f);
		const char *img = p->has_svg[k] ? "svg" : "png";
		fputs("<img src=\"", f);
		h(f, fig->name);
		fprintf(f, ".%s\" alt=\"", img);
		h(f, fig->title);
		fputs("\">\n<figcaption><strong>", f);
		h(f, fig->title);
		fputs(".</strong>", f);
		if (fig->note[0]) {
			fputs(" ", f);
			h(f, fig->note);
		}
		if (p->has_png[k]) {
			fputs(" <a href=\"", f);
			h(f, fig->name);
			fputs(".png\">PNG</a>", f);
		}
		if (p->has_svg[k]) {
			fputs(" <a href=\"", f);
			h(f, fig->name);
			fputs(".svg\">SVG</a>", f);
		}
		fputs("</figcaption></figure>\n", f);
	}
	if (!any)
		fputs("<p>No figures were drawn.</p>\n", f);
}

int report_html_write(FILE *f, const struct report_page *p)
{
	const struct report_data *d = p->data;
	int *best = best_table(d);
	if (!best)
		return ERR_NOMEM;
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<title>adascale report</title>\n<style>\n",
	      f);
	fputs(css, f);
	fputs("</style>\n</head>\n<body>\n<h1>adascale report</h1>\n<p>", f);
	fprintf(f, "%d run%s from <code>", d->n_runs, d->n_runs == 1 ? "" : "s");
	h(f, d->db_path);
	fputs("</code>", f);
	if (p->selection) {
		fputs(", selected by ", f);
		h(f, p->selection);
	}
	fputs(". Written by adascale " ADASCALE_VERSION ".</p>\n", f);

	if (p->groups) {
		html_verdict(f, p->groups);
		html_groups(f, p->groups);
	}

	fputs("<h2>Runs</h2>\n<p>The best value of each column is marked green (\xE2\x86\x91 "
	      "higher is better, \xE2\x86\x93 lower is better; columns without an arrow are "
	      "not judged). A dash is a metric the run did not record.</p>\n",
	      f);
	html_runs(f, d, best);

	html_figures(f, p);

	fputs("<h2>Provenance</h2>\n<p>What each run stood on: the tool, the revision and the "
	      "SHA-256 of every input, and the configuration that reproduces it.</p>\n",
	      f);
	for (int i = 0; i < d->n_runs; i++)
		html_provenance(f, &d->runs[i]);
	fputs("</body>\n</html>\n", f);
	free(best);
	return ferror(f) ? ERR_IO : 0;
}

/* One Markdown table cell: escaped text between pipes. */
static void md_cell(FILE *f, const char *s)
{
	fputs(" ", f);
	report_md_put(f, s);
	fputs(" |", f);
}

static void md_groups(FILE *f, const struct report_groups *g)
{
	fputs("## Configurations\n\n", f);
	fputs(ci_note, f);
	fputs(" The best mean of each column is in bold.\n\n", f);
	fputs("| # | policy | tag | model | trace | device | workload | deadline (ms) | n | runs |",
	      f);
	for (int c = 0; c < report_table_n_metrics; c++)
		fprintf(f, " %s%s |", metric_heads[c],
			direction(metric_index(report_table_metrics[c])));
	fputs("\n| ---: | --- | --- | --- | --- | --- | --- | ---: | ---: | --- |", f);
	for (int c = 0; c < report_table_n_metrics; c++)
		fputs(" ---: |", f);
	fputs("\n", f);
	for (int k = 0; k < g->n; k++) {
		const struct report_group *gr = &g->g[k];
		const struct report_run *r = g->run[gr->runs[0]];
		char trace[128];
		report_short_name(r->trace, trace, sizeof trace);
		fprintf(f, "| g%d |", k + 1);
		md_cell(f, r->policy_label);
		md_cell(f, r->tag);
		md_cell(f, r->model);
		md_cell(f, trace);
		md_cell(f, r->device);
		md_cell(f, r->workload);
		fprintf(f, " %g | %d | ", r->deadline_ms, gr->n_runs);
		for (int j = 0; j < gr->n_runs && j < 12; j++)
			fprintf(f, "%s%lld", j ? " " : "", (long long)g->run[gr->runs[j]]->id);
		fputs(gr->n_runs > 12 ? " \xE2\x80\xA6 |" : " |", f);
		for (int c = 0; c < report_table_n_metrics; c++) {
			int m = metric_index(report_table_metrics[c]);
			if (m >= 0 && gr->m[m].n > 0) {
				char v[160];
				fmt_summary(v, sizeof v, m, &gr->m[m]);
				fprintf(f, gr->best[m] ? " **%s** |" : " %s |", v);
			} else {
				fprintf(f, " %s |", missing_text(r, m));
			}
		}
		fputs("\n", f);
	}
	fputs("\n", f);
}

static void md_kv(FILE *f, const char *key, const char *value)
{
	fprintf(f, "| %s |", key);
	md_cell(f, value);
	fputs("\n", f);
}

static void md_kv_file(FILE *f, const char *key, const char *path, const char *sha,
		       const char *extra)
{
	fprintf(f, "| %s | ", key);
	report_md_put(f, path);
	if (extra)
		fprintf(f, " (%s)", extra);
	fputs("<br>sha256 ", f);
	report_md_put(f, sha);
	fputs(" |\n", f);
}

static const struct kv_format md_format = {md_kv, md_kv_file, report_md_put,
					   "| variants used | ", " |\n"};

static void md_provenance(FILE *f, const struct report_run *r)
{
	fputs("### ", f);
	report_md_put(f, r->label);
	fputs("\n\n| | |\n| --- | --- |\n", f);
	provenance_rows(f, &md_format, r);
	fputs("\nConfiguration:\n\n", f);
	report_md_code_block(f, r->config);
	fputs("\n", f);
}

int report_md_write(FILE *f, const struct report_page *p)
{
	const struct report_data *d = p->data;
	int *best = best_table(d);
	if (!best)
		return ERR_NOMEM;
	fputs("# adascale report\n\n", f);
	fprintf(f, "%d run%s from ", d->n_runs, d->n_runs == 1 ? "" : "s");
	report_md_put(f, d->db_path);
	if (p->selection) {
		fputs(", selected by ", f);
		report_md_put(f, p->selection);
	}
	fputs(". Written by adascale " ADASCALE_VERSION ".\n\n", f);

	if (p->groups) {
		/* the verdict's lines, each escaped as Markdown text */
		char *text = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&text, &len);
		int rc = m ? 0 : ERR_NOMEM;
		for (int sc = 0; rc == 0 && sc < p->groups->n_scenarios; sc++) {
			struct report_verdict v;
			if ((rc = report_verdict_build(p->groups, sc, &v)) == 0)
				rc = report_verdict_text(m, p->groups, &v);
			report_verdict_free(&v);
		}
		if (m && fclose(m) != 0 && rc == 0)
			rc = ERR_NOMEM;
		if (rc < 0) {
			free(text);
			free(best);
			return rc;
		}
		fputs("## Verdict\n\n", f);
		for (char *line = text, *nl; line && *line; line = nl ? nl + 1 : NULL) {
			if ((nl = strchr(line, '\n')))
				*nl = '\0';
			fputs("- ", f);
			report_md_put(f, line);
			fputs("\n", f);
		}
		fputs("\n", f);
		free(text);
		md_groups(f, p->groups);
	}

	fputs("## Runs\n\nThe best value of each column is in bold (\xE2\x86\x91 higher is "
	      "better, \xE2\x86\x93 lower is better; columns without an arrow are not judged). "
	      "A dash is a metric the run did not record.\n\n",
	      f);
	fputs("| id | tag | policy | model | trace | device | seed | workload | status |", f);
	for (int c = 0; c < report_table_n_metrics; c++)
		fprintf(f, " %s%s |", metric_heads[c],
			direction(metric_index(report_table_metrics[c])));
	fputs("\n| ---: | --- | --- | --- | --- | --- | ---: | --- | --- |", f);
	for (int c = 0; c < report_table_n_metrics; c++)
		fputs(" ---: |", f);
	fputs("\n", f);
	for (int i = 0; i < d->n_runs; i++) {
		const struct report_run *r = &d->runs[i];
		char trace[128];
		report_short_name(r->trace, trace, sizeof trace);
		fprintf(f, "| %lld |", (long long)r->id);
		md_cell(f, r->tag);
		fputs(" ", f);
		report_md_put(f, r->policy);
		if (r->policy_params[0]) {
			fputs(" (", f);
			report_md_put(f, r->policy_params);
			fputs(")", f);
		}
		fputs(" |", f);
		md_cell(f, r->model);
		md_cell(f, trace);
		md_cell(f, r->device);
		fprintf(f, " %lld |", (long long)r->seed);
		md_cell(f, r->workload);
		md_cell(f, r->status);
		for (int c = 0; c < report_table_n_metrics; c++) {
			int m = metric_index(report_table_metrics[c]);
			int is_best = best[(size_t)c * (size_t)d->n_runs + (size_t)i];
			if (m >= 0 && r->has_metric[m]) {
				char v[64];
				report_fmt_metric(v, sizeof v, m, r->metric[m]);
				fprintf(f, is_best ? " **%s** |" : " %s |", v);
			} else {
				fputs(" \xE2\x80\x93 |", f);
			}
		}
		fputs("\n", f);
	}

	fputs("\n## Figures\n\n", f);
	int any = 0;
	for (int k = 0; k < p->figs->n; k++) {
		const struct report_figure *fig = &p->figs->fig[k];
		if (!figure_shown(p, k))
			continue;
		any = 1;
		fputs("### ", f);
		report_md_put(f, fig->title);
		fputs("\n\n", f);
		fputs("![", f);
		report_md_put(f, fig->title);
		fprintf(f, "](%s.%s)\n\n", fig->name, p->has_png[k] ? "png" : "svg");
		if (fig->note[0]) {
			report_md_put(f, fig->note);
			fputs("\n\n", f);
		}
		if (p->has_png[k])
			fprintf(f, "[PNG](%s.png)%s", fig->name, p->has_svg[k] ? " " : "\n\n");
		if (p->has_svg[k])
			fprintf(f, "[SVG](%s.svg)\n\n", fig->name);
	}
	if (!any)
		fputs("No figures were drawn.\n\n", f);

	fputs("## Provenance\n\n", f);
	for (int i = 0; i < d->n_runs; i++)
		md_provenance(f, &d->runs[i]);
	free(best);
	return ferror(f) ? ERR_IO : 0;
}

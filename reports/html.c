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
	if (!isfinite(s->ci95)) {
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
	"body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em;"
	"color:#222;max-width:110em}\n"
	"h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ccc}\n"
	"table{border-collapse:collapse;font-size:0.9em}\n"
	"th,td{border:1px solid #ccc;padding:0.25em 0.5em;vertical-align:top}\n"
	"th{background:#f3f3f3;text-align:left}\n"
	"td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
	"td.best{background:#d9f2d9;font-weight:bold}\n"
	"tr.failed td{color:#a00}\n"
	".params{color:#555;font-size:0.85em}\n"
	"figure{margin:1.5em 0}img{max-width:100%;border:1px solid #ddd}\n"
	"figcaption{color:#444;max-width:60em}\n"
	"details{margin:0.4em 0}summary{cursor:pointer}\n"
	"table.kv th{width:12em}code,pre{font-family:ui-monospace,monospace;font-size:0.9em}\n"
	"pre{background:#f7f7f7;padding:0.5em;overflow:auto}\n";

static void h(FILE *f, const char *s) { report_html_put(f, s, 0); }


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

static void html_run_row(FILE *f, const struct report_data *d, int i, const int *best)
{
	const struct report_run *r = &d->runs[i];
	char trace[128];
	report_short_name(r->trace, trace, sizeof trace);
	fprintf(f, "<tr id=\"run-%lld\"%s>", (long long)r->id,
		run_failed(r) ? " class=\"failed\"" : "");
	fprintf(f, "<td class=\"num\"><a href=\"#prov-%lld\">%lld</a></td><td>", (long long)r->id,
		(long long)r->id);
	h(f, r->tag);
	fputs("</td><td>", f);
	h(f, r->policy);
	if (r->policy_params[0]) {
		fputs(" <span class=\"params\">", f);
		h(f, r->policy_params);
		fputs("</span>", f);
	}
	fputs("</td><td>", f);
	h(f, r->model);
	fputs("</td><td title=\"", f);
	h(f, r->trace);
	fputs("\">", f);
	h(f, trace);
	fputs("</td><td>", f);
	h(f, r->device);
	fprintf(f, "</td><td class=\"num\">%lld</td><td>", (long long)r->seed);
	h(f, r->workload);
	fputs("</td><td>", f);
	h(f, r->status);
	fputs("</td>", f);
	for (int c = 0; c < report_table_n_metrics; c++) {
		int m = metric_index(report_table_metrics[c]);
		int is_best = best[(size_t)c * (size_t)d->n_runs + (size_t)i];
		fprintf(f, "<td class=\"num%s\" data-metric=\"%s\">", is_best ? " best" : "",
			report_table_metrics[c]);
		if (m >= 0 && r->has_metric[m]) {
			char v[64];
			report_fmt_metric(v, sizeof v, m, r->metric[m]);
			fputs(v, f);
		} else {
			fputs("&ndash;", f);
		}
		fputs("</td>", f);
	}
	fputs("</tr>\n", f);
}

static const char ci_note[] =
	"Runs that differ only by their seed form one configuration. A cell is the mean over "
	"the configuration's seeds \xC2\xB1 the half-width of the 95% confidence interval of "
	"that mean, from Student's t distribution with n\xE2\x88\x92" "1 degrees of freedom "
	"(with a handful of seeds the normal approximation would be too narrow); a "
	"configuration with one seed has no interval. n is the number of runs.";

/* The configurations table: one row per group. */
static void html_groups(FILE *f, const struct report_groups *g)
{
	fputs("<h2>Configurations</h2>\n<p>", f);
	fputs(ci_note, f);
	fputs(" The best mean of each column is marked green.</p>\n", f);
	fputs("<table class=\"groups\">\n<thead><tr><th>#</th><th>policy</th><th>tag</th>"
	      "<th>model</th><th>trace</th><th>device</th><th>workload</th>"
	      "<th>deadline (ms)</th><th>n</th><th>runs</th>",
	      f);
	for (int c = 0; c < report_table_n_metrics; c++)
		fprintf(f, "<th>%s%s</th>", metric_heads[c],
			direction(metric_index(report_table_metrics[c])));
	fputs("</tr></thead>\n<tbody>\n", f);
	for (int k = 0; k < g->n; k++) {
		const struct report_group *gr = &g->g[k];
		const struct report_run *r = g->run[gr->runs[0]];
		char trace[128];
		report_short_name(r->trace, trace, sizeof trace);
		fprintf(f, "<tr id=\"group-%d\"><td class=\"num\">g%d</td><td>", k + 1, k + 1);
		h(f, r->policy_label);
		fputs("</td><td>", f);
		h(f, r->tag);
		fputs("</td><td>", f);
		h(f, r->model);
		fputs("</td><td title=\"", f);
		h(f, r->trace);
		fputs("\">", f);
		h(f, trace);
		fputs("</td><td>", f);
		h(f, r->device);
		fputs("</td><td>", f);
		h(f, r->workload);
		fprintf(f, "</td><td class=\"num\">%g</td><td class=\"num\">%d</td><td>",
			r->deadline_ms, gr->n_runs);
		for (int j = 0; j < gr->n_runs && j < 12; j++) {
			long long id = (long long)g->run[gr->runs[j]]->id;
			fprintf(f, "%s<a href=\"#run-%lld\">%lld</a>", j ? " " : "", id, id);
		}
		if (gr->n_runs > 12)
			fputs(" &hellip;", f);
		fputs("</td>", f);
		for (int c = 0; c < report_table_n_metrics; c++) {
			int m = metric_index(report_table_metrics[c]);
			const struct stats_summary *sm = m >= 0 ? &gr->m[m] : NULL;
			fprintf(f, "<td class=\"num%s\" data-metric=\"%s\">",
				m >= 0 && gr->best[m] ? " best" : "", report_table_metrics[c]);
			if (sm && sm->n > 0) {
				char v[160];
				fmt_summary(v, sizeof v, m, sm);
				fputs(v, f);
			} else {
				fputs("&ndash;", f);
			}
			fputs("</td>", f);
		}
		fputs("</tr>\n", f);
	}
	fputs("</tbody>\n</table>\n", f);
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

	if (p->groups)
		html_groups(f, p->groups);

	fputs("<h2>Runs</h2>\n<p>The best value of each column is marked green (\xE2\x86\x91 "
	      "higher is better, \xE2\x86\x93 lower is better; columns without an arrow are "
	      "not judged). A dash is a metric the run did not record.</p>\n",
	      f);
	fputs("<table class=\"runs\">\n<thead><tr><th>id</th><th>tag</th><th>policy</th>"
	      "<th>model</th><th>trace</th><th>device</th><th>seed</th><th>workload</th>"
	      "<th>status</th>",
	      f);
	for (int c = 0; c < report_table_n_metrics; c++)
		fprintf(f, "<th>%s%s</th>", metric_heads[c],
			direction(metric_index(report_table_metrics[c])));
	fputs("</tr></thead>\n<tbody>\n", f);
	for (int i = 0; i < d->n_runs; i++)
		html_run_row(f, d, i, best);
	fputs("</tbody>\n</table>\n", f);

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
				fputs(" \xE2\x80\x93 |", f);
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

	if (p->groups)
		md_groups(f, p->groups);

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

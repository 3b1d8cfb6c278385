/*
 * report.c: the `adascale report` command (see report.h): options, the order of the work
 * (read everything, label and group the runs, then draw, then write the pages and tables)
 * and the files of the report folder. Not for queries (rundata.c), grouping (groups.c),
 * figures (charts.c), page content (html.c) or table files (tables.c).
 */
#include "report.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "afile.h"
#include "charts.h"
#include "groups.h"
#include "html.h"
#include "paths.h"
#include "rundata.h"
#include "tables.h"
#include "verdict.h"

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

int report_parse_formats(const char *list, int *formats, struct errbuf *eb)
{
	int f = 0;
	const char *p = list;
	while (1) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n == 4 && strncmp(p, "html", 4) == 0)
			f |= REPORT_FORMAT_HTML;
		else if (n == 3 && strncmp(p, "csv", 3) == 0)
			f |= REPORT_FORMAT_CSV;
		else if (n == 4 && strncmp(p, "json", 4) == 0)
			f |= REPORT_FORMAT_JSON;
		else
			return err_set(eb, ERR_USAGE,
				       "report: --format '%.100s': expected html, csv, json or a "
				       "comma list of them",
				       list);
		if (!end)
			break;
		p = end + 1;
	}
	*formats = f;
	return 0;
}

static int join(char *out, size_t len, const char *dir, const char *name, const char *ext,
		struct errbuf *eb)
{
	int n = snprintf(out, len, "%s/%s%s", dir, name, ext ? ext : "");
	if (n < 0 || (size_t)n >= len)
		return err_set(eb, ERR_RANGE, "%s: path too long", dir);
	return 0;
}

static int file_nonempty(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0;
}

typedef int (*page_fn)(FILE *f, const struct report_page *p);

/* Writes one page whole or not at all (common/afile.h): a failed write leaves no half page. */
static int write_page(const char *dir, const char *name, page_fn fn,
		      const struct report_page *p, struct errbuf *eb)
{
	char path[PATH_MAX];
	struct afile *o = NULL;
	int rc;
	if ((rc = join(path, sizeof path, dir, name, NULL, eb)) < 0)
		goto done;
	if (!(o = afile_create(path, eb))) {
		rc = eb ? eb->code : ERR_IO;
		goto done;
	}
	if ((rc = fn(afile_stream(o), p)) < 0) {
		rc = err_set(eb, rc, "%s: %s", path,
			     rc == ERR_NOMEM ? "out of memory" : "write failed");
		goto done;
	}
	rc = afile_commit(o, eb);
done:
	afile_destroy(o);
	return rc;
}

/* Removes figure files of an earlier report in dir, so the pages never show stale ones. */
static int clear_old_figures(const char *dir, struct errbuf *eb)
{
	static const char *const exts[] = {".png", ".svg"};
	for (int k = 0; report_figure_names[k]; k++)
		for (int e = 0; e < 2; e++) {
			char path[PATH_MAX];
			int rc = join(path, sizeof path, dir, report_figure_names[k], exts[e], eb);
			if (rc < 0)
				return rc;
			if (unlink(path) < 0 && errno != ENOENT)
				return err_set(eb, ERR_IO, "%s: %s", path, strerror(errno));
		}
	return 0;
}

/* Draws the figures and writes index.html and report.md. */
static int write_html(const struct report_opts *o, struct plot_sink *sink,
		      struct report_page *page, struct errbuf *eb)
{
	struct plot_sink *own = NULL;
	struct report_trend *trend = NULL;
	struct report_run **trend_runs = NULL;
	struct report_figures *figs = calloc(1, sizeof *figs);
	int rc;
	if (!figs) {
		rc = err_set(eb, ERR_NOMEM, "report: out of memory");
		goto done;
	}
	/* The trends read every tag of the database, up to the selected one. */
	if ((rc = report_trend_load(o->db_path, o->tag, &trend, eb)) < 0)
		goto done;
	if (trend->data) {
		if (!(trend_runs = report_run_pointers(trend->data))) {
			rc = err_set(eb, ERR_NOMEM, "report: out of memory");
			goto done;
		}
		report_label_runs(trend_runs, trend->data->n_runs);
	}
	if ((rc = clear_old_figures(o->out_dir, eb)) < 0)
		goto done;
	if (!sink) {
		own = plot_gnuplot_create(getenv("ADASCALE_GNUPLOT"), o->out_dir, eb);
		if (!own) {
			rc = eb ? eb->code : ERR_CHILD;
			goto done;
		}
		sink = own;
	}
	if ((rc = report_charts_write(sink, page->data, page->groups, trend, figs, eb)) < 0) {
		plot_finish(sink, NULL);
		goto done;
	}
	if ((rc = plot_finish(sink, eb)) < 0) {
		err_wrap(eb, "drawing the figures");
		goto done;
	}
	page->figs = figs;
	for (int k = 0; k < figs->n; k++) {
		char path[PATH_MAX];
		if ((rc = join(path, sizeof path, o->out_dir, figs->fig[k].name, ".png", eb)) < 0)
			goto done;
		page->has_png[k] = file_nonempty(path);
		if ((rc = join(path, sizeof path, o->out_dir, figs->fig[k].name, ".svg", eb)) < 0)
			goto done;
		page->has_svg[k] = file_nonempty(path);
	}
	if ((rc = write_page(o->out_dir, "index.html", report_html_write, page, eb)) < 0 ||
	    (rc = write_page(o->out_dir, "report.md", report_md_write, page, eb)) < 0)
		goto done;
	rc = 0;
done:
	page->figs = NULL;
	plot_sink_destroy(own);
	free(trend_runs);
	report_trend_destroy(trend);
	free(figs);
	return rc;
}

int report_generate(const struct report_opts *o, struct plot_sink *sink, struct errbuf *eb)
{
	struct report_data *d = NULL;
	struct report_groups *groups = NULL;
	struct report_run **runs = NULL;
	int64_t *ids = NULL;
	int n_ids = 0, rc;
	int formats = o->formats ? o->formats : REPORT_FORMAT_HTML;
	char selection[512] = "";
	struct report_page page;
	memset(&page, 0, sizeof page);

	if (!o->db_path || !o->out_dir) {
		rc = err_set(eb, ERR_USAGE, "report: --db and --out are required");
		goto done;
	}
	if (o->runs && (rc = report_parse_ids(o->runs, &ids, &n_ids, eb)) < 0)
		goto done;
	struct report_filter filter = {o->tag, ids, n_ids, !(formats & REPORT_FORMAT_HTML)};
	if ((rc = report_data_load(o->db_path, &filter, &d, eb)) < 0)
		goto done;
	if (o->tag && o->runs)
		snprintf(selection, sizeof selection, "tag '%.200s' and runs %.200s", o->tag,
			 o->runs);
	else if (o->tag)
		snprintf(selection, sizeof selection, "tag '%.200s'", o->tag);
	else if (o->runs)
		snprintf(selection, sizeof selection, "runs %.200s", o->runs);
	if (!(runs = report_run_pointers(d))) {
		rc = err_set(eb, ERR_NOMEM, "report: out of memory");
		goto done;
	}
	report_label_runs(runs, d->n_runs);
	if ((rc = report_groups_build(runs, d->n_runs, 0, &groups, eb)) < 0)
		goto done;
	page.data = d;
	page.groups = groups;
	page.selection = selection[0] ? selection : NULL;

	if ((rc = paths_mkdirs(o->out_dir, eb)) < 0)
		goto done;
	if ((formats & REPORT_FORMAT_HTML) && (rc = write_html(o, sink, &page, eb)) < 0)
		goto done;
	if ((formats & REPORT_FORMAT_CSV) &&
	    ((rc = write_page(o->out_dir, "runs.csv", report_csv_runs_write, &page, eb)) < 0 ||
	     (rc = write_page(o->out_dir, "configurations.csv", report_csv_groups_write, &page,
			      eb)) < 0))
		goto done;
	if ((formats & REPORT_FORMAT_JSON) &&
	    (rc = write_page(o->out_dir, "report.json", report_json_write, &page, eb)) < 0)
		goto done;
	rc = 0;
done:
	report_groups_destroy(groups);
	free(runs);
	report_data_destroy(d);
	free(ids);
	return rc;
}

int report_verdict_print(const struct report_opts *o, FILE *f, struct errbuf *eb)
{
	struct report_data *d = NULL;
	struct report_groups *groups = NULL;
	struct report_run **runs = NULL;
	int64_t *ids = NULL;
	int n_ids = 0, rc;
	if (!o->db_path) {
		rc = err_set(eb, ERR_USAGE, "report: --db is required");
		goto done;
	}
	if (o->runs && (rc = report_parse_ids(o->runs, &ids, &n_ids, eb)) < 0)
		goto done;
	struct report_filter filter = {o->tag, ids, n_ids, 1};
	if ((rc = report_data_load(o->db_path, &filter, &d, eb)) < 0)
		goto done;
	if (!(runs = report_run_pointers(d))) {
		rc = err_set(eb, ERR_NOMEM, "report: out of memory");
		goto done;
	}
	report_label_runs(runs, d->n_runs);
	if ((rc = report_groups_build(runs, d->n_runs, 0, &groups, eb)) < 0)
		goto done;
	for (int s = 0; s < groups->n_scenarios; s++) {
		struct report_verdict v;
		if ((rc = report_verdict_build(groups, s, &v)) < 0) {
			rc = err_set(eb, rc, "report: out of memory");
			goto done;
		}
		rc = report_verdict_text(f, groups, &v);
		report_verdict_free(&v);
		if (rc < 0) {
			rc = err_set(eb, rc, "report: cannot write the verdict");
			goto done;
		}
	}
	rc = 0;
done:
	report_groups_destroy(groups);
	free(runs);
	report_data_destroy(d);
	free(ids);
	return rc;
}

/*
 * report.c: the `adascale report` command (see report.h): options, the order of the work
 * (read everything, then draw, then write the pages) and the files of the report folder.
 * Not for queries (rundata.c), figures (charts.c) or page content (html.c).
 */
#include "report.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "charts.h"
#include "html.h"
#include "rundata.h"

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

static const char usage[] =
	"usage: adascale report --db FILE --out DIR [--tag T] [--runs LIST]\n"
	"  --db FILE    results database (read-only)\n"
	"  --out DIR    report folder (created): index.html, report.md, *.png, *.svg\n"
	"  --tag T      only runs with tag T\n"
	"  --runs LIST  only these run ids, e.g. 3,5-9,12\n"
	"environment: ADASCALE_GNUPLOT names the gnuplot program (default: gnuplot)\n";

static int join(char *out, size_t len, const char *dir, const char *name, const char *ext,
		struct errbuf *eb)
{
	int n = snprintf(out, len, "%s/%s%s", dir, name, ext ? ext : "");
	if (n < 0 || (size_t)n >= len)
		return err_set(eb, ERR_RANGE, "%s: path too long", dir);
	return 0;
}

/* mkdir -p: creates dir and its missing parents. */
static int make_dirs(const char *dir, struct errbuf *eb)
{
	char path[PATH_MAX];
	if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path)
		return err_set(eb, ERR_RANGE, "%s: path too long", dir);
	for (char *p = path + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(path, 0777) < 0 && errno != EEXIST)
			return err_set(eb, ERR_IO, "%s: cannot create folder: %s", path,
				       strerror(errno));
		*p = c;
		if (c == '\0')
			break;
	}
	struct stat sb;
	if (stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode))
		return err_set(eb, ERR_IO, "%s: not a folder", dir);
	return 0;
}

static int file_nonempty(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0;
}

typedef int (*page_fn)(FILE *f, const struct report_page *p);

/* Writes one page through a temporary name, so a failed write leaves no half page. */
static int write_page(const char *dir, const char *name, page_fn fn,
		      const struct report_page *p, struct errbuf *eb)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	int rc;
	if ((rc = join(path, sizeof path, dir, name, NULL, eb)) < 0 ||
	    (rc = join(tmp, sizeof tmp, dir, name, ".tmp", eb)) < 0)
		return rc;
	FILE *f = fopen(tmp, "w");
	if (!f)
		return err_set(eb, ERR_IO, "%s: %s", tmp, strerror(errno));
	rc = fn(f, p);
	if (fclose(f) != 0 && rc == 0)
		rc = ERR_IO;
	if (rc < 0) {
		unlink(tmp);
		return err_set(eb, rc, "%s: %s", path,
			       rc == ERR_NOMEM ? "out of memory" : "write failed");
	}
	if (rename(tmp, path) < 0) {
		rc = err_set(eb, ERR_IO, "%s: %s", path, strerror(errno));
		unlink(tmp);
	}
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

int report_generate(const struct report_opts *o, struct plot_sink *sink, struct errbuf *eb)
{
	struct report_data *d = NULL;
	struct plot_sink *own = NULL;
	int64_t *ids = NULL;
	int n_ids = 0, rc;
	char selection[512] = "";
	struct report_figures figs;
	struct report_page page;
	memset(&figs, 0, sizeof figs);
	memset(&page, 0, sizeof page);

	if (!o->db_path || !o->out_dir) {
		rc = err_set(eb, ERR_USAGE, "report: --db and --out are required");
		goto done;
	}
	if (o->runs && (rc = report_parse_ids(o->runs, &ids, &n_ids, eb)) < 0)
		goto done;
	struct report_filter filter = {o->tag, ids, n_ids};
	if ((rc = report_data_load(o->db_path, &filter, &d, eb)) < 0)
		goto done;
	if (o->tag && o->runs)
		snprintf(selection, sizeof selection, "tag '%.200s' and runs %.200s", o->tag,
			 o->runs);
	else if (o->tag)
		snprintf(selection, sizeof selection, "tag '%.200s'", o->tag);
	else if (o->runs)
		snprintf(selection, sizeof selection, "runs %.200s", o->runs);

	if ((rc = make_dirs(o->out_dir, eb)) < 0 || (rc = clear_old_figures(o->out_dir, eb)) < 0)
		goto done;
	if (!sink) {
		own = plot_gnuplot_create(getenv("ADASCALE_GNUPLOT"), o->out_dir, eb);
		if (!own) {
			rc = eb ? eb->code : ERR_CHILD;
			goto done;
		}
		sink = own;
	}
	if ((rc = report_charts_write(sink, d, &figs, eb)) < 0) {
		plot_finish(sink, NULL);
		goto done;
	}
	if ((rc = plot_finish(sink, eb)) < 0) {
		err_wrap(eb, "drawing the figures");
		goto done;
	}

	page.data = d;
	page.figs = &figs;
	page.selection = selection[0] ? selection : NULL;
	for (int k = 0; k < figs.n; k++) {
		char path[PATH_MAX];
		if ((rc = join(path, sizeof path, o->out_dir, figs.fig[k].name, ".png", eb)) < 0)
			goto done;
		page.has_png[k] = file_nonempty(path);
		if ((rc = join(path, sizeof path, o->out_dir, figs.fig[k].name, ".svg", eb)) < 0)
			goto done;
		page.has_svg[k] = file_nonempty(path);
	}
	if ((rc = write_page(o->out_dir, "index.html", report_html_write, &page, eb)) < 0 ||
	    (rc = write_page(o->out_dir, "report.md", report_md_write, &page, eb)) < 0)
		goto done;
	rc = 0;
done:
	plot_sink_destroy(own);
	report_data_destroy(d);
	free(ids);
	return rc;
}

/* The value of option name at argv[*i] ("--name V" or "--name=V"), or NULL. */
static const char *opt_value(int argc, char **argv, int *i, const char *name, int *missing)
{
	size_t n = strlen(name);
	const char *a = argv[*i];
	if (strncmp(a, name, n) != 0)
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		*missing = 1;
		return NULL;
	}
	return argv[++*i];
}

int report_cmd(int argc, char **argv)
{
	struct report_opts o = {NULL, NULL, NULL, NULL};
	struct errbuf eb = {0, ""};
	int rc;
	for (int i = 1; i < argc; i++) {
		int missing = 0;
		const char *v;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(usage, stdout);
			return 0;
		}
		if ((v = opt_value(argc, argv, &i, "--db", &missing)))
			o.db_path = v;
		else if ((v = opt_value(argc, argv, &i, "--out", &missing)))
			o.out_dir = v;
		else if ((v = opt_value(argc, argv, &i, "--tag", &missing)))
			o.tag = v;
		else if ((v = opt_value(argc, argv, &i, "--runs", &missing)))
			o.runs = v;
		else {
			rc = err_set(&eb, ERR_USAGE, "report: %s '%s'\n%s",
				     missing ? "missing value after" : "unknown argument", argv[i],
				     usage);
			goto fail;
		}
	}
	if (!o.db_path || !o.out_dir) {
		rc = err_set(&eb, ERR_USAGE, "report: --db and --out are required\n%s", usage);
		goto fail;
	}
	if (!*o.db_path || !*o.out_dir) {
		rc = err_set(&eb, ERR_USAGE, "report: --db and --out need a non-empty value");
		goto fail;
	}
	if ((rc = report_generate(&o, NULL, &eb)) < 0)
		goto fail;
	printf("report: %s/index.html\n", o.out_dir);
	return 0;
fail:
	fprintf(stderr, "adascale: %s\n", eb.msg);
	return err_exit_status(rc);
}

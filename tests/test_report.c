/*
 * test_report.c: `adascale report` end to end on databases built here (store_open for the
 * schema, plain bound SQL for the rows): the files it writes, the best-value marks, run
 * selection, the errors for bad databases, and that hostile names stay text: inert in
 * gnuplot, escaped in HTML and Markdown; the statistics of configurations (the Student-t
 * interval against hand-computed values), labels, the CSV and JSON tables (read back with
 * csvin and a small JSON checker) and the nightly trends. Tests that draw need gnuplot.
 */
#include <criterion/criterion.h>

#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csvin.h"
#include "metrics.h"
#include "plot.h"
#include "cmd.h"
#include "report.h"
#include "stats.h"
#include "store.h"
#include "testutil.h"
#include "text.h"
#include "utf8.h"

/* ---- fixtures: a temporary folder with a database in it ---- */

static char tmp_dir[256];
static char db_path[512];
static char out_dir[512];

static void setup(void)
{
	snprintf(tmp_dir, sizeof tmp_dir, "/tmp/adascale-report-XXXXXX");
	cr_assert_not_null(mkdtemp(tmp_dir));
	snprintf(db_path, sizeof db_path, "%s/results.db", tmp_dir);
	snprintf(out_dir, sizeof out_dir, "%s/out", tmp_dir);
}

static void rm_rf(const char *path)
{
	struct stat sb;
	if (lstat(path, &sb) < 0)
		return;
	if (S_ISDIR(sb.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			char sub[1024];
			snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
			rm_rf(sub);
		}
		if (d)
			closedir(d);
		rmdir(path);
	} else {
		unlink(path);
	}
}

static void teardown(void) { rm_rf(tmp_dir); }

struct fake_run {
	const char *tag, *policy, *params, *model, *trace, *device;
	long long seed;
	double miss_rate, top1, energy_mj, lat_ms; /* lat_ms: median latency */
	int n_quantiles;                           /* 0: none */
};

static void exec_ok(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, &msg), SQLITE_OK, "%s: %s", sql,
		     msg ? msg : "");
}

static sqlite3 *db_create(void)
{
	struct errbuf eb = {0, ""};
	struct store *s = store_open(db_path, &eb);
	cr_assert_not_null(s, "store_open: %s", eb.msg);
	store_close(s);
	sqlite3 *db = NULL;
	cr_assert_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	/* A scratch database: no need to wait for the disk after every row. */
	exec_ok(db, "PRAGMA synchronous = OFF");
	return db;
}


static long long insert_run(sqlite3 *db, const struct fake_run *r)
{
	static const char sql[] =
		"INSERT INTO runs(created_utc, tool_version, git_rev, tag, config, config_key,"
		" seed, trace, trace_sha256, device, device_sha256, timings, timings_sha256,"
		" model, model_sha256, policy, policy_params, workload, deadline_ms, status,"
		" wall_s, requests, served, dropped, deadline_misses, failures, miss_rate,"
		" lat_mean_ms, lat_p50_ms, lat_p95_ms, lat_p99_ms, mean_top1, energy_mj,"
		" energy_per_inf_mj, switches, events, sim_s, ontime_top1)"
		" VALUES('2024-05-01T10:00:00Z', '0.1.0', 'abcdef123456', ?1, ?2, 'cfgkey', ?3, ?4,"
		" 'tracesha', ?5, 'devsha', 'devices/timings.csv', 'timsha', ?6, 'modelsha', ?7,"
		" ?8, 'periodic:33ms', 33.0, 'ok', 0.5, 1000, ?9, 0, ?10, 0, ?11, ?12, ?12,"
		" ?13, ?14, ?15, ?16, ?17, 3, 5000, 60.0, ?15 * (1 - ?11))";
	sqlite3_stmt *st;
	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s",
		     sqlite3_errmsg(db));
	long long served = 1000;
	sqlite3_bind_text(st, 1, r->tag ? r->tag : "", -1, SQLITE_STATIC);
	char config[1024];
	snprintf(config, sizeof config, "policy=%s\ntrace=%s\nseed=%lld\n", r->policy, r->trace,
		 r->seed);
	sqlite3_bind_text(st, 2, config, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, r->seed);
	sqlite3_bind_text(st, 4, r->trace, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, r->device, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, r->model, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, r->policy, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, r->params ? r->params : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, served);
	sqlite3_bind_int64(st, 10, (long long)(r->miss_rate * 1000 + 0.5));
	sqlite3_bind_double(st, 11, r->miss_rate);
	sqlite3_bind_double(st, 12, r->lat_ms);
	sqlite3_bind_double(st, 13, r->lat_ms * 1.8);
	sqlite3_bind_double(st, 14, r->lat_ms * 2.5);
	sqlite3_bind_double(st, 15, r->top1);
	sqlite3_bind_double(st, 16, r->energy_mj * 1000);
	sqlite3_bind_double(st, 17, r->energy_mj);
	cr_assert_eq(sqlite3_step(st), SQLITE_DONE, "%s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	long long id = sqlite3_last_insert_rowid(db);

	cr_assert_eq(sqlite3_prepare_v2(db,
					"INSERT INTO latency_quantiles(run_id, q, latency_ms)"
					" VALUES(?1, ?2, ?3)",
					-1, &st, NULL),
		     SQLITE_OK);
	for (int k = 0; k < r->n_quantiles; k++) {
		double q = (double)k / (r->n_quantiles - 1);
		double lat = r->lat_ms * (0.4 + 1.2 * q + 2.0 * q * q * q * q * q * q * q * q);
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_double(st, 2, q);
		sqlite3_bind_double(st, 3, lat);
		cr_assert_eq(sqlite3_step(st), SQLITE_DONE);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);

	cr_assert_eq(sqlite3_prepare_v2(db,
					"INSERT INTO variant_use(run_id, variant, served, top1)"
					" VALUES(?1, ?2, ?3, ?4)",
					-1, &st, NULL),
		     SQLITE_OK);
	const char *variants[] = {"mobilenet_v1:width=1.0", "mobilenet_v1:width=0.5,quant=int8"};
	for (int v = 0; v < 2; v++) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, variants[v], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, v ? 300 : 700);
		sqlite3_bind_double(st, 4, v ? 63.3 : 70.6);
		cr_assert_eq(sqlite3_step(st), SQLITE_DONE);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return id;
}

/* A minute of timeline for run id: frequency steps, load, the variant switching among n. */
static void insert_timeline(sqlite3 *db, long long id, const char *const *variants, int n)
{
	sqlite3_stmt *st;
	cr_assert_eq(sqlite3_prepare_v2(db,
					"INSERT INTO timeline(run_id, t_s, freq_mhz, util_other,"
					" mem_avail_mb, variant, latency_ms)"
					" VALUES(?1, ?2, ?3, ?4, 2048, ?5, ?6)",
					-1, &st, NULL),
		     SQLITE_OK, "%s", sqlite3_errmsg(db));
	for (int k = 0; k < 600; k++) {
		double t = k * 0.1;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_double(st, 2, t);
		sqlite3_bind_double(st, 3, k < 300 ? 2400 : 1200);
		sqlite3_bind_double(st, 4, (k / 50) % 2 ? 0.6 : 0.1);
		sqlite3_bind_text(st, 5, variants[(k / 100) % n], -1, SQLITE_STATIC);
		if (k % 3)
			sqlite3_bind_double(st, 6, 30 + (k % 17));
		else
			sqlite3_bind_null(st, 6);
		cr_assert_eq(sqlite3_step(st), SQLITE_DONE, "%s", sqlite3_errmsg(db));
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
}

static const struct fake_run plain_runs[] = {
	{"nightly", "greedy", "", "mobilenet_v1", "traces/host_stress.csv", "pixel4", 1, 0.08,
	 69.5, 41.0, 20.0, 101},
	{"nightly", "adascale", "alpha=0.5", "mobilenet_v1", "traces/host_stress.csv", "pixel4",
	 1, 0.01, 70.2, 35.0, 18.0, 101},
	{"weekly", "static", "variant=mobilenet_v1:width=1.0", "mobilenet_v1",
	 "traces/calm.csv", "pixel4", 2, 0.20, 70.6, 52.0, 26.0, 101},
};

static void db_plain(void)
{
	sqlite3 *db = db_create();
	for (size_t i = 0; i < sizeof plain_runs / sizeof plain_runs[0]; i++)
		insert_run(db, &plain_runs[i]);
	sqlite3_close(db);
}

/* ---- helpers ---- */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	cr_assert_not_null(buf);
	size_t got = fread(buf, 1, (size_t)n, f);
	fclose(f);
	buf[got] = '\0';
	if (len)
		*len = got;
	return buf;
}

static char *out_file(const char *name, size_t *len)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", out_dir, name);
	return slurp(path, len);
}

static int out_exists(const char *name)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", out_dir, name);
	return access(path, F_OK) == 0;
}

static void assert_png(const char *name)
{
	size_t len = 0;
	char *png = out_file(name, &len);
	cr_assert_not_null(png, "%s was not written", name);
	cr_assert_gt(len, 2000, "%s is only %zu bytes", name, len);
	cr_assert_eq(memcmp(png, "\x89PNG\r\n\x1a\n", 8), 0, "%s is not a PNG", name);
	free(png);
}

static void assert_svg(const char *name)
{
	size_t len = 0;
	char *svg = out_file(name, &len);
	cr_assert_not_null(svg, "%s was not written", name);
	cr_assert_gt(len, 2000, "%s is only %zu bytes", name, len);
	cr_assert(strncmp(svg, "<?xml", 5) == 0 || strncmp(svg, "<svg", 4) == 0,
		  "%s does not start with an XML or svg tag", name);
	cr_assert_not_null(strstr(svg, "<svg"));
	free(svg);
}

static int run_report(const char *extra1, const char *extra2)
{
	static char verb[] = "report", db_opt[] = "--db", out_opt[] = "--out";
	char *argv[] = {verb, db_opt, db_path, out_opt, out_dir, NULL, NULL, NULL};
	int argc = 5;
	char a1[256], a2[256];
	if (extra1) {
		snprintf(a1, sizeof a1, "%s", extra1);
		argv[argc++] = a1;
	}
	if (extra2) {
		snprintf(a2, sizeof a2, "%s", extra2);
		argv[argc++] = a2;
	}
	return cmd_report(argc, argv);
}

/* Runs cmd_report with stderr captured into err (NUL-terminated). */
static int run_report_stderr(char *err, size_t len)
{
	char path[600];
	snprintf(path, sizeof path, "%s/stderr.txt", tmp_dir);
	fflush(stderr);
	int saved = dup(2);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert(saved >= 0 && fd >= 0);
	dup2(fd, 2);
	close(fd);
	int rc = run_report(NULL, NULL);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	char *text = slurp(path, NULL);
	cr_assert_not_null(text);
	snprintf(err, len, "%s", text);
	free(text);
	return rc;
}

static int count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* ---- the report as a user gets it ---- */

TestSuite(report, .init = setup, .fini = teardown, .timeout = 60 * TU_SLOW);

Test(report, writes_pages_and_images_for_several_runs)
{
	db_plain();
	cr_assert_eq(run_report(NULL, NULL), 0);
	static const char *const pngs[] = {"latency_cdf.png", "accuracy_energy.png",
					   "accuracy_latency.png", "miss_rate.png", "energy.png"};
	static const char *const svgs[] = {"latency_cdf.svg", "accuracy_energy.svg",
					   "accuracy_latency.svg", "miss_rate.svg", "energy.svg"};
	for (int i = 0; i < 5; i++) {
		assert_png(pngs[i]);
		assert_svg(svgs[i]);
	}
	char *html = out_file("index.html", NULL);
	char *md = out_file("report.md", NULL);
	cr_assert_not_null(html);
	cr_assert_not_null(md);
	cr_assert(strncmp(html, "<!DOCTYPE html>", 15) == 0);
	/* Self-contained: no scripts, no stylesheet or image from elsewhere. */
	cr_assert_null(strstr(html, "<script"));
	cr_assert_null(strstr(html, "http://"));
	cr_assert_null(strstr(html, "https://"));
	for (int i = 0; i < 3; i++) {
		char row[64];
		snprintf(row, sizeof row, "<tr id=\"run-%d\">", i + 1);
		cr_assert_not_null(strstr(html, row), "no row for run %d", i + 1);
		cr_assert_not_null(strstr(html, plain_runs[i].policy));
		char label[64];
		snprintf(label, sizeof label, "\\#%d %s (", i + 1, plain_runs[i].policy);
		cr_assert_not_null(strstr(md, label), "report.md does not name run %d", i + 1);
	}
	/* Every image in the folder is referred to by the page. */
	DIR *d = opendir(out_dir);
	cr_assert_not_null(d);
	struct dirent *e;
	int n_images = 0;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (n > 4 && (!strcmp(e->d_name + n - 4, ".png") ||
			      !strcmp(e->d_name + n - 4, ".svg"))) {
			char ref[300];
			snprintf(ref, sizeof ref, "\"%s\"", e->d_name);
			cr_assert_not_null(strstr(html, ref), "index.html does not refer to %s",
					   e->d_name);
			n_images++;
		}
	}
	closedir(d);
	/* Five figures, and five nightly trends (the runs carry two tags), in two formats. */
	cr_assert_eq(n_images, 20);
	assert_png("trend_ontime_top1.png");
	assert_png("trend_miss_rate.png");
	assert_svg("trend_energy.svg");
	/* Without timeline rows there is no timeline figure. */
	cr_assert(!out_exists("timeline_1.png"));
	/* Provenance is there. */
	cr_assert_not_null(strstr(html, "abcdef123456"));
	cr_assert_not_null(strstr(html, "tracesha"));
	cr_assert_not_null(strstr(html, "<details id=\"prov-2\">"));
	cr_assert_not_null(strstr(md, "tracesha"));
	free(html);
	free(md);
}

/* The cell of run id for a metric column: the text from its <td to </td>. */
static char *cell(const char *html, int id, const char *metric, char *buf, size_t len)
{
	char row[64], attr[96];
	snprintf(row, sizeof row, "<tr id=\"run-%d\"", id);
	snprintf(attr, sizeof attr, "data-metric=\"%s\">", metric);
	const char *r = strstr(html, row);
	cr_assert_not_null(r);
	const char *end = strstr(r, "</tr>");
	const char *a = strstr(r, attr);
	cr_assert(a && a < end, "run %d has no %s cell", id, metric);
	const char *td = a;
	while (td > r && strncmp(td, "<td", 3) != 0)
		td--;
	const char *close = strstr(a, "</td>");
	snprintf(buf, len, "%.*s", (int)(close - td), td);
	return buf;
}

Test(report, marks_the_best_value_of_each_column_by_its_direction)
{
	db_plain();
	cr_assert_eq(run_report(NULL, NULL), 0);
	char *html = out_file("index.html", NULL);
	char c[256];
	/* Lower is better: run 2 has the lowest miss rate, latency and energy. */
	cr_assert_not_null(strstr(cell(html, 2, "miss_rate", c, sizeof c), "best"), "%s", c);
	cr_assert_null(strstr(cell(html, 1, "miss_rate", c, sizeof c), "best"), "%s", c);
	cr_assert_null(strstr(cell(html, 3, "miss_rate", c, sizeof c), "best"), "%s", c);
	cr_assert_not_null(strstr(cell(html, 2, "lat_p99_ms", c, sizeof c), "best"), "%s", c);
	cr_assert_not_null(strstr(cell(html, 2, "energy_per_inf_mj", c, sizeof c), "best"));
	/* Higher is better: run 3 has the best top-1. */
	cr_assert_not_null(strstr(cell(html, 3, "mean_top1", c, sizeof c), "best"), "%s", c);
	cr_assert_null(strstr(cell(html, 2, "mean_top1", c, sizeof c), "best"), "%s", c);
	/* All equal (served, switches): nothing to mark, and no column: the caption above the
	 * table names the value once. */
	const char *row1 = strstr(html, "<tr id=\"run-1\"");
	cr_assert_not_null(row1);
	const char *row1_end = strstr(row1, "</tr>");
	const char *served_cell = strstr(row1, "data-metric=\"served\"");
	cr_assert(!served_cell || served_cell > row1_end, "a constant column stayed a column");
	cr_assert(tu_has(html, "The same in every row: "), "no caption");
	cr_assert(tu_has(html, "served <strong>"), "the caption names served");
	/* The values are shown: 1% miss rate for run 2. */
	cr_assert_not_null(strstr(cell(html, 2, "miss_rate", c, sizeof c), "1.00%"), "%s", c);
	free(html);
	char *md = out_file("report.md", NULL);
	cr_assert_not_null(strstr(md, "**1.00%**"));
	cr_assert_not_null(strstr(md, "**70.60**"));
	free(md);
}

Test(report, single_run_draws_only_the_latency_cdf)
{
	sqlite3 *db = db_create();
	insert_run(db, &plain_runs[0]);
	sqlite3_close(db);
	cr_assert_eq(run_report(NULL, NULL), 0);
	assert_png("latency_cdf.png");
	assert_svg("latency_cdf.svg");
	cr_assert(!out_exists("accuracy_energy.png"));
	cr_assert(!out_exists("miss_rate.png"));
	char *html = out_file("index.html", NULL);
	cr_assert_not_null(strstr(html, "\"latency_cdf.svg\""));
	cr_assert_null(strstr(html, "accuracy_energy"));
	cr_assert_null(strstr(html, "miss_rate.png"));
	free(html);
}

Test(report, draws_a_timeline_for_runs_that_recorded_one)
{
	sqlite3 *db = db_create();
	insert_run(db, &plain_runs[0]);
	long long id = insert_run(db, &plain_runs[1]);
	static const char *const variants[] = {"mobilenet_v1:width=1.0",
					       "mobilenet_v1:width=0.5,quant=int8"};
	insert_timeline(db, id, variants, 2);
	sqlite3_close(db);
	cr_assert_eq(run_report(NULL, NULL), 0);
	assert_png("timeline_1.png");
	assert_svg("timeline_1.svg");
	cr_assert(!out_exists("timeline_2.png"));
	char *html = out_file("index.html", NULL);
	cr_assert_not_null(strstr(html, "\"timeline_1.svg\""));
	cr_assert_not_null(strstr(html, "Timeline of run #2"));
	free(html);
	/* The SVG names the variants (without the model) on its axis. */
	char *svg = out_file("timeline_1.svg", NULL);
	cr_assert_not_null(strstr(svg, "width=0.5,quant=int8"));
	free(svg);
}

Test(report, a_smaller_report_into_the_same_folder_drops_old_figures)
{
	db_plain();
	cr_assert_eq(run_report(NULL, NULL), 0);
	cr_assert(out_exists("accuracy_energy.png"));
	cr_assert_eq(run_report("--runs", "2"), 0);
	cr_assert(!out_exists("accuracy_energy.png"));
	cr_assert(!out_exists("miss_rate.svg"));
	char *html = out_file("index.html", NULL);
	cr_assert_null(strstr(html, "accuracy_energy"));
	cr_assert_null(strstr(html, "<tr id=\"run-1\""));
	cr_assert_not_null(strstr(html, "<tr id=\"run-2\""));
	free(html);
}

Test(report, a_table_that_cannot_be_put_in_place_leaves_no_temporary_file)
{
	db_plain();
	cr_assert_eq(mkdir(out_dir, 0700), 0);
	char path[1024], cmd[1100], ls[1024];
	snprintf(path, sizeof path, "%s/runs.csv", out_dir);
	cr_assert_eq(mkdir(path, 0700), 0); /* the table's name is taken by a folder */
	struct errbuf eb = {0, ""};
	struct report_opts o = {db_path, out_dir, NULL, NULL,
				REPORT_FORMAT_CSV | REPORT_FORMAT_JSON};
	cr_assert_lt(report_generate(&o, NULL, &eb), 0);
	cr_expect_not_null(strstr(eb.msg, "runs.csv"), "%s", eb.msg);
	/* the report stops at the first failure, and leaves only what was there */
	snprintf(cmd, sizeof cmd, "ls -A '%s'", out_dir);
	cr_assert_eq(tu_run(cmd, ls, sizeof ls), 0);
	cr_expect_str_eq(ls, "runs.csv\n", "left behind: %s", ls);
}

/*
 * The objective leads: the accuracy of on-time answers is the first metric column of the
 * pages and tables, the served answers' mean top-1 beside it, and the accuracy axis of the
 * Pareto charts. The fixture stores ontime_top1 = top1 x (1 - miss_rate): 63.94, 69.498 and
 * 56.48 for runs 1-3, so run 2 is best on time while run 3 has the best served top-1.
 */
Test(report, the_on_time_accuracy_leads_tables_and_is_the_pareto_axis)
{
	db_plain();
	struct plot_sink *rec = plot_record_create(NULL);
	struct errbuf eb = {0, ""};
	struct report_opts o = {db_path, out_dir, NULL, NULL,
				 REPORT_FORMAT_HTML | REPORT_FORMAT_CSV};
	cr_assert_eq(report_generate(&o, rec, &eb), 0, "%s", eb.msg);
	char *html = out_file("index.html", NULL);
	char c[256];
	cr_assert_not_null(strstr(cell(html, 2, "ontime_top1", c, sizeof c), "best"), "%s", c);
	cr_assert_null(strstr(cell(html, 3, "ontime_top1", c, sizeof c), "best"), "%s", c);
	cr_assert_not_null(strstr(cell(html, 3, "mean_top1", c, sizeof c), "best"), "%s", c);
	/* in the runs table the objective comes right after the policy, before what varies */
	const char *runs = strstr(html, "<table class=\"runs\">");
	cr_assert_not_null(runs);
	const char *on = strstr(runs, "on-time top-1 (%)"), *sv = strstr(runs, "served top-1 (%)");
	const char *pol = strstr(runs, "<th>policy</th>");
	cr_assert(pol && on && sv && pol < on && on < sv, "column order");
	free(html);
	char *csv = out_file("runs.csv", NULL);
	cr_assert_not_null(strstr(csv, ",wall_s,ontime_top1,"), "%.400s", csv);
	free(csv);
	const char *cmd = plot_record_text(rec);
	cr_assert_not_null(strstr(cmd, "set ylabel 'on-time top-1 accuracy (%)'"));
	cr_assert_not_null(strstr(cmd, " 69.498 "), "%s", cmd);
	plot_sink_destroy(rec);
}

Test(report, tag_and_run_list_select_runs)
{
	db_plain();
	struct plot_sink *rec = plot_record_create(NULL);
	struct errbuf eb = {0, ""};
	struct report_opts o = {db_path, out_dir, "nightly", NULL, 0};
	cr_assert_eq(report_generate(&o, rec, &eb), 0, "%s", eb.msg);
	char *html = out_file("index.html", NULL);
	cr_assert_not_null(strstr(html, "<tr id=\"run-1\""));
	cr_assert_not_null(strstr(html, "<tr id=\"run-2\""));
	cr_assert_null(strstr(html, "<tr id=\"run-3\""));
	free(html);
	plot_sink_destroy(rec);

	rec = plot_record_create(NULL);
	struct report_opts o2 = {db_path, out_dir, NULL, "1,3-3", 0};
	cr_assert_eq(report_generate(&o2, rec, &eb), 0, "%s", eb.msg);
	html = out_file("index.html", NULL);
	cr_assert_not_null(strstr(html, "<tr id=\"run-1\""));
	cr_assert_null(strstr(html, "<tr id=\"run-2\""));
	cr_assert_not_null(strstr(html, "<tr id=\"run-3\""));
	/* A recording draws nothing, so the page links no image. */
	cr_assert_null(strstr(html, ".png\""));
	cr_assert_null(strstr(html, ".svg\""));
	cr_assert_not_null(strstr(html, "No figures were drawn."));
	free(html);
	/* ... but the commands for them were sent. */
	const char *cmd = plot_record_text(rec);
	cr_assert_not_null(strstr(cmd, "set output 'latency_cdf.png'"));
	cr_assert_not_null(strstr(cmd, "set output 'miss_rate.svg'"));
	plot_sink_destroy(rec);

	cr_assert_eq(run_report("--tag", "nosuchtag"), 2);
	cr_assert_eq(run_report("--runs", "7-9"), 2);
	cr_assert_eq(run_report("--runs", "2,x"), 2);
	cr_assert_eq(run_report("--runs", "5-3"), 2);
	cr_assert_eq(run_report("--bogus", "1"), 2);
	cr_assert_eq(run_report("--format", "pdf"), 2);
	cr_assert_eq(run_report("--format", "html,"), 2);
}

Test(report, runs_that_differ_by_seed_are_one_curve_and_one_bar)
{
	sqlite3 *db = db_create();
	exec_ok(db, "BEGIN");
	static const char *const pols[] = {"greedy", "reactive", "adascale"};
	for (int i = 0; i < 30; i++) {
		struct fake_run r = plain_runs[i % 3];
		r.policy = pols[i % 3];
		r.seed = i;
		r.lat_ms += i;
		insert_run(db, &r);
	}
	exec_ok(db, "COMMIT");
	sqlite3_close(db);
	struct plot_sink *rec = plot_record_create(NULL);
	struct errbuf eb = {0, ""};
	struct report_opts o = {db_path, out_dir, NULL, NULL, 0};
	cr_assert_eq(report_generate(&o, rec, &eb), 0, "%s", eb.msg);
	const char *cmd = plot_record_text(rec);
	const char *cdf = strstr(cmd, "set output 'latency_cdf.png'");
	const char *end = strstr(cmd, "set output 'latency_cdf.svg'");
	cr_assert(cdf && end);
	const char *plot = strstr(cdf, "\nplot ");
	cr_assert(plot && plot < end);
	const char *eol = strchr(plot + 1, '\n');
	char line[4096];
	snprintf(line, sizeof line, "%.*s", (int)(eol - plot), plot);
	cr_assert_eq(count(line, "title "), 3, "%s", line);
	/* The runs of a policy differ only by seed: one configuration, one curve. */
	cr_assert_not_null(strstr(line, "'reactive, nightly, host_stress (mean of 10 runs)'"),
			   "%s", line);
	/* Three bars, one per configuration, each with its error bar over the 10 seeds. */
	const char *bars = strstr(cmd, "$bars << EOD\n");
	cr_assert_not_null(bars);
	const char *bars_end = strstr(bars, "\nEOD\n");
	int n_lines = 0;
	for (const char *p = bars; p < bars_end; p++)
		n_lines += *p == '\n';
	cr_assert_eq(n_lines, 3);
	const char *err = strstr(bars_end, "$err << EOD\n");
	cr_assert_not_null(err);
	n_lines = 0;
	for (const char *p = err; p < strstr(err, "\nEOD\n"); p++)
		n_lines += *p == '\n';
	cr_assert_eq(n_lines, 3);
	plot_sink_destroy(rec);
	/* Drawn for real, the figure says how it grouped the runs. */
	cr_assert_eq(run_report(NULL, NULL), 0);
	assert_png("latency_cdf.png");
	char *html = out_file("index.html", NULL);
	cr_assert_not_null(strstr(html, "differ only by seed are one curve"), "%s", html);
	free(html);
}

/* ---- bad input ---- */

Test(report, missing_database_exits_2_naming_the_file)
{
	char err[2048];
	cr_assert_eq(run_report_stderr(err, sizeof err), 2);
	cr_assert(strncmp(err, "adascale: ", 10) == 0, "%s", err);
	cr_assert_not_null(strstr(err, db_path), "%s", err);
	cr_assert(!out_exists("index.html"));
	cr_assert(access(out_dir, F_OK) != 0, "the output folder was created");
}

Test(report, empty_database_exits_2_naming_the_file)
{
	struct errbuf eb = {0, ""};
	struct store *s = store_open(db_path, &eb);
	cr_assert_not_null(s);
	store_close(s);
	char err[2048];
	cr_assert_eq(run_report_stderr(err, sizeof err), 2);
	cr_assert_not_null(strstr(err, db_path), "%s", err);
	cr_assert_not_null(strstr(err, "no runs"), "%s", err);
	cr_assert(!out_exists("index.html"));
}

/* Readers honour the writers' busy timeout setting, and refuse a bad one before reading. */
Test(report, a_bad_busy_timeout_setting_exits_2_naming_the_variable)
{
	struct errbuf eb = {0, ""};
	struct store *s = store_open(db_path, &eb);
	cr_assert_not_null(s);
	store_close(s);
	setenv("ADASCALE_DB_TIMEOUT_S", "soon", 1);
	char err[2048];
	int rc = run_report_stderr(err, sizeof err);
	unsetenv("ADASCALE_DB_TIMEOUT_S");
	cr_assert_eq(rc, 2, "%s", err);
	cr_assert_not_null(strstr(err, "ADASCALE_DB_TIMEOUT_S=soon: seconds in [0, 86400]"), "%s",
			   err);
	cr_assert(!out_exists("index.html"));
}

Test(report, wrong_schema_version_exits_2_naming_the_file)
{
	sqlite3 *db = NULL;
	cr_assert_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	exec_ok(db, store_schema_sql());
	exec_ok(db, "PRAGMA user_version = 9");
	sqlite3_close(db);
	char err[2048];
	cr_assert_eq(run_report_stderr(err, sizeof err), 2);
	cr_assert_not_null(strstr(err, db_path), "%s", err);
	cr_assert_not_null(strstr(err, "schema version 9"), "%s", err);

	/* A SQLite database that is someone else's (version 0, no runs table). */
	unlink(db_path);
	cr_assert_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	exec_ok(db, "CREATE TABLE t(x)");
	sqlite3_close(db);
	cr_assert_eq(run_report_stderr(err, sizeof err), 2);
	cr_assert_not_null(strstr(err, "not an adascale results database"), "%s", err);
}

Test(report, a_file_that_is_not_a_database_exits_2)
{
	FILE *f = fopen(db_path, "w");
	cr_assert_not_null(f);
	fputs("time_s,freq_mhz\n0,1800\n1,1200\n", f);
	for (int i = 0; i < 200; i++)
		fputs("padding padding padding padding\n", f);
	fclose(f);
	char err[2048];
	cr_assert_eq(run_report_stderr(err, sizeof err), 2);
	cr_assert_not_null(strstr(err, db_path), "%s", err);
	cr_assert_not_null(strstr(err, "not an SQLite database"), "%s", err);
}

Test(report, a_missing_gnuplot_is_a_clear_error)
{
	db_plain();
	setenv("ADASCALE_GNUPLOT", "/nonexistent/bin/gnuplot", 1);
	char err[2048];
	cr_assert_eq(run_report_stderr(err, sizeof err), 1);
	cr_assert_not_null(strstr(err, "cannot run gnuplot"), "%s", err);
	cr_assert_not_null(strstr(err, "/nonexistent/bin/gnuplot"), "%s", err);
	cr_assert(!out_exists("index.html"));
	unsetenv("ADASCALE_GNUPLOT");
}

Test(report, a_failing_gnuplot_script_is_reported_with_its_message)
{
	cr_assert_eq(mkdir(out_dir, 0700), 0);
	struct errbuf eb = {0, ""};
	struct plot_sink *s = plot_gnuplot_create(NULL, out_dir, &eb);
	cr_assert_not_null(s, "%s", eb.msg);
	plot_write(s, "print 1\nnot_a_gnuplot_command 42\n");
	cr_assert_eq(plot_finish(s, &eb), ERR_CHILD);
	cr_assert_not_null(strstr(eb.msg, "exited with status"), "%s", eb.msg);
	cr_assert_not_null(strstr(eb.msg, "invalid command"), "%s", eb.msg);
	plot_sink_destroy(s);

	s = plot_gnuplot_create(NULL, out_dir, &eb);
	cr_assert_not_null(s);
	plot_write(s, "print 1\n");
	cr_assert_eq(plot_finish(s, &eb), 0, "%s", eb.msg);
	plot_sink_destroy(s);
}

/* ---- hostile names ---- */

static const char hostile_policy[] =
	"gr'eedy\"; system(\"touch PWNED\") # \n!touch PWNED3\n`touch PWNED2`";
static const char hostile_tag[] =
	"''<script>alert(1)</script>'; print system('touch PWNED'); '\\";
static const char hostile_trace[] = "traces/`touch PWNED2`;x'.csv";
static const char hostile_device[] = "dev\r\n!touch PWNED3\n@GPVAL_PWD $d {_^} & ~ \x01";
static const char hostile_model[] = "m''''x\"`touch PWNED2`\" | a*b_c [l](u) <b>";
static const char hostile_params[] = "a=1; b='2'\nplot sin(x) # `touch PWNED2`";

static void db_hostile(void)
{
	sqlite3 *db = db_create();
	struct fake_run r = {hostile_tag,    hostile_policy, hostile_params, hostile_model,
			     hostile_trace,  hostile_device, 7,              0.05,
			     68.0,           30.0,           15.0,           101};
	long long id = insert_run(db, &r);
	static const char *const variants[] = {
		"m:width=1'`touch PWNED2`\nplot 1", "m:x\"; system('touch PWNED') #",
		"!touch PWNED3"};
	insert_timeline(db, id, variants, 3);
	r.seed = 8;
	r.miss_rate = 0.02;
	r.energy_mj = 19.0;
	r.top1 = 70.0;
	insert_run(db, &r);
	insert_run(db, &plain_runs[0]);
	sqlite3_close(db);
}

static void assert_no_pwned(const char *dir)
{
	static const char *const names[] = {"PWNED", "PWNED2", "PWNED3"};
	for (int i = 0; i < 3; i++) {
		char path[1024];
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		cr_assert(access(path, F_OK) != 0, "%s exists: a name reached a shell", path);
	}
}

Test(report, hostile_names_reach_no_shell_and_are_escaped)
{
	db_hostile();
	cr_assert_eq(chdir(tmp_dir), 0);
	cr_assert_eq(run_report(NULL, NULL), 0);
	assert_no_pwned(tmp_dir);
	assert_no_pwned(out_dir);
	assert_png("latency_cdf.png");
	assert_png("accuracy_energy.png");
	assert_png("miss_rate.png");
	assert_png("timeline_1.png");
	assert_svg("latency_cdf.svg");

	char *html = out_file("index.html", NULL);
	cr_assert_null(strstr(html, "<script"));
	cr_assert_null(strstr(html, "</script"));
	cr_assert_null(strstr(html, "(u) <b>"));
	cr_assert_not_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;&#39;"));
	cr_assert_not_null(strstr(html, "gr&#39;eedy&quot;; system(&quot;touch PWNED&quot;)"));
	cr_assert_not_null(strstr(html, "&lt;b&gt;"));
	/* No control character (the device's \x01, \r) survives. */
	for (const char *p = html; *p; p++)
		cr_assert(*p == '\n' || (unsigned char)*p >= 0x20,
			  "control character 0x%02x in index.html", (unsigned char)*p);
	free(html);

	char *md = out_file("report.md", NULL);
	cr_assert_null(strstr(md, "<script"));
	cr_assert_null(strstr(md, "<b>"));
	cr_assert_not_null(strstr(md, "&lt;script&gt;"));
	/* Every table row stays one line: the newlines in names became spaces. */
	cr_assert_not_null(strstr(md, "gr'eedy\"; system(\"touch PWNED\") \\#  !touch"));
	free(md);

	/* The SVG text is escaped by gnuplot itself. */
	char *svg = out_file("latency_cdf.svg", NULL);
	cr_assert_null(strstr(svg, "<script"));
	free(svg);
}

/*
 * Walks gnuplot command text the way gnuplot's scanner does and checks that every name
 * stayed inside its single-quoted literal: each literal closes on its own line and is
 * followed by a separator, nothing from a name (PWNED, a backquote) appears outside a
 * single-quoted literal, and datablocks hold numbers only.
 */
static void assert_names_inert(const char *text)
{
	const char *p = text;
	int line_no = 0;
	while (*p) {
		const char *eol = strchr(p, '\n');
		cr_assert_not_null(eol, "the command text does not end with a newline");
		line_no++;
		char line[65536];
		size_t len = (size_t)(eol - p);
		cr_assert_lt(len, sizeof line);
		memcpy(line, p, len);
		line[len] = '\0';
		p = eol + 1;
		if (strstr(line, "<< EOD")) {
			/* Datablock: numbers (or NaN) only, until EOD; blank lines separate blocks. */
			while (*p && strncmp(p, "EOD\n", 4) != 0) {
				const char *e = strchr(p, '\n');
				cr_assert_not_null(e);
				char row[512];
				cr_assert_lt((size_t)(e - p), sizeof row);
				snprintf(row, sizeof row, "%.*s", (int)(e - p), p);
				char *save = NULL;
				for (char *tok = strtok_r(row, " ", &save); tok;
				     tok = strtok_r(NULL, " ", &save)) {
					char *end = NULL;
					strtod(tok, &end);
					cr_assert(!strcmp(tok, "NaN") || (end != tok && *end == '\0'),
						  "datablock after command line %d holds '%s'",
						  line_no, tok);
				}
				p = e + 1;
			}
			cr_assert(strncmp(p, "EOD\n", 4) == 0, "unterminated datablock");
			p += 4;
			continue;
		}
		cr_assert(line[0] != '!', "line %d starts a shell command: %s", line_no, line);
		cr_assert(len == 0 || line[len - 1] != '\\', "line %d continues: %s", line_no,
			  line);
		/* Scan: outside text must not hold names. */
		char outside[65536];
		size_t o = 0;
		for (size_t i = 0; i < len; i++) {
			if (line[i] == '\'') {
				size_t j = i + 1;
				while (j < len && line[j] != '\'')
					j++;
				cr_assert_lt(j, len, "line %d: literal not closed: %s", line_no, line);
				char after = line[j + 1];
				cr_assert(after == '\0' || strchr(" ,)\n", after),
					  "line %d: a literal is followed by '%c': %s", line_no,
					  after, line);
				i = j;
				outside[o++] = ' ';
			} else if (line[i] == '"') {
				size_t j = i + 1;
				while (j < len && line[j] != '"')
					j++;
				cr_assert_lt(j, len, "line %d: string not closed: %s", line_no, line);
				/* Double quotes allow backquote substitution: ours hold no names. */
				for (size_t k = i; k <= j; k++)
					cr_assert(line[k] != '`', "line %d: backquote in \"\": %s",
						  line_no, line);
				i = j;
				outside[o++] = ' ';
			} else {
				outside[o++] = line[i];
			}
		}
		outside[o] = '\0';
		cr_assert_null(strchr(outside, '`'), "line %d: backquote outside a literal: %s",
			       line_no, line);
		cr_assert_null(strchr(outside, '@'), "line %d: macro outside a literal: %s",
			       line_no, line);
		cr_assert_null(strstr(outside, "PWNED"), "line %d: a name outside a literal: %s",
			       line_no, line);
		cr_assert_null(strstr(outside, "system"), "line %d: system() outside: %s",
			       line_no, line);
		cr_assert_null(strchr(outside, '#'), "line %d: a comment cuts the line: %s",
			       line_no, line);
	}
}

Test(report, recorded_commands_keep_every_name_inside_a_literal)
{
	db_hostile();
	struct plot_sink *rec = plot_record_create(NULL);
	struct errbuf eb = {0, ""};
	struct report_opts o = {db_path, out_dir, NULL, NULL, 0};
	cr_assert_eq(report_generate(&o, rec, &eb), 0, "%s", eb.msg);
	const char *cmd = plot_record_text(rec);
	cr_assert_not_null(strstr(cmd, "PWNED"), "the names did not reach the figures at all");
	cr_assert_not_null(strstr(cmd, "noenhanced"));
	assert_names_inert(cmd);
	/* The policy shows up as one literal with its quote and newlines made harmless. */
	cr_assert_not_null(strstr(cmd, "gr\xE2\x80\x99" "eedy\"; system(\"touch PWNED\") #  "
					"!touch PWNED3 \xE2\x80\x98touch PWNED2\xE2\x80\x98"));
	plot_sink_destroy(rec);
}

/* Feeds literals to a real gnuplot and reads back the strings it understood. */
Test(report, quoted_strings_reach_gnuplot_as_plain_text)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{"plain", "plain"},
		{"it's", "it\xE2\x80\x99s"},
		{"'starts with a quote", "\xE2\x80\x99starts with a quote"},
		{"a''''b", "a\xE2\x80\x99\xE2\x80\x99\xE2\x80\x99\xE2\x80\x99" "b"},
		{"`touch PWNED2`", "\xE2\x80\x98touch PWNED2\xE2\x80\x98"},
		{"x\"; system(\"touch PWNED\"); \"", "x\"; system(\"touch PWNED\"); \""},
		{"line\nbreak\r\tand !touch PWNED3", "line break  and !touch PWNED3"},
		{"@GPVAL_PWD and @x", "@GPVAL_PWD and @x"},
		{"back\\slash \\n \\047", "back\\slash \\n \\047"},
		{"# not a comment; $d {_^}", "# not a comment; $d {_^}"},
		{"bad \xff\xfe utf8 \xC3\xA9", "bad ?? utf8 \xC3\xA9"},
		{"", ""},
	};
	int n = (int)(sizeof cases / sizeof cases[0]);
	cr_assert_eq(mkdir(out_dir, 0700), 0);
	cr_assert_eq(chdir(tmp_dir), 0);
	struct errbuf eb = {0, ""};
	struct plot_sink *s = plot_gnuplot_create(NULL, out_dir, &eb);
	cr_assert_not_null(s, "%s", eb.msg);
	plot_write(s, "set print 'strings.txt'\n");
	for (int i = 0; i < n; i++) {
		plot_write(s, "print ");
		plot_str(s, cases[i].in);
		plot_write(s, "\n");
	}
	plot_write(s, "unset print\n");
	cr_assert_eq(plot_finish(s, &eb), 0, "%s", eb.msg);
	plot_sink_destroy(s);
	assert_no_pwned(tmp_dir);
	assert_no_pwned(out_dir);

	char *got = out_file("strings.txt", NULL);
	cr_assert_not_null(got);
	char *line = got;
	for (int i = 0; i < n; i++) {
		char *eol = strchr(line, '\n');
		cr_assert_not_null(eol, "gnuplot printed %d of %d strings", i, n);
		*eol = '\0';
		cr_assert_str_eq(line, cases[i].want, "case %d", i);
		line = eol + 1;
	}
	cr_assert_str_eq(line, "");
	free(got);
}

Test(report, quote_cuts_long_names_at_a_character_boundary)
{
	char big[1000];
	/* 500 bytes of two-byte characters: cut to at most PLOT_QUOTE_MAX_TEXT bytes. */
	for (int i = 0; i < 250; i++)
		memcpy(big + 2 * i, "\xC3\xA9", 2);
	big[500] = '\0';
	char lit[PLOT_QUOTE_LEN];
	size_t n = plot_quote(lit, sizeof lit, big);
	cr_assert_eq(n, strlen(lit));
	cr_assert_eq(lit[0], '\'');
	cr_assert_eq(lit[n - 1], '\'');
	cr_assert(n - 2 <= PLOT_QUOTE_MAX_TEXT, "kept %zu bytes", n - 2);
	cr_assert_eq(strncmp(lit + n - 4, "...", 3), 0, "%s", lit);
	/* Every kept character is whole. */
	for (const char *p = lit + 1; p < lit + n - 4;) {
		int k = utf8_seq_len(p);
		cr_assert_gt(k, 0);
		p += k;
	}
	/* A small buffer still gets a closed literal. */
	char small[12];
	n = plot_quote(small, sizeof small, "it's a long name");
	cr_assert_eq(small[0], '\'');
	cr_assert_eq(small[n - 1], '\'');
	cr_assert_lt(n, sizeof small);
	for (size_t i = 1; i + 1 < n; i++)
		cr_assert_neq(small[i], '\'');
	/* NULL is the empty string. */
	plot_quote(small, sizeof small, NULL);
	cr_assert_str_eq(small, "''");
}

Test(report, html_and_markdown_escaping)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	report_html_put(f, "<a href=\"x\">'&'</a>\n\x01\xff", 0);
	fclose(f);
	cr_assert_str_eq(buf, "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;  "
			      "\xEF\xBF\xBD");
	free(buf);

	f = open_memstream(&buf, &len);
	report_md_put(f, "a|b *c* _d_ <i> [x](y) `z`\nnext");
	fclose(f);
	cr_assert_str_eq(buf, "a\\|b \\*c\\* \\_d\\_ &lt;i&gt; \\[x\\](y) \\`z\\` next");
	free(buf);

	f = open_memstream(&buf, &len);
	report_md_code_block(f, "x ```` y");
	fclose(f);
	cr_assert_str_eq(buf, "`````text\nx ```` y\n`````\n");
	free(buf);
}

/*
 * Every escaper of names (HTML, HTML in <pre>, Markdown, a Markdown code block, CSV, JSON,
 * a gnuplot literal, an error message) on the same tricky inputs. The expected outputs
 * follow each format's rule as the headers state it: a byte that is not part of
 * well-formed UTF-8 becomes U+FFFD (\ufffd in JSON, '?' in gnuplot, \xNN in messages),
 * each such byte on its own; well-formed characters pass whole.
 */
#define RC "\xEF\xBF\xBD" /* U+FFFD */
static const struct escape_case {
	int id;
	const char *in;
	const char *html, *pre, *md, *code, *csv, *json, *plot, *err;
} escape_cases[] = {
	/* 2-, 3-, 4-byte characters and U+10FFFF, the last code point */
	{1, "a\xC3\xA9\xE6\x97\xA5\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF",
	 "a\xC3\xA9\xE6\x97\xA5\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF",
	 "a\xC3\xA9\xE6\x97\xA5\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF",
	 "a\xC3\xA9\xE6\x97\xA5\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF",
	 "```text\na\xC3\xA9\xE6\x97\xA5\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF\n```\n",
	 "a\xC3\xA9\xE6\x97\xA5\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF",
	 "\"a\xC3\xA9\xE6\x97\xA5\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF\"",
	 "'a\xC3\xA9\xE6\x97\xA5\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF'",
	 "a\xC3\xA9\xE6\x97\xA5\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF"},
	/* overlong '/' in two bytes */
	{2, "\xC0\xAF", RC RC, RC RC, RC RC, "```text\n" RC RC "\n```\n", RC RC,
	 "\"\\ufffd\\ufffd\"", "'\?\?'", "\\xc0\\xaf"},
	/* overlong '/' in three bytes */
	{3, "\xE0\x80\xAF", RC RC RC, RC RC RC, RC RC RC, "```text\n" RC RC RC "\n```\n",
	 RC RC RC, "\"\\ufffd\\ufffd\\ufffd\"", "'\?\?\?'", "\\xe0\\x80\\xaf"},
	/* a surrogate, U+D800 */
	{4, "\xED\xA0\x80", RC RC RC, RC RC RC, RC RC RC, "```text\n" RC RC RC "\n```\n",
	 RC RC RC, "\"\\ufffd\\ufffd\\ufffd\"", "'\?\?\?'", "\\xed\\xa0\\x80"},
	/* above U+10FFFF */
	{5, "\xF4\x90\x80\x80", RC RC RC RC, RC RC RC RC, RC RC RC RC,
	 "```text\n" RC RC RC RC "\n```\n", RC RC RC RC,
	 "\"\\ufffd\\ufffd\\ufffd\\ufffd\"", "'\?\?\?\?'", "\\xf4\\x90\\x80\\x80"},
	/* a sequence cut short by the next character, and one cut by the end */
	{6, "\xE6\x97x\xF0\x9F\x98", RC RC "x" RC RC RC, RC RC "x" RC RC RC,
	 RC RC "x" RC RC RC, "```text\n" RC RC "x" RC RC RC "\n```\n", RC RC "x" RC RC RC,
	 "\"\\ufffd\\ufffdx\\ufffd\\ufffd\\ufffd\"", "'\?\?x\?\?\?'", "\\xe6\\x97x\\xf0\\x9f\\x98"},
	/* a stray continuation byte, then a whole character */
	{7, "\x80\xC3\xA9", RC "\xC3\xA9", RC "\xC3\xA9", RC "\xC3\xA9",
	 "```text\n" RC "\xC3\xA9\n```\n", RC "\xC3\xA9", "\"\\ufffd\xC3\xA9\"", "'\?\xC3\xA9'",
	 "\\x80\xC3\xA9"},
	/* control characters: tab, newline, CR, SOH, an escape sequence, DEL */
	{8, "a\tb\nc\rd\x01" "e\x1b[0m\x7f", "a b c d e [0m ", "a b\nc d e [0m ",
	 "a b c d e \\[0m ", "```text\na\tb\nc d e [0m \n```\n", "\"a b c d e [0m \"",
	 "\"a\\tb\\nc\\rd\\u0001e\\u001b[0m\\u007f\"", "'a b c d e [0m '",
	 "a\tb\nc\\x0dd\\x01e\\x1b[0m\\x7f"},
	/* markup of every format */
	{9, "<&>\"'`|*_[]~#\\,", "&lt;&amp;&gt;&quot;&#39;`|*_[]~#\\,",
	 "&lt;&amp;&gt;&quot;&#39;`|*_[]~#\\,",
	 "&lt;&amp;&gt;\"'\\`\\|\\*\\_\\[\\]\\~\\#\\\\,", "```text\n<&>\"'`|*_[]~#\\,\n```\n",
	 "\"<&>\"\"'`|*_[]~#\\,\"", "\"<&>\\\"'`|*_[]~#\\\\,\"",
	 "'<&>\"\xE2\x80\x99\xE2\x80\x98|*_[]~#\\,'", "<&>\"'`|*_[]~#\\,"},
	/* broken bytes around markup */
	{10, "\xFF<\xC3", RC "&lt;" RC, RC "&lt;" RC, RC "&lt;" RC, "```text\n" RC "<" RC "\n```\n",
	 RC "<" RC, "\"\\ufffd<\\ufffd\"", "'\?<\?'", "\\xff<\\xc3"},
	/* blanks at the ends and a leading '#' (CSV quotes them) */
	{11, " #x ", " #x ", " #x ", " \\#x ", "```text\n #x \n```\n", "\" #x \"", "\" #x \"",
	 "' #x '", " #x "},
	/* nothing */
	{12, "", "", "", "", "```text\n\n```\n", "", "\"\"", "''", ""},
};
#undef RC

static void html_text(FILE *f, const char *s) { report_html_put(f, s, 0); }
static void html_pre(FILE *f, const char *s) { report_html_put(f, s, 1); }

/* Checks that put writes want for case c's input. */
static void expect_written(const struct escape_case *c, const char *name,
			   void (*put)(FILE *f, const char *s), const char *want)
{
	char *got = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&got, &len);
	cr_assert_not_null(f);
	put(f, c->in);
	cr_assert_eq(fclose(f), 0);
	cr_expect_str_eq(got, want, "case %d, %s", c->id, name);
	free(got);
}

Test(report, every_escaper_treats_broken_utf8_and_control_characters_by_its_rule)
{
	for (size_t i = 0; i < sizeof escape_cases / sizeof escape_cases[0]; i++) {
		const struct escape_case *c = &escape_cases[i];
		expect_written(c, "html", html_text, c->html);
		expect_written(c, "html pre", html_pre, c->pre);
		expect_written(c, "markdown", report_md_put, c->md);
		expect_written(c, "code block", report_md_code_block, c->code);
		expect_written(c, "csv", report_csv_put, c->csv);
		expect_written(c, "json", report_json_put, c->json);
		char lit[PLOT_QUOTE_LEN];
		plot_quote(lit, sizeof lit, c->in);
		cr_expect_str_eq(lit, c->plot, "case %d, gnuplot", c->id);
		struct errbuf eb = {0, ""};
		err_set(&eb, ERR_PARSE, "%s", c->in);
		cr_expect_str_eq(eb.msg, c->err, "case %d, error message", c->id);
	}
}

/* ---- statistics, labels, configurations, tables, trends ---- */

Test(report, ci_math_matches_a_hand_computed_example)
{
	/*
	 * 1, 2, 3, 4, 5: mean 3, s = sqrt(10 / 4) = 1.5811388; t(0.975, 4) = 2.7764451 (any
	 * t table, e.g. NIST/SEMATECH e-Handbook of Statistical Methods, 1.3.6.7.2), so the
	 * half-width is 2.7764451 * 1.5811388 / sqrt(5) = 1.9632432.
	 */
	double x[] = {1, 2, 3, 4, 5};
	struct stats_summary s;
	stats_summarize(x, 5, &s);
	cr_assert_float_eq(s.mean, 3.0, 1e-12);
	cr_assert_float_eq(s.sd, 1.58113883, 1e-8);
	cr_assert_float_eq(s.ci95, 1.96324316, 1e-7);
	/* Critical values t(0.975, df) from the same table. */
	static const struct {
		int df;
		double t;
	} table[] = {{1, 12.706}, {2, 4.303}, {3, 3.182}, {4, 2.776}, {5, 2.571},
		     {10, 2.228}, {20, 2.086}, {30, 2.042}, {100, 1.984}};
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
		cr_assert_float_eq(stats_t_quantile(0.975, table[i].df), table[i].t, 5e-4,
				   "df %d", table[i].df);
	/* The CDF of the Cauchy case (df 1) has the closed form 1/2 + atan(t) / pi. */
	cr_assert_float_eq(stats_t_cdf(2.0, 1), 0.5 + atan(2.0) / 3.14159265358979, 1e-12);
	cr_assert_float_eq(stats_t_quantile(0.025, 7), -stats_t_quantile(0.975, 7), 1e-12);
	/* One value has no interval; none has no mean. */
	stats_summarize(x, 1, &s);
	cr_assert(s.mean == 1 && isnan(s.sd) && isnan(s.ci95));
	stats_summarize(x, 0, &s);
	cr_assert(isnan(s.mean));
}

/* A database of one configuration over three seeds plus two static runs. */
static void db_seeds(void)
{
	sqlite3 *db = db_create();
	static const double miss[] = {0.1, 0.2, 0.3};
	for (int k = 0; k < 3; k++) {
		struct fake_run r = plain_runs[0];
		r.seed = k + 1;
		r.miss_rate = miss[k];
		insert_run(db, &r);
	}
	struct fake_run best = {"nightly", "static", "variant=best,threads=max", "mobilenet_v1",
				"traces/host_stress.csv", "pixel4", 1, 0.77, 70.9, 67.3, 13.5, 101};
	struct fake_run fastest = best;
	fastest.params = "variant=fastest,threads=max";
	fastest.miss_rate = 0;
	fastest.top1 = 41.5;
	fastest.energy_mj = 6.0;
	insert_run(db, &best);
	insert_run(db, &fastest);
	sqlite3_close(db);
}

Test(report, labels_name_only_the_parameters_that_differ)
{
	db_seeds();
	cr_assert_eq(run_report("--format", "html,json"), 0);
	char *html = out_file("index.html", NULL);
	/* Three configurations: greedy over 3 seeds, and the two static ones. */
	cr_assert_not_null(strstr(html, "<tr id=\"group-3\">"), "%s", html);
	cr_assert_null(strstr(html, "<tr id=\"group-4\">"));
	cr_assert_not_null(strstr(html, "<td class=\"name\">static:variant=best</td>"), "%s", html);
	cr_assert_not_null(strstr(html, "<td class=\"name\">static:variant=fastest</td>"));
	cr_assert_null(strstr(html, "static:variant=best,threads"));
	cr_assert_not_null(strstr(html, "<td class=\"name\">greedy</td>"));
	/* The interval of the greedy miss rate: 20.00% +- 24.84%. */
	char c[256];
	snprintf(c, sizeof c, "20.00%% \xC2\xB1 24.84%%");
	cr_assert_not_null(strstr(html, c), "%s", html);
	free(html);
	char *json = out_file("report.json", NULL);
	cr_assert_not_null(strstr(json, "\"policy_label\":\"static:variant=fastest\""));
	free(json);
	/* The figures name them the same way. */
	struct plot_sink *rec = plot_record_create(NULL);
	struct errbuf eb = {0, ""};
	struct report_opts o = {db_path, out_dir, NULL, NULL, 0};
	cr_assert_eq(report_generate(&o, rec, &eb), 0, "%s", eb.msg);
	const char *cmd = plot_record_text(rec);
	cr_assert_not_null(strstr(cmd, "'#4 static:variant=best (host_stress, seed 1)'"));
	cr_assert_not_null(strstr(cmd, "'greedy (mean of 3 runs)'"));
	plot_sink_destroy(rec);
}

Test(report, csv_tables_parse_and_carry_the_interval)
{
	db_seeds();
	cr_assert_eq(run_report("--format", "csv"), 0);
	/* csv only: no page, no figure. */
	cr_assert(!out_exists("index.html"));
	cr_assert(!out_exists("latency_cdf.png"));
	char path[1024];
	snprintf(path, sizeof path, "%s/configurations.csv", out_dir);
	struct errbuf eb = {0, ""};
	struct csvin *c = csvin_open(path, &eb);
	cr_assert_not_null(c, "%s", eb.msg);
	int label = csvin_col(c, "policy_label"), n = csvin_col(c, "miss_rate_n");
	int mean = csvin_col(c, "miss_rate_mean"), lo = csvin_col(c, "miss_rate_ci95_low");
	int hi = csvin_col(c, "miss_rate_ci95_high"), best = csvin_col(c, "miss_rate_best");
	int seeds = csvin_col(c, "seeds");
	cr_assert(label >= 0 && n >= 0 && mean >= 0 && lo >= 0 && hi >= 0 && best >= 0);
	cr_assert_eq(csvin_n_cols(c), 15 + 6 * metrics_n);
	cr_assert_eq(csvin_next(c, &eb), 1, "%s", eb.msg);
	cr_assert_str_eq(csvin_field(c, label), "greedy");
	cr_assert_str_eq(csvin_field(c, n), "3");
	cr_assert_str_eq(csvin_field(c, seeds), "1 2 3");
	double v;
	/* 0.1, 0.2, 0.3: mean 0.2, s = 0.1, half-width 4.302653 * 0.1 / sqrt(3) = 0.2484138. */
	cr_assert_eq(csvin_double(c, mean, &v, &eb), 0);
	cr_assert_float_eq(v, 0.2, 1e-12);
	cr_assert_eq(csvin_double(c, lo, &v, &eb), 0);
	cr_assert_float_eq(v, 0.2 - 0.24841377, 1e-7);
	cr_assert_eq(csvin_double(c, hi, &v, &eb), 0);
	cr_assert_float_eq(v, 0.2 + 0.24841377, 1e-7);
	cr_assert_str_eq(csvin_field(c, best), "0");
	cr_assert_eq(csvin_next(c, &eb), 1);
	cr_assert_str_eq(csvin_field(c, label), "static:variant=best");
	cr_assert_str_eq(csvin_field(c, lo), "", "one seed has no interval");
	cr_assert_eq(csvin_next(c, &eb), 1);
	cr_assert_str_eq(csvin_field(c, label), "static:variant=fastest");
	cr_assert_str_eq(csvin_field(c, best), "1", "the lowest miss rate is the best");
	cr_assert_eq(csvin_next(c, &eb), 0);
	csvin_close(c);

	snprintf(path, sizeof path, "%s/runs.csv", out_dir);
	c = csvin_open(path, &eb);
	cr_assert_not_null(c, "%s", eb.msg);
	int rows = 0, conf = csvin_col(c, "configuration"), mr = csvin_col(c, "miss_rate");
	int params = csvin_col(c, "policy_params"), rc;
	while ((rc = csvin_next(c, &eb)) == 1) {
		rows++;
		cr_assert_str_eq(csvin_field(c, conf), rows <= 3 ? "1" : rows == 4 ? "2" : "3");
		if (rows == 2)
			cr_assert_str_eq(csvin_field(c, mr), "0.2");
		if (rows == 4) /* a comma inside a field: quoted, read back whole */
			cr_assert_str_eq(csvin_field(c, params), "variant=best,threads=max");
	}
	cr_assert_eq(rc, 0, "%s", eb.msg);
	cr_assert_eq(rows, 5);
	csvin_close(c);
}

/* ---- a small JSON checker (RFC 8259 grammar), for the JSON outputs ---- */

static const char *js_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static const char *js_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	while (*p != '"') {
		unsigned char c = (unsigned char)*p;
		if (c == '\0' || c < 0x20)
			return NULL;
		if (c == '\\') {
			p++;
			if (*p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i])
						return NULL;
				p += 5;
				continue;
			}
			if (!*p || !strchr("\"\\/bfnrt", *p))
				return NULL;
			p++;
			continue;
		}
		int n = utf8_seq_len(p);
		if (n == 0)
			return NULL;
		p += n;
	}
	return p + 1;
}

static const char *js_digits(const char *p)
{
	if (*p < '0' || *p > '9')
		return NULL;
	while (*p >= '0' && *p <= '9')
		p++;
	return p;
}

static const char *js_number(const char *p)
{
	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (!(p = js_digits(p)))
		return NULL;
	if (*p == '.' && !(p = js_digits(p + 1)))
		return NULL;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!(p = js_digits(p)))
			return NULL;
	}
	return p;
}

static const char *js_value(const char *p, int depth)
{
	if (depth > 64)
		return NULL;
	p = js_ws(p);
	if (*p == '{' || *p == '[') {
		char close = *p == '{' ? '}' : ']';
		int object = *p == '{';
		p = js_ws(p + 1);
		if (*p == close)
			return p + 1;
		while (1) {
			if (object) {
				if (!(p = js_string(js_ws(p))))
					return NULL;
				p = js_ws(p);
				if (*p++ != ':')
					return NULL;
			}
			if (!(p = js_value(p, depth + 1)))
				return NULL;
			p = js_ws(p);
			if (*p == close)
				return p + 1;
			if (*p++ != ',')
				return NULL;
		}
	}
	if (*p == '"')
		return js_string(p);
	if (!strncmp(p, "true", 4))
		return p + 4;
	if (!strncmp(p, "false", 5))
		return p + 5;
	if (!strncmp(p, "null", 4))
		return p + 4;
	return js_number(p);
}

/* Also used by test_compare.c. */
int report_test_json_valid(const char *text);
int report_test_json_valid(const char *text)
{
	const char *p = js_value(text, 0);
	return p && *js_ws(p) == '\0';
}

Test(report, the_json_checker_rejects_what_is_not_json)
{
	cr_assert(report_test_json_valid("{\"a\":[1,-2.5e3,true,null,\"x\\u00e9\\n\"],\"b\":{}}"));
	static const char *const bad[] = {"{\"a\":1,}", "[1 2]", "{\"a\" 1}", "\"x\ny\"", "01",
					  "NaN", "[1,]", "\"\xff\"", "{\"a\":1} x", ""};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		cr_assert(!report_test_json_valid(bad[i]), "accepted %s", bad[i]);
}

Test(report, json_holds_every_run_and_configuration_even_with_hostile_names)
{
	db_hostile();
	cr_assert_eq(run_report("--format", "json,csv"), 0);
	char *json = out_file("report.json", NULL);
	cr_assert_not_null(json);
	cr_assert(report_test_json_valid(json), "%s", json);
	cr_assert_eq(count(json, "{\"id\":"), 3);
	cr_assert_eq(count(json, "{\"configuration\":"), 2);
	/* The tag went through as an escaped string: its quotes and backslash intact. */
	cr_assert_not_null(strstr(json, "\"tag\":\"''<script>alert(1)</script>'; print "
					"system('touch PWNED'); '\\\\\""));
	free(json);
	/* The CSV reads back with as many fields in every row. */
	char path[1024];
	snprintf(path, sizeof path, "%s/runs.csv", out_dir);
	struct errbuf eb = {0, ""};
	struct csvin *c = csvin_open(path, &eb);
	cr_assert_not_null(c, "%s", eb.msg);
	int rows = 0, rc, policy = csvin_col(c, "policy");
	while ((rc = csvin_next(c, &eb)) == 1)
		if (rows++ == 0)
			cr_assert_str_eq(csvin_field(c, policy),
					 "gr'eedy\"; system(\"touch PWNED\") #  !touch PWNED3 "
					 "`touch PWNED2`");
	cr_assert_eq(rc, 0, "%s", eb.msg);
	cr_assert_eq(rows, 3);
	csvin_close(c);
}

/* Three tags, created on three days (not in name order), for the trends. */
static void db_nights(void)
{
	sqlite3 *db = db_create();
	static const char *const tags[] = {"b-second", "a-third", "c-first"};
	static const char *const days[] = {"2024-05-02", "2024-05-03", "2024-05-01"};
	for (int t = 0; t < 3; t++)
		for (int p = 0; p < 2; p++) {
			struct fake_run r = plain_runs[p];
			r.tag = tags[t];
			r.miss_rate = 0.01 * (t + 1) * (p + 1);
			long long id = insert_run(db, &r);
			char sql[256];
			snprintf(sql, sizeof sql,
				 "UPDATE runs SET created_utc = '%sT02:00:00Z' WHERE id = %lld",
				 days[t], id);
			exec_ok(db, sql);
		}
	sqlite3_close(db);
}

/* The xtics of the figure whose PNG is named name, from recorded commands. */
static void tics_of(const char *cmd, const char *name, char *buf, size_t len)
{
	char out_line[128];
	snprintf(out_line, sizeof out_line, "set output '%s.png'", name);
	const char *f = strstr(cmd, out_line);
	cr_assert_not_null(f, "no figure %s", name);
	const char *t = strstr(f, "set xtics (");
	cr_assert_not_null(t);
	const char *e = strchr(t, '\n');
	snprintf(buf, len, "%.*s", (int)(e - t), t);
}

Test(report, trends_order_tags_by_their_first_run_and_stop_at_the_selected_one)
{
	db_nights();
	struct plot_sink *rec = plot_record_create(NULL);
	struct errbuf eb = {0, ""};
	struct report_opts o = {db_path, out_dir, NULL, NULL, 0};
	cr_assert_eq(report_generate(&o, rec, &eb), 0, "%s", eb.msg);
	const char *cmd = plot_record_text(rec);
	char tics[512];
	tics_of(cmd, "trend_miss_rate", tics, sizeof tics);
	cr_assert_str_eq(tics, "set xtics ('c-first' 0, 'b-second' 1, 'a-third' 2)");
	/*
	 * Each policy's miss rate per night in percent, oldest night first: greedy 3 (c-first),
	 * 1 (b-second), 2 (a-third); adascale twice that.
	 */
	const char *blk = strstr(cmd, "$trend << EOD\n0 3\n1 1\n2 2\n\n\n0 6\n1 2\n2 4\nEOD\n");
	cr_assert_not_null(blk, "%s", cmd);
	plot_sink_destroy(rec);

	/* The report of the second night shows the nights up to it. */
	rec = plot_record_create(NULL);
	struct report_opts o2 = {db_path, out_dir, "b-second", NULL, 0};
	cr_assert_eq(report_generate(&o2, rec, &eb), 0, "%s", eb.msg);
	tics_of(plot_record_text(rec), "trend_top1", tics, sizeof tics);
	cr_assert_str_eq(tics, "set xtics ('c-first' 0, 'b-second' 1)");
	plot_sink_destroy(rec);

	/* The first night alone has no trend. */
	rec = plot_record_create(NULL);
	struct report_opts o3 = {db_path, out_dir, "c-first", NULL, 0};
	cr_assert_eq(report_generate(&o3, rec, &eb), 0, "%s", eb.msg);
	cr_assert_null(strstr(plot_record_text(rec), "trend_"));
	plot_sink_destroy(rec);
	/* (writes_pages_and_images_for_several_runs draws the trends with a real gnuplot) */
}

Test(report, the_key_leaves_the_plot_when_it_would_cover_curves)
{
	/* Two runs: a short key inside the CDF's empty corner. */
	sqlite3 *db = db_create();
	insert_run(db, &plain_runs[0]);
	insert_run(db, &plain_runs[1]);
	sqlite3_close(db);
	struct plot_sink *rec = plot_record_create(NULL);
	struct errbuf eb = {0, ""};
	struct report_opts o = {db_path, out_dir, NULL, NULL, 0};
	cr_assert_eq(report_generate(&o, rec, &eb), 0, "%s", eb.msg);
	const char *cmd = plot_record_text(rec);
	const char *cdf = strstr(cmd, "set output 'latency_cdf.png'");
	cr_assert_not_null(strstr(cdf, "set key bottom right"));
	plot_sink_destroy(rec);

	/* Eight configurations: the key goes outside. */
	db = db_create();
	for (int i = 0; i < 6; i++) {
		struct fake_run r = plain_runs[i % 3];
		r.seed = 100 + i;
		char pol[32];
		snprintf(pol, sizeof pol, "policy%d", i);
		r.policy = pol;
		insert_run(db, &r);
	}
	sqlite3_close(db);
	rec = plot_record_create(NULL);
	cr_assert_eq(report_generate(&o, rec, &eb), 0, "%s", eb.msg);
	cmd = plot_record_text(rec);
	cdf = strstr(cmd, "set output 'latency_cdf.png'");
	const char *end = strstr(cdf, "unset output");
	const char *key = strstr(cdf, "set key outside");
	cr_assert(key && key < end, "%s", cdf);
	plot_sink_destroy(rec);
}

/* ---- the verdict ---- */

/*
 * adascale, static best and static fastest over seeds 1-3 (miss rate 0, so on-time top-1 is
 * top-1): adascale 60, 62, 67; static best 50, 55, 54; static fastest 41.5 each.
 * same: every policy gets the same value on every seed instead.
 */
static void db_verdict(int same)
{
	sqlite3 *db = db_create();
	static const double ada[] = {60, 62, 67}, best[] = {50, 55, 54};
	for (int k = 0; k < 3; k++) {
		struct fake_run a = {"v", "adascale", "", "mobilenet_v1", "traces/host_stress.csv",
				     "pixel4", k + 1, 0, same ? 63 : ada[k], 20, 5, 0};
		struct fake_run b = a, c = a;
		b.policy = c.policy = "static";
		b.params = "variant=best,threads=max";
		b.top1 = same ? 53 : best[k];
		c.params = "variant=fastest,threads=max";
		c.top1 = 41.5;
		insert_run(db, &a);
		insert_run(db, &b);
		insert_run(db, &c);
	}
	sqlite3_close(db);
}

static char *verdict_text(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cr_assert_not_null(f);
	struct errbuf eb = {0, ""};
	struct report_opts o = {db_path, NULL, NULL, NULL, 0};
	cr_assert_eq(report_verdict_print(&o, f, &eb), 0, "%s", eb.msg);
	fclose(f);
	return buf;
}

Test(report, verdict_names_the_winner_with_a_paired_interval_over_seeds)
{
	db_verdict(0);
	char *t = verdict_text();
	/*
	 * Against static best the paired differences are 10, 7, 13: mean 10, sd 3; the 95%
	 * interval is 10 +- t(0.975, 2) 3 / sqrt(3) with t(0.975, 2) = 4.303 (any Student-t
	 * table): [+2.5, +17.5]. The two-sided p of t = 10 / (3 / sqrt(3)) = 5.7735 with 2
	 * degrees of freedom, whose CDF is 1/2 + t / (2 sqrt(2 + t^2)), is 0.0287.
	 */
	double tt = 10 / (3 / sqrt(3.0)), p = 1 - tt / sqrt(2 + tt * tt);
	char want[256];
	snprintf(want, sizeof want,
		 "+10.0 points against static best (53.0%%; 95%% interval [+2.5, +17.5], paired "
		 "t-test p = %.2g over 3 seeds)",
		 p);
	cr_assert(tu_has(t, "verdict: on-time top-1: adascale wins with 63.0%"), "%s", t);
	cr_assert(tu_has(t, want), "want '%s' in:\n%s", want, t);
	/* against static fastest: 18.5, 20.5, 25.5, mean 21.5, sd sqrt(13) */
	double half = 4.302653 * sqrt(13.0) / sqrt(3.0);
	snprintf(want, sizeof want, "+21.5 points against static fastest (41.5%%; 95%% interval [%+.1f, %+.1f]",
		 21.5 - half, 21.5 + half);
	cr_assert(tu_has(t, want), "want '%s' in:\n%s", want, t);
	/* three lines: the objective, p95 and misses, energy */
	int lines = 0;
	for (const char *c = t; *c; c++)
		lines += *c == '\n';
	cr_assert_eq(lines, 3, "%s", t);
	cr_assert(tu_has(t, "verdict: p95 latency, requests missed"), "%s", t);
	cr_assert(tu_has(t, "verdict: energy per inference: adascale 20 mJ; static best 20 mJ"), "%s", t);
	free(t);
	/* the page opens with it: the verdict before the configurations */
	cr_assert_eq(run_report(NULL, NULL), 0);
	char *html = out_file("index.html", NULL);
	const char *v = strstr(html, "<section id=\"verdict\">"), *g = strstr(html, "<h2>Configurations");
	cr_assert(v && g && v < g, "the verdict comes first");
	cr_assert(tu_has(v, "<strong>adascale</strong> wins on the objective"), "%.600s", v);
	cr_assert(tu_has(v, "95% interval [+2.5, +17.5]"), "%.2000s", v);
	free(html);
}

Test(report, seeds_that_cannot_differ_get_no_interval)
{
	db_verdict(1);
	char *t = verdict_text();
	cr_assert(tu_has(t, "+10.0 points against static best (53.0%; 3 seeds, all with the same "
			    "difference: no interval)"),
		  "%s", t);
	free(t);
	cr_assert_eq(run_report(NULL, NULL), 0);
	char *html = out_file("index.html", NULL);
	cr_assert_null(strstr(html, "\xC2\xB1 0.0"), "a zero-width interval is shown");
	cr_assert(tu_has(html, "3 seeds, all with the same difference: no interval"));
	free(html);
	/* one seed in common */
	remove(db_path);
	db_seeds();
	t = verdict_text();
	cr_assert(tu_has(t, "one seed: no interval"), "%s", t);
	free(t);
}

/* ---- what the plots show ---- */

Test(report, plots_show_the_deadline_bar_values_and_variants_by_accuracy)
{
	sqlite3 *db = db_create();
	insert_run(db, &plain_runs[0]);
	insert_run(db, &plain_runs[2]);
	long long id = insert_run(db, &plain_runs[1]);
	/* first seen: the more accurate variant (70.6% top-1 in the fixture's variant use) */
	static const char *const variants[] = {"mobilenet_v1:width=1.0",
					       "mobilenet_v1:width=0.5,quant=int8"};
	insert_timeline(db, id, variants, 2);
	sqlite3_close(db);
	struct plot_sink *rec = plot_record_create(NULL);
	struct errbuf eb = {0, ""};
	struct report_opts o = {db_path, out_dir, NULL, NULL, 0};
	cr_assert_eq(report_generate(&o, rec, &eb), 0, "%s", eb.msg);
	const char *cmd = plot_record_text(rec);
	/* every run has the fixture's 33 ms deadline: a line at x = 33 on the latency CDF */
	cr_assert(tu_has(cmd, "set arrow from 33, graph 0 to 33, graph 1 nohead"), "%s", cmd);
	cr_assert(tu_has(cmd, "set label 'deadline 33 ms'"), "%s", cmd);
	/* three curves, three dash patterns, the first the widest */
	cr_assert(tu_has(cmd, "$cdf index 0 using 1:2 with lines lw 4.00 dt 1"), "%s", cmd);
	cr_assert(tu_has(cmd, "$cdf index 2 using 1:2 with lines lw 1.50 dt 3"), "%s", cmd);
	/* the bars carry their values */
	cr_assert(tu_has(cmd, "$bars using 1:2:(sprintf('%.3g', $2)) with labels"), "%s", cmd);
	/* the variant axis by top-1: width=0.5 int8 (63.3%) below width=1.0 (70.6%) */
	cr_assert(tu_has(cmd, "set ytics ('width=0.5,quant=int8' 0, 'width=1.0' 1)"), "%s", cmd);
	plot_sink_destroy(rec);
}

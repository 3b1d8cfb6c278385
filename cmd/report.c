/*
 * report.c: `adascale report`: a results database into a report folder (HTML + Markdown
 * with gnuplot figures, or CSV, JSON). Not for what the report holds (reports/report.c).
 */
#include "cmd.h"

#include <stdio.h>

#include "opt.h"
#include "report.h"

static const char help[] =
	"usage: adascale report --db FILE --out DIR [--tag T] [--runs LIST]\n"
	"                       [--format html|csv|json] [--verdict]\n"
	"       adascale report --db FILE --verdict [--tag T] [--runs LIST]\n"
	"  --db FILE      results database (read-only)\n"
	"  -o, --out DIR  report folder (created)\n"
	"  --tag T        only runs with tag T (trends: the tags up to T)\n"
	"  --runs LIST    only these run ids, e.g. 3,5-9,12\n"
	"  --format F     html (default): index.html, report.md, *.png, *.svg;\n"
	"                 csv: runs.csv, configurations.csv; json: report.json;\n"
	"                 or a comma list, e.g. html,csv\n"
	"  --verdict      print the verdict: who wins on on-time accuracy and by how\n"
	"                 much against static best and static fastest, p95 and missed\n"
	"                 share, energy (three lines; with --out, after writing the report)\n"
	"environment: ADASCALE_GNUPLOT names the gnuplot program (default: gnuplot)\n";

int cmd_report(int argc, char **argv)
{
	static const struct opt_verb v = {"adascale", "report", help};
	struct report_opts o = {NULL, NULL, NULL, NULL, 0};
	const char *formats = NULL;
	int verdict = 0;
	const struct opt opts[] = {
		{.name = "db", .type = OPT_STR, .dst = &o.db_path},
		{.name = "out", .short_name = 'o', .type = OPT_STR, .dst = &o.out_dir},
		{.name = "tag", .type = OPT_STR, .dst = &o.tag},
		{.name = "runs", .type = OPT_STR, .dst = &o.runs},
		{.name = "format", .type = OPT_STR, .dst = &formats},
		{.name = "verdict", .type = OPT_FLAG, .dst = &verdict},
		{0}};
	int n_pos, rc = opt_parse(&v, opts, argc, argv, NULL, 0, &n_pos);
	if (rc != OPT_OK)
		return opt_status(rc);
	struct errbuf eb = {0, ""};
	if (formats && (rc = report_parse_formats(formats, &o.formats, &eb)) < 0)
		return cmd_fail(&eb, rc);
	if (verdict && !o.out_dir) {
		if (!o.db_path || !*o.db_path)
			return opt_usage(&v, "--db is required");
		if (formats)
			return opt_usage(&v, "--format writes a report folder: give --out too");
		if ((rc = report_verdict_print(&o, stdout, &eb)) < 0)
			return cmd_fail(&eb, rc);
		return 0;
	}
	if (!o.db_path || !o.out_dir)
		return opt_usage(&v, "--db and --out are required");
	if (!*o.db_path || !*o.out_dir)
		return opt_usage(&v, "--db and --out need a non-empty value");
	if ((rc = report_generate(&o, NULL, &eb)) < 0)
		return cmd_fail(&eb, rc);
	if (!o.formats || (o.formats & REPORT_FORMAT_HTML))
		printf("report: %s/index.html\n", o.out_dir);
	if (o.formats & REPORT_FORMAT_CSV)
		printf("report: %s/runs.csv, %s/configurations.csv\n", o.out_dir, o.out_dir);
	if (o.formats & REPORT_FORMAT_JSON)
		printf("report: %s/report.json\n", o.out_dir);
	if (verdict && (rc = report_verdict_print(&o, stdout, &eb)) < 0)
		return cmd_fail(&eb, rc);
	return 0;
}

/*
 * tables.c: runs.csv, configurations.csv and report.json (see tables.h), and the CSV and
 * JSON number writers that compare.c shares (names go through text.c). Not for choosing
 * what the tables hold beyond the columns listed here: the data comes grouped and
 * summarised (groups.c).
 */
#include "tables.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "text.h"

#ifndef ADASCALE_VERSION
#define ADASCALE_VERSION "unknown"
#endif

/* ---- values ---- */

/* The shortest of %.15g, %.16g, %.17g that reads back as v. */
static void shortest(char *buf, size_t len, double v)
{
	for (int digits = 15; digits <= 17; digits++) {
		snprintf(buf, len, "%.*g", digits, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

void report_csv_num(FILE *f, double v)
{
	if (!isfinite(v))
		return;
	char buf[40];
	shortest(buf, sizeof buf, v);
	fputs(buf, f);
}

void report_json_num(FILE *f, double v)
{
	if (!isfinite(v)) {
		fputs("null", f);
		return;
	}
	char buf[40];
	shortest(buf, sizeof buf, v);
	fputs(buf, f);
}

/* A metric value as a number: integers without a fraction. */
static void csv_metric(FILE *f, int m, double v)
{
	if (metrics_table[m].is_int)
		fprintf(f, "%lld", (long long)v);
	else
		report_csv_num(f, v);
}

static void json_metric(FILE *f, int m, double v)
{
	if (metrics_table[m].is_int)
		fprintf(f, "%lld", (long long)v);
	else
		report_json_num(f, v);
}

/* ---- CSV ---- */

static void csv_sep(FILE *f, const char *s)
{
	fputc(',', f);
	report_csv_put(f, s);
}

int report_csv_runs_write(FILE *f, const struct report_page *p)
{
	const struct report_data *d = p->data;
	const struct report_groups *g = p->groups;
	fputs("id,tag,created_utc,policy,policy_params,policy_label,model,trace,device,timings,"
	      "timings_derived,workload,deadline_ms,seed,config_key,configuration,status,error,"
	      "tool_version,git_rev,wall_s",
	      f);
	for (int m = 0; m < metrics_n; m++)
		fprintf(f, ",%s", metrics_table[m].name);
	fputs("\n", f);
	for (int i = 0; i < d->n_runs; i++) {
		const struct report_run *r = &d->runs[i];
		fprintf(f, "%lld", (long long)r->id);
		csv_sep(f, r->tag);
		csv_sep(f, r->created_utc);
		csv_sep(f, r->policy);
		csv_sep(f, r->policy_params);
		csv_sep(f, r->policy_label);
		csv_sep(f, r->model);
		csv_sep(f, r->trace);
		csv_sep(f, r->device);
		csv_sep(f, r->timings);
		fprintf(f, ",%d,", r->timings_derived);
		report_csv_put(f, r->workload);
		fputc(',', f);
		report_csv_num(f, r->deadline_ms);
		fprintf(f, ",%lld", (long long)r->seed);
		csv_sep(f, r->config_key);
		fputc(',', f);
		if (g)
			fprintf(f, "%d", g->group_of[i] + 1);
		csv_sep(f, r->status);
		csv_sep(f, r->error);
		csv_sep(f, r->tool_version);
		csv_sep(f, r->git_rev);
		fputc(',', f);
		report_csv_num(f, r->wall_s);
		for (int m = 0; m < metrics_n && m < REPORT_N_METRICS; m++) {
			fputc(',', f);
			if (r->has_metric[m])
				csv_metric(f, m, r->metric[m]);
		}
		fputs("\n", f);
	}
	return ferror(f) ? ERR_IO : 0;
}

int report_csv_groups_write(FILE *f, const struct report_page *p)
{
	const struct report_groups *g = p->groups;
	fputs("configuration,label,policy,policy_params,policy_label,tag,model,trace,device,"
	      "workload,deadline_ms,config_key,n_runs,seeds,run_ids",
	      f);
	for (int m = 0; m < metrics_n; m++) {
		const char *n = metrics_table[m].name;
		fprintf(f, ",%s_n,%s_mean,%s_sd,%s_ci95_low,%s_ci95_high,%s_best", n, n, n, n, n, n);
	}
	fputs("\n", f);
	for (int k = 0; g && k < g->n; k++) {
		const struct report_group *gr = &g->g[k];
		const struct report_run *r = g->run[gr->runs[0]];
		fprintf(f, "%d", k + 1);
		csv_sep(f, gr->label);
		csv_sep(f, r->policy);
		csv_sep(f, r->policy_params);
		csv_sep(f, r->policy_label);
		csv_sep(f, r->tag);
		csv_sep(f, r->model);
		csv_sep(f, r->trace);
		csv_sep(f, r->device);
		csv_sep(f, r->workload);
		fputc(',', f);
		report_csv_num(f, r->deadline_ms);
		csv_sep(f, r->config_key);
		fprintf(f, ",%d,", gr->n_runs);
		for (int j = 0; j < gr->n_runs; j++)
			fprintf(f, "%s%lld", j ? " " : "", (long long)g->run[gr->runs[j]]->seed);
		fputc(',', f);
		for (int j = 0; j < gr->n_runs; j++)
			fprintf(f, "%s%lld", j ? " " : "", (long long)g->run[gr->runs[j]]->id);
		for (int m = 0; m < metrics_n && m < REPORT_N_METRICS; m++) {
			const struct stats_summary *s = &gr->m[m];
			fprintf(f, ",%d,", s->n);
			report_csv_num(f, s->mean);
			fputc(',', f);
			report_csv_num(f, s->sd);
			fputc(',', f);
			report_csv_num(f, s->mean - s->ci95);
			fputc(',', f);
			report_csv_num(f, s->mean + s->ci95);
			fprintf(f, ",%d", gr->best[m]);
		}
		fputs("\n", f);
	}
	return ferror(f) ? ERR_IO : 0;
}

/* ---- JSON ---- */

static void json_key(FILE *f, const char *key, int first)
{
	fputs(first ? "" : ",", f);
	report_json_put(f, key);
	fputc(':', f);
}

static void json_str(FILE *f, const char *key, const char *value)
{
	json_key(f, key, 0);
	report_json_put(f, value);
}

static void json_group(FILE *f, const struct report_groups *g, int k)
{
	const struct report_group *gr = &g->g[k];
	const struct report_run *r = g->run[gr->runs[0]];
	fprintf(f, "{\"configuration\":%d", k + 1);
	json_str(f, "label", gr->label);
	json_str(f, "policy", r->policy);
	json_str(f, "policy_params", r->policy_params);
	json_str(f, "policy_label", r->policy_label);
	json_str(f, "tag", r->tag);
	json_str(f, "model", r->model);
	json_str(f, "trace", r->trace);
	json_str(f, "device", r->device);
	json_str(f, "workload", r->workload);
	json_key(f, "deadline_ms", 0);
	report_json_num(f, r->deadline_ms);
	json_str(f, "config_key", r->config_key);
	fputs(",\"run_ids\":[", f);
	for (int j = 0; j < gr->n_runs; j++)
		fprintf(f, "%s%lld", j ? "," : "", (long long)g->run[gr->runs[j]]->id);
	fputs("],\"seeds\":[", f);
	for (int j = 0; j < gr->n_runs; j++)
		fprintf(f, "%s%lld", j ? "," : "", (long long)g->run[gr->runs[j]]->seed);
	fputs("],\"metrics\":{", f);
	for (int m = 0; m < metrics_n && m < REPORT_N_METRICS; m++) {
		const struct stats_summary *s = &gr->m[m];
		json_key(f, metrics_table[m].name, m == 0);
		fprintf(f, "{\"n\":%d,\"mean\":", s->n);
		report_json_num(f, s->mean);
		fputs(",\"sd\":", f);
		report_json_num(f, s->sd);
		fputs(",\"ci95_low\":", f);
		report_json_num(f, s->mean - s->ci95);
		fputs(",\"ci95_high\":", f);
		report_json_num(f, s->mean + s->ci95);
		fprintf(f, ",\"best\":%s}", gr->best[m] ? "true" : "false");
	}
	fputs("}}", f);
}

static void json_run(FILE *f, const struct report_run *r, int group)
{
	fprintf(f, "{\"id\":%lld", (long long)r->id);
	json_str(f, "tag", r->tag);
	json_str(f, "created_utc", r->created_utc);
	json_str(f, "policy", r->policy);
	json_str(f, "policy_params", r->policy_params);
	json_str(f, "policy_label", r->policy_label);
	json_str(f, "model", r->model);
	json_str(f, "trace", r->trace);
	json_str(f, "device", r->device);
	json_str(f, "timings", r->timings);
	fprintf(f, ",\"timings_derived\":%s", r->timings_derived ? "true" : "false");
	json_str(f, "workload", r->workload);
	json_key(f, "deadline_ms", 0);
	report_json_num(f, r->deadline_ms);
	fprintf(f, ",\"seed\":%lld", (long long)r->seed);
	json_str(f, "config_key", r->config_key);
	if (group > 0)
		fprintf(f, ",\"configuration\":%d", group);
	json_str(f, "status", r->status);
	json_str(f, "error", r->error);
	json_str(f, "tool_version", r->tool_version);
	json_str(f, "git_rev", r->git_rev);
	json_key(f, "wall_s", 0);
	report_json_num(f, r->wall_s);
	fputs(",\"metrics\":{", f);
	for (int m = 0; m < metrics_n && m < REPORT_N_METRICS; m++) {
		json_key(f, metrics_table[m].name, m == 0);
		if (r->has_metric[m])
			json_metric(f, m, r->metric[m]);
		else
			fputs("null", f);
	}
	fputs("}}", f);
}

int report_json_write(FILE *f, const struct report_page *p)
{
	const struct report_data *d = p->data;
	const struct report_groups *g = p->groups;
	fputs("{\"tool\":\"adascale\",\"version\":", f);
	report_json_put(f, ADASCALE_VERSION);
	json_str(f, "database", d->db_path);
	json_str(f, "selection", p->selection);
	fputs(",\"confidence\":{\"level\":0.95,\"method\":\"Student t over seeds, n-1 degrees "
	      "of freedom\"},\n\"metrics\":[",
	      f);
	for (int m = 0; m < metrics_n; m++) {
		fputs(m ? ",\n" : "\n", f);
		fputs("{\"name\":", f);
		report_json_put(f, metrics_table[m].name);
		json_str(f, "unit", metrics_table[m].unit);
		fprintf(f, ",\"better\":%d,\"integer\":%s}", metrics_table[m].better,
			metrics_table[m].is_int ? "true" : "false");
	}
	fputs("],\n\"configurations\":[", f);
	for (int k = 0; g && k < g->n; k++) {
		fputs(k ? ",\n" : "\n", f);
		json_group(f, g, k);
	}
	fputs("],\n\"runs\":[", f);
	for (int i = 0; i < d->n_runs; i++) {
		fputs(i ? ",\n" : "\n", f);
		json_run(f, &d->runs[i], g ? g->group_of[i] + 1 : 0);
	}
	fputs("]}\n", f);
	return ferror(f) ? ERR_IO : 0;
}

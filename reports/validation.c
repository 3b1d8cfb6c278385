/*
 * validation.c: the side-by-side table of a simulated and a real run (see validation.h).
 * Not for the figures (charts.c draws the paired latency CDFs).
 */
#include "validation.h"

#include <math.h>
#include <string.h>


void validation_rows(const struct report_run *sim, const struct report_run *real,
		     struct validation_row rows[VALIDATION_N_ROWS])
{
	static const struct {
		const char *metric, *label;
		int m;
		double scale;
		int points;
		double target;
	} def[VALIDATION_N_ROWS] = {
		{"lat_p50_ms", "latency p50 (ms)", REPORT_M_lat_p50_ms, 1, 0, VALIDATION_P50_PCT},
		{"lat_p95_ms", "latency p95 (ms)", REPORT_M_lat_p95_ms, 1, 0, VALIDATION_P95_PCT},
		{"lat_p99_ms", "latency p99 (ms)", REPORT_M_lat_p99_ms, 1, 0, 0},
		{"miss_rate", "miss rate (%)", REPORT_M_miss_rate, 100, 1, VALIDATION_MISS_PT},
		{"switches", "switches", REPORT_M_switches, 1, 0, 0},
		{"mean_top1", "mean top-1 (%)", REPORT_M_mean_top1, 1, 1, 0},
		{"ontime_top1", "on-time top-1 (%)", REPORT_M_ontime_top1, 1, 1, 0},
	};
	for (int i = 0; i < VALIDATION_N_ROWS; i++) {
		struct validation_row *r = &rows[i];
		memset(r, 0, sizeof *r);
		r->metric = def[i].metric;
		r->label = def[i].label;
		r->has_sim = sim->has_metric[def[i].m];
		r->has_real = real->has_metric[def[i].m];
		r->sim = sim->metric[def[i].m] * def[i].scale;
		r->real = real->metric[def[i].m] * def[i].scale;
		r->error_unit = def[i].points ? "pt" : "%";
		r->target = def[i].target;
		if (r->has_sim && r->has_real) {
			if (def[i].points) {
				r->has_error = 1;
				r->error = r->sim - r->real;
			} else if (r->real != 0) {
				r->has_error = 1;
				r->error = 100 * (r->sim - r->real) / r->real;
			} else if (r->sim == 0) {
				r->has_error = 1; /* both 0: no error */
				r->error = 0;
			}
		}
		r->met = r->has_error && r->target > 0 && fabs(r->error) <= r->target;
	}
}

static struct report_run *find(struct report_data *d, int64_t id)
{
	for (int i = 0; i < d->n_runs; i++)
		if (d->runs[i].id == id)
			return &d->runs[i];
	return NULL;
}

static void md_value(FILE *f, int has, double v)
{
	if (has)
		fprintf(f, " %.4g |", v);
	else
		fprintf(f, " not measured |");
}

static void write_md(FILE *f, const struct report_run *sim, const struct report_run *real,
		     const struct validation_row *rows)
{
	fprintf(f, "| metric | simulated (run %lld) | real (run %lld) | error | target | |\n"
		   "| --- | ---: | ---: | ---: | --- | --- |\n",
		(long long)sim->id, (long long)real->id);
	for (int i = 0; i < VALIDATION_N_ROWS; i++) {
		const struct validation_row *r = &rows[i];
		fprintf(f, "| %s |", r->label);
		md_value(f, r->has_sim, r->sim);
		md_value(f, r->has_real, r->real);
		if (r->has_error)
			fprintf(f, " %+.1f %s |", r->error, r->error_unit);
		else
			fprintf(f, " |");
		if (r->target > 0)
			fprintf(f, " within %g %s | %s |\n", r->target, r->error_unit,
				!r->has_error ? "no value" : r->met ? "met" : "missed");
		else
			fprintf(f, " | |\n");
	}
	fprintf(f, "| energy per inference (mJ) |");
	md_value(f, sim->has_metric[REPORT_M_energy_per_inf_mj],
		 sim->metric[REPORT_M_energy_per_inf_mj]);
	md_value(f, real->has_metric[REPORT_M_energy_per_inf_mj],
		 real->metric[REPORT_M_energy_per_inf_mj]);
	fprintf(f, " | | |\n");
}

static void csv_num(FILE *f, int has, double v)
{
	if (has)
		fprintf(f, ",%.9g", v);
	else
		fprintf(f, ",");
}

static void write_csv(FILE *f, const struct report_run *sim, const struct report_run *real,
		      const struct validation_row *rows)
{
	fprintf(f, "metric,sim_run,real_run,simulated,real,error,error_unit,target,met\n");
	for (int i = 0; i < VALIDATION_N_ROWS; i++) {
		const struct validation_row *r = &rows[i];
		fprintf(f, "%s,%lld,%lld", r->metric, (long long)sim->id, (long long)real->id);
		csv_num(f, r->has_sim, r->sim);
		csv_num(f, r->has_real, r->real);
		csv_num(f, r->has_error, r->error);
		fprintf(f, ",%s", r->error_unit);
		csv_num(f, r->target > 0, r->target);
		fprintf(f, ",%s\n", r->target > 0 && r->has_error ? (r->met ? "met" : "missed") : "");
	}
}

int validation_write(const char *db_path, int64_t sim_id, int64_t real_id, FILE *md, FILE *csv,
		     struct errbuf *eb)
{
	int64_t ids[2] = {sim_id < real_id ? sim_id : real_id, sim_id < real_id ? real_id : sim_id};
	struct report_filter f = {.ids = ids, .n_ids = 2};
	struct report_data *d = NULL;
	int rc = report_data_load(db_path, &f, &d, eb);
	if (rc < 0)
		return rc;
	struct report_run *sim = find(d, sim_id), *real = find(d, real_id);
	if (!sim || !real)
		rc = err_set(eb, ERR_NOTFOUND, "%s: no run %lld", db_path,
			     (long long)(!sim ? sim_id : real_id));
	else if (!real->real || sim->real)
		rc = err_set(eb, ERR_USAGE, "%s: run %lld is not a real run or run %lld not a "
			     "simulated one", db_path, (long long)real_id, (long long)sim_id);
	if (rc == 0) {
		struct validation_row rows[VALIDATION_N_ROWS];
		validation_rows(sim, real, rows);
		if (md)
			write_md(md, sim, real, rows);
		if (csv)
			write_csv(csv, sim, real, rows);
	}
	report_data_destroy(d);
	return rc;
}

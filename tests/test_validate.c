/*
 * test_validate.c: served runs (the files adascale-agent serve writes) in the results
 * database, and `adascale validate`: an imported run's metrics against a brute-force
 * computation from the file's rows, malformed served files refused with FILE:LINE and
 * nothing stored, the side-by-side table against the import and a plain `adascale run`,
 * and the report's real-against-simulated latency plot. The fixtures are hand-written from
 * the format (docs/formats.md#served-runs): tests/data/served_ok.csv and the
 * malformed ones of tests/bad/served/ (also in the bad-input corpus, tests/bad/cases.csv).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "run.h"
#include "testutil.h"

#define OK_FILE "tests/data/served_ok.csv"

/* ImageNet top-1 of the two variants the fixture serves, from the published table
   (data/accuracy/mobilenet_v1_imagenet.csv: MobileNet_v1_1.0_224 and MobileNet_v1_0.50_128,
   tensorflow/models research/slim/nets/mobilenet_v1.md) */
#define TOP1_W1_224 70.9
#define TOP1_W05_128 56.3

static char out[1 << 16];

static sqlite3_int64 one_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s", sql);
	sqlite3_int64 v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static double one_double(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s", sql);
	double v = sqlite3_column_type(st, 0) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* One request of a served file, read here by hand (not by the code under test). */
struct row {
	double arrival, start, end;
	char variant[160];
	char outcome[16];
};

/* Splits a served file's data line at commas outside double quotes. */
static int split(char *line, char **f, int max)
{
	int n = 0, q = 0;
	f[n++] = line;
	for (char *p = line; *p; p++) {
		if (*p == '"')
			q = !q;
		else if (*p == ',' && !q && n < max) {
			*p = '\0';
			f[n++] = p + 1;
		} else if (*p == '\n' || *p == '\r')
			*p = '\0';
	}
	return n;
}

static int read_rows(const char *path, struct row *rows, int max)
{
	FILE *fp = fopen(path, "r");
	cr_assert_not_null(fp);
	char line[1024];
	int n = 0, header = 1;
	while (fgets(line, sizeof line, fp)) {
		if (line[0] == '#')
			continue;
		if (header) {
			header = 0;
			continue;
		}
		char *f[8];
		cr_assert_eq(split(line, f, 8), 8);
		cr_assert(n < max);
		struct row *r = &rows[n++];
		r->arrival = atof(f[1]);
		r->start = atof(f[2]);
		r->end = atof(f[3]);
		size_t len = strlen(f[4]);
		if (len >= 2 && f[4][0] == '"')
			snprintf(r->variant, sizeof r->variant, "%.*s", (int)(len - 2), f[4] + 1);
		else
			snprintf(r->variant, sizeof r->variant, "%s", f[4]);
		snprintf(r->outcome, sizeof r->outcome, "%s", f[7]);
	}
	fclose(fp);
	return n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double top1_of(const char *variant)
{
	if (strcmp(variant, "mobilenet_v1:width=1,res=224,quant=fp32") == 0)
		return TOP1_W1_224;
	if (strcmp(variant, "mobilenet_v1:width=0.5,res=128,quant=fp32") == 0)
		return TOP1_W05_128;
	cr_assert_fail("unexpected variant %s", variant);
	return 0;
}

/* What the metrics of the served file are, from its rows by hand. */
struct expect {
	long requests, served, late, dropped, failed, switches;
	double miss_rate, mean_top1, ontime_top1;
	int n_lat;
	double lat[64]; /* sorted */
};

static void brute_force(const char *path, struct expect *e)
{
	struct row rows[64];
	int n = read_rows(path, rows, 64);
	memset(e, 0, sizeof *e);
	const char *last = "";
	double top1_sum = 0, ontime_sum = 0;
	for (int i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		e->requests++;
		/* a switch: the variant differs from the one the previous started request ran */
		if (r->variant[0] && strcmp(r->variant, last) != 0) {
			e->switches++;
			last = r->variant;
		}
		int ok = !strcmp(r->outcome, "ok"), late = !strcmp(r->outcome, "late");
		e->dropped += !strcmp(r->outcome, "dropped");
		e->failed += !strcmp(r->outcome, "failed");
		e->late += late;
		if (ok || late) {
			e->served++;
			e->lat[e->n_lat++] = r->end - r->arrival;
			top1_sum += top1_of(r->variant);
			if (ok)
				ontime_sum += top1_of(r->variant);
		}
	}
	qsort(e->lat, (size_t)e->n_lat, sizeof e->lat[0], cmp_double);
	e->miss_rate = (double)(e->late + e->dropped + e->failed) / (double)e->requests;
	e->mean_top1 = top1_sum / (double)e->served;
	e->ontime_top1 = ontime_sum / (double)e->requests;
}

/* The nearest-rank quantile of sorted values: the ceil(q n)-th smallest (q = 0: the least). */
static double nearest_rank(const double *v, int n, double q)
{
	int k = (int)ceil(q * n - 1e-9);
	return v[k < 1 ? 0 : k - 1];
}

static const char *import_ok(const char *name)
{
	const char *db = tu_scratch(name);
	remove(db);
	int rc = tu_adascale(out, sizeof out, "import-served %s --db %s --tag t1", OK_FILE, db);
	cr_assert_eq(rc, 0, "%s", out);
	return db;
}

/*
 * The hand-written served file's metrics, as the database holds them after import, against
 * the same metrics computed here from its rows: counts of outcomes, the miss rate, switches
 * (variant changes between requests that started), the published top-1 of the variants that
 * answered, and the 101 latency quantiles against the sorted latencies (the histogram's
 * quantile is within 0.1% above the nearest-rank value, sim/hist.h).
 */
Test(validate, import_metrics_agree_with_a_brute_force_computation)
{
	const char *path = import_ok("import.db");
	cr_assert(tu_has(out, "run 1: real"), "%s", out);
	struct expect e;
	brute_force(OK_FILE, &e);
	cr_assert_eq(e.requests, 12);
	sqlite3 *db;
	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	cr_assert_eq(one_int(db, "SELECT count(*) FROM runs WHERE world = 'real' AND tag = 't1'"), 1);
	cr_assert_eq(one_int(db, "SELECT requests FROM runs"), e.requests);
	cr_assert_eq(one_int(db, "SELECT served FROM runs"), e.served);
	cr_assert_eq(one_int(db, "SELECT deadline_misses FROM runs"), e.late);
	cr_assert_eq(one_int(db, "SELECT dropped FROM runs"), e.dropped);
	cr_assert_eq(one_int(db, "SELECT failures FROM runs"), e.failed);
	cr_assert_eq(one_int(db, "SELECT switches FROM runs"), e.switches);
	cr_assert_float_eq(one_double(db, "SELECT miss_rate FROM runs"), e.miss_rate, 1e-12);
	cr_assert_float_eq(one_double(db, "SELECT mean_top1 FROM runs"), e.mean_top1, 1e-9);
	cr_assert_float_eq(one_double(db, "SELECT ontime_top1 FROM runs"), e.ontime_top1, 1e-9);
	cr_assert(isnan(one_double(db, "SELECT energy_mj FROM runs")), "energy is not measured");
	cr_assert(isnan(one_double(db, "SELECT energy_per_inf_mj FROM runs")));
	cr_assert_eq(one_int(db, "SELECT count(*) FROM latency_quantiles"), 101);
	sqlite3_stmt *st;
	cr_assert_eq(sqlite3_prepare_v2(db, "SELECT q, latency_ms FROM latency_quantiles ORDER BY q",
					-1, &st, NULL),
		     SQLITE_OK);
	int n = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		double q = sqlite3_column_double(st, 0), got = sqlite3_column_double(st, 1);
		double want = nearest_rank(e.lat, e.n_lat, q);
		cr_assert(got >= want * (1 - 1e-9) && got <= want * 1.001 + 1e-9,
			  "q %g: %.6f ms, the %d latencies give %.6f", q, got, e.n_lat, want);
		n++;
	}
	sqlite3_finalize(st);
	cr_assert_eq(n, 101);
	cr_assert_float_eq(one_double(db, "SELECT lat_p50_ms FROM runs"),
			   one_double(db, "SELECT latency_ms FROM latency_quantiles WHERE q = 0.5"),
			   1e-12);
	/* variant use: 5 answers by width 1, 3 by width 0.5 (the rows above) */
	cr_assert_eq(one_int(db, "SELECT served FROM variant_use WHERE width = 1 AND res = 224"), 5);
	cr_assert_eq(one_int(db, "SELECT served FROM variant_use WHERE width = 0.5 AND res = 128"), 3);
	cr_assert_eq(one_int(db, "SELECT count(*) FROM requests"), 12);
	/* provenance: where it was served, what with, and the file's own hash */
	cr_assert_eq(one_int(db, "SELECT count(*) FROM runs WHERE config LIKE '%host=fixture-host%' "
				 "AND config LIKE '%served_sha256=%' AND "
				 "trace_sha256 = '562a141672b09f160ac9ce8ede253539eb9cc9d49d6ed107eddc91190cc1616b' "
				 "AND error LIKE '%energy not measured%'"),
		     1);
	sqlite3_close(db);
}

/* A malformed served file: exit 2, FILE:LINE: what, and the database as it was. */
static void refused(const char *file, const char *where, const char *what)
{
	const char *db = import_ok("bad.db");
	int rc = tu_adascale(out, sizeof out, "import-served %s --db %s", file, db);
	cr_assert_eq(rc, 2, "%s: exit %d: %s", file, rc, out);
	cr_assert(tu_has(out, where), "%s: wants '%s' in: %s", file, where, out);
	cr_assert(tu_has(out, what), "%s: wants '%s' in: %s", file, what, out);
	sqlite3 *d;
	cr_assert_eq(sqlite3_open(db, &d), SQLITE_OK);
	cr_assert_eq(one_int(d, "SELECT count(*) FROM runs"), 1, "%s stored something", file);
	cr_assert_eq(one_int(d, "SELECT count(*) FROM requests"), 12);
	sqlite3_close(d);
}

Test(validate, a_missing_column_is_refused)
{
	refused("tests/bad/served/missing_column.csv", "missing_column.csv:24:",
		"missing column 'switch_ms'");
}

Test(validate, a_bad_number_is_refused_at_its_line)
{
	refused("tests/bad/served/bad_number.csv", "bad_number.csv:29:", "133.3x3");
}

Test(validate, a_seq_out_of_order_is_refused_at_its_line)
{
	refused("tests/bad/served/bad_seq.csv", "bad_seq.csv:29:", "seq 5 where 4 was due");
}

Test(validate, a_variant_not_of_the_model_is_refused_at_its_line)
{
	refused("tests/bad/served/bad_variant.csv", "bad_variant.csv:32:",
		"is not a variant of mobilenet_v1");
}

Test(validate, a_truncated_file_is_refused_at_its_last_line)
{
	refused("tests/bad/served/truncated.csv", "truncated.csv:35:", "");
}

/* A value of the validate CSV: the row of metric, column col (1-based). */
static double csv_value(const char *csv, const char *metric, int col)
{
	char key[64];
	snprintf(key, sizeof key, "\n%s,", metric);
	const char *p = strstr(csv, key);
	cr_assert_not_null(p, "%s in %s", metric, csv);
	p += 1;
	for (int i = 0; i < col; i++) {
		p = strchr(p, ',');
		cr_assert_not_null(p);
		p++;
	}
	return *p == ',' ? NAN : atof(p);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "%s", path);
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/*
 * adascale validate --served: the real column is the import's metrics, the simulated column
 * is what a plain `adascale run` gives with the same arguments (the served arrivals as a
 * file: workload with service=meas, the served run's deadline, queue, seed and end).
 */
Test(validate, served_table_is_the_import_beside_a_plain_run, .timeout = 120 * TU_SLOW)
{
	const char *db = tu_scratch("val.db");
	remove(db);
	const char *md = tu_scratch("val.md"), *csvp = tu_scratch("val.csv");
	int rc = tu_adascale(out, sizeof out, "validate --served %s --db %s -o %s --csv %s",
			     OK_FILE, db, md, csvp);
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert(tu_has(out, "| latency p50 (ms) |"), "%s", out);
	cr_assert(tu_has(out, "| energy per inference (mJ) |"), "%s", out);
	cr_assert(tu_has(out, "not measured"), "%s", out);
	char csv[8192];
	snprintf(csv, sizeof csv, "%s", slurp(csvp));
	cr_assert(tu_has(slurp(md), "| miss rate (%) |"));

	/* the real column: the imported run */
	const char *imp = import_ok("val_import.db");
	sqlite3 *d;
	cr_assert_eq(sqlite3_open(imp, &d), SQLITE_OK);
	static const char *const m[] = {"lat_p50_ms", "lat_p95_ms", "lat_p99_ms", "switches",
					"mean_top1", "ontime_top1"};
	for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
		char sql[128];
		snprintf(sql, sizeof sql, "SELECT %s FROM runs", m[i]);
		cr_assert_float_eq(csv_value(csv, m[i], 4), one_double(d, sql),
				   1e-8 * fabs(one_double(d, sql)) + 1e-12, "real %s", m[i]);
	}
	double miss = 100 * one_double(d, "SELECT miss_rate FROM runs");
	cr_assert_float_eq(csv_value(csv, "miss_rate", 4), miss, 1e-8 * miss + 1e-12);
	sqlite3_close(d);

	/* the simulated column: a plain run with the same arguments */
	sqlite3 *v;
	cr_assert_eq(sqlite3_open(db, &v), SQLITE_OK);
	cr_assert_eq(one_int(v, "SELECT count(*) FROM runs WHERE tag = 'validate'"), 2);
	cr_assert_eq(one_int(v, "SELECT count(*) FROM runs WHERE world = 'real'"), 1);
	sqlite3_stmt *st;
	cr_assert_eq(sqlite3_prepare_v2(v, "SELECT workload FROM runs WHERE world = 'sim'", -1, &st,
					NULL),
		     SQLITE_OK);
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
	char workload[4096];
	snprintf(workload, sizeof workload, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(v);
	cr_assert(tu_has(workload, ",service=meas"), "%s", workload);
	const char *plain = tu_scratch("plain.db");
	remove(plain);
	rc = tu_adascale(out, sizeof out,
			 "run --trace tests/data/ramp.csv --device devices/xeon-kvm-2vcpu.ini "
			 "--model mobilenet_v1 --ops 'width=1,0.5 res=224,128' --policy greedy "
			 "--workload '%s' --deadline-ms 30 --seed 7 --duration-s 0.31 --db %s",
			 workload, plain);
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert_eq(sqlite3_open(plain, &d), SQLITE_OK);
	for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
		char sql[128];
		snprintf(sql, sizeof sql, "SELECT %s FROM runs", m[i]);
		double want = one_double(d, sql);
		cr_assert_float_eq(csv_value(csv, m[i], 3), want, 1e-8 * fabs(want) + 1e-12, "sim %s",
				   m[i]);
	}
	miss = 100 * one_double(d, "SELECT miss_rate FROM runs");
	cr_assert_float_eq(csv_value(csv, "miss_rate", 3), miss, 1e-8 * miss + 1e-12);
	/* the same request count as served: the arrivals are the served ones */
	cr_assert_eq(one_int(d, "SELECT requests FROM runs"), 12);
	sqlite3_close(d);
	/* the error column: relative for latency, points for the miss rate */
	double s50 = csv_value(csv, "lat_p50_ms", 3), r50 = csv_value(csv, "lat_p50_ms", 4);
	cr_assert_float_eq(csv_value(csv, "lat_p50_ms", 5), 100 * (s50 - r50) / r50, 1e-6);
	double sm = csv_value(csv, "miss_rate", 3), rm = csv_value(csv, "miss_rate", 4);
	cr_assert_float_eq(csv_value(csv, "miss_rate", 5), sm - rm, 1e-6);
}

/* The report of a validated pair draws the real and simulated latency CDFs on one plot. */
Test(validate, report_draws_real_and_simulated_cdfs_together, .timeout = 120 * TU_SLOW)
{
	const char *db = tu_scratch("rep.db");
	remove(db);
	int rc = tu_adascale(out, sizeof out, "validate --served %s --db %s --tag pair", OK_FILE, db);
	cr_assert_eq(rc, 0, "%s", out);
	const char *dir = tu_scratch("rep");
	rc = tu_adascale(out, sizeof out, "report --db %s --out %s", db, dir);
	cr_assert_eq(rc, 0, "%s", out);
	char path[4096];
	snprintf(path, sizeof path, "%s/validation_1.svg", dir);
	char *svg = slurp(path);
	cr_assert(tu_has(svg, "real: #1"), "the served run's curve");
	cr_assert(tu_has(svg, "simulated: #2"), "its simulation's curve");
	snprintf(path, sizeof path, "%s/index.html", dir);
	char *html = slurp(path);
	cr_assert(tu_has(html, "validation_1.svg"));
	cr_assert(tu_has(html, "greedy [real]"), "the real marker");
	cr_assert(tu_has(html, "not measured"), "a served run's energy");
}

/*
 * A file: workload takes ,service=: with ,service=det each request's work is the profiled
 * median, and with ,service=meas, as with the plain file: workload (the default), it is
 * drawn from the profiled spread, so latencies differ from the median's.
 */
Test(validate, file_workload_takes_a_service, .timeout = 60 * TU_SLOW)
{
	const char *arr = tu_write("arr.csv", "time_s\n0\n0.05\n0.1\n0.15\n0.2\n0.25\n");
	char w[3][4200];
	snprintf(w[0], sizeof w[0], "file:%s", arr);
	snprintf(w[1], sizeof w[1], "file:%s,service=det", arr);
	snprintf(w[2], sizeof w[2], "file:%s,service=meas", arr);
	double p50[3];
	for (int i = 0; i < 3; i++) {
		struct run_config c;
		run_config_defaults(&c);
		c.trace = "tests/data/ramp.csv";
		c.device = "devices/xeon-kvm-2vcpu.ini";
		c.model = "mobilenet_v1";
		c.ops = "width=0.5 res=128";
		c.policy = "greedy";
		c.workload = w[i];
		c.duration_s = 0.5;
		struct run_output *o;
		struct errbuf eb = {0};
		cr_assert_eq(run_execute(&c, &o, &eb), 0, "%s", eb.msg);
		cr_assert_eq(o->m.requests, 6);
		p50[i] = o->m.lat_p50_ms;
		run_output_destroy(o);
	}
	cr_assert_eq(p50[0], p50[2]);
	cr_assert_neq(p50[0], p50[1]);
}

/*
 * Without --served, adascale validate runs adascale-agent serve here (a second of real
 * serving on an idle trace), then imports and simulates it: the served file names this
 * host's CPU, the real and simulated runs see the same arrivals, and the real column is
 * what importing that served file gives.
 */
Test(validate, serves_here_then_simulates_the_same_arrivals, .timeout = 120 * TU_SLOW)
{
	const char *trace = tu_write("idle2.csv", "time_s,util_other\n0,0\n2,0\n");
	const char *db = tu_scratch("here.db"), *served = tu_scratch("here.served.csv");
	const char *csvp = tu_scratch("here.csv");
	remove(db);
	int rc = tu_adascale(out, sizeof out,
			     "validate --db %s --trace %s --device devices/xeon-kvm-2vcpu.ini "
			     "--model mobilenet_v1 --ops 'width=0.25 res=128' --policy greedy "
			     "--workload periodic:fps=10 --deadline-ms 200 --seed 3 --duration-s 1 "
			     "--served-out %s --csv %s",
			     db, trace, served, csvp);
	cr_assert_eq(rc, 0, "%s", out);
	char head[4096];
	snprintf(head, sizeof head, "%.4000s", slurp(served));
	cr_assert(tu_has(head, "# served: a real run of adascale-agent serve"), "%s", head);
	cr_assert(tu_has(head, "# seed: 3"), "%s", head);
	cr_assert(tu_has(head, " rows applied more than 100 ms after their time; the longest "),
		  "%s", head);
	sqlite3 *v;
	cr_assert_eq(sqlite3_open(db, &v), SQLITE_OK);
	sqlite3_int64 n_real = one_int(v, "SELECT requests FROM runs WHERE world = 'real'");
	cr_assert_geq(n_real, 9, "1 s at 10 fps: %lld requests", (long long)n_real);
	cr_assert_eq(one_int(v, "SELECT requests FROM runs WHERE world = 'sim'"), n_real);
	sqlite3_close(v);
	char csv[8192];
	snprintf(csv, sizeof csv, "%s", slurp(csvp));
	const char *imp = tu_scratch("here_import.db");
	remove(imp);
	rc = tu_adascale(out, sizeof out, "import-served %s --db %s", served, imp);
	cr_assert_eq(rc, 0, "%s", out);
	sqlite3 *d;
	cr_assert_eq(sqlite3_open(imp, &d), SQLITE_OK);
	double p50 = one_double(d, "SELECT lat_p50_ms FROM runs");
	cr_assert_float_eq(csv_value(csv, "lat_p50_ms", 4), p50, 1e-8 * p50);
	sqlite3_close(d);
}

/*
 * Serving here takes the competing load in the shape the device's calibration was measured
 * in (tests/data/calib2-packed.ini's says packed), so that both worlds read util_other
 * alike; served in the other shape (--load-shape), validate says the two differ.
 */
Test(validate, serves_in_the_load_shape_of_the_device_calibration, .timeout = 120 * TU_SLOW)
{
	const char *trace = tu_write("idle-shape.csv", "time_s,util_other\n0,0\n2,0\n");
	const char *db = tu_scratch("shape.db"), *served = tu_scratch("shape.served.csv");
	static const char args[] =
		"validate --db %s --trace %s --device tests/data/calib2-packed.ini "
		"--model mobilenet_v1 --ops 'width=0.25 res=128' --policy greedy "
		"--workload periodic:fps=10 --deadline-ms 200 --seed 3 --duration-s 0.5 "
		"--served-out %s%s";
	for (int other = 0; other < 2; other++) {
		remove(db);
		int rc = tu_adascale(out, sizeof out, args, db, trace, served,
				     other ? " --load-shape spread" : "");
		cr_assert_eq(rc, 0, "%s", out);
		char head[4096];
		snprintf(head, sizeof head, "%.4000s", slurp(served));
		cr_assert(tu_has(head, other ? "# load_shape: spread\n" : "# load_shape: packed\n"),
			  "%s", head);
		cr_assert(tu_has(head, other ? "spread (that duty cycle on every CPU)"
					     : "packed (whole CPUs first)"),
			  "%s", head);
		const char *warn = "the served run's load was spread, the device's calibration was "
				   "measured packed";
		cr_assert(other ? tu_has(out, warn) : !tu_has(out, "was measured"), "%s", out);
	}
	/* a served file's shape is one of the two words, refused at its line otherwise */
	char text[1 << 15], *at;
	snprintf(text, sizeof text, "%s", slurp(OK_FILE));
	cr_assert_not_null(at = strstr(text, "# applied: "));
	at = strchr(at, '\n') + 1;
	char bad[sizeof text];
	snprintf(bad, sizeof bad, "%.*s# load_shape: diagonal\n%s", (int)(at - text), text, at);
	const char *imp = import_ok("shape-import.db");
	int rc = tu_adascale(out, sizeof out, "import-served %s --db %s",
			     tu_write("shape-bad.served.csv", bad), imp);
	cr_assert_eq(rc, 2, "%s", out);
	cr_assert(tu_has(out, "shape-bad.served.csv:22:") &&
			  tu_has(out, "is neither spread nor packed"),
		  "%s", out);
}

Test(validate, a_trace_applied_late_and_how_memory_was_taken_are_in_the_notes, .timeout = 60 * TU_SLOW)
{
	/* the fixture with serve's trace_lag line saying that 3 rows were applied late */
	char text[1 << 15], *at;
	snprintf(text, sizeof text, "%s", slurp(OK_FILE));
	cr_assert_not_null(at = strstr(text, "# applied: "));
	at = strchr(at, '\n') + 1;
	char late[sizeof text];
	snprintf(late, sizeof late,
		 "%.*s# trace_lag: 3 of 20 rows applied more than 100 ms after their time; the "
		 "longest 2500.000 ms, the row at 12.000 s\n# mem_apply: before time 0, 800 MB "
		 "taken in 1.000 s and given back, then 900 MB/s taking it again; rows started up "
		 "to 300.000 ms ahead of their time at 720 MB/s; taking memory used 0.700 s of the "
		 "applier's CPU after time 0, load that no util_other holds\n%s",
		 (int)(at - text), text, at);
	const char *served = tu_write("late.served.csv", late);
	const char *db = tu_scratch("late.db");
	remove(db);
	cr_assert_eq(tu_adascale(out, sizeof out, "import-served %s --db %s", served, db), 0,
		     "%s", out);
	sqlite3 *d;
	cr_assert_eq(sqlite3_open(db, &d), SQLITE_OK);
	sqlite3_stmt *st;
	cr_assert_eq(sqlite3_prepare_v2(d, "SELECT error FROM runs", -1, &st, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
	const char *notes = (const char *)sqlite3_column_text(st, 0);
	cr_assert(tu_has(notes, "trace applied late: 3 of 20 rows applied more than 100 ms"),
		  "%s", notes);
	/* and how its memory was taken, with the CPU that took it */
	cr_assert(tu_has(notes, "memory: before time 0, 800 MB taken") &&
			  tu_has(notes, "used 0.700 s of the applier's CPU"),
		  "%s", notes);
	sqlite3_finalize(st);
	sqlite3_close(d);
	/* the fixture as it is (no trace_lag line: a file from before it) says nothing */
	remove(db);
	cr_assert_eq(tu_adascale(out, sizeof out, "import-served %s --db %s", OK_FILE, db), 0,
		     "%s", out);
	cr_assert_eq(sqlite3_open(db, &d), SQLITE_OK);
	cr_assert_eq(sqlite3_prepare_v2(d, "SELECT error FROM runs", -1, &st, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
	cr_assert(!tu_has((const char *)sqlite3_column_text(st, 0), "applied late"));
	sqlite3_finalize(st);
	sqlite3_close(d);
}

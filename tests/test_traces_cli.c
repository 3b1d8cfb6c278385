/*
 * test_traces_cli.c: the trace tools: `trace check` (validation, gaps, the summary's
 * time-weighted means, file:line errors and exit 2), `trace gen` (every scenario checks,
 * same seed same bytes, the models do what their documentation says, the bundled traces
 * regenerate from their own header), `trace import` (the real stressberry, Exynos ftrace
 * and agent recordings: values kept, provenance kept, the results replay in a run) and
 * `trace plot` (PNG and SVG through gnuplot, names kept out of commands).
 * The importers are tested on small files in the real formats that the project wrote
 * (tests/data/import/), and on the real recordings in ../shared/data/traces/ (never copied
 * into the repository) where that folder is present; without it those tests say they are
 * skipped.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "csvin.h"
#include "err.h"
#include "num.h"
#include "plot.h"
#include "run.h"
#include "tcheck.h"
#include "testutil.h"
#include "tgen.h"
#include "timport.h"
#include "tplot.h"
#include "trace.h"

#define SHARED_TRACES "../shared/data/traces"
#define STRESSBERRY SHARED_TRACES "/rpi_stressberry_thermal_traces.csv"
#define EXYNOS SHARED_TRACES "/exynos5422_ipa_ftrace_trappy.csv"
#define SMALL_STRESSBERRY "tests/data/import/stressberry_small.csv"
#define SMALL_EXYNOS "tests/data/import/exynos_like_ftrace.csv"

static char out[1 << 16];

/* Runs `adascale ARGS` (stdout and stderr into out); returns the exit status. */
static int adascale(const char *args)
{
	char cmd[8192];
	snprintf(cmd, sizeof cmd, "%s/adascale %s", tu_bin(), args);
	return tu_run(cmd, out, sizeof out);
}

/* The whole file, NUL-terminated (caller frees); NULL when it cannot be read. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap + 1);
	size_t r;
	while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			char *b = realloc(buf, 2 * cap + 1);
			if (!b) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = b;
			cap *= 2;
		}
	}
	fclose(f);
	if (buf)
		buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

static const char *path_in_dir(const char *name)
{
	static char p[8][512];
	static int k;
	char *s = p[k++ % 8];
	snprintf(s, 512, "%s/%s", tu_dir(), name);
	return s;
}

/* Generates a scenario into a file with the library; returns the path. */
static const char *gen_file(const char *name, const char *scenario, uint64_t seed,
			    double duration_s, int n_kv, const char *const *kv)
{
	const char *p = path_in_dir(name);
	FILE *f = fopen(p, "w");
	cr_assert_not_null(f);
	struct tgen_opts o;
	tgen_opts_default(&o);
	o.scenario = scenario;
	o.seed = seed;
	o.duration_s = duration_s;
	o.n_kv = n_kv;
	o.kv = kv;
	struct errbuf eb = {0, ""};
	int rc = tgen_write(f, &o, &eb);
	fclose(f);
	cr_assert_eq(rc, 0, "%s: %s", scenario, eb.msg);
	return p;
}

static struct tcheck_report *check_ok(const char *path)
{
	struct errbuf eb = {0, ""};
	struct tcheck_report *r = NULL;
	int rc = tcheck_file(path, NULL, &r, &eb);
	cr_assert_eq(rc, 0, "%s: %s", path, eb.msg);
	return r;
}

static const struct tcheck_col *col_of(const struct tcheck_report *r, const char *name)
{
	for (int i = 0; i < r->n_cols; i++)
		if (strcmp(r->cols[i].name, name) == 0)
			return &r->cols[i];
	cr_assert_fail("%s: no column %s", r->path, name);
	return NULL;
}

static const char *meta_of(const struct tcheck_report *r, const char *key)
{
	for (int i = 0; i < r->n_meta; i++)
		if (strcmp(r->meta[i].key, key) == 0)
			return r->meta[i].value;
	return NULL;
}

/* ---- check -------------------------------------------------------------------------- */

Test(traces, check_summary_weights_held_values_by_time)
{
	/* util 0 held for 9 s, then 1 for 1 s: time-weighted 0.1, the plain mean would be 2/3 */
	const char *p = tu_write("tw.csv", "# max_freq_mhz: 2000\n# note: hand-made\n"
					   "time_s,util_other,freq_mhz\n0,0,2000\n9,1,\n10,1,1000\n");
	struct tcheck_report *r = check_ok(p);
	cr_assert_eq(r->n_rows, 3);
	cr_assert_float_eq(r->end_s - r->start_s, 10, 1e-12);
	cr_assert_float_eq(col_of(r, "util_other")->mean, 0.1, 1e-12);
	cr_assert_float_eq(col_of(r, "util_other")->max, 1, 0);
	/* freq 2000 held for 10 s (the last row's value lasts no time) */
	cr_assert_float_eq(col_of(r, "freq_mhz")->mean, 2000, 1e-9);
	cr_assert_eq(col_of(r, "freq_mhz")->n_values, 2, "an empty field is no value");
	cr_assert_float_eq(r->interval_median_s, 5, 1e-12, "intervals 9 and 1");
	cr_assert_float_eq(r->interval_max_s, 9, 1e-12);
	cr_assert_str_eq(meta_of(r, "note"), "hand-made");
	tcheck_report_destroy(r);
}

Test(traces, check_reports_gaps_as_warnings_and_strict_fails)
{
	char text[4096] = "time_s,util_other\n";
	for (int i = 0; i <= 20; i++)
		snprintf(text + strlen(text), sizeof text - strlen(text), "%g,0.5\n",
			 i < 10 ? i * 0.5 : 60 + i * 0.5);
	const char *p = tu_write("gap.csv", text);
	struct tcheck_report *r = check_ok(p);
	cr_assert_eq(r->n_gaps, 1);
	cr_assert_eq(r->n_warnings, 1);
	/* the gap ends at the 11th data row: line 12 */
	cr_assert(tu_has(r->warnings[0], "gap.csv:12: warning: gap of 60.5 s"), "%s",
		  r->warnings[0]);
	tcheck_report_destroy(r);

	char args[1024];
	snprintf(args, sizeof args, "trace check %s", p);
	cr_assert_eq(adascale(args), 0, "%s", out);
	cr_assert(tu_has(out, "gap.csv:12: warning: gap"), "%s", out);
	snprintf(args, sizeof args, "trace check --strict %s", p);
	cr_assert_eq(adascale(args), 2, "%s", out);
	cr_assert(tu_has(out, "adascale: "), "%s", out);

	/* rows written only on change are not judged by their intervals */
	p = tu_write("ev.csv", "# sampling: events\ntime_s,util_other\n0,0\n0.1,0.5\n0.2,0\n"
			       "50,1\n");
	r = check_ok(p);
	cr_assert_eq(r->n_warnings, 0, "%s", r->warnings[0]);
	cr_assert(r->event_sampled);
	tcheck_report_destroy(r);
}

struct bad {
	const char *name, *text, *expect;
};

Test(traces, check_names_file_and_line_and_exits_2)
{
	static const struct bad cases[] = {
		{"back.csv", "time_s,util_other\n0,0\n2,0.5\n1,0.5\n", "back.csv:4: time goes backwards"},
		{"range.csv", "time_s,battery_pct\n0,50\n1,101\n",
		 "range.csv:3:2: column 'battery_pct': 101 is outside [0, 100]"},
		{"col.csv", "time_s,freq\n0,1\n", "col.csv:1:2: unknown column 'freq'"},
		/* bytes that are not text are quoted escaped, never raw */
		{"bytes.csv", "time_s,fr\xffq\x1b[2J\n0,1\n",
		 "bytes.csv:1:2: unknown column 'fr\\xffq\\x1b[2J'"},
		{"fields.csv", "# max_freq_mhz: 2000\ntime_s,util_other\n0,0\n1,0,3\n",
		 "fields.csv:4: 3 fields, the header has 2"},
		{"nan.csv", "time_s,temp_c\n0,40\n1,nan\n", "nan.csv:3:2: column 'temp_c'"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *p = tu_write(cases[i].name, cases[i].text);
		struct errbuf eb = {0, ""};
		struct tcheck_report *r = NULL;
		cr_expect_lt(tcheck_file(p, NULL, &r, &eb), 0, "%s accepted", cases[i].name);
		cr_expect_null(r);
		cr_expect(tu_has(eb.msg, cases[i].expect), "%s: '%s'", cases[i].name, eb.msg);
		char args[1024];
		snprintf(args, sizeof args, "trace check %s", p);
		cr_expect_eq(adascale(args), 2, "%s: %s", cases[i].name, out);
		cr_expect(tu_has(out, "adascale: ") && tu_has(out, cases[i].expect), "%s: %s",
			  cases[i].name, out);
	}
	/* a frequency above the trace's own maximum is a warning */
	const char *p = tu_write("over.csv", "# max_freq_mhz: 1000\ntime_s,freq_mhz\n0,900\n1,1200\n");
	struct tcheck_report *r = check_ok(p);
	cr_assert_eq(r->n_warnings, 1);
	cr_assert(tu_has(r->warnings[0], "over.csv:4: warning: freq_mhz 1200 is above"), "%s",
		  r->warnings[0]);
	tcheck_report_destroy(r);
}

/* ---- gen ---------------------------------------------------------------------------- */

Test(traces, every_generator_checks_and_is_reproducible)
{
	cr_assert_geq(tgen_n_scenarios(), 6);
	for (int i = 0; i < tgen_n_scenarios(); i++) {
		const struct tgen_scenario *s = tgen_scenario_at(i);
		char n1[96], n2[96], n3[96];
		snprintf(n1, sizeof n1, "%s-a.csv", s->name);
		snprintf(n2, sizeof n2, "%s-b.csv", s->name);
		snprintf(n3, sizeof n3, "%s-c.csv", s->name);
		const char *a = gen_file(n1, s->name, 7, 0, 0, NULL);
		const char *b = gen_file(n2, s->name, 7, 0, 0, NULL);
		const char *c = gen_file(n3, s->name, 8, 0, 0, NULL);
		struct tcheck_report *r = check_ok(a);
		cr_expect_eq(r->n_warnings, 0, "%s: %s", s->name, r->warnings[0]);
		cr_expect_float_eq(r->end_s, s->duration_s, 1e-9, "%s", s->name);
		cr_expect_eq(r->n_rows, (long)llround(s->duration_s * 1000 / s->interval_ms) + 1,
			     "%s", s->name);
		cr_expect_float_eq(r->interval_median_s, s->interval_ms / 1000.0, 1e-12);
		char expect[128];
		snprintf(expect, sizeof expect, "adascale trace gen %s --seed 7 ", s->name);
		const char *g = meta_of(r, "generator");
		cr_expect(g && strncmp(g, expect, strlen(expect)) == 0, "%s", g);
		cr_expect_str_eq(meta_of(r, "seed"), "7");
		cr_expect_not_null(meta_of(r, "max_freq_mhz"));
		/* every documented parameter is written out in the command */
		for (int j = 0; j < s->n_params; j++) {
			char kv[64];
			snprintf(kv, sizeof kv, " %s=", s->params[j].name);
			cr_expect(g && strstr(g, kv), "%s: %s missing from the generator line",
				  s->name, kv);
		}
		tcheck_report_destroy(r);
		size_t la, lb, lc;
		char *ta = slurp(a, &la), *tb = slurp(b, &lb), *tc = slurp(c, &lc);
		cr_assert(ta && tb && tc);
		cr_expect(la == lb && memcmp(ta, tb, la) == 0, "%s: same seed, other bytes", s->name);
		cr_expect(la != lc || memcmp(ta, tc, la) != 0, "%s: another seed, the same bytes",
			  s->name);
		free(ta);
		free(tb);
		free(tc);
	}
}

/* Loads a generated trace's rows: time and the values of up to 6 columns. */
struct series {
	long n;
	double t[20000];
	double v[6][20000];
};

static void load_series(const char *path, const char *const *cols, int n_cols, struct series *s)
{
	struct errbuf eb = {0, ""};
	struct csvin *c = csvin_open(path, &eb);
	cr_assert_not_null(c, "%s", eb.msg);
	int idx[6], ct = csvin_col(c, "time_s");
	for (int j = 0; j < n_cols; j++) {
		idx[j] = csvin_col(c, cols[j]);
		cr_assert_geq(idx[j], 0, "%s: no %s", path, cols[j]);
	}
	s->n = 0;
	while (csvin_next(c, &eb) == 1 && s->n < 20000) {
		cr_assert_eq(csvin_double(c, ct, &s->t[s->n], &eb), 0);
		for (int j = 0; j < n_cols; j++)
			cr_assert_eq(csvin_double(c, idx[j], &s->v[j][s->n], &eb), 0, "%s", eb.msg);
		s->n++;
	}
	csvin_close(c);
}

static struct series ser;

Test(traces, generators_model_what_they_document)
{
	/* thermal: capped while hot under load, back at the maximum once cool */
	static const char *const thermal_kv[] = {"load_start_s=30", "load_end_s=300"};
	const char *p = gen_file("th.csv", "thermal", 1, 600, 2, thermal_kv);
	static const char *const ft[] = {"freq_mhz", "temp_c"};
	load_series(p, ft, 2, &ser);
	double min_f = 1e9, max_t = 0;
	for (long i = 0; i < ser.n; i++) {
		if (ser.t[i] < 25) {
			cr_expect_float_eq(ser.v[0][i], 2000, 0, "no cap before the load at %g s", ser.t[i]);
			cr_expect_lt(ser.v[1][i], 40);
		}
		if (ser.t[i] >= 30 && ser.t[i] <= 300) {
			min_f = fmin(min_f, ser.v[0][i]);
			max_t = fmax(max_t, ser.v[1][i]);
		}
	}
	cr_expect_lt(min_f, 2000, "sustained load must trip the governor");
	cr_expect_geq(min_f, 500, "never below min_freq_mhz");
	cr_expect_geq(max_t, 65, "the trip is reached");
	cr_expect_float_eq(ser.v[0][ser.n - 1], 2000, 0, "recovered when cool");
	cr_expect_lt(ser.v[1][ser.n - 1], 45);

	/* memory: apps make free memory fall under minfree, kills bring it back up */
	p = gen_file("mem.csv", "memory_pressure", 3, 300, 0, NULL);
	static const char *const fm[] = {"mem_avail_mb", "util_other"};
	load_series(p, fm, 2, &ser);
	int below = 0, recovered = 0, launches = 0;
	for (long i = 1; i < ser.n; i++) {
		below |= ser.v[0][i] < 400;
		if (below && ser.v[0][i] - ser.v[0][i - 1] > 100)
			recovered = 1;
		launches += ser.v[1][i] > 0.5;
	}
	cr_expect(below, "free memory should fall under minfree_mb");
	cr_expect(recovered, "the low-memory killer should return memory");
	cr_expect_gt(launches, 0, "launches take util_other up");
	cr_expect_gt(ser.v[0][0], 2800, "free memory starts near base_free_mb");

	/* battery saver: the cap comes when the battery reaches saver_pct, not before */
	p = gen_file("saver.csv", "battery_saver", 1, 300, 0, NULL);
	static const char *const fb[] = {"freq_mhz", "battery_pct", "charging"};
	load_series(p, fb, 3, &ser);
	int capped = 0;
	for (long i = 0; i < ser.n; i++) {
		cr_expect_float_eq(ser.v[2][i], 0, 0);
		if (ser.v[1][i] > 20)
			cr_expect_float_eq(ser.v[0][i], 2000, 0, "at %g%%", ser.v[1][i]);
		else
			capped += ser.v[0][i] == 1400;
		if (i)
			cr_expect_leq(ser.v[1][i], ser.v[1][i - 1], "draining");
	}
	cr_expect_gt(capped, 0, "the saver caps at 70%% of 2000 MHz");

	/* charging: unplugged, then charging; the battery rises and the device warms */
	p = gen_file("chg.csv", "charging", 1, 600, 0, NULL);
	static const char *const fc[] = {"charging", "battery_pct", "temp_c"};
	load_series(p, fc, 3, &ser);
	for (long i = 0; i < ser.n; i++)
		cr_expect_float_eq(ser.v[0][i], ser.t[i] >= 30 ? 1 : 0, 0, "at %g s", ser.t[i]);
	cr_expect_gt(ser.v[1][ser.n - 1], ser.v[1][30] + 5, "charging raises the battery");
	cr_expect_gt(ser.v[2][ser.n - 1], ser.v[2][0] + 5, "charging warms the device");
}

Test(traces, bad_gen_arguments_exit_2_and_write_nothing)
{
	const char *o = path_in_dir("never.csv");
	char args[1024];
	static const char *const bad[] = {"thermal trip_c=1000", "thermal nope=1",
					  "thermal --interval-ms 15", "volcano",
					  "bursts burst_lo=0.9 burst_hi=0.1", "thermal load=0.5 load=0.6"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(args, sizeof args, "trace gen %s -o %s", bad[i], o);
		cr_expect_eq(adascale(args), 2, "%s: %s", bad[i], out);
		cr_expect(tu_has(out, "adascale: "), "%s: %s", bad[i], out);
		struct stat st;
		cr_expect_neq(stat(o, &st), 0, "%s left a file", bad[i]);
	}
	/* a good one through the binary, then checked through the binary */
	const char *good = path_in_dir("good-bursts.csv");
	snprintf(args, sizeof args, "trace gen bursts --seed 5 --duration-s 30 jitter=0 -o %s", good);
	cr_assert_eq(adascale(args), 0, "%s", out);
	snprintf(args, sizeof args, "trace check %s", good);
	cr_assert_eq(adascale(args), 0, "%s", out);
	cr_expect(tu_has(out, "good-bursts.csv: ok, 301 rows, 30 s"), "%s", out);
	cr_expect(tu_has(out, "# generator: adascale trace gen bursts --seed 5 --duration-s 30 "
			      "--interval-ms 100 base_util=0.05 burst_lo=0.3 burst_hi=0.9 on_s=8 "
			      "off_s=20 jitter=0\n"),
		  "%s", out);
	cr_assert_eq(adascale("trace gen --help"), 0);
	for (int i = 0; i < tgen_n_scenarios(); i++)
		cr_expect(tu_has(out, tgen_scenario_at(i)->name), "%s undocumented",
			  tgen_scenario_at(i)->name);
}

/* Every bundled generated trace is exactly what its own `# generator:` line writes. */
Test(traces, bundled_generated_traces_regenerate_from_their_header)
{
	int found = 0;
	for (int i = 0; i < tgen_n_scenarios(); i++) {
		char path[256];
		snprintf(path, sizeof path, "traces/%s.csv", tgen_scenario_at(i)->name);
		struct errbuf eb = {0, ""};
		struct csvin *c = csvin_open(path, &eb);
		cr_assert_not_null(c, "bundled scenario missing: %s", eb.msg);
		const char *g = csvin_meta(c, "generator");
		cr_assert(g && strncmp(g, "adascale ", 9) == 0, "%s: %s", path, g ? g : "none");
		char args[4096], regen[512];
		snprintf(regen, sizeof regen, "%s/regen-%d.csv", tu_dir(), i);
		snprintf(args, sizeof args, "%s -o %s", g + 9, regen);
		csvin_close(c);
		cr_assert_eq(adascale(args), 0, "%s: %s", path, out);
		size_t la, lb;
		char *a = slurp(path, &la), *b = slurp(regen, &lb);
		cr_assert(a && b);
		cr_expect(la == lb && memcmp(a, b, la) == 0, "%s differs from its regeneration", path);
		free(a);
		free(b);
		struct tcheck_report *r = check_ok(path);
		cr_expect_eq(r->n_warnings, 0);
		cr_expect_geq(r->end_s, 120, "%s: a few minutes", path);
		tcheck_report_destroy(r);
		found++;
	}
	cr_assert_eq(found, tgen_n_scenarios());
}

/* ---- import ------------------------------------------------------------------------- */

static int import(const struct timport_opts *o, struct errbuf *eb)
{
	return timport_run(o, NULL, eb);
}

static struct run_output *replay(const char *trace)
{
	struct run_config c;
	run_config_defaults(&c);
	c.trace = trace;
	c.device = "devices/xeon-kvm-2vcpu.ini";
	c.timings = "devices/xeon-kvm-2vcpu/timings.csv";
	c.model = "mobilenet_v1";
	c.policy = "greedy";
	c.deadline_ms = 33;
	c.workload = "periodic:fps=5";
	struct errbuf eb = {0, ""};
	struct run_output *o = NULL;
	int rc = run_execute(&c, &o, &eb);
	cr_assert_eq(rc, 0, "%s: run failed: %s", trace, eb.msg);
	cr_assert_gt(o->m.requests, 0);
	cr_assert_gt(o->m.served, 0);
	return o;
}

/*
 * Walks a stressberry recordings CSV (in) against the traces its import wrote into dir:
 * every row must be found, in order, with the same text, in its recording's trace, and
 * the provenance must name source and licence. Counts recordings, those with a clock, rows.
 */
static void stressberry_walk(const char *in, const char *dir, const char *source,
			     const char *licence, int *n_rec, int *n_with_clock, long *n_rows)
{
	struct errbuf eb = {0, ""};
	struct csvin *src = csvin_open(in, &eb);
	cr_assert_not_null(src, "%s", eb.msg);
	int cf = csvin_col(src, "file"), ct = csvin_col(src, "time_s"),
	    cte = csvin_col(src, "temperature_c"), cfr = csvin_col(src, "cpu_freq_mhz");
	char cur[256] = "";
	struct csvin *tr = NULL;
	int itemp = -1, ifreq = -1, itime = -1;
	*n_rec = *n_with_clock = 0;
	*n_rows = 0;
	while (csvin_next(src, &eb) == 1) {
		const char *file = csvin_field(src, cf);
		if (strcmp(file, cur) != 0) {
			cr_assert(!tr || csvin_next(tr, &eb) == 0, "%s has extra rows", cur);
			csvin_close(tr);
			snprintf(cur, sizeof cur, "%s", file);
			char id[256], path[768];
			snprintf(id, sizeof id, "%s", file);
			id[strlen(id) - 4] = '\0'; /* ".dat" */
			snprintf(path, sizeof path, "%s/%s.csv", dir, id);
			struct tcheck_report *r = check_ok(path);
			char by[1024];
			snprintf(by, sizeof by, "adascale trace import --from stressberry %s", in);
			cr_expect(tu_has(meta_of(r, "licence"), licence));
			cr_expect(tu_has(meta_of(r, "source"), source));
			cr_expect(tu_has(meta_of(r, "imported_by"), by));
			cr_expect(tu_has(meta_of(r, "recording"), file));
			tcheck_report_destroy(r);
			tr = csvin_open(path, &eb);
			cr_assert_not_null(tr, "%s", eb.msg);
			itime = csvin_col(tr, "time_s");
			itemp = csvin_col(tr, "temp_c");
			ifreq = csvin_col(tr, "freq_mhz");
			(*n_rec)++;
			*n_with_clock += ifreq >= 0;
		}
		cr_assert_eq(csvin_next(tr, &eb), 1, "%s ends early", cur);
		(*n_rows)++;
		double a, b;
		cr_assert_str_eq(csvin_field(tr, itime), csvin_field(src, ct));
		cr_assert_str_eq(csvin_field(tr, itemp), csvin_field(src, cte), "%s line %ld", cur,
				 csvin_line(src));
		cr_assert_eq(num_double(csvin_field(tr, itemp), &a), 0);
		cr_assert_eq(num_double(csvin_field(src, cte), &b), 0);
		cr_assert(a == b);
		const char *clock = csvin_field(src, cfr);
		if (ifreq >= 0) {
			cr_assert_str_eq(csvin_field(tr, ifreq), clock, "%s line %ld", cur,
					 csvin_line(src));
		} else {
			cr_assert_str_eq(clock, "", "%s has a clock the trace lost", cur);
		}
	}
	cr_assert(csvin_next(tr, &eb) == 0, "%s has extra rows", cur);
	csvin_close(tr);
	csvin_close(src);
}

/* Skips the calling test, saying so, when the real recordings are not beside the clone. */
static void need_shared_traces(void)
{
	struct stat st;
	if (stat(SHARED_TRACES, &st) != 0 || !S_ISDIR(st.st_mode))
		cr_skip_test("%s not found: the test on the real recordings is skipped (the "
			     "importers are still tested on tests/data/import/)", SHARED_TRACES);
}

Test(traces, stressberry_import_keeps_every_value_and_replays)
{
	need_shared_traces();
	const char *dir = path_in_dir("sb");
	struct timport_opts o;
	timport_opts_default(&o);
	o.format = "stressberry";
	o.in = STRESSBERRY;
	o.out_dir = dir;
	struct errbuf eb = {0, ""};
	cr_assert_eq(import(&o, &eb), 0, "%s", eb.msg);

	int n_rec, n_with_clock;
	long n_rows;
	stressberry_walk(STRESSBERRY, dir, "nschloe/stressberry", "GPL-3.0", &n_rec, &n_with_clock,
			 &n_rows);
	cr_assert_eq(n_rec, 16);
	cr_assert_eq(n_with_clock, 9, "the rpi4b recordings carry the ARM clock");
	cr_assert_gt(n_rows, 4600);

	/* two of them (with and without a clock) replay */
	char p[512];
	snprintf(p, sizeof p, "%s/rpi4b-stock.csv", dir);
	struct run_output *r = replay(p);
	cr_expect_gt(r->m.sim_s, 590);
	run_output_destroy(r);
	snprintf(p, sizeof p, "%s/rpi3b-naked.csv", dir);
	run_output_destroy(replay(p));

	/* one recording to a single file, by id */
	o.out_dir = NULL;
	o.out = path_in_dir("one.csv");
	o.recording = "rpi4b-argon-one";
	cr_assert_eq(import(&o, &eb), 0, "%s", eb.msg);
	struct tcheck_report *one = check_ok(o.out);
	cr_expect_float_eq(col_of(one, "freq_mhz")->max, 1950.486272, 0);
	cr_expect_str_eq(meta_of(one, "max_freq_mhz"), "1950.486272");
	tcheck_report_destroy(one);
	/* all of them to one file is refused */
	o.recording = NULL;
	o.out = path_in_dir("all.csv");
	cr_assert_eq(import(&o, &eb), ERR_USAGE);
	struct stat st;
	cr_expect_neq(stat(o.out, &st), 0);
}

/* The same walk on a small file in the format (tests/data/import/), present in every clone. */
Test(traces, stressberry_import_of_a_small_file_keeps_every_value_and_replays)
{
	const char *dir = path_in_dir("sb-small");
	struct timport_opts o;
	timport_opts_default(&o);
	o.format = "stressberry";
	o.in = SMALL_STRESSBERRY;
	o.out_dir = dir;
	struct errbuf eb = {0, ""};
	cr_assert_eq(import(&o, &eb), 0, "%s", eb.msg);
	int n_rec, n_with_clock;
	long n_rows;
	stressberry_walk(SMALL_STRESSBERRY, dir, "written for adascale's tests", "CC0-1.0", &n_rec,
			 &n_with_clock, &n_rows);
	/* the file's own counts: two recordings, 7 + 6 rows, the rpi4b one with a clock */
	cr_assert_eq(n_rec, 2);
	cr_assert_eq(n_with_clock, 1);
	cr_assert_eq(n_rows, 13);
	char p[512];
	snprintf(p, sizeof p, "%s/rpi4b-test-fan.csv", dir);
	struct tcheck_report *r = check_ok(p);
	/* the highest cpu_freq_mhz of that recording in the file */
	cr_expect_str_eq(meta_of(r, "max_freq_mhz"), "1500.398");
	tcheck_report_destroy(r);
	run_output_destroy(replay(p));
	snprintf(p, sizeof p, "%s/rpi3b-test-naked.csv", dir);
	run_output_destroy(replay(p));
}

Test(traces, stressberry_errors_name_the_line_and_write_nothing)
{
	const char *p = tu_write("sb-bad.csv",
				 "# SOURCE: test. Licence: MIT\n"
				 "file,board,cooling,time_s,temperature_c,cpu_freq_mhz\n"
				 "a.dat,rpi4b,none,0,40.0,1500\n"
				 "a.dat,rpi4b,none,2,41.0,1500\n"
				 "b.dat,rpi4b,none,0,40.0,1500\n"
				 "b.dat,rpi4b,none,2,hot,1500\n");
	const char *dir = path_in_dir("sb-bad");
	struct timport_opts o;
	timport_opts_default(&o);
	o.format = "stressberry";
	o.in = p;
	o.out_dir = dir;
	struct errbuf eb = {0, ""};
	cr_assert_eq(import(&o, &eb), ERR_PARSE);
	cr_expect(tu_has(eb.msg, "sb-bad.csv:6:5: column 'temperature_c'"), "%s", eb.msg);
	char probe[768];
	snprintf(probe, sizeof probe, "%s/a.csv", dir);
	struct stat st;
	cr_expect_neq(stat(probe, &st), 0, "a failed import must leave no trace behind");

	p = tu_write("sb-back.csv", "file,time_s,temperature_c\n"
				    "a.dat,0,40\na.dat,2,40\na.dat,1,40\n");
	o.in = p;
	cr_assert_eq(import(&o, &eb), ERR_RANGE);
	cr_expect(tu_has(eb.msg, "sb-back.csv:4: time goes backwards"), "%s", eb.msg);
	/* the licence of the source line, when it names one */
	p = tu_write("sb-ok.csv", "# SOURCE: somewhere (MIT)\nfile,time_s,temperature_c\n"
				  "x.dat,0,40\nx.dat,2,41\n");
	o.in = p;
	cr_assert_eq(import(&o, &eb), 0, "%s", eb.msg);
	snprintf(probe, sizeof probe, "%s/x.csv", dir);
	struct tcheck_report *r = check_ok(probe);
	cr_expect(tu_has(meta_of(r, "licence"), "MIT"), "%s", meta_of(r, "licence"));
	tcheck_report_destroy(r);
}

static const char ftrace_text[] =
	"version = 6\n"
	"cpus=8\n"
	"CPU 3 is empty\n"
	"          <idle>-0     [000]   100.000000: cpu_frequency:        state=1000000 cpu_id=0\n"
	"          <idle>-0     [004]   100.000000: cpu_frequency:        state=1800000 cpu_id=4\n"
	"     kworker/0:1-42    [000] d..2   100.250000: cpu_load:  cpu_id=0 load=80 cur_freq=1000000\n"
	"     kworker/4:0-43    [004]   100.250000: cpu_load:  cpu_id=4 load=40\n"
	"          <idle>-0     [000]   100.500000: thermal_temperature:  thermal_zone=soc id=0 "
	"temp_prev=50000 temp=51500\n"
	"          <idle>-0     [000]   100.500000: thermal_temperature:  thermal_zone=gpu id=1 "
	"temp_prev=40000 temp=41000\n"
	"              ls-4734  [002]   100.600000: sched_switch:         ls:4734 [120] R ==> a:1 [0]\n"
	"          <idle>-0     [005]   101.000000: cpu_frequency:        state=1200000 cpu_id=5\n"
	"          <idle>-0     [000]   102.000000: cdev_update:          type=thermal-cpufreq-0 target=0\n";

Test(traces, ftrace_text_maps_events_to_columns)
{
	const char *p = tu_write("report.txt", ftrace_text);
	struct timport_opts o;
	timport_opts_default(&o);
	o.format = "ftrace";
	o.in = p;
	o.clusters = "0-3,4-7";
	o.max_freq = "1400,2000";
	o.licence = "CC0-1.0";
	o.out = path_in_dir("ft.csv");
	struct errbuf eb = {0, ""};
	cr_assert_eq(import(&o, &eb), 0, "%s", eb.msg);
	size_t n;
	char *text = slurp(o.out, &n);
	cr_assert_not_null(text);
	cr_expect(tu_has(text, "# licence: CC0-1.0\n"), "%s", text);
	cr_expect(tu_has(text, "# max_freq_mhz.0: 1400\n# max_freq_mhz.1: 2000\n"), "%s", text);
	cr_expect(tu_has(text, "# thermal_zone: soc\n"), "%s", text);
	cr_expect(tu_has(text, "# events_ignored: sched_switch 1, cdev_update 1\n"), "%s", text);
	/* cpus=8: util is the mean over 8 CPUs, (0.8 + 0.4) / 8 = 0.15 */
	cr_expect(tu_has(text, "time_s,freq_mhz.0,freq_mhz.1,util_other,temp_c\n"
			       "0,1000,1800,,\n"
			       "0.25,1000,1800,0.15,\n"
			       "0.5,1000,1800,0.15,51.5\n"
			       "1,1000,1200,0.15,51.5\n"
			       "2,1000,1200,0.15,51.5\n"),
		  "%s", text);
	free(text);
	struct tcheck_report *r = check_ok(o.out);
	cr_expect(r->event_sampled);
	tcheck_report_destroy(r);

	/* resampled every 500 ms, the other zone */
	o.interval_ms = 500;
	o.zone = "gpu";
	cr_assert_eq(import(&o, &eb), 0, "%s", eb.msg);
	text = slurp(o.out, &n);
	cr_expect(tu_has(text, "0,1000,1800,,\n0.5,1000,1800,0.15,41\n1,1000,1200,0.15,41\n"
			       "1.5,1000,1200,0.15,41\n2,1000,1200,0.15,41\n"),
		  "%s", text);
	free(text);

	/* a CPU outside every cluster, a bad field */
	o.interval_ms = 0;
	o.zone = NULL;
	o.clusters = "0-3";
	o.max_freq = NULL;
	cr_assert_eq(import(&o, &eb), ERR_RANGE);
	cr_expect(tu_has(eb.msg, "report.txt:5: CPU 4 is in no cluster"), "%s", eb.msg);
	p = tu_write("bad-report.txt", "  <idle>-0 [001] 5.0: cpu_frequency: state=fast cpu_id=1\n");
	o.in = p;
	o.clusters = NULL;
	cr_assert_eq(import(&o, &eb), ERR_RANGE);
	cr_expect(tu_has(eb.msg, "bad-report.txt:1: frequency 'fast'"), "%s", eb.msg);
}

/*
 * An Exynos-like two-cluster recording in the ftrace CSV layout (tests/data/import/): the
 * expected rows are worked out by hand from the file. A cluster's frequency is that of the
 * last cpu_load of any of its CPUs; util_other is the mean load over the 8 CPUs of the two
 * clusters, a CPU counting from its last cpu_load: at 10.0 (20 + 60) / 8 % = 0.1, at 10.5
 * (20 + 60 + 40 + 100) / 8 % = 0.275, at 11.5 cpu4 drops to 0: 160 / 8 % = 0.2, at 12.0
 * cpu0 too: 140 / 8 % = 0.175; temp_c is the zone's milli-degrees / 1000.
 */
Test(traces, exynos_like_ftrace_csv_imports_as_worked_out_and_replays)
{
	struct timport_opts o;
	timport_opts_default(&o);
	o.format = "ftrace";
	o.in = SMALL_EXYNOS;
	o.clusters = "0-3,4-7";
	o.max_freq = "1400,2000";
	o.out = path_in_dir("exynos-like.csv");
	struct errbuf eb = {0, ""};
	cr_assert_eq(import(&o, &eb), 0, "%s", eb.msg);
	size_t n;
	char *text = slurp(o.out, &n);
	cr_assert_not_null(text);
	cr_expect(tu_has(text, "# licence: CC0-1.0"), "%s", text);
	cr_expect(tu_has(text, "# time_origin_s: 10 "), "%s", text);
	cr_expect(tu_has(text, "# thermal_zone: soc-therm\n"), "%s", text);
	cr_expect(tu_has(text, "# events_ignored: cdev_update 1\n"), "%s", text);
	cr_expect(tu_has(text, "time_s,freq_mhz.0,freq_mhz.1,util_other,temp_c\n"
			       "0,1000,1600,0.1,\n"
			       "0.1,1000,1600,0.1,55\n"
			       "0.5,1000,1800,0.275,55\n"
			       "1,1000,1800,0.275,57.5\n"
			       "1.5,1000,1200,0.2,57.5\n"
			       "2,800,1200,0.175,57.5\n"),
		  "%s", text);
	free(text);
	run_output_destroy(replay(o.out));
}

Test(traces, exynos_ftrace_csv_imports_replays_and_matches_the_bundled_trace)
{
	need_shared_traces();
	struct timport_opts o;
	timport_opts_default(&o);
	o.format = "ftrace";
	o.in = EXYNOS;
	o.clusters = "0-3,4-7";
	o.max_freq = "1400,2000";
	o.out = path_in_dir("exynos.csv");
	struct errbuf eb = {0, ""};
	cr_assert_eq(import(&o, &eb), 0, "%s", eb.msg);
	struct tcheck_report *r = check_ok(o.out);
	cr_expect(tu_has(meta_of(r, "licence"), "Apache-2.0"));
	cr_expect(tu_has(meta_of(r, "source"), "ARM-software/trappy"));
	cr_expect_str_eq(meta_of(r, "thermal_zone"), "exynos-therm");
	cr_expect_float_eq(col_of(r, "freq_mhz.0")->max, 800, 0);
	cr_expect_float_eq(col_of(r, "freq_mhz.1")->max, 800, 0);
	/* the six thermal_temperature values, 53.411 .. 53.974 C */
	cr_expect_float_eq(col_of(r, "temp_c")->min, 53.411, 1e-12);
	cr_expect_float_eq(col_of(r, "temp_c")->max, 53.974, 1e-12);
	cr_expect_gt(col_of(r, "util_other")->max, 0);
	cr_expect_float_eq(r->end_s, 5.497707, 1e-9, "the last event ends the trace");
	tcheck_report_destroy(r);
	run_output_destroy(replay(o.out));

	/* the bundled conversion is exactly what its own `# imported_by:` command writes */
	const char *bundled = "traces/exynos5422_ipa.csv";
	struct csvin *c = csvin_open(bundled, &eb);
	cr_assert_not_null(c, "%s", eb.msg);
	const char *by = csvin_meta(c, "imported_by");
	cr_assert(by && strncmp(by, "adascale trace import --from ftrace ", 36) == 0, "%s",
		  by ? by : "no imported_by");
	char args[4096];
	const char *again = path_in_dir("exynos-again.csv");
	snprintf(args, sizeof args, "%s -o %s", by + 9, again);
	csvin_close(c);
	cr_assert_eq(adascale(args), 0, "%s", out);
	size_t la, lb;
	char *a = slurp(again, &la), *b = slurp(bundled, &lb);
	cr_assert(a && b);
	cr_expect(la == lb && memcmp(a, b, la) == 0, "%s differs from its re-import", bundled);
	free(a);
	free(b);
	r = check_ok(bundled);
	cr_expect_str_eq(meta_of(r, "max_freq_mhz.1"), "2000");
	tcheck_report_destroy(r);
}

Test(traces, agent_recording_imports_with_normalised_metadata)
{
	const char *rec = path_in_dir("agent.csv");
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "%s/adascale-agent record --interval-ms 100 --duration-s 1 > %s",
		 tu_bin(), rec);
	cr_assert_eq(tu_run(cmd, out, sizeof out), 0, "%s", out);
	char args[2048];
	const char *imp = path_in_dir("agent-imported.csv");
	snprintf(args, sizeof args, "trace import --from agent %s -o %s --licence CC-BY-4.0", rec,
		 imp);
	cr_assert_eq(adascale(args), 0, "%s", out);
	size_t n;
	char *text = slurp(imp, &n);
	cr_assert_not_null(text);
	cr_expect(strncmp(text, "# source: adascale-agent record on host ", 40) == 0, "%s", text);
	char by[1024];
	snprintf(by, sizeof by, "\n# licence: CC-BY-4.0\n# imported_by: adascale trace import "
				"--from agent --licence CC-BY-4.0 %s\n# source_sha256: ",
		 rec);
	cr_expect(tu_has(text, by), "%s", text);
	cr_expect(tu_has(text, "\n# agent: adascale-agent "), "%s", text);
	/* the rows are the recording's, byte for byte */
	char *orig = slurp(rec, NULL);
	cr_assert_not_null(orig);
	const char *h1 = strstr(orig, "\ntime_s,"), *h2 = strstr(text, "\ntime_s,");
	cr_assert(h1 && h2);
	cr_expect_str_eq(h2, h1);
	free(orig);
	free(text);
	tcheck_report_destroy(check_ok(imp));
	run_output_destroy(replay(imp));

	/* the bundled host recording, when it is there, imports too */
	struct stat st;
	if (stat("traces/host_stress.csv", &st) == 0) {
		snprintf(args, sizeof args, "trace import --from agent traces/host_stress.csv -o %s",
			 path_in_dir("host.csv"));
		cr_expect_eq(adascale(args), 0, "%s", out);
	}
	/* a malformed recording is refused with its line */
	const char *bad = tu_write("agent-bad.csv", "# source: adascale-agent record\n"
						    "time_s,util_other\n0,0.5\n1,1.5\n");
	snprintf(args, sizeof args, "trace import --from agent %s -o %s", bad,
		 path_in_dir("agent-bad-out.csv"));
	cr_expect_eq(adascale(args), 2, "%s", out);
	cr_expect(tu_has(out, "agent-bad.csv:4:2: column 'util_other'"), "%s", out);
	cr_expect_neq(stat(path_in_dir("agent-bad-out.csv"), &st), 0);
}

Test(traces, import_lists_its_formats_and_refuses_another_formats_options)
{
	static const char *const names[] = {"stressberry", "ftrace", "agent"};
	cr_assert_eq(timport_n_formats(), 3);
	for (int i = 0; i < 3; i++) {
		cr_expect_str_eq(timport_format_name(i), names[i]);
		const char *summary = timport_format_summary(i);
		cr_assert_not_null(summary);
		cr_expect(summary[0] && !strchr(summary, '\n'), "%s: '%s'", names[i], summary);
		/* every listed name reaches its importer: a missing input, not an unknown format */
		struct timport_opts o;
		timport_opts_default(&o);
		o.format = names[i];
		o.in = path_in_dir("no-such-input.csv");
		struct errbuf eb = {0, ""};
		cr_expect_eq(import(&o, &eb), ERR_NOTFOUND, "%s: %s", names[i], eb.msg);
	}
	cr_expect_null(timport_format_name(3));
	cr_expect_null(timport_format_summary(-1));
	cr_expect_str_eq(timport_formats(), "stressberry, ftrace, agent");

	struct timport_opts o;
	timport_opts_default(&o);
	o.in = "in.csv";
	struct errbuf eb = {0, ""};
	o.format = "perf";
	cr_assert_eq(import(&o, &eb), ERR_USAGE);
	cr_expect_str_eq(eb.msg, "trace import: unknown format 'perf' (known: stressberry, "
				 "ftrace, agent)");
	o.format = "agent";
	o.recording = "r1";
	cr_assert_eq(import(&o, &eb), ERR_USAGE);
	cr_expect_str_eq(eb.msg, "trace import: --recording is for stressberry");
	o.format = "stressberry";
	o.zone = "soc";
	cr_assert_eq(import(&o, &eb), ERR_USAGE);
	cr_expect_str_eq(eb.msg, "trace import: --clusters, --max-freq-mhz, --zone and "
				 "--interval-ms are for ftrace");
}

/* ---- plot --------------------------------------------------------------------------- */

Test(traces, plot_writes_png_and_svg)
{
	const char *tr = gen_file("plot'me.csv", "day_in_the_life", 2, 120, 0, NULL);
	char args[2048];
	const char *png = path_in_dir("day.png"), *svg = path_in_dir("day.svg");
	snprintf(args, sizeof args, "trace plot \"%s\" --out %s", tr, png);
	cr_assert_eq(adascale(args), 0, "%s", out);
	size_t n;
	char *b = slurp(png, &n);
	cr_assert(b && n > 1000);
	cr_expect_eq(memcmp(b, "\x89PNG\r\n\x1a\n", 8), 0, "not a PNG");
	free(b);
	struct errbuf eb = {0, ""};
	cr_assert_eq(tplot_file(tr, svg, NULL, NULL, &eb), 0, "%s", eb.msg);
	b = slurp(svg, &n);
	cr_assert(b);
	cr_expect(strncmp(b, "<?xml", 5) == 0 && tu_has(b, "<svg") && tu_has(b, "</svg>"));
	/* one panel per quantity: the six y labels */
	cr_expect(tu_has(b, "frequency (MHz)") && tu_has(b, "temperature (C)") &&
		  tu_has(b, "free memory (MB)") && tu_has(b, "battery (%)"));
	free(b);
	snprintf(args, sizeof args, "trace plot \"%s\" --out %s", tr, path_in_dir("x.gif"));
	cr_expect_eq(adascale(args), 2, "%s", out);

	/* names reach gnuplot only as quoted literals */
	struct plot_sink *s = plot_record_create(&eb);
	cr_assert_not_null(s);
	cr_assert_eq(tplot_commands(s, tr, "x'; system(\"touch pwned\") #", "o.png", TPLOT_PNG, &eb),
		     0, "%s", eb.msg);
	const char *cmds = plot_record_text(s);
	/* the quote became U+2019: the whole title stays one literal */
	cr_expect(tu_has(cmds, "title 'x\xE2\x80\x99; system(\"touch pwned\") #'\n"), "%s", cmds);
	cr_expect(tu_has(cmds, "$trace << EOD\n0 "), "%.200s", cmds);
	plot_sink_destroy(s);
	s = plot_record_create(&eb);
	cr_assert_not_null(s);
	cr_assert_eq(tplot_commands(s, tr, NULL, "o.svg", TPLOT_SVG, &eb), 0, "%s", eb.msg);
	cmds = plot_record_text(s);
	cr_expect(!tu_has(cmds, "plot'me"), "the file name went into a command unquoted");
	cr_expect(tu_has(cmds, "title 'plot\xE2\x80\x99me.csv'\n"), "%s", cmds);
	plot_sink_destroy(s);
}

Test(traces, a_plot_that_fails_leaves_nothing_in_the_folder)
{
	const char *tr = gen_file("fails.csv", "day_in_the_life", 2, 120, 0, NULL);
	const char *dir = path_in_dir("plots");
	cr_assert_eq(mkdir(dir, 0700), 0);
	char path[600], cmd[700], ls[1024];
	snprintf(cmd, sizeof cmd, "ls -A '%s'", dir);
	/* a gnuplot that fails: no plot, no scratch file */
	struct errbuf eb = {0, ""};
	snprintf(path, sizeof path, "%s/a.png", dir);
	cr_assert_lt(tplot_file(tr, path, NULL, "false", &eb), 0);
	cr_assert_eq(tu_run(cmd, ls, sizeof ls), 0);
	cr_expect_str_eq(ls, "", "left behind: %s", ls);
	/* drawn, but the output's name is taken by a folder: still nothing else is left */
	snprintf(path, sizeof path, "%s/b.svg", dir);
	cr_assert_eq(mkdir(path, 0700), 0);
	cr_assert_lt(tplot_file(tr, path, NULL, NULL, &eb), 0);
	cr_expect(tu_has(eb.msg, "b.svg"), "%s", eb.msg);
	cr_assert_eq(tu_run(cmd, ls, sizeof ls), 0);
	cr_expect_str_eq(ls, "b.svg\n", "left behind: %s", ls);
}

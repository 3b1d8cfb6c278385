/*
 * test_study.c: `adascale study`: a small study runs its sweep and writes a headline whose
 * numbers a brute-force pairing of the stored runs gives again (mean paired difference with
 * its Student t interval, geometric means of ratios); bad study files are refused with their
 * line; the training overhead comes from evolve's totals line.
 */
#include <criterion/criterion.h>
#include <limits.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stats.h"
#include "testutil.h"

static char out[65536];

#define adascale(...) tu_adascale(out, sizeof out, __VA_ARGS__)

/* A study of three policies on two traces, three seeds; returns the study file's path. */
static const char *small_study(const char *overhead_line)
{
	char sweep[4096], cwd[1024];
	cr_assert_not_null(getcwd(cwd, sizeof cwd));
	snprintf(sweep, sizeof sweep,
		 "[sweep]\nname = small\ntraces = %s/traces/bursts.csv %s/tests/data/ramp.csv\n"
		 "devices = %s/devices/xeon-kvm-2vcpu.ini\nmodels = mobilenet_v1\n"
		 "policies = adascale greedy static:variant=fit\nworkloads = poisson:rate=40\n"
		 "deadlines_ms = 8\nseeds = 1 2 3\nduration_s = 20\n",
		 cwd, cwd, cwd);
	tu_write("small-sweep.ini", sweep);
	char study[1024];
	snprintf(study, sizeof study,
		 "; a small study\n[study]\nname = small\nsubject = adascale\n"
		 "sweep = small-sweep.ini\nquick = small-sweep.ini\n%s",
		 overhead_line ? overhead_line : "");
	return tu_write("small.ini", study);
}

struct run_row {
	char policy[64], params[256], trace[256];
	long seed;
	double ontime, p95, e;
};

/* Reads the study's runs (tag) straight from the runs table. */
static int read_runs(const char *db_path, const char *tag, struct run_row *r, int max)
{
	sqlite3 *db;
	cr_assert_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	sqlite3_stmt *st;
	cr_assert_eq(sqlite3_prepare_v2(db,
					"SELECT policy, policy_params, trace, seed, ontime_top1, "
					"lat_p95_ms, energy_per_inf_mj FROM runs WHERE tag = ?1 AND "
					"status = 'ok'",
					-1, &st, NULL),
		     SQLITE_OK);
	sqlite3_bind_text(st, 1, tag, -1, SQLITE_STATIC);
	int n = 0;
	while (sqlite3_step(st) == SQLITE_ROW && n < max) {
		snprintf(r[n].policy, sizeof r[n].policy, "%s", sqlite3_column_text(st, 0));
		snprintf(r[n].params, sizeof r[n].params, "%s", sqlite3_column_text(st, 1));
		snprintf(r[n].trace, sizeof r[n].trace, "%s", sqlite3_column_text(st, 2));
		r[n].seed = sqlite3_column_int64(st, 3);
		r[n].ontime = sqlite3_column_double(st, 4);
		r[n].p95 = sqlite3_column_double(st, 5);
		r[n].e = sqlite3_column_double(st, 6);
		n++;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

/* The headline.csv row of a baseline: its numeric fields after the label. */
static int csv_row(const char *path, const char *label, double *v, int nv)
{
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f, "%s", path);
	char line[2048];
	int found = 0;
	while (fgets(line, sizeof line, f)) {
		size_t l = strlen(label);
		if (strncmp(line, label, l) != 0 || line[l] != ',')
			continue;
		char *p = line + l + 1;
		for (int i = 0; i < nv; i++) {
			v[i] = strtod(p, &p);
			if (*p == ',')
				p++;
		}
		found = 1;
	}
	fclose(f);
	return found;
}

Test(study, headline_agrees_with_a_brute_force_pairing_of_the_runs, .timeout = 120 * TU_SLOW)
{
	const char *study = small_study(NULL);
	const char *dir = tu_scratch("small-out");
	int rc = adascale("study %s --quick --out %s --jobs 2", study, dir);
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert(tu_has(out, "| greedy |"), "%s", out);
	cr_assert(tu_has(out, "training overhead saved: not in this study"), "%s", out);
	char db[600], csv[600];
	snprintf(db, sizeof db, "%s/results.db", dir);
	snprintf(csv, sizeof csv, "%s/headline.csv", dir);

	static struct run_row r[64];
	int n = read_runs(db, "small-quick", r, 64);
	cr_assert_eq(n, 18, "2 traces x 3 policies x 3 seeds: %d runs", n);
	static const char *const base[] = {"greedy", "static"};
	static const char *const label[] = {"greedy", "static:variant=fit"};
	for (int b = 0; b < 2; b++) {
		double d[16], lsp[16], le[16];
		int nd = 0, nsp = 0, ne = 0;
		for (int i = 0; i < n; i++) {
			if (strcmp(r[i].policy, "adascale") != 0)
				continue;
			for (int j = 0; j < n; j++) {
				if (strcmp(r[j].policy, base[b]) != 0 || r[j].seed != r[i].seed ||
				    strcmp(r[j].trace, r[i].trace) != 0)
					continue;
				d[nd++] = r[i].ontime - r[j].ontime;
				if (r[i].ontime >= r[j].ontime)
					lsp[nsp++] = log(r[j].p95 / r[i].p95);
				le[ne++] = log(r[j].e / r[i].e);
			}
		}
		cr_assert_eq(nd, 6, "%s: 2 traces x 3 seeds paired", base[b]);
		double m = 0, ss = 0;
		for (int i = 0; i < nd; i++)
			m += d[i] / nd;
		for (int i = 0; i < nd; i++)
			ss += (d[i] - m) * (d[i] - m);
		double ci = stats_t_quantile(0.975, nd - 1) * sqrt(ss / (nd - 1) / nd);
		double em = 0;
		for (int i = 0; i < ne; i++)
			em += le[i] / ne;
		double v[13];
		cr_assert(csv_row(csv, label[b], v, 13), "no row %s in %s", label[b], csv);
		/* n_pairs, n_scenarios, gain, gain_ci95, p, n_speed, speedup, lo, hi, n_energy,
		   energy, lo, hi */
		cr_expect_eq((int)v[0], nd);
		cr_expect_eq((int)v[1], 2);
		cr_expect(fabs(v[2] - m) <= 1e-5 * fmax(1, fabs(m)), "%s gain %g vs %g", label[b], v[2],
			  m);
		cr_expect(fabs(v[3] - ci) <= 1e-5 * fmax(1, ci), "%s ci %g vs %g", label[b], v[3], ci);
		cr_expect_eq((int)v[5], nsp, "%s: pairs at equal or better on-time top-1", label[b]);
		if (nsp) {
			double sm = 0;
			for (int i = 0; i < nsp; i++)
				sm += lsp[i] / nsp;
			cr_expect(fabs(v[6] - exp(sm)) <= 1e-5 * exp(sm), "%s speed-up %g vs %g",
				  label[b], v[6], exp(sm));
		}
		cr_expect_eq((int)v[9], ne);
		cr_expect(fabs(v[10] - exp(em)) <= 1e-5 * exp(em), "%s energy %g vs %g", label[b],
			  v[10], exp(em));
	}

	/* again: every run is stored, nothing runs again, the same headline */
	char first[sizeof out];
	memcpy(first, out, sizeof out);
	cr_assert_eq(adascale("study %s --quick --out %s --jobs 2", study, dir), 0, "%s", out);
	cr_assert(tu_has(out, "18 already in"), "%s", out);
	const char *t1 = strstr(first, "adascale against"), *t2 = strstr(out, "adascale against");
	cr_assert(t1 && t2);
	cr_expect_eq(strncmp(t1, t2, strlen(t1) - strlen(strstr(t1, "study small: headline"))), 0,
		     "the headline changed on a resumed study");
}

Test(study, bad_study_files_are_refused_with_their_line)
{
	const char *dir = tu_scratch("bad-out");
	const char *f = tu_write("bad1.ini", "[study]\nname = x\nsubject = adascale\nfoo = 1\n");
	cr_assert_eq(adascale("study %s --out %s", f, dir), 2, "%s", out);
	cr_assert(tu_has(out, "bad1.ini:4: unknown key 'foo'"), "%s", out);
	f = tu_write("bad2.ini", "[study]\nname = x\nsubject = adascale\nsweep = nowhere.ini\n");
	cr_assert_eq(adascale("study %s --out %s", f, dir), 2, "%s", out);
	cr_assert(tu_has(out, "bad2.ini:4: sweep: "), "%s", out);
	cr_assert(tu_has(out, "nowhere.ini"), "%s", out);
	f = tu_write("bad3.ini", "[study]\nname = x\nsubject = adascale\n");
	cr_assert_eq(adascale("study %s --out %s", f, dir), 2, "%s", out);
	cr_assert(tu_has(out, "[study] needs name, subject and sweep"), "%s", out);
	tu_write("s.ini", "[sweep]\nname = s\n");
	f = tu_write("bad4.ini", "[study]\nname = x\nsubject = adascale\nsweep = s.ini\n");
	cr_assert_eq(adascale("study %s --quick --out %s", f, dir), 2, "%s", out);
	cr_assert(tu_has(out, "names no quick sweep"), "%s", out);
}

/* The overhead line is evolve's totals: compute and data-pass ratios as written there. */
Test(study, training_overhead_comes_from_the_totals_line, .timeout = 120 * TU_SLOW)
{
	tu_write("overhead.csv",
		 "# self-evolving: ...\n"
		 "# totals: self_evolving_wall_s=173.0 self_evolving_epochs=11.60 "
		 "self_evolving_tmacs=3.900 scratch_wall_s=513.0 scratch_epochs=150.40 "
		 "scratch_tmacs=9.170 reached=39/48 wall_ratio=2.97 epoch_ratio=12.97 "
		 "tmac_ratio=2.35\nkey,width\n");
	const char *study = small_study("overhead = overhead.csv\n");
	const char *dir = tu_scratch("ovh-out");
	cr_assert_eq(adascale("study %s --quick --out %s --jobs 2", study, dir), 0, "%s", out);
	cr_assert(tu_has(out, "training overhead saved: 2.35x in compute, 13.0x in data passes "
			      "(39/48 of the variants"),
		  "%s", out);
	tu_write("overhead.csv", "# nothing here\nkey,width\n");
	cr_assert_eq(adascale("study %s --quick --out %s --no-run", study, dir), 2, "%s", out);
	cr_assert(tu_has(out, "overhead.csv:2: no '# totals:' line"), "%s", out);
}

/* With two models the headline adds the gain against each baseline by model: the mean of the
   paired differences of that model's runs, as a pairing of the stored runs gives it. */
Test(study, the_gain_by_model_is_the_mean_of_each_models_pairs, .timeout = 120 * TU_SLOW)
{
	char sweep[4096], cwd[1024];
	cr_assert_not_null(getcwd(cwd, sizeof cwd));
	snprintf(sweep, sizeof sweep,
		 "[sweep]\nname = two\ntraces = %s/traces/host_stress.csv\n"
		 "devices = %s/devices/epyc-kvm-2vcpu.ini\n"
		 "models = mobilenet_v1 mobilenet_v3_large\n"
		 "policies = adascale greedy\nworkloads = poisson:rate=40\n"
		 "deadlines_ms = 8\nseeds = 1 2 3\nduration_s = 20\n",
		 cwd, cwd);
	tu_write("two-sweep.ini", sweep);
	const char *study = tu_write("two.ini", "[study]\nname = two\nsubject = adascale\n"
						"sweep = two-sweep.ini\n");
	const char *dir = tu_scratch("two-out");
	cr_assert_eq(adascale("study %s --out %s --jobs 2", study, dir), 0, "%s", out);
	cr_assert(tu_has(out, "On-time top-1 gained by model"), "%s", out);
	char db_path[600];
	snprintf(db_path, sizeof db_path, "%s/results.db", dir);
	sqlite3 *db;
	cr_assert_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	static const char *const models[] = {"mobilenet_v1", "mobilenet_v3_large"};
	for (int m = 0; m < 2; m++) {
		sqlite3_stmt *st;
		cr_assert_eq(sqlite3_prepare_v2(
				     db,
				     "SELECT a.ontime_top1 - b.ontime_top1 FROM runs a JOIN runs b ON "
				     "b.seed = a.seed AND b.model = a.model AND b.policy = 'greedy' "
				     "WHERE a.policy = 'adascale' AND a.model = ?1",
				     -1, &st, NULL),
			     SQLITE_OK);
		sqlite3_bind_text(st, 1, models[m], -1, SQLITE_STATIC);
		double sum = 0;
		int n = 0;
		while (sqlite3_step(st) == SQLITE_ROW) {
			sum += sqlite3_column_double(st, 0);
			n++;
		}
		sqlite3_finalize(st);
		cr_assert_eq(n, 3, "%s: three seeds paired, %d", models[m], n);
		char want[128];
		snprintf(want, sizeof want, "| %s | %+.2f [", models[m], sum / n);
		cr_assert(tu_has(out, want), "'%s' not in:\n%s", want, out);
	}
	sqlite3_close(db);
	/* one model: no table by model */
	const char *one = small_study(NULL);
	cr_assert_eq(adascale("study %s --quick --out %s --jobs 2", one, tu_scratch("one-out")), 0,
		     "%s", out);
	cr_assert(!tu_has(out, "gained by model"), "%s", out);
}

/* The bundled study plans: its quick sweeps hold the seven other models and the self-evolving
   network on the device measured whole, each model's runs on the timings the device names
   for it. */
Test(study, the_bundled_quick_study_plans_every_model_on_its_own_timings)
{
	const char *db = tu_scratch("paper-dry.db");
	cr_assert_eq(adascale("study data/studies/paper.ini --quick --dry-run --db %s", db), 0,
		     "%s", out);
	/* the models' sweep alone (the study's whole plan is longer than the buffer) */
	cr_assert_eq(adascale("sweep data/studies/paper-models-quick.ini --dry-run --db %s", db), 0,
		     "%s", out);
	/* 1 trace x 1 device x 7 models x 6 policies x 1 workload x 1 deadline x 5 seeds */
	cr_assert(tu_has(out, "paper-models-quick: 210 runs (1 x 1 x 7 x 6 x 1 x 1 x 5 = 210"),
		  "%s", out);
	static const char *const models[] = {"mobilenet_v2",	  "mobilenet_v3_large",
					     "mobilenet_v3_small", "efficientnet_lite0",
					     "efficientnet_lite1", "efficientnet_lite2", "resnet18"};
	for (int i = 0; i < 7; i++) {
		char want[128];
		snprintf(want, sizeof want, "\t%s\t", models[i]);
		cr_assert(tu_has(out, want), "%s is not in the plan", models[i]);
		char tim[PATH_MAX];
		snprintf(tim, sizeof tim, "devices/epyc-kvm-2vcpu/timings-%s.csv", models[i]);
		cr_assert_eq(access(tim, R_OK), 0, "%s", tim);
	}
	/* the self-evolving network, with deadlines from the device's profile */
	cr_assert_eq(adascale("sweep data/studies/paper-evolved-quick.ini --dry-run --db %s", db),
		     0, "%s", out);
	cr_assert(tu_has(out, "paper-evolved-quick: 30 runs (1 x 1 x 1 x 6 x 1 x 1 x 5 = 30"),
		  "%s", out);
	cr_assert(tu_has(out, "\tfmnist_cnn\t"), "%s", out);
	cr_assert_eq(access("devices/epyc-kvm-2vcpu/timings-fmnist_cnn.csv", R_OK), 0);
}

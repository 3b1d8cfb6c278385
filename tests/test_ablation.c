/*
 * test_ablation.c: data/sweeps/ablation.ini, the adascale policy's mechanisms switched off in
 * turn on a device measured whole (devices/epyc-kvm-2vcpu.ini: in-model timings, contention
 * calibration, switch costs, sensing), through a plain `adascale sweep` and the database's
 * policy_pairs view, with no plugin between host and policy. The expected directions come
 * from the measurements the device holds: switches that cost up to 234 ms to build
 * (switch.csv) make switching-cost awareness pay on every scenario; a calibrated load whose
 * mean slowdown lies above the median the host predicts with (calibration.csv) makes
 * feedback pay under the recorded stress-ng steps. The forecast's effect is within the
 * seeds' spread on these scenarios (docs/policies.md), so only that it changes the
 * objective somewhere (the runs are not the same) is asserted.
 */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>

#include "testutil.h"

static char out[1 << 16];
#define adascale(...) tu_adascale(out, sizeof out, __VA_ARGS__)

/* policy_pairs for adascale with every mechanism on (a) against `param`=0 (b) on `trace`:
 * the mean paired difference of on-time top-1 and its 95% half-width. */
static void pair(sqlite3 *db, const char *trace, const char *param, double *diff, double *ci,
		 int *n)
{
	char sql[2048];
	snprintf(sql, sizeof sql,
		 "SELECT ontime_top1_pct_diff, ontime_top1_pct_diff_ci95, n_seeds FROM policy_pairs "
		 "WHERE a_policy = 'adascale' AND b_policy = 'adascale' "
		 "AND json_extract(scenario, '$.trace') LIKE '%%/%s.csv' "
		 "AND json_extract(a_policy_params_json, '$.forecast') = 1 "
		 "AND json_extract(a_policy_params_json, '$.feedback') = 1 "
		 "AND json_extract(a_policy_params_json, '$.switchcost') = 1 "
		 "AND json_extract(a_policy_params_json, '$.pareto') = 1 "
		 "AND json_extract(b_policy_params_json, '$.%s') = 0",
		 trace, param);
	sqlite3_stmt *st;
	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s",
		     sqlite3_errmsg(db));
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "no pair for %s off on %s", param, trace);
	*diff = sqlite3_column_double(st, 0);
	*ci = sqlite3_column_double(st, 1);
	*n = sqlite3_column_int(st, 2);
	sqlite3_finalize(st);
}

Test(ablation, each_mechanism_changes_the_objective_on_the_measured_device, .timeout = 300)
{
	const char *db_path = tu_scratch("ablation.db");
	remove(db_path);
	cr_assert_eq(adascale("sweep data/sweeps/ablation.ini --db %s --jobs 2", db_path), 0, "%s",
		     out);
	sqlite3 *db;
	cr_assert_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	double d, ci;
	int n;
	static const char *const traces[] = {"ramp", "slowdown", "flapping", "host_stress",
					     "bursts", "day_in_the_life"};
	for (int i = 0; i < 6; i++) {
		pair(db, traces[i], "switchcost", &d, &ci, &n);
		cr_assert_eq(n, 5);
		cr_assert_gt(d - ci, 0, "switchcost on %s: %+.2f +- %.2f points", traces[i], d, ci);
	}
	pair(db, "host_stress", "feedback", &d, &ci, &n);
	cr_assert_gt(d - ci, 0, "feedback on host_stress: %+.2f +- %.2f points", d, ci);
	int changed = 0;
	for (int i = 0; i < 6; i++) {
		pair(db, traces[i], "forecast", &d, &ci, &n);
		changed += d != 0;
	}
	cr_assert_gt(changed, 0, "forecast changes nothing on any scenario");
	sqlite3_close(db);
}

/*
 * test_devmodel.c: the device model's rate, power, switch cost and trace replay against
 * numbers worked out by hand from the formulas of docs/simulation.md (each expected value is
 * written as a number, with its derivation beside it). The device has two clusters so that a
 * model reading the wrong one gives other numbers.
 */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "device.h"
#include "devmodel.h"
#include "err.h"
#include "testutil.h"
#include "timings.h"

/*
 * Cluster 1 is the big one (capacity 1024): 4 cores, 100 uW/MHz/V^2, operating points
 * 1000 MHz @ 0.5 V, 1500 MHz @ 0.75 V, 2000 MHz @ 1.0 V. One busy core there draws
 *   at 1000 MHz: 100 * 0.5^2  * 1000 uW = 25000 uW = 25 mW
 *   at 1500 MHz: 100 * 0.75^2 * 1500 uW = 84375 uW = 84.375 mW
 *   at 2000 MHz: 100 * 1.0^2  * 2000 uW = 200000 uW = 200 mW
 */
static const char dev_ini[] =
	"[device]\nname = t\nmemory_mb = 1000\nstorage_read_mbps = 200\ninit_ms = 30\n"
	"base_power_mw = 250\n"
	"[cluster.0]\ncores = 4\ncapacity = 400\ndyn_power_coeff = 50\nopp = 500@500 1000@750\n"
	"[cluster.1]\ncores = 4\ncapacity = 1024\ndyn_power_coeff = 100\n"
	"opp = 1000@500 1500@750 2000@1000\n";

static struct device *dev;
static struct timings *tim;
static struct devmodel dm;

static void setup(void)
{
	struct errbuf eb = {0};
	cr_assert_eq(device_load(tu_write("dm.ini", dev_ini), &dev, &eb), 0, "%s", eb.msg);
	tim = calloc(1, sizeof *tim);
	cr_assert(tim);
	tim->freq_ref_mhz = 2000;
	devmodel_init(&dm, dev, tim);
}

static void teardown(void)
{
	device_destroy(dev);
	free(tim);
}

static double rate(double f, int n, double u, int threads)
{
	struct devmodel_state st = {.freq_mhz = f, .online = n, .util_other = u};
	return devmodel_rate(&dm, &st, threads);
}

static double power(double f, int n, double u, int threads)
{
	struct devmodel_state st = {.freq_mhz = f, .online = n, .util_other = u};
	return devmodel_power_mw(&dm, &st, threads);
}

TestSuite(devmodel, .init = setup, .fini = teardown);

Test(devmodel, runs_on_the_big_cluster_at_the_timings_reference)
{
	cr_assert_eq(dm.cluster, 1);
	cr_assert_float_eq(dm.f_ref_mhz, 2000, 0);
	/* timings that do not say: the big cluster's highest operating point */
	struct devmodel m;
	tim->freq_ref_mhz = 0;
	devmodel_init(&m, dev, tim);
	cr_assert_float_eq(m.f_ref_mhz, 2000, 0);
	tim->freq_ref_mhz = 1000;
	devmodel_init(&m, dev, tim);
	struct devmodel_state st = {.freq_mhz = 2000, .online = 4, .util_other = 0};
	/* (2000 / 1000) * 1: twice as fast as where the work was measured */
	cr_assert_float_eq(devmodel_rate(&m, &st, 1), 2, 0);
}

Test(devmodel, rate_scales_with_frequency_and_competing_load)
{
	/* rate = (f / f_ref) * min(1, max(n (1 - u), min(T, n) / 2) / T) */
	/* 2000/2000 * min(1, max(4, 2) / 4) = 1 */
	cr_assert_float_eq(rate(2000, 4, 0, 4), 1, 0);
	/* 1000/2000 * min(1, max(4, 1) / 2) = 0.5 */
	cr_assert_float_eq(rate(1000, 4, 0, 2), 0.5, 0);
	/* 1500/2000 * min(1, max(4 * 0.75, 2) / 4) = 0.75 * 0.75 = 0.5625 */
	cr_assert_float_eq(rate(1500, 4, 0.25, 4), 0.5625, 1e-15);
	/* others leave 1 core: 2000/2000 * max(4 * 0.25, 4 / 2) / 4 = 2 / 4 = 0.5 (fair share) */
	cr_assert_float_eq(rate(2000, 4, 0.75, 4), 0.5, 0);
	/* 2 of 4 cores online, 4 threads: max(2, 2 / 2) / 4 = 0.5 */
	cr_assert_float_eq(rate(2000, 2, 0, 4), 0.5, 0);
	/* one thread with others taking 90%: max(4 * 0.1, 1 / 2) / 1 = 0.5 */
	cr_assert_float_eq(rate(2000, 4, 0.9, 1), 0.5, 1e-15);
	/* every core offline: a share of 0.05 */
	cr_assert_float_eq(rate(2000, 0, 0, 4), 0.05, 1e-15);
	/* a frequency between operating points scales the rate as it is: 1200 / 2000 */
	cr_assert_float_eq(rate(1200, 4, 0, 1), 0.6, 1e-15);
}

Test(devmodel, power_is_the_busy_cores_at_the_operating_point)
{
	/* share * T busy cores, each coeff * V^2 * f (see the top of the file) */
	/* share 1, 4 cores at 2000 MHz: 4 * 200 = 800 mW */
	cr_assert_float_eq(power(2000, 4, 0, 4), 800, 1e-12);
	/* share 0.75 of 4 threads = 3 cores at 1500 MHz: 3 * 84.375 = 253.125 mW */
	cr_assert_float_eq(power(1500, 4, 0.25, 4), 253.125, 1e-12);
	/* fair share 0.5 of 4 threads = 2 cores at 2000 MHz: 400 mW */
	cr_assert_float_eq(power(2000, 4, 0.75, 4), 400, 1e-12);
	/* one core at 1000 MHz, 0.5 V: 25 mW */
	cr_assert_float_eq(power(1000, 4, 0, 1), 25, 1e-12);
	/* 1200 MHz runs at the next point up, 1500 MHz @ 0.75 V: 84.375 mW */
	cr_assert_float_eq(power(1200, 4, 0, 1), 84.375, 1e-12);
	/* every core offline: 0.05 * 2 threads = 0.1 core at 2000 MHz: 20 mW */
	cr_assert_float_eq(power(2000, 0, 0, 2), 20, 1e-12);
	cr_assert_float_eq(devmodel_base_power_mw(&dm), 250, 0);
}

Test(devmodel, a_switch_reads_the_weights_then_sets_up_on_one_core)
{
	/* nothing measured (no switch_costs), nothing loaded: 20 MB / 200 MB/s + 30 ms = 0.13 s */
	struct devmodel_switch_var v;
	cr_assert_eq(devmodel_switch_var(&dm, "m:width=1", 20e6, &v), 0);
	double s = devmodel_switch_s(&dm, NULL, &v, 1, NULL);
	cr_assert_float_eq(s, 0.13, 1e-15);
	/* one busy core at 2000 MHz for 0.13 s: 200 mW * 0.13 s = 26 mJ */
	struct devmodel_state st = {.freq_mhz = 2000, .online = 4, .util_other = 0.5};
	cr_assert_float_eq(devmodel_switch_mj(&dm, &st, s), 26, 1e-12);
	/* at 1000 MHz: 25 mW * 0.13 s = 3.25 mJ */
	st.freq_mhz = 1000;
	cr_assert_float_eq(devmodel_switch_mj(&dm, &st, s), 3.25, 1e-12);
}

Test(devmodel, a_trace_replays_as_a_fraction_of_its_devices_maximum)
{
	/* 1300 of a 2600 MHz maximum: half of 2000 = 1000 MHz, an operating point */
	cr_assert_float_eq(devmodel_replay_mhz(&dm, 1, 1300, 2600), 1000, 0);
	/* 1950 of 2600: 1500 MHz */
	cr_assert_float_eq(devmodel_replay_mhz(&dm, 1, 1950, 2600), 1500, 0);
	/* without the recording's maximum: as it is, at the point at or above it */
	cr_assert_float_eq(devmodel_replay_mhz(&dm, 1, 1300, 0), 1500, 0);
	cr_assert_float_eq(devmodel_replay_mhz(&dm, 1, 2600, 0), 2000, 0);
	/* the little cluster: 1300 of 2600 is half of its 1000 MHz, 500 MHz */
	cr_assert_float_eq(devmodel_replay_mhz(&dm, 0, 1300, 2600), 500, 0);
	cr_assert_eq(devmodel_replay_online(&dm, 1, 8), 4);
	cr_assert_eq(devmodel_replay_online(&dm, 1, 3), 3);
	cr_assert_eq(devmodel_replay_online(&dm, 1, 0), 0);
}

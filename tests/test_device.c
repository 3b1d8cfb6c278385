/*
 * test_device.c: device INI reading (values, voltage rules, file:line errors) and the
 * power model's arithmetic.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "device.h"
#include "err.h"
#include "testutil.h"

static const char good[] =
	"; a two-cluster device with real rk3399 numbers\n"
	"[device]\nname = rk\nmemory_mb = 4096\nstorage_read_mbps = 150\nbase_power_mw = 300\n"
	"timings = rk/timings.csv\n"
	"[cluster.0]\ncores = 4\ncapacity = 485\ndyn_power_coeff = 100\n"
	"opp = 408@800 600@800 816@850\nopp = 1008@925 1200@1000 1416@1125\n"
	"[cluster.1]\ncores = 2\ncapacity = 1024\ndyn_power_coeff = 436\n"
	"opp = 408@800 1800@1200\n";

Test(device, reads_clusters_opps_and_power)
{
	struct errbuf eb = {0};
	struct device *d;
	const char *p = tu_write("rk.ini", good);
	cr_assert_eq(device_load(p, &d, &eb), 0, "%s", eb.msg);
	cr_assert_eq(d->n_clusters, 2);
	cr_assert_eq(d->clusters[0].n_opp, 6, "repeated opp lines continue the list");
	cr_assert_eq(device_big_cluster(d), 1);
	cr_assert_float_eq(device_max_mhz(d, 1), 1800, 0);
	/* 436 uW/MHz/V^2 * 1.2^2 V^2 * 1800 MHz = 1130112 uW */
	cr_assert_float_eq(device_core_power_mw(d, 1, 1800), 1130.112, 1e-9);
	/* a frequency between points runs at the next point up */
	cr_assert_float_eq(device_opp(d, 0, 700)->mhz, 816, 0);
	cr_assert(strstr(d->timings, "rk/timings.csv") != NULL);
	cr_assert_eq(strlen(d->sha256), 64);
	device_destroy(d);
}

Test(device, voltage_rules_fill_missing_voltages)
{
	struct errbuf eb = {0};
	struct device *d;
	const char *p = tu_write("v.ini", "[device]\nname=v\nmemory_mb=1\nstorage_read_mbps=1\n"
					  "base_power_mw=0\n[cluster.0]\ncores=1\ncapacity=1024\n"
					  "dyn_power_coeff=100\nopp=1000 2000 3000\n"
					  "voltage_rule=linear:600-1000\n");
	cr_assert_eq(device_load(p, &d, &eb), 0, "%s", eb.msg);
	cr_assert_float_eq(d->clusters[0].opp[0].mv, 600, 1e-9);
	cr_assert_float_eq(d->clusters[0].opp[1].mv, 800, 1e-9);
	cr_assert_float_eq(d->clusters[0].opp[2].mv, 1000, 1e-9);
	device_destroy(d);
}

struct bad_case {
	const char *name, *text, *expect;
};

Test(device, malformed_devices_name_file_line_and_problem)
{
	static const struct bad_case cases[] = {
		{"k.ini", "[device]\nname=x\ncolour=red\n", "k.ini:3: [device]: unknown key 'colour'"},
		{"n.ini", "[device]\nname=x\nmemory_mb=lots\n", "n.ini:3: memory_mb: 'lots' is not a number"},
		{"neg.ini", "[device]\nname=x\nmemory_mb=-5\n", "neg.ini:3: memory_mb: -5 is outside"},
		{"s.ini", "[gpu]\nx=1\n", "s.ini:2: unknown section [gpu]"},
		{"o.ini", "[device]\nname=x\nmemory_mb=1\nstorage_read_mbps=1\nbase_power_mw=0\n"
			  "[cluster.0]\ncores=1\ncapacity=1\ndyn_power_coeff=1\nopp=2000@900 1000@800\n",
		 "o.ini:10: opp: 1000 MHz is not above the previous point"},
		{"mv.ini", "[device]\nname=x\nmemory_mb=1\nstorage_read_mbps=1\nbase_power_mw=0\n"
			   "[cluster.0]\ncores=1\ncapacity=1\ndyn_power_coeff=1\nopp=1000 2000\n",
		 "mv.ini: [cluster.0]: opp has no voltages, so voltage_rule is needed"},
		{"miss.ini", "[device]\nname=x\nmemory_mb=1\n", "miss.ini: [device] needs storage_read_mbps"},
		{"dup.ini", "[device]\nname=x\nname=y\n", "dup.ini:3: [device] name is given twice"},
		{"junk.ini", "[device]\nthis is not ini\n", "junk.ini:2: not an INI line"},
		{"gap.ini", "[device]\nname=x\nmemory_mb=1\nstorage_read_mbps=1\nbase_power_mw=0\n"
			    "[cluster.1]\ncores=1\ncapacity=1\ndyn_power_coeff=1\nopp=1@800\n",
		 "gap.ini: [cluster.1] given without [cluster.0]"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct errbuf eb = {0};
		struct device *d = NULL;
		int rc = device_load(tu_write(cases[i].name, cases[i].text), &d, &eb);
		cr_expect(rc < 0, "%s: accepted", cases[i].name);
		cr_expect(tu_has(eb.msg, cases[i].expect), "%s: got '%s', want '%s'", cases[i].name,
			  eb.msg, cases[i].expect);
		if (rc == 0)
			device_destroy(d);
	}
	struct errbuf eb = {0};
	struct device *d;
	cr_assert_eq(device_load("/nonexistent.ini", &d, &eb), ERR_NOTFOUND);
}

Test(device, bundled_host_device_loads)
{
	struct errbuf eb = {0};
	struct device *d;
	cr_assert_eq(device_load("devices/host.ini", &d, &eb), 0, "%s", eb.msg);
	cr_assert_str_eq(d->name, "host");
	cr_assert_eq(d->clusters[0].cores, 2);
	device_destroy(d);
}

/* Every bundled device description loads, with the clusters its SoC has. */
Test(device, bundled_soc_devices_load)
{
	static const struct {
		const char *path;
		int n_clusters, big_cores;
		double big_max_mhz;
	} want[] = {
		{"devices/pixel3.ini", 2, 4, 2803.2},
		{"devices/rk3399.ini", 2, 2, 1800},
		{"devices/mt8183.ini", 2, 4, 1989},
		{"devices/pixel6.ini", 3, 2, 2802},
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		struct errbuf eb = {0};
		struct device *d;
		cr_assert_eq(device_load(want[i].path, &d, &eb), 0, "%s", eb.msg);
		cr_expect_eq(d->n_clusters, want[i].n_clusters, "%s", want[i].path);
		int big = device_big_cluster(d);
		cr_expect_eq(d->clusters[big].cores, want[i].big_cores, "%s", want[i].path);
		cr_expect_float_eq(device_max_mhz(d, big), want[i].big_max_mhz, 1e-9, "%s: %g",
				   want[i].path, device_max_mhz(d, big));
		for (int c = 0; c < d->n_clusters; c++)
			for (int k = 0; k < d->clusters[c].n_opp; k++)
				cr_expect(d->clusters[c].opp[k].mv > 0, "%s: voltage", want[i].path);
		device_destroy(d);
	}
}

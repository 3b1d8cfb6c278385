/*
 * test_device.c: device INI reading (values, voltage rules, file:line errors) and the
 * power model's arithmetic.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "derive.h"
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
		 "mv.ini:6: [cluster.0]: opp has no voltages, so voltage_rule is needed"},
		{"miss.ini", "[device]\nname=x\nmemory_mb=1\n", "miss.ini:1: [device] needs storage_read_mbps"},
		{"dup.ini", "[device]\nname=x\nname=y\n", "dup.ini:3: [device] name is given twice"},
		{"junk.ini", "[device]\nthis is not ini\n", "junk.ini:2: not an INI line"},
		{"gap.ini", "[device]\nname=x\nmemory_mb=1\nstorage_read_mbps=1\nbase_power_mw=0\n"
			    "[cluster.1]\ncores=1\ncapacity=1\ndyn_power_coeff=1\nopp=1@800\n",
		 "gap.ini:6: [cluster.1] given without [cluster.0]"},
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
	cr_assert_eq(device_load("devices/xeon-kvm-2vcpu.ini", &d, &eb), 0, "%s", eb.msg);
	cr_assert_str_eq(d->name, "xeon-kvm-2vcpu");
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

/* The roofline rule: compute-bound kernels scale with peak FLOP/s, memory-bound ones with
   bandwidth; the output is labelled derived and replays. */
Test(device, derived_timings_follow_the_roofline_rule)
{
	static const char src_ini[] =
		"[device]\nname=src\nmemory_mb=8000\nstorage_read_mbps=100\nbase_power_mw=0\n"
		"mem_bw_gbps=20\n[cluster.0]\ncores=2\ncapacity=1024\ndyn_power_coeff=100\n"
		"opp=2000@900\nflops_per_cycle=32\n";
	static const char dst_ini[] =
		"[device]\nname=dst\nmemory_mb=4000\nstorage_read_mbps=100\nbase_power_mw=0\n"
		"mem_bw_gbps=10\n[cluster.0]\ncores=4\ncapacity=400\ndyn_power_coeff=50\n"
		"opp=1000@800\nflops_per_cycle=8\n[cluster.1]\ncores=2\ncapacity=1024\n"
		"dyn_power_coeff=300\nopp=1000@800 2500@1000\nflops_per_cycle=16\n";
	/* a big 3x3 convolution (compute-bound) and an add (memory-bound), at 1 and 2 threads */
	static const char timings[] =
		"# freq_ref_mhz: 2000\n"
		"op,in_h,in_w,in_c,out_c,kernel,stride,groups,dtype,threads,median_us,p10_us,p90_us\n"
		"conv,56,56,64,64,3,1,1,fp32,1,1000,900,1100\n"
		"conv,56,56,64,64,3,1,1,fp32,2,600,500,700\n"
		"add,56,56,64,64,1,1,1,fp32,1,100,90,110\n";
	struct errbuf eb = {0};
	struct device *src, *dst;
	struct timings *t;
	cr_assert_eq(device_load(tu_write("src.ini", src_ini), &src, &eb), 0, "%s", eb.msg);
	cr_assert_eq(device_load(tu_write("dst.ini", dst_ini), &dst, &eb), 0, "%s", eb.msg);
	cr_assert_eq(timings_load(tu_write("src_t.csv", timings), &t, &eb), 0, "%s", eb.msg);
	const char *outp = tu_write("derived.csv", "");
	FILE *out = fopen(outp, "w");
	struct derive_stats st;
	cr_assert_eq(derive_timings(src, t, dst, -1, out, &st, &eb), 0, "%s", eb.msg);
	fclose(out);
	cr_assert_eq(st.n_compute_bound, 2);
	cr_assert_eq(st.n_memory_bound, 1);
	/* 1 thread: peak 2000 MHz x 32 against 2500 MHz x 16 (the big cluster): x 1.6 */
	cr_assert_float_eq(st.compute_ratio, 2000.0 * 32 / (2500.0 * 16), 1e-12);
	/* bandwidth 20 GB/s against 10 GB/s: x 2 */
	cr_assert_float_eq(st.memory_ratio, 2.0, 1e-12);
	struct timings *d;
	cr_assert_eq(timings_load(outp, &d, &eb), 0, "%s", eb.msg);
	cr_assert_eq(d->derived, 1, "derived timings say so");
	cr_assert_float_eq(d->freq_ref_mhz, 2500, 0);
	struct kshape conv = {KOP_CONV, 56, 56, 64, 64, 3, 1, 1, DT_FP32};
	cr_assert_float_eq(timings_find(d, &conv, 1)->median_us, 1600, 1e-3);
	/* 2 threads on two big cores each side: the same ratio */
	cr_assert_float_eq(timings_find(d, &conv, 2)->median_us, 960, 1e-3);
	timings_destroy(d);
	timings_destroy(t);

	/* a device without flops_per_cycle cannot be derived for, and says why */
	struct device *nofpc;
	cr_assert_eq(device_load("devices/mt8183.ini", &nofpc, &eb), 0, "%s", eb.msg);
	out = fopen(outp, "w");
	cr_assert_eq(derive_timings(src, NULL, nofpc, -1, out, &st, &eb), ERR_PARSE);
	fclose(out);
	cr_assert(tu_has(eb.msg, "gives neither peak_gflops nor flops_per_cycle"), "%s", eb.msg);
	device_destroy(nofpc);
	device_destroy(src);
	device_destroy(dst);
}

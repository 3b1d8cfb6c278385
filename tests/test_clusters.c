/*
 * test_clusters.c: inference on more than one cluster. The Pixel 3 (devices/pixel3.ini)
 * offers its big cluster (the default) and, through [cluster.0] timings, its little one. The
 * expected values come from outside the simulator: the rule's peaks from the sourced vfpbench
 * figures, the count of requests a load window holds from the trace and the frame rate, and
 * a version-1 plugin's results from the built-in static policy's.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "adascale_policy.h"
#include "run.h"
#include "testutil.h"

#define P3 "devices/pixel3.ini"
#define P3_BIG "devices/pixel3/timings-derived.csv"

static struct run_output *run_p3(const char *trace, const char *policy, const char *workload,
				 double deadline_ms, int service_det)
{
	struct run_config c;
	run_config_defaults(&c);
	c.trace = trace;
	c.device = P3;
	c.timings = P3_BIG;
	c.model = "mobilenet_v1";
	c.policy = policy;
	char wl[128];
	snprintf(wl, sizeof wl, "%s%s", workload, service_det ? ",service=det" : "");
	c.workload = wl;
	c.deadline_ms = deadline_ms;
	struct run_output *o = NULL;
	struct errbuf eb = {0};
	cr_assert_eq(run_execute(&c, &o, &eb), 0, "%s: %s", policy, eb.msg);
	return o;
}

/* The count the notes give for cluster c ("on cluster C N"), or -1. */
static long served_on(const struct run_output *o, int c)
{
	char key[64];
	snprintf(key, sizeof key, "on cluster %d ", c);
	const char *p = strstr(o->notes, key);
	if (!p)
		return -1;
	p += strlen(key);
	if (strncmp(p, "(default) ", 10) == 0)
		p += 10;
	return strtol(p, NULL, 10);
}

/*
 * At idle, one variant alone at T threads: the little cluster's time over the big one's is
 * the ratio of their peaks with T cores busy, 1 to 4 threads (the rule scales every kernel
 * by it: no device gives a memory bandwidth). The peaks are vfpbench's on a Snapdragon 845,
 * one core and all four, linear between: big 22.3 and 84.4 GFLOP/s, little 13.7 and 54.9.
 */
Test(clusters, either_cluster_runs_one_to_four_threads_at_the_ratio_of_their_peaks)
{
	const char *idle = tu_write("idle.csv", "time_s,util_other\n0,0\n3,0\n");
	for (int t = 1; t <= 4; t++) {
		double big = 22.3 + (t - 1) * (84.4 - 22.3) / 3;
		double little = 13.7 + (t - 1) * (54.9 - 13.7) / 3;
		double ms[2];
		for (int c = 0; c < 2; c++) {
			char pol[96];
			snprintf(pol, sizeof pol, "static:variant=0,threads=%d,cluster=%d", t, c);
			struct run_output *o = run_p3(idle, pol, "periodic:fps=2", 1000, 1);
			cr_assert(o->m.served > 0);
			cr_assert_eq(served_on(o, c), o->m.served, "%s: %s", pol, o->notes);
			ms[c] = o->m.lat_p50_ms;
			run_output_destroy(o);
		}
		cr_expect(fabs(ms[0] / ms[1] - big / little) <= 1e-3 * big / little,
			  "%d threads: little %.4f ms over big %.4f ms = %.5f, want %.5f", t, ms[0],
			  ms[1], ms[0] / ms[1], big / little);
	}
}

/*
 * The big cluster's cores busy with other work (util_other.1 = 0.95) from 5 s to 10 s:
 * greedy with cluster=any serves every request that starts in that window on the little
 * cluster (at 10 frames a second, the 50 arrivals 5.0 s .. 9.9 s; the state is sensed
 * exactly, the Pixel 3 has no [sensing]), and none outside it; with the default cluster it
 * serves all 150 there and answers less on time.
 */
Test(clusters, greedy_moves_work_to_the_little_cluster_while_the_big_one_is_loaded)
{
	const char *tr = tu_write("bigload.csv", "time_s,util_other,util_other.1\n"
						 "0,0,0\n5,0,0.95\n10,0,0\n15,0,0\n");
	struct run_output *any = run_p3(tr, "greedy:cluster=any", "periodic:fps=10", 60, 1);
	struct run_output *dflt = run_p3(tr, "greedy", "periodic:fps=10", 60, 1);
	cr_assert_eq(any->m.requests, 150);
	cr_expect_eq(served_on(any, 0), 50, "%s", any->notes);
	cr_expect_eq(served_on(any, 1), 100, "%s", any->notes);
	cr_expect_eq(served_on(dflt, 0), 0, "%s", dflt->notes);
	cr_expect_eq(served_on(dflt, 1), 150, "%s", dflt->notes);
	cr_expect_gt(any->m.ontime_top1, dflt->m.ontime_top1, "any %.3f, default %.3f",
		     any->m.ontime_top1, dflt->m.ontime_top1);
	run_output_destroy(any);
	run_output_destroy(dflt);
}

/*
 * A plugin built against the ABI before clusters loads and runs unchanged where two clusters
 * are offered: on the default one, with the built-in static policy's results to the bit, and
 * the notes say why.
 */
Test(clusters, a_version_1_plugin_runs_on_the_default_cluster)
{
	char so[1024], cmd[2048], out[4096];
	snprintf(so, sizeof so, "%s/abi1_plugin.so", tu_dir());
	snprintf(cmd, sizeof cmd,
		 "${CC:-cc} -std=c11 -shared -fPIC -Itests/data -o %s tests/data/abi1_plugin.c", so);
	cr_assert_eq(tu_run(cmd, out, sizeof out), 0, "%s: %s", cmd, out);
	const char *tr = tu_write("bigload.csv", "time_s,util_other,util_other.1\n"
						 "0,0.2,0\n5,0.2,0.95\n10,0.2,0\n15,0.2,0\n");
	char spec[1200];
	snprintf(spec, sizeof spec, "%s:variant=5,threads=3", so);
	struct run_output *old = run_p3(tr, spec, "poisson:rate=20", 40, 0);
	struct run_output *ref = run_p3(tr, "static:variant=5,threads=3", "poisson:rate=20", 40, 0);
	struct run_output *lit = run_p3(tr, "static:variant=5,threads=3,cluster=0",
					"poisson:rate=20", 40, 0);
	cr_assert_str_eq(old->policy_name, "pinned");
	cr_expect_eq(old->m.served, ref->m.served);
	cr_expect_eq(old->m.deadline_misses, ref->m.deadline_misses);
	cr_expect(old->m.lat_p95_ms == ref->m.lat_p95_ms && old->m.energy_mj == ref->m.energy_mj,
		  "p95 %.17g against %.17g, energy %.17g against %.17g", old->m.lat_p95_ms,
		  ref->m.lat_p95_ms, old->m.energy_mj, ref->m.energy_mj);
	cr_expect_eq(served_on(old, 0), 0, "%s", old->notes);
	cr_expect(tu_has(old->notes, "ABI version 1 knows no clusters"), "%s", old->notes);
	/* and where the cluster matters: the same choice on the little one differs */
	cr_expect_neq(lit->m.lat_p95_ms, ref->m.lat_p95_ms);
	run_output_destroy(old);
	run_output_destroy(ref);
	run_output_destroy(lit);
}

/* A decision for a cluster that has no timings stops the run naming the policy and cluster. */
Test(clusters, a_cluster_without_timings_is_refused)
{
	const char *idle = tu_write("idle.csv", "time_s,util_other\n0,0\n1,0\n");
	struct run_config c;
	run_config_defaults(&c);
	c.trace = idle;
	c.device = "devices/xeon-kvm-2vcpu.ini";
	c.model = "mobilenet_v1";
	c.policy = "static:variant=0,threads=1,cluster=3";
	struct run_output *o = NULL;
	struct errbuf eb = {0};
	cr_assert_eq(run_execute(&c, &o, &eb), ERR_POLICY);
	cr_expect(tu_has(eb.msg, "policy static: decided cluster 3, which has no timings (the "
				 "default cluster is 0"),
		  "%s", eb.msg);
	c.policy = "static:cluster=any";
	cr_assert_eq(run_execute(&c, &o, &eb), ERR_USAGE);
	cr_expect(tu_has(eb.msg, "cluster: any is for adaptive policies"), "%s", eb.msg);
}

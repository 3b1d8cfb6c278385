/*
 * test_oracle.c: the oracle as a bound. On small random instances where it says its plan is
 * exact, no sequence of choices does better: every sequence of variants is run through the
 * simulator (tests/data/sequence_policy.c plays one), and the best of them is what the
 * oracle scores; no built-in policy scores more.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "run.h"
#include "testutil.h"

static char out[8192];

/* Compiles tests/data/sequence_policy.c into the scratch folder. */
static const char *sequence_plugin(void)
{
	static char path[512];
	if (path[0])
		return path;
	snprintf(path, sizeof path, "%s/sequence_policy.so", tu_dir());
	char cmd[2048];
	snprintf(cmd, sizeof cmd,
		 "${CC:-cc} -std=c11 -shared -fPIC -Ipolicies -o %s tests/data/sequence_policy.c",
		 path);
	cr_assert_eq(tu_run(cmd, out, sizeof out), 0, "%s: %s", cmd, out);
	return path;
}

/* A small random instance: a trace of load steps, an arrival rate and a deadline. */
struct instance {
	char trace[512];
	char workload[64];
	double deadline_ms, duration_s;
};

#define N_REQ 6   /* requests per instance */
#define N_VAR 3   /* variants: width 1, 0.5, 0.25 at 160 pixels */
#define OPS "width=1,0.5,0.25 res=160"

/* splitmix64: the instances' own numbers, fixed by the instance's number */
static uint64_t next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void make_instance(int k, struct instance *in)
{
	uint64_t s = 0x5eed0000u + (uint64_t)k;
	static const double fps[] = {20, 30, 45};
	static const double deadline[] = {7, 9, 12, 16};
	static const double util[] = {0, 0.6, 0.85, 0.95};
	double f = fps[next(&s) % 3];
	in->deadline_ms = deadline[next(&s) % 4];
	snprintf(in->workload, sizeof in->workload, "periodic:fps=%g,service=det", f);
	/* N_REQ arrivals at 0, 1/f, ..., and the run ends half a period after the last */
	in->duration_s = (N_REQ - 0.5) / f;
	char text[2048] = "time_s,util_other\n";
	for (int i = 0; i < 12; i++)
		snprintf(text + strlen(text), sizeof text - strlen(text), "%.4f,%g\n",
			 i * in->duration_s / 8, util[next(&s) % 4]);
	char name[64];
	snprintf(name, sizeof name, "instance%d.csv", k);
	snprintf(in->trace, sizeof in->trace, "%s", tu_write(name, text));
}

/*
 * The bundled host with faster storage and set-up (4000 MB/s, 1 ms: switching costs 5.2 ms
 * for the widest variant instead of 22 ms), so that switching under load can pay.
 */
static const char *device(void)
{
	static char path[512];
	if (!path[0]) {
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);
		FILE *in = fopen("devices/xeon-kvm-2vcpu.ini", "r");
		cr_assert(f && in);
		char line[1024];
		while (fgets(line, sizeof line, in)) {
			if (strncmp(line, "storage_read_mbps", 17) == 0)
				fputs("storage_read_mbps = 4000\n", f);
			else if (strncmp(line, "init_ms", 7) == 0)
				fputs("init_ms = 1\n", f);
			else if (strncmp(line, "timings", 7) != 0)
				fputs(line, f);
		}
		fclose(in);
		fclose(f);
		snprintf(path, sizeof path, "%s", tu_write("fast-storage.ini", text));
		free(text);
	}
	return path;
}

static struct run_output *run_on(const struct instance *in, const char *policy)
{
	struct run_config c;
	run_config_defaults(&c);
	c.trace = in->trace;
	c.device = device();
	c.timings = "devices/xeon-kvm-2vcpu/timings.csv";
	c.model = "mobilenet_v1";
	c.ops = OPS;
	c.policy = policy;
	c.workload = in->workload;
	c.deadline_ms = in->deadline_ms;
	c.duration_s = in->duration_s;
	struct errbuf eb = {0};
	struct run_output *o = NULL;
	cr_assert_eq(run_execute(&c, &o, &eb), 0, "%s: %s", policy, eb.msg);
	return o;
}

/* The on-time accuracy summed over the requests (ontime_top1 is its mean over requests). */
static double score(const struct run_output *o)
{
	return o->has_ontime_top1 ? o->m.ontime_top1 * (double)o->m.requests : 0;
}

Test(oracle, exact_plans_match_brute_force_and_no_policy_beats_them, .timeout = 300)
{
	const char *so = sequence_plugin();
	int n_nontrivial = 0, n_exact = 0;
	for (int k = 0; k < 8; k++) {
		struct instance in;
		make_instance(k, &in);
		struct run_output *o = run_on(&in, "oracle:threads=1");
		cr_assert_eq(o->m.requests, N_REQ, "instance %d: %lld requests", k,
			     (long long)o->m.requests);
		int exact = strstr(o->notes, "bound: exact") != NULL;
		double oracle = score(o);
		run_output_destroy(o);
		if (!exact)
			continue;
		n_exact++;

		/* every sequence of N_REQ choices among N_VAR variants */
		double best = -1;
		char best_seq[N_REQ + 1] = "", seq[N_REQ + 1];
		int n_seq = 1;
		for (int i = 0; i < N_REQ; i++)
			n_seq *= N_VAR;
		for (int x = 0; x < n_seq; x++) {
			for (int i = 0, y = x; i < N_REQ; i++, y /= N_VAR)
				seq[i] = (char)('0' + y % N_VAR);
			seq[N_REQ] = '\0';
			char spec[640];
			snprintf(spec, sizeof spec, "%s:seq=%s", so, seq);
			struct run_output *r = run_on(&in, spec);
			double v = score(r);
			run_output_destroy(r);
			if (v > best + 1e-9) {
				best = v;
				memcpy(best_seq, seq, sizeof seq);
			}
		}
		int mixed = 0;
		for (int i = 1; i < N_REQ; i++)
			mixed |= best_seq[i] != best_seq[0];
		n_nontrivial += mixed;
		cr_log_info("oracle: instance %d (%s, deadline %g ms): best sequence %s, %.3f; "
			    "oracle %.3f",
			    k, in.workload, in.deadline_ms, best_seq, best, oracle);
		cr_expect(fabs(oracle - best) <= 1e-6 * fmax(1, best),
			  "instance %d (%s, deadline %g ms): the oracle scores %.6f, the best sequence "
			  "(%s) %.6f",
			  k, in.workload, in.deadline_ms, oracle, best_seq, best);

		static const char *const others[] = {
			"greedy:threads=1", "reactive:threads=1", "adascale:threads=1",
			"static:variant=best,threads=1", "static:variant=fastest,threads=1",
		};
		for (size_t p = 0; p < sizeof others / sizeof others[0]; p++) {
			struct run_output *r = run_on(&in, others[p]);
			cr_expect(score(r) <= oracle + 1e-6, "instance %d: %s scores %.6f > oracle %.6f",
				  k, others[p], score(r), oracle);
			run_output_destroy(r);
		}
	}
	cr_assert_geq(n_exact, 6, "the oracle said exact on only %d of 8 instances", n_exact);
	cr_assert_geq(n_nontrivial, 2,
		      "only %d instances need more than one variant: the check would be weak",
		      n_nontrivial);
}

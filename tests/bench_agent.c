/*
 * bench_agent.c: kernel efficiency for `make bench`: the largest convolutions of the model
 * zoo (by multiply-accumulates, fp32, every models/zoo spec as written) timed with each of
 * the agent's backends (OpenBLAS im2col + sgemm, XNNPACK's fp32 convolution), against
 * cblas_sgemm on square 1024 matrices timed right before each convolution at the same
 * thread count.
 * Prints GFLOP/s and the ratio for each, the lowest ratio per backend and whether it
 * reaches the goal (60% by default). The verdict is the one of the backend that `--backend
 * auto` profiles these convolutions on (XNNPACK, or OpenBLAS in an agent built without it).
 * Numbers for people to read; the exit status is 0 unless something fails to run (or, with
 * --strict, the verdict is a miss).
 * Not a correctness test (tests/test_agent.c checks the kernels against a reference).
 *
 * usage: bench-agent [--top N] [--threads 1,2] [--goal PCT] [--strict]
 */
#include <cblas.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "model.h"
#include "num.h"
#include "paths.h"
#include "kb.h"
#include "kb_tensor.h"
#include "ameasure.h"
#include "apool.h"
#include "aprofile.h"
#include "asys.h"

/* sgemm C = A B on n x n matrices, run through the agent's timing loop. */
struct gemm {
	int n, threads;
	float *a, *b, *c;
};

static const char *gemm_name(void) { return "sgemm"; }

static int gemm_run(void *state, struct errbuf *eb)
{
	(void)eb;
	struct gemm *g = state;
	if (openblas_get_num_threads() != g->threads)
		openblas_set_num_threads(g->threads);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, g->n, g->n, g->n, 1.0f, g->a, g->n,
		    g->b, g->n, 0.0f, g->c, g->n);
	return 0;
}

/* One convolution of the zoo, with where it first appears. */
struct conv {
	struct kshape k;
	char where[160];
};

static int by_macs_desc(const void *x, const void *y)
{
	double a = kshape_macs(&((const struct conv *)x)->k);
	double b = kshape_macs(&((const struct conv *)y)->k);
	return a < b ? 1 : a > b ? -1 : 0;
}

static int by_name(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Every conv (not depthwise) of every zoo spec, unique, fp32; *n of them. */
static struct conv *zoo_convs(int *n)
{
	char dir[4096];
	struct conv *c = NULL;
	int cap = 0;
	*n = 0;
	if (paths_data("models/zoo", dir, sizeof dir) < 0)
		return NULL;
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "bench-agent: %s: cannot list the model zoo\n", dir);
		return NULL;
	}
	char *names[256];
	int n_names = 0;
	for (struct dirent *e; (e = readdir(d)) && n_names < 256;) {
		size_t len = strlen(e->d_name);
		if (len > 4 && strcmp(e->d_name + len - 4, ".csv") == 0)
			names[n_names++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, (size_t)n_names, sizeof *names, by_name);
	for (int i = 0; i < n_names; i++) {
		char path[4352];
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		struct errbuf eb = {0};
		struct model *m = NULL;
		if (model_load(path, &m, &eb) < 0) {
			fprintf(stderr, "bench-agent: skipping %s: %s\n", names[i], eb.msg);
			free(names[i]);
			continue;
		}
		for (int j = 0; j < m->n_layers; j++) {
			struct kshape k = m->layers[j].k;
			if (k.op != KOP_CONV)
				continue;
			k.dtype = DT_FP32;
			int seen = 0;
			for (int q = 0; q < *n && !seen; q++)
				seen = kshape_cmp(&c[q].k, &k) == 0;
			if (seen)
				continue;
			if (*n == cap) {
				cap = cap ? cap * 2 : 256;
				struct conv *nc = realloc(c, (size_t)cap * sizeof *nc);
				if (!nc) {
					fprintf(stderr, "bench-agent: out of memory\n");
					exit(1);
				}
				c = nc;
			}
			c[*n].k = k;
			snprintf(c[*n].where, sizeof c[*n].where, "%s %s", m->name,
				 m->layers[j].name);
			(*n)++;
		}
		model_destroy(m);
		free(names[i]);
	}
	if (*n)
		qsort(c, (size_t)*n, sizeof *c, by_macs_desc);
	return c;
}

static void die(const char *what, const struct errbuf *eb)
{
	fprintf(stderr, "bench-agent: %s: %s\n", what, eb->msg);
	exit(1);
}

int main(int argc, char **argv)
{
	int top = 5, strict = 0;
	double goal = 60;
	struct agent_profile_opts po;
	agent_profile_defaults(&po);
	struct errbuf eb = {0};
	for (int i = 1; i < argc; i++) {
		long v;
		double x;
		if (strcmp(argv[i], "--top") == 0 && i + 1 < argc && num_long(argv[i + 1], &v) == 0 &&
		    v > 0) {
			top = (int)v;
			i++;
		} else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
			if (agent_parse_threads(argv[++i], &po, &eb) < 0)
				die("--threads", &eb);
		} else if (strcmp(argv[i], "--goal") == 0 && i + 1 < argc &&
			   num_double(argv[i + 1], &x) == 0) {
			goal = x;
			i++;
		} else if (strcmp(argv[i], "--strict") == 0) {
			strict = 1;
		} else {
			fprintf(stderr, "usage: bench-agent [--top N] [--threads 1,2] [--goal PCT] "
					"[--strict]\n");
			return 2;
		}
	}
	struct agent_cpuset cpus;
	if (agent_affinity_get(&cpus, &eb) < 0)
		die("affinity", &eb);
	if (po.n_threads == 0) {
		po.threads[po.n_threads++] = 1;
		if (agent_cpuset_count(&cpus) > 1)
			po.threads[po.n_threads++] = agent_cpuset_count(&cpus);
	}
	int n_conv;
	struct conv *convs = zoo_convs(&n_conv);
	if (n_conv == 0) {
		fprintf(stderr, "bench-agent: no convolution in the model zoo\n");
		return 1;
	}
	if (top > n_conv)
		top = n_conv;
	agent_pool_place(&cpus);
	agent_thread_pin(agent_pool_first_cpu());

	struct agent_measure_opts m;
	agent_measure_defaults(&m);
	m.max_seconds = 1;
	const struct kb_backend gemm_backend = {.name = gemm_name, .run = gemm_run};
	enum { N_BACKENDS = 2 };
	const struct kb_backend *backends[N_BACKENDS] = {&kb_openblas, &kb_xnnpack};
	double worst[N_BACKENDS] = {1e9, 1e9};
	printf("kernel efficiency: the %d largest convolutions of the zoo (fp32; the OpenBLAS "
	       "and XNNPACK backends) against sgemm 1024x1024x1024 timed just before each\n",
	       top);
	for (int t = 0; t < po.n_threads; t++) {
		int threads = po.threads[t];
		struct gemm g = {.n = 1024, .threads = threads};
		size_t nn = (size_t)g.n * g.n;
		g.a = kb_alloc(nn * sizeof(float));
		g.b = kb_alloc(nn * sizeof(float));
		g.c = kb_alloc(nn * sizeof(float));
		if (!g.a || !g.b || !g.c) {
			fprintf(stderr, "bench-agent: out of memory\n");
			return 1;
		}
		struct rng r;
		rng_init(&r, 1, KB_RNG_STREAM);
		kb_fill_f32(&r, g.a, nn, -1, 1);
		kb_fill_f32(&r, g.b, nn, -1, 1);
		struct agent_measure_opts gm = m;
		gm.warmup_ms = 200; /* the first measurement of a thread count ramps the clock */
		gm.max_seconds = 0.5;
		printf("  %d thread%s:\n", threads, threads > 1 ? "s" : "");
		for (int i = 0; i < top; i++) {
			/*
			 * sgemm right before each convolution, so that the ratio compares the two
			 * under the same conditions: on a shared machine the speed of both drifts
			 * over the seconds a thread count takes.
			 */
			struct agent_timing tm;
			if (agent_measure(&gemm_backend, &g, &gm, &tm, &eb) < 0)
				die("sgemm", &eb);
			gm.warmup_ms = 20;
			double gemm_gflops = 2.0 * g.n * (double)g.n * g.n / (tm.median_us * 1e3);
			char key[128];
			kshape_format(&convs[i].k, key, sizeof key);
			printf("    %-36s %6.1f M MACs  sgemm %5.1f GFLOP/s", key,
			       kshape_macs(&convs[i].k) / 1e6, gemm_gflops);
			for (int b = 0; b < N_BACKENDS; b++) {
				void *state = NULL;
				if (backends[b]->prepare(&convs[i].k, threads, 1, &state, &eb) < 0) {
					/* a build without XNNPACK: that column stays empty */
					printf("  %s: -", backends[b]->name());
					continue;
				}
				if (agent_measure(backends[b], state, &m, &tm, &eb) < 0)
					die(convs[i].where, &eb);
				backends[b]->release(state);
				double gflops = 2.0 * kshape_macs(&convs[i].k) / (tm.median_us * 1e3);
				double ratio = gflops / gemm_gflops;
				worst[b] = ratio < worst[b] ? ratio : worst[b];
				printf("  %s %5.1f %5.1f%%", backends[b]->name(), gflops, 100 * ratio);
			}
			printf("  (%s)\n", convs[i].where);
		}
		kb_free(g.a);
		kb_free(g.b);
		kb_free(g.c);
	}
	char why[KB_WHY_LEN];
	const struct kb_backend *chosen = kb_choose("auto", &convs[0].k, why);
	int met = 0;
	for (int b = 0; b < N_BACKENDS; b++) {
		if (worst[b] >= 1e9)
			continue;
		int is_auto = backends[b] == chosen;
		printf("kernel efficiency, %s%s: lowest ratio %.1f%% of sgemm; goal >= %g%%: %s\n",
		       backends[b]->name(), is_auto ? " (what --backend auto profiles them on)" : "",
		       100 * worst[b], goal, 100 * worst[b] >= goal ? "met" : "missed");
		if (is_auto)
			met = 100 * worst[b] >= goal;
	}
	free(convs);
	return strict && !met ? 1 : 0;
}

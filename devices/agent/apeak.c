/*
 * apeak.c: the chains of apeak.h. Each measurement runs a fixed number of iterations, long
 * enough (about 50 ms) that the clock reads are negligible, and keeps the best of its
 * repeats: interference only ever slows a chain down.
 */
#define _GNU_SOURCE
#include "apeak.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#if defined(__x86_64__)
#include <immintrin.h>
#elif defined(__aarch64__)
#include <arm_neon.h>
#endif

#define CHAINS 12
#define REPEATS 5
#define MAX_THREADS 64

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* The sum keeps the compiler from dropping the chains. */
static volatile float sink_f;
static volatile long sink_l;

#if defined(__x86_64__)
#define FMA12(fma)                                                                          \
	do {                                                                                \
		a0 = fma(a0, b, c); a1 = fma(a1, b, c); a2 = fma(a2, b, c);                 \
		a3 = fma(a3, b, c); a4 = fma(a4, b, c); a5 = fma(a5, b, c);                 \
		a6 = fma(a6, b, c); a7 = fma(a7, b, c); a8 = fma(a8, b, c);                 \
		a9 = fma(a9, b, c); a10 = fma(a10, b, c); a11 = fma(a11, b, c);             \
	} while (0)

__attribute__((target("avx512f"))) static void chains_avx512(long n)
{
	__m512 b = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
	__m512 a0 = _mm512_set1_ps(0), a1 = _mm512_set1_ps(1), a2 = _mm512_set1_ps(2),
	       a3 = _mm512_set1_ps(3), a4 = _mm512_set1_ps(4), a5 = _mm512_set1_ps(5),
	       a6 = _mm512_set1_ps(6), a7 = _mm512_set1_ps(7), a8 = _mm512_set1_ps(8),
	       a9 = _mm512_set1_ps(9), a10 = _mm512_set1_ps(10), a11 = _mm512_set1_ps(11);
	for (long k = 0; k < n; k++)
		FMA12(_mm512_fmadd_ps);
	__m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)),
				 _mm512_add_ps(_mm512_add_ps(a4, a5), _mm512_add_ps(a6, a7)));
	s = _mm512_add_ps(s, _mm512_add_ps(_mm512_add_ps(a8, a9), _mm512_add_ps(a10, a11)));
	sink_f = _mm512_reduce_add_ps(s);
}

__attribute__((target("avx2,fma"))) static void chains_avx2(long n)
{
	__m256 b = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
	__m256 a0 = _mm256_set1_ps(0), a1 = _mm256_set1_ps(1), a2 = _mm256_set1_ps(2),
	       a3 = _mm256_set1_ps(3), a4 = _mm256_set1_ps(4), a5 = _mm256_set1_ps(5),
	       a6 = _mm256_set1_ps(6), a7 = _mm256_set1_ps(7), a8 = _mm256_set1_ps(8),
	       a9 = _mm256_set1_ps(9), a10 = _mm256_set1_ps(10), a11 = _mm256_set1_ps(11);
	for (long k = 0; k < n; k++)
		FMA12(_mm256_fmadd_ps);
	__m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
				 _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)));
	s = _mm256_add_ps(s, _mm256_add_ps(_mm256_add_ps(a8, a9), _mm256_add_ps(a10, a11)));
	float v[8];
	_mm256_storeu_ps(v, s);
	sink_f = v[0] + v[7];
}

static long dependent_adds(long n)
{
	long x = 0;
	for (long k = 0; k < n; k++)
		__asm__ volatile("add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0" : "+r"(x));
	return x;
}
#elif defined(__aarch64__)
static void chains_neon(long n)
{
	float32x4_t b = vdupq_n_f32(0.999999f), c = vdupq_n_f32(1e-7f);
	float32x4_t a[CHAINS];
	for (int i = 0; i < CHAINS; i++)
		a[i] = vdupq_n_f32((float)i);
	for (long k = 0; k < n; k++)
		for (int i = 0; i < CHAINS; i++)
			a[i] = vfmaq_f32(a[i], b, c);
	float32x4_t s = a[0];
	for (int i = 1; i < CHAINS; i++)
		s = vaddq_f32(s, a[i]);
	sink_f = vaddvq_f32(s);
}

static long dependent_adds(long n)
{
	long x = 0;
	for (long k = 0; k < n; k++)
		__asm__ volatile("add %0, %0, #1\n\tadd %0, %0, #1\n\tadd %0, %0, #1\n\t"
				 "add %0, %0, #1"
				 : "+r"(x));
	return x;
}
#endif

typedef void (*chains_fn)(long n);

/* The widest FMA this build and this CPU have, or NULL. */
static chains_fn pick(const char **isa, int *width)
{
#if defined(__x86_64__)
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f")) {
		*isa = "avx512f";
		*width = 16;
		return chains_avx512;
	}
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
		*isa = "avx2 fma";
		*width = 8;
		return chains_avx2;
	}
#elif defined(__aarch64__)
	*isa = "neon";
	*width = 4;
	return chains_neon;
#endif
	(void)isa;
	(void)width;
	return NULL;
}

struct job {
	chains_fn fn;
	long iters;
	int cpu;
	double best_s;
	atomic_int *go;         /* NULL: start at once; else wait until it is set */
};

/* The best time of REPEATS runs of iters iterations on cpu (all jobs start together). */
static void *run_job(void *arg)
{
	struct job *j = arg;
	agent_thread_pin(j->cpu);
	j->best_s = 0;
	while (j->go && !atomic_load(j->go))
		;
	for (int r = 0; r < REPEATS; r++) {
		double t0 = now_s();
		j->fn(j->iters);
		double s = now_s() - t0;
		if (r == 0 || s < j->best_s)
			j->best_s = s;
	}
	return NULL;
}

int agent_peak_measure(const struct agent_cpuset *cpus, struct agent_peak *p,
		       struct errbuf *eb)
{
	memset(p, 0, sizeof *p);
	chains_fn fn = pick(&p->isa, &p->width);
	if (!fn)
		return err_set(eb, ERR_USAGE, "peak: this build knows no fused multiply-add for "
					      "this CPU (x86-64 with AVX2 and FMA, or AArch64)");
	int first = agent_cpuset_first(cpus);
	p->n_cpus = agent_cpuset_count(cpus);
	p->repeats = REPEATS;
	if (first < 0 || p->n_cpus <= 0)
		return err_set(eb, ERR_USAGE, "peak: no CPU to measure on");
	struct agent_cpuset was;
	int have_was = agent_affinity_get(&was, NULL) == 0;

	/* the iterations: about 50 ms from a short trial run */
	long iters = 100000;
	agent_thread_pin(first);
	double t0 = now_s();
	fn(iters);
	double trial = now_s() - t0;
	if (trial > 0)
		iters = (long)(iters * 0.05 / trial) + 1;
	double flops = (double)iters * CHAINS * p->width * 2;

	struct job one = {fn, iters, first, 0, NULL};
	run_job(&one);
	p->gflops_one = flops / one.best_s / 1e9;

	long adds = 50000000;
	double best_add = 0;
	for (int r = 0; r < REPEATS; r++) {
		double a0 = now_s();
		sink_l = dependent_adds(adds / 4);
		double s = now_s() - a0;
		if (r == 0 || s < best_add)
			best_add = s;
	}
	p->clock_mhz = (double)(adds / 4 * 4) / best_add / 1e6;

	/* every CPU at once: all threads start together and run their repeats side by side */
	struct job jobs[MAX_THREADS];
	pthread_t th[MAX_THREADS];
	atomic_int go = 0;
	int n = 0, rc = 0;
	for (int cpu = 0; cpu < AGENT_MAX_CPUS && n < MAX_THREADS; cpu++) {
		if (!agent_cpuset_has(cpus, cpu))
			continue;
		jobs[n] = (struct job){fn, iters, cpu, 0, &go};
		if (pthread_create(&th[n], NULL, run_job, &jobs[n]) != 0) {
			rc = err_set(eb, ERR_IO, "peak: cannot start a thread for CPU %d", cpu);
			break;
		}
		n++;
	}
	atomic_store(&go, 1);
	for (int i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		p->gflops_all += flops / jobs[i].best_s / 1e9;
	}
	if (have_was)
		agent_thread_affinity_set(&was);
	return rc;
}

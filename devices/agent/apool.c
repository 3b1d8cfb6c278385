/*
 * apool.c: the agent's persistent thread pool (see apool.h).
 *
 * A call publishes (fn, ctx) and bumps a generation counter. Workers spin on the counter
 * for a while after each call (cheap back-to-back calls, as in a timing loop), then sleep on
 * a condition variable; the generation is bumped under the mutex so no wake-up is lost. The
 * caller runs share 0 itself and then waits on a count of outstanding workers the same way.
 */
#include "apool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * How long a waiting thread spins before it sleeps. Short: when two of the pool's threads
 * share a core (another process holds the other), a long spin would take the very time
 * slice the thread it waits for needs.
 */
#define SPIN_NS 50000

struct worker {
	struct agent_pool *pool;
	int tid;
};

struct agent_pool {
	int n_threads;
	int n_started;
	pthread_t *threads;
	struct worker *workers;
	pthread_mutex_t mu;
	pthread_cond_t cv_work;
	pthread_cond_t cv_done;
	atomic_uint gen;
	atomic_int pending;
	atomic_int stop;
	atomic_int spin;
	agent_pool_fn fn;
	void *ctx;
};

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
	__asm__ __volatile__("yield");
#endif
}

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Spins up to SPIN_NS while *x == v; returns 1 when it changed. */
static int spin_while_uint(atomic_uint *x, unsigned v, atomic_int *stop)
{
	long long end = now_ns() + SPIN_NS;
	for (int i = 1;; i++) {
		if (atomic_load_explicit(x, memory_order_acquire) != v ||
		    atomic_load_explicit(stop, memory_order_relaxed))
			return 1;
		cpu_relax();
		if (i % 64 == 0 && now_ns() > end)
			return 0;
	}
}

/* Spins up to SPIN_NS until *x is 0; returns 1 when it is. */
static int spin_until_zero(atomic_int *x)
{
	long long end = now_ns() + SPIN_NS;
	for (int i = 1;; i++) {
		if (atomic_load_explicit(x, memory_order_acquire) == 0)
			return 1;
		cpu_relax();
		if (i % 64 == 0 && now_ns() > end)
			return 0;
	}
}

/* CPUs for the pools' threads, highest first: worker i runs on place[i] (0 is the caller's). */
static int place[AGENT_MAX_CPUS];
static int n_place;

void agent_pool_place(const struct agent_cpuset *cpus)
{
	n_place = 0;
	for (int cpu = AGENT_MAX_CPUS - 1; cpus && cpu >= 0; cpu--)
		if (agent_cpuset_has(cpus, cpu))
			place[n_place++] = cpu;
}

int agent_pool_first_cpu(void) { return n_place ? place[0] : -1; }

int agent_pool_worker_cpus(int n_threads, struct agent_cpuset *out)
{
	if (n_threads < 2 || n_threads > n_place)
		return -1;
	agent_cpuset_clear(out);
	for (int i = 1; i < n_threads; i++)
		agent_cpuset_add(out, place[i]);
	return 0;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct agent_pool *p = w->pool;
	unsigned seen = 0;
	if (p->n_threads <= n_place)
		agent_thread_pin(place[w->tid]);
	for (;;) {
		if (atomic_load_explicit(&p->spin, memory_order_relaxed))
			spin_while_uint(&p->gen, seen, &p->stop);
		if (atomic_load_explicit(&p->gen, memory_order_acquire) == seen &&
		    !atomic_load(&p->stop)) {
			pthread_mutex_lock(&p->mu);
			while (atomic_load(&p->gen) == seen && !atomic_load(&p->stop))
				pthread_cond_wait(&p->cv_work, &p->mu);
			pthread_mutex_unlock(&p->mu);
		}
		if (atomic_load(&p->stop))
			break;
		seen = atomic_load_explicit(&p->gen, memory_order_acquire);
		p->fn(p->ctx, w->tid, p->n_threads);
		if (atomic_fetch_sub_explicit(&p->pending, 1, memory_order_acq_rel) == 1) {
			pthread_mutex_lock(&p->mu);
			pthread_cond_signal(&p->cv_done);
			pthread_mutex_unlock(&p->mu);
		}
	}
	return NULL;
}

struct agent_pool *agent_pool_create(int n_threads, struct errbuf *eb)
{
	if (n_threads < 1 || n_threads > 1024) {
		err_set(eb, ERR_RANGE, "thread pool: %d threads (1..1024)", n_threads);
		return NULL;
	}
	struct agent_pool *p = calloc(1, sizeof *p);
	if (!p) {
		err_set(eb, ERR_NOMEM, "thread pool: out of memory");
		return NULL;
	}
	p->n_threads = n_threads;
	atomic_init(&p->gen, 0);
	atomic_init(&p->pending, 0);
	atomic_init(&p->stop, 0);
	atomic_init(&p->spin, 1);
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv_work, NULL);
	pthread_cond_init(&p->cv_done, NULL);
	if (n_threads == 1)
		return p;
	p->threads = calloc((size_t)n_threads, sizeof *p->threads);
	p->workers = calloc((size_t)n_threads, sizeof *p->workers);
	if (!p->threads || !p->workers) {
		err_set(eb, ERR_NOMEM, "thread pool: out of memory");
		goto fail;
	}
	for (int i = 1; i < n_threads; i++) {
		p->workers[i].pool = p;
		p->workers[i].tid = i;
		int e = pthread_create(&p->threads[i], NULL, worker_main, &p->workers[i]);
		if (e) {
			err_set(eb, ERR_IO, "thread pool: cannot start thread %d of %d: %s", i + 1,
				n_threads, strerror(e));
			goto fail;
		}
		p->n_started = i;
	}
	return p;
fail:
	agent_pool_destroy(p);
	return NULL;
}

void agent_pool_destroy(struct agent_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	atomic_store(&p->stop, 1);
	pthread_cond_broadcast(&p->cv_work);
	pthread_mutex_unlock(&p->mu);
	for (int i = 1; i <= p->n_started; i++)
		pthread_join(p->threads[i], NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv_work);
	pthread_cond_destroy(&p->cv_done);
	free(p->threads);
	free(p->workers);
	free(p);
}

void agent_pool_set_spin(struct agent_pool *p, int spin)
{
	if (p)
		atomic_store(&p->spin, spin ? 1 : 0);
}

int agent_pool_threads(const struct agent_pool *p) { return p ? p->n_threads : 1; }

void agent_pool_run(struct agent_pool *p, agent_pool_fn fn, void *ctx)
{
	if (!p || p->n_threads == 1) {
		fn(ctx, 0, 1);
		return;
	}
	p->fn = fn;
	p->ctx = ctx;
	atomic_store_explicit(&p->pending, p->n_threads - 1, memory_order_relaxed);
	pthread_mutex_lock(&p->mu);
	atomic_fetch_add_explicit(&p->gen, 1, memory_order_release);
	pthread_cond_broadcast(&p->cv_work);
	pthread_mutex_unlock(&p->mu);
	fn(ctx, 0, p->n_threads);
	if (spin_until_zero(&p->pending))
		return;
	pthread_mutex_lock(&p->mu);
	while (atomic_load_explicit(&p->pending, memory_order_acquire) != 0)
		pthread_cond_wait(&p->cv_done, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

void agent_pool_share(long n, int tid, int n_threads, long *lo, long *hi)
{
	long base = n / n_threads, rest = n % n_threads;
	*lo = tid * base + (tid < rest ? tid : rest);
	*hi = *lo + base + (tid < rest ? 1 : 0);
}

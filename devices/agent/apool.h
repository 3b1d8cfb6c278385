/*
 * apool.h: a small persistent thread pool for the agent's own kernel loops (the parts of the
 * OpenBLAS backend that are not BLAS calls: im2col, depthwise convolution, pooling, add).
 *
 * Workers are created once, with the pool, so that no thread is created inside a timed
 * region; a parallel call wakes them (after a short spin, so back-to-back calls do not pay a
 * sleep/wake each time), runs the same function on every thread with its index, and returns
 * when all are done. The calling thread takes index 0. Not a general task queue: one call at
 * a time, every thread runs every call; and not used for BLAS (OpenBLAS has its own threads)
 * nor for XNNPACK (pthreadpool).
 */
#ifndef ADASCALE_AGENT_POOL_H
#define ADASCALE_AGENT_POOL_H

#include "err.h"
#include "asys.h"

struct agent_pool;

/* Runs one share of a parallel call: thread tid of n_threads. */
typedef void (*agent_pool_fn)(void *ctx, int tid, int n_threads);

/* A pool of n_threads: the caller and n_threads - 1 workers. NULL on failure (detail in eb). */
struct agent_pool *agent_pool_create(int n_threads, struct errbuf *eb);
/* Stops and joins the workers; accepts NULL. */
void agent_pool_destroy(struct agent_pool *p);
int agent_pool_threads(const struct agent_pool *p);
/* Calls fn(ctx, tid, n) on every thread of the pool and waits for all (NULL p: tid 0 of 1). */
void agent_pool_run(struct agent_pool *p, agent_pool_fn fn, void *ctx);
/*
 * Whether idle workers spin before sleeping (the default, 1). Turn it off when the calls
 * alternate with another library's threads (im2col between sgemm calls), so that spinning
 * workers do not take cores from them.
 */
void agent_pool_set_spin(struct agent_pool *p, int spin);
/*
 * Where pool threads run, for every pool created afterwards (process-wide, like
 * openblas_set_num_threads): the CPUs of cpus from the highest down, thread i on the i-th,
 * index 0 being the caller's (pin the caller there with agent_thread_pin). A pool with more
 * threads than these CPUs, or any pool while none are set (NULL), is left to the scheduler.
 * Pinning keeps the scheduler from stacking a woken worker on its waker's CPU, which
 * otherwise happens often enough to double a parallel kernel's time.
 */
void agent_pool_place(const struct agent_cpuset *cpus);
/* The CPU for the caller (index 0), or -1 when no placement is set. */
int agent_pool_first_cpu(void);
/*
 * The CPUs placed for workers 1 .. n_threads - 1 of a pool of n_threads, into *out: 0, or
 * -1 when no placement is set or it has fewer CPUs than n_threads. For other libraries'
 * pools (pthreadpool), whose threads inherit the creating thread's affinity: create them
 * while the creating thread is restricted to these CPUs.
 */
int agent_pool_worker_cpus(int n_threads, struct agent_cpuset *out);
/* [*lo, *hi) is thread tid's share of n items, split as evenly as possible. */
void agent_pool_share(long n, int tid, int n_threads, long *lo, long *hi);

#endif

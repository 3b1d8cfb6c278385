/*
 * acache.h: the cache state a kernel meets inside a model pass, recreated before each timed
 * run. Inside a pass a layer reads the activations the layer before it has just written (in
 * the cache), while its weights, its output buffer and any packed copy a library keeps were
 * last touched a whole pass ago and have since been pushed out by the other layers. Timed
 * back to back on its own, a kernel finds all of that in the cache instead, and adding such
 * times up underestimates the pass (docs/agent.md, "Cache state").
 *
 * An eviction writes a scratch buffer on every thread the kernel runs on (each thread pinned
 * where the agent pool places it), which pushes out whatever the kernel left in those
 * cores' caches, packed weights included; then the calling thread reads the kernel's input
 * back in. The same idea as TVM's `cache_flush_cpu_non_first_arg` (apache/tvm,
 * src/runtime/rpc/rpc_module.cc: flush every argument but the first, the input, before each
 * timed run), done with a scratch buffer instead of clflush because the libraries' packed
 * weights are not arguments. Not for timing (ameasure.h) nor for reading anything but cache
 * sizes from sysfs.
 */
#ifndef ADASCALE_AGENT_CACHE_H
#define ADASCALE_AGENT_CACHE_H

#include <stddef.h>

#include "err.h"
#include "kb_backend.h"

#define AGENT_MAX_CACHE_LEVELS 8

/* One data or unified cache of a CPU, from /sys/devices/system/cpu/cpuN/cache/indexM. */
struct agent_cache_level {
	int level;        /* 1, 2, 3 */
	size_t bytes;
	int n_sharing;    /* CPUs that share it (shared_cpu_list), 0 unknown */
};

/* The data and unified caches of cpu, smallest level first; the count (0: sysfs says nothing). */
int agent_cache_levels(int cpu, struct agent_cache_level *lv, int max);

/*
 * The L2 of the CPU the agent pool places its first thread on (agent_pool_first_cpu, CPU 0
 * before any placement), read once and kept; 1 MB when sysfs does not say. What the
 * backends size their blocking by (kb_openblas.c im2col chunks, kb_xnnpack.c slices).
 */
size_t agent_l2_bytes(void);

/*
 * The default eviction size for kernels run on cpu: 1.5 x the largest data or unified cache
 * of that CPU that is at most AGENT_EVICT_CAP_BYTES (a phone's L2 or shared L3, a server's
 * per-core L2; not a server L3 of hundreds of MB, which would make each run cost more than
 * the kernel), shared caches counted whole. AGENT_EVICT_FALLBACK_BYTES when sysfs has no
 * cache information.
 */
#define AGENT_EVICT_CAP_BYTES ((size_t)32 << 20)
#define AGENT_EVICT_FALLBACK_BYTES ((size_t)4 << 20)
size_t agent_evict_default_bytes(int cpu);

struct agent_evict;

/*
 * An eviction over n_threads threads (the caller and n_threads - 1 workers, placed like an
 * agent pool), each writing its own bytes of scratch. NULL on failure (detail in eb).
 */
struct agent_evict *agent_evict_create(size_t bytes, int n_threads, struct errbuf *eb);
/* Accepts NULL. */
void agent_evict_destroy(struct agent_evict *e);
size_t agent_evict_bytes(const struct agent_evict *e);

/*
 * Writes every cache line of the scratch on every thread, then reads each of the n_in
 * buffers (in[i], in_bytes[i]; NULL entries skipped) on the calling thread. NULL e: only
 * the reads.
 */
void agent_evict_run(struct agent_evict *e, const void *const *in, const size_t *in_bytes,
		     int n_in);

/* What agent_cache_prep needs for one prepared kernel: the eviction and its inputs. */
struct agent_cache_prep {
	struct agent_evict *e; /* NULL: no eviction (the kernel's buffers stay warm) */
	const void *in[2];
	size_t in_bytes[2];
};

/* Takes the kernel's input (and add's second input) from b's view of state. */
void agent_cache_prep_init(struct agent_cache_prep *p, struct agent_evict *e,
			   const struct kb_backend *b, const void *state);
/* An agent_measure_prep: ctx is a struct agent_cache_prep; nothing when its e is NULL. */
void agent_cache_prep(void *ctx);

#endif

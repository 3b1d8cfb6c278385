/*
 * acache.c: cache sizes from sysfs and the eviction run before each timed kernel run (see
 * acache.h). The scratch buffers are written one word per cache line, so each run costs
 * about bytes / 64 line transfers per thread.
 */
#include "acache.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apool.h"
#include "asys.h"
#include "kb_tensor.h"

#define LINE 64

int agent_cache_levels(int cpu, struct agent_cache_level *lv, int max)
{
	int n = 0;
	for (int idx = 0; idx < 16 && n < max; idx++) {
		char path[128], buf[256];
		snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/cache/index%d/type", cpu,
			 idx);
		if (agent_read_line(path, buf, sizeof buf) < 0)
			break;
		if (strcmp(buf, "Data") != 0 && strcmp(buf, "Unified") != 0)
			continue;
		struct agent_cache_level c = {0};
		snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/cache/index%d/level", cpu,
			 idx);
		if (agent_read_line(path, buf, sizeof buf) < 0)
			continue;
		c.level = atoi(buf);
		snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/cache/index%d/size", cpu,
			 idx);
		if (agent_read_line(path, buf, sizeof buf) < 0)
			continue;
		char *end;
		unsigned long long v = strtoull(buf, &end, 10);
		if (end == buf || v == 0)
			continue;
		c.bytes = (size_t)v * (*end == 'M' ? 1u << 20 : *end == 'K' ? 1u << 10 : 1u);
		snprintf(path, sizeof path,
			 "/sys/devices/system/cpu/cpu%d/cache/index%d/shared_cpu_list", cpu, idx);
		struct agent_cpuset s;
		if (agent_read_line(path, buf, sizeof buf) == 0 && agent_cpuset_parse(buf, &s) == 0)
			c.n_sharing = agent_cpuset_count(&s);
		/* insertion by level, so the list goes smallest level first */
		int at = n;
		while (at > 0 && lv[at - 1].level > c.level) {
			lv[at] = lv[at - 1];
			at--;
		}
		lv[at] = c;
		n++;
	}
	return n;
}

size_t agent_l2_bytes(void)
{
	static size_t bytes;
	if (bytes)
		return bytes;
	struct agent_cache_level lv[AGENT_MAX_CACHE_LEVELS];
	int cpu = agent_pool_first_cpu();
	int n = agent_cache_levels(cpu < 0 ? 0 : cpu, lv, AGENT_MAX_CACHE_LEVELS);
	size_t b = (size_t)1 << 20;
	for (int i = 0; i < n; i++)
		if (lv[i].level == 2)
			b = lv[i].bytes;
	bytes = b;
	return bytes;
}

size_t agent_evict_default_bytes(int cpu)
{
	struct agent_cache_level lv[AGENT_MAX_CACHE_LEVELS];
	int n = agent_cache_levels(cpu < 0 ? 0 : cpu, lv, AGENT_MAX_CACHE_LEVELS);
	size_t best = 0;
	for (int i = 0; i < n; i++)
		if (lv[i].bytes <= AGENT_EVICT_CAP_BYTES && lv[i].bytes > best)
			best = lv[i].bytes;
	if (best == 0)
		return AGENT_EVICT_FALLBACK_BYTES;
	return best + best / 2;
}

struct agent_evict {
	size_t bytes;
	int n_threads;
	struct agent_pool *pool;
	unsigned char **scratch; /* one per thread */
	unsigned tick;
};

void agent_evict_destroy(struct agent_evict *e)
{
	if (!e)
		return;
	agent_pool_destroy(e->pool);
	for (int i = 0; e->scratch && i < e->n_threads; i++)
		kb_free(e->scratch[i]);
	free(e->scratch);
	free(e);
}

struct agent_evict *agent_evict_create(size_t bytes, int n_threads, struct errbuf *eb)
{
	if (n_threads < 1)
		n_threads = 1;
	struct agent_evict *e = calloc(1, sizeof *e);
	if (!e || !(e->scratch = calloc((size_t)n_threads, sizeof *e->scratch))) {
		free(e);
		err_set(eb, ERR_NOMEM, "cache eviction: out of memory");
		return NULL;
	}
	e->bytes = (bytes + LINE - 1) / LINE * LINE;
	e->n_threads = n_threads;
	for (int i = 0; i < n_threads; i++)
		if (!(e->scratch[i] = kb_alloc(e->bytes))) {
			err_set(eb, ERR_NOMEM, "cache eviction: out of memory for %zu bytes",
				e->bytes);
			goto fail;
		}
	if (n_threads > 1) {
		if (!(e->pool = agent_pool_create(n_threads, eb)))
			goto fail;
		/* workers sleep between evictions: they must not spin against the kernel */
		agent_pool_set_spin(e->pool, 0);
	}
	return e;
fail:
	agent_evict_destroy(e);
	return NULL;
}

size_t agent_evict_bytes(const struct agent_evict *e) { return e ? e->bytes : 0; }

static void evict_share(void *ctx, int tid, int n)
{
	(void)n;
	struct agent_evict *e = ctx;
	volatile unsigned char *p = e->scratch[tid];
	unsigned char v = (unsigned char)e->tick;
	for (size_t i = 0; i < e->bytes; i += LINE)
		p[i] = v;
}

/* The reads' sum goes here so that the compiler keeps them. */
static volatile unsigned evict_sink;

void agent_evict_run(struct agent_evict *e, const void *const *in, const size_t *in_bytes,
		     int n_in)
{
	if (e) {
		e->tick++;
		agent_pool_run(e->pool, evict_share, e);
	}
	unsigned acc = 0;
	for (int i = 0; i < n_in; i++) {
		const volatile unsigned char *p = in[i];
		for (size_t j = 0; p && j < in_bytes[i]; j += LINE)
			acc += p[j];
	}
	evict_sink = acc;
}

static size_t elem_bytes(const struct kb_view *v)
{
	if (v->dtype == DT_FP32)
		return 4;
	if (v->dtype == DT_FP16)
		return 2;
	return 1;
}

void agent_cache_prep_init(struct agent_cache_prep *p, struct agent_evict *e,
			   const struct kb_backend *b, const void *state)
{
	struct kb_view v;
	b->view(state, &v);
	p->e = e;
	p->in[0] = v.in;
	p->in[1] = v.in2;
	p->in_bytes[0] = v.n_in * elem_bytes(&v);
	p->in_bytes[1] = v.in2 ? v.n_in * elem_bytes(&v) : 0;
}

void agent_cache_prep(void *ctx)
{
	struct agent_cache_prep *p = ctx;
	if (p->e)
		agent_evict_run(p->e, p->in, p->in_bytes, 2);
}

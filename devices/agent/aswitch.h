/*
 * aswitch.h: `adascale-agent switchcost`: what bringing a variant up costs on this device,
 * measured. For each pass of a pass list (a variant; or the one pass of a model spec):
 *
 *   - reading its weights with a cold page cache: a file of the pass's weight bytes (random
 *     bytes, written once, fsync'd) is dropped from the page cache with
 *     posix_fadvise(POSIX_FADV_DONTNEED), which needs no root and drops this file's pages
 *     only (/proc/sys/vm/drop_caches needs root and empties every file's cache, disturbing
 *     whatever else runs), then read whole with read(2) and timed; the pages still resident
 *     after the drop are counted with mincore(2) and reported. The same read again, with
 *     the pages cached, is the warm read;
 *   - building its operators at each thread count: agent_pass_create (arun.h: every layer's
 *     kernel created and set up, its weights packed, the layers chained), timed, less the
 *     time the same thread takes to fill that many fp32 weights from the generator (which a
 *     deployed runtime does not do: it copies what it read), timed apart.
 *
 * Each is measured reps times, alternating; the medians are written. A resolution-only
 * switch is a build of the target variant with no read (devmodel.h), so the build column
 * is also its measurement. The output is the switch-cost format of devices/switchcost.h,
 * written whole or not at all. Not for the passes themselves (arun.h) nor for reading the
 * file (devices/switchcost.h).
 */
#ifndef ADASCALE_AGENT_SWITCH_H
#define ADASCALE_AGENT_SWITCH_H

#include <stdint.h>

#include "aprofile.h"
#include "err.h"
#include "kshape.h"

struct agent_switch_opts {
	const char *spec;      /* a model spec or pass list */
	const char *backend;   /* "auto", "openblas", "xnnpack" */
	enum dtype dtype;      /* for specs without a dtype column */
	int n_threads;         /* 0: 1 and the CPUs it may use */
	int threads[AGENT_MAX_THREAD_COUNTS];
	int reps;              /* measurements of each (5) */
	const char *dir;       /* where the weight files go (NULL: the output's folder, or .) */
	const char *cpus;      /* NULL: as inherited */
	uint64_t seed;
	int progress;
	const char *command;   /* the command line, for the metadata (NULL: none) */
};

void agent_switch_defaults(struct agent_switch_opts *o);

/* Measures o->spec's passes into out_path (NULL or "-": stdout), whole or not at all. */
int agent_switch(const struct agent_switch_opts *o, const char *out_path, struct errbuf *eb);

/* One cold read of path (dropped from the page cache first) into buf: ms, and *resident_pages
 * (pages still cached after the drop) and *pages. Negative on failure (detail in eb). */
int agent_switch_read_cold(const char *path, void *buf, size_t bytes, double *cold_ms,
			   long *resident_pages, long *pages, struct errbuf *eb);
/* One read of path into buf as the cache stands: ms. */
int agent_switch_read(const char *path, void *buf, size_t bytes, double *ms, struct errbuf *eb);

#define AGENT_SWITCH_HEADER                                                                  \
	"variant,threads,weight_bytes,read_cold_ms,read_warm_ms,build_ms,fill_ms,reps"

#endif

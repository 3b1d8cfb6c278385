/*
 * aprofile.h: `adascale-agent profile`: time kernels for each thread count on the chosen
 * backends and write the timings CSV. Two inputs, one output format:
 *
 *   - a kernel list (isolated): every unique kernel is built alone and timed with runs back
 *     to back (optionally with the caches evicted before each run, acache.h);
 *   - a pass list (in-model; a file with a `pass` column, see alists.h): every pass (a
 *     variant's layers in order) is built and timed whole, and each unique kernel's times
 *     are the times of its layers within the timed passes, so that they carry the cache
 *     state and the thread wake-ups a layer meets inside a model.
 *
 * The whole input is read and checked (shape, and that a backend runs each row) before
 * anything is timed or written, so bad input writes nothing. With backend "auto", fp32 rows
 * go to openblas and int8/fp16 rows to xnnpack; in a kernel list a row neither runs (fp16
 * on a CPU without XNNPACK fp16) is skipped with a warning and a "# skipped:" metadata line,
 * in a pass list it is an error (the pass could not run), as is such a row with a named
 * backend. Not for the timing loop (ameasure.h), the passes (arun.h) or the kernels (kb.h).
 */
#ifndef ADASCALE_AGENT_PROFILE_H
#define ADASCALE_AGENT_PROFILE_H

#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "kshape.h"
#include "ameasure.h"

#define AGENT_MAX_THREAD_COUNTS 16

struct agent_profile_opts {
	const char *kernels;     /* input path */
	const char *kernels_label; /* what the `# kernels:` line says, NULL: the path (a
				      caller profiling a list it wrote to a temporary file
				      names what the list is) */
	const char *backend;     /* "auto", "openblas", "xnnpack" */
	int n_threads;           /* 0: 1 and the number of CPUs it may use (after cpus) */
	int threads[AGENT_MAX_THREAD_COUNTS];
	const char *cpus;        /* CPU list to run on, NULL: as inherited */
	struct agent_measure_opts m;
	uint64_t seed;           /* inputs and weights */
	int progress;            /* a progress line on stderr */
	long evict_kb;           /* scratch written per thread before each run (acache.h):
				    -1 the default for the timing CPU, 0 none (warm cache, the
				    default) */
	double ramp_ms;          /* the first kernel warms up at least this long, so that
				    the governor has raised the clock (200 by default) */
	double spread_max;       /* a row whose p90/p10 exceeds this (or whose frequency
				    changed) is unstable: measured again (1.5 by default) */
	int rounds;              /* at most this many rounds of measuring unstable rows
				    again, after all the others (2 by default; 0: none) */
	long jitter_line;        /* kernel lists: the row of this line of the list sleeps
				    AGENT_JITTER_US in every other timed run, on purpose
				    (--inject-jitter, the stability check's test); 0: none */
};

/* What --inject-jitter adds to every other run of its row, microseconds. */
#define AGENT_JITTER_US 1000.0

/* Defaults: auto, threads 1 and the CPUs this process may use, measure defaults, seed 1. */
void agent_profile_defaults(struct agent_profile_opts *o);
/* Parses "1,2,4" into o->threads. */
int agent_parse_threads(const char *s, struct agent_profile_opts *o, struct errbuf *eb);

/*
 * Profiles o->kernels into out_path (NULL or "-": stdout). The output is an afile.h one,
 * visible only when complete, so a failed run leaves no partial timings.
 */
int agent_profile(const struct agent_profile_opts *o, const char *out_path, struct errbuf *eb);

#define AGENT_TIMINGS_HEADER                                                                  \
	KSHAPE_CSV_HEADER ",threads,backend,median_us,p10_us,p90_us,runs,gflops,freq_start_mhz," \
			  "freq_end_mhz,freq_changed,unstable"

#endif

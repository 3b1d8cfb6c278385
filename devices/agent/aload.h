/*
 * aload.h: competing load made by the agent itself, what a trace's util_other looks like to
 * the CPUs, in one of two shapes:
 *   - spread: one busy thread per CPU, each busy for util_other of every period and asleep
 *     for the rest, phases spread across the threads;
 *   - packed: the same total as whole CPUs first: floor(util_other * n) threads busy
 *     throughout, one more busy for the fraction left of every period, the other CPUs
 *     free (as a recording's stress-ng --cpu N workers load them).
 * At 0 and 1 the two are the same. Used by calibrate, cadence, sense and the applier; the
 * shape's two words are read here for the harness too (calibration, cadence and served files,
 * adascale validate --load-shape). Not for timing anything (ameasure.h).
 */
#ifndef ADASCALE_ALOAD_H
#define ADASCALE_ALOAD_H

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdint.h>

#include "err.h"

struct agent_loader {
	pthread_t th;
	int cpu;                /* pinned there; -1: not pinned */
	int64_t start_ns;       /* its first period starts here (monotonic) */
	int64_t period_ns, busy_ns;
	const atomic_int *stop;
	int running;
};

enum agent_load_shape { AGENT_LOAD_SPREAD, AGENT_LOAD_PACKED };

/* "spread" or "packed"; and the shape a name gives (0, or -1 for another word). */
const char *agent_load_shape_name(enum agent_load_shape shape);
int agent_load_shape_parse(const char *s, enum agent_load_shape *out);
/* --load-shape for an option table (opt.h's OPT_FN): dst is an enum agent_load_shape. */
int agent_load_shape_opt(const char *value, void *dst, char *why, size_t why_len);

/* The caller gives l room for one loader per CPU it will load. */
struct agent_load {
	int n;
	struct agent_loader *l;
	atomic_int stop;
};

/*
 * Starts busy threads taking d (0..1; none at 0) of the CPUs cpu[0..n_cpus) in the given
 * shape: spread, one per CPU at duty d; packed, on cpu[0], cpu[1], ... in turn, whole
 * ones first. Their period is period_ms, the first 1 ms from now. 0, or ERR_IO (the
 * threads started stay running until agent_load_stop).
 */
int agent_load_start(struct agent_load *ld, const int *cpu, int n_cpus, double d,
		     double period_ms, enum agent_load_shape shape, struct errbuf *eb);
/* Words for the load's shape on n_cpus CPUs at d, for a file's header or a note:
 * "one busy thread on each of the 2 CPUs, busy 2.500 ms of every 5 ms, phases spread" or
 * "1 of the 2 CPUs busy throughout, the others free". */
/* A measurement file's `# load:` line (with `; tail` when tail is not NULL) and its
 * `# load_shape:` line; 1 when both were written. */
int agent_load_header(FILE *f, enum agent_load_shape shape, int n_cpus, double period_ms,
		      const char *tail);
void agent_load_describe(enum agent_load_shape shape, int n_cpus, double d, double period_ms,
			 char *buf, size_t len);
/* Stops and joins the threads. */
void agent_load_stop(struct agent_load *ld);
/* CLOCK_MONOTONIC in ns, and a sleep until such a time. */
int64_t agent_mono_ns(void);
void agent_sleep_until(int64_t t_ns);

#endif

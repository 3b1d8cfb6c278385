/*
 * aload.h: competing load made by the agent itself: one busy thread per CPU, each busy for a
 * duty cycle of every period and asleep for the rest, phases spread across the threads (what
 * a trace's util_other looks like to the CPUs). Used by calibrate and sense. Not for timing
 * anything (ameasure.h).
 */
#ifndef ADASCALE_ALOAD_H
#define ADASCALE_ALOAD_H

#include <pthread.h>
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

/* The caller gives l room for one loader per CPU it will load. */
struct agent_load {
	int n;
	struct agent_loader *l;
	atomic_int stop;
};

/*
 * Starts one busy thread per CPU of cpu[0..n_cpus) at duty d (0..1; none at 0), its period
 * period_ms, the first period 1 ms from now. 0, or ERR_IO (the threads started stay running
 * until agent_load_stop).
 */
int agent_load_start(struct agent_load *ld, const int *cpu, int n_cpus, double d,
		     double period_ms, struct errbuf *eb);
/* Stops and joins the threads. */
void agent_load_stop(struct agent_load *ld);
/* CLOCK_MONOTONIC in ns, and a sleep until such a time. */
int64_t agent_mono_ns(void);
void agent_sleep_until(int64_t t_ns);

#endif

/*
 * aapply.h: the applier: a trace's competing load and memory pressure made real while the
 * agent serves, held by a child process (PR_SET_PDEATHSIG: it dies with the agent) so that
 * the load is another process's, as the sensed util_other counts it.
 * Commands go over a socket pair and each call returns when the child has applied the
 * value. Frequencies are not set by this applier: agent_apply_freq says so in `how`. Start
 * it from the main thread (PR_SET_PDEATHSIG fires when the starting thread ends) and before
 * other threads exist (it forks). Not for reading the state (arecord.h).
 */
#ifndef ADASCALE_AAPPLY_H
#define ADASCALE_AAPPLY_H

#include <stddef.h>

#include "err.h"

struct agent_apply;

struct agent_apply_opts {
	const char *cpus;      /* NULL: every CPU the agent may use */
	double period_ms;      /* duty-cycle period, default 5 */
	double mem_margin_mb;  /* never take MemAvailable below this */
};

/* Starts the applier's child, idle. 0 with *out set, or a negative code. */
int agent_apply_start(const struct agent_apply_opts *o, struct agent_apply **out,
		      struct errbuf *eb);
/* Busy threads at duty util_other (0..1) on every CPU. */
int agent_apply_util(struct agent_apply *a, double util_other, struct errbuf *eb);
/* Allocates and touches, or frees, memory so that MemAvailable comes to mem_avail_mb;
 * ERR_RANGE when that is below the margin. */
int agent_apply_mem(struct agent_apply *a, double mem_avail_mb, struct errbuf *eb);
/* Cluster at mhz where the userspace governor is writable; 0 with "not applied: why" in
 * how otherwise. */
int agent_apply_freq(struct agent_apply *a, int cluster, double mhz, char *how,
		     size_t how_len, struct errbuf *eb);
/* Stops the child, releases everything; idempotent, NULL accepted. */
void agent_apply_stop(struct agent_apply *a);

#endif

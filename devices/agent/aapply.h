/*
 * aapply.h: the applier: makes a device-state trace's values real on this machine while the
 * agent serves. A trace's util_other becomes busy threads taking that share of the CPUs
 * (aload.h's threads, spread at that duty cycle on every CPU or packed as whole CPUs first), mem_avail_mb becomes memory allocated and touched until MemAvailable
 * comes down to it, and a cluster's frequency is set through the cpufreq userspace governor
 * where the kernel lets the agent write it.
 *
 * The load and the memory are held by a child process, not by the agent: a policy senses
 * util_other as /proc/stat minus the agent's own CPU time (/proc/self/stat), so the load must
 * be another process's. The child asks for SIGTERM when the thread that started it ends
 * (PR_SET_PDEATHSIG, then checks getppid), and also ends when its command socket closes,
 * so however the agent ends (return, crash, SIGKILL) no load and no memory stay behind: on
 * SIGTERM or end of input it puts back the governors it changed and exits; its memory goes
 * with it. Commands go over a socket pair (a pipe that keeps message boundaries and raises
 * no SIGPIPE); each call returns when the child has applied the value and said so.
 *
 * One applier per process (it loads every CPU): the struct is the module's own, so stop
 * never frees it and may be called again. Calls may come from several threads: each waits
 * for the one before it to be answered (a memory call holds up a load call behind it, so a
 * caller that must not wait long asks for memory in steps). Start it from the thread that outlives it (the
 * main thread: PR_SET_PDEATHSIG fires when the starting thread ends) and early, before large
 * buffers exist: the child is a fork, and pages the agent writes after the fork are copied
 * while the child lives (MemAvailable counts them, so a memory call made later still comes
 * to its target). The child uses malloc and threads after fork(), which glibc allows.
 *
 * Not for measuring (ameasure.h) nor for reading the state (arecord.c, asense.c).
 */
#ifndef ADASCALE_AAPPLY_H
#define ADASCALE_AAPPLY_H

#include <stddef.h>

#include "aload.h"
#include "err.h"

/* Defaults: a busy thread's period (as calibrate's), and the memory never taken (assumed:
 * room for the kernel and the agent itself on this machine and on phones of 2 GB or more). */
#define AGENT_APPLY_PERIOD_MS 5.0
#define AGENT_APPLY_MARGIN_MB 256.0
/* A memory call ends when MemAvailable is this close to its target. */
#define AGENT_APPLY_MEM_TOL_MB 8.0

struct agent_apply;

struct agent_apply_opts {
	const char *cpus;      /* a CPU list ("0-3,6"); NULL: every CPU the agent may use */
	double period_ms;      /* duty-cycle period, 0.1..1000; 0: AGENT_APPLY_PERIOD_MS */
	double mem_margin_mb;  /* never take MemAvailable below this; 0 or less: the default */
	enum agent_load_shape shape; /* the busy threads' shape (aload.h); 0: spread */
};

/*
 * Starts the applier's child, idle (no load, no memory held). 0 with *out set, or ERR_RANGE
 * (options), ERR_PARSE (the CPU list), ERR_USAGE (one is already running), ERR_IO or
 * ERR_CHILD.
 */
int agent_apply_start(const struct agent_apply_opts *o, struct agent_apply **out,
		      struct errbuf *eb);
/* Busy threads taking util_other (0..1; none at 0) of the applier's CPUs in its shape
 * (spread: that duty on every CPU, phases spread over the period; packed: whole CPUs
 * first). 0, or ERR_RANGE, ERR_IO, ERR_CHILD. */
int agent_apply_util(struct agent_apply *a, double util_other, struct errbuf *eb);
/*
 * Allocates and touches (and mlocks where permitted) or frees memory until MemAvailable is
 * within AGENT_APPLY_MEM_TOL_MB of mem_avail_mb, never below the margin. A target below the
 * margin is ERR_RANGE naming both, and nothing changes. A target above what is available
 * with nothing held releases everything and says "cannot add memory" in the note. While it
 * holds memory, the child checks MemAvailable every 200 ms and gives back what other
 * processes' needs would take below the margin. While the call takes memory (a CPU kept
 * busy faulting pages in), the busy threads run at util_other less one CPU's share, so
 * that the load as a whole stays util_other (packed, the shape stays the same too: the
 * call's CPU is one of the whole ones). 0, or ERR_RANGE, ERR_IO, ERR_CHILD.
 */
int agent_apply_mem(struct agent_apply *a, double mem_avail_mb, struct errbuf *eb);
/*
 * Cluster `cluster` (asys.h's numbering) at the available frequency nearest mhz, through the
 * userspace governor (the one it had is put back on stop). Where that cannot be done (no
 * cpufreq, no userspace governor, nothing writable) it returns 0 and `how` says
 * "not applied: <why>"; done, `how` says "applied: ...". ERR_RANGE for a cluster this
 * machine does not have or mhz <= 0; ERR_CHILD when the child is gone.
 */
int agent_apply_freq(struct agent_apply *a, int cluster, double mhz, char *how,
		     size_t how_len, struct errbuf *eb);
/* Stops the child (the governors put back, the load and memory gone with it) and waits for
 * it; idempotent, NULL accepted. */
void agent_apply_stop(struct agent_apply *a);

/* What the last successful call applied, in words ("" before any). */
const char *agent_apply_note(const struct agent_apply *a);
/* The child's process id (0 once stopped), and the memory it holds now, in MB. */
int agent_apply_pid(const struct agent_apply *a);
double agent_apply_held_mb(const struct agent_apply *a);
/* The CPU time the child spent in memory calls since it started (pages faulted in are
 * the kernel's work on its account: load on the machine that no busy thread accounts for),
 * in seconds; and whether the last memory call could not add memory (a target above what
 * is free with nothing held). */
double agent_apply_mem_cpu_s(const struct agent_apply *a);
int agent_apply_mem_short(const struct agent_apply *a);

#endif

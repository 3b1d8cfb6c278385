/*
 * monitor.h: where a policy call in progress is reported, so that another process can say
 * where a run died and notice a call that never returns. Three pieces:
 *
 *   - the monitor, in shared memory (MAP_SHARED), that the host (sim/run.c) updates around
 *     every policy call (which call, the simulated time, the head request) with plain
 *     stores, no system call; the process watching it reads it;
 *   - the guarded buffers the host hands a policy (guard.h), registered with the monitor by
 *     what they hold (variant table, view, state, queue, decision, observation, host table,
 *     create's error buffer);
 *   - in the watched process, a SIGSEGV/SIGBUS handler (on its own stack) that records
 *     which registered buffer the faulting address belongs to, then lets the signal kill it.
 *
 * The watcher's side: a watch that notices one call outlasting a limit, and the sentence
 * that says what became of the process. Not for forking or reading a child's result
 * (sandbox.h), nor for the run itself (sim/). What is and is not caught: docs/policies.md,
 * "Containment".
 */
#ifndef ADASCALE_MONITOR_H
#define ADASCALE_MONITOR_H

#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "guard.h"

/* The policy call in progress. */
enum monitor_call {
	MONITOR_NONE,
	MONITOR_CREATE,
	MONITOR_DECIDE,
	MONITOR_OBSERVE,
	MONITOR_DESTROY
};

/* The guarded buffers, for naming the one a faulting access hit. */
enum monitor_buf_id {
	MONITOR_BUF_VARIANTS,
	MONITOR_BUF_HOST,
	MONITOR_BUF_VIEW,
	MONITOR_BUF_STATE,
	MONITOR_BUF_QUEUE,
	MONITOR_BUF_DECISION,
	MONITOR_BUF_OBSERVATION,
	MONITOR_BUF_CREATE_ERR,
	MONITOR_N_BUFS
};

/* "variant table", "decision", ... */
const char *monitor_buf_name(int id);

/* Where the monitor lives: shared between the watched process and its watcher. */
struct monitor {
	_Atomic uint64_t seq;     /* bumped when a policy call begins and when it ends */
	_Atomic int call;         /* enum monitor_call in progress, MONITOR_NONE between calls */
	_Atomic int64_t t_ns;     /* simulated time of the last call */
	_Atomic int64_t request;  /* sequence number of the request it was about (-1: none) */
	char policy[128];         /* the policy's name and source, once resolved */
	char source[1024];
	/* guarded buffers of the run, registered by run.c (read by the fault handler) */
	struct {
		uintptr_t lo, hi, guard_hi; /* data [lo, hi), guard page [hi, guard_hi) */
		int readonly;
	} bufs[MONITOR_N_BUFS];
	/* filled by the watched process's fault handler */
	volatile sig_atomic_t fault_sig;
	volatile sig_atomic_t fault_buf;     /* enum monitor_buf_id + 1; 0: none of them */
	volatile sig_atomic_t fault_guard;   /* 1: in the guard page (past the end) */
	volatile sig_atomic_t fault_write;   /* 1: a write, 0: a read, -1: unknown */
	uintptr_t fault_addr;
};

/* A zeroed monitor in shared anonymous memory, or NULL (errno set). */
struct monitor *monitor_create(void);
void monitor_destroy(struct monitor *m);

/*
 * run.c around every policy call: plain stores, the last a release store of the next
 * sequence number (the watched process is the only writer of seq, so no read-modify-write:
 * a locked increment took a tenth of a run of cheap decisions).
 */
static inline void monitor_enter(struct monitor *m, int call, int64_t t_ns, int64_t request)
{
	if (!m)
		return;
	atomic_store_explicit(&m->t_ns, t_ns, memory_order_relaxed);
	atomic_store_explicit(&m->request, request, memory_order_relaxed);
	atomic_store_explicit(&m->call, call, memory_order_relaxed);
	atomic_store_explicit(&m->seq, atomic_load_explicit(&m->seq, memory_order_relaxed) + 1,
			      memory_order_release);
}

static inline void monitor_leave(struct monitor *m)
{
	if (!m)
		return;
	atomic_store_explicit(&m->call, MONITOR_NONE, memory_order_relaxed);
	atomic_store_explicit(&m->seq, atomic_load_explicit(&m->seq, memory_order_relaxed) + 1,
			      memory_order_release);
}

/* Registers a guarded buffer with the monitor (m may be NULL: nothing to do). */
void monitor_register(struct monitor *m, int id, const struct guard_buf *b, int readonly);

/* In the watched process, before the run: the fault handler, on an alternate signal stack. */
void monitor_child_setup(struct monitor *m);

/* The watcher's watch over one process: a call that has not returned within limit_s. */
struct monitor_watch {
	uint64_t seq;
	double since;          /* when seq was last seen to change (monotonic seconds) */
};

void monitor_watch_start(struct monitor_watch *w, double now);
/* 1 when one policy call has been in progress for limit_s or longer (limit_s > 0). */
int monitor_watch_expired(const struct monitor *m, struct monitor_watch *w, double now,
			  double limit_s);

/*
 * Says what became of a process that failed, from its wait status and the monitor:
 * "killed by SIGSEGV (wrote past the decision) during decide at simulated t=1.234 s,
 * request 37", or with hung set "decide did not return within 10 s at simulated t=...".
 */
void monitor_explain(const struct monitor *m, int status, int hung, double limit_s, char *buf,
		     size_t len);

#endif

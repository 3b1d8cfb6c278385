/*
 * contain.h: keeping a misbehaving policy from taking the harness, or a results database,
 * with it. A run's simulation happens in a forked child that sends its struct run_output
 * back over a pipe (the record sweep_exec.c also uses); the parent stores only a result
 * that arrived whole. Three pieces make a failure precise:
 *
 *   - a monitor in shared memory (MAP_SHARED) that run.c updates around every policy call
 *     (which call, the simulated time, the head request) with plain stores, no system call,
 *     so the parent can say where the child died and notice a call that never returns;
 *   - guarded buffers: each buffer the host hands a policy (variant table, view, state,
 *     queue, decision, observation, host table, create's error buffer) ends at a page
 *     boundary followed by a PROT_NONE page, and the tables a policy only reads are mapped
 *     read-only, so an overrun or a write into them faults at once;
 *   - in the child, a SIGSEGV/SIGBUS handler (on its own stack) that records which guarded
 *     buffer the faulting address belongs to, then lets the signal kill the child.
 *
 * Not for running a sweep (sweep_exec.c) or for the simulation itself (run.c). What is and
 * is not caught: docs/policies.md, "Containment".
 */
#ifndef ADASCALE_CONTAIN_H
#define ADASCALE_CONTAIN_H

#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

struct run_config;
struct run_output;

/* The policy call in progress. */
enum contain_call {
	CONTAIN_NONE,
	CONTAIN_CREATE,
	CONTAIN_DECIDE,
	CONTAIN_OBSERVE,
	CONTAIN_DESTROY
};

/* The guarded buffers, for naming the one a faulting access hit. */
enum contain_buf_id {
	CONTAIN_BUF_VARIANTS,
	CONTAIN_BUF_HOST,
	CONTAIN_BUF_VIEW,
	CONTAIN_BUF_STATE,
	CONTAIN_BUF_QUEUE,
	CONTAIN_BUF_DECISION,
	CONTAIN_BUF_OBSERVATION,
	CONTAIN_BUF_CREATE_ERR,
	CONTAIN_N_BUFS
};

/* "variant table", "decision", ... */
const char *contain_buf_name(int id);

/* A buffer at the end of its own pages, followed by a PROT_NONE guard page. */
struct contain_buf {
	unsigned char *map;    /* the mapping: data pages, then the guard page */
	size_t map_len;
	void *p;               /* the buffer: its last byte is the last before the guard */
	size_t len;
};

/* Maps a zeroed guarded buffer of len bytes (len > 0); ERR_NOMEM when it cannot. */
int contain_buf_alloc(struct contain_buf *b, size_t len, struct errbuf *eb);
/* Makes the buffer's pages read-only (writes into it fault); 0 or ERR_NOMEM. */
int contain_buf_readonly(struct contain_buf *b, struct errbuf *eb);
/* Unmaps it; accepts a buffer never allocated (zeroed). */
void contain_buf_free(struct contain_buf *b);

/* Where the monitor lives: shared between the run's child and the parent. */
struct contain_monitor {
	_Atomic uint64_t seq;     /* bumped when a policy call begins and when it ends */
	_Atomic int call;         /* enum contain_call in progress, CONTAIN_NONE between calls */
	_Atomic int64_t t_ns;     /* simulated time of the last call */
	_Atomic int64_t request;  /* sequence number of the request it was about (-1: none) */
	char policy[128];         /* the policy's name and source, once resolved */
	char source[1024];
	/* guarded buffers of the run, registered by run.c (read by the fault handler) */
	struct {
		uintptr_t lo, hi, guard_hi; /* data [lo, hi), guard page [hi, guard_hi) */
		int readonly;
	} bufs[CONTAIN_N_BUFS];
	/* filled by the child's fault handler */
	volatile sig_atomic_t fault_sig;
	volatile sig_atomic_t fault_buf;     /* enum contain_buf_id + 1; 0: none of them */
	volatile sig_atomic_t fault_guard;   /* 1: in the guard page (past the end) */
	volatile sig_atomic_t fault_write;   /* 1: a write, 0: a read, -1: unknown */
	uintptr_t fault_addr;
};

/* A zeroed monitor in shared anonymous memory, or NULL (errno set). */
struct contain_monitor *contain_monitor_create(void);
void contain_monitor_destroy(struct contain_monitor *m);

/*
 * run.c around every policy call: plain stores, the last a release store of the next
 * sequence number (the child is the only writer of seq, so no read-modify-write: a locked
 * increment took a tenth of a run of cheap decisions).
 */
static inline void contain_enter(struct contain_monitor *m, int call, int64_t t_ns,
				 int64_t request)
{
	if (!m)
		return;
	atomic_store_explicit(&m->t_ns, t_ns, memory_order_relaxed);
	atomic_store_explicit(&m->request, request, memory_order_relaxed);
	atomic_store_explicit(&m->call, call, memory_order_relaxed);
	atomic_store_explicit(&m->seq, atomic_load_explicit(&m->seq, memory_order_relaxed) + 1,
			      memory_order_release);
}

static inline void contain_leave(struct contain_monitor *m)
{
	if (!m)
		return;
	atomic_store_explicit(&m->call, CONTAIN_NONE, memory_order_relaxed);
	atomic_store_explicit(&m->seq, atomic_load_explicit(&m->seq, memory_order_relaxed) + 1,
			      memory_order_release);
}

/* Registers a guarded buffer with the monitor (m may be NULL: nothing to do). */
void contain_register(struct contain_monitor *m, int id, const struct contain_buf *b,
		      int readonly);

/* In the child, before the run: the fault handler, on an alternate signal stack. */
void contain_child_setup(struct contain_monitor *m);
/*
 * The whole of a run's child after fork (parent: the forking process): dies with the
 * parent, sets up the fault handler, runs cfg with the monitor, sends the result down fd
 * and exits (0, 3 when the parent is already gone, 4 when the result could not be sent).
 */
void contain_child_run(const struct run_config *cfg, struct contain_monitor *m, int fd,
		       pid_t parent) __attribute__((noreturn));

/* The parent's watch over one child: a call that has not returned within limit_s. */
struct contain_watch {
	uint64_t seq;
	double since;          /* when seq was last seen to change (monotonic seconds) */
};

void contain_watch_start(struct contain_watch *w, double now);
/* 1 when one policy call has been in progress for limit_s or longer (limit_s > 0). */
int contain_watch_expired(const struct contain_monitor *m, struct contain_watch *w, double now,
			  double limit_s);

/*
 * Says what became of a child that failed, from its wait status and the monitor:
 * "killed by SIGSEGV (wrote past the decision) during decide at simulated t=1.234 s,
 * request 37", or with hung set "decide did not return within 10 s at simulated t=...".
 */
void contain_explain(const struct contain_monitor *m, int status, int hung, double limit_s,
		     char *buf, size_t len);

/* ---- the result record (both ends are the same binary: structs go as bytes) ---- */

/* Sends rc and the error message (rc < 0) or the whole output (rc == 0); 0 or -1. */
int contain_send(int fd, int rc, const char *msg, const struct run_output *o);

/*
 * Reads a record back: 1 with *o (rc 0) or *rc and msg (rc < 0) when the record is whole,
 * 0 when it is not (truncated, wrong magic or sizes), ERR_NOMEM.
 */
int contain_decode(const unsigned char *b, size_t n, int *rc, char *msg, size_t msg_len,
		   struct run_output **o);

/* The default limit on one policy call, in seconds of wall time (--decide-timeout-s). */
#define CONTAIN_DECIDE_TIMEOUT_S 10.0

/*
 * Runs cfg in a forked child under the watch (decide_timeout_s: the limit on one policy
 * call, 0 for none). Returns 0 with *out, the run's own error code and message when
 * run_execute failed, or ERR_CHILD with "policy 'NAME' (PATH): killed by SIGSEGV ..." when
 * the child crashed, hung in a policy call or sent no whole result.
 */
int contain_run(const struct run_config *cfg, double decide_timeout_s, struct run_output **out,
		struct errbuf *eb);

#endif

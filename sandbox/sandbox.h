/*
 * sandbox.h: running a piece of work in a forked child under watch, so that a misbehaving
 * policy cannot take the harness, or a results database, with it. The child sends its
 * result down a pipe; the parent collects the bytes, watches the shared monitor (monitor.h)
 * for a policy call that outlasts its limit, and says what became of a child that crashed,
 * hung or exited. It knows nothing of what the work is or of the bytes it sends: the caller
 * decides whether they are whole (sim/contain.c, for a run).
 *
 * Not for many children at once (sweep/sweep_exec.c watches its own, with the same monitor
 * and child set-up) or for the record a run sends (sim/contain.h).
 */
#ifndef ADASCALE_SANDBOX_H
#define ADASCALE_SANDBOX_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"
#include "monitor.h"

/*
 * The work, in the child: writes its result to fd; returns the child's exit status (0 when
 * the result was sent). m is the monitor to report policy calls to.
 */
typedef int (*sandbox_fn)(void *ctx, struct monitor *m, int fd);

/* How a child ended. */
struct sandbox_end {
	unsigned char *bytes;  /* what it sent (owned: the caller frees it; NULL when nothing) */
	size_t len;
	int status;            /* its wait status */
	int hung;              /* 1: killed, one policy call outlived the limit */
	/*
	 * Should its result not be whole, what became of it: "policy 'NAME' (PATH): killed by
	 * SIGSEGV ..." once the policy is known, "the run's process exited ..." before (whole:
	 * longer than an error buffer, which cuts it where it cut it before)
	 */
	char why[2048];
};

/* 1 when the child exited with status 0 and was not killed: its bytes are worth reading. */
int sandbox_exited_ok(const struct sandbox_end *e);

/*
 * In a child just forked from parent: dies with the parent (exits 3 when the parent is
 * already gone), takes SIGPIPE's default action, and records faults into m (monitor.h).
 */
void sandbox_child_begin(struct monitor *m, pid_t parent);

/*
 * Runs fn(ctx, monitor, fd) in a forked child and collects what it sends until it closes
 * the pipe, with decide_timeout_s the limit on one policy call (0: none) and stop a flag
 * (NULL, or set by a signal handler) that, once non-zero, kills the child and fails with
 * ERR_INTERRUPTED. Returns 0 with *end filled (however the child ended), or a negative code
 * when the child could not be started or watched (nothing to free then).
 */
int sandbox_run(sandbox_fn fn, void *ctx, double decide_timeout_s,
		const volatile sig_atomic_t *stop, struct sandbox_end *end, struct errbuf *eb);

#endif

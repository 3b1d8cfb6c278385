/*
 * contain.h: a run contained in a child process, so that a misbehaving policy cannot take
 * the harness, or a results database, with it. The child runs run_execute under the
 * sandbox's watch (sandbox/sandbox.h, sandbox/monitor.h: a crash, or a policy call that
 * never returns, is described precisely) and sends its struct run_output back over a pipe
 * as a record that sweep_exec.c also reads; the parent keeps only a result that arrived
 * whole.
 *
 * Not for running a sweep (sweep_exec.c), for the simulation itself (run.c) or for the
 * watching (sandbox/). What is and is not caught: docs/policies.md, "Containment".
 */
#ifndef ADASCALE_CONTAIN_H
#define ADASCALE_CONTAIN_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"

struct monitor;
struct run_config;
struct run_output;

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

/*
 * The whole of a run's child after fork (parent: the forking process): dies with the
 * parent, sets up the fault handler, runs cfg with the monitor, sends the result down fd
 * and exits (0, 3 when the parent is already gone, 4 when the result could not be sent).
 */
void contain_child_run(const struct run_config *cfg, struct monitor *m, int fd, pid_t parent)
	__attribute__((noreturn));

/* ---- the result record (both ends are the same binary: structs go as bytes) ---- */

/* Sends rc and the error message (rc < 0) or the whole output (rc == 0); 0 or -1. */
int contain_send(int fd, int rc, const char *msg, const struct run_output *o);

/*
 * Reads a record back: 1 with *o (rc 0) or *rc and msg (rc < 0) when the record is whole,
 * 0 when it is not (truncated, wrong magic or sizes), ERR_NOMEM.
 */
int contain_decode(const unsigned char *b, size_t n, int *rc, char *msg, size_t msg_len,
		   struct run_output **o);

#endif

/*
 * sandbox.c: one child under watch (see sandbox.h). The parent polls the child's pipe at a
 * tick short enough for the decide limit, reads whatever arrives, checks the monitor's watch
 * and the stop flag between reads, and reaps the child once the pipe closes. Not for
 * judging what the child sent (the caller) or for many children (sweep/sweep_exec.c).
 */
#include "sandbox.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int sandbox_exited_ok(const struct sandbox_end *e)
{
	return !e->hung && WIFEXITED(e->status) && WEXITSTATUS(e->status) == 0;
}

void sandbox_child_begin(struct monitor *m, pid_t parent)
{
	signal(SIGPIPE, SIG_DFL);
#ifdef __linux__
	prctl(PR_SET_PDEATHSIG, SIGKILL); /* if the parent dies, so does the child */
#endif
	if (getppid() != parent)
		_exit(3);
	monitor_child_setup(m);
}

int sandbox_run(sandbox_fn fn, void *ctx, double decide_timeout_s,
		const volatile sig_atomic_t *stop, struct sandbox_end *end, struct errbuf *eb)
{
	memset(end, 0, sizeof *end);
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0;
	int fds[2] = {-1, -1}, rc = 0, status = 0, hung = 0;
	struct monitor *m = monitor_create();
	if (!m)
		return err_set(eb, ERR_NOMEM, "shared memory for the run's monitor: %s",
			       strerror(errno));
	if (pipe(fds) < 0) {
		rc = err_set(eb, ERR_IO, "pipe: %s", strerror(errno));
		goto fail;
	}
	fflush(NULL);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		rc = err_set(eb, ERR_CHILD, "fork: %s", strerror(errno));
		goto fail;
	}
	if (pid == 0) {
		close(fds[0]);
		sandbox_child_begin(m, parent);
		_exit(fn(ctx, m, fds[1]));
	}
	close(fds[1]);
	fds[1] = -1;
	struct monitor_watch w;
	monitor_watch_start(&w, now_s());
	int tick_ms = 100;
	if (decide_timeout_s > 0 && decide_timeout_s < 0.4)
		tick_ms = (int)ceil(decide_timeout_s * 250);
	for (;;) {
		struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
		int n = poll(&pfd, 1, tick_ms);
		if (n < 0 && errno != EINTR) {
			rc = err_set(eb, ERR_IO, "poll: %s", strerror(errno));
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			goto fail;
		}
		if (n > 0) {
			if (cap - len < 65536) {
				size_t c2 = cap ? 2 * cap : 131072;
				unsigned char *b = realloc(buf, c2);
				if (!b) {
					rc = err_set(eb, ERR_NOMEM, "out of memory");
					kill(pid, SIGKILL);
					waitpid(pid, NULL, 0);
					goto fail;
				}
				buf = b;
				cap = c2;
			}
			ssize_t k = read(fds[0], buf + len, cap - len);
			if (k > 0)
				len += (size_t)k;
			else if (k == 0)
				break;
			else if (errno != EINTR && errno != EAGAIN) {
				rc = err_set(eb, ERR_IO, "reading the run's result: %s",
					     strerror(errno));
				kill(pid, SIGKILL);
				waitpid(pid, NULL, 0);
				goto fail;
			}
		}
		if (!hung && monitor_watch_expired(m, &w, now_s(), decide_timeout_s)) {
			hung = 1;
			kill(pid, SIGKILL);
		}
		/* a child stuck in a policy call does not see the stop flag: do not wait for it */
		if (stop && *stop) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			rc = err_set(eb, ERR_INTERRUPTED, "interrupted by signal %d (%s)",
				     (int)*stop, strsignal((int)*stop));
			goto fail;
		}
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	char why[512];
	monitor_explain(m, status, hung, decide_timeout_s, why, sizeof why);
	if (m->policy[0])
		snprintf(end->why, sizeof end->why, "policy '%s' (%s): %s", m->policy, m->source,
			 why);
	else
		snprintf(end->why, sizeof end->why, "the run's process %s", why);
	end->bytes = buf;
	end->len = len;
	end->status = status;
	end->hung = hung;
	buf = NULL;
fail:
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	free(buf);
	monitor_destroy(m);
	return rc;
}

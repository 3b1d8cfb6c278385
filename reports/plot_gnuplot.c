/*
 * plot_gnuplot.c: the plot sink that drives a real gnuplot through a pipe (see plot.h).
 *
 * gnuplot runs as a child process: its standard input is our pipe, its working directory
 * is the report folder (so output file names in commands are fixed, short and ours), and
 * its standard output and error go to an anonymous temporary file that is read back only
 * to explain a failure. Starting is checked through a close-on-exec pipe, so a missing
 * program is reported as such rather than as a mysterious exit status. Not for composing
 * commands (plot.c, charts.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "plot.h"
#include "plotint.h"

struct gnuplot {
	struct plot_sink base; /* first: a struct gnuplot is a struct plot_sink */
	char *program;
	pid_t pid;             /* 0 once waited for */
	FILE *in;              /* gnuplot's standard input */
	FILE *log;             /* its standard output and error (unlinked file) */
	struct sigaction old_pipe;
	int pipe_saved;
};

static int gp_write(struct plot_sink *s, const char *buf, size_t len, struct errbuf *eb)
{
	struct gnuplot *g = (struct gnuplot *)s;
	if (fwrite(buf, 1, len, g->in) != len)
		return err_set(eb, ERR_CHILD, "gnuplot: writing commands: %s", strerror(errno));
	return 0;
}

/* The last few lines gnuplot printed, on one line, into msg. */
static void log_tail(struct gnuplot *g, char *msg, size_t len)
{
	msg[0] = '\0';
	if (!g->log || fflush(g->log) != 0)
		return;
	char buf[2048];
	long size;
	if (fseek(g->log, 0, SEEK_END) != 0 || (size = ftell(g->log)) < 0)
		return;
	long from = size > (long)sizeof buf - 1 ? size - ((long)sizeof buf - 1) : 0;
	if (fseek(g->log, from, SEEK_SET) != 0)
		return;
	size_t n = fread(buf, 1, sizeof buf - 1, g->log);
	buf[n] = '\0';
	/* Collapse white space (gnuplot points at errors with a caret on its own line). */
	size_t o = 0;
	int space = 1;
	for (size_t i = 0; i < n && o + 1 < len; i++) {
		unsigned char c = (unsigned char)buf[i];
		if (c <= ' ' || c == 0x7F) {
			if (!space)
				msg[o++] = ' ';
			space = 1;
		} else if (c == '^' && space) {
			continue;
		} else {
			msg[o++] = (char)c;
			space = 0;
		}
	}
	while (o > 0 && msg[o - 1] == ' ')
		o--;
	msg[o] = '\0';
}

static int wait_child(struct gnuplot *g, int *status)
{
	while (waitpid(g->pid, status, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	g->pid = 0;
	return 0;
}

static int gp_finish(struct plot_sink *s, struct errbuf *eb)
{
	struct gnuplot *g = (struct gnuplot *)s;
	int rc = 0;
	if (g->in) {
		/* An error here (EPIPE) is explained by the exit status below. */
		if (fputs("exit\n", g->in) < 0)
			rc = err_set(eb, ERR_CHILD, "gnuplot: writing commands: %s",
				     strerror(errno));
		if (fclose(g->in) != 0 && rc == 0)
			rc = err_set(eb, ERR_CHILD, "gnuplot: writing commands: %s",
				     strerror(errno));
		g->in = NULL;
	}
	if (!g->pid)
		return rc;
	int status;
	if (wait_child(g, &status) < 0)
		return err_set(eb, ERR_CHILD, "gnuplot: waiting for it: %s", strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return rc;
	char tail[600];
	log_tail(g, tail, sizeof tail);
	if (WIFEXITED(status))
		return err_set(eb, ERR_CHILD, "%s exited with status %d%s%s", g->program,
			       WEXITSTATUS(status), tail[0] ? ": " : "", tail);
	return err_set(eb, ERR_CHILD, "%s was killed by signal %d%s%s", g->program,
		       WIFSIGNALED(status) ? WTERMSIG(status) : 0, tail[0] ? ": " : "", tail);
}

static void gp_destroy(struct plot_sink *s)
{
	struct gnuplot *g = (struct gnuplot *)s;
	if (g->in)
		fclose(g->in); /* gnuplot reads end of input and exits */
	if (g->pid) {
		int status;
		wait_child(g, &status);
	}
	if (g->log)
		fclose(g->log);
	if (g->pipe_saved)
		sigaction(SIGPIPE, &g->old_pipe, NULL);
	free(g->program);
	free(g);
}

static int cloexec_pipe(int fd[2])
{
	if (pipe(fd) < 0)
		return -1;
	if (fcntl(fd[0], F_SETFD, FD_CLOEXEC) < 0 || fcntl(fd[1], F_SETFD, FD_CLOEXEC) < 0) {
		close(fd[0]);
		close(fd[1]);
		return -1;
	}
	return 0;
}

/* What the child was doing when it failed, sent with errno through the status pipe. */
enum { STAGE_REDIRECT, STAGE_CHDIR, STAGE_EXEC };

/* In the child: report the stage and errno through the status pipe and leave. */
static void child_fail(int fd, int stage, int err)
{
	int msg[2] = {stage, err};
	ssize_t w = write(fd, msg, sizeof msg);
	(void)w;
	_exit(127);
}

struct plot_sink *plot_gnuplot_create(const char *program, const char *dir, struct errbuf *eb)
{
	int in[2] = {-1, -1}, st[2] = {-1, -1};
	struct gnuplot *g = calloc(1, sizeof *g);
	if (!g) {
		err_set(eb, ERR_NOMEM, "plot: out of memory");
		return NULL;
	}
	g->base.write = gp_write;
	g->base.finish = gp_finish;
	g->base.destroy = gp_destroy;
	g->program = strdup(program && *program ? program : "gnuplot");
	if (!g->program) {
		err_set(eb, ERR_NOMEM, "plot: out of memory");
		goto fail;
	}
	g->log = tmpfile();
	if (!g->log) {
		err_set(eb, ERR_IO, "plot: cannot create a temporary file: %s", strerror(errno));
		goto fail;
	}
	if (cloexec_pipe(in) < 0 || cloexec_pipe(st) < 0) {
		err_set(eb, ERR_IO, "plot: pipe: %s", strerror(errno));
		goto fail;
	}
	struct sigaction ign;
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	if (sigaction(SIGPIPE, &ign, &g->old_pipe) == 0)
		g->pipe_saved = 1;
	fflush(NULL); /* nothing buffered is written twice by the child */

	pid_t pid = fork();
	if (pid < 0) {
		err_set(eb, ERR_CHILD, "plot: fork: %s", strerror(errno));
		goto fail;
	}
	if (pid == 0) {
		int logfd = fileno(g->log);
		if (dup2(in[0], 0) < 0 || dup2(logfd, 1) < 0 || dup2(logfd, 2) < 0)
			child_fail(st[1], STAGE_REDIRECT, errno);
		if (dir && chdir(dir) < 0)
			child_fail(st[1], STAGE_CHDIR, errno);
		signal(SIGPIPE, SIG_DFL);
		static char opt_default[] = "-d"; /* no ~/.gnuplot: the same plots for everyone */
		char *const argv[] = {g->program, opt_default, NULL};
		execvp(g->program, argv);
		child_fail(st[1], STAGE_EXEC, errno);
	}
	g->pid = pid;
	close(in[0]);
	in[0] = -1;
	close(st[1]);
	st[1] = -1;

	int msg[2] = {0, 0};
	ssize_t r;
	do
		r = read(st[0], msg, sizeof msg);
	while (r < 0 && errno == EINTR);
	close(st[0]);
	st[0] = -1;
	if (r == (ssize_t)sizeof msg) {
		int status;
		wait_child(g, &status);
		if (msg[0] == STAGE_CHDIR)
			err_set(eb, ERR_IO, "%s: cannot enter folder: %s", dir, strerror(msg[1]));
		else if (msg[0] == STAGE_EXEC)
			err_set(eb, ERR_CHILD, "cannot run gnuplot (%s): %s%s", g->program,
				strerror(msg[1]),
				msg[1] == ENOENT ? "; install gnuplot (Debian: gnuplot-nox)" : "");
		else
			err_set(eb, ERR_CHILD, "cannot start gnuplot: %s", strerror(msg[1]));
		goto fail;
	}
	g->in = fdopen(in[1], "w");
	if (!g->in) {
		err_set(eb, ERR_NOMEM, "plot: fdopen: %s", strerror(errno));
		goto fail;
	}
	in[1] = -1;
	return &g->base;
fail:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (st[i] >= 0)
			close(st[i]);
	}
	gp_destroy(&g->base);
	return NULL;
}

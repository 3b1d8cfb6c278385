/*
 * sweep_exec.c: running a plan (see sweep.h). Each run is a forked child process that calls
 * run_execute and sends its struct run_output back over a pipe (the record of contain.h);
 * the parent is the only writer of the database and stores each result in its own
 * transaction as it arrives. A child that crashes, exits without a result, outlives the
 * per-run timeout or stays in one policy call longer than the decide timeout (the shared
 * monitor of sandbox/monitor.h) becomes a failed run with the reason; a run_execute error
 * becomes a failed run with its message.
 *
 * Not for planning (sweep_plan.c), option parsing (sweep_cli.c) or the schema (store.c).
 */
#include "sweep.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "contain.h"
#include "monitor.h"
#include "run.h"
#include "store.h"

struct child {
	pid_t pid;
	int fd;                /* read end of its pipe; -1 once at EOF */
	int run;               /* index into plan->runs */
	double t_start;
	int timed_out;
	int hung;              /* killed: one policy call outlived opts->decide_timeout_s */
	struct monitor *mon; /* shared with the child */
	struct monitor_watch watch;
	unsigned char *buf;
	size_t len, cap;
};

struct exec {
	struct sweep_plan *p;
	struct store *s;
	const struct sweep_opts *o;
	struct sweep_stats *st;
	struct errbuf *eb;
	struct child *kids;
	int n_kids;
	double t0, last_draw;
	int bar;               /* 1: a progress bar on a terminal */
	int bar_shown;
	int n_left;
};

static volatile sig_atomic_t n_signals;

static void on_signal(int sig)
{
	(void)sig;
	n_signals++;
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* ---- the child ---- */

static void child_main(const struct sweep_plan *p, const struct sweep_run *r, int fd,
		       pid_t parent, struct monitor *mon)
{
	/* Ctrl-C reaches the whole process group: the parent decides; a run in flight
	 * finishes */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	struct run_config c;
	sweep_plan_config(p, r, &c);
	contain_child_run(&c, mon, fd, parent);
}

/* ---- the parent ---- */

static void describe_run(const struct exec *x, const struct sweep_run *r, char *buf,
			 size_t len)
{
	const struct sweep_spec *s = x->p->spec;
	size_t k = (size_t)snprintf(buf, len, "run %d (", r->index + 1);
	for (int d = 0; d < SWEEP_N_DIMS && k < len; d++)
		k += (size_t)snprintf(buf + k, len - k, "%s%s=%s", d ? " " : "", sweep_dim_name(d),
				      s->dim[d].v[r->at[d]]);
	if (k < len)
		snprintf(buf + k, len - k, ")");
}

static void fmt_duration(double s, char *buf, size_t len)
{
	if (!isfinite(s) || s < 0)
		snprintf(buf, len, "?");
	else if (s < 60)
		snprintf(buf, len, "%.0f s", s);
	else if (s < 3600)
		snprintf(buf, len, "%d min %02d s", (int)(s / 60), (int)fmod(s, 60));
	else
		snprintf(buf, len, "%d h %02d min", (int)(s / 3600), (int)fmod(s / 60, 60));
}

static void clear_bar(struct exec *x)
{
	if (x->bar && x->bar_shown) {
		fputs("\r\033[K", x->o->log);
		x->bar_shown = 0;
	}
}

/* The progress bar (terminal) or a plain line; force: draw now whatever the interval. */
static void progress(struct exec *x, int force)
{
	const struct sweep_opts *o = x->o;
	if (o->progress == SWEEP_PROGRESS_NONE || !o->log)
		return;
	double t = now_s();
	double every = x->bar ? 0.2 : o->progress_s;
	if (!force && t - x->last_draw < every)
		return;
	x->last_draw = t;
	const struct sweep_stats *st = x->st;
	int done = st->n_ok + st->n_failed;
	double el = t - x->t0;
	double rate = el > 0 ? done / el : 0;
	char left[32];
	fmt_duration(rate > 0 ? (st->n_todo - done) / rate : NAN, left, sizeof left);
	if (x->bar) {
		char bar[31];
		int fill = st->n_todo ? (int)(30.0 * done / st->n_todo) : 30;
		for (int i = 0; i < 30; i++)
			bar[i] = i < fill ? '#' : '.';
		bar[30] = '\0';
		fprintf(o->log, "\r\033[K[%s] %d/%d runs, %d failed, %.2f runs/s, %s left", bar,
			done, st->n_todo, st->n_failed, rate, left);
		x->bar_shown = 1;
	} else {
		fprintf(o->log, "sweep %s: %d/%d runs, %d failed, %.2f runs/s, %s left\n",
			x->p->spec->name, done, st->n_todo, st->n_failed, rate, left);
	}
	fflush(o->log);
}

static void kill_all(struct exec *x)
{
	for (int i = 0; i < x->n_kids; i++) {
		kill(x->kids[i].pid, SIGKILL);
		waitpid(x->kids[i].pid, NULL, 0);
		if (x->kids[i].fd >= 0)
			close(x->kids[i].fd);
		free(x->kids[i].buf);
		monitor_destroy(x->kids[i].mon);
	}
	x->n_kids = 0;
}

static int launch(struct exec *x, int run)
{
	int fds[2];
	struct monitor *mon = monitor_create();
	if (!mon)
		return err_set(x->eb, ERR_NOMEM, "shared memory for a run's monitor: %s",
			       strerror(errno));
	if (pipe(fds) < 0) {
		monitor_destroy(mon);
		return err_set(x->eb, ERR_IO, "pipe: %s", strerror(errno));
	}
	fflush(NULL);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		monitor_destroy(mon);
		return err_set(x->eb, ERR_CHILD, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		close(fds[0]);
		for (int i = 0; i < x->n_kids; i++)
			close(x->kids[i].fd);
		child_main(x->p, &x->p->runs[run], fds[1], parent, mon);
	}
	close(fds[1]);
	fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
	x->kids[x->n_kids] = (struct child){
		.pid = pid, .fd = fds[0], .run = run, .t_start = now_s(), .mon = mon,
	};
	monitor_watch_start(&x->kids[x->n_kids].watch, x->kids[x->n_kids].t_start);
	x->n_kids++;
	return 0;
}

/* Reads what the child sent; 1 at end of file, 0 when more may come, < 0 on error. */
static int drain(struct exec *x, struct child *c)
{
	for (;;) {
		if (c->cap - c->len < 65536) {
			size_t cap = c->cap ? 2 * c->cap : 131072;
			unsigned char *b = realloc(c->buf, cap);
			if (!b)
				return err_set(x->eb, ERR_NOMEM, "out of memory");
			c->buf = b;
			c->cap = cap;
		}
		ssize_t k = read(c->fd, c->buf + c->len, c->cap - c->len);
		if (k > 0) {
			c->len += (size_t)k;
			continue;
		}
		if (k == 0)
			return 1;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		return err_set(x->eb, ERR_IO, "reading a run's result: %s", strerror(errno));
	}
}

/*
 * A run came back under another identity than planned: an input file changed while the
 * sweep ran (its hash differs), or the plan's key text is out of step with run.c's. The
 * run is not stored under either key, and the sweep stops.
 */
static int key_mismatch(struct exec *x, const struct sweep_run *r, const struct run_config *c,
			const struct run_output *o)
{
	struct run_output *plan = calloc(1, sizeof *plan);
	if (!plan)
		return err_set(x->eb, ERR_NOMEM, "out of memory");
	sweep_plan_describe(x->p, r, plan);
	const char *changed = strcmp(plan->trace_sha256, o->trace_sha256)       ? c->trace
			      : strcmp(plan->device_sha256, o->device_sha256)   ? c->device
			      : strcmp(plan->timings_sha256, o->timings_sha256) ? o->timings_path
			      : strcmp(plan->model_sha256, o->model_sha256)     ? c->model
										: NULL;
	int rc;
	if (changed)
		rc = err_set(x->eb, ERR_CHILD,
			     "run %d: %s changed while the sweep ran (its SHA-256 is not the one "
			     "planned); the runs stored so far stay; run the sweep again",
			     r->index + 1, changed);
	else
		rc = err_set(x->eb, ERR_CHILD,
			     "run %d: the run's config_key %.12s... differs from the sweep's "
			     "%.12s...: sweep/sweep_plan.c computes it differently from sim/run.c",
			     r->index + 1, o->config_key, r->config_key);
	free(plan);
	return rc;
}

/* Stores the outcome of a child that has closed its pipe; removes it from the table. */
static int finish(struct exec *x, int k)
{
	struct child c = x->kids[k];
	x->kids[k] = x->kids[--x->n_kids];
	close(c.fd);
	int status = 0;
	while (waitpid(c.pid, &status, 0) < 0 && errno == EINTR)
		;
	double wall = now_s() - c.t_start;
	struct sweep_run *r = &x->p->runs[c.run];
	struct run_config cfg;
	sweep_plan_config(x->p, r, &cfg);
	struct run_output *o = NULL;
	char reason[ERRBUF_LEN + 64] = "", why[512] = "", msg[ERRBUF_LEN] = "";
	int rc = 0, prc = 0, whole = 0;
	if (!c.timed_out && !c.hung && WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
	    (whole = contain_decode(c.buf, c.len, &prc, msg, sizeof msg, &o)) < 0) {
		rc = err_set(x->eb, whole, "out of memory");
		goto done;
	}
	if (!whole && !c.timed_out)
		monitor_explain(c.mon, status, c.hung, x->o->decide_timeout_s, why, sizeof why);
	if (c.timed_out) {
		snprintf(reason, sizeof reason, "timed out after %g s (--timeout-s)",
			 x->o->timeout_s);
	} else if (c.hung) {
		snprintf(reason, sizeof reason, "%s (--decide-timeout-s)", why);
	} else if (WIFSIGNALED(status)) {
		/* why: "killed by SIGSEGV (...) during decide at simulated t=..., request N" */
		const char *detail = strncmp(why, "killed by ", 10) == 0 ? strchr(why + 10, ' ')
								      : NULL;
		snprintf(reason, sizeof reason, "crashed: killed by signal %d (%s)%s",
			 WTERMSIG(status), strsignal(WTERMSIG(status)), detail ? detail : "");
	} else if (!whole) {
		snprintf(reason, sizeof reason, "the run's process %s", why);
	} else if (prc < 0) {
		snprintf(reason, sizeof reason, "%s: %s", err_name(prc), msg);
	} else if (strcmp(o->config_key, r->config_key) != 0) {
		rc = key_mismatch(x, r, &cfg, o);
		goto done;
	}
	free(c.buf);
	c.buf = NULL;
	if (reason[0]) {
		run_output_destroy(o);
		if (!(o = calloc(1, sizeof *o))) {
			rc = err_set(x->eb, ERR_NOMEM, "out of memory");
			goto done;
		}
		sweep_plan_describe(x->p, r, o);
		o->wall_s = wall;
	} else {
		cfg.deadline_ms = o->deadline_ms; /* auto:F resolved; the config keeps the rule */
	}
	if ((rc = store_put_run(x->s, &cfg, o, reason[0] ? reason : NULL, NULL, x->eb)) < 0) {
		err_wrap(x->eb, "storing run %d of the sweep (the runs stored so far stay; the same "
				"command resumes)",
			 r->index + 1);
		goto done;
	}
	if (reason[0]) {
		x->st->n_failed++;
		if (x->o->log) {
			char what[4096];
			describe_run(x, r, what, sizeof what);
			clear_bar(x);
			fprintf(x->o->log, "adascale: %s failed: %s\n", what, reason);
		}
	} else {
		x->st->n_ok++;
	}
	r->status = reason[0] ? SWEEP_FAILED : SWEEP_DONE;
done:
	free(c.buf);
	monitor_destroy(c.mon);
	run_output_destroy(o);
	return rc;
}

int sweep_execute(struct sweep_plan *p, struct store *s, const struct sweep_opts *opts,
		  struct sweep_stats *stats, struct errbuf *eb)
{
	struct exec x = {.p = p, .s = s, .o = opts, .st = stats, .eb = eb};
	memset(stats, 0, sizeof *stats);
	int *todo = malloc(((size_t)p->n + 1) * sizeof *todo);
	int jobs = opts->jobs > 0 ? opts->jobs : 1;
	x.kids = calloc((size_t)jobs, sizeof *x.kids);
	struct pollfd *pfd = calloc((size_t)jobs, sizeof *pfd);
	if (!todo || !x.kids || !pfd) {
		free(todo);
		free(x.kids);
		free(pfd);
		return err_set(eb, ERR_NOMEM, "out of memory");
	}
	for (int i = 0; i < p->n; i++) {
		if (p->runs[i].status == SWEEP_DONE)
			stats->n_done_before++;
		else if (p->runs[i].status == SWEEP_FAILED && opts->skip_failed)
			stats->n_failed_before++;
		else
			todo[stats->n_todo++] = i;
	}
	x.bar = opts->log && (opts->progress == SWEEP_PROGRESS_BAR ||
			      (opts->progress == SWEEP_PROGRESS_AUTO && isatty(fileno(opts->log))));

	struct sigaction sa, old_int, old_term;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART; /* poll() returns EINTR all the same (signal(7)) */
	sigemptyset(&sa.sa_mask);
	n_signals = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);

	x.t0 = x.last_draw = now_s();
	int rc = 0, next = 0, stopping = 0;
	for (;;) {
		if (n_signals >= 1 && !stopping) {
			stopping = 1;
			stats->interrupted = 1;
			if (opts->log) {
				clear_bar(&x);
				fprintf(opts->log, "adascale: interrupted: finishing the %d run%s in "
						   "flight (again to stop at once)\n",
					x.n_kids, x.n_kids == 1 ? "" : "s");
			}
		}
		if (n_signals >= 2) {
			kill_all(&x);
			break;
		}
		while (!stopping && x.n_kids < jobs && next < stats->n_todo)
			if ((rc = launch(&x, todo[next++])) < 0)
				goto fail;
		if (x.n_kids == 0)
			break;
		double t = now_s(), wait = 0.25;
		if (opts->decide_timeout_s > 0 && opts->decide_timeout_s < 1)
			wait = opts->decide_timeout_s / 4;
		for (int i = 0; i < x.n_kids; i++) {
			pfd[i] = (struct pollfd){.fd = x.kids[i].fd, .events = POLLIN};
			if (opts->timeout_s > 0 && !x.kids[i].timed_out) {
				double left = x.kids[i].t_start + opts->timeout_s - t;
				if (left < wait)
					wait = left > 0 ? left : 0;
			}
		}
		unsigned n_fds = (unsigned)x.n_kids;
		if (n_fds > (unsigned)jobs)
			n_fds = (unsigned)jobs;
		int n = poll(pfd, n_fds, (int)ceil(wait * 1000));
		if (n < 0 && errno != EINTR) {
			rc = err_set(eb, ERR_IO, "poll: %s", strerror(errno));
			goto fail;
		}
		/* from the end, so that finish() moving the last child into a hole is safe */
		int n_polled = x.n_kids;
		for (int i = n_polled - 1; i >= 0; i--) {
			if (n <= 0 || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			int eof = drain(&x, &x.kids[i]);
			if ((rc = eof) < 0 || (eof && (rc = finish(&x, i)) < 0))
				goto fail;
		}
		t = now_s();
		for (int i = 0; i < x.n_kids; i++) {
			struct child *k = &x.kids[i];
			if (k->timed_out || k->hung)
				continue;
			if (opts->timeout_s > 0 && t - k->t_start >= opts->timeout_s) {
				kill(k->pid, SIGKILL);
				k->timed_out = 1;
			} else if (monitor_watch_expired(k->mon, &k->watch, t,
							 opts->decide_timeout_s)) {
				kill(k->pid, SIGKILL);
				k->hung = 1;
			}
		}
		progress(&x, 0);
	}
	stats->elapsed_s = now_s() - x.t0;
	if (stats->n_todo)
		progress(&x, 1);
	if (x.bar && x.bar_shown)
		fputc('\n', opts->log);
	goto out;
fail:
	kill_all(&x);
	clear_bar(&x);
	stats->elapsed_s = now_s() - x.t0;
out:
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	free(todo);
	free(x.kids);
	free(pfd);
	return rc;
}

/*
 * aapply.c: the applier (see aapply.h). The agent's side sends one command at a time over a
 * socket pair and waits for the child's answer; the child's side holds the busy threads
 * (aload.c), the memory (anonymous mappings, touched page by page, mlocked where permitted)
 * and the governors it changed, and puts the governors back when it ends.
 */
#include "aapply.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aload.h"
#include "asys.h"

#define NOTE_LEN 1024
#define MB (1024.0 * 1024.0)
/* Memory is taken in pieces of at most this much, MemAvailable read again after each. */
#define CHUNK_MB 256.0
/* A memory call gives up when MemAvailable crosses its target this often (other processes
 * moving it) or after this many pieces. */
#define MAX_FLIPS 4
#define MAX_ROUNDS 4096
/* nor does a memory call go on longer than this (MemAvailable climbing as fast as memory is
 * taken, other processes freeing theirs) */
#define MEM_CALL_MAX_NS 20000000000LL
/* While holding memory the child looks at MemAvailable this often (the margin). */
#define WATCH_MS 200
/* How long the agent waits for an answer, and for the child to end on stop. */
#define ANSWER_TIMEOUT_S 120
#define STOP_TIMEOUT_MS 5000

enum { OP_UTIL = 1, OP_MEM, OP_FREQ };

struct cmd {
	int op;
	int cluster;
	double value;
};

struct answer {
	int rc;
	int mem_short;   /* a memory call: everything released and MemAvailable still below */
	double held_mb;
	double cpu_s;    /* a memory call: the CPU time the child spent on it */
	char msg[NOTE_LEN];
};

struct agent_apply {
	int running;
	pid_t pid;     /* 0 once reaped */
	int sock;      /* -1 once closed */
	double held_mb;
	double mem_cpu_s; /* the child's CPU time in memory calls, summed */
	int mem_short;    /* the last memory call could not add memory */
	char note[NOTE_LEN];
	pthread_mutex_t mu; /* one command and its answer at a time, whichever thread asks */
};

static struct agent_apply the_applier = {.sock = -1, .mu = PTHREAD_MUTEX_INITIALIZER};

/* ---- the child ---- */

struct chunk {
	char *p;
	size_t len;
	int locked;
};

struct child {
	int sock, sigfd;
	int n_cpus;
	int *cpu;
	char cpus[256];           /* the CPU list, for messages */
	double period_ms, margin_mb;
	enum agent_load_shape shape;
	double util;              /* the duty the threads run at now */
	struct agent_load ld;
	struct agent_sys *sys;
	struct chunk *chunk;
	int n_chunks, cap_chunks;
	size_t held, page;
	int lock_errno;           /* why the last mlock failed; 0 if none did */
	double given_back_mb;     /* released to keep the margin since the last memory call */
	char saved_gov[AGENT_MAX_CLUSTERS][64]; /* the governor it replaced, "" none */
};

static int answer_err(struct answer *k, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int answer_err(struct answer *k, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(k->msg, sizeof k->msg, fmt, ap);
	va_end(ap);
	k->rc = rc;
	return rc;
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t n = strlen(s);
	ssize_t w = write(fd, s, n);
	int e = errno;
	close(fd);
	if (w != (ssize_t)n) {
		errno = w < 0 ? e : EIO;
		return -1;
	}
	return 0;
}

static void restore_governors(struct child *c)
{
	for (int cl = 0; cl < c->sys->n_clusters && cl < AGENT_MAX_CLUSTERS; cl++) {
		if (!c->saved_gov[cl][0])
			continue;
		char path[128];
		snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/cpufreq/scaling_governor",
			 agent_cpuset_first(&c->sys->clusters[cl].cpus));
		if (write_str(path, c->saved_gov[cl]) == 0)
			c->saved_gov[cl][0] = '\0';
	}
}

static void child_exit(struct child *c, int status) __attribute__((noreturn));
static void child_exit(struct child *c, int status)
{
	agent_load_stop(&c->ld);
	restore_governors(c);
	_exit(status); /* not exit(): the agent's atexit handlers and stdio buffers are its own */
}

static double mem_avail_mb(void)
{
	double total, avail;
	if (agent_meminfo(&total, &avail) < 0)
		return -1;
	return avail;
}

/* Maps, locks where permitted, and touches every page of `bytes` more: 0, or an errno. */
static int grab(struct child *c, size_t bytes)
{
	bytes = (bytes + c->page - 1) / c->page * c->page;
	if (c->n_chunks == c->cap_chunks) {
		int cap = c->cap_chunks ? 2 * c->cap_chunks : 64;
		struct chunk *n = realloc(c->chunk, (size_t)cap * sizeof *n);
		if (!n)
			return ENOMEM;
		c->chunk = n;
		c->cap_chunks = cap;
	}
	char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return errno;
	int locked = mlock(p, bytes) == 0;
	if (!locked)
		c->lock_errno = errno;
	for (size_t i = 0; i < bytes; i += c->page)
		((volatile char *)p)[i] = 1;
	c->chunk[c->n_chunks++] = (struct chunk){p, bytes, locked};
	c->held += bytes;
	return 0;
}

/* Gives back about `bytes` (whole pages), the newest first. */
static void release(struct child *c, size_t bytes)
{
	while (bytes > 0 && c->n_chunks > 0) {
		struct chunk *k = &c->chunk[c->n_chunks - 1];
		if (k->len <= bytes) {
			munmap(k->p, k->len);
			c->held -= k->len;
			bytes -= k->len;
			c->n_chunks--;
			continue;
		}
		size_t cut = bytes / c->page * c->page;
		if (cut == 0)
			break;
		munmap(k->p + k->len - cut, cut);
		k->len -= cut;
		c->held -= cut;
		break;
	}
}

static const char *lock_state(const struct child *c, char *buf, size_t len)
{
	size_t locked = 0;
	for (int i = 0; i < c->n_chunks; i++)
		if (c->chunk[i].locked)
			locked += c->chunk[i].len;
	if (c->held == 0)
		snprintf(buf, len, "nothing held");
	else if (locked == c->held)
		snprintf(buf, len, "locked in RAM");
	else
		snprintf(buf, len, "%s (mlock: %s)", locked ? "partly locked" : "not locked",
			 strerror(c->lock_errno));
	return buf;
}

static int child_util(struct child *c, double d, struct answer *k)
{
	struct errbuf eb = {0};
	if (d != c->util || (d > 0 && c->ld.n == 0)) {
		/* a value that did not change keeps the threads in their phases */
		agent_load_stop(&c->ld);
		c->util = 0;
	}
	if (d > 0 && c->ld.n == 0) {
		int rc = agent_load_start(&c->ld, c->cpu, c->n_cpus, d, c->period_ms, c->shape,
					  &eb);
		if (rc < 0) {
			agent_load_stop(&c->ld);
			return answer_err(k, rc, "util_other %.3f: %s", d, eb.msg);
		}
		c->util = d;
	}
	char how[256];
	agent_load_describe(c->shape, c->n_cpus, d, c->period_ms, how, sizeof how);
	snprintf(k->msg, sizeof k->msg, "util_other %.3f on CPUs %s: %s", d, c->cpus, how);
	return 0;
}

static double thread_cpu_s(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int child_mem_call(struct child *c, double target, struct answer *k)
{
	if (!(target >= c->margin_mb))
		return answer_err(k, ERR_RANGE,
				  "mem_avail_mb %.0f MB is below the margin of %.0f MB: nothing "
				  "allocated", target, c->margin_mb);
	double avail = -1;
	int last = 0, flips = 0, cannot_add = 0, settled = 0;
	int64_t t_end = agent_mono_ns() + MEM_CALL_MAX_NS;
	for (int round = 0; round < MAX_ROUNDS && agent_mono_ns() < t_end; round++) {
		if ((avail = mem_avail_mb()) < 0)
			return answer_err(k, ERR_IO, "/proc/meminfo: no MemAvailable line");
		double diff = avail - target;
		if (fabs(diff) <= AGENT_APPLY_MEM_TOL_MB) {
			settled = 1;
			break;
		}
		int dir = diff > 0 ? 1 : -1;
		if (last && dir != last && ++flips > MAX_FLIPS)
			break;
		last = dir;
		if (dir > 0) {
			/* at most diff: MemAvailable stays at or above the target, so above the margin */
			double mb = fmin(diff, CHUNK_MB);
			int e = grab(c, (size_t)(mb * MB));
			if (e)
				return answer_err(k, ERR_IO, "cannot allocate %.0f MB more (holding %.0f "
						  "MB): %s", mb, (double)c->held / MB, strerror(e));
		} else if (c->held == 0) {
			cannot_add = 1;
			break;
		} else {
			release(c, (size_t)(-diff * MB));
		}
	}
	if ((avail = mem_avail_mb()) < 0)
		return answer_err(k, ERR_IO, "/proc/meminfo: no MemAvailable line");
	char lk[160], back[96] = "";
	if (c->given_back_mb > 0)
		snprintf(back, sizeof back, "; %.0f MB given back to keep the margin since the last "
			 "call", c->given_back_mb);
	c->given_back_mb = 0;
	k->mem_short = cannot_add;
	snprintf(k->msg, sizeof k->msg, "mem_avail_mb %.0f: MemAvailable %.0f MB, holding %.0f "
		 "MB, %s%s%s", target, avail, (double)c->held / MB, lock_state(c, lk, sizeof lk),
		 cannot_add ? "; cannot add memory: everything released and MemAvailable is "
			      "still below the target"
		 : settled ? ""
			   : "; not settled within the tolerance: MemAvailable moves by itself "
			     "(other processes)", back);
	return 0;
}

/* A memory call, and the CPU time it took (faulting pages in is the kernel's work, on this
 * thread's account). */
static int child_mem(struct child *c, double target, struct answer *k)
{
	/* Taking memory keeps this thread busy on a CPU for the whole call (faulting pages in
	   is CPU work): the busy threads give up that CPU's share meanwhile, so that the load
	   is the row's util_other as a whole, the share of the process that took the memory
	   included, as a recording counts it. Below one CPU's share the call is load the row
	   does not have (the served file counts its CPU time). */
	double util = c->util, less = fmax(0, util - 1.0 / c->n_cpus);
	struct errbuf eb = {0};
	if (util > 0 && less != util) {
		agent_load_stop(&c->ld);
		if (less > 0 && agent_load_start(&c->ld, c->cpu, c->n_cpus, less, c->period_ms,
						 c->shape, &eb) < 0)
			agent_load_stop(&c->ld);
	}
	double t = thread_cpu_s();
	int rc = child_mem_call(c, target, k);
	k->cpu_s = thread_cpu_s() - t;
	if (util > 0 && less != util) {
		agent_load_stop(&c->ld);
		if (agent_load_start(&c->ld, c->cpu, c->n_cpus, util, c->period_ms, c->shape,
				     &eb) < 0) {
			agent_load_stop(&c->ld);
			c->util = 0;
			if (rc == 0)
				rc = answer_err(k, ERR_IO, "util_other %.3f: cannot start the busy "
						"threads again after taking memory: %s", util, eb.msg);
		}
	}
	return rc;
}

/* Gives back what would take MemAvailable below the margin (other processes grew). */
static void watch_margin(struct child *c)
{
	double avail = mem_avail_mb();
	if (avail < 0 || avail >= c->margin_mb)
		return;
	size_t before = c->held;
	release(c, (size_t)((c->margin_mb - avail + AGENT_APPLY_MEM_TOL_MB) * MB));
	c->given_back_mb += (double)(before - c->held) / MB;
}

static int has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = list; (p = strstr(p, word)) != NULL; p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' ' || p[n] == '\n'))
			return 1;
	return 0;
}

static int not_applied(struct answer *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int not_applied(struct answer *k, const char *fmt, ...)
{
	int at = snprintf(k->msg, sizeof k->msg, "not applied: ");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(k->msg + at, sizeof k->msg - (size_t)at, fmt, ap);
	va_end(ap);
	return 0;
}

/* The frequency written for a request of mhz: the nearest available, else mhz within the
 * cluster's limits. */
static double pick_mhz(const struct agent_cluster *cl, double mhz)
{
	if (cl->n_freqs > 0) {
		double best = cl->freqs_mhz[0];
		for (int i = 1; i < cl->n_freqs; i++)
			if (fabs(cl->freqs_mhz[i] - mhz) < fabs(best - mhz))
				best = cl->freqs_mhz[i];
		return best;
	}
	if (cl->max_mhz > 0 && mhz > cl->max_mhz)
		return cl->max_mhz;
	if (cl->min_mhz > 0 && mhz < cl->min_mhz)
		return cl->min_mhz;
	return mhz;
}

static int child_freq(struct child *c, int cl, double mhz, struct answer *k)
{
	const struct agent_sys *s = c->sys;
	if (cl < 0 || cl >= s->n_clusters)
		return answer_err(k, ERR_RANGE, "cluster %d: this machine has %d cluster%s (0..%d)",
				  cl, s->n_clusters, s->n_clusters == 1 ? "" : "s",
				  s->n_clusters - 1);
	if (!(mhz > 0) || !isfinite(mhz))
		return answer_err(k, ERR_RANGE, "cluster %d: frequency %g MHz is not a positive "
				  "number", cl, mhz);
	const struct agent_cluster *cc = &s->clusters[cl];
	char dir[96], path[160], govs[512], cur[64];
	snprintf(dir, sizeof dir, "/sys/devices/system/cpu/cpu%d/cpufreq",
		 agent_cpuset_first(&cc->cpus));
	if (!s->has_cpufreq || access(dir, F_OK) != 0)
		return not_applied(k, "no cpufreq on this machine (%s is missing): the kernel "
				   "offers no frequency control here", dir);
	snprintf(path, sizeof path, "%s/scaling_available_governors", dir);
	if (agent_read_line(path, govs, sizeof govs) < 0)
		return not_applied(k, "cannot read %s", path);
	if (!has_word(govs, "userspace"))
		return not_applied(k, "the cpufreq driver offers no userspace governor (%s: %s)",
				   path, govs);
	snprintf(path, sizeof path, "%s/scaling_governor", dir);
	if (agent_read_line(path, cur, sizeof cur) < 0)
		return not_applied(k, "cannot read %s", path);
	char was[64];
	snprintf(was, sizeof was, "%s", c->saved_gov[cl][0] ? c->saved_gov[cl] : cur);
	if (strcmp(cur, "userspace") != 0) {
		if (write_str(path, "userspace") < 0)
			return not_applied(k, "cannot set the userspace governor: %s: %s", path,
					   strerror(errno));
		snprintf(c->saved_gov[cl], sizeof c->saved_gov[cl], "%s", cur);
	}
	double f = pick_mhz(cc, mhz);
	char khz[32];
	snprintf(khz, sizeof khz, "%.0f", f * 1000);
	snprintf(path, sizeof path, "%s/scaling_setspeed", dir);
	if (write_str(path, khz) < 0) {
		int e = errno;
		restore_governors(c);
		return not_applied(k, "cannot write %s: %s (governor %s put back)", path,
				   strerror(e), was);
	}
	double now = agent_sys_cluster_mhz(s, cl);
	char cpus[128];
	agent_cpuset_format(&cc->cpus, cpus, sizeof cpus);
	snprintf(k->msg, sizeof k->msg, "applied: %.0f MHz (asked %.0f) on CPUs %s with the "
		 "userspace governor (was %s); scaling_cur_freq now %.0f MHz", f, mhz, cpus, was,
		 now);
	return 0;
}

/* Closes every descriptor the agent had open except keep (the agent's files are its own). */
static void close_inherited(int keep)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return;
	int dfd = dirfd(d), fds[1024], n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL && n < 1024) {
		int fd = atoi(e->d_name);
		if (e->d_name[0] >= '0' && e->d_name[0] <= '9' && fd > 2 && fd != keep && fd != dfd)
			fds[n++] = fd;
	}
	closedir(d);
	for (int i = 0; i < n; i++)
		close(fds[i]);
}

static void child_run(struct child *c, pid_t parent) __attribute__((noreturn));
static void child_run(struct child *c, pid_t parent)
{
	/* SIGTERM (the parent's death, or anyone's) and SIGHUP are read from a signalfd, so
	   the governors are put back; SIGINT from a terminal is the agent's to handle */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_SETMASK, &set, NULL);
	signal(SIGINT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
		_exit(0);
	prctl(PR_SET_NAME, "adascale-apply");
	close_inherited(c->sock);
	int null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		if (null > 2)
			close(null);
	}
	/* under memory pressure the kernel kills the applier before the agent or anyone else */
	write_str("/proc/self/oom_score_adj", "1000");
	struct answer k = {0};
	c->page = (size_t)sysconf(_SC_PAGESIZE);
	c->sigfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (c->sigfd < 0)
		answer_err(&k, ERR_IO, "the applier cannot read signals: %s", strerror(errno));
	else
		snprintf(k.msg, sizeof k.msg, "applier pid %d: CPUs %s, load %s, period %g ms, "
			 "margin %.0f MB", (int)getpid(), c->cpus, agent_load_shape_name(c->shape),
			 c->period_ms, c->margin_mb);
	if (send(c->sock, &k, sizeof k, MSG_NOSIGNAL) != (ssize_t)sizeof k || k.rc < 0)
		child_exit(c, 1);
	for (;;) {
		struct pollfd p[2] = {{c->sock, POLLIN, 0}, {c->sigfd, POLLIN, 0}};
		int n = poll(p, 2, c->held ? WATCH_MS : -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || p[1].revents)
			child_exit(c, 0);
		if (n == 0) {
			watch_margin(c);
			continue;
		}
		struct cmd cmd;
		ssize_t r = recv(c->sock, &cmd, sizeof cmd, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r != (ssize_t)sizeof cmd)
			child_exit(c, 0); /* the agent closed its end, or is gone */
		memset(&k, 0, sizeof k);
		switch (cmd.op) {
		case OP_UTIL:
			child_util(c, cmd.value, &k);
			break;
		case OP_MEM:
			child_mem(c, cmd.value, &k);
			break;
		case OP_FREQ:
			child_freq(c, cmd.cluster, cmd.value, &k);
			break;
		default:
			answer_err(&k, ERR_USAGE, "unknown command %d", cmd.op);
		}
		k.held_mb = (double)c->held / MB;
		if (send(c->sock, &k, sizeof k, MSG_NOSIGNAL) != (ssize_t)sizeof k)
			child_exit(c, 0);
	}
}

/* ---- the agent's side ---- */

/* Waits for the child to end, at most ms (then kills it); 0 when reaped or not ours. */
static void reap(struct agent_apply *a, int ms, int *status)
{
	*status = -1;
	if (a->pid <= 0)
		return;
	for (int waited = 0;; waited++) {
		pid_t r = waitpid(a->pid, status, WNOHANG);
		if (r == a->pid || (r < 0 && errno != EINTR))
			break; /* reaped, or reaped by someone else (SIGCHLD ignored) */
		if (waited >= ms) {
			kill(a->pid, SIGKILL);
			while (waitpid(a->pid, status, 0) < 0 && errno == EINTR)
				;
			break;
		}
		agent_sleep_until(agent_mono_ns() + 1000000);
	}
	a->pid = 0;
}

/* The child ended or stopped answering: reaps it and says how it ended. */
static int gone(struct agent_apply *a, const char *doing, int timed_out, struct errbuf *eb)
{
	int pid = a->pid, st;
	if (a->sock >= 0) {
		close(a->sock);
		a->sock = -1;
	}
	reap(a, timed_out ? 0 : 1000, &st);
	a->held_mb = 0;
	char how[96];
	if (timed_out)
		snprintf(how, sizeof how, "did not answer within %d s and was killed",
			 ANSWER_TIMEOUT_S);
	else if (st != -1 && WIFSIGNALED(st))
		snprintf(how, sizeof how, "was killed by signal %d", WTERMSIG(st));
	else if (st != -1 && WIFEXITED(st))
		snprintf(how, sizeof how, "exited with status %d", WEXITSTATUS(st));
	else
		snprintf(how, sizeof how, "is gone");
	return err_set(eb, ERR_CHILD, "the applier's child (pid %d) %s while %s: no load or "
		       "memory is applied", pid, how, doing);
}

/* Waits for the child's answer to what it is doing. */
static int await(struct agent_apply *a, struct answer *k, const char *doing, struct errbuf *eb)
{
	int64_t deadline = agent_mono_ns() + (int64_t)ANSWER_TIMEOUT_S * 1000000000;
	for (;;) {
		int64_t left = deadline - agent_mono_ns();
		if (left <= 0)
			return gone(a, doing, 1, eb);
		struct pollfd p = {a->sock, POLLIN, 0};
		int n = poll(&p, 1, (int)(left / 1000000) + 1);
		if (n < 0 && errno != EINTR)
			return err_set(eb, ERR_IO, "the applier: poll: %s", strerror(errno));
		if (n <= 0)
			continue;
		ssize_t r = recv(a->sock, k, sizeof *k, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r != (ssize_t)sizeof *k)
			return gone(a, doing, 0, eb);
		a->held_mb = k->held_mb;
		if (k->rc < 0)
			return err_set(eb, k->rc, "%s", k->msg);
		snprintf(a->note, sizeof a->note, "%s", k->msg);
		return 0;
	}
}

static int ask_locked(struct agent_apply *a, const struct cmd *cmd, struct answer *k,
		      const char *doing, struct errbuf *eb)
{
	if (!a->running)
		return err_set(eb, ERR_USAGE, "the applier is not running");
	if (a->sock < 0)
		return err_set(eb, ERR_CHILD, "the applier's child is gone: no load or memory is "
			       "applied");
	if (send(a->sock, cmd, sizeof *cmd, MSG_NOSIGNAL) != (ssize_t)sizeof *cmd)
		return gone(a, doing, 0, eb);
	int rc = await(a, k, doing, eb);
	if (rc == 0 && cmd->op == OP_MEM) {
		a->mem_cpu_s += k->cpu_s;
		a->mem_short = k->mem_short;
	}
	return rc;
}

/* One command and its answer; threads asking at once take turns. */
static int ask(struct agent_apply *a, const struct cmd *cmd, struct answer *k,
	       const char *doing, struct errbuf *eb)
{
	if (!a)
		return err_set(eb, ERR_USAGE, "the applier is not running");
	pthread_mutex_lock(&a->mu);
	int rc = ask_locked(a, cmd, k, doing, eb);
	pthread_mutex_unlock(&a->mu);
	return rc;
}

int agent_apply_start(const struct agent_apply_opts *o, struct agent_apply **out,
		      struct errbuf *eb)
{
	struct agent_apply *a = &the_applier;
	if (a->running)
		return err_set(eb, ERR_USAGE, "an applier is already running (pid %d): one per "
			       "process", (int)a->pid);
	struct agent_apply_opts d = o ? *o : (struct agent_apply_opts){0};
	double period = d.period_ms == 0 ? AGENT_APPLY_PERIOD_MS : d.period_ms;
	if (!(period >= 0.1 && period <= 1000))
		return err_set(eb, ERR_RANGE, "the applier's period %g ms is outside 0.1..1000",
			       d.period_ms);
	double margin = d.mem_margin_mb > 0 ? d.mem_margin_mb : AGENT_APPLY_MARGIN_MB;
	if (!isfinite(margin))
		return err_set(eb, ERR_RANGE, "the applier's memory margin is not a number");
	int rc = 0;
	int sv[2] = {-1, -1};
	struct child *c = calloc(1, sizeof *c);
	struct agent_cpuset set;
	if (!c || !(c->sys = malloc(sizeof *c->sys))) {
		rc = err_set(eb, ERR_NOMEM, "out of memory");
		goto fail;
	}
	if ((rc = agent_sys_read(c->sys, eb)) < 0)
		goto fail;
	if (d.cpus) {
		if (agent_cpuset_parse(d.cpus, &set) < 0) {
			rc = err_set(eb, ERR_PARSE, "CPU list '%s': not a list like 0-3,6", d.cpus);
			goto fail;
		}
	} else if ((rc = agent_affinity_get(&set, eb)) < 0) {
		goto fail;
	}
	int n = agent_cpuset_count(&set);
	if (n == 0) {
		rc = err_set(eb, ERR_RANGE, "the applier has no CPU to load");
		goto fail;
	}
	if (!(c->cpu = malloc((size_t)n * sizeof *c->cpu)) ||
	    !(c->ld.l = calloc((size_t)n, sizeof *c->ld.l))) {
		rc = err_set(eb, ERR_NOMEM, "out of memory");
		goto fail;
	}
	for (int cpu = 0; cpu < AGENT_MAX_CPUS; cpu++) {
		if (!agent_cpuset_has(&set, cpu))
			continue;
		if (!agent_cpuset_has(&c->sys->online, cpu)) {
			rc = err_set(eb, ERR_RANGE, "CPU %d is not online", cpu);
			goto fail;
		}
		c->cpu[c->n_cpus++] = cpu;
	}
	agent_cpuset_format(&set, c->cpus, sizeof c->cpus);
	c->period_ms = period;
	c->margin_mb = margin;
	c->shape = d.shape;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
		rc = err_set(eb, ERR_IO, "the applier: socketpair: %s", strerror(errno));
		goto fail;
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		rc = err_set(eb, ERR_IO, "the applier: fork: %s", strerror(errno));
		goto fail;
	}
	if (pid == 0) {
		close(sv[0]);
		c->sock = sv[1];
		child_run(c, parent);
	}
	close(sv[1]);
	a->running = 1;
	a->pid = pid;
	a->sock = sv[0];
	a->held_mb = a->mem_cpu_s = 0;
	a->mem_short = 0;
	a->note[0] = '\0';
	free(c->ld.l);
	free(c->cpu);
	free(c->sys);
	free(c);
	struct answer k;
	if ((rc = await(a, &k, "starting", eb)) < 0) {
		agent_apply_stop(a);
		return rc;
	}
	*out = a;
	return 0;
fail:
	if (sv[0] >= 0) {
		close(sv[0]);
		close(sv[1]);
	}
	if (c) {
		free(c->ld.l);
		free(c->cpu);
		free(c->sys);
		free(c);
	}
	return rc;
}

int agent_apply_util(struct agent_apply *a, double util_other, struct errbuf *eb)
{
	if (!(util_other >= 0 && util_other <= 1))
		return err_set(eb, ERR_RANGE, "util_other %g is outside 0..1", util_other);
	struct cmd cmd = {.op = OP_UTIL, .value = util_other};
	struct answer k;
	return ask(a, &cmd, &k, "applying util_other", eb);
}

int agent_apply_mem(struct agent_apply *a, double mem_avail_mb, struct errbuf *eb)
{
	if (!(mem_avail_mb >= 0) || !isfinite(mem_avail_mb))
		return err_set(eb, ERR_RANGE, "mem_avail_mb %g is not a size in MB", mem_avail_mb);
	struct cmd cmd = {.op = OP_MEM, .value = mem_avail_mb};
	struct answer k;
	return ask(a, &cmd, &k, "applying mem_avail_mb", eb);
}

int agent_apply_freq(struct agent_apply *a, int cluster, double mhz, char *how,
		     size_t how_len, struct errbuf *eb)
{
	struct cmd cmd = {.op = OP_FREQ, .cluster = cluster, .value = mhz};
	struct answer k;
	int rc = ask(a, &cmd, &k, "applying a frequency", eb);
	if (how && how_len)
		snprintf(how, how_len, "%s", rc == 0 ? k.msg : "");
	return rc;
}

void agent_apply_stop(struct agent_apply *a)
{
	if (!a || !a->running)
		return;
	if (a->sock >= 0) {
		close(a->sock); /* the child reads the end of input, puts the governors back, exits */
		a->sock = -1;
	}
	int st;
	reap(a, STOP_TIMEOUT_MS, &st);
	a->running = 0;
	a->held_mb = 0;
}

const char *agent_apply_note(const struct agent_apply *a) { return a ? a->note : ""; }

int agent_apply_pid(const struct agent_apply *a) { return a ? (int)a->pid : 0; }

double agent_apply_held_mb(const struct agent_apply *a) { return a ? a->held_mb : 0; }

double agent_apply_mem_cpu_s(const struct agent_apply *a) { return a ? a->mem_cpu_s : 0; }

int agent_apply_mem_short(const struct agent_apply *a) { return a ? a->mem_short : 0; }

/*
 * contain.c: the child process a run's simulation happens in, its watch and its result
 * record (see contain.h). The parent learns where a child died from the monitor it shares
 * with it; it stores nothing of a child that did not send a whole record and exit 0.
 *
 * The record (both ends are the same binary, so structs go as bytes):
 *   struct wire_head {magic, rc, body length}, then
 *   rc == 0: struct run_output (its pointers meaningless), variant_keys[n_variants],
 *            variant_served[n_variants], variant_top1[n_variants], timeline[n_timeline],
 *            request_rows[n_request_rows];
 *   rc < 0:  the error message, NUL-terminated.
 * Every owned array of struct run_output (run.h) must be carried here, or it is lost.
 *
 * Not for scheduling many runs (sweep_exec.c) or storing them (store.c).
 */
#define _GNU_SOURCE /* REG_ERR in ucontext: whether a fault was a write (x86-64) */
#include "contain.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "run.h"

#define WIRE_MAGIC 0x61737731u /* "asw1" */

struct wire_head {
	uint32_t magic;
	int32_t rc;
	uint64_t body;
};

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

const char *contain_buf_name(int id)
{
	static const char *const names[] = {
		"variant table", "host services table", "view",     "device state",
		"queue",         "decision",            "observation", "create error buffer",
	};
	return id >= 0 && id < CONTAIN_N_BUFS ? names[id] : "?";
}

static const char *call_name(int call)
{
	static const char *const names[] = {"", "create", "decide", "observe", "destroy"};
	return call > 0 && call <= CONTAIN_DESTROY ? names[call] : "";
}

/* ---- guarded buffers ---- */

int contain_buf_alloc(struct contain_buf *b, size_t len, struct errbuf *eb)
{
	memset(b, 0, sizeof *b);
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t data = (len + pg - 1) / pg * pg;
	if (len == 0)
		data = pg;
	void *map = mmap(NULL, data + pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			 0);
	if (map == MAP_FAILED)
		return err_set(eb, ERR_NOMEM, "out of memory (mapping a guarded buffer: %s)",
			       strerror(errno));
	if (mprotect((unsigned char *)map + data, pg, PROT_NONE) < 0) {
		int e = errno;
		munmap(map, data + pg);
		return err_set(eb, ERR_NOMEM, "mprotect of a guard page: %s", strerror(e));
	}
	b->map = map;
	b->map_len = data + pg;
	b->len = len;
	b->p = b->map + data - len;
	return 0;
}

int contain_buf_readonly(struct contain_buf *b, struct errbuf *eb)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	if (mprotect(b->map, b->map_len - pg, PROT_READ) < 0)
		return err_set(eb, ERR_NOMEM, "mprotect of a read-only table: %s", strerror(errno));
	return 0;
}

void contain_buf_free(struct contain_buf *b)
{
	if (b && b->map)
		munmap(b->map, b->map_len);
	if (b)
		memset(b, 0, sizeof *b);
}

/* ---- the monitor ---- */

struct contain_monitor *contain_monitor_create(void)
{
	void *p = mmap(NULL, sizeof(struct contain_monitor), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	struct contain_monitor *m = p; /* zeroed by mmap */
	atomic_store(&m->request, -1);
	return m;
}

void contain_monitor_destroy(struct contain_monitor *m)
{
	if (m)
		munmap(m, sizeof *m);
}

void contain_register(struct contain_monitor *m, int id, const struct contain_buf *b,
		      int readonly)
{
	if (!m || id < 0 || id >= CONTAIN_N_BUFS || !b->map)
		return;
	m->bufs[id].lo = (uintptr_t)b->map;
	m->bufs[id].hi = (uintptr_t)b->map + b->map_len - (size_t)sysconf(_SC_PAGESIZE);
	m->bufs[id].guard_hi = (uintptr_t)b->map + b->map_len;
	m->bufs[id].readonly = readonly;
}

/* ---- the child ---- */

static struct contain_monitor *child_monitor;

/*
 * SIGSEGV/SIGBUS in the child: notes the address and the guarded buffer it hit (plain
 * stores into the shared monitor: async-signal-safe), then lets the signal kill the child
 * (SA_RESETHAND made the action the default again; raise covers a signal that was sent
 * rather than caused by the faulting instruction, which would otherwise just return).
 */
static void on_fault(int sig, siginfo_t *si, void *uctx)
{
	struct contain_monitor *m = child_monitor;
	if (m && si) {
		uintptr_t a = (uintptr_t)si->si_addr;
		m->fault_addr = a;
		m->fault_write = -1;
#if defined(__x86_64__) && defined(REG_ERR)
		if (uctx && si->si_code > 0)
			m->fault_write = (((const ucontext_t *)uctx)->uc_mcontext.gregs[REG_ERR] & 2) != 0;
#else
		(void)uctx;
#endif
		for (int i = 0; i < CONTAIN_N_BUFS; i++)
			if (m->bufs[i].lo && a >= m->bufs[i].lo && a < m->bufs[i].guard_hi) {
				m->fault_buf = i + 1;
				m->fault_guard = a >= m->bufs[i].hi;
				break;
			}
		m->fault_sig = sig;
	}
	raise(sig);
}

void contain_child_setup(struct contain_monitor *m)
{
	child_monitor = m;
	/* its own stack, so that a policy that overflows the stack is still described */
	static unsigned char alt[65536];
	stack_t ss = {.ss_sp = alt, .ss_size = sizeof alt, .ss_flags = 0};
	sigaltstack(&ss, NULL);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_RESETHAND | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
}

/* ---- the watch ---- */

void contain_watch_start(struct contain_watch *w, double now)
{
	w->seq = 0;
	w->since = now;
}

int contain_watch_expired(const struct contain_monitor *m, struct contain_watch *w, double now,
			  double limit_s)
{
	uint64_t seq = atomic_load_explicit(&m->seq, memory_order_acquire);
	int call = atomic_load_explicit(&m->call, memory_order_relaxed);
	if (seq != w->seq || call == CONTAIN_NONE) {
		w->seq = seq;
		w->since = now;
		return 0;
	}
	return limit_s > 0 && now - w->since >= limit_s;
}

static const char *sig_abbrev(int sig, char *buf, size_t len)
{
	static const struct {
		int sig;
		const char *name;
	} t[] = {{SIGSEGV, "SIGSEGV"}, {SIGBUS, "SIGBUS"}, {SIGABRT, "SIGABRT"},
		 {SIGFPE, "SIGFPE"},   {SIGILL, "SIGILL"}, {SIGKILL, "SIGKILL"},
		 {SIGTERM, "SIGTERM"}, {SIGTRAP, "SIGTRAP"}, {SIGSYS, "SIGSYS"},
		 {SIGPIPE, "SIGPIPE"}, {SIGXCPU, "SIGXCPU"}, {SIGINT, "SIGINT"}};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (t[i].sig == sig)
			return t[i].name;
	snprintf(buf, len, "signal %d", sig);
	return buf;
}

void contain_explain(const struct contain_monitor *m, int status, int hung, double limit_s,
		     char *buf, size_t len)
{
	int call = atomic_load(&m->call);
	double t_s = (double)atomic_load(&m->t_ns) / 1e9;
	long long req = (long long)atomic_load(&m->request);
	char where[160] = "", reqs[48] = "";
	if (req >= 0)
		snprintf(reqs, sizeof reqs, ", request %lld", req);
	if (call != CONTAIN_NONE)
		snprintf(where, sizeof where, " during %s at simulated t=%.3f s%s", call_name(call),
			 t_s, reqs);
	else
		snprintf(where, sizeof where, " outside the policy's calls (after simulated t=%.3f s)",
			 t_s);
	if (hung && call != CONTAIN_NONE) {
		snprintf(buf, len, "%s did not return within %g s at simulated t=%.3f s%s",
			 call_name(call), limit_s, t_s, reqs);
	} else if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		char sb[32], what[192] = "";
		if (m->fault_sig == sig && m->fault_buf > 0) {
			const char *name = contain_buf_name(m->fault_buf - 1);
			const char *verb = m->fault_write == 1 ? "wrote" : m->fault_write == 0 ? "read"
												 : "went";
			if (m->fault_guard)
				snprintf(what, sizeof what, " (%s past the end of the %s)", verb, name);
			else
				snprintf(what, sizeof what, " (%s into the read-only %s)",
					 m->fault_write == 0 ? "read" : "wrote", name);
		} else if (m->fault_sig == sig) {
			snprintf(what, sizeof what, " (%s address %#lx)",
				 m->fault_write == 1 ? "wrote to" : "bad", (unsigned long)m->fault_addr);
		}
		snprintf(buf, len, "killed by %s%s%s", sig_abbrev(sig, sb, sizeof sb), what, where);
	} else {
		snprintf(buf, len, "exited with status %d without a whole result%s",
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1, where);
	}
}

/* ---- the record ---- */

static int write_all(int fd, const void *data, size_t n)
{
	const char *p = data;
	while (n) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int contain_send(int fd, int rc, const char *msg, const struct run_output *o)
{
	if (rc < 0) {
		size_t n = strlen(msg) + 1;
		struct wire_head h = {.magic = WIRE_MAGIC, .rc = rc, .body = n};
		return write_all(fd, &h, sizeof h) < 0 || write_all(fd, msg, n) < 0 ? -1 : 0;
	}
	size_t nv = (size_t)o->n_variants, nt = (size_t)o->n_timeline,
	       nr = (size_t)o->n_request_rows;
	struct wire_head h = {
		.magic = WIRE_MAGIC,
		.rc = 0,
		.body = sizeof *o + nv * (sizeof *o->variant_keys + sizeof *o->variant_served +
					  sizeof *o->variant_top1) +
			nt * sizeof *o->timeline + nr * sizeof *o->request_rows,
	};
	if (write_all(fd, &h, sizeof h) < 0 || write_all(fd, o, sizeof *o) < 0 ||
	    write_all(fd, o->variant_keys, nv * sizeof *o->variant_keys) < 0 ||
	    write_all(fd, o->variant_served, nv * sizeof *o->variant_served) < 0 ||
	    write_all(fd, o->variant_top1, nv * sizeof *o->variant_top1) < 0 ||
	    write_all(fd, o->timeline, nt * sizeof *o->timeline) < 0 ||
	    write_all(fd, o->request_rows, nr * sizeof *o->request_rows) < 0)
		return -1;
	return 0;
}

int contain_decode(const unsigned char *b, size_t n, int *rc, char *msg, size_t msg_len,
		   struct run_output **out)
{
	struct wire_head h;
	*out = NULL;
	if (n < sizeof h)
		return 0;
	memcpy(&h, b, sizeof h);
	b += sizeof h;
	n -= sizeof h;
	if (h.magic != WIRE_MAGIC || h.body != n || h.rc > 0)
		return 0;
	*rc = h.rc;
	if (h.rc < 0) {
		if (n == 0 || b[n - 1] != '\0')
			return 0;
		snprintf(msg, msg_len, "%s", (const char *)b);
		return 1;
	}
	if (n < sizeof(struct run_output))
		return 0;
	struct run_output *o = malloc(sizeof *o);
	if (!o)
		return ERR_NOMEM;
	memcpy(o, b, sizeof *o);
	o->variant_keys = NULL;
	o->variant_served = NULL;
	o->variant_top1 = NULL;
	o->timeline = NULL;
	o->request_rows = NULL;
	int ret = 0;
	if (o->n_variants < 0 || o->n_timeline < 0 || o->n_request_rows < 0)
		goto fail;
	size_t nv = (size_t)o->n_variants, nt = (size_t)o->n_timeline,
	       nr = (size_t)o->n_request_rows;
	size_t need = sizeof *o + nv * (sizeof *o->variant_keys + sizeof *o->variant_served +
					sizeof *o->variant_top1) +
		      nt * sizeof *o->timeline + nr * sizeof *o->request_rows;
	if (need != n)
		goto fail;
	const unsigned char *q = b + sizeof *o;
#define TAKE_(field, count)                                                     \
	do {                                                                    \
		size_t bytes_ = (count) * sizeof *o->field;                     \
		if (!(o->field = malloc(bytes_ + 1))) {                         \
			ret = ERR_NOMEM;                                        \
			goto fail;                                              \
		}                                                               \
		memcpy(o->field, q, bytes_);                                    \
		q += bytes_;                                                    \
	} while (0)
	TAKE_(variant_keys, nv);
	TAKE_(variant_served, nv);
	TAKE_(variant_top1, nv);
	TAKE_(timeline, nt);
	TAKE_(request_rows, nr);
#undef TAKE_
	/* the strings of the fixed part must end inside their arrays */
	if (!memchr(o->config, 0, sizeof o->config) || !memchr(o->config_key, 0, sizeof o->config_key) ||
	    !memchr(o->policy_name, 0, sizeof o->policy_name) ||
	    !memchr(o->policy_params, 0, sizeof o->policy_params) ||
	    !memchr(o->notes, 0, sizeof o->notes) || !memchr(o->timings_path, 0, sizeof o->timings_path))
		goto fail;
	for (size_t i = 0; i < nv; i++)
		if (!memchr(o->variant_keys[i], 0, sizeof o->variant_keys[i]))
			goto fail;
	*out = o;
	return 1;
fail:
	run_output_destroy(o);
	return ret;
}

/* ---- one run in a child ---- */

void contain_child_run(const struct run_config *cfg, struct contain_monitor *m, int fd,
		       pid_t parent)
{
	signal(SIGPIPE, SIG_DFL);
#ifdef __linux__
	prctl(PR_SET_PDEATHSIG, SIGKILL); /* if the parent dies, so does the child */
#endif
	if (getppid() != parent)
		_exit(3);
	contain_child_setup(m);
	struct run_config c = *cfg;
	c.monitor = m;
	struct errbuf eb = {0};
	struct run_output *o = NULL;
	int rc = run_execute(&c, &o, &eb);
	int bad = contain_send(fd, rc, eb.msg[0] ? eb.msg : err_msg(rc), o) < 0;
	_exit(bad ? 4 : 0);
}

int contain_run(const struct run_config *cfg, double decide_timeout_s, struct run_output **out,
		struct errbuf *eb)
{
	*out = NULL;
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0;
	int fds[2] = {-1, -1}, rc = 0, status = 0, hung = 0;
	struct contain_monitor *m = contain_monitor_create();
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
		contain_child_run(cfg, m, fds[1], parent);
	}
	close(fds[1]);
	fds[1] = -1;
	struct contain_watch w;
	contain_watch_start(&w, now_s());
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
		if (!hung && contain_watch_expired(m, &w, now_s(), decide_timeout_s)) {
			hung = 1;
			kill(pid, SIGKILL);
		}
		/* a child stuck in a policy call does not see the stop flag: do not wait for it */
		if (cfg->stop && *cfg->stop) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			rc = err_set(eb, ERR_INTERRUPTED, "interrupted by signal %d (%s)",
				     (int)*cfg->stop, strsignal((int)*cfg->stop));
			goto fail;
		}
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	int prc = 0, whole = 0;
	char msg[ERRBUF_LEN] = "";
	struct run_output *o = NULL;
	if (!hung && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		whole = contain_decode(buf, len, &prc, msg, sizeof msg, &o);
	if (whole < 0) {
		rc = err_set(eb, whole, "out of memory");
	} else if (!whole) {
		char why[512];
		contain_explain(m, status, hung, decide_timeout_s, why, sizeof why);
		if (m->policy[0])
			rc = err_set(eb, ERR_CHILD, "policy '%s' (%s): %s", m->policy, m->source, why);
		else
			rc = err_set(eb, ERR_CHILD, "the run's process %s", why);
	} else if (prc < 0) {
		rc = err_set(eb, prc, "%s", msg);
	} else {
		*out = o;
	}
fail:
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	free(buf);
	contain_monitor_destroy(m);
	return rc;
}

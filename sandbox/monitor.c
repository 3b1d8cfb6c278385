/*
 * monitor.c: the shared monitor of the policy call in progress, the fault handler of the
 * watched process, and the watcher's watch and explanation (see monitor.h). Everything the
 * fault handler does is a plain store into the shared monitor (async-signal-safe). Not for
 * forking or reading a child's result (sandbox.c).
 */
#define _GNU_SOURCE /* REG_ERR in ucontext: whether a fault was a write (x86-64) */
#include "monitor.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

const char *monitor_buf_name(int id)
{
	static const char *const names[] = {
		"variant table", "host services table", "view",     "device state",
		"queue",         "decision",            "observation", "create error buffer",
	};
	return id >= 0 && id < MONITOR_N_BUFS ? names[id] : "?";
}

static const char *call_name(int call)
{
	static const char *const names[] = {"", "create", "decide", "observe", "destroy"};
	return call > 0 && call <= MONITOR_DESTROY ? names[call] : "";
}

/* ---- the monitor ---- */

struct monitor *monitor_create(void)
{
	void *p = mmap(NULL, sizeof(struct monitor), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	struct monitor *m = p; /* zeroed by mmap */
	atomic_store(&m->request, -1);
	return m;
}

void monitor_destroy(struct monitor *m)
{
	if (m)
		munmap(m, sizeof *m);
}

void monitor_register(struct monitor *m, int id, const struct guard_buf *b, int readonly)
{
	if (!m || id < 0 || id >= MONITOR_N_BUFS || !b->map)
		return;
	m->bufs[id].lo = (uintptr_t)b->map;
	m->bufs[id].hi = (uintptr_t)b->map + b->map_len - (size_t)sysconf(_SC_PAGESIZE);
	m->bufs[id].guard_hi = (uintptr_t)b->map + b->map_len;
	m->bufs[id].readonly = readonly;
}

/* ---- the watched process ---- */

static struct monitor *watched;

/*
 * SIGSEGV/SIGBUS in the child: notes the address and the guarded buffer it hit (plain
 * stores into the shared monitor: async-signal-safe), then lets the signal kill the child
 * (SA_RESETHAND made the action the default again; raise covers a signal that was sent
 * rather than caused by the faulting instruction, which would otherwise just return).
 */
static void on_fault(int sig, siginfo_t *si, void *uctx)
{
	struct monitor *m = watched;
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
		for (int i = 0; i < MONITOR_N_BUFS; i++)
			if (m->bufs[i].lo && a >= m->bufs[i].lo && a < m->bufs[i].guard_hi) {
				m->fault_buf = i + 1;
				m->fault_guard = a >= m->bufs[i].hi;
				break;
			}
		m->fault_sig = sig;
	}
	raise(sig);
}

void monitor_child_setup(struct monitor *m)
{
	watched = m;
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

void monitor_watch_start(struct monitor_watch *w, double now)
{
	w->seq = 0;
	w->since = now;
}

int monitor_watch_expired(const struct monitor *m, struct monitor_watch *w, double now,
			  double limit_s)
{
	uint64_t seq = atomic_load_explicit(&m->seq, memory_order_acquire);
	int call = atomic_load_explicit(&m->call, memory_order_relaxed);
	if (seq != w->seq || call == MONITOR_NONE) {
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

void monitor_explain(const struct monitor *m, int status, int hung, double limit_s, char *buf,
		     size_t len)
{
	int call = atomic_load(&m->call);
	double t_s = (double)atomic_load(&m->t_ns) / 1e9;
	long long req = (long long)atomic_load(&m->request);
	char where[160] = "", reqs[48] = "";
	if (req >= 0)
		snprintf(reqs, sizeof reqs, ", request %lld", req);
	if (call != MONITOR_NONE)
		snprintf(where, sizeof where, " during %s at simulated t=%.3f s%s", call_name(call),
			 t_s, reqs);
	else
		snprintf(where, sizeof where, " outside the policy's calls (after simulated t=%.3f s)",
			 t_s);
	if (hung && call != MONITOR_NONE) {
		snprintf(buf, len, "%s did not return within %g s at simulated t=%.3f s%s",
			 call_name(call), limit_s, t_s, reqs);
	} else if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		char sb[32], what[192] = "";
		if (m->fault_sig == sig && m->fault_buf > 0) {
			const char *name = monitor_buf_name(m->fault_buf - 1);
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

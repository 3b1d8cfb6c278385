/*
 * aapply.c: the applier's child and its commands (see aapply.h). Commands go over a
 * SOCK_SEQPACKET pair; every call waits for the child's answer.
 */
#include "aapply.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aload.h"
#include "asys.h"

#define CHUNK_MB 4

struct cmd {
	char op;   /* 'U' util, 'M' memory change in MB */
	double v;
};

struct agent_apply {
	pid_t pid;
	int fd;
	double margin_mb;
};

/* The child: holds the load and the memory until its socket closes or the agent dies. */
static void child_main(int fd, pid_t parent, const int *cpu, int n_cpus, double period_ms)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	struct agent_load ld = {.n = 0, .l = calloc((size_t)n_cpus, sizeof(struct agent_loader))};
	int loaded = 0;
	void **chunk = NULL;
	long n_chunks = 0, cap = 0;
	struct cmd c;
	while (read(fd, &c, sizeof c) == (ssize_t)sizeof c) {
		char ok = 1;
		struct errbuf eb = {0};
		if (c.op == 'U') {
			if (loaded)
				agent_load_stop(&ld);
			loaded = 0;
			if (c.v > 0) {
				ok = ld.l && agent_load_start(&ld, cpu, n_cpus, c.v, period_ms, &eb) == 0;
				loaded = 1;
			}
		} else if (c.op == 'M') {
			long want = n_chunks + (long)(c.v / CHUNK_MB);
			if (want < 0)
				want = 0;
			while (n_chunks > want)
				munmap(chunk[--n_chunks], (size_t)CHUNK_MB << 20);
			while (ok && n_chunks < want) {
				if (n_chunks == cap) {
					long nc = cap ? 2 * cap : 256;
					void **p = realloc(chunk, (size_t)nc * sizeof *p);
					if (!p) {
						ok = 0;
						break;
					}
					chunk = p;
					cap = nc;
				}
				void *m = mmap(NULL, (size_t)CHUNK_MB << 20, PROT_READ | PROT_WRITE,
					       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
				if (m == MAP_FAILED) {
					ok = 0;
					break;
				}
				memset(m, 1, (size_t)CHUNK_MB << 20);
				chunk[n_chunks++] = m;
			}
		}
		if (write(fd, &ok, 1) != 1)
			break;
	}
	if (loaded)
		agent_load_stop(&ld);
	_exit(0);
}

int agent_apply_start(const struct agent_apply_opts *o, struct agent_apply **out,
		      struct errbuf *eb)
{
	struct agent_cpuset set;
	int rc;
	if (o->cpus && agent_cpuset_parse(o->cpus, &set) < 0)
		return err_set(eb, ERR_PARSE, "applier: bad CPU list '%s'", o->cpus);
	if (!o->cpus && (rc = agent_affinity_get(&set, eb)) < 0)
		return rc;
	int cpu[AGENT_MAX_CPUS], n = 0;
	for (int i = 0; i < AGENT_MAX_CPUS; i++)
		if (agent_cpuset_has(&set, i))
			cpu[n++] = i;
	/* one applier per process (it loads every CPU): the struct is the module's own */
	static struct agent_apply the_applier;
	struct agent_apply *a = &the_applier;
	int sv[2];
	if (a->pid > 0)
		return err_set(eb, ERR_USAGE, "applier: one is running already");
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return err_set(eb, ERR_IO, "applier: socketpair: %s", strerror(errno));
	pid_t parent = getpid();
	a->pid = fork();
	if (a->pid < 0) {
		close(sv[0]);
		close(sv[1]);
		a->pid = 0;
		return err_set(eb, ERR_IO, "applier: fork: %s", strerror(errno));
	}
	if (a->pid == 0) {
		close(sv[0]);
		child_main(sv[1], parent, cpu, n, o->period_ms > 0 ? o->period_ms : 5.0);
	}
	close(sv[1]);
	a->fd = sv[0];
	a->margin_mb = o->mem_margin_mb;
	*out = a;
	return 0;
}

static int send_cmd(struct agent_apply *a, char op, double v, struct errbuf *eb)
{
	struct cmd c = {op, v};
	char ok = 0;
	if (a->pid <= 0 || write(a->fd, &c, sizeof c) != (ssize_t)sizeof c || read(a->fd, &ok, 1) != 1)
		return err_set(eb, ERR_IO, "applier: its process is gone");
	return ok ? 0 : err_set(eb, ERR_IO, "applier: could not apply %c=%g", op, v);
}

int agent_apply_util(struct agent_apply *a, double util_other, struct errbuf *eb)
{
	if (!(util_other >= 0 && util_other <= 1))
		return err_set(eb, ERR_RANGE, "util_other %g is not in [0, 1]", util_other);
	return send_cmd(a, 'U', util_other, eb);
}

int agent_apply_mem(struct agent_apply *a, double mem_avail_mb, struct errbuf *eb)
{
	double total, avail;
	if (mem_avail_mb < a->margin_mb)
		return err_set(eb, ERR_RANGE,
			       "mem_avail_mb %g is below the margin of %g MB never taken", mem_avail_mb,
			       a->margin_mb);
	if (agent_meminfo(&total, &avail) < 0 || avail < 0)
		return err_set(eb, ERR_IO, "applier: /proc/meminfo has no MemAvailable");
	return send_cmd(a, 'M', avail - mem_avail_mb, eb);
}

int agent_apply_freq(struct agent_apply *a, int cluster, double mhz, char *how, size_t how_len,
		     struct errbuf *eb)
{
	(void)a;
	(void)eb;
	snprintf(how, how_len, "not applied: this applier sets no frequency (cluster %d, %g MHz)",
		 cluster, mhz);
	return 0;
}

void agent_apply_stop(struct agent_apply *a)
{
	if (!a || a->pid <= 0)
		return;
	close(a->fd);
	kill(a->pid, SIGKILL);
	waitpid(a->pid, NULL, 0);
	a->pid = 0;
}

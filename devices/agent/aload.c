/*
 * aload.c: the agent's busy threads (see aload.h).
 */
#include "aload.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "asys.h"

int64_t agent_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void agent_sleep_until(int64_t t_ns)
{
	struct timespec ts = {.tv_sec = (time_t)(t_ns / 1000000000),
			      .tv_nsec = (long)(t_ns % 1000000000)};
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/*
 * Busy for busy_ns of every period, asleep for the rest. The period is found from the
 * clock each time, so a thread that was kept off its CPU resumes in the right phase.
 */
static void *load_main(void *arg)
{
	struct agent_loader *l = arg;
	if (l->cpu >= 0)
		agent_thread_pin(l->cpu);
	while (!atomic_load_explicit(l->stop, memory_order_relaxed)) {
		int64_t t = agent_mono_ns();
		if (t < l->start_ns) {
			agent_sleep_until(l->start_ns);
			continue;
		}
		int64_t t0 = l->start_ns + (t - l->start_ns) / l->period_ns * l->period_ns;
		if (t < t0 + l->busy_ns) {
			int64_t end = t0 + l->busy_ns;
			while (agent_mono_ns() < end &&
			       !atomic_load_explicit(l->stop, memory_order_relaxed))
				;
		} else {
			agent_sleep_until(t0 + l->period_ns);
		}
	}
	return NULL;
}

const char *agent_load_shape_name(enum agent_load_shape shape)
{
	return shape == AGENT_LOAD_PACKED ? "packed" : "spread";
}

int agent_load_shape_parse(const char *s, enum agent_load_shape *out)
{
	if (strcmp(s, "spread") == 0)
		*out = AGENT_LOAD_SPREAD;
	else if (strcmp(s, "packed") == 0)
		*out = AGENT_LOAD_PACKED;
	else
		return -1;
	return 0;
}

int agent_load_shape_opt(const char *value, void *dst, char *why, size_t why_len)
{
	(void)why; /* the option's own words (.takes) say what it takes */
	(void)why_len;
	return agent_load_shape_parse(value, dst) == 0 ? 0 : -1;
}

/* A packed load's whole threads and the duty of the one after them (0: none): d of n CPUs
 * within a millionth of a CPU counts as whole, so that 0.5 of 2 is one CPU exactly. */
static void packed_split(int n_cpus, double d, int *n_whole, double *frac)
{
	double total = d * n_cpus;
	int k = (int)floor(total + 1e-6);
	if (k > n_cpus)
		k = n_cpus;
	double f = total - k;
	*n_whole = k;
	*frac = k < n_cpus && f > 1e-6 ? f : 0;
}

static int start_one(struct agent_load *ld, int cpu, int64_t start, int64_t period,
		     int64_t busy, struct errbuf *eb)
{
	struct agent_loader *l = &ld->l[ld->n];
	*l = (struct agent_loader){.cpu = cpu, .start_ns = start, .period_ns = period,
				   .busy_ns = busy, .stop = &ld->stop};
	int e = pthread_create(&l->th, NULL, load_main, l);
	if (e != 0)
		return err_set(eb, ERR_IO, "cannot start a busy thread: %s", strerror(e));
	l->running = 1;
	ld->n++;
	return 0;
}

int agent_load_start(struct agent_load *ld, const int *cpu, int n_cpus, double d,
		     double period_ms, enum agent_load_shape shape, struct errbuf *eb)
{
	atomic_store(&ld->stop, 0);
	ld->n = 0;
	if (d <= 0)
		return 0;
	int64_t period = llround(period_ms * 1e6);
	int64_t start = agent_mono_ns() + 1000000; /* 1 ms: every thread is up before its first period */
	if (shape == AGENT_LOAD_PACKED && d < 1) {
		int k;
		double f;
		packed_split(n_cpus, d, &k, &f);
		for (int i = 0; i < k; i++)
			if (start_one(ld, cpu[i], start, period, period, eb) < 0)
				return ERR_IO;
		if (f > 0 && start_one(ld, cpu[k], start, period, llround(f * (double)period), eb) < 0)
			return ERR_IO;
		return 0;
	}
	int64_t busy = d >= 1 ? period : llround(d * (double)period);
	for (int i = 0; i < n_cpus; i++)
		if (start_one(ld, cpu[i], start + period * i / n_cpus, period, busy, eb) < 0)
			return ERR_IO;
	return 0;
}

int agent_load_header(FILE *f, enum agent_load_shape shape, int n_cpus, double period_ms,
		      const char *tail)
{
	int ok;
	if (shape == AGENT_LOAD_PACKED)
		ok = fprintf(f, "# load: util_other of the %d CPUs taken as whole CPUs first: "
			     "floor(util_other * %d) busy threads pinned to CPUs in turn, spinning on "
			     "the clock throughout, one more busy for the fraction left of every %g ms "
			     "period and asleep for the rest, the other CPUs free", n_cpus, n_cpus,
			     period_ms) > 0;
	else
		ok = fprintf(f, "# load: one busy thread pinned to each of the %d CPUs, busy "
			     "(spinning on the clock) for util_other of every %g ms period and "
			     "asleep for the rest, thread i starting i/%d of a period after thread 0",
			     n_cpus, period_ms, n_cpus) > 0;
	if (tail)
		ok &= fprintf(f, "; %s", tail) > 0;
	ok &= fprintf(f, "\n# load_shape: %s\n", agent_load_shape_name(shape)) > 0;
	return ok;
}

void agent_load_describe(enum agent_load_shape shape, int n_cpus, double d, double period_ms,
			 char *buf, size_t len)
{
	if (d <= 0) {
		snprintf(buf, len, "no busy threads");
	} else if (shape == AGENT_LOAD_PACKED && d < 1) {
		int k;
		double f;
		packed_split(n_cpus, d, &k, &f);
		int w = k ? snprintf(buf, len, "%d of the %d CPUs busy throughout", k, n_cpus)
			  : snprintf(buf, len, "of the %d CPUs", n_cpus);
		if (f > 0 && w > 0 && (size_t)w < len)
			w += snprintf(buf + w, len - (size_t)w, ", %s busy %.3f ms of every %g ms",
				      k ? "one more" : "one", f * period_ms, period_ms);
		if (k + (f > 0) < n_cpus && w > 0 && (size_t)w < len)
			snprintf(buf + w, len - (size_t)w, ", the others free");
	} else {
		snprintf(buf, len, "one busy thread on each of the %d CPUs, busy %.3f ms of every "
			 "%g ms, phases spread", n_cpus, fmin(d, 1) * period_ms, period_ms);
	}
}

void agent_load_stop(struct agent_load *ld)
{
	atomic_store(&ld->stop, 1);
	for (int i = 0; i < ld->n; i++)
		if (ld->l[i].running) {
			pthread_join(ld->l[i].th, NULL);
			ld->l[i].running = 0;
		}
	ld->n = 0;
}

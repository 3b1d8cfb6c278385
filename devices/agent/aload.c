/*
 * aload.c: the agent's busy threads (see aload.h).
 */
#include "aload.h"

#include <errno.h>
#include <math.h>
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

int agent_load_start(struct agent_load *ld, const int *cpu, int n_cpus, double d,
		     double period_ms, struct errbuf *eb)
{
	atomic_store(&ld->stop, 0);
	ld->n = 0;
	if (d <= 0)
		return 0;
	int64_t period = llround(period_ms * 1e6);
	int64_t busy = d >= 1 ? period : llround(d * (double)period);
	int64_t start = agent_mono_ns() + 1000000; /* 1 ms: every thread is up before its first period */
	for (int i = 0; i < n_cpus; i++) {
		struct agent_loader *l = &ld->l[i];
		*l = (struct agent_loader){.cpu = cpu[i],
				     .start_ns = start + period * i / n_cpus,
				     .period_ns = period,
				     .busy_ns = busy,
				     .stop = &ld->stop};
		int e = pthread_create(&l->th, NULL, load_main, l);
		if (e != 0)
			return err_set(eb, ERR_IO, "cannot start a busy thread: %s", strerror(e));
		l->running = 1;
		ld->n = i + 1;
	}
	return 0;
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

/*
 * bench_main.c: speed of the engine's parts on one core, for `make bench`:
 *   - the event queue alone (push/pop with a steady population, as a run keeps);
 *   - trace parsing (MB/s of a generated trace);
 *   - a whole run: a 24-hour trace at 10 ms with a 30 fps workload under greedy, store
 *     included (one transaction into a fresh database), in events per second;
 *   - the engine under 10 million Poisson requests on a constant trace (static policy);
 *   - memory: the peak resident size of a run over a 1 GB trace (getrusage).
 * Prints one line per measurement. Numbers, not pass/fail: targets are read off by people.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "event.h"
#include "rng.h"
#include "run.h"
#include "store.h"
#include "trace.h"

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void bench_events(void)
{
	struct event_queue q;
	event_queue_init(&q, NULL);
	struct rng r;
	rng_init(&r, 1, "bench");
	const int population = 64;
	const long n = 20000000;
	for (int i = 0; i < population; i++)
		event_push(&q, (int64_t)(rng_u64(&r) % 1000000), 0, i, NULL);
	double t0 = now_s();
	struct event e;
	for (long i = 0; i < n; i++) {
		event_pop(&q, &e);
		event_push(&q, e.t_ns + 1 + (int64_t)(rng_u64(&r) % 1000000), 0, 0, NULL);
	}
	double dt = now_s() - t0;
	printf("engine: %ld events (pop + push, %d pending) in %.3f s: %.1f M events/s\n", n,
	       population, dt, (double)n / dt / 1e6);
	event_queue_free(&q);
}

/* Writes a trace of rows at step_ms, with load and memory changing every row. */
static long write_trace(const char *path, double hours, double step_ms)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(1);
	}
	struct rng r;
	rng_init(&r, 1, "trace");
	fprintf(f, "# max_freq_mhz: 2600\ntime_s,freq_mhz,util_other,mem_avail_mb\n");
	long rows = (long)(hours * 3600 * 1000 / step_ms);
	for (long i = 0; i < rows; i++) {
		double u = rng_uniform(&r);
		fprintf(f, "%.3f,%d,%.3f,%.0f\n", (double)i * step_ms / 1000,
			u < 0.1 ? 1300 : 2600, u, 2000 + 4000 * rng_uniform(&r));
	}
	long size = ftell(f);
	fclose(f);
	return size;
}

static void bench_trace(const char *path, long size)
{
	struct errbuf eb = {0};
	double t0 = now_s();
	struct trace *t = trace_open(path, &eb);
	if (!t) {
		fprintf(stderr, "bench: %s\n", eb.msg);
		exit(1);
	}
	struct trace_row row;
	long rows = 0;
	int rc;
	while ((rc = trace_next(t, &row, &eb)) == 1)
		rows++;
	trace_close(t);
	double dt = now_s() - t0;
	if (rc < 0) {
		fprintf(stderr, "bench: %s\n", eb.msg);
		exit(1);
	}
	printf("trace parsing: %ld rows, %.1f MB in %.3f s: %.1f MB/s, %.2f M rows/s\n", rows,
	       (double)size / 1e6, dt, (double)size / 1e6 / dt, (double)rows / dt / 1e6);
}

static struct run_output *run_or_die(const struct run_config *c)
{
	struct errbuf eb = {0};
	struct run_output *o = NULL;
	if (run_execute(c, &o, &eb) < 0) {
		fprintf(stderr, "bench: %s\n", eb.msg);
		exit(1);
	}
	return o;
}

static void bench_run(const char *path, double hours, const char *timings)
{
	struct run_config c;
	run_config_defaults(&c);
	c.trace = path;
	c.device = "devices/xeon-kvm-2vcpu.ini";
	c.timings = timings;
	c.model = "mobilenet_v1";
	c.policy = "greedy";
	c.deadline_ms = 33;
	char db[] = "/tmp/adascale-bench-db-XXXXXX";
	int fd = mkstemp(db);
	if (fd < 0) {
		perror("mkstemp");
		exit(1);
	}
	close(fd);
	remove(db);
	double t0 = now_s();
	struct run_output *o = run_or_die(&c);
	struct errbuf eb = {0};
	struct store *s = store_open(db, &eb);
	if (!s || store_insert_run(s, &c, o, NULL, &eb) < 0) {
		fprintf(stderr, "bench: %s\n", eb.msg);
		exit(1);
	}
	store_close(s);
	double dt = now_s() - t0;
	printf("whole run (greedy, 30 fps, %.0f h trace at 10 ms, store included): %lld events "
	       "in %.3f s: %.2f M events/s, %.0f simulated s per wall s\n",
	       hours, (long long)o->m.events, dt, (double)o->m.events / dt / 1e6,
	       o->m.sim_s / dt);
	run_output_destroy(o);
	char wal[64];
	remove(db);
	snprintf(wal, sizeof wal, "%s-wal", db);
	remove(wal);
	snprintf(wal, sizeof wal, "%s-shm", db);
	remove(wal);
}

static void bench_poisson(const char *timings)
{
	char path[] = "/tmp/adascale-bench-const-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0 || write(fd, "time_s,util_other\n0,0\n", 22) != 22) {
		perror(path);
		exit(1);
	}
	close(fd);
	struct run_config c;
	run_config_defaults(&c);
	c.trace = path;
	c.device = "devices/xeon-kvm-2vcpu.ini";
	c.timings = timings;
	c.model = "mobilenet_v1";
	c.ops = "width=0.25 res=128 quant=int8";
	c.policy = "static:variant=0,threads=1";
	c.workload = "poisson:rate=1000";
	c.duration_s = 10000; /* 10 million requests on average */
	c.queue_cap = 1000000;
	c.deadline_ms = 1000;
	double t0 = now_s();
	struct run_output *o = run_or_die(&c);
	double dt = now_s() - t0;
	printf("engine (%lld Poisson requests, constant trace, static): %lld events in %.3f s: "
	       "%.2f M events/s\n",
	       (long long)o->m.requests, (long long)o->m.events, dt,
	       (double)o->m.events / dt / 1e6);
	run_output_destroy(o);
	remove(path);
}

/* Replays a trace of about `mb` megabytes and reports the peak resident memory. */
static void bench_memory(double mb, const char *timings)
{
	char path[] = "/tmp/adascale-bench-big-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0) {
		perror("mkstemp");
		exit(1);
	}
	close(fd);
	/* about 25 bytes a row at 10 ms: mb * 1e6 / 25 rows */
	double hours = mb * 1e6 / 25 * 0.01 / 3600;
	long size = write_trace(path, hours, 10);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	long before_kb = ru.ru_maxrss;
	struct run_config c;
	run_config_defaults(&c);
	c.trace = path;
	c.device = "devices/xeon-kvm-2vcpu.ini";
	c.timings = timings;
	c.model = "mobilenet_v1";
	c.policy = "greedy";
	c.deadline_ms = 33;
	double t0 = now_s();
	struct run_output *o = run_or_die(&c);
	double dt = now_s() - t0;
	getrusage(RUSAGE_SELF, &ru);
	printf("memory: a %.0f MB trace (%.1f days at 10 ms) replayed in %.1f s; peak resident "
	       "size of this whole benchmark process %.1f MB (%.1f MB before this run)\n",
	       (double)size / 1e6, o->m.sim_s / 86400, dt, (double)ru.ru_maxrss / 1024,
	       (double)before_kb / 1024);
	run_output_destroy(o);
	remove(path);
}

int main(int argc, char **argv)
{
	const char *timings = argc > 1 ? argv[1] : "devices/xeon-kvm-2vcpu/timings.csv";
	double hours = argc > 2 ? atof(argv[2]) : 24;
	double big_mb = argc > 3 ? atof(argv[3]) : 1000;
	char path[] = "/tmp/adascale-bench-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0) {
		perror("mkstemp");
		return 1;
	}
	bench_events();
	long size = write_trace(path, hours, 10);
	bench_trace(path, size);
	bench_run(path, hours, timings);
	remove(path);
	bench_poisson(timings);
	if (big_mb > 0)
		bench_memory(big_mb, timings);
	return 0;
}

/*
 * workload.h: the request arrivals of a run, as `adascale run --workload` writes them:
 *
 *   periodic:fps=F     frame k arrives at round(k / F) s (k from 0), each after the last
 *   poisson:rate=R     the first at 0, then gaps drawn exponential with mean 1 / R s from
 *                      the caller's rng stream ("arrivals"), rounded to ns, at least 1 ns
 *   file:PATH          a CSV with time_s (seconds, non-decreasing: one request each) and an
 *                      optional deadline_ms (that request's deadline; empty: the run's)
 *
 * Each takes ,service=det|exp|meas (how an inference's work is drawn, meas by default; for
 * a file, at the end of the string: file:PATH,service=det). The
 * simulator (sim/run.c) and the real serving loop (runtime/serve.c) both draw arrivals here,
 * so that one seed gives both the same arrival times. Also the grammar of a deadline
 * (milliseconds or auto:F). Not for queues, deadlines' resolution or service times.
 */
#ifndef ADASCALE_WORKLOAD_H
#define ADASCALE_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "rng.h"

enum { WORKLOAD_PERIODIC, WORKLOAD_POISSON, WORKLOAD_FILE };
enum { WORKLOAD_SERVICE_DET, WORKLOAD_SERVICE_EXP, WORKLOAD_SERVICE_MEAS };

struct workload_spec {
	int kind;          /* WORKLOAD_* */
	double rate_hz;    /* fps or rate; 0 for a file */
	int service;       /* WORKLOAD_SERVICE_* (meas unless the string says) */
	int service_given; /* 1: the string names the service; 0: the default */
	const char *path;  /* a file's path (points to file below), else NULL */
	char file[4096];   /* a file's path, without a ,service= suffix */
};

/* Parses a workload string: 0, or ERR_USAGE saying what the grammar is. */
int workload_parse(const char *w, struct workload_spec *p, struct errbuf *eb);

/* The time (ns) of periodic frame k (k >= 1) after the frame at prev_ns. */
static inline int64_t workload_periodic_ns(int64_t k, double fps, int64_t prev_ns);
/* The next Poisson arrival after one at prev_ns, drawing its gap from r. */
static inline int64_t workload_poisson_next_ns(struct rng *r, double rate_hz, int64_t prev_ns);

/* A file workload, streamed. */
struct workload_file;
/* Opens and checks the header (time_s required, deadline_ms optional, nothing else). */
struct workload_file *workload_file_open(const char *path, struct errbuf *eb);
/*
 * The next request: 1 with *t_ns and *deadline_ns (default_deadline_ms where the row has
 * none), 0 at the end, or a negative code naming file:line (time before prev_ns, a bad
 * number or deadline).
 */
int workload_file_next(struct workload_file *f, int64_t prev_ns, double default_deadline_ms,
		       int64_t *t_ns, int64_t *deadline_ns, struct errbuf *eb);
/* Accepts NULL. */
void workload_file_close(struct workload_file *f);

/*
 * A deadline as written on the command line or in a sweep file: milliseconds in (0, 1e9], or
 * auto:F with F a number in (0, 1000]. Sets *deadline_ms (0 for auto) and *deadline_auto (0
 * for a number). 0, or -1 with the reason in why.
 */
int workload_deadline_parse(const char *text, double *deadline_ms, double *deadline_auto,
			    char *why, size_t why_len);

/* ---- inline ---- */

#include <math.h>

static inline int64_t workload_periodic_ns(int64_t k, double fps, int64_t prev_ns)
{
	/* the k-th frame at round(k / fps): no drift from a rounded period */
	int64_t t = llround((double)k * 1e9 / fps);
	return t <= prev_ns ? prev_ns + 1 : t;
}

static inline int64_t workload_poisson_next_ns(struct rng *r, double rate_hz, int64_t prev_ns)
{
	int64_t gap = llround(rng_exp(r, 1e9 / rate_hz));
	return prev_ns + (gap < 1 ? 1 : gap);
}

#endif

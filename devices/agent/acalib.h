/*
 * acalib.h: `adascale-agent calibrate`: how much competing load slows whole inference passes
 * on this device, measured. For each thread count and each load level, the agent times
 * whole passes (arun.h) of a model spec or of every pass of a pass list while its own busy
 * threads load the CPUs, and writes the distribution of each pass's slowdown against the
 * idle median of that pass at that thread count, as quantiles (the calibration format of
 * docs/formats.md, read by devices/calib.h).
 *
 * The load (aload.h), spread by default: one busy thread pinned to each CPU the agent may
 * use. At load level d each runs a period of period_ms: busy (a spin on the monotonic clock)
 * for d * period_ms, then asleep until the period ends (clock_nanosleep to an absolute time,
 * so periods do not drift); thread i starts its periods i / n_cpus of a period after thread
 * 0, so the busy parts are spread over the period. Level d therefore takes a share d of
 * every CPU: the `util_other` a trace recorded meanwhile would show. Packed takes the same
 * share as whole CPUs first. Level 0 runs no busy thread; level 1 spins all the time. The
 * busy threads run at the agent's own priority. The shape is in the file's header
 * (`# load_shape:`), since a device's calibration holds for the shape it was measured in.
 *
 * With gap_ms > 0 the caller idles that long before each timed pass (the load running on),
 * as a server idles between requests, so that the slowdowns are those of a pass served at
 * that cadence beside the load rather than back to back; the file's `# gap_ms:` says which
 * (0: back to back).
 *
 * The passes of a cell are timed with the agent's stopping rule and warm-up (ameasure.h)
 * with more runs than profile asks for, since the tails matter here. Not for kernels alone
 * (aprofile.h) or for reading the calibration (devices/calib.h).
 */
#ifndef ADASCALE_AGENT_CALIB_H
#define ADASCALE_AGENT_CALIB_H

#include <stdint.h>

#include "aload.h"
#include "ameasure.h"
#include "err.h"
#include "kshape.h"

#define AGENT_CALIB_MAX_THREADS 16
#define AGENT_CALIB_MAX_LOADS 32
#define AGENT_CALIB_MAX_PASSES 16 /* what the harness reads, CALIB_MAX_PASSES (calib.h) */

struct agent_calib_opts {
	const char *spec;        /* a model spec or a pass list */
	const char *backend;     /* "auto", "openblas", "xnnpack" */
	enum dtype dtype;        /* for specs without a dtype column */
	int n_threads;           /* 0: 1 .. the CPUs the agent may use */
	int threads[AGENT_CALIB_MAX_THREADS];
	int n_loads;
	double loads[AGENT_CALIB_MAX_LOADS]; /* ascending, 0 first */
	double period_ms;        /* a busy thread's busy + asleep period */
	enum agent_load_shape shape; /* spread (the default) or packed */
	double gap_ms;           /* idle before each timed pass, as a server between requests;
				    0: back to back (the default) */
	int n_quantiles;         /* levels 0, 1/(n-1), ..., 1 */
	const char *cpus;        /* NULL: as inherited */
	struct agent_measure_opts m;
	uint64_t seed;
	const char *command;     /* the command line, for the metadata (may be NULL) */
	int progress;            /* a line per cell on stderr */
};

/*
 * Defaults: the zoo's MobileNet V1 (models/zoo/mobilenet_v1.csv, or the installed one),
 * auto, fp32, threads 1 .. CPUs, loads 0,0.25,0.5,0.75,1, a 5 ms period, 101 quantiles,
 * measure defaults with 3 warm-up runs and 50 ms, 500..5000 runs and 30 s per cell, seed 1.
 */
void agent_calib_defaults(struct agent_calib_opts *o);
/* Splits a comma list like 0,0.5,1 into numbers: *n of them, at most max; what names the
 * option in errors. */
int agent_list_parse(const char *s, const char *what, double *x, int max, int *n,
		     struct errbuf *eb);
/* A list of agent_list_parse's that starts at 0 (why0 says why, in errors) and ascends
 * strictly up to hi: what cadence's --gaps and --loads and calibrate's --loads take. */
int agent_list_parse_from0(const char *s, const char *what, const char *why0, double hi,
			   double *x, int max, int *n, struct errbuf *eb);
/* Parses a list like 1,2,4 (threads) into o. */
int agent_calib_parse_threads(const char *s, struct agent_calib_opts *o, struct errbuf *eb);
/* Parses a list like 0,0.5,1 (load levels in [0, 1], ascending, 0 first) into o. */
int agent_calib_parse_loads(const char *s, struct agent_calib_opts *o, struct errbuf *eb);

/* Calibrates into out_path (NULL or "-": stdout), whole or not at all (afile.h). */
int agent_calib(const struct agent_calib_opts *o, const char *out_path, struct errbuf *eb);

#define AGENT_CALIB_HEADER "threads,pass,pass_ms,util_other,quantile,slowdown,passes"

#endif

/*
 * acadence.h: `adascale-agent cadence`: what the idle gap before a pass costs. A runtime
 * serving a camera at 10 fps runs a pass, then leaves its threads idle about 90 ms until
 * the next request; the profile and the calibration time passes back to back and never
 * see what waking them costs (on a virtual machine, a halted vCPU; on a phone, an idle
 * state and a frequency that fell). For each thread count and each pass of a pass list,
 * the agent times passes after each gap given, in rounds (one pass after every gap per
 * round, so that a drift of the machine reaches every gap alike), and writes, per thread
 * count, pass, competing load and gap, the quantiles of the pass's slowdown against its
 * back-to-back median (gap 0) at the same load, each pass in cells of its own with its idle
 * back-to-back median as its length (pass, pass_ms: a short pass and a long one lose
 * different shares of their time to the same wake or the same lost scheduler slice, so the
 * simulator looks an inference up by its length, as a calibration per pass): a cadence CSV
 * (docs/formats.md), in the calibration's format with a gap_ms column beside util_other,
 * read by cadence_load (devices/calib.h). The load is calibrate's (aload.h), in its shape,
 * running while its level's passes are timed; under load a core is kept awake, and the gap
 * may cost less than when the machine idles.
 *
 * A pass is timed as adascale-agent serve runs one: the calling thread sleeps the gap,
 * takes the time and wakes an inference thread waiting on a condition variable, which runs
 * the pass (agent_pass_run) and takes the time again; the sample is the difference, so the
 * wake of the inference thread is in it as it is in a served request's latency. Gap 0 is
 * the pass started as soon as the one before ended: the back-to-back time. Not for load
 * (acalib.h) or for building variants (arun.h).
 */
#ifndef ADASCALE_AGENT_CADENCE_H
#define ADASCALE_AGENT_CADENCE_H

#include <stdint.h>

#include "aload.h"
#include "err.h"
#include "kshape.h"

#define AGENT_CADENCE_MAX_THREADS 16
#define AGENT_CADENCE_MAX_GAPS 32
#define AGENT_CADENCE_MAX_LOADS 16

struct agent_cadence_opts {
	const char *spec;     /* a pass list (or one model spec) */
	const char *backend;  /* "auto", "openblas", "xnnpack" */
	enum dtype dtype;     /* for specs without a dtype column */
	int n_threads;        /* 0: 1 .. the CPUs the agent may use */
	int threads[AGENT_CADENCE_MAX_THREADS];
	int n_gaps;
	double gaps_ms[AGENT_CADENCE_MAX_GAPS]; /* ascending, 0 first */
	int n_loads;
	double loads[AGENT_CADENCE_MAX_LOADS];  /* util_other levels, ascending, 0 first */
	double period_ms;     /* a busy thread's busy + asleep period */
	enum agent_load_shape shape; /* spread (the default) or packed (aload.h) */
	int rounds;           /* passes timed after each gap */
	int warmup;           /* passes run back to back before the rounds */
	int n_quantiles;      /* levels 0, 1/(n-1), ..., 1 */
	uint64_t seed;
	const char *command;  /* the command line, for the metadata (may be NULL) */
	int progress;         /* a line per cell on stderr */
};

/*
 * Defaults: the zoo's MobileNet V1, auto, fp32, threads 1 .. CPUs, gaps
 * 0,2,5,10,20,50,100,200,500 ms, load 0 only (a 5 ms period when loads are given), 40
 * rounds, 5 warm-up passes, 21 quantiles, seed 1.
 */
void agent_cadence_defaults(struct agent_cadence_opts *o);
/* Parses a list like 0,10,100 (gaps in ms, ascending, 0 first) into o. */
int agent_cadence_parse_gaps(const char *s, struct agent_cadence_opts *o, struct errbuf *eb);
/* Parses a list like 0,0.5,0.9 (util_other levels in 0..1, ascending, 0 first) into o. */
int agent_cadence_parse_loads(const char *s, struct agent_cadence_opts *o, struct errbuf *eb);

/* Measures into out_path (NULL or "-": stdout), whole or not at all (afile.h). */
int agent_cadence(const struct agent_cadence_opts *o, const char *out_path, struct errbuf *eb);

#define AGENT_CADENCE_HEADER "threads,pass,pass_ms,util_other,gap_ms,quantile,slowdown,passes"

#endif

/*
 * asense.h: the sense verb: how a policy on this machine senses the state. For each sampling
 * period it makes load steps (every CPU idle, then every CPU busy, at a phase of the
 * sampling clock that moves from step to step), reads /proc/stat once a period as a
 * governor or an app would, and finds how much later than a windowed average of the true
 * load the readings follow the step (the delay), and their spread at steady idle and steady
 * load (the noise); it says whether the cpufreq files can be read at all. Writes a CSV whose
 * row gives a device file's [sensing] (docs/agent.md). Not for the load itself (aload.h).
 */
#ifndef ADASCALE_ASENSE_H
#define ADASCALE_ASENSE_H

#include "err.h"

#define AGENT_SENSE_MAX_PERIODS 8

struct agent_sense_opts {
	int n_periods;
	double periods_ms[AGENT_SENSE_MAX_PERIODS];
	int steps;                /* load steps per period */
	const char *command;      /* the command line, for the metadata (may be NULL) */
	int progress;             /* a line per period on stderr */
};

/* Defaults: periods 20, 50 and 100 ms, 8 steps each. */
void agent_sense_defaults(struct agent_sense_opts *o);
/* Parses a list of periods in ms like 20,50,100 into o. */
int agent_sense_parse_periods(const char *s, struct agent_sense_opts *o, struct errbuf *eb);
/* Measures and writes the CSV to out_path (stdout when NULL), whole or not at all. */
int agent_sense(const struct agent_sense_opts *o, const char *out_path, struct errbuf *eb);

#endif

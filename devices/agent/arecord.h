/*
 * arecord.h: `adascale-agent record`: sample the device state every interval into a trace
 * CSV (the trace format of traces/trace.h): time_s from 0 on CLOCK_MONOTONIC, then the
 * columns this machine can give: freq_mhz (freq_mhz.N per cluster when there are several),
 * online.N, util_other, mem_avail_mb, battery_pct, charging, temp_c. Sources it lacks are
 * left out and named in "# note:" lines.
 *
 * A row at time t describes the interval [t, t + interval): util_other is measured over it
 * (so the first row is written one interval after the start); the instantaneous values are
 * read at t. Rows are written whole and flushed one by one, so an interrupted recording
 * ends on a complete row. Not for reading or checking traces (traces/).
 */
#ifndef ADASCALE_AGENT_RECORD_H
#define ADASCALE_AGENT_RECORD_H

#include "err.h"

struct agent_record_opts {
	int interval_ms;    /* 500 by default */
	double duration_s;  /* 0: until SIGINT or SIGTERM */
	int handle_signals; /* 1: SIGINT and SIGTERM end the recording after the last full row */
};

void agent_record_defaults(struct agent_record_opts *o);

/*
 * Records into out_path (NULL or "-": stdout), row by row: not an afile.h output, so that
 * a recording cut short keeps the rows it has.
 */
int agent_record(const struct agent_record_opts *o, const char *out_path, struct errbuf *eb);

/*
 * The share of all CPU time over an interval used by other processes: from two readings of
 * /proc/stat's busy and total ticks and of this process's own ticks (utime + stime).
 * Clamped to [0, 1]; -1 when total did not move.
 */
double agent_util_other(unsigned long long busy0, unsigned long long total0,
			unsigned long long self0, unsigned long long busy1,
			unsigned long long total1, unsigned long long self1);

/* The counters agent_util_other reads, read at one moment. */
struct agent_cpu_ticks {
	unsigned long long busy, total; /* /proc/stat's aggregate line */
	unsigned long long self;        /* this process's utime + stime, every thread */
};

/* Reads them: 0, or -1 when /proc/stat or /proc/self/stat cannot be read. */
int agent_cpu_ticks_read(struct agent_cpu_ticks *t);

#endif

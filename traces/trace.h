/*
 * trace.h: reading device-state traces (the CSV files in traces/), one row at a time.
 *
 * A trace is `time_s` (seconds, non-decreasing) plus any of: freq_mhz (all clusters) or
 * freq_mhz.N (cluster N), online.N (online cores of cluster N), util_other (0..1, CPU share
 * taken by other processes), util_other.N (0..1, their share of cluster N's cores, where it
 * differs from util_other), mem_avail_mb, battery_pct (0..100), temp_c, charging (0/1),
 * ambient_c (the air around the device: the closed loop's input, docs/physics.md).
 * An empty field means "unchanged"; values hold until the next row that sets them.
 * Metadata `# max_freq_mhz: X` (or max_freq_mhz.N) gives the recording device's maximum
 * frequency, so a trace replays on another device as a fraction of its maximum.
 *
 * The reader streams: memory does not grow with the trace. It validates as it goes (units,
 * ranges, time order) and names file:line:column on any problem. Not for generating or
 * converting traces, nor for applying a row to a device (sim/run.c does that).
 */
#ifndef ADASCALE_TRACE_H
#define ADASCALE_TRACE_H

#include <stdint.h>

#include "err.h"

#define TRACE_MAX_CLUSTERS 8

/* Bits of trace_row.set and of trace_columns(). */
enum {
	TRACE_FREQ0 = 1u << 0,   /* freq of cluster N is bit N */
	TRACE_ONLINE0 = 1u << 8, /* online cores of cluster N is bit 8 + N */
	TRACE_UTIL = 1u << 16,
	TRACE_MEM = 1u << 17,
	TRACE_BATTERY = 1u << 18,
	TRACE_TEMP = 1u << 19,
	TRACE_CHARGING = 1u << 20,
	TRACE_AMBIENT = 1u << 21,
	TRACE_UTIL0 = 1u << 22,  /* util_other of cluster N is bit 22 + N */
};

struct trace_row {
	int64_t t_ns;
	uint32_t set; /* which of the fields below this row sets */
	double freq_mhz[TRACE_MAX_CLUSTERS];
	int online[TRACE_MAX_CLUSTERS];
	double util_other;
	double util_cluster[TRACE_MAX_CLUSTERS]; /* util_other.N, where set */
	double mem_avail_mb;
	double battery_pct;
	double temp_c;
	int charging;
	double ambient_c; /* the air around the device, degC (the closed loop's input) */
};

struct trace;

/* Opens a trace and checks its header; NULL on failure (detail in eb). */
struct trace *trace_open(const char *path, struct errbuf *eb);
/*
 * The same, hashing the file as it is read (csvin_open_hashed): after the rows the caller
 * wants, trace_hash_rest reads the rest into h, which then holds the whole file's hash.
 */
struct sha256;
struct trace *trace_open_hashed(const char *path, struct sha256 *h, struct errbuf *eb);
int trace_hash_rest(struct trace *t, struct errbuf *eb);
void trace_close(struct trace *t);

/* Reads the next row: 1, 0 at the end, or a negative code with file:line detail. */
int trace_next(struct trace *t, struct trace_row *row, struct errbuf *eb);

const char *trace_path(const struct trace *t);
/* Which columns the trace has (TRACE_* bits). */
uint32_t trace_columns(const struct trace *t);
/* The recording device's maximum frequency of a cluster from the metadata, or 0. */
double trace_max_freq_mhz(const struct trace *t, int cluster);
/* A metadata value, or NULL. */
const char *trace_meta(const struct trace *t, const char *key);

#endif

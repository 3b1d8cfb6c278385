/*
 * timport.h: `adascale trace import`: real recordings converted into the trace format,
 * with where they came from kept in the metadata: `# source:` (the input's own source
 * line, or --source), `# licence:` (--licence, else what the input states), `# imported_by:`
 * (the import command, output options left out, so importing again gives the same bytes),
 * `# source_sha256:` (of the input file) and `# note:` (--note, e.g. where a stated maximum
 * frequency comes from).
 *
 * Formats:
 *   stressberry  the stressberry thermal recordings as one CSV (file, board, cooling,
 *                time_s, temperature_c, cpu_freq_mhz): one trace per recording, named by
 *                recording id, with time_s, temp_c and freq_mhz copied as written (the
 *                text of every value is kept, so nothing is rounded).
 *   ftrace       `trace-cmd report` text, or the CSV export of such events (time_s, event,
 *                name, value1, value2): cpu_frequency and cpu_load give freq_mhz.N per
 *                cluster (--clusters), cpu_load gives util_other, thermal_temperature gives
 *                temp_c (docs/traces.md says exactly which fields).
 *   agent        a recording by `adascale-agent record` (already a trace): checked as
 *                `trace check` does, rows copied as written, metadata normalised.
 *
 * Every output is checked before it is made visible, and all outputs of one import appear
 * together or not at all. Each format is an importer of its own (import_*.c) in the table
 * that timport_run dispatches through. Not for generating traces (tgen.h) nor for reading
 * them (trace.h).
 */
#ifndef ADASCALE_TIMPORT_H
#define ADASCALE_TIMPORT_H

#include <stdio.h>

#include "err.h"
#include "iopts.h"

#define TIMPORT_MAX_CPUS 256

void timport_opts_default(struct timport_opts *o);

/* The formats, for messages and help: "stressberry, ftrace, agent". */
const char *timport_formats(void);

/*
 * The formats one by one, for --help: i from 0 to timport_n_formats() - 1 in the order of
 * timport_formats(); name is what --from takes, summary one line. NULL for any other i.
 */
int timport_n_formats(void);
const char *timport_format_name(int i);
const char *timport_format_summary(int i);

/*
 * Imports o->in. With log non-NULL, one line per trace written ("wrote PATH: N rows") and
 * any warnings go there. On failure nothing is written and eb has "file:line: problem".
 */
int timport_run(const struct timport_opts *o, FILE *log, struct errbuf *eb);

#endif

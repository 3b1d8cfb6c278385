/*
 * iopts.h: the options of one `trace import` (timport.h), in a header of their own so that
 * the stage every importer writes through (istage.h) reads them without depending on the
 * table of importers. Only the struct: timport_opts_default is timport.h's.
 */
#ifndef ADASCALE_IOPTS_H
#define ADASCALE_IOPTS_H

struct timport_opts {
	const char *format;    /* "stressberry", "ftrace" or "agent" */
	const char *in;        /* the input file */
	const char *out;       /* -o FILE; NULL or "-": standard output */
	const char *out_dir;   /* --out-dir DIR (made when missing): one file per trace */
	const char *source;    /* --source: replaces the input's own source line */
	const char *licence;   /* --licence: replaces what the input states */
	const char *note;      /* --note: written as `# note:` after the provenance */
	const char *recording; /* stressberry: only this recording (id, with or without .dat) */
	const char *clusters;  /* ftrace: CPUs of each cluster, "0-3,4-7"; NULL: one cluster */
	const char *max_freq;  /* ftrace: each cluster's maximum in MHz, "1400,2000" */
	const char *zone;      /* ftrace: thermal zone for temp_c; NULL: the first one seen */
	int interval_ms;       /* ftrace: 0 writes a row per change, N > 0 samples every N ms */
};

#endif

/*
 * testutil.h: small helpers shared by the Criterion suites: a scratch folder per process,
 * writing fixture files into it, running the built binaries, and a variant's profiled time.
 */
#ifndef ADASCALE_TESTUTIL_H
#define ADASCALE_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

struct model;
struct run_output;
struct timings;
struct variant_set;

/* A fresh folder under /tmp (made once per process); the string is static. */
const char *tu_dir(void);
/* The folder of the binaries under test: $ADASCALE_BUILD (the Makefile sets it), else build. */
const char *tu_bin(void);
/* The path tu_dir()/name, nothing written (static buffer, rotates 8 slots). */
const char *tu_scratch(const char *name);
/* Writes content to tu_dir()/name and returns the path (static buffer, rotates 8 slots). */
const char *tu_write(const char *name, const char *content);
/* A pass list of two tiny passes, "small" and "big" (four times small's channels), written
 * into the scratch folder as name; its path. */
const char *tu_two_passes(const char *name);
/* Runs a shell command; returns its exit status, stdout+stderr into out (NUL-terminated). */
int tu_run(const char *cmd, char *out, size_t out_len);
/*
 * Runs tu_bin()/adascale with the arguments printf would make of fmt; like tu_run, its
 * exit status, stdout+stderr into out.
 */
int tu_adascale(char *out, size_t out_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* 1 when haystack contains needle. */
int tu_has(const char *haystack, const char *needle);
/* MemAvailable of /proc/meminfo in MB, read now (-1 when there is none). */
double tu_mem_avail_mb(void);
/*
 * The reference time (ms) of MobileNet V1's variant ops (e.g. "width=0.25 res=128
 * quant=fp32") at threads threads in the timings file timings: the test's expected scale.
 */
double tu_variant_ms(const char *timings, const char *ops, int threads);
/*
 * MobileNet V1's variant ops with the timings file timings, loaded for a test (it stops on
 * a load error); tu_variant_close frees what tu_variant_open loaded.
 */
struct tu_variant {
	struct model *m;
	struct variant_set *vs;
	struct timings *t;
	struct model *spec; /* the variant's layers: vs->v[0].spec */
};
void tu_variant_open(struct tu_variant *v, const char *timings, const char *ops);
void tu_variant_close(struct tu_variant *v);
/*
 * tests/data/dvfs2.ini's text with device_lines (e.g. "cadence = c.csv\n") first under
 * [device], written as name in the scratch folder (files it names are looked up there).
 */
const char *tu_dvfs2_with(const char *name, const char *device_lines);

/* One MobileNet V1 variant run alone (tu_lone_run). */
struct tu_lone {
	const char *device, *timings, *ops; /* ops: one variant, e.g. "width=0.25 res=128" */
	const char *service;                /* the workload's service=, e.g. "det" */
	double util;                        /* the constant trace's util_other */
	double fps, duration_s;
	uint64_t seed;
};
/*
 * Runs l's variant alone at one thread (static:variant=0,threads=1), fps frames a second
 * for duration_s on a constant trace at load util, deadline 1e6 ms; asserts that the run
 * succeeded and served every frame. The caller destroys the output.
 */
struct run_output *tu_lone_run(const struct tu_lone *l);

/* Criterion timeouts are written `.timeout = 60 * TU_SLOW`: `make valgrind` builds with
   -DTU_SLOW=20, since memcheck runs code 20 to 50 times slower. */
#ifndef TU_SLOW
#define TU_SLOW 1
#endif

#endif

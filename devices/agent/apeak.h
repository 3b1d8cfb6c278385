/*
 * apeak.h: a cluster's fp32 peak and clock, measured (`adascale-agent info` writes them as a
 * device's peak_gflops, peak_gflops_all and clock_mhz). The peak is what independent chains
 * of fused multiply-adds of the widest vector the core offers reach: with more chains than
 * the FMA latency times the FMA pipes, nothing waits, so the rate is the core's issue limit.
 * The clock is what a dependent chain of integer adds reaches: each waits for the one before,
 * and an integer add takes one cycle on every core this runs on (x86-64 since the Pentium
 * Pro; Arm Cortex-A since the A53), so adds per second are cycles per second. A virtual
 * machine's /proc/cpuinfo gives its host's nominal frequency, not the clock its cores run
 * at; this does not ask it. Not for kernel timings (aprofile.h).
 */
#ifndef ADASCALE_AGENT_PEAK_H
#define ADASCALE_AGENT_PEAK_H

#include "asys.h"
#include "err.h"

struct agent_peak {
	const char *isa;        /* the FMA the chains used: "avx512f", "avx2 fma", "neon" */
	int width;              /* fp32 lanes per FMA */
	double gflops_one;      /* one core alone: the best of the repeats, GFLOP/s */
	double gflops_all;      /* every CPU of the set at once: their sum, GFLOP/s */
	double clock_mhz;       /* one core alone, from the dependent adds */
	int n_cpus;             /* the CPUs of the set */
	int repeats;
};

/*
 * Measures the CPUs of cpus (one alone, the first; then all of them at once, one thread
 * pinned to each). Returns 0, or a negative code with a message in eb (no FMA the build
 * knows, a thread that could not start).
 */
int agent_peak_measure(const struct agent_cpuset *cpus, struct agent_peak *p,
		       struct errbuf *eb);

#endif

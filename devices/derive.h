/*
 * derive.h: kernel timings for a device that has not been profiled, derived from another
 * device's measured timings by a roofline rule. For each kernel at T threads:
 *
 *   peak(d)   = d's big cluster's fp32 FLOP/s with min(T, cores) cores busy: from its
 *               peak_gflops (one core) and peak_gflops_all (every core), linear in the busy
 *               cores between them, where the device gives them (measured by
 *               adascale-agent info, or sourced); otherwise cores x frequency x
 *               flops_per_cycle
 *   intensity = 2 x MACs / (input + output + weight bytes)                       (FLOP/byte)
 *   a kernel is compute-bound when intensity >= peak(source) / bandwidth(source), and then
 *   t(target) = t(source) x peak(source) / peak(target); otherwise it is memory-bound and
 *   t(target) = t(source) x bandwidth(source) / bandwidth(target).
 *
 * A measured peak is the clock the cores really ran at times what they issue per cycle; a
 * virtual machine's nominal frequency is neither, which is why a measured source should give
 * one. Thread counts the source did not measure, up to the target's big-cluster cores, are
 * scaled from the source's highest (M) by Amdahl's law, t(T) = t(M) x a(T) / a(M) x
 * (peak(target, M) / M) / (peak(target, T) / T), with a(T) = s + (1 - s) / T and s the
 * kernel's own serial fraction, from its 1- and M-thread times (clamped to [0, 1]); a kernel
 * without both takes its op type's, the median over the op's kernels, which the output
 * states.
 *
 * The frequency of the source is the timings' freq_ref_mhz (where they were measured), of the
 * target its big cluster's highest operating point. When either device gives no mem_bw_gbps,
 * every kernel is scaled by the compute ratio, and the output says so. An int8 kernel, where
 * the target cluster gives int8_ops_per_cycle (with flops_per_cycle) and the source has its
 * fp32 twin (the same shape in fp32), takes the twin's derived time x flops_per_cycle /
 * int8_ops_per_cycle: the target core's own int8 rate (the dot-product instructions where it
 * has them), not the source's int8 kernels scaled by the fp32 ratio; otherwise, and for fp16,
 * the fp32 ratios. The output is a
 * timings file whose metadata says `# derived_from:` and the rule, so every run that uses it
 * is stored and shown as derived. Not for measuring (devices/agent/).
 */
#ifndef ADASCALE_DERIVE_H
#define ADASCALE_DERIVE_H

#include <stdio.h>

#include "device.h"
#include "kshape.h"
#include "err.h"
#include "timings.h"

struct derive_stats {
	int n_rows;
	int n_scaled;           /* rows at thread counts past the source's, by thread scaling */
	double serial[KOP_N];   /* each op type's fitted serial fraction (NAN: no kernel) */
	int n_fit[KOP_N];       /* the kernels each was fitted on */
	int n_compute_bound, n_memory_bound;
	double compute_ratio;   /* t(target) / t(source) for compute-bound kernels at 1 thread */
	double memory_ratio;    /* the same for memory-bound kernels, 0 without bandwidths */
	int n_int8;             /* int8 rows by the int8 rule (their fp32 twin at the int8 rate) */
	int n_int8_fp32_ratio;  /* int8 rows without an fp32 twin: the fp32 ratio */
};

/*
 * Writes the derived timings of t (measured on src's big cluster) for cluster dst_cluster of
 * dst (-1: its big cluster) to out. The target cluster's peak and cores take the place of
 * the big cluster's in the rule above, and its highest operating point is the output's
 * freq_ref_mhz; a device names the result as that cluster's timings ([cluster.N] timings).
 */
int derive_timings(const struct device *src, const struct timings *t, const struct device *dst,
		   int dst_cluster, FILE *out, struct derive_stats *st, struct errbuf *eb);

#endif

/*
 * derive.c: the roofline rule and the thread scaling of derive.h. Not for where the output goes (`adascale
 * derive`, cmd/derive.c, writes it whole or not at all).
 */
#include "derive.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kshape.h"

/*
 * Peak fp32 FLOP/s of d's big cluster with T threads (at most its cores busy): from its
 * peak_gflops (one core) and peak_gflops_all (every core) where given, linear in the busy
 * cores between them, at the frequency they were measured or sourced at; otherwise cores x
 * f_mhz x flops_per_cycle. 0 when unknown.
 */
static double peak_on(const struct device *d, int cl, int threads, double f_mhz)
{
	const struct cluster *c = &d->clusters[cl];
	int cores = threads < c->cores ? threads : c->cores;
	if (c->peak_gflops > 0) {
		double all = c->peak_gflops_all > 0 ? c->peak_gflops_all : c->peak_gflops * c->cores;
		double per = c->cores > 1 ? (all - c->peak_gflops) / (c->cores - 1) : 0;
		return (c->peak_gflops + (cores - 1) * per) * 1e9;
	}
	return cores * f_mhz * 1e6 * c->flops_per_cycle;
}

/* The same on d's big cluster (the source's). */
static double peak(const struct device *d, int threads, double f_mhz)
{
	return peak_on(d, device_big_cluster(d), threads, f_mhz);
}

/* Where cluster cl of d's peak comes from, for the derive_rule line. */
static const char *peak_says(const struct device *d, int cl)
{
	const struct cluster *c = &d->clusters[cl];
	return c->peak_gflops > 0 ? "peak_gflops and peak_gflops_all"
				  : "cores x MHz x flops_per_cycle";
}

static int need_fpc(const struct device *d, int big, struct errbuf *eb)
{
	if (d->clusters[big].flops_per_cycle <= 0 && d->clusters[big].peak_gflops <= 0)
		return err_set(eb, ERR_PARSE,
			       "%s: [cluster.%d] gives neither peak_gflops nor flops_per_cycle, one "
			       "of which the roofline rule needs (the measured or sourced fp32 peak "
			       "of a core, or its FLOPs per cycle, with the source)",
			       d->path, big);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The most threads the timings measure (M). */
static int max_threads(const struct timings *t)
{
	int m = 1;
	for (int i = 0; i < t->n; i++)
		if (t->t[i].threads > m)
			m = t->t[i].threads;
	return m;
}

/* The row of kernel k at T threads, or -1. */
static int row_of(const struct timings *t, const struct kshape *k, int threads)
{
	for (int i = 0; i < t->n; i++)
		if (t->t[i].threads == threads && kshape_cmp(&t->t[i].k, k) == 0)
			return i;
	return -1;
}

/*
 * The serial fraction s of each op type (Amdahl: t(T) = t(1) x (s + (1 - s) / T)), from the
 * kernels measured at 1 and M threads: per kernel s = (M r - 1) / (M - 1) with r = t(M) /
 * t(1), clamped to [0, 1], and the op's s the median over its kernels (NAN: none).
 */
static int fit_serial(const struct timings *t, int m, struct derive_stats *st,
		      struct errbuf *eb)
{
	double *s = malloc((size_t)(t->n + 1) * sizeof *s);
	if (!s)
		return err_set(eb, ERR_NOMEM, "out of memory");
	for (int op = 0; op < KOP_N; op++) {
		int n = 0;
		for (int i = 0; m > 1 && i < t->n; i++) {
			const struct timing *g = &t->t[i];
			if ((int)g->k.op != op || g->threads != 1 || !(g->median_us > 0))
				continue;
			int j = row_of(t, &g->k, m);
			if (j < 0 || !(t->t[j].median_us > 0))
				continue;
			double r = t->t[j].median_us / g->median_us;
			double x = (m * r - 1) / (m - 1);
			s[n++] = x < 0 ? 0 : x > 1 ? 1 : x;
		}
		qsort(s, (size_t)n, sizeof *s, cmp_double);
		st->serial[op] = n ? (n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2) : NAN;
		st->n_fit[op] = n;
	}
	free(s);
	return 0;
}

/*
 * The serial fraction of kernel g (a row at M threads) from its own times at 1 and M
 * threads, clamped to [0, 1]; op_s when it has no 1-thread row.
 */
static double kernel_serial(const struct timings *t, const struct timing *g, int m, double op_s)
{
	int j = m > 1 ? row_of(t, &g->k, 1) : -1;
	if (j < 0 || !(t->t[j].median_us > 0) || !(g->median_us > 0))
		return op_s;
	double x = (m * (g->median_us / t->t[j].median_us) - 1) / (m - 1);
	return x < 0 ? 0 : x > 1 ? 1 : x;
}

/* Amdahl's time at T threads, relative to the time at 1. */
static double amdahl(double s, int threads) { return s + (1 - s) / threads; }

int derive_timings(const struct device *src, const struct timings *t, const struct device *dst,
		   int dst_cluster, FILE *out, struct derive_stats *st, struct errbuf *eb)
{
	int rc, dc = dst_cluster >= 0 ? dst_cluster : device_big_cluster(dst);
	if (dc >= dst->n_clusters)
		return err_set(eb, ERR_USAGE, "%s has clusters 0..%d, not %d", dst->path,
			       dst->n_clusters - 1, dc);
	if ((rc = need_fpc(src, device_big_cluster(src), eb)) < 0 ||
	    (rc = need_fpc(dst, dc, eb)) < 0)
		return rc;
	memset(st, 0, sizeof *st);
	int m = max_threads(t);
	int cores = dst->clusters[dc].cores;
	if ((rc = fit_serial(t, m, st, eb)) < 0)
		return rc;
	double f_src = t->freq_ref_mhz > 0 ? t->freq_ref_mhz
					   : device_max_mhz(src, device_big_cluster(src));
	double f_dst = device_max_mhz(dst, dc);
	int with_bw = src->mem_bw_gbps > 0 && dst->mem_bw_gbps > 0;
	double bw_ratio = with_bw ? src->mem_bw_gbps / dst->mem_bw_gbps : 0;
	fprintf(out, "# derived_from: %s (sha256 %s), measured on %s\n", t->path, t->sha256,
		src->path);
	fprintf(out, "# derived_for: %s (sha256 %s), cluster %d (%s)\n", dst->path, dst->sha256, dc,
		dst->clusters[dc].core_type);
	fprintf(out, "# derive_rule: roofline: compute-bound kernels scaled by the ratio of peak "
		     "fp32 FLOP/s (the source's big cluster: %s; the target's cluster %d: %s), %s; "
		     "fp16, and int8 without int8_ops_per_cycle, by the same ratios\n",
		peak_says(src, device_big_cluster(src)), dc, peak_says(dst, dc),
		with_bw ? "memory-bound ones by the ratio of mem_bw_gbps"
			: "and memory-bound ones too (a device gives no mem_bw_gbps)");
	if (cores > m) {
		fprintf(out, "# thread_scaling: %d to %d threads (past the %d measured): t(T) = "
			     "t(%d) x a(T) / a(%d) x (peak(%d) / %d) / (peak(T) / T) on the target, "
			     "Amdahl's a(T) = s + (1 - s) / T with each kernel's serial fraction s "
			     "from its own times at 1 and %d threads; a kernel without both takes its "
			     "op's (the median over the op's kernels):",
			m + 1, cores, m, m, m, m, m, m);
		for (int op = 0; op < KOP_N; op++)
			if (st->n_fit[op])
				fprintf(out, " %s s=%.3f (%d kernels)", kop_name((enum kop)op),
					st->serial[op], st->n_fit[op]);
		fprintf(out, "\n");
	}
	fprintf(out, "# freq_ref_mhz: %g\n", f_dst);
	fprintf(out, "%s,threads,backend,median_us,p10_us,p90_us,runs,gflops,freq_start_mhz,"
		     "freq_end_mhz,freq_changed\n",
		KSHAPE_CSV_HEADER);
	const struct cluster *tc = &dst->clusters[dc];
	int int8_rule = tc->int8_ops_per_cycle > 0 && tc->flops_per_cycle > 0;
	if (int8_rule)
		fprintf(out, "# int8_rule: an int8 kernel takes its fp32 twin's derived time (the same "
			     "shape) x %g / %g, the target core's fp32 FLOPs over its int8 operations "
			     "a cycle; where the source has no fp32 twin, the fp32 ratio above\n",
			tc->flops_per_cycle, tc->int8_ops_per_cycle);
	for (int i = 0; i < t->n; i++) {
		const struct timing *g = &t->t[i];
		/* an int8 kernel, by its own rule: its fp32 twin's time at the target's int8 rate */
		double q = 1;
		const struct timing *base = g;
		if (int8_rule && g->k.dtype == DT_INT8) {
			struct kshape twin = g->k;
			twin.dtype = DT_FP32;
			int j = row_of(t, &twin, g->threads);
			if (j >= 0 && t->t[j].median_us > 0) {
				base = &t->t[j];
				q = tc->flops_per_cycle / tc->int8_ops_per_cycle;
				st->n_int8++;
			} else {
				st->n_int8_fp32_ratio++;
			}
		}
		double p_src = peak(src, g->threads, f_src), p_dst = peak_on(dst, dc, g->threads, f_dst);
		double flops = 2 * kshape_macs(&g->k);
		double bytes = (double)kshape_in_bytes(&g->k) + (double)kshape_out_bytes(&g->k) +
			       kshape_params(&g->k) * dtype_bytes(g->k.dtype);
		int compute = !with_bw || flops / bytes >= p_src / (src->mem_bw_gbps * 1e9);
		double ratio = compute ? p_src / p_dst : bw_ratio;
		if (compute)
			st->n_compute_bound++;
		else
			st->n_memory_bound++;
		if (g->threads == 1) {
			if (compute)
				st->compute_ratio = ratio;
			else
				st->memory_ratio = ratio;
		}
		ratio *= q;
		double med = base->median_us * ratio;
		kshape_write(out, &g->k);
		fprintf(out, ",%d,derived,%.3f,%.3f,%.3f,0,%.4g,,,0\n", g->threads, med,
			base->p10_us * ratio, base->p90_us * ratio, flops / (med * 1e3));
		st->n_rows++;
		/* past the source's M threads, up to the target's cores, from the row at M, by
		   the kernel's own serial fraction (its op's where it lacks the 1-thread row) */
		double sf = g->threads == m ? kernel_serial(t, base, m, st->serial[g->k.op]) : NAN;
		for (int th = m + 1; g->threads == m && th <= cores && !isnan(sf); th++) {
			/* Amdahl's gain, and the target's peak per busy core at th against m */
			double f = amdahl(sf, th) / amdahl(sf, m) *
				   (peak_on(dst, dc, m, f_dst) / m) / (peak_on(dst, dc, th, f_dst) / th);
			double x = med * f;
			kshape_write(out, &g->k);
			fprintf(out, ",%d,derived,%.3f,%.3f,%.3f,0,%.4g,,,0\n", th, x,
				base->p10_us * ratio * f, base->p90_us * ratio * f, flops / (x * 1e3));
			st->n_rows++;
			st->n_scaled++;
		}
	}
	if (ferror(out))
		return err_set(eb, ERR_IO, "writing derived timings: %s", strerror(errno));
	return 0;
}

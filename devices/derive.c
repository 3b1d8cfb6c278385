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

/* Peak fp32 FLOP/s of d's big cluster with T threads at f_mhz, or 0 when unknown. */
static double peak(const struct device *d, int threads, double f_mhz)
{
	const struct cluster *c = &d->clusters[device_big_cluster(d)];
	int cores = threads < c->cores ? threads : c->cores;
	return cores * f_mhz * 1e6 * c->flops_per_cycle;
}

static int need_fpc(const struct device *d, struct errbuf *eb)
{
	int big = device_big_cluster(d);
	if (d->clusters[big].flops_per_cycle <= 0)
		return err_set(eb, ERR_PARSE,
			       "%s: [cluster.%d] gives no flops_per_cycle, which the roofline rule "
			       "needs (peak fp32 FLOPs per cycle per core, with its source)",
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

/* Amdahl's time at T threads, relative to the time at 1. */
static double amdahl(double s, int threads) { return s + (1 - s) / threads; }

int derive_timings(const struct device *src, const struct timings *t, const struct device *dst,
		   FILE *out, struct derive_stats *st, struct errbuf *eb)
{
	int rc;
	if ((rc = need_fpc(src, eb)) < 0 || (rc = need_fpc(dst, eb)) < 0)
		return rc;
	memset(st, 0, sizeof *st);
	int m = max_threads(t);
	int cores = dst->clusters[device_big_cluster(dst)].cores;
	if ((rc = fit_serial(t, m, st, eb)) < 0)
		return rc;
	double f_src = t->freq_ref_mhz > 0 ? t->freq_ref_mhz
					   : device_max_mhz(src, device_big_cluster(src));
	double f_dst = device_max_mhz(dst, device_big_cluster(dst));
	int with_bw = src->mem_bw_gbps > 0 && dst->mem_bw_gbps > 0;
	double bw_ratio = with_bw ? src->mem_bw_gbps / dst->mem_bw_gbps : 0;
	fprintf(out, "# derived_from: %s (sha256 %s), measured on %s\n", t->path, t->sha256,
		src->path);
	fprintf(out, "# derived_for: %s (sha256 %s)\n", dst->path, dst->sha256);
	fprintf(out, "# derive_rule: roofline: compute-bound kernels scaled by the ratio of peak "
		     "fp32 FLOP/s (cores x MHz x flops_per_cycle of the big cluster), %s; int8 and "
		     "fp16 by the same ratios\n",
		with_bw ? "memory-bound ones by the ratio of mem_bw_gbps"
			: "and memory-bound ones too (a device gives no mem_bw_gbps)");
	if (cores > m) {
		fprintf(out, "# thread_scaling: %d to %d threads (past the %d measured): t(T) = "
			     "t(%d) x a(T) / a(%d), Amdahl's a(T) = s + (1 - s) / T with each op's "
			     "serial fraction s fitted on the source's kernels at 1 and %d threads "
			     "(the median over its kernels):",
			m + 1, cores, m, m, m, m);
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
	for (int i = 0; i < t->n; i++) {
		const struct timing *g = &t->t[i];
		double p_src = peak(src, g->threads, f_src), p_dst = peak(dst, g->threads, f_dst);
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
		double med = g->median_us * ratio;
		kshape_write(out, &g->k);
		fprintf(out, ",%d,derived,%.3f,%.3f,%.3f,0,%.4g,,,0\n", g->threads, med,
			g->p10_us * ratio, g->p90_us * ratio, flops / (med * 1e3));
		st->n_rows++;
		/* past the source's M threads, up to the target's cores, from the row at M */
		double sf = st->serial[g->k.op];
		for (int th = m + 1; g->threads == m && th <= cores && !isnan(sf); th++) {
			double f = amdahl(sf, th) / amdahl(sf, m), x = med * f;
			kshape_write(out, &g->k);
			fprintf(out, ",%d,derived,%.3f,%.3f,%.3f,0,%.4g,,,0\n", th, x,
				g->p10_us * ratio * f, g->p90_us * ratio * f, flops / (x * 1e3));
			st->n_rows++;
			st->n_scaled++;
		}
	}
	if (ferror(out))
		return err_set(eb, ERR_IO, "writing derived timings: %s", strerror(errno));
	return 0;
}

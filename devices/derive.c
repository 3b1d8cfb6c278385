/*
 * derive.c: the roofline rule of derive.h. Not for where the output goes (`adascale
 * derive`, cmd/derive.c, writes it whole or not at all).
 */
#include "derive.h"

#include <errno.h>
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

int derive_timings(const struct device *src, const struct timings *t, const struct device *dst,
		   FILE *out, struct derive_stats *st, struct errbuf *eb)
{
	int rc;
	if ((rc = need_fpc(src, eb)) < 0 || (rc = need_fpc(dst, eb)) < 0)
		return rc;
	memset(st, 0, sizeof *st);
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
	}
	if (ferror(out))
		return err_set(eb, ERR_IO, "writing derived timings: %s", strerror(errno));
	return 0;
}

/*
 * derive.c: the roofline rule of derive.h, and the `adascale derive` verb. The output is
 * written to a temporary file beside OUT and renamed into place, so a failure leaves no
 * half-written timings.
 */
#include "derive.h"

#include <errno.h>
#include <getopt.h>
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

static int usage(const char *what)
{
	fprintf(stderr, "adascale derive: %s\nusage: adascale derive --from DEVICE.ini "
			"[--timings FILE] --to DEVICE.ini [-o OUT.csv]\n",
		what);
	return 2;
}

int derive_cmd(int argc, char **argv)
{
	const char *from = NULL, *to = NULL, *tpath = NULL, *outp = NULL;
	static const struct option opts[] = {{"from", required_argument, 0, 'f'},
					     {"to", required_argument, 0, 't'},
					     {"timings", required_argument, 0, 'T'},
					     {"help", no_argument, 0, 'h'},
					     {0, 0, 0, 0}};
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'f': from = optarg; break;
		case 't': to = optarg; break;
		case 'T': tpath = optarg; break;
		case 'o': outp = optarg; break;
		case 'h':
			printf("usage: adascale derive --from DEVICE.ini [--timings FILE] --to "
			       "DEVICE.ini [-o OUT.csv]\nDerives the target's kernel timings from the "
			       "source's measured ones by a roofline rule (docs/formats.md).\n");
			return 0;
		default: return 2;
		}
	}
	if (!from || !to || optind < argc)
		return usage(!from ? "--from is required" : !to ? "--to is required"
							   : "unexpected argument");
	struct errbuf eb = {0};
	struct device *src = NULL, *dst = NULL;
	struct timings *t = NULL;
	FILE *out = stdout;
	char tmp[4200] = "";
	int rc;
	if ((rc = device_load(from, &src, &eb)) < 0 || (rc = device_load(to, &dst, &eb)) < 0)
		goto done;
	if (!tpath)
		tpath = src->timings;
	if (!tpath[0]) {
		rc = err_set(&eb, ERR_USAGE, "%s names no timings file; give --timings", from);
		goto done;
	}
	if ((rc = timings_load(tpath, &t, &eb)) < 0)
		goto done;
	if (t->derived) {
		rc = err_set(&eb, ERR_USAGE, "%s: already derived; derive from measured timings",
			     tpath);
		goto done;
	}
	if (outp) {
		snprintf(tmp, sizeof tmp, "%s.XXXXXX", outp);
		int fd = mkstemp(tmp);
		if (fd < 0 || !(out = fdopen(fd, "w"))) {
			rc = err_set(&eb, ERR_IO, "%s: cannot write: %s", outp, strerror(errno));
			tmp[0] = '\0';
			goto done;
		}
	}
	struct derive_stats st;
	if ((rc = derive_timings(src, t, dst, out, &st, &eb)) < 0)
		goto done;
	if (outp) {
		FILE *f = out;
		out = stdout;
		if (fclose(f) != 0 || rename(tmp, outp) != 0) {
			rc = err_set(&eb, ERR_IO, "%s: cannot write: %s", outp, strerror(errno));
			goto done;
		}
		tmp[0] = '\0';
	}
	fprintf(stderr,
		"adascale: derived %d timings for %s: %d compute-bound (x%.3g), %d memory-bound "
		"(x%.3g)\n",
		st.n_rows, dst->name, st.n_compute_bound, st.compute_ratio, st.n_memory_bound,
		st.memory_ratio);
done:
	if (out && out != stdout)
		fclose(out);
	if (tmp[0])
		remove(tmp);
	timings_destroy(t);
	device_destroy(src);
	device_destroy(dst);
	if (rc < 0) {
		fprintf(stderr, "adascale: %s\n", eb.msg);
		return err_exit_status(rc);
	}
	return 0;
}

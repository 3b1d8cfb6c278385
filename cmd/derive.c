/*
 * derive.c: `adascale derive`: timings for an unprofiled device from another device's
 * measured ones (devices/derive.c), written whole or not at all. Not for the rule itself.
 */
#include "cmd.h"

#include <stdio.h>

#include "afile.h"
#include "derive.h"
#include "opt.h"

static const char help[] =
	"usage: adascale derive --from DEVICE.ini [--timings FILE] --to DEVICE.ini [--cluster N]\n"
	"        [-o OUT.csv]\n"
	"Derives the target's kernel timings from the source's measured ones by a roofline\n"
	"rule (docs/formats.md); labelled derived. --cluster: for the target's cluster N (by\n"
	"default its big one). Without -o, on stdout.\n";

int cmd_derive(int argc, char **argv)
{
	static const struct opt_verb v = {"adascale", "derive", help};
	const char *from = NULL, *to = NULL, *tpath = NULL, *outp = NULL;
	int cluster = -1;
	const struct opt opts[] = {
		{.name = "cluster", .type = OPT_INT, .dst = &cluster, .min = 0, .max = 7},
		{.name = "from", .type = OPT_STR, .dst = &from},
		{.name = "to", .type = OPT_STR, .dst = &to},
		{.name = "timings", .type = OPT_STR, .dst = &tpath},
		{.name = "out", .short_name = 'o', .type = OPT_STR, .dst = &outp},
		{0}};
	int n_pos, rc = opt_parse(&v, opts, argc, argv, NULL, 0, &n_pos);
	if (rc != OPT_OK)
		return opt_status(rc);
	if (!from || !to)
		return opt_usage(&v, "%s is required", !from ? "--from" : "--to");
	struct errbuf eb = {0};
	struct device *src = NULL, *dst = NULL;
	struct timings *t = NULL;
	struct afile *out = NULL;
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
	if (!(out = afile_create(outp, &eb))) {
		rc = eb.code;
		goto done;
	}
	struct derive_stats st;
	if ((rc = derive_timings(src, t, dst, cluster, afile_stream(out), &st, &eb)) < 0 ||
	    (rc = afile_commit(out, &eb)) < 0)
		goto done;
	fprintf(stderr,
		"adascale: derived %d timings for %s: %d compute-bound (x%.3g), %d memory-bound "
		"(x%.3g), %d at thread counts past the source's (Amdahl, the file says each op's "
		"serial fraction)",
		st.n_rows, dst->name, st.n_compute_bound, st.compute_ratio, st.n_memory_bound,
		st.memory_ratio, st.n_scaled);
	if (st.n_int8 || st.n_int8_fp32_ratio)
		fprintf(stderr, "; int8: %d by the target's int8 rate, %d by the fp32 ratio (no fp32 "
				"twin)",
			st.n_int8, st.n_int8_fp32_ratio);
	fprintf(stderr, "\n");
done:
	afile_destroy(out);
	timings_destroy(t);
	device_destroy(src);
	device_destroy(dst);
	return rc < 0 ? cmd_fail(&eb, rc) : 0;
}

/*
 * fuzz_calib.c: libFuzzer target for the contention calibration reader (devices/calib.c):
 * loads the input as a calibration CSV (pooled or per pass) and, when it is accepted, looks
 * slowdowns up at every thread count, load level and pass length, between them and beyond
 * them, as the device model does.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calib.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[PATH_MAX];
	if (fuzz_file("calibration.csv", data, size, path, sizeof path) < 0)
		abort();
	struct errbuf eb = {0};
	struct calib *c = NULL;
	int rc = calib_load(path, &c, &eb);
	fuzz_check_names_file("fuzz_calib", rc, eb.msg, path);
	if (rc == 0) {
		/* a calibration per pass: each pass's grid, at its lengths, between and beyond */
		const struct calib *g = c->n_pass ? c->pass[0] : c;
		for (int t = 0; t <= g->n_threads; t++)
			for (int l = 0; l <= 2 * g->n_loads; l++)
				for (int k = 0; k <= 8; k++)
					for (int m = 0; m <= 2 * c->n_pass + 1; m++) {
						int threads = t < g->n_threads ? g->threads[t] : 1025;
						double u = l / (2.0 * g->n_loads), p = k / 8.0;
						double len = m == 0 ? 0
							     : m > 2 * c->n_pass ? 1e12
							     : c->pass_ms[(m - 1) / 2][0] * (m % 2 ? 1 : 1.5);
						double s = calib_slowdown_of(c, threads, len, u, p);
						if (!(s > 0) || !isfinite(s)) {
							fprintf(stderr,
								"fuzz_calib: slowdown %g at %d threads, "
								"length %g ms, load %g, level %g\n",
								s, threads, len, u, p);
							abort();
						}
					}
	}
	calib_destroy(c);
	fuzz_check_fds();
	return 0;
}

/*
 * fuzz_calib.c: libFuzzer target for the contention calibration reader (devices/calib.c):
 * loads the input as a calibration CSV and, when it is accepted, looks slowdowns up at
 * every thread count and load level, between them and beyond them, as the device model
 * does.
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
	if (rc == 0)
		for (int t = 0; t <= c->n_threads; t++)
			for (int l = 0; l <= 2 * c->n_loads; l++)
				for (int k = 0; k <= 8; k++) {
					int threads = t < c->n_threads ? c->threads[t] : 1025;
					double u = l / (2.0 * c->n_loads), p = k / 8.0;
					double s = calib_slowdown(c, threads, u, p);
					if (!(s > 0) || !isfinite(s)) {
						fprintf(stderr, "fuzz_calib: slowdown %g at %d threads, "
								"load %g, level %g\n", s, threads, u, p);
						abort();
					}
				}
	calib_destroy(c);
	fuzz_check_fds();
	return 0;
}

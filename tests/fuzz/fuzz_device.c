/*
 * fuzz_device.c: libFuzzer target for the device description reader (devices/device.c):
 * loads the input as a device INI and, when it is accepted, asks the device model what the
 * run loop asks (the big cluster, its operating points and core power), which must be finite.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[PATH_MAX];
	if (fuzz_file("device.ini", data, size, path, sizeof path) < 0)
		abort();
	struct errbuf eb = {0};
	struct device *d = NULL;
	int rc = device_load(path, &d, &eb);
	fuzz_check_names_file("fuzz_device", rc, eb.msg, path);
	if (rc == 0) {
		int big = device_big_cluster(d);
		for (int c = 0; c < d->n_clusters; c++) {
			double max = device_max_mhz(d, c);
			const struct opp *o = device_opp(d, c, max / 2);
			double p = device_core_power_mw(d, c, max);
			if (!o || !isfinite(max) || !isfinite(p) || big < 0 || big >= d->n_clusters) {
				fprintf(stderr, "fuzz_device: accepted device gives no model\n");
				abort();
			}
		}
	}
	device_destroy(d);
	fuzz_check_fds();
	return 0;
}

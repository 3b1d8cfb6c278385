/*
 * fuzz_timings.c: libFuzzer target for the timings reader (devices/timings.c): loads the
 * input as a timings CSV and, when it is accepted, looks every row up again by shape and
 * thread count as the run loop does.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "timings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[PATH_MAX];
	if (fuzz_file("timings.csv", data, size, path, sizeof path) < 0)
		abort();
	struct errbuf eb = {0};
	struct timings *t = NULL;
	int rc = timings_load(path, &t, &eb);
	fuzz_check_names_file("fuzz_timings", rc, eb.msg, path);
	if (rc == 0)
		for (int i = 0; i < t->n; i++)
			if (!timings_find(t, &t->t[i].k, t->t[i].threads)) {
				fprintf(stderr, "fuzz_timings: row %d not found again\n", i);
				abort();
			}
	timings_destroy(t);
	fuzz_check_fds();
	return 0;
}

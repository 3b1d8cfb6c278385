/*
 * fuzz_sweep.c: libFuzzer target for the sweep file reader (sweep/sweep_spec.c,
 * sweep_spec_load): the INI `adascale sweep` reads. Only the reading and checking; planning
 * needs the named traces, devices and models.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "sweep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[PATH_MAX];
	if (fuzz_file("sweep.ini", data, size, path, sizeof path) < 0)
		abort();
	struct errbuf eb = {0};
	struct sweep_spec *s = NULL;
	int rc = sweep_spec_load(path, &s, &eb);
	fuzz_check_names_file("fuzz_sweep", rc, eb.msg, path);
	sweep_spec_destroy(s);
	fuzz_check_fds();
	return 0;
}

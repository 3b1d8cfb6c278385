/*
 * fuzz_trace.c: libFuzzer target for the trace reader (traces/trace.c): opens the input as a
 * trace file and reads every row. Besides the sanitizers it checks what the reader promises:
 * time never goes backwards, util_other stays in 0..1, and a refusal names the file.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[PATH_MAX];
	if (fuzz_file("trace.csv", data, size, path, sizeof path) < 0)
		abort();
	struct errbuf eb = {0};
	struct trace *t = trace_open(path, &eb);
	int rc = t ? 1 : eb.code;
	if (t) {
		struct trace_row row;
		int64_t last = INT64_MIN;
		while ((rc = trace_next(t, &row, &eb)) > 0) {
			if (row.t_ns < last || ((row.set & TRACE_UTIL) &&
						!(row.util_other >= 0 && row.util_other <= 1))) {
				fprintf(stderr, "fuzz_trace: row accepted out of order or range\n");
				abort();
			}
			last = row.t_ns;
		}
		trace_close(t);
	}
	fuzz_check_names_file("fuzz_trace", rc, eb.msg, path);
	fuzz_check_fds();
	return 0;
}

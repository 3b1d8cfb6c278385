/*
 * fuzz_kernels.c: libFuzzer target for the agent's kernel list reader
 * (devices/agent/alists.c, agent_klist_read): the CSV `adascale kernels` writes and
 * `adascale-agent profile` reads.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alists.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[PATH_MAX];
	if (fuzz_file("kernels.csv", data, size, path, sizeof path) < 0)
		abort();
	struct errbuf eb = {0};
	struct agent_klist *l = NULL;
	int rc = agent_klist_read(path, &l, &eb);
	fuzz_check_names_file("fuzz_kernels", rc, eb.msg, path);
	if (rc == 0 && (l->n < 0 || l->n > l->n_rows)) {
		fprintf(stderr, "fuzz_kernels: %d unique kernels of %d rows\n", l->n, l->n_rows);
		abort();
	}
	agent_klist_destroy(l);
	fuzz_check_fds();
	return 0;
}

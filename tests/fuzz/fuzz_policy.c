/*
 * fuzz_policy.c: libFuzzer target for policy specs and their parameter strings
 * (policies/registry.c, pol_resolve: `--policy "name:k=v,..."`), then the built-in policy's
 * own parsing of the values (its create callback). Inputs are command-line strings: one
 * with a NUL byte cannot be given, and one naming a plugin (*.so) would load a file, so
 * both are skipped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "registry.h"

static void host_log(void *ctx, int level, const char *msg)
{
	(void)ctx;
	(void)level;
	(void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 8192 || memchr(data, '\0', size))
		return 0;
	char spec[8193];
	memcpy(spec, data, size);
	spec[size] = '\0';
	char *colon = strchr(spec, ':');
	size_t first = colon ? (size_t)(colon - spec) : size;
	if (first >= 3 && memcmp(spec + first - 3, ".so", 3) == 0)
		return 0;
	struct errbuf eb = {0};
	struct pol_choice c;
	if (pol_resolve(spec, &c, &eb) < 0) {
		if (!eb.msg[0]) {
			fprintf(stderr, "fuzz_policy: refused without a message\n");
			abort();
		}
		return 0;
	}
	/* the host a policy's create sees before a run starts: no services are called yet */
	struct adascale_host host = {.size = sizeof host, .log = host_log};
	void *state = NULL;
	char err[256] = "";
	if (c.desc->create(&host, (const char *const *)c.values, &state, err, sizeof err) == 0) {
		if (c.desc->destroy)
			c.desc->destroy(state);
	} else if (!err[0]) {
		fprintf(stderr, "fuzz_policy: create refused '%s' without a message\n", spec);
		abort();
	}
	pol_choice_free(&c);
	fuzz_check_fds();
	return 0;
}

/*
 * fuzz_model.c: libFuzzer target for the model spec reader (models/spec.c, model_load on a
 * path): loads the input as a spec and, when it is accepted, computes its cost and applies
 * two operator sets to it (shapes re-propagated), as `adascale variants` does.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[PATH_MAX];
	if (fuzz_file("spec.csv", data, size, path, sizeof path) < 0)
		abort();
	struct errbuf eb = {0};
	struct model *m = NULL;
	int rc = model_load(path, &m, &eb);
	fuzz_check_names_file("fuzz_model", rc, eb.msg, path);
	if (rc == 0) {
		struct model_cost cost;
		model_cost(m, &cost);
		static const char *const keys[] = {"width=0.5,quant=int8", "prune=0.25,lowrank=0.5"};
		for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
			struct model_ops ops;
			struct model *v = NULL;
			char key[VARIANT_KEY_LEN];
			if (model_ops_parse_key(m, keys[i], &ops, &eb) == 0 &&
			    model_apply(m, &ops, &v, &eb) == 0) {
				model_cost(v, &cost);
				model_variant_key(m, &ops, key, sizeof key);
			}
			model_destroy(v);
		}
	}
	model_destroy(m);
	fuzz_check_fds();
	return 0;
}

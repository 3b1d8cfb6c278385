/*
 * kb.c: the backend registry (see kb.h): finding a backend by name and choosing one for a
 * kernel. Not for any kernel (kb_openblas.c, kb_xnnpack.c) nor for what they share
 * (kb_tensor.c).
 */
#include "kb.h"

#include <stdio.h>
#include <string.h>

const struct kb_backend *kb_find(const char *name)
{
	static const struct kb_backend *const all[] = {&kb_openblas, &kb_xnnpack};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		if (strcmp(all[i]->name(), name) == 0)
			return all[i];
	return NULL;
}

const struct kb_backend *kb_choose(const char *name, const struct kshape *k, char *why)
{
	if (strcmp(name, "auto") != 0) {
		const struct kb_backend *b = kb_find(name);
		if (!b) {
			snprintf(why, KB_WHY_LEN, "no backend '%.32s'", name);
			return NULL;
		}
		return b->supports(k, why) ? b : NULL;
	}
	/*
	 * XNNPACK wherever it runs the row (every dtype: fp32, fp16 and int8 then come from
	 * one library, as in a deployed runtime); OpenBLAS for fp32 rows XNNPACK refuses, and
	 * for every fp32 row of an agent built without XNNPACK.
	 */
	if (kb_xnnpack.supports(k, why))
		return &kb_xnnpack;
	char why_xnn[KB_WHY_LEN];
	snprintf(why_xnn, sizeof why_xnn, "%s", why);
	if (k->dtype == DT_FP32 && kb_openblas.supports(k, why))
		return &kb_openblas;
	snprintf(why, KB_WHY_LEN, "%s", why_xnn);
	return NULL;
}

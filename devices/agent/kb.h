/*
 * kb.h: the agent's kernel backends by name, and the choice of one for a kernel. Backends:
 * "openblas" (kb_openblas.h, fp32) and "xnnpack" (kb_xnnpack.h: fp32, fp16 where XNNPACK
 * reports support on this CPU, int8); the interface they implement is kb_backend.h. Not for
 * any kernel, nor for what the backends share (kb_tensor.h).
 */
#ifndef ADASCALE_AGENT_KB_H
#define ADASCALE_AGENT_KB_H

#include "kb_backend.h"
#include "kb_openblas.h"
#include "kb_xnnpack.h"
#include "kshape.h"

/* The backend called name ("openblas", "xnnpack"), or NULL. */
const struct kb_backend *kb_find(const char *name);

/*
 * The backend that runs k under the --backend choice name ("auto" or a backend's name), or
 * NULL with the reason in why (KB_WHY_LEN bytes). "auto" is XNNPACK wherever it runs k,
 * else OpenBLAS for fp32.
 */
const struct kb_backend *kb_choose(const char *name, const struct kshape *k, char *why);

#endif

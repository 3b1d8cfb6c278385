/*
 * kb_xnnpack.h: the backend on XNNPACK operators: fp32, fp16 where XNNPACK reports support
 * on this CPU, int8 as XNNPACK's signed quantized operators; kb_xnnpack.c says how each op
 * runs. In an agent built without XNNPACK (make AGENT_XNNPACK=0) it is present and refuses
 * every kernel. Not for choosing it (kb.h).
 */
#ifndef ADASCALE_AGENT_KB_XNNPACK_H
#define ADASCALE_AGENT_KB_XNNPACK_H

#include "kb_backend.h"

extern const struct kb_backend kb_xnnpack;

#endif

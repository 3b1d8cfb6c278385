/*
 * kb_openblas.h: the fp32 backend on OpenBLAS (im2col + sgemm convolution, direct
 * depthwise and pooling loops on the agent's thread pool, sgemv for fc); kb_openblas.c says
 * how each op runs. Not for choosing it (kb.h).
 */
#ifndef ADASCALE_AGENT_KB_OPENBLAS_H
#define ADASCALE_AGENT_KB_OPENBLAS_H

#include "kb_backend.h"

extern const struct kb_backend kb_openblas;

#endif

/*
 * model.h: the interface of models/ in one include: DNN model specs (models/zoo/NAME.csv),
 * the compression operators that transform them, and the variants they make, with costs
 * computed from the spec and accuracy joined from published tables.
 *
 * A spec lists layers in execution order; the first layer's input is the model input. The
 * operators (width, res, quant, prune, lowrank, exit) rebuild a spec's shapes by
 * propagating them from the input, so a transformed spec is again a plain spec. Not for
 * timing (devices/) or for choosing between variants (policies/). docs/models.md describes
 * the file format and every operator's exact rule.
 *
 * Each part has its own header, for code that needs only that part:
 *   layers.h    a spec in memory (struct model, struct layer) and what it costs
 *   spec.h      reading a spec file (model_load)
 *   ops.h       the operators, variant keys, model_apply, the width rounding rules
 *   accuracy.h  a variant with its accuracy (struct variant), variants_estimate
 *   variants.h  enumerating a model's variants (variants_enumerate)
 *   kernels.h   the unique kernel shapes of specs (model_kernels)
 * No file of models/ that these headers declare includes this one.
 */
#ifndef ADASCALE_MODEL_H
#define ADASCALE_MODEL_H

#include "accuracy.h"
#include "kernels.h"
#include "layers.h"
#include "ops.h"
#include "spec.h"
#include "variants.h"

#endif

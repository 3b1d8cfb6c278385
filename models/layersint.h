/*
 * layersint.h: what the files of models/ share about a spec in memory and nothing outside
 * models/ should use: copies of its metadata, and the shapes where layers meet (a layer's
 * output, whether it reads what its input gives). The public interface is layers.h.
 */
#ifndef ADASCALE_LAYERSINT_H
#define ADASCALE_LAYERSINT_H

#include <stddef.h>

#include "layers.h"

/* A copy of s (NULL for NULL), or NULL when out of memory; *failed set then. */
char *model_strdup(const char *s, int *failed);

/* Copies base's metadata (names, hash, accuracy sources) into m; ERR_NOMEM on failure. */
int model_copy_meta(struct model *m, const struct model *base);

/* The output height, width and channels of a layer. */
void model_layer_out(const struct layer *l, int *h, int *w, int *c);

/*
 * Checks that layer i reads what its input layer (or the model input) gives and that an
 * add's two inputs agree: 0, or ERR_RANGE with the reason in why.
 */
int model_layer_check(const struct model *m, int i, char *why, size_t why_len);

/* 1 when a pooling layer covers its whole input (kernel = stride = in_h = in_w). */
int model_layer_is_global(const struct layer *l);

/* The last block number in m (-1 when no layer has one). */
int model_last_block(const struct model *m);

#endif

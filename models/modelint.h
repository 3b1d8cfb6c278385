/*
 * modelint.h: the internals of models/ in one include (the operator table, operator lists,
 * the parsed accuracy sources, the layer helpers), for the listings the command-line verbs
 * print (models/listing.c). Nothing else should use them. Inside models/,
 * each file includes the internal header of the part it uses: layersint.h, opsint.h or
 * accuracyint.h. The public interface is model.h.
 */
#ifndef ADASCALE_MODELINT_H
#define ADASCALE_MODELINT_H

#include "accuracyint.h"
#include "layersint.h"
#include "model.h"
#include "opsint.h"

#endif

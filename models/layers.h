/*
 * layers.h: a model spec in memory: its layers in execution order, the metadata of its
 * "# key: value" lines, and what it costs (MACs, parameters, weight and activation bytes).
 *
 * The first layer's input is the model input. Every other file of models/ builds on these
 * structs: spec.c fills them from a file, ops.c rebuilds them under operators. Not for
 * reading files (spec.h), transforming specs (ops.h) or accuracy (accuracy.h); model.h
 * gathers the whole interface of models/.
 */
#ifndef ADASCALE_LAYERS_H
#define ADASCALE_LAYERS_H

#include <stdint.h>

#include "kshape.h"

#define MODEL_NAME_LEN 64
#define LAYER_NAME_LEN 64
#define MODEL_MAX_ACC 4   /* accuracy sources of one spec */

struct layer {
	char name[LAYER_NAME_LEN];
	struct kshape k;  /* dtype is the model's (fp32 in a spec file) */
	int input2;       /* add: index of the layer whose output is the other input; else -1 */
	int fixed_width;  /* 1: the width operator leaves out_c alone (e.g. the classifier);
			     2: width scales it up (width > 1) but never down (MobileNet V2's
			     last conv, TF-slim's finegrain_classification_mode) */
	int input;        /* index of the layer whose output this layer reads: the previous
			     layer unless the spec's optional `input` column names another;
			     -1 for the model input (always so for layer 0) */
	int block;        /* the optional `block` column: the block this layer belongs to
			     (0 the stem, 1.. the blocks, where `exit` may cut); -1 for none
			     (the head after the last block) */
	double expand;    /* conv/fc: out_c is in_c * expand, rounded by the spec's width
			     rule (an inverted residual's expansion, an SE squeeze); 0: none */
	int match;        /* conv/fc: index of an earlier layer whose output channels out_c
			     always equals (an SE excitation gating that layer); -1: none */
};

struct model {
	char name[MODEL_NAME_LEN];  /* the spec file's name without ".csv" */
	char path[4096];        /* the spec file it was read from ("" when derived) */
	char sha256[65];        /* of that file (a derived spec keeps its base's) */
	int n_layers;
	struct layer *layers;   /* owned */
	/* metadata from the spec's "# key: value" lines (owned copies, may be NULL) */
	char *width_rounding;   /* how channels round under width: e.g. "floor_min8" */
	char *ladder;           /* the default operator lists, e.g. "width=1,0.75 res=224,160" */
	char *accuracy_table;   /* file name under data/accuracy/ (acc_table[0], not owned
				   separately) */
	char *accuracy_join;    /* how variant operators map to that table's columns
				   (acc_join[0], not owned separately) */
	char *source;           /* where the architecture comes from (paper, table) */
	char *shared_weights;   /* the operators whose values cut one set of weights (a subset
				   of "width res exit", e.g. "width exit"): variants differing
				   only in them share weights (switchcost.h); NULL: none do */
	/*
	 * Accuracy sources in priority order: accuracy_table/_join/_columns, then the same
	 * keys with suffix _2, _3, _4. A variant takes its accuracy from the first source with
	 * a matching row. Owned copies; acc_columns[i] may be NULL (the default columns).
	 */
	int n_acc;
	char *acc_table[MODEL_MAX_ACC];
	char *acc_join[MODEL_MAX_ACC];
	char *acc_columns[MODEL_MAX_ACC];
};

/* Frees m and everything it owns. Accepts NULL. */
void model_destroy(struct model *m);

struct model_cost {
	double macs;               /* multiply-accumulates of one inference (kshape_macs summed) */
	double params;             /* weights and biases */
	uint64_t weight_bytes;     /* params at the variant's element size */
	uint64_t peak_act_bytes;   /* the most activation bytes live at once: a layer's inputs
				      and output plus every earlier tensor still to be read
				      (skip connections) */
};

void model_cost(const struct model *m, struct model_cost *c);

#endif

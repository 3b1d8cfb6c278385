/*
 * arun.h: `adascale-agent run`: a whole model spec end to end, every layer built at once with
 * random weights and run in order, to check that kernel times add up: the model's time per
 * pass, each layer's share of it, and each layer timed alone as profile would.
 *
 * The spec is a model spec (models/zoo/NAME.csv: name, op, in_h, in_w, in_c, out_c, kernel,
 * stride, groups, ...) or a kernel list; a dtype column, when present, gives each layer's
 * type, else one dtype applies to all. Layers keep their own buffers: the pass runs each
 * layer's kernel on its own input, not the previous layer's output, which gives the same
 * work and the same switching between weights, but not the same data. Not for profiling
 * unique kernels (aprofile.h) nor for reading specs beyond their shapes (models/).
 */
#ifndef ADASCALE_AGENT_RUN_H
#define ADASCALE_AGENT_RUN_H

#include <stdint.h>

#include "err.h"
#include "kshape.h"
#include "ameasure.h"

struct agent_run_opts {
	const char *spec;
	const char *backend;  /* "auto", "openblas", "xnnpack" */
	enum dtype dtype;     /* for specs without a dtype column */
	int threads;
	const char *cpus;     /* NULL: as inherited */
	struct agent_measure_opts m;
	uint64_t seed;
};

/* auto, fp32, 1 thread, measure defaults, seed 1. */
void agent_run_defaults(struct agent_run_opts *o);

/* Runs o->spec and writes the per-layer table to out_path (NULL: stdout). */
int agent_run(const struct agent_run_opts *o, const char *out_path, struct errbuf *eb);

#define AGENT_RUN_HEADER                                                                      \
	"layer,name," KSHAPE_CSV_HEADER ",threads,backend,in_model_us,alone_us"

#endif

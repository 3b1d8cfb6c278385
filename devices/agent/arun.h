/*
 * arun.h: whole model passes. A pass is a model's layers in execution order, every layer
 * built at once with random weights and reading the output of the layer before it (or of
 * the layer its `input` names) when sizes and types match, so activations flow through the
 * caches as in inference. Timing whole passes gives the model's time and each layer's time
 * inside it; the layers can also be timed alone, as `profile` would.
 *
 * Two users: `adascale-agent run` (one spec: the pass time, each layer's share of it, each
 * layer alone: do kernel times add up?) and `profile` on a pass list (aprofile.h: each
 * kernel's time measured inside whole passes). The harness's `adascale profile --check`
 * builds passes from variants in memory. Not for kernels on their own (aprofile.h, kb.h)
 * nor for reading spec and pass list files (alists.h) or specs beyond their shapes
 * (models/).
 */
#ifndef ADASCALE_AGENT_RUN_H
#define ADASCALE_AGENT_RUN_H

#include <stdint.h>

#include "alists.h"
#include "ameasure.h"
#include "err.h"
#include "kshape.h"

/* Layers prepared for one thread count and chained. */
struct agent_pass;

/*
 * Prepares the n layers for threads threads on the backend choice ("auto", "openblas",
 * "xnnpack"; see kb_choose) with weights from seed, and chains them. Pool placement
 * (agent_pool_place) is the caller's, before this call. A layer no backend runs
 * is ERR_USAGE naming what:line. *out is set only on success.
 */
int agent_pass_create(const struct agent_layer *layers, int n, const char *backend, int threads,
		      uint64_t seed, const char *what, struct agent_pass **out, struct errbuf *eb);
/* Accepts NULL. */
void agent_pass_destroy(struct agent_pass *p);
/*
 * Reads a spec or pass list (alists.h) whose every layer the backend choice runs: an
 * unknown backend name or a layer it cannot run is ERR_USAGE naming what:line. *out is set
 * only on success.
 */
int agent_passes_read_for(const char *path, enum dtype dtype, const char *backend,
			  struct agent_passes **out, struct errbuf *eb);
int agent_pass_n_layers(const struct agent_pass *p);
/* Layers (after the first) that read an earlier layer's output. */
int agent_pass_n_chained(const struct agent_pass *p);
/* The backend name of layer i. */
const char *agent_pass_backend(const struct agent_pass *p, int i);

/*
 * Times whole passes with o's warm-up and stopping rule (*t for the pass), the calling
 * thread pinned where the agent pool places it. Each layer's time within every timed pass
 * is kept: agent_pass_layer_times gives them, sorted; o->on_run, if set, is called with
 * each timed pass's time.
 */
int agent_pass_time(struct agent_pass *p, const struct agent_measure_opts *o,
		    struct agent_timing *t, struct errbuf *eb);
/*
 * Runs one whole pass, untimed, on the calling thread (serve's inference: the caller takes
 * the time). 0, or the failing layer's error.
 */
int agent_pass_run(struct agent_pass *p, struct errbuf *eb);
/* Layer i's times (us) within the last agent_pass_time's timed passes: *n of them, sorted. */
const double *agent_pass_layer_times(const struct agent_pass *p, int i, int *n);
/* Times each layer alone (evict_kb as in aprofile.h) into alone_us[i]. */
int agent_pass_time_alone(struct agent_pass *p, const struct agent_measure_opts *o,
			  long evict_kb, double *alone_us, struct errbuf *eb);

struct agent_run_opts {
	const char *spec;
	const char *backend;  /* "auto", "openblas", "xnnpack" */
	enum dtype dtype;     /* for specs without a dtype column */
	int threads;
	const char *cpus;     /* NULL: as inherited */
	struct agent_measure_opts m;
	uint64_t seed;
	long evict_kb;        /* for the layers timed alone, as in aprofile.h (0 by default) */
};

/* auto, fp32, 1 thread, measure defaults, seed 1. */
void agent_run_defaults(struct agent_run_opts *o);

/*
 * Runs o->spec (one pass) and writes the per-layer table to out_path (NULL or "-":
 * stdout), whole or not at all (afile.h).
 */
int agent_run(const struct agent_run_opts *o, const char *out_path, struct errbuf *eb);

#define AGENT_RUN_HEADER                                                                      \
	"layer,name," KSHAPE_CSV_HEADER ",threads,backend,in_model_us,alone_us"

#endif

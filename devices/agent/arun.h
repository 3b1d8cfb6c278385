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
 * nor for reading specs beyond their shapes (models/).
 *
 * Spec and pass list files: the columns op, in_h, in_w, in_c, out_c, kernel, stride, groups
 * are required; name, dtype, input (the name of an earlier layer of the same pass whose
 * output this layer reads) and pass are optional, other columns are ignored (a model spec
 * of models/zoo/ reads as it is). Without a dtype column one dtype applies to every layer.
 * Rows with the same `pass` value in a row form one pass; without a `pass` column the file
 * is one pass.
 */
#ifndef ADASCALE_AGENT_RUN_H
#define ADASCALE_AGENT_RUN_H

#include <stdint.h>

#include "err.h"
#include "kshape.h"
#include "ameasure.h"

#define AGENT_LAYER_NAME_LEN 64
#define AGENT_PASS_KEY_LEN 160

/* One layer of a pass. */
struct agent_layer {
	struct kshape k;
	char name[AGENT_LAYER_NAME_LEN];
	int input; /* index of the layer whose output this one reads; -1 the previous layer */
	long line; /* of the file it was read from, for messages; 0 when built in memory */
};

/* One pass of a spec or pass list. */
struct agent_pass_spec {
	char key[AGENT_PASS_KEY_LEN]; /* the `pass` value, "" without that column */
	int n;
	struct agent_layer *layers;   /* owned */
};

struct agent_passes {
	char *path;
	int n;
	struct agent_pass_spec *p;    /* owned */
	int has_pass_col;             /* the file has a `pass` column */
};

/*
 * Reads a spec or pass list (dtype for files without a dtype column). Errors name
 * file:line (ERR_PARSE, ERR_RANGE). *out is set only on success.
 */
int agent_passes_read(const char *path, enum dtype dtype, struct agent_passes **out,
		      struct errbuf *eb);
void agent_passes_destroy(struct agent_passes *ps);
/* 1 when the file at path has a `pass` column (it is a pass list), 0 if not, or an error. */
int agent_is_pass_list(const char *path, struct errbuf *eb);

/* Layers prepared for one thread count and chained. */
struct agent_pass;

/*
 * Prepares the n layers for threads threads on the backend choice ("auto", "openblas",
 * "xnnpack"; see kb_choose) with weights from seed, and chains them. Pool
 * placement (agent_pool_place) is the caller's, before this call. A layer no backend runs
 * is ERR_USAGE naming what:line. *out is set only on success.
 */
int agent_pass_create(const struct agent_layer *layers, int n, const char *backend, int threads,
		      uint64_t seed, const char *what, struct agent_pass **out, struct errbuf *eb);
/* Accepts NULL. */
void agent_pass_destroy(struct agent_pass *p);
int agent_pass_n_layers(const struct agent_pass *p);
/* Layers (after the first) that read an earlier layer's output. */
int agent_pass_n_chained(const struct agent_pass *p);
/* The backend name of layer i. */
const char *agent_pass_backend(const struct agent_pass *p, int i);

/*
 * Times whole passes with o's warm-up and stopping rule (*t for the pass), the calling
 * thread pinned where the agent pool places it. Each layer's time within every timed pass
 * is kept: agent_pass_layer_times gives them, sorted.
 */
int agent_pass_time(struct agent_pass *p, const struct agent_measure_opts *o,
		    struct agent_timing *t, struct errbuf *eb);
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

/* Runs o->spec (one pass) and writes the per-layer table to out_path (NULL: stdout). */
int agent_run(const struct agent_run_opts *o, const char *out_path, struct errbuf *eb);

#define AGENT_RUN_HEADER                                                                      \
	"layer,name," KSHAPE_CSV_HEADER ",threads,backend,in_model_us,alone_us"

#endif

/*
 * profile.h: what `adascale profile` does: profiling a model's variants on this machine
 * in one step, and checking that kernel times add up to whole passes.
 *
 *   adascale profile MODEL [-o timings.csv]   the variants' kernels timed inside whole
 *                                             passes (in-model, the default) or alone
 *                                             (--isolated), with the agent's library
 *   adascale profile MODEL --pass-list        the pass list the agent profiles, for a device
 *   adascale profile --check [MODEL]          each variant's whole pass (as adascale-agent
 *                                             run times it) against the sum of its kernels'
 *                                             medians in a timings file
 *
 * The agent's code runs in this process (its objects are in libadascale.a), so profiling
 * here is the same code as adascale-agent on a device, with errors coming back as
 * file:line details instead of through a child's stderr, and no binary to locate. Not for
 * the timing itself (devices/agent/), for what the simulator does with timings, nor for
 * options (cmd/profile.c).
 */
#ifndef ADASCALE_PROFILE_H
#define ADASCALE_PROFILE_H

#include <stdio.h>

#include "err.h"
#include "model.h"
#include "ameasure.h"
#include "aprofile.h"

/* What to profile or check, and how: the verb's options. */
struct profile_args {
	const char *model, *ops, *variants, *timings, *out; /* out NULL: stdout */
	int check, pass_list, isolated, strict;
	struct agent_profile_opts p; /* threads, backend, measure, seed */
	double tolerance, goal;      /* percentages, for --check */
};

/* The agent's defaults, a 10% tolerance and a 90% goal. */
void profile_args_defaults(struct profile_args *a);
/* Refuses combinations that do not go together (ERR_USAGE); fills the default model. */
int profile_args_check(struct profile_args *a, struct errbuf *eb);
/*
 * Profiles (or writes the pass list, or checks) as a says; output written whole or not at
 * all. With strict, *missed says the check's goal was missed and goal_msg says how.
 */
int profile_model(const struct profile_args *a, int *missed, char *goal_msg, size_t goal_len,
		  struct errbuf *eb);

/* One variant of a check: its key and transformed spec (borrowed). */
struct profile_variant {
	const char *key;
	const struct model *spec;
};

/*
 * Writes the pass list of the variants: metadata, then for every variant its layers in
 * order, the `pass` column holding the variant key and `input` naming a layer's input when
 * it is not the previous layer (adascale-agent profile reads it; devices/agent/arun.h).
 */
int profile_pass_list_write(FILE *f, const struct model *base,
			    const struct profile_variant *v, int n, struct errbuf *eb);

/*
 * The agent's layers of a spec, in order (input -1 for "the previous layer"), as a pass list
 * holds them: what agent_pass_create builds. Owned by the caller (free); NULL when out of
 * memory (detail in eb).
 */
struct agent_layer *profile_agent_layers(const struct model *s, struct errbuf *eb);

struct profile_check_opts {
	const char *timings;     /* timings file to check */
	int n_threads;
	int threads[AGENT_MAX_THREAD_COUNTS];
	const char *backend;     /* "auto" */
	struct agent_measure_opts m; /* how each pass is timed */
	uint64_t seed;
	double tolerance;        /* 0.10: a variant is within when |sum - pass| <= this x pass */
	double goal;             /* 0.90: the share of variants that should be within */
};

void profile_check_defaults(struct profile_check_opts *o);

struct profile_check_result {
	int n;          /* variant x thread count pairs */
	int n_within;
	int per_threads_n[AGENT_MAX_THREAD_COUNTS];
	int per_threads_within[AGENT_MAX_THREAD_COUNTS];
	double worst_rel;  /* the largest |sum - pass| / pass */
};

/*
 * Times every variant's whole pass at every thread count and writes, per pair, the pass
 * median, the sum of its kernels' medians from o->timings and their difference, then the
 * share within the tolerance. A kernel missing from the timings is ERR_NOTFOUND naming it.
 * Nothing is written when anything fails before the first timing.
 */
int profile_check(const struct profile_check_opts *o, const char *model_name,
		  const struct profile_variant *v, int n, FILE *out,
		  struct profile_check_result *r, struct errbuf *eb);

#endif

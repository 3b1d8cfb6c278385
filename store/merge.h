/*
 * merge.h: merging results databases, e.g. the shards of a sweep run on a cluster, into
 * one. A run is identified by (config_key, seed, tag). A run present in several inputs
 * must have the same results in each: identical duplicates are kept once, a conflicting
 * duplicate (the same run with different metrics, status, notes or detail rows) refuses
 * the whole merge. An 'ok' run replaces a 'failed' one of the same identity; a failed
 * duplicate of a run already there is dropped.
 *
 * The output is written whole or not at all: the merge goes into a temporary file next to
 * OUT (a copy of OUT when it exists) that is renamed over OUT at the end.
 * Not for sweeping (sweep.h) or for reading results for reports (reports/).
 */
#ifndef ADASCALE_MERGE_H
#define ADASCALE_MERGE_H

#include <stdint.h>

#include "err.h"

struct merge_stats {
	int64_t n_copied;          /* runs added to the output */
	int64_t n_identical;       /* duplicates with the same results, kept once */
	int64_t n_replaced;        /* failed runs replaced by an ok run of the same identity */
	int64_t n_failed_dropped;  /* failed duplicates of runs already there */
	int64_t n_runs;            /* runs in the output at the end */
};

/*
 * Merges the databases in[0..n_in) into out (created when missing). A conflict is
 * ERR_PARSE naming the input, the run and the first differing column; a database of a
 * newer schema, or not a results database, is ERR_PARSE too; nothing is written then.
 */
int merge_databases(const char *out, const char *const *in, int n_in, struct merge_stats *st,
		    struct errbuf *eb);

#endif

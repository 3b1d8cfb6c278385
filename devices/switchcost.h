/*
 * switchcost.h: a device's measured switch costs, as `adascale-agent switchcost` writes them
 * (docs/formats.md): for each variant and thread count, how long reading its weights took
 * with a cold page cache and how long building its operators (create, set up, pack the
 * weights) took. A device file names it (`switch_costs = FILE`); the device model
 * (devmodel.h) charges a switch from it and keeps the assumed constants (storage_read_mbps,
 * init_ms) for variants it does not hold.
 *
 * Which variants share weights (switchcost_shares_weights): two keys of one model whose
 * operators agree except for the cuts the model's spec declares (`# shared_weights:`, a
 * subset of width, res, exit; models/layers.h): a narrower width and an earlier exit of a
 * self-evolving network are cuts of the same weights, another resolution of one trained
 * network is the same weights with other operators. A spec that declares nothing (the
 * zoo's published ladders, each point its own trained checkpoint) shares none. Not for
 * measuring (devices/agent/aswitch.c) or for charging a switch (devmodel.h).
 */
#ifndef ADASCALE_SWITCHCOST_H
#define ADASCALE_SWITCHCOST_H

#include <limits.h>

#include "err.h"

struct switchcost_row {
	char *variant;          /* owned: the variant key */
	int threads;
	double weight_bytes;    /* the weights read */
	double read_cold_ms;    /* reading them with a cold page cache (median) */
	double read_warm_ms;    /* again, with the pages cached (median; NAN when absent) */
	double build_ms;        /* building every operator of the variant (median) */
	long line;
};

struct switchcost {
	char path[PATH_MAX];
	char sha256[65];
	int n;
	struct switchcost_row *r; /* owned, sorted by (variant, threads) */
};

/*
 * Reads and checks a switch-cost file: columns variant, threads, weight_bytes, read_cold_ms,
 * build_ms (read_warm_ms optional); times >= 0, weight_bytes >= 0, one row per variant and
 * thread count. Errors name file:line. *out is the caller's.
 */
int switchcost_load(const char *path, struct switchcost **out, struct errbuf *eb);
/* Accepts NULL. */
void switchcost_destroy(struct switchcost *s);

/* 0 when every variant key of s is of model ("MODEL:..."), else an error naming the row. */
int switchcost_check_model(const struct switchcost *s, const char *model, struct errbuf *eb);

/*
 * Adds the rows of `from` (read from one model's own file: each of its variant keys must be
 * of `model`, "MODEL:...") to `into`, which then also answers for them; a variant and thread
 * count that `into` already holds is an error naming both files' lines. `into`'s sha256
 * becomes SHA-256 of "INTO_SHA256\nFROM_SHA256\n". On error `into` is as it was. `from`
 * stays the caller's.
 */
int switchcost_merge(struct switchcost *into, const struct switchcost *from, const char *model,
		     struct errbuf *eb);

/*
 * The row of variant key at threads: that thread count, else the largest one below it,
 * else the smallest one above; NULL when the variant has no row.
 */
const struct switchcost_row *switchcost_find(const struct switchcost *s, const char *key,
					     int threads);

/*
 * 1 when variant keys a and b share weights (see above) under cuts (operator names
 * separated by spaces or commas, e.g. "width exit"; NULL: nothing shared), else 0.
 */
int switchcost_shares_weights(const char *a, const char *b, const char *cuts);

#endif

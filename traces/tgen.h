/*
 * tgen.h: `adascale trace gen`: seeded generators of named device conditions (thermal
 * throttling, competing app bursts, memory pressure, battery saver, charging, a compressed
 * day in the life), each a small documented model (docs/traces.md) with named parameters.
 *
 * A generated trace opens with `# generator:` (the exact command that regenerates it,
 * every parameter written out), `# seed:` and `# max_freq_mhz:` (the model's nominal
 * maximum, so the trace replays on any device as a fraction of that device's maximum).
 * The same scenario, seed, duration, interval and parameters give the same bytes: all
 * randomness comes from rng.h streams named after the model part that draws them, and
 * numbers are written with fixed formats.
 *
 * The models step in 10 ms; rows are written every interval_ms (a multiple of 10) from 0
 * to the duration. Not for reading or checking traces (trace.h, tcheck.h).
 */
#ifndef ADASCALE_TGEN_H
#define ADASCALE_TGEN_H

#include <stdint.h>
#include <stdio.h>

#include "err.h"

#define TGEN_STEP_MS 10

struct tgen_param {
	const char *name;
	double def;        /* the scenario's default */
	double lo, hi;     /* accepted range */
	const char *unit;
	const char *help;
};

struct tgen_scenario {
	const char *name;
	const char *summary;  /* one line */
	const char *models;   /* what it models, a paragraph */
	const char *columns;  /* the trace columns it writes */
	double duration_s;    /* default duration */
	int interval_ms;      /* default interval */
	int n_params;
	const struct tgen_param *params;
};

int tgen_n_scenarios(void);
const struct tgen_scenario *tgen_scenario_at(int i);
/* The scenario called name, or NULL. */
const struct tgen_scenario *tgen_find(const char *name);

struct tgen_opts {
	const char *scenario;
	uint64_t seed;         /* 1 by default */
	double duration_s;     /* 0: the scenario's default */
	int interval_ms;       /* 0: the scenario's default */
	int n_kv;
	const char *const *kv; /* "name=value" parameters, each at most once */
};

void tgen_opts_default(struct tgen_opts *o);

/*
 * Writes the trace to f. Everything is checked before the first byte: an unknown
 * scenario or parameter, a value out of its range, or an interval that is not a multiple
 * of 10 ms is ERR_USAGE and writes nothing.
 */
int tgen_write(FILE *f, const struct tgen_opts *o, struct errbuf *eb);

/* `trace gen --help`: the usage and every scenario with its parameters. */
void tgen_help(FILE *f);

#endif

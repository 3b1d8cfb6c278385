/*
 * sense.h: the device state as a policy senses it (a device's [sensing], docs/simulation.md).
 * A phone's governor or app reads /proc/stat and the cpufreq files now and then, not the
 * state itself: a sample every period_ms, each the state at its moment with the competing
 * load averaged over the period before it (what two /proc/stat reads give), seen delay_ms
 * after it is taken, its load with Gaussian noise of util_noise_sd (the stream "sensing",
 * drawn by sample number, so what a policy sees does not depend on how often it asks).
 *
 * Not for the true state (run.c keeps it and the device model uses it) or for policies that
 * see the future (the oracle keeps the exact state and its look-ahead).
 */
#ifndef ADASCALE_SENSE_H
#define ADASCALE_SENSE_H

#include <stdint.h>

#include "adascale_policy.h"
#include "err.h"
#include "rng.h"

struct sense_params {
	double period_ms;       /* > 0 */
	double delay_ms;        /* >= 0 */
	double util_noise_sd;   /* >= 0, in the 0..1 share of util_other */
};

/* One true state from t_ns until the next. */
struct sense_point {
	int64_t t_ns;
	struct adascale_state st;
};

struct sense {
	struct sense_params p;
	int64_t period_ns, delay_ns;
	struct rng noise;
	struct sense_point *hist; /* owned: the true states still needed, oldest first */
	int n, cap;
};

/* Starts with the state at time 0; the noise stream is seeded from the run's seed. */
int sense_init(struct sense *s, const struct sense_params *p, uint64_t seed,
	       const struct adascale_state *st0, struct errbuf *eb);
void sense_free(struct sense *s);

/* The true state is st from t_ns on (t_ns never before the last call's). 0 or ERR_NOMEM. */
int sense_note(struct sense *s, int64_t t_ns, const struct adascale_state *st);

/* What a policy senses at now (no earlier than the last note): into *out (t_ns = now). */
void sense_view(struct sense *s, int64_t now, struct adascale_state *out);

#endif

/*
 * rng.h: named, seeded random streams. Each stream is xoshiro256** (Blackman and Vigna,
 * 2018) seeded through splitmix64 from (run seed, FNV-1a hash of the stream's name), so a
 * draw added in one stream never shifts another, and a run's numbers depend only on its
 * seed. Not for anything cryptographic.
 */
#ifndef ADASCALE_RNG_H
#define ADASCALE_RNG_H

#include <stdint.h>

struct rng {
	uint64_t s[4];
};

/* Seeds stream `name` of run seed `seed`. */
void rng_init(struct rng *r, uint64_t seed, const char *name);
uint64_t rng_u64(struct rng *r);
/* Uniform in [0, 1), 53 random bits. */
double rng_uniform(struct rng *r);
/* Exponential with the given mean (> 0). */
double rng_exp(struct rng *r, double mean);
/*
 * The k-th number of the stream's counter sequence, uniform in [0, 1): a function of the
 * stream's seed and k alone (splitmix64 of both), for draws that belong to a moment rather
 * than to the order they are asked in (a sensor's k-th sample). Leaves r as it was.
 */
double rng_uniform_at(const struct rng *r, uint64_t k);

#endif

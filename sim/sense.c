/*
 * sense.c: the sensed state (see sense.h). The true states are kept from the oldest one a
 * sample can still reach (period + delay before now) on; a sample's load is the
 * time-weighted mean of util_other over its period.
 */
#include "sense.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int sense_init(struct sense *s, const struct sense_params *p, uint64_t seed,
	       const struct adascale_state *st0, struct errbuf *eb)
{
	memset(s, 0, sizeof *s);
	if (!(p->period_ms > 0) || !(p->delay_ms >= 0) || !(p->util_noise_sd >= 0))
		return err_set(eb, ERR_RANGE, "sensing: period_ms > 0, delay_ms >= 0 and "
					      "util_noise_sd >= 0 expected");
	s->p = *p;
	s->period_ns = llround(p->period_ms * 1e6);
	s->delay_ns = llround(p->delay_ms * 1e6);
	if (s->period_ns < 1)
		s->period_ns = 1;
	rng_init(&s->noise, seed, "sensing");
	return sense_note(s, 0, st0) < 0 ? err_set(eb, ERR_NOMEM, "out of memory") : 0;
}

void sense_free(struct sense *s)
{
	free(s->hist);
	s->hist = NULL;
	s->n = s->cap = 0;
}

int sense_note(struct sense *s, int64_t t_ns, const struct adascale_state *st)
{
	/* the states no sample can reach any more: those followed by one before the oldest
	   moment a window can start at (sample times only grow with now) */
	int64_t oldest = t_ns - s->delay_ns - 2 * s->period_ns;
	int k = 0;
	while (k + 1 < s->n && s->hist[k + 1].t_ns <= oldest)
		k++;
	if (k) {
		memmove(s->hist, s->hist + k, (size_t)(s->n - k) * sizeof *s->hist);
		s->n -= k;
	}
	if (s->n && s->hist[s->n - 1].t_ns == t_ns) {
		s->hist[s->n - 1].st = *st;
		return 0;
	}
	if (s->n == s->cap) {
		int cap = s->cap ? 2 * s->cap : 16;
		struct sense_point *h = realloc(s->hist, (size_t)cap * sizeof *h);
		if (!h)
			return ERR_NOMEM;
		s->hist = h;
		s->cap = cap;
	}
	s->hist[s->n++] = (struct sense_point){t_ns, *st};
	return 0;
}

/* The index of the state in force at t (the oldest kept when t is before it). */
static int at(const struct sense *s, int64_t t)
{
	int i = s->n - 1;
	while (i > 0 && s->hist[i].t_ns > t)
		i--;
	return i;
}

/* A standard normal draw for sample k (Box-Muller on the counter sequence). */
static double normal_at(const struct sense *s, int64_t k)
{
	double u1 = 1 - rng_uniform_at(&s->noise, 2 * (uint64_t)k);
	double u2 = rng_uniform_at(&s->noise, 2 * (uint64_t)k + 1);
	return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

void sense_view(struct sense *s, int64_t now, struct adascale_state *out)
{
	int64_t seen = now - s->delay_ns;
	int64_t k = seen > 0 ? seen / s->period_ns : 0;
	int64_t tk = k * s->period_ns, from = tk - s->period_ns > 0 ? tk - s->period_ns : 0;
	*out = s->hist[at(s, tk)].st;
	if (tk > from) {
		/* the load averaged over (from, tk] */
		double sum = 0;
		for (int i = at(s, from); i < s->n && s->hist[i].t_ns < tk; i++) {
			int64_t a = s->hist[i].t_ns > from ? s->hist[i].t_ns : from;
			int64_t b = i + 1 < s->n && s->hist[i + 1].t_ns < tk ? s->hist[i + 1].t_ns : tk;
			if (b > a)
				sum += s->hist[i].st.util_other * (double)(b - a);
		}
		out->util_other = sum / (double)(tk - from);
		/* each cluster's own load where the latest state has one, averaged the same way
		   (util_other where a state before it had none) */
		for (int c = 0; c < ADASCALE_MAX_CLUSTERS; c++) {
			if (!(out->util_cluster[c] >= 0))
				continue;
			double sc = 0;
			for (int i = at(s, from); i < s->n && s->hist[i].t_ns < tk; i++) {
				int64_t a = s->hist[i].t_ns > from ? s->hist[i].t_ns : from;
				int64_t b = i + 1 < s->n && s->hist[i + 1].t_ns < tk ? s->hist[i + 1].t_ns
										 : tk;
				const struct adascale_state *h = &s->hist[i].st;
				if (b > a)
					sc += (h->util_cluster[c] >= 0 ? h->util_cluster[c]
								       : h->util_other) *
					      (double)(b - a);
			}
			out->util_cluster[c] = sc / (double)(tk - from);
		}
	}
	if (s->p.util_noise_sd > 0) {
		/* one draw per sample, on every load the state has */
		double z = s->p.util_noise_sd * normal_at(s, k);
		double u = out->util_other + z;
		out->util_other = u < 0 ? 0 : u > 1 ? 1 : u;
		for (int c = 0; c < ADASCALE_MAX_CLUSTERS; c++)
			if (out->util_cluster[c] >= 0) {
				u = out->util_cluster[c] + z;
				out->util_cluster[c] = u < 0 ? 0 : u > 1 ? 1 : u;
			}
	}
	out->t_ns = now;
}

/*
 * thermal.c: the Foster thermal network of thermal.h, stepped exactly at constant power.
 * Not for fitting it (thermfit.c).
 */
#include "thermal.h"

#include <math.h>

double thermal_r_total(const struct thermal_model *m)
{
	double r = 0;
	for (int i = 0; i < m->n_nodes; i++)
		r += m->r_k_per_w[i];
	return r;
}

void thermal_steady(const struct thermal_model *m, double p_w, struct thermal_state *s)
{
	for (int i = 0; i < THERMAL_MAX_NODES; i++)
		s->theta_k[i] = i < m->n_nodes ? m->r_k_per_w[i] * p_w : 0;
}

void thermal_step(const struct thermal_model *m, struct thermal_state *s, double p_w,
		  double dt_s)
{
	if (dt_s <= 0)
		return;
	for (int i = 0; i < m->n_nodes; i++) {
		double tau = m->r_k_per_w[i] * m->c_j_per_k[i];
		double target = m->r_k_per_w[i] * p_w;
		double e = tau > 0 ? exp(-dt_s / tau) : 0;
		s->theta_k[i] = target + (s->theta_k[i] - target) * e;
	}
}

double thermal_temp_c(const struct thermal_model *m, const struct thermal_state *s,
		      double t_amb_c)
{
	double t = t_amb_c;
	for (int i = 0; i < m->n_nodes; i++)
		t += s->theta_k[i];
	return t;
}

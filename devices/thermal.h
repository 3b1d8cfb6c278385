/*
 * thermal.h: a small thermal network of a device's SoC, driven by the power it draws.
 *
 * The network is a Foster chain of n_nodes terms (1 or 2): term i has a resistance R_i
 * (K/W) and a capacitance C_i (J/K), its temperature rise theta_i over ambient follows
 *     C_i d(theta_i)/dt = P - theta_i / R_i
 * and the sensor reads T = T_amb + sum_i theta_i. One term is the single thermal mass with a
 * resistance to ambient (C dT/dt = P - (T - T_amb)/R); two terms add a fast one (the die and
 * its package) to the slow one (board, case, heat sink). Over a step in which P is constant
 * the update is the exact solution, theta <- theta e^(-dt/tau) + R P (1 - e^(-dt/tau)) with
 * tau = R C, so the result does not depend on how time is cut into steps.
 *
 * Not for fitting the parameters (thermfit.h) nor for what the temperature does to the
 * frequency (the governors, govern.h).
 */
#ifndef ADASCALE_THERMAL_H
#define ADASCALE_THERMAL_H

#define THERMAL_MAX_NODES 2

struct thermal_model {
	int n_nodes;                          /* 1 or 2 */
	double r_k_per_w[THERMAL_MAX_NODES];  /* each term's resistance, K/W */
	double c_j_per_k[THERMAL_MAX_NODES];  /* each term's capacitance, J/K */
};

struct thermal_state {
	double theta_k[THERMAL_MAX_NODES];    /* each term's rise over ambient, K */
};

/* The total resistance to ambient, sum R_i: the steady rise per watt. */
double thermal_r_total(const struct thermal_model *m);
/* The state in steady state at constant power p_w. */
void thermal_steady(const struct thermal_model *m, double p_w, struct thermal_state *s);
/* Advances s by dt_s seconds at constant power p_w (exact). */
void thermal_step(const struct thermal_model *m, struct thermal_state *s, double p_w,
		  double dt_s);
/* The sensor's temperature: t_amb_c plus every term's rise. */
double thermal_temp_c(const struct thermal_model *m, const struct thermal_state *s,
		      double t_amb_c);

#endif

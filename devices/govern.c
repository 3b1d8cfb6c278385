/*
 * govern.c: step_wise and power_allocator (govern.h), written after the rules of the
 * kernel's drivers/thermal/gov_step_wise.c and gov_power_allocator.c. Not for the
 * temperature (thermal.c).
 */
#include "govern.h"

#include <math.h>
#include <string.h>

static double actor_max_mw(const struct govern_actor *a)
{
	return a->n_opp ? a->opp_power_mw[a->n_opp - 1] * a->n_cpus : 0;
}

static double actor_min_mw(const struct govern_actor *a)
{
	return a->n_opp ? a->opp_power_mw[0] * a->n_cpus : 0;
}

void govern_init(struct govern *g, const struct govern_params *p,
		 const struct govern_actor *a, int n)
{
	memset(g, 0, sizeof *g);
	g->p = *p;
	g->n_actors = n < GOVERN_MAX_ACTORS ? n : GOVERN_MAX_ACTORS;
	for (int i = 0; i < g->n_actors; i++)
		g->actor[i] = a[i];
	for (int t = 0; t < GOVERN_MAX_TRIPS; t++)
		for (int i = 0; i < GOVERN_MAX_ACTORS; i++)
			g->target[t][i] = -1;
	if (g->p.kind == GOVERN_POWER_ALLOCATOR) {
		if (g->p.sustainable_mw <= 0) /* estimate_sustainable_power */
			for (int i = 0; i < g->n_actors; i++)
				g->p.sustainable_mw += actor_min_mw(&g->actor[i]);
		/* estimate_pid_constants: the range is control minus switch-on (or control alone
		   with one trip) */
		double range = g->p.n_trips ? g->p.trip_c[g->p.n_trips - 1] : 0;
		if (g->p.n_trips > 1)
			range -= g->p.trip_c[0];
		if (range > 0) {
			g->p.k_po = g->p.sustainable_mw / range;
			g->p.k_pu = 2 * g->p.sustainable_mw / range;
			g->p.k_i = g->p.k_pu / 10;
		}
		g->p.k_d = 0;
		g->p.integral_cutoff = 0;
	}
}

int govern_power2state(const struct govern_actor *a, double power_mw)
{
	int i = a->n_opp - 1;
	while (i > 0 && a->opp_power_mw[i] * a->n_cpus > power_mw)
		i--;
	return a->n_opp - 1 - i;
}

double govern_cap_mhz(const struct govern *g, int i)
{
	const struct govern_actor *a = &g->actor[i];
	int idx = a->n_opp - 1 - g->state[i];
	return a->opp_mhz[idx < 0 ? 0 : idx];
}

void govern_divvy(int n, const double *req_mw, const double *max_mw, double budget_mw,
		  double *granted_mw)
{
	double total = 0, extra = 0, headroom_sum = 0, headroom[GOVERN_MAX_ACTORS];
	for (int i = 0; i < n; i++)
		total += req_mw[i];
	if (total <= 0)
		total = 1;
	for (int i = 0; i < n; i++) {
		granted_mw[i] = req_mw[i] * budget_mw / total;
		if (granted_mw[i] > max_mw[i]) {
			extra += granted_mw[i] - max_mw[i];
			granted_mw[i] = max_mw[i];
		}
		headroom[i] = max_mw[i] - granted_mw[i];
		headroom_sum += headroom[i];
	}
	if (extra <= 0 || headroom_sum <= 0)
		return;
	if (extra > headroom_sum)
		extra = headroom_sum;
	for (int i = 0; i < n; i++)
		granted_mw[i] += headroom[i] * extra / headroom_sum;
}

static void step_wise(struct govern *g, double temp_c)
{
	int rising = g->polled && temp_c > g->last_c;
	int dropping = g->polled && temp_c < g->last_c;
	for (int t = 0; t < g->p.n_trips; t++) {
		int throttle = temp_c >= g->p.trip_c[t];
		for (int i = 0; i < g->n_actors; i++) {
			int upper = g->actor[i].n_opp - 1, cur = g->state[i];
			int *tg = &g->target[t][i];
			if (*tg < 0) { /* not yet active: the first crossing throttles */
				if (throttle)
					*tg = cur + 1 > upper ? upper : cur + 1;
				continue;
			}
			if (throttle) {
				if (rising)
					*tg = cur + 1 > upper ? upper : cur + 1;
			} else if (dropping) {
				*tg = cur <= 0 ? -1 : cur - 1;
			}
		}
	}
	for (int i = 0; i < g->n_actors; i++) {
		int s = 0;
		for (int t = 0; t < g->p.n_trips; t++)
			if (g->target[t][i] > s)
				s = g->target[t][i];
		g->state[i] = s;
	}
}

static void power_allocator(struct govern *g, double temp_c, const double *req_mw)
{
	int n = g->n_actors;
	if (!g->p.n_trips)
		return;
	if (g->p.n_trips > 1 && temp_c < g->p.trip_c[0]) { /* below switch-on: all caps off */
		g->err_integral = 0;
		g->prev_err = 0;
		g->budget_mw = 0;
		for (int i = 0; i < n; i++) {
			g->state[i] = 0;
			g->granted_mw[i] = 0;
		}
		return;
	}
	double req[GOVERN_MAX_ACTORS], max[GOVERN_MAX_ACTORS], max_total = 0;
	for (int i = 0; i < n; i++) {
		max[i] = actor_max_mw(&g->actor[i]);
		req[i] = req_mw ? req_mw[i] : max[i];
		max_total += max[i];
	}
	double err = g->p.trip_c[g->p.n_trips - 1] - temp_c;
	double p = (err < 0 ? g->p.k_po : g->p.k_pu) * err;
	double in = g->p.k_i * g->err_integral;
	if (err < g->p.integral_cutoff) {
		double next = in + g->p.k_i * err;
		if (fabs(next) < max_total) {
			in = next;
			g->err_integral += err;
		}
	}
	double d = g->p.period_s > 0 ? g->p.k_d * (err - g->prev_err) / (g->p.period_s * 1000)
				     : 0;
	g->prev_err = err;
	double budget = g->p.sustainable_mw + p + in + d;
	if (budget < 0)
		budget = 0;
	if (budget > max_total)
		budget = max_total;
	g->budget_mw = budget;
	govern_divvy(n, req, max, budget, g->granted_mw);
	for (int i = 0; i < n; i++)
		g->state[i] = govern_power2state(&g->actor[i], g->granted_mw[i]);
}

void govern_poll(struct govern *g, double temp_c, const double *req_mw)
{
	if (g->p.kind == GOVERN_STEP_WISE)
		step_wise(g, temp_c);
	else if (g->p.kind == GOVERN_POWER_ALLOCATOR)
		power_allocator(g, temp_c, req_mw);
	g->last_c = temp_c;
	g->polled = 1;
}

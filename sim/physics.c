/*
 * physics.c: the closed loop's thermal network, governor and battery, polled by the run
 * (physics.h). Not for the events that poll it (run.c).
 */
#include "physics.h"

#include <math.h>
#include <string.h>

void sim_physics_init(struct sim_physics *p, const struct device *d, int big)
{
	memset(p, 0, sizeof *p);
	p->dev = d;
	p->big = big;
	p->thermal = d->thermal.present;
	p->battery = d->battery.present;
	const struct device_thermal *t = &d->thermal;
	p->period_ns = p->thermal ? llround(t->polling_ms * 1e6) : 1000000000;
	for (int c = 0; c < d->n_clusters; c++)
		p->cap_mhz[c] = device_max_mhz(d, c);
	if (p->battery) {
		const struct device_battery *b = &d->battery;
		p->capacity_j = b->capacity_mah * 3.6 * b->voltage_v; /* mAh x 3.6 C/mAh x V */
		sim_physics_set_battery(p, b->start_pct);
	}
	if (!p->thermal)
		return;
	p->ambient_c = t->ambient_c;
	double idle_w = (d->base_power_mw + t->rest_power_mw) / 1000.0;
	thermal_steady(&t->net, idle_w, &p->th);
	p->temp_c = p->max_temp_c = thermal_temp_c(&t->net, &p->th, p->ambient_c);
	struct govern_actor a[DEVICE_MAX_CLUSTERS];
	int n = d->n_clusters < GOVERN_MAX_ACTORS ? d->n_clusters : GOVERN_MAX_ACTORS;
	for (int c = 0; c < n; c++) {
		const struct cluster *cl = &d->clusters[c];
		memset(&a[c], 0, sizeof a[c]);
		a[c].n_cpus = cl->cores;
		a[c].n_opp = cl->n_opp < GOVERN_MAX_OPPS ? cl->n_opp : GOVERN_MAX_OPPS;
		for (int i = 0; i < a[c].n_opp; i++) {
			a[c].opp_mhz[i] = cl->opp[i].mhz;
			a[c].opp_power_mw[i] = device_core_power_mw(d, c, cl->opp[i].mhz);
		}
	}
	struct govern_params gp = {.kind = t->governor, .n_trips = t->n_trips,
				   .sustainable_mw = t->sustainable_mw,
				   .period_s = t->polling_ms / 1000.0};
	memcpy(gp.trip_c, t->trip_c, sizeof gp.trip_c);
	govern_init(&p->gov, &gp, a, n);
}

void sim_physics_set_ambient(struct sim_physics *p, double ambient_c)
{
	p->ambient_c = ambient_c;
	if (p->thermal)
		p->temp_c = p->max_temp_c =
			thermal_temp_c(&p->dev->thermal.net, &p->th, ambient_c);
}

void sim_physics_set_battery(struct sim_physics *p, double pct)
{
	p->battery_pct = p->start_pct = pct;
	p->battery_j = p->capacity_j * pct / 100;
}

/* The highest operating point of cluster c at or below frac of its maximum (the lowest if none). */
static double saver_cap_mhz(const struct device *d, int c, double frac)
{
	const struct cluster *cl = &d->clusters[c];
	double limit = frac * cl->opp[cl->n_opp - 1].mhz * (1 + 1e-9);
	int i = cl->n_opp - 1;
	while (i > 0 && cl->opp[i].mhz > limit)
		i--;
	return cl->opp[i].mhz;
}

void sim_physics_poll(struct sim_physics *p, int64_t now_ns, double energy_mj, int charging)
{
	const struct device *d = p->dev;
	int64_t dt_ns = now_ns - p->last_ns;
	double dt_s = (double)dt_ns / 1e9;
	if (p->cap_mhz[p->big] < device_max_mhz(d, p->big))
		p->throttled_ns += dt_ns;
	if (p->saver)
		p->saver_ns += dt_ns;
	double cpu_mw = dt_s > 0 ? (energy_mj - p->last_energy_mj) / dt_s : 0;
	for (int c = 0; c < d->n_clusters; c++)
		p->cap_mhz[c] = device_max_mhz(d, c);
	if (p->thermal) {
		const struct device_thermal *t = &d->thermal;
		thermal_step(&t->net, &p->th, (cpu_mw + t->rest_power_mw) / 1000.0, dt_s);
		p->temp_c = thermal_temp_c(&t->net, &p->th, p->ambient_c);
		if (p->temp_c > p->max_temp_c)
			p->max_temp_c = p->temp_c;
		/* the power each cluster requests: the run's CPU power, all of it on the big
		   cluster (inference runs there; the other clusters' load is not modelled) */
		double req[GOVERN_MAX_ACTORS] = {0};
		if (p->big < GOVERN_MAX_ACTORS)
			req[p->big] = cpu_mw;
		govern_poll(&p->gov, p->temp_c, req);
		for (int c = 0; c < p->gov.n_actors; c++)
			p->cap_mhz[c] = govern_cap_mhz(&p->gov, c);
	}
	if (p->battery) {
		const struct device_battery *b = &d->battery;
		double drawn_j = (energy_mj - p->last_energy_mj) / 1000 + b->rest_power_mw / 1000 * dt_s;
		p->battery_j -= drawn_j;
		if (charging > 0)
			p->battery_j += b->charge_power_mw / 1000 * dt_s;
		if (p->battery_j < 0)
			p->battery_j = 0;
		if (p->battery_j > p->capacity_j)
			p->battery_j = p->capacity_j;
		p->battery_pct = 100 * p->battery_j / p->capacity_j;
		p->saver = p->battery_pct < b->saver_pct && charging <= 0;
		if (p->saver && b->saver_cap > 0)
			for (int c = 0; c < d->n_clusters; c++) {
				double cap = saver_cap_mhz(d, c, b->saver_cap);
				if (cap < p->cap_mhz[c])
					p->cap_mhz[c] = cap;
			}
	}
	p->last_ns = now_ns;
	p->last_energy_mj = energy_mj;
	p->n_polls++;
}

int sim_physics_online(const struct sim_physics *p, int cluster, int online)
{
	if (!p->saver || cluster != p->big || !p->dev->battery.saver_offline)
		return online;
	int left = p->dev->clusters[cluster].cores - p->dev->battery.saver_offline;
	return online < left ? online : left;
}

void sim_physics_finish(struct sim_physics *p, int64_t end_ns)
{
	if (end_ns > p->last_ns && p->cap_mhz[p->big] < device_max_mhz(p->dev, p->big))
		p->throttled_ns += end_ns - p->last_ns;
	if (end_ns > p->last_ns && p->saver)
		p->saver_ns += end_ns - p->last_ns;
	p->last_ns = end_ns;
}

/*
 * physics.c: the closed loop's thermal network and governor, polled by the run
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
	const struct device_thermal *t = &d->thermal;
	p->period_ns = llround(t->polling_ms * 1e6);
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
	for (int c = 0; c < d->n_clusters; c++)
		p->cap_mhz[c] = device_max_mhz(d, c);
}

void sim_physics_set_ambient(struct sim_physics *p, double ambient_c)
{
	p->ambient_c = ambient_c;
	p->temp_c = p->max_temp_c = thermal_temp_c(&p->dev->thermal.net, &p->th, ambient_c);
}

void sim_physics_poll(struct sim_physics *p, int64_t now_ns, double energy_mj)
{
	const struct device_thermal *t = &p->dev->thermal;
	double dt_s = (double)(now_ns - p->last_ns) / 1e9;
	if (p->cap_mhz[p->big] < device_max_mhz(p->dev, p->big))
		p->throttled_ns += now_ns - p->last_ns;
	double cpu_mw = dt_s > 0 ? (energy_mj - p->last_energy_mj) / dt_s : 0;
	thermal_step(&t->net, &p->th, (cpu_mw + t->rest_power_mw) / 1000.0, dt_s);
	p->temp_c = thermal_temp_c(&t->net, &p->th, p->ambient_c);
	if (p->temp_c > p->max_temp_c)
		p->max_temp_c = p->temp_c;
	/* the power each cluster requests: the run's CPU power, all of it on the big cluster
	   (inference runs there; the other clusters' load is not modelled) */
	double req[GOVERN_MAX_ACTORS] = {0};
	if (p->big < GOVERN_MAX_ACTORS)
		req[p->big] = cpu_mw;
	govern_poll(&p->gov, p->temp_c, req);
	for (int c = 0; c < p->gov.n_actors; c++)
		p->cap_mhz[c] = govern_cap_mhz(&p->gov, c);
	p->last_ns = now_ns;
	p->last_energy_mj = energy_mj;
	p->n_polls++;
}

void sim_physics_finish(struct sim_physics *p, int64_t end_ns)
{
	if (end_ns > p->last_ns && p->cap_mhz[p->big] < device_max_mhz(p->dev, p->big))
		p->throttled_ns += end_ns - p->last_ns;
	p->last_ns = end_ns;
}

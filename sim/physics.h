/*
 * physics.h: the closed loop of a run (docs/physics.md). Where the device file gives them:
 * the device's thermal network (devices/thermal.h), driven by the power the run draws, and
 * its thermal governor (devices/govern.h), which caps the clusters' frequencies; and its
 * battery, whose charge falls with the CPU energy the run integrates plus the rest of the
 * device's draw, rises on a charger, and below the saver threshold caps the frequency or
 * takes big cores offline. The run polls it every polling period of the [thermal] section
 * (every second with a battery alone) with the energy it has integrated so far; between
 * polls the power is the mean over the period (the network is stepped exactly at that
 * power). The ambient temperature comes from the trace's ambient_c column when it has one,
 * else from the device file; whether the device is on a charger, from the trace.
 *
 * Not for the rate and power of an inference (devices/devmodel.h) nor for the events that
 * call it (sim/run.c).
 */
#ifndef ADASCALE_SIM_PHYSICS_H
#define ADASCALE_SIM_PHYSICS_H

#include <stdint.h>

#include "device.h"

struct sim_physics {
	const struct device *dev;     /* not owned */
	int big;                      /* the cluster inference runs on */
	int thermal, battery;         /* which parts the device has */
	struct thermal_state th;
	struct govern gov;
	int64_t period_ns;
	int64_t last_ns;              /* the last poll */
	double last_energy_mj;        /* the run's energy at the last poll */
	double ambient_c;
	double temp_c, max_temp_c;
	double cap_mhz[DEVICE_MAX_CLUSTERS]; /* thermal and saver caps together */
	int64_t throttled_ns;         /* time the big cluster's cap was below its top point */
	double battery_j, capacity_j; /* charge left and capacity, joules */
	double battery_pct, start_pct;
	int saver;                    /* battery saver on */
	int64_t saver_ns;             /* time with the saver on */
	int64_t n_polls;
};

/*
 * Sets p up for device d (which has a [thermal] or a [battery] section): the network in
 * steady state at the device's base and rest power in its ambient, every cap at the top
 * point, the battery at the device's start_pct.
 */
void sim_physics_init(struct sim_physics *p, const struct device *d, int big);
/* Sets the ambient temperature, and the temperature the network reads in it now. */
void sim_physics_set_ambient(struct sim_physics *p, double ambient_c);
/* Sets the battery's charge (percent), before the first poll. */
void sim_physics_set_battery(struct sim_physics *p, double pct);
/*
 * One poll at now_ns: energy_mj is the run's energy so far (mJ), charging whether the device
 * has been on a charger since the last poll. Steps the network at the mean power since the
 * last poll plus the rest power, runs the governor, drains or charges the battery and
 * switches the saver; the new caps are in p->cap_mhz, the temperature in p->temp_c, the
 * charge in p->battery_pct.
 */
void sim_physics_poll(struct sim_physics *p, int64_t now_ns, double energy_mj, int charging);
/* The big cluster's online cores under the saver, given the trace's. */
int sim_physics_online(const struct sim_physics *p, int cluster, int online);
/* Counts the throttled and saver time up to end_ns (the run's end). */
void sim_physics_finish(struct sim_physics *p, int64_t end_ns);

#endif

/*
 * physics.h: the closed loop of a run (docs/physics.md): the device's thermal network
 * (devices/thermal.h), driven by the power the run draws, and its thermal governor
 * (devices/govern.h), which caps the clusters' frequencies. The run polls it every
 * polling period of the device's [thermal] section with the energy it has integrated so
 * far; between polls the power is the mean over the period (the network is stepped
 * exactly at that power). The ambient temperature comes from the trace's ambient_c column
 * when it has one, else from the device file.
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
	struct thermal_state th;
	struct govern gov;
	int64_t period_ns;
	int64_t last_ns;              /* the last poll */
	double last_energy_mj;        /* the run's energy at the last poll */
	double ambient_c;
	double temp_c, max_temp_c;
	double cap_mhz[DEVICE_MAX_CLUSTERS];
	int64_t throttled_ns;         /* time the big cluster's cap was below its top point */
	int64_t n_polls;
};

/*
 * Sets p up for device d (which must have a [thermal] section): the network in steady state
 * at the device's base and rest power in its ambient, every cap at the top point.
 */
void sim_physics_init(struct sim_physics *p, const struct device *d, int big);
/* Sets the ambient temperature, and the temperature the network reads in it now. */
void sim_physics_set_ambient(struct sim_physics *p, double ambient_c);
/*
 * One poll at now_ns: energy_mj is the run's energy so far (mJ). Steps the network at the
 * mean power since the last poll plus the rest power, then runs the governor; the new caps
 * are in p->cap_mhz, the temperature in p->temp_c.
 */
void sim_physics_poll(struct sim_physics *p, int64_t now_ns, double energy_mj);
/* Counts the throttled time up to end_ns (the run's end). */
void sim_physics_finish(struct sim_physics *p, int64_t end_ns);

#endif

/*
 * device.h: device descriptions (devices/NAME.ini), on which the device model (devmodel.h)
 * is built: CPU clusters with operating points (MHz, mV) and energy-model power
 * coefficients, memory, storage speed for loading variants, base power, and where the
 * kernel timings come from.
 *
 * Format (inih; ';' or '#' start comments):
 *   [device]   name, soc, memory_mb, storage_read_mbps, init_ms, base_power_mw,
 *              timings (a file relative to the .ini), timings_source (measured | derived:...),
 *              energy_source (free text: where the power numbers come from),
 *              calibration (optional: a contention calibration, calib.h, relative to the .ini)
 *              cadence (optional: the slowdown of a pass after an idle gap, per
 *                      competing load, calib.h cadence_load, relative to the .ini)
 *              switch_costs (optional: measured switch costs, switchcost.h, relative to
 *              the .ini; storage_read_mbps and init_ms remain for variants it lacks)
 *   [cluster.N] cores, core_type, capacity (DMIPS/MHz, biggest core = 1024),
 *              dyn_power_coeff (uW/MHz/V^2), opp (space-separated MHz@mV, ascending;
 *              repeated opp lines continue the list),
 *              voltage_rule (only when opp has no voltages: const:MV or linear:MINMV-MAXMV),
 *              flops_per_cycle (peak fp32 FLOPs per cycle per core; optional, for derive.h),
 *              peak_gflops and peak_gflops_all (fp32 GFLOP/s of one core alone and of every
 *              core at once, measured by adascale-agent info or sourced; optional, for
 *              derive.h, where they take precedence over flops_per_cycle),
 *              int8_ops_per_cycle (optional: the core's int8 rate, 2 per multiply-add, for
 *              derive.h's int8 rule),
 *              timings (optional: kernel timings on this cluster, relative to the .ini, for a
 *              device whose inference may run on more than one cluster; [device] timings
 *              are the default cluster's, the biggest)
 *   [device] may also give mem_bw_gbps (peak memory bandwidth, GB/s; optional, for derive.h)
 * Power of one busy core at an operating point: coeff * V^2 * f (the Linux Energy Model,
 * drivers/opp/of.c). Not for timing kernels (devices/agent/) or reading timings (timings.h).
 */
#ifndef ADASCALE_DEVICE_H
#define ADASCALE_DEVICE_H

#include <limits.h>

#include "err.h"
#include "govern.h"
#include "thermal.h"

#define DEVICE_MAX_CLUSTERS 8
#define DEVICE_MAX_OPPS 64

struct calib;
struct cadence;
struct switchcost;

struct opp {
	double mhz;
	double mv;
};

struct cluster {
	int cores;
	char core_type[96];
	double capacity;
	double dyn_power_coeff; /* uW / MHz / V^2 */
	int n_opp;
	struct opp opp[DEVICE_MAX_OPPS]; /* ascending MHz */
	char voltage_rule[64];           /* "" when the opps carry voltages */
	double flops_per_cycle;          /* fp32 per core; 0 when not given */
	double peak_gflops;              /* fp32 peak of one core alone, GFLOP/s, measured
					    (adascale-agent info) or sourced; 0: not given */
	double peak_gflops_all;          /* the same with every core busy at once; 0 */
	double int8_ops_per_cycle;       /* int8 multiply and add operations per cycle per core
					    (2 per MAC), sourced; 0 when not given */
	char timings[PATH_MAX];          /* timings measured on or derived for this cluster,
					    resolved like [device] timings; "" when not given:
					    inference runs here only where it has timings */
};

/* How a policy senses the state ([sensing]; sim/sense.h): off when the file has none. */
struct device_sensing {
	int on;
	double period_ms;       /* a sample every period_ms */
	double delay_ms;        /* seen this long after it is taken */
	double util_noise_sd;   /* Gaussian noise on the sensed util_other (0..1 share) */
	char source[256];       /* measured (the command) or assumed */
};

/*
 * [thermal]: the SoC's thermal network (thermal.h) and governor (govern.h), for the closed
 * loop (docs/physics.md). Keys: governor (step_wise | power_allocator), trips_c (passive
 * trips, ascending, degC), polling_ms (the zone's passive polling period),
 * sustainable_power_mw (power_allocator; omitted: the kernel's estimate), r1_k_per_w and
 * c1_j_per_k (the first term), r2_k_per_w and c2_j_per_k (an optional second term),
 * ambient_c (when the trace has no ambient_c column), rest_power_mw (the rest of the
 * device's power that heats the same network), source (free text: where each value comes
 * from).
 */
struct device_thermal {
	int present;             /* 0: the device has no [thermal] section */
	int governor;            /* GOVERN_STEP_WISE or GOVERN_POWER_ALLOCATOR */
	int n_trips;
	double trip_c[GOVERN_MAX_TRIPS];
	double polling_ms;
	double sustainable_mw;   /* 0: estimated */
	double ambient_c;
	double rest_power_mw;
	struct thermal_model net;
	char source[512];
};

/*
 * [battery]: the battery of the closed loop (docs/physics.md). Keys: capacity_mah, voltage_v
 * (nominal), start_pct (when the trace has no battery_pct), rest_power_mw (the rest of the
 * device's draw on the battery besides the CPU energy the run integrates), charge_power_mw
 * (what a charger puts in while the trace says charging), saver_pct (battery saver turns on
 * below it, off the charger), saver_action (cap:FRACTION: every cluster's frequency capped at
 * the highest operating point at or below that fraction of its maximum; offline:N: N cores
 * of the big cluster taken offline), source (free text).
 */
struct device_battery {
	int present;
	double capacity_mah, voltage_v, start_pct, rest_power_mw, charge_power_mw;
	double saver_pct;
	double saver_cap;        /* cap:FRACTION, or 0 */
	int saver_offline;       /* offline:N, or 0 */
	char source[512];
};

#define DEVICE_MAX_MODELS 12

/*
 * A model's own files ([device] timings.MODEL and switch_costs.MODEL): its kernels timed in
 * its own passes, and its variants' switch costs. MODEL is a zoo name, or a spec file's name
 * without folder and ".csv".
 */
struct device_model_files {
	char model[64];
	char timings[PATH_MAX];      /* resolved like timings; "" when not given */
	char switch_costs[PATH_MAX]; /* resolved like timings; "" when not given: its rows are
					added to sw */
	long timings_line, switch_line;
};

struct device {
	char name[64];
	char soc[128];
	char path[PATH_MAX];
	char sha256[65];         /* of the .ini; with a calibration, SHA-256 of the text
				    "INI_SHA256\nCALIBRATION_SHA256\n" (both hex), so that what
				    identifies a run covers both files; with a cadence, that
				    hash and "CADENCE_SHA256\n" hashed again the same way;
				    with switch costs, that hash and "SWITCH_COSTS_SHA256\n"
				    hashed again the same way,
				    and again for each model's own switch costs */
	double memory_mb;
	double storage_read_mbps;
	double init_ms;
	/* variants the runtime keeps built (adascale-agent serve --keep-built): a switch to one
	   of the last keep_built variants run costs nothing; 0 when not given (taken as 1:
	   every switch builds) */
	int keep_built;
	double base_power_mw;
	double mem_bw_gbps;      /* 0 when not given */
	char timings[PATH_MAX];  /* resolved against the .ini's folder; "" when none */
	char calibration[PATH_MAX]; /* resolved like timings; "" when none */
	struct calib *calib;        /* owned: read from calibration, NULL when none */
	char cadence[PATH_MAX];     /* resolved like timings; "" when none */
	struct cadence *cad;        /* owned: read from cadence (cadence_load), NULL when none:
				       passes take their back-to-back time after any idle gap */
	char switch_costs[PATH_MAX]; /* resolved like timings; "" when none */
	struct switchcost *sw;      /* owned: read from switch_costs, NULL when none */
	int n_models;
	struct device_model_files models[DEVICE_MAX_MODELS];
	char timings_source[128];
	char energy_source[256];
	int n_clusters;
	struct cluster clusters[DEVICE_MAX_CLUSTERS];
	struct device_sensing sensing;
	struct device_thermal thermal;
	struct device_battery battery;
};

/*
 * Reads and checks a device file, and the calibration it names (calib.h); errors name
 * file:line. *out is owned by the caller.
 */
int device_load(const char *path, struct device **out, struct errbuf *eb);
void device_destroy(struct device *d);

/*
 * The timings file for model (a zoo name or a spec path): the device's timings.MODEL when it
 * has one for that model, else its timings ("" when neither). Owned by d.
 */
const char *device_timings_for(const struct device *d, const char *model);

/* The cluster inference threads run on: the one with the highest capacity (ties: more cores). */
int device_big_cluster(const struct device *d);
double device_max_mhz(const struct device *d, int cluster);
/* The operating point a requested frequency runs at: the lowest OPP at or above it (capped). */
const struct opp *device_opp(const struct device *d, int cluster, double mhz);
/* Dynamic power of one busy core of a cluster at frequency mhz, in milliwatts. */
double device_core_power_mw(const struct device *d, int cluster, double mhz);

#endif

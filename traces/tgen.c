/*
 * tgen.c: the scenario generators (see tgen.h). One engine holds five small models, each
 * switched on by the scenario that needs it:
 *
 *   thermal  first-order thermal model, temperature rising with power and falling toward
 *            ambient, and a step-wise governor capping the frequency above a trip
 *            temperature and releasing it below trip - hysteresis;
 *   load     a sustained CPU activity phase (the app under test and friends);
 *   bursts   competing apps: alternating on and off periods of exponential length;
 *   memory   apps opening (each growing to its size) and a low-memory killer that kills
 *            the oldest app while free memory is under its threshold;
 *   battery  drain with CPU activity, charging with a taper and a slowdown when warm,
 *            battery saver capping the frequency below a level.
 *
 * A scenario is a list of the parameters it uses (with its defaults) and a "drive"
 * function that says, at each time, which phase the device is in. Each model draws from
 * its own rng stream, so turning one on never changes another's numbers. Not for writing
 * anything but generated traces.
 */
#include "tgen.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "num.h"
#include "rng.h"
#include "afile.h"

/* Every knob any model has; a scenario exposes the ones it uses. */
enum knob {
	K_MAX_FREQ, K_MIN_FREQ, K_AMBIENT, K_START_C, K_R, K_TAU, K_P_STATIC, K_P_DYN, K_TRIP,
	K_HYST, K_STEP, K_POLL, K_NOISE_C,
	K_LOAD, K_LOAD_START, K_LOAD_END, K_IDLE_LOAD,
	K_BASE_UTIL, K_BURST_LO, K_BURST_HI, K_ON_S, K_OFF_S, K_JITTER,
	K_BASE_FREE, K_APP_LO, K_APP_HI, K_OPEN_EVERY, K_RAMP, K_MINFREE, K_KILL_DELAY,
	K_MEM_NOISE, K_LAUNCH_UTIL,
	K_START_PCT, K_DRAIN, K_IDLE_DRAIN, K_SAVER_PCT, K_SAVER_CAP,
	K_PLUG_S, K_CHARGE, K_TAPER, K_CHARGE_HEAT, K_CHARGE_LIMIT,
	K_N
};

struct knob_def {
	const char *name;
	double lo, hi;
	const char *unit;
	const char *help;
};

static const struct knob_def knobs[K_N] = {
	[K_MAX_FREQ] = {"max_freq_mhz", 100, 20000, "MHz",
			"nominal maximum CPU frequency (written as # max_freq_mhz)"},
	[K_MIN_FREQ] = {"min_freq_mhz", 10, 20000, "MHz",
			"lowest frequency the thermal governor caps to"},
	[K_AMBIENT] = {"ambient_c", -40, 60, "C", "ambient temperature the device cools toward"},
	[K_START_C] = {"start_c", -40, 150, "C", "temperature at time 0"},
	[K_R] = {"r_c_per_w", 0.1, 200, "C/W",
		 "thermal resistance to ambient: steady state = ambient + R x power"},
	[K_TAU] = {"tau_s", 1, 36000, "s", "thermal time constant (R x heat capacity)"},
	[K_P_STATIC] = {"p_static_w", 0, 100, "W", "power drawn whatever the CPU does"},
	[K_P_DYN] = {"p_dyn_w", 0, 100, "W",
		     "CPU power at the maximum frequency with every core busy; scales with "
		     "activity x (f / max)^3"},
	[K_TRIP] = {"trip_c", -40, 150, "C", "trip temperature: the cap steps down above it"},
	[K_HYST] = {"hyst_c", 0, 100, "C",
		    "hysteresis: the cap steps up again below trip - hysteresis"},
	[K_STEP] = {"step_pct", 1, 100, "%", "cap step per governor poll, % of the maximum"},
	[K_POLL] = {"poll_ms", 10, 60000, "ms", "governor polling period (a multiple of 10)"},
	[K_NOISE_C] = {"noise_c", 0, 20, "C",
		       "standard deviation of the sensor noise (the governor sees the sensor)"},
	[K_LOAD] = {"load", 0, 1, "",
		    "CPU activity (busy share of all cores) during the sustained-load phase"},
	[K_LOAD_START] = {"load_start_s", 0, 1e6, "s", "start of the sustained-load phase"},
	[K_LOAD_END] = {"load_end_s", 0, 1e6, "s", "end of the sustained-load phase"},
	[K_IDLE_LOAD] = {"idle_load", 0, 1, "", "CPU activity outside the load phase"},
	[K_BASE_UTIL] = {"base_util", 0, 1, "", "util_other between bursts"},
	[K_BURST_LO] = {"burst_lo", 0, 1, "", "lowest util_other of a burst (uniform per burst)"},
	[K_BURST_HI] = {"burst_hi", 0, 1, "", "highest util_other of a burst"},
	[K_ON_S] = {"on_s", 0.01, 1e5, "s", "mean burst length (exponential)"},
	[K_OFF_S] = {"off_s", 0.01, 1e5, "s", "mean pause between bursts (exponential)"},
	[K_JITTER] = {"jitter", 0, 0.5, "",
		      "per-sample noise on util_other, uniform in [-jitter, +jitter]"},
	[K_BASE_FREE] = {"base_free_mb", 0, 1e7, "MB", "free memory with no app open"},
	[K_APP_LO] = {"app_lo_mb", 0, 1e6, "MB", "smallest app (uniform size per app)"},
	[K_APP_HI] = {"app_hi_mb", 0, 1e6, "MB", "largest app"},
	[K_OPEN_EVERY] = {"open_every_s", 0.01, 1e5, "s",
			  "mean time between app launches (exponential)"},
	[K_RAMP] = {"ramp_s", 0, 600, "s", "time an app takes to allocate its memory"},
	[K_MINFREE] = {"minfree_mb", 0, 1e6, "MB",
		       "low-memory killer threshold: below it the oldest app is killed"},
	[K_KILL_DELAY] = {"kill_delay_s", 0, 600, "s", "delay between crossing it and a kill"},
	[K_MEM_NOISE] = {"mem_noise_mb", 0, 1e5, "MB",
			 "standard deviation of per-sample noise (page cache) on free memory"},
	[K_LAUNCH_UTIL] = {"launch_util", 0, 1, "", "util_other while an app is launching"},
	[K_START_PCT] = {"start_pct", 0, 100, "%", "battery level at time 0"},
	[K_DRAIN] = {"drain_pct_per_min", 0, 100, "%/min", "battery drain at full activity"},
	[K_IDLE_DRAIN] = {"idle_drain_pct_per_min", 0, 100, "%/min", "battery drain when idle"},
	[K_SAVER_PCT] = {"saver_pct", 0, 100, "%",
			 "battery saver turns on at or below this level (off on the charger)"},
	[K_SAVER_CAP] = {"saver_cap_pct", 1, 100, "%",
			 "frequency cap under battery saver, % of the maximum"},
	[K_PLUG_S] = {"plug_s", 0, 1e6, "s", "when the charger is plugged in"},
	[K_CHARGE] = {"charge_pct_per_min", 0, 100, "%/min",
		      "charge rate below the taper level"},
	[K_TAPER] = {"taper_pct", 0, 100, "%",
		     "above this level the charge rate falls linearly to 0 at 100%"},
	[K_CHARGE_HEAT] = {"charge_heat_w", 0, 100, "W", "heat from charging at the full rate"},
	[K_CHARGE_LIMIT] = {"charge_limit_c", -40, 150, "C",
			    "above this temperature charging runs at half rate"},
};

/* Which models a scenario runs. */
enum {
	M_THERMAL = 1 << 0,
	M_LOAD = 1 << 1,
	M_BURSTS = 1 << 2,
	M_MEMORY = 1 << 3,
	M_BATTERY = 1 << 4,
	M_CHARGER = 1 << 5,
};

/* What the device is doing at a time: set by the scenario's drive function. */
struct phase {
	int plugged;   /* on the charger */
	int heavy;     /* sustained-load activity */
	int bursts;    /* competing apps active */
	int apps;      /* apps being opened */
};

struct scen {
	struct tgen_scenario pub;
	unsigned models;
	const char *cols[8];
	void (*drive)(const double *k, double t_s, double dur_s, struct phase *p);
	const enum knob *ks;
};

#define MAX_APPS 64

struct app {
	double size_mb;
	int64_t start_ms;
};

struct engine {
	const struct scen *sc;
	const double *k;
	int64_t dur_ms;
	struct rng r_burst, r_jitter, r_mem, r_memnoise, r_sensor;
	/* thermal */
	double temp_c, sensor_c, cap_mhz;
	int64_t next_poll_ms;
	/* bursts */
	int burst_on;
	double burst_level;
	int64_t burst_until_ms;
	/* memory */
	struct app apps[MAX_APPS];
	int n_apps;
	int64_t next_open_ms, kill_at_ms;
	double free_mb;
	int launching;
	/* battery */
	double pct, charge_frac;
	int charging, saver;
	/* this step */
	double util, activity, freq_mhz;
};

/* ---- scenarios ---------------------------------------------------------------------- */

static void drive_thermal(const double *k, double t, double dur, struct phase *p)
{
	(void)dur;
	memset(p, 0, sizeof *p);
	p->heavy = t >= k[K_LOAD_START] && t < k[K_LOAD_END];
}

static void drive_bursts(const double *k, double t, double dur, struct phase *p)
{
	(void)k;
	(void)t;
	(void)dur;
	memset(p, 0, sizeof *p);
	p->bursts = 1;
}

static void drive_memory(const double *k, double t, double dur, struct phase *p)
{
	(void)k;
	(void)t;
	(void)dur;
	memset(p, 0, sizeof *p);
	p->apps = 1;
}

static void drive_battery_saver(const double *k, double t, double dur, struct phase *p)
{
	(void)k;
	(void)t;
	(void)dur;
	memset(p, 0, sizeof *p);
	p->bursts = 1;
}

static void drive_charging(const double *k, double t, double dur, struct phase *p)
{
	(void)dur;
	memset(p, 0, sizeof *p);
	p->bursts = 1;
	p->plugged = t >= k[K_PLUG_S];
}

/*
 * A day compressed into the duration, by fraction of it: on the charger and idle (0-10%),
 * everyday use: apps and bursts (10-35%), a game or camera session: sustained load
 * (35-60%), everyday use again on a low battery (60-85%), back on the charger while still
 * in use (85-100%).
 */
static void drive_day(const double *k, double t, double dur, struct phase *p)
{
	(void)k;
	double f = dur > 0 ? t / dur : 0;
	memset(p, 0, sizeof *p);
	if (f < 0.10) {
		p->plugged = 1;
	} else if (f < 0.35) {
		p->bursts = p->apps = 1;
	} else if (f < 0.60) {
		p->heavy = 1;
	} else if (f < 0.85) {
		p->bursts = p->apps = 1;
	} else {
		p->plugged = 1;
		p->bursts = 1;
	}
}

#define THERMAL_KNOBS                                                                     \
	K_MAX_FREQ, K_MIN_FREQ, K_AMBIENT, K_START_C, K_R, K_TAU, K_P_STATIC, K_P_DYN, K_TRIP, \
		K_HYST, K_STEP, K_POLL, K_NOISE_C
#define BURST_KNOBS K_BASE_UTIL, K_BURST_LO, K_BURST_HI, K_ON_S, K_OFF_S, K_JITTER
#define MEMORY_KNOBS                                                                       \
	K_BASE_FREE, K_APP_LO, K_APP_HI, K_OPEN_EVERY, K_RAMP, K_MINFREE, K_KILL_DELAY,     \
		K_MEM_NOISE, K_LAUNCH_UTIL
#define BATTERY_KNOBS K_START_PCT, K_DRAIN, K_IDLE_DRAIN, K_SAVER_PCT, K_SAVER_CAP
#define CHARGER_KNOBS K_CHARGE, K_TAPER, K_CHARGE_HEAT, K_CHARGE_LIMIT

static const enum knob ks_thermal[] = {THERMAL_KNOBS, K_LOAD, K_LOAD_START, K_LOAD_END,
				       K_IDLE_LOAD, K_N};
static const enum knob ks_bursts[] = {BURST_KNOBS, K_N};
static const enum knob ks_memory[] = {MEMORY_KNOBS, K_BASE_UTIL, K_JITTER, K_N};
static const enum knob ks_saver[] = {K_MAX_FREQ, BATTERY_KNOBS, BURST_KNOBS, K_N};
static const enum knob ks_charging[] = {THERMAL_KNOBS, BATTERY_KNOBS, K_PLUG_S, CHARGER_KNOBS,
					BURST_KNOBS, K_N};
static const enum knob ks_day[] = {THERMAL_KNOBS, K_LOAD, K_IDLE_LOAD, BATTERY_KNOBS,
				   CHARGER_KNOBS, BURST_KNOBS, MEMORY_KNOBS, K_N};

/* Defaults for every knob; scenarios override some below. */
static const double base_defaults[K_N] = {
	[K_MAX_FREQ] = 2000, [K_MIN_FREQ] = 500, [K_AMBIENT] = 25, [K_START_C] = 35,
	[K_R] = 12, [K_TAU] = 40, [K_P_STATIC] = 0.5, [K_P_DYN] = 6, [K_TRIP] = 65,
	[K_HYST] = 5, [K_STEP] = 10, [K_POLL] = 500, [K_NOISE_C] = 0.3,
	[K_LOAD] = 0.9, [K_LOAD_START] = 30, [K_LOAD_END] = 420, [K_IDLE_LOAD] = 0.05,
	[K_BASE_UTIL] = 0.05, [K_BURST_LO] = 0.3, [K_BURST_HI] = 0.9, [K_ON_S] = 8,
	[K_OFF_S] = 20, [K_JITTER] = 0.03,
	[K_BASE_FREE] = 3000, [K_APP_LO] = 150, [K_APP_HI] = 600, [K_OPEN_EVERY] = 15,
	[K_RAMP] = 3, [K_MINFREE] = 400, [K_KILL_DELAY] = 0.5, [K_MEM_NOISE] = 15,
	[K_LAUNCH_UTIL] = 0.6,
	[K_START_PCT] = 21, [K_DRAIN] = 2, [K_IDLE_DRAIN] = 0.3, [K_SAVER_PCT] = 20,
	[K_SAVER_CAP] = 70,
	[K_PLUG_S] = 30, [K_CHARGE] = 1.5, [K_TAPER] = 80, [K_CHARGE_HEAT] = 1.5,
	[K_CHARGE_LIMIT] = 42,
};

struct override {
	enum knob k;
	double v;
};

static const struct override ov_charging[] = {{K_START_PCT, 70}, {K_TAU, 60},
					      {K_BURST_LO, 0.2}, {K_BURST_HI, 0.6},
					      {K_OFF_S, 30}, {K_N, 0}};
static const struct override ov_day[] = {{K_START_PCT, 38}, {K_DRAIN, 4}, {K_IDLE_DRAIN, 0.8},
					 {K_CHARGE, 2}, {K_N, 0}};
static const struct override ov_none[] = {{K_N, 0}};

static const struct scen scens[] = {
	{{"thermal",
	  "thermal throttling: a frequency cap that follows heat under sustained load",
	  "A first-order thermal model: the temperature moves toward ambient + R x power with "
	  "time constant tau, power being p_static + p_dyn x activity x (f / max)^3. Activity is "
	  "`load` from load_start_s to load_end_s and `idle_load` otherwise. A step-wise "
	  "governor polls a noisy sensor every poll_ms: at or above trip_c it lowers the cap by "
	  "step_pct of the maximum (not below min_freq_mhz), at or below trip_c - hyst_c it "
	  "raises it again. freq_mhz is the cap (what a busy CPU gets), temp_c the sensor.",
	  "freq_mhz, temp_c", 600, 500, 0, NULL},
	 M_THERMAL | M_LOAD, {"freq_mhz", "temp_c"}, drive_thermal, ks_thermal},
	{{"bursts", "competing app bursts: on/off periods of background load",
	  "Other apps alternate between bursts and pauses of exponential length (means on_s and "
	  "off_s). A burst takes util_other to a level drawn uniformly in [burst_lo, burst_hi]; "
	  "a pause leaves base_util. Each sample adds uniform noise of +-jitter (clamped to "
	  "0..1).",
	  "util_other", 300, 100, 0, NULL},
	 M_BURSTS, {"util_other"}, drive_bursts, ks_bursts},
	{{"memory_pressure",
	  "memory pressure: free memory falling as apps open, recovering on kills",
	  "Apps open at exponential intervals (mean open_every_s); each grows linearly to a "
	  "size drawn uniformly in [app_lo_mb, app_hi_mb] over ramp_s, during which it takes "
	  "util_other to launch_util. Free memory is base_free_mb minus what the open apps hold, "
	  "plus page-cache noise. Like Android's low-memory killer, whenever free memory stays "
	  "under minfree_mb for kill_delay_s the oldest app is killed and its memory returns.",
	  "util_other, mem_avail_mb", 300, 500, 0, NULL},
	 M_MEMORY, {"util_other", "mem_avail_mb"}, drive_memory, ks_memory},
	{{"battery_saver", "battery saver: a frequency cap below a battery level, battery draining",
	  "The battery drains at idle_drain + (drain - idle_drain) x activity %/min, activity "
	  "being the competing apps' bursts (as in `bursts`). At or below saver_pct the battery "
	  "saver turns on and caps the frequency at saver_cap_pct of max_freq_mhz until the "
	  "phone goes on the charger. battery_pct is reported in whole percent, as Android does.",
	  "freq_mhz, util_other, battery_pct, charging", 300, 1000, 0, NULL},
	 M_BATTERY | M_BURSTS, {"freq_mhz", "util_other", "battery_pct", "charging"},
	 drive_battery_saver, ks_saver},
	{{"charging", "charging: battery rising, temperature up",
	  "Unplugged until plug_s, then on the charger: the battery rises at charge_pct_per_min "
	  "up to taper_pct and ever slower above it (linear to 0 at 100%), at half rate while "
	  "the sensor reads above charge_limit_c. Charging heats the device with charge_heat_w "
	  "at the full rate (in proportion to the rate), on top of the CPU power of the thermal "
	  "model, whose governor still caps the frequency when the trip is reached. Light app "
	  "bursts run throughout.",
	  "freq_mhz, util_other, battery_pct, charging, temp_c", 600, 1000, 0, NULL},
	 M_THERMAL | M_BATTERY | M_CHARGER | M_BURSTS,
	 {"freq_mhz", "util_other", "battery_pct", "charging", "temp_c"}, drive_charging,
	 ks_charging},
	{{"day_in_the_life", "a day compressed into minutes: every condition in turn",
	  "Every model at once, in five phases by fraction of the duration: on the charger and "
	  "idle (0-10%), everyday use with app launches and bursts (10-35%), a game or camera "
	  "session at `load` that heats the device into throttling (35-60%), everyday use on a "
	  "low battery that brings battery saver (60-85%), and back on the charger while in use "
	  "(85-100%). Drain and charge rates are those of a compressed day, not of real time.",
	  "freq_mhz, util_other, mem_avail_mb, battery_pct, charging, temp_c", 900, 500, 0, NULL},
	 M_THERMAL | M_LOAD | M_BURSTS | M_MEMORY | M_BATTERY | M_CHARGER,
	 {"freq_mhz", "util_other", "mem_avail_mb", "battery_pct", "charging", "temp_c"},
	 drive_day, ks_day},
};

#define N_SCENS ((int)(sizeof scens / sizeof scens[0]))

static const struct override *overrides_of(int i)
{
	if (strcmp(scens[i].pub.name, "charging") == 0)
		return ov_charging;
	if (strcmp(scens[i].pub.name, "day_in_the_life") == 0)
		return ov_day;
	return ov_none;
}

/* The public parameter tables, built once from the knob lists. */
static struct tgen_param params[N_SCENS][K_N];
static struct tgen_scenario pubs[N_SCENS];
static int built;

static void build(void)
{
	if (built)
		return;
	for (int i = 0; i < N_SCENS; i++) {
		double def[K_N];
		memcpy(def, base_defaults, sizeof def);
		for (const struct override *o = overrides_of(i); o->k != K_N; o++)
			def[o->k] = o->v;
		int n = 0;
		for (const enum knob *k = scens[i].ks; *k != K_N; k++) {
			const struct knob_def *d = &knobs[*k];
			params[i][n++] = (struct tgen_param){d->name, def[*k], d->lo, d->hi, d->unit,
							     d->help};
		}
		pubs[i] = scens[i].pub;
		pubs[i].n_params = n;
		pubs[i].params = params[i];
	}
	built = 1;
}

int tgen_n_scenarios(void) { return N_SCENS; }

const struct tgen_scenario *tgen_scenario_at(int i)
{
	build();
	return i >= 0 && i < N_SCENS ? &pubs[i] : NULL;
}

static int find_index(const char *name)
{
	for (int i = 0; i < N_SCENS; i++)
		if (strcmp(scens[i].pub.name, name) == 0)
			return i;
	return -1;
}

const struct tgen_scenario *tgen_find(const char *name)
{
	int i = name ? find_index(name) : -1;
	return i < 0 ? NULL : tgen_scenario_at(i);
}

void tgen_opts_default(struct tgen_opts *o)
{
	memset(o, 0, sizeof *o);
	o->seed = 1;
}

/* ---- the models --------------------------------------------------------------------- */

static double clamp(double v, double lo, double hi) { return v < lo ? lo : v > hi ? hi : v; }

/* A standard normal draw (Box-Muller, one value per call). */
static double normal(struct rng *r)
{
	double u1 = 1.0 - rng_uniform(r); /* (0, 1] */
	double u2 = rng_uniform(r);
	return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* An exponential duration in whole steps, at least one. */
static int64_t exp_ms(struct rng *r, double mean_s)
{
	int64_t steps = (int64_t)llround(rng_exp(r, mean_s) * 1000.0 / TGEN_STEP_MS);
	return (steps < 1 ? 1 : steps) * TGEN_STEP_MS;
}

static void engine_init(struct engine *e, const struct scen *sc, const double *k,
			uint64_t seed, int64_t dur_ms)
{
	memset(e, 0, sizeof *e);
	e->sc = sc;
	e->k = k;
	e->dur_ms = dur_ms;
	rng_init(&e->r_burst, seed, "tgen.bursts");
	rng_init(&e->r_jitter, seed, "tgen.bursts.jitter");
	rng_init(&e->r_mem, seed, "tgen.memory");
	rng_init(&e->r_memnoise, seed, "tgen.memory.noise");
	rng_init(&e->r_sensor, seed, "tgen.thermal.sensor");
	e->temp_c = e->sensor_c = k[K_START_C];
	e->cap_mhz = k[K_MAX_FREQ];
	e->next_poll_ms = 0;
	e->burst_on = 0;
	e->burst_level = k[K_BASE_UTIL];
	if (sc->models & M_BURSTS)
		e->burst_until_ms = exp_ms(&e->r_burst, k[K_OFF_S]);
	if (sc->models & M_MEMORY)
		e->next_open_ms = exp_ms(&e->r_mem, k[K_OPEN_EVERY]);
	e->kill_at_ms = -1;
	e->free_mb = k[K_BASE_FREE];
	e->pct = k[K_START_PCT];
	e->freq_mhz = k[K_MAX_FREQ];
}

/* Bursts run all the time; the phase decides whether they count. */
static void step_bursts(struct engine *e, int64_t t_ms)
{
	const double *k = e->k;
	while (t_ms >= e->burst_until_ms) {
		e->burst_on = !e->burst_on;
		if (e->burst_on) {
			e->burst_level = k[K_BURST_LO] +
					 (k[K_BURST_HI] - k[K_BURST_LO]) * rng_uniform(&e->r_burst);
			e->burst_until_ms += exp_ms(&e->r_burst, k[K_ON_S]);
		} else {
			e->burst_level = k[K_BASE_UTIL];
			e->burst_until_ms += exp_ms(&e->r_burst, k[K_OFF_S]);
		}
	}
}

static void step_memory(struct engine *e, int64_t t_ms, int apps_active)
{
	const double *k = e->k;
	while (t_ms >= e->next_open_ms) {
		/* the draw happens whatever the phase, so phases do not shift later draws */
		double size = k[K_APP_LO] + (k[K_APP_HI] - k[K_APP_LO]) * rng_uniform(&e->r_mem);
		if (apps_active) {
			if (e->n_apps == MAX_APPS) { /* the oldest goes, as the killer would */
				memmove(e->apps, e->apps + 1, (MAX_APPS - 1) * sizeof e->apps[0]);
				e->n_apps--;
			}
			e->apps[e->n_apps].size_mb = size;
			e->apps[e->n_apps].start_ms = e->next_open_ms;
			e->n_apps++;
		}
		e->next_open_ms += exp_ms(&e->r_mem, k[K_OPEN_EVERY]);
	}
	double held = 0;
	e->launching = 0;
	double ramp_ms = k[K_RAMP] * 1000.0;
	for (int i = 0; i < e->n_apps; i++) {
		double age = (double)(t_ms - e->apps[i].start_ms);
		double frac = ramp_ms > 0 ? clamp(age / ramp_ms, 0, 1) : 1;
		if (frac < 1)
			e->launching = 1;
		held += e->apps[i].size_mb * frac;
	}
	e->free_mb = k[K_BASE_FREE] - held;
	if (e->kill_at_ms >= 0 && t_ms >= e->kill_at_ms) {
		if (e->n_apps > 0 && e->free_mb < k[K_MINFREE]) {
			memmove(e->apps, e->apps + 1, (size_t)(e->n_apps - 1) * sizeof e->apps[0]);
			e->n_apps--;
		}
		e->kill_at_ms = -1;
		step_memory(e, t_ms, 0); /* recount after the kill (no new app in between) */
		return;
	}
	if (e->kill_at_ms < 0 && e->n_apps > 0 && e->free_mb < k[K_MINFREE])
		e->kill_at_ms = t_ms + (int64_t)llround(k[K_KILL_DELAY] * 1000.0 / TGEN_STEP_MS) *
					       TGEN_STEP_MS;
}

static void step_battery(struct engine *e, int plugged, double dt_s)
{
	const double *k = e->k;
	e->charge_frac = 0;
	if (plugged && (e->sc->models & M_CHARGER)) {
		e->charging = 1;
		e->saver = 0;
		double rate = k[K_CHARGE];
		if (e->pct > k[K_TAPER])
			rate *= k[K_TAPER] < 100 ? clamp((100 - e->pct) / (100 - k[K_TAPER]), 0, 1) : 0;
		if ((e->sc->models & M_THERMAL) && e->sensor_c > k[K_CHARGE_LIMIT])
			rate *= 0.5;
		e->pct = clamp(e->pct + rate * dt_s / 60.0, 0, 100);
		e->charge_frac = k[K_CHARGE] > 0 ? rate / k[K_CHARGE] : 0;
		return;
	}
	e->charging = 0;
	double drain = k[K_IDLE_DRAIN] + (k[K_DRAIN] - k[K_IDLE_DRAIN]) * e->activity;
	e->pct = clamp(e->pct - drain * dt_s / 60.0, 0, 100);
	if (e->pct <= k[K_SAVER_PCT])
		e->saver = 1;
}

static void step_thermal(struct engine *e, int64_t t_ms, double dt_s)
{
	const double *k = e->k;
	double fr = e->freq_mhz / k[K_MAX_FREQ];
	double power = k[K_P_STATIC] + k[K_P_DYN] * e->activity * fr * fr * fr +
		       k[K_CHARGE_HEAT] * e->charge_frac;
	double steady = k[K_AMBIENT] + k[K_R] * power;
	e->temp_c = steady + (e->temp_c - steady) * exp(-dt_s / k[K_TAU]);
	if (t_ms < e->next_poll_ms)
		return;
	e->next_poll_ms += (int64_t)k[K_POLL];
	e->sensor_c = e->temp_c + k[K_NOISE_C] * normal(&e->r_sensor);
	double step = k[K_STEP] / 100.0 * k[K_MAX_FREQ];
	if (e->sensor_c >= k[K_TRIP])
		e->cap_mhz = fmax(k[K_MIN_FREQ], e->cap_mhz - step);
	else if (e->sensor_c <= k[K_TRIP] - k[K_HYST])
		e->cap_mhz = fmin(k[K_MAX_FREQ], e->cap_mhz + step);
}

/* Advances the models over [t_ms, t_ms + step). */
static void engine_step(struct engine *e, int64_t t_ms)
{
	const double *k = e->k;
	unsigned m = e->sc->models;
	struct phase ph;
	e->sc->drive(k, (double)t_ms / 1000.0, (double)e->dur_ms / 1000.0, &ph);
	double dt_s = TGEN_STEP_MS / 1000.0;

	e->util = 0;
	if (m & M_BURSTS) {
		step_bursts(e, t_ms);
		e->util = ph.bursts ? e->burst_level : k[K_BASE_UTIL];
	}
	if (m & M_MEMORY) {
		step_memory(e, t_ms, ph.apps);
		if (!(m & M_BURSTS) || !ph.bursts)
			e->util = fmax(e->util, k[K_BASE_UTIL]);
		if (e->launching)
			e->util = fmax(e->util, k[K_LAUNCH_UTIL]);
	}
	double own = 0;
	if (m & M_LOAD)
		own = ph.heavy ? k[K_LOAD] : k[K_IDLE_LOAD];
	e->activity = clamp(e->util + own, 0, 1);
	if (m & M_BATTERY)
		step_battery(e, ph.plugged, dt_s);
	if (m & M_THERMAL)
		step_thermal(e, t_ms, dt_s);
	double f = (m & M_THERMAL) ? e->cap_mhz : k[K_MAX_FREQ];
	if ((m & M_BATTERY) && e->saver)
		f = fmin(f, k[K_SAVER_CAP] / 100.0 * k[K_MAX_FREQ]);
	e->freq_mhz = f;
}

/* Writes the row for time t_ms: the state as the last step left it. */
static int engine_row(struct engine *e, FILE *f, int64_t t_ms)
{
	const double *k = e->k;
	int ok = fprintf(f, "%" PRId64 ".%02d", t_ms / 1000, (int)(t_ms % 1000) / 10) > 0;
	for (int c = 0; c < 8 && e->sc->cols[c]; c++) {
		const char *col = e->sc->cols[c];
		if (strcmp(col, "freq_mhz") == 0) {
			ok &= fprintf(f, ",%.0f", e->freq_mhz) > 0;
		} else if (strcmp(col, "util_other") == 0) {
			double j = k[K_JITTER] * (2 * rng_uniform(&e->r_jitter) - 1);
			ok &= fprintf(f, ",%.3f", clamp(e->util + j, 0, 1)) > 0;
		} else if (strcmp(col, "mem_avail_mb") == 0) {
			double n = k[K_MEM_NOISE] * normal(&e->r_memnoise);
			ok &= fprintf(f, ",%.0f", fmax(0, e->free_mb + n)) > 0;
		} else if (strcmp(col, "battery_pct") == 0) {
			ok &= fprintf(f, ",%.0f", floor(e->pct)) > 0;
		} else if (strcmp(col, "charging") == 0) {
			ok &= fprintf(f, ",%d", e->charging) > 0;
		} else if (strcmp(col, "temp_c") == 0) {
			ok &= fprintf(f, ",%.1f", e->sensor_c) > 0;
		}
	}
	ok &= fputc('\n', f) != EOF;
	return ok ? 0 : ERR_IO;
}

/* ---- options ------------------------------------------------------------------------ */

static int knob_of(const struct scen *sc, const char *name, int len)
{
	for (const enum knob *k = sc->ks; *k != K_N; k++)
		if ((int)strlen(knobs[*k].name) == len && strncmp(knobs[*k].name, name, (size_t)len) == 0)
			return (int)*k;
	return -1;
}

static int uses(const struct scen *sc, enum knob want)
{
	for (const enum knob *k = sc->ks; *k != K_N; k++)
		if (*k == want)
			return 1;
	return 0;
}

static int check_pair(const struct scen *sc, const double *k, enum knob lo, enum knob hi,
		      struct errbuf *eb)
{
	if (uses(sc, lo) && uses(sc, hi) && k[lo] > k[hi])
		return err_set(eb, ERR_USAGE, "trace gen %s: %s=%g is above %s=%g", sc->pub.name,
			       knobs[lo].name, k[lo], knobs[hi].name, k[hi]);
	return 0;
}

static int resolve(const struct tgen_opts *o, const struct scen **out_sc, double *k,
		   int64_t *dur_ms, int *iv_ms, struct errbuf *eb)
{
	int si = o->scenario ? find_index(o->scenario) : -1;
	if (si < 0) {
		char names[256] = "";
		for (int i = 0; i < N_SCENS; i++)
			snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s",
				 i ? ", " : "", scens[i].pub.name);
		return err_set(eb, ERR_USAGE, "trace gen: unknown scenario '%.64s' (known: %s)",
			       o->scenario ? o->scenario : "", names);
	}
	const struct scen *sc = &scens[si];
	memcpy(k, base_defaults, K_N * sizeof *k);
	for (const struct override *ov = overrides_of(si); ov->k != K_N; ov++)
		k[ov->k] = ov->v;
	int given[K_N] = {0};
	for (int i = 0; i < o->n_kv; i++) {
		const char *kv = o->kv[i];
		const char *eq = strchr(kv, '=');
		int ki = eq ? knob_of(sc, kv, (int)(eq - kv)) : -1;
		if (!eq)
			return err_set(eb, ERR_USAGE,
				       "trace gen %s: '%.64s' is not name=value (trace gen --help)",
				       sc->pub.name, kv);
		if (ki < 0)
			return err_set(eb, ERR_USAGE,
				       "trace gen %s: unknown parameter '%.*s' (trace gen --help lists "
				       "each scenario's)",
				       sc->pub.name, (int)(eq - kv < 64 ? eq - kv : 64), kv);
		if (given[ki]++)
			return err_set(eb, ERR_USAGE, "trace gen %s: parameter %s given twice",
				       sc->pub.name, knobs[ki].name);
		double v;
		if (num_double(eq + 1, &v) < 0 || v < knobs[ki].lo || v > knobs[ki].hi)
			return err_set(eb, ERR_USAGE, "trace gen %s: %s='%.32s': a number in [%g, %g] "
						      "is needed",
				       sc->pub.name, knobs[ki].name, eq + 1, knobs[ki].lo,
				       knobs[ki].hi);
		k[ki] = v;
	}
	int rc;
	if ((rc = check_pair(sc, k, K_MIN_FREQ, K_MAX_FREQ, eb)) < 0 ||
	    (rc = check_pair(sc, k, K_BURST_LO, K_BURST_HI, eb)) < 0 ||
	    (rc = check_pair(sc, k, K_APP_LO, K_APP_HI, eb)) < 0 ||
	    (rc = check_pair(sc, k, K_LOAD_START, K_LOAD_END, eb)) < 0 ||
	    (rc = check_pair(sc, k, K_IDLE_DRAIN, K_DRAIN, eb)) < 0)
		return rc;
	if (uses(sc, K_POLL) && fmod(k[K_POLL], TGEN_STEP_MS) != 0)
		return err_set(eb, ERR_USAGE, "trace gen %s: poll_ms=%g is not a multiple of %d",
			       sc->pub.name, k[K_POLL], TGEN_STEP_MS);
	double dur = o->duration_s > 0 ? o->duration_s : sc->pub.duration_s;
	int iv = o->interval_ms > 0 ? o->interval_ms : sc->pub.interval_ms;
	if (o->duration_s < 0 || dur > 7 * 86400)
		return err_set(eb, ERR_USAGE, "trace gen: --duration-s %g: give 0 < seconds <= %d",
			       o->duration_s, 7 * 86400);
	if (o->interval_ms < 0 || iv < TGEN_STEP_MS || iv > 3600000 || iv % TGEN_STEP_MS != 0)
		return err_set(eb, ERR_USAGE,
			       "trace gen: --interval-ms %d: give a multiple of %d ms in [%d, 3600000]",
			       o->interval_ms, TGEN_STEP_MS, TGEN_STEP_MS);
	int64_t d = llround(dur * 1000.0);
	if (d % TGEN_STEP_MS != 0 || d <= 0)
		return err_set(eb, ERR_USAGE, "trace gen: --duration-s %g: give whole hundredths "
					      "of a second",
			       dur);
	if (d / iv > 20000000)
		return err_set(eb, ERR_USAGE, "trace gen: %" PRId64 " rows is too many: raise "
					      "--interval-ms or lower --duration-s",
			       d / iv);
	*out_sc = sc;
	*dur_ms = d;
	*iv_ms = iv;
	return 0;
}

/* ---- writing ------------------------------------------------------------------------ */

static int write_header(FILE *f, const struct scen *sc, const double *k, uint64_t seed,
			int64_t dur_ms, int iv_ms)
{
	char num[32];
	int ok = 1;
	num_exact(num, (double)dur_ms / 1000.0);
	ok &= fprintf(f, "# generator: adascale trace gen %s --seed %" PRIu64
			 " --duration-s %s --interval-ms %d",
		      sc->pub.name, seed, num, iv_ms) > 0;
	for (const enum knob *kk = sc->ks; *kk != K_N; kk++) {
		num_exact(num, k[*kk]);
		ok &= fprintf(f, " %s=%s", knobs[*kk].name, num) > 0;
	}
	ok &= fprintf(f, "\n# seed: %" PRIu64 "\n", seed) > 0;
	num_exact(num, k[K_MAX_FREQ]);
	ok &= fprintf(f, "# max_freq_mhz: %s\n", num) > 0;
	ok &= fprintf(f, "# scenario: %s: %s\n", sc->pub.name, sc->pub.summary) > 0;
	ok &= fprintf(f, "# source: generated (a model, not a recording; docs/traces.md)\n") > 0;
	ok &= fprintf(f, "time_s") > 0;
	for (int c = 0; c < 8 && sc->cols[c]; c++)
		ok &= fprintf(f, ",%s", sc->cols[c]) > 0;
	ok &= fputc('\n', f) != EOF;
	return ok ? 0 : ERR_IO;
}

int tgen_write(FILE *f, const struct tgen_opts *o, struct errbuf *eb)
{
	const struct scen *sc = NULL;
	double k[K_N];
	int64_t dur_ms = 0;
	int iv_ms = 0;
	int rc = resolve(o, &sc, k, &dur_ms, &iv_ms, eb);
	if (rc < 0)
		return rc;
	struct engine *e = malloc(sizeof *e);
	if (!e)
		return err_set(eb, ERR_NOMEM, "trace gen: out of memory");
	engine_init(e, sc, k, o->seed, dur_ms);
	rc = write_header(f, sc, k, o->seed, dur_ms, iv_ms);
	/* The state at t is what the steps before t made of it; the first step sets phase 0. */
	engine_step(e, 0);
	for (int64_t t = 0; rc == 0 && t <= dur_ms; t += TGEN_STEP_MS) {
		if (t % iv_ms == 0 || t == dur_ms)
			rc = engine_row(e, f, t);
		if (t < dur_ms)
			engine_step(e, t + TGEN_STEP_MS);
	}
	free(e);
	if (rc < 0)
		return err_set(eb, ERR_IO, "trace gen: write error");
	return 0;
}

void tgen_help(FILE *f)
{
	build();
	fputs("usage: adascale trace gen SCENARIO [--seed N] [--duration-s S] [--interval-ms MS]\n"
	      "                          [-o FILE] [name=value ...]\n"
	      "Writes a generated trace (stdout or -o FILE). The same arguments give the same\n"
	      "bytes; the trace's `# generator:` line is the command that regenerates it with\n"
	      "every parameter written out. --seed defaults to 1; --interval-ms must be a\n"
	      "multiple of 10 (the models step in 10 ms).\n",
	      f);
	for (int i = 0; i < N_SCENS; i++) {
		const struct tgen_scenario *s = &pubs[i];
		fprintf(f, "\n%s: %s\n", s->name, s->summary);
		/* the paragraph, wrapped at about 88 columns */
		const char *p = s->models;
		while (*p) {
			int n = (int)strlen(p);
			if (n > 86) {
				n = 86;
				while (n > 0 && p[n] != ' ')
					n--;
				if (n == 0)
					n = 86;
			}
			fprintf(f, "  %.*s\n", n, p);
			p += n;
			while (*p == ' ')
				p++;
		}
		fprintf(f, "  columns: %s; default --duration-s %g --interval-ms %d\n", s->columns,
			s->duration_s, s->interval_ms);
		for (int j = 0; j < s->n_params; j++) {
			const struct tgen_param *q = &s->params[j];
			char def[32];
			num_exact(def, q->def);
			fprintf(f, "    %-22s %8s %-6s %s\n", q->name, def, q->unit, q->help);
		}
	}
}

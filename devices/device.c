/*
 * device.c: device INI reading (on inih) and the power model (see device.h).
 *
 * inih does not pass line numbers to its handler, so the file is fed to it through
 * common/inilines.c, which counts lines; the handler then names the line of the key it
 * rejects (inilines_fail).
 */
#include "device.h"

#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calib.h"
#include "switchcost.h"
#include "inilines.h"
#include "num.h"
#include "paths.h"
#include "sha256.h"

struct parse {
	FILE *f;
	struct inilines in;  /* counts lines, notes [section] headers */
	const char *path;
	struct device *d;
	int seen[DEVICE_MAX_CLUSTERS];
	unsigned seen_keys[DEVICE_MAX_CLUSTERS + 1]; /* bit per key, [0] = [device] */
	unsigned seen_thermal;                       /* bit per [thermal] key */
	unsigned seen_battery;                       /* bit per [battery] key */
	struct errbuf *eb;
	int rc;
	long calib_line;     /* of the calibration key */
	long cadence_line;   /* of the cadence key */
	unsigned sensing_keys; /* bit per [sensing] key seen */
	long switch_line;    /* of the switch_costs key */
};

static int num_in(struct parse *p, const char *key, const char *v, double lo, double hi,
		  double *out)
{
	double x;
	int rc = num_double(v, &x);
	if (rc == ERR_RANGE)
		return inilines_fail(&p->in, ERR_RANGE, "%s: '%.64s' is out of range", key, v);
	if (rc < 0)
		return inilines_fail(&p->in, ERR_PARSE, "%s: '%.64s' is not a number", key, v);
	if (x < lo || x > hi)
		return inilines_fail(&p->in, ERR_RANGE, "%s: %.64s is outside [%g, %g]", key, v, lo, hi);
	*out = x;
	return 1;
}

static void copy(char *dst, size_t len, const char *src) { snprintf(dst, len, "%s", src); }

static int parse_opps(struct parse *p, struct cluster *c, const char *v)
{
	char buf[2048];
	copy(buf, sizeof buf, v);
	int with_mv = c->n_opp ? c->opp[0].mv > 0 : -1;
	for (char *save, *tok = strtok_r(buf, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		if (c->n_opp == DEVICE_MAX_OPPS)
			return inilines_fail(&p->in, ERR_RANGE, "opp: more than %d operating points", DEVICE_MAX_OPPS);
		char *at = strchr(tok, '@');
		if (with_mv >= 0 && with_mv != (at != NULL))
			return inilines_fail(&p->in, ERR_PARSE, "opp: '%s': give MHz@mV for all points or for none",
				    tok);
		with_mv = at != NULL;
		if (at)
			*at = '\0';
		struct opp *o = &c->opp[c->n_opp];
		if (!num_in(p, "opp MHz", tok, 1, 20000, &o->mhz))
			return 0;
		o->mv = 0;
		if (at && !num_in(p, "opp mV", at + 1, 100, 2000, &o->mv))
			return 0;
		if (c->n_opp && o->mhz <= c->opp[c->n_opp - 1].mhz)
			return inilines_fail(&p->in, ERR_RANGE, "opp: %s MHz is not above the previous point", tok);
		c->n_opp++;
	}
	if (c->n_opp == 0)
		return inilines_fail(&p->in, ERR_PARSE, "opp: no operating points");
	return 1;
}

/* A file named by the device file: relative to its folder unless absolute. */
static int beside(struct parse *p, const char *key, const char *v, char *dst, size_t len)
{
	char dir[PATH_MAX];
	paths_dirname(p->path, dir, sizeof dir);
	if (v[0] == '/')
		copy(dst, len, v);
	else if (snprintf(dst, len, "%s/%s", dir, v) >= (int)len)
		return inilines_fail(&p->in, ERR_RANGE, "%s: path too long", key);
	return 1;
}

enum { K_NAME, K_SOC, K_MEM, K_STORAGE, K_INIT, K_BASE, K_TIMINGS, K_TSRC, K_ESRC, K_BW, K_CALIB,
       K_SWITCH, K_KEEP, K_CADENCE };
enum { C_CORES, C_TYPE, C_CAP, C_COEFF, C_OPP, C_VRULE, C_FPC, C_PEAK, C_PEAK_ALL, C_TIMINGS,
       C_INT8 };

/* timings.MODEL and switch_costs.MODEL: a model's own files (device.h). */
static int model_key(struct parse *p, const char *name, const char *v)
{
	int sw = strncmp(name, "switch_costs.", 13) == 0;
	const char *model = name + (sw ? 13 : 8);
	if (!model[0] || strlen(model) >= sizeof p->d->models[0].model ||
	    strspn(model, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") !=
		    strlen(model))
		return inilines_fail(&p->in, ERR_PARSE,
				     "%.64s: the model after the dot must be a model's name "
				     "(letters, digits, '_', '-', '.'; at most 63)",
				     name);
	if (!v[0])
		return inilines_fail(&p->in, ERR_PARSE, "%.64s: no file named", name);
	struct device *d = p->d;
	int i = 0;
	while (i < d->n_models && strcmp(d->models[i].model, model) != 0)
		i++;
	if (i == d->n_models) {
		if (i == DEVICE_MAX_MODELS)
			return inilines_fail(&p->in, ERR_RANGE,
					     "%.64s: more than %d models with their own files", name,
					     DEVICE_MAX_MODELS);
		copy(d->models[i].model, sizeof d->models[i].model, model);
		d->n_models++;
	}
	struct device_model_files *mf = &d->models[i];
	char *dst = sw ? mf->switch_costs : mf->timings;
	if (dst[0])
		return inilines_fail(&p->in, ERR_PARSE, "[device] %.64s is given twice", name);
	*(sw ? &mf->switch_line : &mf->timings_line) = p->in.line;
	return beside(p, name, v, dst, PATH_MAX);
}

static int device_key(struct parse *p, const char *name, const char *v)
{
	if (strncmp(name, "timings.", 8) == 0 || strncmp(name, "switch_costs.", 13) == 0)
		return model_key(p, name, v);
	static const char *const keys[] = {"name",    "soc",     "memory_mb",
					   "storage_read_mbps", "init_ms", "base_power_mw",
					   "timings", "timings_source", "energy_source",
					   "mem_bw_gbps", "calibration", "switch_costs",
					   "keep_built", "cadence"};
	struct device *d = p->d;
	for (int k = 0; k < (int)(sizeof keys / sizeof keys[0]); k++) {
		if (strcmp(name, keys[k]) != 0)
			continue;
		if (p->seen_keys[0] & (1u << k))
			return inilines_fail(&p->in, ERR_PARSE, "[device] %s is given twice", name);
		p->seen_keys[0] |= 1u << k;
		switch (k) {
		case K_NAME: copy(d->name, sizeof d->name, v); return 1;
		case K_SOC: copy(d->soc, sizeof d->soc, v); return 1;
		case K_MEM: return num_in(p, name, v, 1, 1e8, &d->memory_mb);
		case K_STORAGE: return num_in(p, name, v, 0.001, 1e7, &d->storage_read_mbps);
		case K_INIT: return num_in(p, name, v, 0, 1e6, &d->init_ms);
		case K_BASE: return num_in(p, name, v, 0, 1e6, &d->base_power_mw);
		case K_TIMINGS: return beside(p, name, v, d->timings, sizeof d->timings);
		case K_CALIB:
			if (!v[0])
				return inilines_fail(&p->in, ERR_PARSE, "calibration: no file named");
			p->calib_line = p->in.line;
			return beside(p, name, v, d->calibration, sizeof d->calibration);
		case K_CADENCE:
			if (!v[0])
				return inilines_fail(&p->in, ERR_PARSE, "cadence: no file named");
			p->cadence_line = p->in.line;
			return beside(p, name, v, d->cadence, sizeof d->cadence);
		case K_SWITCH:
			if (!v[0])
				return inilines_fail(&p->in, ERR_PARSE, "switch_costs: no file named");
			p->switch_line = p->in.line;
			return beside(p, name, v, d->switch_costs, sizeof d->switch_costs);
		case K_TSRC: copy(d->timings_source, sizeof d->timings_source, v); return 1;
		case K_ESRC: copy(d->energy_source, sizeof d->energy_source, v); return 1;
		case K_BW: return num_in(p, name, v, 0.001, 1e5, &d->mem_bw_gbps);
		case K_KEEP: {
			double x;
			int rc = num_in(p, name, v, 1, 64, &x);
			if (rc > 0 && x != (int)x)
				return inilines_fail(&p->in, ERR_RANGE,
						     "keep_built: '%.32s' is not a whole number", v);
			d->keep_built = (int)x;
			return rc;
		}
		}
	}
	return inilines_fail(&p->in, ERR_PARSE,
		    "[device]: unknown key '%.64s' (name, soc, memory_mb, storage_read_mbps, init_ms, "
		    "base_power_mw, timings, timings_source, energy_source, mem_bw_gbps, "
		    "calibration, cadence, switch_costs, keep_built, timings.MODEL, "
		    "switch_costs.MODEL)",
		    name);
}

static int cluster_key(struct parse *p, int ci, const char *name, const char *v)
{
	static const char *const keys[] = {"cores", "core_type", "capacity", "dyn_power_coeff",
					   "opp", "voltage_rule", "flops_per_cycle",
					   "peak_gflops", "peak_gflops_all", "timings",
					   "int8_ops_per_cycle"};
	struct cluster *c = &p->d->clusters[ci];
	double x;
	for (int k = 0; k < (int)(sizeof keys / sizeof keys[0]); k++) {
		if (strcmp(name, keys[k]) != 0)
			continue;
		if (k != C_OPP && (p->seen_keys[ci + 1] & (1u << k)))
			return inilines_fail(&p->in, ERR_PARSE, "[cluster] %s is given twice", name);
		p->seen_keys[ci + 1] |= 1u << k;
		switch (k) {
		case C_CORES:
			if (!num_in(p, name, v, 1, 1024, &x))
				return 0;
			if (x != floor(x))
				return inilines_fail(&p->in, ERR_RANGE, "cores: '%s' is not a whole number", v);
			c->cores = (int)x;
			return 1;
		case C_TYPE: copy(c->core_type, sizeof c->core_type, v); return 1;
		case C_CAP: return num_in(p, name, v, 1, 4096, &c->capacity);
		case C_COEFF: return num_in(p, name, v, 0, 1e6, &c->dyn_power_coeff);
		case C_OPP: return parse_opps(p, c, v);
		case C_VRULE: copy(c->voltage_rule, sizeof c->voltage_rule, v); return 1;
		case C_FPC: return num_in(p, name, v, 0.001, 4096, &c->flops_per_cycle);
		case C_PEAK: return num_in(p, name, v, 0.001, 1e6, &c->peak_gflops);
		case C_PEAK_ALL: return num_in(p, name, v, 0.001, 1e7, &c->peak_gflops_all);
		case C_INT8: return num_in(p, name, v, 0.001, 65536, &c->int8_ops_per_cycle);
		case C_TIMINGS:
			if (!v[0])
				return inilines_fail(&p->in, ERR_PARSE, "timings: no file named");
			return beside(p, name, v, c->timings, sizeof c->timings);
		}
	}
	return inilines_fail(&p->in, ERR_PARSE,
		    "[cluster]: unknown key '%.64s' (cores, core_type, capacity, dyn_power_coeff, "
		    "opp, voltage_rule, flops_per_cycle, peak_gflops, peak_gflops_all, timings, "
		    "int8_ops_per_cycle)",
		    name);
}

/* [sensing]: period_ms, delay_ms, util_noise_sd and source, each once (sim/sense.h). */
static int sensing_key(struct parse *p, const char *name, const char *v)
{
	static const char *const keys[] = {"period_ms", "delay_ms", "util_noise_sd", "source"};
	struct device_sensing *s = &p->d->sensing;
	for (int k = 0; k < 4; k++) {
		if (strcmp(name, keys[k]) != 0)
			continue;
		if (p->sensing_keys & (1u << k))
			return inilines_fail(&p->in, ERR_PARSE, "[sensing]: %s is given twice", name);
		p->sensing_keys |= 1u << k;
		s->on = 1;
		switch (k) {
		case 0: return num_in(p, name, v, 0.001, 1e6, &s->period_ms);
		case 1: return num_in(p, name, v, 0, 1e6, &s->delay_ms);
		case 2: return num_in(p, name, v, 0, 1, &s->util_noise_sd);
		default: copy(s->source, sizeof s->source, v); return 1;
		}
	}
	return inilines_fail(&p->in, ERR_PARSE,
			     "[sensing]: unknown key '%.64s' (period_ms, delay_ms, util_noise_sd, "
			     "source)",
			     name);
}

enum { T_GOV, T_TRIPS, T_POLL, T_SUST, T_R1, T_C1, T_R2, T_C2, T_AMB, T_REST, T_SRC };

static int thermal_key(struct parse *p, const char *name, const char *v)
{
	static const char *const keys[] = {"governor", "trips_c", "polling_ms",
					   "sustainable_power_mw", "r1_k_per_w", "c1_j_per_k",
					   "r2_k_per_w", "c2_j_per_k", "ambient_c",
					   "rest_power_mw", "source"};
	struct device_thermal *t = &p->d->thermal;
	t->present = 1;
	for (int k = 0; k < (int)(sizeof keys / sizeof keys[0]); k++) {
		if (strcmp(name, keys[k]) != 0)
			continue;
		if (p->seen_thermal & (1u << k))
			return inilines_fail(&p->in, ERR_PARSE, "[thermal] %s is given twice", name);
		p->seen_thermal |= 1u << k;
		switch (k) {
		case T_GOV:
			if (!strcmp(v, "step_wise"))
				t->governor = GOVERN_STEP_WISE;
			else if (!strcmp(v, "power_allocator"))
				t->governor = GOVERN_POWER_ALLOCATOR;
			else
				return inilines_fail(&p->in, ERR_PARSE, "governor: '%.64s' (step_wise "
						     "or power_allocator)", v);
			return 1;
		case T_TRIPS: {
			char buf[256];
			copy(buf, sizeof buf, v);
			for (char *save, *tok = strtok_r(buf, " \t", &save); tok;
			     tok = strtok_r(NULL, " \t", &save)) {
				if (t->n_trips == GOVERN_MAX_TRIPS)
					return inilines_fail(&p->in, ERR_RANGE, "trips_c: more than %d "
							     "trips", GOVERN_MAX_TRIPS);
				double *x = &t->trip_c[t->n_trips];
				if (!num_in(p, "trips_c", tok, -40, 200, x))
					return 0;
				if (t->n_trips && *x <= t->trip_c[t->n_trips - 1])
					return inilines_fail(&p->in, ERR_RANGE, "trips_c: %s is not "
							     "above the trip before", tok);
				t->n_trips++;
			}
			if (!t->n_trips)
				return inilines_fail(&p->in, ERR_PARSE, "trips_c: no trips");
			return 1;
		}
		case T_POLL: return num_in(p, name, v, 1, 60000, &t->polling_ms);
		case T_SUST: return num_in(p, name, v, 0, 1e6, &t->sustainable_mw);
		case T_R1: return num_in(p, name, v, 1e-6, 1e4, &t->net.r_k_per_w[0]);
		case T_C1: return num_in(p, name, v, 1e-6, 1e7, &t->net.c_j_per_k[0]);
		case T_R2: return num_in(p, name, v, 1e-6, 1e4, &t->net.r_k_per_w[1]);
		case T_C2: return num_in(p, name, v, 1e-6, 1e7, &t->net.c_j_per_k[1]);
		case T_AMB: return num_in(p, name, v, -40, 80, &t->ambient_c);
		case T_REST: return num_in(p, name, v, 0, 1e6, &t->rest_power_mw);
		case T_SRC: copy(t->source, sizeof t->source, v); return 1;
		}
	}
	return inilines_fail(&p->in, ERR_PARSE,
			     "[thermal]: unknown key '%.64s' (governor, trips_c, polling_ms, "
			     "sustainable_power_mw, r1_k_per_w, c1_j_per_k, r2_k_per_w, c2_j_per_k, "
			     "ambient_c, rest_power_mw, source)", name);
}

/* The [thermal] section's required keys and pairs: 0, or an error naming its line. */
static int check_thermal(struct parse *p)
{
	struct device_thermal *t = &p->d->thermal;
	if (!t->present)
		return 0;
	long at = inilines_section_line(&p->in, "thermal");
	unsigned s = p->seen_thermal;
	const char *need = !(s & (1u << T_GOV))     ? "governor"
			   : !(s & (1u << T_TRIPS)) ? "trips_c"
			   : !(s & (1u << T_POLL))  ? "polling_ms"
			   : !(s & (1u << T_R1))    ? "r1_k_per_w"
			   : !(s & (1u << T_C1))    ? "c1_j_per_k"
			   : !(s & (1u << T_AMB))   ? "ambient_c"
			   : !(s & (1u << T_SRC))   ? "source"
			   : ((s >> T_R2) & 1) != ((s >> T_C2) & 1) ? "r2_k_per_w and c2_j_per_k together"
								      : NULL;
	if (need)
		return err_set(p->eb, ERR_PARSE, "%s:%ld: [thermal] needs %s", p->path, at, need);
	t->net.n_nodes = (s & (1u << T_R2)) ? 2 : 1;
	return 0;
}

enum { B_CAP, B_VOLT, B_START, B_REST, B_CHARGE, B_SAVER, B_ACTION, B_SRC };

static int battery_key(struct parse *p, const char *name, const char *v)
{
	static const char *const keys[] = {"capacity_mah", "voltage_v", "start_pct",
					   "rest_power_mw", "charge_power_mw", "saver_pct",
					   "saver_action", "source"};
	struct device_battery *b = &p->d->battery;
	b->present = 1;
	for (int k = 0; k < (int)(sizeof keys / sizeof keys[0]); k++) {
		if (strcmp(name, keys[k]) != 0)
			continue;
		if (p->seen_battery & (1u << k))
			return inilines_fail(&p->in, ERR_PARSE, "[battery] %s is given twice", name);
		p->seen_battery |= 1u << k;
		switch (k) {
		case B_CAP: return num_in(p, name, v, 1, 1e7, &b->capacity_mah);
		case B_VOLT: return num_in(p, name, v, 0.1, 100, &b->voltage_v);
		case B_START: return num_in(p, name, v, 0, 100, &b->start_pct);
		case B_REST: return num_in(p, name, v, 0, 1e6, &b->rest_power_mw);
		case B_CHARGE: return num_in(p, name, v, 0, 1e6, &b->charge_power_mw);
		case B_SAVER: return num_in(p, name, v, 0, 100, &b->saver_pct);
		case B_ACTION: {
			double x;
			if (strncmp(v, "cap:", 4) == 0 && num_double(v + 4, &x) == 0 && x > 0 &&
			    x <= 1) {
				b->saver_cap = x;
				return 1;
			}
			if (strncmp(v, "offline:", 8) == 0 && num_double(v + 8, &x) == 0 && x >= 1 &&
			    x <= 1024 && x == floor(x)) {
				b->saver_offline = (int)x;
				return 1;
			}
			return inilines_fail(&p->in, ERR_PARSE, "saver_action: '%.64s' (cap:FRACTION "
					     "in (0, 1] or offline:CORES)", v);
		}
		case B_SRC: copy(b->source, sizeof b->source, v); return 1;
		}
	}
	return inilines_fail(&p->in, ERR_PARSE,
			     "[battery]: unknown key '%.64s' (capacity_mah, voltage_v, start_pct, "
			     "rest_power_mw, charge_power_mw, saver_pct, saver_action, source)", name);
}

/* The [battery] section's required keys: 0, or an error naming its line. */
static int check_battery(struct parse *p)
{
	struct device_battery *b = &p->d->battery;
	if (!b->present)
		return 0;
	long at = inilines_section_line(&p->in, "battery");
	unsigned s = p->seen_battery;
	const char *need = !(s & (1u << B_CAP))      ? "capacity_mah"
			   : !(s & (1u << B_VOLT))   ? "voltage_v"
			   : !(s & (1u << B_START))  ? "start_pct"
			   : !(s & (1u << B_SAVER))  ? "saver_pct"
			   : !(s & (1u << B_ACTION)) ? "saver_action"
			   : !(s & (1u << B_SRC))    ? "source"
						     : NULL;
	if (need)
		return err_set(p->eb, ERR_PARSE, "%s:%ld: [battery] needs %s", p->path, at, need);
	int big = device_big_cluster(p->d);
	if (b->saver_offline >= p->d->clusters[big].cores)
		return err_set(p->eb, ERR_RANGE, "%s:%ld: [battery] saver_action offline:%d leaves "
			       "the big cluster (%d cores) no core", p->path, at, b->saver_offline,
			       p->d->clusters[big].cores);
	return 0;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse *p = user;
	if (p->in.rc < 0)
		return 0;
	if (strcmp(section, "device") == 0)
		return device_key(p, name, value);
	long n;
	if (strncmp(section, "cluster.", 8) == 0 && num_long(section + 8, &n) == 0 && n >= 0 &&
	    n < DEVICE_MAX_CLUSTERS) {
		p->seen[n] = 1;
		return cluster_key(p, (int)n, name, value);
	}
	if (strcmp(section, "sensing") == 0)
		return sensing_key(p, name, value);
	if (strcmp(section, "thermal") == 0)
		return thermal_key(p, name, value);
	if (strcmp(section, "battery") == 0)
		return battery_key(p, name, value);
	if (!section[0])
		return inilines_fail(&p->in, ERR_PARSE, "'%.64s' outside a section ([device] or [cluster.N])",
			    name);
	return inilines_fail(&p->in, ERR_PARSE,
			     "unknown section [%.64s] (device, cluster.0 .. cluster.7, sensing, thermal, "
			     "battery)",
			     section);
}

/* Fills opp voltages from the cluster's voltage_rule when the file gives none. */
static int apply_voltage_rule(struct parse *p, int ci)
{
	struct cluster *c = &p->d->clusters[ci];
	int has_mv = c->opp[0].mv > 0;
	char where[32];
	snprintf(where, sizeof where, "cluster.%d", ci);
	long at = inilines_section_line(&p->in, where);
	if (has_mv && c->voltage_rule[0])
		return err_set(p->eb, ERR_PARSE, "%s:%ld: [%s]: voltage_rule given but opp has "
						 "voltages",
			       p->path, at, where);
	if (has_mv)
		return 0;
	double lo, hi;
	const char *r = c->voltage_rule;
	if (strncmp(r, "const:", 6) == 0 && num_double(r + 6, &lo) == 0 && lo >= 100 &&
	    lo <= 2000) {
		for (int i = 0; i < c->n_opp; i++)
			c->opp[i].mv = lo;
		return 0;
	}
	if (strncmp(r, "linear:", 7) == 0 && sscanf(r + 7, "%lf-%lf", &lo, &hi) == 2 &&
	    lo >= 100 && hi <= 2000 && lo <= hi) {
		double f0 = c->opp[0].mhz, f1 = c->opp[c->n_opp - 1].mhz;
		for (int i = 0; i < c->n_opp; i++)
			c->opp[i].mv = f1 > f0 ? lo + (hi - lo) * (c->opp[i].mhz - f0) / (f1 - f0) : hi;
		return 0;
	}
	return err_set(p->eb, ERR_PARSE,
		       "%s:%ld: [%s]: opp has no voltages, so voltage_rule is needed "
		       "(const:MV or linear:MINMV-MAXMV), got '%s'",
		       p->path, at, where, r);
}

/* sha = SHA-256 of "SHA\nOTHER\n" (both hex): sha folded with another file's hash. */
static void hash_in(char sha[65], const char *other)
{
	char both[2 * 65 + 2];
	struct sha256 h;
	snprintf(both, sizeof both, "%s\n%s\n", sha, other);
	sha256_init(&h);
	sha256_update(&h, both, strlen(both));
	sha256_final_hex(&h, sha);
}

int device_load(const char *path, struct device **out, struct errbuf *eb)
{
	struct parse p = {.path = path, .eb = eb};
	p.d = calloc(1, sizeof *p.d);
	if (!p.d)
		return err_set(eb, ERR_NOMEM, "%s: out of memory", path);
	p.f = fopen(path, "r");
	if (!p.f) {
		p.rc = err_set(eb, errno == ENOENT ? ERR_NOTFOUND : ERR_IO, "%s: cannot open: %s",
			       path, strerror(errno));
		goto fail;
	}
	copy(p.d->path, sizeof p.d->path, path);
	inilines_init(&p.in, p.f, path, eb, "split a long opp list over several opp lines");
	if ((p.rc = inilines_parse(&p.in, handler, &p)) < 0)
		goto fail;
	struct device *d = p.d;
	const char *missing = !d->name[0]                ? "name"
			      : !(p.seen_keys[0] & (1u << K_MEM))     ? "memory_mb"
			      : !(p.seen_keys[0] & (1u << K_STORAGE)) ? "storage_read_mbps"
			      : !(p.seen_keys[0] & (1u << K_BASE))    ? "base_power_mw"
								      : NULL;
	long dev_at = inilines_section_line(&p.in, "device");
	if (!dev_at) {
		p.rc = err_set(eb, ERR_PARSE, "%s:%ld: no [device] section", path,
			       p.in.line > 0 ? p.in.line : 1);
		goto fail;
	}
	if (missing) {
		p.rc = err_set(eb, ERR_PARSE, "%s:%ld: [device] needs %s", path, dev_at, missing);
		goto fail;
	}
	if (d->sensing.on && p.sensing_keys != 0xf) {
		p.rc = err_set(eb, ERR_PARSE,
			       "%s:%ld: [sensing] needs period_ms, delay_ms, util_noise_sd and source",
			       path, inilines_section_line(&p.in, "sensing"));
		goto fail;
	}
	for (int i = 0; i < DEVICE_MAX_CLUSTERS; i++) {
		if (!p.seen[i])
			break;
		d->n_clusters = i + 1;
	}
	for (int i = d->n_clusters; i < DEVICE_MAX_CLUSTERS; i++)
		if (p.seen[i]) {
			char name[32];
			snprintf(name, sizeof name, "cluster.%d", i);
			p.rc = err_set(eb, ERR_PARSE, "%s:%ld: [cluster.%d] given without [cluster.%d]",
				       path, inilines_section_line(&p.in, name), i, d->n_clusters);
			goto fail;
		}
	if (d->n_clusters == 0) {
		p.rc = err_set(eb, ERR_PARSE, "%s:%ld: no [cluster.N] section", path, p.in.line);
		goto fail;
	}
	for (int i = 0; i < d->n_clusters; i++) {
		struct cluster *c = &d->clusters[i];
		const char *need = !c->cores ? "cores"
				   : !c->n_opp ? "opp"
				   : !(p.seen_keys[i + 1] & (1u << C_COEFF)) ? "dyn_power_coeff"
				   : !(p.seen_keys[i + 1] & (1u << C_CAP))   ? "capacity"
									      : NULL;
		if (need) {
			char name[32];
			snprintf(name, sizeof name, "cluster.%d", i);
			p.rc = err_set(eb, ERR_PARSE, "%s:%ld: [cluster.%d] needs %s", path,
				       inilines_section_line(&p.in, name), i, need);
			goto fail;
		}
		if ((p.rc = apply_voltage_rule(&p, i)) < 0)
			goto fail;
	}
	if ((p.rc = check_thermal(&p)) < 0 || (p.rc = check_battery(&p)) < 0)
		goto fail;
	int rc;
	if (d->calibration[0] && (p.rc = calib_load(d->calibration, &d->calib, eb)) < 0) {
		err_wrap(eb, "%s:%ld: calibration", path, p.calib_line);
		goto fail;
	}
	if (d->cadence[0] &&
	    (p.rc = cadence_load(d->cadence, &d->cad, eb)) < 0) {
		err_wrap(eb, "%s:%ld: cadence", path, p.cadence_line);
		goto fail;
	}
	if (d->switch_costs[0] && (p.rc = switchcost_load(d->switch_costs, &d->sw, eb)) < 0) {
		err_wrap(eb, "%s:%ld: switch_costs", path, p.switch_line);
		goto fail;
	}
	for (int i = 0; i < d->n_models; i++) {
		struct device_model_files *mf = &d->models[i];
		struct switchcost *own = NULL;
		if (!mf->switch_costs[0])
			continue;
		if ((p.rc = switchcost_load(mf->switch_costs, &own, eb)) < 0 ||
		    (p.rc = d->sw ? switchcost_merge(d->sw, own, mf->model, eb)
				  : switchcost_check_model(own, mf->model, eb)) < 0) {
			switchcost_destroy(own);
			err_wrap(eb, "%s:%ld: switch_costs.%s", path, mf->switch_line, mf->model);
			goto fail;
		}
		if (d->sw)
			switchcost_destroy(own);
		else
			d->sw = own;
	}
	if ((rc = sha256_file(path, d->sha256)) < 0) {
		p.rc = err_set(eb, rc, "%s: cannot read for hashing: %s", path, strerror(errno));
		goto fail;
	}
	/* the device's hash covers its calibration, cadence and switch costs: a new one of
	   them is a new device */
	if (d->calib)
		hash_in(d->sha256, d->calib->sha256);
	if (d->cad)
		hash_in(d->sha256, d->cad->sha256);
	if (d->sw)
		hash_in(d->sha256, d->sw->sha256);
	fclose(p.f);
	*out = d;
	return 0;
fail:
	if (p.f)
		fclose(p.f);
	device_destroy(p.d);
	return p.rc < 0 ? p.rc : ERR_PARSE;
}

void device_destroy(struct device *d)
{
	if (!d)
		return;
	calib_destroy(d->calib);
	cadence_destroy(d->cad);
	switchcost_destroy(d->sw);
	free(d);
}

const char *device_timings_for(const struct device *d, const char *model)
{
	const char *base = strrchr(model, '/');
	base = base ? base + 1 : model;
	size_t n = strlen(base);
	if (n > 4 && strcmp(base + n - 4, ".csv") == 0)
		n -= 4;
	for (int i = 0; i < d->n_models; i++)
		if (d->models[i].timings[0] && strlen(d->models[i].model) == n &&
		    strncmp(d->models[i].model, base, n) == 0)
			return d->models[i].timings;
	return d->timings;
}

int device_big_cluster(const struct device *d)
{
	int best = 0;
	for (int i = 1; i < d->n_clusters; i++) {
		const struct cluster *a = &d->clusters[i], *b = &d->clusters[best];
		if (a->capacity > b->capacity || (a->capacity == b->capacity && a->cores > b->cores))
			best = i;
	}
	return best;
}

double device_max_mhz(const struct device *d, int cluster)
{
	const struct cluster *c = &d->clusters[cluster];
	return c->opp[c->n_opp - 1].mhz;
}

const struct opp *device_opp(const struct device *d, int cluster, double mhz)
{
	const struct cluster *c = &d->clusters[cluster];
	for (int i = 0; i < c->n_opp; i++)
		if (c->opp[i].mhz >= mhz * (1 - 1e-9))
			return &c->opp[i];
	return &c->opp[c->n_opp - 1];
}

double device_core_power_mw(const struct device *d, int cluster, double mhz)
{
	const struct opp *o = device_opp(d, cluster, mhz);
	double v = o->mv / 1000.0;
	/* uW/MHz/V^2 * V^2 * MHz = uW */
	return d->clusters[cluster].dyn_power_coeff * v * v * o->mhz / 1000.0;
}

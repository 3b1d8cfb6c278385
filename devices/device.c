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
	struct errbuf *eb;
	int rc;
	long calib_line;     /* of the calibration key */
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
       K_SWITCH };
enum { C_CORES, C_TYPE, C_CAP, C_COEFF, C_OPP, C_VRULE, C_FPC };

static int device_key(struct parse *p, const char *name, const char *v)
{
	static const char *const keys[] = {"name",    "soc",     "memory_mb",
					   "storage_read_mbps", "init_ms", "base_power_mw",
					   "timings", "timings_source", "energy_source",
					   "mem_bw_gbps", "calibration", "switch_costs"};
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
		case K_SWITCH:
			if (!v[0])
				return inilines_fail(&p->in, ERR_PARSE, "switch_costs: no file named");
			p->switch_line = p->in.line;
			return beside(p, name, v, d->switch_costs, sizeof d->switch_costs);
		case K_TSRC: copy(d->timings_source, sizeof d->timings_source, v); return 1;
		case K_ESRC: copy(d->energy_source, sizeof d->energy_source, v); return 1;
		case K_BW: return num_in(p, name, v, 0.001, 1e5, &d->mem_bw_gbps);
		}
	}
	return inilines_fail(&p->in, ERR_PARSE,
		    "[device]: unknown key '%.64s' (name, soc, memory_mb, storage_read_mbps, init_ms, "
		    "base_power_mw, timings, timings_source, energy_source, mem_bw_gbps, "
		    "calibration, switch_costs)",
		    name);
}

static int cluster_key(struct parse *p, int ci, const char *name, const char *v)
{
	static const char *const keys[] = {"cores", "core_type", "capacity", "dyn_power_coeff",
					   "opp", "voltage_rule", "flops_per_cycle"};
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
		}
	}
	return inilines_fail(&p->in, ERR_PARSE,
		    "[cluster]: unknown key '%.64s' (cores, core_type, capacity, dyn_power_coeff, "
		    "opp, voltage_rule, flops_per_cycle)",
		    name);
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
	if (!section[0])
		return inilines_fail(&p->in, ERR_PARSE, "'%.64s' outside a section ([device] or [cluster.N])",
			    name);
	return inilines_fail(&p->in, ERR_PARSE, "unknown section [%.64s] (device, cluster.0 .. cluster.7)",
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
	int rc;
	if (d->calibration[0] && (p.rc = calib_load(d->calibration, &d->calib, eb)) < 0) {
		err_wrap(eb, "%s:%ld: calibration", path, p.calib_line);
		goto fail;
	}
	if (d->switch_costs[0] && (p.rc = switchcost_load(d->switch_costs, &d->sw, eb)) < 0) {
		err_wrap(eb, "%s:%ld: switch_costs", path, p.switch_line);
		goto fail;
	}
	if ((rc = sha256_file(path, d->sha256)) < 0) {
		p.rc = err_set(eb, rc, "%s: cannot read for hashing: %s", path, strerror(errno));
		goto fail;
	}
	if (d->calib) {
		/* the device's hash covers its calibration: a new calibration is a new device */
		char both[2 * 65 + 2];
		struct sha256 h;
		snprintf(both, sizeof both, "%s\n%s\n", d->sha256, d->calib->sha256);
		sha256_init(&h);
		sha256_update(&h, both, strlen(both));
		sha256_final_hex(&h, d->sha256);
	}
	if (d->sw) {
		/* and its switch costs, the same way */
		char both[2 * 65 + 2];
		struct sha256 h;
		snprintf(both, sizeof both, "%s\n%s\n", d->sha256, d->sw->sha256);
		sha256_init(&h);
		sha256_update(&h, both, strlen(both));
		sha256_final_hex(&h, d->sha256);
	}
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
	switchcost_destroy(d->sw);
	free(d);
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

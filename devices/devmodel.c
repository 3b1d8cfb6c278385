/*
 * devmodel.c: the device model's arithmetic (see devmodel.h). Each formula is written once,
 * with its operations in the order the documented results were produced in: a run's results
 * are compared bit for bit, so an operation moved here changes them. Not for caching (the
 * caller keeps the answers it asks for often) or for reading files.
 */
#include "devmodel.h"

#include "calib.h"
#include "switchcost.h"
#include "timings.h"

/* The share of T threads' demand the CPU grants with n online cores and load u. */
static double cpu_share(int threads, int n, double u)
{
	if (n <= 0)
		return 0.05; /* every core offline: the thread still gets scheduled somewhere */
	double avail = n * (1 - u);
	double fair = (threads < n ? threads : n) / 2.0;
	double s = (avail > fair ? avail : fair) / threads;
	return s < 1 ? s : 1;
}

void devmodel_init(struct devmodel *m, const struct device *d, const struct timings *t)
{
	m->dev = d;
	m->cluster = device_big_cluster(d);
	m->f_ref_mhz = t->freq_ref_mhz > 0 ? t->freq_ref_mhz : device_max_mhz(d, m->cluster);
	m->base_power_mw = d->base_power_mw;
	m->calib = d->calib;
}

void devmodel_init_on(struct devmodel *m, const struct device *d, const struct timings *t,
		      int c)
{
	devmodel_init(m, d, t);
	if (c == m->cluster)
		return;
	m->cluster = c;
	m->f_ref_mhz = t->freq_ref_mhz > 0 ? t->freq_ref_mhz : device_max_mhz(d, c);
	m->calib = NULL;
}

/*
 * The calibrated share at level p: what the online cores allow (the formula's share with no
 * load) over the calibration's slowdown at the load, relative to its idle slowdown at the
 * same level (the idle spread is the work's own, drawn from the timings).
 */
static double calib_share(const struct devmodel *m, const struct devmodel_state *st,
			  int threads, double p)
{
	double at_load = calib_slowdown_of(m->calib, threads, st->pass_ms, st->util_other, p);
	double idle = calib_slowdown_of(m->calib, threads, st->pass_ms, 0, p);
	return cpu_share(threads, st->online, 0) * idle / at_load;
}

double devmodel_share(const struct devmodel *m, const struct devmodel_state *st, int threads,
		      double p)
{
	if (m->calib)
		return calib_share(m, st, threads, p);
	return cpu_share(threads, st->online, st->util_other);
}

double devmodel_rate(const struct devmodel *m, const struct devmodel_state *st, int threads)
{
	return st->freq_mhz / m->f_ref_mhz * devmodel_share(m, st, threads, 0.5);
}

double devmodel_power_mw(const struct devmodel *m, const struct devmodel_state *st, int threads)
{
	double share = devmodel_share(m, st, threads, 0.5);
	return share * threads * device_core_power_mw(m->dev, m->cluster, st->freq_mhz);
}

void devmodel_costs_at(const struct devmodel *m, const struct devmodel_state *st, int threads,
		       double p, double *rate, double *power_mw)
{
	double share = devmodel_share(m, st, threads, p);
	*rate = st->freq_mhz / m->f_ref_mhz * share;
	*power_mw = share * threads * device_core_power_mw(m->dev, m->cluster, st->freq_mhz);
}

int devmodel_switch_var(const struct devmodel *m, const char *key, double weight_bytes,
			struct devmodel_switch_var *v)
{
	int any = 0;
	v->weight_bytes = weight_bytes;
	v->family = 0;
	v->row[0] = NULL;
	for (int t = 1; t < DEVMODEL_SWITCH_THREADS; t++) {
		v->row[t] = switchcost_find(m->dev->sw, key, t);
		any |= v->row[t] != NULL;
	}
	return any;
}

double devmodel_switch_s(const struct devmodel *m, const struct devmodel_switch_var *from,
			 const struct devmodel_switch_var *to, int threads, int *measured)
{
	double bytes = to->weight_bytes;
	if (from && from->family == to->family)
		bytes = to->weight_bytes > from->weight_bytes ? to->weight_bytes - from->weight_bytes
							      : 0;
	const struct switchcost_row *r =
		to->row[threads < 1 ? 1 : threads < DEVMODEL_SWITCH_THREADS
						 ? threads
						 : DEVMODEL_SWITCH_THREADS - 1];
	if (measured)
		*measured = r != NULL;
	if (!r)
		return bytes / (m->dev->storage_read_mbps * 1e6) + m->dev->init_ms / 1000.0;
	double read_s = r->weight_bytes > 0 ? bytes / r->weight_bytes * r->read_cold_ms / 1000.0 : 0;
	return read_s + r->build_ms / 1000.0;
}

double devmodel_switch_mj(const struct devmodel *m, const struct devmodel_state *st,
			  double switch_s)
{
	return device_core_power_mw(m->dev, m->cluster, st->freq_mhz) * switch_s;
}

double devmodel_replay_mhz(const struct devmodel *m, int cluster, double mhz, double rec_max_mhz)
{
	if (rec_max_mhz > 0)
		mhz = mhz / rec_max_mhz * device_max_mhz(m->dev, cluster);
	return device_opp(m->dev, cluster, mhz)->mhz;
}

int devmodel_replay_online(const struct devmodel *m, int cluster, int n)
{
	int cores = m->dev->clusters[cluster].cores;
	return n < cores ? n : cores;
}

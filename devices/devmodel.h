/*
 * devmodel.h: the device model: what running an inference costs on a device (device.h) in a
 * given state, with its work measured by the kernel timings (timings.h). The simulator asks
 * it and computes no physics itself (docs/simulation.md has the account):
 *
 *   - rate: an inference is work measured at the timings' reference state (frequency f_ref,
 *     no competing load); with T threads it progresses at
 *         rate  = (f / f_ref) * share
 *         share = min(1, max(n (1 - u), min(T, n) / 2) / T)
 *     on the cluster inference runs on (the biggest: device_big_cluster) at frequency f, with
 *     n online cores and the other processes' CPU share u; with every core offline the
 *     threads still get a share of 0.05. That share is a formula (assumed, not measured);
 *     a device whose file names a calibration (calib.h) replaces it by a measured one:
 *         share = min(1, n / T) * S(T, 0, p) / S(T, u, p)
 *     where S(T, u, p) is the calibration's slowdown at quantile level p (calib_slowdown):
 *     what load u adds to an inference over its idle spread at the same level (the idle
 *     spread is the work's own, drawn from the timings). A calibration measured per pass
 *     gives S of the inference's own length (calib_slowdown_of, at the state's pass_ms). The
 *     caller draws p once per inference (devmodel_costs_at); predictions use the median,
 *     p = 0.5;
 *   - power: the inference keeps share * T cores busy, each drawing coeff * V^2 * f at the
 *     cluster's operating point (the Linux Energy Model, device_core_power_mw); base power
 *     is drawn all the time;
 *   - switching to a variant: reading the weights it needs, then building its operators, on
 *     one busy core. The weights it needs: all of its own, or, from a variant that shares
 *     weights with it (switchcost_shares_weights: one model, differing only in the cuts
 *     its spec declares shared), only what it has beyond them, max(0, W_to - W_from): a resolution
 *     change reads nothing and rebuilds, a wider cut reads the difference, a narrower one
 *     reads nothing. With the device's measured switch costs (switchcost.h) for the variant
 *     at the thread count (or the nearest below, else above), reading takes
 *     bytes / W_row * read_cold_ms and building build_ms; for a variant the file lacks,
 *     the assumed constants: bytes / storage_read_mbps + init_ms;
 *   - replaying a trace: a recorded frequency maps onto the device as a fraction of the
 *     recording device's maximum, and runs at the operating point at or above it; online
 *     cores are capped at the cluster's cores.
 *
 * The model reads its own small state (struct devmodel_state), which the caller fills from
 * whatever state it keeps (a trace's, or what a policy senses). It keeps no cache: callers
 * that ask many times at one state keep the answers (sim/run.c does, per thread count).
 * Not for reading device files (device.h), timings (timings.h), heat and throttling (the
 * thermal network, thermal.h, and governors, govern.h, which sim/physics.h runs in the
 * closed loop; replayed, the trace supplies them) or battery (the trace supplies it).
 */
#ifndef ADASCALE_DEVMODEL_H
#define ADASCALE_DEVMODEL_H

#include "device.h"

struct calib;
struct switchcost_row;
struct timings;

struct devmodel {
	const struct device *dev; /* not owned: outlives the model */
	int cluster;              /* the cluster inference threads run on */
	double f_ref_mhz;         /* the frequency the timings' work was measured at */
	double base_power_mw;     /* the device's, drawn all the time */
	const struct calib *calib; /* the device's contention calibration, NULL: the formula */
};

/* What an inference's rate and power depend on. */
struct devmodel_state {
	double freq_mhz;          /* the operating point of the model's cluster, MHz */
	int online;               /* that cluster's online cores */
	double util_other;        /* CPU share taken by other processes, 0..1 */
	double pass_ms;           /* the inference's idle length with its threads at the
				     reference state, ms (its timings' time): which passes of a
				     calibration measured per pass it is like; 0: none meant */
};

/*
 * The model of device d whose work is measured by timings t: the reference frequency is the
 * timings' freq_ref_mhz, or the cluster's highest operating point when they do not say.
 */
void devmodel_init(struct devmodel *m, const struct device *d, const struct timings *t);
/*
 * The same on cluster c with its own timings t (a device's [cluster.N] timings): the
 * reference frequency is t's, or that cluster's highest operating point. A device's
 * contention calibration was measured where its [device] timings were, on the default
 * cluster: elsewhere the model takes the formula.
 */
void devmodel_init_on(struct devmodel *m, const struct device *d, const struct timings *t,
		      int c);

/*
 * The CPU share an inference with threads threads gets at st: the formula, or with a
 * calibration its share at quantile level p (0..1) of the slowdown distribution.
 */
double devmodel_share(const struct devmodel *m, const struct devmodel_state *st, int threads,
		      double p);
/*
 * Rate and power of an inference at st whose slowdown is at level p (the same as
 * devmodel_rate and devmodel_power_mw without a calibration, which ignore p).
 */
void devmodel_costs_at(const struct devmodel *m, const struct devmodel_state *st, int threads,
		       double p, double *rate, double *power_mw);
/*
 * Reference work per unit of time at st with threads threads (1: as fast as the reference);
 * with a calibration, at its median slowdown.
 */
double devmodel_rate(const struct devmodel *m, const struct devmodel_state *st, int threads);
/* Dynamic power an inference with threads threads draws at st, in milliwatts. */
double devmodel_power_mw(const struct devmodel *m, const struct devmodel_state *st, int threads);
/* Power drawn all the time, in milliwatts. */
static inline double devmodel_base_power_mw(const struct devmodel *m)
{
	return m->base_power_mw;
}

#define DEVMODEL_SWITCH_THREADS 17

/* What switching to a variant involves, resolved once per variant (devmodel_switch_var). */
struct devmodel_switch_var {
	double weight_bytes;
	int family;             /* variants with one family share weights (set by the caller) */
	const struct switchcost_row *row[DEVMODEL_SWITCH_THREADS]; /* by thread count; NULL:
								   not measured */
};

/*
 * Fills *v for variant key of weight_bytes: its measured rows at 1..16 threads from the
 * device's switch costs (none without them), family 0. Returns 1 when any row was found.
 */
int devmodel_switch_var(const struct devmodel *m, const char *key, double weight_bytes,
			struct devmodel_switch_var *v);
/*
 * Seconds a switch to variant to with threads threads takes, from variant from (NULL:
 * nothing loaded). *measured, when not NULL, is set to 1 when a measured row was used.
 */
double devmodel_switch_s(const struct devmodel *m, const struct devmodel_switch_var *from,
			 const struct devmodel_switch_var *to, int threads, int *measured);
/* Energy (mJ) of a switch that takes switch_s seconds at st: one busy core meanwhile. */
double devmodel_switch_mj(const struct devmodel *m, const struct devmodel_state *st,
			  double switch_s);

/*
 * The frequency (MHz) a cluster runs at when a trace says mhz, recorded on a device whose
 * maximum was rec_max_mhz (0: unknown, mhz is taken as it is).
 */
double devmodel_replay_mhz(const struct devmodel *m, int cluster, double mhz, double rec_max_mhz);
/* The online cores of a cluster when a trace says n. */
int devmodel_replay_online(const struct devmodel *m, int cluster, int n);

#endif

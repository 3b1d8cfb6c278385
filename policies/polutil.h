/*
 * polutil.h: what the built-in policies compute alike, internal to policies/: parameter
 * parsing, the choice of a thread count, the remaining deadline of the head request, the
 * reference state (the timings' conditions), the accuracy/latency ladder, plans over the
 * requests to come and the switch-cost model. Not a public header: a plugin sees
 * adascale_policy.h only, and the host sees registry.h only. Not for the list of built-ins
 * (builtin.h) nor for any one policy's logic (static.c, greedy.c, ...).
 */
#ifndef ADASCALE_POLUTIL_H
#define ADASCALE_POLUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "adascale_policy.h"

/*
 * Parameter values. Each returns 0, or -1 with "NAME: 'VALUE' is not ..." in err.
 * Threads: "max" (-1), "auto" (0: the fastest predicted per variant) or a count.
 */
int pol_parse_threads(const char *v, int *out, char *err, size_t err_len);
int pol_parse_num(const char *name, const char *v, double lo, double hi, double *out, char *err,
		  size_t err_len);
int pol_parse_int(const char *name, const char *v, long lo, long hi, long *out, char *err,
		  size_t err_len);
int pol_parse_bool(const char *name, const char *v, int *out, char *err, size_t err_len);

/*
 * The thread count for variant v: want > 0 (capped), max (-1), or the fastest at state (1
 * if none has timings); its predicted time into *ms unless ms is NULL.
 */
int pol_pick_threads(const struct adascale_host *h, const struct adascale_view *view, int v,
		     int want, const struct adascale_state *state, double *ms);

/* Values of a policy's cluster parameter besides a cluster index. */
#define POL_CLUSTER_DEFAULT (-1) /* the host's default cluster, as a version-1 policy runs */
#define POL_CLUSTER_ANY (-2)     /* whichever offered cluster is predicted fastest */

/* "default", "any" or a cluster index 0..ADASCALE_MAX_CLUSTERS-1 into *out; 0 or -1. */
int pol_parse_cluster(const char *v, int *out, char *err, size_t err_len);

/*
 * Where to run variant v: a cluster (want_cluster: an index, POL_CLUSTER_DEFAULT or
 * POL_CLUSTER_ANY) and a thread count there (want_threads as pol_pick_threads), with its
 * predicted time at state into *ms unless ms is NULL. Returns the thread count and sets
 * *cluster (-1 for the default cluster, which is what the decision then says). On the
 * default cluster it is pol_pick_threads; with POL_CLUSTER_ANY the default cluster wins a
 * tie. A cluster without timings predicts INFINITY.
 */
int pol_pick_place(const struct adascale_host *h, const struct adascale_view *view, int v,
		   int want_threads, int want_cluster, const struct adascale_state *state,
		   double *ms, int *cluster);

/* The head request's remaining deadline (ms): relative deadline minus the time it waited. */
double pol_budget_ms(const struct adascale_view *view);

/* The timings' conditions: every cluster at its highest frequency, no competing load. */
void pol_reference_state(const struct adascale_view *view, struct adascale_state *ref);

/*
 * The accuracy/latency ladder: the variants with an accuracy, ordered by predicted latency at
 * the reference state (at the fastest thread count, or want), keeping only those more accurate
 * than every faster one. Fills idx (n_variants entries at most); returns the rung count.
 */
int pol_ladder(const struct adascale_host *h, const struct adascale_view *view, int want,
	       int *idx);

/*
 * A plan: hold one (variant, threads) from now on, switching to it first if it is not loaded.
 * pol_plan_run simulates the head request, the others waiting behind it (arrived evenly since
 * the head, at most one period apart) and those arriving every period_ms until now +
 * horizon_ms, served first come first served, each taking service_ms (NAN: the inference
 * fails at once, for lack of memory). Arrivals still to come are placed at their mean period;
 * when they are irregular (arrival_cv2 > 0) each counts by its chance to be on time despite
 * the queueing that bursts bring (pol_ontime_chance), so that a plan does not count on a
 * regularity the arrivals will break. It returns how many are expected on time, with the
 * head's outcome and the count of requests in *head_on and *n_req. All plans over the same
 * horizon see the same requests, so their counts compare.
 *
 * Requests are simulated one by one only until the rest are alike: once the server is idle
 * when a request arrives and keeps up (service shorter than the period) every later request
 * starts on arrival with the same slack, and once it has fallen behind every later one is
 * later still; the rest are then counted, not simulated (periodic arrivals give the same
 * count as simulating all of them; irregular ones differ only by rounding).
 */
struct pol_plan {
	double wait_ms;       /* how long the head has waited */
	int queued;           /* requests waiting, the head included */
	double period_ms;     /* expected time between arrivals */
	double arrival_cv2;   /* squared coefficient of variation of the gaps (0: periodic) */
	double deadline_ms;   /* relative deadline of each request */
	double horizon_ms;    /* requests arriving before now + horizon_ms count */
};

/* At most this many requests in one plan. */
#define POL_PLAN_MAX 100000

double pol_plan_run(const struct pol_plan *p, double switch_ms, double service_ms,
		    int *head_on, int *n_req);

/*
 * The chance that a request with slack_ms to spare (deadline minus its service, were it not
 * to wait) still makes it when arrivals are irregular: the G/D/1 queue at load rho has mean
 * wait W = rho / (1 - rho) * cv2 / 2 * service (Kingman), and P(wait > x) is taken as
 * rho * exp(-rho x / W) (exact for M/M/1). 1 for regular arrivals, 0 at rho >= 1.
 */
double pol_ontime_chance(double rho, double cv2, double service_ms, double slack_ms);

/* The time between requests, learned from the arrivals of successive head requests. */
struct pol_arrivals {
	int seen;
	int64_t last_head_ns;
	double period_ms;     /* EWMA of the gaps; 0 until two requests were seen */
	double gap2_ms2;      /* EWMA of the squared gaps */
};

void pol_arrivals_note(struct pol_arrivals *a, const struct adascale_view *view);
/* The learned period, or the relative deadline before there is one. */
double pol_arrivals_period_ms(const struct pol_arrivals *a, const struct adascale_view *view);
/* The squared coefficient of variation of the gaps: 0 for a camera, about 1 for Poisson. */
double pol_arrivals_cv2(const struct pol_arrivals *a);

/*
 * Switch cost: the time to load a variant (read its weights, set it up), which the host
 * charges as weight_bytes / storage speed + a fixed init time while nothing is served. The
 * host's storage speed is not in the view, so the model starts from assumed values
 * (parameters) and is fitted to the loads the policy observes: a switch decided at time t0
 * whose inference starts at t1 took t1 - t0. With loads of two different sizes the fit
 * (least squares of load time on weight) is exact for the host's linear model.
 */
struct pol_switch {
	double mb_per_ms;         /* assumed storage speed (MB per ms) */
	double init_ms;           /* assumed fixed cost */
	double n, sw, sl, sww, swl; /* observed loads: count and sums of weight (MB), time (ms) */
	int pending;              /* a switch was decided and its inference has not started */
	int pending_var;
	int64_t pending_ns;
	double pending_mb;        /* its weight (MB) */
};

void pol_switch_init(struct pol_switch *sw, double storage_mbps, double init_ms);
/* The load time (ms) of a variant of weight_bytes. */
double pol_switch_ms(const struct pol_switch *sw, double weight_bytes);
/* Notes a decision: when it changes the variant, the next observation times the load. */
void pol_switch_decided(struct pol_switch *sw, const struct adascale_view *view, int var);
void pol_switch_observe(struct pol_switch *sw, const struct adascale_observation *obs);

#endif

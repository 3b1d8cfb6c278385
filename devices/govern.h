/*
 * govern.h: the Linux thermal governors that turn a thermal zone's temperature into
 * frequency caps on CPU clusters, as the kernel does them:
 *
 *   step_wise (drivers/thermal/gov_step_wise.c): at every poll, for each passive trip:
 *     at or above the trip with the temperature rising (above the last poll's), each
 *     cluster's cooling state for that trip goes up by one (also on the trip's first
 *     crossing); below it with the temperature falling, down by one, and the trip lets go
 *     when the state is at its lower limit; otherwise it stays. A cluster's cooling state is
 *     the highest its trips ask for.
 *   power_allocator (IPA, drivers/thermal/gov_power_allocator.c): below the first passive
 *     trip (switch-on) every cap is lifted and the PID is reset; above it, a PID on the
 *     error e = T_control - T (T_control: the last passive trip) gives the power budget
 *         budget = sustainable + k_p e + k_i sum(e) + k_d (e - e_prev) / period
 *     (k_p = k_po when e < 0, k_pu otherwise; the integral only accumulates when e is
 *     below integral_cutoff and while |k_i sum(e)| stays below the maximum power), clamped
 *     to [0, sum of the actors' maximum power]; the budget is split among the clusters in
 *     proportion to the power each requests (load x Energy Model power at its current
 *     frequency), what exceeds a cluster's maximum going to the others in proportion to
 *     their headroom; each cluster's grant becomes the highest operating point whose
 *     power on all its cores fits it (cpufreq_cooling's power2state).
 *     With no sustainable power given, the kernel's estimate is used: the sum of each
 *     actor's power at its lowest operating point. The constants are the kernel's
 *     defaults: k_po = sustainable / (T_control - T_switch_on), k_pu = 2 sustainable /
 *     (T_control - T_switch_on), k_i = k_pu / 10, k_d = 0, integral_cutoff = 0.
 *     The kernel computes in integers (milli-degrees, milliwatts, 10-bit fractions); this
 *     code computes the same formulas in doubles.
 *
 * A cooling state s of a cluster caps its frequency at operating point n_opp - 1 - s:
 * state 0 is the top operating point, the highest state the lowest one.
 * Not for the temperature itself (thermal.h) or for when the governor is polled (sim/).
 */
#ifndef ADASCALE_GOVERN_H
#define ADASCALE_GOVERN_H

#define GOVERN_MAX_TRIPS 4
#define GOVERN_MAX_ACTORS 8
#define GOVERN_MAX_OPPS 64

enum govern_kind { GOVERN_STEP_WISE = 1, GOVERN_POWER_ALLOCATOR = 2 };

/* A cooling actor: a CPU cluster with its Energy Model. */
struct govern_actor {
	int n_cpus;
	int n_opp;
	double opp_mhz[GOVERN_MAX_OPPS];      /* ascending */
	double opp_power_mw[GOVERN_MAX_OPPS]; /* one busy core at each operating point */
};

struct govern_params {
	enum govern_kind kind;
	int n_trips;
	double trip_c[GOVERN_MAX_TRIPS]; /* passive trips, ascending */
	double sustainable_mw;           /* power_allocator; 0: the kernel's estimate */
	double period_s;                 /* the zone's passive polling period */
	double k_po, k_pu, k_i, k_d, integral_cutoff; /* filled by govern_init */
};

struct govern {
	struct govern_params p;
	int n_actors;
	struct govern_actor actor[GOVERN_MAX_ACTORS];
	int state[GOVERN_MAX_ACTORS];                   /* each actor's cooling state */
	int target[GOVERN_MAX_TRIPS][GOVERN_MAX_ACTORS]; /* step_wise: per trip, -1 = none */
	double last_c;                                   /* the last poll's temperature */
	int polled;
	double err_integral, prev_err;                   /* power_allocator's PID */
	double budget_mw;                                /* the last budget (0 when off) */
	double granted_mw[GOVERN_MAX_ACTORS];
};

/*
 * Sets g up with params p and actors a[0..n-1]: every state 0, the PID constants derived
 * as the kernel does (the sustainable power estimated when p->sustainable_mw is 0).
 */
void govern_init(struct govern *g, const struct govern_params *p,
		 const struct govern_actor *a, int n);
/*
 * One poll at temperature temp_c; for power_allocator, req_mw[i] is the power actor i
 * requests now (NULL: each at its maximum). Updates g->state.
 */
void govern_poll(struct govern *g, double temp_c, const double *req_mw);
/* The frequency cap of actor i at its current state, MHz. */
double govern_cap_mhz(const struct govern *g, int i);
/* The state whose power on all of actor i's cores fits power_mw (power2state). */
int govern_power2state(const struct govern_actor *a, double power_mw);
/* Splits budget_mw among n actors requesting req_mw with maximum max_mw (the kernel's divvy). */
void govern_divvy(int n, const double *req_mw, const double *max_mw, double budget_mw,
		  double *granted_mw);

#endif

/*
 * calib.h: a device's contention calibration, as `adascale-agent calibrate` writes it
 * (docs/formats.md): for each thread count and load level (the `util_other` a trace would
 * show while the agent's busy threads ran), the distribution of a whole pass's slowdown
 * against the idle median at that thread count, as quantiles.
 *
 * The device model (devmodel.h) draws an inference's slowdown from it: calib_slowdown gives
 * the slowdown at quantile level p in [0, 1] for a thread count and a load,
 *   - within a cell (a thread count and a load level), by linear interpolation between the
 *     two stored quantiles around p (the inverse CDF of a distribution uniform between
 *     neighbouring quantiles);
 *   - between the two nearest measured load levels L_a <= u <= L_b, by mixing their
 *     quantile functions at the same level: (1 - w) Q_a(p) + w Q_b(p), w = (u - L_a) /
 *     (L_b - L_a); below the lowest or above the highest level, that level's Q;
 *   - at a thread count the file does not hold, the largest one below it (the smallest
 *     one when there is none below).
 * A calibration measured per pass (a file with `pass` and `pass_ms` columns, as the agent
 * writes it) holds each pass's own distribution against its own idle median, and
 * calib_slowdown_of looks an inference up by its idle length at its thread count: between
 * the two passes of nearest length L_a <= L <= L_b, (1 - w) Q_a(p) + w Q_b(p) with
 * w = ln(L / L_a) / ln(L_b / L_a); shorter than every pass or longer, the nearest pass's.
 * Not for measuring (devices/agent/acalib.c) or for turning a slowdown into a rate
 * (devmodel.h).
 */
#ifndef ADASCALE_CALIB_H
#define ADASCALE_CALIB_H

#include <limits.h>

#include "err.h"

#define CALIB_MAX_THREADS 16
#define CALIB_MAX_LOADS 64
#define CALIB_MAX_QUANTILES 1001
#define CALIB_MAX_PASSES 16

struct calib {
	char path[PATH_MAX];
	char sha256[65];
	/* How its load took the CPUs (the file's `# load_shape:`, aload.h): "spread" (also a
	   file that does not say, as every file before the key) or "packed". */
	char load_shape[8];
	/* The idle gap before each timed pass (the file's `# gap_ms:`; 0, back to back, also
	   when it does not say): a calibration at a server's cadence. */
	double gap_ms;
	int n_threads;
	int threads[CALIB_MAX_THREADS]; /* ascending */
	int n_loads;
	double loads[CALIB_MAX_LOADS];  /* ascending, in [0, 1] */
	int n_q;
	double *q;                      /* owned: the quantile levels, 0 first, 1 last */
	double *slow;                   /* owned: [thread][load][q], non-decreasing in q */
	long *passes;                   /* owned: [thread][load], the passes behind a cell */
	/*
	 * Measured per pass: n_pass > 0 calibrations, one per pass (each pooled, n_pass 0) and
	 * the fields above unset but for path and sha256. n_pass 0: the fields above.
	 */
	int n_pass;
	struct calib *pass[CALIB_MAX_PASSES]; /* owned: pass i's rows (the file's pass == i) */
	/* pass i's idle median (ms) at pass[i]->threads[t] threads */
	double pass_ms[CALIB_MAX_PASSES][CALIB_MAX_THREADS];
};

/*
 * Reads and checks a calibration file: every (threads, util_other) cell has the same
 * quantile levels, from 0 to 1, strictly increasing, with slowdowns > 0 that do not
 * decrease; the cells form a full grid. With a `pass` column (0, 1, ...; `pass_ms` then
 * required, one value per pass and thread count), each pass's rows are such a calibration.
 * Errors name file:line. *out is the caller's.
 */
int calib_load(const char *path, struct calib **out, struct errbuf *eb);
/* Accepts NULL. */
void calib_destroy(struct calib *c);

/*
 * The slowdown at quantile level p (0..1) with threads threads at load u (see above), of a
 * pooled calibration (n_pass 0) or of one pass's (c->pass[i]).
 */
double calib_slowdown(const struct calib *c, int threads, double u, double p);
/*
 * The same for an inference whose idle length at threads threads is pass_ms: by its length
 * among the passes of one measured per pass (see above; pass_ms <= 0 takes the shortest
 * pass), calib_slowdown for a pooled one.
 */
double calib_slowdown_of(const struct calib *c, int threads, double pass_ms, double u, double p);

/*
 * A cadence (adascale-agent cadence): a pass's slowdown after an idle gap, per competing
 * load. A file with a util_other column holds one cadence per load level, each against
 * back to back at its own load; a file without it is the idle cadence alone (load 0). A
 * file with `pass` and `pass_ms` columns (as the agent writes it) holds each pass's own,
 * pass_ms its idle back-to-back median: each level's at[] is then a calibration per pass
 * (n_pass > 0) and an inference is looked up by its idle length as calib_slowdown_of does;
 * a file without them pools its passes and every inference takes the pooled cadence.
 */
struct cadence {
	char path[PATH_MAX];
	char sha256[65];
	char load_shape[8];                /* as a calibration's */
	int n_loads;
	double loads[CALIB_MAX_LOADS];     /* ascending, 0 first */
	struct calib *at[CALIB_MAX_LOADS]; /* owned: the cadence at loads[i], keyed by gap_ms
					      (per pass when the file has a pass column) */
};

/*
 * Reads a cadence: each load level's rows are checked as a calibration's (errors name
 * file:line), and level 0 is required. *out is the caller's.
 */
int cadence_load(const char *path, struct cadence **out, struct errbuf *eb);
/* Accepts NULL. */
void cadence_destroy(struct cadence *c);
/* The largest gap measured at load 0. */
double cadence_gap_max_ms(const struct cadence *c);
/*
 * What an idle gap of gap_ms adds to a pass of idle length pass_ms (ms, at threads threads;
 * read only from a cadence per pass) at quantile level p with threads threads under load u:
 * C_u(gap, p) / C_u(0, p), where C_u mixes the quantile functions of the two measured load
 * levels around u at the same level, (1 - w) C_a + w C_b with w = (u - L_a) / (L_b - L_a),
 * as a calibration's loads are mixed (beyond the highest level: its own).
 */
double cadence_factor(const struct cadence *c, int threads, double pass_ms, double gap_ms,
		      double u, double p);
/*
 * A pass's own spread, idle and back to back, at threads threads (a pass of idle length
 * pass_ms, read as cadence_factor reads it): C_0(0, p) / C_0(0, 0.5),
 * the cadence's gap-0 quantile function at load 0 over its median. The cadence times its
 * passes in rounds spread over its whole measurement, so this is the pass's run-to-run
 * spread over minutes, where a profile's is that of a burst.
 */
double cadence_spread(const struct cadence *c, int threads, double pass_ms, double p);
/* The mean of that spread (its median is 1): the integral of its quantile function. */
double cadence_spread_mean(const struct cadence *c, int threads, double pass_ms);

#endif

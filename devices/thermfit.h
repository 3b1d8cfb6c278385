/*
 * thermfit.h: fitting a thermal network (thermal.h) to recordings of a SoC's temperature
 * through a known power schedule, and predicting other recordings with it.
 *
 * A recording is a series of (time, temperature) samples taken while the board ran idle,
 * then under full load from on_s to off_s, then idle again (the stressberry recordings:
 * idle -> `stress` on every core -> cool-down). The power driving the network is a
 * schedule, idle_w outside [on_s, off_s) and load_w inside (struct thermfit_sched); the
 * board's sensor starts from the steady state of its idle power, at the mean temperature of
 * the samples before on_s, which sets the ambient temperature the network is referred to.
 *
 * The fit minimises the squared error over every sample of every training recording; the
 * resistances enter linearly (least squares, kept >= 0) and the time constants are searched
 * on a logarithmic grid then refined by golden-section steps. The schedule's power is the
 * whole board's, of which only part heats the sensor: the fitted R and C absorb that scale
 * (R is the rise per watt of board power, C the energy per kelvin in board watts).
 *
 * thermfit_load reads the stressberry CSV (`file,board,cooling,time_s,temperature_c,...`,
 * one recording per `file`); thermfit_board gives each board's sourced power.
 * Not for the network itself (thermal.h) or for running it in a simulation (sim/).
 */
#ifndef ADASCALE_THERMFIT_H
#define ADASCALE_THERMFIT_H

#include <stdio.h>

#include "err.h"
#include "thermal.h"

struct thermfit_rec {
	char id[96];      /* the recording's name (stressberry: the .dat file) */
	char board[32];   /* rpi3b, rpi3b+, rpi4b */
	char cooling[96];
	long line;        /* its first line in the file */
	int n;
	double *t_s;      /* owned: sample times, non-decreasing */
	double *temp_c;   /* owned: the sensor's temperature */
};

struct thermfit_data {
	int n_rec;
	struct thermfit_rec *rec; /* owned */
};

/* The power a board draws through a recording. */
struct thermfit_sched {
	double idle_w, load_w; /* outside and inside [on_s, off_s) */
	double on_s, off_s;
};

/* A board's power at idle and under full load on every core, with the source. */
struct thermfit_board {
	const char *board;
	double idle_w, load_w;
	const char *source;
};

/* The board's row, or NULL when the board has none. */
const struct thermfit_board *thermfit_board(const char *board);

/* Reads the stressberry CSV at path; errors name file:line. *out belongs to the caller. */
int thermfit_load(const char *path, struct thermfit_data **out, struct errbuf *eb);
void thermfit_destroy(struct thermfit_data *d);

/*
 * Fits an n_nodes network (1 or 2) to n recordings recs[i] driven by sched[i]: 0, or
 * ERR_USAGE when there is nothing to fit. The fitted model goes to *m.
 */
int thermfit_fit(const struct thermfit_rec *const *recs, const struct thermfit_sched *sched,
		 int n, int n_nodes, struct thermal_model *m, struct errbuf *eb);
/* The ambient temperature of r under m: the idle mean minus the idle steady rise. */
double thermfit_ambient_c(const struct thermal_model *m, const struct thermfit_rec *r,
			  const struct thermfit_sched *s);
/* The model's temperature at each sample of r (pred has r->n places), run with thermal.h. */
void thermfit_predict(const struct thermal_model *m, const struct thermfit_rec *r,
		      const struct thermfit_sched *s, double *pred);
/* The root mean square error of that prediction over every sample of r, in kelvin. */
double thermfit_rmse(const struct thermal_model *m, const struct thermfit_rec *r,
		     const struct thermfit_sched *s);

/* What thermfit_report does. */
struct thermfit_opts {
	int n_nodes;          /* the network of the held-out predictions: 1 or 2 */
	double on_s, off_s;   /* the load phase of every recording */
	const char *train;    /* comma-separated recording ids to train on; NULL: leave one out */
	const char *test;     /* with train: only these are predicted; NULL: the others */
	const char *source;   /* the file, for the report's header */
};

/*
 * Writes the Markdown report of fits and held-out predictions of d to out: per board the
 * network fitted on its training recordings, per recording its own fit's RMSE with one and
 * two nodes and its held-out RMSE. Recordings named in train or test that d does not have
 * are an ERR_USAGE naming them.
 */
int thermfit_report(const struct thermfit_data *d, const struct thermfit_opts *o, FILE *out,
		    struct errbuf *eb);

#endif

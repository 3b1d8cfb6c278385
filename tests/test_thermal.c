/*
 * test_thermal.c: the thermal network (devices/thermal.h), its fit (devices/thermfit.h) and
 * `adascale thermal fit`. The fit is checked on synthetic recordings made from the analytic
 * step response of a known network (the expected R and C are the ones the samples were
 * made with, not anything the fit computes), and on the real stressberry recordings in
 * ../shared/data/traces (read in place, never copied; skipped, saying so, when absent).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"
#include "thermal.h"
#include "thermfit.h"

#define STRESSBERRY "../shared/data/traces/rpi_stressberry_thermal_traces.csv"

/*
 * The analytic temperature of a Foster network (terms r[i], tau[i]) at ambient amb, in
 * steady state at idle_w until on_s, at load_w until off_s, then idle again:
 * each term's rise is r P_idle + r dP (1 - e^-(t-on)/tau) while loaded, and decays back
 * toward r P_idle by e^-(t-off)/tau afterwards.
 */
static double analytic(int n, const double *r, const double *tau, double amb, double idle_w,
		       double load_w, double on_s, double off_s, double t)
{
	double temp = amb, dp = load_w - idle_w;
	for (int i = 0; i < n; i++) {
		double rise = r[i] * idle_w;
		if (t >= on_s && t < off_s)
			rise += r[i] * dp * (1 - exp(-(t - on_s) / tau[i]));
		else if (t >= off_s)
			rise += r[i] * dp * (1 - exp(-(off_s - on_s) / tau[i])) *
				exp(-(t - off_s) / tau[i]);
		temp += rise;
	}
	return temp;
}

static void synth(struct thermfit_rec *rec, int n, const double *r, const double *tau,
		  const struct thermfit_sched *s, double amb, double period_s)
{
	memset(rec, 0, sizeof *rec);
	rec->n = (int)(600 / period_s) + 1;
	rec->t_s = malloc((size_t)rec->n * sizeof(double));
	rec->temp_c = malloc((size_t)rec->n * sizeof(double));
	cr_assert(rec->t_s && rec->temp_c);
	for (int k = 0; k < rec->n; k++) {
		rec->t_s[k] = k * period_s;
		rec->temp_c[k] = analytic(n, r, tau, amb, s->idle_w, s->load_w, s->on_s, s->off_s,
					  rec->t_s[k]);
	}
}

Test(thermal, step_is_exact_whatever_the_step)
{
	/* R = 5 K/W, C = 20 J/K: tau = 100 s; from 0 K at 3 W for 60 s the rise is
	   R P (1 - e^-0.6) = 15 (1 - e^-0.6) = 6.768 K */
	struct thermal_model m = {1, {5, 0}, {20, 0}};
	struct thermal_state a = {{0, 0}}, b = {{0, 0}};
	thermal_step(&m, &a, 3, 60);
	for (int i = 0; i < 600; i++)
		thermal_step(&m, &b, 3, 0.1);
	double want = 15 * (1 - exp(-0.6));
	cr_assert_float_eq(thermal_temp_c(&m, &a, 0), want, 1e-9);
	cr_assert_float_eq(thermal_temp_c(&m, &b, 0), want, 1e-9);
}

Test(thermal, fit_recovers_a_first_order_system)
{
	const double r[1] = {5.0}, tau[1] = {100.0}; /* C = 20 J/K */
	struct thermfit_sched s = {1.0, 4.0, 150, 450};
	struct thermfit_rec rec;
	synth(&rec, 1, r, tau, &s, 25.0, 2.0);
	const struct thermfit_rec *set = &rec;
	struct thermal_model m;
	struct errbuf eb = {0};
	cr_assert_eq(thermfit_fit(&set, &s, 1, 1, &m, &eb), 0, "%s", eb.msg);
	cr_expect(fabs(m.r_k_per_w[0] - 5.0) < 0.005 * 5.0, "R %.6g, want 5", m.r_k_per_w[0]);
	cr_expect(fabs(m.c_j_per_k[0] - 20.0) < 0.005 * 20.0, "C %.6g, want 20", m.c_j_per_k[0]);
	cr_expect(fabs(thermfit_ambient_c(&m, &rec, &s) - 25.0) < 0.05);
	cr_expect_lt(thermfit_rmse(&m, &rec, &s), 0.01);
	free(rec.t_s);
	free(rec.temp_c);
}

Test(thermal, fit_recovers_a_two_term_system)
{
	const double r[2] = {1.5, 4.0}, tau[2] = {4.0, 200.0}; /* C = 2.667 and 50 J/K */
	struct thermfit_sched s = {2.0, 6.0, 150, 450};
	struct thermfit_rec rec;
	synth(&rec, 2, r, tau, &s, 30.0, 2.0);
	const struct thermfit_rec *set = &rec;
	struct thermal_model m;
	struct errbuf eb = {0};
	cr_assert_eq(thermfit_fit(&set, &s, 1, 2, &m, &eb), 0, "%s", eb.msg);
	for (int i = 0; i < 2; i++) {
		double c = tau[i] / r[i];
		cr_expect(fabs(m.r_k_per_w[i] - r[i]) < 0.02 * r[i], "R%d %.6g, want %g", i + 1,
			  m.r_k_per_w[i], r[i]);
		cr_expect(fabs(m.c_j_per_k[i] - c) < 0.02 * c, "C%d %.6g, want %g", i + 1,
			  m.c_j_per_k[i], c);
	}
	free(rec.t_s);
	free(rec.temp_c);
}

static int have_stressberry(void)
{
	struct stat st;
	return stat(STRESSBERRY, &st) == 0;
}

/*
 * On the real recordings: each recording's own two-node fit is within 1 K RMS and better than
 * its one-node fit (the data supports the second term: the jump of several kelvin within a
 * sample of the load starting); predicting each Pi 4B recording from the eleven others
 * (leave one out) stays within the stated bound of docs/physics.md: mean RMSE below 4 K,
 * none above 10 K.
 */
Test(thermal, stressberry_fit_and_held_out_error, .timeout = 120 * TU_SLOW)
{
	if (!have_stressberry())
		cr_skip_test("%s not found: the test on the real recordings is skipped",
			     STRESSBERRY);
	struct thermfit_data *d;
	struct errbuf eb = {0};
	cr_assert_eq(thermfit_load(STRESSBERRY, &d, &eb), 0, "%s", eb.msg);
	cr_assert_eq(d->n_rec, 16);
	const struct thermfit_rec *set[16];
	struct thermfit_sched sch[16];
	double sum = 0;
	int n_4b = 0;
	for (int i = 0; i < d->n_rec; i++) {
		const struct thermfit_rec *r = &d->rec[i];
		const struct thermfit_board *b = thermfit_board(r->board);
		cr_assert(b);
		struct thermfit_sched s = {b->idle_w, b->load_w, 150, 450};
		struct thermal_model m1, m2;
		cr_assert_eq(thermfit_fit(&r, &s, 1, 1, &m1, &eb), 0);
		cr_assert_eq(thermfit_fit(&r, &s, 1, 2, &m2, &eb), 0);
		double e1 = thermfit_rmse(&m1, r, &s), e2 = thermfit_rmse(&m2, r, &s);
		cr_expect_lt(e2, 1.0, "%s: own 2-node fit RMSE %.2f K", r->id, e2);
		cr_expect_lt(e2, e1, "%s: 2 nodes %.2f K, 1 node %.2f K", r->id, e2, e1);
		if (strcmp(r->board, "rpi4b"))
			continue;
		int n = 0;
		for (int j = 0; j < d->n_rec; j++)
			if (j != i && !strcmp(d->rec[j].board, "rpi4b")) {
				set[n] = &d->rec[j];
				sch[n] = s;
				n++;
			}
		struct thermal_model m;
		cr_assert_eq(thermfit_fit(set, sch, n, 2, &m, &eb), 0);
		double e = thermfit_rmse(&m, r, &s);
		cr_expect_lt(e, 10.0, "%s: held-out RMSE %.2f K", r->id, e);
		sum += e;
		n_4b++;
	}
	cr_assert_eq(n_4b, 12);
	cr_expect_lt(sum / n_4b, 4.0, "mean held-out RMSE %.2f K", sum / n_4b);
	thermfit_destroy(d);
}

Test(thermal, cli_rejects_bad_recordings_naming_the_line)
{
	char out[4096];
	const char *in = tu_write("sb_bad.csv", "file,board,cooling,time_s,temperature_c\n"
						"a.dat,rpi4b,none,0,40\n"
						"a.dat,rpi4b,none,2,41\n"
						"a.dat,rpi4b,none,1,41\n");
	const char *o = tu_scratch("sb_bad.md");
	int st = tu_adascale(out, sizeof out, "thermal fit %s -o %s", in, o);
	cr_assert_eq(st, 2, "%s", out);
	cr_expect(tu_has(out, "sb_bad.csv:4"), "%s", out);
	cr_expect(tu_has(out, "goes back"), "%s", out);
	struct stat sb;
	cr_expect_neq(stat(o, &sb), 0, "nothing is written");
	in = tu_write("sb_board.csv", "file,board,cooling,time_s,temperature_c\n"
				      "a.dat,rpi5,none,0,40\n");
	st = tu_adascale(out, sizeof out, "thermal fit %s", in);
	cr_assert_eq(st, 2, "%s", out);
	cr_expect(tu_has(out, "sb_board.csv:2") && tu_has(out, "rpi5"), "%s", out);
	st = tu_adascale(out, sizeof out, "thermal fit %s --train nosuch", STRESSBERRY);
	if (have_stressberry())
		cr_expect(st == 2 && tu_has(out, "nosuch"), "%s", out);
}

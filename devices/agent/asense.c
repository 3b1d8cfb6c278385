/*
 * asense.c: the sense verb (see asense.h). A step: 4 periods idle, then every CPU busy for
 * 6 periods, sampled on a clock of its own whose phase against the step moves by 1/steps of
 * a period each step. A reading is the busy share of all CPUs between two /proc/stat reads;
 * the model of a reading is the share of its window after the step; the delay is the shift
 * of the model that fits the step's readings best (least squares, 1/200 period steps from -1
 * to +3 periods), after scaling the readings between the step's idle and busy levels.
 */
#include "asense.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "afile.h"
#include "ameasure.h"
#include "aload.h"
#include "asys.h"
#include "num.h"

#ifndef ADASCALE_VERSION
#define ADASCALE_VERSION "unknown"
#endif

#define IDLE_PERIODS 4
#define BUSY_PERIODS 6
#define N_READ (IDLE_PERIODS + BUSY_PERIODS)

void agent_sense_defaults(struct agent_sense_opts *o)
{
	memset(o, 0, sizeof *o);
	o->n_periods = 3;
	o->periods_ms[0] = 20;
	o->periods_ms[1] = 50;
	o->periods_ms[2] = 100;
	o->steps = 8;
}

int agent_sense_parse_periods(const char *s, struct agent_sense_opts *o, struct errbuf *eb)
{
	char buf[256];
	if (snprintf(buf, sizeof buf, "%s", s) >= (int)sizeof buf)
		return err_set(eb, ERR_USAGE, "--periods: too long");
	int n = 0;
	for (char *save, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		double x;
		if (n == AGENT_SENSE_MAX_PERIODS || num_double(t, &x) < 0 || !(x >= 1) || x > 10000)
			return err_set(eb, ERR_USAGE,
				       "--periods '%s': up to %d periods in ms, each in 1..10000", s,
				       AGENT_SENSE_MAX_PERIODS);
		o->periods_ms[n++] = x;
	}
	if (!n)
		return err_set(eb, ERR_USAGE, "--periods: give at least one");
	o->n_periods = n;
	return 0;
}

/* The busy and total jiffies of all CPUs (the first line of /proc/stat). */
static int read_stat(double *busy, double *total)
{
	FILE *f = fopen("/proc/stat", "r");
	if (!f)
		return -1;
	unsigned long long v[10] = {0};
	int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
		       &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]);
	fclose(f);
	if (n < 4)
		return -1;
	/* user nice system idle iowait irq softirq steal (guest is within user) */
	double idle = (double)v[3] + (double)v[4];
	double b = (double)v[0] + (double)v[1] + (double)v[2] + (double)v[5] + (double)v[6] +
		   (double)v[7];
	*busy = b;
	*total = b + idle;
	return 0;
}

/* The model's reading of window (a, b] for a step at t0 (all times in periods). */
static double window_share(double a, double b, double t0)
{
	if (t0 <= a)
		return 1;
	if (t0 >= b)
		return 0;
	return (b - t0) / (b - a);
}

struct step {
	double u[N_READ];   /* readings, window k is (k-1, k] periods after the first read */
	double t0;          /* the step, in periods after the first read */
};

/* One step at phase (0..1) of period_ns; the loaders are the caller's. */
static int one_step(struct agent_load *ld, const int *cpu, int n_cpus, int64_t period_ns,
		    double phase, struct step *st, struct errbuf *eb)
{
	double b0, t0b, b1, t1;
	int64_t base = agent_mono_ns() + period_ns;
	agent_sleep_until(base);
	if (read_stat(&b0, &t0b) < 0)
		return err_set(eb, ERR_IO, "/proc/stat: cannot read: %s", strerror(errno));
	int loaded = 0;
	/* the load starts 1 ms after agent_load_start: start it so that it begins at
	   base + (IDLE_PERIODS - 1 + phase) periods */
	int64_t t_step = base + (int64_t)((IDLE_PERIODS - 1 + phase) * (double)period_ns);
	for (int k = 1; k <= N_READ; k++) {
		int64_t tk = base + k * period_ns;
		if (!loaded && tk > t_step) {
			agent_sleep_until(t_step - 1000000);
			int rc = agent_load_start(ld, cpu, n_cpus, 1, 1, AGENT_LOAD_SPREAD, eb);
			if (rc < 0) {
				agent_load_stop(ld);
				return rc;
			}
			st->t0 = (double)(t_step - base) / (double)period_ns;
			loaded = 1;
		}
		agent_sleep_until(tk);
		if (read_stat(&b1, &t1) < 0) {
			agent_load_stop(ld);
			return err_set(eb, ERR_IO, "/proc/stat: cannot read: %s", strerror(errno));
		}
		st->u[k - 1] = t1 > t0b ? (b1 - b0) / (t1 - t0b) : NAN;
		b0 = b1;
		t0b = t1;
	}
	agent_load_stop(ld);
	return 0;
}

/* The delay (periods) of one step's readings against the windowed model; NAN when flat. */
static double fit_delay(const struct step *st, double *idle, double *busy)
{
	double lo = 0, hi = 0;
	int nl = 0, nh = 0;
	for (int k = 0; k < N_READ; k++) {
		if (isnan(st->u[k]))
			return NAN;
		if (k + 1 <= IDLE_PERIODS - 1) {
			lo += st->u[k];
			nl++;
		} else if (k + 1 > N_READ - 3) {
			hi += st->u[k];
			nh++;
		}
	}
	lo /= nl;
	hi /= nh;
	*idle = lo;
	*busy = hi;
	if (hi - lo < 0.2)
		return NAN; /* the step is not visible: another load holds the CPUs */
	double best = NAN, best_err = INFINITY;
	for (int i = -200; i <= 600; i++) {
		double d = i / 200.0, err = 0;
		for (int k = 0; k < N_READ; k++) {
			double y = (st->u[k] - lo) / (hi - lo);
			double m = window_share(k, k + 1, st->t0 + d);
			err += (y - m) * (y - m);
		}
		if (err < best_err) {
			best_err = err;
			best = d;
		}
	}
	return best;
}

struct period_result {
	double period_ms;
	int n_steps, n_fitted;
	double delay_med_ms, delay_p90_ms, sd_idle, sd_busy;
};

static double sd_of(const double *x, int n)
{
	if (n < 2)
		return NAN;
	double m = 0, s = 0;
	for (int i = 0; i < n; i++)
		m += x[i] / n;
	for (int i = 0; i < n; i++)
		s += (x[i] - m) * (x[i] - m);
	return sqrt(s / (n - 1));
}

int agent_sense(const struct agent_sense_opts *o, const char *out_path, struct errbuf *eb)
{
	struct agent_cpuset cpus;
	int rc = agent_affinity_get(&cpus, eb);
	if (rc < 0)
		return rc;
	int cpu[AGENT_MAX_CPUS], n_cpus = agent_cpuset_list(&cpus, cpu);
	struct agent_load ld = {.l = calloc((size_t)n_cpus, sizeof(struct agent_loader))};
	struct step *steps = calloc((size_t)o->steps, sizeof *steps);
	double *d = calloc((size_t)o->steps, sizeof *d);
	double *lv = calloc((size_t)o->steps * N_READ, sizeof *lv);
	double *hv = calloc((size_t)o->steps * N_READ, sizeof *hv);
	struct period_result res[AGENT_SENSE_MAX_PERIODS];
	struct afile *af = NULL;
	if (!ld.l || !steps || !d || !lv || !hv) {
		rc = err_set(eb, ERR_NOMEM, "out of memory");
		goto out;
	}
	for (int p = 0; p < o->n_periods; p++) {
		int64_t period_ns = llround(o->periods_ms[p] * 1e6);
		int nd = 0, nl = 0, nh = 0;
		for (int s = 0; s < o->steps; s++) {
			if ((rc = one_step(&ld, cpu, n_cpus, period_ns, (s + 0.5) / o->steps,
					   &steps[s], eb)) < 0)
				goto out;
			double lo = 0, hi = 0, dl = fit_delay(&steps[s], &lo, &hi);
			if (!isnan(dl))
				d[nd++] = dl * o->periods_ms[p];
			/* the spread of single readings at steady idle and steady load */
			for (int k = 0; k + 1 <= IDLE_PERIODS - 1; k++)
				lv[nl++] = steps[s].u[k] - lo;
			for (int k = N_READ - 3; k < N_READ; k++)
				hv[nh++] = steps[s].u[k] - hi;
		}
		agent_sort(d, nd);
		res[p] = (struct period_result){
			.period_ms = o->periods_ms[p],
			.n_steps = o->steps,
			.n_fitted = nd,
			.delay_med_ms = nd ? d[nd / 2] : NAN,
			.delay_p90_ms = nd ? d[(int)floor(0.9 * (nd - 1) + 0.5)] : NAN,
			.sd_idle = sd_of(lv, nl),
			.sd_busy = sd_of(hv, nh),
		};
		if (o->progress)
			fprintf(stderr, "sense: period %g ms: delay %.1f ms (median of %d steps), "
					"noise sd %.3f idle, %.3f busy\n",
				res[p].period_ms, res[p].delay_med_ms, nd, res[p].sd_idle,
				res[p].sd_busy);
	}
	if (!(af = afile_create(out_path, eb))) {
		rc = eb->code;
		goto out;
	}
	FILE *f = afile_stream(af);
	struct utsname u;
	char host[65] = "unknown";
	if (uname(&u) == 0)
		snprintf(host, sizeof host, "%s", u.nodename);
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	char date[32];
	strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
	int freq = access("/sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq", R_OK) == 0;
	fprintf(f, "# sensing: load steps on every CPU read from /proc/stat once a period; "
		   "delay_ms: how much later than the windowed mean of the true load the readings "
		   "follow a step; util_noise_sd: the spread of single readings at steady idle and "
		   "steady load (shares 0..1)\n");
	fprintf(f, "# agent: adascale-agent %s\n# host: %s\n# cpus: %d\n# date: %s\n",
		ADASCALE_VERSION, host, n_cpus, date);
	fprintf(f, "# freq_files: %s\n",
		freq ? "readable (scaling_cur_freq)" : "not readable here (no cpufreq)");
	if (o->command)
		fprintf(f, "# command: %s\n", o->command);
	fprintf(f, "period_ms,steps,fitted,delay_ms_median,delay_ms_p90,util_noise_sd_idle,"
		   "util_noise_sd_busy\n");
	for (int p = 0; p < o->n_periods; p++)
		fprintf(f, "%g,%d,%d,%.2f,%.2f,%.4f,%.4f\n", res[p].period_ms, res[p].n_steps,
			res[p].n_fitted, res[p].delay_med_ms, res[p].delay_p90_ms, res[p].sd_idle,
			res[p].sd_busy);
	if (ferror(f)) {
		rc = err_set(eb, ERR_IO, "%s: write failed", afile_name(af));
		goto out;
	}
	rc = afile_commit(af, eb);
out:
	afile_destroy(af);
	free(ld.l);
	free(steps);
	free(d);
	free(lv);
	free(hv);
	return rc;
}

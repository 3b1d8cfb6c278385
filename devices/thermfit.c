/*
 * thermfit.c: reading the stressberry recordings, fitting the thermal network of thermal.h
 * to them and predicting held-out ones (thermfit.h). Not for the network's equations
 * (thermal.c).
 */
#include "thermfit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "csvin.h"

/*
 * Whole-board power of each Raspberry Pi at 5 V, idle and under `stress --cpu 4`, from
 * Jeff Geerling's "Power Consumption Benchmarks" (https://www.pidramble.com/wiki/benchmarks/
 * power-consumption): 3 B 260 mA / 730 mA, 3 B+ 350 mA / 980 mA, 4 B 540 mA / 1280 mA.
 */
static const struct thermfit_board boards[] = {
	{"rpi3b", 1.4, 3.7, "pidramble.com power-consumption benchmarks: 260 mA idle, 730 mA "
			    "at 400% CPU, 5 V"},
	{"rpi3b+", 1.9, 5.1, "pidramble.com power-consumption benchmarks: 350 mA idle, 980 mA "
			     "at 400% CPU, 5 V"},
	{"rpi4b", 2.7, 6.4, "pidramble.com power-consumption benchmarks: 540 mA idle, 1280 mA "
			    "at 400% CPU, 5 V"},
};

const struct thermfit_board *thermfit_board(const char *board)
{
	for (size_t i = 0; i < sizeof boards / sizeof boards[0]; i++)
		if (!strcmp(boards[i].board, board))
			return &boards[i];
	return NULL;
}

void thermfit_destroy(struct thermfit_data *d)
{
	if (!d)
		return;
	for (int i = 0; i < d->n_rec; i++) {
		free(d->rec[i].t_s);
		free(d->rec[i].temp_c);
	}
	free(d->rec);
	free(d);
}

static int push_sample(struct thermfit_rec *r, int *cap, double t, double temp)
{
	if (r->n == *cap) {
		int nc = *cap ? 2 * *cap : 256;
		double *a = realloc(r->t_s, (size_t)nc * sizeof *a);
		if (!a)
			return ERR_NOMEM;
		r->t_s = a;
		double *b = realloc(r->temp_c, (size_t)nc * sizeof *b);
		if (!b)
			return ERR_NOMEM;
		r->temp_c = b;
		*cap = nc;
	}
	r->t_s[r->n] = t;
	r->temp_c[r->n] = temp;
	r->n++;
	return 0;
}

int thermfit_load(const char *path, struct thermfit_data **out, struct errbuf *eb)
{
	*out = NULL;
	struct csvin *c = csvin_open(path, eb);
	if (!c)
		return eb && eb->code ? eb->code : ERR_IO;
	struct thermfit_data *d = calloc(1, sizeof *d);
	int rc = d ? 0 : err_set(eb, ERR_NOMEM, "%s: out of memory", path);
	int c_file = -1, c_board = -1, c_cool = -1, c_t = -1, c_temp = -1, cap = 0, rcap = 0;
	if (rc < 0 || (rc = c_file = csvin_require_col(c, "file", eb)) < 0 ||
	    (rc = c_board = csvin_require_col(c, "board", eb)) < 0 ||
	    (rc = c_cool = csvin_require_col(c, "cooling", eb)) < 0 ||
	    (rc = c_t = csvin_require_col(c, "time_s", eb)) < 0 ||
	    (rc = c_temp = csvin_require_col(c, "temperature_c", eb)) < 0)
		goto fail;
	struct thermfit_rec *cur = NULL;
	while ((rc = csvin_next(c, eb)) == 1) {
		const char *id = csvin_field(c, c_file);
		if (!cur || strcmp(cur->id, id)) {
			for (int i = 0; i < d->n_rec; i++)
				if (!strcmp(d->rec[i].id, id)) {
					rc = csvin_fail(c, eb, ERR_PARSE,
							"recording '%s' continues after another one "
							"(it began at line %ld)", id, d->rec[i].line);
					goto fail;
				}
			if (!id[0] || strlen(id) >= sizeof cur->id) {
				rc = csvin_fail(c, eb, ERR_PARSE, "column 'file': empty or too long");
				goto fail;
			}
			const char *b = csvin_field(c, c_board);
			if (!thermfit_board(b)) {
				rc = csvin_fail(c, eb, ERR_PARSE,
						"column 'board': '%s' has no power figures (rpi3b, "
						"rpi3b+, rpi4b)", b);
				goto fail;
			}
			if (d->n_rec == rcap) {
				int nc = rcap ? 2 * rcap : 16;
				struct thermfit_rec *nr = realloc(d->rec, (size_t)nc * sizeof *nr);
				if (!nr) {
					rc = err_set(eb, ERR_NOMEM, "%s: out of memory", path);
					goto fail;
				}
				d->rec = nr;
				rcap = nc;
			}
			cur = &d->rec[d->n_rec++];
			memset(cur, 0, sizeof *cur);
			cap = 0;
			snprintf(cur->id, sizeof cur->id, "%s", id);
			snprintf(cur->board, sizeof cur->board, "%s", b);
			snprintf(cur->cooling, sizeof cur->cooling, "%s", csvin_field(c, c_cool));
			cur->line = csvin_line(c);
		}
		double t, temp;
		if ((rc = csvin_double_in(c, c_t, 0, 1e7, &t, eb)) < 0 ||
		    (rc = csvin_double_in(c, c_temp, -50, 150, &temp, eb)) < 0)
			goto fail;
		if (cur->n && t < cur->t_s[cur->n - 1]) {
			rc = csvin_fail(c, eb, ERR_PARSE, "time_s %.17g goes back (the row before "
					"has %.17g)", t, cur->t_s[cur->n - 1]);
			goto fail;
		}
		if ((rc = push_sample(cur, &cap, t, temp)) < 0) {
			err_set(eb, rc, "%s: out of memory", path);
			goto fail;
		}
	}
	if (rc < 0)
		goto fail;
	if (!d->n_rec) {
		rc = err_set(eb, ERR_PARSE, "%s: no recordings", path);
		goto fail;
	}
	csvin_close(c);
	*out = d;
	return 0;
fail:
	csvin_close(c);
	thermfit_destroy(d);
	return rc;
}

/* The mean temperature before the load starts (the first sample when none is before). */
static double idle_mean(const struct thermfit_rec *r, const struct thermfit_sched *s)
{
	double sum = 0;
	int k = 0;
	for (int i = 0; i < r->n && r->t_s[i] < s->on_s; i++, k++)
		sum += r->temp_c[i];
	return k ? sum / k : r->temp_c[0];
}

static double sched_power(const struct thermfit_sched *s, double t)
{
	return t >= s->on_s && t < s->off_s ? s->load_w : s->idle_w;
}

/* The end of the constant-power piece that starts at t, capped at t_end. */
static double piece_end(const struct thermfit_sched *s, double t, double t_end)
{
	if (t < s->on_s && s->on_s < t_end)
		return s->on_s;
	if (t >= s->on_s && t < s->off_s && s->off_s < t_end)
		return s->off_s;
	return t_end;
}

/* Normal equations of the resistances at time constants tau (n terms) over the set. */
struct normal {
	double a[THERMAL_MAX_NODES][THERMAL_MAX_NODES];
	double b[THERMAL_MAX_NODES];
	double yy;
};

static void accumulate(const struct thermfit_rec *const *recs, const struct thermfit_sched *sched,
		       int n_rec, int n, const double *tau, struct normal *ne)
{
	memset(ne, 0, sizeof *ne);
	for (int r = 0; r < n_rec; r++) {
		const struct thermfit_rec *rec = recs[r];
		const struct thermfit_sched *s = &sched[r];
		double t0 = idle_mean(rec, s), t = rec->t_s[0];
		double g[THERMAL_MAX_NODES] = {0};
		for (int k = 0; k < rec->n; k++) {
			while (t < rec->t_s[k]) {
				double e_t = piece_end(s, t, rec->t_s[k]);
				double u = sched_power(s, t) - s->idle_w;
				for (int i = 0; i < n; i++)
					g[i] = u + (g[i] - u) * exp(-(e_t - t) / tau[i]);
				t = e_t;
			}
			double y = rec->temp_c[k] - t0;
			for (int i = 0; i < n; i++) {
				ne->b[i] += g[i] * y;
				for (int j = 0; j < n; j++)
					ne->a[i][j] += g[i] * g[j];
			}
			ne->yy += y * y;
		}
	}
}

static double sse_of(const struct normal *ne, int n, const double *a)
{
	double s = ne->yy;
	for (int i = 0; i < n; i++) {
		s -= 2 * a[i] * ne->b[i];
		for (int j = 0; j < n; j++)
			s += a[i] * ne->a[i][j] * a[j];
	}
	return s;
}

/* The least-squares resistances >= 0 at the normal equations; returns the squared error. */
static double solve(const struct normal *ne, int n, double *a)
{
	double best = INFINITY, cand[THERMAL_MAX_NODES];
	if (n == 2) {
		double det = ne->a[0][0] * ne->a[1][1] - ne->a[0][1] * ne->a[1][0];
		if (fabs(det) > 1e-12 * (ne->a[0][0] * ne->a[1][1] + 1e-300)) {
			cand[0] = (ne->b[0] * ne->a[1][1] - ne->b[1] * ne->a[0][1]) / det;
			cand[1] = (ne->a[0][0] * ne->b[1] - ne->a[1][0] * ne->b[0]) / det;
			if (cand[0] >= 0 && cand[1] >= 0) {
				a[0] = cand[0];
				a[1] = cand[1];
				return sse_of(ne, n, a);
			}
		}
	}
	/* one term at a time, the others zero */
	for (int i = 0; i < n; i++) {
		for (int j = 0; j < n; j++)
			cand[j] = 0;
		cand[i] = ne->a[i][i] > 0 && ne->b[i] > 0 ? ne->b[i] / ne->a[i][i] : 0;
		double s = sse_of(ne, n, cand);
		if (s < best) {
			best = s;
			for (int j = 0; j < n; j++)
				a[j] = cand[j];
		}
	}
	return best;
}

struct fitctx {
	const struct thermfit_rec *const *recs;
	const struct thermfit_sched *sched;
	int n_rec, n;
};

static double objective(const struct fitctx *f, const double *tau, double *a)
{
	struct normal ne;
	accumulate(f->recs, f->sched, f->n_rec, f->n, tau, &ne);
	return solve(&ne, f->n, a);
}

#define TAU_MIN_S 0.5
#define TAU_MAX_S 20000.0

/* Golden-section search of log(tau[i]) in [lo, hi], the other time constant held. */
static void golden(const struct fitctx *f, double *tau, int i, double lo, double hi)
{
	const double g = 0.6180339887498949;
	double a = log(lo), b = log(hi), a_buf[THERMAL_MAX_NODES];
	double x1 = b - g * (b - a), x2 = a + g * (b - a);
	tau[i] = exp(x1);
	double f1 = objective(f, tau, a_buf);
	tau[i] = exp(x2);
	double f2 = objective(f, tau, a_buf);
	for (int it = 0; it < 40; it++) {
		if (f1 <= f2) {
			b = x2;
			x2 = x1;
			f2 = f1;
			x1 = b - g * (b - a);
			tau[i] = exp(x1);
			f1 = objective(f, tau, a_buf);
		} else {
			a = x1;
			x1 = x2;
			f1 = f2;
			x2 = a + g * (b - a);
			tau[i] = exp(x2);
			f2 = objective(f, tau, a_buf);
		}
	}
	tau[i] = exp(f1 <= f2 ? x1 : x2);
}

int thermfit_fit(const struct thermfit_rec *const *recs, const struct thermfit_sched *sched,
		 int n, int n_nodes, struct thermal_model *m, struct errbuf *eb)
{
	if (n < 1)
		return err_set(eb, ERR_USAGE, "thermal fit: no recording to fit");
	if (n_nodes < 1 || n_nodes > THERMAL_MAX_NODES)
		return err_set(eb, ERR_USAGE, "thermal fit: %d nodes (1 or 2)", n_nodes);
	struct fitctx f = {recs, sched, n, n_nodes};
	enum { GRID = 36 };
	double grid[GRID], step = log(TAU_MAX_S / TAU_MIN_S) / (GRID - 1);
	for (int i = 0; i < GRID; i++)
		grid[i] = TAU_MIN_S * exp(step * i);
	double best = INFINITY, tau[THERMAL_MAX_NODES] = {0}, a[THERMAL_MAX_NODES];
	int bi[THERMAL_MAX_NODES] = {0};
	if (n_nodes == 1) {
		for (int i = 0; i < GRID; i++) {
			double s = objective(&f, &grid[i], a);
			if (s < best) {
				best = s;
				bi[0] = i;
			}
		}
	} else {
		for (int i = 0; i < GRID; i++)
			for (int j = i + 1; j < GRID; j++) {
				double t2[2] = {grid[i], grid[j]};
				double s = objective(&f, t2, a);
				if (s < best) {
					best = s;
					bi[0] = i;
					bi[1] = j;
				}
			}
	}
	double k = exp(step);
	for (int i = 0; i < n_nodes; i++)
		tau[i] = grid[bi[i]];
	for (int round = 0; round < (n_nodes == 1 ? 1 : 4); round++)
		for (int i = 0; i < n_nodes; i++) {
			double lo = tau[i] / (round ? 1.5 : k), hi = tau[i] * (round ? 1.5 : k);
			if (lo < TAU_MIN_S / 2)
				lo = TAU_MIN_S / 2;
			if (hi > TAU_MAX_S * 2)
				hi = TAU_MAX_S * 2;
			golden(&f, tau, i, lo, hi);
		}
	objective(&f, tau, a);
	/* the fast term first */
	if (n_nodes == 2 && tau[0] > tau[1]) {
		double x = tau[0], y = a[0];
		tau[0] = tau[1];
		a[0] = a[1];
		tau[1] = x;
		a[1] = y;
	}
	memset(m, 0, sizeof *m);
	m->n_nodes = n_nodes;
	for (int i = 0; i < n_nodes; i++) {
		m->r_k_per_w[i] = a[i];
		m->c_j_per_k[i] = a[i] > 0 ? tau[i] / a[i] : 0;
	}
	return 0;
}

double thermfit_ambient_c(const struct thermal_model *m, const struct thermfit_rec *r,
			  const struct thermfit_sched *s)
{
	return idle_mean(r, s) - thermal_r_total(m) * s->idle_w;
}

void thermfit_predict(const struct thermal_model *m, const struct thermfit_rec *r,
		      const struct thermfit_sched *s, double *pred)
{
	double amb = thermfit_ambient_c(m, r, s), t = r->t_s[0];
	struct thermal_state st;
	thermal_steady(m, s->idle_w, &st);
	for (int k = 0; k < r->n; k++) {
		while (t < r->t_s[k]) {
			double e_t = piece_end(s, t, r->t_s[k]);
			thermal_step(m, &st, sched_power(s, t), e_t - t);
			t = e_t;
		}
		pred[k] = thermal_temp_c(m, &st, amb);
	}
}

double thermfit_rmse(const struct thermal_model *m, const struct thermfit_rec *r,
		     const struct thermfit_sched *s)
{
	double *p = malloc((size_t)r->n * sizeof *p);
	if (!p)
		return NAN;
	thermfit_predict(m, r, s, p);
	double sum = 0;
	for (int k = 0; k < r->n; k++)
		sum += (p[k] - r->temp_c[k]) * (p[k] - r->temp_c[k]);
	free(p);
	return sqrt(sum / r->n);
}

/* Whether id is in the comma-separated list (entries with or without ".dat"). */
static int in_list(const char *list, const char *id)
{
	size_t idn = strlen(id);
	if (idn > 4 && !strcmp(id + idn - 4, ".dat"))
		idn -= 4;
	for (const char *p = list; p && *p;) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		size_t m = n > 4 && !strncmp(p + n - 4, ".dat", 4) ? n - 4 : n;
		if (m == idn && !strncmp(p, id, m))
			return 1;
		p = e ? e + 1 : p + n;
	}
	return 0;
}

/* An entry of list that names no recording of d: ERR_USAGE naming it, else 0. */
static int check_list(const struct thermfit_data *d, const char *list, const char *what,
		      struct errbuf *eb)
{
	for (const char *p = list; p && *p;) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char name[128];
		snprintf(name, sizeof name, "%.*s", (int)(n < 127 ? n : 127), p);
		int found = 0;
		for (int i = 0; i < d->n_rec && !found; i++)
			found = in_list(name, d->rec[i].id);
		if (!found)
			return err_set(eb, ERR_USAGE, "--%s: no recording '%s' in %s", what, name,
				       "the file");
		p = e ? e + 1 : p + n;
	}
	return 0;
}

static void sched_of(const struct thermfit_rec *r, const struct thermfit_opts *o,
		     struct thermfit_sched *s)
{
	const struct thermfit_board *b = thermfit_board(r->board); /* checked by the reader */
	s->idle_w = b ? b->idle_w : 0;
	s->load_w = b ? b->load_w : 0;
	s->on_s = o->on_s;
	s->off_s = o->off_s;
}

static void print_model(FILE *out, const struct thermal_model *m)
{
	for (int i = 0; i < THERMAL_MAX_NODES; i++) {
		if (i < m->n_nodes)
			fprintf(out, " %.3g | %.3g | %.3g |", m->r_k_per_w[i], m->c_j_per_k[i],
				m->r_k_per_w[i] * m->c_j_per_k[i]);
		else
			fprintf(out, " | | |");
	}
}

int thermfit_report(const struct thermfit_data *d, const struct thermfit_opts *o, FILE *out,
		    struct errbuf *eb)
{
	int rc;
	if ((rc = check_list(d, o->train, "train", eb)) < 0 ||
	    (rc = check_list(d, o->test, "test", eb)) < 0)
		return rc;
	const struct thermfit_rec **set = malloc((size_t)d->n_rec * sizeof *set);
	struct thermfit_sched *sch = malloc((size_t)d->n_rec * sizeof *sch);
	double *held = malloc((size_t)d->n_rec * sizeof *held);
	int *n_train = malloc((size_t)d->n_rec * sizeof *n_train);
	if (!set || !sch || !held || !n_train) {
		rc = err_set(eb, ERR_NOMEM, "thermal fit: out of memory");
		goto done;
	}
	fprintf(out, "Thermal network fits of %s: load from %g s to %g s; power per board "
		"(whole board, the fit absorbs the share that heats the sensor into R and C):\n\n",
		o->source ? o->source : "the recordings", o->on_s, o->off_s);
	fprintf(out, "| board | idle W | full load W | source |\n| --- | --- | --- | --- |\n");
	for (size_t i = 0; i < sizeof boards / sizeof boards[0]; i++)
		fprintf(out, "| %s | %.2f | %.2f | %s |\n", boards[i].board, boards[i].idle_w,
			boards[i].load_w, boards[i].source);
	fprintf(out, "\nNetworks fitted on each board's %s (R K/W, C J/K, tau s):\n\n",
		o->train ? "training recordings" : "recordings, all of them");
	fprintf(out, "| board | recordings | nodes | R1 | C1 | tau1 | R2 | C2 | tau2 | RMSE K |\n"
		"| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
	/* per board: the network fitted on its training recordings (all of them without train) */
	for (int i = 0; i < d->n_rec; i++) {
		int first = 1;
		for (int j = 0; j < i && first; j++)
			first = strcmp(d->rec[j].board, d->rec[i].board) != 0;
		if (!first)
			continue;
		int n = 0;
		for (int j = 0; j < d->n_rec; j++)
			if (!strcmp(d->rec[j].board, d->rec[i].board) &&
			    (!o->train || in_list(o->train, d->rec[j].id))) {
				set[n] = &d->rec[j];
				sched_of(&d->rec[j], o, &sch[n]);
				n++;
			}
		if (!n) {
			fprintf(out, "| %s | 0 | | | | | | | | |\n", d->rec[i].board);
			continue;
		}
		for (int nodes = 1; nodes <= THERMAL_MAX_NODES; nodes++) {
			struct thermal_model m;
			if ((rc = thermfit_fit(set, sch, n, nodes, &m, eb)) < 0)
				goto done;
			double sum = 0;
			long cnt = 0;
			for (int j = 0; j < n; j++) {
				double e = thermfit_rmse(&m, set[j], &sch[j]);
				sum += e * e * set[j]->n;
				cnt += set[j]->n;
			}
			fprintf(out, "| %s | %d | %d |", d->rec[i].board, n, nodes);
			print_model(out, &m);
			fprintf(out, " %.2f |\n", sqrt(sum / cnt));
		}
	}
	fprintf(out, "\nPer recording: RMSE in K of its own fit with 1 and 2 nodes, and of the "
		"prediction of a %d-node network fitted on %s:\n\n", o->n_nodes,
		o->train ? "the board's training recordings"
			 : "the board's other recordings (leave one out)");
	fprintf(out, "| recording | board | cooling | samples | own fit 1 node | own fit 2 nodes "
		"| held out | trained on |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n");
	for (int i = 0; i < d->n_rec; i++) {
		const struct thermfit_rec *r = &d->rec[i];
		struct thermfit_sched s;
		sched_of(r, o, &s);
		held[i] = NAN;
		n_train[i] = 0;
		if (o->test && !in_list(o->test, r->id))
			continue;
		double own[THERMAL_MAX_NODES];
		for (int nodes = 1; nodes <= THERMAL_MAX_NODES; nodes++) {
			struct thermal_model m;
			const struct thermfit_rec *one = r;
			if ((rc = thermfit_fit(&one, &s, 1, nodes, &m, eb)) < 0)
				goto done;
			own[nodes - 1] = thermfit_rmse(&m, r, &s);
		}
		int n = 0, training = o->train && in_list(o->train, r->id);
		for (int j = 0; j < d->n_rec; j++)
			if (j != i && !strcmp(d->rec[j].board, r->board) &&
			    (!o->train || in_list(o->train, d->rec[j].id))) {
				set[n] = &d->rec[j];
				sched_of(&d->rec[j], o, &sch[n]);
				n++;
			}
		fprintf(out, "| %s | %s | %s | %d | %.2f | %.2f |", r->id, r->board, r->cooling,
			r->n, own[0], own[1]);
		if (training) {
			fprintf(out, " (training) | |\n");
			continue;
		}
		if (!n) {
			fprintf(out, " none: no other recording of %s | 0 |\n", r->board);
			continue;
		}
		struct thermal_model m;
		if ((rc = thermfit_fit(set, sch, n, o->n_nodes, &m, eb)) < 0)
			goto done;
		held[i] = thermfit_rmse(&m, r, &s);
		n_train[i] = n;
		fprintf(out, " %.2f | %d |\n", held[i], n);
	}
	/* the held-out summary per board */
	fprintf(out, "\n| board | held out | mean RMSE K | worst RMSE K |\n| --- | --- | --- | --- |\n");
	for (int i = 0; i < d->n_rec; i++) {
		int first = 1;
		for (int j = 0; j < i && first; j++)
			first = strcmp(d->rec[j].board, d->rec[i].board) != 0;
		if (!first)
			continue;
		int k = 0;
		double sum = 0, worst = 0;
		for (int j = 0; j < d->n_rec; j++)
			if (!strcmp(d->rec[j].board, d->rec[i].board) && !isnan(held[j])) {
				k++;
				sum += held[j];
				if (held[j] > worst)
					worst = held[j];
			}
		if (k)
			fprintf(out, "| %s | %d | %.2f | %.2f |\n", d->rec[i].board, k, sum / k,
				worst);
		else
			fprintf(out, "| %s | 0 | | |\n", d->rec[i].board);
	}
	rc = 0;
done:
	free(set);
	free(sch);
	free(held);
	free(n_train);
	return rc;
}

/*
 * charts.c: the figures of a report as gnuplot commands (see charts.h). It decides what
 * each figure shows (which runs or configurations, grouped how, with which note), writes
 * the numbers once into datablocks, and then the drawing commands once per output format;
 * names go through plot_str only. Not for running gnuplot nor for page layout.
 */
#include "charts.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const report_figure_names[] = {
	"latency_cdf", "accuracy_energy", "accuracy_latency", "miss_rate", "energy",
	"timeline_1",  "timeline_2",      "timeline_3",       "timeline_4",
	"timeline_5",  "timeline_6",
	"trend_ontime_top1", "trend_miss_rate", "trend_lat_p95", "trend_top1",    "trend_energy",
	"validation_1", "validation_2", "validation_3", "validation_4", "validation_5",
	"validation_6", NULL};

#define TERM_SIZE "960,600"
#define TIMELINE_SIZE "960,820"
#define CDF_GRID 101 /* q = 0, 0.01, ..., 1 for curves averaged over runs */
#define MAX_POINT_LABELS 40
#define MAX_BAR_LABELS 40
#define MAX_KEY_INSIDE 4   /* curves whose key may sit inside the CDF's empty corner */
#define KEY_RIGHT_CHARS 36 /* longer key entries go below the plot, not beside it */

/* What the drawing commands of one figure need; each chart fills what it uses. */
struct chart {
	struct plot_sink *s;
	const char *size;
	const char *title, *xlabel, *ylabel;
	/* curves or point sets: their key entries (plain text) */
	int n_series;
	const char **series;
	int logscale;
	/* bars */
	int n_bars, n_err;
	int n_tics;
	const char *const *tic_label; /* x tic labels at tic_x (trends: at 0, 1, ...) */
	const double *tic_x;
	int tic_step;           /* every tic_step-th label */
	int multiline;          /* tic labels are lists: one item per line */
	double x_max, box;
	int key;                /* 1: a key of the series */
	/* point labels */
	int n_points;
	/* timeline */
	const struct report_run *run;
	const int *order; /* timeline: order[y] is the variant drawn at height y */
	/* CDF: the deadline all its runs share, drawn as a line; 0: none */
	double deadline_ms;
};

typedef void (*draw_fn)(const struct chart *c);

static size_t longest(const struct chart *c);

/* Adds a figure to the list; NULL when the list is full. */
static struct report_figure *fig_add(struct report_figures *figs, const char *name,
				     const char *title)
{
	if (figs->n == REPORT_MAX_FIGURES)
		return NULL;
	struct report_figure *f = &figs->fig[figs->n++];
	memset(f, 0, sizeof *f);
	snprintf(f->name, sizeof f->name, "%s", name);
	snprintf(f->title, sizeof f->title, "%s", title);
	return f;
}

/*
 * Draws a figure whose data is already in datablocks: once with pngcairo, once with svg,
 * from a clean state each time, so the two files show the same thing.
 */
static void fig_draw(const struct chart *c, const struct report_figure *f, draw_fn draw)
{
	static const char *const terms[] = {"pngcairo", "svg"};
	static const char *const opts[] = {"", " background rgb 'white'"};
	static const char *const exts[] = {"png", "svg"};
	/* A key below the plot gets its own room, so the plot keeps its height. */
	char tall[32];
	const char *size = c->size ? c->size : TERM_SIZE;
	if (!c->size && c->n_series > 0 && longest(c) > KEY_RIGHT_CHARS) {
		snprintf(tall, sizeof tall, "960,%d", 600 + 18 * c->n_series);
		size = tall;
	}
	for (int i = 0; i < 2; i++) {
		plot_printf(c->s, "reset\nset terminal %s size %s noenhanced%s\n", terms[i], size,
			    opts[i]);
		plot_printf(c->s, "set output '%s.%s'\n", f->name, exts[i]);
		plot_write(c->s, "set termoption noenhanced\nset grid\n");
		draw(c);
		plot_write(c->s, "unset output\n");
	}
}

static void note_add(struct report_figure *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void note_add(struct report_figure *f, const char *fmt, ...)
{
	size_t used = strlen(f->note);
	if (used + 2 >= sizeof f->note)
		return;
	if (used) {
		f->note[used++] = ' ';
		f->note[used] = '\0';
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->note + used, sizeof f->note - used, fmt, ap);
	va_end(ap);
}

/* A number for a datablock ("NaN" for a missing one, which gnuplot skips). */
static void num(struct plot_sink *s, double v)
{
	if (isfinite(v))
		plot_printf(s, "%.9g", v);
	else
		plot_write(s, "NaN");
}

/* A datablock row of n numbers. */
static void row(struct plot_sink *s, int n, ...)
{
	va_list ap;
	va_start(ap, n);
	for (int i = 0; i < n; i++) {
		if (i)
			plot_write(s, " ");
		num(s, va_arg(ap, double));
	}
	va_end(ap);
	plot_write(s, "\n");
}

static void title_line(struct plot_sink *s, const char *what, const char *text)
{
	plot_printf(s, "set %s ", what);
	plot_str(s, text);
	plot_write(s, "\n");
}

/* The longest key entry, in bytes. */
static size_t longest(const struct chart *c)
{
	size_t n = 0;
	for (int k = 0; k < c->n_series; k++)
		if (strlen(c->series[k]) > n)
			n = strlen(c->series[k]);
	return n;
}

/*
 * The key where it covers no data: inside only when inside_ok (a corner the data leaves
 * empty) and the entries are few and short; else beside the plot, or below it when the
 * entries are too long to leave the plot room beside them.
 */
static void key_place(const struct chart *c, int inside_ok, const char *inside)
{
	size_t len = longest(c);
	if (inside_ok && c->n_series <= MAX_KEY_INSIDE && len <= KEY_RIGHT_CHARS)
		plot_printf(c->s, "set key %s noenhanced\n", inside);
	else if (len <= KEY_RIGHT_CHARS)
		plot_write(c->s, "set key outside right top noenhanced\n");
	else
		plot_write(c->s, "set key outside below left vertical noenhanced\n");
}

/* Latency at quantile q of a run, interpolating between its stored quantiles. */
static double lat_at(const struct report_run *r, double q)
{
	int n = r->n_quantiles;
	if (q <= r->q[0])
		return r->latency_ms[0];
	if (q >= r->q[n - 1])
		return r->latency_ms[n - 1];
	int lo = 0, hi = n - 1;
	while (hi - lo > 1) {
		int mid = (lo + hi) / 2;
		if (r->q[mid] <= q)
			lo = mid;
		else
			hi = mid;
	}
	double dq = r->q[hi] - r->q[lo];
	double t = dq > 0 ? (q - r->q[lo]) / dq : 0;
	return r->latency_ms[lo] + t * (r->latency_ms[hi] - r->latency_ms[lo]);
}

/* ---- (1) latency CDF ---- */

static void draw_cdf(const struct chart *c)
{
	struct plot_sink *s = c->s;
	plot_write(s, "set title 'Latency CDF'\n"
		      "set xlabel 'latency (ms)'\n"
		      "set ylabel 'fraction of served requests (quantile q)'\n"
		      "set yrange [0:1]\n");
	key_place(c, 1, "bottom right");
	if (c->logscale)
		plot_write(s, "set logscale x\n");
	if (c->deadline_ms > 0) {
		plot_printf(s, "set arrow from %.9g, graph 0 to %.9g, graph 1 nohead dt 2 lw 1.5 "
			       "lc rgb '#cc0000' front\n"
			       "set label 'deadline %.3g ms' at %.9g, graph 0.5 rotate by 90 "
			       "offset -0.8, 0 center tc rgb '#cc0000' front\n",
			    c->deadline_ms, c->deadline_ms, c->deadline_ms, c->deadline_ms);
		if (c->x_max > 0)
			plot_printf(s, "set xrange [*:%.9g]\n", c->x_max);
	}
	plot_write(s, "plot ");
	/*
	 * Curves that coincide (two policies that chose alike) stay visible: each has its own
	 * dash pattern, and an earlier curve is drawn wider, so a later one on top of it
	 * leaves its edges showing.
	 */
	for (int k = 0; k < c->n_series; k++) {
		double lw = c->n_series > 1 ? 1.5 + 2.5 * (c->n_series - 1 - k) / (c->n_series - 1)
					    : 2;
		plot_printf(s, "%s$cdf index %d using 1:2 with lines lw %.2f dt %d title ",
			    k ? ", " : "", k, lw, k % 5 + 1);
		plot_str(s, c->series[k]);
	}
	plot_write(s, "\n");
}

/* One curve of the CDF: the runs it averages (one run: that run's own quantiles). */
struct curve {
	const char *name;
	int n_runs;
	const struct report_run **runs;
	char label[400];
};

static int chart_cdf(struct plot_sink *s, const struct report_data *d,
		     const struct report_groups *g, struct report_figures *figs)
{
	int rc = 0, n_curves = 0, n_with = 0;
	struct curve *cv = calloc((size_t)(g->n + g->n_policies + 1), sizeof *cv);
	const char **names = calloc((size_t)(g->n + g->n_policies + 1), sizeof *names);
	const struct report_run **pool = calloc((size_t)(d->n_runs + 1), sizeof *pool);
	if (!cv || !names || !pool) {
		rc = ERR_NOMEM;
		goto done;
	}
	int used_groups = 0;
	for (int k = 0; k < g->n; k++) {
		int any = 0;
		for (int j = 0; j < g->g[k].n_runs; j++)
			any |= g->run[g->g[k].runs[j]]->n_quantiles > 0;
		used_groups += any;
	}
	for (int i = 0; i < g->n_runs; i++)
		n_with += g->run[i]->n_quantiles > 0;
	if (n_with == 0)
		goto done;
	int by_policy = used_groups > REPORT_MAX_CURVES;
	/* The runs of each curve, taken from one pool. */
	int used = 0, n_units = by_policy ? g->n_policies : g->n;
	for (int u = 0; u < n_units && n_curves < REPORT_MAX_CURVES; u++) {
		struct curve *c = &cv[n_curves];
		c->runs = pool + used;
		for (int i = 0; i < g->n_runs; i++) {
			const struct report_run *r = g->run[i];
			int in = by_policy ? g->g[g->group_of[i]].policy == u : g->group_of[i] == u;
			if (in && r->n_quantiles > 0)
				c->runs[c->n_runs++] = r;
		}
		if (c->n_runs == 0)
			continue;
		used += c->n_runs;
		if (c->n_runs == 1)
			snprintf(c->label, sizeof c->label, "%s", c->runs[0]->label);
		else
			snprintf(c->label, sizeof c->label, "%.300s (mean of %d runs)",
				 by_policy ? g->policy_label[u] : g->g[u].label, c->n_runs);
		names[n_curves++] = c->label;
	}
	struct report_figure *f = fig_add(figs, "latency_cdf", "Latency CDF");
	if (!f)
		goto done;
	double lo = INFINITY, hi = 0;
	plot_write(s, "$cdf << EOD\n");
	for (int k = 0; k < n_curves; k++) {
		const struct curve *c = &cv[k];
		if (k)
			plot_write(s, "\n\n");
		if (c->n_runs == 1) {
			const struct report_run *r = c->runs[0];
			for (int j = 0; j < r->n_quantiles; j++) {
				row(s, 2, r->latency_ms[j], r->q[j]);
				if (r->latency_ms[j] > 0 && r->latency_ms[j] < lo)
					lo = r->latency_ms[j];
				if (r->latency_ms[j] > hi)
					hi = r->latency_ms[j];
			}
			continue;
		}
		for (int q = 0; q < CDF_GRID; q++) {
			double at = (double)q / (CDF_GRID - 1), sum = 0;
			for (int j = 0; j < c->n_runs; j++)
				sum += lat_at(c->runs[j], at);
			double v = sum / c->n_runs;
			row(s, 2, v, at);
			if (v > 0 && v < lo)
				lo = v;
			if (v > hi)
				hi = v;
		}
	}
	plot_write(s, "EOD\n");
	if (by_policy) {
		note_add(f,
			 "%d configurations are too many for one curve each: each curve is one "
			 "policy, the mean over its runs (every scenario and seed) of each latency "
			 "quantile.",
			 used_groups);
		if (g->n_policies > REPORT_MAX_CURVES)
			note_add(f, "Only the first %d of %d policies (by first run id) are shown.",
				 REPORT_MAX_CURVES, g->n_policies);
	} else if (used_groups < n_with) {
		note_add(f, "Runs that differ only by seed are one curve: the mean over the seeds "
			    "of each latency quantile.");
	}
	if (n_with < d->n_runs)
		note_add(f, "%d of %d runs have no latency quantiles (nothing served) and are "
			    "not drawn.",
			 d->n_runs - n_with, d->n_runs);
	struct chart c;
	memset(&c, 0, sizeof c);
	c.s = s;
	c.series = names;
	c.n_series = n_curves;
	/* the deadline, when every drawn run has the same one */
	double dl = 0;
	for (int k = 0; k < n_curves; k++)
		for (int j = 0; j < cv[k].n_runs; j++) {
			double x = cv[k].runs[j]->deadline_ms;
			dl = k == 0 && j == 0 ? x : dl == x ? dl : -1;
		}
	if (dl > 0) {
		c.deadline_ms = dl;
		if (dl * 1.1 > hi)
			c.x_max = dl * 1.1; /* the line stays inside the plot */
		note_add(f, "The dashed red line is the deadline, %.4g ms.", dl);
	}
	c.logscale = lo < INFINITY && fmax(hi, c.x_max) / lo > 30;
	if (c.logscale)
		note_add(f, "Latency is on a log scale.");
	if (n_curves > 1)
		note_add(f, "Each curve has its own dash pattern and the earlier ones are drawn "
			    "wider, so curves that coincide stay visible.");
	fig_draw(&c, f, draw_cdf);
done:
	free(pool);
	free(names);
	free(cv);
	return rc;
}

/* ---- policy colours ---- */

/*
 * The policies that have something to show (used[k] for group k), in order: colour[p] is
 * the colour index of policy p (0-based) or -1; names lists them. 0 or ERR_NOMEM.
 */
static int policy_colours(const struct report_groups *g, const int *used, int **colour,
			  const char ***names, int *n)
{
	*n = 0;
	*colour = malloc((size_t)(g->n_policies + 1) * sizeof **colour);
	*names = calloc((size_t)(g->n_policies + 1), sizeof **names);
	if (!*colour || !*names) {
		free(*colour);
		free(*names);
		*colour = NULL;
		*names = NULL;
		return ERR_NOMEM;
	}
	for (int p = 0; p < g->n_policies; p++)
		(*colour)[p] = -1;
	for (int k = 0; k < g->n; k++) {
		int p = g->g[k].policy;
		if (used[k] && (*colour)[p] < 0) {
			(*colour)[p] = *n;
			(*names)[(*n)++] = g->policy_label[p];
		}
	}
	return 0;
}

/* 1 when a summary has an interval of non-zero width to draw. */
static int has_spread(const struct stats_summary *m) { return isfinite(m->ci95) && m->ci95 > 0; }

/* ---- (2) accuracy against a cost, one point per configuration, with the Pareto front ---- */

struct point {
	double x, y;
};

static int point_cmp(const void *a, const void *b)
{
	const struct point *p = a, *q = b;
	if (p->x != q->x)
		return p->x < q->x ? -1 : 1;
	if (p->y != q->y)
		return p->y > q->y ? -1 : 1;
	return 0;
}

static void draw_scatter(const struct chart *c)
{
	struct plot_sink *s = c->s;
	title_line(s, "xlabel", c->xlabel);
	plot_write(s, "set ylabel 'on-time top-1 accuracy (%)'\n"
		      "set offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05\n");
	key_place(c, 0, NULL);
	title_line(s, "title", c->title);
	plot_write(s, "plot $front using 1:2 with steps dt 2 lw 1.5 lc rgb 'gray40' "
		      "title 'Pareto front'");
	if (c->n_err)
		plot_write(s, ", $err using 1:2:3:4 with xyerrorbars pt 0 lc rgb 'gray55' "
			      "notitle");
	int blocks = c->key ? c->n_series : 1;
	for (int k = 0; k < blocks; k++) {
		plot_printf(s, ", $acc index %d using 1:2 with points pt 7 ps 1.3 lc %d title ", k,
			    k % 8 + 1);
		plot_str(s, c->key ? c->series[k] : "configurations");
	}
	if (c->n_points <= MAX_POINT_LABELS)
		for (int k = 0; k < blocks; k++)
			plot_printf(s,
				    ", $acc index %d using 1:2:(sprintf(int($3) ? 'g%%d' : "
				    "'#%%d', int($4))) with labels offset char 0.8,char 0.6 left "
				    "notitle",
				    k);
	plot_write(s, "\n");
}

static int chart_scatter(struct plot_sink *s, const struct report_groups *g,
			 struct report_figures *figs, const char *name, const char *title,
			 const char *xlabel, int xm, const char *cost)
{
	int rc = 0, n_pts = 0, n_err = 0, n_col = 0, *colour = NULL;
	const char **names = NULL;
	const int ym = REPORT_M_ontime_top1; /* the objective (sim/metrics.h) */
	int *use = calloc((size_t)(g->n + 1), sizeof *use);
	struct point *pts = calloc((size_t)(g->n + 1), sizeof *pts);
	if (!use || !pts) {
		rc = ERR_NOMEM;
		goto done;
	}
	for (int k = 0; k < g->n; k++) {
		const struct report_group *gr = &g->g[k];
		use[k] = gr->m[ym].n > 0 && gr->m[xm].n > 0;
		if (use[k]) {
			pts[n_pts++] = (struct point){gr->m[xm].mean, gr->m[ym].mean};
			n_err += has_spread(&gr->m[xm]) || has_spread(&gr->m[ym]);
		}
	}
	if (n_pts < 2)
		goto done;
	if ((rc = policy_colours(g, use, &colour, &names, &n_col)) < 0)
		goto done;
	struct report_figure *f = fig_add(figs, name, title);
	if (!f)
		goto done;
	struct chart c;
	memset(&c, 0, sizeof c);
	c.s = s;
	c.title = title;
	c.xlabel = xlabel;
	c.key = n_col <= REPORT_MAX_CURVES;
	c.series = names;
	c.n_series = c.key ? n_col : 1;
	c.n_points = n_pts;
	c.n_err = n_err;

	/* One block per policy (or one for all): cost, accuracy, is-group, run or group no. */
	plot_write(s, "$acc << EOD\n");
	for (int b = 0; b < c.n_series; b++) {
		if (b)
			plot_write(s, "\n\n");
		for (int k = 0; k < g->n; k++) {
			const struct report_group *gr = &g->g[k];
			if (!use[k] || (c.key && colour[gr->policy] != b))
				continue;
			int single = gr->n_runs == 1;
			row(s, 4, gr->m[xm].mean, gr->m[ym].mean, single ? 0.0 : 1.0,
			    single ? (double)g->run[gr->runs[0]]->id : (double)(k + 1));
		}
	}
	plot_write(s, "EOD\n");
	if (n_err) {
		plot_write(s, "$err << EOD\n");
		for (int k = 0; k < g->n; k++) {
			const struct report_group *gr = &g->g[k];
			if (use[k] && (has_spread(&gr->m[xm]) || has_spread(&gr->m[ym])))
				row(s, 4, gr->m[xm].mean, gr->m[ym].mean,
				    has_spread(&gr->m[xm]) ? gr->m[xm].ci95 : 0.0,
				    has_spread(&gr->m[ym]) ? gr->m[ym].ci95 : 0.0);
		}
		plot_write(s, "EOD\n");
	}

	/* The front: by increasing cost, each point more accurate than every cheaper one. */
	qsort(pts, (size_t)n_pts, sizeof *pts, point_cmp);
	plot_write(s, "$front << EOD\n");
	double best = -INFINITY;
	int n_front = 0;
	for (int i = 0; i < n_pts; i++) {
		if (pts[i].y > best) {
			best = pts[i].y;
			row(s, 2, pts[i].x, pts[i].y);
			n_front++;
		}
	}
	plot_write(s, "EOD\n");
	note_add(f,
		 "Up and to the left is better. Accuracy is the on-time top-1: the top-1 of the "
		 "variant that answered within the deadline, 0 for a late, dropped or failed "
		 "request, averaged over all requests. Each point is one configuration (the mean over "
		 "its seeds; a point labelled #N is run N alone, gN is configuration N of the "
		 "table). The dashed staircase is the Pareto front: the %d of %d points that no "
		 "other beats on both accuracy and %s.",
		 n_front, n_pts, cost);
	if (n_err)
		note_add(f, "Error bars: the 95%% confidence interval of the mean over seeds "
			    "(Student t).");
	if (!c.key)
		note_add(f, "%d policies are too many for a key: all points share one colour.",
			 n_col);
	if (n_pts > MAX_POINT_LABELS)
		note_add(f, "Points are not labelled above %d points.", MAX_POINT_LABELS);
	fig_draw(&c, f, draw_scatter);
done:
	free(colour);
	free(names);
	free(pts);
	free(use);
	return rc;
}

/* ---- (3) one bar per configuration, clustered by scenario, coloured by policy ---- */

/*
 * Writes a tic label: as one literal, or split at ", " into literals joined by newlines
 * (gnuplot's string concatenation), so that a long list stacks under its tic. *lines
 * grows to the most lines seen.
 */
static void tic_lines(struct plot_sink *s, const char *label, int split, int *lines)
{
	if (!split || !strstr(label, ", ")) {
		plot_str(s, label);
		return;
	}
	int n = 0;
	const char *p = label;
	while (1) {
		const char *end = strstr(p, ", ");
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char item[PLOT_QUOTE_MAX_TEXT + 1];
		snprintf(item, sizeof item, "%.*s", (int)(len < PLOT_QUOTE_MAX_TEXT ? len
									: PLOT_QUOTE_MAX_TEXT),
			 p);
		if (n++)
			plot_write(s, " . \"\\n\" . ");
		plot_str(s, item);
		if (!end)
			break;
		p = end + 2;
	}
	if (n > *lines)
		*lines = n;
}

static void draw_bars(const struct chart *c)
{
	struct plot_sink *s = c->s;
	title_line(s, "title", c->title);
	title_line(s, "ylabel", c->ylabel);
	/*
	 * Scenario labels are lists ("host_stress, periodic:fps=30, 10 ms"): one item per
	 * line, each item its own literal, joined by newlines written here.
	 */
	plot_write(s, "set xtics (");
	int lines = 1;
	for (int t = 0, first = 1; t < c->n_tics; t++) {
		if (t % c->tic_step)
			continue;
		plot_write(s, first ? "" : ", ");
		tic_lines(s, c->tic_label[t], c->multiline, &lines);
		plot_printf(s, " %.6g", c->tic_x[t]);
		first = 0;
	}
	plot_printf(s, ")%s\n", c->multiline ? " font ',9'" : " rotate by 30 right");
	if (c->multiline)
		plot_printf(s, "set bmargin %d\n", lines + 2);
	plot_printf(s,
		    "set xrange [-0.6:%g]\n"
		    "set yrange [0:*]\n"
		    "set grid noxtics ytics\n"
		    "set style fill solid 0.85 %s\n"
		    "set boxwidth %.6g\n",
		    c->x_max + 0.6, c->n_bars > 60 ? "noborder" : "border -1", c->box);
	if (c->key)
		key_place(c, 0, NULL);
	else
		plot_write(s, "unset key\n");
	plot_write(s, "plot $bars using 1:2:3 with boxes lc variable notitle");
	/* each bar's value above it, while there is room for them */
	if (c->n_bars <= MAX_BAR_LABELS)
		plot_write(s, ", $bars using 1:2:(sprintf('%.3g', $2)) with labels offset 0, 0.6 "
			      "font ',8' notitle");
	if (c->n_err)
		plot_write(s, ", $err using 1:2:3 with yerrorbars pt 0 lw 1.2 lc rgb 'black' "
			      "notitle");
	if (c->key)
		for (int k = 0; k < c->n_series; k++) {
			plot_printf(s, ", NaN with boxes lc %d title ", k % 8 + 1);
			plot_str(s, c->series[k]);
		}
	plot_write(s, "\n");
}

static int chart_bars(struct plot_sink *s, const struct report_groups *g,
		      struct report_figures *figs, const char *name, const char *title,
		      const char *ylabel, int metric, double scale)
{
	int rc = 0, n_col = 0, *colour = NULL, n_used = 0;
	const char **names = NULL;
	int *use = calloc((size_t)(g->n + 1), sizeof *use);
	int *order = calloc((size_t)(g->n + 1), sizeof *order); /* groups by scenario, policy */
	double *x = calloc((size_t)(g->n + 1), sizeof *x);
	double *tic_x = calloc((size_t)(g->n + g->n_scenarios + 1), sizeof *tic_x);
	const char **tics = calloc((size_t)(g->n + g->n_scenarios + 1), sizeof *tics);
	if (!use || !order || !x || !tic_x || !tics) {
		rc = ERR_NOMEM;
		goto done;
	}
	for (int k = 0; k < g->n; k++)
		n_used += use[k] = g->g[k].m[metric].n > 0;
	if (n_used < 2)
		goto done;
	if ((rc = policy_colours(g, use, &colour, &names, &n_col)) < 0)
		goto done;
	struct report_figure *f = fig_add(figs, name, title);
	if (!f)
		goto done;
	/* Clusters: the scenarios that have bars, each its groups by policy. */
	int n_order = 0, n_clusters = 0, widest = 1;
	for (int sc = 0; sc < g->n_scenarios; sc++) {
		int start = n_order;
		for (int p = 0; p < g->n_policies; p++)
			for (int k = 0; k < g->n; k++)
				if (use[k] && g->g[k].scenario == sc && g->g[k].policy == p)
					order[n_order++] = k;
		if (n_order > start) {
			n_clusters++;
			if (n_order - start > widest)
				widest = n_order - start;
		}
	}
	int one_cluster = n_clusters == 1;
	double w = one_cluster ? 1.0 : 0.8 / widest;
	int n_tics = 0, cluster = -1, prev_scen = -1, n_in = 0, pos = 0, n_err = 0;
	for (int i = 0; i < n_order; i++) {
		const struct report_group *gr = &g->g[order[i]];
		if (gr->scenario != prev_scen) {
			cluster++;
			prev_scen = gr->scenario;
			pos = 0;
			n_in = 0;
			for (int j = i; j < n_order && g->g[order[j]].scenario == gr->scenario; j++)
				n_in++;
			if (!one_cluster) {
				tic_x[n_tics] = cluster;
				tics[n_tics++] = g->scenario_label[gr->scenario];
			}
		} else {
			pos++;
		}
		x[i] = one_cluster ? i : cluster + (pos - (n_in - 1) / 2.0) * w;
		if (one_cluster) {
			/* One scenario: the policy names the bar (the configuration, if it repeats). */
			int repeated = 0;
			for (int j = 0; j < n_order; j++)
				repeated |= j != i && g->g[order[j]].policy == gr->policy;
			tic_x[n_tics] = x[i];
			tics[n_tics++] = repeated ? gr->label : g->policy_label[gr->policy];
		}
		n_err += isfinite(gr->m[metric].ci95) && gr->m[metric].ci95 > 0;
	}
	struct chart c;
	memset(&c, 0, sizeof c);
	c.s = s;
	c.title = title;
	c.ylabel = ylabel;
	c.n_bars = n_order;
	c.n_err = n_err;
	c.tic_label = tics;
	c.tic_x = tic_x;
	c.n_tics = n_tics;
	c.tic_step = n_tics <= MAX_BAR_LABELS ? 1 : (n_tics + 29) / 30;
	c.x_max = one_cluster ? n_order - 1 : n_clusters - 1;
	c.box = one_cluster ? 0.8 : 0.9 * w;
	c.key = !one_cluster && n_col <= REPORT_MAX_CURVES;
	c.series = names;
	c.n_series = c.key ? n_col : 0;
	c.multiline = !one_cluster && n_clusters <= MAX_BAR_LABELS;
	/* Wide enough that the stacked scenario names under the clusters do not overlap. */
	char size[32];
	if (c.multiline && n_clusters > 5) {
		snprintf(size, sizeof size, "%d,600", 400 + 110 * n_clusters);
		c.size = size;
	}

	plot_write(s, "$bars << EOD\n");
	for (int i = 0; i < n_order; i++) {
		const struct report_group *gr = &g->g[order[i]];
		int col = n_col <= REPORT_MAX_CURVES ? colour[gr->policy] % 8 + 1 : 1;
		row(s, 3, x[i], gr->m[metric].mean * scale, (double)col);
	}
	plot_write(s, "EOD\n");
	if (n_err) {
		plot_write(s, "$err << EOD\n");
		for (int i = 0; i < n_order; i++) {
			const struct report_group *gr = &g->g[order[i]];
			/* A zero-width interval (seeds that agree) draws no bar. */
			if (isfinite(gr->m[metric].ci95) && gr->m[metric].ci95 > 0)
				row(s, 3, x[i], gr->m[metric].mean * scale,
				    gr->m[metric].ci95 * scale);
		}
		plot_write(s, "EOD\n");
	}
	if (one_cluster)
		note_add(f, "One bar per configuration, named under it.");
	else
		note_add(f, "One bar per configuration: the bars of a scenario stand together, "
			    "coloured by policy.");
	note_add(f, "A bar is the mean over the configuration's seeds%s.",
		 n_err ? "; the error bars span the 95% confidence interval of that mean "
			 "(Student t, n-1 degrees of freedom)"
		       : "");
	if (c.tic_step > 1)
		note_add(f, "Every %d-th %s is named.", c.tic_step,
			 one_cluster ? "bar" : "scenario");
	if (n_col > REPORT_MAX_CURVES)
		note_add(f, "%d policies are too many for colours: all bars share one.", n_col);
	if (n_used < g->n)
		note_add(f, "%d of %d configurations did not record this metric.", g->n - n_used,
			 g->n);
	fig_draw(&c, f, draw_bars);
done:
	free(colour);
	free(names);
	free(tics);
	free(tic_x);
	free(x);
	free(order);
	free(use);
	return rc;
}

/* ---- (4) a run's timeline: device state above, the chosen variant below ---- */

/* A variant key without the model's name in front ("width=0.5,quant=int8"). */
static const char *variant_short(const char *key)
{
	const char *colon = strchr(key, ':');
	return colon && colon[1] ? colon + 1 : key;
}

static void draw_timeline(const struct chart *c)
{
	struct plot_sink *s = c->s;
	const struct report_run *r = c->run;
	plot_write(s, "set multiplot layout 3,1 title ");
	plot_str(s, r->label);
	plot_write(s, "\n"
		      "set lmargin at screen 0.30\nset rmargin at screen 0.74\n"
		      "set key at screen 0.995, graph 1 right top noenhanced\n"
		      "set title 'Device state'\n"
		      "set xlabel 'time (s)'\n"
		      "set ylabel 'CPU frequency (MHz)'\n"
		      "set yrange [0:*]\n"
		      "set ytics nomirror\n"
		      "set y2label 'other load (CPU share)'\n"
		      "set y2range [0:1]\nset y2tics\n"
		      "plot $tl using 1:2 with steps lw 1.5 title 'frequency', "
		      "$tl using 1:3 axes x1y2 with steps lw 1 title 'other load'\n");
	plot_write(s, "set title 'Free memory'\n"
		      "set ylabel 'free memory (MB)'\n"
		      "unset y2label\nunset y2tics\n"
		      "set yrange [0:*]\n"
		      "plot $tl using 1:6 with steps lw 1.5 lc 3 title 'free memory'\n");
	plot_write(s, "set title 'Chosen variant and latency'\n"
		      "set ylabel 'variant'\n"
		      "set y2label 'latency (ms)'\n"
		      "set y2range [0:*]\nset y2tics\n");
	plot_printf(s, "set yrange [-0.5:%g]\n", r->n_timeline_variants - 0.5);
	plot_write(s, "set ytics (");
	for (int y = 0; y < r->n_timeline_variants; y++) {
		char lit[48]; /* short, so the names fit the left margin */
		plot_quote(lit, sizeof lit, variant_short(r->timeline_variants[c->order[y]]));
		plot_write(s, y ? ", " : "");
		plot_write(s, lit);
		plot_printf(s, " %d", y);
	}
	plot_write(s, ")\n"
		      "plot $tl using 1:4 with steps lw 2 lc 4 title 'variant', "
		      "$tl using 1:5 axes x1y2 with points pt 7 ps 0.4 lc 7 title 'latency'\n"
		      "unset multiplot\n");
}

static int chart_timeline(struct plot_sink *s, const struct report_data *d, int i, int k,
			  struct report_figures *figs)
{
	const struct report_run *r = &d->runs[i];
	if (r->n_timeline == 0)
		return 0;
	char name[32], title[96];
	snprintf(name, sizeof name, "timeline_%d", k);
	snprintf(title, sizeof title, "Timeline of run #%lld", (long long)r->id);
	struct report_figure *f = fig_add(figs, name, title);
	if (!f)
		return 0;
	/*
	 * The variant axis in accuracy order, the most accurate at the top: y of each timeline
	 * variant from its top-1 in the run's variant use (no accuracy: at the bottom).
	 */
	int nv = r->n_timeline_variants;
	int *order = malloc((size_t)(nv + 1) * sizeof *order), *y_of = malloc((size_t)(nv + 1) * sizeof *y_of);
	double *acc = malloc((size_t)(nv + 1) * sizeof *acc);
	if (!order || !y_of || !acc) {
		free(order);
		free(y_of);
		free(acc);
		return ERR_NOMEM;
	}
	for (int v = 0; v < nv; v++) {
		acc[v] = -INFINITY;
		for (int u = 0; u < r->n_variants; u++)
			if (r->variants[u].has_top1 &&
			    strcmp(r->variants[u].variant, r->timeline_variants[v]) == 0)
				acc[v] = r->variants[u].top1;
		order[v] = v;
	}
	for (int a = 1; a < nv; a++) /* insertion sort: stable, few variants */
		for (int b = a; b > 0 && acc[order[b - 1]] > acc[order[b]]; b--) {
			int t = order[b];
			order[b] = order[b - 1];
			order[b - 1] = t;
		}
	for (int y = 0; y < nv; y++)
		y_of[order[y]] = y;
	plot_write(s, "$tl << EOD\n");
	for (int j = 0; j < r->n_timeline; j++) {
		const struct report_timeline_point *p = &r->timeline[j];
		row(s, 6, p->t_s, p->freq_mhz, p->util_other,
		    p->variant >= 0 && p->variant < nv ? (double)y_of[p->variant] : NAN,
		    p->latency_ms, p->mem_avail_mb);
	}
	plot_write(s, "EOD\n");
	note_add(f, "Top: the CPU frequency and the share of the CPU other processes took. "
		    "Middle: the memory free for the app. Bottom: the variant serving at each "
		    "moment (in order of top-1 accuracy, the most accurate at the top) and the "
		    "latency of each request that completed.");
	if (r->n_timeline_variants == 0)
		note_add(f, "No variant was serving.");
	struct chart c;
	memset(&c, 0, sizeof c);
	c.s = s;
	c.size = TIMELINE_SIZE;
	c.run = r;
	c.order = order;
	fig_draw(&c, f, draw_timeline);
	free(order);
	free(y_of);
	free(acc);
	return 0;
}

/* ---- (5) nightly trends: a metric per tag, one line per policy ---- */

static void draw_trend(const struct chart *c)
{
	struct plot_sink *s = c->s;
	title_line(s, "title", c->title);
	plot_write(s, "set xlabel 'tag (in the order of its first run)'\n");
	title_line(s, "ylabel", c->ylabel);
	plot_write(s, "set xtics (");
	for (int t = 0, first = 1; t < c->n_tics; t++) {
		if (t % c->tic_step)
			continue;
		plot_write(s, first ? "" : ", ");
		plot_str(s, c->tic_label[t]);
		plot_printf(s, " %d", t);
		first = 0;
	}
	plot_printf(s, ")%s\n", c->n_tics > 6 ? " rotate by 30 right" : "");
	plot_printf(s, "set xrange [-0.3:%g]\nset offsets 0, 0, graph 0.05, graph 0.05\n",
		    c->n_tics - 0.7);
	key_place(c, 0, NULL);
	plot_write(s, "plot ");
	for (int k = 0; k < c->n_series; k++) {
		plot_printf(s, "%s$trend index %d using 1:2 with linespoints lw 2 pt 7 lc %d title ",
			    k ? ", " : "", k, k % 8 + 1);
		plot_str(s, c->series[k]);
	}
	plot_write(s, "\n");
}

static int chart_trend(struct plot_sink *s, const struct report_trend *t,
		       struct report_figures *figs, const char *name, const char *title,
		       const char *ylabel, int metric, double scale)
{
	const struct report_data *d = t->data;
	int rc = 0, n_pol = 0, n_series;
	const char **pol = calloc((size_t)d->n_runs + 1, sizeof *pol);
	int *pol_of = calloc((size_t)d->n_runs + 1, sizeof *pol_of);
	double *sum = NULL;
	int *cnt = NULL;
	if (!pol || !pol_of) {
		rc = ERR_NOMEM;
		goto done;
	}
	for (int i = 0; i < d->n_runs; i++) {
		const struct report_run *r = &d->runs[i];
		pol_of[i] = -1;
		if (t->tag_of[i] < 0 || !r->has_metric[metric])
			continue;
		int k;
		for (k = 0; k < n_pol; k++)
			if (strcmp(pol[k], r->policy_label) == 0)
				break;
		if (k == n_pol)
			pol[n_pol++] = r->policy_label;
		pol_of[i] = k;
	}
	if (n_pol == 0)
		goto done;
	n_series = n_pol < REPORT_MAX_CURVES ? n_pol : REPORT_MAX_CURVES;
	sum = calloc((size_t)(n_series * t->n_tags), sizeof *sum);
	cnt = calloc((size_t)(n_series * t->n_tags), sizeof *cnt);
	if (!sum || !cnt) {
		rc = ERR_NOMEM;
		goto done;
	}
	for (int i = 0; i < d->n_runs; i++) {
		if (pol_of[i] < 0 || pol_of[i] >= n_series)
			continue;
		int at = pol_of[i] * t->n_tags + t->tag_of[i];
		sum[at] += d->runs[i].metric[metric];
		cnt[at]++;
	}
	struct report_figure *f = fig_add(figs, name, title);
	if (!f)
		goto done;
	plot_write(s, "$trend << EOD\n");
	for (int k = 0; k < n_series; k++) {
		if (k)
			plot_write(s, "\n\n");
		int any = 0;
		for (int j = 0; j < t->n_tags; j++) {
			int at = k * t->n_tags + j;
			if (cnt[at]) {
				row(s, 2, (double)j, sum[at] / cnt[at] * scale);
				any = 1;
			}
		}
		if (!any) /* never: a policy is listed only with a value */
			row(s, 2, NAN, NAN);
	}
	plot_write(s, "EOD\n");
	note_add(f, "Each point is the mean over all runs of that policy with that tag (every "
		    "scenario and seed): points are comparable while the suite stays the same. "
		    "%d tags, oldest on the left.",
		 t->n_tags);
	if (n_pol > n_series)
		note_add(f, "Only the first %d of %d policies are shown.", n_series, n_pol);
	struct chart c;
	memset(&c, 0, sizeof c);
	c.s = s;
	c.title = title;
	c.ylabel = ylabel;
	c.series = pol;
	c.n_series = n_series;
	c.tic_label = (const char *const *)t->tags;
	c.n_tics = t->n_tags;
	c.tic_step = t->n_tags <= MAX_BAR_LABELS ? 1 : (t->n_tags + 29) / 30;
	fig_draw(&c, f, draw_trend);
done:
	free(cnt);
	free(sum);
	free(pol_of);
	free(pol);
	return rc;
}

/* ---- real against simulated: the latency CDFs of a pair of `adascale validate` ---- */

/*
 * The simulated run paired with real run r: the latest simulated run of its tag with the same
 * policy, parameters and seed (what `adascale validate` stores), or NULL.
 */
static const struct report_run *sim_pair(const struct report_data *d, const struct report_run *r)
{
	const struct report_run *best = NULL;
	for (int i = 0; i < d->n_runs; i++) {
		const struct report_run *x = &d->runs[i];
		if (!x->real && x->n_quantiles > 0 && x->seed == r->seed &&
		    strcmp(x->tag, r->tag) == 0 && strcmp(x->policy, r->policy) == 0 &&
		    strcmp(x->policy_params, r->policy_params) == 0)
			best = x;
	}
	return best;
}

static void draw_validation(const struct chart *c)
{
	struct plot_sink *s = c->s;
	title_line(s, "title", c->title);
	plot_write(s, "set xlabel 'latency (ms)'\n"
		      "set ylabel 'fraction of served requests (quantile q)'\n"
		      "set yrange [0:1]\n");
	key_place(c, 1, "bottom right");
	if (c->logscale)
		plot_write(s, "set logscale x\n");
	if (c->deadline_ms > 0)
		plot_printf(s, "set arrow from %.9g, graph 0 to %.9g, graph 1 nohead dt 2 lw 1.5 "
			       "lc rgb '#cc0000' front\n",
			    c->deadline_ms, c->deadline_ms);
	plot_printf(s, "plot $val%d index 0 using 1:2 with lines lw 3.5 dt 1 title ", c->n_points);
	plot_str(s, c->series[0]);
	plot_printf(s, ", $val%d index 1 using 1:2 with lines lw 2 dt 2 title ", c->n_points);
	plot_str(s, c->series[1]);
	plot_write(s, "\n");
}

static int chart_validation(struct plot_sink *s, const struct report_data *d,
			    struct report_figures *figs)
{
	int k = 0;
	for (int i = 0; i < d->n_runs && k < 6; i++) {
		const struct report_run *r = &d->runs[i];
		const struct report_run *sim = r->real && r->n_quantiles > 0 ? sim_pair(d, r) : NULL;
		if (!sim)
			continue;
		char name[32], title[96];
		snprintf(name, sizeof name, "validation_%d", ++k);
		snprintf(title, sizeof title, "Real against simulated latency: runs %lld and %lld",
			 (long long)r->id, (long long)sim->id);
		struct report_figure *f = fig_add(figs, name, title);
		if (!f)
			return 0;
		double lo = INFINITY, hi = 0;
		plot_printf(s, "$val%d << EOD\n", k);
		const struct report_run *two[2] = {r, sim};
		for (int j = 0; j < 2; j++) {
			if (j)
				plot_write(s, "\n\n");
			for (int q = 0; q < two[j]->n_quantiles; q++) {
				double x = two[j]->latency_ms[q];
				row(s, 2, x, two[j]->q[q]);
				if (x > 0 && x < lo)
					lo = x;
				if (x > hi)
					hi = x;
			}
		}
		plot_write(s, "EOD\n");
		char real_label[200], sim_label[200];
		snprintf(real_label, sizeof real_label, "real: %.160s", r->label);
		snprintf(sim_label, sizeof sim_label, "simulated: %.160s", sim->label);
		const char *series[2] = {real_label, sim_label};
		struct chart c;
		memset(&c, 0, sizeof c);
		c.s = s;
		c.title = title;
		c.series = series;
		c.n_series = 2;
		c.n_points = k;
		c.deadline_ms = r->deadline_ms == sim->deadline_ms ? r->deadline_ms : 0;
		c.logscale = lo < INFINITY && hi / lo > 30;
		note_add(f, "The served run (solid) and its simulation with the same trace, device, "
			    "policy, arrivals and seed (dashed), stored by adascale validate with tag "
			    "'%.60s'.", r->tag);
		if (c.deadline_ms > 0)
			note_add(f, "The dashed red line is the deadline, %.4g ms.", c.deadline_ms);
		fig_draw(&c, f, draw_validation);
	}
	return 0;
}

int report_charts_write(struct plot_sink *s, const struct report_data *d,
			const struct report_groups *g, const struct report_trend *trend,
			struct report_figures *figs, struct errbuf *eb)
{
	figs->n = 0;
	plot_write(s, "set encoding utf8\n");
	int rc = chart_cdf(s, d, g, figs);
	if (rc == 0)
		rc = chart_scatter(s, g, figs, "accuracy_energy",
				   "On-time accuracy against energy per inference",
				   "energy per inference (mJ)", REPORT_M_energy_per_inf_mj,
				   "energy");
	if (rc == 0)
		rc = chart_scatter(s, g, figs, "accuracy_latency",
				   "On-time accuracy against p95 latency",
				   "p95 latency (ms)", REPORT_M_lat_p95_ms, "p95 latency");
	if (rc == 0)
		rc = chart_bars(s, g, figs, "miss_rate", "Deadline-miss rate per configuration",
				"deadline-miss rate (%)", REPORT_M_miss_rate, 100.0);
	if (rc == 0)
		rc = chart_bars(s, g, figs, "energy", "Energy per inference per configuration",
				"energy per inference (mJ)", REPORT_M_energy_per_inf_mj, 1.0);
	for (int i = 0, k = 1; rc == 0 && i < d->n_runs && k <= REPORT_TIMELINE_MAX_RUNS; i++)
		if (d->runs[i].n_timeline > 0)
			rc = chart_timeline(s, d, i, k++, figs);
	if (rc == 0)
		rc = chart_validation(s, d, figs);
	if (rc == 0 && trend && trend->data && trend->n_tags >= 2) {
		static const struct {
			const char *name, *title, *ylabel;
			int metric;
			double scale;
		} tr[] = {
			{"trend_ontime_top1", "Nightly trend: on-time top-1 accuracy",
			 "on-time top-1 accuracy (%)", REPORT_M_ontime_top1, 1.0},
			{"trend_miss_rate", "Nightly trend: deadline-miss rate",
			 "deadline-miss rate (%)", REPORT_M_miss_rate, 100.0},
			{"trend_lat_p95", "Nightly trend: p95 latency", "p95 latency (ms)",
			 REPORT_M_lat_p95_ms, 1.0},
			{"trend_top1", "Nightly trend: mean top-1 accuracy",
			 "mean top-1 accuracy (%)", REPORT_M_mean_top1, 1.0},
			{"trend_energy", "Nightly trend: energy per inference",
			 "energy per inference (mJ)", REPORT_M_energy_per_inf_mj, 1.0},
		};
		for (size_t k = 0; rc == 0 && k < sizeof tr / sizeof tr[0]; k++)
			rc = chart_trend(s, trend, figs, tr[k].name, tr[k].title, tr[k].ylabel,
					 tr[k].metric, tr[k].scale);
	}
	if (rc < 0)
		return err_set(eb, rc, "report: out of memory drawing figures");
	return 0;
}

/*
 * charts.c: the figures of a report as gnuplot commands (see charts.h). It decides what
 * each figure shows (which runs, grouped how, with which note), writes the numbers once
 * into datablocks, and then the drawing commands once per output format; names go through
 * plot_str only. Not for running gnuplot nor for page layout.
 */
#include "charts.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const report_figure_names[] = {
	"latency_cdf", "accuracy_energy", "accuracy_latency", "miss_rate", "energy",
	"timeline_1",  "timeline_2",      "timeline_3",       "timeline_4", NULL};

#define TERM_SIZE "960,600"
#define CDF_GRID 101 /* q = 0, 0.01, ..., 1 for curves averaged over runs */
#define MAX_POINT_LABELS 40
#define MAX_BAR_LABELS 40

/* What the drawing commands of one figure need; each chart fills what it uses. */
struct chart {
	struct plot_sink *s;
	const struct report_data *d;
	const int *use;            /* runs drawn */
	int n_used;
	const int *policy_of_run;  /* policy index per run, -1 when not drawn */
	const char *const *policies;
	const int *policy_runs;    /* runs per policy */
	int n_policies;
	int by_policy;             /* 1 when each policy gets a colour and a key entry */
	int n_curves;              /* latency CDF: curves; accuracy: blocks */
	int grouped;               /* latency CDF: one curve per policy */
	int logscale;
	const char *title, *ylabel, *xlabel;
	const struct report_run *run; /* timeline */
};

typedef void (*draw_fn)(const struct chart *c);

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
	static const char *const terms[] = {"pngcairo size " TERM_SIZE " noenhanced",
					    "svg size " TERM_SIZE
					    " noenhanced background rgb 'white'"};
	static const char *const exts[] = {"png", "svg"};
	for (int i = 0; i < 2; i++) {
		plot_write(c->s, "reset\n");
		plot_printf(c->s, "set terminal %s\n", terms[i]);
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

static void title_line(struct plot_sink *s, const char *what, const char *text)
{
	plot_printf(s, "set %s ", what);
	plot_str(s, text);
	plot_write(s, "\n");
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

/* The distinct policies of the runs in use[], in order of first appearance. */
struct policies {
	int n;
	const char **name; /* borrowed from the runs */
	int *of_run;       /* policy index of each run, -1 for runs not used */
	int *n_runs;       /* runs of each policy */
};

static void policies_free(struct policies *p)
{
	free(p->name);
	free(p->of_run);
	free(p->n_runs);
	memset(p, 0, sizeof *p);
}

static int policies_find(const struct report_data *d, const int *use, struct policies *p)
{
	size_t n = (size_t)d->n_runs;
	p->n = 0;
	p->name = calloc(n, sizeof *p->name);
	p->of_run = calloc(n, sizeof *p->of_run);
	p->n_runs = calloc(n, sizeof *p->n_runs);
	if (!p->name || !p->of_run || !p->n_runs) {
		policies_free(p);
		return ERR_NOMEM;
	}
	for (int i = 0; i < d->n_runs; i++) {
		p->of_run[i] = -1;
		if (!use[i])
			continue;
		int k;
		for (k = 0; k < p->n; k++)
			if (strcmp(p->name[k], d->runs[i].policy) == 0)
				break;
		if (k == p->n)
			p->name[p->n++] = d->runs[i].policy;
		p->of_run[i] = k;
		p->n_runs[k]++;
	}
	return 0;
}

/* The chart's view of the runs in use[] and their policies. */
static void chart_init(struct chart *c, struct plot_sink *s, const struct report_data *d,
		       const int *use, const struct policies *pol)
{
	memset(c, 0, sizeof *c);
	c->s = s;
	c->d = d;
	c->use = use;
	for (int i = 0; i < d->n_runs; i++)
		c->n_used += use[i] != 0;
	if (pol) {
		c->policy_of_run = pol->of_run;
		c->policies = pol->name;
		c->policy_runs = pol->n_runs;
		c->n_policies = pol->n;
		c->by_policy = pol->n <= REPORT_MAX_CURVES;
	}
}

/* ---- (1) latency CDF ---- */

static void draw_cdf(const struct chart *c)
{
	struct plot_sink *s = c->s;
	plot_write(s, "set title 'Latency CDF'\n"
		      "set xlabel 'latency (ms)'\n"
		      "set ylabel 'fraction of served requests (quantile q)'\n"
		      "set yrange [0:1]\n"
		      "set key bottom right noenhanced\n");
	if (c->logscale)
		plot_write(s, "set logscale x\n");
	plot_write(s, "plot ");
	char label[200];
	for (int k = 0, i = 0; k < c->n_curves; k++) {
		if (c->grouped) {
			snprintf(label, sizeof label, "%.100s (mean of %d run%s)", c->policies[k],
				 c->policy_runs[k], c->policy_runs[k] == 1 ? "" : "s");
		} else {
			while (!c->use[i])
				i++;
			snprintf(label, sizeof label, "%s", c->d->runs[i++].label);
		}
		plot_printf(s, "%s$cdf index %d using 1:2 with lines lw 2 title ", k ? ", " : "", k);
		plot_str(s, label);
	}
	plot_write(s, "\n");
}

static int chart_cdf(struct plot_sink *s, const struct report_data *d,
		     struct report_figures *figs)
{
	int rc = 0;
	struct policies pol = {0, NULL, NULL, NULL};
	int *use = calloc((size_t)d->n_runs, sizeof *use);
	if (!use)
		return ERR_NOMEM;
	for (int i = 0; i < d->n_runs; i++)
		use[i] = d->runs[i].n_quantiles > 0;
	struct chart c;
	chart_init(&c, s, d, use, NULL);
	if (c.n_used == 0)
		goto done;
	if ((rc = policies_find(d, use, &pol)) < 0)
		goto done;
	chart_init(&c, s, d, use, &pol);
	struct report_figure *f = fig_add(figs, "latency_cdf", "Latency CDF");
	if (!f)
		goto done;
	c.grouped = c.n_used > REPORT_MAX_CURVES;
	double lo = INFINITY, hi = 0;

	plot_write(s, "$cdf << EOD\n");
	if (!c.grouped) {
		for (int i = 0; i < d->n_runs; i++) {
			const struct report_run *r = &d->runs[i];
			if (!use[i])
				continue;
			if (c.n_curves++)
				plot_write(s, "\n\n");
			for (int k = 0; k < r->n_quantiles; k++) {
				num(s, r->latency_ms[k]);
				plot_write(s, " ");
				num(s, r->q[k]);
				plot_write(s, "\n");
				if (r->latency_ms[k] > 0 && r->latency_ms[k] < lo)
					lo = r->latency_ms[k];
				if (r->latency_ms[k] > hi)
					hi = r->latency_ms[k];
			}
		}
	} else {
		int shown = pol.n < REPORT_MAX_CURVES ? pol.n : REPORT_MAX_CURVES;
		for (int k = 0; k < shown; k++) {
			if (c.n_curves++)
				plot_write(s, "\n\n");
			for (int g = 0; g < CDF_GRID; g++) {
				double q = (double)g / (CDF_GRID - 1), sum = 0;
				for (int i = 0; i < d->n_runs; i++)
					if (pol.of_run[i] == k)
						sum += lat_at(&d->runs[i], q);
				double v = sum / pol.n_runs[k];
				num(s, v);
				plot_write(s, " ");
				num(s, q);
				plot_write(s, "\n");
				if (v > 0 && v < lo)
					lo = v;
				if (v > hi)
					hi = v;
			}
		}
		note_add(f,
			 "%d runs are too many for one curve each: each curve is one policy, "
			 "the mean over its runs of each latency quantile.",
			 c.n_used);
		if (pol.n > REPORT_MAX_CURVES)
			note_add(f, "Only the first %d of %d policies (by first run id) are shown.",
				 REPORT_MAX_CURVES, pol.n);
	}
	plot_write(s, "EOD\n");
	if (c.n_used < d->n_runs)
		note_add(f, "%d of %d runs have no latency quantiles (nothing served) and are "
			    "not drawn.",
			 d->n_runs - c.n_used, d->n_runs);
	c.logscale = lo < INFINITY && hi / lo > 30;
	if (c.logscale)
		note_add(f, "Latency is on a log scale.");
	fig_draw(&c, f, draw_cdf);
done:
	policies_free(&pol);
	free(use);
	return rc;
}

/* ---- (2) accuracy against a cost, one point per run, with the Pareto front ---- */

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
	plot_write(s, "set ylabel 'mean top-1 accuracy (%)'\n"
		      "set key outside right top noenhanced\n"
		      "set offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05\n");
	title_line(s, "title", c->title);
	plot_write(s, "plot $front using 1:2 with steps dt 2 lw 1.5 lc rgb 'gray40' "
		      "title 'Pareto front'");
	for (int k = 0; k < c->n_curves; k++) {
		plot_printf(s, ", $acc index %d using 1:2 with points pt 7 ps 1.3 lc %d title ",
			    k, k % 8 + 1);
		plot_str(s, c->by_policy ? c->policies[k] : "runs");
	}
	if (c->n_used <= MAX_POINT_LABELS)
		for (int k = 0; k < c->n_curves; k++)
			plot_printf(s,
				    ", $acc index %d using 1:2:(sprintf('#%%d', int($3))) with "
				    "labels offset char 0.8,char 0.6 left notitle",
				    k);
	plot_write(s, "\n");
}

static int chart_scatter(struct plot_sink *s, const struct report_data *d,
			 struct report_figures *figs, const char *name, const char *title,
			 const char *xlabel, int xm, const char *cost)
{
	int rc = 0, n_pts = 0;
	struct policies pol = {0, NULL, NULL, NULL};
	int *use = calloc((size_t)d->n_runs, sizeof *use);
	struct point *pts = calloc((size_t)d->n_runs, sizeof *pts);
	if (!use || !pts) {
		rc = ERR_NOMEM;
		goto done;
	}
	for (int i = 0; i < d->n_runs; i++) {
		const struct report_run *r = &d->runs[i];
		use[i] = r->has_metric[REPORT_M_mean_top1] && r->has_metric[xm];
		if (use[i])
			pts[n_pts++] = (struct point){r->metric[xm], r->metric[REPORT_M_mean_top1]};
	}
	if (n_pts < 2)
		goto done;
	if ((rc = policies_find(d, use, &pol)) < 0)
		goto done;
	struct chart c;
	chart_init(&c, s, d, use, &pol);
	c.title = title;
	c.xlabel = xlabel;
	struct report_figure *f = fig_add(figs, name, title);
	if (!f)
		goto done;
	c.n_curves = c.by_policy ? pol.n : 1;

	/* One block of points per policy (or one for all): cost, accuracy, run id. */
	plot_write(s, "$acc << EOD\n");
	for (int k = 0; k < c.n_curves; k++) {
		if (k)
			plot_write(s, "\n\n");
		for (int i = 0; i < d->n_runs; i++) {
			const struct report_run *r = &d->runs[i];
			if (!use[i] || (c.by_policy && pol.of_run[i] != k))
				continue;
			num(s, r->metric[xm]);
			plot_write(s, " ");
			num(s, r->metric[REPORT_M_mean_top1]);
			plot_printf(s, " %lld\n", (long long)r->id);
		}
	}
	plot_write(s, "EOD\n");

	/* The front: by increasing cost, each run more accurate than every cheaper one. */
	qsort(pts, (size_t)n_pts, sizeof *pts, point_cmp);
	plot_write(s, "$front << EOD\n");
	double best = -INFINITY;
	int n_front = 0;
	for (int i = 0; i < n_pts; i++) {
		if (pts[i].y > best) {
			best = pts[i].y;
			num(s, pts[i].x);
			plot_write(s, " ");
			num(s, pts[i].y);
			plot_write(s, "\n");
			n_front++;
		}
	}
	plot_write(s, "EOD\n");
	note_add(f,
		 "Up and to the left is better. The dashed staircase is the Pareto front: the "
		 "%d of %d runs that no other run beats on both accuracy and %s.",
		 n_front, n_pts, cost);
	if (!c.by_policy)
		note_add(f, "%d policies are too many for a key: all runs share one colour.",
			 pol.n);
	if (n_pts > MAX_POINT_LABELS)
		note_add(f, "Points are not labelled with run ids above %d runs.",
			 MAX_POINT_LABELS);
	fig_draw(&c, f, draw_scatter);
done:
	policies_free(&pol);
	free(pts);
	free(use);
	return rc;
}

/* ---- (3) one bar per run of one metric, coloured by policy ---- */

static void draw_bars(const struct chart *c)
{
	struct plot_sink *s = c->s;
	const struct report_data *d = c->d;
	int n = c->n_used;
	title_line(s, "title", c->title);
	plot_write(s, "set xlabel 'run'\n");
	title_line(s, "ylabel", c->ylabel);
	/* Run ids under the bars; above MAX_BAR_LABELS bars, every k-th. */
	int step = n <= MAX_BAR_LABELS ? 1 : (n + 29) / 30;
	plot_write(s, "set xtics (");
	for (int i = 0, x = 0, first = 1; i < d->n_runs; i++) {
		if (!c->use[i])
			continue;
		if (x % step == 0) {
			char id[32];
			snprintf(id, sizeof id, "#%lld", (long long)d->runs[i].id);
			plot_write(s, first ? "" : ", ");
			plot_str(s, id);
			plot_printf(s, " %d", x);
			first = 0;
		}
		x++;
	}
	plot_printf(s, ")%s\n", n > 10 ? " rotate by 90 right" : "");
	plot_printf(s,
		    "set xrange [-0.8:%g]\n"
		    "set yrange [0:*]\n"
		    "set grid noxtics ytics\n"
		    "set style fill solid 0.85 %s\n"
		    "set boxwidth %s\n"
		    "set key outside right top noenhanced\n",
		    n - 0.2, n > 60 ? "noborder" : "border -1", n > 60 ? "1" : "0.8");
	plot_write(s, "plot $bars using 1:2:3 with boxes lc variable notitle");
	if (c->by_policy)
		for (int k = 0; k < c->n_policies; k++) {
			plot_printf(s, ", NaN with boxes lc %d title ", k % 8 + 1);
			plot_str(s, c->policies[k]);
		}
	plot_write(s, "\n");
}

static int chart_bars(struct plot_sink *s, const struct report_data *d,
		      struct report_figures *figs, const char *name, const char *title,
		      const char *ylabel, int metric, double scale)
{
	int rc = 0;
	struct policies pol = {0, NULL, NULL, NULL};
	int *use = calloc((size_t)d->n_runs, sizeof *use);
	if (!use)
		return ERR_NOMEM;
	for (int i = 0; i < d->n_runs; i++)
		use[i] = d->runs[i].has_metric[metric];
	struct chart c;
	chart_init(&c, s, d, use, NULL);
	if (c.n_used < 2)
		goto done;
	if ((rc = policies_find(d, use, &pol)) < 0)
		goto done;
	chart_init(&c, s, d, use, &pol);
	c.title = title;
	c.ylabel = ylabel;
	struct report_figure *f = fig_add(figs, name, title);
	if (!f)
		goto done;
	plot_write(s, "$bars << EOD\n");
	for (int i = 0, x = 0; i < d->n_runs; i++) {
		if (!use[i])
			continue;
		plot_printf(s, "%d ", x++);
		num(s, d->runs[i].metric[metric] * scale);
		plot_printf(s, " %d\n", c.by_policy ? pol.of_run[i] % 8 + 1 : 1);
	}
	plot_write(s, "EOD\n");
	if (c.n_used > MAX_BAR_LABELS)
		note_add(f, "Every %d-th run id is written under the bars.",
			 (c.n_used + 29) / 30);
	if (!c.by_policy)
		note_add(f, "%d policies are too many for a key: all bars share one colour.",
			 pol.n);
	if (c.n_used < d->n_runs)
		note_add(f, "%d of %d runs did not record this metric.", d->n_runs - c.n_used,
			 d->n_runs);
	fig_draw(&c, f, draw_bars);
done:
	policies_free(&pol);
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
	plot_write(s, "set multiplot layout 2,1 title ");
	plot_str(s, r->label);
	plot_write(s, "\n"
		      "set lmargin at screen 0.30\nset rmargin at screen 0.74\n"
		      "set key at screen 0.995, graph 1 right top noenhanced\n"
		      "set title 'Device state'\n"
		      "set xlabel 'time (s)'\n"
		      "set ylabel 'CPU frequency (MHz)'\n"
		      "set ytics nomirror\n"
		      "set y2label 'other load (CPU share)'\n"
		      "set y2range [0:1]\nset y2tics\n"
		      "plot $tl using 1:2 with steps lw 1.5 title 'frequency', "
		      "$tl using 1:3 axes x1y2 with steps lw 1 title 'other load'\n");
	plot_write(s, "set title 'Chosen variant and latency'\n"
		      "set ylabel 'variant'\n"
		      "set y2label 'latency (ms)'\n"
		      "set y2range [0:*]\n");
	plot_printf(s, "set yrange [-0.5:%g]\n", r->n_timeline_variants - 0.5);
	plot_write(s, "set ytics (");
	for (int v = 0; v < r->n_timeline_variants; v++) {
		char lit[48]; /* short, so the names fit the left margin */
		plot_quote(lit, sizeof lit, variant_short(r->timeline_variants[v]));
		plot_write(s, v ? ", " : "");
		plot_write(s, lit);
		plot_printf(s, " %d", v);
	}
	plot_write(s, ")\n"
		      "plot $tl using 1:4 with steps lw 2 title 'variant', "
		      "$tl using 1:5 axes x1y2 with points pt 7 ps 0.4 title 'latency'\n"
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
	plot_write(s, "$tl << EOD\n");
	for (int j = 0; j < r->n_timeline; j++) {
		const struct report_timeline_point *p = &r->timeline[j];
		num(s, p->t_s);
		plot_write(s, " ");
		num(s, p->freq_mhz);
		plot_write(s, " ");
		num(s, p->util_other);
		plot_write(s, " ");
		num(s, p->variant >= 0 ? (double)p->variant : NAN);
		plot_write(s, " ");
		num(s, p->latency_ms);
		plot_write(s, "\n");
	}
	plot_write(s, "EOD\n");
	note_add(f, "Above: the CPU frequency and the share of the CPU other processes took. "
		    "Below: the variant serving at each moment and the latency of requests "
		    "that completed.");
	if (r->n_timeline_variants == 0)
		note_add(f, "No variant was serving.");
	struct chart c;
	memset(&c, 0, sizeof c);
	c.s = s;
	c.d = d;
	c.run = r;
	fig_draw(&c, f, draw_timeline);
	return 0;
}

int report_charts_write(struct plot_sink *s, const struct report_data *d,
			struct report_figures *figs, struct errbuf *eb)
{
	figs->n = 0;
	plot_write(s, "set encoding utf8\n");
	int rc = chart_cdf(s, d, figs);
	if (rc == 0 && d->n_runs > 1)
		rc = chart_scatter(s, d, figs, "accuracy_energy",
				   "Accuracy against energy per inference",
				   "energy per inference (mJ)", REPORT_M_energy_per_inf_mj,
				   "energy");
	if (rc == 0 && d->n_runs > 1)
		rc = chart_scatter(s, d, figs, "accuracy_latency", "Accuracy against p95 latency",
				   "p95 latency (ms)", REPORT_M_lat_p95_ms, "p95 latency");
	if (rc == 0 && d->n_runs > 1)
		rc = chart_bars(s, d, figs, "miss_rate", "Deadline-miss rate per run",
				"deadline-miss rate (%)", REPORT_M_miss_rate, 100.0);
	if (rc == 0 && d->n_runs > 1)
		rc = chart_bars(s, d, figs, "energy", "Energy per inference per run",
				"energy per inference (mJ)", REPORT_M_energy_per_inf_mj, 1.0);
	for (int i = 0, k = 1; rc == 0 && i < d->n_runs && k <= REPORT_TIMELINE_MAX_RUNS; i++)
		if (d->runs[i].n_timeline > 0)
			rc = chart_timeline(s, d, i, k++, figs);
	if (rc < 0)
		return err_set(eb, rc, "report: out of memory drawing figures");
	return 0;
}

/*
 * tplot.c: `trace plot` (see tplot.h). The trace is read once, as `trace check` reads it:
 * the trace reader validates each row and a CSV reader on the same file gives each
 * column's own field. Rows stream straight into a gnuplot datablock (held values filled
 * in, NaN before a column's first value), so memory does not grow with the trace; the
 * panels, which depend only on the header, follow the data. gnuplot draws into a scratch
 * file beside the output, which is then copied into an afile (common/afile.h) and so
 * appears whole or not at all. Not for report figures.
 */
#include "tplot.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "afile.h"
#include "csvin.h"
#include "num.h"
#include "trace.h"

#define MAX_COLS 32

/* The panels, top to bottom, and which columns each takes. */
enum panel { P_FREQ, P_ONLINE, P_LOAD, P_MEM, P_BATTERY, P_TEMP, P_N };

static const struct {
	const char *ylabel;
	const char *yrange; /* NULL: automatic */
} panels[P_N] = {
	[P_FREQ] = {"frequency (MHz)", "[0:*]"},   [P_ONLINE] = {"online cores", "[0:*]"},
	[P_LOAD] = {"util_other (share)", "[0:1.05]"}, [P_MEM] = {"free memory (MB)", "[0:*]"},
	[P_BATTERY] = {"battery (%)", "[0:105]"}, [P_TEMP] = {"temperature (C)", NULL},
};

static int panel_of(const char *col)
{
	if (strncmp(col, "freq_mhz", 8) == 0)
		return P_FREQ;
	if (strncmp(col, "online.", 7) == 0)
		return P_ONLINE;
	if (strcmp(col, "util_other") == 0)
		return P_LOAD;
	if (strcmp(col, "mem_avail_mb") == 0)
		return P_MEM;
	if (strcmp(col, "battery_pct") == 0 || strcmp(col, "charging") == 0)
		return P_BATTERY;
	if (strcmp(col, "temp_c") == 0)
		return P_TEMP;
	return -1;
}

struct col {
	int index; /* in the header */
	int panel;
	int has;
	double cur;
	const char *name;
};

int tplot_commands(struct plot_sink *s, const char *trace, const char *title,
		   const char *output_name, enum tplot_format fmt, struct errbuf *eb)
{
	struct errbuf local = {0, ""};
	if (!eb)
		eb = &local;
	struct trace *t = trace_open(trace, eb);
	struct csvin *c = NULL;
	int rc = 0;
	if (!t)
		return eb->code;
	if (!(c = csvin_open(trace, eb))) {
		rc = eb->code;
		goto done;
	}
	struct col cols[MAX_COLS];
	int n = 0;
	for (int i = 0; i < csvin_n_cols(c) && n < MAX_COLS; i++) {
		const char *name = csvin_col_name(c, i);
		int p = panel_of(name);
		if (p < 0)
			continue; /* time_s */
		cols[n++] = (struct col){i, p, 0, 0, name};
	}
	plot_write(s, "$trace << EOD\n");
	struct trace_row row;
	int64_t first_ns = 0, last_ns = 0;
	long n_rows = 0;
	while ((rc = trace_next(t, &row, eb)) == 1) {
		if (csvin_next(c, eb) != 1) {
			rc = err_set(eb, ERR_IO, "%s: changed while being read", trace);
			goto done;
		}
		if (n_rows++ == 0)
			first_ns = row.t_ns;
		last_ns = row.t_ns;
		plot_printf(s, "%.9g", (double)row.t_ns / 1e9);
		for (int j = 0; j < n; j++) {
			const char *f = csvin_field(c, cols[j].index);
			double v;
			if (f && *f && num_double(f, &v) == 0) {
				cols[j].cur = strcmp(cols[j].name, "charging") == 0 ? v * 100 : v;
				cols[j].has = 1;
			}
			if (cols[j].has)
				plot_printf(s, " %.10g", cols[j].cur);
			else
				plot_write(s, " NaN");
		}
		plot_write(s, "\n");
	}
	if (rc < 0)
		goto done;
	plot_write(s, "EOD\n");

	int used[P_N] = {0}, n_panels = 0;
	for (int j = 0; j < n; j++)
		used[cols[j].panel] = 1;
	for (int p = 0; p < P_N; p++)
		n_panels += used[p];
	int height = 60 + 190 * n_panels;
	if (fmt == TPLOT_PNG)
		plot_printf(s, "set terminal pngcairo size 1000,%d noenhanced\n", height);
	else
		plot_printf(s, "set terminal svg size 1000,%d noenhanced background rgb 'white'\n",
			    height);
	plot_write(s, "set output ");
	plot_str(s, output_name);
	/* offsets: an autoscaled panel keeps a line at its extreme off the frame */
	plot_write(s, "\nset termoption noenhanced\nset grid\nset key outside right top\n"
		      "set lmargin 12\nset rmargin 24\nset tmargin 1\nset bmargin 1\n"
		      "set offsets 0, 0, graph 0.08, graph 0.04\n");
	double x0 = (double)first_ns / 1e9, x1 = (double)last_ns / 1e9;
	if (x1 <= x0)
		x1 = x0 + 1;
	plot_printf(s, "set xrange [%.9g:%.9g]\n", x0, x1);
	plot_printf(s, "set multiplot layout %d,1 title ", n_panels);
	const char *base = strrchr(trace, '/');
	plot_str(s, title ? title : base ? base + 1 : trace);
	plot_write(s, "\n");
	int drawn = 0;
	for (int p = 0; p < P_N; p++) {
		if (!used[p])
			continue;
		drawn++;
		plot_write(s, "set ylabel ");
		plot_str(s, panels[p].ylabel);
		plot_write(s, "\n");
		if (panels[p].yrange)
			plot_printf(s, "set yrange %s\n", panels[p].yrange);
		else
			plot_write(s, "set autoscale y\n");
		if (drawn == n_panels) {
			plot_write(s, "set format x '%g'\nset xlabel 'time (s)'\nset bmargin 3\n");
		} else {
			plot_write(s, "set format x ''\nunset xlabel\n");
		}
		plot_write(s, "plot ");
		int k = 0;
		for (int j = 0; j < n; j++) {
			if (cols[j].panel != p)
				continue;
			plot_printf(s, "%s$trace using 1:%d with steps lw 2 title ", k++ ? ", " : "",
				    j + 2);
			plot_str(s, strcmp(cols[j].name, "charging") == 0 ? "charging (x100)"
									 : cols[j].name);
		}
		plot_write(s, "\n");
	}
	plot_write(s, "unset multiplot\nunset output\n");
	rc = 0;
done:
	trace_close(t);
	csvin_close(c);
	return rc;
}

/* Copies the plot gnuplot drew at path into the output o. */
static int copy_plot(const char *path, struct afile *o, struct errbuf *eb)
{
	FILE *from = fopen(path, "rb");
	if (!from)
		return err_set(eb, ERR_IO, "%.200s: gnuplot left no plot: %s", path,
			       strerror(errno));
	FILE *to = afile_stream(o);
	char buf[65536];
	size_t n;
	int rc = 0;
	while (rc == 0 && (n = fread(buf, 1, sizeof buf, from)) > 0)
		if (fwrite(buf, 1, n, to) != n)
			rc = err_set(eb, ERR_IO, "%.200s: write error: %s", afile_name(o),
				     strerror(errno));
	if (rc == 0 && ferror(from))
		rc = err_set(eb, ERR_IO, "%.200s: cannot read the plot back", path);
	fclose(from);
	return rc;
}

int tplot_file(const char *trace, const char *out, const char *title, const char *gnuplot,
	       struct errbuf *eb)
{
	struct errbuf local = {0, ""};
	if (!eb)
		eb = &local;
	const char *dot = strrchr(out, '.');
	enum tplot_format fmt;
	if (dot && strcasecmp(dot, ".png") == 0)
		fmt = TPLOT_PNG;
	else if (dot && strcasecmp(dot, ".svg") == 0)
		fmt = TPLOT_SVG;
	else
		return err_set(eb, ERR_USAGE, "trace plot: --out '%.200s' must end in .png or .svg",
			       out);
	char dir[4096], tmp_name[64], tmp_path[4200];
	const char *slash = strrchr(out, '/');
	if (slash) {
		size_t n = (size_t)(slash - out);
		if (n >= sizeof dir)
			return err_set(eb, ERR_RANGE, "%.200s: path too long", out);
		memcpy(dir, out, n ? n : 1);
		dir[n ? n : 1] = '\0';
	} else {
		snprintf(dir, sizeof dir, ".");
	}
	snprintf(tmp_name, sizeof tmp_name, ".adascale-trace-plot-%ld%s", (long)getpid(),
		 fmt == TPLOT_PNG ? ".png" : ".svg");
	snprintf(tmp_path, sizeof tmp_path, "%s/%s", dir, tmp_name);
	struct afile *o = NULL;
	struct plot_sink *s = plot_gnuplot_create(gnuplot, dir, eb);
	int rc;
	if (!s)
		return eb->code;
	if ((rc = tplot_commands(s, trace, title, tmp_name, fmt, eb)) < 0)
		goto done;
	if ((rc = plot_finish(s, eb)) < 0)
		goto done;
	/* created only now, so gnuplot never inherits the output's descriptor */
	if (!(o = afile_create(out, eb))) {
		rc = eb->code;
		goto done;
	}
	if ((rc = copy_plot(tmp_path, o, eb)) < 0)
		goto done;
	rc = afile_commit(o, eb);
done:
	plot_sink_destroy(s);
	afile_destroy(o);
	remove(tmp_path);
	return rc;
}

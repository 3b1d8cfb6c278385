/*
 * tplot.h: `adascale trace plot`: a trace's columns over time as a PNG or SVG, one panel
 * per quantity (frequency, online cores, load, memory, battery, temperature) on a shared
 * time axis, drawn by gnuplot through the plot sink of reports/plot.h.
 *
 * Values are drawn as steps, because a trace's values hold until the next row that sets
 * them; before a column's first value nothing is drawn. The data goes to gnuplot inline,
 * as a datablock, and no text from the trace file reaches a command except through
 * plot_str (the title, the column names). gnuplot writes into the output's folder under a
 * fixed scratch name, so the output's own name is never part of a command either; the plot
 * reaches the output through common/afile.h when gnuplot succeeded. Not for report figures
 * (reports/charts.c).
 */
#ifndef ADASCALE_TPLOT_H
#define ADASCALE_TPLOT_H

#include "err.h"
#include "plot.h"

enum tplot_format { TPLOT_PNG, TPLOT_SVG };

/*
 * Writes the gnuplot commands that draw trace into output_name (a plain file name in
 * gnuplot's working folder) to the sink. Reads and validates the whole trace (file:line
 * errors). title NULL: the trace's file name.
 */
int tplot_commands(struct plot_sink *s, const char *trace, const char *title,
		   const char *output_name, enum tplot_format fmt, struct errbuf *eb);

/*
 * Plots trace into out, whose extension (.png or .svg) picks the format. gnuplot is the
 * program to run (NULL: "gnuplot" on PATH). Nothing is left at out on failure.
 */
int tplot_file(const char *trace, const char *out, const char *title, const char *gnuplot,
	       struct errbuf *eb);

#endif

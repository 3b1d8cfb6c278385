/*
 * plotint.h: the inside of a plot sink, shared by plot.c (the common front: sticky errors,
 * printf, quoting) and the backends (plot_gnuplot.c, plot_record.c). Nothing outside
 * reports/plot*.c includes it.
 */
#ifndef ADASCALE_PLOTINT_H
#define ADASCALE_PLOTINT_H

#include "plot.h"

struct plot_sink {
	plot_write_fn write;
	plot_finish_fn finish;
	plot_free_fn destroy;
	int is_record; /* 1 for the recording backend */
	int finished;
	int failed;   /* the first error code, 0 while none */
	struct errbuf err;
};

#endif

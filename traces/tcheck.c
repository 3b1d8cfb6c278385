/*
 * tcheck.c: `trace check` (see tcheck.h). Two readers walk the file in step: the trace
 * reader validates each row exactly as a replay would, and a plain CSV reader on the same
 * file gives each header column's own field, so statistics are kept per column as written
 * (freq_mhz and freq_mhz.N apart). Intervals are kept (8 bytes a row) for the median and
 * the gaps. Not for printing warnings: the CLI decides where they go.
 */
#include "tcheck.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csvin.h"
#include "num.h"
#include "trace.h"

void tcheck_opts_default(struct tcheck_opts *o)
{
	o->gap_factor = 10;
	o->strict = 0;
}

struct interval {
	int64_t dt_ns;
	long line;
};

/* Per-column running state beside the report's column. */
struct colstate {
	int index;      /* header index */
	int freq_cluster; /* cluster whose max_freq applies, -1 when not a frequency */
	int has;        /* a value is held */
	double cur;
	double weighted; /* sum of value x seconds held */
	double sum;      /* plain sum of samples */
	int64_t first_ns;
	int warned_max;
};

struct check {
	struct tcheck_report *r;
	struct trace *t;
	struct csvin *c;
	struct colstate cs[TCHECK_MAX_COLS];
	struct interval *iv;
	long n_iv, cap_iv;
};

static void warn(struct tcheck_report *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void warn(struct tcheck_report *r, const char *fmt, ...)
{
	if (r->n_warnings < TCHECK_MAX_WARNINGS) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(r->warnings[r->n_warnings], TCHECK_WARNING_LEN, fmt, ap);
		va_end(ap);
	}
	r->n_warnings++;
}

static int cmp_interval(const void *a, const void *b)
{
	int64_t x = ((const struct interval *)a)->dt_ns, y = ((const struct interval *)b)->dt_ns;
	return (x > y) - (x < y);
}

static int push_interval(struct check *k, int64_t dt_ns, long line, struct errbuf *eb)
{
	if (k->n_iv == k->cap_iv) {
		long cap = k->cap_iv ? 2 * k->cap_iv : 1024;
		struct interval *iv = realloc(k->iv, (size_t)cap * sizeof *iv);
		if (!iv)
			return err_set(eb, ERR_NOMEM, "%s: out of memory", k->r->path);
		k->iv = iv;
		k->cap_iv = cap;
	}
	k->iv[k->n_iv].dt_ns = dt_ns;
	k->iv[k->n_iv].line = line;
	k->n_iv++;
	return 0;
}

static int setup_columns(struct check *k, struct errbuf *eb)
{
	struct tcheck_report *r = k->r;
	for (int i = 0; i < csvin_n_cols(k->c); i++) {
		const char *name = csvin_col_name(k->c, i);
		if (strcmp(name, "time_s") == 0)
			continue;
		if (r->n_cols == TCHECK_MAX_COLS)
			return err_set(eb, ERR_RANGE, "%s: more than %d columns", r->path,
				       TCHECK_MAX_COLS);
		struct tcheck_col *col = &r->cols[r->n_cols];
		struct colstate *s = &k->cs[r->n_cols];
		snprintf(col->name, sizeof col->name, "%s", name);
		s->index = i;
		s->freq_cluster = -1;
		if (strcmp(name, "freq_mhz") == 0)
			s->freq_cluster = 0;
		else if (strncmp(name, "freq_mhz.", 9) == 0)
			s->freq_cluster = atoi(name + 9);
		r->n_cols++;
	}
	return 0;
}

static int copy_meta(struct check *k, struct errbuf *eb)
{
	struct tcheck_report *r = k->r;
	int n = csvin_n_meta(k->c);
	if (n == 0)
		return 0;
	r->meta = calloc((size_t)n, sizeof *r->meta);
	if (!r->meta)
		return err_set(eb, ERR_NOMEM, "%s: out of memory", r->path);
	for (int i = 0; i < n; i++) {
		const char *key, *value;
		csvin_meta_at(k->c, i, &key, &value);
		r->meta[i].key = strdup(key);
		r->meta[i].value = strdup(value);
		r->n_meta = i + 1;
		if (!r->meta[i].key || !r->meta[i].value)
			return err_set(eb, ERR_NOMEM, "%s: out of memory", r->path);
		if (strcmp(key, "sampling") == 0 && strcmp(value, "events") == 0)
			r->event_sampled = 1;
	}
	return 0;
}

/* One row: both readers have read it; t_ns is its time, prev_ns the previous row's. */
static int take_row(struct check *k, int64_t t_ns, int64_t prev_ns, struct errbuf *eb)
{
	struct tcheck_report *r = k->r;
	long line = csvin_line(k->c);
	if (r->n_rows > 0) {
		int64_t dt = t_ns - prev_ns;
		for (int j = 0; j < r->n_cols; j++)
			if (k->cs[j].has)
				k->cs[j].weighted += k->cs[j].cur * ((double)dt / 1e9);
		if (dt > 0 && push_interval(k, dt, line, eb) < 0)
			return ERR_NOMEM;
	}
	for (int j = 0; j < r->n_cols; j++) {
		struct colstate *s = &k->cs[j];
		struct tcheck_col *col = &r->cols[j];
		const char *f = csvin_field(k->c, s->index);
		double v;
		if (!f || !*f)
			continue;
		if (num_double(f, &v) < 0) /* the trace reader accepted it: cannot happen */
			return err_set(eb, ERR_PARSE, "%s:%ld:%d: column '%s': '%.32s' is not a number",
				       r->path, line, s->index + 1, col->name, f);
		if (col->n_values == 0) {
			col->min = col->max = v;
			s->first_ns = t_ns;
		}
		col->min = v < col->min ? v : col->min;
		col->max = v > col->max ? v : col->max;
		col->n_values++;
		s->sum += v;
		s->cur = v;
		s->has = 1;
		double fmax = s->freq_cluster >= 0 ? trace_max_freq_mhz(k->t, s->freq_cluster) : 0;
		if (fmax > 0 && v > fmax * (1 + 1e-9) && !s->warned_max) {
			s->warned_max = 1;
			warn(r, "%s:%ld: warning: %s %g is above the trace's own max_freq_mhz %g (it "
				"replays as more than the target's maximum, which is then capped)",
			     r->path, line, col->name, v, fmax);
		}
	}
	return 0;
}

static void finish(struct check *k, const struct tcheck_opts *o, int64_t start_ns,
		   int64_t end_ns)
{
	struct tcheck_report *r = k->r;
	r->start_s = (double)start_ns / 1e9;
	r->end_s = (double)end_ns / 1e9;
	for (int j = 0; j < r->n_cols; j++) {
		struct tcheck_col *col = &r->cols[j];
		struct colstate *s = &k->cs[j];
		if (col->n_values == 0) {
			warn(r, "%s: warning: column '%s' has no values (the device's default holds "
				"throughout)", r->path, col->name);
			continue;
		}
		col->first_s = (double)s->first_ns / 1e9;
		int64_t span = end_ns - s->first_ns;
		col->mean = span > 0 ? s->weighted / ((double)span / 1e9)
				     : s->sum / (double)col->n_values;
	}
	r->n_intervals = k->n_iv;
	if (k->n_iv == 0)
		return;
	long imax = 0;
	for (long i = 1; i < k->n_iv; i++)
		if (k->iv[i].dt_ns > k->iv[imax].dt_ns)
			imax = i;
	r->interval_max_s = (double)k->iv[imax].dt_ns / 1e9;
	r->interval_max_line = k->iv[imax].line;
	/* The median of a sorted copy; the originals keep file order for the gap lines. */
	struct interval *sorted = malloc((size_t)k->n_iv * sizeof *sorted);
	if (sorted) {
		memcpy(sorted, k->iv, (size_t)k->n_iv * sizeof *sorted);
		qsort(sorted, (size_t)k->n_iv, sizeof *sorted, cmp_interval);
		long m = k->n_iv / 2;
		double med = k->n_iv % 2 ? (double)sorted[m].dt_ns
					 : ((double)sorted[m - 1].dt_ns + (double)sorted[m].dt_ns) / 2;
		r->interval_median_s = med / 1e9;
		free(sorted);
	} else {
		r->interval_median_s = r->interval_max_s; /* no memory to sort: no gaps found */
	}
	if (r->event_sampled || k->n_iv < 3)
		return;
	r->gap_threshold_s = o->gap_factor * r->interval_median_s;
	for (long i = 0; i < k->n_iv; i++) {
		double dt = (double)k->iv[i].dt_ns / 1e9;
		if (dt > r->gap_threshold_s) {
			r->n_gaps++;
			warn(r, "%s:%ld: warning: gap of %.6g s before this row (%.3g x the median "
				"interval %.6g s; values are held across it)",
			     r->path, k->iv[i].line, dt, dt / r->interval_median_s,
			     r->interval_median_s);
		}
	}
}

int tcheck_file(const char *path, const struct tcheck_opts *o, struct tcheck_report **out,
		struct errbuf *eb)
{
	struct tcheck_opts defaults;
	if (!o) {
		tcheck_opts_default(&defaults);
		o = &defaults;
	}
	*out = NULL;
	struct check k;
	memset(&k, 0, sizeof k);
	int rc;
	k.r = calloc(1, sizeof *k.r);
	if (!k.r || !(k.r->path = strdup(path))) {
		rc = err_set(eb, ERR_NOMEM, "%s: out of memory", path);
		goto fail;
	}
	if (!(k.t = trace_open(path, eb))) {
		rc = eb ? eb->code : ERR_PARSE;
		goto fail;
	}
	if (!(k.c = csvin_open(path, eb))) {
		rc = eb ? eb->code : ERR_PARSE;
		goto fail;
	}
	if ((rc = setup_columns(&k, eb)) < 0 || (rc = copy_meta(&k, eb)) < 0)
		goto fail;
	struct trace_row row;
	int64_t start_ns = 0, prev_ns = 0;
	while ((rc = trace_next(k.t, &row, eb)) == 1) {
		int crc = csvin_next(k.c, eb);
		if (crc != 1) {
			rc = crc < 0 ? crc : err_set(eb, ERR_IO, "%s: changed while being read", path);
			goto fail;
		}
		if (k.r->n_rows == 0)
			start_ns = row.t_ns;
		if ((rc = take_row(&k, row.t_ns, prev_ns, eb)) < 0)
			goto fail;
		prev_ns = row.t_ns;
		k.r->n_rows++;
	}
	if (rc < 0)
		goto fail;
	finish(&k, o, start_ns, prev_ns);
	if (o->strict && k.r->n_warnings > 0) {
		rc = err_set(eb, ERR_RANGE, "%s (strict: warnings fail the check)",
			     k.r->warnings[0]);
		goto fail;
	}
	trace_close(k.t);
	csvin_close(k.c);
	free(k.iv);
	*out = k.r;
	return 0;
fail:
	trace_close(k.t);
	csvin_close(k.c);
	free(k.iv);
	tcheck_report_destroy(k.r);
	return rc;
}

void tcheck_report_destroy(struct tcheck_report *r)
{
	if (!r)
		return;
	for (int i = 0; i < r->n_meta; i++) {
		free(r->meta[i].key);
		free(r->meta[i].value);
	}
	free(r->meta);
	free(r->path);
	free(r);
}

void tcheck_print(FILE *f, const struct tcheck_report *r)
{
	fprintf(f, "%s: ok, %ld rows, %.6g s (time_s %.6g to %.6g)\n", r->path, r->n_rows,
		r->end_s - r->start_s, r->start_s, r->end_s);
	if (r->n_intervals > 0)
		fprintf(f, "  sampling interval: median %.6g s, max %.6g s (the interval ending at line %ld)\n",
			r->interval_median_s, r->interval_max_s, r->interval_max_line);
	else
		fprintf(f, "  sampling interval: none (every row at the same time)\n");
	if (r->event_sampled)
		fprintf(f, "  gaps: not looked for (# sampling: events: rows only where the state "
			   "changes)\n");
	else if (r->gap_threshold_s > 0)
		fprintf(f, "  gaps (intervals over %.6g s): %ld\n", r->gap_threshold_s, r->n_gaps);
	else
		fprintf(f, "  gaps: too few intervals to judge\n");
	fprintf(f, "  %-14s %12s %12s %12s %8s  %s\n", "column", "min", "mean*", "max", "values",
		"from");
	for (int j = 0; j < r->n_cols; j++) {
		const struct tcheck_col *c = &r->cols[j];
		if (c->n_values == 0) {
			fprintf(f, "  %-14s %12s %12s %12s %8d\n", c->name, "-", "-", "-", 0);
			continue;
		}
		fprintf(f, "  %-14s %12.6g %12.6g %12.6g %8ld  %.6g s\n", c->name, c->min, c->mean,
			c->max, c->n_values, c->first_s);
	}
	fprintf(f, "  * time-weighted: each value counts for as long as it is held (until the "
		   "next row that sets its column), from its column's first value to the last row\n");
	if (r->n_meta == 0) {
		fprintf(f, "  metadata: none\n");
		return;
	}
	fprintf(f, "  metadata:\n");
	for (int i = 0; i < r->n_meta; i++)
		fprintf(f, "    # %s: %s\n", r->meta[i].key, r->meta[i].value);
}

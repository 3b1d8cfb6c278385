/*
 * calib.c: reading a contention calibration and looking a slowdown up in it (see calib.h).
 * The file is read into a list of cells (each a run of rows with one thread count and one
 * load level) and checked row by row, so a bad row is named by its line; the cells are then
 * laid out as a full grid. A calibration per pass is read as one such grid per pass, each
 * from the rows of its pass.
 */
#include "calib.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aload.h"
#include "csvin.h"
#include "sha256.h"

struct cell {
	int threads;
	double load;
	long line;   /* its first row */
	long passes;
	int at;      /* its first value in vals */
};

static int find_int(const int *a, int n, int x)
{
	for (int i = 0; i < n; i++)
		if (a[i] == x)
			return i;
	return -1;
}

static int find_double(const double *a, int n, double x)
{
	for (int i = 0; i < n; i++)
		if (a[i] == x)
			return i;
	return -1;
}

/* Closes the cell being read: it must have reached level 1. */
static int close_cell(struct csvin *in, const char *key, const struct cell *c, int n_vals,
		      int n_q, double last_q, struct errbuf *eb)
{
	if (last_q != 1 || (n_q > 0 && n_vals - c->at != n_q))
		return err_set(eb, ERR_PARSE,
			       "%s:%ld: the cell threads=%d %s=%g (from line %ld) ends at "
			       "quantile %g: each cell runs from quantile 0 to 1 with the levels of "
			       "the first cell",
			       csvin_path(in), csvin_line(in), c->threads, key, c->load, c->line,
			       last_q);
	return 0;
}

static int load_where(const char *path, const char *key, double key_lo, double key_hi,
		      const char *where, double where_val, const char *where2,
		      double where2_val, struct calib **out, struct errbuf *eb);

/* Whether the current row's column col (-1: no filter) holds val: 1 or 0, or an error. */
static int row_is(struct csvin *in, int col, double val, struct errbuf *eb)
{
	double w;
	if (col < 0)
		return 1;
	int rc = csvin_double_in(in, col, 0, 1e9, &w, eb);
	return rc < 0 ? rc : w == val;
}

/* A pass's idle length at one thread count, as the file gives it. */
struct pass_len {
	int pass, threads;
	double ms;
	long line;
};

/*
 * Reads a calibration per pass: its lengths, then each pass's rows as a grid, key in
 * [key_lo, key_hi] as the load (util_other; gap_ms for a cadence), only the rows whose
 * column where holds where_val when where is not NULL (a cadence's load level).
 */
static int load_passes(const char *path, struct csvin *in, int c_pass, const char *key,
		       double key_lo, double key_hi, const char *where, double where_val,
		       struct calib **out, struct errbuf *eb)
{
	int rc, n_len = 0, n_pass = 0;
	struct pass_len len[CALIB_MAX_PASSES * CALIB_MAX_THREADS];
	struct calib *k = calloc(1, sizeof *k);
	if (!k) {
		rc = err_set(eb, ERR_NOMEM, "%s: out of memory", path);
		goto fail;
	}
	snprintf(k->path, sizeof k->path, "%s", path);
	int c_thr, c_ms, c_where = where ? csvin_col(in, where) : -1;
	if ((rc = c_thr = csvin_require_col(in, "threads", eb)) < 0 ||
	    (rc = c_ms = csvin_require_col(in, "pass_ms", eb)) < 0)
		goto fail;
	long first = 0;
	while ((rc = csvin_next(in, eb)) > 0) {
		long pass, thr;
		double ms;
		if ((rc = row_is(in, c_where, where_val, eb)) <= 0) {
			if (rc < 0)
				goto fail;
			continue;
		}
		if ((rc = csvin_long_in(in, c_pass, 0, CALIB_MAX_PASSES - 1, &pass, eb)) < 0 ||
		    (rc = csvin_long_in(in, c_thr, 1, 1024, &thr, eb)) < 0 ||
		    (rc = csvin_double_in(in, c_ms, 1e-6, 1e9, &ms, eb)) < 0)
			goto fail;
		if (!first)
			first = csvin_line(in);
		int i = 0;
		while (i < n_len && (len[i].pass != pass || len[i].threads != thr))
			i++;
		if (i < n_len) {
			if (len[i].ms != ms) {
				rc = csvin_fail(in, eb, ERR_PARSE,
						"pass_ms %g differs from %g given for pass %ld at %ld "
						"threads on line %ld: a pass has one idle length per "
						"thread count",
						ms, len[i].ms, pass, thr, len[i].line);
				goto fail;
			}
			continue;
		}
		if (n_len == CALIB_MAX_PASSES * CALIB_MAX_THREADS) {
			rc = csvin_fail(in, eb, ERR_RANGE, "more than %d thread counts",
					CALIB_MAX_THREADS);
			goto fail;
		}
		len[n_len++] = (struct pass_len){(int)pass, (int)thr, ms, csvin_line(in)};
		n_pass = pass + 1 > n_pass ? (int)pass + 1 : n_pass;
	}
	if (rc < 0)
		goto fail;
	for (int p = 0; p < n_pass; p++) {
		int seen = 0;
		for (int i = 0; i < n_len && !seen; i++)
			seen = len[i].pass == p;
		if (!seen) {
			rc = err_set(eb, ERR_PARSE,
				     "%s:%ld: no rows for pass %d: passes are numbered 0, 1, ... "
				     "without a gap (the highest is %d)",
				     path, first, p, n_pass - 1);
			goto fail;
		}
	}
	for (int p = 0; p < n_pass; p++) {
		if ((rc = load_where(path, key, key_lo, key_hi, "pass", p, where, where_val,
				     &k->pass[p], eb)) < 0)
			goto fail;
		k->n_pass = p + 1;
		const struct calib *c = k->pass[p];
		for (int t = 0; t < c->n_threads; t++)
			for (int i = 0; i < n_len; i++)
				if (len[i].pass == p && len[i].threads == c->threads[t])
					k->pass_ms[p][t] = len[i].ms;
	}
	if (n_pass == 0) {
		rc = err_set(eb, ERR_PARSE, "%s:%ld: no calibration rows after the header", path,
			     csvin_line(in));
		goto fail;
	}
	snprintf(k->sha256, sizeof k->sha256, "%s", k->pass[0]->sha256);
	*out = k;
	return 0;
fail:
	calib_destroy(k);
	return rc < 0 ? rc : ERR_PARSE;
}

/* The file's `# load_shape:` into shape ("spread" when it has none): 0, or ERR_PARSE. */
static int load_shape_of(const struct csvin *in, char *shape, size_t len, struct errbuf *eb)
{
	const char *v = csvin_meta(in, "load_shape");
	enum agent_load_shape known;
	if (v && agent_load_shape_parse(v, &known) < 0)
		return err_set(eb, ERR_PARSE, "%s:%ld: load_shape '%.32s' is neither spread nor "
			       "packed", csvin_path(in), csvin_meta_line(in, "load_shape"), v);
	snprintf(shape, len, "%s", v ? v : "spread");
	return 0;
}

/* The file's `# gap_ms:` into *gap_ms (0 when it has none): 0, or ERR_PARSE. */
static int gap_of(const struct csvin *in, double *gap_ms, struct errbuf *eb)
{
	const char *g = csvin_meta(in, "gap_ms");
	char *end = NULL;
	*gap_ms = g ? strtod(g, &end) : 0;
	if (g && (end == g || *end || !(*gap_ms >= 0 && *gap_ms <= 60000)))
		return err_set(eb, ERR_PARSE, "%s:%ld: gap_ms '%.32s' is not a number of ms in "
			       "0..60000", csvin_path(in), csvin_meta_line(in, "gap_ms"), g);
	return 0;
}

int calib_load(const char *path, struct calib **out, struct errbuf *eb)
{
	struct csvin *in = csvin_open(path, eb);
	if (!in)
		return eb ? eb->code : ERR_IO;
	char shape[8];
	double gap_ms;
	int c_pass = csvin_col(in, "pass");
	int rc = load_shape_of(in, shape, sizeof shape, eb);
	if (rc == 0)
		rc = gap_of(in, &gap_ms, eb);
	if (rc == 0)
		rc = c_pass >= 0 ? load_passes(path, in, c_pass, "util_other", 0, 1, NULL, 0, out,
					       eb)
				 : load_where(path, "util_other", 0, 1, NULL, 0, NULL, 0, out, eb);
	if (rc == 0) {
		snprintf((*out)->load_shape, sizeof (*out)->load_shape, "%s", shape);
		(*out)->gap_ms = gap_ms;
	}
	csvin_close(in);
	return rc;
}

/*
 * The calibration of the rows of path (key in [key_lo, key_hi] as the load) whose column
 * where holds where_val, every row when where is NULL.
 */
static int load_where(const char *path, const char *key, double key_lo, double key_hi,
		      const char *where, double where_val, const char *where2,
		      double where2_val, struct calib **out, struct errbuf *eb)
{
	int rc;
	struct calib *k = calloc(1, sizeof *k);
	struct csvin *in = NULL;
	struct cell *cells = NULL;
	double *qs = NULL, *vals = NULL;
	int n_cells = 0, cap_cells = 0, n_vals = 0, cap_vals = 0, n_q = 0;
	if (!k)
		return err_set(eb, ERR_NOMEM, "%s: out of memory", path);
	snprintf(k->path, sizeof k->path, "%s", path);
	if (!(in = csvin_open(path, eb))) {
		rc = eb ? eb->code : ERR_IO;
		goto fail;
	}
	int c_thr, c_load, c_q, c_slow, c_passes;
	if ((rc = c_thr = csvin_require_col(in, "threads", eb)) < 0 ||
	    (rc = c_load = csvin_require_col(in, key, eb)) < 0 ||
	    (rc = c_q = csvin_require_col(in, "quantile", eb)) < 0 ||
	    (rc = c_slow = csvin_require_col(in, "slowdown", eb)) < 0 ||
	    (rc = c_passes = csvin_require_col(in, "passes", eb)) < 0)
		goto fail;
	int c_where = where ? csvin_col(in, where) : -1;
	int c_where2 = where2 ? csvin_col(in, where2) : -1;
	double last_q = -1, last_s = 0;
	while ((rc = csvin_next(in, eb)) > 0) {
		long thr, passes;
		double load, q, s;
		int m = row_is(in, c_where, where_val, eb);
		if (m > 0)
			m = row_is(in, c_where2, where2_val, eb);
		if ((rc = m) <= 0) {
			if (rc < 0)
				goto fail;
			continue;
		}
		if ((rc = csvin_long_in(in, c_thr, 1, 1024, &thr, eb)) < 0 ||
		    (rc = csvin_double_in(in, c_load, key_lo, key_hi, &load, eb)) < 0 ||
		    (rc = csvin_double_in(in, c_q, 0, 1, &q, eb)) < 0 ||
		    (rc = csvin_double_in(in, c_slow, 1e-6, 1e6, &s, eb)) < 0 ||
		    (rc = csvin_long_in(in, c_passes, 1, 1000000000L, &passes, eb)) < 0)
			goto fail;
		struct cell *cur = n_cells ? &cells[n_cells - 1] : NULL;
		int same = cur && cur->threads == thr && cur->load == load && last_q < 1;
		if (!same) {
			if (cur && last_q < 1) {
				rc = close_cell(in, key, cur, n_vals, n_q, last_q, eb);
				goto fail;
			}
			if (cur && !n_q)
				n_q = n_vals;
			for (int i = 0; i < n_cells; i++)
				if (cells[i].threads == thr && cells[i].load == load) {
					rc = csvin_fail(in, eb, ERR_PARSE,
							"threads=%ld %s=%g is given twice "
							"(also from line %ld)",
							thr, key, load, cells[i].line);
					goto fail;
				}
			if (q != 0) {
				rc = csvin_fail(in, eb, ERR_PARSE,
						"a cell's first row is quantile 0, not %g", q);
				goto fail;
			}
			if (n_cells == cap_cells) {
				cap_cells = cap_cells ? 2 * cap_cells : 16;
				struct cell *g = realloc(cells, (size_t)cap_cells * sizeof *g);
				if (!g) {
					rc = err_set(eb, ERR_NOMEM, "%s: out of memory", path);
					goto fail;
				}
				cells = g;
			}
			cells[n_cells++] = (struct cell){(int)thr, load, csvin_line(in), passes, n_vals};
			cur = &cells[n_cells - 1];
		} else {
			if (q <= last_q) {
				rc = csvin_fail(in, eb, ERR_PARSE,
						"quantile %g does not follow %g: levels increase "
						"within a cell", q, last_q);
				goto fail;
			}
			if (s < last_s) {
				rc = csvin_fail(in, eb, ERR_RANGE,
						"slowdown %g is below %g at a lower quantile", s,
						last_s);
				goto fail;
			}
			if (passes != cur->passes) {
				rc = csvin_fail(in, eb, ERR_PARSE,
						"passes %ld differs from %ld on the cell's first row",
						passes, cur->passes);
				goto fail;
			}
		}
		int i = n_vals - cur->at;
		if (n_q && (i >= n_q || qs[i] != q)) {
			rc = csvin_fail(in, eb, ERR_PARSE,
					"quantile %g: the first cell has %s here (every cell has "
					"the same levels)",
					q, i >= n_q ? "no more levels" : "another level");
			goto fail;
		}
		if (n_vals == cap_vals) {
			cap_vals = cap_vals ? 2 * cap_vals : 256;
			double *g = realloc(vals, (size_t)cap_vals * sizeof *g);
			double *h = g ? realloc(qs, (size_t)cap_vals * sizeof *h) : NULL;
			if (g)
				vals = g;
			if (h)
				qs = h;
			if (!g || !h) {
				rc = err_set(eb, ERR_NOMEM, "%s: out of memory", path);
				goto fail;
			}
		}
		if (!n_q)
			qs[n_vals] = q;
		vals[n_vals++] = s;
		last_q = q;
		last_s = s;
		if (!n_q && n_vals > CALIB_MAX_QUANTILES) {
			rc = csvin_fail(in, eb, ERR_RANGE, "more than %d quantile levels in a cell",
					CALIB_MAX_QUANTILES);
			goto fail;
		}
	}
	if (rc < 0)
		goto fail;
	if (n_cells == 0) {
		rc = err_set(eb, ERR_PARSE, "%s:%ld: no calibration rows after the header", path,
			     csvin_line(in));
		goto fail;
	}
	if (last_q < 1) {
		rc = close_cell(in, key, &cells[n_cells - 1], n_vals, n_q, last_q, eb);
		goto fail;
	}
	if (!n_q)
		n_q = n_vals;
	if (n_q < 2) {
		rc = err_set(eb, ERR_PARSE, "%s:%ld: a cell needs quantiles 0 and 1 at least", path,
			     cells[0].line);
		goto fail;
	}
	/* the grid: thread counts and load levels, ascending */
	for (int i = 0; i < n_cells; i++) {
		const struct cell *c = &cells[i];
		if (find_int(k->threads, k->n_threads, c->threads) < 0) {
			if (k->n_threads == CALIB_MAX_THREADS) {
				rc = err_set(eb, ERR_RANGE, "%s:%ld: more than %d thread counts",
					     path, c->line, CALIB_MAX_THREADS);
				goto fail;
			}
			int j = k->n_threads++;
			for (; j > 0 && k->threads[j - 1] > c->threads; j--)
				k->threads[j] = k->threads[j - 1];
			k->threads[j] = c->threads;
		}
		if (find_double(k->loads, k->n_loads, c->load) < 0) {
			if (k->n_loads == CALIB_MAX_LOADS) {
				rc = err_set(eb, ERR_RANGE, "%s:%ld: more than %d %s levels", path,
					     c->line, CALIB_MAX_LOADS, key);
				goto fail;
			}
			int j = k->n_loads++;
			for (; j > 0 && k->loads[j - 1] > c->load; j--)
				k->loads[j] = k->loads[j - 1];
			k->loads[j] = c->load;
		}
	}
	if (n_cells != k->n_threads * k->n_loads) {
		/* name the first cell the grid lacks */
		for (int t = 0; t < k->n_threads; t++)
			for (int l = 0; l < k->n_loads; l++) {
				int have = 0;
				for (int i = 0; i < n_cells && !have; i++)
					have = cells[i].threads == k->threads[t] &&
					       cells[i].load == k->loads[l];
				if (!have) {
					rc = err_set(eb, ERR_PARSE,
						     "%s:%ld: no cell for threads=%d %s=%g: "
						     "every thread count needs every %s level",
						     path, csvin_line(in), k->threads[t], key,
						     k->loads[l], key);
					goto fail;
				}
			}
	}
	if (k->loads[0] != 0) {
		rc = err_set(eb, ERR_PARSE,
			     "%s:%ld: no %s level 0: the slowdowns are against it, and its "
			     "cells are needed (the lowest level is %g)",
			     path, cells[0].line, key, k->loads[0]);
		goto fail;
	}
	k->n_q = n_q;
	k->q = malloc((size_t)n_q * sizeof *k->q);
	k->slow = malloc((size_t)n_cells * (size_t)n_q * sizeof *k->slow);
	k->passes = malloc((size_t)n_cells * sizeof *k->passes);
	if (!k->q || !k->slow || !k->passes) {
		rc = err_set(eb, ERR_NOMEM, "%s: out of memory", path);
		goto fail;
	}
	memcpy(k->q, qs, (size_t)n_q * sizeof *k->q);
	for (int i = 0; i < n_cells; i++) {
		const struct cell *c = &cells[i];
		int t = find_int(k->threads, k->n_threads, c->threads);
		int l = find_double(k->loads, k->n_loads, c->load);
		size_t at = (size_t)(t * k->n_loads + l);
		memcpy(k->slow + at * (size_t)n_q, vals + c->at, (size_t)n_q * sizeof *vals);
		k->passes[at] = c->passes;
	}
	if ((rc = sha256_file(path, k->sha256)) < 0) {
		err_set(eb, rc, "%s: cannot read for hashing: %s", path, strerror(errno));
		goto fail;
	}
	csvin_close(in);
	free(cells);
	free(qs);
	free(vals);
	*out = k;
	return 0;
fail:
	csvin_close(in);
	free(cells);
	free(qs);
	free(vals);
	calib_destroy(k);
	return rc < 0 ? rc : ERR_PARSE;
}

void calib_destroy(struct calib *c)
{
	if (!c)
		return;
	free(c->q);
	free(c->slow);
	free(c->passes);
	for (int i = 0; i < c->n_pass; i++)
		calib_destroy(c->pass[i]);
	free(c);
}

/* The inverse CDF of one cell at level p: linear between the stored quantiles. */
static double cell_q(const struct calib *c, const double *s, double p)
{
	int lo = 0, hi = c->n_q - 1;
	if (p <= 0)
		return s[0];
	if (p >= 1)
		return s[hi];
	while (hi - lo > 1) { /* c->q[lo] <= p < c->q[hi] */
		int mid = (lo + hi) / 2;
		if (c->q[mid] <= p)
			lo = mid;
		else
			hi = mid;
	}
	double w = (p - c->q[lo]) / (c->q[hi] - c->q[lo]);
	return s[lo] + w * (s[hi] - s[lo]);
}

/* The index of threads's row in c: the largest thread count at or below it. */
static int thread_row(const struct calib *c, int threads)
{
	int t = 0;
	for (int i = 1; i < c->n_threads && c->threads[i] <= threads; i++)
		t = i;
	return t;
}

double calib_slowdown(const struct calib *c, int threads, double u, double p)
{
	int t = thread_row(c, threads);
	const double *row = c->slow + (size_t)t * (size_t)c->n_loads * (size_t)c->n_q;
	int l = 0;
	while (l + 1 < c->n_loads && c->loads[l + 1] <= u)
		l++;
	double a = cell_q(c, row + (size_t)l * (size_t)c->n_q, p);
	if (u <= c->loads[l] || l + 1 == c->n_loads)
		return a;
	double b = cell_q(c, row + (size_t)(l + 1) * (size_t)c->n_q, p);
	double w = (u - c->loads[l]) / (c->loads[l + 1] - c->loads[l]);
	return a + w * (b - a);
}

double calib_slowdown_of(const struct calib *c, int threads, double pass_ms, double u, double p)
{
	if (!c->n_pass)
		return calib_slowdown(c, threads, u, p);
	int a = -1, b = -1; /* the passes nearest in length below and above */
	double la = 0, lb = 0;
	for (int i = 0; i < c->n_pass; i++) {
		double l = c->pass_ms[i][thread_row(c->pass[i], threads)];
		if (l <= pass_ms && (a < 0 || l > la)) {
			a = i;
			la = l;
		}
		if (l >= pass_ms && (b < 0 || l < lb)) {
			b = i;
			lb = l;
		}
	}
	if (a < 0 || b < 0 || la == lb) {
		int i = a < 0 ? b : a;
		return calib_slowdown(c->pass[i], threads, u, p);
	}
	double w = log(pass_ms / la) / log(lb / la);
	double sa = calib_slowdown(c->pass[a], threads, u, p);
	return sa + w * (calib_slowdown(c->pass[b], threads, u, p) - sa);
}

/* ---- a cadence, per load level ---- */

int cadence_load(const char *path, struct cadence **out, struct errbuf *eb)
{
	int rc;
	struct cadence *k = calloc(1, sizeof *k);
	struct csvin *in = NULL;
	if (!k)
		return err_set(eb, ERR_NOMEM, "%s: out of memory", path);
	snprintf(k->path, sizeof k->path, "%s", path);
	if (!(in = csvin_open(path, eb))) {
		rc = eb ? eb->code : ERR_IO;
		goto fail;
	}
	if ((rc = load_shape_of(in, k->load_shape, sizeof k->load_shape, eb)) < 0)
		goto fail;
	int c_u = csvin_col(in, "util_other"); /* optional: a cadence without it is idle */
	int has0 = c_u < 0;
	long first = 0;
	k->n_loads = 1; /* loads[0] = 0 */
	while (c_u >= 0 && (rc = csvin_next(in, eb)) > 0) {
		double u;
		if ((rc = csvin_double_in(in, c_u, 0, 1, &u, eb)) < 0)
			goto fail;
		if (!first)
			first = csvin_line(in);
		has0 |= u == 0;
		int j = 0;
		while (j < k->n_loads && k->loads[j] < u)
			j++;
		if (j < k->n_loads && k->loads[j] == u)
			continue;
		if (k->n_loads == CALIB_MAX_LOADS) {
			rc = csvin_fail(in, eb, ERR_RANGE, "more than %d util_other levels",
					CALIB_MAX_LOADS);
			goto fail;
		}
		memmove(k->loads + j + 1, k->loads + j,
			(size_t)(k->n_loads - j) * sizeof k->loads[0]);
		k->loads[j] = u;
		k->n_loads++;
	}
	if (c_u >= 0 && rc < 0)
		goto fail;
	if (!has0 && first) {
		rc = err_set(eb, ERR_PARSE,
			     "%s:%ld: no rows at util_other 0: a pass's slowdown after a gap under "
			     "load is looked up beside the idle one, which is needed",
			     path, first);
		goto fail;
	}
	int c_pass = csvin_col(in, "pass"); /* optional: a cadence without it pools its passes */
	csvin_close(in);
	in = NULL;
	for (int i = 0; i < k->n_loads; i++) {
		const char *where = c_u >= 0 ? "util_other" : NULL;
		if (c_pass < 0) {
			rc = load_where(path, "gap_ms", 0, 60000, where, k->loads[i], NULL, 0,
					&k->at[i], eb);
		} else if (!(in = csvin_open(path, eb))) {
			rc = eb ? eb->code : ERR_IO;
		} else {
			rc = load_passes(path, in, c_pass, "gap_ms", 0, 60000, where, k->loads[i],
					 &k->at[i], eb);
			csvin_close(in);
			in = NULL;
		}
		if (rc < 0)
			goto fail;
	}
	snprintf(k->sha256, sizeof k->sha256, "%s", k->at[0]->sha256);
	*out = k;
	return 0;
fail:
	csvin_close(in);
	cadence_destroy(k);
	return rc < 0 ? rc : ERR_PARSE;
}

void cadence_destroy(struct cadence *c)
{
	if (!c)
		return;
	for (int i = 0; i < c->n_loads; i++)
		calib_destroy(c->at[i]);
	free(c);
}

/* A cell grid of the cadence at load 0: the pooled one, or its first pass's (a cadence
 * per pass has the same gaps and quantile levels in every pass, as the agent writes it). */
static const struct calib *grid0(const struct cadence *c)
{
	const struct calib *a = c->at[0];
	return a->n_pass ? a->pass[0] : a;
}

double cadence_gap_max_ms(const struct cadence *c)
{
	const struct calib *a = grid0(c);
	return a->loads[a->n_loads - 1];
}

double cadence_factor(const struct cadence *c, int threads, double pass_ms, double gap_ms,
		      double u, double p)
{
	int l = 0;
	while (l + 1 < c->n_loads && c->loads[l + 1] <= u)
		l++;
	double ag = calib_slowdown_of(c->at[l], threads, pass_ms, gap_ms, p);
	double a0 = calib_slowdown_of(c->at[l], threads, pass_ms, 0, p);
	if (u <= c->loads[l] || l + 1 == c->n_loads)
		return ag / a0;
	double bg = calib_slowdown_of(c->at[l + 1], threads, pass_ms, gap_ms, p);
	double b0 = calib_slowdown_of(c->at[l + 1], threads, pass_ms, 0, p);
	double w = (u - c->loads[l]) / (c->loads[l + 1] - c->loads[l]);
	return (ag + w * (bg - ag)) / (a0 + w * (b0 - a0));
}

double cadence_spread(const struct cadence *c, int threads, double pass_ms, double p)
{
	const struct calib *a = c->at[0];
	return calib_slowdown_of(a, threads, pass_ms, 0, p) /
	       calib_slowdown_of(a, threads, pass_ms, 0, 0.5);
}

double cadence_spread_mean(const struct cadence *c, int threads, double pass_ms)
{
	const struct calib *a = c->at[0], *g = grid0(c);
	double sum = 0; /* the quantile function is linear between the stored levels */
	for (int i = 0; i + 1 < g->n_q; i++)
		sum += (g->q[i + 1] - g->q[i]) *
		       (calib_slowdown_of(a, threads, pass_ms, 0, g->q[i]) +
			calib_slowdown_of(a, threads, pass_ms, 0, g->q[i + 1])) / 2;
	return sum / calib_slowdown_of(a, threads, pass_ms, 0, 0.5);
}

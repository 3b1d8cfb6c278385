/*
 * trace.c: the streaming trace reader (see trace.h). Columns are mapped once, from the
 * header, to a slot in struct trace_row; each row is then checked field by field.
 */
#include "trace.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvin.h"
#include "num.h"

enum slot { S_TIME, S_FREQ_ALL, S_FREQ, S_ONLINE, S_UTIL, S_UTIL_CL, S_MEM, S_BATTERY, S_TEMP, S_CHARGING, S_AMBIENT };

struct column {
	enum slot slot;
	int cluster;
};

struct trace {
	struct csvin *in;
	struct column *cols;
	int n_cols;
	uint32_t columns;
	int64_t last_t_ns;
	long n_rows;
	double max_freq[TRACE_MAX_CLUSTERS];
};

static const char known[] = "time_s, freq_mhz, freq_mhz.N, online.N, util_other, util_other.N, "
			    "mem_avail_mb, "
			    "battery_pct, temp_c, charging, ambient_c";

/* Cluster index from the text after a '.', or -1. */
static int cluster_suffix(const char *s)
{
	long v;
	if (!*s || num_long(s, &v) < 0 || v < 0 || v >= TRACE_MAX_CLUSTERS)
		return -1;
	return (int)v;
}

static int map_column(struct trace *t, int i, struct errbuf *eb)
{
	const char *name = csvin_col_name(t->in, i);
	struct column *c = &t->cols[i];
	c->cluster = -1;
	static const struct {
		const char *name;
		enum slot slot;
		uint32_t bit;
	} plain[] = {{"time_s", S_TIME, 0},
		     {"freq_mhz", S_FREQ_ALL, 0xffu},
		     {"util_other", S_UTIL, TRACE_UTIL},
		     {"mem_avail_mb", S_MEM, TRACE_MEM},
		     {"battery_pct", S_BATTERY, TRACE_BATTERY},
		     {"temp_c", S_TEMP, TRACE_TEMP},
		     {"charging", S_CHARGING, TRACE_CHARGING},
		     {"ambient_c", S_AMBIENT, TRACE_AMBIENT}};
	for (size_t k = 0; k < sizeof plain / sizeof plain[0]; k++)
		if (strcmp(name, plain[k].name) == 0) {
			c->slot = plain[k].slot;
			t->columns |= plain[k].bit;
			return 0;
		}
	if (strncmp(name, "freq_mhz.", 9) == 0 && (c->cluster = cluster_suffix(name + 9)) >= 0) {
		c->slot = S_FREQ;
		t->columns |= TRACE_FREQ0 << c->cluster;
		return 0;
	}
	if (strncmp(name, "util_other.", 11) == 0 &&
	    (c->cluster = cluster_suffix(name + 11)) >= 0) {
		c->slot = S_UTIL_CL;
		t->columns |= TRACE_UTIL0 << c->cluster;
		return 0;
	}
	if (strncmp(name, "online.", 7) == 0 && (c->cluster = cluster_suffix(name + 7)) >= 0) {
		c->slot = S_ONLINE;
		t->columns |= TRACE_ONLINE0 << c->cluster;
		return 0;
	}
	return err_set(eb, ERR_PARSE, "%s:%ld:%d: unknown column '%.64s' (known: %s; N = 0..%d)",
		       csvin_path(t->in), csvin_line(t->in), i + 1, name, known,
		       TRACE_MAX_CLUSTERS - 1);
}

static int read_meta(struct trace *t, struct errbuf *eb)
{
	for (int i = 0; i < csvin_n_meta(t->in); i++) {
		const char *k, *v;
		csvin_meta_at(t->in, i, &k, &v);
		if (strncmp(k, "max_freq_mhz", 12) != 0)
			continue;
		int cl = -1;
		if (k[12] == '.' && (cl = cluster_suffix(k + 13)) < 0)
			continue;
		if (k[12] != '.' && k[12] != '\0')
			continue;
		double f;
		if (num_double(v, &f) < 0 || f <= 0 || f > 20000)
			return err_set(eb, ERR_RANGE,
				       "%s:%ld: metadata %s: '%.32s' is not a frequency in MHz (0, 20000]",
				       csvin_path(t->in), csvin_meta_line(t->in, k), k, v);
		for (int c = 0; c < TRACE_MAX_CLUSTERS; c++)
			if (cl < 0 || c == cl)
				t->max_freq[c] = f;
	}
	return 0;
}

struct trace *trace_open(const char *path, struct errbuf *eb)
{
	return trace_open_hashed(path, NULL, eb);
}

int trace_hash_rest(struct trace *t, struct errbuf *eb) { return csvin_hash_rest(t->in, eb); }

struct trace *trace_open_hashed(const char *path, struct sha256 *h, struct errbuf *eb)
{
	struct trace *t = calloc(1, sizeof *t);
	if (!t) {
		err_set(eb, ERR_NOMEM, "%s: out of memory", path);
		return NULL;
	}
	t->in = csvin_open_hashed(path, h, eb);
	if (!t->in)
		goto fail;
	t->n_cols = csvin_n_cols(t->in);
	t->cols = calloc((size_t)t->n_cols, sizeof *t->cols);
	if (!t->cols) {
		err_set(eb, ERR_NOMEM, "%s: out of memory", path);
		goto fail;
	}
	int have_time = 0;
	for (int i = 0; i < t->n_cols; i++) {
		if (map_column(t, i, eb) < 0)
			goto fail;
		have_time |= t->cols[i].slot == S_TIME;
	}
	if (!have_time) {
		err_set(eb, ERR_PARSE, "%s:%ld: no time_s column", path, csvin_line(t->in));
		goto fail;
	}
	if (t->n_cols < 2) {
		err_set(eb, ERR_PARSE, "%s:%ld: no state column besides time_s (known: %s)", path,
			csvin_line(t->in), known);
		goto fail;
	}
	if (read_meta(t, eb) < 0)
		goto fail;
	t->last_t_ns = -1;
	return t;
fail:
	trace_close(t);
	return NULL;
}

void trace_close(struct trace *t)
{
	if (!t)
		return;
	csvin_close(t->in);
	free(t->cols);
	free(t);
}

const char *trace_path(const struct trace *t) { return csvin_path(t->in); }
uint32_t trace_columns(const struct trace *t) { return t->columns; }
const char *trace_meta(const struct trace *t, const char *key) { return csvin_meta(t->in, key); }

double trace_max_freq_mhz(const struct trace *t, int cluster)
{
	return cluster >= 0 && cluster < TRACE_MAX_CLUSTERS ? t->max_freq[cluster] : 0;
}

/* Reads field i as a number in [lo, hi] into *v; 0 when empty, 1 when read, <0 on error. */
static int field(struct trace *t, int i, double lo, double hi, double *v, struct errbuf *eb)
{
	int rc = csvin_double_opt(t->in, i, v, eb);
	if (rc <= 0)
		return rc;
	if (*v < lo || *v > hi)
		return err_set(eb, ERR_RANGE, "%s:%ld:%d: column '%s': %g is outside [%g, %g]",
			       csvin_path(t->in), csvin_line(t->in), i + 1,
			       csvin_col_name(t->in, i), *v, lo, hi);
	return 1;
}

int trace_next(struct trace *t, struct trace_row *row, struct errbuf *eb)
{
	int rc = csvin_next(t->in, eb);
	if (rc <= 0) {
		if (rc == 0 && t->n_rows == 0)
			return err_set(eb, ERR_PARSE, "%s:%ld: no data rows after the header",
				       csvin_path(t->in), csvin_line(t->in));
		return rc;
	}
	row->set = 0;
	for (int i = 0; i < t->n_cols; i++) {
		const struct column *c = &t->cols[i];
		double v;
		switch (c->slot) {
		case S_TIME:
			if ((rc = field(t, i, 0, 1e9, &v, eb)) < 0)
				return rc;
			if (rc == 0)
				return csvin_fail(t->in, eb, ERR_PARSE, "time_s is empty");
			row->t_ns = llround(v * 1e9);
			if (row->t_ns < t->last_t_ns)
				return csvin_fail(t->in, eb, ERR_RANGE,
						  "time goes backwards (%.9g s after %.9g s)", v,
						  (double)t->last_t_ns / 1e9);
			break;
		case S_FREQ_ALL:
		case S_FREQ:
			if ((rc = field(t, i, 1, 20000, &v, eb)) < 0)
				return rc;
			if (rc == 0)
				break;
			for (int k = 0; k < TRACE_MAX_CLUSTERS; k++)
				if (c->slot == S_FREQ_ALL || k == c->cluster) {
					row->freq_mhz[k] = v;
					row->set |= TRACE_FREQ0 << k;
				}
			break;
		case S_ONLINE:
			if ((rc = field(t, i, 0, 1024, &v, eb)) < 0)
				return rc;
			if (rc && v != floor(v))
				return csvin_fail(t->in, eb, ERR_RANGE,
						  "online.%d: %g is not a whole number of cores",
						  c->cluster, v);
			if (rc) {
				row->online[c->cluster] = (int)v;
				row->set |= TRACE_ONLINE0 << c->cluster;
			}
			break;
		case S_UTIL:
			if ((rc = field(t, i, 0, 1, &row->util_other, eb)) < 0)
				return rc;
			row->set |= rc ? TRACE_UTIL : 0;
			break;
		case S_UTIL_CL:
			if ((rc = field(t, i, 0, 1, &row->util_cluster[c->cluster], eb)) < 0)
				return rc;
			row->set |= rc ? TRACE_UTIL0 << c->cluster : 0;
			break;
		case S_MEM:
			if ((rc = field(t, i, 0, 1e8, &row->mem_avail_mb, eb)) < 0)
				return rc;
			row->set |= rc ? TRACE_MEM : 0;
			break;
		case S_BATTERY:
			if ((rc = field(t, i, 0, 100, &row->battery_pct, eb)) < 0)
				return rc;
			row->set |= rc ? TRACE_BATTERY : 0;
			break;
		case S_TEMP:
			if ((rc = field(t, i, -100, 200, &row->temp_c, eb)) < 0)
				return rc;
			row->set |= rc ? TRACE_TEMP : 0;
			break;
		case S_AMBIENT:
			if ((rc = field(t, i, -60, 80, &row->ambient_c, eb)) < 0)
				return rc;
			row->set |= rc ? TRACE_AMBIENT : 0;
			break;
		case S_CHARGING:
			if ((rc = field(t, i, 0, 1, &v, eb)) < 0)
				return rc;
			if (rc && v != 0 && v != 1)
				return csvin_fail(t->in, eb, ERR_RANGE, "charging must be 0 or 1");
			if (rc) {
				row->charging = (int)v;
				row->set |= TRACE_CHARGING;
			}
			break;
		}
	}
	t->last_t_ns = row->t_ns;
	t->n_rows++;
	return 1;
}

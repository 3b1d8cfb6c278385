/*
 * import_ftrace.c: `trace import --from ftrace` (see timport.h): kernel trace events, as
 * `trace-cmd report` prints them or as a CSV export (time_s, event, name, value1, value2).
 * cpu_frequency and cpu_load give freq_mhz.N per cluster (--clusters), cpu_load gives
 * util_other, thermal_temperature of one zone gives temp_c; other events are counted. The
 * events are read whole, ordered by time, and written as a row per change or resampled
 * every --interval-ms. Not for any event's meaning beyond the mapping in docs/traces.md.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "csvin.h"
#include "num.h"
#include "timportint.h"
#include "trace.h"

/* EV_OTHER: an event no column takes, counted in # events_ignored: and not kept. */
enum ev_kind { EV_OTHER, EV_FREQ, EV_LOAD, EV_TEMP };

struct ev {
	int64_t t_ns;
	long line;
	int kind;
	int cpu;         /* EV_FREQ, EV_LOAD */
	int zone;        /* EV_TEMP: index into the zone names */
	double freq_mhz; /* EV_FREQ; EV_LOAD when it carries one (else -1) */
	double load;     /* EV_LOAD: 0..1 */
	double temp_c;   /* EV_TEMP */
};

#define FT_MAX_NAMES 32

struct ftrace {
	const struct timport_opts *o;
	struct ev *ev;
	long n_ev, cap_ev;
	int64_t t0_ns, end_ns;         /* first and last timestamp of any event line */
	int have_t0;
	int n_cpus_hdr;              /* "cpus=N" of trace-cmd's header, 0 when absent */
	int max_cpu;                 /* highest CPU in an event */
	char zones[FT_MAX_NAMES][64];
	int n_zones;
	char ignored[FT_MAX_NAMES][48];
	long ignored_n[FT_MAX_NAMES];
	int n_ignored;
	long n_freq, n_load, n_temp;
	const char *path;
};

static void ft_ignore(struct ftrace *ft, const char *name)
{
	for (int i = 0; i < ft->n_ignored; i++)
		if (strcmp(ft->ignored[i], name) == 0) {
			ft->ignored_n[i]++;
			return;
		}
	if (ft->n_ignored < FT_MAX_NAMES) {
		snprintf(ft->ignored[ft->n_ignored], sizeof ft->ignored[0], "%s", name);
		ft->ignored_n[ft->n_ignored++] = 1;
	}
}

/* Keeps the event e of the line, or counts the line's event name when e is EV_OTHER. */
static int ft_add(struct ftrace *ft, const struct ev *e, const char *event, struct errbuf *eb)
{
	if (e->kind == EV_OTHER) {
		ft_ignore(ft, event);
		return 0;
	}
	if (ft->n_ev == ft->cap_ev) {
		long cap = ft->cap_ev ? 2 * ft->cap_ev : 1024;
		struct ev *v = realloc(ft->ev, (size_t)cap * sizeof *v);
		if (!v)
			return err_set(eb, ERR_NOMEM, "%s: out of memory", ft->path);
		ft->ev = v;
		ft->cap_ev = cap;
	}
	ft->ev[ft->n_ev++] = *e;
	if ((e->kind == EV_FREQ || e->kind == EV_LOAD) && e->cpu > ft->max_cpu)
		ft->max_cpu = e->cpu;
	if (e->kind == EV_FREQ)
		ft->n_freq++;
	else if (e->kind == EV_LOAD)
		ft->n_load++;
	else if (e->kind == EV_TEMP)
		ft->n_temp++;
	return 0;
}

static int ft_zone(struct ftrace *ft, const char *name, long line, struct errbuf *eb)
{
	for (int i = 0; i < ft->n_zones; i++)
		if (strcmp(ft->zones[i], name) == 0)
			return i;
	if (ft->n_zones == FT_MAX_NAMES)
		return err_set(eb, ERR_RANGE, "%s:%ld: more than %d thermal zones", ft->path, line,
			       FT_MAX_NAMES);
	snprintf(ft->zones[ft->n_zones], sizeof ft->zones[0], "%s", name);
	return ft->n_zones++;
}

static int ft_time(struct ftrace *ft, double t_s, long line, struct ev *e, struct errbuf *eb)
{
	if (!(t_s >= 0) || t_s > 1e9)
		return err_set(eb, ERR_RANGE, "%s:%ld: timestamp %g is outside [0, 1e9] s", ft->path,
			       line, t_s);
	e->t_ns = llround(t_s * 1e9);
	e->line = line;
	if (!ft->have_t0 || e->t_ns < ft->t0_ns)
		ft->t0_ns = e->t_ns;
	if (!ft->have_t0 || e->t_ns > ft->end_ns)
		ft->end_ns = e->t_ns;
	ft->have_t0 = 1;
	return 0;
}

static int ft_cpu(struct ftrace *ft, const char *s, long line, int *cpu, struct errbuf *eb)
{
	long v;
	if (num_long(s, &v) < 0 || v < 0 || v >= TIMPORT_MAX_CPUS)
		return err_set(eb, ERR_RANGE, "%s:%ld: CPU '%.16s' is not a number in 0..%d",
			       ft->path, line, s, TIMPORT_MAX_CPUS - 1);
	*cpu = (int)v;
	return 0;
}

static int ft_khz(struct ftrace *ft, const char *s, long line, double *mhz, struct errbuf *eb)
{
	double v;
	if (num_double(s, &v) < 0 || v <= 0 || v / 1000.0 > 20000)
		return err_set(eb, ERR_RANGE, "%s:%ld: frequency '%.24s' kHz is outside (0, 20000] MHz",
			       ft->path, line, s);
	*mhz = v / 1000.0;
	return 0;
}

static int ft_load(struct ftrace *ft, const char *s, long line, double *load, struct errbuf *eb)
{
	double v;
	if (num_double(s, &v) < 0 || v < 0 || v > 100)
		return err_set(eb, ERR_RANGE, "%s:%ld: load '%.24s' is not a percentage in 0..100",
			       ft->path, line, s);
	*load = v / 100.0;
	return 0;
}

/* A thermal_temperature event: zone's temperature from the m°C text s. */
static int ft_temp(struct ftrace *ft, const char *zone, const char *s, long line, struct ev *e,
		   struct errbuf *eb)
{
	int z = ft_zone(ft, zone, line, eb);
	if (z < 0)
		return z;
	double v;
	if (num_double(s, &v) < 0 || v / 1000.0 < -100 || v / 1000.0 > 200)
		return err_set(eb, ERR_RANGE,
			       "%s:%ld: temperature '%.24s' m°C is outside [-100, 200] C", ft->path,
			       line, s);
	e->kind = EV_TEMP;
	e->zone = z;
	e->temp_c = v / 1000.0;
	return 0;
}

/* The input, read as text; NULL with eb set when it cannot be opened. */
static FILE *ft_open(const char *path, struct errbuf *eb)
{
	FILE *f = fopen(path, "r");
	if (!f)
		err_set(eb, errno == ENOENT ? ERR_NOTFOUND : ERR_IO, "%s: cannot open: %s", path,
			strerror(errno));
	return f;
}

/* The CSV export: time_s,event,name,value1,value2. */
static int ft_read_csv(struct ftrace *ft, struct errbuf *eb)
{
	struct csvin *c = csvin_open(ft->path, eb);
	if (!c)
		return eb->code;
	int rc, ct = -1, cev = -1, cname = -1, c1 = -1, c2 = -1;
	if ((ct = csvin_require_col(c, "time_s", eb)) < 0 ||
	    (cev = csvin_require_col(c, "event", eb)) < 0 ||
	    (cname = csvin_require_col(c, "name", eb)) < 0 ||
	    (c1 = csvin_require_col(c, "value1", eb)) < 0) {
		rc = eb->code;
		goto done;
	}
	c2 = csvin_col(c, "value2");
	while ((rc = csvin_next(c, eb)) == 1) {
		long line = csvin_line(c);
		const char *event = csvin_field(c, cev), *name = csvin_field(c, cname);
		const char *v1 = csvin_field(c, c1), *v2 = c2 >= 0 ? csvin_field(c, c2) : "";
		struct ev e;
		double t;
		memset(&e, 0, sizeof e);
		if ((rc = csvin_double(c, ct, &t, eb)) < 0 || (rc = ft_time(ft, t, line, &e, eb)) < 0)
			goto done;
		int is_freq = strcmp(event, "cpu_frequency") == 0;
		int is_load = strcmp(event, "cpu_load") == 0;
		if (is_freq || is_load) {
			if (strncmp(name, "cpu", 3) != 0) {
				rc = csvin_fail(c, eb, ERR_PARSE, "%s: name '%.32s' is not cpuN", event,
						name);
				goto done;
			}
			if ((rc = ft_cpu(ft, name + 3, line, &e.cpu, eb)) < 0)
				goto done;
			e.kind = is_freq ? EV_FREQ : EV_LOAD;
			e.freq_mhz = -1;
			if ((is_freq || *v1) && (rc = ft_khz(ft, v1, line, &e.freq_mhz, eb)) < 0)
				goto done;
			if (is_load) {
				if (!*v2) {
					rc = csvin_fail(c, eb, ERR_PARSE, "cpu_load without a load (value2)");
					goto done;
				}
				if ((rc = ft_load(ft, v2, line, &e.load, eb)) < 0)
					goto done;
			}
		} else if (strcmp(event, "thermal_temperature") == 0) {
			if ((rc = ft_temp(ft, name, v1, line, &e, eb)) < 0)
				goto done;
		}
		if ((rc = ft_add(ft, &e, event, eb)) < 0)
			goto done;
	}
done:
	csvin_close(c);
	return rc < 0 ? rc : 0;
}

/* The value of key=VALUE in an event's text (fields separated by spaces), or NULL. */
static const char *kv_get(const char *text, const char *key, char *out, size_t len)
{
	size_t n = strlen(key);
	for (const char *p = text; (p = strstr(p, key)) != NULL; p += n) {
		if ((p != text && p[-1] != ' ') || p[n] != '=')
			continue;
		const char *v = p + n + 1;
		size_t m = strcspn(v, " \t");
		if (m >= len)
			m = len - 1;
		memcpy(out, v, m);
		out[m] = '\0';
		return out;
	}
	return NULL;
}

/*
 * Splits a trace-cmd report line "COMM-PID [CPU] [FLAGS] SECONDS: EVENT: FIELDS". Returns
 * 1 with the parts, 0 for lines that are not events (headers, "CPU 3 is empty").
 */
static int ft_split(char *s, double *t, char **event, char **fields)
{
	char *p = s;
	for (;;) { /* the CPU column: '[' digits ']' followed by a blank */
		p = strchr(p, '[');
		if (!p)
			return 0;
		char *q = p + 1;
		while (*q >= '0' && *q <= '9')
			q++;
		if (q > p + 1 && *q == ']' && (q[1] == ' ' || q[1] == '\t')) {
			p = q + 1;
			break;
		}
		p++;
	}
	for (int tries = 0; tries < 2; tries++) {
		while (*p == ' ' || *p == '\t')
			p++;
		char *end = p + strcspn(p, " \t");
		if (end > p && end[-1] == ':') {
			end[-1] = '\0';
			if (num_double(p, t) == 0) {
				p = end;
				goto event;
			}
			end[-1] = ':';
		}
		p = end; /* a flags column such as "d..2" */
	}
	return 0;
event:
	while (*p == ' ' || *p == '\t')
		p++;
	char *end = p + strcspn(p, " \t");
	if (end == p || end[-1] != ':')
		return 0;
	end[-1] = '\0';
	*event = p;
	p = *end ? end + 1 : end;
	while (*p == ' ' || *p == '\t')
		p++;
	*fields = p;
	return 1;
}

static int ft_read_text(struct ftrace *ft, struct errbuf *eb)
{
	FILE *f = ft_open(ft->path, eb);
	if (!f)
		return eb->code;
	char *buf = NULL;
	size_t cap = 0;
	long line = 0;
	int rc = 0;
	ssize_t n;
	while ((n = getline(&buf, &cap, f)) >= 0) {
		line++;
		while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
			buf[--n] = '\0';
		if (strncmp(buf, "cpus=", 5) == 0) {
			long v;
			if (num_long(buf + 5, &v) == 0 && v > 0 && v <= TIMPORT_MAX_CPUS)
				ft->n_cpus_hdr = (int)v;
			continue;
		}
		double t;
		char *event, *fields;
		if (buf[0] == '#' || !ft_split(buf, &t, &event, &fields))
			continue;
		struct ev e;
		memset(&e, 0, sizeof e);
		if ((rc = ft_time(ft, t, line, &e, eb)) < 0)
			goto done;
		char v[128], w[128];
		if (strcmp(event, "cpu_frequency") == 0) {
			if (!kv_get(fields, "state", v, sizeof v) ||
			    !kv_get(fields, "cpu_id", w, sizeof w)) {
				rc = err_set(eb, ERR_PARSE, "%s:%ld: cpu_frequency without state= and "
							    "cpu_id=",
					     ft->path, line);
				goto done;
			}
			e.kind = EV_FREQ;
			if ((rc = ft_khz(ft, v, line, &e.freq_mhz, eb)) < 0 ||
			    (rc = ft_cpu(ft, w, line, &e.cpu, eb)) < 0)
				goto done;
		} else if (strcmp(event, "cpu_load") == 0) {
			if (!kv_get(fields, "cpu_id", w, sizeof w) && !kv_get(fields, "cpu", w, sizeof w)) {
				rc = err_set(eb, ERR_PARSE, "%s:%ld: cpu_load without cpu= or cpu_id=",
					     ft->path, line);
				goto done;
			}
			if (!kv_get(fields, "load", v, sizeof v)) {
				rc = err_set(eb, ERR_PARSE, "%s:%ld: cpu_load without load=", ft->path,
					     line);
				goto done;
			}
			e.kind = EV_LOAD;
			e.freq_mhz = -1;
			if ((rc = ft_cpu(ft, w, line, &e.cpu, eb)) < 0 ||
			    (rc = ft_load(ft, v, line, &e.load, eb)) < 0)
				goto done;
			if ((kv_get(fields, "cur_freq", v, sizeof v) || kv_get(fields, "freq", v, sizeof v)) &&
			    (rc = ft_khz(ft, v, line, &e.freq_mhz, eb)) < 0)
				goto done;
		} else if (strcmp(event, "thermal_temperature") == 0) {
			if (!kv_get(fields, "temp", v, sizeof v)) {
				rc = err_set(eb, ERR_PARSE, "%s:%ld: thermal_temperature without temp=",
					     ft->path, line);
				goto done;
			}
			if (!kv_get(fields, "thermal_zone", w, sizeof w)) {
				char id[64];
				snprintf(w, sizeof w, "zone%s", kv_get(fields, "id", id, sizeof id) ? id : "?");
			}
			if ((rc = ft_temp(ft, w, v, line, &e, eb)) < 0)
				goto done;
		}
		if ((rc = ft_add(ft, &e, event, eb)) < 0)
			goto done;
	}
	if (ferror(f))
		rc = err_set(eb, ERR_IO, "%s:%ld: read error", ft->path, line + 1);
done:
	free(buf);
	fclose(f);
	return rc < 0 ? rc : 0;
}

/* Whether the input is the CSV export: its first content line is a header with event. */
static int ft_is_csv(const char *path, struct errbuf *eb)
{
	FILE *f = ft_open(path, eb);
	if (!f)
		return eb->code;
	char line[512];
	int csv = 0;
	while (fgets(line, sizeof line, f)) {
		char *s = line;
		if ((unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB &&
		    (unsigned char)s[2] == 0xBF)
			s += 3;
		s += strspn(s, " \t");
		if (*s == '#' || *s == '\n' || *s == '\r' || *s == '\0')
			continue;
		csv = strncmp(s, "time_s,", 7) == 0 && strstr(s, ",event") != NULL;
		break;
	}
	fclose(f);
	return csv;
}

/* "0-3,4-7" into cluster_of[cpu]; returns the number of clusters. */
static int ft_clusters(const char *spec, int *cluster_of, int *n_cpus, struct errbuf *eb)
{
	for (int i = 0; i < TIMPORT_MAX_CPUS; i++)
		cluster_of[i] = -1;
	int n = 0;
	*n_cpus = 0;
	const char *p = spec;
	while (*p) {
		if (n == TRACE_MAX_CLUSTERS)
			return err_set(eb, ERR_USAGE, "--clusters '%.64s': more than %d clusters", spec,
				       TRACE_MAX_CLUSTERS);
		char item[64];
		size_t m = strcspn(p, ",");
		if (m == 0 || m >= sizeof item)
			return err_set(eb, ERR_USAGE, "--clusters '%.64s': give CPU ranges such as "
						      "0-3,4-7",
				       spec);
		memcpy(item, p, m);
		item[m] = '\0';
		long a, b;
		char *dash = strchr(item, '-');
		if (dash)
			*dash = '\0';
		if (num_long(item, &a) < 0 || (dash ? num_long(dash + 1, &b) : (b = a, 0)) < 0 ||
		    a < 0 || b < a || b >= TIMPORT_MAX_CPUS)
			return err_set(eb, ERR_USAGE, "--clusters '%.64s': '%.*s' is not a CPU range "
						      "(0..%d)",
				       spec, (int)m, p, TIMPORT_MAX_CPUS - 1);
		for (long c = a; c <= b; c++) {
			if (cluster_of[c] >= 0)
				return err_set(eb, ERR_USAGE, "--clusters '%.64s': CPU %ld is in two "
							      "clusters",
					       spec, c);
			cluster_of[c] = n;
			if (c + 1 > *n_cpus)
				*n_cpus = (int)c + 1;
		}
		n++;
		p += m;
		if (*p == ',')
			p++;
	}
	if (n == 0)
		return err_set(eb, ERR_USAGE, "--clusters is empty");
	return n;
}

static int cmp_ev(const void *a, const void *b)
{
	const struct ev *x = a, *y = b;
	if (x->t_ns != y->t_ns)
		return x->t_ns < y->t_ns ? -1 : 1;
	return (x->line > y->line) - (x->line < y->line);
}

struct ft_state {
	double freq[TRACE_MAX_CLUSTERS]; /* -1 until known */
	double load[TIMPORT_MAX_CPUS];
	int any_load;
	double temp;
	int any_temp;
};

static void ft_apply(struct ft_state *st, const struct ev *e, const int *cluster_of, int zone)
{
	if ((e->kind == EV_FREQ || e->kind == EV_LOAD) && e->freq_mhz > 0)
		st->freq[cluster_of[e->cpu]] = e->freq_mhz;
	if (e->kind == EV_LOAD) {
		st->load[e->cpu] = e->load;
		st->any_load = 1;
	}
	if (e->kind == EV_TEMP && e->zone == zone) {
		st->temp = e->temp_c;
		st->any_temp = 1;
	}
}

/* The row's fields after time_s, into buf. */
static void ft_fields(const struct ft_state *st, const int *has_freq, int n_cl, int has_util,
		      int has_temp, const int *cluster_of, int n_cpus, char *buf, size_t len)
{
	size_t o = 0;
	char num[32];
	buf[0] = '\0';
	for (int c = 0; c < n_cl; c++) {
		if (!has_freq[c])
			continue;
		num[0] = '\0';
		if (st->freq[c] > 0)
			num_exact(num, st->freq[c]);
		o += (size_t)snprintf(buf + o, len - o, ",%s", num);
	}
	if (has_util) {
		num[0] = '\0';
		if (st->any_load) {
			double sum = 0;
			int n = 0;
			for (int i = 0; i < n_cpus; i++)
				if (cluster_of[i] >= 0) {
					sum += st->load[i];
					n++;
				}
			num_exact(num, n ? round(sum / n * 1e4) / 1e4 : 0);
		}
		o += (size_t)snprintf(buf + o, len - o, ",%s", num);
	}
	if (has_temp) {
		num[0] = '\0';
		if (st->any_temp)
			num_exact(num, st->temp);
		snprintf(buf + o, len - o, ",%s", num);
	}
}

static int ft_write(struct ftrace *ft, const struct istage_prov *p, const int *cluster_of, int n_cl,
		    int n_cpus, const double *max_freq, struct istage *s, struct errbuf *eb)
{
	const struct timport_opts *o = ft->o;
	int zone = -1;
	if (o->zone) {
		for (int i = 0; i < ft->n_zones; i++)
			if (strcmp(ft->zones[i], o->zone) == 0)
				zone = i;
		if (zone < 0)
			return err_set(eb, ERR_NOTFOUND, "%s: no thermal_temperature events of zone "
							 "'%.64s'",
				       ft->path, o->zone);
	} else if (ft->n_zones > 0) {
		zone = 0;
		for (long i = 0; i < ft->n_ev; i++) /* the zone of the first event in time */
			if (ft->ev[i].kind == EV_TEMP) {
				zone = ft->ev[i].zone;
				break;
			}
	}
	int has_freq[TRACE_MAX_CLUSTERS] = {0}, has_util = ft->n_load > 0, has_temp = zone >= 0;
	int any_freq = 0;
	for (long i = 0; i < ft->n_ev; i++) {
		const struct ev *e = &ft->ev[i];
		if ((e->kind == EV_FREQ || e->kind == EV_LOAD) && cluster_of[e->cpu] < 0)
			return err_set(eb, ERR_RANGE, "%s:%ld: CPU %d is in no cluster of --clusters "
						      "%s",
				       ft->path, e->line, e->cpu, o->clusters ? o->clusters : "");
		if ((e->kind == EV_FREQ || e->kind == EV_LOAD) && e->freq_mhz > 0)
			any_freq = has_freq[cluster_of[e->cpu]] = 1;
	}
	if (!any_freq && !has_util && !has_temp)
		return err_set(eb, ERR_PARSE, "%s: no cpu_frequency, cpu_load or thermal_temperature "
					      "events",
			       ft->path);
	FILE *f = istage_open(o, s, NULL, eb);
	if (!f)
		return eb->code;
	int ok = istage_prov_write(f, p) == 0;
	char num[32];
	num_exact(num, (double)ft->t0_ns / 1e9);
	ok &= fprintf(f, "# time_origin_s: %s (the input's timestamp of time_s 0)\n", num) > 0;
	ok &= fprintf(f, "# clusters:") > 0;
	for (int c = 0; c < n_cl; c++) {
		int first = -1, last = -1;
		ok &= fprintf(f, "%s", c ? ";" : "") >= 0;
		for (int i = 0; i < n_cpus; i++)
			if (cluster_of[i] == c) {
				if (first >= 0 && i == last + 1) {
					last = i;
					continue;
				}
				if (first >= 0)
					ok &= fprintf(f, first == last ? " %d" : " %d-%d", first, last) > 0;
				first = last = i;
			}
		if (first >= 0)
			ok &= fprintf(f, first == last ? " %d" : " %d-%d", first, last) > 0;
		ok &= fprintf(f, " (freq_mhz.%d)", c) > 0;
	}
	ok &= fputc('\n', f) != EOF;
	for (int c = 0; max_freq && c < n_cl; c++) {
		num_exact(num, max_freq[c]);
		ok &= fprintf(f, "# max_freq_mhz.%d: %s\n", c, num) > 0;
	}
	if (!max_freq && any_freq)
		ok &= fprintf(f, "# note: no --max-freq-mhz: frequencies replay as absolute MHz\n") > 0;
	if (has_temp)
		ok &= fprintf(f, "# thermal_zone: %s\n", ft->zones[zone]) > 0;
	if (o->interval_ms > 0)
		ok &= fprintf(f, "# sampling: every %d ms (the latest event values at each time)\n",
			      o->interval_ms) > 0;
	else
		ok &= fprintf(f, "# sampling: events\n") > 0;
	ok &= fprintf(f, "# events_used: cpu_frequency %ld, cpu_load %ld, thermal_temperature %ld\n",
		      ft->n_freq, ft->n_load, ft->n_temp) > 0;
	if (ft->n_ignored) {
		ok &= fprintf(f, "# events_ignored:") > 0;
		for (int i = 0; i < ft->n_ignored; i++)
			ok &= fprintf(f, "%s %s %ld", i ? "," : "", ft->ignored[i], ft->ignored_n[i]) > 0;
		ok &= fputc('\n', f) != EOF;
	}
	ok &= fprintf(f, "time_s") > 0;
	for (int c = 0; c < n_cl; c++)
		if (has_freq[c])
			ok &= fprintf(f, ",freq_mhz.%d", c) > 0;
	if (has_util)
		ok &= fprintf(f, ",util_other") > 0;
	if (has_temp)
		ok &= fprintf(f, ",temp_c") > 0;
	ok &= fputc('\n', f) != EOF;

	struct ft_state *st = calloc(1, sizeof *st);
	if (!st)
		return err_set(eb, ERR_NOMEM, "out of memory");
	for (int c = 0; c < TRACE_MAX_CLUSTERS; c++)
		st->freq[c] = -1;
	char cur[1024], last[1024] = "";
	long rows = 0;
	if (o->interval_ms > 0) {
		int64_t step = (int64_t)o->interval_ms * 1000000;
		int64_t end = ft->end_ns - ft->t0_ns;
		long i = 0;
		for (int64_t g = 0; g <= end; g += step) {
			while (i < ft->n_ev && ft->ev[i].t_ns - ft->t0_ns <= g)
				ft_apply(st, &ft->ev[i++], cluster_of, zone);
			ft_fields(st, has_freq, n_cl, has_util, has_temp, cluster_of, n_cpus, cur,
				  sizeof cur);
			num_exact(num, (double)g / 1e9);
			ok &= fprintf(f, "%s%s\n", num, cur) > 0;
			rows++;
		}
	} else {
		/* a row wherever the state changed, and one at the last event line (mapped or
		   not): the trace lasts as long as the recording */
		int64_t written_ns = -1;
		for (long i = 0; i < ft->n_ev;) {
			int64_t t_ns = ft->ev[i].t_ns;
			while (i < ft->n_ev && ft->ev[i].t_ns == t_ns)
				ft_apply(st, &ft->ev[i++], cluster_of, zone);
			ft_fields(st, has_freq, n_cl, has_util, has_temp, cluster_of, n_cpus, cur,
				  sizeof cur);
			if (rows > 0 && strcmp(cur, last) == 0)
				continue;
			num_exact(num, (double)(t_ns - ft->t0_ns) / 1e9);
			ok &= fprintf(f, "%s%s\n", num, cur) > 0;
			memcpy(last, cur, sizeof last);
			written_ns = t_ns;
			rows++;
		}
		if (written_ns < ft->end_ns) {
			num_exact(num, (double)(ft->end_ns - ft->t0_ns) / 1e9);
			ok &= fprintf(f, "%s%s\n", num, last) > 0;
			rows++;
		}
	}
	free(st);
	return istage_end(s, rows, ok, eb);
}

static int import_ftrace(const struct timport_opts *o, struct istage *s, FILE *log,
			 struct errbuf *eb)
{
	(void)log; /* nothing to warn about: what is not mapped is counted in the trace */
	struct ftrace ft;
	memset(&ft, 0, sizeof ft);
	ft.o = o;
	ft.path = o->in;
	ft.max_cpu = -1;
	int cluster_of[TIMPORT_MAX_CPUS];
	double max_freq[TRACE_MAX_CLUSTERS];
	int n_cl = 1, n_cpus = 0, rc;
	struct istage_prov p;
	struct csvin *meta = NULL;
	if (o->interval_ms < 0)
		return err_set(eb, ERR_USAGE, "--interval-ms must be positive");
	if (o->clusters && (n_cl = ft_clusters(o->clusters, cluster_of, &n_cpus, eb)) < 0)
		return n_cl;
	if (o->max_freq) {
		const char *q = o->max_freq;
		for (int c = 0; c < n_cl; c++) {
			char item[64];
			size_t m = strcspn(q, ",");
			if (m == 0 || m >= sizeof item)
				return err_set(eb, ERR_USAGE, "--max-freq-mhz '%.64s': give one MHz value "
							      "per cluster (%d)",
					       o->max_freq, n_cl);
			memcpy(item, q, m);
			item[m] = '\0';
			if (num_double(item, &max_freq[c]) < 0 || max_freq[c] <= 0 ||
			    max_freq[c] > 20000)
				return err_set(eb, ERR_USAGE, "--max-freq-mhz: '%s' is not a frequency in "
							      "(0, 20000] MHz",
					       item);
			q += m;
			if (*q == ',')
				q++;
			else if (c + 1 < n_cl)
				return err_set(eb, ERR_USAGE, "--max-freq-mhz '%.64s': %d values for %d "
							      "clusters",
					       o->max_freq, c + 1, n_cl);
		}
		if (*q)
			return err_set(eb, ERR_USAGE, "--max-freq-mhz '%.64s': more values than the "
						      "%d clusters",
				       o->max_freq, n_cl);
	}
	int csv = ft_is_csv(o->in, eb);
	if (csv < 0)
		return csv;
	if (csv && !(meta = csvin_open(o->in, eb)))
		return eb->code;
	char fallback[600];
	snprintf(fallback, sizeof fallback, "ftrace events (%s), no source line in the input",
		 csv ? "CSV export" : "trace-cmd report text");
	rc = istage_prov_init(&p, o, meta, fallback, eb);
	csvin_close(meta);
	if (rc < 0)
		return rc;
	if ((rc = csv ? ft_read_csv(&ft, eb) : ft_read_text(&ft, eb)) < 0)
		goto done;
	if (ft.n_ev == 0) {
		rc = err_set(eb, ERR_PARSE, "%s: no cpu_frequency, cpu_load or thermal_temperature "
					    "events",
			     o->in);
		goto done;
	}
	qsort(ft.ev, (size_t)ft.n_ev, sizeof *ft.ev, cmp_ev);
	if (!o->clusters) { /* one cluster: every CPU of the header, or every CPU seen */
		n_cpus = ft.n_cpus_hdr > ft.max_cpu + 1 ? ft.n_cpus_hdr : ft.max_cpu + 1;
		for (int i = 0; i < TIMPORT_MAX_CPUS; i++)
			cluster_of[i] = i < n_cpus ? 0 : -1;
	}
	rc = ft_write(&ft, &p, cluster_of, n_cl, n_cpus, o->max_freq ? max_freq : NULL, s, eb);
done:
	free(ft.ev);
	return rc;
}

const struct timport_format timport_ftrace = {
	"ftrace",
	"`trace-cmd report` text or its CSV export: CPU frequency and load, one thermal zone",
	TIMPORT_TAKES_EVENTS,
	import_ftrace,
};

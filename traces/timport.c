/*
 * timport.c: the importers of `trace import` (see timport.h). Each reads its input once
 * (the agent importer twice: check, then copy), stages every output with afile.h and
 * commits them all only when the whole input converted without error. Values are checked
 * against the trace format's ranges as they are converted, and errors name the input's
 * file:line. Not for any format's meaning beyond the mapping documented in
 * docs/traces.md.
 */
#include "timport.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "csvin.h"
#include "num.h"
#include "sha256.h"
#include "tcheck.h"
#include "afile.h"
#include "trace.h"

#define META_LEN 1024

void timport_opts_default(struct timport_opts *o) { memset(o, 0, sizeof *o); }

const char *timport_formats(void) { return "stressberry, ftrace, agent"; }

/* ---- provenance --------------------------------------------------------------------- */

/* Copies s into out as one metadata value: control characters become spaces. */
static void meta_clean(char *out, size_t len, const char *s)
{
	size_t o = 0;
	for (; s && *s && o + 1 < len; s++)
		out[o++] = (unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s;
	out[o] = '\0';
}

/* Appends s as one shell word: as is when plain, else single-quoted. */
static void shell_word(char *buf, size_t len, const char *s)
{
	size_t n = strlen(buf);
	int plain = *s != '\0';
	for (const char *p = s; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:=,+-@%",
			    *p))
			plain = 0;
	if (plain) {
		snprintf(buf + n, len - n, " %s", s);
		return;
	}
	if (n + 2 < len) {
		buf[n++] = ' ';
		buf[n++] = '\'';
	}
	for (const char *p = s; *p && n + 5 < len; p++) {
		if (*p == '\'') {
			memcpy(buf + n, "'\\''", 4);
			n += 4;
		} else {
			buf[n++] = (unsigned char)*p < 0x20 ? ' ' : *p;
		}
	}
	if (n + 1 < len)
		buf[n++] = '\'';
	buf[n < len ? n : len - 1] = '\0';
}

/* The import command, without its output options. */
static void imported_by(const struct timport_opts *o, char *buf, size_t len)
{
	snprintf(buf, len, "adascale trace import --from");
	shell_word(buf, len, o->format);
	const struct {
		const char *opt, *val;
	} opts[] = {{"--recording", o->recording}, {"--clusters", o->clusters},
		    {"--max-freq-mhz", o->max_freq},  {"--zone", o->zone},
		    {"--source", o->source},          {"--licence", o->licence},
		    {"--note", o->note}};
	for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
		if (opts[i].val) {
			shell_word(buf, len, opts[i].opt);
			shell_word(buf, len, opts[i].val);
		}
	if (o->interval_ms > 0) {
		char iv[32];
		snprintf(iv, sizeof iv, "%d", o->interval_ms);
		shell_word(buf, len, "--interval-ms");
		shell_word(buf, len, iv);
	}
	shell_word(buf, len, o->in);
}

/* SPDX identifiers a source line may name, longest first where one prefixes another. */
static const char *const spdx[] = {"GPL-3.0-or-later", "GPL-3.0-only", "GPL-2.0-or-later",
				   "GPL-2.0-only", "LGPL-3.0", "LGPL-2.1", "AGPL-3.0", "GPL-3.0",
				   "GPL-2.0", "Apache-2.0", "BSD-3-Clause", "BSD-2-Clause", "MIT",
				   "MPL-2.0", "CC-BY-SA-4.0", "CC-BY-4.0", "CC0-1.0", "ODbL-1.0",
				   "Unlicense", NULL};

/* Whether s has the identifier id as a whole word (not inside a longer name). */
static int has_word(const char *s, const char *id)
{
	size_t n = strlen(id);
	for (const char *p = strstr(s, id); p; p = strstr(p + 1, id)) {
		int before = p == s || !(p[-1] == '-' || (p[-1] >= 'A' && p[-1] <= 'Z') ||
					 (p[-1] >= 'a' && p[-1] <= 'z'));
		char a = p[n];
		int after = !(a == '-' || (a >= 'A' && a <= 'Z') || (a >= 'a' && a <= 'z') ||
			      (a >= '0' && a <= '9'));
		if (before && after)
			return 1;
	}
	return 0;
}

/*
 * The licence: --licence; else the input's own `licence`/`license` metadata; else the
 * SPDX identifiers its source line names; else unknown.
 */
static void licence_of(const struct timport_opts *o, const struct csvin *c, const char *source,
		       char *out, size_t len)
{
	const char *l = o->licence;
	if (!l && c)
		l = csvin_meta(c, "licence") ? csvin_meta(c, "licence") : csvin_meta(c, "license");
	if (!l && c)
		l = csvin_meta(c, "LICENCE") ? csvin_meta(c, "LICENCE") : csvin_meta(c, "LICENSE");
	if (l) {
		meta_clean(out, len, l);
		return;
	}
	out[0] = '\0';
	for (int i = 0; source && spdx[i]; i++)
		if (has_word(source, spdx[i]) && !strstr(out, spdx[i])) {
			size_t n = strlen(out);
			snprintf(out + n, len - n, "%s%s", n ? " AND " : "", spdx[i]);
		}
	if (!out[0])
		snprintf(out, len, "unknown (the input states none; give --licence)");
	else {
		size_t n = strlen(out);
		snprintf(out + n, len - n, " (as the source line states)");
	}
}

static const char *source_meta(const struct csvin *c)
{
	static const char *const keys[] = {"source", "SOURCE", "Source", NULL};
	for (int i = 0; c && keys[i]; i++)
		if (csvin_meta(c, keys[i]))
			return csvin_meta(c, keys[i]);
	return NULL;
}

struct prov {
	char note[META_LEN];
	char source[META_LEN];
	char licence[256];
	char by[META_LEN];
	char sha[65];
};

static int prov_init(struct prov *p, const struct timport_opts *o, const struct csvin *c,
		     const char *fallback_source, struct errbuf *eb)
{
	const char *src = o->source ? o->source : source_meta(c);
	meta_clean(p->source, sizeof p->source, src ? src : fallback_source);
	licence_of(o, c, src, p->licence, sizeof p->licence);
	imported_by(o, p->by, sizeof p->by);
	meta_clean(p->note, sizeof p->note, o->note);
	int rc = sha256_file(o->in, p->sha);
	if (rc < 0)
		return err_set(eb, rc, "%s: cannot read: %s", o->in, strerror(errno));
	return 0;
}

static int prov_write(FILE *f, const struct prov *p)
{
	int ok = fprintf(f, "# source: %s\n# licence: %s\n# imported_by: %s\n# source_sha256: %s\n",
			 p->source, p->licence, p->by, p->sha) > 0;
	if (p->note[0])
		ok &= fprintf(f, "# note: %s\n", p->note) > 0;
	return ok ? 0 : ERR_IO;
}

/* ---- staged outputs ----------------------------------------------------------------- */

struct outs {
	struct afile **o;
	long *rows;
	int n, cap;
};

static struct afile *outs_add(struct outs *s, const char *path, struct errbuf *eb)
{
	if (s->n == s->cap) {
		int cap = s->cap ? 2 * s->cap : 8;
		struct afile **o = realloc(s->o, (size_t)cap * sizeof *o);
		if (!o)
			goto nomem;
		s->o = o;
		long *rows = realloc(s->rows, (size_t)cap * sizeof *rows);
		if (!rows)
			goto nomem;
		s->rows = rows;
		s->cap = cap;
	}
	for (int i = 0; i < s->n; i++)
		if (strcmp(afile_name(s->o[i]), path && strcmp(path, "-") ? path : "stdout") == 0) {
			err_set(eb, ERR_USAGE, "two traces would both be written to %s", afile_name(s->o[i]));
			return NULL;
		}
	struct afile *t = afile_create(path, eb);
	if (!t)
		return NULL;
	s->o[s->n] = t;
	s->rows[s->n] = 0;
	s->n++;
	return t;
nomem:
	err_set(eb, ERR_NOMEM, "out of memory");
	return NULL;
}

static int outs_commit(struct outs *s, FILE *log, struct errbuf *eb)
{
	for (int i = 0; i < s->n; i++) {
		int rc = afile_commit(s->o[i], eb);
		if (rc < 0)
			return rc;
		if (log && strcmp(afile_name(s->o[i]), "stdout") != 0)
			fprintf(log, "wrote %s: %ld rows\n", afile_name(s->o[i]), s->rows[i]);
	}
	return 0;
}

static void outs_free(struct outs *s)
{
	for (int i = 0; i < s->n; i++)
		afile_destroy(s->o[i]);
	free(s->o);
	free(s->rows);
}

static int ensure_dir(const char *dir, struct errbuf *eb)
{
	struct stat st;
	if (stat(dir, &st) == 0)
		return S_ISDIR(st.st_mode) ? 0
					   : err_set(eb, ERR_USAGE, "%s: not a folder", dir);
	if (mkdir(dir, 0777) != 0)
		return err_set(eb, ERR_IO, "%s: cannot make the folder: %s", dir, strerror(errno));
	return 0;
}

/* DIR/NAME.csv, NAME made of [A-Za-z0-9._+-] (others become '_'). */
static int out_path(char *buf, size_t len, const char *dir, const char *name,
		    struct errbuf *eb)
{
	char clean[256];
	size_t n = 0;
	for (const char *p = name; *p && n + 1 < sizeof clean; p++)
		clean[n++] = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-",
				    *p) ? *p : '_';
	clean[n] = '\0';
	if (n == 0 || clean[0] == '.')
		return err_set(eb, ERR_USAGE, "'%.64s' is not usable as a file name", name);
	if ((size_t)snprintf(buf, len, "%s/%s.csv", dir, clean) >= len)
		return err_set(eb, ERR_RANGE, "%s: path too long", dir);
	return 0;
}

/* The input's base name without folder and extension. */
static void base_name(char *out, size_t len, const char *path)
{
	const char *b = strrchr(path, '/');
	b = b ? b + 1 : path;
	snprintf(out, len, "%s", b);
	char *dot = strrchr(out, '.');
	if (dot && dot != out)
		*dot = '\0';
}

/* Where a single-trace import writes: --out-dir DIR/<input name>.csv, -o, or stdout. */
static struct afile *single_out(const struct timport_opts *o, struct outs *s, const char *name,
			       struct errbuf *eb)
{
	if (!o->out_dir)
		return outs_add(s, o->out, eb);
	char path[4096], base[256];
	base_name(base, sizeof base, name);
	if (ensure_dir(o->out_dir, eb) < 0 || out_path(path, sizeof path, o->out_dir, base, eb) < 0)
		return NULL;
	return outs_add(s, path, eb);
}

/* ---- stressberry -------------------------------------------------------------------- */

struct sb_row {
	char *t, *temp, *freq; /* texts as written; "" when empty */
};

struct sb_rec {
	char file[256], board[128], cooling[256];
	struct sb_row *rows;
	long n, cap;
	long first_line;
	int64_t last_t_ns;
	double max_freq;
	char max_text[64];
};

static void sb_clear(struct sb_rec *r)
{
	for (long i = 0; i < r->n; i++) {
		free(r->rows[i].t);
		free(r->rows[i].temp);
		free(r->rows[i].freq);
	}
	free(r->rows);
	memset(r, 0, sizeof *r);
}

/* The recording id: the file name without ".dat". */
static void sb_id(char *out, size_t len, const char *file)
{
	snprintf(out, len, "%s", file);
	size_t n = strlen(out);
	if (n > 4 && strcmp(out + n - 4, ".dat") == 0)
		out[n - 4] = '\0';
}

static int sb_selected(const struct timport_opts *o, const char *file)
{
	if (!o->recording)
		return 1;
	char id[256];
	sb_id(id, sizeof id, file);
	return strcmp(o->recording, file) == 0 || strcmp(o->recording, id) == 0;
}

static int sb_write(const struct timport_opts *o, const struct prov *p, struct sb_rec *r,
		    struct outs *s, struct errbuf *eb)
{
	char id[256], path[4096];
	sb_id(id, sizeof id, r->file);
	struct afile *t;
	if (o->out_dir) {
		if (out_path(path, sizeof path, o->out_dir, id, eb) < 0)
			return eb->code;
		t = outs_add(s, path, eb);
	} else {
		t = outs_add(s, o->out, eb);
	}
	if (!t)
		return eb->code;
	FILE *f = afile_stream(t);
	int ok = prov_write(f, p) == 0;
	char v[META_LEN];
	meta_clean(v, sizeof v, r->file);
	ok &= fprintf(f, "# recording: %s (input lines %ld-%ld)\n", v, r->first_line,
		      r->first_line + r->n - 1) > 0;
	meta_clean(v, sizeof v, r->board);
	if (*v)
		ok &= fprintf(f, "# board: %s\n", v) > 0;
	meta_clean(v, sizeof v, r->cooling);
	if (*v)
		ok &= fprintf(f, "# cooling: %s\n", v) > 0;
	int has_freq = r->max_text[0] != '\0';
	if (has_freq)
		ok &= fprintf(f, "# max_freq_mhz: %s\n# max_freq_note: the highest ARM clock of this "
				 "recording (stressberry loads every core, so the clock reaches "
				 "the board's maximum unless it throttles from the start)\n",
			      r->max_text) > 0;
	else
		ok &= fprintf(f, "# note: this recording has no ARM clock (older stressberry "
				 "versions did not record it): temperature only\n") > 0;
	ok &= fprintf(f, has_freq ? "time_s,temp_c,freq_mhz\n" : "time_s,temp_c\n") > 0;
	for (long i = 0; i < r->n; i++) {
		const struct sb_row *w = &r->rows[i];
		if (has_freq)
			ok &= fprintf(f, "%s,%s,%s\n", w->t, w->temp, w->freq) > 0;
		else
			ok &= fprintf(f, "%s,%s\n", w->t, w->temp) > 0;
	}
	s->rows[s->n - 1] = r->n;
	if (!ok)
		return err_set(eb, ERR_IO, "%s: write error", afile_name(t));
	return 0;
}

static int sb_add_row(struct sb_rec *r, const struct csvin *c, int ct, int ctemp, int cf,
		      struct errbuf *eb)
{
	double v;
	int rc = csvin_double(c, ct, &v, eb);
	if (rc < 0)
		return rc;
	if (v < 0 || v > 1e9)
		return csvin_fail(c, eb, ERR_RANGE, "time_s %g is outside [0, 1e9]", v);
	int64_t t_ns = llround(v * 1e9);
	if (r->n > 0 && t_ns < r->last_t_ns)
		return csvin_fail(c, eb, ERR_RANGE, "time goes backwards in recording %s (%.9g s)",
				  r->file, v);
	r->last_t_ns = t_ns;
	if ((rc = csvin_double_opt(c, ctemp, &v, eb)) < 0)
		return rc;
	if (rc && (v < -100 || v > 200))
		return csvin_fail(c, eb, ERR_RANGE, "temperature %g is outside [-100, 200] C", v);
	const char *ftext = "";
	if (cf >= 0) {
		if ((rc = csvin_double_opt(c, cf, &v, eb)) < 0)
			return rc;
		if (rc && (v <= 0 || v > 20000))
			return csvin_fail(c, eb, ERR_RANGE, "ARM clock %g is outside (0, 20000] MHz",
					  v);
		if (rc) {
			ftext = csvin_field(c, cf);
			if (!r->max_text[0] || v > r->max_freq) {
				r->max_freq = v;
				snprintf(r->max_text, sizeof r->max_text, "%s", ftext);
			}
		}
	}
	if (r->n == r->cap) {
		long cap = r->cap ? 2 * r->cap : 512;
		struct sb_row *rows = realloc(r->rows, (size_t)cap * sizeof *rows);
		if (!rows)
			return err_set(eb, ERR_NOMEM, "out of memory");
		r->rows = rows;
		r->cap = cap;
	}
	struct sb_row *w = &r->rows[r->n];
	w->t = strdup(csvin_field(c, ct));
	w->temp = strdup(csvin_field(c, ctemp));
	w->freq = strdup(ftext);
	r->n++;
	if (!w->t || !w->temp || !w->freq)
		return err_set(eb, ERR_NOMEM, "out of memory");
	return 0;
}

struct names {
	char (*v)[256];
	int n, cap;
};

static int names_has(const struct names *s, const char *v)
{
	for (int i = 0; i < s->n; i++)
		if (strcmp(s->v[i], v) == 0)
			return 1;
	return 0;
}

static int names_add(struct names *s, const char *v)
{
	if (s->n == s->cap) {
		int cap = s->cap ? 2 * s->cap : 32;
		char(*nv)[256] = realloc(s->v, (size_t)cap * sizeof *nv);
		if (!nv)
			return ERR_NOMEM;
		s->v = nv;
		s->cap = cap;
	}
	snprintf(s->v[s->n++], 256, "%s", v);
	return 0;
}

static int import_stressberry(const struct timport_opts *o, struct outs *s, struct errbuf *eb)
{
	struct sb_rec r;
	struct names seen = {NULL, 0, 0}, ids = {NULL, 0, 0};
	struct prov p;
	int rc = 0;
	memset(&r, 0, sizeof r);
	struct csvin *c = csvin_open(o->in, eb);
	if (!c)
		return eb->code;
	int cfile = csvin_require_col(c, "file", eb), ct = -1, ctemp = -1;
	if (cfile < 0 || (ct = csvin_require_col(c, "time_s", eb)) < 0 ||
	    (ctemp = csvin_require_col(c, "temperature_c", eb)) < 0) {
		rc = eb->code;
		goto done;
	}
	int cf = csvin_col(c, "cpu_freq_mhz"), cboard = csvin_col(c, "board"),
	    ccool = csvin_col(c, "cooling");
	if ((rc = prov_init(&p, o, c, "stressberry recordings (no source line in the input)", eb)) < 0)
		goto done;
	int n_sel = 0;
	long line = 0;
	while ((rc = csvin_next(c, eb)) == 1) {
		const char *file = csvin_field(c, cfile);
		line = csvin_line(c);
		if (!*file) {
			rc = csvin_fail(c, eb, ERR_PARSE, "empty recording name (column 'file')");
			goto done;
		}
		if (r.n == 0 || strcmp(file, r.file) != 0) {
			if (r.n > 0 && !o->out_dir && !o->recording) {
				rc = err_set(eb, ERR_USAGE,
					     "%s holds more than one recording (a second starts at line "
					     "%ld): give --out-dir DIR (one trace each) or --recording ID",
					     o->in, line);
				goto done;
			}
			if (r.n > 0 && sb_selected(o, r.file)) {
				if ((rc = sb_write(o, &p, &r, s, eb)) < 0)
					goto done;
				n_sel++;
			}
			sb_clear(&r);
			if (names_has(&seen, file)) {
				rc = csvin_fail(c, eb, ERR_PARSE,
						"recording '%.64s' starts again (its rows must be "
						"together)",
						file);
				goto done;
			}
			char id[256];
			sb_id(id, sizeof id, file);
			if (names_has(&ids, id)) {
				rc = csvin_fail(c, eb, ERR_PARSE,
						"recording '%.64s' has the same id as an earlier one",
						file);
				goto done;
			}
			if (names_add(&seen, file) < 0 || names_add(&ids, id) < 0) {
				rc = err_set(eb, ERR_NOMEM, "out of memory");
				goto done;
			}
			snprintf(r.file, sizeof r.file, "%s", file);
			snprintf(r.board, sizeof r.board, "%s", cboard >= 0 ? csvin_field(c, cboard) : "");
			snprintf(r.cooling, sizeof r.cooling, "%s",
				 ccool >= 0 ? csvin_field(c, ccool) : "");
			r.first_line = line;
		}
		if ((rc = sb_add_row(&r, c, ct, ctemp, cf, eb)) < 0)
			goto done;
	}
	if (rc < 0)
		goto done;
	if (r.n > 0 && sb_selected(o, r.file)) {
		if ((rc = sb_write(o, &p, &r, s, eb)) < 0)
			goto done;
		n_sel++;
	}
	if (n_sel == 0) {
		rc = err_set(eb, o->recording ? ERR_NOTFOUND : ERR_PARSE,
			     o->recording ? "%s: no recording '%.64s' (%d recordings; `trace import` "
					    "with --out-dir writes them all)"
					  : "%s: no data rows%.0s (%d recordings)",
			     o->in, o->recording ? o->recording : "", seen.n);
		goto done;
	}
	rc = 0;
done:
	sb_clear(&r);
	free(seen.v);
	free(ids.v);
	csvin_close(c);
	return rc;
}

/* ---- ftrace ------------------------------------------------------------------------- */

enum ev_kind { EV_FREQ, EV_LOAD, EV_TEMP };

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

static int ft_push(struct ftrace *ft, const struct ev *e, struct errbuf *eb)
{
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
	return 0;
}

static void ft_ignore(struct ftrace *ft, const char *name, size_t len)
{
	for (int i = 0; i < ft->n_ignored; i++)
		if (strlen(ft->ignored[i]) == len && strncmp(ft->ignored[i], name, len) == 0) {
			ft->ignored_n[i]++;
			return;
		}
	if (ft->n_ignored < FT_MAX_NAMES) {
		snprintf(ft->ignored[ft->n_ignored], sizeof ft->ignored[0], "%.*s", (int)len, name);
		ft->ignored_n[ft->n_ignored++] = 1;
	}
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

static int ft_millic(struct ftrace *ft, const char *s, long line, double *c, struct errbuf *eb)
{
	double v;
	if (num_double(s, &v) < 0 || v / 1000.0 < -100 || v / 1000.0 > 200)
		return err_set(eb, ERR_RANGE,
			       "%s:%ld: temperature '%.24s' m°C is outside [-100, 200] C", ft->path,
			       line, s);
	*c = v / 1000.0;
	return 0;
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
			if (is_freq)
				ft->n_freq++;
			else
				ft->n_load++;
		} else if (strcmp(event, "thermal_temperature") == 0) {
			e.kind = EV_TEMP;
			if ((rc = ft_zone(ft, name, line, eb)) < 0)
				goto done;
			e.zone = rc;
			if ((rc = ft_millic(ft, v1, line, &e.temp_c, eb)) < 0)
				goto done;
			ft->n_temp++;
		} else {
			ft_ignore(ft, event, strlen(event));
			continue;
		}
		if ((rc = ft_push(ft, &e, eb)) < 0)
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
	FILE *f = fopen(ft->path, "r");
	if (!f)
		return err_set(eb, errno == ENOENT ? ERR_NOTFOUND : ERR_IO, "%s: cannot open: %s",
			       ft->path, strerror(errno));
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
			ft->n_freq++;
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
			ft->n_load++;
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
			e.kind = EV_TEMP;
			if ((rc = ft_zone(ft, w, line, eb)) < 0)
				goto done;
			e.zone = rc;
			if ((rc = ft_millic(ft, v, line, &e.temp_c, eb)) < 0)
				goto done;
			ft->n_temp++;
		} else {
			ft_ignore(ft, event, strlen(event));
			continue;
		}
		if ((rc = ft_push(ft, &e, eb)) < 0)
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
	FILE *f = fopen(path, "r");
	if (!f)
		return err_set(eb, errno == ENOENT ? ERR_NOTFOUND : ERR_IO, "%s: cannot open: %s",
			       path, strerror(errno));
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

static int ft_write(struct ftrace *ft, const struct prov *p, const int *cluster_of, int n_cl,
		    int n_cpus, const double *max_freq, struct outs *s, struct errbuf *eb)
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
	struct afile *t = single_out(o, s, o->in, eb);
	if (!t)
		return eb->code;
	FILE *f = afile_stream(t);
	int ok = prov_write(f, p) == 0;
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
	s->rows[s->n - 1] = rows;
	if (!ok)
		return err_set(eb, ERR_IO, "%s: write error", afile_name(t));
	return 0;
}

static int import_ftrace(const struct timport_opts *o, struct outs *s, struct errbuf *eb)
{
	struct ftrace ft;
	memset(&ft, 0, sizeof ft);
	ft.o = o;
	ft.path = o->in;
	ft.max_cpu = -1;
	int cluster_of[TIMPORT_MAX_CPUS];
	double max_freq[TRACE_MAX_CLUSTERS];
	int n_cl = 1, n_cpus = 0, rc;
	struct prov p;
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
	rc = prov_init(&p, o, meta, fallback, eb);
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

/* ---- agent -------------------------------------------------------------------------- */

/* Metadata keys the import rewrites itself. */
static int own_key(const char *k)
{
	static const char *const own[] = {"source", "licence", "license", "imported_by",
					  "source_sha256", NULL};
	for (int i = 0; own[i]; i++)
		if (strcasecmp(k, own[i]) == 0)
			return 1;
	return 0;
}

static int import_agent(const struct timport_opts *o, struct outs *s, FILE *log,
			struct errbuf *eb)
{
	struct tcheck_report *rep = NULL;
	struct csvin *c = NULL;
	struct prov p;
	int rc = tcheck_file(o->in, NULL, &rep, eb);
	if (rc < 0)
		return rc;
	for (long i = 0; log && i < rep->n_warnings && i < TCHECK_MAX_WARNINGS; i++)
		fprintf(log, "%s\n", rep->warnings[i]);
	if (!(c = csvin_open(o->in, eb))) {
		rc = eb->code;
		goto done;
	}
	if ((rc = prov_init(&p, o, c, "a trace-format recording (it names no source)", eb)) < 0)
		goto done;
	/* The agent's bare "adascale-agent record" gets the machine and start it names. */
	const char *host = csvin_meta(c, "host"), *started = csvin_meta(c, "started");
	if (!o->source && strcmp(p.source, "adascale-agent record") == 0 && host) {
		char more[META_LEN];
		snprintf(more, sizeof more, "adascale-agent record on host %.200s%s%.64s", host,
			 started ? ", started " : "", started ? started : "");
		meta_clean(p.source, sizeof p.source, more);
	}
	struct afile *t = single_out(o, s, o->in, eb);
	if (!t) {
		rc = eb->code;
		goto done;
	}
	FILE *f = afile_stream(t);
	int ok = prov_write(f, &p) == 0;
	int has_freq = 0, has_max = 0;
	for (int i = 0; i < csvin_n_meta(c); i++) {
		const char *k, *v;
		csvin_meta_at(c, i, &k, &v);
		if (own_key(k))
			continue;
		char key[128], val[META_LEN];
		size_t n = 0;
		for (; k[n] && n + 1 < sizeof key; n++)
			key[n] = (char)(k[n] >= 'A' && k[n] <= 'Z' ? k[n] - 'A' + 'a' : k[n]);
		key[n] = '\0';
		has_max |= strncmp(key, "max_freq_mhz", 12) == 0;
		meta_clean(val, sizeof val, v);
		ok &= fprintf(f, "# %s: %s\n", key, val) > 0;
	}
	for (int i = 0; i < csvin_n_cols(c); i++) {
		has_freq |= strncmp(csvin_col_name(c, i), "freq_mhz", 8) == 0;
		ok &= fprintf(f, "%s%s", i ? "," : "", csvin_col_name(c, i)) > 0;
	}
	ok &= fputc('\n', f) != EOF;
	long rows = 0;
	while ((rc = csvin_next(c, eb)) == 1) {
		for (int i = 0; i < csvin_n_cols(c); i++) {
			if (i)
				ok &= fputc(',', f) != EOF;
			ok &= csvin_write_field(f, csvin_field(c, i)) == 0;
		}
		ok &= fputc('\n', f) != EOF;
		rows++;
	}
	if (rc < 0)
		goto done;
	if (has_freq && !has_max && log)
		fprintf(log, "%s: warning: frequencies but no max_freq_mhz: they replay as absolute "
			     "MHz\n",
			o->in);
	s->rows[s->n - 1] = rows;
	rc = ok ? 0 : err_set(eb, ERR_IO, "%s: write error", afile_name(t));
done:
	csvin_close(c);
	tcheck_report_destroy(rep);
	return rc;
}

/* ---- entry -------------------------------------------------------------------------- */

int timport_run(const struct timport_opts *o, FILE *log, struct errbuf *eb)
{
	struct errbuf local = {0, ""};
	if (!eb)
		eb = &local;
	if (!o->format)
		return err_set(eb, ERR_USAGE, "trace import: --from FORMAT is required (%s)",
			       timport_formats());
	if (!o->in)
		return err_set(eb, ERR_USAGE, "trace import: the input file is missing");
	if (o->out && o->out_dir)
		return err_set(eb, ERR_USAGE, "trace import: give -o or --out-dir, not both");
	int is_sb = strcmp(o->format, "stressberry") == 0;
	int is_ft = strcmp(o->format, "ftrace") == 0;
	int is_agent = strcmp(o->format, "agent") == 0;
	if (!is_sb && !is_ft && !is_agent)
		return err_set(eb, ERR_USAGE, "trace import: unknown format '%.32s' (known: %s)",
			       o->format, timport_formats());
	if (!is_sb && o->recording)
		return err_set(eb, ERR_USAGE, "trace import: --recording is for stressberry");
	if (!is_ft && (o->clusters || o->max_freq || o->zone || o->interval_ms))
		return err_set(eb, ERR_USAGE, "trace import: --clusters, --max-freq-mhz, --zone and "
					      "--interval-ms are for ftrace");
	struct outs s = {NULL, NULL, 0, 0};
	int rc;
	if (o->out_dir && (rc = ensure_dir(o->out_dir, eb)) < 0)
		return rc;
	if (is_sb)
		rc = import_stressberry(o, &s, eb);
	else if (is_ft)
		rc = import_ftrace(o, &s, eb);
	else
		rc = import_agent(o, &s, log, eb);
	if (rc == 0)
		rc = outs_commit(&s, log, eb);
	outs_free(&s);
	return rc;
}

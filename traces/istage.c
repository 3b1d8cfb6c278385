/*
 * istage.c: what every importer of `trace import` writes through (istage.h): the provenance
 * lines each imported trace opens with, and the staged outputs (afile.h) that one import
 * commits together or not at all.
 */
#include "istage.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "afile.h"
#include "csvin.h"
#include "sha256.h"

/* ---- provenance --------------------------------------------------------------------- */

void istage_meta_clean(char *out, size_t len, const char *s)
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
		istage_meta_clean(out, len, l);
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

int istage_prov_init(struct istage_prov *p, const struct timport_opts *o,
		      const struct csvin *c, const char *fallback_source, struct errbuf *eb)
{
	const char *src = o->source ? o->source : source_meta(c);
	istage_meta_clean(p->source, sizeof p->source, src ? src : fallback_source);
	licence_of(o, c, src, p->licence, sizeof p->licence);
	imported_by(o, p->by, sizeof p->by);
	istage_meta_clean(p->note, sizeof p->note, o->note);
	int rc = sha256_file(o->in, p->sha);
	if (rc < 0)
		return err_set(eb, rc, "%s: cannot read: %s", o->in, strerror(errno));
	return 0;
}

int istage_prov_write(FILE *f, const struct istage_prov *p)
{
	int ok = fprintf(f, "# source: %s\n# licence: %s\n# imported_by: %s\n# source_sha256: %s\n",
			 p->source, p->licence, p->by, p->sha) > 0;
	if (p->note[0])
		ok &= fprintf(f, "# note: %s\n", p->note) > 0;
	return ok ? 0 : ERR_IO;
}


/* ---- staged outputs ----------------------------------------------------------------- */


static FILE *outs_add(struct istage *s, const char *path, struct errbuf *eb)
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
	return afile_stream(t);
nomem:
	err_set(eb, ERR_NOMEM, "out of memory");
	return NULL;
}

int istage_commit(struct istage *s, FILE *log, struct errbuf *eb)
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

void istage_free(struct istage *s)
{
	for (int i = 0; i < s->n; i++)
		afile_destroy(s->o[i]);
	free(s->o);
	free(s->rows);
}

int istage_make_dir(const char *dir, struct errbuf *eb)
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

FILE *istage_open(const struct timport_opts *o, struct istage *s, const char *name,
		       struct errbuf *eb)
{
	if (!o->out_dir)
		return outs_add(s, o->out, eb);
	char path[4096], base[256];
	if (!name) {
		base_name(base, sizeof base, o->in);
		name = base;
	}
	if (out_path(path, sizeof path, o->out_dir, name, eb) < 0) /* timport_run made DIR */
		return NULL;
	return outs_add(s, path, eb);
}

int istage_end(struct istage *s, long n_rows, int ok, struct errbuf *eb)
{
	s->rows[s->n - 1] = n_rows;
	if (!ok)
		return err_set(eb, ERR_IO, "%s: write error", afile_name(s->o[s->n - 1]));
	return 0;
}

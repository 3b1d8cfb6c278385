/*
 * csvin.c: row-by-row CSV reading on libcsv (see csvin.h).
 *
 * Lines are read with getline so that line numbers are exact and memory stays one line
 * long; each line is handed to libcsv (strict mode) to split into fields. Metadata and
 * comments are recognised before libcsv sees a line. Not for writing CSV beyond single
 * fields: writers print their own rows.
 */
#include "csvin.h"

#include <csv.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>

#include "num.h"

struct meta {
	char *key;
	char *value;
	long line;
};

struct csvin {
	FILE *f;
	int owns_f;
	char *path;
	long line;        /* line number of the current row */
	long next_line;   /* line number of the next line getline returns */
	char *buf;        /* getline's buffer */
	size_t buf_cap;
	struct csv_parser parser;

	struct meta *meta;
	int n_meta;

	char **cols;
	int n_cols;

	/* current row: fields packed into text, each NUL-terminated, starts in field_at */
	char *text;
	size_t text_len, text_cap;
	size_t *field_at;
	int n_fields, fields_cap;
	int nomem;
};

static char *dup_str(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	char *e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return s;
}

static void on_field(void *s, size_t len, void *data)
{
	struct csvin *c = data;
	if (c->nomem)
		return;
	if (c->n_fields == c->fields_cap) {
		int cap = c->fields_cap ? c->fields_cap * 2 : 16;
		size_t *fa = realloc(c->field_at, (size_t)cap * sizeof *fa);
		if (!fa) {
			c->nomem = 1;
			return;
		}
		c->field_at = fa;
		c->fields_cap = cap;
	}
	if (c->text_len + len + 1 > c->text_cap) {
		size_t cap = c->text_cap ? c->text_cap : 256;
		while (cap < c->text_len + len + 1)
			cap *= 2;
		char *t = realloc(c->text, cap);
		if (!t) {
			c->nomem = 1;
			return;
		}
		c->text = t;
		c->text_cap = cap;
	}
	c->field_at[c->n_fields++] = c->text_len;
	if (len)
		memcpy(c->text + c->text_len, s, len);
	c->text_len += len;
	c->text[c->text_len++] = '\0';
}

static void on_row(int ch, void *data)
{
	(void)ch;
	(void)data;
}

/* Splits one line (no line end) into fields with libcsv. */
static int split_line(struct csvin *c, const char *line, size_t len, struct errbuf *eb)
{
	c->n_fields = 0;
	c->text_len = 0;
	if (memchr(line, '\0', len))
		return err_set(eb, ERR_PARSE, "%s:%ld: NUL byte in line", c->path, c->line);
	if (csv_parse(&c->parser, line, len, on_field, on_row, c) != len ||
	    csv_fini(&c->parser, on_field, on_row, c) != 0) {
		int e = csv_error(&c->parser);
		if (e == CSV_ENOMEM || c->nomem)
			return err_set(eb, ERR_NOMEM, "%s:%ld: out of memory", c->path, c->line);
		/* reset the parser for whoever reads on */
		csv_free(&c->parser);
		csv_init(&c->parser, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL);
		return err_set(eb, ERR_PARSE, "%s:%ld: bad quoting (%s)", c->path, c->line,
			       csv_strerror(e));
	}
	if (c->nomem)
		return err_set(eb, ERR_NOMEM, "%s:%ld: out of memory", c->path, c->line);
	return 0;
}

/*
 * Reads the next line that is neither blank nor a comment. Returns 1 with c->buf holding it
 * (line end removed) and *len its length, 0 at the end, or a negative code. Metadata lines
 * before the header are stored.
 */
static int next_content_line(struct csvin *c, size_t *len, struct errbuf *eb)
{
	for (;;) {
		errno = 0;
		ssize_t n = getline(&c->buf, &c->buf_cap, c->f);
		/* a read error ends getline early, with the part of the line read so far */
		if (n < 0 || ferror(c->f)) {
			if (errno == ENOMEM) /* getline's buffer: not the end of the file */
				return err_set(eb, ERR_NOMEM, "%s:%ld: out of memory", c->path,
					       c->next_line);
			if (ferror(c->f))
				return err_set(eb, ERR_IO, "%s:%ld: read error: %s", c->path,
					       c->next_line, strerror(errno ? errno : EIO));
			return 0;
		}
		c->line = c->next_line++;
		char *s = c->buf;
		if (c->line == 1 && n >= 3 && (unsigned char)s[0] == 0xEF &&
		    (unsigned char)s[1] == 0xBB && (unsigned char)s[2] == 0xBF) {
			s += 3;
			n -= 3;
			memmove(c->buf, s, (size_t)n + 1);
			s = c->buf;
		}
		while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
			s[--n] = '\0';
		size_t i = 0;
		while (i < (size_t)n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i == (size_t)n)
			continue;
		if (s[i] == '#') {
			if (c->cols)
				continue;
			char *kv = s + i + 1;
			char *colon = strchr(kv, ':');
			if (!colon)
				continue; /* a plain comment */
			*colon = '\0';
			char *key = trim(kv), *value = trim(colon + 1);
			if (!*key || strchr(key, ' '))
				continue;
			struct meta *m = realloc(c->meta, (size_t)(c->n_meta + 1) * sizeof *m);
			if (!m)
				return err_set(eb, ERR_NOMEM, "%s: out of memory", c->path);
			c->meta = m;
			m[c->n_meta].key = dup_str(key);
			m[c->n_meta].value = dup_str(value);
			if (!m[c->n_meta].key || !m[c->n_meta].value) {
				free(m[c->n_meta].key);
				free(m[c->n_meta].value);
				return err_set(eb, ERR_NOMEM, "%s: out of memory", c->path);
			}
			m[c->n_meta].line = c->line;
			c->n_meta++;
			continue;
		}
		*len = (size_t)n;
		return 1;
	}
}

static int read_header(struct csvin *c, struct errbuf *eb)
{
	size_t len;
	int rc = next_content_line(c, &len, eb);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return err_set(eb, ERR_PARSE, "%s:%ld: no header row (empty file?)", c->path,
			       c->next_line > 1 ? c->next_line - 1 : 1);
	rc = split_line(c, c->buf, len, eb);
	if (rc < 0)
		return rc;
	c->cols = calloc((size_t)c->n_fields, sizeof *c->cols);
	if (!c->cols)
		return err_set(eb, ERR_NOMEM, "%s: out of memory", c->path);
	c->n_cols = c->n_fields;
	for (int i = 0; i < c->n_cols; i++) {
		const char *name = c->text + c->field_at[i];
		if (!*name)
			return err_set(eb, ERR_PARSE, "%s:%ld:%d: empty column name", c->path,
				       c->line, i + 1);
		for (int j = 0; j < i; j++)
			if (strcmp(c->cols[j], name) == 0)
				return err_set(eb, ERR_PARSE, "%s:%ld:%d: duplicate column '%s'",
					       c->path, c->line, i + 1, name);
		c->cols[i] = dup_str(name);
		if (!c->cols[i])
			return err_set(eb, ERR_NOMEM, "%s: out of memory", c->path);
	}
	c->n_fields = 0;
	return 0;
}

static struct csvin *open_common(FILE *f, int owns, const char *name, struct errbuf *eb)
{
	struct csvin *c = calloc(1, sizeof *c);
	if (!c) {
		if (owns)
			fclose(f);
		err_set(eb, ERR_NOMEM, "%s: out of memory", name);
		return NULL;
	}
	c->f = f;
	c->owns_f = owns;
	c->next_line = 1;
	c->path = dup_str(name);
	if (!c->path || csv_init(&c->parser, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL)) {
		err_set(eb, ERR_NOMEM, "%s: out of memory", name);
		goto fail;
	}
	if (read_header(c, eb) < 0)
		goto fail;
	return c;
fail:
	csvin_close(c);
	return NULL;
}

struct csvin *csvin_open(const char *path, struct errbuf *eb)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		err_set(eb, errno == ENOENT ? ERR_NOTFOUND : ERR_IO, "%s: cannot open: %s", path,
			strerror(errno));
		return NULL;
	}
	/* the stream is this reader's alone: no lock per getline and ferror */
	__fsetlocking(f, FSETLOCKING_BYCALLER);
	return open_common(f, 1, path, eb);
}

struct csvin *csvin_open_stream(FILE *f, const char *name, struct errbuf *eb)
{
	return open_common(f, 0, name, eb);
}

void csvin_close(struct csvin *c)
{
	if (!c)
		return;
	if (c->owns_f && c->f)
		fclose(c->f);
	csv_free(&c->parser);
	free(c->buf);
	for (int i = 0; i < c->n_meta; i++) {
		free(c->meta[i].key);
		free(c->meta[i].value);
	}
	free(c->meta);
	if (c->cols)
		for (int i = 0; i < c->n_cols; i++)
			free(c->cols[i]);
	free(c->cols);
	free(c->text);
	free(c->field_at);
	free(c->path);
	free(c);
}

const char *csvin_path(const struct csvin *c) { return c->path; }
long csvin_line(const struct csvin *c) { return c->line; }
int csvin_n_cols(const struct csvin *c) { return c->n_cols; }
int csvin_n_meta(const struct csvin *c) { return c->n_meta; }

const char *csvin_col_name(const struct csvin *c, int col)
{
	return col >= 0 && col < c->n_cols ? c->cols[col] : NULL;
}

void csvin_meta_at(const struct csvin *c, int i, const char **key, const char **value)
{
	*key = c->meta[i].key;
	*value = c->meta[i].value;
}

const char *csvin_meta(const struct csvin *c, const char *key)
{
	for (int i = 0; i < c->n_meta; i++)
		if (strcmp(c->meta[i].key, key) == 0)
			return c->meta[i].value;
	return NULL;
}

long csvin_meta_line(const struct csvin *c, const char *key)
{
	for (int i = 0; i < c->n_meta; i++)
		if (strcmp(c->meta[i].key, key) == 0)
			return c->meta[i].line;
	return 0;
}

int csvin_col(const struct csvin *c, const char *name)
{
	for (int i = 0; i < c->n_cols; i++)
		if (strcmp(c->cols[i], name) == 0)
			return i;
	return -1;
}

int csvin_require_col(const struct csvin *c, const char *name, struct errbuf *eb)
{
	int i = csvin_col(c, name);
	if (i < 0)
		return err_set(eb, ERR_PARSE, "%s:%ld: missing column '%s'", c->path,
			       c->line > 0 ? c->line : 1, name);
	return i;
}

int csvin_next(struct csvin *c, struct errbuf *eb)
{
	size_t len;
	int rc = next_content_line(c, &len, eb);
	if (rc <= 0) {
		c->n_fields = 0;
		return rc;
	}
	rc = split_line(c, c->buf, len, eb);
	if (rc < 0)
		return rc;
	if (c->n_fields != c->n_cols)
		return err_set(eb, ERR_PARSE, "%s:%ld: %d fields, the header has %d", c->path,
			       c->line, c->n_fields, c->n_cols);
	return 1;
}

const char *csvin_field(const struct csvin *c, int col)
{
	if (col < 0 || col >= c->n_fields)
		return NULL;
	return c->text + c->field_at[col];
}

int csvin_fail(const struct csvin *c, struct errbuf *eb, int code, const char *fmt, ...)
{
	char what[ERRBUF_LEN];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return err_set(eb, code, "%s:%ld: %s", c->path, c->line, what);
}

static int field_fail(const struct csvin *c, int col, struct errbuf *eb, int code,
		      const char *what)
{
	const char *v = csvin_field(c, col);
	return err_set(eb, code, "%s:%ld:%d: column '%s': '%.64s' %s", c->path, c->line,
		       col + 1, csvin_col_name(c, col) ? csvin_col_name(c, col) : "?",
		       v ? v : "", what);
}

int csvin_double_opt(const struct csvin *c, int col, double *out, struct errbuf *eb)
{
	const char *v = csvin_field(c, col);
	if (!v || !*v)
		return 0;
	int rc = num_double(v, out);
	if (rc == ERR_RANGE)
		return field_fail(c, col, eb, ERR_RANGE, "is out of range");
	if (rc < 0)
		return field_fail(c, col, eb, ERR_PARSE, "is not a finite number");
	return 1;
}

int csvin_double(const struct csvin *c, int col, double *out, struct errbuf *eb)
{
	int rc = csvin_double_opt(c, col, out, eb);
	if (rc == 0)
		return field_fail(c, col, eb, ERR_PARSE, "is empty, a number is needed");
	return rc < 0 ? rc : 0;
}

int csvin_long(const struct csvin *c, int col, long *out, struct errbuf *eb)
{
	const char *v = csvin_field(c, col);
	if (!v || !*v)
		return field_fail(c, col, eb, ERR_PARSE, "is empty, an integer is needed");
	int rc = num_long(v, out);
	if (rc == ERR_RANGE)
		return field_fail(c, col, eb, ERR_RANGE, "is out of range");
	if (rc < 0)
		return field_fail(c, col, eb, ERR_PARSE, "is not an integer");
	return 0;
}

int csvin_double_in(const struct csvin *c, int col, double lo, double hi, double *out,
		    struct errbuf *eb)
{
	double v;
	int rc = csvin_double(c, col, &v, eb);
	if (rc < 0)
		return rc;
	if (v < lo || v > hi) {
		char what[128];
		snprintf(what, sizeof what, "is outside [%g, %g]", lo, hi);
		return field_fail(c, col, eb, ERR_RANGE, what);
	}
	*out = v;
	return 0;
}

int csvin_long_in(const struct csvin *c, int col, long lo, long hi, long *out,
		  struct errbuf *eb)
{
	long v;
	int rc = csvin_long(c, col, &v, eb);
	if (rc < 0)
		return rc;
	if (v < lo || v > hi) {
		char what[128];
		snprintf(what, sizeof what, "is outside [%ld, %ld]", lo, hi);
		return field_fail(c, col, eb, ERR_RANGE, what);
	}
	*out = v;
	return 0;
}

int csvin_write_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\r\n") && s[0] != ' ' && s[0] != '#')
		return fputs(s, f) < 0 ? ERR_IO : 0;
	return csv_fwrite(f, s, strlen(s)) ? ERR_IO : 0;
}

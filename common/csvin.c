/*
 * csvin.c: row-by-row CSV reading on libcsv (see csvin.h).
 *
 * The file is read in 64 KB blocks and cut into lines here (read_line), so that line numbers
 * are exact and memory stays one block plus the longest line, and so that a hash of the file
 * can be taken from the same reads (csvin_open_hashed); each line is handed to libcsv
 * (strict mode) to split into fields. Metadata and
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
#include "sha256.h"

struct meta {
	char *key;
	char *value;
	long line;
};

struct csvin {
	FILE *f;
	int owns_f;
	struct sha256 *tap; /* every block read also goes here (csvin_open_hashed), or NULL */
	char *path;
	long line;        /* line number of the current row */
	long next_line;   /* line number of the next line read_line returns */
	/* the file, read in blocks: bytes [pos, len) of blk are not returned yet */
	char *blk;
	size_t blk_cap, pos, len;
	int at_eof;       /* the file has no more bytes */
	int read_errno;   /* a read failed after the bytes in blk: reported once they are used */
	char *cur;        /* the current line (in blk), line end removed */
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

/* Bytes read from the file at a time. */
#define BLOCK ((size_t)1 << 16)

/*
 * The next line of the file (its line end included, NUL after it) in *line: its length, 0 at
 * the end of the file, or a negative code. Lines point into blk, valid until the next call.
 * The file is read BLOCK bytes at a time, and each block goes into the hash as it is read;
 * a line longer than the buffer grows it. Own reading rather than getline: one copy of the
 * bytes, and the hash sees exactly the bytes parsed, in large blocks.
 */
static long read_line(struct csvin *c, char **line, struct errbuf *eb)
{
	for (;;) {
		size_t avail = c->len - c->pos;
		char *start = avail ? c->blk + c->pos : c->blk; /* blk is NULL before the first read */
		char *nl = avail ? memchr(start, '\n', avail) : NULL;
		if (nl || (avail && c->at_eof && !c->read_errno)) {
			size_t n = nl ? (size_t)(nl - start) + 1 : avail;
			c->pos += n;
			*line = start;
			return (long)n;
		}
		if (c->read_errno) /* the line with the failed read in it */
			return err_set(eb, ERR_IO, "%s:%ld: read error: %s", c->path, c->next_line,
				       strerror(c->read_errno));
		if (c->at_eof)
			return 0;
		/* keep the unfinished line, at the start; room for a block and a NUL after it */
		if (avail)
			memmove(c->blk, start, avail);
		c->len = avail;
		c->pos = 0;
		if (c->blk_cap - c->len < BLOCK + 1) {
			size_t cap = c->blk_cap ? 2 * c->blk_cap : BLOCK + 1;
			char *nb = realloc(c->blk, cap);
			if (!nb)
				return err_set(eb, ERR_NOMEM, "%s:%ld: out of memory", c->path,
					       c->next_line);
			c->blk = nb;
			c->blk_cap = cap;
		}
		errno = 0;
		size_t k = fread(c->blk + c->len, 1, BLOCK, c->f);
		if (c->tap && k)
			sha256_update(c->tap, c->blk + c->len, k);
		c->len += k;
		c->blk[c->len] = '\0';
		if (k < BLOCK) {
			c->at_eof = 1;
			if (ferror(c->f))
				c->read_errno = errno ? errno : EIO;
		}
	}
}

/*
 * Reads the next line that is neither blank nor a comment. Returns 1 with c->cur holding it
 * (line end removed) and *len its length, 0 at the end, or a negative code. Metadata lines
 * before the header are stored.
 */
static int next_content_line(struct csvin *c, size_t *len, struct errbuf *eb)
{
	for (;;) {
		char *s = NULL;
		long n = read_line(c, &s, eb);
		if (n <= 0)
			return (int)n;
		c->line = c->next_line++;
		if (c->line == 1 && n >= 3 && (unsigned char)s[0] == 0xEF &&
		    (unsigned char)s[1] == 0xBB && (unsigned char)s[2] == 0xBF) {
			s += 3;
			n -= 3;
		}
		c->cur = s;
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
	rc = split_line(c, c->cur, len, eb);
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

static struct csvin *open_common(FILE *f, int owns, const char *name, struct sha256 *tap,
				 struct errbuf *eb)
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
	c->tap = tap;

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

struct csvin *csvin_open_hashed(const char *path, struct sha256 *h, struct errbuf *eb)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		err_set(eb, errno == ENOENT ? ERR_NOTFOUND : ERR_IO, "%s: cannot open: %s", path,
			strerror(errno));
		return NULL;
	}
	/* the stream is this reader's alone: no lock per fread and ferror */
	__fsetlocking(f, FSETLOCKING_BYCALLER);
	return open_common(f, 1, path, h, eb);
}

struct csvin *csvin_open(const char *path, struct errbuf *eb)
{
	return csvin_open_hashed(path, NULL, eb);
}

int csvin_hash_rest(struct csvin *c, struct errbuf *eb)
{
	if (!c->tap)
		return 0;
	if (c->read_errno)
		return err_set(eb, ERR_IO, "%s: read error: %s", c->path, strerror(c->read_errno));
	unsigned char buf[65536];
	size_t n;
	errno = 0;
	while ((n = fread(buf, 1, sizeof buf, c->f)) > 0)
		sha256_update(c->tap, buf, n);
	if (ferror(c->f))
		return err_set(eb, ERR_IO, "%s: read error: %s", c->path,
			       strerror(errno ? errno : EIO));
	return 0;
}

struct csvin *csvin_open_stream(FILE *f, const char *name, struct errbuf *eb)
{
	return open_common(f, 0, name, NULL, eb);
}

void csvin_close(struct csvin *c)
{
	if (!c)
		return;
	if (c->owns_f && c->f)
		fclose(c->f);
	csv_free(&c->parser);
	free(c->blk);
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

long csvin_meta_line_at(const struct csvin *c, int i) { return c->meta[i].line; }

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
	rc = split_line(c, c->cur, len, eb);
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

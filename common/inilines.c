/*
 * inilines.c: the counting line reader for inih (see inilines.h).
 *
 * Leading blanks are removed before inih sees a line: inih (as Debian builds it) would take
 * an indented line for the continuation of the previous key's value, so that an indented
 * key would silently join the value above it; here it is read as a key. A section header is
 * then '[' in the first column, its name running to the first ']', as inih reads it.
 */
#include "inilines.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

void inilines_init(struct inilines *r, FILE *f, const char *path, struct errbuf *eb,
		   const char *long_hint)
{
	memset(r, 0, sizeof *r);
	r->f = f;
	r->path = path;
	r->eb = eb;
	r->long_hint = long_hint;
}

static int vfail(struct inilines *r, long line, int code, const char *fmt, va_list ap)
{
	if (r->rc < 0)
		return 0;
	char what[768];
	vsnprintf(what, sizeof what, fmt, ap);
	r->rc = err_set(r->eb, code, "%s:%ld: %s", r->path, line, what);
	return 0;
}

int inilines_fail(struct inilines *r, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(r, r->line, code, fmt, ap);
	va_end(ap);
	return 0;
}

int inilines_fail_at(struct inilines *r, long line, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(r, line, code, fmt, ap);
	va_end(ap);
	return 0;
}

long inilines_section_line(const struct inilines *r, const char *name)
{
	for (int i = 0; i < r->n_sec; i++)
		if (strcmp(r->sec_name[i], name) == 0)
			return r->sec_line[i];
	return 0;
}

/* Notes a [section] header; 1 when it repeats an earlier one. */
static int note_section(struct inilines *r, const char *s)
{
	const char *end = strchr(s + 1, ']');
	if (!end)
		return 0;
	size_t n = (size_t)(end - (s + 1));
	if (n >= sizeof r->section)
		n = sizeof r->section - 1;
	memcpy(r->section, s + 1, n);
	r->section[n] = '\0';
	long first = inilines_section_line(r, r->section);
	if (first) {
		r->repeats = first;
		return 1;
	}
	if (r->n_sec < INILINES_MAX_SECTIONS) {
		memcpy(r->sec_name[r->n_sec], r->section, n + 1);
		r->sec_line[r->n_sec++] = r->line;
	}
	return 0;
}

char *inilines_read(struct inilines *r, char *str, int num)
{
	r->too_long = 0;
	r->repeats = 0;
	if (num < 8 || !fgets(str, num, r->f))
		return NULL;
	r->line++;
	size_t n = strlen(str);
	if (r->line == 1 && n >= 3 && memcmp(str, "\xEF\xBB\xBF", 3) == 0) {
		/* a byte order mark takes no room: read the rest of a line it pushed out */
		memmove(str, str + 3, n - 2);
		n -= 3;
		if (n == (size_t)num - 4 && str[n - 1] != '\n' && fgets(str + n, num - (int)n, r->f))
			n = strlen(str);
	}
	if (n == (size_t)num - 1 && str[n - 1] == '\r') {
		/* nor does the CR of a CRLF line end */
		int ch = getc(r->f);
		if (ch == '\n')
			str[n - 1] = '\n';
		else if (ch != EOF)
			ungetc(ch, r->f);
	}
	if (n == (size_t)num - 1 && str[n - 1] != '\n' && !feof(r->f)) {
		r->too_long = 1;
		return NULL;
	}
	size_t lead = strspn(str, " \t");
	if (lead)
		memmove(str, str + lead, n - lead + 1);
	if (str[0] == '[' && note_section(r, str))
		return NULL;
	return str;
}

/* inih's reader: the next line, or NULL (the end for inih) once anything has failed. */
static char *reader(char *str, int num, void *stream)
{
	struct inilines *r = stream;
	if (r->rc < 0)
		return NULL;
	char *s = inilines_read(r, str, num);
	if (r->too_long)
		inilines_fail(r, ERR_PARSE, "line longer than %d characters%s%s%s", num - 2,
			      r->long_hint ? " (" : "", r->long_hint ? r->long_hint : "",
			      r->long_hint ? ")" : "");
	else if (r->repeats)
		inilines_fail(r, ERR_PARSE, "[%s] is given twice (first on line %ld)", r->section,
			      r->repeats);
	return s;
}

int inilines_parse(struct inilines *r, ini_handler handler, void *user)
{
	errno = 0;
	int rc = ini_parse_stream(reader, r, handler, user);
	if (ferror(r->f)) { /* inih takes a read error for the end of the file */
		r->rc = 0;
		return r->rc = err_set(r->eb, ERR_IO, "%s:%ld: read error: %s", r->path,
				       r->line + 1, strerror(errno ? errno : EIO));
	}
	if (r->rc < 0)
		return r->rc;
	if (rc < 0)
		return r->rc = err_set(r->eb, ERR_IO, "%s: read error", r->path);
	if (rc > 0)
		return r->rc = err_set(r->eb, ERR_PARSE,
				       "%s:%d: not an INI line (expected [section] or key = value)",
				       r->path, rc);
	return 0;
}

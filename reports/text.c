/*
 * text.c: the escapers of the report formats (see text.h): HTML, Markdown, CSV and JSON.
 * All of them are one loop over utf8_step (common/utf8.h), which decides what is a whole
 * character, a control character or a broken byte; each format only says what it writes
 * for an ASCII byte and for a broken one. Not for gnuplot strings (plot.c) nor for the
 * layout of the report (html.c) or the tables (tables.c).
 */
#include "text.h"

#include <string.h>

#include "utf8.h"

#define REPLACEMENT_CHAR "\xEF\xBF\xBD"

/* Writes one ASCII byte c of kind UTF8_TEXT or UTF8_CTRL as a format needs it. */
typedef void (*ascii_fn)(FILE *f, enum utf8_kind kind, unsigned char c);

/* The walk of every escaper: whole characters as they are, a broken byte as bad. */
static void put_walk(FILE *f, const char *s, const char *bad, ascii_fn put)
{
	enum utf8_kind k;
	int n;
	while ((k = utf8_step(s, &n)) != UTF8_END) {
		if (k == UTF8_BAD)
			fputs(bad, f);
		else if (k == UTF8_MULTI)
			fwrite(s, 1, (size_t)n, f);
		else
			put(f, k, (unsigned char)*s);
		s += n;
	}
}

/* ---- HTML ---- */

static void html_ascii(FILE *f, enum utf8_kind k, unsigned char c)
{
	switch (c) {
	case '&': fputs("&amp;", f); break;
	case '<': fputs("&lt;", f); break;
	case '>': fputs("&gt;", f); break;
	case '"': fputs("&quot;", f); break;
	case '\'': fputs("&#39;", f); break;
	default: fputc(k == UTF8_CTRL ? ' ' : c, f);
	}
}

/* The same, keeping line ends (for <pre>). */
static void html_pre_ascii(FILE *f, enum utf8_kind k, unsigned char c)
{
	if (c == '\n')
		fputc('\n', f);
	else
		html_ascii(f, k, c);
}

void report_html_put(FILE *f, const char *s, int keep_newlines)
{
	if (s)
		put_walk(f, s, REPLACEMENT_CHAR, keep_newlines ? html_pre_ascii : html_ascii);
}

/* ---- Markdown ---- */

static void md_ascii(FILE *f, enum utf8_kind k, unsigned char c)
{
	if (k == UTF8_CTRL)
		fputc(' ', f);
	else if (c == '&')
		fputs("&amp;", f);
	else if (c == '<')
		fputs("&lt;", f);
	else if (c == '>')
		fputs("&gt;", f);
	else if (strchr("\\`*_[]|~#", c))
		fprintf(f, "\\%c", c);
	else
		fputc(c, f);
}

void report_md_put(FILE *f, const char *s)
{
	if (s)
		put_walk(f, s, REPLACEMENT_CHAR, md_ascii);
}

/* Inside a code block only control characters other than line end and tab change. */
static void code_ascii(FILE *f, enum utf8_kind k, unsigned char c)
{
	fputc(k == UTF8_CTRL && c != '\n' && c != '\t' ? ' ' : c, f);
}

void report_md_code_block(FILE *f, const char *s)
{
	if (!s)
		s = "";
	int longest = 0, run = 0;
	for (const char *p = s; *p; p++) {
		run = *p == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	int fence = longest >= 3 ? longest + 1 : 3;
	for (int i = 0; i < fence; i++)
		fputc('`', f);
	fputs("text\n", f);
	put_walk(f, s, REPLACEMENT_CHAR, code_ascii);
	size_t len = strlen(s);
	if (len == 0 || s[len - 1] != '\n')
		fputc('\n', f);
	for (int i = 0; i < fence; i++)
		fputc('`', f);
	fputc('\n', f);
}

/* ---- CSV ---- */

static void csv_ascii(FILE *f, enum utf8_kind k, unsigned char c)
{
	if (c == '"')
		fputs("\"\"", f);
	else
		fputc(k == UTF8_CTRL ? ' ' : c, f);
}

void report_csv_put(FILE *f, const char *s)
{
	if (!s)
		return;
	size_t len = strlen(s);
	int quote = len > 0 && (s[0] == ' ' || s[len - 1] == ' ' || s[0] == '#');
	enum utf8_kind k;
	int n;
	for (const char *p = s; !quote && (k = utf8_step(p, &n)) != UTF8_END; p += n)
		quote = k == UTF8_CTRL || *p == ',' || *p == '"';
	if (quote)
		fputc('"', f);
	put_walk(f, s, REPLACEMENT_CHAR, csv_ascii);
	if (quote)
		fputc('"', f);
}

/* ---- JSON ---- */

static void json_ascii(FILE *f, enum utf8_kind k, unsigned char c)
{
	switch (c) {
	case '"': fputs("\\\"", f); break;
	case '\\': fputs("\\\\", f); break;
	case '\n': fputs("\\n", f); break;
	case '\r': fputs("\\r", f); break;
	case '\t': fputs("\\t", f); break;
	default:
		if (k == UTF8_CTRL)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
}

void report_json_put(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	put_walk(f, s, "\\ufffd", json_ascii);
	fputc('"', f);
}

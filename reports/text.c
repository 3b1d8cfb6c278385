/*
 * text.c: HTML and Markdown escaping of names, and the UTF-8 check (see text.h).
 * Not for gnuplot strings (plot.c) nor for the layout of the report (html.c).
 */
#include "text.h"

#include <string.h>

static int cont(unsigned char c) { return (c & 0xC0) == 0x80; }

int report_utf8_seq(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned char c = p[0];
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		return cont(p[1]) ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		unsigned char lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
		return p[1] >= lo && p[1] <= hi && cont(p[2]) ? 3 : 0;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		unsigned char lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
		return p[1] >= lo && p[1] <= hi && cont(p[2]) && cont(p[3]) ? 4 : 0;
	}
	return 0;
}

#define REPLACEMENT_CHAR "\xEF\xBF\xBD"

void report_html_put(FILE *f, const char *s, int keep_newlines)
{
	if (!s)
		return;
	while (*s) {
		unsigned char c = (unsigned char)*s;
		int n = report_utf8_seq(s);
		if (n == 0) {
			fputs(REPLACEMENT_CHAR, f);
			s++;
			continue;
		}
		if (n > 1) {
			fwrite(s, 1, (size_t)n, f);
			s += n;
			continue;
		}
		switch (c) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default:
			if (c == '\n' && keep_newlines)
				fputc('\n', f);
			else if (c < 0x20 || c == 0x7F)
				fputc(' ', f);
			else
				fputc(c, f);
		}
		s++;
	}
}

void report_md_put(FILE *f, const char *s)
{
	if (!s)
		return;
	while (*s) {
		unsigned char c = (unsigned char)*s;
		int n = report_utf8_seq(s);
		if (n == 0) {
			fputs(REPLACEMENT_CHAR, f);
			s++;
			continue;
		}
		if (n > 1) {
			fwrite(s, 1, (size_t)n, f);
			s += n;
			continue;
		}
		if (c == '&')
			fputs("&amp;", f);
		else if (c == '<')
			fputs("&lt;", f);
		else if (c == '>')
			fputs("&gt;", f);
		else if (c < 0x20 || c == 0x7F)
			fputc(' ', f);
		else if (strchr("\\`*_[]|~#", c))
			fprintf(f, "\\%c", c);
		else
			fputc(c, f);
		s++;
	}
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
	size_t len = strlen(s);
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		int n = report_utf8_seq(p);
		if (n == 0) {
			fputs(REPLACEMENT_CHAR, f);
			continue;
		}
		if (n > 1) {
			fwrite(p, 1, (size_t)n, f);
			p += n - 1;
			continue;
		}
		fputc(c < 0x20 && c != '\n' && c != '\t' ? ' ' : (c == 0x7F ? ' ' : c), f);
	}
	if (len == 0 || s[len - 1] != '\n')
		fputc('\n', f);
	for (int i = 0; i < fence; i++)
		fputc('`', f);
	fputc('\n', f);
}

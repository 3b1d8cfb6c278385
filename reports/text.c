/*
 * text.c: HTML and Markdown escaping of names (see text.h).
 * Not for gnuplot strings (plot.c) nor for the layout of the report (html.c).
 */
#include "text.h"

#include <string.h>

#include "utf8.h"

#define REPLACEMENT_CHAR "\xEF\xBF\xBD"

void report_html_put(FILE *f, const char *s, int keep_newlines)
{
	if (!s)
		return;
	while (*s) {
		unsigned char c = (unsigned char)*s;
		int n = utf8_seq_len(s);
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
		int n = utf8_seq_len(s);
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
		int n = utf8_seq_len(p);
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

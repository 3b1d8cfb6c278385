/*
 * plot.c: the front of every plot sink (see plot.h): sticky errors, formatted writes, and
 * plot_quote, the only path by which a name enters a gnuplot command. The backends live in
 * plot_gnuplot.c (a gnuplot process) and plot_record.c (the text, for tests). Nothing here
 * knows what a figure shows.
 */
#include "plot.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plotint.h"
#include "utf8.h"

/* The text that stands for the character at p (n bytes of input); returns its length. */
static size_t piece(const char *p, int *n, const char **rep)
{
	switch (utf8_step(p, n)) {
	case UTF8_BAD:
		*rep = "?";
		return 1;
	case UTF8_CTRL:
		*rep = " ";
		return 1;
	case UTF8_END: /* not asked for: the callers stop at the NUL */
	case UTF8_MULTI:
		*rep = p;
		return (size_t)*n;
	case UTF8_TEXT:
		break;
	}
	if (*p == '\'') {
		*rep = "\xE2\x80\x99"; /* U+2019 RIGHT SINGLE QUOTATION MARK */
		return 3;
	}
	if (*p == '`') {
		*rep = "\xE2\x80\x98"; /* U+2018 LEFT SINGLE QUOTATION MARK */
		return 3;
	}
	*rep = p;
	return 1;
}

size_t plot_quote(char *out, size_t len, const char *s)
{
	assert(out && len >= 8);
	const char *p = s ? s : "";
	/* Room for the text between the quotes. */
	size_t room = len - 3;
	/* Does the whole text fit? */
	size_t need = 0, n_src = 0;
	for (const char *q = p; *q;) {
		int n;
		const char *rep;
		need += piece(q, &n, &rep);
		n_src += (size_t)n;
		q += n;
	}
	int cut = need > room || n_src > PLOT_QUOTE_MAX_TEXT;
	size_t limit_out = cut ? room - 3 : room;
	size_t limit_src = cut ? PLOT_QUOTE_MAX_TEXT - 3 : PLOT_QUOTE_MAX_TEXT;

	size_t o = 0, used_src = 0;
	out[o++] = '\'';
	while (*p) {
		int n;
		const char *rep;
		size_t k = piece(p, &n, &rep);
		if (o - 1 + k > limit_out || used_src + (size_t)n > limit_src)
			break;
		memcpy(out + o, rep, k);
		o += k;
		used_src += (size_t)n;
		p += n;
	}
	if (cut) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o++] = '\'';
	out[o] = '\0';
	return o;
}

int plot_write(struct plot_sink *s, const char *text)
{
	if (s->failed)
		return s->failed;
	size_t len = strlen(text);
	if (len == 0)
		return 0;
	int rc = s->write(s, text, len, &s->err);
	if (rc < 0)
		s->failed = rc;
	return rc;
}

int plot_printf(struct plot_sink *s, const char *fmt, ...)
{
	if (s->failed)
		return s->failed;
	char small[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0) {
		s->failed = err_set(&s->err, ERR_RANGE, "plot: cannot format '%s'", fmt);
		return s->failed;
	}
	if ((size_t)n < sizeof small)
		return plot_write(s, small);
	char *big = malloc((size_t)n + 1);
	if (!big) {
		s->failed = err_set(&s->err, ERR_NOMEM, "plot: out of memory");
		return s->failed;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	int rc = plot_write(s, big);
	free(big);
	return rc;
}

int plot_str(struct plot_sink *s, const char *text)
{
	char lit[PLOT_QUOTE_LEN];
	plot_quote(lit, sizeof lit, text);
	return plot_write(s, lit);
}

int plot_finish(struct plot_sink *s, struct errbuf *eb)
{
	if (s->finished)
		return err_set(eb, ERR_USAGE, "plot: sink already finished");
	s->finished = 1;
	/* A gnuplot that failed explains itself better than the broken pipe it left behind. */
	struct errbuf fin = {0, ""};
	int rc = s->finish(s, &fin);
	if (rc < 0) {
		s->failed = rc;
		s->err = fin;
	}
	if (s->failed)
		return err_set(eb, s->failed, "%s", s->err.msg);
	return 0;
}

void plot_sink_destroy(struct plot_sink *s)
{
	if (s)
		s->destroy(s);
}

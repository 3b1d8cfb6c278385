/*
 * plot_record.c: the recording plot sink (see plot.h). It keeps every command in memory
 * and draws nothing, so tests can inspect exactly the text a report would send to
 * gnuplot. Not a gnuplot emulator: it checks nothing about the text.
 */
#include <stdlib.h>
#include <string.h>

#include "plot.h"
#include "plotint.h"

struct record {
	struct plot_sink base; /* first: a struct record is a struct plot_sink */
	char *text;
	size_t len, cap;
};

static int record_write(struct plot_sink *s, const char *buf, size_t len, struct errbuf *eb)
{
	struct record *r = (struct record *)s;
	if (r->len + len + 1 > r->cap) {
		size_t cap = r->cap ? r->cap : 4096;
		while (cap < r->len + len + 1)
			cap *= 2;
		char *t = realloc(r->text, cap);
		if (!t)
			return err_set(eb, ERR_NOMEM, "plot: out of memory recording commands");
		r->text = t;
		r->cap = cap;
	}
	memcpy(r->text + r->len, buf, len);
	r->len += len;
	r->text[r->len] = '\0';
	return 0;
}

static int record_finish(struct plot_sink *s, struct errbuf *eb)
{
	(void)s;
	(void)eb;
	return 0;
}

static void record_destroy(struct plot_sink *s)
{
	struct record *r = (struct record *)s;
	free(r->text);
	free(r);
}

struct plot_sink *plot_record_create(struct errbuf *eb)
{
	struct record *r = calloc(1, sizeof *r);
	if (!r) {
		err_set(eb, ERR_NOMEM, "plot: out of memory");
		return NULL;
	}
	r->base.write = record_write;
	r->base.finish = record_finish;
	r->base.destroy = record_destroy;
	r->base.is_record = 1;
	r->text = calloc(1, 1);
	if (!r->text) {
		free(r);
		err_set(eb, ERR_NOMEM, "plot: out of memory");
		return NULL;
	}
	r->cap = 1;
	return &r->base;
}

const char *plot_record_text(const struct plot_sink *s)
{
	if (!s || !s->is_record)
		return NULL;
	return ((const struct record *)s)->text;
}

/*
 * inilines.h: the line reader that adascale's INI files are fed to inih through
 * (ini_parse_stream), shared by the device, sweep and tolerance readers.
 *
 * inih gives its handler no line numbers and says nothing about a section header that
 * repeats an earlier one (its keys would silently merge). This reader counts lines, so that a
 * handler can name the line it rejects; remembers where each [section] starts, for messages
 * about a whole section; flags a repeated section header and a line longer than inih's
 * buffer; reads a UTF-8 byte order mark and CRLF line ends so that a file is taken as its
 * plain twin is, even at the buffer's limit; and drops leading blanks, so that an indented
 * key is a key (not, as inih would have it, a continuation of the value above). It does not
 * parse keys or values: inih does. It also keeps the file's first failure as
 * "file:line: what" (inilines_fail, for the handlers) and runs inih over the file
 * (inilines_parse), turning read errors and lines inih cannot parse into such messages.
 */
#ifndef ADASCALE_INILINES_H
#define ADASCALE_INILINES_H

#include <ini.h>
#include <stdio.h>

#include "err.h"

#define INILINES_MAX_SECTIONS 32
#define INILINES_NAME_LEN 64

struct inilines {
	FILE *f;           /* the caller's: inilines never opens or closes it */
	const char *path;  /* for messages */
	struct errbuf *eb;
	const char *long_hint; /* said after "line longer than N characters" (may be NULL) */
	int rc;            /* 0, or the code of the first failure (in eb) */
	long line;         /* line number of the line last read (0 before the first) */
	int too_long;      /* 1 when the line last read did not fit in inih's buffer */
	long repeats;      /* when the line last read repeats a [section]: where it first was */
	char section[INILINES_NAME_LEN]; /* the name in the last [section] header read */
	int n_sec;
	char sec_name[INILINES_MAX_SECTIONS][INILINES_NAME_LEN];
	long sec_line[INILINES_MAX_SECTIONS];
};

/*
 * Starts reading f (named path in messages) from its first line; failures go to eb, a too
 * long line's message ends with long_hint in parentheses when it is not NULL.
 */
void inilines_init(struct inilines *r, FILE *f, const char *path, struct errbuf *eb,
		   const char *long_hint);
/*
 * Records "path:line: what" for the line last read, unless a failure is recorded already,
 * and returns 0, which tells inih the line is bad: a handler returns what this returns.
 */
int inilines_fail(struct inilines *r, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same for another line (a section's header, say). */
int inilines_fail_at(struct inilines *r, long line, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/*
 * Runs inih over the file, handler(user, section, key, value) per key. Returns 0, or the
 * first failure's code: the handler's (inilines_fail), a line too long or repeating a
 * section header, a line inih cannot parse, or a read error ("path:line: read error: why").
 */
int inilines_parse(struct inilines *r, ini_handler handler, void *user);
/*
 * Reads the next line into str (at most num - 1 characters, as inih's reader does). Returns
 * str, or NULL at the end of the file, after a read error (ferror(f) tells), when the line is
 * too long (too_long), or when it repeats a section header (repeats is then that header's
 * first line and section its name).
 */
char *inilines_read(struct inilines *r, char *str, int num);
/* The line of the [name] header, or 0 when the file has none (so far). */
long inilines_section_line(const struct inilines *r, const char *name);

#endif

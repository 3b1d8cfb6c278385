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
 * parse keys or values: inih does.
 */
#ifndef ADASCALE_INILINES_H
#define ADASCALE_INILINES_H

#include <stdio.h>

#define INILINES_MAX_SECTIONS 32
#define INILINES_NAME_LEN 64

struct inilines {
	FILE *f;           /* the caller's: inilines never opens or closes it */
	long line;         /* line number of the line last read (0 before the first) */
	int too_long;      /* 1 when the line last read did not fit in inih's buffer */
	long repeats;      /* when the line last read repeats a [section]: where it first was */
	char section[INILINES_NAME_LEN]; /* the name in the last [section] header read */
	int n_sec;
	char sec_name[INILINES_MAX_SECTIONS][INILINES_NAME_LEN];
	long sec_line[INILINES_MAX_SECTIONS];
};

/* Starts reading f from its first line. */
void inilines_init(struct inilines *r, FILE *f);
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

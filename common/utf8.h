/*
 * utf8.h: the one walk over a string as UTF-8 (RFC 3629). Every writer that must not pass
 * a name on raw walks it with utf8_step: error messages (err.c), the report escapers for
 * HTML, Markdown, CSV and JSON (reports/text.c) and gnuplot literals (reports/plot.c). Each
 * step is a well-formed character or one byte that is not part of one, so the writers agree
 * on what is broken and what is a control character, and differ only in what they write for
 * it. Not a decoder: nothing here turns bytes into code points; not a writer either.
 */
#ifndef ADASCALE_UTF8_H
#define ADASCALE_UTF8_H

/* What one step of the walk covers. */
enum utf8_kind {
	UTF8_END,   /* the terminating NUL: the walk is over (length 0) */
	UTF8_TEXT,  /* one printable ASCII byte, 0x20 to 0x7E */
	UTF8_CTRL,  /* one ASCII control character, 0x01 to 0x1F or DEL (0x7F) */
	UTF8_MULTI, /* one well-formed character of 2 to 4 bytes */
	UTF8_BAD,   /* one byte that does not start a well-formed sequence */
};

/*
 * The step that starts at s: its kind, and in *len its length in bytes (0 for UTF8_END, 1
 * for TEXT, CTRL and BAD, 2 to 4 for MULTI). The next step starts at s + *len. A byte is
 * BAD when it is a stray continuation byte, or starts an overlong form, a surrogate, a code
 * point above U+10FFFF or a sequence cut short; the bytes after it are steps of their own.
 * Reads no further than a NUL.
 */
enum utf8_kind utf8_step(const char *s, int *len);

/*
 * The length (1 to 4) of the well-formed UTF-8 sequence that starts at s, or 0 when the
 * bytes at s are not one. The check behind utf8_step, for code that only validates; s must
 * not point at the terminating NUL.
 */
int utf8_seq_len(const char *s);

#endif

/*
 * utf8.h: the one check of well-formed UTF-8 (RFC 3629) that error messages (err.c) and
 * report writers (reports/text.c, tables.c, plot.c) use to find the bytes they must not
 * pass on raw. Not a decoder: nothing here turns bytes into code points.
 */
#ifndef ADASCALE_UTF8_H
#define ADASCALE_UTF8_H

/*
 * The length (1 to 4) of the well-formed UTF-8 sequence that starts at s, or 0 when the
 * bytes at s are not one (a stray continuation byte, an overlong form, a surrogate, a
 * code point above U+10FFFF, a truncated sequence). It reads no further than a NUL. s must
 * not point at the terminating NUL.
 */
int utf8_seq_len(const char *s);

#endif

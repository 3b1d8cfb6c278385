/*
 * utf8.c: the walk over a string as UTF-8 (see utf8.h). Not for what a writer makes of a
 * step: that is the writer's own rule.
 */
#include "utf8.h"

static int cont(unsigned char c) { return (c & 0xC0) == 0x80; }

int utf8_seq_len(const char *s)
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

enum utf8_kind utf8_step(const char *s, int *len)
{
	unsigned char c = (unsigned char)*s;
	if (c == 0) {
		*len = 0;
		return UTF8_END;
	}
	if (c < 0x80) {
		*len = 1;
		return c < 0x20 || c == 0x7F ? UTF8_CTRL : UTF8_TEXT;
	}
	int n = utf8_seq_len(s);
	*len = n ? n : 1;
	return n ? UTF8_MULTI : UTF8_BAD;
}

/*
 * err.c: names and messages of the error table in err.h, and the error buffer helpers.
 * Not for printing or logging: the CLIs decide what reaches stderr.
 */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "utf8.h"

static const char *const names[] = {
#define ERR_NAME_(name, msg) #name,
	ERR_MAP(ERR_NAME_)
#undef ERR_NAME_
};

static const char *const msgs[] = {
#define ERR_MSG_(name, msg) msg,
	ERR_MAP(ERR_MSG_)
#undef ERR_MSG_
};

#define N_CODES ((int)(sizeof names / sizeof names[0]))

const char *err_name(int code)
{
	if (code == 0)
		return "OK";
	if (code < 0 && -code <= N_CODES)
		return names[-code - 1];
	return "UNKNOWN";
}

const char *err_msg(int code)
{
	if (code == 0)
		return "success";
	if (code < 0 && -code <= N_CODES)
		return msgs[-code - 1];
	return "unknown error";
}

/*
 * Rewrites msg so that it prints as text: a byte that is not part of well-formed UTF-8, and a
 * control character other than newline and tab, becomes \xNN. Messages quote what files
 * and arguments hold, and a terminal should not receive a stray escape sequence or broken
 * UTF-8 from them. Cut at a character boundary when the escapes make it longer than msg.
 */
static void make_printable(char *msg)
{
	char out[ERRBUF_LEN];
	size_t o = 0;
	const unsigned char *s = (const unsigned char *)msg;
	while (*s) {
		int n;
		enum utf8_kind k = utf8_step((const char *)s, &n);
		if (k == UTF8_BAD || (k == UTF8_CTRL && *s != '\n' && *s != '\t')) {
			if (o + 4 >= sizeof out)
				break;
			snprintf(out + o, sizeof out - o, "\\x%02x", *s);
			o += 4;
			s++;
			continue;
		}
		if (o + (size_t)n >= sizeof out)
			break;
		memcpy(out + o, s, (size_t)n);
		o += (size_t)n;
		s += n;
	}
	out[o] = 0;
	memcpy(msg, out, o + 1);
}

int err_set(struct errbuf *eb, int code, const char *fmt, ...)
{
	if (!eb)
		return code;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(eb->msg, sizeof eb->msg, fmt, ap);
	va_end(ap);
	make_printable(eb->msg);
	eb->code = code;
	return code;
}

int err_wrap(struct errbuf *eb, const char *fmt, ...)
{
	if (!eb)
		return ERR_OK;
	char prefix[ERRBUF_LEN];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	char old[ERRBUF_LEN];
	memcpy(old, eb->msg, sizeof old);
	snprintf(eb->msg, sizeof eb->msg, "%.300s: %.700s", prefix, old);
	make_printable(eb->msg);
	return eb->code;
}

int err_exit_status(int code)
{
	switch (code) {
	case ERR_OK:
		return 0;
	case ERR_PARSE:
	case ERR_RANGE:
	case ERR_NOTFOUND:
	case ERR_USAGE:
	case ERR_PLUGIN:
		return 2;
	default:
		return 1;
	}
}

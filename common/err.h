/*
 * err.h: the one table of error codes that every module of adascale returns, with each
 * code's name and message, and the error buffer that carries the detail ("file:line: what").
 *
 * Functions return 0 on success or a negative ERR_* code; the detail goes into a
 * struct errbuf the caller passes. This is not a logging facility: nothing here prints.
 */
#ifndef ADASCALE_ERR_H
#define ADASCALE_ERR_H

#include <stddef.h>

/* X(NAME, message): the codes are -1, -2, ... in this order. */
#define ERR_MAP(X)                                              \
	X(NOMEM, "out of memory")                               \
	X(IO, "input/output error")                             \
	X(PARSE, "malformed input")                             \
	X(RANGE, "value out of range")                          \
	X(NOTFOUND, "not found")                                \
	X(USAGE, "wrong usage")                                 \
	X(DB, "database error")                                 \
	X(PLUGIN, "policy plugin error")                        \
	X(BACKEND, "kernel backend error")                      \
	X(CHILD, "child process failed")                        \
	X(INTERRUPTED, "interrupted")                           \
	X(POLICY, "policy failed during the run")

enum err_code {
	ERR_OK = 0,
#define ERR_ENUM_(name, msg) ERR_ENUM_PLACEHOLDER_##name,
	ERR_MAP(ERR_ENUM_)
#undef ERR_ENUM_
	ERR_N_PLUS_ONE_
};

/* Negative codes: ERR_NOMEM == -1, ERR_IO == -2, ... */
#define ERR_CODE_(name) (-(int)ERR_ENUM_PLACEHOLDER_##name)
#define ERR_NOMEM ERR_CODE_(NOMEM)
#define ERR_IO ERR_CODE_(IO)
#define ERR_PARSE ERR_CODE_(PARSE)
#define ERR_RANGE ERR_CODE_(RANGE)
#define ERR_NOTFOUND ERR_CODE_(NOTFOUND)
#define ERR_USAGE ERR_CODE_(USAGE)
#define ERR_DB ERR_CODE_(DB)
#define ERR_PLUGIN ERR_CODE_(PLUGIN)
#define ERR_BACKEND ERR_CODE_(BACKEND)
#define ERR_CHILD ERR_CODE_(CHILD)
#define ERR_INTERRUPTED ERR_CODE_(INTERRUPTED)
#define ERR_POLICY ERR_CODE_(POLICY)

#define ERRBUF_LEN 1024

/* The detail of the last error; the caller owns it (usually on its stack). */
struct errbuf {
	int code;
	char msg[ERRBUF_LEN];
};

/* "NOMEM", "PARSE", ...; "OK" for 0 and "UNKNOWN" for anything else. */
const char *err_name(int code);
/* The table's message for a code. */
const char *err_msg(int code);

/*
 * Formats the detail into eb (eb may be NULL) and returns code, so a caller can write
 * `return err_set(eb, ERR_PARSE, "%s:%ld: bad value '%s'", path, line, s);`.
 */
int err_set(struct errbuf *eb, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Puts "prefix: " in front of the current detail (for adding context on the way up). */
int err_wrap(struct errbuf *eb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * The process exit status a CLI uses for a code: 0 for OK, 2 for data and usage errors
 * (PARSE, RANGE, NOTFOUND, USAGE, PLUGIN) and 1 for everything else.
 */
int err_exit_status(int code);

#endif

/*
 * num.c: strict number parsing (see num.h), on strtod/strtol so the C library's rules for
 * what a number looks like apply, with the checks those functions leave to their callers.
 */
#include "num.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "err.h"

static int only_blanks(const char *p)
{
	while (*p && isspace((unsigned char)*p))
		p++;
	return *p == '\0';
}

int num_double(const char *s, double *out)
{
	if (!s || only_blanks(s))
		return ERR_PARSE;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || !only_blanks(end))
		return ERR_PARSE;
	if (isnan(v) || isinf(v))
		return errno == ERANGE ? ERR_RANGE : ERR_PARSE;
	if (errno == ERANGE && v != 0)
		return ERR_RANGE;
	*out = v;
	return 0;
}

int num_long(const char *s, long *out)
{
	if (!s || only_blanks(s))
		return ERR_PARSE;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (end == s || !only_blanks(end))
		return ERR_PARSE;
	if (errno == ERANGE)
		return ERR_RANGE;
	*out = v;
	return 0;
}

int num_u64(const char *s, uint64_t *out)
{
	if (!s || only_blanks(s))
		return ERR_PARSE;
	const char *p = s;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '-')
		return ERR_RANGE;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(p, &end, 10);
	if (end == p || !only_blanks(end))
		return ERR_PARSE;
	if (errno == ERANGE)
		return ERR_RANGE;
	*out = (uint64_t)v;
	return 0;
}

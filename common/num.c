/*
 * num.c: strict number parsing (see num.h), on strtod/strtol so the C library's rules for
 * what a number looks like apply, with the checks those functions leave to their callers.
 */
#include "num.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

static int only_blanks(const char *p)
{
	while (*p && isspace((unsigned char)*p))
		p++;
	return *p == '\0';
}

/*
 * Clinger's fast path: a decimal with at most 15 significant digits and a power of ten of at
 * most 22 in magnitude is an exact integer times or over an exact power of ten, so one IEEE
 * multiplication or division gives the correctly rounded result, the same bits as strtod.
 * Returns 1 with *out set, or 0 when the text needs strtod (more digits, hex, inf, nan...).
 */
static int fast_decimal(const char *p, double *out)
{
	static const double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
				       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
				       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
	while (*p == ' ' || *p == '\t')
		p++;
	int neg = *p == '-';
	if (*p == '-' || *p == '+')
		p++;
	uint64_t m = 0;
	int digits = 0, scale = 0, any = 0;
	for (; *p >= '0' && *p <= '9'; p++, any = 1) {
		if (m == 0 && *p == '0')
			continue;
		if (++digits > 15)
			return 0;
		m = m * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, any = 1) {
			scale--;
			if (m == 0 && *p == '0')
				continue;
			if (++digits > 15)
				return 0;
			m = m * 10 + (uint64_t)(*p - '0');
		}
	}
	if (!any)
		return 0;
	if (*p == 'e' || *p == 'E') {
		p++;
		int eneg = *p == '-';
		if (*p == '-' || *p == '+')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return 0;
		int e = 0;
		for (; *p >= '0' && *p <= '9'; p++) {
			if (e > 1000)
				return 0;
			e = e * 10 + (*p - '0');
		}
		scale += eneg ? -e : e;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p)
		return 0;
	if (scale < -22 || scale > 22)
		return 0;
	double v = (double)m; /* exact: m < 10^15 < 2^53 */
	v = scale < 0 ? v / pow10[-scale] : v * pow10[scale];
	*out = neg ? -v : v;
	return 1;
}

int num_double(const char *s, double *out)
{
	if (s && fast_decimal(s, out))
		return 0;
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

void num_exact(char buf[32], double v)
{
	if (v == 0)
		v = 0; /* no "-0" */
	double a = v < 0 ? -v : v;
	if (a == 0 || (a >= 1e-4 && a < 1e15)) {
		/* plain decimals, as few as read back exactly */
		for (int decimals = 0; decimals <= 17; decimals++) {
			snprintf(buf, 32, "%.*f", decimals, v);
			if (strtod(buf, NULL) == v)
				return;
		}
	}
	for (int digits = 1; digits <= 17; digits++) {
		snprintf(buf, 32, "%.*g", digits, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

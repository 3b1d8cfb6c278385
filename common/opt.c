/*
 * opt.c: the option parser (see opt.h). Hand-written rather than getopt_long so that it
 * takes no abbreviations, prints nothing of its own wording, keeps no global state and
 * accepts options and positional arguments in any order without permuting argv.
 */
#include "opt.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "num.h"

int opt_usage(const struct opt_verb *v, const char *fmt, ...)
{
	char what[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s %s: %s (%s %s --help)\n", v->prog, v->verb, what, v->prog, v->verb);
	return OPT_ERROR;
}

int opt_status(int rc) { return rc == OPT_HELP ? 0 : 2; }

static const struct opt *find_long(const struct opt *opts, const char *name, size_t len)
{
	for (const struct opt *o = opts; o->name; o++)
		if (strlen(o->name) == len && memcmp(o->name, name, len) == 0)
			return o;
	return NULL;
}

static const struct opt *find_short(const struct opt *opts, int c)
{
	for (const struct opt *o = opts; o->name; o++)
		if (o->short_name && o->short_name == c)
			return o;
	return NULL;
}

/* "--deadline-ms" or "-o" as the user wrote the option, for messages. */
static void spelled(char *buf, size_t n, const struct opt *o, int as_short)
{
	if (as_short)
		snprintf(buf, n, "-%c", o->short_name);
	else
		snprintf(buf, n, "--%s", o->name);
}

static int bad_value(const struct opt_verb *v, const char *opt, const struct opt *o,
		     const char *value, const char *why)
{
	if (why && why[0])
		return opt_usage(v, "%s '%s': %s", opt, value, why);
	if (o->takes)
		return opt_usage(v, "%s '%s' %s", opt, value, o->takes);
	return opt_usage(v, "%s: bad value '%s'", opt, value);
}

static int in_range(const struct opt *o, double x)
{
	return !(o->min < o->max) || (x >= o->min && x <= o->max);
}

static int set_value(const struct opt_verb *v, const char *opt, const struct opt *o,
		     const char *value)
{
	double x;
	long l;
	uint64_t u;
	char why[256] = "";
	switch (o->type) {
	case OPT_FLAG:
		*(int *)o->dst = 1;
		return OPT_OK;
	case OPT_STR:
		*(const char **)o->dst = value;
		return OPT_OK;
	case OPT_DOUBLE:
		if (num_double(value, &x) < 0 || !in_range(o, x))
			return bad_value(v, opt, o, value, NULL);
		*(double *)o->dst = x;
		return OPT_OK;
	case OPT_INT:
		if (num_long(value, &l) < 0 || l < INT32_MIN || l > INT32_MAX ||
		    !in_range(o, (double)l))
			return bad_value(v, opt, o, value, NULL);
		*(int *)o->dst = (int)l;
		return OPT_OK;
	case OPT_U64:
		if (num_u64(value, &u) < 0)
			return bad_value(v, opt, o, value, NULL);
		*(uint64_t *)o->dst = u;
		return OPT_OK;
	case OPT_FN:
		if (o->fn(value, o->dst, why, sizeof why) < 0)
			return bad_value(v, opt, o, value, why);
		return OPT_OK;
	}
	return opt_usage(v, "%s: unknown option type", opt);
}

int opt_parse(const struct opt_verb *v, const struct opt *opts, int argc, char **argv,
	      char **pos, int max_pos, int *n_pos)
{
	int n = 0, only_pos = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (only_pos || a[0] != '-' || a[1] == '\0') {
			if (n >= max_pos)
				return opt_usage(v, "unexpected argument '%s'", a);
			pos[n++] = argv[i];
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_pos = 1;
			continue;
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(v->help, stdout);
			return OPT_HELP;
		}
		const struct opt *o;
		const char *value = NULL;
		int as_short = a[1] != '-';
		if (!as_short) {
			const char *name = a + 2, *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			o = find_long(opts, name, len);
			if (!o)
				return opt_usage(v, "unknown option '--%.*s'", (int)len, name);
			if (eq)
				value = eq + 1;
		} else {
			o = find_short(opts, a[1]);
			if (!o)
				return opt_usage(v, "unknown option '-%c'", a[1]);
			if (a[2])
				value = a + 2;
		}
		char opt[80];
		spelled(opt, sizeof opt, o, as_short);
		if (o->type == OPT_FLAG) {
			if (value)
				return opt_usage(v, "%s takes no value", opt);
		} else if (!value) {
			if (i + 1 >= argc)
				return opt_usage(v, "%s needs a value", opt);
			value = argv[++i];
		}
		int rc = set_value(v, opt, o, value);
		if (rc != OPT_OK)
			return rc;
	}
	*n_pos = n;
	return OPT_OK;
}

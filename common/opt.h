/*
 * opt.h: the one command-line option parser of both programs (adascale and adascale-agent).
 * A verb declares its options as a table; opt_parse fills the targets, takes `--name=value`
 * and `--name value` alike (and `-x value`, `-xvalue` for options with a short name),
 * collects the positional arguments, answers `--help`/`-h` with the verb's help on standard
 * output, and reports every mistake the same way: `PROG VERB: what (PROG VERB --help)` on
 * standard error, exit status 2. Not for what the options mean: each verb checks its own
 * combinations after parsing.
 */
#ifndef ADASCALE_OPT_H
#define ADASCALE_OPT_H

#include <stddef.h>

enum opt_type {
	OPT_FLAG,   /* no value: *(int *)dst = 1 */
	OPT_STR,    /* *(const char **)dst = the value (points into argv) */
	OPT_DOUBLE, /* *(double *)dst, a finite number, in [min, max] when min < max */
	OPT_INT,    /* *(int *)dst, an integer, in [min, max] when min < max */
	OPT_U64,    /* *(uint64_t *)dst, a non-negative integer */
	OPT_FN      /* fn(value, dst): 0, or -1 with the reason in why */
};

/* One option of a verb; a table ends with an entry whose name is NULL. */
struct opt {
	const char *name;  /* long name without the dashes: "deadline-ms" */
	int short_name;    /* 'o' for -o, or 0 */
	enum opt_type type;
	void *dst;
	double min, max;   /* OPT_DOUBLE, OPT_INT: the accepted range when min < max */
	int (*fn)(const char *value, void *dst, char *why, size_t why_len); /* OPT_FN */
	const char *takes; /* how a bad value is explained: "takes a count in 1..1000000" */
};

/* Who is parsing: "adascale" and "run", or "adascale" and "trace gen". */
struct opt_verb {
	const char *prog;
	const char *verb;
	const char *help; /* the whole --help text */
};

enum {
	OPT_OK = 0,
	OPT_HELP = 1,  /* --help was given and printed: the verb exits 0 */
	OPT_ERROR = 2  /* a usage error was printed: the verb exits 2 */
};

/*
 * Parses argv[1..argc-1] (argv[0] is the verb) against opts. Positional arguments, in
 * order, go to pos (at most max_pos; one more is a usage error, "unexpected argument") and
 * their count to *n_pos; "--" ends the options. Returns OPT_OK, OPT_HELP or OPT_ERROR.
 */
int opt_parse(const struct opt_verb *v, const struct opt *opts, int argc, char **argv,
	      char **pos, int max_pos, int *n_pos);

/* The exit status for what opt_parse returned other than OPT_OK: 0 after help, 2 after an error. */
int opt_status(int rc);

/* Prints `PROG VERB: <what> (PROG VERB --help)` to standard error; returns OPT_ERROR. */
int opt_usage(const struct opt_verb *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif

/*
 * num.h: strict parsing of numbers from text (CSV fields, INI values, command-line options).
 * Strict means: the whole string is the number (surrounding blanks allowed), finite, and in
 * range for the type. Not for formatting numbers, nor for messages: callers name the place.
 */
#ifndef ADASCALE_NUM_H
#define ADASCALE_NUM_H

#include <stdint.h>

/* 0 and *out set, or ERR_PARSE (not a number, NaN, inf, trailing text) / ERR_RANGE. */
int num_double(const char *s, double *out);
int num_long(const char *s, long *out);
int num_u64(const char *s, uint64_t *out);

/*
 * Formats v in as few digits as read back as exactly v: plain decimals ("1500.398464",
 * "2000") for magnitudes from 1e-4 to 1e15, the shortest "%g" form otherwise.
 */
void num_exact(char buf[32], double v);

#endif

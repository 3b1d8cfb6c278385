/*
 * metrics.c: the metric descriptor table (see metrics.h).
 */
#include "metrics.h"

#define IS_INT_int64_t 1
#define IS_INT_double 0

const struct metric_desc metrics_table[] = {
#define METRICS_DESC_(col, type, unit, better) {#col, IS_INT_##type, unit, better},
	METRICS_MAP(METRICS_DESC_)
#undef METRICS_DESC_
};

const int metrics_n = (int)(sizeof metrics_table / sizeof metrics_table[0]);

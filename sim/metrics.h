/*
 * metrics.h: the per-run metrics, one table shared by the run loop (which fills them), the
 * store (one column each in `runs`), reports and comparisons (which know from it the unit
 * and which direction is better). Adding a metric is one line here.
 *
 * X(column, C type, unit, better): better is +1 when higher is better, -1 when lower is, 0
 * when neither (a count that describes the run rather than judges it). The unit is the
 * column's unit in the database too ("" for a count; "fraction" is 0..1, "%" is 0..100).
 *
 * ontime_top1 leads: it is the objective policies are ranked by, the accuracy of on-time
 * answers, sum over the requests answered within their deadline of the answering variant's
 * top-1, divided by all requests (late, dropped, failed and unfinished ones count 0), in
 * percent. mean_top1 is the mean top-1 of the served answers, on time or late.
 */
#ifndef ADASCALE_METRICS_H
#define ADASCALE_METRICS_H

#include <stdint.h>

#define METRICS_MAP(X)                                   \
	X(ontime_top1, double, "%", 1)                   \
	X(requests, int64_t, "", 0)                      \
	X(served, int64_t, "", 1)                        \
	X(dropped, int64_t, "", -1)                      \
	X(deadline_misses, int64_t, "", -1)              \
	X(failures, int64_t, "", -1)                     \
	X(miss_rate, double, "fraction", -1)             \
	X(lat_mean_ms, double, "ms", -1)                 \
	X(lat_p50_ms, double, "ms", -1)                  \
	X(lat_p95_ms, double, "ms", -1)                  \
	X(lat_p99_ms, double, "ms", -1)                  \
	X(mean_top1, double, "%", 1)                     \
	X(energy_mj, double, "mJ", -1)                   \
	X(energy_per_inf_mj, double, "mJ", -1)           \
	X(switches, int64_t, "", -1)                     \
	X(events, int64_t, "", 0)                        \
	X(sim_s, double, "s", 0)

struct metrics {
#define METRICS_FIELD_(col, type, unit, better) type col;
	METRICS_MAP(METRICS_FIELD_)
#undef METRICS_FIELD_
};

/* Describes one metric; metrics_table lists them in METRICS_MAP order. */
struct metric_desc {
	const char *name;
	int is_int;
	const char *unit;
	int better;
};

extern const struct metric_desc metrics_table[];
extern const int metrics_n;

#endif

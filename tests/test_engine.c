/*
 * test_engine.c: the event queue (ordering by time then insertion, cancellation, a clock
 * that never goes back) and the named random streams (reproducible and independent).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "event.h"
#include "hist.h"
#include "rng.h"

Test(engine, events_pop_by_time_then_insertion)
{
	struct event_queue q;
	cr_assert_eq(event_queue_init(&q, NULL), 0);
	event_push(&q, 30, 0, 1, NULL);
	event_push(&q, 10, 0, 2, NULL);
	event_push(&q, 30, 0, 3, NULL);
	event_push(&q, 10, 0, 4, NULL);
	event_push(&q, 20, 0, 5, NULL);
	const int64_t want[] = {2, 4, 5, 1, 3};
	struct event e;
	for (int i = 0; i < 5; i++) {
		cr_assert_eq(event_pop(&q, &e), 1);
		cr_assert_eq(e.arg, want[i], "pop %d: got %lld", i, (long long)e.arg);
		cr_assert_eq(event_now(&q), e.t_ns);
	}
	cr_assert_eq(event_pop(&q, &e), 0);
	event_queue_free(&q);
}

Test(engine, cancelled_events_are_skipped)
{
	struct event_queue q;
	event_queue_init(&q, NULL);
	struct event *a = event_push(&q, 5, 0, 1, NULL);
	event_push(&q, 6, 0, 2, NULL);
	event_cancel(a);
	struct event e;
	cr_assert_eq(event_pop(&q, &e), 1);
	cr_assert_eq(e.arg, 2);
	cr_assert_eq(event_pop(&q, &e), 0);
	event_queue_free(&q);
}

/* A theory over many random schedules: the clock is monotone and ties keep their order. */
Test(engine, clock_is_monotone_under_random_schedules)
{
	struct rng r;
	rng_init(&r, 7, "schedule");
	struct event_queue q;
	event_queue_init(&q, NULL);
	for (int i = 0; i < 1000; i++)
		event_push(&q, (int64_t)(rng_u64(&r) % 100), 0, i, NULL);
	struct event e, prev = {0};
	int n = 0;
	while (event_pop(&q, &e)) {
		if (n) {
			cr_assert(e.t_ns >= prev.t_ns);
			if (e.t_ns == prev.t_ns)
				cr_assert(e.seq > prev.seq);
		}
		/* schedule follow-ups in the future, as a simulation does */
		if (n < 5000)
			event_push(&q, e.t_ns + (int64_t)(rng_u64(&r) % 50), 0, n, NULL);
		prev = e;
		n++;
	}
	cr_assert_eq(n, 1000 + 5000);
	event_queue_free(&q);
}

Test(engine, rng_streams_reproducible_and_independent)
{
	struct rng a, b, c;
	rng_init(&a, 42, "arrivals");
	rng_init(&b, 42, "arrivals");
	rng_init(&c, 42, "service");
	int same_as_other = 0;
	for (int i = 0; i < 100; i++) {
		uint64_t x = rng_u64(&a), y = rng_u64(&b), z = rng_u64(&c);
		cr_assert_eq(x, y);
		same_as_other += x == z;
	}
	cr_assert_eq(same_as_other, 0);
	/* drawing from one stream does not shift another */
	struct rng d, e;
	rng_init(&d, 42, "service");
	rng_init(&e, 42, "service");
	for (int i = 0; i < 10; i++)
		rng_u64(&a);
	cr_assert_eq(rng_u64(&d), rng_u64(&e));
}

Test(engine, rng_uniform_and_exponential_moments)
{
	struct rng r;
	rng_init(&r, 1, "moments");
	double sum = 0, sum_e = 0;
	int n = 200000;
	for (int i = 0; i < n; i++) {
		double u = rng_uniform(&r);
		cr_assert(u >= 0 && u < 1);
		sum += u;
		sum_e += rng_exp(&r, 3.0);
	}
	cr_assert(fabs(sum / n - 0.5) < 0.005, "mean %g", sum / n);
	cr_assert(fabs(sum_e / n - 3.0) < 0.05, "exp mean %g", sum_e / n);
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

Test(engine, histogram_quantiles_within_a_tenth_of_a_percent)
{
	struct hist h;
	cr_assert_eq(hist_init(&h, NULL), 0);
	struct rng r;
	rng_init(&r, 3, "hist");
	enum { N = 20000 };
	static double v[N];
	double sum = 0;
	for (int i = 0; i < N; i++) {
		v[i] = 1e6 * (1 + rng_exp(&r, 5)); /* 1 ms and up, in ns */
		sum += v[i];
		hist_add(&h, v[i]);
	}
	qsort(v, N, sizeof v[0], cmp_d);
	const double qs[] = {0.01, 0.5, 0.9, 0.95, 0.99, 0.999};
	for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
		double exact = v[(int)ceil(qs[i] * N) - 1];
		double got = hist_quantile(&h, qs[i]);
		cr_assert(got >= exact && got <= exact * 1.001, "q%g: %g vs exact %g", qs[i], got,
			  exact);
	}
	cr_assert_float_eq(hist_quantile(&h, 0), v[0], 0);
	cr_assert_float_eq(hist_quantile(&h, 1), v[N - 1], 0);
	cr_assert_float_eq(hist_mean(&h), sum / N, 1e-6 * sum / N);
	/* all percentiles in one pass: each within a tenth of a percent of the sorted sample */
	double q[101], got[101];
	for (int i = 0; i <= 100; i++)
		q[i] = i / 100.0;
	hist_quantiles(&h, q, 101, got);
	for (int i = 1; i < 100; i++) {
		double exact = v[(int)ceil(q[i] * N) - 1];
		cr_assert(got[i] >= exact && got[i] <= exact * 1.001, "q%g: %g vs exact %g", q[i],
			  got[i], exact);
		cr_assert(got[i] >= got[i - 1], "q%g below q%g", q[i], q[i - 1]);
	}
	cr_assert(got[0] == v[0] && got[100] == v[N - 1]);
	hist_free(&h);
}

/*
 * ticks.h: a cheap monotonic counter for timing short calls (a policy's decide, tens of ns),
 * where even the vDSO clock costs more than the call: the time-stamp counter on x86-64, the
 * virtual counter on aarch64, the monotonic clock in ns elsewhere. Ticks are converted to
 * time afterwards by the ratio of the monotonic clock to the counter over a longer span
 * (ticks_ns_per_tick), so no rate is assumed; the x86 counter runs at a constant rate on
 * every CPU with an invariant TSC, which is what this relies on there.
 */
#ifndef ADASCALE_TICKS_H
#define ADASCALE_TICKS_H

#include <stdint.h>
#include <time.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <x86intrin.h>
#endif

static inline uint64_t ticks_mono_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static inline uint64_t ticks_now(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
	return __rdtsc();
#elif defined(__aarch64__) && defined(__GNUC__)
	uint64_t v;
	__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v));
	return v;
#else
	return ticks_mono_ns();
#endif
}

/* A span's start on both clocks; ticks_ns_per_tick gives the ratio over it so far. */
struct ticks_span {
	uint64_t ns0, tick0;
};

static inline void ticks_span_start(struct ticks_span *s)
{
	s->ns0 = ticks_mono_ns();
	s->tick0 = ticks_now();
}

/* Nanoseconds per tick over the span until now; 0 when the counter has not moved. */
static inline double ticks_ns_per_tick(const struct ticks_span *s)
{
	uint64_t ns = ticks_mono_ns() - s->ns0, ticks = ticks_now() - s->tick0;
	return ticks ? (double)ns / (double)ticks : 0;
}

#endif

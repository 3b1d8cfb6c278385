/*
 * event.h: the event queue of the discrete-event engine: a binary heap ordered by
 * (time in integer nanoseconds, insertion sequence), so that events at the same time run in
 * the order they were scheduled. The queue owns "now": only event_pop moves it, and never
 * backwards. Cancellation is by flag: a cancelled event stays in the heap and is skipped
 * when it comes out. Not for what events mean (sim/run.c).
 */
#ifndef ADASCALE_EVENT_H
#define ADASCALE_EVENT_H

#include <stdint.h>

#include "err.h"

struct event {
	int64_t t_ns;
	uint64_t seq;
	int type;
	int cancelled;
	int64_t arg;
	struct event *next_free; /* the queue's free list */
};

struct event_queue {
	struct event **heap;   /* pointers into slots, so a caller may hold one to cancel it */
	int n, cap;
	struct event *free_list;   /* popped events, reused */
	struct event **chunks;     /* owned blocks of events */
	int n_chunks;
	uint64_t next_seq;
	int64_t now_ns;
	uint64_t n_popped;
};

int event_queue_init(struct event_queue *q, struct errbuf *eb);
void event_queue_free(struct event_queue *q);
/*
 * Schedules an event at t_ns (>= now). Returns a handle valid until the event is popped,
 * for event_cancel, or NULL when out of memory (detail in eb).
 */
struct event *event_push(struct event_queue *q, int64_t t_ns, int type, int64_t arg,
			 struct errbuf *eb);
void event_cancel(struct event *e);
/*
 * Takes the next live event, moves now to its time and copies it into *out: 1, or 0 when the
 * queue is empty. The handle of the popped event becomes invalid.
 */
int event_pop(struct event_queue *q, struct event *out);
static inline int64_t event_now(const struct event_queue *q) { return q->now_ns; }

#endif

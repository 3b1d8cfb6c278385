/*
 * event.c: the (time, sequence)-ordered binary heap of events (see event.h). Events live in
 * blocks owned by the queue and are recycled through a free list, so scheduling does not
 * call malloc in the steady state.
 */
#include "event.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK 1024

int event_queue_init(struct event_queue *q, struct errbuf *eb)
{
	memset(q, 0, sizeof *q);
	q->cap = 64;
	q->heap = malloc((size_t)q->cap * sizeof *q->heap);
	if (!q->heap)
		return err_set(eb, ERR_NOMEM, "event queue: out of memory");
	return 0;
}

void event_queue_free(struct event_queue *q)
{
	for (int i = 0; i < q->n_chunks; i++)
		free(q->chunks[i]);
	free(q->chunks);
	free(q->heap);
	memset(q, 0, sizeof *q);
}

static int before(const struct event *a, const struct event *b)
{
	return a->t_ns < b->t_ns || (a->t_ns == b->t_ns && a->seq < b->seq);
}

static struct event *alloc_event(struct event_queue *q, struct errbuf *eb)
{
	if (!q->free_list) {
		struct event **c = realloc(q->chunks, (size_t)(q->n_chunks + 1) * sizeof *c);
		if (!c)
			goto nomem;
		q->chunks = c;
		struct event *block = malloc(CHUNK * sizeof *block);
		if (!block)
			goto nomem;
		q->chunks[q->n_chunks++] = block;
		for (int i = CHUNK - 1; i >= 0; i--) {
			block[i].next_free = q->free_list;
			q->free_list = &block[i];
		}
	}
	struct event *e = q->free_list;
	q->free_list = e->next_free;
	return e;
nomem:
	err_set(eb, ERR_NOMEM, "event queue: out of memory");
	return NULL;
}

struct event *event_push(struct event_queue *q, int64_t t_ns, int type, int64_t arg,
			 struct errbuf *eb)
{
	assert(t_ns >= q->now_ns && "an event may not be scheduled in the past");
	if (q->n == q->cap) {
		struct event **h = realloc(q->heap, (size_t)q->cap * 2 * sizeof *h);
		if (!h) {
			err_set(eb, ERR_NOMEM, "event queue: out of memory");
			return NULL;
		}
		q->heap = h;
		q->cap *= 2;
	}
	struct event *e = alloc_event(q, eb);
	if (!e)
		return NULL;
	e->t_ns = t_ns;
	e->seq = q->next_seq++;
	e->type = type;
	e->arg = arg;
	e->cancelled = 0;
	int i = q->n++;
	while (i > 0) {
		int parent = (i - 1) / 2;
		if (!before(e, q->heap[parent]))
			break;
		q->heap[i] = q->heap[parent];
		i = parent;
	}
	q->heap[i] = e;
	return e;
}

void event_cancel(struct event *e) { e->cancelled = 1; }

static struct event *pop_top(struct event_queue *q)
{
	struct event *top = q->heap[0];
	struct event *last = q->heap[--q->n];
	int i = 0;
	for (;;) {
		int child = 2 * i + 1;
		if (child >= q->n)
			break;
		if (child + 1 < q->n && before(q->heap[child + 1], q->heap[child]))
			child++;
		if (!before(q->heap[child], last))
			break;
		q->heap[i] = q->heap[child];
		i = child;
	}
	if (q->n)
		q->heap[i] = last;
	return top;
}

int event_pop(struct event_queue *q, struct event *out)
{
	while (q->n) {
		struct event *e = pop_top(q);
		int live = !e->cancelled;
		if (live) {
			assert(e->t_ns >= q->now_ns && "the clock never goes backwards");
			q->now_ns = e->t_ns;
			*out = *e;
			q->n_popped++;
		}
		e->next_free = q->free_list;
		q->free_list = e;
		if (live)
			return 1;
	}
	return 0;
}

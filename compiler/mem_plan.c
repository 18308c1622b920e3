// SPDX-License-Identifier: MIT
/*
 * Memory planning by greedy-by-size best fit (see mem_plan.h). Placing the largest buffers
 * first lets the small ones fill the holes between them; choosing the smallest hole that fits
 * keeps the large holes for the buffers that need them.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "compiler/mem_plan.h"

/* A buffer's place in the order of placement: larger first, then longer-lived, then index. */
struct order_key {
	uint64_t size;
	size_t life;
	size_t idx;
};

static int by_size_desc(const void *pa, const void *pb)
{
	const struct order_key *a = pa, *b = pb;

	if (a->size != b->size)
		return a->size > b->size ? -1 : 1;
	if (a->life != b->life)
		return a->life > b->life ? -1 : 1;
	return a->idx < b->idx ? -1 : 1;
}

/* The bytes [off, end) of a placed buffer. */
struct span {
	uint64_t off;
	uint64_t end;
};

static int by_offset(const void *pa, const void *pb)
{
	const struct span *a = pa, *b = pb;

	if (a->off != b->off)
		return a->off < b->off ? -1 : 1;
	return 0;
}

static bool overlap_in_time(const struct mem_plan_buf *a, const struct mem_plan_buf *b)
{
	return a->first_use <= b->last_use && b->first_use <= a->last_use;
}

/* @v rounded up to @align (a power of two); false on overflow. */
static bool align_up(uint64_t v, uint64_t align, uint64_t *out)
{
	if (v > UINT64_MAX - (align - 1))
		return false;
	*out = (v + align - 1) & ~(align - 1);
	return true;
}

struct event {
	size_t pos;
	int start; /* 1: the buffer becomes live at pos; 0: it died before pos */
	uint64_t size;
};

static int by_event(const void *pa, const void *pb)
{
	const struct event *a = pa, *b = pb;

	if (a->pos != b->pos)
		return a->pos < b->pos ? -1 : 1;
	/* deaths before births at one position: a buffer dead "before pos" is not live at it */
	return a->start - b->start;
}

uint64_t mem_plan_lower_bound(const struct mem_plan_buf *bufs, size_t n)
{
	struct event *ev = malloc((n ? 2 * n : 1) * sizeof(*ev));
	uint64_t live = 0, best = 0;
	size_t ne = 0;

	if (!ev) {
		/* without memory: the slower way, position by position over the starts */
		for (size_t i = 0; i < n; i++) {
			uint64_t sum = 0;

			for (size_t j = 0; j < n; j++)
				if (bufs[j].first_use <= bufs[i].first_use &&
				    bufs[i].first_use <= bufs[j].last_use)
					sum = sum > UINT64_MAX - bufs[j].size ? UINT64_MAX :
									       sum + bufs[j].size;
			best = sum > best ? sum : best;
		}
		return best;
	}
	for (size_t i = 0; i < n; i++) {
		if (!bufs[i].size)
			continue;
		ev[ne++] = (struct event){ bufs[i].first_use, 1, bufs[i].size };
		/* a last use at SIZE_MAX never ends within the schedule */
		if (bufs[i].last_use != SIZE_MAX)
			ev[ne++] = (struct event){ bufs[i].last_use + 1, 0, bufs[i].size };
	}
	qsort(ev, ne, sizeof(*ev), by_event);
	for (size_t i = 0; i < ne; i++) {
		if (ev[i].start)
			live = live > UINT64_MAX - ev[i].size ? UINT64_MAX : live + ev[i].size;
		else
			live -= ev[i].size;
		if (live > best)
			best = live;
	}
	free(ev);
	return best;
}

int mem_plan(struct mem_plan_buf *bufs, size_t n, struct mem_plan_result *res)
{
	struct order_key *order = NULL;
	struct span *near = NULL;
	uint64_t peak = 0;
	int ret = -ENOMEM;

	for (size_t i = 0; i < n; i++) {
		uint64_t a = bufs[i].align ? bufs[i].align : 1;

		if ((a & (a - 1)) || bufs[i].last_use < bufs[i].first_use)
			return -EINVAL;
	}
	order = malloc((n ? n : 1) * sizeof(*order));
	near = malloc((n ? n : 1) * sizeof(*near));
	if (!order || !near)
		goto out;
	for (size_t i = 0; i < n; i++)
		order[i] = (struct order_key){ bufs[i].size, bufs[i].last_use - bufs[i].first_use, i };
	qsort(order, n, sizeof(*order), by_size_desc);

	for (size_t placed = 0; placed < n; placed++) {
		struct mem_plan_buf *b = &bufs[order[placed].idx];
		uint64_t align = b->align ? b->align : 1, cursor = 0, best = UINT64_MAX;
		uint64_t best_gap = 0, at;
		bool found = false;
		size_t nn = 0;

		b->offset = 0;
		if (!b->size)
			continue;
		/* the placed buffers live at the same time as b, by offset */
		for (size_t j = 0; j < placed; j++) {
			const struct mem_plan_buf *o = &bufs[order[j].idx];

			if (o->size && overlap_in_time(o, b))
				near[nn++] = (struct span){ o->offset, o->offset + o->size };
		}
		qsort(near, nn, sizeof(*near), by_offset);
		for (size_t j = 0; j <= nn; j++) {
			/* the gap from cursor to the next buffer's start (unbounded after the last) */
			uint64_t gap_end = j < nn ? near[j].off : UINT64_MAX;

			if (gap_end >= cursor && align_up(cursor, align, &at) && at <= gap_end &&
			    gap_end - at >= b->size && (!found || gap_end - cursor < best_gap)) {
				best = at;
				best_gap = gap_end - cursor;
				found = true;
			}
			if (j < nn && near[j].end > cursor)
				cursor = near[j].end;
		}
		if (!found) {
			ret = -EOVERFLOW;
			goto out;
		}
		b->offset = best;
		if (best + b->size > peak)
			peak = best + b->size;
	}
	if (res) {
		res->peak = peak;
		res->lower_bound = mem_plan_lower_bound(bufs, n);
	}
	ret = 0;
out:
	free(order);
	free(near);
	return ret;
}

// SPDX-License-Identifier: MIT
/*
 * Id tables with the kernel's allocation order: the lowest free id first. A client may hold
 * a million handles, so the search for the lowest free id starts at a hint (the lowest slot
 * that may be free: ids below it are all taken) and skips full 64-slot words of a bitmap,
 * which keeps allocation O(1) amortised for the usual dense tables.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <accel/compiler.h>
#include <accel/idr.h>

void idr_init(struct idr *idr)
{
	memset(idr, 0, sizeof(*idr));
}

void idr_destroy(struct idr *idr)
{
	free(idr->slots);
	free(idr->bits);
	memset(idr, 0, sizeof(*idr));
}

static int idr_grow(struct idr *idr, unsigned int need)
{
	unsigned int size = idr->size ? idr->size : 64;
	uint64_t *bits;
	void **slots;

	while (size <= need) {
		if (size > UINT_MAX / 2)
			return -ENOMEM;
		size *= 2;
	}
	slots = realloc(idr->slots, size * sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	idr->slots = slots;
	bits = realloc(idr->bits, size / 64 * sizeof(*bits));
	if (!bits)
		return -ENOMEM;
	idr->bits = bits;
	memset(slots + idr->size, 0, (size - idr->size) * sizeof(*slots));
	memset(bits + idr->size / 64, 0, (size - idr->size) / 64 * sizeof(*bits));
	idr->size = size;
	return 0;
}

static bool idr_used(const struct idr *idr, unsigned int id)
{
	return id < idr->size && (idr->bits[id / 64] >> (id % 64) & 1);
}

/* The lowest free id at or above @from (may be idr->size: the table must grow). */
static unsigned int idr_first_free(const struct idr *idr, unsigned int from)
{
	unsigned int w = from / 64;

	if (from >= idr->size)
		return from;
	{
		uint64_t free = ~idr->bits[w] & (~0ull << (from % 64));

		if (free)
			return w * 64 + (unsigned int)__builtin_ctzll(free);
	}
	for (w++; w < idr->size / 64; w++)
		if (~idr->bits[w])
			return w * 64 + (unsigned int)__builtin_ctzll(~idr->bits[w]);
	return idr->size;
}

int idr_alloc(struct idr *idr, void *ptr, int start)
{
	unsigned int id, from;

	if (start < 1)
		start = 1;
	if (idr->hint < 1)
		idr->hint = 1;
	from = (unsigned int)start;
	if (from < idr->hint)
		from = idr->hint;
	id = idr_first_free(idr, from);
	if (id > INT_MAX)
		return -ENOSPC;
	if (id >= idr->size && idr_grow(idr, id))
		return -ENOMEM;
	/* Everything between a start at or below the hint and @id is taken. */
	if ((unsigned int)start <= idr->hint)
		idr->hint = id + 1;
	idr->bits[id / 64] |= 1ull << (id % 64);
	idr->slots[id] = ptr;
	idr->count++;
	return (int)id;
}

void *idr_find(const struct idr *idr, int id)
{
	if (id < 0 || (unsigned int)id >= idr->size)
		return NULL;
	return idr->slots[id];
}

void *idr_replace(struct idr *idr, void *ptr, int id)
{
	void *old;

	if (id < 0 || !idr_used(idr, (unsigned int)id))
		return ERR_PTR(-ENOENT);
	old = idr->slots[id];
	idr->slots[id] = ptr;
	return old;
}

void *idr_remove(struct idr *idr, int id)
{
	void *old;

	if (id < 0 || !idr_used(idr, (unsigned int)id))
		return NULL;
	old = idr->slots[id];
	idr->slots[id] = NULL;
	idr->bits[id / 64] &= ~(1ull << (id % 64));
	idr->count--;
	if ((unsigned int)id < idr->hint)
		idr->hint = (unsigned int)id;
	return old;
}

void *idr_get_next(const struct idr *idr, int *id)
{
	unsigned int i;

	for (i = *id < 0 ? 0 : (unsigned int)*id; i < idr->size; i++) {
		if (idr->slots[i] && idr_used(idr, i)) {
			*id = (int)i;
			return idr->slots[i];
		}
	}
	return NULL;
}

// SPDX-License-Identifier: MIT
/*
 * Id tables with the kernel's allocation order: the lowest free id first. Tables stay small
 * (ids are reused), so a linear scan for the lowest free slot is enough.
 */
#include <limits.h>
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
	free(idr->used);
	memset(idr, 0, sizeof(*idr));
}

static int idr_grow(struct idr *idr, unsigned int need)
{
	unsigned int size = idr->size ? idr->size : 16;
	unsigned char *used;
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
	used = realloc(idr->used, size);
	if (!used)
		return -ENOMEM;
	idr->used = used;
	memset(slots + idr->size, 0, (size - idr->size) * sizeof(*slots));
	memset(used + idr->size, 0, size - idr->size);
	idr->size = size;
	return 0;
}

int idr_alloc(struct idr *idr, void *ptr, int start)
{
	unsigned int id;

	if (start < 1)
		start = 1;
	for (id = (unsigned int)start; id < idr->size && idr->used[id]; id++)
		;
	if (id > INT_MAX)
		return -ENOSPC;
	if (id >= idr->size && idr_grow(idr, id))
		return -ENOMEM;
	idr->used[id] = 1;
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

	if (id < 0 || (unsigned int)id >= idr->size || !idr->used[id])
		return ERR_PTR(-ENOENT);
	old = idr->slots[id];
	idr->slots[id] = ptr;
	return old;
}

void *idr_remove(struct idr *idr, int id)
{
	void *old;

	if (id < 0 || (unsigned int)id >= idr->size || !idr->used[id])
		return NULL;
	old = idr->slots[id];
	idr->slots[id] = NULL;
	idr->used[id] = 0;
	idr->count--;
	return old;
}

void *idr_get_next(const struct idr *idr, int *id)
{
	unsigned int i;

	for (i = *id < 0 ? 0 : (unsigned int)*id; i < idr->size; i++) {
		if (idr->used[i] && idr->slots[i]) {
			*id = (int)i;
			return idr->slots[i];
		}
	}
	return NULL;
}

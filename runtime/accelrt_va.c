// SPDX-License-Identifier: MIT
/*
 * The runtime's allocator of device virtual addresses: first fit over a sorted list of
 * holes of the vnpu address space, ranges in 64 KiB units (so that VRAM pages and large
 * mappings stay aligned), neighbouring holes merged on free.
 */
#include <errno.h>
#include <stdlib.h>

#include <uapi/drm/vnpu_accel.h>

#include "accelrt_internal.h"

#define VA_ALIGN	(64u << 10)

int accelrt_va_init(struct accelrt_device *dev)
{
	struct accelrt_va_hole *h = calloc(1, sizeof(*h));
	int ret;

	if (!h)
		return -ENOMEM;
	ret = pthread_mutex_init(&dev->va_lock, NULL);
	if (ret) {
		free(h);
		return -ret;
	}
	h->start = VNPU_VA_START;
	h->size = VNPU_VA_SIZE;
	dev->va_holes = h;
	return 0;
}

void accelrt_va_fini(struct accelrt_device *dev)
{
	struct accelrt_va_hole *h, *next;

	for (h = dev->va_holes; h; h = next) {
		next = h->next;
		free(h);
	}
	dev->va_holes = NULL;
	pthread_mutex_destroy(&dev->va_lock);
}

int accelrt_va_alloc(struct accelrt_device *dev, uint64_t size, uint64_t *va)
{
	struct accelrt_va_hole **link, *h;
	int ret = -ENOMEM;

	size = ACCELRT_ALIGN(size, VA_ALIGN);
	pthread_mutex_lock(&dev->va_lock);
	for (link = &dev->va_holes; (h = *link); link = &h->next) {
		if (h->size < size)
			continue;
		*va = h->start;
		h->start += size;
		h->size -= size;
		if (!h->size) {
			*link = h->next;
			free(h);
		}
		ret = 0;
		break;
	}
	pthread_mutex_unlock(&dev->va_lock);
	return ret;
}

/* Cannot fail: a hole that cannot be allocated for the range only leaks address space. */
void accelrt_va_free(struct accelrt_device *dev, uint64_t va, uint64_t size)
{
	struct accelrt_va_hole **link, *h, *prev = NULL, *n;

	size = ACCELRT_ALIGN(size, VA_ALIGN);
	pthread_mutex_lock(&dev->va_lock);
	for (link = &dev->va_holes; (h = *link) && h->start < va; link = &h->next)
		prev = h;
	if (prev && prev->start + prev->size == va) {
		prev->size += size;
		if (h && va + size == h->start) {
			prev->size += h->size;
			prev->next = h->next;
			free(h);
		}
	} else if (h && va + size == h->start) {
		h->start = va;
		h->size += size;
	} else {
		n = calloc(1, sizeof(*n));
		if (n) {
			n->start = va;
			n->size = size;
			n->next = h;
			*link = n;
		}
	}
	pthread_mutex_unlock(&dev->va_lock);
}

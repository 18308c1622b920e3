/* SPDX-License-Identifier: MIT */
/* accelrt's objects, shared by the files of runtime/. */
#ifndef ACCELRT_INTERNAL_H
#define ACCELRT_INTERNAL_H

#include <pthread.h>
#include <stdint.h>

#include <accelrt.h>

#define ACCELRT_ALIGN(x, a)	(((x) + (a) - 1) & ~((uint64_t)(a) - 1))

/* A free range of the device's address space: [start, start + size). */
struct accelrt_va_hole {
	uint64_t start, size;
	struct accelrt_va_hole *next;
};

struct accelrt_device {
	int fd;
	uint64_t vram_size;
	uint64_t queue_depth;
	uint32_t ctx_compute, ctx_dma;
	/* @va_lock guards @va_holes: buffers come and go from several threads. */
	pthread_mutex_t va_lock;
	struct accelrt_va_hole *va_holes;	/* sorted by start, never adjacent */
};

struct accelrt_buffer {
	struct accelrt_device *dev;
	uint32_t handle;
	uint32_t flags;
	uint64_t size;		/* the object's (page-rounded) */
	uint64_t va;
	uint64_t va_size;	/* @size plus the guard page */
	void *map;		/* NULL for VRAM */
};

struct accelrt_program {
	struct accelrt_device *dev;
	void *stream;
	size_t len;
	struct accelrt_reloc *relocs;
	unsigned int nrelocs;
	unsigned int nslots;	/* highest slot used + 1 */
};

struct accelrt_run {
	struct accelrt_device *dev;
	struct accelrt_buffer *cmd;	/* the patched stream, then the profile record */
	uint64_t profile_off;
	uint32_t syncobj;
};

int accelrt_ioctl(int fd, unsigned long req, void *arg);

int accelrt_va_init(struct accelrt_device *dev);
void accelrt_va_fini(struct accelrt_device *dev);
int accelrt_va_alloc(struct accelrt_device *dev, uint64_t size, uint64_t *va);
void accelrt_va_free(struct accelrt_device *dev, uint64_t va, uint64_t size);

#endif

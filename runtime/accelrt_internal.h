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

/* One stage of a program: a device stream (@fn NULL) or a host callback. */
struct accelrt_stage {
	void *stream;
	size_t len;
	struct accelrt_reloc *relocs;
	unsigned int nrelocs;
	accelrt_host_fn fn;
	void *ctx;
};

struct accelrt_program {
	struct accelrt_device *dev;
	struct accelrt_stage *stages;
	unsigned int nstages;
	unsigned int nslots;	/* highest slot used + 1 */
	/* Runs of a staged program hold a reference: the program may be freed under them. */
	unsigned int refs;
};

/* One SUBMIT of one device stage: its patched stream, then the profile record. */
struct accelrt_job {
	struct accelrt_buffer *cmd;
	uint64_t profile_off;
	uint32_t syncobj;
};

struct accelrt_run {
	struct accelrt_device *dev;
	/* A program of one device stage: its one job, submitted by accelrt_run() itself. */
	struct accelrt_job job;
	/*
	 * Otherwise (@staged) a worker thread runs the stages in order; @lock guards @done,
	 * @error and @syncobj's signalling, @cond signals @done.
	 */
	int staged;
	struct accelrt_program *prog;
	struct accelrt_buffer **slots;
	unsigned int nslots;
	uint32_t flags;
	pthread_t worker;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int done;
	int error;
};

int accelrt_ioctl(int fd, unsigned long req, void *arg);

void accelrt_program_put(struct accelrt_program *prog);

int accelrt_va_init(struct accelrt_device *dev);
void accelrt_va_fini(struct accelrt_device *dev);
int accelrt_va_alloc(struct accelrt_device *dev, uint64_t size, uint64_t *va);
void accelrt_va_free(struct accelrt_device *dev, uint64_t va, uint64_t size);

#endif

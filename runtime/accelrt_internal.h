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
	/* @uq_lock guards @uq (made on the first user-queue run) and the ring's producer side. */
	pthread_mutex_t uq_lock;
	struct accelrt_uq *uq;
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

/*
 * A user queue of the device (ACCELRT_RUN_USER_QUEUE). A queue that stopped on an error stays
 * stopped, so the device replaces it with a new one; runs still waiting on the old one hold
 * a reference (@refs, under the device's @uq_lock) until they are freed.
 */
struct accelrt_uq {
	struct accel_vnpu_uq *q;
	unsigned int refs;
};

/*
 * What a run needs besides its slots, reused from run to run (a program keeps the free ones):
 * a host-visible buffer holding the patched stream of the stage being run followed by the
 * job's profile record at @profile_off, the syncobj each SUBMIT signals (@job_sync) and the
 * run's fence when a worker runs it (@run_sync).
 */
struct accelrt_runctx {
	struct accelrt_buffer *cmd;
	uint64_t profile_off;
	uint32_t job_sync, run_sync;
	struct accelrt_runctx *next;
};

struct accelrt_program {
	struct accelrt_device *dev;
	struct accelrt_stage *stages;
	unsigned int nstages;
	unsigned int nslots;	/* highest slot used + 1 */
	size_t max_stream;	/* the longest device stage's bytes */
	/* Every run holds a reference: the program may be freed under runs in flight. */
	unsigned int refs;
	/* @pool_lock guards @pool, the run contexts no run uses now. */
	pthread_mutex_t pool_lock;
	struct accelrt_runctx *pool;
};

struct accelrt_run {
	struct accelrt_device *dev;
	struct accelrt_program *prog;
	struct accelrt_runctx *ctx;
	uint32_t flags;
	/*
	 * A program of one device stage is submitted by accelrt_run() itself: on the kernel
	 * queue (its fence in @ctx->job_sync, its result in the profile record), or as entry
	 * @seqno of @uq. @over and @result keep the outcome once a wait saw it.
	 */
	struct accelrt_uq *uq;
	uint64_t seqno;
	int over;
	int result;
	/*
	 * Otherwise (@staged) a worker thread runs the stages in order; @lock guards @done,
	 * @error and @ctx->run_sync's signalling, @cond signals @done.
	 */
	int staged;
	struct accelrt_buffer **slots;
	unsigned int nslots;
	pthread_t worker;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int done;
	int error;
};

int accelrt_ioctl(int fd, unsigned long req, void *arg);

void accelrt_program_put(struct accelrt_program *prog);
void accelrt_runctx_destroy(struct accelrt_device *dev, struct accelrt_runctx *ctx);
void accelrt_uq_put(struct accelrt_device *dev, struct accelrt_uq *uq);

int accelrt_va_init(struct accelrt_device *dev);
void accelrt_va_fini(struct accelrt_device *dev);
int accelrt_va_alloc(struct accelrt_device *dev, uint64_t size, uint64_t *va);
void accelrt_va_free(struct accelrt_device *dev, uint64_t va, uint64_t size);

#endif

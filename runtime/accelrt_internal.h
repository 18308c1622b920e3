/* SPDX-License-Identifier: MIT */
/* accelrt's objects, shared by the files of runtime/. */
#ifndef ACCELRT_INTERNAL_H
#define ACCELRT_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
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
	/* @ctx_dma_out: the DMA stages of a chain that follow its compute stage (accelrt.h). */
	uint32_t ctx_compute, ctx_dma, ctx_dma_out;
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

/*
 * One stage of a program: a device stream (@fn NULL) or a host callback. A device stage
 * has ACCELRT_STAGE_* @flags; in a program with chains (accelrt_program.@chained) it has its
 * own place in a run's command buffer (@cmd_off, its profile record at @profile_off) and
 * @chain_pos, its index in its chain, which picks the run context's syncobj.
 */
struct accelrt_stage {
	void *stream;
	size_t len;
	struct accelrt_reloc *relocs;
	unsigned int nrelocs;
	uint32_t flags;
	uint64_t cmd_off, profile_off;
	unsigned int chain_pos;
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
 * a host-visible buffer (@cmd_bytes asked for) holding the patched stream of the stage being
 * run followed by the job's profile record at @profile_off (in a program with chains: every
 * device stage at its own place, accelrt_stage.@cmd_off), the syncobjs the SUBMITs signal
 * (@job_syncs: [0] for a stage run alone, [i] for the stage at position i of a chain) and the
 * run's fence when a worker runs it (@run_sync).
 */
struct accelrt_runctx {
	struct accelrt_buffer *cmd;
	uint64_t cmd_bytes;
	uint64_t profile_off;
	uint32_t *job_syncs;
	unsigned int njob_syncs;
	uint32_t run_sync;
	struct accelrt_runctx *next;
};

struct accelrt_program {
	struct accelrt_device *dev;
	struct accelrt_stage *stages;
	unsigned int nstages;
	unsigned int nslots;	/* highest slot used + 1 */
	size_t max_stream;	/* the longest device stage's bytes */
	/*
	 * @chained: some stage has ACCELRT_STAGE_NO_WAIT; then every device stage has its own
	 * place in the command buffer, @chain_bytes in all, and @max_chain is the longest chain.
	 */
	bool chained;
	uint64_t chain_bytes;
	unsigned int max_chain;
	/* The semaphore slot (accelrt_program_set_semaphores()), -1 for none; its bytes. */
	int sem_slot;
	uint64_t sem_size;
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
	/* A chained job's end was not seen (its wait failed): the context is not reused. */
	int lost;
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

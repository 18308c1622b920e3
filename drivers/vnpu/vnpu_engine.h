/* SPDX-License-Identifier: MIT */
/*
 * vnpu: engine instances (vnpu_engine.c). Each compute and DMA engine is a DRM scheduler ring
 * whose run_job hands jobs to the engine's own execution thread; the thread runs a job's
 * command stream (vnpu_cmd.h) and signals its hardware fence. Internal to the driver.
 */
#ifndef DRIVERS_VNPU_ENGINE_H
#define DRIVERS_VNPU_ENGINE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <accel/drm_sched.h>

struct vnpu_compute;
struct vnpu_device;
struct vnpu_job;

/* Engine classes, indexed by the uAPI's VNPU_ENGINE_* (not enum vnpu_engine_class). */
#define VNPU_NR_CLASSES		2
#define VNPU_MAX_ENGINES	16	/* per class: the config's upper bound */

/* "compute", "dma": engine names, fdinfo keys, debugfs (indexed by VNPU_ENGINE_*). */
extern const char *const vnpu_class_name[VNPU_NR_CLASSES];

/**
 * struct vnpu_engine - one engine instance: a DRM scheduler ring whose run_job hands jobs to
 * the engine's own execution thread, so that the scheduler's worker stays free to notice
 * timeouts while a job runs.
 * @klass, @index, @name, @fence_context: constant after probe.
 * @sched: the ring; credit limit VNPU_ENGINE_CREDITS (one job running, one staged).
 * @compute: oneDNN state of a compute engine, made on its first job; touched only by
 *	@thread.
 * @lock guards @fifo_head, @fifo_tail, @running, @stop; @cond (CLOCK_MONOTONIC) is
 *	signalled when a job is queued, when the running job is asked to abort, and when @stop
 *	is set.
 * @seqno, @busy_ns, @jobs, @resets: atomic counters (busy time excludes the running job).
 * @vf_lent: on a VF, the engine holds one of the PF's engines (vnpu_vf_sched.c); touched
 *	only by @thread.
 */
struct vnpu_engine {
	struct vnpu_device *vdev;
	unsigned int klass;
	unsigned int index;
	char name[16];
	uint64_t fence_context;
	struct drm_gpu_scheduler sched;
	struct vnpu_compute *compute;
	pthread_t thread;
	bool thread_started;

	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct vnpu_job *fifo_head;
	struct vnpu_job *fifo_tail;
	struct vnpu_job *running;
	bool stop;

	atomic_uint_fast64_t seqno;
	atomic_uint_fast64_t busy_ns;
	atomic_uint_fast64_t jobs;
	atomic_uint_fast64_t resets;
	bool vf_lent;
};

#define VNPU_ENGINE_CREDITS	2

extern const struct drm_sched_backend_ops vnpu_sched_ops;
int vnpu_engines_init(struct vnpu_device *vdev);
void vnpu_engines_stop(struct vnpu_device *vdev);
void vnpu_engines_fini(struct vnpu_device *vdev);
void vnpu_engine_reset(struct vnpu_engine *e, int error);
void vnpu_engine_force_recovery(struct vnpu_engine *e);
uint64_t vnpu_engine_busy_ns(struct vnpu_engine *e);

#endif

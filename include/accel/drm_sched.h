/* SPDX-License-Identifier: MIT */
/**
 * DOC: accel/drm_sched.h - the DRM job scheduler (drivers/gpu/drm/scheduler/ in the kernel).
 *
 * One &struct drm_gpu_scheduler per hardware ring (engine). Clients submit through a
 * &struct drm_sched_entity (a context's queue) bound to one or more schedulers. A job is
 * initialised (drm_sched_job_init()), given dependencies (drm_sched_job_add_dependency()),
 * armed (drm_sched_job_arm(): its fences get their seqnos) and pushed
 * (drm_sched_entity_push_job()). The scheduler's worker thread runs it through
 * &drm_sched_backend_ops.run_job once its dependencies have signalled and the ring has room
 * (credits), highest priority first, oldest submission first within a priority. Each job has
 * a scheduled fence (signals when run_job was called) and a finished fence (signals, with
 * the hardware fence's error, when the engine is done); the finished fence is what clients
 * see (out-syncobjs). A job that outlives the timeout goes to
 * &drm_sched_backend_ops.timedout_job; see docs/scheduler.md for the whole model.
 *
 * Differences from the kernel that a driver sees:
 *
 * - the worker is one pthread per scheduler (run, free and timeout handling on it, in that
 *   thread, serially); timeouts are milliseconds, not jiffies;
 * - after a %DRM_GPU_SCHED_STAT_NOMINAL answer the scheduler itself raises the job's karma and,
 *   past @hang_limit, marks its entity guilty (no &atomic_t guilty pointer), cancels the
 *   entity's queued jobs with -ECANCELED without running them and refuses its new jobs;
 * - drm_sched_entity_push_job() returns the entity's error when the entity no longer accepts
 *   work (the job is then completed with that error and freed through free_job);
 * - jobs on the same scheduler never pipeline: a dependency is waited for until it finishes;
 * - drm_sched_fini() completes every job still queued or in flight (-ECANCELED) and frees it.
 */
#ifndef ACCEL_DRM_SCHED_H
#define ACCEL_DRM_SCHED_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <accel/compiler.h>
#include <accel/dma_fence.h>
#include <accel/list.h>

struct drm_gpu_scheduler;
struct drm_sched_entity;
struct drm_sched_job;

/** DRM_SCHED_ENTITY_FLUSH_TIMEOUT_MS - how long drm_sched_entity_destroy() lets a queue drain. */
#define DRM_SCHED_ENTITY_FLUSH_TIMEOUT_MS 1000

/**
 * enum drm_sched_priority - run queues of a scheduler, served highest (KERNEL) first.
 * @DRM_SCHED_PRIORITY_KERNEL: driver-internal work (page-table updates, clears); never guilty.
 */
enum drm_sched_priority {
	DRM_SCHED_PRIORITY_KERNEL,
	DRM_SCHED_PRIORITY_HIGH,
	DRM_SCHED_PRIORITY_NORMAL,
	DRM_SCHED_PRIORITY_LOW,
	DRM_SCHED_PRIORITY_COUNT,
};

/**
 * enum drm_gpu_sched_stat - what &drm_sched_backend_ops.timedout_job found.
 * @DRM_GPU_SCHED_STAT_NONE: reserved (0); treated as NOMINAL.
 * @DRM_GPU_SCHED_STAT_NOMINAL: the job hung and the driver reset the engine. The job is over:
 *	if its hardware fence has not signalled, the scheduler stops waiting for it and finishes
 *	the job with the error set on the hardware fence, or -ETIME. Its karma goes up; past
 *	the hang limit its entity is guilty (see drm_sched_entity_error()). The timeout restarts
 *	for the jobs still in flight.
 * @DRM_GPU_SCHED_STAT_ENODEV: the device is gone. Nothing is completed and the timeout is
 *	not restarted; the driver tears down with drm_sched_fini(), which completes what is left.
 * @DRM_GPU_SCHED_STAT_NO_HANG: the job is making progress (or finished meanwhile); it stays
 *	in flight untouched and the timeout restarts (the kernel's newer answer of that name).
 */
enum drm_gpu_sched_stat {
	DRM_GPU_SCHED_STAT_NONE,
	DRM_GPU_SCHED_STAT_NOMINAL,
	DRM_GPU_SCHED_STAT_ENODEV,
	DRM_GPU_SCHED_STAT_NO_HANG,
};

/**
 * struct drm_sched_fence - the two fences clients see of a job, in one allocation.
 *
 * @scheduled is on the entity's fence context, @finished on the next one; both carry the
 * job's seqno. @finished holds a reference on @scheduled; the memory goes with the last
 * reference of @scheduled. @parent (the hardware fence, with a reference) is written once
 * before @scheduled signals and read only after it; @sched, @owner and @timeline are
 * constant after drm_sched_job_arm().
 */
struct drm_sched_fence {
	struct dma_fence scheduled;
	struct dma_fence finished;
	struct dma_fence *parent;
	struct drm_gpu_scheduler *sched;
	void *owner;
	char timeline[32];
};

/** to_drm_sched_fence() - the scheduler fence @f belongs to, or NULL for any other fence. */
struct drm_sched_fence *to_drm_sched_fence(struct dma_fence *f);
/** drm_sched_fence_alloc() - memory for a job's fences (not initialised yet), or NULL. */
struct drm_sched_fence *drm_sched_fence_alloc(void *owner);
/** drm_sched_fence_free() - free fences that drm_sched_fence_init() never saw. */
void drm_sched_fence_free(struct drm_sched_fence *fence);
/**
 * drm_sched_fence_init() - initialise both fences at @seqno on @context (scheduled) and
 * @context + 1 (finished) of @sched's timeline; the finished fence holds the one reference.
 */
void drm_sched_fence_init(struct drm_sched_fence *fence, struct drm_gpu_scheduler *sched,
			  uint64_t context, uint64_t seqno);
/** drm_sched_fence_scheduled() - signal "scheduled" (the scheduler set @parent before). */
void drm_sched_fence_scheduled(struct drm_sched_fence *fence);
/** drm_sched_fence_finished() - signal "finished" with @result (0 or a negative errno). */
void drm_sched_fence_finished(struct drm_sched_fence *fence, int result);

/**
 * struct drm_sched_job - one unit of work; embed it in the driver's job.
 *
 * Written by the submitter until drm_sched_entity_push_job(); after that the scheduler
 * owns it until &drm_sched_backend_ops.free_job. Constant once pushed: @sched, @s_fence,
 * @credits (truncated to the limit at arm), @s_priority, @id, @owner, @submit_ts. Guarded by
 * @sched->lock: @list, @entity (cleared when the entity goes away), @done, @signalled, @detached,
 * @cancel_error, @kill_wait, @start_ts, @finish_ts. Once pushed, the dependency array,
 * @last_dependency, @kill_prev and @kill_error belong to the worker (the job is then on no
 * list, or at the head of its entity's queue with the entity marked busy). @karma is atomic.
 */
struct drm_sched_job {
	struct list_head list;
	struct drm_gpu_scheduler *sched;
	struct drm_sched_entity *entity;
	struct drm_sched_fence *s_fence;
	void *owner;
	uint32_t credits;
	enum drm_sched_priority s_priority;
	uint64_t id;
	atomic_int karma;

	/** @dependencies: fences the job waits for (references), deduplicated per context. */
	struct dma_fence **dependencies;
	uint32_t num_dependencies;
	uint32_t max_dependencies;
	uint32_t last_dependency;

	/** @cb: on the hardware fence while the job is in flight. */
	struct dma_fence_cb cb;
	/** @done: the hardware part is over (the finished fence is signalled or about to be). */
	bool done;
	/**
	 * @signalled: drm_sched_job_done() is back from signalling the finished fence, so none
	 * of its callbacks (which may live in the driver's job, like vnpu's done_cb) still runs:
	 * only now may the worker free the job.
	 */
	bool signalled;
	/** @detached: drm_sched_stop() took @cb off the hardware fence. */
	bool detached;
	/** @cancel_error: error the finished fence gets when the hardware fence has none. */
	int cancel_error;

	/* Completion without running (killed or refused job): wait for @kill_prev, then deps. */
	int kill_error;
	struct dma_fence *kill_prev;
	struct dma_fence *kill_wait;
	struct dma_fence_cb kill_cb;

	/** @submit_ts: when pushed; @start_ts: when run_job was called; @finish_ts: when done. */
	ktime_t submit_ts;
	ktime_t start_ts;
	ktime_t finish_ts;
};

/** struct drm_sched_backend_ops - what a driver's scheduler does; all three are required. */
struct drm_sched_backend_ops {
	/**
	 * @run_job: hand @job to the engine. Returns the hardware fence (a reference the
	 * scheduler takes over) that the driver signals, with dma_fence_set_error() first on
	 * failure, when the engine is done; or NULL when the work is already done; or an
	 * ERR_PTR() to fail the job with that error. Called on the worker without scheduler
	 * locks; the fence may signal from another thread before run_job returns.
	 */
	struct dma_fence *(*run_job)(struct drm_sched_job *job);
	/**
	 * @timedout_job: @job has been the oldest in flight for longer than the timeout (or
	 * drm_sched_fault() was called). Runs on the worker, so no job is run or freed
	 * meanwhile. See &enum drm_gpu_sched_stat for the answers.
	 */
	enum drm_gpu_sched_stat (*timedout_job)(struct drm_sched_job *job);
	/**
	 * @free_job: the scheduler is done with @job (its finished fence has signalled): call
	 * drm_sched_job_cleanup() and free it. Called on the worker (or in drm_sched_fini()).
	 */
	void (*free_job)(struct drm_sched_job *job);
};

/** struct drm_sched_rq - the entities of one priority on one scheduler (guarded by its lock). */
struct drm_sched_rq {
	struct list_head entities;
};

/** struct drm_sched_init_args - parameters of drm_sched_init(). */
struct drm_sched_init_args {
	const struct drm_sched_backend_ops *ops;
	/** @credit_limit: the ring's capacity: sum of credits of the jobs in flight (>0). */
	uint32_t credit_limit;
	/** @hang_limit: timeouts a job may cause before its entity is guilty (0: the first). */
	unsigned int hang_limit;
	/** @timeout_ms: how long the oldest job may run; MAX_SCHEDULE_TIMEOUT for no limit. */
	long timeout_ms;
	/** @score: a load counter shared between schedulers (NULL: the scheduler's own). */
	atomic_int *score;
	/** @name: for messages and fence timelines (copied). */
	const char *name;
};

/**
 * struct drm_gpu_scheduler - one engine ring and the worker thread feeding it.
 *
 * Constant after drm_sched_init(): @ops, @credit_limit, @hang_limit, @name, @score, @thread.
 * @lock guards everything else here, the run queues, every entity's queue and state while
 * the entity is on this scheduler, and the list/state fields of its jobs. @wake is waited
 * on by the worker; @idle_cond by threads waiting for the worker or an entity to go idle.
 * The lock is never held while calling the driver or signalling or waiting on a fence.
 */
struct drm_gpu_scheduler {
	const struct drm_sched_backend_ops *ops;
	uint32_t credit_limit;
	unsigned int hang_limit;
	char name[32];
	atomic_int *score;
	atomic_int _score;
	pthread_t thread;

	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_cond_t idle_cond;
	long timeout_ms;
	struct drm_sched_rq sched_rq[DRM_SCHED_PRIORITY_COUNT];
	/** @pending_list: jobs handed to run_job, oldest first, until freed. */
	struct list_head pending_list;
	/** @kill_wait_list / @kill_ready_list: jobs to complete without running. */
	struct list_head kill_wait_list;
	struct list_head kill_ready_list;
	uint32_t credit_count;
	uint64_t job_id_count;
	/** @tdr_job: the oldest job on the engine, which the timeout watches. */
	struct drm_sched_job *tdr_job;
	/** @tdr_deadline: when @tdr_job times out; 0 while the timer is off. */
	ktime_t tdr_deadline;
	/** @busy_entity: the entity the worker looks at outside the lock. */
	struct drm_sched_entity *busy_entity;
	/** @in_submit: the worker is in run_job or free_job (drm_sched_stop() waits it out). */
	bool in_submit;
	/** @in_callbacks: fence callbacks of this scheduler running right now. */
	unsigned int in_callbacks;
	bool pause_submit;
	bool stopping;
	bool ready;
};

/**
 * struct drm_sched_entity - a client's queue (a context) on one or more schedulers.
 *
 * @sched_list, @num_sched_list, @fence_context are constant after drm_sched_entity_init().
 * @sched and @priority change only in drm_sched_job_arm() while the entity is idle, which the
 * driver serialises with its pushes; drm_sched_fini() and drm_sched_entity_fini() clear
 * @sched with an atomic store, since a file may close while its device is unplugged. @sched->lock guards @link, @queue, @queue_count,
 * @dependency, @last_scheduled, @last_pushed, @fence_seq, @error, @stopped, @on_rq
 * (@queue_count changes with atomic adds, for drm_sched_entity_get_stats()'s unlocked read).
 * @stats_lock (a leaf lock) guards @busy_ns, @busy_since, @active, @jobs_done.
 */
struct drm_sched_entity {
	struct list_head link;
	struct drm_gpu_scheduler *sched;
	struct drm_gpu_scheduler **sched_list;
	unsigned int num_sched_list;
	enum drm_sched_priority priority;
	uint64_t fence_context;
	uint64_t fence_seq;

	struct list_head queue;
	unsigned int queue_count;
	bool on_rq;
	/** @dependency: the fence the head job waits for (a reference), with @cb on it. */
	struct dma_fence *dependency;
	struct dma_fence_cb cb;
	/** @last_scheduled: finished fence of the job last handed to the engine (reference). */
	struct dma_fence *last_scheduled;
	/** @last_pushed: finished fence of the job last pushed (reference). */
	struct dma_fence *last_pushed;
	/** @error: why the entity accepts no more work (guilty, killed, scheduler gone). */
	int error;
	bool stopped;

	pthread_mutex_t stats_lock;
	int64_t busy_ns;
	ktime_t busy_since;
	unsigned int active;
	uint64_t jobs_done;
};

/** struct drm_sched_entity_stats - a snapshot for fdinfo and profilers. */
struct drm_sched_entity_stats {
	/** @busy_ns: time with at least one of the entity's jobs on the engine, up to now. */
	uint64_t busy_ns;
	/** @active: jobs on the engine now. */
	unsigned int active;
	/** @jobs_done: jobs whose finished fence signalled after running. */
	uint64_t jobs_done;
	/** @queued: jobs pushed but not yet handed to the engine. */
	unsigned int queued;
};

/**
 * drm_sched_init() - set up @sched and start its worker thread.
 * Returns 0, -EINVAL for missing ops, a zero credit limit or a negative timeout, or
 * -ENOMEM / -EAGAIN when the thread cannot be made.
 */
int drm_sched_init(struct drm_gpu_scheduler *sched, const struct drm_sched_init_args *args);
/**
 * drm_sched_fini() - stop the worker and tear @sched down. Jobs in flight lose their
 * hardware-fence callbacks and finish with the hardware fence's error or -ECANCELED; queued
 * and killed jobs finish with -ECANCELED (killed ones keep their error); all are freed. The
 * entities on @sched are detached: later pushes fail -ENODEV and entity teardown is safe.
 */
void drm_sched_fini(struct drm_gpu_scheduler *sched);
/**
 * drm_sched_stop() - pause the worker (waiting out a run_job/free_job in progress) and take
 * the completion callbacks off the hardware fences of the jobs in flight, for a reset.
 * May be called from timedout_job. @bad is accepted for the kernel's signature.
 */
void drm_sched_stop(struct drm_gpu_scheduler *sched, struct drm_sched_job *bad);
/**
 * drm_sched_start() - after a reset: re-attach the jobs in flight to their hardware fences
 * (a signalled one completes its job with its error; a job without one gets -ECANCELED),
 * restart the timeout and resume the worker.
 */
void drm_sched_start(struct drm_gpu_scheduler *sched);
/** drm_sched_fault() - the driver saw the engine hang: handle the timeout now. */
void drm_sched_fault(struct drm_gpu_scheduler *sched);
/** drm_sched_wqueue_ready() - the scheduler is initialised and accepts entities. */
bool drm_sched_wqueue_ready(struct drm_gpu_scheduler *sched);
/** drm_sched_pick_best() - the ready scheduler of @sched_list with the lowest score, or NULL. */
struct drm_gpu_scheduler *drm_sched_pick_best(struct drm_gpu_scheduler **sched_list,
					      unsigned int num_sched_list);

/**
 * drm_sched_entity_init() - set up @entity at @priority on @sched_list (copied by pointer:
 * the array must outlive the entity; the scheduler is picked, least loaded, at each arm
 * while the entity is idle). Returns 0 or -EINVAL (no scheduler, bad priority).
 */
int drm_sched_entity_init(struct drm_sched_entity *entity, enum drm_sched_priority priority,
			  struct drm_gpu_scheduler **sched_list, unsigned int num_sched_list);
/**
 * drm_sched_entity_flush() - wait up to @timeout_ms until every job pushed to @entity has
 * been handed to the engine (or the entity was stopped). Returns the milliseconds left (0
 * when the wait timed out).
 */
long drm_sched_entity_flush(struct drm_sched_entity *entity, long timeout_ms);
/**
 * drm_sched_entity_fini() - take @entity off its scheduler and kill what is still queued:
 * each such job, once the job before it and its dependencies have signalled, finishes with
 * -ESRCH without running and is freed. Jobs in flight complete normally.
 */
void drm_sched_entity_fini(struct drm_sched_entity *entity);
/** drm_sched_entity_destroy() - flush (DRM_SCHED_ENTITY_FLUSH_TIMEOUT_MS) and fini, as on close. */
void drm_sched_entity_destroy(struct drm_sched_entity *entity);
/**
 * drm_sched_entity_error() - why @entity's submissions should fail: -ECANCELED once guilty,
 * -ESRCH once killed, -ENODEV once its scheduler is gone; otherwise the error of the job
 * last handed to the engine (0 while it runs or when it succeeded), as in the kernel.
 */
int drm_sched_entity_error(struct drm_sched_entity *entity);
/** drm_sched_entity_set_priority() - later jobs of @entity run at @priority. */
void drm_sched_entity_set_priority(struct drm_sched_entity *entity,
				   enum drm_sched_priority priority);
/** drm_sched_entity_get_stats() - busy time and job counts of @entity into @stats. */
void drm_sched_entity_get_stats(struct drm_sched_entity *entity,
				struct drm_sched_entity_stats *stats);
/**
 * drm_sched_entity_push_job() - queue an armed @job. Ownership passes to the scheduler in
 * every case. Returns 0, or the entity's error (see drm_sched_entity_error()) when it takes
 * no more work: the job then finishes with that error, without running, and is freed.
 */
int drm_sched_entity_push_job(struct drm_sched_job *job);

/**
 * drm_sched_job_init() - prepare @job for @entity, costing @credits of the ring.
 * Returns 0, -EINVAL for zero credits, -ENOENT when the entity has no scheduler or
 * -ENOMEM. After success, drm_sched_job_cleanup() must be called (in free_job once pushed).
 */
int drm_sched_job_init(struct drm_sched_job *job, struct drm_sched_entity *entity,
		       uint32_t credits, void *owner);
/**
 * drm_sched_job_arm() - commit @job: pick its scheduler and give its fences their seqno on
 * the entity's timelines. Arm and push under one driver lock per entity.
 */
void drm_sched_job_arm(struct drm_sched_job *job);
/**
 * drm_sched_job_add_dependency() - @job runs only after @fence signals. Consumes the
 * reference to @fence in every case; NULL is ignored; of two fences of one context only the
 * later is kept. Returns 0 or -ENOMEM.
 */
int drm_sched_job_add_dependency(struct drm_sched_job *job, struct dma_fence *fence);
/**
 * drm_sched_job_dependency_error() - the first error among @job's signalled dependencies,
 * or 0. As in the kernel, a failed dependency does not fail the job: run_job may call this
 * to skip work whose input is bad and fail the hardware fence itself.
 */
int drm_sched_job_dependency_error(struct drm_sched_job *job);
/**
 * drm_sched_job_cleanup() - release what drm_sched_job_init() and the dependencies took:
 * from free_job, or from the submit ioctl's error path before the job was pushed.
 */
void drm_sched_job_cleanup(struct drm_sched_job *job);

/** drm_sched_job_finished() - @job's finished fence (no new reference). */
static inline struct dma_fence *drm_sched_job_finished(struct drm_sched_job *job)
{
	return &job->s_fence->finished;
}

/** drm_sched_job_scheduled() - @job's scheduled fence (no new reference). */
static inline struct dma_fence *drm_sched_job_scheduled(struct drm_sched_job *job)
{
	return &job->s_fence->scheduled;
}

#endif

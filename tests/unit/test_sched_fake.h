/* SPDX-License-Identifier: MIT */
/*
 * A fake driver for the scheduler tests: run_job hands a hardware fence to a fake engine
 * thread that signals it after the job's run time (or never, for a hung job, until the test
 * or the timeout handler does). Everything the driver sees is recorded under @lock.
 */
#ifndef TEST_SCHED_FAKE_H
#define TEST_SCHED_FAKE_H

#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include <accel/drm_sched.h>

#define FAKE_HANG (-1)
#define FAKE_MAX_LOG 512

struct fake_dev;

struct fake_job {
	struct drm_sched_job base;
	struct fake_dev *fdev;
	int tag;
	/* Engine time in ms, or FAKE_HANG; @hw_error is set on the hardware fence at the end. */
	long run_ms;
	int hw_error;
	/* The hardware fence (a reference of the job's own) once run. */
	struct dma_fence *hw;
};

/* A hardware fence waiting on the fake engine. */
struct fake_hw {
	struct fake_hw *next;
	struct dma_fence *fence;
	ktime_t due;
	uint32_t credits;
	int error;
};

struct fake_dev {
	struct drm_gpu_scheduler sched;

	/* @lock guards everything below; @cond wakes the engine thread. */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct fake_hw *hw_list;
	bool engine_stop;
	pthread_t engine;

	int run_log[FAKE_MAX_LOG];
	int nrun;
	int freed;
	int timedout;
	uint32_t credits_in_flight;
	uint32_t max_credits_in_flight;
	struct fake_job *last_timedout;
	/* What run_job saw of the dependencies of the job it ran last. */
	int last_dep_error;
	/* submit, start and finish times of the job freed last. */
	ktime_t freed_ts[3];
	/* The timeout handler's answer, and whether it signals the hung job's fence. */
	enum drm_gpu_sched_stat answer;
	bool tdr_signal;
	int tdr_error;
	bool tdr_stop_start;
};

static const char *fake_fence_name(struct dma_fence *f)
{
	(void)f;
	return "fake-engine";
}

static const struct dma_fence_ops fake_fence_ops = {
	.get_driver_name = fake_fence_name,
	.get_timeline_name = fake_fence_name,
};

static void *fake_engine_thread(void *arg)
{
	struct fake_dev *fdev = arg;

	pthread_mutex_lock(&fdev->lock);
	while (!fdev->engine_stop) {
		struct fake_hw **pp, *due = NULL;
		ktime_t next = MAX_SCHEDULE_TIMEOUT, now = ktime_get();

		for (pp = &fdev->hw_list; *pp; pp = &(*pp)->next) {
			if ((*pp)->due <= now) {
				due = *pp;
				*pp = due->next;
				break;
			}
			if ((*pp)->due < next)
				next = (*pp)->due;
		}
		if (due) {
			fdev->credits_in_flight -= due->credits;
			pthread_mutex_unlock(&fdev->lock);
			if (due->error)
				dma_fence_set_error(due->fence, due->error);
			dma_fence_signal(due->fence);
			dma_fence_put(due->fence);
			free(due);
			pthread_mutex_lock(&fdev->lock);
			continue;
		}
		if (next == MAX_SCHEDULE_TIMEOUT) {
			pthread_cond_wait(&fdev->cond, &fdev->lock);
		} else {
			struct timespec ts = { next / 1000000000, next % 1000000000 };

			pthread_cond_timedwait(&fdev->cond, &fdev->lock, &ts);
		}
	}
	pthread_mutex_unlock(&fdev->lock);
	return NULL;
}

/* Take a hung job's fence off the engine (if it is there) and signal it with @error. */
static void fake_hw_complete(struct fake_dev *fdev, struct fake_job *job, int error)
{
	struct fake_hw **pp, *hw = NULL;

	pthread_mutex_lock(&fdev->lock);
	for (pp = &fdev->hw_list; *pp; pp = &(*pp)->next) {
		if ((*pp)->fence == job->hw) {
			hw = *pp;
			*pp = hw->next;
			fdev->credits_in_flight -= hw->credits;
			break;
		}
	}
	pthread_mutex_unlock(&fdev->lock);
	if (!hw)
		return;
	if (error)
		dma_fence_set_error(hw->fence, error);
	dma_fence_signal(hw->fence);
	dma_fence_put(hw->fence);
	free(hw);
}

static struct dma_fence *fake_run_job(struct drm_sched_job *sched_job)
{
	struct fake_job *job = container_of(sched_job, struct fake_job, base);
	struct fake_dev *fdev = job->fdev;
	struct fake_hw *hw = calloc(1, sizeof(*hw));
	struct dma_fence *fence = malloc(sizeof(*fence));

	assert_non_null(hw);
	assert_non_null(fence);
	dma_fence_init(fence, &fake_fence_ops, 1, 0);
	job->hw = dma_fence_get(fence);
	hw->fence = dma_fence_get(fence);
	hw->due = job->run_ms == FAKE_HANG ? MAX_SCHEDULE_TIMEOUT :
		  ktime_get() + (ktime_t)job->run_ms * 1000000;
	hw->credits = sched_job->credits;
	hw->error = job->hw_error;

	pthread_mutex_lock(&fdev->lock);
	fdev->last_dep_error = drm_sched_job_dependency_error(sched_job);
	if (fdev->nrun < FAKE_MAX_LOG)
		fdev->run_log[fdev->nrun++] = job->tag;
	fdev->credits_in_flight += sched_job->credits;
	if (fdev->credits_in_flight > fdev->max_credits_in_flight)
		fdev->max_credits_in_flight = fdev->credits_in_flight;
	hw->next = fdev->hw_list;
	fdev->hw_list = hw;
	pthread_cond_broadcast(&fdev->cond);
	pthread_mutex_unlock(&fdev->lock);
	/* The reference run_job returns; the engine may signal the fence before we get here. */
	return fence;
}

static enum drm_gpu_sched_stat fake_timedout_job(struct drm_sched_job *sched_job)
{
	struct fake_job *job = container_of(sched_job, struct fake_job, base);
	struct fake_dev *fdev = job->fdev;
	enum drm_gpu_sched_stat answer;
	bool sig, stop_start;
	int err;

	pthread_mutex_lock(&fdev->lock);
	/* A job that is merely slow (a loaded test machine) is making progress. */
	if (job->run_ms != FAKE_HANG && fdev->answer != DRM_GPU_SCHED_STAT_NO_HANG) {
		pthread_mutex_unlock(&fdev->lock);
		return DRM_GPU_SCHED_STAT_NO_HANG;
	}
	fdev->timedout++;
	fdev->last_timedout = job;
	answer = fdev->answer;
	sig = fdev->tdr_signal;
	err = fdev->tdr_error;
	stop_start = fdev->tdr_stop_start;
	pthread_cond_broadcast(&fdev->cond);
	pthread_mutex_unlock(&fdev->lock);

	if (stop_start)
		drm_sched_stop(&fdev->sched, sched_job);
	if (sig)
		fake_hw_complete(fdev, job, err);
	if (stop_start)
		drm_sched_start(&fdev->sched);
	return answer;
}

static void fake_free_job(struct drm_sched_job *sched_job)
{
	struct fake_job *job = container_of(sched_job, struct fake_job, base);
	struct fake_dev *fdev = job->fdev;

	pthread_mutex_lock(&fdev->lock);
	fdev->freed_ts[0] = sched_job->submit_ts;
	fdev->freed_ts[1] = sched_job->start_ts;
	fdev->freed_ts[2] = sched_job->finish_ts;
	pthread_mutex_unlock(&fdev->lock);
	drm_sched_job_cleanup(sched_job);
	dma_fence_put(job->hw);
	free(job);
	pthread_mutex_lock(&fdev->lock);
	fdev->freed++;
	pthread_cond_broadcast(&fdev->cond);
	pthread_mutex_unlock(&fdev->lock);
}

static const struct drm_sched_backend_ops fake_sched_ops = {
	.run_job = fake_run_job,
	.timedout_job = fake_timedout_job,
	.free_job = fake_free_job,
};

static struct fake_dev *fake_dev_create(uint32_t credit_limit, long timeout_ms,
					unsigned int hang_limit)
{
	struct fake_dev *fdev = calloc(1, sizeof(*fdev));
	struct drm_sched_init_args args = {
		.ops = &fake_sched_ops,
		.credit_limit = credit_limit,
		.hang_limit = hang_limit,
		.timeout_ms = timeout_ms,
		.name = "fake",
	};
	pthread_condattr_t attr;

	assert_non_null(fdev);
	pthread_mutex_init(&fdev->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&fdev->cond, &attr);
	pthread_condattr_destroy(&attr);
	fdev->answer = DRM_GPU_SCHED_STAT_NOMINAL;
	assert_int_equal(pthread_create(&fdev->engine, NULL, fake_engine_thread, fdev), 0);
	assert_int_equal(drm_sched_init(&fdev->sched, &args), 0);
	return fdev;
}

/* Stop the engine (dropping fences it never signalled) after drm_sched_fini(). */
static void fake_dev_destroy(struct fake_dev *fdev)
{
	pthread_mutex_lock(&fdev->lock);
	fdev->engine_stop = true;
	pthread_cond_broadcast(&fdev->cond);
	pthread_mutex_unlock(&fdev->lock);
	pthread_join(fdev->engine, NULL);
	while (fdev->hw_list) {
		struct fake_hw *hw = fdev->hw_list;

		fdev->hw_list = hw->next;
		dma_fence_put(hw->fence);
		free(hw);
	}
	pthread_cond_destroy(&fdev->cond);
	pthread_mutex_destroy(&fdev->lock);
	free(fdev);
}

/* A job for @entity, initialised and armed (not pushed). */
static struct fake_job *fake_job_new(struct fake_dev *fdev, struct drm_sched_entity *entity,
				     int tag, long run_ms, uint32_t credits)
{
	struct fake_job *job = calloc(1, sizeof(*job));

	assert_non_null(job);
	assert_int_equal(drm_sched_job_init(&job->base, entity, credits, fdev), 0);
	job->fdev = fdev;
	job->tag = tag;
	job->run_ms = run_ms;
	drm_sched_job_arm(&job->base);
	return job;
}

/* Push @job, keeping a reference to its finished fence (returned) for the test. */
static struct dma_fence *fake_push(struct fake_job *job)
{
	struct dma_fence *finished = dma_fence_get(drm_sched_job_finished(&job->base));

	assert_int_equal(drm_sched_entity_push_job(&job->base), 0);
	return finished;
}

/* Wait up to @ms for @f; true when it signalled. */
static bool fake_wait(struct dma_fence *f, long ms)
{
	return dma_fence_wait_timeout(f, false, ktime_get() + (ktime_t)ms * 1000000) == 1;
}

/*
 * The engine finishes the hung job @job now (its hardware fence signals): for tests that
 * must know the job is still running at some point and only then let it end.
 */
static inline void fake_hw_finish_now(struct fake_dev *fdev, struct fake_job *job)
{
	struct fake_hw *hw;

	pthread_mutex_lock(&fdev->lock);
	for (hw = fdev->hw_list; hw; hw = hw->next)
		if (hw->fence == job->hw)
			hw->due = ktime_get();
	pthread_cond_broadcast(&fdev->cond);
	pthread_mutex_unlock(&fdev->lock);
}

/* Wait up to @ms until *@counter (under the device lock) reaches @value. */
static bool fake_wait_count(struct fake_dev *fdev, int *counter, int value, long ms)
{
	ktime_t deadline = ktime_get() + (ktime_t)ms * 1000000;
	struct timespec ts = { deadline / 1000000000, deadline % 1000000000 };
	bool ok;

	pthread_mutex_lock(&fdev->lock);
	while (*counter < value)
		if (pthread_cond_timedwait(&fdev->cond, &fdev->lock, &ts))
			break;
	ok = *counter >= value;
	pthread_mutex_unlock(&fdev->lock);
	return ok;
}

static int fake_count(struct fake_dev *fdev, int *counter)
{
	int v;

	pthread_mutex_lock(&fdev->lock);
	v = *counter;
	pthread_mutex_unlock(&fdev->lock);
	return v;
}

/* A plain fence the test signals itself (an in-syncobj's fence, another engine's job). */
static struct dma_fence *fake_external_fence(void)
{
	struct dma_fence *f = malloc(sizeof(*f));

	assert_non_null(f);
	dma_fence_init(f, &fake_fence_ops, dma_fence_context_alloc(1), 1);
	return f;
}

#endif

// SPDX-License-Identifier: MIT
/*
 * Scheduler: when a job may be freed. A driver may keep a callback of the job's finished
 * fence inside its job (vnpu's done_cb), so free_job must wait until the fence's callbacks
 * have all returned, not merely until the fence reads as signalled.
 */
#include "test_sched_fake.h"

/* A callback on a job's finished fence that counts the frees happening while it runs. */
struct free_probe {
	struct dma_fence_cb cb;
	struct fake_dev *fdev;
	/* Under the device lock: the callback started; frees seen while it ran; it is over. */
	int started;
	int freed_during;
	int done;
};

static void free_probe_cb(struct dma_fence *f, struct dma_fence_cb *cb)
{
	struct free_probe *p = container_of(cb, struct free_probe, cb);
	int before;

	(void)f;
	pthread_mutex_lock(&p->fdev->lock);
	before = p->fdev->freed;
	p->started = 1;
	pthread_cond_broadcast(&p->fdev->cond);
	pthread_mutex_unlock(&p->fdev->lock);
	/*
	 * Stay inside the callback for a while (the test wakes the worker meanwhile): a worker
	 * that frees as soon as the fence reads as signalled does it now. The wait only widens
	 * that window; no result depends on how long it is.
	 */
	fake_wait_count(p->fdev, &p->fdev->freed, before + 1, 200);
	pthread_mutex_lock(&p->fdev->lock);
	p->freed_during = p->fdev->freed - before;
	p->done = 1;
	pthread_cond_broadcast(&p->fdev->cond);
	pthread_mutex_unlock(&p->fdev->lock);
}

static void job_is_freed_only_after_its_finished_fence_callbacks_return(void **state)
{
	struct fake_dev *fdev = fake_dev_create(8, MAX_SCHEDULE_TIMEOUT, 0);
	struct drm_gpu_scheduler *list[1] = { &fdev->sched };
	struct free_probe probe = { .fdev = fdev };
	struct dma_fence *gate = fake_external_fence(), *gate2 = fake_external_fence();
	struct drm_sched_entity entity;
	struct fake_job *job, *next;
	struct dma_fence *fin, *fin2;

	(void)state;
	assert_int_equal(drm_sched_entity_init(&entity, DRM_SCHED_PRIORITY_NORMAL, list, 1), 0);
	/* The job runs once the test opens @gate, with the probe on its finished fence. */
	job = fake_job_new(fdev, &entity, 0, 1, 1);
	assert_int_equal(drm_sched_job_add_dependency(&job->base, dma_fence_get(gate)), 0);
	assert_int_equal(dma_fence_add_callback(drm_sched_job_finished(&job->base), &probe.cb,
						free_probe_cb), 0);
	fin = fake_push(job);
	assert_int_equal(dma_fence_signal(gate), 0);
	/* While the callback runs, a push (of a job held by @gate2) wakes the worker. */
	assert_true(fake_wait_count(fdev, &probe.started, 1, 5000));
	next = fake_job_new(fdev, &entity, 1, 1, 1);
	assert_int_equal(drm_sched_job_add_dependency(&next->base, dma_fence_get(gate2)), 0);
	fin2 = fake_push(next);
	assert_true(fake_wait_count(fdev, &probe.done, 1, 5000));
	/* Not one free while the finished fence's callback still ran. */
	assert_int_equal(fake_count(fdev, &probe.freed_during), 0);
	assert_true(fake_wait_count(fdev, &fdev->freed, 1, 5000));
	assert_int_equal(dma_fence_signal(gate2), 0);
	assert_true(fake_wait(fin2, 5000));
	assert_int_equal(dma_fence_get_status(fin), 1);
	assert_int_equal(dma_fence_get_status(fin2), 1);
	dma_fence_put(fin);
	dma_fence_put(fin2);
	dma_fence_put(gate);
	dma_fence_put(gate2);
	drm_sched_entity_destroy(&entity);
	drm_sched_fini(&fdev->sched);
	fake_dev_destroy(fdev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(job_is_freed_only_after_its_finished_fence_callbacks_return),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

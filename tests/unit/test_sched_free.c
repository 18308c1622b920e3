// SPDX-License-Identifier: MIT
/*
 * Scheduler: when a job is freed. A driver may embed fence callbacks in its job (vnpu counts
 * a context's outstanding jobs with one on the finished fence), so free_job must not run
 * while the finished fence's callbacks are still running: the signalling thread walks a
 * list through the job's memory. (Found by the R2 fault-injection campaign: a use after free
 * in dma_fence_signal_timestamp.)
 */
#include <stdatomic.h>

#include "test_sched_fake.h"

struct slow_cb {
	struct dma_fence_cb cb;
	struct fake_dev *fdev;
	atomic_bool running;
	atomic_bool done;
	atomic_int freed_meanwhile;
};

/* A callback on the first job's finished fence that takes its time, as a loaded CPU would. */
static void slow_cb_func(struct dma_fence *f, struct dma_fence_cb *cb)
{
	struct slow_cb *s = container_of(cb, struct slow_cb, cb);

	(void)f;
	atomic_store(&s->running, true);
	usleep(300000);
	atomic_store(&s->freed_meanwhile, fake_count(s->fdev, &s->fdev->freed));
	atomic_store(&s->done, true);
}

static void job_is_not_freed_while_its_finished_fence_callbacks_run(void **state)
{
	struct fake_dev *fdev = fake_dev_create(8, MAX_SCHEDULE_TIMEOUT, 0);
	struct drm_gpu_scheduler *list[1] = { &fdev->sched };
	struct drm_sched_entity entity;
	struct slow_cb s = { .fdev = fdev };
	struct fake_job *first;
	struct dma_fence *fin[2];
	int i;

	(void)state;
	assert_int_equal(drm_sched_entity_init(&entity, DRM_SCHED_PRIORITY_NORMAL, list, 1), 0);
	first = fake_job_new(fdev, &entity, 0, 50, 1); /* the engine thread signals it */
	assert_int_equal(dma_fence_add_callback(drm_sched_job_finished(&first->base), &s.cb,
						slow_cb_func), 0);
	fin[0] = fake_push(first);
	for (i = 0; i < 2000 && !atomic_load(&s.running); i++)
		usleep(1000);
	assert_true(atomic_load(&s.running));
	/* A second job wakes the worker while the first one's callbacks still run. */
	fin[1] = fake_push(fake_job_new(fdev, &entity, 1, 0, 1));
	assert_true(fake_wait(fin[0], 5000));
	assert_true(fake_wait(fin[1], 5000));
	assert_true(atomic_load(&s.done));
	assert_int_equal(atomic_load(&s.freed_meanwhile), 0);
	assert_true(fake_wait_count(fdev, &fdev->freed, 2, 5000));
	dma_fence_put(fin[0]);
	dma_fence_put(fin[1]);
	drm_sched_entity_destroy(&entity);
	drm_sched_fini(&fdev->sched);
	fake_dev_destroy(fdev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(job_is_not_freed_while_its_finished_fence_callbacks_run),
	};

	(void)fake_external_fence; /* the shared fake's helper this file does not need */
	return cmocka_run_group_tests(tests, NULL, NULL);
}

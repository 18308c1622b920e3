// SPDX-License-Identifier: MIT
/* Scheduler: closing a client (entity flush/fini/destroy) and scheduler teardown. */
#include "test_sched_fake.h"

static void entity_destroy_on_close_kills_queued_jobs_with_esrch(void **state)
{
	struct fake_dev *fdev = fake_dev_create(1, MAX_SCHEDULE_TIMEOUT, 0);
	struct drm_gpu_scheduler *list[1] = { &fdev->sched };
	struct drm_sched_entity entity;
	struct dma_fence *f[5];
	int i;

	(void)state;
	assert_int_equal(drm_sched_entity_init(&entity, DRM_SCHED_PRIORITY_NORMAL, list, 1), 0);
	/* One job on the ring (40 ms), four queued behind it. */
	for (i = 0; i < 5; i++)
		f[i] = fake_push(fake_job_new(fdev, &entity, i, 40, 1));
	assert_true(fake_wait_count(fdev, &fdev->nrun, 1, 2000));
	/* The queue cannot drain in 10 ms: flush gives up, fini kills the rest. */
	assert_int_equal(drm_sched_entity_flush(&entity, 10), 0);
	drm_sched_entity_fini(&entity);

	for (i = 0; i < 5; i++)
		assert_true(fake_wait(f[i], 2000));
	/* The running job completes normally; the queued ones get the kernel's -ESRCH. */
	assert_int_equal(dma_fence_get_status(f[0]), 1);
	for (i = 1; i < 5; i++) {
		assert_int_equal(dma_fence_get_status(f[i]), -ESRCH);
		/* And in timeline order, after the job before them. */
		assert_true(dma_fence_timestamp(f[i]) >= dma_fence_timestamp(f[i - 1]));
	}
	assert_true(fake_wait_count(fdev, &fdev->freed, 5, 2000));
	assert_int_equal(fake_count(fdev, &fdev->nrun), 1);
	for (i = 0; i < 5; i++)
		dma_fence_put(f[i]);
	drm_sched_fini(&fdev->sched);
	assert_int_equal(fdev->freed, 5);
	fake_dev_destroy(fdev);
}

static void entity_destroy_lets_short_queue_drain(void **state)
{
	struct fake_dev *fdev = fake_dev_create(1, MAX_SCHEDULE_TIMEOUT, 0);
	struct drm_gpu_scheduler *list[1] = { &fdev->sched };
	struct drm_sched_entity entity;
	struct dma_fence *f[4];
	int i;

	(void)state;
	assert_int_equal(drm_sched_entity_init(&entity, DRM_SCHED_PRIORITY_NORMAL, list, 1), 0);
	for (i = 0; i < 4; i++)
		f[i] = fake_push(fake_job_new(fdev, &entity, i, 3, 1));
	/* Within the flush time every job reaches the engine and completes. */
	drm_sched_entity_destroy(&entity);
	for (i = 0; i < 4; i++) {
		assert_true(fake_wait(f[i], 2000));
		assert_int_equal(dma_fence_get_status(f[i]), 1);
		dma_fence_put(f[i]);
	}
	assert_true(fake_wait_count(fdev, &fdev->freed, 4, 2000));
	assert_int_equal(fake_count(fdev, &fdev->nrun), 4);
	drm_sched_fini(&fdev->sched);
	fake_dev_destroy(fdev);
}

static void killed_job_waits_for_its_dependencies(void **state)
{
	struct fake_dev *fdev = fake_dev_create(4, MAX_SCHEDULE_TIMEOUT, 0);
	struct drm_gpu_scheduler *list[1] = { &fdev->sched };
	struct drm_sched_entity entity;
	struct dma_fence *dep = fake_external_fence(), *fin;
	struct fake_job *job;

	(void)state;
	assert_int_equal(drm_sched_entity_init(&entity, DRM_SCHED_PRIORITY_NORMAL, list, 1), 0);
	job = fake_job_new(fdev, &entity, 0, 0, 1);
	assert_int_equal(drm_sched_job_add_dependency(&job->base, dma_fence_get(dep)), 0);
	fin = fake_push(job);
	assert_int_equal(drm_sched_entity_flush(&entity, 5), 0);
	drm_sched_entity_fini(&entity);
	/* Whatever it depends on may still use its buffers: no completion before that. */
	assert_false(fake_wait(fin, 20));
	dma_fence_signal(dep);
	assert_true(fake_wait(fin, 2000));
	assert_int_equal(dma_fence_get_status(fin), -ESRCH);
	assert_true(fake_wait_count(fdev, &fdev->freed, 1, 2000));
	assert_int_equal(fake_count(fdev, &fdev->nrun), 0);
	dma_fence_put(fin);
	dma_fence_put(dep);
	drm_sched_fini(&fdev->sched);
	fake_dev_destroy(fdev);
}

static void entity_error_after_fini_is_esrch(void **state)
{
	struct fake_dev *fdev = fake_dev_create(4, MAX_SCHEDULE_TIMEOUT, 0);
	struct drm_gpu_scheduler *list[1] = { &fdev->sched };
	struct drm_sched_entity entity;
	struct fake_job *job;
	struct dma_fence *dep = fake_external_fence(), *fin;

	(void)state;
	assert_int_equal(drm_sched_entity_init(&entity, DRM_SCHED_PRIORITY_NORMAL, list, 1), 0);
	job = fake_job_new(fdev, &entity, 0, 0, 1);
	assert_int_equal(drm_sched_job_add_dependency(&job->base, dma_fence_get(dep)), 0);
	fin = fake_push(job);
	assert_int_equal(drm_sched_entity_flush(&entity, 0), 0);
	drm_sched_entity_fini(&entity);
	assert_int_equal(drm_sched_entity_error(&entity), -ESRCH);
	dma_fence_signal(dep);
	assert_true(fake_wait(fin, 2000));
	assert_int_equal(dma_fence_get_status(fin), -ESRCH);
	assert_true(fake_wait_count(fdev, &fdev->freed, 1, 2000));
	dma_fence_put(fin);
	dma_fence_put(dep);
	drm_sched_fini(&fdev->sched);
	fake_dev_destroy(fdev);
}

static void sched_fini_with_jobs_in_flight_completes_and_frees_all(void **state)
{
	struct fake_dev *fdev = fake_dev_create(2, MAX_SCHEDULE_TIMEOUT, 0);
	struct drm_gpu_scheduler *list[1] = { &fdev->sched };
	struct drm_sched_entity a, b;
	struct dma_fence *dep = fake_external_fence();
	struct dma_fence *f[6];
	struct fake_job *job, *orphan;
	int i;

	(void)state;
	assert_int_equal(drm_sched_entity_init(&a, DRM_SCHED_PRIORITY_NORMAL, list, 1), 0);
	assert_int_equal(drm_sched_entity_init(&b, DRM_SCHED_PRIORITY_HIGH, list, 1), 0);
	/* Two hung jobs fill the ring; two queued; one waiting on a fence; one done. */
	f[0] = fake_push(fake_job_new(fdev, &a, 0, 0, 1));
	assert_true(fake_wait(f[0], 2000));
	f[1] = fake_push(fake_job_new(fdev, &a, 1, FAKE_HANG, 1));
	f[2] = fake_push(fake_job_new(fdev, &b, 2, FAKE_HANG, 1));
	assert_true(fake_wait_count(fdev, &fdev->nrun, 3, 2000));
	f[3] = fake_push(fake_job_new(fdev, &a, 3, 0, 1));
	f[4] = fake_push(fake_job_new(fdev, &b, 4, 0, 1));
	job = fake_job_new(fdev, &b, 5, 0, 1);
	assert_int_equal(drm_sched_job_add_dependency(&job->base, dma_fence_get(dep)), 0);
	f[5] = fake_push(job);

	drm_sched_fini(&fdev->sched);
	assert_int_equal(dma_fence_get_status(f[0]), 1);
	for (i = 1; i < 6; i++)
		assert_int_equal(dma_fence_get_status(f[i]), -ECANCELED);
	assert_int_equal(fdev->freed, 6);
	assert_int_equal(fdev->nrun, 3);

	/* The entities outlive their scheduler safely and refuse new jobs. */
	assert_int_equal(drm_sched_entity_error(&a), -ENODEV);
	orphan = calloc(1, sizeof(*orphan));
	assert_non_null(orphan);
	assert_int_equal(drm_sched_job_init(&orphan->base, &a, 1, NULL), -ENOENT);
	free(orphan);
	drm_sched_entity_destroy(&a);
	drm_sched_entity_destroy(&b);

	for (i = 0; i < 6; i++)
		dma_fence_put(f[i]);
	dma_fence_put(dep);
	fake_dev_destroy(fdev);
}

static void sched_fini_with_killed_jobs_waiting_frees_them(void **state)
{
	struct fake_dev *fdev = fake_dev_create(2, MAX_SCHEDULE_TIMEOUT, 0);
	struct drm_gpu_scheduler *list[1] = { &fdev->sched };
	struct drm_sched_entity entity;
	struct dma_fence *dep = fake_external_fence(), *fin;
	struct fake_job *job;

	(void)state;
	assert_int_equal(drm_sched_entity_init(&entity, DRM_SCHED_PRIORITY_NORMAL, list, 1), 0);
	job = fake_job_new(fdev, &entity, 0, 0, 1);
	assert_int_equal(drm_sched_job_add_dependency(&job->base, dma_fence_get(dep)), 0);
	fin = fake_push(job);
	assert_int_equal(drm_sched_entity_flush(&entity, 5), 0);
	drm_sched_entity_fini(&entity);
	assert_false(fake_wait(fin, 10));
	/* The device goes away before the dependency ever signals. */
	drm_sched_fini(&fdev->sched);
	assert_int_equal(dma_fence_get_status(fin), -ESRCH);
	assert_int_equal(fdev->freed, 1);
	dma_fence_signal(dep);
	dma_fence_put(fin);
	dma_fence_put(dep);
	fake_dev_destroy(fdev);
}

struct closer {
	struct fake_dev *fdev;
	struct drm_sched_entity entity;
	struct dma_fence *last;
};

static void *close_client(void *arg)
{
	struct closer *c = arg;
	int i;

	for (i = 0; i < 50; i++) {
		struct dma_fence *f = fake_push(fake_job_new(c->fdev, &c->entity, i, i % 2, 1));

		dma_fence_put(c->last);
		c->last = f;
	}
	drm_sched_entity_destroy(&c->entity);
	return NULL;
}

static void clients_closing_concurrently_leave_nothing_behind(void **state)
{
	struct fake_dev *fdev = fake_dev_create(3, MAX_SCHEDULE_TIMEOUT, 0);
	struct drm_gpu_scheduler *list[1] = { &fdev->sched };
	struct closer c[4];
	pthread_t t[4];
	int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		c[i].fdev = fdev;
		c[i].last = NULL;
		assert_int_equal(drm_sched_entity_init(&c[i].entity, i, list, 1), 0);
		assert_int_equal(pthread_create(&t[i], NULL, close_client, &c[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_true(fake_wait(c[i].last, 2000));
		dma_fence_put(c[i].last);
	}
	assert_true(fake_wait_count(fdev, &fdev->freed, 200, 2000));
	drm_sched_fini(&fdev->sched);
	assert_int_equal(fdev->freed, 200);
	fake_dev_destroy(fdev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(entity_destroy_on_close_kills_queued_jobs_with_esrch),
		cmocka_unit_test(entity_destroy_lets_short_queue_drain),
		cmocka_unit_test(killed_job_waits_for_its_dependencies),
		cmocka_unit_test(entity_error_after_fini_is_esrch),
		cmocka_unit_test(sched_fini_with_jobs_in_flight_completes_and_frees_all),
		cmocka_unit_test(sched_fini_with_killed_jobs_waiting_frees_them),
		cmocka_unit_test(clients_closing_concurrently_leave_nothing_behind),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

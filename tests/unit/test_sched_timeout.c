// SPDX-License-Identifier: MIT
/* Scheduler: timeouts, the driver's three answers, guilty contexts, stop/start, faults. */
#include "test_sched_fake.h"
#include <accel/drm_print.h>

static void hung_job_times_out_and_guilty_entity_is_cancelled(void **state)
{
	struct fake_dev *fdev = fake_dev_create(8, 30, 0);
	struct drm_gpu_scheduler *list[1] = { &fdev->sched };
	struct drm_sched_entity guilty, other;
	struct dma_fence *gate = fake_external_fence();
	struct dma_fence *fh, *fq1, *fq2, *fnew, *fo[40];
	struct fake_job *hung, *q1, *late;
	int i;

	(void)state;
	fdev->tdr_signal = true;
	fdev->tdr_error = -ETIME;
	assert_int_equal(drm_sched_entity_init(&guilty, DRM_SCHED_PRIORITY_NORMAL, list, 1), 0);
	assert_int_equal(drm_sched_entity_init(&other, DRM_SCHED_PRIORITY_NORMAL, list, 1), 0);

	hung = fake_job_new(fdev, &guilty, 100, FAKE_HANG, 1);
	fh = fake_push(hung);
	/* Queued behind it, held back by a dependency until after the reset. */
	q1 = fake_job_new(fdev, &guilty, 101, 0, 1);
	assert_int_equal(drm_sched_job_add_dependency(&q1->base, dma_fence_get(gate)), 0);
	fq1 = fake_push(q1);
	fq2 = fake_push(fake_job_new(fdev, &guilty, 102, 0, 1));
	/*
	 * Another client's long chain runs beside the hung job, before and after the reset:
	 * 7 of the 8 credits each, so one at a time, 2 ms each.
	 */
	for (i = 0; i < 40; i++)
		fo[i] = fake_push(fake_job_new(fdev, &other, i, 2, 7));

	assert_true(fake_wait(fh, 2000));
	assert_int_equal(fake_count(fdev, &fdev->timedout), 1);
	assert_ptr_equal(fdev->last_timedout, hung);
	/* The error the driver put on the hardware fence. */
	assert_int_equal(dma_fence_get_status(fh), -ETIME);
	/*
	 * The driver signalled the hardware fence inside its timeout handler; the scheduler
	 * marks the entity guilty once the handler returns, so wait for that step.
	 */
	for (i = 0; i < 2000 && drm_sched_entity_error(&guilty) != -ECANCELED; i++)
		usleep(1000);
	assert_int_equal(drm_sched_entity_error(&guilty), -ECANCELED);

	/* A new submission to the guilty context is refused and still completed and freed. */
	late = fake_job_new(fdev, &guilty, 103, 0, 1);
	fnew = dma_fence_get(drm_sched_job_finished(&late->base));
	assert_int_equal(drm_sched_entity_push_job(&late->base), -ECANCELED);

	/* Cancelled jobs still wait for their dependencies before they complete. */
	assert_false(fake_wait(fq1, 20));
	dma_fence_signal(gate);
	assert_true(fake_wait(fq1, 2000));
	assert_true(fake_wait(fq2, 2000));
	assert_true(fake_wait(fnew, 2000));
	assert_int_equal(dma_fence_get_status(fq1), -ECANCELED);
	assert_int_equal(dma_fence_get_status(fq2), -ECANCELED);
	assert_int_equal(dma_fence_get_status(fnew), -ECANCELED);

	for (i = 0; i < 40; i++) {
		assert_true(fake_wait(fo[i], 2000));
		assert_int_equal(dma_fence_get_status(fo[i]), 1);
		dma_fence_put(fo[i]);
	}
	assert_int_equal(drm_sched_entity_error(&other), 0);
	assert_true(fake_wait_count(fdev, &fdev->freed, 44, 2000));
	/* None of the guilty context's later jobs reached the engine. */
	for (i = 0; i < fdev->nrun; i++)
		assert_true(fdev->run_log[i] < 101 || fdev->run_log[i] > 103);
	assert_int_equal(fake_count(fdev, &fdev->timedout), 1);

	dma_fence_put(fh);
	dma_fence_put(fq1);
	dma_fence_put(fq2);
	dma_fence_put(fnew);
	dma_fence_put(gate);
	drm_sched_entity_destroy(&guilty);
	drm_sched_entity_destroy(&other);
	drm_sched_fini(&fdev->sched);
	fake_dev_destroy(fdev);
}

static void reset_without_hardware_signal_finishes_job_with_etime(void **state)
{
	struct fake_dev *fdev = fake_dev_create(8, 20, 0);
	struct drm_gpu_scheduler *list[1] = { &fdev->sched };
	struct drm_sched_entity entity;
	struct dma_fence *fin;

	(void)state;
	assert_int_equal(drm_sched_entity_init(&entity, DRM_SCHED_PRIORITY_NORMAL, list, 1), 0);
	fin = fake_push(fake_job_new(fdev, &entity, 0, FAKE_HANG, 1));
	assert_true(fake_wait(fin, 2000));
	assert_int_equal(dma_fence_get_status(fin), -ETIME);
	assert_true(fake_wait_count(fdev, &fdev->freed, 1, 2000));
	dma_fence_put(fin);
	drm_sched_entity_destroy(&entity);
	drm_sched_fini(&fdev->sched);
	fake_dev_destroy(fdev);
}

static void timeout_below_hang_limit_keeps_entity_usable(void **state)
{
	struct fake_dev *fdev = fake_dev_create(8, 20, 1);
	struct drm_gpu_scheduler *list[1] = { &fdev->sched };
	struct drm_sched_entity entity;
	struct dma_fence *fh, *fnext;

	(void)state;
	fdev->tdr_signal = true;
	fdev->tdr_error = -EIO;
	assert_int_equal(drm_sched_entity_init(&entity, DRM_SCHED_PRIORITY_NORMAL, list, 1), 0);
	fh = fake_push(fake_job_new(fdev, &entity, 0, FAKE_HANG, 1));
	assert_true(fake_wait(fh, 2000));
	assert_int_equal(dma_fence_get_status(fh), -EIO);
	/* Not guilty: the entity reports the last job's error, as the kernel does, and runs on. */
	assert_int_equal(drm_sched_entity_error(&entity), -EIO);
	fnext = fake_push(fake_job_new(fdev, &entity, 1, 0, 1));
	assert_true(fake_wait(fnext, 2000));
	assert_int_equal(dma_fence_get_status(fnext), 1);
	assert_int_equal(drm_sched_entity_error(&entity), 0);
	dma_fence_put(fh);
	dma_fence_put(fnext);
	drm_sched_entity_destroy(&entity);
	drm_sched_fini(&fdev->sched);
	fake_dev_destroy(fdev);
}

static void kernel_priority_job_never_makes_entity_guilty(void **state)
{
	struct fake_dev *fdev = fake_dev_create(8, 20, 0);
	struct drm_gpu_scheduler *list[1] = { &fdev->sched };
	struct drm_sched_entity entity;
	struct dma_fence *fh, *fnext;

	(void)state;
	fdev->tdr_signal = true;
	fdev->tdr_error = -ETIME;
	assert_int_equal(drm_sched_entity_init(&entity, DRM_SCHED_PRIORITY_KERNEL, list, 1), 0);
	fh = fake_push(fake_job_new(fdev, &entity, 0, FAKE_HANG, 1));
	assert_true(fake_wait(fh, 2000));
	fnext = fake_push(fake_job_new(fdev, &entity, 1, 0, 1));
	assert_true(fake_wait(fnext, 2000));
	assert_int_equal(dma_fence_get_status(fnext), 1);
	dma_fence_put(fh);
	dma_fence_put(fnext);
	drm_sched_entity_destroy(&entity);
	drm_sched_fini(&fdev->sched);
	fake_dev_destroy(fdev);
}

static void no_hang_answer_keeps_job_running(void **state)
{
	struct fake_dev *fdev = fake_dev_create(8, 15, 0);
	struct drm_gpu_scheduler *list[1] = { &fdev->sched };
	struct drm_sched_entity entity;
	struct dma_fence *fin;

	(void)state;
	fdev->answer = DRM_GPU_SCHED_STAT_NO_HANG;
	assert_int_equal(drm_sched_entity_init(&entity, DRM_SCHED_PRIORITY_NORMAL, list, 1), 0);
	/* Slow but alive: several timeouts pass while it runs. */
	fin = fake_push(fake_job_new(fdev, &entity, 0, 80, 1));
	assert_true(fake_wait(fin, 2000));
	assert_int_equal(dma_fence_get_status(fin), 1);
	assert_true(fake_count(fdev, &fdev->timedout) >= 2);
	assert_int_equal(drm_sched_entity_error(&entity), 0);
	dma_fence_put(fin);
	drm_sched_entity_destroy(&entity);
	drm_sched_fini(&fdev->sched);
	fake_dev_destroy(fdev);
}

static void enodev_answer_stops_timeouts_until_fini(void **state)
{
	struct fake_dev *fdev = fake_dev_create(8, 10, 0);
	struct drm_gpu_scheduler *list[1] = { &fdev->sched };
	struct drm_sched_entity entity;
	struct dma_fence *fin;

	(void)state;
	fdev->answer = DRM_GPU_SCHED_STAT_ENODEV;
	assert_int_equal(drm_sched_entity_init(&entity, DRM_SCHED_PRIORITY_NORMAL, list, 1), 0);
	fin = fake_push(fake_job_new(fdev, &entity, 0, FAKE_HANG, 1));
	assert_true(fake_wait_count(fdev, &fdev->timedout, 1, 2000));
	/* No second call, and the job is left alone: the device is gone. */
	assert_false(fake_wait(fin, 60));
	assert_int_equal(fake_count(fdev, &fdev->timedout), 1);
	drm_sched_fini(&fdev->sched);
	assert_int_equal(dma_fence_get_status(fin), -ECANCELED);
	assert_int_equal(fdev->freed, 1);
	assert_int_equal(drm_sched_entity_error(&entity), -ENODEV);
	drm_sched_entity_destroy(&entity);
	dma_fence_put(fin);
	fake_dev_destroy(fdev);
}

static void fault_handles_timeout_immediately(void **state)
{
	struct fake_dev *fdev = fake_dev_create(8, MAX_SCHEDULE_TIMEOUT, 0);
	struct drm_gpu_scheduler *list[1] = { &fdev->sched };
	struct drm_sched_entity entity;
	struct dma_fence *fin;

	(void)state;
	fdev->tdr_signal = true;
	fdev->tdr_error = -EIO;
	assert_int_equal(drm_sched_entity_init(&entity, DRM_SCHED_PRIORITY_NORMAL, list, 1), 0);
	fin = fake_push(fake_job_new(fdev, &entity, 0, FAKE_HANG, 1));
	assert_true(fake_wait_count(fdev, &fdev->nrun, 1, 2000));
	/* No timeout configured: nothing happens until the driver reports the fault. */
	assert_false(fake_wait(fin, 30));
	drm_sched_fault(&fdev->sched);
	assert_true(fake_wait(fin, 2000));
	assert_int_equal(dma_fence_get_status(fin), -EIO);
	assert_int_equal(fake_count(fdev, &fdev->timedout), 1);
	dma_fence_put(fin);
	drm_sched_entity_destroy(&entity);
	drm_sched_fini(&fdev->sched);
	fake_dev_destroy(fdev);
}

static void stop_and_start_around_reset_complete_job_with_hardware_error(void **state)
{
	struct fake_dev *fdev = fake_dev_create(8, 20, 0);
	struct drm_gpu_scheduler *list[1] = { &fdev->sched };
	struct drm_sched_entity entity, other;
	struct dma_fence *fh, *fo[10];
	int i;

	(void)state;
	/* A kernel-style handler: stop, reset (fail the fence), start. */
	fdev->tdr_signal = true;
	fdev->tdr_error = -EIO;
	fdev->tdr_stop_start = true;
	assert_int_equal(drm_sched_entity_init(&entity, DRM_SCHED_PRIORITY_NORMAL, list, 1), 0);
	assert_int_equal(drm_sched_entity_init(&other, DRM_SCHED_PRIORITY_NORMAL, list, 1), 0);
	fh = fake_push(fake_job_new(fdev, &entity, 0, FAKE_HANG, 1));
	for (i = 0; i < 10; i++)
		fo[i] = fake_push(fake_job_new(fdev, &other, i + 1, 5, 1));
	assert_true(fake_wait(fh, 2000));
	assert_int_equal(dma_fence_get_status(fh), -EIO);
	for (i = 0; i < 10; i++) {
		assert_true(fake_wait(fo[i], 2000));
		assert_int_equal(dma_fence_get_status(fo[i]), 1);
		dma_fence_put(fo[i]);
	}
	assert_true(fake_wait_count(fdev, &fdev->freed, 11, 2000));
	assert_int_equal(drm_sched_entity_error(&entity), -ECANCELED);
	dma_fence_put(fh);
	drm_sched_entity_destroy(&entity);
	drm_sched_entity_destroy(&other);
	drm_sched_fini(&fdev->sched);
	fake_dev_destroy(fdev);
}

static void stop_from_another_thread_holds_back_new_jobs(void **state)
{
	struct fake_dev *fdev = fake_dev_create(8, MAX_SCHEDULE_TIMEOUT, 0);
	struct drm_gpu_scheduler *list[1] = { &fdev->sched };
	struct drm_sched_entity entity;
	struct fake_job *j1;
	struct dma_fence *f1, *f2;

	(void)state;
	assert_int_equal(drm_sched_entity_init(&entity, DRM_SCHED_PRIORITY_NORMAL, list, 1), 0);
	/* Job 0 runs until the test ends it, so that it is surely running when the scheduler stops. */
	j1 = fake_job_new(fdev, &entity, 0, FAKE_HANG, 1);
	f1 = fake_push(j1);
	assert_true(fake_wait_count(fdev, &fdev->nrun, 1, 2000));
	drm_sched_stop(&fdev->sched, NULL);
	f2 = fake_push(fake_job_new(fdev, &entity, 1, 0, 1));
	/* The engine finishes job 0 while stopped; nobody listens and nothing new runs. */
	fake_hw_finish_now(fdev, j1);
	assert_true(fake_wait(j1->hw, 2000));
	assert_false(fake_wait(f1, 60));
	assert_int_equal(fake_count(fdev, &fdev->nrun), 1);
	drm_sched_start(&fdev->sched);
	assert_true(fake_wait(f1, 2000));
	assert_true(fake_wait(f2, 2000));
	assert_int_equal(dma_fence_get_status(f1), 1);
	assert_int_equal(dma_fence_get_status(f2), 1);
	dma_fence_put(f1);
	dma_fence_put(f2);
	drm_sched_entity_destroy(&entity);
	drm_sched_fini(&fdev->sched);
	fake_dev_destroy(fdev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hung_job_times_out_and_guilty_entity_is_cancelled),
		cmocka_unit_test(reset_without_hardware_signal_finishes_job_with_etime),
		cmocka_unit_test(timeout_below_hang_limit_keeps_entity_usable),
		cmocka_unit_test(kernel_priority_job_never_makes_entity_guilty),
		cmocka_unit_test(no_hang_answer_keeps_job_running),
		cmocka_unit_test(enodev_answer_stops_timeouts_until_fini),
		cmocka_unit_test(fault_handles_timeout_immediately),
		cmocka_unit_test(stop_and_start_around_reset_complete_job_with_hardware_error),
		cmocka_unit_test(stop_from_another_thread_holds_back_new_jobs),
	};

	/* Timeouts are reported as warnings; keep the test output to the results. */
	accel_log_set_level(ACCEL_LOG_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

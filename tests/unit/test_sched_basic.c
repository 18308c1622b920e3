// SPDX-License-Identifier: MIT
/* Scheduler: ordering, dependencies, priorities, credits, fence errors, statistics. */
#include "test_sched_fake.h"

static struct drm_gpu_scheduler *one_sched(struct fake_dev *fdev, struct drm_gpu_scheduler **list)
{
	list[0] = &fdev->sched;
	return list[0];
}

static void jobs_of_one_entity_run_in_order(void **state)
{
	struct fake_dev *fdev = fake_dev_create(8, MAX_SCHEDULE_TIMEOUT, 0);
	struct drm_gpu_scheduler *list[1];
	struct drm_sched_entity entity;
	struct dma_fence *fin[20];
	int i;

	(void)state;
	one_sched(fdev, list);
	assert_int_equal(drm_sched_entity_init(&entity, DRM_SCHED_PRIORITY_NORMAL, list, 1), 0);
	for (i = 0; i < 20; i++)
		fin[i] = fake_push(fake_job_new(fdev, &entity, i, i % 3, 1));
	for (i = 0; i < 20; i++) {
		assert_true(fake_wait(fin[i], 2000));
		assert_int_equal(dma_fence_get_status(fin[i]), 1);
		/* One timeline per entity, numbered in submission order. */
		assert_int_equal(fin[i]->seqno, i + 1);
		assert_int_equal(fin[i]->context, fin[0]->context);
	}
	assert_true(fake_wait_count(fdev, &fdev->freed, 20, 2000));
	for (i = 0; i < 20; i++)
		assert_int_equal(fdev->run_log[i], i);
	for (i = 0; i < 20; i++)
		dma_fence_put(fin[i]);
	drm_sched_entity_destroy(&entity);
	drm_sched_fini(&fdev->sched);
	fake_dev_destroy(fdev);
}

static void dependency_delays_job_until_signalled(void **state)
{
	struct fake_dev *fdev = fake_dev_create(8, MAX_SCHEDULE_TIMEOUT, 0);
	struct drm_gpu_scheduler *list[1];
	struct drm_sched_entity entity;
	struct dma_fence *dep = fake_external_fence(), *fin, *sched_fence;
	struct fake_job *job;

	(void)state;
	one_sched(fdev, list);
	assert_int_equal(drm_sched_entity_init(&entity, DRM_SCHED_PRIORITY_NORMAL, list, 1), 0);
	job = fake_job_new(fdev, &entity, 1, 0, 1);
	assert_int_equal(drm_sched_job_add_dependency(&job->base, dma_fence_get(dep)), 0);
	sched_fence = dma_fence_get(drm_sched_job_scheduled(&job->base));
	fin = fake_push(job);

	assert_false(fake_wait(sched_fence, 30));
	assert_int_equal(fake_count(fdev, &fdev->nrun), 0);
	dma_fence_signal(dep);
	assert_true(fake_wait(fin, 2000));
	assert_int_equal(dma_fence_get_status(sched_fence), 1);
	assert_int_equal(dma_fence_get_status(fin), 1);
	assert_int_equal(fake_count(fdev, &fdev->nrun), 1);

	dma_fence_put(sched_fence);
	dma_fence_put(fin);
	dma_fence_put(dep);
	drm_sched_entity_destroy(&entity);
	drm_sched_fini(&fdev->sched);
	fake_dev_destroy(fdev);
}

static void dependency_on_other_entity_job_waits_for_its_finish(void **state)
{
	struct fake_dev *fdev = fake_dev_create(8, MAX_SCHEDULE_TIMEOUT, 0);
	struct drm_gpu_scheduler *list[1];
	struct drm_sched_entity a, b;
	struct fake_job *ja, *jb;
	struct dma_fence *fa, *fb;

	(void)state;
	one_sched(fdev, list);
	assert_int_equal(drm_sched_entity_init(&a, DRM_SCHED_PRIORITY_NORMAL, list, 1), 0);
	assert_int_equal(drm_sched_entity_init(&b, DRM_SCHED_PRIORITY_NORMAL, list, 1), 0);
	ja = fake_job_new(fdev, &a, 1, 30, 1);
	jb = fake_job_new(fdev, &b, 2, 0, 1);
	assert_int_equal(drm_sched_job_add_dependency(&jb->base,
			 dma_fence_get(drm_sched_job_finished(&ja->base))), 0);
	fa = fake_push(ja);
	fb = fake_push(jb);
	assert_true(fake_wait(fb, 2000));
	/* b's job started only after a's finished: a is signalled by then. */
	assert_int_equal(dma_fence_get_status(fa), 1);
	assert_true(dma_fence_timestamp(fa) <= dma_fence_timestamp(fb));
	dma_fence_put(fa);
	dma_fence_put(fb);
	drm_sched_entity_destroy(&a);
	drm_sched_entity_destroy(&b);
	drm_sched_fini(&fdev->sched);
	fake_dev_destroy(fdev);
}

static void failed_dependency_does_not_fail_the_job(void **state)
{
	struct fake_dev *fdev = fake_dev_create(8, MAX_SCHEDULE_TIMEOUT, 0);
	struct drm_gpu_scheduler *list[1];
	struct drm_sched_entity entity;
	struct dma_fence *dep = fake_external_fence(), *fin;
	struct fake_job *job;

	(void)state;
	one_sched(fdev, list);
	assert_int_equal(drm_sched_entity_init(&entity, DRM_SCHED_PRIORITY_NORMAL, list, 1), 0);
	job = fake_job_new(fdev, &entity, 1, 0, 1);
	assert_int_equal(drm_sched_job_add_dependency(&job->base, dma_fence_get(dep)), 0);
	fin = fake_push(job);
	dma_fence_set_error(dep, -EINVAL);
	dma_fence_signal(dep);
	assert_true(fake_wait(fin, 2000));
	/* As in Linux 6.12: the job runs; the driver can see the error and act on it. */
	assert_int_equal(dma_fence_get_status(fin), 1);
	assert_true(fake_wait_count(fdev, &fdev->nrun, 1, 100));
	assert_int_equal(fake_count(fdev, &fdev->last_dep_error), -EINVAL);
	dma_fence_put(fin);
	dma_fence_put(dep);
	drm_sched_entity_destroy(&entity);
	drm_sched_fini(&fdev->sched);
	fake_dev_destroy(fdev);
}

static void higher_priority_runs_first_when_both_ready(void **state)
{
	struct fake_dev *fdev = fake_dev_create(1, MAX_SCHEDULE_TIMEOUT, 0);
	struct drm_gpu_scheduler *list[1];
	struct drm_sched_entity blocker, low, high, kernel;
	struct dma_fence *f[4];
	int i;

	(void)state;
	one_sched(fdev, list);
	assert_int_equal(drm_sched_entity_init(&blocker, DRM_SCHED_PRIORITY_NORMAL, list, 1), 0);
	assert_int_equal(drm_sched_entity_init(&low, DRM_SCHED_PRIORITY_LOW, list, 1), 0);
	assert_int_equal(drm_sched_entity_init(&high, DRM_SCHED_PRIORITY_HIGH, list, 1), 0);
	assert_int_equal(drm_sched_entity_init(&kernel, DRM_SCHED_PRIORITY_KERNEL, list, 1), 0);
	/* The ring holds one job: the others queue up behind the blocker, low ones first. */
	f[0] = fake_push(fake_job_new(fdev, &blocker, 0, 30, 1));
	assert_true(fake_wait_count(fdev, &fdev->nrun, 1, 2000));
	f[1] = fake_push(fake_job_new(fdev, &low, 3, 0, 1));
	f[2] = fake_push(fake_job_new(fdev, &high, 2, 0, 1));
	f[3] = fake_push(fake_job_new(fdev, &kernel, 1, 0, 1));
	for (i = 0; i < 4; i++)
		assert_true(fake_wait(f[i], 2000));
	assert_true(fake_wait_count(fdev, &fdev->freed, 4, 2000));
	for (i = 0; i < 4; i++)
		assert_int_equal(fdev->run_log[i], i);
	for (i = 0; i < 4; i++)
		dma_fence_put(f[i]);
	drm_sched_entity_destroy(&blocker);
	drm_sched_entity_destroy(&low);
	drm_sched_entity_destroy(&high);
	drm_sched_entity_destroy(&kernel);
	drm_sched_fini(&fdev->sched);
	fake_dev_destroy(fdev);
}

static void same_priority_runs_in_submission_order(void **state)
{
	struct fake_dev *fdev = fake_dev_create(1, MAX_SCHEDULE_TIMEOUT, 0);
	struct drm_gpu_scheduler *list[1];
	struct drm_sched_entity e[3];
	struct dma_fence *f[7];
	int i;

	(void)state;
	one_sched(fdev, list);
	for (i = 0; i < 3; i++)
		assert_int_equal(drm_sched_entity_init(&e[i], DRM_SCHED_PRIORITY_NORMAL, list, 1), 0);
	f[0] = fake_push(fake_job_new(fdev, &e[0], 0, 30, 1));
	assert_true(fake_wait_count(fdev, &fdev->nrun, 1, 2000));
	/* Interleaved over the entities: FIFO by submission time across them. */
	for (i = 1; i < 7; i++)
		f[i] = fake_push(fake_job_new(fdev, &e[(7 - i) % 3], i, 0, 1));
	for (i = 0; i < 7; i++)
		assert_true(fake_wait(f[i], 2000));
	assert_true(fake_wait_count(fdev, &fdev->freed, 7, 2000));
	for (i = 0; i < 7; i++) {
		assert_int_equal(fdev->run_log[i], i);
		dma_fence_put(f[i]);
	}
	for (i = 0; i < 3; i++)
		drm_sched_entity_destroy(&e[i]);
	drm_sched_fini(&fdev->sched);
	fake_dev_destroy(fdev);
}

static void credits_limit_jobs_in_flight(void **state)
{
	struct fake_dev *fdev = fake_dev_create(4, MAX_SCHEDULE_TIMEOUT, 0);
	struct drm_gpu_scheduler *list[1];
	struct drm_sched_entity a, b;
	struct dma_fence *f[12];
	int i;

	(void)state;
	one_sched(fdev, list);
	assert_int_equal(drm_sched_entity_init(&a, DRM_SCHED_PRIORITY_NORMAL, list, 1), 0);
	assert_int_equal(drm_sched_entity_init(&b, DRM_SCHED_PRIORITY_NORMAL, list, 1), 0);
	for (i = 0; i < 12; i++)
		f[i] = fake_push(fake_job_new(fdev, i & 1 ? &a : &b, i, 5, i % 3 == 0 ? 3 : 1));
	for (i = 0; i < 12; i++) {
		assert_true(fake_wait(f[i], 2000));
		dma_fence_put(f[i]);
	}
	assert_true(fake_wait_count(fdev, &fdev->freed, 12, 2000));
	assert_true(fdev->max_credits_in_flight <= 4);
	/* And the ring was used: more than one job at a time. */
	assert_true(fdev->max_credits_in_flight >= 2);
	drm_sched_entity_destroy(&a);
	drm_sched_entity_destroy(&b);
	drm_sched_fini(&fdev->sched);
	fake_dev_destroy(fdev);
}

static void job_over_credit_limit_is_truncated_and_runs(void **state)
{
	struct fake_dev *fdev = fake_dev_create(2, MAX_SCHEDULE_TIMEOUT, 0);
	struct drm_gpu_scheduler *list[1];
	struct drm_sched_entity entity;
	struct fake_job *job;
	struct dma_fence *fin;

	(void)state;
	one_sched(fdev, list);
	assert_int_equal(drm_sched_entity_init(&entity, DRM_SCHED_PRIORITY_NORMAL, list, 1), 0);
	test_log_capture();
	job = fake_job_new(fdev, &entity, 0, 0, 9);
	assert_int_equal(job->base.credits, 2);
	assert_true(test_log_contains("truncated"));
	test_log_release();
	fin = fake_push(job);
	assert_true(fake_wait(fin, 2000));
	dma_fence_put(fin);
	drm_sched_entity_destroy(&entity);
	drm_sched_fini(&fdev->sched);
	fake_dev_destroy(fdev);
}

static void finished_fence_carries_hardware_fence_error(void **state)
{
	struct fake_dev *fdev = fake_dev_create(4, MAX_SCHEDULE_TIMEOUT, 0);
	struct drm_gpu_scheduler *list[1];
	struct drm_sched_entity entity;
	struct fake_job *bad, *good;
	struct dma_fence *fbad, *fgood, *sbad;

	(void)state;
	one_sched(fdev, list);
	assert_int_equal(drm_sched_entity_init(&entity, DRM_SCHED_PRIORITY_NORMAL, list, 1), 0);
	bad = fake_job_new(fdev, &entity, 0, 1, 1);
	bad->hw_error = -EIO;
	sbad = dma_fence_get(drm_sched_job_scheduled(&bad->base));
	fbad = fake_push(bad);
	good = fake_job_new(fdev, &entity, 1, 1, 1);
	fgood = fake_push(good);
	assert_true(fake_wait(fbad, 2000));
	assert_true(fake_wait(fgood, 2000));
	assert_int_equal(dma_fence_get_status(fbad), -EIO);
	assert_int_equal(dma_fence_get_status(sbad), 1);
	assert_int_equal(dma_fence_get_status(fgood), 1);
	/* The kernel's drm_sched_entity_error(): the last job handed to the engine. */
	assert_int_equal(drm_sched_entity_error(&entity), 0);
	dma_fence_put(sbad);
	dma_fence_put(fbad);
	dma_fence_put(fgood);
	drm_sched_entity_destroy(&entity);
	drm_sched_fini(&fdev->sched);
	fake_dev_destroy(fdev);
}

static struct dma_fence *err_run_job(struct drm_sched_job *job)
{
	/* The engine never completes it: the job fails at submission. */
	dma_fence_put(fake_run_job(job));
	return ERR_PTR(-ENOSPC);
}

static void run_job_error_pointer_fails_the_job(void **state)
{
	struct fake_dev *fdev = fake_dev_create(4, MAX_SCHEDULE_TIMEOUT, 0);
	struct drm_sched_backend_ops ops = fake_sched_ops;
	struct drm_gpu_scheduler *list[1];
	struct drm_sched_entity entity;
	struct fake_job *job;
	struct dma_fence *fin;

	(void)state;
	ops.run_job = err_run_job;
	fdev->sched.ops = &ops;
	one_sched(fdev, list);
	assert_int_equal(drm_sched_entity_init(&entity, DRM_SCHED_PRIORITY_NORMAL, list, 1), 0);
	job = fake_job_new(fdev, &entity, 0, FAKE_HANG, 1);
	fin = fake_push(job);
	assert_true(fake_wait(fin, 2000));
	assert_int_equal(dma_fence_get_status(fin), -ENOSPC);
	assert_int_equal(drm_sched_entity_error(&entity), -ENOSPC);
	assert_true(fake_wait_count(fdev, &fdev->freed, 1, 2000));
	dma_fence_put(fin);
	drm_sched_entity_destroy(&entity);
	drm_sched_fini(&fdev->sched);
	fake_dev_destroy(fdev);
}

static void job_timestamps_and_entity_busy_time_are_recorded(void **state)
{
	struct fake_dev *fdev = fake_dev_create(4, MAX_SCHEDULE_TIMEOUT, 0);
	struct drm_gpu_scheduler *list[1];
	struct drm_sched_entity entity;
	struct drm_sched_entity_stats st;
	struct dma_fence *fin;
	ktime_t submit, start, finish;

	(void)state;
	one_sched(fdev, list);
	assert_int_equal(drm_sched_entity_init(&entity, DRM_SCHED_PRIORITY_NORMAL, list, 1), 0);
	fin = fake_push(fake_job_new(fdev, &entity, 0, 20, 1));
	assert_true(fake_wait_count(fdev, &fdev->nrun, 1, 2000));
	drm_sched_entity_get_stats(&entity, &st);
	assert_int_equal(st.active, 1);
	assert_true(fake_wait(fin, 2000));
	assert_true(fake_wait_count(fdev, &fdev->freed, 1, 2000));
	/* As free_job saw them. */
	submit = fdev->freed_ts[0];
	start = fdev->freed_ts[1];
	finish = fdev->freed_ts[2];
	assert_true(submit > 0 && submit <= start && start <= finish);
	assert_true(finish - start >= 20 * 1000000LL);
	drm_sched_entity_get_stats(&entity, &st);
	assert_int_equal(st.active, 0);
	assert_int_equal(st.jobs_done, 1);
	assert_int_equal(st.queued, 0);
	assert_true(st.busy_ns >= 20 * 1000000ULL);
	assert_true(st.busy_ns < 2000 * 1000000ULL);
	dma_fence_put(fin);
	drm_sched_entity_destroy(&entity);
	drm_sched_fini(&fdev->sched);
	fake_dev_destroy(fdev);
}

static void idle_entity_moves_to_least_loaded_scheduler(void **state)
{
	struct fake_dev *f1 = fake_dev_create(4, MAX_SCHEDULE_TIMEOUT, 0);
	struct fake_dev *f2 = fake_dev_create(4, MAX_SCHEDULE_TIMEOUT, 0);
	struct drm_gpu_scheduler *list[2] = { &f1->sched, &f2->sched };
	struct drm_gpu_scheduler *only1[1] = { &f1->sched };
	struct drm_sched_entity busy, e;
	struct dma_fence *fb, *fe;
	struct fake_job *job;

	(void)state;
	assert_int_equal(drm_sched_entity_init(&busy, DRM_SCHED_PRIORITY_NORMAL, only1, 1), 0);
	assert_int_equal(drm_sched_entity_init(&e, DRM_SCHED_PRIORITY_NORMAL, list, 2), 0);
	fb = fake_push(fake_job_new(f1, &busy, 0, 30, 1));
	/* The job's fake_dev must be the one whose engine runs it: f2, the idle one. */
	job = fake_job_new(f2, &e, 1, 0, 1);
	assert_ptr_equal(job->base.sched, &f2->sched);
	fe = fake_push(job);
	assert_true(fake_wait(fe, 2000));
	assert_true(fake_wait(fb, 2000));
	assert_true(fake_wait_count(f2, &f2->freed, 1, 2000));
	assert_true(fake_wait_count(f1, &f1->freed, 1, 2000));
	dma_fence_put(fb);
	dma_fence_put(fe);
	drm_sched_entity_destroy(&busy);
	drm_sched_entity_destroy(&e);
	drm_sched_fini(&f1->sched);
	drm_sched_fini(&f2->sched);
	fake_dev_destroy(f1);
	fake_dev_destroy(f2);
}

static void job_init_rejects_zero_credits_and_cleanup_frees_unarmed_job(void **state)
{
	struct fake_dev *fdev = fake_dev_create(4, MAX_SCHEDULE_TIMEOUT, 0);
	struct drm_gpu_scheduler *list[1];
	struct drm_sched_entity entity;
	struct drm_sched_job job;
	struct dma_fence *a = fake_external_fence(), *b = fake_external_fence();

	(void)state;
	one_sched(fdev, list);
	assert_int_equal(drm_sched_entity_init(&entity, DRM_SCHED_PRIORITY_NORMAL, list, 1), 0);
	assert_int_equal(drm_sched_job_init(&job, &entity, 0, NULL), -EINVAL);
	assert_int_equal(drm_sched_job_init(&job, &entity, 1, NULL), 0);
	assert_int_equal(drm_sched_job_add_dependency(&job, dma_fence_get(a)), 0);
	assert_int_equal(drm_sched_job_add_dependency(&job, dma_fence_get(b)), 0);
	/* Same context as @a: deduplicated. NULL: ignored. */
	assert_int_equal(drm_sched_job_add_dependency(&job, dma_fence_get(a)), 0);
	assert_int_equal(drm_sched_job_add_dependency(&job, NULL), 0);
	assert_int_equal(job.num_dependencies, 2);
	/* The submit ioctl failed later: unwinding releases everything. */
	drm_sched_job_cleanup(&job);
	assert_int_equal(kref_read(&a->refcount), 1);
	dma_fence_put(a);
	dma_fence_put(b);
	drm_sched_entity_destroy(&entity);
	drm_sched_fini(&fdev->sched);
	fake_dev_destroy(fdev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(jobs_of_one_entity_run_in_order),
		cmocka_unit_test(dependency_delays_job_until_signalled),
		cmocka_unit_test(dependency_on_other_entity_job_waits_for_its_finish),
		cmocka_unit_test(failed_dependency_does_not_fail_the_job),
		cmocka_unit_test(higher_priority_runs_first_when_both_ready),
		cmocka_unit_test(same_priority_runs_in_submission_order),
		cmocka_unit_test(credits_limit_jobs_in_flight),
		cmocka_unit_test(job_over_credit_limit_is_truncated_and_runs),
		cmocka_unit_test(finished_fence_carries_hardware_fence_error),
		cmocka_unit_test(run_job_error_pointer_fails_the_job),
		cmocka_unit_test(job_timestamps_and_entity_busy_time_are_recorded),
		cmocka_unit_test(idle_entity_moves_to_least_loaded_scheduler),
		cmocka_unit_test(job_init_rejects_zero_credits_and_cleanup_frees_unarmed_job),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: MIT
/*
 * vnpu command-processor packets: user fence writes, timestamps, semaphore waits (already
 * met, released by another thread, timed out by the packet, by the job's deadline, killed by
 * the abort callback), and the stream stopping where the wait failed.
 */
#include <pthread.h>
#include <unistd.h>

#include "vnpu_test.h"
#include "../common/mono_clock.h"

static uint64_t now_ns(void)
{
	return (uint64_t)mono_now_ns();
}

static uint64_t load64(struct vt *t, uint64_t va)
{
	uint64_t v;

	memcpy(&v, vt_ptr(t, va), 8);
	return v;
}

static void store64(struct vt *t, uint64_t va, uint64_t v)
{
	__atomic_store_n((uint64_t *)vt_ptr(t, va), v, __ATOMIC_RELEASE);
}

static void test_fence_write_stores_value(void **state)
{
	struct vt *t = *state;
	uint64_t va = vt_alloc(t, 8);

	vt_fence_write(t, va, 0xfeedface12345678ull);
	assert_int_equal(vt_run(t), 0);
	assert_int_equal(load64(t, va), 0xfeedface12345678ull);
	vt_assert_only_written(t, va, 8);
}

static void test_fence_write_misaligned_einval(void **state)
{
	struct vt *t = *state;

	vt_fence_write(t, vt_alloc(t, 16) + 4, 1);
	assert_int_equal(vt_run(t), -EINVAL);
	vt_assert_untouched(t);
}

static void test_timestamp_write_is_monotonic_now(void **state)
{
	struct vt *t = *state;
	struct vnpu_pkt_timestamp a = { .va = vt_alloc(t, 8) }, b = { .va = vt_alloc(t, 8) };
	uint64_t before = now_ns(), after;

	vt_emit(t, VNPU_OP_TIMESTAMP, 0, a);
	vt_emit(t, VNPU_OP_TIMESTAMP, 0, b);
	assert_int_equal(vt_run(t), 0);
	after = now_ns();
	assert_true(load64(t, a.va) >= before);
	assert_true(load64(t, b.va) >= load64(t, a.va));
	assert_true(load64(t, b.va) <= after);
}

static void test_sem_wait_already_met_passes(void **state)
{
	struct vt *t = *state;
	uint64_t sem = vt_alloc(t, 8), done = vt_alloc(t, 8);

	store64(t, sem, 7);
	vt_sem_wait(t, sem, 5, 0);
	vt_fence_write(t, done, 1);
	assert_int_equal(vt_run(t), 0);
	assert_int_equal(load64(t, done), 1);
}

struct releaser {
	struct vt *t;
	uint64_t va;
};

static void *release_later(void *arg)
{
	struct releaser *r = arg;

	usleep(20000);
	store64(r->t, r->va, 3);
	return NULL;
}

static void test_sem_wait_released_by_another_thread(void **state)
{
	struct vt *t = *state;
	uint64_t sem = vt_alloc(t, 8), done = vt_alloc(t, 8);
	struct releaser r = { t, sem };
	pthread_t th;

	store64(t, sem, 0);
	vt_sem_wait(t, sem, 3, 5000000000ull);
	vt_fence_write(t, done, 9);
	/* the releaser writes the arena while the stream runs: snapshot first, by hand */
	assert_int_equal(pthread_create(&th, NULL, release_later, &r), 0);
	assert_int_equal(vnpu_exec_stream(&t->ctx, t->cmds, t->len, &t->res), 0);
	pthread_join(th, NULL);
	assert_int_equal(load64(t, done), 9);
	assert_int_equal(t->res.packets, 2);
}

static void test_sem_wait_timeout_etime(void **state)
{
	struct vt *t = *state;
	uint64_t sem = vt_alloc(t, 8), done = vt_alloc(t, 8), t0;

	store64(t, sem, 1);
	vt_sem_wait(t, sem, 2, 20000000ull);
	vt_fence_write(t, done, 1);
	t0 = now_ns();
	assert_int_equal(vt_run(t), -ETIME);
	assert_true(now_ns() - t0 >= 20000000ull);
	assert_int_equal(t->res.fail_index, 0);
	assert_int_equal(t->res.fail_opcode, VNPU_OP_SEM_WAIT);
	/* the fence after the failed wait never ran */
	vt_assert_untouched(t);
}

static void test_sem_wait_job_deadline_etime(void **state)
{
	struct vt *t = *state;
	uint64_t sem = vt_alloc(t, 8);

	store64(t, sem, 0);
	vt_sem_wait(t, sem, 1, 0);
	t->ctx.deadline_ns = now_ns() + 15000000ull;
	assert_int_equal(vt_run(t), -ETIME);
	assert_true(now_ns() >= t->ctx.deadline_ns);
}

static int abort_after(void *arg)
{
	int *calls = arg;

	return ++*calls > 5;
}

static void test_sem_wait_abort_ecanceled(void **state)
{
	struct vt *t = *state;
	uint64_t sem = vt_alloc(t, 8), done = vt_alloc(t, 8);
	int calls = 0;

	store64(t, sem, 0);
	vt_fence_write(t, done, 4);
	vt_sem_wait(t, sem, 1, 0);
	t->ctx.aborted = abort_after;
	t->ctx.abort_ctx = &calls;
	assert_int_equal(vt_run(t), -ECANCELED);
	assert_int_equal(t->res.fail_index, 1);
	assert_int_equal(t->res.fail_offset, sizeof(struct vnpu_pkt_fence_write));
	assert_int_equal(load64(t, done), 4);
}

static int always_aborted(void *arg)
{
	(void)arg;
	return 1;
}

static void test_aborted_job_runs_nothing(void **state)
{
	struct vt *t = *state;

	vt_fence_write(t, vt_alloc(t, 8), 1);
	t->ctx.aborted = always_aborted;
	assert_int_equal(vt_run(t), -ECANCELED);
	assert_int_equal(t->res.packets, 0);
	vt_assert_untouched(t);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, vt_setup, vt_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_fence_write_stores_value),
		T(test_fence_write_misaligned_einval),
		T(test_timestamp_write_is_monotonic_now),
		T(test_sem_wait_already_met_passes),
		T(test_sem_wait_released_by_another_thread),
		T(test_sem_wait_timeout_etime),
		T(test_sem_wait_job_deadline_etime),
		T(test_sem_wait_abort_ecanceled),
		T(test_aborted_job_runs_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: MIT
/* Fences: signalling, errors, callbacks, waits with absolute timeouts, stubs, ordering. */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include <accel/dma_fence.h>
#include "helpers.h"

#define MS 1000000LL

static int released;

static const char *t_name(struct dma_fence *f)
{
	(void)f;
	return "test";
}

static void t_release(struct dma_fence *f)
{
	released++;
	dma_fence_free(f);
}

static const struct dma_fence_ops t_ops = {
	.get_driver_name = t_name,
	.get_timeline_name = t_name,
	.release = t_release,
};

static struct dma_fence *new_fence(uint64_t context, uint64_t seqno)
{
	struct dma_fence *f = malloc(sizeof(*f));

	assert_non_null(f);
	dma_fence_init(f, &t_ops, context, seqno);
	return f;
}

static int reset(void **state)
{
	(void)state;
	released = 0;
	return 0;
}

static void signal_makes_status_one(void **state)
{
	struct dma_fence *f = new_fence(1, 1);

	(void)state;
	assert_int_equal(dma_fence_get_status(f), 0);
	assert_false(dma_fence_is_signaled(f));
	assert_int_equal(dma_fence_signal(f), 0);
	assert_true(dma_fence_is_signaled(f));
	assert_int_equal(dma_fence_get_status(f), 1);
	dma_fence_put(f);
}

static void signal_twice_is_einval(void **state)
{
	struct dma_fence *f = new_fence(1, 1);

	(void)state;
	assert_int_equal(dma_fence_signal(f), 0);
	assert_int_equal(dma_fence_signal(f), -EINVAL);
	dma_fence_put(f);
}

static void error_set_before_signal_is_the_status(void **state)
{
	struct dma_fence *f = new_fence(1, 1);

	(void)state;
	dma_fence_set_error(f, -EIO);
	assert_int_equal(dma_fence_get_status(f), 0);
	dma_fence_signal(f);
	assert_int_equal(dma_fence_get_status(f), -EIO);
	dma_fence_put(f);
}

static void error_after_signal_or_out_of_range_is_ignored(void **state)
{
	struct dma_fence *f = new_fence(1, 1);

	(void)state;
	dma_fence_set_error(f, 5);
	dma_fence_set_error(f, -MAX_ERRNO - 1);
	dma_fence_signal(f);
	dma_fence_set_error(f, -EIO);
	assert_int_equal(dma_fence_get_status(f), 1);
	dma_fence_put(f);
}

static void last_put_calls_release(void **state)
{
	struct dma_fence *f = new_fence(1, 1);

	(void)state;
	dma_fence_get(f);
	dma_fence_put(f);
	assert_int_equal(released, 0);
	dma_fence_put(f);
	assert_int_equal(released, 1);
}

struct counting_cb {
	struct dma_fence_cb cb;
	int calls;
	int status_seen;
};

static void count_cb(struct dma_fence *f, struct dma_fence_cb *cb)
{
	struct counting_cb *c = container_of(cb, struct counting_cb, cb);

	c->calls++;
	c->status_seen = dma_fence_get_status(f);
}

static void callback_runs_once_at_signal_and_sees_the_error(void **state)
{
	struct dma_fence *f = new_fence(1, 1);
	struct counting_cb c = { 0 };

	(void)state;
	assert_int_equal(dma_fence_add_callback(f, &c.cb, count_cb), 0);
	assert_int_equal(c.calls, 0);
	dma_fence_set_error(f, -ECANCELED);
	dma_fence_signal(f);
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.status_seen, -ECANCELED);
	dma_fence_signal(f);
	assert_int_equal(c.calls, 1);
	dma_fence_put(f);
}

static void add_callback_to_signalled_fence_is_enoent(void **state)
{
	struct dma_fence *f = new_fence(1, 1);
	struct counting_cb c = { 0 };

	(void)state;
	dma_fence_signal(f);
	assert_int_equal(dma_fence_add_callback(f, &c.cb, count_cb), -ENOENT);
	assert_int_equal(c.calls, 0);
	assert_false(dma_fence_remove_callback(f, &c.cb));
	dma_fence_put(f);
}

static void removed_callback_never_runs(void **state)
{
	struct dma_fence *f = new_fence(1, 1);
	struct counting_cb c = { 0 };

	(void)state;
	dma_fence_add_callback(f, &c.cb, count_cb);
	assert_true(dma_fence_remove_callback(f, &c.cb));
	assert_false(dma_fence_remove_callback(f, &c.cb));
	dma_fence_signal(f);
	assert_int_equal(c.calls, 0);
	dma_fence_put(f);
}

static void remove_after_the_callback_ran_is_false(void **state)
{
	struct dma_fence *f = new_fence(1, 1);
	struct counting_cb c = { 0 };

	(void)state;
	dma_fence_add_callback(f, &c.cb, count_cb);
	dma_fence_signal(f);
	assert_false(dma_fence_remove_callback(f, &c.cb));
	assert_int_equal(c.calls, 1);
	dma_fence_put(f);
}

struct chained_cb {
	struct dma_fence_cb cb;
	struct dma_fence *next;
};

static void signal_next(struct dma_fence *f, struct dma_fence_cb *cb)
{
	(void)f;
	dma_fence_signal(container_of(cb, struct chained_cb, cb)->next);
}

static void callback_may_signal_another_fence(void **state)
{
	struct dma_fence *a = new_fence(1, 1), *b = new_fence(1, 2);
	struct chained_cb c = { .next = b };

	(void)state;
	dma_fence_add_callback(a, &c.cb, signal_next);
	dma_fence_signal(a);
	assert_true(dma_fence_is_signaled(b));
	dma_fence_put(a);
	dma_fence_put(b);
}

static void wait_on_pending_fence_times_out_at_the_deadline(void **state)
{
	struct dma_fence *f = new_fence(1, 1);
	ktime_t start = ktime_get();

	(void)state;
	assert_int_equal(dma_fence_wait_timeout(f, true, start + 20 * MS), 0);
	assert_true(ktime_get() - start >= 20 * MS);
	dma_fence_put(f);
}

static void wait_with_zero_timeout_only_looks(void **state)
{
	struct dma_fence *f = new_fence(1, 1);

	(void)state;
	assert_int_equal(dma_fence_wait_timeout(f, false, 0), 0);
	dma_fence_signal(f);
	assert_int_equal(dma_fence_wait_timeout(f, false, 0), 1);
	dma_fence_put(f);
}

static void *signal_after_10ms(void *arg)
{
	struct timespec d = { 0, 10 * MS };

	nanosleep(&d, NULL);
	dma_fence_signal(arg);
	return NULL;
}

static void wait_returns_when_another_thread_signals(void **state)
{
	struct dma_fence *f = new_fence(1, 1);
	pthread_t t;

	(void)state;
	pthread_create(&t, NULL, signal_after_10ms, f);
	assert_int_equal(dma_fence_wait_timeout(f, true, ktime_get() + 5000 * MS), 1);
	pthread_join(t, NULL);
	dma_fence_put(f);
}

static void wait_any_reports_the_signalled_index(void **state)
{
	struct dma_fence *f[3] = { new_fence(1, 1), new_fence(1, 2), new_fence(1, 3) };
	uint32_t idx = 99;
	pthread_t t;
	int i;

	(void)state;
	assert_int_equal(dma_fence_wait_any_timeout(f, 3, false, 0, &idx), 0);
	pthread_create(&t, NULL, signal_after_10ms, f[2]);
	assert_int_equal(dma_fence_wait_any_timeout(f, 3, false, MAX_SCHEDULE_TIMEOUT, &idx), 1);
	assert_int_equal(idx, 2);
	pthread_join(t, NULL);
	assert_int_equal(dma_fence_wait_any_timeout(f, 0, false, 0, &idx), -EINVAL);
	for (i = 0; i < 3; i++)
		dma_fence_put(f[i]);
}

static void contexts_are_distinct_and_never_zero(void **state)
{
	uint64_t a = dma_fence_context_alloc(1), b = dma_fence_context_alloc(4), c = dma_fence_context_alloc(1);

	(void)state;
	assert_true(a != 0);
	assert_int_equal(b, a + 1);
	assert_int_equal(c, b + 4);
}

static void is_later_compares_seqnos_of_one_context(void **state)
{
	struct dma_fence *a = new_fence(7, 1), *b = new_fence(7, 2), *other = new_fence(8, 9);
	struct dma_fence *wrap = new_fence(7, 0xffffffffu);
	struct dma_fence *after_wrap = new_fence(7, 0x100000001ull);

	(void)state;
	assert_true(dma_fence_is_later(b, a));
	assert_false(dma_fence_is_later(a, b));
	assert_false(dma_fence_is_later(other, a));
	assert_true(dma_fence_is_later_or_same(a, a));
	/* 32-bit seqnos wrap: 1 (of the next lap) comes after 0xffffffff. */
	assert_true(dma_fence_is_later(after_wrap, wrap));
	assert_ptr_equal(dma_fence_later(a, b), b);
	dma_fence_signal(b);
	assert_null(dma_fence_later(a, b));
	dma_fence_put(a);
	dma_fence_put(b);
	dma_fence_put(other);
	dma_fence_put(wrap);
	dma_fence_put(after_wrap);
}

static void stub_is_signalled_on_context_zero(void **state)
{
	struct dma_fence *s = dma_fence_get_stub();
	struct dma_fence *p = dma_fence_allocate_private_stub(12345);

	(void)state;
	assert_true(dma_fence_is_signaled(s));
	assert_int_equal(s->context, 0);
	assert_ptr_equal(dma_fence_get_stub(), s);
	dma_fence_put(s);
	dma_fence_put(s);
	assert_true(dma_fence_is_signaled(p));
	assert_int_equal(dma_fence_timestamp(p), 12345);
	assert_string_equal(dma_fence_driver_name(p), "stub");
	dma_fence_put(p);
}

static bool hw_done;
static int enable_calls;

static bool hw_signaled(struct dma_fence *f)
{
	(void)f;
	return hw_done;
}

static bool hw_enable(struct dma_fence *f)
{
	(void)f;
	enable_calls++;
	return true;
}

static const struct dma_fence_ops hw_ops = {
	.get_driver_name = t_name,
	.get_timeline_name = t_name,
	.signaled = hw_signaled,
	.enable_signaling = hw_enable,
};

static void signaled_op_signals_the_fence_when_asked(void **state)
{
	struct dma_fence *f = malloc(sizeof(*f));
	struct counting_cb c = { 0 };

	(void)state;
	hw_done = false;
	dma_fence_init(f, &hw_ops, 3, 1);
	dma_fence_add_callback(f, &c.cb, count_cb);
	assert_false(dma_fence_is_signaled(f));
	hw_done = true;
	assert_true(dma_fence_is_signaled(f));
	assert_int_equal(c.calls, 1);
	dma_fence_put(f);
}

static void enable_signaling_is_called_once(void **state)
{
	struct dma_fence *f = malloc(sizeof(*f));
	struct counting_cb c1 = { 0 }, c2 = { 0 };

	(void)state;
	hw_done = false;
	enable_calls = 0;
	dma_fence_init(f, &hw_ops, 3, 1);
	dma_fence_add_callback(f, &c1.cb, count_cb);
	dma_fence_add_callback(f, &c2.cb, count_cb);
	dma_fence_enable_sw_signaling(f);
	assert_int_equal(enable_calls, 1);
	dma_fence_signal(f);
	assert_int_equal(c1.calls + c2.calls, 2);
	dma_fence_put(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(signal_makes_status_one, reset),
		cmocka_unit_test_setup(signal_twice_is_einval, reset),
		cmocka_unit_test_setup(error_set_before_signal_is_the_status, reset),
		cmocka_unit_test_setup(error_after_signal_or_out_of_range_is_ignored, reset),
		cmocka_unit_test_setup(last_put_calls_release, reset),
		cmocka_unit_test_setup(callback_runs_once_at_signal_and_sees_the_error, reset),
		cmocka_unit_test_setup(add_callback_to_signalled_fence_is_enoent, reset),
		cmocka_unit_test_setup(removed_callback_never_runs, reset),
		cmocka_unit_test_setup(remove_after_the_callback_ran_is_false, reset),
		cmocka_unit_test_setup(callback_may_signal_another_fence, reset),
		cmocka_unit_test_setup(wait_on_pending_fence_times_out_at_the_deadline, reset),
		cmocka_unit_test_setup(wait_with_zero_timeout_only_looks, reset),
		cmocka_unit_test_setup(wait_returns_when_another_thread_signals, reset),
		cmocka_unit_test_setup(wait_any_reports_the_signalled_index, reset),
		cmocka_unit_test_setup(contexts_are_distinct_and_never_zero, reset),
		cmocka_unit_test_setup(is_later_compares_seqnos_of_one_context, reset),
		cmocka_unit_test_setup(stub_is_signalled_on_context_zero, reset),
		cmocka_unit_test_setup(signaled_op_signals_the_fence_when_asked, reset),
		cmocka_unit_test_setup(enable_signaling_is_called_once, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

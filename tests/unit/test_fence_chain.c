// SPDX-License-Identifier: MIT
/* Fence chains (timeline points): ordering, lookup by seqno, garbage collection, release. */
#include <stdlib.h>

#include <accel/dma_fence.h>
#include "helpers.h"

static const char *t_name(struct dma_fence *f)
{
	(void)f;
	return "test";
}

static const struct dma_fence_ops t_ops = {
	.get_driver_name = t_name,
	.get_timeline_name = t_name,
};

static struct dma_fence *new_fence(void)
{
	struct dma_fence *f = malloc(sizeof(*f));

	assert_non_null(f);
	dma_fence_init(f, &t_ops, 42, 1);
	return f;
}

/* Add @fence (reference kept by the caller) as @point after @prev (consumed). */
static struct dma_fence *add_point(struct dma_fence *prev, struct dma_fence *fence, uint64_t point)
{
	struct dma_fence_chain *chain = dma_fence_chain_alloc();

	assert_non_null(chain);
	dma_fence_chain_init(chain, prev, dma_fence_get(fence), point);
	return &chain->base;
}

static void point_signals_when_it_and_all_before_it_signal(void **state)
{
	struct dma_fence *f1 = new_fence(), *f2 = new_fence();
	struct dma_fence *head = add_point(add_point(NULL, f1, 1), f2, 2);

	(void)state;
	dma_fence_signal(f2);
	assert_false(dma_fence_is_signaled(head));
	dma_fence_signal(f1);
	assert_true(dma_fence_is_signaled(head));
	dma_fence_put(head);
	dma_fence_put(f1);
	dma_fence_put(f2);
}

struct flag_cb {
	struct dma_fence_cb cb;
	int calls;
};

static void flag(struct dma_fence *f, struct dma_fence_cb *cb)
{
	(void)f;
	container_of(cb, struct flag_cb, cb)->calls++;
}

static void callback_on_a_point_fires_after_out_of_order_signals(void **state)
{
	struct dma_fence *f1 = new_fence(), *f2 = new_fence(), *f3 = new_fence();
	struct dma_fence *head = add_point(add_point(add_point(NULL, f1, 1), f2, 2), f3, 3);
	struct flag_cb c = { 0 };

	(void)state;
	assert_int_equal(dma_fence_add_callback(head, &c.cb, flag), 0);
	dma_fence_signal(f3);
	dma_fence_signal(f1);
	assert_int_equal(c.calls, 0);
	dma_fence_signal(f2);
	assert_int_equal(c.calls, 1);
	dma_fence_put(head);
	dma_fence_put(f1);
	dma_fence_put(f2);
	dma_fence_put(f3);
}

static void find_seqno_moves_to_the_point(void **state)
{
	struct dma_fence *f1 = new_fence(), *f2 = new_fence(), *f3 = new_fence();
	struct dma_fence *head = add_point(add_point(add_point(NULL, f1, 1), f2, 2), f3, 3);
	struct dma_fence *it = dma_fence_get(head);

	(void)state;
	assert_int_equal(dma_fence_chain_find_seqno(&it, 2), 0);
	assert_int_equal(it->seqno, 2);
	assert_ptr_equal(dma_fence_chain_contained(it), f2);
	dma_fence_put(it);
	it = dma_fence_get(head);
	assert_int_equal(dma_fence_chain_find_seqno(&it, 0), 0);
	assert_ptr_equal(it, head);
	assert_int_equal(dma_fence_chain_find_seqno(&it, 4), -EINVAL);
	dma_fence_put(it);
	it = dma_fence_get(f1);
	assert_int_equal(dma_fence_chain_find_seqno(&it, 1), -EINVAL);
	dma_fence_put(it);
	dma_fence_signal(f1);
	dma_fence_signal(f2);
	dma_fence_signal(f3);
	dma_fence_put(head);
	dma_fence_put(f1);
	dma_fence_put(f2);
	dma_fence_put(f3);
}

static void signalled_points_leave_the_chain(void **state)
{
	struct dma_fence *f1 = new_fence(), *f2 = new_fence(), *f3 = new_fence();
	struct dma_fence *head = add_point(add_point(add_point(NULL, f1, 1), f2, 2), f3, 3);
	struct dma_fence *it = dma_fence_get(head);

	(void)state;
	dma_fence_signal(f1);
	dma_fence_signal(f2);
	/* Point 1 was dropped by the walk: asking for it gives "signalled" (NULL). */
	assert_int_equal(dma_fence_chain_find_seqno(&it, 1), 0);
	assert_null(it);
	assert_null(to_dma_fence_chain(head)->prev);
	dma_fence_signal(f3);
	dma_fence_put(head);
	dma_fence_put(f1);
	dma_fence_put(f2);
	dma_fence_put(f3);
}

static void point_not_above_the_last_starts_a_new_context(void **state)
{
	struct dma_fence *f1 = new_fence(), *f2 = new_fence();
	struct dma_fence *p5 = add_point(NULL, f1, 5);
	uint64_t ctx = p5->context;
	struct dma_fence *p3 = add_point(p5, f2, 3);

	(void)state;
	assert_true(p3->context != ctx);
	assert_int_equal(p3->seqno, 5);
	assert_int_equal(to_dma_fence_chain(p3)->prev_seqno, 0);
	dma_fence_signal(f1);
	dma_fence_signal(f2);
	dma_fence_put(p3);
	dma_fence_put(f1);
	dma_fence_put(f2);
}

static void long_chain_is_released_without_recursion(void **state)
{
	struct dma_fence *stub = dma_fence_get_stub(), *pending = new_fence(), *head = NULL;
	uint64_t i;

	(void)state;
	/* Unsignalled at the bottom, so no walk shortens the chain while it grows. */
	head = add_point(head, pending, 1);
	for (i = 2; i <= 200000; i++)
		head = add_point(head, stub, i);
	assert_int_equal(head->seqno, 200000);
	dma_fence_put(head);
	dma_fence_signal(pending);
	dma_fence_put(pending);
	dma_fence_put(stub);
}

static void chain_names_are_the_kernels(void **state)
{
	struct dma_fence *f = new_fence(), *head = add_point(NULL, f, 1);

	(void)state;
	assert_true(dma_fence_is_chain(head));
	assert_false(dma_fence_is_chain(f));
	assert_string_equal(dma_fence_driver_name(head), "dma_fence_chain");
	assert_string_equal(dma_fence_timeline_name(head), "unbound");
	dma_fence_signal(f);
	dma_fence_put(head);
	dma_fence_put(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(point_signals_when_it_and_all_before_it_signal),
		cmocka_unit_test(callback_on_a_point_fires_after_out_of_order_signals),
		cmocka_unit_test(find_seqno_moves_to_the_point),
		cmocka_unit_test(signalled_points_leave_the_chain),
		cmocka_unit_test(point_not_above_the_last_starts_a_new_context),
		cmocka_unit_test(long_chain_is_released_without_recursion),
		cmocka_unit_test(chain_names_are_the_kernels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

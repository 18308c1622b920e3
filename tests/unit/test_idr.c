// SPDX-License-Identifier: MIT
/* Id tables: the lowest free id first, from a start, with a million ids still fast. */
#include <stdlib.h>

#include <accel/idr.h>
#include "helpers.h"

static void ids_start_at_one_and_are_dense(void **state)
{
	struct idr idr;
	int i;

	(void)state;
	idr_init(&idr);
	for (i = 1; i <= 200; i++)
		assert_int_equal(idr_alloc(&idr, &idr, 1), i);
	idr_destroy(&idr);
}

static void a_freed_id_is_the_next_one_given(void **state)
{
	struct idr idr;
	int i;

	(void)state;
	idr_init(&idr);
	for (i = 1; i <= 300; i++)
		idr_alloc(&idr, &idr, 1);
	assert_ptr_equal(idr_remove(&idr, 130), &idr);
	assert_ptr_equal(idr_remove(&idr, 70), &idr);
	assert_int_equal(idr_alloc(&idr, &idr, 1), 70);
	assert_int_equal(idr_alloc(&idr, &idr, 1), 130);
	assert_int_equal(idr_alloc(&idr, &idr, 1), 301);
	idr_destroy(&idr);
}

static void start_skips_lower_free_ids_without_losing_them(void **state)
{
	struct idr idr;

	(void)state;
	idr_init(&idr);
	assert_int_equal(idr_alloc(&idr, &idr, 100), 100);
	assert_int_equal(idr_alloc(&idr, &idr, 1), 1);
	assert_int_equal(idr_alloc(&idr, &idr, 99), 99);
	assert_int_equal(idr_alloc(&idr, &idr, 1), 2);
	assert_null(idr_find(&idr, 3));
	idr_destroy(&idr);
}

static void a_million_ids_allocate_and_free(void **state)
{
	struct idr idr;
	int i;

	(void)state;
	idr_init(&idr);
	for (i = 1; i <= 1000000; i++)
		assert_int_equal(idr_alloc(&idr, &idr, 1), i);
	for (i = 1; i <= 1000000; i += 2)
		idr_remove(&idr, i);
	for (i = 1; i <= 1000000; i += 2)
		assert_int_equal(idr_alloc(&idr, &idr, 1), i);
	assert_int_equal(idr.count, 1000000);
	idr_destroy(&idr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ids_start_at_one_and_are_dense),
		cmocka_unit_test(a_freed_id_is_the_next_one_given),
		cmocka_unit_test(start_skips_lower_free_ids_without_losing_them),
		cmocka_unit_test(a_million_ids_allocate_and_free),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

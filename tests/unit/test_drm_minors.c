// SPDX-License-Identifier: MIT
/* Minor numbers: lowest free first, reserved at init, reused after the last put, bounded. */
#include <fcntl.h>
#include <stdlib.h>

#include <accel/drm_accel.h>
#include <accel/drm_drv.h>
#include "helpers.h"

DEFINE_DRM_ACCEL_FOPS(test_accel_fops);

static const struct drm_driver accel_drv = {
	.driver_features = DRIVER_COMPUTE_ACCEL,
	.fops = &test_accel_fops, .name = "t_minor", .desc = "test",
};

static struct platform_device *parent;

static int setup(void **state)
{
	(void)state;
	parent = test_parent_add("t_minors", -1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	test_parent_del(parent);
	return 0;
}

static struct drm_device *new_dev(void)
{
	struct drm_device *dev = drm_dev_alloc(&accel_drv, &parent->dev);

	assert_false(IS_ERR(dev));
	return dev;
}

static void accel_minors_are_allocated_lowest_free_first(void **state)
{
	struct drm_device *a, *b, *c, *d;

	(void)state;
	a = new_dev();
	b = new_dev();
	c = new_dev();
	assert_int_equal(a->accel->index, 0);
	assert_int_equal(b->accel->index, 1);
	assert_int_equal(c->accel->index, 2);
	drm_dev_put(b);
	d = new_dev();
	assert_int_equal(d->accel->index, 1);
	drm_dev_put(a);
	drm_dev_put(c);
	drm_dev_put(d);
}

static void accel_minor_is_reserved_at_init_before_register(void **state)
{
	struct drm_device *a = new_dev(), *b;
	struct file *f;

	(void)state;
	/* Reserved: the next device skips it, yet it cannot be opened. */
	b = new_dev();
	assert_int_equal(b->accel->index, a->accel->index + 1);
	f = chrdev_open(ACCEL_MAJOR, a->accel->index, O_RDWR);
	assert_true(IS_ERR(f));
	assert_int_equal(PTR_ERR(f), -ENODEV);
	drm_dev_put(a);
	drm_dev_put(b);
}

static void accel_minor_is_kept_until_the_last_put(void **state)
{
	struct drm_device *a = new_dev(), *b;
	int index = a->accel->index;

	(void)state;
	assert_int_equal(drm_dev_register(a, 0), 0);
	drm_dev_get(a);
	drm_dev_unplug(a);
	drm_dev_put(a);
	/* Still referenced: the number stays taken after unregister. */
	b = new_dev();
	assert_int_not_equal(b->accel->index, index);
	drm_dev_put(b);
	drm_dev_put(a);
	/* Released: reused. */
	b = new_dev();
	assert_int_equal(b->accel->index, index);
	drm_dev_put(b);
}

static void accel_minor_exhaustion_fails_with_enospc(void **state)
{
	struct drm_device **devs = calloc(ACCEL_MAX_MINORS, sizeof(*devs));
	struct drm_device *extra;
	int i;

	(void)state;
	assert_non_null(devs);
	for (i = 0; i < ACCEL_MAX_MINORS; i++) {
		devs[i] = new_dev();
		assert_int_equal(devs[i]->accel->index, i);
	}
	test_log_capture();
	extra = drm_dev_alloc(&accel_drv, &parent->dev);
	assert_true(IS_ERR(extra));
	assert_int_equal(PTR_ERR(extra), -ENOSPC);
	assert_true(test_log_contains("no free accel minor"));
	test_log_release();
	for (i = 0; i < ACCEL_MAX_MINORS; i++)
		drm_dev_put(devs[i]);
	free(devs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accel_minors_are_allocated_lowest_free_first),
		cmocka_unit_test(accel_minor_is_reserved_at_init_before_register),
		cmocka_unit_test(accel_minor_is_kept_until_the_last_put),
		cmocka_unit_test(accel_minor_exhaustion_fails_with_enospc),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

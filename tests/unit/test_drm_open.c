// SPDX-License-Identifier: MIT
/* Opening accel nodes: two-phase minors, unplug, client ids, the driver's open/postclose. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include <accel/drm_accel.h>
#include <accel/drm_drv.h>
#include "helpers.h"

static int open_calls, postclose_calls, release_calls, fail_open;
static char order[64];

static int t_open(struct drm_device *dev, struct drm_file *file)
{
	(void)dev; (void)file;
	open_calls++;
	return fail_open;
}

static void t_postclose(struct drm_device *dev, struct drm_file *file)
{
	(void)dev; (void)file;
	postclose_calls++;
	strcat(order, "P");
}

static void t_release(struct drm_device *dev)
{
	(void)dev;
	release_calls++;
	strcat(order, "R");
}

DEFINE_DRM_ACCEL_FOPS(test_accel_fops);

static const struct drm_driver accel_drv = {
	.driver_features = DRIVER_COMPUTE_ACCEL,
	.open = t_open, .postclose = t_postclose, .release = t_release,
	.fops = &test_accel_fops, .name = "t_open", .desc = "test",
};

static struct platform_device *parent;

static int setup(void **state)
{
	(void)state;
	parent = test_parent_add("t_open", -1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	test_parent_del(parent);
	return 0;
}

static int reset(void **state)
{
	(void)state;
	open_calls = postclose_calls = release_calls = fail_open = 0;
	order[0] = 0;
	return 0;
}

static struct drm_device *registered_dev(void)
{
	struct drm_device *dev = drm_dev_alloc(&accel_drv, &parent->dev);

	assert_false(IS_ERR(dev));
	assert_int_equal(drm_dev_register(dev, 0), 0);
	return dev;
}

static void open_after_register_gives_a_file_of_the_device(void **state)
{
	struct drm_device *dev = registered_dev();
	struct file *f = chrdev_open(ACCEL_MAJOR, dev->accel->index, O_RDWR);
	struct drm_file *df;

	(void)state;
	assert_false(IS_ERR(f));
	df = drm_file_from_filp(f);
	assert_ptr_equal(df->minor->dev, dev);
	assert_true(drm_is_accel_client(df));
	assert_int_equal(open_calls, 1);
	assert_int_equal(dev->open_count, 1);
	fput(f);
	assert_int_equal(postclose_calls, 1);
	assert_int_equal(dev->open_count, 0);
	drm_dev_unplug(dev);
	drm_dev_put(dev);
}

static void open_after_unregister_fails_with_enodev(void **state)
{
	struct drm_device *dev = registered_dev();
	int index = dev->accel->index;
	struct file *f;

	(void)state;
	drm_dev_unregister(dev);
	f = chrdev_open(ACCEL_MAJOR, index, O_RDWR);
	assert_true(IS_ERR(f));
	assert_int_equal(PTR_ERR(f), -ENODEV);
	drm_dev_put(dev);
}

static void open_of_an_unused_minor_fails_with_enodev(void **state)
{
	struct file *f = chrdev_open(ACCEL_MAJOR, 200, O_RDWR);

	(void)state;
	assert_true(IS_ERR(f));
	assert_int_equal(PTR_ERR(f), -ENODEV);
}

static void open_with_o_excl_fails_with_ebusy(void **state)
{
	struct drm_device *dev = registered_dev();
	struct file *f = chrdev_open(ACCEL_MAJOR, dev->accel->index, O_RDWR | O_EXCL);

	(void)state;
	assert_true(IS_ERR(f));
	assert_int_equal(PTR_ERR(f), -EBUSY);
	drm_dev_unplug(dev);
	drm_dev_put(dev);
}

static void driver_open_error_fails_the_open(void **state)
{
	struct drm_device *dev = registered_dev();
	struct file *f;

	(void)state;
	fail_open = -EPERM;
	f = chrdev_open(ACCEL_MAJOR, dev->accel->index, O_RDWR);
	assert_true(IS_ERR(f));
	assert_int_equal(PTR_ERR(f), -EPERM);
	assert_int_equal(dev->open_count, 0);
	assert_int_equal(postclose_calls, 0);
	drm_dev_unplug(dev);
	drm_dev_put(dev);
	assert_int_equal(release_calls, 1);
}

static void open_file_keeps_the_device_until_closed(void **state)
{
	struct drm_device *dev = registered_dev();
	struct file *f = chrdev_open(ACCEL_MAJOR, dev->accel->index, O_RDWR);

	(void)state;
	assert_false(IS_ERR(f));
	drm_dev_unplug(dev);
	drm_dev_put(dev);
	/* The open file holds the device: no release yet. */
	assert_int_equal(release_calls, 0);
	fput(f);
	/* The kernel's order: postclose of the last file, then the device's release. */
	assert_int_equal(release_calls, 1);
	assert_string_equal(order, "PR");
}

static void ioctl_after_unplug_fails_with_enodev(void **state)
{
	struct drm_device *dev = registered_dev();
	struct file *f = chrdev_open(ACCEL_MAJOR, dev->accel->index, O_RDWR);
	struct drm_get_cap cap = { .capability = DRM_CAP_PRIME };

	(void)state;
	assert_int_equal(vfs_ioctl(f, DRM_IOCTL_GET_CAP, (unsigned long)&cap), 0);
	drm_dev_unplug(dev);
	assert_int_equal(vfs_ioctl(f, DRM_IOCTL_GET_CAP, (unsigned long)&cap), -ENODEV);
	/* Even a non-DRM command: unplug is checked first. */
	assert_int_equal(vfs_ioctl(f, _IOWR('x', 1, int), (unsigned long)&cap), -ENODEV);
	fput(f);
	drm_dev_put(dev);
}

static void client_ids_are_unique_and_never_reused(void **state)
{
	struct drm_device *dev = registered_dev();
	struct file *a = chrdev_open(ACCEL_MAJOR, dev->accel->index, O_RDWR);
	struct file *b = chrdev_open(ACCEL_MAJOR, dev->accel->index, O_RDWR);
	uint64_t ida = drm_file_from_filp(a)->client_id, idb = drm_file_from_filp(b)->client_id;
	struct file *c;

	(void)state;
	assert_true(ida != 0 && idb != 0 && ida != idb);
	fput(b);
	c = chrdev_open(ACCEL_MAJOR, dev->accel->index, O_RDWR);
	assert_true(drm_file_from_filp(c)->client_id > idb);
	fput(a);
	fput(c);
	drm_dev_unplug(dev);
	drm_dev_put(dev);
}

static void file_records_the_opener_pid_and_uid(void **state)
{
	struct drm_device *dev = registered_dev();
	struct accel_cred cred = { .pid = 4242, .uid = 1000, .gid = 1000 };
	const struct accel_cred *old = accel_cred_set_current(&cred);
	struct file *f = chrdev_open(ACCEL_MAJOR, dev->accel->index, O_RDWR);

	(void)state;
	accel_cred_set_current(old);
	assert_false(IS_ERR(f));
	assert_int_equal(drm_file_from_filp(f)->pid, 4242);
	assert_int_equal(drm_file_from_filp(f)->uid, 1000);
	assert_false(drm_file_from_filp(f)->authenticated);
	fput(f);
	drm_dev_unplug(dev);
	drm_dev_put(dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(open_after_register_gives_a_file_of_the_device, reset),
		cmocka_unit_test_setup(open_after_unregister_fails_with_enodev, reset),
		cmocka_unit_test_setup(open_of_an_unused_minor_fails_with_enodev, reset),
		cmocka_unit_test_setup(open_with_o_excl_fails_with_ebusy, reset),
		cmocka_unit_test_setup(driver_open_error_fails_the_open, reset),
		cmocka_unit_test_setup(open_file_keeps_the_device_until_closed, reset),
		cmocka_unit_test_setup(ioctl_after_unplug_fails_with_enodev, reset),
		cmocka_unit_test_setup(client_ids_are_unique_and_never_reused, reset),
		cmocka_unit_test_setup(file_records_the_opener_pid_and_uid, reset),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

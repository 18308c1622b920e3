// SPDX-License-Identifier: MIT
/* VERSION, GET_CAP, SET_CLIENT_CAP and SET_CLIENT_NAME. */
#include <fcntl.h>
#include <string.h>

#include <accel/drm_accel.h>
#include <accel/drm_drv.h>
#include <uapi/drm/drm_ext.h>
#include "helpers.h"

DEFINE_DRM_ACCEL_FOPS(test_accel_fops);
DEFINE_DRM_GEM_FOPS(test_gfx_fops);

static const struct drm_driver accel_drv = {
	.driver_features = DRIVER_COMPUTE_ACCEL | DRIVER_SYNCOBJ,
	.fops = &test_accel_fops, .name = "t_version", .desc = "A test accelerator",
	.date = "20261125", .major = 3, .minor = 2, .patchlevel = 1,
};
static const struct drm_driver kms_drv = {
	.driver_features = DRIVER_MODESET | DRIVER_GEM,
	.fops = &test_gfx_fops, .name = "t_kms", .desc = "A test display",
};

static struct platform_device *parent, *kparent;
static struct drm_device *dev, *kdev;
static struct file *filp, *kfilp;

static int setup(void **state)
{
	(void)state;
	parent = test_parent_add("t_version", -1);
	kparent = test_parent_add("t_kms", -1);
	dev = drm_dev_alloc(&accel_drv, &parent->dev);
	assert_int_equal(drm_dev_register(dev, 0), 0);
	kdev = drm_dev_alloc(&kms_drv, &kparent->dev);
	assert_int_equal(drm_dev_register(kdev, 0), 0);
	filp = chrdev_open(ACCEL_MAJOR, dev->accel->index, O_RDWR);
	kfilp = chrdev_open(DRM_MAJOR, kdev->primary->index, O_RDWR);
	assert_false(IS_ERR(filp));
	assert_false(IS_ERR(kfilp));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fput(filp);
	fput(kfilp);
	drm_dev_unplug(dev);
	drm_dev_put(dev);
	drm_dev_unplug(kdev);
	drm_dev_put(kdev);
	test_parent_del(parent);
	test_parent_del(kparent);
	return 0;
}

static long call(struct file *f, unsigned long cmd, void *arg)
{
	return vfs_ioctl(f, (unsigned int)cmd, (unsigned long)arg);
}

static void version_reports_numbers_and_full_lengths_without_buffers(void **state)
{
	struct drm_version v = { 0 };

	(void)state;
	assert_int_equal(call(filp, DRM_IOCTL_VERSION, &v), 0);
	assert_int_equal(v.version_major, 3);
	assert_int_equal(v.version_minor, 2);
	assert_int_equal(v.version_patchlevel, 1);
	assert_int_equal(v.name_len, strlen("t_version"));
	assert_int_equal(v.desc_len, strlen("A test accelerator"));
	/* The date is deprecated: "0" whatever the driver says, as Linux 6.12. */
	assert_int_equal(v.date_len, 1);
}

static void version_truncates_copies_and_adds_no_nul(void **state)
{
	char name[8], desc[32], date[4];
	struct drm_version v = { 0 };

	(void)state;
	memset(name, 'X', sizeof(name));
	memset(desc, 'X', sizeof(desc));
	memset(date, 'X', sizeof(date));
	v.name = name;
	v.name_len = 3;
	v.desc = desc;
	v.desc_len = sizeof(desc);
	v.date = date;
	v.date_len = sizeof(date);
	assert_int_equal(call(filp, DRM_IOCTL_VERSION, &v), 0);
	assert_memory_equal(name, "t_vX", 4);
	assert_int_equal(v.name_len, strlen("t_version"));
	assert_memory_equal(desc, "A test acceleratorX", 19);
	assert_memory_equal(date, "0X", 2);
}

static void get_cap_reports_prime_and_monotonic_timestamps(void **state)
{
	struct drm_get_cap c = { .capability = DRM_CAP_PRIME };

	(void)state;
	assert_int_equal(call(filp, DRM_IOCTL_GET_CAP, &c), 0);
	assert_int_equal(c.value, DRM_PRIME_CAP_IMPORT | DRM_PRIME_CAP_EXPORT);
	c.capability = DRM_CAP_TIMESTAMP_MONOTONIC;
	assert_int_equal(call(filp, DRM_IOCTL_GET_CAP, &c), 0);
	assert_int_equal(c.value, 1);
}

static void get_cap_syncobj_follows_the_feature_bits(void **state)
{
	struct drm_get_cap c = { .capability = DRM_CAP_SYNCOBJ };

	(void)state;
	assert_int_equal(call(filp, DRM_IOCTL_GET_CAP, &c), 0);
	assert_int_equal(c.value, 1);
	c.capability = DRM_CAP_SYNCOBJ_TIMELINE;
	assert_int_equal(call(filp, DRM_IOCTL_GET_CAP, &c), 0);
	assert_int_equal(c.value, 0);
}

static void get_cap_of_a_kms_cap_on_an_accel_file_is_eopnotsupp(void **state)
{
	struct drm_get_cap c = { .capability = DRM_CAP_DUMB_BUFFER, .value = 9 };

	(void)state;
	assert_int_equal(call(filp, DRM_IOCTL_GET_CAP, &c), -EOPNOTSUPP);
	assert_int_equal(c.value, 0);
}

static void get_cap_on_a_modeset_driver_answers_kms_caps(void **state)
{
	struct drm_get_cap c = { .capability = DRM_CAP_CURSOR_WIDTH };

	(void)state;
	assert_int_equal(call(kfilp, DRM_IOCTL_GET_CAP, &c), 0);
	assert_int_equal(c.value, 64);
	c.capability = 0x7777;
	assert_int_equal(call(kfilp, DRM_IOCTL_GET_CAP, &c), -EINVAL);
}

static void set_client_cap_on_an_accel_file_is_eopnotsupp(void **state)
{
	struct drm_set_client_cap c = { .capability = DRM_CLIENT_CAP_ATOMIC, .value = 1 };

	(void)state;
	assert_int_equal(call(filp, DRM_IOCTL_SET_CLIENT_CAP, &c), -EOPNOTSUPP);
}

static void set_client_cap_validates_values_on_a_modeset_driver(void **state)
{
	struct drm_set_client_cap c = { .capability = DRM_CLIENT_CAP_STEREO_3D, .value = 2 };

	(void)state;
	assert_int_equal(call(kfilp, DRM_IOCTL_SET_CLIENT_CAP, &c), -EINVAL);
	c.value = 1;
	assert_int_equal(call(kfilp, DRM_IOCTL_SET_CLIENT_CAP, &c), 0);
	c.capability = DRM_CLIENT_CAP_ATOMIC;
	assert_int_equal(call(kfilp, DRM_IOCTL_SET_CLIENT_CAP, &c), -EOPNOTSUPP);
}

static int set_name(const char *name, size_t len)
{
	struct drm_set_client_name n = { .name_len = len, .name = (uintptr_t)name };

	return (int)call(filp, DRM_IOCTL_SET_CLIENT_NAME, &n);
}

static void client_name_is_set_and_cleared(void **state)
{
	struct drm_file *f = drm_file_from_filp(filp);

	(void)state;
	assert_int_equal(set_name("trainer-7", 9), 0);
	assert_string_equal(f->client_name, "trainer-7");
	assert_int_equal(set_name(NULL, 0), 0);
	assert_null(f->client_name);
}

static void client_name_longer_than_64_is_einval(void **state)
{
	char name[66];

	(void)state;
	memset(name, 'a', sizeof(name));
	assert_int_equal(set_name(name, 64), 0);
	assert_int_equal(set_name(name, 65), -EINVAL);
}

static void client_name_with_space_or_control_bytes_is_einval(void **state)
{
	(void)state;
	assert_int_equal(set_name("a b", 3), -EINVAL);
	assert_int_equal(set_name("a\tb", 3), -EINVAL);
	assert_int_equal(set_name("a\xc3\xa9", 3), -EINVAL);
	/* An embedded NUL makes the string shorter than its length. */
	assert_int_equal(set_name("ab\0c", 4), -EINVAL);
}

static void client_name_from_a_bad_pointer_is_efault(void **state)
{
	(void)state;
	assert_int_equal(set_name((const char *)8, 4), -EFAULT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(version_reports_numbers_and_full_lengths_without_buffers),
		cmocka_unit_test(version_truncates_copies_and_adds_no_nul),
		cmocka_unit_test(get_cap_reports_prime_and_monotonic_timestamps),
		cmocka_unit_test(get_cap_syncobj_follows_the_feature_bits),
		cmocka_unit_test(get_cap_of_a_kms_cap_on_an_accel_file_is_eopnotsupp),
		cmocka_unit_test(get_cap_on_a_modeset_driver_answers_kms_caps),
		cmocka_unit_test(set_client_cap_on_an_accel_file_is_eopnotsupp),
		cmocka_unit_test(set_client_cap_validates_values_on_a_modeset_driver),
		cmocka_unit_test(client_name_is_set_and_cleared),
		cmocka_unit_test(client_name_longer_than_64_is_einval),
		cmocka_unit_test(client_name_with_space_or_control_bytes_is_einval),
		cmocka_unit_test(client_name_from_a_bad_pointer_is_efault),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

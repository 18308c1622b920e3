// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
/* GEM handles: numbering, closing, lookups, and the ioctls' feature gating. */
#include "gem_test_device.h"

static void handles_start_at_one_and_count_up(void **state)
{
	struct gem_test t;
	struct file *f;

	(void)state;
	gem_test_up(&t, &gem_test_driver, 0);
	f = gem_test_open(&t);
	assert_int_equal(gem_test_create(&t, f, 4096), 1);
	assert_int_equal(gem_test_create(&t, f, 4096), 2);
	assert_int_equal(gem_test_create(&t, f, 4096), 3);
	fput(f);
	gem_test_down(&t);
}

static void closed_handle_number_is_the_next_one_given(void **state)
{
	struct gem_test t;
	struct file *f;

	(void)state;
	gem_test_up(&t, &gem_test_driver, 1);
	f = gem_test_open(&t);
	for (int i = 0; i < 4; i++)
		gem_test_create(&t, f, 4096);
	assert_int_equal(gem_test_close(f, 3), 0);
	assert_int_equal(gem_test_close(f, 1), 0);
	assert_int_equal(gem_test_create(&t, f, 4096), 1);
	assert_int_equal(gem_test_create(&t, f, 4096), 3);
	assert_int_equal(gem_test_create(&t, f, 4096), 5);
	fput(f);
	gem_test_down(&t);
}

static void closing_a_handle_twice_fails_with_einval(void **state)
{
	struct gem_test t;
	struct file *f;
	uint32_t h;

	(void)state;
	gem_test_up(&t, &gem_test_driver, 2);
	f = gem_test_open(&t);
	h = gem_test_create(&t, f, 4096);
	assert_int_equal(gem_test_close(f, h), 0);
	assert_int_equal(gem_test_close(f, h), -EINVAL);
	assert_int_equal(gem_test_close(f, 0), -EINVAL);
	assert_int_equal(gem_test_close(f, 0xffffffffu), -EINVAL);
	fput(f);
	gem_test_down(&t);
}

static void handles_of_one_file_are_unknown_in_another(void **state)
{
	struct gem_test t;
	struct file *a, *b;
	uint32_t h;

	(void)state;
	gem_test_up(&t, &gem_test_driver, 3);
	a = gem_test_open(&t);
	b = gem_test_open(&t);
	gem_test_create(&t, a, 4096);
	h = gem_test_create(&t, a, 4096);
	assert_null(drm_gem_object_lookup(drm_file_of(b), h));
	assert_int_equal(gem_test_close(b, h), -EINVAL);
	assert_int_equal(gem_test_create(&t, b, 4096), 1);
	fput(a);
	fput(b);
	gem_test_down(&t);
}

static void lookup_gives_a_reference_to_the_handle_object(void **state)
{
	struct gem_test t;
	struct drm_gem_object *obj;
	struct file *f;
	uint32_t h;

	(void)state;
	gem_test_up(&t, &gem_test_driver, 4);
	f = gem_test_open(&t);
	h = gem_test_create(&t, f, 5000);
	obj = drm_gem_object_lookup(drm_file_of(f), h);
	assert_non_null(obj);
	assert_int_equal(obj->size, 8192);
	/* One for the handles, one for the lookup. */
	assert_int_equal(kref_read(&obj->refcount), 2);
	drm_gem_object_put(obj);
	assert_null(drm_gem_object_lookup(drm_file_of(f), h + 1));
	fput(f);
	gem_test_down(&t);
}

static void flink_name_opens_the_object_in_another_file(void **state)
{
	struct gem_test t;
	struct drm_gem_flink fl = { 0 };
	struct drm_gem_open go = { 0 };
	struct file *a, *b;

	(void)state;
	/* FLINK and GEM_OPEN are DRM_AUTH: on an accel file only root is authenticated. */
	if (geteuid() != 0)
		skip();
	gem_test_up(&t, &gem_test_driver, 5);
	a = gem_test_open(&t);
	b = gem_test_open(&t);
	fl.handle = gem_test_create(&t, a, 4096);
	assert_int_equal(vfs_ioctl(a, DRM_IOCTL_GEM_FLINK, (unsigned long)&fl), 0);
	assert_int_equal(fl.name, 1);
	go.name = fl.name;
	assert_int_equal(vfs_ioctl(b, DRM_IOCTL_GEM_OPEN, (unsigned long)&go), 0);
	assert_int_equal(go.handle, 1);
	assert_int_equal(go.size, 4096);
	fput(a);
	/* b's handle keeps the object and so its name. */
	go.handle = 0;
	assert_int_equal(vfs_ioctl(b, DRM_IOCTL_GEM_OPEN, (unsigned long)&go), 0);
	assert_int_equal(go.handle, 2);
	fput(b);
	assert_int_equal(drm_gem_objects_live(t.dev), 0);
	gem_test_down(&t);
}

static void gem_ioctls_fail_with_eopnotsupp_without_driver_gem(void **state)
{
	struct gem_test t;
	struct drm_gem_close c = { .handle = 1 };
	struct drm_gem_flink fl = { .handle = 1 };
	struct drm_gem_open go = { .name = 1 };
	struct file *f;

	(void)state;
	gem_test_up(&t, &gem_test_nogem_driver, 6);
	f = gem_test_open(&t);
	assert_int_equal(vfs_ioctl(f, DRM_IOCTL_GEM_CLOSE, (unsigned long)&c), -EOPNOTSUPP);
	assert_int_equal(vfs_ioctl(f, DRM_IOCTL_GEM_FLINK, (unsigned long)&fl), -EOPNOTSUPP);
	assert_int_equal(vfs_ioctl(f, DRM_IOCTL_GEM_OPEN, (unsigned long)&go), -EOPNOTSUPP);
	fput(f);
	gem_test_down(&t);
}

static void dumb_ioctls_fail_with_enosys_without_dumb_create(void **state)
{
	struct gem_test t;
	struct drm_mode_create_dumb cd = { .width = 8, .height = 8, .bpp = 32 };
	struct drm_mode_map_dumb md = { .handle = 1 };
	struct drm_mode_destroy_dumb dd = { .handle = 1 };
	struct file *f;

	(void)state;
	gem_test_up(&t, &gem_test_nogem_driver, 7);
	f = gem_test_open(&t);
	assert_int_equal(vfs_ioctl(f, DRM_IOCTL_MODE_CREATE_DUMB, (unsigned long)&cd), -ENOSYS);
	assert_int_equal(vfs_ioctl(f, DRM_IOCTL_MODE_MAP_DUMB, (unsigned long)&md), -ENOSYS);
	assert_int_equal(vfs_ioctl(f, DRM_IOCTL_MODE_DESTROY_DUMB, (unsigned long)&dd), -ENOSYS);
	fput(f);
	gem_test_down(&t);
}

static void prime_export_without_driver_gem_finds_no_handle(void **state)
{
	struct gem_test t;
	struct drm_prime_handle ph = { .handle = 1, .flags = DRM_CLOEXEC };
	struct file *f;

	(void)state;
	gem_test_up(&t, &gem_test_nogem_driver, 8);
	f = gem_test_open(&t);
	/* As in 6.12: PRIME is not gated by DRIVER_GEM, there is just nothing to export. */
	assert_int_equal(vfs_ioctl(f, DRM_IOCTL_PRIME_HANDLE_TO_FD, (unsigned long)&ph), -ENOENT);
	fput(f);
	gem_test_down(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(handles_start_at_one_and_count_up),
		cmocka_unit_test(closed_handle_number_is_the_next_one_given),
		cmocka_unit_test(closing_a_handle_twice_fails_with_einval),
		cmocka_unit_test(handles_of_one_file_are_unknown_in_another),
		cmocka_unit_test(lookup_gives_a_reference_to_the_handle_object),
		cmocka_unit_test(flink_name_opens_the_object_in_another_file),
		cmocka_unit_test(gem_ioctls_fail_with_eopnotsupp_without_driver_gem),
		cmocka_unit_test(dumb_ioctls_fail_with_enosys_without_dumb_create),
		cmocka_unit_test(prime_export_without_driver_gem_finds_no_handle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

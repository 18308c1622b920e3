// SPDX-License-Identifier: MIT
/* The mode configuration: drmm_mode_config_init(), MODE_GETRESOURCES, MODE_GETPLANERESOURCES. */
#include <fcntl.h>
#include <string.h>

#include <accel/drm_accel.h>
#include <accel/drm_drv.h>
#include <accel/drm_mode_config.h>
#include <drm/drm_mode.h>
#include "helpers.h"

DEFINE_DRM_GEM_FOPS(test_gfx_fops);

static const struct drm_driver kms_drv = {
	.driver_features = DRIVER_MODESET | DRIVER_GEM,
	.fops = &test_gfx_fops, .name = "t_mode_config", .desc = "A test display",
};
static const struct drm_driver render_drv = {
	.driver_features = DRIVER_RENDER | DRIVER_GEM,
	.fops = &test_gfx_fops, .name = "t_mode_config_render", .desc = "A test renderer",
};

static struct platform_device *kparent, *rparent;
static struct drm_device *kdev, *rdev;
static struct file *kfilp, *rfilp;

static int setup(void **state)
{
	(void)state;
	kparent = test_parent_add("t_mode_config", -1);
	rparent = test_parent_add("t_mode_config_render", -1);
	kdev = drm_dev_alloc(&kms_drv, &kparent->dev);
	rdev = drm_dev_alloc(&render_drv, &rparent->dev);
	if (IS_ERR(kdev) || IS_ERR(rdev) || drmm_mode_config_init(kdev))
		return -1;
	kdev->mode_config.min_width = 16;
	kdev->mode_config.max_width = 4096;
	kdev->mode_config.min_height = 8;
	kdev->mode_config.max_height = 2048;
	kdev->mode_config.cursor_width = 256;
	if (drm_dev_register(kdev, 0) || drm_dev_register(rdev, 0))
		return -1;
	kfilp = chrdev_open(DRM_MAJOR, kdev->primary->index, O_RDWR);
	rfilp = chrdev_open(DRM_MAJOR, rdev->primary->index, O_RDWR);
	return IS_ERR(kfilp) || IS_ERR(rfilp) ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	fput(kfilp);
	fput(rfilp);
	drm_dev_unplug(kdev);
	drm_dev_put(kdev);
	drm_dev_unplug(rdev);
	drm_dev_put(rdev);
	test_parent_del(kparent);
	test_parent_del(rparent);
	return 0;
}

static long call(struct file *f, unsigned long cmd, void *arg)
{
	return vfs_ioctl(f, (unsigned int)cmd, (unsigned long)arg);
}

static void mode_config_init_refuses_a_driver_without_modeset(void **state)
{
	(void)state;
	assert_int_equal(drmm_mode_config_init(rdev), -EINVAL);
}

static void getresources_reports_the_limits_and_no_objects(void **state)
{
	uint32_t ids[4];
	struct drm_mode_card_res res = {
		.fb_id_ptr = (uintptr_t)ids, .crtc_id_ptr = (uintptr_t)ids,
		.connector_id_ptr = (uintptr_t)ids, .encoder_id_ptr = (uintptr_t)ids,
		.count_fbs = 4, .count_crtcs = 4, .count_connectors = 4, .count_encoders = 4,
	};

	(void)state;
	memset(ids, 0xaa, sizeof(ids));
	assert_int_equal(call(kfilp, DRM_IOCTL_MODE_GETRESOURCES, &res), 0);
	assert_int_equal(res.count_fbs + res.count_crtcs + res.count_connectors + res.count_encoders, 0);
	assert_int_equal(res.min_width, 16);
	assert_int_equal(res.max_width, 4096);
	assert_int_equal(res.min_height, 8);
	assert_int_equal(res.max_height, 2048);
	/* No object, no id written. */
	for (int i = 0; i < 4; i++)
		assert_int_equal(ids[i], 0xaaaaaaaa);
}

static void getresources_without_modeset_is_eopnotsupp(void **state)
{
	struct drm_mode_card_res res = { 0 };

	(void)state;
	assert_int_equal(call(rfilp, DRM_IOCTL_MODE_GETRESOURCES, &res), -EOPNOTSUPP);
}

static void getplaneresources_lists_no_planes_even_with_universal_planes(void **state)
{
	struct drm_set_client_cap cap = { .capability = DRM_CLIENT_CAP_UNIVERSAL_PLANES, .value = 1 };
	struct drm_mode_get_plane_res pr = { .count_planes = 3, .plane_id_ptr = 8 };

	(void)state;
	assert_int_equal(call(kfilp, DRM_IOCTL_SET_CLIENT_CAP, &cap), 0);
	assert_int_equal(call(kfilp, DRM_IOCTL_MODE_GETPLANERESOURCES, &pr), 0);
	assert_int_equal(pr.count_planes, 0);
}

static void getplaneresources_without_modeset_is_eopnotsupp(void **state)
{
	struct drm_mode_get_plane_res pr = { 0 };

	(void)state;
	assert_int_equal(call(rfilp, DRM_IOCTL_MODE_GETPLANERESOURCES, &pr), -EOPNOTSUPP);
}

static void cursor_width_cap_is_the_mode_configs(void **state)
{
	struct drm_get_cap c = { .capability = DRM_CAP_CURSOR_WIDTH };

	(void)state;
	assert_int_equal(call(kfilp, DRM_IOCTL_GET_CAP, &c), 0);
	assert_int_equal(c.value, 256);
}

static void dumb_buffer_cap_follows_the_drivers_dumb_create(void **state)
{
	struct drm_get_cap c = { .capability = DRM_CAP_DUMB_BUFFER, .value = 7 };

	(void)state;
	/* kms_drv has no dumb_create. */
	assert_int_equal(call(kfilp, DRM_IOCTL_GET_CAP, &c), 0);
	assert_int_equal(c.value, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mode_config_init_refuses_a_driver_without_modeset),
		cmocka_unit_test(getresources_reports_the_limits_and_no_objects),
		cmocka_unit_test(getresources_without_modeset_is_eopnotsupp),
		cmocka_unit_test(getplaneresources_lists_no_planes_even_with_universal_planes),
		cmocka_unit_test(getplaneresources_without_modeset_is_eopnotsupp),
		cmocka_unit_test(cursor_width_cap_is_the_mode_configs),
		cmocka_unit_test(dumb_buffer_cap_follows_the_drivers_dumb_create),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

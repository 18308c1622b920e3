// SPDX-License-Identifier: MIT
/* Registration rules: what makes an accelerator, and where its nodes appear. */
#include <string.h>
#include <sys/sysmacros.h>

#include <accel/drm_accel.h>
#include <accel/drm_drv.h>
#include "helpers.h"

DEFINE_DRM_ACCEL_FOPS(test_accel_fops);
DEFINE_DRM_GEM_FOPS(test_gfx_fops);

static const struct drm_driver accel_drv = {
	.driver_features = DRIVER_COMPUTE_ACCEL | DRIVER_GEM,
	.fops = &test_accel_fops, .name = "t_accel", .desc = "test",
};
static const struct drm_driver accel_render_drv = {
	.driver_features = DRIVER_COMPUTE_ACCEL | DRIVER_RENDER,
	.fops = &test_accel_fops, .name = "t_accel_render", .desc = "test",
};
static const struct drm_driver accel_modeset_drv = {
	.driver_features = DRIVER_COMPUTE_ACCEL | DRIVER_MODESET,
	.fops = &test_accel_fops, .name = "t_accel_modeset", .desc = "test",
};
static const struct drm_driver gfx_drv = {
	.driver_features = DRIVER_GEM | DRIVER_RENDER,
	.fops = &test_gfx_fops, .name = "t_gfx", .desc = "test",
};

static int node_exists(const char *path)
{
	dev_t devt;

	return devnode_lookup(path, &devt) == 0;
}

static void compute_accel_with_render_fails_with_einval_naming_the_conflict(void **state)
{
	struct platform_device *parent = test_parent_add("t_conflict", 0);
	struct drm_device *dev;

	(void)state;
	test_log_capture();
	dev = drm_dev_alloc(&accel_render_drv, &parent->dev);
	assert_true(IS_ERR(dev));
	assert_int_equal(PTR_ERR(dev), -EINVAL);
	assert_true(test_log_contains("DRIVER_COMPUTE_ACCEL together with DRIVER_RENDER"));
	test_log_release();
	test_parent_del(parent);
}

static void compute_accel_with_modeset_fails_with_einval_naming_the_conflict(void **state)
{
	struct platform_device *parent = test_parent_add("t_conflict", 1);
	struct drm_device *dev;

	(void)state;
	test_log_capture();
	dev = drm_dev_alloc(&accel_modeset_drv, &parent->dev);
	assert_true(IS_ERR(dev));
	assert_int_equal(PTR_ERR(dev), -EINVAL);
	assert_true(test_log_contains("DRIVER_COMPUTE_ACCEL together with DRIVER_MODESET"));
	test_log_release();
	test_parent_del(parent);
}

static void accel_device_gets_an_accel_node_and_no_dri_node(void **state)
{
	struct platform_device *parent = test_parent_add("t_accel", 0);
	struct drm_device *dev = drm_dev_alloc(&accel_drv, &parent->dev);
	char path[32];

	(void)state;
	assert_false(IS_ERR(dev));
	assert_non_null(dev->accel);
	assert_null(dev->primary);
	assert_null(dev->render);
	assert_int_equal(drm_dev_register(dev, 0), 0);
	snprintf(path, sizeof(path), "accel/accel%d", dev->accel->index);
	assert_true(node_exists(path));
	assert_false(node_exists("dri/card0"));
	assert_false(node_exists("dri/renderD128"));
	assert_null(attr_lookup("class/drm/card0"));
	drm_dev_unplug(dev);
	assert_false(node_exists(path));
	drm_dev_put(dev);
	test_parent_del(parent);
}

static void accel_node_is_char_major_261(void **state)
{
	struct platform_device *parent = test_parent_add("t_accel", 1);
	struct drm_device *dev = drm_dev_alloc(&accel_drv, &parent->dev);
	char path[32];
	dev_t devt;

	(void)state;
	assert_int_equal(drm_dev_register(dev, 0), 0);
	snprintf(path, sizeof(path), "accel/accel%d", dev->accel->index);
	assert_int_equal(devnode_lookup(path, &devt), 0);
	assert_int_equal(major(devt), 261);
	assert_int_equal(minor(devt), dev->accel->index);
	drm_dev_unplug(dev);
	drm_dev_put(dev);
	test_parent_del(parent);
}

static void graphics_device_gets_card_and_render_nodes_and_no_accel_node(void **state)
{
	struct platform_device *parent = test_parent_add("t_gfx", 0);
	struct drm_device *dev = drm_dev_alloc(&gfx_drv, &parent->dev);
	char card[32], render[32];
	dev_t devt;

	(void)state;
	assert_false(IS_ERR(dev));
	assert_null(dev->accel);
	assert_int_equal(drm_dev_register(dev, 0), 0);
	snprintf(card, sizeof(card), "dri/card%d", dev->primary->index);
	snprintf(render, sizeof(render), "dri/renderD%d", dev->render->index);
	assert_int_equal(devnode_lookup(card, &devt), 0);
	assert_int_equal(major(devt), 226);
	assert_int_equal(devnode_lookup(render, &devt), 0);
	assert_int_equal(major(devt), 226);
	assert_int_equal(dev->render->index, 128 + dev->primary->index);
	assert_null(attr_lookup("class/accel/accel0"));
	drm_dev_unplug(dev);
	drm_dev_put(dev);
	test_parent_del(parent);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(compute_accel_with_render_fails_with_einval_naming_the_conflict),
		cmocka_unit_test(compute_accel_with_modeset_fails_with_einval_naming_the_conflict),
		cmocka_unit_test(accel_device_gets_an_accel_node_and_no_dri_node),
		cmocka_unit_test(accel_node_is_char_major_261),
		cmocka_unit_test(graphics_device_gets_card_and_render_nodes_and_no_accel_node),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: MIT
/* The auxiliary bus: one parent, a render driver and an accel driver bound by name. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include <accel/auxiliary_bus.h>
#include <accel/drm_accel.h>
#include <accel/drm_drv.h>
#include "helpers.h"

static int probes, removes;

DEFINE_DRM_GEM_FOPS(t_gfx_fops);
DEFINE_DRM_ACCEL_FOPS(t_accel_fops);

static const struct drm_driver t_gfx = {
	.driver_features = DRIVER_GEM | DRIVER_RENDER, .fops = &t_gfx_fops, .name = "t_aux_gfx",
};
static const struct drm_driver t_compute = {
	.driver_features = DRIVER_COMPUTE_ACCEL, .fops = &t_accel_fops, .name = "t_aux_compute",
};

static int t_probe(struct auxiliary_device *adev, const struct auxiliary_device_id *id)
{
	const struct drm_driver *drv = strstr(id->name, "gfx") ? &t_gfx : &t_compute;
	struct drm_device *drm = drm_dev_alloc(drv, &adev->dev);

	if (IS_ERR(drm))
		return PTR_ERR(drm);
	probes++;
	auxiliary_set_drvdata(adev, drm);
	return drm_dev_register(drm, 0);
}

static void t_remove(struct auxiliary_device *adev)
{
	struct drm_device *drm = auxiliary_get_drvdata(adev);

	removes++;
	drm_dev_unplug(drm);
	drm_dev_put(drm);
}

static const struct auxiliary_device_id gfx_ids[] = { { "t_combo.gfx" }, { 0 } };
static const struct auxiliary_device_id compute_ids[] = { { "t_combo.compute" }, { 0 } };
static struct auxiliary_driver gfx_aux = {
	.name = "t_combo_gfx", .probe = t_probe, .remove = t_remove, .id_table = gfx_ids,
};
static struct auxiliary_driver compute_aux = {
	.name = "t_combo_compute", .probe = t_probe, .remove = t_remove, .id_table = compute_ids,
};

static void adev_release(struct device *dev)
{
	free(to_auxiliary_dev(dev));
}

static struct auxiliary_device *add_part(struct platform_device *parent, const char *name)
{
	struct auxiliary_device *adev = calloc(1, sizeof(*adev));

	assert_non_null(adev);
	adev->name = name;
	adev->id = (unsigned int)parent->id;
	adev->dev.parent = &parent->dev;
	adev->dev.release = adev_release;
	assert_int_equal(auxiliary_device_init(adev), 0);
	assert_int_equal(__auxiliary_device_add(adev, "t_combo"), 0);
	return adev;
}

static void del_part(struct auxiliary_device *adev)
{
	auxiliary_device_delete(adev);
	auxiliary_device_uninit(adev);
}

static int setup(void **state)
{
	(void)state;
	assert_int_equal(auxiliary_driver_register(&gfx_aux), 0);
	assert_int_equal(auxiliary_driver_register(&compute_aux), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	auxiliary_driver_unregister(&gfx_aux);
	auxiliary_driver_unregister(&compute_aux);
	return 0;
}

static void each_part_binds_the_driver_of_its_name(void **state)
{
	struct platform_device *parent = test_parent_add("t_combo", 0);
	struct auxiliary_device *gfx = add_part(parent, "gfx");
	struct auxiliary_device *compute = add_part(parent, "compute");
	struct drm_device *g = auxiliary_get_drvdata(gfx), *c = auxiliary_get_drvdata(compute);

	(void)state;
	probes = removes = 0;
	assert_string_equal(dev_name(&gfx->dev), "t_combo.gfx.0");
	assert_ptr_equal(g->driver, &t_gfx);
	assert_ptr_equal(c->driver, &t_compute);
	assert_non_null(g->render);
	assert_null(g->accel);
	assert_non_null(c->accel);
	assert_null(c->render);
	/* Both hang under the one parent in the tree. */
	assert_non_null(attr_lookup("devices/platform/t_combo.0/t_combo.gfx.0"));
	assert_non_null(attr_lookup("devices/platform/t_combo.0/t_combo.compute.0/accel"));
	del_part(compute);
	del_part(gfx);
	assert_int_equal(removes, 2);
	test_parent_del(parent);
}

static void removing_the_parts_takes_both_devices_down(void **state)
{
	struct platform_device *parent = test_parent_add("t_combo", 1);
	struct auxiliary_device *gfx = add_part(parent, "gfx");
	struct auxiliary_device *compute = add_part(parent, "compute");
	struct drm_device *c = auxiliary_get_drvdata(compute);
	int accel_minor = c->accel->index;
	struct file *f = chrdev_open(ACCEL_MAJOR, accel_minor, O_RDWR);
	struct drm_get_cap cap = { .capability = DRM_CAP_PRIME };

	(void)state;
	assert_false(IS_ERR(f));
	assert_non_null(attr_lookup("devices/platform/t_combo.1/t_combo.compute.1"));
	removes = 0;
	del_part(compute);
	del_part(gfx);
	assert_int_equal(removes, 2);
	/* The open file now fails, new opens fail, the nodes are gone. */
	assert_int_equal(vfs_ioctl(f, DRM_IOCTL_GET_CAP, (unsigned long)&cap), -ENODEV);
	assert_true(IS_ERR(chrdev_open(ACCEL_MAJOR, accel_minor, O_RDWR)));
	assert_null(attr_lookup("devices/platform/t_combo.1/t_combo.compute.1"));
	fput(f);
	test_parent_del(parent);
}

static void a_part_without_a_matching_driver_stays_unbound(void **state)
{
	struct platform_device *parent = test_parent_add("t_combo", 2);
	struct auxiliary_device *other = add_part(parent, "video");

	(void)state;
	assert_null(other->dev.driver);
	assert_null(auxiliary_get_drvdata(other));
	del_part(other);
	test_parent_del(parent);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(each_part_binds_the_driver_of_its_name),
		cmocka_unit_test(removing_the_parts_takes_both_devices_down),
		cmocka_unit_test(a_part_without_a_matching_driver_stays_unbound),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

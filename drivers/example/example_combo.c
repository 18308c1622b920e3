// SPDX-License-Identifier: MIT
/*
 * example_combo: one parent device that offers graphics and compute.
 *
 * DRIVER_COMPUTE_ACCEL excludes DRIVER_RENDER, so the parent's driver creates two auxiliary
 * devices ("example_combo.gfx.N" and "example_combo.compute.N") and two drivers bind to
 * them: a render driver and an accel driver. Removing the parent deletes both auxiliary
 * devices, which takes both drivers' devices down.
 */
#define _GNU_SOURCE
#include <stdlib.h>

#include <accel/auxiliary_bus.h>
#include <accel/drm_accel.h>
#include <accel/drm_drv.h>
#include <accel/platform_device.h>
#include "example.h"

/* Each part is its own allocation: an open file can keep it alive after the parent goes. */
struct example_combo {
	struct auxiliary_device *gfx;
	struct auxiliary_device *compute;
};

DEFINE_DRM_GEM_FOPS(example_combo_gfx_fops);
DEFINE_DRM_ACCEL_FOPS(example_combo_compute_fops);

static const struct drm_driver example_combo_gfx_driver = {
	.driver_features = DRIVER_GEM | DRIVER_RENDER,
	.fops = &example_combo_gfx_fops,
	.name = "example_combo_gfx",
	.desc = "Example combo device, graphics part",
	.major = 1,
};

static const struct drm_driver example_combo_compute_driver = {
	.driver_features = DRIVER_COMPUTE_ACCEL | DRIVER_GEM,
	.fops = &example_combo_compute_fops,
	.name = "example_combo_compute",
	.desc = "Example combo device, compute part",
	.major = 1,
};

static int example_combo_aux_probe(struct auxiliary_device *adev, const struct drm_driver *driver)
{
	struct drm_device *drm = drm_dev_alloc(driver, &adev->dev);
	int err;

	if (IS_ERR(drm))
		return PTR_ERR(drm);
	err = drm_dev_register(drm, 0);
	if (err) {
		drm_dev_put(drm);
		return err;
	}
	auxiliary_set_drvdata(adev, drm);
	return 0;
}

static int example_combo_gfx_probe(struct auxiliary_device *adev, const struct auxiliary_device_id *id)
{
	(void)id;
	return example_combo_aux_probe(adev, &example_combo_gfx_driver);
}

static int example_combo_compute_probe(struct auxiliary_device *adev,
				       const struct auxiliary_device_id *id)
{
	(void)id;
	return example_combo_aux_probe(adev, &example_combo_compute_driver);
}

static void example_combo_aux_remove(struct auxiliary_device *adev)
{
	struct drm_device *drm = auxiliary_get_drvdata(adev);

	drm_dev_unplug(drm);
	drm_dev_put(drm);
}

static const struct auxiliary_device_id example_combo_gfx_ids[] = {
	{ .name = "example_combo.gfx" },
	{ 0 },
};

static const struct auxiliary_device_id example_combo_compute_ids[] = {
	{ .name = "example_combo.compute" },
	{ 0 },
};

static struct auxiliary_driver example_combo_gfx_aux_driver = {
	.name = "example_combo_gfx",
	.probe = example_combo_gfx_probe,
	.remove = example_combo_aux_remove,
	.id_table = example_combo_gfx_ids,
};

static struct auxiliary_driver example_combo_compute_aux_driver = {
	.name = "example_combo_compute",
	.probe = example_combo_compute_probe,
	.remove = example_combo_aux_remove,
	.id_table = example_combo_compute_ids,
};

static void example_combo_adev_release(struct device *dev)
{
	free(to_auxiliary_dev(dev));
}

static struct auxiliary_device *example_combo_add_part(struct platform_device *pdev, const char *name)
{
	struct auxiliary_device *adev = calloc(1, sizeof(*adev));
	int err;

	if (!adev)
		return ERR_PTR(-ENOMEM);
	adev->name = name;
	adev->id = pdev->id < 0 ? 0 : (unsigned int)pdev->id;
	adev->dev.parent = &pdev->dev;
	adev->dev.release = example_combo_adev_release;
	err = auxiliary_device_init(adev);
	if (err) {
		free(adev);
		return ERR_PTR(err);
	}
	err = __auxiliary_device_add(adev, "example_combo");
	if (err) {
		auxiliary_device_uninit(adev);
		return ERR_PTR(err);
	}
	return adev;
}

static int example_combo_probe(struct platform_device *pdev)
{
	struct example_combo *combo = calloc(1, sizeof(*combo));
	int err;

	if (!combo)
		return -ENOMEM;
	combo->gfx = example_combo_add_part(pdev, "gfx");
	if (IS_ERR(combo->gfx)) {
		err = PTR_ERR(combo->gfx);
		goto err_free;
	}
	combo->compute = example_combo_add_part(pdev, "compute");
	if (IS_ERR(combo->compute)) {
		err = PTR_ERR(combo->compute);
		goto err_gfx;
	}
	platform_set_drvdata(pdev, combo);
	return 0;

err_gfx:
	auxiliary_device_delete(combo->gfx);
	auxiliary_device_uninit(combo->gfx);
err_free:
	free(combo);
	return err;
}

static void example_combo_remove(struct platform_device *pdev)
{
	struct example_combo *combo = platform_get_drvdata(pdev);

	auxiliary_device_delete(combo->compute);
	auxiliary_device_uninit(combo->compute);
	auxiliary_device_delete(combo->gfx);
	auxiliary_device_uninit(combo->gfx);
	free(combo);
}

static struct platform_driver example_combo_platform_driver = {
	.probe = example_combo_probe,
	.remove = example_combo_remove,
	.driver = { .name = "example_combo" },
};

int example_combo_init(void)
{
	int err;

	err = auxiliary_driver_register(&example_combo_gfx_aux_driver);
	if (err)
		return err;
	err = auxiliary_driver_register(&example_combo_compute_aux_driver);
	if (err)
		goto err_gfx;
	err = platform_driver_register(&example_combo_platform_driver);
	if (err)
		goto err_compute;
	return 0;

err_compute:
	auxiliary_driver_unregister(&example_combo_compute_aux_driver);
err_gfx:
	auxiliary_driver_unregister(&example_combo_gfx_aux_driver);
	return err;
}

// SPDX-License-Identifier: MIT
/*
 * example_gfx: a render-only graphics driver (like vgem). It has a card and a render node
 * under dev/dri and never an accel node. Like the graphics halves of compute+graphics
 * devices (amdgpu, i915, xe) it has binary and timeline syncobjs: the whole syncobj uAPI
 * (EVENTFD included) on both nodes, fences coming from sync_files (sw_sync) or other devices.
 */
#define _GNU_SOURCE
#include <accel/drm_accel.h>
#include <accel/drm_drv.h>
#include <accel/platform_device.h>
#include "example.h"

DEFINE_DRM_GEM_FOPS(example_gfx_fops);

static const struct drm_driver example_gfx_driver = {
	.driver_features = DRIVER_GEM | DRIVER_RENDER | DRIVER_SYNCOBJ | DRIVER_SYNCOBJ_TIMELINE,
	.fops = &example_gfx_fops,
	.name = "example_gfx",
	.desc = "Example render-only graphics driver",
	.date = "20261125",
	.major = 1,
	.minor = 0,
};

static int example_gfx_probe(struct platform_device *pdev)
{
	struct drm_device *drm = drm_dev_alloc(&example_gfx_driver, &pdev->dev);
	int err;

	if (IS_ERR(drm))
		return PTR_ERR(drm);
	err = drm_dev_register(drm, 0);
	if (err) {
		drm_dev_put(drm);
		return err;
	}
	platform_set_drvdata(pdev, drm);
	return 0;
}

static void example_gfx_remove(struct platform_device *pdev)
{
	struct drm_device *drm = platform_get_drvdata(pdev);

	drm_dev_unplug(drm);
	drm_dev_put(drm);
}

static struct platform_driver example_gfx_platform_driver = {
	.probe = example_gfx_probe,
	.remove = example_gfx_remove,
	.driver = { .name = "example_gfx" },
};

int example_gfx_init(void)
{
	return platform_driver_register(&example_gfx_platform_driver);
}

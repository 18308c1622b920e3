// SPDX-License-Identifier: MIT
/*
 * example_kms: a modesetting driver (DRIVER_MODESET | DRIVER_ATOMIC, like vkms) with a mode
 * configuration and no display objects yet: no CRTCs, encoders, connectors or planes. It has
 * a card node only (no DRIVER_RENDER, as vkms), shmem GEM objects and dumb buffers.
 */
#define _GNU_SOURCE
#include <accel/drm_accel.h>
#include <accel/drm_drv.h>
#include <accel/drm_gem_shmem_helper.h>
#include <accel/drm_mode_config.h>
#include <accel/platform_device.h>
#include "example.h"

DEFINE_DRM_GEM_FOPS(example_kms_fops);

static const struct drm_driver example_kms_driver = {
	.driver_features = DRIVER_GEM | DRIVER_MODESET | DRIVER_ATOMIC,
	.fops = &example_kms_fops,
	DRM_GEM_SHMEM_DRIVER_OPS,
	.name = "example_kms",
	.desc = "Example modesetting driver",
	.date = "20261202",
	.major = 1,
	.minor = 0,
};

static int example_kms_probe(struct platform_device *pdev)
{
	struct drm_device *drm = drm_dev_alloc(&example_kms_driver, &pdev->dev);
	int err;

	if (IS_ERR(drm))
		return PTR_ERR(drm);
	err = drmm_mode_config_init(drm);
	if (err)
		goto err_put;
	/* The framebuffer sizes vkms scans out. */
	drm->mode_config.min_width = 10;
	drm->mode_config.min_height = 10;
	drm->mode_config.max_width = 8192;
	drm->mode_config.max_height = 8192;
	err = drm_dev_register(drm, 0);
	if (err)
		goto err_put;
	platform_set_drvdata(pdev, drm);
	return 0;

err_put:
	drm_dev_put(drm);
	return err;
}

static void example_kms_remove(struct platform_device *pdev)
{
	struct drm_device *drm = platform_get_drvdata(pdev);

	drm_dev_unplug(drm);
	drm_dev_put(drm);
}

static struct platform_driver example_kms_platform_driver = {
	.probe = example_kms_probe,
	.remove = example_kms_remove,
	.driver = { .name = "example_kms" },
};

int example_kms_init(void)
{
	return platform_driver_register(&example_kms_platform_driver);
}

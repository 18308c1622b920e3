// SPDX-License-Identifier: MIT
/*
 * example: the smallest accelerator driver.
 *
 * It is a plain DRM driver made an accelerator by the two changes the accel documentation
 * asks for: DRIVER_COMPUTE_ACCEL in driver_features and DEFINE_DRM_ACCEL_FOPS() (whose open
 * is accel_open()). Everything else is what any DRM driver writes.
 */
#define _GNU_SOURCE
#include <stdlib.h>

#include <accel/drm_accel.h>
#include <accel/drm_drv.h>
#include <accel/drm_gem_shmem_helper.h>
#include <accel/platform_device.h>
#include <uapi/drm/example_accel.h>
#include "example.h"

DEFINE_DRM_ACCEL_FOPS(example_accel_fops);

static const struct drm_ioctl_desc example_ioctls[] = {
	/* buffers (example_gem.c) */
	DRM_IOCTL_DEF_DRV(EXAMPLE_CREATE_BO, example_create_bo_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(EXAMPLE_BO_INFO, example_bo_info_ioctl, DRM_RENDER_ALLOW),

	/* jobs (example_job.c) */
	DRM_IOCTL_DEF_DRV(EXAMPLE_SUBMIT, example_submit_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(EXAMPLE_SIGNAL, example_signal_ioctl, DRM_RENDER_ALLOW),
};

static const struct drm_driver example_driver = {
	.driver_features = DRIVER_COMPUTE_ACCEL | DRIVER_GEM | DRIVER_SYNCOBJ | DRIVER_SYNCOBJ_TIMELINE,
	.fops = &example_accel_fops,
	.ioctls = example_ioctls,
	.num_ioctls = ARRAY_SIZE(example_ioctls),
	.release = example_job_release,
	.open = example_open,
	.postclose = example_postclose,
	.show_fdinfo = example_show_fdinfo,
	DRM_GEM_SHMEM_DRIVER_OPS,
	.name = "example",
	.desc = "Example accelerator driver",
	.date = "20261125",
	.major = 1,
	.minor = 0,
	.patchlevel = 0,
};

static int example_probe(struct platform_device *pdev)
{
	struct drm_device *drm;
	int err;

	drm = drm_dev_alloc(&example_driver, &pdev->dev);
	if (IS_ERR(drm))
		return PTR_ERR(drm);
	err = example_job_init(drm);
	if (!err)
		err = drm_dev_register(drm, 0);
	if (err) {
		drm_dev_put(drm);
		return err;
	}
	platform_set_drvdata(pdev, drm);
	return 0;
}

static void example_remove(struct platform_device *pdev)
{
	struct drm_device *drm = platform_get_drvdata(pdev);

	drm_dev_unplug(drm);
	drm_dev_put(drm);
}

static struct platform_driver example_platform_driver = {
	.probe = example_probe,
	.remove = example_remove,
	.driver = { .name = "example" },
};

int example_accel_init(void)
{
	return platform_driver_register(&example_platform_driver);
}

// SPDX-License-Identifier: MIT
/*
 * vedge: the edge NPU, device skeleton. A platform driver whose configuration section gives
 * the NPU's shape (has_dma, sram_size, job_timeout_ms, autosuspend_delay_ms); probe creates
 * the NPU (the device model: vedge_hw.c), checks its ID register, requests its interrupt
 * (vedge_irq.c), sets up the scheduler ring, runtime PM and telemetry, and registers an accel
 * device whose ioctls are the uAPI of include/uapi/drm/vedge_accel.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <accel/attr.h>
#include <accel/drm_accel.h>
#include <accel/drm_drv.h>
#include <accel/drm_file.h>
#include <accel/drm_gem_shmem_helper.h>
#include <accel/drm_ioctl.h>
#include <accel/drm_print.h>
#include <accel/platform_device.h>
#include "vedge.h"
#include "vedge_drv.h"
#include "vedge_regs.h"

DEFINE_DRM_ACCEL_FOPS(vedge_accel_fops);

static int vedge_get_param_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct vedge_device *vdev = to_vedge_device(dev);
	struct drm_vedge_get_param *args = data;

	(void)file;
	if (args->pad)
		return -EINVAL;
	switch (args->param) {
	case VEDGE_PARAM_DEVICE_ID:
		args->value = vedge_reg_read(vdev, VEDGE_REG_ID);
		break;
	case VEDGE_PARAM_VERSION:
		args->value = vedge_reg_read(vdev, VEDGE_REG_VERSION);
		break;
	case VEDGE_PARAM_HAS_DMA:
		args->value = vdev->cfg.has_dma;
		break;
	case VEDGE_PARAM_SRAM_SIZE:
		args->value = vdev->cfg.sram_size;
		break;
	case VEDGE_PARAM_MAX_REGIONS:
		args->value = VEDGE_MAX_REGIONS;
		break;
	case VEDGE_PARAM_MAX_CMDS:
		args->value = VEDGE_MAX_CMDS;
		break;
	case VEDGE_PARAM_JOB_TIMEOUT_MS:
		args->value = vdev->cfg.job_timeout_ms;
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

static const struct drm_ioctl_desc vedge_ioctls[] = {
	DRM_IOCTL_DEF_DRV(VEDGE_GET_PARAM, vedge_get_param_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VEDGE_BO_CREATE, vedge_bo_create_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VEDGE_BO_MMAP, vedge_bo_mmap_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VEDGE_BO_INFO, vedge_bo_info_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV_LAYOUT(VEDGE_SUBMIT, vedge_submit_ioctl, DRM_RENDER_ALLOW,
				 &vedge_submit_layout),
	DRM_IOCTL_DEF_DRV(VEDGE_BO_WAIT, vedge_bo_wait_ioctl, DRM_RENDER_ALLOW),
};

/* Stop everything that runs on its own (ring, interrupt thread, PM thread, NPU). */
static void vedge_stop(struct vedge_device *vdev)
{
	vedge_sched_fini(vdev);
	vedge_irq_fini(vdev);
	if (vdev->pm.thread_started)
		vedge_pm_fini(vdev);
	vedge_hw_destroy(vdev->hw);
	vdev->hw = NULL;
}

/* Last put of the DRM device: every object and file is gone. */
static void vedge_release(struct drm_device *drm)
{
	struct vedge_device *vdev = to_vedge_device(drm);

	vedge_stop(vdev);
	pthread_cond_destroy(&vdev->busy_cond);
	pthread_mutex_destroy(&vdev->busy_lock);
	pthread_mutex_destroy(&vdev->job_lock);
	pthread_mutex_destroy(&vdev->perf_lock);
	pthread_cond_destroy(&vdev->irq_cond);
	pthread_mutex_destroy(&vdev->irq_lock);
	free(vdev->stat_files);
	free(vdev);
}

static const struct drm_driver vedge_driver = {
	.driver_features = DRIVER_COMPUTE_ACCEL | DRIVER_GEM | DRIVER_SYNCOBJ,
	.fops = &vedge_accel_fops,
	.ioctls = vedge_ioctls,
	.num_ioctls = ARRAY_SIZE(vedge_ioctls),
	.open = vedge_file_open,
	.postclose = vedge_file_postclose,
	.release = vedge_release,
	.show_fdinfo = vedge_show_fdinfo,
	DRM_GEM_SHMEM_DRIVER_OPS,
	.name = "vedge",
	.desc = "Virtual edge NPU",
	.date = "20261202",
	.major = 1,
	.minor = 0,
	.patchlevel = 0,
};

/* One parameter of the config section: key, default, allowed range. */
struct vedge_param_desc {
	const char *key;
	uint64_t def;
	uint64_t min;
	uint64_t max;
	size_t offset;
};

#define VEDGE_PARAM(_key, _def, _min, _max) \
	{ #_key, (_def), (_min), (_max), offsetof(struct vedge_config, _key) }

static const struct vedge_param_desc vedge_params[] = {
	VEDGE_PARAM(has_dma, 1, 0, 1),
	/* 4 KiB to 64 MiB: what on-chip SRAM of an edge NPU spans; a multiple of 64 below. */
	VEDGE_PARAM(sram_size, 512ull << 10, 4ull << 10, 64ull << 20),
	VEDGE_PARAM(job_timeout_ms, 2000, 10, 600000),
	VEDGE_PARAM(autosuspend_delay_ms, 100, 0, 3600000),
};

/* A bad parameter fails probe with -EINVAL, naming itself (as vnpu does). */
static int vedge_parse_config(struct platform_device *pdev, struct vedge_config *cfg)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(vedge_params); i++) {
		const struct vedge_param_desc *p = &vedge_params[i];
		uint64_t *v = (uint64_t *)((char *)cfg + p->offset);

		if (platform_get_param_u64(pdev, p->key, p->def, v) || *v < p->min ||
		    *v > p->max || (p->offset == offsetof(struct vedge_config, sram_size) &&
				    (*v % VEDGE_SRAM_ALIGN))) {
			DRM_ERROR("vedge %s: invalid %s '%s': must be a number in [%llu, %llu]%s",
				  dev_name(&pdev->dev), p->key,
				  platform_get_param(pdev, p->key) ?: "",
				  (unsigned long long)p->min, (unsigned long long)p->max,
				  p->offset == offsetof(struct vedge_config, sram_size) ?
					  ", a multiple of 64" : "");
			return -EINVAL;
		}
	}
	return 0;
}

static void vedge_sysfs_remove(struct vedge_device *vdev)
{
	vedge_sysfs_fini(vdev);
	attr_remove(vdev->power_dir);
	vdev->power_dir = NULL;
}

static int vedge_probe(struct platform_device *pdev)
{
	struct vedge_device *vdev;
	int err;

	vdev = calloc(1, sizeof(*vdev));
	if (!vdev)
		return -ENOMEM;
	err = vedge_parse_config(pdev, &vdev->cfg);
	if (err)
		goto err_free;
	err = drm_dev_init(&vdev->drm, &vedge_driver, &pdev->dev);
	if (err)
		goto err_free;
	/* From here the struct belongs to the DRM device: vedge_release() frees it. */
	vdev->pdev = pdev;
	pthread_mutex_init(&vdev->irq_lock, NULL);
	pthread_cond_init(&vdev->irq_cond, NULL);
	pthread_mutex_init(&vdev->job_lock, NULL);
	pthread_mutex_init(&vdev->perf_lock, NULL);
	pthread_mutex_init(&vdev->busy_lock, NULL);
	{
		pthread_condattr_t cattr;

		/* CLOCK_MONOTONIC: BO_WAIT's deadline is on that clock. */
		pthread_condattr_init(&cattr);
		pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
		pthread_cond_init(&vdev->busy_cond, &cattr);
		pthread_condattr_destroy(&cattr);
	}
	err = vedge_hw_create(vdev->cfg.has_dma, (uint32_t)vdev->cfg.sram_size, vedge_irq_line,
			      vdev, &vdev->hw);
	if (err)
		goto err_put;
	if (vedge_reg_read(vdev, VEDGE_REG_ID) != VEDGE_ID_VALUE) {
		err = -ENODEV;
		goto err_put;
	}
	err = vedge_irq_init(vdev);
	if (err)
		goto err_put;
	err = vedge_pm_init(vdev);
	if (err)
		goto err_put;
	err = vedge_sched_init(vdev);
	if (err)
		goto err_put;
	vedge_debugfs_init(vdev);
	/* Set before the attributes exist: their show reads it. */
	platform_set_drvdata(pdev, &vdev->drm);
	err = vedge_sysfs_init(vdev);
	if (!err)
		err = vedge_pm_sysfs_init(vdev);
	if (!err)
		err = drm_dev_register(&vdev->drm, 0);
	if (err)
		goto err_files;
	return 0;

err_files:
	vedge_sysfs_remove(vdev);
	platform_set_drvdata(pdev, NULL);
err_put:
	drm_dev_put(&vdev->drm);
	return err;

err_free:
	free(vdev);
	return err;
}

static void vedge_remove(struct platform_device *pdev)
{
	struct drm_device *drm = platform_get_drvdata(pdev);
	struct vedge_device *vdev = to_vedge_device(drm);

	/* Files first: their show dereferences the device that the put may free. */
	vedge_sysfs_remove(vdev);
	drm_dev_unplug(drm);
	/* The job on the NPU completes with -ENODEV now, not when the last client lets go. */
	vedge_sched_fini(vdev);
	platform_set_drvdata(pdev, NULL);
	drm_dev_put(drm);
}

static struct platform_driver vedge_platform_driver = {
	.probe = vedge_probe,
	.remove = vedge_remove,
	.driver = { .name = "vedge" },
};

/**
 * vedge_init() - register the vedge platform driver (drivers/builtin.c calls it once)
 *
 * Return: 0 or a negative errno.
 */
int vedge_init(void)
{
	return platform_driver_register(&vedge_platform_driver);
}

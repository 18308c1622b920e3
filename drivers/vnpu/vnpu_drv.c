// SPDX-License-Identifier: MIT
/*
 * vnpu: the inference data-centre NPU, device skeleton. A platform driver whose device
 * section of the configuration gives its shape (engines, memories, queue depth, job
 * timeout); probe checks every parameter and makes an accel device with GEM buffer objects
 * (vnpu_gem.c), a GPU address space per client (vnpu_vm.c), the device parameters behind
 * GET_PARAM and telemetry in sysfs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <accel/attr.h>
#include <accel/drm_accel.h>
#include <accel/drm_drv.h>
#include <accel/drm_file.h>
#include <accel/drm_ioctl.h>
#include <accel/drm_print.h>
#include <accel/platform_device.h>
#include <uapi/drm/vnpu_accel.h>
#include "vnpu.h"
#include "vnpu_drv.h"
#include "vnpu_engine.h"
#include "vnpu_job_history.h"

DEFINE_DRM_ACCEL_FOPS(vnpu_accel_fops);

/**
 * vnpu_vram_used() - bytes of VRAM held by buffer objects right now
 * @vdev: the device
 *
 * Return: the used bytes (a snapshot: objects may come and go right after).
 */
uint64_t vnpu_vram_used(struct vnpu_device *vdev)
{
	uint64_t used;

	pthread_mutex_lock(&vdev->vram_lock);
	used = drm_mm_used_bytes(&vdev->vram_mm);
	pthread_mutex_unlock(&vdev->vram_lock);
	return used;
}

/**
 * vnpu_vram_size() - the VRAM this device's buffer objects may take: all of it on a PF, the
 * quota on a VF
 * @vdev: the device
 *
 * Return: the size in bytes (a snapshot: the PF may change a VF's quota while it holds none).
 */
uint64_t vnpu_vram_size(struct vnpu_device *vdev)
{
	uint64_t size;

	pthread_mutex_lock(&vdev->vram_lock);
	size = vdev->vram_limit;
	pthread_mutex_unlock(&vdev->vram_lock);
	return size;
}

static int vnpu_get_param_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct vnpu_device *vdev = to_vnpu_device(dev);
	struct drm_vnpu_get_param *args = data;

	(void)file;
	if (args->pad)
		return -EINVAL;
	switch (args->param) {
	case VNPU_PARAM_COMPUTE_ENGINES:
		args->value = vdev->cfg.compute_engines;
		break;
	case VNPU_PARAM_DMA_ENGINES:
		args->value = vdev->cfg.dma_engines;
		break;
	case VNPU_PARAM_VRAM_SIZE:
		args->value = vnpu_vram_size(vdev);
		break;
	case VNPU_PARAM_SRAM_SIZE:
		args->value = vdev->cfg.sram_size;
		break;
	case VNPU_PARAM_QUEUE_DEPTH:
		args->value = atomic_load(&vdev->queue_limit);
		break;
	case VNPU_PARAM_JOB_TIMEOUT_MS:
		args->value = vdev->cfg.job_timeout_ms;
		break;
	case VNPU_PARAM_VRAM_USED:
		args->value = vnpu_vram_used(vdev);
		break;
	case VNPU_PARAM_VRAM_FREE: {
		uint64_t size, used;

		pthread_mutex_lock(&vdev->vram_lock);
		size = vdev->vram_limit;
		used = drm_mm_used_bytes(&vdev->vram_mm);
		pthread_mutex_unlock(&vdev->vram_lock);
		/* A PF's used bytes include its VFs' carve-outs: what is left may be less than 0. */
		args->value = used < size ? size - used : 0;
		break;
	}
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

static const struct drm_ioctl_desc vnpu_ioctls[] = {
	DRM_IOCTL_DEF_DRV(VNPU_GET_PARAM, vnpu_get_param_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VNPU_BO_CREATE, vnpu_bo_create_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VNPU_BO_INFO, vnpu_bo_info_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VNPU_VM_BIND, vnpu_vm_bind_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VNPU_CONTEXT_CREATE, vnpu_context_create_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VNPU_CONTEXT_DESTROY, vnpu_context_destroy_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV_LAYOUT(VNPU_SUBMIT, vnpu_submit_ioctl, DRM_RENDER_ALLOW,
				 &vnpu_submit_layout),
	DRM_IOCTL_DEF_DRV(VNPU_QUEUE_CREATE, vnpu_queue_create_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VNPU_QUEUE_DESTROY, vnpu_queue_destroy_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VNPU_QUEUE_SIGNAL, vnpu_queue_signal_ioctl, DRM_RENDER_ALLOW),
};

/* Last put of the DRM device: every object (each holds a device reference) is gone. */
static void vnpu_release(struct drm_device *drm)
{
	struct vnpu_device *vdev = to_vnpu_device(drm);

	vnpu_engines_stop(vdev);
	vnpu_engines_fini(vdev);
	drm_mm_takedown(&vdev->vram_mm);
	vnpu_job_history_fini(&vdev->history);
	vnpu_coredump_fini(&vdev->coredump);
	vnpu_sriov_fini(vdev);
	pthread_cond_destroy(&vdev->jobs_freed);
	pthread_mutex_destroy(&vdev->jobs_lock);
	pthread_mutex_destroy(&vdev->vram_lock);
	free(vdev);
}

static const struct drm_driver vnpu_driver = {
	.driver_features = DRIVER_COMPUTE_ACCEL | DRIVER_GEM | DRIVER_SYNCOBJ |
			   DRIVER_SYNCOBJ_TIMELINE,
	.fops = &vnpu_accel_fops,
	.ioctls = vnpu_ioctls,
	.num_ioctls = ARRAY_SIZE(vnpu_ioctls),
	.open = vnpu_vm_open,
	.postclose = vnpu_vm_postclose,
	.release = vnpu_release,
	.show_fdinfo = vnpu_show_fdinfo,
	.gem_create_object = vnpu_gem_create_object,
	DRM_GEM_SHMEM_DRIVER_OPS,
	.name = "vnpu",
	.desc = "Virtual inference NPU",
	.date = "20261125",
	.major = 1,
	.minor = 0,
	.patchlevel = 0,
};

/* One parameter of the config section: its key, default and allowed range. */
struct vnpu_param_desc {
	const char *key;
	uint64_t def;
	uint64_t min;
	uint64_t max;
	size_t offset;
};

#define VNPU_PARAM(_key, _def, _min, _max) \
	{ #_key, (_def), (_min), (_max), offsetof(struct vnpu_config, _key) }

static const struct vnpu_param_desc vnpu_params[] = {
	VNPU_PARAM(compute_engines, 2, 1, 16),
	VNPU_PARAM(dma_engines, 2, 1, 16),
	VNPU_PARAM(vram_size, 1ull << 30, 64ull << 20, 64ull << 30),
	/* 64 KiB (one VRAM granule) to 1 GiB: beyond that it would not be on-chip memory. */
	VNPU_PARAM(sram_size, 4ull << 20, 64ull << 10, 1ull << 30),
	VNPU_PARAM(queue_depth, 64, 1, 4096),
	VNPU_PARAM(job_timeout_ms, 2000, 10, 600000),
};

/*
 * Read and check every parameter; a bad one fails probe with -EINVAL and names itself,
 * since a device silently running with a default the administrator did not ask for is
 * worse than no device.
 */
static int vnpu_parse_config(struct platform_device *pdev, struct vnpu_config *cfg)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(vnpu_params); i++) {
		const struct vnpu_param_desc *p = &vnpu_params[i];
		uint64_t *v = (uint64_t *)((char *)cfg + p->offset);

		if (platform_get_param_u64(pdev, p->key, p->def, v) || *v < p->min ||
		    *v > p->max) {
			DRM_ERROR("vnpu %s: invalid %s '%s': must be a number in [%llu, %llu]",
				  dev_name(&pdev->dev), p->key,
				  platform_get_param(pdev, p->key) ?: "",
				  (unsigned long long)p->min, (unsigned long long)p->max);
			return -EINVAL;
		}
	}
	return 0;
}

static struct vnpu_device *dev_to_vnpu(struct device *dev)
{
	return to_vnpu_device(platform_get_drvdata(to_platform_device(dev)));
}

static ssize_t vram_total_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	(void)attr;
	return snprintf(buf, PAGE_SIZE, "%llu\n",
			(unsigned long long)vnpu_vram_size(dev_to_vnpu(dev)));
}

static ssize_t vram_used_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	(void)attr;
	return snprintf(buf, PAGE_SIZE, "%llu\n",
			(unsigned long long)vnpu_vram_used(dev_to_vnpu(dev)));
}

static ssize_t compute_engines_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	(void)attr;
	return snprintf(buf, PAGE_SIZE, "%llu\n",
			(unsigned long long)dev_to_vnpu(dev)->cfg.compute_engines);
}

static ssize_t dma_engines_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	(void)attr;
	return snprintf(buf, PAGE_SIZE, "%llu\n",
			(unsigned long long)dev_to_vnpu(dev)->cfg.dma_engines);
}

static ssize_t queue_depth_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	(void)attr;
	return snprintf(buf, PAGE_SIZE, "%llu\n",
			(unsigned long long)atomic_load(&dev_to_vnpu(dev)->queue_limit));
}

static ssize_t job_timeout_ms_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	(void)attr;
	return snprintf(buf, PAGE_SIZE, "%llu\n",
			(unsigned long long)dev_to_vnpu(dev)->cfg.job_timeout_ms);
}

static ssize_t reset_count_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	(void)attr;
	return snprintf(buf, PAGE_SIZE, "%llu\n",
			(unsigned long long)atomic_load(&dev_to_vnpu(dev)->reset_count));
}

static ssize_t context_count_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	(void)attr;
	return snprintf(buf, PAGE_SIZE, "%d\n", atomic_load(&dev_to_vnpu(dev)->contexts));
}

static ssize_t user_queue_count_show(struct device *dev, struct device_attribute *attr,
				     char *buf)
{
	(void)attr;
	return snprintf(buf, PAGE_SIZE, "%d\n", atomic_load(&dev_to_vnpu(dev)->user_queues));
}

static DEVICE_ATTR_RO(user_queue_count);
static DEVICE_ATTR_RO(vram_total);
static DEVICE_ATTR_RO(job_timeout_ms);
static DEVICE_ATTR_RO(reset_count);
static DEVICE_ATTR_RO(context_count);
static DEVICE_ATTR_RO(vram_used);
static DEVICE_ATTR_RO(compute_engines);
static DEVICE_ATTR_RO(dma_engines);
static DEVICE_ATTR_RO(queue_depth);

static struct device_attribute *const vnpu_attrs[] = {
	&dev_attr_vram_total,
	&dev_attr_vram_used,
	&dev_attr_compute_engines,
	&dev_attr_dma_engines,
	&dev_attr_queue_depth,
	&dev_attr_job_timeout_ms,
	&dev_attr_reset_count,
	&dev_attr_context_count,
	&dev_attr_user_queue_count,
};

/* sysfs engines/<name>/: each engine's busy time, jobs run and resets. */
static int vnpu_engine_busy_us_show(struct seq_file *m)
{
	seq_printf(m, "%llu\n", (unsigned long long)(vnpu_engine_busy_ns(m->private) / 1000));
	return 0;
}

static int vnpu_engine_jobs_show(struct seq_file *m)
{
	struct vnpu_engine *e = m->private;

	seq_printf(m, "%llu\n", (unsigned long long)atomic_load(&e->jobs));
	return 0;
}

static int vnpu_engine_resets_show(struct seq_file *m)
{
	struct vnpu_engine *e = m->private;

	seq_printf(m, "%llu\n", (unsigned long long)atomic_load(&e->resets));
	return 0;
}

static int vnpu_engines_sysfs_init(struct vnpu_device *vdev)
{
	struct attr_node *dir;
	unsigned int k, i;

	vdev->engines_dir = attr_dir_create(device_attr_dir(&vdev->pdev->dev), "engines");
	if (IS_ERR_OR_NULL(vdev->engines_dir)) {
		vdev->engines_dir = NULL;
		return -ENOMEM;
	}
	for (k = 0; k < VNPU_NR_CLASSES; k++) {
		for (i = 0; i < vdev->nr_engines[k]; i++) {
			struct vnpu_engine *e = vdev->engines[k][i];

			dir = attr_dir_create(vdev->engines_dir, e->name);
			if (IS_ERR_OR_NULL(dir) ||
			    IS_ERR_OR_NULL(attr_file_create(dir, "busy_us", 0444,
							    vnpu_engine_busy_us_show, NULL, e)) ||
			    IS_ERR_OR_NULL(attr_file_create(dir, "jobs", 0444,
							    vnpu_engine_jobs_show, NULL, e)) ||
			    IS_ERR_OR_NULL(attr_file_create(dir, "resets", 0444,
							    vnpu_engine_resets_show, NULL, e)))
				return -ENOMEM;
		}
	}
	return 0;
}

static void vnpu_remove_files(struct platform_device *pdev, unsigned int n)
{
	while (n--)
		device_remove_file(&pdev->dev, vnpu_attrs[n]);
}

static void vnpu_engines_sysfs_remove(struct vnpu_device *vdev)
{
	if (vdev->engines_dir)
		attr_remove(vdev->engines_dir);
	vdev->engines_dir = NULL;
}

static int vnpu_probe(struct platform_device *pdev)
{
	struct vnpu_device *vdev;
	unsigned int n = 0;
	int err;

	vdev = calloc(1, sizeof(*vdev));
	if (!vdev)
		return -ENOMEM;
	/* A VF (its platform data is its slot on the PF) takes its shape from the PF. */
	if (pdev->dev.platform_data)
		err = vnpu_vf_probe_config(vdev, pdev->dev.platform_data);
	else
		err = vnpu_parse_config(pdev, &vdev->cfg);
	if (err)
		goto err_free;
	if (!vdev->vf) {
		vdev->vram_limit = vdev->cfg.vram_size;
		atomic_init(&vdev->queue_limit, vdev->cfg.queue_depth);
	}
	err = drm_dev_init(&vdev->drm, &vnpu_driver, &pdev->dev);
	if (err)
		goto err_free;
	/* From here the struct belongs to the DRM device: vnpu_release() frees it. */
	vdev->pdev = pdev;
	pthread_mutex_init(&vdev->vram_lock, NULL);
	pthread_mutex_init(&vdev->jobs_lock, NULL);
	pthread_cond_init(&vdev->jobs_freed, NULL);
	vnpu_job_history_init(&vdev->history);
	vnpu_coredump_init(&vdev->coredump);
	drm_mm_init(&vdev->vram_mm, 0, vdev->cfg.vram_size);
	/* vnpu_release() stops and frees what of the engines exists, whatever fails later. */
	err = vnpu_engines_init(vdev);
	if (err)
		goto err_put;
	vnpu_vm_debugfs_init(vdev);
	vnpu_debugfs_init(vdev);
	vnpu_coredump_debugfs_init(vdev);
	/* Set before the attributes exist: their show reads it. */
	platform_set_drvdata(pdev, &vdev->drm);
	for (n = 0; n < ARRAY_SIZE(vnpu_attrs); n++) {
		err = device_create_file(&pdev->dev, vnpu_attrs[n]);
		if (err)
			goto err_files;
	}
	err = vnpu_engines_sysfs_init(vdev);
	if (err)
		goto err_files;
	err = vnpu_vf_sysfs_init(vdev);
	if (err)
		goto err_files;
	err = drm_dev_register(&vdev->drm, 0);
	if (err)
		goto err_files;
	return 0;

err_files:
	vnpu_vf_sysfs_remove(vdev);
	vnpu_remove_files(pdev, n);
	platform_set_drvdata(pdev, NULL);
err_put:
	vnpu_engines_sysfs_remove(vdev);
	drm_dev_put(&vdev->drm);
	return err;

err_free:
	free(vdev);
	return err;
}

static void vnpu_remove(struct platform_device *pdev)
{
	struct drm_device *drm = platform_get_drvdata(pdev);

	/* VFs first, as the PCI core's driver removal disables SR-IOV before the PF goes. */
	vnpu_vf_sysfs_remove(to_vnpu_device(drm));
	/* Files first: their show dereferences the device that the put may free. */
	vnpu_remove_files(pdev, ARRAY_SIZE(vnpu_attrs));
	vnpu_engines_sysfs_remove(to_vnpu_device(drm));
	drm_dev_unplug(drm);
	/* Jobs in flight complete with -ENODEV now, not when the last client lets go. */
	vnpu_engines_stop(to_vnpu_device(drm));
	platform_set_drvdata(pdev, NULL);
	drm_dev_put(drm);
}

static struct platform_driver vnpu_platform_driver = {
	.probe = vnpu_probe,
	.remove = vnpu_remove,
	.driver = { .name = "vnpu" },
};

/**
 * vnpu_init() - register the vnpu platform driver (drivers/builtin.c calls it once)
 *
 * Return: 0 or a negative errno.
 */
int vnpu_init(void)
{
	return platform_driver_register(&vnpu_platform_driver);
}

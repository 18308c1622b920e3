// SPDX-License-Identifier: MIT
/*
 * vnpu: SR-IOV-style virtual functions, with the PCI core's sysfs interface.
 *
 * A PF made from configuration has sriov_totalvfs (its "sriov_totalvfs" parameter, default 8)
 * and sriov_numvfs. Writing N to sriov_numvfs makes N child platform devices "PF-vfI", each
 * probed by this same driver in VF mode: its own DRM device, accel minor and node, its own
 * address spaces, handle and mmap-offset spaces (a DRM device of its own gives it all of them),
 * its own engines, and a VRAM range carved out of the PF's VRAM (its quota). The rules are the
 * PCI core's sriov_numvfs_store(): the same count again is a no-op, 0 removes every VF (each is
 * unplugged: its clients get -ENODEV), another count while VFs exist is -EBUSY, more than
 * sriov_totalvfs is -ERANGE. Links as the kernel makes them: PF/virtfnI -> VF, VF/physfn -> PF.
 *
 * The PF provisions each VF: vram_quota, weight and queue_depth are attributes of the VF
 * (writable by the PF's owner), their initial values the PF's vf_* configuration keys (vfI_*
 * for one VF). reset on a VF is a function-level reset: the jobs running on its engines fail
 * with -EIO, its reset_count grows, other functions are not touched.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <accel/attr.h>
#include <accel/drm_print.h>
#include <accel/platform_device.h>
#include "vnpu_drv.h"
#include "vnpu_engine.h"
#include "vnpu_vf.h"

static struct vnpu_device *dev_vnpu(struct device *dev)
{
	return to_vnpu_device(platform_get_drvdata(to_platform_device(dev)));
}

/* A VF parameter from the PF's section: vfI_KEY, else vf_KEY, else @def; in [@min, @max]. */
static int vnpu_vf_param(struct platform_device *pf, unsigned int index, const char *key,
			 uint64_t def, uint64_t min, uint64_t max, uint64_t *out)
{
	char name[64];
	int err;

	snprintf(name, sizeof(name), "vf_%s", key);
	err = platform_get_param_u64(pf, name, def, out);
	if (!err) {
		snprintf(name, sizeof(name), "vf%u_%s", index, key);
		err = platform_get_param_u64(pf, name, *out, out);
	}
	if (err || *out < min || *out > max) {
		DRM_ERROR("vnpu %s: invalid VF %u %s: must be a number in [%llu, %llu]",
			  dev_name(&pf->dev), index, key, (unsigned long long)min,
			  (unsigned long long)max);
		return -EINVAL;
	}
	return 0;
}

static int vnpu_sriov_init(struct vnpu_device *pf)
{
	struct platform_device *pdev = pf->pdev;
	struct vnpu_sriov *sriov;
	uint64_t total, quota, weight, depth;
	unsigned int i;
	int err;

	if (platform_get_param_u64(pdev, "sriov_totalvfs", 8, &total) || total > VNPU_MAX_VFS) {
		DRM_ERROR("vnpu %s: invalid sriov_totalvfs: must be a number in [0, %u]",
			  dev_name(&pdev->dev), VNPU_MAX_VFS);
		return -EINVAL;
	}
	if (!total)
		return 0;
	sriov = calloc(1, sizeof(*sriov));
	if (!sriov)
		return -ENOMEM;
	sriov->vfs = calloc(total, sizeof(*sriov->vfs));
	if (!sriov->vfs) {
		free(sriov);
		return -ENOMEM;
	}
	sriov->totalvfs = (unsigned int)total;
	for (i = 0; i < sriov->totalvfs; i++) {
		struct vnpu_vf *vf = &sriov->vfs[i];

		/* Default quota: an equal share of VRAM, on the page tables' granule. */
		err = vnpu_vf_param(pdev, i, "vram_quota",
				    pf->cfg.vram_size / total & ~(VNPU_VRAM_ALIGN - 1),
				    VNPU_VRAM_ALIGN, pf->cfg.vram_size, &quota) ?:
		      vnpu_vf_param(pdev, i, "weight", 1, 1, VNPU_VF_MAX_WEIGHT, &weight) ?:
		      vnpu_vf_param(pdev, i, "queue_depth", pf->cfg.queue_depth, 1, 4096, &depth);
		if (err) {
			free(sriov->vfs);
			free(sriov);
			return err;
		}
		vf->pf = pf;
		vf->index = i;
		vf->vram_quota = (quota + VNPU_VRAM_ALIGN - 1) & ~(VNPU_VRAM_ALIGN - 1);
		atomic_init(&vf->weight, (unsigned int)weight);
		atomic_init(&vf->queue_depth, depth);
		atomic_init(&vf->share.busy_ns, 0);
	}
	vnpu_vf_arbiter_init(&sriov->arb, (unsigned int)pf->cfg.compute_engines,
			     (unsigned int)pf->cfg.dma_engines);
	pf->sriov = sriov;
	return 0;
}

/**
 * vnpu_sriov_fini() - free a PF's VF slots (device release; every VF is gone by then)
 * @pf: the device (a VF or a PF without VFs has nothing to free)
 */
void vnpu_sriov_fini(struct vnpu_device *pf)
{
	if (!pf->sriov)
		return;
	vnpu_vf_arbiter_fini(&pf->sriov->arb);
	free(pf->sriov->vfs);
	free(pf->sriov);
	pf->sriov = NULL;
}

/**
 * vnpu_vf_probe_config() - a VF's parameters: the PF's shape, its own VRAM quota and queue
 * limit
 * @vdev: the VF being probed
 * @vf: its slot on the PF (the VF platform device's platform data)
 *
 * Return: 0.
 */
int vnpu_vf_probe_config(struct vnpu_device *vdev, struct vnpu_vf *vf)
{
	vdev->vf = vf;
	vdev->cfg = vf->pf->cfg;
	pthread_mutex_lock(&vf->pf->vram_lock);
	vdev->vram_limit = vf->vram_quota;
	pthread_mutex_unlock(&vf->pf->vram_lock);
	atomic_init(&vdev->queue_limit, atomic_load(&vf->queue_depth));
	return 0;
}

static int vnpu_vf_carve(struct vnpu_vf *vf, uint64_t size)
{
	struct vnpu_device *pf = vf->pf;
	int err;

	pthread_mutex_lock(&pf->vram_lock);
	err = drm_mm_insert_node_in_range(&pf->vram_mm, &vf->carve, size, VNPU_VRAM_ALIGN, 0, 0,
					  pf->vram_limit, DRM_MM_INSERT_BEST);
	pthread_mutex_unlock(&pf->vram_lock);
	return err == -ENOSPC ? -ENOMEM : err;
}

static void vnpu_vf_uncarve(struct vnpu_vf *vf)
{
	pthread_mutex_lock(&vf->pf->vram_lock);
	if (drm_mm_node_allocated(&vf->carve))
		drm_mm_remove_node(&vf->carve);
	pthread_mutex_unlock(&vf->pf->vram_lock);
}

/* Unplug VF @vf: its clients see -ENODEV from now on, its running jobs end with -ENODEV. */
static void vnpu_vf_destroy(struct vnpu_vf *vf)
{
	char link[32];

	snprintf(link, sizeof(link), "virtfn%u", vf->index);
	attr_remove(attr_child(device_attr_dir(&vf->pf->pdev->dev), link));
	platform_device_unregister(vf->pdev);
	vf->pdev = NULL;
	vnpu_vf_uncarve(vf);
}

static int vnpu_vf_create(struct vnpu_vf *vf)
{
	struct platform_device *pfdev = vf->pf->pdev, *pdev;
	char link[32];
	int err;

	err = vnpu_vf_carve(vf, vf->vram_quota);
	if (err)
		return err;
	/* Named by the driver (the platform bus matches "vnpu"), then renamed "PF-vfI". */
	pdev = platform_device_alloc("vnpu", -1);
	if (!pdev) {
		err = -ENOMEM;
		goto err_uncarve;
	}
	err = dev_set_name(&pdev->dev, "%s-vf%u", dev_name(&pfdev->dev), vf->index);
	if (err)
		goto err_put;
	pdev->dev.parent = &pfdev->dev;
	pdev->dev.platform_data = vf;
	err = platform_device_add(pdev);
	if (err)
		goto err_put;
	if (!pdev->dev.driver) {
		/* The probe failed (and said why): the VF cannot be enabled. */
		platform_device_unregister(pdev);
		err = -EIO;
		goto err_uncarve;
	}
	vf->pdev = pdev;
	snprintf(link, sizeof(link), "virtfn%u", vf->index);
	if (IS_ERR_OR_NULL(attr_link_create(device_attr_dir(&pdev->dev), "physfn",
					    device_attr_dir(&pfdev->dev))) ||
	    IS_ERR_OR_NULL(attr_link_create(device_attr_dir(&pfdev->dev), link,
					    device_attr_dir(&pdev->dev)))) {
		vnpu_vf_destroy(vf);
		return -ENOMEM;
	}
	return 0;

err_put:
	platform_device_put(pdev);
err_uncarve:
	vnpu_vf_uncarve(vf);
	return err;
}

/* Device-model lock held. */
static void vnpu_sriov_disable(struct vnpu_sriov *sriov)
{
	while (atomic_load(&sriov->numvfs)) {
		unsigned int i = atomic_fetch_sub(&sriov->numvfs, 1) - 1;

		vnpu_vf_destroy(&sriov->vfs[i]);
	}
}

/* Device-model lock held; no VF enabled. */
static int vnpu_sriov_enable(struct vnpu_sriov *sriov, unsigned int n)
{
	int err;

	while (atomic_load(&sriov->numvfs) < n) {
		err = vnpu_vf_create(&sriov->vfs[atomic_load(&sriov->numvfs)]);
		if (err) {
			vnpu_sriov_disable(sriov);
			return err;
		}
		atomic_fetch_add(&sriov->numvfs, 1);
	}
	return 0;
}

static ssize_t sriov_totalvfs_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	(void)attr;
	return snprintf(buf, PAGE_SIZE, "%u\n", dev_vnpu(dev)->sriov->totalvfs);
}

/*
 * Read without the device-model lock: the attribute tree's publisher calls shows under the
 * tree's lock, which device_add() takes under the device-model lock.
 */
static ssize_t sriov_numvfs_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	(void)attr;
	return snprintf(buf, PAGE_SIZE, "%u\n", atomic_load(&dev_vnpu(dev)->sriov->numvfs));
}

/* Parse a sysfs number as kstrtoull(buf, 0) does: one trailing newline allowed. */
static int vnpu_parse_u64(const char *buf, size_t count, uint64_t *v)
{
	char tmp[32], *end;

	if (!count || count >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, buf, count);
	tmp[count] = 0;
	if (tmp[count - 1] == '\n')
		tmp[count - 1] = 0;
	if (!tmp[0] || tmp[0] == '-' || tmp[0] == '+')
		return -EINVAL;
	errno = 0;
	*v = strtoull(tmp, &end, 0);
	if (*end)
		return -EINVAL;
	return errno == ERANGE ? -ERANGE : 0;
}

/*
 * As the PCI core's sriov_numvfs_store(): the count the VFs already have is a no-op, 0
 * disables, any other count needs none enabled (-EBUSY) and at most sriov_totalvfs (-ERANGE).
 * The device-model lock (the kernel's device_lock) serialises stores and PF removal.
 */
static ssize_t sriov_numvfs_store(struct device *dev, struct device_attribute *attr,
				  const char *buf, size_t count)
{
	struct vnpu_sriov *sriov;
	uint64_t n;
	int err;

	(void)attr;
	err = vnpu_parse_u64(buf, count, &n);
	if (err)
		return err;
	if (n > UINT16_MAX)
		return -ERANGE;
	device_model_lock();
	if (!dev->driver) {
		err = -ENOENT;
		goto out;
	}
	sriov = dev_vnpu(dev)->sriov;
	if (n == atomic_load(&sriov->numvfs))
		goto out;
	if (!n) {
		vnpu_sriov_disable(sriov);
		goto out;
	}
	if (atomic_load(&sriov->numvfs)) {
		DRM_INFO("vnpu %s: %u VFs already enabled; disable before enabling %llu",
			 dev_name(dev), atomic_load(&sriov->numvfs), (unsigned long long)n);
		err = -EBUSY;
		goto out;
	}
	if (n > sriov->totalvfs) {
		err = -ERANGE;
		goto out;
	}
	err = vnpu_sriov_enable(sriov, (unsigned int)n);
out:
	device_model_unlock();
	return err ? err : (ssize_t)count;
}

static DEVICE_ATTR_RO(sriov_totalvfs);
static DEVICE_ATTR_RW(sriov_numvfs);

/* The VF's provisioning, as its PF set it. */
static ssize_t vram_quota_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	(void)attr;
	return snprintf(buf, PAGE_SIZE, "%llu\n",
			(unsigned long long)vnpu_vram_size(dev_vnpu(dev)));
}

/*
 * A new quota takes effect at once but only while the VF holds no VRAM (-EBUSY): a range the
 * VF's objects occupy cannot move. The carve-out is resized first; the VF's limit follows.
 */
static ssize_t vram_quota_store(struct device *dev, struct device_attribute *attr,
				const char *buf, size_t count)
{
	struct vnpu_device *vdev = dev_vnpu(dev);
	struct vnpu_vf *vf = vdev->vf;
	uint64_t size, old;
	int err;

	(void)attr;
	err = vnpu_parse_u64(buf, count, &size);
	if (err)
		return err;
	if (size < VNPU_VRAM_ALIGN || size > vf->pf->cfg.vram_size)
		return -EINVAL;
	size = (size + VNPU_VRAM_ALIGN - 1) & ~(VNPU_VRAM_ALIGN - 1);
	pthread_mutex_lock(&vdev->vram_lock);
	if (drm_mm_used_bytes(&vdev->vram_mm)) {
		pthread_mutex_unlock(&vdev->vram_lock);
		return -EBUSY;
	}
	pthread_mutex_lock(&vf->pf->vram_lock);
	old = vf->vram_quota;
	drm_mm_remove_node(&vf->carve);
	err = drm_mm_insert_node_in_range(&vf->pf->vram_mm, &vf->carve, size, VNPU_VRAM_ALIGN, 0,
					  0, vf->pf->vram_limit, DRM_MM_INSERT_BEST);
	if (err) {
		/* The old range was free a moment ago, under the same lock: it fits again. */
		drm_mm_insert_node_in_range(&vf->pf->vram_mm, &vf->carve, old, VNPU_VRAM_ALIGN, 0,
					    0, vf->pf->vram_limit, DRM_MM_INSERT_BEST);
		err = -ENOMEM;
	} else {
		vf->vram_quota = size;
		vdev->vram_limit = size;
	}
	pthread_mutex_unlock(&vf->pf->vram_lock);
	pthread_mutex_unlock(&vdev->vram_lock);
	return err ? err : (ssize_t)count;
}

static ssize_t weight_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	(void)attr;
	return snprintf(buf, PAGE_SIZE, "%u\n", atomic_load(&dev_vnpu(dev)->vf->weight));
}

static ssize_t weight_store(struct device *dev, struct device_attribute *attr, const char *buf,
			    size_t count)
{
	uint64_t w;
	int err;

	(void)attr;
	err = vnpu_parse_u64(buf, count, &w);
	if (err)
		return err;
	if (!w || w > VNPU_VF_MAX_WEIGHT)
		return -EINVAL;
	atomic_store(&dev_vnpu(dev)->vf->weight, (unsigned int)w);
	return (ssize_t)count;
}

static ssize_t queue_limit_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	(void)attr;
	return snprintf(buf, PAGE_SIZE, "%llu\n",
			(unsigned long long)atomic_load(&dev_vnpu(dev)->queue_limit));
}

/* Takes effect for the next SUBMIT; jobs already queued beyond a lower limit still run. */
static ssize_t queue_limit_store(struct device *dev, struct device_attribute *attr,
				 const char *buf, size_t count)
{
	struct vnpu_device *vdev = dev_vnpu(dev);
	uint64_t n;
	int err;

	(void)attr;
	err = vnpu_parse_u64(buf, count, &n);
	if (err)
		return err;
	if (!n || n > 4096)
		return -EINVAL;
	atomic_store(&vdev->vf->queue_depth, n);
	atomic_store(&vdev->queue_limit, n);
	return (ssize_t)count;
}

/*
 * Function-level reset: every engine of the VF loses its running job (-EIO), as an FLR
 * resets only the function's own state. Queued jobs run after it; other functions' engines
 * are not touched.
 */
static ssize_t reset_store(struct device *dev, struct device_attribute *attr, const char *buf,
			   size_t count)
{
	struct vnpu_device *vdev = dev_vnpu(dev);
	unsigned int k, i;
	uint64_t v;
	int err;

	(void)attr;
	err = vnpu_parse_u64(buf, count, &v);
	if (err)
		return err;
	if (v != 1)
		return -EINVAL;
	for (k = 0; k < VNPU_NR_CLASSES; k++)
		for (i = 0; i < vdev->nr_engines[k]; i++)
			vnpu_engine_reset(vdev->engines[k][i], -EIO);
	return (ssize_t)count;
}

/* PF engine time the VF's jobs held, in microseconds. */
static ssize_t engine_busy_us_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	(void)attr;
	return snprintf(buf, PAGE_SIZE, "%llu\n",
			(unsigned long long)(atomic_load(&dev_vnpu(dev)->vf->share.busy_ns) / 1000));
}

static DEVICE_ATTR_RO(engine_busy_us);
static DEVICE_ATTR_RW(vram_quota);
static DEVICE_ATTR_RW(weight);
static DEVICE_ATTR_RW(queue_limit);
static struct device_attribute dev_attr_reset = {
	.name = "reset", .mode = 0200, .store = reset_store,
};

static struct device_attribute *const vnpu_pf_attrs[] = {
	&dev_attr_sriov_totalvfs,
	&dev_attr_sriov_numvfs,
};

static struct device_attribute *const vnpu_vf_attrs[] = {
	&dev_attr_vram_quota,
	&dev_attr_weight,
	&dev_attr_queue_limit,
	&dev_attr_reset,
	&dev_attr_engine_busy_us,
};

/**
 * vnpu_vf_sysfs_init() - a PF's sriov_* attributes (and its VF slots), or a VF's provisioning
 * and reset attributes
 * @vdev: the device being probed, its drvdata set
 *
 * Return: 0 or a negative errno (vnpu_vf_sysfs_remove() undoes what was made).
 */
int vnpu_vf_sysfs_init(struct vnpu_device *vdev)
{
	struct device *dev = &vdev->pdev->dev;
	int err;

	if (vdev->vf) {
		for (unsigned int i = 0; i < ARRAY_SIZE(vnpu_vf_attrs); i++) {
			err = device_create_file(dev, vnpu_vf_attrs[i]);
			if (err)
				return err;
		}
		return 0;
	}
	err = vnpu_sriov_init(vdev);
	if (err || !vdev->sriov)
		return err;
	for (unsigned int i = 0; i < ARRAY_SIZE(vnpu_pf_attrs); i++) {
		err = device_create_file(dev, vnpu_pf_attrs[i]);
		if (err)
			return err;
	}
	return 0;
}

/**
 * vnpu_vf_sysfs_remove() - unplug a PF's VFs and remove the attributes vnpu_vf_sysfs_init()
 * made (those it made, after a failed probe)
 * @vdev: the device being removed
 */
void vnpu_vf_sysfs_remove(struct vnpu_device *vdev)
{
	struct device *dev = &vdev->pdev->dev;

	if (vdev->vf) {
		for (unsigned int i = 0; i < ARRAY_SIZE(vnpu_vf_attrs); i++)
			device_remove_file(dev, vnpu_vf_attrs[i]);
		return;
	}
	if (!vdev->sriov)
		return;
	for (unsigned int i = 0; i < ARRAY_SIZE(vnpu_pf_attrs); i++)
		device_remove_file(dev, vnpu_pf_attrs[i]);
	device_model_lock();
	vnpu_sriov_disable(vdev->sriov);
	device_model_unlock();
}

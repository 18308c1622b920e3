// SPDX-License-Identifier: MIT
/*
 * vtrain: the training data-centre card, device skeleton. A platform driver whose
 * configuration section gives the card's shape (hbm_size, job_timeout_ms) and its place in
 * the host's scale-up domain (group, card, cards, links = mesh|ring); probe sets up HBM, the
 * engine and its scheduler ring, and registers an accel device whose ioctls are the uAPI
 * of include/uapi/drm/vtrain_accel.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <accel/attr.h>
#include <accel/drm_accel.h>
#include <accel/drm_drv.h>
#include <accel/drm_file.h>
#include <accel/drm_ioctl.h>
#include <accel/drm_print.h>
#include <accel/platform_device.h>
#include "vtrain.h"
#include "vtrain_comm.h"
#include "vtrain_drv.h"
#include "vtrain_group.h"

DEFINE_DRM_ACCEL_FOPS(vtrain_accel_fops);

static int vtrain_get_param_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct vtrain_device *vdev = to_vtrain_device(dev);
	struct drm_vtrain_get_param *args = data;

	(void)file;
	if (args->pad)
		return -EINVAL;
	switch (args->param) {
	case VTRAIN_PARAM_HBM_SIZE:
		args->value = vdev->cfg.hbm_size;
		break;
	case VTRAIN_PARAM_HBM_USED:
		args->value = vtrain_hbm_used(vdev);
		break;
	case VTRAIN_PARAM_COMPUTE_ENGINES:
		args->value = VTRAIN_COMPUTE_ENGINES;
		break;
	case VTRAIN_PARAM_DMA_ENGINES:
		args->value = VTRAIN_DMA_ENGINES;
		break;
	case VTRAIN_PARAM_LINKS:
		/* Ports wired to a peer: every other card of a mesh, the two neighbours of a ring. */
		if (vdev->cfg.cards < 2)
			args->value = 0;
		else if (vdev->cfg.topology == VTRAIN_TOPO_MESH || vdev->cfg.cards == 2)
			args->value = vdev->cfg.cards - 1;
		else
			args->value = 2;
		break;
	case VTRAIN_PARAM_CARD_INDEX:
		args->value = vdev->cfg.card;
		break;
	case VTRAIN_PARAM_HOST_CARDS:
		args->value = vdev->cfg.cards;
		break;
	case VTRAIN_PARAM_HOST_RANK:
		args->value = 0;
		break;
	case VTRAIN_PARAM_JOB_TIMEOUT_MS:
		args->value = vdev->cfg.job_timeout_ms;
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

static const struct drm_ioctl_desc vtrain_ioctls[] = {
	DRM_IOCTL_DEF_DRV(VTRAIN_GET_PARAM, vtrain_get_param_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VTRAIN_BO_CREATE, vtrain_bo_create_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VTRAIN_BO_INFO, vtrain_bo_info_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV_LAYOUT(VTRAIN_SUBMIT, vtrain_submit_ioctl, DRM_RENDER_ALLOW,
				 &vtrain_submit_layout),
	DRM_IOCTL_DEF_DRV_LAYOUT(VTRAIN_COMM_CREATE, vtrain_comm_create_ioctl, DRM_RENDER_ALLOW,
				 &vtrain_comm_create_layout),
	DRM_IOCTL_DEF_DRV(VTRAIN_COMM_DESTROY, vtrain_comm_destroy_ioctl, DRM_RENDER_ALLOW),
};

/* Last put of the DRM device: every object and file is gone. */
static void vtrain_release(struct drm_device *drm)
{
	struct vtrain_device *vdev = to_vtrain_device(drm);

	vtrain_sched_fini(vdev);
	vtrain_group_leave(vdev);
	drm_mm_takedown(&vdev->hbm_mm);
	pthread_cond_destroy(&vdev->engine_cond);
	pthread_mutex_destroy(&vdev->engine_lock);
	pthread_mutex_destroy(&vdev->hbm_lock);
	free(vdev);
}

/* debugfs link_down / link_up: "<peer card>" takes the link to that card down or up. */
static ssize_t vtrain_link_store(struct vtrain_device *vdev, bool up, const char *buf, size_t len)
{
	char text[16];
	char *end;
	unsigned long peer;
	struct vtrain_link *link;

	if (!len || len >= sizeof(text) || !vdev->group)
		return -EINVAL;
	memcpy(text, buf, len);
	text[len] = '\0';
	peer = strtoul(text, &end, 10);
	if (end == text || (*end && *end != '\n'))
		return -EINVAL;
	link = vtrain_topo_link(&vdev->group->topo, (unsigned int)vdev->cfg.card,
				(unsigned int)peer);
	if (!link)
		return -ENOLINK;
	vtrain_link_set_up(link, up);
	return (ssize_t)len;
}

static ssize_t vtrain_link_down_store(struct attr_node *node, void *private, const char *buf,
				      size_t len)
{
	(void)node;
	return vtrain_link_store(private, false, buf, len);
}

static ssize_t vtrain_link_up_store(struct attr_node *node, void *private, const char *buf,
				    size_t len)
{
	(void)node;
	return vtrain_link_store(private, true, buf, len);
}

static int vtrain_links_show(struct seq_file *m)
{
	struct vtrain_device *vdev = m->private;
	struct vtrain_topo *topo = &vdev->group->topo;

	for (unsigned int i = 0; i < topo->nlinks; i++) {
		struct vtrain_link *l = &topo->links[i];

		if (l->a != vdev->cfg.card && l->b != vdev->cfg.card)
			continue;
		seq_printf(m, "%u-%u %s %s bytes %llu errors %llu\n", l->a, l->b, l->ops->kind,
			   vtrain_link_is_up(l) ? "up" : "down",
			   (unsigned long long)atomic_load(&l->bytes),
			   (unsigned long long)atomic_load(&l->errors));
	}
	return 0;
}

static int vtrain_write_only_show(struct seq_file *m)
{
	(void)m;
	return 0;
}

static void vtrain_debugfs_init(struct vtrain_device *vdev)
{
	struct attr_node *root = vdev->drm.debugfs_root;

	if (!root)
		return;
	attr_file_create(root, "links", 0444, vtrain_links_show, NULL, vdev);
	attr_file_create(root, "link_down", 0200, vtrain_write_only_show, vtrain_link_down_store, vdev);
	attr_file_create(root, "link_up", 0200, vtrain_write_only_show, vtrain_link_up_store, vdev);
}

static const struct drm_driver vtrain_driver = {
	.driver_features = DRIVER_COMPUTE_ACCEL | DRIVER_GEM | DRIVER_SYNCOBJ |
			   DRIVER_SYNCOBJ_TIMELINE,
	.fops = &vtrain_accel_fops,
	.ioctls = vtrain_ioctls,
	.num_ioctls = ARRAY_SIZE(vtrain_ioctls),
	.open = vtrain_file_open,
	.postclose = vtrain_file_postclose,
	.release = vtrain_release,
	.show_fdinfo = vtrain_show_fdinfo,
	.gem_create_object = vtrain_gem_create_object,
	DRM_GEM_SHMEM_DRIVER_OPS,
	.name = "vtrain",
	.desc = "Virtual training accelerator",
	.date = "20261203",
	.major = 1,
	.minor = 0,
	.patchlevel = 0,
};

/* One numeric parameter of the config section: key, default, allowed range. */
struct vtrain_param_desc {
	const char *key;
	uint64_t def;
	uint64_t min;
	uint64_t max;
	size_t offset;
};

#define VTRAIN_PARAM(_key, _def, _min, _max) \
	{ #_key, (_def), (_min), (_max), offsetof(struct vtrain_config, _key) }

static const struct vtrain_param_desc vtrain_params[] = {
	/* 64 MiB to 1 TiB, a multiple of 64 KiB: lazily backed, so large costs nothing. */
	VTRAIN_PARAM(hbm_size, 16ull << 30, 64ull << 20, 1ull << 40),
	VTRAIN_PARAM(job_timeout_ms, 5000, 10, 600000),
	VTRAIN_PARAM(card, 0, 0, VTRAIN_TOPO_MAX_CARDS - 1),
	VTRAIN_PARAM(cards, 1, 1, VTRAIN_TOPO_MAX_CARDS),
};

/* A bad parameter fails probe with -EINVAL, naming itself (as vnpu does). */
static int vtrain_parse_config(struct platform_device *pdev, struct vtrain_config *cfg)
{
	const char *links = platform_get_param(pdev, "links");
	const char *group = platform_get_param(pdev, "group");

	for (unsigned int i = 0; i < ARRAY_SIZE(vtrain_params); i++) {
		const struct vtrain_param_desc *p = &vtrain_params[i];
		uint64_t *v = (uint64_t *)((char *)cfg + p->offset);

		if (platform_get_param_u64(pdev, p->key, p->def, v) || *v < p->min ||
		    *v > p->max || (p->offset == offsetof(struct vtrain_config, hbm_size) &&
				    *v % VTRAIN_BO_ALIGN)) {
			DRM_ERROR("vtrain %s: invalid %s '%s': must be a number in [%llu, %llu]",
				  dev_name(&pdev->dev), p->key,
				  platform_get_param(pdev, p->key) ?: "",
				  (unsigned long long)p->min, (unsigned long long)p->max);
			return -EINVAL;
		}
	}
	if (cfg->card >= cfg->cards) {
		DRM_ERROR("vtrain %s: card %llu is not below cards %llu", dev_name(&pdev->dev),
			  (unsigned long long)cfg->card, (unsigned long long)cfg->cards);
		return -EINVAL;
	}
	if (vtrain_topology_parse(links ? links : "mesh", &cfg->topology)) {
		DRM_ERROR("vtrain %s: invalid links '%s': must be mesh or ring",
			  dev_name(&pdev->dev), links);
		return -EINVAL;
	}
	if (group && strlen(group) >= sizeof(cfg->group)) {
		DRM_ERROR("vtrain %s: group name too long", dev_name(&pdev->dev));
		return -EINVAL;
	}
	snprintf(cfg->group, sizeof(cfg->group), "%s", group ? group : "vtrain");
	return 0;
}

static int vtrain_probe(struct platform_device *pdev)
{
	struct vtrain_device *vdev;
	int err;

	vdev = calloc(1, sizeof(*vdev));
	if (!vdev)
		return -ENOMEM;
	err = vtrain_parse_config(pdev, &vdev->cfg);
	if (err)
		goto err_free;
	err = drm_dev_init(&vdev->drm, &vtrain_driver, &pdev->dev);
	if (err)
		goto err_free;
	/* From here the struct belongs to the DRM device: vtrain_release() frees it. */
	vdev->pdev = pdev;
	pthread_mutex_init(&vdev->hbm_lock, NULL);
	pthread_mutex_init(&vdev->engine_lock, NULL);
	pthread_cond_init(&vdev->engine_cond, NULL);
	drm_mm_init(&vdev->hbm_mm, VTRAIN_HBM_BASE, vdev->cfg.hbm_size);
	err = vtrain_group_join(vdev);
	if (err) {
		DRM_ERROR("vtrain %s: cannot join group '%s' as card %llu: %d",
			  dev_name(&pdev->dev), vdev->cfg.group,
			  (unsigned long long)vdev->cfg.card, err);
		goto err_put;
	}
	err = vtrain_sched_init(vdev);
	if (err)
		goto err_put;
	vtrain_debugfs_init(vdev);
	platform_set_drvdata(pdev, &vdev->drm);
	err = vtrain_sysfs_init(vdev);
	if (!err)
		err = drm_dev_register(&vdev->drm, 0);
	if (err)
		goto err_unset;
	return 0;

err_unset:
	vtrain_sysfs_fini(vdev);
	platform_set_drvdata(pdev, NULL);
err_put:
	drm_dev_put(&vdev->drm);
	return err;

err_free:
	free(vdev);
	return err;
}

static void vtrain_remove(struct platform_device *pdev)
{
	struct drm_device *drm = platform_get_drvdata(pdev);

	/* Files first: their show reads links that the last put may free with the group. */
	vtrain_sysfs_fini(to_vtrain_device(drm));
	drm_dev_unplug(drm);
	/* The job on the engine finishes now, not when the last client lets go. */
	vtrain_sched_fini(to_vtrain_device(drm));
	platform_set_drvdata(pdev, NULL);
	drm_dev_put(drm);
}

static struct platform_driver vtrain_platform_driver = {
	.probe = vtrain_probe,
	.remove = vtrain_remove,
	.driver = { .name = "vtrain" },
};

/**
 * vtrain_init() - register the vtrain platform driver (drivers/builtin.c calls it once)
 *
 * Return: 0 or a negative errno.
 */
int vtrain_init(void)
{
	return platform_driver_register(&vtrain_platform_driver);
}

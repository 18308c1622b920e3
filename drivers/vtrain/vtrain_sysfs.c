// SPDX-License-Identifier: MIT
/*
 * vtrain: per-link telemetry in sysfs, devices/platform/<card>/links/<peer>/{state, kind,
 * bytes, errors}: one directory per link port of this card wired to a peer card, read from
 * the link's atomic counters (docs/vtrain.md).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <accel/attr.h>
#include <accel/device.h>
#include <accel/platform_device.h>
#include "vtrain_drv.h"
#include "vtrain_group.h"

static int vtrain_link_state_show(struct seq_file *m)
{
	seq_printf(m, "%s\n", vtrain_link_is_up(m->private) ? "up" : "down");
	return 0;
}

static int vtrain_link_kind_show(struct seq_file *m)
{
	struct vtrain_link *link = m->private;

	seq_printf(m, "%s\n", link->ops->kind);
	return 0;
}

static int vtrain_link_bytes_show(struct seq_file *m)
{
	struct vtrain_link *link = m->private;

	seq_printf(m, "%llu\n", (unsigned long long)atomic_load(&link->bytes));
	return 0;
}

static int vtrain_link_errors_show(struct seq_file *m)
{
	struct vtrain_link *link = m->private;

	seq_printf(m, "%llu\n", (unsigned long long)atomic_load(&link->errors));
	return 0;
}

/**
 * vtrain_sysfs_init() - links/<peer>/ for every link of this card
 * @vdev: the device, in its group
 *
 * Return: 0 or -ENOMEM (what was made stays for vtrain_sysfs_fini()).
 */
int vtrain_sysfs_init(struct vtrain_device *vdev)
{
	struct attr_node *dir = device_attr_dir(&vdev->pdev->dev);
	struct vtrain_topo *topo = &vdev->group->topo;
	unsigned int me = (unsigned int)vdev->cfg.card;

	vdev->links_dir = attr_dir_create(dir, "links");
	if (IS_ERR_OR_NULL(vdev->links_dir)) {
		vdev->links_dir = NULL;
		return -ENOMEM;
	}
	for (unsigned int peer = 0; peer < topo->ncards; peer++) {
		struct vtrain_link *link = peer == me ? NULL : vtrain_topo_link(topo, me, peer);
		struct attr_node *ld;
		char name[16];

		if (!link)
			continue;
		snprintf(name, sizeof(name), "%u", peer);
		ld = attr_dir_create(vdev->links_dir, name);
		if (IS_ERR_OR_NULL(ld) ||
		    IS_ERR_OR_NULL(attr_file_create(ld, "state", 0444, vtrain_link_state_show,
						    NULL, link)) ||
		    IS_ERR_OR_NULL(attr_file_create(ld, "kind", 0444, vtrain_link_kind_show,
						    NULL, link)) ||
		    IS_ERR_OR_NULL(attr_file_create(ld, "bytes", 0444, vtrain_link_bytes_show,
						    NULL, link)) ||
		    IS_ERR_OR_NULL(attr_file_create(ld, "errors", 0444, vtrain_link_errors_show,
						    NULL, link)))
			return -ENOMEM;
	}
	return 0;
}

/** vtrain_sysfs_fini() - remove what vtrain_sysfs_init() made. @vdev: the device */
void vtrain_sysfs_fini(struct vtrain_device *vdev)
{
	attr_remove(vdev->links_dir);
	vdev->links_dir = NULL;
}

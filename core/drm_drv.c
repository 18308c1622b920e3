// SPDX-License-Identifier: MIT
/*
 * Device lifetime and minors.
 *
 * As in the kernel a minor goes through three states: reserved at drm_dev_init() (its
 * number taken, nothing to open), registered (openable) from drm_dev_register() until
 * drm_dev_unregister(), and freed (the number reusable) at the device's last put.
 * minor_lock guards both minor tables.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include <accel/drm_accel.h>
#include <accel/drm_drv.h>
#include <accel/drm_gem.h>
#include <accel/drm_print.h>
#include "drm_internal.h"

#define DRM_MINOR_SLOTS 256

enum minor_slot_state { SLOT_FREE, SLOT_RESERVED, SLOT_REGISTERED };

struct minor_slot {
	enum minor_slot_state state;
	struct drm_minor *minor;
};

static pthread_mutex_t minor_lock = PTHREAD_MUTEX_INITIALIZER;
static struct minor_slot minor_tables[2][DRM_MINOR_SLOTS];

/* Serialises unplug against drm_dev_enter() sections of every device, like the kernel's SRCU. */
static pthread_rwlock_t drm_unplug_lock = PTHREAD_RWLOCK_INITIALIZER;

static pthread_once_t drm_core_once = PTHREAD_ONCE_INIT;
static int drm_core_init_error;
static struct class drm_class;

static char *drm_devnode(const struct device *dev, umode_t *mode)
{
	char *p;

	(void)mode;
	return asprintf(&p, "dri/%s", dev_name(dev)) < 0 ? NULL : p;
}

static struct class drm_class = {
	.name = "drm",
	.devnode = drm_devnode,
};

static const struct device_type drm_minor_type = { .name = "drm_minor" };

/**
 * drm_stub_open_minor() - the open of a major's char device: find the minor's driver in
 * @table and continue with the driver's fops, as the kernel's drm_stub_open and
 * accel_stub_open do.
 * @table: the DRM or the accel minor table
 * @inode: the node opened
 * @filp: the file being opened
 *
 * Return: 0 or a negative errno (-ENODEV for a minor nobody serves).
 */
int drm_stub_open_minor(enum drm_minor_table table, struct inode *inode, struct file *filp)
{
	struct drm_minor *minor;
	int err;

	minor = drm_minor_acquire(table, iminor(inode));
	if (IS_ERR(minor))
		return PTR_ERR(minor);
	if (!minor->dev->driver->fops) {
		err = -ENODEV;
		goto out;
	}
	filp->f_op = minor->dev->driver->fops;
	err = filp->f_op->open ? filp->f_op->open(inode, filp) : 0;
out:
	drm_minor_release(minor);
	return err;
}

/* The open of major 226. */
static int drm_stub_open(struct inode *inode, struct file *filp)
{
	return drm_stub_open_minor(DRM_MINOR_TABLE_DRM, inode, filp);
}

static const struct file_operations drm_stub_fops = {
	.open = drm_stub_open,
};

static void drm_core_init_once(void)
{
	drm_core_init_error = class_register(&drm_class);
	if (!drm_core_init_error)
		drm_core_init_error = register_chrdev_fops(DRM_MAJOR, "drm", &drm_stub_fops);
	if (!drm_core_init_error)
		drm_core_init_error = accel_core_init();
}

/** drm_core_init() - register the classes and char majors (once). */
int drm_core_init(void)
{
	pthread_once(&drm_core_once, drm_core_init_once);
	return drm_core_init_error;
}

static enum drm_minor_table drm_minor_table_of(enum drm_minor_type type)
{
	return type == DRM_MINOR_ACCEL ? DRM_MINOR_TABLE_ACCEL : DRM_MINOR_TABLE_DRM;
}

static struct drm_minor **drm_minor_slot(struct drm_device *dev, enum drm_minor_type type)
{
	switch (type) {
	case DRM_MINOR_PRIMARY:
		return &dev->primary;
	case DRM_MINOR_RENDER:
		return &dev->render;
	case DRM_MINOR_ACCEL:
		return &dev->accel;
	default:
		return NULL;
	}
}

static void drm_minor_kdev_release(struct device *kdev)
{
	free(kdev);
}

static int drm_minor_alloc(struct drm_device *dev, enum drm_minor_type type)
{
	struct minor_slot *table = minor_tables[drm_minor_table_of(type)];
	int first, last, index = -1, i, err;
	struct drm_minor *minor;
	struct device *kdev;

	switch (type) {
	case DRM_MINOR_PRIMARY: first = 0; last = 63; break;
	case DRM_MINOR_RENDER: first = 128; last = 191; break;
	case DRM_MINOR_ACCEL: first = 0; last = ACCEL_MAX_MINORS - 1; break;
	default: return -EINVAL;
	}
	minor = calloc(1, sizeof(*minor));
	kdev = calloc(1, sizeof(*kdev));
	if (!minor || !kdev) {
		err = -ENOMEM;
		goto err_free;
	}
	pthread_mutex_lock(&minor_lock);
	for (i = first; i <= last; i++) {
		if (table[i].state == SLOT_FREE) {
			index = i;
			table[i].state = SLOT_RESERVED;
			table[i].minor = minor;
			break;
		}
	}
	pthread_mutex_unlock(&minor_lock);
	if (index < 0) {
		drm_err(dev, "no free %s minor (all %d in use)",
			type == DRM_MINOR_ACCEL ? "accel" : type == DRM_MINOR_RENDER ? "render" : "card",
			last - first + 1);
		err = -ENOSPC;
		goto err_free;
	}
	minor->index = index;
	minor->type = type;
	minor->dev = dev;
	minor->kdev = kdev;

	device_initialize(kdev);
	kdev->parent = dev->dev;
	kdev->release = drm_minor_kdev_release;
	if (type == DRM_MINOR_ACCEL) {
		kdev->class = accel_class_get();
		kdev->type = accel_minor_type();
		kdev->devt = makedev(ACCEL_MAJOR, index);
		err = dev_set_name(kdev, "accel%d", index);
	} else {
		kdev->class = &drm_class;
		kdev->type = &drm_minor_type;
		kdev->devt = makedev(DRM_MAJOR, index);
		err = type == DRM_MINOR_RENDER ? dev_set_name(kdev, "renderD%d", index) :
						 dev_set_name(kdev, "card%d", index);
	}
	dev_set_drvdata(kdev, minor);
	if (err) {
		pthread_mutex_lock(&minor_lock);
		table[index] = (struct minor_slot){ SLOT_FREE, NULL };
		pthread_mutex_unlock(&minor_lock);
		put_device(kdev);
		free(minor);
		return err;
	}
	*drm_minor_slot(dev, type) = minor;
	return 0;

err_free:
	free(kdev);
	free(minor);
	return err;
}

static void drm_minor_free(struct drm_device *dev, enum drm_minor_type type)
{
	struct drm_minor **slot = drm_minor_slot(dev, type);
	struct drm_minor *minor = *slot;

	if (!minor)
		return;
	pthread_mutex_lock(&minor_lock);
	minor_tables[drm_minor_table_of(type)][minor->index] = (struct minor_slot){ SLOT_FREE, NULL };
	pthread_mutex_unlock(&minor_lock);
	put_device(minor->kdev);
	free(minor);
	*slot = NULL;
}

static int drm_minor_register(struct drm_device *dev, enum drm_minor_type type)
{
	struct drm_minor *minor = *drm_minor_slot(dev, type);
	int err;

	if (!minor)
		return 0;
	if (type != DRM_MINOR_ACCEL)
		drm_debugfs_register_minor(minor, drm_debugfs_root(DRM_MINOR_TABLE_DRM));
	else
		drm_debugfs_register_minor(minor, drm_debugfs_root(DRM_MINOR_TABLE_ACCEL));
	/*
	 * Openable before the node appears: here device_add() publishes the node at once (the
	 * kernel's udev does it later), and a client that sees the node must be able to open it.
	 */
	pthread_mutex_lock(&minor_lock);
	minor_tables[drm_minor_table_of(type)][minor->index].state = SLOT_REGISTERED;
	pthread_mutex_unlock(&minor_lock);
	err = device_add(minor->kdev);
	if (err) {
		pthread_mutex_lock(&minor_lock);
		minor_tables[drm_minor_table_of(type)][minor->index].state = SLOT_RESERVED;
		pthread_mutex_unlock(&minor_lock);
		drm_debugfs_unregister_minor(minor);
		return err;
	}
	return 0;
}

static void drm_minor_unregister(struct drm_device *dev, enum drm_minor_type type)
{
	struct drm_minor *minor = *drm_minor_slot(dev, type);
	struct minor_slot *slot;
	bool was_registered;

	if (!minor)
		return;
	pthread_mutex_lock(&minor_lock);
	slot = &minor_tables[drm_minor_table_of(type)][minor->index];
	was_registered = slot->state == SLOT_REGISTERED;
	if (was_registered)
		slot->state = SLOT_RESERVED;
	pthread_mutex_unlock(&minor_lock);
	if (!was_registered)
		return;
	device_del(minor->kdev);
	drm_debugfs_unregister_minor(minor);
}

/**
 * drm_minor_acquire() - the registered minor @index of @table with a device reference.
 * Returns ERR_PTR(-ENODEV) for a free, reserved or unplugged minor.
 */
struct drm_minor *drm_minor_acquire(enum drm_minor_table table, unsigned int index)
{
	struct drm_minor *minor = NULL;

	if (index >= DRM_MINOR_SLOTS)
		return ERR_PTR(-ENODEV);
	pthread_mutex_lock(&minor_lock);
	if (minor_tables[table][index].state == SLOT_REGISTERED) {
		minor = minor_tables[table][index].minor;
		drm_dev_get(minor->dev);
	}
	pthread_mutex_unlock(&minor_lock);
	if (!minor)
		return ERR_PTR(-ENODEV);
	if (drm_dev_is_unplugged(minor->dev)) {
		drm_dev_put(minor->dev);
		return ERR_PTR(-ENODEV);
	}
	return minor;
}

/** drm_minor_release() - drop the reference drm_minor_acquire() took. */
void drm_minor_release(struct drm_minor *minor)
{
	drm_dev_put(minor->dev);
}

static void drm_dev_fini(struct drm_device *dev)
{
	drm_debugfs_dev_fini(dev);
	drm_minor_free(dev, DRM_MINOR_ACCEL);
	drm_minor_free(dev, DRM_MINOR_PRIMARY);
	drm_minor_free(dev, DRM_MINOR_RENDER);
	free(dev->unique);
	dev->unique = NULL;
	put_device(dev->dev);
	dev->dev = NULL;
	pthread_mutex_destroy(&dev->filelist_mutex);
	drm_master_dev_fini(dev);
	pthread_mutex_destroy(&dev->master_mutex);
	drm_gem_destroy(dev);
}

int drm_dev_init(struct drm_device *dev, const struct drm_driver *driver, struct device *parent)
{
	unsigned int f;
	int err;

	if (!parent || !driver || !driver->name) {
		DRM_ERROR("drm_dev_init: a device needs a driver with a name and a parent device");
		return -EINVAL;
	}
	err = drm_core_init();
	if (err)
		return err;
	f = driver->driver_features;
	if ((f & DRIVER_COMPUTE_ACCEL) && (f & (DRIVER_RENDER | DRIVER_MODESET))) {
		DRM_ERROR("DRM driver can't be both a compute acceleration and graphics driver: "
			  "%s sets DRIVER_COMPUTE_ACCEL together with %s", driver->name,
			  (f & DRIVER_RENDER) && (f & DRIVER_MODESET) ? "DRIVER_RENDER and DRIVER_MODESET" :
			  f & DRIVER_RENDER ? "DRIVER_RENDER" : "DRIVER_MODESET");
		return -EINVAL;
	}
	memset(dev, 0, sizeof(*dev));
	kref_init(&dev->ref);
	dev->dev = get_device(parent);
	dev->driver = driver;
	dev->driver_features = ~0u;
	atomic_init(&dev->unplugged, false);
	pthread_mutex_init(&dev->filelist_mutex, NULL);
	pthread_mutex_init(&dev->master_mutex, NULL);
	drm_gem_init(dev);

	if (f & DRIVER_COMPUTE_ACCEL) {
		err = drm_minor_alloc(dev, DRM_MINOR_ACCEL);
		if (err)
			goto err_fini;
	} else {
		if (f & DRIVER_RENDER) {
			err = drm_minor_alloc(dev, DRM_MINOR_RENDER);
			if (err)
				goto err_fini;
		}
		err = drm_minor_alloc(dev, DRM_MINOR_PRIMARY);
		if (err)
			goto err_fini;
	}
	err = drm_dev_set_unique(dev, dev_name(parent));
	if (err)
		goto err_fini;
	if (f & DRIVER_COMPUTE_ACCEL)
		accel_debugfs_init(dev);
	else
		drm_debugfs_dev_init(dev, drm_debugfs_root(DRM_MINOR_TABLE_DRM));
	return 0;

err_fini:
	drm_dev_fini(dev);
	return err;
}

struct drm_device *drm_dev_alloc(const struct drm_driver *driver, struct device *parent)
{
	struct drm_device *dev = malloc(sizeof(*dev));
	int err;

	if (!dev)
		return ERR_PTR(-ENOMEM);
	err = drm_dev_init(dev, driver, parent);
	if (err) {
		free(dev);
		return ERR_PTR(err);
	}
	dev->managed_release = true;
	return dev;
}

int drm_dev_set_unique(struct drm_device *dev, const char *name)
{
	char *u = strdup(name);

	if (!u)
		return -ENOMEM;
	free(dev->unique);
	dev->unique = u;
	return 0;
}

int drm_dev_register(struct drm_device *dev, unsigned long flags)
{
	int err;

	(void)flags;
	if (drm_core_check_feature(dev, DRIVER_COMPUTE_ACCEL))
		accel_debugfs_register(dev);
	drm_gem_debugfs_init(dev);
	err = drm_minor_register(dev, DRM_MINOR_RENDER);
	if (err)
		goto err_minors;
	err = drm_minor_register(dev, DRM_MINOR_PRIMARY);
	if (err)
		goto err_minors;
	err = drm_minor_register(dev, DRM_MINOR_ACCEL);
	if (err)
		goto err_minors;
	dev->registered = true;
	drm_info(dev, "Initialized %s %d.%d.%d for %s on minor %d", dev->driver->name,
		 dev->driver->major, dev->driver->minor, dev->driver->patchlevel,
		 dev_name(dev->dev), dev->accel ? dev->accel->index : dev->primary->index);
	return 0;

err_minors:
	drm_minor_unregister(dev, DRM_MINOR_ACCEL);
	drm_minor_unregister(dev, DRM_MINOR_PRIMARY);
	drm_minor_unregister(dev, DRM_MINOR_RENDER);
	return err;
}

void drm_dev_unregister(struct drm_device *dev)
{
	dev->registered = false;
	drm_minor_unregister(dev, DRM_MINOR_ACCEL);
	drm_minor_unregister(dev, DRM_MINOR_PRIMARY);
	drm_minor_unregister(dev, DRM_MINOR_RENDER);
	drm_debugfs_dev_fini(dev);
}

void drm_dev_unplug(struct drm_device *dev)
{
	atomic_store(&dev->unplugged, true);
	/* Wait for every drm_dev_enter() section that saw the device plugged to end. */
	pthread_rwlock_wrlock(&drm_unplug_lock);
	pthread_rwlock_unlock(&drm_unplug_lock);
	drm_dev_unregister(dev);
}

bool drm_dev_is_unplugged(struct drm_device *dev)
{
	return atomic_load(&dev->unplugged);
}

bool drm_dev_enter(struct drm_device *dev, int *idx)
{
	pthread_rwlock_rdlock(&drm_unplug_lock);
	if (atomic_load(&dev->unplugged)) {
		pthread_rwlock_unlock(&drm_unplug_lock);
		return false;
	}
	*idx = 0;
	return true;
}

void drm_dev_exit(int idx)
{
	(void)idx;
	pthread_rwlock_unlock(&drm_unplug_lock);
}

void drm_dev_get(struct drm_device *dev)
{
	if (dev)
		kref_get(&dev->ref);
}

static void drm_dev_release(struct kref *ref)
{
	struct drm_device *dev = container_of(ref, struct drm_device, ref);
	bool managed = dev->managed_release;
	const struct drm_driver *driver = dev->driver;

	drm_dev_fini(dev);
	/* Last: for drm_dev_init() users the driver's release frees the containing struct. */
	if (driver->release)
		driver->release(dev);
	if (managed)
		free(dev);
}

void drm_dev_put(struct drm_device *dev)
{
	if (dev)
		kref_put(&dev->ref, drm_dev_release);
}

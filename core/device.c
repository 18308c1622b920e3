// SPDX-License-Identifier: MIT
/*
 * The driver model: devices in the attribute tree, buses binding drivers, classes and the
 * nodes under <root>/dev.
 *
 * device_model_mutex (recursive: a probe adds child devices, a remove deletes them) guards
 * the bus and driver lists, every device's binding and directory, and the node table.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include <accel/device.h>
#include <accel/drm_print.h>

static pthread_mutex_t device_model_mutex = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

struct bus_entry {
	struct bus_type *bus;
	struct device_driver *drivers;
	struct device *devices;
	struct bus_entry *next;
};
static struct bus_entry *buses;

struct devnode {
	char *path;
	dev_t devt;
	struct devnode *next;
};
static struct devnode *devnodes;
static struct devnode_publisher *devnode_publisher;

void device_model_lock(void)
{
	pthread_mutex_lock(&device_model_mutex);
}

void device_model_unlock(void)
{
	pthread_mutex_unlock(&device_model_mutex);
}

static struct bus_entry *bus_entry_find(struct bus_type *bus)
{
	struct bus_entry *e;

	for (e = buses; e; e = e->next)
		if (e->bus == bus)
			return e;
	return NULL;
}

void device_initialize(struct device *dev)
{
	kref_init(&dev->kref);
}

int dev_set_name(struct device *dev, const char *fmt, ...)
{
	char *name;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&name, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	free(dev->name);
	dev->name = name;
	return 0;
}

struct device *get_device(struct device *dev)
{
	if (dev)
		kref_get(&dev->kref);
	return dev;
}

static void device_release(struct kref *kref)
{
	struct device *dev = container_of(kref, struct device, kref);

	free(dev->name);
	dev->name = NULL;
	free(dev->devnode_path);
	dev->devnode_path = NULL;
	/* The parent's reference belongs to device_add()/device_del(). */
	if (dev->release)
		dev->release(dev);
}

void put_device(struct device *dev)
{
	if (dev)
		kref_put(&dev->kref, device_release);
}

struct attr_node *device_attr_dir(struct device *dev)
{
	return dev->dir;
}

/* uevent: what udev would be told of the device. */
static int device_uevent_show(struct seq_file *m)
{
	struct device *dev = m->private;
	/*
	 * The publisher shows this with attr_lock held, which nests inside the device-model
	 * lock: a snapshot of @driver (drivers outlive their devices), not the lock.
	 */
	struct device_driver *drv = __atomic_load_n(&dev->driver, __ATOMIC_ACQUIRE);

	if (dev->devt) {
		seq_printf(m, "MAJOR=%u\nMINOR=%u\n", major(dev->devt), minor(dev->devt));
		if (dev->devnode_path)
			seq_printf(m, "DEVNAME=%s\n", dev->devnode_path);
	}
	if (dev->type && dev->type->name)
		seq_printf(m, "DEVTYPE=%s\n", dev->type->name);
	if (drv)
		seq_printf(m, "DRIVER=%s\n", drv->name);
	if (dev->bus && !strcmp(dev->bus->name, "platform"))
		seq_printf(m, "MODALIAS=platform:%s\n", dev->name);
	return 0;
}

static int device_dev_show(struct seq_file *m)
{
	struct device *dev = m->private;

	seq_printf(m, "%u:%u\n", major(dev->devt), minor(dev->devt));
	return 0;
}

int devnode_publish_path(const char *path, dev_t devt, umode_t mode)
{
	struct devnode *n = calloc(1, sizeof(*n));
	int err = 0;

	if (!n)
		return -ENOMEM;
	n->path = strdup(path);
	n->devt = devt;
	if (!n->path) {
		free(n);
		return -ENOMEM;
	}
	device_model_lock();
	if (devnode_publisher)
		err = devnode_publisher->add(devnode_publisher, n->path, n->devt, mode);
	if (err) {
		device_model_unlock();
		free(n->path);
		free(n);
		return err;
	}
	n->next = devnodes;
	devnodes = n;
	device_model_unlock();
	return 0;
}

void devnode_withdraw_path(const char *path)
{
	struct devnode **pp, *n;

	device_model_lock();
	for (pp = &devnodes; (n = *pp); pp = &n->next) {
		if (!strcmp(n->path, path)) {
			*pp = n->next;
			if (devnode_publisher)
				devnode_publisher->remove(devnode_publisher, n->path);
			free(n->path);
			free(n);
			break;
		}
	}
	device_model_unlock();
}

/*
 * sys/dev/char/MAJ:MIN -> the device's directory: how libdrm (drmGetDevices2, drmNodeIsDRM)
 * and udev go from a node's st_rdev to its device. Best effort, as the kernel's: a device
 * works without it.
 */
static void device_devt_link(struct device *dev)
{
	struct attr_node *dir = attr_dir_create_path(NULL, "dev/char");
	char name[32];

	if (IS_ERR_OR_NULL(dir))
		return;
	snprintf(name, sizeof(name), "%u:%u", major(dev->devt), minor(dev->devt));
	dev->devt_link = attr_link_create(dir, name, dev->dir);
	if (IS_ERR(dev->devt_link))
		dev->devt_link = NULL;
}

static int devnode_publish(struct device *dev)
{
	umode_t mode = 0666;

	if (!dev->class || !dev->class->devnode)
		return 0;
	dev->devnode_path = dev->class->devnode(dev, &mode);
	if (!dev->devnode_path)
		return -ENOMEM;
	return devnode_publish_path(dev->devnode_path, dev->devt, mode);
}

static void devnode_unpublish(struct device *dev)
{
	if (dev->devnode_path)
		devnode_withdraw_path(dev->devnode_path);
}

int devnode_lookup(const char *path, dev_t *devt)
{
	struct devnode *n;
	int err = -ENOENT;

	device_model_lock();
	for (n = devnodes; n; n = n->next) {
		if (!strcmp(n->path, path)) {
			*devt = n->devt;
			err = 0;
			break;
		}
	}
	device_model_unlock();
	return err;
}

int devnode_for_each(int (*fn)(const char *path, dev_t devt, void *data), void *data)
{
	struct devnode *n;
	int err = 0;

	device_model_lock();
	for (n = devnodes; n && !err; n = n->next)
		err = fn(n->path, n->devt, data);
	device_model_unlock();
	return err;
}

void devnode_set_publisher(struct devnode_publisher *p)
{
	struct devnode *n;

	device_model_lock();
	devnode_publisher = p;
	for (n = devnodes; p && n; n = n->next)
		p->add(p, n->path, n->devt, 0666);
	device_model_unlock();
}

static void device_unbind(struct device *dev)
{
	if (!dev->driver)
		return;
	if (dev->bus && dev->bus->remove)
		dev->bus->remove(dev);
	attr_remove(attr_child(dev->dir, "driver"));
	attr_remove(attr_child(dev->driver->dir, dev->name));
	__atomic_store_n(&dev->driver, NULL, __ATOMIC_RELEASE); /* device_uevent_show() */
	dev->driver_data = NULL;
}

/* Try @drv on @dev: 0 when bound, -ENODEV when it does not match, else the probe's error. */
static int device_bind(struct device *dev, struct device_driver *drv)
{
	int err;

	if (dev->driver || !dev->bus || drv->bus != dev->bus)
		return -ENODEV;
	if (dev->bus->match && !dev->bus->match(dev, drv))
		return -ENODEV;
	/* Atomic stores: device_uevent_show() reads @driver without the device-model lock. */
	__atomic_store_n(&dev->driver, drv, __ATOMIC_RELEASE);
	err = dev->bus->probe ? dev->bus->probe(dev) : 0;
	if (err) {
		DRM_ERROR("%s: probe of %s failed with error %d", drv->name, dev->name, err);
		__atomic_store_n(&dev->driver, NULL, __ATOMIC_RELEASE);
		return err;
	}
	attr_link_create(dev->dir, "driver", drv->dir);
	attr_link_create(drv->dir, dev->name, dev->dir);
	return 0;
}

static struct attr_node *device_parent_dir(struct device *dev)
{
	struct attr_node *base;

	if (dev->parent && dev->parent->dir)
		base = dev->parent->dir;
	else if (dev->bus)
		base = attr_dir_create_path(NULL, dev->bus->name[0] == 'p' ?
					    "devices/platform" : "devices/virtual");
	else
		base = attr_dir_create_path(NULL, "devices/virtual");
	if (!IS_ERR(base) && dev->class)
		base = attr_dir_create(base, dev->class->name);
	return base;
}

int device_add(struct device *dev)
{
	struct attr_node *pdir;
	struct bus_entry *be = NULL;
	struct device_driver *drv;
	int err;

	if (!dev->name)
		return -EINVAL;
	device_model_lock();
	if (dev->bus) {
		be = bus_entry_find(dev->bus);
		if (!be) {
			err = -EINVAL;
			goto err_unlock;
		}
	}
	pdir = device_parent_dir(dev);
	if (IS_ERR(pdir)) {
		err = PTR_ERR(pdir);
		goto err_unlock;
	}
	if (attr_child(pdir, dev->name)) {
		DRM_ERROR("device %s already exists", dev->name);
		err = -EEXIST;
		goto err_unlock;
	}
	dev->dir = attr_dir_create(pdir, dev->name);
	if (IS_ERR(dev->dir)) {
		err = PTR_ERR(dev->dir);
		dev->dir = NULL;
		goto err_unlock;
	}
	get_device(dev->parent);
	/* The node first: uevent names it, and published files are rendered when they appear. */
	if (dev->class && dev->devt) {
		err = devnode_publish(dev);
		if (err)
			goto err_dir;
	}
	attr_file_create(dev->dir, "uevent", 0644, device_uevent_show, NULL, dev);
	if (dev->class) {
		attr_link_create(dev->dir, "subsystem", dev->class->dir);
		if (dev->parent && dev->parent->dir)
			attr_link_create(dev->dir, "device", dev->parent->dir);
		if (dev->devt)
			attr_file_create(dev->dir, "dev", 0444, device_dev_show, NULL, dev);
		dev->class_link = attr_link_create(dev->class->dir, dev->name, dev->dir);
		if (dev->devt)
			device_devt_link(dev);
	} else if (dev->bus) {
		attr_link_create(dev->dir, "subsystem", dev->bus->devices_dir->parent);
		attr_link_create(dev->bus->devices_dir, dev->name, dev->dir);
	}
	dev->added = 1;
	if (be) {
		dev->next_on_bus = be->devices;
		be->devices = dev;
		for (drv = be->drivers; drv && !dev->driver; drv = drv->next_registered)
			device_bind(dev, drv);
	}
	device_model_unlock();
	return 0;

err_dir:
	attr_remove(dev->class_link);
	dev->class_link = NULL;
	attr_remove(dev->dir);
	dev->dir = NULL;
	put_device(dev->parent);
err_unlock:
	device_model_unlock();
	return err;
}

void device_del(struct device *dev)
{
	struct bus_entry *be;
	struct device **pp;

	device_model_lock();
	if (!dev->added) {
		device_model_unlock();
		return;
	}
	device_unbind(dev);
	if (dev->bus && (be = bus_entry_find(dev->bus))) {
		for (pp = &be->devices; *pp; pp = &(*pp)->next_on_bus) {
			if (*pp == dev) {
				*pp = dev->next_on_bus;
				break;
			}
		}
		attr_remove(attr_child(dev->bus->devices_dir, dev->name));
	}
	devnode_unpublish(dev);
	attr_remove(dev->devt_link);
	dev->devt_link = NULL;
	attr_remove(dev->class_link);
	dev->class_link = NULL;
	attr_remove(dev->dir);
	dev->dir = NULL;
	dev->added = 0;
	device_model_unlock();
	/* The reference device_add() took on the parent. */
	put_device(dev->parent);
}

int device_register(struct device *dev)
{
	device_initialize(dev);
	return device_add(dev);
}

void device_unregister(struct device *dev)
{
	device_del(dev);
	put_device(dev);
}

struct device_attr_file {
	struct device *dev;
	struct device_attribute *attr;
};

static int device_attr_show(struct seq_file *m)
{
	struct device_attr_file *f = m->private;
	char *buf = calloc(1, PAGE_SIZE + 1);
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	n = f->attr->show(f->dev, f->attr, buf);
	if (n >= 0) {
		buf[n < PAGE_SIZE ? n : PAGE_SIZE] = 0;
		seq_puts(m, buf);
	}
	free(buf);
	return n < 0 ? (int)n : 0;
}

static ssize_t device_attr_store(struct attr_node *node, void *private, const char *buf, size_t len)
{
	struct device_attr_file *f = private;

	(void)node;
	return f->attr->store(f->dev, f->attr, buf, len);
}

int device_create_file(struct device *dev, struct device_attribute *attr)
{
	struct device_attr_file *f;
	struct attr_node *n;

	if (!dev->dir)
		return -ENODEV;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->dev = dev;
	f->attr = attr;
	n = attr_file_create(dev->dir, attr->name, attr->mode, attr->show ? device_attr_show : NULL,
			     attr->store ? device_attr_store : NULL, f);
	if (IS_ERR(n)) {
		free(f);
		return PTR_ERR(n);
	}
	return 0;
}

void device_remove_file(struct device *dev, struct device_attribute *attr)
{
	struct attr_node *n = attr_child(dev->dir, attr->name);

	if (n && n->type == ATTR_NODE_FILE) {
		void *f = n->private;

		attr_remove(n);
		free(f);
	}
}

int bus_register(struct bus_type *bus)
{
	struct bus_entry *e;
	struct attr_node *dir;

	device_model_lock();
	if (bus_entry_find(bus)) {
		device_model_unlock();
		return 0;
	}
	e = calloc(1, sizeof(*e));
	dir = attr_dir_create_path(attr_dir_create(NULL, "bus"), bus->name);
	if (!e || IS_ERR(dir)) {
		free(e);
		device_model_unlock();
		return -ENOMEM;
	}
	bus->devices_dir = attr_dir_create(dir, "devices");
	bus->drivers_dir = attr_dir_create(dir, "drivers");
	e->bus = bus;
	e->next = buses;
	buses = e;
	device_model_unlock();
	return 0;
}

void bus_unregister(struct bus_type *bus)
{
	struct bus_entry **pp, *e;

	device_model_lock();
	for (pp = &buses; (e = *pp); pp = &e->next) {
		if (e->bus == bus) {
			*pp = e->next;
			attr_remove(bus->devices_dir->parent);
			free(e);
			break;
		}
	}
	device_model_unlock();
}

int driver_register(struct device_driver *drv)
{
	struct bus_entry *be;
	struct device *dev;

	device_model_lock();
	be = drv->bus ? bus_entry_find(drv->bus) : NULL;
	if (!be) {
		device_model_unlock();
		return -EINVAL;
	}
	drv->dir = attr_dir_create(drv->bus->drivers_dir, drv->name);
	if (IS_ERR(drv->dir)) {
		int err = PTR_ERR(drv->dir);

		drv->dir = NULL;
		device_model_unlock();
		return err;
	}
	drv->next_registered = be->drivers;
	be->drivers = drv;
	for (dev = be->devices; dev; dev = dev->next_on_bus)
		if (!dev->driver)
			device_bind(dev, drv);
	device_model_unlock();
	return 0;
}

void driver_unregister(struct device_driver *drv)
{
	struct bus_entry *be;
	struct device_driver **pp;
	struct device *dev;

	device_model_lock();
	be = drv->bus ? bus_entry_find(drv->bus) : NULL;
	if (be) {
		for (dev = be->devices; dev; dev = dev->next_on_bus)
			if (dev->driver == drv)
				device_unbind(dev);
		for (pp = &be->drivers; *pp; pp = &(*pp)->next_registered) {
			if (*pp == drv) {
				*pp = drv->next_registered;
				break;
			}
		}
	}
	attr_remove(drv->dir);
	drv->dir = NULL;
	device_model_unlock();
}

int class_register(struct class *cls)
{
	struct attr_node *dir = attr_dir_create_path(NULL, "class");

	if (!IS_ERR(dir))
		dir = attr_dir_create(dir, cls->name);
	if (IS_ERR(dir))
		return PTR_ERR(dir);
	cls->dir = dir;
	return 0;
}

void class_unregister(struct class *cls)
{
	attr_remove(cls->dir);
	cls->dir = NULL;
}

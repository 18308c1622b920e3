/* SPDX-License-Identifier: MIT */
/**
 * DOC: accel/device.h - the driver model: devices, buses, drivers, classes, attributes.
 *
 * A small version of the kernel's: a struct device sits in the attribute tree under
 * sys/devices, a bus matches devices with drivers and calls probe/remove, a class device
 * (such as accel/accel0) gets a sys/class entry, and a devt makes the publisher create a node
 * under <root>/dev.
 */
#ifndef ACCEL_DEVICE_H
#define ACCEL_DEVICE_H

#include <pthread.h>
#include <sys/types.h>
#include <accel/attr.h>
#include <accel/kref.h>

struct device;
struct device_driver;

/** struct bus_type - a bus: matches devices with drivers (platform, auxiliary). */
struct bus_type {
	const char *name;
	int (*match)(struct device *dev, struct device_driver *drv);
	int (*probe)(struct device *dev);
	void (*remove)(struct device *dev);
	/* core private: */
	struct attr_node *devices_dir;
	struct attr_node *drivers_dir;
};

/** struct device_driver - a driver on a bus. */
struct device_driver {
	const char *name;
	struct bus_type *bus;
	/* core private, guarded by the device-model lock: */
	struct device_driver *next_registered;
	struct attr_node *dir;
};

/** struct class - a class of devices (sys/class/NAME), with where their nodes go. */
struct class {
	const char *name;
	/** @devnode: the node's path under <root>/dev for a device of this class (malloc'd). */
	char *(*devnode)(const struct device *dev, umode_t *mode);
	/* core private: */
	struct attr_node *dir;
};

/** struct device_type - the DEVTYPE of a device (uevent). */
struct device_type {
	const char *name;
};

/**
 * struct device - a device in the model.
 *
 * Immutable after device_add() but for @driver, @driver_data, @dir, guarded by the
 * device-model lock (@driver is written with atomic stores, for uevent's unlocked
 * snapshot), and @kref.
 */
struct device {
	char *name;
	struct device *parent;
	struct bus_type *bus;
	struct device_driver *driver;
	const struct class *class;
	const struct device_type *type;
	dev_t devt;
	void *driver_data;
	void *platform_data;
	struct kref kref;
	void (*release)(struct device *dev);
	/* core private: */
	struct attr_node *dir;
	struct attr_node *class_link;
	/* sys/dev/char/MAJ:MIN, the link to @dir of a device with a node, as the kernel makes. */
	struct attr_node *devt_link;
	char *devnode_path;
	struct device *next_on_bus;
	int added;
};

/** struct device_attribute - a sysfs attribute of a device. */
struct device_attribute {
	const char *name;
	umode_t mode;
	ssize_t (*show)(struct device *dev, struct device_attribute *attr, char *buf);
	ssize_t (*store)(struct device *dev, struct device_attribute *attr, const char *buf,
			 size_t count);
};

/** PAGE_SIZE - the size of the buffer a device attribute's show fills. */
#define PAGE_SIZE 4096

#define DEVICE_ATTR_RO(_name) \
	struct device_attribute dev_attr_##_name = { .name = #_name, .mode = 0444, .show = _name##_show }
#define DEVICE_ATTR_RW(_name) \
	struct device_attribute dev_attr_##_name = { .name = #_name, .mode = 0644, \
		.show = _name##_show, .store = _name##_store }

/** device_initialize() - prepare @dev (one reference); device_put() frees it through @release. */
void device_initialize(struct device *dev);
/** dev_set_name() - set the device's name (printf style). */
int dev_set_name(struct device *dev, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** dev_name() - the device's name. */
static inline const char *dev_name(const struct device *dev) { return dev->name; }
/** device_add() - put @dev in the tree, its class, its node; probe a driver on its bus. */
int device_add(struct device *dev);
/** device_del() - unbind, remove the node, the class entry and the directory. */
void device_del(struct device *dev);
/** device_register() - device_initialize() + device_add(). */
int device_register(struct device *dev);
/** device_unregister() - device_del() + device_put(). */
void device_unregister(struct device *dev);
/** get_device() - take a reference. */
struct device *get_device(struct device *dev);
/** put_device() - drop a reference. */
void put_device(struct device *dev);
/** dev_get_drvdata() / dev_set_drvdata() - the driver's data. */
static inline void *dev_get_drvdata(const struct device *dev) { return dev->driver_data; }
static inline void dev_set_drvdata(struct device *dev, void *data) { dev->driver_data = data; }

/** device_create_file() - add an attribute file to the device's directory. */
int device_create_file(struct device *dev, struct device_attribute *attr);
/** device_remove_file() - remove an attribute file. */
void device_remove_file(struct device *dev, struct device_attribute *attr);
/** device_attr_dir() - the device's directory in the attribute tree (NULL before add). */
struct attr_node *device_attr_dir(struct device *dev);

/** bus_register() - make a bus known (sys/bus/NAME). */
int bus_register(struct bus_type *bus);
/** bus_unregister() - forget a bus. */
void bus_unregister(struct bus_type *bus);
/** driver_register() - register a driver and bind it to matching devices. */
int driver_register(struct device_driver *drv);
/** driver_unregister() - unbind the driver from its devices and forget it. */
void driver_unregister(struct device_driver *drv);

/** class_register() - make a class known (sys/class/NAME). */
int class_register(struct class *cls);
/** class_unregister() - forget a class. */
void class_unregister(struct class *cls);

/** struct devnode_publisher - creates and removes the nodes under <root>/dev. */
struct devnode_publisher {
	int (*add)(struct devnode_publisher *p, const char *path, dev_t devt, umode_t mode);
	void (*remove)(struct devnode_publisher *p, const char *path);
};

/** devnode_set_publisher() - install the node publisher (embedded files, acceld sockets). */
void devnode_set_publisher(struct devnode_publisher *p);

/** device_model_lock() / device_model_unlock() - the lock that guards buses and bindings. */
void device_model_lock(void);
void device_model_unlock(void);

#endif

#ifndef ACCEL_DEVICE_H_DEVNODE
#define ACCEL_DEVICE_H_DEVNODE
/**
 * devnode_publish_path() - publish a node @path that opens (@devt's major's fops) with
 * @mode. @path is relative to <root>/dev; a file elsewhere under the root that opens like a
 * node (a debugfs file with its own file_operations, such as sw_sync) is named from there:
 * "../sys/kernel/debug/sync/sw_sync". device_add() publishes device nodes. 0 or -errno.
 */
int devnode_publish_path(const char *path, dev_t devt, umode_t mode);
/** devnode_withdraw_path() - withdraw the node @path that devnode_publish_path() published. */
void devnode_withdraw_path(const char *path);
/** devnode_lookup() - the devt of node @path ("accel/accel0") while it exists, else -ENOENT. */
int devnode_lookup(const char *path, dev_t *devt);
/** devnode_for_each() - visit every node present (path, devt); stops on non-zero. */
int devnode_for_each(int (*fn)(const char *path, dev_t devt, void *data), void *data);
#endif

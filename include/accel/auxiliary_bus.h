/* SPDX-License-Identifier: MIT */
/**
 * DOC: accel/auxiliary_bus.h - one parent device, several drivers.
 *
 * A device that offers graphics and compute is two drivers: its parent driver creates
 * auxiliary devices named "MODNAME.NAME.ID" and the drivers whose id table holds
 * "MODNAME.NAME" bind to them. Deleting the auxiliary devices (the parent's remove does it)
 * takes the bound drivers down.
 */
#ifndef ACCEL_AUXILIARY_BUS_H
#define ACCEL_AUXILIARY_BUS_H

#include <accel/device.h>

/** struct auxiliary_device - a part of a parent device offered to another driver. */
struct auxiliary_device {
	struct device dev;
	const char *name;
	unsigned int id;
};

/** struct auxiliary_device_id - "MODNAME.NAME" a driver binds to. */
struct auxiliary_device_id {
	const char *name;
};

/** struct auxiliary_driver - a driver for auxiliary devices. */
struct auxiliary_driver {
	int (*probe)(struct auxiliary_device *adev, const struct auxiliary_device_id *id);
	void (*remove)(struct auxiliary_device *adev);
	const char *name;
	/** @id_table: ids this driver binds to, ended by an entry with a NULL name. */
	const struct auxiliary_device_id *id_table;
	struct device_driver driver;
};

#define to_auxiliary_dev(d) container_of((d), struct auxiliary_device, dev)

/** auxiliary_bus_type - the auxiliary bus (sys/bus/auxiliary). */
extern struct bus_type auxiliary_bus_type;

/**
 * auxiliary_device_init() - prepare @adev (whose dev.parent, name, id and dev.release the
 * caller has set); after it, errors are unwound with auxiliary_device_uninit().
 */
int auxiliary_device_init(struct auxiliary_device *adev);
/** __auxiliary_device_add() - add as "MODNAME.NAME.ID"; a matching driver probes it. */
int __auxiliary_device_add(struct auxiliary_device *adev, const char *modname);
/** auxiliary_device_uninit() - drop the reference of an initialised device. */
void auxiliary_device_uninit(struct auxiliary_device *adev);
/** auxiliary_device_delete() - remove the device; its driver's remove runs. */
void auxiliary_device_delete(struct auxiliary_device *adev);

/** auxiliary_driver_register() - register; matching devices are probed. */
int auxiliary_driver_register(struct auxiliary_driver *drv);
/** auxiliary_driver_unregister() - unbind and forget. */
void auxiliary_driver_unregister(struct auxiliary_driver *drv);

static inline void *auxiliary_get_drvdata(struct auxiliary_device *adev)
{
	return dev_get_drvdata(&adev->dev);
}
static inline void auxiliary_set_drvdata(struct auxiliary_device *adev, void *data)
{
	dev_set_drvdata(&adev->dev, data);
}

#endif

/* SPDX-License-Identifier: MIT */
/**
 * DOC: accel/platform_device.h - the platform bus: devices made from configuration.
 *
 * Each device section of a configuration becomes a platform device "NAME.ID" carrying its
 * key=value parameters; the platform driver of the same name probes it.
 */
#ifndef ACCEL_PLATFORM_DEVICE_H
#define ACCEL_PLATFORM_DEVICE_H

#include <stdint.h>
#include <accel/device.h>

/** struct platform_param - one key=value parameter from the configuration. */
struct platform_param {
	char *key;
	char *value;
};

/** struct platform_device - a device on the platform bus. */
struct platform_device {
	const char *name;
	int id;
	struct device dev;
	struct platform_param *params;
	unsigned int num_params;
};

/** struct platform_driver - a driver for platform devices of one name. */
struct platform_driver {
	int (*probe)(struct platform_device *pdev);
	void (*remove)(struct platform_device *pdev);
	struct device_driver driver;
};

#define to_platform_device(d) container_of((d), struct platform_device, dev)

/** platform_bus_type - the platform bus (sys/bus/platform). */
extern struct bus_type platform_bus_type;

/** platform_device_alloc() - a device "NAME.ID" (ID -1: just "NAME"), not yet added. */
struct platform_device *platform_device_alloc(const char *name, int id);
/** platform_device_add_param() - attach a configuration parameter before adding. */
int platform_device_add_param(struct platform_device *pdev, const char *key, const char *value);
/** platform_device_add() - add the device; a registered driver of its name probes it. */
int platform_device_add(struct platform_device *pdev);
/** platform_device_unregister() - remove (the driver's remove runs) and drop the device. */
void platform_device_unregister(struct platform_device *pdev);
/** platform_device_put() - drop a device that was never added. */
void platform_device_put(struct platform_device *pdev);

/** platform_get_param() - a parameter's value, or NULL. */
const char *platform_get_param(const struct platform_device *pdev, const char *key);
/**
 * platform_get_param_u64() - a numeric parameter (K/M/G suffixes), @def when absent.
 * Returns -EINVAL through @out's status when the value does not parse.
 */
int platform_get_param_u64(const struct platform_device *pdev, const char *key, uint64_t def,
			   uint64_t *out);

/** platform_driver_register() - register; matching devices are probed. */
int platform_driver_register(struct platform_driver *drv);
/** platform_driver_unregister() - unbind and forget. */
void platform_driver_unregister(struct platform_driver *drv);

static inline void *platform_get_drvdata(const struct platform_device *pdev)
{
	return dev_get_drvdata(&pdev->dev);
}
static inline void platform_set_drvdata(struct platform_device *pdev, void *data)
{
	dev_set_drvdata(&pdev->dev, data);
}

#endif

// SPDX-License-Identifier: MIT
/* The auxiliary bus: parts of one parent device bound to separate drivers by "MODNAME.NAME". */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include <accel/auxiliary_bus.h>

#define to_auxiliary_drv(d) container_of((d), struct auxiliary_driver, driver)

/* The device's match name is its full name without the ".ID" suffix. */
static const struct auxiliary_device_id *auxiliary_match_id(const struct auxiliary_device_id *id,
							    const struct auxiliary_device *adev)
{
	const char *name = dev_name(&adev->dev);
	const char *dot = strrchr(name, '.');
	size_t len = dot ? (size_t)(dot - name) : strlen(name);

	for (; id && id->name; id++)
		if (strlen(id->name) == len && !strncmp(id->name, name, len))
			return id;
	return NULL;
}

static int auxiliary_match(struct device *dev, struct device_driver *drv)
{
	return auxiliary_match_id(to_auxiliary_drv(drv)->id_table, to_auxiliary_dev(dev)) != NULL;
}

static int auxiliary_probe(struct device *dev)
{
	struct auxiliary_driver *drv = to_auxiliary_drv(dev->driver);
	struct auxiliary_device *adev = to_auxiliary_dev(dev);

	return drv->probe(adev, auxiliary_match_id(drv->id_table, adev));
}

static void auxiliary_remove(struct device *dev)
{
	struct auxiliary_driver *drv = to_auxiliary_drv(dev->driver);

	if (drv->remove)
		drv->remove(to_auxiliary_dev(dev));
}

struct bus_type auxiliary_bus_type = {
	.name = "auxiliary",
	.match = auxiliary_match,
	.probe = auxiliary_probe,
	.remove = auxiliary_remove,
};

int auxiliary_device_init(struct auxiliary_device *adev)
{
	if (!adev->dev.parent || !adev->name)
		return -EINVAL;
	device_initialize(&adev->dev);
	adev->dev.bus = &auxiliary_bus_type;
	return 0;
}

int __auxiliary_device_add(struct auxiliary_device *adev, const char *modname)
{
	int err = bus_register(&auxiliary_bus_type);

	if (err)
		return err;
	if (!modname)
		return -EINVAL;
	err = dev_set_name(&adev->dev, "%s.%s.%u", modname, adev->name, adev->id);
	return err ? err : device_add(&adev->dev);
}

void auxiliary_device_uninit(struct auxiliary_device *adev)
{
	put_device(&adev->dev);
}

void auxiliary_device_delete(struct auxiliary_device *adev)
{
	device_del(&adev->dev);
}

int auxiliary_driver_register(struct auxiliary_driver *drv)
{
	int err = bus_register(&auxiliary_bus_type);

	if (err)
		return err;
	if (!drv->probe || !drv->id_table || !drv->name)
		return -EINVAL;
	drv->driver.name = drv->name;
	drv->driver.bus = &auxiliary_bus_type;
	return driver_register(&drv->driver);
}

void auxiliary_driver_unregister(struct auxiliary_driver *drv)
{
	driver_unregister(&drv->driver);
}

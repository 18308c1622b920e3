// SPDX-License-Identifier: MIT
/* The platform bus: devices from configuration, matched to drivers by name. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <accel/platform_device.h>

#define to_platform_driver(d) container_of((d), struct platform_driver, driver)

static int platform_match(struct device *dev, struct device_driver *drv)
{
	return !strcmp(to_platform_device(dev)->name, drv->name);
}

static int platform_probe(struct device *dev)
{
	struct platform_driver *drv = to_platform_driver(dev->driver);

	return drv->probe ? drv->probe(to_platform_device(dev)) : 0;
}

static void platform_remove(struct device *dev)
{
	struct platform_driver *drv = to_platform_driver(dev->driver);

	if (drv->remove)
		drv->remove(to_platform_device(dev));
}

struct bus_type platform_bus_type = {
	.name = "platform",
	.match = platform_match,
	.probe = platform_probe,
	.remove = platform_remove,
};

static void platform_device_release(struct device *dev)
{
	struct platform_device *pdev = to_platform_device(dev);
	unsigned int i;

	for (i = 0; i < pdev->num_params; i++) {
		free(pdev->params[i].key);
		free(pdev->params[i].value);
	}
	free(pdev->params);
	free((char *)pdev->name);
	free(pdev);
}

struct platform_device *platform_device_alloc(const char *name, int id)
{
	struct platform_device *pdev = calloc(1, sizeof(*pdev));

	if (!pdev)
		return NULL;
	pdev->name = strdup(name);
	pdev->id = id;
	device_initialize(&pdev->dev);
	pdev->dev.bus = &platform_bus_type;
	pdev->dev.release = platform_device_release;
	if (!pdev->name || (id >= 0 ? dev_set_name(&pdev->dev, "%s.%d", name, id) :
			    dev_set_name(&pdev->dev, "%s", name))) {
		put_device(&pdev->dev);
		return NULL;
	}
	return pdev;
}

int platform_device_add_param(struct platform_device *pdev, const char *key, const char *value)
{
	struct platform_param *p = realloc(pdev->params, (pdev->num_params + 1) * sizeof(*p));

	if (!p)
		return -ENOMEM;
	pdev->params = p;
	p[pdev->num_params].key = strdup(key);
	p[pdev->num_params].value = strdup(value);
	if (!p[pdev->num_params].key || !p[pdev->num_params].value) {
		free(p[pdev->num_params].key);
		free(p[pdev->num_params].value);
		return -ENOMEM;
	}
	pdev->num_params++;
	return 0;
}

int platform_device_add(struct platform_device *pdev)
{
	int err = bus_register(&platform_bus_type);

	return err ? err : device_add(&pdev->dev);
}

void platform_device_unregister(struct platform_device *pdev)
{
	if (pdev)
		device_unregister(&pdev->dev);
}

void platform_device_put(struct platform_device *pdev)
{
	if (pdev)
		put_device(&pdev->dev);
}

const char *platform_get_param(const struct platform_device *pdev, const char *key)
{
	unsigned int i;

	/* The last setting wins, as when a configuration repeats a key. */
	for (i = pdev->num_params; i-- > 0;)
		if (!strcmp(pdev->params[i].key, key))
			return pdev->params[i].value;
	return NULL;
}

int platform_get_param_u64(const struct platform_device *pdev, const char *key, uint64_t def,
			   uint64_t *out)
{
	const char *v = platform_get_param(pdev, key);
	unsigned long long n;
	char *end;

	if (!v) {
		*out = def;
		return 0;
	}
	errno = 0;
	n = strtoull(v, &end, 0);
	if (errno || end == v || *v == '-')
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K': n <<= 10; end++; break;
	case 'm': case 'M': n <<= 20; end++; break;
	case 'g': case 'G': n <<= 30; end++; break;
	default: break;
	}
	if (*end)
		return -EINVAL;
	*out = n;
	return 0;
}

int platform_driver_register(struct platform_driver *drv)
{
	int err = bus_register(&platform_bus_type);

	if (err)
		return err;
	drv->driver.bus = &platform_bus_type;
	return driver_register(&drv->driver);
}

void platform_driver_unregister(struct platform_driver *drv)
{
	driver_unregister(&drv->driver);
}

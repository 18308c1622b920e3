// SPDX-License-Identifier: MIT
/*
 * accelrt devices: one open file of a vnpu node, which is one GPU address space (empty at
 * open; the runtime's VA allocator hands out its ranges) and the three contexts runs are
 * submitted on: one on the compute engines, two on the DMA engines (a chain's input and output
 * copies, include/accelrt.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <drm/drm.h>
#include <libaccel.h>
#include <uapi/drm/vnpu_accel.h>

#include "accelrt_internal.h"

/* An ioctl, restarted when interrupted: 0 or the negative errno. */
int accelrt_ioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = accel_sys_ioctl(fd, req, arg);
	} while (ret == -1 && (errno == EINTR || errno == EAGAIN));
	return ret == -1 ? -errno : 0;
}

/* The path of the first vnpu node accel_devices_list() finds. */
static int find_first_vnpu(char *path, size_t len)
{
	struct accel_device_info *list;
	size_t count, i;
	int ret;

	ret = accel_devices_list(&list, &count, 0);
	if (ret)
		return ret;
	ret = -ENODEV;
	for (i = 0; i < count; i++) {
		if (list[i].is_accel && !strcmp(list[i].driver, "vnpu")) {
			snprintf(path, len, "%s", list[i].path);
			ret = 0;
			break;
		}
	}
	free(list);
	return ret;
}

static int check_driver(int fd)
{
	char name[64] = "";
	struct drm_version v = { .name = name, .name_len = sizeof(name) - 1 };
	int ret = accelrt_ioctl(fd, DRM_IOCTL_VERSION, &v);

	if (ret)
		return ret;
	return strcmp(name, "vnpu") ? -ENODEV : 0;
}

static int get_param(int fd, uint32_t param, uint64_t *value)
{
	struct drm_vnpu_get_param p = { .param = param };
	int ret = accelrt_ioctl(fd, DRM_IOCTL_VNPU_GET_PARAM, &p);

	*value = p.value;
	return ret;
}

static int context_create(int fd, uint32_t engine, uint32_t *id)
{
	struct drm_vnpu_context_create c = { .engine = engine,
					     .priority = VNPU_PRIORITY_NORMAL };
	int ret = accelrt_ioctl(fd, DRM_IOCTL_VNPU_CONTEXT_CREATE, &c);

	*id = c.ctx_id;
	return ret;
}

static void context_destroy(int fd, uint32_t id)
{
	struct drm_vnpu_context_destroy d = { .ctx_id = id };

	accelrt_ioctl(fd, DRM_IOCTL_VNPU_CONTEXT_DESTROY, &d);
}

int accelrt_device_open(const char *node, struct accelrt_device **out)
{
	struct accelrt_device *dev;
	char path[64];
	int ret;

	if (!node) {
		ret = find_first_vnpu(path, sizeof(path));
		if (ret)
			return ret;
		node = path;
	}
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	dev->fd = accel_sys_open(node, O_RDWR | O_CLOEXEC);
	if (dev->fd < 0) {
		ret = -errno;
		goto err_free;
	}
	ret = check_driver(dev->fd);
	if (ret)
		goto err_close;
	ret = get_param(dev->fd, VNPU_PARAM_VRAM_SIZE, &dev->vram_size);
	if (ret)
		goto err_close;
	ret = get_param(dev->fd, VNPU_PARAM_QUEUE_DEPTH, &dev->queue_depth);
	if (ret)
		goto err_close;
	ret = -pthread_mutex_init(&dev->uq_lock, NULL);
	if (ret)
		goto err_close;
	ret = accelrt_va_init(dev);
	if (ret)
		goto err_uq_lock;
	ret = context_create(dev->fd, VNPU_ENGINE_COMPUTE, &dev->ctx_compute);
	if (ret)
		goto err_va;
	ret = context_create(dev->fd, VNPU_ENGINE_DMA, &dev->ctx_dma);
	if (ret)
		goto err_ctx;
	/* A second DMA context, for the DMA stages of a chain after its compute stage. */
	ret = context_create(dev->fd, VNPU_ENGINE_DMA, &dev->ctx_dma_out);
	if (ret)
		goto err_ctx_dma;
	*out = dev;
	return 0;

err_ctx_dma:
	context_destroy(dev->fd, dev->ctx_dma);
err_ctx:
	context_destroy(dev->fd, dev->ctx_compute);
err_va:
	accelrt_va_fini(dev);
err_uq_lock:
	pthread_mutex_destroy(&dev->uq_lock);
err_close:
	accel_sys_close(dev->fd);
err_free:
	free(dev);
	return ret;
}

void accelrt_device_close(struct accelrt_device *dev)
{
	if (!dev)
		return;
	/* Every run is freed: the device's own reference is the queue's last. */
	if (dev->uq)
		accelrt_uq_put(dev, dev->uq);
	pthread_mutex_destroy(&dev->uq_lock);
	context_destroy(dev->fd, dev->ctx_dma_out);
	context_destroy(dev->fd, dev->ctx_dma);
	context_destroy(dev->fd, dev->ctx_compute);
	accelrt_va_fini(dev);
	accel_sys_close(dev->fd);
	free(dev);
}

int accelrt_device_fd(const struct accelrt_device *dev)
{
	return dev->fd;
}

uint64_t accelrt_device_vram_size(const struct accelrt_device *dev)
{
	return dev->vram_size;
}

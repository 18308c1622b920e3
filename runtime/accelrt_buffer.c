// SPDX-License-Identifier: MIT
/*
 * accelrt buffers: a vnpu buffer object, mapped for the CPU when host-visible, bound into
 * the device's address space at a VA of the runtime's allocator with an unbound guard page
 * after it.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

#include <drm/drm.h>
#include <libaccel.h>
#include <uapi/drm/vnpu_accel.h>

#include "accelrt_internal.h"

static void gem_close(struct accelrt_device *dev, uint32_t handle)
{
	struct drm_gem_close c = { .handle = handle };

	accelrt_ioctl(dev->fd, DRM_IOCTL_GEM_CLOSE, &c);
}

int accelrt_buffer_alloc(struct accelrt_device *dev, uint64_t size, uint32_t flags,
			 struct accelrt_buffer **out)
{
	struct drm_vnpu_bo_create c = { .size = size };
	struct drm_vnpu_bo_info info = { 0 };
	struct drm_vnpu_vm_bind bind = { .op = VNPU_VM_BIND_MAP };
	struct accelrt_buffer *buf;
	int ret;

	if (!size || (flags & ~ACCELRT_BUFFER_FLAGS_ALL))
		return -EINVAL;
	buf = calloc(1, sizeof(*buf));
	if (!buf)
		return -ENOMEM;
	buf->dev = dev;
	buf->flags = flags;
	c.flags = flags & ACCELRT_BUFFER_HOST ? 0 : VNPU_BO_VRAM;
	ret = accelrt_ioctl(dev->fd, DRM_IOCTL_VNPU_BO_CREATE, &c);
	if (ret)
		goto err_free;
	buf->handle = c.handle;
	info.handle = c.handle;
	ret = accelrt_ioctl(dev->fd, DRM_IOCTL_VNPU_BO_INFO, &info);
	if (ret)
		goto err_close;
	buf->size = info.size;
	if (flags & ACCELRT_BUFFER_HOST) {
		buf->map = accel_sys_mmap(NULL, buf->size, PROT_READ | PROT_WRITE, MAP_SHARED,
					  dev->fd, (off_t)info.mmap_offset);
		if (buf->map == MAP_FAILED) {
			ret = -errno;
			buf->map = NULL;
			goto err_close;
		}
	}
	buf->va_size = buf->size + VNPU_VA_PAGE_SIZE;
	ret = accelrt_va_alloc(dev, buf->va_size, &buf->va);
	if (ret)
		goto err_unmap;
	bind.handle = buf->handle;
	bind.va = buf->va;
	bind.size = buf->size;
	ret = accelrt_ioctl(dev->fd, DRM_IOCTL_VNPU_VM_BIND, &bind);
	if (ret)
		goto err_va;
	*out = buf;
	return 0;

err_va:
	accelrt_va_free(dev, buf->va, buf->va_size);
err_unmap:
	if (buf->map)
		accel_sys_munmap(buf->map, buf->size);
err_close:
	gem_close(dev, buf->handle);
err_free:
	free(buf);
	return ret;
}

void accelrt_buffer_free(struct accelrt_buffer *buf)
{
	struct drm_vnpu_vm_bind unbind = { .op = VNPU_VM_BIND_UNMAP };

	if (!buf)
		return;
	unbind.va = buf->va;
	unbind.size = buf->size;
	/* A failed unbind leaves the range mapped: its VA must not be handed out again. */
	if (!accelrt_ioctl(buf->dev->fd, DRM_IOCTL_VNPU_VM_BIND, &unbind))
		accelrt_va_free(buf->dev, buf->va, buf->va_size);
	if (buf->map)
		accel_sys_munmap(buf->map, buf->size);
	gem_close(buf->dev, buf->handle);
	free(buf);
}

uint64_t accelrt_buffer_va(const struct accelrt_buffer *buf)
{
	return buf->va;
}

uint64_t accelrt_buffer_size(const struct accelrt_buffer *buf)
{
	return buf->size;
}

int accelrt_buffer_map(struct accelrt_buffer *buf, void **ptr)
{
	if (!buf->map)
		return -EACCES;
	*ptr = buf->map;
	return 0;
}

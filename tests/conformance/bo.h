/* bo.h - buffer helpers shared by the GEM, mmap and PRIME conformance programs. */
#ifndef CONFORMANCE_BO_H
#define CONFORMANCE_BO_H

#include "conformance.h"
#include <uapi/drm/example_accel.h>

/* A new buffer's handle, or -errno. */
static inline long bo_create(int fd, uint64_t size)
{
	struct drm_example_create_bo c = { .size = size };
	long rc = xioctl(fd, DRM_IOCTL_EXAMPLE_CREATE_BO, &c);

	return rc < 0 ? rc : (long)c.handle;
}

/* BO_INFO: 0 or -errno; size and offset out. */
static inline long bo_info(int fd, uint32_t handle, uint64_t *size, uint64_t *offset)
{
	struct drm_example_bo_info i = { .handle = handle };
	long rc = xioctl(fd, DRM_IOCTL_EXAMPLE_BO_INFO, &i);

	if (size)
		*size = i.size;
	if (offset)
		*offset = i.mmap_offset;
	return rc;
}

static inline long gem_close(int fd, uint32_t handle)
{
	struct drm_gem_close c = { .handle = handle };

	return xioctl(fd, DRM_IOCTL_GEM_CLOSE, &c);
}

/* PRIME export: the new descriptor or -errno. */
static inline long prime_export(int fd, uint32_t handle, uint32_t flags)
{
	struct drm_prime_handle p = { .handle = handle, .flags = flags, .fd = -1 };
	long rc = xioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p);

	return rc < 0 ? rc : p.fd;
}

/* PRIME import: the handle or -errno. */
static inline long prime_import(int fd, int buf)
{
	struct drm_prime_handle p = { .fd = buf };
	long rc = xioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p);

	return rc < 0 ? rc : (long)p.handle;
}

/* Map a buffer through its BO_INFO offset: 0 or -errno. */
static inline long bo_map(int fd, uint32_t handle, size_t len, void **p)
{
	uint64_t off;
	long rc = bo_info(fd, handle, NULL, &off);

	if (rc < 0) {
		*p = MAP_FAILED;
		return rc;
	}
	return c_mmap_rc(p, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off);
}

/* Every byte of @p is @v. */
static inline int bytes_are(const void *p, size_t len, int v)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < len; i++)
		if (b[i] != (unsigned char)v)
			return 0;
	return 1;
}

#endif

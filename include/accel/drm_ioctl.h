/* SPDX-License-Identifier: MIT */
/**
 * DOC: accel/drm_ioctl.h - ioctl descriptors and dispatch.
 *
 * drm_ioctl() follows the kernel's rules: type byte 'd'; the core table below
 * DRM_COMMAND_BASE, the driver's table from it; the argument copied in at the caller's size
 * and zero-extended to the larger of the two definitions, copied back at the caller's size
 * even when the handler fails; permission flags checked before the handler runs.
 */
#ifndef ACCEL_DRM_IOCTL_H
#define ACCEL_DRM_IOCTL_H

#include <drm/drm.h>
#include <accel/compiler.h>

/** DRM_IOCTL_NR() / DRM_IOCTL_TYPE() - the number and type byte of an ioctl command. */
#define DRM_IOCTL_NR(n) _IOC_NR(n)
#define DRM_IOCTL_TYPE(n) _IOC_TYPE(n)

struct drm_device;
struct drm_file;
struct file;

/** drm_ioctl_t - an ioctl handler: @data is the kernel copy of the argument. */
typedef int drm_ioctl_t(struct drm_device *dev, void *data, struct drm_file *file_priv);

/** enum drm_ioctl_flags - who may call an ioctl. */
enum drm_ioctl_flags {
	DRM_AUTH = 1 << 0,
	DRM_MASTER = 1 << 1,
	DRM_ROOT_ONLY = 1 << 2,
	DRM_RENDER_ALLOW = 1 << 5,
};

/** enum drm_ioctl_dir - which way the memory behind a pointer field travels. */
enum drm_ioctl_dir {
	DRM_IOCTL_IN = 1,
	DRM_IOCTL_OUT = 2,
	DRM_IOCTL_INOUT = 3,
};

/**
 * struct drm_ioctl_ptr - a pointer field of an ioctl argument and the memory it names.
 *
 * The memory is @elem_size bytes times the value of the count field (@count_size bytes at
 * @count_offset; @count_size 0 means exactly one element). acceld's clients marshal this
 * memory with the argument; the core refuses counts above @max_count.
 */
struct drm_ioctl_ptr {
	unsigned short ptr_offset;
	unsigned short count_offset;
	unsigned char count_size;
	unsigned char dir;
	unsigned int elem_size;
	unsigned int max_count;
};

/** struct drm_ioctl_fdfield - a descriptor field (__s32 or __u32) of an ioctl argument. */
struct drm_ioctl_fdfield {
	unsigned short offset;
	unsigned char dir;
};

/** struct drm_ioctl_layout - the pointer and descriptor fields of one ioctl's argument. */
struct drm_ioctl_layout {
	const struct drm_ioctl_ptr *ptrs;
	unsigned int num_ptrs;
	const struct drm_ioctl_fdfield *fds;
	unsigned int num_fds;
};

/** DRM_IOCTL_PTR() - describe @ptr of @type as @count elements of @elem bytes, at most @max. */
#define DRM_IOCTL_PTR(type, ptr, count, elem, max, _dir) { \
	.ptr_offset = offsetof(type, ptr), .count_offset = offsetof(type, count), \
	.count_size = sizeof(((type *)0)->count), .dir = (_dir), .elem_size = (elem), \
	.max_count = (max) }

/** DRM_IOCTL_FD() - describe the descriptor field @field of @type. */
#define DRM_IOCTL_FD(type, field, _dir) { .offset = offsetof(type, field), .dir = (_dir) }

/** struct drm_ioctl_desc - one ioctl: its full command, flags, handler, argument layout. */
struct drm_ioctl_desc {
	unsigned int cmd;
	enum drm_ioctl_flags flags;
	drm_ioctl_t *func;
	const char *name;
	/** @layout: pointer and descriptor fields of the argument (NULL: a flat struct). */
	const struct drm_ioctl_layout *layout;
};

/** DRM_IOCTL_DEF_DRV() - a driver table entry for DRM_IOCTL_<ioctl>, indexed from DRM_COMMAND_BASE. */
#define DRM_IOCTL_DEF_DRV(ioctl, _func, _flags) \
	[DRM_IOCTL_NR(DRM_IOCTL_##ioctl) - DRM_COMMAND_BASE] = { \
		.cmd = DRM_IOCTL_##ioctl, .flags = _flags, .func = _func, .name = #ioctl }

/** DRM_IOCTL_DEF_DRV_LAYOUT() - DRM_IOCTL_DEF_DRV() for an argument with pointer or fd fields. */
#define DRM_IOCTL_DEF_DRV_LAYOUT(ioctl, _func, _flags, _layout) \
	[DRM_IOCTL_NR(DRM_IOCTL_##ioctl) - DRM_COMMAND_BASE] = { \
		.cmd = DRM_IOCTL_##ioctl, .flags = _flags, .func = _func, .name = #ioctl, \
		.layout = _layout }

/** drm_ioctl() - the unlocked_ioctl of every DRM/accel file. */
long drm_ioctl(struct file *filp, unsigned int cmd, unsigned long arg);
/** drm_noop() - a handler that succeeds and does nothing. */
int drm_noop(struct drm_device *dev, void *data, struct drm_file *file_priv);
/** drm_invalid_op() - a handler that fails with -EINVAL. */
int drm_invalid_op(struct drm_device *dev, void *data, struct drm_file *file_priv);

/** drm_ioctl_core_desc() - the core table entry of @nr, or NULL (for marshalling tables). */
const struct drm_ioctl_desc *drm_ioctl_core_desc(unsigned int nr);

#endif

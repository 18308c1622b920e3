/* SPDX-License-Identifier: MIT */
/*
 * drm_ext.h - DRM core uAPI that is newer than Debian 12's libdrm <drm/drm.h>.
 *
 * The numbers and layouts are the kernel's (Linux 6.12 for EVENTFD and CLOSEFB, 6.13 for
 * SET_CLIENT_NAME); every definition is skipped where the system header already has it.
 */
#ifndef ACCEL_UAPI_DRM_EXT_H
#define ACCEL_UAPI_DRM_EXT_H

#include <drm/drm.h>

#ifndef DRM_IOCTL_SYNCOBJ_EVENTFD
/* Signal an eventfd when a syncobj point is signalled (or available with WAIT_AVAILABLE). */
struct drm_syncobj_eventfd {
	__u32 handle;
	__u32 flags;
	__u64 point;
	__s32 fd;
	__u32 pad;
};
#define DRM_IOCTL_SYNCOBJ_EVENTFD DRM_IOWR(0xCF, struct drm_syncobj_eventfd)
#endif

#ifndef DRM_IOCTL_MODE_CLOSEFB
struct drm_mode_closefb {
	__u32 fb_id;
	__u32 pad;
};
#define DRM_IOCTL_MODE_CLOSEFB DRM_IOWR(0xD0, struct drm_mode_closefb)
#endif

#ifndef DRM_IOCTL_SET_CLIENT_NAME
/* Name this client for fdinfo and debugfs: at most 64 printable, non-space ASCII bytes. */
struct drm_set_client_name {
	__u64 name_len;
	__u64 name;
};
#define DRM_IOCTL_SET_CLIENT_NAME DRM_IOWR(0xD1, struct drm_set_client_name)
#endif

#ifndef DRM_CAP_ATOMIC_ASYNC_PAGE_FLIP
#define DRM_CAP_ATOMIC_ASYNC_PAGE_FLIP 0x15
#endif
#ifndef DRM_CLIENT_CAP_CURSOR_PLANE_HOTSPOT
#define DRM_CLIENT_CAP_CURSOR_PLANE_HOTSPOT 6
#endif

/*
 * Linux 6.5 added deadline_nsec to the two syncobj wait structs, which changes the size the
 * ioctl numbers encode (0x20 -> 0x28, 0x28 -> 0x30); Debian 12's libdrm header predates it.
 * These are the 6.12 layouts and numbers under their own names, whichever header is
 * installed; the core table uses them, and a caller built with the older header still works
 * (its shorter argument is zero-extended: no deadline).
 */
struct drm_syncobj_wait_6_12 {
	__u64 handles;
	__s64 timeout_nsec; /* absolute CLOCK_MONOTONIC; 0 polls */
	__u32 count_handles;
	__u32 flags;
	__u32 first_signaled;
	__u32 pad;
	__u64 deadline_nsec; /* with DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE */
};
struct drm_syncobj_timeline_wait_6_12 {
	__u64 handles;
	__u64 points;
	__s64 timeout_nsec;
	__u32 count_handles;
	__u32 flags;
	__u32 first_signaled;
	__u32 pad;
	__u64 deadline_nsec;
};
#define DRM_IOCTL_SYNCOBJ_WAIT_6_12 DRM_IOWR(0xC3, struct drm_syncobj_wait_6_12)
#define DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT_6_12 DRM_IOWR(0xCA, struct drm_syncobj_timeline_wait_6_12)

#ifndef DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE
#define DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE (1 << 3)
#endif
#ifndef DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED
#define DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED (1 << 0)
#endif

#endif

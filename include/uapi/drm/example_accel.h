/* SPDX-License-Identifier: MIT */
/**
 * DOC: example_accel.h - uAPI of drivers/example, the smallest accelerator driver.
 *
 * The numbers and layouts are those of the kernel oracle's test device (accel_oracle), so
 * that one conformance source drives both the real kernel and accel: create a buffer, ask
 * for its size and mmap offset, submit a job whose fence lands in a syncobj, and signal that
 * fence by hand (with an optional error).
 */
#ifndef EXAMPLE_ACCEL_H
#define EXAMPLE_ACCEL_H

#include <drm/drm.h>

#define DRM_EXAMPLE_CREATE_BO 0x00
#define DRM_EXAMPLE_BO_INFO 0x01
#define DRM_EXAMPLE_SUBMIT 0x02
#define DRM_EXAMPLE_SIGNAL 0x03

/** struct drm_example_create_bo - make a buffer of @size bytes (rounded up to pages). */
struct drm_example_create_bo {
	__u64 size;   /* in */
	__u32 flags;  /* in: must be 0 */
	__u32 handle; /* out */
};

/** struct drm_example_bo_info - size and fake mmap offset of a buffer. */
struct drm_example_bo_info {
	__u32 handle;      /* in */
	__u32 pad;         /* must be 0 */
	__u64 size;        /* out */
	__u64 mmap_offset; /* out: for mmap() on the accel file */
};

/** EXAMPLE_SUBMIT_SIGNAL_NOW - the job's fence is signalled at once. */
#define EXAMPLE_SUBMIT_SIGNAL_NOW 0x1

/** struct drm_example_submit - a job whose fence goes into @out_syncobj. */
struct drm_example_submit {
	__u32 out_syncobj; /* in: syncobj handle receiving the job fence (0 = none) */
	__u32 flags;       /* in: EXAMPLE_SUBMIT_* */
	__u64 out_point;   /* in: 0 = replace the fence, else a timeline point */
	__u32 fence_id;    /* out: names the fence for DRM_EXAMPLE_SIGNAL */
	__u32 pad;
};

/** struct drm_example_signal - signal a submitted job's fence, with @error (0 or -errno). */
struct drm_example_signal {
	__u32 fence_id; /* in */
	__s32 error;    /* in */
};

#define DRM_IOCTL_EXAMPLE_CREATE_BO \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_EXAMPLE_CREATE_BO, struct drm_example_create_bo)
#define DRM_IOCTL_EXAMPLE_BO_INFO \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_EXAMPLE_BO_INFO, struct drm_example_bo_info)
#define DRM_IOCTL_EXAMPLE_SUBMIT \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_EXAMPLE_SUBMIT, struct drm_example_submit)
#define DRM_IOCTL_EXAMPLE_SIGNAL \
	DRM_IOW(DRM_COMMAND_BASE + DRM_EXAMPLE_SIGNAL, struct drm_example_signal)

#endif

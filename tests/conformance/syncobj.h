/* syncobj.h - syncobj, job and sync_file helpers of the fence conformance programs.
 *
 * Waits use the Linux 6.12 argument layouts (with deadline_nsec) whichever <drm/drm.h> the
 * program is built with, so that both worlds see the same ioctl numbers. Every helper
 * returns 0, a value (handle, fence id, descriptor) or -errno.
 */
#ifndef CONFORMANCE_SYNCOBJ_H
#define CONFORMANCE_SYNCOBJ_H

#include "conformance.h"
#include <uapi/drm/example_accel.h>

#define MS (1000000LL)

static inline long so_create(int fd, uint32_t flags)
{
	struct drm_syncobj_create c = { .flags = flags };
	long rc = xioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &c);

	return rc < 0 ? rc : (long)c.handle;
}

static inline long so_destroy(int fd, uint32_t handle)
{
	struct drm_syncobj_destroy d = { .handle = handle };

	return xioctl(fd, DRM_IOCTL_SYNCOBJ_DESTROY, &d);
}

/* WAIT with an absolute @timeout (0 polls); the first signalled index in *@first. */
static inline long so_wait(int fd, const uint32_t *handles, uint32_t count, int64_t timeout,
			   uint32_t flags, uint32_t *first)
{
	struct drm_syncobj_wait_6_12 w = { .handles = (uintptr_t)handles, .timeout_nsec = timeout,
					   .count_handles = count, .flags = flags,
					   .first_signaled = 0xdeadbeef };
	long rc = xioctl(fd, DRM_IOCTL_SYNCOBJ_WAIT_6_12, &w);

	if (first)
		*first = w.first_signaled;
	return rc;
}

static inline long so_wait1(int fd, uint32_t handle, int64_t timeout, uint32_t flags)
{
	return so_wait(fd, &handle, 1, timeout, flags, NULL);
}

static inline long so_twait(int fd, const uint32_t *handles, const uint64_t *points,
			    uint32_t count, int64_t timeout, uint32_t flags, uint32_t *first)
{
	struct drm_syncobj_timeline_wait_6_12 w = {
		.handles = (uintptr_t)handles, .points = (uintptr_t)points, .timeout_nsec = timeout,
		.count_handles = count, .flags = flags, .first_signaled = 0xdeadbeef };
	long rc = xioctl(fd, DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT_6_12, &w);

	if (first)
		*first = w.first_signaled;
	return rc;
}

static inline long so_twait1(int fd, uint32_t handle, uint64_t point, int64_t timeout,
			     uint32_t flags)
{
	return so_twait(fd, &handle, &point, 1, timeout, flags, NULL);
}

static inline long so_array(int fd, unsigned long req, const uint32_t *handles, uint32_t count)
{
	struct drm_syncobj_array a = { .handles = (uintptr_t)handles, .count_handles = count };

	return xioctl(fd, req, &a);
}

static inline long so_signal1(int fd, uint32_t handle)
{
	return so_array(fd, DRM_IOCTL_SYNCOBJ_SIGNAL, &handle, 1);
}

static inline long so_reset1(int fd, uint32_t handle)
{
	return so_array(fd, DRM_IOCTL_SYNCOBJ_RESET, &handle, 1);
}

static inline long so_tsignal1(int fd, uint32_t handle, uint64_t point)
{
	struct drm_syncobj_timeline_array a = { .handles = (uintptr_t)&handle,
						.points = (uintptr_t)&point, .count_handles = 1 };

	return xioctl(fd, DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, &a);
}

/* QUERY one syncobj: the point, or -errno. */
static inline long so_query1(int fd, uint32_t handle, uint32_t flags)
{
	uint64_t point = 0xdeadbeef;
	struct drm_syncobj_timeline_array a = { .handles = (uintptr_t)&handle,
						.points = (uintptr_t)&point, .count_handles = 1,
						.flags = flags };
	long rc = xioctl(fd, DRM_IOCTL_SYNCOBJ_QUERY, &a);

	return rc < 0 ? rc : (long)point;
}

static inline long so_transfer(int fd, uint32_t src, uint64_t src_point, uint32_t dst,
			       uint64_t dst_point, uint32_t flags)
{
	struct drm_syncobj_transfer t = { .src_handle = src, .dst_handle = dst,
					  .src_point = src_point, .dst_point = dst_point,
					  .flags = flags };

	return xioctl(fd, DRM_IOCTL_SYNCOBJ_TRANSFER, &t);
}

/* HANDLE_TO_FD: the descriptor or -errno. */
static inline long so_to_fd(int fd, uint32_t handle, uint32_t flags)
{
	struct drm_syncobj_handle h = { .handle = handle, .flags = flags, .fd = -1 };
	long rc = xioctl(fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &h);

	return rc < 0 ? rc : (long)h.fd;
}

/* FD_TO_HANDLE: the handle (or 0 with IMPORT_SYNC_FILE into @handle) or -errno. */
static inline long so_from_fd(int fd, int sfd, uint32_t flags, uint32_t handle)
{
	struct drm_syncobj_handle h = { .handle = handle, .flags = flags, .fd = sfd };
	long rc = xioctl(fd, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, &h);

	if (rc < 0)
		return rc;
	return flags ? 0 : (long)h.handle;
}

/* SUBMIT: the job's fence id or -errno. */
static inline long job_submit(int fd, uint32_t syncobj, uint64_t point, uint32_t flags)
{
	struct drm_example_submit s = { .out_syncobj = syncobj, .out_point = point, .flags = flags };
	long rc = xioctl(fd, DRM_IOCTL_EXAMPLE_SUBMIT, &s);

	return rc < 0 ? rc : (long)s.fence_id;
}

static inline long job_signal(int fd, uint32_t fence_id, int32_t error)
{
	struct drm_example_signal s = { .fence_id = fence_id, .error = error };

	return xioctl(fd, DRM_IOCTL_EXAMPLE_SIGNAL, &s);
}

/*
 * The oracle's test driver keeps job fences in an allocating xarray, which hands out id 0
 * after the table has emptied in some patterns (an xarray artefact, not DRM behaviour).
 * Programs submit this anchor job first and never signal it, and print fence ids only
 * until the first SIGNAL; later submissions print 0 / -errno (KSUB).
 */
static inline long job_anchor(int fd)
{
	return job_submit(fd, 0, 0, 0);
}

/* Print a submit's result as 0 or -errno (ids after signals follow the xarray, see above). */
#define KSUB(key, expr) ({ long _id = (expr); KV((key), "%s", rcstr(_id < 0 ? _id : 0)); _id; })

/* A descriptor is close-on-exec (1) or not (0). */
static inline int c_cloexec(int fd)
{
	int f = fcntl(fd, F_GETFD);

	return f < 0 ? -errno : !!(f & FD_CLOEXEC);
}

#endif

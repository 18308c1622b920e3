/* gfx_syncobj.c - the syncobj uAPI on a graphics driver's render node (virtio_gpu in the
 * kernel, example_gfx in accel; both have DRIVER_SYNCOBJ and DRIVER_SYNCOBJ_TIMELINE): the
 * caps on the card and render nodes, CREATE/DESTROY, SIGNAL/RESET/WAIT, TIMELINE_SIGNAL/
 * QUERY/TIMELINE_WAIT, TRANSFER, opaque HANDLE_TO_FD/FD_TO_HANDLE, sync_file export and
 * import (a sw_sync fence), and EVENTFD (argument checks, a point signalled later, a point
 * already signalled, WAIT_AVAILABLE).
 *
 * Keys: GFX_SYNCOBJ.<area>.<rule>.
 */
#include "syncobj.h"

#include <sys/eventfd.h>
#include <uapi/sw_sync.h>

#ifdef CONFORMANCE_ACCEL
#define GFX_DRIVER "example_gfx"
#else
#define GFX_DRIVER "virtio_gpu"
#endif

/* The first node /dev/dri/<prefix>N of GFX_DRIVER, open, or -ENOENT. */
static int open_gfx(const char *prefix, int base)
{
	for (int i = 0; i < 16; i++) {
		char p[64], name[64] = "";
		struct drm_version v = { .name = name, .name_len = sizeof(name) - 1 };
		int fd;

		snprintf(p, sizeof(p), "/dev/dri/%s%d", prefix, base + i);
		fd = c_open(p, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (!xioctl(fd, DRM_IOCTL_VERSION, &v) && !strcmp(name, GFX_DRIVER))
			return fd;
		c_close(fd);
	}
	return -ENOENT;
}

static const char *cap(int fd, uint64_t which)
{
	struct drm_get_cap c = { .capability = which };
	long rc = xioctl(fd, DRM_IOCTL_GET_CAP, &c);

	return rc < 0 ? rcstr(rc) : rcstr((long)c.value);
}

static long eventfd_arm(int fd, uint32_t handle, uint64_t point, int efd, uint32_t flags,
			uint32_t pad)
{
	struct drm_syncobj_eventfd e = { .handle = handle, .point = point, .fd = efd,
					 .flags = flags, .pad = pad };

	return xioctl(fd, DRM_IOCTL_SYNCOBJ_EVENTFD, &e);
}

/* The eventfd's count, without waiting: 0 when not signalled. */
static long eventfd_count(int efd)
{
	uint64_t n = 0;

	return read(efd, &n, sizeof(n)) == (ssize_t)sizeof(n) ? (long)n : 0;
}

static void binary(int fd)
{
	long a = so_create(fd, 0), s = so_create(fd, DRM_SYNCOBJ_CREATE_SIGNALED), ofd, b;

	KV("GFX_SYNCOBJ.BIN.CREATE", "%s", rcstr(a < 0 ? a : 0));
	KRC("GFX_SYNCOBJ.BIN.CREATE_BAD_FLAGS", so_create(fd, 0x80));
	KRC("GFX_SYNCOBJ.BIN.WAIT_SIGNALED", so_wait1(fd, (uint32_t)s, 0, 0));
	KRC("GFX_SYNCOBJ.BIN.WAIT_EMPTY", so_wait1(fd, (uint32_t)a, 0, 0));
	KRC("GFX_SYNCOBJ.BIN.WAIT_FOR_SUBMIT_EMPTY",
	    so_wait1(fd, (uint32_t)a, 0, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT));
	KRC("GFX_SYNCOBJ.BIN.SIGNAL", so_signal1(fd, (uint32_t)a));
	KRC("GFX_SYNCOBJ.BIN.WAIT_AFTER_SIGNAL", so_wait1(fd, (uint32_t)a, 0, 0));
	KRC("GFX_SYNCOBJ.BIN.RESET", so_reset1(fd, (uint32_t)a));
	KRC("GFX_SYNCOBJ.BIN.WAIT_AFTER_RESET", so_wait1(fd, (uint32_t)a, 0, 0));
	/* An opaque descriptor and back: the same syncobj under a new handle. */
	ofd = so_to_fd(fd, (uint32_t)s, 0);
	KV("GFX_SYNCOBJ.BIN.TO_FD", "%s", rcstr(ofd < 0 ? ofd : 0));
	b = so_from_fd(fd, (int)ofd, 0, 0);
	KV("GFX_SYNCOBJ.BIN.FROM_FD", "%s", rcstr(b < 0 ? b : 0));
	KV("GFX_SYNCOBJ.BIN.FROM_FD_NEW_HANDLE", "%d", b > 0 && b != s);
	KRC("GFX_SYNCOBJ.BIN.FROM_FD_WAIT", so_wait1(fd, (uint32_t)b, 0, 0));
	KRC("GFX_SYNCOBJ.BIN.DESTROY", so_destroy(fd, (uint32_t)a));
	KRC("GFX_SYNCOBJ.BIN.DESTROY_AGAIN", so_destroy(fd, (uint32_t)a));
	if (ofd >= 0)
		c_close((int)ofd);
	so_destroy(fd, (uint32_t)b);
	so_destroy(fd, (uint32_t)s);
}

static void timeline(int fd)
{
	long t = so_create(fd, 0), d = so_create(fd, 0);

	KRC("GFX_SYNCOBJ.TL.QUERY_EMPTY", so_query1(fd, (uint32_t)t, 0));
	KRC("GFX_SYNCOBJ.TL.SIGNAL_2", so_tsignal1(fd, (uint32_t)t, 2));
	KRC("GFX_SYNCOBJ.TL.QUERY_2", so_query1(fd, (uint32_t)t, 0));
	KRC("GFX_SYNCOBJ.TL.WAIT_2", so_twait1(fd, (uint32_t)t, 2, 0, 0));
	KRC("GFX_SYNCOBJ.TL.WAIT_3", so_twait1(fd, (uint32_t)t, 3, 0, 0));
	KRC("GFX_SYNCOBJ.TL.WAIT_3_AVAILABLE",
	    so_twait1(fd, (uint32_t)t, 3, 0, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE));
	KRC("GFX_SYNCOBJ.TL.TRANSFER_TO_BINARY", so_transfer(fd, (uint32_t)t, 2, (uint32_t)d, 0, 0));
	KRC("GFX_SYNCOBJ.TL.TRANSFERRED_WAIT", so_wait1(fd, (uint32_t)d, 0, 0));
	KRC("GFX_SYNCOBJ.TL.TRANSFER_TO_POINT", so_transfer(fd, (uint32_t)d, 0, (uint32_t)t, 5, 0));
	KRC("GFX_SYNCOBJ.TL.QUERY_5", so_query1(fd, (uint32_t)t, 0));
	so_destroy(fd, (uint32_t)t);
	so_destroy(fd, (uint32_t)d);
}

static void sync_files(int fd)
{
	int tl = c_open("/sys/kernel/debug/sync/sw_sync", O_RDWR | O_CLOEXEC);
	struct sw_sync_create_fence_data cf = { .value = 1, .fence = -1 };
	long so = so_create(fd, 0), s = so_create(fd, DRM_SYNCOBJ_CREATE_SIGNALED), sfd;
	uint32_t by = 1;

	KV("GFX_SYNCOBJ.SF.SW_SYNC_OPEN", "%d", tl >= 0);
	KRC("GFX_SYNCOBJ.SF.SW_SYNC_FENCE", xioctl(tl, SW_SYNC_IOC_CREATE_FENCE, &cf));
	KRC("GFX_SYNCOBJ.SF.IMPORT",
	    so_from_fd(fd, cf.fence, DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE, (uint32_t)so));
	KRC("GFX_SYNCOBJ.SF.WAIT_PENDING", so_wait1(fd, (uint32_t)so, 0, 0));
	KRC("GFX_SYNCOBJ.SF.INC", xioctl(tl, SW_SYNC_IOC_INC, &by));
	KRC("GFX_SYNCOBJ.SF.WAIT_SIGNALED", so_wait1(fd, (uint32_t)so, c_now_ns() + 10000 * MS, 0));
	sfd = so_to_fd(fd, (uint32_t)s, DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE);
	KV("GFX_SYNCOBJ.SF.EXPORT_SIGNALED", "%s", rcstr(sfd < 0 ? sfd : 0));
	KV("GFX_SYNCOBJ.SF.EXPORT_SIGNALED_POLL", "%ld", c_poll_in((int)sfd, 0));
	if (sfd >= 0)
		c_close((int)sfd);
	if (cf.fence >= 0)
		c_close(cf.fence);
	so_destroy(fd, (uint32_t)so);
	so_destroy(fd, (uint32_t)s);
	if (tl >= 0)
		c_close(tl);
}

static void eventfds(int fd)
{
	long t = so_create(fd, 0), b = so_create(fd, DRM_SYNCOBJ_CREATE_SIGNALED);
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), efd2 = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	KRC("GFX_SYNCOBJ.EV.BAD_FLAGS", eventfd_arm(fd, (uint32_t)t, 1, efd, 0x80, 0));
	KRC("GFX_SYNCOBJ.EV.BAD_PAD", eventfd_arm(fd, (uint32_t)t, 1, efd, 0, 1));
	KRC("GFX_SYNCOBJ.EV.BAD_HANDLE", eventfd_arm(fd, 9999, 1, efd, 0, 0));
	KRC("GFX_SYNCOBJ.EV.NOT_AN_EVENTFD", eventfd_arm(fd, (uint32_t)t, 1, fd, 0, 0));
	KRC("GFX_SYNCOBJ.EV.ARM_POINT_3", eventfd_arm(fd, (uint32_t)t, 3, efd, 0, 0));
	KV("GFX_SYNCOBJ.EV.BEFORE", "%ld", eventfd_count(efd));
	so_tsignal1(fd, (uint32_t)t, 2);
	KV("GFX_SYNCOBJ.EV.AFTER_POINT_2", "%ld", eventfd_count(efd));
	so_tsignal1(fd, (uint32_t)t, 3);
	KV("GFX_SYNCOBJ.EV.AFTER_POINT_3", "%ld", c_poll_in(efd, 10000) == 1 ? eventfd_count(efd) : 0);
	/* Already signalled: at once. */
	KRC("GFX_SYNCOBJ.EV.ARM_SIGNALED_POINT", eventfd_arm(fd, (uint32_t)t, 2, efd2, 0, 0));
	KV("GFX_SYNCOBJ.EV.SIGNALED_POINT", "%ld", c_poll_in(efd2, 10000) == 1 ? eventfd_count(efd2) : 0);
	/* A binary syncobj (point 0) with its fence. */
	KRC("GFX_SYNCOBJ.EV.ARM_BINARY", eventfd_arm(fd, (uint32_t)b, 0, efd2, 0, 0));
	KV("GFX_SYNCOBJ.EV.BINARY", "%ld", c_poll_in(efd2, 10000) == 1 ? eventfd_count(efd2) : 0);
	/* WAIT_AVAILABLE on a point not submitted yet: once it is. */
	KRC("GFX_SYNCOBJ.EV.ARM_AVAILABLE",
	    eventfd_arm(fd, (uint32_t)t, 7, efd, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE, 0));
	KV("GFX_SYNCOBJ.EV.AVAILABLE_BEFORE", "%ld", eventfd_count(efd));
	so_tsignal1(fd, (uint32_t)t, 7);
	KV("GFX_SYNCOBJ.EV.AVAILABLE_AFTER", "%ld", c_poll_in(efd, 10000) == 1 ? eventfd_count(efd) : 0);
	close(efd);
	close(efd2);
	so_destroy(fd, (uint32_t)t);
	so_destroy(fd, (uint32_t)b);
}

int main(void)
{
	int card = open_gfx("card", 0), render = open_gfx("renderD", 128);

	KV("GFX_SYNCOBJ.OPEN", "%d,%d", card >= 0, render >= 0);
	if (render < 0)
		return 1;
	KV("GFX_SYNCOBJ.CAP.RENDER", "%s,%s", cap(render, DRM_CAP_SYNCOBJ),
	   cap(render, DRM_CAP_SYNCOBJ_TIMELINE));
	if (card >= 0)
		KV("GFX_SYNCOBJ.CAP.CARD", "%s,%s", cap(card, DRM_CAP_SYNCOBJ),
		   cap(card, DRM_CAP_SYNCOBJ_TIMELINE));
	binary(render);
	timeline(render);
	sync_files(render);
	eventfds(render);
	if (card >= 0)
		c_close(card);
	c_close(render);
	return 0;
}

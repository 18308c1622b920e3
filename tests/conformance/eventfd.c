/* eventfd.c - DRM_IOCTL_SYNCOBJ_EVENTFD: argument errors, an eventfd fired when a binary
 * syncobj's fence signals or becomes available (WAIT_AVAILABLE), timeline points signalled
 * later, out of order or already past, several registrations on one eventfd.
 *
 * Keys: EVENTFD.<area>.<rule>; values are return codes and eventfd counter values.
 */
#include "syncobj.h"
#include <sys/eventfd.h>

static long reg(int fd, uint32_t handle, uint64_t point, uint32_t flags, int efd)
{
	struct drm_syncobj_eventfd e = { .handle = handle, .point = point, .flags = flags, .fd = efd };

	return xioctl(fd, DRM_IOCTL_SYNCOBJ_EVENTFD, &e);
}

/* The eventfd's counter (read, which resets it), or 0 when it has not fired. */
static long count(int efd)
{
	uint64_t v;

	if (read(efd, &v, sizeof(v)) != sizeof(v))
		return errno == EAGAIN ? 0 : -errno;
	return (long)v;
}

int main(void)
{
	int fd = c_open_accel0();
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	long h, t, id, id2;

	KV("EVENTFD.OPEN", "%s", rcstr(fd < 0 ? fd : 0));
	if (fd < 0 || efd < 0)
		return 1;
	KRC("EVENTFD.ANCHOR", job_anchor(fd));
	h = so_create(fd, 0);
	t = so_create(fd, 0);

	/* Argument checks, in the kernel's order. */
	KRC("EVENTFD.BAD_FLAGS", reg(fd, (uint32_t)h, 0, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL, efd));
	KRC("EVENTFD.BAD_FLAGS_UNKNOWN", reg(fd, 99, 0, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, -1));
	{
		struct drm_syncobj_eventfd e = { .handle = (uint32_t)h, .fd = efd, .pad = 1 };

		KRC("EVENTFD.PAD", xioctl(fd, DRM_IOCTL_SYNCOBJ_EVENTFD, &e));
	}
	KRC("EVENTFD.UNKNOWN_HANDLE", reg(fd, 99, 0, 0, efd));
	KRC("EVENTFD.UNKNOWN_HANDLE_BAD_FD", reg(fd, 99, 0, 0, -1));
	KRC("EVENTFD.BAD_FD", reg(fd, (uint32_t)h, 0, 0, -1));
	KRC("EVENTFD.CLOSED_FD", reg(fd, (uint32_t)h, 0, 0, 1000));
	{
		int p[2];

		if (pipe2(p, O_CLOEXEC) == 0) {
			KRC("EVENTFD.PIPE_FD", reg(fd, (uint32_t)h, 0, 0, p[0]));
			close(p[0]);
			close(p[1]);
		}
	}
	KRC("EVENTFD.ACCEL_FD", reg(fd, (uint32_t)h, 0, 0, fd));

	/* Binary: nothing until a fence arrives and signals. */
	KRC("EVENTFD.BINARY.REGISTER_EMPTY", reg(fd, (uint32_t)h, 0, 0, efd));
	KV("EVENTFD.BINARY.EMPTY", "%ld", count(efd));
	id = KSUB("EVENTFD.BINARY.SUBMIT", job_submit(fd, (uint32_t)h, 0, 0));
	KV("EVENTFD.BINARY.PENDING", "%ld", count(efd));
	KV("EVENTFD.BINARY.PENDING_POLL", "%ld", c_poll_in(efd, 0));
	job_signal(fd, (uint32_t)id, 0);
	KV("EVENTFD.BINARY.SIGNALED_POLL", "%ld", c_poll_in(efd, 0));
	KV("EVENTFD.BINARY.SIGNALED", "%ld", count(efd));
	KV("EVENTFD.BINARY.ONCE", "%ld", count(efd));

	/* A registration on an already signalled fence fires at once. */
	KRC("EVENTFD.BINARY.REGISTER_SIGNALED", reg(fd, (uint32_t)h, 0, 0, efd));
	KV("EVENTFD.BINARY.REGISTER_SIGNALED_COUNT", "%ld", count(efd));

	/* WAIT_AVAILABLE: fires on submission, before the job signals. */
	so_reset1(fd, (uint32_t)h);
	KRC("EVENTFD.AVAILABLE.REGISTER", reg(fd, (uint32_t)h, 0, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE, efd));
	KV("EVENTFD.AVAILABLE.EMPTY", "%ld", count(efd));
	id = job_submit(fd, (uint32_t)h, 0, 0);
	KV("EVENTFD.AVAILABLE.SUBMITTED", "%ld", count(efd));
	job_signal(fd, (uint32_t)id, 0);
	KV("EVENTFD.AVAILABLE.AFTER_SIGNAL", "%ld", count(efd));

	/* Two registrations on one eventfd add up; an error still fires. */
	id = job_submit(fd, (uint32_t)h, 0, 0);
	reg(fd, (uint32_t)h, 0, 0, efd);
	reg(fd, (uint32_t)h, 0, 0, efd);
	KV("EVENTFD.TWO.PENDING", "%ld", count(efd));
	job_signal(fd, (uint32_t)id, -EIO);
	KV("EVENTFD.TWO.SIGNALED_WITH_ERROR", "%ld", count(efd));

	/* Timeline points: later, out of order, already past. */
	id = job_submit(fd, (uint32_t)t, 1, 0);
	KRC("EVENTFD.TIMELINE.REGISTER_POINT2", reg(fd, (uint32_t)t, 2, 0, efd));
	KRC("EVENTFD.TIMELINE.REGISTER_POINT3_AVAILABLE", reg(fd, (uint32_t)t, 3, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE, efd));
	job_signal(fd, (uint32_t)id, 0);
	KV("EVENTFD.TIMELINE.POINT1_SIGNALED", "%ld", count(efd));
	id = job_submit(fd, (uint32_t)t, 2, 0);
	KV("EVENTFD.TIMELINE.POINT2_SUBMITTED", "%ld", count(efd));
	id2 = job_submit(fd, (uint32_t)t, 3, 0);
	KV("EVENTFD.TIMELINE.POINT3_SUBMITTED", "%ld", count(efd));
	job_signal(fd, (uint32_t)id2, 0);
	KV("EVENTFD.TIMELINE.POINT3_SIGNALED_FIRST", "%ld", count(efd));
	job_signal(fd, (uint32_t)id, 0);
	KV("EVENTFD.TIMELINE.POINT2_SIGNALED", "%ld", count(efd));
	KRC("EVENTFD.TIMELINE.REGISTER_PAST_POINT1", reg(fd, (uint32_t)t, 1, 0, efd));
	KV("EVENTFD.TIMELINE.PAST_POINT1", "%ld", count(efd));
	KRC("EVENTFD.TIMELINE.REGISTER_POINT9", reg(fd, (uint32_t)t, 9, 0, efd));
	so_tsignal1(fd, (uint32_t)t, 8);
	KV("EVENTFD.TIMELINE.POINT8_ONLY", "%ld", count(efd));
	so_tsignal1(fd, (uint32_t)t, 9);
	KV("EVENTFD.TIMELINE.POINT9", "%ld", count(efd));

	/* A registration whose syncobj goes away never fires. */
	{
		long g = so_create(fd, 0);

		reg(fd, (uint32_t)g, 0, 0, efd);
		KRC("EVENTFD.GONE.DESTROY", so_destroy(fd, (uint32_t)g));
		KV("EVENTFD.GONE.COUNT", "%ld", count(efd));
	}
	/* Registered, then its pending fence is replaced: the registration stays armed. */
	id = job_submit(fd, (uint32_t)h, 0, 0);
	reg(fd, (uint32_t)h, 0, 0, efd);
	so_signal1(fd, (uint32_t)h);
	KV("EVENTFD.REPLACED.AFTER_SYNCOBJ_SIGNAL", "%ld", count(efd));
	job_signal(fd, (uint32_t)id, 0);
	KV("EVENTFD.REPLACED.AFTER_JOB_SIGNAL", "%ld", count(efd));
	close(efd);
	c_close(fd);
	return 0;
}

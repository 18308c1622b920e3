/* sync_file.c - sync_file descriptors from and into syncobjs: EXPORT_SYNC_FILE /
 * IMPORT_SYNC_FILE errors, poll before and after the fence signals (also with an error),
 * lifetime beyond the syncobj, timeline heads and points (through TRANSFER).
 *
 * Keys: SYNC_FILE.<area>.<rule>; values are return codes and poll results.
 */
#include "syncobj.h"

static long export_sf(int fd, uint32_t handle)
{
	return so_to_fd(fd, handle, DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE);
}

static long import_sf(int fd, int sfd, uint32_t handle)
{
	return so_from_fd(fd, sfd, DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE, handle);
}

/* poll() revents of a descriptor, without waiting. */
static int revents(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT | POLLPRI };

	return poll(&p, 1, 0) < 0 ? -errno : p.revents;
}

int main(void)
{
	int fd = c_open_accel0();
	long a, b, sig, sfd, sfd2, id;

	KV("SYNC_FILE.OPEN", "%s", rcstr(fd < 0 ? fd : 0));
	if (fd < 0)
		return 1;
	KRC("SYNC_FILE.ANCHOR", job_anchor(fd));
	a = so_create(fd, 0);
	b = so_create(fd, 0);
	sig = so_create(fd, DRM_SYNCOBJ_CREATE_SIGNALED);

	/* EXPORT checks. */
	KRC("SYNC_FILE.EXPORT.NO_FENCE", export_sf(fd, (uint32_t)a));
	KRC("SYNC_FILE.EXPORT.UNKNOWN", export_sf(fd, 99));
	{
		struct drm_syncobj_handle h = { .handle = (uint32_t)sig, .pad = 1,
						.flags = DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE };

		KRC("SYNC_FILE.EXPORT.PAD", xioctl(fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &h));
	}

	/* A signalled syncobj exports a readable sync_file. */
	sfd = export_sf(fd, (uint32_t)sig);
	KV("SYNC_FILE.EXPORT.SIGNALED", "%s", rcstr(sfd < 0 ? sfd : 0));
	KV("SYNC_FILE.EXPORT.CLOEXEC", "%d", c_cloexec((int)sfd));
	KV("SYNC_FILE.EXPORT.SIGNALED_POLL", "%ld", c_poll_in((int)sfd, 0));
	KV("SYNC_FILE.EXPORT.SIGNALED_REVENTS", "0x%x", revents((int)sfd));

	/* IMPORT checks. */
	KRC("SYNC_FILE.IMPORT.MINUS_ONE", import_sf(fd, -1, (uint32_t)a));
	KRC("SYNC_FILE.IMPORT.CLOSED_FD", import_sf(fd, 1000, (uint32_t)a));
	KRC("SYNC_FILE.IMPORT.UNKNOWN_HANDLE", import_sf(fd, (int)sfd, 99));
	KRC("SYNC_FILE.IMPORT.BAD_FD_UNKNOWN_HANDLE", import_sf(fd, -1, 99));
	KRC("SYNC_FILE.IMPORT.AS_OPAQUE", so_from_fd(fd, (int)sfd, 0, 0));
	{
		long ofd = so_to_fd(fd, (uint32_t)sig, 0);

		KRC("SYNC_FILE.IMPORT.OPAQUE_FD", import_sf(fd, (int)ofd, (uint32_t)a));
		close((int)ofd);
	}
	{
		struct drm_syncobj_handle h = { .handle = (uint32_t)a, .pad = 1, .fd = (int)sfd,
						.flags = DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE };

		KRC("SYNC_FILE.IMPORT.PAD", xioctl(fd, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, &h));
	}
	KRC("SYNC_FILE.IMPORT.SIGNALED", import_sf(fd, (int)sfd, (uint32_t)a));
	KRC("SYNC_FILE.IMPORT.SIGNALED_WAIT", so_wait1(fd, (uint32_t)a, 0, 0));
	close((int)sfd);

	/* A pending job fence: not readable until SIGNAL. */
	id = KSUB("SYNC_FILE.PENDING.SUBMIT", job_submit(fd, (uint32_t)b, 0, 0));
	sfd = export_sf(fd, (uint32_t)b);
	KV("SYNC_FILE.PENDING.EXPORT", "%s", rcstr(sfd < 0 ? sfd : 0));
	KV("SYNC_FILE.PENDING.POLL", "%ld", c_poll_in((int)sfd, 0));
	KV("SYNC_FILE.PENDING.POLL_10MS", "%ld", c_poll_in((int)sfd, 10));
	KV("SYNC_FILE.PENDING.REVENTS", "0x%x", revents((int)sfd));
	KRC("SYNC_FILE.PENDING.IMPORT", import_sf(fd, (int)sfd, (uint32_t)a));
	KRC("SYNC_FILE.PENDING.IMPORTED_WAIT", so_wait1(fd, (uint32_t)a, 0, 0));
	sfd2 = dup((int)sfd);
	KRC("SYNC_FILE.PENDING.SIGNAL", job_signal(fd, (uint32_t)id, 0));
	KV("SYNC_FILE.PENDING.POLL_AFTER_SIGNAL", "%ld", c_poll_in((int)sfd, 0));
	KV("SYNC_FILE.PENDING.DUP_POLL_AFTER_SIGNAL", "%ld", c_poll_in((int)sfd2, 0));
	KV("SYNC_FILE.PENDING.REVENTS_AFTER_SIGNAL", "0x%x", revents((int)sfd));
	KRC("SYNC_FILE.PENDING.IMPORTED_WAIT_AFTER", so_wait1(fd, (uint32_t)a, 0, 0));
	close((int)sfd);
	KRC("SYNC_FILE.DUP.IMPORT", import_sf(fd, (int)sfd2, (uint32_t)a));
	close((int)sfd2);

	/* An error does not change readiness: the fence is signalled. */
	id = job_submit(fd, (uint32_t)b, 0, 0);
	sfd = export_sf(fd, (uint32_t)b);
	KRC("SYNC_FILE.ERROR.SIGNAL_ECANCELED", job_signal(fd, (uint32_t)id, -ECANCELED));
	KV("SYNC_FILE.ERROR.POLL", "%ld", c_poll_in((int)sfd, 0));
	KV("SYNC_FILE.ERROR.REVENTS", "0x%x", revents((int)sfd));
	KRC("SYNC_FILE.ERROR.IMPORT_WAIT", (import_sf(fd, (int)sfd, (uint32_t)a), so_wait1(fd, (uint32_t)a, 0, 0)));
	close((int)sfd);

	/* The sync_file holds its fence after the syncobj is gone. */
	{
		long c = so_create(fd, 0);

		id = job_submit(fd, (uint32_t)c, 0, 0);
		sfd = export_sf(fd, (uint32_t)c);
		KRC("SYNC_FILE.LIFETIME.DESTROY_SYNCOBJ", so_destroy(fd, (uint32_t)c));
		KV("SYNC_FILE.LIFETIME.POLL_PENDING", "%ld", c_poll_in((int)sfd, 0));
		KRC("SYNC_FILE.LIFETIME.IMPORT_PENDING", import_sf(fd, (int)sfd, (uint32_t)a));
		KRC("SYNC_FILE.LIFETIME.IMPORTED_PENDING_WAIT", so_wait1(fd, (uint32_t)a, 0, 0));
		KRC("SYNC_FILE.LIFETIME.SIGNAL", job_signal(fd, (uint32_t)id, 0));
		KV("SYNC_FILE.LIFETIME.POLL_DONE", "%ld", c_poll_in((int)sfd, 0));
		KRC("SYNC_FILE.LIFETIME.IMPORTED_WAIT_DONE", so_wait1(fd, (uint32_t)a, 0, 0));
		close((int)sfd);
	}

	/* Another file imports the same sync_file. */
	{
		int fd2 = c_open_accel0();
		long h2 = so_create(fd2, 0);

		id = job_submit(fd, (uint32_t)b, 0, 0);
		sfd = export_sf(fd, (uint32_t)b);
		KRC("SYNC_FILE.OTHER_FILE.IMPORT", import_sf(fd2, (int)sfd, (uint32_t)h2));
		KRC("SYNC_FILE.OTHER_FILE.WAIT_PENDING", so_wait1(fd2, (uint32_t)h2, 0, 0));
		job_signal(fd, (uint32_t)id, 0);
		KRC("SYNC_FILE.OTHER_FILE.WAIT_DONE", so_wait1(fd2, (uint32_t)h2, 0, 0));
		close((int)sfd);
		c_close(fd2);
	}

	/* Timelines: export takes the head; a point goes out through a binary syncobj. */
	{
		long t = so_create(fd, 0), bin = so_create(fd, 0), i1, i2, s1, shead;

		i1 = job_submit(fd, (uint32_t)t, 1, 0);
		i2 = job_submit(fd, (uint32_t)t, 2, 0);
		shead = export_sf(fd, (uint32_t)t);
		KV("SYNC_FILE.TIMELINE.EXPORT_HEAD", "%s", rcstr(shead < 0 ? shead : 0));
		so_transfer(fd, (uint32_t)t, 1, (uint32_t)bin, 0, 0);
		s1 = export_sf(fd, (uint32_t)bin);
		KV("SYNC_FILE.TIMELINE.EXPORT_POINT1", "%s", rcstr(s1 < 0 ? s1 : 0));
		KV("SYNC_FILE.TIMELINE.POINT1_POLL", "%ld", c_poll_in((int)s1, 0));
		job_signal(fd, (uint32_t)i1, 0);
		KV("SYNC_FILE.TIMELINE.POINT1_POLL_SIGNALED", "%ld", c_poll_in((int)s1, 0));
		KV("SYNC_FILE.TIMELINE.HEAD_POLL_HALF", "%ld", c_poll_in((int)shead, 0));
		job_signal(fd, (uint32_t)i2, 0);
		KV("SYNC_FILE.TIMELINE.HEAD_POLL_DONE", "%ld", c_poll_in((int)shead, 0));

		/* Importing into a timeline replaces its chain with a plain fence. */
		KRC("SYNC_FILE.TIMELINE.IMPORT", import_sf(fd, (int)s1, (uint32_t)t));
		KRC("SYNC_FILE.TIMELINE.IMPORT_QUERY", so_query1(fd, (uint32_t)t, 0));
		KRC("SYNC_FILE.TIMELINE.IMPORT_QUERY_LAST", so_query1(fd, (uint32_t)t, DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED));
		KRC("SYNC_FILE.TIMELINE.IMPORT_WAIT_POINT1", so_twait1(fd, (uint32_t)t, 1, 0, 0));
		close((int)s1);
		close((int)shead);
	}
	/* SIGNAL (the syncobj ioctl) gives a stub fence that exports readable. */
	so_reset1(fd, (uint32_t)b);
	so_signal1(fd, (uint32_t)b);
	sfd = export_sf(fd, (uint32_t)b);
	KV("SYNC_FILE.STUB.POLL", "%ld", c_poll_in((int)sfd, 0));
	close((int)sfd);
	c_close(fd);
	return 0;
}

/* syncobj_binary.c - binary syncobjs on an accel file: handles, WAIT (any, all, for
 * submit, timeouts, first_signaled, both argument layouts), RESET, SIGNAL, opaque
 * descriptors, and the example driver's SUBMIT / SIGNAL errors.
 *
 * Keys: SYNCOBJ.<area>.<rule>; values are return codes, handles, fence ids and indices.
 */
#include "syncobj.h"
#include <pthread.h>
#include <sys/eventfd.h>

/* libdrm's layout of Debian 12: no deadline_nsec, so ioctl size 0x20 instead of 0x28. */
struct wait_pre_6_5 {
	__u64 handles;
	__s64 timeout_nsec;
	__u32 count_handles;
	__u32 flags;
	__u32 first_signaled;
	__u32 pad;
};
#define IOCTL_WAIT_PRE_6_5 DRM_IOWR(0xC3, struct wait_pre_6_5)

struct submitter {
	int fd;
	uint32_t handle;
	long rc;
};

/* Another client puts a signalled job fence into the shared syncobj a little later. */
static void *submit_later(void *arg)
{
	struct submitter *s = arg;
	struct timespec d = { 0, 50 * 1000000 };

	nanosleep(&d, NULL);
	s->rc = job_submit(s->fd, s->handle, 0, EXAMPLE_SUBMIT_SIGNAL_NOW);
	return NULL;
}

int main(void)
{
	int fd = c_open_accel0();
	uint32_t first;
	long h1, h2, h3, hs, id;

	KV("SYNCOBJ.OPEN", "%s", rcstr(fd < 0 ? fd : 0));
	if (fd < 0)
		return 1;
	{
		struct drm_get_cap c = { .capability = DRM_CAP_SYNCOBJ };

		xioctl(fd, DRM_IOCTL_GET_CAP, &c);
		KV("SYNCOBJ.CAP", "%llu", (unsigned long long)c.value);
	}

	/* Handles: the lowest free from 1, reused after destroy. */
	h1 = KRC("SYNCOBJ.CREATE.FIRST", so_create(fd, 0));
	h2 = KRC("SYNCOBJ.CREATE.SECOND", so_create(fd, 0));
	h3 = KRC("SYNCOBJ.CREATE.THIRD", so_create(fd, 0));
	KRC("SYNCOBJ.CREATE.BAD_FLAGS", so_create(fd, 2));
	KRC("SYNCOBJ.CREATE.HIGH_FLAGS", so_create(fd, 0x80000000u));
	KRC("SYNCOBJ.DESTROY.MIDDLE", so_destroy(fd, (uint32_t)h2));
	KRC("SYNCOBJ.DESTROY.AGAIN", so_destroy(fd, (uint32_t)h2));
	KRC("SYNCOBJ.DESTROY.ZERO", so_destroy(fd, 0));
	KRC("SYNCOBJ.DESTROY.HUGE", so_destroy(fd, 0xffffffffu));
	{
		struct drm_syncobj_destroy d = { .handle = (uint32_t)h1, .pad = 1 };

		KRC("SYNCOBJ.DESTROY.PAD", xioctl(fd, DRM_IOCTL_SYNCOBJ_DESTROY, &d));
	}
	h2 = KRC("SYNCOBJ.CREATE.REUSES_LOWEST", so_create(fd, 0));
	hs = KRC("SYNCOBJ.CREATE.SIGNALED", so_create(fd, DRM_SYNCOBJ_CREATE_SIGNALED));

	/* The example driver's job ioctls. */
	KRC("SYNCOBJ.SUBMIT.ANCHOR", job_anchor(fd));
	KRC("SYNCOBJ.SUBMIT.BAD_FLAGS", job_submit(fd, 0, 0, 2));
	{
		struct drm_example_submit s = { .pad = 1 };

		KRC("SYNCOBJ.SUBMIT.PAD", xioctl(fd, DRM_IOCTL_EXAMPLE_SUBMIT, &s));
	}
	KRC("SYNCOBJ.SUBMIT.UNKNOWN_SYNCOBJ", job_submit(fd, 99, 0, 0));
	KRC("SYNCOBJ.SUBMIT.UNKNOWN_SYNCOBJ_POINT", job_submit(fd, 99, 5, 0));
	id = KRC("SYNCOBJ.SUBMIT.NO_SYNCOBJ", job_submit(fd, 0, 0, 0));
	KRC("SYNCOBJ.SUBMIT.NOW_ID", job_submit(fd, 0, 0, EXAMPLE_SUBMIT_SIGNAL_NOW));
	KRC("SYNCOBJ.SUBMIT.NOW_ID_REUSED", job_submit(fd, 0, 0, EXAMPLE_SUBMIT_SIGNAL_NOW));
	KRC("SYNCOBJ.SIGNAL.NOW_ID_GONE", job_signal(fd, (uint32_t)id + 1, 0));
	KRC("SYNCOBJ.SIGNAL.POSITIVE_ERROR", job_signal(fd, (uint32_t)id, 5));
	KRC("SYNCOBJ.SIGNAL.ERROR_BELOW_MAX_ERRNO", job_signal(fd, (uint32_t)id, -4096));
	KRC("SYNCOBJ.SIGNAL.ID_ZERO", job_signal(fd, 0, 0));
	KRC("SYNCOBJ.SIGNAL.UNKNOWN_ID", job_signal(fd, 1000, 0));
	KRC("SYNCOBJ.SIGNAL.OK", job_signal(fd, (uint32_t)id, -4095));
	KRC("SYNCOBJ.SIGNAL.AGAIN", job_signal(fd, (uint32_t)id, 0));

	/* WAIT argument checks, in the kernel's order. */
	KRC("SYNCOBJ.WAIT.ZERO_COUNT", so_wait(fd, NULL, 0, 0, 0, NULL));
	KRC("SYNCOBJ.WAIT.ZERO_COUNT_BAD_FLAGS", so_wait(fd, NULL, 0, 0, 0x10, NULL));
	KRC("SYNCOBJ.WAIT.FLAG_AVAILABLE", so_wait1(fd, (uint32_t)hs, 0, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE));
	KRC("SYNCOBJ.WAIT.UNKNOWN_HANDLE", so_wait1(fd, 77, 0, 0));
	KRC("SYNCOBJ.WAIT.NULL_HANDLES", so_wait(fd, NULL, 1, 0, 0, NULL));
	KRC("SYNCOBJ.WAIT.NO_FENCE", so_wait1(fd, (uint32_t)h1, 0, 0));
	KRC("SYNCOBJ.WAIT.NO_FENCE_ALL", so_wait1(fd, (uint32_t)h1, 0, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL));
	KRC("SYNCOBJ.WAIT.SIGNALED", so_wait(fd, (uint32_t *)&(uint32_t){ (uint32_t)hs }, 1, 0, 0, &first));
	KV("SYNCOBJ.WAIT.SIGNALED.FIRST", "%u", first);
	{
		struct drm_syncobj_wait_6_12 w = { .handles = (uintptr_t)&(uint32_t){ (uint32_t)hs },
						   .count_handles = 1, .pad = 7 };

		KRC("SYNCOBJ.WAIT.PAD_IGNORED", xioctl(fd, DRM_IOCTL_SYNCOBJ_WAIT_6_12, &w));
	}

	/* A pending job fence: polls and timeouts. */
	id = KSUB("SYNCOBJ.WAIT.PENDING.SUBMIT", job_submit(fd, (uint32_t)h1, 0, 0));
	KRC("SYNCOBJ.WAIT.PENDING.POLL", so_wait1(fd, (uint32_t)h1, 0, 0));
	KRC("SYNCOBJ.WAIT.PENDING.TIMEOUT_10MS", so_wait1(fd, (uint32_t)h1, c_now_ns() + 10 * MS, 0));
	KRC("SYNCOBJ.WAIT.PENDING.PAST_DEADLINE", so_wait1(fd, (uint32_t)h1, 1, 0));
	KRC("SYNCOBJ.WAIT.PENDING.NEGATIVE_TIMEOUT", so_wait1(fd, (uint32_t)h1, -1, 0));
	KRC("SYNCOBJ.WAIT.PENDING.DEADLINE_FLAG", so_wait1(fd, (uint32_t)h1, 0, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE));
	{
		uint32_t hs3[3] = { (uint32_t)h1, (uint32_t)hs, (uint32_t)hs };

		KRC("SYNCOBJ.WAIT.ANY", so_wait(fd, hs3, 3, 0, 0, &first));
		KV("SYNCOBJ.WAIT.ANY.FIRST", "%u", first);
		KRC("SYNCOBJ.WAIT.ALL_PENDING", so_wait(fd, hs3, 3, 0, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL, &first));
		KV("SYNCOBJ.WAIT.ALL_PENDING.FIRST", "%u", first);
		KRC("SYNCOBJ.WAIT.ALL_PENDING_10MS", so_wait(fd, hs3, 3, c_now_ns() + 10 * MS,
							  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL, &first));
		KRC("SYNCOBJ.WAIT.PENDING.SIGNAL", job_signal(fd, (uint32_t)id, 0));
		KRC("SYNCOBJ.WAIT.ALL_DONE", so_wait(fd, hs3, 3, 0, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL, &first));
		KV("SYNCOBJ.WAIT.ALL_DONE.FIRST", "%u", first);
		KRC("SYNCOBJ.WAIT.ANY_DONE", so_wait(fd, hs3, 3, 0, 0, &first));
		KV("SYNCOBJ.WAIT.ANY_DONE.FIRST", "%u", first);
	}
	{
		/* Mixed: a syncobj without fence fails the wait even when another signalled. */
		uint32_t mix[2] = { (uint32_t)hs, (uint32_t)h3 };

		KRC("SYNCOBJ.WAIT.ANY_WITH_EMPTY", so_wait(fd, mix, 2, 0, 0, &first));
		KRC("SYNCOBJ.WAIT.ANY_WITH_EMPTY_FOR_SUBMIT", so_wait(fd, mix, 2, 0,
			DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, &first));
		KV("SYNCOBJ.WAIT.ANY_WITH_EMPTY_FOR_SUBMIT.FIRST", "%u", first);
		KRC("SYNCOBJ.WAIT.ALL_WITH_EMPTY_FOR_SUBMIT", so_wait(fd, mix, 2, c_now_ns() + 10 * MS,
			DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT | DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL, &first));
	}

	/* A fence signalled with an error still counts as signalled. */
	id = job_submit(fd, (uint32_t)h1, 0, 0);
	KRC("SYNCOBJ.ERROR.SIGNAL_EIO", job_signal(fd, (uint32_t)id, -EIO));
	KRC("SYNCOBJ.ERROR.WAIT", so_wait1(fd, (uint32_t)h1, 0, 0));

	/* The pre-6.5 argument (libdrm's) is zero-extended: same answers, no deadline. */
	{
		struct wait_pre_6_5 w = { .handles = (uintptr_t)&(uint32_t){ (uint32_t)h1 },
					  .count_handles = 1, .first_signaled = 9 };

		KRC("SYNCOBJ.WAIT.OLD_LAYOUT", xioctl(fd, IOCTL_WAIT_PRE_6_5, &w));
		KV("SYNCOBJ.WAIT.OLD_LAYOUT.FIRST", "%u", w.first_signaled);
		w.flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE;
		KRC("SYNCOBJ.WAIT.OLD_LAYOUT_DEADLINE", xioctl(fd, IOCTL_WAIT_PRE_6_5, &w));
		w.handles = (uintptr_t)&(uint32_t){ (uint32_t)h3 };
		KRC("SYNCOBJ.WAIT.OLD_LAYOUT_NO_FENCE", xioctl(fd, IOCTL_WAIT_PRE_6_5, &w));
	}

	/* WAIT_FOR_SUBMIT: an empty syncobj times out, or gets a fence from another client. */
	KRC("SYNCOBJ.FOR_SUBMIT.EMPTY_POLL", so_wait1(fd, (uint32_t)h3, 0, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT));
	KRC("SYNCOBJ.FOR_SUBMIT.EMPTY_10MS", so_wait1(fd, (uint32_t)h3, c_now_ns() + 10 * MS,
						     DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT));
	{
		int fd2 = c_open_accel0();
		long sfd = so_to_fd(fd, (uint32_t)h3, 0);
		struct submitter s = { .fd = fd2 };
		pthread_t t;

		s.handle = (uint32_t)so_from_fd(fd2, (int)sfd, 0, 0);
		KV("SYNCOBJ.FOR_SUBMIT.OTHER_FILE_HANDLE", "%u", s.handle);
		pthread_create(&t, NULL, submit_later, &s);
		KRC("SYNCOBJ.FOR_SUBMIT.FROM_OTHER_CLIENT", so_wait1(fd, (uint32_t)h3, c_now_ns() + 5000 * MS,
								       DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT));
		pthread_join(t, NULL);
		KV("SYNCOBJ.FOR_SUBMIT.SUBMIT_RC", "%s", rcstr(s.rc < 0 ? s.rc : 0));
		close((int)sfd);
		c_close(fd2);
	}

	/* RESET and SIGNAL. */
	{
		struct drm_syncobj_array a = { .handles = (uintptr_t)&(uint32_t){ (uint32_t)h1 },
					       .count_handles = 1, .pad = 1 };

		KRC("SYNCOBJ.RESET.PAD", xioctl(fd, DRM_IOCTL_SYNCOBJ_RESET, &a));
		KRC("SYNCOBJ.SIGNAL_IOCTL.PAD", xioctl(fd, DRM_IOCTL_SYNCOBJ_SIGNAL, &a));
	}
	KRC("SYNCOBJ.RESET.ZERO_COUNT", so_array(fd, DRM_IOCTL_SYNCOBJ_RESET, NULL, 0));
	KRC("SYNCOBJ.RESET.NULL_HANDLES", so_array(fd, DRM_IOCTL_SYNCOBJ_RESET, NULL, 1));
	KRC("SYNCOBJ.RESET.UNKNOWN", so_reset1(fd, 55));
	KRC("SYNCOBJ.RESET.OK", so_reset1(fd, (uint32_t)h1));
	KRC("SYNCOBJ.RESET.WAIT", so_wait1(fd, (uint32_t)h1, 0, 0));
	KRC("SYNCOBJ.RESET.EMPTY_AGAIN", so_reset1(fd, (uint32_t)h1));
	KRC("SYNCOBJ.SIGNAL_IOCTL.ZERO_COUNT", so_array(fd, DRM_IOCTL_SYNCOBJ_SIGNAL, NULL, 0));
	KRC("SYNCOBJ.SIGNAL_IOCTL.UNKNOWN", so_signal1(fd, 55));
	{
		uint32_t two[2] = { (uint32_t)h1, 56 };

		KRC("SYNCOBJ.SIGNAL_IOCTL.ONE_UNKNOWN", so_array(fd, DRM_IOCTL_SYNCOBJ_SIGNAL, two, 2));
		KRC("SYNCOBJ.SIGNAL_IOCTL.ONE_UNKNOWN_LEFT_EMPTY", so_wait1(fd, (uint32_t)h1, 0, 0));
	}
	KRC("SYNCOBJ.SIGNAL_IOCTL.OK", so_signal1(fd, (uint32_t)h1));
	KRC("SYNCOBJ.SIGNAL_IOCTL.WAIT", so_wait1(fd, (uint32_t)h1, 0, 0));
	id = job_submit(fd, (uint32_t)h1, 0, 0);
	KRC("SYNCOBJ.SIGNAL_IOCTL.REPLACED_BY_JOB", so_wait1(fd, (uint32_t)h1, 0, 0));
	KRC("SYNCOBJ.SIGNAL_IOCTL.OVER_PENDING", so_signal1(fd, (uint32_t)h1));
	KRC("SYNCOBJ.SIGNAL_IOCTL.OVER_PENDING_WAIT", so_wait1(fd, (uint32_t)h1, 0, 0));
	job_signal(fd, (uint32_t)id, 0);

	/* Opaque descriptors. */
	{
		struct drm_syncobj_handle h = { .handle = (uint32_t)h1, .pad = 1 };
		long sfd, sfd2, imported;
		int efd, p[2];

		KRC("SYNCOBJ.TO_FD.PAD", xioctl(fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &h));
		KRC("SYNCOBJ.TO_FD.BAD_FLAGS", so_to_fd(fd, (uint32_t)h1, 2));
		KRC("SYNCOBJ.TO_FD.BOTH_FLAGS", so_to_fd(fd, (uint32_t)h1, 3));
		KRC("SYNCOBJ.TO_FD.UNKNOWN", so_to_fd(fd, 99, 0));
		KRC("SYNCOBJ.TO_FD.ZERO", so_to_fd(fd, 0, 0));
		sfd = so_to_fd(fd, (uint32_t)h1, 0);
		KV("SYNCOBJ.TO_FD.OK", "%s", rcstr(sfd < 0 ? sfd : 0));
		KV("SYNCOBJ.TO_FD.CLOEXEC", "%d", c_cloexec((int)sfd));
		/* The kernel's syncobj file has no poll: it reports the default mask. */
		KV("SYNCOBJ.TO_FD.POLLIN", "%ld", c_poll_in((int)sfd, 0));
		sfd2 = so_to_fd(fd, (uint32_t)h1, 0);
		KV("SYNCOBJ.TO_FD.TWICE", "%s", rcstr(sfd2 < 0 ? sfd2 : 0));
		close((int)sfd2);

		h.handle = 0;
		h.fd = (int)sfd;
		KRC("SYNCOBJ.FROM_FD.PAD", xioctl(fd, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, &h));
		KRC("SYNCOBJ.FROM_FD.BAD_FLAGS", so_from_fd(fd, (int)sfd, 2, 0));
		KRC("SYNCOBJ.FROM_FD.MINUS_ONE", so_from_fd(fd, -1, 0, 0));
		KRC("SYNCOBJ.FROM_FD.CLOSED", so_from_fd(fd, 1000, 0, 0));
		KRC("SYNCOBJ.FROM_FD.ACCEL_FILE", so_from_fd(fd, fd, 0, 0));
		efd = eventfd(0, EFD_CLOEXEC);
		KRC("SYNCOBJ.FROM_FD.EVENTFD", so_from_fd(fd, efd, 0, 0));
		close(efd);
		if (pipe2(p, O_CLOEXEC) == 0) {
			KRC("SYNCOBJ.FROM_FD.PIPE", so_from_fd(fd, p[0], 0, 0));
			close(p[0]);
			close(p[1]);
		}
		imported = KRC("SYNCOBJ.FROM_FD.SAME_FILE_NEW_HANDLE", so_from_fd(fd, (int)sfd, 0, 0));
		/* Both handles name one syncobj: a reset through one shows through the other. */
		so_reset1(fd, (uint32_t)imported);
		KRC("SYNCOBJ.FROM_FD.SHARED_RESET", so_wait1(fd, (uint32_t)h1, 0, 0));
		so_signal1(fd, (uint32_t)h1);
		KRC("SYNCOBJ.FROM_FD.SHARED_SIGNAL", so_wait1(fd, (uint32_t)imported, 0, 0));

		/* The descriptor keeps the syncobj after its every handle is gone. */
		so_destroy(fd, (uint32_t)imported);
		so_destroy(fd, (uint32_t)h1);
		h1 = KRC("SYNCOBJ.LIFETIME.IMPORT_AFTER_DESTROY", so_from_fd(fd, (int)sfd, 0, 0));
		KRC("SYNCOBJ.LIFETIME.STILL_SIGNALED", so_wait1(fd, (uint32_t)h1, 0, 0));
		close((int)sfd);
		KRC("SYNCOBJ.LIFETIME.HANDLE_AFTER_FD_CLOSE", so_wait1(fd, (uint32_t)h1, 0, 0));
	}

	/* A closed file's syncobjs go, but an exported descriptor keeps its own. */
	{
		int fd3 = c_open_accel0();
		long a = so_create(fd3, DRM_SYNCOBJ_CREATE_SIGNALED), sfd, back;

		KV("SYNCOBJ.CLOSE.OTHER_FILE_FIRST_HANDLE", "%s", rcstr(a));
		sfd = so_to_fd(fd3, (uint32_t)a, 0);
		so_create(fd3, 0);
		c_close(fd3);
		back = KRC("SYNCOBJ.CLOSE.IMPORT_AFTER_CLOSE", so_from_fd(fd, (int)sfd, 0, 0));
		KRC("SYNCOBJ.CLOSE.IMPORTED_SIGNALED", so_wait1(fd, (uint32_t)back, 0, 0));
		close((int)sfd);
	}
	c_close(fd);
	return 0;
}

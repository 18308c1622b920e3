/* sync_file.c - sync_file descriptors from and into syncobjs: EXPORT_SYNC_FILE /
 * IMPORT_SYNC_FILE errors, poll before and after the fence signals (also with an error),
 * lifetime beyond the syncobj, timeline heads and points (through TRANSFER); the sync_file's
 * own ioctls: SYNC_IOC_FILE_INFO (the two-call size protocol, names, status, per-fence info),
 * SYNC_IOC_MERGE (deduplication, signalled inputs, names, errors) and SYNC_IOC_SET_DEADLINE.
 *
 * Keys: SYNC_FILE.<area>.<rule>; values are return codes, counts, poll results and names
 * (a fence's driver name is printed as whether it is the device driver's name, which differs
 * between the oracle's test driver and accel's example driver).
 */
#include <linux/sync_file.h>

#include "syncobj.h"

/* SYNC_IOC_SET_DEADLINE (Linux 6.5+), newer than Debian's uAPI header. */
struct c_sync_set_deadline {
	uint64_t deadline_ns;
	uint64_t pad;
};
#define C_SYNC_IOC_SET_DEADLINE _IOW(SYNC_IOC_MAGIC, 5, struct c_sync_set_deadline)

static char dev_driver[64];

static long export_sf(int fd, uint32_t handle);

/* FILE_INFO asking for the count only (num_fences 0): rc; *n, *status, name in @name. */
static long sf_count(int sfd, uint32_t *n, int32_t *status, char *name)
{
	struct sync_file_info info = { 0 };
	long rc = xioctl(sfd, SYNC_IOC_FILE_INFO, &info);

	*n = info.num_fences;
	*status = info.status;
	if (name)
		memcpy(name, info.name, sizeof(info.name));
	return rc;
}

/* FILE_INFO with room for @room fences into @fi: rc; *n and *status as answered. */
static long sf_info(int sfd, uint32_t room, struct sync_fence_info *fi, uint32_t *n, int32_t *status)
{
	struct sync_file_info info = { .num_fences = room, .sync_fence_info = (uintptr_t)fi };
	long rc = xioctl(sfd, SYNC_IOC_FILE_INFO, &info);

	*n = info.num_fences;
	*status = info.status;
	return rc;
}

/* MERGE @a and @b named @name: the new descriptor or -errno. */
static long sf_merge(int a, int b, const char *name)
{
	struct sync_merge_data m = { .fd2 = b, .fence = -1 };
	long rc;

	snprintf(m.name, sizeof(m.name), "%s", name);
	rc = xioctl(a, SYNC_IOC_MERGE, &m);
	return rc < 0 ? rc : m.fence;
}

/* Print the count-only answer and the per-fence entries of @sfd under @area. */
static void sf_print(const char *area, int sfd)
{
	struct sync_fence_info fi[8];
	uint32_t n, n2, i;
	int32_t status, status2;
	char name[32];
	long rc = sf_count(sfd, &n, &status, name);

	KV(kf("SYNC_FILE.%s.COUNT_RC", area), "%s", rcstr(rc));
	KV(kf("SYNC_FILE.%s.NUM_FENCES", area), "%u", n);
	KV(kf("SYNC_FILE.%s.STATUS", area), "%s", rcstr(status));
	memset(fi, 0xa5, sizeof(fi));
	rc = sf_info(sfd, 8, fi, &n2, &status2);
	KV(kf("SYNC_FILE.%s.INFO_RC", area), "%s", rcstr(rc));
	KV(kf("SYNC_FILE.%s.INFO_NUM_FENCES", area), "%u", n2);
	KV(kf("SYNC_FILE.%s.INFO_STATUS", area), "%s", rcstr(status2));
	for (i = 0; rc == 0 && i < n2 && i < 8; i++) {
		KV(kf("SYNC_FILE.%s.FENCE%u.OBJ_NAME", area, i), "%s", fi[i].obj_name);
		KV(kf("SYNC_FILE.%s.FENCE%u.DRIVER", area, i), "%s",
		   !strcmp(fi[i].driver_name, dev_driver) ? "<device driver>" : fi[i].driver_name);
		KV(kf("SYNC_FILE.%s.FENCE%u.STATUS", area, i), "%s", rcstr(fi[i].status));
		KV(kf("SYNC_FILE.%s.FENCE%u.FLAGS", area, i), "%u", fi[i].flags);
		KV(kf("SYNC_FILE.%s.FENCE%u.TIMESTAMP_SET", area, i), "%d", fi[i].timestamp_ns != 0);
	}
	/*
	 * An unnamed sync_file is named driver-timeline<context>-<seqno>: printed with the
	 * device driver's name replaced and numbers as N (contexts differ between kernels).
	 */
	{
		char norm[96] = "";
		size_t o = 0, k = 0, dl = strlen(dev_driver);

		if (dl && !strncmp(name, dev_driver, dl)) {
			o = (size_t)snprintf(norm, sizeof(norm), "<device driver>");
			k = dl;
		}
		for (; k < sizeof(name) && name[k] && o + 2 < sizeof(norm); k++) {
			if (name[k] >= '0' && name[k] <= '9') {
				if (!o || norm[o - 1] != 'N')
					norm[o++] = 'N';
			} else {
				norm[o++] = name[k];
			}
		}
		norm[o] = 0;
		KV(kf("SYNC_FILE.%s.NAME", area), "%s", norm);
	}
}

static void sync_file_ioctls(int fd)
{
	long b = so_create(fd, 0), c = so_create(fd, 0), t = so_create(fd, 0);
	long sig = so_create(fd, DRM_SYNCOBJ_CREATE_SIGNALED);
	long id1, id2, t1, t2, sfb, sfc, sfs, sft, m, ofd;
	struct sync_fence_info fi[4];
	uint32_t n;
	int32_t status;

	id1 = job_submit(fd, (uint32_t)b, 0, 0);
	id2 = job_submit(fd, (uint32_t)c, 0, 0);
	sfb = export_sf(fd, (uint32_t)b);
	sfc = export_sf(fd, (uint32_t)c);
	sfs = export_sf(fd, (uint32_t)sig);
	ofd = so_to_fd(fd, (uint32_t)sig, 0);

	/* FILE_INFO: argument checks. */
	{
		struct sync_file_info info = { .flags = 1 };

		KRC("SYNC_FILE.INFO.BAD_FLAGS", xioctl((int)sfb, SYNC_IOC_FILE_INFO, &info));
		info = (struct sync_file_info){ .pad = 1 };
		KRC("SYNC_FILE.INFO.BAD_PAD", xioctl((int)sfb, SYNC_IOC_FILE_INFO, &info));
		KRC("SYNC_FILE.INFO.NULL_ARG", xioctl((int)sfb, SYNC_IOC_FILE_INFO, NULL));
		info = (struct sync_file_info){ 0 };
		KRC("SYNC_FILE.INFO.OPAQUE_SYNCOBJ_FD", xioctl((int)ofd, SYNC_IOC_FILE_INFO, &info));
		KRC("SYNC_FILE.INFO.UNKNOWN_IOCTL", xioctl((int)sfb, _IOWR(SYNC_IOC_MAGIC, 9, struct sync_file_info), &info));
		info = (struct sync_file_info){ .num_fences = 1, .sync_fence_info = 8 };
		KRC("SYNC_FILE.INFO.BAD_ARRAY", xioctl((int)sfb, SYNC_IOC_FILE_INFO, &info));
	}

	/* A pending job fence, a signalled syncobj's stub. */
	sf_print("INFO_PENDING", (int)sfb);
	sf_print("INFO_SIGNALED_SYNCOBJ", (int)sfs);

	/* A timeline head with two pending points: the chain unwraps into both fences. */
	t1 = job_submit(fd, (uint32_t)t, 1, 0);
	t2 = job_submit(fd, (uint32_t)t, 2, 0);
	sft = export_sf(fd, (uint32_t)t);
	sf_print("INFO_TIMELINE", (int)sft);
	KRC("SYNC_FILE.INFO_TIMELINE.TOO_SMALL", sf_info((int)sft, 1, fi, &n, &status));
	KV("SYNC_FILE.INFO_TIMELINE.TOO_SMALL_NUM_FENCES", "%u", n);

	/* MERGE: argument checks. */
	{
		struct sync_merge_data md = { .fd2 = (int)sfc, .flags = 1 };

		KRC("SYNC_FILE.MERGE.BAD_FLAGS", xioctl((int)sfb, SYNC_IOC_MERGE, &md));
		md = (struct sync_merge_data){ .fd2 = (int)sfc, .pad = 1 };
		KRC("SYNC_FILE.MERGE.BAD_PAD", xioctl((int)sfb, SYNC_IOC_MERGE, &md));
		KRC("SYNC_FILE.MERGE.FD2_MINUS_ONE", sf_merge((int)sfb, -1, "x"));
		KRC("SYNC_FILE.MERGE.FD2_OPAQUE_SYNCOBJ", sf_merge((int)sfb, (int)ofd, "x"));
		KRC("SYNC_FILE.MERGE.FD2_NOT_OPEN", sf_merge((int)sfb, 1000, "x"));
		KRC("SYNC_FILE.MERGE.ON_OPAQUE_SYNCOBJ", sf_merge((int)ofd, (int)sfb, "x"));
		KRC("SYNC_FILE.MERGE.NULL_ARG", xioctl((int)sfb, SYNC_IOC_MERGE, NULL));
	}

	/* Two pending fences of one timeline (context): the later one is kept. */
	m = sf_merge((int)sfb, (int)sfc, "merged-two");
	KV("SYNC_FILE.MERGE.PENDING_PAIR", "%s", rcstr(m < 0 ? m : 0));
	KV("SYNC_FILE.MERGE.CLOEXEC", "%d", c_cloexec((int)m));
	sf_print("MERGE_PENDING_PAIR", (int)m);
	KV("SYNC_FILE.MERGE_PENDING_PAIR.POLL", "%ld", c_poll_in((int)m, 0));
	/* The earlier one signalling leaves the merge pending; the later one completes it. */
	job_signal(fd, (uint32_t)id1, 0);
	KV("SYNC_FILE.MERGE_PENDING_PAIR.POLL_AFTER_FIRST", "%ld", c_poll_in((int)m, 0));
	job_signal(fd, (uint32_t)id2, 0);
	KV("SYNC_FILE.MERGE_PENDING_PAIR.POLL_AFTER_BOTH", "%ld", c_poll_in((int)m, 0));
	sf_print("MERGE_PENDING_PAIR_DONE", (int)m);
	close((int)m);

	/* Signalled inputs only: a signalled stub. */
	m = sf_merge((int)sfb, (int)sfs, "merged-signaled");
	KV("SYNC_FILE.MERGE.SIGNALED_PAIR", "%s", rcstr(m < 0 ? m : 0));
	sf_print("MERGE_SIGNALED_PAIR", (int)m);
	KV("SYNC_FILE.MERGE_SIGNALED_PAIR.POLL", "%ld", c_poll_in((int)m, 0));
	close((int)m);

	/* A timeline head with a signalled fence, then with itself. */
	m = sf_merge((int)sft, (int)sfs, "merged-timeline");
	sf_print("MERGE_TIMELINE_SIGNALED", (int)m);
	close((int)m);
	m = sf_merge((int)sft, (int)sft, "merged-self");
	sf_print("MERGE_SELF", (int)m);
	close((int)m);

	/* The name is cut to 31 characters. */
	{
		struct sync_merge_data md = { .fd2 = (int)sfs, .fence = -1 };
		uint32_t k;
		char name[32];

		memset(md.name, 'n', sizeof(md.name));
		KRC("SYNC_FILE.MERGE.LONG_NAME", xioctl((int)sft, SYNC_IOC_MERGE, &md));
		sf_count(md.fence, &k, &status, name);
		KV("SYNC_FILE.MERGE.LONG_NAME_LEN", "%zu", strnlen(name, sizeof(name)));
		close(md.fence);
	}

	/* An error: the sync_file's status and the fence's are the error. */
	{
		long e = so_create(fd, 0), eid, sfe;

		eid = job_submit(fd, (uint32_t)e, 0, 0);
		sfe = export_sf(fd, (uint32_t)e);
		job_signal(fd, (uint32_t)eid, -ECANCELED);
		sf_print("INFO_ERROR", (int)sfe);
		m = sf_merge((int)sfe, (int)sfs, "merged-error");
		sf_print("MERGE_ERROR", (int)m);
		close((int)m);
		close((int)sfe);
	}

	/* Timeline points signalled one by one: the head's view shrinks. */
	job_signal(fd, (uint32_t)t1, 0);
	sf_print("INFO_TIMELINE_HALF", (int)sft);
	job_signal(fd, (uint32_t)t2, 0);
	sf_print("INFO_TIMELINE_DONE", (int)sft);

	/* SET_DEADLINE. */
	{
		struct c_sync_set_deadline d = { .deadline_ns = (uint64_t)c_now_ns(), .pad = 1 };

		KRC("SYNC_FILE.DEADLINE.BAD_PAD", xioctl((int)sfb, C_SYNC_IOC_SET_DEADLINE, &d));
		d.pad = 0;
		KRC("SYNC_FILE.DEADLINE.SET", xioctl((int)sfb, C_SYNC_IOC_SET_DEADLINE, &d));
	}
	close((int)ofd);
	close((int)sft);
	close((int)sfs);
	close((int)sfc);
	close((int)sfb);
}

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
	{
		struct drm_version v = { .name = dev_driver, .name_len = sizeof(dev_driver) - 1 };

		xioctl(fd, DRM_IOCTL_VERSION, &v);
	}
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
	sync_file_ioctls(fd);
	c_close(fd);
	return 0;
}

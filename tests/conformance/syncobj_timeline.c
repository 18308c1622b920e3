/* syncobj_timeline.c - timeline syncobjs: TIMELINE_SIGNAL, QUERY (and LAST_SUBMITTED),
 * TIMELINE_WAIT (points, WAIT_AVAILABLE, WAIT_FOR_SUBMIT, first_signaled), points signalled
 * and added out of order, TRANSFER between binary and timeline syncobjs.
 *
 * Keys: TIMELINE.<area>.<rule>; values are return codes, points and indices.
 */
#include "syncobj.h"

int main(void)
{
	int fd = c_open_accel0();
	uint32_t first;
	long t, b, id1, id2, id3;

	KV("TIMELINE.OPEN", "%s", rcstr(fd < 0 ? fd : 0));
	if (fd < 0)
		return 1;
	{
		struct drm_get_cap c = { .capability = DRM_CAP_SYNCOBJ_TIMELINE };

		xioctl(fd, DRM_IOCTL_GET_CAP, &c);
		KV("TIMELINE.CAP", "%llu", (unsigned long long)c.value);
	}
	KRC("TIMELINE.ANCHOR", job_anchor(fd));
	t = so_create(fd, 0);
	b = so_create(fd, 0);

	/* QUERY checks. */
	KRC("TIMELINE.QUERY.FRESH", so_query1(fd, (uint32_t)t, 0));
	KRC("TIMELINE.QUERY.FRESH_LAST_SUBMITTED", so_query1(fd, (uint32_t)t, DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED));
	KRC("TIMELINE.QUERY.BAD_FLAGS", so_query1(fd, (uint32_t)t, 2));
	KRC("TIMELINE.QUERY.UNKNOWN", so_query1(fd, 99, 0));
	{
		struct drm_syncobj_timeline_array a = { .handles = (uintptr_t)&(uint32_t){ (uint32_t)t } };

		KRC("TIMELINE.QUERY.ZERO_COUNT", xioctl(fd, DRM_IOCTL_SYNCOBJ_QUERY, &a));
		a.count_handles = 1;
		KRC("TIMELINE.QUERY.NULL_POINTS", xioctl(fd, DRM_IOCTL_SYNCOBJ_QUERY, &a));
		a.handles = 0;
		KRC("TIMELINE.QUERY.NULL_HANDLES", xioctl(fd, DRM_IOCTL_SYNCOBJ_QUERY, &a));
	}

	/* TIMELINE_SIGNAL checks. */
	{
		struct drm_syncobj_timeline_array a = { .handles = (uintptr_t)&(uint32_t){ (uint32_t)b },
							.count_handles = 1, .flags = 1 };

		KRC("TIMELINE.SIGNAL.FLAGS", xioctl(fd, DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, &a));
		a.flags = 0;
		a.count_handles = 0;
		KRC("TIMELINE.SIGNAL.ZERO_COUNT", xioctl(fd, DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, &a));
		a.count_handles = 1;
		KRC("TIMELINE.SIGNAL.NULL_POINTS", xioctl(fd, DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, &a));
		KRC("TIMELINE.SIGNAL.NULL_POINTS_QUERY", so_query1(fd, (uint32_t)b, 0));
		KRC("TIMELINE.SIGNAL.NULL_POINTS_WAIT", so_wait1(fd, (uint32_t)b, 0, 0));
	}
	KRC("TIMELINE.SIGNAL.UNKNOWN", so_tsignal1(fd, 99, 1));

	/* Points 1..3 from jobs; QUERY reports the last signalled in order, or the last submitted. */
	id1 = KSUB("TIMELINE.JOB.POINT1", job_submit(fd, (uint32_t)t, 1, 0));
	id2 = KSUB("TIMELINE.JOB.POINT2", job_submit(fd, (uint32_t)t, 2, 0));
	id3 = KSUB("TIMELINE.JOB.POINT3", job_submit(fd, (uint32_t)t, 3, 0));
	KRC("TIMELINE.QUERY.NONE_SIGNALED", so_query1(fd, (uint32_t)t, 0));
	KRC("TIMELINE.QUERY.LAST_SUBMITTED", so_query1(fd, (uint32_t)t, DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED));
	KRC("TIMELINE.WAIT.POINT1_PENDING", so_twait1(fd, (uint32_t)t, 1, 0, 0));
	KRC("TIMELINE.WAIT.POINT3_PENDING_10MS", so_twait1(fd, (uint32_t)t, 3, c_now_ns() + 10 * MS, 0));
	KRC("TIMELINE.WAIT.POINT4_UNSUBMITTED", so_twait1(fd, (uint32_t)t, 4, 0, 0));
	KRC("TIMELINE.WAIT.POINT4_FOR_SUBMIT", so_twait1(fd, (uint32_t)t, 4, 0, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT));
	KRC("TIMELINE.WAIT.POINT4_FOR_SUBMIT_10MS", so_twait1(fd, (uint32_t)t, 4, c_now_ns() + 10 * MS,
							      DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT));
	KRC("TIMELINE.WAIT.POINT3_AVAILABLE", so_twait1(fd, (uint32_t)t, 3, 0, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE));
	KRC("TIMELINE.WAIT.POINT4_AVAILABLE", so_twait1(fd, (uint32_t)t, 4, 0, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE));
	KRC("TIMELINE.WAIT.POINT0_HEAD", so_twait1(fd, (uint32_t)t, 0, 0, 0));
	KRC("TIMELINE.WAIT.BINARY_WAIT_ON_TIMELINE", so_wait1(fd, (uint32_t)t, 0, 0));

	KRC("TIMELINE.JOB.SIGNAL_POINT1", job_signal(fd, (uint32_t)id1, 0));
	KRC("TIMELINE.QUERY.AFTER_POINT1", so_query1(fd, (uint32_t)t, 0));
	KRC("TIMELINE.WAIT.POINT1_DONE", so_twait1(fd, (uint32_t)t, 1, 0, 0));
	KRC("TIMELINE.JOB.SIGNAL_POINT3", job_signal(fd, (uint32_t)id3, 0));
	KRC("TIMELINE.QUERY.AFTER_POINT3_OUT_OF_ORDER", so_query1(fd, (uint32_t)t, 0));
	KRC("TIMELINE.WAIT.POINT3_BLOCKED_BY_POINT2", so_twait1(fd, (uint32_t)t, 3, 0, 0));
	{
		uint32_t hh[3] = { (uint32_t)t, (uint32_t)t, (uint32_t)t };
		uint64_t pp[3] = { 3, 2, 1 };

		KRC("TIMELINE.WAIT.ANY_OF_321", so_twait(fd, hh, pp, 3, 0, 0, &first));
		KV("TIMELINE.WAIT.ANY_OF_321.FIRST", "%u", first);
		KRC("TIMELINE.WAIT.ALL_OF_321", so_twait(fd, hh, pp, 3, 0, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL, &first));
		KV("TIMELINE.WAIT.ALL_OF_321.FIRST", "%u", first);
		KRC("TIMELINE.WAIT.NULL_POINTS", so_twait(fd, hh, NULL, 1, 0, 0, &first));
		KRC("TIMELINE.JOB.SIGNAL_POINT2", job_signal(fd, (uint32_t)id2, 0));
		KRC("TIMELINE.WAIT.ALL_OF_321_DONE", so_twait(fd, hh, pp, 3, 0, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL, &first));
		KV("TIMELINE.WAIT.ALL_OF_321_DONE.FIRST", "%u", first);
	}
	KRC("TIMELINE.QUERY.ALL_SIGNALED", so_query1(fd, (uint32_t)t, 0));
	KRC("TIMELINE.WAIT.POINT2_AFTER_GC", so_twait1(fd, (uint32_t)t, 2, 0, 0));

	/* TIMELINE_WAIT argument checks. */
	KRC("TIMELINE.WAIT.ZERO_COUNT", so_twait(fd, NULL, NULL, 0, 0, 0, NULL));
	KRC("TIMELINE.WAIT.BAD_FLAGS", so_twait1(fd, (uint32_t)t, 1, 0, 0x10));
	KRC("TIMELINE.WAIT.UNKNOWN", so_twait1(fd, 99, 1, 0, 0));
	KRC("TIMELINE.WAIT.DEADLINE_FLAG", so_twait1(fd, (uint32_t)t, 1, 0, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE));
	{
		struct drm_syncobj_timeline_wait_6_12 w = { .handles = (uintptr_t)&(uint32_t){ (uint32_t)t },
							    .points = 8, .count_handles = 1 };

		KRC("TIMELINE.WAIT.BAD_POINTS_POINTER", xioctl(fd, DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT_6_12, &w));
	}

	/* TIMELINE_SIGNAL points; a point not above the last one starts a new context. */
	KRC("TIMELINE.SIGNAL.POINT5", so_tsignal1(fd, (uint32_t)t, 5));
	KRC("TIMELINE.SIGNAL.POINT5_QUERY", so_query1(fd, (uint32_t)t, 0));
	id1 = KSUB("TIMELINE.JOB.POINT7", job_submit(fd, (uint32_t)t, 7, 0));
	KRC("TIMELINE.SIGNAL.POINT6_BELOW_PENDING7", so_tsignal1(fd, (uint32_t)t, 6));
	KRC("TIMELINE.QUERY.AFTER_UNORDERED_6", so_query1(fd, (uint32_t)t, 0));
	KRC("TIMELINE.QUERY.AFTER_UNORDERED_6_LAST", so_query1(fd, (uint32_t)t, DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED));
	KRC("TIMELINE.WAIT.POINT6_UNORDERED", so_twait1(fd, (uint32_t)t, 6, 0, 0));
	KRC("TIMELINE.WAIT.POINT7_UNORDERED", so_twait1(fd, (uint32_t)t, 7, 0, 0));
	KRC("TIMELINE.JOB.SIGNAL_POINT7", job_signal(fd, (uint32_t)id1, 0));
	KRC("TIMELINE.QUERY.AFTER_7", so_query1(fd, (uint32_t)t, 0));
	KRC("TIMELINE.WAIT.POINT7_DONE", so_twait1(fd, (uint32_t)t, 7, 0, 0));
	KRC("TIMELINE.SIGNAL.POINT0", so_tsignal1(fd, (uint32_t)t, 0));
	KRC("TIMELINE.QUERY.AFTER_POINT0", so_query1(fd, (uint32_t)t, 0));
	KRC("TIMELINE.QUERY.AFTER_POINT0_LAST", so_query1(fd, (uint32_t)t, DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED));
	{
		uint32_t hh[2] = { (uint32_t)t, (uint32_t)b };
		uint64_t pp[2] = { 20, 30 };
		uint64_t q[2] = { 1, 1 };
		struct drm_syncobj_timeline_array a = { .handles = (uintptr_t)hh, .points = (uintptr_t)pp,
							.count_handles = 2 };

		KRC("TIMELINE.SIGNAL.TWO", xioctl(fd, DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, &a));
		a.points = (uintptr_t)q;
		KRC("TIMELINE.QUERY.TWO", xioctl(fd, DRM_IOCTL_SYNCOBJ_QUERY, &a));
		KV("TIMELINE.QUERY.TWO.0", "%llu", (unsigned long long)q[0]);
		KV("TIMELINE.QUERY.TWO.1", "%llu", (unsigned long long)q[1]);
		hh[1] = 98;
		q[0] = 1;
		KRC("TIMELINE.QUERY.SECOND_UNKNOWN", xioctl(fd, DRM_IOCTL_SYNCOBJ_QUERY, &a));
		KV("TIMELINE.QUERY.SECOND_UNKNOWN.0", "%llu", (unsigned long long)q[0]);
	}

	/* RESET empties a timeline; a binary fence on it queries as 0. */
	KRC("TIMELINE.RESET", so_reset1(fd, (uint32_t)t));
	KRC("TIMELINE.RESET.QUERY", so_query1(fd, (uint32_t)t, 0));
	KRC("TIMELINE.RESET.WAIT_POINT1", so_twait1(fd, (uint32_t)t, 1, 0, 0));
	so_signal1(fd, (uint32_t)t);
	KRC("TIMELINE.BINARY_FENCE.QUERY", so_query1(fd, (uint32_t)t, 0));
	KRC("TIMELINE.BINARY_FENCE.QUERY_LAST", so_query1(fd, (uint32_t)t, DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED));
	KRC("TIMELINE.BINARY_FENCE.WAIT_POINT1", so_twait1(fd, (uint32_t)t, 1, 0, 0));
	KRC("TIMELINE.BINARY_FENCE.WAIT_POINT0", so_twait1(fd, (uint32_t)t, 0, 0, 0));
	KRC("TIMELINE.BINARY_FENCE.ADD_POINT2", so_tsignal1(fd, (uint32_t)t, 2));
	KRC("TIMELINE.BINARY_FENCE.QUERY_AFTER_POINT2", so_query1(fd, (uint32_t)t, 0));

	/* TRANSFER. */
	{
		long src = so_create(fd, 0), dst = so_create(fd, 0), bin = so_create(fd, 0);
		struct drm_syncobj_transfer x = { .src_handle = (uint32_t)src, .dst_handle = (uint32_t)dst,
						  .dst_point = 1, .pad = 1 };

		KRC("TIMELINE.TRANSFER.PAD", xioctl(fd, DRM_IOCTL_SYNCOBJ_TRANSFER, &x));
		KRC("TIMELINE.TRANSFER.UNKNOWN_DST", so_transfer(fd, (uint32_t)src, 0, 99, 1, 0));
		KRC("TIMELINE.TRANSFER.UNKNOWN_DST_BINARY", so_transfer(fd, (uint32_t)src, 0, 99, 0, 0));
		KRC("TIMELINE.TRANSFER.UNKNOWN_SRC", so_transfer(fd, 99, 0, (uint32_t)dst, 1, 0));
		KRC("TIMELINE.TRANSFER.BAD_FLAGS", so_transfer(fd, (uint32_t)src, 0, (uint32_t)dst, 1, 1));
		KRC("TIMELINE.TRANSFER.BAD_FLAGS_UNKNOWN_SRC", so_transfer(fd, 99, 0, (uint32_t)dst, 1, 1));
		KRC("TIMELINE.TRANSFER.EMPTY_SRC", so_transfer(fd, (uint32_t)src, 0, (uint32_t)dst, 1, 0));
		KRC("TIMELINE.TRANSFER.EMPTY_SRC_BINARY", so_transfer(fd, (uint32_t)src, 0, (uint32_t)bin, 0, 0));

		/* binary -> timeline point 4, pending until the job signals. */
		id1 = job_submit(fd, (uint32_t)src, 0, 0);
		KRC("TIMELINE.TRANSFER.BINARY_TO_POINT4", so_transfer(fd, (uint32_t)src, 0, (uint32_t)dst, 4, 0));
		KRC("TIMELINE.TRANSFER.POINT4_QUERY", so_query1(fd, (uint32_t)dst, 0));
		KRC("TIMELINE.TRANSFER.POINT4_QUERY_LAST", so_query1(fd, (uint32_t)dst, DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED));
		KRC("TIMELINE.TRANSFER.POINT4_WAIT", so_twait1(fd, (uint32_t)dst, 4, 0, 0));
		/* timeline point 4 -> binary: the same pending fence. */
		KRC("TIMELINE.TRANSFER.POINT4_TO_BINARY", so_transfer(fd, (uint32_t)dst, 4, (uint32_t)bin, 0, 0));
		KRC("TIMELINE.TRANSFER.BINARY_WAIT_PENDING", so_wait1(fd, (uint32_t)bin, 0, 0));
		KRC("TIMELINE.TRANSFER.UNSUBMITTED_POINT", so_transfer(fd, (uint32_t)dst, 9, (uint32_t)bin, 0, 0));
		KRC("TIMELINE.TRANSFER.TIMELINE_TO_TIMELINE", so_transfer(fd, (uint32_t)dst, 4, (uint32_t)t, 10, 0));
		KRC("TIMELINE.TRANSFER.T2T_QUERY", so_query1(fd, (uint32_t)t, 0));
		KRC("TIMELINE.TRANSFER.T2T_QUERY_LAST", so_query1(fd, (uint32_t)t, DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED));
		KRC("TIMELINE.TRANSFER.JOB_SIGNAL", job_signal(fd, (uint32_t)id1, 0));
		KRC("TIMELINE.TRANSFER.POINT4_QUERY_DONE", so_query1(fd, (uint32_t)dst, 0));
		KRC("TIMELINE.TRANSFER.BINARY_WAIT_DONE", so_wait1(fd, (uint32_t)bin, 0, 0));
		KRC("TIMELINE.TRANSFER.T2T_QUERY_DONE", so_query1(fd, (uint32_t)t, 0));
		KRC("TIMELINE.TRANSFER.T2T_WAIT_DONE", so_twait1(fd, (uint32_t)t, 10, 0, 0));
		/* A point that signalled and left the chain transfers as a signalled fence. */
		so_tsignal1(fd, (uint32_t)dst, 5);
		KRC("TIMELINE.TRANSFER.OLD_POINT_TO_BINARY", so_transfer(fd, (uint32_t)dst, 4, (uint32_t)bin, 0, 0));
		KRC("TIMELINE.TRANSFER.OLD_POINT_BINARY_WAIT", so_wait1(fd, (uint32_t)bin, 0, 0));
		KRC("TIMELINE.TRANSFER.SRC_POINT_BELOW_DST", so_transfer(fd, (uint32_t)dst, 5, (uint32_t)dst, 3, 0));
		KRC("TIMELINE.TRANSFER.SRC_POINT_BELOW_DST_QUERY_LAST",
		    so_query1(fd, (uint32_t)dst, DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED));
		KRC("TIMELINE.TRANSFER.SRC_POINT_BELOW_DST_QUERY", so_query1(fd, (uint32_t)dst, 0));
	}
	c_close(fd);
	return 0;
}

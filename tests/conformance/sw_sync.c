/* sw_sync.c - <debugfs>/sync/sw_sync: a timeline per open file, CREATE_FENCE (already reached
 * values, values out of order, the same value twice), INC (in order, past INT_MAX), the
 * sync_files it gives (FILE_INFO names and status, MERGE of one and of two timelines, poll),
 * closing the timeline with fences pending (-ENOENT), GET_DEADLINE after SYNC_IOC_SET_DEADLINE,
 * and a sw_sync fence imported into a syncobj (binary and at a timeline point), waited on and
 * exported again.
 *
 * Keys: SW_SYNC.<area>.<rule>. A timeline is named after the opener's comm, which differs
 * between the oracle's guest and accel's test: names are printed as whether they are it.
 */
#include "syncobj.h"

#include <linux/sync_file.h>
#include <uapi/sw_sync.h>

#define SW_SYNC_PATH "/sys/kernel/debug/sync/sw_sync"

/* SYNC_IOC_SET_DEADLINE (Linux 6.5+), newer than Debian's uAPI header. */
struct c_sync_set_deadline {
	uint64_t deadline_ns;
	uint64_t pad;
};
#define C_SYNC_IOC_SET_DEADLINE _IOW(SYNC_IOC_MAGIC, 5, struct c_sync_set_deadline)

static char comm[32];

static int open_timeline(void)
{
	int fd = c_open(SW_SYNC_PATH, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/* CREATE_FENCE at @value: the sync_file or -errno. */
static long create_fence(int tl, uint32_t value)
{
	struct sw_sync_create_fence_data d = { .value = value, .fence = -1 };
	long rc;

	snprintf(d.name, sizeof(d.name), "pt%u", value);
	rc = xioctl(tl, SW_SYNC_IOC_CREATE_FENCE, &d);
	return rc < 0 ? rc : d.fence;
}

static long inc(int tl, uint32_t by)
{
	return xioctl(tl, SW_SYNC_IOC_INC, &by);
}

/* The sync_file's status as FILE_INFO's count-only call answers it (rc printed if it fails). */
static const char *status_of(long sfd)
{
	struct sync_file_info info = { 0 };
	long rc = xioctl((int)sfd, SYNC_IOC_FILE_INFO, &info);

	return rc < 0 ? rcstr(rc) : rcstr(info.status);
}

static uint32_t num_fences(long sfd)
{
	struct sync_file_info info = { 0 };

	return xioctl((int)sfd, SYNC_IOC_FILE_INFO, &info) < 0 ? 0 : info.num_fences;
}

/* The per-fence entries of @sfd under SW_SYNC.@area.FENCEi. */
static void print_fences(const char *area, long sfd)
{
	struct sync_fence_info fi[4];
	struct sync_file_info info = { .num_fences = 4, .sync_fence_info = (uintptr_t)fi };
	long rc;
	uint32_t i;

	memset(fi, 0, sizeof(fi));
	rc = xioctl((int)sfd, SYNC_IOC_FILE_INFO, &info);
	KV(kf("SW_SYNC.%s.INFO_RC", area), "%s", rcstr(rc));
	KV(kf("SW_SYNC.%s.NUM_FENCES", area), "%u", info.num_fences);
	KV(kf("SW_SYNC.%s.STATUS", area), "%s", rcstr(info.status));
	for (i = 0; rc == 0 && i < info.num_fences && i < 4; i++) {
		KV(kf("SW_SYNC.%s.FENCE%u.DRIVER", area, i), "%s", fi[i].driver_name);
		KV(kf("SW_SYNC.%s.FENCE%u.OBJ_NAME_IS_COMM", area, i), "%d", !strcmp(fi[i].obj_name, comm));
		KV(kf("SW_SYNC.%s.FENCE%u.STATUS", area, i), "%s", rcstr(fi[i].status));
		KV(kf("SW_SYNC.%s.FENCE%u.TIMESTAMP_SET", area, i), "%d", fi[i].timestamp_ns != 0);
	}
}

/* The unnamed sync_file's name is "sw_sync-<comm><context>-<seqno>". */
static void print_name(const char *area, long sfd, uint32_t seqno)
{
	struct sync_file_info info = { 0 };
	char prefix[64], suffix[16];
	size_t len, slen;

	xioctl((int)sfd, SYNC_IOC_FILE_INFO, &info);
	snprintf(prefix, sizeof(prefix), "sw_sync-%s", comm);
	snprintf(suffix, sizeof(suffix), "-%u", seqno);
	len = strlen(info.name);
	slen = strlen(suffix);
	KV(kf("SW_SYNC.%s.NAME_DRIVER_TIMELINE", area), "%d", !strncmp(info.name, prefix, strlen(prefix)));
	KV(kf("SW_SYNC.%s.NAME_SEQNO", area), "%d", len > slen && !strcmp(info.name + len - slen, suffix));
}

static long merge(long a, long b, const char *name, char *out_name)
{
	struct sync_merge_data m = { .fd2 = (int32_t)b, .fence = -1 };
	long rc;

	snprintf(m.name, sizeof(m.name), "%s", name);
	rc = xioctl((int)a, SYNC_IOC_MERGE, &m);
	if (rc < 0)
		return rc;
	if (out_name) {
		struct sync_file_info info = { 0 };

		xioctl(m.fence, SYNC_IOC_FILE_INFO, &info);
		snprintf(out_name, 32, "%s", info.name);
	}
	return m.fence;
}

static void timeline_basics(void)
{
	int tl = open_timeline();
	long f0, f1, f2, f3, f3b;

	KV("SW_SYNC.OPEN", "%s", rcstr(tl < 0 ? tl : 0));
	if (tl < 0)
		return;
	KRC("SW_SYNC.UNKNOWN_IOCTL", xioctl(tl, _IOW(SW_SYNC_IOC_MAGIC, 9, uint32_t), &(uint32_t){ 0 }));
	KRC("SW_SYNC.DRM_IOCTL", xioctl(tl, DRM_IOCTL_VERSION, &(struct drm_version){ 0 }));
	KRC("SW_SYNC.CREATE.NULL_ARG", xioctl(tl, SW_SYNC_IOC_CREATE_FENCE, NULL));
	KRC("SW_SYNC.INC.NULL_ARG", xioctl(tl, SW_SYNC_IOC_INC, NULL));

	/* Value 0 is reached at once: the timeline starts at 0. */
	f0 = create_fence(tl, 0);
	KV("SW_SYNC.CREATE.REACHED", "%s", rcstr(f0 < 0 ? f0 : 0));
	KV("SW_SYNC.CREATE.REACHED_POLL", "%ld", c_poll_in((int)f0, 0));
	KV("SW_SYNC.CREATE.REACHED_STATUS", "%s", status_of(f0));

	/* Out of order: 3, then 1, then 2, then 3 again. */
	f3 = create_fence(tl, 3);
	f1 = create_fence(tl, 1);
	f2 = create_fence(tl, 2);
	f3b = create_fence(tl, 3);
	KV("SW_SYNC.CREATE.PENDING", "%s", rcstr(f1 < 0 ? f1 : 0));
	KV("SW_SYNC.CREATE.CLOEXEC", "%d", c_cloexec((int)f1));
	KV("SW_SYNC.CREATE.PENDING_POLL", "%ld,%ld,%ld", c_poll_in((int)f1, 0), c_poll_in((int)f2, 0),
	   c_poll_in((int)f3, 0));
	print_fences("PENDING", f1);
	print_name("PENDING", f1, 1);
	print_name("REACHED", f0, 0);

	/* Merging two points of one timeline keeps the later; of the same value, one. */
	{
		char name[32] = "";
		long m13 = merge(f1, f3, "m13", name), m33 = merge(f3, f3b, "m33", NULL);

		KV("SW_SYNC.MERGE.SAME_TIMELINE", "%s", rcstr(m13 < 0 ? m13 : 0));
		KV("SW_SYNC.MERGE.SAME_TIMELINE_NUM_FENCES", "%u", num_fences(m13));
		KV("SW_SYNC.MERGE.NAME", "%s", name);
		KV("SW_SYNC.MERGE.SAME_VALUE_NUM_FENCES", "%u", num_fences(m33));

		/* INC 1: only what value 1 reached signals. */
		KRC("SW_SYNC.INC.ONE", inc(tl, 1));
		KV("SW_SYNC.INC.ONE_POLL", "%ld,%ld,%ld,%ld", c_poll_in((int)f1, 0), c_poll_in((int)f2, 0),
		   c_poll_in((int)f3, 0), c_poll_in((int)m13, 0));
		print_fences("REACHED_ONE", f1);
		KV("SW_SYNC.INC.ONE_MERGED_STATUS", "%s", status_of(m13));
		KRC("SW_SYNC.INC.ZERO", inc(tl, 0));
		KV("SW_SYNC.INC.ZERO_POLL", "%ld", c_poll_in((int)f2, 0));
		KRC("SW_SYNC.INC.TWO", inc(tl, 2));
		KV("SW_SYNC.INC.TWO_POLL", "%ld,%ld,%ld,%ld", c_poll_in((int)f2, 0), c_poll_in((int)f3, 0),
		   c_poll_in((int)f3b, 0), c_poll_in((int)m13, 0));
		KV("SW_SYNC.INC.TWO_MERGED_STATUS", "%s", status_of(m13));
		/* Behind the timeline now: signalled when made. */
		{
			long late = create_fence(tl, 2);

			KV("SW_SYNC.CREATE.BEHIND_POLL", "%ld", c_poll_in((int)late, 0));
			c_close((int)late);
		}
		c_close((int)m13);
		c_close((int)m33);
	}
	c_close((int)f0);
	c_close((int)f1);
	c_close((int)f2);
	c_close((int)f3);
	c_close((int)f3b);
	c_close(tl);
}

/* Two timelines: merged fences of both, and what closing one does to its pending fences. */
static void two_timelines(void)
{
	int a = open_timeline(), b = open_timeline();
	long fa = create_fence(a, 5), fb = create_fence(b, 5), m;

	KV("SW_SYNC.TWO.OPEN", "%d", a >= 0 && b >= 0);
	m = merge(fa, fb, "ab", NULL);
	KV("SW_SYNC.TWO.MERGE", "%s", rcstr(m < 0 ? m : 0));
	print_fences("TWO_MERGED", m);
	/* One timeline reaching 5 leaves the merged fence pending. */
	KRC("SW_SYNC.TWO.INC_A", inc(a, 5));
	KV("SW_SYNC.TWO.INC_A_POLL", "%ld,%ld,%ld", c_poll_in((int)fa, 0), c_poll_in((int)fb, 0),
	   c_poll_in((int)m, 0));
	KV("SW_SYNC.TWO.MERGED_NUM_FENCES_AFTER_A", "%u", num_fences(m));
	/*
	 * Closing the other timeline signals its pending fence with an error. Through acceld the
	 * release comes a moment after close() (docs/kernel-differences.md): poll waits for it.
	 */
	c_close(b);
	KV("SW_SYNC.CLOSE.POLL", "%ld,%ld", c_poll_in((int)fb, 10000), c_poll_in((int)m, 10000));
	KV("SW_SYNC.CLOSE.STATUS", "%s", status_of(fb));
	KV("SW_SYNC.CLOSE.MERGED_STATUS", "%s", status_of(m));
	print_fences("CLOSED", fb);
	c_close((int)m);
	c_close((int)fa);
	c_close((int)fb);
	c_close(a);
}

/* INC past INT_MAX and a value that wrapped around. */
static void wrap(void)
{
	int tl = open_timeline();
	long f5 = create_fence(tl, 5), fmax, fwrap;

	KRC("SW_SYNC.WRAP.INC_UINT_MAX", inc(tl, 0xffffffffu));
	KV("SW_SYNC.WRAP.POLL_5", "%ld", c_poll_in((int)f5, 0));
	fmax = create_fence(tl, 0xffffffffu);
	fwrap = create_fence(tl, 1);
	KV("SW_SYNC.WRAP.AT_VALUE_POLL", "%ld", c_poll_in((int)fmax, 0));
	KV("SW_SYNC.WRAP.PAST_ZERO_POLL", "%ld", c_poll_in((int)fwrap, 0));
	KRC("SW_SYNC.WRAP.INC_TWO", inc(tl, 2));
	KV("SW_SYNC.WRAP.PAST_ZERO_POLL_AFTER", "%ld", c_poll_in((int)fwrap, 0));
	c_close((int)f5);
	c_close((int)fmax);
	c_close((int)fwrap);
	c_close(tl);
}

static long get_deadline(int tl, long sfd, uint64_t *ns, uint32_t pad)
{
	struct sw_sync_get_deadline d = { .pad = pad, .fence_fd = (int32_t)sfd };
	long rc = xioctl(tl, SW_SYNC_GET_DEADLINE, &d);

	*ns = d.deadline_ns;
	return rc;
}

static long set_deadline(long sfd, uint64_t ns)
{
	struct c_sync_set_deadline d = { .deadline_ns = ns };

	return xioctl((int)sfd, C_SYNC_IOC_SET_DEADLINE, &d);
}

static void deadlines(int dev)
{
	int tl = open_timeline();
	long f = create_fence(tl, 1), other;
	uint64_t ns = 0, t = (uint64_t)c_now_ns() + 1000 * MS;
	long sig = so_create(dev, DRM_SYNCOBJ_CREATE_SIGNALED);

	KRC("SW_SYNC.DEADLINE.NONE", get_deadline(tl, f, &ns, 0));
	KRC("SW_SYNC.DEADLINE.SET", set_deadline(f, t));
	KRC("SW_SYNC.DEADLINE.GET", get_deadline(tl, f, &ns, 0));
	KV("SW_SYNC.DEADLINE.GET_VALUE", "%d", ns == t);
	KRC("SW_SYNC.DEADLINE.SET_LATER", set_deadline(f, t + 1000 * MS));
	get_deadline(tl, f, &ns, 0);
	KV("SW_SYNC.DEADLINE.EARLIEST_KEPT", "%d", ns == t);
	KRC("SW_SYNC.DEADLINE.SET_EARLIER", set_deadline(f, t - 500 * MS));
	get_deadline(tl, f, &ns, 0);
	KV("SW_SYNC.DEADLINE.EARLIER_TAKEN", "%d", ns == t - 500 * MS);
	KRC("SW_SYNC.DEADLINE.PAD", get_deadline(tl, f, &ns, 1));
	KRC("SW_SYNC.DEADLINE.NOT_A_SYNC_FILE", get_deadline(tl, tl, &ns, 0));
	KRC("SW_SYNC.DEADLINE.BAD_FD", get_deadline(tl, 1000, &ns, 0));
	/* A fence of another driver (a signalled syncobj's). */
	other = so_to_fd(dev, (uint32_t)sig, DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE);
	KRC("SW_SYNC.DEADLINE.OTHER_DRIVER", get_deadline(tl, other, &ns, 0));
	/* A deadline on a signalled fence is not recorded. */
	inc(tl, 1);
	{
		int tl2 = open_timeline();
		long done = create_fence(tl2, 0);

		set_deadline(done, t);
		KRC("SW_SYNC.DEADLINE.SIGNALED_NOT_SET", get_deadline(tl2, done, &ns, 0));
		/* Any timeline's file reads any sw_sync fence's deadline. */
		KRC("SW_SYNC.DEADLINE.OTHER_TIMELINE_FILE", get_deadline(tl2, f, &ns, 0));
		c_close((int)done);
		c_close(tl2);
	}
	if (other >= 0)
		c_close((int)other);
	so_destroy(dev, (uint32_t)sig);
	c_close((int)f);
	c_close(tl);
}

/* A sw_sync fence in a syncobj: imported, waited on, exported back, and at a timeline point. */
static void syncobj_import(int dev)
{
	int tl = open_timeline();
	long f = create_fence(tl, 1), so = so_create(dev, 0), ts = so_create(dev, 0), out;
	uint32_t h;

	KRC("SW_SYNC.SYNCOBJ.IMPORT",
	    so_from_fd(dev, (int)f, DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE, (uint32_t)so));
	KRC("SW_SYNC.SYNCOBJ.WAIT_PENDING", so_wait1(dev, (uint32_t)so, 0, 0));
	out = so_to_fd(dev, (uint32_t)so, DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE);
	KV("SW_SYNC.SYNCOBJ.EXPORT_PENDING", "%s", rcstr(out < 0 ? out : 0));
	KV("SW_SYNC.SYNCOBJ.EXPORT_PENDING_POLL", "%ld", c_poll_in((int)out, 0));
	print_fences("SYNCOBJ_EXPORT", out);
	/* The timeline syncobj gets the fence at point 3 through TRANSFER from the binary one. */
	KRC("SW_SYNC.SYNCOBJ.TRANSFER_TO_POINT", so_transfer(dev, (uint32_t)so, 0, (uint32_t)ts, 3, 0));
	KV("SW_SYNC.SYNCOBJ.QUERY_BEFORE", "%s", rcstr(so_query1(dev, (uint32_t)ts, 0)));
	KRC("SW_SYNC.SYNCOBJ.TWAIT_PENDING", so_twait1(dev, (uint32_t)ts, 3, 0, 0));
	KRC("SW_SYNC.SYNCOBJ.INC", inc(tl, 1));
	h = (uint32_t)so;
	KRC("SW_SYNC.SYNCOBJ.WAIT_SIGNALED", so_wait(dev, &h, 1, c_now_ns() + 10000 * MS, 0, NULL));
	KRC("SW_SYNC.SYNCOBJ.TWAIT_SIGNALED", so_twait1(dev, (uint32_t)ts, 3, c_now_ns() + 10000 * MS, 0));
	KV("SW_SYNC.SYNCOBJ.QUERY_AFTER", "%s", rcstr(so_query1(dev, (uint32_t)ts, 0)));
	KV("SW_SYNC.SYNCOBJ.EXPORTED_POLL_AFTER", "%ld", c_poll_in((int)out, 0));
	print_fences("SYNCOBJ_SIGNALED", out);
	{
		long again = so_to_fd(dev, (uint32_t)so, DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE);

		KV("SW_SYNC.SYNCOBJ.EXPORT_SIGNALED_POLL", "%ld", c_poll_in((int)again, 0));
		if (again >= 0)
			c_close((int)again);
	}
	/* An error the timeline's close gives reaches the syncobj's waiters as success. */
	{
		int tl2 = open_timeline();
		long g = create_fence(tl2, 9), so2 = so_create(dev, 0);

		so_from_fd(dev, (int)g, DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE, (uint32_t)so2);
		c_close(tl2);
		KRC("SW_SYNC.SYNCOBJ.WAIT_CLOSED_TIMELINE",
		    so_wait1(dev, (uint32_t)so2, c_now_ns() + 10000 * MS, 0));
		c_close((int)g);
		so_destroy(dev, (uint32_t)so2);
	}
	if (out >= 0)
		c_close((int)out);
	so_destroy(dev, (uint32_t)so);
	so_destroy(dev, (uint32_t)ts);
	c_close((int)f);
	c_close(tl);
}

int main(void)
{
	FILE *f = fopen("/proc/self/comm", "re");
	int dev;

	if (f) {
		if (fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = 0;
		fclose(f);
	}
	timeline_basics();
	two_timelines();
	wrap();
	dev = c_open_accel0();
	KV("SW_SYNC.DEVICE_OPEN", "%s", rcstr(dev < 0 ? dev : 0));
	if (dev >= 0) {
		deadlines(dev);
		syncobj_import(dev);
		c_close(dev);
	}
	return 0;
}

/*
 * file_ops.c - the file calls a DRM or accel node answers besides open/ioctl/mmap/poll:
 * write, pwrite, writev, pwritev, read, pread, readv, preadv, lseek, and a partial munmap of a
 * buffer's mapping. (The socket calls and SCM_RIGHTS are sockets.c: the oracle's kernel has no
 * networking, its socket calls are ENOSYS.)
 *
 * Recorded from Linux 6.12 through the oracle (tests/conformance/kernel/preload_file_ops.out;
 * docs/preload.md says how), run under `accel exec` (plain libc, accel's devices at the
 * kernel's paths) and compared key by key (tests/preload/conformance-preload.sh).
 * Both worlds: built plain for the kernel, -DCONFORMANCE_ACCEL -DCONFORMANCE_PLAIN_CALLS here.
 *
 * Keys: FILE_OPS.<node>.<open mode>.<call>, FILE_OPS.MUNMAP.*; return codes.
 */
#include "bo.h"

#include <sys/uio.h>

/* A call's result as 0/N or -errno. */
#define RC(expr) ({ long _r = (long)(expr); _r < 0 ? -(long)errno : _r; })

static void file_calls(const char *node, const char *path, const char *mode_name, int flags)
{
	char buf[64] = "abcd";
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct iovec iov0 = { .iov_base = buf, .iov_len = 0 };
	int fd = c_open(path, flags | O_NONBLOCK | O_CLOEXEC);

	KV(kf("FILE_OPS.%s.%s.OPEN", node, mode_name), "%s", rcstr(fd < 0 ? -errno : 0));
	if (fd < 0)
		return;
	/* No DRM file has write(): EBADF unless open for writing, then EINVAL. */
	KV(kf("FILE_OPS.%s.%s.WRITE", node, mode_name), "%s", rcstr(RC(write(fd, buf, 4))));
	KV(kf("FILE_OPS.%s.%s.WRITE_0", node, mode_name), "%s", rcstr(RC(write(fd, buf, 0))));
	KV(kf("FILE_OPS.%s.%s.PWRITE", node, mode_name), "%s", rcstr(RC(pwrite(fd, buf, 4, 0))));
	KV(kf("FILE_OPS.%s.%s.PWRITE_NEG", node, mode_name), "%s", rcstr(RC(pwrite(fd, buf, 4, -1))));
	KV(kf("FILE_OPS.%s.%s.WRITEV", node, mode_name), "%s", rcstr(RC(writev(fd, &iov, 1))));
	KV(kf("FILE_OPS.%s.%s.PWRITEV", node, mode_name), "%s", rcstr(RC(pwritev(fd, &iov, 1, 0))));
	/* drm_read() with no event queued, O_NONBLOCK. */
	KV(kf("FILE_OPS.%s.%s.READ", node, mode_name), "%s", rcstr(RC(read(fd, buf, sizeof(buf)))));
	KV(kf("FILE_OPS.%s.%s.READ_0", node, mode_name), "%s", rcstr(RC(read(fd, buf, 0))));
	KV(kf("FILE_OPS.%s.%s.PREAD", node, mode_name), "%s", rcstr(RC(pread(fd, buf, sizeof(buf), 0))));
	KV(kf("FILE_OPS.%s.%s.PREAD_4096", node, mode_name), "%s", rcstr(RC(pread(fd, buf, sizeof(buf), 4096))));
	KV(kf("FILE_OPS.%s.%s.PREAD_NEG", node, mode_name), "%s", rcstr(RC(pread(fd, buf, sizeof(buf), -1))));
	KV(kf("FILE_OPS.%s.%s.READV", node, mode_name), "%s", rcstr(RC(readv(fd, &iov, 1))));
	KV(kf("FILE_OPS.%s.%s.READV_0", node, mode_name), "%s", rcstr(RC(readv(fd, &iov0, 1))));
	KV(kf("FILE_OPS.%s.%s.PREADV", node, mode_name), "%s", rcstr(RC(preadv(fd, &iov, 1, 0))));
	/* noop_llseek: the position, 0, whatever is asked; an unknown whence is EINVAL. */
	KV(kf("FILE_OPS.%s.%s.LSEEK_SET_100", node, mode_name), "%s", rcstr(RC(lseek(fd, 100, SEEK_SET))));
	KV(kf("FILE_OPS.%s.%s.LSEEK_CUR", node, mode_name), "%s", rcstr(RC(lseek(fd, 0, SEEK_CUR))));
	KV(kf("FILE_OPS.%s.%s.LSEEK_END", node, mode_name), "%s", rcstr(RC(lseek(fd, 0, SEEK_END))));
	KV(kf("FILE_OPS.%s.%s.LSEEK_WHENCE_9", node, mode_name), "%s", rcstr(RC(lseek(fd, 0, 9))));
	{
		struct drm_version v = { 0 };

		/* The file still answers after all that. */
		KRC(kf("FILE_OPS.%s.%s.VERSION_AFTER", node, mode_name), xioctl(fd, DRM_IOCTL_VERSION, &v));
	}
	c_close(fd);
}

/* A buffer's mapping unmapped a page at a time: the rest stays usable. */
static void munmap_partial(void)
{
	const size_t page = 4096;
	int fd = c_open_accel0();
	uint64_t off;
	long h;
	unsigned char *p;

	if (fd < 0)
		return;
	h = bo_create(fd, 3 * page);
	KV("FILE_OPS.MUNMAP.CREATE", "%s", rcstr(h < 0 ? h : 0));
	if (h < 0 || bo_info(fd, (uint32_t)h, NULL, &off)) {
		c_close(fd);
		return;
	}
	KRC("FILE_OPS.MUNMAP.MAP", c_mmap_rc((void **)&p, 3 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off));
	if (p == MAP_FAILED) {
		c_close(fd);
		return;
	}
	memset(p, 0x5a, 3 * page);
	KRC("FILE_OPS.MUNMAP.MIDDLE", c_munmap(p + page, page) ? -errno : 0);
	KV("FILE_OPS.MUNMAP.FIRST_LAST_KEPT", "%d", p[0] == 0x5a && p[2 * page] == 0x5a);
	KRC("FILE_OPS.MUNMAP.FIRST", c_munmap(p, page) ? -errno : 0);
	KRC("FILE_OPS.MUNMAP.GEM_CLOSE", gem_close(fd, (uint32_t)h));
	/* The mapping holds the object: its last page still reads what was written. */
	KV("FILE_OPS.MUNMAP.LAST_KEPT_AFTER_GEM_CLOSE", "%d", p[2 * page] == 0x5a);
	KRC("FILE_OPS.MUNMAP.LAST", c_munmap(p + 2 * page, page) ? -errno : 0);
	KRC("FILE_OPS.MUNMAP.CLOSE", c_close(fd) ? -errno : 0);
}

int main(void)
{
	static const struct {
		const char *name, *path;
	} nodes[] = {
		{ "ACCEL", "/dev/accel/accel0" },
		{ "RENDER", "/dev/dri/renderD128" },
	};
	static const struct {
		const char *name;
		int flags;
	} modes[] = {
		{ "RDWR", O_RDWR },
		{ "RDONLY", O_RDONLY },
		{ "WRONLY", O_WRONLY },
	};

	for (size_t n = 0; n < sizeof(nodes) / sizeof(nodes[0]); n++)
		for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++)
			file_calls(nodes[n].name, nodes[n].path, modes[m].name, modes[m].flags);
	munmap_partial();
	return 0;
}

/* prime.c - PRIME export and import of GEM buffers on an accel file.
 *
 * Keys: PRIME.<area>.<rule>; return codes, handles and booleans (same file, data seen).
 */
#include "bo.h"
#include <sys/eventfd.h>

#define RW (PROT_READ | PROT_WRITE)

static long map_fd_rc(int buf, size_t len, int prot, void **p)
{
	*p = mmap(NULL, len, prot, MAP_SHARED, buf, 0);
	return *p == MAP_FAILED ? -errno : 0;
}

int main(void)
{
	int fd = c_open_accel0(), fd2 = c_open_accel0();
	long e1, e2, e3, h, h2;
	uint32_t a, b;
	uint64_t off_a, off_a2, size;
	void *p, *q;

	KV("PRIME.OPEN", "%s", rcstr(fd < 0 ? fd : fd2 < 0 ? fd2 : 0));
	if (fd < 0 || fd2 < 0)
		return 1;
	{
		struct drm_get_cap cap = { .capability = DRM_CAP_PRIME };
		KRC("PRIME.CAP", xioctl(fd, DRM_IOCTL_GET_CAP, &cap));
		KV("PRIME.CAP.VALUE", "%llu", (unsigned long long)cap.value);
	}

	a = (uint32_t)bo_create(fd, 2 * 4096);
	b = (uint32_t)bo_create(fd, 4096);

	/* Export: one buffer per object, whatever the flags of later exports. */
	e1 = prime_export(fd, a, DRM_CLOEXEC | DRM_RDWR);
	KRC("PRIME.EXPORT", e1 < 0 ? e1 : 0);
	KV("PRIME.EXPORT.CLOEXEC", "%d", e1 >= 0 && (fcntl((int)e1, F_GETFD) & FD_CLOEXEC));
	e2 = prime_export(fd, a, 0);
	KRC("PRIME.EXPORT.AGAIN", e2 < 0 ? e2 : 0);
	KV("PRIME.EXPORT.AGAIN_SAME_BUFFER", "%d", c_same_inode((int)e1, (int)e2));
	KV("PRIME.EXPORT.NO_CLOEXEC", "%d", e2 >= 0 && !(fcntl((int)e2, F_GETFD) & FD_CLOEXEC));
	KV("PRIME.EXPORT.DISTINCT_DESCRIPTORS", "%d", e1 != e2);
	e3 = prime_export(fd, b, DRM_CLOEXEC);
	KV("PRIME.EXPORT.OTHER_OBJECT_OTHER_BUFFER", "%d", !c_same_inode((int)e1, (int)e3));
	KRC("PRIME.EXPORT.BAD_FLAG", prime_export(fd, a, 0x4));
	KRC("PRIME.EXPORT.HIGH_FLAG", prime_export(fd, a, 0x80000000u));
	KRC("PRIME.EXPORT.NONBLOCK_FLAG", prime_export(fd, a, O_NONBLOCK));
	KRC("PRIME.EXPORT.UNKNOWN_HANDLE", prime_export(fd, 999, DRM_CLOEXEC));
	KRC("PRIME.EXPORT.HANDLE_ZERO", prime_export(fd, 0, DRM_CLOEXEC));

	/* The access mode is the first export's: b was exported read-only. */
	KRC("PRIME.EXPORT.READ_ONLY_MAP_WRITE", map_fd_rc((int)e3, 4096, RW, &p));
	KRC("PRIME.EXPORT.READ_ONLY_MAP_READ", map_fd_rc((int)e3, 4096, PROT_READ, &p));
	if (p != MAP_FAILED)
		munmap(p, 4096);

	/* The exported buffer is the object's memory. */
	bo_map(fd, a, 2 * 4096, &p);
	if (p != MAP_FAILED)
		memset(p, 0x11, 2 * 4096);
	KRC("PRIME.EXPORT.MAP_BUFFER", map_fd_rc((int)e1, 2 * 4096, RW, &q));
	if (q != MAP_FAILED) {
		KV("PRIME.EXPORT.BUFFER_IS_OBJECT_MEMORY", "%d", bytes_are(q, 2 * 4096, 0x11));
		memset(q, 0x22, 4096);
		KV("PRIME.EXPORT.WRITES_REACH_OBJECT", "%d", p != MAP_FAILED && bytes_are(p, 4096, 0x22));
		munmap(q, 2 * 4096);
	}
	if (p != MAP_FAILED)
		c_munmap(p, 2 * 4096);

	/* Import into the same file: the same handle. */
	h = prime_import(fd, (int)e1);
	KV("PRIME.IMPORT.SAME_FILE", "%s", rcstr(h));
	KV("PRIME.IMPORT.SAME_FILE_SAME_HANDLE", "%d", h == a);
	h = prime_import(fd, (int)e2);
	KV("PRIME.IMPORT.SAME_FILE_OTHER_DESCRIPTOR_SAME_HANDLE", "%d", h == a);

	/* Import into another file of the device: its own handle, the same object. */
	h2 = prime_import(fd2, (int)e1);
	KV("PRIME.IMPORT.OTHER_FILE", "%s", rcstr(h2));
	KV("PRIME.IMPORT.OTHER_FILE_AGAIN", "%s", rcstr(prime_import(fd2, (int)e2)));
	bo_info(fd, a, NULL, &off_a);
	KRC("PRIME.IMPORT.OTHER_FILE_BO_INFO", bo_info(fd2, (uint32_t)h2, &size, &off_a2));
	KV("PRIME.IMPORT.OTHER_FILE_SIZE", "%llu", (unsigned long long)size);
	KV("PRIME.IMPORT.OTHER_FILE_SAME_OFFSET", "%d", off_a == off_a2);
	KRC("PRIME.IMPORT.OTHER_FILE_MAP", bo_map(fd2, (uint32_t)h2, 4096, &q));
	if (q != MAP_FAILED) {
		KV("PRIME.IMPORT.OTHER_FILE_SEES_DATA", "%d", bytes_are(q, 4096, 0x22));
		c_munmap(q, 4096);
	}
	{
		long re = prime_export(fd2, (uint32_t)h2, DRM_CLOEXEC);
		KV("PRIME.IMPORT.REEXPORT_SAME_BUFFER", "%d", re >= 0 && c_same_inode((int)e1, (int)re));
		if (re >= 0)
			close((int)re);
	}

	/* What is not a buffer. */
	{
		int pp[2], ev = eventfd(0, EFD_CLOEXEC), closed, memfd;

		if (pipe(pp))
			pp[0] = pp[1] = -1;
		/* A number that was just freed, and nothing reuses before the call. */
		closed = dup(0);
		close(closed);
		KRC("PRIME.IMPORT.PIPE", prime_import(fd, pp[0]));
		KRC("PRIME.IMPORT.EVENTFD", prime_import(fd, ev));
		KRC("PRIME.IMPORT.CLOSED_FD", prime_import(fd, closed));
		KRC("PRIME.IMPORT.NEGATIVE_FD", prime_import(fd, -1));
		KRC("PRIME.IMPORT.DEVICE_FD", prime_import(fd, fd));
		memfd = memfd_create("plain", MFD_CLOEXEC);
		if (memfd >= 0 && ftruncate(memfd, 4096) == 0) {
			long r = prime_import(fd, memfd);

			KRC("PRIME.IMPORT.PLAIN_MEMFD", r > 0 ? 0 : r);
			/* accel takes any memfd (docs/kernel-differences.md): keep numbering equal. */
			if (r > 0)
				gem_close(fd, (uint32_t)r);
		}
		close(memfd);
		close(pp[0]);
		close(pp[1]);
		close(ev);
	}

	/* A buffer from outside any device: wrapped without copying. */
	{
		int f = c_foreign_buffer(2 * 4096, 0x77);
		long fh, fh2;

		KRC("PRIME.FOREIGN.MADE", f < 0 ? f : 0);
		fh = prime_import(fd, f);
		KV("PRIME.FOREIGN.IMPORT", "%s", rcstr(fh));
		KRC("PRIME.FOREIGN.BO_INFO", bo_info(fd, (uint32_t)fh, &size, NULL));
		KV("PRIME.FOREIGN.SIZE", "%llu", (unsigned long long)size);
		KRC("PRIME.FOREIGN.MAP", bo_map(fd, (uint32_t)fh, 2 * 4096, &p));
		if (p != MAP_FAILED) {
			KV("PRIME.FOREIGN.SEES_DATA", "%d", bytes_are(p, 2 * 4096, 0x77));
			memset(p, 0x78, 4096);
			c_munmap(p, 2 * 4096);
		}
		KV("PRIME.FOREIGN.IMPORT_AGAIN_SAME_HANDLE", "%d", prime_import(fd, f) == fh);
		fh2 = prime_import(fd2, f);
		KV("PRIME.FOREIGN.OTHER_FILE", "%s", rcstr(fh2));
		KRC("PRIME.FOREIGN.OTHER_FILE_MAP", bo_map(fd2, (uint32_t)fh2, 4096, &p));
		if (p != MAP_FAILED) {
			KV("PRIME.FOREIGN.OTHER_FILE_SEES_WRITES", "%d", bytes_are(p, 4096, 0x78));
			c_munmap(p, 4096);
		}
		{
			long re = prime_export(fd, (uint32_t)fh, DRM_CLOEXEC);
			KV("PRIME.FOREIGN.REEXPORT_IS_ORIGINAL", "%d", re >= 0 && c_same_inode(f, (int)re));
			if (re >= 0)
				close((int)re);
		}
		{
			struct drm_mode_map_dumb md = { .handle = (uint32_t)fh };
			KRC("PRIME.FOREIGN.MAP_DUMB", xioctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &md));
		}
		KRC("PRIME.FOREIGN.CLOSE", gem_close(fd, (uint32_t)fh));
		KRC("PRIME.FOREIGN.CLOSE_OTHER_FILE", gem_close(fd2, (uint32_t)fh2));
		close(f);
	}

	/* An exported object outlives its handles while another file imported it. */
	KRC("PRIME.LIFETIME.CLOSE_EXPORTER_HANDLE", gem_close(fd, a));
	KRC("PRIME.LIFETIME.IMPORTER_MAP", bo_map(fd2, (uint32_t)h2, 4096, &q));
	if (q != MAP_FAILED) {
		KV("PRIME.LIFETIME.IMPORTER_SEES_DATA", "%d", bytes_are(q, 4096, 0x22));
		c_munmap(q, 4096);
	}
	KRC("PRIME.LIFETIME.EXPORTER_FILE_OFFSET", c_mmap_rc(&q, 4096, RW, MAP_SHARED, fd, off_a));
	KRC("PRIME.LIFETIME.CLOSE_IMPORTER_HANDLE", gem_close(fd2, (uint32_t)h2));
	/* Only the caller's buffer descriptors are left: the kernel keeps the object for them. */
	KRC("PRIME.LIFETIME.OFFSET_AFTER_ALL_HANDLES", c_mmap_rc(&q, 4096, RW, MAP_SHARED, fd, off_a));

	/* The buffer descriptor still holds the memory. */
	KRC("PRIME.LIFETIME.MAP_BUFFER_AFTER_ALL_HANDLES", map_fd_rc((int)e1, 4096, PROT_READ, &q));
	if (q != MAP_FAILED) {
		KV("PRIME.LIFETIME.BUFFER_KEEPS_DATA", "%d", bytes_are(q, 4096, 0x22));
		munmap(q, 4096);
	}
	/* And comes back as a buffer object with the same memory. */
	h = prime_import(fd, (int)e1);
	KV("PRIME.LIFETIME.REIMPORT", "%s", rcstr(h));
	KRC("PRIME.LIFETIME.REIMPORT_MAP", bo_map(fd, (uint32_t)h, 4096, &q));
	if (q != MAP_FAILED) {
		KV("PRIME.LIFETIME.REIMPORT_SEES_DATA", "%d", bytes_are(q, 4096, 0x22));
		c_munmap(q, 4096);
	}
	KV("PRIME.LIFETIME.REIMPORT_SAME_OFFSET", "%d",
	   bo_info(fd, (uint32_t)h, NULL, &off_a2) == 0 && off_a2 == off_a);

	/* Closing the exporting file: the importer's handle keeps the object. */
	{
		uint32_t c = (uint32_t)bo_create(fd, 4096);
		long ec = prime_export(fd, c, DRM_CLOEXEC | DRM_RDWR), hc;

		bo_map(fd, c, 4096, &p);
		if (p != MAP_FAILED) {
			memset(p, 0x44, 4096);
			c_munmap(p, 4096);
		}
		hc = prime_import(fd2, (int)ec);
		c_close(fd);
		KRC("PRIME.LIFETIME.EXPORTER_FILE_CLOSED_MAP", bo_map(fd2, (uint32_t)hc, 4096, &p));
		if (p != MAP_FAILED) {
			KV("PRIME.LIFETIME.EXPORTER_FILE_CLOSED_DATA", "%d", bytes_are(p, 4096, 0x44));
			c_munmap(p, 4096);
		}
		close((int)ec);
	}
	close((int)e1);
	close((int)e2);
	close((int)e3);
	c_close(fd2);
	return 0;
}

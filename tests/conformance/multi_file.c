/* multi_file.c - GEM handles are per open file: isolation between two clients of one device,
 * sharing through flink names and PRIME, and what survives a file's close.
 *
 * Keys: MULTI_FILE.<area>.<rule>; return codes, handles and booleans.
 */
#include "bo.h"

#define RW (PROT_READ | PROT_WRITE)

int main(void)
{
	int a = c_open_accel0(), b = c_open_accel0(), c;
	uint64_t off_a1, off_a2, off_b, size;
	uint32_t a1, a2, b1;
	void *p;

	KV("MULTI_FILE.OPEN", "%s", rcstr(a < 0 ? a : b < 0 ? b : 0));
	if (a < 0 || b < 0)
		return 1;

	/* Each file numbers its own handles from 1. */
	a1 = (uint32_t)bo_create(a, 4096);
	a2 = (uint32_t)bo_create(a, 2 * 4096);
	b1 = (uint32_t)bo_create(b, 4096);
	KV("MULTI_FILE.HANDLES.A", "%u,%u", a1, a2);
	KV("MULTI_FILE.HANDLES.B", "%u", b1);
	bo_info(a, a1, NULL, &off_a1);
	bo_info(a, a2, NULL, &off_a2);
	bo_info(b, b1, NULL, &off_b);
	KV("MULTI_FILE.OFFSETS_DEVICE_WIDE_DISTINCT", "%d",
	   off_a1 != off_b && off_a2 != off_b && off_a1 != off_a2);
	KRC("MULTI_FILE.B.INFO_SAME_NUMBER_OWN_OBJECT", bo_info(b, 1, &size, NULL));
	KV("MULTI_FILE.B.INFO_SAME_NUMBER_SIZE", "%llu", (unsigned long long)size);

	/* A's handle 2 means nothing in B. */
	KRC("MULTI_FILE.B.INFO_OF_A_HANDLE", bo_info(b, a2, NULL, NULL));
	KRC("MULTI_FILE.B.EXPORT_OF_A_HANDLE", prime_export(b, a2, DRM_CLOEXEC));
	{
		struct drm_gem_flink fl = { .handle = a2 };
		KRC("MULTI_FILE.B.FLINK_OF_A_HANDLE", xioctl(b, DRM_IOCTL_GEM_FLINK, &fl));
	}
	KRC("MULTI_FILE.B.CLOSE_OF_A_HANDLE", gem_close(b, a2));
	KRC("MULTI_FILE.A.INFO_AFTER_B_CLOSE_ATTEMPT", bo_info(a, a2, NULL, NULL));
	KRC("MULTI_FILE.B.MAP_A_OFFSET", c_mmap_rc(&p, 4096, RW, MAP_SHARED, b, off_a2));

	/* B closing its handle 1 leaves A's handle 1 alone. */
	KRC("MULTI_FILE.B.CLOSE_OWN", gem_close(b, b1));
	KRC("MULTI_FILE.A.INFO_SAME_NUMBER_AFTER_B_CLOSE", bo_info(a, 1, NULL, NULL));

	/* A flink name lets B open the object: its own handle, the same offset, mapping allowed. */
	{
		struct drm_gem_flink fl = { .handle = a2 };
		struct drm_gem_open go = { 0 };

		KRC("MULTI_FILE.FLINK", xioctl(a, DRM_IOCTL_GEM_FLINK, &fl));
		go.name = fl.name;
		KRC("MULTI_FILE.B.GEM_OPEN", xioctl(b, DRM_IOCTL_GEM_OPEN, &go));
		KV("MULTI_FILE.B.GEM_OPEN_HANDLE", "%u", go.handle);
		KV("MULTI_FILE.B.GEM_OPEN_SIZE", "%llu", (unsigned long long)go.size);
		bo_info(b, go.handle, NULL, &off_b);
		KV("MULTI_FILE.B.GEM_OPEN_SAME_OFFSET", "%d", off_b == off_a2);
		KRC("MULTI_FILE.A.MAP", bo_map(a, a2, 2 * 4096, &p));
		if (p != MAP_FAILED) {
			memset(p, 0x3c, 2 * 4096);
			c_munmap(p, 2 * 4096);
		}
		KRC("MULTI_FILE.B.MAP_AFTER_GEM_OPEN", c_mmap_rc(&p, 2 * 4096, RW, MAP_SHARED, b, off_a2));
		if (p != MAP_FAILED) {
			KV("MULTI_FILE.B.SEES_A_DATA", "%d", bytes_are(p, 2 * 4096, 0x3c));
			c_munmap(p, 2 * 4096);
		}

		/* A goes away: B's handle keeps the object, and the flink name. */
		c_close(a);
		KRC("MULTI_FILE.B.INFO_AFTER_A_CLOSED", bo_info(b, go.handle, NULL, NULL));
		KRC("MULTI_FILE.B.MAP_AFTER_A_CLOSED", bo_map(b, go.handle, 2 * 4096, &p));
		if (p != MAP_FAILED) {
			KV("MULTI_FILE.B.DATA_AFTER_A_CLOSED", "%d", bytes_are(p, 2 * 4096, 0x3c));
			c_munmap(p, 2 * 4096);
		}
		c = c_open_accel0();
		KV("MULTI_FILE.C.FIRST_HANDLE", "%s", rcstr(bo_create(c, 4096)));
		go.handle = 0;
		KRC("MULTI_FILE.C.GEM_OPEN_NAME_KEPT_BY_B", xioctl(c, DRM_IOCTL_GEM_OPEN, &go));
		KV("MULTI_FILE.C.GEM_OPEN_HANDLE", "%u", go.handle);
		/* A's other object had no other holder: its offset is gone. */
		KRC("MULTI_FILE.C.MAP_OFFSET_OF_FREED_OBJECT", c_mmap_rc(&p, 4096, RW, MAP_SHARED, c, off_a1));
		c_close(c);
	}
	c_close(b);
	return 0;
}

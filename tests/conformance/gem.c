/* gem.c - GEM handles and objects on an accel file: numbering, closing, flink names, dumb
 * buffers, and the example driver's CREATE_BO / BO_INFO argument checks.
 *
 * Keys: GEM.<area>.<rule>; values are return codes, handles, sizes and booleans.
 */
#include "bo.h"

int main(void)
{
	int fd = c_open_accel0();
	struct drm_gem_flink fl = { 0 };
	struct drm_gem_open go = { 0 };
	uint64_t size;

	KV("GEM.OPEN", "%s", rcstr(fd < 0 ? fd : 0));
	if (fd < 0)
		return 1;

	/* Handles: the lowest free from 1, reused after close. */
	KV("GEM.HANDLE.FIRST", "%s", rcstr(bo_create(fd, 4096)));
	KV("GEM.HANDLE.SECOND", "%s", rcstr(bo_create(fd, 4096)));
	KV("GEM.HANDLE.THIRD", "%s", rcstr(bo_create(fd, 4096)));
	KRC("GEM.CLOSE.MIDDLE", gem_close(fd, 2));
	KRC("GEM.CLOSE.AGAIN", gem_close(fd, 2));
	KRC("GEM.CLOSE.ZERO", gem_close(fd, 0));
	KRC("GEM.CLOSE.NEVER_MADE", gem_close(fd, 1000));
	KRC("GEM.CLOSE.HUGE", gem_close(fd, 0xffffffffu));
	KV("GEM.HANDLE.REUSED_LOWEST", "%s", rcstr(bo_create(fd, 4096)));
	KV("GEM.HANDLE.NEXT_AFTER_REUSE", "%s", rcstr(bo_create(fd, 4096)));
	KRC("GEM.CLOSE.FIRST", gem_close(fd, 1));
	KRC("GEM.CLOSE.THIRD", gem_close(fd, 3));
	KV("GEM.HANDLE.REUSED_AFTER_TWO_CLOSES", "%s", rcstr(bo_create(fd, 4096)));
	KV("GEM.HANDLE.REUSED_SECOND_HOLE", "%s", rcstr(bo_create(fd, 4096)));
	{
		struct drm_gem_close c = { .handle = 4, .pad = 0xdead };
		KRC("GEM.CLOSE.PAD_IGNORED", xioctl(fd, DRM_IOCTL_GEM_CLOSE, &c));
	}

	/* CREATE_BO checks. */
	KRC("GEM.CREATE.SIZE_ZERO", bo_create(fd, 0));
	{
		struct drm_example_create_bo c = { .size = 4096, .flags = 1 };
		KRC("GEM.CREATE.FLAGS", xioctl(fd, DRM_IOCTL_EXAMPLE_CREATE_BO, &c));
		c.flags = 0x80000000u;
		KRC("GEM.CREATE.FLAGS_HIGH", xioctl(fd, DRM_IOCTL_EXAMPLE_CREATE_BO, &c));
	}
	{
		long h = bo_create(fd, 100);
		KRC("GEM.CREATE.UNALIGNED", h < 0 ? h : 0);
		KRC("GEM.BO_INFO.UNALIGNED", bo_info(fd, (uint32_t)h, &size, NULL));
		KV("GEM.BO_INFO.SIZE_ROUNDED_TO_PAGE", "%llu", (unsigned long long)size);
		h = bo_create(fd, 3 * 4096 + 1);
		bo_info(fd, (uint32_t)h, &size, NULL);
		KV("GEM.BO_INFO.SIZE_3P1", "%llu", (unsigned long long)size);
	}

	/* BO_INFO checks. */
	{
		struct drm_example_bo_info i = { .handle = 1, .pad = 1 };
		KRC("GEM.BO_INFO.PAD", xioctl(fd, DRM_IOCTL_EXAMPLE_BO_INFO, &i));
		i.pad = 0;
		i.handle = 0;
		KRC("GEM.BO_INFO.HANDLE_ZERO", xioctl(fd, DRM_IOCTL_EXAMPLE_BO_INFO, &i));
		i.handle = 999;
		KRC("GEM.BO_INFO.UNKNOWN", xioctl(fd, DRM_IOCTL_EXAMPLE_BO_INFO, &i));
		i.handle = 2;
		KRC("GEM.BO_INFO.KNOWN", xioctl(fd, DRM_IOCTL_EXAMPLE_BO_INFO, &i));
		KV("GEM.BO_INFO.SIZE", "%llu", (unsigned long long)i.size);
	}

	/* flink names (DRM_AUTH: the caller is root, so authenticated). */
	fl.handle = 2;
	KRC("GEM.FLINK", xioctl(fd, DRM_IOCTL_GEM_FLINK, &fl));
	KV("GEM.FLINK.NAME", "%u", fl.name);
	{
		struct drm_gem_flink again = { .handle = 2 };
		KRC("GEM.FLINK.AGAIN", xioctl(fd, DRM_IOCTL_GEM_FLINK, &again));
		KV("GEM.FLINK.AGAIN_SAME_NAME", "%d", again.name == fl.name);
		again.handle = 1;
		KRC("GEM.FLINK.OTHER", xioctl(fd, DRM_IOCTL_GEM_FLINK, &again));
		KV("GEM.FLINK.OTHER_NAME", "%u", again.name);
		again.handle = 999;
		KRC("GEM.FLINK.UNKNOWN", xioctl(fd, DRM_IOCTL_GEM_FLINK, &again));
	}
	go.name = fl.name;
	KRC("GEM.GEM_OPEN", xioctl(fd, DRM_IOCTL_GEM_OPEN, &go));
	KV("GEM.GEM_OPEN.NEW_HANDLE_IN_SAME_FILE", "%u", go.handle);
	KV("GEM.GEM_OPEN.SIZE", "%llu", (unsigned long long)go.size);
	{
		struct drm_gem_open bad = { .name = 4242 };
		KRC("GEM.GEM_OPEN.UNKNOWN", xioctl(fd, DRM_IOCTL_GEM_OPEN, &bad));
		bad.name = 0;
		KRC("GEM.GEM_OPEN.ZERO", xioctl(fd, DRM_IOCTL_GEM_OPEN, &bad));
	}
	/* The name lives while the object has handles. */
	KRC("GEM.CLOSE.FLINKED", gem_close(fd, 2));
	KRC("GEM.CLOSE.FLINKED_SECOND_HANDLE", gem_close(fd, go.handle));
	{
		struct drm_gem_open gone = { .name = fl.name };
		KRC("GEM.GEM_OPEN.AFTER_LAST_HANDLE", xioctl(fd, DRM_IOCTL_GEM_OPEN, &gone));
	}

	/* Dumb buffers: the shmem helper's dumb_create answers on an accel file too. */
	{
		struct drm_mode_create_dumb cd = { .width = 16, .height = 16, .bpp = 32,
						   .handle = 77, .pitch = 1, .size = 1 };
		struct drm_mode_map_dumb md = { 0 };
		struct drm_mode_destroy_dumb dd = { 0 };
		void *p;

		KRC("GEM.DUMB.CREATE", xioctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &cd));
		KV("GEM.DUMB.HANDLE", "%u", cd.handle);
		KV("GEM.DUMB.PITCH", "%u", cd.pitch);
		KV("GEM.DUMB.SIZE", "%llu", (unsigned long long)cd.size);
		md.handle = cd.handle;
		KRC("GEM.DUMB.MAP", xioctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &md));
		KV("GEM.DUMB.MAP_OFFSET_AT_LEAST_4G", "%d", md.offset >= 0x100000000ull);
		KRC("GEM.DUMB.MMAP", c_mmap_rc(&p, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
					       md.offset));
		if (p != MAP_FAILED) {
			KV("GEM.DUMB.MMAP_ZEROED", "%d", bytes_are(p, 4096, 0));
			c_munmap(p, 4096);
		}
		{
			struct drm_mode_map_dumb again = { .handle = cd.handle };
			xioctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &again);
			KV("GEM.DUMB.MAP_STABLE", "%d", again.offset == md.offset);
		}
		md.handle = 999;
		KRC("GEM.DUMB.MAP_UNKNOWN", xioctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &md));
		dd.handle = cd.handle;
		KRC("GEM.DUMB.DESTROY", xioctl(fd, DRM_IOCTL_MODE_DESTROY_DUMB, &dd));
		KRC("GEM.DUMB.DESTROY_AGAIN", xioctl(fd, DRM_IOCTL_MODE_DESTROY_DUMB, &dd));
		cd = (struct drm_mode_create_dumb){ .width = 0, .height = 16, .bpp = 32 };
		KRC("GEM.DUMB.WIDTH_ZERO", xioctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &cd));
		cd = (struct drm_mode_create_dumb){ .width = 16, .height = 16, .bpp = 0 };
		KRC("GEM.DUMB.BPP_ZERO", xioctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &cd));
		cd = (struct drm_mode_create_dumb){ .width = 16, .height = 16, .bpp = 0xfffffff9u };
		KRC("GEM.DUMB.BPP_HUGE", xioctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &cd));
		cd = (struct drm_mode_create_dumb){ .width = 0x10000, .height = 0x10000, .bpp = 32 };
		KRC("GEM.DUMB.SIZE_OVERFLOW", xioctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &cd));
		cd = (struct drm_mode_create_dumb){ .width = 3, .height = 5, .bpp = 12 };
		KRC("GEM.DUMB.ODD", xioctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &cd));
		KV("GEM.DUMB.ODD_PITCH", "%u", cd.pitch);
		KV("GEM.DUMB.ODD_SIZE", "%llu", (unsigned long long)cd.size);
	}

	/* A closed file's handles go with it: a new file numbers from 1 again. */
	c_close(fd);
	fd = c_open_accel0();
	KV("GEM.REOPEN.FIRST_HANDLE", "%s", rcstr(bo_create(fd, 4096)));
	c_close(fd);
	return 0;
}

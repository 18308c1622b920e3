/* dispatch.c - the kernel's ioctl dispatch rules on an accel file.
 *
 * Keys: DISPATCH.NR_<nn> is the answer to every core ioctl number called with a zeroed
 * argument of its own size (GET_UNIQUE and GET_MAGIC are left out: they oops a 6.12 kernel
 * on accel files; GEM, dumb-buffer, PRIME and syncobj numbers are covered by their own areas); the other
 * keys state one rule each.
 */
#include "conformance.h"
#include "core_ioctls.h"

struct core_ioctl {
	const char *name;
	unsigned long cmd;
};

#define CORE_ENTRY(n) { #n, n },
static const struct core_ioctl core_ioctls[] = { CORE_IOCTL_LIST(CORE_ENTRY) };

static const struct core_ioctl *core_by_nr(unsigned int nr)
{
	for (size_t i = 0; i < sizeof(core_ioctls) / sizeof(core_ioctls[0]); i++)
		if (DRM_IOCTL_NR(core_ioctls[i].cmd) == nr)
			return &core_ioctls[i];
	return NULL;
}

static int skipped(const char *name)
{
	return strstr(name, "GEM_") || strstr(name, "PRIME_") || strstr(name, "SYNCOBJ_") ||
	       strstr(name, "_DUMB") ||
	       !strcmp(name, "DRM_IOCTL_GET_UNIQUE") || !strcmp(name, "DRM_IOCTL_GET_MAGIC");
}

int main(void)
{
	unsigned char buf[512];
	int fd = c_open_accel0();

	KV("DISPATCH.OPEN", "%s", rcstr(fd < 0 ? fd : 0));
	if (fd < 0)
		return 1;

	/* Every core number: known ones with their own size, holes with a 16-byte _IOWR. */
	for (unsigned int nr = 0; nr <= 0xff; nr++) {
		const struct core_ioctl *c;
		unsigned long cmd;

		if (nr >= DRM_COMMAND_BASE && nr < DRM_COMMAND_END)
			continue;
		c = core_by_nr(nr);
		if (c && skipped(c->name))
			continue;
		cmd = c ? c->cmd : DRM_IOWR(nr, char[16]);
		memset(buf, 0, sizeof(buf));
		KV(kf("DISPATCH.NR_%02X", nr), "%s", rcstr(xioctl(fd, cmd, buf)));
	}

	/* A type byte other than 'd' is not a DRM ioctl at all. */
	memset(buf, 0, sizeof(buf));
	KRC("DISPATCH.WRONG_TYPE", xioctl(fd, _IOWR('x', 0x0c, struct drm_get_cap), buf));
	/* Driver numbers past the driver's table. */
	KRC("DISPATCH.DRIVER_NR_PAST_TABLE", xioctl(fd, DRM_IOWR(DRM_COMMAND_BASE + 0x10, char[16]), buf));
	KRC("DISPATCH.DRIVER_NR_LAST", xioctl(fd, DRM_IOWR(DRM_COMMAND_END - 1, char[16]), buf));

	/* The kernel's own definition decides the handler; the caller's size the copies. */
	{
		struct { struct drm_get_cap cap; uint64_t tail[2]; } big;
		memset(&big, 0xab, sizeof(big));
		big.cap.capability = DRM_CAP_SYNCOBJ;
		KRC("DISPATCH.LONGER_STRUCT.RC",
		    xioctl(fd, DRM_IOWR(DRM_IOCTL_NR(DRM_IOCTL_GET_CAP), big), &big));
		KV("DISPATCH.LONGER_STRUCT.VALUE", "%llu", (unsigned long long)big.cap.value);
		KV("DISPATCH.LONGER_STRUCT.TAIL_UNCHANGED", "%d",
		   big.tail[0] == 0xababababababababULL && big.tail[1] == 0xababababababababULL);
	}
	{
		/* Only the capability field given: value reads as zero-extended, nothing copied past 8. */
		uint64_t shortcap[2] = { DRM_CAP_PRIME, 0x1234 };
		KRC("DISPATCH.SHORTER_STRUCT.RC",
		    xioctl(fd, DRM_IOWR(DRM_IOCTL_NR(DRM_IOCTL_GET_CAP), uint64_t), shortcap));
		KV("DISPATCH.SHORTER_STRUCT.BEYOND_UNCHANGED", "%d", shortcap[1] == 0x1234);
	}
	{
		/* Read-only direction: nothing copied in (capability 0), the result copied out. */
		struct drm_get_cap cap = { .capability = DRM_CAP_PRIME, .value = 77 };
		KRC("DISPATCH.IOR_ONLY.RC", xioctl(fd, DRM_IOR(DRM_IOCTL_NR(DRM_IOCTL_GET_CAP), cap), &cap));
		KV("DISPATCH.IOR_ONLY.CAPABILITY", "%llu", (unsigned long long)cap.capability);
		KV("DISPATCH.IOR_ONLY.VALUE", "%llu", (unsigned long long)cap.value);
	}
	{
		/* Write-only direction: copied in, nothing copied back. */
		struct drm_get_cap cap = { .capability = DRM_CAP_PRIME, .value = 77 };
		KRC("DISPATCH.IOW_ONLY.RC", xioctl(fd, DRM_IOW(DRM_IOCTL_NR(DRM_IOCTL_GET_CAP), cap), &cap));
		KV("DISPATCH.IOW_ONLY.VALUE", "%llu", (unsigned long long)cap.value);
	}
	{
		/* No direction and no size: the handler sees zeros. */
		KRC("DISPATCH.IO_NONE.RC", xioctl(fd, DRM_IO(DRM_IOCTL_NR(DRM_IOCTL_GET_CAP)), NULL));
	}
	{
		/* The argument is copied out even when the handler fails. */
		struct drm_get_cap cap = { .capability = 0x7777, .value = 0xdeadbeef };
		KRC("DISPATCH.COPY_OUT_ON_ERROR.RC", xioctl(fd, DRM_IOCTL_GET_CAP, &cap));
		KV("DISPATCH.COPY_OUT_ON_ERROR.VALUE", "%llu", (unsigned long long)cap.value);
	}
	KRC("DISPATCH.NULL_ARG", xioctl(fd, DRM_IOCTL_GET_CAP, NULL));
	KRC("DISPATCH.BAD_POINTER", xioctl(fd, DRM_IOCTL_GET_CAP, (void *)16));

	/* DRM_AUTH and DRM_ROOT_ONLY ioctls from a non-root caller (accel files are never master). */
	if (fork() == 0) {
		if (setuid(65534) != 0)
			_exit(1);
		memset(buf, 0, sizeof(buf));
		KRC("DISPATCH.NONROOT.FINISH_AUTH", xioctl(fd, DRM_IOCTL_FINISH, buf));
		KRC("DISPATCH.NONROOT.BLOCK_ROOT_ONLY", xioctl(fd, DRM_IOCTL_BLOCK, buf));
		KRC("DISPATCH.NONROOT.SET_UNIQUE", xioctl(fd, DRM_IOCTL_SET_UNIQUE, buf));
		KRC("DISPATCH.NONROOT.GET_CAP", xioctl(fd, DRM_IOCTL_GET_CAP, buf));
		_exit(0);
	} else {
		int status;
		wait(&status);
	}
	c_close(fd);
	return 0;
}

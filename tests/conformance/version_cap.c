/* version_cap.c - DRM_IOCTL_VERSION, GET_CAP, SET_CLIENT_CAP and SET_CLIENT_NAME on an accel file. */
#include "conformance.h"

int main(void)
{
	char name[64], desc[128], date[16];
	struct drm_version v;
	int fd = c_open_accel0();

	KV("VERSION.OPEN", "%s", rcstr(fd < 0 ? fd : 0));
	if (fd < 0)
		return 1;

	/* Lengths only: every length is reported in full. */
	memset(&v, 0, sizeof(v));
	KRC("VERSION.LENGTHS.RC", xioctl(fd, DRM_IOCTL_VERSION, &v));
	KV("VERSION.LENGTHS.NAME_NONZERO", "%d", v.name_len > 0);
	KV("VERSION.LENGTHS.DATE_LEN", "%zu", (size_t)v.date_len);
	KV("VERSION.LENGTHS.DESC_NONZERO", "%d", v.desc_len > 0);
	{
		size_t name_len = v.name_len, desc_len = v.desc_len;

		/* Full buffers: the name has exactly the reported length. */
		memset(&v, 0, sizeof(v));
		memset(name, 'X', sizeof(name));
		memset(desc, 'X', sizeof(desc));
		memset(date, 'X', sizeof(date));
		v.name = name; v.name_len = sizeof(name);
		v.desc = desc; v.desc_len = sizeof(desc);
		v.date = date; v.date_len = sizeof(date);
		KRC("VERSION.FULL.RC", xioctl(fd, DRM_IOCTL_VERSION, &v));
		KV("VERSION.FULL.NAME_LEN_SAME", "%d", v.name_len == name_len);
		KV("VERSION.FULL.NO_NUL_ADDED", "%d", name[name_len] == 'X' && desc[desc_len] == 'X');
		KV("VERSION.FULL.DATE", "%.*s", (int)v.date_len, date);
		KV("VERSION.FULL.NAME_PRINTABLE", "%d", strspn(name, "abcdefghijklmnopqrstuvwxyz_0123456789") >= name_len);

		/* Short buffers: truncated copies, full lengths back, nothing written past them. */
		memset(&v, 0, sizeof(v));
		memset(name, 'X', sizeof(name));
		v.name = name; v.name_len = 2;
		v.desc = desc; v.desc_len = 0;
		v.date = NULL; v.date_len = 5;
		KRC("VERSION.SHORT.RC", xioctl(fd, DRM_IOCTL_VERSION, &v));
		KV("VERSION.SHORT.NAME_LEN_FULL", "%d", v.name_len == name_len);
		KV("VERSION.SHORT.THIRD_BYTE_UNTOUCHED", "%d", name[2] == 'X');
		KV("VERSION.SHORT.DESC_LEN_FULL", "%d", v.desc_len == desc_len);
		KV("VERSION.SHORT.NULL_DATE_LEN", "%zu", (size_t)v.date_len);
	}
	/* A name pointer the kernel cannot write. */
	memset(&v, 0, sizeof(v));
	v.name = (char *)8; v.name_len = 4;
	KRC("VERSION.BAD_NAME_POINTER", xioctl(fd, DRM_IOCTL_VERSION, &v));

	for (unsigned int cap = 0; cap <= 0x16; cap++) {
		struct drm_get_cap c = { .capability = cap, .value = 0x77 };
		long rc = xioctl(fd, DRM_IOCTL_GET_CAP, &c);
		KV(kf("GET_CAP.%02X", cap), "%s/%llu", rcstr(rc), (unsigned long long)c.value);
	}
	for (unsigned int cap = 0; cap <= 7; cap++) {
		struct drm_set_client_cap c = { .capability = cap, .value = 1 };
		KRC(kf("SET_CLIENT_CAP.%u", cap), xioctl(fd, DRM_IOCTL_SET_CLIENT_CAP, &c));
	}
	{
		struct drm_set_client_name n = { .name_len = 4, .name = (uintptr_t)"conf" };
		KRC("SET_CLIENT_NAME.VALID", xioctl(fd, DRM_IOCTL_SET_CLIENT_NAME, &n));
		n.name = (uintptr_t)"a b!";
		KRC("SET_CLIENT_NAME.SPACE", xioctl(fd, DRM_IOCTL_SET_CLIENT_NAME, &n));
		n.name_len = 65;
		KRC("SET_CLIENT_NAME.TOO_LONG", xioctl(fd, DRM_IOCTL_SET_CLIENT_NAME, &n));
	}
	c_close(fd);
	return 0;
}

/*
 * kms_caps.c - a modesetting driver's card node (vkms in the kernel, example_kms in accel):
 * GET_CAP's KMS capabilities, SET_CLIENT_CAP as DRIVER_MODESET | DRIVER_ATOMIC gates it,
 * MODE_GETRESOURCES and MODE_GETPLANERESOURCES. vkms has display objects and example_kms none,
 * so only what does not depend on them is compared: return codes, the size limits (both
 * 10..8192), the planes listed without universal planes (vkms's primary and cursor planes
 * are not overlays, so none), and that arrays of zero length are never written.
 * The caps that depend on the objects (PAGE_FLIP_TARGET: CRTCs; CURSOR_*: vkms's 512) are left out.
 */
#include "conformance.h"
#include <drm/drm_mode.h>

#ifdef CONFORMANCE_ACCEL
#define KMS_DRIVER "example_kms"
#else
#define KMS_DRIVER "vkms"
#endif

/* The card node of KMS_DRIVER, open, or -1. */
static int open_kms_card(void)
{
	for (int i = 0; i < 16; i++) {
		char p[64], name[64] = "";
		struct drm_version v = { .name = name, .name_len = sizeof(name) - 1 };
		int fd;

		snprintf(p, sizeof(p), "/dev/dri/card%d", i);
		fd = c_open(p, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (!xioctl(fd, DRM_IOCTL_VERSION, &v) && !strcmp(name, KMS_DRIVER))
			return fd;
		c_close(fd);
	}
	return -1;
}

static long set_client_cap(int fd, uint64_t cap, uint64_t value)
{
	struct drm_set_client_cap c = { .capability = cap, .value = value };

	return xioctl(fd, DRM_IOCTL_SET_CLIENT_CAP, &c);
}

int main(void)
{
	static const unsigned int caps[] = {
		DRM_CAP_DUMB_BUFFER, DRM_CAP_VBLANK_HIGH_CRTC, DRM_CAP_DUMB_PREFERRED_DEPTH,
		DRM_CAP_DUMB_PREFER_SHADOW, DRM_CAP_PRIME, DRM_CAP_TIMESTAMP_MONOTONIC,
		DRM_CAP_ASYNC_PAGE_FLIP, DRM_CAP_ADDFB2_MODIFIERS, DRM_CAP_CRTC_IN_VBLANK_EVENT,
		DRM_CAP_SYNCOBJ, DRM_CAP_SYNCOBJ_TIMELINE, 0x15 /* ATOMIC_ASYNC_PAGE_FLIP */, 0x16,
	};
	int fd = open_kms_card();

	KV("KMS.FOUND", "%d", fd >= 0);
	if (fd < 0)
		return 0;
	for (unsigned int i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		struct drm_get_cap c = { .capability = caps[i], .value = 0x77 };
		long rc = xioctl(fd, DRM_IOCTL_GET_CAP, &c);

		KV(kf("KMS.GET_CAP.%02X", caps[i]), "%s/%llu", rcstr(rc), (unsigned long long)c.value);
	}

	/* Writeback connectors need atomic first; values past the cap's range are -EINVAL. */
	KRC("KMS.SET_CLIENT_CAP.WRITEBACK_BEFORE_ATOMIC", set_client_cap(fd, DRM_CLIENT_CAP_WRITEBACK_CONNECTORS, 1));
	KRC("KMS.SET_CLIENT_CAP.STEREO_3D", set_client_cap(fd, DRM_CLIENT_CAP_STEREO_3D, 1));
	KRC("KMS.SET_CLIENT_CAP.STEREO_3D_2", set_client_cap(fd, DRM_CLIENT_CAP_STEREO_3D, 2));
	KRC("KMS.SET_CLIENT_CAP.ASPECT_RATIO", set_client_cap(fd, DRM_CLIENT_CAP_ASPECT_RATIO, 1));
	KRC("KMS.SET_CLIENT_CAP.ASPECT_RATIO_2", set_client_cap(fd, DRM_CLIENT_CAP_ASPECT_RATIO, 2));
	KRC("KMS.SET_CLIENT_CAP.CURSOR_HOTSPOT", set_client_cap(fd, DRM_CLIENT_CAP_CURSOR_PLANE_HOTSPOT, 1));
	KRC("KMS.SET_CLIENT_CAP.UNKNOWN", set_client_cap(fd, 7, 1));

	{
		struct drm_mode_card_res res;

		memset(&res, 0, sizeof(res));
		/* Zero-length arrays at pointers nothing could write: never touched. */
		res.fb_id_ptr = res.crtc_id_ptr = res.connector_id_ptr = res.encoder_id_ptr = 8;
		KRC("KMS.GETRESOURCES.RC", xioctl(fd, DRM_IOCTL_MODE_GETRESOURCES, &res));
		KV("KMS.GETRESOURCES.COUNT_FBS", "%u", res.count_fbs);
		KV("KMS.GETRESOURCES.WIDTH", "%u-%u", res.min_width, res.max_width);
		KV("KMS.GETRESOURCES.HEIGHT", "%u-%u", res.min_height, res.max_height);
	}
	{
		struct drm_mode_get_plane_res pr = { .plane_id_ptr = 8 };

		KRC("KMS.GETPLANERESOURCES.RC", xioctl(fd, DRM_IOCTL_MODE_GETPLANERESOURCES, &pr));
		KV("KMS.GETPLANERESOURCES.OVERLAYS", "%u", pr.count_planes);
	}
	KRC("KMS.SET_CLIENT_CAP.UNIVERSAL_PLANES", set_client_cap(fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1));
	KRC("KMS.SET_CLIENT_CAP.UNIVERSAL_PLANES_2", set_client_cap(fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 2));
	KRC("KMS.SET_CLIENT_CAP.ATOMIC_3", set_client_cap(fd, DRM_CLIENT_CAP_ATOMIC, 3));
	KRC("KMS.SET_CLIENT_CAP.ATOMIC", set_client_cap(fd, DRM_CLIENT_CAP_ATOMIC, 1));
	KRC("KMS.SET_CLIENT_CAP.WRITEBACK_AFTER_ATOMIC", set_client_cap(fd, DRM_CLIENT_CAP_WRITEBACK_CONNECTORS, 1));
	KRC("KMS.SET_CLIENT_CAP.WRITEBACK_2", set_client_cap(fd, DRM_CLIENT_CAP_WRITEBACK_CONNECTORS, 2));
	KRC("KMS.SET_CLIENT_CAP.CURSOR_HOTSPOT_ATOMIC", set_client_cap(fd, DRM_CLIENT_CAP_CURSOR_PLANE_HOTSPOT, 1));
	KRC("KMS.SET_CLIENT_CAP.ATOMIC_OFF", set_client_cap(fd, DRM_CLIENT_CAP_ATOMIC, 0));
	c_close(fd);
	return 0;
}

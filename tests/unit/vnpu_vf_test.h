/* SPDX-License-Identifier: MIT */
/*
 * Helpers of the vnpu virtual-function tests: attribute paths of a PF and its VFs, reads and
 * writes through accel_attr_read()/accel_attr_write() (the path `accel attr set` takes), and
 * GET_PARAM.
 */
#ifndef TEST_VNPU_VF_TEST_H
#define TEST_VNPU_VF_TEST_H

#include "vnpu_client.h"

/* Store @text into sys/devices/platform/@dev/@name: bytes taken or -errno. */
static inline ssize_t vf_attr_write(const char *dev, const char *name, const char *text)
{
	char path[256];

	snprintf(path, sizeof(path), "sys/devices/platform/%s/%s", dev, name);
	return accel_attr_write(path, text, strlen(text));
}

/* sys/devices/platform/@dev/@name as a number; fails the test when it cannot be read. */
static inline uint64_t vf_attr_u64(const char *dev, const char *name)
{
	char path[256], *text = NULL, *end;
	uint64_t v;

	snprintf(path, sizeof(path), "sys/devices/platform/%s/%s", dev, name);
	if (accel_attr_read(path, &text) < 0) {
		print_error("cannot read %s\n", path);
		fail();
	}
	v = strtoull(text, &end, 0);
	assert_true(end != text);
	free(text);
	return v;
}

/* Whether sys/devices/platform/@path exists (a directory, file or link). */
static inline int vf_exists(const char *path)
{
	char p[256];

	snprintf(p, sizeof(p), "devices/platform/%s", path);
	return attr_lookup(p) != NULL;
}

static inline uint64_t vf_get_param(struct vc_client *c, uint32_t param)
{
	struct drm_vnpu_get_param p = { .param = param };

	assert_int_equal(vc_ioctl(c, DRM_IOCTL_VNPU_GET_PARAM, &p), 0);
	return p.value;
}

/* BO_CREATE: 0 or -errno, the handle in @handle. */
static inline int vf_bo_create(struct vc_client *c, uint64_t size, uint32_t flags,
			       uint32_t *handle)
{
	struct drm_vnpu_bo_create cr = { .size = size, .flags = flags };
	int ret = vc_ioctl(c, DRM_IOCTL_VNPU_BO_CREATE, &cr);

	*handle = cr.handle;
	return ret;
}

static inline void vf_gem_close(struct vc_client *c, uint32_t handle)
{
	struct drm_gem_close cl = { .handle = handle };

	assert_int_equal(vc_ioctl(c, DRM_IOCTL_GEM_CLOSE, &cl), 0);
}

#endif

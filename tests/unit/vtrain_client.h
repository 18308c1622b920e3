/* SPDX-License-Identifier: MIT */
/*
 * Helpers of the vtrain driver tests, written against libaccel descriptors as a runtime would
 * be (the generic client helpers of vnpu_client.h), plus vtrain's own: buffer objects with
 * their device address and CPU mapping, a command-stream builder and SUBMIT.
 */
#ifndef TEST_VTRAIN_CLIENT_H
#define TEST_VTRAIN_CLIENT_H

#include "vnpu_client.h"

#include <uapi/drm/vtrain_accel.h>

/** struct vt_bo - a buffer object, its device address and its CPU mapping. */
struct vt_bo {
	uint32_t handle;
	uint64_t size;
	uint64_t addr;
	uint8_t *map;
};

static inline void vt_bo_new(struct vc_client *c, struct vt_bo *bo, uint64_t size)
{
	struct drm_vtrain_bo_create cr = { .size = size };
	struct drm_vtrain_bo_info info = { 0 };

	assert_int_equal(vc_ioctl(c, DRM_IOCTL_VTRAIN_BO_CREATE, &cr), 0);
	info.handle = cr.handle;
	assert_int_equal(vc_ioctl(c, DRM_IOCTL_VTRAIN_BO_INFO, &info), 0);
	bo->handle = cr.handle;
	bo->size = info.size;
	bo->addr = info.dev_addr;
	bo->map = accel_sys_mmap(NULL, bo->size, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd,
				 (off_t)info.mmap_offset);
	assert_true(bo->map != MAP_FAILED);
}

static inline void vt_bo_free(struct vc_client *c, struct vt_bo *bo)
{
	struct drm_gem_close cl = { .handle = bo->handle };

	assert_int_equal(accel_sys_munmap(bo->map, bo->size), 0);
	assert_int_equal(vc_ioctl(c, DRM_IOCTL_GEM_CLOSE, &cl), 0);
	bo->map = NULL;
}

static inline float *vt_f32(const struct vt_bo *bo, uint64_t off)
{
	return (float *)(bo->map + off);
}

/** struct vt_stream - a command stream being built. */
struct vt_stream {
	uint8_t bytes[8192];
	size_t n;
};

/* Append a packet; its header's length is set from @size. */
static inline void vt_emit(struct vt_stream *s, uint16_t opcode, uint32_t flags, void *pkt,
			   size_t size)
{
	struct vtrain_pkt_header *h = pkt;

	assert_true(s->n + size <= sizeof(s->bytes) && size % 8 == 0);
	h->opcode = opcode;
	h->length = (uint16_t)(size / 4);
	h->flags = flags;
	memcpy(s->bytes + s->n, pkt, size);
	s->n += size;
}

#define VT_EMIT(s, opcode, flags, pkt) vt_emit(s, opcode, flags, &(pkt), sizeof(pkt))

static inline uint32_t vt_bits(float f)
{
	uint32_t b;

	memcpy(&b, &f, sizeof(b));
	return b;
}

/* SUBMIT @s (copied into a fresh object, closed again): 0 or -errno. */
static inline int vt_submit(struct vc_client *c, const struct vt_stream *s,
			    const struct drm_vtrain_sync *in, uint32_t nr_in, uint32_t out)
{
	struct drm_vtrain_submit sub = { 0 };
	struct vt_bo cmd;
	int ret;

	vt_bo_new(c, &cmd, s->n ? s->n : 8);
	memcpy(cmd.map, s->bytes, s->n);
	sub.cmd_handle = cmd.handle;
	sub.cmd_size = s->n;
	sub.in_syncs = (uintptr_t)in;
	sub.num_in_syncs = nr_in;
	sub.out_sync.handle = out;
	ret = vc_ioctl(c, DRM_IOCTL_VTRAIN_SUBMIT, &sub);
	vt_bo_free(c, &cmd);
	return ret;
}

#endif

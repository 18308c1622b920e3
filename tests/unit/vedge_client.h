/* SPDX-License-Identifier: MIT */
/*
 * Helpers of the vedge driver tests, written against libaccel descriptors as a runtime would
 * be (the generic client helpers of vnpu_client.h: open, ioctl, syncobjs, waits, fence
 * status, sysfs/debugfs/fdinfo text), plus vedge's own: buffer objects mapped for the CPU,
 * a command-stream builder and SUBMIT.
 *
 * The embedded core runs two vedge devices: vedge.0 with DMA, vedge.1 without (VE_CONFIG).
 */
#ifndef TEST_VEDGE_CLIENT_H
#define TEST_VEDGE_CLIENT_H

#include "vnpu_client.h"

#include <uapi/drm/vedge_accel.h>

#define VE_DMA		"vedge.0"
#define VE_NODMA	"vedge.1"

/* Short autosuspend so that the PM tests see it without waiting long. */
#define VE_CONFIG \
	"[vedge.0]\ndriver = vedge\nhas_dma = 1\njob_timeout_ms = 300\nautosuspend_delay_ms = 20\n" \
	"\n[vedge.1]\ndriver = vedge\nhas_dma = 0\njob_timeout_ms = 300\n" \
	"autosuspend_delay_ms = 20\nsram_size = 65536\n"

/** struct ve_bo - a buffer object and its CPU mapping. */
struct ve_bo {
	uint32_t handle;
	uint64_t size;
	uint8_t *map;
};

static inline void ve_bo_new(struct vc_client *c, struct ve_bo *bo, uint64_t size)
{
	struct drm_vedge_bo_create cr = { .size = size };
	struct drm_vedge_bo_mmap mm = { 0 };

	assert_int_equal(vc_ioctl(c, DRM_IOCTL_VEDGE_BO_CREATE, &cr), 0);
	mm.handle = cr.handle;
	assert_int_equal(vc_ioctl(c, DRM_IOCTL_VEDGE_BO_MMAP, &mm), 0);
	bo->handle = cr.handle;
	bo->size = (size + 4095) & ~4095ull;
	bo->map = accel_sys_mmap(NULL, bo->size, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd,
				 (off_t)mm.offset);
	assert_true(bo->map != MAP_FAILED);
}

static inline void ve_bo_free(struct vc_client *c, struct ve_bo *bo)
{
	struct drm_gem_close cl = { .handle = bo->handle };

	assert_int_equal(accel_sys_munmap(bo->map, bo->size), 0);
	assert_int_equal(vc_ioctl(c, DRM_IOCTL_GEM_CLOSE, &cl), 0);
	bo->map = NULL;
}

/** struct ve_stream - a command stream being built. */
struct ve_stream {
	struct vedge_cmd cmd[1024];
	unsigned int n;
};

static inline void ve_cmd(struct ve_stream *s, uint16_t opcode, uint16_t param, uint32_t value)
{
	assert_true(s->n < sizeof(s->cmd) / sizeof(s->cmd[0]));
	s->cmd[s->n++] = (struct vedge_cmd){ opcode, param, value };
}

static inline void ve_set(struct ve_stream *s, uint16_t opcode, uint32_t value)
{
	ve_cmd(s, opcode, 0, value);
}

/* A feature map block (VEDGE_SET_IFM_REGION, _IFM2_ or _OFM_): dense, given zero point. */
static inline void ve_fm(struct ve_stream *s, uint16_t block, uint32_t region, uint32_t offset,
			 uint32_t h, uint32_t w, uint32_t c, int32_t zp)
{
	ve_set(s, block + 0, region);
	ve_set(s, block + 1, offset);
	ve_set(s, block + 2, h);
	ve_set(s, block + 3, w);
	ve_set(s, block + 4, c);
	ve_set(s, block + 7, (uint32_t)zp);
}

static inline void ve_scale(struct ve_stream *s, uint16_t block, int32_t mult, int32_t shift)
{
	ve_cmd(s, block + 8, (uint16_t)(int16_t)shift, (uint32_t)mult);
}

/** struct ve_job - SUBMIT's arguments, filled by the test. */
struct ve_job {
	struct drm_vedge_region region[VEDGE_MAX_REGIONS];
	uint32_t nr_regions;
	uint32_t in_sync[4];
	uint32_t nr_in;
	uint32_t out_sync;
	uint64_t seqno;
};

static inline void ve_region(struct ve_job *j, const struct ve_bo *bo, uint64_t offset,
			     uint64_t size, uint32_t flags)
{
	j->region[j->nr_regions++] = (struct drm_vedge_region){ bo->handle, flags, offset, size };
}

/* SUBMIT @s (put in a fresh object, closed again) with @j: 0 or -errno. */
static inline int ve_submit(struct vc_client *c, const struct ve_stream *s, struct ve_job *j)
{
	struct ve_bo cmd;
	struct drm_vedge_submit sub = { 0 };
	int ret;

	ve_bo_new(c, &cmd, s->n * sizeof(struct vedge_cmd) + 8);
	memcpy(cmd.map, s->cmd, s->n * sizeof(struct vedge_cmd));
	sub.cmd_handle = cmd.handle;
	sub.cmd_size = s->n * sizeof(struct vedge_cmd);
	sub.regions = (uintptr_t)j->region;
	sub.region_count = j->nr_regions;
	sub.in_syncs = (uintptr_t)j->in_sync;
	sub.in_sync_count = j->nr_in;
	sub.out_sync = j->out_sync;
	ret = vc_ioctl(c, DRM_IOCTL_VEDGE_SUBMIT, &sub);
	j->seqno = sub.seqno;
	ve_bo_free(c, &cmd);
	return ret;
}

/* Submit and wait: the job's fence status (1 success, or its error). */
static inline int ve_run(struct vc_client *c, const struct ve_stream *s, struct ve_job *j)
{
	if (!j->out_sync)
		j->out_sync = vc_syncobj(c, 0);
	assert_int_equal(ve_submit(c, s, j), 0);
	vc_wait(c, j->out_sync, 0);
	return vc_fence_status(c, j->out_sync);
}

/* debugfs/sysfs text helpers of a vedge device. */
static inline uint64_t ve_debugfs_u64(const char *pdev, const char *name)
{
	char *t = vc_debugfs_text(vc_minor(pdev), name);
	uint64_t v;

	assert_non_null(t);
	v = strtoull(t, NULL, 0);
	free(t);
	return v;
}

static inline char *ve_sysfs_text(const char *pdev, const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "devices/platform/%s/%s", pdev, name);
	return core_attr_text(path);
}

/* Wait (bounded, on the event) until debugfs jobs_alive of @pdev is 0. */
static inline void ve_wait_jobs_freed(const char *pdev)
{
	uint64_t deadline = vc_now_ns() + VC_WAIT_S * 1000000000ull;

	while (ve_debugfs_u64(pdev, "jobs_alive")) {
		assert_true(vc_now_ns() < deadline);
		usleep(1000);
	}
}

#endif

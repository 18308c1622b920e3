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

#define PG 4096ull
#define STARTED 0x57a7ull
#define DONE 0xd0e5ull

/*
 * A client with a job on a DMA engine that says it started (a fence write the CPU sees),
 * then waits for its gate to open, then writes DONE.
 */
struct gated_job {
	struct vc_client c;
	struct vc_bo gate, mark;
	uint32_t out;
};

static inline void gated_job_submit(struct gated_job *g, const char *pdev)
{
	struct vnpu_stream s = { .len = 0 };
	uint32_t ctx;

	vc_open(&g->c, pdev);
	vc_bo_new(&g->c, &g->gate, PG, 0);
	vc_bo_new(&g->c, &g->mark, PG, 0);
	vc_store64(g->gate.p, 0);
	vc_store64(g->mark.p, 0);
	ctx = (uint32_t)vc_ctx_create(&g->c, VNPU_ENGINE_DMA, 0);
	vc_fence_write(&s, g->mark.va, STARTED);
	vc_sem_wait(&s, g->gate.va, 1, 0);
	vc_fence_write(&s, g->mark.va, DONE);
	g->out = vc_syncobj(&g->c, 0);
	assert_int_equal(vc_submit_simple(&g->c, ctx, &s, g->out, -1), 0);
}

/* Wait (bounded, polling) until the job has started on its engine. */
static inline void gated_job_wait_started(struct gated_job *g)
{
	uint64_t deadline = vc_now_ns() + VC_WAIT_S * 1000000000ull;

	while (vc_load64(g->mark.p) != STARTED) {
		if (vc_now_ns() > deadline) {
			print_error("the job never started\n");
			fail();
		}
		usleep(1000);
	}
}

static inline void gated_job_close(struct gated_job *g)
{
	vc_bo_free(&g->c, &g->gate);
	vc_bo_free(&g->c, &g->mark);
	vc_close(&g->c);
}

#endif

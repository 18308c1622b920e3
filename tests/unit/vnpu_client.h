/* SPDX-License-Identifier: MIT */
/*
 * Helpers of the vnpu submission tests, written against libaccel descriptors as a runtime
 * would be (accel_sys_open/ioctl/mmap/close on the node of an embedded core):
 *
 * - the embedded core with a configuration under a fresh root: test_embedded_start() and
 *   test_embedded_stop() (helpers.h) as group set-up and teardown;
 * - struct vc_client: an open file of a device, with its fdinfo client id and minor;
 * - struct vc_bo: a buffer object, CPU-mapped (when mappable) and bound in the client's
 *   address space at a VA the client's bump allocator hands out;
 * - command streams (struct vnpu_stream, ../common/vnpu_stream.h) and emitters for the
 *   common packets that fail the test when the stream is full;
 * - contexts, syncobjs, SUBMIT (each job's stream in a buffer object of its own), waits
 *   with generous bounds, the status of a fence (through an exported sync_file), the
 *   profile record slots of a client;
 * - attribute files (sysfs, debugfs, fdinfo) read in-process, whole;
 * - random inputs with a printed seed.
 *
 * Every helper asserts on what must not fail; those that return an int give 0 or -errno.
 */
#ifndef TEST_VNPU_CLIENT_H
#define TEST_VNPU_CLIENT_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"

#include <accel/attr.h>
#include <accel/dma_fence.h>
#include <accel/sync_file.h>
#include <drm/drm.h>
#include <libaccel.h>
#include <uapi/drm/vnpu_accel.h>

#include "../common/mono_clock.h"
#include "../common/vnpu_core_attrs.h"
#include "../common/vnpu_stream.h"
#include "../common/xorshift64s.h"

#define VC_POISON	0xAA
#define VC_WAIT_S	10	/* bound of every wait: generous, a stuck job fails the test */
#define VC_PROFILE_SLOTS	256
#define VC_PROFILE_STRIDE	64

static inline uint64_t vc_now_ns(void)
{
	return (uint64_t)mono_now_ns();
}

/* Attribute @name of platform device @pdev ("vnpu.0"), as an unsigned number. */
static inline uint64_t vc_sysfs_u64(const char *pdev, const char *name)
{
	char path[256], *t, *end;
	uint64_t v;

	snprintf(path, sizeof(path), "devices/platform/%s/%s", pdev, name);
	t = core_attr_text(path);
	if (!t) {
		print_error("no sysfs file %s\n", path);
		fail();
	}
	v = strtoull(t, &end, 0);
	assert_true(end != t);
	free(t);
	return v;
}

/* The minor of @pdev's accel node. */
static inline int vc_minor(const char *pdev)
{
	int minor = test_accel_minor(pdev);

	assert_true(minor >= 0);
	return minor;
}

/* debugfs file @name of device minor @minor, whole (malloc'd), or NULL. */
static inline char *vc_debugfs_text(int minor, const char *name)
{
	char path[128], *unique = test_accel_unique(minor);

	/* debugfs/accel/<unique>: accel minors have no "N" link, as in Linux 6.12 */
	snprintf(path, sizeof(path), "kernel/debug/accel/%s/%s", unique ? unique : "?", name);
	free(unique);
	return core_attr_text(path);
}

/* Store @text into debugfs file @name of @minor; bytes taken or -errno. */
static inline ssize_t vc_debugfs_write(int minor, const char *name, const char *text)
{
	char path[128], *unique = test_accel_unique(minor);
	struct attr_node *node;

	snprintf(path, sizeof(path), "kernel/debug/accel/%s/%s", unique ? unique : "?", name);
	free(unique);
	node = attr_lookup(path);
	assert_non_null(node);
	return attr_write(node, text, strlen(text));
}

/**
 * struct vc_client - one open file of a vnpu device.
 * @fd: the libaccel descriptor.  @minor: the node's minor.  @pdev: the platform device.
 * @client_id: the DRM client id (its fdinfo file's name).
 * @next_va: the bump allocator of vc_va().
 * @prof_handle, @prof, @prof_va: the profile slots (made on first use).
 */
struct vc_client {
	int fd;
	int minor;
	const char *pdev;
	uint64_t client_id;
	uint64_t next_va;
	uint32_t prof_handle;
	uint8_t *prof;
	uint64_t prof_va;
};

static inline struct attr_node *vc_fdinfo_dir(void)
{
	char path[64];

	snprintf(path, sizeof(path), "%d/fdinfo", (int)getpid());
	return attr_lookup_in(attr_proc_root(), path);
}

static inline int vc_fdinfo_has(uint64_t id, uint64_t *ids, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ids[i] == id)
			return 1;
	return 0;
}

/* Open @pdev's node; the client id is the fdinfo file that appeared with it. */
static inline void vc_open(struct vc_client *c, const char *pdev)
{
	uint64_t before[256];
	size_t n = 0;
	struct attr_node *dir, *f;
	char path[64];

	memset(c, 0, sizeof(*c));
	c->pdev = pdev;
	c->minor = vc_minor(pdev);
	c->next_va = VNPU_VA_START;
	dir = vc_fdinfo_dir();
	for (f = dir ? dir->children : NULL; f && n < 256; f = f->next)
		before[n++] = strtoull(f->name, NULL, 10);
	snprintf(path, sizeof(path), "/dev/accel/accel%d", c->minor);
	c->fd = accel_sys_open(path, O_RDWR);
	assert_true(c->fd >= 0);
	dir = vc_fdinfo_dir();
	assert_non_null(dir);
	for (f = dir->children; f; f = f->next) {
		uint64_t id = strtoull(f->name, NULL, 10);

		if (!vc_fdinfo_has(id, before, n)) {
			c->client_id = id;
			break;
		}
	}
	assert_true(c->client_id != 0);
}

/* Close the client (blocks while its contexts flush, up to a second each). */
static inline void vc_close(struct vc_client *c)
{
	if (c->prof)
		accel_sys_munmap(c->prof, VC_PROFILE_SLOTS * VC_PROFILE_STRIDE);
	c->prof = NULL;
	assert_int_equal(accel_sys_close(c->fd), 0);
	c->fd = -1;
}

/* The client's fdinfo text (malloc'd). */
static inline char *vc_fdinfo_text(struct vc_client *c)
{
	char path[64];
	struct attr_node *node;
	char *text = NULL;

	snprintf(path, sizeof(path), "%d/fdinfo/%llu", (int)getpid(),
		 (unsigned long long)c->client_id);
	node = attr_lookup_in(attr_proc_root(), path);
	assert_non_null(node);
	assert_int_equal(attr_read(node, &text, NULL), 0);
	return text;
}

/* An ioctl: 0 or -errno. */
static inline int vc_ioctl(struct vc_client *c, unsigned long req, void *arg)
{
	return accel_sys_ioctl(c->fd, req, arg) ? -errno : 0;
}

/* A fresh, page-aligned VA range of @size bytes (a guard page left after it). */
static inline uint64_t vc_va(struct vc_client *c, uint64_t size)
{
	uint64_t va = c->next_va;

	size = (size + VNPU_VA_PAGE_SIZE - 1) & ~(VNPU_VA_PAGE_SIZE - 1);
	c->next_va += size + VNPU_VA_PAGE_SIZE;
	return va;
}

/**
 * struct vc_bo - a buffer object of a client.
 * @handle, @size (rounded, from BO_INFO), @flags.
 * @p: its CPU mapping (NULL for a VRAM object without VNPU_BO_MAPPABLE).
 * @va: where it is bound in the client's address space (0: not bound).
 */
struct vc_bo {
	uint32_t handle;
	uint32_t flags;
	uint64_t size;
	uint8_t *p;
	uint64_t va;
};

static inline int vc_bind(struct vc_client *c, uint32_t op, uint32_t flags, uint32_t handle,
			  uint64_t va, uint64_t size, uint64_t offset)
{
	struct drm_vnpu_vm_bind b = { .op = op, .flags = flags, .handle = handle, .va = va,
				      .size = size, .bo_offset = offset };

	return vc_ioctl(c, DRM_IOCTL_VNPU_VM_BIND, &b);
}

/*
 * Make an object of @size bytes with @flags, map it for the CPU when it can be, and bind it
 * whole at @va (0: at a fresh VA of the client; ~0: not at all). The CPU view is filled
 * with VC_POISON.
 */
static inline void vc_bo_new_at(struct vc_client *c, struct vc_bo *bo, uint64_t size,
				uint32_t flags, uint64_t va)
{
	struct drm_vnpu_bo_create cr = { .size = size, .flags = flags };
	struct drm_vnpu_bo_info info = { 0 };

	memset(bo, 0, sizeof(*bo));
	assert_int_equal(vc_ioctl(c, DRM_IOCTL_VNPU_BO_CREATE, &cr), 0);
	bo->handle = cr.handle;
	bo->flags = flags;
	info.handle = cr.handle;
	assert_int_equal(vc_ioctl(c, DRM_IOCTL_VNPU_BO_INFO, &info), 0);
	bo->size = info.size;
	if (!(flags & VNPU_BO_VRAM) || (flags & VNPU_BO_MAPPABLE)) {
		void *p = accel_sys_mmap(NULL, bo->size, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd,
					 (off_t)info.mmap_offset);

		assert_true(p != MAP_FAILED);
		bo->p = p;
		memset(bo->p, VC_POISON, bo->size);
	}
	if (va == ~0ull)
		return;
	if (!va)
		va = vc_va(c, bo->size);
	assert_int_equal(vc_bind(c, VNPU_VM_BIND_MAP, 0, bo->handle, va, bo->size, 0), 0);
	bo->va = va;
}

static inline void vc_bo_new(struct vc_client *c, struct vc_bo *bo, uint64_t size, uint32_t flags)
{
	vc_bo_new_at(c, bo, size, flags, 0);
}

/* Unbind, unmap and close the handle. */
static inline void vc_bo_free(struct vc_client *c, struct vc_bo *bo)
{
	struct drm_gem_close cl = { .handle = bo->handle };

	if (bo->va)
		assert_int_equal(vc_bind(c, VNPU_VM_BIND_UNMAP, 0, 0, bo->va, bo->size, 0), 0);
	if (bo->p)
		assert_int_equal(accel_sys_munmap(bo->p, bo->size), 0);
	assert_int_equal(vc_ioctl(c, DRM_IOCTL_GEM_CLOSE, &cl), 0);
	memset(bo, 0, sizeof(*bo));
}

/* Append @pkt of @size bytes, its header set to @opcode, @flags and the size. */
static inline void vc_emit(struct vnpu_stream *s, uint16_t opcode, uint32_t flags, void *pkt,
			   size_t size)
{
	assert_int_equal(vnpu_stream_emit(s, opcode, flags, pkt, size), 0);
}

#define VC_EMIT(s, opcode, flags, pkt) vc_emit(s, opcode, flags, &(pkt), sizeof(pkt))

/* Append raw bytes (for malformed streams). */
static inline void vc_emit_raw(struct vnpu_stream *s, const void *bytes, size_t size)
{
	assert_int_equal(vnpu_stream_emit_raw(s, bytes, size), 0);
}

static inline void vc_fence_write(struct vnpu_stream *s, uint64_t va, uint64_t value)
{
	assert_int_equal(vnpu_stream_fence_write(s, va, value), 0);
}

static inline void vc_sem_wait(struct vnpu_stream *s, uint64_t va, uint64_t value,
			       uint64_t timeout_ns)
{
	assert_int_equal(vnpu_stream_sem_wait(s, va, value, timeout_ns), 0);
}

static inline void vc_dma_copy(struct vnpu_stream *s, uint64_t src, uint64_t dst, uint64_t size)
{
	assert_int_equal(vnpu_stream_dma_copy(s, src, dst, size), 0);
}

static inline void vc_dma_fill(struct vnpu_stream *s, uint64_t dst, uint64_t size, uint64_t value,
			       uint32_t width)
{
	assert_int_equal(vnpu_stream_dma_fill(s, dst, size, value, width), 0);
}

/* A context on @engine at @priority: its id, or -errno. */
static inline int vc_ctx_create(struct vc_client *c, uint32_t engine, uint32_t priority)
{
	struct drm_vnpu_context_create cc = { .engine = engine, .priority = priority };
	int ret = vc_ioctl(c, DRM_IOCTL_VNPU_CONTEXT_CREATE, &cc);

	return ret ? ret : (int)cc.ctx_id;
}

static inline int vc_ctx_destroy(struct vc_client *c, uint32_t ctx_id)
{
	struct drm_vnpu_context_destroy d = { .ctx_id = ctx_id };

	return vc_ioctl(c, DRM_IOCTL_VNPU_CONTEXT_DESTROY, &d);
}

/* A new syncobj (@flags: DRM_SYNCOBJ_CREATE_*). */
static inline uint32_t vc_syncobj(struct vc_client *c, uint32_t flags)
{
	struct drm_syncobj_create cr = { .flags = flags };

	assert_int_equal(vc_ioctl(c, DRM_IOCTL_SYNCOBJ_CREATE, &cr), 0);
	assert_true(cr.handle != 0);
	return cr.handle;
}

/* A buffer object holding @s (handle only: the device reads it by handle, not by VA). */
static inline uint32_t vc_cmd_bo(struct vc_client *c, const struct vnpu_stream *s)
{
	struct vc_bo bo;

	vc_bo_new_at(c, &bo, s->len ? s->len : 8, 0, ~0ull);
	memcpy(bo.p, s->buf, s->len);
	assert_int_equal(accel_sys_munmap(bo.p, bo.size), 0);
	return bo.handle;
}

/* The VA and the CPU view of profile slot @slot, poisoned (made on first use). */
static inline uint64_t vc_profile_va(struct vc_client *c, unsigned int slot)
{
	assert_true(slot < VC_PROFILE_SLOTS);
	if (!c->prof) {
		struct vc_bo bo;

		vc_bo_new(c, &bo, VC_PROFILE_SLOTS * VC_PROFILE_STRIDE, 0);
		c->prof_handle = bo.handle;
		c->prof = bo.p;
		c->prof_va = bo.va;
	}
	memset(c->prof + slot * VC_PROFILE_STRIDE, VC_POISON, VC_PROFILE_STRIDE);
	return c->prof_va + slot * VC_PROFILE_STRIDE;
}

static inline struct vnpu_job_profile vc_profile(struct vc_client *c, unsigned int slot)
{
	struct vnpu_job_profile p;

	assert_non_null(c->prof);
	memcpy(&p, c->prof + slot * VC_PROFILE_STRIDE, sizeof(p));
	return p;
}

/* The profile slot still holds the poison: the device wrote nothing there. */
static inline int vc_profile_untouched(struct vc_client *c, unsigned int slot)
{
	size_t i;

	for (i = 0; i < sizeof(struct vnpu_job_profile); i++)
		if (c->prof[slot * VC_PROFILE_STRIDE + i] != VC_POISON)
			return 0;
	return 1;
}

/** struct vc_submit - what vc_submit() passes; zero fields are left 0 in the ioctl. */
struct vc_submit {
	uint32_t ctx;
	const struct vnpu_stream *stream;	/* put in a new object; or give cmd_handle */
	uint32_t cmd_handle;
	uint64_t cmd_offset;
	uint64_t cmd_size;		/* 0: the stream's length */
	const struct drm_vnpu_sync *in;
	uint32_t num_in;
	uint32_t out;			/* out syncobj, 0 for none */
	uint64_t out_point;
	uint64_t profile_va;
	uint64_t job_id;		/* out */
};

/* SUBMIT: 0 or -errno. */
static inline int vc_submit(struct vc_client *c, struct vc_submit *sub)
{
	struct drm_vnpu_submit a = { 0 };
	int ret;

	a.ctx_id = sub->ctx;
	a.cmd_handle = sub->stream ? vc_cmd_bo(c, sub->stream) : sub->cmd_handle;
	a.cmd_offset = sub->cmd_offset;
	a.cmd_size = sub->cmd_size ? sub->cmd_size : (sub->stream ? sub->stream->len : 0);
	a.num_in_syncs = sub->num_in;
	a.in_syncs = (uintptr_t)sub->in;
	a.out_sync.handle = sub->out;
	a.out_sync.point = sub->out_point;
	a.profile_va = sub->profile_va;
	ret = vc_ioctl(c, DRM_IOCTL_VNPU_SUBMIT, &a);
	sub->job_id = a.job_id;
	return ret;
}

/* Submit @s on @ctx with @out (binary syncobj, or 0) and profile slot @slot (-1: none). */
static inline int vc_submit_simple(struct vc_client *c, uint32_t ctx, const struct vnpu_stream *s,
				   uint32_t out, int slot)
{
	struct vc_submit sub = { .ctx = ctx, .stream = s, .out = out,
				 .profile_va = slot >= 0 ? vc_profile_va(c, (unsigned int)slot) : 0 };

	return vc_submit(c, &sub);
}

/* Wait for @handle's fence (point 0) or timeline point @point: 0 or -errno (-ETIME). */
static inline int vc_wait_timeout(struct vc_client *c, uint32_t handle, uint64_t point,
				  uint64_t timeout_ns)
{
	int64_t deadline = (int64_t)(vc_now_ns() + timeout_ns);

	if (!point) {
		struct drm_syncobj_wait w = { .handles = (uintptr_t)&handle,
					      .timeout_nsec = deadline, .count_handles = 1,
					      .flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL };

		return vc_ioctl(c, DRM_IOCTL_SYNCOBJ_WAIT, &w);
	}
	struct drm_syncobj_timeline_wait tw = { .handles = (uintptr_t)&handle,
						.points = (uintptr_t)&point,
						.timeout_nsec = deadline, .count_handles = 1,
						.flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL };

	return vc_ioctl(c, DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT, &tw);
}

/* Wait, asserting that it ends within VC_WAIT_S. */
static inline void vc_wait(struct vc_client *c, uint32_t handle, uint64_t point)
{
	int ret = vc_wait_timeout(c, handle, point, VC_WAIT_S * 1000000000ull);

	if (ret) {
		print_error("wait on syncobj %u point %llu: %d\n", handle,
			    (unsigned long long)point, ret);
		fail();
	}
}

/* Export @handle's current fence as a sync_file descriptor. */
static inline int vc_export_sync_file(struct vc_client *c, uint32_t handle)
{
	struct drm_syncobj_handle h = { .handle = handle,
					.flags = DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE,
					.fd = -1 };

	assert_int_equal(vc_ioctl(c, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &h), 0);
	assert_true(h.fd >= 0);
	return h.fd;
}

/*
 * The status of a sync_file's fence, as SYNC_IOC_FILE_INFO reports it (which accel's
 * sync_files do not offer, so read in-process): 0 pending, 1 signalled, or its error.
 */
static inline int vc_sync_file_status(int fd)
{
	struct dma_fence *f = sync_file_fence_of_fd(fd);
	int status;

	assert_non_null(f);
	status = dma_fence_get_status(f);
	dma_fence_put(f);
	return status;
}

/* Wait until a sync_file signals (poll), asserting that it does within VC_WAIT_S. */
static inline void vc_sync_file_wait(int fd)
{
	uint64_t deadline = vc_now_ns() + VC_WAIT_S * 1000000000ull;

	while (vc_sync_file_status(fd) == 0) {
		if (vc_now_ns() > deadline) {
			print_error("sync_file %d never signalled\n", fd);
			fail();
		}
		usleep(1000);
	}
}

/* The status of @handle's current fence (through a sync_file, closed again). */
static inline int vc_fence_status(struct vc_client *c, uint32_t handle)
{
	int fd = vc_export_sync_file(c, handle);
	int status = vc_sync_file_status(fd);

	close(fd);
	return status;
}

/* A 64-bit value the device stores or polls, read/written by the CPU with ordering. */
static inline uint64_t vc_load64(const void *p)
{
	return __atomic_load_n((const uint64_t *)p, __ATOMIC_ACQUIRE);
}

static inline void vc_store64(void *p, uint64_t v)
{
	__atomic_store_n((uint64_t *)p, v, __ATOMIC_RELEASE);
}

/*
 * The seed of random inputs (xorshift64s(), ../common/xorshift64s.h): $VC_SEED or the clock,
 * printed.
 */
static inline uint64_t vc_seed(void)
{
	uint64_t s = getenv("VC_SEED") ? strtoull(getenv("VC_SEED"), NULL, 0) :
				         (uint64_t)time(NULL) * 2654435761u ^ (uint64_t)clock() ^
					 vc_now_ns();

	if (!s)
		s = 1;
	print_message("vnpu test seed 0x%llx (VC_SEED to replay)\n", (unsigned long long)s);
	return s;
}

#endif

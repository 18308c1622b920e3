/* SPDX-License-Identifier: MIT */
/*
 * A vnpu client as the reliability campaigns and the recovery tests drive one: an open file
 * of a vnpu node and one CPU-mapped system buffer object bound whole at VNPU_VA_START (the
 * arena), with a bump allocator over it for tensors, semaphore words, command streams and
 * profile records. Over the public client API only (libaccel.h and the uapi headers), so
 * that it works in any process, a client of acceld or of the embedded core.
 *
 * Nothing here asserts: every call returns 0 or -errno (the campaigns count failures, the
 * unit tests assert on the result).
 */
#ifndef TESTS_COMMON_VNPU_ARENA_CLIENT_H
#define TESTS_COMMON_VNPU_ARENA_CLIENT_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include <drm/drm.h>
#include <libaccel.h>
#include <uapi/drm/drm_ext.h>
#include <uapi/drm/vnpu_accel.h>

#include "mono_clock.h"
#include "vnpu_stream.h"

/**
 * struct vnpu_arena_client - an open file and its arena.
 * @fd: the libaccel descriptor.  @bo: the arena's handle.  @map: its CPU mapping.
 * @size: its size (rounded by the driver).  @next: the bump allocator's next free offset.
 */
struct vnpu_arena_client {
	int fd;
	uint32_t bo;
	uint8_t *map;
	uint64_t size;
	uint64_t next;
};

/* An ioctl, retried on EINTR/EAGAIN: 0 or -errno. */
static inline int vnpu_ioctl_retry(int fd, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = accel_sys_ioctl(fd, req, arg);
	} while (ret == -1 && (errno == EINTR || errno == EAGAIN));
	return ret == -1 ? -errno : 0;
}

/* Open @node and map a @size-byte arena at VNPU_VA_START: 0 or -errno (then nothing held). */
static inline int vnpu_arena_open(struct vnpu_arena_client *c, const char *node, uint64_t size)
{
	struct drm_vnpu_bo_create bc = { .size = size };
	struct drm_vnpu_bo_info info = { 0 };
	struct drm_vnpu_vm_bind bind = { .op = VNPU_VM_BIND_MAP, .va = VNPU_VA_START };
	int err;

	memset(c, 0, sizeof(*c));
	c->fd = accel_sys_open(node, O_RDWR | O_CLOEXEC);
	if (c->fd < 0)
		return -errno;
	err = vnpu_ioctl_retry(c->fd, DRM_IOCTL_VNPU_BO_CREATE, &bc);
	if (err)
		goto fail;
	c->bo = bc.handle;
	info.handle = bc.handle;
	err = vnpu_ioctl_retry(c->fd, DRM_IOCTL_VNPU_BO_INFO, &info);
	if (err)
		goto fail;
	c->size = info.size;
	c->map = accel_sys_mmap(NULL, c->size, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd,
				(off_t)info.mmap_offset);
	if (c->map == MAP_FAILED) {
		err = -errno;
		c->map = NULL;
		goto fail;
	}
	bind.handle = c->bo;
	bind.size = c->size;
	err = vnpu_ioctl_retry(c->fd, DRM_IOCTL_VNPU_VM_BIND, &bind);
	if (err)
		goto fail_map;
	return 0;

fail_map:
	accel_sys_munmap(c->map, c->size);
	c->map = NULL;
fail:
	accel_sys_close(c->fd);
	c->fd = -1;
	return err;
}

/* Unmap the arena and close the file: accel_sys_close()'s result (0, or -1 and errno). */
static inline int vnpu_arena_close(struct vnpu_arena_client *c)
{
	int ret = 0;

	if (c->map)
		accel_sys_munmap(c->map, c->size);
	if (c->fd >= 0)
		ret = accel_sys_close(c->fd);
	c->map = NULL;
	c->fd = -1;
	return ret;
}

/* A fresh, 64-byte aligned range of @bytes of the arena: its offset, or -1 if full. */
static inline int64_t vnpu_arena_alloc(struct vnpu_arena_client *c, uint64_t bytes)
{
	uint64_t off = c->next;

	if (off + bytes > c->size)
		return -1;
	c->next = (off + bytes + 63) & ~63ull;
	return (int64_t)off;
}

/* The device address of arena offset @off. */
static inline uint64_t vnpu_arena_va(uint64_t off)
{
	return VNPU_VA_START + off;
}

/* A context on @engine at @prio: its id in *@ctx; 0 or -errno. */
static inline int vnpu_arena_ctx_create(struct vnpu_arena_client *c, uint32_t engine,
					uint32_t prio, uint32_t *ctx)
{
	struct drm_vnpu_context_create cc = { .engine = engine, .priority = prio };
	int err = vnpu_ioctl_retry(c->fd, DRM_IOCTL_VNPU_CONTEXT_CREATE, &cc);

	*ctx = cc.ctx_id;
	return err;
}

/* A new syncobj of file @fd in *@h: 0 or -errno. */
static inline int vnpu_syncobj_create(int fd, uint32_t *h)
{
	struct drm_syncobj_create sc = { 0 };
	int err = vnpu_ioctl_retry(fd, DRM_IOCTL_SYNCOBJ_CREATE, &sc);

	*h = sc.handle;
	return err;
}

/*
 * Wait for point @point (0: the binary syncobj's fence) of @h of file @fd, for a fence to be
 * submitted too, up to @timeout_ns: 0 or -errno (-ETIME).
 */
static inline int vnpu_wait_point(int fd, uint32_t h, uint64_t point, int64_t timeout_ns)
{
	struct drm_syncobj_timeline_wait_6_12 w = {
		.handles = (uintptr_t)&h,
		.points = (uintptr_t)&point,
		.timeout_nsec = mono_now_ns() + timeout_ns,
		.count_handles = 1,
		.flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL | DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT,
	};

	return vnpu_ioctl_retry(fd, DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT_6_12, &w);
}

/*
 * vnpu_arena_submit_in() - copy @s to arena offset @cmd_off and SUBMIT it on @ctx.
 * @in, @nin: the in-syncs.  @out, @point: the out-syncobj (0: none) and its timeline point
 * (0: binary).  @prof_off: where the job's profile record goes (zeroed first), -1 for none.
 * @job_id: when not NULL, the id SUBMIT gave (left as the ioctl left it on failure).
 *
 * Return: 0 or -errno.
 */
static inline int vnpu_arena_submit_in(struct vnpu_arena_client *c, uint32_t ctx,
				       const struct vnpu_stream *s, uint64_t cmd_off,
				       const struct drm_vnpu_sync *in, uint32_t nin, uint32_t out,
				       uint64_t point, int64_t prof_off, uint64_t *job_id)
{
	struct drm_vnpu_submit a = {
		.ctx_id = ctx,
		.cmd_handle = c->bo,
		.cmd_offset = cmd_off,
		.cmd_size = s->len,
		.num_in_syncs = nin,
		.in_syncs = (uintptr_t)in,
		.out_sync = { .handle = out, .point = point },
		.profile_va = prof_off >= 0 ? vnpu_arena_va((uint64_t)prof_off) : 0,
	};
	int err;

	memcpy(c->map + cmd_off, s->buf, s->len);
	if (prof_off >= 0)
		memset(c->map + prof_off, 0, sizeof(struct vnpu_job_profile));
	err = vnpu_ioctl_retry(c->fd, DRM_IOCTL_VNPU_SUBMIT, &a);
	if (job_id)
		*job_id = a.job_id;
	return err;
}

/* vnpu_arena_submit_in() without in-syncs. */
static inline int vnpu_arena_submit(struct vnpu_arena_client *c, uint32_t ctx,
				    const struct vnpu_stream *s, uint64_t cmd_off, uint32_t out,
				    uint64_t point, int64_t prof_off, uint64_t *job_id)
{
	return vnpu_arena_submit_in(c, ctx, s, cmd_off, NULL, 0, out, point, prof_off, job_id);
}

#endif

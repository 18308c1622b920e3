/* SPDX-License-Identifier: MIT */
/**
 * DOC: accel/drm_syncobj.h - sync objects: containers of a fence, binary or timeline.
 *
 * As drivers/gpu/drm/drm_syncobj.c: a syncobj holds one fence (binary use) or a chain of
 * timeline points (struct dma_fence_chain); clients name them by per-file handles, the
 * lowest free from 1, and pass them between files and processes as opaque descriptors or
 * turn their fence into a sync_file. Drivers look up a client's syncobj with
 * drm_syncobj_find(), read its fence with drm_syncobj_find_fence() and publish job fences
 * with drm_syncobj_replace_fence() or drm_syncobj_add_point().
 *
 * The opaque descriptor is the read end of a pipe (never written): the core keeps the write
 * end and the syncobj reference, and lets go when the write end reports that every copy of
 * the read end is closed, so that the descriptor keeps its syncobj alive as a kernel
 * syncobj file does.
 */
#ifndef ACCEL_DRM_SYNCOBJ_H
#define ACCEL_DRM_SYNCOBJ_H

#include <pthread.h>
#include <stdint.h>
#include <accel/dma_fence.h>
#include <accel/kref.h>
#include <accel/list.h>

struct drm_file;

/**
 * struct drm_syncobj - a sync object.
 *
 * @lock guards @fence (a reference: NULL, a fence, or the head of a timeline chain) and the
 * two waiter lists: @cb_list (waits for a fence to arrive, WAIT_FOR_SUBMIT / WAIT_AVAILABLE)
 * and @ev_fd_list (eventfds waiting for their point to be submitted). @refcount is atomic.
 */
struct drm_syncobj {
	struct kref refcount;
	pthread_mutex_t lock;
	struct dma_fence *fence;
	struct list_head cb_list;
	struct list_head ev_fd_list;
};

/** DRM_SYNCOBJ_WAIT_FOR_SUBMIT_TIMEOUT_NS - how long find_fence waits for a submission. */
#define DRM_SYNCOBJ_WAIT_FOR_SUBMIT_TIMEOUT_NS 5000000000LL

/** drm_syncobj_free() - kref release; use drm_syncobj_put(). */
void drm_syncobj_free(struct kref *kref);
/** drm_syncobj_get() - take a reference. */
static inline void drm_syncobj_get(struct drm_syncobj *obj)
{
	kref_get(&obj->refcount);
}
/** drm_syncobj_put() - drop a reference; the last frees the syncobj (its fence is put). */
static inline void drm_syncobj_put(struct drm_syncobj *obj)
{
	kref_put(&obj->refcount, drm_syncobj_free);
}

/** drm_syncobj_fence_get() - the syncobj's current fence with a reference, or NULL. */
struct dma_fence *drm_syncobj_fence_get(struct drm_syncobj *syncobj);

/** drm_syncobj_find() - @file's syncobj @handle with a reference, or NULL. */
struct drm_syncobj *drm_syncobj_find(struct drm_file *file, uint32_t handle);
/**
 * drm_syncobj_find_fence() - the fence of @file's syncobj @handle at timeline @point (0:
 * the current fence), with a reference, in *@fence. @flags may hold
 * DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT: wait (up to 5 s) for the point to be submitted.
 * Returns 0, -ENOENT (no such handle), -EINVAL (no fence yet, bad flags) or -ETIME.
 */
int drm_syncobj_find_fence(struct drm_file *file, uint32_t handle, uint64_t point,
			   uint64_t flags, struct dma_fence **fence);
/** drm_syncobj_replace_fence() - make @fence (may be NULL) the syncobj's fence. */
void drm_syncobj_replace_fence(struct drm_syncobj *syncobj, struct dma_fence *fence);
/**
 * drm_syncobj_add_point() - add timeline point @point carried by @fence, using @chain
 * (from dma_fence_chain_alloc(), consumed). A point not above the last one is accepted, as
 * in the kernel, and starts a new context (QUERY may then report 0).
 */
void drm_syncobj_add_point(struct drm_syncobj *syncobj, struct dma_fence_chain *chain,
			   struct dma_fence *fence, uint64_t point);

/**
 * drm_syncobj_create() - a new syncobj (one reference) holding @fence (may be NULL);
 * @flags DRM_SYNCOBJ_CREATE_SIGNALED gives it a signalled fence.
 */
int drm_syncobj_create(struct drm_syncobj **out_syncobj, uint32_t flags, struct dma_fence *fence);
/** drm_syncobj_get_handle() - a new handle of @file for @syncobj (which gains a reference). */
int drm_syncobj_get_handle(struct drm_file *file, struct drm_syncobj *syncobj, uint32_t *handle);
/** drm_syncobj_get_fd() - an opaque descriptor of @syncobj for the caller, in *@p_fd. */
int drm_syncobj_get_fd(struct drm_syncobj *syncobj, int *p_fd);

/** drm_syncobj_open() - set up @file's handle table (the core calls it at open). */
void drm_syncobj_open(struct drm_file *file);
/** drm_syncobj_release() - drop every handle of @file (the core calls it at close). */
void drm_syncobj_release(struct drm_file *file);

/** drm_syncobj_fd_count() - opaque descriptors still referenced (after a sweep), for tests. */
unsigned int drm_syncobj_fd_count(void);

#endif

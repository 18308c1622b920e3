/* SPDX-License-Identifier: MIT */
/**
 * DOC: accel/drm_prime.h - PRIME: sharing GEM objects as buffer descriptors.
 *
 * A struct dma_buf stands for the kernel's dma-buf: a shared-memory file (a memfd) that the
 * caller gets as a real descriptor. There is one per buffer: exporting an object twice gives
 * the same file (same inode), and every device recognises a buffer it is handed by the
 * file's inode (a process-wide registry), so importing a buffer this device exported gives
 * back the very object, and another device imports it without copying. A memfd the core did
 * not make (a "foreign" buffer) can be imported too: it is wrapped as a new object.
 *
 * Lifetime: a dma_buf is alive while the core refers to it: the exporting object's export
 * cache (while the object has handles), each file that has it in its PRIME cache (one per
 * handle made by export or import), and each object imported from it. It holds a reference
 * on the object it was exported from. The caller's descriptors are not counted (they cannot
 * be seen from here): they keep the memory, which is the file's, but not the GEM object; see
 * docs/kernel-differences.md.
 */
#ifndef ACCEL_DRM_PRIME_H
#define ACCEL_DRM_PRIME_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <accel/kref.h>

struct drm_device;
struct drm_file;
struct drm_gem_object;

/** DRM_PRIME_FLAGS - the export flags userspace may pass (DRM_CLOEXEC | DRM_RDWR). */
#define DRM_PRIME_FLAGS (DRM_CLOEXEC | DRM_RDWR)

/**
 * struct dma_buf - one shared buffer.
 *
 * @ref is atomic; @fd, @key, @size and @obj are constant while the buffer lives; @next is
 * guarded by the registry lock of core/drm_prime.c.
 */
struct dma_buf {
	struct kref ref;
	/** @fd: the core's descriptor of the buffer file; exports hand out duplicates. */
	int fd;
	/** @key: fd_inode_key() of @fd. */
	uint64_t key;
	size_t size;
	/** @obj: the object it was exported from (one reference); NULL for a foreign buffer. */
	struct drm_gem_object *obj;
	struct dma_buf *next;
};

/** get_dma_buf() - take a reference on @buf. */
static inline void get_dma_buf(struct dma_buf *buf)
{
	kref_get(&buf->ref);
}
/** dma_buf_put() - drop a reference; the last closes the file and puts the object. */
void dma_buf_put(struct dma_buf *buf);
/**
 * dma_buf_get() - the buffer behind the core descriptor @fd (consumed), registering it if
 * it is new. -EINVAL when @fd is not a shared-memory file with a non-zero, page-multiple size.
 */
struct dma_buf *dma_buf_get(int fd);

/** dma_buf_open_rdwr() - a read-write descriptor of @buf's memory, for an importing object. */
int dma_buf_open_rdwr(struct dma_buf *buf);

/** struct drm_prime_member - one buffer a file exported or imported, and its handle. */
struct drm_prime_member {
	struct dma_buf *dma_buf;
	uint32_t handle;
	struct drm_prime_member *next;
};

/** struct drm_prime_file_private - a file's PRIME cache; @lock guards @members. */
struct drm_prime_file_private {
	pthread_mutex_t lock;
	struct drm_prime_member *members;
};

/** drm_gem_prime_export() - make the buffer of a memfd-backed object (a reference on @obj). */
struct dma_buf *drm_gem_prime_export(struct drm_gem_object *obj, int flags);
/**
 * drm_gem_prime_import() - the default import: a buffer exported by @dev gives back its
 * object; any other goes to the driver's gem_prime_import_buf (-EINVAL without one).
 */
struct drm_gem_object *drm_gem_prime_import(struct drm_device *dev, struct dma_buf *buf);
/** drm_gem_prime_handle_to_fd() - export @handle as a descriptor of the caller. */
int drm_gem_prime_handle_to_fd(struct drm_device *dev, struct drm_file *file, uint32_t handle,
			       uint32_t flags, int *prime_fd);
/** drm_gem_prime_fd_to_handle() - import the caller's descriptor @prime_fd as a handle. */
int drm_gem_prime_fd_to_handle(struct drm_device *dev, struct drm_file *file, int prime_fd,
			       uint32_t *handle);

/* Core-internal. */
/** drm_prime_init_file_private() - an empty cache. */
void drm_prime_init_file_private(struct drm_prime_file_private *prime);
/** drm_prime_destroy_file_private() - free the cache (empty by then: handles are gone). */
void drm_prime_destroy_file_private(struct drm_prime_file_private *prime);
/** drm_prime_remove_buf_handle() - forget @handle's buffer in the cache. */
void drm_prime_remove_buf_handle(struct drm_prime_file_private *prime, uint32_t handle);

#endif

// SPDX-License-Identifier: MIT
/*
 * PRIME: GEM objects shared as buffer descriptors, with the semantics of Linux 6.12's
 * drm_prime.c. A buffer is a shared-memory file (see include/accel/drm_prime.h); every live
 * buffer is in one process-wide registry keyed by the file's inode, which is how a device
 * recognises a buffer it is handed back, whoever passed it along.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <accel/drm_drv.h>
#include <accel/drm_file.h>
#include <accel/drm_gem.h>
#include <accel/drm_prime.h>
#include <accel/fd.h>
#include "drm_gem_ioctls.h"

/* dma_buf_lock guards dma_buf_list and each buffer's next. */
static pthread_mutex_t dma_buf_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dma_buf *dma_buf_list;

static void dma_buf_release(struct kref *ref)
{
	struct dma_buf *buf = container_of(ref, struct dma_buf, ref);
	struct dma_buf **pp;

	pthread_mutex_lock(&dma_buf_lock);
	for (pp = &dma_buf_list; *pp; pp = &(*pp)->next) {
		if (*pp == buf) {
			*pp = buf->next;
			break;
		}
	}
	pthread_mutex_unlock(&dma_buf_lock);
	close(buf->fd);
	drm_gem_object_put(buf->obj);
	free(buf);
}

/**
 * dma_buf_put() - drop a reference on a buffer
 * @buf: the buffer
 *
 * The last reference closes the core's descriptor (the caller's descriptors and mappings
 * keep the memory) and drops the reference on the exporting object.
 */
void dma_buf_put(struct dma_buf *buf)
{
	if (buf)
		kref_put(&buf->ref, dma_buf_release);
}

/* A live buffer of @key with a reference, or NULL; called with dma_buf_lock held. */
static struct dma_buf *dma_buf_find_locked(uint64_t key)
{
	struct dma_buf *buf;

	for (buf = dma_buf_list; buf; buf = buf->next) {
		/* One whose last reference is being dropped is gone already. */
		if (buf->key == key && kref_get_unless_zero(&buf->ref))
			return buf;
	}
	return NULL;
}

/* A new descriptor of @fd's file with its own access mode; a duplicate where reopening fails. */
static int dma_buf_reopen(int fd, int accmode)
{
	char path[40];
	int nfd;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	nfd = open(path, accmode | O_CLOEXEC);
	if (nfd < 0)
		nfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	return nfd < 0 ? -errno : nfd;
}

/**
 * dma_buf_open_rdwr() - a read-write descriptor of @buf's memory, for an importer
 * @buf: the buffer
 *
 * Return: a descriptor of this process (close-on-exec) or a negative errno.
 */
int dma_buf_open_rdwr(struct dma_buf *buf)
{
	return dma_buf_reopen(buf->fd, O_RDWR);
}

/**
 * dma_buf_get() - the buffer behind a descriptor
 * @fd: a descriptor of this process, consumed
 *
 * Only shared memory (memfd, tmpfs) of a non-zero, page-multiple size is a buffer: mapping
 * it in page units must not run past its end. A buffer seen for the first time is
 * registered as foreign (no exporting object) and its size pinned where the file allows it.
 *
 * Return: the buffer with a reference, or ERR_PTR(-EINVAL) / ERR_PTR(-ENOMEM).
 */
struct dma_buf *dma_buf_get(int fd)
{
	struct dma_buf *buf, *found;
	struct stat st;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || fcntl(fd, F_GET_SEALS) < 0 ||
	    st.st_size <= 0 || (st.st_size & (PAGE_SIZE - 1))) {
		close(fd);
		return ERR_PTR(-EINVAL);
	}
	buf = calloc(1, sizeof(*buf));
	if (!buf) {
		close(fd);
		return ERR_PTR(-ENOMEM);
	}
	kref_init(&buf->ref);
	buf->fd = fd;
	buf->key = fd_inode_key(fd);
	buf->size = (size_t)st.st_size;

	/* Look up and register in one step: two racing imports must agree on one buffer. */
	pthread_mutex_lock(&dma_buf_lock);
	found = dma_buf_find_locked(buf->key);
	if (!found) {
		buf->next = dma_buf_list;
		dma_buf_list = buf;
	}
	pthread_mutex_unlock(&dma_buf_lock);
	if (found) {
		close(fd);
		free(buf);
		return found;
	}
	/* Best effort: a sealed or foreign-owned file may refuse, the mapping checks stand. */
	fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK);
	return buf;
}

/**
 * drm_gem_prime_export() - make the buffer of a memfd-backed object
 * @obj: the object; the buffer holds a reference on it
 * @flags: DRM_RDWR for a writable buffer file, as the first export asks
 *
 * Return: the buffer with one reference, or an ERR_PTR.
 */
struct dma_buf *drm_gem_prime_export(struct drm_gem_object *obj, int flags)
{
	struct dma_buf *buf;
	int fd;

	if (obj->filp < 0)
		return ERR_PTR(-EINVAL);
	buf = calloc(1, sizeof(*buf));
	if (!buf)
		return ERR_PTR(-ENOMEM);
	/* Its own open file, so that its access mode is the export's, as a dma-buf file's is. */
	atomic_store(&obj->filp_escaped, true);
	fd = dma_buf_reopen(obj->filp, (flags & DRM_RDWR) ? O_RDWR : O_RDONLY);
	if (fd < 0) {
		free(buf);
		return ERR_PTR(fd);
	}
	kref_init(&buf->ref);
	buf->fd = fd;
	buf->key = fd_inode_key(fd);
	buf->size = obj->size;
	drm_gem_object_get(obj);
	buf->obj = obj;
	pthread_mutex_lock(&dma_buf_lock);
	buf->next = dma_buf_list;
	dma_buf_list = buf;
	pthread_mutex_unlock(&dma_buf_lock);
	return buf;
}

/**
 * drm_gem_prime_import() - the default import
 * @dev: the importing device
 * @buf: the buffer
 *
 * Return: the object (a new reference): the exporting object itself for a buffer @dev
 * exported, otherwise a new object from the driver's gem_prime_import_buf (-EINVAL if none).
 */
struct drm_gem_object *drm_gem_prime_import(struct drm_device *dev, struct dma_buf *buf)
{
	struct drm_gem_object *obj;

	if (buf->obj && buf->obj->dev == dev) {
		/* Our own buffer: the object, not a second one over the same memory. */
		drm_gem_object_get(buf->obj);
		return buf->obj;
	}
	if (!dev->driver->gem_prime_import_buf)
		return ERR_PTR(-EINVAL);
	obj = dev->driver->gem_prime_import_buf(dev, buf);
	if (IS_ERR(obj))
		return obj;
	get_dma_buf(buf);
	obj->import_attach = buf;
	return obj;
}

void drm_prime_init_file_private(struct drm_prime_file_private *prime)
{
	pthread_mutex_init(&prime->lock, NULL);
	prime->members = NULL;
}

void drm_prime_destroy_file_private(struct drm_prime_file_private *prime)
{
	struct drm_prime_member *m;

	/* Closing the handles emptied it; a device without GEM never filled it. */
	while ((m = prime->members)) {
		prime->members = m->next;
		dma_buf_put(m->dma_buf);
		free(m);
	}
	pthread_mutex_destroy(&prime->lock);
}

/* Remember that @handle is @buf in this file (a reference on @buf); prime->lock held. */
static int drm_prime_add_buf_handle(struct drm_prime_file_private *prime, struct dma_buf *buf,
				    uint32_t handle)
{
	struct drm_prime_member *m = malloc(sizeof(*m));

	if (!m)
		return -ENOMEM;
	get_dma_buf(buf);
	m->dma_buf = buf;
	m->handle = handle;
	m->next = prime->members;
	prime->members = m;
	return 0;
}

static struct dma_buf *drm_prime_lookup_buf_by_handle(struct drm_prime_file_private *prime,
						      uint32_t handle)
{
	struct drm_prime_member *m;

	for (m = prime->members; m; m = m->next)
		if (m->handle == handle)
			return m->dma_buf;
	return NULL;
}

static int drm_prime_lookup_buf_handle(struct drm_prime_file_private *prime, struct dma_buf *buf,
				       uint32_t *handle)
{
	struct drm_prime_member *m;

	for (m = prime->members; m; m = m->next) {
		if (m->dma_buf == buf) {
			*handle = m->handle;
			return 0;
		}
	}
	return -ENOENT;
}

void drm_prime_remove_buf_handle(struct drm_prime_file_private *prime, uint32_t handle)
{
	struct drm_prime_member **pp, *m;

	pthread_mutex_lock(&prime->lock);
	for (pp = &prime->members; (m = *pp); pp = &m->next) {
		if (m->handle == handle) {
			*pp = m->next;
			dma_buf_put(m->dma_buf);
			free(m);
			break;
		}
	}
	pthread_mutex_unlock(&prime->lock);
}

/**
 * drm_gem_prime_fd_to_handle() - import a buffer descriptor
 * @dev: the device
 * @file: the importing client
 * @prime_fd: the caller's descriptor
 * @handle: the handle: the one this file already has for the buffer, else a new one
 *
 * Return: 0; -EBADF for a descriptor the caller does not have; -EINVAL for one that is not
 * a buffer or that the driver cannot import.
 */
int drm_gem_prime_fd_to_handle(struct drm_device *dev, struct drm_file *file, int prime_fd,
			       uint32_t *handle)
{
	struct drm_gem_object *obj;
	struct dma_buf *buf;
	int fd, ret;

	fd = fd_get_user(prime_fd);
	if (fd < 0)
		return -EBADF;
	buf = dma_buf_get(fd);
	if (IS_ERR(buf))
		return PTR_ERR(buf);

	pthread_mutex_lock(&file->prime.lock);
	ret = drm_prime_lookup_buf_handle(&file->prime, buf, handle);
	if (ret == 0)
		goto out_put;

	pthread_mutex_lock(&dev->object_name_lock);
	if (dev->driver->gem_prime_import)
		obj = dev->driver->gem_prime_import(dev, buf);
	else
		obj = drm_gem_prime_import(dev, buf);
	if (IS_ERR(obj)) {
		ret = (int)PTR_ERR(obj);
		goto out_unlock;
	}
	if (!obj->dma_buf) {
		get_dma_buf(buf);
		/* Atomic store: drm_show_memory_stats() reads it without object_name_lock. */
		__atomic_store_n(&obj->dma_buf, buf, __ATOMIC_RELAXED);
	}
	/* Unlocks object_name_lock. */
	ret = drm_gem_handle_create_tail(file, obj, handle);
	drm_gem_object_put(obj);
	if (ret)
		goto out_put;

	ret = drm_prime_add_buf_handle(&file->prime, buf, *handle);
	pthread_mutex_unlock(&file->prime.lock);
	if (ret)
		goto fail;
	dma_buf_put(buf);
	return 0;

fail:
	drm_gem_handle_delete(file, *handle);
	dma_buf_put(buf);
	return ret;
out_unlock:
	pthread_mutex_unlock(&dev->object_name_lock);
out_put:
	pthread_mutex_unlock(&file->prime.lock);
	dma_buf_put(buf);
	return ret;
}

/* The buffer of @handle with a reference: the cached one, the imported one, or a new export. */
static struct dma_buf *drm_gem_prime_handle_to_dmabuf(struct drm_device *dev,
						      struct drm_file *file, uint32_t handle,
						      uint32_t flags)
{
	struct drm_gem_object *obj;
	struct dma_buf *buf;
	int ret;

	pthread_mutex_lock(&file->prime.lock);
	obj = drm_gem_object_lookup(file, handle);
	if (!obj) {
		buf = ERR_PTR(-ENOENT);
		goto out_unlock;
	}
	buf = drm_prime_lookup_buf_by_handle(&file->prime, handle);
	if (buf) {
		get_dma_buf(buf);
		goto out;
	}

	pthread_mutex_lock(&dev->object_name_lock);
	/* An imported object is exported as the buffer it came from. */
	if (obj->import_attach) {
		buf = obj->import_attach;
		get_dma_buf(buf);
		goto out_have_obj;
	}
	if (obj->dma_buf) {
		buf = obj->dma_buf;
		get_dma_buf(buf);
		goto out_have_obj;
	}
	/* The export cache is dropped with the last handle: a closing one must not refill it. */
	if (obj->handle_count == 0) {
		buf = ERR_PTR(-ENOENT);
		pthread_mutex_unlock(&dev->object_name_lock);
		goto out;
	}
	buf = obj->funcs->export ? obj->funcs->export(obj, (int)flags)
				 : drm_gem_prime_export(obj, (int)flags);
	if (IS_ERR(buf)) {
		pthread_mutex_unlock(&dev->object_name_lock);
		goto out;
	}
	get_dma_buf(buf);
	/* Atomic store: drm_show_memory_stats() reads it without object_name_lock. */
	__atomic_store_n(&obj->dma_buf, buf, __ATOMIC_RELAXED);

out_have_obj:
	/* Cached under object_name_lock, so that a racing GEM_CLOSE removes it again. */
	ret = drm_prime_add_buf_handle(&file->prime, buf, handle);
	pthread_mutex_unlock(&dev->object_name_lock);
	if (ret) {
		dma_buf_put(buf);
		buf = ERR_PTR(ret);
	}
out:
	drm_gem_object_put(obj);
out_unlock:
	pthread_mutex_unlock(&file->prime.lock);
	return buf;
}

/**
 * drm_gem_prime_handle_to_fd() - export a handle as a descriptor of the caller
 * @dev: the device
 * @file: the exporting client
 * @handle: the handle
 * @flags: DRM_CLOEXEC and DRM_RDWR
 * @prime_fd: the caller's new descriptor; every export of one buffer is the same file
 *
 * Return: 0; -ENOENT for an unknown handle; another negative errno on failure.
 */
int drm_gem_prime_handle_to_fd(struct drm_device *dev, struct drm_file *file, uint32_t handle,
			       uint32_t flags, int *prime_fd)
{
	struct dma_buf *buf;
	int fd, ret;

	buf = drm_gem_prime_handle_to_dmabuf(dev, file, handle, flags);
	if (IS_ERR(buf))
		return (int)PTR_ERR(buf);
	fd = fcntl(buf->fd, F_DUPFD_CLOEXEC, 0);
	ret = fd < 0 ? -errno : fd_install_user(fd, (flags & DRM_CLOEXEC) ? O_CLOEXEC : 0);
	dma_buf_put(buf);
	if (ret < 0)
		return ret;
	*prime_fd = ret;
	return 0;
}

static const struct drm_ioctl_fdfield drm_prime_fd_out[] = {
	DRM_IOCTL_FD(struct drm_prime_handle, fd, DRM_IOCTL_OUT),
};
const struct drm_ioctl_layout drm_prime_handle_to_fd_layout = { NULL, 0, drm_prime_fd_out, 1 };

static const struct drm_ioctl_fdfield drm_prime_fd_in[] = {
	DRM_IOCTL_FD(struct drm_prime_handle, fd, DRM_IOCTL_IN),
};
const struct drm_ioctl_layout drm_prime_fd_to_handle_layout = { NULL, 0, drm_prime_fd_in, 1 };

int drm_prime_handle_to_fd_ioctl(struct drm_device *dev, void *data, struct drm_file *file_priv)
{
	struct drm_prime_handle *args = data;

	if (args->flags & ~DRM_PRIME_FLAGS)
		return -EINVAL;
	return drm_gem_prime_handle_to_fd(dev, file_priv, args->handle, args->flags, &args->fd);
}

int drm_prime_fd_to_handle_ioctl(struct drm_device *dev, void *data, struct drm_file *file_priv)
{
	struct drm_prime_handle *args = data;

	return drm_gem_prime_fd_to_handle(dev, file_priv, args->fd, &args->handle);
}

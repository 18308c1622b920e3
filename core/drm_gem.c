// SPDX-License-Identifier: MIT
/*
 * GEM: buffer objects, per-file handles, flink names, fake mmap offsets, dumb buffers and the
 * fdinfo memory keys, with the semantics of Linux 6.12's drm_gem.c and drm_dumb_buffers.c.
 *
 * Lock order: file->prime.lock -> dev->object_name_lock -> file->table_lock. The
 * vma_offset_lock and the PRIME registry lock are leaves: nothing is taken while they are
 * held. An object's last put may run under the first three (freeing takes only leaves) but
 * never under a leaf.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <accel/attr.h>
#include <accel/drm_drv.h>
#include <accel/drm_file.h>
#include <accel/drm_gem.h>
#include <accel/drm_prime.h>
#include <accel/drm_print.h>
#include "drm_gem_ioctls.h"

void drm_gem_init(struct drm_device *dev)
{
	pthread_mutex_init(&dev->object_name_lock, NULL);
	idr_init(&dev->object_name_idr);
	pthread_rwlock_init(&dev->vma_offset_lock, NULL);
	dev->vma_offset_nodes = NULL;
	atomic_init(&dev->gem_objects, 0);
	atomic_init(&dev->gem_bytes, 0);
}

void drm_gem_destroy(struct drm_device *dev)
{
	/* Every object holds a device reference, so none is left when the device goes. */
	idr_destroy(&dev->object_name_idr);
	pthread_mutex_destroy(&dev->object_name_lock);
	pthread_rwlock_destroy(&dev->vma_offset_lock);
}

unsigned int drm_gem_objects_live(struct drm_device *dev)
{
	return atomic_load(&dev->gem_objects);
}

/* debugfs gem_objects: what is alive on the device, so that leaks show. */
static int drm_gem_objects_show(struct seq_file *m)
{
	struct drm_device *dev = m->private;

	seq_printf(m, "objects: %u\nbytes: %llu\n", atomic_load(&dev->gem_objects),
		   (unsigned long long)atomic_load(&dev->gem_bytes));
	return 0;
}

/**
 * drm_gem_debugfs_init() - add "gem_objects" (live objects and their bytes) to the
 * device's debugfs directory.
 * @dev: a GEM device being registered
 */
void drm_gem_debugfs_init(struct drm_device *dev)
{
	if (dev->debugfs_root && drm_core_check_feature(dev, DRIVER_GEM))
		attr_file_create(dev->debugfs_root, "gem_objects", 0444, drm_gem_objects_show, NULL, dev);
}

/**
 * drm_gem_private_object_init() - initialise an object that has no memory of its own
 * @dev: the device the object belongs to
 * @obj: the object, zeroed or not
 * @size: its size in bytes
 *
 * The object starts with one reference, no handle and no offset, and holds a reference on
 * @dev until it is freed (a mapping or an importer may keep it past every file).
 */
void drm_gem_private_object_init(struct drm_device *dev, struct drm_gem_object *obj, size_t size)
{
	const struct drm_gem_object_funcs *funcs = obj->funcs;

	memset(obj, 0, sizeof(*obj));
	obj->funcs = funcs;
	kref_init(&obj->refcount);
	obj->dev = dev;
	obj->size = size;
	obj->filp = -1;
	drm_dev_get(dev);
	atomic_fetch_add(&dev->gem_objects, 1);
	atomic_fetch_add(&dev->gem_bytes, size);
}

/**
 * drm_gem_object_init() - initialise an object backed by a new memfd of @size bytes
 * @dev: the device the object belongs to
 * @obj: the object (its funcs may be set beforehand)
 * @size: the size in bytes, a multiple of the page size
 *
 * The memfd is sealed against shrinking and growing: exporters hand it out, and a caller
 * that truncated it would make every other mapping of the buffer fault.
 *
 * Return: 0 or a negative errno (the object is then released).
 */
/*
 * A pool of memfds of freed objects whose memory never left the core (never exported, never
 * mapped by another process): creating a buffer is then one hole punch instead of
 * memfd_create + ftruncate + seals + close. The memfds are sealed to their size, so an
 * entry serves only an object of the same size. Bounded in entries and bytes.
 * memfd_pool_lock guards memfd_pool and memfd_pool_bytes.
 */
#define MEMFD_POOL_ENTRIES 64
#define MEMFD_POOL_BYTES (256ull << 20)

struct memfd_pool_entry {
	size_t size;
	int fd;
};

static pthread_mutex_t memfd_pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct memfd_pool_entry memfd_pool[MEMFD_POOL_ENTRIES];
static unsigned int memfd_pool_count;
static uint64_t memfd_pool_bytes;

static int memfd_pool_take(size_t size)
{
	int fd = -1;

	pthread_mutex_lock(&memfd_pool_lock);
	for (unsigned int i = memfd_pool_count; i-- > 0;) {
		if (memfd_pool[i].size == size) {
			fd = memfd_pool[i].fd;
			memfd_pool[i] = memfd_pool[--memfd_pool_count];
			memfd_pool_bytes -= size;
			break;
		}
	}
	pthread_mutex_unlock(&memfd_pool_lock);
	if (fd < 0)
		return -1;
	/* Zero it as a new memfd is: the pages of the previous object go back to the system. */
	if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, (off_t)size)) {
		close(fd);
		return -1;
	}
	return fd;
}

static bool memfd_pool_put(size_t size, int fd)
{
	bool kept = false;

	pthread_mutex_lock(&memfd_pool_lock);
	if (memfd_pool_count < MEMFD_POOL_ENTRIES && memfd_pool_bytes + size <= MEMFD_POOL_BYTES) {
		memfd_pool[memfd_pool_count].size = size;
		memfd_pool[memfd_pool_count].fd = fd;
		memfd_pool_count++;
		memfd_pool_bytes += size;
		kept = true;
	}
	pthread_mutex_unlock(&memfd_pool_lock);
	return kept;
}

int drm_gem_object_init(struct drm_device *dev, struct drm_gem_object *obj, size_t size)
{
	int fd, err;

	drm_gem_private_object_init(dev, obj, size);
	fd = memfd_pool_take(size);
	if (fd >= 0) {
		obj->filp = fd;
		return 0;
	}
	fd = memfd_create("accel-gem", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0) {
		err = -errno;
		goto err_release;
	}
	obj->filp = fd;
	if (ftruncate(fd, (off_t)size) ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)) {
		err = errno == EFBIG || errno == EINVAL ? -ENOMEM : -errno;
		goto err_release;
	}
	return 0;

err_release:
	drm_gem_object_release(obj);
	return err;
}

/**
 * drm_gem_object_release() - release what the init took
 * @obj: an object whose last reference is gone (or whose init failed)
 *
 * Drivers call it from their free callback before freeing the containing struct.
 */
void drm_gem_object_release(struct drm_gem_object *obj)
{
	struct drm_device *dev = obj->dev;

	drm_gem_free_mmap_offset(obj);
	/* An imported memfd belongs to its exporter; an escaped one may be mapped elsewhere. */
	if (obj->filp >= 0 && (obj->import_attach || atomic_load(&obj->filp_escaped) ||
			       !memfd_pool_put(obj->size, obj->filp)))
		close(obj->filp);
	obj->filp = -1;
	if (obj->import_attach)
		dma_buf_put(obj->import_attach);
	obj->import_attach = NULL;
	atomic_fetch_sub(&dev->gem_objects, 1);
	atomic_fetch_sub(&dev->gem_bytes, obj->size);
	drm_dev_put(dev);
}

/**
 * drm_gem_object_free() - the kref release of GEM objects
 * @kref: the object's refcount
 */
void drm_gem_object_free(struct kref *kref)
{
	struct drm_gem_object *obj = container_of(kref, struct drm_gem_object, refcount);

	obj->funcs->free(obj);
}

/* The kernel's drm_vma_node_allow(): counted, one per handle the file holds. */
static int drm_vma_node_allow(struct drm_gem_object *obj, struct drm_file *file)
{
	struct drm_device *dev = obj->dev;
	struct drm_vma_offset_file *f;
	int ret = 0;

	pthread_rwlock_wrlock(&dev->vma_offset_lock);
	for (f = obj->vma_node.allowed; f; f = f->next) {
		if (f->file == file) {
			f->count++;
			goto out;
		}
	}
	f = malloc(sizeof(*f));
	if (!f) {
		ret = -ENOMEM;
		goto out;
	}
	f->file = file;
	f->count = 1;
	f->next = obj->vma_node.allowed;
	obj->vma_node.allowed = f;
out:
	pthread_rwlock_unlock(&dev->vma_offset_lock);
	return ret;
}

static void drm_vma_node_revoke(struct drm_gem_object *obj, struct drm_file *file)
{
	struct drm_device *dev = obj->dev;
	struct drm_vma_offset_file **pp, *f;

	pthread_rwlock_wrlock(&dev->vma_offset_lock);
	for (pp = &obj->vma_node.allowed; (f = *pp); pp = &f->next) {
		if (f->file == file) {
			if (--f->count == 0) {
				*pp = f->next;
				free(f);
			}
			break;
		}
	}
	pthread_rwlock_unlock(&dev->vma_offset_lock);
}

/**
 * drm_vma_node_is_allowed() - whether @file may map @obj
 * @obj: the object
 * @file: the file asking
 *
 * Return: true while @file holds at least one handle to @obj.
 */
bool drm_vma_node_is_allowed(struct drm_gem_object *obj, struct drm_file *file)
{
	struct drm_device *dev = obj->dev;
	struct drm_vma_offset_file *f;
	bool allowed = false;

	pthread_rwlock_rdlock(&dev->vma_offset_lock);
	for (f = obj->vma_node.allowed; f; f = f->next) {
		if (f->file == file) {
			allowed = true;
			break;
		}
	}
	pthread_rwlock_unlock(&dev->vma_offset_lock);
	return allowed;
}

/**
 * drm_gem_create_mmap_offset() - give @obj a fake mmap offset
 * @obj: the object
 *
 * The offset is made once and kept until the object is freed. Like the kernel's range
 * manager it takes the smallest free range that fits (lowest first among equals), from
 * DRM_FILE_PAGE_OFFSET_START, so that offsets given back are reused.
 *
 * Return: 0, or -ENOSPC when the device's offset space is full.
 */
int drm_gem_create_mmap_offset(struct drm_gem_object *obj)
{
	struct drm_device *dev = obj->dev;
	unsigned long pages = (obj->size + PAGE_SIZE - 1) >> PAGE_SHIFT;
	unsigned long end = DRM_FILE_PAGE_OFFSET_START + DRM_FILE_PAGE_OFFSET_SIZE;
	unsigned long prev_end = DRM_FILE_PAGE_OFFSET_START, best_start = 0, best_size = ULONG_MAX;
	struct drm_vma_offset_node **link, **best_link = NULL, *n;
	int ret = 0;

	pthread_rwlock_wrlock(&dev->vma_offset_lock);
	if (obj->vma_node.start)
		goto out;
	for (link = &dev->vma_offset_nodes;; link = &n->next) {
		unsigned long hole_end;

		n = *link;
		hole_end = n ? n->start : end;
		if (hole_end - prev_end >= pages && hole_end - prev_end < best_size) {
			best_size = hole_end - prev_end;
			best_start = prev_end;
			best_link = link;
		}
		if (!n)
			break;
		prev_end = n->start + n->pages;
	}
	if (!best_link || !pages) {
		ret = -ENOSPC;
		goto out;
	}
	obj->vma_node.start = best_start;
	obj->vma_node.pages = pages;
	obj->vma_node.next = *best_link;
	*best_link = &obj->vma_node;
out:
	pthread_rwlock_unlock(&dev->vma_offset_lock);
	return ret;
}

/**
 * drm_gem_free_mmap_offset() - give @obj's fake offset back
 * @obj: the object
 */
void drm_gem_free_mmap_offset(struct drm_gem_object *obj)
{
	struct drm_device *dev = obj->dev;
	struct drm_vma_offset_node **pp;
	struct drm_vma_offset_file *f;

	pthread_rwlock_wrlock(&dev->vma_offset_lock);
	if (obj->vma_node.start) {
		for (pp = &dev->vma_offset_nodes; *pp; pp = &(*pp)->next) {
			if (*pp == &obj->vma_node) {
				*pp = obj->vma_node.next;
				break;
			}
		}
		obj->vma_node.start = 0;
		obj->vma_node.next = NULL;
	}
	/* Handles revoke their entries; only an object freed with handles would leave any. */
	while ((f = obj->vma_node.allowed)) {
		obj->vma_node.allowed = f->next;
		free(f);
	}
	pthread_rwlock_unlock(&dev->vma_offset_lock);
}

/**
 * drm_vma_node_offset_addr() - the fake offset of @obj in bytes
 * @obj: the object
 *
 * Return: the offset to pass to mmap(), or 0 when drm_gem_create_mmap_offset() was not called.
 */
uint64_t drm_vma_node_offset_addr(struct drm_gem_object *obj)
{
	uint64_t start;

	pthread_rwlock_rdlock(&obj->dev->vma_offset_lock);
	start = obj->vma_node.start;
	pthread_rwlock_unlock(&obj->dev->vma_offset_lock);
	return start << PAGE_SHIFT;
}

/* The last handle is gone: drop the flink name and the export cache, then the handles' reference. */
static void drm_gem_object_handle_put_unlocked(struct drm_gem_object *obj)
{
	struct drm_device *dev = obj->dev;
	bool final = false;

	pthread_mutex_lock(&dev->object_name_lock);
	/*
	 * Written under object_name_lock but with atomic stores: drm_show_memory_stats() takes
	 * a lockless snapshot of handle_count and dma_buf (it holds a file's table_lock, which
	 * nests inside object_name_lock).
	 */
	if (obj->handle_count &&
	    __atomic_sub_fetch(&obj->handle_count, 1, __ATOMIC_RELAXED) == 0) {
		if (obj->name) {
			idr_remove(&dev->object_name_idr, obj->name);
			obj->name = 0;
		}
		if (obj->dma_buf) {
			dma_buf_put(obj->dma_buf);
			__atomic_store_n(&obj->dma_buf, NULL, __ATOMIC_RELAXED);
		}
		final = true;
	}
	pthread_mutex_unlock(&dev->object_name_lock);
	if (final)
		drm_gem_object_put(obj);
}

static void drm_gem_object_release_handle(uint32_t handle, struct drm_gem_object *obj,
					  struct drm_file *file)
{
	if (obj->funcs->close)
		obj->funcs->close(obj, file);
	drm_prime_remove_buf_handle(&file->prime, handle);
	drm_vma_node_revoke(obj, file);
	drm_gem_object_handle_put_unlocked(obj);
}

/*
 * Make a handle with dev->object_name_lock held, which it unlocks: the handle count must
 * move together with the flink name and export checks of the callers.
 */
int drm_gem_handle_create_tail(struct drm_file *file, struct drm_gem_object *obj,
			       uint32_t *handlep)
{
	struct drm_device *dev = obj->dev;
	uint32_t handle;
	int ret;

	/* All the handles of an object together hold one reference. */
	/* Atomic for drm_show_memory_stats()'s lockless snapshot; object_name_lock is held. */
	if (__atomic_fetch_add(&obj->handle_count, 1, __ATOMIC_RELAXED) == 0)
		drm_gem_object_get(obj);
	pthread_mutex_lock(&file->table_lock);
	ret = idr_alloc(&file->object_idr, obj, 1);
	pthread_mutex_unlock(&file->table_lock);
	pthread_mutex_unlock(&dev->object_name_lock);
	if (ret < 0)
		goto err_unref;
	handle = (uint32_t)ret;

	ret = drm_vma_node_allow(obj, file);
	if (ret)
		goto err_remove;
	if (obj->funcs->open) {
		ret = obj->funcs->open(obj, file);
		if (ret)
			goto err_revoke;
	}
	*handlep = handle;
	return 0;

err_revoke:
	drm_vma_node_revoke(obj, file);
err_remove:
	pthread_mutex_lock(&file->table_lock);
	idr_remove(&file->object_idr, (int)handle);
	pthread_mutex_unlock(&file->table_lock);
err_unref:
	drm_gem_object_handle_put_unlocked(obj);
	return ret;
}

/**
 * drm_gem_handle_create() - make a handle for @obj in @file
 * @file: the client
 * @obj: the object; the caller keeps its own reference (and usually puts it next)
 * @handlep: the new handle, the lowest free from 1
 *
 * Return: 0 or a negative errno.
 */
int drm_gem_handle_create(struct drm_file *file, struct drm_gem_object *obj, uint32_t *handlep)
{
	pthread_mutex_lock(&obj->dev->object_name_lock);
	return drm_gem_handle_create_tail(file, obj, handlep);
}

/**
 * drm_gem_handle_delete() - close a handle
 * @file: the client
 * @handle: the handle
 *
 * Return: 0, or -EINVAL when @handle names nothing in @file (0, never made, or closed).
 */
int drm_gem_handle_delete(struct drm_file *file, uint32_t handle)
{
	struct drm_gem_object *obj;

	if (handle > INT_MAX)
		return -EINVAL;
	/* Leave the number reserved (NULL) while closing, so that no new handle takes it yet. */
	pthread_mutex_lock(&file->table_lock);
	obj = idr_replace(&file->object_idr, NULL, (int)handle);
	pthread_mutex_unlock(&file->table_lock);
	if (IS_ERR_OR_NULL(obj))
		return -EINVAL;

	drm_gem_object_release_handle(handle, obj, file);

	pthread_mutex_lock(&file->table_lock);
	idr_remove(&file->object_idr, (int)handle);
	pthread_mutex_unlock(&file->table_lock);
	return 0;
}

/**
 * drm_gem_object_lookup() - the object behind a handle
 * @file: the client
 * @handle: the handle
 *
 * Return: the object with a new reference (drm_gem_object_put() it), or NULL.
 */
struct drm_gem_object *drm_gem_object_lookup(struct drm_file *file, uint32_t handle)
{
	struct drm_gem_object *obj;

	/* Files of devices without GEM never set up a handle table. */
	if (!drm_core_check_feature(file->minor->dev, DRIVER_GEM) || handle > INT_MAX)
		return NULL;
	pthread_mutex_lock(&file->table_lock);
	obj = idr_find(&file->object_idr, (int)handle);
	if (obj)
		drm_gem_object_get(obj);
	pthread_mutex_unlock(&file->table_lock);
	return obj;
}

void drm_gem_open(struct drm_device *dev, struct drm_file *file)
{
	(void)dev;
	pthread_mutex_init(&file->table_lock, NULL);
	idr_init(&file->object_idr);
}

void drm_gem_release(struct drm_device *dev, struct drm_file *file)
{
	struct drm_gem_object *obj;
	int id;

	(void)dev;
	/* The file is unreachable now: nothing else walks or changes its table. */
	idr_for_each_entry(&file->object_idr, obj, id)
		drm_gem_object_release_handle((uint32_t)id, obj, file);
	idr_destroy(&file->object_idr);
	pthread_mutex_destroy(&file->table_lock);
}

static void drm_gem_vm_close(struct vm_area_struct *vma)
{
	struct drm_gem_object *obj = vma->vm_private_data;

	drm_gem_object_put(obj);
}

/**
 * drm_gem_mmap_obj() - set up a mapping of @obj
 * @obj: the object
 * @obj_size: the size that may be mapped
 * @vma: the mapping being made
 *
 * The mapping holds a reference on @obj until its vm_close. Without a driver mmap the
 * object's memfd is mapped from its start; like the shmem helper, a private (copy-on-write)
 * mapping is refused: writes through it would not reach the device's buffer.
 *
 * Return: 0 or a negative errno.
 */
int drm_gem_mmap_obj(struct drm_gem_object *obj, size_t obj_size, struct vm_area_struct *vma)
{
	int ret;

	if (obj_size < PAGE_ALIGN(vma->vm_len))
		return -EINVAL;
	drm_gem_object_get(obj);
	vma->vm_private_data = obj;
	vma->vm_close = drm_gem_vm_close;
	if (obj->funcs->mmap) {
		ret = obj->funcs->mmap(obj, vma);
		if (ret)
			goto err_put;
		return 0;
	}
	if (obj->filp < 0 || (vma->vm_flags & MAP_TYPE) != MAP_SHARED) {
		ret = -EINVAL;
		goto err_put;
	}
	vma->map_fd = obj->filp;
	vma->map_offset = 0;
	if (vma->map_fd_escapes)
		atomic_store(&obj->filp_escaped, true);
	return 0;

err_put:
	vma->vm_private_data = NULL;
	vma->vm_close = NULL;
	drm_gem_object_put(obj);
	return ret;
}

/**
 * drm_gem_mmap() - the mmap of GEM device files
 * @filp: the device file
 * @vma: the mapping: vm_pgoff is the fake offset in pages
 *
 * Return: 0; -ENODEV after unplug; -EINVAL when the offset does not start an object or the
 * length runs past it; -EACCES when the file holds no handle to the object.
 */
int drm_gem_mmap(struct file *filp, struct vm_area_struct *vma)
{
	struct drm_file *priv = filp->private_data;
	struct drm_device *dev = priv->minor->dev;
	unsigned long pages = (vma->vm_len + PAGE_SIZE - 1) >> PAGE_SHIFT;
	struct drm_gem_object *obj = NULL;
	struct drm_vma_offset_node *node;
	size_t size = 0;
	int ret;

	if (drm_dev_is_unplugged(dev))
		return -ENODEV;

	pthread_rwlock_rdlock(&dev->vma_offset_lock);
	for (node = dev->vma_offset_nodes; node && node->start <= vma->vm_pgoff; node = node->next) {
		if (node->start == vma->vm_pgoff && pages <= node->pages) {
			obj = container_of(node, struct drm_gem_object, vma_node);
			size = node->pages << PAGE_SHIFT;
			/* An object at zero references is being freed: it is gone already. */
			if (!kref_get_unless_zero(&obj->refcount))
				obj = NULL;
			break;
		}
	}
	pthread_rwlock_unlock(&dev->vma_offset_lock);
	if (!obj)
		return -EINVAL;

	if (!drm_vma_node_is_allowed(obj, priv)) {
		drm_gem_object_put(obj);
		return -EACCES;
	}
	ret = drm_gem_mmap_obj(obj, size, vma);
	drm_gem_object_put(obj);
	return ret;
}

/**
 * drm_gem_dumb_map_offset() - the default MAP_DUMB
 * @file: the client
 * @dev: the device
 * @handle: the dumb buffer's handle
 * @offset: its fake mmap offset
 *
 * Return: 0; -ENOENT for an unknown handle; -EINVAL for an imported object.
 */
int drm_gem_dumb_map_offset(struct drm_file *file, struct drm_device *dev, uint32_t handle,
			    uint64_t *offset)
{
	struct drm_gem_object *obj;
	int ret;

	(void)dev;
	obj = drm_gem_object_lookup(file, handle);
	if (!obj)
		return -ENOENT;
	/* Imported buffers are mapped through their exporter, not as dumb buffers. */
	if (obj->import_attach) {
		ret = -EINVAL;
		goto out;
	}
	ret = drm_gem_create_mmap_offset(obj);
	if (!ret)
		*offset = drm_vma_node_offset_addr(obj);
out:
	drm_gem_object_put(obj);
	return ret;
}

int drm_gem_close_ioctl(struct drm_device *dev, void *data, struct drm_file *file_priv)
{
	struct drm_gem_close *args = data;

	if (!drm_core_check_feature(dev, DRIVER_GEM))
		return -EOPNOTSUPP;
	return drm_gem_handle_delete(file_priv, args->handle);
}

int drm_gem_flink_ioctl(struct drm_device *dev, void *data, struct drm_file *file_priv)
{
	struct drm_gem_flink *args = data;
	struct drm_gem_object *obj;
	int ret;

	if (!drm_core_check_feature(dev, DRIVER_GEM))
		return -EOPNOTSUPP;
	obj = drm_gem_object_lookup(file_priv, args->handle);
	if (!obj)
		return -ENOENT;

	pthread_mutex_lock(&dev->object_name_lock);
	/* A concurrent GEM_CLOSE may have taken the last handle since the lookup. */
	if (obj->handle_count == 0) {
		ret = -ENOENT;
		goto out;
	}
	if (!obj->name) {
		ret = idr_alloc(&dev->object_name_idr, obj, 1);
		if (ret < 0)
			goto out;
		obj->name = ret;
	}
	args->name = (uint32_t)obj->name;
	ret = 0;
out:
	pthread_mutex_unlock(&dev->object_name_lock);
	drm_gem_object_put(obj);
	return ret;
}

int drm_gem_open_ioctl(struct drm_device *dev, void *data, struct drm_file *file_priv)
{
	struct drm_gem_open *args = data;
	struct drm_gem_object *obj;
	uint32_t handle;
	int ret;

	if (!drm_core_check_feature(dev, DRIVER_GEM))
		return -EOPNOTSUPP;
	pthread_mutex_lock(&dev->object_name_lock);
	obj = args->name <= INT_MAX ? idr_find(&dev->object_name_idr, (int)args->name) : NULL;
	if (!obj) {
		pthread_mutex_unlock(&dev->object_name_lock);
		return -ENOENT;
	}
	drm_gem_object_get(obj);
	ret = drm_gem_handle_create_tail(file_priv, obj, &handle);
	if (!ret) {
		args->handle = handle;
		args->size = obj->size;
	}
	drm_gem_object_put(obj);
	return ret;
}

int drm_mode_create_dumb_ioctl(struct drm_device *dev, void *data, struct drm_file *file_priv)
{
	struct drm_mode_create_dumb *args = data;
	uint32_t cpp, stride, size;

	if (!dev->driver->dumb_create)
		return -ENOSYS;
	if (!args->width || !args->height || !args->bpp)
		return -EINVAL;
	/* The size is computed in 32 bits, as the kernel does: refuse what would wrap. */
	if (args->bpp > UINT32_MAX - 8)
		return -EINVAL;
	cpp = (args->bpp + 7) / 8;
	if (cpp > UINT32_MAX / args->width)
		return -EINVAL;
	stride = cpp * args->width;
	if (args->height > UINT32_MAX / stride)
		return -EINVAL;
	size = args->height * stride;
	if (PAGE_ALIGN((uint64_t)size) > UINT32_MAX)
		return -EINVAL;
	/* Outputs: drivers must not see what the caller left there. */
	args->handle = 0;
	args->pitch = 0;
	args->size = 0;
	return dev->driver->dumb_create(file_priv, dev, args);
}

int drm_mode_mmap_dumb_ioctl(struct drm_device *dev, void *data, struct drm_file *file_priv)
{
	struct drm_mode_map_dumb *args = data;
	uint64_t offset = 0;
	int ret;

	if (!dev->driver->dumb_create)
		return -ENOSYS;
	if (dev->driver->dumb_map_offset)
		ret = dev->driver->dumb_map_offset(file_priv, dev, args->handle, &offset);
	else
		ret = drm_gem_dumb_map_offset(file_priv, dev, args->handle, &offset);
	if (!ret)
		args->offset = offset;
	return ret;
}

int drm_mode_destroy_dumb_ioctl(struct drm_device *dev, void *data, struct drm_file *file_priv)
{
	struct drm_mode_destroy_dumb *args = data;

	if (!dev->driver->dumb_create)
		return -ENOSYS;
	return drm_gem_handle_delete(file_priv, args->handle);
}

/**
 * drm_show_memory_stats() - print the fdinfo memory keys of a client
 * @m: the fdinfo being written
 * @file: the client
 *
 * An object counts as shared when it has handles in more than one place or was exported
 * (drm_gem_object_is_shared_for_memory_stats()); nothing is ever active (no fences are kept
 * on objects). Region "memory", the name Linux 6.12's helper uses.
 */
void drm_show_memory_stats(struct seq_file *m, struct drm_file *file)
{
	uint64_t shared = 0, private = 0, resident = 0, purgeable = 0, active = 0;
	enum drm_gem_object_status supported = 0;
	struct drm_gem_object *obj;
	int id;

	if (!drm_core_check_feature(file->minor->dev, DRIVER_GEM))
		goto print;
	pthread_mutex_lock(&file->table_lock);
	idr_for_each_entry(&file->object_idr, obj, id) {
		enum drm_gem_object_status s = 0;
		size_t add = obj->funcs->rss ? obj->funcs->rss(obj) : obj->size;

		if (obj->funcs->status) {
			s = obj->funcs->status(obj);
			supported = DRM_GEM_OBJECT_RESIDENT | DRM_GEM_OBJECT_PURGEABLE;
		}
		/* handle_count and dma_buf are read unlocked, as the kernel does: a snapshot. */
		if (__atomic_load_n(&obj->handle_count, __ATOMIC_RELAXED) > 1 ||
		    __atomic_load_n(&obj->dma_buf, __ATOMIC_RELAXED))
			shared += obj->size;
		else
			private += obj->size;
		if (s & DRM_GEM_OBJECT_RESIDENT)
			resident += add;
		else
			s &= ~DRM_GEM_OBJECT_PURGEABLE;
		if (s & DRM_GEM_OBJECT_PURGEABLE)
			purgeable += add;
	}
	pthread_mutex_unlock(&file->table_lock);
print:
	drm_fdinfo_print_size(m, "drm", "total", "memory", private + shared);
	drm_fdinfo_print_size(m, "drm", "shared", "memory", shared);
	drm_fdinfo_print_size(m, "drm", "active", "memory", active);
	if (supported & DRM_GEM_OBJECT_RESIDENT)
		drm_fdinfo_print_size(m, "drm", "resident", "memory", resident);
	if (supported & DRM_GEM_OBJECT_PURGEABLE)
		drm_fdinfo_print_size(m, "drm", "purgeable", "memory", purgeable);
}

/* SPDX-License-Identifier: MIT */
/**
 * DOC: accel/drm_gem.h - GEM buffer objects, handles and fake mmap offsets.
 *
 * As in the kernel: an object is reference counted (drm_gem_object_get/put) and separately
 * counts the handles that name it; all the handles of an object together hold one reference.
 * Handles are per file, the lowest free number from 1. Host memory backs objects: a memfd per
 * object (drm_gem_object_init()), so that mappings, exports and imports share the pages.
 * A mapping through the device file uses a fake offset, unique on the device and stable for
 * the object's life (drm_gem_create_mmap_offset()); only files that hold a handle may map it.
 *
 * Lifetimes: a handle, a mapping (until its vm_close), a PRIME export while any file of any
 * device still refers to the buffer, an importer on another device, and a driver's own
 * drm_gem_object_get() (e.g. a job using the buffer) each keep the object alive.
 */
#ifndef ACCEL_DRM_GEM_H
#define ACCEL_DRM_GEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <accel/compiler.h>
#include <accel/kref.h>

struct dma_buf;
struct drm_device;
struct drm_file;
struct drm_gem_object;
struct drm_mode_create_dumb;
struct file;
struct seq_file;
struct vm_area_struct;

/** PAGE_SHIFT / PAGE_SIZE / PAGE_ALIGN() - the page the fake offsets and sizes count in. */
#ifndef PAGE_SHIFT
#define PAGE_SHIFT 12
#endif
#ifndef PAGE_SIZE
#define PAGE_SIZE 4096
#endif
#define PAGE_ALIGN(x) (((x) + PAGE_SIZE - 1) & ~((__typeof__(x))PAGE_SIZE - 1))

/** DRM_FILE_PAGE_OFFSET_START - first fake offset, in pages: 4 GiB, as on 64-bit kernels. */
#define DRM_FILE_PAGE_OFFSET_START ((0xFFFFFFFFUL >> PAGE_SHIFT) + 1)
/** DRM_FILE_PAGE_OFFSET_SIZE - pages of fake offset space per device. */
#define DRM_FILE_PAGE_OFFSET_SIZE ((0xFFFFFFFFUL >> PAGE_SHIFT) * 256)

/** enum drm_gem_object_status - what drm_show_memory_stats() asks an object. */
enum drm_gem_object_status {
	DRM_GEM_OBJECT_RESIDENT = 1U << 0,
	DRM_GEM_OBJECT_PURGEABLE = 1U << 1,
};

/** struct drm_gem_object_funcs - what an object type does; all optional but @free. */
struct drm_gem_object_funcs {
	/** @free: release the object's memory (after drm_gem_object_release()). */
	void (*free)(struct drm_gem_object *obj);
	/** @open: a handle to the object was made in @file; non-zero fails the handle. */
	int (*open)(struct drm_gem_object *obj, struct drm_file *file);
	/** @close: a handle of @file went away. */
	void (*close)(struct drm_gem_object *obj, struct drm_file *file);
	/** @status: residency for fdinfo (without it only total/shared/active are printed). */
	enum drm_gem_object_status (*status)(struct drm_gem_object *obj);
	/** @rss: bytes resident, when not the whole object. */
	size_t (*rss)(struct drm_gem_object *obj);
	/**
	 * @mmap: say what backs a mapping (vma->map_fd/map_offset); the default maps the
	 * object's memfd from its start.
	 */
	int (*mmap)(struct drm_gem_object *obj, struct vm_area_struct *vma);
	/** @export: make the PRIME buffer (default drm_gem_prime_export()). */
	struct dma_buf *(*export)(struct drm_gem_object *obj, int flags);
};

/** struct drm_vma_offset_file - a file allowed to map an object, with its handle count. */
struct drm_vma_offset_file {
	struct drm_file *file;
	unsigned int count;
	struct drm_vma_offset_file *next;
};

/**
 * struct drm_vma_offset_node - an object's place in the device's fake offset space.
 * Guarded by the device's vma_offset_lock.
 */
struct drm_vma_offset_node {
	/** @start: first page of the range, 0 while no offset was made. */
	unsigned long start;
	unsigned long pages;
	/** @next: the device's nodes, sorted by @start. */
	struct drm_vma_offset_node *next;
	/** @allowed: the files that hold a handle (drm_vma_node_is_allowed()). */
	struct drm_vma_offset_file *allowed;
};

/**
 * struct drm_gem_object - a GEM buffer object.
 *
 * @refcount is atomic. @handle_count, @name and @dma_buf are guarded by the device's
 * object_name_lock (@handle_count and @dma_buf are written with atomic stores, for the
 * lockless snapshot of drm_show_memory_stats()); @vma_node by the device's vma_offset_lock. @dev, @size, @filp, @funcs
 * and @import_attach are constant after initialisation.
 */
struct drm_gem_object {
	struct kref refcount;
	unsigned int handle_count;
	struct drm_device *dev;
	/** @filp: the memfd holding the object's pages, or -1 for a private object. */
	int filp;
	/**
	 * @filp_escaped: the memfd left the core's hands (exported, or mapped by another
	 * process): it must never be reused for another object.
	 */
	atomic_bool filp_escaped;
	size_t size;
	/** @name: the flink name, 0 if none. */
	int name;
	/** @dma_buf: the PRIME buffer cached while the object has handles (one reference). */
	struct dma_buf *dma_buf;
	/** @import_attach: the buffer this object was imported from (one reference), or NULL. */
	struct dma_buf *import_attach;
	struct drm_vma_offset_node vma_node;
	const struct drm_gem_object_funcs *funcs;
};

/** drm_gem_object_init() - initialise @obj of @size bytes backed by a new memfd. */
int drm_gem_object_init(struct drm_device *dev, struct drm_gem_object *obj, size_t size);
/** drm_gem_private_object_init() - initialise @obj without memory (the caller sets @filp). */
void drm_gem_private_object_init(struct drm_device *dev, struct drm_gem_object *obj, size_t size);
/** drm_gem_object_release() - undo the init: offset, memfd, device reference. */
void drm_gem_object_release(struct drm_gem_object *obj);

/** drm_gem_object_get() - take a reference. */
static inline void drm_gem_object_get(struct drm_gem_object *obj)
{
	kref_get(&obj->refcount);
}
/** drm_gem_object_free() - kref release of an object (for kref_put()). */
void drm_gem_object_free(struct kref *kref);
/** drm_gem_object_put() - drop a reference; the last frees the object. Never call it holding the vma_offset_lock. */
static inline void drm_gem_object_put(struct drm_gem_object *obj)
{
	if (obj)
		kref_put(&obj->refcount, drm_gem_object_free);
}

/** drm_gem_handle_create() - a new handle for @obj in @file (the lowest free from 1). */
int drm_gem_handle_create(struct drm_file *file, struct drm_gem_object *obj, uint32_t *handlep);
/** drm_gem_handle_delete() - remove @handle from @file; -EINVAL if it names nothing. */
int drm_gem_handle_delete(struct drm_file *file, uint32_t handle);
/** drm_gem_object_lookup() - the object of @handle with a reference, or NULL. */
struct drm_gem_object *drm_gem_object_lookup(struct drm_file *file, uint32_t handle);

/** drm_gem_create_mmap_offset() - give @obj its fake offset (once; later calls keep it). */
int drm_gem_create_mmap_offset(struct drm_gem_object *obj);
/** drm_gem_free_mmap_offset() - give the offset back. */
void drm_gem_free_mmap_offset(struct drm_gem_object *obj);
/** drm_vma_node_offset_addr() - the fake offset of @obj in bytes, 0 if none was made. */
uint64_t drm_vma_node_offset_addr(struct drm_gem_object *obj);
/** drm_vma_node_is_allowed() - @file holds a handle to @obj. */
bool drm_vma_node_is_allowed(struct drm_gem_object *obj, struct drm_file *file);
/** drm_gem_mmap() - the mmap of GEM device files: find the object by fake offset. */
int drm_gem_mmap(struct file *filp, struct vm_area_struct *vma);
/** drm_gem_mmap_obj() - map @obj (of @obj_size bytes) for @vma; the mapping holds a reference. */
int drm_gem_mmap_obj(struct drm_gem_object *obj, size_t obj_size, struct vm_area_struct *vma);

/** drm_gem_dumb_map_offset() - MAP_DUMB's default: the fake offset of a handle's object. */
int drm_gem_dumb_map_offset(struct drm_file *file, struct drm_device *dev, uint32_t handle,
			    uint64_t *offset);

/**
 * drm_show_memory_stats() - print the fdinfo memory keys of @file's objects
 * (drm-total-memory, drm-shared-memory, drm-active-memory and, when the objects report
 * their status, drm-resident-memory and drm-purgeable-memory), as Linux 6.12 does.
 */
void drm_show_memory_stats(struct seq_file *m, struct drm_file *file);

/** drm_gem_debugfs_init() - the device's debugfs "gem_objects" file (at registration). */
void drm_gem_debugfs_init(struct drm_device *dev);
/** drm_gem_objects_live() - objects of @dev not yet freed (statistics and tests). */
unsigned int drm_gem_objects_live(struct drm_device *dev);

/* Core-internal: per-device and per-file GEM state (drm_dev_init, drm_file_alloc/free). */
/** drm_gem_init() - set up @dev's name table and offset space. */
void drm_gem_init(struct drm_device *dev);
/** drm_gem_destroy() - free what drm_gem_init() set up. */
void drm_gem_destroy(struct drm_device *dev);
/** drm_gem_open() - a file of a GEM device starts with no handles. */
void drm_gem_open(struct drm_device *dev, struct drm_file *file);
/** drm_gem_release() - close every handle @file still holds. */
void drm_gem_release(struct drm_device *dev, struct drm_file *file);

#endif

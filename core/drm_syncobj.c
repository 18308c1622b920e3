// SPDX-License-Identifier: MIT
/*
 * Sync objects and their ioctls, with the errors of Linux 6.12's drm_syncobj.c for every bad
 * input: the checks run in the kernel's order so that an argument with several faults gets
 * the same answer.
 *
 * Lock order: syncobj->lock, then a fence's lock (dma_fence_add_callback() under the
 * syncobj lock). Fence callbacks run without the fence lock and never take a syncobj lock.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <accel/cred.h>
#include <accel/drm_drv.h>
#include <accel/drm_file.h>
#include <accel/drm_syncobj.h>
#include <accel/fd.h>
#include <accel/sync_file.h>
#include <accel/uaccess.h>
#include <accel/wait.h>
#include <uapi/drm/drm_ext.h>
#include "drm_syncobj_ioctls.h"

/* The largest array kmalloc_array() gives in the kernel (4 MiB): larger counts are -ENOMEM. */
#define SYNCOBJ_KMALLOC_MAX (4u << 20)
/* Handles a daemon client marshals with one request. */
#define SYNCOBJ_MARSHAL_MAX (SYNCOBJ_KMALLOC_MAX / sizeof(uint64_t))

/* ---- waiters ---- */

/*
 * struct syncobj_wait_entry - one syncobj of a wait. @node is on the syncobj's cb_list
 * (under its lock) until a fence for @point arrives; @fence is then set under that lock and
 * read by the waiter atomically.
 */
struct syncobj_wait_entry {
	struct list_head node;
	bool on_list;
	struct waiter *waiter;
	struct dma_fence *_Atomic fence;
	struct dma_fence_cb fence_cb;
	uint64_t point;
};

/*
 * struct syncobj_eventfd_entry - an eventfd registration. On the syncobj's ev_fd_list
 * (under its lock) until its point has a fence; then owned by the fence callback, which
 * signals @evfd and frees the entry.
 */
struct syncobj_eventfd_entry {
	struct list_head node;
	struct dma_fence *fence;
	struct dma_fence_cb fence_cb;
	int evfd;
	uint64_t point;
	uint32_t flags;
};

static void syncobj_wait_syncobj_func(struct drm_syncobj *syncobj, struct syncobj_wait_entry *wait);
static void syncobj_eventfd_entry_func(struct drm_syncobj *syncobj,
				       struct syncobj_eventfd_entry *entry);

/* Tell waiters and eventfds that the fence changed; called with syncobj->lock held. */
static void syncobj_notify_locked(struct drm_syncobj *syncobj)
{
	struct syncobj_wait_entry *wait, *wait_next;
	struct syncobj_eventfd_entry *entry, *entry_next;

	/* Both may take the entry off the list, and an eventfd entry may be freed. */
	list_for_each_entry_safe(wait, wait_next, &syncobj->cb_list, node)
		syncobj_wait_syncobj_func(syncobj, wait);
	list_for_each_entry_safe(entry, entry_next, &syncobj->ev_fd_list, node)
		syncobj_eventfd_entry_func(syncobj, entry);
}

struct dma_fence *drm_syncobj_fence_get(struct drm_syncobj *syncobj)
{
	struct dma_fence *fence;

	pthread_mutex_lock(&syncobj->lock);
	fence = dma_fence_get(syncobj->fence);
	pthread_mutex_unlock(&syncobj->lock);
	return fence;
}

struct drm_syncobj *drm_syncobj_find(struct drm_file *file, uint32_t handle)
{
	struct drm_syncobj *syncobj;

	if (handle > INT_MAX)
		return NULL;
	pthread_mutex_lock(&file->syncobj_table_lock);
	syncobj = idr_find(&file->syncobj_idr, (int)handle);
	if (syncobj)
		drm_syncobj_get(syncobj);
	pthread_mutex_unlock(&file->syncobj_table_lock);
	return syncobj;
}

static void drm_syncobj_fence_add_wait(struct drm_syncobj *syncobj, struct syncobj_wait_entry *wait)
{
	struct dma_fence *fence;

	if (atomic_load(&wait->fence))
		return;
	pthread_mutex_lock(&syncobj->lock);
	/* Look again under the lock: a fence may have arrived since the caller's look. */
	fence = dma_fence_get(syncobj->fence);
	if (!fence || dma_fence_chain_find_seqno(&fence, wait->point)) {
		dma_fence_put(fence);
		list_add_tail(&wait->node, &syncobj->cb_list);
		wait->on_list = true;
	} else if (!fence) {
		atomic_store(&wait->fence, dma_fence_get_stub());
	} else {
		atomic_store(&wait->fence, fence);
	}
	pthread_mutex_unlock(&syncobj->lock);
}

static void drm_syncobj_remove_wait(struct drm_syncobj *syncobj, struct syncobj_wait_entry *wait)
{
	if (!wait->on_list)
		return;
	pthread_mutex_lock(&syncobj->lock);
	list_del_init(&wait->node);
	pthread_mutex_unlock(&syncobj->lock);
}

static void syncobj_eventfd_signal(int evfd)
{
	uint64_t one = 1;

	if (write(evfd, &one, sizeof(one)) != sizeof(one))
		return; /* a full counter: the kernel saturates it in the same case */
}

static void syncobj_eventfd_entry_free(struct syncobj_eventfd_entry *entry)
{
	close(entry->evfd);
	dma_fence_put(entry->fence);
	free(entry);
}

static void syncobj_eventfd_entry_fence_func(struct dma_fence *fence, struct dma_fence_cb *cb)
{
	struct syncobj_eventfd_entry *entry = container_of(cb, struct syncobj_eventfd_entry, fence_cb);

	(void)fence;
	syncobj_eventfd_signal(entry->evfd);
	syncobj_eventfd_entry_free(entry);
}

/* Called with syncobj->lock held: arm the entry once its point has a fence. */
static void syncobj_eventfd_entry_func(struct drm_syncobj *syncobj,
				       struct syncobj_eventfd_entry *entry)
{
	struct dma_fence *fence = dma_fence_get(syncobj->fence);

	if (!fence)
		return;
	if (dma_fence_chain_find_seqno(&fence, entry->point)) {
		dma_fence_put(fence); /* not submitted yet */
		return;
	}
	/* Found but NULL: the point signalled and a later one was submitted. */
	if (!fence)
		fence = dma_fence_get_stub();
	list_del_init(&entry->node);
	entry->fence = fence;
	if (entry->flags & DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE) {
		syncobj_eventfd_signal(entry->evfd);
		syncobj_eventfd_entry_free(entry);
	} else if (dma_fence_add_callback(fence, &entry->fence_cb,
					  syncobj_eventfd_entry_fence_func) == -ENOENT) {
		syncobj_eventfd_signal(entry->evfd);
		syncobj_eventfd_entry_free(entry);
	}
}

void drm_syncobj_add_point(struct drm_syncobj *syncobj, struct dma_fence_chain *chain,
			   struct dma_fence *fence, uint64_t point)
{
	struct dma_fence *prev, *iter;

	dma_fence_get(fence);
	pthread_mutex_lock(&syncobj->lock);
	prev = dma_fence_get(syncobj->fence);
	/* The chain takes over the syncobj's reference of @prev and ours of @fence. */
	dma_fence_chain_init(chain, syncobj->fence, fence, point);
	syncobj->fence = &chain->base;
	syncobj_notify_locked(syncobj);
	pthread_mutex_unlock(&syncobj->lock);

	/* One walk drops the signalled points from the chain. */
	dma_fence_chain_for_each(iter, prev)
		;
	dma_fence_put(prev);
}

void drm_syncobj_replace_fence(struct drm_syncobj *syncobj, struct dma_fence *fence)
{
	struct dma_fence *old_fence;

	dma_fence_get(fence);
	pthread_mutex_lock(&syncobj->lock);
	old_fence = syncobj->fence;
	syncobj->fence = fence;
	if (fence != old_fence)
		syncobj_notify_locked(syncobj);
	pthread_mutex_unlock(&syncobj->lock);
	dma_fence_put(old_fence);
}

static int drm_syncobj_assign_null_handle(struct drm_syncobj *syncobj)
{
	struct dma_fence *fence = dma_fence_allocate_private_stub(ktime_get());

	if (!fence)
		return -ENOMEM;
	drm_syncobj_replace_fence(syncobj, fence);
	dma_fence_put(fence);
	return 0;
}

int drm_syncobj_find_fence(struct drm_file *file, uint32_t handle, uint64_t point,
			   uint64_t flags, struct dma_fence **fence)
{
	struct drm_syncobj *syncobj = drm_syncobj_find(file, handle);
	struct syncobj_wait_entry wait;
	struct waiter waiter;
	ktime_t deadline;
	int ret;

	if (!syncobj)
		return -ENOENT;
	if (flags & ~(uint64_t)DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT) {
		ret = -EINVAL;
		goto out;
	}
	*fence = drm_syncobj_fence_get(syncobj);
	if (*fence) {
		ret = dma_fence_chain_find_seqno(fence, point);
		if (!ret) {
			/* The point signalled and left the chain: any signalled fence will do. */
			if (!*fence)
				*fence = dma_fence_get_stub();
			goto out;
		}
		dma_fence_put(*fence);
	} else {
		ret = -EINVAL;
	}
	*fence = NULL;
	if (!(flags & DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT))
		goto out;

	memset(&wait, 0, sizeof(wait));
	waiter_init(&waiter);
	wait.waiter = &waiter;
	wait.point = point;
	drm_syncobj_fence_add_wait(syncobj, &wait);
	deadline = ktime_deadline_ns(DRM_SYNCOBJ_WAIT_FOR_SUBMIT_TIMEOUT_NS);
	for (;;) {
		if (atomic_load(&wait.fence)) {
			ret = 0;
			break;
		}
		ret = waiter_sleep(&waiter, deadline, true);
		if (ret < 0)
			break;
		if (!ret && !atomic_load(&wait.fence)) {
			ret = -ETIME;
			break;
		}
	}
	drm_syncobj_remove_wait(syncobj, &wait);
	*fence = atomic_load(&wait.fence);
	waiter_fini(&waiter);
out:
	drm_syncobj_put(syncobj);
	return ret;
}

/* ---- opaque descriptors ---- */

/*
 * struct syncobj_file - an exported syncobj. @key names the pipe, @wfd is the core's end,
 * @syncobj a reference; all constant while in the table. @next is guarded by
 * syncobj_files_lock.
 */
struct syncobj_file {
	uint64_t key;
	int wfd;
	struct drm_syncobj *syncobj;
	struct syncobj_file *next;
};

static pthread_mutex_t syncobj_files_lock = PTHREAD_MUTEX_INITIALIZER;
static struct syncobj_file *syncobj_files;

/* Unlink the exports whose descriptors are all closed; called with the table lock held. */
static struct syncobj_file *syncobj_files_collect_locked(void)
{
	struct syncobj_file **pp = &syncobj_files, *dead = NULL, *sf;

	while ((sf = *pp)) {
		struct pollfd p = { .fd = sf->wfd, .events = POLLOUT };

		if (poll(&p, 1, 0) == 1 && (p.revents & POLLERR)) {
			*pp = sf->next;
			sf->next = dead;
			dead = sf;
		} else {
			pp = &sf->next;
		}
	}
	return dead;
}

static void syncobj_files_free(struct syncobj_file *dead)
{
	struct syncobj_file *next;

	for (; dead; dead = next) {
		next = dead->next;
		close(dead->wfd);
		drm_syncobj_put(dead->syncobj);
		free(dead);
	}
}

int drm_syncobj_get_fd(struct drm_syncobj *syncobj, int *p_fd)
{
	struct syncobj_file *sf, *dead;
	int p[2], fd;

	sf = calloc(1, sizeof(*sf));
	if (!sf)
		return -ENOMEM;
	if (pipe2(p, O_CLOEXEC)) {
		int err = -errno;

		free(sf);
		return err;
	}
	/*
	 * A kernel syncobj file has no poll method, so it polls readable: one byte, never
	 * read by the core, gives the pipe the same answer.
	 */
	if (write(p[1], "o", 1) != 1) {
		int err = -errno;

		close(p[0]);
		close(p[1]);
		free(sf);
		return err;
	}
	sf->key = fd_inode_key(p[0]);
	sf->wfd = p[1];
	drm_syncobj_get(syncobj);
	sf->syncobj = syncobj;
	pthread_mutex_lock(&syncobj_files_lock);
	dead = syncobj_files_collect_locked();
	sf->next = syncobj_files;
	syncobj_files = sf;
	pthread_mutex_unlock(&syncobj_files_lock);
	syncobj_files_free(dead);

	/* On failure the read end is closed and the next sweep drops the entry. */
	fd = fd_install_user(p[0], O_CLOEXEC);
	if (fd < 0)
		return fd;
	*p_fd = fd;
	return 0;
}

/* The syncobj of the caller's opaque descriptor @ufd with a reference, or NULL. */
static struct drm_syncobj *drm_syncobj_of_user_fd(int ufd)
{
	struct drm_syncobj *syncobj = NULL;
	struct syncobj_file *sf, *dead;
	uint64_t key;
	int fd = fd_get_user(ufd);

	if (fd < 0)
		return NULL;
	key = fd_inode_key(fd);
	close(fd);
	if (!key)
		return NULL;
	pthread_mutex_lock(&syncobj_files_lock);
	dead = syncobj_files_collect_locked();
	for (sf = syncobj_files; sf; sf = sf->next) {
		if (sf->key == key) {
			syncobj = sf->syncobj;
			drm_syncobj_get(syncobj);
			break;
		}
	}
	pthread_mutex_unlock(&syncobj_files_lock);
	syncobj_files_free(dead);
	return syncobj;
}

unsigned int drm_syncobj_fd_count(void)
{
	struct syncobj_file *sf, *dead;
	unsigned int n = 0;

	pthread_mutex_lock(&syncobj_files_lock);
	dead = syncobj_files_collect_locked();
	for (sf = syncobj_files; sf; sf = sf->next)
		n++;
	pthread_mutex_unlock(&syncobj_files_lock);
	syncobj_files_free(dead);
	return n;
}

/* ---- lifetime and handles ---- */

void drm_syncobj_free(struct kref *kref)
{
	struct drm_syncobj *syncobj = container_of(kref, struct drm_syncobj, refcount);
	struct syncobj_eventfd_entry *entry, *next;

	drm_syncobj_replace_fence(syncobj, NULL);
	/* Eventfds whose point never came: nothing will signal them any more. */
	list_for_each_entry_safe(entry, next, &syncobj->ev_fd_list, node) {
		list_del_init(&entry->node);
		syncobj_eventfd_entry_free(entry);
	}
	pthread_mutex_destroy(&syncobj->lock);
	free(syncobj);
}

int drm_syncobj_create(struct drm_syncobj **out_syncobj, uint32_t flags, struct dma_fence *fence)
{
	struct drm_syncobj *syncobj;
	int ret;

	syncobj = calloc(1, sizeof(*syncobj));
	if (!syncobj)
		return -ENOMEM;
	kref_init(&syncobj->refcount);
	pthread_mutex_init(&syncobj->lock, NULL);
	INIT_LIST_HEAD(&syncobj->cb_list);
	INIT_LIST_HEAD(&syncobj->ev_fd_list);
	if (flags & DRM_SYNCOBJ_CREATE_SIGNALED) {
		ret = drm_syncobj_assign_null_handle(syncobj);
		if (ret < 0) {
			drm_syncobj_put(syncobj);
			return ret;
		}
	}
	if (fence)
		drm_syncobj_replace_fence(syncobj, fence);
	*out_syncobj = syncobj;
	return 0;
}

int drm_syncobj_get_handle(struct drm_file *file, struct drm_syncobj *syncobj, uint32_t *handle)
{
	int ret;

	drm_syncobj_get(syncobj); /* the table's reference */
	pthread_mutex_lock(&file->syncobj_table_lock);
	ret = idr_alloc(&file->syncobj_idr, syncobj, 1);
	pthread_mutex_unlock(&file->syncobj_table_lock);
	if (ret < 0) {
		drm_syncobj_put(syncobj);
		return ret;
	}
	*handle = (uint32_t)ret;
	return 0;
}

static int drm_syncobj_create_as_handle(struct drm_file *file, uint32_t *handle, uint32_t flags)
{
	struct drm_syncobj *syncobj;
	int ret;

	ret = drm_syncobj_create(&syncobj, flags, NULL);
	if (ret)
		return ret;
	ret = drm_syncobj_get_handle(file, syncobj, handle);
	drm_syncobj_put(syncobj);
	return ret;
}

static int drm_syncobj_destroy(struct drm_file *file, uint32_t handle)
{
	struct drm_syncobj *syncobj = NULL;

	pthread_mutex_lock(&file->syncobj_table_lock);
	if (handle <= INT_MAX)
		syncobj = idr_remove(&file->syncobj_idr, (int)handle);
	pthread_mutex_unlock(&file->syncobj_table_lock);
	if (!syncobj)
		return -EINVAL;
	drm_syncobj_put(syncobj);
	return 0;
}

void drm_syncobj_open(struct drm_file *file)
{
	idr_init(&file->syncobj_idr);
	pthread_mutex_init(&file->syncobj_table_lock, NULL);
}

void drm_syncobj_release(struct drm_file *file)
{
	struct drm_syncobj *syncobj;
	int id;

	/* The file is going away: nobody else can reach its table. */
	idr_for_each_entry(&file->syncobj_idr, syncobj, id)
		drm_syncobj_put(syncobj);
	idr_destroy(&file->syncobj_idr);
	pthread_mutex_destroy(&file->syncobj_table_lock);
}

/* ---- ioctls ---- */

int drm_syncobj_create_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_syncobj_create *args = data;

	if (!drm_core_check_feature(dev, DRIVER_SYNCOBJ))
		return -EOPNOTSUPP;
	if (args->flags & ~DRM_SYNCOBJ_CREATE_SIGNALED)
		return -EINVAL;
	return drm_syncobj_create_as_handle(file, &args->handle, args->flags);
}

int drm_syncobj_destroy_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_syncobj_destroy *args = data;

	if (!drm_core_check_feature(dev, DRIVER_SYNCOBJ))
		return -EOPNOTSUPP;
	if (args->pad)
		return -EINVAL;
	return drm_syncobj_destroy(file, args->handle);
}

static int drm_syncobj_handle_to_fd(struct drm_file *file, uint32_t handle, int *p_fd)
{
	struct drm_syncobj *syncobj = drm_syncobj_find(file, handle);
	int ret;

	if (!syncobj)
		return -EINVAL;
	ret = drm_syncobj_get_fd(syncobj, p_fd);
	drm_syncobj_put(syncobj);
	return ret;
}

static int drm_syncobj_fd_to_handle(struct drm_file *file, int fd, uint32_t *handle)
{
	struct drm_syncobj *syncobj = drm_syncobj_of_user_fd(fd);
	int ret;

	if (!syncobj)
		return -EINVAL;
	/* The lookup's reference becomes the table's. */
	pthread_mutex_lock(&file->syncobj_table_lock);
	ret = idr_alloc(&file->syncobj_idr, syncobj, 1);
	pthread_mutex_unlock(&file->syncobj_table_lock);
	if (ret > 0) {
		*handle = (uint32_t)ret;
		ret = 0;
	} else {
		drm_syncobj_put(syncobj);
	}
	return ret;
}

static int drm_syncobj_import_sync_file_fence(struct drm_file *file, int fd, uint32_t handle)
{
	struct dma_fence *fence = sync_file_get_fence(fd);
	struct drm_syncobj *syncobj;

	if (!fence)
		return -EINVAL;
	syncobj = drm_syncobj_find(file, handle);
	if (!syncobj) {
		dma_fence_put(fence);
		return -ENOENT;
	}
	drm_syncobj_replace_fence(syncobj, fence);
	dma_fence_put(fence);
	drm_syncobj_put(syncobj);
	return 0;
}

static int drm_syncobj_export_sync_file(struct drm_file *file, uint32_t handle, int *p_fd)
{
	struct dma_fence *fence;
	int ret, fd;

	ret = drm_syncobj_find_fence(file, handle, 0, 0, &fence);
	if (ret)
		return ret;
	fd = sync_file_install(fence, O_CLOEXEC);
	dma_fence_put(fence);
	if (fd < 0)
		return fd;
	*p_fd = fd;
	return 0;
}

int drm_syncobj_handle_to_fd_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_syncobj_handle *args = data;

	if (!drm_core_check_feature(dev, DRIVER_SYNCOBJ))
		return -EOPNOTSUPP;
	if (args->pad)
		return -EINVAL;
	if (args->flags != 0 && args->flags != DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE)
		return -EINVAL;
	if (args->flags & DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE)
		return drm_syncobj_export_sync_file(file, args->handle, &args->fd);
	return drm_syncobj_handle_to_fd(file, args->handle, &args->fd);
}

int drm_syncobj_fd_to_handle_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_syncobj_handle *args = data;

	if (!drm_core_check_feature(dev, DRIVER_SYNCOBJ))
		return -EOPNOTSUPP;
	if (args->pad)
		return -EINVAL;
	if (args->flags != 0 && args->flags != DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE)
		return -EINVAL;
	if (args->flags & DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE)
		return drm_syncobj_import_sync_file_fence(file, args->fd, args->handle);
	return drm_syncobj_fd_to_handle(file, args->fd, &args->handle);
}

static int drm_syncobj_transfer_to_timeline(struct drm_file *file, struct drm_syncobj_transfer *args)
{
	struct drm_syncobj *timeline_syncobj;
	struct dma_fence_chain *chain;
	struct dma_fence *fence;
	int ret;

	timeline_syncobj = drm_syncobj_find(file, args->dst_handle);
	if (!timeline_syncobj)
		return -ENOENT;
	ret = drm_syncobj_find_fence(file, args->src_handle, args->src_point, args->flags, &fence);
	if (ret)
		goto err_put_timeline;
	/*
	 * The kernel flattens the source (dma_fence_unwrap_merge()) into the fences still
	 * pending; carrying the source point itself signals at the same moment.
	 */
	chain = dma_fence_chain_alloc();
	if (!chain) {
		ret = -ENOMEM;
		goto err_free_fence;
	}
	drm_syncobj_add_point(timeline_syncobj, chain, fence, args->dst_point);
err_free_fence:
	dma_fence_put(fence);
err_put_timeline:
	drm_syncobj_put(timeline_syncobj);
	return ret;
}

static int drm_syncobj_transfer_to_binary(struct drm_file *file, struct drm_syncobj_transfer *args)
{
	struct drm_syncobj *binary_syncobj;
	struct dma_fence *fence;
	int ret;

	binary_syncobj = drm_syncobj_find(file, args->dst_handle);
	if (!binary_syncobj)
		return -ENOENT;
	ret = drm_syncobj_find_fence(file, args->src_handle, args->src_point, args->flags, &fence);
	if (!ret) {
		drm_syncobj_replace_fence(binary_syncobj, fence);
		dma_fence_put(fence);
	}
	drm_syncobj_put(binary_syncobj);
	return ret;
}

int drm_syncobj_transfer_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_syncobj_transfer *args = data;

	if (!drm_core_check_feature(dev, DRIVER_SYNCOBJ_TIMELINE))
		return -EOPNOTSUPP;
	if (args->pad)
		return -EINVAL;
	if (args->dst_point)
		return drm_syncobj_transfer_to_timeline(file, args);
	return drm_syncobj_transfer_to_binary(file, args);
}

static void syncobj_wait_fence_func(struct dma_fence *fence, struct dma_fence_cb *cb)
{
	struct syncobj_wait_entry *wait = container_of(cb, struct syncobj_wait_entry, fence_cb);

	(void)fence;
	waiter_wake(wait->waiter);
}

/* Called with syncobj->lock held: hand the waiter the fence of its point once submitted. */
static void syncobj_wait_syncobj_func(struct drm_syncobj *syncobj, struct syncobj_wait_entry *wait)
{
	struct dma_fence *fence = dma_fence_get(syncobj->fence);

	if (!fence || dma_fence_chain_find_seqno(&fence, wait->point)) {
		dma_fence_put(fence);
		return;
	}
	atomic_store(&wait->fence, fence ?: dma_fence_get_stub());
	list_del_init(&wait->node);
	waiter_wake(wait->waiter);
}

/* The absolute deadline of @timeout_nsec, or 0 to only look (0, or a time already past). */
static ktime_t drm_syncobj_deadline(int64_t timeout_nsec)
{
	if (timeout_nsec == 0 || timeout_nsec <= ktime_get())
		return 0;
	return timeout_nsec;
}

/*
 * Wait for @count syncobjs at @points (NULL: 0 each); returns 0 or -errno, and the first
 * signalled index in *@idx where the kernel reports one.
 */
static int drm_syncobj_array_wait_timeout(struct drm_syncobj **syncobjs, const void __user *user_points,
					  uint32_t count, uint32_t flags, ktime_t deadline,
					  uint32_t *idx, const ktime_t *fence_deadline)
{
	const uint32_t submit_flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT |
				      DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE;
	struct syncobj_wait_entry *entries;
	struct waiter waiter;
	uint32_t signaled_count, i;
	struct dma_fence *fence;
	uint64_t *points;
	int ret = 0;

	if ((uint64_t)count * sizeof(*points) > SYNCOBJ_KMALLOC_MAX)
		return -ENOMEM;
	points = calloc(count, sizeof(*points));
	if (!points)
		return -ENOMEM;
	if (user_points && copy_from_user(points, user_points, sizeof(*points) * count)) {
		ret = -EFAULT;
		goto err_free_points;
	}
	entries = calloc(count, sizeof(*entries));
	if (!entries) {
		ret = -ENOMEM;
		goto err_free_points;
	}
	waiter_init(&waiter);

	/*
	 * Look at every syncobj first, so that a missing fence is -EINVAL before any waiting
	 * (and never later).
	 */
	signaled_count = 0;
	for (i = 0; i < count; ++i) {
		entries[i].waiter = &waiter;
		entries[i].point = points[i];
		fence = drm_syncobj_fence_get(syncobjs[i]);
		if (!fence || dma_fence_chain_find_seqno(&fence, points[i])) {
			dma_fence_put(fence);
			if (flags & submit_flags)
				continue;
			ret = -EINVAL;
			goto cleanup_entries;
		}
		atomic_store(&entries[i].fence, fence ?: dma_fence_get_stub());
		if ((flags & DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE) ||
		    dma_fence_is_signaled(atomic_load(&entries[i].fence))) {
			if (signaled_count == 0 && idx)
				*idx = i;
			signaled_count++;
		}
	}
	if (signaled_count == count ||
	    (signaled_count > 0 && !(flags & DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL)))
		goto cleanup_entries;

	if (flags & submit_flags) {
		for (i = 0; i < count; ++i)
			drm_syncobj_fence_add_wait(syncobjs[i], &entries[i]);
	}
	if (fence_deadline) {
		for (i = 0; i < count; ++i) {
			fence = atomic_load(&entries[i].fence);
			if (fence)
				dma_fence_set_deadline(fence, *fence_deadline);
		}
	}

	for (;;) {
		signaled_count = 0;
		for (i = 0; i < count; ++i) {
			fence = atomic_load(&entries[i].fence);
			if (!fence)
				continue;
			if ((flags & DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE) ||
			    dma_fence_is_signaled(fence) ||
			    (!entries[i].fence_cb.func &&
			     dma_fence_add_callback(fence, &entries[i].fence_cb, syncobj_wait_fence_func))) {
				if (flags & DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL) {
					signaled_count++;
				} else {
					if (idx)
						*idx = i;
					goto cleanup_entries;
				}
			}
		}
		if (signaled_count == count)
			break;
		if (!deadline) {
			ret = -ETIME;
			break;
		}
		/* Past the deadline: one last look, as the kernel's timeout reaching 0 gives. */
		ret = waiter_sleep(&waiter, deadline, true);
		if (ret < 0)
			break;
		if (!ret)
			deadline = 0;
		ret = 0;
	}

cleanup_entries:
	for (i = 0; i < count; ++i) {
		drm_syncobj_remove_wait(syncobjs[i], &entries[i]);
		fence = atomic_load(&entries[i].fence);
		if (entries[i].fence_cb.func)
			dma_fence_remove_callback(fence, &entries[i].fence_cb);
		dma_fence_put(fence);
	}
	waiter_fini(&waiter);
	free(entries);
err_free_points:
	free(points);
	return ret;
}

static int drm_syncobj_array_find(struct drm_file *file, const void __user *user_handles,
				  uint32_t count_handles, struct drm_syncobj ***syncobjs_out)
{
	struct drm_syncobj **syncobjs;
	uint32_t i, *handles;
	int ret;

	if ((uint64_t)count_handles * sizeof(*handles) > SYNCOBJ_KMALLOC_MAX)
		return -ENOMEM;
	handles = calloc(count_handles, sizeof(*handles));
	if (!handles)
		return -ENOMEM;
	if (copy_from_user(handles, user_handles, sizeof(uint32_t) * count_handles)) {
		ret = -EFAULT;
		goto err_free_handles;
	}
	if ((uint64_t)count_handles * sizeof(*syncobjs) > SYNCOBJ_KMALLOC_MAX) {
		ret = -ENOMEM;
		goto err_free_handles;
	}
	syncobjs = calloc(count_handles, sizeof(*syncobjs));
	if (!syncobjs) {
		ret = -ENOMEM;
		goto err_free_handles;
	}
	for (i = 0; i < count_handles; i++) {
		syncobjs[i] = drm_syncobj_find(file, handles[i]);
		if (!syncobjs[i]) {
			ret = -ENOENT;
			goto err_put_syncobjs;
		}
	}
	free(handles);
	*syncobjs_out = syncobjs;
	return 0;

err_put_syncobjs:
	while (i-- > 0)
		drm_syncobj_put(syncobjs[i]);
	free(syncobjs);
err_free_handles:
	free(handles);
	return ret;
}

static void drm_syncobj_array_free(struct drm_syncobj **syncobjs, uint32_t count)
{
	uint32_t i;

	for (i = 0; i < count; i++)
		drm_syncobj_put(syncobjs[i]);
	free(syncobjs);
}

int drm_syncobj_wait_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_syncobj_wait_6_12 *args = data;
	struct drm_syncobj **syncobjs;
	uint32_t first = ~0u;
	ktime_t t, *tp = NULL;
	int ret;

	if (!drm_core_check_feature(dev, DRIVER_SYNCOBJ))
		return -EOPNOTSUPP;
	if (args->flags & ~(DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL | DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT |
			     DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE))
		return -EINVAL;
	if (args->count_handles == 0)
		return 0;
	ret = drm_syncobj_array_find(file, u64_to_user_ptr(args->handles), args->count_handles,
				     &syncobjs);
	if (ret < 0)
		return ret;
	if (args->flags & DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE) {
		t = (ktime_t)args->deadline_nsec;
		tp = &t;
	}
	ret = drm_syncobj_array_wait_timeout(syncobjs, NULL, args->count_handles, args->flags,
					     drm_syncobj_deadline(args->timeout_nsec), &first, tp);
	if (!ret)
		args->first_signaled = first;
	drm_syncobj_array_free(syncobjs, args->count_handles);
	return ret;
}

int drm_syncobj_timeline_wait_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_syncobj_timeline_wait_6_12 *args = data;
	struct drm_syncobj **syncobjs;
	uint32_t first = ~0u;
	ktime_t t, *tp = NULL;
	int ret;

	if (!drm_core_check_feature(dev, DRIVER_SYNCOBJ_TIMELINE))
		return -EOPNOTSUPP;
	if (args->flags & ~(DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL | DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT |
			     DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE | DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE))
		return -EINVAL;
	if (args->count_handles == 0)
		return 0;
	ret = drm_syncobj_array_find(file, u64_to_user_ptr(args->handles), args->count_handles,
				     &syncobjs);
	if (ret < 0)
		return ret;
	if (args->flags & DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE) {
		t = (ktime_t)args->deadline_nsec;
		tp = &t;
	}
	ret = drm_syncobj_array_wait_timeout(syncobjs, u64_to_user_ptr(args->points),
					     args->count_handles, args->flags,
					     drm_syncobj_deadline(args->timeout_nsec), &first, tp);
	if (!ret)
		args->first_signaled = first;
	drm_syncobj_array_free(syncobjs, args->count_handles);
	return ret;
}

/* Is @fd an eventfd? The kernel's eventfd_ctx_fdget() refuses other files with -EINVAL. */
static bool fd_is_eventfd(int fd)
{
	char path[64], target[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = 0;
	return strcmp(target, "anon_inode:[eventfd]") == 0;
}

int drm_syncobj_eventfd_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_syncobj_eventfd *args = data;
	struct syncobj_eventfd_entry *entry;
	struct drm_syncobj *syncobj;
	int evfd, ret;

	if (!drm_core_check_feature(dev, DRIVER_SYNCOBJ_TIMELINE))
		return -EOPNOTSUPP;
	if (args->flags & ~DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE)
		return -EINVAL;
	if (args->pad)
		return -EINVAL;
	syncobj = drm_syncobj_find(file, args->handle);
	if (!syncobj)
		return -ENOENT;
	evfd = fd_get_user(args->fd);
	if (evfd < 0) {
		ret = -EBADF;
		goto err_fdget;
	}
	if (!fd_is_eventfd(evfd)) {
		ret = -EINVAL;
		goto err_evfd;
	}
	entry = calloc(1, sizeof(*entry));
	if (!entry) {
		ret = -ENOMEM;
		goto err_evfd;
	}
	entry->evfd = evfd;
	entry->point = args->point;
	entry->flags = args->flags;

	pthread_mutex_lock(&syncobj->lock);
	list_add_tail(&entry->node, &syncobj->ev_fd_list);
	syncobj_eventfd_entry_func(syncobj, entry);
	pthread_mutex_unlock(&syncobj->lock);
	drm_syncobj_put(syncobj);
	return 0;

err_evfd:
	close(evfd);
err_fdget:
	drm_syncobj_put(syncobj);
	return ret;
}

int drm_syncobj_reset_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_syncobj_array *args = data;
	struct drm_syncobj **syncobjs;
	uint32_t i;
	int ret;

	if (!drm_core_check_feature(dev, DRIVER_SYNCOBJ))
		return -EOPNOTSUPP;
	if (args->pad != 0)
		return -EINVAL;
	if (args->count_handles == 0)
		return -EINVAL;
	ret = drm_syncobj_array_find(file, u64_to_user_ptr(args->handles), args->count_handles,
				     &syncobjs);
	if (ret < 0)
		return ret;
	for (i = 0; i < args->count_handles; i++)
		drm_syncobj_replace_fence(syncobjs[i], NULL);
	drm_syncobj_array_free(syncobjs, args->count_handles);
	return 0;
}

int drm_syncobj_signal_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_syncobj_array *args = data;
	struct drm_syncobj **syncobjs;
	uint32_t i;
	int ret;

	if (!drm_core_check_feature(dev, DRIVER_SYNCOBJ))
		return -EOPNOTSUPP;
	if (args->pad != 0)
		return -EINVAL;
	if (args->count_handles == 0)
		return -EINVAL;
	ret = drm_syncobj_array_find(file, u64_to_user_ptr(args->handles), args->count_handles,
				     &syncobjs);
	if (ret < 0)
		return ret;
	for (i = 0; i < args->count_handles; i++) {
		ret = drm_syncobj_assign_null_handle(syncobjs[i]);
		if (ret < 0)
			break;
	}
	drm_syncobj_array_free(syncobjs, args->count_handles);
	return ret;
}

int drm_syncobj_timeline_signal_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_syncobj_timeline_array *args = data;
	struct dma_fence_chain **chains;
	struct drm_syncobj **syncobjs;
	uint64_t *points;
	uint32_t i, j;
	int ret;

	if (!drm_core_check_feature(dev, DRIVER_SYNCOBJ_TIMELINE))
		return -EOPNOTSUPP;
	if (args->flags != 0)
		return -EINVAL;
	if (args->count_handles == 0)
		return -EINVAL;
	ret = drm_syncobj_array_find(file, u64_to_user_ptr(args->handles), args->count_handles,
				     &syncobjs);
	if (ret < 0)
		return ret;
	points = calloc(args->count_handles, sizeof(*points));
	if (!points) {
		ret = -ENOMEM;
		goto out;
	}
	if (args->points && copy_from_user(points, u64_to_user_ptr(args->points),
					   sizeof(uint64_t) * args->count_handles)) {
		ret = -EFAULT;
		goto err_points;
	}
	chains = calloc(args->count_handles, sizeof(*chains));
	if (!chains) {
		ret = -ENOMEM;
		goto err_points;
	}
	for (i = 0; i < args->count_handles; i++) {
		chains[i] = dma_fence_chain_alloc();
		if (!chains[i]) {
			for (j = 0; j < i; j++)
				dma_fence_chain_free(chains[j]);
			ret = -ENOMEM;
			goto err_chains;
		}
	}
	for (i = 0; i < args->count_handles; i++) {
		struct dma_fence *fence = dma_fence_get_stub();

		drm_syncobj_add_point(syncobjs[i], chains[i], fence, points[i]);
		dma_fence_put(fence);
	}
err_chains:
	free(chains);
err_points:
	free(points);
out:
	drm_syncobj_array_free(syncobjs, args->count_handles);
	return ret;
}

/* The last signalled point of a timeline (or the last submitted one, @last_submitted). */
static uint64_t drm_syncobj_query_point(struct dma_fence *fence, bool last_submitted)
{
	struct dma_fence *iter, *last_signaled;
	uint64_t point;

	if (!dma_fence_is_chain(fence))
		return 0;
	if (last_submitted)
		return fence->seqno;
	last_signaled = dma_fence_get(fence);
	dma_fence_chain_for_each(iter, fence) {
		if (iter->context != fence->context) {
			/* Most likely a point added out of order started a new context. */
			dma_fence_put(iter);
			break;
		}
		dma_fence_put(last_signaled);
		last_signaled = dma_fence_get(iter);
	}
	point = dma_fence_is_signaled(last_signaled) ? last_signaled->seqno :
		to_dma_fence_chain(last_signaled)->prev_seqno;
	dma_fence_put(last_signaled);
	return point;
}

int drm_syncobj_query_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_syncobj_timeline_array *args = data;
	struct drm_syncobj **syncobjs;
	uint32_t i;
	int ret;

	if (!drm_core_check_feature(dev, DRIVER_SYNCOBJ_TIMELINE))
		return -EOPNOTSUPP;
	if (args->flags & ~DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED)
		return -EINVAL;
	if (args->count_handles == 0)
		return -EINVAL;
	ret = drm_syncobj_array_find(file, u64_to_user_ptr(args->handles), args->count_handles,
				     &syncobjs);
	if (ret < 0)
		return ret;
	for (i = 0; i < args->count_handles; i++) {
		struct dma_fence *fence = drm_syncobj_fence_get(syncobjs[i]);
		uint64_t point;

		point = drm_syncobj_query_point(fence,
						args->flags & DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED);
		dma_fence_put(fence);
		/*
		 * The caller's address is a number, not a pointer of ours: index it as one (C
		 * pointer arithmetic on a NULL or wild value is undefined behaviour).
		 */
		if (copy_to_user(u64_to_user_ptr(args->points + (uint64_t)i * sizeof(point)), &point,
				 sizeof(point))) {
			ret = -EFAULT;
			break;
		}
	}
	drm_syncobj_array_free(syncobjs, args->count_handles);
	return ret;
}

/* ---- argument layouts, for acceld's clients to marshal ---- */

static const struct drm_ioctl_fdfield drm_syncobj_handle_fd_out[] = {
	DRM_IOCTL_FD(struct drm_syncobj_handle, fd, DRM_IOCTL_OUT),
};
static const struct drm_ioctl_fdfield drm_syncobj_handle_fd_in[] = {
	DRM_IOCTL_FD(struct drm_syncobj_handle, fd, DRM_IOCTL_IN),
};
const struct drm_ioctl_layout drm_syncobj_handle_to_fd_layout = { NULL, 0, drm_syncobj_handle_fd_out, 1 };
const struct drm_ioctl_layout drm_syncobj_fd_to_handle_layout = { NULL, 0, drm_syncobj_handle_fd_in, 1 };

static const struct drm_ioctl_ptr drm_syncobj_wait_ptrs[] = {
	DRM_IOCTL_PTR(struct drm_syncobj_wait_6_12, handles, count_handles, 4, SYNCOBJ_MARSHAL_MAX,
		      DRM_IOCTL_IN),
};
const struct drm_ioctl_layout drm_syncobj_wait_layout = { drm_syncobj_wait_ptrs, 1, NULL, 0 };

static const struct drm_ioctl_ptr drm_syncobj_timeline_wait_ptrs[] = {
	DRM_IOCTL_PTR(struct drm_syncobj_timeline_wait_6_12, handles, count_handles, 4,
		      SYNCOBJ_MARSHAL_MAX, DRM_IOCTL_IN),
	DRM_IOCTL_PTR(struct drm_syncobj_timeline_wait_6_12, points, count_handles, 8,
		      SYNCOBJ_MARSHAL_MAX, DRM_IOCTL_IN),
};
const struct drm_ioctl_layout drm_syncobj_timeline_wait_layout = { drm_syncobj_timeline_wait_ptrs, 2, NULL, 0 };

static const struct drm_ioctl_ptr drm_syncobj_array_ptrs[] = {
	DRM_IOCTL_PTR(struct drm_syncobj_array, handles, count_handles, 4, SYNCOBJ_MARSHAL_MAX,
		      DRM_IOCTL_IN),
};
const struct drm_ioctl_layout drm_syncobj_array_layout = { drm_syncobj_array_ptrs, 1, NULL, 0 };

static const struct drm_ioctl_ptr drm_syncobj_timeline_signal_ptrs[] = {
	DRM_IOCTL_PTR(struct drm_syncobj_timeline_array, handles, count_handles, 4,
		      SYNCOBJ_MARSHAL_MAX, DRM_IOCTL_IN),
	DRM_IOCTL_PTR(struct drm_syncobj_timeline_array, points, count_handles, 8,
		      SYNCOBJ_MARSHAL_MAX, DRM_IOCTL_IN),
};
const struct drm_ioctl_layout drm_syncobj_timeline_signal_layout = { drm_syncobj_timeline_signal_ptrs, 2, NULL, 0 };

static const struct drm_ioctl_ptr drm_syncobj_query_ptrs[] = {
	DRM_IOCTL_PTR(struct drm_syncobj_timeline_array, handles, count_handles, 4,
		      SYNCOBJ_MARSHAL_MAX, DRM_IOCTL_IN),
	DRM_IOCTL_PTR(struct drm_syncobj_timeline_array, points, count_handles, 8,
		      SYNCOBJ_MARSHAL_MAX, DRM_IOCTL_OUT),
};
const struct drm_ioctl_layout drm_syncobj_query_layout = { drm_syncobj_query_ptrs, 2, NULL, 0 };

static const struct drm_ioctl_fdfield drm_syncobj_eventfd_fds[] = {
	DRM_IOCTL_FD(struct drm_syncobj_eventfd, fd, DRM_IOCTL_IN),
};
const struct drm_ioctl_layout drm_syncobj_eventfd_layout = { NULL, 0, drm_syncobj_eventfd_fds, 1 };

// SPDX-License-Identifier: MIT
/*
 * sw_sync: fences a test signals itself (the kernel's drivers/dma-buf/sw_sync.c, reached
 * through <debugfs>/sync/sw_sync); see include/accel/sw_sync.h.
 *
 * A timeline keeps its pending points sorted by seqno (in the 32-bit wrapping order the
 * fences compare in), at most one per value: asking again for a pending value gives the
 * same fence, as the kernel's tree of points does. Points hold the timeline; the list does
 * not hold the points, so a point being released takes itself off the list first.
 *
 * Fences are signalled with the timeline lock dropped: a signal runs callbacks (sync_file,
 * syncobj, merged fences) that may drop the last reference of a point, whose release takes
 * the timeline lock. The points reached are taken off the list, referenced, under the lock,
 * then signalled in order outside it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <accel/cred.h>
#include <accel/device.h>
#include <accel/dma_fence.h>
#include <accel/drm_print.h>
#include <accel/fs.h>
#include <accel/kref.h>
#include <accel/list.h>
#include <accel/sw_sync.h>
#include <accel/sync_file.h>
#include <accel/uaccess.h>
#include <uapi/sw_sync.h>

/*
 * The node's char device. debugfs files have none in the kernel; here opening goes through a
 * major like every node (the misc major, which nothing else of the core registers).
 */
#define SW_SYNC_MAJOR 10
#define SW_SYNC_MINOR 0

/* TASK_COMM_LEN: the timeline is named after the opener's comm, at most 15 bytes. */
#define SW_SYNC_NAME_LEN 16

/*
 * struct sync_timeline - one open file's timeline. @context and @name are constant; @lock
 * guards @value, @pt_list and every point's @link, @deadline and @has_deadline.
 */
struct sync_timeline {
	struct kref kref;
	pthread_mutex_t lock;
	uint64_t context;
	uint32_t value;
	char name[SW_SYNC_NAME_LEN];
	struct list_head pt_list;
};

/* struct sync_pt - one fence of a timeline; @link is empty once it left the list. */
struct sync_pt {
	struct dma_fence base;
	struct sync_timeline *timeline;
	struct list_head link;
	ktime_t deadline;
	bool has_deadline;
};

static const struct dma_fence_ops sync_pt_ops;

static struct sync_pt *to_sync_pt(struct dma_fence *fence)
{
	return fence && fence->ops == &sync_pt_ops ? container_of(fence, struct sync_pt, base) : NULL;
}

static void sync_timeline_free(struct kref *kref)
{
	struct sync_timeline *tl = container_of(kref, struct sync_timeline, kref);

	pthread_mutex_destroy(&tl->lock);
	free(tl);
}

static void sync_timeline_put(struct sync_timeline *tl)
{
	kref_put(&tl->kref, sync_timeline_free);
}

/* The calling task's comm, as the kernel names a timeline; "" when it cannot be read. */
static void caller_comm(char *buf, size_t size)
{
	char path[64];
	FILE *f;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)current_cred()->pid);
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(buf, (int)size, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

static struct sync_timeline *sync_timeline_create(void)
{
	struct sync_timeline *tl = calloc(1, sizeof(*tl));

	if (!tl)
		return NULL;
	kref_init(&tl->kref);
	pthread_mutex_init(&tl->lock, NULL);
	tl->context = dma_fence_context_alloc(1);
	caller_comm(tl->name, sizeof(tl->name));
	INIT_LIST_HEAD(&tl->pt_list);
	return tl;
}

/* ---- the points' fence ops ---- */

static const char *sync_pt_driver_name(struct dma_fence *fence)
{
	(void)fence;
	return "sw_sync";
}

static const char *sync_pt_timeline_name(struct dma_fence *fence)
{
	return to_sync_pt(fence)->timeline->name;
}

/* Reached: the timeline's value is at or past the seqno (32-bit wrapping comparison). */
static bool sync_pt_signaled(struct dma_fence *fence)
{
	struct sync_timeline *tl = to_sync_pt(fence)->timeline;
	uint32_t value;

	pthread_mutex_lock(&tl->lock);
	value = tl->value;
	pthread_mutex_unlock(&tl->lock);
	return !__dma_fence_is_later(fence->seqno, value, fence->ops);
}

static void sync_pt_set_deadline(struct dma_fence *fence, ktime_t deadline)
{
	struct sync_pt *pt = to_sync_pt(fence);

	pthread_mutex_lock(&pt->timeline->lock);
	/* The earliest deadline asked for stands. */
	if (!pt->has_deadline || deadline < pt->deadline) {
		pt->deadline = deadline;
		pt->has_deadline = true;
	}
	pthread_mutex_unlock(&pt->timeline->lock);
}

static void sync_pt_release(struct dma_fence *fence)
{
	struct sync_pt *pt = to_sync_pt(fence);
	struct sync_timeline *tl = pt->timeline;

	pthread_mutex_lock(&tl->lock);
	if (!list_empty(&pt->link))
		list_del_init(&pt->link);
	pthread_mutex_unlock(&tl->lock);
	sync_timeline_put(tl);
	dma_fence_free(fence);
}

static const struct dma_fence_ops sync_pt_ops = {
	.get_driver_name = sync_pt_driver_name,
	.get_timeline_name = sync_pt_timeline_name,
	.signaled = sync_pt_signaled,
	.release = sync_pt_release,
	.set_deadline = sync_pt_set_deadline,
};

/*
 * The point of @tl at @value (a reference): a new fence, already signalled when the timeline
 * is past @value, or the pending fence that has this value already. NULL on ENOMEM.
 */
static struct dma_fence *sync_pt_create(struct sync_timeline *tl, uint32_t value)
{
	struct sync_pt *pt = calloc(1, sizeof(*pt)), *other;
	struct list_head *pos;

	if (!pt)
		return NULL;
	kref_get(&tl->kref);
	pt->timeline = tl;
	INIT_LIST_HEAD(&pt->link);
	dma_fence_init(&pt->base, &sync_pt_ops, tl->context, value);

	pthread_mutex_lock(&tl->lock);
	if (!__dma_fence_is_later(value, tl->value, &sync_pt_ops)) {
		pthread_mutex_unlock(&tl->lock);
		dma_fence_signal(&pt->base);
		return &pt->base;
	}
	/* Before the first pending point that comes after @value; the same value is shared. */
	for (pos = tl->pt_list.next; pos != &tl->pt_list; pos = pos->next) {
		int32_t cmp;

		other = container_of(pos, struct sync_pt, link);
		cmp = (int32_t)(value - (uint32_t)other->base.seqno);
		if (cmp > 0)
			continue;
		if (cmp == 0 && kref_get_unless_zero(&other->base.refcount)) {
			pthread_mutex_unlock(&tl->lock);
			/* Never on the list: releasing it only drops its timeline reference. */
			dma_fence_put(&pt->base);
			return &other->base;
		}
		break;
	}
	list_add_tail(&pt->link, pos);
	pthread_mutex_unlock(&tl->lock);
	return &pt->base;
}

/*
 * Take the pending points off @tl (all of them when @all, else those the value reached),
 * each with a reference, in order, into @out. Called with the lock held.
 */
static void sync_timeline_take_locked(struct sync_timeline *tl, bool all, struct list_head *out)
{
	struct sync_pt *pt, *next;

	list_for_each_entry_safe(pt, next, &tl->pt_list, link) {
		if (!all && __dma_fence_is_later(pt->base.seqno, tl->value, &sync_pt_ops))
			break;
		list_del_init(&pt->link);
		/* A point whose last reference is going is being released: nobody waits on it. */
		if (kref_get_unless_zero(&pt->base.refcount))
			list_add_tail(&pt->link, out);
	}
}

/* Signal the points of @taken (with @error when non-zero) in order and drop them. */
static void sync_timeline_signal_taken(struct sync_timeline *tl, struct list_head *taken, int error)
{
	struct sync_pt *pt, *next;

	list_for_each_entry_safe(pt, next, taken, link) {
		pthread_mutex_lock(&tl->lock);
		list_del_init(&pt->link);
		pthread_mutex_unlock(&tl->lock);
		if (error)
			dma_fence_set_error(&pt->base, error);
		dma_fence_signal(&pt->base);
		dma_fence_put(&pt->base);
	}
}

/* Advance @tl by @inc and signal what that reached. */
static void sync_timeline_signal(struct sync_timeline *tl, uint32_t inc)
{
	LIST_HEAD(taken);

	pthread_mutex_lock(&tl->lock);
	tl->value += inc;
	sync_timeline_take_locked(tl, false, &taken);
	pthread_mutex_unlock(&tl->lock);
	sync_timeline_signal_taken(tl, &taken, 0);
}

/* ---- the file ---- */

static int sw_sync_open(struct inode *inode, struct file *filp)
{
	(void)inode;
	filp->private_data = sync_timeline_create();
	return filp->private_data ? 0 : -ENOMEM;
}

/* The timeline's file goes: what it never reached signals with -ENOENT. */
static int sw_sync_release(struct inode *inode, struct file *filp)
{
	struct sync_timeline *tl = filp->private_data;
	LIST_HEAD(taken);

	(void)inode;
	pthread_mutex_lock(&tl->lock);
	sync_timeline_take_locked(tl, true, &taken);
	pthread_mutex_unlock(&tl->lock);
	sync_timeline_signal_taken(tl, &taken, -ENOENT);
	sync_timeline_put(tl);
	return 0;
}

static long sw_sync_ioctl_create_fence(struct sync_timeline *tl, unsigned long arg)
{
	struct sw_sync_create_fence_data data;
	struct dma_fence *fence;
	int fd;

	if (copy_from_user(&data, (void __user *)arg, sizeof(data)))
		return -EFAULT;
	fence = sync_pt_create(tl, data.value);
	if (!fence)
		return -ENOMEM;
	fd = sync_file_install(fence, O_CLOEXEC);
	dma_fence_put(fence);
	if (fd < 0)
		return fd;
	data.fence = fd;
	/* The descriptor is the caller's already: a kernel would not have installed it. */
	if (copy_to_user((void __user *)arg, &data, sizeof(data)))
		return -EFAULT;
	return 0;
}

static long sw_sync_ioctl_inc(struct sync_timeline *tl, unsigned long arg)
{
	uint32_t value;

	if (copy_from_user(&value, (void __user *)arg, sizeof(value)))
		return -EFAULT;
	/* Steps of at most INT_MAX keep every step an advance in the wrapping order. */
	while (value > INT_MAX) {
		sync_timeline_signal(tl, INT_MAX);
		value -= INT_MAX;
	}
	sync_timeline_signal(tl, value);
	return 0;
}

/* The deadline a waiter set on a sw_sync fence (of any timeline). */
static long sw_sync_ioctl_get_deadline(unsigned long arg)
{
	struct sw_sync_get_deadline data;
	struct dma_fence *fence;
	struct sync_pt *pt;
	long ret = 0;

	if (copy_from_user(&data, (void __user *)arg, sizeof(data)))
		return -EFAULT;
	if (data.deadline_ns || data.pad)
		return -EINVAL;
	fence = sync_file_get_fence((int)data.fence_fd);
	if (!fence)
		return -EINVAL;
	pt = to_sync_pt(fence);
	if (!pt) {
		ret = -EINVAL;
		goto out;
	}
	pthread_mutex_lock(&pt->timeline->lock);
	if (pt->has_deadline)
		data.deadline_ns = (uint64_t)pt->deadline;
	else
		ret = -ENOENT;
	pthread_mutex_unlock(&pt->timeline->lock);
	if (!ret && copy_to_user((void __user *)arg, &data, sizeof(data)))
		ret = -EFAULT;
out:
	dma_fence_put(fence);
	return ret;
}

static long sw_sync_ioctl(struct file *filp, unsigned int cmd, unsigned long arg)
{
	struct sync_timeline *tl = filp->private_data;

	switch (cmd) {
	case SW_SYNC_IOC_CREATE_FENCE:
		return sw_sync_ioctl_create_fence(tl, arg);
	case SW_SYNC_IOC_INC:
		return sw_sync_ioctl_inc(tl, arg);
	case SW_SYNC_GET_DEADLINE:
		return sw_sync_ioctl_get_deadline(arg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations sw_sync_fops = {
	.open = sw_sync_open,
	.release = sw_sync_release,
	.unlocked_ioctl = sw_sync_ioctl,
};

static pthread_once_t sw_sync_once = PTHREAD_ONCE_INIT;
static int sw_sync_init_error;

static void sw_sync_init_once(void)
{
	sw_sync_init_error = register_chrdev_fops(SW_SYNC_MAJOR, "sw_sync", &sw_sync_fops);
	if (sw_sync_init_error)
		return;
	/* debugfs makes it 0644: root may write, others may open it read-only. */
	sw_sync_init_error = devnode_publish_path(SW_SYNC_NODE_PATH,
						  makedev(SW_SYNC_MAJOR, SW_SYNC_MINOR), 0644);
	if (sw_sync_init_error) {
		DRM_ERROR("sw_sync: cannot publish %s: %d", SW_SYNC_NODE_PATH, sw_sync_init_error);
		unregister_chrdev_fops(SW_SYNC_MAJOR);
	}
}

int sw_sync_init(void)
{
	pthread_once(&sw_sync_once, sw_sync_init_once);
	return sw_sync_init_error;
}

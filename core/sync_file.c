// SPDX-License-Identifier: MIT
/*
 * sync_file descriptors (drivers/dma-buf/sync_file.c); see include/accel/sync_file.h.
 *
 * SYNC_IOC_MERGE merges as the kernel's dma_fence_unwrap_merge() does: both fences are
 * unwrapped (chains and merged arrays into their fences), signalled ones are dropped, one
 * fence per context is kept (the later), and the result is a signalled stub (none left), the
 * one fence left, or an array fence on a new context that signals when all of its do.
 *
 * The kernel frees a sync_file when its file is released. Here the file is a pipe whose read
 * end may live in another process, so the table is swept for pipes without readers (POLLERR
 * on the write end) whenever a sync_file is made or looked up.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/sync_file.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <accel/dma_fence.h>
#include <accel/fd.h>
#include <accel/sync_file.h>
#include <accel/uaccess.h>

/*
 * struct sync_file - one exported fence. @key, @wfd and @fence are constant while the entry
 * is in the table; @next is guarded by sync_file_lock. @cb runs at most once and only
 * writes to @wfd, which stays open until the callback has been taken back.
 */
struct sync_file {
	uint64_t key;
	int wfd;
	struct dma_fence *fence;
	char user_name[32];
	struct dma_fence_cb cb;
	struct sync_file *next;
};

static pthread_mutex_t sync_file_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sync_file *sync_files;

/*
 * Make the read end readable. The reader may be gone: EPIPE must not become a SIGPIPE for
 * the process serving the core, so the signal is blocked around the write and a SIGPIPE it
 * raised is consumed.
 */
static void sync_file_poke(int wfd)
{
	sigset_t pipe_set, old, pending;
	bool was_pending;
	ssize_t n;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	sigpending(&pending);
	was_pending = sigismember(&pending, SIGPIPE);
	n = write(wfd, "s", 1);
	if (n < 0 && errno == EPIPE && !was_pending) {
		struct timespec zero = { 0, 0 };

		sigtimedwait(&pipe_set, NULL, &zero);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void sync_file_fence_func(struct dma_fence *fence, struct dma_fence_cb *cb)
{
	(void)fence;
	sync_file_poke(container_of(cb, struct sync_file, cb)->wfd);
}

static void sync_file_free(struct sync_file *sf)
{
	dma_fence_remove_callback(sf->fence, &sf->cb);
	close(sf->wfd);
	dma_fence_put(sf->fence);
	free(sf);
}

static bool sync_file_orphaned(const struct sync_file *sf)
{
	struct pollfd p = { .fd = sf->wfd, .events = POLLOUT };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLERR);
}

/* Unlink the entries nobody can reach any more; called with sync_file_lock held. */
static struct sync_file *sync_file_collect_locked(void)
{
	struct sync_file **pp = &sync_files, *dead = NULL, *sf;

	while ((sf = *pp)) {
		if (sync_file_orphaned(sf)) {
			*pp = sf->next;
			sf->next = dead;
			dead = sf;
		} else {
			pp = &sf->next;
		}
	}
	return dead;
}

static void sync_file_free_list(struct sync_file *dead)
{
	struct sync_file *next;

	for (; dead; dead = next) {
		next = dead->next;
		sync_file_free(dead);
	}
}

static int sync_file_install_named(struct dma_fence *fence, const char *name, int flags)
{
	struct sync_file *sf, *dead;
	int p[2], fd, err;

	if (!fence)
		return -EINVAL;
	sf = calloc(1, sizeof(*sf));
	if (!sf)
		return -ENOMEM;
	if (pipe2(p, O_CLOEXEC)) {
		err = -errno;
		goto err_free;
	}
	/* Only the core's end is non-blocking: the flag of the read end would be the caller's. */
	if (fcntl(p[1], F_SETFL, O_NONBLOCK)) {
		err = -errno;
		goto err_close;
	}
	sf->key = fd_inode_key(p[0]);
	sf->wfd = p[1];
	if (name)
		snprintf(sf->user_name, sizeof(sf->user_name), "%s", name);
	sf->fence = dma_fence_get(fence);
	if (dma_fence_add_callback(fence, &sf->cb, sync_file_fence_func))
		sync_file_poke(sf->wfd);

	pthread_mutex_lock(&sync_file_lock);
	dead = sync_file_collect_locked();
	sf->next = sync_files;
	sync_files = sf;
	pthread_mutex_unlock(&sync_file_lock);
	sync_file_free_list(dead);

	/* On failure the read end is closed and the next sweep takes the entry. */
	fd = fd_install_user(p[0], flags);
	return fd;

err_close:
	close(p[0]);
	close(p[1]);
err_free:
	free(sf);
	return err;
}

int sync_file_install(struct dma_fence *fence, int flags)
{
	return sync_file_install_named(fence, NULL, flags);
}

/* The fence of @fd (a reference) and, when @name is given, the sync_file's user name. */
static struct dma_fence *sync_file_lookup(int fd, char *name, size_t len)
{
	struct dma_fence *fence = NULL;
	struct sync_file *sf, *dead;
	uint64_t key = fd_inode_key(fd);

	if (!key)
		return NULL;
	pthread_mutex_lock(&sync_file_lock);
	dead = sync_file_collect_locked();
	for (sf = sync_files; sf; sf = sf->next) {
		if (sf->key == key) {
			fence = dma_fence_get(sf->fence);
			if (name)
				snprintf(name, len, "%s", sf->user_name);
			break;
		}
	}
	pthread_mutex_unlock(&sync_file_lock);
	sync_file_free_list(dead);
	return fence;
}

struct dma_fence *sync_file_fence_of_fd(int fd)
{
	return sync_file_lookup(fd, NULL, 0);
}

struct dma_fence *sync_file_get_fence(int ufd)
{
	struct dma_fence *fence;
	int fd = fd_get_user(ufd);

	if (fd < 0)
		return NULL;
	fence = sync_file_fence_of_fd(fd);
	close(fd);
	return fence;
}

unsigned int sync_file_count(void)
{
	struct sync_file *sf, *dead;
	unsigned int n = 0;

	pthread_mutex_lock(&sync_file_lock);
	dead = sync_file_collect_locked();
	for (sf = sync_files; sf; sf = sf->next)
		n++;
	pthread_mutex_unlock(&sync_file_lock);
	sync_file_free_list(dead);
	return n;
}

/* ---- merged fences (the kernel's dma_fence_array, signal on all) ---- */

struct sync_fence_array;

/* struct sync_fence_array_part - the callback on one fence of an array. */
struct sync_fence_array_part {
	struct dma_fence_cb cb;
	struct sync_fence_array *array;
};

/*
 * struct sync_fence_array - a fence that signals once all of @fences have. @fences, @parts
 * and @num_fences are constant; @pending counts what is still to signal; @error is the
 * first error one of them signalled with (set once, before the last decrement).
 */
struct sync_fence_array {
	struct dma_fence base;
	unsigned int num_fences;
	atomic_uint pending;
	atomic_int error;
	struct dma_fence **fences;
	struct sync_fence_array_part *parts;
};

static const char *sync_fence_array_driver_name(struct dma_fence *fence)
{
	(void)fence;
	return "dma_fence_array";
}

static const char *sync_fence_array_timeline_name(struct dma_fence *fence)
{
	(void)fence;
	return "unbound";
}

static void sync_fence_array_release(struct dma_fence *fence)
{
	struct sync_fence_array *a = container_of(fence, struct sync_fence_array, base);
	unsigned int i;

	for (i = 0; i < a->num_fences; i++)
		dma_fence_put(a->fences[i]);
	free(a->fences);
	free(a->parts);
	free(a);
}

static const struct dma_fence_ops sync_fence_array_ops = {
	.get_driver_name = sync_fence_array_driver_name,
	.get_timeline_name = sync_fence_array_timeline_name,
	.release = sync_fence_array_release,
};

static struct sync_fence_array *to_sync_fence_array(struct dma_fence *fence)
{
	return fence && fence->ops == &sync_fence_array_ops ?
	       container_of(fence, struct sync_fence_array, base) : NULL;
}

/* One part signalled: the last one signals the array, with the first error seen. */
static void sync_fence_array_part_done(struct sync_fence_array *a, struct dma_fence *part)
{
	int expected = 0;

	if (part && part->error)
		atomic_compare_exchange_strong(&a->error, &expected, part->error);
	if (atomic_fetch_sub(&a->pending, 1) != 1)
		return;
	if (atomic_load(&a->error))
		dma_fence_set_error(&a->base, atomic_load(&a->error));
	dma_fence_signal(&a->base);
	/* The reference the callbacks held. */
	dma_fence_put(&a->base);
}

static void sync_fence_array_cb(struct dma_fence *fence, struct dma_fence_cb *cb)
{
	sync_fence_array_part_done(container_of(cb, struct sync_fence_array_part, cb)->array, fence);
}

/* An array fence of @num (>= 2) fences, whose references and array it takes over; NULL on ENOMEM. */
static struct dma_fence *sync_fence_array_create(struct dma_fence **fences, unsigned int num)
{
	struct sync_fence_array *a = calloc(1, sizeof(*a));
	struct sync_fence_array_part *parts = calloc(num, sizeof(*parts));
	unsigned int i;

	if (!a || !parts) {
		free(a);
		free(parts);
		return NULL;
	}
	dma_fence_init(&a->base, &sync_fence_array_ops, dma_fence_context_alloc(1), 1);
	a->fences = fences;
	a->num_fences = num;
	a->parts = parts;
	atomic_init(&a->pending, num + 1);
	atomic_init(&a->error, 0);
	dma_fence_get(&a->base); /* for the callbacks, dropped when the last part signals */
	for (i = 0; i < num; i++) {
		parts[i].array = a;
		if (dma_fence_add_callback(fences[i], &parts[i].cb, sync_fence_array_cb))
			sync_fence_array_part_done(a, fences[i]);
	}
	/* The creation's own count: nothing signals the array before it is whole. */
	sync_fence_array_part_done(a, NULL);
	return &a->base;
}

/* ---- unwrapping: the fences a chain or an array stands for ---- */

/* struct fence_list - a growing list of fence references. */
struct fence_list {
	struct dma_fence **v;
	unsigned int n, cap;
};

static int fence_list_add(struct fence_list *l, struct dma_fence *f)
{
	if (l->n == l->cap) {
		unsigned int cap = l->cap ? l->cap * 2 : 8;
		struct dma_fence **v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = dma_fence_get(f);
	return 0;
}

static void fence_list_free(struct fence_list *l)
{
	while (l->n)
		dma_fence_put(l->v[--l->n]);
	free(l->v);
	l->v = NULL;
	l->cap = 0;
}

/*
 * Append the fences @fence stands for, as dma_fence_unwrap_for_each() visits them: a
 * chain's nodes from its head (the walk drops signalled ones), an array's members. A chain
 * node may carry a chain or an array here (see dma_fence_chain_init()): unwrapped too.
 */
static int fence_unwrap(struct dma_fence *fence, struct fence_list *l)
{
	struct sync_fence_array *a = to_sync_fence_array(fence);
	struct dma_fence *iter;
	unsigned int i;
	int err = 0;

	if (a) {
		for (i = 0; i < a->num_fences && !err; i++)
			err = fence_unwrap(a->fences[i], l);
		return err;
	}
	if (!dma_fence_is_chain(fence))
		return fence_list_add(l, fence);
	dma_fence_chain_for_each(iter, fence) {
		struct dma_fence *inner = dma_fence_chain_contained(iter);

		err = inner == iter ? fence_list_add(l, inner) : fence_unwrap(inner, l);
		if (err) {
			dma_fence_put(iter);
			break;
		}
	}
	return err;
}

static int fence_cmp_context(const void *x, const void *y)
{
	const struct dma_fence *a = *(struct dma_fence *const *)x, *b = *(struct dma_fence *const *)y;

	return a->context < b->context ? -1 : a->context > b->context;
}

/* The merge of @a and @b (a new reference), as dma_fence_unwrap_merge(); NULL on ENOMEM. */
static struct dma_fence *sync_file_merge_fences(struct dma_fence *a, struct dma_fence *b)
{
	struct fence_list all = { 0 }, keep = { 0 };
	struct dma_fence *result = NULL;
	ktime_t timestamp = 0;
	unsigned int i;

	if (fence_unwrap(a, &all) || fence_unwrap(b, &all))
		goto out;
	/* Pending fences only; a result with none left carries the latest signal time. */
	for (i = 0; i < all.n; i++) {
		struct dma_fence *f = all.v[i];

		if (dma_fence_is_signaled(f)) {
			ktime_t t = dma_fence_timestamp(f);

			if (t > timestamp)
				timestamp = t;
			continue;
		}
		if (fence_list_add(&keep, f))
			goto out;
	}
	/* Ordered by context, one fence per context: the later one. */
	if (keep.n > 1)
		qsort(keep.v, keep.n, sizeof(*keep.v), fence_cmp_context);
	for (i = 1; i < keep.n;) {
		struct dma_fence *prev = keep.v[i - 1], *cur = keep.v[i];

		if (prev->context != cur->context) {
			i++;
			continue;
		}
		if (dma_fence_is_later(prev, cur)) {
			dma_fence_put(cur);
		} else {
			dma_fence_put(prev);
			keep.v[i - 1] = cur;
		}
		memmove(&keep.v[i], &keep.v[i + 1], (keep.n - i - 1) * sizeof(*keep.v));
		keep.n--;
	}
	if (!keep.n) {
		result = dma_fence_allocate_private_stub(timestamp);
	} else if (keep.n == 1) {
		result = dma_fence_get(keep.v[0]);
	} else {
		result = sync_fence_array_create(keep.v, keep.n);
		if (result) {
			/* The array took the references and the vector. */
			keep.v = NULL;
			keep.n = 0;
		}
	}
out:
	fence_list_free(&all);
	fence_list_free(&keep);
	return result;
}

/* ---- the sync_file ioctls ---- */

/* SYNC_IOC_SET_DEADLINE of Linux 6.12 (newer than Debian's uAPI header). */
struct sync_file_set_deadline {
	uint64_t deadline_ns;
	uint64_t pad;
};
#define SYNC_FILE_IOC_SET_DEADLINE _IOW(SYNC_IOC_MAGIC, 5, struct sync_file_set_deadline)

static long sync_file_ioctl_merge(struct dma_fence *fence, unsigned long arg)
{
	struct sync_merge_data data;
	struct dma_fence *fence2, *merged;
	int fd;

	if (copy_from_user(&data, (void __user *)arg, sizeof(data)))
		return -EFAULT;
	if (data.flags || data.pad)
		return -EINVAL;
	fence2 = sync_file_get_fence(data.fd2);
	if (!fence2)
		return -ENOENT;
	data.name[sizeof(data.name) - 1] = '\0';
	merged = sync_file_merge_fences(fence, fence2);
	dma_fence_put(fence2);
	if (!merged)
		return -ENOMEM;
	fd = sync_file_install_named(merged, data.name, O_CLOEXEC);
	dma_fence_put(merged);
	if (fd < 0)
		return fd;
	data.fence = fd;
	if (copy_to_user((void __user *)arg, &data, sizeof(data)))
		return -EFAULT;
	return 0;
}

/* One fence's entry of SYNC_IOC_FILE_INFO; returns its status. */
static int sync_file_fill_info(struct dma_fence *fence, struct sync_fence_info *info)
{
	memset(info, 0, sizeof(*info));
	snprintf(info->obj_name, sizeof(info->obj_name), "%s", dma_fence_timeline_name(fence));
	snprintf(info->driver_name, sizeof(info->driver_name), "%s", dma_fence_driver_name(fence));
	info->status = dma_fence_get_status(fence);
	info->timestamp_ns = dma_fence_is_signaled(fence) ? (uint64_t)dma_fence_timestamp(fence) : 0;
	return info->status;
}

static long sync_file_ioctl_fence_info(struct dma_fence *fence, const char *user_name,
				       unsigned long arg)
{
	struct sync_fence_info *infos = NULL;
	struct fence_list parts = { 0 };
	struct sync_file_info info;
	unsigned int i;
	long ret = 0;

	if (copy_from_user(&info, (void __user *)arg, sizeof(info)))
		return -EFAULT;
	if (info.flags || info.pad)
		return -EINVAL;
	if (fence_unwrap(fence, &parts))
		return -ENOMEM;
	/* No room asked for: the count and the sync_file's status only. */
	if (!info.num_fences) {
		info.status = dma_fence_get_status(fence);
	} else {
		info.status = 1;
		if (info.num_fences < parts.n) {
			ret = -EINVAL;
			goto out;
		}
		infos = calloc(parts.n ? parts.n : 1, sizeof(*infos));
		if (!infos) {
			ret = -ENOMEM;
			goto out;
		}
		for (i = 0; i < parts.n; i++) {
			int status = sync_file_fill_info(parts.v[i], &infos[i]);

			info.status = info.status <= 0 ? info.status : status;
		}
		if (copy_to_user((void __user *)(uintptr_t)info.sync_fence_info, infos,
				 parts.n * sizeof(*infos))) {
			ret = -EFAULT;
			goto out;
		}
	}
	if (user_name[0])
		snprintf(info.name, sizeof(info.name), "%s", user_name);
	else
		snprintf(info.name, sizeof(info.name), "%s-%s%llu-%lld", dma_fence_driver_name(fence),
			 dma_fence_timeline_name(fence), (unsigned long long)fence->context,
			 (long long)fence->seqno);
	info.num_fences = parts.n;
	if (copy_to_user((void __user *)arg, &info, sizeof(info)))
		ret = -EFAULT;
out:
	free(infos);
	fence_list_free(&parts);
	return ret;
}

static long sync_file_ioctl_set_deadline(struct dma_fence *fence, unsigned long arg)
{
	struct sync_file_set_deadline ts;

	if (copy_from_user(&ts, (void __user *)arg, sizeof(ts)))
		return -EFAULT;
	if (ts.pad)
		return -EINVAL;
	dma_fence_set_deadline(fence, (ktime_t)ts.deadline_ns);
	return 0;
}

long sync_file_ioctl(int fd, unsigned int cmd, unsigned long arg)
{
	char user_name[32] = "";
	struct dma_fence *fence = sync_file_lookup(fd, user_name, sizeof(user_name));
	long ret;

	/* Not a sync_file: its own file's ioctl would not know the command either. */
	if (!fence)
		return -ENOTTY;
	switch (cmd) {
	case SYNC_IOC_MERGE:
		ret = sync_file_ioctl_merge(fence, arg);
		break;
	case SYNC_IOC_FILE_INFO:
		ret = sync_file_ioctl_fence_info(fence, user_name, arg);
		break;
	case SYNC_FILE_IOC_SET_DEADLINE:
		ret = sync_file_ioctl_set_deadline(fence, arg);
		break;
	default:
		ret = -ENOTTY;
		break;
	}
	dma_fence_put(fence);
	return ret;
}

// SPDX-License-Identifier: MIT
/*
 * sync_file descriptors (drivers/dma-buf/sync_file.c); see include/accel/sync_file.h.
 *
 * The kernel frees a sync_file when its file is released. Here the file is a pipe whose read
 * end may live in another process, so the table is swept for pipes without readers (POLLERR
 * on the write end) whenever a sync_file is made or looked up.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <accel/dma_fence.h>
#include <accel/fd.h>
#include <accel/sync_file.h>

/*
 * struct sync_file - one exported fence. @key, @wfd and @fence are constant while the entry
 * is in the table; @next is guarded by sync_file_lock. @cb runs at most once and only
 * writes to @wfd, which stays open until the callback has been taken back.
 */
struct sync_file {
	uint64_t key;
	int wfd;
	struct dma_fence *fence;
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

int sync_file_install(struct dma_fence *fence, int flags)
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

struct dma_fence *sync_file_fence_of_fd(int fd)
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
			break;
		}
	}
	pthread_mutex_unlock(&sync_file_lock);
	sync_file_free_list(dead);
	return fence;
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

// SPDX-License-Identifier: MIT
/*
 * poll, ppoll, select, pselect, epoll_ctl. An emulated descriptor is a real one (a pipe or
 * acceld's socket) that is readable exactly when the node's file would be: never, since
 * the drivers queue no DRM events (sync_files, the descriptors that do signal, are the
 * core's pipes and need nothing of the shim). A kernel's drm_poll() never reports the file
 * writable; acceld's socket is: POLLOUT is taken out of what is asked for an emulated
 * descriptor, so that both answer as the kernel does.
 */
#include <errno.h>
#include <string.h>

#include "preload.h"

#define POLL_WRITE (POLLOUT | POLLWRNORM | POLLWRBAND)

/* Take write events out of the emulated descriptors' requests; true if there were any. */
static bool poll_strip(struct pollfd *fds, nfds_t n, short *saved, nfds_t nsaved)
{
	bool any = false;

	for (nfds_t i = 0; i < n; i++) {
		if (!emul_fd_is(fds[i].fd))
			continue;
		if (i < nsaved)
			saved[i] = fds[i].events;
		fds[i].events &= (short)~POLL_WRITE;
		any = true;
	}
	return any;
}

static void poll_restore(struct pollfd *fds, nfds_t n, const short *saved, nfds_t nsaved)
{
	for (nfds_t i = 0; i < n && i < nsaved; i++)
		if (emul_fd_is(fds[i].fd))
			fds[i].events = saved[i];
}

/* Requests of up to this many descriptors are restored exactly; longer ones lose write bits. */
#define POLL_SAVED 256

int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *t, const sigset_t *mask)
{
	short saved[POLL_SAVED];
	bool stripped;
	int ret, err;

	if (!__atomic_load_n(&emul_fd_used, __ATOMIC_RELAXED) || preload_in_lib)
		return LIBC(ppoll)(fds, n, t, mask);
	stripped = poll_strip(fds, n, saved, POLL_SAVED);
	ret = LIBC(ppoll)(fds, n, t, mask);
	err = errno;
	if (stripped)
		poll_restore(fds, n, saved, POLL_SAVED);
	errno = err;
	return ret;
}

int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	short saved[POLL_SAVED];
	bool stripped;
	int ret, err;

	if (!__atomic_load_n(&emul_fd_used, __ATOMIC_RELAXED) || preload_in_lib)
		return LIBC(poll)(fds, n, timeout);
	stripped = poll_strip(fds, n, saved, POLL_SAVED);
	ret = LIBC(poll)(fds, n, timeout);
	err = errno;
	if (stripped)
		poll_restore(fds, n, saved, POLL_SAVED);
	errno = err;
	return ret;
}

int __poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen)
{
	(void)fdslen;
	return poll(fds, n, timeout);
}

int __ppoll_chk(struct pollfd *fds, nfds_t n, const struct timespec *t, const sigset_t *mask,
		size_t fdslen)
{
	(void)fdslen;
	return ppoll(fds, n, t, mask);
}

/* An emulated descriptor is never writable: out of the write set before the call. */
static void select_strip(int n, fd_set *w)
{
	if (!w)
		return;
	for (int fd = 0; fd < n && fd < FD_SETSIZE; fd++)
		if (FD_ISSET(fd, w) && emul_fd_is(fd))
			FD_CLR(fd, w);
}

int select(int n, fd_set *r, fd_set *w, fd_set *e, struct timeval *t)
{
	if (__atomic_load_n(&emul_fd_used, __ATOMIC_RELAXED) && !preload_in_lib)
		select_strip(n, w);
	return LIBC(select)(n, r, w, e, t);
}

int pselect(int n, fd_set *r, fd_set *w, fd_set *e, const struct timespec *t, const sigset_t *mask)
{
	if (__atomic_load_n(&emul_fd_used, __ATOMIC_RELAXED) && !preload_in_lib)
		select_strip(n, w);
	return LIBC(pselect)(n, r, w, e, t, mask);
}

int epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	struct epoll_event mine;

	if (!emul_fd_is(fd) || preload_in_lib || !ev || (op != EPOLL_CTL_ADD && op != EPOLL_CTL_MOD))
		return LIBC(epoll_ctl)(epfd, op, fd, ev);
	mine = *ev;
	mine.events &= ~(uint32_t)(EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND);
	return LIBC(epoll_ctl)(epfd, op, fd, &mine);
}

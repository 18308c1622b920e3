// SPDX-License-Identifier: MIT
/*
 * The daemon backend: a node opened through acceld's socket. See include/accel/protocol.h
 * for the messages. Each request marshals the argument and the memory its pointer fields
 * name (the layouts: the core's own, the driver's from the handshake) and applies the
 * daemon's writes to the caller's memory on return.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <accel/drm_ioctl.h>
#include <accel/protocol.h>
#include "libaccel_internal.h"
#include "daemon.h"
#include "wire_io.h"

#define ALIGN8(x) (((x) + 7u) & ~7u)
#define USER_GUARD 4096

struct driver_layout {
	uint32_t cmd;
	struct drm_ioctl_layout layout;
	struct drm_ioctl_ptr *ptrs;
	struct drm_ioctl_fdfield *fds;
};

/*
 * struct daemon_conn - one connection (one open file). @lock serialises requests so that
 * each reply is read by the thread that sent the request; the rest is constant after open.
 */
struct daemon_conn {
	atomic_uint refs;
	int sock;
	/* the process that opened it; a forked child attaches a socket of its own */
	pid_t pid;
	pid_t child_pid;
	int child_sock;
	pthread_mutex_t lock;
	uint32_t next_id;
	uint64_t client_id;
	struct driver_layout *layouts;
	unsigned int num_layouts;
	unsigned char *buf;
};

bool accel_daemon_serving(void)
{
	struct accel_root_owner owner;

	/* acceld holds the root's lock (lib/root.c) for as long as it serves. */
	return !accel_root_owner(accel_root_shared(), &owner) && owner.holder == ACCEL_ROOT_ACCELD;
}

static ssize_t conn_sendmsg(int sock, struct accel_wire_hdr *hdr, const void *body, size_t len,
			    const int *fds, unsigned int nfds)
{
	return accel_wire_send(sock, hdr, body, len, fds, nfds);
}

/* A reply: the daemon gone (end of stream) is -ENODEV, as an unplugged device answers. */
static ssize_t conn_recvmsg(int sock, void *buf, size_t size, int *fds, unsigned int *nfds)
{
	ssize_t n = accel_wire_recv(sock, buf, size, fds, nfds);

	if (n == 0)
		return -ENODEV;
	if (n == -EMSGSIZE || (n > 0 && (size_t)n < sizeof(struct accel_wire_hdr)))
		return -EPROTO;
	return n;
}

static void close_fds(int *fds, unsigned int n)
{
	while (n--)
		close(fds[n]);
}

/* One request and its reply, under the connection's lock. */
static ssize_t conn_call(struct daemon_conn *c, int sock, struct accel_wire_hdr *hdr, const void *body,
			 size_t len, const int *fds, unsigned int nfds, int *rfds, unsigned int *nrfds)
{
	struct accel_wire_hdr *rh = (struct accel_wire_hdr *)c->buf;
	ssize_t n;

	hdr->id = ++c->next_id;
	if (conn_sendmsg(sock, hdr, body, len, fds, nfds) < 0)
		return errno == EPIPE || errno == ECONNRESET ? -ENODEV : -errno;
	n = conn_recvmsg(sock, c->buf, ACCEL_WIRE_MAX_MSG, rfds, nrfds);
	if (n < 0)
		return n;
	if (rh->magic != ACCEL_WIRE_MAGIC || rh->id != hdr->id || rh->op != hdr->op ||
	    rh->size != (size_t)n - sizeof(*rh) || rh->nfds != *nrfds) {
		close_fds(rfds, *nrfds);
		*nrfds = 0;
		return -EPROTO;
	}
	return n;
}

static int conn_read_layouts(struct daemon_conn *c, const unsigned char *p, size_t len,
			     unsigned int count)
{
	size_t off = 0;
	unsigned int i, k;

	c->layouts = calloc(count ? count : 1, sizeof(*c->layouts));
	if (!c->layouts)
		return -ENOMEM;
	for (i = 0; i < count; i++) {
		const struct accel_wire_layout *wl = (const void *)(p + off);
		struct driver_layout *dl = &c->layouts[i];

		if (off + sizeof(*wl) > len)
			return -EPROTO;
		off += sizeof(*wl);
		if (wl->num_ptrs > 16 || wl->num_fds > 16 ||
		    off + wl->num_ptrs * sizeof(struct accel_wire_ptr) +
		    wl->num_fds * sizeof(struct accel_wire_fd) > len)
			return -EPROTO;
		dl->cmd = wl->cmd;
		dl->ptrs = calloc(wl->num_ptrs + 1, sizeof(*dl->ptrs));
		dl->fds = calloc(wl->num_fds + 1, sizeof(*dl->fds));
		c->num_layouts = i + 1;
		if (!dl->ptrs || !dl->fds)
			return -ENOMEM;
		for (k = 0; k < wl->num_ptrs; k++, off += sizeof(struct accel_wire_ptr)) {
			const struct accel_wire_ptr *wp = (const void *)(p + off);

			dl->ptrs[k] = (struct drm_ioctl_ptr){ wp->ptr_offset, wp->count_offset,
							       wp->count_size, wp->dir, wp->elem_size,
							       wp->max_count };
		}
		for (k = 0; k < wl->num_fds; k++, off += sizeof(struct accel_wire_fd)) {
			const struct accel_wire_fd *wf = (const void *)(p + off);

			dl->fds[k] = (struct drm_ioctl_fdfield){ wf->offset, wf->dir };
		}
		dl->layout = (struct drm_ioctl_layout){ dl->ptrs, wl->num_ptrs, dl->fds, wl->num_fds };
	}
	return 0;
}

struct daemon_conn *accel_daemon_conn_get(struct daemon_conn *c)
{
	atomic_fetch_add(&c->refs, 1);
	return c;
}

void accel_daemon_conn_put(struct daemon_conn *c)
{
	if (c && atomic_fetch_sub(&c->refs, 1) == 1)
		accel_daemon_conn_free(c);
}

void accel_daemon_conn_free(struct daemon_conn *c)
{
	unsigned int i;

	if (!c)
		return;
	for (i = 0; i < c->num_layouts; i++) {
		free(c->layouts[i].ptrs);
		free(c->layouts[i].fds);
	}
	free(c->layouts);
	free(c->buf);
	if (c->child_pid == getpid() && c->child_sock >= 0)
		close(c->child_sock);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

struct daemon_conn *accel_daemon_open(const char *sock_path, int flags, int *err)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct accel_wire_hdr hdr = { .op = ACCEL_WIRE_HELLO };
	struct accel_wire_hello hello = { .version = ACCEL_WIRE_VERSION, .open_flags = (uint32_t)flags };
	struct accel_wire_hello_reply *rep;
	struct daemon_conn *c;
	int rfds[ACCEL_WIRE_MAX_FDS];
	unsigned int nrfds;
	ssize_t n;

	if (strlen(sock_path) >= sizeof(addr.sun_path)) {
		*err = -ENAMETOOLONG;
		return NULL;
	}
	strcpy(addr.sun_path, sock_path);
	c = calloc(1, sizeof(*c));
	if (!c || !(c->buf = malloc(ACCEL_WIRE_MAX_MSG))) {
		free(c);
		*err = -ENOMEM;
		return NULL;
	}
	pthread_mutex_init(&c->lock, NULL);
	atomic_init(&c->refs, 1);
	c->sock = socket(AF_UNIX, SOCK_SEQPACKET | ((flags & O_CLOEXEC) ? SOCK_CLOEXEC : 0), 0);
	if (c->sock < 0) {
		*err = -errno;
		goto err_free;
	}
	if (connect(c->sock, (struct sockaddr *)&addr, sizeof(addr))) {
		/* Refused by the node's mode, as open() of a char device would be. */
		*err = errno == ECONNREFUSED || errno == ENOENT ? -ENODEV : -errno;
		goto err_close;
	}
	n = conn_call(c, c->sock, &hdr, &hello, sizeof(hello), NULL, 0, rfds, &nrfds);
	if (n < 0) {
		*err = (int)n;
		goto err_close;
	}
	close_fds(rfds, nrfds);
	hdr = *(struct accel_wire_hdr *)c->buf;
	if (hdr.result < 0) {
		*err = hdr.result;
		goto err_close;
	}
	rep = (struct accel_wire_hello_reply *)(c->buf + sizeof(hdr));
	if (hdr.size < sizeof(*rep)) {
		*err = -EPROTO;
		goto err_close;
	}
	c->client_id = rep->client_id;
	c->pid = getpid();
	c->child_pid = 0;
	c->child_sock = -1;

	*err = conn_read_layouts(c, (unsigned char *)(rep + 1), hdr.size - sizeof(*rep), rep->num_layouts);
	if (*err)
		goto err_close;
	return c;

err_close:
	close(c->sock);
	c->sock = -1;
err_free:
	accel_daemon_conn_free(c);
	return NULL;
}

/*
 * The socket this process talks on. A forked child shares the parent's open file, as on a
 * kernel, but a shared socket would mix the two processes' replies: the child asks, on the
 * inherited connection, for the same file to be served on a socketpair of its own.
 */
static int conn_sock(struct daemon_conn *c, int fd)
{
	struct accel_wire_hdr hdr = { .op = ACCEL_WIRE_ATTACH };
	int rfds[ACCEL_WIRE_MAX_FDS];
	unsigned int nrfds;
	pid_t me = getpid();
	ssize_t n;
	int sv[2];

	if (me == c->pid)
		return fd;
	if (me == c->child_pid)
		return c->child_sock;
	/* The parent's lock state was copied at fork: only this thread exists here. */
	pthread_mutex_init(&c->lock, NULL);
	c->child_pid = me;
	c->child_sock = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -errno;
	hdr.id = ++c->next_id;
	if (conn_sendmsg(fd, &hdr, NULL, 0, &sv[1], 1) < 0) {
		close(sv[0]);
		close(sv[1]);
		return -ENODEV;
	}
	close(sv[1]);
	n = conn_recvmsg(sv[0], c->buf, ACCEL_WIRE_MAX_MSG, rfds, &nrfds);
	if (n >= 0) {
		struct accel_wire_hdr *rh = (struct accel_wire_hdr *)c->buf;

		close_fds(rfds, nrfds);
		n = rh->op != ACCEL_WIRE_ATTACH || rh->id != hdr.id ? -EPROTO : rh->result;
	}
	if (n < 0) {
		close(sv[0]);
		return (int)n;
	}
	c->child_sock = sv[0];
	return sv[0];
}

int accel_daemon_fd(struct daemon_conn *c)
{
	return c->sock;
}

static const struct drm_ioctl_layout *conn_layout(struct daemon_conn *c, unsigned long request)
{
	unsigned int nr = _IOC_NR(request), i;

	if (_IOC_TYPE(request) != DRM_IOCTL_BASE)
		return NULL;
	if (nr >= DRM_COMMAND_BASE && nr < DRM_COMMAND_END) {
		for (i = 0; i < c->num_layouts; i++)
			if (_IOC_NR(c->layouts[i].cmd) == nr)
				return &c->layouts[i].layout;
		return NULL;
	}
	{
		const struct drm_ioctl_desc *d = drm_ioctl_core_desc(nr);

		return d ? d->layout : NULL;
	}
}

static uint64_t read_field(const void *arg, unsigned int off, unsigned int size)
{
	const unsigned char *p = (const unsigned char *)arg + off;

	switch (size) {
	case 1: return *p;
	case 2: { uint16_t v; memcpy(&v, p, 2); return v; }
	case 4: { uint32_t v; memcpy(&v, p, 4); return v; }
	case 8: { uint64_t v; memcpy(&v, p, 8); return v; }
	default: return 1;
	}
}

struct marshal {
	unsigned char *msg;
	size_t len;
	struct accel_wire_ioctl *req;
	struct { uint64_t addr; uint32_t len; uint32_t kind; } win[ACCEL_WIRE_MAX_REGIONS];
	unsigned int nwin;
};

/* Add a region; IN bytes are read with process_vm_readv so that a bad pointer is -EFAULT. */
static int marshal_region(struct marshal *m, uint64_t addr, uint64_t len, unsigned int kind)
{
	struct accel_wire_region *r;

	if (!len || addr < USER_GUARD || addr + len < addr)
		return 0; /* the daemon will find no memory there: -EFAULT, as a kernel would */
	if (m->req->num_regions == ACCEL_WIRE_MAX_REGIONS)
		return -E2BIG;
	if (m->len + sizeof(*r) + ((kind & ACCEL_REGION_IN) ? ALIGN8(len) : 0) > ACCEL_WIRE_MAX_MSG - 64)
		return -E2BIG;
	r = (struct accel_wire_region *)(m->msg + m->len);
	r->addr = addr;
	r->len = (uint32_t)len;
	r->kind = kind;
	if (kind & ACCEL_REGION_IN) {
		struct iovec local = { m->msg + m->len + sizeof(*r), len };
		struct iovec remote = { (void *)(uintptr_t)addr, len };

		if (process_vm_readv(getpid(), &local, 1, &remote, 1, 0) != (ssize_t)len) {
			if (errno != EFAULT && errno != ENOSYS && errno != EPERM)
				return -errno;
			if (errno != EFAULT) {
				memcpy(m->msg + m->len + sizeof(*r), (void *)(uintptr_t)addr, len);
			} else {
				r->kind &= ~ACCEL_REGION_IN;
				if (!r->kind)
					return 0;
			}
		}
		if (r->kind & ACCEL_REGION_IN) {
			memset(m->msg + m->len + sizeof(*r) + len, 0, ALIGN8(len) - len);
			m->len += ALIGN8(len);
		}
	}
	m->len += sizeof(*r);
	m->req->num_regions++;
	if (kind & ACCEL_REGION_OUT) {
		m->win[m->nwin].addr = addr;
		m->win[m->nwin].len = (uint32_t)len;
		m->win[m->nwin].kind = kind;
		m->nwin++;
	}
	return 0;
}

static bool in_windows(const struct marshal *m, uint64_t addr, uint32_t len)
{
	unsigned int i;

	for (i = 0; i < m->nwin; i++)
		if (addr >= m->win[i].addr && len <= m->win[i].len && addr - m->win[i].addr <= m->win[i].len - len)
			return true;
	return false;
}

int accel_daemon_ioctl(struct daemon_conn *c, int sock, unsigned long request, void *arg)
{
	const struct drm_ioctl_layout *lay = conn_layout(c, request);
	unsigned int size = _IOC_SIZE(request), dir = _IOC_DIR(request), i;
	unsigned char *msg = malloc(ACCEL_WIRE_MAX_MSG);
	struct accel_wire_hdr hdr = { .op = ACCEL_WIRE_IOCTL };
	struct marshal m = { .msg = msg };
	int fds[ACCEL_WIRE_MAX_FDS], rfds[ACCEL_WIRE_MAX_FDS];
	unsigned int nfds = 0, nrfds = 0;
	uintptr_t a = (uintptr_t)arg;
	bool arg_ok = a >= USER_GUARD;
	ssize_t n;
	int ret;

	if (!msg)
		return -ENOMEM;
	sock = conn_sock(c, sock);
	if (sock < 0) {
		free(msg);
		return sock;
	}
	m.req = (struct accel_wire_ioctl *)msg;
	memset(m.req, 0, sizeof(*m.req));
	m.req->cmd = request;
	m.req->arg = a;
	m.len = sizeof(*m.req);
	ret = marshal_region(&m, a, size,
			     ((dir & _IOC_WRITE) ? ACCEL_REGION_IN : 0) | ((dir & _IOC_READ) ? ACCEL_REGION_OUT : 0));
	for (i = 0; !ret && arg_ok && lay && i < lay->num_ptrs; i++) {
		const struct drm_ioctl_ptr *p = &lay->ptrs[i];
		uint64_t ptr, count;
		unsigned int kind = 0;

		if (p->ptr_offset + 8u > size || (p->count_size && p->count_offset + p->count_size > size))
			continue;
		if (!(dir & _IOC_WRITE))
			continue; /* the handler sees zeros: no pointer to follow */
		ptr = read_field(arg, p->ptr_offset, 8);
		count = p->count_size ? read_field(arg, p->count_offset, p->count_size) : 1;
		if (count > p->max_count)
			count = p->max_count;
		if (p->dir & DRM_IOCTL_IN)
			kind |= ACCEL_REGION_IN;
		if (p->dir & DRM_IOCTL_OUT)
			kind |= ACCEL_REGION_OUT;
		ret = marshal_region(&m, ptr, count * p->elem_size, kind);
	}
	for (i = 0; !ret && arg_ok && lay && i < lay->num_fds; i++) {
		const struct drm_ioctl_fdfield *f = &lay->fds[i];
		int32_t v;

		if (!(f->dir & DRM_IOCTL_IN) || f->offset + 4u > size || !(dir & _IOC_WRITE))
			continue;
		v = (int32_t)read_field(arg, f->offset, 4);
		if (v < 0 || fcntl(v, F_GETFD) < 0)
			continue; /* the daemon finds no such descriptor: -EBADF */
		m.req->fd_numbers[nfds] = v;
		fds[nfds++] = v;
	}
	m.req->num_fds = nfds;
	if (ret)
		goto out;

	pthread_mutex_lock(&c->lock);
	n = conn_call(c, sock, &hdr, msg, m.len, fds, nfds, rfds, &nrfds);
	if (n < 0) {
		pthread_mutex_unlock(&c->lock);
		ret = (int)n;
		goto out;
	}
	{
		struct accel_wire_hdr *rh = (struct accel_wire_hdr *)c->buf;
		struct accel_wire_ioctl_reply *rep = (struct accel_wire_ioctl_reply *)(rh + 1);
		size_t off = sizeof(*rep);

		ret = rh->result;
		if (rh->size < sizeof(*rep) || rep->num_fds != nrfds) {
			ret = -EPROTO;
		} else {
			for (i = 0; i < rep->num_writes; i++) {
				struct accel_wire_write *w = (struct accel_wire_write *)((unsigned char *)rep + off);

				if (off + sizeof(*w) > rh->size || ALIGN8(w->len) > rh->size - off - sizeof(*w) ||
				    !in_windows(&m, w->addr, w->len)) {
					ret = -EPROTO;
					break;
				}
				memcpy((void *)(uintptr_t)w->addr, w + 1, w->len);
				off += sizeof(*w) + ALIGN8(w->len);
			}
			/* Give the caller the descriptors in place of the numbers that stand for them. */
			for (i = 0; ret != -EPROTO && lay && i < lay->num_fds; i++) {
				const struct drm_ioctl_fdfield *f = &lay->fds[i];
				int32_t v;

				if (!(f->dir & DRM_IOCTL_OUT) || f->offset + 4u > size || !arg_ok)
					continue;
				v = (int32_t)read_field(arg, f->offset, 4);
				if (v >= ACCEL_WIRE_FD_BASE && (unsigned int)(v - ACCEL_WIRE_FD_BASE) < nrfds) {
					unsigned int k = (unsigned int)(v - ACCEL_WIRE_FD_BASE);
					int fd = rfds[k];

					if (!(rep->fd_flags[k] & O_CLOEXEC))
						fcntl(fd, F_SETFD, 0);
					memcpy((unsigned char *)arg + f->offset, &fd, 4);
					rfds[k] = -1;
				}
			}
		}
	}
	pthread_mutex_unlock(&c->lock);
	for (i = 0; i < nrfds; i++)
		if (rfds[i] >= 0)
			close(rfds[i]);
out:
	free(msg);
	return ret;
}

int accel_daemon_mmap(struct daemon_conn *c, int sock, uint64_t offset, size_t len, int prot,
		      int flags, int *map_fd, off_t *map_offset, uint64_t *handle)
{
	struct accel_wire_hdr hdr = { .op = ACCEL_WIRE_MMAP };
	struct accel_wire_mmap req = { offset, len, prot, flags };
	int rfds[ACCEL_WIRE_MAX_FDS];
	unsigned int nrfds = 0;
	ssize_t n;
	int ret;

	sock = conn_sock(c, sock);
	if (sock < 0)
		return sock;
	pthread_mutex_lock(&c->lock);
	n = conn_call(c, sock, &hdr, &req, sizeof(req), NULL, 0, rfds, &nrfds);
	if (n < 0) {
		pthread_mutex_unlock(&c->lock);
		return (int)n;
	}
	{
		struct accel_wire_hdr *rh = (struct accel_wire_hdr *)c->buf;
		struct accel_wire_mmap_reply *rep = (struct accel_wire_mmap_reply *)(rh + 1);

		ret = rh->result;
		if (!ret && (rh->size != sizeof(*rep) || nrfds != 1))
			ret = -EPROTO;
		if (!ret) {
			*map_fd = rfds[0];
			*map_offset = (off_t)rep->map_offset;
			*handle = rep->handle;
			nrfds = 0;
		}
	}
	pthread_mutex_unlock(&c->lock);
	close_fds(rfds, nrfds);
	return ret;
}

void accel_daemon_munmap(struct daemon_conn *c, int sock, uint64_t handle)
{
	struct accel_wire_hdr hdr = { .op = ACCEL_WIRE_MUNMAP, .id = 0 };
	struct accel_wire_munmap req = { handle };

	sock = conn_sock(c, sock);
	if (sock < 0)
		return;
	pthread_mutex_lock(&c->lock);
	/* No reply: a gone daemon has dropped the mapping already. */
	conn_sendmsg(sock, &hdr, &req, sizeof(req), NULL, 0);
	pthread_mutex_unlock(&c->lock);
}

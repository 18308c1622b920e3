// SPDX-License-Identifier: MIT
/*
 * The daemon backend: a node opened through acceld's socket. See wire/protocol.h
 * for the messages. Each request marshals the argument and the memory its pointer fields
 * name (the layouts: the core's own, the driver's from the handshake) and applies the
 * daemon's writes to the caller's memory on return.
 *
 * Threads share a connection as they share a descriptor on a kernel, and a blocking call in
 * one must not hold up the others. Requests carry ids and go out as they come (a
 * SOCK_SEQPACKET send is one whole message, whoever else sends); replies come back in any
 * order and are sorted out by whichever waiting thread happens to be receiving: it reads one
 * reply, hands it to the thread that owns its id, and the receiving role passes on (a
 * leader/follower demultiplexer, struct wire_mux). No thread is added for this, and a
 * caller alone on its connection pays a lock and no hand-off. One socket per thread (the
 * "attach" used for forked children) was the alternative, rejected because a thread would
 * need a live socket to ask for its own while every socket may be blocked in a wait.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sync_file.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <accel/drm_ioctl.h>
#include <uapi/sw_sync.h>
#include "wire/protocol.h"
#include "host/host.h"
#include "daemon.h"
#include "wire/wire_io.h"
#include "wire/shm_ring.h"

#define ALIGN8(x) (((x) + 7u) & ~7u)
#define USER_GUARD 4096

struct driver_layout {
	uint32_t cmd;
	struct drm_ioctl_layout layout;
	struct drm_ioctl_ptr *ptrs;
	struct drm_ioctl_fdfield *fds;
};

/* struct wire_waiter - a request waiting for its reply (on its caller's stack). */
struct wire_waiter {
	uint32_t id;
	bool done;
	unsigned char *buf; /* ACCEL_WIRE_MAX_MSG bytes; the reply once @done */
	size_t len;
	int fds[ACCEL_WIRE_MAX_FDS];
	unsigned int nfds;
	struct wire_waiter *next;
};

/*
 * struct wire_mux - the requests in flight on one socket. @sock is constant; @lock guards
 * the rest. @reading: a thread is receiving (the others wait on @cond for their reply or
 * for the role); @dead: the stream ended or broke (-errno), every later call fails with it.
 */
struct wire_mux {
	int sock;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint32_t next_id;
	bool reading;
	int dead;
	struct wire_waiter *waiters;
	/*
	 * The shared-memory path (docs/acceld-shm.md), constant once the connection is
	 * published: @ring_on when the daemon took @ring. (No dup of @sock watches the daemon:
	 * it would keep the connection open after the caller's close().)
	 */
	bool ring_on;
	struct accel_shm_ring ring;
};

/*
 * struct daemon_conn - one connection (one open file). @mux is the opening process's,
 * @child's the forked child's that attached a socket of its own (@child_pid). The layouts,
 * @ino and @pid are constant after open; @sock (and @mux.sock) change only when the
 * descriptor is closed while a dup() of it lives on (accel_daemon_conn_rebind()). @next is
 * guarded by conns_lock.
 */
struct daemon_conn {
	atomic_uint refs;
	int sock;
	ino_t ino;
	/* the process that opened it; a forked child attaches a socket of its own */
	pid_t pid;
	struct wire_mux mux;
	pid_t child_pid;
	struct wire_mux *child;
	uint64_t client_id;
	/* made by accel_daemon_adopt(): layouts and client id come with its first attach */
	bool adopted;
	struct driver_layout *layouts;
	unsigned int num_layouts;
	struct daemon_conn *next;
};

/* Every connection with a reference, for calls that belong to none (sync_file ioctls). */
static pthread_mutex_t conns_lock = PTHREAD_MUTEX_INITIALIZER;
static struct daemon_conn *conns;

bool accel_daemon_serving(void)
{
	struct accel_root_owner owner;

	/* acceld holds the root's lock (host/root.c) for as long as it serves. */
	return !accel_root_owner(accel_root_shared(), &owner) && owner.holder == ACCEL_ROOT_ACCELD;
}

static void mux_init(struct wire_mux *mx, int sock)
{
	memset(mx, 0, sizeof(*mx));
	mx->sock = sock;
	mx->ring.fd = -1;
	pthread_mutex_init(&mx->lock, NULL);
	pthread_cond_init(&mx->cond, NULL);
}

static void mux_destroy(struct wire_mux *mx)
{
	if (mx->ring.sh || mx->ring.fd >= 0)
		accel_shm_ring_destroy(&mx->ring);
	pthread_mutex_destroy(&mx->lock);
	pthread_cond_destroy(&mx->cond);
}

static void close_fds(int *fds, unsigned int n)
{
	while (n--)
		close(fds[n]);
}

/* Receive one reply for whoever waits for it. Called with @mx->lock held, as the reader. */
static void mux_receive_locked(struct wire_mux *mx, struct wire_waiter *self)
{
	const struct accel_wire_hdr *rh;
	struct wire_waiter *owner;
	int fds[ACCEL_WIRE_MAX_FDS];
	unsigned int nfds;
	unsigned char *buf = self->buf;
	ssize_t n;

	mx->reading = true;
	pthread_mutex_unlock(&mx->lock);
	n = accel_wire_recv(mx->sock, buf, ACCEL_WIRE_MAX_MSG, fds, &nfds);
	pthread_mutex_lock(&mx->lock);
	mx->reading = false;
	/* The daemon gone (end of stream) is -ENODEV, as an unplugged device answers. */
	if (n == 0)
		n = -ENODEV;
	else if (n == -EMSGSIZE || (n > 0 && (size_t)n < sizeof(*rh)))
		n = -EPROTO;
	if (n < 0) {
		close_fds(fds, nfds);
		mx->dead = (int)n;
		goto out;
	}
	rh = (const struct accel_wire_hdr *)buf;
	for (owner = mx->waiters; owner && owner->id != rh->id; owner = owner->next)
		;
	if (!owner || owner->done || rh->magic != ACCEL_WIRE_MAGIC) {
		/* A reply nobody asked for: the stream cannot be trusted any more. */
		close_fds(fds, nfds);
		mx->dead = -EPROTO;
		goto out;
	}
	if (owner != self) {
		/* Hand the filled buffer over and keep the owner's empty one. */
		self->buf = owner->buf;
		owner->buf = buf;
	}
	owner->len = (size_t)n;
	memcpy(owner->fds, fds, sizeof(int) * nfds);
	owner->nfds = nfds;
	owner->done = true;
out:
	/* The owner wakes for its reply, a waiter for the receiving role. */
	pthread_cond_broadcast(&mx->cond);
}

/*
 * One request and its reply on @mx. On success the reply is in @w (w->buf, w->len, w->fds:
 * the caller's to close) and the result is 0; -errno otherwise (nothing to release but
 * w->buf, which the caller always frees).
 */
static int mux_call(struct wire_mux *mx, struct accel_wire_hdr *hdr, const void *body, size_t len,
		    const int *fds, unsigned int nfds, struct wire_waiter *w)
{
	struct wire_waiter **pp;
	int err = 0;

	memset(w, 0, sizeof(*w));
	w->buf = malloc(ACCEL_WIRE_MAX_MSG);
	if (!w->buf)
		return -ENOMEM;
	pthread_mutex_lock(&mx->lock);
	if (mx->dead) {
		err = mx->dead;
		pthread_mutex_unlock(&mx->lock);
		return err;
	}
	w->id = ++mx->next_id;
	w->next = mx->waiters;
	mx->waiters = w;
	pthread_mutex_unlock(&mx->lock);

	hdr->id = w->id;
	if (accel_wire_send(mx->sock, hdr, body, len, fds, nfds) < 0)
		err = errno == EPIPE || errno == ECONNRESET ? -ENODEV : -errno;

	pthread_mutex_lock(&mx->lock);
	while (!err && !w->done && !mx->dead) {
		if (mx->reading)
			pthread_cond_wait(&mx->cond, &mx->lock);
		else
			mux_receive_locked(mx, w);
	}
	if (!err && !w->done)
		err = mx->dead;
	for (pp = &mx->waiters; *pp; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	}
	pthread_mutex_unlock(&mx->lock);
	return err;
}

/*
 * A request's reply, checked: its header (*rh) and body (*body, *owned: a copy to free when
 * it came in a memfd). 0 or -EPROTO, with the reply's descriptors closed on failure.
 */
static int reply_check(const struct accel_wire_hdr *req, struct wire_waiter *w,
		       const struct accel_wire_hdr **rh, unsigned char **body, bool *owned)
{
	const struct accel_wire_hdr *h = (const struct accel_wire_hdr *)w->buf;

	*owned = false;
	if (h->op != req->op || h->nfds != w->nfds || (h->flags & ~ACCEL_WIRE_F_MEMFD) ||
	    accel_wire_body(h, w->len, w->buf, w->fds, &w->nfds, body, owned)) {
		close_fds(w->fds, w->nfds);
		w->nfds = 0;
		return -EPROTO;
	}
	*rh = h;
	return 0;
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

static void conns_unlink(struct daemon_conn *c)
{
	struct daemon_conn **pp;

	pthread_mutex_lock(&conns_lock);
	for (pp = &conns; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	pthread_mutex_unlock(&conns_lock);
}

void accel_daemon_conn_free(struct daemon_conn *c)
{
	unsigned int i;

	if (!c)
		return;
	conns_unlink(c);
	for (i = 0; i < c->num_layouts; i++) {
		free(c->layouts[i].ptrs);
		free(c->layouts[i].fds);
	}
	free(c->layouts);
	if (c->child && c->child_pid == getpid()) {
		close(c->child->sock);
		mux_destroy(c->child);
		free(c->child);
	}
	mux_destroy(&c->mux);
	free(c);
}

/* The daemon hung up (or the socket broke): a ring wait that timed out gives up. */
static bool ring_daemon_alive(void *ctx)
{
	struct wire_mux *mx = ctx;
	struct pollfd p = { .events = POLLRDHUP };

	pthread_mutex_lock(&mx->lock); /* accel_daemon_conn_rebind() may move it */
	p.fd = mx->sock;
	pthread_mutex_unlock(&mx->lock);
	return !(poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)));
}

/*
 * Offer the daemon a request ring (ACCEL_WIRE_SHM_RING). Any failure leaves the connection
 * on the socket alone, which serves every request all the same; ACCEL_WIRE_SHM=0 asks for that.
 */
static void mux_ring_setup(struct wire_mux *mx)
{
	struct accel_wire_hdr hdr = { .op = ACCEL_WIRE_SHM_RING };
	const char *env = getenv("ACCEL_WIRE_SHM");
	struct wire_waiter w = { 0 };
	const struct accel_wire_hdr *rh;
	unsigned char *body;
	bool owned = false;
	bool taken = false;
	int fd;

	if (env && !strcmp(env, "0"))
		return;
	if (accel_shm_ring_create(&mx->ring))
		return;
	fd = mx->ring.fd;
	if (mux_call(mx, &hdr, NULL, 0, &fd, 1, &w) == 0 && reply_check(&hdr, &w, &rh, &body, &owned) == 0) {
		close_fds(w.fds, w.nfds);
		taken = rh->result == 0;
		if (owned)
			free(body);
	}
	free(w.buf);
	/* The daemon holds its own mapping: this side's descriptor is no longer needed. */
	close(mx->ring.fd);
	mx->ring.fd = -1;
	if (!taken) {
		accel_shm_ring_destroy(&mx->ring);
		return;
	}
	accel_shm_ring_set_liveness(&mx->ring, ring_daemon_alive, mx, 200);
	mx->ring_on = true;
}

struct daemon_conn *accel_daemon_open(const char *sock_path, int flags, int *err)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct accel_wire_hdr hdr = { .op = ACCEL_WIRE_HELLO };
	struct accel_wire_hello hello = { .version = ACCEL_WIRE_VERSION, .open_flags = (uint32_t)flags };
	const struct accel_wire_hello_reply *rep;
	const struct accel_wire_hdr *rh;
	struct wire_waiter w = { 0 };
	struct daemon_conn *c;
	unsigned char *body;
	struct stat st;
	bool owned = false;

	if (strlen(sock_path) >= sizeof(addr.sun_path)) {
		*err = -ENAMETOOLONG;
		return NULL;
	}
	strcpy(addr.sun_path, sock_path);
	c = calloc(1, sizeof(*c));
	if (!c) {
		*err = -ENOMEM;
		return NULL;
	}
	atomic_init(&c->refs, 1);
	c->sock = socket(AF_UNIX, SOCK_SEQPACKET | ((flags & O_CLOEXEC) ? SOCK_CLOEXEC : 0), 0);
	mux_init(&c->mux, c->sock);
	if (c->sock < 0) {
		*err = -errno;
		goto err_free;
	}
	if (connect(c->sock, (struct sockaddr *)&addr, sizeof(addr))) {
		/* Refused by the node's mode, as open() of a char device would be. */
		*err = errno == ECONNREFUSED || errno == ENOENT ? -ENODEV : -errno;
		goto err_close;
	}
	*err = mux_call(&c->mux, &hdr, &hello, sizeof(hello), NULL, 0, &w);
	if (*err)
		goto err_close;
	*err = reply_check(&hdr, &w, &rh, &body, &owned);
	if (*err)
		goto err_close;
	close_fds(w.fds, w.nfds);
	if (rh->result < 0) {
		*err = rh->result;
		goto err_close;
	}
	rep = (const struct accel_wire_hello_reply *)body;
	if (rh->size < sizeof(*rep)) {
		*err = -EPROTO;
		goto err_close;
	}
	c->client_id = rep->client_id;
	c->pid = getpid();
	c->child_pid = 0;
	c->child = NULL;
	c->ino = fstat(c->sock, &st) ? 0 : st.st_ino;

	*err = conn_read_layouts(c, (const unsigned char *)(rep + 1), rh->size - sizeof(*rep),
				 rep->num_layouts);
	if (*err)
		goto err_close;
	if (owned)
		free(body);
	free(w.buf);
	mux_ring_setup(&c->mux);
	pthread_mutex_lock(&conns_lock);
	c->next = conns;
	conns = c;
	pthread_mutex_unlock(&conns_lock);
	return c;

err_close:
	if (owned)
		free(body);
	close(c->sock);
	c->sock = -1;
err_free:
	free(w.buf);
	accel_daemon_conn_free(c);
	return NULL;
}

/*
 * The socket this process talks on. A forked child shares the parent's open file, as on a
 * kernel, but a shared socket would mix the two processes' replies: the child asks, on the
 * inherited connection, for the same file to be served on a socketpair of its own.
 */
static struct wire_mux *conn_mux(struct daemon_conn *c, int fd, int *err)
{
	struct accel_wire_hdr hdr = { .op = ACCEL_WIRE_ATTACH };
	const struct accel_wire_hdr *rh;
	struct wire_waiter w;
	struct wire_mux *mx;
	unsigned char *body;
	pid_t me = getpid();
	bool owned;
	int sv[2];

	(void)fd;
	if (me == c->pid)
		return &c->mux;
	if (me == c->child_pid && c->child)
		return c->child;
	/* The parent's state was copied at fork (only this thread exists here) or attaching failed. */
	c->child_pid = 0;
	c->child = NULL;
	mx = malloc(sizeof(*mx));
	if (!mx) {
		*err = -ENOMEM;
		return NULL;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		*err = -errno;
		free(mx);
		return NULL;
	}
	/* The attach goes out on the inherited socket; its answer comes on the new one. */
	hdr.id = 1;
	if (accel_wire_send(c->sock, &hdr, NULL, 0, &sv[1], 1) < 0) {
		close(sv[0]);
		close(sv[1]);
		free(mx);
		*err = -ENODEV;
		return NULL;
	}
	close(sv[1]);
	mux_init(mx, sv[0]);
	mx->next_id = 0; /* the answer carries id 1, which mux_call() gives its first request */
	{
		struct wire_waiter *wp = &w;

		memset(wp, 0, sizeof(*wp));
		wp->buf = malloc(ACCEL_WIRE_MAX_MSG);
		wp->id = 1;
		*err = wp->buf ? 0 : -ENOMEM;
		if (!*err) {
			pthread_mutex_lock(&mx->lock);
			mx->next_id = 1;
			mx->waiters = wp;
			while (!wp->done && !mx->dead)
				mux_receive_locked(mx, wp);
			mx->waiters = NULL;
			*err = wp->done ? 0 : mx->dead;
			pthread_mutex_unlock(&mx->lock);
		}
	}
	if (!*err) {
		*err = reply_check(&hdr, &w, &rh, &body, &owned);
		if (!*err) {
			const struct accel_wire_hello_reply *rep = (const struct accel_wire_hello_reply *)body;

			close_fds(w.fds, w.nfds);
			*err = rh->result;
			/* An adopted connection learns its layouts and client id from the answer. */
			if (!*err && c->adopted && !c->layouts) {
				if (rh->size < sizeof(*rep))
					*err = -EPROTO;
				else {
					c->client_id = rep->client_id;
					*err = conn_read_layouts(c, (const unsigned char *)(rep + 1),
								 rh->size - sizeof(*rep), rep->num_layouts);
				}
			}
			if (owned)
				free(body);
		}
	}
	free(w.buf);
	if (*err) {
		close(sv[0]);
		mux_destroy(mx);
		free(mx);
		return NULL;
	}
	c->child = mx;
	c->child_pid = me;
	return mx;
}

int accel_daemon_fd(struct daemon_conn *c)
{
	return c->sock;
}

struct daemon_conn *accel_daemon_adopt(int sock, int *err)
{
	struct daemon_conn *c = calloc(1, sizeof(*c));
	struct stat st;

	if (!c) {
		*err = -ENOMEM;
		return NULL;
	}
	if (fstat(sock, &st) || !S_ISSOCK(st.st_mode)) {
		free(c);
		*err = -EBADF;
		return NULL;
	}
	atomic_init(&c->refs, 1);
	c->sock = sock;
	c->ino = st.st_ino;
	c->adopted = true;
	/* No process opened it here: the first use attaches a socket of this process's own. */
	c->pid = 0;
	mux_init(&c->mux, sock);
	if (!conn_mux(c, sock, err)) {
		mux_destroy(&c->mux);
		free(c);
		return NULL;
	}
	pthread_mutex_lock(&conns_lock);
	c->next = conns;
	conns = c;
	pthread_mutex_unlock(&conns_lock);
	return c;
}

void accel_daemon_conn_rebind(struct daemon_conn *c, int closed, int other)
{
	pthread_mutex_lock(&c->mux.lock);
	if (c->sock == closed) {
		c->sock = other;
		c->mux.sock = other;
	}
	pthread_mutex_unlock(&c->mux.lock);
}

uint64_t accel_daemon_client_id(struct daemon_conn *c)
{
	return c->client_id;
}

/* sw_sync's ioctls: the descriptor CREATE_FENCE gives, the one GET_DEADLINE reads. */
static const struct drm_ioctl_fdfield sw_sync_create_fds[] = {
	DRM_IOCTL_FD(struct sw_sync_create_fence_data, fence, DRM_IOCTL_OUT),
};
static const struct drm_ioctl_layout sw_sync_create_layout = { NULL, 0, sw_sync_create_fds, 1 };
static const struct drm_ioctl_fdfield sw_sync_deadline_fds[] = {
	DRM_IOCTL_FD(struct sw_sync_get_deadline, fence_fd, DRM_IOCTL_IN),
};
static const struct drm_ioctl_layout sw_sync_deadline_layout = { NULL, 0, sw_sync_deadline_fds, 1 };

static const struct drm_ioctl_layout *conn_layout(struct daemon_conn *c, unsigned long request)
{
	unsigned int nr = _IOC_NR(request), i;

	if (request == SW_SYNC_IOC_CREATE_FENCE)
		return &sw_sync_create_layout;
	if (request == SW_SYNC_GET_DEADLINE)
		return &sw_sync_deadline_layout;
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

/* A request being built: grows past one datagram (sent in a memfd) up to ACCEL_WIRE_MAX_LARGE. */
struct marshal {
	unsigned char *msg;
	size_t len;
	size_t cap;
	struct { uint64_t addr; uint32_t len; uint32_t kind; } win[ACCEL_WIRE_MAX_REGIONS];
	unsigned int nwin;
};

static struct accel_wire_ioctl *marshal_req(struct marshal *m)
{
	return (struct accel_wire_ioctl *)m->msg;
}

static int marshal_reserve(struct marshal *m, size_t need)
{
	unsigned char *bigger;
	size_t cap;

	if (m->len + need <= m->cap)
		return 0;
	if (m->len + need > ACCEL_WIRE_MAX_LARGE)
		return -E2BIG;
	for (cap = m->cap * 2; cap < m->len + need; cap *= 2)
		;
	bigger = realloc(m->msg, cap);
	if (!bigger)
		return -ENOMEM;
	m->msg = bigger;
	m->cap = cap;
	return 0;
}

/* Add a region; IN bytes are read with process_vm_readv so that a bad pointer is -EFAULT. */
static int marshal_region(struct marshal *m, uint64_t addr, uint64_t len, unsigned int kind)
{
	struct accel_wire_region *r;
	int err;

	if (!len || addr < USER_GUARD || addr + len < addr)
		return 0; /* the daemon will find no memory there: -EFAULT, as a kernel would */
	if (marshal_req(m)->num_regions == ACCEL_WIRE_MAX_REGIONS || len > ACCEL_WIRE_MAX_LARGE)
		return -E2BIG;
	err = marshal_reserve(m, sizeof(*r) + ((kind & ACCEL_REGION_IN) ? ALIGN8(len) : 0));
	if (err)
		return err;
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
	marshal_req(m)->num_regions++;
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

/*
 * Whether an ioctl may go through the ring: no descriptor in either direction (those need
 * SCM_RIGHTS) and a request and a reply that fit a slot. The reply holds at most one write
 * per OUT window in practice; half a slot is left spare for a handler that writes twice.
 */
static bool ring_fits(const struct wire_mux *mx, uint16_t op, const struct drm_ioctl_layout *lay,
		      const struct marshal *m, unsigned int nfds)
{
	size_t reply = sizeof(struct accel_wire_ioctl_reply);

	if (!mx->ring_on || op != ACCEL_WIRE_IOCTL || nfds || (lay && lay->num_fds) ||
	    m->len > ACCEL_SHM_SLOT_DATA)
		return false;
	for (unsigned int i = 0; i < m->nwin; i++)
		reply += sizeof(struct accel_wire_write) + ALIGN8(m->win[i].len);
	return reply <= ACCEL_SHM_SLOT_DATA / 2;
}

/*
 * The request through the ring: 0 with the reply in *@rhdr and @body (ACCEL_SHM_SLOT_DATA
 * bytes); -EAGAIN when the ring had no room (the caller sends on the socket); -errno otherwise.
 */
static int ring_call(struct wire_mux *mx, const struct marshal *m, struct accel_wire_hdr *rhdr,
		     unsigned char *body)
{
	size_t len = 0;
	int32_t result = 0;
	int err;

	err = accel_shm_ring_call(&mx->ring, ACCEL_WIRE_IOCTL, m->msg, m->len, body,
				  ACCEL_SHM_SLOT_DATA, &len, &result);
	if (err)
		return err == -EMSGSIZE ? -EPROTO : err;
	memset(rhdr, 0, sizeof(*rhdr));
	rhdr->magic = ACCEL_WIRE_MAGIC;
	rhdr->op = ACCEL_WIRE_IOCTL;
	rhdr->result = result;
	rhdr->size = (uint32_t)len;
	return 0;
}

/*
 * An ioctl through the daemon: @op ACCEL_WIRE_IOCTL on the connection's file, or
 * ACCEL_WIRE_SYNC_FILE_IOCTL on the sync_file @target (sent ahead of the argument's fds).
 */
static int daemon_ioctl(struct wire_mux *mx, uint16_t op, int target, const struct drm_ioctl_layout *lay,
			unsigned long request, void *arg)
{
	unsigned int size = _IOC_SIZE(request), dir = _IOC_DIR(request), i;
	struct accel_wire_hdr hdr = { .op = op }, ring_hdr;
	/* The ring's reply lands here: no allocation on the hot path. */
	_Alignas(8) unsigned char ring_body[ACCEL_SHM_SLOT_DATA];
	const struct accel_wire_hdr *rh;
	struct marshal m = { 0 };
	int fds[ACCEL_WIRE_MAX_FDS];
	struct wire_waiter w = { 0 };
	unsigned int nfds = 0, first_arg_fd;
	uintptr_t a = (uintptr_t)arg;
	bool arg_ok = a >= USER_GUARD, owned = false;
	unsigned char *body = NULL;
	int ret;

	m.cap = 4096;
	m.msg = malloc(m.cap);
	if (!m.msg)
		return -ENOMEM;
	memset(m.msg, 0, sizeof(struct accel_wire_ioctl));
	marshal_req(&m)->cmd = request;
	marshal_req(&m)->arg = a;
	m.len = sizeof(struct accel_wire_ioctl);
	if (target >= 0)
		fds[nfds++] = target;
	first_arg_fd = nfds;
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
		if (nfds == ACCEL_WIRE_MAX_FDS - 1) {
			ret = -E2BIG; /* one stays free for the memfd of a large request */
			break;
		}
		marshal_req(&m)->fd_numbers[nfds - first_arg_fd] = v;
		fds[nfds++] = v;
	}
	marshal_req(&m)->num_fds = nfds - first_arg_fd;
	if (ret)
		goto out;

	ret = -EAGAIN;
	if (ring_fits(mx, op, lay, &m, nfds)) {
		ret = ring_call(mx, &m, &ring_hdr, ring_body);
		if (ret != -EAGAIN && ret)
			goto out;
		if (!ret) {
			rh = &ring_hdr;
			body = ring_body;
		}
	}
	if (ret == -EAGAIN) {
		ret = mux_call(mx, &hdr, m.msg, m.len, fds, nfds, &w);
		if (ret)
			goto out;
		ret = reply_check(&hdr, &w, &rh, &body, &owned);
		if (ret)
			goto out;
	}
	{
		const struct accel_wire_ioctl_reply *rep = (const struct accel_wire_ioctl_reply *)body;
		size_t off = sizeof(*rep);

		ret = rh->result;
		if (rh->size < sizeof(*rep) || rep->num_fds != w.nfds) {
			ret = -EPROTO;
		} else {
			for (i = 0; i < rep->num_writes; i++) {
				const struct accel_wire_write *wr = (const void *)(body + off);

				if (off + sizeof(*wr) > rh->size || ALIGN8(wr->len) > rh->size - off - sizeof(*wr) ||
				    !in_windows(&m, wr->addr, wr->len)) {
					ret = -EPROTO;
					break;
				}
				memcpy((void *)(uintptr_t)wr->addr, wr + 1, wr->len);
				off += sizeof(*wr) + ALIGN8(wr->len);
			}
			/* Give the caller the descriptors in place of the numbers that stand for them. */
			for (i = 0; ret != -EPROTO && lay && i < lay->num_fds; i++) {
				const struct drm_ioctl_fdfield *f = &lay->fds[i];
				int32_t v;

				if (!(f->dir & DRM_IOCTL_OUT) || f->offset + 4u > size || !arg_ok)
					continue;
				v = (int32_t)read_field(arg, f->offset, 4);
				if (v >= ACCEL_WIRE_FD_BASE && (unsigned int)(v - ACCEL_WIRE_FD_BASE) < w.nfds) {
					unsigned int k = (unsigned int)(v - ACCEL_WIRE_FD_BASE);
					int fd = w.fds[k];

					if (!(rep->fd_flags[k] & O_CLOEXEC))
						fcntl(fd, F_SETFD, 0);
					memcpy((unsigned char *)arg + f->offset, &fd, 4);
					w.fds[k] = -1;
				}
			}
		}
	}
	for (i = 0; i < w.nfds; i++)
		if (w.fds[i] >= 0)
			close(w.fds[i]);
out:
	if (owned)
		free(body);
	free(w.buf);
	free(m.msg);
	return ret;
}

int accel_daemon_ioctl(struct daemon_conn *c, int sock, unsigned long request, void *arg)
{
	struct wire_mux *mx;
	int err;

	mx = conn_mux(c, sock, &err);
	if (!mx)
		return err;
	return daemon_ioctl(mx, ACCEL_WIRE_IOCTL, -1, conn_layout(c, request), request, arg);
}

/* The sync_file ioctls' arguments: what the daemon's handler reads and writes. */
static const struct drm_ioctl_fdfield sync_merge_fds[] = {
	{ offsetof(struct sync_merge_data, fd2), DRM_IOCTL_IN },
	{ offsetof(struct sync_merge_data, fence), DRM_IOCTL_OUT },
};
static const struct drm_ioctl_layout sync_merge_layout = { NULL, 0, sync_merge_fds, 2 };
static const struct drm_ioctl_ptr sync_info_ptrs[] = {
	{ offsetof(struct sync_file_info, sync_fence_info), offsetof(struct sync_file_info, num_fences),
	  4, DRM_IOCTL_OUT, sizeof(struct sync_fence_info),
	  ACCEL_WIRE_MAX_LARGE / sizeof(struct sync_fence_info) },
};
static const struct drm_ioctl_layout sync_info_layout = { sync_info_ptrs, 1, NULL, 0 };

/* A live connection of this process (a reference) whose descriptor is still its socket. */
static struct daemon_conn *conns_any(void)
{
	struct daemon_conn *c, *found = NULL;
	pid_t me = getpid();

	pthread_mutex_lock(&conns_lock);
	for (c = conns; c && !found; c = c->next) {
		struct stat st;

		if (c->pid == me && !fstat(c->sock, &st) && S_ISSOCK(st.st_mode) && st.st_ino == c->ino)
			found = accel_daemon_conn_get(c);
	}
	/* A forked child inherited its parent's: it attaches a socket of its own on first use. */
	for (c = conns; c && !found; c = c->next) {
		struct stat st;

		if (!fstat(c->sock, &st) && S_ISSOCK(st.st_mode) && st.st_ino == c->ino)
			found = accel_daemon_conn_get(c);
	}
	pthread_mutex_unlock(&conns_lock);
	return found;
}

int accel_daemon_sync_file_ioctl(int fd, unsigned long request, void *arg)
{
	const struct drm_ioctl_layout *lay = NULL;
	struct daemon_conn *c = conns_any();
	struct wire_mux *mx;
	int err;

	if (!c)
		return -ENOTTY;
	if (request == SYNC_IOC_MERGE)
		lay = &sync_merge_layout;
	else if (request == SYNC_IOC_FILE_INFO)
		lay = &sync_info_layout;
	mx = conn_mux(c, c->sock, &err);
	if (mx)
		err = daemon_ioctl(mx, ACCEL_WIRE_SYNC_FILE_IOCTL, fd, lay, request, arg);
	accel_daemon_conn_put(c);
	return err;
}

int accel_daemon_mmap(struct daemon_conn *c, int sock, uint64_t offset, size_t len, int prot,
		      int flags, int *map_fd, off_t *map_offset, uint64_t *handle)
{
	struct accel_wire_hdr hdr = { .op = ACCEL_WIRE_MMAP };
	struct accel_wire_mmap req = { offset, len, prot, flags };
	const struct accel_wire_hdr *rh;
	struct wire_waiter w;
	struct wire_mux *mx;
	unsigned char *body;
	bool owned = false;
	int ret;

	mx = conn_mux(c, sock, &ret);
	if (!mx)
		return ret;
	ret = mux_call(mx, &hdr, &req, sizeof(req), NULL, 0, &w);
	if (!ret)
		ret = reply_check(&hdr, &w, &rh, &body, &owned);
	if (!ret) {
		const struct accel_wire_mmap_reply *rep = (const struct accel_wire_mmap_reply *)body;

		ret = rh->result;
		if (!ret && (rh->size != sizeof(*rep) || w.nfds != 1))
			ret = -EPROTO;
		if (!ret) {
			*map_fd = w.fds[0];
			*map_offset = (off_t)rep->map_offset;
			*handle = rep->handle;
			w.nfds = 0;
		}
		close_fds(w.fds, w.nfds);
		if (owned)
			free(body);
	}
	free(w.buf);
	return ret;
}

void accel_daemon_munmap(struct daemon_conn *c, int sock, uint64_t handle)
{
	struct accel_wire_hdr hdr = { .op = ACCEL_WIRE_MUNMAP, .id = 0 };
	struct accel_wire_munmap req = { handle };
	struct wire_mux *mx;
	int err;

	mx = conn_mux(c, sock, &err);
	if (!mx)
		return;
	/* No reply: a gone daemon has dropped the mapping already. */
	accel_wire_send(mx->sock, &hdr, &req, sizeof(req), NULL, 0);
}

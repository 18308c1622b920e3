// SPDX-License-Identifier: MIT
/*
 * One client connection = one open file. Requests run in the core as the peer (credentials
 * from SO_PEERCRED and SO_PEERGROUPS), with copy_from_user/copy_to_user and descriptor
 * passing routed through the request's marshalled data, and are answered by id.
 *
 * Threads sharing a descriptor share the connection, and a kernel runs their calls side by
 * side: one blocked in a syncobj wait does not hold up another's ioctl. So a connection is
 * served by a pool of threads of which one at a time receives: it takes a message, gives up
 * the receiving role and serves it, then receives again unless another thread took the role
 * meanwhile. Who takes it: a watchdog (one thread for the daemon) looks every millisecond
 * or so, while any request is being served, for a connection whose requests have all been
 * running longer than CONN_STALL_NS with nobody receiving, and wakes an idle thread of its
 * pool or starts one. A client calling one request after another is thus served by a single
 * thread (no hand-off per request; a second thread waiting in recvmsg() alongside the first
 * made a null ioctl two to four times slower on a loaded machine, as the kernel woke the two
 * in turn), and a request that blocks holds up the others for about a millisecond.
 *
 * Any malformed message closes the connection; nothing a client sends is trusted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <accel/cred.h>
#include <accel/drm_accel.h>
#include <accel/drm_drv.h>
#include <accel/drm_file.h>
#include <accel/drm_ioctl.h>
#include <accel/drm_print.h>
#include <accel/fd.h>
#include <accel/fs.h>
#include "wire/protocol.h"
#include <accel/sync_file.h>
#include <accel/uaccess.h>
#include "wire/wire_io.h"
#include "wire/shm_ring.h"
#include "acceld.h"

struct conn_map {
	uint64_t handle;
	struct vm_area_struct vma;
	struct conn_map *next;
};

/* The most threads serving one connection: its peer's requests beyond this many wait. */
#define CONN_MAX_THREADS 64
/* How long the requests of a connection may run with nobody receiving its next one. */
#define CONN_STALL_NS 1000000LL
/*
 * A connection's first thread, when its connection ends, waits this long as a spare for
 * the next connection to serve, CONN_SPARE_MAX such threads at most: a client that opens
 * the node (or forks and attaches) time after time is served without a thread started and
 * ended each time - under ASan that cost more than everything else a short connection does.
 */
#define CONN_SPARE_NS 1000000000LL
#define CONN_SPARE_MAX 8

/*
 * struct conn - a connected client. @sock, @devt, @perm, @cred (and @groups), @attach_id
 * are constant; @file is set by the HELLO before a second thread exists and constant after.
 * @lock guards @maps, @next_map and the pool: @threads (alive), @idle (waiting on @cond for
 * the receiving role), @receiving (a thread has the role), @serving (requests being
 * served), @served_since (when the last one was received), @closing (the stream ended).
 * @next is guarded by conns_lock. The last thread of the pool to leave releases the
 * connection.
 */
struct conn {
	int sock;
	dev_t devt;
	struct acceld_node_perm perm;
	struct accel_cred cred;
	gid_t *groups;
	struct file *file;
	uint32_t attach_id;
	pthread_mutex_t lock;
	struct conn_map *maps;
	uint64_t next_map;
	pthread_cond_t cond;
	unsigned int threads;
	unsigned int idle;
	unsigned int serving;
	bool receiving;
	bool closing;
	/* guarded by @lock: the client's request ring while served (one per connection) */
	struct conn_ring *ring;
	int64_t served_since;
	struct conn *next;
};

static pthread_mutex_t conns_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t watchdog_once = PTHREAD_ONCE_INIT;
static pthread_cond_t conns_cond = PTHREAD_COND_INITIALIZER;
static struct conn *conns;
static unsigned int conns_count;
/*
 * Guarded by conns_lock: spare threads waiting on @spares_cond, and the connections handed
 * over to them not yet taken (never more than waiting spares, so each has one to take it).
 */
static unsigned int spares_idle;
static pthread_cond_t spares_cond = PTHREAD_COND_INITIALIZER;
static struct conn *spares_handed[CONN_SPARE_MAX];
static unsigned int spares_num_handed;

#define ALIGN8(x) (((x) + 7u) & ~7u)

/* The request being served: its regions, the writes and descriptors of its reply. */
struct request {
	struct accel_uaccess ua;
	struct accel_fd_transport ft;
	const struct accel_wire_region *regions[ACCEL_WIRE_MAX_REGIONS];
	const unsigned char *region_data[ACCEL_WIRE_MAX_REGIONS];
	unsigned int num_regions;
	const int32_t *fd_numbers;
	int *fds_in;
	unsigned int num_fds_in;
	int fds_out[ACCEL_WIRE_MAX_FDS];
	unsigned int num_fds_out;
	/* the reply body: the thread's buffer, or a larger one of @out_cap bytes (a memfd reply) */
	unsigned char *out;
	unsigned char *out_thread;
	size_t out_cap;
	size_t out_len;
	unsigned int num_writes;
	/* where the last write starts in @out (0: none yet), so that the next one can extend it */
	size_t last_write;
};

static const struct accel_wire_region *request_region(struct request *rq, uint64_t addr,
						      unsigned long n, unsigned int kind,
						      unsigned int *index)
{
	unsigned int i;

	for (i = 0; i < rq->num_regions; i++) {
		const struct accel_wire_region *r = rq->regions[i];

		if ((r->kind & kind) && addr >= r->addr && n <= r->len && addr - r->addr <= r->len - n) {
			*index = i;
			return r;
		}
	}
	return NULL;
}

static unsigned long request_copy_from(struct accel_uaccess *ua, void *to, const void __user *from,
				       unsigned long n)
{
	struct request *rq = container_of(ua, struct request, ua);
	uint64_t addr = (uintptr_t)from;
	const struct accel_wire_region *r;
	unsigned int i;

	r = request_region(rq, addr, n, ACCEL_REGION_IN, &i);
	if (!r)
		return n;
	memcpy(to, rq->region_data[i] + (addr - r->addr), n);
	return 0;
}

/* Room for @need more bytes of reply: the reply grows past one datagram into a memfd. */
static bool request_reserve(struct request *rq, size_t need)
{
	unsigned char *bigger;
	size_t cap;

	if (rq->out_len + need <= rq->out_cap)
		return true;
	if (rq->out_len + need > ACCEL_WIRE_MAX_LARGE)
		return false;
	cap = rq->out_cap * 2;
	while (cap < rq->out_len + need)
		cap *= 2;
	if (cap > ACCEL_WIRE_MAX_LARGE)
		cap = ACCEL_WIRE_MAX_LARGE;
	bigger = malloc(cap);
	if (!bigger)
		return false;
	memcpy(bigger, rq->out, rq->out_len);
	if (rq->out != rq->out_thread)
		free(rq->out);
	rq->out = bigger;
	rq->out_cap = cap;
	return true;
}

static unsigned long request_copy_to(struct accel_uaccess *ua, void __user *to, const void *from,
				     unsigned long n)
{
	struct request *rq = container_of(ua, struct request, ua);
	struct accel_wire_write *w;
	uint64_t addr = (uintptr_t)to;
	unsigned int i;

	if (!request_region(rq, addr, n, ACCEL_REGION_OUT, &i))
		return n;
	if (rq->last_write) {
		/*
		 * Copied element by element into one array (a QUERY of 50 000 points): the write
		 * that ends where this one starts grows instead of the reply gaining one per copy.
		 */
		w = (struct accel_wire_write *)(rq->out + rq->last_write);
		if (w->addr + w->len == addr && w->len + n <= ACCEL_WIRE_MAX_LARGE &&
		    request_region(rq, w->addr, w->len + n, ACCEL_REGION_OUT, &i) &&
		    request_reserve(rq, n + 8)) {
			w = (struct accel_wire_write *)(rq->out + rq->last_write);
			memcpy((unsigned char *)(w + 1) + w->len, from, n);
			w->len += (uint32_t)n;
			memset((unsigned char *)(w + 1) + w->len, 0, ALIGN8(w->len) - w->len);
			rq->out_len = rq->last_write + sizeof(*w) + ALIGN8(w->len);
			goto written;
		}
	}
	if (rq->num_writes == ACCEL_WIRE_MAX_WRITES || !request_reserve(rq, sizeof(*w) + ALIGN8(n))) {
		/* The reply cannot carry it: the caller sees a fault, as if the page were gone. */
		return n;
	}
	rq->last_write = rq->out_len;
	w = (struct accel_wire_write *)(rq->out + rq->out_len);
	w->addr = addr;
	w->len = (uint32_t)n;
	w->pad = 0;
	memcpy(w + 1, from, n);
	memset((unsigned char *)(w + 1) + n, 0, ALIGN8(n) - n);
	rq->out_len += sizeof(*w) + ALIGN8(n);
	rq->num_writes++;
written:
	/* Later reads of the same bytes see what was written (an IN|OUT region). */
	if (request_region(rq, addr, n, ACCEL_REGION_IN, &i))
		memcpy((unsigned char *)rq->region_data[i] + (addr - rq->regions[i]->addr), from, n);
	return 0;
}

static int request_fd_install(struct accel_fd_transport *t, int fd, int flags)
{
	struct request *rq = container_of(t, struct request, ft);

	if (rq->num_fds_out == ACCEL_WIRE_MAX_FDS - 1) {
		/* One descriptor stays free for the memfd of a large reply. */
		close(fd);
		return -EMFILE;
	}
	rq->fds_out[rq->num_fds_out] = fd;
	/* Close-on-exec is set by the client on the descriptor it receives. */
	((struct accel_wire_ioctl_reply *)rq->out)->fd_flags[rq->num_fds_out] = flags & O_CLOEXEC;
	return ACCEL_WIRE_FD_BASE + (int)rq->num_fds_out++;
}

static int request_fd_get(struct accel_fd_transport *t, int ufd)
{
	struct request *rq = container_of(t, struct request, ft);
	unsigned int i;

	for (i = 0; i < rq->num_fds_in; i++) {
		if (rq->fd_numbers[i] == ufd) {
			int fd = fcntl(rq->fds_in[i], F_DUPFD_CLOEXEC, 0);

			return fd < 0 ? -EBADF : fd;
		}
	}
	return -EBADF;
}

static int conn_send(struct conn *c, struct accel_wire_hdr *hdr, const void *body,
		     size_t len, const int *fds, unsigned int nfds)
{
	return accel_wire_send(c->sock, hdr, body, len, fds, nfds);
}

/* One message and its descriptors; 0 on end of stream, -errno on a broken one. */
static ssize_t conn_recv(struct conn *c, void *buf, size_t size, int *fds, unsigned int *nfds)
{
	return accel_wire_recv(c->sock, buf, size, fds, nfds);
}

static void close_fds(int *fds, unsigned int n)
{
	while (n--)
		close(fds[n]);
}

/*
 * An ioctl: on the connection's file, or (@sync_fd >= 0, ACCEL_WIRE_SYNC_FILE_IOCTL) on the
 * sync_file @sync_fd the client passed. The reply goes on the socket, or into slot @slot of
 * @ring when the request came through the client's ring.
 */
static int conn_serve_ioctl(struct conn *c, const struct accel_wire_hdr *hdr, unsigned char *body,
			    int *fds, unsigned int nfds, unsigned char *out, int sync_fd,
			    struct accel_shm_ring *ring, int slot)
{
	struct accel_wire_ioctl *req = (struct accel_wire_ioctl *)body;
	struct accel_wire_ioctl_reply *rep;
	struct request rq = {
		.ua = { .copy_from = request_copy_from, .copy_to = request_copy_to },
		.ft = { .install = request_fd_install, .get = request_fd_get },
		.out = out, .out_thread = out, .out_cap = ACCEL_WIRE_MAX_MSG - sizeof(*hdr),
		.out_len = sizeof(*rep),
	};
	struct accel_wire_hdr reply = { .op = hdr->op, .id = hdr->id };
	struct accel_uaccess *old_ua;
	struct accel_fd_transport *old_ft;
	const struct accel_cred *old_cred;
	size_t off = sizeof(*req);
	unsigned int i;
	int sent;
	long ret;

	memset(out, 0, sizeof(*rep));
	if (hdr->size < sizeof(*req) || req->num_regions > ACCEL_WIRE_MAX_REGIONS ||
	    req->num_fds != nfds || nfds > ACCEL_WIRE_MAX_FDS)
		return -EPROTO;
	for (i = 0; i < req->num_regions; i++) {
		struct accel_wire_region *r;

		if (off + sizeof(*r) > hdr->size)
			return -EPROTO;
		r = (struct accel_wire_region *)(body + off);
		off += sizeof(*r);
		if (!r->kind || (r->kind & ~(ACCEL_REGION_IN | ACCEL_REGION_OUT)) ||
		    r->len > ACCEL_WIRE_MAX_LARGE || r->addr + r->len < r->addr)
			return -EPROTO;
		rq.regions[i] = r;
		rq.region_data[i] = body + off;
		if (r->kind & ACCEL_REGION_IN) {
			if (ALIGN8(r->len) > hdr->size - off)
				return -EPROTO;
			off += ALIGN8(r->len);
		}
	}
	rq.num_regions = req->num_regions;
	rq.fd_numbers = req->fd_numbers;
	rq.fds_in = fds;
	rq.num_fds_in = nfds;

	old_ua = accel_uaccess_set_current(&rq.ua);
	old_ft = accel_fd_transport_set_current(&rq.ft);
	old_cred = accel_cred_set_current(&c->cred);
	if (sync_fd >= 0)
		ret = sync_file_ioctl(sync_fd, (unsigned int)req->cmd, (unsigned long)req->arg);
	else
		ret = vfs_ioctl(c->file, (unsigned int)req->cmd, (unsigned long)req->arg);
	accel_cred_set_current(old_cred);
	accel_fd_transport_set_current(old_ft);
	accel_uaccess_set_current(old_ua);

	rep = (struct accel_wire_ioctl_reply *)rq.out;
	rep->num_writes = rq.num_writes;
	rep->num_fds = rq.num_fds_out;
	reply.result = (int32_t)ret;
	if (ring) {
		/*
		 * The client sends only ioctls without descriptor fields this way; a handler that
		 * gave one out all the same could not pass it: the descriptors are closed below.
		 */
		accel_shm_ring_reply(ring, slot, rq.num_fds_out ? -EPROTO : reply.result, rq.out,
				     rq.out_len);
		sent = 0;
	} else {
		sent = conn_send(c, &reply, rq.out, rq.out_len, rq.fds_out, rq.num_fds_out);
	}
	/* Sent (the client has its own copies) or lost with the connection. */
	close_fds(rq.fds_out, rq.num_fds_out);
	if (rq.out != out)
		free(rq.out);
	return sent < 0 ? -EPIPE : 0;
}

static int conn_serve_mmap(struct conn *c, const struct accel_wire_hdr *hdr, unsigned char *body)
{
	struct accel_wire_mmap *req = (struct accel_wire_mmap *)body;
	struct accel_wire_hdr reply = { .op = ACCEL_WIRE_MMAP, .id = hdr->id };
	struct accel_wire_mmap_reply rep = { 0 };
	struct conn_map *m;
	bool made = false;
	int err, fd = -1;

	if (hdr->size != sizeof(*req))
		return -EPROTO;
	m = calloc(1, sizeof(*m));
	if (!m) {
		err = -ENOMEM;
	} else if (!c->file->f_op->mmap) {
		err = -ENODEV;
	} else if ((req->offset & 4095) || !req->len) {
		err = -EINVAL;
	} else if ((err = vfs_mmap_permitted(c->file, req->prot, req->flags))) {
		/* refused before the driver sees it, as the kernel's do_mmap() does */
	} else {
		const struct accel_cred *old = accel_cred_set_current(&c->cred);

		m->vma.vm_pgoff = req->offset >> 12;
		m->vma.vm_len = req->len;
		m->vma.vm_prot = req->prot;
		m->vma.vm_flags = req->flags;
		m->vma.map_fd = -1;
		m->vma.map_fd_escapes = true; /* sent to the client below */
		err = c->file->f_op->mmap(c->file, &m->vma);
		accel_cred_set_current(old);
		if (!err) {
			fd = vfs_mmap_fd(c->file, m->vma.map_fd, &made);
			if (fd < 0) {
				err = fd;
				if (m->vma.vm_close)
					m->vma.vm_close(&m->vma);
			}
		}
	}
	if (err) {
		free(m);
		reply.result = err;
		return conn_send(c, &reply, &rep, sizeof(rep), NULL, 0) < 0 ? -EPIPE : 0;
	}
	pthread_mutex_lock(&c->lock);
	m->handle = ++c->next_map;
	m->next = c->maps;
	c->maps = m;
	rep.map_offset = (uint64_t)m->vma.map_offset;
	rep.handle = m->handle;
	pthread_mutex_unlock(&c->lock);
	err = conn_send(c, &reply, &rep, sizeof(rep), &fd, 1) < 0 ? -EPIPE : 0;
	if (made)
		close(fd);
	return err;
}

static int conn_serve_munmap(struct conn *c, const struct accel_wire_hdr *hdr, unsigned char *body)
{
	struct accel_wire_munmap *req = (struct accel_wire_munmap *)body;
	struct conn_map **pp, *m;

	if (hdr->size != sizeof(*req))
		return -EPROTO;
	pthread_mutex_lock(&c->lock);
	for (pp = &c->maps; (m = *pp); pp = &m->next) {
		if (m->handle == req->handle) {
			*pp = m->next;
			break;
		}
	}
	pthread_mutex_unlock(&c->lock);
	if (m) {
		if (m->vma.vm_close)
			m->vma.vm_close(&m->vma);
		free(m);
	}
	return 0;
}

/* The answer to a HELLO or an ATTACH: the client id and the driver's ioctl layouts. */
static int conn_hello_reply(struct conn *c, struct accel_wire_hdr *reply, unsigned char *out)
{
	struct accel_wire_hello_reply *rep = (struct accel_wire_hello_reply *)out;
	struct file *file = c->file;
	size_t len = sizeof(*rep);

	memset(rep, 0, sizeof(*rep));
	rep->version = ACCEL_WIRE_VERSION;
	/* Not a DRM file (sw_sync): no client id, no driver ioctls. */
	if (major(c->devt) == DRM_MAJOR || major(c->devt) == ACCEL_MAJOR) {
		struct drm_file *df = drm_file_from_filp(file);
		const struct drm_driver *drv = df->minor->dev->driver;
		int i;

		rep->client_id = df->client_id;
		for (i = 0; i < drv->num_ioctls; i++) {
			const struct drm_ioctl_desc *d = &drv->ioctls[i];
			const struct drm_ioctl_layout *lay = d->layout;
			struct accel_wire_layout *wl;
			unsigned int k;

			if (!d->func || !lay)
				continue;
			if (len + sizeof(*wl) + lay->num_ptrs * sizeof(struct accel_wire_ptr) +
			    lay->num_fds * sizeof(struct accel_wire_fd) > ACCEL_WIRE_MAX_MSG - 256)
				break;
			wl = (struct accel_wire_layout *)(out + len);
			wl->cmd = d->cmd;
			wl->num_ptrs = (uint16_t)lay->num_ptrs;
			wl->num_fds = (uint16_t)lay->num_fds;
			len += sizeof(*wl);
			for (k = 0; k < lay->num_ptrs; k++) {
				struct accel_wire_ptr *wp = (struct accel_wire_ptr *)(out + len);

				wp->ptr_offset = lay->ptrs[k].ptr_offset;
				wp->count_offset = lay->ptrs[k].count_offset;
				wp->count_size = lay->ptrs[k].count_size;
				wp->dir = lay->ptrs[k].dir;
				wp->pad = 0;
				wp->elem_size = lay->ptrs[k].elem_size;
				wp->max_count = lay->ptrs[k].max_count;
				len += sizeof(*wp);
			}
			for (k = 0; k < lay->num_fds; k++) {
				struct accel_wire_fd *wf = (struct accel_wire_fd *)(out + len);

				wf->offset = lay->fds[k].offset;
				wf->dir = lay->fds[k].dir;
				wf->pad = 0;
				len += sizeof(*wf);
			}
			rep->num_layouts++;
		}
	}
	return conn_send(c, reply, rep, len, NULL, 0) < 0 ? -EPIPE : 0;
}

/* What opening in @flags' access mode needs, as the kernel's ACC_MODE(). */
static int conn_open_mask(unsigned int flags)
{
	switch (flags & O_ACCMODE) {
	case O_RDONLY:
		return MAY_READ;
	case O_WRONLY:
		return MAY_WRITE;
	default:
		return MAY_READ | MAY_WRITE;
	}
}

/* The handshake: open the node as the peer, tell it the driver's ioctl layouts. */
static bool conn_hung_up(void *data);

/*
 * Before @self opens its node: wait (a second at most) for the other connections of the node
 * from the same process whose client has hung up to be released. On a kernel, close(2) of a
 * file's last descriptor releases it before close returns, so what the program does next
 * sees it gone (a card node's master dropped, so the next open becomes master; a freed
 * object's mmap offset free for the next object); here the release runs on the old
 * connection's thread once it sees the hang-up, which under load comes after the new HELLO.
 * Only the same process's connections (program order is what the kernel's guarantee is
 * about), each checked with a poll(): a process with many connections open pays a poll per
 * connection for each open (an epoll set of hang-ups would make it one call).
 */
static void conn_wait_hung_up_released(const struct conn *self)
{
	struct timespec deadline;
	bool pending;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 1;
	pthread_mutex_lock(&conns_lock);
	do {
		pending = false;
		/* conn_release() unlinks a connection and closes its socket under conns_lock. */
		for (const struct conn *c = conns; c && !pending; c = c->next)
			pending = c != self && c->devt == self->devt &&
				  c->cred.pid == self->cred.pid && conn_hung_up((void *)c);
	} while (pending && pthread_cond_timedwait(&conns_cond, &conns_lock, &deadline) != ETIMEDOUT);
	pthread_mutex_unlock(&conns_lock);
}

static int conn_hello(struct conn *c, unsigned char *buf, unsigned char *out)
{
	struct accel_wire_hdr *hdr = (struct accel_wire_hdr *)buf, reply = { .op = ACCEL_WIRE_HELLO };
	struct accel_wire_hello *hello = (struct accel_wire_hello *)(hdr + 1);
	struct accel_wire_hello_reply *rep = (struct accel_wire_hello_reply *)out;
	const struct accel_cred *old;
	int fds[ACCEL_WIRE_MAX_FDS];
	unsigned int nfds;
	size_t len = sizeof(*rep);
	struct file *file;
	ssize_t n;
	int err;

	n = conn_recv(c, buf, ACCEL_WIRE_MAX_MSG, fds, &nfds);
	close_fds(fds, nfds);
	if (n < (ssize_t)(sizeof(*hdr) + sizeof(*hello)) || hdr->magic != ACCEL_WIRE_MAGIC ||
	    hdr->op != ACCEL_WIRE_HELLO || hdr->size != sizeof(*hello) || hdr->flags)
		return -EPROTO;
	memset(rep, 0, sizeof(*rep));
	rep->version = ACCEL_WIRE_VERSION;
	reply.id = hdr->id;
	if (hello->version != ACCEL_WIRE_VERSION) {
		reply.result = -EPROTONOSUPPORT;
		conn_send(c, &reply, rep, len, NULL, 0);
		return -EPROTONOSUPPORT;
	}
	/* The node's permission, checked as open() checks a device node's inode. */
	err = accel_cred_permission(&c->cred, c->perm.uid, c->perm.gid, c->perm.mode,
				    conn_open_mask(hello->open_flags));
	if (err) {
		reply.result = err;
		conn_send(c, &reply, rep, len, NULL, 0);
		return err;
	}
	conn_wait_hung_up_released(c);
	old = accel_cred_set_current(&c->cred);
	file = chrdev_open(major(c->devt), minor(c->devt), (int)(hello->open_flags & ~O_CLOEXEC));
	accel_cred_set_current(old);
	if (IS_ERR(file)) {
		reply.result = (int32_t)PTR_ERR(file);
		conn_send(c, &reply, rep, len, NULL, 0);
		return (int)PTR_ERR(file);
	}
	c->file = file;
	return conn_hello_reply(c, &reply, out);
}

/* What @c holds: its mappings, its file, its place in the list and its socket. */
static void conn_release(struct conn *c)
{
	struct conn_map *m, *next;
	struct conn **pp;

	for (m = c->maps; m; m = next) {
		next = m->next;
		if (m->vma.vm_close)
			m->vma.vm_close(&m->vma);
		free(m);
	}
	c->maps = NULL;
	if (c->file) {
		const struct accel_cred *old = accel_cred_set_current(&c->cred);

		fput(c->file);
		accel_cred_set_current(old);
	}
	pthread_mutex_lock(&conns_lock);
	for (pp = &conns; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	close(c->sock);
	pthread_mutex_unlock(&conns_lock);
}

/*
 * @c itself, released. It is counted out last, so that whoever waits for no client to be
 * left (acceld_conn_wait_none()) finds nothing of them: the fuzzer checks for leaks then.
 */
static void conn_free(struct conn *c)
{
	pthread_cond_destroy(&c->cond);
	pthread_mutex_destroy(&c->lock);
	free(c->groups);
	free(c);
	pthread_mutex_lock(&conns_lock);
	conns_count--;
	pthread_cond_broadcast(&conns_cond);
	pthread_mutex_unlock(&conns_lock);
}

static int conn_start(int sock, dev_t devt, const struct acceld_node_perm *perm, struct file *file,
		      uint32_t attach_id);

/* The client hung up (it died, or closed its last descriptor): its waits end. */
static bool conn_hung_up(void *data)
{
	struct conn *c = data;
	struct pollfd p = { .fd = c->sock, .events = POLLRDHUP };

	return poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

static void *conn_worker_main(void *arg);

static int64_t conn_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Wakes the watchdog: a connection appeared (it sleeps while there is none). */
static pthread_cond_t watchdog_cond = PTHREAD_COND_INITIALIZER;

/*
 * Give @c a receiver when its requests have stalled it: called by the watchdog with
 * conns_lock held. An idle thread of the pool is woken, or a new one started.
 */
static bool conn_unstall(struct conn *c, int64_t now)
{
	pthread_attr_t attr;
	pthread_t thread;
	bool spawn = false;

	bool serving;

	pthread_mutex_lock(&c->lock);
	serving = c->serving;
	if (!c->closing && !c->receiving && c->serving && now - c->served_since > CONN_STALL_NS) {
		if (c->idle)
			pthread_cond_signal(&c->cond);
		else if (c->threads < CONN_MAX_THREADS)
			spawn = true;
		if (spawn)
			c->threads++;
		/* Looked after: the next look is a stall period away. */
		c->served_since = now;
	}
	pthread_mutex_unlock(&c->lock);
	if (!spawn)
		return serving;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&thread, &attr, conn_worker_main, c)) {
		/* The stalled requests finish all the same; the next look tries again. */
		pthread_mutex_lock(&c->lock);
		c->threads--;
		pthread_mutex_unlock(&c->lock);
	}
	pthread_attr_destroy(&attr);
	return serving;
}

static void *watchdog_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&conns_lock);
	for (;;) {
		/* A stall period while requests run, ten while every client is between calls. */
		struct timespec ts = { 0, 10 * CONN_STALL_NS };
		int64_t now = conn_now_ns();
		struct conn *c;

		if (!conns)
			pthread_cond_wait(&watchdog_cond, &conns_lock);
		for (c = conns; c; c = c->next)
			if (conn_unstall(c, now))
				ts.tv_nsec = CONN_STALL_NS;
		pthread_mutex_unlock(&conns_lock);
		nanosleep(&ts, NULL);
		pthread_mutex_lock(&conns_lock);
	}
	return NULL;
}

static void watchdog_start(void)
{
	pthread_t thread;

	if (pthread_create(&thread, NULL, watchdog_main, NULL))
		DRM_ERROR("no watchdog: a blocking request holds up its connection's others");
	else
		pthread_detach(thread);
}

/*
 * Take the receiving role (waiting for it while another thread has it). False when this
 * thread leaves the pool instead (the connection is closing, or the pool has an idle thread
 * already): it is counted out here, and *@last says it was the pool's last thread.
 */
static bool conn_take_role(struct conn *c, bool *last)
{
	bool ok;

	pthread_mutex_lock(&c->lock);
	while (c->receiving && !c->closing && !c->idle) {
		c->idle++;
		pthread_cond_wait(&c->cond, &c->lock);
		c->idle--;
	}
	ok = !c->closing && !c->receiving;
	if (ok) {
		c->receiving = true;
	} else {
		c->threads--;
		*last = c->threads == 0;
	}
	pthread_mutex_unlock(&c->lock);
	return ok;
}

struct conn_ring;
static void conn_ring_stop(struct conn_ring *cr);

/* The receiver got a message (@got) or the end of the stream: it gives the role up. */
static void conn_received(struct conn *c, bool got)
{
	pthread_mutex_lock(&c->lock);
	c->receiving = false;
	if (got) {
		c->serving++;
		c->served_since = conn_now_ns();
	} else {
		c->closing = true;
		pthread_cond_broadcast(&c->cond);
		/* The ring's threads leave now, not at their next liveness look: the file's release waits on them. */
		if (c->ring)
			conn_ring_stop(c->ring);
	}
	pthread_mutex_unlock(&c->lock);
}

static void conn_served(struct conn *c)
{
	pthread_mutex_lock(&c->lock);
	c->serving--;
	pthread_mutex_unlock(&c->lock);
}

/* This thread leaves the pool (counted out already); the last one (@last) releases @c. */
static void conn_leave(struct conn *c, bool last)
{
	if (last) {
		conn_release(c);
		conn_free(c);
	}
}

/* Count this thread out of the pool and leave it. */
static void conn_quit(struct conn *c)
{
	bool last;

	pthread_mutex_lock(&c->lock);
	last = --c->threads == 0;
	pthread_mutex_unlock(&c->lock);
	conn_leave(c, last);
}

/*
 * struct conn_ring - the request ring a client offered (ACCEL_WIRE_SHM_RING, docs/acceld-shm.md),
 * served by threads of its own. Each is counted in the connection's pool (@c->threads), so
 * @c outlives them; the last one to leave frees the ring. @r and @c are constant; @lock
 * guards @threads (alive) and @idle (waiting for a request). A thread that takes a request
 * while none is left idle starts another, so a request that blocks (a syncobj wait) does
 * not hold up the ring's others: ACCEL_SHM_RING_SLOTS threads at most, one per slot.
 */
struct conn_ring {
	struct accel_shm_ring r;
	struct conn *c;
	pthread_mutex_t lock;
	unsigned int threads;
	unsigned int idle;
};

/* How often an idle ring thread looks whether its client hung up. */
#define CONN_RING_LIVENESS_MS 500

static void conn_ring_stop(struct conn_ring *cr)
{
	accel_shm_ring_stop(&cr->r);
}

static bool conn_ring_client_alive(void *ctx)
{
	return !conn_hung_up(ctx);
}

static void *conn_ring_main(void *arg);

/* One more thread for @cr, counted in the pool; called with @cr->lock held. */
static int conn_ring_spawn(struct conn_ring *cr)
{
	pthread_attr_t attr;
	pthread_t thread;
	int err;

	pthread_mutex_lock(&cr->c->lock);
	cr->c->threads++;
	pthread_mutex_unlock(&cr->c->lock);
	cr->threads++;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	err = pthread_create(&thread, &attr, conn_ring_main, cr);
	pthread_attr_destroy(&attr);
	if (err) {
		cr->threads--;
		pthread_mutex_lock(&cr->c->lock);
		cr->c->threads--; /* not the last: the caller's thread is in the pool */
		pthread_mutex_unlock(&cr->c->lock);
		return -err;
	}
	return 0;
}

static void *conn_ring_main(void *arg)
{
	struct conn_ring *cr = arg;
	struct conn *c = cr->c;
	unsigned char *buf = malloc(ACCEL_SHM_SLOT_DATA), *out = malloc(ACCEL_WIRE_MAX_MSG);
	bool last;

	accel_set_signal_check(conn_hung_up, c);
	while (buf && out) {
		struct accel_wire_hdr hdr = { .magic = ACCEL_WIRE_MAGIC };
		uint32_t op, len;
		int idx, err;

		pthread_mutex_lock(&cr->lock);
		cr->idle++;
		pthread_mutex_unlock(&cr->lock);
		idx = accel_shm_ring_take(&cr->r, buf, &op, &len, -1);
		pthread_mutex_lock(&cr->lock);
		cr->idle--;
		if (idx >= 0 && !cr->idle && cr->threads < ACCEL_SHM_RING_SLOTS)
			conn_ring_spawn(cr); /* failing, the requests wait their turn */
		pthread_mutex_unlock(&cr->lock);
		if (idx == -EPROTO)
			continue; /* answered -EINVAL already */
		if (idx < 0)
			break; /* the client hung up */
		hdr.op = (uint16_t)op;
		hdr.size = len;
		err = op == ACCEL_WIRE_IOCTL ?
			conn_serve_ioctl(c, &hdr, buf, NULL, 0, out, -1, &cr->r, idx) : -EPROTO;
		if (err) {
			/* As on the socket, a malformed request ends the connection. */
			accel_shm_ring_reply(&cr->r, idx, -EPROTO, NULL, 0);
			DRM_DEBUG("client pid %d: bad ring request, disconnecting", (int)c->cred.pid);
			shutdown(c->sock, SHUT_RDWR);
		}
	}
	free(buf);
	free(out);
	pthread_mutex_lock(&cr->lock);
	last = --cr->threads == 0;
	pthread_mutex_unlock(&cr->lock);
	if (last) {
		/* Unpublished before it goes: conn_received() stops the ring under c->lock. */
		pthread_mutex_lock(&c->lock);
		c->ring = NULL;
		pthread_mutex_unlock(&c->lock);
		accel_shm_ring_destroy(&cr->r);
		pthread_mutex_destroy(&cr->lock);
		free(cr);
	}
	conn_quit(c);
	return NULL;
}

/* Serve the ring in the memfd @fd (not taken): 0, or -errno for the reply. */
static int conn_ring_start(struct conn *c, int fd)
{
	struct conn_ring *cr;
	bool busy;
	int err;

	cr = calloc(1, sizeof(*cr));
	if (!cr)
		return -ENOMEM;
	err = accel_shm_ring_attach(&cr->r, fd);
	if (err)
		goto err_free;
	accel_shm_ring_set_liveness(&cr->r, conn_ring_client_alive, c, CONN_RING_LIVENESS_MS);
	cr->c = c;
	pthread_mutex_init(&cr->lock, NULL);
	/* Published and started under c->lock: conn_received() finds it whole or not at all. */
	pthread_mutex_lock(&c->lock);
	busy = c->ring || c->closing;
	if (!busy)
		c->ring = cr;
	pthread_mutex_unlock(&c->lock);
	if (busy) {
		err = -EBUSY;
		goto err_unmap;
	}
	pthread_mutex_lock(&cr->lock);
	err = conn_ring_spawn(cr);
	pthread_mutex_unlock(&cr->lock);
	if (err) {
		pthread_mutex_lock(&c->lock);
		c->ring = NULL;
		pthread_mutex_unlock(&c->lock);
		goto err_unmap;
	}
	return 0;

err_unmap:
	pthread_mutex_destroy(&cr->lock);
	accel_shm_ring_destroy(&cr->r);
err_free:
	free(cr);
	return err;
}

/* Serve one message; -errno disconnects the client. */
static int conn_serve_one(struct conn *c, unsigned char *buf, size_t n, int *fds, unsigned int *nfds,
			  unsigned char *out)
{
	struct accel_wire_hdr *hdr = (struct accel_wire_hdr *)buf;
	unsigned char *body;
	bool owned;
	int err;

	if (n < sizeof(*hdr) || hdr->magic != ACCEL_WIRE_MAGIC || hdr->nfds != *nfds ||
	    (hdr->flags & ~ACCEL_WIRE_F_MEMFD))
		return -EPROTO;
	err = accel_wire_body(hdr, n, buf, fds, nfds, &body, &owned);
	if (err)
		return err;
	switch (hdr->op) {
	case ACCEL_WIRE_IOCTL:
		err = conn_serve_ioctl(c, hdr, body, fds, *nfds, out, -1, NULL, -1);
		break;
	case ACCEL_WIRE_SYNC_FILE_IOCTL:
		err = *nfds ? conn_serve_ioctl(c, hdr, body, fds + 1, *nfds - 1, out, fds[0], NULL, -1) : -EPROTO;
		break;
	case ACCEL_WIRE_MMAP:
		err = *nfds ? -EPROTO : conn_serve_mmap(c, hdr, body);
		break;
	case ACCEL_WIRE_MUNMAP:
		err = *nfds ? -EPROTO : conn_serve_munmap(c, hdr, body);
		break;
	case ACCEL_WIRE_SHM_RING: {
		struct accel_wire_hdr reply = { .op = hdr->op, .id = hdr->id };

		if (*nfds != 1 || hdr->size) {
			err = -EPROTO;
			break;
		}
		reply.result = conn_ring_start(c, fds[0]);
		err = conn_send(c, &reply, NULL, 0, NULL, 0) < 0 ? -EPIPE : 0;
		break;
	}
	case ACCEL_WIRE_ATTACH:
		/* The socket goes to the new connection; its thread answers there. */
		if (*nfds != 1 || hdr->size) {
			err = -EPROTO;
			break;
		}
		/* Taken, or closed by conn_start(); a failed attach leaves this one serving. */
		conn_start(fds[0], c->devt, &c->perm, fget(c->file), hdr->id);
		*nfds = 0;
		err = 0;
		break;
	default:
		err = -EPROTO;
		break;
	}
	if (owned)
		free(body);
	return err;
}

/* Receive and serve until the client goes or the pool has enough; then leave the pool. */
static void conn_serve(struct conn *c, unsigned char *buf, unsigned char *out)
{
	int fds[ACCEL_WIRE_MAX_FDS];
	unsigned int nfds;
	bool last = false;

	while (conn_take_role(c, &last)) {
		ssize_t n = conn_recv(c, buf, ACCEL_WIRE_MAX_MSG, fds, &nfds);
		int err;

		conn_received(c, n > 0);
		if (n <= 0)
			continue; /* closing: the next conn_take_role() counts this thread out */
		err = conn_serve_one(c, buf, (size_t)n, fds, &nfds, out);
		close_fds(fds, nfds);
		conn_served(c);
		if (err) {
			DRM_DEBUG("client pid %d: %s, disconnecting", (int)c->cred.pid, strerror(-err));
			/* The pool's receiver sees the end of the stream, the waits a hang-up. */
			shutdown(c->sock, SHUT_RDWR);
		}
	}
	conn_leave(c, last);
}

/* A thread added to a connection's pool: it receives and serves like the first. */
static void *conn_worker_main(void *arg)
{
	struct conn *c = arg;
	unsigned char *buf = malloc(ACCEL_WIRE_MAX_MSG), *out = malloc(ACCEL_WIRE_MAX_MSG);

	if (buf && out) {
		accel_set_signal_check(conn_hung_up, c);
		conn_serve(c, buf, out);
	} else {
		conn_quit(c);
	}
	free(buf);
	free(out);
	return NULL;
}

/* The connection's first thread, with its buffers: the handshake, then serving. */
static void conn_run(struct conn *c, unsigned char *buf, unsigned char *out)
{
	accel_set_signal_check(conn_hung_up, c);
	if (c->file) {
		/* Attached for a forked child: the file is open, answer on the new socket. */
		struct accel_wire_hdr reply = { .op = ACCEL_WIRE_ATTACH, .id = c->attach_id };

		if (conn_hello_reply(c, &reply, out))
			goto out_leave;
	} else if (conn_hello(c, buf, out)) {
		goto out_leave;
	}
	conn_serve(c, buf, out);
	return;
out_leave:
	conn_quit(c);
}

/*
 * Wait as a spare thread, CONN_SPARE_NS at most, for a connection to serve (NULL: none
 * came, or there are CONN_SPARE_MAX spares already, and this thread ends).
 */
static struct conn *conn_spare_wait(void)
{
	struct timespec deadline;
	struct conn *c = NULL;
	int err = 0;

	/* The last connection is gone: nothing of it stays with this thread. */
	accel_set_signal_check(NULL, NULL);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += CONN_SPARE_NS / 1000000000;
	pthread_mutex_lock(&conns_lock);
	if (spares_idle < CONN_SPARE_MAX) {
		spares_idle++;
		/* One that timed out takes a connection handed over meanwhile all the same. */
		while (!spares_num_handed && err != ETIMEDOUT)
			err = pthread_cond_timedwait(&spares_cond, &conns_lock, &deadline);
		spares_idle--;
		if (spares_num_handed)
			c = spares_handed[--spares_num_handed];
	}
	pthread_mutex_unlock(&conns_lock);
	return c;
}

/* A connection's thread: it serves it, then the next one handed to it as a spare. */
static void *conn_main(void *arg)
{
	struct conn *c = arg;
	unsigned char *buf = malloc(ACCEL_WIRE_MAX_MSG), *out = malloc(ACCEL_WIRE_MAX_MSG);

	if (!buf || !out) {
		conn_quit(c);
		goto out;
	}
	do
		conn_run(c, buf, out);
	while ((c = conn_spare_wait()));
out:
	free(buf);
	free(out);
	return NULL;
}

/* The peer's supplementary groups as it connected (SO_PEERGROUPS); 0 or -errno. */
static int conn_peer_groups(struct conn *c)
{
	socklen_t len = 0;
	gid_t *groups = NULL;

	for (;;) {
		socklen_t want = len;

		if (!getsockopt(c->sock, SOL_SOCKET, SO_PEERGROUPS, groups, &len))
			break;
		if (errno != ERANGE || len <= want) {
			free(groups);
			return -errno;
		}
		free(groups);
		groups = malloc(len);
		if (!groups)
			return -ENOMEM;
	}
	c->groups = groups;
	c->cred.groups = groups;
	c->cred.ngroups = len / sizeof(gid_t);
	return 0;
}

/*
 * Serve @sock on a spare thread or a new one; @file: already open (an attach), else opened
 * by HELLO.
 */
static int conn_start(int sock, dev_t devt, const struct acceld_node_perm *perm, struct file *file,
		      uint32_t attach_id)
{
	struct conn *c = calloc(1, sizeof(*c));
	struct ucred uc;
	socklen_t len = sizeof(uc);
	pthread_attr_t attr;
	pthread_t thread;
	bool handed;
	int err;

	if (!c) {
		err = -ENOMEM;
		goto err_close;
	}
	c->sock = sock;
	if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &uc, &len)) {
		err = -errno;
		goto err_free;
	}
	err = conn_peer_groups(c);
	if (err)
		goto err_free;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->cond, NULL);
	c->devt = devt;
	c->perm = *perm;
	c->file = file;
	c->attach_id = attach_id;
	c->cred.pid = uc.pid;
	c->cred.uid = uc.uid;
	c->cred.gid = uc.gid;
	c->threads = 1;
	pthread_once(&watchdog_once, watchdog_start);
	pthread_mutex_lock(&conns_lock);
	c->next = conns;
	conns = c;
	conns_count++;
	pthread_cond_signal(&watchdog_cond);
	/* A spare thread serves it, if one waits. */
	handed = spares_num_handed < spares_idle;
	if (handed) {
		spares_handed[spares_num_handed++] = c;
		pthread_cond_signal(&spares_cond);
	}
	pthread_mutex_unlock(&conns_lock);
	if (handed)
		return 0;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	err = -pthread_create(&thread, &attr, conn_main, c);
	pthread_attr_destroy(&attr);
	if (err) {
		DRM_ERROR("cannot serve a client: %s", strerror(-err));
		conn_release(c);
		conn_free(c);
	}
	return err;

err_free:
	free(c->groups);
	free(c);
err_close:
	close(sock);
	if (file)
		fput(file);
	return err;
}

int acceld_conn_start(int sock, dev_t devt, const struct acceld_node_perm *perm)
{
	return conn_start(sock, devt, perm, NULL, 0);
}

void acceld_conn_shutdown_all(void)
{
	struct conn *c;

	pthread_mutex_lock(&conns_lock);
	for (c = conns; c; c = c->next)
		shutdown(c->sock, SHUT_RDWR);
	while (conns_count)
		pthread_cond_wait(&conns_cond, &conns_lock);
	pthread_mutex_unlock(&conns_lock);
}

unsigned int acceld_conn_count(void)
{
	unsigned int n;

	pthread_mutex_lock(&conns_lock);
	n = conns_count;
	pthread_mutex_unlock(&conns_lock);
	return n;
}

int acceld_conn_wait_none(int timeout_ms)
{
	struct timespec deadline;
	int err = 0;

	/* conns_cond measures time as pthread_cond_timedwait() does by default: CLOCK_REALTIME. */
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&conns_lock);
	while (conns_count && err != ETIMEDOUT)
		err = pthread_cond_timedwait(&conns_cond, &conns_lock, &deadline);
	err = conns_count ? -ETIMEDOUT : 0;
	pthread_mutex_unlock(&conns_lock);
	return err;
}

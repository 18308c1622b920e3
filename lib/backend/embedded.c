// SPDX-License-Identifier: MIT
/*
 * The embedded backend: the nodes of the core running inside this process (host/embedded.c
 * starts it, at accel_embedded_start() or at the first open that the rules of
 * include/libaccel.h give this backend).
 *
 * An embedded open file is a struct file of the in-process core; the descriptor the caller
 * gets is the read end of a pipe of its own (a real descriptor that can be polled, dup'ed and
 * kept in fd sets), whose write end (accel_fd_entry.pipe_wfd) the library keeps: when no
 * descriptor of the read end is left anywhere (dup()s included), the write end polls POLLERR,
 * which tells close() in O(1) whether the open file is gone.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <accel/compiler.h>
#include <accel/device.h>
#include <accel/fs.h>
#include <accel/trace.h>
#include <libaccel.h>

#include "drivers/builtin.h"
#include "host/host.h"
#include "lib/backend.h"
#include "lib/libaccel_internal.h"

/*
 * Embedded files whose known descriptors are all closed while a dup() the library has not
 * seen still holds the pipe: kept (with their reference) until that dup is used (adopted)
 * or closed (reaped). Guarded by the descriptor table's lock.
 */
struct embedded_orphan {
	struct accel_fd_entry e;
	struct embedded_orphan *next;
};
static struct embedded_orphan *orphans;

/** struct embedded_mapping - a mapping of an embedded file: what the driver's mmap made. */
struct embedded_mapping {
	struct accel_mapping base;
	struct vm_area_struct vma;
	/* the descriptor mmap() maps, and whether it was made for it (closed once mapped) */
	int map_fd;
	bool map_fd_made;
};

int accel_embedded_start(const char *config)
{
	return accel_host_embedded_start(config);
}

const char *accel_embedded_builtin_config(void)
{
	return accel_drivers_builtin_config();
}

int accel_embedded_ensure(void)
{
	int err = accel_host_embedded_start(NULL);

	if (err == -EALREADY || !err)
		accel_trace_from_env(); /* `accel trace -- PROGRAM`: this process records (once) */
	return err == -EALREADY ? 0 : err;
}

static int embedded_open(const char *rel, int flags)
{
	struct accel_fd_entry e = { .ops = &accel_backend_embedded };
	struct file *file;
	struct stat st;
	dev_t devt;
	int fd, err = 0, p[2];

	if (devnode_lookup(rel, &devt))
		return -ENOENT;
	file = chrdev_open(major(devt), minor(devt), flags);
	if (IS_ERR(file))
		return PTR_ERR(file);
	if (pipe2(p, O_CLOEXEC)) {
		err = -errno;
		fput(file);
		return err;
	}
	fd = p[0];
	if (!(flags & O_CLOEXEC))
		fcntl(fd, F_SETFD, 0);
	e.obj = file;
	e.pipe_wfd = p[1];
	if (fstat(fd, &st)) {
		err = -errno;
	} else {
		e.ino = st.st_ino;
		err = accel_fd_install(fd, &e);
	}
	if (err) {
		close(p[0]);
		close(p[1]);
		fput(file);
		return err;
	}
	return fd;
}

static void *embedded_get(void *obj)
{
	return fget(obj);
}

static void embedded_put(void *obj)
{
	fput(obj);
}

static long embedded_ioctl(void *obj, int fd, unsigned long request, void *arg)
{
	(void)fd;
	return vfs_ioctl(obj, (unsigned int)request, (unsigned long)arg);
}

static struct accel_mapping *embedded_mmap(void *obj, int fd, off_t offset, size_t length, int prot,
					   int flags, int *map_fd, off_t *map_offset, int *err)
{
	struct file *file = obj;
	struct embedded_mapping *m;

	(void)fd;
	m = calloc(1, sizeof(*m));
	if (!m) {
		*err = -ENOMEM;
		return NULL;
	}
	m->base.ops = &accel_backend_embedded;
	m->vma.map_fd = -1;
	m->map_fd = -1;
	if (!file->f_op->mmap) {
		*err = -ENODEV;
	} else if (!(*err = vfs_mmap_permitted(file, prot, flags))) {
		/* the open mode checked before the driver sees it, as the kernel's do_mmap() does */
		m->vma.vm_pgoff = (unsigned long)offset >> 12;
		m->vma.vm_len = length;
		m->vma.vm_prot = prot;
		m->vma.vm_flags = flags;
		*err = file->f_op->mmap(file, &m->vma);
		if (!*err) {
			m->map_fd = vfs_mmap_fd(file, m->vma.map_fd, &m->map_fd_made);
			if (m->map_fd < 0) {
				*err = m->map_fd;
				if (m->vma.vm_close)
					m->vma.vm_close(&m->vma);
			}
		}
	}
	if (*err) {
		free(m);
		return NULL;
	}
	*map_fd = m->map_fd;
	*map_offset = m->vma.map_offset;
	return &m->base;
}

static void embedded_mmap_done(struct accel_mapping *base)
{
	struct embedded_mapping *m = container_of(base, struct embedded_mapping, base);

	if (m->map_fd_made)
		close(m->map_fd); /* the read-only descriptor of a file not open for writing */
}

static void embedded_munmap(struct accel_mapping *base)
{
	struct embedded_mapping *m = container_of(base, struct embedded_mapping, base);

	if (m->vma.vm_close)
		m->vma.vm_close(&m->vma);
	free(m);
}

/* No descriptor of the pipe's read end is left in any process. */
static bool pipe_gone(int wfd)
{
	struct pollfd p = { .fd = wfd, .events = 0 };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLERR);
}

/* Move the orphans whose unseen dup()s are closed too to *@dead. Called with the table locked. */
static void orphans_reap_locked(struct embedded_orphan **dead)
{
	for (struct embedded_orphan **op = &orphans; *op;) {
		struct embedded_orphan *o = *op;

		if (pipe_gone(o->e.pipe_wfd)) {
			*op = o->next;
			o->next = *dead;
			*dead = o;
		} else {
			op = &o->next;
		}
	}
}

static void orphans_release(struct embedded_orphan *dead)
{
	while (dead) {
		struct embedded_orphan *next = dead->next;

		close(dead->e.pipe_wfd);
		fput(dead->e.obj);
		free(dead);
		dead = next;
	}
}

static void embedded_orphans_reap(void)
{
	struct embedded_orphan *dead = NULL;

	accel_fd_table_lock();
	orphans_reap_locked(&dead);
	accel_fd_table_unlock();
	orphans_release(dead);
}

static bool embedded_orphan_adopt_locked(ino_t ino, int fd, struct accel_fd_entry *e)
{
	for (struct embedded_orphan **op = &orphans; *op; op = &(*op)->next) {
		struct embedded_orphan *o = *op;

		if (o->e.ino != ino || accel_fd_table_reserve_locked(fd))
			continue;
		*e = o->e;
		*op = o->next;
		free(o);
		return true;
	}
	return false;
}

/* Close an embedded file's descriptor: the file goes with its last descriptor anywhere. */
static int embedded_close(int fd, struct accel_fd_entry *entry)
{
	struct embedded_orphan *dead = NULL, *o;
	struct accel_fd_entry e = *entry;
	bool known_dup;
	int ret = close(fd);

	accel_fd_table_lock();
	known_dup = accel_fd_table_holds_locked(&accel_backend_embedded, e.obj);
	if (!known_dup && !pipe_gone(e.pipe_wfd) && (o = calloc(1, sizeof(*o)))) {
		o->e = e;
		o->next = orphans;
		orphans = o;
		e.obj = NULL; /* the orphan keeps the reference */
	}
	orphans_reap_locked(&dead);
	accel_fd_table_unlock();
	orphans_release(dead);
	if (e.obj) {
		if (!known_dup)
			close(e.pipe_wfd);
		fput(e.obj);
	}
	return ret;
}

const struct accel_backend_ops accel_backend_embedded = {
	.type = ACCEL_BACKEND_EMBEDDED,
	.open = embedded_open,
	.get = embedded_get,
	.put = embedded_put,
	.ioctl = embedded_ioctl,
	.mmap = embedded_mmap,
	.mmap_done = embedded_mmap_done,
	.munmap = embedded_munmap,
	.close = embedded_close,
	.orphan_adopt_locked = embedded_orphan_adopt_locked,
	.orphans_reap = embedded_orphans_reap,
};

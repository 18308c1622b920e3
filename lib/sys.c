// SPDX-License-Identifier: MIT
/*
 * The seam: accel_sys_open/ioctl/mmap/close on the kernel, daemon or embedded backend.
 *
 * An embedded open file is a struct file of the in-process core; the descriptor the caller
 * gets is the read end of a pipe of its own (a real descriptor that can be polled, dup'ed and
 * kept in fd sets). fd_table maps descriptor numbers to files; descriptors made by dup() are
 * recognised by the pipe's inode on first use.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sync_file.h>
#include <poll.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <accel/device.h>
#include <accel/drm_accel.h>
#include <accel/fs.h>
#include <accel/drm_print.h>
#include "daemon.h"
#include "host/host.h"
#include "libaccel_internal.h"

/*
 * An open file of the embedded core, or a connection to acceld. An embedded file's
 * descriptor is the read end of a pipe whose write end (@wfd) the library keeps: when no
 * descriptor of the read end is left anywhere (dup()s included), the write end polls POLLERR,
 * which tells close() in O(1) whether the open file is gone.
 */
struct fd_entry {
	struct file *file;
	struct daemon_conn *conn;
	ino_t ino;
	int wfd;
};

/*
 * Embedded files whose known descriptors are all closed while a dup() the library has not
 * seen still holds the pipe: kept (with their reference) until that dup is used (adopted)
 * or closed (reaped). Guarded by fd_lock.
 */
struct fd_orphan {
	struct fd_entry e;
	struct fd_orphan *next;
};
static struct fd_orphan *fd_orphans;

/* A reference to what an fd stands for, taken for the length of one call. */
struct fd_ref {
	struct file *file;
	struct daemon_conn *conn;
};

static void fd_ref_put(struct fd_ref *r)
{
	if (r->file)
		fput(r->file);
	if (r->conn)
		accel_daemon_conn_put(r->conn);
}

/* fd_lock guards fd_table, fd_table_size and every entry; holders of a file take fget(). */
static pthread_rwlock_t fd_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct fd_entry *fd_table;
static size_t fd_table_size;

struct mapping {
	void *addr;
	size_t len;
	struct vm_area_struct vma;
	/* daemon mappings: the connection (a reference), a descriptor of it, the daemon's handle */
	struct daemon_conn *conn;
	int conn_fd;
	uint64_t handle;
	struct mapping *next;
};
/* map_lock guards mappings. */
static pthread_mutex_t map_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mapping *mappings;

static int fd_table_grow(size_t need)
{
	size_t size = fd_table_size ? fd_table_size : 64;
	struct fd_entry *t;

	while (size <= need)
		size *= 2;
	t = realloc(fd_table, size * sizeof(*t));
	if (!t)
		return -ENOMEM;
	memset(t + fd_table_size, 0, (size - fd_table_size) * sizeof(*t));
	fd_table = t;
	fd_table_size = size;
	return 0;
}

static int fd_install(int fd, struct file *file, struct daemon_conn *conn, ino_t ino, int wfd)
{
	int err = 0;

	pthread_rwlock_wrlock(&fd_lock);
	if ((size_t)fd >= fd_table_size)
		err = fd_table_grow(fd);
	if (!err) {
		fd_table[fd].file = file;
		fd_table[fd].conn = conn;
		fd_table[fd].ino = ino;
		fd_table[fd].wfd = wfd;
	}
	pthread_rwlock_unlock(&fd_lock);
	return err;
}

static bool fd_entry_used(const struct fd_entry *e)
{
	return e->file || e->conn;
}

static void fd_ref_take(struct fd_ref *r, const struct fd_entry *e)
{
	r->file = e->file ? fget(e->file) : NULL;
	r->conn = e->conn ? accel_daemon_conn_get(e->conn) : NULL;
}

/* A descriptor we did not hand out may be a dup() of one we did: match the inode. */
static bool fd_adopt(int fd, struct fd_ref *r)
{
	struct stat st;
	bool found = false;
	size_t i;

	if (fd < 0 || fstat(fd, &st) || !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
		return false;
	pthread_rwlock_wrlock(&fd_lock);
	for (struct fd_orphan **op = &fd_orphans; *op; op = &(*op)->next) {
		struct fd_orphan *o = *op;

		if (o->e.ino != st.st_ino || ((size_t)fd >= fd_table_size && fd_table_grow(fd)))
			continue;
		/* The orphan's reference becomes the descriptor's. */
		fd_table[fd] = o->e;
		*op = o->next;
		free(o);
		fd_ref_take(r, &fd_table[fd]);
		pthread_rwlock_unlock(&fd_lock);
		return true;
	}
	for (i = 0; i < fd_table_size; i++) {
		if (fd_entry_used(&fd_table[i]) && fd_table[i].ino == st.st_ino) {
			struct fd_entry e = fd_table[i];

			if ((size_t)fd < fd_table_size || !fd_table_grow(fd)) {
				struct fd_ref table_ref;

				/* The new table entry holds a reference of its own. */
				fd_ref_take(&table_ref, &e);
				fd_table[fd] = e;
			}
			fd_ref_take(r, &e);
			found = true;
			break;
		}
	}
	pthread_rwlock_unlock(&fd_lock);
	return found;
}

/* What @fd stands for, with a reference; false for descriptors that are not ours. */
static bool fd_get(int fd, struct fd_ref *r)
{
	bool found = false;

	r->file = NULL;
	r->conn = NULL;
	if (fd < 0)
		return false;
	pthread_rwlock_rdlock(&fd_lock);
	if ((size_t)fd < fd_table_size && fd_entry_used(&fd_table[fd])) {
		fd_ref_take(r, &fd_table[fd]);
		found = true;
	}
	pthread_rwlock_unlock(&fd_lock);
	if (!found && fd_table_size)
		found = fd_adopt(fd, r);
	return found;
}

static int set_errno(int err)
{
	errno = -err;
	return -1;
}

static bool path_is_kernel_node(const char *path)
{
	struct stat st;

	if (stat(path, &st) || !S_ISCHR(st.st_mode))
		return false;
	return major(st.st_rdev) == ACCEL_MAJOR || major(st.st_rdev) == DRM_MAJOR;
}

static int open_daemon(const char *rel, int flags)
{
	char sock_path[PATH_MAX];
	struct daemon_conn *conn;
	struct stat st;
	int fd, err;

	if ((size_t)snprintf(sock_path, sizeof(sock_path), "%s/dev/%s", accel_root_shared(), rel) >= sizeof(sock_path))
		return set_errno(-ENAMETOOLONG);
	if (stat(sock_path, &st))
		return set_errno(-ENOENT);
	if (!S_ISSOCK(st.st_mode))
		return set_errno(-ENODEV);
	conn = accel_daemon_open(sock_path, flags, &err);
	if (!conn)
		return set_errno(err);
	fd = accel_daemon_fd(conn);
	if (fstat(fd, &st) || (err = fd_install(fd, NULL, conn, st.st_ino, -1))) {
		err = err ? err : -errno;
		close(fd);
		accel_daemon_conn_put(conn);
		return set_errno(err);
	}
	return fd;
}

/*
 * ACCEL_BACKEND: "kernel", "daemon" or "embedded" forces that backend; unset or empty
 * chooses by the rules of include/libaccel.h. Any other value is -EINVAL (said once).
 */
static int backend_forced(enum accel_backend *out)
{
	static atomic_bool warned;
	const char *env = getenv("ACCEL_BACKEND");

	*out = ACCEL_BACKEND_NONE;
	if (!env || !*env)
		return 0;
	if (!strcmp(env, "kernel"))
		*out = ACCEL_BACKEND_KERNEL;
	else if (!strcmp(env, "daemon"))
		*out = ACCEL_BACKEND_DAEMON;
	else if (!strcmp(env, "embedded"))
		*out = ACCEL_BACKEND_EMBEDDED;
	else {
		if (!atomic_exchange(&warned, true))
			DRM_ERROR("ACCEL_BACKEND=%s: not kernel, daemon or embedded", env);
		return -EINVAL;
	}
	return 0;
}

/* This process opened a node through the daemon of its root: it never falls back. */
static atomic_bool daemon_used;

/*
 * No daemon serves the root although one did: for this process (it used one), or for any
 * process while the root still holds the node sockets of a daemon that died. Said once.
 */
static int daemon_gone(const char *why)
{
	static atomic_bool warned;

	if (!atomic_exchange(&warned, true))
		DRM_ERROR("the acceld that served %s is gone (%s): opens fail with ECONNREFUSED until "
			  "acceld serves it again (ACCEL_BACKEND=embedded runs the core in this process)",
			  accel_root_shared(), why);
	return -ECONNREFUSED;
}

int accel_root_backend(enum accel_backend *out)
{
	enum accel_backend forced;
	struct accel_root_owner owner;
	int err = backend_forced(&forced);

	if (err)
		return err;
	switch (forced) {
	case ACCEL_BACKEND_KERNEL:
		return -ENODEV; /* the root's nodes are never a kernel's */
	case ACCEL_BACKEND_DAEMON:
		if (!accel_daemon_serving())
			return -ECONNREFUSED;
		atomic_store(&daemon_used, true);
		*out = ACCEL_BACKEND_DAEMON;
		return 0;
	case ACCEL_BACKEND_EMBEDDED:
		*out = ACCEL_BACKEND_EMBEDDED;
		return accel_embedded_ensure();
	default:
		break;
	}
	/* A process whose core runs embedded keeps using it (under a private root if need be). */
	if (accel_host_embedded_started()) {
		*out = ACCEL_BACKEND_EMBEDDED;
		return accel_embedded_ensure();
	}
	err = accel_root_owner(accel_root_shared(), &owner);
	if (err)
		return err;
	if (owner.holder == ACCEL_ROOT_ACCELD) {
		atomic_store(&daemon_used, true);
		*out = ACCEL_BACKEND_DAEMON;
		return 0;
	}
	if (atomic_load(&daemon_used))
		return daemon_gone("this process used it");
	if (owner.holder == ACCEL_ROOT_FREE && accel_root_has_node_sockets(accel_root_shared()))
		return daemon_gone("its node sockets remain");
	*out = ACCEL_BACKEND_EMBEDDED;
	return accel_embedded_ensure();
}

static int open_embedded(const char *rel, int flags)
{
	struct file *file;
	struct stat st;
	dev_t devt;
	int fd, err = 0, p[2];

	if (devnode_lookup(rel, &devt))
		return set_errno(-ENOENT);
	file = chrdev_open(major(devt), minor(devt), flags);
	if (IS_ERR(file))
		return set_errno(PTR_ERR(file));
	if (pipe2(p, O_CLOEXEC)) {
		err = -errno;
		fput(file);
		return set_errno(err);
	}
	fd = p[0];
	if (!(flags & O_CLOEXEC))
		fcntl(fd, F_SETFD, 0);
	if (fstat(fd, &st) || (err = fd_install(fd, file, NULL, st.st_ino, p[1]))) {
		err = err ? err : -errno;
		close(p[0]);
		close(p[1]);
		fput(file);
		return set_errno(err);
	}
	return fd;
}

int accel_sys_open(const char *path, int flags)
{
	enum accel_backend forced, backend;
	const char *rel;
	struct stat st;
	int err;

	if (!path)
		return set_errno(-EFAULT);
	err = backend_forced(&forced);
	if (err)
		return set_errno(err);
	if (!strncmp(path, "/dev/", 5) && (forced == ACCEL_BACKEND_NONE || forced == ACCEL_BACKEND_KERNEL) &&
	    path_is_kernel_node(path))
		return open(path, flags);
	if (forced == ACCEL_BACKEND_KERNEL)
		return set_errno(stat(path, &st) ? -ENOENT : -ENODEV);
	rel = accel_devpath_relative(path);
	if (!rel)
		return set_errno(-ENOENT);
	err = accel_root_backend(&backend);
	if (err)
		return set_errno(err);
	if (backend == ACCEL_BACKEND_DAEMON)
		return open_daemon(rel, flags);
	return open_embedded(rel, flags);
}

int accel_sys_ioctl(int fd, unsigned long request, void *arg)
{
	struct fd_ref r;
	long ret;

	if (!fd_get(fd, &r))
		return _IOC_TYPE(request) == SYNC_IOC_MAGIC ? accel_sync_file_ioctl(fd, request, arg) :
							      ioctl(fd, request, arg);
	if (r.file)
		ret = vfs_ioctl(r.file, (unsigned int)request, (unsigned long)arg);
	else
		ret = accel_daemon_ioctl(r.conn, fd, request, arg);
	fd_ref_put(&r);
	if (ret < 0)
		return set_errno((int)ret);
	return (int)ret;
}

void *accel_sys_mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset)
{
	struct vm_area_struct vma = { 0 };
	struct mapping *m;
	struct fd_ref r;
	void *p;
	bool made = false;
	int err, map_fd = -1;

	if (!fd_get(fd, &r))
		return mmap(addr, length, prot, flags, fd, offset);
	if (offset < 0 || (offset & 4095) || !length) {
		fd_ref_put(&r);
		errno = EINVAL;
		return MAP_FAILED;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		fd_ref_put(&r);
		errno = ENOMEM;
		return MAP_FAILED;
	}
	vma.map_fd = -1;
	if (r.conn) {
		err = accel_daemon_mmap(r.conn, fd, (uint64_t)offset, length, prot, flags, &vma.map_fd,
					&vma.map_offset, &m->handle);
		if (!err) {
			m->conn = r.conn; /* the mapping keeps the reference */
			m->conn_fd = fd;
			r.conn = NULL;
		}
	} else if (!r.file->f_op->mmap) {
		err = -ENODEV;
	} else if (!(err = vfs_mmap_permitted(r.file, prot, flags))) {
		/* the open mode checked before the driver sees it, as the kernel's do_mmap() does */
		vma.vm_pgoff = (unsigned long)offset >> 12;
		vma.vm_len = length;
		vma.vm_prot = prot;
		vma.vm_flags = flags;
		err = r.file->f_op->mmap(r.file, &vma);
		if (!err) {
			map_fd = vfs_mmap_fd(r.file, vma.map_fd, &made);
			if (map_fd < 0) {
				err = map_fd;
				if (vma.vm_close)
					vma.vm_close(&vma);
			}
		}
	}
	fd_ref_put(&r);
	if (err) {
		free(m);
		errno = -err;
		return MAP_FAILED;
	}
	p = mmap(addr, length, prot, flags, m->conn ? vma.map_fd : map_fd, vma.map_offset);
	err = errno;
	if (m->conn)
		close(vma.map_fd); /* a received descriptor: the mapping holds the memory now */
	if (made)
		close(map_fd); /* the read-only descriptor of a file not open for writing */
	if (p == MAP_FAILED) {
		if (vma.vm_close)
			vma.vm_close(&vma);
		if (m->conn) {
			accel_daemon_munmap(m->conn, m->conn_fd, m->handle);
			accel_daemon_conn_put(m->conn);
		}
		free(m);
		errno = err;
		return MAP_FAILED;
	}
	m->addr = p;
	m->len = length;
	m->vma = vma;
	pthread_mutex_lock(&map_lock);
	m->next = mappings;
	mappings = m;
	pthread_mutex_unlock(&map_lock);
	return p;
}

int accel_sys_munmap(void *addr, size_t length)
{
	struct mapping **pp, *m = NULL;

	pthread_mutex_lock(&map_lock);
	for (pp = &mappings; *pp; pp = &(*pp)->next) {
		if ((*pp)->addr == addr && (*pp)->len == length) {
			m = *pp;
			*pp = m->next;
			break;
		}
	}
	pthread_mutex_unlock(&map_lock);
	if (munmap(addr, length))
		return -1;
	if (m) {
		if (m->vma.vm_close)
			m->vma.vm_close(&m->vma);
		if (m->conn) {
			accel_daemon_munmap(m->conn, m->conn_fd, m->handle);
			accel_daemon_conn_put(m->conn);
		}
		free(m);
	}
	return 0;
}

/*
 * Another descriptor of this process for the same open file (a dup() the library has not
 * seen yet): the open file lives on through it, as a kernel file lives while any fd does.
 */
static int fd_find_other(ino_t ino, dev_t dev, int except)
{
	struct dirent *e;
	DIR *d = opendir("/proc/self/fd");
	int found = -1;

	if (!d)
		return -1;
	while ((e = readdir(d)) && found < 0) {
		struct stat st;
		int other = atoi(e->d_name);

		if (e->d_name[0] == '.' || other == except || other == dirfd(d))
			continue;
		if (!fstat(other, &st) && st.st_ino == ino && st.st_dev == dev)
			found = other;
	}
	closedir(d);
	return found;
}

/* No descriptor of the pipe's read end is left in any process. */
static bool fd_pipe_gone(int wfd)
{
	struct pollfd p = { .fd = wfd, .events = 0 };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLERR);
}

/* Release orphans whose unseen dup()s are closed too. Called with fd_lock held. */
static void fd_reap_orphans_locked(struct fd_orphan **dead)
{
	for (struct fd_orphan **op = &fd_orphans; *op;) {
		struct fd_orphan *o = *op;

		if (fd_pipe_gone(o->e.wfd)) {
			*op = o->next;
			o->next = *dead;
			*dead = o;
		} else {
			op = &o->next;
		}
	}
}

static void fd_release_orphans(struct fd_orphan *dead)
{
	while (dead) {
		struct fd_orphan *next = dead->next;

		close(dead->e.wfd);
		fput(dead->e.file);
		free(dead);
		dead = next;
	}
}

/* Close an embedded file's descriptor: the file goes with its last descriptor anywhere. */
static int fd_close_embedded(int fd, struct fd_entry e)
{
	struct fd_orphan *dead = NULL, *o;
	bool known_dup = false;
	size_t i;
	int ret = close(fd);

	pthread_rwlock_wrlock(&fd_lock);
	for (i = 0; i < fd_table_size && !known_dup; i++)
		known_dup = fd_table[i].file == e.file;
	if (!known_dup && !fd_pipe_gone(e.wfd) && (o = calloc(1, sizeof(*o)))) {
		o->e = e;
		o->next = fd_orphans;
		fd_orphans = o;
		e.file = NULL; /* the orphan keeps the reference */
	}
	fd_reap_orphans_locked(&dead);
	pthread_rwlock_unlock(&fd_lock);
	fd_release_orphans(dead);
	if (e.file) {
		if (!known_dup)
			close(e.wfd);
		fput(e.file);
	}
	return ret;
}

int accel_sys_close(int fd)
{
	struct fd_entry e = { 0 };
	struct fd_ref drop;
	struct stat st;
	int other;

	pthread_rwlock_wrlock(&fd_lock);
	if (fd >= 0 && (size_t)fd < fd_table_size && fd_entry_used(&fd_table[fd])) {
		e = fd_table[fd];
		memset(&fd_table[fd], 0, sizeof(fd_table[fd]));
	}
	pthread_rwlock_unlock(&fd_lock);
	if (e.file)
		return fd_close_embedded(fd, e);
	drop.file = NULL;
	drop.conn = e.conn;
	if (!fd_entry_used(&e)) {
		/* Perhaps the last dup() of an orphan: release what nothing holds any more. */
		int ret = close(fd);
		struct fd_orphan *dead = NULL;

		pthread_rwlock_wrlock(&fd_lock);
		fd_reap_orphans_locked(&dead);
		pthread_rwlock_unlock(&fd_lock);
		fd_release_orphans(dead);
		return ret;
	}
	/* A connection: it lives while any descriptor of its socket does (dup()s found by inode). */
	if (fstat(fd, &st)) {
		fd_ref_put(&drop);
		return close(fd);
	}
	if (close(fd)) {
		int err = errno;

		fd_ref_put(&drop);
		errno = err;
		return -1;
	}
	other = fd_find_other(st.st_ino, st.st_dev, fd);
	pthread_rwlock_wrlock(&fd_lock);
	if (other >= 0 && (size_t)other < fd_table_size && fd_entry_used(&fd_table[other]) &&
	    fd_table[other].ino == st.st_ino) {
		/* Already known: it holds its own reference. */
	} else if (other >= 0 && ((size_t)other < fd_table_size || !fd_table_grow(other))) {
		fd_table[other] = e;
		drop.conn = NULL;
	}
	pthread_rwlock_unlock(&fd_lock);
	fd_ref_put(&drop);
	return 0;
}

enum accel_backend accel_fd_backend(int fd)
{
	struct fd_ref r;
	struct stat st;

	if (fd_get(fd, &r)) {
		enum accel_backend b = r.file ? ACCEL_BACKEND_EMBEDDED : ACCEL_BACKEND_DAEMON;

		fd_ref_put(&r);
		return b;
	}
	if (!fstat(fd, &st) && S_ISCHR(st.st_mode) &&
	    (major(st.st_rdev) == ACCEL_MAJOR || major(st.st_rdev) == DRM_MAJOR))
		return ACCEL_BACKEND_KERNEL;
	return ACCEL_BACKEND_NONE;
}

const char *accel_backend_name(enum accel_backend b)
{
	switch (b) {
	case ACCEL_BACKEND_KERNEL: return "kernel";
	case ACCEL_BACKEND_DAEMON: return "daemon";
	case ACCEL_BACKEND_EMBEDDED: return "embedded";
	default: return "none";
	}
}

// SPDX-License-Identifier: MIT
/*
 * The daemon backend's ops: a node opened through acceld's socket under the root. The
 * descriptor the caller gets is the connection's socket (daemon.c speaks the protocol on it);
 * the connection lives while any descriptor of the socket does.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <accel/compiler.h>
#include "host/host.h"
#include "lib/backend.h"
#include "daemon.h"

/** struct daemon_mapping - a mapping of memory acceld passed. */
struct daemon_mapping {
	struct accel_mapping base;
	/* the connection (a reference), a descriptor of it, the daemon's handle of the mapping */
	struct daemon_conn *conn;
	int conn_fd;
	uint64_t handle;
	/* the descriptor received for the mapping, closed once mapped */
	int map_fd;
};

static int daemon_open(const char *rel, int flags)
{
	struct accel_fd_entry e = { .ops = &accel_backend_daemon, .pipe_wfd = -1 };
	char sock_path[PATH_MAX];
	struct daemon_conn *conn;
	struct stat st;
	int fd, err;

	if ((size_t)snprintf(sock_path, sizeof(sock_path), "%s/dev/%s", accel_root_shared(), rel) >=
	    sizeof(sock_path))
		return -ENAMETOOLONG;
	if (stat(sock_path, &st))
		return -ENOENT;
	if (!S_ISSOCK(st.st_mode))
		return -ENODEV;
	conn = accel_daemon_open(sock_path, flags, &err);
	if (!conn)
		return err;
	fd = accel_daemon_fd(conn);
	e.obj = conn;
	if (fstat(fd, &st)) {
		err = -errno;
	} else {
		e.ino = st.st_ino;
		err = accel_fd_install(fd, &e);
	}
	if (err) {
		close(fd);
		accel_daemon_conn_put(conn);
		return err;
	}
	return fd;
}

static void *daemon_get(void *obj)
{
	return accel_daemon_conn_get(obj);
}

static void daemon_put(void *obj)
{
	accel_daemon_conn_put(obj);
}

static long daemon_ioctl(void *obj, int fd, unsigned long request, void *arg)
{
	return accel_daemon_ioctl(obj, fd, request, arg);
}

static struct accel_mapping *daemon_mmap(void *obj, int fd, off_t offset, size_t length, int prot,
					 int flags, int *map_fd, off_t *map_offset, int *err)
{
	struct daemon_mapping *m = calloc(1, sizeof(*m));

	if (!m) {
		*err = -ENOMEM;
		return NULL;
	}
	m->base.ops = &accel_backend_daemon;
	m->map_fd = -1;
	*err = accel_daemon_mmap(obj, fd, (uint64_t)offset, length, prot, flags, &m->map_fd,
				 map_offset, &m->handle);
	if (*err) {
		free(m);
		return NULL;
	}
	m->conn = accel_daemon_conn_get(obj);
	m->conn_fd = fd;
	*map_fd = m->map_fd;
	return &m->base;
}

static void daemon_mmap_done(struct accel_mapping *base)
{
	struct daemon_mapping *m = container_of(base, struct daemon_mapping, base);

	close(m->map_fd); /* a received descriptor: the mapping holds the memory now */
}

static void daemon_munmap(struct accel_mapping *base)
{
	struct daemon_mapping *m = container_of(base, struct daemon_mapping, base);

	accel_daemon_munmap(m->conn, m->conn_fd, m->handle);
	accel_daemon_conn_put(m->conn);
	free(m);
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

/* A connection lives while any descriptor of its socket does (dup()s found by inode). */
static int daemon_close(int fd, struct accel_fd_entry *e)
{
	struct accel_fd_entry *slot;
	struct stat st;
	bool kept = false;
	int other;

	if (fstat(fd, &st)) {
		accel_daemon_conn_put(e->obj);
		return close(fd);
	}
	if (close(fd)) {
		int err = errno;

		accel_daemon_conn_put(e->obj);
		errno = err;
		return -1;
	}
	other = fd_find_other(st.st_ino, st.st_dev, fd);
	/* The connection spoke on the descriptor just closed: on the dup() from now on. */
	if (other >= 0)
		accel_daemon_conn_rebind(e->obj, fd, other);
	accel_fd_table_lock();
	slot = accel_fd_table_slot_locked(other);
	if (slot && slot->ops && slot->ino == st.st_ino) {
		/* Already known: it holds its own reference. */
	} else if (other >= 0 && !accel_fd_table_set_locked(other, e)) {
		kept = true;
	}
	accel_fd_table_unlock();
	if (!kept)
		accel_daemon_conn_put(e->obj);
	return 0;
}

const struct accel_backend_ops accel_backend_daemon = {
	.type = ACCEL_BACKEND_DAEMON,
	.open = daemon_open,
	.get = daemon_get,
	.put = daemon_put,
	.ioctl = daemon_ioctl,
	.mmap = daemon_mmap,
	.mmap_done = daemon_mmap_done,
	.munmap = daemon_munmap,
	.close = daemon_close,
};

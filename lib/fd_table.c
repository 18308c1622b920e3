// SPDX-License-Identifier: MIT
/*
 * The descriptor table: which backend serves each descriptor the library handed out, and
 * its object. A descriptor made by dup() is recognised by its inode on first use.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/backend.h"

/* The backends whose objects can outlive their known descriptors (optional ops). */
static const struct accel_backend_ops *const fd_backends[] = {
	&accel_backend_daemon,
	&accel_backend_embedded,
};

/* fd_lock guards fd_table, fd_table_size and every entry; users of an object take a reference. */
static pthread_rwlock_t fd_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct accel_fd_entry *fd_table;
static size_t fd_table_size;

static int fd_table_grow(size_t need)
{
	size_t size = fd_table_size ? fd_table_size : 64;
	struct accel_fd_entry *t;

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

void accel_fd_table_lock(void)
{
	pthread_rwlock_wrlock(&fd_lock);
}

void accel_fd_table_unlock(void)
{
	pthread_rwlock_unlock(&fd_lock);
}

int accel_fd_table_reserve_locked(int fd)
{
	return (size_t)fd < fd_table_size ? 0 : fd_table_grow(fd);
}

struct accel_fd_entry *accel_fd_table_slot_locked(int fd)
{
	return fd >= 0 && (size_t)fd < fd_table_size ? &fd_table[fd] : NULL;
}

bool accel_fd_table_holds_locked(const struct accel_backend_ops *ops, const void *obj)
{
	for (size_t i = 0; i < fd_table_size; i++)
		if (fd_table[i].ops == ops && fd_table[i].obj == obj)
			return true;
	return false;
}

int accel_fd_install(int fd, const struct accel_fd_entry *e)
{
	int err;

	accel_fd_table_lock();
	err = accel_fd_table_reserve_locked(fd);
	if (!err)
		fd_table[fd] = *e;
	accel_fd_table_unlock();
	return err;
}

static void fd_ref_take(struct accel_fd_ref *r, const struct accel_fd_entry *e)
{
	r->ops = e->ops;
	r->obj = e->ops->get(e->obj);
}

void accel_fd_ref_put(struct accel_fd_ref *r)
{
	if (r->ops)
		r->ops->put(r->obj);
}

/* A descriptor we did not hand out may be a dup() of one we did: match the inode. */
static bool fd_adopt(int fd, struct accel_fd_ref *r)
{
	struct stat st;
	bool found = false;
	size_t i;

	if (fd < 0 || fstat(fd, &st) || !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
		return false;
	accel_fd_table_lock();
	for (i = 0; i < sizeof(fd_backends) / sizeof(fd_backends[0]); i++) {
		const struct accel_backend_ops *ops = fd_backends[i];
		struct accel_fd_entry kept;

		if (!ops->orphan_adopt_locked || !ops->orphan_adopt_locked(st.st_ino, fd, &kept))
			continue;
		/* The kept object's reference becomes the descriptor's. */
		fd_table[fd] = kept;
		fd_ref_take(r, &fd_table[fd]);
		accel_fd_table_unlock();
		return true;
	}
	for (i = 0; i < fd_table_size; i++) {
		if (fd_table[i].ops && fd_table[i].ino == st.st_ino) {
			struct accel_fd_entry e = fd_table[i];

			if (!accel_fd_table_reserve_locked(fd)) {
				struct accel_fd_ref table_ref;

				/* The new table entry holds a reference of its own. */
				fd_ref_take(&table_ref, &e);
				fd_table[fd] = e;
			}
			fd_ref_take(r, &e);
			found = true;
			break;
		}
	}
	accel_fd_table_unlock();
	return found;
}

bool accel_fd_get(int fd, struct accel_fd_ref *r)
{
	bool found = false;

	r->ops = NULL;
	r->obj = NULL;
	if (fd < 0)
		return false;
	pthread_rwlock_rdlock(&fd_lock);
	if ((size_t)fd < fd_table_size && fd_table[fd].ops) {
		fd_ref_take(r, &fd_table[fd]);
		found = true;
	}
	pthread_rwlock_unlock(&fd_lock);
	if (!found && fd_table_size)
		found = fd_adopt(fd, r);
	return found;
}

bool accel_fd_take(int fd, struct accel_fd_entry *e)
{
	bool found = false;

	accel_fd_table_lock();
	if (fd >= 0 && (size_t)fd < fd_table_size && fd_table[fd].ops) {
		*e = fd_table[fd];
		memset(&fd_table[fd], 0, sizeof(fd_table[fd]));
		found = true;
	}
	accel_fd_table_unlock();
	return found;
}

int accel_fd_close_unknown(int fd)
{
	int ret = close(fd);
	size_t i;

	/* Perhaps the last dup() of a kept object: release what nothing holds any more. */
	for (i = 0; i < sizeof(fd_backends) / sizeof(fd_backends[0]); i++)
		if (fd_backends[i]->orphans_reap)
			fd_backends[i]->orphans_reap();
	return ret;
}

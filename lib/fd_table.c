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

/*
 * fd_lock guards fd_table, fd_table_size and every entry, and the counts below; users of an
 * object take a reference.
 */
static pthread_rwlock_t fd_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct accel_fd_entry *fd_table;
static size_t fd_table_size;

/*
 * How many entries stand for each object: closing a descriptor asks whether another (a
 * dup()) still does, and a process with a thousand files open must not walk the table for
 * it. Chained buckets of (ops, obj, count), a power of two of them, grown with the objects.
 */
struct fd_obj_count {
	const struct accel_backend_ops *ops;
	const void *obj;
	unsigned int count;
	struct fd_obj_count *next;
};
static struct fd_obj_count **fd_counts;
static size_t fd_counts_size, fd_counts_objs;

static size_t fd_count_bucket(const void *obj, size_t size)
{
	uintptr_t v = (uintptr_t)obj;

	v ^= v >> 17;
	v *= 0x9e3779b97f4a7c15ull;
	return (size_t)(v >> 20) & (size - 1);
}

static struct fd_obj_count **fd_count_find(const struct accel_backend_ops *ops, const void *obj)
{
	struct fd_obj_count **pp;

	if (!fd_counts)
		return NULL;
	for (pp = &fd_counts[fd_count_bucket(obj, fd_counts_size)]; *pp; pp = &(*pp)->next)
		if ((*pp)->ops == ops && (*pp)->obj == obj)
			return pp;
	return NULL;
}

static void fd_counts_grow(void)
{
	size_t size = fd_counts_size ? 2 * fd_counts_size : 64, i;
	struct fd_obj_count **t = calloc(size, sizeof(*t));

	if (!t)
		return; /* longer chains, still right */
	for (i = 0; i < fd_counts_size; i++) {
		struct fd_obj_count *c = fd_counts[i], *next;

		for (; c; c = next) {
			size_t b = fd_count_bucket(c->obj, size);

			next = c->next;
			c->next = t[b];
			t[b] = c;
		}
	}
	free(fd_counts);
	fd_counts = t;
	fd_counts_size = size;
}

/* One more entry for @e's object; -ENOMEM when it cannot be counted. */
static int fd_count_add(const struct accel_fd_entry *e)
{
	struct fd_obj_count **pp, *c;

	if (!e->ops)
		return 0;
	pp = fd_count_find(e->ops, e->obj);
	if (pp) {
		(*pp)->count++;
		return 0;
	}
	if (fd_counts_objs >= fd_counts_size)
		fd_counts_grow();
	if (!fd_counts)
		return -ENOMEM;
	c = malloc(sizeof(*c));
	if (!c)
		return -ENOMEM;
	*c = (struct fd_obj_count){ e->ops, e->obj, 1, NULL };
	pp = &fd_counts[fd_count_bucket(e->obj, fd_counts_size)];
	c->next = *pp;
	*pp = c;
	fd_counts_objs++;
	return 0;
}

static void fd_count_drop(const struct accel_fd_entry *e)
{
	struct fd_obj_count **pp, *c;

	if (!e->ops)
		return;
	pp = fd_count_find(e->ops, e->obj);
	if (!pp)
		return;
	c = *pp;
	if (--c->count)
		return;
	*pp = c->next;
	free(c);
	fd_counts_objs--;
}

/* Entry @fd (within the table) becomes @e, the counts with it: 0 or -ENOMEM (unchanged). */
static int fd_entry_set_locked(int fd, const struct accel_fd_entry *e)
{
	int err = fd_count_add(e);

	if (err)
		return err;
	fd_count_drop(&fd_table[fd]);
	fd_table[fd] = *e;
	return 0;
}

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
	return fd_count_find(ops, obj) != NULL;
}

int accel_fd_table_set_locked(int fd, const struct accel_fd_entry *e)
{
	int err = accel_fd_table_reserve_locked(fd);

	return err ? err : fd_entry_set_locked(fd, e);
}

int accel_fd_install(int fd, const struct accel_fd_entry *e)
{
	int err;

	accel_fd_table_lock();
	err = accel_fd_table_set_locked(fd, e);
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
		fd_ref_take(r, &kept);
		if (fd_entry_set_locked(fd, &kept)) {
			/* Not recorded (no memory): the call has its reference, the kept one goes. */
			accel_fd_table_unlock();
			kept.ops->put(kept.obj);
			return true;
		}
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
				if (fd_entry_set_locked(fd, &e))
					accel_fd_ref_put(&table_ref);
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
		fd_count_drop(&fd_table[fd]);
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

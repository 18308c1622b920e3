// SPDX-License-Identifier: MIT
/*
 * The seam: accel_sys_open/ioctl/mmap/close on the kernel, daemon or embedded backend.
 *
 * An embedded open file is a struct file of the in-process core; the descriptor the caller
 * gets is a memfd of its own (so it is a real descriptor that can be polled, dup'ed and kept
 * in fd sets). fd_table maps descriptor numbers to files; descriptors made by dup() are
 * recognised by the memfd's inode on first use.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
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
#include "libaccel_internal.h"

struct fd_entry {
	struct file *file;
	ino_t ino;
};

/* fd_lock guards fd_table, fd_table_size and every entry; holders of a file take fget(). */
static pthread_rwlock_t fd_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct fd_entry *fd_table;
static size_t fd_table_size;

struct mapping {
	void *addr;
	size_t len;
	struct vm_area_struct vma;
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

static int fd_install(int fd, struct file *file, ino_t ino)
{
	int err = 0;

	pthread_rwlock_wrlock(&fd_lock);
	if ((size_t)fd >= fd_table_size)
		err = fd_table_grow(fd);
	if (!err) {
		fd_table[fd].file = file;
		fd_table[fd].ino = ino;
	}
	pthread_rwlock_unlock(&fd_lock);
	return err;
}

/* A descriptor we did not hand out may be a dup() of one we did: match the memfd inode. */
static struct file *fd_adopt(int fd)
{
	struct file *file = NULL;
	struct stat st;
	size_t i;

	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode))
		return NULL;
	pthread_rwlock_wrlock(&fd_lock);
	for (i = 0; i < fd_table_size; i++) {
		if (fd_table[i].file && fd_table[i].ino == st.st_ino) {
			file = fget(fd_table[i].file);
			break;
		}
	}
	if (file && ((size_t)fd < fd_table_size || !fd_table_grow(fd))) {
		fd_table[fd].file = fget(file);
		fd_table[fd].ino = st.st_ino;
	}
	pthread_rwlock_unlock(&fd_lock);
	return file;
}

/* The embedded file behind @fd with a reference, or NULL for other descriptors. */
static struct file *fd_get(int fd)
{
	struct file *file = NULL;

	if (fd < 0)
		return NULL;
	pthread_rwlock_rdlock(&fd_lock);
	if ((size_t)fd < fd_table_size && fd_table[fd].file)
		file = fget(fd_table[fd].file);
	pthread_rwlock_unlock(&fd_lock);
	if (!file && fd_table_size)
		file = fd_adopt(fd);
	return file;
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

int accel_sys_open(const char *path, int flags)
{
	const char *rel;
	struct file *file;
	dev_t devt;
	char name[48];
	int fd, err;

	if (!path)
		return set_errno(-EFAULT);
	if (!strncmp(path, "/dev/", 5) && path_is_kernel_node(path))
		return open(path, flags);
	rel = accel_devpath_relative(path);
	if (!rel)
		return set_errno(-ENOENT);
	err = accel_embedded_ensure();
	if (err)
		return set_errno(err);
	if (devnode_lookup(rel, &devt))
		return set_errno(-ENOENT);
	file = chrdev_open(major(devt), minor(devt), flags);
	if (IS_ERR(file))
		return set_errno(PTR_ERR(file));
	snprintf(name, sizeof(name), "accel:%s", rel);
	fd = memfd_create(name, (flags & O_CLOEXEC) ? MFD_CLOEXEC : 0);
	if (fd < 0) {
		err = -errno;
		fput(file);
		return set_errno(err);
	}
	{
		struct stat st;

		if (fstat(fd, &st) || (err = fd_install(fd, file, st.st_ino))) {
			err = err ? err : -errno;
			close(fd);
			fput(file);
			return set_errno(err);
		}
	}
	return fd;
}

int accel_sys_ioctl(int fd, unsigned long request, void *arg)
{
	struct file *file = fd_get(fd);
	long ret;

	if (!file)
		return ioctl(fd, request, arg);
	ret = vfs_ioctl(file, (unsigned int)request, (unsigned long)arg);
	fput(file);
	if (ret < 0)
		return set_errno((int)ret);
	return (int)ret;
}

void *accel_sys_mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset)
{
	struct file *file = fd_get(fd);
	struct vm_area_struct vma = { 0 };
	struct mapping *m;
	void *p;
	int err;

	if (!file)
		return mmap(addr, length, prot, flags, fd, offset);
	if (!file->f_op->mmap) {
		fput(file);
		errno = ENODEV;
		return MAP_FAILED;
	}
	if (offset < 0 || (offset & 4095) || !length) {
		fput(file);
		errno = EINVAL;
		return MAP_FAILED;
	}
	vma.vm_pgoff = (unsigned long)offset >> 12;
	vma.vm_len = length;
	vma.vm_prot = prot;
	vma.vm_flags = flags;
	vma.map_fd = -1;
	err = file->f_op->mmap(file, &vma);
	fput(file);
	if (err) {
		errno = -err;
		return MAP_FAILED;
	}
	m = calloc(1, sizeof(*m));
	p = m ? mmap(addr, length, prot, flags, vma.map_fd, vma.map_offset) : MAP_FAILED;
	if (p == MAP_FAILED) {
		err = m ? errno : ENOMEM;
		if (vma.vm_close)
			vma.vm_close(&vma);
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

int accel_sys_close(int fd)
{
	struct file *file = NULL;
	struct stat st;
	int other;

	pthread_rwlock_wrlock(&fd_lock);
	if (fd >= 0 && (size_t)fd < fd_table_size && fd_table[fd].file) {
		file = fd_table[fd].file;
		fd_table[fd].file = NULL;
	}
	pthread_rwlock_unlock(&fd_lock);
	if (!file)
		return close(fd);
	if (fstat(fd, &st)) {
		fput(file);
		return close(fd);
	}
	if (close(fd)) {
		int err = errno;

		fput(file);
		errno = err;
		return -1;
	}
	other = fd_find_other(st.st_ino, st.st_dev, fd);
	pthread_rwlock_wrlock(&fd_lock);
	if (other >= 0 && (size_t)other < fd_table_size && fd_table[other].file == file) {
		/* Already known: it holds its own reference. */
		other = -1;
	} else if (other >= 0 && ((size_t)other < fd_table_size || !fd_table_grow(other))) {
		fd_table[other].file = file;
		fd_table[other].ino = st.st_ino;
		file = NULL;
	}
	pthread_rwlock_unlock(&fd_lock);
	if (file)
		fput(file);
	return 0;
}

enum accel_backend accel_fd_backend(int fd)
{
	struct file *file = fd_get(fd);
	struct stat st;

	if (file) {
		fput(file);
		return ACCEL_BACKEND_EMBEDDED;
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

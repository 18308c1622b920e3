// SPDX-License-Identifier: MIT
/* Char majors and open files: the VFS part of opening a node. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include <accel/fs.h>

#define CHRDEV_MAJORS 512

/* Guards chrdev_fops. */
static pthread_mutex_t chrdev_lock = PTHREAD_MUTEX_INITIALIZER;
static const struct file_operations *chrdev_fops[CHRDEV_MAJORS];

int register_chrdev_fops(unsigned int major, const char *name, const struct file_operations *fops)
{
	int err = 0;

	(void)name;
	if (major >= CHRDEV_MAJORS || !fops)
		return -EINVAL;
	pthread_mutex_lock(&chrdev_lock);
	if (chrdev_fops[major] && chrdev_fops[major] != fops)
		err = -EBUSY;
	else
		chrdev_fops[major] = fops;
	pthread_mutex_unlock(&chrdev_lock);
	return err;
}

void unregister_chrdev_fops(unsigned int major)
{
	if (major >= CHRDEV_MAJORS)
		return;
	pthread_mutex_lock(&chrdev_lock);
	chrdev_fops[major] = NULL;
	pthread_mutex_unlock(&chrdev_lock);
}

struct file *chrdev_open(unsigned int major, unsigned int minor, int flags)
{
	const struct file_operations *fops = NULL;
	struct file *filp;
	int err;

	pthread_mutex_lock(&chrdev_lock);
	if (major < CHRDEV_MAJORS)
		fops = chrdev_fops[major];
	pthread_mutex_unlock(&chrdev_lock);
	if (!fops)
		return ERR_PTR(-ENODEV);
	filp = calloc(1, sizeof(*filp));
	if (!filp)
		return ERR_PTR(-ENOMEM);
	filp->f_op = fops;
	filp->f_flags = flags;
	filp->inode.i_major = major;
	filp->inode.i_minor = minor;
	filp->f_cred = *current_cred();
	/* The caller's group list belongs to its transport and may go before the file does. */
	filp->f_cred.groups = NULL;
	filp->f_cred.ngroups = 0;
	atomic_init(&filp->f_count, 1);
	err = fops->open ? fops->open(&filp->inode, filp) : 0;
	if (err) {
		free(filp);
		return ERR_PTR(err);
	}
	return filp;
}

struct file *fget(struct file *filp)
{
	atomic_fetch_add_explicit(&filp->f_count, 1, memory_order_relaxed);
	return filp;
}

void fput(struct file *filp)
{
	if (atomic_fetch_sub_explicit(&filp->f_count, 1, memory_order_acq_rel) != 1)
		return;
	if (filp->f_op->release)
		filp->f_op->release(&filp->inode, filp);
	free(filp);
}

long vfs_ioctl(struct file *filp, unsigned int cmd, unsigned long arg)
{
	if (!filp->f_op->unlocked_ioctl)
		return -ENOTTY;
	return filp->f_op->unlocked_ioctl(filp, cmd, arg);
}

int vfs_mmap_permitted(const struct file *filp, int prot, int flags)
{
	int acc = (int)filp->f_flags & O_ACCMODE;
	int type = flags & MAP_TYPE;

	if (acc != O_RDONLY && acc != O_RDWR)
		return -EACCES;
	if ((type == MAP_SHARED || type == MAP_SHARED_VALIDATE) && (prot & PROT_WRITE) &&
	    acc != O_RDWR)
		return -EACCES;
	return 0;
}

int vfs_mmap_fd(const struct file *filp, int map_fd, bool *made)
{
	char path[64];
	int fd;

	*made = false;
	if (((int)filp->f_flags & O_ACCMODE) == O_RDWR)
		return map_fd;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", map_fd);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	*made = true;
	return fd;
}

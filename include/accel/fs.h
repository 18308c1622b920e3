/* SPDX-License-Identifier: MIT */
/**
 * DOC: accel/fs.h - char devices, open files and their operations.
 *
 * As in the kernel, a node is a (major, minor) pair; opening it runs the open of the
 * file_operations registered for the major (a stub that finds the minor's driver and switches
 * to the driver's fops). One struct file is one open file description: one client.
 */
#ifndef ACCEL_FS_H
#define ACCEL_FS_H

#include <stdatomic.h>
#include <sys/types.h>
#include <accel/compiler.h>
#include <accel/cred.h>

struct file;
struct vm_area_struct;
struct seq_file;

/** struct inode - the node being opened. */
struct inode {
	unsigned int i_major;
	unsigned int i_minor;
};

static inline unsigned int iminor(const struct inode *inode) { return inode->i_minor; }
static inline unsigned int imajor(const struct inode *inode) { return inode->i_major; }

/**
 * struct vm_area_struct - one mapping being made of a file.
 *
 * The transport fills the request fields; the file's mmap handler says what backs the
 * mapping (@map_fd at @map_offset, a memfd the transport maps or passes to the client) and
 * may set @vm_close to learn when the mapping goes away.
 */
struct vm_area_struct {
	unsigned long vm_pgoff;
	size_t vm_len;
	int vm_prot;
	int vm_flags;
	int map_fd;
	off_t map_offset;
	/** @map_fd_escapes: the transport hands @map_fd to another process (acceld). */
	bool map_fd_escapes;
	void *vm_private_data;
	void (*vm_close)(struct vm_area_struct *vma);
};

/** struct file_operations - what a file does (the subset accel files use). */
struct file_operations {
	int (*open)(struct inode *inode, struct file *filp);
	int (*release)(struct inode *inode, struct file *filp);
	long (*unlocked_ioctl)(struct file *filp, unsigned int cmd, unsigned long arg);
	int (*mmap)(struct file *filp, struct vm_area_struct *vma);
	void (*show_fdinfo)(struct seq_file *m, struct file *filp);
};

/**
 * struct file - one open file description.
 *
 * @f_op and @private_data are set during open and constant afterwards; @f_count counts the
 * descriptors (and in-flight calls) that hold the description.
 */
struct file {
	const struct file_operations *f_op;
	void *private_data;
	unsigned int f_flags;
	struct inode inode;
	struct accel_cred f_cred;
	atomic_uint f_count;
};

/** register_chrdev_fops() - set the fops opened for every minor of @major. */
int register_chrdev_fops(unsigned int major, const char *name, const struct file_operations *fops);
/** unregister_chrdev_fops() - forget @major. */
void unregister_chrdev_fops(unsigned int major);

/**
 * chrdev_open() - open node (@major, @minor) as the calling client.
 * Returns a new file (one reference) or ERR_PTR(-errno): -ENODEV for a node nobody serves.
 */
struct file *chrdev_open(unsigned int major, unsigned int minor, int flags);
/** fget() - take a reference on an open file. */
struct file *fget(struct file *filp);
/** fput() - drop a reference; the last runs the release callback. */
void fput(struct file *filp);
/** vfs_ioctl() - call the file's ioctl. */
long vfs_ioctl(struct file *filp, unsigned int cmd, unsigned long arg);
/**
 * vfs_mmap_permitted() - may @filp be mapped with @prot and @flags, by its open mode?
 * As the kernel's do_mmap(): a file not open for reading cannot be mapped (-EACCES), nor a
 * file not open for writing mapped shared and writable. Checked before the driver's mmap.
 */
int vfs_mmap_permitted(const struct file *filp, int prot, int flags);
/**
 * vfs_mmap_fd() - the descriptor a mapping of @filp should map: the driver's @map_fd for a
 * file open for writing, else a new read-only descriptor of the same memory (*@made set; the
 * caller closes it), so that mprotect(PROT_WRITE) of a shared mapping fails with EACCES as
 * on a kernel (no VM_MAYWRITE). Returns the descriptor or -errno.
 */
int vfs_mmap_fd(const struct file *filp, int map_fd, bool *made);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * libaccel's backends: who serves a descriptor the library handed out.
 *
 * sys.c picks a backend per open (the rules of include/libaccel.h) and records the
 * descriptor in the descriptor table (fd_table.c) with the backend's ops and object (an open
 * file of the embedded core, a connection to acceld); every later call on the descriptor
 * goes through those ops. A descriptor with no entry, the kernel backend's included, gets
 * the plain system calls: the kernel backend only opens.
 */
#ifndef LIBACCEL_BACKEND_H
#define LIBACCEL_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <libaccel.h>

struct accel_backend_ops;

/**
 * struct accel_fd_entry - what a descriptor stands for.
 * @ops: its backend; NULL: the table slot is free.
 * @obj: the backend's object (a reference, dropped with @ops->put).
 * @ino: the descriptor's inode, which recognises the dup()s the library has not seen.
 * @pipe_wfd: the embedded backend's write end of the descriptor's pipe (-1 otherwise).
 */
struct accel_fd_entry {
	const struct accel_backend_ops *ops;
	void *obj;
	ino_t ino;
	int pipe_wfd;
};

/** struct accel_fd_ref - a reference to what a descriptor stands for, for one call. */
struct accel_fd_ref {
	const struct accel_backend_ops *ops;
	void *obj;
};

/**
 * struct accel_mapping - one mapping accel_sys_mmap() made; a backend embeds it in its own
 * record of the mapping. sys.c fills @addr and @len and keeps the list (@next).
 */
struct accel_mapping {
	void *addr;
	size_t len;
	const struct accel_backend_ops *ops;
	struct accel_mapping *next;
	/*
	 * The pages still mapped once an munmap() took part of it ([lo, hi) page-aligned
	 * ranges, ascending; @live NULL while it is whole): released when none is left.
	 * Guarded by sys.c's map_lock, as @next is.
	 */
	struct accel_map_range *live;
	size_t nlive;
};

/** struct accel_map_range - a page-aligned address range [@lo, @hi). */
struct accel_map_range {
	uintptr_t lo, hi;
};

/**
 * struct accel_backend_ops - a backend.
 * @type: what accel_fd_backend() answers for its descriptors.
 * @open: open node @node (the path for the kernel backend, else relative to the root's
 *	/dev: "accel/accel0") and record the descriptor in the table; the descriptor or -errno.
 * @get: take a reference to @obj, returned.
 * @put: drop a reference to @obj.
 * @ioctl: an ioctl on descriptor @fd of @obj: the result or -errno.
 * @mmap: prepare a mapping of @length bytes at fake offset @offset of @obj: the backend's
 *	record (@ops set) with the descriptor and offset mmap() maps in *@map_fd and
 *	*@map_offset, or NULL with *@err = -errno.
 * @mmap_done: mmap() of *@map_fd was tried: close what @mmap opened for it.
 * @munmap: the mapping is gone (or mmap() failed): release it and free @m.
 * @close: close @fd, whose entry @e was taken out of the table; as close().
 * @orphan_adopt_locked: optional: an object kept for a dup() the library has not seen, of
 *	inode @ino, is claimed by descriptor @fd: move its entry (and reference) to *@e after
 *	making room for @fd (accel_fd_table_reserve_locked()); false if none. Table locked.
 * @orphans_reap: optional: a descriptor that is not the library's was closed: release the
 *	objects kept for unseen dup()s that are gone now.
 */
struct accel_backend_ops {
	enum accel_backend type;
	int (*open)(const char *node, int flags);
	void *(*get)(void *obj);
	void (*put)(void *obj);
	long (*ioctl)(void *obj, int fd, unsigned long request, void *arg);
	struct accel_mapping *(*mmap)(void *obj, int fd, off_t offset, size_t length, int prot,
				      int flags, int *map_fd, off_t *map_offset, int *err);
	void (*mmap_done)(struct accel_mapping *m);
	void (*munmap)(struct accel_mapping *m);
	int (*close)(int fd, struct accel_fd_entry *e);
	bool (*orphan_adopt_locked)(ino_t ino, int fd, struct accel_fd_entry *e);
	void (*orphans_reap)(void);
};

/* backend/kernel.c: the nodes of a running kernel. */
extern const struct accel_backend_ops accel_backend_kernel;
/** accel_kernel_path_is_node() - @path is a char device of the kernel's accel or DRM majors. */
bool accel_kernel_path_is_node(const char *path);
/** accel_kernel_fd_is_node() - @fd is a char device of the kernel's accel or DRM majors. */
bool accel_kernel_fd_is_node(int fd);

/* backend/daemon/: the nodes acceld serves under the root. */
extern const struct accel_backend_ops accel_backend_daemon;
/** accel_daemon_serving() - acceld holds the lock of the root. */
bool accel_daemon_serving(void);
/**
 * accel_sync_file_ioctl() - an ioctl of SYNC_IOC_MAGIC on a descriptor that is no open
 * file of the library: answered by the core that made the sync_file. The result, or -1
 * with errno, as ioctl().
 */
int accel_sync_file_ioctl(int fd, unsigned long request, void *arg);

/* backend/embedded.c: the nodes of the core running in this process. */
extern const struct accel_backend_ops accel_backend_embedded;

/*
 * fd_table.c: the descriptors the library handed out. The table lock guards the table and
 * every entry; the _locked functions are called with it held (accel_fd_table_lock()).
 */

/** accel_fd_install() - record @e (its reference with it) for descriptor @fd; 0 or -ENOMEM. */
int accel_fd_install(int fd, const struct accel_fd_entry *e);
/**
 * accel_fd_get() - what @fd stands for, with a reference in @r (drop it with
 * accel_fd_ref_put()); false for descriptors that are not the library's. A dup() the
 * library has not seen is recognised by its inode and recorded.
 */
bool accel_fd_get(int fd, struct accel_fd_ref *r);
/** accel_fd_ref_put() - drop the reference accel_fd_get() took. */
void accel_fd_ref_put(struct accel_fd_ref *r);
/** accel_fd_take() - take @fd's entry (its reference with it) out of the table into @e. */
bool accel_fd_take(int fd, struct accel_fd_entry *e);
/** accel_fd_close_unknown() - close a descriptor that is not the library's, as close(). */
int accel_fd_close_unknown(int fd);

/** accel_fd_table_lock() - lock the table for writing. */
void accel_fd_table_lock(void);
/** accel_fd_table_unlock() - unlock the table. */
void accel_fd_table_unlock(void);
/** accel_fd_table_reserve_locked() - make the table hold descriptor @fd; 0 or -ENOMEM. */
int accel_fd_table_reserve_locked(int fd);
/**
 * accel_fd_table_set_locked() - entry @fd becomes @e (the table grown to hold it, the
 * per-object counts kept): 0, or -ENOMEM with the table unchanged
 */
int accel_fd_table_set_locked(int fd, const struct accel_fd_entry *e);
/** accel_fd_table_slot_locked() - the slot of descriptor @fd (read only), or NULL beyond the table. */
struct accel_fd_entry *accel_fd_table_slot_locked(int fd);
/** accel_fd_table_holds_locked() - a descriptor in the table stands for @obj of @ops. */
bool accel_fd_table_holds_locked(const struct accel_backend_ops *ops, const void *obj);

#endif

/* SPDX-License-Identifier: MIT */
/**
 * DOC: libaccel.h - the client library of accel.
 *
 * The calls mirror the system calls (-1 and errno on failure) and take the canonical node
 * paths (/dev/accel/accelN, /dev/dri/...). Each call goes to one of three backends:
 *
 * - kernel: the path is a real char device of a running kernel (major 261 or 226): the
 *   plain system calls are used, so code written against libaccel runs on real NPUs;
 * - embedded: the accel core runs inside this process (once started, every open of the
 *   root's nodes goes to it) with the devices of the built-in configuration (or
 *   $ACCEL_CONFIG), published under the root, or under ROOT/private/PID when another
 *   process publishes there (one publisher per root: ROOT/accel.lock names it);
 * - daemon: acceld serves the root ($ACCEL_ROOT, else the default root).
 *
 * A process whose core does not run yet uses acceld when it serves the root, else starts the
 * embedded core, but never after a daemon of the root has gone: descriptors opened through a
 * daemon that died fail with ENODEV, and new opens fail with ECONNREFUSED (in a process that
 * used the daemon, and in any process while the dead daemon's node sockets remain) until an
 * acceld serves the root again. $ACCEL_BACKEND ("kernel", "daemon", "embedded") forces one
 * backend; another value makes every open fail with EINVAL. README.md "The root and the
 * backends" has the whole rule.
 *
 * Descriptors returned are real file descriptors. In embedded mode close them with
 * accel_sys_close(): a descriptor closed behind the library's back is not noticed.
 */
#ifndef LIBACCEL_H
#define LIBACCEL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * ACCEL_EXPORT - marks the public API: libaccel is built with -fvisibility=hidden, so only
 * the functions of include/libaccel.h and include/libaccel_vnpu.h are exported.
 */
#ifndef ACCEL_EXPORT
#define ACCEL_EXPORT __attribute__((visibility("default")))
#endif

/** accel_sys_open() - open a node; returns a descriptor or -1 with errno. */
ACCEL_EXPORT int accel_sys_open(const char *path, int flags);
/** accel_sys_ioctl() - an ioctl on a node's descriptor; the result or -1 with errno. */
ACCEL_EXPORT int accel_sys_ioctl(int fd, unsigned long request, void *arg);
/** accel_sys_mmap() - map a buffer at a fake offset of a node; MAP_FAILED with errno. */
ACCEL_EXPORT void *accel_sys_mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset);
/** accel_sys_munmap() - unmap what accel_sys_mmap() mapped. */
ACCEL_EXPORT int accel_sys_munmap(void *addr, size_t length);
/** accel_sys_close() - close a descriptor; the last one of an open file releases it. */
ACCEL_EXPORT int accel_sys_close(int fd);

/** enum accel_backend - who serves a node. */
enum accel_backend {
	ACCEL_BACKEND_NONE = 0,
	ACCEL_BACKEND_KERNEL,
	ACCEL_BACKEND_DAEMON,
	ACCEL_BACKEND_EMBEDDED,
};

/**
 * accel_root() - the root directory this process's nodes and attribute files are under:
 * $ACCEL_ROOT (or the default), or this process's private root ROOT/private/PID once its
 * embedded core runs there because another process publishes under the root.
 */
ACCEL_EXPORT const char *accel_root(void);
/** accel_default_root() - the default root: /run/accel for root, else /tmp/accel-<uid>. */
ACCEL_EXPORT const char *accel_default_root(void);
/** accel_fd_backend() - the backend behind @fd. */
ACCEL_EXPORT enum accel_backend accel_fd_backend(int fd);
/** accel_backend_name() - "kernel", "daemon", "embedded" or "none". */
ACCEL_EXPORT const char *accel_backend_name(enum accel_backend b);

/**
 * accel_embedded_start() - start the embedded core now with configuration text @config
 * (INI, see docs/config.md; NULL: $ACCEL_CONFIG's file, else the built-in one).
 * Returns 0, -EALREADY when it runs already, or -errno. Every later open of the root's nodes
 * uses it, even where acceld serves the root (the core is then published under a private
 * root, see accel_root()).
 */
ACCEL_EXPORT int accel_embedded_start(const char *config);
/** accel_embedded_builtin_config() - the text of the built-in configuration. */
ACCEL_EXPORT const char *accel_embedded_builtin_config(void);

/** struct accel_device_info - one node found by accel_devices_list(). */
struct accel_device_info {
	/** @node: "accel0", "renderD128", "card0". */
	char node[32];
	/** @path: the canonical path ("/dev/accel/accel0"). */
	char path[64];
	/** @is_accel: an accel node (major 261). */
	int is_accel;
	unsigned int major;
	unsigned int minor;
	/** @backend: who serves it. */
	enum accel_backend backend;
	/** @driver: the driver's name from DRM_IOCTL_VERSION ("" when the node could not be opened). */
	char driver[64];
	char desc[128];
	int version_major, version_minor, version_patchlevel;
	/** @parent: the parent device's name (the target of sys/class/.../device). */
	char parent[128];
	/** @caps: DRM_CAP_PRIME, SYNCOBJ, SYNCOBJ_TIMELINE, TIMESTAMP_MONOTONIC values (-1 unknown). */
	int64_t cap_prime, cap_syncobj, cap_syncobj_timeline, cap_timestamp_monotonic;
	/** @open_error: 0, or the -errno opening the node gave. */
	int open_error;
};

/**
 * accel_devices_list() - every accel node (and, with @include_drm, DRM node) of the root and
 * of a real kernel's /dev, sorted kernel first then by minor. Returns 0 and a malloc'd
 * array in *@out (free() it), or -errno.
 */
ACCEL_EXPORT int accel_devices_list(struct accel_device_info **out, size_t *count, int include_drm);

/**
 * accel_attr_read() - the live value of an attribute of the root's devices: what its show
 * callback renders now, as reading the file on a kernel would give it.
 * @path: the file under the root: "sys/kernel/debug/accel/vnpu.0/inject_hang",
 *	"proc/PID/fdinfo/N", the same with a leading '/' ("/sys/class/accel/accel0/..."), or
 *	the full path under accel_root()
 * @out: set to the value, NUL-terminated and malloc'd (free() it)
 *
 * The callback runs in acceld when it serves the root (a request on ROOT/attr.sock, checked
 * against the caller's user), else in this process's embedded core (started if need be);
 * with $ACCEL_BACKEND=kernel the real /sys or /proc file is read. It works whether the tree
 * under ROOT/sys is served live (FUSE) or rendered into files (docs/config.md).
 *
 * Return: the value's length, or -errno: -ENOENT (no such attribute), -EISDIR, -EACCES
 * (no show, or not readable by the caller), -EINVAL (a path outside sys/ and proc/), or
 * what the show or the connection to acceld failed with.
 */
ACCEL_EXPORT ssize_t accel_attr_read(const char *path, char **out);
/**
 * accel_attr_write() - store a value into an attribute, as one write() of the file on a
 * kernel: its store callback gets @value (at most PAGE_SIZE bytes, NUL-terminated).
 * @path: as for accel_attr_read()
 * @value: the text, usually ending in a newline as `echo` writes it
 * @len: its length; 0 stores nothing and returns 0
 *
 * Return: the bytes the store used, or -errno: the store's own (-EINVAL for a value it
 * refuses), -EACCES (no store, or not writable by the caller), -ENOENT, -EISDIR, -EINVAL.
 */
ACCEL_EXPORT ssize_t accel_attr_write(const char *path, const void *value, size_t len);

#ifdef __cplusplus
}
#endif

#endif

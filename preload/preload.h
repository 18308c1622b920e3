/* SPDX-License-Identifier: MIT */
/*
 * libaccel-preload: the LD_PRELOAD shim that shows unmodified programs the devices of the
 * root (docs/preload.md). Its files, one concept each:
 *   libc_next.c    libc's own functions, found with dlsym(RTLD_NEXT)
 *   route.c        which paths are the devices' and where they lie under the root
 *   emul_fd.c      the emulated-descriptor table (O(1), lock-free lookups)
 *   node_stat.c    what stat answers for a device node
 *   open.c, stat.c, dir.c, fd.c, ioctl_mmap.c, poll.c, process.c: the interposed calls
 */
#ifndef ACCEL_PRELOAD_H
#define ACCEL_PRELOAD_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/types.h>

/**
 * struct libc_next - libc's definitions of the calls the shim interposes (the next
 * object's, in the lookup order that LD_PRELOAD puts the shim in front of).
 */
struct libc_next {
	int (*open)(const char *path, int flags, ...);
	int (*openat)(int dirfd, const char *path, int flags, ...);
	FILE *(*fopen)(const char *path, const char *mode);
	int (*stat)(const char *path, struct stat *st);
	int (*lstat)(const char *path, struct stat *st);
	int (*fstat)(int fd, struct stat *st);
	int (*fstatat)(int dirfd, const char *path, struct stat *st, int flags);
	int (*statx)(int dirfd, const char *path, int flags, unsigned int mask, struct statx *stx);
	int (*access)(const char *path, int mode);
	int (*chmod)(const char *path, mode_t mode);
	int (*fchmodat)(int dirfd, const char *path, mode_t mode, int flags);
	int (*faccessat)(int dirfd, const char *path, int mode, int flags);
	ssize_t (*readlink)(const char *path, char *buf, size_t size);
	ssize_t (*readlinkat)(int dirfd, const char *path, char *buf, size_t size);
	char *(*realpath)(const char *path, char *resolved);
	DIR *(*opendir)(const char *path);
	int (*scandir)(const char *dir, struct dirent ***list, int (*filter)(const struct dirent *),
		       int (*compar)(const struct dirent **, const struct dirent **));
	int (*close)(int fd);
	int (*dup)(int fd);
	int (*dup2)(int fd, int fd2);
	int (*dup3)(int fd, int fd2, int flags);
	int (*fcntl)(int fd, int cmd, ...);
	ssize_t (*read)(int fd, void *buf, size_t n);
	ssize_t (*pread)(int fd, void *buf, size_t n, off_t off);
	ssize_t (*readv)(int fd, const struct iovec *iov, int n);
	ssize_t (*preadv)(int fd, const struct iovec *iov, int n, off_t off);
	ssize_t (*preadv2)(int fd, const struct iovec *iov, int n, off_t off, int flags);
	ssize_t (*write)(int fd, const void *buf, size_t n);
	ssize_t (*pwrite)(int fd, const void *buf, size_t n, off_t off);
	ssize_t (*writev)(int fd, const struct iovec *iov, int n);
	ssize_t (*pwritev)(int fd, const struct iovec *iov, int n, off_t off);
	ssize_t (*pwritev2)(int fd, const struct iovec *iov, int n, off_t off, int flags);
	off_t (*lseek)(int fd, off_t off, int whence);
	ssize_t (*send)(int fd, const void *buf, size_t n, int flags);
	ssize_t (*sendto)(int fd, const void *buf, size_t n, int flags, __CONST_SOCKADDR_ARG to, socklen_t len);
	ssize_t (*sendmsg)(int fd, const struct msghdr *m, int flags);
	int (*sendmmsg)(int fd, struct mmsghdr *v, unsigned int n, int flags);
	ssize_t (*recv)(int fd, void *buf, size_t n, int flags);
	ssize_t (*recvfrom)(int fd, void *buf, size_t n, int flags, __SOCKADDR_ARG from, socklen_t *len);
	ssize_t (*recvmsg)(int fd, struct msghdr *m, int flags);
	int (*recvmmsg)(int fd, struct mmsghdr *v, unsigned int n, int flags, struct timespec *t);
	int (*shutdown)(int fd, int how);
	int (*getsockopt)(int fd, int level, int name, void *val, socklen_t *len);
	int (*setsockopt)(int fd, int level, int name, const void *val, socklen_t len);
	int (*getsockname)(int fd, __SOCKADDR_ARG a, socklen_t *len);
	int (*getpeername)(int fd, __SOCKADDR_ARG a, socklen_t *len);
	int (*bind)(int fd, __CONST_SOCKADDR_ARG a, socklen_t len);
	int (*connect)(int fd, __CONST_SOCKADDR_ARG a, socklen_t len);
	int (*listen)(int fd, int backlog);
	int (*accept)(int fd, __SOCKADDR_ARG a, socklen_t *len);
	int (*accept4)(int fd, __SOCKADDR_ARG a, socklen_t *len, int flags);
	int (*close_range)(unsigned int first, unsigned int last, int flags);
	int (*ioctl)(int fd, unsigned long request, ...);
	void *(*mmap)(void *addr, size_t len, int prot, int flags, int fd, off_t off);
	int (*munmap)(void *addr, size_t len);
	int (*poll)(struct pollfd *fds, nfds_t n, int timeout);
	int (*ppoll)(struct pollfd *fds, nfds_t n, const struct timespec *t, const sigset_t *mask);
	int (*select)(int n, fd_set *r, fd_set *w, fd_set *e, struct timeval *t);
	int (*pselect)(int n, fd_set *r, fd_set *w, fd_set *e, const struct timespec *t,
		       const sigset_t *mask);
	int (*epoll_ctl)(int epfd, int op, int fd, struct epoll_event *ev);
	pid_t (*fork)(void);
	int (*execve)(const char *path, char *const argv[], char *const envp[]);
	int (*execvpe)(const char *file, char *const argv[], char *const envp[]);
	int (*fexecve)(int fd, char *const argv[], char *const envp[]);
	int (*posix_spawn)(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
			   const posix_spawnattr_t *attr, char *const argv[], char *const envp[]);
	int (*posix_spawnp)(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
			    const posix_spawnattr_t *attr, char *const argv[], char *const envp[]);
	int (*posix_spawn_file_actions_adddup2)(posix_spawn_file_actions_t *fa, int fd, int newfd);
	int (*posix_spawn_file_actions_destroy)(posix_spawn_file_actions_t *fa);
	int (*posix_spawn_file_actions_addopen)(posix_spawn_file_actions_t *fa, int fd, const char *path,
						int flags, mode_t mode);
};

/* libc_next.c */
/** libc - libc's functions; filled before main() runs and at first use before that. */
extern struct libc_next libc;
/** libc_next_resolve() - fill @libc (idempotent; called by the constructor and early callers). */
void libc_next_resolve(void);
/** LIBC() - libc's @name, resolved first if this call comes before the constructor. */
#define LIBC(name) (__builtin_expect(libc.name != NULL, 1) ? libc.name : (libc_next_resolve(), libc.name))

/*
 * The guard: set while this thread runs libaccel for the shim. libaccel and the core call
 * libc's open/fstat/close themselves, on descriptors and paths the shim emulates (a pipe's
 * inode, /proc/self/fd/N of a buffer); with the guard set those calls go straight to libc.
 */
extern __thread int preload_in_lib __attribute__((tls_model("initial-exec")));
#define PRELOAD_ENTER() (preload_in_lib++)
#define PRELOAD_LEAVE() (preload_in_lib--)

/*
 * glibc declares the path arguments nonnull, but a program may pass NULL (the kernel answers
 * EFAULT): the shim tests a path it reads through this, which the compiler cannot see into.
 */
static inline const char *path_unknown(const char *p)
{
	__asm__("" : "+r"(p));
	return p;
}

/* route.c */
/** enum route_kind - what a path names, for the shim. */
enum route_kind {
	ROUTE_NONE,	/* not the devices': libc's */
	ROUTE_NODE,	/* a device node, /dev/accel/accelN or /dev/dri/{cardN,renderDN} */
	ROUTE_TREE,	/* a file of the root (a node directory, the attribute tree, fdinfo) */
	ROUTE_REOPEN,	/* /proc/self/fd/N of an emulated descriptor */
};
/**
 * struct route - where a path leads.
 * @kind: see enum route_kind.
 * @major: %ROUTE_NODE: 261 (accel) or 226 (dri); @minor its minor.
 * @canon: %ROUTE_NODE, %ROUTE_REOPEN: the node's canonical path.
 * @real: %ROUTE_NODE, %ROUTE_TREE: the file under the root.
 * @fd: %ROUTE_REOPEN: the emulated descriptor.
 */
struct route {
	enum route_kind kind;
	unsigned int major, minor;
	int fd;
	char canon[64];
	char real[4096];
};
/**
 * route_path() - where @path (absolute; relative paths are libc's) leads. Starts the
 * backend (and so publishes the root) at the first path of the devices. Returns @r->kind.
 */
enum route_kind route_path(const char *path, struct route *r);
/** route_root() - the root the devices of this process lie under ("" before any route). */
const char *route_root(void);
/**
 * route_unmap() - @real, a path under the root, as the program should see it (the root's
 * prefix taken off, in place); false if @real is not under the root.
 */
bool route_unmap(char *real);
/** route_node_canon() - the canonical path of node @major:@minor into @buf (64 bytes). */
void route_node_canon(unsigned int major, unsigned int minor, char *buf);

/* emul_fd.c */
/**
 * struct emul_fd - what the table knows of an emulated descriptor (one atomic word).
 * @major, @minor: the node; @daemon: opened through acceld; @accmode: the open's O_ACCMODE;
 * @nonblock: O_NONBLOCK of a daemon descriptor (acceld's socket itself stays blocking: it
 * carries libaccel's requests; the embedded pipe carries the flag itself).
 */
struct emul_fd {
	unsigned int major, minor, accmode;
	bool daemon, nonblock;
};
/** EMUL_FD_MAX - descriptors at or above it are never emulated (the table's size). */
#define EMUL_FD_MAX (1 << 20)
extern _Atomic uint32_t emul_table[EMUL_FD_MAX];
/** emul_fd_is() - @fd is emulated: one load, no lock (the fast path of every call). */
static inline bool emul_fd_is(int fd)
{
	return (unsigned int)fd < EMUL_FD_MAX &&
	       __atomic_load_n((uint32_t *)&emul_table[fd], __ATOMIC_ACQUIRE) != 0;
}
/** emul_fd_any() - some descriptor was ever emulated (mappings may exist). */
extern bool emul_fd_used;
/** emul_fd_get() - what @fd stands for; false if it is not emulated. */
bool emul_fd_get(int fd, struct emul_fd *e);
/** emul_fd_set() - record @fd as emulated; false if @fd is beyond the table. */
bool emul_fd_set(int fd, const struct emul_fd *e);
/** emul_fd_clear() - @fd is emulated no more; returns whether it was. */
bool emul_fd_clear(int fd);
/** emul_fd_limit() - one past the highest descriptor ever emulated. */
int emul_fd_limit(void);
/** emul_fd_env_format() - the table as $ACCEL_PRELOAD_FDS text for exec, into @buf. */
int emul_fd_env_format(char *buf, size_t size, bool cloexec_too);

/* node_stat.c */
/**
 * node_stat() - what stat answers for node @major:@minor whose file under the root is
 * @real: S_IFCHR, st_rdev, the node file's mode and owner. 0 or -1 with errno.
 */
int node_stat(const char *real, unsigned int major, unsigned int minor, struct stat *st);
/** node_stat_fd() - node_stat() of emulated @fd. */
int node_stat_fd(int fd, struct stat *st);
/** node_statx() - @st as struct statx. */
void node_statx(const struct stat *st, struct statx *stx);

/* open.c */
/** preload_open_node() - open node @r (ROUTE_NODE/REOPEN) with @flags: the descriptor or -1. */
int preload_open_node(const struct route *r, int flags);

/* process.c */
/**
 * preload_adopt_daemon_fd() - take over @fd, a connection to acceld's node @major:@minor
 * that this process got without opening it (exec, SCM_RIGHTS): libaccel attaches it and the
 * table records it. False if it is no such connection.
 */
bool preload_adopt_daemon_fd(int fd, unsigned int major, unsigned int minor, unsigned int accmode);
/**
 * preload_exec_env() - @envp with $ACCEL_PRELOAD_FDS naming this process's daemon descriptors
 * that stay open across exec, and @extra ("FD:MAJOR:MINOR:ACCMODE,..." or NULL) too: a
 * malloc'd array in *@made whose strings are @envp's but the one added; @envp itself when
 * there is nothing to name. Free with preload_exec_env_free(*@made).
 */
char *const *preload_exec_env(char *const envp[], char ***made, const char *extra);
/** preload_exec_env_free() - what preload_exec_env() made (NULL: nothing). */
void preload_exec_env_free(char **made);

/* socket.c */
/**
 * preload_daemon_peer() - @fd is a connection to acceld's socket of a node of this process's
 * root: that node's @major and @minor (from the socket's name).
 */
bool preload_daemon_peer(int fd, unsigned int *major, unsigned int *minor);

/* ioctl_mmap.c */
/** preload_fdinfo_path() - the root's fdinfo file of emulated @fd into @buf; 0 or -errno. */
int preload_fdinfo_path(int fd, char *buf, size_t size);

#endif

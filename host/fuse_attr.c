// SPDX-License-Identifier: MIT
/*
 * The live attribute tree: ROOT/sys and ROOT/proc served as FUSE file systems (Debian's
 * libfuse3), so that every read calls the attribute's show callback and every write its store,
 * with the kernel's sysfs rules:
 *
 * - a read at offset 0 renders the value anew (later offsets read on in that rendering, as
 *   seq_file does); nothing is cached by the kernel (direct I/O, zero entry and attribute
 *   timeouts), so a value is never older than the read;
 * - a write is one value: at offset 0 only (-EINVAL elsewhere), at most PAGE_SIZE bytes given
 *   to the store, whose result (bytes used or -errno) is what write() returns;
 * - open() for reading needs a show and a read bit, for writing a store and a write bit
 *   (-EACCES otherwise, root included, as kernfs does); O_TRUNC is ignored;
 * - poll() reports POLLPRI | POLLERR once the attribute was notified (attr_notify(), which a
 *   store does too) since the file was opened or last read, as sysfs_notify() makes it;
 * - directories and symlinks are the tree's; modes are the attributes', owned by the serving
 *   process's user (root for acceld as root), with the kernel checking them
 *   (default_permissions).
 *
 * Device nodes the core publishes under sys (debugfs's sync/sw_sync) cannot live in the FUSE
 * file system (acceld's are sockets): they are published in ROOT/.devnodes and the sys mount
 * shows a symlink to each there, with the directories leading to it (accel_fuse_extra_link()).
 *
 * The mounts are named "accel:PID" (type fuse.accel). A process that dies without unmounting
 * (SIGKILL, a crash) would leave them answering ENOTCONN, and its root could not be removed:
 * a watcher process, forked at the start, detaches them lazily as soon as the process is gone
 * (it waits for the end of a pipe only the process holds), by mount ID, and answers what is
 * asked of them meanwhile with ESTALE, which makes the kernel walk the path again and find
 * the directory beneath (afs_watch_serve()): nothing is ever in the way of removing the root
 * once the publisher is dead. What it could not detach is
 * recognised and detached before the next start (accel_fuse_unmount_stale()). A few
 * threads serve both mounts from non-blocking reads of their /dev/fuse descriptors, and
 * stop on an eventfd; the process unmounts at exit.
 */
#define _GNU_SOURCE
#define FUSE_USE_VERSION 35
#include <errno.h>
#include <fcntl.h>
#include <fuse3/fuse.h>
#include <fuse3/fuse_lowlevel.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <accel/attr.h>
#include <accel/drm_print.h>

#include "host/host.h"

/* The kernel hands us writes of at most this much; the read buffer holds one and its header. */
#define AFS_MAX_WRITE (64 * 1024)
#define AFS_BUF_SIZE (AFS_MAX_WRITE + 64 * 1024)
#define AFS_WORKERS 3
/* sysfs's DEFAULT_POLLMASK, and what a notified attribute adds. */
#define AFS_POLL_DEFAULT (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM)
#define AFS_POLL_CHANGED (POLLERR | POLLPRI)

struct afs_mount {
	struct fuse *f;
	struct fuse_session *se;
	int fd;
	/* The kernel's ID of the mount (mountinfo's first field): what is detached, exactly. */
	int mnt_id;
	char path[PATH_MAX];
};

/* An open attribute file. @lock guards @text, @len and @seen; @ph and @poll_next poll_lock. */
struct afs_file {
	struct attr_node *node;
	pthread_mutex_t lock;
	char *text;
	size_t len;
	unsigned int seen;
	struct fuse_pollhandle *ph;
	struct afs_file *poll_next;
	/* On afs_open_files (open_lock). */
	struct afs_file *open_prev, *open_next;
};

/*
 * The open files: a release the kernel sends as a file is closed is handled asynchronously,
 * and the ones still queued when the workers stop never are: accel_fuse_stop() frees them.
 */
static pthread_mutex_t open_lock = PTHREAD_MUTEX_INITIALIZER;
static struct afs_file *afs_open_files;

/* Guards the state below: started by accel_fuse_start(), ended by accel_fuse_stop(). */
static pthread_mutex_t afs_lock = PTHREAD_MUTEX_INITIALIZER;
static struct afs_mount afs_mounts[2];
static pthread_t afs_workers[AFS_WORKERS];
static unsigned int afs_num_workers;
static int afs_stop_fd = -1;
static pid_t afs_pid;
static bool afs_running;
static time_t afs_time;
/* The write end of the watcher's pipe (afs_watcher_start()), -1 without one. */
static int afs_watch_fd = -1;

/* The files waiting for a notification (a poll handle kept). */
static pthread_mutex_t poll_lock = PTHREAD_MUTEX_INITIALIZER;
static struct afs_file *poll_waiting;

static struct attr_node *afs_dir(void)
{
	return fuse_get_context()->private_data;
}

/* Symlinks shown in the sys mount beside the tree: path under sys ("kernel/debug/...") -> target. */
#define AFS_MAX_EXTRA 8
struct afs_extra {
	char path[256];
	char target[PATH_MAX];
};
static pthread_mutex_t extra_lock = PTHREAD_MUTEX_INITIALIZER;
static struct afs_extra afs_extras[AFS_MAX_EXTRA];

int accel_fuse_extra_link(const char *sys_path, const char *target)
{
	unsigned int i;
	int err = -ENOSPC;

	if (strlen(sys_path) >= sizeof(afs_extras[0].path) || strlen(target) >= PATH_MAX)
		return -ENAMETOOLONG;
	pthread_mutex_lock(&extra_lock);
	for (i = 0; i < AFS_MAX_EXTRA; i++) {
		if (!afs_extras[i].path[0]) {
			snprintf(afs_extras[i].path, sizeof(afs_extras[i].path), "%s", sys_path);
			snprintf(afs_extras[i].target, sizeof(afs_extras[i].target), "%s", target);
			err = 0;
			break;
		}
	}
	pthread_mutex_unlock(&extra_lock);
	return err;
}

void accel_fuse_extra_remove(const char *sys_path)
{
	unsigned int i;

	pthread_mutex_lock(&extra_lock);
	for (i = 0; i < AFS_MAX_EXTRA; i++)
		if (!strcmp(afs_extras[i].path, sys_path))
			afs_extras[i].path[0] = 0;
	pthread_mutex_unlock(&extra_lock);
}

/*
 * What the extra links make of FUSE path @path ("/kernel/debug/sync") of the sys mount: a
 * link (its target into @target), a directory leading to one, or -ENOENT.
 */
static int afs_extra_lookup(const char *path, enum attr_node_type *type, char *target, size_t size)
{
	unsigned int i;
	size_t n;
	int err = -ENOENT;

	if (afs_dir() != attr_root())
		return -ENOENT;
	while (*path == '/')
		path++;
	n = strlen(path);
	pthread_mutex_lock(&extra_lock);
	for (i = 0; i < AFS_MAX_EXTRA && err; i++) {
		const char *e = afs_extras[i].path;

		if (!e[0])
			continue;
		if (!strcmp(e, path)) {
			*type = ATTR_NODE_LINK;
			if (target)
				snprintf(target, size, "%s", afs_extras[i].target);
			err = 0;
		} else if (!n || (!strncmp(e, path, n) && e[n] == '/')) {
			*type = ATTR_NODE_DIR;
			err = 0;
		}
	}
	pthread_mutex_unlock(&extra_lock);
	return err;
}

/* Add the extra entries directly under directory @path that the tree does not have. */
static void afs_extra_fill(const char *path, void *buf, fuse_fill_dir_t filler)
{
	char names[AFS_MAX_EXTRA][256], child[PATH_MAX];
	unsigned int i, j, count = 0;
	struct attr_stat st;
	size_t n;

	if (afs_dir() != attr_root())
		return;
	while (*path == '/')
		path++;
	n = strlen(path);
	pthread_mutex_lock(&extra_lock);
	for (i = 0; i < AFS_MAX_EXTRA; i++) {
		const char *e = afs_extras[i].path, *rest;

		if (!e[0] || (n && (strncmp(e, path, n) || e[n] != '/')))
			continue;
		rest = e + (n ? n + 1 : 0);
		snprintf(names[count], sizeof(names[count]), "%.*s", (int)strcspn(rest, "/"), rest);
		for (j = 0; j < count && strcmp(names[j], names[count]); j++)
			;
		if (j == count)
			count++;
	}
	pthread_mutex_unlock(&extra_lock);
	for (i = 0; i < count; i++) {
		snprintf(child, sizeof(child), "%s/%s", path, names[i]);
		if (attr_stat_path(attr_root(), child, &st))
			filler(buf, names[i], NULL, 0, 0);
	}
}

static struct afs_file *afs_fh(struct fuse_file_info *fi)
{
	return (struct afs_file *)(uintptr_t)fi->fh;
}

static int afs_readlink(const char *path, char *buf, size_t size)
{
	enum attr_node_type type;
	int err = attr_readlink_path(afs_dir(), path, buf, size);

	if (err == -ENOENT && !afs_extra_lookup(path, &type, buf, size))
		err = type == ATTR_NODE_LINK ? 0 : -EINVAL;
	return err;
}

static int afs_getattr(const char *path, struct stat *stbuf, struct fuse_file_info *fi)
{
	struct attr_stat st;
	char target[PATH_MAX];
	int err;

	(void)fi;
	err = attr_stat_path(afs_dir(), path, &st);
	if (err == -ENOENT && !afs_extra_lookup(path, &st.type, target, sizeof(target))) {
		st.mode = st.type == ATTR_NODE_DIR ? 0755 : 0777;
		err = 0;
	}
	if (err)
		return err;
	memset(stbuf, 0, sizeof(*stbuf));
	stbuf->st_uid = geteuid();
	stbuf->st_gid = getegid();
	stbuf->st_atime = stbuf->st_mtime = stbuf->st_ctime = afs_time;
	switch (st.type) {
	case ATTR_NODE_DIR:
		stbuf->st_mode = S_IFDIR | (st.mode & 0777);
		stbuf->st_nlink = 2;
		break;
	case ATTR_NODE_FILE:
		stbuf->st_mode = S_IFREG | (st.mode & 0777);
		stbuf->st_nlink = 1;
		/* As sysfs: a page, whatever the value's length (reads end at its end). */
		stbuf->st_size = 4096;
		break;
	case ATTR_NODE_LINK:
		stbuf->st_mode = S_IFLNK | 0777;
		stbuf->st_nlink = 1;
		if (!afs_readlink(path, target, sizeof(target)))
			stbuf->st_size = (off_t)strlen(target);
		break;
	}
	return 0;
}


struct afs_fill {
	void *buf;
	fuse_fill_dir_t filler;
};

static int afs_fill_one(void *data, const char *name, const struct attr_stat *st)
{
	struct afs_fill *fill = data;

	(void)st;
	return fill->filler(fill->buf, name, NULL, 0, 0) ? -ENOBUFS : 0;
}

static int afs_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off,
		       struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	struct afs_fill fill = { buf, filler };
	enum attr_node_type type;
	int err;

	(void)off; (void)fi; (void)flags;
	filler(buf, ".", NULL, 0, 0);
	filler(buf, "..", NULL, 0, 0);
	err = attr_list_dir(afs_dir(), path, afs_fill_one, &fill);
	if (err == -ENOENT && !afs_extra_lookup(path, &type, NULL, 0) && type == ATTR_NODE_DIR)
		err = 0;
	if (!err)
		afs_extra_fill(path, buf, filler);
	return err;
}

static int afs_open(const char *path, struct fuse_file_info *fi)
{
	int acc = fi->flags & O_ACCMODE;
	struct attr_node *node = attr_file_get(afs_dir(), path);
	struct afs_file *fh;

	if (IS_ERR(node))
		return PTR_ERR(node);
	/* kernfs: reading needs a show, writing a store and a write bit, whoever opens. */
	if ((acc != O_WRONLY && (!node->show || !(node->mode & 0444))) ||
	    (acc != O_RDONLY && (!node->store || !(node->mode & 0222)))) {
		attr_put(node);
		return -EACCES;
	}
	fh = calloc(1, sizeof(*fh));
	if (!fh) {
		attr_put(node);
		return -ENOMEM;
	}
	fh->node = node;
	fh->seen = attr_events(node);
	pthread_mutex_init(&fh->lock, NULL);
	pthread_mutex_lock(&open_lock);
	fh->open_next = afs_open_files;
	if (afs_open_files)
		afs_open_files->open_prev = fh;
	afs_open_files = fh;
	pthread_mutex_unlock(&open_lock);
	fi->fh = (uintptr_t)fh;
	fi->direct_io = 1;
	fi->keep_cache = 0;
	return 0;
}

static int afs_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	struct afs_file *fh = afs_fh(fi);
	size_t n = 0;
	int err = 0;

	(void)path;
	if (off < 0)
		return -EINVAL;
	pthread_mutex_lock(&fh->lock);
	if (off == 0 || !fh->text) {
		/* The count before the show: a change during it is reported by the next poll. */
		unsigned int seen = attr_events(fh->node);
		char *text;
		size_t len;

		err = attr_file_show(fh->node, &text, &len);
		if (!err) {
			free(fh->text);
			fh->text = text;
			fh->len = len;
			fh->seen = seen;
		}
	}
	if (!err && (size_t)off < fh->len) {
		n = fh->len - (size_t)off;
		if (n > size)
			n = size;
		memcpy(buf, fh->text + off, n);
	}
	pthread_mutex_unlock(&fh->lock);
	return err ? err : (int)n;
}

static int afs_write(const char *path, const char *buf, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	ssize_t ret;

	(void)path;
	/* One value per write, from its start: a store never sees a piece of one. */
	if (off != 0)
		return -EINVAL;
	ret = attr_file_store(afs_fh(fi)->node, buf, size);
	return ret < 0 ? (int)ret : (int)(ret > (ssize_t)size ? size : (size_t)ret);
}

static int afs_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	struct attr_stat st;
	int err;

	(void)size; (void)fi;
	/* `> file` opens with O_TRUNC: like sysfs, a size change is accepted and does nothing. */
	err = attr_stat_path(afs_dir(), path, &st);
	if (err)
		return err;
	return st.type == ATTR_NODE_DIR ? -EISDIR : 0;
}

/* Take @fh off the waiting list and drop its poll handle. poll_lock held. */
static void afs_poll_forget_locked(struct afs_file *fh)
{
	struct afs_file **pp;

	for (pp = &poll_waiting; *pp; pp = &(*pp)->poll_next) {
		if (*pp == fh) {
			*pp = fh->poll_next;
			break;
		}
	}
	fh->poll_next = NULL;
	if (fh->ph)
		fuse_pollhandle_destroy(fh->ph);
	fh->ph = NULL;
}

static int afs_poll(const char *path, struct fuse_file_info *fi, struct fuse_pollhandle *ph,
		    unsigned int *reventsp)
{
	struct afs_file *fh = afs_fh(fi);
	bool changed;

	(void)path;
	/*
	 * Compared and registered under poll_lock, which a notification takes after counting:
	 * either the count differs here or the notification finds the handle.
	 */
	pthread_mutex_lock(&poll_lock);
	pthread_mutex_lock(&fh->lock);
	changed = fh->seen != attr_events(fh->node);
	pthread_mutex_unlock(&fh->lock);
	*reventsp = AFS_POLL_DEFAULT | (changed ? AFS_POLL_CHANGED : 0);
	if (ph) {
		if (changed) {
			fuse_pollhandle_destroy(ph);
		} else {
			afs_poll_forget_locked(fh);
			fh->ph = ph;
			fh->poll_next = poll_waiting;
			poll_waiting = fh;
		}
	}
	pthread_mutex_unlock(&poll_lock);
	return 0;
}

/* Free open file @fh, which is off afs_open_files. */
static void afs_file_free(struct afs_file *fh)
{
	pthread_mutex_lock(&poll_lock);
	afs_poll_forget_locked(fh);
	pthread_mutex_unlock(&poll_lock);
	attr_put(fh->node);
	pthread_mutex_destroy(&fh->lock);
	free(fh->text);
	free(fh);
}

static int afs_release(const char *path, struct fuse_file_info *fi)
{
	struct afs_file *fh = afs_fh(fi);

	(void)path;
	pthread_mutex_lock(&open_lock);
	if (fh->open_prev)
		fh->open_prev->open_next = fh->open_next;
	else
		afs_open_files = fh->open_next;
	if (fh->open_next)
		fh->open_next->open_prev = fh->open_prev;
	pthread_mutex_unlock(&open_lock);
	afs_file_free(fh);
	return 0;
}

static void *afs_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	/* Nothing cached: every lookup, stat and read reaches the tree. */
	cfg->entry_timeout = 0;
	cfg->attr_timeout = 0;
	cfg->negative_timeout = 0;
	cfg->direct_io = 1;
	cfg->kernel_cache = 0;
	conn->max_write = AFS_MAX_WRITE;
	/* O_TRUNC comes with the open (ignored) rather than as a separate truncate. */
	if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC)
		conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
	conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
	return fuse_get_context()->private_data;
}

static const struct fuse_operations afs_ops = {
	.getattr = afs_getattr,
	.readlink = afs_readlink,
	.truncate = afs_truncate,
	.open = afs_open,
	.read = afs_read,
	.write = afs_write,
	.release = afs_release,
	.readdir = afs_readdir,
	.init = afs_init,
	.poll = afs_poll,
};

/* The attribute publisher of FUSE mode: nothing to render, pollers to wake. */
static void afs_changed(struct attr_publisher *p, struct attr_node *node)
{
	struct afs_file **pp, *fh;

	(void)p;
	/* A forked child's copy of the core has no connection to notify on. */
	if (getpid() != afs_pid)
		return;
	pthread_mutex_lock(&poll_lock);
	for (pp = &poll_waiting; (fh = *pp);) {
		if (fh->node != node) {
			pp = &fh->poll_next;
			continue;
		}
		*pp = fh->poll_next;
		fh->poll_next = NULL;
		fuse_notify_poll(fh->ph);
		fuse_pollhandle_destroy(fh->ph);
		fh->ph = NULL;
	}
	pthread_mutex_unlock(&poll_lock);
}

static bool afs_within(const struct attr_node *n, const struct attr_node *top)
{
	for (; n; n = n->parent)
		if (n == top)
			return true;
	return false;
}

/* A file going away wakes its pollers, as a change (called with the tree locked). */
static void afs_removing(struct attr_publisher *p, struct attr_node *node)
{
	struct afs_file *fh;
	struct attr_node *gone[16];
	unsigned int n = 0, i;

	pthread_mutex_lock(&poll_lock);
	for (fh = poll_waiting; fh && n < ARRAY_SIZE(gone); fh = fh->poll_next) {
		if (afs_within(fh->node, node)) {
			__atomic_add_fetch(&fh->node->events, 1, __ATOMIC_SEQ_CST);
			gone[n++] = fh->node;
		}
	}
	pthread_mutex_unlock(&poll_lock);
	for (i = 0; i < n; i++)
		afs_changed(p, gone[i]);
}

static struct attr_publisher afs_publisher = {
	.removing = afs_removing,
	.changed = afs_changed,
};

struct attr_publisher *accel_fuse_publisher(void)
{
	return &afs_publisher;
}

static void *afs_worker_main(void *arg)
{
	struct pollfd p[3];
	char *buf = malloc(AFS_BUF_SIZE);
	unsigned int i;

	(void)arg;
	if (!buf)
		return NULL;
	p[0] = (struct pollfd){ .fd = afs_stop_fd, .events = POLLIN };
	for (i = 0; i < 2; i++)
		p[i + 1] = (struct pollfd){ .fd = afs_mounts[i].fd, .events = POLLIN };
	for (;;) {
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents)
			break;
		for (i = 0; i < 2; i++) {
			struct fuse_buf fbuf = { .mem = buf };
			ssize_t n;

			if (!p[i + 1].revents)
				continue;
			n = read(p[i + 1].fd, buf, AFS_BUF_SIZE);
			if (n < 0 && errno == ENODEV) {
				/* Unmounted behind our back: nothing more comes from it. */
				p[i + 1].fd = -1;
				continue;
			}
			if (n <= 0)
				continue; /* another worker took it (EAGAIN), or interrupted (ENOENT) */
			fbuf.size = (size_t)n;
			fuse_session_process_buf(afs_mounts[i].se, &fbuf);
		}
	}
	free(buf);
	return NULL;
}

static void afs_log(enum fuse_log_level level, const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = 0;
	if (level <= FUSE_LOG_ERR)
		DRM_DEBUG("libfuse: %s", msg);
}

static void afs_unmount_one(struct afs_mount *m)
{
	if (!m->f)
		return;
	fuse_unmount(m->f);
	fuse_destroy(m->f);
	m->f = NULL;
	m->se = NULL;
	m->fd = -1;
}

static int afs_path_mnt_id(const char *path);

static int afs_mount_one(struct afs_mount *m, const char *mountpoint, struct attr_node *dir)
{
	char opts[128];
	char *argv[] = { "accel", "-o", opts, NULL };
	struct fuse_args args = FUSE_ARGS_INIT(3, argv);

	/*
	 * allow_other: the tree is for every user, as /sys is (a user's own mount needs
	 * user_allow_other in /etc/fuse.conf for that, so it stays the user's).
	 */
	snprintf(opts, sizeof(opts), "fsname=accel:%d,subtype=accel,default_permissions%s",
		 (int)getpid(), geteuid() == 0 ? ",allow_other" : "");
	m->fd = -1;
	snprintf(m->path, sizeof(m->path), "%s", mountpoint);
	m->f = fuse_new(&args, &afs_ops, sizeof(afs_ops), dir);
	fuse_opt_free_args(&args);
	if (!m->f)
		return -EIO;
	if (fuse_mount(m->f, mountpoint)) {
		fuse_destroy(m->f);
		m->f = NULL;
		return -ENODEV;
	}
	m->se = fuse_get_session(m->f);
	m->fd = fuse_session_fd(m->se);
	m->mnt_id = afs_path_mnt_id(mountpoint);
	/* Several workers poll the descriptor: the ones that lose the race get EAGAIN. */
	fcntl(m->fd, F_SETFL, fcntl(m->fd, F_GETFL) | O_NONBLOCK);
	return 0;
}

/*
 * What follows runs in the watcher too (a fork of a threaded process): async-signal-safe
 * calls only, no allocation.
 */

/* Decimal @v at @buf (room for 11 bytes), terminated. */
static void afs_utoa(char *buf, unsigned int v)
{
	char tmp[16];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*buf++ = tmp[--n];
	*buf = 0;
}

/* The ID of the mount descriptor @fd is on (its /proc/self/fdinfo "mnt_id"), or -1. */
static int afs_fd_mnt_id(int fd)
{
	char path[64] = "/proc/self/fdinfo/", text[1024], *p;
	ssize_t n;
	int f, id;

	afs_utoa(path + strlen(path), (unsigned int)fd);
	f = open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return -1;
	n = read(f, text, sizeof(text) - 1);
	close(f);
	if (n <= 0)
		return -1;
	text[n] = 0;
	p = strstr(text, "mnt_id:");
	if (!p)
		return -1;
	for (p += 7; *p == ' ' || *p == '\t'; p++)
		;
	for (id = 0; *p >= '0' && *p <= '9'; p++)
		id = id * 10 + (*p - '0');
	return id;
}

/* The ID of the mount @path shows now (the top one), or -1. */
static int afs_path_mnt_id(const char *path)
{
	/* O_PATH: no call reaches the file system, which may be a dead publisher's. */
	int fd = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), id;

	if (fd < 0)
		return -1;
	id = afs_fd_mnt_id(fd);
	close(fd);
	return id;
}

/*
 * Lazily detach the mount with ID @mnt_id if it is the one @path shows now: 0; -ESTALE when
 * the path shows another mount (a later publisher's, mounted since: umount2() by path would
 * detach that one); -EPERM when this process may not (not root: afs_detach_user()).
 */
static int afs_detach_exact(const char *path, int mnt_id)
{
	char self[64] = "/proc/self/fd/";
	int fd = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (mnt_id < 0 || afs_fd_mnt_id(fd) != mnt_id) {
		err = -ESTALE;
	} else {
		/* The descriptor's link names that very mount, whatever is mounted meanwhile. */
		afs_utoa(self + strlen(self), (unsigned int)fd);
		if (umount2(self, MNT_DETACH))
			err = -errno;
	}
	close(fd);
	return err;
}

/* Not root: the setuid helper detaches the user's own mount at @path. */
static void afs_detach_user(const char *path)
{
	pid_t pid = fork();

	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		if (null >= 0) {
			dup2(null, 1);
			dup2(null, 2);
		}
		execlp("fusermount3", "fusermount3", "-u", "-q", "-z", path, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

/* The kernel's FUSE message headers (linux/fuse.h, a stable ABI; that header clashes with libfuse's). */
struct afs_in_header {
	uint32_t len;
	uint32_t opcode;
	uint64_t unique;
	uint64_t nodeid;
	uint32_t uid, gid, pid;
	uint16_t total_extlen, padding;
};

struct afs_out_header {
	uint32_t len;
	int32_t error;
	uint64_t unique;
};

/* Opcodes that get no reply: FORGET, INTERRUPT, NOTIFY_REPLY, BATCH_FORGET. */
static bool afs_no_reply(uint32_t opcode)
{
	return opcode == 2 || opcode == 36 || opcode == 41 || opcode == 42;
}

/* The watcher reads the dead publisher's requests here. */
static char afs_watch_buf[AFS_BUF_SIZE];
/* How long the watcher waits for one more request before it lets the connections go. */
#define AFS_WATCH_LINGER_MS 2000

/*
 * In the watcher, once the publisher is gone: answer what its mounts are still asked. Every
 * call made on them since (the publisher's death left them served by nobody but us) gets
 * ESTALE, on which the kernel walks a path-based call once more from the start (it retries
 * ESTALE with LOOKUP_REVAL): detached by then, the walk finds the plain directory beneath.
 * So `rm -rf ROOT` right after the publisher's death waits for the detach, and succeeds.
 * Ends when both connections are gone (the kernel ends one, ENODEV, as its detached mount's
 * last user leaves) or nothing was asked for AFS_WATCH_LINGER_MS; closing the descriptors
 * then fails what is left (ECONNABORTED), as the kernel does for a dead server.
 */
static void afs_watch_serve(int fds[2])
{
	struct pollfd p[2] = { { .fd = fds[0], .events = POLLIN }, { .fd = fds[1], .events = POLLIN } };
	unsigned int i;

	while (p[0].fd >= 0 || p[1].fd >= 0) {
		int n = poll(p, 2, AFS_WATCH_LINGER_MS);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (i = 0; i < 2; i++) {
			const struct afs_in_header *in = (const void *)afs_watch_buf;
			struct afs_out_header out;
			ssize_t r;

			if (p[i].fd < 0 || !p[i].revents)
				continue;
			r = read(p[i].fd, afs_watch_buf, sizeof(afs_watch_buf));
			if (r < 0 && errno == ENODEV) {
				p[i].fd = -1;
				continue;
			}
			if (r < (ssize_t)sizeof(*in) || afs_no_reply(in->opcode))
				continue;
			out = (struct afs_out_header){ sizeof(out), -ESTALE, in->unique };
			if (write(p[i].fd, &out, sizeof(out)) < 0 && errno == ENODEV)
				p[i].fd = -1;
		}
	}
	for (i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* Close every descriptor but the @n of @keep (ascending). */
static void afs_close_all_but(const int *keep, unsigned int n)
{
	unsigned int lo = 0, i;

	for (i = 0; i < n; i++) {
		if (keep[i] < 0)
			continue;
		if ((unsigned int)keep[i] > lo)
			close_range(lo, (unsigned int)keep[i] - 1, 0);
		lo = (unsigned int)keep[i] + 1;
	}
	close_range(lo, ~0u, 0);
}

/*
 * Fork the watcher: a process of its own (forked twice, so it is nobody's child here) that
 * holds the mounts' FUSE connections open beside this process and waits until the pipe's
 * write end, which only this process holds (close-on-exec, closed in forked children), is
 * gone. Then (this process died, or stopped serving) it detaches the mounts this process
 * left, exactly those (by mount ID: a later publisher may have mounted at the same paths),
 * and answers what is still asked of them (afs_watch_serve()). Holding the connections is
 * what closes the race with whoever removes the root right after the death: without it, the
 * kernel would fail their calls at once (ENOTCONN) on mounts still in the way. Best effort:
 * without a watcher, the next publisher of the root detaches them.
 */
static void afs_watcher_start(void)
{
	char paths[2][PATH_MAX];
	int p[2], ids[2], fds[2], i;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return;
	for (i = 0; i < 2; i++) {
		snprintf(paths[i], sizeof(paths[i]), "%s", afs_mounts[i].path);
		ids[i] = afs_mounts[i].mnt_id;
		/* Copies of our own: forked children close afs_mounts[].fd (afs_atfork_child()). */
		fds[i] = fcntl(afs_mounts[i].fd, F_DUPFD_CLOEXEC, 3);
	}
	pid = fork();
	if (pid == 0) {
		int keep[3] = { p[0], fds[0], fds[1] }, t, j, k;
		sigset_t all;
		char c;

		/* Out of the process group and deaf to signals: it outlives a killed publisher. */
		setsid();
		sigfillset(&all);
		sigprocmask(SIG_BLOCK, &all, NULL);
		if (fork() != 0)
			_exit(0);
		/* Nothing of the publisher's stays open here: no pipe, socket or cwd is held up. */
		if (chdir("/"))
			_exit(1);
		for (j = 0; j < 3; j++)
			for (k = j + 1; k < 3; k++)
				if (keep[k] < keep[j]) {
					t = keep[j];
					keep[j] = keep[k];
					keep[k] = t;
				}
		afs_close_all_but(keep, 3);
		for (;;) {
			ssize_t n = read(p[0], &c, 1);

			if (n == 0 || (n < 0 && errno != EINTR))
				break;
		}
		for (i = 1; i >= 0; i--)
			if (afs_detach_exact(paths[i], ids[i]) == -EPERM)
				afs_detach_user(paths[i]);
		afs_watch_serve(fds);
		_exit(0);
	}
	close(p[0]);
	for (i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (pid < 0) {
		close(p[1]);
		return;
	}
	waitpid(pid, NULL, 0);
	afs_watch_fd = p[1];
}

/*
 * A forked child holds no FUSE connection nor the watcher's pipe: a publisher killed while
 * its children live must look dead to the watcher and the kernel at once. The child's core
 * is a copy; its attribute changes reach no poller (afs_changed()).
 */
static void afs_atfork_child(void)
{
	unsigned int i;

	if (!afs_running)
		return;
	for (i = 0; i < 2; i++)
		if (afs_mounts[i].fd >= 0)
			close(afs_mounts[i].fd);
	if (afs_watch_fd >= 0)
		close(afs_watch_fd);
}

static void afs_atexit(void)
{
	/* A forked child inherits the handler, not the mounts. */
	if (getpid() == afs_pid)
		accel_fuse_stop();
}

bool accel_fuse_wanted(void)
{
	const char *env = getenv("ACCEL_FUSE");

	/* The default, wherever FUSE mounts; ACCEL_FUSE=0 renders files instead. */
	return !env || strcmp(env, "0");
}

/*
 * FUSE can be used here: the device ($ACCEL_FUSE_DEV names another one, which is how the
 * tests take it away) opens. 0 or -errno; libfuse would only print its own message.
 */
static int afs_device_usable(void)
{
	const char *dev = getenv("ACCEL_FUSE_DEV");
	int fd = open(dev && *dev ? dev : "/dev/fuse", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

int accel_fuse_start(const char *root)
{
	static bool atexit_done, atfork_done;
	char path[PATH_MAX];
	unsigned int i;
	int err;

	pthread_mutex_lock(&afs_lock);
	/* A forked child's core publishes files: the mounts and threads are its parent's. */
	if (afs_running) {
		pthread_mutex_unlock(&afs_lock);
		return -EBUSY;
	}
	err = afs_device_usable();
	if (err)
		goto out;
	fuse_set_log_func(afs_log);
	afs_time = time(NULL);
	afs_pid = getpid();
	snprintf(path, sizeof(path), "%s/sys", root);
	err = afs_mount_one(&afs_mounts[0], path, attr_root());
	if (err)
		goto out;
	snprintf(path, sizeof(path), "%s/proc", root);
	err = afs_mount_one(&afs_mounts[1], path, attr_proc_root());
	if (err)
		goto err_sys;
	afs_stop_fd = eventfd(0, EFD_CLOEXEC);
	if (afs_stop_fd < 0) {
		err = -errno;
		goto err_proc;
	}
	for (i = 0; i < AFS_WORKERS; i++) {
		sigset_t all, old;

		/* Signals stay with the process's own threads (acceld sigwait()s). */
		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, &old);
		err = -pthread_create(&afs_workers[i], NULL, afs_worker_main, NULL);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (err)
			break;
		afs_num_workers++;
	}
	if (!afs_num_workers)
		goto err_stop_fd;
	if (!atfork_done && !pthread_atfork(NULL, NULL, afs_atfork_child))
		atfork_done = true;
	afs_running = true;
	afs_watcher_start();
	if (!atexit_done && !atexit(afs_atexit))
		atexit_done = true;
	err = 0;
	goto out;

err_stop_fd:
	close(afs_stop_fd);
	afs_stop_fd = -1;
err_proc:
	afs_unmount_one(&afs_mounts[1]);
err_sys:
	afs_unmount_one(&afs_mounts[0]);
out:
	pthread_mutex_unlock(&afs_lock);
	return err;
}

bool accel_fuse_running(void)
{
	bool running;

	pthread_mutex_lock(&afs_lock);
	running = afs_running && getpid() == afs_pid;
	pthread_mutex_unlock(&afs_lock);
	return running;
}

/*
 * Let the workers answer what is already queued before they stop. A file closed just before
 * (this process's own tools read the tree it serves) has left its RELEASE or RELEASEDIR in
 * the queue, and libfuse frees what it allocated for the open file (a directory's handle
 * and listing) only when it answers that release: stopped first, the handle would be lost.
 * Bounded (0.2 s): another process's file held open stays its business.
 */
static void afs_drain(void)
{
	unsigned int tries;

	for (tries = 0; tries < 200; tries++) {
		struct pollfd p[2] = { { .fd = afs_mounts[0].fd, .events = POLLIN },
				       { .fd = afs_mounts[1].fd, .events = POLLIN } };

		if (poll(p, 2, 0) <= 0 || !((p[0].revents | p[1].revents) & POLLIN))
			break;
		usleep(1000);
	}
}

void accel_fuse_stop(void)
{
	uint64_t one = 1;
	unsigned int i;

	pthread_mutex_lock(&afs_lock);
	/* A forked child has the parent's state, not its threads: the stop is the parent's. */
	if (!afs_running || getpid() != afs_pid) {
		pthread_mutex_unlock(&afs_lock);
		return;
	}
	afs_drain();
	if (write(afs_stop_fd, &one, sizeof(one)) != sizeof(one))
		DRM_ERROR("cannot stop the attribute file system's threads: %s", strerror(errno));
	for (i = 0; i < afs_num_workers; i++)
		pthread_join(afs_workers[i], NULL);
	afs_num_workers = 0;
	close(afs_stop_fd);
	afs_stop_fd = -1;
	/*
	 * Their session goes: the files whose release was still queued are freed here (their
	 * poll handles with them), and a later change finds no handle to notify on.
	 */
	pthread_mutex_lock(&open_lock);
	while (afs_open_files) {
		struct afs_file *fh = afs_open_files;

		afs_open_files = fh->open_next;
		afs_file_free(fh);
	}
	pthread_mutex_unlock(&open_lock);
	afs_unmount_one(&afs_mounts[1]);
	afs_unmount_one(&afs_mounts[0]);
	/* Unmounted: the watcher finds nothing of ours and ends. */
	if (afs_watch_fd >= 0)
		close(afs_watch_fd);
	afs_watch_fd = -1;
	afs_running = false;
	pthread_mutex_unlock(&afs_lock);
}

/* Undo mountinfo's octal escapes (\040 for a space) in place. */
static void afs_unescape(char *s)
{
	char *out = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] && s[3]) {
			*out++ = (char)(((s[1] - '0') << 6) | ((s[2] - '0') << 3) | (s[3] - '0'));
			s += 4;
		} else {
			*out++ = *s++;
		}
	}
	*out = 0;
}

void accel_fuse_unmount_stale(const char *root, bool own)
{
	char canon[PATH_MAX], line[4096 + PATH_MAX];
	size_t n;
	FILE *f;

	if (!realpath(root, canon))
		return;
	n = strlen(canon);
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *fields[6] = { 0 }, *save = NULL, *sep, *tok, *fstype, *source;
		unsigned int i = 0;
		int pid;

		/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER" */
		sep = strstr(line, " - ");
		if (!sep)
			continue;
		*sep = 0;
		for (tok = strtok_r(line, " ", &save); tok && i < 6; tok = strtok_r(NULL, " ", &save))
			fields[i++] = tok;
		fstype = strtok_r(sep + 3, " ", &save);
		source = strtok_r(NULL, " ", &save);
		if (i < 5 || !fstype || !source || strcmp(fstype, "fuse.accel") ||
		    sscanf(source, "accel:%d", &pid) != 1)
			continue;
		afs_unescape(fields[4]);
		if (strncmp(fields[4], canon, n) || fields[4][n] != '/')
			continue;
		if (pid == getpid() && afs_running)
			continue;
		/*
		 * Under the root this process publishes: nobody else may be serving it (we hold
		 * the root's lock). Deeper (a private root): only where its process is gone.
		 */
		if (!own || (strcmp(fields[4] + n, "/sys") && strcmp(fields[4] + n, "/proc"))) {
			if (kill(pid, 0) == 0 || errno != ESRCH)
				continue;
		}
		DRM_INFO("detaching the attribute tree process %d left at %s", pid, fields[4]);
		/* That mount only (its ID), not what another process may have mounted there since. */
		if (afs_detach_exact(fields[4], atoi(fields[0])) == -EPERM)
			afs_detach_user(fields[4]);
	}
	fclose(f);
}

// SPDX-License-Identifier: MIT
/*
 * Where the nodes and attribute files live: $ACCEL_ROOT, else a per-user default, and who
 * publishes there.
 *
 * One publisher per root: whoever publishes a tree under a root (acceld, or a process whose
 * core runs embedded) holds the root's lock, an OFD write lock on ROOT/accel.lock, for as
 * long as it runs, and writes "acceld PID" or "embedded PID" into the file. OFD locks are
 * kept by the open file description: a reader's probe (F_OFD_GETLK) takes no lock, closing
 * another descriptor of the file releases nothing, and the kernel drops the lock when the
 * publisher dies, however it dies.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libaccel.h>

#include "host/host.h"

static pthread_once_t root_once = PTHREAD_ONCE_INIT;
static char root_path[PATH_MAX];
static char default_root_path[64];
/*
 * The private root of this process's embedded core when another process publishes under
 * root_path (NULL otherwise). Written once, before the core publishes anything, and read
 * without a lock afterwards.
 */
static _Atomic(const char *) private_root;
static char private_root_path[PATH_MAX];

const char *accel_default_root(void)
{
	if (!default_root_path[0]) {
		if (geteuid() == 0)
			snprintf(default_root_path, sizeof(default_root_path), "/run/accel");
		else
			snprintf(default_root_path, sizeof(default_root_path), "/tmp/accel-%u",
				 (unsigned int)geteuid());
	}
	return default_root_path;
}

static void root_init(void)
{
	const char *env = getenv("ACCEL_ROOT");
	size_t len;

	snprintf(root_path, sizeof(root_path), "%s", env && *env ? env : accel_default_root());
	len = strlen(root_path);
	while (len > 1 && root_path[len - 1] == '/')
		root_path[--len] = 0;
}

const char *accel_root_shared(void)
{
	pthread_once(&root_once, root_init);
	return root_path;
}

const char *accel_root(void)
{
	const char *p = atomic_load(&private_root);

	return p ? p : accel_root_shared();
}

const char *accel_root_private_path(void)
{
	snprintf(private_root_path, sizeof(private_root_path), "%s/private/%d", accel_root_shared(),
		 (int)getpid());
	return private_root_path;
}

void accel_root_private_use(void)
{
	atomic_store(&private_root, private_root_path);
}

/* @path without the prefix @root and its slash, or NULL when it is not under @root. */
static const char *under(const char *path, const char *root)
{
	size_t rlen = strlen(root);

	return !strncmp(path, root, rlen) && path[rlen] == '/' ? path + rlen : NULL;
}

const char *accel_devpath_relative(const char *path)
{
	const char *rest;

	/* "<root>/dev/x" (the private root or the shared one) and "/dev/x" name node "x". */
	if ((rest = under(path, accel_root())) || (rest = under(path, accel_root_shared())))
		path = rest;
	if (strncmp(path, "/dev/", 5))
		return NULL;
	return path + 5;
}

int accel_node_relative(const char *path, char *buf, size_t size)
{
	const char *rest = accel_devpath_relative(path);

	if (!rest) {
		/* debugfs files that open like nodes (sw_sync) are named from <root>/dev. */
		if ((rest = under(path, accel_root())) || (rest = under(path, accel_root_shared())))
			path = rest;
		if (strncmp(path, "/sys/kernel/debug/", 18))
			return -ENOENT;
		rest = path;
		if ((size_t)snprintf(buf, size, "..%s", rest) >= size)
			return -ENAMETOOLONG;
		return 0;
	}
	if ((size_t)snprintf(buf, size, "%s", rest) >= size)
		return -ENAMETOOLONG;
	return 0;
}

static int lock_path(const char *root, char *out, size_t size)
{
	if ((size_t)snprintf(out, size, "%s/" ACCEL_ROOT_LOCK_FILE, root) >= size)
		return -ENAMETOOLONG;
	return 0;
}

int accel_root_lock(const char *root, const char *role, struct accel_root_owner *held_by)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	char path[PATH_MAX], text[64];
	int fd, err, n;

	err = lock_path(root, path, sizeof(path));
	if (err)
		return err;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (fcntl(fd, F_OFD_SETLK, &fl)) {
		err = errno == EAGAIN || errno == EACCES ? -EBUSY : -errno;
		close(fd);
		if (err == -EBUSY && held_by)
			accel_root_owner(root, held_by);
		return err;
	}
	/* Write before truncating: a reader never sees an empty file once we hold the lock. */
	n = snprintf(text, sizeof(text), "%s %d\n", role, (int)getpid());
	if (pwrite(fd, text, n, 0) != n || ftruncate(fd, n)) {
		err = -errno;
		close(fd);
		return err ? err : -EIO;
	}
	return fd;
}

static bool pid_alive(pid_t pid)
{
	return pid > 0 && (!kill(pid, 0) || errno == EPERM);
}

/* Parse "acceld PID" / "embedded PID": true when the text names a role. */
static bool owner_parse(const char *text, struct accel_root_owner *o)
{
	char role[16];
	int pid;

	if (sscanf(text, "%15s %d", role, &pid) != 2)
		return false;
	o->pid = pid;
	if (!strcmp(role, "acceld"))
		o->holder = ACCEL_ROOT_ACCELD;
	else if (!strcmp(role, "embedded"))
		o->holder = ACCEL_ROOT_EMBEDDED;
	else
		return false;
	return true;
}

int accel_root_owner(const char *root, struct accel_root_owner *o)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	char path[PATH_MAX], text[64];
	int fd, err, tries;

	o->holder = ACCEL_ROOT_FREE;
	o->pid = 0;
	err = lock_path(root, path, sizeof(path));
	if (err)
		return err;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (fcntl(fd, F_OFD_GETLK, &fl)) {
		err = -errno;
		close(fd);
		return err;
	}
	if (fl.l_type == F_UNLCK) {
		close(fd);
		return 0;
	}
	/*
	 * Held. The holder writes its name right after it takes the lock: until then the file
	 * may be empty or still name the previous holder, which is dead. Wait a little for the
	 * new name (a process that forked before it died may hold the lock for it; its name
	 * then stays that of the dead parent, which is still the right role).
	 */
	for (tries = 0; tries < 100; tries++) {
		ssize_t n = pread(fd, text, sizeof(text) - 1, 0);
		struct accel_root_owner found = { ACCEL_ROOT_HELD, 0 };

		text[n > 0 ? n : 0] = 0;
		if (owner_parse(text, &found) || tries == 99) {
			*o = found;
			if (pid_alive(found.pid) || tries == 99)
				break;
		}
		nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	}
	if (o->holder == ACCEL_ROOT_FREE)
		o->holder = ACCEL_ROOT_HELD;
	close(fd);
	return 0;
}

const char *accel_root_owner_name(enum accel_root_holder h)
{
	switch (h) {
	case ACCEL_ROOT_ACCELD: return "acceld";
	case ACCEL_ROOT_EMBEDDED: return "an embedded libaccel core";
	case ACCEL_ROOT_HELD: return "an unknown process";
	default: return "nobody";
	}
}

/* A socket under ROOT/dev/accel or ROOT/dev/dri: a node acceld made. */
static bool dir_has_socket(const char *dir)
{
	struct dirent *e;
	bool found = false;
	DIR *d = opendir(dir);

	if (!d)
		return false;
	while (!found && (e = readdir(d))) {
		char p[PATH_MAX + 256];
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		found = !lstat(p, &st) && S_ISSOCK(st.st_mode);
	}
	closedir(d);
	return found;
}

bool accel_root_has_node_sockets(const char *root)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/dev/accel", root);
	if (dir_has_socket(dir))
		return true;
	snprintf(dir, sizeof(dir), "%s/dev/dri", root);
	return dir_has_socket(dir);
}

void accel_root_sweep_private(const char *root)
{
	char dir[PATH_MAX], sub[PATH_MAX + 256], *end;
	struct dirent *e;
	DIR *d;
	int pid;

	snprintf(dir, sizeof(dir), "%s/private", root);
	d = opendir(dir);
	if (!d)
		return;
	while ((e = readdir(d))) {
		struct accel_root_owner o;

		if (e->d_name[0] == '.')
			continue;
		/*
		 * Named by its process's ID: while that process lives, the root is its own, even
		 * before it holds the lock (it makes the directory, then locks it: a sweep in
		 * between would remove it under it).
		 */
		pid = (int)strtol(e->d_name, &end, 10);
		if (!*end && pid > 0 && (kill(pid, 0) == 0 || errno == EPERM))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
		/* Left by a process that is gone: nobody holds its lock any more. */
		if (!accel_root_owner(sub, &o) && o.holder == ACCEL_ROOT_FREE)
			accel_rm_rf(sub);
	}
	closedir(d);
}

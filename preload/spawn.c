// SPDX-License-Identifier: MIT
/*
 * posix_spawn and posix_spawnp. glibc's posix_spawn runs the new image with its own clone
 * and execve, past the shim's exec wrappers (process.c); the shim gives it the environment
 * those would: $ACCEL_PRELOAD_FDS naming the daemon descriptors that stay open, so that they
 * survive as across exec (the embedded backend's cannot, as across exec).
 *
 * The file actions run in the child, inside libc:
 *  - adddup2 of a daemon descriptor: the new number is named too (the child's shim takes
 *    over each named number that is still a connection to that node: a number a later
 *    action closed or replaced is left alone);
 *  - addclose: the kernel's close, nothing for the shim to do;
 *  - addopen of a path of the root's tree: the root's file, as open() would open it; of a
 *    device node: refused (EOPNOTSUPP, with a message): only libaccel opens a node, and
 *    libc's open in the spawned child would reach the host's /dev instead.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <accel/drm_print.h>
#include "preload.h"

/* The dup2 actions of daemon descriptors, by the file actions object that holds them. */
#define SPAWN_DUPS 64
static struct spawn_dup {
	const posix_spawn_file_actions_t *fa;
	int newfd;
	struct emul_fd e;
} spawn_dups[SPAWN_DUPS];
static unsigned int spawn_dups_used;
static pthread_mutex_t spawn_lock = PTHREAD_MUTEX_INITIALIZER;

int posix_spawn_file_actions_adddup2(posix_spawn_file_actions_t *fa, int fd, int newfd)
{
	int ret = LIBC(posix_spawn_file_actions_adddup2)(fa, fd, newfd);
	struct emul_fd e;

	if (ret || !emul_fd_get(fd, &e) || !e.daemon)
		return ret;
	pthread_mutex_lock(&spawn_lock);
	/* Full: the oldest goes (a number not named is only a descriptor the child cannot use). */
	spawn_dups[spawn_dups_used++ % SPAWN_DUPS] = (struct spawn_dup){ fa, newfd, e };
	pthread_mutex_unlock(&spawn_lock);
	return 0;
}

int posix_spawn_file_actions_destroy(posix_spawn_file_actions_t *fa)
{
	pthread_mutex_lock(&spawn_lock);
	for (unsigned int i = 0; i < SPAWN_DUPS; i++)
		if (spawn_dups[i].fa == fa)
			spawn_dups[i].fa = NULL;
	pthread_mutex_unlock(&spawn_lock);
	return LIBC(posix_spawn_file_actions_destroy)(fa);
}

int posix_spawn_file_actions_addopen(posix_spawn_file_actions_t *fa, int fd, const char *path, int flags,
				     mode_t mode)
{
	struct route r;

	switch (route_path(path_unknown(path) ? path : "", &r)) {
	case ROUTE_TREE:
		return LIBC(posix_spawn_file_actions_addopen)(fa, fd, r.real, flags, mode);
	case ROUTE_NODE:
	case ROUTE_REOPEN:
		PRELOAD_ENTER();
		accel_printk(ACCEL_LOG_ERR, "[preload] posix_spawn cannot open %s in the child: open it "
			     "before spawning and pass it with posix_spawn_file_actions_adddup2\n", path);
		PRELOAD_LEAVE();
		return EOPNOTSUPP;
	default:
		return LIBC(posix_spawn_file_actions_addopen)(fa, fd, path, flags, mode);
	}
}

/* The dup2 targets of @fa as $ACCEL_PRELOAD_FDS entries, into @buf. */
static void spawn_dup_names(const posix_spawn_file_actions_t *fa, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = 0;
	if (!fa)
		return;
	pthread_mutex_lock(&spawn_lock);
	for (unsigned int i = 0; i < SPAWN_DUPS; i++) {
		const struct spawn_dup *d = &spawn_dups[i];
		int n;

		if (d->fa != fa)
			continue;
		n = snprintf(buf + len, size - len, "%s%d:%u:%u:%u", len ? "," : "", d->newfd, d->e.major,
			     d->e.minor, d->e.accmode);
		if (n < 0 || (size_t)n >= size - len) {
			buf[len] = 0;
			break;
		}
		len += (size_t)n;
	}
	pthread_mutex_unlock(&spawn_lock);
}

int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
		const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	char dups[2048], **made;
	char *const *env;
	int ret;

	spawn_dup_names(fa, dups, sizeof(dups));
	env = preload_exec_env(envp, &made, dups);
	ret = LIBC(posix_spawn)(pid, path, fa, attr, argv, env);
	preload_exec_env_free(made);
	return ret;
}

int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
		 const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	char dups[2048], **made;
	char *const *env;
	int ret;

	spawn_dup_names(fa, dups, sizeof(dups));
	env = preload_exec_env(envp, &made, dups);
	ret = LIBC(posix_spawnp)(pid, file, fa, attr, argv, env);
	preload_exec_env_free(made);
	return ret;
}

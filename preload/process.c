// SPDX-License-Identifier: MIT
/*
 * fork and the exec family.
 *
 * fork: through acceld a child shares its parent's open files, as on a kernel (libaccel's
 * daemon backend attaches a socket of the child's own at its first call). The embedded core
 * runs in the parent's memory: the child gets a copy of it as it was at fork, without its
 * threads. The child's descriptors work on that copy (what it makes there, the parent never
 * sees, and the other way round; work that needs the core's threads, a job's completion,
 * does not happen in the child): libaccel's own behaviour in a forked child (docs/preload.md).
 *
 * exec: the new image loads the shim afresh. Descriptors opened through acceld survive exec
 * as a kernel's do: the shim names them in $ACCEL_PRELOAD_FDS ("FD:MAJOR:MINOR:ACCMODE,...")
 * of the new environment and the new image's shim takes them over at load. Embedded
 * descriptors cannot (their open files live in the old image's memory).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libaccel.h>
#include "lib/backend.h"
#include "lib/backend/daemon/daemon.h"
#include "preload.h"

#define FDS_ENV "ACCEL_PRELOAD_FDS"

/*
 * Nothing to do at fork: the table is copied with the memory. Through acceld the child's
 * descriptors are the parent's open files; embedded, the child's are open files of the copy
 * of the core that fork made (see the top of this file).
 */
pid_t fork(void)
{
	return LIBC(fork)();
}

/* See preload.h. */
char *const *preload_exec_env(char *const envp[], char ***made, const char *extra)
{
	static const size_t name_len = sizeof(FDS_ENV);
	char text[8192], *var;
	size_t n = 0, k = 0;
	char **env;
	int len;

	*made = NULL;
	len = emul_fd_env_format(text, sizeof(text), false);
	if (len < 0)
		return envp;
	if (extra && *extra) {
		int more = snprintf(text + len, sizeof(text) - (size_t)len, "%s%s", len ? "," : "", extra);

		if (more < 0 || (size_t)more >= sizeof(text) - (size_t)len)
			return envp;
		len += more;
	}
	if (!len)
		return envp;
	while (envp && envp[n])
		n++;
	env = malloc((n + 2) * sizeof(*env));
	var = malloc(name_len + (size_t)len + 1);
	if (!env || !var) {
		free(env);
		free(var);
		return envp;
	}
	memcpy(var, FDS_ENV "=", name_len);
	memcpy(var + name_len, text, (size_t)len + 1);
	env[k++] = var;
	for (size_t i = 0; i < n; i++)
		if (strncmp(envp[i], FDS_ENV "=", name_len))
			env[k++] = envp[i];
	env[k] = NULL;
	*made = env;
	return env;
}

static char *const *exec_env(char *const envp[], char ***made)
{
	return preload_exec_env(envp, made, NULL);
}

void preload_exec_env_free(char **made)
{
	if (made) {
		free(made[0]);
		free(made);
	}
}

int execve(const char *path, char *const argv[], char *const envp[])
{
	char **made;
	char *const *env = exec_env(envp, &made);
	int ret = LIBC(execve)(path, argv, env);
	int err = errno;

	preload_exec_env_free(made);
	errno = err;
	return ret;
}

int execvpe(const char *file, char *const argv[], char *const envp[])
{
	char **made;
	char *const *env = exec_env(envp, &made);
	int ret = LIBC(execvpe)(file, argv, env);
	int err = errno;

	preload_exec_env_free(made);
	errno = err;
	return ret;
}

int fexecve(int fd, char *const argv[], char *const envp[])
{
	char **made;
	char *const *env = exec_env(envp, &made);
	int ret = LIBC(fexecve)(fd, argv, env);
	int err = errno;

	preload_exec_env_free(made);
	errno = err;
	return ret;
}

int execv(const char *path, char *const argv[])
{
	return execve(path, argv, environ);
}

int execvp(const char *file, char *const argv[])
{
	return execvpe(file, argv, environ);
}

/* The execl family: the arguments as an array (on the stack: exec replaces the image). */
#define EXECL_ARGV(first, ap, argv)                                           \
	do {                                                                  \
		size_t _n = 1;                                                \
		va_list _c;                                                   \
		va_copy(_c, ap);                                              \
		while (va_arg(_c, char *))                                    \
			_n++;                                                 \
		va_end(_c);                                                   \
		argv = __builtin_alloca((_n + 1) * sizeof(char *));           \
		argv[0] = (char *)(first);                                    \
		for (size_t _i = 1; _i <= _n; _i++)                           \
			argv[_i] = va_arg(ap, char *);                        \
	} while (0)

int execl(const char *path, const char *arg, ...)
{
	char **argv;
	va_list ap;

	va_start(ap, arg);
	EXECL_ARGV(arg, ap, argv);
	va_end(ap);
	return execve(path, argv, environ);
}

int execlp(const char *file, const char *arg, ...)
{
	char **argv;
	va_list ap;

	va_start(ap, arg);
	EXECL_ARGV(arg, ap, argv);
	va_end(ap);
	return execvpe(file, argv, environ);
}

int execle(const char *path, const char *arg, ...)
{
	char *const *envp = NULL;
	char **argv;
	va_list ap;

	va_start(ap, arg);
	EXECL_ARGV(arg, ap, argv);
	envp = va_arg(ap, char *const *);
	va_end(ap);
	return execve(path, argv, envp);
}

bool preload_adopt_daemon_fd(int fd, unsigned int major, unsigned int minor, unsigned int accmode)
{
	struct accel_fd_entry ent = { .ops = &accel_backend_daemon, .pipe_wfd = -1 };
	struct emul_fd e = { .major = major, .minor = minor, .accmode = accmode, .daemon = true };
	struct daemon_conn *c;
	struct stat st;
	int err;

	PRELOAD_ENTER();
	c = accel_daemon_adopt(fd, &err);
	if (c && !LIBC(fstat)(fd, &st)) {
		ent.obj = c;
		ent.ino = st.st_ino;
		if (accel_fd_install(fd, &ent)) {
			accel_daemon_conn_put(c);
			c = NULL;
		}
	} else if (c) {
		accel_daemon_conn_put(c);
		c = NULL;
	}
	PRELOAD_LEAVE();
	if (c)
		emul_fd_set(fd, &e);
	return c != NULL;
}

/*
 * Take over the daemon descriptors the image before exec named in $ACCEL_PRELOAD_FDS: each
 * one that is still a connection to that node (posix_spawn's file actions may have closed
 * or replaced a number since it was named).
 */
static void adopt_one(int fd, unsigned int major, unsigned int minor, unsigned int accmode)
{
	unsigned int peer_major, peer_minor;

	if (preload_daemon_peer(fd, &peer_major, &peer_minor) && peer_major == major && peer_minor == minor)
		preload_adopt_daemon_fd(fd, major, minor, accmode);
}

__attribute__((constructor)) static void exec_adopt(void)
{
	const char *text = getenv(FDS_ENV);
	char *copy, *item, *save;

	if (!text || !*text)
		return;
	copy = strdup(text);
	/* Named once: a later exec names what is open then. */
	unsetenv(FDS_ENV);
	if (!copy)
		return;
	libc_next_resolve();
	for (item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		unsigned int major, minor, accmode;
		int fd;

		if (sscanf(item, "%d:%u:%u:%u", &fd, &major, &minor, &accmode) == 4 && fd >= 0)
			adopt_one(fd, major, minor, accmode);
	}
	free(copy);
}

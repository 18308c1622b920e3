/* SPDX-License-Identifier: MIT */
/*
 * Starting acceld as a child, as the unit tests, the reliability campaigns and the benches
 * do: its configuration file next to its root, and the exec of a forked child with the
 * readiness pipe (--ready-fd; the parent reads it with acceld_ready_wait()). How the child
 * is forked, recorded and stopped is each caller's own (the tests, the campaigns and the
 * benches each have their discipline for children).
 */
#ifndef TESTS_COMMON_ACCELD_EXEC_H
#define TESTS_COMMON_ACCELD_EXEC_H

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

/*
 * acceld_config_write() - write configuration text @config to "<@root>.conf", whose path
 * goes to @cfgpath (@size bytes).
 *
 * Return: 0, or -1 (errno set).
 */
static inline int acceld_config_write(const char *root, const char *config, char *cfgpath,
				      size_t size)
{
	FILE *f;

	snprintf(cfgpath, size, "%s.conf", root);
	f = fopen(cfgpath, "w");
	if (!f)
		return -1;
	fputs(config, f);
	return fclose(f) ? -1 : 0;
}

/*
 * acceld_exec() - in a forked child: become acceld (@path) serving @root in the foreground,
 * with configuration file @cfgpath (NULL: the built-in devices), logging errors only, and
 * telling its readiness on @ready_fd (made inheritable here). Exits with 127 when the exec
 * fails.
 */
static inline void __attribute__((noreturn))
acceld_exec(const char *path, const char *root, const char *cfgpath, int ready_fd)
{
	char fdarg[16];

	fcntl(ready_fd, F_SETFD, 0);
	snprintf(fdarg, sizeof(fdarg), "%d", ready_fd);
	if (cfgpath)
		execl(path, "acceld", "--root", root, "--config", cfgpath, "--log-level", "err",
		      "--ready-fd", fdarg, (char *)NULL);
	else
		execl(path, "acceld", "--root", root, "--log-level", "err", "--ready-fd", fdarg,
		      (char *)NULL);
	_exit(127);
}

#endif

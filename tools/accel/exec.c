// SPDX-License-Identifier: MIT
/*
 * accel exec [--root DIR] [--backend daemon|embedded] -- PROGRAM ARGS... - run an unmodified
 * program with libaccel-preload.so (docs/preload.md) in front of libc, so that its open() of
 * /dev/accel/accel0, its ioctls and mmaps reach the root's devices.
 *
 * A statically linked program has no dynamic loader to preload anything: it is refused (no
 * PT_INTERP among its ELF program headers), as a run that would silently see no devices.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accel.h"

#define PRELOAD_NAME "libaccel-preload.so"

static void exec_usage(FILE *out)
{
	fprintf(out,
		"usage: %s exec [--root DIR] [--backend daemon|embedded] -- PROGRAM [ARGS...]\n"
		"\n"
		"Run PROGRAM, unmodified, with %s preloaded: its open(\"/dev/accel/accel0\"),\n"
		"ioctl, mmap, poll and stat of the accel and DRM nodes and of their sysfs reach the\n"
		"devices of the accel root (docs/preload.md). PROGRAM must be dynamically linked.\n"
		"\n"
		"  --root DIR        the accel root (sets ACCEL_ROOT)\n"
		"  --backend NAME    daemon (acceld serving the root) or embedded (the core in\n"
		"                    PROGRAM's process); default: libaccel's choice\n"
		"  --help            show this help\n"
		"\n"
		"\n"
		"examples:\n"
		"  %s exec -- python3 my_drm_client.py\n"
		"  %s exec --backend daemon -- ./my_client --device /dev/accel/accel0\n"
		"\n"
		"Exit status: PROGRAM's; 2 for a usage error or a statically linked PROGRAM;\n"
		"126 if PROGRAM cannot be run, 127 if it is not found.\n",
		accel_prog, PRELOAD_NAME, accel_prog, accel_prog);
}

/* PROGRAM as execvp() would find it, into @out; 0 or -errno. */
static int exec_resolve(const char *prog, char *out, size_t size)
{
	const char *path = getenv("PATH");
	char *dirs, *dir, *save;
	int err = -ENOENT;

	if (strchr(prog, '/')) {
		snprintf(out, size, "%s", prog);
		return access(out, F_OK) ? -errno : 0;
	}
	dirs = strdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	if (!dirs)
		return -ENOMEM;
	for (dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		snprintf(out, size, "%s/%s", *dir ? dir : ".", prog);
		if (!access(out, X_OK)) {
			err = 0;
			break;
		}
	}
	free(dirs);
	return err;
}

/*
 * 1 when the ELF file at @fd (headers of types @ehdr_t and @phdr_t, one per ELF class) has a
 * PT_INTERP program header, 0 when it has none, -ENOEXEC when its headers cannot be read.
 */
#define EXEC_HAS_INTERP(fd, ehdr_t, phdr_t) ({						\
	ehdr_t eh_;									\
	phdr_t ph_;									\
	int r_ = pread((fd), &eh_, sizeof(eh_), 0) == sizeof(eh_) ? 0 : -ENOEXEC;	\
	for (unsigned int i_ = 0; !r_ && i_ < eh_.e_phnum; i_++) {			\
		if (pread((fd), &ph_, sizeof(ph_),					\
			  (off_t)(eh_.e_phoff + (uint64_t)i_ * eh_.e_phentsize)) != sizeof(ph_)) \
			r_ = -ENOEXEC;							\
		else if (ph_.p_type == PT_INTERP)					\
			r_ = 1;								\
	}										\
	r_;										\
})

/*
 * Whether the ELF file @path names a dynamic loader (PT_INTERP): 1 yes, 0 no (statically
 * linked), -errno if it cannot be read or is no ELF file. A "#!" script is judged by its
 * interpreter.
 */
static int exec_is_dynamic(const char *path, int depth)
{
	unsigned char ident[EI_NIDENT + 128];
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret = -ENOEXEC;
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = pread(fd, ident, sizeof(ident) - 1, 0);
	if (n >= 2 && ident[0] == '#' && ident[1] == '!' && depth < 4) {
		char interp[PATH_MAX], *p = (char *)ident + 2, *end;

		ident[n] = 0;
		while (*p == ' ' || *p == '\t')
			p++;
		end = p + strcspn(p, " \t\n");
		*end = 0;
		snprintf(interp, sizeof(interp), "%s", p);
		close(fd);
		return *interp ? exec_is_dynamic(interp, depth + 1) : -ENOEXEC;
	}
	if (n < EI_NIDENT || memcmp(ident, ELFMAG, SELFMAG))
		goto out;
	if (ident[EI_CLASS] == ELFCLASS64)
		ret = EXEC_HAS_INTERP(fd, Elf64_Ehdr, Elf64_Phdr);
	else if (ident[EI_CLASS] == ELFCLASS32)
		ret = EXEC_HAS_INTERP(fd, Elf32_Ehdr, Elf32_Phdr);
out:
	close(fd);
	return ret;
}

/*
 * The shim: $ACCEL_PRELOAD if set, else beside this command's build or install
 * (BIN/../lib/), else where the build put it.
 */
static int exec_preload_path(char *out, size_t size)
{
	const char *env = getenv("ACCEL_PRELOAD");
	char self[PATH_MAX];
	ssize_t n;

	if (env && *env) {
		snprintf(out, size, "%s", env);
		return access(out, R_OK) ? -errno : 0;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		char *slash;

		self[n] = 0;
		slash = strrchr(self, '/');
		if (slash) {
			*slash = 0;
			snprintf(out, size, "%s/../lib/%s", self, PRELOAD_NAME);
			if (!access(out, R_OK))
				return 0;
		}
	}
#ifdef ACCEL_PRELOAD_BUILD_PATH
	snprintf(out, size, "%s", ACCEL_PRELOAD_BUILD_PATH);
	if (!access(out, R_OK))
		return 0;
#endif
	return -ENOENT;
}

/* LD_PRELOAD with the shim first, before what the environment preloads already. */
static int exec_set_preload(const char *lib)
{
	const char *old = getenv("LD_PRELOAD");
	char *val;
	int ret;

#ifdef ACCEL_PRELOAD_SANITIZER_RUNTIME
	/* A sanitized build's shim: the sanitizer's runtime must be loaded first. */
	char *with_asan;

	if (asprintf(&with_asan, "%s:%s", ACCEL_PRELOAD_SANITIZER_RUNTIME, lib) < 0)
		return -1;
	lib = with_asan;
#endif
	if (!old || !*old)
		ret = setenv("LD_PRELOAD", lib, 1);
	else if (asprintf(&val, "%s:%s", lib, old) < 0)
		ret = -1;
	else {
		ret = setenv("LD_PRELOAD", val, 1);
		free(val);
	}
#ifdef ACCEL_PRELOAD_SANITIZER_RUNTIME
	free(with_asan);
#endif
	return ret;
}

static int exec_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "backend", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *root = NULL, *backend = NULL;
	char prog[PATH_MAX], lib[PATH_MAX];
	int c, err;

	/* "+": options end at PROGRAM, whose own options are its. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			root = optarg;
			break;
		case 'b':
			backend = optarg;
			break;
		case 'h':
			exec_usage(stdout);
			return 0;
		default:
			/* One line naming the option: the usage is for --help. */
			if (optopt)
				fprintf(stderr, "%s exec: unknown option '-%c' or it lacks its value (see '%s exec --help')\n",
					accel_prog, optopt, accel_prog);
			else
				fprintf(stderr, "%s exec: unknown option '%s' or it lacks its value (see '%s exec --help')\n",
					accel_prog, argv[optind - 1], accel_prog);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "%s exec: no PROGRAM given (see '%s exec --help')\n", accel_prog,
			accel_prog);
		return 2;
	}
	if (backend && strcmp(backend, "daemon") && strcmp(backend, "embedded")) {
		fprintf(stderr, "%s exec: --backend %s: not daemon or embedded\n", accel_prog, backend);
		return 2;
	}
	err = exec_resolve(argv[optind], prog, sizeof(prog));
	if (err) {
		fprintf(stderr, "%s exec: %s: %s\n", accel_prog, argv[optind], strerror(-err));
		return 127;
	}
	err = exec_is_dynamic(prog, 0);
	if (err == 0) {
		fprintf(stderr,
			"%s exec: %s is statically linked: it has no dynamic loader to preload %s\n"
			"into, so it would not see the accel devices. Link it dynamically (or against\n"
			"libaccel).\n",
			accel_prog, prog, PRELOAD_NAME);
		return 2;
	}
	if (err < 0) {
		fprintf(stderr, "%s exec: %s: %s\n", accel_prog, prog,
			err == -ENOEXEC ? "not an ELF program or script" : strerror(-err));
		return 126;
	}
	err = exec_preload_path(lib, sizeof(lib));
	if (err) {
		fprintf(stderr, "%s exec: %s not found (set ACCEL_PRELOAD to its path)\n", accel_prog,
			PRELOAD_NAME);
		return 1;
	}
	if (root) {
		char abs[PATH_MAX];

		/* Absolute: PROGRAM may change directory before it opens anything. */
		if (root[0] != '/' && realpath(root, abs))
			root = abs;
		if (setenv("ACCEL_ROOT", root, 1))
			goto err_env;
	}
	if (backend && setenv("ACCEL_BACKEND", backend, 1))
		goto err_env;
	if (exec_set_preload(lib))
		goto err_env;
	execv(prog, argv + optind);
	fprintf(stderr, "%s exec: %s: %s\n", accel_prog, prog, strerror(errno));
	return errno == ENOENT ? 127 : 126;

err_env:
	fprintf(stderr, "%s exec: setting the environment: %s\n", accel_prog, strerror(errno));
	return 1;
}

const struct accel_cmd accel_cmd_exec = {
	.name = "exec",
	.summary = "run an unmodified program on the accel devices (LD_PRELOAD shim)",
	.run = exec_run,
	.usage = exec_usage,
};

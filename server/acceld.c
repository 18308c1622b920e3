// SPDX-License-Identifier: MIT
/*
 * acceld - the daemon that plays the kernel: it owns the devices of a configuration and
 * serves their nodes, attribute tree and per-client fdinfo under a root directory.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <accel/drm_print.h>
#include <accel/platform_device.h>
#include <libaccel.h>

#include "drivers/builtin.h"
#include "host/host.h"
#include "wire/acceld_ready.h"
#include "acceld.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: acceld [OPTIONS]\n"
		"\n"
		"Serve accelerator devices under a root directory: node sockets at\n"
		"ROOT/dev/accel/accelN, the attribute tree at ROOT/sys, fdinfo at ROOT/proc\n"
		"(FUSE mounts serving the live values; rendered files where FUSE cannot\n"
		"mount or with $ACCEL_FUSE=0),\n"
		"attribute requests (accel attr) on ROOT/attr.sock.\n"
		"\n"
		"  -r, --root DIR        the root to serve (default: $ACCEL_ROOT, else %s)\n"
		"  -c, --config FILE     devices and node permissions (INI; default: built-in devices)\n"
		"  -d, --daemon          go to the background once the devices are up\n"
		"  -n, --ready-fd FD     write \"READY=1\\n\" to descriptor FD and close it once every\n"
		"                        node serves (for a parent that starts acceld as its child)\n"
		"  -p, --pid-file FILE   pid file, locked while serving (default: ROOT/acceld.pid)\n"
		"  -l, --log-file FILE   log here instead of stderr (the default with --daemon:\n"
		"                        ROOT/acceld.log)\n"
		"  -v, --log-level LVL   err, warn, info or debug (default: info)\n"
		"  -h, --help            show this help\n"
		"\n"
		"acceld refuses a root another acceld serves or a process's embedded core\n"
		"publishes under (ROOT/accel.lock names it). SIGTERM or SIGINT unplugs every\n"
		"device (open clients get ENODEV), removes the nodes and exits.\n",
		accel_default_root());
}

static int parse_level(const char *s, enum accel_log_level *out)
{
	static const char *const names[] = { "err", "warn", "info", "debug" };

	for (unsigned int i = 0; i < 4; i++) {
		if (!strcmp(s, names[i])) {
			*out = (enum accel_log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* The pid file, locked while acceld runs (the root's lock is ROOT/accel.lock). */
static int pidfile_take(const char *path)
{
	char buf[32];
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		int err = errno == EWOULDBLOCK ? -EBUSY : -errno;

		close(fd);
		return err;
	}
	if (ftruncate(fd, 0) == 0) {
		int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());

		if (write(fd, buf, n) != n)
			DRM_ERROR("%s: cannot write the pid", path);
	}
	return fd;
}

static gid_t default_node_group(void)
{
	struct group *gr = getgrnam("render");

	return gr ? gr->gr_gid : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "config", required_argument, NULL, 'c' },
		{ "daemon", no_argument, NULL, 'd' },
		{ "ready-fd", required_argument, NULL, 'n' },
		{ "pid-file", required_argument, NULL, 'p' },
		{ "log-file", required_argument, NULL, 'l' },
		{ "log-level", required_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *root = NULL, *config = NULL, *pid_path = NULL, *log_path = NULL;
	enum accel_log_level level = ACCEL_LOG_INFO;
	struct accel_config_result cfg = { 0 };
	struct accel_root_owner owner;
	char pidbuf[PATH_MAX], logbuf[PATH_MAX];
	int background = 0, ready_pipe[2] = { -1, -1 }, ready_fd = -1, pidfd, rootfd, c, err, sig;
	char *text = NULL;
	sigset_t sigs;
	unsigned int i;

	while ((c = getopt_long(argc, argv, "r:c:dn:p:l:v:h", opts, NULL)) != -1) {
		char *end;

		switch (c) {
		case 'r': root = optarg; break;
		case 'c': config = optarg; break;
		case 'd': background = 1; break;
		case 'n':
			errno = 0;
			ready_fd = (int)strtol(optarg, &end, 10);
			if (errno || *end || ready_fd < 0 || fcntl(ready_fd, F_GETFD) < 0) {
				fprintf(stderr, "acceld: --ready-fd: '%s' is not an open descriptor\n", optarg);
				return 2;
			}
			/* Not inherited by anything acceld may start. */
			fcntl(ready_fd, F_SETFD, FD_CLOEXEC);
			break;
		case 'p': pid_path = optarg; break;
		case 'l': log_path = optarg; break;
		case 'v':
			if (parse_level(optarg, &level)) {
				fprintf(stderr, "acceld: --log-level: '%s' is not err, warn, info or debug\n",
					optarg);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "acceld: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (root)
		setenv("ACCEL_ROOT", root, 1);
	root = accel_root();
	if (config) {
		text = accel_read_text_file(config, &err);
		if (!text) {
			fprintf(stderr, "acceld: --config %s: %s\n", config, strerror(-err));
			return 1;
		}
	}
	if (mkdir(root, 0755) && errno != EEXIST) {
		fprintf(stderr, "acceld: cannot create root %s: %s\n", root, strerror(errno));
		return 1;
	}
	if (!pid_path) {
		snprintf(pidbuf, sizeof(pidbuf), "%s/acceld.pid", root);
		pid_path = pidbuf;
	}
	if (background && !log_path) {
		snprintf(logbuf, sizeof(logbuf), "%s/acceld.log", root);
		log_path = logbuf;
	}
	if (log_path && !freopen(log_path, "a", stderr)) {
		fprintf(stdout, "acceld: cannot open log %s: %s\n", log_path, strerror(errno));
		return 1;
	}
	setvbuf(stderr, NULL, _IOLBF, 0);
	accel_log_set_level(level);

	/* Background: the parent returns once the child serves (or failed), with its status. */
	if (background) {
		pid_t pid;

		if (pipe2(ready_pipe, O_CLOEXEC)) {
			perror("acceld: pipe");
			return 1;
		}
		pid = fork();
		if (pid < 0) {
			perror("acceld: fork");
			return 1;
		}
		if (pid > 0) {
			char status = 1;

			close(ready_pipe[1]);
			if (read(ready_pipe[0], &status, 1) != 1)
				status = 1;
			return status;
		}
		close(ready_pipe[0]);
		setsid();
		if (!freopen("/dev/null", "r", stdin) || !freopen("/dev/null", "w", stdout))
			return 1;
	}

	/* Signals go to sigwait() in this thread; every thread started later inherits the mask. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* One publisher per root: the root's lock (host/root.c) says who it is. */
	rootfd = accel_root_lock(root, "acceld", &owner);
	if (rootfd == -EBUSY && owner.holder == ACCEL_ROOT_ACCELD) {
		DRM_ERROR("%s: another acceld (pid %d) serves this root", root, (int)owner.pid);
		goto fail;
	} else if (rootfd == -EBUSY && owner.holder == ACCEL_ROOT_EMBEDDED) {
		DRM_ERROR("%s: process %d publishes its embedded devices under this root (libaccel "
			  "without a daemon); stop it, or serve another --root", root, (int)owner.pid);
		goto fail;
	} else if (rootfd < 0) {
		DRM_ERROR("%s/%s: %s", root, ACCEL_ROOT_LOCK_FILE,
			  rootfd == -EBUSY ? "locked by another process" : strerror(-rootfd));
		goto fail;
	}
	pidfd = pidfile_take(pid_path);
	if (pidfd < 0) {
		DRM_ERROR("%s: %s", pid_path, pidfd == -EBUSY ? "another acceld serves this root" :
			  strerror(-pidfd));
		goto fail_root;
	}
	err = accel_host_core_init();
	if (err) {
		DRM_ERROR("core initialisation failed: %s", strerror(-err));
		goto fail_pid;
	}
	/*
	 * Node sockets take their owner, group and mode from the [nodes] section, which the
	 * configuration's parse fills in before it adds the first device.
	 */
	cfg.node_uid = 0;
	cfg.node_gid = default_node_group();
	cfg.node_mode = 0660;
	err = accel_fs_publish_start(root, acceld_node_publisher(root, &cfg));
	if (err) {
		DRM_ERROR("cannot publish under %s: %s", root, strerror(-err));
		goto fail_pid;
	}
	err = accel_config_apply(text ? text : accel_drivers_builtin_config(),
				 config ? config : "built-in configuration", &cfg);
	if (err)
		goto fail_devices;
	err = acceld_attr_socket_start(root);
	if (err) {
		DRM_ERROR("cannot serve %s/attr.sock: %s", root, strerror(-err));
		goto fail_devices;
	}
	DRM_INFO("serving %u devices under %s (pid %d)", cfg.num_devices, root, (int)getpid());
	if (background) {
		char ok = 0;

		if (write(ready_pipe[1], &ok, 1) != 1)
			DRM_ERROR("cannot tell the parent we are ready");
		close(ready_pipe[1]);
	}
	if (ready_fd >= 0) {
		static const char ready[] = ACCELD_READY_MSG;

		if (write(ready_fd, ready, sizeof(ready) - 1) != (ssize_t)sizeof(ready) - 1)
			DRM_ERROR("--ready-fd: cannot tell the parent we are ready: %s", strerror(errno));
		close(ready_fd);
	}

	do {
		if (sigwait(&sigs, &sig))
			sig = SIGTERM;
		if (sig == SIGHUP)
			DRM_INFO("SIGHUP: %u clients connected", acceld_conn_count());
	} while (sig == SIGHUP);
	DRM_INFO("signal %d: unplugging %u devices", sig, cfg.num_devices);
	acceld_attr_socket_stop();

	for (i = cfg.num_devices; i-- > 0;)
		platform_device_unregister(cfg.devices[i]);
	acceld_conn_shutdown_all();
	free(cfg.devices);
	free(text);
	/* The attribute mounts go before the root's lock: the next publisher finds none. */
	accel_fuse_stop();
	unlink(pid_path);
	close(pidfd);
	close(rootfd);
	DRM_INFO("stopped");
	return 0;

fail_devices:
	for (i = cfg.num_devices; i-- > 0;)
		platform_device_unregister(cfg.devices[i]);
	free(cfg.devices);
	accel_fuse_stop();
fail_pid:
	unlink(pid_path);
	close(pidfd);
fail_root:
	close(rootfd);
fail:
	free(text);
	if (background) {
		char bad = 1;

		if (write(ready_pipe[1], &bad, 1) != 1)
			return 1;
	}
	return 1;
}

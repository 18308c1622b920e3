// SPDX-License-Identifier: MIT
/*
 * Node sockets: each node the core publishes (accel/accel0, dri/renderD128...) becomes a
 * SOCK_SEQPACKET socket at <root>/dev/<node> with the configured owner, group and mode, so
 * that connect() is refused to whoever may not open the node, as the kernel refuses open().
 * One thread per node accepts connections; each connection is one open file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <accel/drm_print.h>
#include "host/host.h"
#include "acceld.h"

struct node_listener {
	char *path;
	char *rel;
	dev_t devt;
	struct acceld_node_perm perm;
	int fd;
	pthread_t thread;
	struct node_listener *next;
};

/* Guards listeners. */
static pthread_mutex_t listeners_lock = PTHREAD_MUTEX_INITIALIZER;
static struct node_listener *listeners;
static char node_root[PATH_MAX];
static const struct accel_config_result *node_cfg;

static void *node_accept_main(void *arg)
{
	struct node_listener *l = arg;

	for (;;) {
		int sock = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC);

		if (sock < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				DRM_ERROR("%s: accept: %s", l->rel, strerror(errno));
				usleep(10000);
				continue;
			}
			break; /* shut down */
		}
		acceld_conn_start(sock, l->devt, &l->perm);
	}
	return NULL;
}

static int mkdirs_for(char *path)
{
	char *p;

	for (p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(path, 0755) && errno != EEXIST) {
			*p = '/';
			return -errno;
		}
		*p = '/';
	}
	return 0;
}

static int node_add(struct devnode_publisher *p, const char *rel, dev_t devt, umode_t mode)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct node_listener *l;
	int err;

	(void)p; (void)mode;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->devt = devt;
	l->fd = -1;
	if (asprintf(&l->path, "%s/dev/%s", node_root, rel) < 0) {
		l->path = NULL;
		err = -ENOMEM;
		goto err_free;
	}
	l->rel = strdup(rel);
	if (!l->rel || strlen(l->path) + 4 >= sizeof(addr.sun_path)) {
		err = l->rel ? -ENAMETOOLONG : -ENOMEM;
		goto err_free;
	}
	/* Bound under a temporary name and renamed once its mode is right: never looser. */
	if (snprintf(addr.sun_path, sizeof(addr.sun_path), "%s.new", l->path) >= (int)sizeof(addr.sun_path)) {
		err = -ENAMETOOLONG;
		goto err_free;
	}
	err = mkdirs_for(l->path);
	if (err)
		goto err_free;
	l->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (l->fd < 0) {
		err = -errno;
		goto err_free;
	}
	unlink(addr.sun_path);
	if (bind(l->fd, (struct sockaddr *)&addr, sizeof(addr)) || listen(l->fd, 64)) {
		err = -errno;
		goto err_free;
	}
	/*
	 * Who may open the node in which mode is decided on HELLO against the node's own mode
	 * (as open() is on a kernel). connect() needs write permission on the socket, so the
	 * socket adds write wherever the node grants read: a user who may only read still
	 * reaches the daemon, one who may do neither does not.
	 */
	l->perm.uid = node_cfg->node_uid;
	l->perm.gid = node_cfg->node_gid;
	l->perm.mode = node_cfg->node_mode & 0777;
	if (geteuid() != 0) {
		/* Not root: the socket stays ours, so the node is too. */
		l->perm.uid = geteuid();
		l->perm.gid = getegid();
	}
	if (chmod(addr.sun_path, l->perm.mode | ((l->perm.mode & 0444) >> 1)) ||
	    (geteuid() == 0 && chown(addr.sun_path, node_cfg->node_uid, node_cfg->node_gid)) ||
	    rename(addr.sun_path, l->path)) {
		err = -errno;
		unlink(addr.sun_path);
		goto err_free;
	}
	err = -pthread_create(&l->thread, NULL, node_accept_main, l);
	if (err)
		goto err_unlink;
	pthread_mutex_lock(&listeners_lock);
	l->next = listeners;
	listeners = l;
	pthread_mutex_unlock(&listeners_lock);
	DRM_INFO("serving %s", l->path);
	return 0;

err_unlink:
	unlink(l->path);
err_free:
	DRM_ERROR("cannot serve node %s: %s", rel, strerror(-err));
	if (l->fd >= 0)
		close(l->fd);
	free(l->path);
	free(l->rel);
	free(l);
	return err;
}

static void node_remove(struct devnode_publisher *p, const char *rel)
{
	struct node_listener **pp, *l = NULL;

	(void)p;
	pthread_mutex_lock(&listeners_lock);
	for (pp = &listeners; *pp; pp = &(*pp)->next) {
		if (!strcmp((*pp)->rel, rel)) {
			l = *pp;
			*pp = l->next;
			break;
		}
	}
	pthread_mutex_unlock(&listeners_lock);
	if (!l)
		return;
	/* New connections are refused from here; open ones stay until closed. */
	unlink(l->path);
	shutdown(l->fd, SHUT_RDWR);
	pthread_join(l->thread, NULL);
	close(l->fd);
	free(l->path);
	free(l->rel);
	free(l);
}

static struct devnode_publisher node_publisher = {
	.add = node_add,
	.remove = node_remove,
};

struct devnode_publisher *acceld_node_publisher(const char *root, const struct accel_config_result *cfg)
{
	snprintf(node_root, sizeof(node_root), "%s", root);
	node_cfg = cfg;
	return &node_publisher;
}

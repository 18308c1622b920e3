// SPDX-License-Identifier: MIT
/*
 * The attribute socket, ROOT/attr.sock: show and store requests on the attribute tree by
 * path (ACCEL_WIRE_ATTR_READ / ACCEL_WIRE_ATTR_WRITE, wire/protocol.h), checked against the
 * peer's credentials as a read or write of the file would be. `accel attr` and
 * accel_attr_read()/accel_attr_write() use it; a shell uses the files when ROOT/sys is served
 * live. One thread accepts; each connection is served by a thread of its own, one request
 * after another. Any malformed message ends the connection.
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

#include <accel/attr.h>
#include <accel/drm_print.h>
#include "lib/libaccel_internal.h"
#include "wire/protocol.h"
#include "wire/wire_io.h"
#include "acceld.h"

static int attr_listen_fd = -1;
static pthread_t attr_accept_thread;
static char attr_sock_path[PATH_MAX];

/*
 * May the peer @uc read (@bit 4) or write (@bit 2) an attribute of mode @mode? The tree is
 * acceld's user's, as sysfs is root's; root may use any class's bit.
 */
static bool attr_peer_may(const struct ucred *uc, umode_t mode, unsigned int bit)
{
	if (uc->uid == 0)
		return mode & (bit * 0111);
	if (uc->uid == geteuid())
		return mode & (bit << 6);
	if (uc->gid == getegid())
		return mode & (bit << 3);
	return mode & bit;
}

/* Serve one request into @hdr's reply; -EPROTO ends the connection. */
static int attr_serve_one(const struct ucred *uc, struct accel_wire_hdr *hdr,
			  const unsigned char *body, size_t size, char **value, size_t *value_len)
{
	struct accel_wire_attr req;
	char path[ACCEL_WIRE_ATTR_MAX_PATH + 1];
	const char *rel;
	struct attr_node *node;
	ssize_t ret;

	if (size < sizeof(req))
		return -EPROTO;
	memcpy(&req, body, sizeof(req));
	if (!req.path_len || req.path_len > ACCEL_WIRE_ATTR_MAX_PATH ||
	    size != sizeof(req) + (size_t)req.path_len + req.value_len ||
	    (hdr->op == ACCEL_WIRE_ATTR_READ && req.value_len))
		return -EPROTO;
	memcpy(path, body + sizeof(req), req.path_len);
	path[req.path_len] = 0;
	if (memchr(path, 0, req.path_len))
		return -EPROTO;
	rel = accel_attr_rel_path(path);
	node = rel ? accel_attr_node_get(rel) : ERR_PTR(-EINVAL);
	if (IS_ERR(node)) {
		hdr->result = (int32_t)PTR_ERR(node);
		return 0;
	}
	if (hdr->op == ACCEL_WIRE_ATTR_READ) {
		if (!attr_peer_may(uc, node->mode, 4)) {
			ret = -EACCES;
		} else {
			ret = attr_file_show(node, value, value_len);
			if (!ret)
				ret = (ssize_t)*value_len;
		}
	} else {
		ret = attr_peer_may(uc, node->mode, 2) ?
			attr_file_store(node, (const char *)body + sizeof(req) + req.path_len,
					req.value_len) : -EACCES;
	}
	attr_put(node);
	hdr->result = (int32_t)ret;
	return 0;
}

static void *attr_conn_main(void *arg)
{
	int sock = (int)(intptr_t)arg, fds[ACCEL_WIRE_MAX_FDS];
	unsigned char *buf = malloc(ACCEL_WIRE_MAX_MSG);
	struct ucred uc;
	socklen_t len = sizeof(uc);

	if (!buf || getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &uc, &len))
		goto out;
	for (;;) {
		struct accel_wire_hdr hdr, reply = { 0 };
		unsigned int nfds = 0;
		unsigned char *body;
		char *value = NULL;
		size_t value_len = 0;
		bool owned = false;
		ssize_t n = accel_wire_recv(sock, buf, ACCEL_WIRE_MAX_MSG, fds, &nfds);
		int err;

		if (n <= 0)
			break;
		memcpy(&hdr, buf, (size_t)n < sizeof(hdr) ? (size_t)n : sizeof(hdr));
		if ((size_t)n < sizeof(hdr) || hdr.magic != ACCEL_WIRE_MAGIC || hdr.nfds != nfds ||
		    (hdr.flags & ~ACCEL_WIRE_F_MEMFD) ||
		    (hdr.op != ACCEL_WIRE_ATTR_READ && hdr.op != ACCEL_WIRE_ATTR_WRITE)) {
			while (nfds)
				close(fds[--nfds]);
			break;
		}
		err = accel_wire_body(&hdr, (size_t)n, buf, fds, &nfds, &body, &owned);
		/* A request carries no descriptor but its memfd body. */
		if (!err && nfds)
			err = -EPROTO;
		while (nfds)
			close(fds[--nfds]);
		if (err)
			break;
		reply.op = hdr.op;
		reply.id = hdr.id;
		err = attr_serve_one(&uc, &reply, body, hdr.size, &value, &value_len);
		if (owned)
			free(body);
		if (!err && accel_wire_send(sock, &reply, value, reply.result > 0 && value ? value_len : 0,
					    NULL, 0))
			err = -errno;
		free(value);
		if (err)
			break;
	}
out:
	free(buf);
	close(sock);
	return NULL;
}

static void *attr_accept_main(void *arg)
{
	(void)arg;
	for (;;) {
		int sock = accept4(attr_listen_fd, NULL, NULL, SOCK_CLOEXEC);
		pthread_attr_t attr;
		pthread_t thread;

		if (sock < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				usleep(10000);
				continue;
			}
			break; /* shut down */
		}
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		if (pthread_create(&thread, &attr, attr_conn_main, (void *)(intptr_t)sock))
			close(sock);
		pthread_attr_destroy(&attr);
	}
	return NULL;
}

int acceld_attr_socket_start(const char *root)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int err;

	if ((size_t)snprintf(attr_sock_path, sizeof(attr_sock_path), "%s/" ACCEL_WIRE_ATTR_SOCKET,
			     root) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", attr_sock_path);
	attr_listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (attr_listen_fd < 0)
		return -errno;
	unlink(attr_sock_path);
	if (bind(attr_listen_fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(attr_listen_fd, 16) || chmod(attr_sock_path, 0666)) {
		err = -errno;
		goto err_close;
	}
	err = -pthread_create(&attr_accept_thread, NULL, attr_accept_main, NULL);
	if (err)
		goto err_unlink;
	return 0;

err_unlink:
	unlink(attr_sock_path);
err_close:
	close(attr_listen_fd);
	attr_listen_fd = -1;
	return err;
}

void acceld_attr_socket_stop(void)
{
	if (attr_listen_fd < 0)
		return;
	unlink(attr_sock_path);
	shutdown(attr_listen_fd, SHUT_RDWR);
	pthread_join(attr_accept_thread, NULL);
	close(attr_listen_fd);
	attr_listen_fd = -1;
}

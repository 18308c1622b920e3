// SPDX-License-Identifier: MIT
/*
 * accel_attr_read() / accel_attr_write(): an attribute's show and store callbacks reached by
 * path, whoever serves the root: acceld (a request on ROOT/attr.sock, wire/protocol.h),
 * this process's embedded core (the tree directly), or a real kernel's /sys and /proc
 * ($ACCEL_BACKEND=kernel: the files themselves).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <accel/attr.h>
#include "host/host.h"
#include "lib/libaccel_internal.h"
#include "wire/protocol.h"
#include "wire/wire_io.h"

/* The kernel's sysfs gives a show a page; debugfs files may be longer: read to the end. */
#define ATTR_READ_CHUNK 4096

/* @path with @prefix and the '/' after it taken off, or NULL. */
static const char *under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	if (!n || strncmp(path, prefix, n) || path[n] != '/')
		return NULL;
	return path + n + 1;
}

const char *accel_attr_rel_path(const char *path)
{
	const char *rest;

	if (!path)
		return NULL;
	if ((rest = under(path, accel_root())) || (rest = under(path, accel_root_shared())))
		path = rest;
	while (*path == '/')
		path++;
	if (strncmp(path, "sys/", 4) && strncmp(path, "proc/", 5))
		return NULL;
	return path;
}

struct attr_node *accel_attr_node_get(const char *rel)
{
	if (!strncmp(rel, "sys/", 4))
		return attr_file_get(attr_root(), rel + 4);
	if (!strncmp(rel, "proc/", 5))
		return attr_file_get(attr_proc_root(), rel + 5);
	return ERR_PTR(-EINVAL);
}

/* A real kernel's file: read to its end. */
static ssize_t kernel_read(const char *rel, char **out)
{
	char path[PATH_MAX], *buf = NULL, *bigger;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd;

	if (snprintf(path, sizeof(path), "/%s", rel) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	do {
		if (cap - len < ATTR_READ_CHUNK + 1) {
			cap += ATTR_READ_CHUNK * 4;
			bigger = realloc(buf, cap);
			if (!bigger) {
				n = -ENOMEM;
				break;
			}
			buf = bigger;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0)
			n = -errno;
		else
			len += (size_t)n;
	} while (n > 0);
	close(fd);
	if (n < 0) {
		free(buf);
		return n;
	}
	if (!buf && !(buf = malloc(1)))
		return -ENOMEM;
	buf[len] = 0;
	*out = buf;
	return (ssize_t)len;
}

static ssize_t kernel_write(const char *rel, const void *value, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	if (snprintf(path, sizeof(path), "/%s", rel) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, value, len);
	if (n < 0)
		n = -errno;
	close(fd);
	return n;
}

/* One request on acceld's attribute socket and its reply: the result, the body in *@out. */
static ssize_t daemon_request(uint16_t op, const char *rel, const void *value, size_t len,
			      char **out)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct accel_wire_attr req = { .path_len = (uint32_t)strlen(rel), .value_len = (uint32_t)len };
	struct accel_wire_hdr hdr = { .op = op, .id = 1 };
	int fds[ACCEL_WIRE_MAX_FDS];
	unsigned char *msg = NULL, *body = NULL;
	unsigned int nfds = 0;
	size_t body_len = sizeof(req) + req.path_len + len;
	bool owned = false;
	ssize_t ret, n;
	int sock;

	if (req.path_len > ACCEL_WIRE_ATTR_MAX_PATH)
		return -ENAMETOOLONG;
	if ((size_t)snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/" ACCEL_WIRE_ATTR_SOCKET,
			     accel_root_shared()) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	msg = malloc(body_len > ACCEL_WIRE_MAX_MSG ? body_len : ACCEL_WIRE_MAX_MSG);
	if (!msg)
		return -ENOMEM;
	memcpy(msg, &req, sizeof(req));
	memcpy(msg + sizeof(req), rel, req.path_len);
	if (len)
		memcpy(msg + sizeof(req) + req.path_len, value, len);
	sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (sock < 0) {
		ret = -errno;
		goto out_free;
	}
	if (connect(sock, (struct sockaddr *)&addr, sizeof(addr)) ||
	    accel_wire_send(sock, &hdr, msg, body_len, NULL, 0)) {
		ret = -errno;
		goto out_close;
	}
	n = accel_wire_recv(sock, msg, ACCEL_WIRE_MAX_MSG, fds, &nfds);
	if (n <= 0) {
		ret = n ? n : -ECONNRESET;
		goto out_close;
	}
	memcpy(&hdr, msg, sizeof(hdr));
	if ((size_t)n < sizeof(hdr) || hdr.magic != ACCEL_WIRE_MAGIC || hdr.op != op || hdr.id != 1) {
		ret = -EPROTO;
		goto out_fds;
	}
	ret = accel_wire_body(&hdr, (size_t)n, msg, fds, &nfds, &body, &owned);
	if (ret)
		goto out_fds;
	ret = hdr.result;
	if (out && ret >= 0) {
		if ((size_t)ret != hdr.size) {
			ret = -EPROTO;
		} else {
			*out = malloc(hdr.size + 1);
			if (!*out) {
				ret = -ENOMEM;
			} else {
				memcpy(*out, body, hdr.size);
				(*out)[hdr.size] = 0;
			}
		}
	}
	if (owned)
		free(body);
out_fds:
	while (nfds)
		close(fds[--nfds]);
out_close:
	close(sock);
out_free:
	free(msg);
	return ret;
}

/* Who answers for the root: a real kernel, acceld or this process's core. */
static int attr_backend(enum accel_backend *b)
{
	int err = accel_root_backend(b);

	/* accel_root_backend() refuses the kernel for the root's nodes: here it reads /sys. */
	if (err == -ENODEV) {
		const char *env = getenv("ACCEL_BACKEND");

		if (env && !strcmp(env, "kernel")) {
			*b = ACCEL_BACKEND_KERNEL;
			return 0;
		}
	}
	return err;
}

ssize_t accel_attr_read(const char *path, char **out)
{
	const char *rel = accel_attr_rel_path(path);
	enum accel_backend b;
	struct attr_node *node;
	size_t len = 0;
	int err;

	if (!rel || !out)
		return -EINVAL;
	err = attr_backend(&b);
	if (err)
		return err;
	if (b == ACCEL_BACKEND_KERNEL)
		return kernel_read(rel, out);
	if (b == ACCEL_BACKEND_DAEMON)
		return daemon_request(ACCEL_WIRE_ATTR_READ, rel, NULL, 0, out);
	node = accel_attr_node_get(rel);
	if (IS_ERR(node))
		return PTR_ERR(node);
	err = attr_file_show(node, out, &len);
	attr_put(node);
	return err ? err : (ssize_t)len;
}

ssize_t accel_attr_write(const char *path, const void *value, size_t len)
{
	const char *rel = accel_attr_rel_path(path);
	enum accel_backend b;
	struct attr_node *node;
	ssize_t ret;
	int err;

	if (!rel || (!value && len))
		return -EINVAL;
	err = attr_backend(&b);
	if (err)
		return err;
	if (b == ACCEL_BACKEND_KERNEL)
		return kernel_write(rel, value, len);
	if (b == ACCEL_BACKEND_DAEMON)
		return daemon_request(ACCEL_WIRE_ATTR_WRITE, rel, value, len, NULL);
	node = accel_attr_node_get(rel);
	if (IS_ERR(node))
		return PTR_ERR(node);
	ret = attr_file_store(node, value, len);
	attr_put(node);
	return ret;
}

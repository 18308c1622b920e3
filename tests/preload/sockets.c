// SPDX-License-Identifier: MIT
/*
 * Sockets and device descriptors under `accel exec` (plain libc: no libaccel).
 *
 * A node's file is no socket: the socket calls on it fail with ENOTSOCK (a kernel with
 * networking answers so; the oracle's kernel has none, so this is not a recorded comparison)
 * and leave the file working. A device descriptor passed with SCM_RIGHTS is, through acceld,
 * the same open file in the receiver (this process or another one, which never opened the
 * node); the embedded backend's cannot leave its process, and sendmsg() refuses it
 * (EOPNOTSUPP) rather than deliver a pipe. $ACCEL_BACKEND (set by accel exec) says which.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <drm/drm.h>

#define NODE "/dev/accel/accel0"

static bool through_daemon(void)
{
	const char *b = getenv("ACCEL_BACKEND");

	return b && !strcmp(b, "daemon");
}

/* Send @fd over @sock with SCM_RIGHTS: 0 or -errno. */
static int send_fd(int sock, int fd)
{
	char byte = 'F';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			    .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *c;

	memset(&ctl, 0, sizeof(ctl));
	c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &m, 0) < 0 ? -errno : 0;
}

/* One descriptor from @sock, or -errno (-ENOMSG: a message without one, or the end). */
static int recv_fd(int sock)
{
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			    .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &m, MSG_CMSG_CLOEXEC) < 0)
		return -errno;
	c = CMSG_FIRSTHDR(&m);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -ENOMSG;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

static int version(int fd)
{
	struct drm_version v = { 0 };

	return ioctl(fd, DRM_IOCTL_VERSION, &v) ? -errno : 0;
}

static int syncobj_create(int fd)
{
	struct drm_syncobj_create c = { 0 };

	return ioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &c) ? -errno : (int)c.handle;
}

static void test_socket_calls_on_node_are_enotsock(void **state)
{
	char buf[8] = { 0 };
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct sockaddr_storage a;
	socklen_t len = sizeof(a);
	int fd = open(NODE, O_RDWR | O_CLOEXEC), v = 0;
	socklen_t vlen = sizeof(v);

	(void)state;
	assert_true(fd >= 0);
	errno = 0;
	assert_int_equal(send(fd, buf, 4, MSG_DONTWAIT), -1);
	assert_int_equal(errno, ENOTSOCK);
	assert_int_equal(recv(fd, buf, 4, MSG_DONTWAIT), -1);
	assert_int_equal(errno, ENOTSOCK);
	assert_int_equal(sendmsg(fd, &m, MSG_DONTWAIT), -1);
	assert_int_equal(errno, ENOTSOCK);
	assert_int_equal(recvmsg(fd, &m, MSG_DONTWAIT), -1);
	assert_int_equal(errno, ENOTSOCK);
	assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &vlen), -1);
	assert_int_equal(errno, ENOTSOCK);
	assert_int_equal(getpeername(fd, (struct sockaddr *)&a, &len), -1);
	assert_int_equal(errno, ENOTSOCK);
	assert_int_equal(shutdown(fd, SHUT_RDWR), -1);
	assert_int_equal(errno, ENOTSOCK);
	/* acceld's connection (the file) is untouched */
	assert_int_equal(version(fd), 0);
	assert_int_equal(close(fd), 0);
}

/* A socketpair within the process: the received number is the same open file. */
static void test_scm_rights_to_self(void **state)
{
	int sv[2], fd, got;
	struct stat st;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	fd = open(NODE, O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	if (!through_daemon()) {
		assert_int_equal(send_fd(sv[0], fd), -EOPNOTSUPP);
		goto out;
	}
	assert_int_equal(send_fd(sv[0], fd), 0);
	got = recv_fd(sv[1]);
	assert_true(got >= 0);
	assert_int_not_equal(got, fd);
	assert_int_equal(version(got), 0);
	assert_int_equal(fstat(got, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(major(st.st_rdev), 261);
	/* a handle made through one number is the other's: one open file */
	{
		int h = syncobj_create(got);
		struct drm_syncobj_destroy d = { .handle = (uint32_t)h };

		assert_true(h > 0);
		assert_int_equal(ioctl(fd, DRM_IOCTL_SYNCOBJ_DESTROY, &d), 0);
	}
	assert_int_equal(close(got), 0);
	assert_int_equal(version(fd), 0);
out:
	assert_int_equal(close(fd), 0);
	close(sv[0]);
	close(sv[1]);
}

/*
 * To a child forked before the node was opened (it never had the file): it uses the
 * received descriptor and makes a syncobj there, which the sender then finds in its own.
 */
static void test_scm_rights_to_another_process(void **state)
{
	int sv[2], fd, status, h = -1;
	pid_t pid;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int got = recv_fd(sv[1]);
		int made = got < 0 ? got : version(got) ? -EIO : syncobj_create(got);

		if (write(sv[1], &made, sizeof(made)) != sizeof(made))
			_exit(2);
		_exit(0);
	}
	fd = open(NODE, O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	if (!through_daemon()) {
		assert_int_equal(send_fd(sv[0], fd), -EOPNOTSUPP);
		/* the child's recvmsg sees the end of the stream */
		shutdown(sv[0], SHUT_WR);
	} else {
		assert_int_equal(send_fd(sv[0], fd), 0);
	}
	assert_int_equal(read(sv[0], &h, sizeof(h)), sizeof(h));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	if (through_daemon()) {
		struct drm_syncobj_handle e = { .handle = (uint32_t)h, .fd = -1 };

		assert_true(h > 0);
		assert_int_equal(ioctl(fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &e), 0);
		assert_int_equal(close(e.fd), 0);
	} else {
		assert_int_equal(h, -ENOMSG);
	}
	assert_int_equal(close(fd), 0);
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_socket_calls_on_node_are_enotsock),
		cmocka_unit_test(test_scm_rights_to_self),
		cmocka_unit_test(test_scm_rights_to_another_process),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

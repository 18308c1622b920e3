// SPDX-License-Identifier: MIT
/*
 * Defects the fuzzers of tests/fuzz found, one behaviour each:
 * - a protocol message refused by accel_wire_recv() (too many descriptors) or an empty one
 *   leaves none of the descriptors it carried open (acceld leaked them per message);
 * - SYNCOBJ_QUERY into a NULL points array is -EFAULT, and the core indexes the caller's
 *   array as an address, not as a C pointer (UBSan: offset applied to a null pointer).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../common/fd_list.h"
#include "../common/scm_rights.h"

#include <drm/drm.h>
#include <libaccel.h>
#include "helpers.h"
#include "wire/wire_io.h"

static int open_fd_count(void)
{
	int n = fd_list_each(NULL, NULL);

	assert_true(n >= 0);
	return n;
}

/* Send @len bytes with @nfds fresh eventfds (ours closed again) on @sock. */
static void send_with_eventfds(int sock, const void *buf, size_t len, unsigned int nfds)
{
	int fds[ACCEL_WIRE_MAX_FDS + 4];
	unsigned int i;

	assert_true(nfds <= ACCEL_WIRE_MAX_FDS + 4);
	for (i = 0; i < nfds; i++) {
		fds[i] = eventfd(0, EFD_CLOEXEC);
		assert_true(fds[i] >= 0);
	}
	assert_int_equal(scm_send(sock, buf, len, fds, nfds, 0), (ssize_t)len);
	for (i = 0; i < nfds; i++)
		close(fds[i]);
}

static void wire_recv_of_too_many_descriptors_closes_them_all(void **state)
{
	unsigned char hdr[sizeof(struct accel_wire_hdr)] = { 0 }, buf[64];
	int sv[2], fds[ACCEL_WIRE_MAX_FDS], before;
	unsigned int nfds = 99;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	before = open_fd_count();
	send_with_eventfds(sv[0], hdr, sizeof(hdr), ACCEL_WIRE_MAX_FDS + 2);
	assert_int_equal(accel_wire_recv(sv[1], buf, sizeof(buf), fds, &nfds), -EMSGSIZE);
	assert_int_equal(nfds, 0);
	assert_int_equal(open_fd_count(), before);
	close(sv[0]);
	close(sv[1]);
}

static void wire_recv_of_an_empty_message_closes_its_descriptors(void **state)
{
	unsigned char buf[64];
	int sv[2], fds[ACCEL_WIRE_MAX_FDS], before;
	unsigned int nfds = 99;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	before = open_fd_count();
	send_with_eventfds(sv[0], "", 0, 2);
	assert_int_equal(accel_wire_recv(sv[1], buf, sizeof(buf), fds, &nfds), 0);
	assert_int_equal(nfds, 0);
	assert_int_equal(open_fd_count(), before);
	close(sv[0]);
	close(sv[1]);
}

static void syncobj_query_into_null_points_is_efault(void **state)
{
	char *root = test_tmpdir("fuzzregress");
	struct drm_syncobj_create create = { .flags = DRM_SYNCOBJ_CREATE_SIGNALED };
	struct drm_syncobj_timeline_array query = { 0 };
	int fd;

	(void)state;
	setenv("ACCEL_ROOT", root, 1);
	fd = accel_sys_open("/dev/accel/accel0", O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &create), 0);
	query.handles = (uintptr_t)&create.handle;
	query.points = 0;
	query.count_handles = 1;
	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_SYNCOBJ_QUERY, &query), -1);
	assert_int_equal(errno, EFAULT);
	accel_sys_close(fd);
	test_rmdir(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(wire_recv_of_too_many_descriptors_closes_them_all),
		cmocka_unit_test(wire_recv_of_an_empty_message_closes_its_descriptors),
		cmocka_unit_test(syncobj_query_into_null_points_is_efault),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

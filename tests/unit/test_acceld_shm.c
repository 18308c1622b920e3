// SPDX-License-Identifier: MIT
/*
 * Ioctls through acceld's shared-memory ring (docs/acceld-shm.md) behave as on the socket:
 * the same results and errors, descriptor-passing ioctls still work (they stay on the
 * socket), and a daemon killed leaves the client with an error, not a hang.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <drm/drm.h>
#include <libaccel.h>
#include "helpers.h"

static char *root;
static pid_t daemon_pid;

static int setup(void **state)
{
	(void)state;
	return test_daemon_setup(&root, &daemon_pid, "acceld-shm",
				 "[nodes]\nmode = 0666\n\n[example.0]\ndriver = example\n");
}

static int teardown(void **state)
{
	(void)state;
	return test_daemon_teardown(&root, &daemon_pid);
}

/* A node opened with the ring (@shm) or on the socket alone: the choice is made at open. */
static int open_node(bool shm)
{
	int fd;

	setenv("ACCEL_WIRE_SHM", shm ? "1" : "0", 1);
	fd = accel_sys_open("/dev/accel/accel0", O_RDWR | O_CLOEXEC);
	unsetenv("ACCEL_WIRE_SHM");
	return fd;
}

static int ioctl_err(int fd, unsigned long req, void *arg)
{
	return accel_sys_ioctl(fd, req, arg) ? -errno : 0;
}

static void test_syncobj_signal_and_wait_through_ring(void **state)
{
	int fd = open_node(true);
	struct drm_syncobj_create c = { 0 };
	struct drm_syncobj_array a;
	struct drm_syncobj_wait w;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(accel_fd_backend(fd), ACCEL_BACKEND_DAEMON);
	assert_int_equal(ioctl_err(fd, DRM_IOCTL_SYNCOBJ_CREATE, &c), 0);
	assert_true(c.handle != 0);
	a = (struct drm_syncobj_array){ .handles = (uintptr_t)&c.handle, .count_handles = 1 };
	assert_int_equal(ioctl_err(fd, DRM_IOCTL_SYNCOBJ_SIGNAL, &a), 0);
	w = (struct drm_syncobj_wait){ .handles = (uintptr_t)&c.handle, .count_handles = 1,
				       .timeout_nsec = INT64_MAX };
	assert_int_equal(ioctl_err(fd, DRM_IOCTL_SYNCOBJ_WAIT, &w), 0);
	assert_int_equal(w.first_signaled, 0);
	accel_sys_close(fd);
}

/* Each ioctl's error through the ring equals the socket's. */
static void test_errors_equal_socket_path(void **state)
{
	int ring = open_node(true), sock = open_node(false);
	uint32_t bad = 0x7777;
	struct drm_syncobj_array a = { .handles = (uintptr_t)&bad, .count_handles = 1 };
	struct drm_syncobj_destroy d = { .handle = 0x7777 };
	struct drm_get_cap cap = { .capability = 0xdead };
	int r_ring, r_sock;

	(void)state;
	assert_true(ring >= 0 && sock >= 0);
	/* a bad handle */
	r_ring = ioctl_err(ring, DRM_IOCTL_SYNCOBJ_SIGNAL, &a);
	r_sock = ioctl_err(sock, DRM_IOCTL_SYNCOBJ_SIGNAL, &a);
	assert_int_equal(r_ring, -ENOENT);
	assert_int_equal(r_ring, r_sock);
	r_ring = ioctl_err(ring, DRM_IOCTL_SYNCOBJ_DESTROY, &d);
	r_sock = ioctl_err(sock, DRM_IOCTL_SYNCOBJ_DESTROY, &d);
	assert_int_equal(r_ring, r_sock);
	assert_true(r_ring < 0);
	/* an unknown capability */
	r_ring = ioctl_err(ring, DRM_IOCTL_GET_CAP, &cap);
	r_sock = ioctl_err(sock, DRM_IOCTL_GET_CAP, &cap);
	assert_int_equal(r_ring, r_sock);
	assert_true(r_ring < 0);
	/* an ioctl nobody handles */
	r_ring = ioctl_err(ring, DRM_IOWR(0x9f, struct drm_get_cap), &cap);
	r_sock = ioctl_err(sock, DRM_IOWR(0x9f, struct drm_get_cap), &cap);
	assert_int_equal(r_ring, r_sock);
	assert_true(r_ring < 0);
	/* a bad pointer inside the argument: -EFAULT on both */
	a.handles = 8;
	r_ring = ioctl_err(ring, DRM_IOCTL_SYNCOBJ_SIGNAL, &a);
	r_sock = ioctl_err(sock, DRM_IOCTL_SYNCOBJ_SIGNAL, &a);
	assert_int_equal(r_ring, -EFAULT);
	assert_int_equal(r_ring, r_sock);
	accel_sys_close(ring);
	accel_sys_close(sock);
}

/* HANDLE_TO_FD gives out a descriptor: it takes the socket, and the descriptor is real. */
static void test_descriptor_passing_ioctl_falls_back_to_socket(void **state)
{
	int fd = open_node(true), other = open_node(true);
	struct drm_syncobj_create c = { 0 };
	struct drm_syncobj_handle h = { 0 };
	struct stat st;

	(void)state;
	assert_true(fd >= 0 && other >= 0);
	assert_int_equal(ioctl_err(fd, DRM_IOCTL_SYNCOBJ_CREATE, &c), 0);
	h.handle = c.handle;
	assert_int_equal(ioctl_err(fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &h), 0);
	assert_int_equal(fstat(h.fd, &st), 0);
	h.handle = 0;
	assert_int_equal(ioctl_err(other, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, &h), 0);
	assert_true(h.handle != 0);
	close(h.fd);
	accel_sys_close(fd);
	accel_sys_close(other);
}

/* Runs last: the group's daemon is gone after it. */
static void test_daemon_killed_gives_error_not_hang(void **state)
{
	int fd = open_node(true);
	struct drm_get_cap cap = { .capability = DRM_CAP_SYNCOBJ };
	int err;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(ioctl_err(fd, DRM_IOCTL_GET_CAP, &cap), 0);
	kill(daemon_pid, SIGKILL);
	waitpid(daemon_pid, NULL, 0);
	daemon_pid = 0;
	err = ioctl_err(fd, DRM_IOCTL_GET_CAP, &cap);
	assert_true(err == -ENODEV || err == -EIO);
	accel_sys_close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syncobj_signal_and_wait_through_ring),
		cmocka_unit_test(test_errors_equal_socket_path),
		cmocka_unit_test(test_descriptor_passing_ioctl_falls_back_to_socket),
		cmocka_unit_test(test_daemon_killed_gives_error_not_hang),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

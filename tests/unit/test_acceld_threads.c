// SPDX-License-Identifier: MIT
/*
 * Threads sharing one descriptor through acceld run side by side, as on a kernel: a thread
 * blocked in a syncobj wait does not hold up another thread's ioctls on the same descriptor.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <drm/drm.h>
#include <libaccel.h>
#include "helpers.h"

/* How long the test waits for the other thread before it gives up and unblocks the wait. */
#define WATCHDOG_SECONDS 60

static char *root;
static pid_t daemon_pid;

static int setup(void **state)
{
	(void)state;
	return test_daemon_setup(&root, &daemon_pid, "acceld-threads",
				 "[nodes]\nmode = 0666\n\n[example.0]\ndriver = example\n");
}

static int teardown(void **state)
{
	(void)state;
	return test_daemon_teardown(&root, &daemon_pid);
}

struct shared {
	int fd;
	uint32_t syncobj;
	atomic_int wait_result; /* INT32_MIN until the wait returns */
	atomic_bool wait_returned;
	atomic_bool others_done;
	atomic_bool others_done_before_release;
	int others_failed;
	pthread_mutex_t lock;
	pthread_cond_t cond;
};

static void *blocking_waiter(void *arg)
{
	struct shared *s = arg;
	struct drm_syncobj_wait w = { .handles = (uintptr_t)&s->syncobj, .count_handles = 1,
				      .timeout_nsec = INT64_MAX,
				      .flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT };

	atomic_store(&s->wait_result, accel_sys_ioctl(s->fd, DRM_IOCTL_SYNCOBJ_WAIT, &w) ? -errno : 0);
	atomic_store(&s->wait_returned, true);
	return NULL;
}

static void *busy_caller(void *arg)
{
	struct shared *s = arg;
	int i, failed = 0;

	for (i = 0; i < 200; i++) {
		struct drm_get_cap cap = { .capability = DRM_CAP_SYNCOBJ };
		struct drm_syncobj_create c = { 0 };
		struct drm_syncobj_destroy d = { 0 };

		if (accel_sys_ioctl(s->fd, DRM_IOCTL_GET_CAP, &cap) || cap.value != 1)
			failed++;
		if (accel_sys_ioctl(s->fd, DRM_IOCTL_SYNCOBJ_CREATE, &c))
			failed++;
		d.handle = c.handle;
		if (accel_sys_ioctl(s->fd, DRM_IOCTL_SYNCOBJ_DESTROY, &d))
			failed++;
	}
	pthread_mutex_lock(&s->lock);
	s->others_failed = failed;
	atomic_store(&s->others_done, true);
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

static void blocked_wait_does_not_hold_up_other_threads(void **state)
{
	struct shared s = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };
	struct drm_syncobj_create c = { 0 };
	struct drm_syncobj_handle h = { 0 };
	struct drm_syncobj_array sig;
	struct timespec deadline;
	pthread_t waiter, caller;
	int other;

	(void)state;
	s.fd = accel_sys_open("/dev/accel/accel0", O_RDWR | O_CLOEXEC);
	assert_true(s.fd >= 0);
	assert_int_equal(accel_fd_backend(s.fd), ACCEL_BACKEND_DAEMON);
	assert_int_equal(accel_sys_ioctl(s.fd, DRM_IOCTL_SYNCOBJ_CREATE, &c), 0);
	s.syncobj = c.handle;
	/* The same syncobj in a second open file, from which the wait is released. */
	other = accel_sys_open("/dev/accel/accel0", O_RDWR | O_CLOEXEC);
	assert_true(other >= 0);
	h.handle = c.handle;
	assert_int_equal(accel_sys_ioctl(s.fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &h), 0);
	h.handle = 0;
	assert_int_equal(accel_sys_ioctl(other, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, &h), 0);
	close(h.fd);
	atomic_init(&s.wait_result, INT32_MIN);
	assert_int_equal(pthread_create(&waiter, NULL, blocking_waiter, &s), 0);
	/* Let the wait reach the daemon first (it is a request like any other either way). */
	usleep(100000);
	assert_int_equal(pthread_create(&caller, NULL, busy_caller, &s), 0);

	/* A watchdog only: without it a serialised connection would hang the test forever. */
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += WATCHDOG_SECONDS;
	pthread_mutex_lock(&s.lock);
	while (!atomic_load(&s.others_done))
		if (pthread_cond_timedwait(&s.cond, &s.lock, &deadline))
			break;
	atomic_store(&s.others_done_before_release, atomic_load(&s.others_done));
	pthread_mutex_unlock(&s.lock);
	/* Still blocked: nothing signalled the syncobj. */
	assert_false(atomic_load(&s.wait_returned));

	/* Release the wait from the other open file, which works however the first is served. */
	sig = (struct drm_syncobj_array){ .handles = (uintptr_t)&h.handle, .count_handles = 1 };
	assert_int_equal(accel_sys_ioctl(other, DRM_IOCTL_SYNCOBJ_SIGNAL, &sig), 0);
	assert_int_equal(pthread_join(waiter, NULL), 0);
	assert_int_equal(pthread_join(caller, NULL), 0);
	assert_int_equal(atomic_load(&s.wait_result), 0);
	assert_true(atomic_load(&s.others_done_before_release));
	assert_int_equal(s.others_failed, 0);
	accel_sys_close(other);
	accel_sys_close(s.fd);
}

static void *counting_caller(void *arg)
{
	int fd = *(int *)arg, i;
	intptr_t bad = 0;

	for (i = 0; i < 300; i++) {
		struct drm_syncobj_create c = { 0 };
		struct drm_syncobj_handle h = { 0 };

		/* Every thread's reply is its own: a handle made here converts back here. */
		if (accel_sys_ioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &c)) {
			bad++;
			continue;
		}
		h.handle = c.handle;
		if (accel_sys_ioctl(fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &h) || h.fd < 0) {
			bad++;
			continue;
		}
		close(h.fd);
		{
			struct drm_syncobj_destroy d = { .handle = c.handle };

			if (accel_sys_ioctl(fd, DRM_IOCTL_SYNCOBJ_DESTROY, &d))
				bad++;
		}
	}
	return (void *)bad;
}

static void concurrent_threads_each_get_their_own_replies(void **state)
{
	int fd = accel_sys_open("/dev/accel/accel0", O_RDWR | O_CLOEXEC);
	pthread_t t[8];
	unsigned int i;

	(void)state;
	assert_true(fd >= 0);
	for (i = 0; i < 8; i++)
		assert_int_equal(pthread_create(&t[i], NULL, counting_caller, &fd), 0);
	for (i = 0; i < 8; i++) {
		void *bad;

		assert_int_equal(pthread_join(t[i], &bad), 0);
		assert_int_equal((intptr_t)bad, 0);
	}
	accel_sys_close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(blocked_wait_does_not_hold_up_other_threads),
		cmocka_unit_test(concurrent_threads_each_get_their_own_replies),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

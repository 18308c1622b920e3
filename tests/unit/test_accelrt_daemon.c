// SPDX-License-Identifier: MIT
/* accelrt through acceld: a program run on the vnpu of a daemon's root. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libaccel.h>
#include "helpers.h"
#include "test_accelrt.h"

static char *root;
static pid_t daemon_pid;

static int setup(void **state)
{
	(void)state;
	unsetenv("ACCEL_CONFIG");
	return test_daemon_setup(&root, &daemon_pid, "accelrt-daemon",
				 accel_embedded_builtin_config());
}

static int teardown(void **state)
{
	(void)state;
	return test_daemon_teardown(&root, &daemon_pid);
}

static void program_runs_on_a_daemon_vnpu(void **state)
{
	struct accelrt_buffer *set[2];
	struct accelrt_program *prog;
	struct accelrt_device *dev;
	struct at_stream s = { 0 };
	uint8_t *src, *dst;
	void *map;
	int i;

	(void)state;
	assert_int_equal(accelrt_device_open(NULL, &dev), 0);
	assert_int_equal(accel_fd_backend(accelrt_device_fd(dev)), ACCEL_BACKEND_DAEMON);
	for (i = 0; i < 2; i++)
		assert_int_equal(accelrt_buffer_alloc(dev, 8192, ACCELRT_BUFFER_HOST, &set[i]), 0);
	assert_int_equal(accelrt_buffer_map(set[0], &map), 0);
	src = map;
	assert_int_equal(accelrt_buffer_map(set[1], &map), 0);
	dst = map;
	for (i = 0; i < 8192; i++)
		src[i] = (uint8_t)(i * 13 + 1);
	memset(dst, 0, 8192);
	at_copy(&s, 0, 0, 1, 0, 4096);
	at_fill(&s, 1, 4096, 4096, 0x77);
	assert_int_equal(accelrt_program_create(dev, s.buf, s.len, s.relocs, s.nrelocs, &prog), 0);
	assert_int_equal(accelrt_run_sync(prog, set, 2, 0), 0);
	assert_memory_equal(dst, src, 4096);
	for (i = 4096; i < 8192; i++)
		assert_int_equal(dst[i], 0x77);
	accelrt_program_free(prog);
	accelrt_buffer_free(set[0]);
	accelrt_buffer_free(set[1]);
	accelrt_device_close(dev);
	/* everything the client held is released: the daemon stops cleanly */
	assert_int_equal(test_acceld_stop(daemon_pid), 0);
	daemon_pid = 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(program_runs_on_a_daemon_vnpu),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

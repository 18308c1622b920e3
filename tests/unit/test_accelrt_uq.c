// SPDX-License-Identifier: MIT
/*
 * accelrt runs through the device's user queue (ACCELRT_RUN_USER_QUEUE) on the embedded
 * default vnpu: results, runs in flight together, the run's fence as a sync_file, a failed
 * job (and the queue made anew after it), staged programs, and the flag combinations refused.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <libaccel.h>
#include "helpers.h"
#include "test_accelrt.h"

#define UQ ACCELRT_RUN_USER_QUEUE

static struct accelrt_device *dev;

static int setup(void **state)
{
	(void)state;
	if (test_embedded_start("accelrt_uq", NULL))
		return -1;
	return accelrt_device_open(NULL, &dev) ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	accelrt_device_close(dev);
	dev = NULL;
	return test_embedded_stop();
}

static struct accelrt_buffer *host_buffer(uint64_t size, uint8_t poison)
{
	struct accelrt_buffer *b;
	void *map;

	assert_int_equal(accelrt_buffer_alloc(dev, size, ACCELRT_BUFFER_HOST, &b), 0);
	assert_int_equal(accelrt_buffer_map(b, &map), 0);
	memset(map, poison, size);
	return b;
}

static uint8_t *map_of(struct accelrt_buffer *b)
{
	void *map;

	assert_int_equal(accelrt_buffer_map(b, &map), 0);
	return map;
}

static void assert_bytes(const uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			fail_msg("byte %zu is 0x%02x, not 0x%02x", i, p[i], v);
}

/* COPY @size bytes of slot 0 to slot 1. */
static struct accelrt_program *copy_program(uint64_t size)
{
	struct at_stream s = { 0 };
	struct accelrt_program *prog;

	at_copy(&s, 0, 0, 1, 0, size);
	assert_int_equal(accelrt_program_create(dev, s.buf, s.len, s.relocs, s.nrelocs, &prog), 0);
	return prog;
}

static void user_queue_run_writes_its_buffers(void **state)
{
	struct accelrt_program *prog = copy_program(4096);
	struct accelrt_buffer *set[2] = { host_buffer(4096, 0x3c), host_buffer(4096, 0) };

	(void)state;
	assert_int_equal(accelrt_run_sync(prog, set, 2, UQ), 0);
	assert_bytes(map_of(set[1]), 4096, 0x3c);
	accelrt_program_free(prog);
	accelrt_buffer_free(set[0]);
	accelrt_buffer_free(set[1]);
}

static void eight_user_queue_runs_in_flight_all_complete(void **state)
{
	enum { RUNS = 8, SIZE = 16384 };
	struct accelrt_program *prog = copy_program(SIZE);
	struct accelrt_buffer *set[RUNS][2];
	struct accelrt_run *run[RUNS];

	(void)state;
	for (int i = 0; i < RUNS; i++) {
		set[i][0] = host_buffer(SIZE, (uint8_t)(0x40 + i));
		set[i][1] = host_buffer(SIZE, 0);
		assert_int_equal(accelrt_run(prog, set[i], 2, UQ, &run[i]), 0);
	}
	/* The program may go while its runs are in flight. */
	accelrt_program_free(prog);
	for (int i = RUNS - 1; i >= 0; i--) {
		assert_int_equal(accelrt_run_wait(run[i], 10ll * 1000000000), 0);
		assert_bytes(map_of(set[i][1]), SIZE, (uint8_t)(0x40 + i));
		accelrt_run_free(run[i]);
		accelrt_buffer_free(set[i][0]);
		accelrt_buffer_free(set[i][1]);
	}
}

static void user_queue_run_sync_file_polls_readable_once_done(void **state)
{
	struct accelrt_program *prog = copy_program(4096);
	struct accelrt_buffer *set[2] = { host_buffer(4096, 0x77), host_buffer(4096, 0) };
	struct pollfd pfd = { .events = POLLIN };
	struct accelrt_run *run;

	(void)state;
	assert_int_equal(accelrt_run(prog, set, 2, UQ, &run), 0);
	pfd.fd = accelrt_run_sync_file(run);
	assert_true(pfd.fd >= 0);
	assert_int_equal(poll(&pfd, 1, 10000), 1);
	assert_true(pfd.revents & POLLIN);
	/* readable means over: the result is there without waiting */
	assert_bytes(map_of(set[1]), 4096, 0x77);
	assert_int_equal(accelrt_run_wait(run, 0), 0);
	accel_sys_close(pfd.fd);
	accelrt_run_free(run);
	accelrt_program_free(prog);
	accelrt_buffer_free(set[0]);
	accelrt_buffer_free(set[1]);
}

static void user_queue_fault_fails_the_run_and_the_next_run_succeeds(void **state)
{
	struct accelrt_buffer *b = host_buffer(4096, 0);
	struct at_stream s = { 0 };
	struct accelrt_program *bad, *good;

	(void)state;
	/* the page after a buffer is its unbound guard page */
	at_fill(&s, 0, accelrt_buffer_size(b), 64, 1);
	assert_int_equal(accelrt_program_create(dev, s.buf, s.len, s.relocs, 1, &bad), 0);
	assert_int_equal(accelrt_run_sync(bad, &b, 1, UQ), -EFAULT);
	/* The stopped queue is replaced: the next run goes to a new one. */
	memset(&s, 0, sizeof(s));
	at_fill(&s, 0, 0, 64, 0x21);
	assert_int_equal(accelrt_program_create(dev, s.buf, s.len, s.relocs, 1, &good), 0);
	assert_int_equal(accelrt_run_sync(good, &b, 1, UQ), 0);
	assert_bytes(map_of(b), 64, 0x21);
	accelrt_program_free(bad);
	accelrt_program_free(good);
	accelrt_buffer_free(b);
}

static int add_one(void *ctx, void *const *maps, unsigned int nslots)
{
	(void)ctx;
	if (nslots < 2 || !maps[1])
		return -EINVAL;
	for (int i = 0; i < 256; i++)
		((uint8_t *)maps[1])[i]++;
	return 0;
}

static void staged_program_runs_its_device_stages_on_the_user_queue(void **state)
{
	struct accelrt_buffer *set[3] = { host_buffer(4096, 0x10), host_buffer(4096, 0),
					  host_buffer(4096, 0) };
	struct at_stream in = { 0 }, out = { 0 };
	struct accelrt_program *prog;

	(void)state;
	/* COPY 0 -> 1; host: 1 += 1; COPY 1 -> 2 */
	at_copy(&in, 0, 0, 1, 0, 256);
	at_copy(&out, 1, 0, 2, 0, 256);
	assert_int_equal(accelrt_program_new(dev, &prog), 0);
	assert_int_equal(accelrt_program_add_stream(prog, in.buf, in.len, in.relocs, in.nrelocs), 0);
	assert_int_equal(accelrt_program_add_host(prog, add_one, NULL, 2), 0);
	assert_int_equal(accelrt_program_add_stream(prog, out.buf, out.len, out.relocs,
						    out.nrelocs), 0);
	assert_int_equal(accelrt_run_sync(prog, set, 3, UQ), 0);
	assert_bytes(map_of(set[2]), 256, 0x11);
	accelrt_program_free(prog);
	for (int i = 0; i < 3; i++)
		accelrt_buffer_free(set[i]);
}

static void user_queue_with_the_dma_engine_is_einval(void **state)
{
	struct accelrt_program *prog = copy_program(4096);
	struct accelrt_buffer *set[2] = { host_buffer(4096, 0), host_buffer(4096, 0) };
	struct accelrt_run *run = NULL;

	(void)state;
	assert_int_equal(accelrt_run(prog, set, 2, UQ | ACCELRT_RUN_DMA, &run), -EINVAL);
	assert_null(run);
	accelrt_program_free(prog);
	accelrt_buffer_free(set[0]);
	accelrt_buffer_free(set[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(user_queue_run_writes_its_buffers),
		cmocka_unit_test(eight_user_queue_runs_in_flight_all_complete),
		cmocka_unit_test(user_queue_run_sync_file_polls_readable_once_done),
		cmocka_unit_test(user_queue_fault_fails_the_run_and_the_next_run_succeeds),
		cmocka_unit_test(staged_program_runs_its_device_stages_on_the_user_queue),
		cmocka_unit_test(user_queue_with_the_dma_engine_is_einval),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

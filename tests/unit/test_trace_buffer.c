// SPDX-License-Identifier: MIT
/*
 * The trace buffer (core/trace.c): tracepoints record nothing while tracing is off; events
 * come out in the order recorded with their fields; a full buffer drops and counts; one
 * reader at a time; concurrent producers lose nothing that is not counted; the tracing node
 * starts, reads and (on close) stops tracing.
 *
 * The buffer's capacity is fixed by the first enable of the process: the group set-up makes
 * it TEST_RING events.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <accel/trace.h>
#include <libaccel.h>

#include "helpers.h"

#define TEST_RING 64
#define PRODUCERS 4
#define PER_PRODUCER 20000

static void drain(void)
{
	struct accel_trace_event ev[TEST_RING];

	while (accel_trace_read(ev, TEST_RING, NULL))
		;
}

static int group_setup(void **state)
{
	(void)state;
	if (accel_trace_enable(TEST_RING))
		return -1;
	accel_trace_disable();
	return test_embedded_start("trace-buffer", NULL);
}

static int group_teardown(void **state)
{
	(void)state;
	return test_embedded_stop();
}

static void nothing_is_recorded_while_tracing_is_off(void **state)
{
	struct accel_trace_event ev[4];
	uint64_t dropped = 1;

	(void)state;
	assert_int_equal(accel_trace_enable(0), 0);
	accel_trace_disable();
	drain();
	ACCEL_TRACE(ACCEL_TRACE_SUBMIT, 1, 2, 3, 0, 0, 0, 0, "off");
	assert_int_equal(accel_trace_read(ev, 4, &dropped), 0);
	assert_int_equal(dropped, 0);
}

static void events_come_out_in_order_with_their_fields(void **state)
{
	struct accel_trace_event ev[4];

	(void)state;
	assert_int_equal(accel_trace_enable(0), 0);
	ACCEL_TRACE(ACCEL_TRACE_SUBMIT, 11, 12, 13, 14, 15, 16, -5, "compute0");
	ACCEL_TRACE(ACCEL_TRACE_RUN, 21, 12, 13, 0, 0, 0, 0, NULL);
	accel_trace_disable();
	assert_int_equal(accel_trace_read(ev, 4, NULL), 2);
	assert_int_equal(ev[0].type, ACCEL_TRACE_SUBMIT);
	assert_int_equal(ev[0].track, 11);
	assert_int_equal(ev[0].ctx, 12);
	assert_int_equal(ev[0].seqno, 13);
	assert_int_equal(ev[0].arg[0], 14);
	assert_int_equal(ev[0].arg[2], 16);
	assert_int_equal(ev[0].error, -5);
	assert_int_equal(ev[0].pid, getpid());
	assert_string_equal(ev[0].name, "compute0");
	assert_int_equal(ev[1].type, ACCEL_TRACE_RUN);
	assert_string_equal(ev[1].name, "");
	assert_true(ev[1].ts_ns >= ev[0].ts_ns);
}

static void a_full_buffer_drops_and_counts(void **state)
{
	struct accel_trace_event ev[TEST_RING];
	uint64_t dropped = 0;
	int i;

	(void)state;
	assert_int_equal(accel_trace_enable(0), 0);
	for (i = 0; i < TEST_RING + 10; i++)
		ACCEL_TRACE(ACCEL_TRACE_SUBMIT, 1, 1, i, 0, 0, 0, 0, NULL);
	accel_trace_disable();
	assert_int_equal(accel_trace_read(ev, TEST_RING, &dropped), TEST_RING);
	assert_int_equal(dropped, 10);
	/* The first ones are kept: a producer never overwrites what the reader has not taken. */
	assert_int_equal(ev[0].seqno, 0);
	assert_int_equal(ev[TEST_RING - 1].seqno, TEST_RING - 1);
}

static void a_second_reader_is_refused(void **state)
{
	(void)state;
	assert_int_equal(accel_trace_enable(0), 0);
	assert_int_equal(accel_trace_enable(0), -EBUSY);
	accel_trace_disable();
	drain();
}

static void *producer(void *arg)
{
	uintptr_t id = (uintptr_t)arg;
	int i;

	for (i = 0; i < PER_PRODUCER; i++)
		ACCEL_TRACE(ACCEL_TRACE_SUBMIT, id, id, i, 0, 0, 0, 0, NULL);
	return NULL;
}

static void concurrent_producers_lose_only_what_is_counted(void **state)
{
	static struct accel_trace_event ev[TEST_RING];
	int64_t last[PRODUCERS];
	pthread_t t[PRODUCERS];
	uint64_t got = 0, dropped = 0;
	uintptr_t p;
	int running = PRODUCERS;
	size_t n, i;

	(void)state;
	for (p = 0; p < PRODUCERS; p++)
		last[p] = -1;
	assert_int_equal(accel_trace_enable(0), 0);
	for (p = 0; p < PRODUCERS; p++)
		assert_int_equal(pthread_create(&t[p], NULL, producer, (void *)p), 0);
	for (;;) {
		n = accel_trace_read(ev, TEST_RING, &dropped);
		for (i = 0; i < n; i++) {
			/* Each producer's events in its own order, none seen twice. */
			assert_true(ev[i].track < PRODUCERS);
			assert_true((int64_t)ev[i].seqno > last[ev[i].track]);
			last[ev[i].track] = (int64_t)ev[i].seqno;
		}
		got += n;
		if (!running && !n)
			break;
		if (running && got + dropped == (uint64_t)PRODUCERS * PER_PRODUCER) {
			for (p = 0; p < PRODUCERS; p++)
				pthread_join(t[p], NULL);
			running = 0;
		}
	}
	accel_trace_disable();
	accel_trace_read(ev, 0, &dropped);
	assert_int_equal(got + dropped, (uint64_t)PRODUCERS * PER_PRODUCER);
}

static void the_tracing_node_starts_reads_and_stops_on_close(void **state)
{
	struct accel_trace_start st = { 0 };
	struct accel_trace_read *rd = calloc(1, sizeof(*rd));
	char path[4096];
	int fd;

	(void)state;
	if (geteuid() != 0) {
		free(rd);
		print_message("not root: the tracing node needs CAP_SYS_ADMIN\n");
		skip();
	}
	assert_non_null(rd);
	snprintf(path, sizeof(path), "%s/sys/kernel/debug/accel/tracing", accel_root());
	fd = accel_sys_open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(accel_sys_ioctl(fd, ACCEL_TRACE_IOC_START, &st), 0);
	ACCEL_TRACE(ACCEL_TRACE_VNPU_RESET, 7, 0, 0, 0, 0, 0, 0, "dma0");
	rd->max = ACCEL_TRACE_READ_MAX;
	assert_int_equal(accel_sys_ioctl(fd, ACCEL_TRACE_IOC_READ, rd), 0);
	assert_int_equal(rd->count, 1);
	assert_int_equal(rd->events[0].type, ACCEL_TRACE_VNPU_RESET);
	assert_string_equal(rd->events[0].name, "dma0");
	assert_int_equal(accel_sys_close(fd), 0);
	assert_int_equal(__atomic_load_n(&accel_trace_on, __ATOMIC_RELAXED), 0);
	free(rd);
}

/* Open and start the tracing node; its descriptor. */
static int node_start(void)
{
	struct accel_trace_start st = { 0 };
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/sys/kernel/debug/accel/tracing", accel_root());
	fd = accel_sys_open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(accel_sys_ioctl(fd, ACCEL_TRACE_IOC_START, &st), 0);
	return fd;
}

/* The seqnos of the events one READ of @fd returns, in order, into @seq; how many. */
static size_t node_read_seqnos(int fd, uint64_t *seq, size_t max)
{
	struct accel_trace_read *rd = calloc(1, sizeof(*rd));
	size_t i, n;

	assert_non_null(rd);
	rd->max = ACCEL_TRACE_READ_MAX;
	assert_int_equal(accel_sys_ioctl(fd, ACCEL_TRACE_IOC_READ, rd), 0);
	assert_int_equal(rd->dropped, 0);
	n = rd->count;
	for (i = 0; i < n && i < max; i++)
		seq[i] = rd->events[i].seqno;
	free(rd);
	return n;
}

static void two_node_readers_each_get_every_event_from_their_start(void **state)
{
	uint64_t seq[8];
	int a, b;

	(void)state;
	if (geteuid() != 0) {
		print_message("not root: the tracing node needs CAP_SYS_ADMIN\n");
		skip();
	}
	a = node_start();
	ACCEL_TRACE(ACCEL_TRACE_VNPU_RESET, 7, 0, 1, 0, 0, 0, 0, "dma0");
	b = node_start();
	ACCEL_TRACE(ACCEL_TRACE_VNPU_RESET, 7, 0, 2, 0, 0, 0, 0, "dma0");
	/* B read first: A still gets both, B only what came after its start. */
	assert_int_equal(node_read_seqnos(b, seq, 8), 1);
	assert_int_equal(seq[0], 2);
	assert_int_equal(node_read_seqnos(a, seq, 8), 2);
	assert_int_equal(seq[0], 1);
	assert_int_equal(seq[1], 2);
	/* Tracing stays on while one reader remains, and that one still gets events. */
	assert_int_equal(accel_sys_close(a), 0);
	assert_int_equal(__atomic_load_n(&accel_trace_on, __ATOMIC_RELAXED), 1);
	ACCEL_TRACE(ACCEL_TRACE_VNPU_RESET, 7, 0, 3, 0, 0, 0, 0, "dma0");
	assert_int_equal(node_read_seqnos(b, seq, 8), 1);
	assert_int_equal(seq[0], 3);
	assert_int_equal(accel_sys_close(b), 0);
	assert_int_equal(__atomic_load_n(&accel_trace_on, __ATOMIC_RELAXED), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nothing_is_recorded_while_tracing_is_off),
		cmocka_unit_test(events_come_out_in_order_with_their_fields),
		cmocka_unit_test(a_full_buffer_drops_and_counts),
		cmocka_unit_test(a_second_reader_is_refused),
		cmocka_unit_test(concurrent_producers_lose_only_what_is_counted),
		cmocka_unit_test(the_tracing_node_starts_reads_and_stops_on_close),
		cmocka_unit_test(two_node_readers_each_get_every_event_from_their_start),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

// SPDX-License-Identifier: MIT
/*
 * The shared-memory request ring between libaccel and acceld (wire/shm_ring.h): requests
 * and replies across processes, many threads on one ring, the fallbacks to the socket, and
 * a dead peer on either side never hanging the other.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "wire/shm_ring.h"

/* The op a test server answers by reversing the body and returning its length. */
#define OP_REVERSE 100
/* The op a test server answers -ENOTTY, as an unknown ioctl. */
#define OP_BAD 101
/* The op after which a test server stops. */
#define OP_QUIT 102

/* The peer is alive while the other end of its pipe is open (as the socket's hang-up). */
static bool pipe_alive(void *ctx)
{
	struct pollfd p = { *(int *)ctx, POLLIN, 0 };

	return poll(&p, 1, 0) == 0;
}

static void serve_one(struct accel_shm_ring *r, int idx, uint32_t op, unsigned char *buf, uint32_t len)
{
	unsigned char out[ACCEL_SHM_SLOT_DATA];

	if (op == OP_BAD) {
		accel_shm_ring_reply(r, idx, -ENOTTY, NULL, 0);
		return;
	}
	for (uint32_t i = 0; i < len; i++)
		out[i] = buf[len - 1 - i];
	accel_shm_ring_reply(r, idx, (int32_t)len, out, len);
}

struct server_thread {
	struct accel_shm_ring *r;
	int quit_seen;
};

static void *server_loop(void *arg)
{
	struct server_thread *st = arg;
	unsigned char buf[ACCEL_SHM_SLOT_DATA];
	uint32_t op, len;

	for (;;) {
		int idx = accel_shm_ring_take(st->r, buf, &op, &len, -1);

		if (idx < 0)
			return NULL; /* the client is gone */
		if (op == OP_QUIT) {
			accel_shm_ring_reply(st->r, idx, 0, NULL, 0);
			return NULL;
		}
		serve_one(st->r, idx, op, buf, len);
	}
}

struct fixture {
	struct accel_shm_ring ring;
	int to_server[2];   /* the server watches [0]; the client holds [1] */
	int to_client[2];   /* the client watches [0]; the server holds [1] */
	pid_t server;
};

static void fixture_stop(struct fixture *f)
{
	close(f->to_server[1]); /* the server sees its client gone and exits */
	waitpid(f->server, NULL, 0);
	close(f->to_client[0]);
	accel_shm_ring_destroy(&f->ring);
}

/* A server process with @nthreads threads on a new ring; it exits when the client's pipe hangs up. */
static pid_t start_server_direct(struct fixture *f, int nthreads)
{
	if (accel_shm_ring_create(&f->ring) < 0 || pipe2(f->to_server, O_CLOEXEC) < 0 ||
	    pipe2(f->to_client, O_CLOEXEC) < 0)
		return -1;
	f->server = fork();
	if (f->server == 0) {
		struct accel_shm_ring r;
		pthread_t th[8];
		struct server_thread st;

		close(f->to_server[1]);
		close(f->to_client[0]);
		if (accel_shm_ring_attach(&r, f->ring.fd) < 0)
			_exit(2);
		accel_shm_ring_set_liveness(&r, pipe_alive, &f->to_server[0], 100);
		st.r = &r;
		for (int i = 0; i < nthreads; i++)
			pthread_create(&th[i], NULL, server_loop, &st);
		for (int i = 0; i < nthreads; i++)
			pthread_join(th[i], NULL);
		_exit(0);
	}
	close(f->to_server[0]);
	close(f->to_client[1]);
	accel_shm_ring_set_liveness(&f->ring, pipe_alive, &f->to_client[0], 100);
	return f->server;
}

static void test_request_reply_through_ring(void **state)
{
	struct fixture f;
	unsigned char req[5] = { 1, 2, 3, 4, 5 }, rep[16];
	size_t rep_len = 0;
	int32_t result = 0;

	(void)state;
	assert_true(start_server_direct(&f, 1) > 0);
	assert_int_equal(accel_shm_ring_call(&f.ring, OP_REVERSE, req, sizeof(req), rep, sizeof(rep),
					     &rep_len, &result), 0);
	assert_int_equal(result, 5);
	assert_int_equal(rep_len, 5);
	assert_int_equal(rep[0], 5);
	assert_int_equal(rep[4], 1);
	fixture_stop(&f);
}

static void test_error_result_carried_as_the_server_gave_it(void **state)
{
	struct fixture f;
	unsigned char rep[16];
	size_t rep_len = 99;
	int32_t result = 0;

	(void)state;
	assert_true(start_server_direct(&f, 1) > 0);
	assert_int_equal(accel_shm_ring_call(&f.ring, OP_BAD, "x", 1, rep, sizeof(rep), &rep_len,
					     &result), 0);
	assert_int_equal(result, -ENOTTY);
	assert_int_equal(rep_len, 0);
	fixture_stop(&f);
}

static void test_request_larger_than_a_slot_falls_back_to_socket(void **state)
{
	struct accel_shm_ring r;
	static unsigned char big[ACCEL_SHM_SLOT_DATA + 1];
	size_t rep_len;
	int32_t result;

	(void)state;
	assert_int_equal(accel_shm_ring_create(&r), 0);
	assert_int_equal(accel_shm_ring_call(&r, OP_REVERSE, big, sizeof(big), big, sizeof(big),
					     &rep_len, &result), -EAGAIN);
	/* No slot was taken by the refused call. */
	for (int i = 0; i < ACCEL_SHM_RING_SLOTS; i++)
		assert_int_equal(r.sh->slots[i].state, ACCEL_SHM_SLOT_FREE);
	accel_shm_ring_destroy(&r);
}

static void test_all_slots_busy_falls_back_to_socket(void **state)
{
	struct accel_shm_ring r;
	unsigned char rep[8];
	size_t rep_len;
	int32_t result;

	(void)state;
	assert_int_equal(accel_shm_ring_create(&r), 0);
	for (int i = 0; i < ACCEL_SHM_RING_SLOTS; i++)
		r.sh->slots[i].state = ACCEL_SHM_SLOT_SERVING;
	assert_int_equal(accel_shm_ring_call(&r, OP_REVERSE, "ab", 2, rep, sizeof(rep), &rep_len,
					     &result), -EAGAIN);
	accel_shm_ring_destroy(&r);
}

static void test_reply_larger_than_buffer_is_emsgsize(void **state)
{
	struct fixture f;
	unsigned char req[32] = { 0 }, rep[4];
	size_t rep_len;
	int32_t result;

	(void)state;
	assert_true(start_server_direct(&f, 1) > 0);
	assert_int_equal(accel_shm_ring_call(&f.ring, OP_REVERSE, req, sizeof(req), rep, sizeof(rep),
					     &rep_len, &result), -EMSGSIZE);
	/* The slot came back: the ring still serves. */
	assert_int_equal(accel_shm_ring_call(&f.ring, OP_REVERSE, req, 2, rep, sizeof(rep), &rep_len,
					     &result), 0);
	assert_int_equal(result, 2);
	fixture_stop(&f);
}

#define CLIENT_THREADS 8
#define CALLS_PER_THREAD 500

struct client_thread {
	struct accel_shm_ring *r;
	unsigned int id;
	int failures;
	int fallbacks;
};

static void *client_loop(void *arg)
{
	struct client_thread *ct = arg;

	for (unsigned int i = 0; i < CALLS_PER_THREAD; i++) {
		uint32_t req[3] = { ct->id, i, ct->id ^ i }, rep[3];
		size_t rep_len = 0;
		int32_t result = 0;
		int err = accel_shm_ring_call(ct->r, OP_REVERSE, req, sizeof(req), rep, sizeof(rep),
					      &rep_len, &result);

		if (err == -EAGAIN) {
			ct->fallbacks++;
			continue;
		}
		/* Byte-reversed: the reply is this thread's own request, not another's. */
		unsigned char *a = (unsigned char *)req, *b = (unsigned char *)rep;
		bool mine = err == 0 && result == (int32_t)sizeof(req) && rep_len == sizeof(req);

		for (size_t k = 0; mine && k < sizeof(req); k++)
			mine = a[k] == b[sizeof(req) - 1 - k];
		if (!mine)
			ct->failures++;
	}
	return NULL;
}

static void test_many_threads_share_one_ring(void **state)
{
	struct fixture f;
	pthread_t th[CLIENT_THREADS];
	struct client_thread ct[CLIENT_THREADS];
	int served = 0;

	(void)state;
	assert_true(start_server_direct(&f, 3) > 0);
	for (unsigned int i = 0; i < CLIENT_THREADS; i++) {
		ct[i] = (struct client_thread){ &f.ring, i, 0, 0 };
		assert_int_equal(pthread_create(&th[i], NULL, client_loop, &ct[i]), 0);
	}
	for (unsigned int i = 0; i < CLIENT_THREADS; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(ct[i].failures, 0);
		served += CALLS_PER_THREAD - ct[i].fallbacks;
	}
	/* 8 threads, 16 slots: every call found a slot. */
	assert_int_equal(served, CLIENT_THREADS * CALLS_PER_THREAD);
	fixture_stop(&f);
}

static void test_server_killed_mid_request_gives_enodev(void **state)
{
	struct fixture f;
	unsigned char rep[8];
	size_t rep_len;
	int32_t result;
	int to_client[2];
	pid_t pid;

	(void)state;
	assert_int_equal(accel_shm_ring_create(&f.ring), 0);
	assert_int_equal(pipe2(to_client, O_CLOEXEC), 0);
	pid = fork();
	if (pid == 0) {
		/* Takes the request and dies without answering it. */
		struct accel_shm_ring r;
		unsigned char buf[ACCEL_SHM_SLOT_DATA];
		uint32_t op, len;

		close(to_client[0]);
		if (accel_shm_ring_attach(&r, f.ring.fd) < 0)
			_exit(2);
		accel_shm_ring_take(&r, buf, &op, &len, -1);
		raise(SIGKILL);
		_exit(3);
	}
	close(to_client[1]);
	accel_shm_ring_set_liveness(&f.ring, pipe_alive, &to_client[0], 50);
	assert_int_equal(accel_shm_ring_call(&f.ring, OP_REVERSE, "ab", 2, rep, sizeof(rep), &rep_len,
					     &result), -ENODEV);
	waitpid(pid, NULL, 0);
	close(to_client[0]);
	accel_shm_ring_destroy(&f.ring);
}

static void test_client_killed_mid_request_leaves_server_serving(void **state)
{
	struct accel_shm_ring srv;
	unsigned char buf[ACCEL_SHM_SLOT_DATA], rep[8];
	uint32_t op, len;
	int32_t result;
	size_t rep_len;
	int idx;
	pid_t pid;
	struct fixture f;

	(void)state;
	assert_int_equal(accel_shm_ring_create(&f.ring), 0);
	assert_int_equal(accel_shm_ring_attach(&srv, f.ring.fd), 0);
	pid = fork();
	if (pid == 0) {
		accel_shm_ring_call(&f.ring, OP_REVERSE, "dead", 4, rep, sizeof(rep), &rep_len, &result);
		_exit(0);
	}
	idx = accel_shm_ring_take(&srv, buf, &op, &len, 60000);
	assert_true(idx >= 0);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	/* Answering a client that is gone neither blocks nor fails. */
	assert_int_equal(accel_shm_ring_reply(&srv, idx, 0, NULL, 0), 0);
	/* Another thread of the same client, served by another server thread, goes on. */
	pthread_t th;
	struct server_thread st = { &srv, 0 };

	assert_int_equal(pthread_create(&th, NULL, server_loop, &st), 0);
	assert_int_equal(accel_shm_ring_call(&f.ring, OP_REVERSE, "ok", 2, rep, sizeof(rep),
					     &rep_len, &result), 0);
	assert_int_equal(result, 2);
	assert_int_equal(accel_shm_ring_call(&f.ring, OP_QUIT, NULL, 0, rep, sizeof(rep), &rep_len,
					     &result), 0);
	pthread_join(th, NULL);
	accel_shm_ring_destroy(&srv);
	accel_shm_ring_destroy(&f.ring);
}

static void test_take_without_request_times_out(void **state)
{
	struct accel_shm_ring r;
	unsigned char buf[ACCEL_SHM_SLOT_DATA];
	uint32_t op, len;

	(void)state;
	assert_int_equal(accel_shm_ring_create(&r), 0);
	assert_int_equal(accel_shm_ring_take(&r, buf, &op, &len, 20), -ETIMEDOUT);
	accel_shm_ring_destroy(&r);
}

static void test_take_of_out_of_range_length_answers_einval(void **state)
{
	struct accel_shm_ring r;
	unsigned char buf[ACCEL_SHM_SLOT_DATA];
	uint32_t op, len;

	(void)state;
	assert_int_equal(accel_shm_ring_create(&r), 0);
	/* As a hostile client would write it, past the API. */
	r.sh->slots[3].len = ACCEL_SHM_SLOT_DATA + 1;
	r.sh->slots[3].state = ACCEL_SHM_SLOT_POSTED;
	assert_int_equal(accel_shm_ring_take(&r, buf, &op, &len, 1000), -EPROTO);
	assert_int_equal(r.sh->slots[3].state, ACCEL_SHM_SLOT_REPLIED);
	assert_int_equal(r.sh->slots[3].result, -EINVAL);
	accel_shm_ring_destroy(&r);
}

static void test_attach_refuses_unsealed_memfd(void **state)
{
	struct accel_shm_ring r;
	int fd = memfd_create("plain", MFD_CLOEXEC);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)accel_shm_ring_size()), 0);
	assert_int_equal(accel_shm_ring_attach(&r, fd), -EINVAL);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_reply_through_ring),
		cmocka_unit_test(test_error_result_carried_as_the_server_gave_it),
		cmocka_unit_test(test_request_larger_than_a_slot_falls_back_to_socket),
		cmocka_unit_test(test_all_slots_busy_falls_back_to_socket),
		cmocka_unit_test(test_reply_larger_than_buffer_is_emsgsize),
		cmocka_unit_test(test_many_threads_share_one_ring),
		cmocka_unit_test(test_server_killed_mid_request_gives_enodev),
		cmocka_unit_test(test_client_killed_mid_request_leaves_server_serving),
		cmocka_unit_test(test_take_without_request_times_out),
		cmocka_unit_test(test_take_of_out_of_range_length_answers_einval),
		cmocka_unit_test(test_attach_refuses_unsealed_memfd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

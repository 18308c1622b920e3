// SPDX-License-Identifier: MIT
/*
 * accelrt, the runtime, on the embedded default vnpu: buffers at runtime-chosen VAs,
 * position-independent programs relocated into different buffer sets, matmul against a C
 * reference, runs in flight together, sync_files, argument errors and job faults.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <libaccel.h>
#include "helpers.h"
#include "test_accelrt.h"

static struct accelrt_device *dev;

static int setup(void **state)
{
	(void)state;
	if (test_embedded_start("accelrt", NULL))
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
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != v)
			fail_msg("byte %zu is 0x%02x, not 0x%02x", i, p[i], v);
}

/* FILL slot 0 [64, 64 + 256) with 0x5a, COPY it to slot 1 at 128. */
static struct accelrt_program *fill_copy_program(void)
{
	struct at_stream s = { 0 };
	struct accelrt_program *prog;

	at_fill(&s, 0, 64, 256, 0x5a);
	at_copy(&s, 0, 64, 1, 128, 256);
	assert_int_equal(accelrt_program_create(dev, s.buf, s.len, s.relocs, s.nrelocs, &prog), 0);
	assert_int_equal(accelrt_program_slots(prog), 2);
	return prog;
}

static void program_relocated_into_two_buffer_sets_writes_each_set(void **state)
{
	struct accelrt_program *prog = fill_copy_program();
	struct accelrt_buffer *set[2][2];
	int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		set[i][0] = host_buffer(4096, 0x11);
		set[i][1] = host_buffer(4096, 0x22);
	}
	assert_int_equal(accelrt_run_sync(prog, set[0], 2, 0), 0);
	/* the second set is untouched until its own run */
	assert_bytes(map_of(set[1][0]), 4096, 0x11);
	assert_bytes(map_of(set[1][1]), 4096, 0x22);
	assert_int_equal(accelrt_run_sync(prog, set[1], 2, 0), 0);
	for (i = 0; i < 2; i++) {
		uint8_t *src = map_of(set[i][0]), *dst = map_of(set[i][1]);

		assert_bytes(src, 64, 0x11);
		assert_bytes(src + 64, 256, 0x5a);
		assert_bytes(src + 320, 4096 - 320, 0x11);
		assert_bytes(dst, 128, 0x22);
		assert_bytes(dst + 128, 256, 0x5a);
		assert_bytes(dst + 384, 4096 - 384, 0x22);
		accelrt_buffer_free(set[i][0]);
		accelrt_buffer_free(set[i][1]);
	}
	accelrt_program_free(prog);
}

static void program_runs_on_the_dma_engine_too(void **state)
{
	struct accelrt_program *prog = fill_copy_program();
	struct accelrt_buffer *set[2] = { host_buffer(4096, 0), host_buffer(4096, 0) };

	(void)state;
	assert_int_equal(accelrt_run_sync(prog, set, 2, ACCELRT_RUN_DMA), 0);
	assert_bytes(map_of(set[1]) + 128, 256, 0x5a);
	accelrt_buffer_free(set[0]);
	accelrt_buffer_free(set[1]);
	accelrt_program_free(prog);
}

static void vram_buffer_round_trips_through_a_copy_program(void **state)
{
	struct at_stream s = { 0 };
	struct accelrt_buffer *in = host_buffer(8192, 0), *out = host_buffer(8192, 0), *vram;
	struct accelrt_buffer *slots[3];
	struct accelrt_program *prog;
	uint8_t *p = map_of(in);
	void *map;
	int i;

	(void)state;
	for (i = 0; i < 8192; i++)
		p[i] = (uint8_t)(i * 7 + 3);
	assert_int_equal(accelrt_buffer_alloc(dev, 8192, 0, &vram), 0);
	assert_int_equal(accelrt_buffer_map(vram, &map), -EACCES);
	at_copy(&s, 0, 0, 1, 0, 8192);
	at_copy(&s, 1, 0, 2, 0, 8192);
	assert_int_equal(accelrt_program_create(dev, s.buf, s.len, s.relocs, s.nrelocs, &prog), 0);
	slots[0] = in;
	slots[1] = vram;
	slots[2] = out;
	assert_int_equal(accelrt_run_sync(prog, slots, 3, 0), 0);
	assert_memory_equal(map_of(out), p, 8192);
	accelrt_program_free(prog);
	accelrt_buffer_free(vram);
	accelrt_buffer_free(in);
	accelrt_buffer_free(out);
}

static void matmul_program_matches_the_c_reference(void **state)
{
	enum { M = 7, N = 5, K = 9 };
	struct vnpu_pkt_matmul p = { .src_type = VNPU_DT_F32, .dst_type = VNPU_DT_F32, .batch = 1,
				     .m = M, .n = N, .k = K, .act = VNPU_ACT_NONE };
	struct accelrt_buffer *slots[3] = { host_buffer(M * K * 4, 0), host_buffer(K * N * 4, 0),
					    host_buffer(M * N * 4, 0xff) };
	float *a = (float *)map_of(slots[0]), *b = (float *)map_of(slots[1]);
	float *c = (float *)map_of(slots[2]);
	struct at_stream s = { 0 };
	struct accelrt_program *prog;
	size_t off;
	int i, j, k;

	(void)state;
	for (i = 0; i < M * K; i++)
		a[i] = (float)((i % 11) - 5) * 0.25f;
	for (i = 0; i < K * N; i++)
		b[i] = (float)((i % 7) - 3) * 0.5f;
	off = at_emit(&s, VNPU_OP_MATMUL, &p, sizeof(p));
	at_reloc(&s, off, offsetof(struct vnpu_pkt_matmul, a_va), 0, 0);
	at_reloc(&s, off, offsetof(struct vnpu_pkt_matmul, b_va), 1, 0);
	at_reloc(&s, off, offsetof(struct vnpu_pkt_matmul, c_va), 2, 0);
	assert_int_equal(accelrt_program_create(dev, s.buf, s.len, s.relocs, s.nrelocs, &prog), 0);
	assert_int_equal(accelrt_run_sync(prog, slots, 3, 0), 0);
	for (i = 0; i < M; i++) {
		for (j = 0; j < N; j++) {
			double ref = 0;

			for (k = 0; k < K; k++)
				ref += (double)a[i * K + k] * b[k * N + j];
			/* small multiples of 1/8: exact in binary32 */
			assert_float_equal(c[i * N + j], ref, 1e-5);
		}
	}
	accelrt_program_free(prog);
	for (i = 0; i < 3; i++)
		accelrt_buffer_free(slots[i]);
}

static void eight_runs_in_flight_all_complete(void **state)
{
	enum { RUNS = 8, SIZE = 16384 };
	struct at_stream s = { 0 };
	struct accelrt_buffer *set[RUNS][2];
	struct accelrt_run *run[RUNS];
	struct accelrt_program *prog;
	int i;

	(void)state;
	at_copy(&s, 0, 0, 1, 0, SIZE);
	assert_int_equal(accelrt_program_create(dev, s.buf, s.len, s.relocs, s.nrelocs, &prog), 0);
	for (i = 0; i < RUNS; i++) {
		set[i][0] = host_buffer(SIZE, (uint8_t)(0x40 + i));
		set[i][1] = host_buffer(SIZE, 0);
	}
	for (i = 0; i < RUNS; i++)
		assert_int_equal(accelrt_run(prog, set[i], 2, 0, &run[i]), 0);
	/* the program may go while its runs are in flight: each has its own stream */
	accelrt_program_free(prog);
	for (i = RUNS - 1; i >= 0; i--) {
		assert_int_equal(accelrt_run_wait(run[i], 10ll * 1000000000), 0);
		assert_bytes(map_of(set[i][1]), SIZE, (uint8_t)(0x40 + i));
		accelrt_run_free(run[i]);
		accelrt_buffer_free(set[i][0]);
		accelrt_buffer_free(set[i][1]);
	}
}

static void sync_file_of_a_run_polls_readable_once_done(void **state)
{
	struct accelrt_program *prog = fill_copy_program();
	struct accelrt_buffer *set[2] = { host_buffer(4096, 0), host_buffer(4096, 0) };
	struct accelrt_run *run;
	struct pollfd pfd = { .events = POLLIN };

	(void)state;
	assert_int_equal(accelrt_run(prog, set, 2, 0, &run), 0);
	pfd.fd = accelrt_run_sync_file(run);
	assert_true(pfd.fd >= 0);
	assert_int_equal(poll(&pfd, 1, 10000), 1);
	assert_true(pfd.revents & POLLIN);
	/* readable means over: the result is there without waiting */
	assert_int_equal(accelrt_run_wait(run, 0), 0);
	assert_bytes(map_of(set[1]) + 128, 256, 0x5a);
	accel_sys_close(pfd.fd);
	accelrt_run_free(run);
	accelrt_program_free(prog);
	accelrt_buffer_free(set[0]);
	accelrt_buffer_free(set[1]);
}

static void reloc_outside_the_stream_is_einval(void **state)
{
	struct at_stream s = { 0 };
	struct accelrt_program *prog = NULL;

	(void)state;
	at_fill(&s, 0, 0, 64, 1);
	s.relocs[0].offset = s.len - 4;
	assert_int_equal(accelrt_program_create(dev, s.buf, s.len, s.relocs, 1, &prog), -EINVAL);
	s.relocs[0].offset = s.len;
	assert_int_equal(accelrt_program_create(dev, s.buf, s.len, s.relocs, 1, &prog), -EINVAL);
	s.relocs[0].offset = 12; /* inside, misaligned */
	assert_int_equal(accelrt_program_create(dev, s.buf, s.len, s.relocs, 1, &prog), -EINVAL);
	assert_null(prog);
}

static void slot_out_of_range_is_einval(void **state)
{
	struct accelrt_program *prog = fill_copy_program();
	struct accelrt_buffer *set[2] = { host_buffer(4096, 0), NULL };
	struct accelrt_run *run = NULL;
	struct at_stream s = { 0 };

	(void)state;
	/* the program uses slots 0 and 1: one slot, or an empty slot 1, is not enough */
	assert_int_equal(accelrt_run(prog, set, 1, 0, &run), -EINVAL);
	assert_int_equal(accelrt_run(prog, set, 2, 0, &run), -EINVAL);
	assert_null(run);
	accelrt_program_free(prog);
	at_fill(&s, ACCELRT_MAX_SLOTS, 0, 64, 1);
	assert_int_equal(accelrt_program_create(dev, s.buf, s.len, s.relocs, 1, &prog), -EINVAL);
	accelrt_buffer_free(set[0]);
}

static void job_writing_past_its_buffer_faults_on_wait(void **state)
{
	struct accelrt_buffer *b = host_buffer(4096, 0);
	struct at_stream s = { 0 };
	struct accelrt_program *prog;
	struct accelrt_run *run;

	(void)state;
	/* the page after a buffer is its unbound guard page */
	at_fill(&s, 0, accelrt_buffer_size(b), 64, 1);
	assert_int_equal(accelrt_program_create(dev, s.buf, s.len, s.relocs, 1, &prog), 0);
	assert_int_equal(accelrt_run(prog, &b, 1, 0, &run), 0);
	assert_int_equal(accelrt_run_wait(run, 10ll * 1000000000), -EFAULT);
	accelrt_run_free(run);
	/* the device goes on: the next run of a good program succeeds */
	accelrt_program_free(prog);
	memset(&s, 0, sizeof(s));
	at_fill(&s, 0, 0, 64, 1);
	assert_int_equal(accelrt_program_create(dev, s.buf, s.len, s.relocs, 1, &prog), 0);
	assert_int_equal(accelrt_run_sync(prog, &b, 1, 0), 0);
	accelrt_program_free(prog);
	accelrt_buffer_free(b);
}

static void malformed_packet_reports_einval_on_wait(void **state)
{
	struct vnpu_pkt_dma_fill p = { .size = 64, .value = 0, .width = 3 };
	struct accelrt_buffer *b = host_buffer(4096, 0);
	struct at_stream s = { 0 };
	struct accelrt_program *prog;
	size_t off;

	(void)state;
	off = at_emit(&s, VNPU_OP_DMA_FILL, &p, sizeof(p));
	at_reloc(&s, off, offsetof(struct vnpu_pkt_dma_fill, dst_va), 0, 0);
	assert_int_equal(accelrt_program_create(dev, s.buf, s.len, s.relocs, 1, &prog), 0);
	assert_int_equal(accelrt_run_sync(prog, &b, 1, 0), -EINVAL);
	accelrt_program_free(prog);
	accelrt_buffer_free(b);
}

static void bad_program_length_is_einval(void **state)
{
	uint64_t words[2] = { 0 };
	struct accelrt_program *prog = NULL;

	(void)state;
	assert_int_equal(accelrt_program_create(dev, words, 0, NULL, 0, &prog), -EINVAL);
	assert_int_equal(accelrt_program_create(dev, words, 12, NULL, 0, &prog), -EINVAL);
	assert_null(prog);
}

static void buffer_alloc_rejects_zero_size_and_unknown_flags(void **state)
{
	struct accelrt_buffer *b = NULL;

	(void)state;
	assert_int_equal(accelrt_buffer_alloc(dev, 0, ACCELRT_BUFFER_HOST, &b), -EINVAL);
	assert_int_equal(accelrt_buffer_alloc(dev, 4096, 1u << 7, &b), -EINVAL);
	assert_null(b);
}

static void buffers_get_disjoint_vas_and_a_freed_va_is_reused(void **state)
{
	struct accelrt_buffer *a = host_buffer(100000, 0), *b = host_buffer(4096, 0), *c;
	uint64_t va_a = accelrt_buffer_va(a);

	(void)state;
	assert_true(va_a >= VNPU_VA_START);
	assert_true(accelrt_buffer_va(b) >= va_a + accelrt_buffer_size(a) + VNPU_VA_PAGE_SIZE ||
		    accelrt_buffer_va(b) + accelrt_buffer_size(b) + VNPU_VA_PAGE_SIZE <= va_a);
	accelrt_buffer_free(a);
	c = host_buffer(100000, 0);
	assert_int_equal(accelrt_buffer_va(c), va_a);
	accelrt_buffer_free(b);
	accelrt_buffer_free(c);
}

/* A host stage: slot 1's first 256 bytes are slot 0's at 64, plus one; counts its calls. */
struct plus_one {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int hold;	/* while set, the stage waits (the async test's gate) */
	int calls;
	int error;	/* returned instead of working when non-zero */
};

static int plus_one_stage(void *ctx, void *const *maps, unsigned int nslots)
{
	struct plus_one *p = ctx;
	const uint8_t *src;
	uint8_t *dst;

	pthread_mutex_lock(&p->lock);
	while (p->hold)
		pthread_cond_wait(&p->cond, &p->lock);
	p->calls++;
	pthread_mutex_unlock(&p->lock);
	if (p->error)
		return p->error;
	if (nslots < 2 || !maps[0] || !maps[1])
		return -EINVAL;
	src = (const uint8_t *)maps[0] + 64;
	dst = maps[1];
	for (int i = 0; i < 256; i++)
		dst[i] = (uint8_t)(src[i] + 1);
	return 0;
}

/* FILL slot 0 with 0x5a; host: slot 1 = slot 0 + 1; COPY slot 1 to slot 2. */
static struct accelrt_program *staged_program(struct plus_one *p)
{
	struct at_stream fill = { 0 }, copy = { 0 };
	struct accelrt_program *prog;

	at_fill(&fill, 0, 64, 256, 0x5a);
	at_copy(&copy, 1, 0, 2, 0, 256);
	assert_int_equal(accelrt_program_new(dev, &prog), 0);
	assert_int_equal(accelrt_program_add_stream(prog, fill.buf, fill.len, fill.relocs,
						    fill.nrelocs), 0);
	assert_int_equal(accelrt_program_add_host(prog, plus_one_stage, p, 2), 0);
	assert_int_equal(accelrt_program_add_stream(prog, copy.buf, copy.len, copy.relocs,
						    copy.nrelocs), 0);
	assert_int_equal(accelrt_program_stages(prog), 3);
	assert_int_equal(accelrt_program_slots(prog), 3);
	return prog;
}

static void plus_one_init(struct plus_one *p)
{
	memset(p, 0, sizeof(*p));
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
}

static void staged_program_runs_device_host_device_in_order(void **state)
{
	struct plus_one p;
	struct accelrt_program *prog;
	struct accelrt_buffer *set[3] = { host_buffer(4096, 0), host_buffer(4096, 0),
					  host_buffer(4096, 0) };

	(void)state;
	plus_one_init(&p);
	prog = staged_program(&p);
	assert_int_equal(accelrt_run_sync(prog, set, 3, 0), 0);
	assert_int_equal(p.calls, 1);
	/* The host saw the fill's result, and the copy the host's. */
	assert_bytes(map_of(set[2]), 256, 0x5b);
	accelrt_program_free(prog);
	for (int i = 0; i < 3; i++)
		accelrt_buffer_free(set[i]);
}

static void staged_run_is_over_only_after_its_host_stage(void **state)
{
	struct plus_one p;
	struct accelrt_program *prog;
	struct accelrt_buffer *set[3] = { host_buffer(4096, 0), host_buffer(4096, 0),
					  host_buffer(4096, 0) };
	struct pollfd pfd = { .events = POLLIN };
	struct accelrt_run *run;

	(void)state;
	plus_one_init(&p);
	p.hold = 1;
	prog = staged_program(&p);
	assert_int_equal(accelrt_run(prog, set, 3, 0, &run), 0);
	/* The program may go while its run is in flight. */
	accelrt_program_free(prog);
	assert_int_equal(accelrt_run_wait(run, 20 * 1000000ll), -ETIME);
	assert_bytes(map_of(set[2]), 256, 0);
	pthread_mutex_lock(&p.lock);
	p.hold = 0;
	pthread_cond_broadcast(&p.cond);
	pthread_mutex_unlock(&p.lock);
	/* The fence is the whole run's: readable means the last device stage is done too. */
	pfd.fd = accelrt_run_sync_file(run);
	assert_true(pfd.fd >= 0);
	assert_int_equal(poll(&pfd, 1, 10000), 1);
	assert_bytes(map_of(set[2]), 256, 0x5b);
	assert_int_equal(accelrt_run_wait(run, 0), 0);
	accel_sys_close(pfd.fd);
	accelrt_run_free(run);
	for (int i = 0; i < 3; i++)
		accelrt_buffer_free(set[i]);
}

static void host_stage_error_ends_the_run(void **state)
{
	struct plus_one p;
	struct accelrt_program *prog;
	struct accelrt_buffer *set[3] = { host_buffer(4096, 0), host_buffer(4096, 0),
					  host_buffer(4096, 0) };

	(void)state;
	plus_one_init(&p);
	p.error = -EDOM;
	prog = staged_program(&p);
	assert_int_equal(accelrt_run_sync(prog, set, 3, 0), -EDOM);
	/* The copy after it never ran. */
	assert_bytes(map_of(set[2]), 256, 0);
	accelrt_program_free(prog);
	for (int i = 0; i < 3; i++)
		accelrt_buffer_free(set[i]);
}

static void two_staged_runs_in_flight_keep_their_own_buffers(void **state)
{
	struct plus_one p;
	struct accelrt_program *prog;
	struct accelrt_buffer *set[2][3];
	struct accelrt_run *run[2];

	(void)state;
	plus_one_init(&p);
	prog = staged_program(&p);
	for (int r = 0; r < 2; r++) {
		for (int i = 0; i < 3; i++)
			set[r][i] = host_buffer(4096, (uint8_t)r);
		assert_int_equal(accelrt_run(prog, set[r], 3, 0, &run[r]), 0);
	}
	for (int r = 0; r < 2; r++) {
		assert_int_equal(accelrt_run_wait(run[r], INT64_MAX), 0);
		assert_bytes(map_of(set[r][2]), 256, 0x5b);
		accelrt_run_free(run[r]);
		for (int i = 0; i < 3; i++)
			accelrt_buffer_free(set[r][i]);
	}
	assert_int_equal(p.calls, 2);
	accelrt_program_free(prog);
}

static void stage_added_after_runs_still_fits_the_run_buffer(void **state)
{
	struct accelrt_buffer *set[2] = { host_buffer(4096, 0x5c), host_buffer(4096, 0) };
	struct at_stream small = { 0 }, big = { 0 };
	struct accelrt_program *prog;

	(void)state;
	at_copy(&small, 0, 0, 1, 0, 64);
	assert_int_equal(accelrt_program_create(dev, small.buf, small.len, small.relocs,
						small.nrelocs, &prog), 0);
	/* the run's buffer goes back to the program, sized for the one short stage */
	assert_int_equal(accelrt_run_sync(prog, set, 2, 0), 0);
	for (int i = 0; i < 30; i++)
		at_copy(&big, 0, 0, 1, (uint64_t)i * 128, 128);
	assert_true(big.len > small.len * 16);
	assert_int_equal(accelrt_program_add_stream(prog, big.buf, big.len, big.relocs,
						    big.nrelocs), 0);
	assert_int_equal(accelrt_run_sync(prog, set, 2, 0), 0);
	assert_bytes(map_of(set[1]), 30 * 128, 0x5c);
	accelrt_program_free(prog);
	accelrt_buffer_free(set[0]);
	accelrt_buffer_free(set[1]);
}

static void host_stage_without_a_function_is_einval(void **state)
{
	struct accelrt_program *prog;

	(void)state;
	assert_int_equal(accelrt_program_new(dev, &prog), 0);
	assert_int_equal(accelrt_program_add_host(prog, NULL, NULL, 1), -EINVAL);
	/* A program without stages has nothing to run. */
	assert_int_equal(accelrt_run(prog, NULL, 0, 0, &(struct accelrt_run *){ NULL }), -EINVAL);
	accelrt_program_free(prog);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(program_relocated_into_two_buffer_sets_writes_each_set),
		cmocka_unit_test(program_runs_on_the_dma_engine_too),
		cmocka_unit_test(vram_buffer_round_trips_through_a_copy_program),
		cmocka_unit_test(matmul_program_matches_the_c_reference),
		cmocka_unit_test(eight_runs_in_flight_all_complete),
		cmocka_unit_test(sync_file_of_a_run_polls_readable_once_done),
		cmocka_unit_test(staged_program_runs_device_host_device_in_order),
		cmocka_unit_test(staged_run_is_over_only_after_its_host_stage),
		cmocka_unit_test(host_stage_error_ends_the_run),
		cmocka_unit_test(two_staged_runs_in_flight_keep_their_own_buffers),
		cmocka_unit_test(stage_added_after_runs_still_fits_the_run_buffer),
		cmocka_unit_test(host_stage_without_a_function_is_einval),
		cmocka_unit_test(reloc_outside_the_stream_is_einval),
		cmocka_unit_test(slot_out_of_range_is_einval),
		cmocka_unit_test(job_writing_past_its_buffer_faults_on_wait),
		cmocka_unit_test(malformed_packet_reports_einval_on_wait),
		cmocka_unit_test(bad_program_length_is_einval),
		cmocka_unit_test(buffer_alloc_rejects_zero_size_and_unknown_flags),
		cmocka_unit_test(buffers_get_disjoint_vas_and_a_freed_va_is_reused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

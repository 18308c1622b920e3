// SPDX-License-Identifier: MIT
/*
 * accelrt chained stages on the embedded default vnpu: one run is a DMA-in job (host input to
 * a VRAM staging buffer, FENCE_WRITE sem[0]), a compute job (SEM_WAIT sem[0], NEG over the
 * staging copy, FENCE_WRITE sem[1]) and a DMA-out job (SEM_WAIT sem[1], staging to the host
 * output), submitted back to back by the run's worker. Right results, runs in flight each on
 * their own buffers, semaphores zeroed per run, and a failing job that ends the run with its
 * error instead of leaving the others waiting (every wait here is bounded).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "test_accelrt.h"

/* The run's slots: host input and output, VRAM staging, host semaphores. */
enum { SLOT_IN, SLOT_OUT, SLOT_STAGING, SLOT_SEM, NSLOTS };

#define N_ELEMS 1024
#define BYTES (N_ELEMS * sizeof(float))
/* A bounded wait: far above what the jobs take, so only a hang reaches it. */
#define WAIT_NS (20ll * 1000000000ll)

static struct accelrt_device *dev;

static int setup(void **state)
{
	(void)state;
	/*
	 * A job timeout far above the bounded waits: a job left waiting on a semaphore must be
	 * released by the runtime, not ended by the device's timeout (2 s by default).
	 */
	if (test_embedded_start("accelrt_chain",
				"[vnpu.0]\ndriver = vnpu\njob_timeout_ms = 600000\n"))
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

static void at_fence(struct at_stream *s, uint32_t slot, uint64_t addend, uint64_t value)
{
	struct vnpu_pkt_fence_write p = { .value = value };
	size_t off = at_emit(s, VNPU_OP_FENCE_WRITE, &p, sizeof(p));

	at_reloc(s, off, offsetof(struct vnpu_pkt_fence_write, va), slot, addend);
}

static void at_sem_wait(struct at_stream *s, uint32_t slot, uint64_t addend, uint64_t value)
{
	struct vnpu_pkt_sem_wait p = { .value = value };
	size_t off = at_emit(s, VNPU_OP_SEM_WAIT, &p, sizeof(p));

	at_reloc(s, off, offsetof(struct vnpu_pkt_sem_wait, va), slot, addend);
}

/* dst = -src over N_ELEMS floats, from slot @src + @src_add into slot @dst + @dst_add. */
static void at_neg(struct at_stream *s, uint32_t src, uint64_t src_add, uint32_t dst,
		   uint64_t dst_add)
{
	struct vnpu_pkt_unary p = { .dtype = VNPU_DT_F32, .op = VNPU_UNARY_NEG,
				    .count = N_ELEMS };
	size_t off = at_emit(s, VNPU_OP_UNARY, &p, sizeof(p));

	at_reloc(s, off, offsetof(struct vnpu_pkt_unary, src_va), src, src_add);
	at_reloc(s, off, offsetof(struct vnpu_pkt_unary, dst_va), dst, dst_add);
}

/*
 * The three-stage program. @bad_in: the DMA-in copy reads past the input (a fault);
 * @bad_compute: the compute packet writes past the staging buffer.
 */
static struct accelrt_program *chain_program(bool bad_in, bool bad_compute)
{
	struct at_stream in = { 0 }, comp = { 0 }, out = { 0 };
	struct accelrt_program *prog;

	at_copy(&in, SLOT_IN, bad_in ? 1u << 30 : 0, SLOT_STAGING, 0, BYTES);
	at_fence(&in, SLOT_SEM, 0, 1);
	at_sem_wait(&comp, SLOT_SEM, 0, 1);
	at_neg(&comp, SLOT_STAGING, 0, SLOT_STAGING, bad_compute ? 1u << 30 : BYTES);
	at_fence(&comp, SLOT_SEM, 8, 1);
	at_sem_wait(&out, SLOT_SEM, 8, 1);
	at_copy(&out, SLOT_STAGING, BYTES, SLOT_OUT, 0, BYTES);

	assert_int_equal(accelrt_program_new(dev, &prog), 0);
	assert_int_equal(accelrt_program_add_stream_flags(prog, in.buf, in.len, in.relocs,
		in.nrelocs, ACCELRT_STAGE_DMA | ACCELRT_STAGE_NO_WAIT), 0);
	assert_int_equal(accelrt_program_add_stream_flags(prog, comp.buf, comp.len, comp.relocs,
		comp.nrelocs, ACCELRT_STAGE_NO_WAIT), 0);
	assert_int_equal(accelrt_program_add_stream_flags(prog, out.buf, out.len, out.relocs,
		out.nrelocs, ACCELRT_STAGE_DMA), 0);
	assert_int_equal(accelrt_program_set_semaphores(prog, SLOT_SEM, 16), 0);
	assert_int_equal(accelrt_program_slots(prog), NSLOTS);
	return prog;
}

/* One run's buffers, the input filled with @seed + i, the output poisoned. */
static void buffers_new(struct accelrt_buffer **b, float seed)
{
	void *map;

	assert_int_equal(accelrt_buffer_alloc(dev, BYTES, ACCELRT_BUFFER_HOST, &b[SLOT_IN]), 0);
	assert_int_equal(accelrt_buffer_alloc(dev, BYTES, ACCELRT_BUFFER_HOST, &b[SLOT_OUT]), 0);
	assert_int_equal(accelrt_buffer_alloc(dev, 2 * BYTES, 0, &b[SLOT_STAGING]), 0);
	assert_int_equal(accelrt_buffer_alloc(dev, 16, ACCELRT_BUFFER_HOST, &b[SLOT_SEM]), 0);
	assert_int_equal(accelrt_buffer_map(b[SLOT_IN], &map), 0);
	for (unsigned int i = 0; i < N_ELEMS; i++)
		((float *)map)[i] = seed + (float)i;
	assert_int_equal(accelrt_buffer_map(b[SLOT_OUT], &map), 0);
	memset(map, 0x7f, BYTES);
}

static void buffers_free(struct accelrt_buffer **b)
{
	for (unsigned int i = 0; i < NSLOTS; i++)
		accelrt_buffer_free(b[i]);
}

static void assert_negated(struct accelrt_buffer **b, float seed)
{
	void *map;

	assert_int_equal(accelrt_buffer_map(b[SLOT_OUT], &map), 0);
	for (unsigned int i = 0; i < N_ELEMS; i++)
		if (((float *)map)[i] != -(seed + (float)i))
			fail_msg("output %u is %g, not %g", i, ((float *)map)[i], -(seed + (float)i));
}

static int run_bounded(struct accelrt_program *prog, struct accelrt_buffer **b)
{
	struct accelrt_run *run;
	int ret;

	assert_int_equal(accelrt_run(prog, b, NSLOTS, 0, &run), 0);
	ret = accelrt_run_wait(run, WAIT_NS);
	/* A hung chain would block the free too: only free a run that is over. */
	if (ret != -ETIME)
		accelrt_run_free(run);
	return ret;
}

static void dma_compute_dma_chain_computes_through_vram_staging(void **state)
{
	struct accelrt_program *prog = chain_program(false, false);
	struct accelrt_buffer *b[NSLOTS];

	(void)state;
	buffers_new(b, 1.5f);
	assert_int_equal(run_bounded(prog, b), 0);
	assert_negated(b, 1.5f);
	buffers_free(b);
	accelrt_program_free(prog);
}

static void four_runs_in_flight_each_get_their_own_results(void **state)
{
	struct accelrt_program *prog = chain_program(false, false);
	struct accelrt_buffer *b[4][NSLOTS];
	struct accelrt_run *run[4];

	(void)state;
	for (int r = 0; r < 4; r++)
		buffers_new(b[r], 1000.0f * (float)r);
	for (int r = 0; r < 4; r++)
		assert_int_equal(accelrt_run(prog, b[r], NSLOTS, 0, &run[r]), 0);
	for (int r = 0; r < 4; r++) {
		assert_int_equal(accelrt_run_wait(run[r], WAIT_NS), 0);
		accelrt_run_free(run[r]);
	}
	for (int r = 0; r < 4; r++) {
		assert_negated(b[r], 1000.0f * (float)r);
		buffers_free(b[r]);
	}
	accelrt_program_free(prog);
}

static void semaphores_are_zeroed_at_each_run_then_raised_by_the_jobs(void **state)
{
	struct accelrt_program *prog = chain_program(false, false);
	struct accelrt_buffer *b[NSLOTS];
	uint64_t *sem;

	(void)state;
	buffers_new(b, 3.0f);
	assert_int_equal(accelrt_buffer_map(b[SLOT_SEM], (void **)&sem), 0);
	/* Stale values that, left alone, would end as they are, not as the jobs write them. */
	sem[0] = 7;
	sem[1] = 9;
	assert_int_equal(run_bounded(prog, b), 0);
	assert_int_equal(sem[0], 1);
	assert_int_equal(sem[1], 1);
	assert_negated(b, 3.0f);
	buffers_free(b);
	accelrt_program_free(prog);
}

static void failing_compute_stage_fails_the_run_without_hanging_the_dma_out(void **state)
{
	struct accelrt_program *prog = chain_program(false, true);
	struct accelrt_buffer *b[NSLOTS];

	(void)state;
	buffers_new(b, 0.0f);
	assert_int_equal(run_bounded(prog, b), -EFAULT);
	buffers_free(b);
	accelrt_program_free(prog);
}

static void failing_dma_in_stage_fails_the_run_without_hanging_the_compute(void **state)
{
	struct accelrt_program *prog = chain_program(true, false);
	struct accelrt_buffer *b[NSLOTS];

	(void)state;
	buffers_new(b, 0.0f);
	assert_int_equal(run_bounded(prog, b), -EFAULT);
	buffers_free(b);
	accelrt_program_free(prog);
}

static void run_after_a_failed_chain_succeeds(void **state)
{
	struct accelrt_program *bad = chain_program(false, true);
	struct accelrt_program *good = chain_program(false, false);
	struct accelrt_buffer *b[NSLOTS];

	(void)state;
	buffers_new(b, 2.0f);
	assert_int_equal(run_bounded(bad, b), -EFAULT);
	assert_int_equal(run_bounded(good, b), 0);
	assert_negated(b, 2.0f);
	buffers_free(b);
	accelrt_program_free(bad);
	accelrt_program_free(good);
}

static void semaphore_slot_in_vram_is_einval(void **state)
{
	struct accelrt_program *prog = chain_program(false, false);
	struct accelrt_buffer *b[NSLOTS], *host_sem;
	struct accelrt_run *run;

	(void)state;
	buffers_new(b, 0.0f);
	host_sem = b[SLOT_SEM];
	assert_int_equal(accelrt_buffer_alloc(dev, 16, 0, &b[SLOT_SEM]), 0);
	assert_int_equal(accelrt_run(prog, b, NSLOTS, 0, &run), -EINVAL);
	accelrt_buffer_free(b[SLOT_SEM]);
	b[SLOT_SEM] = host_sem;
	buffers_free(b);
	accelrt_program_free(prog);
}

static void bad_stage_flags_and_semaphore_sizes_are_einval(void **state)
{
	struct at_stream s = { 0 };
	struct accelrt_program *prog;

	(void)state;
	at_fill(&s, 0, 0, 64, 1);
	assert_int_equal(accelrt_program_new(dev, &prog), 0);
	assert_int_equal(accelrt_program_add_stream_flags(prog, s.buf, s.len, s.relocs, s.nrelocs,
							  1u << 7), -EINVAL);
	assert_int_equal(accelrt_program_set_semaphores(prog, 0, 12), -EINVAL);
	assert_int_equal(accelrt_program_set_semaphores(prog, 0, 0), -EINVAL);
	assert_int_equal(accelrt_program_set_semaphores(prog, ACCELRT_MAX_SLOTS, 8), -EINVAL);
	assert_int_equal(accelrt_program_stages(prog), 0);
	accelrt_program_free(prog);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dma_compute_dma_chain_computes_through_vram_staging),
		cmocka_unit_test(four_runs_in_flight_each_get_their_own_results),
		cmocka_unit_test(semaphores_are_zeroed_at_each_run_then_raised_by_the_jobs),
		cmocka_unit_test(failing_compute_stage_fails_the_run_without_hanging_the_dma_out),
		cmocka_unit_test(failing_dma_in_stage_fails_the_run_without_hanging_the_compute),
		cmocka_unit_test(run_after_a_failed_chain_succeeds),
		cmocka_unit_test(semaphore_slot_in_vram_is_einval),
		cmocka_unit_test(bad_stage_flags_and_semaphore_sizes_are_einval),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

// SPDX-License-Identifier: MIT
/*
 * The vedge device model's register protocol, as the driver relies on it (docs/vedge.md):
 * identification registers; KICK runs the stream at CMD_BASE and raises IRQ_STATUS.DONE,
 * which asserts the line when unmasked and IRQ_CLEAR acknowledges; errors (unpowered kick,
 * a refused command, an operand outside its window) raise ERROR with ERROR_CODE and
 * ERROR_CMD; RESET stops a hung stream and returns with the NPU idle, raising nothing; the
 * SRAM window moves words and the SRAM loses them when powered down; performance counters
 * count and clear. Each test drives a fresh model through its registers alone.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "helpers.h"
#include "drivers/vedge/vedge_hw.h"
#include "drivers/vedge/vedge_regs.h"
#include <uapi/drm/vedge_accel.h>

struct line {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned int asserted;
};

struct t {
	struct vedge_hw *hw;
	struct line line;
	uint8_t mem[4096];
	struct vedge_cmd cmds[64];
	unsigned int n;
};

static void irq_line(void *ctx)
{
	struct line *l = ctx;

	pthread_mutex_lock(&l->lock);
	l->asserted++;
	pthread_cond_broadcast(&l->cond);
	pthread_mutex_unlock(&l->lock);
}

static unsigned int line_count(struct t *t)
{
	unsigned int n;

	pthread_mutex_lock(&t->line.lock);
	n = t->line.asserted;
	pthread_mutex_unlock(&t->line.lock);
	return n;
}

/* Wait (bounded: 10 s) until the line has been asserted @n times in all. */
static void wait_line(struct t *t, unsigned int n)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 10;
	pthread_mutex_lock(&t->line.lock);
	while (t->line.asserted < n)
		if (pthread_cond_timedwait(&t->line.cond, &t->line.lock, &ts) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&t->line.lock);
	assert_true(line_count(t) >= n);
}

static int setup(void **state, bool dma)
{
	struct t *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	pthread_mutex_init(&t->line.lock, NULL);
	pthread_cond_init(&t->line.cond, NULL);
	if (vedge_hw_create(dma, 4096, irq_line, &t->line, &t->hw)) {
		free(t);
		return -1;
	}
	*state = t;
	return 0;
}

static int setup_dma(void **state) { return setup(state, true); }
static int setup_nodma(void **state) { return setup(state, false); }

static int teardown(void **state)
{
	struct t *t = *state;

	vedge_hw_destroy(t->hw);
	pthread_cond_destroy(&t->line.cond);
	pthread_mutex_destroy(&t->line.lock);
	free(t);
	return 0;
}

static uint32_t rd(struct t *t, uint32_t off) { return vedge_hw_reg_read(t->hw, off); }
static void wr(struct t *t, uint32_t off, uint32_t v) { vedge_hw_reg_write(t->hw, off, v); }

static void power_on(struct t *t)
{
	wr(t, VEDGE_REG_POWER, VEDGE_POWER_ON);
	wr(t, VEDGE_REG_CLOCK, VEDGE_CLOCK_ENABLE);
	wr(t, VEDGE_REG_IRQ_MASK, VEDGE_IRQ_ALL);
}

static void cmd(struct t *t, uint16_t op, uint16_t param, uint32_t value)
{
	t->cmds[t->n++] = (struct vedge_cmd){ op, param, value };
}

/* Region 0 = t->mem; the stream at t->cmds; kick. */
static void kick_dma(struct t *t)
{
	uintptr_t cmds = (uintptr_t)t->cmds, mem = (uintptr_t)t->mem;

	wr(t, VEDGE_REG_REGION_BASE_LO(0), (uint32_t)mem);
	wr(t, VEDGE_REG_REGION_BASE_HI(0), (uint32_t)((uint64_t)mem >> 32));
	wr(t, VEDGE_REG_REGION_SIZE(0), sizeof(t->mem));
	wr(t, VEDGE_REG_CMD_BASE_LO, (uint32_t)cmds);
	wr(t, VEDGE_REG_CMD_BASE_HI, (uint32_t)((uint64_t)cmds >> 32));
	wr(t, VEDGE_REG_CMD_LENGTH, t->n * (uint32_t)sizeof(struct vedge_cmd));
	wr(t, VEDGE_REG_CONTROL, VEDGE_CONTROL_KICK);
}

static void copy_stream(struct t *t, uint32_t src, uint32_t dst, uint32_t len)
{
	cmd(t, VEDGE_SET_DMA_SRC_OFFSET, 0, src);
	cmd(t, VEDGE_SET_DMA_DST_OFFSET, 0, dst);
	cmd(t, VEDGE_SET_DMA_LENGTH, 0, len);
	cmd(t, VEDGE_OP_DMA_COPY, 0, 0);
}

static void test_identification(void **state)
{
	struct t *t = *state;

	assert_int_equal(rd(t, VEDGE_REG_ID), VEDGE_ID_VALUE);
	assert_int_equal(rd(t, VEDGE_REG_VERSION), VEDGE_VERSION_VALUE);
	assert_int_equal(rd(t, VEDGE_REG_CONFIG), VEDGE_CONFIG_HAS_DMA);
	assert_int_equal(rd(t, VEDGE_REG_SRAM_SIZE), 4096);
	assert_int_equal(rd(t, VEDGE_REG_STATUS), 0); /* off at reset */
}

static void test_kick_runs_stream_raises_done_and_clear_acks(void **state)
{
	struct t *t = *state;

	power_on(t);
	assert_int_equal(rd(t, VEDGE_REG_STATUS), VEDGE_STATUS_POWERED);
	for (int i = 0; i < 64; i++)
		t->mem[i] = (uint8_t)i;
	copy_stream(t, 0, 1024, 64);
	kick_dma(t);
	wait_line(t, 1);
	assert_int_equal(rd(t, VEDGE_REG_IRQ_STATUS), VEDGE_IRQ_DONE);
	assert_int_equal(rd(t, VEDGE_REG_STATUS) & VEDGE_STATUS_BUSY, 0);
	assert_memory_equal(t->mem + 1024, t->mem, 64);
	wr(t, VEDGE_REG_IRQ_CLEAR, VEDGE_IRQ_DONE);
	assert_int_equal(rd(t, VEDGE_REG_IRQ_STATUS), 0);
}

static void test_masked_irq_does_not_assert_line(void **state)
{
	struct t *t = *state;

	power_on(t);
	wr(t, VEDGE_REG_IRQ_MASK, 0);
	copy_stream(t, 0, 1024, 8);
	kick_dma(t);
	/* Bounded poll of STATUS, as a driver without an interrupt would. */
	for (int i = 0; i < 10000000 && !rd(t, VEDGE_REG_IRQ_STATUS); i++)
		;
	assert_int_equal(rd(t, VEDGE_REG_IRQ_STATUS), VEDGE_IRQ_DONE);
	assert_int_equal(line_count(t), 0);
	/* Unmasking a raised bit asserts the line. */
	wr(t, VEDGE_REG_IRQ_MASK, VEDGE_IRQ_DONE);
	wait_line(t, 1);
}

static void test_kick_unpowered_is_an_error(void **state)
{
	struct t *t = *state;

	wr(t, VEDGE_REG_IRQ_MASK, VEDGE_IRQ_ALL);
	copy_stream(t, 0, 1024, 8);
	kick_dma(t);
	wait_line(t, 1);
	assert_int_equal(rd(t, VEDGE_REG_IRQ_STATUS), VEDGE_IRQ_ERROR);
	assert_int_equal(rd(t, VEDGE_REG_ERROR_CODE), VEDGE_ERR_NOT_POWERED);
}

static void test_operand_outside_window_is_a_bus_fault(void **state)
{
	struct t *t = *state;

	power_on(t);
	cmd(t, VEDGE_CMD_NOP, 0, 0);
	copy_stream(t, 4000, 0, 200); /* past the 4 KiB window */
	kick_dma(t);
	wait_line(t, 1);
	assert_int_equal(rd(t, VEDGE_REG_IRQ_STATUS), VEDGE_IRQ_ERROR);
	assert_int_equal(rd(t, VEDGE_REG_ERROR_CODE), VEDGE_ERR_BUS_FAULT);
	assert_int_equal(rd(t, VEDGE_REG_ERROR_CMD), 4);
}

static void test_unknown_command_is_refused(void **state)
{
	struct t *t = *state;

	power_on(t);
	cmd(t, 0x7e, 0, 0);
	kick_dma(t);
	wait_line(t, 1);
	assert_int_equal(rd(t, VEDGE_REG_ERROR_CODE), VEDGE_ERR_BAD_CMD);
	assert_int_equal(rd(t, VEDGE_REG_ERROR_CMD), 0);
}

static void test_reset_stops_hung_stream_without_irq(void **state)
{
	struct t *t = *state;

	power_on(t);
	vedge_hw_inject(t->hw, VEDGE_HW_HANG, 1);
	copy_stream(t, 0, 1024, 8);
	kick_dma(t);
	assert_true(rd(t, VEDGE_REG_STATUS) & VEDGE_STATUS_BUSY);
	wr(t, VEDGE_REG_CONTROL, VEDGE_CONTROL_RESET);
	assert_int_equal(rd(t, VEDGE_REG_STATUS) & VEDGE_STATUS_BUSY, 0);
	assert_int_equal(rd(t, VEDGE_REG_IRQ_STATUS), 0);
	assert_int_equal(line_count(t), 0);
	/* The NPU runs the next stream normally. */
	kick_dma(t);
	wait_line(t, 1);
	assert_int_equal(rd(t, VEDGE_REG_IRQ_STATUS), VEDGE_IRQ_DONE);
}

static void test_sram_window_round_trip_and_power_loss(void **state)
{
	struct t *t = *state;
	uint32_t words[4] = { 0x11223344, 0xdeadbeef, 0, 0xffffffff };

	power_on(t);
	wr(t, VEDGE_REG_SRAM_WIN_OFFSET, 64);
	for (int i = 0; i < 4; i++)
		wr(t, VEDGE_REG_SRAM_WIN_DATA, words[i]);
	assert_int_equal(rd(t, VEDGE_REG_SRAM_WIN_OFFSET), 64 + 16);
	wr(t, VEDGE_REG_SRAM_WIN_OFFSET, 64);
	for (int i = 0; i < 4; i++)
		assert_int_equal(rd(t, VEDGE_REG_SRAM_WIN_DATA), words[i]);
	/* Past the end the window reads 0 and writes nothing. */
	wr(t, VEDGE_REG_SRAM_WIN_OFFSET, 4096);
	wr(t, VEDGE_REG_SRAM_WIN_DATA, 1);
	assert_int_equal(rd(t, VEDGE_REG_SRAM_WIN_DATA), 0);
	wr(t, VEDGE_REG_POWER, 0);
	wr(t, VEDGE_REG_POWER, VEDGE_POWER_ON);
	wr(t, VEDGE_REG_SRAM_WIN_OFFSET, 64);
	assert_int_equal(rd(t, VEDGE_REG_SRAM_WIN_DATA), 0);
}

/* Without DMA, regions and the stream are SRAM offsets. */
static void test_dmaless_runs_from_sram(void **state)
{
	struct t *t = *state;
	struct vedge_cmd c[4] = {
		{ VEDGE_SET_IFM_DEPTH, 0, 8 }, { VEDGE_SET_OFM_DEPTH, 0, 8 },
		{ VEDGE_SET_OFM_REGION, 0, 1 }, { VEDGE_OP_MAXPOOL, 0, 0 },
	};
	uint32_t in[2] = { 0x04030201, 0x08070605 };

	power_on(t);
	assert_int_equal(rd(t, VEDGE_REG_CONFIG), 0);
	wr(t, VEDGE_REG_SRAM_WIN_OFFSET, 0);
	wr(t, VEDGE_REG_SRAM_WIN_DATA, in[0]);
	wr(t, VEDGE_REG_SRAM_WIN_DATA, in[1]);
	wr(t, VEDGE_REG_SRAM_WIN_OFFSET, 256);
	for (int i = 0; i < 8; i++) {
		uint32_t w;

		memcpy(&w, (uint8_t *)c + 4 * i, 4);
		wr(t, VEDGE_REG_SRAM_WIN_DATA, w);
	}
	wr(t, VEDGE_REG_REGION_BASE_LO(0), 0);
	wr(t, VEDGE_REG_REGION_SIZE(0), 64);
	wr(t, VEDGE_REG_REGION_BASE_LO(1), 128);
	wr(t, VEDGE_REG_REGION_SIZE(1), 64);
	wr(t, VEDGE_REG_CMD_BASE_LO, 256);
	wr(t, VEDGE_REG_CMD_LENGTH, sizeof(c));
	wr(t, VEDGE_REG_SCRATCH_BASE, 512);
	wr(t, VEDGE_REG_CONTROL, VEDGE_CONTROL_KICK);
	wait_line(t, 1);
	assert_int_equal(rd(t, VEDGE_REG_IRQ_STATUS), VEDGE_IRQ_DONE);
	wr(t, VEDGE_REG_SRAM_WIN_OFFSET, 128);
	assert_int_equal(rd(t, VEDGE_REG_SRAM_WIN_DATA), in[0]); /* 1x1 max pool: a copy */
	assert_int_equal(rd(t, VEDGE_REG_SRAM_WIN_DATA), in[1]);
	/* DMA commands do not exist here. */
	wr(t, VEDGE_REG_IRQ_CLEAR, VEDGE_IRQ_ALL);
	c[0] = (struct vedge_cmd){ VEDGE_SET_DMA_LENGTH, 0, 4 };
	wr(t, VEDGE_REG_SRAM_WIN_OFFSET, 256);
	for (int i = 0; i < 2; i++) {
		uint32_t w;

		memcpy(&w, (uint8_t *)c + 4 * i, 4);
		wr(t, VEDGE_REG_SRAM_WIN_DATA, w);
	}
	wr(t, VEDGE_REG_CMD_LENGTH, 8);
	wr(t, VEDGE_REG_CONTROL, VEDGE_CONTROL_KICK);
	wait_line(t, 2);
	assert_int_equal(rd(t, VEDGE_REG_ERROR_CODE), VEDGE_ERR_BAD_CMD);
}

static void test_perf_counters_count_and_clear(void **state)
{
	struct t *t = *state;

	power_on(t);
	/* FULLY_CONNECTED 16 -> 4: 64 MACs; weights at 64, scales at 256, output at 512. */
	for (int i = 0; i < 4; i++) {
		struct vedge_scale_entry e = { 0, 1 << 30, 0 };

		memcpy(t->mem + 256 + i * sizeof(e), &e, sizeof(e));
	}
	cmd(t, VEDGE_SET_IFM_DEPTH, 0, 16);
	cmd(t, VEDGE_SET_OFM_DEPTH, 0, 4);
	cmd(t, VEDGE_SET_OFM_OFFSET, 0, 512);
	cmd(t, VEDGE_SET_WEIGHT_OFFSET, 0, 64);
	cmd(t, VEDGE_SET_WEIGHT_LENGTH, 0, 64);
	cmd(t, VEDGE_SET_SCALE_OFFSET, 0, 256);
	cmd(t, VEDGE_SET_SCALE_LENGTH, 0, 4 * sizeof(struct vedge_scale_entry));
	cmd(t, VEDGE_OP_FULLY_CONNECTED, 0, 0);
	kick_dma(t);
	wait_line(t, 1);
	assert_int_equal(rd(t, VEDGE_REG_IRQ_STATUS), VEDGE_IRQ_DONE);
	assert_int_equal(rd(t, VEDGE_REG_PERF_MACS_LO), 64);
	assert_int_equal(rd(t, VEDGE_REG_PERF_OPS_LO), 1);
	assert_int_equal(rd(t, VEDGE_REG_PERF_BYTES_LO), 16 + 64 + 48 + 4);
	assert_true(rd(t, VEDGE_REG_PERF_CYCLES_LO) > 0);
	wr(t, VEDGE_REG_PERF_CTRL, VEDGE_PERF_CLEAR);
	assert_int_equal(rd(t, VEDGE_REG_PERF_MACS_LO), 0);
	assert_int_equal(rd(t, VEDGE_REG_PERF_CYCLES_LO), 0);
}

/* A scale entry out of range in memory is refused by the NPU, not computed with. */
static void test_scale_entry_out_of_range_refused(void **state)
{
	struct t *t = *state;
	struct vedge_scale_entry e = { 0, 1 << 30, 40 };

	power_on(t);
	memcpy(t->mem + 256, &e, sizeof(e));
	cmd(t, VEDGE_SET_OFM_OFFSET, 0, 512);
	cmd(t, VEDGE_SET_WEIGHT_OFFSET, 0, 64);
	cmd(t, VEDGE_SET_WEIGHT_LENGTH, 0, 1);
	cmd(t, VEDGE_SET_SCALE_OFFSET, 0, 256);
	cmd(t, VEDGE_SET_SCALE_LENGTH, 0, sizeof(e));
	cmd(t, VEDGE_OP_FULLY_CONNECTED, 0, 0);
	kick_dma(t);
	wait_line(t, 1);
	assert_int_equal(rd(t, VEDGE_REG_ERROR_CODE), VEDGE_ERR_BAD_CMD);
	assert_int_equal(rd(t, VEDGE_REG_ERROR_CMD), 5);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup_dma, teardown)
	const struct CMUnitTest tests[] = {
		T(test_identification),
		T(test_kick_runs_stream_raises_done_and_clear_acks),
		T(test_masked_irq_does_not_assert_line),
		T(test_kick_unpowered_is_an_error),
		T(test_operand_outside_window_is_a_bus_fault),
		T(test_unknown_command_is_refused),
		T(test_reset_stops_hung_stream_without_irq),
		T(test_sram_window_round_trip_and_power_loss),
		cmocka_unit_test_setup_teardown(test_dmaless_runs_from_sram, setup_nodma, teardown),
		T(test_perf_counters_count_and_clear),
		T(test_scale_entry_out_of_range_refused),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: MIT
/*
 * vedge: the device model. What the driver would find on a bus: a register file, SRAM and a
 * command processor running on its own thread, as silicon runs beside the CPU. Writing
 * CONTROL.KICK latches the stream address and the region windows and starts the processor;
 * it runs SET commands into its operation state and operations through vedge_ops.h, with
 * every operand resolved through the latched windows (with DMA: bus addresses; without:
 * SRAM offsets, the only memory such an NPU sees). The end of the stream raises
 * IRQ_STATUS.DONE, a refused command or an access outside a window IRQ_STATUS.ERROR with
 * ERROR_CODE/ERROR_CMD; an unmasked bit asserts the interrupt line. CONTROL.RESET stops the
 * processor wherever it is (a hung one included) and returns once it is idle.
 *
 * The processor re-checks what it runs (vedge_cmd.c's rules, operands inside windows, scale
 * entries in range): the driver's checker is the first line, but memory safety must not
 * rest on it alone, as an IOMMU or an MPU backs a real driver's checks.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "vedge_cmd.h"
#include "vedge_hw.h"
#include "vedge_ops.h"
#include "vedge_regs.h"

/* Cost model: MACs per cycle of the MAC array, bytes per cycle of SRAM and of the bus. */
#define VEDGE_HW_MACS_PER_CYCLE		256
#define VEDGE_HW_SRAM_BYTES_PER_CYCLE	32
#define VEDGE_HW_BUS_BYTES_PER_CYCLE	8
#define VEDGE_HW_CYCLES_PER_CMD		4

/* OpenMP's API (libgomp, oneDNN's threading), declared as the standard has it. */
extern int omp_get_max_threads(void);
extern void omp_set_num_threads(int n);

/*
 * OpenMP threads of the processor's products (oneDNN's gemm in vedge_ops_gemm.c): 1, the
 * processor alone, as one NPU is one engine beside the CPU. 0 gives it OpenMP's default
 * team (one thread per CPU), which a loaded machine punishes: the processor's thread waits
 * at every product's barrier for workers the host scheduler has not run, and the first
 * team of a process spins its workers at full count (libgomp throttles the spin only once
 * more threads than CPUs exist), so the first vedge node to compute ran the Fashion-MNIST
 * CNN 8x slower than the second (84 s against 11 s at load 10). Read at every kick, so a
 * bench can compare the two within one run (bench_vedge_jobs).
 */
int vedge_hw_compute_threads = 1;

/* A region window latched at kick. */
struct vedge_hw_window {
	uint8_t *base;
	uint64_t size;
};

/**
 * struct vedge_hw - the device. @lock guards every field below it; @cond (the processor's
 * wake-up and RESET's wait for idle) is signalled on kick, on reset and when the processor
 * goes idle. @sram is touched by the window registers under @lock and by the processor while
 * it runs (the driver does not use the window during a job, as on hardware).
 */
struct vedge_hw {
	bool has_dma;
	uint32_t sram_size;
	uint8_t *sram;
	vedge_irq_line_t irq;
	void *irq_ctx;
	pthread_t thread;

	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
	bool kicked;		/* a kick waits for the processor */
	bool running;		/* the processor is in a stream */
	bool abort;		/* RESET asked the processor to stop */
	/* The test port's pending injections: streams still to hang, to fault. */
	uint32_t inject_hang, inject_fault;
	bool kick_hang, kick_fault;	/* what the kick waiting for the processor took */
	uint32_t irq_status, irq_mask, error_code, error_cmd;
	uint64_t cmd_base;
	uint32_t cmd_length, scratch_base;
	uint32_t win_offset;
	uint32_t power, clock;
	uint64_t region_base[VEDGE_MAX_REGIONS];
	uint32_t region_size[VEDGE_MAX_REGIONS];
	uint64_t cycles, macs, ops, bytes;
};

/* What one stream run needs, latched at kick: the processor reads no register after. */
struct vedge_hw_run {
	const struct vedge_cmd *cmds;
	uint32_t nr_cmds;
	struct vedge_hw_window win[VEDGE_MAX_REGIONS];
	struct vedge_hw_window scratch;
	bool hang, fault;
	int8_t lut[256];
	bool lut_loaded;
	uint32_t bytes_per_cycle;
	uint64_t cycles, macs, ops, bytes;
};

static bool vedge_hw_powered(const struct vedge_hw *hw)
{
	return (hw->power & VEDGE_POWER_ON) && (hw->clock & VEDGE_CLOCK_ENABLE);
}

/* Raise @bits; returns whether the line is to be asserted (the caller does, unlocked). */
static bool vedge_hw_raise_locked(struct vedge_hw *hw, uint32_t bits)
{
	hw->irq_status |= bits;
	return (hw->irq_status & hw->irq_mask) != 0;
}

/* Resolve @span to memory, or NULL when it leaves its window (a bus fault). */
static uint8_t *vedge_hw_resolve(struct vedge_hw_run *run, const struct vedge_span *span)
{
	const struct vedge_hw_window *w;

	if (span->region == VEDGE_REGION_SRAM)
		w = &run->scratch;
	else if (span->region < VEDGE_MAX_REGIONS)
		w = &run->win[span->region];
	else
		return NULL;
	if (!w->base || span->offset > w->size || span->len > w->size - span->offset)
		return NULL;
	return w->base + span->offset;
}

static void vedge_hw_fmap(const struct vedge_fm_state *f, uint8_t *base, struct vedge_fmap *m)
{
	*m = (struct vedge_fmap){
		.base = (int8_t *)base,
		.h = f->h, .w = f->w, .c = f->c,
		.stride_y = (uint32_t)vedge_fm_stride_y(f),
		.stride_x = (uint32_t)vedge_fm_stride_x(f),
		.zero_point = f->zero_point,
		.mult = f->mult, .shift = f->shift,
	};
}

/*
 * The scale entries, copied into the processor (as its weight decoder would) and checked:
 * a multiplier or shift out of range is a refused command, never undefined arithmetic.
 */
static int vedge_hw_load_scales(const uint8_t *src, uint32_t n, struct vedge_scale_entry **out)
{
	struct vedge_scale_entry *e = malloc((size_t)n * sizeof(*e));

	if (!e)
		return VEDGE_ERR_NO_MEMORY;
	memcpy(e, src, (size_t)n * sizeof(*e));
	for (uint32_t i = 0; i < n; i++) {
		if ((e[i].multiplier && e[i].multiplier < (1 << 30)) || e[i].multiplier < 0 ||
		    e[i].shift < -31 || e[i].shift > 31) {
			free(e);
			return VEDGE_ERR_BAD_CMD;
		}
	}
	*out = e;
	return 0;
}

static void vedge_hw_dma_copy(const struct vedge_state *s, uint8_t *dst, const uint8_t *src)
{
	uint64_t ss = s->dma_src_stride ? s->dma_src_stride : s->dma_length;
	uint64_t ds = s->dma_dst_stride ? s->dma_dst_stride : s->dma_length;

	for (uint32_t r = 0; r < s->dma_rows; r++)
		memmove(dst + r * ds, src + r * ss, s->dma_length);
}

/* Run one operation; returns 0 or a VEDGE_ERR_* code. */
static int vedge_hw_op(struct vedge_hw_run *run, const struct vedge_state *s, uint16_t opcode)
{
	struct vedge_span in[4], out[1];
	uint8_t *inp[4] = { 0 }, *outp = NULL;
	struct vedge_fmap ifm, ifm2, ofm;
	struct vedge_window win = {
		s->kh, s->kw, s->sy, s->sx, s->dy, s->dx,
		s->pad_top, s->pad_left, s->pad_bottom, s->pad_right,
	};
	struct vedge_act act = { s->act_min, s->act_max, s->act_lut ? run->lut : NULL };
	struct vedge_scale_entry *scales = NULL;
	unsigned int nr_in, nr_out, i;
	uint64_t bytes = 0;
	int ret = 0;

	if (vedge_op_operands(s, opcode, in, &nr_in, out, &nr_out))
		return VEDGE_ERR_BAD_CMD;
	if (run->fault)
		return VEDGE_ERR_BUS_FAULT;
	for (i = 0; i < nr_in; i++) {
		inp[i] = vedge_hw_resolve(run, &in[i]);
		if (!inp[i])
			return VEDGE_ERR_BUS_FAULT;
		bytes += in[i].len;
	}
	if (nr_out) {
		outp = vedge_hw_resolve(run, &out[0]);
		if (!outp)
			return VEDGE_ERR_BUS_FAULT;
		bytes += out[0].len;
	}
	if (s->act_lut && !run->lut_loaded && opcode != VEDGE_OP_LUT_LOAD &&
	    opcode != VEDGE_OP_DMA_COPY)
		return VEDGE_ERR_BAD_CMD;
	if (opcode == VEDGE_OP_LUT && !run->lut_loaded)
		return VEDGE_ERR_BAD_CMD;
	if (opcode >= VEDGE_OP_CONV2D && opcode <= VEDGE_OP_LUT) {
		vedge_hw_fmap(&s->fm[VEDGE_FM_IFM], inp[0], &ifm);
		vedge_hw_fmap(&s->fm[VEDGE_FM_OFM], outp, &ofm);
	}
	if (opcode <= VEDGE_OP_FULLY_CONNECTED) {
		ret = vedge_hw_load_scales(inp[2], s->fm[VEDGE_FM_OFM].c, &scales);
		if (ret)
			return ret;
	}
	switch (opcode) {
	case VEDGE_OP_CONV2D:
		ret = vedge_op_conv2d(&ifm, &ofm, &win, (const int8_t *)inp[1], scales, &act);
		break;
	case VEDGE_OP_DEPTHWISE_CONV2D:
		ret = vedge_op_depthwise_conv2d(&ifm, &ofm, &win, (const int8_t *)inp[1], scales,
						&act);
		break;
	case VEDGE_OP_FULLY_CONNECTED:
		ret = vedge_op_fully_connected(&ifm, &ofm, (const int8_t *)inp[1], scales, &act);
		break;
	case VEDGE_OP_MAXPOOL:
		ret = vedge_op_maxpool(&ifm, &ofm, &win, &act);
		break;
	case VEDGE_OP_AVGPOOL:
		ret = vedge_op_avgpool(&ifm, &ofm, &win, &act);
		break;
	case VEDGE_OP_ADD:
	case VEDGE_OP_MUL:
		vedge_hw_fmap(&s->fm[VEDGE_FM_IFM2], inp[1], &ifm2);
		ret = opcode == VEDGE_OP_ADD ? vedge_op_add(&ifm, &ifm2, &ofm, &act) :
					       vedge_op_mul(&ifm, &ifm2, &ofm, &act);
		break;
	case VEDGE_OP_LUT:
		ret = vedge_op_lut(&ifm, &ofm, run->lut);
		break;
	case VEDGE_OP_LUT_LOAD:
		memcpy(run->lut, inp[0], sizeof(run->lut));
		run->lut_loaded = true;
		break;
	case VEDGE_OP_DMA_COPY:
		vedge_hw_dma_copy(s, outp, inp[0]);
		break;
	}
	free(scales);
	if (ret)
		return VEDGE_ERR_NO_MEMORY;
	run->ops++;
	run->macs += vedge_op_macs(s, opcode);
	run->bytes += bytes;
	run->cycles += vedge_op_macs(s, opcode) / VEDGE_HW_MACS_PER_CYCLE +
		       bytes / run->bytes_per_cycle;
	return 0;
}

/*
 * Run the latched stream. Returns 0 (DONE), a VEDGE_ERR_* code with *@failed the command's
 * index, or -1 when a RESET stopped it (no interrupt then).
 */
static int vedge_hw_run_stream(struct vedge_hw *hw, struct vedge_hw_run *run, uint32_t *failed)
{
	struct vedge_state s;
	uint32_t i;
	int ret;

	vedge_state_init(&s);
	if (run->hang) {
		pthread_mutex_lock(&hw->lock);
		while (!hw->abort && !hw->stop)
			pthread_cond_wait(&hw->cond, &hw->lock);
		pthread_mutex_unlock(&hw->lock);
		return -1;
	}
	for (i = 0; i < run->nr_cmds; i++) {
		struct vedge_cmd c = run->cmds[i];

		pthread_mutex_lock(&hw->lock);
		ret = hw->abort || hw->stop;
		pthread_mutex_unlock(&hw->lock);
		if (ret)
			return -1;
		run->cycles += VEDGE_HW_CYCLES_PER_CMD;
		if (c.opcode == VEDGE_CMD_STOP)
			break;
		if (c.opcode < VEDGE_OP_CONV2D)
			ret = vedge_state_set(&s, &c, hw->has_dma) ? VEDGE_ERR_BAD_CMD : 0;
		else if (c.param || c.value || (c.opcode == VEDGE_OP_DMA_COPY && !hw->has_dma))
			ret = VEDGE_ERR_BAD_CMD;
		else
			ret = vedge_hw_op(run, &s, c.opcode);
		if (ret) {
			*failed = i;
			return ret;
		}
	}
	/* An injected fault in a stream without operations: the end of the stream faults. */
	if (run->fault) {
		*failed = i < run->nr_cmds ? i : run->nr_cmds - 1;
		return VEDGE_ERR_BUS_FAULT;
	}
	return 0;
}

/* Latch the stream and the windows at kick (locked). Returns 0 or a VEDGE_ERR_* code. */
static int vedge_hw_latch(struct vedge_hw *hw, struct vedge_hw_run *run)
{
	uint64_t len = hw->cmd_length;

	memset(run, 0, sizeof(*run));
	run->nr_cmds = (uint32_t)(len / sizeof(struct vedge_cmd));
	/* With DMA operands stream over the bus; without, everything is in SRAM. */
	run->bytes_per_cycle = hw->has_dma ? VEDGE_HW_BUS_BYTES_PER_CYCLE :
					     VEDGE_HW_SRAM_BYTES_PER_CYCLE;
	if (hw->has_dma) {
		run->cmds = (const struct vedge_cmd *)(uintptr_t)hw->cmd_base;
		for (unsigned int i = 0; i < VEDGE_MAX_REGIONS; i++)
			run->win[i] = (struct vedge_hw_window){
				(uint8_t *)(uintptr_t)hw->region_base[i], hw->region_size[i] };
	} else {
		/* Without DMA every address is an SRAM offset, and must stay inside it. */
		if (hw->cmd_base > hw->sram_size || len > hw->sram_size - hw->cmd_base ||
		    (hw->cmd_base & 7))
			return VEDGE_ERR_BUS_FAULT;
		run->cmds = (const struct vedge_cmd *)(hw->sram + hw->cmd_base);
		for (unsigned int i = 0; i < VEDGE_MAX_REGIONS; i++) {
			uint64_t b = hw->region_base[i], sz = hw->region_size[i];

			if (sz && b <= hw->sram_size && sz <= hw->sram_size - b)
				run->win[i] = (struct vedge_hw_window){ hw->sram + b, sz };
		}
	}
	if (hw->scratch_base <= hw->sram_size)
		run->scratch = (struct vedge_hw_window){ hw->sram + hw->scratch_base,
							 hw->sram_size - hw->scratch_base };
	run->hang = hw->kick_hang;
	run->fault = hw->kick_fault;
	return 0;
}

static void *vedge_hw_thread(void *arg)
{
	struct vedge_hw *hw = arg;
	struct vedge_hw_run *run = malloc(sizeof(*run));
	int omp_default = omp_get_max_threads(), team = omp_default;
	uint32_t failed = 0;
	bool assert_line;
	int ret;

	pthread_mutex_lock(&hw->lock);
	for (;;) {
		int want;

		while (!hw->kicked && !hw->stop)
			pthread_cond_wait(&hw->cond, &hw->lock);
		if (hw->stop)
			break;
		hw->kicked = false;
		hw->running = true;
		ret = run ? vedge_hw_latch(hw, run) : VEDGE_ERR_NO_MEMORY;
		pthread_mutex_unlock(&hw->lock);
		want = __atomic_load_n(&vedge_hw_compute_threads, __ATOMIC_RELAXED);
		want = want > 0 ? want : omp_default;
		if (want != team) {
			omp_set_num_threads(want); /* this thread's own setting (per-thread ICV) */
			team = want;
		}
		if (!ret)
			ret = vedge_hw_run_stream(hw, run, &failed);
		pthread_mutex_lock(&hw->lock);
		hw->running = false;
		assert_line = false;
		if (run) {
			hw->cycles += run->cycles;
			hw->macs += run->macs;
			hw->ops += run->ops;
			hw->bytes += run->bytes;
		}
		if (ret >= 0 && !hw->abort) {
			if (ret) {
				hw->error_code = (uint32_t)ret;
				hw->error_cmd = failed;
			}
			assert_line = vedge_hw_raise_locked(hw, ret ? VEDGE_IRQ_ERROR : VEDGE_IRQ_DONE);
		}
		pthread_cond_broadcast(&hw->cond);
		if (assert_line) {
			pthread_mutex_unlock(&hw->lock);
			hw->irq(hw->irq_ctx);
			pthread_mutex_lock(&hw->lock);
		}
	}
	pthread_mutex_unlock(&hw->lock);
	free(run);
	return NULL;
}

int vedge_hw_create(bool has_dma, uint32_t sram_size, vedge_irq_line_t irq, void *irq_ctx,
		    struct vedge_hw **out)
{
	struct vedge_hw *hw = calloc(1, sizeof(*hw));
	int ret;

	if (!hw)
		return -ENOMEM;
	hw->has_dma = has_dma;
	hw->sram_size = sram_size;
	hw->irq = irq;
	hw->irq_ctx = irq_ctx;
	hw->sram = aligned_alloc(64, sram_size);
	if (!hw->sram) {
		ret = -ENOMEM;
		goto err_free;
	}
	memset(hw->sram, 0, sram_size);
	pthread_mutex_init(&hw->lock, NULL);
	pthread_cond_init(&hw->cond, NULL);
	ret = -pthread_create(&hw->thread, NULL, vedge_hw_thread, hw);
	if (ret)
		goto err_sync;
	*out = hw;
	return 0;

err_sync:
	pthread_cond_destroy(&hw->cond);
	pthread_mutex_destroy(&hw->lock);
err_free:
	free(hw->sram);
	free(hw);
	return ret;
}

void vedge_hw_destroy(struct vedge_hw *hw)
{
	if (!hw)
		return;
	pthread_mutex_lock(&hw->lock);
	hw->stop = true;
	pthread_cond_broadcast(&hw->cond);
	pthread_mutex_unlock(&hw->lock);
	pthread_join(hw->thread, NULL);
	pthread_cond_destroy(&hw->cond);
	pthread_mutex_destroy(&hw->lock);
	free(hw->sram);
	free(hw);
}

void vedge_hw_inject(struct vedge_hw *hw, enum vedge_hw_fault fault, uint32_t count)
{
	pthread_mutex_lock(&hw->lock);
	if (fault == VEDGE_HW_HANG)
		hw->inject_hang = count;
	else
		hw->inject_fault = count;
	pthread_mutex_unlock(&hw->lock);
}

uint32_t vedge_hw_injected(struct vedge_hw *hw, enum vedge_hw_fault fault)
{
	uint32_t n;

	pthread_mutex_lock(&hw->lock);
	n = fault == VEDGE_HW_HANG ? hw->inject_hang : hw->inject_fault;
	pthread_mutex_unlock(&hw->lock);
	return n;
}

static uint32_t vedge_hw_lo(uint64_t v) { return (uint32_t)v; }
static uint32_t vedge_hw_hi(uint64_t v) { return (uint32_t)(v >> 32); }

uint32_t vedge_hw_reg_read(struct vedge_hw *hw, uint32_t off)
{
	uint32_t v = 0;

	pthread_mutex_lock(&hw->lock);
	if (off >= VEDGE_REG_REGION_BASE_LO(0) && off < VEDGE_REG_REGION_BASE_LO(VEDGE_MAX_REGIONS)) {
		unsigned int i = (off - VEDGE_REG_REGION_BASE_LO(0)) / 0x10;

		switch ((off - VEDGE_REG_REGION_BASE_LO(0)) % 0x10) {
		case 0x0: v = vedge_hw_lo(hw->region_base[i]); break;
		case 0x4: v = vedge_hw_hi(hw->region_base[i]); break;
		case 0x8: v = hw->region_size[i]; break;
		}
		pthread_mutex_unlock(&hw->lock);
		return v;
	}
	switch (off) {
	case VEDGE_REG_ID: v = VEDGE_ID_VALUE; break;
	case VEDGE_REG_VERSION: v = VEDGE_VERSION_VALUE; break;
	case VEDGE_REG_CONFIG: v = hw->has_dma ? VEDGE_CONFIG_HAS_DMA : 0; break;
	case VEDGE_REG_SRAM_SIZE: v = hw->sram_size; break;
	case VEDGE_REG_STATUS:
		v = (hw->running || hw->kicked ? VEDGE_STATUS_BUSY : 0) |
		    (vedge_hw_powered(hw) ? VEDGE_STATUS_POWERED : 0);
		break;
	case VEDGE_REG_IRQ_STATUS: v = hw->irq_status; break;
	case VEDGE_REG_IRQ_MASK: v = hw->irq_mask; break;
	case VEDGE_REG_ERROR_CODE: v = hw->error_code; break;
	case VEDGE_REG_ERROR_CMD: v = hw->error_cmd; break;
	case VEDGE_REG_CMD_BASE_LO: v = vedge_hw_lo(hw->cmd_base); break;
	case VEDGE_REG_CMD_BASE_HI: v = vedge_hw_hi(hw->cmd_base); break;
	case VEDGE_REG_CMD_LENGTH: v = hw->cmd_length; break;
	case VEDGE_REG_SCRATCH_BASE: v = hw->scratch_base; break;
	case VEDGE_REG_SRAM_WIN_OFFSET: v = hw->win_offset; break;
	case VEDGE_REG_SRAM_WIN_DATA:
		/* The window reads nothing while unpowered or past the end. */
		if (vedge_hw_powered(hw) && hw->win_offset <= hw->sram_size - 4)
			memcpy(&v, hw->sram + hw->win_offset, 4);
		hw->win_offset += 4;
		break;
	case VEDGE_REG_POWER: v = hw->power; break;
	case VEDGE_REG_CLOCK: v = hw->clock; break;
	case VEDGE_REG_PERF_CYCLES_LO: v = vedge_hw_lo(hw->cycles); break;
	case VEDGE_REG_PERF_CYCLES_HI: v = vedge_hw_hi(hw->cycles); break;
	case VEDGE_REG_PERF_MACS_LO: v = vedge_hw_lo(hw->macs); break;
	case VEDGE_REG_PERF_MACS_HI: v = vedge_hw_hi(hw->macs); break;
	case VEDGE_REG_PERF_OPS_LO: v = vedge_hw_lo(hw->ops); break;
	case VEDGE_REG_PERF_OPS_HI: v = vedge_hw_hi(hw->ops); break;
	case VEDGE_REG_PERF_BYTES_LO: v = vedge_hw_lo(hw->bytes); break;
	case VEDGE_REG_PERF_BYTES_HI: v = vedge_hw_hi(hw->bytes); break;
	}
	pthread_mutex_unlock(&hw->lock);
	return v;
}

/* CONTROL.RESET: stop the processor, wait until it is idle, clear its state. Locked. */
static void vedge_hw_reset_locked(struct vedge_hw *hw)
{
	hw->kicked = false;
	hw->abort = true;
	pthread_cond_broadcast(&hw->cond);
	while (hw->running)
		pthread_cond_wait(&hw->cond, &hw->lock);
	hw->abort = false;
	hw->irq_status = 0;
	hw->error_code = VEDGE_ERR_NONE;
	hw->error_cmd = 0;
	/* The test port is outside the reset domain: the streams still to hang or fault stay. */
}

/* CONTROL.KICK (locked); returns whether the line is to be asserted. */
static bool vedge_hw_kick_locked(struct vedge_hw *hw)
{
	if (hw->running || hw->kicked)
		return false; /* a kick while busy is ignored, as the BUSY bit warns */
	if (!vedge_hw_powered(hw)) {
		hw->error_code = VEDGE_ERR_NOT_POWERED;
		hw->error_cmd = 0;
		return vedge_hw_raise_locked(hw, VEDGE_IRQ_ERROR);
	}
	hw->kicked = true;
	/* Each kicked stream takes one pending injection, a hang before a fault. */
	hw->kick_hang = hw->inject_hang > 0;
	hw->kick_fault = !hw->kick_hang && hw->inject_fault > 0;
	hw->inject_hang -= hw->kick_hang;
	hw->inject_fault -= hw->kick_fault;
	pthread_cond_broadcast(&hw->cond);
	return false;
}

static void vedge_hw_set_lo(uint64_t *r, uint32_t v) { *r = (*r & ~0xffffffffull) | v; }
static void vedge_hw_set_hi(uint64_t *r, uint32_t v) { *r = (*r & 0xffffffffull) | (uint64_t)v << 32; }

void vedge_hw_reg_write(struct vedge_hw *hw, uint32_t off, uint32_t v)
{
	bool assert_line = false;

	pthread_mutex_lock(&hw->lock);
	if (off >= VEDGE_REG_REGION_BASE_LO(0) && off < VEDGE_REG_REGION_BASE_LO(VEDGE_MAX_REGIONS)) {
		unsigned int i = (off - VEDGE_REG_REGION_BASE_LO(0)) / 0x10;

		switch ((off - VEDGE_REG_REGION_BASE_LO(0)) % 0x10) {
		case 0x0: vedge_hw_set_lo(&hw->region_base[i], v); break;
		case 0x4: vedge_hw_set_hi(&hw->region_base[i], v); break;
		case 0x8: hw->region_size[i] = v; break;
		}
		pthread_mutex_unlock(&hw->lock);
		return;
	}
	switch (off) {
	case VEDGE_REG_CONTROL:
		if (v & VEDGE_CONTROL_RESET)
			vedge_hw_reset_locked(hw);
		else if (v & VEDGE_CONTROL_KICK)
			assert_line = vedge_hw_kick_locked(hw);
		break;
	case VEDGE_REG_IRQ_MASK:
		hw->irq_mask = v & VEDGE_IRQ_ALL;
		assert_line = (hw->irq_status & hw->irq_mask) != 0;
		break;
	case VEDGE_REG_IRQ_CLEAR: hw->irq_status &= ~v; break;
	case VEDGE_REG_CMD_BASE_LO: vedge_hw_set_lo(&hw->cmd_base, v); break;
	case VEDGE_REG_CMD_BASE_HI: vedge_hw_set_hi(&hw->cmd_base, v); break;
	case VEDGE_REG_CMD_LENGTH: hw->cmd_length = v; break;
	case VEDGE_REG_SCRATCH_BASE: hw->scratch_base = v; break;
	case VEDGE_REG_SRAM_WIN_OFFSET: hw->win_offset = v & ~3u; break;
	case VEDGE_REG_SRAM_WIN_DATA:
		if (vedge_hw_powered(hw) && !hw->running && hw->win_offset <= hw->sram_size - 4)
			memcpy(hw->sram + hw->win_offset, &v, 4);
		hw->win_offset += 4;
		break;
	case VEDGE_REG_POWER:
		/* No retention: SRAM loses its contents when the power domain goes down. */
		if ((hw->power & VEDGE_POWER_ON) && !(v & VEDGE_POWER_ON))
			memset(hw->sram, 0, hw->sram_size);
		hw->power = v & VEDGE_POWER_ON;
		break;
	case VEDGE_REG_CLOCK: hw->clock = v & VEDGE_CLOCK_ENABLE; break;
	case VEDGE_REG_PERF_CTRL:
		if (v & VEDGE_PERF_CLEAR)
			hw->cycles = hw->macs = hw->ops = hw->bytes = 0;
		break;
	}
	pthread_mutex_unlock(&hw->lock);
	if (assert_line)
		hw->irq(hw->irq_ctx);
}

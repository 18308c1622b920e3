/* SPDX-License-Identifier: MIT */
/*
 * vedge: the device model (vedge_hw.c), the silicon the driver programs. It owns the
 * register file, the SRAM and an execution thread; the driver reaches it only through
 * vedge_hw_reg_read()/vedge_hw_reg_write() (wrapped by vedge_mmio.c) and hears from it only
 * through the interrupt line it registers at creation. vedge_hw_inject() is the model's
 * test port (a fault the silicon could have), used by debugfs fault injection.
 */
#ifndef DRIVERS_VEDGE_HW_H
#define DRIVERS_VEDGE_HW_H

#include <stdbool.h>
#include <stdint.h>

struct vedge_hw;

/**
 * typedef vedge_irq_line_t - the interrupt line: called by the model (from its thread, with
 * no model lock held) whenever an unmasked IRQ_STATUS bit is raised.
 */
typedef void (*vedge_irq_line_t)(void *ctx);

/* What vedge_hw_inject() arms for the next kicked streams. */
enum vedge_hw_fault {
	VEDGE_HW_HANG,		/* stall until CONTROL.RESET */
	VEDGE_HW_BUS_FAULT,	/* stop with ERROR / VEDGE_ERR_BUS_FAULT at the first operation
				 * (at the end of a stream without one) */
};

/**
 * vedge_hw_create() - power-on reset of a device model: powered down, clock gated, SRAM
 * zeroed, its thread started.
 * @has_dma: the CONFIG register's HAS_DMA.
 * @sram_size: bytes of SRAM (a multiple of 64).
 * @irq: the interrupt line; @irq_ctx its argument.
 * @out: the model.
 *
 * Return: 0, -ENOMEM or -EAGAIN.
 */
int vedge_hw_create(bool has_dma, uint32_t sram_size, vedge_irq_line_t irq, void *irq_ctx,
		    struct vedge_hw **out);
/** vedge_hw_destroy() - stop the thread (a running stream is abandoned) and free the model. */
void vedge_hw_destroy(struct vedge_hw *hw);
/** vedge_hw_reg_read() - read register @offset (0 for an unknown or write-only one). */
uint32_t vedge_hw_reg_read(struct vedge_hw *hw, uint32_t offset);
/**
 * vedge_hw_reg_write() - write register @offset with its side effects: CONTROL.KICK starts
 * the stream, CONTROL.RESET returns once the device is idle, IRQ_CLEAR acknowledges, the
 * SRAM window moves data. Writes to read-only or unknown registers are ignored.
 */
void vedge_hw_reg_write(struct vedge_hw *hw, uint32_t offset, uint32_t value);
/*
 * OpenMP threads each processor computes with (default 1; 0: OpenMP's default team), read
 * at every kick; for benches (vedge_hw.c says why 1).
 */
extern int vedge_hw_compute_threads;

/**
 * vedge_hw_inject() - arm @fault for the next @count streams kicked (0 disarms); each
 * stream takes one pending injection, a hang before a fault. CONTROL.RESET keeps what is
 * pending (the test port is outside the reset domain), so that a hang's recovery does not
 * disarm the hangs after it.
 */
void vedge_hw_inject(struct vedge_hw *hw, enum vedge_hw_fault fault, uint32_t count);
/** vedge_hw_injected() - streams still to take @fault (a snapshot). */
uint32_t vedge_hw_injected(struct vedge_hw *hw, enum vedge_hw_fault fault);

#endif

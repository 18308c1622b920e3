// SPDX-License-Identifier: MIT
/*
 * vedge: the driver's only way to the NPU, its registers (readl/writel of a real driver),
 * and the PIO copies through the SRAM window that a DMA-less NPU needs: one register access
 * per 32-bit word, the window's offset advancing by itself, as an MCU driver copies.
 */
#define _GNU_SOURCE
#include <string.h>
#include <time.h>

#include "vedge_drv.h"
#include "vedge_regs.h"

uint64_t vedge_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/**
 * vedge_reg_read() - read a register
 * @vdev: the device
 * @offset: VEDGE_REG_*
 *
 * Return: its value.
 */
uint32_t vedge_reg_read(struct vedge_device *vdev, uint32_t offset)
{
	atomic_fetch_add(&vdev->mmio_reads, 1);
	return vedge_hw_reg_read(vdev->hw, offset);
}

/**
 * vedge_reg_write() - write a register (with the NPU's side effects)
 * @vdev: the device
 * @offset: VEDGE_REG_*
 * @value: the value
 */
void vedge_reg_write(struct vedge_device *vdev, uint32_t offset, uint32_t value)
{
	atomic_fetch_add(&vdev->mmio_writes, 1);
	vedge_hw_reg_write(vdev->hw, offset, value);
}

/** vedge_reg_write64() - a _LO/_HI pair, low word first. */
void vedge_reg_write64(struct vedge_device *vdev, uint32_t lo, uint64_t value)
{
	vedge_reg_write(vdev, lo, (uint32_t)value);
	vedge_reg_write(vdev, lo + 4, (uint32_t)(value >> 32));
}

/** vedge_reg_read64() - a _LO/_HI counter pair (read while the NPU is idle). */
uint64_t vedge_reg_read64(struct vedge_device *vdev, uint32_t lo)
{
	uint64_t v = vedge_reg_read(vdev, lo);

	return v | (uint64_t)vedge_reg_read(vdev, lo + 4) << 32;
}

/**
 * vedge_sram_write() - copy @len bytes into SRAM at @offset (4-aligned) through the window
 * @vdev: the device (powered, idle)
 * @offset: SRAM offset
 * @src: the bytes; a last partial word is padded with zeros
 * @len: bytes
 */
void vedge_sram_write(struct vedge_device *vdev, uint32_t offset, const void *src, size_t len)
{
	const uint8_t *p = src;
	uint32_t word;
	size_t i;

	vedge_reg_write(vdev, VEDGE_REG_SRAM_WIN_OFFSET, offset);
	for (i = 0; i + 4 <= len; i += 4) {
		memcpy(&word, p + i, 4);
		vedge_reg_write(vdev, VEDGE_REG_SRAM_WIN_DATA, word);
	}
	if (i < len) {
		word = 0;
		memcpy(&word, p + i, len - i);
		vedge_reg_write(vdev, VEDGE_REG_SRAM_WIN_DATA, word);
	}
	atomic_fetch_add(&vdev->pio_bytes, len);
}

/**
 * vedge_sram_read() - copy @len bytes out of SRAM at @offset (4-aligned) through the window
 * @vdev: the device (powered, idle)
 * @offset: SRAM offset
 * @dst: where to; only @len bytes are written
 * @len: bytes
 */
void vedge_sram_read(struct vedge_device *vdev, uint32_t offset, void *dst, size_t len)
{
	uint8_t *p = dst;
	uint32_t word;
	size_t i;

	vedge_reg_write(vdev, VEDGE_REG_SRAM_WIN_OFFSET, offset);
	for (i = 0; i + 4 <= len; i += 4) {
		word = vedge_reg_read(vdev, VEDGE_REG_SRAM_WIN_DATA);
		memcpy(p + i, &word, 4);
	}
	if (i < len) {
		word = vedge_reg_read(vdev, VEDGE_REG_SRAM_WIN_DATA);
		memcpy(p + i, &word, len - i);
	}
	atomic_fetch_add(&vdev->pio_bytes, len);
}

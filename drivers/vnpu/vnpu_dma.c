// SPDX-License-Identifier: MIT
/*
 * vnpu: the DMA engines. Copies and fills between any two VAs (system memory or VRAM: the
 * address space has already resolved which); the parser has checked sizes and alignment.
 */
#include <string.h>

#include "vnpu_units.h"

/**
 * vnpu_dma_copy() - copy @size bytes from @src to @dst.
 * @dst: destination; @src: source; @size: bytes.
 *
 * memmove, not memcpy: two VAs may alias the same memory, and the ISA promises a copy as if
 * through a temporary buffer.
 */
void vnpu_dma_copy(void *dst, const void *src, uint64_t size)
{
	memmove(dst, src, size);
}

/**
 * vnpu_dma_fill() - fill @size bytes at @dst with the low @width bytes of @value.
 * @dst: destination, aligned to @width; @size: bytes, a multiple of @width;
 * @value: the pattern, little-endian; @width: 1, 2, 4 or 8.
 */
void vnpu_dma_fill(void *dst, uint64_t size, uint64_t value, uint32_t width)
{
	uint8_t *d = dst;
	uint64_t i;

	switch (width) {
	case 1:
		memset(d, (int)(value & 0xff), size);
		return;
	case 2: {
		uint16_t v = (uint16_t)value;

		for (i = 0; i < size; i += 2)
			memcpy(d + i, &v, 2);
		return;
	}
	case 4: {
		uint32_t v = (uint32_t)value;

		for (i = 0; i < size; i += 4)
			memcpy(d + i, &v, 4);
		return;
	}
	default: {
		for (i = 0; i < size; i += 8)
			memcpy(d + i, &value, 8);
		return;
	}
	}
}

// SPDX-License-Identifier: MIT
/*
 * vnpu: the DMA engines' strided N-D copy (DMA_COPY_ND). The parser has checked the shape,
 * the strides, alignment and that the two extents are disjoint; this walks the index space,
 * the innermost dimension as a tight loop (a memcpy when both sides are dense in it).
 */
#include <string.h>

#include "vnpu_units.h"

/* Copy @n elements of @es bytes, @ss and @ds elements apart. */
static void vnpu_copy_row(uint8_t *d, const uint8_t *s, uint64_t n, uint64_t ss, uint64_t ds,
			  uint32_t es)
{
	uint64_t i;

	if (ss == 1 && ds == 1) {
		memcpy(d, s, n * es);
		return;
	}
	switch (es) {
	case 1:
		for (i = 0; i < n; i++)
			d[i * ds] = s[i * ss];
		return;
	case 2:
		for (i = 0; i < n; i++)
			memcpy(d + i * ds * 2, s + i * ss * 2, 2);
		return;
	case 4:
		for (i = 0; i < n; i++)
			memcpy(d + i * ds * 4, s + i * ss * 4, 4);
		return;
	default:
		for (i = 0; i < n; i++)
			memcpy(d + i * ds * 8, s + i * ss * 8, 8);
		return;
	}
}

/**
 * vnpu_dma_copy_nd() - run a checked DMA_COPY_ND packet.
 * @dst: the destination's start; @src: the source's start; @p: the packet.
 */
void vnpu_dma_copy_nd(void *dst, const void *src, const struct vnpu_pkt_dma_copy_nd *p)
{
	uint64_t idx[VNPU_COPY_ND_MAX_DIMS] = { 0 };
	uint32_t nd = p->ndims, es = p->elem_size, inner = nd - 1;
	const uint8_t *s = src;
	uint8_t *d = dst;

	for (;;) {
		uint64_t so = 0, doff = 0;
		uint32_t k;

		for (k = 0; k < inner; k++) {
			so += idx[k] * p->src_stride[k];
			doff += idx[k] * p->dst_stride[k];
		}
		vnpu_copy_row(d + doff * es, s + so * es, p->dims[inner], p->src_stride[inner],
			      p->dst_stride[inner], es);
		/* the next index of the outer dimensions, the last of them fastest */
		for (k = inner; k-- > 0;) {
			if (++idx[k] < p->dims[k])
				break;
			idx[k] = 0;
		}
		if (k == UINT32_MAX)
			return;
	}
}

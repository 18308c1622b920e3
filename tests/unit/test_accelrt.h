/* SPDX-License-Identifier: MIT */
/* Building accelrt programs in the tests: packets appended to a stream, relocations noted. */
#ifndef TEST_ACCELRT_H
#define TEST_ACCELRT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <accelrt.h>
#include <uapi/drm/vnpu_accel.h>

struct at_stream {
	uint8_t buf[4096];
	size_t len;
	struct accelrt_reloc relocs[64];
	unsigned int nrelocs;
};

/* Append @pkt (@size bytes, its header filled in here); its offset in the stream. */
static inline size_t at_emit(struct at_stream *s, uint16_t opcode, void *pkt, size_t size)
{
	struct vnpu_pkt_header *h = pkt;
	size_t off = s->len;

	h->opcode = opcode;
	h->length = (uint16_t)(size / 4);
	h->flags = 0;
	memcpy(s->buf + off, pkt, size);
	s->len += size;
	return off;
}

/* The u64 field at @field_off of the packet at @pkt_off is slot @slot's VA + @addend. */
static inline void at_reloc(struct at_stream *s, size_t pkt_off, size_t field_off,
			    uint32_t slot, uint64_t addend)
{
	s->relocs[s->nrelocs++] = (struct accelrt_reloc){ .offset = pkt_off + field_off,
							  .slot = slot, .addend = addend };
}

/* FILL [slot + addend, + size) with the low byte of @value. */
static inline void at_fill(struct at_stream *s, uint32_t slot, uint64_t addend, uint64_t size,
			   uint8_t value)
{
	struct vnpu_pkt_dma_fill p = { .size = size, .value = value, .width = 1 };
	size_t off = at_emit(s, VNPU_OP_DMA_FILL, &p, sizeof(p));

	at_reloc(s, off, offsetof(struct vnpu_pkt_dma_fill, dst_va), slot, addend);
}

/* COPY @size bytes from slot @src + @src_add to slot @dst + @dst_add. */
static inline void at_copy(struct at_stream *s, uint32_t src, uint64_t src_add, uint32_t dst,
			   uint64_t dst_add, uint64_t size)
{
	struct vnpu_pkt_dma_copy p = { .size = size };
	size_t off = at_emit(s, VNPU_OP_DMA_COPY, &p, sizeof(p));

	at_reloc(s, off, offsetof(struct vnpu_pkt_dma_copy, src_va), src, src_add);
	at_reloc(s, off, offsetof(struct vnpu_pkt_dma_copy, dst_va), dst, dst_add);
}

#endif

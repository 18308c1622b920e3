/* SPDX-License-Identifier: MIT */
/*
 * vnpu command streams built by the tests, the reliability campaigns and the benches: a
 * packet appended with its header filled in, and the packets every one of them emits.
 * Nothing here asserts (the unit tests, the campaigns and the benches each have their own
 * way to fail): an append that does not fit returns -ENOSPC and leaves the stream as it was.
 */
#ifndef TESTS_COMMON_VNPU_STREAM_H
#define TESTS_COMMON_VNPU_STREAM_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <uapi/drm/vnpu_accel.h>

/*
 * vnpu_cmd_append() - append packet @pkt of @size bytes to the @cap-byte buffer @buf
 * holding *@len bytes, its header set to @opcode, @flags and the packet's length in words.
 *
 * Return: 0, or -ENOSPC when it does not fit (nothing appended).
 */
static inline int vnpu_cmd_append(uint8_t *buf, size_t cap, size_t *len, uint16_t opcode,
				  uint32_t flags, void *pkt, size_t size)
{
	struct vnpu_pkt_header *h = pkt;

	if (*len + size > cap)
		return -ENOSPC;
	h->opcode = opcode;
	h->length = (uint16_t)(size / 4);
	h->flags = flags;
	memcpy(buf + *len, pkt, size);
	*len += size;
	return 0;
}

/* struct vnpu_stream - a command stream being built: @len bytes of @buf. */
struct vnpu_stream {
	uint8_t buf[4096];
	size_t len;
};

/* Append @pkt (@size bytes) with @opcode and @flags: 0 or -ENOSPC. */
static inline int vnpu_stream_emit(struct vnpu_stream *s, uint16_t opcode, uint32_t flags,
				   void *pkt, size_t size)
{
	return vnpu_cmd_append(s->buf, sizeof(s->buf), &s->len, opcode, flags, pkt, size);
}

/* Append raw bytes (a malformed stream): 0 or -ENOSPC. */
static inline int vnpu_stream_emit_raw(struct vnpu_stream *s, const void *bytes, size_t size)
{
	if (s->len + size > sizeof(s->buf))
		return -ENOSPC;
	memcpy(s->buf + s->len, bytes, size);
	s->len += size;
	return 0;
}

static inline int vnpu_stream_fence_write(struct vnpu_stream *s, uint64_t va, uint64_t value)
{
	struct vnpu_pkt_fence_write p = { .va = va, .value = value };

	return vnpu_stream_emit(s, VNPU_OP_FENCE_WRITE, 0, &p, sizeof(p));
}

static inline int vnpu_stream_sem_wait(struct vnpu_stream *s, uint64_t va, uint64_t value,
				       uint64_t timeout_ns)
{
	struct vnpu_pkt_sem_wait p = { .va = va, .value = value, .timeout_ns = timeout_ns };

	return vnpu_stream_emit(s, VNPU_OP_SEM_WAIT, 0, &p, sizeof(p));
}

static inline int vnpu_stream_dma_copy(struct vnpu_stream *s, uint64_t src, uint64_t dst,
				       uint64_t size)
{
	struct vnpu_pkt_dma_copy p = { .src_va = src, .dst_va = dst, .size = size };

	return vnpu_stream_emit(s, VNPU_OP_DMA_COPY, 0, &p, sizeof(p));
}

/* DMA_FILL of @size bytes at @dst with @value, @width bytes at a time. */
static inline int vnpu_stream_dma_fill(struct vnpu_stream *s, uint64_t dst, uint64_t size,
				       uint64_t value, uint32_t width)
{
	struct vnpu_pkt_dma_fill p = { .dst_va = dst, .size = size, .value = value,
				       .width = width };

	return vnpu_stream_emit(s, VNPU_OP_DMA_FILL, 0, &p, sizeof(p));
}

#endif

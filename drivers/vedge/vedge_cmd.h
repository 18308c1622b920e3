/* SPDX-License-Identifier: MIT */
/*
 * vedge: the command stream's operation state (the registers SET commands write) and the
 * geometry every operation derives from it, as include/uapi/drm/vedge_accel.h defines them.
 * One definition, used by the stream checker (vedge_validate.c) before a job is queued and
 * by the device model (vedge_hw.c) as it runs the stream, so the two cannot disagree on what
 * a command means.
 */
#ifndef DRIVERS_VEDGE_CMD_H
#define DRIVERS_VEDGE_CMD_H

#include <stdbool.h>
#include <stdint.h>

#include <uapi/drm/vedge_accel.h>

/* Most commands one stream holds (VEDGE_PARAM_MAX_CMDS). */
#define VEDGE_MAX_CMDS		65536u

/**
 * struct vedge_fm_state - one feature map's registers (IFM, IFM2 or OFM block).
 * @region, @offset, @h, @w, @c, @stride_y, @stride_x: as SET; strides 0 = dense.
 * @zero_point: -128..127.  @mult, @shift: the SCALE register.
 */
struct vedge_fm_state {
	uint32_t region, offset;
	uint32_t h, w, c;
	uint32_t stride_y, stride_x;
	int32_t zero_point;
	int32_t mult, shift;
};

/* Indices of struct vedge_state.fm. */
enum { VEDGE_FM_IFM, VEDGE_FM_IFM2, VEDGE_FM_OFM, VEDGE_FM_COUNT };

/**
 * struct vedge_state - the operation state of a job: every register a SET command writes,
 * at the defaults of the uAPI at the start of each job.
 */
struct vedge_state {
	struct vedge_fm_state fm[VEDGE_FM_COUNT];
	uint32_t kh, kw, sy, sx, dy, dx;
	uint32_t pad_top, pad_left, pad_bottom, pad_right;
	uint32_t weight_region, weight_offset, weight_length;
	uint32_t scale_region, scale_offset, scale_length;
	int32_t act_min, act_max;
	uint32_t act_lut;
	uint32_t lut_region, lut_offset;
	uint32_t dma_src_region, dma_src_offset, dma_dst_region, dma_dst_offset;
	uint32_t dma_length, dma_rows, dma_src_stride, dma_dst_stride;
};

/**
 * struct vedge_span - bytes an operand touches: [@offset, @offset + @len) of @region.
 */
struct vedge_span {
	uint32_t region;
	uint64_t offset;
	uint64_t len;
};

/** vedge_state_init() - the defaults of every register (start of a job). */
void vedge_state_init(struct vedge_state *s);

/**
 * vedge_state_set() - apply one SET command (or NOP) to @s.
 * @s: the state.
 * @cmd: a command whose opcode is below VEDGE_OP_CONV2D.
 * @has_dma: DMA registers exist.
 *
 * Return: 0, or -EINVAL for an unknown opcode, a non-zero @param where it must be 0, a value
 * out of its register's range, or a DMA register on a DMA-less device.
 */
int vedge_state_set(struct vedge_state *s, const struct vedge_cmd *cmd, bool has_dma);

/** vedge_fm_stride_x() - the effective STRIDE_X (DEPTH when 0). */
static inline uint64_t vedge_fm_stride_x(const struct vedge_fm_state *f)
{
	return f->stride_x ? f->stride_x : f->c;
}

/** vedge_fm_stride_y() - the effective STRIDE_Y (WIDTH * STRIDE_X when 0). */
static inline uint64_t vedge_fm_stride_y(const struct vedge_fm_state *f)
{
	return f->stride_y ? f->stride_y : (uint64_t)f->w * vedge_fm_stride_x(f);
}

/**
 * vedge_fm_span() - the bytes feature map @f covers (its last element included).
 * Return: 0, or -EINVAL when a set stride is smaller than the data it must step over.
 */
int vedge_fm_span(const struct vedge_fm_state *f, struct vedge_span *span);

/**
 * vedge_op_operands() - the operands of operation @opcode under @s: what it reads
 * (@in, @nr_in) and writes (@out, @nr_out), with every shape rule of the uAPI checked
 * (window formula, padding, depths, broadcast shapes, lengths, clamp order).
 * @s: the state.  @opcode: VEDGE_OP_*.
 * @in: room for 4 spans.  @out: room for 1 span.
 *
 * Return: 0 or -EINVAL.
 */
int vedge_op_operands(const struct vedge_state *s, uint16_t opcode, struct vedge_span *in,
		      unsigned int *nr_in, struct vedge_span *out, unsigned int *nr_out);

/**
 * vedge_op_macs() - multiply-accumulates operation @opcode performs under @s (its checked
 * state): the device's cost model and the MACS counter.
 */
uint64_t vedge_op_macs(const struct vedge_state *s, uint16_t opcode);

#endif

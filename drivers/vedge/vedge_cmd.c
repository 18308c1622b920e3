// SPDX-License-Identifier: MIT
/*
 * vedge: the command stream's operation state and operand geometry (vedge_cmd.h). Every
 * range and shape rule of include/uapi/drm/vedge_accel.h lives here once; the stream checker
 * and the device model both call it.
 */
#include <errno.h>
#include <string.h>

#include "vedge_cmd.h"

void vedge_state_init(struct vedge_state *s)
{
	memset(s, 0, sizeof(*s));
	for (unsigned int i = 0; i < VEDGE_FM_COUNT; i++) {
		s->fm[i].h = s->fm[i].w = s->fm[i].c = 1;
		s->fm[i].mult = 1 << 30;
		s->fm[i].shift = 1;
	}
	s->kh = s->kw = s->sy = s->sx = s->dy = s->dx = 1;
	s->act_min = -128;
	s->act_max = 127;
	s->dma_rows = 1;
}

/* An int8 register value: a two's-complement __u32 in -128..127. */
static int vedge_int8(uint32_t value, int32_t *out)
{
	int32_t v = (int32_t)value;

	if (v < -128 || v > 127)
		return -EINVAL;
	*out = v;
	return 0;
}

static int vedge_in_range(uint32_t value, uint32_t min, uint32_t max, uint32_t *out)
{
	if (value < min || value > max)
		return -EINVAL;
	*out = value;
	return 0;
}

static int vedge_region_value(uint32_t value, uint32_t *out)
{
	if (value >= VEDGE_MAX_REGIONS && value != VEDGE_REGION_SRAM)
		return -EINVAL;
	*out = value;
	return 0;
}

/* The SCALE register: M 0 or in [2^30, 2^31), s in -31..31 (param as an __s16). */
static int vedge_scale_value(const struct vedge_cmd *cmd, int32_t *mult, int32_t *shift)
{
	int32_t s = (int16_t)cmd->param;

	if ((cmd->value && (cmd->value < (1u << 30) || cmd->value > 0x7fffffffu)) || s < -31 ||
	    s > 31)
		return -EINVAL;
	*mult = (int32_t)cmd->value;
	*shift = s;
	return 0;
}

/* IFM, IFM2 and OFM blocks: same register layout at +0..+8. */
static int vedge_fm_set(struct vedge_fm_state *f, const struct vedge_cmd *cmd)
{
	unsigned int reg = cmd->opcode & 0x0f;

	if (reg == 8)
		return vedge_scale_value(cmd, &f->mult, &f->shift);
	if (cmd->param)
		return -EINVAL;
	switch (reg) {
	case 0: return vedge_region_value(cmd->value, &f->region);
	case 1: f->offset = cmd->value; return 0;
	case 2: return vedge_in_range(cmd->value, 1, 65535, &f->h);
	case 3: return vedge_in_range(cmd->value, 1, 65535, &f->w);
	case 4: return vedge_in_range(cmd->value, 1, 65535, &f->c);
	case 5: f->stride_y = cmd->value; return 0;
	case 6: f->stride_x = cmd->value; return 0;
	case 7: return vedge_int8(cmd->value, &f->zero_point);
	default: return -EINVAL;
	}
}

static int vedge_dma_set(struct vedge_state *s, const struct vedge_cmd *cmd)
{
	switch (cmd->opcode) {
	case VEDGE_SET_DMA_SRC_REGION: return vedge_region_value(cmd->value, &s->dma_src_region);
	case VEDGE_SET_DMA_SRC_OFFSET: s->dma_src_offset = cmd->value; return 0;
	case VEDGE_SET_DMA_DST_REGION: return vedge_region_value(cmd->value, &s->dma_dst_region);
	case VEDGE_SET_DMA_DST_OFFSET: s->dma_dst_offset = cmd->value; return 0;
	case VEDGE_SET_DMA_LENGTH: s->dma_length = cmd->value; return 0;
	case VEDGE_SET_DMA_ROWS: return vedge_in_range(cmd->value, 1, UINT32_MAX, &s->dma_rows);
	case VEDGE_SET_DMA_SRC_STRIDE: s->dma_src_stride = cmd->value; return 0;
	case VEDGE_SET_DMA_DST_STRIDE: s->dma_dst_stride = cmd->value; return 0;
	default: return -EINVAL;
	}
}

int vedge_state_set(struct vedge_state *s, const struct vedge_cmd *cmd, bool has_dma)
{
	uint16_t op = cmd->opcode;

	if (op >= 0x10 && op <= 0x3f)
		return vedge_fm_set(&s->fm[(op >> 4) - 1], cmd);
	if (cmd->param)
		return -EINVAL;
	if (op >= 0x60 && op <= 0x6f)
		return has_dma ? vedge_dma_set(s, cmd) : -EINVAL;
	switch (op) {
	case VEDGE_CMD_NOP: return cmd->value ? -EINVAL : 0;
	case VEDGE_SET_KERNEL_HEIGHT: return vedge_in_range(cmd->value, 1, 255, &s->kh);
	case VEDGE_SET_KERNEL_WIDTH: return vedge_in_range(cmd->value, 1, 255, &s->kw);
	case VEDGE_SET_STRIDE_Y: return vedge_in_range(cmd->value, 1, 15, &s->sy);
	case VEDGE_SET_STRIDE_X: return vedge_in_range(cmd->value, 1, 15, &s->sx);
	case VEDGE_SET_DILATION_Y: return vedge_in_range(cmd->value, 1, 15, &s->dy);
	case VEDGE_SET_DILATION_X: return vedge_in_range(cmd->value, 1, 15, &s->dx);
	case VEDGE_SET_PAD_TOP: return vedge_in_range(cmd->value, 0, 127, &s->pad_top);
	case VEDGE_SET_PAD_LEFT: return vedge_in_range(cmd->value, 0, 127, &s->pad_left);
	case VEDGE_SET_PAD_BOTTOM: return vedge_in_range(cmd->value, 0, 127, &s->pad_bottom);
	case VEDGE_SET_PAD_RIGHT: return vedge_in_range(cmd->value, 0, 127, &s->pad_right);
	case VEDGE_SET_WEIGHT_REGION: return vedge_region_value(cmd->value, &s->weight_region);
	case VEDGE_SET_WEIGHT_OFFSET: s->weight_offset = cmd->value; return 0;
	case VEDGE_SET_WEIGHT_LENGTH: s->weight_length = cmd->value; return 0;
	case VEDGE_SET_SCALE_REGION: return vedge_region_value(cmd->value, &s->scale_region);
	case VEDGE_SET_SCALE_OFFSET: s->scale_offset = cmd->value; return 0;
	case VEDGE_SET_SCALE_LENGTH: s->scale_length = cmd->value; return 0;
	case VEDGE_SET_ACT_MIN: return vedge_int8(cmd->value, &s->act_min);
	case VEDGE_SET_ACT_MAX: return vedge_int8(cmd->value, &s->act_max);
	case VEDGE_SET_ACT_LUT: return vedge_in_range(cmd->value, 0, 1, &s->act_lut);
	case VEDGE_SET_LUT_REGION: return vedge_region_value(cmd->value, &s->lut_region);
	case VEDGE_SET_LUT_OFFSET: s->lut_offset = cmd->value; return 0;
	default: return -EINVAL;
	}
}

int vedge_fm_span(const struct vedge_fm_state *f, struct vedge_span *span)
{
	uint64_t sx = vedge_fm_stride_x(f), sy = vedge_fm_stride_y(f);

	/* Set strides must step over a whole pixel and a whole row; both fit 32 bits. */
	if (sx < f->c || sy < (uint64_t)f->w * sx || sy > UINT32_MAX)
		return -EINVAL;
	span->region = f->region;
	span->offset = f->offset;
	span->len = (uint64_t)(f->h - 1) * sy + (uint64_t)(f->w - 1) * sx + f->c;
	return 0;
}

/* One dimension of the window formula: OFM == (IFM + pads - extent) / stride + 1. */
static int vedge_window_dim(uint32_t ifm, uint32_t ofm, uint32_t k, uint32_t stride,
			    uint32_t dil, uint32_t pad_a, uint32_t pad_b)
{
	uint64_t ext = (uint64_t)(k - 1) * dil + 1;
	uint64_t in = (uint64_t)ifm + pad_a + pad_b;

	if (pad_a >= ext || pad_b >= ext || in < ext)
		return -EINVAL;
	return (in - ext) / stride + 1 == ofm ? 0 : -EINVAL;
}

static int vedge_window_check(const struct vedge_state *s)
{
	const struct vedge_fm_state *i = &s->fm[VEDGE_FM_IFM], *o = &s->fm[VEDGE_FM_OFM];

	if (vedge_window_dim(i->h, o->h, s->kh, s->sy, s->dy, s->pad_top, s->pad_bottom) ||
	    vedge_window_dim(i->w, o->w, s->kw, s->sx, s->dx, s->pad_left, s->pad_right))
		return -EINVAL;
	return 0;
}

static bool vedge_same_shape(const struct vedge_fm_state *a, const struct vedge_fm_state *b)
{
	return a->h == b->h && a->w == b->w && a->c == b->c;
}

/* Weights and scales of the convolution family: exact lengths. */
static int vedge_weight_scale_spans(const struct vedge_state *s, uint64_t weights,
				    struct vedge_span *in)
{
	uint64_t scales = (uint64_t)s->fm[VEDGE_FM_OFM].c * sizeof(struct vedge_scale_entry);

	if (s->weight_length != weights || s->scale_length != scales)
		return -EINVAL;
	in[0] = (struct vedge_span){ s->weight_region, s->weight_offset, weights };
	in[1] = (struct vedge_span){ s->scale_region, s->scale_offset, scales };
	return 0;
}

int vedge_op_operands(const struct vedge_state *s, uint16_t opcode, struct vedge_span *in,
		      unsigned int *nr_in, struct vedge_span *out, unsigned int *nr_out)
{
	const struct vedge_fm_state *ifm = &s->fm[VEDGE_FM_IFM], *ifm2 = &s->fm[VEDGE_FM_IFM2];
	const struct vedge_fm_state *ofm = &s->fm[VEDGE_FM_OFM];
	uint64_t kk = (uint64_t)s->kh * s->kw;
	int ret = 0;

	*nr_in = 0;
	*nr_out = 0;
	if (opcode == VEDGE_OP_LUT_LOAD) {
		in[(*nr_in)++] = (struct vedge_span){ s->lut_region, s->lut_offset, 256 };
		return 0;
	}
	if (opcode == VEDGE_OP_DMA_COPY) {
		uint64_t ss = s->dma_src_stride ? s->dma_src_stride : s->dma_length;
		uint64_t ds = s->dma_dst_stride ? s->dma_dst_stride : s->dma_length;

		if (!s->dma_length)
			return -EINVAL;
		in[(*nr_in)++] = (struct vedge_span){ s->dma_src_region, s->dma_src_offset,
						      (s->dma_rows - 1ull) * ss + s->dma_length };
		out[(*nr_out)++] = (struct vedge_span){ s->dma_dst_region, s->dma_dst_offset,
							(s->dma_rows - 1ull) * ds + s->dma_length };
		return 0;
	}
	if (opcode < VEDGE_OP_CONV2D || opcode > VEDGE_OP_LUT)
		return -EINVAL;
	if (opcode != VEDGE_OP_LUT && s->act_min > s->act_max)
		return -EINVAL;
	if (vedge_fm_span(ifm, &in[(*nr_in)++]) || vedge_fm_span(ofm, &out[(*nr_out)++]))
		return -EINVAL;
	switch (opcode) {
	case VEDGE_OP_CONV2D:
		ret = vedge_window_check(s) ?:
		      vedge_weight_scale_spans(s, (uint64_t)ofm->c * kk * ifm->c, &in[1]);
		*nr_in = 3;
		break;
	case VEDGE_OP_DEPTHWISE_CONV2D:
		ret = ifm->c != ofm->c ? -EINVAL : vedge_window_check(s) ?:
		      vedge_weight_scale_spans(s, kk * ofm->c, &in[1]);
		*nr_in = 3;
		break;
	case VEDGE_OP_FULLY_CONNECTED:
		if (ifm->h != 1 || ifm->w != 1 || ofm->h != 1 || ofm->w != 1)
			return -EINVAL;
		ret = vedge_weight_scale_spans(s, (uint64_t)ofm->c * ifm->c, &in[1]);
		*nr_in = 3;
		break;
	case VEDGE_OP_MAXPOOL:
	case VEDGE_OP_AVGPOOL:
		ret = ifm->c != ofm->c ? -EINVAL : vedge_window_check(s);
		break;
	case VEDGE_OP_ADD:
	case VEDGE_OP_MUL:
		if (!vedge_same_shape(ifm, ofm))
			return -EINVAL;
		if (!vedge_same_shape(ifm2, ofm) &&
		    !(ifm2->h == 1 && ifm2->w == 1 && (ifm2->c == ofm->c || ifm2->c == 1)))
			return -EINVAL;
		ret = vedge_fm_span(ifm2, &in[(*nr_in)++]);
		break;
	case VEDGE_OP_LUT:
		ret = vedge_same_shape(ifm, ofm) ? 0 : -EINVAL;
		break;
	}
	return ret;
}

uint64_t vedge_op_macs(const struct vedge_state *s, uint16_t opcode)
{
	const struct vedge_fm_state *ifm = &s->fm[VEDGE_FM_IFM], *ofm = &s->fm[VEDGE_FM_OFM];
	uint64_t outs = (uint64_t)ofm->h * ofm->w * ofm->c;

	switch (opcode) {
	case VEDGE_OP_CONV2D:
		return outs * s->kh * s->kw * ifm->c;
	case VEDGE_OP_DEPTHWISE_CONV2D:
		return outs * s->kh * s->kw;
	case VEDGE_OP_FULLY_CONNECTED:
		return (uint64_t)ofm->c * ifm->c;
	case VEDGE_OP_MAXPOOL:
	case VEDGE_OP_AVGPOOL:
		return outs * s->kh * s->kw;
	case VEDGE_OP_ADD:
	case VEDGE_OP_MUL:
	case VEDGE_OP_LUT:
		return outs;
	default:
		return 0;
	}
}

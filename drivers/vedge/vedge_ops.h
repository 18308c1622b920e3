/* SPDX-License-Identifier: MIT */
/*
 * vedge: the NPU's int8 operations, as the device model runs them once a stream's command
 * has been checked. The device model (vedge_hw.c) resolves regions to host pointers and
 * registers to these descriptors; the functions below only compute. Arithmetic is the one
 * include/uapi/drm/vedge_accel.h and docs/vedge-arith.md define, bit for bit (32-bit
 * accumulators wrapping modulo 2^32, requantization exactly as TFLite's).
 *
 * Every function is reentrant (no state between calls) and returns 0 or a negative errno
 * (-ENOMEM for working memory); inputs are trusted: the stream checker has bounded every
 * operand, so no function re-checks shapes against its buffers.
 */
#ifndef VEDGE_OPS_H
#define VEDGE_OPS_H

#include <stdint.h>

#include <uapi/drm/vedge_accel.h>

/**
 * struct vedge_fmap - a feature map resolved to memory.
 * @base: address of element (0, 0, 0).
 * @h, @w, @c: height, width, depth.
 * @stride_y, @stride_x: bytes between rows and between pixels (resolved: never 0).
 * @zero_point: -128..127.
 * @mult, @shift: the map's SCALE register (used by ADD for inputs, ADD/MUL for output).
 */
struct vedge_fmap {
	int8_t *base;
	uint32_t h, w, c;
	uint32_t stride_y, stride_x;
	int32_t zero_point;
	int32_t mult, shift;
};

/**
 * struct vedge_window - a convolution or pooling window.
 * @kh, @kw: kernel height and width.
 * @sy, @sx: strides.
 * @dy, @dx: dilations.
 * @pad_top, @pad_left, @pad_bottom, @pad_right: padding.
 */
struct vedge_window {
	uint32_t kh, kw, sy, sx, dy, dx;
	uint32_t pad_top, pad_left, pad_bottom, pad_right;
};

/**
 * struct vedge_act - the output stage.
 * @min, @max: the clamp (-128 <= min <= max <= 127).
 * @lut: NULL, or the 256-entry table applied after the clamp (ACT_LUT).
 */
struct vedge_act {
	int32_t min, max;
	const int8_t *lut;
};

/**
 * vedge_doubling_high_mul() - TFLite's (gemmlowp's) SaturatingRoundingDoublingHighMul:
 * round(a * b / 2^31) with a tie rounded up (towards +infinity: gemmlowp's nudge, the
 * rounding of Arm's VQRDMULH), and the one product that does not fit, INT32_MIN * INT32_MIN,
 * saturated to INT32_MAX.
 * @a, @b: the factors.
 *
 * Return: the rounded high half of 2 * a * b.
 */
int32_t vedge_doubling_high_mul(int32_t a, int32_t b);

/**
 * vedge_rounding_divide_pot() - TFLite's RoundingDivideByPOT: round(x / 2^exponent), a tie
 * rounded half away from zero.
 * @x: the dividend.
 * @exponent: 0..31 (0 returns @x).
 *
 * Return: the rounded quotient.
 */
int32_t vedge_rounding_divide_pot(int32_t x, int32_t exponent);

/**
 * vedge_requant() - requant(acc, M, s) of docs/vedge-arith.md: about acc * M * 2^(s - 31),
 * computed as TFLite's MultiplyByQuantizedMultiplier: x = acc * 2^max(s, 0) saturated to
 * 32 bits, then vedge_doubling_high_mul(x, M), then vedge_rounding_divide_pot(.., max(-s, 0)).
 * @acc: the 32-bit accumulator.
 * @mult: M, 0 or in [2^30, 2^31).
 * @shift: s, -31..31.
 *
 * Return: the requantized value.
 */
int32_t vedge_requant(int32_t acc, int32_t mult, int32_t shift);

/**
 * vedge_op_conv2d() - CONV2D: OHWI @weights, per-output-channel @scales.
 * @ifm: input; @ofm: output (h, w from the window formula; c = output channels).
 * @win: the window.
 * @weights: [ofm->c][kh][kw][ifm->c].
 * @scales: ofm->c entries.
 * @act: output stage.
 *
 * Return: 0 or -ENOMEM.
 */
int vedge_op_conv2d(const struct vedge_fmap *ifm, const struct vedge_fmap *ofm,
		    const struct vedge_window *win, const int8_t *weights,
		    const struct vedge_scale_entry *scales, const struct vedge_act *act);

/**
 * vedge_op_depthwise_conv2d() - DEPTHWISE_CONV2D: HWC @weights, ifm->c == ofm->c.
 * Arguments as vedge_op_conv2d(); @weights is [kh][kw][c].
 *
 * Return: 0 or -ENOMEM.
 */
int vedge_op_depthwise_conv2d(const struct vedge_fmap *ifm, const struct vedge_fmap *ofm,
			      const struct vedge_window *win, const int8_t *weights,
			      const struct vedge_scale_entry *scales, const struct vedge_act *act);

/**
 * vedge_op_fully_connected() - FULLY_CONNECTED: ofm->c outputs from ifm->c inputs.
 * @weights: [ofm->c][ifm->c]. Other arguments as vedge_op_conv2d().
 *
 * Return: 0 or -ENOMEM.
 */
int vedge_op_fully_connected(const struct vedge_fmap *ifm, const struct vedge_fmap *ofm,
			     const int8_t *weights, const struct vedge_scale_entry *scales,
			     const struct vedge_act *act);

/**
 * vedge_op_maxpool() - MAXPOOL over @win (padding excluded).
 *
 * Return: 0 or -ENOMEM.
 */
int vedge_op_maxpool(const struct vedge_fmap *ifm, const struct vedge_fmap *ofm,
		     const struct vedge_window *win, const struct vedge_act *act);

/**
 * vedge_op_avgpool() - AVGPOOL over @win: the mean of the elements inside the IFM,
 * rounded half away from zero.
 *
 * Return: 0 or -ENOMEM.
 */
int vedge_op_avgpool(const struct vedge_fmap *ifm, const struct vedge_fmap *ofm,
		     const struct vedge_window *win, const struct vedge_act *act);

/**
 * vedge_op_add() - ADD (TFLite's quantized add); @ifm2 is full-shape, per-channel
 * (h = w = 1) or scalar (h = w = c = 1).
 *
 * Return: 0.
 */
int vedge_op_add(const struct vedge_fmap *ifm, const struct vedge_fmap *ifm2,
		 const struct vedge_fmap *ofm, const struct vedge_act *act);

/**
 * vedge_op_mul() - MUL; @ifm2 broadcast as for vedge_op_add().
 *
 * Return: 0.
 */
int vedge_op_mul(const struct vedge_fmap *ifm, const struct vedge_fmap *ifm2,
		 const struct vedge_fmap *ofm, const struct vedge_act *act);

/**
 * vedge_op_lut() - LUT: ofm = lut[ifm + 128], elementwise over equal shapes.
 *
 * Return: 0.
 */
int vedge_op_lut(const struct vedge_fmap *ifm, const struct vedge_fmap *ofm,
		 const int8_t *lut);

#endif

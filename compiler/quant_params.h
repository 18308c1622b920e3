/* SPDX-License-Identifier: MIT */
/*
 * Quantization parameters and the integer arithmetic of an int8 device (docs/compiler.md,
 * "Quantization"): a float scale as a fixed-point (multiplier M, shift s) pair, TFLite's
 * requantization by that pair, the choice of an activation's scale and zero point from its
 * range, symmetric per-channel weight quantization, the clamp a fused activation becomes, the
 * parameters of the quantized ADD, and the 256-entry table of an activation.
 *
 * The arithmetic is include/uapi/drm/vedge_accel.h's: requant(acc, M, s) =
 * round(acc * M * 2^(s - 31)) computed as TFLite's MultiplyByQuantizedMultiplier: gemmlowp's
 * doubling high multiply (nudged by 2^30 for a positive product, 1 - 2^30 for a negative one:
 * an exact negative tie goes toward zero there), then a rounding right shift taking ties away
 * from zero. The host kernels of the quantized graph (compiler/ops/quant_linear.c) and the vedge
 * code generator both take their integers from here, so that the host predicts the device.
 *
 * ONNX's own QuantizeLinear rounds half to even (quant_round_half_even()); the two roundings
 * are kept apart on purpose.
 */
#ifndef ACCEL_COMPILER_QUANT_PARAMS_H
#define ACCEL_COMPILER_QUANT_PARAMS_H

#include <stddef.h>
#include <stdint.h>

/* The left shift of both inputs of the quantized ADD (vedge_accel.h's VEDGE_OP_ADD, TFLite's). */
#define QUANT_ADD_LEFT_SHIFT 20

/**
 * struct quant_multiplier - a positive real factor as M * 2^(shift - 31)
 * @m: M, in [2^30, 2^31), or 0 for the factor 0 (or one too small to represent)
 * @shift: s, in -31..31
 */
struct quant_multiplier {
	int32_t m;
	int32_t shift;
};

/**
 * quant_multiplier_from_real() - the (M, s) pair nearest to @real
 * @real: the factor, >= 0 and finite (an input scale times a weight scale over an output
 *        scale); below 2^-32 it becomes M = 0, s = 0 (the device's "factor 0")
 * @q: the pair
 *
 * Return: 0, or -ERANGE when @real is 2^31 or more (no s in range represents it), -EINVAL for
 * a negative or non-finite @real.
 */
int quant_multiplier_from_real(double real, struct quant_multiplier *q);

/**
 * quant_output_multiplier() - the (M, s) pair of one output channel of a convolution or fully
 * connected layer: quant_multiplier_from_real(@in_scale * @w_scale / @out_scale), computed in
 * double from the three float scales (the host kernels and the code generator call this one
 * function, so that both take the same pair)
 * Return: as quant_multiplier_from_real(); -EINVAL for @out_scale <= 0.
 */
int quant_output_multiplier(float in_scale, float w_scale, float out_scale,
			    struct quant_multiplier *q);

/**
 * quant_requant() - TFLite's MultiplyByQuantizedMultiplier(@acc, M, s): round(@acc * M *
 * 2^(s - 31)) with gemmlowp's two roundings (above), saturated to int32. A positive s first
 * shifts @acc left (saturating to int32, as the device does).
 */
int32_t quant_requant(int32_t acc, struct quant_multiplier q);

/** quant_round_half_even() - @v to the nearest integer, ties to even (ONNX's rounding) */
double quant_round_half_even(double v);

/** quant_saturate() - @v clamped to [@lo, @hi] */
int64_t quant_saturate(int64_t v, int64_t lo, int64_t hi);

/**
 * quant_choose_asymmetric() - the int8 scale and zero point of a tensor seen in [@min, @max]:
 * the range widened to include 0 (so that 0 is exact, as padding needs), scale = (max - min)
 * / 255, zero point = -128 - min / scale rounded and clamped to -128..127. An empty range
 * (both 0) gets scale 1 and zero point 0.
 * Return: 0, or -EINVAL when @min > @max or either is not finite.
 */
int quant_choose_asymmetric(float min, float max, float *scale, int8_t *zero_point);

/**
 * quant_weights_per_channel() - symmetric int8 quantization of @w, @channels rows of @per
 * floats (output channel first: Conv's OIHW, a transposed Gemm weight): scale[c] =
 * max|w[c]| / 127 (1 for an all-zero row), q = round_half_even(w / scale[c]) clamped to
 * -127..127 (the symmetric range; -128 is never used)
 * @q: @channels * @per int8s
 * @scale: @channels floats
 * Return: 0, or -EINVAL when a weight is not finite.
 */
int quant_weights_per_channel(const float *w, size_t channels, size_t per, int8_t *q, float *scale);

/**
 * quant_bias() - an s32 bias at scale @in_scale * @w_scale: round_half_even(b / scale),
 * saturated to int32 (0 when the scale is 0)
 */
int32_t quant_bias(float b, float in_scale, float w_scale);

/* The activations a quantized node may apply (the values of enum ir_activation it takes). */
enum quant_act {
	QUANT_ACT_NONE,
	QUANT_ACT_RELU,
	QUANT_ACT_CLIP,
};

/**
 * quant_act_range() - the int8 output clamp [*@qmin, *@qmax] that applies @act to an output of
 * @scale and @zero_point: NONE -128..127; RELU from the zero point up; CLIP the quantized
 * bounds [@lo, @hi] (rounded half to even, within -128..127)
 */
void quant_act_range(enum quant_act act, float lo, float hi, float scale, int8_t zero_point,
		     int32_t *qmin, int32_t *qmax);

/**
 * struct quant_add_params - the integers of a quantized ADD (vedge_accel.h's VEDGE_OP_ADD,
 * TFLite's): a = requant((q1 - zp1) << 20, in1), b = requant((q2 - zp2) << 20, in2),
 * q = clamp(requant(a + b, out) + zp_out)
 */
struct quant_add_params {
	struct quant_multiplier in1;
	struct quant_multiplier in2;
	struct quant_multiplier out;
};

/**
 * quant_add_params() - the ADD's multipliers for inputs of scales @s1, @s2 and an output of
 * scale @s_out, as TFLite chooses them: both inputs brought to twice the larger input scale
 * Return: 0, or quant_multiplier_from_real()'s errors; -EINVAL for a scale <= 0.
 */
int quant_add_params(float s1, float s2, float s_out, struct quant_add_params *p);

/**
 * quant_add() - the quantized ADD of one pair of elements with @p (the device's arithmetic)
 * @act_min, @act_max: the output clamp
 */
int8_t quant_add(int8_t q1, int8_t zp1, int8_t q2, int8_t zp2, int8_t zp_out,
		 const struct quant_add_params *p, int32_t act_min, int32_t act_max);

/**
 * quant_lut_build() - the 256-entry table of @f for an int8 input of @in_scale, @in_zp and an
 * output of @out_scale, @out_zp: lut[q + 128] = clamp(round_half_even(f((q - in_zp) *
 * in_scale) / out_scale) + out_zp), as the device's LUT operation reads it
 * Return: 0, or -EINVAL for a scale <= 0.
 */
int quant_lut_build(float (*f)(float), float in_scale, int8_t in_zp, float out_scale,
		    int8_t out_zp, int8_t lut[256]);

#endif

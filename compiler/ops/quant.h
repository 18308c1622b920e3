/* SPDX-License-Identifier: MIT */
/*
 * What the quantization families (compiler/ops/quant.c, compiler/ops/quant_linear.c) share:
 * reading an 8- or 32-bit integer element, a scale or zero point that is per tensor or per
 * channel, and the attribute by which the quantize pass asks a QLinear op for the device's
 * fixed-point requantization. Private to compiler/ops/ but for the attribute's name.
 */
#ifndef ACCEL_COMPILER_OPS_QUANT_H
#define ACCEL_COMPILER_OPS_QUANT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler/op.h"

/*
 * A string attribute on QLinearConv and QLinearMatMul. "fixed_point": requantize as the int8
 * device does (compiler/quant_params.h: acc in 32 bits, requant by the (M, s) pair of
 * x_scale * w_scale[o] / y_scale, rounding half away from zero), with int8 operands, weights
 * symmetric (zero point 0) and a per-tensor input zero point; apply the fused activation
 * (passes.h's IR_ATTR_FUSED_ACTIVATION: Relu or Clip) as the output clamp; QLinearMatMul adds
 * an int32 [N] bias held in IR_ATTR_FUSED_BIAS. Absent: ONNX's semantics (the real factor in
 * double precision, rounding half to even).
 */
#define IR_ATTR_QUANT_REQUANT "accel.requant"
#define IR_QUANT_REQUANT_FIXED_POINT "fixed_point"

/** quant_int_type() - int8, uint8 or int32 */
bool quant_int_type(enum ir_dtype dt);

/** quant_load() - element @i of @p, of type int8, uint8 or int32 */
int32_t quant_load(enum ir_dtype dt, const void *p, size_t i);

/** quant_store() - @v, already in range, into element @i of @p (int8, uint8 or int32) */
void quant_store(enum ir_dtype dt, void *p, size_t i, int32_t v);

/** quant_range() - the lowest and highest value of @dt (int8 or uint8) */
void quant_range(enum ir_dtype dt, int32_t *lo, int32_t *hi);

/**
 * quant_param_count() - check a scale or zero point @t: a scalar or one element (per
 * tensor: *@count 1), or 1-D of @channels elements (per channel: *@count @channels)
 * Return: 0, or -EINVAL naming @what.
 */
int quant_param_count(struct op_ctx *c, const struct ir_tensor *t, int64_t channels,
		      const char *what, int64_t *count);

#endif

/* SPDX-License-Identifier: MIT */
/* Comparing a computed tensor with a reference (ONNX test data's output_N.pb). */
#ifndef ACCEL_COMPILER_TENSOR_COMPARE_H
#define ACCEL_COMPILER_TENSOR_COMPARE_H

#include <stddef.h>

#include "compiler/ir.h"

/**
 * struct tensor_compare_result - how far a result is from its reference
 * @max_abs: largest |got - ref| (infinity when one side is NaN and the other not)
 * @max_rel: largest |got - ref| / |ref| over the non-zero references
 * @mismatches: elements outside the tolerance (floating types) or different (the others)
 * @numel: elements compared
 */
struct tensor_compare_result {
	double max_abs;
	double max_rel;
	size_t mismatches;
	size_t numel;
};

/**
 * tensor_compare() - compare @got (@dtype, @numel elements) with @ref
 *
 * Floating types (float, double, float16, bfloat16) match when |got - ref| <= atol + rtol *
 * |ref|, NaN matching NaN and an infinity the same infinity; integers and bools must be equal.
 *
 * Return: 0 (the result in @r, mismatches or not); -EINVAL when @ref's type or element count
 * differs from @dtype / @numel, or the type is unknown.
 */
int tensor_compare(const struct ir_tensor *ref, enum ir_dtype dtype, const void *got,
		   size_t numel, double rtol, double atol, struct tensor_compare_result *r);

/** ir_half_to_float() - an IEEE binary16 value as a float */
float ir_half_to_float(uint16_t h);

/** ir_bf16_to_float() - a bfloat16 value as a float */
float ir_bf16_to_float(uint16_t h);

#endif

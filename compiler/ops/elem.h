/* SPDX-License-Identifier: MIT */
/*
 * Typed element access for the host kernels of the reduction and indexing families
 * (compiler/ops/reduce.c, index.c): read any numeric element as a double or an exact int64,
 * store one, compare two. Data is dense and little-endian in the IR's types (compiler/ir.h).
 */
#ifndef ACCEL_COMPILER_OPS_ELEM_H
#define ACCEL_COMPILER_OPS_ELEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler/ir.h"
#include "compiler/tensor_compare.h"

/** elem_is_int() - int8, uint8, int32 or int64 (the integer types kernels compute exactly) */
static inline bool elem_is_int(enum ir_dtype dt)
{
	return dt == IR_DTYPE_INT8 || dt == IR_DTYPE_UINT8 || dt == IR_DTYPE_INT32 ||
	       dt == IR_DTYPE_INT64;
}

/** elem_f64() - element @i of @p as a double (any numeric type, bool) */
static inline double elem_f64(enum ir_dtype dt, const void *p, size_t i)
{
	switch (dt) {
	case IR_DTYPE_FLOAT:
		return ((const float *)p)[i];
	case IR_DTYPE_DOUBLE:
		return ((const double *)p)[i];
	case IR_DTYPE_FLOAT16:
		return ir_half_to_float(((const uint16_t *)p)[i]);
	case IR_DTYPE_BFLOAT16:
		return ir_bf16_to_float(((const uint16_t *)p)[i]);
	case IR_DTYPE_INT8:
		return ((const int8_t *)p)[i];
	case IR_DTYPE_UINT8:
	case IR_DTYPE_BOOL:
		return ((const uint8_t *)p)[i];
	case IR_DTYPE_INT32:
		return ((const int32_t *)p)[i];
	case IR_DTYPE_INT64:
		return (double)((const int64_t *)p)[i];
	default:
		return 0;
	}
}

/** elem_i64() - element @i of an integer tensor as an int64 (exact, unlike elem_f64 beyond 2^53) */
static inline int64_t elem_i64(enum ir_dtype dt, const void *p, size_t i)
{
	switch (dt) {
	case IR_DTYPE_INT8:
		return ((const int8_t *)p)[i];
	case IR_DTYPE_UINT8:
	case IR_DTYPE_BOOL:
		return ((const uint8_t *)p)[i];
	case IR_DTYPE_INT32:
		return ((const int32_t *)p)[i];
	case IR_DTYPE_INT64:
		return ((const int64_t *)p)[i];
	default:
		return (int64_t)elem_f64(dt, p, i);
	}
}

/**
 * elem_store() - store @f (float, double) or @n (integer types) as element @i of @p; float16
 * and bfloat16 are not stored (kernels refuse them first)
 */
static inline void elem_store(enum ir_dtype dt, void *p, size_t i, double f, int64_t n)
{
	switch (dt) {
	case IR_DTYPE_FLOAT:
		((float *)p)[i] = (float)f;
		break;
	case IR_DTYPE_DOUBLE:
		((double *)p)[i] = f;
		break;
	case IR_DTYPE_INT8:
		((int8_t *)p)[i] = (int8_t)n;
		break;
	case IR_DTYPE_UINT8:
		((uint8_t *)p)[i] = (uint8_t)n;
		break;
	case IR_DTYPE_INT32:
		((int32_t *)p)[i] = (int32_t)n;
		break;
	case IR_DTYPE_INT64:
		((int64_t *)p)[i] = n;
		break;
	default:
		break;
	}
}

/** elem_cmp() - -1, 0 or 1 as element @i of @p is below, equal to or above element @j */
static inline int elem_cmp(enum ir_dtype dt, const void *p, size_t i, size_t j)
{
	if (elem_is_int(dt)) {
		int64_t a = elem_i64(dt, p, i), b = elem_i64(dt, p, j);

		return a < b ? -1 : a > b;
	} else {
		double a = elem_f64(dt, p, i), b = elem_f64(dt, p, j);

		return a < b ? -1 : a > b;
	}
}

#endif

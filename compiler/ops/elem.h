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
#include <string.h>

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

/** elem_half_of() - @f as an IEEE binary16, rounded to nearest even (inf beyond 65504) */
static inline uint16_t elem_half_of(float f)
{
	uint32_t x, man, full, rem, halfway;
	uint16_t sign, h;
	int e, shift;

	memcpy(&x, &f, sizeof(x));
	sign = (uint16_t)((x >> 16) & 0x8000);
	man = x & 0x7fffff;
	if (((x >> 23) & 0xff) == 0xff)
		return (uint16_t)(sign | 0x7c00 | (man ? 0x200 | (man >> 13) : 0));
	e = (int)((x >> 23) & 0xff) - 127 + 15;
	if (e >= 31)
		return (uint16_t)(sign | 0x7c00);
	if (e > 0) {
		/* Normal: drop 13 mantissa bits, rounding; a carry moves into the exponent. */
		h = (uint16_t)((e << 10) | (man >> 13));
		rem = man & 0x1fff;
		if (rem > 0x1000 || (rem == 0x1000 && (h & 1)))
			h++;
		return (uint16_t)(sign | h);
	}
	/* Subnormal: the value is (2^23 + man) * 2^(e - 14 - 23 + 13) = full >> (14 - e) units. */
	shift = 14 - e;
	if (shift > 24)
		return sign;
	full = man | 0x800000;
	h = (uint16_t)(full >> shift);
	rem = full & ((1u << shift) - 1);
	halfway = 1u << (shift - 1);
	if (rem > halfway || (rem == halfway && (h & 1)))
		h++;
	return (uint16_t)(sign | h);
}

/** elem_bf16_of() - @f as a bfloat16 (the upper half of a binary32), rounded to nearest even */
static inline uint16_t elem_bf16_of(float f)
{
	uint32_t x;

	memcpy(&x, &f, sizeof(x));
	if ((x & 0x7fffffff) > 0x7f800000)
		return (uint16_t)((x >> 16) | 0x40);
	return (uint16_t)((x + 0x7fff + ((x >> 16) & 1)) >> 16);
}

/** elem_store() - store @f (floating types) or @n (integer types) as element @i of @p */
static inline void elem_store(enum ir_dtype dt, void *p, size_t i, double f, int64_t n)
{
	switch (dt) {
	case IR_DTYPE_FLOAT:
		((float *)p)[i] = (float)f;
		break;
	case IR_DTYPE_DOUBLE:
		((double *)p)[i] = f;
		break;
	case IR_DTYPE_FLOAT16:
		((uint16_t *)p)[i] = elem_half_of((float)f);
		break;
	case IR_DTYPE_BFLOAT16:
		((uint16_t *)p)[i] = elem_bf16_of((float)f);
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

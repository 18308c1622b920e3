/* SPDX-License-Identifier: MIT */
/*
 * What the elementwise families (elementwise.c: unary ops and Cast; elementwise_binary.c:
 * broadcasting ops) share: element access in any IR type, numpy-broadcast iteration, and the
 * shapes that pre-opset-7 "legacy" broadcasting gives an input. Private to compiler/ops/.
 */
#ifndef ACCEL_COMPILER_OPS_ELEMENTWISE_H
#define ACCEL_COMPILER_OPS_ELEMENTWISE_H

#include <stdbool.h>
#include <stdint.h>

#include "compiler/op.h"

/* Type sets, one bit per enum ir_dtype value (all below 32). */
#define EW_T(dt) (1u << (dt))
#define EW_T_FLOAT (EW_T(IR_DTYPE_FLOAT) | EW_T(IR_DTYPE_DOUBLE) | EW_T(IR_DTYPE_FLOAT16) | \
		    EW_T(IR_DTYPE_BFLOAT16))
#define EW_T_SINT (EW_T(IR_DTYPE_INT8) | EW_T(IR_DTYPE_INT16) | EW_T(IR_DTYPE_INT32) | \
		   EW_T(IR_DTYPE_INT64))
#define EW_T_UINT (EW_T(IR_DTYPE_UINT8) | EW_T(IR_DTYPE_UINT16) | EW_T(IR_DTYPE_UINT32) | \
		   EW_T(IR_DTYPE_UINT64))
#define EW_T_BOOL EW_T(IR_DTYPE_BOOL)
#define EW_T_NUM (EW_T_FLOAT | EW_T_SINT | EW_T_UINT)
#define EW_T_ALL (EW_T_NUM | EW_T_BOOL)

/** ew_type_in() - whether @dt is one of the set @types */
static inline bool ew_type_in(enum ir_dtype dt, unsigned int types)
{
	return (unsigned int)dt < 32 && ir_dtype_size(dt) && (types & EW_T(dt));
}

/** ew_load_f() - element @i of @p (of type @dt) as a double; bool is 0/1 */
double ew_load_f(enum ir_dtype dt, const void *p, int64_t i);

/**
 * ew_load_s() - element @i of an integer or bool tensor as an int64 (unsigned types
 * zero-extended, uint64 as its bits); a floating element truncated toward zero (saturated,
 * NaN 0)
 */
int64_t ew_load_s(enum ir_dtype dt, const void *p, int64_t i);

/**
 * ew_store_f() - store @v as element @i of @p: floating types round to nearest even (float16,
 * bfloat16 from the float value), integers truncate toward zero (saturating to int64, NaN 0)
 * then wrap to their width, bool is @v != 0
 */
void ew_store_f(enum ir_dtype dt, void *p, int64_t i, double v);

/**
 * ew_store_s() - store @v as element @i of @p: integers wrap to their width (two's
 * complement), floating types convert, bool is @v != 0
 */
void ew_store_s(enum ir_dtype dt, void *p, int64_t i, int64_t v);

/** ew_float_to_half() - the IEEE binary16 nearest @f (ties to even; NaN stays NaN) */
uint16_t ew_float_to_half(float f);

/** ew_float_to_bf16() - the bfloat16 nearest @f (ties to even; NaN stays NaN) */
uint16_t ew_float_to_bf16(float f);

/* Inputs of one broadcasting node: as many as the host interpreter passes. */
#define EW_MAX_INPUTS 64

/**
 * struct ew_iter - walks an output of rank @rank in row-major order, keeping each input's
 * element offset (numpy broadcasting: an input's dims align at the right, a dim of 1 repeats)
 * @numel: the output's element count
 * @off: input j's element index for the current output element
 */
struct ew_iter {
	int rank;
	size_t n;
	int64_t numel;
	int64_t dims[IR_MAX_RANK];
	int64_t idx[IR_MAX_RANK];
	int64_t stride[EW_MAX_INPUTS][IR_MAX_RANK];
	int64_t off[EW_MAX_INPUTS];
};

/**
 * ew_iter_init() - iterate the output @out over the @n input shapes @in (each broadcastable
 * to @out: its rank at most @out's, each dim equal to @out's or 1)
 * Return: 0; -EINVAL when an input does not broadcast to @out (the message through @c).
 */
int ew_iter_init(struct op_ctx *c, struct ew_iter *it, const struct ir_tensor *out,
		 const struct ir_tensor *in, size_t n);

/** ew_iter_next() - advance to the next output element */
static inline void ew_iter_next(struct ew_iter *it)
{
	for (int d = it->rank - 1; d >= 0; d--) {
		for (size_t j = 0; j < it->n; j++)
			it->off[j] += it->stride[j][d];
		if (++it->idx[d] < it->dims[d])
			return;
		for (size_t j = 0; j < it->n; j++)
			it->off[j] -= it->stride[j][d] * it->dims[d];
		it->idx[d] = 0;
	}
}

/**
 * ew_input_shapes() - the shapes in which inputs 0..@n-1 of a broadcasting node take part:
 * their own, except that before opset 7 Add, Sub, Mul, Div, Pow, And, Or, Xor, Equal, Less
 * and Greater broadcast only with the attribute broadcast=1, input 1 then being aligned with
 * input 0's dims from the attribute axis (by default at the right) and padded with 1s to
 * input 0's rank; without it the two shapes must be equal.
 * @shapes: @n tensors, shape and type only (no name, no data)
 * Return: 0, or -EINVAL (missing input, bad attributes, legacy shapes that do not fit).
 */
int ew_input_shapes(struct op_ctx *c, struct ir_tensor *shapes, size_t n);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * What the neural-network families (compiler/ops/nn*.c) share: the sliding-window geometry of
 * Conv, ConvTranspose and the pools, and the conversion of a tensor's elements to and from
 * double, in which their host kernels compute (one code path for float, double, float16,
 * bfloat16, and the 8-bit integers MaxPool takes). Private to compiler/ops/.
 */
#ifndef ACCEL_COMPILER_OPS_NN_H
#define ACCEL_COMPILER_OPS_NN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler/op.h"

/**
 * struct nn_window - the geometry of a sliding window over the spatial axes of an N x C x ...
 * tensor, every attribute resolved (auto_pad turned into explicit pads)
 * @spatial: number of spatial axes (the tensor's rank - 2)
 * @in: the input's spatial dims
 * @out: the output's spatial dims
 * @kernel: the kernel's extent on each axis, in taps
 * @stride: distance between two windows
 * @dil: distance between two taps
 * @pad: the padding before each axis (ConvTranspose: may be negative, to widen the output)
 * @pad_end: the padding after each axis
 */
struct nn_window {
	int spatial;
	int64_t in[IR_MAX_RANK];
	int64_t out[IR_MAX_RANK];
	int64_t kernel[IR_MAX_RANK];
	int64_t stride[IR_MAX_RANK];
	int64_t dil[IR_MAX_RANK];
	int64_t pad[IR_MAX_RANK];
	int64_t pad_end[IR_MAX_RANK];
};

/**
 * nn_window_resolve() - the window of a Conv or pool node over @x with @kernel taps per axis:
 * reads strides, dilations, pads, auto_pad and (@ceil_ok) ceil_mode, checks them, computes
 * the output dims
 * Return: 0, or -EINVAL through op_fail().
 */
int nn_window_resolve(struct op_ctx *c, const struct ir_tensor *x, const int64_t *kernel,
		      bool ceil_ok, struct nn_window *w);

/**
 * nn_window_taps() - for every (tap, output position) pair of @w, the offset of the input
 * element it reads within one N x C plane: row k * numel(out) + o of the table; -1 where the
 * tap falls in the padding, -2 where it falls beyond the padding (a ceil_mode overhang)
 * @taps, @outs: set to the number of taps per window and of output positions
 * Return: the table (free()), or NULL when out of memory or too large.
 */
int64_t *nn_window_taps(const struct nn_window *w, int64_t *taps, int64_t *outs);

/** nn_numel() - product of @dims[0..n-1] (1 for n = 0) */
int64_t nn_numel(const int64_t *dims, int n);

/**
 * nn_load() - @n elements of type @dt at @p as doubles (float types, int8, uint8, int32, int64)
 * Return: a malloc'd array (one element at least, so that @n = 0 still succeeds), or NULL.
 */
double *nn_load(enum ir_dtype dt, const void *p, size_t n);

/** nn_store() - write @n doubles into @p as type @dt (rounded to nearest for float16/bfloat16) */
void nn_store(enum ir_dtype dt, void *p, const double *v, size_t n);

/**
 * nn_need_float() - fail with -EINVAL unless @t is of a floating type, naming it as @what
 * Return: 0 or -EINVAL.
 */
int nn_need_float(struct op_ctx *c, const struct ir_tensor *t, const char *what);

/**
 * nn_need_same_type() - fail with -EINVAL unless @t (when present) has @x's type
 * Return: 0 or -EINVAL.
 */
int nn_need_same_type(struct op_ctx *c, const struct ir_tensor *x, const struct ir_tensor *t);

/** nn_nomem() - op_fail(-ENOMEM) naming the node: the kernels' one out-of-memory message */
int nn_nomem(struct op_ctx *c);

#endif

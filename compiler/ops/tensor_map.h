/* SPDX-License-Identifier: MIT */
/*
 * What the tensor-layout families (compiler/ops/tensor*.c) share: an index-map gather that
 * Transpose, Slice, Pad, Tile, Expand, DepthToSpace and nearest Resize reduce to, and readers
 * of the constant inputs their output shapes depend on. Private to compiler/ops/.
 */
#ifndef ACCEL_COMPILER_OPS_TENSOR_MAP_H
#define ACCEL_COMPILER_OPS_TENSOR_MAP_H

#include <stddef.h>
#include <stdint.h>

#include "compiler/op.h"

/* tensor_map_gather()'s marker of an output element that takes the fill value (Pad). */
#define TENSOR_MAP_FILL (-1)

/**
 * tensor_map_gather() - out[o] = in[maps[0][o0] + maps[1][o1] + ...], elementwise by bytes
 * @esize: bytes per element
 * @rank: the output's rank (0: one element, offset 0)
 * @dims: the output's dimensions
 * @maps: per output dimension d, @dims[d] element offsets into @in; TENSOR_MAP_FILL makes the
 *        element @fill instead
 * @fill: one element (may be NULL when no map holds TENSOR_MAP_FILL)
 *
 * Every offset the sums reach must lie inside @in: the callers build the maps from shapes
 * that inference checked.
 */
void tensor_map_gather(size_t esize, int rank, const int64_t *dims, int64_t *const *maps,
		       const void *in, void *out, const void *fill);

/**
 * tensor_maps_alloc() - @rank maps of @dims[d] entries each into @maps (one allocation,
 * maps[0] owns it: free(maps[0]) releases all; rank 0 allocates a placeholder)
 * Return: 0; 1 when @dims hold no element (nothing allocated, nothing to gather); -ENOMEM.
 */
int tensor_maps_alloc(int rank, const int64_t *dims, int64_t **maps);

/** tensor_strides() - row-major element strides of @dims into @strides */
void tensor_strides(int rank, const int64_t *dims, int64_t *strides);

/**
 * tensor_const_ints() - the values of constant int64 or int32 input @i, at most @max of them
 * @n: receives the count; -1 when the input is absent
 * Return: 0; -EOPNOTSUPP when the input is not a constant (computed at run time); -EINVAL for
 * another type or too many values.
 */
int tensor_const_ints(struct op_ctx *c, size_t i, int64_t *vals, int max, int *n);

/**
 * tensor_const_doubles() - the values of constant input @i of any numeric type, as doubles,
 * at most @max of them (Resize's scales, Range's bounds)
 * @n: receives the count; -1 when the input is absent
 * Return: 0; -EOPNOTSUPP when not a constant; -EINVAL for a bool or too many values.
 */
int tensor_const_doubles(struct op_ctx *c, size_t i, double *vals, int max, int *n);

#endif

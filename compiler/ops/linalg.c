// SPDX-License-Identifier: MIT
/*
 * Linear algebra: MatMul, Gemm.
 * Shape inference follows the ONNX operator specification for opsets 7 to 17 (compiler/op.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/op.h"

static int infer_matmul(struct op_ctx *c)
{
	struct ir_tensor a, b;
	int64_t dims[IR_MAX_RANK];
	int rank, ret = op_need_inputs(c, 2);

	if (ret)
		return ret;
	a = *op_in(c, 0);
	b = *op_in(c, 1);
	if (a.rank < 1 || b.rank < 1)
		return op_fail(c, -EINVAL, "MatMul of a scalar");
	if (a.dtype != b.dtype)
		return op_fail(c, -EINVAL, "inputs of different types");
	/* 1-D operands: [K] is [1,K] on the left, [K,1] on the right; the 1 is dropped after. */
	if (a.rank == 1) {
		a.dims[1] = a.dims[0];
		a.dims[0] = 1;
		a.rank = 2;
	}
	if (b.rank == 1) {
		b.dims[1] = 1;
		b.rank = 2;
	}
	if (a.dims[a.rank - 1] != b.dims[b.rank - 2])
		return op_fail(c, -EINVAL, "inner dimensions differ (%lld vs %lld)",
				  (long long)a.dims[a.rank - 1], (long long)b.dims[b.rank - 2]);
	{
		struct ir_tensor ba = a, bb = b;

		ba.rank -= 2;
		bb.rank -= 2;
		ret = op_broadcast(c, &ba, &bb, dims, &rank);
		if (ret)
			return ret;
	}
	if (op_in(c, 0)->rank > 1)
		dims[rank++] = a.dims[a.rank - 2];
	if (op_in(c, 1)->rank > 1)
		dims[rank++] = b.dims[b.rank - 1];
	op_set_shape(op_out(c, 0), a.dtype, rank, dims);
	return 0;
}

static int infer_gemm(struct op_ctx *c)
{
	const struct ir_tensor *a, *b, *bias;
	int64_t ta, tb, m, k, k2, n, dims[2];
	int ret = op_need_inputs(c, 2);

	if (ret)
		return ret;
	ret = op_attr_int(c, "transA", 0, &ta) ?: op_attr_int(c, "transB", 0, &tb);
	if (ret)
		return ret;
	a = op_in(c, 0);
	b = op_in(c, 1);
	if (a->rank != 2 || b->rank != 2)
		return op_fail(c, -EINVAL, "A and B must be 2-D (ranks %d, %d)", a->rank, b->rank);
	m = ta ? a->dims[1] : a->dims[0];
	k = ta ? a->dims[0] : a->dims[1];
	k2 = tb ? b->dims[1] : b->dims[0];
	n = tb ? b->dims[0] : b->dims[1];
	if (k != k2)
		return op_fail(c, -EINVAL, "inner dimensions differ (%lld vs %lld)", (long long)k,
				  (long long)k2);
	dims[0] = m;
	dims[1] = n;
	bias = op_in(c, 2);
	if (bias) {
		/* C broadcasts unidirectionally to [M, N]. */
		if (bias->rank < 0 || bias->rank > 2)
			return op_fail(c, -EINVAL, "C of rank %d", bias->rank);
		for (int i = 0; i < bias->rank; i++) {
			int64_t d = bias->dims[i], want = dims[2 - bias->rank + i];

			if (d != 1 && d != want)
				return op_fail(c, -EINVAL, "C does not broadcast to [%lld, %lld]",
						  (long long)m, (long long)n);
		}
	}
	op_set_shape(op_out(c, 0), a->dtype, 2, dims);
	return 0;
}

const struct op_def op_defs_linalg[] = {
	{ "MatMul", infer_matmul, NULL },
	{ "Gemm", infer_gemm, NULL },
	{ NULL, NULL, NULL },
};

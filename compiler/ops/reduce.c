// SPDX-License-Identifier: MIT
/*
 * Reductions: ReduceMean, ReduceSum, ReduceMax...
 * Shape inference follows the ONNX operator specification for opsets 7 to 17 (compiler/op.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/op.h"

/* ReduceMean, ReduceSum, ReduceMax...: axes (an attribute, ReduceSum's an input from 13). */
static int infer_reduce(struct op_ctx *c)
{
	int64_t axes[2 * IR_MAX_RANK], dims[IR_MAX_RANK], keepdims, noop;
	const struct ir_tensor *x;
	bool red[IR_MAX_RANK] = { 0 };
	bool axes_input = !strcmp(c->node->op_type, "ReduceSum") && c->g->opset >= 13;
	int n, r = 0, ret = op_need_inputs(c, 1);

	if (ret)
		return ret;
	x = op_in(c, 0);
	ret = op_attr_int(c, "keepdims", 1, &keepdims) ?: op_attr_int(c, "noop_with_empty_axes", 0, &noop) ?:
	      op_const_ints(c, 1, axes_input ? NULL : "axes", axes, &n);
	if (ret)
		return ret;
	if (n <= 0 && noop)
		return op_infer_unary(c);
	for (int i = 0; i < x->rank; i++)
		red[i] = n <= 0;
	for (int i = 0; i < n; i++) {
		int a;

		ret = op_axis_norm(c, axes[i], x->rank, &a);
		if (ret)
			return ret;
		red[a] = true;
	}
	for (int i = 0; i < x->rank; i++) {
		if (!red[i])
			dims[r++] = x->dims[i];
		else if (keepdims)
			dims[r++] = 1;
	}
	op_set_shape(op_out(c, 0), x->dtype, r, dims);
	return 0;
}

const struct op_def op_defs_reduce[] = {
	{ "ReduceMean", infer_reduce, NULL },
	{ "ReduceSum", infer_reduce, NULL },
	{ "ReduceMax", infer_reduce, NULL },
	{ "ReduceMin", infer_reduce, NULL },
	{ "ReduceProd", infer_reduce, NULL },
	{ "ReduceSumSquare", infer_reduce, NULL },
	{ "ReduceL1", infer_reduce, NULL },
	{ "ReduceL2", infer_reduce, NULL },
	{ "ReduceLogSum", infer_reduce, NULL },
	{ "ReduceLogSumExp", infer_reduce, NULL },
	{ NULL, NULL, NULL },
};

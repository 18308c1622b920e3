// SPDX-License-Identifier: MIT
/*
 * Neural-network layers: convolution, pooling, softmax, normalisation, dropout.
 * Shape inference follows the ONNX operator specification for opsets 7 to 17 (compiler/op.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/op.h"

/*
 * Sliding windows (Conv, MaxPool, AveragePool): the output's spatial dims from @kernel
 * (effective size with @dil), @pads (begin..., end...), @strides, auto_pad and ceil_mode.
 */
static int infer_window(struct op_ctx *c, const struct ir_tensor *x, int spatial,
			const int64_t *kernel, int64_t *dims)
{
	int64_t pads[2 * IR_MAX_RANK], strides[IR_MAX_RANK], dil[IR_MAX_RANK], ceil_mode;
	const struct ir_attr *ap = ir_node_find_attr(c->node, "auto_pad");
	const char *auto_pad = "NOTSET";
	int ret;

	ret = op_attr_ints(c, "pads", 2 * spatial, 0, pads, NULL) ?:
	      op_attr_ints(c, "strides", spatial, 1, strides, NULL) ?:
	      op_attr_ints(c, "dilations", spatial, 1, dil, NULL) ?:
	      op_attr_int(c, "ceil_mode", 0, &ceil_mode);
	if (ret)
		return ret;
	if (ap) {
		if (ap->type != IR_ATTR_STRING)
			return op_fail(c, -EINVAL, "bad attribute type for 'auto_pad' (not a string)");
		auto_pad = ap->s;
	}
	for (int i = 0; i < spatial; i++) {
		int64_t in_d = x->dims[2 + i], eff, o;

		if (strides[i] < 1 || dil[i] < 1 || kernel[i] < 1 || pads[i] < 0 || pads[spatial + i] < 0 ||
		    strides[i] > IR_MAX_ELEMENTS || dil[i] > IR_MAX_ELEMENTS ||
		    kernel[i] > IR_MAX_ELEMENTS || pads[i] > IR_MAX_ELEMENTS ||
		    pads[spatial + i] > IR_MAX_ELEMENTS || (kernel[i] - 1) > IR_MAX_ELEMENTS / dil[i])
			return op_fail(c, -EINVAL, "bad kernel, stride, dilation or pad on axis %d", i);
		eff = (kernel[i] - 1) * dil[i] + 1;
		if (!strcmp(auto_pad, "SAME_UPPER") || !strcmp(auto_pad, "SAME_LOWER")) {
			o = (in_d + strides[i] - 1) / strides[i];
		} else if (!strcmp(auto_pad, "VALID")) {
			if (in_d < eff)
				return op_fail(c, -EINVAL, "kernel larger than the input on axis %d", i);
			o = (in_d - eff) / strides[i] + 1;
		} else if (!strcmp(auto_pad, "NOTSET") || !auto_pad[0]) {
			int64_t span = in_d + pads[i] + pads[spatial + i] - eff;

			if (span < 0)
				return op_fail(c, -EINVAL, "kernel larger than the padded input on axis %d", i);
			o = (ceil_mode ? span + strides[i] - 1 : span) / strides[i] + 1;
		} else {
			return op_fail(c, -EINVAL, "bad auto_pad '%s'", auto_pad);
		}
		dims[2 + i] = o;
	}
	return 0;
}

static int infer_conv(struct op_ctx *c)
{
	const struct ir_tensor *x, *w, *b;
	int64_t kernel[IR_MAX_RANK], dims[IR_MAX_RANK], group;
	bool has_kernel;
	int spatial, ret = op_need_inputs(c, 2);

	if (ret)
		return ret;
	x = op_in(c, 0);
	w = op_in(c, 1);
	if (x->rank < 3 || w->rank != x->rank)
		return op_fail(c, -EINVAL, "X of rank %d and W of rank %d (want equal, >= 3)",
				  x->rank, w->rank);
	spatial = x->rank - 2;
	ret = op_attr_int(c, "group", 1, &group) ?:
	      op_attr_ints(c, "kernel_shape", spatial, 0, kernel, &has_kernel);
	if (ret)
		return ret;
	if (group < 1 || group > IR_MAX_ELEMENTS || x->dims[1] != w->dims[1] * group ||
	    w->dims[0] % group)
		return op_fail(c, -EINVAL, "channels: X has %lld, W wants %lld x group %lld",
				  (long long)x->dims[1], (long long)w->dims[1], (long long)group);
	for (int i = 0; i < spatial; i++) {
		if (has_kernel && kernel[i] != w->dims[2 + i])
			return op_fail(c, -EINVAL, "kernel_shape differs from W's");
		kernel[i] = w->dims[2 + i];
	}
	b = op_in(c, 2);
	if (b && (b->rank != 1 || b->dims[0] != w->dims[0]))
		return op_fail(c, -EINVAL, "B must be [%lld]", (long long)w->dims[0]);
	dims[0] = x->dims[0];
	dims[1] = w->dims[0];
	ret = infer_window(c, x, spatial, kernel, dims);
	if (ret)
		return ret;
	op_set_shape(op_out(c, 0), x->dtype, x->rank, dims);
	return 0;
}

static int infer_pool(struct op_ctx *c)
{
	const struct ir_tensor *x;
	int64_t kernel[IR_MAX_RANK], dims[IR_MAX_RANK];
	bool has_kernel;
	int spatial, ret = op_need_inputs(c, 1);

	if (ret)
		return ret;
	x = op_in(c, 0);
	if (x->rank < 3)
		return op_fail(c, -EINVAL, "X of rank %d (want >= 3)", x->rank);
	spatial = x->rank - 2;
	ret = op_attr_ints(c, "kernel_shape", spatial, 0, kernel, &has_kernel);
	if (ret)
		return ret;
	if (!has_kernel)
		return op_fail(c, -EINVAL, "no kernel_shape");
	dims[0] = x->dims[0];
	dims[1] = x->dims[1];
	ret = infer_window(c, x, spatial, kernel, dims);
	if (ret)
		return ret;
	op_set_shape(op_out(c, 0), x->dtype, x->rank, dims);
	/* MaxPool's optional Indices. */
	op_set_shape(op_out(c, 1), IR_DTYPE_INT64, x->rank, dims);
	return 0;
}

static int infer_global_pool(struct op_ctx *c)
{
	int64_t dims[IR_MAX_RANK];
	const struct ir_tensor *x;
	int ret = op_need_inputs(c, 1);

	if (ret)
		return ret;
	x = op_in(c, 0);
	if (x->rank < 3)
		return op_fail(c, -EINVAL, "X of rank %d (want >= 3)", x->rank);
	for (int i = 0; i < x->rank; i++)
		dims[i] = i < 2 ? x->dims[i] : 1;
	op_set_shape(op_out(c, 0), x->dtype, x->rank, dims);
	return 0;
}

static int infer_softmax(struct op_ctx *c)
{
	int64_t axis;
	int a, ret = op_need_inputs(c, 1);

	if (ret)
		return ret;
	/* The default axis moved from 1 to -1 in opset 13. */
	ret = op_attr_int(c, "axis", c->g->opset >= 13 ? -1 : 1, &axis) ?:
	      op_axis_norm(c, axis, op_in(c, 0)->rank, &a);
	if (ret)
		return ret;
	return op_infer_unary(c);
}

static int infer_batchnorm(struct op_ctx *c)
{
	const struct ir_tensor *x;
	int ret = op_need_inputs(c, 5);

	if (ret)
		return ret;
	x = op_in(c, 0);
	if (x->rank < 2)
		return op_fail(c, -EINVAL, "X of rank %d (want >= 2)", x->rank);
	for (size_t i = 1; i < 5; i++) {
		const struct ir_tensor *p = op_in(c, i);

		if (p->rank != 1 || p->dims[0] != x->dims[1])
			return op_fail(c, -EINVAL, "'%s' must be [%lld]", p->name, (long long)x->dims[1]);
	}
	op_set_shape(op_out(c, 0), x->dtype, x->rank, x->dims);
	/* Training outputs (running or saved mean and variance): one value per channel. */
	for (size_t i = 1; i < c->node->n_outputs; i++)
		op_set_shape(op_out(c, i), op_in(c, 3)->dtype, 1, &x->dims[1]);
	return 0;
}

/* Dropout: Y as X, the optional mask bool of X's shape. */
static int infer_dropout(struct op_ctx *c)
{
	int ret = op_infer_unary(c);

	if (ret)
		return ret;
	op_set_shape(op_out(c, 1), IR_DTYPE_BOOL, op_in(c, 0)->rank, op_in(c, 0)->dims);
	return 0;
}

const struct op_def op_defs_nn[] = {
	{ "Softmax", infer_softmax, NULL },
	{ "LogSoftmax", infer_softmax, NULL },
	{ "Conv", infer_conv, NULL },
	{ "MaxPool", infer_pool, NULL },
	{ "AveragePool", infer_pool, NULL },
	{ "GlobalAveragePool", infer_global_pool, NULL },
	{ "GlobalMaxPool", infer_global_pool, NULL },
	{ "BatchNormalization", infer_batchnorm, NULL },
	{ "Dropout", infer_dropout, NULL },
	{ NULL, NULL, NULL },
};

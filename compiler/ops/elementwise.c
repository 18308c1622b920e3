// SPDX-License-Identifier: MIT
/*
 * Elementwise operators: unary maths, binary arithmetic with numpy broadcasting, comparisons, Cast.
 * Shape inference follows the ONNX operator specification for opsets 7 to 17 (compiler/op.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/op.h"

/* Unary elementwise: Relu, Sigmoid, Tanh, Identity, ... output = input. */
int op_infer_unary(struct op_ctx *c)
{
	int ret = op_need_inputs(c, 1);

	if (ret)
		return ret;
	op_set_shape(op_out(c, 0), op_in(c, 0)->dtype, op_in(c, 0)->rank, op_in(c, 0)->dims);
	return 0;
}

/* Add, Sub, Mul, Div, Max, Min, Sum, Mean: variadic for the last four. */
static int infer_binary(struct op_ctx *c)
{
	struct ir_tensor acc = { 0 };
	int ret = op_need_inputs(c, 1);

	if (ret)
		return ret;
	if (c->node->n_inputs < 2 && (!strcmp(c->node->op_type, "Add") || !strcmp(c->node->op_type, "Sub") ||
				      !strcmp(c->node->op_type, "Mul") || !strcmp(c->node->op_type, "Div")))
		return op_fail(c, -EINVAL, "missing input 1");
	ret = op_need_inputs(c, c->node->n_inputs);
	if (ret)
		return ret;
	acc = *op_in(c, 0);
	for (size_t i = 1; i < c->node->n_inputs; i++) {
		const struct ir_tensor *b = op_in(c, i);

		if (b->dtype != acc.dtype)
			return op_fail(c, -EINVAL, "inputs of different types (%s, %s)",
					  ir_dtype_name(acc.dtype), ir_dtype_name(b->dtype));
		ret = op_broadcast(c, &acc, b, acc.dims, &acc.rank);
		if (ret)
			return ret;
	}
	op_set_shape(op_out(c, 0), acc.dtype, acc.rank, acc.dims);
	return 0;
}

static int infer_float_unary(struct op_ctx *c)
{
	int ret = op_need_inputs(c, 1);

	if (ret)
		return ret;
	if (!op_dtype_is_float(op_in(c, 0)->dtype))
		return op_fail(c, -EINVAL, "input of type %s (want a floating type)",
				  ir_dtype_name(op_in(c, 0)->dtype));
	return op_infer_unary(c);
}

/* Pow: the base's type; the exponent may be of another numeric type. */
static int infer_pow(struct op_ctx *c)
{
	int64_t dims[IR_MAX_RANK];
	int rank, ret = op_need_inputs(c, 2);

	if (ret)
		return ret;
	ret = op_broadcast(c, op_in(c, 0), op_in(c, 1), dims, &rank);
	if (ret)
		return ret;
	op_set_shape(op_out(c, 0), op_in(c, 0)->dtype, rank, dims);
	return 0;
}

/* Equal, Less, Greater...: broadcasting, a bool result. */
static int infer_compare(struct op_ctx *c)
{
	int64_t dims[IR_MAX_RANK];
	int rank, ret = op_need_inputs(c, 2);

	if (ret)
		return ret;
	if (op_in(c, 0)->dtype != op_in(c, 1)->dtype)
		return op_fail(c, -EINVAL, "inputs of different types");
	ret = op_broadcast(c, op_in(c, 0), op_in(c, 1), dims, &rank);
	if (ret)
		return ret;
	op_set_shape(op_out(c, 0), IR_DTYPE_BOOL, rank, dims);
	return 0;
}

static int infer_cast(struct op_ctx *c)
{
	int64_t to;
	int ret = op_need_inputs(c, 1);

	if (ret)
		return ret;
	if (!ir_node_find_attr(c->node, "to"))
		return op_fail(c, -EINVAL, "no 'to' attribute");
	ret = op_attr_int(c, "to", 0, &to);
	if (ret)
		return ret;
	if (!ir_dtype_size((enum ir_dtype)to))
		return op_fail(c, -EOPNOTSUPP, "cast to unsupported data type %lld", (long long)to);
	op_set_shape(op_out(c, 0), (enum ir_dtype)to, op_in(c, 0)->rank, op_in(c, 0)->dims);
	return 0;
}

const struct op_def op_defs_elementwise[] = {
	{ "Add", infer_binary, NULL },
	{ "Sub", infer_binary, NULL },
	{ "Mul", infer_binary, NULL },
	{ "Div", infer_binary, NULL },
	{ "Max", infer_binary, NULL },
	{ "Min", infer_binary, NULL },
	{ "Sum", infer_binary, NULL },
	{ "Mean", infer_binary, NULL },
	{ "Relu", op_infer_unary, NULL },
	{ "Identity", op_infer_unary, NULL },
	{ "Neg", op_infer_unary, NULL },
	{ "Abs", op_infer_unary, NULL },
	{ "Clip", op_infer_unary, NULL },
	{ "Sigmoid", infer_float_unary, NULL },
	{ "Tanh", infer_float_unary, NULL },
	{ "Exp", infer_float_unary, NULL },
	{ "Log", infer_float_unary, NULL },
	{ "Sqrt", infer_float_unary, NULL },
	{ "Erf", infer_float_unary, NULL },
	{ "Reciprocal", infer_float_unary, NULL },
	{ "LeakyRelu", infer_float_unary, NULL },
	{ "Elu", infer_float_unary, NULL },
	{ "Selu", infer_float_unary, NULL },
	{ "Softplus", infer_float_unary, NULL },
	{ "HardSigmoid", infer_float_unary, NULL },
	{ "Floor", infer_float_unary, NULL },
	{ "Ceil", infer_float_unary, NULL },
	{ "Cast", infer_cast, NULL },
	{ "Pow", infer_pow, NULL },
	{ "Equal", infer_compare, NULL },
	{ "Less", infer_compare, NULL },
	{ "Greater", infer_compare, NULL },
	{ "LessOrEqual", infer_compare, NULL },
	{ "GreaterOrEqual", infer_compare, NULL },
	{ NULL, NULL, NULL },
};

// SPDX-License-Identifier: MIT
/*
 * Tensor layout and data movement: Reshape, Transpose, Concat, Pad, Gather, Constant, Shape...
 * Shape inference follows the ONNX operator specification for opsets 7 to 17 (compiler/op.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/op.h"

static int infer_flatten(struct op_ctx *c)
{
	const struct ir_tensor *x;
	int64_t axis, dims[2] = { 1, 1 };
	int a, ret = op_need_inputs(c, 1);

	if (ret)
		return ret;
	x = op_in(c, 0);
	ret = op_attr_int(c, "axis", 1, &axis);
	if (ret)
		return ret;
	/* axis may equal rank (everything in the first dimension). */
	if (axis == x->rank)
		a = x->rank;
	else if ((ret = op_axis_norm(c, axis, x->rank, &a)))
		return ret;
	for (int i = 0; i < x->rank; i++)
		dims[i < a ? 0 : 1] *= x->dims[i];
	op_set_shape(op_out(c, 0), x->dtype, 2, dims);
	return 0;
}

static int infer_reshape(struct op_ctx *c)
{
	const struct ir_tensor *x, *s;
	int64_t dims[IR_MAX_RANK], allowzero, known = 1, numel;
	int infer_at = -1, rank, ret = op_need_inputs(c, 2);

	if (ret)
		return ret;
	x = op_in(c, 0);
	s = op_in(c, 1);
	ret = op_attr_int(c, "allowzero", 0, &allowzero);
	if (ret)
		return ret;
	if (!s->data || s->dtype != IR_DTYPE_INT64 || s->rank != 1)
		return op_fail(c, -EOPNOTSUPP, "shape '%s' is not a constant 1-D int64 tensor", s->name);
	if (s->dims[0] > IR_MAX_RANK)
		return op_fail(c, -EINVAL, "shape of rank %lld", (long long)s->dims[0]);
	rank = (int)s->dims[0];
	numel = ir_tensor_numel(x);
	for (int i = 0; i < rank; i++) {
		int64_t d;

		memcpy(&d, (const char *)s->data + i * sizeof(d), sizeof(d));
		if (d == 0 && !allowzero) {
			if (i >= x->rank)
				return op_fail(c, -EINVAL, "0 at dimension %d beyond the input's rank", i);
			d = x->dims[i];
		}
		if (d == -1) {
			if (infer_at >= 0)
				return op_fail(c, -EINVAL, "more than one -1 in the shape");
			infer_at = i;
			dims[i] = 1;
			continue;
		}
		if (d < 0)
			return op_fail(c, -EINVAL, "negative dimension %lld", (long long)d);
		if (d && known > INT64_MAX / d)
			return op_fail(c, -EINVAL, "shape overflows");
		dims[i] = d;
		known *= d;
	}
	if (infer_at >= 0) {
		if (!known || numel % known)
			return op_fail(c, -EINVAL, "cannot infer the -1 dimension");
		dims[infer_at] = numel / known;
		known = numel;
	}
	if (known != numel)
		return op_fail(c, -EINVAL, "%lld elements reshaped to %lld", (long long)numel,
				  (long long)known);
	op_set_shape(op_out(c, 0), x->dtype, rank, dims);
	return 0;
}

static int infer_transpose(struct op_ctx *c)
{
	const struct ir_tensor *x;
	int64_t perm[IR_MAX_RANK], dims[IR_MAX_RANK];
	bool has_perm, seen[IR_MAX_RANK] = { 0 };
	int ret = op_need_inputs(c, 1);

	if (ret)
		return ret;
	x = op_in(c, 0);
	ret = op_attr_ints(c, "perm", x->rank, 0, perm, &has_perm);
	if (ret)
		return ret;
	for (int i = 0; i < x->rank; i++) {
		if (!has_perm)
			perm[i] = x->rank - 1 - i;
		if (perm[i] < 0 || perm[i] >= x->rank || seen[perm[i]])
			return op_fail(c, -EINVAL, "perm is not a permutation");
		seen[perm[i]] = true;
		dims[i] = x->dims[perm[i]];
	}
	op_set_shape(op_out(c, 0), x->dtype, x->rank, dims);
	return 0;
}

static int infer_concat(struct op_ctx *c)
{
	const struct ir_tensor *x;
	int64_t axis, dims[IR_MAX_RANK];
	int a, ret;

	if (!ir_node_find_attr(c->node, "axis"))
		return op_fail(c, -EINVAL, "no axis");
	ret = op_need_inputs(c, c->node->n_inputs ? c->node->n_inputs : 1) ?: op_attr_int(c, "axis", 0, &axis);
	if (ret)
		return ret;
	x = op_in(c, 0);
	ret = op_axis_norm(c, axis, x->rank, &a);
	if (ret)
		return ret;
	memcpy(dims, x->dims, sizeof(dims));
	for (size_t i = 1; i < c->node->n_inputs; i++) {
		const struct ir_tensor *y = op_in(c, i);

		if (y->rank != x->rank || y->dtype != x->dtype)
			return op_fail(c, -EINVAL, "input '%s' differs in rank or type", y->name);
		for (int d = 0; d < x->rank; d++)
			if (d != a && y->dims[d] != x->dims[d])
				return op_fail(c, -EINVAL, "input '%s' differs on axis %d", y->name, d);
		if (dims[a] + y->dims[a] > IR_MAX_ELEMENTS)
			return op_fail(c, -EINVAL, "result too large");
		dims[a] += y->dims[a];
	}
	op_set_shape(op_out(c, 0), x->dtype, x->rank, dims);
	return 0;
}

/* Constant: its output is the value attribute's tensor (or value_float, value_ints...). */
static int infer_constant(struct op_ctx *c)
{
	struct ir_tensor *o = op_out(c, 0);
	const struct ir_attr *a;
	size_t count = 1, esize, bytes;
	const void *src;

	if (!o)
		return op_fail(c, -EINVAL, "no output");
	if (c->node->n_attrs != 1)
		return op_fail(c, -EINVAL, "wants exactly one value attribute");
	a = &c->node->attrs[0];
	if (!strcmp(a->name, "value") && a->type == IR_ATTR_TENSOR) {
		op_set_shape(o, a->t->dtype, a->t->rank, a->t->dims);
		src = a->t->data;
		count = a->t->data_size;
		esize = 1;
	} else if (!strcmp(a->name, "value_float") && a->type == IR_ATTR_FLOAT) {
		op_set_shape(o, IR_DTYPE_FLOAT, 0, NULL);
		src = &a->f;
		esize = sizeof(float);
	} else if (!strcmp(a->name, "value_int") && a->type == IR_ATTR_INT) {
		op_set_shape(o, IR_DTYPE_INT64, 0, NULL);
		src = &a->i;
		esize = sizeof(int64_t);
	} else if (!strcmp(a->name, "value_floats") && a->type == IR_ATTR_FLOATS) {
		int64_t n = (int64_t)a->len;

		op_set_shape(o, IR_DTYPE_FLOAT, 1, &n);
		src = a->floats;
		count = a->len;
		esize = sizeof(float);
	} else if (!strcmp(a->name, "value_ints") && a->type == IR_ATTR_INTS) {
		int64_t n = (int64_t)a->len;

		op_set_shape(o, IR_DTYPE_INT64, 1, &n);
		src = a->ints;
		count = a->len;
		esize = sizeof(int64_t);
	} else {
		return op_fail(c, -EOPNOTSUPP, "value attribute '%s' not supported", a->name);
	}
	bytes = count * esize;
	free(o->data);
	o->data = malloc(bytes ? bytes : 1);
	if (!o->data)
		return -ENOMEM;
	if (bytes)
		memcpy(o->data, src, bytes);
	o->data_size = bytes;
	return 0;
}

static int infer_unsqueeze(struct op_ctx *c)
{
	int64_t axes[2 * IR_MAX_RANK], dims[IR_MAX_RANK];
	const struct ir_tensor *x;
	bool at[IR_MAX_RANK] = { 0 };
	int n, r, k = 0, ret = op_need_inputs(c, 1);

	if (ret)
		return ret;
	x = op_in(c, 0);
	ret = op_const_ints(c, 1, c->g->opset >= 13 ? NULL : "axes", axes, &n);
	if (ret)
		return ret;
	if (n < 0)
		return op_fail(c, -EINVAL, "no axes");
	r = x->rank + n;
	if (r > IR_MAX_RANK)
		return op_fail(c, -EINVAL, "rank %d exceeds %d", r, IR_MAX_RANK);
	for (int i = 0; i < n; i++) {
		int a;

		ret = op_axis_norm(c, axes[i], r, &a);
		if (ret)
			return ret;
		if (at[a])
			return op_fail(c, -EINVAL, "axis %d given twice", a);
		at[a] = true;
	}
	for (int i = 0; i < r; i++)
		dims[i] = at[i] ? 1 : x->dims[k++];
	op_set_shape(op_out(c, 0), x->dtype, r, dims);
	if (x->data && op_out(c, 0)) {
		/* A constant stays one (shape computations feed Reshape). */
		struct ir_tensor *o = op_out(c, 0);

		free(o->data);
		o->data = malloc(x->data_size ? x->data_size : 1);
		if (!o->data)
			return -ENOMEM;
		memcpy(o->data, x->data, x->data_size);
		o->data_size = x->data_size;
	}
	return 0;
}

static int infer_squeeze(struct op_ctx *c)
{
	int64_t axes[2 * IR_MAX_RANK], dims[IR_MAX_RANK];
	const struct ir_tensor *x;
	bool drop[IR_MAX_RANK] = { 0 };
	int n, r = 0, ret = op_need_inputs(c, 1);

	if (ret)
		return ret;
	x = op_in(c, 0);
	ret = op_const_ints(c, 1, c->g->opset >= 13 ? NULL : "axes", axes, &n);
	if (ret)
		return ret;
	for (int i = 0; i < n; i++) {
		int a;

		ret = op_axis_norm(c, axes[i], x->rank, &a);
		if (ret)
			return ret;
		if (x->dims[a] != 1)
			return op_fail(c, -EINVAL, "axis %d has size %lld, not 1", a, (long long)x->dims[a]);
		drop[a] = true;
	}
	for (int i = 0; i < x->rank; i++)
		if (!(n < 0 ? x->dims[i] == 1 : drop[i]))
			dims[r++] = x->dims[i];
	op_set_shape(op_out(c, 0), x->dtype, r, dims);
	return 0;
}

/* Shape: a constant int64 [rank] holding the input's (static) dimensions. */
static int infer_shape(struct op_ctx *c)
{
	int64_t start = 0, end, n;
	const struct ir_tensor *x;
	struct ir_tensor *o;
	int ret = op_need_inputs(c, 1);

	if (ret)
		return ret;
	x = op_in(c, 0);
	o = op_out(c, 0);
	ret = op_attr_int(c, "start", 0, &start) ?: op_attr_int(c, "end", x->rank, &end);
	if (ret)
		return ret;
	/* start/end (opset 15) are clamped to [0, rank]. */
	start = start < 0 ? start + x->rank : start;
	end = end < 0 ? end + x->rank : end;
	start = start < 0 ? 0 : start > x->rank ? x->rank : start;
	end = end < 0 ? 0 : end > x->rank ? x->rank : end;
	n = end > start ? end - start : 0;
	op_set_shape(o, IR_DTYPE_INT64, 1, &n);
	free(o->data);
	o->data = malloc(n ? n * sizeof(int64_t) : 1);
	if (!o->data)
		return -ENOMEM;
	memcpy(o->data, &x->dims[start], n * sizeof(int64_t));
	o->data_size = n * sizeof(int64_t);
	return 0;
}

/* Pad: pads an attribute before opset 11, a constant input after. */
static int infer_pad(struct op_ctx *c)
{
	int64_t pads[2 * IR_MAX_RANK], dims[IR_MAX_RANK];
	const struct ir_tensor *x;
	int n, ret = op_need_inputs(c, 1);

	if (ret)
		return ret;
	x = op_in(c, 0);
	ret = op_const_ints(c, 1, c->g->opset >= 11 ? NULL : "pads", pads, &n);
	if (ret)
		return ret;
	if (op_in(c, 3))
		return op_fail(c, -EOPNOTSUPP, "axes input not supported");
	if (n != 2 * x->rank)
		return op_fail(c, -EINVAL, "%d pads for rank %d", n, x->rank);
	for (int i = 0; i < x->rank; i++) {
		if (pads[i] < -IR_MAX_ELEMENTS || pads[i] > IR_MAX_ELEMENTS ||
		    pads[x->rank + i] < -IR_MAX_ELEMENTS || pads[x->rank + i] > IR_MAX_ELEMENTS)
			return op_fail(c, -EINVAL, "pad out of range on axis %d", i);
		dims[i] = x->dims[i] + pads[i] + pads[x->rank + i];
		if (dims[i] < 0)
			return op_fail(c, -EINVAL, "negative size on axis %d", i);
	}
	op_set_shape(op_out(c, 0), x->dtype, x->rank, dims);
	return 0;
}

const struct op_def op_defs_tensor[] = {
	{ "Flatten", infer_flatten, NULL },
	{ "Reshape", infer_reshape, NULL },
	{ "Transpose", infer_transpose, NULL },
	{ "Concat", infer_concat, NULL },
	{ "Constant", infer_constant, NULL },
	{ "Unsqueeze", infer_unsqueeze, NULL },
	{ "Squeeze", infer_squeeze, NULL },
	{ "Shape", infer_shape, NULL },
	{ "Pad", infer_pad, NULL },
	{ NULL, NULL, NULL },
};

// SPDX-License-Identifier: MIT
/*
 * Tensor layout: Reshape, Flatten, Squeeze, Unsqueeze, Concat, Split, Constant, Shape, Size.
 * The first four only relabel the shape, so their kernel is a copy; the others move whole
 * contiguous runs. Index-map movement (Transpose, Slice, Pad...) is in tensor_move.c, tensor
 * generators in tensor_gen.c, Resize in tensor_resize.c. Shape inference follows the ONNX
 * operator specification; the attribute forms of older opsets are noted where they apply.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/op.h"
#include "compiler/ops/tensor_map.h"

/* Output 0 holds input 0's bytes under another shape (Reshape, Flatten, Squeeze, Unsqueeze). */
static int host_copy(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *y = op_out(c, 0);
	size_t bytes = (size_t)ir_tensor_numel(y) * ir_dtype_size(y->dtype);

	/* An empty input may have no buffer at all (compiler/host_exec.h). */
	if (bytes)
		memcpy(out[0], in[0], bytes);
	return 0;
}

/* Give @o constant contents (@bytes at @src), so that shape computations can read them. */
static int set_const(struct ir_tensor *o, const void *src, size_t bytes)
{
	void *data = malloc(bytes ? bytes : 1);

	if (!data)
		return -ENOMEM;
	if (bytes)
		memcpy(data, src, bytes);
	free(o->data);
	o->data = data;
	o->data_size = bytes;
	return 0;
}

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

/*
 * Reshape: the shape an attribute before opset 5, a constant int64 input after. 0 copies the
 * input's dimension (an actual 0 with allowzero, opset 14), -1 takes what is left.
 */
static int infer_reshape(struct op_ctx *c)
{
	const struct ir_tensor *x;
	int64_t shape[2 * IR_MAX_RANK], dims[IR_MAX_RANK], allowzero, known = 1, numel;
	int infer_at = -1, rank, ret = op_need_inputs(c, 1);

	if (ret)
		return ret;
	x = op_in(c, 0);
	ret = op_attr_int(c, "allowzero", 0, &allowzero);
	if (ret)
		return ret;
	if (c->g->opset >= 5 && (!op_in(c, 1) || op_in(c, 1)->dtype != IR_DTYPE_INT64))
		return op_fail(c, -EINVAL, "shape input missing or not int64");
	ret = op_const_ints(c, 1, c->g->opset < 5 ? "shape" : NULL, shape, &rank);
	if (ret)
		return ret;
	if (rank < 0)
		return op_fail(c, -EINVAL, "no shape");
	if (rank > IR_MAX_RANK)
		return op_fail(c, -EINVAL, "shape of rank %d", rank);
	numel = ir_tensor_numel(x);
	for (int i = 0; i < rank; i++) {
		int64_t d = shape[i];

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

/* Concat: axis required from opset 4 (1 by default before). */
static int concat_axis(struct op_ctx *c, int rank, int *a)
{
	int64_t axis;
	int ret;

	if (c->g->opset >= 4 && !ir_node_find_attr(c->node, "axis"))
		return op_fail(c, -EINVAL, "no axis");
	ret = op_attr_int(c, "axis", 1, &axis);
	return ret ? ret : op_axis_norm(c, axis, rank, a);
}

static int infer_concat(struct op_ctx *c)
{
	const struct ir_tensor *x;
	int64_t dims[IR_MAX_RANK];
	int a, ret;

	if (!c->node->n_inputs)
		return op_fail(c, -EINVAL, "no inputs");
	ret = op_need_inputs(c, c->node->n_inputs);
	if (ret)
		return ret;
	x = op_in(c, 0);
	ret = concat_axis(c, x->rank, &a);
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

/* Elements before @a (the outer count) and bytes of one row from @a on, of @t. */
static void outer_inner(const struct ir_tensor *t, int a, int64_t *outer, size_t *row)
{
	*outer = 1;
	*row = ir_dtype_size(t->dtype);
	for (int d = 0; d < a; d++)
		*outer *= t->dims[d];
	for (int d = a; d < t->rank; d++)
		*row *= (size_t)t->dims[d];
}

static int host_concat(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *y = op_out(c, 0);
	size_t done = 0, yrow;
	int64_t outer;
	int a, ret = concat_axis(c, y->rank, &a);

	if (ret)
		return ret;
	outer_inner(y, a, &outer, &yrow);
	for (size_t i = 0; i < c->node->n_inputs; i++) {
		const struct ir_tensor *x = op_in(c, i);
		size_t row;

		outer_inner(x, a, &outer, &row);
		for (int64_t o = 0; o < outer && row; o++)
			memcpy((char *)out[0] + o * yrow + done, (const char *)in[i] + o * row, row);
		done += row;
	}
	return 0;
}

/*
 * Split: the sizes an attribute before opset 13, an input from 13; equal parts by default.
 * (opset 18's num_outputs is beyond the opsets read.)
 */
static int split_plan(struct op_ctx *c, int *a, int64_t *sizes)
{
	const struct ir_tensor *x = op_in(c, 0);
	int64_t axis, total = 0, n_out = (int64_t)c->node->n_outputs;
	int n, ret = op_attr_int(c, "axis", 0, &axis);

	if (ret || (ret = op_axis_norm(c, axis, x->rank, a)))
		return ret;
	if (!n_out || n_out > 64)
		return op_fail(c, -EINVAL, "%lld outputs", (long long)n_out);
	if (c->g->opset < 13) {
		const struct ir_attr *s = ir_node_find_attr(c->node, "split");

		if (s && (s->type != IR_ATTR_INTS || s->len != (size_t)n_out))
			return op_fail(c, -EINVAL, "split attribute does not give %lld sizes",
				       (long long)n_out);
		n = s ? (int)s->len : -1;
		if (s)
			memcpy(sizes, s->ints, s->len * sizeof(*sizes));
	} else {
		if (op_in(c, 1) && op_in(c, 1)->dtype != IR_DTYPE_INT64)
			return op_fail(c, -EINVAL, "split of type %s", ir_dtype_name(op_in(c, 1)->dtype));
		ret = tensor_const_ints(c, 1, sizes, 64, &n);
		if (ret)
			return ret;
		if (n >= 0 && n != n_out)
			return op_fail(c, -EINVAL, "%d split sizes for %lld outputs", n, (long long)n_out);
	}
	if (n < 0) {
		if (x->dims[*a] % n_out)
			return op_fail(c, -EINVAL, "axis %d of %lld not divisible into %lld parts", *a,
				       (long long)x->dims[*a], (long long)n_out);
		for (int64_t i = 0; i < n_out; i++)
			sizes[i] = x->dims[*a] / n_out;
		return 0;
	}
	for (int i = 0; i < n; i++) {
		if (sizes[i] < 0 || sizes[i] > IR_MAX_ELEMENTS)
			return op_fail(c, -EINVAL, "split size %lld", (long long)sizes[i]);
		total += sizes[i];
	}
	if (total != x->dims[*a])
		return op_fail(c, -EINVAL, "split sizes add up to %lld, axis %d has %lld",
			       (long long)total, *a, (long long)x->dims[*a]);
	return 0;
}

static int infer_split(struct op_ctx *c)
{
	const struct ir_tensor *x;
	int64_t sizes[64], dims[IR_MAX_RANK];
	int a, ret = op_need_inputs(c, 1) ?: split_plan(c, &a, sizes);

	if (ret)
		return ret;
	x = op_in(c, 0);
	memcpy(dims, x->dims, sizeof(dims));
	for (size_t i = 0; i < c->node->n_outputs; i++) {
		dims[a] = sizes[i];
		op_set_shape(op_out(c, i), x->dtype, x->rank, dims);
	}
	return 0;
}

static int host_split(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *x = op_in(c, 0);
	int64_t sizes[64], outer;
	size_t done = 0, xrow, unit;
	int a, ret = split_plan(c, &a, sizes);

	if (ret)
		return ret;
	outer_inner(x, a, &outer, &xrow);
	/* Bytes of one index along the axis. */
	unit = x->dims[a] ? xrow / (size_t)x->dims[a] : 0;
	for (size_t i = 0; i < c->node->n_outputs; i++) {
		size_t row = unit * (size_t)sizes[i];

		for (int64_t o = 0; out[i] && o < outer && row; o++)
			memcpy((char *)out[i] + o * row, (const char *)in[0] + o * xrow + done, row);
		done += row;
	}
	return 0;
}

/*
 * Constant: the value of its one attribute: value (a tensor), value_float(s), value_int(s).
 * value_string(s) and sparse_value have no IR type. The reader keeps the value as the
 * output's constant data.
 */
static int constant_value(struct op_ctx *c, enum ir_dtype *dt, int *rank, int64_t *dims,
			  const void **src, size_t *bytes)
{
	const struct ir_attr *a;

	if (c->node->n_attrs != 1)
		return op_fail(c, -EINVAL, "wants exactly one value attribute");
	a = &c->node->attrs[0];
	*rank = 0;
	if (!strcmp(a->name, "value") && a->type == IR_ATTR_TENSOR) {
		*dt = a->t->dtype;
		*rank = a->t->rank;
		memcpy(dims, a->t->dims, a->t->rank * sizeof(*dims));
		*src = a->t->data;
		*bytes = a->t->data_size;
	} else if (!strcmp(a->name, "value_float") && a->type == IR_ATTR_FLOAT) {
		*dt = IR_DTYPE_FLOAT;
		*src = &a->f;
		*bytes = sizeof(float);
	} else if (!strcmp(a->name, "value_int") && a->type == IR_ATTR_INT) {
		*dt = IR_DTYPE_INT64;
		*src = &a->i;
		*bytes = sizeof(int64_t);
	} else if (!strcmp(a->name, "value_floats") && a->type == IR_ATTR_FLOATS) {
		*dt = IR_DTYPE_FLOAT;
		*rank = 1;
		dims[0] = (int64_t)a->len;
		*src = a->floats;
		*bytes = a->len * sizeof(float);
	} else if (!strcmp(a->name, "value_ints") && a->type == IR_ATTR_INTS) {
		*dt = IR_DTYPE_INT64;
		*rank = 1;
		dims[0] = (int64_t)a->len;
		*src = a->ints;
		*bytes = a->len * sizeof(int64_t);
	} else if (!strcmp(a->name, "value") || !strcmp(a->name, "value_float") ||
		   !strcmp(a->name, "value_int") || !strcmp(a->name, "value_floats") ||
		   !strcmp(a->name, "value_ints")) {
		return op_fail(c, -EINVAL, "attribute '%s' of the wrong type", a->name);
	} else {
		return op_fail(c, -EOPNOTSUPP, "value attribute '%s' not supported", a->name);
	}
	return 0;
}

static int infer_constant(struct op_ctx *c)
{
	struct ir_tensor *o = op_out(c, 0);
	int64_t dims[IR_MAX_RANK];
	/* Set by constant_value() on success; initialised for GCC -O3's flow analysis only. */
	enum ir_dtype dt = IR_DTYPE_FLOAT;
	const void *src = NULL;
	size_t bytes = 0;
	int rank = 0, ret;

	if (!o)
		return op_fail(c, -EINVAL, "no output");
	ret = constant_value(c, &dt, &rank, dims, &src, &bytes);
	if (ret)
		return ret;
	op_set_shape(o, dt, rank, dims);
	return set_const(o, src, bytes);
}

static int host_constant(struct op_ctx *c, const void *const *in, void *const *out)
{
	int64_t dims[IR_MAX_RANK];
	/* As in infer_constant(): initialised for the flow analysis only. */
	enum ir_dtype dt = IR_DTYPE_FLOAT;
	const void *src = NULL;
	size_t bytes = 0;
	int rank = 0, ret = constant_value(c, &dt, &rank, dims, &src, &bytes);

	(void)in;
	if (ret)
		return ret;
	if (bytes)
		memcpy(out[0], src, bytes);
	return 0;
}

/* Unsqueeze: axes an attribute before opset 13, a constant input from 13. */
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
	/* A constant stays one (shape computations feed Reshape). */
	if (x->data && op_out(c, 0))
		return set_const(op_out(c, 0), x->data, x->data_size);
	return 0;
}

/* Squeeze: axes an attribute before opset 13, a constant input from 13; all 1s by default. */
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

/* Shape's [start, end) (opset 15; the whole shape before), clamped to [0, rank]. */
static void shape_range(struct op_ctx *c, const struct ir_tensor *x, int64_t *start, int64_t *n)
{
	int64_t s, e;

	/* Attribute type errors were reported by inference. */
	op_attr_int(c, "start", 0, &s);
	op_attr_int(c, "end", x->rank, &e);
	s = s < 0 ? s + x->rank : s;
	e = e < 0 ? e + x->rank : e;
	s = s < 0 ? 0 : s > x->rank ? x->rank : s;
	e = e < 0 ? 0 : e > x->rank ? x->rank : e;
	*start = s;
	*n = e > s ? e - s : 0;
}

/* Shape: a constant int64 list of the input's (static) dimensions. */
static int infer_shape(struct op_ctx *c)
{
	int64_t start, end, n;
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
	shape_range(c, x, &start, &n);
	op_set_shape(o, IR_DTYPE_INT64, 1, &n);
	return set_const(o, &x->dims[start], n * sizeof(int64_t));
}

static int host_shape(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *x = op_in(c, 0);
	int64_t start, n;

	(void)in;
	shape_range(c, x, &start, &n);
	memcpy(out[0], &x->dims[start], n * sizeof(int64_t));
	return 0;
}

/* Size: the input's element count, an int64 scalar (a constant: shapes are static). */
static int infer_size(struct op_ctx *c)
{
	int64_t numel;
	int ret = op_need_inputs(c, 1);

	if (ret)
		return ret;
	numel = ir_tensor_numel(op_in(c, 0));
	op_set_shape(op_out(c, 0), IR_DTYPE_INT64, 0, NULL);
	return set_const(op_out(c, 0), &numel, sizeof(numel));
}

static int host_size(struct op_ctx *c, const void *const *in, void *const *out)
{
	int64_t numel = ir_tensor_numel(op_in(c, 0));

	(void)in;
	memcpy(out[0], &numel, sizeof(numel));
	return 0;
}

const struct op_def op_defs_tensor[] = {
	{ "Flatten", infer_flatten, host_copy },
	{ "Reshape", infer_reshape, host_copy },
	{ "Squeeze", infer_squeeze, host_copy },
	{ "Unsqueeze", infer_unsqueeze, host_copy },
	{ "Concat", infer_concat, host_concat },
	{ "Split", infer_split, host_split },
	{ "Constant", infer_constant, host_constant },
	{ "Shape", infer_shape, host_shape },
	{ "Size", infer_size, host_size },
	{ NULL, NULL, NULL },
};

// SPDX-License-Identifier: MIT
/*
 * Static shape and type inference (compiler/shape_infer.h): one function per operator family,
 * following the ONNX operator specification for opsets 7 to 17. Each checks its inputs' types
 * and shapes and the attributes it reads, then sets its outputs'.
 */
#include "compiler/shape_infer.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct infer_ctx {
	struct ir_graph *g;
	const struct ir_node *node;
	size_t idx;
	char *err;
	size_t err_len;
};

static int __attribute__((format(printf, 3, 4)))
infer_fail(struct infer_ctx *c, int ret, const char *fmt, ...)
{
	char reason[384];
	va_list ap;

	if (!c->err_len)
		return ret;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (c->node->name[0])
		snprintf(c->err, c->err_len, "node '%s' (%s): %s", c->node->name, c->node->op_type, reason);
	else
		snprintf(c->err, c->err_len, "node #%zu (%s): %s", c->idx, c->node->op_type, reason);
	return ret;
}

/* Input @i, or NULL when absent or omitted. */
static struct ir_tensor *in(struct infer_ctx *c, size_t i)
{
	if (i >= c->node->n_inputs || c->node->inputs[i] < 0)
		return NULL;
	return c->g->tensors[c->node->inputs[i]];
}

static struct ir_tensor *out(struct infer_ctx *c, size_t i)
{
	if (i >= c->node->n_outputs || c->node->outputs[i] < 0)
		return NULL;
	return c->g->tensors[c->node->outputs[i]];
}

/* Inputs 0..n-1 present with known shapes, else -EINVAL naming the first missing one. */
static int need_inputs(struct infer_ctx *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct ir_tensor *t = in(c, i);

		if (!t)
			return infer_fail(c, -EINVAL, "missing input %zu", i);
		if (t->rank < 0)
			return infer_fail(c, -EINVAL, "input '%s' has no known shape", t->name);
	}
	if (!out(c, 0))
		return infer_fail(c, -EINVAL, "no output");
	return 0;
}

static void set_shape(struct ir_tensor *t, enum ir_dtype dt, int rank, const int64_t *dims)
{
	if (!t)
		return;
	t->dtype = dt;
	t->rank = rank;
	if (rank)
		memcpy(t->dims, dims, rank * sizeof(*dims));
}

static int attr_int(struct infer_ctx *c, const char *name, int64_t def, int64_t *v)
{
	const struct ir_attr *a = ir_node_find_attr(c->node, name);

	*v = def;
	if (!a)
		return 0;
	if (a->type != IR_ATTR_INT)
		return infer_fail(c, -EINVAL, "bad attribute type for '%s' (not an int)", name);
	*v = a->i;
	return 0;
}

/* An INTS attribute of exactly @n values into @v (else @def, or 0 when @def is NULL). */
static int attr_ints(struct infer_ctx *c, const char *name, size_t n, int64_t def, int64_t *v,
		     bool *present)
{
	const struct ir_attr *a = ir_node_find_attr(c->node, name);

	if (present)
		*present = a != NULL;
	for (size_t i = 0; i < n; i++)
		v[i] = def;
	if (!a)
		return 0;
	if (a->type != IR_ATTR_INTS)
		return infer_fail(c, -EINVAL, "bad attribute type for '%s' (not ints)", name);
	if (a->len != n)
		return infer_fail(c, -EINVAL, "attribute '%s' has %zu values, expected %zu", name,
				  a->len, n);
	memcpy(v, a->ints, n * sizeof(*v));
	return 0;
}

/* Normalise an axis of a rank-@rank tensor (negative counts from the end). */
static int axis_norm(struct infer_ctx *c, int64_t axis, int rank, int *out_axis)
{
	/* Set on failure too: callers return on an error, which the compiler cannot see. */
	*out_axis = 0;
	if (axis < -rank || axis >= rank)
		return infer_fail(c, -EINVAL, "axis %lld out of range for rank %d", (long long)axis, rank);
	*out_axis = (int)(axis < 0 ? axis + rank : axis);
	return 0;
}

static bool is_float_type(enum ir_dtype dt)
{
	return dt == IR_DTYPE_FLOAT || dt == IR_DTYPE_FLOAT16 || dt == IR_DTYPE_BFLOAT16 ||
	       dt == IR_DTYPE_DOUBLE;
}

/* Unary elementwise: Relu, Sigmoid, Tanh, Identity, ... output = input. */
static int infer_unary(struct infer_ctx *c)
{
	int ret = need_inputs(c, 1);

	if (ret)
		return ret;
	set_shape(out(c, 0), in(c, 0)->dtype, in(c, 0)->rank, in(c, 0)->dims);
	return 0;
}

/* Multidirectional (numpy) broadcasting of @a and @b into @dims/@rank. */
static int broadcast(struct infer_ctx *c, const struct ir_tensor *a, const struct ir_tensor *b,
		     int64_t *dims, int *rank)
{
	int r = a->rank > b->rank ? a->rank : b->rank;
	int64_t res[IR_MAX_RANK];

	/* Into res first: @dims may be @a's own. */
	for (int i = 0; i < r; i++) {
		int ia = i - (r - a->rank), ib = i - (r - b->rank);
		int64_t da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;

		if (da != db && da != 1 && db != 1)
			return infer_fail(c, -EINVAL, "shapes of '%s' and '%s' do not broadcast (dim %d: %lld vs %lld)",
					  a->name, b->name, i, (long long)da, (long long)db);
		res[i] = da == 1 ? db : da;
	}
	memcpy(dims, res, r * sizeof(*dims));
	*rank = r;
	return 0;
}

/* Add, Sub, Mul, Div, Max, Min, Sum, Mean: variadic for the last four. */
static int infer_binary(struct infer_ctx *c)
{
	struct ir_tensor acc = { 0 };
	int ret = need_inputs(c, 1);

	if (ret)
		return ret;
	if (c->node->n_inputs < 2 && (!strcmp(c->node->op_type, "Add") || !strcmp(c->node->op_type, "Sub") ||
				      !strcmp(c->node->op_type, "Mul") || !strcmp(c->node->op_type, "Div")))
		return infer_fail(c, -EINVAL, "missing input 1");
	ret = need_inputs(c, c->node->n_inputs);
	if (ret)
		return ret;
	acc = *in(c, 0);
	for (size_t i = 1; i < c->node->n_inputs; i++) {
		const struct ir_tensor *b = in(c, i);

		if (b->dtype != acc.dtype)
			return infer_fail(c, -EINVAL, "inputs of different types (%s, %s)",
					  ir_dtype_name(acc.dtype), ir_dtype_name(b->dtype));
		ret = broadcast(c, &acc, b, acc.dims, &acc.rank);
		if (ret)
			return ret;
	}
	set_shape(out(c, 0), acc.dtype, acc.rank, acc.dims);
	return 0;
}

static int infer_matmul(struct infer_ctx *c)
{
	struct ir_tensor a, b;
	int64_t dims[IR_MAX_RANK];
	int rank, ret = need_inputs(c, 2);

	if (ret)
		return ret;
	a = *in(c, 0);
	b = *in(c, 1);
	if (a.rank < 1 || b.rank < 1)
		return infer_fail(c, -EINVAL, "MatMul of a scalar");
	if (a.dtype != b.dtype)
		return infer_fail(c, -EINVAL, "inputs of different types");
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
		return infer_fail(c, -EINVAL, "inner dimensions differ (%lld vs %lld)",
				  (long long)a.dims[a.rank - 1], (long long)b.dims[b.rank - 2]);
	{
		struct ir_tensor ba = a, bb = b;

		ba.rank -= 2;
		bb.rank -= 2;
		ret = broadcast(c, &ba, &bb, dims, &rank);
		if (ret)
			return ret;
	}
	if (in(c, 0)->rank > 1)
		dims[rank++] = a.dims[a.rank - 2];
	if (in(c, 1)->rank > 1)
		dims[rank++] = b.dims[b.rank - 1];
	set_shape(out(c, 0), a.dtype, rank, dims);
	return 0;
}

static int infer_gemm(struct infer_ctx *c)
{
	const struct ir_tensor *a, *b, *bias;
	int64_t ta, tb, m, k, k2, n, dims[2];
	int ret = need_inputs(c, 2);

	if (ret)
		return ret;
	ret = attr_int(c, "transA", 0, &ta) ?: attr_int(c, "transB", 0, &tb);
	if (ret)
		return ret;
	a = in(c, 0);
	b = in(c, 1);
	if (a->rank != 2 || b->rank != 2)
		return infer_fail(c, -EINVAL, "A and B must be 2-D (ranks %d, %d)", a->rank, b->rank);
	m = ta ? a->dims[1] : a->dims[0];
	k = ta ? a->dims[0] : a->dims[1];
	k2 = tb ? b->dims[1] : b->dims[0];
	n = tb ? b->dims[0] : b->dims[1];
	if (k != k2)
		return infer_fail(c, -EINVAL, "inner dimensions differ (%lld vs %lld)", (long long)k,
				  (long long)k2);
	dims[0] = m;
	dims[1] = n;
	bias = in(c, 2);
	if (bias) {
		/* C broadcasts unidirectionally to [M, N]. */
		if (bias->rank < 0 || bias->rank > 2)
			return infer_fail(c, -EINVAL, "C of rank %d", bias->rank);
		for (int i = 0; i < bias->rank; i++) {
			int64_t d = bias->dims[i], want = dims[2 - bias->rank + i];

			if (d != 1 && d != want)
				return infer_fail(c, -EINVAL, "C does not broadcast to [%lld, %lld]",
						  (long long)m, (long long)n);
		}
	}
	set_shape(out(c, 0), a->dtype, 2, dims);
	return 0;
}

/*
 * Sliding windows (Conv, MaxPool, AveragePool): the output's spatial dims from @kernel
 * (effective size with @dil), @pads (begin..., end...), @strides, auto_pad and ceil_mode.
 */
static int infer_window(struct infer_ctx *c, const struct ir_tensor *x, int spatial,
			const int64_t *kernel, int64_t *dims)
{
	int64_t pads[2 * IR_MAX_RANK], strides[IR_MAX_RANK], dil[IR_MAX_RANK], ceil_mode;
	const struct ir_attr *ap = ir_node_find_attr(c->node, "auto_pad");
	const char *auto_pad = "NOTSET";
	int ret;

	ret = attr_ints(c, "pads", 2 * spatial, 0, pads, NULL) ?:
	      attr_ints(c, "strides", spatial, 1, strides, NULL) ?:
	      attr_ints(c, "dilations", spatial, 1, dil, NULL) ?:
	      attr_int(c, "ceil_mode", 0, &ceil_mode);
	if (ret)
		return ret;
	if (ap) {
		if (ap->type != IR_ATTR_STRING)
			return infer_fail(c, -EINVAL, "bad attribute type for 'auto_pad' (not a string)");
		auto_pad = ap->s;
	}
	for (int i = 0; i < spatial; i++) {
		int64_t in_d = x->dims[2 + i], eff, o;

		if (strides[i] < 1 || dil[i] < 1 || kernel[i] < 1 || pads[i] < 0 || pads[spatial + i] < 0 ||
		    strides[i] > IR_MAX_ELEMENTS || dil[i] > IR_MAX_ELEMENTS ||
		    kernel[i] > IR_MAX_ELEMENTS || pads[i] > IR_MAX_ELEMENTS ||
		    pads[spatial + i] > IR_MAX_ELEMENTS || (kernel[i] - 1) > IR_MAX_ELEMENTS / dil[i])
			return infer_fail(c, -EINVAL, "bad kernel, stride, dilation or pad on axis %d", i);
		eff = (kernel[i] - 1) * dil[i] + 1;
		if (!strcmp(auto_pad, "SAME_UPPER") || !strcmp(auto_pad, "SAME_LOWER")) {
			o = (in_d + strides[i] - 1) / strides[i];
		} else if (!strcmp(auto_pad, "VALID")) {
			if (in_d < eff)
				return infer_fail(c, -EINVAL, "kernel larger than the input on axis %d", i);
			o = (in_d - eff) / strides[i] + 1;
		} else if (!strcmp(auto_pad, "NOTSET") || !auto_pad[0]) {
			int64_t span = in_d + pads[i] + pads[spatial + i] - eff;

			if (span < 0)
				return infer_fail(c, -EINVAL, "kernel larger than the padded input on axis %d", i);
			o = (ceil_mode ? span + strides[i] - 1 : span) / strides[i] + 1;
		} else {
			return infer_fail(c, -EINVAL, "bad auto_pad '%s'", auto_pad);
		}
		dims[2 + i] = o;
	}
	return 0;
}

static int infer_conv(struct infer_ctx *c)
{
	const struct ir_tensor *x, *w, *b;
	int64_t kernel[IR_MAX_RANK], dims[IR_MAX_RANK], group;
	bool has_kernel;
	int spatial, ret = need_inputs(c, 2);

	if (ret)
		return ret;
	x = in(c, 0);
	w = in(c, 1);
	if (x->rank < 3 || w->rank != x->rank)
		return infer_fail(c, -EINVAL, "X of rank %d and W of rank %d (want equal, >= 3)",
				  x->rank, w->rank);
	spatial = x->rank - 2;
	ret = attr_int(c, "group", 1, &group) ?:
	      attr_ints(c, "kernel_shape", spatial, 0, kernel, &has_kernel);
	if (ret)
		return ret;
	if (group < 1 || group > IR_MAX_ELEMENTS || x->dims[1] != w->dims[1] * group ||
	    w->dims[0] % group)
		return infer_fail(c, -EINVAL, "channels: X has %lld, W wants %lld x group %lld",
				  (long long)x->dims[1], (long long)w->dims[1], (long long)group);
	for (int i = 0; i < spatial; i++) {
		if (has_kernel && kernel[i] != w->dims[2 + i])
			return infer_fail(c, -EINVAL, "kernel_shape differs from W's");
		kernel[i] = w->dims[2 + i];
	}
	b = in(c, 2);
	if (b && (b->rank != 1 || b->dims[0] != w->dims[0]))
		return infer_fail(c, -EINVAL, "B must be [%lld]", (long long)w->dims[0]);
	dims[0] = x->dims[0];
	dims[1] = w->dims[0];
	ret = infer_window(c, x, spatial, kernel, dims);
	if (ret)
		return ret;
	set_shape(out(c, 0), x->dtype, x->rank, dims);
	return 0;
}

static int infer_pool(struct infer_ctx *c)
{
	const struct ir_tensor *x;
	int64_t kernel[IR_MAX_RANK], dims[IR_MAX_RANK];
	bool has_kernel;
	int spatial, ret = need_inputs(c, 1);

	if (ret)
		return ret;
	x = in(c, 0);
	if (x->rank < 3)
		return infer_fail(c, -EINVAL, "X of rank %d (want >= 3)", x->rank);
	spatial = x->rank - 2;
	ret = attr_ints(c, "kernel_shape", spatial, 0, kernel, &has_kernel);
	if (ret)
		return ret;
	if (!has_kernel)
		return infer_fail(c, -EINVAL, "no kernel_shape");
	dims[0] = x->dims[0];
	dims[1] = x->dims[1];
	ret = infer_window(c, x, spatial, kernel, dims);
	if (ret)
		return ret;
	set_shape(out(c, 0), x->dtype, x->rank, dims);
	/* MaxPool's optional Indices. */
	set_shape(out(c, 1), IR_DTYPE_INT64, x->rank, dims);
	return 0;
}

static int infer_global_pool(struct infer_ctx *c)
{
	int64_t dims[IR_MAX_RANK];
	const struct ir_tensor *x;
	int ret = need_inputs(c, 1);

	if (ret)
		return ret;
	x = in(c, 0);
	if (x->rank < 3)
		return infer_fail(c, -EINVAL, "X of rank %d (want >= 3)", x->rank);
	for (int i = 0; i < x->rank; i++)
		dims[i] = i < 2 ? x->dims[i] : 1;
	set_shape(out(c, 0), x->dtype, x->rank, dims);
	return 0;
}

static int infer_flatten(struct infer_ctx *c)
{
	const struct ir_tensor *x;
	int64_t axis, dims[2] = { 1, 1 };
	int a, ret = need_inputs(c, 1);

	if (ret)
		return ret;
	x = in(c, 0);
	ret = attr_int(c, "axis", 1, &axis);
	if (ret)
		return ret;
	/* axis may equal rank (everything in the first dimension). */
	if (axis == x->rank)
		a = x->rank;
	else if ((ret = axis_norm(c, axis, x->rank, &a)))
		return ret;
	for (int i = 0; i < x->rank; i++)
		dims[i < a ? 0 : 1] *= x->dims[i];
	set_shape(out(c, 0), x->dtype, 2, dims);
	return 0;
}

static int infer_reshape(struct infer_ctx *c)
{
	const struct ir_tensor *x, *s;
	int64_t dims[IR_MAX_RANK], allowzero, known = 1, numel;
	int infer_at = -1, rank, ret = need_inputs(c, 2);

	if (ret)
		return ret;
	x = in(c, 0);
	s = in(c, 1);
	ret = attr_int(c, "allowzero", 0, &allowzero);
	if (ret)
		return ret;
	if (!s->data || s->dtype != IR_DTYPE_INT64 || s->rank != 1)
		return infer_fail(c, -EOPNOTSUPP, "shape '%s' is not a constant 1-D int64 tensor", s->name);
	if (s->dims[0] > IR_MAX_RANK)
		return infer_fail(c, -EINVAL, "shape of rank %lld", (long long)s->dims[0]);
	rank = (int)s->dims[0];
	numel = ir_tensor_numel(x);
	for (int i = 0; i < rank; i++) {
		int64_t d;

		memcpy(&d, (const char *)s->data + i * sizeof(d), sizeof(d));
		if (d == 0 && !allowzero) {
			if (i >= x->rank)
				return infer_fail(c, -EINVAL, "0 at dimension %d beyond the input's rank", i);
			d = x->dims[i];
		}
		if (d == -1) {
			if (infer_at >= 0)
				return infer_fail(c, -EINVAL, "more than one -1 in the shape");
			infer_at = i;
			dims[i] = 1;
			continue;
		}
		if (d < 0)
			return infer_fail(c, -EINVAL, "negative dimension %lld", (long long)d);
		if (d && known > INT64_MAX / d)
			return infer_fail(c, -EINVAL, "shape overflows");
		dims[i] = d;
		known *= d;
	}
	if (infer_at >= 0) {
		if (!known || numel % known)
			return infer_fail(c, -EINVAL, "cannot infer the -1 dimension");
		dims[infer_at] = numel / known;
		known = numel;
	}
	if (known != numel)
		return infer_fail(c, -EINVAL, "%lld elements reshaped to %lld", (long long)numel,
				  (long long)known);
	set_shape(out(c, 0), x->dtype, rank, dims);
	return 0;
}

static int infer_transpose(struct infer_ctx *c)
{
	const struct ir_tensor *x;
	int64_t perm[IR_MAX_RANK], dims[IR_MAX_RANK];
	bool has_perm, seen[IR_MAX_RANK] = { 0 };
	int ret = need_inputs(c, 1);

	if (ret)
		return ret;
	x = in(c, 0);
	ret = attr_ints(c, "perm", x->rank, 0, perm, &has_perm);
	if (ret)
		return ret;
	for (int i = 0; i < x->rank; i++) {
		if (!has_perm)
			perm[i] = x->rank - 1 - i;
		if (perm[i] < 0 || perm[i] >= x->rank || seen[perm[i]])
			return infer_fail(c, -EINVAL, "perm is not a permutation");
		seen[perm[i]] = true;
		dims[i] = x->dims[perm[i]];
	}
	set_shape(out(c, 0), x->dtype, x->rank, dims);
	return 0;
}

static int infer_concat(struct infer_ctx *c)
{
	const struct ir_tensor *x;
	int64_t axis, dims[IR_MAX_RANK];
	int a, ret;

	if (!ir_node_find_attr(c->node, "axis"))
		return infer_fail(c, -EINVAL, "no axis");
	ret = need_inputs(c, c->node->n_inputs ? c->node->n_inputs : 1) ?: attr_int(c, "axis", 0, &axis);
	if (ret)
		return ret;
	x = in(c, 0);
	ret = axis_norm(c, axis, x->rank, &a);
	if (ret)
		return ret;
	memcpy(dims, x->dims, sizeof(dims));
	for (size_t i = 1; i < c->node->n_inputs; i++) {
		const struct ir_tensor *y = in(c, i);

		if (y->rank != x->rank || y->dtype != x->dtype)
			return infer_fail(c, -EINVAL, "input '%s' differs in rank or type", y->name);
		for (int d = 0; d < x->rank; d++)
			if (d != a && y->dims[d] != x->dims[d])
				return infer_fail(c, -EINVAL, "input '%s' differs on axis %d", y->name, d);
		if (dims[a] + y->dims[a] > IR_MAX_ELEMENTS)
			return infer_fail(c, -EINVAL, "result too large");
		dims[a] += y->dims[a];
	}
	set_shape(out(c, 0), x->dtype, x->rank, dims);
	return 0;
}

static int infer_softmax(struct infer_ctx *c)
{
	int64_t axis;
	int a, ret = need_inputs(c, 1);

	if (ret)
		return ret;
	/* The default axis moved from 1 to -1 in opset 13. */
	ret = attr_int(c, "axis", c->g->opset >= 13 ? -1 : 1, &axis) ?:
	      axis_norm(c, axis, in(c, 0)->rank, &a);
	if (ret)
		return ret;
	return infer_unary(c);
}

static int infer_batchnorm(struct infer_ctx *c)
{
	const struct ir_tensor *x;
	int ret = need_inputs(c, 5);

	if (ret)
		return ret;
	x = in(c, 0);
	if (x->rank < 2)
		return infer_fail(c, -EINVAL, "X of rank %d (want >= 2)", x->rank);
	for (size_t i = 1; i < 5; i++) {
		const struct ir_tensor *p = in(c, i);

		if (p->rank != 1 || p->dims[0] != x->dims[1])
			return infer_fail(c, -EINVAL, "'%s' must be [%lld]", p->name, (long long)x->dims[1]);
	}
	set_shape(out(c, 0), x->dtype, x->rank, x->dims);
	/* Training outputs (running or saved mean and variance): one value per channel. */
	for (size_t i = 1; i < c->node->n_outputs; i++)
		set_shape(out(c, i), in(c, 3)->dtype, 1, &x->dims[1]);
	return 0;
}

/* Constant: its output is the value attribute's tensor (or value_float, value_ints...). */
static int infer_constant(struct infer_ctx *c)
{
	struct ir_tensor *o = out(c, 0);
	const struct ir_attr *a;
	size_t count = 1, esize, bytes;
	const void *src;

	if (!o)
		return infer_fail(c, -EINVAL, "no output");
	if (c->node->n_attrs != 1)
		return infer_fail(c, -EINVAL, "wants exactly one value attribute");
	a = &c->node->attrs[0];
	if (!strcmp(a->name, "value") && a->type == IR_ATTR_TENSOR) {
		set_shape(o, a->t->dtype, a->t->rank, a->t->dims);
		src = a->t->data;
		count = a->t->data_size;
		esize = 1;
	} else if (!strcmp(a->name, "value_float") && a->type == IR_ATTR_FLOAT) {
		set_shape(o, IR_DTYPE_FLOAT, 0, NULL);
		src = &a->f;
		esize = sizeof(float);
	} else if (!strcmp(a->name, "value_int") && a->type == IR_ATTR_INT) {
		set_shape(o, IR_DTYPE_INT64, 0, NULL);
		src = &a->i;
		esize = sizeof(int64_t);
	} else if (!strcmp(a->name, "value_floats") && a->type == IR_ATTR_FLOATS) {
		int64_t n = (int64_t)a->len;

		set_shape(o, IR_DTYPE_FLOAT, 1, &n);
		src = a->floats;
		count = a->len;
		esize = sizeof(float);
	} else if (!strcmp(a->name, "value_ints") && a->type == IR_ATTR_INTS) {
		int64_t n = (int64_t)a->len;

		set_shape(o, IR_DTYPE_INT64, 1, &n);
		src = a->ints;
		count = a->len;
		esize = sizeof(int64_t);
	} else {
		return infer_fail(c, -EOPNOTSUPP, "value attribute '%s' not supported", a->name);
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

/* Dropout: Y as X, the optional mask bool of X's shape. */
static int infer_dropout(struct infer_ctx *c)
{
	int ret = infer_unary(c);

	if (ret)
		return ret;
	set_shape(out(c, 1), IR_DTYPE_BOOL, in(c, 0)->rank, in(c, 0)->dims);
	return 0;
}

static int infer_float_unary(struct infer_ctx *c)
{
	int ret = need_inputs(c, 1);

	if (ret)
		return ret;
	if (!is_float_type(in(c, 0)->dtype))
		return infer_fail(c, -EINVAL, "input of type %s (want a floating type)",
				  ir_dtype_name(in(c, 0)->dtype));
	return infer_unary(c);
}

/*
 * The int64 values of constant input @i (a Reshape shape, Unsqueeze axes...) or of attribute
 * @attr when the operator still took them as one at this opset. *@n = -1: neither is given.
 */
static int const_ints(struct infer_ctx *c, size_t i, const char *attr, int64_t *vals, int *n)
{
	const struct ir_attr *a = attr ? ir_node_find_attr(c->node, attr) : NULL;
	const struct ir_tensor *t = in(c, i);

	*n = -1;
	if (a) {
		if (a->type != IR_ATTR_INTS)
			return infer_fail(c, -EINVAL, "bad attribute type for '%s' (not ints)", attr);
		if (a->len > IR_MAX_RANK * 2)
			return infer_fail(c, -EINVAL, "attribute '%s' has %zu values", attr, a->len);
		memcpy(vals, a->ints, a->len * sizeof(*vals));
		*n = (int)a->len;
		return 0;
	}
	if (!t)
		return 0;
	if (!t->data || t->dtype != IR_DTYPE_INT64 || t->rank > 1)
		return infer_fail(c, -EOPNOTSUPP, "'%s' is not a constant int64 list", t->name);
	if (t->data_size / 8 > IR_MAX_RANK * 2)
		return infer_fail(c, -EINVAL, "'%s' has too many values", t->name);
	*n = (int)(t->data_size / 8);
	memcpy(vals, t->data, t->data_size);
	return 0;
}

static int infer_unsqueeze(struct infer_ctx *c)
{
	int64_t axes[2 * IR_MAX_RANK], dims[IR_MAX_RANK];
	const struct ir_tensor *x;
	bool at[IR_MAX_RANK] = { 0 };
	int n, r, k = 0, ret = need_inputs(c, 1);

	if (ret)
		return ret;
	x = in(c, 0);
	ret = const_ints(c, 1, c->g->opset >= 13 ? NULL : "axes", axes, &n);
	if (ret)
		return ret;
	if (n < 0)
		return infer_fail(c, -EINVAL, "no axes");
	r = x->rank + n;
	if (r > IR_MAX_RANK)
		return infer_fail(c, -EINVAL, "rank %d exceeds %d", r, IR_MAX_RANK);
	for (int i = 0; i < n; i++) {
		int a;

		ret = axis_norm(c, axes[i], r, &a);
		if (ret)
			return ret;
		if (at[a])
			return infer_fail(c, -EINVAL, "axis %d given twice", a);
		at[a] = true;
	}
	for (int i = 0; i < r; i++)
		dims[i] = at[i] ? 1 : x->dims[k++];
	set_shape(out(c, 0), x->dtype, r, dims);
	if (x->data && out(c, 0)) {
		/* A constant stays one (shape computations feed Reshape). */
		struct ir_tensor *o = out(c, 0);

		free(o->data);
		o->data = malloc(x->data_size ? x->data_size : 1);
		if (!o->data)
			return -ENOMEM;
		memcpy(o->data, x->data, x->data_size);
		o->data_size = x->data_size;
	}
	return 0;
}

static int infer_squeeze(struct infer_ctx *c)
{
	int64_t axes[2 * IR_MAX_RANK], dims[IR_MAX_RANK];
	const struct ir_tensor *x;
	bool drop[IR_MAX_RANK] = { 0 };
	int n, r = 0, ret = need_inputs(c, 1);

	if (ret)
		return ret;
	x = in(c, 0);
	ret = const_ints(c, 1, c->g->opset >= 13 ? NULL : "axes", axes, &n);
	if (ret)
		return ret;
	for (int i = 0; i < n; i++) {
		int a;

		ret = axis_norm(c, axes[i], x->rank, &a);
		if (ret)
			return ret;
		if (x->dims[a] != 1)
			return infer_fail(c, -EINVAL, "axis %d has size %lld, not 1", a, (long long)x->dims[a]);
		drop[a] = true;
	}
	for (int i = 0; i < x->rank; i++)
		if (!(n < 0 ? x->dims[i] == 1 : drop[i]))
			dims[r++] = x->dims[i];
	set_shape(out(c, 0), x->dtype, r, dims);
	return 0;
}

/* Shape: a constant int64 [rank] holding the input's (static) dimensions. */
static int infer_shape(struct infer_ctx *c)
{
	int64_t start = 0, end, n;
	const struct ir_tensor *x;
	struct ir_tensor *o;
	int ret = need_inputs(c, 1);

	if (ret)
		return ret;
	x = in(c, 0);
	o = out(c, 0);
	ret = attr_int(c, "start", 0, &start) ?: attr_int(c, "end", x->rank, &end);
	if (ret)
		return ret;
	/* start/end (opset 15) are clamped to [0, rank]. */
	start = start < 0 ? start + x->rank : start;
	end = end < 0 ? end + x->rank : end;
	start = start < 0 ? 0 : start > x->rank ? x->rank : start;
	end = end < 0 ? 0 : end > x->rank ? x->rank : end;
	n = end > start ? end - start : 0;
	set_shape(o, IR_DTYPE_INT64, 1, &n);
	free(o->data);
	o->data = malloc(n ? n * sizeof(int64_t) : 1);
	if (!o->data)
		return -ENOMEM;
	memcpy(o->data, &x->dims[start], n * sizeof(int64_t));
	o->data_size = n * sizeof(int64_t);
	return 0;
}

static int infer_cast(struct infer_ctx *c)
{
	int64_t to;
	int ret = need_inputs(c, 1);

	if (ret)
		return ret;
	if (!ir_node_find_attr(c->node, "to"))
		return infer_fail(c, -EINVAL, "no 'to' attribute");
	ret = attr_int(c, "to", 0, &to);
	if (ret)
		return ret;
	if (!ir_dtype_size((enum ir_dtype)to))
		return infer_fail(c, -EOPNOTSUPP, "cast to unsupported data type %lld", (long long)to);
	set_shape(out(c, 0), (enum ir_dtype)to, in(c, 0)->rank, in(c, 0)->dims);
	return 0;
}

/* ReduceMean, ReduceSum, ReduceMax...: axes (an attribute, ReduceSum's an input from 13). */
static int infer_reduce(struct infer_ctx *c)
{
	int64_t axes[2 * IR_MAX_RANK], dims[IR_MAX_RANK], keepdims, noop;
	const struct ir_tensor *x;
	bool red[IR_MAX_RANK] = { 0 };
	bool axes_input = !strcmp(c->node->op_type, "ReduceSum") && c->g->opset >= 13;
	int n, r = 0, ret = need_inputs(c, 1);

	if (ret)
		return ret;
	x = in(c, 0);
	ret = attr_int(c, "keepdims", 1, &keepdims) ?: attr_int(c, "noop_with_empty_axes", 0, &noop) ?:
	      const_ints(c, 1, axes_input ? NULL : "axes", axes, &n);
	if (ret)
		return ret;
	if (n <= 0 && noop)
		return infer_unary(c);
	for (int i = 0; i < x->rank; i++)
		red[i] = n <= 0;
	for (int i = 0; i < n; i++) {
		int a;

		ret = axis_norm(c, axes[i], x->rank, &a);
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
	set_shape(out(c, 0), x->dtype, r, dims);
	return 0;
}

/* Pow: the base's type; the exponent may be of another numeric type. */
static int infer_pow(struct infer_ctx *c)
{
	int64_t dims[IR_MAX_RANK];
	int rank, ret = need_inputs(c, 2);

	if (ret)
		return ret;
	ret = broadcast(c, in(c, 0), in(c, 1), dims, &rank);
	if (ret)
		return ret;
	set_shape(out(c, 0), in(c, 0)->dtype, rank, dims);
	return 0;
}

/* Equal, Less, Greater...: broadcasting, a bool result. */
static int infer_compare(struct infer_ctx *c)
{
	int64_t dims[IR_MAX_RANK];
	int rank, ret = need_inputs(c, 2);

	if (ret)
		return ret;
	if (in(c, 0)->dtype != in(c, 1)->dtype)
		return infer_fail(c, -EINVAL, "inputs of different types");
	ret = broadcast(c, in(c, 0), in(c, 1), dims, &rank);
	if (ret)
		return ret;
	set_shape(out(c, 0), IR_DTYPE_BOOL, rank, dims);
	return 0;
}

/* Pad: pads an attribute before opset 11, a constant input after. */
static int infer_pad(struct infer_ctx *c)
{
	int64_t pads[2 * IR_MAX_RANK], dims[IR_MAX_RANK];
	const struct ir_tensor *x;
	int n, ret = need_inputs(c, 1);

	if (ret)
		return ret;
	x = in(c, 0);
	ret = const_ints(c, 1, c->g->opset >= 11 ? NULL : "pads", pads, &n);
	if (ret)
		return ret;
	if (in(c, 3))
		return infer_fail(c, -EOPNOTSUPP, "axes input not supported");
	if (n != 2 * x->rank)
		return infer_fail(c, -EINVAL, "%d pads for rank %d", n, x->rank);
	for (int i = 0; i < x->rank; i++) {
		if (pads[i] < -IR_MAX_ELEMENTS || pads[i] > IR_MAX_ELEMENTS ||
		    pads[x->rank + i] < -IR_MAX_ELEMENTS || pads[x->rank + i] > IR_MAX_ELEMENTS)
			return infer_fail(c, -EINVAL, "pad out of range on axis %d", i);
		dims[i] = x->dims[i] + pads[i] + pads[x->rank + i];
		if (dims[i] < 0)
			return infer_fail(c, -EINVAL, "negative size on axis %d", i);
	}
	set_shape(out(c, 0), x->dtype, x->rank, dims);
	return 0;
}

/* Gather: data[:axis] + indices' shape + data[axis+1:]. */
static int infer_gather(struct infer_ctx *c)
{
	const struct ir_tensor *x, *idx;
	int64_t axis, dims[IR_MAX_RANK];
	int a, r = 0, ret = need_inputs(c, 2);

	if (ret)
		return ret;
	x = in(c, 0);
	idx = in(c, 1);
	ret = attr_int(c, "axis", 0, &axis) ?: axis_norm(c, axis, x->rank, &a);
	if (ret)
		return ret;
	if (idx->dtype != IR_DTYPE_INT64 && idx->dtype != IR_DTYPE_INT32)
		return infer_fail(c, -EINVAL, "indices of type %s", ir_dtype_name(idx->dtype));
	if (x->rank - 1 + idx->rank > IR_MAX_RANK)
		return infer_fail(c, -EINVAL, "result rank exceeds %d", IR_MAX_RANK);
	for (int i = 0; i < a; i++)
		dims[r++] = x->dims[i];
	for (int i = 0; i < idx->rank; i++)
		dims[r++] = idx->dims[i];
	for (int i = a + 1; i < x->rank; i++)
		dims[r++] = x->dims[i];
	set_shape(out(c, 0), x->dtype, r, dims);
	return 0;
}

struct op_infer {
	const char *op;
	int (*infer)(struct infer_ctx *c);
};

static const struct op_infer op_table[] = {
	{ "Add", infer_binary }, { "Sub", infer_binary }, { "Mul", infer_binary },
	{ "Div", infer_binary }, { "Max", infer_binary }, { "Min", infer_binary },
	{ "Sum", infer_binary }, { "Mean", infer_binary },
	{ "Relu", infer_unary }, { "Identity", infer_unary }, { "Neg", infer_unary },
	{ "Abs", infer_unary }, { "Clip", infer_unary },
	{ "Sigmoid", infer_float_unary }, { "Tanh", infer_float_unary }, { "Exp", infer_float_unary },
	{ "Log", infer_float_unary }, { "Sqrt", infer_float_unary }, { "Erf", infer_float_unary },
	{ "Reciprocal", infer_float_unary }, { "LeakyRelu", infer_float_unary },
	{ "Elu", infer_float_unary }, { "Selu", infer_float_unary }, { "Softplus", infer_float_unary },
	{ "HardSigmoid", infer_float_unary }, { "Floor", infer_float_unary },
	{ "Ceil", infer_float_unary },
	{ "Softmax", infer_softmax }, { "LogSoftmax", infer_softmax },
	{ "MatMul", infer_matmul }, { "Gemm", infer_gemm }, { "Conv", infer_conv },
	{ "MaxPool", infer_pool }, { "AveragePool", infer_pool },
	{ "GlobalAveragePool", infer_global_pool }, { "GlobalMaxPool", infer_global_pool },
	{ "Flatten", infer_flatten }, { "Reshape", infer_reshape }, { "Transpose", infer_transpose },
	{ "Concat", infer_concat }, { "BatchNormalization", infer_batchnorm },
	{ "Constant", infer_constant }, { "Dropout", infer_dropout },
	{ "Unsqueeze", infer_unsqueeze }, { "Squeeze", infer_squeeze }, { "Shape", infer_shape },
	{ "Cast", infer_cast }, { "Pow", infer_pow }, { "Pad", infer_pad }, { "Gather", infer_gather },
	{ "Equal", infer_compare }, { "Less", infer_compare }, { "Greater", infer_compare },
	{ "LessOrEqual", infer_compare }, { "GreaterOrEqual", infer_compare },
	{ "ReduceMean", infer_reduce }, { "ReduceSum", infer_reduce }, { "ReduceMax", infer_reduce },
	{ "ReduceMin", infer_reduce }, { "ReduceProd", infer_reduce },
	{ "ReduceSumSquare", infer_reduce }, { "ReduceL1", infer_reduce }, { "ReduceL2", infer_reduce },
	{ "ReduceLogSum", infer_reduce }, { "ReduceLogSumExp", infer_reduce },
};

int ir_infer_shapes(struct ir_graph *g, char *err, size_t err_len)
{
	for (size_t i = 0; i < g->n_nodes; i++) {
		struct infer_ctx c = { .g = g, .node = g->nodes[i], .idx = i, .err = err, .err_len = err_len };
		const struct op_infer *op = NULL;
		int ret;

		if (!c.node->domain[0] || !strcmp(c.node->domain, "ai.onnx"))
			for (size_t k = 0; k < sizeof(op_table) / sizeof(op_table[0]); k++)
				if (!strcmp(op_table[k].op, c.node->op_type))
					op = &op_table[k];
		if (!op)
			return infer_fail(&c, -EOPNOTSUPP, "unsupported op %s%s%s", c.node->domain,
					  c.node->domain[0] ? "." : "", c.node->op_type);
		ret = op->infer(&c);
		if (ret)
			return ret;
		for (size_t o = 0; o < c.node->n_outputs; o++) {
			struct ir_tensor *t = out(&c, o);

			if (t && t->rank < 0)
				return infer_fail(&c, -EOPNOTSUPP, "output %zu ('%s') not supported", o, t->name);
			/* Bounded, so that the next node's arithmetic on these dims cannot overflow. */
			for (int d = 0; t && d < t->rank; d++)
				if (t->dims[d] > IR_MAX_ELEMENTS)
					return infer_fail(&c, -EINVAL, "output '%s' too large", t->name);
			if (t && (uint64_t)ir_tensor_numel(t) > IR_MAX_ELEMENTS)
				return infer_fail(&c, -EINVAL, "output '%s' too large", t->name);
		}
	}
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * The operator registry and the helpers that every family's inference and kernels share
 * (compiler/op.h).
 */
#include "compiler/op.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int op_fail(struct op_ctx *c, int ret, const char *fmt, ...)
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
struct ir_tensor *op_in(struct op_ctx *c, size_t i)
{
	if (i >= c->node->n_inputs || c->node->inputs[i] < 0)
		return NULL;
	return c->g->tensors[c->node->inputs[i]];
}

struct ir_tensor *op_out(struct op_ctx *c, size_t i)
{
	if (i >= c->node->n_outputs || c->node->outputs[i] < 0)
		return NULL;
	return c->g->tensors[c->node->outputs[i]];
}

/* Inputs 0..n-1 present with known shapes, else -EINVAL naming the first missing one. */
int op_need_inputs(struct op_ctx *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct ir_tensor *t = op_in(c, i);

		if (!t)
			return op_fail(c, -EINVAL, "missing input %zu", i);
		if (t->rank < 0)
			return op_fail(c, -EINVAL, "input '%s' has no known shape", t->name);
	}
	if (!op_out(c, 0))
		return op_fail(c, -EINVAL, "no output");
	return 0;
}

void op_set_shape(struct ir_tensor *t, enum ir_dtype dt, int rank, const int64_t *dims)
{
	if (!t)
		return;
	t->dtype = dt;
	t->rank = rank;
	if (rank)
		memcpy(t->dims, dims, rank * sizeof(*dims));
}

int op_attr_int(struct op_ctx *c, const char *name, int64_t def, int64_t *v)
{
	const struct ir_attr *a = ir_node_find_attr(c->node, name);

	*v = def;
	if (!a)
		return 0;
	if (a->type != IR_ATTR_INT)
		return op_fail(c, -EINVAL, "bad attribute type for '%s' (not an int)", name);
	*v = a->i;
	return 0;
}

/* An INTS attribute of exactly @n values into @v (else @def, or 0 when @def is NULL). */
int op_attr_ints(struct op_ctx *c, const char *name, size_t n, int64_t def, int64_t *v,
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
		return op_fail(c, -EINVAL, "bad attribute type for '%s' (not ints)", name);
	if (a->len != n)
		return op_fail(c, -EINVAL, "attribute '%s' has %zu values, expected %zu", name,
				  a->len, n);
	memcpy(v, a->ints, n * sizeof(*v));
	return 0;
}

/* Normalise an axis of a rank-@rank tensor (negative counts from the end). */
int op_axis_norm(struct op_ctx *c, int64_t axis, int rank, int *out_axis)
{
	/* Set on failure too: callers return on an error, which the compiler cannot see. */
	*out_axis = 0;
	if (axis < -rank || axis >= rank)
		return op_fail(c, -EINVAL, "axis %lld out of range for rank %d", (long long)axis, rank);
	*out_axis = (int)(axis < 0 ? axis + rank : axis);
	return 0;
}

bool op_dtype_is_float(enum ir_dtype dt)
{
	return dt == IR_DTYPE_FLOAT || dt == IR_DTYPE_FLOAT16 || dt == IR_DTYPE_BFLOAT16 ||
	       dt == IR_DTYPE_DOUBLE;
}

/* Multidirectional (numpy) broadcasting of @a and @b into @dims/@rank. */
int op_broadcast(struct op_ctx *c, const struct ir_tensor *a, const struct ir_tensor *b,
		     int64_t *dims, int *rank)
{
	int r = a->rank > b->rank ? a->rank : b->rank;
	int64_t res[IR_MAX_RANK];

	/* Into res first: @dims may be @a's own. */
	for (int i = 0; i < r; i++) {
		int ia = i - (r - a->rank), ib = i - (r - b->rank);
		int64_t da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;

		if (da != db && da != 1 && db != 1)
			return op_fail(c, -EINVAL, "shapes of '%s' and '%s' do not broadcast (dim %d: %lld vs %lld)",
					  a->name, b->name, i, (long long)da, (long long)db);
		res[i] = da == 1 ? db : da;
	}
	memcpy(dims, res, r * sizeof(*dims));
	*rank = r;
	return 0;
}

/*
 * The int64 values of constant input @i (a Reshape shape, Unsqueeze axes...) or of attribute
 * @attr when the operator still took them as one at this opset. *@n = -1: neither is given.
 */
int op_const_ints(struct op_ctx *c, size_t i, const char *attr, int64_t *vals, int *n)
{
	const struct ir_attr *a = attr ? ir_node_find_attr(c->node, attr) : NULL;
	const struct ir_tensor *t = op_in(c, i);

	*n = -1;
	if (a) {
		if (a->type != IR_ATTR_INTS)
			return op_fail(c, -EINVAL, "bad attribute type for '%s' (not ints)", attr);
		if (a->len > IR_MAX_RANK * 2)
			return op_fail(c, -EINVAL, "attribute '%s' has %zu values", attr, a->len);
		memcpy(vals, a->ints, a->len * sizeof(*vals));
		*n = (int)a->len;
		return 0;
	}
	if (!t)
		return 0;
	if (!t->data || t->dtype != IR_DTYPE_INT64 || t->rank > 1)
		return op_fail(c, -EOPNOTSUPP, "'%s' is not a constant int64 list", t->name);
	if (t->data_size / 8 > IR_MAX_RANK * 2)
		return op_fail(c, -EINVAL, "'%s' has too many values", t->name);
	*n = (int)(t->data_size / 8);
	memcpy(vals, t->data, t->data_size);
	return 0;
}

int op_attr_float(struct op_ctx *c, const char *name, float def, float *v)
{
	const struct ir_attr *a = ir_node_find_attr(c->node, name);

	*v = def;
	if (!a)
		return 0;
	if (a->type != IR_ATTR_FLOAT)
		return op_fail(c, -EINVAL, "bad attribute type for '%s' (not a float)", name);
	*v = a->f;
	return 0;
}

/* Every family's table; an op type appears in one of them only. */
static const struct op_def *const op_families[] = {
	op_defs_elementwise,
	op_defs_elementwise_binary,
	op_defs_linalg,
	op_defs_nn,
	op_defs_tensor,
	op_defs_reduce,
	op_defs_index,
	op_defs_nn_conv,
	op_defs_nn_pool,
	op_defs_nn_norm,
	op_defs_nn_loss,
	op_defs_nn_rnn,
	op_defs_tensor_move,
	op_defs_tensor_gen,
	op_defs_tensor_resize,
	op_defs_quant,
	op_defs_quant_linear,
	op_defs_quant_elementwise,
};

const struct op_def *op_find(const char *domain, const char *op_type)
{
	/* com.microsoft: ONNX Runtime's quantized contrib ops, which quantize_elementwise holds. */
	if (!strcmp(domain, OP_DOMAIN_MS)) {
		for (const struct op_def *d = op_defs_quant_elementwise; d->op_type; d++)
			if (!strcmp(d->op_type, op_type))
				return d;
		return NULL;
	}
	if (domain[0] && strcmp(domain, "ai.onnx"))
		return NULL;
	for (size_t f = 0; f < sizeof(op_families) / sizeof(op_families[0]); f++)
		for (const struct op_def *d = op_families[f]; d->op_type; d++)
			if (!strcmp(d->op_type, op_type))
				return d;
	return NULL;
}

// SPDX-License-Identifier: MIT
/*
 * Indexing operators: Gather, GatherElements, GatherND, Scatter, ScatterElements, ScatterND,
 * OneHot, CumSum, TopK, Compress, NonZero, Einsum.
 * Shape inference follows the ONNX operator specification for opsets 7 to 17 (compiler/op.h);
 * docs/compiler.md ("Indexing operators") has the rules the kernels follow. Index values come
 * from the model's inputs, so every kernel checks each one against its range (-EINVAL naming
 * the node) before it addresses memory with it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/op.h"
#include "compiler/ops/elem.h"

static bool is_index_type(enum ir_dtype dt)
{
	return dt == IR_DTYPE_INT64 || dt == IR_DTYPE_INT32;
}

/* Index element @i (int32 or int64). */
static int64_t index_at(enum ir_dtype dt, const void *p, size_t i)
{
	return dt == IR_DTYPE_INT32 ? ((const int32_t *)p)[i] : ((const int64_t *)p)[i];
}

/* @v as an index into a dimension of @n (negative counts from the end), or -EINVAL. */
static int index_norm(struct op_ctx *c, int64_t v, int64_t n, int64_t *out)
{
	/* Set on failure too: callers return on an error, which the compiler cannot see. */
	*out = 0;
	if (v < -n || v >= n)
		return op_fail(c, -EINVAL, "index %lld out of range for a dimension of %lld",
			       (long long)v, (long long)n);
	*out = v < 0 ? v + n : v;
	return 0;
}

/* Row-major strides of @t, in elements. */
static void strides_of(const struct ir_tensor *t, int64_t *strides)
{
	int64_t s = 1;

	for (int d = t->rank - 1; d >= 0; d--) {
		strides[d] = s;
		s *= t->dims[d];
	}
}

/* Advance the row-major odometer @pos over @dims (rank @rank). */
static void odometer_next(int64_t *pos, const int64_t *dims, int rank)
{
	for (int d = rank - 1; d >= 0; d--) {
		if (++pos[d] < dims[d])
			return;
		pos[d] = 0;
	}
}

/*
 * The output of a node whose shape depends on an input's values that inference cannot read
 * (not a constant): the shape the output already has (the model's declaration, or a previous
 * inference's), when of rank @rank and type @dt, gives that value's dimension at @dim in
 * *@n; the caller sets the rest of the shape itself and the kernel checks the value against
 * it. Else -EOPNOTSUPP naming @what.
 */
static int infer_from_output(struct op_ctx *c, size_t out, const char *what, enum ir_dtype dt,
			     int rank, int dim, int64_t *n)
{
	const struct ir_tensor *o = op_out(c, out);

	if (o && o->rank == rank && o->dtype == dt) {
		*n = o->dims[dim];
		return 0;
	}
	return op_fail(c, -EOPNOTSUPP, "%s is not a constant (the output's shape depends on its values)",
		       what);
}

/* Gather: data[:axis] + indices' shape + data[axis+1:]. */
static int infer_gather(struct op_ctx *c)
{
	const struct ir_tensor *x, *idx;
	int64_t axis, dims[IR_MAX_RANK];
	int a, r = 0, ret = op_need_inputs(c, 2);

	if (ret)
		return ret;
	x = op_in(c, 0);
	idx = op_in(c, 1);
	ret = op_attr_int(c, "axis", 0, &axis) ?: op_axis_norm(c, axis, x->rank, &a);
	if (ret)
		return ret;
	if (!is_index_type(idx->dtype))
		return op_fail(c, -EINVAL, "indices of type %s", ir_dtype_name(idx->dtype));
	if (x->rank - 1 + idx->rank > IR_MAX_RANK)
		return op_fail(c, -EINVAL, "result rank exceeds %d", IR_MAX_RANK);
	for (int i = 0; i < a; i++)
		dims[r++] = x->dims[i];
	for (int i = 0; i < idx->rank; i++)
		dims[r++] = idx->dims[i];
	for (int i = a + 1; i < x->rank; i++)
		dims[r++] = x->dims[i];
	op_set_shape(op_out(c, 0), x->dtype, r, dims);
	return 0;
}

static int host_gather(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *x = op_in(c, 0), *idx = op_in(c, 1);
	int64_t axis, outer = 1, inner = 1, n, nidx = ir_tensor_numel(idx);
	size_t esize = ir_dtype_size(x->dtype), row;
	char *y = out[0];
	int a, ret = op_attr_int(c, "axis", 0, &axis) ?: op_axis_norm(c, axis, x->rank, &a);

	if (ret)
		return ret;
	/* An empty output: nothing to address (and an empty input may have no buffer at all). */
	if (!ir_tensor_numel(op_out(c, 0)))
		return 0;
	for (int i = 0; i < a; i++)
		outer *= x->dims[i];
	for (int i = a + 1; i < x->rank; i++)
		inner *= x->dims[i];
	n = x->dims[a];
	row = (size_t)inner * esize;
	for (int64_t j = 0; j < nidx; j++) {
		int64_t k;

		ret = index_norm(c, index_at(idx->dtype, in[1], (size_t)j), n, &k);
		if (ret)
			return ret;
		for (int64_t o = 0; o < outer; o++)
			memcpy(y + (size_t)(o * nidx + j) * row,
			       (const char *)in[0] + (size_t)(o * n + k) * row, row);
	}
	return 0;
}

/*
 * GatherElements, Scatter, ScatterElements: indices of data's rank, each dimension no larger
 * than data's except along axis (an index tensor larger than the data would address rows the
 * data does not have).
 */
static int check_elements_indices(struct op_ctx *c, const struct ir_tensor *x,
				  const struct ir_tensor *idx, int *axis)
{
	int64_t a;
	int ret = op_attr_int(c, "axis", 0, &a);

	if (ret)
		return ret;
	if (!is_index_type(idx->dtype))
		return op_fail(c, -EINVAL, "indices of type %s", ir_dtype_name(idx->dtype));
	if (x->rank < 1 || idx->rank != x->rank)
		return op_fail(c, -EINVAL, "indices of rank %d for data of rank %d", idx->rank, x->rank);
	ret = op_axis_norm(c, a, x->rank, axis);
	if (ret)
		return ret;
	for (int d = 0; d < x->rank; d++)
		if (d != *axis && idx->dims[d] > x->dims[d])
			return op_fail(c, -EINVAL, "indices dimension %d (%lld) exceeds data's (%lld)", d,
				       (long long)idx->dims[d], (long long)x->dims[d]);
	return 0;
}

static int infer_gather_elements(struct op_ctx *c)
{
	int a, ret = op_need_inputs(c, 2);

	if (ret)
		return ret;
	ret = check_elements_indices(c, op_in(c, 0), op_in(c, 1), &a);
	if (ret)
		return ret;
	op_set_shape(op_out(c, 0), op_in(c, 0)->dtype, op_in(c, 1)->rank, op_in(c, 1)->dims);
	return 0;
}

static int host_gather_elements(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *x = op_in(c, 0), *idx = op_in(c, 1);
	int64_t xs[IR_MAX_RANK], pos[IR_MAX_RANK] = { 0 }, n = ir_tensor_numel(idx);
	size_t esize = ir_dtype_size(x->dtype);
	int a, ret = check_elements_indices(c, x, idx, &a);

	if (ret)
		return ret;
	/* An empty output: nothing to address (and an empty input may have no buffer at all). */
	if (!ir_tensor_numel(op_out(c, 0)))
		return 0;
	strides_of(x, xs);
	for (int64_t i = 0; i < n; i++, odometer_next(pos, idx->dims, idx->rank)) {
		int64_t k, off = 0;

		ret = index_norm(c, index_at(idx->dtype, in[1], (size_t)i), x->dims[a], &k);
		if (ret)
			return ret;
		for (int d = 0; d < x->rank; d++)
			off += (d == a ? k : pos[d]) * xs[d];
		memcpy((char *)out[0] + (size_t)i * esize, (const char *)in[0] + (size_t)off * esize, esize);
	}
	return 0;
}

/* Scatter reductions (ScatterElements and ScatterND from opset 16). */
enum scatter_reduction { SCATTER_NONE, SCATTER_ADD, SCATTER_MUL, SCATTER_MAX, SCATTER_MIN };

static int scatter_reduction(struct op_ctx *c, const struct ir_tensor *x, enum scatter_reduction *r)
{
	static const char *const names[] = { "none", "add", "mul", "max", "min" };
	const struct ir_attr *a = ir_node_find_attr(c->node, "reduction");

	*r = SCATTER_NONE;
	if (!a)
		return 0;
	if (a->type != IR_ATTR_STRING)
		return op_fail(c, -EINVAL, "bad attribute type for 'reduction' (not a string)");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(a->s, names[i]))
			continue;
		*r = (enum scatter_reduction)i;
		if (*r != SCATTER_NONE && !elem_is_int(x->dtype) && !op_dtype_is_float(x->dtype))
			return op_fail(c, -EINVAL, "reduction '%s' on %s", a->s, ir_dtype_name(x->dtype));
		return 0;
	}
	return op_fail(c, -EINVAL, "unknown reduction '%s'", a->s);
}

/* Element @di of @y (type @dt) combined with element @ui of @u by @r. */
static void scatter_apply(enum ir_dtype dt, enum scatter_reduction r, void *y, size_t di,
			  const void *u, size_t ui)
{
	size_t esize = ir_dtype_size(dt);

	if (r == SCATTER_NONE) {
		memcpy((char *)y + di * esize, (const char *)u + ui * esize, esize);
	} else if (elem_is_int(dt)) {
		int64_t a = elem_i64(dt, y, di), b = elem_i64(dt, u, ui);

		a = r == SCATTER_ADD ? (int64_t)((uint64_t)a + (uint64_t)b) :
		    r == SCATTER_MUL ? (int64_t)((uint64_t)a * (uint64_t)b) :
		    r == SCATTER_MAX ? (a > b ? a : b) : (a < b ? a : b);
		elem_store(dt, y, di, 0, a);
	} else {
		double a = elem_f64(dt, y, di), b = elem_f64(dt, u, ui);

		a = r == SCATTER_ADD ? a + b : r == SCATTER_MUL ? a * b :
		    r == SCATTER_MAX ? (a > b ? a : b) : (a < b ? a : b);
		elem_store(dt, y, di, a, 0);
	}
}

/* Scatter (opsets 9, 10) and ScatterElements: updates of indices' shape; the output is data's. */
static int infer_scatter_elements(struct op_ctx *c)
{
	const struct ir_tensor *x, *idx, *u;
	enum scatter_reduction r;
	int a, ret = op_need_inputs(c, 3);

	if (ret)
		return ret;
	x = op_in(c, 0);
	idx = op_in(c, 1);
	u = op_in(c, 2);
	ret = check_elements_indices(c, x, idx, &a) ?: scatter_reduction(c, x, &r);
	if (ret)
		return ret;
	if (u->dtype != x->dtype || u->rank != idx->rank ||
	    memcmp(u->dims, idx->dims, idx->rank * sizeof(*idx->dims)))
		return op_fail(c, -EINVAL, "updates '%s' differ from the indices' shape or data's type", u->name);
	op_set_shape(op_out(c, 0), x->dtype, x->rank, x->dims);
	return 0;
}

static int host_scatter_elements(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *x = op_in(c, 0), *idx = op_in(c, 1);
	int64_t xs[IR_MAX_RANK], pos[IR_MAX_RANK] = { 0 }, n = ir_tensor_numel(idx);
	enum scatter_reduction r;
	int a, ret = check_elements_indices(c, x, idx, &a) ?: scatter_reduction(c, x, &r);

	if (ret)
		return ret;
	/* An empty output: nothing to address (and an empty input may have no buffer at all). */
	if (!ir_tensor_numel(op_out(c, 0)))
		return 0;
	memcpy(out[0], in[0], (size_t)ir_tensor_numel(x) * ir_dtype_size(x->dtype));
	strides_of(x, xs);
	for (int64_t i = 0; i < n; i++, odometer_next(pos, idx->dims, idx->rank)) {
		int64_t k, off = 0;

		ret = index_norm(c, index_at(idx->dtype, in[1], (size_t)i), x->dims[a], &k);
		if (ret)
			return ret;
		for (int d = 0; d < x->rank; d++)
			off += (d == a ? k : pos[d]) * xs[d];
		scatter_apply(x->dtype, r, out[0], (size_t)off, in[2], (size_t)i);
	}
	return 0;
}

/*
 * GatherND: data of rank r, indices of rank q whose last dimension m indexes data's dimensions
 * batch_dims .. batch_dims+m-1. The output: indices' shape but its last dimension, then
 * data's dimensions after batch_dims+m.
 */
static int gathernd_shape(struct op_ctx *c, int64_t *b, int64_t *m, int64_t *dims, int *rank)
{
	const struct ir_tensor *x = op_in(c, 0), *idx = op_in(c, 1);
	int r = 0, ret = op_attr_int(c, "batch_dims", 0, b);

	if (ret)
		return ret;
	if (!is_index_type(idx->dtype))
		return op_fail(c, -EINVAL, "indices of type %s", ir_dtype_name(idx->dtype));
	if (idx->rank < 1 || x->rank < 1)
		return op_fail(c, -EINVAL, "data or indices is a scalar");
	*m = idx->dims[idx->rank - 1];
	if (*b < 0 || *b >= idx->rank || *b >= x->rank)
		return op_fail(c, -EINVAL, "batch_dims %lld for ranks %d and %d", (long long)*b,
			       x->rank, idx->rank);
	if (*m < 1 || *m > x->rank - *b)
		return op_fail(c, -EINVAL, "index tuples of %lld for data of rank %d (batch_dims %lld)",
			       (long long)*m, x->rank, (long long)*b);
	for (int64_t d = 0; d < *b; d++)
		if (idx->dims[d] != x->dims[d])
			return op_fail(c, -EINVAL, "batch dimension %lld differs", (long long)d);
	if (idx->rank - 1 + x->rank - *b - *m > IR_MAX_RANK)
		return op_fail(c, -EINVAL, "result rank exceeds %d", IR_MAX_RANK);
	for (int d = 0; d < idx->rank - 1; d++)
		dims[r++] = idx->dims[d];
	for (int64_t d = *b + *m; d < x->rank; d++)
		dims[r++] = x->dims[d];
	*rank = r;
	return 0;
}

static int infer_gathernd(struct op_ctx *c)
{
	int64_t b, m, dims[IR_MAX_RANK];
	int rank, ret = op_need_inputs(c, 2) ?: gathernd_shape(c, &b, &m, dims, &rank);

	if (ret)
		return ret;
	op_set_shape(op_out(c, 0), op_in(c, 0)->dtype, rank, dims);
	return 0;
}

/*
 * The element offset in @x of index tuple @t (@m values of @idx starting at element @t * @m),
 * within the batch starting at @base, dimensions @first.. of @x; -EINVAL for an index out of
 * range.
 */
static int tuple_offset(struct op_ctx *c, const struct ir_tensor *x, const int64_t *xs, int first,
			const struct ir_tensor *idx, const void *ip, int64_t t, int64_t m, int64_t *off)
{
	*off = 0;
	for (int64_t j = 0; j < m; j++) {
		int64_t k;
		int ret = index_norm(c, index_at(idx->dtype, ip, (size_t)(t * m + j)),
				     x->dims[first + j], &k);

		if (ret)
			return ret;
		*off += k * xs[first + j];
	}
	return 0;
}

static int host_gathernd(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *x = op_in(c, 0), *idx = op_in(c, 1);
	int64_t b, m, dims[IR_MAX_RANK], xs[IR_MAX_RANK], batches = 1, tuples = 1, slice;
	size_t esize = ir_dtype_size(x->dtype);
	int rank, ret = gathernd_shape(c, &b, &m, dims, &rank);

	if (ret)
		return ret;
	/* An empty output: nothing to address (and an empty input may have no buffer at all). */
	if (!ir_tensor_numel(op_out(c, 0)))
		return 0;
	strides_of(x, xs);
	for (int64_t d = 0; d < b; d++)
		batches *= x->dims[d];
	for (int d = (int)b; d < idx->rank - 1; d++)
		tuples *= idx->dims[d];
	slice = xs[b + m - 1];
	for (int64_t bi = 0; bi < batches; bi++) {
		for (int64_t t = 0; t < tuples; t++) {
			int64_t off, at = bi * tuples + t;

			ret = tuple_offset(c, x, xs, (int)b, idx, in[1], at, m, &off);
			if (ret)
				return ret;
			off += b ? bi * xs[b - 1] : 0;
			memcpy((char *)out[0] + (size_t)(at * slice) * esize,
			       (const char *)in[0] + (size_t)off * esize, (size_t)slice * esize);
		}
	}
	return 0;
}

/* ScatterND: updates of indices' shape but its last dimension k, then data's after k. */
static int scatternd_check(struct op_ctx *c, enum scatter_reduction *r)
{
	const struct ir_tensor *x = op_in(c, 0), *idx = op_in(c, 1), *u = op_in(c, 2);
	int64_t k;
	int ret = scatter_reduction(c, x, r);

	if (ret)
		return ret;
	if (!is_index_type(idx->dtype))
		return op_fail(c, -EINVAL, "indices of type %s", ir_dtype_name(idx->dtype));
	if (idx->rank < 1 || x->rank < 1)
		return op_fail(c, -EINVAL, "data or indices is a scalar");
	k = idx->dims[idx->rank - 1];
	if (k < 1 || k > x->rank)
		return op_fail(c, -EINVAL, "index tuples of %lld for data of rank %d", (long long)k, x->rank);
	if (u->dtype != x->dtype || u->rank != idx->rank - 1 + x->rank - k)
		return op_fail(c, -EINVAL, "updates '%s' of another type or rank", u->name);
	for (int d = 0; d < u->rank; d++)
		if (u->dims[d] != (d < idx->rank - 1 ? idx->dims[d] : x->dims[k + d - (idx->rank - 1)]))
			return op_fail(c, -EINVAL, "updates '%s' dimension %d differs", u->name, d);
	return 0;
}

static int infer_scatternd(struct op_ctx *c)
{
	enum scatter_reduction r;
	int ret = op_need_inputs(c, 3) ?: scatternd_check(c, &r);

	if (ret)
		return ret;
	op_set_shape(op_out(c, 0), op_in(c, 0)->dtype, op_in(c, 0)->rank, op_in(c, 0)->dims);
	return 0;
}

static int host_scatternd(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *x = op_in(c, 0), *idx = op_in(c, 1);
	int64_t xs[IR_MAX_RANK], k, tuples = 1, slice;
	enum scatter_reduction r;
	int ret = scatternd_check(c, &r);

	if (ret)
		return ret;
	/* An empty output: nothing to address (and an empty input may have no buffer at all). */
	if (!ir_tensor_numel(op_out(c, 0)))
		return 0;
	memcpy(out[0], in[0], (size_t)ir_tensor_numel(x) * ir_dtype_size(x->dtype));
	strides_of(x, xs);
	k = idx->dims[idx->rank - 1];
	slice = xs[k - 1];
	for (int d = 0; d < idx->rank - 1; d++)
		tuples *= idx->dims[d];
	for (int64_t t = 0; t < tuples; t++) {
		int64_t off;

		ret = tuple_offset(c, x, xs, 0, idx, in[1], t, k, &off);
		if (ret)
			return ret;
		for (int64_t e = 0; e < slice; e++)
			scatter_apply(x->dtype, r, out[0], (size_t)(off + e), in[2], (size_t)(t * slice + e));
	}
	return 0;
}

/* A scalar or one-element input's value as an int64 (OneHot's depth, CumSum's axis); 0 for NULL @data. */
static int scalar_value(struct op_ctx *c, size_t i, const void *data, int64_t *v)
{
	const struct ir_tensor *t = op_in(c, i);

	*v = 0;
	if (ir_tensor_numel(t) != 1 || t->rank > 1)
		return op_fail(c, -EINVAL, "'%s' is not a scalar", t->name);
	if (t->dtype == IR_DTYPE_BOOL || (!elem_is_int(t->dtype) && !op_dtype_is_float(t->dtype)))
		return op_fail(c, -EINVAL, "'%s' of type %s", t->name, ir_dtype_name(t->dtype));
	/* Inference of a value that is not a constant: the checks only. */
	if (!data)
		return 0;
	*v = elem_is_int(t->dtype) ? elem_i64(t->dtype, data, 0) : (int64_t)elem_f64(t->dtype, data, 0);
	return 0;
}

/* OneHot: indices' shape with depth inserted at axis; values' type. */
static int onehot_axis(struct op_ctx *c, int *axis)
{
	int64_t a;
	int ret = op_attr_int(c, "axis", -1, &a);

	if (ret)
		return ret;
	return op_axis_norm(c, a, op_in(c, 0)->rank + 1, axis);
}

static int infer_onehot(struct op_ctx *c)
{
	const struct ir_tensor *idx, *depth, *vals;
	int64_t d, dims[IR_MAX_RANK];
	int a, r = 0, ret = op_need_inputs(c, 3);

	if (ret)
		return ret;
	idx = op_in(c, 0);
	depth = op_in(c, 1);
	vals = op_in(c, 2);
	if (idx->dtype == IR_DTYPE_BOOL || (!elem_is_int(idx->dtype) && !op_dtype_is_float(idx->dtype)))
		return op_fail(c, -EINVAL, "indices of type %s", ir_dtype_name(idx->dtype));
	if (vals->rank != 1 || vals->dims[0] != 2)
		return op_fail(c, -EINVAL, "values '%s' is not [off, on]", vals->name);
	if (idx->rank + 1 > IR_MAX_RANK)
		return op_fail(c, -EINVAL, "result rank exceeds %d", IR_MAX_RANK);
	ret = onehot_axis(c, &a) ?: scalar_value(c, 1, depth->data, &d);
	if (ret)
		return ret;
	if (!depth->data) {
		ret = infer_from_output(c, 0, "depth", vals->dtype, idx->rank + 1, a, &d);
		if (ret)
			return ret;
	}
	if (d < 1 || d > IR_MAX_ELEMENTS)
		return op_fail(c, -EINVAL, "depth %lld", (long long)d);
	for (int i = 0; i <= idx->rank; i++)
		dims[r++] = i == a ? d : idx->dims[i < a ? i : i - 1];
	op_set_shape(op_out(c, 0), vals->dtype, r, dims);
	return 0;
}

static int host_onehot(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *idx = op_in(c, 0), *y = op_out(c, 0);
	size_t esize = ir_dtype_size(y->dtype);
	int64_t depth, pre = 1, post = 1, n = ir_tensor_numel(y);
	int a, ret = onehot_axis(c, &a) ?: scalar_value(c, 1, in[1], &depth);

	if (ret)
		return ret;
	if (depth != y->dims[a])
		return op_fail(c, -EINVAL, "depth %lld, the output has %lld", (long long)depth,
			       (long long)y->dims[a]);
	for (int i = 0; i < a; i++)
		pre *= idx->dims[i];
	for (int i = a; i < idx->rank; i++)
		post *= idx->dims[i];
	for (int64_t i = 0; i < n; i++)
		memcpy((char *)out[0] + (size_t)i * esize, in[2], esize);
	for (int64_t p = 0; p < pre; p++) {
		for (int64_t q = 0; q < post; q++) {
			size_t i = (size_t)(p * post + q);
			int64_t v = elem_is_int(idx->dtype) ? elem_i64(idx->dtype, in[0], i) :
							      (int64_t)elem_f64(idx->dtype, in[0], i);

			/* Out of [-depth, depth - 1]: all off, as the spec says (not an error). */
			if (v < 0)
				v += depth;
			if (v < 0 || v >= depth)
				continue;
			memcpy((char *)out[0] + (size_t)((p * depth + v) * post + q) * esize,
			       (const char *)in[2] + esize, esize);
		}
	}
	return 0;
}

/* CumSum: x's shape; the axis is a scalar input (checked at run time when not a constant). */
static int infer_cumsum(struct op_ctx *c)
{
	const struct ir_tensor *x, *ax;
	int64_t axis;
	int a, ret = op_need_inputs(c, 2);

	if (ret)
		return ret;
	x = op_in(c, 0);
	ax = op_in(c, 1);
	if (!elem_is_int(x->dtype) && !op_dtype_is_float(x->dtype))
		return op_fail(c, -EINVAL, "input of type %s", ir_dtype_name(x->dtype));
	if (!is_index_type(ax->dtype) || ax->rank > 1 || ir_tensor_numel(ax) != 1)
		return op_fail(c, -EINVAL, "axis '%s' is not an int32 or int64 scalar", ax->name);
	if (ax->data) {
		ret = scalar_value(c, 1, ax->data, &axis) ?: op_axis_norm(c, axis, x->rank, &a);
		if (ret)
			return ret;
	}
	return op_infer_unary(c);
}

static int host_cumsum(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *x = op_in(c, 0);
	int64_t axis, exclusive, reverse, outer = 1, inner = 1, n;
	bool is_int = elem_is_int(x->dtype);
	int a, ret = op_attr_int(c, "exclusive", 0, &exclusive) ?:
		     op_attr_int(c, "reverse", 0, &reverse) ?: scalar_value(c, 1, in[1], &axis) ?:
		     op_axis_norm(c, axis, x->rank, &a);

	if (ret)
		return ret;
	for (int i = 0; i < a; i++)
		outer *= x->dims[i];
	for (int i = a + 1; i < x->rank; i++)
		inner *= x->dims[i];
	n = x->dims[a];
	for (int64_t o = 0; o < outer; o++) {
		for (int64_t i = 0; i < inner; i++) {
			double f = 0;
			int64_t s = 0;

			for (int64_t j = 0; j < n; j++) {
				size_t at = (size_t)((o * n + (reverse ? n - 1 - j : j)) * inner + i);
				double fv = elem_f64(x->dtype, in[0], at);
				int64_t iv = is_int ? elem_i64(x->dtype, in[0], at) : 0;

				if (!exclusive) {
					f += fv;
					s = (int64_t)((uint64_t)s + (uint64_t)iv);
				}
				elem_store(x->dtype, out[0], at, f, s);
				if (exclusive) {
					f += fv;
					s = (int64_t)((uint64_t)s + (uint64_t)iv);
				}
			}
		}
	}
	return 0;
}

/* TopK's k: an attribute before opset 10, a one-element int64 input from it. */
static int topk_k(struct op_ctx *c, const void *kdata, int64_t *k, bool *known)
{
	const struct ir_tensor *kt = op_in(c, 1);

	*known = true;
	if (c->g->opset < 10) {
		if (!ir_node_find_attr(c->node, "k"))
			return op_fail(c, -EINVAL, "no k");
		return op_attr_int(c, "k", 0, k);
	}
	if (!kt)
		return op_fail(c, -EINVAL, "missing input 1");
	if (kt->dtype != IR_DTYPE_INT64 || kt->rank > 1 || ir_tensor_numel(kt) != 1)
		return op_fail(c, -EINVAL, "k '%s' is not a one-element int64 tensor", kt->name);
	*known = kdata != NULL;
	*k = kdata ? *(const int64_t *)kdata : 0;
	return 0;
}

static int infer_topk(struct op_ctx *c)
{
	const struct ir_tensor *x;
	int64_t axis, k, dims[IR_MAX_RANK];
	bool known;
	int a, ret = op_need_inputs(c, 1);

	if (ret)
		return ret;
	x = op_in(c, 0);
	if (!elem_is_int(x->dtype) && !op_dtype_is_float(x->dtype))
		return op_fail(c, -EINVAL, "input of type %s", ir_dtype_name(x->dtype));
	ret = op_attr_int(c, "axis", -1, &axis) ?: op_axis_norm(c, axis, x->rank, &a) ?:
	      topk_k(c, op_in(c, 1) ? op_in(c, 1)->data : NULL, &k, &known);
	if (ret)
		return ret;
	if (!known) {
		ret = infer_from_output(c, 0, "k", x->dtype, x->rank, a, &k);
		if (ret)
			return ret;
	}
	if (k < 0 || k > x->dims[a])
		return op_fail(c, -EINVAL, "k %lld for a dimension of %lld", (long long)k,
			       (long long)x->dims[a]);
	memcpy(dims, x->dims, sizeof(dims));
	dims[a] = k;
	op_set_shape(op_out(c, 0), x->dtype, x->rank, dims);
	op_set_shape(op_out(c, 1), IR_DTYPE_INT64, x->rank, dims);
	return 0;
}

/* The order TopK sorts a slice in: the larger (smaller) first, the lower index among equals. */
struct topk_order {
	enum ir_dtype dt;
	const void *x;
	bool largest;
};

static bool topk_before(const struct topk_order *o, int64_t i, int64_t j)
{
	int cmp = elem_cmp(o->dt, o->x, (size_t)i, (size_t)j);

	if (cmp)
		return o->largest ? cmp > 0 : cmp < 0;
	return i < j;
}

/* Merge sort of @n element offsets @v by @o, through @tmp (no qsort_r in C17). */
static void topk_sort(const struct topk_order *o, int64_t *v, int64_t *tmp, int64_t n)
{
	for (int64_t w = 1; w < n; w *= 2) {
		for (int64_t lo = 0; lo < n; lo += 2 * w) {
			int64_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
			int64_t i = lo, j = mid, t = lo;

			while (i < mid && j < hi)
				tmp[t++] = topk_before(o, v[j], v[i]) ? v[j++] : v[i++];
			while (i < mid)
				tmp[t++] = v[i++];
			while (j < hi)
				tmp[t++] = v[j++];
		}
		memcpy(v, tmp, (size_t)n * sizeof(*v));
	}
}

static int host_topk(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *x = op_in(c, 0);
	struct topk_order ord = { .dt = x->dtype, .x = in[0] };
	/* Only the node's own outputs are in @out: the indices output may be absent. */
	void *indices = op_out(c, 1) ? out[1] : NULL;
	int64_t axis, k, largest, outer = 1, inner = 1, n, *v = NULL, *tmp = NULL;
	size_t esize = ir_dtype_size(x->dtype);
	bool known;
	int a, ret = op_attr_int(c, "axis", -1, &axis) ?: op_axis_norm(c, axis, x->rank, &a) ?:
		     op_attr_int(c, "largest", 1, &largest) ?:
		     topk_k(c, c->g->opset >= 10 && op_in(c, 1) ? in[1] : NULL, &k, &known);

	if (ret)
		return ret;
	if (!known || k != op_out(c, 0)->dims[a])
		return op_fail(c, -EINVAL, "k %lld, the output has %lld", (long long)k,
			       (long long)op_out(c, 0)->dims[a]);
	ord.largest = largest;
	for (int i = 0; i < a; i++)
		outer *= x->dims[i];
	for (int i = a + 1; i < x->rank; i++)
		inner *= x->dims[i];
	n = x->dims[a];
	v = malloc((size_t)n * sizeof(*v) + 1);
	tmp = malloc((size_t)n * sizeof(*tmp) + 1);
	if (!v || !tmp) {
		ret = -ENOMEM;
		goto out;
	}
	for (int64_t o = 0; o < outer; o++) {
		for (int64_t i = 0; i < inner; i++) {
			for (int64_t j = 0; j < n; j++)
				v[j] = (o * n + j) * inner + i;
			topk_sort(&ord, v, tmp, n);
			for (int64_t j = 0; j < k; j++) {
				size_t at = (size_t)((o * k + j) * inner + i);

				memcpy((char *)out[0] + at * esize, (const char *)in[0] + (size_t)v[j] * esize, esize);
				if (indices)
					((int64_t *)indices)[at] = (v[j] - o * n * inner - i) / inner;
			}
		}
	}
out:
	free(v);
	free(tmp);
	return ret;
}

/*
 * Compress: the slices along axis (the elements of the flattened input without one) whose
 * condition is true; a condition shorter than that dimension drops the rest.
 * Return: the count of selected slices into *@count, or -EINVAL.
 */
static int compress_count(struct op_ctx *c, const void *cond, int *axis, int64_t *count)
{
	const struct ir_tensor *x = op_in(c, 0), *ct = op_in(c, 1);
	int64_t a, len = ir_tensor_numel(x);
	int ret;

	*axis = -1;
	if (ct->dtype != IR_DTYPE_BOOL || ct->rank != 1)
		return op_fail(c, -EINVAL, "condition '%s' is not a 1-D bool tensor", ct->name);
	if (ir_node_find_attr(c->node, "axis")) {
		ret = op_attr_int(c, "axis", 0, &a) ?: op_axis_norm(c, a, x->rank, axis);
		if (ret)
			return ret;
		len = x->dims[*axis];
	}
	if (ct->dims[0] > len)
		return op_fail(c, -EINVAL, "condition of %lld for %lld slices", (long long)ct->dims[0],
			       (long long)len);
	*count = 0;
	for (int64_t i = 0; cond && i < ct->dims[0]; i++)
		*count += ((const uint8_t *)cond)[i] != 0;
	return 0;
}

static int infer_compress(struct op_ctx *c)
{
	const struct ir_tensor *x;
	int64_t count, dims[IR_MAX_RANK];
	int a, ret = op_need_inputs(c, 2);

	if (ret)
		return ret;
	x = op_in(c, 0);
	ret = compress_count(c, op_in(c, 1)->data, &a, &count);
	if (ret)
		return ret;
	if (!op_in(c, 1)->data) {
		ret = infer_from_output(c, 0, "condition", x->dtype, a < 0 ? 1 : x->rank, a < 0 ? 0 : a,
					&count);
		if (ret)
			return ret;
		if (count < 0 || count > op_in(c, 1)->dims[0])
			return op_fail(c, -EINVAL, "an output of %lld slices for a condition of %lld",
				       (long long)count, (long long)op_in(c, 1)->dims[0]);
	}
	if (a < 0) {
		op_set_shape(op_out(c, 0), x->dtype, 1, &count);
		return 0;
	}
	memcpy(dims, x->dims, sizeof(dims));
	dims[a] = count;
	op_set_shape(op_out(c, 0), x->dtype, x->rank, dims);
	return 0;
}

static int host_compress(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *x = op_in(c, 0), *y = op_out(c, 0);
	const uint8_t *cond = in[1];
	int64_t count, outer = 1, inner = 1, n, w = 0;
	size_t esize = ir_dtype_size(x->dtype);
	int a, ret = compress_count(c, in[1], &a, &count);

	if (ret)
		return ret;
	if (count != y->dims[a < 0 ? 0 : a])
		return op_fail(c, -EINVAL, "condition selects %lld, the output has %lld", (long long)count,
			       (long long)y->dims[a < 0 ? 0 : a]);
	if (!ir_tensor_numel(y))
		return 0;
	for (int i = 0; i < a; i++)
		outer *= x->dims[i];
	for (int i = a + 1; a >= 0 && i < x->rank; i++)
		inner *= x->dims[i];
	n = a < 0 ? ir_tensor_numel(x) : x->dims[a];
	for (int64_t o = 0; o < outer; o++)
		for (int64_t j = 0; j < op_in(c, 1)->dims[0]; j++)
			if (cond[j])
				memcpy((char *)out[0] + (size_t)(w++ * inner) * esize,
				       (const char *)in[0] + (size_t)((o * n + j) * inner) * esize,
				       (size_t)inner * esize);
	return 0;
}

/* NonZero: int64 [rank, count of non-zero elements], row-major order. */
static int64_t nonzero_count(const struct ir_tensor *x, const void *data)
{
	int64_t n = ir_tensor_numel(x), count = 0;

	for (int64_t i = 0; i < n; i++)
		count += elem_f64(x->dtype, data, (size_t)i) != 0;
	return count;
}

static int infer_nonzero(struct op_ctx *c)
{
	const struct ir_tensor *x;
	int64_t dims[2];
	int ret = op_need_inputs(c, 1);

	if (ret)
		return ret;
	x = op_in(c, 0);
	if (!elem_is_int(x->dtype) && !op_dtype_is_float(x->dtype) && x->dtype != IR_DTYPE_BOOL)
		return op_fail(c, -EINVAL, "input of type %s", ir_dtype_name(x->dtype));
	dims[0] = x->rank;
	dims[1] = 0;
	if (x->data) {
		dims[1] = nonzero_count(x, x->data);
	} else if (ir_tensor_numel(x)) {
		ret = infer_from_output(c, 0, "input", IR_DTYPE_INT64, 2, 1, &dims[1]);
		if (ret)
			return ret;
		if (dims[1] > ir_tensor_numel(x))
			return op_fail(c, -EINVAL, "an output of %lld coordinates for %lld elements",
				       (long long)dims[1], (long long)ir_tensor_numel(x));
	}
	op_set_shape(op_out(c, 0), IR_DTYPE_INT64, 2, dims);
	return 0;
}

static int host_nonzero(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *x = op_in(c, 0), *y = op_out(c, 0);
	int64_t n = ir_tensor_numel(x), count = n ? nonzero_count(x, in[0]) : 0, pos[IR_MAX_RANK] = { 0 };
	int64_t w = 0, *o = out[0];

	if (y->dims[0] != x->rank || y->dims[1] != count)
		return op_fail(c, -EINVAL, "%lld non-zero elements, the output has %lld", (long long)count,
			       (long long)y->dims[1]);
	for (int64_t i = 0; i < n; i++, odometer_next(pos, x->dims, x->rank)) {
		if (elem_f64(x->dtype, in[0], (size_t)i) == 0)
			continue;
		for (int d = 0; d < x->rank; d++)
			o[d * count + w] = pos[d];
		w++;
	}
	return 0;
}

/*
 * Einsum: an equation of lower- and upper-case letters (one per axis) and "..." (the axes
 * between, broadcast numpy-style), terms split by ',' and an optional "->" output; without one,
 * the output is the "..." axes then the letters used once, in alphabetical order. Each label
 * gets an id: letters 0..51, the "..." axes 52.. aligned from the right.
 */
#define EINSUM_MAX_INPUTS 8
#define EINSUM_ELLIPSIS 52
#define EINSUM_LABELS (EINSUM_ELLIPSIS + IR_MAX_RANK)

struct einsum {
	int rank[EINSUM_MAX_INPUTS];
	int label[EINSUM_MAX_INPUTS][IR_MAX_RANK];
	int out_rank;
	int out_label[IR_MAX_RANK];
	int64_t size[EINSUM_LABELS];
	bool used[EINSUM_LABELS];
};

static int einsum_letter(char ch)
{
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a';
	if (ch >= 'A' && ch <= 'Z')
		return 26 + ch - 'A';
	return -1;
}

/*
 * One term (@s up to @end, spaces skipped) into @labels; @ell_rank: how many axes "..."
 * stands for (the input's rank minus its letters; for the output, the inputs' widest).
 * Return: its rank, or -EINVAL.
 */
static int einsum_term(struct op_ctx *c, const char *s, const char *end, int rank, int ell_rank,
		       int *labels)
{
	int r = 0, letters = 0;
	bool ellipsis = false;

	for (const char *p = s; p < end; p++)
		letters += einsum_letter(*p) >= 0;
	if (rank >= 0)
		ell_rank = rank - letters;
	for (const char *p = s; p < end; p++) {
		if (*p == ' ')
			continue;
		if (*p == '.') {
			if (ellipsis || end - p < 3 || p[1] != '.' || p[2] != '.' || ell_rank < 0)
				return op_fail(c, -EINVAL, "bad '...' in the equation");
			ellipsis = true;
			if (r + ell_rank > IR_MAX_RANK)
				return op_fail(c, -EINVAL, "term of too many axes");
			for (int e = 0; e < ell_rank; e++)
				labels[r++] = EINSUM_ELLIPSIS + IR_MAX_RANK - ell_rank + e;
			p += 2;
			continue;
		}
		if (einsum_letter(*p) < 0)
			return op_fail(c, -EINVAL, "bad character '%c' in the equation", *p);
		if (r >= IR_MAX_RANK)
			return op_fail(c, -EINVAL, "term of too many axes");
		labels[r++] = einsum_letter(*p);
	}
	if (rank >= 0 && r != rank)
		return op_fail(c, -EINVAL, "a term of %d axes for an input of rank %d", r, rank);
	return r;
}

static int einsum_parse(struct op_ctx *c, struct einsum *e)
{
	const struct ir_attr *a = ir_node_find_attr(c->node, "equation");
	const char *s, *arrow, *p;
	int count[EINSUM_LABELS] = { 0 }, ell_max = 0, r;

	memset(e, 0, sizeof(*e));
	if (!a || a->type != IR_ATTR_STRING)
		return op_fail(c, -EINVAL, "no equation");
	if (c->node->n_inputs < 1 || c->node->n_inputs > EINSUM_MAX_INPUTS)
		return op_fail(c, -EOPNOTSUPP, "%zu inputs (1 to %d supported)", c->node->n_inputs,
			       EINSUM_MAX_INPUTS);
	s = a->s;
	arrow = strstr(s, "->");
	p = s;
	for (size_t i = 0; i < c->node->n_inputs; i++) {
		const struct ir_tensor *t = op_in(c, i);
		const char *end = strchr(p, ',');

		if (!end || (arrow && end > arrow))
			end = arrow ? arrow : s + strlen(s);
		if (i + 1 < c->node->n_inputs && *end != ',')
			return op_fail(c, -EINVAL, "equation has fewer terms than inputs");
		if (i + 1 == c->node->n_inputs && *end == ',')
			return op_fail(c, -EINVAL, "equation has more terms than inputs");
		r = einsum_term(c, p, end, t->rank, 0, e->label[i]);
		if (r < 0)
			return r;
		e->rank[i] = r;
		for (int d = 0; d < r; d++) {
			int l = e->label[i][d];
			int64_t n = t->dims[d];

			if (l >= EINSUM_ELLIPSIS) {
				ell_max = ell_max > EINSUM_LABELS - l ? ell_max : EINSUM_LABELS - l;
				/* "..." axes broadcast: 1 against anything. */
				if (e->used[l] && n != e->size[l] && n != 1 && e->size[l] != 1)
					return op_fail(c, -EINVAL, "'...' axes do not broadcast");
				if (!e->used[l] || e->size[l] == 1)
					e->size[l] = n;
			} else {
				if (e->used[l] && e->size[l] != n)
					return op_fail(c, -EINVAL, "label '%c' of sizes %lld and %lld",
						       l < 26 ? 'a' + l : 'A' + l - 26, (long long)e->size[l],
						       (long long)n);
				e->size[l] = n;
				count[l]++;
			}
			e->used[l] = true;
		}
		p = end + 1;
	}
	if (arrow) {
		bool seen[EINSUM_LABELS] = { false };

		r = einsum_term(c, arrow + 2, s + strlen(s), -1, ell_max, e->out_label);
		if (r < 0)
			return r;
		for (int d = 0; d < r; d++) {
			int l = e->out_label[d];

			if (!e->used[l] || seen[l])
				return op_fail(c, -EINVAL, "output label unknown or repeated");
			seen[l] = true;
		}
		e->out_rank = r;
		return 0;
	}
	for (int l = EINSUM_LABELS - ell_max; l < EINSUM_LABELS; l++)
		e->out_label[e->out_rank++] = l;
	/* Upper case sorts before lower case, as in ASCII. */
	for (int i = 0; i < 52; i++) {
		int l = i < 26 ? 26 + i : i - 26;

		if (count[l] == 1) {
			if (e->out_rank >= IR_MAX_RANK)
				return op_fail(c, -EINVAL, "output of too many axes");
			e->out_label[e->out_rank++] = l;
		}
	}
	return 0;
}

static int infer_einsum(struct op_ctx *c)
{
	struct einsum e;
	int64_t dims[IR_MAX_RANK], steps = 1;
	enum ir_dtype dt;
	int ret = op_need_inputs(c, c->node->n_inputs ? c->node->n_inputs : 1);

	if (ret)
		return ret;
	dt = op_in(c, 0)->dtype;
	if (!elem_is_int(dt) && !op_dtype_is_float(dt))
		return op_fail(c, -EINVAL, "inputs of type %s", ir_dtype_name(dt));
	for (size_t i = 1; i < c->node->n_inputs; i++)
		if (op_in(c, i)->dtype != dt)
			return op_fail(c, -EINVAL, "inputs of different types");
	ret = einsum_parse(c, &e);
	if (ret)
		return ret;
	/* The kernel visits every combination of the labels: bound it. */
	for (int l = 0; l < EINSUM_LABELS; l++) {
		if (!e.used[l] || !e.size[l])
			continue;
		if (steps > IR_MAX_ELEMENTS / e.size[l])
			return op_fail(c, -EOPNOTSUPP, "too many products to sum on the host");
		steps *= e.size[l];
	}
	for (int d = 0; d < e.out_rank; d++)
		dims[d] = e.size[e.out_label[d]];
	op_set_shape(op_out(c, 0), dt, e.out_rank, dims);
	return 0;
}

static int host_einsum(struct op_ctx *c, const void *const *in, void *const *out)
{
	int64_t pos[EINSUM_LABELS] = { 0 }, lsize[EINSUM_LABELS], stride[EINSUM_MAX_INPUTS + 1][EINSUM_LABELS];
	const struct ir_tensor *y = op_out(c, 0);
	int labels[EINSUM_LABELS], n_labels = 0;
	enum ir_dtype dt = y->dtype;
	bool is_int = elem_is_int(dt), done = false;
	int64_t onumel = ir_tensor_numel(y);
	double *facc = NULL;
	int64_t *iacc = NULL;
	struct einsum e;
	int ret = einsum_parse(c, &e);

	if (ret)
		return ret;
	/* Per input (and the output, last), each label's element stride; 0 where it is absent. */
	memset(stride, 0, sizeof(stride));
	for (int i = 0; i <= (int)c->node->n_inputs; i++) {
		const struct ir_tensor *t = i < (int)c->node->n_inputs ? op_in(c, (size_t)i) : y;
		int rank = i < (int)c->node->n_inputs ? e.rank[i] : e.out_rank;
		const int *lab = i < (int)c->node->n_inputs ? e.label[i] : e.out_label;
		int64_t s = 1;

		for (int d = rank - 1; d >= 0; d--) {
			/* A broadcast "..." axis of 1 stays put; a repeated label walks a diagonal. */
			if (t->dims[d] != 1 || e.size[lab[d]] == 1)
				stride[i][lab[d]] += s;
			s *= t->dims[d];
		}
	}
	for (int l = 0; l < EINSUM_LABELS; l++) {
		if (!e.used[l])
			continue;
		if (!e.size[l])
			done = true;
		labels[n_labels] = l;
		lsize[n_labels++] = e.size[l];
	}
	facc = calloc((size_t)onumel + 1, sizeof(*facc));
	iacc = calloc((size_t)onumel + 1, sizeof(*iacc));
	if (!facc || !iacc) {
		ret = -ENOMEM;
		goto out;
	}
	while (!done) {
		double f = 1;
		int64_t n = 1, yo = 0;
		int k;

		for (size_t i = 0; i < c->node->n_inputs; i++) {
			int64_t off = 0;

			for (int j = 0; j < n_labels; j++)
				off += pos[j] * stride[i][labels[j]];
			f *= elem_f64(dt, in[i], (size_t)off);
			if (is_int)
				n = (int64_t)((uint64_t)n * (uint64_t)elem_i64(dt, in[i], (size_t)off));
		}
		for (int j = 0; j < n_labels; j++)
			yo += pos[j] * stride[c->node->n_inputs][labels[j]];
		facc[yo] += f;
		iacc[yo] = (int64_t)((uint64_t)iacc[yo] + (uint64_t)n);
		for (k = n_labels - 1; k >= 0; k--) {
			if (++pos[k] < lsize[k])
				break;
			pos[k] = 0;
		}
		done = k < 0;
	}
	for (int64_t o = 0; o < onumel; o++)
		elem_store(dt, out[0], (size_t)o, facc[o], iacc[o]);
out:
	free(facc);
	free(iacc);
	return ret;
}

const struct op_def op_defs_index[] = {
	{ "Gather", infer_gather, host_gather },
	{ "GatherElements", infer_gather_elements, host_gather_elements },
	{ "GatherND", infer_gathernd, host_gathernd },
	{ "Scatter", infer_scatter_elements, host_scatter_elements },
	{ "ScatterElements", infer_scatter_elements, host_scatter_elements },
	{ "ScatterND", infer_scatternd, host_scatternd },
	{ "OneHot", infer_onehot, host_onehot },
	{ "CumSum", infer_cumsum, host_cumsum },
	{ "TopK", infer_topk, host_topk },
	{ "Compress", infer_compress, host_compress },
	{ "NonZero", infer_nonzero, host_nonzero },
	{ "Einsum", infer_einsum, host_einsum },
	{ NULL, NULL, NULL },
};

// SPDX-License-Identifier: MIT
/*
 * Tensors generated from shapes and scalars: ConstantOfShape, EyeLike, Range, Trilu. The output
 * shapes of ConstantOfShape and Range depend on input values, which must be constants (the
 * reader folds Shape -> ... chains into constants).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/ops/elementwise.h"
#include "compiler/ops/tensor_map.h"

/* ---- ConstantOfShape ---- */

/* The fill value: the one-element tensor attribute 'value', float 0 by default. */
static int cos_value(struct op_ctx *c, enum ir_dtype *dt, const void **val)
{
	static const float zero;
	const struct ir_attr *a = ir_node_find_attr(c->node, "value");

	*dt = IR_DTYPE_FLOAT;
	*val = &zero;
	if (!a)
		return 0;
	if (a->type != IR_ATTR_TENSOR || ir_tensor_numel(a->t) != 1 || !a->t->data)
		return op_fail(c, -EINVAL, "value is not a one-element tensor");
	*dt = a->t->dtype;
	*val = a->t->data;
	return 0;
}

static int infer_constant_of_shape(struct op_ctx *c)
{
	int64_t dims[IR_MAX_RANK], numel = 1;
	enum ir_dtype dt;
	const void *val;
	int n, ret = op_need_inputs(c, 1);

	if (ret)
		return ret;
	if (op_in(c, 0)->dtype != IR_DTYPE_INT64)
		return op_fail(c, -EINVAL, "shape of type %s", ir_dtype_name(op_in(c, 0)->dtype));
	ret = cos_value(c, &dt, &val) ?: tensor_const_ints(c, 0, dims, IR_MAX_RANK, &n);
	if (ret)
		return ret;
	for (int d = 0; d < n; d++) {
		if (dims[d] < 0 || dims[d] > IR_MAX_ELEMENTS)
			return op_fail(c, -EINVAL, "dimension %lld", (long long)dims[d]);
		if (dims[d] && numel > IR_MAX_ELEMENTS / dims[d])
			return op_fail(c, -EINVAL, "output too large");
		numel *= dims[d];
	}
	op_set_shape(op_out(c, 0), dt, n, dims);
	return 0;
}

static int host_constant_of_shape(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *y = op_out(c, 0);
	size_t es = ir_dtype_size(y->dtype);
	int64_t numel = ir_tensor_numel(y);
	enum ir_dtype dt;
	const void *val;
	int ret = cos_value(c, &dt, &val);

	(void)in;
	if (ret)
		return ret;
	for (int64_t k = 0; k < numel; k++)
		memcpy((char *)out[0] + k * es, val, es);
	return 0;
}

/* ---- EyeLike ---- */

static int eye_like_plan(struct op_ctx *c, enum ir_dtype *dt, int64_t *k)
{
	int64_t dtype;
	int ret = op_attr_int(c, "dtype", op_in(c, 0)->dtype, &dtype) ?: op_attr_int(c, "k", 0, k);

	if (ret)
		return ret;
	if (dtype <= 0 || dtype > IR_DTYPE_BFLOAT16 || !ir_dtype_size((enum ir_dtype)dtype))
		return op_fail(c, -EINVAL, "dtype %lld not supported", (long long)dtype);
	*dt = (enum ir_dtype)dtype;
	return 0;
}

static int infer_eye_like(struct op_ctx *c)
{
	const struct ir_tensor *x;
	enum ir_dtype dt;
	int64_t k;
	int ret = op_need_inputs(c, 1);

	if (ret)
		return ret;
	x = op_in(c, 0);
	if (x->rank != 2)
		return op_fail(c, -EINVAL, "input of rank %d (want 2)", x->rank);
	ret = eye_like_plan(c, &dt, &k);
	if (ret)
		return ret;
	op_set_shape(op_out(c, 0), dt, 2, x->dims);
	return 0;
}

static int host_eye_like(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *y = op_out(c, 0);
	enum ir_dtype dt;
	int64_t k;
	int ret = eye_like_plan(c, &dt, &k);

	(void)in;
	if (ret)
		return ret;
	memset(out[0], 0, (size_t)ir_tensor_numel(y) * ir_dtype_size(dt));
	/* A diagonal wholly outside the matrix (and i + k cannot overflow below). */
	if (k > 0 ? k >= y->dims[1] : k <= -y->dims[0])
		return 0;
	for (int64_t i = 0; i < y->dims[0]; i++) {
		int64_t j = i + k;

		if (j >= 0 && j < y->dims[1])
			ew_store_f(dt, out[0], (size_t)(i * y->dims[1] + j), 1.0);
	}
	return 0;
}

/* ---- Range ---- */

static bool range_int(enum ir_dtype dt)
{
	return dt == IR_DTYPE_INT16 || dt == IR_DTYPE_INT32 || dt == IR_DTYPE_INT64;
}

/* Range: ceil((limit - start) / delta) elements (none when delta points away from limit). */
static int infer_range(struct op_ctx *c)
{
	double v[3][1];
	int64_t len;
	enum ir_dtype dt;
	int n, ret = op_need_inputs(c, 3);

	if (ret)
		return ret;
	dt = op_in(c, 0)->dtype;
	if ((!range_int(dt) && dt != IR_DTYPE_FLOAT && dt != IR_DTYPE_DOUBLE) ||
	    op_in(c, 1)->dtype != dt || op_in(c, 2)->dtype != dt)
		return op_fail(c, -EINVAL, "start, limit and delta must be one type of float, double, int16, int32, int64");
	for (int i = 0; i < 3; i++) {
		ret = tensor_const_doubles(c, i, v[i], 1, &n);
		if (ret)
			return ret;
		if (n != 1)
			return op_fail(c, -EINVAL, "input %d is not a scalar", i);
	}
	if (v[2][0] == 0)
		return op_fail(c, -EINVAL, "delta is 0");
	if (range_int(dt)) {
		/* Exactly in integers: the doubles of large int64 values are rounded. */
		int64_t s = ew_load_s(dt, op_in(c, 0)->data, 0), l = ew_load_s(dt, op_in(c, 1)->data, 0);
		int64_t d = ew_load_s(dt, op_in(c, 2)->data, 0);

		if ((l > s && d < 0) || (l < s && d > 0) || l == s) {
			len = 0;
		} else {
			/* |l - s| may overflow int64: in unsigned, where it cannot. */
			uint64_t span = l > s ? (uint64_t)l - (uint64_t)s : (uint64_t)s - (uint64_t)l;
			uint64_t step = d > 0 ? (uint64_t)d : -(uint64_t)d;
			uint64_t q = span / step + (span % step != 0);

			len = q > (uint64_t)IR_MAX_ELEMENTS ? -1 : (int64_t)q;
		}
	} else {
		double q = ceil((v[1][0] - v[0][0]) / v[2][0]);

		len = isnan(q) || q > (double)IR_MAX_ELEMENTS ? -1 : q < 0 ? 0 : (int64_t)q;
	}
	if (len < 0)
		return op_fail(c, -EINVAL, "range too long");
	op_set_shape(op_out(c, 0), dt, 1, &len);
	return 0;
}

static int host_range(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *y = op_out(c, 0);
	int64_t len = y->dims[0];

	if (range_int(y->dtype)) {
		int64_t s = ew_load_s(y->dtype, in[0], 0), d = ew_load_s(y->dtype, in[2], 0);

		/* In unsigned arithmetic: the values inference admitted fit the type anyway. */
		for (int64_t i = 0; i < len; i++)
			ew_store_s(y->dtype, out[0], i, (int64_t)((uint64_t)s + (uint64_t)i * (uint64_t)d));
	} else {
		double s = ew_load_f(y->dtype, in[0], 0), d = ew_load_f(y->dtype, in[2], 0);

		for (int64_t i = 0; i < len; i++)
			ew_store_f(y->dtype, out[0], i, s + (double)i * d);
	}
	return 0;
}

/* ---- Trilu ---- */

static int infer_trilu(struct op_ctx *c)
{
	const struct ir_tensor *k = op_in(c, 1);
	int64_t upper;
	int ret = op_need_inputs(c, 1) ?: op_attr_int(c, "upper", 1, &upper);

	if (ret)
		return ret;
	if (op_in(c, 0)->rank < 2)
		return op_fail(c, -EINVAL, "input of rank %d (want 2 or more)", op_in(c, 0)->rank);
	if (k && (k->dtype != IR_DTYPE_INT64 || ir_tensor_numel(k) != 1))
		return op_fail(c, -EINVAL, "k is not one int64");
	return op_infer_unary(c);
}

static int host_trilu(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *x = op_in(c, 0);
	size_t es = ir_dtype_size(x->dtype);
	int64_t upper, k = 0, rows = x->dims[x->rank - 2], cols = x->dims[x->rank - 1];
	int64_t numel = ir_tensor_numel(x), mats;

	/* rows * cols of an empty tensor could overflow; of another one, it divides numel. */
	if (!numel)
		return 0;
	mats = numel / (rows * cols);
	op_attr_int(c, "upper", 1, &upper);
	if (op_in(c, 1) && in[1])
		memcpy(&k, in[1], sizeof(k));
	/* Kept: j - i >= k (upper) or j - i <= k (lower); the rest is 0. */
	for (int64_t m = 0; m < mats; m++)
		for (int64_t i = 0; i < rows; i++)
			for (int64_t j = 0; j < cols; j++) {
				size_t off = (size_t)((m * rows + i) * cols + j) * es;
				bool keep = upper ? j - i >= k : j - i <= k;

				if (keep)
					memcpy((char *)out[0] + off, (const char *)in[0] + off, es);
				else
					memset((char *)out[0] + off, 0, es);
			}
	return 0;
}

const struct op_def op_defs_tensor_gen[] = {
	{ "ConstantOfShape", infer_constant_of_shape, host_constant_of_shape },
	{ "EyeLike", infer_eye_like, host_eye_like },
	{ "Range", infer_range, host_range },
	{ "Trilu", infer_trilu, host_trilu },
	{ NULL, NULL, NULL },
};

// SPDX-License-Identifier: MIT
/*
 * Reductions: ReduceMean, ReduceSum, ReduceMax, ReduceMin, ReduceProd, ReduceSumSquare,
 * ReduceL1, ReduceL2, ReduceLogSum, ReduceLogSumExp, and ArgMax / ArgMin.
 * Shape inference follows the ONNX operator specification for opsets 7 to 17 (compiler/op.h);
 * docs/compiler.md ("Reductions") has the rules the kernels follow.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/op.h"
#include "compiler/ops/elem.h"

enum reduce_kind {
	REDUCE_SUM,
	REDUCE_MEAN,
	REDUCE_MAX,
	REDUCE_MIN,
	REDUCE_PROD,
	REDUCE_SUM_SQUARE,
	REDUCE_L1,
	REDUCE_L2,
	REDUCE_LOG_SUM,
	REDUCE_LOG_SUM_EXP,
};

/*
 * An integer reduction's result computed through a double (L2, LogSum...): NaN is 0, and
 * values beyond int64 saturate, where a plain conversion is undefined (log(0) is -inf).
 */
static int64_t f64_to_i64(double f)
{
	if (isnan(f))
		return 0;
	if (f >= 9223372036854775807.0)
		return INT64_MAX;
	if (f <= -9223372036854775808.0)
		return INT64_MIN;
	return (int64_t)f;
}

static const struct {
	const char *op_type;
	enum reduce_kind kind;
} reduce_kinds[] = {
	{ "ReduceSum", REDUCE_SUM },	      { "ReduceMean", REDUCE_MEAN },
	{ "ReduceMax", REDUCE_MAX },	      { "ReduceMin", REDUCE_MIN },
	{ "ReduceProd", REDUCE_PROD },	      { "ReduceSumSquare", REDUCE_SUM_SQUARE },
	{ "ReduceL1", REDUCE_L1 },	      { "ReduceL2", REDUCE_L2 },
	{ "ReduceLogSum", REDUCE_LOG_SUM },   { "ReduceLogSumExp", REDUCE_LOG_SUM_EXP },
};

static enum reduce_kind reduce_kind_of(const char *op_type)
{
	for (size_t i = 0; i < sizeof(reduce_kinds) / sizeof(reduce_kinds[0]); i++)
		if (!strcmp(reduce_kinds[i].op_type, op_type))
			return reduce_kinds[i].kind;
	return REDUCE_SUM;
}

/* Whether the axes of this node come from input 1 (ReduceSum from 13, all of them from 18). */
static bool reduce_axes_from_input(const struct op_ctx *c)
{
	return c->g->opset >= 18 || (!strcmp(c->node->op_type, "ReduceSum") && c->g->opset >= 13);
}

/* reduce_axes()'s answer when the axes are a run-time input that inference cannot read. */
#define REDUCE_AXES_UNKNOWN 1

/*
 * Which axes of input 0 the node reduces into @red (rank entries), and *@noop when it reduces
 * none (noop_with_empty_axes and no axes: the output is the input). @axes_data: input 1's
 * values when the axes come from it (NULL at inference when it is not a constant).
 * Return: 0, REDUCE_AXES_UNKNOWN, or -EINVAL (bad axis, bad axes type).
 */
static int reduce_axes(struct op_ctx *c, const void *axes_data, bool *red, bool *noop)
{
	const struct ir_tensor *x = op_in(c, 0), *at = op_in(c, 1);
	int64_t keep_noop, n = 0;
	const int64_t *axes = NULL;
	int ret = op_attr_int(c, "noop_with_empty_axes", 0, &keep_noop);

	if (ret)
		return ret;
	if (!reduce_axes_from_input(c)) {
		const struct ir_attr *a = ir_node_find_attr(c->node, "axes");

		if (a && a->type != IR_ATTR_INTS)
			return op_fail(c, -EINVAL, "bad attribute type for 'axes' (not ints)");
		if (a) {
			axes = a->ints;
			n = (int64_t)a->len;
		}
	} else if (at) {
		if (at->dtype != IR_DTYPE_INT64 || at->rank != 1)
			return op_fail(c, -EINVAL, "axes '%s' is not a 1-D int64 tensor", at->name);
		n = at->dims[0];
		/* An empty axes input is known without its (absent) values. */
		if (n && !axes_data)
			return REDUCE_AXES_UNKNOWN;
		axes = axes_data;
	}
	*noop = !n && keep_noop;
	for (int i = 0; i < x->rank; i++)
		red[i] = !n;
	for (int64_t i = 0; i < n; i++) {
		int a;

		ret = op_axis_norm(c, axes[i], x->rank, &a);
		if (ret)
			return ret;
		red[a] = true;
	}
	return 0;
}

/* The output shape of reducing @x's @red axes. Return: its rank. */
static int reduce_shape(const struct ir_tensor *x, const bool *red, bool keepdims, bool noop,
			int64_t *dims)
{
	int r = 0;

	for (int i = 0; i < x->rank; i++) {
		if (noop || !red[i])
			dims[r++] = x->dims[i];
		else if (keepdims)
			dims[r++] = 1;
	}
	return r;
}

static int infer_reduce(struct op_ctx *c)
{
	int64_t dims[IR_MAX_RANK], keepdims;
	const struct ir_tensor *x;
	bool red[IR_MAX_RANK], noop;
	int ret = op_need_inputs(c, 1);

	if (ret)
		return ret;
	x = op_in(c, 0);
	if (!elem_is_int(x->dtype) && !op_dtype_is_float(x->dtype))
		return op_fail(c, -EINVAL, "input of type %s", ir_dtype_name(x->dtype));
	ret = op_attr_int(c, "keepdims", 1, &keepdims);
	if (ret)
		return ret;
	ret = reduce_axes(c, reduce_axes_from_input(c) && op_in(c, 1) ? op_in(c, 1)->data : NULL,
			  red, &noop);
	if (ret == REDUCE_AXES_UNKNOWN) {
		const struct ir_tensor *o = op_out(c, 0);

		/*
		 * The shape the output already has (the model's declaration, or a previous
		 * inference's): the kernel checks that the axes' values give it.
		 */
		if (o->rank >= 0 && o->rank <= x->rank && (!keepdims || o->rank == x->rank) &&
		    o->dtype == x->dtype)
			return 0;
		return op_fail(c, -EOPNOTSUPP, "axes '%s' is not a constant (the output's shape depends on its values)",
			       op_in(c, 1)->name);
	}
	if (ret)
		return ret;
	op_set_shape(op_out(c, 0), x->dtype, reduce_shape(x, red, keepdims, noop, dims), dims);
	return 0;
}

/*
 * One reduction's accumulators, per output element: @f (floating types, and the results that
 * are logarithms or roots of integers), @n (integer types, exact), @best (the element that is
 * the max or min so far, -1 for none; ReduceLogSumExp's max for its shift).
 */
struct reduce_acc {
	double *f;
	int64_t *n;
	int64_t *best;
};

/*
 * One pass over the input in row-major order, folding each element into its output element's
 * accumulators; @ostride per input axis (0 on reduced axes) moves the output index along.
 * @shift_pass: ReduceLogSumExp's second pass (the first found each output's max).
 */
static void reduce_pass(enum reduce_kind k, enum ir_dtype dt, const struct ir_tensor *x,
			const void *in, const int64_t *ostride, struct reduce_acc *acc, bool shift_pass)
{
	int64_t pos[IR_MAX_RANK] = { 0 }, numel = ir_tensor_numel(x), o = 0;
	bool is_int = elem_is_int(dt);

	for (int64_t i = 0; i < numel; i++) {
		if (shift_pass) {
			/* ReduceLogSumExp: sum of exp(x - max), the max found by the first pass. */
			double m = acc->best[o] >= 0 ? elem_f64(dt, in, (size_t)acc->best[o]) : 0;

			if (isfinite(m))
				acc->f[o] += exp(elem_f64(dt, in, (size_t)i) - m);
		} else {
			switch (k) {
			case REDUCE_MAX:
			case REDUCE_LOG_SUM_EXP:
				if (acc->best[o] < 0 || elem_cmp(dt, in, (size_t)i, (size_t)acc->best[o]) > 0)
					acc->best[o] = i;
				break;
			case REDUCE_MIN:
				if (acc->best[o] < 0 || elem_cmp(dt, in, (size_t)i, (size_t)acc->best[o]) < 0)
					acc->best[o] = i;
				break;
			case REDUCE_PROD:
				if (is_int)
					acc->n[o] = (int64_t)((uint64_t)acc->n[o] *
							      (uint64_t)elem_i64(dt, in, (size_t)i));
				acc->f[o] *= elem_f64(dt, in, (size_t)i);
				break;
			case REDUCE_SUM_SQUARE:
			case REDUCE_L2: {
				int64_t v = is_int ? elem_i64(dt, in, (size_t)i) : 0;
				double f = elem_f64(dt, in, (size_t)i);

				acc->n[o] = (int64_t)((uint64_t)acc->n[o] + (uint64_t)v * (uint64_t)v);
				acc->f[o] += f * f;
				break;
			}
			case REDUCE_L1: {
				int64_t v = is_int ? elem_i64(dt, in, (size_t)i) : 0;

				acc->n[o] = (int64_t)((uint64_t)acc->n[o] + (uint64_t)(v < 0 ? -(uint64_t)v : (uint64_t)v));
				acc->f[o] += fabs(elem_f64(dt, in, (size_t)i));
				break;
			}
			default:
				if (is_int)
					acc->n[o] = (int64_t)((uint64_t)acc->n[o] +
							      (uint64_t)elem_i64(dt, in, (size_t)i));
				acc->f[o] += elem_f64(dt, in, (size_t)i);
				break;
			}
		}
		/* Next input element: carry through the odometer, moving o along. */
		for (int d = x->rank - 1; d >= 0; d--) {
			o += ostride[d];
			if (++pos[d] < x->dims[d])
				break;
			o -= ostride[d] * pos[d];
			pos[d] = 0;
		}
	}
}

static int host_reduce(struct op_ctx *c, const void *const *in, void *const *out)
{
	enum reduce_kind k = reduce_kind_of(c->node->op_type);
	const struct ir_tensor *x = op_in(c, 0), *y = op_out(c, 0);
	int64_t dims[IR_MAX_RANK], ostride[IR_MAX_RANK], keepdims, count = 1, onumel, stride = 1;
	struct reduce_acc acc = { 0 };
	enum ir_dtype dt = x->dtype;
	bool red[IR_MAX_RANK], noop, is_int = elem_is_int(dt);
	int rank, ret;

	ret = op_attr_int(c, "keepdims", 1, &keepdims);
	if (ret)
		return ret;
	/* Only the node's own inputs are in @in: the axes input may be absent. */
	ret = reduce_axes(c, reduce_axes_from_input(c) && op_in(c, 1) ? in[1] : NULL, red, &noop);
	if (ret)
		return ret < 0 ? ret : op_fail(c, -EINVAL, "axes have no value");
	rank = reduce_shape(x, red, keepdims, noop, dims);
	if (rank != y->rank || memcmp(dims, y->dims, rank * sizeof(*dims)))
		return op_fail(c, -EINVAL, "the axes' values do not give the output's shape");
	if (noop) {
		if (ir_tensor_numel(x))
			memcpy(out[0], in[0], (size_t)ir_tensor_numel(x) * ir_dtype_size(dt));
		return 0;
	}
	for (int d = x->rank - 1; d >= 0; d--) {
		ostride[d] = red[d] ? 0 : stride;
		if (red[d])
			count *= x->dims[d];
		else
			stride *= x->dims[d];
	}
	onumel = ir_tensor_numel(y);
	acc.f = malloc((size_t)onumel * sizeof(*acc.f) + 1);
	acc.n = malloc((size_t)onumel * sizeof(*acc.n) + 1);
	acc.best = malloc((size_t)onumel * sizeof(*acc.best) + 1);
	if (!acc.f || !acc.n || !acc.best) {
		ret = -ENOMEM;
		goto out;
	}
	for (int64_t o = 0; o < onumel; o++) {
		/* Empty reductions end as the identities: 0 for sums, 1 for products. */
		acc.f[o] = k == REDUCE_PROD;
		acc.n[o] = k == REDUCE_PROD;
		acc.best[o] = -1;
	}
	reduce_pass(k, dt, x, in[0], ostride, &acc, false);
	if (k == REDUCE_LOG_SUM_EXP)
		reduce_pass(k, dt, x, in[0], ostride, &acc, true);
	for (int64_t o = 0; o < onumel; o++) {
		size_t esize = ir_dtype_size(dt);
		double f = acc.f[o];
		int64_t n = acc.n[o];

		switch (k) {
		case REDUCE_MAX:
		case REDUCE_MIN:
			if (acc.best[o] >= 0) {
				memcpy((char *)out[0] + o * esize, (const char *)in[0] + acc.best[o] * esize,
				       esize);
				continue;
			}
			/* An empty reduction: the identity, the type's extreme for integers. */
			f = k == REDUCE_MAX ? -INFINITY : INFINITY;
			n = k == REDUCE_MAX ? (dt == IR_DTYPE_UINT8 ? 0 : dt == IR_DTYPE_INT8 ? INT8_MIN :
					       dt == IR_DTYPE_INT32 ? INT32_MIN : INT64_MIN)
					    : (dt == IR_DTYPE_UINT8 ? UINT8_MAX : dt == IR_DTYPE_INT8 ? INT8_MAX :
					       dt == IR_DTYPE_INT32 ? INT32_MAX : INT64_MAX);
			break;
		case REDUCE_MEAN:
			f = count ? f / (double)count : NAN;
			n = count ? n / count : 0;
			break;
		case REDUCE_L2:
			f = sqrt(f);
			n = f64_to_i64(f);
			break;
		case REDUCE_LOG_SUM:
			f = log(f);
			n = f64_to_i64(f);
			break;
		case REDUCE_LOG_SUM_EXP: {
			double m = acc.best[o] >= 0 ? elem_f64(dt, in[0], (size_t)acc.best[o]) : -INFINITY;

			f = isfinite(m) ? m + log(f) : m;
			n = f64_to_i64(f);
			break;
		}
		default:
			break;
		}
		if (!is_int)
			n = 0;
		elem_store(dt, out[0], (size_t)o, f, n);
	}
out:
	free(acc.f);
	free(acc.n);
	free(acc.best);
	return ret;
}

/* ArgMax, ArgMin: int64 indices along axis; keepdims; select_last_index (opset 12). */
static int infer_arg(struct op_ctx *c)
{
	int64_t axis, keepdims, dims[IR_MAX_RANK];
	const struct ir_tensor *x;
	int a, r = 0, ret = op_need_inputs(c, 1);

	if (ret)
		return ret;
	x = op_in(c, 0);
	if (!elem_is_int(x->dtype) && !op_dtype_is_float(x->dtype))
		return op_fail(c, -EINVAL, "input of type %s", ir_dtype_name(x->dtype));
	ret = op_attr_int(c, "axis", 0, &axis) ?: op_attr_int(c, "keepdims", 1, &keepdims);
	if (ret)
		return ret;
	if (x->rank == 0)
		return op_fail(c, -EINVAL, "input is a scalar");
	ret = op_axis_norm(c, axis, x->rank, &a);
	if (ret)
		return ret;
	if (x->dims[a] == 0)
		return op_fail(c, -EINVAL, "axis %d is empty", a);
	for (int i = 0; i < x->rank; i++) {
		if (i != a)
			dims[r++] = x->dims[i];
		else if (keepdims)
			dims[r++] = 1;
	}
	op_set_shape(op_out(c, 0), IR_DTYPE_INT64, r, dims);
	return 0;
}

static int host_arg(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *x = op_in(c, 0);
	int64_t axis, last, outer = 1, inner = 1, n, *y = out[0];
	bool is_max = !strcmp(c->node->op_type, "ArgMax");
	int a, ret;

	ret = op_attr_int(c, "axis", 0, &axis) ?: op_attr_int(c, "select_last_index", 0, &last) ?:
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
			size_t base = (size_t)(o * n * inner + i), best = base;
			int64_t bi = 0;

			for (int64_t j = 1; j < n; j++) {
				size_t at = base + (size_t)(j * inner);
				int cmp = elem_cmp(x->dtype, in[0], at, best);

				if (!is_max)
					cmp = -cmp;
				if (cmp > 0 || (cmp == 0 && last)) {
					best = at;
					bi = j;
				}
			}
			y[o * inner + i] = bi;
		}
	}
	return 0;
}

const struct op_def op_defs_reduce[] = {
	{ "ReduceMean", infer_reduce, host_reduce },
	{ "ReduceSum", infer_reduce, host_reduce },
	{ "ReduceMax", infer_reduce, host_reduce },
	{ "ReduceMin", infer_reduce, host_reduce },
	{ "ReduceProd", infer_reduce, host_reduce },
	{ "ReduceSumSquare", infer_reduce, host_reduce },
	{ "ReduceL1", infer_reduce, host_reduce },
	{ "ReduceL2", infer_reduce, host_reduce },
	{ "ReduceLogSum", infer_reduce, host_reduce },
	{ "ReduceLogSumExp", infer_reduce, host_reduce },
	{ "ArgMax", infer_arg, host_arg },
	{ "ArgMin", infer_arg, host_arg },
	{ NULL, NULL, NULL },
};

// SPDX-License-Identifier: MIT
/*
 * Elementwise operators over broadcast inputs: arithmetic (Add, Sub, Mul, Div, Pow, Mod,
 * BitShift), logic (And, Or, Xor), the variadic Max, Min, Sum and Mean, comparisons (Equal,
 * Less, Greater, LessOrEqual, GreaterOrEqual), Where and PRelu.
 *
 * Inputs broadcast as numpy does (opset 7 on); before opset 7 through the `broadcast` and
 * `axis` attributes (ew_input_shapes(), ops/elementwise.h). Floating types compute in double,
 * integers in int64 arithmetic that wraps to the type's width (unsigned ones as their bits).
 */
#include "compiler/ops/elementwise.h"

#include <errno.h>
#include <math.h>
#include <string.h>

/* One binary function per class of element type; NULL where the op does not take the class. */
struct binary_fns {
	double (*f)(double a, double b);
	int64_t (*s)(int64_t a, int64_t b);	/* signed integers */
	int64_t (*u)(int64_t a, int64_t b);	/* unsigned integers and bool, as their bits */
};

struct binary_def {
	const char *op;
	unsigned int types;	/* the inputs' type (all inputs share it) */
	bool to_bool;		/* a comparison: the output is bool */
	bool variadic;		/* 1 to n inputs (Max, Min, Sum, Mean), else exactly 2 */
	struct binary_fns fns;	/* Mod and BitShift: chosen by attribute (binary_select()) */
};

/* Integer arithmetic through uint64: wraps instead of overflowing. */
static int64_t wrap_add(int64_t a, int64_t b) { return (int64_t)((uint64_t)a + (uint64_t)b); }
static int64_t wrap_sub(int64_t a, int64_t b) { return (int64_t)((uint64_t)a - (uint64_t)b); }
static int64_t wrap_mul(int64_t a, int64_t b) { return (int64_t)((uint64_t)a * (uint64_t)b); }

/* Integer division truncates toward zero; by zero it gives 0 rather than trapping. */
static int64_t s_div(int64_t a, int64_t b)
{
	if (!b)
		return 0;
	if (b == -1)
		return wrap_sub(0, a);
	return a / b;
}

static int64_t u_div(int64_t a, int64_t b)
{
	return b ? (int64_t)((uint64_t)a / (uint64_t)b) : 0;
}

/* Mod, fmod=0: the remainder takes the divisor's sign (Python's %). */
static int64_t s_mod(int64_t a, int64_t b)
{
	int64_t r;

	if (!b || b == -1)
		return 0;
	r = a % b;
	if (r && ((r < 0) != (b < 0)))
		r += b;
	return r;
}

/* Mod, fmod=1: the remainder takes the dividend's sign (C's %, fmod()). */
static int64_t s_fmod(int64_t a, int64_t b)
{
	if (!b || b == -1)
		return 0;
	return a % b;
}

static int64_t u_mod(int64_t a, int64_t b)
{
	return b ? (int64_t)((uint64_t)a % (uint64_t)b) : 0;
}

static int64_t u_shl(int64_t a, int64_t b)
{
	return (uint64_t)b >= 64 ? 0 : (int64_t)((uint64_t)a << b);
}

static int64_t u_shr(int64_t a, int64_t b)
{
	return (uint64_t)b >= 64 ? 0 : (int64_t)((uint64_t)a >> b);
}

static double f_add(double a, double b) { return a + b; }
static double f_sub(double a, double b) { return a - b; }
static double f_mul(double a, double b) { return a * b; }
static double f_div(double a, double b) { return a / b; }
static double f_fmod(double a, double b) { return fmod(a, b); }
/* Max and Min propagate NaN, as numpy.maximum and numpy.minimum. */
static double f_max(double a, double b) { return isnan(a) ? a : isnan(b) ? b : a > b ? a : b; }
static double f_min(double a, double b) { return isnan(a) ? a : isnan(b) ? b : a < b ? a : b; }
static int64_t s_max(int64_t a, int64_t b) { return a > b ? a : b; }
static int64_t s_min(int64_t a, int64_t b) { return a < b ? a : b; }
static int64_t u_max(int64_t a, int64_t b) { return (uint64_t)a > (uint64_t)b ? a : b; }
static int64_t u_min(int64_t a, int64_t b) { return (uint64_t)a < (uint64_t)b ? a : b; }
static int64_t u_and(int64_t a, int64_t b) { return a & b; }
static int64_t u_or(int64_t a, int64_t b) { return a | b; }
static int64_t u_xor(int64_t a, int64_t b) { return a ^ b; }
static double f_eq(double a, double b) { return a == b; }
static double f_lt(double a, double b) { return a < b; }
static double f_gt(double a, double b) { return a > b; }
static double f_le(double a, double b) { return a <= b; }
static double f_ge(double a, double b) { return a >= b; }
static int64_t s_eq(int64_t a, int64_t b) { return a == b; }
static int64_t s_lt(int64_t a, int64_t b) { return a < b; }
static int64_t s_gt(int64_t a, int64_t b) { return a > b; }
static int64_t s_le(int64_t a, int64_t b) { return a <= b; }
static int64_t s_ge(int64_t a, int64_t b) { return a >= b; }
static int64_t u_lt(int64_t a, int64_t b) { return (uint64_t)a < (uint64_t)b; }
static int64_t u_gt(int64_t a, int64_t b) { return (uint64_t)a > (uint64_t)b; }
static int64_t u_le(int64_t a, int64_t b) { return (uint64_t)a <= (uint64_t)b; }
static int64_t u_ge(int64_t a, int64_t b) { return (uint64_t)a >= (uint64_t)b; }

static const struct binary_def binary_defs[] = {
	{ "Add", EW_T_NUM, false, false, { f_add, wrap_add, wrap_add } },
	{ "Sub", EW_T_NUM, false, false, { f_sub, wrap_sub, wrap_sub } },
	{ "Mul", EW_T_NUM, false, false, { f_mul, wrap_mul, wrap_mul } },
	{ "Div", EW_T_NUM, false, false, { f_div, s_div, u_div } },
	{ "Mod", EW_T_NUM, false, false, { NULL, NULL, NULL } },
	{ "BitShift", EW_T_UINT, false, false, { NULL, NULL, NULL } },
	{ "And", EW_T_BOOL, false, false, { NULL, NULL, u_and } },
	{ "Or", EW_T_BOOL, false, false, { NULL, NULL, u_or } },
	{ "Xor", EW_T_BOOL, false, false, { NULL, NULL, u_xor } },
	{ "Max", EW_T_NUM, false, true, { f_max, s_max, u_max } },
	{ "Min", EW_T_NUM, false, true, { f_min, s_min, u_min } },
	{ "Sum", EW_T_FLOAT, false, true, { f_add, NULL, NULL } },
	{ "Mean", EW_T_FLOAT, false, true, { f_add, NULL, NULL } },
	{ "Equal", EW_T_ALL, true, false, { f_eq, s_eq, s_eq } },
	{ "Less", EW_T_NUM, true, false, { f_lt, s_lt, u_lt } },
	{ "Greater", EW_T_NUM, true, false, { f_gt, s_gt, u_gt } },
	{ "LessOrEqual", EW_T_NUM, true, false, { f_le, s_le, u_le } },
	{ "GreaterOrEqual", EW_T_NUM, true, false, { f_ge, s_ge, u_ge } },
};

static const struct binary_def *binary_find(const char *op)
{
	for (size_t i = 0; i < sizeof(binary_defs) / sizeof(binary_defs[0]); i++)
		if (!strcmp(binary_defs[i].op, op))
			return &binary_defs[i];
	return NULL;
}

/* @d's functions, those of Mod and BitShift by their attributes (checked here). */
static int binary_select(struct op_ctx *c, const struct binary_def *d, enum ir_dtype dt,
			 struct binary_fns *fns)
{
	*fns = d->fns;
	if (!strcmp(d->op, "Mod")) {
		int64_t fmod_attr;
		int ret = op_attr_int(c, "fmod", 0, &fmod_attr);

		if (ret)
			return ret;
		if (fmod_attr != 0 && fmod_attr != 1)
			return op_fail(c, -EINVAL, "fmod is %lld (want 0 or 1)", (long long)fmod_attr);
		if (!fmod_attr && ew_type_in(dt, EW_T_FLOAT))
			return op_fail(c, -EINVAL, "fmod must be 1 for a floating type");
		fns->f = f_fmod;
		fns->s = fmod_attr ? s_fmod : s_mod;
		fns->u = u_mod;
	} else if (!strcmp(d->op, "BitShift")) {
		const struct ir_attr *a = ir_node_find_attr(c->node, "direction");

		if (!a || a->type != IR_ATTR_STRING ||
		    (strcmp(a->s, "LEFT") && strcmp(a->s, "RIGHT")))
			return op_fail(c, -EINVAL, "direction must be \"LEFT\" or \"RIGHT\"");
		fns->u = strcmp(a->s, "LEFT") ? u_shr : u_shl;
	}
	return 0;
}

/* The output shape of inputs 0..@n-1 broadcast together (legacy rules before opset 7). */
static int broadcast_all(struct op_ctx *c, struct ir_tensor *shapes, size_t n, struct ir_tensor *acc)
{
	int ret = ew_input_shapes(c, shapes, n);

	if (ret)
		return ret;
	*acc = shapes[0];
	for (size_t i = 1; i < n; i++) {
		ret = op_broadcast(c, acc, &shapes[i], acc->dims, &acc->rank);
		if (ret)
			return ret;
	}
	return 0;
}

static int infer_binary_def(struct op_ctx *c)
{
	const struct binary_def *d = binary_find(c->node->op_type);
	struct ir_tensor shapes[EW_MAX_INPUTS], acc;
	struct binary_fns fns;
	size_t n = c->node->n_inputs;
	int ret;

	if (!d)
		return op_fail(c, -EOPNOTSUPP, "not a binary elementwise op");
	if (d->variadic ? n < 1 : n != 2)
		return op_fail(c, -EINVAL, "%zu inputs (want %s)", n, d->variadic ? "at least 1" : "2");
	if (n > EW_MAX_INPUTS)
		return op_fail(c, -EOPNOTSUPP, "more than %d inputs", EW_MAX_INPUTS);
	ret = op_need_inputs(c, n);
	if (ret)
		return ret;
	for (size_t i = 0; i < n; i++) {
		enum ir_dtype dt = op_in(c, i)->dtype;

		if (dt != op_in(c, 0)->dtype)
			return op_fail(c, -EINVAL, "inputs of different types (%s, %s)",
				       ir_dtype_name(op_in(c, 0)->dtype), ir_dtype_name(dt));
	}
	if (!ew_type_in(op_in(c, 0)->dtype, d->types))
		return op_fail(c, -EINVAL, "inputs of type %s are not supported by %s",
			       ir_dtype_name(op_in(c, 0)->dtype), d->op);
	ret = binary_select(c, d, op_in(c, 0)->dtype, &fns);
	if (!ret)
		ret = broadcast_all(c, shapes, n, &acc);
	if (ret)
		return ret;
	op_set_shape(op_out(c, 0), d->to_bool ? IR_DTYPE_BOOL : acc.dtype, acc.rank, acc.dims);
	return 0;
}

static int host_binary_def(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct binary_def *d = binary_find(c->node->op_type);
	const struct ir_tensor *y = op_out(c, 0);
	struct ir_tensor shapes[EW_MAX_INPUTS];
	struct binary_fns fns;
	struct ew_iter it;
	size_t n = c->node->n_inputs;
	enum ir_dtype dt;
	bool mean;
	int ret;

	if (!d || !y || !out[0] || n < 1 || n > EW_MAX_INPUTS)
		return op_fail(c, -EINVAL, "missing input or output");
	ret = ew_input_shapes(c, shapes, n);
	if (ret)
		return ret;
	dt = shapes[0].dtype;
	for (size_t j = 0; j < n; j++)
		if (shapes[j].dtype != dt)
			return op_fail(c, -EINVAL, "inputs of different types");
	ret = binary_select(c, d, dt, &fns);
	if (!ret)
		ret = ew_iter_init(c, &it, y, shapes, n);
	if (ret)
		return ret;
	if ((ew_type_in(dt, EW_T_FLOAT) && !fns.f) || (ew_type_in(dt, EW_T_SINT) && !fns.s) ||
	    (ew_type_in(dt, EW_T_UINT | EW_T_BOOL) && !fns.u) || !ew_type_in(dt, EW_T_ALL))
		return op_fail(c, -EOPNOTSUPP, "no %s kernel for %s", d->op, ir_dtype_name(dt));
	mean = !strcmp(d->op, "Mean");
	for (int64_t k = 0; k < it.numel; k++, ew_iter_next(&it)) {
		if (ew_type_in(dt, EW_T_FLOAT)) {
			double acc = ew_load_f(dt, in[0], it.off[0]);

			for (size_t j = 1; j < n; j++)
				acc = fns.f(acc, ew_load_f(dt, in[j], it.off[j]));
			ew_store_f(y->dtype, out[0], k, mean ? acc / (double)n : acc);
		} else {
			int64_t (*fn)(int64_t, int64_t) = ew_type_in(dt, EW_T_SINT) ? fns.s : fns.u;
			int64_t acc = ew_load_s(dt, in[0], it.off[0]);

			for (size_t j = 1; j < n; j++)
				acc = fn(acc, ew_load_s(dt, in[j], it.off[j]));
			ew_store_s(y->dtype, out[0], k, acc);
		}
	}
	return 0;
}

/* Pow ---------------------------------------------------------------------------------------- */

/*
 * The base's type for the output; the exponent of any numeric type (opset 12 on; before, both
 * of one floating type, which this accepts too).
 */
static int infer_pow(struct op_ctx *c)
{
	struct ir_tensor shapes[2], acc;
	int ret = op_need_inputs(c, 2);

	if (ret)
		return ret;
	if (!ew_type_in(op_in(c, 0)->dtype, EW_T_NUM) || !ew_type_in(op_in(c, 1)->dtype, EW_T_NUM))
		return op_fail(c, -EINVAL, "inputs of types %s and %s (want numeric types)",
			       ir_dtype_name(op_in(c, 0)->dtype), ir_dtype_name(op_in(c, 1)->dtype));
	ret = broadcast_all(c, shapes, 2, &acc);
	if (ret)
		return ret;
	op_set_shape(op_out(c, 0), op_in(c, 0)->dtype, acc.rank, acc.dims);
	return 0;
}

/* An integer to an integer power, wrapping; a negative power truncates 1 / a^-e toward zero. */
static int64_t ipow(int64_t a, int64_t e)
{
	uint64_t r = 1, b = (uint64_t)a;

	if (e < 0)
		return a == 1 ? 1 : a == -1 ? ((e & 1) ? -1 : 1) : 0;
	while (e) {
		if (e & 1)
			r *= b;
		b *= b;
		e >>= 1;
	}
	return (int64_t)r;
}

static int host_pow(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *y = op_out(c, 0);
	struct ir_tensor shapes[2];
	struct ew_iter it;
	enum ir_dtype ta, tb;
	bool int_pow;
	int ret;

	if (!y || !out[0])
		return op_fail(c, -EINVAL, "missing output");
	ret = ew_input_shapes(c, shapes, 2);
	if (!ret)
		ret = ew_iter_init(c, &it, y, shapes, 2);
	if (ret)
		return ret;
	ta = shapes[0].dtype;
	tb = shapes[1].dtype;
	if (!ew_type_in(ta, EW_T_NUM) || !ew_type_in(tb, EW_T_NUM))
		return op_fail(c, -EOPNOTSUPP, "no Pow kernel for %s, %s", ir_dtype_name(ta),
			       ir_dtype_name(tb));
	/* Integer base and exponent: exact integer powers (uint64 exponents above 2^63 saturate). */
	int_pow = !ew_type_in(ta, EW_T_FLOAT) && !ew_type_in(tb, EW_T_FLOAT);
	for (int64_t k = 0; k < it.numel; k++, ew_iter_next(&it)) {
		if (int_pow) {
			int64_t e = ew_load_s(tb, in[1], it.off[1]);

			if (tb == IR_DTYPE_UINT64 && e < 0)
				e = INT64_MAX;
			ew_store_s(y->dtype, out[0], k, ipow(ew_load_s(ta, in[0], it.off[0]), e));
		} else {
			ew_store_f(y->dtype, out[0], k, pow(ew_load_f(ta, in[0], it.off[0]),
							    ew_load_f(tb, in[1], it.off[1])));
		}
	}
	return 0;
}

/* Where -------------------------------------------------------------------------------------- */

static int infer_where(struct op_ctx *c)
{
	struct ir_tensor shapes[3], acc;
	int ret = op_need_inputs(c, 3);

	if (ret)
		return ret;
	if (op_in(c, 0)->dtype != IR_DTYPE_BOOL)
		return op_fail(c, -EINVAL, "condition of type %s (want bool)",
			       ir_dtype_name(op_in(c, 0)->dtype));
	if (op_in(c, 1)->dtype != op_in(c, 2)->dtype || !ew_type_in(op_in(c, 1)->dtype, EW_T_ALL))
		return op_fail(c, -EINVAL, "X and Y of types %s and %s",
			       ir_dtype_name(op_in(c, 1)->dtype), ir_dtype_name(op_in(c, 2)->dtype));
	ret = broadcast_all(c, shapes, 3, &acc);
	if (ret)
		return ret;
	op_set_shape(op_out(c, 0), op_in(c, 1)->dtype, acc.rank, acc.dims);
	return 0;
}

static int host_where(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *y = op_out(c, 0);
	struct ir_tensor shapes[3];
	struct ew_iter it;
	size_t es;
	int ret;

	if (!y || !out[0])
		return op_fail(c, -EINVAL, "missing output");
	ret = ew_input_shapes(c, shapes, 3);
	if (!ret)
		ret = ew_iter_init(c, &it, y, shapes, 3);
	if (ret)
		return ret;
	es = ir_dtype_size(y->dtype);
	if (shapes[0].dtype != IR_DTYPE_BOOL || shapes[1].dtype != y->dtype ||
	    shapes[2].dtype != y->dtype || !es)
		return op_fail(c, -EINVAL, "bad input types");
	for (int64_t k = 0; k < it.numel; k++, ew_iter_next(&it)) {
		bool take_x = ((const uint8_t *)in[0])[it.off[0]] != 0;
		const unsigned char *src = take_x ? in[1] : in[2];

		memcpy((unsigned char *)out[0] + k * es, src + it.off[take_x ? 1 : 2] * es, es);
	}
	return 0;
}

/* PRelu -------------------------------------------------------------------------------------- */

/*
 * The shape in which slope applies to X. From opset 7 slope broadcasts to X one way (numpy
 * rules, X's shape unchanged). Before, a slope of one element is shared, and a 1-D slope of
 * X's dim 1 holds one value per channel (Caffe2's PRelu, which the PyTorch exporter targeted:
 * slope [C] on X [N, C, H, W] is [C, 1, 1]); any other slope must broadcast as from opset 7.
 */
static int prelu_slope_shape(struct op_ctx *c, const struct ir_tensor *x, struct ir_tensor *s)
{
	int64_t dims[IR_MAX_RANK];
	int rank, ret;

	if (c->g->opset < 7 && s->rank == 1 && x->rank >= 2 && s->dims[0] == x->dims[1] &&
	    s->dims[0] != 1) {
		s->rank = x->rank - 1;
		for (int d = 1; d < s->rank; d++)
			s->dims[d] = 1;
	} else if (c->g->opset < 7 && ir_tensor_numel(s) == 1) {
		s->rank = 0;
	}
	ret = op_broadcast(c, x, s, dims, &rank);
	if (ret)
		return ret;
	if (rank != x->rank || memcmp(dims, x->dims, rank * sizeof(*dims)))
		return op_fail(c, -EINVAL, "slope '%s' does not broadcast to the shape of '%s'",
			       s->name, x->name);
	return 0;
}

static int infer_prelu(struct op_ctx *c)
{
	struct ir_tensor shapes[2];
	int ret = op_need_inputs(c, 2);

	if (ret)
		return ret;
	ret = ew_input_shapes(c, shapes, 2);
	if (ret)
		return ret;
	if (shapes[0].dtype != shapes[1].dtype || !ew_type_in(shapes[0].dtype, EW_T_NUM))
		return op_fail(c, -EINVAL, "X and slope of types %s and %s",
			       ir_dtype_name(shapes[0].dtype), ir_dtype_name(shapes[1].dtype));
	ret = prelu_slope_shape(c, &shapes[0], &shapes[1]);
	if (ret)
		return ret;
	op_set_shape(op_out(c, 0), shapes[0].dtype, shapes[0].rank, shapes[0].dims);
	return 0;
}

static int host_prelu(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *y = op_out(c, 0);
	struct ir_tensor shapes[2];
	struct ew_iter it;
	enum ir_dtype dt;
	int ret;

	if (!y || !out[0])
		return op_fail(c, -EINVAL, "missing output");
	ret = ew_input_shapes(c, shapes, 2);
	if (!ret)
		ret = prelu_slope_shape(c, &shapes[0], &shapes[1]);
	if (!ret)
		ret = ew_iter_init(c, &it, y, shapes, 2);
	if (ret)
		return ret;
	dt = shapes[0].dtype;
	if (shapes[1].dtype != dt || y->dtype != dt || !ew_type_in(dt, EW_T_NUM))
		return op_fail(c, -EINVAL, "bad input types");
	for (int64_t k = 0; k < it.numel; k++, ew_iter_next(&it)) {
		if (ew_type_in(dt, EW_T_FLOAT)) {
			double x = ew_load_f(dt, in[0], it.off[0]);

			ew_store_f(dt, out[0], k, x < 0 ? ew_load_f(dt, in[1], it.off[1]) * x : x);
		} else {
			int64_t x = ew_load_s(dt, in[0], it.off[0]);

			/* Unsigned values are never negative (uint64's bits may look so). */
			if (x < 0 && ew_type_in(dt, EW_T_SINT))
				x = wrap_mul(ew_load_s(dt, in[1], it.off[1]), x);
			ew_store_s(dt, out[0], k, x);
		}
	}
	return 0;
}

const struct op_def op_defs_elementwise_binary[] = {
	{ "Add", infer_binary_def, host_binary_def },
	{ "Sub", infer_binary_def, host_binary_def },
	{ "Mul", infer_binary_def, host_binary_def },
	{ "Div", infer_binary_def, host_binary_def },
	{ "Mod", infer_binary_def, host_binary_def },
	{ "BitShift", infer_binary_def, host_binary_def },
	{ "And", infer_binary_def, host_binary_def },
	{ "Or", infer_binary_def, host_binary_def },
	{ "Xor", infer_binary_def, host_binary_def },
	{ "Max", infer_binary_def, host_binary_def },
	{ "Min", infer_binary_def, host_binary_def },
	{ "Sum", infer_binary_def, host_binary_def },
	{ "Mean", infer_binary_def, host_binary_def },
	{ "Equal", infer_binary_def, host_binary_def },
	{ "Less", infer_binary_def, host_binary_def },
	{ "Greater", infer_binary_def, host_binary_def },
	{ "LessOrEqual", infer_binary_def, host_binary_def },
	{ "GreaterOrEqual", infer_binary_def, host_binary_def },
	{ "Pow", infer_pow, host_pow },
	{ "Where", infer_where, host_where },
	{ "PRelu", infer_prelu, host_prelu },
	{ NULL, NULL, NULL },
};

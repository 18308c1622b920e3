// SPDX-License-Identifier: MIT
/*
 * Elementwise operators, one input: maths (Abs, Exp, Sin...), activations (Relu, Elu, Selu...),
 * predicates (IsNaN, IsInf, Not), Identity, Clip, Cast and CastLike; and the element access
 * and broadcast iteration that elementwise_binary.c shares (ops/elementwise.h).
 *
 * Kernels compute floating types in double and store rounding to nearest even (float16 and
 * bfloat16 through float); integer types in int64 (uint64 as its bits), wrapping to their width.
 * Shape inference follows the ONNX specification for opsets 1 to 17 (compiler/op.h).
 */
#include "compiler/ops/elementwise.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/tensor_compare.h"

/* Element access --------------------------------------------------------------------------- */

uint16_t ew_float_to_half(float f)
{
	uint32_t x, absx, sign, rem, h;
	float scaled;

	memcpy(&x, &f, sizeof(x));
	sign = (x >> 16) & 0x8000;
	absx = x & 0x7fffffff;
	if (absx > 0x7f800000)	/* NaN: keep it quiet and a NaN */
		return (uint16_t)(sign | 0x7e00 | ((absx >> 13) & 0x3ff));
	if (absx >= 0x477ff000)	/* >= 65520: rounds to infinity (65504 is the largest half) */
		return (uint16_t)(sign | 0x7c00);
	if (absx < 0x38800000) {
		/* Below 2^-14: a subnormal half, in units of 2^-24. The scaling is exact. */
		scaled = fabsf(f) * 16777216.0f;
		h = (uint32_t)scaled;
		if (scaled - (float)h > 0.5f || (scaled - (float)h == 0.5f && (h & 1)))
			h++;
		return (uint16_t)(sign | h);
	}
	h = ((((absx >> 23) - 127 + 15) << 10) | ((absx >> 13) & 0x3ff));
	rem = absx & 0x1fff;
	/* A carry out of the mantissa moves to the next exponent, as it should. */
	if (rem > 0x1000 || (rem == 0x1000 && (h & 1)))
		h++;
	return (uint16_t)(sign | h);
}

uint16_t ew_float_to_bf16(float f)
{
	uint32_t x;

	memcpy(&x, &f, sizeof(x));
	if ((x & 0x7fffffff) > 0x7f800000)
		return (uint16_t)((x >> 16) | 0x40);
	x += 0x7fff + ((x >> 16) & 1);
	return (uint16_t)(x >> 16);
}

double ew_load_f(enum ir_dtype dt, const void *p, int64_t i)
{
	switch (dt) {
	case IR_DTYPE_FLOAT: return ((const float *)p)[i];
	case IR_DTYPE_DOUBLE: return ((const double *)p)[i];
	case IR_DTYPE_FLOAT16: return ir_half_to_float(((const uint16_t *)p)[i]);
	case IR_DTYPE_BFLOAT16: return ir_bf16_to_float(((const uint16_t *)p)[i]);
	case IR_DTYPE_UINT64: return (double)((const uint64_t *)p)[i];
	default: return (double)ew_load_s(dt, p, i);
	}
}

/* @v toward zero as an int64, saturating; NaN is 0 (C leaves these conversions undefined). */
static int64_t ew_double_to_s64(double v)
{
	if (isnan(v))
		return 0;
	if (v >= 9223372036854775808.0)
		return INT64_MAX;
	if (v <= -9223372036854775808.0)
		return INT64_MIN;
	return (int64_t)v;
}

int64_t ew_load_s(enum ir_dtype dt, const void *p, int64_t i)
{
	switch (dt) {
	case IR_DTYPE_INT8: return ((const int8_t *)p)[i];
	case IR_DTYPE_UINT8: return ((const uint8_t *)p)[i];
	case IR_DTYPE_BOOL: return ((const uint8_t *)p)[i] != 0;
	case IR_DTYPE_INT16: return ((const int16_t *)p)[i];
	case IR_DTYPE_UINT16: return ((const uint16_t *)p)[i];
	case IR_DTYPE_INT32: return ((const int32_t *)p)[i];
	case IR_DTYPE_UINT32: return ((const uint32_t *)p)[i];
	case IR_DTYPE_INT64: return ((const int64_t *)p)[i];
	case IR_DTYPE_UINT64: return (int64_t)((const uint64_t *)p)[i];
	case IR_DTYPE_FLOAT:
	case IR_DTYPE_DOUBLE:
	case IR_DTYPE_FLOAT16:
	case IR_DTYPE_BFLOAT16:
		return ew_double_to_s64(ew_load_f(dt, p, i));
	default:
		return 0;
	}
}

void ew_store_s(enum ir_dtype dt, void *p, int64_t i, int64_t v)
{
	switch (dt) {
	case IR_DTYPE_INT8: ((int8_t *)p)[i] = (int8_t)v; break;
	case IR_DTYPE_UINT8: ((uint8_t *)p)[i] = (uint8_t)v; break;
	case IR_DTYPE_BOOL: ((uint8_t *)p)[i] = v != 0; break;
	case IR_DTYPE_INT16: ((int16_t *)p)[i] = (int16_t)v; break;
	case IR_DTYPE_UINT16: ((uint16_t *)p)[i] = (uint16_t)v; break;
	case IR_DTYPE_INT32: ((int32_t *)p)[i] = (int32_t)v; break;
	case IR_DTYPE_UINT32: ((uint32_t *)p)[i] = (uint32_t)v; break;
	case IR_DTYPE_INT64: ((int64_t *)p)[i] = v; break;
	case IR_DTYPE_UINT64: ((uint64_t *)p)[i] = (uint64_t)v; break;
	case IR_DTYPE_FLOAT: ((float *)p)[i] = (float)v; break;
	case IR_DTYPE_DOUBLE: ((double *)p)[i] = (double)v; break;
	case IR_DTYPE_FLOAT16: ((uint16_t *)p)[i] = ew_float_to_half((float)v); break;
	case IR_DTYPE_BFLOAT16: ((uint16_t *)p)[i] = ew_float_to_bf16((float)v); break;
	default: break;
	}
}

void ew_store_f(enum ir_dtype dt, void *p, int64_t i, double v)
{
	switch (dt) {
	case IR_DTYPE_FLOAT: ((float *)p)[i] = (float)v; break;
	case IR_DTYPE_DOUBLE: ((double *)p)[i] = v; break;
	case IR_DTYPE_FLOAT16: ((uint16_t *)p)[i] = ew_float_to_half((float)v); break;
	case IR_DTYPE_BFLOAT16: ((uint16_t *)p)[i] = ew_float_to_bf16((float)v); break;
	case IR_DTYPE_BOOL: ((uint8_t *)p)[i] = v != 0; break;
	case IR_DTYPE_UINT64:
		/* Above int64's range the bits come from the unsigned conversion. */
		if (v >= 9223372036854775808.0) {
			((uint64_t *)p)[i] = v >= 18446744073709551616.0 ? UINT64_MAX : (uint64_t)v;
			break;
		}
		ew_store_s(dt, p, i, ew_double_to_s64(v));
		break;
	default: ew_store_s(dt, p, i, ew_double_to_s64(v)); break;
	}
}

/* Broadcast iteration ------------------------------------------------------------------------ */

int ew_iter_init(struct op_ctx *c, struct ew_iter *it, const struct ir_tensor *out,
		 const struct ir_tensor *in, size_t n)
{
	if (n > EW_MAX_INPUTS || out->rank < 0 || out->rank > IR_MAX_RANK)
		return op_fail(c, -EINVAL, "cannot iterate %zu inputs of rank %d", n, out->rank);
	memset(it->idx, 0, sizeof(it->idx));
	it->rank = out->rank;
	it->n = n;
	it->numel = ir_tensor_numel(out);
	if (it->numel < 0)
		return op_fail(c, -EINVAL, "output '%s' has no known shape", out->name);
	memcpy(it->dims, out->dims, out->rank * sizeof(*out->dims));
	for (size_t j = 0; j < n; j++) {
		int64_t s = 1;

		if (in[j].rank < 0 || in[j].rank > out->rank)
			return op_fail(c, -EINVAL, "input %zu does not broadcast to the output", j);
		it->off[j] = 0;
		for (int d = out->rank - 1; d >= 0; d--) {
			int di = d - (out->rank - in[j].rank);
			int64_t dim = di >= 0 ? in[j].dims[di] : 1;

			if (dim != out->dims[d] && dim != 1)
				return op_fail(c, -EINVAL, "input %zu does not broadcast to the output", j);
			it->stride[j][d] = dim == 1 ? 0 : s;
			s *= dim;
		}
	}
	return 0;
}

/* The ops that took `broadcast` and `axis` attributes before opset 7. */
static bool ew_has_legacy_broadcast(const char *op)
{
	static const char *const ops[] = {
		"Add", "Sub", "Mul", "Div", "Pow", "And", "Or", "Xor", "Equal", "Less", "Greater",
	};

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(op, ops[i]))
			return true;
	return false;
}

int ew_input_shapes(struct op_ctx *c, struct ir_tensor *shapes, size_t n)
{
	int64_t bcast, axis;
	struct ir_tensor *a, *b;
	int ret;

	for (size_t i = 0; i < n; i++) {
		const struct ir_tensor *t = op_in(c, i);

		if (!t)
			return op_fail(c, -EINVAL, "missing input %zu", i);
		if (t->rank < 0 || t->rank > IR_MAX_RANK)
			return op_fail(c, -EINVAL, "input '%s' has no known shape", t->name);
		memset(&shapes[i], 0, sizeof(shapes[i]));
		shapes[i].name = t->name;
		shapes[i].dtype = t->dtype;
		shapes[i].rank = t->rank;
		memcpy(shapes[i].dims, t->dims, t->rank * sizeof(*t->dims));
	}
	if (c->g->opset >= 7 || n != 2 || !ew_has_legacy_broadcast(c->node->op_type))
		return 0;
	a = &shapes[0];
	b = &shapes[1];
	ret = op_attr_int(c, "broadcast", 0, &bcast);
	if (!ret)
		ret = op_attr_int(c, "axis", a->rank - b->rank, &axis);
	if (ret)
		return ret;
	if (!bcast) {
		if (a->rank != b->rank || memcmp(a->dims, b->dims, a->rank * sizeof(*a->dims)))
			return op_fail(c, -EINVAL, "shapes of '%s' and '%s' differ (no broadcast attribute)",
				       a->name, b->name);
		return 0;
	}
	if (axis < 0)
		axis += a->rank;
	if (axis < 0 || b->rank > a->rank || axis > a->rank - b->rank)
		return op_fail(c, -EINVAL, "'%s' (rank %d) does not fit '%s' (rank %d) at axis %lld",
			       b->name, b->rank, a->name, a->rank, (long long)axis);
	{
		int64_t dims[IR_MAX_RANK];

		for (int d = 0; d < a->rank; d++)
			dims[d] = 1;
		for (int d = 0; d < b->rank; d++) {
			/* A dim of 1 repeats, as the Caffe2 exporters that wrote these models relied on. */
			if (b->dims[d] != a->dims[axis + d] && b->dims[d] != 1)
				return op_fail(c, -EINVAL, "'%s' dim %d is %lld, '%s' has %lld there",
					       b->name, d, (long long)b->dims[d], a->name,
					       (long long)a->dims[axis + d]);
			dims[axis + d] = b->dims[d];
		}
		b->rank = a->rank;
		memcpy(b->dims, dims, a->rank * sizeof(*dims));
	}
	return 0;
}

/* Unary ops ---------------------------------------------------------------------------------- */

/* The attributes a unary op reads, with its defaults. */
struct unary_params {
	float alpha, beta, gamma, lambd, bias;
	int64_t detect_negative, detect_positive;
};

enum {
	P_ALPHA = 1, P_BETA = 2, P_GAMMA = 4, P_LAMBD = 8, P_BIAS = 16, P_DETECT = 32,
};

struct unary_def {
	const char *op;
	unsigned int types;	/* input types accepted */
	bool to_bool;		/* output bool (IsNaN, IsInf) rather than the input's type */
	unsigned int reads;	/* P_* */
	struct unary_params def;
	double (*f)(double x, const struct unary_params *p);
	/* Signed integers, when the op takes them. */
	int64_t (*s)(int64_t x, const struct unary_params *p);
	/* Unsigned integers (their bits in an int64), when the op takes them. */
	int64_t (*u)(int64_t x, const struct unary_params *p);
};

/* Round half to even without depending on the floating-point environment's rounding mode. */
static double round_half_even(double x)
{
	double r = floor(x), d = x - r;

	if (d > 0.5 || (d == 0.5 && fmod(r, 2.0) != 0.0))
		r += 1.0;
	return r;
}

/* The maths, one line each; @p holds the attributes (already defaulted). */
#define UF(name, expr) \
	static double uf_##name(double x, const struct unary_params *p) { (void)p; return (expr); }
UF(abs, fabs(x))
UF(neg, -x)
UF(sign, x > 0 ? 1.0 : x < 0 ? -1.0 : x)
UF(floor, floor(x))
UF(ceil, ceil(x))
UF(round, round_half_even(x))
UF(sqrt, sqrt(x))
UF(reciprocal, 1.0 / x)
UF(exp, exp(x))
UF(log, log(x))
UF(sin, sin(x))
UF(cos, cos(x))
UF(tan, tan(x))
UF(asin, asin(x))
UF(acos, acos(x))
UF(atan, atan(x))
UF(sinh, sinh(x))
UF(cosh, cosh(x))
UF(asinh, asinh(x))
UF(acosh, acosh(x))
UF(atanh, atanh(x))
UF(erf, erf(x))
UF(sigmoid, x >= 0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x)))
UF(tanh, tanh(x))
UF(relu, x > 0 ? x : (x == x ? 0.0 : x))
UF(leakyrelu, x < 0 ? p->alpha * x : x)
UF(elu, x < 0 ? p->alpha * (exp(x) - 1.0) : x)
UF(selu, x > 0 ? p->gamma * x : p->gamma * (p->alpha * exp(x) - p->alpha))
UF(celu, fmax(0.0, x) + fmin(0.0, p->alpha * (exp(x / p->alpha) - 1.0)))
/* log(1 + e^x) without overflowing e^x. */
UF(softplus, x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)))
UF(softsign, x / (1.0 + fabs(x)))
UF(hardsigmoid, fmax(0.0, fmin(1.0, p->alpha * x + p->beta)))
UF(hardswish, x * fmax(0.0, fmin(1.0, x / 6.0 + 0.5)))
UF(thresholdedrelu, x > p->alpha ? x : 0.0)
UF(shrink, x < -p->lambd ? x + p->bias : x > p->lambd ? x - p->bias : 0.0)
UF(not, x == 0 ? 1.0 : 0.0)
UF(isnan, isnan(x) ? 1.0 : 0.0)
UF(isinf, (isinf(x) && ((x > 0 && p->detect_positive) || (x < 0 && p->detect_negative))) ? 1.0 : 0.0)
#undef UF

/* Integer versions: arithmetic through uint64 wraps instead of overflowing (INT64_MIN). */
static int64_t us_abs(int64_t x, const struct unary_params *p) { (void)p; return x < 0 ? (int64_t)(0 - (uint64_t)x) : x; }
static int64_t us_neg(int64_t x, const struct unary_params *p) { (void)p; return (int64_t)(0 - (uint64_t)x); }
static int64_t us_sign(int64_t x, const struct unary_params *p) { (void)p; return x > 0 ? 1 : x < 0 ? -1 : 0; }
static int64_t us_relu(int64_t x, const struct unary_params *p) { (void)p; return x > 0 ? x : 0; }
static int64_t uu_abs(int64_t x, const struct unary_params *p) { (void)p; return x; }
static int64_t uu_sign(int64_t x, const struct unary_params *p) { (void)p; return x != 0; }

/* Selu's defaults: the float32 values of ONNX's (1.67326..., 1.05070...). */
#define SELU_ALPHA 1.67326319217681884765625f
#define SELU_GAMMA 1.05070102214813232421875f

static const struct unary_def unary_defs[] = {
	{ "Abs", EW_T_NUM, false, 0, { 0 }, uf_abs, us_abs, uu_abs },
	{ "Neg", EW_T_FLOAT | EW_T_SINT, false, 0, { 0 }, uf_neg, us_neg, NULL },
	{ "Sign", EW_T_NUM, false, 0, { 0 }, uf_sign, us_sign, uu_sign },
	{ "Floor", EW_T_FLOAT, false, 0, { 0 }, uf_floor, NULL, NULL },
	{ "Ceil", EW_T_FLOAT, false, 0, { 0 }, uf_ceil, NULL, NULL },
	{ "Round", EW_T_FLOAT, false, 0, { 0 }, uf_round, NULL, NULL },
	{ "Sqrt", EW_T_FLOAT, false, 0, { 0 }, uf_sqrt, NULL, NULL },
	{ "Reciprocal", EW_T_FLOAT, false, 0, { 0 }, uf_reciprocal, NULL, NULL },
	{ "Exp", EW_T_FLOAT, false, 0, { 0 }, uf_exp, NULL, NULL },
	{ "Log", EW_T_FLOAT, false, 0, { 0 }, uf_log, NULL, NULL },
	{ "Sin", EW_T_FLOAT, false, 0, { 0 }, uf_sin, NULL, NULL },
	{ "Cos", EW_T_FLOAT, false, 0, { 0 }, uf_cos, NULL, NULL },
	{ "Tan", EW_T_FLOAT, false, 0, { 0 }, uf_tan, NULL, NULL },
	{ "Asin", EW_T_FLOAT, false, 0, { 0 }, uf_asin, NULL, NULL },
	{ "Acos", EW_T_FLOAT, false, 0, { 0 }, uf_acos, NULL, NULL },
	{ "Atan", EW_T_FLOAT, false, 0, { 0 }, uf_atan, NULL, NULL },
	{ "Sinh", EW_T_FLOAT, false, 0, { 0 }, uf_sinh, NULL, NULL },
	{ "Cosh", EW_T_FLOAT, false, 0, { 0 }, uf_cosh, NULL, NULL },
	{ "Asinh", EW_T_FLOAT, false, 0, { 0 }, uf_asinh, NULL, NULL },
	{ "Acosh", EW_T_FLOAT, false, 0, { 0 }, uf_acosh, NULL, NULL },
	{ "Atanh", EW_T_FLOAT, false, 0, { 0 }, uf_atanh, NULL, NULL },
	{ "Erf", EW_T_FLOAT, false, 0, { 0 }, uf_erf, NULL, NULL },
	{ "Sigmoid", EW_T_FLOAT, false, 0, { 0 }, uf_sigmoid, NULL, NULL },
	{ "Tanh", EW_T_FLOAT, false, 0, { 0 }, uf_tanh, NULL, NULL },
	{ "Relu", EW_T_FLOAT | EW_T_SINT, false, 0, { 0 }, uf_relu, us_relu, NULL },
	{ "LeakyRelu", EW_T_FLOAT, false, P_ALPHA, { .alpha = 0.01f }, uf_leakyrelu, NULL, NULL },
	{ "Elu", EW_T_FLOAT, false, P_ALPHA, { .alpha = 1.0f }, uf_elu, NULL, NULL },
	{ "Selu", EW_T_FLOAT, false, P_ALPHA | P_GAMMA, { .alpha = SELU_ALPHA, .gamma = SELU_GAMMA },
	  uf_selu, NULL, NULL },
	{ "Celu", EW_T_FLOAT, false, P_ALPHA, { .alpha = 1.0f }, uf_celu, NULL, NULL },
	{ "Softplus", EW_T_FLOAT, false, 0, { 0 }, uf_softplus, NULL, NULL },
	{ "Softsign", EW_T_FLOAT, false, 0, { 0 }, uf_softsign, NULL, NULL },
	{ "HardSigmoid", EW_T_FLOAT, false, P_ALPHA | P_BETA, { .alpha = 0.2f, .beta = 0.5f },
	  uf_hardsigmoid, NULL, NULL },
	{ "HardSwish", EW_T_FLOAT, false, 0, { 0 }, uf_hardswish, NULL, NULL },
	{ "ThresholdedRelu", EW_T_FLOAT, false, P_ALPHA, { .alpha = 1.0f }, uf_thresholdedrelu, NULL,
	  NULL },
	/* Shrink takes every numeric type: integers through double, which holds their results. */
	{ "Shrink", EW_T_NUM, false, P_LAMBD | P_BIAS, { .lambd = 0.5f }, uf_shrink, NULL, NULL },
	{ "Not", EW_T_BOOL, false, 0, { 0 }, uf_not, NULL, NULL },
	{ "IsNaN", EW_T_FLOAT, true, 0, { 0 }, uf_isnan, NULL, NULL },
	{ "IsInf", EW_T_FLOAT, true, P_DETECT, { .detect_negative = 1, .detect_positive = 1 },
	  uf_isinf, NULL, NULL },
};

static const struct unary_def *unary_find(const char *op)
{
	for (size_t i = 0; i < sizeof(unary_defs) / sizeof(unary_defs[0]); i++)
		if (!strcmp(unary_defs[i].op, op))
			return &unary_defs[i];
	return NULL;
}

/* The attributes @u reads, checked and defaulted. */
static int unary_read_params(struct op_ctx *c, const struct unary_def *u, struct unary_params *p)
{
	int ret = 0;

	*p = u->def;
	if (u->reads & P_ALPHA)
		ret = op_attr_float(c, "alpha", u->def.alpha, &p->alpha);
	if (!ret && (u->reads & P_BETA))
		ret = op_attr_float(c, "beta", u->def.beta, &p->beta);
	if (!ret && (u->reads & P_GAMMA))
		ret = op_attr_float(c, "gamma", u->def.gamma, &p->gamma);
	if (!ret && (u->reads & P_LAMBD))
		ret = op_attr_float(c, "lambd", u->def.lambd, &p->lambd);
	if (!ret && (u->reads & P_BIAS))
		ret = op_attr_float(c, "bias", u->def.bias, &p->bias);
	if (!ret && (u->reads & P_DETECT))
		ret = op_attr_int(c, "detect_negative", 1, &p->detect_negative);
	if (!ret && (u->reads & P_DETECT))
		ret = op_attr_int(c, "detect_positive", 1, &p->detect_positive);
	if (ret)
		return ret;
	if (!strcmp(u->op, "Celu") && p->alpha == 0)
		return op_fail(c, -EINVAL, "alpha must not be 0");
	return 0;
}

/* Unary elementwise: Relu, Sigmoid, Tanh, Identity, ... output = input. */
int op_infer_unary(struct op_ctx *c)
{
	int ret = op_need_inputs(c, 1);

	if (ret)
		return ret;
	op_set_shape(op_out(c, 0), op_in(c, 0)->dtype, op_in(c, 0)->rank, op_in(c, 0)->dims);
	return 0;
}

static int infer_unary_def(struct op_ctx *c)
{
	const struct unary_def *u = unary_find(c->node->op_type);
	struct unary_params p;
	const struct ir_tensor *x;
	int ret = op_need_inputs(c, 1);

	if (ret)
		return ret;
	if (!u)
		return op_fail(c, -EOPNOTSUPP, "not a unary elementwise op");
	x = op_in(c, 0);
	if (!ew_type_in(x->dtype, u->types))
		return op_fail(c, -EINVAL, "input of type %s is not supported by %s",
			       ir_dtype_name(x->dtype), u->op);
	ret = unary_read_params(c, u, &p);
	if (ret)
		return ret;
	op_set_shape(op_out(c, 0), u->to_bool ? IR_DTYPE_BOOL : x->dtype, x->rank, x->dims);
	return 0;
}

static int host_unary_def(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct unary_def *u = unary_find(c->node->op_type);
	const struct ir_tensor *x = op_in(c, 0), *y = op_out(c, 0);
	struct unary_params p;
	int64_t n;
	int ret;

	if (!u || !x || !y || !in[0] || !out[0])
		return op_fail(c, -EINVAL, "missing input or output");
	ret = unary_read_params(c, u, &p);
	if (ret)
		return ret;
	n = ir_tensor_numel(x);
	if (n < 0 || n != ir_tensor_numel(y))
		return op_fail(c, -EINVAL, "input and output sizes differ");
	if (u->s && ew_type_in(x->dtype, EW_T_SINT)) {
		for (int64_t i = 0; i < n; i++)
			ew_store_s(y->dtype, out[0], i, u->s(ew_load_s(x->dtype, in[0], i), &p));
		return 0;
	}
	if (u->u && ew_type_in(x->dtype, EW_T_UINT)) {
		for (int64_t i = 0; i < n; i++)
			ew_store_s(y->dtype, out[0], i, u->u(ew_load_s(x->dtype, in[0], i), &p));
		return 0;
	}
	for (int64_t i = 0; i < n; i++)
		ew_store_f(y->dtype, out[0], i, u->f(ew_load_f(x->dtype, in[0], i), &p));
	return 0;
}

/* Identity ----------------------------------------------------------------------------------- */

static int host_identity(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *x = op_in(c, 0), *y = op_out(c, 0);
	int64_t n;

	if (!x || !y || !in[0] || !out[0] || x->dtype != y->dtype)
		return op_fail(c, -EINVAL, "missing input or output");
	n = ir_tensor_numel(x);
	if (n < 0 || n != ir_tensor_numel(y))
		return op_fail(c, -EINVAL, "input and output sizes differ");
	memcpy(out[0], in[0], (size_t)n * ir_dtype_size(x->dtype));
	return 0;
}

/* Clip --------------------------------------------------------------------------------------- */

/*
 * Before opset 11 the bounds are the float attributes min and max (float types only); from 11
 * on, optional scalar inputs 1 and 2 of the input's type (integers too from 12).
 */
static int infer_clip(struct op_ctx *c)
{
	const struct ir_tensor *x;
	float lo, hi;
	int ret = op_need_inputs(c, 1);

	if (ret)
		return ret;
	x = op_in(c, 0);
	if (c->g->opset < 11) {
		if (!ew_type_in(x->dtype, EW_T_FLOAT))
			return op_fail(c, -EINVAL, "input of type %s (want a floating type before opset 11)",
				       ir_dtype_name(x->dtype));
		ret = op_attr_float(c, "min", -FLT_MAX, &lo);
		if (!ret)
			ret = op_attr_float(c, "max", FLT_MAX, &hi);
		if (ret)
			return ret;
	} else {
		if (!ew_type_in(x->dtype, EW_T_NUM))
			return op_fail(c, -EINVAL, "input of type %s is not numeric",
				       ir_dtype_name(x->dtype));
		for (size_t i = 1; i < 3; i++) {
			const struct ir_tensor *b = op_in(c, i);

			if (!b)
				continue;
			if (b->dtype != x->dtype)
				return op_fail(c, -EINVAL, "bound '%s' of type %s, the input is %s", b->name,
					       ir_dtype_name(b->dtype), ir_dtype_name(x->dtype));
			if (ir_tensor_numel(b) != 1)
				return op_fail(c, -EINVAL, "bound '%s' is not a scalar", b->name);
		}
	}
	op_set_shape(op_out(c, 0), x->dtype, x->rank, x->dims);
	return 0;
}

static int host_clip(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *x = op_in(c, 0), *y = op_out(c, 0);
	const struct ir_tensor *tlo = op_in(c, 1), *thi = op_in(c, 2);
	int64_t n;

	if (!x || !y || !in[0] || !out[0])
		return op_fail(c, -EINVAL, "missing input or output");
	n = ir_tensor_numel(x);
	if (n < 0 || n != ir_tensor_numel(y))
		return op_fail(c, -EINVAL, "input and output sizes differ");
	if (c->g->opset < 11 || ew_type_in(x->dtype, EW_T_FLOAT)) {
		double lo = -INFINITY, hi = INFINITY;

		if (c->g->opset < 11) {
			float flo = -FLT_MAX, fhi = FLT_MAX;
			int ret = op_attr_float(c, "min", -FLT_MAX, &flo);

			if (!ret)
				ret = op_attr_float(c, "max", FLT_MAX, &fhi);
			if (ret)
				return ret;
			lo = flo;
			hi = fhi;
		} else {
			if (tlo && in[1] && tlo->dtype == x->dtype)
				lo = ew_load_f(x->dtype, in[1], 0);
			if (thi && in[2] && thi->dtype == x->dtype)
				hi = ew_load_f(x->dtype, in[2], 0);
		}
		for (int64_t i = 0; i < n; i++) {
			double v = ew_load_f(x->dtype, in[0], i);

			/* min(max(x, lo), hi), as numpy.clip: hi wins when lo > hi; NaN stays. */
			v = v < lo ? lo : v;
			v = v > hi ? hi : v;
			ew_store_f(y->dtype, out[0], i, v);
		}
		return 0;
	}
	{
		bool u64 = x->dtype == IR_DTYPE_UINT64;
		int64_t lo = u64 ? 0 : INT64_MIN, hi = u64 ? -1 : INT64_MAX;

		if (tlo && in[1] && tlo->dtype == x->dtype)
			lo = ew_load_s(x->dtype, in[1], 0);
		if (thi && in[2] && thi->dtype == x->dtype)
			hi = ew_load_s(x->dtype, in[2], 0);
		for (int64_t i = 0; i < n; i++) {
			int64_t v = ew_load_s(x->dtype, in[0], i);

			if (u64) {
				v = (uint64_t)v < (uint64_t)lo ? lo : v;
				v = (uint64_t)v > (uint64_t)hi ? hi : v;
			} else {
				v = v < lo ? lo : v;
				v = v > hi ? hi : v;
			}
			ew_store_s(y->dtype, out[0], i, v);
		}
	}
	return 0;
}

/* Cast, CastLike ----------------------------------------------------------------------------- */

/* Cast-1 to Cast-5 named the target type by string. */
static int cast_type_from_name(const char *s, enum ir_dtype *dt)
{
	static const struct { const char *name; enum ir_dtype dt; } names[] = {
		{ "FLOAT", IR_DTYPE_FLOAT }, { "UINT8", IR_DTYPE_UINT8 }, { "INT8", IR_DTYPE_INT8 },
		{ "UINT16", IR_DTYPE_UINT16 }, { "INT16", IR_DTYPE_INT16 }, { "INT32", IR_DTYPE_INT32 },
		{ "INT64", IR_DTYPE_INT64 }, { "BOOL", IR_DTYPE_BOOL }, { "FLOAT16", IR_DTYPE_FLOAT16 },
		{ "DOUBLE", IR_DTYPE_DOUBLE }, { "UINT32", IR_DTYPE_UINT32 },
		{ "UINT64", IR_DTYPE_UINT64 }, { "BFLOAT16", IR_DTYPE_BFLOAT16 },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i].name)) {
			*dt = names[i].dt;
			return 0;
		}
	return -EOPNOTSUPP;
}

/* The type Cast's `to` names (an int from opset 6, a string before). */
static int cast_target(struct op_ctx *c, enum ir_dtype *dt)
{
	const struct ir_attr *a = ir_node_find_attr(c->node, "to");

	if (!a)
		return op_fail(c, -EINVAL, "no 'to' attribute");
	if (a->type == IR_ATTR_STRING) {
		if (cast_type_from_name(a->s, dt))
			return op_fail(c, -EOPNOTSUPP, "cast to unsupported data type '%s'", a->s);
		return 0;
	}
	if (a->type != IR_ATTR_INT)
		return op_fail(c, -EINVAL, "bad attribute type for 'to'");
	if (a->i < 1 || a->i > 31 || !ew_type_in((enum ir_dtype)a->i, EW_T_ALL))
		return op_fail(c, a->i >= 1 && a->i <= 23 ? -EOPNOTSUPP : -EINVAL,
			       "cast to unsupported data type %lld", (long long)a->i);
	*dt = (enum ir_dtype)a->i;
	return 0;
}

static int infer_cast(struct op_ctx *c)
{
	enum ir_dtype to = IR_DTYPE_UNDEFINED;
	int ret = op_need_inputs(c, 1);

	if (ret)
		return ret;
	if (!ew_type_in(op_in(c, 0)->dtype, EW_T_ALL))
		return op_fail(c, -EOPNOTSUPP, "cast from unsupported data type %s",
			       ir_dtype_name(op_in(c, 0)->dtype));
	if (!strcmp(c->node->op_type, "CastLike")) {
		ret = op_need_inputs(c, 2);
		if (ret)
			return ret;
		to = op_in(c, 1)->dtype;
		if (!ew_type_in(to, EW_T_ALL))
			return op_fail(c, -EOPNOTSUPP, "cast to unsupported data type %s",
				       ir_dtype_name(to));
	} else {
		ret = cast_target(c, &to);
		if (ret)
			return ret;
	}
	op_set_shape(op_out(c, 0), to, op_in(c, 0)->rank, op_in(c, 0)->dims);
	return 0;
}

static int host_cast(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *x = op_in(c, 0), *y = op_out(c, 0);
	enum ir_dtype from, to;
	int64_t n;

	if (!x || !y || !in[0] || !out[0])
		return op_fail(c, -EINVAL, "missing input or output");
	from = x->dtype;
	to = y->dtype;
	n = ir_tensor_numel(x);
	if (n < 0 || n != ir_tensor_numel(y) || !ew_type_in(from, EW_T_ALL) || !ew_type_in(to, EW_T_ALL))
		return op_fail(c, -EINVAL, "bad cast from %s to %s", ir_dtype_name(from),
			       ir_dtype_name(to));
	if (from == to) {
		memcpy(out[0], in[0], (size_t)n * ir_dtype_size(from));
		return 0;
	}
	if (to == IR_DTYPE_BFLOAT16 && from != IR_DTYPE_BOOL) {
		/*
		 * To bfloat16, Cast keeps the float value's upper 16 bits (truncation): what the
		 * onnx 1.12 reference computed and its test data (Debian's libonnx-testdata) expects,
		 * one bfloat16 step away from rounding. NaN stays a quiet NaN.
		 */
		for (int64_t i = 0; i < n; i++) {
			float f = (float)ew_load_f(from, in[0], i);
			uint32_t bits;

			memcpy(&bits, &f, sizeof(bits));
			((uint16_t *)out[0])[i] = isnan(f) ? (uint16_t)((bits >> 16) | 0x40)
							   : (uint16_t)(bits >> 16);
		}
		return 0;
	}
	if (ew_type_in(from, EW_T_FLOAT) || ew_type_in(to, EW_T_FLOAT)) {
		for (int64_t i = 0; i < n; i++)
			ew_store_f(to, out[0], i, ew_load_f(from, in[0], i));
		return 0;
	}
	/* Integer and bool to integer and bool: wrap (bool: != 0). */
	for (int64_t i = 0; i < n; i++)
		ew_store_s(to, out[0], i, ew_load_s(from, in[0], i));
	return 0;
}

const struct op_def op_defs_elementwise[] = {
	{ "Abs", infer_unary_def, host_unary_def },
	{ "Neg", infer_unary_def, host_unary_def },
	{ "Sign", infer_unary_def, host_unary_def },
	{ "Floor", infer_unary_def, host_unary_def },
	{ "Ceil", infer_unary_def, host_unary_def },
	{ "Round", infer_unary_def, host_unary_def },
	{ "Sqrt", infer_unary_def, host_unary_def },
	{ "Reciprocal", infer_unary_def, host_unary_def },
	{ "Exp", infer_unary_def, host_unary_def },
	{ "Log", infer_unary_def, host_unary_def },
	{ "Sin", infer_unary_def, host_unary_def },
	{ "Cos", infer_unary_def, host_unary_def },
	{ "Tan", infer_unary_def, host_unary_def },
	{ "Asin", infer_unary_def, host_unary_def },
	{ "Acos", infer_unary_def, host_unary_def },
	{ "Atan", infer_unary_def, host_unary_def },
	{ "Sinh", infer_unary_def, host_unary_def },
	{ "Cosh", infer_unary_def, host_unary_def },
	{ "Asinh", infer_unary_def, host_unary_def },
	{ "Acosh", infer_unary_def, host_unary_def },
	{ "Atanh", infer_unary_def, host_unary_def },
	{ "Erf", infer_unary_def, host_unary_def },
	{ "Sigmoid", infer_unary_def, host_unary_def },
	{ "Tanh", infer_unary_def, host_unary_def },
	{ "Relu", infer_unary_def, host_unary_def },
	{ "LeakyRelu", infer_unary_def, host_unary_def },
	{ "Elu", infer_unary_def, host_unary_def },
	{ "Selu", infer_unary_def, host_unary_def },
	{ "Celu", infer_unary_def, host_unary_def },
	{ "Softplus", infer_unary_def, host_unary_def },
	{ "Softsign", infer_unary_def, host_unary_def },
	{ "HardSigmoid", infer_unary_def, host_unary_def },
	{ "HardSwish", infer_unary_def, host_unary_def },
	{ "ThresholdedRelu", infer_unary_def, host_unary_def },
	{ "Shrink", infer_unary_def, host_unary_def },
	{ "Not", infer_unary_def, host_unary_def },
	{ "IsNaN", infer_unary_def, host_unary_def },
	{ "IsInf", infer_unary_def, host_unary_def },
	{ "Identity", op_infer_unary, host_identity },
	{ "Clip", infer_clip, host_clip },
	{ "Cast", infer_cast, host_cast },
	{ "CastLike", infer_cast, host_cast },
	{ NULL, NULL, NULL },
};

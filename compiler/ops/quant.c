// SPDX-License-Identifier: MIT
/*
 * Linear quantization: QuantizeLinear, DequantizeLinear (opsets 10 to 18: per tensor, and per
 * axis since 13; int8, uint8, and int32 for DequantizeLinear) and DynamicQuantizeLinear (uint8).
 * ONNX's semantics: x / scale in float32, rounded half to even, plus the zero point,
 * saturated; (x - zero point) * scale in float32.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "compiler/ops/quant.h"
#include "compiler/quant_params.h"

bool quant_int_type(enum ir_dtype dt)
{
	return dt == IR_DTYPE_INT8 || dt == IR_DTYPE_UINT8 || dt == IR_DTYPE_INT32;
}

int32_t quant_load(enum ir_dtype dt, const void *p, size_t i)
{
	switch (dt) {
	case IR_DTYPE_INT8:
		return ((const int8_t *)p)[i];
	case IR_DTYPE_UINT8:
		return ((const uint8_t *)p)[i];
	default:
		return ((const int32_t *)p)[i];
	}
}

void quant_store(enum ir_dtype dt, void *p, size_t i, int32_t v)
{
	switch (dt) {
	case IR_DTYPE_INT8:
		((int8_t *)p)[i] = (int8_t)v;
		break;
	case IR_DTYPE_UINT8:
		((uint8_t *)p)[i] = (uint8_t)v;
		break;
	default:
		((int32_t *)p)[i] = v;
		break;
	}
}

void quant_range(enum ir_dtype dt, int32_t *lo, int32_t *hi)
{
	*lo = dt == IR_DTYPE_INT8 ? -128 : 0;
	*hi = dt == IR_DTYPE_INT8 ? 127 : 255;
}

int quant_param_count(struct op_ctx *c, const struct ir_tensor *t, int64_t channels,
		      const char *what, int64_t *count)
{
	int64_t n = ir_tensor_numel(t);

	if (n == 1 && t->rank <= 1) {
		*count = 1;
		return 0;
	}
	if (t->rank == 1 && n == channels) {
		*count = channels;
		return 0;
	}
	return op_fail(c, -EINVAL, "%s must be a scalar or 1-D of %lld elements", what,
		       (long long)channels);
}

/*
 * The axis of a Q/DQ node over @x and the number of its scale's elements (1 per tensor):
 * @axis (normalised) and @inner (elements after that axis) are set for per-axis scales.
 */
static int qdq_axis(struct op_ctx *c, const struct ir_tensor *x, int *axis, int64_t *channels,
		    int64_t *inner)
{
	const struct ir_tensor *s = op_in(c, 1), *zp = op_in(c, 2);
	int64_t a, count = 1, zcount = 1;
	int ret;

	*axis = 0;
	*inner = 1;
	*channels = 1;
	if (s->dtype != IR_DTYPE_FLOAT)
		return op_fail(c, -EOPNOTSUPP, "scale of type %s (only float)", ir_dtype_name(s->dtype));
	if (ir_tensor_numel(s) == 1 && s->rank <= 1)
		goto zero_point;
	ret = op_attr_int(c, "axis", 1, &a) ?: op_axis_norm(c, a, x->rank, axis);
	if (ret)
		return ret;
	ret = quant_param_count(c, s, x->dims[*axis], "scale", &count);
	if (ret)
		return ret;
	*channels = count;
	for (int d = *axis + 1; d < x->rank; d++)
		*inner *= x->dims[d];
zero_point:
	if (!zp)
		return 0;
	ret = quant_param_count(c, zp, *channels, "zero point", &zcount);
	if (ret)
		return ret;
	if (zcount != *channels)
		return op_fail(c, -EINVAL, "zero point and scale differ in size");
	return 0;
}

static int infer_quantize(struct op_ctx *c)
{
	const struct ir_tensor *x, *zp;
	enum ir_dtype out = IR_DTYPE_UINT8;
	int64_t channels, inner;
	int axis, ret = op_need_inputs(c, 2);

	if (ret)
		return ret;
	x = op_in(c, 0);
	zp = op_in(c, 2);
	if (x->dtype != IR_DTYPE_FLOAT && x->dtype != IR_DTYPE_INT32)
		return op_fail(c, -EOPNOTSUPP, "QuantizeLinear of %s", ir_dtype_name(x->dtype));
	if (zp) {
		if (zp->dtype != IR_DTYPE_INT8 && zp->dtype != IR_DTYPE_UINT8)
			return op_fail(c, -EOPNOTSUPP, "zero point of type %s",
				       ir_dtype_name(zp->dtype));
		out = zp->dtype;
	}
	ret = qdq_axis(c, x, &axis, &channels, &inner);
	if (ret)
		return ret;
	op_set_shape(op_out(c, 0), out, x->rank, x->dims);
	return 0;
}

static int host_quantize(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *x = op_in(c, 0), *zp = op_in(c, 2), *y = op_out(c, 0);
	const float *scale = in[1];
	int64_t channels, inner, n = ir_tensor_numel(x);
	int32_t lo, hi;
	int axis, ret;

	ret = qdq_axis(c, x, &axis, &channels, &inner);
	if (ret)
		return ret;
	quant_range(y->dtype, &lo, &hi);
	for (int64_t i = 0; i < n; i++) {
		int64_t ch = channels == 1 ? 0 : (i / inner) % channels;
		int32_t z = zp ? quant_load(zp->dtype, in[2], (size_t)ch) : 0;
		/* ONNX divides in float32 (an int32 x in double: exact up to 2^53). */
		double v = x->dtype == IR_DTYPE_FLOAT ? (double)(((const float *)in[0])[i] / scale[ch])
			   : ((const int32_t *)in[0])[i] / (double)scale[ch];
		double q = quant_round_half_even(v) + z;

		if (isnan(q))
			q = 0;
		q = q < lo ? lo : q > hi ? hi : q;
		quant_store(y->dtype, out[0], (size_t)i, (int32_t)q);
	}
	return 0;
}

static int infer_dequantize(struct op_ctx *c)
{
	const struct ir_tensor *x, *zp;
	int64_t channels, inner;
	int axis, ret = op_need_inputs(c, 2);

	if (ret)
		return ret;
	x = op_in(c, 0);
	zp = op_in(c, 2);
	if (!quant_int_type(x->dtype))
		return op_fail(c, -EOPNOTSUPP, "DequantizeLinear of %s", ir_dtype_name(x->dtype));
	if (zp && zp->dtype != x->dtype)
		return op_fail(c, -EINVAL, "zero point of type %s for x of %s",
			       ir_dtype_name(zp->dtype), ir_dtype_name(x->dtype));
	ret = qdq_axis(c, x, &axis, &channels, &inner);
	if (ret)
		return ret;
	op_set_shape(op_out(c, 0), IR_DTYPE_FLOAT, x->rank, x->dims);
	return 0;
}

static int host_dequantize(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *x = op_in(c, 0), *zp = op_in(c, 2);
	const float *scale = in[1];
	float *y = out[0];
	int64_t channels, inner, n = ir_tensor_numel(x);
	int axis, ret;

	ret = qdq_axis(c, x, &axis, &channels, &inner);
	if (ret)
		return ret;
	for (int64_t i = 0; i < n; i++) {
		int64_t ch = channels == 1 ? 0 : (i / inner) % channels;
		int32_t z = zp ? quant_load(zp->dtype, in[2], (size_t)ch) : 0;

		/* ONNX subtracts in float32; an int32 difference may not be exact there. */
		y[i] = ((float)quant_load(x->dtype, in[0], (size_t)i) - (float)z) * scale[ch];
	}
	return 0;
}

static int infer_dynamic_quantize(struct op_ctx *c)
{
	const struct ir_tensor *x;
	int ret = op_need_inputs(c, 1);

	if (ret)
		return ret;
	x = op_in(c, 0);
	if (x->dtype != IR_DTYPE_FLOAT)
		return op_fail(c, -EOPNOTSUPP, "DynamicQuantizeLinear of %s", ir_dtype_name(x->dtype));
	op_set_shape(op_out(c, 0), IR_DTYPE_UINT8, x->rank, x->dims);
	op_set_shape(op_out(c, 1), IR_DTYPE_FLOAT, 0, NULL);
	op_set_shape(op_out(c, 2), IR_DTYPE_UINT8, 0, NULL);
	return 0;
}

/*
 * uint8 over [min(0, min x), max(0, max x)]: scale = range / 255, zero point = round(-min /
 * scale), all in float32 as ONNX computes them. An all-zero x gets scale 0, zero point 0.
 */
static int host_dynamic_quantize(struct op_ctx *c, const void *const *in, void *const *out)
{
	const float *x = in[0];
	int64_t n = ir_tensor_numel(op_in(c, 0));
	float lo = 0.0f, hi = 0.0f, scale;
	int32_t zp = 0;

	for (int64_t i = 0; i < n; i++) {
		if (isnan(x[i]))
			return op_fail(c, -EINVAL, "NaN in the input");
		lo = fminf(lo, x[i]);
		hi = fmaxf(hi, x[i]);
	}
	scale = (hi - lo) / 255.0f;
	if (scale > 0.0f && isfinite(scale))
		zp = (int32_t)quant_saturate((int64_t)quant_round_half_even((double)(0.0f - lo / scale)),
					     0, 255);
	for (int64_t i = 0; i < n; i++) {
		double q = scale > 0.0f && isfinite(scale)
			   ? quant_round_half_even((double)(x[i] / scale)) + zp : zp;

		((uint8_t *)out[0])[i] = (uint8_t)(q < 0 ? 0 : q > 255 ? 255 : q);
	}
	if (out[1])
		*(float *)out[1] = scale;
	if (out[2])
		*(uint8_t *)out[2] = (uint8_t)zp;
	return 0;
}

const struct op_def op_defs_quant[] = {
	{ "QuantizeLinear", infer_quantize, host_quantize },
	{ "DequantizeLinear", infer_dequantize, host_dequantize },
	{ "DynamicQuantizeLinear", infer_dynamic_quantize, host_dynamic_quantize },
	{ NULL, NULL, NULL },
};

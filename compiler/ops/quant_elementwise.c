// SPDX-License-Identifier: MIT
/*
 * The quantized ops without weights: QLinearAdd, QLinearMul (inputs A, A_scale, A_zero_point,
 * B, B_scale, B_zero_point, C_scale, C_zero_point; numpy broadcasting), QLinearAveragePool and
 * QLinearGlobalAveragePool (X, x_scale, x_zero_point, y_scale, y_zero_point; NCHW), as ONNX
 * Runtime's com.microsoft contrib ops define them, held in the default domain here.
 *
 * Without IR_ATTR_QUANT_REQUANT they compute as ONNX Runtime does: dequantize, compute in
 * float, quantize rounding half to even. With "fixed_point" they compute as the int8 device
 * does (include/uapi/drm/vedge_accel.h, VEDGE_OP_ADD / MUL / AVGPOOL), so that a program
 * lowered to it can be compared bit for bit: ADD rescales both inputs after a << 20
 * (quant_add()), MUL requantizes the 32-bit product by (M, s) of a_scale * b_scale / c_scale,
 * the pools average the stored values (input and output share scale and zero point) rounding
 * half away from zero, padding excluded; a fused Relu or Clip (passes.h) is the output clamp.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/ops/elementwise.h"
#include "compiler/ops/nn.h"
#include "compiler/ops/quant.h"
#include "compiler/passes/passes.h"
#include "compiler/quant_params.h"

static bool fixed_point(const struct op_ctx *c)
{
	const struct ir_attr *a = ir_node_find_attr(c->node, IR_ATTR_QUANT_REQUANT);

	return a && a->type == IR_ATTR_STRING && !strcmp(a->s, IR_QUANT_REQUANT_FIXED_POINT);
}

/* A per-tensor scale (input @si) and zero point (input @zi, absent: 0 of uint8). */
static int qparam(struct op_ctx *c, const void *const *in, size_t si, size_t zi, float *s,
		  int32_t *zp, enum ir_dtype *dt)
{
	const struct ir_tensor *st = op_in(c, si), *zt = op_in(c, zi);

	if (!st || ir_tensor_numel(st) != 1 || (zt && ir_tensor_numel(zt) != 1))
		return op_fail(c, -EOPNOTSUPP, "a scale or zero point that is not per tensor");
	*s = *(const float *)in[si];
	if (!(*s > 0))
		return op_fail(c, -EINVAL, "a scale must be > 0");
	*zp = zt ? quant_load(zt->dtype, in[zi], 0) : 0;
	if (dt)
		*dt = zt ? zt->dtype : IR_DTYPE_UINT8;
	return 0;
}

/* The output clamp: the type's range, narrowed by a fused Relu or Clip in fixed point. */
static int out_clamp(struct op_ctx *c, enum ir_dtype dt, float s, int32_t zp, bool fixed,
		     int32_t *lo, int32_t *hi)
{
	int act = ir_node_fused_activation(c->node);
	float a, b;

	quant_range(dt, lo, hi);
	if (act == IR_ACTIVATION_NONE)
		return 0;
	if (!fixed || dt != IR_DTYPE_INT8)
		return op_fail(c, -EOPNOTSUPP, "a fused activation without fixed point on int8");
	if (act == IR_ACTIVATION_RELU) {
		quant_act_range(QUANT_ACT_RELU, 0, 0, s, (int8_t)zp, lo, hi);
		return 0;
	}
	if (act == IR_ACTIVATION_CLIP && !ir_node_fused_clip_bounds(c->node, &a, &b)) {
		quant_act_range(QUANT_ACT_CLIP, a, b, s, (int8_t)zp, lo, hi);
		return 0;
	}
	return op_fail(c, -EOPNOTSUPP, "fused activation %d on a quantized node", act);
}

/* ---- QLinearAdd, QLinearMul -------------------------------------------------------------- */

static int infer_qbinary(struct op_ctx *c)
{
	struct ir_tensor *a = op_in(c, 0), *b = op_in(c, 3);
	int64_t dims[IR_MAX_RANK];
	int rank, ret;

	ret = op_need_inputs(c, 7);
	if (ret)
		return ret;
	if (!b || !quant_int_type(a->dtype) || a->dtype == IR_DTYPE_INT32 || b->dtype != a->dtype)
		return op_fail(c, -EINVAL, "A and B must both be int8 or uint8");
	ret = op_broadcast(c, a, b, dims, &rank);
	if (ret)
		return ret;
	op_set_shape(op_out(c, 0), op_in(c, 7) ? op_in(c, 7)->dtype : IR_DTYPE_UINT8, rank, dims);
	return 0;
}

static int host_qbinary(struct op_ctx *c, const void *const *in, void *const *out, bool mul)
{
	const struct ir_tensor *a = op_in(c, 0), *b = op_in(c, 3), *y = op_out(c, 0);
	struct ir_tensor shapes[2];
	struct quant_add_params ap;
	struct quant_multiplier mm;
	struct ew_iter it;
	enum ir_dtype ydt;
	float as, bs, ys;
	int32_t azp, bzp, yzp, lo, hi;
	bool fixed = fixed_point(c);
	int ret;

	ret = qparam(c, in, 1, 2, &as, &azp, NULL) ?: qparam(c, in, 4, 5, &bs, &bzp, NULL) ?:
	      qparam(c, in, 6, 7, &ys, &yzp, &ydt);
	if (ret)
		return ret;
	ret = out_clamp(c, ydt, ys, yzp, fixed, &lo, &hi);
	if (ret)
		return ret;
	if (fixed) {
		if (a->dtype != IR_DTYPE_INT8 || ydt != IR_DTYPE_INT8)
			return op_fail(c, -EOPNOTSUPP, "fixed point wants int8 operands");
		if (mul ? quant_multiplier_from_real((double)as * bs / ys, &mm) :
			  quant_add_params(as, bs, ys, &ap))
			return op_fail(c, -EINVAL, "scales out of range for fixed point");
	}
	shapes[0] = *a;
	shapes[1] = *b;
	ret = ew_iter_init(c, &it, y, shapes, 2);
	if (ret)
		return ret;
	for (int64_t i = 0; i < it.numel; i++, ew_iter_next(&it)) {
		int32_t qa = quant_load(a->dtype, in[0], (size_t)it.off[0]);
		int32_t qb = quant_load(b->dtype, in[3], (size_t)it.off[1]);
		int64_t v;

		if (fixed && mul) {
			v = (int64_t)quant_requant((qa - azp) * (qb - bzp), mm) + yzp;
		} else if (fixed) {
			v = quant_add((int8_t)qa, (int8_t)azp, (int8_t)qb, (int8_t)bzp, (int8_t)yzp,
				      &ap, lo, hi);
		} else {
			double fa = (double)(float)((qa - azp) * as), fb = (double)(float)((qb - bzp) * bs);
			float r = mul ? (float)(fa * fb) : (float)(fa + fb);

			v = (int64_t)quant_round_half_even((double)(r / ys)) + yzp;
		}
		quant_store(ydt, out[0], (size_t)i, (int32_t)quant_saturate(v, lo, hi));
	}
	return 0;
}

static int host_qlinear_add(struct op_ctx *c, const void *const *in, void *const *out)
{
	return host_qbinary(c, in, out, false);
}

static int host_qlinear_mul(struct op_ctx *c, const void *const *in, void *const *out)
{
	return host_qbinary(c, in, out, true);
}

/* ---- QLinearAveragePool, QLinearGlobalAveragePool ---------------------------------------- */

struct qpool {
	int64_t k[2], s[2], p[4];
	bool include_pad;
};

static int qpool_setup(struct op_ctx *c, struct qpool *q)
{
	const struct ir_tensor *x = op_in(c, 0);
	const struct ir_attr *ap = ir_node_find_attr(c->node, "auto_pad");
	int64_t v;
	int ret;

	if (!strcmp(c->node->op_type, "QLinearGlobalAveragePool")) {
		q->k[0] = x->dims[2];
		q->k[1] = x->dims[3];
		q->s[0] = q->s[1] = 1;
		memset(q->p, 0, sizeof(q->p));
		q->include_pad = false;
		return 0;
	}
	if (ap && ap->type == IR_ATTR_STRING && strcmp(ap->s, "NOTSET"))
		return op_fail(c, -EOPNOTSUPP, "auto_pad %s", ap->s);
	ret = op_attr_ints(c, "kernel_shape", 2, 1, q->k, NULL) ?:
	      op_attr_ints(c, "strides", 2, 1, q->s, NULL) ?:
	      op_attr_ints(c, "pads", 4, 0, q->p, NULL);
	if (ret)
		return ret;
	ret = op_attr_int(c, "ceil_mode", 0, &v);
	if (ret)
		return ret;
	if (v)
		return op_fail(c, -EOPNOTSUPP, "ceil_mode");
	ret = op_attr_int(c, "channels_last", 0, &v);
	if (ret)
		return ret;
	if (v)
		return op_fail(c, -EOPNOTSUPP, "channels_last");
	ret = op_attr_int(c, "count_include_pad", 0, &v);
	q->include_pad = v;
	if (q->k[0] < 1 || q->k[1] < 1 || q->s[0] < 1 || q->s[1] < 1)
		return op_fail(c, -EINVAL, "kernel and strides must be >= 1");
	for (int i = 0; i < 4; i++)
		if (q->p[i] < 0)
			return op_fail(c, -EINVAL, "negative padding");
	return ret;
}

static int infer_qpool(struct op_ctx *c)
{
	const struct ir_tensor *x = op_in(c, 0);
	int64_t dims[4];
	struct qpool q;
	int ret;

	ret = op_need_inputs(c, 4);
	if (ret)
		return ret;
	if (x->rank != 4 || (x->dtype != IR_DTYPE_INT8 && x->dtype != IR_DTYPE_UINT8))
		return op_fail(c, -EINVAL, "X must be a 4-D int8 or uint8 tensor");
	ret = qpool_setup(c, &q);
	if (ret)
		return ret;
	dims[0] = x->dims[0];
	dims[1] = x->dims[1];
	for (int d = 0; d < 2; d++) {
		int64_t span = x->dims[2 + d] + q.p[d] + q.p[d + 2] - q.k[d];

		if (span < 0)
			return op_fail(c, -EINVAL, "window larger than the padded input");
		dims[2 + d] = span / q.s[d] + 1;
	}
	op_set_shape(op_out(c, 0), op_in(c, 4) ? op_in(c, 4)->dtype : x->dtype, 4, dims);
	return 0;
}

static int host_qpool(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *x = op_in(c, 0), *y = op_out(c, 0);
	int64_t ih = x->dims[2], iw = x->dims[3], oh = y->dims[2], ow = y->dims[3];
	bool fixed = fixed_point(c);
	enum ir_dtype ydt;
	float xs, ys;
	int32_t xzp, yzp, lo, hi;
	struct qpool q;
	int ret;

	ret = qpool_setup(c, &q) ?: qparam(c, in, 1, 2, &xs, &xzp, NULL) ?:
	      qparam(c, in, 3, 4, &ys, &yzp, &ydt);
	if (ret)
		return ret;
	quant_range(ydt, &lo, &hi);
	if (fixed && (xs != ys || xzp != yzp || q.include_pad || x->dtype != IR_DTYPE_INT8))
		return op_fail(c, -EOPNOTSUPP, "fixed point wants int8 with the input's scale and "
			       "zero point on the output and padding excluded");
	for (int64_t nc = 0; nc < x->dims[0] * x->dims[1]; nc++)
		for (int64_t oy = 0; oy < oh; oy++)
			for (int64_t ox = 0; ox < ow; ox++) {
				int64_t sum = 0, n = 0, v;

				for (int64_t ky = 0; ky < q.k[0]; ky++) {
					int64_t iy = oy * q.s[0] - q.p[0] + ky;

					for (int64_t kx = 0; kx < q.k[1]; kx++) {
						int64_t ix = ox * q.s[1] - q.p[1] + kx;

						if (iy < 0 || iy >= ih || ix < 0 || ix >= iw) {
							n += q.include_pad;
							/* Padding is the real value 0: the zero point. */
							sum += q.include_pad ? xzp : 0;
							continue;
						}
						sum += quant_load(x->dtype, in[0],
								  (size_t)((nc * ih + iy) * iw + ix));
						n++;
					}
				}
				if (!n) {
					v = yzp;
				} else if (fixed) {
					int64_t mag = sum < 0 ? -sum : sum;

					v = (2 * mag + n) / (2 * n);
					v = sum < 0 ? -v : v;
				} else {
					float avg = (float)((double)(sum - n * xzp) * xs / (double)n);

					v = (int64_t)quant_round_half_even((double)(avg / ys)) + yzp;
				}
				quant_store(ydt, out[0], (size_t)((nc * oh + oy) * ow + ox),
					    (int32_t)quant_saturate(v, lo, hi));
			}
	return 0;
}

const struct op_def op_defs_quant_elementwise[] = {
	{ "QLinearAdd", infer_qbinary, host_qlinear_add },
	{ "QLinearMul", infer_qbinary, host_qlinear_mul },
	{ "QLinearAveragePool", infer_qpool, host_qpool },
	{ "QLinearGlobalAveragePool", infer_qpool, host_qpool },
	{ NULL, NULL, NULL },
};

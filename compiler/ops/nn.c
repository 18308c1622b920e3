// SPDX-License-Identifier: MIT
/*
 * Neural-network layers: what the families nn_conv.c, nn_pool.c, nn_norm.c and nn_loss.c share
 * (compiler/ops/nn.h), and the softmax family (Softmax, LogSoftmax, Hardmax) and Dropout.
 * Shape inference follows the ONNX operator specification for opsets 1 to 17 (compiler/op.h);
 * the host kernels compute in double.
 */
#include "compiler/ops/nn.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/tensor_compare.h"

int64_t nn_numel(const int64_t *dims, int n)
{
	int64_t p = 1;

	for (int i = 0; i < n; i++)
		p *= dims[i];
	return p;
}

int nn_nomem(struct op_ctx *c)
{
	return op_fail(c, -ENOMEM, "out of memory");
}

int nn_need_float(struct op_ctx *c, const struct ir_tensor *t, const char *what)
{
	if (!op_dtype_is_float(t->dtype))
		return op_fail(c, -EINVAL, "%s '%s' of type %s (want a floating type)", what, t->name,
			       ir_dtype_name(t->dtype));
	return 0;
}

int nn_need_same_type(struct op_ctx *c, const struct ir_tensor *x, const struct ir_tensor *t)
{
	if (t && t->dtype != x->dtype)
		return op_fail(c, -EINVAL, "'%s' of type %s, '%s' of type %s (want the same)", x->name,
			       ir_dtype_name(x->dtype), t->name, ir_dtype_name(t->dtype));
	return 0;
}

/* IEEE binary16 nearest to @f, ties to even (what numpy's astype(float16) gives). */
static uint16_t float_to_half(float f)
{
	uint32_t u, sign, mant;
	int32_t e;

	memcpy(&u, &f, sizeof(u));
	sign = (u >> 16) & 0x8000;
	e = (int32_t)((u >> 23) & 0xff) - 127 + 15;
	mant = u & 0x7fffff;
	if (((u >> 23) & 0xff) == 0xff)
		return (uint16_t)(sign | 0x7c00 | (mant ? 0x200 : 0));
	if (e >= 31)
		return (uint16_t)(sign | 0x7c00);
	if (e <= 0) {
		uint32_t shift, half, r;

		if (e < -10)
			return (uint16_t)sign;
		mant |= 0x800000;
		shift = (uint32_t)(14 - e);
		half = 1u << (shift - 1);
		r = mant >> shift;
		if ((mant & ((1u << shift) - 1)) > half || ((mant & ((1u << shift) - 1)) == half && (r & 1)))
			r++;
		return (uint16_t)(sign | r);
	}
	{
		uint32_t r = ((uint32_t)e << 10) | (mant >> 13), rest = mant & 0x1fff;

		/* A carry out of the mantissa rightly bumps the exponent (up to infinity). */
		if (rest > 0x1000 || (rest == 0x1000 && (r & 1)))
			r++;
		return (uint16_t)(sign | r);
	}
}

static uint16_t float_to_bf16(float f)
{
	uint32_t u;

	memcpy(&u, &f, sizeof(u));
	if ((u & 0x7fffffff) > 0x7f800000)
		return (uint16_t)((u >> 16) | 0x40);
	u += 0x7fff + ((u >> 16) & 1);
	return (uint16_t)(u >> 16);
}

double *nn_load(enum ir_dtype dt, const void *p, size_t n)
{
	double *v = malloc((n ? n : 1) * sizeof(*v));

	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		switch (dt) {
		case IR_DTYPE_FLOAT:
			v[i] = ((const float *)p)[i];
			break;
		case IR_DTYPE_DOUBLE:
			v[i] = ((const double *)p)[i];
			break;
		case IR_DTYPE_FLOAT16:
			v[i] = ir_half_to_float(((const uint16_t *)p)[i]);
			break;
		case IR_DTYPE_BFLOAT16:
			v[i] = ir_bf16_to_float(((const uint16_t *)p)[i]);
			break;
		case IR_DTYPE_UINT8:
			v[i] = ((const uint8_t *)p)[i];
			break;
		case IR_DTYPE_INT8:
			v[i] = ((const int8_t *)p)[i];
			break;
		case IR_DTYPE_INT32:
			v[i] = ((const int32_t *)p)[i];
			break;
		case IR_DTYPE_INT64:
			v[i] = (double)((const int64_t *)p)[i];
			break;
		default:
			v[i] = 0;
			break;
		}
	}
	return v;
}

void nn_store(enum ir_dtype dt, void *p, const double *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (dt) {
		case IR_DTYPE_FLOAT:
			((float *)p)[i] = (float)v[i];
			break;
		case IR_DTYPE_DOUBLE:
			((double *)p)[i] = v[i];
			break;
		case IR_DTYPE_FLOAT16:
			((uint16_t *)p)[i] = float_to_half((float)v[i]);
			break;
		case IR_DTYPE_BFLOAT16:
			((uint16_t *)p)[i] = float_to_bf16((float)v[i]);
			break;
		/* The integer types hold what MaxPool picked among their own values: exact. */
		case IR_DTYPE_UINT8:
			((uint8_t *)p)[i] = (uint8_t)v[i];
			break;
		case IR_DTYPE_INT8:
			((int8_t *)p)[i] = (int8_t)v[i];
			break;
		default:
			break;
		}
	}
}

/* The auto_pad attribute: "NOTSET" when absent. */
static int attr_auto_pad(struct op_ctx *c, const char **auto_pad)
{
	const struct ir_attr *ap = ir_node_find_attr(c->node, "auto_pad");

	*auto_pad = "NOTSET";
	if (!ap)
		return 0;
	if (ap->type != IR_ATTR_STRING)
		return op_fail(c, -EINVAL, "bad attribute type for 'auto_pad' (not a string)");
	*auto_pad = ap->s[0] ? ap->s : "NOTSET";
	if (strcmp(*auto_pad, "NOTSET") && strcmp(*auto_pad, "SAME_UPPER") &&
	    strcmp(*auto_pad, "SAME_LOWER") && strcmp(*auto_pad, "VALID"))
		return op_fail(c, -EINVAL, "bad auto_pad '%s'", *auto_pad);
	return 0;
}

int nn_window_resolve(struct op_ctx *c, const struct ir_tensor *x, const int64_t *kernel,
		      bool ceil_ok, struct nn_window *w)
{
	int64_t pads[2 * IR_MAX_RANK], ceil_mode = 0;
	const char *auto_pad;
	int s = x->rank - 2, ret;

	memset(w, 0, sizeof(*w));
	w->spatial = s;
	ret = op_attr_ints(c, "pads", 2 * s, 0, pads, NULL) ?:
	      op_attr_ints(c, "strides", s, 1, w->stride, NULL) ?:
	      op_attr_ints(c, "dilations", s, 1, w->dil, NULL) ?:
	      (ceil_ok ? op_attr_int(c, "ceil_mode", 0, &ceil_mode) : 0) ?:
	      attr_auto_pad(c, &auto_pad);
	if (ret)
		return ret;
	for (int i = 0; i < s; i++) {
		int64_t in = x->dims[2 + i], eff, o;

		w->in[i] = in;
		w->kernel[i] = kernel[i];
		if (w->stride[i] < 1 || w->dil[i] < 1 || kernel[i] < 1 || pads[i] < 0 ||
		    pads[s + i] < 0 || w->stride[i] > IR_MAX_ELEMENTS || w->dil[i] > IR_MAX_ELEMENTS ||
		    kernel[i] > IR_MAX_ELEMENTS || pads[i] > IR_MAX_ELEMENTS ||
		    pads[s + i] > IR_MAX_ELEMENTS || (kernel[i] - 1) > IR_MAX_ELEMENTS / w->dil[i])
			return op_fail(c, -EINVAL, "bad kernel, stride, dilation or pad on axis %d", i);
		eff = (kernel[i] - 1) * w->dil[i] + 1;
		if (!strcmp(auto_pad, "SAME_UPPER") || !strcmp(auto_pad, "SAME_LOWER")) {
			int64_t total;

			o = (in + w->stride[i] - 1) / w->stride[i];
			total = (o - 1) * w->stride[i] + eff - in;
			if (total < 0)
				total = 0;
			/* SAME_UPPER puts the odd pad at the end, SAME_LOWER at the start. */
			w->pad[i] = auto_pad[5] == 'U' ? total / 2 : total - total / 2;
			w->pad_end[i] = total - w->pad[i];
		} else if (!strcmp(auto_pad, "VALID")) {
			if (in < eff)
				return op_fail(c, -EINVAL, "kernel larger than the input on axis %d", i);
			o = (in - eff) / w->stride[i] + 1;
		} else {
			int64_t span = in + pads[i] + pads[s + i] - eff;

			if (span < 0)
				return op_fail(c, -EINVAL, "kernel larger than the padded input on axis %d", i);
			w->pad[i] = pads[i];
			w->pad_end[i] = pads[s + i];
			o = (ceil_mode ? span + w->stride[i] - 1 : span) / w->stride[i] + 1;
			/* A last window that would start in the end padding is dropped (as PyTorch). */
			if (ceil_mode && (o - 1) * w->stride[i] >= in + pads[i])
				o--;
		}
		w->out[i] = o;
	}
	return 0;
}

/* The table's size is bounded: beyond this a host kernel is the wrong tool anyway. */
#define NN_TAPS_MAX (1LL << 28)

int64_t *nn_window_taps(const struct nn_window *w, int64_t *taps, int64_t *outs)
{
	int64_t k_idx[IR_MAX_RANK] = { 0 }, instride[IR_MAX_RANK];
	int64_t *t;
	int s = w->spatial;

	/* Kernel dims come from attributes: their product may not even fit an int64. */
	*taps = 1;
	*outs = nn_numel(w->out, s);
	for (int i = 0; i < s; i++)
		if (__builtin_mul_overflow(*taps, w->kernel[i], taps) || *taps > NN_TAPS_MAX)
			return NULL;
	if (*outs && *taps > NN_TAPS_MAX / *outs)
		return NULL;
	/* One entry at least, so that an empty window still gets a table. */
	t = malloc((size_t)(*taps * *outs) * sizeof(*t) + sizeof(*t));
	if (!t)
		return NULL;
	for (int i = s - 1; i >= 0; i--)
		instride[i] = i == s - 1 ? 1 : instride[i + 1] * w->in[i + 1];
	for (int64_t k = 0; k < *taps; k++) {
		int64_t o_idx[IR_MAX_RANK] = { 0 };

		for (int64_t o = 0; o < *outs; o++) {
			int64_t off = 0;
			int where = 0; /* 0 inside, 1 in the padding, 2 beyond it */

			for (int i = 0; i < s; i++) {
				int64_t p = o_idx[i] * w->stride[i] - w->pad[i] + k_idx[i] * w->dil[i];
				bool inside = p >= 0 && p < w->in[i];
				bool padded = p >= -w->pad[i] && p < w->in[i] + w->pad_end[i];

				/* Only offsets inside the plane are summed: the others could overflow. */
				if (inside)
					off += p * instride[i];
				else
					where = !padded ? 2 : where > 1 ? where : 1;
			}
			t[k * *outs + o] = where ? -where : off;
			for (int i = s - 1; i >= 0 && ++o_idx[i] == w->out[i]; i--)
				o_idx[i] = 0;
		}
		for (int i = s - 1; i >= 0 && ++k_idx[i] == w->kernel[i]; i--)
			k_idx[i] = 0;
	}
	return t;
}

/*
 * The softmax family reduces along one axis: @outer blocks of @n values @inner apart. Before
 * opset 13 the input was coerced to 2-D at the axis: one axis of all the dims from it on.
 */
static int softmax_geometry(struct op_ctx *c, int64_t *outer, int64_t *n, int64_t *inner)
{
	const struct ir_tensor *x = op_in(c, 0);
	int64_t axis;
	int a, ret;

	ret = op_attr_int(c, "axis", c->g->opset >= 13 ? -1 : 1, &axis);
	if (ret)
		return ret;
	ret = op_axis_norm(c, axis, x->rank, &a);
	if (ret)
		return ret;
	*outer = nn_numel(x->dims, a);
	if (c->g->opset < 13) {
		*n = nn_numel(x->dims + a, x->rank - a);
		*inner = 1;
	} else {
		*n = x->dims[a];
		*inner = nn_numel(x->dims + a + 1, x->rank - a - 1);
	}
	return 0;
}

static int infer_softmax(struct op_ctx *c)
{
	int64_t outer, n, inner;
	int ret = op_need_inputs(c, 1);

	if (ret)
		return ret;
	ret = nn_need_float(c, op_in(c, 0), "input") ?: softmax_geometry(c, &outer, &n, &inner);
	if (ret)
		return ret;
	return op_infer_unary(c);
}

/* What a softmax-family kernel does to one row of @n values @inner apart. */
enum softmax_kind { SOFTMAX, LOG_SOFTMAX, HARDMAX };

static void softmax_row(enum softmax_kind kind, double *v, int64_t n, int64_t inner)
{
	double max, sum = 0;
	int64_t arg = 0;

	if (n == 0)
		return;
	max = v[0];
	for (int64_t j = 1; j < n; j++)
		if (v[j * inner] > max) {
			max = v[j * inner];
			arg = j;
		}
	if (kind == HARDMAX) {
		for (int64_t j = 0; j < n; j++)
			v[j * inner] = j == arg;
		return;
	}
	/* Shifted by the max, so that large inputs do not overflow exp(). */
	for (int64_t j = 0; j < n; j++)
		sum += exp(v[j * inner] - max);
	for (int64_t j = 0; j < n; j++)
		v[j * inner] = kind == SOFTMAX ? exp(v[j * inner] - max) / sum :
						 v[j * inner] - max - log(sum);
}

static int host_softmax_kind(struct op_ctx *c, const void *const *in, void *const *out,
			     enum softmax_kind kind)
{
	const struct ir_tensor *x = op_in(c, 0);
	int64_t outer, n, inner, numel = ir_tensor_numel(x);
	double *v;
	int ret = softmax_geometry(c, &outer, &n, &inner);

	if (ret)
		return ret;
	v = nn_load(x->dtype, in[0], (size_t)numel);
	if (!v)
		return nn_nomem(c);
	for (int64_t o = 0; o < outer; o++)
		for (int64_t i = 0; i < inner; i++)
			softmax_row(kind, v + o * n * inner + i, n, inner);
	nn_store(x->dtype, out[0], v, (size_t)numel);
	free(v);
	return 0;
}

static int host_softmax(struct op_ctx *c, const void *const *in, void *const *out)
{
	return host_softmax_kind(c, in, out, SOFTMAX);
}

static int host_log_softmax(struct op_ctx *c, const void *const *in, void *const *out)
{
	return host_softmax_kind(c, in, out, LOG_SOFTMAX);
}

static int host_hardmax(struct op_ctx *c, const void *const *in, void *const *out)
{
	return host_softmax_kind(c, in, out, HARDMAX);
}

/*
 * Dropout: Y as X, the optional mask of X's shape (bool from opset 10, X's type before). Only
 * inference is computed: opsets 1-6 say so with is_test, 7-11 always infer, 12 on take a
 * training_mode input (training with a ratio of 0 is the identity too; other training runs
 * are random and refused by the kernel).
 */
static int infer_dropout(struct op_ctx *c)
{
	const struct ir_tensor *x, *ratio, *mode;
	int64_t is_test;
	float r;
	int ret = op_need_inputs(c, 1);

	if (ret)
		return ret;
	x = op_in(c, 0);
	ret = nn_need_float(c, x, "input") ?: op_attr_float(c, "ratio", 0.5f, &r) ?:
	      op_attr_int(c, "is_test", 0, &is_test);
	if (ret)
		return ret;
	if (c->g->opset < 7 && !is_test && r != 0)
		return op_fail(c, -EOPNOTSUPP, "training-mode dropout (is_test = 0) is random");
	ratio = op_in(c, 1);
	mode = op_in(c, 2);
	if (c->g->opset >= 12 && ratio && (ratio->rank != 0 || !op_dtype_is_float(ratio->dtype)))
		return op_fail(c, -EINVAL, "ratio must be a floating scalar");
	if (c->g->opset >= 12 && mode && (mode->rank != 0 || mode->dtype != IR_DTYPE_BOOL))
		return op_fail(c, -EINVAL, "training_mode must be a bool scalar");
	op_set_shape(op_out(c, 0), x->dtype, x->rank, x->dims);
	op_set_shape(op_out(c, 1), c->g->opset >= 10 ? IR_DTYPE_BOOL : x->dtype, x->rank, x->dims);
	return 0;
}

static int host_dropout(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *x = op_in(c, 0), *mask = op_out(c, 1);
	int64_t numel = ir_tensor_numel(x);

	if (c->g->opset >= 12 && op_in(c, 2) && *(const uint8_t *)in[2]) {
		double ratio = 0.5;

		if (op_in(c, 1)) {
			double *r = nn_load(op_in(c, 1)->dtype, in[1], 1);

			if (!r)
				return nn_nomem(c);
			ratio = *r;
			free(r);
		}
		if (ratio != 0)
			return op_fail(c, -EOPNOTSUPP, "training-mode dropout (ratio %g) is random", ratio);
	}
	memcpy(out[0], in[0], (size_t)numel * ir_dtype_size(x->dtype));
	if (mask && mask->dtype == IR_DTYPE_BOOL) {
		memset(out[1], 1, (size_t)numel);
	} else if (mask) {
		double one = 1;

		for (int64_t i = 0; i < numel; i++)
			nn_store(mask->dtype, (char *)out[1] + i * ir_dtype_size(mask->dtype), &one, 1);
	}
	return 0;
}

const struct op_def op_defs_nn[] = {
	{ "Softmax", infer_softmax, host_softmax },
	{ "LogSoftmax", infer_softmax, host_log_softmax },
	{ "Hardmax", infer_softmax, host_hardmax },
	{ "Dropout", infer_dropout, host_dropout },
	{ NULL, NULL, NULL },
};

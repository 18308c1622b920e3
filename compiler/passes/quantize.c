// SPDX-License-Identifier: MIT
/*
 * Post-training static quantization (compiler/passes/quantize.h): calibration on the host
 * interpreter, then one walk over the nodes in order that builds the new node order, keeping
 * for every original value where it lives (float, int8, or both) and inserting QuantizeLinear /
 * DequantizeLinear where a consumer wants the other form.
 */
#include "compiler/passes/quantize.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/host_exec.h"
#include "compiler/ops/quant.h"
#include "compiler/passes/pass_util.h"
#include "compiler/passes/passes.h"
#include "compiler/quant_params.h"
#include "compiler/shape_infer.h"

/* ---- calibration ------------------------------------------------------------------------- */

int quant_calibration_init(const struct ir_graph *g, struct quant_calibration *cal)
{
	memset(cal, 0, sizeof(*cal));
	cal->min = malloc((g->n_tensors + 1) * sizeof(*cal->min));
	cal->max = malloc((g->n_tensors + 1) * sizeof(*cal->max));
	cal->seen = calloc(g->n_tensors + 1, sizeof(*cal->seen));
	if (!cal->min || !cal->max || !cal->seen) {
		quant_calibration_free(cal);
		return -ENOMEM;
	}
	cal->n = g->n_tensors;
	return 0;
}

void quant_calibration_free(struct quant_calibration *cal)
{
	free(cal->min);
	free(cal->max);
	free(cal->seen);
	memset(cal, 0, sizeof(*cal));
}

int quant_calibrate(struct ir_graph *g, struct quant_calibration *cal, void *const *inputs,
		    char *err, size_t err_len)
{
	struct host_values v = { 0 };
	int ret;

	if (cal->n != g->n_tensors) {
		snprintf(err, err_len, "calibration made for a graph of %zu tensors, this one has %zu",
			 cal->n, g->n_tensors);
		return -EINVAL;
	}
	ret = host_values_create(g, &v);
	if (ret)
		return ret;
	for (size_t i = 0; i < g->n_inputs; i++)
		if (!g->tensors[g->inputs[i]]->data)
			v.ptr[g->inputs[i]] = inputs[i];
	ret = host_exec_graph(g, &v, err, err_len);
	if (ret)
		goto out;
	for (size_t t = 0; t < g->n_tensors; t++) {
		const struct ir_tensor *x = g->tensors[t];
		const float *p = v.ptr[t];
		int64_t n;

		if (x->dtype != IR_DTYPE_FLOAT || x->data || !p)
			continue;
		n = ir_tensor_numel(x);
		for (int64_t i = 0; i < n; i++) {
			if (isnan(p[i]))
				continue;
			if (!cal->seen[t]) {
				cal->min[t] = cal->max[t] = p[i];
				cal->seen[t] = true;
			}
			cal->min[t] = fminf(cal->min[t], p[i]);
			cal->max[t] = fmaxf(cal->max[t], p[i]);
		}
	}
	cal->runs++;
out:
	host_values_free(&v);
	return ret;
}

/* ---- the rewrite ------------------------------------------------------------------------- */

/*
 * The walk's state, indexed by the original tensors (n0 of them): where each value lives and
 * its int8 quantization.
 */
struct qstate {
	struct ir_graph *g;
	const struct quant_calibration *cal;
	size_t n0;
	int *qt;		/* the int8 version of tensor t, or -1 */
	bool *float_gone;	/* t's float producer was replaced: only qt[t] holds it */
	bool *has_q;		/* scale[t], zp[t] chosen */
	float *scale;
	int8_t *zp;
	int *scale_c, *zp_c;	/* the constants holding them, or -1 */
	struct ir_node **order;
	size_t n_order;
	struct quantize_report *r;
	bool device_ops;	/* QUANTIZE_F_DEVICE_OPS */
	char *err;
	size_t err_len;
};

static int order_push(struct qstate *st, struct ir_node *n)
{
	/* g->n_nodes bounds the order: every node pushed is one of g's (new ones are appended). */
	struct ir_node **o = realloc(st->order, (st->n_order + 1) * sizeof(*o));

	if (!o)
		return -ENOMEM;
	st->order = o;
	st->order[st->n_order++] = n;
	return 0;
}

/* A new value named @base@suffix (or with .N) of @dtype and @src's shape; its index. */
static int new_value(struct qstate *st, const char *base, const char *suffix, enum ir_dtype dtype,
		     const struct ir_tensor *src)
{
	size_t len = strlen(base) + strlen(suffix) + 24;
	char *name = malloc(len);
	int idx = -EEXIST;

	if (!name)
		return -ENOMEM;
	snprintf(name, len, "%s%s", base, suffix);
	for (unsigned int n = 1; idx == -EEXIST; n++) {
		idx = ir_graph_add_tensor(st->g, name);
		snprintf(name, len, "%s%s.%u", base, suffix, n);
	}
	free(name);
	if (idx < 0)
		return idx;
	st->g->tensors[idx]->dtype = dtype;
	st->g->tensors[idx]->rank = src->rank;
	memcpy(st->g->tensors[idx]->dims, src->dims, sizeof(src->dims));
	return idx;
}

/* A new constant named @base holding a copy of @size bytes at @data. */
static int new_const(struct qstate *st, const char *base, enum ir_dtype dtype, int rank,
		     const int64_t *dims, const void *data, size_t size)
{
	static const int64_t scalar_dims[1];
	void *copy = malloc(size ? size : 1);
	int idx;

	if (!copy)
		return -ENOMEM;
	memcpy(copy, data, size);
	/* A scalar has no dims; pass_add_constant() copies none, from a valid pointer. */
	idx = pass_add_constant(st->g, base, dtype, rank, dims ? dims : scalar_dims, copy, size);
	if (idx < 0)
		free(copy);
	return idx;
}

/* Tensor @t's int8 scale and zero point, from its calibrated range. -ENOENT when never seen. */
static int qparams(struct qstate *st, int t)
{
	int ret;

	if (st->has_q[t])
		return 0;
	if (!st->cal->seen[t])
		return -ENOENT;
	ret = quant_choose_asymmetric(st->cal->min[t], st->cal->max[t], &st->scale[t], &st->zp[t]);
	if (ret)
		return ret;
	st->has_q[t] = true;
	return 0;
}

/* The scalar constants of @t's scale and zero point (made once). */
static int qparam_consts(struct qstate *st, int t)
{
	const char *name = st->g->tensors[t]->name;
	char base[256];
	int idx;

	if (st->scale_c[t] >= 0)
		return 0;
	snprintf(base, sizeof(base), "%s_scale", name);
	idx = new_const(st, base, IR_DTYPE_FLOAT, 0, NULL, &st->scale[t], sizeof(float));
	if (idx < 0)
		return idx;
	st->scale_c[t] = idx;
	snprintf(base, sizeof(base), "%s_zero_point", name);
	idx = new_const(st, base, IR_DTYPE_INT8, 0, NULL, &st->zp[t], 1);
	if (idx < 0)
		return idx;
	st->zp_c[t] = idx;
	return 0;
}

/* A node @op of @n_in inputs @in and one output @out, appended to the new order. */
static struct ir_node *new_node(struct qstate *st, const char *name, const char *op,
				const int *in, size_t n_in, int out)
{
	struct ir_node *n = ir_graph_add_node(st->g, name, op, "");

	if (!n)
		return NULL;
	for (size_t i = 0; i < n_in; i++)
		if (ir_index_append(&n->inputs, &n->n_inputs, in[i]))
			return NULL;
	if (ir_index_append(&n->outputs, &n->n_outputs, out) || order_push(st, n))
		return NULL;
	return n;
}

/* The int8 version of float value @t: made by a QuantizeLinear when there is none yet. */
static int need_int8(struct qstate *st, int t, int *q)
{
	const struct ir_tensor *x = st->g->tensors[t];
	int in[3], ret;

	if (st->qt[t] >= 0) {
		*q = st->qt[t];
		return 0;
	}
	ret = qparams(st, t) ?: qparam_consts(st, t);
	if (ret)
		return ret;
	ret = new_value(st, x->name, "_quantized", IR_DTYPE_INT8, x);
	if (ret < 0)
		return ret;
	*q = st->qt[t] = ret;
	in[0] = t;
	in[1] = st->scale_c[t];
	in[2] = st->zp_c[t];
	if (!new_node(st, "", "QuantizeLinear", in, 3, *q))
		return -ENOMEM;
	if (st->r)
		st->r->quantize_nodes++;
	return 0;
}

/* Float value @t made available again by a DequantizeLinear when only its int8 form is. */
static int need_float(struct qstate *st, int t)
{
	int in[3], ret;

	if (!st->float_gone[t])
		return 0;
	ret = qparam_consts(st, t);
	if (ret)
		return ret;
	in[0] = st->qt[t];
	in[1] = st->scale_c[t];
	in[2] = st->zp_c[t];
	if (!new_node(st, "", "DequantizeLinear", in, 3, t))
		return -ENOMEM;
	st->float_gone[t] = false;
	if (st->r)
		st->r->dequantize_nodes++;
	return 0;
}

static int add_string_attr(struct ir_node *n, const char *name, const char *value)
{
	struct ir_attr *a = ir_node_add_attr(n, name, IR_ATTR_STRING);

	if (!a)
		return -ENOMEM;
	a->s = strdup(value);
	if (!a->s)
		return -ENOMEM;
	a->len = strlen(value);
	return 0;
}

/* Copy @src's attributes to @dst, but those named in @skip (NULL-terminated) and tensors. */
static int copy_attrs(struct ir_node *dst, const struct ir_node *src, const char *const *skip)
{
	for (size_t i = 0; i < src->n_attrs; i++) {
		const struct ir_attr *s = &src->attrs[i];
		struct ir_attr *d;
		bool skipped = s->type == IR_ATTR_TENSOR;
		size_t bytes;

		for (size_t k = 0; skip && skip[k]; k++)
			skipped |= !strcmp(s->name, skip[k]);
		if (skipped)
			continue;
		d = ir_node_add_attr(dst, s->name, s->type);
		if (!d)
			return -ENOMEM;
		d->len = s->len;
		switch (s->type) {
		case IR_ATTR_INT:
			d->i = s->i;
			break;
		case IR_ATTR_FLOAT:
			d->f = s->f;
			break;
		case IR_ATTR_STRING:
			d->s = malloc(s->len + 1);
			if (!d->s)
				return -ENOMEM;
			memcpy(d->s, s->s, s->len + 1);
			break;
		case IR_ATTR_INTS:
		case IR_ATTR_FLOATS:
			bytes = s->len * (s->type == IR_ATTR_INTS ? sizeof(int64_t) : sizeof(float));
			d->ints = malloc(bytes + 1);
			if (!d->ints)
				return -ENOMEM;
			memcpy(d->ints, s->ints, bytes);
			break;
		case IR_ATTR_TENSOR:
			break;
		}
	}
	return 0;
}

/* Whether @n's fused activation (if any) is one the device applies as a clamp. */
static bool activation_ok(const struct ir_node *n)
{
	int act = ir_node_fused_activation(n);

	return act == IR_ACTIVATION_NONE || act == IR_ACTIVATION_RELU || act == IR_ACTIVATION_CLIP;
}

/* A float constant input @i of @n, or NULL. */
static const struct ir_tensor *const_float(const struct qstate *st, const struct ir_node *n,
					   size_t i)
{
	const struct ir_tensor *t;

	if (i >= n->n_inputs || n->inputs[i] < 0)
		return NULL;
	t = st->g->tensors[n->inputs[i]];
	return t->data && t->dtype == IR_DTYPE_FLOAT ? t : NULL;
}

/* Whether value @t can take part in int8: a float seen in calibration, or already int8. */
static bool quantizable_value(const struct qstate *st, int t)
{
	if (t < 0 || (size_t)t >= st->n0)
		return false;
	if (st->qt[t] >= 0)
		return true;
	return st->g->tensors[t]->dtype == IR_DTYPE_FLOAT && !st->g->tensors[t]->data &&
	       st->cal->seen[t];
}

/*
 * The quantized weights of one layer: @per weights of @channels output channels (rows of
 * @w), per-channel scales, zero points, and the int32 bias at @x_scale * scale (from the
 * float @bias of @n_bias entries: 0, 1 broadcast, or @channels).
 */
struct qweights {
	int8_t *q;
	float *scale;
	int8_t *zp;
	int32_t *bias;
};

static void qweights_free(struct qweights *w)
{
	free(w->q);
	free(w->scale);
	free(w->zp);
	free(w->bias);
}

static int qweights_make(const float *w, size_t channels, size_t per, const float *bias,
			 size_t n_bias, float x_scale, struct qweights *qw)
{
	int ret;

	qw->q = malloc(channels * per + 1);
	qw->scale = malloc(channels * sizeof(float) + 1);
	qw->zp = calloc(channels + 1, 1);
	qw->bias = malloc(channels * sizeof(int32_t) + 1);
	if (!qw->q || !qw->scale || !qw->zp || !qw->bias)
		return -ENOMEM;
	ret = quant_weights_per_channel(w, channels, per, qw->q, qw->scale);
	if (ret)
		return ret;
	for (size_t c = 0; c < channels; c++)
		qw->bias[c] = quant_bias(n_bias == 0 ? 0.0f : bias[n_bias == 1 ? 0 : c], x_scale,
					 qw->scale[c]);
	return 0;
}

/*
 * The common tail of a quantized layer: the output's int8 value, the node @op with inputs
 * x_q, x_scale, x_zp, W_q, w_scale, w_zp, y_scale, y_zp (and the int32 bias as input 8 for
 * QLinearConv), the fixed-point attribute. @n is the float node; @w_dims the int8 weights'.
 */
static int emit_layer(struct qstate *st, const struct ir_node *n, const char *op, int xq,
		      const struct qweights *qw, int w_rank, const int64_t *w_dims, int64_t channels,
		      struct ir_node **out)
{
	int x = n->inputs[0], y = n->outputs[0], in[9], yq, ret;
	const char *name = st->g->tensors[y]->name;
	const int64_t cdims[1] = { channels };
	char base[256];
	int64_t wn = 1;

	for (int d = 0; d < w_rank; d++)
		wn *= w_dims[d];
	ret = qparams(st, y) ?: qparam_consts(st, x) ?: qparam_consts(st, y);
	if (ret)
		return ret;
	in[0] = xq;
	in[1] = st->scale_c[x];
	in[2] = st->zp_c[x];
	snprintf(base, sizeof(base), "%s_weight_quantized", name);
	in[3] = new_const(st, base, IR_DTYPE_INT8, w_rank, w_dims, qw->q, (size_t)wn);
	snprintf(base, sizeof(base), "%s_weight_scale", name);
	in[4] = new_const(st, base, IR_DTYPE_FLOAT, 1, cdims, qw->scale,
			  (size_t)channels * sizeof(float));
	snprintf(base, sizeof(base), "%s_weight_zero_point", name);
	in[5] = new_const(st, base, IR_DTYPE_INT8, 1, cdims, qw->zp, (size_t)channels);
	in[6] = st->scale_c[y];
	in[7] = st->zp_c[y];
	in[8] = -1;
	if (!strcmp(op, "QLinearConv")) {
		snprintf(base, sizeof(base), "%s_bias_quantized", name);
		in[8] = new_const(st, base, IR_DTYPE_INT32, 1, cdims, qw->bias,
				  (size_t)channels * sizeof(int32_t));
	}
	for (int i = 3; i < 9; i++)
		if (in[i] < 0 && !(i == 8 && in[8] == -1))
			return in[i];
	yq = new_value(st, name, "_quantized", IR_DTYPE_INT8, st->g->tensors[y]);
	if (yq < 0)
		return yq;
	*out = new_node(st, n->name, op, in, in[8] >= 0 ? 9 : 8, yq);
	if (!*out)
		return -ENOMEM;
	ret = add_string_attr(*out, IR_ATTR_QUANT_REQUANT, IR_QUANT_REQUANT_FIXED_POINT);
	if (ret)
		return ret;
	st->qt[y] = yq;
	st->float_gone[y] = true;
	if (st->r)
		st->r->quantized++;
	return 0;
}

/* Conv -> QLinearConv. 1 when rewritten, 0 when it stays float. */
static int quantize_conv(struct qstate *st, struct ir_node *n)
{
	static const char *const skip[] = { NULL };
	const struct ir_tensor *w = const_float(st, n, 1), *b = const_float(st, n, 2);
	struct qweights qw = { 0 };
	struct ir_node *qn;
	int64_t channels, per;
	int xq, ret;

	if (!w || n->n_outputs != 1 || (n->n_inputs > 2 && n->inputs[2] >= 0 && !b) ||
	    !activation_ok(n) || ir_node_fused_bias(n) || !quantizable_value(st, n->inputs[0]) ||
	    !st->cal->seen[n->outputs[0]])
		return 0;
	channels = w->dims[0];
	per = ir_tensor_numel(w) / (channels ? channels : 1);
	if (b && ir_tensor_numel(b) != channels)
		return 0;
	ret = need_int8(st, n->inputs[0], &xq);
	if (ret)
		return ret;
	ret = qweights_make(w->data, (size_t)channels, (size_t)per, b ? b->data : NULL,
			    b ? (size_t)channels : 0, st->scale[n->inputs[0]], &qw);
	if (!ret)
		ret = emit_layer(st, n, "QLinearConv", xq, &qw, w->rank, w->dims, channels, &qn);
	if (!ret)
		ret = copy_attrs(qn, n, skip);
	qweights_free(&qw);
	return ret ? ret : 1;
}

/* An int32 [@n] bias as IR_ATTR_FUSED_BIAS on @node. */
static int add_bias_attr(struct ir_node *node, const int32_t *bias, int64_t n)
{
	struct ir_attr *a = ir_node_add_attr(node, IR_ATTR_FUSED_BIAS, IR_ATTR_TENSOR);
	struct ir_tensor *t;

	if (!a)
		return -ENOMEM;
	t = a->t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->name = strdup("bias");
	t->data = malloc((size_t)n * sizeof(int32_t) + 1);
	if (!t->name || !t->data)
		return -ENOMEM;
	t->dtype = IR_DTYPE_INT32;
	t->rank = 1;
	t->dims[0] = n;
	t->data_size = (size_t)n * sizeof(int32_t);
	memcpy(t->data, bias, t->data_size);
	return 0;
}

/* Gemm / 2-D MatMul -> QLinearMatMul with an int32 bias. 1 when rewritten, 0 when not. */
static int quantize_fc(struct qstate *st, struct ir_node *n, bool gemm)
{
	static const char *const skip[] = { "alpha", "beta", "transA", "transB", NULL };
	const struct ir_tensor *a, *b = const_float(st, n, 1), *c = gemm ? const_float(st, n, 2) : NULL;
	const struct ir_attr *at;
	struct qweights qw = { 0 };
	float *rows = NULL;
	int8_t *kn = NULL;
	int64_t k, nn, kdims[2];
	bool trans_b = false;
	struct ir_node *qn;
	int xq, ret;

	if (!b || b->rank != 2 || n->n_outputs != 1 || !activation_ok(n) || ir_node_fused_bias(n) ||
	    !quantizable_value(st, n->inputs[0]) || !st->cal->seen[n->outputs[0]])
		return 0;
	a = st->g->tensors[n->inputs[0]];
	if (a->rank != 2)
		return 0;
	if (gemm) {
		if (n->n_inputs > 2 && n->inputs[2] >= 0 && !c)
			return 0;
		if (((at = ir_node_find_attr(n, "alpha")) && (at->type != IR_ATTR_FLOAT || at->f != 1.0f)) ||
		    ((at = ir_node_find_attr(n, "beta")) && c && (at->type != IR_ATTR_FLOAT || at->f != 1.0f)) ||
		    ((at = ir_node_find_attr(n, "transA")) && (at->type != IR_ATTR_INT || at->i)))
			return 0;
		at = ir_node_find_attr(n, "transB");
		trans_b = at && at->type == IR_ATTR_INT && at->i;
	}
	k = trans_b ? b->dims[1] : b->dims[0];
	nn = trans_b ? b->dims[0] : b->dims[1];
	if (c && ir_tensor_numel(c) != 1 && ir_tensor_numel(c) != nn)
		return 0;
	if (c && ir_tensor_numel(c) == nn && c->rank == 2 && c->dims[0] != 1)
		return 0;
	/* Output channels first for per-channel quantization: B^T [N][K]. */
	rows = malloc((size_t)(nn * k) * sizeof(float) + 1);
	kn = malloc((size_t)(nn * k) + 1);
	if (!rows || !kn) {
		ret = -ENOMEM;
		goto out;
	}
	for (int64_t j = 0; j < nn; j++)
		for (int64_t i = 0; i < k; i++)
			rows[j * k + i] = ((const float *)b->data)[trans_b ? j * k + i : i * nn + j];
	ret = need_int8(st, n->inputs[0], &xq);
	if (ret)
		goto out;
	ret = qweights_make(rows, (size_t)nn, (size_t)k, c ? c->data : NULL,
			    c ? (size_t)ir_tensor_numel(c) : 0, st->scale[n->inputs[0]], &qw);
	if (ret)
		goto out;
	/* QLinearMatMul takes B as [K][N]. */
	for (int64_t j = 0; j < nn; j++)
		for (int64_t i = 0; i < k; i++)
			kn[i * nn + j] = qw.q[j * k + i];
	memcpy(qw.q, kn, (size_t)(nn * k));
	kdims[0] = k;
	kdims[1] = nn;
	ret = emit_layer(st, n, "QLinearMatMul", xq, &qw, 2, kdims, nn, &qn) ?:
	      copy_attrs(qn, n, skip) ?: add_bias_attr(qn, qw.bias, nn);
out:
	qweights_free(&qw);
	free(rows);
	free(kn);
	return ret ? ret : 1;
}

/* Ops that compute on int8 as on float, sharing the input's quantization. */
static bool passthrough_op(const struct ir_node *n)
{
	static const char *const ops[] = { "MaxPool", "Flatten", "Reshape", "Transpose", "Squeeze",
					   "Unsqueeze", "Identity", NULL };

	for (size_t i = 0; ops[i]; i++)
		if (pass_node_is(n, ops[i]))
			return true;
	return false;
}

/* A passthrough op on a value that lives in int8 only: runs on int8. 1 when rewritten. */
static int quantize_passthrough(struct qstate *st, struct ir_node *n)
{
	int x, y, yq, ret;

	if (!passthrough_op(n) || n->n_inputs < 1 || n->n_outputs != 1 || n->outputs[0] < 0)
		return 0;
	x = n->inputs[0];
	y = n->outputs[0];
	if (x < 0 || (size_t)x >= st->n0 || !st->float_gone[x] ||
	    st->g->tensors[y]->dtype != IR_DTYPE_FLOAT)
		return 0;
	yq = new_value(st, st->g->tensors[y]->name, "_quantized", IR_DTYPE_INT8, st->g->tensors[y]);
	if (yq < 0)
		return yq;
	/* The node itself moves to int8: its other inputs (shape, axes) stay as they are. */
	n->inputs[0] = st->qt[x];
	n->outputs[0] = yq;
	ret = order_push(st, n);
	if (ret)
		return ret;
	st->qt[y] = yq;
	st->float_gone[y] = true;
	st->scale[y] = st->scale[x];
	st->zp[y] = st->zp[x];
	st->has_q[y] = true;
	if (st->r)
		st->r->passthrough++;
	return 1;
}

/* ---- the device ops (QUANTIZE_F_DEVICE_OPS) ---------------------------------------------- */

/*
 * The int8 version of float constant @t (a Mul's or Add's other operand): quantized with its
 * own range (which always holds 0), once.
 */
static int need_int8_const(struct qstate *st, int t, int *q)
{
	const struct ir_tensor *c = st->g->tensors[t];
	const float *f = c->data;
	int64_t n = ir_tensor_numel(c);
	float lo = 0.0f, hi = 0.0f;
	int8_t *qv;
	char base[256];
	int ret;

	if (st->qt[t] >= 0) {
		*q = st->qt[t];
		return 0;
	}
	for (int64_t i = 0; i < n; i++) {
		if (!isfinite(f[i]))
			return -EINVAL;
		lo = fminf(lo, f[i]);
		hi = fmaxf(hi, f[i]);
	}
	ret = quant_choose_asymmetric(lo, hi, &st->scale[t], &st->zp[t]);
	if (ret)
		return ret;
	st->has_q[t] = true;
	ret = qparam_consts(st, t);
	if (ret)
		return ret;
	qv = malloc((size_t)n + 1);
	if (!qv)
		return -ENOMEM;
	for (int64_t i = 0; i < n; i++) {
		double v = quant_round_half_even((double)f[i] / st->scale[t]) + st->zp[t];

		qv[i] = (int8_t)quant_saturate((int64_t)v, -128, 127);
	}
	snprintf(base, sizeof(base), "%s_quantized", c->name);
	ret = new_const(st, base, IR_DTYPE_INT8, c->rank, c->dims, qv, (size_t)n);
	free(qv);
	if (ret < 0)
		return ret;
	*q = st->qt[t] = ret;
	return 0;
}

/* The int8 form of operand @t of an Add or Mul: a calibrated value, or a float constant. */
static bool operand_ok(const struct qstate *st, int t)
{
	const struct ir_tensor *c;

	if (quantizable_value(st, t))
		return true;
	if (t < 0 || (size_t)t >= st->n0)
		return false;
	c = st->g->tensors[t];
	return c->data && c->dtype == IR_DTYPE_FLOAT && ir_tensor_numel(c) > 0;
}

static int need_int8_operand(struct qstate *st, int t, int *q)
{
	return quantizable_value(st, t) ? need_int8(st, t, q) : need_int8_const(st, t, q);
}

/* The node @op of inputs @in, output y's new int8 value, with @n's attributes and fixed point. */
static int emit_device_op(struct qstate *st, const struct ir_node *n, const char *op,
			  const int *in, size_t n_in)
{
	static const char *const skip[] = { NULL };
	int y = n->outputs[0], yq, ret;
	struct ir_node *qn;

	yq = new_value(st, st->g->tensors[y]->name, "_quantized", IR_DTYPE_INT8, st->g->tensors[y]);
	if (yq < 0)
		return yq;
	qn = new_node(st, n->name, op, in, n_in, yq);
	if (!qn)
		return -ENOMEM;
	/* ONNX Runtime's contrib ops, in its domain, so that the int8 graph it writes opens there. */
	free(qn->domain);
	qn->domain = strdup(OP_DOMAIN_MS);
	if (!qn->domain)
		return -ENOMEM;
	ret = copy_attrs(qn, n, skip) ?:
	      add_string_attr(qn, IR_ATTR_QUANT_REQUANT, IR_QUANT_REQUANT_FIXED_POINT);
	if (ret)
		return ret;
	st->qt[y] = yq;
	st->float_gone[y] = true;
	if (st->r)
		st->r->quantized++;
	return 1;
}

/* Add, Mul -> QLinearAdd, QLinearMul. 1 when rewritten, 0 when it stays float. */
static int quantize_binary(struct qstate *st, struct ir_node *n)
{
	int a, b, y, in[8], ret;

	if (n->n_inputs != 2 || n->n_outputs != 1 || !activation_ok(n))
		return 0;
	a = n->inputs[0];
	b = n->inputs[1];
	y = n->outputs[0];
	if (!operand_ok(st, a) || !operand_ok(st, b) || !quantizable_value(st, y) ||
	    (!quantizable_value(st, a) && !quantizable_value(st, b)))
		return 0;
	ret = need_int8_operand(st, a, &in[0]) ?: need_int8_operand(st, b, &in[3]) ?:
	      qparams(st, y) ?: qparam_consts(st, a) ?: qparam_consts(st, b) ?:
	      qparam_consts(st, y);
	if (ret)
		return ret;
	in[1] = st->scale_c[a];
	in[2] = st->zp_c[a];
	in[4] = st->scale_c[b];
	in[5] = st->zp_c[b];
	in[6] = st->scale_c[y];
	in[7] = st->zp_c[y];
	return emit_device_op(st, n, pass_node_is(n, "Add") ? "QLinearAdd" : "QLinearMul", in, 8);
}

/*
 * AveragePool (padding excluded), GlobalAveragePool on a value that lives in int8 only ->
 * QLinearAveragePool, QLinearGlobalAveragePool with the input's quantization on the output
 * (the device averages the stored values). 1 when rewritten.
 */
static int quantize_avgpool(struct qstate *st, struct ir_node *n)
{
	const struct ir_attr *a;
	int x, y, in[5], ret;
	bool global = pass_node_is(n, "GlobalAveragePool");

	if (n->n_inputs != 1 || n->n_outputs != 1)
		return 0;
	x = n->inputs[0];
	y = n->outputs[0];
	if (x < 0 || (size_t)x >= st->n0 || !st->float_gone[x] || st->g->tensors[x]->rank != 4 ||
	    st->g->tensors[y]->dtype != IR_DTYPE_FLOAT)
		return 0;
	if (!global && (((a = ir_node_find_attr(n, "count_include_pad")) && a->i) ||
			((a = ir_node_find_attr(n, "ceil_mode")) && a->i)))
		return 0;
	ret = qparam_consts(st, x);
	if (ret)
		return ret;
	st->scale[y] = st->scale[x];
	st->zp[y] = st->zp[x];
	st->has_q[y] = true;
	st->scale_c[y] = st->scale_c[x];
	st->zp_c[y] = st->zp_c[x];
	in[0] = st->qt[x];
	in[1] = in[3] = st->scale_c[x];
	in[2] = in[4] = st->zp_c[x];
	return emit_device_op(st, n, global ? "QLinearGlobalAveragePool" : "QLinearAveragePool",
			      in, 5);
}

bool quant_lut_op(const struct ir_node *n)
{
	static const char *const ops[] = {
		"Sigmoid", "Tanh", "HardSwish", "HardSigmoid", "LeakyRelu", "Relu", "Clip", "Elu",
		"Selu", "Celu", "Softplus", "Softsign", "ThresholdedRelu", "Gelu", "Mish", "Erf",
		"Exp", "Abs", "Sqrt", "Reciprocal", NULL,
	};

	for (size_t i = 0; ops[i]; i++)
		if (pass_node_is(n, ops[i]))
			return true;
	return false;
}

/*
 * A unary activation on a value that lives in int8 only: the float op between a
 * DequantizeLinear and a QuantizeLinear (QDQ), which a device computes as one table lookup
 * (the table built by running exactly these three ops on the 256 int8 values). 1 when
 * rewritten.
 */
static int quantize_unary(struct qstate *st, struct ir_node *n)
{
	int x, y, yf, yq, in[3], ret;

	if (!quant_lut_op(n) || n->n_inputs < 1 || n->n_outputs != 1)
		return 0;
	x = n->inputs[0];
	y = n->outputs[0];
	for (size_t i = 1; i < n->n_inputs; i++)
		if (n->inputs[i] >= 0 && !st->g->tensors[n->inputs[i]]->data)
			return 0;
	if (x < 0 || (size_t)x >= st->n0 || !st->float_gone[x] || !quantizable_value(st, y))
		return 0;
	ret = need_float(st, x) ?: qparams(st, y) ?: qparam_consts(st, y);
	if (ret)
		return ret;
	yf = new_value(st, st->g->tensors[y]->name, "_float", IR_DTYPE_FLOAT, st->g->tensors[y]);
	if (yf < 0)
		return yf;
	n->outputs[0] = yf;
	ret = order_push(st, n);
	if (ret)
		return ret;
	yq = new_value(st, st->g->tensors[y]->name, "_quantized", IR_DTYPE_INT8, st->g->tensors[y]);
	if (yq < 0)
		return yq;
	in[0] = yf;
	in[1] = st->scale_c[y];
	in[2] = st->zp_c[y];
	if (!new_node(st, "", "QuantizeLinear", in, 3, yq))
		return -ENOMEM;
	st->qt[y] = yq;
	st->float_gone[y] = true;
	if (st->r) {
		st->r->quantized++;
		st->r->quantize_nodes++;
	}
	return 1;
}

int quant_unfuse_table_activations(struct ir_graph *g, size_t *unfused)
{
	if (unfused)
		*unfused = 0;
	for (size_t i = 0; i < g->n_nodes; i++) {
		struct ir_node *n = g->nodes[i], *a;
		int act = ir_node_fused_activation(n), y, pre;
		size_t len, k;
		char *name;

		if ((act != IR_ACTIVATION_SIGMOID && act != IR_ACTIVATION_TANH) || n->n_outputs < 1 ||
		    n->outputs[0] < 0)
			continue;
		y = n->outputs[0];
		len = strlen(g->tensors[y]->name) + 32;
		name = malloc(len);
		if (!name)
			return -ENOMEM;
		pre = -EEXIST;
		for (unsigned int u = 0; pre == -EEXIST; u++) {
			snprintf(name, len, "%s_pre_activation%s%.0u", g->tensors[y]->name, u ? "." : "",
				 u);
			pre = ir_graph_add_tensor(g, name);
		}
		if (pre < 0) {
			free(name);
			return pre;
		}
		a = ir_graph_add_node(g, name, act == IR_ACTIVATION_SIGMOID ? "Sigmoid" : "Tanh", "");
		free(name);
		if (!a || ir_index_append(&a->inputs, &a->n_inputs, pre) ||
		    ir_index_append(&a->outputs, &a->n_outputs, y))
			return -ENOMEM;
		g->tensors[pre]->dtype = g->tensors[y]->dtype;
		g->tensors[pre]->rank = g->tensors[y]->rank;
		memcpy(g->tensors[pre]->dims, g->tensors[y]->dims, sizeof(g->tensors[y]->dims));
		n->outputs[0] = pre;
		/* The attribute goes; the new node (appended last) moves to just after @n. */
		for (k = 0; k < n->n_attrs; k++)
			if (!strcmp(n->attrs[k].name, IR_ATTR_FUSED_ACTIVATION))
				break;
		if (k < n->n_attrs) {
			free(n->attrs[k].name);
			if (n->attrs[k].type == IR_ATTR_STRING)
				free(n->attrs[k].s);
			memmove(&n->attrs[k], &n->attrs[k + 1], (n->n_attrs - k - 1) * sizeof(*n->attrs));
			n->n_attrs--;
		}
		memmove(&g->nodes[i + 2], &g->nodes[i + 1], (g->n_nodes - i - 2) * sizeof(*g->nodes));
		g->nodes[i + 1] = a;
		if (unfused)
			(*unfused)++;
	}
	return 0;
}

static int rewrite_node(struct qstate *st, struct ir_node *n)
{
	int ret = 0;

	if (pass_node_is(n, "Conv"))
		ret = quantize_conv(st, n);
	else if (pass_node_is(n, "Gemm") || pass_node_is(n, "MatMul"))
		ret = quantize_fc(st, n, pass_node_is(n, "Gemm"));
	else if (st->device_ops && (pass_node_is(n, "Add") || pass_node_is(n, "Mul")))
		ret = quantize_binary(st, n);
	else if (st->device_ops && (pass_node_is(n, "AveragePool") ||
				    pass_node_is(n, "GlobalAveragePool")))
		ret = quantize_avgpool(st, n);
	else if (st->device_ops && quant_lut_op(n))
		ret = quantize_unary(st, n);
	if (!ret)
		ret = quantize_passthrough(st, n);
	if (ret)
		return ret < 0 ? ret : 0;
	/* A float node: its int8-only inputs come back through DequantizeLinear. */
	for (size_t i = 0; i < n->n_inputs; i++)
		if (n->inputs[i] >= 0 && (size_t)n->inputs[i] < st->n0 &&
		    (ret = need_float(st, n->inputs[i])))
			return ret;
	if (st->r)
		st->r->float_nodes++;
	return order_push(st, n);
}

static void qstate_free(struct qstate *st)
{
	free(st->qt);
	free(st->float_gone);
	free(st->has_q);
	free(st->scale);
	free(st->zp);
	free(st->scale_c);
	free(st->zp_c);
	free(st->order);
}

/* Make g->nodes the new order, freeing the nodes the rewrite replaced. */
static void adopt_order(struct qstate *st)
{
	struct ir_graph *g = st->g;

	for (size_t i = 0; i < g->n_nodes; i++) {
		bool kept = false;

		for (size_t j = 0; j < st->n_order && !kept; j++)
			kept = st->order[j] == g->nodes[i];
		if (!kept)
			pass_node_free(g->nodes[i]);
	}
	/* order has at most g->n_nodes entries, all of g's: it fits the array. */
	memcpy(g->nodes, st->order, st->n_order * sizeof(*g->nodes));
	g->n_nodes = st->n_order;
}

int ir_pass_quantize(struct ir_graph *g, const struct quant_calibration *cal,
		     struct quantize_report *r, char *err, size_t err_len)
{
	return ir_pass_quantize_flags(g, cal, 0, r, err, err_len);
}

int ir_pass_quantize_flags(struct ir_graph *g, const struct quant_calibration *cal,
			   unsigned int flags, struct quantize_report *r, char *err, size_t err_len)
{
	struct qstate st = { .g = g, .cal = cal, .n0 = g->n_tensors, .r = r, .err = err,
			     .err_len = err_len, .device_ops = flags & QUANTIZE_F_DEVICE_OPS };
	size_t n_nodes = g->n_nodes;
	int ret = -ENOMEM;

	if (r)
		memset(r, 0, sizeof(*r));
	if (err_len)
		err[0] = '\0';
	if (cal->n != g->n_tensors || !cal->runs) {
		snprintf(err, err_len, "the calibration does not fit the graph or has no run");
		return -EINVAL;
	}
	st.qt = malloc((st.n0 + 1) * sizeof(int));
	st.float_gone = calloc(st.n0 + 1, sizeof(bool));
	st.has_q = calloc(st.n0 + 1, sizeof(bool));
	st.scale = calloc(st.n0 + 1, sizeof(float));
	st.zp = calloc(st.n0 + 1, sizeof(int8_t));
	st.scale_c = malloc((st.n0 + 1) * sizeof(int));
	st.zp_c = malloc((st.n0 + 1) * sizeof(int));
	if (!st.qt || !st.float_gone || !st.has_q || !st.scale || !st.zp || !st.scale_c || !st.zp_c)
		goto out;
	for (size_t t = 0; t < st.n0; t++)
		st.qt[t] = st.scale_c[t] = st.zp_c[t] = -1;
	for (size_t i = 0; i < n_nodes; i++) {
		ret = rewrite_node(&st, g->nodes[i]);
		if (ret) {
			snprintf(err, err_len, "quantizing node #%zu (%s): %s", i, g->nodes[i]->op_type,
				 ret == -EINVAL ? "a weight or range is not finite" : "out of memory");
			goto out;
		}
	}
	for (size_t i = 0; i < g->n_outputs; i++) {
		ret = need_float(&st, g->outputs[i]);
		if (ret)
			goto out;
	}
	adopt_order(&st);
	ret = ir_infer_shapes(g, err, err_len);
	if (ret)
		goto out;
	ret = ir_pass_dce(g, NULL);
out:
	qstate_free(&st);
	return ret;
}

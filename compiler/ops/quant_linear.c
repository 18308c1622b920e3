// SPDX-License-Identifier: MIT
/*
 * Integer convolutions and products: ConvInteger, MatMulInteger (int32 results of zero-point
 * corrected 8-bit operands) and QLinearConv, QLinearMatMul (the same accumulators requantized to
 * 8 bits). Opset 10 on (unchanged since). ONNX's requantization is the real factor
 * x_scale * w_scale / y_scale applied in double and rounded half to even; with
 * IR_ATTR_QUANT_REQUANT "fixed_point" (ops/quant.h), set by the quantize pass, it is the int8
 * device's instead (compiler/quant_params.h), so that the host predicts the device bit for bit.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/ops/nn.h"
#include "compiler/ops/quant.h"
#include "compiler/passes/passes.h"
#include "compiler/quant_params.h"

/* ---- the integer accumulators ------------------------------------------------------------ */

/* A convolution's geometry (ConvInteger, QLinearConv): X at input @xi, W at input @wi. */
struct qconv {
	struct nn_window win;
	int64_t n_img, ch, m_all, ch_g, m_g, plane;
};

static int qconv_setup(struct op_ctx *c, size_t xi, size_t wi, struct qconv *q)
{
	const struct ir_tensor *x = op_in(c, xi), *w = op_in(c, wi);
	int64_t kernel[IR_MAX_RANK], group;
	bool has_kernel;
	int s, ret;

	if (x->rank < 3 || w->rank != x->rank)
		return op_fail(c, -EINVAL, "X of rank %d and W of rank %d (want equal, >= 3)",
			       x->rank, w->rank);
	if ((x->dtype != IR_DTYPE_INT8 && x->dtype != IR_DTYPE_UINT8) ||
	    (w->dtype != IR_DTYPE_INT8 && w->dtype != IR_DTYPE_UINT8))
		return op_fail(c, -EOPNOTSUPP, "X of %s and W of %s (want 8-bit integers)",
			       ir_dtype_name(x->dtype), ir_dtype_name(w->dtype));
	s = x->rank - 2;
	ret = op_attr_int(c, "group", 1, &group) ?:
	      op_attr_ints(c, "kernel_shape", s, 0, kernel, &has_kernel);
	if (ret)
		return ret;
	if (group < 1 || x->dims[1] % group || x->dims[1] / group != w->dims[1] || w->dims[0] % group)
		return op_fail(c, -EINVAL, "channels: X has %lld, W wants %lld x group %lld",
			       (long long)x->dims[1], (long long)w->dims[1], (long long)group);
	for (int i = 0; i < s; i++) {
		if (has_kernel && kernel[i] != w->dims[2 + i])
			return op_fail(c, -EINVAL, "kernel_shape differs from W's");
		kernel[i] = w->dims[2 + i];
	}
	ret = nn_window_resolve(c, x, kernel, false, &q->win);
	if (ret)
		return ret;
	q->n_img = x->dims[0];
	q->ch = x->dims[1];
	q->m_all = w->dims[0];
	q->ch_g = q->ch / group;
	q->m_g = q->m_all / group;
	q->plane = nn_numel(q->win.in, q->win.spatial);
	return 0;
}

/* The output dims of @q. */
static void qconv_out_dims(const struct qconv *q, int64_t *dims)
{
	dims[0] = q->n_img;
	dims[1] = q->m_all;
	memcpy(dims + 2, q->win.out, q->win.spatial * sizeof(*dims));
}

/*
 * acc[n][m][o] = sum over the window of xv * wv, xv and wv the zero-point corrected operands;
 * padding reads as 0 (the zero point). @acc holds n_img * m_all * outs entries.
 */
static int qconv_acc(struct op_ctx *c, const struct qconv *q, const int32_t *xv,
		     const int32_t *wv, int64_t *acc, int64_t *outs_ret)
{
	int64_t taps, outs, *tab = nn_window_taps(&q->win, &taps, &outs);

	if (!tab)
		return nn_nomem(c);
	for (int64_t n = 0; n < q->n_img; n++) {
		for (int64_t m = 0; m < q->m_all; m++) {
			int64_t *a = acc + (n * q->m_all + m) * outs, g = m / q->m_g;

			memset(a, 0, (size_t)outs * sizeof(*a));
			for (int64_t ic = 0; ic < q->ch_g; ic++) {
				const int32_t *xp = xv + (n * q->ch + g * q->ch_g + ic) * q->plane;
				const int32_t *wp = wv + (m * q->ch_g + ic) * taps;

				for (int64_t k = 0; k < taps; k++) {
					const int64_t *row = tab + k * outs;
					int32_t wk = wp[k];

					if (!wk)
						continue;
					for (int64_t o = 0; o < outs; o++)
						if (row[o] >= 0)
							a[o] += (int64_t)wk * xp[row[o]];
				}
			}
		}
	}
	free(tab);
	*outs_ret = outs;
	return 0;
}

/* A product's shapes (MatMulInteger, QLinearMatMul): A [..., M, K] at @ai, B [..., K, N] at @bi. */
struct qmatmul {
	int rank;		/* the output's */
	int64_t dims[IR_MAX_RANK];
	int64_t batch, m, k, n;
};

static int qmatmul_setup(struct op_ctx *c, size_t ai, size_t bi, struct qmatmul *q)
{
	const struct ir_tensor *a = op_in(c, ai), *b = op_in(c, bi);
	int rank;

	if (a->rank < 2 || b->rank < 2)
		return op_fail(c, -EOPNOTSUPP, "1-D operands (A of rank %d, B of rank %d)",
			       a->rank, b->rank);
	if ((a->dtype != IR_DTYPE_INT8 && a->dtype != IR_DTYPE_UINT8) ||
	    (b->dtype != IR_DTYPE_INT8 && b->dtype != IR_DTYPE_UINT8))
		return op_fail(c, -EOPNOTSUPP, "A of %s and B of %s (want 8-bit integers)",
			       ir_dtype_name(a->dtype), ir_dtype_name(b->dtype));
	q->m = a->dims[a->rank - 2];
	q->k = a->dims[a->rank - 1];
	q->n = b->dims[b->rank - 1];
	if (b->dims[b->rank - 2] != q->k)
		return op_fail(c, -EINVAL, "A has %lld columns, B %lld rows", (long long)q->k,
			       (long long)b->dims[b->rank - 2]);
	rank = a->rank > b->rank ? a->rank : b->rank;
	q->rank = rank;
	q->batch = 1;
	/* numpy's broadcast of the batch dims, right-aligned. */
	for (int d = 0; d < rank - 2; d++) {
		int da = d - (rank - a->rank), db = d - (rank - b->rank);
		int64_t ea = da >= 0 ? a->dims[da] : 1, eb = db >= 0 ? b->dims[db] : 1;

		if (ea != eb && ea != 1 && eb != 1)
			return op_fail(c, -EINVAL, "batch dims %lld and %lld do not broadcast",
				       (long long)ea, (long long)eb);
		q->dims[d] = ea == 1 ? eb : ea;
		q->batch *= q->dims[d];
	}
	q->dims[rank - 2] = q->m;
	q->dims[rank - 1] = q->n;
	return 0;
}

/* The offset, in matrices, of output batch @ob's operand @t (rank @t->rank, output rank @rank). */
static int64_t qmatmul_operand(const struct ir_tensor *t, const struct qmatmul *q, int64_t ob)
{
	int64_t off = 0, stride = 1;

	for (int d = q->rank - 3; d >= 0; d--) {
		int64_t idx = ob % q->dims[d];
		int dt = d - (q->rank - t->rank);

		ob /= q->dims[d];
		if (dt < 0)
			continue;
		if (t->dims[dt] != 1)
			off += idx * stride;
		stride *= t->dims[dt];
	}
	return off;
}

/* acc[b][i][j] = sum_k av[i][k] * bv[k][j], the operands zero-point corrected. */
static void qmatmul_acc(const struct op_ctx *c, const struct qmatmul *q, size_t ai, size_t bi,
			const int32_t *av, const int32_t *bv, int64_t *acc)
{
	const struct ir_tensor *a = op_in((struct op_ctx *)c, ai), *b = op_in((struct op_ctx *)c, bi);

	for (int64_t ob = 0; ob < q->batch; ob++) {
		const int32_t *ap = av + qmatmul_operand(a, q, ob) * q->m * q->k;
		const int32_t *bp = bv + qmatmul_operand(b, q, ob) * q->k * q->n;
		int64_t *y = acc + ob * q->m * q->n;

		for (int64_t i = 0; i < q->m; i++) {
			int64_t *yr = y + i * q->n;

			memset(yr, 0, (size_t)q->n * sizeof(*yr));
			for (int64_t kk = 0; kk < q->k; kk++) {
				int32_t x = ap[i * q->k + kk];
				const int32_t *br = bp + kk * q->n;

				if (!x)
					continue;
				for (int64_t j = 0; j < q->n; j++)
					yr[j] += (int64_t)x * br[j];
			}
		}
	}
}

/*
 * @t's elements minus the zero point @zp (input @zi of the node, optional) chosen per
 * element by @zp_index (per tensor when the zero point has one element): a new int32 array.
 */
static int32_t *load_centered(struct op_ctx *c, size_t ti, size_t zi, const void *const *in,
			      int64_t (*zp_index)(const struct ir_tensor *t, int64_t i))
{
	const struct ir_tensor *t = op_in(c, ti), *zp = op_in(c, zi);
	int64_t n = ir_tensor_numel(t);
	bool per_tensor = !zp || ir_tensor_numel(zp) == 1;
	int32_t *v = malloc(((size_t)n + 1) * sizeof(*v));

	if (!v)
		return NULL;
	for (int64_t i = 0; i < n; i++) {
		int32_t z = !zp ? 0 : quant_load(zp->dtype, in[zi],
						 per_tensor ? 0 : (size_t)zp_index(t, i));

		v[i] = quant_load(t->dtype, in[ti], (size_t)i) - z;
	}
	return v;
}

static int64_t index_first_axis(const struct ir_tensor *t, int64_t i)
{
	return i / (ir_tensor_numel(t) / t->dims[0]);
}

static int64_t index_row(const struct ir_tensor *t, int64_t i)
{
	return (i / t->dims[t->rank - 1]) % t->dims[t->rank - 2];
}

static int64_t index_column(const struct ir_tensor *t, int64_t i)
{
	return i % t->dims[t->rank - 1];
}

/* ---- requantization ---------------------------------------------------------------------- */

/* Whether the node asks for the device's fixed-point requantization. */
static bool fixed_point(const struct op_ctx *c)
{
	const struct ir_attr *a = ir_node_find_attr(c->node, IR_ATTR_QUANT_REQUANT);

	return a && a->type == IR_ATTR_STRING && !strcmp(a->s, IR_QUANT_REQUANT_FIXED_POINT);
}

/*
 * The output's requantization, one channel per output element class: @chan(i) selects the
 * weight scale of output element i (@ws has 1 or @n_ws entries), and in fixed-point mode the
 * bias @bias[chan] (NULL: none) and the clamp of the fused activation.
 */
struct requant {
	bool fixed;
	float in_scale, out_scale;
	const float *ws;
	int64_t n_ws;
	const float *in_row_scale;	/* QLinearMatMul's per-row a_scale, else NULL */
	int64_t n_in;
	int32_t out_zp, lo, hi;
	enum ir_dtype out_dt;
	struct quant_multiplier *mult;	/* fixed point: one per weight scale */
};

static int requant_setup(struct op_ctx *c, struct requant *r, size_t ys_i, size_t yzp_i,
			 const void *const *in)
{
	const struct ir_tensor *ys = op_in(c, ys_i), *yzp = op_in(c, yzp_i);
	int act;

	if (ir_tensor_numel(ys) != 1 || (yzp && ir_tensor_numel(yzp) != 1))
		return op_fail(c, -EOPNOTSUPP, "per-channel y_scale or y_zero_point");
	r->out_scale = *(const float *)in[ys_i];
	r->out_dt = yzp ? yzp->dtype : IR_DTYPE_UINT8;
	r->out_zp = yzp ? quant_load(yzp->dtype, in[yzp_i], 0) : 0;
	quant_range(r->out_dt, &r->lo, &r->hi);
	r->fixed = fixed_point(c);
	r->mult = NULL;
	if (!(r->out_scale > 0))
		return op_fail(c, -EINVAL, "y_scale must be > 0");
	act = ir_node_fused_activation(c->node);
	if (act != IR_ACTIVATION_NONE && !r->fixed)
		return op_fail(c, -EOPNOTSUPP, "a fused activation without fixed-point requantization");
	if (!r->fixed)
		return 0;
	if (r->out_dt != IR_DTYPE_INT8 || r->in_row_scale)
		return op_fail(c, -EOPNOTSUPP, "fixed point wants an int8 output, per-tensor input");
	if (act == IR_ACTIVATION_RELU) {
		quant_act_range(QUANT_ACT_RELU, 0, 0, r->out_scale, (int8_t)r->out_zp, &r->lo, &r->hi);
	} else if (act == IR_ACTIVATION_CLIP) {
		float lo, hi;

		if (ir_node_fused_clip_bounds(c->node, &lo, &hi))
			return op_fail(c, -EINVAL, "bad fused Clip bounds");
		quant_act_range(QUANT_ACT_CLIP, lo, hi, r->out_scale, (int8_t)r->out_zp, &r->lo, &r->hi);
	} else if (act != IR_ACTIVATION_NONE) {
		return op_fail(c, -EOPNOTSUPP, "fused activation %d on an int8 node", act);
	}
	r->mult = calloc((size_t)r->n_ws, sizeof(*r->mult));
	if (!r->mult)
		return nn_nomem(c);
	for (int64_t i = 0; i < r->n_ws; i++)
		if (quant_output_multiplier(r->in_scale, r->ws[i], r->out_scale, &r->mult[i]))
			return op_fail(c, -EINVAL, "scales out of range for fixed point (channel %lld)",
				       (long long)i);
	return 0;
}

/* Output element of accumulator @acc in weight channel @ch, input row @row. */
static int32_t requant_one(const struct requant *r, int64_t acc, int64_t ch, int64_t row,
			   const int32_t *bias)
{
	int64_t wch = r->n_ws == 1 ? 0 : ch;
	int64_t v;

	if (r->fixed) {
		/* The device accumulates in 32 bits, the bias first. */
		int32_t a = (int32_t)((bias ? bias[ch] : 0) + acc);

		v = (int64_t)quant_requant(a, r->mult[wch]) + r->out_zp;
	} else {
		double in = r->in_row_scale ? r->in_row_scale[r->n_in == 1 ? 0 : row] : r->in_scale;
		double real = in * r->ws[wch] / r->out_scale;

		v = (int64_t)quant_round_half_even((double)((bias ? bias[ch] : 0) + acc) * real) +
		    r->out_zp;
	}
	return (int32_t)quant_saturate(v, r->lo, r->hi);
}

/* ---- ConvInteger, QLinearConv ------------------------------------------------------------- */

static int infer_conv_integer(struct op_ctx *c)
{
	int64_t dims[IR_MAX_RANK];
	struct qconv q;
	int ret = op_need_inputs(c, 2) ?: qconv_setup(c, 0, 1, &q);

	if (ret)
		return ret;
	qconv_out_dims(&q, dims);
	op_set_shape(op_out(c, 0), IR_DTYPE_INT32, op_in(c, 0)->rank, dims);
	return 0;
}

static int host_conv_integer(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *xzp = op_in(c, 2), *wzp = op_in(c, 3);
	int64_t *acc = NULL, outs, n, cnt;
	int32_t *xv = NULL, *wv = NULL;
	struct qconv q;
	int ret = qconv_setup(c, 0, 1, &q);

	if (ret)
		return ret;
	if (xzp && ir_tensor_numel(xzp) != 1)
		return op_fail(c, -EINVAL, "x_zero_point must be per tensor");
	if (wzp && (ret = quant_param_count(c, wzp, q.m_all, "w_zero_point", &cnt)))
		return ret;
	n = ir_tensor_numel(op_out(c, 0));
	xv = load_centered(c, 0, 2, in, index_first_axis);
	wv = load_centered(c, 1, 3, in, index_first_axis);
	acc = malloc(((size_t)n + 1) * sizeof(*acc));
	if (!xv || !wv || !acc) {
		ret = nn_nomem(c);
		goto out;
	}
	ret = qconv_acc(c, &q, xv, wv, acc, &outs);
	if (ret)
		goto out;
	for (int64_t i = 0; i < n; i++)
		((int32_t *)out[0])[i] = (int32_t)acc[i];
out:
	free(xv);
	free(wv);
	free(acc);
	return ret;
}

/* QLinearConv: x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point, B. */
static int infer_qlinear_conv(struct op_ctx *c)
{
	const struct ir_tensor *yzp, *b;
	int64_t dims[IR_MAX_RANK];
	struct qconv q;
	int ret = op_need_inputs(c, 8) ?: qconv_setup(c, 0, 3, &q);

	if (ret)
		return ret;
	yzp = op_in(c, 7);
	b = op_in(c, 8);
	if (yzp->dtype != IR_DTYPE_INT8 && yzp->dtype != IR_DTYPE_UINT8)
		return op_fail(c, -EOPNOTSUPP, "y_zero_point of %s", ir_dtype_name(yzp->dtype));
	if (b && (b->dtype != IR_DTYPE_INT32 || b->rank != 1 || b->dims[0] != q.m_all))
		return op_fail(c, -EINVAL, "B must be int32 [%lld]", (long long)q.m_all);
	qconv_out_dims(&q, dims);
	op_set_shape(op_out(c, 0), yzp->dtype, op_in(c, 0)->rank, dims);
	return 0;
}

static int host_qlinear_conv(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *y = op_out(c, 0), *wzp = op_in(c, 5);
	struct requant r = { 0 };
	int64_t *acc = NULL, outs, n, cnt;
	int32_t *xv = NULL, *wv = NULL;
	struct qconv q;
	int ret = qconv_setup(c, 0, 3, &q);

	if (ret)
		return ret;
	if (ir_tensor_numel(op_in(c, 1)) != 1 || ir_tensor_numel(op_in(c, 2)) != 1)
		return op_fail(c, -EINVAL, "x_scale and x_zero_point must be per tensor");
	ret = quant_param_count(c, op_in(c, 4), q.m_all, "w_scale", &r.n_ws) ?:
	      quant_param_count(c, wzp, q.m_all, "w_zero_point", &cnt);
	if (ret)
		return ret;
	r.in_scale = *(const float *)in[1];
	r.ws = in[4];
	ret = requant_setup(c, &r, 6, 7, in);
	if (ret)
		goto out;
	if (r.fixed && (op_in(c, 3)->dtype != IR_DTYPE_INT8 || op_in(c, 0)->dtype != IR_DTYPE_INT8)) {
		ret = op_fail(c, -EOPNOTSUPP, "fixed point wants int8 x and w");
		goto out;
	}
	n = ir_tensor_numel(y);
	xv = load_centered(c, 0, 2, in, index_first_axis);
	wv = load_centered(c, 3, 5, in, index_first_axis);
	acc = malloc(((size_t)n + 1) * sizeof(*acc));
	if (!xv || !wv || !acc) {
		ret = nn_nomem(c);
		goto out;
	}
	if (r.fixed) {
		for (int64_t i = 0; i < ir_tensor_numel(op_in(c, 3)); i++)
			if (quant_load(wzp->dtype, in[5], cnt == 1 ? 0 : (size_t)index_first_axis(op_in(c, 3), i))) {
				ret = op_fail(c, -EOPNOTSUPP, "fixed point wants symmetric weights");
				goto out;
			}
	}
	ret = qconv_acc(c, &q, xv, wv, acc, &outs);
	if (ret)
		goto out;
	for (int64_t i = 0; i < n; i++)
		quant_store(y->dtype, out[0], (size_t)i,
			    requant_one(&r, acc[i], (i / outs) % q.m_all, 0,
					op_in(c, 8) ? in[8] : NULL));
out:
	free(r.mult);
	free(xv);
	free(wv);
	free(acc);
	return ret;
}

/* ---- MatMulInteger, QLinearMatMul --------------------------------------------------------- */

static int infer_matmul_integer(struct op_ctx *c)
{
	struct qmatmul q;
	int ret = op_need_inputs(c, 2) ?: qmatmul_setup(c, 0, 1, &q);

	if (ret)
		return ret;
	op_set_shape(op_out(c, 0), IR_DTYPE_INT32, q.rank, q.dims);
	return 0;
}

static int host_matmul_integer(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *azp = op_in(c, 2), *bzp = op_in(c, 3);
	int32_t *av = NULL, *bv = NULL;
	int64_t *acc = NULL, n, cnt;
	struct qmatmul q;
	int ret = qmatmul_setup(c, 0, 1, &q);

	if (ret)
		return ret;
	if ((azp && (ret = quant_param_count(c, azp, q.m, "a_zero_point", &cnt))) ||
	    (bzp && (ret = quant_param_count(c, bzp, q.n, "b_zero_point", &cnt))))
		return ret;
	n = q.batch * q.m * q.n;
	av = load_centered(c, 0, 2, in, index_row);
	bv = load_centered(c, 1, 3, in, index_column);
	acc = malloc(((size_t)n + 1) * sizeof(*acc));
	if (!av || !bv || !acc) {
		ret = nn_nomem(c);
		goto out;
	}
	qmatmul_acc(c, &q, 0, 1, av, bv, acc);
	for (int64_t i = 0; i < n; i++)
		((int32_t *)out[0])[i] = (int32_t)acc[i];
out:
	free(av);
	free(bv);
	free(acc);
	return ret;
}

/* QLinearMatMul: a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale, y_zero_point. */
static int infer_qlinear_matmul(struct op_ctx *c)
{
	const struct ir_tensor *yzp;
	struct qmatmul q;
	int ret = op_need_inputs(c, 8) ?: qmatmul_setup(c, 0, 3, &q);

	if (ret)
		return ret;
	yzp = op_in(c, 7);
	if (yzp->dtype != IR_DTYPE_INT8 && yzp->dtype != IR_DTYPE_UINT8)
		return op_fail(c, -EOPNOTSUPP, "y_zero_point of %s", ir_dtype_name(yzp->dtype));
	op_set_shape(op_out(c, 0), yzp->dtype, q.rank, q.dims);
	return 0;
}

static int host_qlinear_matmul(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *y = op_out(c, 0), *bias_t;
	const int32_t *bias = NULL;
	struct requant r = { 0 };
	int32_t *av = NULL, *bv = NULL;
	int64_t *acc = NULL, n, cnt;
	struct qmatmul q;
	int ret = qmatmul_setup(c, 0, 3, &q);

	if (ret)
		return ret;
	ret = quant_param_count(c, op_in(c, 1), q.m, "a_scale", &r.n_in) ?:
	      quant_param_count(c, op_in(c, 2), q.m, "a_zero_point", &cnt) ?:
	      quant_param_count(c, op_in(c, 4), q.n, "b_scale", &r.n_ws) ?:
	      quant_param_count(c, op_in(c, 5), q.n, "b_zero_point", &cnt);
	if (ret)
		return ret;
	r.in_scale = *(const float *)in[1];
	r.in_row_scale = r.n_in > 1 ? in[1] : NULL;
	r.ws = in[4];
	ret = requant_setup(c, &r, 6, 7, in);
	if (ret)
		goto out;
	bias_t = ir_node_fused_bias(c->node);
	if (bias_t) {
		if (!r.fixed || bias_t->dtype != IR_DTYPE_INT32 || ir_tensor_numel(bias_t) != q.n) {
			ret = op_fail(c, -EINVAL, "a bias wants fixed point and int32 [%lld]",
				      (long long)q.n);
			goto out;
		}
		bias = bias_t->data;
	}
	n = q.batch * q.m * q.n;
	av = load_centered(c, 0, 2, in, index_row);
	bv = load_centered(c, 3, 5, in, index_column);
	acc = malloc(((size_t)n + 1) * sizeof(*acc));
	if (!av || !bv || !acc) {
		ret = nn_nomem(c);
		goto out;
	}
	qmatmul_acc(c, &q, 0, 3, av, bv, acc);
	for (int64_t i = 0; i < n; i++)
		quant_store(y->dtype, out[0], (size_t)i,
			    requant_one(&r, acc[i], i % q.n, (i / q.n) % q.m, bias));
out:
	free(r.mult);
	free(av);
	free(bv);
	free(acc);
	return ret;
}

const struct op_def op_defs_quant_linear[] = {
	{ "ConvInteger", infer_conv_integer, host_conv_integer },
	{ "QLinearConv", infer_qlinear_conv, host_qlinear_conv },
	{ "MatMulInteger", infer_matmul_integer, host_matmul_integer },
	{ "QLinearMatMul", infer_qlinear_matmul, host_qlinear_matmul },
	{ NULL, NULL, NULL },
};

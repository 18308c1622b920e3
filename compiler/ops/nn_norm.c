// SPDX-License-Identifier: MIT
/*
 * Normalisation: BatchNormalization (inference, and opset 14's training mode), its opset 6
 * attributes (is_test, spatial) included, InstanceNormalization, LayerNormalization (opset 17,
 * with its Mean and InvStdDev outputs), LRN and MeanVarianceNormalization. The kernels compute
 * in double; variances are the population's (divided by the count, as the specification's).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/ops/nn.h"

/*
 * BatchNormalization's parameters: [C] per channel, or (spatial = 0, opsets before 9) one
 * value per element of a sample, [C, D1...] or flattened.
 */
static int batchnorm_params(struct op_ctx *c, int64_t *per)
{
	const struct ir_tensor *x = op_in(c, 0);
	int64_t spatial = 1;
	int ret = op_attr_int(c, "spatial", 1, &spatial);

	if (ret)
		return ret;
	*per = spatial || c->g->opset >= 9 ? x->dims[1] : nn_numel(x->dims + 1, x->rank - 1);
	for (size_t i = 1; i < 5; i++) {
		const struct ir_tensor *p = op_in(c, i);

		ret = nn_need_float(c, p, "parameter");
		if (ret)
			return ret;
		if (ir_tensor_numel(p) != *per || (p->rank != 1 && (*per == x->dims[1] || p->rank != x->rank - 1)))
			return op_fail(c, -EINVAL, "'%s' must have %lld values", p->name, (long long)*per);
	}
	return 0;
}

/*
 * Whether Y is normalised with the batch's statistics (training) rather than the running ones:
 * opset 14's training_mode, or before opset 7 is_test = 0 (its default). Opsets 7 to 13 said
 * training by the extra outputs, refused (see infer).
 */
static int batchnorm_training(struct op_ctx *c, bool *training)
{
	int64_t mode = 0, is_test = 1;
	int ret = c->g->opset >= 14 ? op_attr_int(c, "training_mode", 0, &mode) :
		  c->g->opset < 7 ? op_attr_int(c, "is_test", 0, &is_test) : 0;

	*training = mode != 0 || !is_test;
	return ret;
}

static int infer_batchnorm(struct op_ctx *c)
{
	const struct ir_tensor *x;
	int64_t per;
	bool training;
	int ret = op_need_inputs(c, 5);

	if (ret)
		return ret;
	x = op_in(c, 0);
	if (x->rank < 2)
		return op_fail(c, -EINVAL, "X of rank %d (want >= 2)", x->rank);
	ret = nn_need_float(c, x, "X") ?: batchnorm_params(c, &per) ?:
	      batchnorm_training(c, &training);
	if (ret)
		return ret;
	/*
	 * Before opset 14, the extra outputs (running and saved statistics) had meanings that
	 * changed between opsets: not computed here.
	 */
	for (size_t i = 1; c->g->opset < 14 && i < c->node->n_outputs; i++)
		if (op_out(c, i))
			return op_fail(c, -EOPNOTSUPP, "training outputs before opset 14");
	if (training && c->node->n_outputs > 3)
		return op_fail(c, -EINVAL, "at most 3 outputs");
	op_set_shape(op_out(c, 0), x->dtype, x->rank, x->dims);
	/* The running mean and variance: one value per channel. */
	op_set_shape(op_out(c, 1), op_in(c, 3)->dtype, 1, &x->dims[1]);
	op_set_shape(op_out(c, 2), op_in(c, 3)->dtype, 1, &x->dims[1]);
	return 0;
}

static int host_batchnorm(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *x = op_in(c, 0);
	int64_t per, ch = x->dims[1], n_img = x->dims[0], numel = ir_tensor_numel(x), inner, sample;
	double *v[5] = { NULL }, *y = NULL, *bmean = NULL, *bvar = NULL;
	float eps, momentum;
	bool training;
	int ret;

	ret = batchnorm_params(c, &per) ?: batchnorm_training(c, &training) ?:
	      op_attr_float(c, "epsilon", 1e-5f, &eps) ?: op_attr_float(c, "momentum", 0.9f, &momentum);
	if (ret)
		return ret;
	sample = nn_numel(x->dims + 1, x->rank - 1);
	/* Elements that share one parameter within a sample: the spatial ones, or one. */
	inner = per == ch ? nn_numel(x->dims + 2, x->rank - 2) : 1;
	for (size_t i = 0; i < 5; i++) {
		v[i] = nn_load(op_in(c, i)->dtype, in[i], (size_t)ir_tensor_numel(op_in(c, i)));
		if (!v[i])
			goto nomem;
	}
	y = malloc((size_t)numel * sizeof(*y) + 1);
	bmean = calloc((size_t)per + 1, sizeof(*bmean));
	bvar = calloc((size_t)per + 1, sizeof(*bvar));
	if (!y || !bmean || !bvar)
		goto nomem;
	if (training) {
		double count = (double)(n_img * inner);

		for (int64_t n = 0; n < n_img; n++)
			for (int64_t i = 0; i < sample; i++)
				bmean[i / inner] += v[0][n * sample + i];
		for (int64_t p = 0; p < per; p++)
			bmean[p] = count ? bmean[p] / count : 0;
		for (int64_t n = 0; n < n_img; n++)
			for (int64_t i = 0; i < sample; i++) {
				double d = v[0][n * sample + i] - bmean[i / inner];

				bvar[i / inner] += d * d;
			}
		for (int64_t p = 0; p < per; p++)
			bvar[p] = count ? bvar[p] / count : 0;
	} else {
		memcpy(bmean, v[3], (size_t)per * sizeof(*bmean));
		memcpy(bvar, v[4], (size_t)per * sizeof(*bvar));
	}
	for (int64_t n = 0; n < n_img; n++)
		for (int64_t i = 0; i < sample; i++) {
			int64_t p = i / inner;

			y[n * sample + i] = v[1][p] * (v[0][n * sample + i] - bmean[p]) /
					    sqrt(bvar[p] + eps) + v[2][p];
		}
	nn_store(x->dtype, out[0], y, (size_t)numel);
	if (training) {
		for (int64_t p = 0; p < per; p++) {
			bmean[p] = v[3][p] * momentum + bmean[p] * (1 - momentum);
			bvar[p] = v[4][p] * momentum + bvar[p] * (1 - momentum);
		}
		if (op_out(c, 1))
			nn_store(op_out(c, 1)->dtype, out[1], bmean, (size_t)per);
		if (op_out(c, 2))
			nn_store(op_out(c, 2)->dtype, out[2], bvar, (size_t)per);
	}
	goto out;
nomem:
	ret = nn_nomem(c);
out:
	for (size_t i = 0; i < 5; i++)
		free(v[i]);
	free(y);
	free(bmean);
	free(bvar);
	return ret;
}

/* InstanceNormalization: X [N, C, D...], scale and B [C]. */
static int infer_instancenorm(struct op_ctx *c)
{
	const struct ir_tensor *x;
	int ret = op_need_inputs(c, 3);

	if (ret)
		return ret;
	x = op_in(c, 0);
	if (x->rank < 3)
		return op_fail(c, -EINVAL, "X of rank %d (want >= 3)", x->rank);
	ret = nn_need_float(c, x, "X");
	if (ret)
		return ret;
	for (size_t i = 1; i < 3; i++) {
		const struct ir_tensor *p = op_in(c, i);

		ret = nn_need_same_type(c, x, p);
		if (ret)
			return ret;
		if (p->rank != 1 || p->dims[0] != x->dims[1])
			return op_fail(c, -EINVAL, "'%s' must be [%lld]", p->name, (long long)x->dims[1]);
	}
	return op_infer_unary(c);
}

/*
 * Normalise @n values @stride apart at @v in place: (v - mean) / sqrt(var + eps). The mean and
 * 1 / sqrt(var + eps) into *@mean and *@inv when not NULL.
 */
static void normalise(double *v, int64_t n, int64_t stride, double eps, double *mean, double *inv)
{
	double m = 0, var = 0, r;

	for (int64_t i = 0; i < n; i++)
		m += v[i * stride];
	m = n ? m / (double)n : 0;
	for (int64_t i = 0; i < n; i++)
		var += (v[i * stride] - m) * (v[i * stride] - m);
	var = n ? var / (double)n : 0;
	r = 1 / sqrt(var + eps);
	for (int64_t i = 0; i < n; i++)
		v[i * stride] = (v[i * stride] - m) * r;
	if (mean)
		*mean = m;
	if (inv)
		*inv = r;
}

static int host_instancenorm(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *x = op_in(c, 0);
	int64_t ch = x->dims[1], planes = x->dims[0] * ch, plane = nn_numel(x->dims + 2, x->rank - 2);
	double *xv = nn_load(x->dtype, in[0], (size_t)(planes * plane));
	double *s = nn_load(x->dtype, in[1], (size_t)ch), *b = nn_load(x->dtype, in[2], (size_t)ch);
	float eps;
	int ret = op_attr_float(c, "epsilon", 1e-5f, &eps);

	if (!ret && (!xv || !s || !b))
		ret = nn_nomem(c);
	for (int64_t p = 0; !ret && p < planes; p++) {
		double *v = xv + p * plane;

		normalise(v, plane, 1, eps, NULL, NULL);
		for (int64_t i = 0; i < plane; i++)
			v[i] = v[i] * s[p % ch] + b[p % ch];
	}
	if (!ret)
		nn_store(x->dtype, out[0], xv, (size_t)(planes * plane));
	free(xv);
	free(s);
	free(b);
	return ret;
}

/*
 * LayerNormalization (opset 17): normalises over the axes from @axis on. Scale and B broadcast
 * (numpy, from the right) to those axes' shape.
 */
static int layernorm_geometry(struct op_ctx *c, int *axis, enum ir_dtype *stash)
{
	const struct ir_tensor *x = op_in(c, 0);
	int64_t a, st;
	int ret = op_attr_int(c, "axis", -1, &a) ?: op_axis_norm(c, a, x->rank, axis) ?:
		  op_attr_int(c, "stash_type", IR_DTYPE_FLOAT, &st);

	if (ret)
		return ret;
	*stash = (enum ir_dtype)st;
	if (st != IR_DTYPE_FLOAT && st != IR_DTYPE_DOUBLE && st != IR_DTYPE_FLOAT16 &&
	    st != IR_DTYPE_BFLOAT16)
		return op_fail(c, -EINVAL, "bad stash_type %lld", (long long)st);
	for (size_t i = 1; i < 3; i++) {
		const struct ir_tensor *p = op_in(c, i);

		if (!p)
			continue;
		ret = nn_need_same_type(c, x, p);
		if (ret)
			return ret;
		if (p->rank > x->rank - *axis)
			return op_fail(c, -EINVAL, "'%s' of rank %d for %d normalised axes", p->name,
				       p->rank, x->rank - *axis);
		for (int d = 0; d < p->rank; d++) {
			int64_t want = x->dims[x->rank - p->rank + d];

			if (p->dims[d] != want && p->dims[d] != 1)
				return op_fail(c, -EINVAL, "'%s' does not broadcast to the normalised axes",
					       p->name);
		}
	}
	return 0;
}

static int infer_layernorm(struct op_ctx *c)
{
	const struct ir_tensor *x;
	int64_t dims[IR_MAX_RANK];
	enum ir_dtype stash;
	int axis, ret = op_need_inputs(c, 2);

	if (ret)
		return ret;
	x = op_in(c, 0);
	ret = nn_need_float(c, x, "X") ?: layernorm_geometry(c, &axis, &stash);
	if (ret)
		return ret;
	op_set_shape(op_out(c, 0), x->dtype, x->rank, x->dims);
	for (int d = 0; d < x->rank; d++)
		dims[d] = d < axis ? x->dims[d] : 1;
	op_set_shape(op_out(c, 1), stash, x->rank, dims);
	op_set_shape(op_out(c, 2), stash, x->rank, dims);
	return 0;
}

/* @p (of @x's trailing axes, broadcast) expanded to @inner values; NULL when out of memory. */
static double *expand_trailing(const struct ir_tensor *x, const struct ir_tensor *p, const void *data,
			       int64_t inner, double fill)
{
	double *src, *r = malloc((size_t)inner * sizeof(*r) + 1);
	int64_t pstride[IR_MAX_RANK];

	if (!r)
		return NULL;
	if (!p) {
		for (int64_t i = 0; i < inner; i++)
			r[i] = fill;
		return r;
	}
	src = nn_load(p->dtype, data, (size_t)ir_tensor_numel(p));
	if (!src) {
		free(r);
		return NULL;
	}
	for (int d = p->rank - 1; d >= 0; d--)
		pstride[d] = d == p->rank - 1 ? 1 : pstride[d + 1] * p->dims[d + 1];
	for (int64_t i = 0; i < inner; i++) {
		int64_t rem = i, off = 0;

		/* Walk @x's trailing axes from the last; @p's axes align with them from the right. */
		for (int d = x->rank - 1, pd = p->rank - 1; pd >= 0; d--, pd--) {
			int64_t coord = rem % x->dims[d];

			rem /= x->dims[d];
			if (p->dims[pd] != 1)
				off += coord * pstride[pd];
		}
		r[i] = src[off];
	}
	free(src);
	return r;
}

static int host_layernorm(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *x = op_in(c, 0);
	int64_t outer, inner, numel = ir_tensor_numel(x);
	double *xv = NULL, *s = NULL, *b = NULL, *mean = NULL, *inv = NULL;
	enum ir_dtype stash;
	float eps;
	int axis, ret;

	ret = layernorm_geometry(c, &axis, &stash) ?: op_attr_float(c, "epsilon", 1e-5f, &eps);
	if (ret)
		return ret;
	outer = nn_numel(x->dims, axis);
	inner = nn_numel(x->dims + axis, x->rank - axis);
	xv = nn_load(x->dtype, in[0], (size_t)numel);
	s = expand_trailing(x, op_in(c, 1), in[1], inner, 1);
	b = expand_trailing(x, op_in(c, 2), in[2], inner, 0);
	mean = malloc((size_t)outer * sizeof(*mean) + 1);
	inv = malloc((size_t)outer * sizeof(*inv) + 1);
	if (!xv || !s || !b || !mean || !inv) {
		ret = nn_nomem(c);
		goto out;
	}
	for (int64_t o = 0; o < outer; o++) {
		double *v = xv + o * inner;

		normalise(v, inner, 1, eps, &mean[o], &inv[o]);
		for (int64_t i = 0; i < inner; i++)
			v[i] = v[i] * s[i] + b[i];
	}
	nn_store(x->dtype, out[0], xv, (size_t)numel);
	if (op_out(c, 1))
		nn_store(op_out(c, 1)->dtype, out[1], mean, (size_t)outer);
	if (op_out(c, 2))
		nn_store(op_out(c, 2)->dtype, out[2], inv, (size_t)outer);
out:
	free(xv);
	free(s);
	free(b);
	free(mean);
	free(inv);
	return ret;
}

/* LRN: across channels, over a window of @size centred (the extra one after) on each. */
static int infer_lrn(struct op_ctx *c)
{
	int64_t size;
	int ret = op_need_inputs(c, 1);

	if (ret)
		return ret;
	ret = nn_need_float(c, op_in(c, 0), "X") ?: op_attr_int(c, "size", 0, &size);
	if (ret)
		return ret;
	if (op_in(c, 0)->rank < 2)
		return op_fail(c, -EINVAL, "X of rank %d (want >= 2)", op_in(c, 0)->rank);
	if (size < 1 || size > IR_MAX_ELEMENTS)
		return op_fail(c, -EINVAL, "bad or missing size");
	return op_infer_unary(c);
}

static int host_lrn(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *x = op_in(c, 0);
	int64_t size, numel = ir_tensor_numel(x), ch = x->dims[1];
	int64_t inner = nn_numel(x->dims + 2, x->rank - 2);
	double *xv, *yv;
	float alpha, beta, bias;
	int ret = op_attr_int(c, "size", 0, &size) ?: op_attr_float(c, "alpha", 1e-4f, &alpha) ?:
		  op_attr_float(c, "beta", 0.75f, &beta) ?: op_attr_float(c, "bias", 1.0f, &bias);

	if (ret)
		return ret;
	xv = nn_load(x->dtype, in[0], (size_t)numel);
	yv = malloc((size_t)numel * sizeof(*yv) + 1);
	if (!xv || !yv) {
		free(xv);
		free(yv);
		return nn_nomem(c);
	}
	for (int64_t n = 0; n < x->dims[0]; n++)
		for (int64_t k = 0; k < ch; k++)
			for (int64_t i = 0; i < inner; i++) {
				int64_t lo = k - (size - 1) / 2, hi = k + size / 2;
				double sq = 0, v = xv[(n * ch + k) * inner + i];

				for (int64_t j = lo < 0 ? 0 : lo; j <= hi && j < ch; j++) {
					double t = xv[(n * ch + j) * inner + i];

					sq += t * t;
				}
				yv[(n * ch + k) * inner + i] = v / pow(bias + alpha / (double)size * sq, beta);
			}
	nn_store(x->dtype, out[0], yv, (size_t)numel);
	free(xv);
	free(yv);
	return 0;
}

/* MeanVarianceNormalization: over @axes (default N and the spatial axes of a 4-D tensor). */
static int mvn_axes(struct op_ctx *c, bool *reduced)
{
	const struct ir_tensor *x = op_in(c, 0);
	const struct ir_attr *a = ir_node_find_attr(c->node, "axes");
	static const int64_t def[] = { 0, 2, 3 };
	const int64_t *axes = def;
	size_t n = 3;

	if (a && a->type != IR_ATTR_INTS)
		return op_fail(c, -EINVAL, "bad attribute type for 'axes' (not ints)");
	if (a) {
		axes = a->ints;
		n = a->len;
	}
	memset(reduced, 0, IR_MAX_RANK * sizeof(*reduced));
	for (size_t i = 0; i < n; i++) {
		int ax, ret = op_axis_norm(c, axes[i], x->rank, &ax);

		if (ret)
			return ret;
		reduced[ax] = true;
	}
	return 0;
}

static int infer_mvn(struct op_ctx *c)
{
	bool reduced[IR_MAX_RANK];
	int ret = op_need_inputs(c, 1);

	if (ret)
		return ret;
	ret = nn_need_float(c, op_in(c, 0), "X") ?: mvn_axes(c, reduced);
	if (ret)
		return ret;
	return op_infer_unary(c);
}

static int host_mvn(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *x = op_in(c, 0);
	int64_t numel = ir_tensor_numel(x), groups = 1, gstride[IR_MAX_RANK];
	double *xv = NULL, *sum = NULL, *sq = NULL, *cnt = NULL;
	bool reduced[IR_MAX_RANK];
	int ret = mvn_axes(c, reduced);

	if (ret)
		return ret;
	/* Each element's group: its index with the reduced axes dropped. */
	for (int d = x->rank - 1; d >= 0; d--) {
		gstride[d] = reduced[d] ? 0 : groups;
		groups *= reduced[d] ? 1 : x->dims[d];
	}
	xv = nn_load(x->dtype, in[0], (size_t)numel);
	sum = calloc((size_t)groups + 1, sizeof(*sum));
	sq = calloc((size_t)groups + 1, sizeof(*sq));
	cnt = calloc((size_t)groups + 1, sizeof(*cnt));
	if (!xv || !sum || !sq || !cnt) {
		ret = nn_nomem(c);
		goto out;
	}
	for (int pass = 0; pass < 2; pass++) {
		int64_t idx[IR_MAX_RANK] = { 0 };

		for (int64_t i = 0; i < numel; i++) {
			int64_t g = 0;

			for (int d = 0; d < x->rank; d++)
				g += idx[d] * gstride[d];
			if (pass == 0) {
				sum[g] += xv[i];
				sq[g] += xv[i] * xv[i];
				cnt[g]++;
			} else {
				double m = sum[g] / cnt[g], var = sq[g] / cnt[g] - m * m;

				/* As the specification's function: epsilon added to the deviation. */
				xv[i] = (xv[i] - m) / (sqrt(var > 0 ? var : 0) + 1e-9);
			}
			for (int d = x->rank - 1; d >= 0 && ++idx[d] == x->dims[d]; d--)
				idx[d] = 0;
		}
	}
	nn_store(x->dtype, out[0], xv, (size_t)numel);
out:
	free(xv);
	free(sum);
	free(sq);
	free(cnt);
	return ret;
}

const struct op_def op_defs_nn_norm[] = {
	{ "BatchNormalization", infer_batchnorm, host_batchnorm },
	{ "InstanceNormalization", infer_instancenorm, host_instancenorm },
	{ "LayerNormalization", infer_layernorm, host_layernorm },
	{ "LRN", infer_lrn, host_lrn },
	{ "MeanVarianceNormalization", infer_mvn, host_mvn },
	{ NULL, NULL, NULL },
};

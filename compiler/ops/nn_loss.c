// SPDX-License-Identifier: MIT
/*
 * Losses (opsets 12 and 13): NegativeLogLikelihoodLoss, and SoftmaxCrossEntropyLoss (the same
 * loss over log-softmax of the scores, which it can output as log_prob). Reduction none, sum or
 * mean (divided by the summed weights of the elements not ignored), class weights,
 * ignore_index. Input [N, C, D...], target [N, D...] of int32 or int64 class indices.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/ops/nn.h"

enum loss_reduction { LOSS_NONE, LOSS_SUM, LOSS_MEAN };

static int loss_reduction(struct op_ctx *c, enum loss_reduction *r)
{
	const struct ir_attr *a = ir_node_find_attr(c->node, "reduction");

	*r = LOSS_MEAN;
	if (!a)
		return 0;
	if (a->type != IR_ATTR_STRING)
		return op_fail(c, -EINVAL, "bad attribute type for 'reduction' (not a string)");
	if (!strcmp(a->s, "none"))
		*r = LOSS_NONE;
	else if (!strcmp(a->s, "sum"))
		*r = LOSS_SUM;
	else if (strcmp(a->s, "mean"))
		return op_fail(c, -EINVAL, "bad reduction '%s'", a->s);
	return 0;
}

static int infer_loss(struct op_ctx *c)
{
	const struct ir_tensor *x, *t, *w;
	enum loss_reduction red;
	int ret = op_need_inputs(c, 2);

	if (ret)
		return ret;
	x = op_in(c, 0);
	t = op_in(c, 1);
	w = op_in(c, 2);
	ret = nn_need_float(c, x, "input") ?: nn_need_same_type(c, x, w) ?: loss_reduction(c, &red);
	if (ret)
		return ret;
	if (x->rank < 2 || t->rank != x->rank - 1 || t->dims[0] != x->dims[0] ||
	    memcmp(t->dims + 1, x->dims + 2, (x->rank - 2) * sizeof(*t->dims)))
		return op_fail(c, -EINVAL, "target must be input's shape without the class axis");
	if (t->dtype != IR_DTYPE_INT64 && t->dtype != IR_DTYPE_INT32)
		return op_fail(c, -EINVAL, "target of type %s (want int32 or int64)",
			       ir_dtype_name(t->dtype));
	if (w && (w->rank != 1 || w->dims[0] != x->dims[1]))
		return op_fail(c, -EINVAL, "weight must be [%lld]", (long long)x->dims[1]);
	op_set_shape(op_out(c, 0), x->dtype, red == LOSS_NONE ? t->rank : 0, t->dims);
	/* SoftmaxCrossEntropyLoss's log_prob. */
	op_set_shape(op_out(c, 1), x->dtype, x->rank, x->dims);
	return 0;
}

/*
 * The loss from log-probabilities @lp [N, C, inner] and the node's target and weight inputs,
 * into out[0].
 */
static int loss_compute(struct op_ctx *c, const double *lp, const void *const *in, void *const *out)
{
	const struct ir_tensor *x = op_in(c, 0), *t = op_in(c, 1), *w = op_in(c, 2);
	int64_t n_img = x->dims[0], ch = x->dims[1], inner = nn_numel(x->dims + 2, x->rank - 2);
	int64_t ignore = 0, cnt = n_img * inner;
	bool has_ignore = ir_node_find_attr(c->node, "ignore_index") != NULL;
	double *loss = NULL, *wv = NULL, wsum = 0, total = 0;
	enum loss_reduction red;
	int ret = loss_reduction(c, &red) ?: op_attr_int(c, "ignore_index", 0, &ignore);

	if (ret)
		return ret;
	loss = malloc((size_t)cnt * sizeof(*loss) + 1);
	wv = w ? nn_load(w->dtype, in[2], (size_t)ch) : NULL;
	if (!loss || (w && !wv)) {
		ret = nn_nomem(c);
		goto out;
	}
	for (int64_t n = 0; n < n_img; n++)
		for (int64_t i = 0; i < inner; i++) {
			int64_t j = n * inner + i;
			int64_t k = t->dtype == IR_DTYPE_INT64 ? ((const int64_t *)in[1])[j] :
								 ((const int32_t *)in[1])[j];
			double wk;

			if (has_ignore && k == ignore) {
				loss[j] = 0;
				continue;
			}
			if (k < 0 || k >= ch) {
				ret = op_fail(c, -EINVAL, "target %lld out of range (%lld classes)",
					      (long long)k, (long long)ch);
				goto out;
			}
			wk = wv ? wv[k] : 1;
			loss[j] = -lp[(n * ch + k) * inner + i] * wk;
			wsum += wk;
			total += loss[j];
		}
	if (red == LOSS_NONE) {
		nn_store(x->dtype, out[0], loss, (size_t)cnt);
	} else {
		/* A mean over nothing (every element ignored) is 0 / 0: NaN. */
		total = red == LOSS_SUM ? total : total / wsum;
		nn_store(x->dtype, out[0], &total, 1);
	}
out:
	free(loss);
	free(wv);
	return ret;
}

static int host_nll(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *x = op_in(c, 0);
	double *lp = nn_load(x->dtype, in[0], (size_t)ir_tensor_numel(x));
	int ret;

	if (!lp)
		return nn_nomem(c);
	ret = loss_compute(c, lp, in, out);
	free(lp);
	return ret;
}

static int host_sce(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *x = op_in(c, 0);
	int64_t numel = ir_tensor_numel(x), ch = x->dims[1], inner = nn_numel(x->dims + 2, x->rank - 2);
	double *lp = nn_load(x->dtype, in[0], (size_t)numel);
	int ret;

	if (!lp)
		return nn_nomem(c);
	/* Log-softmax over the class axis, shifted by the max so that exp() cannot overflow. */
	for (int64_t n = 0; n < x->dims[0]; n++)
		for (int64_t i = 0; i < inner && ch > 0; i++) {
			double *v = lp + n * ch * inner + i, max = v[0], sum = 0;

			for (int64_t k = 1; k < ch; k++)
				max = v[k * inner] > max ? v[k * inner] : max;
			for (int64_t k = 0; k < ch; k++)
				sum += exp(v[k * inner] - max);
			for (int64_t k = 0; k < ch; k++)
				v[k * inner] -= max + log(sum);
		}
	ret = loss_compute(c, lp, in, out);
	if (!ret && op_out(c, 1))
		nn_store(x->dtype, out[1], lp, (size_t)numel);
	free(lp);
	return ret;
}

const struct op_def op_defs_nn_loss[] = {
	{ "NegativeLogLikelihoodLoss", infer_loss, host_nll },
	{ "SoftmaxCrossEntropyLoss", infer_loss, host_sce },
	{ NULL, NULL, NULL },
};

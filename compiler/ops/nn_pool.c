// SPDX-License-Identifier: MIT
/*
 * Pooling: MaxPool (with its Indices output), AveragePool, GlobalAveragePool, GlobalMaxPool,
 * over any number of spatial axes. Opsets 1 to 17: dilations, ceil_mode and storage_order came
 * in opsets 8 to 11 with defaults that keep the older behaviour, count_include_pad in 7.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/ops/nn.h"

/* X and the window of a MaxPool / AveragePool node. */
static int pool_resolve(struct op_ctx *c, struct nn_window *win)
{
	const struct ir_tensor *x = op_in(c, 0);
	bool is_max = !strcmp(c->node->op_type, "MaxPool"), has_kernel;
	int64_t kernel[IR_MAX_RANK], order;
	int ret;

	if (x->rank < 3)
		return op_fail(c, -EINVAL, "X of rank %d (want >= 3)", x->rank);
	/* MaxPool takes 8-bit integers too (opset 12). */
	if (!(is_max && (x->dtype == IR_DTYPE_UINT8 || x->dtype == IR_DTYPE_INT8))) {
		ret = nn_need_float(c, x, "X");
		if (ret)
			return ret;
	}
	ret = op_attr_ints(c, "kernel_shape", x->rank - 2, 0, kernel, &has_kernel) ?:
	      op_attr_int(c, "storage_order", 0, &order);
	if (ret)
		return ret;
	if (!has_kernel)
		return op_fail(c, -EINVAL, "no kernel_shape");
	if (order != 0 && order != 1)
		return op_fail(c, -EINVAL, "bad storage_order %lld", (long long)order);
	return nn_window_resolve(c, x, kernel, true, win);
}

static int infer_pool(struct op_ctx *c)
{
	const struct ir_tensor *x;
	int64_t dims[IR_MAX_RANK];
	struct nn_window win;
	int ret = op_need_inputs(c, 1);

	if (ret)
		return ret;
	ret = pool_resolve(c, &win);
	if (ret)
		return ret;
	x = op_in(c, 0);
	dims[0] = x->dims[0];
	dims[1] = x->dims[1];
	memcpy(dims + 2, win.out, win.spatial * sizeof(*dims));
	op_set_shape(op_out(c, 0), x->dtype, x->rank, dims);
	/* MaxPool's optional Indices. */
	if (!strcmp(c->node->op_type, "MaxPool"))
		op_set_shape(op_out(c, 1), IR_DTYPE_INT64, x->rank, dims);
	return 0;
}

/*
 * Offset @off within a plane of dims @in, as the column-major offset (storage_order 1: the
 * first spatial axis varies fastest).
 */
static int64_t col_major(int64_t off, const int64_t *in, int s)
{
	int64_t r = 0, scale = 1, coord[IR_MAX_RANK];

	for (int i = s - 1; i >= 0; i--) {
		coord[i] = off % in[i];
		off /= in[i];
	}
	for (int i = 0; i < s; i++) {
		r += coord[i] * scale;
		scale *= in[i];
	}
	return r;
}

static int host_pool(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *x = op_in(c, 0);
	bool is_max = !strcmp(c->node->op_type, "MaxPool");
	int64_t taps, outs, plane, planes, order, include_pad, *tab = NULL, *arg = NULL;
	double *xv = NULL, *yv = NULL, *cnt = NULL;
	struct nn_window win;
	int ret;

	ret = pool_resolve(c, &win) ?: op_attr_int(c, "storage_order", 0, &order) ?:
	      op_attr_int(c, "count_include_pad", 0, &include_pad);
	if (ret)
		return ret;
	plane = nn_numel(win.in, win.spatial);
	planes = x->dims[0] * x->dims[1];
	tab = nn_window_taps(&win, &taps, &outs);
	xv = nn_load(x->dtype, in[0], (size_t)ir_tensor_numel(x));
	yv = calloc((size_t)(planes * outs) + 1, sizeof(*yv));
	cnt = calloc((size_t)outs + 1, sizeof(*cnt));
	arg = calloc((size_t)outs + 1, sizeof(*arg));
	if (!tab || !xv || !yv || !cnt || !arg) {
		ret = nn_nomem(c);
		goto out;
	}
	for (int64_t p = 0; p < planes; p++) {
		const double *xp = xv + p * plane;
		double *yp = yv + p * outs;

		for (int64_t o = 0; o < outs; o++) {
			yp[o] = is_max ? -INFINITY : 0;
			cnt[o] = 0;
			arg[o] = -1;
		}
		/* Tap by tap: the table's rows are read in order. */
		for (int64_t k = 0; k < taps; k++) {
			const int64_t *row = tab + k * outs;

			for (int64_t o = 0; o < outs; o++) {
				int64_t i = row[o];

				if (i >= 0 && is_max) {
					if (arg[o] < 0 || xp[i] > yp[o]) {
						yp[o] = xp[i];
						arg[o] = i;
					}
				} else if (i >= 0) {
					yp[o] += xp[i];
					cnt[o]++;
				} else if (i == -1 && include_pad) {
					cnt[o]++;
				}
			}
		}
		for (int64_t o = 0; !is_max && o < outs; o++)
			yp[o] = cnt[o] ? yp[o] / cnt[o] : 0;
		if (is_max && op_out(c, 1)) {
			int64_t *idx = (int64_t *)out[1] + p * outs;

			for (int64_t o = 0; o < outs; o++) {
				int64_t a = arg[o] < 0 ? 0 : arg[o];

				idx[o] = p * plane + (order ? col_major(a, win.in, win.spatial) : a);
			}
		}
	}
	nn_store(x->dtype, out[0], yv, (size_t)(planes * outs));
out:
	free(tab);
	free(xv);
	free(yv);
	free(cnt);
	free(arg);
	return ret;
}

static int infer_global_pool(struct op_ctx *c)
{
	int64_t dims[IR_MAX_RANK];
	const struct ir_tensor *x;
	int ret = op_need_inputs(c, 1);

	if (ret)
		return ret;
	x = op_in(c, 0);
	if (x->rank < 3)
		return op_fail(c, -EINVAL, "X of rank %d (want >= 3)", x->rank);
	ret = nn_need_float(c, x, "X");
	if (ret)
		return ret;
	for (int i = 0; i < x->rank; i++)
		dims[i] = i < 2 ? x->dims[i] : 1;
	op_set_shape(op_out(c, 0), x->dtype, x->rank, dims);
	return 0;
}

static int host_global_pool(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *x = op_in(c, 0);
	bool is_max = !strcmp(c->node->op_type, "GlobalMaxPool");
	int64_t planes = x->dims[0] * x->dims[1], plane = nn_numel(x->dims + 2, x->rank - 2);
	double *xv = nn_load(x->dtype, in[0], (size_t)ir_tensor_numel(x)), *yv;

	yv = malloc((size_t)planes * sizeof(*yv) + 1);
	if (!xv || !yv) {
		free(xv);
		free(yv);
		return nn_nomem(c);
	}
	for (int64_t p = 0; p < planes; p++) {
		const double *xp = xv + p * plane;
		double acc = is_max ? -INFINITY : 0;

		for (int64_t i = 0; i < plane; i++)
			acc = is_max ? (xp[i] > acc ? xp[i] : acc) : acc + xp[i];
		yv[p] = is_max ? acc : plane ? acc / (double)plane : 0;
	}
	nn_store(x->dtype, out[0], yv, (size_t)planes);
	free(xv);
	free(yv);
	return 0;
}

const struct op_def op_defs_nn_pool[] = {
	{ "MaxPool", infer_pool, host_pool },
	{ "AveragePool", infer_pool, host_pool },
	{ "GlobalAveragePool", infer_global_pool, host_global_pool },
	{ "GlobalMaxPool", infer_global_pool, host_global_pool },
	{ NULL, NULL, NULL },
};

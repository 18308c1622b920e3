// SPDX-License-Identifier: MIT
/*
 * Convolutions: Conv and ConvTranspose, 1-D to 3-D and beyond, grouped (depthwise included),
 * strided, dilated, padded explicitly or by auto_pad. Opsets 1 to 17 (their attributes did not
 * change). The host kernels go through a tap table (compiler/ops/nn.h): for each kernel tap
 * the input element every output position reads, so that the inner loop is one multiply-add
 * per output position with the weight held.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/ops/nn.h"

/* Conv's X, W and optional B, checked against each other; @kernel from W (and kernel_shape). */
static int conv_check(struct op_ctx *c, int64_t *kernel, int64_t *group)
{
	const struct ir_tensor *x = op_in(c, 0), *w = op_in(c, 1), *b = op_in(c, 2);
	bool has_kernel;
	int s, ret;

	if (x->rank < 3 || w->rank != x->rank)
		return op_fail(c, -EINVAL, "X of rank %d and W of rank %d (want equal, >= 3)",
			       x->rank, w->rank);
	s = x->rank - 2;
	ret = nn_need_float(c, x, "X") ?: nn_need_same_type(c, x, w) ?: nn_need_same_type(c, x, b) ?:
	      op_attr_int(c, "group", 1, group) ?:
	      op_attr_ints(c, "kernel_shape", s, 0, kernel, &has_kernel);
	if (ret)
		return ret;
	/* Divided rather than multiplied: group comes from the model, unbounded. */
	if (*group < 1 || x->dims[1] % *group || x->dims[1] / *group != w->dims[1] ||
	    w->dims[0] % *group)
		return op_fail(c, -EINVAL, "channels: X has %lld, W wants %lld x group %lld",
			       (long long)x->dims[1], (long long)w->dims[1], (long long)*group);
	for (int i = 0; i < s; i++) {
		if (has_kernel && kernel[i] != w->dims[2 + i])
			return op_fail(c, -EINVAL, "kernel_shape differs from W's");
		kernel[i] = w->dims[2 + i];
	}
	if (b && (b->rank != 1 || b->dims[0] != w->dims[0]))
		return op_fail(c, -EINVAL, "B must be [%lld]", (long long)w->dims[0]);
	return 0;
}

static int infer_conv(struct op_ctx *c)
{
	const struct ir_tensor *x;
	int64_t kernel[IR_MAX_RANK], dims[IR_MAX_RANK], group;
	struct nn_window win;
	int ret = op_need_inputs(c, 2);

	if (ret)
		return ret;
	ret = conv_check(c, kernel, &group);
	if (ret)
		return ret;
	x = op_in(c, 0);
	ret = nn_window_resolve(c, x, kernel, false, &win);
	if (ret)
		return ret;
	dims[0] = x->dims[0];
	dims[1] = op_in(c, 1)->dims[0];
	memcpy(dims + 2, win.out, win.spatial * sizeof(*dims));
	op_set_shape(op_out(c, 0), x->dtype, x->rank, dims);
	return 0;
}

static int host_conv(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *x = op_in(c, 0), *w = op_in(c, 1), *b = op_in(c, 2);
	int64_t kernel[IR_MAX_RANK], group, taps, outs, n_img = x->dims[0], ch = x->dims[1];
	int64_t m_all = w->dims[0], ch_g, m_g, plane, *tab = NULL;
	double *xv = NULL, *wv = NULL, *bv = NULL, *yv = NULL;
	struct nn_window win;
	int ret;

	ret = conv_check(c, kernel, &group) ?: nn_window_resolve(c, x, kernel, false, &win);
	if (ret)
		return ret;
	ch_g = ch / group;
	m_g = m_all / group;
	plane = nn_numel(win.in, win.spatial);
	tab = nn_window_taps(&win, &taps, &outs);
	xv = nn_load(x->dtype, in[0], (size_t)ir_tensor_numel(x));
	wv = nn_load(w->dtype, in[1], (size_t)ir_tensor_numel(w));
	bv = b ? nn_load(b->dtype, in[2], (size_t)m_all) : NULL;
	yv = calloc((size_t)(n_img * m_all * outs) + 1, sizeof(*yv));
	if (!tab || !xv || !wv || (b && !bv) || !yv) {
		ret = nn_nomem(c);
		goto out;
	}
	for (int64_t n = 0; n < n_img; n++) {
		for (int64_t m = 0; m < m_all; m++) {
			double *acc = yv + (n * m_all + m) * outs;
			int64_t g = m / m_g;

			for (int64_t o = 0; o < outs; o++)
				acc[o] = bv ? bv[m] : 0;
			for (int64_t ic = 0; ic < ch_g; ic++) {
				const double *xp = xv + (n * ch + g * ch_g + ic) * plane;
				const double *wp = wv + (m * ch_g + ic) * taps;

				for (int64_t k = 0; k < taps; k++) {
					const int64_t *row = tab + k * outs;
					double wk = wp[k];

					for (int64_t o = 0; o < outs; o++)
						if (row[o] >= 0)
							acc[o] += wk * xp[row[o]];
				}
			}
		}
	}
	nn_store(x->dtype, out[0], yv, (size_t)(n_img * m_all * outs));
out:
	free(tab);
	free(xv);
	free(wv);
	free(bv);
	free(yv);
	return ret;
}

/*
 * ConvTranspose's geometry: @win describes the equivalent gather, from the output's point of
 * view swapped: its "in" is the output (Y's spatial dims), its "out" X's, so that
 * nn_window_taps() gives, for each tap and X position, the Y element it adds to. Output size
 * from output_shape when given, else stride * (in - 1) + output_padding + dilated kernel - pads;
 * the pads from auto_pad or output_shape when those set them (negative when output_shape asks
 * for more than the kernel reaches: zeros there).
 */
static int conv_transpose_resolve(struct op_ctx *c, int64_t *out_ch, struct nn_window *win)
{
	const struct ir_tensor *x = op_in(c, 0), *w = op_in(c, 1), *b = op_in(c, 2);
	int64_t kernel[IR_MAX_RANK], pads[2 * IR_MAX_RANK], opad[IR_MAX_RANK], group;
	int64_t oshape[IR_MAX_RANK + 2];
	const struct ir_attr *os = ir_node_find_attr(c->node, "output_shape");
	const struct ir_attr *ap = ir_node_find_attr(c->node, "auto_pad");
	const char *auto_pad = ap && ap->type == IR_ATTR_STRING && ap->s[0] ? ap->s : "NOTSET";
	bool has_kernel;
	int s, ret;

	if (x->rank < 3 || w->rank != x->rank)
		return op_fail(c, -EINVAL, "X of rank %d and W of rank %d (want equal, >= 3)",
			       x->rank, w->rank);
	s = x->rank - 2;
	memset(win, 0, sizeof(*win));
	win->spatial = s;
	ret = nn_need_float(c, x, "X") ?: nn_need_same_type(c, x, w) ?: nn_need_same_type(c, x, b) ?:
	      op_attr_int(c, "group", 1, &group) ?:
	      op_attr_ints(c, "kernel_shape", s, 0, kernel, &has_kernel) ?:
	      op_attr_ints(c, "pads", 2 * s, 0, pads, NULL) ?:
	      op_attr_ints(c, "strides", s, 1, win->stride, NULL) ?:
	      op_attr_ints(c, "dilations", s, 1, win->dil, NULL) ?:
	      op_attr_ints(c, "output_padding", s, 0, opad, NULL);
	if (ret)
		return ret;
	if (ap && ap->type != IR_ATTR_STRING)
		return op_fail(c, -EINVAL, "bad attribute type for 'auto_pad' (not a string)");
	if (strcmp(auto_pad, "NOTSET") && strcmp(auto_pad, "SAME_UPPER") &&
	    strcmp(auto_pad, "SAME_LOWER") && strcmp(auto_pad, "VALID"))
		return op_fail(c, -EINVAL, "bad auto_pad '%s'", auto_pad);
	if (group < 1 || group > IR_MAX_ELEMENTS || x->dims[1] != w->dims[0] || x->dims[1] % group ||
	    w->dims[1] > IR_MAX_ELEMENTS / group)
		return op_fail(c, -EINVAL, "channels: X has %lld, W wants %lld (group %lld)",
			       (long long)x->dims[1], (long long)w->dims[0], (long long)group);
	if (b && (b->rank != 1 || b->dims[0] != w->dims[1] * group))
		return op_fail(c, -EINVAL, "B must be [%lld]", (long long)(w->dims[1] * group));
	*out_ch = w->dims[1] * group;
	/* Given as the spatial dims, or (as some exporters write it) as the whole output shape. */
	if (os && (os->type != IR_ATTR_INTS || (os->len != (size_t)s && os->len != (size_t)s + 2)))
		return op_fail(c, -EINVAL, "output_shape must have %d values", s);
	if (os)
		memcpy(oshape, os->ints + (os->len - s), s * sizeof(*oshape));
	for (int i = 0; i < s; i++) {
		int64_t eff, full, total;

		if (has_kernel && kernel[i] != w->dims[2 + i])
			return op_fail(c, -EINVAL, "kernel_shape differs from W's");
		win->kernel[i] = w->dims[2 + i];
		win->out[i] = x->dims[2 + i];
		if (win->stride[i] < 1 || win->dil[i] < 1 || win->kernel[i] < 1 || pads[i] < 0 ||
		    pads[s + i] < 0 || opad[i] < 0 || win->stride[i] > IR_MAX_ELEMENTS ||
		    win->dil[i] > IR_MAX_ELEMENTS || pads[i] > IR_MAX_ELEMENTS ||
		    pads[s + i] > IR_MAX_ELEMENTS || opad[i] > IR_MAX_ELEMENTS ||
		    (win->kernel[i] - 1) > IR_MAX_ELEMENTS / win->dil[i] ||
		    (x->dims[2 + i] > 0 && win->stride[i] > IR_MAX_ELEMENTS / x->dims[2 + i]))
			return op_fail(c, -EINVAL, "bad kernel, stride, dilation or pad on axis %d", i);
		eff = (win->kernel[i] - 1) * win->dil[i] + 1;
		full = win->stride[i] * (x->dims[2 + i] - 1) + opad[i] + eff;
		if (os || !strcmp(auto_pad, "SAME_UPPER") || !strcmp(auto_pad, "SAME_LOWER")) {
			int64_t half;

			win->in[i] = os ? oshape[i] : x->dims[2 + i] * win->stride[i];
			if (win->in[i] < 0 || win->in[i] > IR_MAX_ELEMENTS)
				return op_fail(c, -EINVAL, "bad output_shape on axis %d", i);
			total = full - win->in[i];
			/* Rounded down, negative totals included: the extra output at the end. */
			half = total >= 0 ? total / 2 : -((-total + 1) / 2);
			win->pad[i] = !strcmp(auto_pad, "SAME_UPPER") ? half : total - half;
			win->pad_end[i] = total - win->pad[i];
		} else {
			if (strcmp(auto_pad, "VALID")) {
				win->pad[i] = pads[i];
				win->pad_end[i] = pads[s + i];
			}
			win->in[i] = full - win->pad[i] - win->pad_end[i];
			if (win->in[i] < 0)
				return op_fail(c, -EINVAL, "pads larger than the output on axis %d", i);
		}
	}
	return 0;
}

static int infer_conv_transpose(struct op_ctx *c)
{
	int64_t dims[IR_MAX_RANK];
	struct nn_window win;
	int ret = op_need_inputs(c, 2);

	if (ret)
		return ret;
	ret = conv_transpose_resolve(c, &dims[1], &win);
	if (ret)
		return ret;
	dims[0] = op_in(c, 0)->dims[0];
	memcpy(dims + 2, win.in, win.spatial * sizeof(*dims));
	op_set_shape(op_out(c, 0), op_in(c, 0)->dtype, op_in(c, 0)->rank, dims);
	return 0;
}

static int host_conv_transpose(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *x = op_in(c, 0), *w = op_in(c, 1), *b = op_in(c, 2);
	int64_t m_all, group, taps, xs, n_img = x->dims[0], ch = x->dims[1], ys, ch_g, m_g;
	int64_t *tab = NULL;
	double *xv = NULL, *wv = NULL, *bv = NULL, *yv = NULL;
	struct nn_window win;
	int ret;

	ret = conv_transpose_resolve(c, &m_all, &win) ?: op_attr_int(c, "group", 1, &group);
	if (ret)
		return ret;
	ch_g = ch / group;
	m_g = m_all / group;
	ys = nn_numel(win.in, win.spatial);
	tab = nn_window_taps(&win, &taps, &xs);
	xv = nn_load(x->dtype, in[0], (size_t)ir_tensor_numel(x));
	wv = nn_load(w->dtype, in[1], (size_t)ir_tensor_numel(w));
	bv = b ? nn_load(b->dtype, in[2], (size_t)m_all) : NULL;
	yv = calloc((size_t)(n_img * m_all * ys) + 1, sizeof(*yv));
	if (!tab || !xv || !wv || (b && !bv) || !yv) {
		ret = nn_nomem(c);
		goto out;
	}
	for (int64_t n = 0; n < n_img; n++) {
		for (int64_t m = 0; bv && m < m_all; m++)
			for (int64_t o = 0; o < ys; o++)
				yv[(n * m_all + m) * ys + o] = bv[m];
		for (int64_t ic = 0; ic < ch; ic++) {
			const double *xp = xv + (n * ch + ic) * xs;
			int64_t g = ic / ch_g;

			for (int64_t mo = 0; mo < m_g; mo++) {
				double *yp = yv + (n * m_all + g * m_g + mo) * ys;
				const double *wp = wv + (ic * m_g + mo) * taps;

				for (int64_t k = 0; k < taps; k++) {
					const int64_t *row = tab + k * xs;
					double wk = wp[k];

					for (int64_t i = 0; i < xs; i++)
						if (row[i] >= 0)
							yp[row[i]] += wk * xp[i];
				}
			}
		}
	}
	nn_store(x->dtype, out[0], yv, (size_t)(n_img * m_all * ys));
out:
	free(tab);
	free(xv);
	free(wv);
	free(bv);
	free(yv);
	return ret;
}

const struct op_def op_defs_nn_conv[] = {
	{ "Conv", infer_conv, host_conv },
	{ "ConvTranspose", infer_conv_transpose, host_conv_transpose },
	{ NULL, NULL, NULL },
};

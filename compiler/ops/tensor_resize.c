// SPDX-License-Identifier: MIT
/*
 * Resize (opsets 10 to 17) and Upsample (7 to 9). The output shape comes from constant scales
 * or sizes. Each output coordinate maps back to an input coordinate
 * (coordinate_transformation_mode), then nearest picks one element (nearest_mode) and linear
 * and cubic weigh 2 or 4 neighbours per axis. ONNX's n-linear and n-cubic interpolations are
 * products of 1-D ones, so the kernel interpolates one axis at a time, in doubles. Out-of-range
 * neighbours repeat the edge element (or drop out, with exclude_outside).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/ops/elementwise.h"
#include "compiler/ops/tensor_map.h"

enum resize_coord {
	COORD_HALF_PIXEL,
	COORD_PYTORCH_HALF_PIXEL,
	COORD_ALIGN_CORNERS,
	COORD_ASYMMETRIC,
	COORD_TF_HALF_PIXEL_FOR_NN,
	COORD_TF_CROP_AND_RESIZE,
};

enum resize_interp { INTERP_NEAREST, INTERP_LINEAR, INTERP_CUBIC };

enum resize_round { ROUND_PREFER_FLOOR, ROUND_PREFER_CEIL, ROUND_FLOOR, ROUND_CEIL };

/**
 * struct resize_plan - what one Resize or Upsample node does
 * @out: the output's dimensions
 * @scale: per axis, the factor the coordinate transformation divides by (the given scale, or
 *         output size / input size when sizes were given)
 */
struct resize_plan {
	int64_t out[IR_MAX_RANK];
	double scale[IR_MAX_RANK];
	enum resize_coord coord;
	enum resize_interp interp;
	enum resize_round round;
	double cubic_a, extrapolation;
	bool exclude_outside;
};

/* String attribute @name as the index of its value in @names (@def when absent). */
static int attr_choice(struct op_ctx *c, const char *name, const char *const *names, int def,
		       int *v)
{
	const struct ir_attr *a = ir_node_find_attr(c->node, name);

	*v = def;
	if (!a)
		return 0;
	if (a->type != IR_ATTR_STRING)
		return op_fail(c, -EINVAL, "bad attribute type for '%s'", name);
	for (int i = 0; names[i]; i++)
		if (!strcmp(a->s, names[i])) {
			*v = i;
			return 0;
		}
	return op_fail(c, -EINVAL, "%s '%s' unknown", name, a->s);
}

/* Attributes (and their defaults) of Resize from opset 11. */
static int resize11_attrs(struct op_ctx *c, struct resize_plan *p)
{
	static const char *const coords[] = { "half_pixel", "pytorch_half_pixel", "align_corners",
		"asymmetric", "tf_half_pixel_for_nn", "tf_crop_and_resize", NULL };
	static const char *const rounds[] = { "round_prefer_floor", "round_prefer_ceil", "floor",
		"ceil", NULL };
	int64_t exclude;
	float a, ev;
	int coord, round, ret;

	if (ir_node_find_attr(c->node, "antialias") || ir_node_find_attr(c->node, "axes") ||
	    ir_node_find_attr(c->node, "keep_aspect_ratio_policy"))
		return op_fail(c, -EOPNOTSUPP, "antialias, axes and keep_aspect_ratio_policy (opset 18) not supported");
	ret = attr_choice(c, "coordinate_transformation_mode", coords, COORD_HALF_PIXEL, &coord) ?:
	      attr_choice(c, "nearest_mode", rounds, ROUND_PREFER_FLOOR, &round) ?:
	      op_attr_float(c, "cubic_coeff_a", -0.75f, &a) ?:
	      op_attr_int(c, "exclude_outside", 0, &exclude) ?:
	      op_attr_float(c, "extrapolation_value", 0.0f, &ev);
	if (ret)
		return ret;
	p->coord = coord;
	p->round = round;
	p->cubic_a = a;
	p->exclude_outside = exclude != 0;
	p->extrapolation = ev;
	return 0;
}

/* Output dims and scales from @n scales (@scales, n >= 0) or sizes (@sizes). */
static int resize_dims(struct op_ctx *c, struct resize_plan *p, const double *scales, int ns,
		       const int64_t *sizes, int nz)
{
	const struct ir_tensor *x = op_in(c, 0);

	if (ns > 0 && nz > 0)
		return op_fail(c, -EINVAL, "both scales and sizes given");
	if (ns <= 0 && nz <= 0)
		return op_fail(c, -EINVAL, "neither scales nor sizes given");
	if ((ns > 0 ? ns : nz) != x->rank)
		return op_fail(c, -EINVAL, "%d scales or sizes for rank %d", ns > 0 ? ns : nz, x->rank);
	for (int d = 0; d < x->rank; d++) {
		if (ns > 0) {
			double o = floor((double)x->dims[d] * scales[d]);

			if (!(scales[d] > 0) || !(o <= (double)IR_MAX_ELEMENTS))
				return op_fail(c, -EINVAL, "scale %g on axis %d", scales[d], d);
			p->scale[d] = scales[d];
			p->out[d] = (int64_t)o;
		} else {
			if (sizes[d] < 0 || sizes[d] > IR_MAX_ELEMENTS || (sizes[d] && !x->dims[d]))
				return op_fail(c, -EINVAL, "size %lld on axis %d", (long long)sizes[d], d);
			p->out[d] = sizes[d];
			p->scale[d] = x->dims[d] ? (double)sizes[d] / (double)x->dims[d] : 1.0;
		}
		if (p->out[d] && !x->dims[d])
			return op_fail(c, -EINVAL, "axis %d is empty", d);
	}
	return 0;
}

static int resize_plan(struct op_ctx *c, struct resize_plan *p)
{
	static const char *const interps[] = { "nearest", "linear", "cubic", NULL };
	const struct ir_tensor *x = op_in(c, 0);
	double scales[IR_MAX_RANK];
	int64_t sizes[IR_MAX_RANK];
	bool upsample = !strcmp(c->node->op_type, "Upsample");
	int ns = -1, nz = -1, interp, ret;

	memset(p, 0, sizeof(*p));
	ret = attr_choice(c, "mode", interps, INTERP_NEAREST, &interp);
	if (ret)
		return ret;
	p->interp = interp;
	if (upsample && c->g->opset >= 10)
		return op_fail(c, -EOPNOTSUPP, "Upsample is deprecated from opset 10 (Resize)");
	if (upsample || c->g->opset < 11) {
		/* Upsample 7-9 and Resize 10: asymmetric coordinates, nearest rounds down. */
		p->coord = COORD_ASYMMETRIC;
		p->round = ROUND_FLOOR;
		if (interp == INTERP_CUBIC)
			return op_fail(c, -EINVAL, "mode cubic needs opset 11");
		if (upsample && c->g->opset < 9) {
			const struct ir_attr *a = ir_node_find_attr(c->node, "scales");

			if (!a || a->type != IR_ATTR_FLOATS || a->len > IR_MAX_RANK)
				return op_fail(c, -EINVAL, "scales attribute missing or bad");
			for (size_t i = 0; i < a->len; i++)
				scales[i] = a->floats[i];
			ns = (int)a->len;
		} else {
			ret = tensor_const_doubles(c, 1, scales, IR_MAX_RANK, &ns);
		}
	} else {
		ret = resize11_attrs(c, p) ?: tensor_const_doubles(c, 2, scales, IR_MAX_RANK, &ns);
		if (!ret && op_in(c, 3)) {
			if (op_in(c, 3)->dtype != IR_DTYPE_INT64)
				return op_fail(c, -EINVAL, "sizes of type %s",
					       ir_dtype_name(op_in(c, 3)->dtype));
			ret = tensor_const_ints(c, 3, sizes, IR_MAX_RANK, &nz);
		}
		if (!ret && p->coord == COORD_TF_CROP_AND_RESIZE) {
			const struct ir_tensor *roi = op_in(c, 1);

			if (!roi || !op_dtype_is_float(roi->dtype) ||
			    ir_tensor_numel(roi) != 2 * x->rank)
				return op_fail(c, -EINVAL, "tf_crop_and_resize needs a roi of %d floats",
					       2 * x->rank);
		}
	}
	if (ret)
		return ret;
	if (interp != INTERP_NEAREST && !op_dtype_is_float(x->dtype))
		return op_fail(c, -EOPNOTSUPP, "%s resize of %s", interps[interp],
			       ir_dtype_name(x->dtype));
	if (ns > 0 && op_in(c, upsample || c->g->opset < 11 ? 1 : 2) &&
	    !op_dtype_is_float(op_in(c, upsample || c->g->opset < 11 ? 1 : 2)->dtype))
		return op_fail(c, -EINVAL, "scales are not floats");
	return resize_dims(c, p, scales, ns, sizes, nz);
}

static int infer_resize(struct op_ctx *c)
{
	struct resize_plan p;
	int ret = op_need_inputs(c, 1) ?: resize_plan(c, &p);

	if (ret)
		return ret;
	op_set_shape(op_out(c, 0), op_in(c, 0)->dtype, op_in(c, 0)->rank, p.out);
	return 0;
}

/* The input coordinate of output index @x along axis @d of @n_in -> @n_out elements. */
static double source_coord(const struct resize_plan *p, int d, int64_t x, int64_t n_in,
			   int64_t n_out, const double *roi, int rank)
{
	/*
	 * align_corners and tf_crop_and_resize divide by the unrounded output length (scale *
	 * input length), as ONNX's reference does: it differs from @n_out when the scale does
	 * not divide evenly.
	 */
	double s = p->scale[d], len = s * (double)n_in;

	switch (p->coord) {
	case COORD_HALF_PIXEL:
		return ((double)x + 0.5) / s - 0.5;
	case COORD_PYTORCH_HALF_PIXEL:
		return n_out > 1 ? ((double)x + 0.5) / s - 0.5 : 0.0;
	case COORD_ALIGN_CORNERS:
		return n_out > 1 ? (double)x * (double)(n_in - 1) / (len - 1) : 0.0;
	case COORD_ASYMMETRIC:
		return (double)x / s;
	case COORD_TF_HALF_PIXEL_FOR_NN:
		return ((double)x + 0.5) / s;
	case COORD_TF_CROP_AND_RESIZE: {
		double start = roi[d], end = roi[rank + d];

		if (n_out > 1)
			return start * (double)(n_in - 1) +
			       (double)x * (end - start) * (double)(n_in - 1) / (len - 1);
		return 0.5 * (start + end) * (double)(n_in - 1);
	}
	}
	return 0.0;
}

static int64_t clamp_index(int64_t i, int64_t n)
{
	return i < 0 ? 0 : i >= n ? n - 1 : i;
}

/* The nearest input index of coordinate @x (not yet clamped). */
static int64_t nearest_index(enum resize_round r, double x)
{
	double f = floor(x);

	switch (r) {
	case ROUND_PREFER_FLOOR:
		return (int64_t)(x - f == 0.5 ? f : floor(x + 0.5));
	case ROUND_PREFER_CEIL:
		return (int64_t)(x - f == 0.5 ? f + 1 : floor(x + 0.5));
	case ROUND_FLOOR:
		return (int64_t)f;
	case ROUND_CEIL:
		return (int64_t)ceil(x);
	}
	return 0;
}

/* Keys' cubic convolution weight at distance @t (0 <= t < 2) with coefficient @a. */
static double cubic_weight(double t, double a)
{
	if (t <= 1)
		return ((a + 2) * t - (a + 3)) * t * t + 1;
	return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
}

/* The roi's 2 * rank values as doubles (only tf_crop_and_resize reads them). */
static void load_roi(struct op_ctx *c, const void *const *in, int rank, double *roi)
{
	const struct ir_tensor *t = op_in(c, 1);

	for (int i = 0; i < 2 * rank; i++)
		roi[i] = t && in[1] ? ew_load_f(t->dtype, in[1], i) : 0;
}

/*
 * A coordinate a tf_crop_and_resize output takes extrapolation_value at; a NaN one too (the
 * roi is data: it may hold anything, and no index is made of it).
 */
static bool outside(const struct resize_plan *p, double x, int64_t n_in)
{
	return p->coord == COORD_TF_CROP_AND_RESIZE && !(x >= 0 && x <= (double)(n_in - 1));
}

/*
 * @x held within @margin of the edges of an axis of @n: every neighbour of a coordinate
 * further out is clamped to the same edge element anyway (with exclude_outside, every one
 * drops out anyway), and a huge or NaN one must not become an integer index.
 */
static double edge_coord(double x, int margin, int64_t n)
{
	if (!(x >= -margin))
		return -margin;
	return x > (double)(n - 1 + margin) ? (double)(n - 1 + margin) : x;
}

static int resize_nearest(struct op_ctx *c, const struct resize_plan *p, const double *roi,
			  const void *in, void *out)
{
	const struct ir_tensor *x = op_in(c, 0);
	size_t es = ir_dtype_size(x->dtype);
	int64_t strides[IR_MAX_RANK], *maps[IR_MAX_RANK];
	unsigned char fill[16] = { 0 };
	int ret = tensor_maps_alloc(x->rank, p->out, maps);

	if (ret)
		return ret < 0 ? ret : 0;
	ew_store_f(x->dtype, fill, 0, p->extrapolation);
	tensor_strides(x->rank, x->dims, strides);
	for (int d = 0; d < x->rank; d++)
		for (int64_t i = 0; i < p->out[d]; i++) {
			double s = source_coord(p, d, i, x->dims[d], p->out[d], roi, x->rank);

			maps[d][i] = outside(p, s, x->dims[d]) ? TENSOR_MAP_FILL :
				     clamp_index(nearest_index(p->round, edge_coord(s, 1, x->dims[d])),
						 x->dims[d]) * strides[d];
		}
	tensor_map_gather(es, x->rank, p->out, maps, in, out, fill);
	free(maps[0]);
	return 0;
}

/*
 * One axis of linear or cubic interpolation: @src of @outer x @n_in x @inner into @dst of
 * @outer x @n_out x @inner.
 */
static void interp_axis(const struct resize_plan *p, int d, int rank, const double *roi,
			const double *src, double *dst, int64_t outer, int64_t n_in, int64_t n_out,
			int64_t inner)
{
	for (int64_t j = 0; j < n_out; j++) {
		double s = source_coord(p, d, j, n_in, n_out, roi, rank), w[4], r, sum = 0;
		int64_t idx[4], i0;
		int taps = p->interp == INTERP_LINEAR ? 2 : 4;

		if (outside(p, s, n_in)) {
			for (int64_t o = 0; o < outer; o++)
				for (int64_t i = 0; i < inner; i++)
					dst[(o * n_out + j) * inner + i] = p->extrapolation;
			continue;
		}
		s = edge_coord(s, 2, n_in);
		i0 = (int64_t)floor(s);
		r = s - floor(s);
		if (taps == 2) {
			idx[0] = i0, idx[1] = i0 + 1;
			w[0] = 1 - r, w[1] = r;
		} else {
			for (int t = 0; t < 4; t++)
				idx[t] = i0 - 1 + t;
			w[0] = cubic_weight(r + 1, p->cubic_a);
			w[1] = cubic_weight(r, p->cubic_a);
			w[2] = cubic_weight(1 - r, p->cubic_a);
			w[3] = cubic_weight(2 - r, p->cubic_a);
		}
		for (int t = 0; t < taps; t++) {
			if (p->exclude_outside && (idx[t] < 0 || idx[t] >= n_in))
				w[t] = 0;
			sum += w[t];
			idx[t] = clamp_index(idx[t], n_in);
		}
		if (p->exclude_outside && sum != 0)
			for (int t = 0; t < taps; t++)
				w[t] /= sum;
		for (int64_t o = 0; o < outer; o++)
			for (int64_t i = 0; i < inner; i++) {
				double v = 0;

				for (int t = 0; t < taps; t++)
					v += w[t] * src[(o * n_in + idx[t]) * inner + i];
				dst[(o * n_out + j) * inner + i] = v;
			}
	}
}

static int resize_interp(struct op_ctx *c, const struct resize_plan *p, const double *roi,
			 const void *in, void *out)
{
	const struct ir_tensor *x = op_in(c, 0);
	int64_t cur[IR_MAX_RANK], numel = ir_tensor_numel(x), out_numel = ir_tensor_numel(op_out(c, 0));
	int64_t most = numel > out_numel ? numel : out_numel;
	int order[IR_MAX_RANK], n_order = 0;
	double *a, *b;

	if (!out_numel)
		return 0;

	/*
	 * The axes that shrink first, then those that grow: every intermediate then holds at most
	 * max(input, output) elements. The passes are linear maps along distinct axes, so their
	 * order does not change the result.
	 */
	for (int d = 0; d < x->rank; d++)
		if (p->out[d] <= x->dims[d])
			order[n_order++] = d;
	for (int d = 0; d < x->rank; d++)
		if (p->out[d] > x->dims[d])
			order[n_order++] = d;
	a = malloc((size_t)(most ? most : 1) * sizeof(*a));
	b = malloc((size_t)(most ? most : 1) * sizeof(*b));
	if (!a || !b) {
		free(a);
		free(b);
		return -ENOMEM;
	}
	for (int64_t k = 0; k < numel; k++)
		a[k] = ew_load_f(x->dtype, in, k);
	memcpy(cur, x->dims, sizeof(cur));
	for (int k = 0; k < x->rank; k++) {
		int64_t outer = 1, inner = 1;
		int d = order[k];
		double *t;

		for (int e = 0; e < d; e++)
			outer *= cur[e];
		for (int e = d + 1; e < x->rank; e++)
			inner *= cur[e];
		interp_axis(p, d, x->rank, roi, a, b, outer, cur[d], p->out[d], inner);
		cur[d] = p->out[d];
		t = a, a = b, b = t;
	}
	for (int64_t k = 0; k < out_numel; k++)
		ew_store_f(x->dtype, out, k, a[k]);
	free(a);
	free(b);
	return 0;
}

static int host_resize(struct op_ctx *c, const void *const *in, void *const *out)
{
	double roi[2 * IR_MAX_RANK];
	struct resize_plan p;
	int ret = resize_plan(c, &p);

	if (ret)
		return ret;
	memset(roi, 0, sizeof(roi));
	if (p.coord == COORD_TF_CROP_AND_RESIZE)
		load_roi(c, in, op_in(c, 0)->rank, roi);
	if (p.interp == INTERP_NEAREST)
		return resize_nearest(c, &p, roi, in[0], out[0]);
	return resize_interp(c, &p, roi, in[0], out[0]);
}

const struct op_def op_defs_tensor_resize[] = {
	{ "Resize", infer_resize, host_resize },
	{ "Upsample", infer_resize, host_resize },
	{ NULL, NULL, NULL },
};

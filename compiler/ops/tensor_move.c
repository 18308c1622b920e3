// SPDX-License-Identifier: MIT
/*
 * Data movement by index maps: Transpose, Slice, Pad, Tile, Expand, DepthToSpace, SpaceToDepth,
 * and the helpers of compiler/ops/tensor_map.h. Each kernel builds, per output dimension, the
 * input offset of every index along it, and tensor_map_gather() copies element bytes, so one
 * kernel serves every element type.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/ops/elementwise.h"
#include "compiler/ops/tensor_map.h"

void tensor_map_gather(size_t esize, int rank, const int64_t *dims, int64_t *const *maps,
		       const void *in, void *out, const void *fill)
{
	int64_t idx[IR_MAX_RANK] = { 0 }, numel = 1;
	const char *src = in;
	char *dst = out;

	for (int d = 0; d < rank; d++)
		numel *= dims[d];
	for (int64_t k = 0; k < numel; k++) {
		int64_t off = 0;
		bool filled = false;

		for (int d = 0; d < rank; d++) {
			int64_t m = maps[d][idx[d]];

			if (m == TENSOR_MAP_FILL)
				filled = true;
			off += m;
		}
		memcpy(dst + k * esize, filled ? fill : src + off * esize, esize);
		/* Odometer: the last dimension moves fastest (row-major). */
		for (int d = rank - 1; d >= 0; d--) {
			if (++idx[d] < dims[d])
				break;
			idx[d] = 0;
		}
	}
}

int tensor_maps_alloc(int rank, const int64_t *dims, int64_t **maps)
{
	int64_t total = 1;
	int64_t *buf;

	/*
	 * An empty output has nothing to gather, while its other dimensions may be huge. A
	 * nonempty one's maps are no larger than itself.
	 */
	for (int d = 0; d < rank; d++) {
		if (!dims[d])
			return 1;
		total += dims[d];
	}
	buf = malloc(total * sizeof(*buf));
	if (!buf)
		return -ENOMEM;
	maps[0] = buf;
	for (int d = 0; d < rank; d++) {
		maps[d] = buf;
		buf += dims[d];
	}
	return 0;
}

void tensor_strides(int rank, const int64_t *dims, int64_t *strides)
{
	int64_t s = 1;

	/*
	 * Nothing is read from an empty tensor, whose other dimensions may multiply beyond int64
	 * from this end (its element count, from the other end, is checked).
	 */
	for (int d = 0; d < rank; d++)
		if (!dims[d]) {
			memset(strides, 0, rank * sizeof(*strides));
			return;
		}

	for (int d = rank - 1; d >= 0; d--) {
		strides[d] = s;
		s *= dims[d];
	}
}

int tensor_const_ints(struct op_ctx *c, size_t i, int64_t *vals, int max, int *n)
{
	const struct ir_tensor *t = op_in(c, i);
	int64_t count;

	*n = -1;
	if (!t)
		return 0;
	if (t->dtype != IR_DTYPE_INT64 && t->dtype != IR_DTYPE_INT32)
		return op_fail(c, -EINVAL, "'%s' is %s, not int64 or int32", t->name,
			       ir_dtype_name(t->dtype));
	if (t->rank > 1)
		return op_fail(c, -EINVAL, "'%s' is not a list (rank %d)", t->name, t->rank);
	if (!t->data)
		return op_fail(c, -EOPNOTSUPP, "'%s' is computed at run time (a constant is needed)",
			       t->name);
	count = ir_tensor_numel(t);
	if (count > max)
		return op_fail(c, -EINVAL, "'%s' has %lld values (at most %d)", t->name,
			       (long long)count, max);
	/* Not through ew_load_f(): a double rounds INT64_MAX (Slice's "to the end"). */
	for (int64_t k = 0; k < count; k++)
		vals[k] = t->dtype == IR_DTYPE_INT64 ? ((const int64_t *)t->data)[k] :
						       ((const int32_t *)t->data)[k];
	*n = (int)count;
	return 0;
}

int tensor_const_doubles(struct op_ctx *c, size_t i, double *vals, int max, int *n)
{
	const struct ir_tensor *t = op_in(c, i);
	int64_t count;

	*n = -1;
	if (!t)
		return 0;
	if (t->dtype == IR_DTYPE_BOOL || !ir_dtype_size(t->dtype))
		return op_fail(c, -EINVAL, "'%s' is %s, not a number", t->name,
			       ir_dtype_name(t->dtype));
	if (t->rank > 1)
		return op_fail(c, -EINVAL, "'%s' is not a list (rank %d)", t->name, t->rank);
	if (!t->data)
		return op_fail(c, -EOPNOTSUPP, "'%s' is computed at run time (a constant is needed)",
			       t->name);
	count = ir_tensor_numel(t);
	if (count > max)
		return op_fail(c, -EINVAL, "'%s' has %lld values (at most %d)", t->name,
			       (long long)count, max);
	for (int64_t k = 0; k < count; k++)
		vals[k] = ew_load_f(t->dtype, t->data, k);
	*n = (int)count;
	return 0;
}

/* The input's and output's dims and element size: every kernel here starts from them. */
static size_t io_shapes(struct op_ctx *c, const struct ir_tensor **x, const struct ir_tensor **y)
{
	*x = op_in(c, 0);
	*y = op_out(c, 0);
	return ir_dtype_size((*x)->dtype);
}

/* ---- Transpose ---- */

/* perm attribute, or the reversed axes by default; checked to be a permutation. */
static int transpose_perm(struct op_ctx *c, int rank, int64_t *perm)
{
	bool has_perm, seen[IR_MAX_RANK] = { 0 };
	int ret = op_attr_ints(c, "perm", rank, 0, perm, &has_perm);

	if (ret)
		return ret;
	for (int i = 0; i < rank; i++) {
		if (!has_perm)
			perm[i] = rank - 1 - i;
		if (perm[i] < 0 || perm[i] >= rank || seen[perm[i]])
			return op_fail(c, -EINVAL, "perm is not a permutation");
		seen[perm[i]] = true;
	}
	return 0;
}

static int infer_transpose(struct op_ctx *c)
{
	const struct ir_tensor *x;
	int64_t perm[IR_MAX_RANK], dims[IR_MAX_RANK];
	int ret = op_need_inputs(c, 1);

	if (ret)
		return ret;
	x = op_in(c, 0);
	ret = transpose_perm(c, x->rank, perm);
	if (ret)
		return ret;
	for (int i = 0; i < x->rank; i++)
		dims[i] = x->dims[perm[i]];
	op_set_shape(op_out(c, 0), x->dtype, x->rank, dims);
	return 0;
}

/* Output dim d walks input dim perm[d] of a row-major tensor of @in_dims. */
static int permute(size_t esize, int rank, const int64_t *in_dims, const int64_t *perm,
		   const void *in, void *out)
{
	int64_t strides[IR_MAX_RANK], dims[IR_MAX_RANK] = { 0 }, *maps[IR_MAX_RANK];
	int ret;

	tensor_strides(rank, in_dims, strides);
	for (int d = 0; d < rank; d++)
		dims[d] = in_dims[perm[d]];
	ret = tensor_maps_alloc(rank, dims, maps);
	if (ret)
		return ret < 0 ? ret : 0;
	for (int d = 0; d < rank; d++)
		for (int64_t i = 0; i < dims[d]; i++)
			maps[d][i] = i * strides[perm[d]];
	tensor_map_gather(esize, rank, dims, maps, in, out, NULL);
	free(maps[0]);
	return 0;
}

static int host_transpose(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *x, *y;
	size_t es = io_shapes(c, &x, &y);
	int64_t perm[IR_MAX_RANK];
	int ret = transpose_perm(c, x->rank, perm);

	return ret ? ret : permute(es, x->rank, x->dims, perm, in[0], out[0]);
}

/* ---- DepthToSpace, SpaceToDepth: a permutation of a rank-6 view ---- */

struct d2s_view {
	int64_t dims[6];
	int64_t perm[6];
};

/* The 6-D view of the NCHW input and the permutation that gives the output's order. */
static int depth_space_view(struct op_ctx *c, bool to_space, struct d2s_view *v, int64_t *out_dims)
{
	const struct ir_tensor *x = op_in(c, 0);
	int64_t b, n, ch, h, w;
	const struct ir_attr *mode = ir_node_find_attr(c->node, "mode");
	bool crd = false;
	int ret = op_attr_int(c, "blocksize", 0, &b);

	if (ret)
		return ret;
	if (!ir_node_find_attr(c->node, "blocksize") || b < 1 || b > IR_MAX_ELEMENTS)
		return op_fail(c, -EINVAL, "blocksize missing or not positive");
	if (x->rank != 4)
		return op_fail(c, -EINVAL, "input of rank %d (want 4, NCHW)", x->rank);
	if (mode && to_space) {
		if (mode->type != IR_ATTR_STRING || (strcmp(mode->s, "DCR") && strcmp(mode->s, "CRD")))
			return op_fail(c, -EINVAL, "mode is not DCR or CRD");
		crd = !strcmp(mode->s, "CRD");
	}
	n = x->dims[0], ch = x->dims[1], h = x->dims[2], w = x->dims[3];
	if (to_space) {
		int64_t cb = ch / (b * b);

		if (b > ch / b || ch % (b * b))
			return op_fail(c, -EINVAL, "%lld channels not divisible by blocksize^2",
				       (long long)ch);
		if (h > IR_MAX_ELEMENTS / b || w > IR_MAX_ELEMENTS / b)
			return op_fail(c, -EINVAL, "output too large");
		if (crd) {
			/* N, C', b, b, H, W -> N, C', H, b, W, b */
			*v = (struct d2s_view){ { n, cb, b, b, h, w }, { 0, 1, 4, 2, 5, 3 } };
		} else {
			/* N, b, b, C', H, W -> N, C', H, b, W, b */
			*v = (struct d2s_view){ { n, b, b, cb, h, w }, { 0, 3, 4, 1, 5, 2 } };
		}
		out_dims[0] = n, out_dims[1] = cb, out_dims[2] = h * b, out_dims[3] = w * b;
	} else {
		if (h % b || w % b)
			return op_fail(c, -EINVAL, "H and W not divisible by blocksize");
		if (ch > IR_MAX_ELEMENTS / b / b)
			return op_fail(c, -EINVAL, "output too large");
		/* N, C, H', b, W', b -> N, b, b, C, H', W' */
		*v = (struct d2s_view){ { n, ch, h / b, b, w / b, b }, { 0, 3, 5, 1, 2, 4 } };
		out_dims[0] = n, out_dims[1] = ch * b * b, out_dims[2] = h / b, out_dims[3] = w / b;
	}
	return 0;
}

static int infer_depth_space(struct op_ctx *c, bool to_space)
{
	struct d2s_view v;
	int64_t dims[4];
	int ret = op_need_inputs(c, 1) ?: depth_space_view(c, to_space, &v, dims);

	if (ret)
		return ret;
	op_set_shape(op_out(c, 0), op_in(c, 0)->dtype, 4, dims);
	return 0;
}

static int infer_depth_to_space(struct op_ctx *c)
{
	return infer_depth_space(c, true);
}

static int infer_space_to_depth(struct op_ctx *c)
{
	return infer_depth_space(c, false);
}

static int host_depth_space(struct op_ctx *c, const void *const *in, void *const *out,
			    bool to_space)
{
	const struct ir_tensor *x, *y;
	size_t es = io_shapes(c, &x, &y);
	struct d2s_view v;
	int64_t dims[4];
	int ret = depth_space_view(c, to_space, &v, dims);

	return ret ? ret : permute(es, 6, v.dims, v.perm, in[0], out[0]);
}

static int host_depth_to_space(struct op_ctx *c, const void *const *in, void *const *out)
{
	return host_depth_space(c, in, out, true);
}

static int host_space_to_depth(struct op_ctx *c, const void *const *in, void *const *out)
{
	return host_depth_space(c, in, out, false);
}

/* ---- Slice ---- */

/* Per input axis: first index, step and count taken. */
struct slice_plan {
	int64_t start[IR_MAX_RANK], step[IR_MAX_RANK], len[IR_MAX_RANK];
};

/*
 * starts/ends/axes attributes before opset 10; inputs 1..4 (starts, ends, axes, steps, int32
 * or int64, constant) from 10. Indices are clamped as numpy does.
 */
static int slice_plan(struct op_ctx *c, struct slice_plan *p)
{
	const struct ir_tensor *x = op_in(c, 0);
	/* op_const_ints() gives up to 2 * IR_MAX_RANK values (the count is checked after). */
	int64_t starts[2 * IR_MAX_RANK], ends[2 * IR_MAX_RANK], axes[2 * IR_MAX_RANK];
	int64_t steps[IR_MAX_RANK];
	bool seen[IR_MAX_RANK] = { 0 };
	int n, ne, na, ns, ret;

	if (c->g->opset < 10) {
		ret = op_const_ints(c, 99, "starts", starts, &n) ?: op_const_ints(c, 99, "ends", ends, &ne) ?:
		      op_const_ints(c, 99, "axes", axes, &na);
		ns = -1;
	} else {
		if (!op_in(c, 1) || !op_in(c, 2))
			return op_fail(c, -EINVAL, "missing starts or ends");
		ret = tensor_const_ints(c, 1, starts, IR_MAX_RANK, &n) ?:
		      tensor_const_ints(c, 2, ends, IR_MAX_RANK, &ne) ?:
		      tensor_const_ints(c, 3, axes, IR_MAX_RANK, &na) ?:
		      tensor_const_ints(c, 4, steps, IR_MAX_RANK, &ns);
	}
	if (ret)
		return ret;
	if (n < 0 || n != ne || (na >= 0 && na != n) || (ns >= 0 && ns != n) || n > x->rank)
		return op_fail(c, -EINVAL, "starts, ends, axes and steps differ in length");
	for (int d = 0; d < x->rank; d++) {
		p->start[d] = 0;
		p->step[d] = 1;
		p->len[d] = x->dims[d];
	}
	for (int i = 0; i < n; i++) {
		int64_t dim, s, e, st = ns >= 0 ? steps[i] : 1;
		int a;

		ret = op_axis_norm(c, na >= 0 ? axes[i] : i, x->rank, &a);
		if (ret)
			return ret;
		if (seen[a])
			return op_fail(c, -EINVAL, "axis %d sliced twice", a);
		seen[a] = true;
		if (!st)
			return op_fail(c, -EINVAL, "step 0 on axis %d", a);
		dim = x->dims[a];
		s = starts[i] < 0 ? starts[i] + dim : starts[i];
		e = ends[i] < 0 ? ends[i] + dim : ends[i];
		if (st > 0) {
			s = s < 0 ? 0 : s > dim ? dim : s;
			e = e < 0 ? 0 : e > dim ? dim : e;
			/* Not (e - s + st - 1) / st: that overflows for a huge step. */
			p->len[a] = e > s ? (e - s - 1) / st + 1 : 0;
		} else {
			s = s < 0 ? 0 : s > dim - 1 ? dim - 1 : s;
			e = e < -1 ? -1 : e > dim - 1 ? dim - 1 : e;
			/* -st overflows for INT64_MIN only, a step that takes one element. */
			p->len[a] = s > e ? (st == INT64_MIN ? 1 : (s - e - 1) / -st + 1) : 0;
		}
		p->start[a] = s;
		p->step[a] = st;
	}
	return 0;
}

static int infer_slice(struct op_ctx *c)
{
	struct slice_plan p;
	int ret = op_need_inputs(c, 1) ?: slice_plan(c, &p);

	if (ret)
		return ret;
	op_set_shape(op_out(c, 0), op_in(c, 0)->dtype, op_in(c, 0)->rank, p.len);
	return 0;
}

static int host_slice(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *x, *y;
	size_t es = io_shapes(c, &x, &y);
	int64_t strides[IR_MAX_RANK], *maps[IR_MAX_RANK];
	struct slice_plan p;
	int ret = slice_plan(c, &p) ?: tensor_maps_alloc(x->rank, p.len, maps);

	if (ret)
		return ret < 0 ? ret : 0;
	tensor_strides(x->rank, x->dims, strides);
	for (int d = 0; d < x->rank; d++)
		for (int64_t i = 0; i < p.len[d]; i++)
			maps[d][i] = (p.start[d] + i * p.step[d]) * strides[d];
	tensor_map_gather(es, x->rank, p.len, maps, in[0], out[0], NULL);
	free(maps[0]);
	return 0;
}

/* ---- Pad ---- */

enum pad_mode { PAD_CONSTANT, PAD_REFLECT, PAD_EDGE };

/* pads (begin for every axis, then end) and mode; pads an attribute before opset 11. */
static int pad_plan(struct op_ctx *c, int64_t *pads, enum pad_mode *mode)
{
	const struct ir_tensor *x = op_in(c, 0);
	const struct ir_attr *m = ir_node_find_attr(c->node, "mode");
	int n, ret;

	*mode = PAD_CONSTANT;
	if (m) {
		if (m->type != IR_ATTR_STRING)
			return op_fail(c, -EINVAL, "bad attribute type for 'mode'");
		if (!strcmp(m->s, "reflect"))
			*mode = PAD_REFLECT;
		else if (!strcmp(m->s, "edge"))
			*mode = PAD_EDGE;
		else if (!strcmp(m->s, "wrap"))
			return op_fail(c, -EOPNOTSUPP, "mode 'wrap' not supported");
		else if (strcmp(m->s, "constant"))
			return op_fail(c, -EINVAL, "unknown mode '%s'", m->s);
	}
	if (c->g->opset < 11) {
		/* Pad-1 called them paddings. */
		ret = op_const_ints(c, 99, c->g->opset < 2 ? "paddings" : "pads", pads, &n);
	} else {
		if (op_in(c, 3))
			return op_fail(c, -EOPNOTSUPP, "axes input not supported");
		if (op_in(c, 1) && op_in(c, 1)->dtype != IR_DTYPE_INT64)
			return op_fail(c, -EINVAL, "pads of type %s", ir_dtype_name(op_in(c, 1)->dtype));
		ret = tensor_const_ints(c, 1, pads, 2 * IR_MAX_RANK, &n);
	}
	if (ret)
		return ret;
	if (n != 2 * x->rank)
		return op_fail(c, -EINVAL, "%d pads for rank %d", n, x->rank);
	if (c->g->opset >= 11 && op_in(c, 2)) {
		const struct ir_tensor *v = op_in(c, 2);

		if (v->dtype != x->dtype || ir_tensor_numel(v) != 1)
			return op_fail(c, -EINVAL, "constant_value is not one %s", ir_dtype_name(x->dtype));
	}
	for (int i = 0; i < x->rank; i++) {
		int64_t size;

		if (pads[i] < -IR_MAX_ELEMENTS || pads[i] > IR_MAX_ELEMENTS ||
		    pads[x->rank + i] < -IR_MAX_ELEMENTS || pads[x->rank + i] > IR_MAX_ELEMENTS)
			return op_fail(c, -EINVAL, "pad out of range on axis %d", i);
		size = x->dims[i] + pads[i] + pads[x->rank + i];
		if (size < 0)
			return op_fail(c, -EINVAL, "negative size on axis %d", i);
		if (size > 0 && x->dims[i] == 0 && *mode != PAD_CONSTANT)
			return op_fail(c, -EINVAL, "%s padding of an empty axis %d",
				       *mode == PAD_EDGE ? "edge" : "reflect", i);
	}
	return 0;
}

static int infer_pad(struct op_ctx *c)
{
	const struct ir_tensor *x;
	int64_t pads[2 * IR_MAX_RANK], dims[IR_MAX_RANK];
	enum pad_mode mode;
	int ret = op_need_inputs(c, 1);

	if (ret)
		return ret;
	x = op_in(c, 0);
	ret = pad_plan(c, pads, &mode);
	if (ret)
		return ret;
	for (int i = 0; i < x->rank; i++)
		dims[i] = x->dims[i] + pads[i] + pads[x->rank + i];
	op_set_shape(op_out(c, 0), x->dtype, x->rank, dims);
	return 0;
}

/* The input index output index @o reads along an axis of @n elements, or -1 (the pad value). */
static int64_t pad_index(enum pad_mode mode, int64_t o, int64_t before, int64_t n)
{
	int64_t x = o - before, period;

	if (x >= 0 && x < n)
		return x;
	if (mode == PAD_CONSTANT)
		return -1;
	if (mode == PAD_EDGE || n == 1)
		return x < 0 ? 0 : n - 1;
	/* reflect: mirror without repeating the edge, periodically beyond one reflection. */
	period = 2 * (n - 1);
	x %= period;
	if (x < 0)
		x += period;
	return x < n ? x : period - x;
}

static int host_pad(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *x, *y;
	size_t es = io_shapes(c, &x, &y);
	int64_t pads[2 * IR_MAX_RANK], strides[IR_MAX_RANK], *maps[IR_MAX_RANK];
	unsigned char fill[16] = { 0 };
	enum pad_mode mode;
	int ret = pad_plan(c, pads, &mode) ?: tensor_maps_alloc(y->rank, y->dims, maps);

	if (ret)
		return ret < 0 ? ret : 0;
	if (c->g->opset >= 11 && op_in(c, 2) && in[2]) {
		memcpy(fill, in[2], es);
	} else if (c->g->opset < 11) {
		float v;

		ret = op_attr_float(c, "value", 0.0f, &v);
		if (ret)
			goto out;
		ew_store_f(x->dtype, fill, 0, v);
	}
	tensor_strides(x->rank, x->dims, strides);
	for (int d = 0; d < x->rank; d++)
		for (int64_t i = 0; i < y->dims[d]; i++) {
			int64_t k = pad_index(mode, i, pads[d], x->dims[d]);

			maps[d][i] = k < 0 ? TENSOR_MAP_FILL : k * strides[d];
		}
	tensor_map_gather(es, x->rank, y->dims, maps, in[0], out[0], fill);
out:
	free(maps[0]);
	return ret;
}

/* ---- Tile, Expand ---- */

static int tile_repeats(struct op_ctx *c, int64_t *rep)
{
	const struct ir_tensor *x = op_in(c, 0);
	int n, ret;

	if (c->g->opset < 6)
		return op_fail(c, -EOPNOTSUPP, "Tile before opset 6 not supported");
	if (!op_in(c, 1) || op_in(c, 1)->dtype != IR_DTYPE_INT64)
		return op_fail(c, -EINVAL, "repeats missing or not int64");
	ret = tensor_const_ints(c, 1, rep, IR_MAX_RANK, &n);
	if (ret)
		return ret;
	if (n != x->rank)
		return op_fail(c, -EINVAL, "%d repeats for rank %d", n, x->rank);
	for (int d = 0; d < n; d++)
		if (rep[d] < 0 || (rep[d] && x->dims[d] > IR_MAX_ELEMENTS / rep[d]))
			return op_fail(c, -EINVAL, "repeat %lld on axis %d out of range",
				       (long long)rep[d], d);
	return 0;
}

static int infer_tile(struct op_ctx *c)
{
	const struct ir_tensor *x;
	int64_t rep[IR_MAX_RANK], dims[IR_MAX_RANK];
	int ret = op_need_inputs(c, 1) ?: tile_repeats(c, rep);

	if (ret)
		return ret;
	x = op_in(c, 0);
	for (int d = 0; d < x->rank; d++)
		dims[d] = x->dims[d] * rep[d];
	op_set_shape(op_out(c, 0), x->dtype, x->rank, dims);
	return 0;
}

static int host_tile(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *x, *y;
	size_t es = io_shapes(c, &x, &y);
	int64_t strides[IR_MAX_RANK], *maps[IR_MAX_RANK];
	int ret = tensor_maps_alloc(y->rank, y->dims, maps);

	if (ret)
		return ret < 0 ? ret : 0;
	tensor_strides(x->rank, x->dims, strides);
	for (int d = 0; d < y->rank; d++)
		for (int64_t i = 0; i < y->dims[d]; i++)
			maps[d][i] = (i % x->dims[d]) * strides[d];
	tensor_map_gather(es, y->rank, y->dims, maps, in[0], out[0], NULL);
	free(maps[0]);
	return 0;
}

/* Expand: the input broadcast with the shape input (either side may have the 1s). */
static int infer_expand(struct op_ctx *c)
{
	struct ir_tensor shape = { .name = "shape" };
	int64_t dims[IR_MAX_RANK];
	int n, rank, ret = op_need_inputs(c, 2);

	if (ret)
		return ret;
	if (op_in(c, 1)->dtype != IR_DTYPE_INT64)
		return op_fail(c, -EINVAL, "shape of type %s", ir_dtype_name(op_in(c, 1)->dtype));
	ret = tensor_const_ints(c, 1, shape.dims, IR_MAX_RANK, &n);
	if (ret)
		return ret;
	shape.rank = n;
	for (int d = 0; d < n; d++)
		if (shape.dims[d] < 0 || shape.dims[d] > IR_MAX_ELEMENTS)
			return op_fail(c, -EINVAL, "shape dimension %lld", (long long)shape.dims[d]);
	ret = op_broadcast(c, op_in(c, 0), &shape, dims, &rank);
	if (ret)
		return ret;
	op_set_shape(op_out(c, 0), op_in(c, 0)->dtype, rank, dims);
	return 0;
}

/* Expand's kernel, and any broadcast of input 0 to output 0's shape. */
static int host_expand(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *x, *y;
	size_t es = io_shapes(c, &x, &y);
	int64_t strides[IR_MAX_RANK], *maps[IR_MAX_RANK];
	int lead = y->rank - x->rank, ret = tensor_maps_alloc(y->rank, y->dims, maps);

	if (ret)
		return ret < 0 ? ret : 0;
	tensor_strides(x->rank, x->dims, strides);
	for (int d = 0; d < y->rank; d++)
		for (int64_t i = 0; i < y->dims[d]; i++)
			maps[d][i] = d < lead || x->dims[d - lead] == 1 ? 0 : i * strides[d - lead];
	tensor_map_gather(es, y->rank, y->dims, maps, in[0], out[0], NULL);
	free(maps[0]);
	return 0;
}

const struct op_def op_defs_tensor_move[] = {
	{ "Transpose", infer_transpose, host_transpose },
	{ "DepthToSpace", infer_depth_to_space, host_depth_to_space },
	{ "SpaceToDepth", infer_space_to_depth, host_space_to_depth },
	{ "Slice", infer_slice, host_slice },
	{ "Pad", infer_pad, host_pad },
	{ "Tile", infer_tile, host_tile },
	{ "Expand", infer_expand, host_expand },
	{ NULL, NULL, NULL },
};

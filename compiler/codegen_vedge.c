// SPDX-License-Identifier: MIT
/*
 * The vedge code generator (codegen_vedge.h): docs/compiler.md "vedge code generation".
 *
 * Two steps. Lowering walks the int8 graph into layers (one device operation each) over
 * values (NHWC int8 maps; Flatten and its kind make a value that shares its producer's bytes)
 * and lays the weights and scale tables out in the constant buffer. Planning then places the
 * intermediate values and cuts the work into jobs:
 *
 * - "sram": every intermediate map in the NPU's SRAM (a first-fit allocator over the layers'
 *   live ranges), the whole network per job, as many images per job as fit (without DMA, the
 *   job's regions and stream are copied into the same SRAM, so they count too);
 * - "layers" when that does not fit: intermediates in the activation buffer, one job per layer
 *   and image; without DMA a layer whose operands do not fit the SRAM is split into tiles of
 *   output rows (convolution, pooling: each tile reads the input rows its window needs, its
 *   padding top and bottom only where the tile touches the map's edge) or of output channels
 *   (fully connected: a slice of weight rows and scale entries), each tile a job whose regions
 *   are exactly its slices (struct drm_vedge_region offset and size).
 */
#include "compiler/codegen_vedge.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/host_exec.h"
#include "compiler/ops/quant.h"
#include "compiler/passes/pass_util.h"
#include "compiler/passes/passes.h"
#include "compiler/passes/quantize.h"
#include "compiler/quant_params.h"

#define ALIGN64(x) (((x) + 63) & ~(uint64_t)63)

/* Where a value's bytes are. */
/* VLOC_CONST: a constant operand (an elementwise op's second input) in the constant buffer. */
enum vloc { VLOC_NONE, VLOC_INPUT, VLOC_OUTPUT, VLOC_SRAM, VLOC_ACT, VLOC_CONST };

/*
 * An int8 map: one image's h x w x c bytes, NHWC. A flattened value (Flatten, Reshape to
 * [1, K]) is 1 x 1 x K over the same bytes as its root, whose (fh, fw, fc) say how ONNX
 * would order them (NCHW) for the next fully connected layer's weights.
 */
struct vval {
	int64_t h, w, c;
	int64_t fh, fw, fc;	/* the map a flattened value came from; fh = 0: not flattened */
	float scale;
	int8_t zp;
	int root;		/* the value owning the bytes (itself, or what it aliases) */
	int io;			/* root only, VLOC_INPUT / VLOC_OUTPUT: which input or output */
	enum vloc loc;
	uint64_t off;		/* root only: offset of image 0 in its buffer (or in SRAM) */
	int last_use;		/* root only: last layer reading it */
};

enum vop { VOP_CONV, VOP_DW, VOP_FC, VOP_MAXPOOL, VOP_AVGPOOL, VOP_ADD, VOP_MUL, VOP_LUT };

struct vlayer {
	enum vop op;
	int in, out;			/* values */
	int in2;			/* ADD, MUL: the second input (IFM2: the broadcast one), else -1 */
	struct quant_multiplier sc[3];	/* ADD: IFM, IFM2, OFM scales; MUL: OFM's in [2] */
	int kh, kw, sy, sx, dy, dx, pt, pl, pb, pr;
	uint64_t w_off, w_len, s_off, s_len;	/* in the constant buffer (LUT: the table) */
	int32_t act_min, act_max;
	const char *name;
};

struct lower {
	const struct ir_graph *g;
	struct vval *v;
	size_t nv;
	int *val_of;			/* graph tensor -> value, -1 */
	long *producer;			/* graph tensor -> index of the node writing it, -1 */
	struct vlayer *l;
	size_t nl;
	uint8_t *consts;
	size_t const_size;
	int in_val[VEDGE_MAX_IO], out_val[VEDGE_MAX_IO];
	char *err;
	size_t err_len;
};

static int fail(struct lower *lw, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(lw->err, lw->err_len, fmt, ap);
	va_end(ap);
	return ret;
}

const char *vedge_buf_name(enum vedge_buf b)
{
	static const char *const names[] = { "const", "input", "output", "act", "status" };

	return b < VEDGE_BUF_COUNT ? names[b] : "?";
}

/* ---- lowering ----------------------------------------------------------------------------- */

static const struct ir_tensor *tin(const struct lower *lw, const struct ir_node *n, size_t i)
{
	return i < n->n_inputs && n->inputs[i] >= 0 ? lw->g->tensors[n->inputs[i]] : NULL;
}

/* A constant scalar (or one-element) float: its value. */
static int const_f32(const struct ir_tensor *t, float *v)
{
	if (!t || !t->data || t->dtype != IR_DTYPE_FLOAT || ir_tensor_numel(t) != 1)
		return -EOPNOTSUPP;
	*v = *(const float *)t->data;
	return 0;
}

static int const_i8(const struct ir_tensor *t, int8_t *v)
{
	if (!t) {
		*v = 0;
		return -EOPNOTSUPP;
	}
	if (!t->data || t->dtype != IR_DTYPE_INT8 || ir_tensor_numel(t) != 1)
		return -EOPNOTSUPP;
	*v = *(const int8_t *)t->data;
	return 0;
}

static int new_val(struct lower *lw, int tensor)
{
	struct vval *nv = realloc(lw->v, (lw->nv + 1) * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	lw->v = nv;
	memset(&nv[lw->nv], 0, sizeof(*nv));
	nv[lw->nv].root = (int)lw->nv;
	nv[lw->nv].last_use = -1;
	if (tensor >= 0)
		lw->val_of[tensor] = (int)lw->nv;
	return (int)lw->nv++;
}

static struct vlayer *new_layer(struct lower *lw)
{
	struct vlayer *nl = realloc(lw->l, (lw->nl + 1) * sizeof(*nl));

	if (!nl)
		return NULL;
	lw->l = nl;
	memset(&nl[lw->nl], 0, sizeof(*nl));
	nl[lw->nl].in2 = -1;
	nl[lw->nl].kh = nl[lw->nl].kw = nl[lw->nl].sy = nl[lw->nl].sx = 1;
	nl[lw->nl].dy = nl[lw->nl].dx = 1;
	nl[lw->nl].act_min = -128;
	nl[lw->nl].act_max = 127;
	return &nl[lw->nl++];
}

/* @bytes more in the constant buffer, 64-byte aligned: their offset, or -ENOMEM. */
static int64_t const_alloc(struct lower *lw, size_t bytes)
{
	size_t off = ALIGN64(lw->const_size);
	uint8_t *c = realloc(lw->consts, off + bytes);

	if (!c)
		return -ENOMEM;
	memset(c + lw->const_size, 0, off + bytes - lw->const_size);
	lw->consts = c;
	lw->const_size = off + bytes;
	return (int64_t)off;
}

static bool fixed_point(const struct ir_node *n)
{
	const struct ir_attr *a = ir_node_find_attr(n, IR_ATTR_QUANT_REQUANT);

	return a && a->type == IR_ATTR_STRING && !strcmp(a->s, IR_QUANT_REQUANT_FIXED_POINT);
}

static int attr_ints(const struct ir_node *n, const char *name, int64_t *v, size_t want)
{
	const struct ir_attr *a = ir_node_find_attr(n, name);

	if (!a)
		return 0;
	if (a->type != IR_ATTR_INTS || a->len != want)
		return -EOPNOTSUPP;
	memcpy(v, a->ints, want * sizeof(*v));
	return 0;
}

static int64_t attr_int(const struct ir_node *n, const char *name, int64_t def)
{
	const struct ir_attr *a = ir_node_find_attr(n, name);

	return a && a->type == IR_ATTR_INT ? a->i : def;
}

/* The window of Conv or MaxPool @n: kernel from @kh/@kw when the attribute is absent. */
static int window(struct lower *lw, const struct ir_node *n, struct vlayer *l, int64_t kh,
		  int64_t kw)
{
	int64_t k[2] = { kh, kw }, s[2] = { 1, 1 }, d[2] = { 1, 1 }, p[4] = { 0 };
	const struct ir_attr *ap = ir_node_find_attr(n, "auto_pad");

	if (ap && ap->type == IR_ATTR_STRING && strcmp(ap->s, "NOTSET"))
		return fail(lw, -EOPNOTSUPP, "%s: auto_pad %s", n->name, ap->s);
	if (attr_ints(n, "kernel_shape", k, 2) || attr_ints(n, "strides", s, 2) ||
	    attr_ints(n, "dilations", d, 2) || attr_ints(n, "pads", p, 4))
		return fail(lw, -EOPNOTSUPP, "%s: a window that is not 2-D", n->name);
	if (k[0] < 1 || k[0] > 255 || k[1] < 1 || k[1] > 255 || s[0] < 1 || s[0] > 15 ||
	    s[1] < 1 || s[1] > 15 || d[0] < 1 || d[0] > 15 || d[1] < 1 || d[1] > 15)
		return fail(lw, -EOPNOTSUPP, "%s: kernel, stride or dilation out of the NPU's range",
			    n->name);
	for (int i = 0; i < 4; i++)
		if (p[i] < 0 || p[i] > 127 || p[i] >= (k[i % 2] - 1) * d[i % 2] + 1)
			return fail(lw, -EOPNOTSUPP, "%s: padding out of the NPU's range", n->name);
	l->kh = (int)k[0];
	l->kw = (int)k[1];
	l->sy = (int)s[0];
	l->sx = (int)s[1];
	l->dy = (int)d[0];
	l->dx = (int)d[1];
	l->pt = (int)p[0];
	l->pl = (int)p[1];
	l->pb = (int)p[2];
	l->pr = (int)p[3];
	return 0;
}

/* The output map of window layer @l over @in, or -EOPNOTSUPP when empty. */
static int window_out(struct lower *lw, const struct vlayer *l, const struct vval *in,
		      int64_t *oh, int64_t *ow)
{
	int64_t eh = (int64_t)(l->kh - 1) * l->dy + 1, ew = (int64_t)(l->kw - 1) * l->dx + 1;

	if (in->h + l->pt + l->pb < eh || in->w + l->pl + l->pr < ew)
		return fail(lw, -EOPNOTSUPP, "%s: window larger than the map", l->name);
	*oh = (in->h + l->pt + l->pb - eh) / l->sy + 1;
	*ow = (in->w + l->pl + l->pr - ew) / l->sx + 1;
	return 0;
}

/* The int8 value a node reads as input @i: it must have been lowered already. */
static int int8_in(struct lower *lw, const struct ir_node *n, size_t i)
{
	int t = i < n->n_inputs ? n->inputs[i] : -1;

	if (t < 0 || lw->val_of[t] < 0)
		return fail(lw, -EOPNOTSUPP, "%s (%s): input '%s' is not an int8 map of the device",
			    n->name, n->op_type, t >= 0 ? lw->g->tensors[t]->name : "");
	return lw->val_of[t];
}

/* Output clamp of QLinear node @n with output scale @s and zero point @zp. */
static int act_range(struct lower *lw, const struct ir_node *n, float s, int8_t zp,
		     struct vlayer *l)
{
	int act = ir_node_fused_activation(n);
	float lo, hi;

	l->act_min = -128;
	l->act_max = 127;
	if (act == IR_ACTIVATION_NONE)
		return 0;
	if (act == IR_ACTIVATION_RELU) {
		quant_act_range(QUANT_ACT_RELU, 0, 0, s, zp, &l->act_min, &l->act_max);
		return 0;
	}
	if (act == IR_ACTIVATION_CLIP && !ir_node_fused_clip_bounds(n, &lo, &hi)) {
		quant_act_range(QUANT_ACT_CLIP, lo, hi, s, zp, &l->act_min, &l->act_max);
		return 0;
	}
	return fail(lw, -EOPNOTSUPP, "%s: fused activation %d on the NPU", n->name, act);
}

/*
 * The scale entries of an M-channel layer: bias[o] (NULL: 0) and
 * quant_output_multiplier(x_scale, w_scale[o or 0], y_scale), at @off in the constants.
 */
static int scale_table(struct lower *lw, const struct ir_node *n, uint64_t off, int64_t m,
		       float xs, const struct ir_tensor *ws, float ys, const struct ir_tensor *bias)
{
	struct vedge_scale_entry *e = (void *)(lw->consts + off);
	int64_t nws = ir_tensor_numel(ws);

	if (!ws->data || ws->dtype != IR_DTYPE_FLOAT || (nws != 1 && nws != m))
		return fail(lw, -EOPNOTSUPP, "%s: weight scales not constant float [1] or [%lld]",
			    n->name, (long long)m);
	if (bias && (!bias->data || bias->dtype != IR_DTYPE_INT32 || ir_tensor_numel(bias) != m))
		return fail(lw, -EOPNOTSUPP, "%s: bias not constant int32 [%lld]", n->name,
			    (long long)m);
	for (int64_t o = 0; o < m; o++) {
		struct quant_multiplier q;

		if (quant_output_multiplier(xs, ((const float *)ws->data)[nws == 1 ? 0 : o], ys, &q))
			return fail(lw, -EINVAL, "%s: scales out of range (channel %lld)", n->name,
				    (long long)o);
		e[o].bias = bias ? ((const int32_t *)bias->data)[o] : 0;
		e[o].multiplier = q.m;
		e[o].shift = q.shift;
	}
	return 0;
}

/* Weight zero points must be absent or all 0 (the NPU's weights are symmetric). */
static bool zero_wzp(const struct ir_tensor *t)
{
	if (!t)
		return true;
	if (!t->data || (t->dtype != IR_DTYPE_INT8 && t->dtype != IR_DTYPE_UINT8))
		return false;
	for (int64_t i = 0; i < ir_tensor_numel(t); i++)
		if (((const int8_t *)t->data)[i])
			return false;
	return true;
}

/* QLinearConv(x, xs, xzp, w, ws, wzp, ys, yzp, B) -> CONV2D or DEPTHWISE_CONV2D. */
static int lower_conv(struct lower *lw, const struct ir_node *n)
{
	const struct ir_tensor *w = tin(lw, n, 3), *y = lw->g->tensors[n->outputs[0]];
	int in = int8_in(lw, n, 0), out;
	struct vlayer *l;
	int64_t m, oh, ow, group = attr_int(n, "group", 1), kh, kw, ci;
	float xs, ys;
	int8_t xzp, yzp;
	int64_t off;
	int ret;

	if (in < 0)
		return in;
	if (!fixed_point(n) || !w || !w->data || w->dtype != IR_DTYPE_INT8 || w->rank != 4 ||
	    const_f32(tin(lw, n, 1), &xs) || const_i8(tin(lw, n, 2), &xzp) ||
	    const_f32(tin(lw, n, 6), &ys) || const_i8(tin(lw, n, 7), &yzp) ||
	    !zero_wzp(tin(lw, n, 5)) || y->dtype != IR_DTYPE_INT8)
		return fail(lw, -EOPNOTSUPP, "%s: QLinearConv not in the device's fixed point "
			    "(int8, constant per-tensor scales, symmetric weights)", n->name);
	m = w->dims[0];
	ci = w->dims[1];
	kh = w->dims[2];
	kw = w->dims[3];
	l = new_layer(lw);
	if (!l)
		return -ENOMEM;
	l->name = n->name;
	l->in = in;
	ret = window(lw, n, l, kh, kw);
	if (ret)
		return ret;
	if (l->kh != kh || l->kw != kw)
		return fail(lw, -EINVAL, "%s: kernel_shape differs from the weights", n->name);
	if (group == 1 && ci == lw->v[in].c) {
		l->op = VOP_CONV;
		l->w_len = (uint64_t)(m * kh * kw * ci);
	} else if (group == lw->v[in].c && group == m && ci == 1) {
		l->op = VOP_DW;
		l->w_len = (uint64_t)(m * kh * kw);
	} else {
		return fail(lw, -EOPNOTSUPP, "%s: grouped convolution (group %lld)", n->name,
			    (long long)group);
	}
	ret = window_out(lw, l, &lw->v[in], &oh, &ow);
	if (ret)
		return ret;
	if (fabsf(xs - lw->v[in].scale) > 0 || xzp != lw->v[in].zp)
		return fail(lw, -EOPNOTSUPP, "%s: x_scale differs from its input's", n->name);
	off = const_alloc(lw, l->w_len);
	if (off < 0)
		return (int)off;
	l->w_off = (uint64_t)off;
	/* OIHW -> OHWI (conv), [M][1][KH][KW] -> HWC (depthwise). */
	for (int64_t o = 0; o < m; o++)
		for (int64_t i = 0; i < ci; i++)
			for (int64_t y0 = 0; y0 < kh; y0++)
				for (int64_t x0 = 0; x0 < kw; x0++) {
					int8_t q = ((const int8_t *)w->data)[((o * ci + i) * kh + y0) * kw + x0];
					uint64_t d = l->op == VOP_CONV ?
						     (uint64_t)(((o * kh + y0) * kw + x0) * ci + i) :
						     (uint64_t)((y0 * kw + x0) * m + o);

					lw->consts[l->w_off + d] = (uint8_t)q;
				}
	l->s_len = (uint64_t)m * sizeof(struct vedge_scale_entry);
	off = const_alloc(lw, l->s_len);
	if (off < 0)
		return (int)off;
	l->s_off = (uint64_t)off;
	ret = scale_table(lw, n, l->s_off, m, xs, tin(lw, n, 4), ys, tin(lw, n, 8));
	if (ret)
		return ret;
	ret = act_range(lw, n, ys, yzp, l);
	if (ret)
		return ret;
	out = new_val(lw, n->outputs[0]);
	if (out < 0)
		return out;
	l = &lw->l[lw->nl - 1];
	l->out = out;
	lw->v[out].h = oh;
	lw->v[out].w = ow;
	lw->v[out].c = m;
	lw->v[out].scale = ys;
	lw->v[out].zp = yzp;
	return 0;
}

/* QLinearMatMul(a, as, azp, B [K][N], bs, bzp, ys, yzp) + accel.bias -> FULLY_CONNECTED. */
static int lower_fc(struct lower *lw, const struct ir_node *n)
{
	const struct ir_tensor *b = tin(lw, n, 3), *y = lw->g->tensors[n->outputs[0]];
	int in = int8_in(lw, n, 0), out;
	const struct vval *iv;
	struct vlayer *l;
	int64_t k, nn, off;
	float xs, ys;
	int8_t xzp, yzp;
	int ret;

	if (in < 0)
		return in;
	if (!fixed_point(n) || !b || !b->data || b->dtype != IR_DTYPE_INT8 || b->rank != 2 ||
	    const_f32(tin(lw, n, 1), &xs) || const_i8(tin(lw, n, 2), &xzp) ||
	    const_f32(tin(lw, n, 6), &ys) || const_i8(tin(lw, n, 7), &yzp) ||
	    !zero_wzp(tin(lw, n, 5)) || y->dtype != IR_DTYPE_INT8)
		return fail(lw, -EOPNOTSUPP, "%s: QLinearMatMul not in the device's fixed point "
			    "(int8, constant per-tensor scales, symmetric weights)", n->name);
	iv = &lw->v[in];
	k = b->dims[0];
	nn = b->dims[1];
	if (iv->h != 1 || iv->w != 1 || iv->c != k)
		return fail(lw, -EOPNOTSUPP, "%s: input is not a [1, %lld] vector", n->name,
			    (long long)k);
	if (fabsf(xs - iv->scale) > 0 || xzp != iv->zp)
		return fail(lw, -EOPNOTSUPP, "%s: a_scale differs from its input's", n->name);
	l = new_layer(lw);
	if (!l)
		return -ENOMEM;
	l->name = n->name;
	l->op = VOP_FC;
	l->in = in;
	l->kh = l->kw = l->sy = l->sx = l->dy = l->dx = 1;
	l->w_len = (uint64_t)(k * nn);
	off = const_alloc(lw, l->w_len);
	if (off < 0)
		return (int)off;
	l->w_off = (uint64_t)off;
	/*
	 * [K][N] -> [N][K], the columns in the order of the bytes: a flattened NHWC map holds
	 * ONNX's element c * H * W + y * W + x at (y * W + x) * C + c.
	 */
	for (int64_t p = 0; p < k; p++) {
		int64_t src = p;

		if (iv->fh) {
			int64_t c = p % iv->fc, xy = p / iv->fc;

			src = c * iv->fh * iv->fw + xy;
		}
		for (int64_t o = 0; o < nn; o++)
			lw->consts[l->w_off + (uint64_t)(o * k + p)] =
				((const uint8_t *)b->data)[src * nn + o];
	}
	l->s_len = (uint64_t)nn * sizeof(struct vedge_scale_entry);
	off = const_alloc(lw, l->s_len);
	if (off < 0)
		return (int)off;
	l->s_off = (uint64_t)off;
	ret = scale_table(lw, n, l->s_off, nn, xs, tin(lw, n, 4), ys, ir_node_fused_bias(n));
	if (ret)
		return ret;
	ret = act_range(lw, n, ys, yzp, l);
	if (ret)
		return ret;
	out = new_val(lw, n->outputs[0]);
	if (out < 0)
		return out;
	l = &lw->l[lw->nl - 1];
	l->out = out;
	lw->v[out].h = lw->v[out].w = 1;
	lw->v[out].c = nn;
	lw->v[out].scale = ys;
	lw->v[out].zp = yzp;
	return 0;
}

static int lower_maxpool(struct lower *lw, const struct ir_node *n)
{
	int in = int8_in(lw, n, 0), out;
	struct vlayer *l;
	int64_t oh, ow;
	int ret;

	if (in < 0)
		return in;
	if (attr_int(n, "ceil_mode", 0) || attr_int(n, "storage_order", 0) ||
	    (n->n_outputs > 1 && n->outputs[1] >= 0))
		return fail(lw, -EOPNOTSUPP, "%s: MaxPool with ceil_mode, storage_order or indices",
			    n->name);
	l = new_layer(lw);
	if (!l)
		return -ENOMEM;
	l->name = n->name;
	l->op = VOP_MAXPOOL;
	l->in = in;
	l->act_min = -128;
	l->act_max = 127;
	ret = window(lw, n, l, 0, 0);
	if (!ret)
		ret = window_out(lw, l, &lw->v[in], &oh, &ow);
	if (ret)
		return ret;
	out = new_val(lw, n->outputs[0]);
	if (out < 0)
		return out;
	l = &lw->l[lw->nl - 1];
	l->out = out;
	lw->v[out].h = oh;
	lw->v[out].w = ow;
	lw->v[out].c = lw->v[in].c;
	lw->v[out].scale = lw->v[in].scale;
	lw->v[out].zp = lw->v[in].zp;
	return 0;
}

/* A new map value for graph tensor @tensor: @h x @w x @c at @scale, @zp. */
static int new_map(struct lower *lw, int tensor, int64_t h, int64_t w, int64_t c, float scale,
		   int8_t zp)
{
	int v = new_val(lw, tensor);

	if (v < 0)
		return v;
	lw->v[v].h = h;
	lw->v[v].w = w;
	lw->v[v].c = c;
	lw->v[v].scale = scale;
	lw->v[v].zp = zp;
	return v;
}

/*
 * QLinearAveragePool(x, xs, xzp, ys, yzp), QLinearGlobalAveragePool -> AVGPOOL: fixed point,
 * the output quantized as the input (the device averages the stored values), padding excluded.
 */
static int lower_avgpool(struct lower *lw, const struct ir_node *n, bool global)
{
	int in = int8_in(lw, n, 0), out;
	struct vlayer *l;
	int64_t oh, ow;
	float xs, ys;
	int8_t xzp, yzp;
	int ret;

	if (in < 0)
		return in;
	if (!fixed_point(n) || const_f32(tin(lw, n, 1), &xs) || const_i8(tin(lw, n, 2), &xzp) ||
	    const_f32(tin(lw, n, 3), &ys) || const_i8(tin(lw, n, 4), &yzp) || xs != ys ||
	    xzp != yzp || xs != lw->v[in].scale || xzp != lw->v[in].zp ||
	    attr_int(n, "count_include_pad", 0) || attr_int(n, "ceil_mode", 0) ||
	    attr_int(n, "channels_last", 0))
		return fail(lw, -EOPNOTSUPP, "%s: %s not in the device's fixed point (the input's "
			    "quantization on the output, padding excluded, NCHW)", n->name,
			    n->op_type);
	l = new_layer(lw);
	if (!l)
		return -ENOMEM;
	l->name = n->name;
	l->op = VOP_AVGPOOL;
	l->in = in;
	if (global) {
		if (lw->v[in].h > 255 || lw->v[in].w > 255)
			return fail(lw, -EOPNOTSUPP, "%s: a map over 255 x 255", n->name);
		l->kh = (int)lw->v[in].h;
		l->kw = (int)lw->v[in].w;
	} else {
		ret = window(lw, n, l, 0, 0);
		if (ret)
			return ret;
		if (l->dy != 1 || l->dx != 1)
			return fail(lw, -EOPNOTSUPP, "%s: dilations", n->name);
	}
	ret = window_out(lw, l, &lw->v[in], &oh, &ow);
	if (ret)
		return ret;
	out = new_map(lw, n->outputs[0], oh, ow, lw->v[in].c, xs, xzp);
	if (out < 0)
		return out;
	lw->l[lw->nl - 1].out = out;
	return 0;
}

/*
 * The int8 map of input @i of an elementwise node: a value lowered already, or an int8
 * constant put in the constant buffer (NHWC) as a value of location VLOC_CONST. Its shape
 * must be the output's (@oh, @ow, @oc), 1 x 1 x @oc or 1 x 1 x 1 (the device's broadcasts),
 * or be the output's shape itself when @oc is 0 (the first operand).
 */
static int elementwise_in(struct lower *lw, const struct ir_node *n, size_t i, float s,
			  int8_t zp)
{
	const struct ir_tensor *t = tin(lw, n, i);
	int64_t d[4] = { 1, 1, 1, 1 }, off;
	int v;

	if (!t || !t->data)
		return int8_in(lw, n, i);
	if (t->dtype != IR_DTYPE_INT8 || t->rank > 4)
		return fail(lw, -EOPNOTSUPP, "%s: constant operand not int8 of rank <= 4", n->name);
	for (int k = 0; k < t->rank; k++)
		d[4 - t->rank + k] = t->dims[k];
	if (d[0] != 1)
		return fail(lw, -EOPNOTSUPP, "%s: constant operand with a batch", n->name);
	off = const_alloc(lw, (size_t)(d[1] * d[2] * d[3]));
	if (off < 0)
		return (int)off;
	/* NCHW -> NHWC */
	for (int64_t c = 0; c < d[1]; c++)
		for (int64_t y = 0; y < d[2]; y++)
			for (int64_t x = 0; x < d[3]; x++)
				lw->consts[off + (y * d[3] + x) * d[1] + c] =
					((const uint8_t *)t->data)[(c * d[2] + y) * d[3] + x];
	v = new_map(lw, -1, d[2], d[3], d[1], s, zp);
	if (v < 0)
		return v;
	lw->v[v].loc = VLOC_CONST;
	lw->v[v].off = (uint64_t)off;
	return v;
}

static bool same_shape(const struct vval *a, const struct vval *b)
{
	return a->h == b->h && a->w == b->w && a->c == b->c;
}

/* Whether @b broadcasts to @a as the device's IFM2: equal, 1 x 1 x C, or a scalar. */
static bool ifm2_of(const struct vval *a, const struct vval *b)
{
	return same_shape(a, b) || (b->h == 1 && b->w == 1 && (b->c == a->c || b->c == 1));
}

/*
 * QLinearAdd, QLinearMul (A, As, Azp, B, Bs, Bzp, Cs, Czp) marked fixed point -> ADD, MUL;
 * the operand that broadcasts goes to IFM2.
 */
static int lower_binary(struct lower *lw, const struct ir_node *n, bool mul)
{
	const struct ir_tensor *y = lw->g->tensors[n->outputs[0]];
	float as, bs, ys;
	int8_t azp, bzp, yzp;
	struct vlayer *l;
	int a, b, out, ret;

	if (!fixed_point(n) || const_f32(tin(lw, n, 1), &as) || const_i8(tin(lw, n, 2), &azp) ||
	    const_f32(tin(lw, n, 4), &bs) || const_i8(tin(lw, n, 5), &bzp) ||
	    const_f32(tin(lw, n, 6), &ys) || const_i8(tin(lw, n, 7), &yzp) ||
	    y->dtype != IR_DTYPE_INT8)
		return fail(lw, -EOPNOTSUPP, "%s: %s not in the device's fixed point (int8, constant "
			    "per-tensor scales)", n->name, n->op_type);
	a = elementwise_in(lw, n, 0, as, azp);
	if (a < 0)
		return a;
	b = elementwise_in(lw, n, 3, bs, bzp);
	if (b < 0)
		return b;
	if (lw->v[a].scale != as || lw->v[a].zp != azp || lw->v[b].scale != bs ||
	    lw->v[b].zp != bzp)
		return fail(lw, -EOPNOTSUPP, "%s: operand scales differ from their inputs'", n->name);
	if (!ifm2_of(&lw->v[a], &lw->v[b])) {
		int t = a;
		float ts = as;

		if (!ifm2_of(&lw->v[b], &lw->v[a]))
			return fail(lw, -EOPNOTSUPP, "%s: a broadcast other than per channel or "
				    "scalar", n->name);
		a = b;
		b = t;
		as = bs;
		bs = ts;
	}
	if (lw->v[a].loc == VLOC_CONST)
		return fail(lw, -EOPNOTSUPP, "%s: both operands constant", n->name);
	l = new_layer(lw);
	if (!l)
		return -ENOMEM;
	l->name = n->name;
	l->op = mul ? VOP_MUL : VOP_ADD;
	l->in = a;
	l->in2 = b;
	if (mul) {
		ret = quant_multiplier_from_real((double)as * bs / ys, &l->sc[2]);
	} else {
		struct quant_add_params ap;

		ret = quant_add_params(as, bs, ys, &ap);
		l->sc[0] = ap.in1;
		l->sc[1] = ap.in2;
		l->sc[2] = ap.out;
	}
	if (ret)
		return fail(lw, -EINVAL, "%s: scales out of the device's range", n->name);
	ret = act_range(lw, n, ys, yzp, l);
	if (ret)
		return ret;
	out = new_map(lw, n->outputs[0], lw->v[a].h, lw->v[a].w, lw->v[a].c, ys, yzp);
	if (out < 0)
		return out;
	lw->l[lw->nl - 1].out = out;
	if (lw->v[out].h * lw->v[out].w * lw->v[out].c != ir_tensor_numel(y))
		return fail(lw, -EOPNOTSUPP, "%s: output shape", n->name);
	return 0;
}

/* Whether @n is a float unary op between a DequantizeLinear and QuantizeLinear readers only. */
static bool lut_unary(const struct lower *lw, const struct ir_node *n)
{
	const struct ir_graph *g = lw->g;
	const struct ir_node *dq;
	int x, y;

	if (!quant_lut_op(n) || n->n_outputs != 1 || n->n_inputs < 1 || n->outputs[0] < 0 ||
	    n->inputs[0] < 0)
		return false;
	x = n->inputs[0];
	y = n->outputs[0];
	if (lw->producer[x] < 0 || pass_is_graph_output(g, y))
		return false;
	dq = g->nodes[lw->producer[x]];
	if (!pass_node_is(dq, "DequantizeLinear") ||
	    ir_tensor_numel(g->tensors[x]) != ir_tensor_numel(g->tensors[y]))
		return false;
	for (size_t i = 1; i < n->n_inputs; i++)
		if (n->inputs[i] >= 0 && !g->tensors[n->inputs[i]]->data)
			return false;
	for (size_t i = 0; i < g->n_nodes; i++)
		for (size_t k = 0; k < g->nodes[i]->n_inputs; k++)
			if (g->nodes[i]->inputs[k] == y && !pass_node_is(g->nodes[i], "QuantizeLinear"))
				return false;
	return true;
}

/* Whether every reader of DequantizeLinear @n's output is a lut_unary() op. */
static bool dq_feeds_luts(const struct lower *lw, const struct ir_node *n)
{
	const struct ir_graph *g = lw->g;
	int y = n->outputs[0];

	if (pass_is_graph_output(g, y))
		return false;
	for (size_t i = 0; i < g->n_nodes; i++)
		for (size_t k = 0; k < g->nodes[i]->n_inputs; k++)
			if (g->nodes[i]->inputs[k] == y && !lut_unary(lw, g->nodes[i]))
				return false;
	return true;
}

/*
 * QuantizeLinear @qi of unary op f of DequantizeLinear of an int8 map -> LUT. The table is
 * what the host computes for these three nodes on every int8 value (run here, on the graph's
 * own kernels), so that the device's lookup equals the host bit for bit.
 */
static int lower_lut(struct lower *lw, size_t qi)
{
	struct ir_graph *g = (struct ir_graph *)lw->g;
	const struct ir_node *q = g->nodes[qi];
	size_t idx[3] = { 0, 0, qi };
	const struct ir_node *u, *dq;
	struct host_values hv = { 0 };
	int8_t *xb = NULL, lut[256];
	int in, out, x, y, ret;
	struct vlayer *l;
	float ys;
	int8_t yzp;
	int64_t nx, off;
	bool seen[256] = { false };

	idx[1] = (size_t)lw->producer[q->inputs[0]];
	u = g->nodes[idx[1]];
	idx[0] = (size_t)lw->producer[u->inputs[0]];
	dq = g->nodes[idx[0]];
	in = int8_in(lw, dq, 0);
	if (in < 0)
		return in;
	if (const_f32(tin(lw, q, 1), &ys) || const_i8(tin(lw, q, 2), &yzp) ||
	    g->tensors[q->outputs[0]]->dtype != IR_DTYPE_INT8)
		return fail(lw, -EOPNOTSUPP, "%s: not a per-tensor int8 QuantizeLinear", q->name);
	x = dq->inputs[0];
	y = q->outputs[0];
	nx = ir_tensor_numel(g->tensors[x]);
	if (nx != ir_tensor_numel(g->tensors[y]) || nx < 1)
		return fail(lw, -EOPNOTSUPP, "%s: %s is not elementwise", u->name, u->op_type);
	xb = malloc((size_t)nx);
	ret = xb ? host_values_create(g, &hv) : -ENOMEM;
	if (ret)
		goto out;
	hv.ptr[x] = xb;
	/* Every int8 value through DequantizeLinear, f, QuantizeLinear, nx at a time. */
	for (int64_t base = 0; base < 256 && !ret; base += nx) {
		for (int64_t i = 0; i < nx; i++)
			xb[i] = (int8_t)(((base + i) % 256) - 128);
		for (int k = 0; k < 3 && !ret; k++)
			ret = host_exec_node(g, idx[k], &hv, lw->err, lw->err_len);
		for (int64_t i = 0; i < nx && !ret; i++) {
			lut[xb[i] + 128] = ((const int8_t *)hv.ptr[y])[i];
			seen[xb[i] + 128] = true;
		}
	}
	hv.ptr[x] = NULL;
	if (ret)
		goto out;
	for (int k = 0; k < 256; k++)
		if (!seen[k]) {
			ret = fail(lw, -EINVAL, "%s: table incomplete", u->name);
			goto out;
		}
	l = new_layer(lw);
	if (!l) {
		ret = -ENOMEM;
		goto out;
	}
	l->name = u->name;
	l->op = VOP_LUT;
	l->in = in;
	l->w_len = 256;
	off = const_alloc(lw, 256);
	if (off < 0) {
		ret = (int)off;
		goto out;
	}
	lw->l[lw->nl - 1].w_off = (uint64_t)off;
	memcpy(lw->consts + off, lut, 256);
	out = new_map(lw, y, lw->v[in].h, lw->v[in].w, lw->v[in].c, ys, yzp);
	if (out < 0) {
		ret = out;
		goto out;
	}
	lw->l[lw->nl - 1].out = out;
out:
	host_values_free(&hv);
	free(xb);
	return ret;
}

/* Flatten, Reshape, Squeeze, Unsqueeze, Identity on int8: a new name for the same bytes. */
static int lower_alias(struct lower *lw, const struct ir_node *n)
{
	const struct ir_tensor *y = lw->g->tensors[n->outputs[0]];
	int in = int8_in(lw, n, 0), out;
	struct vval *iv, *ov;

	if (in < 0)
		return in;
	out = new_val(lw, n->outputs[0]);
	if (out < 0)
		return out;
	iv = &lw->v[in];
	ov = &lw->v[out];
	*ov = *iv;
	ov->root = iv->root;
	if (y->rank == 4 && y->dims[1] == iv->c && y->dims[2] == iv->h && y->dims[3] == iv->w)
		return 0;
	if (y->rank == 2 && y->dims[1] == iv->h * iv->w * iv->c) {
		if (iv->h * iv->w > 1 && iv->c > 1 && !iv->fh) {
			ov->fh = iv->h;
			ov->fw = iv->w;
			ov->fc = iv->c;
		}
		ov->h = ov->w = 1;
		ov->c = y->dims[1];
		return 0;
	}
	return fail(lw, -EOPNOTSUPP, "%s: %s to a shape other than [1, C, H, W] or [1, K]",
		    n->name, n->op_type);
}

/* The graph's input or output tensor as struct vedge_io (batch 1). */
static int io_of(struct lower *lw, const struct ir_tensor *t, struct vedge_io *io)
{
	if (t->dtype != IR_DTYPE_FLOAT || (t->rank != 2 && t->rank != 4) || t->dims[0] != 1)
		return fail(lw, -EOPNOTSUPP, "'%s': not a float [1, C] or [1, C, H, W] (batch "
			    "dimension 1: images are repeated by the program's batch)", t->name);
	io->rank = t->rank;
	io->c = t->dims[1];
	io->h = t->rank == 4 ? t->dims[2] : 1;
	io->w = t->rank == 4 ? t->dims[3] : 1;
	io->bytes = (size_t)(io->c * io->h * io->w);
	return 0;
}

static int lower_quantize(struct lower *lw, const struct ir_node *n, struct vedge_io *io)
{
	int x = n->inputs[0], v, k = -1;
	float s;
	int8_t zp;

	for (size_t i = 0; i < lw->g->n_inputs && i < VEDGE_MAX_IO; i++)
		if (lw->g->inputs[i] == x)
			k = (int)i;
	if (lw->g->n_inputs > VEDGE_MAX_IO || k < 0 || lw->in_val[k] >= 0)
		return fail(lw, -EOPNOTSUPP, "%s: QuantizeLinear of something other than a graph "
			    "input (at most %d, each quantized once)", n->name, VEDGE_MAX_IO);
	io += k;
	if (const_f32(tin(lw, n, 1), &s) || const_i8(tin(lw, n, 2), &zp) ||
	    lw->g->tensors[n->outputs[0]]->dtype != IR_DTYPE_INT8)
		return fail(lw, -EOPNOTSUPP, "%s: not a per-tensor int8 QuantizeLinear", n->name);
	if (io_of(lw, lw->g->tensors[x], io))
		return -EOPNOTSUPP;
	io->scale = s;
	io->zero_point = zp;
	v = new_val(lw, n->outputs[0]);
	if (v < 0)
		return v;
	lw->v[v].h = io->h;
	lw->v[v].w = io->w;
	lw->v[v].c = io->c;
	lw->v[v].scale = s;
	lw->v[v].zp = zp;
	lw->v[v].loc = VLOC_INPUT;
	lw->v[v].io = k;
	lw->in_val[k] = v;
	return 0;
}

static int lower_dequantize(struct lower *lw, const struct ir_node *n, struct vedge_io *io)
{
	int v = int8_in(lw, n, 0), y = n->outputs[0], k = -1;
	float s;
	int8_t zp;

	if (v < 0)
		return v;
	for (size_t i = 0; i < lw->g->n_outputs && i < VEDGE_MAX_IO; i++)
		if (lw->g->outputs[i] == y)
			k = (int)i;
	if (lw->g->n_outputs > VEDGE_MAX_IO || k < 0 || lw->out_val[k] >= 0)
		return fail(lw, -EOPNOTSUPP, "%s: DequantizeLinear to something other than a graph "
			    "output (at most %d)", n->name, VEDGE_MAX_IO);
	io += k;
	if (const_f32(tin(lw, n, 1), &s) || const_i8(tin(lw, n, 2), &zp) ||
	    s != lw->v[v].scale || zp != lw->v[v].zp)
		return fail(lw, -EOPNOTSUPP, "%s: DequantizeLinear with other parameters than its "
			    "input's", n->name);
	if (io_of(lw, lw->g->tensors[y], io))
		return -EOPNOTSUPP;
	if ((size_t)(lw->v[v].h * lw->v[v].w * lw->v[v].c) != io->bytes || lw->v[v].fh ||
	    (io->rank == 4 && (lw->v[v].c != io->c || lw->v[v].h != io->h)))
		return fail(lw, -EOPNOTSUPP, "%s: output layout differs from its map", n->name);
	io->scale = s;
	io->zero_point = zp;
	lw->out_val[k] = v;
	return 0;
}

static int lower_graph(struct lower *lw, struct vedge_program *p)
{
	const struct ir_graph *g = lw->g;
	int ret = 0;

	for (size_t i = 0; i < g->n_nodes; i++)
		for (size_t k = 0; k < g->nodes[i]->n_outputs; k++)
			if (g->nodes[i]->outputs[k] >= 0)
				lw->producer[g->nodes[i]->outputs[k]] = (long)i;
	for (size_t i = 0; i < g->n_nodes && !ret; i++) {
		const struct ir_node *n = g->nodes[i];
		const char *op = n->op_type;
		long pi = n->n_inputs && n->inputs[0] >= 0 ? lw->producer[n->inputs[0]] : -1;

		if (n->domain && n->domain[0] && strcmp(n->domain, OP_DOMAIN_MS))
			ret = fail(lw, -EOPNOTSUPP, "%s: operator %s of domain %s", n->name, op,
				   n->domain);
		else if (!strcmp(op, "QuantizeLinear") && pi >= 0 && lut_unary(lw, g->nodes[pi]))
			ret = lower_lut(lw, i);
		else if (!strcmp(op, "QuantizeLinear"))
			ret = lower_quantize(lw, n, p->in);
		else if (!strcmp(op, "DequantizeLinear") && dq_feeds_luts(lw, n))
			continue;	/* lowered with the QuantizeLinear after its op */
		else if (lut_unary(lw, n))
			continue;
		else if (!strcmp(op, "DequantizeLinear"))
			ret = lower_dequantize(lw, n, p->out);
		else if (!strcmp(op, "QLinearAdd") || !strcmp(op, "QLinearMul"))
			ret = lower_binary(lw, n, !strcmp(op, "QLinearMul"));
		else if (!strcmp(op, "QLinearAveragePool") || !strcmp(op, "QLinearGlobalAveragePool"))
			ret = lower_avgpool(lw, n, !strcmp(op, "QLinearGlobalAveragePool"));
		else if (!strcmp(op, "QLinearConv"))
			ret = lower_conv(lw, n);
		else if (!strcmp(op, "QLinearMatMul"))
			ret = lower_fc(lw, n);
		else if (!strcmp(op, "MaxPool"))
			ret = lower_maxpool(lw, n);
		else if (!strcmp(op, "Flatten") || !strcmp(op, "Reshape") ||
			 !strcmp(op, "Squeeze") || !strcmp(op, "Unsqueeze") ||
			 !strcmp(op, "Identity"))
			ret = lower_alias(lw, n);
		else
			ret = fail(lw, -EOPNOTSUPP, "%s: %s has no vedge operation (the graph must be "
				   "int8 from input to output)", n->name, op);
	}
	if (ret)
		return ret;
	p->n_in = g->n_inputs;
	p->n_out = g->n_outputs;
	for (size_t k = 0; k < p->n_in; k++)
		if (lw->in_val[k] < 0)
			return fail(lw, -EOPNOTSUPP, "input '%s' has no QuantizeLinear",
				    g->tensors[g->inputs[k]]->name);
	for (size_t k = 0; k < p->n_out; k++) {
		struct vval *r;

		if (lw->out_val[k] < 0)
			return fail(lw, -EOPNOTSUPP, "output '%s' has no DequantizeLinear",
				    g->tensors[g->outputs[k]]->name);
		r = &lw->v[lw->v[lw->out_val[k]].root];
		if (r->loc == VLOC_INPUT || r->loc == VLOC_OUTPUT)
			return fail(lw, -EOPNOTSUPP, "output '%s' is an input or another output",
				    g->tensors[g->outputs[k]]->name);
		r->loc = VLOC_OUTPUT;
		r->io = (int)k;
	}
	if (!p->n_in || !p->n_out || !lw->nl)
		return fail(lw, -EOPNOTSUPP, "no QuantizeLinear input, DequantizeLinear output and "
			    "device layers between them");
	for (size_t i = 0; i < lw->nl; i++) {
		struct vval *r = &lw->v[lw->v[lw->l[i].in].root];

		r->last_use = (int)i;
		if (lw->l[i].in2 >= 0)
			lw->v[lw->v[lw->l[i].in2].root].last_use = (int)i;
		if (lw->v[lw->l[i].out].h > 65535 || lw->v[lw->l[i].out].w > 65535 ||
		    lw->v[lw->l[i].out].c > 65535 || lw->v[lw->l[i].in].c > 65535 ||
		    lw->v[lw->l[i].in].h > 65535 || lw->v[lw->l[i].in].w > 65535)
			return fail(lw, -EOPNOTSUPP, "%s: a dimension over 65535", lw->l[i].name);
	}
	/* Each input's and output's maps together, one after the other (struct vedge_io). */
	p->in_size = p->out_size = 0;
	for (size_t k = 0; k < p->n_in; k++) {
		p->in[k].off = p->in_size;
		lw->v[lw->in_val[k]].off = p->in[k].off;
		p->in_size += (size_t)p->batch * p->in[k].bytes;
	}
	for (size_t k = 0; k < p->n_out; k++) {
		p->out[k].off = p->out_size;
		lw->v[lw->v[lw->out_val[k]].root].off = p->out[k].off;
		p->out_size += (size_t)p->batch * p->out[k].bytes;
	}
	return 0;
}

/* ---- streams ------------------------------------------------------------------------------ */

/*
 * A stream being built, with a shadow of the NPU's operation state so that a register is
 * set only when it changes (the state persists from one operation to the next in a job).
 */
struct stream {
	struct vedge_cmd *c;
	size_t n, cap;
	uint32_t reg[0x70];
	uint16_t param[0x70];
	bool known[0x70];
	int err;
};

static void stream_reset(struct stream *s)
{
	s->n = 0;
	memset(s->known, 0, sizeof(s->known));
	/* The defaults of every job (vedge_accel.h). */
	for (int b = 0x10; b <= 0x30; b += 0x10) {
		for (int i = 0; i < 8; i++) {
			s->known[b + i] = true;
			s->reg[b + i] = i >= 2 && i <= 4 ? 1 : 0;
		}
		s->known[b + 8] = true;
		s->reg[b + 8] = 1u << 30;
		s->param[b + 8] = 1;
	}
	for (int i = 0x40; i <= 0x49; i++) {
		s->known[i] = true;
		s->reg[i] = i < 0x46 ? 1 : 0;
	}
	s->known[VEDGE_SET_ACT_MIN] = s->known[VEDGE_SET_ACT_MAX] = true;
	s->reg[VEDGE_SET_ACT_MIN] = (uint32_t)-128;
	s->reg[VEDGE_SET_ACT_MAX] = 127;
	s->known[VEDGE_SET_ACT_LUT] = true;
	s->reg[VEDGE_SET_ACT_LUT] = 0;
}

static void emit(struct stream *s, uint16_t op, uint16_t param, uint32_t value)
{
	if (s->err)
		return;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 256;
		struct vedge_cmd *c = realloc(s->c, cap * sizeof(*c));

		if (!c) {
			s->err = -ENOMEM;
			return;
		}
		s->c = c;
		s->cap = cap;
	}
	s->c[s->n++] = (struct vedge_cmd){ op, param, value };
}

static void set(struct stream *s, uint16_t op, uint32_t value)
{
	if (s->known[op] && s->reg[op] == value)
		return;
	s->known[op] = true;
	s->reg[op] = value;
	emit(s, op, 0, value);
}

/* A *_SCALE register: M in @value, the shift in @param. */
static void set_scale(struct stream *s, uint16_t op, struct quant_multiplier q)
{
	if (s->known[op] && s->reg[op] == (uint32_t)q.m && s->param[op] == (uint16_t)(int16_t)q.shift)
		return;
	s->known[op] = true;
	s->reg[op] = (uint32_t)q.m;
	s->param[op] = (uint16_t)(int16_t)q.shift;
	emit(s, op, (uint16_t)(int16_t)q.shift, (uint32_t)q.m);
}

/* A feature map block (IFM 0x10, OFM 0x30): region, offset, shape, zero point, dense. */
static void set_fm(struct stream *s, uint16_t block, uint32_t region, uint64_t off, int64_t h,
		   int64_t w, int64_t c, int8_t zp)
{
	set(s, block + 0, region);
	set(s, block + 1, (uint32_t)off);
	set(s, block + 2, (uint32_t)h);
	set(s, block + 3, (uint32_t)w);
	set(s, block + 4, (uint32_t)c);
	set(s, block + 5, 0);
	set(s, block + 6, 0);
	set(s, block + 7, (uint32_t)(int32_t)zp);
}

/*
 * Where one operation's operands are: region numbers (or VEDGE_REGION_SRAM) and offsets, and
 * the slice it computes: output rows [oy0, oy1) or output channels [o0, o1) of the layer.
 */
struct operands {
	uint32_t in_reg, out_reg, w_reg, s_reg, in2_reg;
	uint64_t in_off, out_off, w_off, s_off, in2_off;
	int64_t oy0, oy1, o0, o1;
};

/* The input rows [*iy0, *iy1) output rows [oy0, oy1) of @l read, and the padding left. */
static void rows_needed(const struct vlayer *l, int64_t ih, int64_t oy0, int64_t oy1,
			int64_t *iy0, int64_t *iy1, int *pt, int *pb)
{
	int64_t a = oy0 * l->sy - l->pt, b = (oy1 - 1) * l->sy - l->pt + (int64_t)(l->kh - 1) * l->dy + 1;

	*iy0 = a < 0 ? 0 : a;
	*iy1 = b > ih ? ih : b;
	*pt = a < 0 ? (int)-a : 0;
	*pb = b > ih ? (int)(b - ih) : 0;
}

static void emit_layer(struct stream *s, const struct lower *lw, const struct vlayer *l,
		       const struct operands *o)
{
	const struct vval *in = &lw->v[l->in], *out = &lw->v[l->out];
	int64_t iy0 = 0, iy1 = in->h, rows = o->oy1 - o->oy0, ch = o->o1 - o->o0;
	int pt = l->pt, pb = l->pb;

	if (l->op != VOP_FC)
		rows_needed(l, in->h, o->oy0, o->oy1, &iy0, &iy1, &pt, &pb);
	(void)iy0;
	set_fm(s, VEDGE_SET_IFM_REGION, o->in_reg, o->in_off, iy1 - iy0, in->w,
	       l->op == VOP_FC ? in->c : in->c, in->zp);
	set_fm(s, VEDGE_SET_OFM_REGION, o->out_reg, o->out_off, rows, out->w,
	       l->op == VOP_FC || l->op == VOP_CONV ? ch : out->c, out->zp);
	if (l->op == VOP_CONV && ch != out->c) {
		/* A slice of output channels: every pixel's [o0, o1) of the full depth. */
		set(s, VEDGE_SET_OFM_STRIDE_X, (uint32_t)out->c);
		set(s, VEDGE_SET_OFM_STRIDE_Y, (uint32_t)(out->w * out->c));
	}
	set(s, VEDGE_SET_KERNEL_HEIGHT, (uint32_t)l->kh);
	set(s, VEDGE_SET_KERNEL_WIDTH, (uint32_t)l->kw);
	set(s, VEDGE_SET_STRIDE_Y, (uint32_t)l->sy);
	set(s, VEDGE_SET_STRIDE_X, (uint32_t)l->sx);
	set(s, VEDGE_SET_DILATION_Y, (uint32_t)l->dy);
	set(s, VEDGE_SET_DILATION_X, (uint32_t)l->dx);
	set(s, VEDGE_SET_PAD_TOP, (uint32_t)pt);
	set(s, VEDGE_SET_PAD_LEFT, (uint32_t)l->pl);
	set(s, VEDGE_SET_PAD_BOTTOM, (uint32_t)pb);
	set(s, VEDGE_SET_PAD_RIGHT, (uint32_t)l->pr);
	set(s, VEDGE_SET_ACT_MIN, (uint32_t)l->act_min);
	set(s, VEDGE_SET_ACT_MAX, (uint32_t)l->act_max);
	if (l->op == VOP_ADD || l->op == VOP_MUL) {
		const struct vval *in2 = &lw->v[l->in2];

		set_fm(s, VEDGE_SET_IFM2_REGION, o->in2_reg, o->in2_off,
		       same_shape(in2, out) ? rows : in2->h, in2->w, in2->c, in2->zp);
		if (l->op == VOP_ADD) {
			set_scale(s, VEDGE_SET_IFM_SCALE, l->sc[0]);
			set_scale(s, VEDGE_SET_IFM2_SCALE, l->sc[1]);
		}
		set_scale(s, VEDGE_SET_OFM_SCALE, l->sc[2]);
		emit(s, l->op == VOP_ADD ? VEDGE_OP_ADD : VEDGE_OP_MUL, 0, 0);
		return;
	}
	if (l->op == VOP_LUT) {
		set(s, VEDGE_SET_LUT_REGION, o->w_reg);
		set(s, VEDGE_SET_LUT_OFFSET, (uint32_t)o->w_off);
		emit(s, VEDGE_OP_LUT_LOAD, 0, 0);
		emit(s, VEDGE_OP_LUT, 0, 0);
		return;
	}
	if (l->op == VOP_CONV || l->op == VOP_DW || l->op == VOP_FC) {
		uint64_t wl = l->op == VOP_FC ? (uint64_t)(ch * in->c) :
			      l->op == VOP_CONV ? (uint64_t)ch * (l->w_len / (uint64_t)out->c) : l->w_len;

		set(s, VEDGE_SET_WEIGHT_REGION, o->w_reg);
		set(s, VEDGE_SET_WEIGHT_OFFSET, (uint32_t)o->w_off);
		set(s, VEDGE_SET_WEIGHT_LENGTH, (uint32_t)wl);
		set(s, VEDGE_SET_SCALE_REGION, o->s_reg);
		set(s, VEDGE_SET_SCALE_OFFSET, (uint32_t)o->s_off);
		set(s, VEDGE_SET_SCALE_LENGTH,
		    (uint32_t)((l->op == VOP_DW ? out->c : ch) * (int64_t)sizeof(struct vedge_scale_entry)));
	}
	emit(s, l->op == VOP_CONV ? VEDGE_OP_CONV2D : l->op == VOP_DW ? VEDGE_OP_DEPTHWISE_CONV2D :
	     l->op == VOP_FC ? VEDGE_OP_FULLY_CONNECTED : l->op == VOP_AVGPOOL ? VEDGE_OP_AVGPOOL :
	     VEDGE_OP_MAXPOOL, 0, 0);
}

/* ---- planning ----------------------------------------------------------------------------- */

static size_t vbytes(const struct vval *v)
{
	return (size_t)(v->h * v->w * v->c);
}

/*
 * "sram": place every intermediate root in SRAM scratch, first fit among the maps alive at
 * each layer. The scratch's size into *@peak.
 */
static void place_sram(struct lower *lw, uint64_t *peak)
{
	*peak = 0;
	for (size_t i = 0; i < lw->nl; i++) {
		struct vval *r = &lw->v[lw->v[lw->l[i].out].root];
		uint64_t off = 0;
		bool moved = true;

		if (r->loc == VLOC_OUTPUT)
			continue;
		r->loc = VLOC_SRAM;
		/* First fit: slide past every map alive at layer i that overlaps. */
		while (moved) {
			moved = false;
			for (size_t j = 0; j < lw->nv; j++) {
				const struct vval *o = &lw->v[j];

				if (o->root != (int)j || o == r || o->loc != VLOC_SRAM ||
				    o->last_use < (int)i)
					continue;
				if (off < o->off + vbytes(o) && o->off < off + vbytes(r)) {
					off = ALIGN64(o->off + vbytes(o));
					moved = true;
				}
			}
		}
		r->off = off;
		if (off + vbytes(r) > *peak)
			*peak = off + vbytes(r);
	}
}

static int job_region(struct vedge_job_plan *j, enum vedge_buf b, uint64_t off, uint64_t size,
		      bool write, uint32_t *idx)
{
	for (unsigned int i = 0; i < j->n_regions; i++)
		if (j->regions[i].buf == b && j->regions[i].offset == off &&
		    j->regions[i].size == size && j->regions[i].write == write) {
			*idx = i;
			return 0;
		}
	if (j->n_regions == VEDGE_MAX_REGIONS || size > UINT32_MAX || off > UINT32_MAX)
		return -EOPNOTSUPP;
	j->regions[j->n_regions] = (struct vedge_region_plan){ b, (uint32_t)off, (uint32_t)size,
							       write };
	*idx = j->n_regions++;
	return 0;
}

/*
 * The regions of job @idx's completion byte: VEDGE_JOB_DONE in the constants, its byte of the
 * status buffer. First in every job, so that the SRAM estimates count them.
 */
static int sentinel_regions(struct vedge_job_plan *j, size_t idx, uint32_t *src, uint32_t *dst)
{
	int ret = job_region(j, VEDGE_BUF_CONST, 0, 1, false, src);

	return ret ? ret : job_region(j, VEDGE_BUF_STATUS, idx, 1, true, dst);
}

/* The job's last operation: a 1x1 MAXPOOL copying VEDGE_JOB_DONE into its status byte. */
static void emit_sentinel(struct stream *s, uint32_t src, uint32_t dst)
{
	set_fm(s, VEDGE_SET_IFM_REGION, src, 0, 1, 1, 1, 0);
	set_fm(s, VEDGE_SET_OFM_REGION, dst, 0, 1, 1, 1, 0);
	for (uint16_t r = VEDGE_SET_KERNEL_HEIGHT; r <= VEDGE_SET_DILATION_X; r++)
		set(s, r, 1);
	for (uint16_t r = VEDGE_SET_PAD_TOP; r <= VEDGE_SET_PAD_RIGHT; r++)
		set(s, r, 0);
	set(s, VEDGE_SET_ACT_MIN, (uint32_t)-128);
	set(s, VEDGE_SET_ACT_MAX, 127);
	emit(s, VEDGE_OP_MAXPOOL, 0, 0);
}

/* SRAM a DMA-less job takes for its regions and @n_cmds commands (vedge_job.c's layout). */
static uint64_t job_sram(const struct vedge_job_plan *j, size_t n_cmds)
{
	uint64_t used = 0;

	for (unsigned int i = 0; i < j->n_regions; i++)
		used = ALIGN64(used) + j->regions[i].size;
	return ALIGN64(used) + n_cmds * sizeof(struct vedge_cmd);
}

static int job_add(struct vedge_program *p, struct vedge_job_plan *j, struct stream *s)
{
	struct vedge_job_plan *nj;

	emit(s, VEDGE_CMD_STOP, 0, 0);
	if (s->err)
		return s->err;
	nj = realloc(p->jobs, (p->n_jobs + 1) * sizeof(*nj));
	if (!nj)
		return -ENOMEM;
	p->jobs = nj;
	j->cmds = malloc(s->n * sizeof(*j->cmds));
	if (!j->cmds)
		return -ENOMEM;
	memcpy(j->cmds, s->c, s->n * sizeof(*j->cmds));
	j->n_cmds = s->n;
	nj[p->n_jobs++] = *j;
	return 0;
}

/* The buffer and offset of image @b of value @v. */
static void val_at(const struct lower *lw, int v, int64_t b, enum vedge_buf *buf, uint64_t *off)
{
	const struct vval *r = &lw->v[lw->v[v].root];

	*buf = r->loc == VLOC_INPUT ? VEDGE_BUF_INPUT : r->loc == VLOC_OUTPUT ? VEDGE_BUF_OUTPUT :
	       r->loc == VLOC_CONST ? VEDGE_BUF_CONST : VEDGE_BUF_ACT;
	/* A constant is one map for every image. */
	*off = r->off + (r->loc == VLOC_CONST ? 0 : (uint64_t)b * vbytes(r));
}

/*
 * Where root @r of image @b (counted from the job's first) is in a job of the "sram" plan:
 * input @k's region @ri[k], output @k's @ro[k], the constants' @rc, or the SRAM scratch.
 */
static void sram_operand(const struct lower *lw, const struct vval *r, int64_t b,
			 const uint32_t *ri, const uint32_t *ro, uint32_t rc, uint32_t *reg,
			 uint64_t *off)
{
	(void)lw;
	switch (r->loc) {
	case VLOC_INPUT:
		*reg = ri[r->io];
		*off = (uint64_t)b * vbytes(r);
		break;
	case VLOC_OUTPUT:
		*reg = ro[r->io];
		*off = (uint64_t)b * vbytes(r);
		break;
	case VLOC_CONST:
		*reg = rc;
		*off = r->off;
		break;
	default:
		*reg = VEDGE_REGION_SRAM;
		*off = r->off;
		break;
	}
}

/*
 * The "sram" plan with @ipj images per job: 0 and the jobs in @p, -ENOSPC when a job does
 * not fit (without DMA: regions, stream and scratch in the SRAM).
 */
static int plan_sram(struct lower *lw, struct vedge_program *p, const struct vedge_target *t,
		     int64_t ipj, uint64_t scratch, struct stream *s)
{
	for (int64_t b0 = 0; b0 < t->batch; b0 += ipj) {
		int64_t b1 = b0 + ipj < t->batch ? b0 + ipj : t->batch;
		struct vedge_job_plan j = { 0 };
		uint32_t rc, ri[VEDGE_MAX_IO], ro[VEDGE_MAX_IO], rs0, rs1;
		int ret;

		stream_reset(s);
		ret = sentinel_regions(&j, p->n_jobs, &rs0, &rs1);
		if (!ret)
			ret = job_region(&j, VEDGE_BUF_CONST, 0, lw->const_size, false, &rc);
		for (size_t k = 0; k < p->n_in && !ret; k++)
			ret = job_region(&j, VEDGE_BUF_INPUT, p->in[k].off + (uint64_t)b0 * p->in[k].bytes,
					 (uint64_t)(b1 - b0) * p->in[k].bytes, false, &ri[k]);
		for (size_t k = 0; k < p->n_out && !ret; k++)
			ret = job_region(&j, VEDGE_BUF_OUTPUT,
					 p->out[k].off + (uint64_t)b0 * p->out[k].bytes,
					 (uint64_t)(b1 - b0) * p->out[k].bytes, true, &ro[k]);
		if (ret)
			return ret;
		for (int64_t b = b0; b < b1; b++)
			for (size_t i = 0; i < lw->nl; i++) {
				const struct vlayer *l = &lw->l[i];
				const struct vval *ir = &lw->v[lw->v[l->in].root];
				const struct vval *or = &lw->v[lw->v[l->out].root];
				struct operands o = {
					.w_reg = rc, .s_reg = rc, .w_off = l->w_off, .s_off = l->s_off,
					.oy0 = 0, .oy1 = lw->v[l->out].h, .o0 = 0, .o1 = lw->v[l->out].c,
				};

				sram_operand(lw, ir, b - b0, ri, ro, rc, &o.in_reg, &o.in_off);
				if (l->in2 >= 0) {
					sram_operand(lw, &lw->v[lw->v[l->in2].root], b - b0, ri, ro, rc,
						     &o.in2_reg, &o.in2_off);
				}
				sram_operand(lw, or, b - b0, ri, ro, rc, &o.out_reg, &o.out_off);
				emit_layer(s, lw, l, &o);
			}
		emit_sentinel(s, rs0, rs1);
		j.sram_used = t->has_dma ? scratch : job_sram(&j, s->n + 1) + scratch;
		if (j.sram_used > t->sram_size || s->n + 1 > 65536)
			return -ENOSPC;
		snprintf(j.what, sizeof(j.what), "images %lld-%lld: %zu layers each", (long long)b0,
			 (long long)b1 - 1, lw->nl);
		ret = job_add(p, &j, s);
		if (ret)
			return ret;
	}
	return 0;
}

/* One job of the "layers" plan: layer @l of image @b, the slice @o of it. */
static int layer_job(struct lower *lw, struct vedge_program *p, const struct vedge_target *t,
		     const struct vlayer *l, int64_t b, struct operands *o, struct stream *s,
		     bool dry, uint64_t *sram)
{
	const struct vval *in = &lw->v[l->in], *out = &lw->v[l->out];
	struct vedge_job_plan j = { 0 };
	enum vedge_buf ib, ob;
	uint64_t ioff, ooff, row_in = (uint64_t)(in->w * in->c), row_out = (uint64_t)(out->w * out->c);
	int64_t iy0 = 0, iy1 = in->h;
	int pt, pb, ret;

	uint32_t rs0, rs1;

	val_at(lw, l->in, b, &ib, &ioff);
	val_at(lw, l->out, b, &ob, &ooff);
	stream_reset(s);
	ret = sentinel_regions(&j, p->n_jobs, &rs0, &rs1);
	if (ret)
		return ret;
	if (l->op == VOP_FC) {
		uint64_t ch = (uint64_t)(o->o1 - o->o0);

		ret = job_region(&j, ib, ioff, vbytes(in), false, &o->in_reg);
		if (!ret)
			ret = job_region(&j, VEDGE_BUF_CONST, l->w_off + (uint64_t)o->o0 * (uint64_t)in->c,
					 ch * (uint64_t)in->c, false, &o->w_reg);
		if (!ret)
			ret = job_region(&j, VEDGE_BUF_CONST, l->s_off + (uint64_t)o->o0 *
					 sizeof(struct vedge_scale_entry),
					 ch * sizeof(struct vedge_scale_entry), false, &o->s_reg);
		if (!ret)
			ret = job_region(&j, ob, ooff + (uint64_t)o->o0, ch, true, &o->out_reg);
	} else {
		rows_needed(l, in->h, o->oy0, o->oy1, &iy0, &iy1, &pt, &pb);
		ret = job_region(&j, ib, ioff + (uint64_t)iy0 * row_in,
				 (uint64_t)(iy1 - iy0) * row_in, false, &o->in_reg);
		if (!ret && l->op == VOP_CONV) {
			/* Output channels [o0, o1): OHWI weight rows and scale entries. */
			uint64_t per = l->w_len / (uint64_t)out->c, ch = (uint64_t)(o->o1 - o->o0);

			ret = job_region(&j, VEDGE_BUF_CONST, l->w_off + (uint64_t)o->o0 * per,
					 ch * per, false, &o->w_reg);
			if (!ret)
				ret = job_region(&j, VEDGE_BUF_CONST, l->s_off + (uint64_t)o->o0 *
						 sizeof(struct vedge_scale_entry),
						 ch * sizeof(struct vedge_scale_entry), false, &o->s_reg);
		}
		if (!ret && (l->op == VOP_DW || l->op == VOP_LUT))
			ret = job_region(&j, VEDGE_BUF_CONST, l->w_off, l->w_len, false, &o->w_reg);
		if (!ret && l->op == VOP_DW)
			ret = job_region(&j, VEDGE_BUF_CONST, l->s_off, l->s_len, false, &o->s_reg);
		if (!ret && l->in2 >= 0) {
			const struct vval *in2 = &lw->v[l->in2];
			enum vedge_buf b2;
			uint64_t off2;

			/* The tile's rows of a full second map; all of a broadcast one. */
			val_at(lw, l->in2, b, &b2, &off2);
			if (same_shape(in2, out))
				ret = job_region(&j, b2, off2 + (uint64_t)o->oy0 * row_out,
						 (uint64_t)(o->oy1 - o->oy0) * row_out, false,
						 &o->in2_reg);
			else
				ret = job_region(&j, b2, off2, vbytes(in2), false, &o->in2_reg);
		}
		if (!ret && o->o1 - o->o0 != out->c)
			/* From the first pixel's channel o0 to the last pixel's channel o1 - 1. */
			ret = job_region(&j, ob, ooff + (uint64_t)o->oy0 * row_out + (uint64_t)o->o0,
					 (uint64_t)(o->oy1 - o->oy0 - 1) * row_out +
					 (uint64_t)((out->w - 1) * out->c + o->o1 - o->o0), true,
					 &o->out_reg);
		else if (!ret)
			ret = job_region(&j, ob, ooff + (uint64_t)o->oy0 * row_out,
					 (uint64_t)(o->oy1 - o->oy0) * row_out, true, &o->out_reg);
	}
	if (ret)
		return ret;
	o->in_off = o->out_off = o->w_off = o->s_off = o->in2_off = 0;
	emit_layer(s, lw, l, o);
	emit_sentinel(s, rs0, rs1);
	j.sram_used = t->has_dma ? 0 : job_sram(&j, s->n + 1);
	*sram = j.sram_used;
	if (dry || s->err)
		return s->err;
	if (o->oy1 - o->oy0 != out->h && o->o1 - o->o0 != out->c)
		snprintf(j.what, sizeof(j.what), "image %lld: %s rows %lld-%lld channels %lld-%lld",
			 (long long)b, l->name, (long long)o->oy0, (long long)o->oy1 - 1,
			 (long long)o->o0, (long long)o->o1 - 1);
	else if (o->o1 - o->o0 != out->c)
		snprintf(j.what, sizeof(j.what), "image %lld: %s channels %lld-%lld", (long long)b,
			 l->name, (long long)o->o0, (long long)o->o1 - 1);
	else if (o->oy1 - o->oy0 != out->h)
		snprintf(j.what, sizeof(j.what), "image %lld: %s rows %lld-%lld", (long long)b,
			 l->name, (long long)o->oy0, (long long)o->oy1 - 1);
	else if (o->o1 - o->o0 != out->c && l->op == VOP_FC)
		snprintf(j.what, sizeof(j.what), "image %lld: %s channels %lld-%lld", (long long)b,
			 l->name, (long long)o->o0, (long long)o->o1 - 1);
	else
		snprintf(j.what, sizeof(j.what), "image %lld: %s", (long long)b, l->name);
	p->tiles += o->oy1 - o->oy0 != out->h || o->o1 - o->o0 != out->c;
	return job_add(p, &j, s);
}

/* A layer's tiling: output rows @rows and output channels @ch per tile (the whole: no tiling). */
struct tiling {
	int64_t rows, ch;
};

/*
 * Whether every tile of @l cut as @tl fits the SRAM (the jobs checked dry). Every row tile is
 * checked (an inner one reads more input rows than one at an edge, where padding stands in);
 * of the channel tiles only the first, the others being the same size or smaller.
 */
static int tiles_fit(struct lower *lw, struct vedge_program *p, const struct vedge_target *t,
		     const struct vlayer *l, struct tiling tl, struct stream *s)
{
	int64_t h = lw->v[l->out].h, c = lw->v[l->out].c;

	for (int64_t y = 0; y < h; y += tl.rows) {
		struct operands o = { .oy0 = y, .oy1 = y + tl.rows < h ? y + tl.rows : h,
				      .o0 = 0, .o1 = tl.ch < c ? tl.ch : c };
		uint64_t used;
		int ret = layer_job(lw, p, t, l, 0, &o, s, true, &used);

		if (ret)
			return ret;
		if (used > t->sram_size)
			return 0;
	}
	return 1;
}

/* The most rows per tile with @ch channels per tile that fit (bisected): 0 when none does. */
static int64_t most_rows(struct lower *lw, struct vedge_program *p, const struct vedge_target *t,
			 const struct vlayer *l, int64_t ch, struct stream *s)
{
	int64_t lo = 0, hi = lw->v[l->out].h;

	/* SRAM grows with the slice: bisect the largest that fits. */
	while (lo < hi) {
		int64_t mid = (lo + hi + 1) / 2;
		int fits = tiles_fit(lw, p, t, l, (struct tiling){ mid, ch }, s);

		if (fits < 0)
			return fits;
		if (fits)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/*
 * The tiling of @l with the fewest jobs, without DMA: rows for windows and elementwise ops;
 * output channels for fully connected layers; for convolutions both, the weights then cut
 * into slices of output channels (OHWI rows and their scale entries) when the whole does not
 * fit beside a row. tl->rows 0 when nothing fits.
 */
static int plan_tiling(struct lower *lw, struct vedge_program *p, const struct vedge_target *t,
		       const struct vlayer *l, struct stream *s, struct tiling *tl)
{
	int64_t h = lw->v[l->out].h, c = lw->v[l->out].c, best = INT64_MAX;

	tl->rows = h;
	tl->ch = c;
	if (t->has_dma)
		return 0;
	if (l->op == VOP_FC) {
		/* Bisect the channels per tile (h = 1). */
		int64_t lo = 0, hi = c;

		while (lo < hi) {
			int64_t mid = (lo + hi + 1) / 2;
			int fits = tiles_fit(lw, p, t, l, (struct tiling){ 1, mid }, s);

			if (fits < 0)
				return fits;
			if (fits)
				lo = mid;
			else
				hi = mid - 1;
		}
		tl->rows = lo ? 1 : 0;
		tl->ch = lo;
		return 0;
	}
	tl->rows = 0;
	for (int64_t n = 1; n <= (l->op == VOP_CONV ? c : 1) && n < best; n++) {
		int64_t ch = (c + n - 1) / n, rows, jobs;

		/* Each count of channel tiles once: ch = ceil(c / n) repeats for several n. */
		if (n > 1 && ch == (c + n - 2) / (n - 1))
			continue;
		rows = most_rows(lw, p, t, l, ch, s);
		if (rows < 0)
			return (int)rows;
		if (!rows)
			continue;
		jobs = ((c + ch - 1) / ch) * ((h + rows - 1) / rows);
		if (jobs < best) {
			best = jobs;
			tl->rows = rows;
			tl->ch = ch;
		}
	}
	return 0;
}

static int plan_layers(struct lower *lw, struct vedge_program *p, const struct vedge_target *t,
		       struct stream *s)
{
	struct tiling *tl = calloc(lw->nl, sizeof(*tl));
	int ret = 0;

	if (!tl)
		return -ENOMEM;
	/* Every intermediate root its own range of the activation buffer, batch maps each. */
	p->act_size = 0;
	for (size_t i = 0; i < lw->nv; i++) {
		struct vval *r = &lw->v[i];

		if (r->root != (int)i || r->loc == VLOC_INPUT || r->loc == VLOC_OUTPUT ||
		    r->loc == VLOC_CONST)
			continue;
		r->loc = VLOC_ACT;
		r->off = ALIGN64(p->act_size);
		p->act_size = r->off + vbytes(r) * (uint64_t)t->batch;
	}
	for (size_t i = 0; i < lw->nl && !ret; i++) {
		ret = plan_tiling(lw, p, t, &lw->l[i], s, &tl[i]);
		if (!ret && !tl[i].rows)
			ret = fail(lw, -ENOSPC, "%s: does not fit the %u-byte SRAM even one %s at a "
				   "time", lw->l[i].name, t->sram_size,
				   lw->l[i].op == VOP_FC ? "output channel" :
				   lw->l[i].op == VOP_CONV ? "row of one output channel" : "row");
	}
	for (int64_t b = 0; b < t->batch && !ret; b++)
		for (size_t i = 0; i < lw->nl && !ret; i++) {
			const struct vlayer *l = &lw->l[i];
			int64_t h = lw->v[l->out].h, c = lw->v[l->out].c;

			for (int64_t y = 0; y < h && !ret; y += tl[i].rows)
				for (int64_t a = 0; a < c && !ret; a += tl[i].ch) {
					struct operands o = {
						.oy0 = y, .oy1 = y + tl[i].rows < h ? y + tl[i].rows : h,
						.o0 = a, .o1 = a + tl[i].ch < c ? a + tl[i].ch : c,
					};
					uint64_t used;

					ret = layer_job(lw, p, t, l, b, &o, s, false, &used);
				}
		}
	free(tl);
	return ret;
}

/* Multiply-accumulates (window elements for pooling) of one image. */
static int64_t image_macs(const struct lower *lw)
{
	int64_t macs = 0;

	for (size_t i = 0; i < lw->nl; i++) {
		const struct vlayer *l = &lw->l[i];
		const struct vval *in = &lw->v[l->in], *out = &lw->v[l->out];
		int64_t k = (int64_t)l->kh * l->kw;

		macs += out->h * out->w * out->c * k * (l->op == VOP_CONV ? in->c :
							  l->op == VOP_FC ? in->c : 1);
	}
	return macs;
}

int vedge_codegen(const struct ir_graph *g, const struct vedge_target *t,
		  struct vedge_program **out, char *err, size_t err_len)
{
	struct lower lw = { .g = g, .err = err, .err_len = err_len };
	struct vedge_program *p;
	struct stream s = { 0 };
	uint64_t scratch = 0;
	int ret;

	*out = NULL;
	if (err_len)
		err[0] = '\0';
	if (t->batch < 1 || t->sram_size < 64)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	lw.val_of = malloc(g->n_tensors * sizeof(*lw.val_of) + 1);
	lw.producer = malloc(g->n_tensors * sizeof(*lw.producer) + 1);
	/* The constant buffer starts with the byte the jobs' last operation copies. */
	lw.consts = calloc(1, 64);
	if (lw.consts) {
		lw.consts[0] = VEDGE_JOB_DONE;
		lw.const_size = 1;
	}
	if (!p || !lw.val_of || !lw.producer || !lw.consts) {
		ret = -ENOMEM;
		goto out;
	}
	memset(lw.val_of, 0xff, g->n_tensors * sizeof(*lw.val_of));
	memset(lw.in_val, 0xff, sizeof(lw.in_val));
	memset(lw.out_val, 0xff, sizeof(lw.out_val));
	memset(lw.producer, 0xff, g->n_tensors * sizeof(*lw.producer));
	p->batch = t->batch;
	p->has_dma = t->has_dma;
	p->sram_size = t->sram_size;
	ret = lower_graph(&lw, p);
	if (ret)
		goto out;
	p->n_layers = lw.nl;
	ret = -ENOSPC;
	if (!t->force_layers) {
		int64_t first = t->batch, macs = image_macs(&lw);

		place_sram(&lw, &scratch);
		if (macs > 0 && (uint64_t)first * (uint64_t)macs > VEDGE_JOB_MAX_MACS)
			first = (int64_t)(VEDGE_JOB_MAX_MACS / (uint64_t)macs) ?: 1;
		/* As many images per job as fit (and VEDGE_JOB_MAX_MACS allows), else halves. */
		for (int64_t ipj = first; ipj >= 1 && ret == -ENOSPC; ipj = ipj > 1 ? (ipj + 1) / 2 : 0) {
			for (size_t i = 0; i < p->n_jobs; i++)
				free(p->jobs[i].cmds);
			p->n_jobs = 0;
			ret = plan_sram(&lw, p, t, ipj, scratch, &s);
			if (ipj == 1)
				break;
		}
		if (!ret)
			p->mode = "sram";
	}
	if (ret == -ENOSPC) {
		for (size_t i = 0; i < p->n_jobs; i++)
			free(p->jobs[i].cmds);
		p->n_jobs = 0;
		err[0] = '\0';
		ret = plan_layers(&lw, p, t, &s);
		p->mode = "layers";
	}
	if (ret)
		goto out;
	p->consts = lw.consts;
	p->const_size = lw.const_size ? lw.const_size : 1;
	lw.consts = NULL;
	*out = p;
	p = NULL;
out:
	if (ret && err_len && !err[0])
		snprintf(err, err_len, "vedge code generation: %s", strerror(-ret));
	vedge_program_free(p);
	free(s.c);
	free(lw.consts);
	free(lw.v);
	free(lw.l);
	free(lw.val_of);
	free(lw.producer);
	return ret;
}

void vedge_program_free(struct vedge_program *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_jobs; i++)
		free(p->jobs[i].cmds);
	free(p->jobs);
	free(p->consts);
	free(p);
}

void vedge_program_print_plan(const struct vedge_program *p, FILE *f)
{
	size_t max_cmds = 0;
	uint64_t max_sram = 0;

	for (size_t i = 0; i < p->n_jobs; i++) {
		if (p->jobs[i].n_cmds > max_cmds)
			max_cmds = p->jobs[i].n_cmds;
		if (p->jobs[i].sram_used > max_sram)
			max_sram = p->jobs[i].sram_used;
	}
	fprintf(f, "vedge plan: %s, %s, SRAM %u bytes; batch %lld, %zu layers per image\n",
		p->has_dma ? "DMA" : "no DMA", p->mode, p->sram_size, (long long)p->batch,
		p->n_layers);
	fprintf(f, "buffers: const %zu, input %zu, output %zu, act %zu bytes\n", p->const_size,
		p->in_size, p->out_size, p->act_size);
	if (p->n_in > 1 || p->n_out > 1)
		fprintf(f, "inputs %zu, outputs %zu (each its batch of maps in its buffer in turn)\n",
			p->n_in, p->n_out);
	fprintf(f, "jobs: %zu (%zu tiles); most commands %zu, most SRAM %llu bytes\n", p->n_jobs,
		p->tiles, max_cmds, (unsigned long long)max_sram);
	for (size_t i = 0; i < p->n_jobs; i++) {
		const struct vedge_job_plan *j = &p->jobs[i];

		fprintf(f, "  job %zu: %s; %zu commands, SRAM %llu; regions", i, j->what, j->n_cmds,
			(unsigned long long)j->sram_used);
		for (unsigned int r = 0; r < j->n_regions; r++)
			fprintf(f, " %u=%s[%u+%u]%s", r, vedge_buf_name(j->regions[r].buf),
				j->regions[r].offset, j->regions[r].size,
				j->regions[r].write ? "w" : "");
		fputc('\n', f);
	}
}

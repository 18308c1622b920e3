// SPDX-License-Identifier: MIT
/*
 * Activation fusion: an activation (Relu, Sigmoid, Tanh, Clip with constant bounds: ReLU6)
 * applied to the result of a product, a convolution or an elementwise op becomes that op's
 * epilogue (the vnpu's MATMUL, CONV2D and BINARY packets
 * apply one as they store), saving a pass over the tensor and the tensor itself.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/passes/passes.h"
#include "compiler/passes/pass_util.h"

static const char *const act_names[] = {
	[IR_ACTIVATION_RELU] = "Relu",
	[IR_ACTIVATION_SIGMOID] = "Sigmoid",
	[IR_ACTIVATION_TANH] = "Tanh",
	[IR_ACTIVATION_CLIP] = "Clip",
};

static const char *const producers[] = { "Conv", "Gemm", "MatMul", "Add", "Sub", "Mul", "Div" };

static int act_of(const struct ir_node *n)
{
	for (int a = IR_ACTIVATION_RELU; a <= IR_ACTIVATION_CLIP; a++)
		if (pass_node_is(n, act_names[a]))
			return a;
	return IR_ACTIVATION_NONE;
}

static bool is_producer(const struct ir_node *n)
{
	for (size_t i = 0; i < sizeof(producers) / sizeof(producers[0]); i++)
		if (pass_node_is(n, producers[i]))
			return true;
	return false;
}

/* Finite bounds, lo <= hi: what the vnpu's CLIP epilogue takes and ReLU6 has. */
static bool clip_bounds_valid(float lo, float hi)
{
	return isfinite(lo) && isfinite(hi) && lo <= hi;
}

int ir_node_fused_clip_bounds(const struct ir_node *n, float *lo, float *hi)
{
	const struct ir_attr *b = ir_node_find_attr(n, IR_ATTR_FUSED_CLIP_BOUNDS);

	if (!b || b->type != IR_ATTR_FLOATS || b->len != 2 ||
	    !clip_bounds_valid(b->floats[0], b->floats[1]))
		return -EINVAL;
	*lo = b->floats[0];
	*hi = b->floats[1];
	return 0;
}

int ir_node_fused_activation(const struct ir_node *n)
{
	const struct ir_attr *a = ir_node_find_attr(n, IR_ATTR_FUSED_ACTIVATION);
	float lo, hi;

	if (!a)
		return IR_ACTIVATION_NONE;
	if (a->type != IR_ATTR_STRING)
		return -EINVAL;
	for (int i = IR_ACTIVATION_RELU; i <= IR_ACTIVATION_CLIP; i++) {
		if (strcmp(a->s, act_names[i]))
			continue;
		/* a Clip without its bounds is not an epilogue anyone can apply */
		if (i == IR_ACTIVATION_CLIP && ir_node_fused_clip_bounds(n, &lo, &hi))
			return -EINVAL;
		return i;
	}
	return -EINVAL;
}

void ir_activation_apply_f32(enum ir_activation act, float *x, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		switch (act) {
		case IR_ACTIVATION_RELU:
			x[i] = x[i] > 0.0f ? x[i] : 0.0f;
			break;
		case IR_ACTIVATION_SIGMOID:
			x[i] = 1.0f / (1.0f + expf(-x[i]));
			break;
		case IR_ACTIVATION_TANH:
			x[i] = tanhf(x[i]);
			break;
		default:
			return;
		}
	}
}

int ir_node_activation_apply_f32(const struct ir_node *n, float *x, size_t count)
{
	int act = ir_node_fused_activation(n);
	float lo, hi;

	if (act < 0)
		return act;
	if (act != IR_ACTIVATION_CLIP) {
		ir_activation_apply_f32((enum ir_activation)act, x, count);
		return 0;
	}
	if (ir_node_fused_clip_bounds(n, &lo, &hi))
		return -EINVAL;
	/* NaN stays NaN, as in ONNX's Clip: both comparisons are false for it */
	for (size_t i = 0; i < count; i++)
		x[i] = x[i] < lo ? lo : x[i] > hi ? hi : x[i];
	return 0;
}

/* A float scalar constant input @i of @a into @v; false when it is absent or not one. */
static bool const_scalar(const struct ir_graph *g, const struct ir_node *a, size_t i, float *v)
{
	const struct ir_tensor *t;

	if (a->n_inputs <= i || a->inputs[i] < 0)
		return false;
	t = g->tensors[a->inputs[i]];
	if (!t->data || t->dtype != IR_DTYPE_FLOAT || ir_tensor_numel(t) != 1 ||
	    t->data_size < sizeof(float))
		return false;
	memcpy(v, t->data, sizeof(*v));
	return true;
}

/*
 * The bounds of Clip @a when both are constants: attributes min and max before opset 11,
 * the inputs min and max since. A bound left out (the type's extreme) is not fused.
 */
static bool clip_const_bounds(const struct ir_graph *g, const struct ir_node *a, float *lo,
			      float *hi)
{
	const struct ir_attr *mn, *mx;

	if (g->opset < 11) {
		mn = ir_node_find_attr(a, "min");
		mx = ir_node_find_attr(a, "max");
		if (a->n_inputs != 1 || !mn || !mx || mn->type != IR_ATTR_FLOAT ||
		    mx->type != IR_ATTR_FLOAT)
			return false;
		*lo = mn->f;
		*hi = mx->f;
	} else if (a->n_inputs != 3 || !const_scalar(g, a, 1, lo) ||
		   !const_scalar(g, a, 2, hi)) {
		return false;
	}
	return clip_bounds_valid(*lo, *hi);
}

/* Record Clip's bounds @lo, @hi on @p. */
static int add_clip_bounds(struct ir_node *p, float lo, float hi)
{
	float *v = malloc(2 * sizeof(*v));
	struct ir_attr *attr;

	if (!v)
		return -ENOMEM;
	attr = ir_node_add_attr(p, IR_ATTR_FUSED_CLIP_BOUNDS, IR_ATTR_FLOATS);
	if (!attr) {
		free(v);
		return -ENOMEM;
	}
	v[0] = lo;
	v[1] = hi;
	attr->floats = v;
	attr->len = 2;
	return 0;
}

/* Record the activation node at @ai on the producer at @pi; 1 done, 0 not this pattern. */
static int fuse_one(struct ir_graph *g, size_t pi, size_t ai, int act)
{
	struct ir_node *p = g->nodes[pi], *a = g->nodes[ai];
	float lo = 0.0f, hi = 0.0f;
	struct ir_attr *attr;
	char *s;

	if (!a->n_outputs || a->outputs[0] < 0 || g->tensors[a->outputs[0]]->dtype != IR_DTYPE_FLOAT)
		return 0;
	if (act == IR_ACTIVATION_CLIP ? !clip_const_bounds(g, a, &lo, &hi) : a->n_inputs != 1)
		return 0;
	/* the producer's result must be the Clip's X, not one of its bounds */
	if (a->inputs[0] != p->outputs[0])
		return 0;
	if (act == IR_ACTIVATION_CLIP && add_clip_bounds(p, lo, hi))
		return -ENOMEM;
	s = strdup(act_names[act]);
	if (!s)
		return -ENOMEM;
	attr = ir_node_add_attr(p, IR_ATTR_FUSED_ACTIVATION, IR_ATTR_STRING);
	if (!attr) {
		free(s);
		return -ENOMEM;
	}
	attr->s = s;
	attr->len = strlen(s);
	p->outputs[0] = a->outputs[0];
	pass_merge_into(g, pi, ai);
	return 1;
}

int ir_pass_fuse_activation(struct ir_graph *g, struct ir_pass_report *r)
{
	for (size_t pi = 0; pi < g->n_nodes; pi++) {
		const struct ir_node *p = g->nodes[pi];
		long ai;
		int act, ret;

		if (!is_producer(p) || p->n_outputs != 1 || p->outputs[0] < 0 ||
		    g->tensors[p->outputs[0]]->dtype != IR_DTYPE_FLOAT ||
		    ir_node_find_attr(p, IR_ATTR_FUSED_ACTIVATION))
			continue;
		ai = pass_single_reader(g, p->outputs[0]);
		if (ai < 0)
			continue;
		act = act_of(g->nodes[ai]);
		if (!act)
			continue;
		ret = fuse_one(g, pi, (size_t)ai, act);
		if (ret < 0)
			return ret;
		if (ret && r)
			r->activations_fused++;
		if (ret)
			pi--; /* the producer took the activation's place; pi holds the next node */
	}
	return 0;
}

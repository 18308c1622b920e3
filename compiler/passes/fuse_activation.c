// SPDX-License-Identifier: MIT
/*
 * Activation fusion: an activation applied to the result of a product, a convolution or an
 * elementwise op becomes that op's epilogue (the vnpu's MATMUL, CONV2D and BINARY packets
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
};

static const char *const producers[] = { "Conv", "Gemm", "MatMul", "Add", "Sub", "Mul", "Div" };

static int act_of(const struct ir_node *n)
{
	for (int a = IR_ACTIVATION_RELU; a <= IR_ACTIVATION_TANH; a++)
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

int ir_node_fused_activation(const struct ir_node *n)
{
	const struct ir_attr *a = ir_node_find_attr(n, IR_ATTR_FUSED_ACTIVATION);

	if (!a)
		return IR_ACTIVATION_NONE;
	if (a->type != IR_ATTR_STRING)
		return -EINVAL;
	for (int i = IR_ACTIVATION_RELU; i <= IR_ACTIVATION_TANH; i++)
		if (!strcmp(a->s, act_names[i]))
			return i;
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

/* Record the activation node at @ai on the producer at @pi; 1 done, 0 not this pattern. */
static int fuse_one(struct ir_graph *g, size_t pi, size_t ai, int act)
{
	struct ir_node *p = g->nodes[pi], *a = g->nodes[ai];
	struct ir_attr *attr;
	char *s;

	if (a->n_inputs != 1 || !a->n_outputs || a->outputs[0] < 0 ||
	    g->tensors[a->outputs[0]]->dtype != IR_DTYPE_FLOAT)
		return 0;
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

// SPDX-License-Identifier: MIT
/*
 * BatchNormalization folded into the Conv before it. Inference BN is an affine map per
 * channel, y = (x - mean) * s + bias with s = scale / sqrt(var + eps), and a Conv is linear
 * per output channel, so scaling the channel's weights by s and rewriting its bias gives the
 * same values with one operation less (and one intermediate tensor less to store).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/passes/passes.h"
#include "compiler/passes/pass_util.h"

/* A float constant of exactly @numel elements: its data, or NULL. */
static const float *const_f32(const struct ir_graph *g, int idx, int64_t numel)
{
	const struct ir_tensor *t;

	if (idx < 0)
		return NULL;
	t = g->tensors[idx];
	if (t->dtype != IR_DTYPE_FLOAT || !t->data || ir_tensor_numel(t) != numel ||
	    t->data_size != (size_t)numel * sizeof(float))
		return NULL;
	return t->data;
}

/* The BN's attributes allow folding: inference mode, per channel; *@eps gets epsilon. */
static bool bn_foldable(const struct ir_node *bn, float *eps)
{
	const struct ir_attr *a = ir_node_find_attr(bn, "epsilon");

	*eps = 1e-5f;
	if (a && a->type != IR_ATTR_FLOAT)
		return false;
	if (a)
		*eps = a->f;
	a = ir_node_find_attr(bn, "training_mode");
	if (a && (a->type != IR_ATTR_INT || a->i != 0))
		return false;
	a = ir_node_find_attr(bn, "spatial");
	if (a && (a->type != IR_ATTR_INT || a->i != 1))
		return false;
	if (bn->n_inputs != 5 || !bn->n_outputs || bn->outputs[0] < 0)
		return false;
	for (size_t i = 1; i < bn->n_outputs; i++)
		if (bn->outputs[i] >= 0)
			return false;
	return true;
}

/* Fold the BN at @bi into the Conv at @ci; 1 when done, 0 when the pattern does not fit. */
static int fold_one(struct ir_graph *g, size_t ci, size_t bi)
{
	struct ir_node *conv = g->nodes[ci], *bn = g->nodes[bi];
	const struct ir_tensor *tw, *ty;
	const float *w, *b = NULL, *scale, *shift, *mean, *var;
	int64_t m, numel, per;
	float eps, *nw = NULL, *nb = NULL;
	int wi, bidx;

	if (!bn_foldable(bn, &eps) || conv->n_inputs < 2 || conv->inputs[1] < 0 ||
	    bn->inputs[0] != conv->outputs[0])
		return 0;
	tw = g->tensors[conv->inputs[1]];
	ty = g->tensors[conv->outputs[0]];
	if (tw->rank < 3 || ty->rank < 2 || ty->dtype != IR_DTYPE_FLOAT)
		return 0;
	m = tw->dims[0];
	numel = ir_tensor_numel(tw);
	if (m <= 0 || numel <= 0 || ty->dims[1] != m)
		return 0;
	w = const_f32(g, conv->inputs[1], numel);
	if (conv->n_inputs > 2 && conv->inputs[2] >= 0) {
		b = const_f32(g, conv->inputs[2], m);
		if (!b)
			return 0;
	}
	scale = const_f32(g, bn->inputs[1], m);
	shift = const_f32(g, bn->inputs[2], m);
	mean = const_f32(g, bn->inputs[3], m);
	var = const_f32(g, bn->inputs[4], m);
	if (!w || !scale || !shift || !mean || !var)
		return 0;

	per = numel / m;
	nw = malloc((size_t)numel * sizeof(float));
	nb = malloc((size_t)m * sizeof(float));
	if (!nw || !nb)
		goto nomem;
	for (int64_t o = 0; o < m; o++) {
		double s = (double)scale[o] / sqrt((double)var[o] + (double)eps);

		for (int64_t i = 0; i < per; i++)
			nw[o * per + i] = (float)(w[o * per + i] * s);
		nb[o] = (float)(((b ? b[o] : 0.0) - mean[o]) * s + shift[o]);
	}
	wi = pass_add_constant(g, tw->name, IR_DTYPE_FLOAT, tw->rank, tw->dims, nw,
			       (size_t)numel * sizeof(float));
	if (wi < 0)
		goto nomem;
	nw = NULL;
	bidx = pass_add_constant(g, g->tensors[bn->inputs[2]]->name, IR_DTYPE_FLOAT, 1, &m, nb,
				 (size_t)m * sizeof(float));
	if (bidx < 0)
		goto nomem;
	nb = NULL;
	if (conv->n_inputs < 3 && ir_index_append(&conv->inputs, &conv->n_inputs, bidx))
		return -ENOMEM; /* the new constants have no reader: dce drops them */
	conv->inputs[1] = wi;
	conv->inputs[2] = bidx;
	conv->outputs[0] = bn->outputs[0];
	pass_merge_into(g, ci, bi);
	return 1;
nomem:
	free(nw);
	free(nb);
	return -ENOMEM;
}

int ir_pass_fold_batchnorm(struct ir_graph *g, struct ir_pass_report *r)
{
	for (size_t ci = 0; ci < g->n_nodes; ci++) {
		long bi;
		int ret;

		if (!pass_node_is(g->nodes[ci], "Conv") || !g->nodes[ci]->n_outputs)
			continue;
		bi = pass_single_reader(g, g->nodes[ci]->outputs[0]);
		if (bi < 0 || !pass_node_is(g->nodes[bi], "BatchNormalization"))
			continue;
		ret = fold_one(g, ci, (size_t)bi);
		if (ret < 0)
			return ret;
		if (ret && r)
			r->batchnorms_folded++;
		/* the merged Conv now sits where the BN was: ci holds the next node */
		if (ret)
			ci--;
	}
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * MatMul followed by the Add of a bias row is a Gemm (or, for a batched or N-D product, a
 * MatMul carrying the bias as an attribute): the code generator then emits one MATMUL with
 * its bias epilogue instead of a product, a store and a BINARY pass over it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/passes/passes.h"
#include "compiler/passes/pass_util.h"

/* @c is a constant of @dtype shaped [n] or [1, n]. */
static bool bias_row(const struct ir_graph *g, int c, enum ir_dtype dtype, int64_t n)
{
	const struct ir_tensor *t;

	if (c < 0)
		return false;
	t = g->tensors[c];
	if (!t->data || t->dtype != dtype)
		return false;
	return (t->rank == 1 && t->dims[0] == n) ||
	       (t->rank == 2 && t->dims[0] == 1 && t->dims[1] == n);
}

const struct ir_tensor *ir_node_fused_bias(const struct ir_node *n)
{
	const struct ir_attr *a = ir_node_find_attr(n, IR_ATTR_FUSED_BIAS);

	return a && a->type == IR_ATTR_TENSOR ? a->t : NULL;
}

/* A copy of the constant @c as a [N] tensor for an attribute, or NULL. */
static struct ir_tensor *bias_copy(const struct ir_tensor *c, int64_t n)
{
	struct ir_tensor *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->name = strdup(c->name);
	t->data = malloc(c->data_size ? c->data_size : 1);
	if (!t->name || !t->data) {
		ir_tensor_free(t);
		return NULL;
	}
	memcpy(t->data, c->data, c->data_size);
	t->data_size = c->data_size;
	t->dtype = c->dtype;
	t->rank = 1;
	t->dims[0] = n;
	return t;
}

/* The MatMul at @mi keeps its type and carries @c as its fused bias; 1, or -ENOMEM. */
static int fuse_as_attr(struct ir_graph *g, size_t mi, size_t ai, int c)
{
	struct ir_node *mm = g->nodes[mi], *add = g->nodes[ai];
	const struct ir_tensor *ty = g->tensors[mm->outputs[0]];
	struct ir_tensor *t = bias_copy(g->tensors[c], ty->dims[ty->rank - 1]);
	struct ir_attr *a;

	if (!t)
		return -ENOMEM;
	a = ir_node_add_attr(mm, IR_ATTR_FUSED_BIAS, IR_ATTR_TENSOR);
	if (!a) {
		ir_tensor_free(t);
		return -ENOMEM;
	}
	a->t = t;
	mm->outputs[0] = add->outputs[0];
	pass_merge_into(g, mi, ai);
	return 1;
}

/* Turn the MatMul at @mi and the Add at @ai into one node; 1 done, 0 not this pattern. */
static int fuse_one(struct ir_graph *g, size_t mi, size_t ai)
{
	struct ir_node *mm = g->nodes[mi], *add = g->nodes[ai];
	const struct ir_tensor *ta, *tb, *ty, *tz;
	int y = mm->outputs[0], c;
	char *gemm;

	if (mm->n_inputs != 2 || mm->inputs[0] < 0 || mm->inputs[1] < 0 || add->n_inputs != 2 ||
	    !add->n_outputs || add->outputs[0] < 0)
		return 0;
	ta = g->tensors[mm->inputs[0]];
	tb = g->tensors[mm->inputs[1]];
	ty = g->tensors[y];
	tz = g->tensors[add->outputs[0]];
	if (ta->rank < 2 || tb->rank < 2 || ty->rank < 2 || tz->rank != ty->rank ||
	    memcmp(tz->dims, ty->dims, sizeof(ty->dims[0]) * (size_t)ty->rank) ||
	    !pass_is_float(ty->dtype) || ta->dtype != ty->dtype || tb->dtype != ty->dtype)
		return 0;
	c = add->inputs[0] == y ? add->inputs[1] : add->inputs[0];
	if (!bias_row(g, c, ty->dtype, ty->dims[ty->rank - 1]))
		return 0;
	if (ta->rank != 2 || tb->rank != 2)
		return ty->dtype == IR_DTYPE_FLOAT ? fuse_as_attr(g, mi, ai, c) : 0;

	gemm = strdup("Gemm");
	if (!gemm || ir_index_append(&mm->inputs, &mm->n_inputs, c)) {
		free(gemm);
		return -ENOMEM;
	}
	free(mm->op_type);
	mm->op_type = gemm;
	mm->outputs[0] = add->outputs[0];
	pass_merge_into(g, mi, ai);
	return 1;
}

int ir_pass_fuse_matmul_add(struct ir_graph *g, struct ir_pass_report *r)
{
	for (size_t mi = 0; mi < g->n_nodes; mi++) {
		const struct ir_node *mm = g->nodes[mi];
		long ai;
		int ret;

		if (!pass_node_is(mm, "MatMul") || mm->n_outputs != 1 ||
		    ir_node_find_attr(mm, IR_ATTR_FUSED_ACTIVATION) ||
		    ir_node_find_attr(mm, IR_ATTR_FUSED_BIAS))
			continue;
		ai = pass_single_reader(g, mm->outputs[0]);
		if (ai < 0 || !pass_node_is(g->nodes[ai], "Add"))
			continue;
		ret = fuse_one(g, mi, (size_t)ai);
		if (ret < 0)
			return ret;
		if (ret && r)
			r->matmul_adds_fused++;
		if (ret)
			mi--; /* the Gemm took the Add's place; mi holds the next node */
	}
	return 0;
}

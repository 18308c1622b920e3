// SPDX-License-Identifier: MIT
/*
 * Static shape and type inference (compiler/shape_infer.h): each node's op def (compiler/op.h,
 * one family per file under compiler/ops/) checks its inputs' types and shapes and the
 * attributes it reads, then sets its outputs'. A node whose inputs are all constants and whose
 * op has a host kernel is then computed here (constant folding), so that the shape arithmetic
 * of exported models (Shape -> Gather -> Concat -> Reshape) leaves constant shapes.
 */
#include "compiler/shape_infer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/op.h"

/* The node's argument arrays: a node of more inputs or outputs is not folded. */
#define FOLD_MAX_ARGS 64

/*
 * Compute node @c->node when every present input is a constant, storing its outputs' data.
 * Nothing to fold, or a node the kernel refuses, is left for run time: 0 either way; only
 * -ENOMEM is an error.
 */
static int fold_node(struct op_ctx *c, const struct op_def *op)
{
	const struct ir_node *n = c->node;
	struct op_ctx quiet = *c;
	const void *in[FOLD_MAX_ARGS];
	void *out[FOLD_MAX_ARGS] = { 0 };
	int64_t total = 0, total_in = 0;
	bool pending = false;
	int ret = 0;

	if (!op->host || n->n_inputs > FOLD_MAX_ARGS || n->n_outputs > FOLD_MAX_ARGS)
		return 0;
	for (size_t i = 0; i < n->n_inputs; i++) {
		const struct ir_tensor *t = op_in(c, i);

		if (t && !t->data)
			return 0;
		if (t)
			total_in += ir_tensor_numel(t);
		in[i] = t ? t->data : NULL;
	}
	for (size_t o = 0; o < n->n_outputs; o++) {
		const struct ir_tensor *t = op_out(c, o);

		if (t && !t->data) {
			pending = true;
			total += ir_tensor_numel(t);
		}
	}
	/*
	 * Inference bounded every count by IR_MAX_ELEMENTS, so the sums cannot overflow. The
	 * inputs are bounded too, so that the work (a product's K per output) stays bounded.
	 */
	if (!pending || total > SHAPE_INFER_FOLD_MAX_ELEMENTS ||
	    total_in > SHAPE_INFER_FOLD_MAX_ELEMENTS)
		return 0;
	for (size_t o = 0; o < n->n_outputs; o++) {
		const struct ir_tensor *t = op_out(c, o);

		if (!t)
			continue;
		out[o] = t->data ? NULL :
			calloc(1, (size_t)ir_tensor_numel(t) * ir_dtype_size(t->dtype) + 1);
		if (!t->data && !out[o]) {
			ret = -ENOMEM;
			goto out;
		}
	}
	/*
	 * A kernel writes only @out; an output the inference already made constant (none of the
	 * ops that do have kernels yet) gets a scratch buffer so the kernel always has one.
	 */
	for (size_t o = 0; o < n->n_outputs; o++) {
		const struct ir_tensor *t = op_out(c, o);

		if (t && t->data) {
			out[o] = calloc(1, t->data_size + 1);
			if (!out[o]) {
				ret = -ENOMEM;
				goto out;
			}
		}
	}
	/* A refusal here is not the model's error: the node is simply computed at run time. */
	quiet.err_len = 0;
	if (op->host(&quiet, in, out))
		goto out;
	for (size_t o = 0; o < n->n_outputs; o++) {
		struct ir_tensor *t = op_out(c, o);

		if (!t || t->data)
			continue;
		t->data = out[o];
		t->data_size = (size_t)ir_tensor_numel(t) * ir_dtype_size(t->dtype);
		out[o] = NULL;
	}
out:
	for (size_t o = 0; o < n->n_outputs; o++)
		free(out[o]);
	return ret;
}

/*
 * The node's last input that is a graph input without a value and whose value the caller
 * knows: its position in g->inputs, or -1.
 */
static int bindable_input(const struct ir_graph *g, const struct ir_node *n,
			  ir_input_value_fn value, void *ctx)
{
	for (size_t k = n->n_inputs; k-- > 0;) {
		int t = n->inputs[k];

		if (t < 0 || g->tensors[t]->data)
			continue;
		for (size_t i = 0; i < g->n_inputs; i++)
			if (g->inputs[i] == t && value(ctx, i))
				return (int)i;
	}
	return -1;
}

/* Graph input @input becomes a constant: a copy of the caller's value. */
static int bind_input(struct op_ctx *c, size_t input, const struct ir_tensor *v)
{
	struct ir_tensor *t = c->g->tensors[c->g->inputs[input]];
	size_t size = (size_t)ir_tensor_numel(t) * ir_dtype_size(t->dtype);

	if (v->dtype != t->dtype || v->data_size != size || (size && !v->data))
		return op_fail(c, -EINVAL, "the value given for input '%s' is not a %s of %zu bytes",
			       t->name, ir_dtype_name(t->dtype), size);
	t->data = malloc(size ? size : 1);
	if (!t->data)
		return -ENOMEM;
	if (size)
		memcpy(t->data, v->data, size);
	t->data_size = size;
	return 0;
}

int ir_infer_shapes(struct ir_graph *g, char *err, size_t err_len)
{
	return ir_infer_shapes_bound(g, NULL, NULL, err, err_len);
}

int ir_infer_shapes_bound(struct ir_graph *g, ir_input_value_fn value, void *ctx, char *err,
			  size_t err_len)
{
	for (size_t i = 0; i < g->n_nodes; i++) {
		struct op_ctx c = { .g = g, .node = g->nodes[i], .idx = i, .err = err, .err_len = err_len };
		const struct op_def *op = op_find(c.node->domain, c.node->op_type);
		int ret;

		if (!op)
			return op_fail(&c, -EOPNOTSUPP, "unsupported op %s%s%s", c.node->domain,
				       c.node->domain[0] ? "." : "", c.node->op_type);
		ret = op->infer(&c);
		while (ret == -EOPNOTSUPP && value) {
			int b = bindable_input(g, c.node, value, ctx);

			if (b < 0)
				break;
			ret = bind_input(&c, (size_t)b, value(ctx, (size_t)b));
			if (ret)
				return ret;
			ret = op->infer(&c);
		}
		if (ret)
			return ret;
		for (size_t o = 0; o < c.node->n_outputs; o++) {
			struct ir_tensor *t = op_out(&c, o);

			if (t && t->rank < 0)
				return op_fail(&c, -EOPNOTSUPP, "output %zu ('%s') not supported", o, t->name);
			/* Bounded, so that the next node's arithmetic on these dims cannot overflow. */
			for (int d = 0; t && d < t->rank; d++)
				if (t->dims[d] > IR_MAX_ELEMENTS)
					return op_fail(&c, -EINVAL, "output '%s' too large", t->name);
			if (t && (uint64_t)ir_tensor_numel(t) > IR_MAX_ELEMENTS)
				return op_fail(&c, -EINVAL, "output '%s' too large", t->name);
		}
		ret = fold_node(&c, op);
		if (ret)
			return ret;
	}
	return 0;
}

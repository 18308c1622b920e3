// SPDX-License-Identifier: MIT
/*
 * The host interpreter (compiler/host_exec.h). Kernels get dense buffers that never overlap:
 * each output gets its own zeroed allocation, so a kernel that writes only part of an output
 * leaves zeros, not stale bytes.
 */
#include "compiler/host_exec.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/op.h"
#include "compiler/ops/quant.h"
#include "compiler/passes/passes.h"

int host_values_create(const struct ir_graph *g, struct host_values *v)
{
	v->n = g->n_tensors;
	v->ptr = calloc(v->n ? v->n : 1, sizeof(*v->ptr));
	v->owned = calloc(v->n ? v->n : 1, 1);
	if (!v->ptr || !v->owned) {
		free(v->ptr);
		free(v->owned);
		v->ptr = NULL;
		v->owned = NULL;
		return -ENOMEM;
	}
	for (size_t i = 0; i < v->n; i++)
		v->ptr[i] = g->tensors[i]->data;
	return 0;
}

void host_values_free(struct host_values *v)
{
	for (size_t i = 0; v->ptr && i < v->n; i++)
		if (v->owned[i])
			free(v->ptr[i]);
	free(v->ptr);
	free(v->owned);
	v->ptr = NULL;
	v->owned = NULL;
	v->n = 0;
}

/*
 * What the passes fused into a node (compiler/passes/passes.h): the bias row, then the
 * activation, applied to output 0 after the kernel, as a vnpu packet's epilogue would.
 */
static int host_exec_epilogue(struct op_ctx *c, void *out)
{
	const struct ir_tensor *bias = ir_node_fused_bias(c->node);
	int act = ir_node_fused_activation(c->node);
	const struct ir_tensor *y = op_out(c, 0);
	size_t numel, cols;

	if (act < 0)
		return op_fail(c, -EOPNOTSUPP, "unknown fused activation");
	if ((!bias && act == IR_ACTIVATION_NONE) || !y || !out)
		return 0;
	if (y->dtype != IR_DTYPE_FLOAT)
		return op_fail(c, -EOPNOTSUPP, "a fused epilogue on a %s output", ir_dtype_name(y->dtype));
	numel = (size_t)ir_tensor_numel(y);
	if (bias) {
		cols = y->rank > 0 ? (size_t)y->dims[y->rank - 1] : 1;
		if (bias->dtype != IR_DTYPE_FLOAT || (size_t)ir_tensor_numel(bias) != cols || !bias->data)
			return op_fail(c, -EINVAL, "fused bias of the wrong type or size");
		for (size_t i = 0; cols && i < numel; i++)
			((float *)out)[i] += ((const float *)bias->data)[i % cols];
	}
	/* the activation, a fused Clip's bounds included (validated with act above) */
	if (ir_node_activation_apply_f32(c->node, out, numel))
		return op_fail(c, -EOPNOTSUPP, "unknown fused activation");
	return 0;
}

/* The node's argument arrays: a node of more than this many inputs is refused. */
#define HOST_EXEC_MAX_ARGS 64

int host_exec_node(struct ir_graph *g, size_t idx, struct host_values *v, char *err,
		   size_t err_len)
{
	const struct ir_node *n = g->nodes[idx];
	struct op_ctx c = { .g = g, .node = n, .idx = idx, .err = err, .err_len = err_len };
	const struct op_def *op = op_find(n->domain, n->op_type);
	const void *in[HOST_EXEC_MAX_ARGS];
	void *out[HOST_EXEC_MAX_ARGS];
	int ret;

	if (!op || !op->host)
		return op_fail(&c, -EOPNOTSUPP, "no host kernel for %s", n->op_type);
	if (n->n_inputs > HOST_EXEC_MAX_ARGS || n->n_outputs > HOST_EXEC_MAX_ARGS)
		return op_fail(&c, -EOPNOTSUPP, "more than %d inputs or outputs", HOST_EXEC_MAX_ARGS);
	for (size_t i = 0; i < n->n_inputs; i++) {
		int t = n->inputs[i];

		in[i] = t < 0 ? NULL : v->ptr[t];
		if (t >= 0 && !in[i] && ir_tensor_numel(g->tensors[t]) > 0)
			return op_fail(&c, -EINVAL, "input '%s' has no value", g->tensors[t]->name);
	}
	for (size_t o = 0; o < n->n_outputs; o++) {
		int t = n->outputs[o];
		int64_t numel;

		out[o] = NULL;
		if (t < 0)
			continue;
		if (!v->ptr[t]) {
			numel = ir_tensor_numel(g->tensors[t]);
			if (numel < 0)
				return op_fail(&c, -EINVAL, "output '%s' has no known shape",
					       g->tensors[t]->name);
			/* One byte at least, so that an empty tensor still has a distinct buffer. */
			v->ptr[t] = calloc(1, (size_t)numel * ir_dtype_size(g->tensors[t]->dtype) + 1);
			if (!v->ptr[t])
				return -ENOMEM;
			v->owned[t] = 1;
		}
		out[o] = v->ptr[t];
	}
	ret = op->host(&c, in, out);
	if (ret)
		return ret;
	/* A fixed-point quantized node applies its bias and activation itself (ops/quant.h). */
	if (ir_node_find_attr(c.node, IR_ATTR_QUANT_REQUANT))
		return 0;
	return host_exec_epilogue(&c, out[0]);
}

int host_exec_graph(struct ir_graph *g, struct host_values *v, char *err, size_t err_len)
{
	for (size_t i = 0; i < g->n_nodes; i++) {
		const struct ir_node *n = g->nodes[i];
		bool folded = n->n_outputs > 0;
		int ret;

		/* The reader already computed nodes whose outputs are constants (Constant, Shape). */
		for (size_t o = 0; o < n->n_outputs; o++)
			if (n->outputs[o] >= 0 && !g->tensors[n->outputs[o]]->data)
				folded = false;
		if (folded)
			continue;
		ret = host_exec_node(g, i, v, err, err_len);
		if (ret)
			return ret;
	}
	return 0;
}

int host_exec_nodes(struct ir_graph *g, const size_t *nodes, size_t n_nodes,
		    const int *tensor_slot, const uint64_t *tensor_offset, void *const *maps,
		    unsigned int nmaps, char *err, size_t err_len)
{
	struct host_values v;
	int ret = host_values_create(g, &v);

	if (ret)
		return ret;
	for (size_t i = 0; i < v.n; i++) {
		int s = tensor_slot[i];

		/* A slot without a mapping (VRAM) stays NULL: the node then has no buffer. */
		if (!v.ptr[i] && s >= 0 && (unsigned int)s < nmaps && maps[s])
			v.ptr[i] = (uint8_t *)maps[s] + (tensor_offset ? tensor_offset[i] : 0);
	}
	for (size_t k = 0; k < n_nodes && !ret; k++) {
		const struct ir_node *n = g->nodes[nodes[k]];

		for (size_t o = 0; o < n->n_outputs; o++) {
			const struct ir_tensor *t;

			if (n->outputs[o] < 0)
				continue;
			t = g->tensors[n->outputs[o]];
			if (t->data)
				continue;	/* a constant: never overwritten */
			if (!v.ptr[n->outputs[o]]) {
				snprintf(err, err_len, "output '%s' of node #%zu has no buffer", t->name,
					 nodes[k]);
				ret = -EINVAL;
				break;
			}
			memset(v.ptr[n->outputs[o]], 0,
			       (size_t)ir_tensor_numel(t) * ir_dtype_size(t->dtype));
		}
		if (!ret)
			ret = host_exec_node(g, nodes[k], &v, err, err_len);
	}
	host_values_free(&v);
	return ret;
}

// SPDX-License-Identifier: MIT
/*
 * QLinear models taken as given (compiler/passes/quantize.h, ir_pass_quant_fixed_point()):
 * the nodes the int8 device runs exactly are marked for its fixed-point requantization.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/ops/quant.h"
#include "compiler/passes/pass_util.h"
#include "compiler/passes/passes.h"
#include "compiler/passes/quantize.h"

/* Input @i of @n: present, constant, of @dt; with @numel elements unless @numel is 0. */
static const struct ir_tensor *const_input(const struct ir_graph *g, const struct ir_node *n,
					   size_t i, enum ir_dtype dt, int64_t numel)
{
	const struct ir_tensor *t;

	if (i >= n->n_inputs || n->inputs[i] < 0)
		return NULL;
	t = g->tensors[n->inputs[i]];
	if (!t->data || t->dtype != dt || (numel && ir_tensor_numel(t) != numel))
		return NULL;
	return t;
}

/* Whether constant @t (int8) is all zeros. */
static bool all_zero(const struct ir_tensor *t)
{
	const int8_t *p = t->data;

	for (int64_t i = 0; i < ir_tensor_numel(t); i++)
		if (p[i])
			return false;
	return true;
}

/* Whether @n (QLinearConv or QLinearMatMul) fits the device's int8 arithmetic exactly. */
static bool device_exact(const struct ir_graph *g, const struct ir_node *n, bool conv)
{
	const struct ir_tensor *x, *w, *ws, *wzp, *y;
	int64_t channels;

	if (n->n_inputs < 8 || n->inputs[0] < 0 || n->n_outputs < 1 || n->outputs[0] < 0 ||
	    ir_node_find_attr(n, IR_ATTR_FUSED_ACTIVATION) || ir_node_find_attr(n, IR_ATTR_FUSED_BIAS))
		return false;
	x = g->tensors[n->inputs[0]];
	y = g->tensors[n->outputs[0]];
	w = const_input(g, n, 3, IR_DTYPE_INT8, 0);
	if (x->dtype != IR_DTYPE_INT8 || y->dtype != IR_DTYPE_INT8 || !w || (!conv && w->rank != 2))
		return false;
	channels = conv ? w->dims[0] : w->dims[1];
	ws = const_input(g, n, 4, IR_DTYPE_FLOAT, 0);
	wzp = const_input(g, n, 5, IR_DTYPE_INT8, 0);
	if (!ws || !wzp || (ir_tensor_numel(ws) != 1 && ir_tensor_numel(ws) != channels) ||
	    !all_zero(wzp))
		return false;
	if (!const_input(g, n, 1, IR_DTYPE_FLOAT, 1) || !const_input(g, n, 2, IR_DTYPE_INT8, 1) ||
	    !const_input(g, n, 6, IR_DTYPE_FLOAT, 1) || !const_input(g, n, 7, IR_DTYPE_INT8, 1))
		return false;
	if (conv && n->n_inputs > 8 && n->inputs[8] >= 0 &&
	    !const_input(g, n, 8, IR_DTYPE_INT32, channels))
		return false;
	return true;
}

int ir_pass_quant_fixed_point(struct ir_graph *g, size_t *marked)
{
	if (marked)
		*marked = 0;
	for (size_t i = 0; i < g->n_nodes; i++) {
		struct ir_node *n = g->nodes[i];
		bool conv = pass_node_is(n, "QLinearConv");
		struct ir_attr *a;
		char *value;

		if ((!conv && !pass_node_is(n, "QLinearMatMul")) ||
		    ir_node_find_attr(n, IR_ATTR_QUANT_REQUANT) || !device_exact(g, n, conv))
			continue;
		/* The value first: an attribute without one would read as NULL. */
		value = strdup(IR_QUANT_REQUANT_FIXED_POINT);
		if (!value)
			return -ENOMEM;
		a = ir_node_add_attr(n, IR_ATTR_QUANT_REQUANT, IR_ATTR_STRING);
		if (!a) {
			free(value);
			return -ENOMEM;
		}
		a->s = value;
		a->len = strlen(value);
		if (marked)
			(*marked)++;
	}
	return 0;
}

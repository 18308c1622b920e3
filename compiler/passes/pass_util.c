// SPDX-License-Identifier: MIT
/* Graph surgery shared by the passes: see pass_util.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/passes/pass_util.h"

size_t pass_readers(const struct ir_graph *g, int t, size_t *reader)
{
	size_t count = 0;

	for (size_t i = 0; i < g->n_nodes; i++) {
		const struct ir_node *n = g->nodes[i];

		for (size_t j = 0; j < n->n_inputs; j++) {
			if (n->inputs[j] != t)
				continue;
			count++;
			if (reader)
				*reader = i;
		}
	}
	return count;
}

bool pass_is_graph_output(const struct ir_graph *g, int t)
{
	for (size_t i = 0; i < g->n_outputs; i++)
		if (g->outputs[i] == t)
			return true;
	return false;
}

long pass_single_reader(const struct ir_graph *g, int t)
{
	size_t reader = 0;

	if (t < 0 || pass_is_graph_output(g, t) || pass_readers(g, t, &reader) != 1)
		return -1;
	return (long)reader;
}

bool pass_node_is(const struct ir_node *n, const char *op)
{
	return !n->domain[0] && !strcmp(n->op_type, op);
}

void pass_node_free(struct ir_node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n_attrs; i++) {
		struct ir_attr *a = &n->attrs[i];

		free(a->name);
		if (a->type == IR_ATTR_STRING)
			free(a->s);
		else if (a->type == IR_ATTR_INTS)
			free(a->ints);
		else if (a->type == IR_ATTR_FLOATS)
			free(a->floats);
		else if (a->type == IR_ATTR_TENSOR)
			ir_tensor_free(a->t);
	}
	free(n->attrs);
	free(n->inputs);
	free(n->outputs);
	free(n->name);
	free(n->op_type);
	free(n->domain);
	free(n);
}

void pass_merge_into(struct ir_graph *g, size_t pi, size_t ci)
{
	struct ir_node *producer = g->nodes[pi];

	pass_node_free(g->nodes[ci]);
	g->nodes[ci] = producer;
	memmove(&g->nodes[pi], &g->nodes[pi + 1], (g->n_nodes - pi - 1) * sizeof(g->nodes[0]));
	g->n_nodes--;
}

int pass_add_constant(struct ir_graph *g, const char *base, enum ir_dtype dtype, int rank,
		      const int64_t *dims, void *data, size_t size)
{
	size_t len = strlen(base) + 24;
	char *name = malloc(len);
	struct ir_tensor *t;
	int idx = -EEXIST;

	if (!name)
		return -ENOMEM;
	snprintf(name, len, "%s", base);
	for (unsigned int n = 1; idx == -EEXIST; n++) {
		idx = ir_graph_add_tensor(g, name);
		snprintf(name, len, "%s.%u", base, n);
	}
	free(name);
	if (idx < 0)
		return -ENOMEM;
	/* a tensor without data and no reader: dce drops it if the append below fails */
	if (ir_index_append(&g->initializers, &g->n_initializers, idx))
		return -ENOMEM;
	t = g->tensors[idx];
	t->dtype = dtype;
	t->rank = rank;
	memcpy(t->dims, dims, (size_t)rank * sizeof(dims[0]));
	t->data = data;
	t->data_size = size;
	return idx;
}

bool pass_is_float(enum ir_dtype dt)
{
	return dt == IR_DTYPE_FLOAT || dt == IR_DTYPE_DOUBLE || dt == IR_DTYPE_FLOAT16 ||
	       dt == IR_DTYPE_BFLOAT16;
}

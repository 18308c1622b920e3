/* SPDX-License-Identifier: MIT */
/*
 * One-node graphs built by hand for the op-family tests: the cases ONNX's node tests do not
 * cover (an index out of range at run time, a bad axis, a declared output shape). Header-only.
 */
#ifndef ACCEL_TESTS_OP_GRAPH_H
#define ACCEL_TESTS_OP_GRAPH_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/host_exec.h"
#include "compiler/ir.h"
#include "compiler/shape_infer.h"

/**
 * struct op_graph_input - one input of an op_graph_create() node
 * @dtype, @rank, @dims: its type and shape
 * @data: its values; with @constant, an initializer's, else what op_graph_run() feeds
 * @constant: an initializer (inference sees @data) rather than a graph input
 * @omitted: an omitted optional input (-1 in the node's inputs)
 */
struct op_graph_input {
	enum ir_dtype dtype;
	int rank;
	int64_t dims[IR_MAX_RANK];
	const void *data;
	bool constant;
	bool omitted;
};

/**
 * op_graph_create() - a graph of one node @op_type (named "n0", default domain, @opset) whose
 * inputs are @in[0..@n_in-1] and whose @n_out outputs are y0, y1...
 * Return: the graph (ir_graph_destroy() it), or NULL when out of memory.
 */
static inline struct ir_graph *op_graph_create(const char *op_type, int64_t opset,
					       const struct op_graph_input *in, size_t n_in,
					       size_t n_out)
{
	struct ir_graph *g = ir_graph_create();
	struct ir_node *n;
	char name[16];

	if (!g)
		return NULL;
	g->opset = opset;
	n = ir_graph_add_node(g, "n0", op_type, "");
	if (!n)
		goto fail;
	for (size_t i = 0; i < n_in; i++) {
		struct ir_tensor *t;
		int idx;

		if (in[i].omitted) {
			if (ir_index_append(&n->inputs, &n->n_inputs, -1))
				goto fail;
			continue;
		}
		snprintf(name, sizeof(name), "x%zu", i);
		idx = ir_graph_add_tensor(g, name);
		if (idx < 0 || ir_index_append(&n->inputs, &n->n_inputs, idx))
			goto fail;
		t = g->tensors[idx];
		t->dtype = in[i].dtype;
		t->rank = in[i].rank;
		memcpy(t->dims, in[i].dims, sizeof(t->dims));
		if (in[i].constant) {
			t->data_size = (size_t)ir_tensor_numel(t) * ir_dtype_size(t->dtype);
			t->data = malloc(t->data_size + 1);
			if (!t->data)
				goto fail;
			memcpy(t->data, in[i].data, t->data_size);
			if (ir_index_append(&g->initializers, &g->n_initializers, idx))
				goto fail;
		} else if (ir_index_append(&g->inputs, &g->n_inputs, idx)) {
			goto fail;
		}
	}
	for (size_t o = 0; o < n_out; o++) {
		int idx;

		snprintf(name, sizeof(name), "y%zu", o);
		idx = ir_graph_add_tensor(g, name);
		if (idx < 0 || ir_index_append(&n->outputs, &n->n_outputs, idx) ||
		    ir_index_append(&g->outputs, &g->n_outputs, idx))
			goto fail;
	}
	return g;
fail:
	ir_graph_destroy(g);
	return NULL;
}

/** op_graph_attr_int() - give @g's node the INT attribute @name; false when out of memory */
static inline bool op_graph_attr_int(struct ir_graph *g, const char *name, int64_t v)
{
	struct ir_attr *a = ir_node_add_attr(g->nodes[0], name, IR_ATTR_INT);

	if (a)
		a->i = v;
	return a != NULL;
}

/** op_graph_attr_ints() - the INTS attribute @name of @n values */
static inline bool op_graph_attr_ints(struct ir_graph *g, const char *name, const int64_t *v,
				      size_t n)
{
	struct ir_attr *a = ir_node_add_attr(g->nodes[0], name, IR_ATTR_INTS);

	if (!a)
		return false;
	a->ints = malloc(n * sizeof(*v) + 1);
	if (!a->ints)
		return false;
	memcpy(a->ints, v, n * sizeof(*v));
	a->len = n;
	return true;
}

/** op_graph_attr_string() - the STRING attribute @name */
static inline bool op_graph_attr_string(struct ir_graph *g, const char *name, const char *s)
{
	struct ir_attr *a = ir_node_add_attr(g->nodes[0], name, IR_ATTR_STRING);

	if (!a)
		return false;
	a->s = strdup(s);
	a->len = strlen(s);
	return a->s != NULL;
}

/**
 * op_graph_declare() - give output @o the type and shape a model would declare for it (before
 * inference: what an op whose shape depends on run-time values keeps)
 */
static inline void op_graph_declare(struct ir_graph *g, size_t o, enum ir_dtype dtype, int rank,
				    const int64_t *dims)
{
	struct ir_tensor *t = g->tensors[g->outputs[o]];

	t->dtype = dtype;
	t->rank = rank;
	memcpy(t->dims, dims, rank * sizeof(*dims));
}

/**
 * op_graph_run() - infer @g, then run it on the host with the non-constant inputs' @in data
 * (in the order op_graph_create() was given them); the outputs' values are in @v afterwards
 * (host_values_free() it, also on failure)
 * Return: 0, or inference's or the interpreter's errno (the message in @err).
 */
static inline int op_graph_run(struct ir_graph *g, const struct op_graph_input *in, size_t n_in,
			       struct host_values *v, char *err, size_t err_len)
{
	size_t gi = 0;
	int ret = ir_infer_shapes(g, err, err_len);

	if (ret)
		return ret;
	ret = host_values_create(g, v);
	if (ret)
		return ret;
	for (size_t i = 0; i < n_in; i++)
		if (!in[i].omitted && !in[i].constant)
			v->ptr[g->inputs[gi++]] = (void *)in[i].data;
	return host_exec_graph(g, v, err, err_len);
}

/** op_graph_output() - output @o's values after op_graph_run() */
static inline const void *op_graph_output(const struct ir_graph *g, const struct host_values *v,
					  size_t o)
{
	return v->ptr[g->outputs[o]];
}

#endif

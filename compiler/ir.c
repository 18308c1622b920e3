// SPDX-License-Identifier: MIT
/* The graph IR's containers: creation, lookup, growth and release (compiler/ir.h). */
#include "compiler/ir.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

size_t ir_dtype_size(enum ir_dtype dtype)
{
	switch (dtype) {
	case IR_DTYPE_FLOAT:
	case IR_DTYPE_INT32:
	case IR_DTYPE_UINT32:
		return 4;
	case IR_DTYPE_UINT8:
	case IR_DTYPE_INT8:
	case IR_DTYPE_BOOL:
		return 1;
	case IR_DTYPE_INT64:
	case IR_DTYPE_UINT64:
	case IR_DTYPE_DOUBLE:
		return 8;
	case IR_DTYPE_FLOAT16:
	case IR_DTYPE_BFLOAT16:
	case IR_DTYPE_UINT16:
	case IR_DTYPE_INT16:
		return 2;
	default:
		return 0;
	}
}

const char *ir_dtype_name(enum ir_dtype dtype)
{
	switch (dtype) {
	case IR_DTYPE_FLOAT: return "float";
	case IR_DTYPE_UINT8: return "uint8";
	case IR_DTYPE_INT8: return "int8";
	case IR_DTYPE_UINT16: return "uint16";
	case IR_DTYPE_INT16: return "int16";
	case IR_DTYPE_INT32: return "int32";
	case IR_DTYPE_INT64: return "int64";
	case IR_DTYPE_BOOL: return "bool";
	case IR_DTYPE_FLOAT16: return "float16";
	case IR_DTYPE_DOUBLE: return "double";
	case IR_DTYPE_UINT32: return "uint32";
	case IR_DTYPE_UINT64: return "uint64";
	case IR_DTYPE_BFLOAT16: return "bfloat16";
	default: return "?";
	}
}

int64_t ir_tensor_numel(const struct ir_tensor *t)
{
	int64_t n = 1;

	if (t->rank < 0)
		return -EINVAL;
	for (int i = 0; i < t->rank; i++) {
		if (t->dims[i] < 0)
			return -EINVAL;
		if (t->dims[i] && n > INT64_MAX / t->dims[i])
			return -EOVERFLOW;
		n *= t->dims[i];
	}
	return n;
}

void ir_tensor_free(struct ir_tensor *t)
{
	if (!t)
		return;
	free(t->name);
	free(t->data);
	free(t);
}

struct ir_graph *ir_graph_create(void)
{
	return calloc(1, sizeof(struct ir_graph));
}

static void ir_attr_release(struct ir_attr *a)
{
	free(a->name);
	switch (a->type) {
	case IR_ATTR_STRING:
		free(a->s);
		break;
	case IR_ATTR_INTS:
		free(a->ints);
		break;
	case IR_ATTR_FLOATS:
		free(a->floats);
		break;
	case IR_ATTR_TENSOR:
		ir_tensor_free(a->t);
		break;
	default:
		break;
	}
}

static void ir_node_free(struct ir_node *n)
{
	for (size_t i = 0; i < n->n_attrs; i++)
		ir_attr_release(&n->attrs[i]);
	free(n->attrs);
	free(n->inputs);
	free(n->outputs);
	free(n->name);
	free(n->op_type);
	free(n->domain);
	free(n);
}

void ir_graph_destroy(struct ir_graph *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->n_nodes; i++)
		ir_node_free(g->nodes[i]);
	for (size_t i = 0; i < g->n_tensors; i++)
		ir_tensor_free(g->tensors[i]);
	free(g->nodes);
	free(g->tensors);
	free(g->inputs);
	free(g->outputs);
	free(g->initializers);
	free(g);
}

int ir_graph_find_tensor(const struct ir_graph *g, const char *name)
{
	/* Linear: models have hundreds to a few thousand tensors, looked up once per reference. */
	for (size_t i = 0; i < g->n_tensors; i++)
		if (!strcmp(g->tensors[i]->name, name))
			return (int)i;
	return -ENOENT;
}

/* Grow *arr (of *n elements of @size) by one; 0 or -ENOMEM with *arr unchanged. */
static int ir_grow(void **arr, size_t n, size_t size)
{
	void *p;

	if (n >= (size_t)INT32_MAX)
		return -ENOMEM;
	p = realloc(*arr, (n + 1) * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	return 0;
}

int ir_graph_add_tensor(struct ir_graph *g, const char *name)
{
	struct ir_tensor *t;
	int ret;

	if (ir_graph_find_tensor(g, name) >= 0)
		return -EEXIST;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->rank = -1;
	t->name = strdup(name);
	if (!t->name) {
		ret = -ENOMEM;
		goto err_free;
	}
	ret = ir_grow((void **)&g->tensors, g->n_tensors, sizeof(*g->tensors));
	if (ret)
		goto err_free;
	g->tensors[g->n_tensors] = t;
	return (int)g->n_tensors++;

err_free:
	ir_tensor_free(t);
	return ret;
}

struct ir_node *ir_graph_add_node(struct ir_graph *g, const char *name, const char *op_type,
				  const char *domain)
{
	struct ir_node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->name = strdup(name ? name : "");
	n->op_type = strdup(op_type ? op_type : "");
	n->domain = strdup(domain ? domain : "");
	if (!n->name || !n->op_type || !n->domain)
		goto err_free;
	if (ir_grow((void **)&g->nodes, g->n_nodes, sizeof(*g->nodes)))
		goto err_free;
	g->nodes[g->n_nodes++] = n;
	return n;

err_free:
	ir_node_free(n);
	return NULL;
}

int ir_index_append(int **arr, size_t *n, int idx)
{
	int ret = ir_grow((void **)arr, *n, sizeof(**arr));

	if (ret)
		return ret;
	(*arr)[(*n)++] = idx;
	return 0;
}

const struct ir_attr *ir_node_find_attr(const struct ir_node *node, const char *name)
{
	for (size_t i = 0; i < node->n_attrs; i++)
		if (!strcmp(node->attrs[i].name, name))
			return &node->attrs[i];
	return NULL;
}

struct ir_attr *ir_node_add_attr(struct ir_node *node, const char *name, enum ir_attr_type type)
{
	struct ir_attr *a;
	char *dup = strdup(name);

	if (!dup)
		return NULL;
	if (ir_grow((void **)&node->attrs, node->n_attrs, sizeof(*node->attrs))) {
		free(dup);
		return NULL;
	}
	a = &node->attrs[node->n_attrs++];
	memset(a, 0, sizeof(*a));
	a->name = dup;
	a->type = type;
	return a;
}

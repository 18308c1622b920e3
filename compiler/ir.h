/* SPDX-License-Identifier: MIT */
/*
 * The compiler's graph IR: tensors, nodes and their attributes, the graph's inputs, outputs and
 * initializers. A graph owns everything it points to; nodes name tensors by index into
 * graph->tensors, so that a pass can rewrite a node without chasing names. See docs/compiler.md.
 *
 * Not thread-safe: a graph belongs to one thread at a time (the compiler is single-threaded).
 */
#ifndef ACCEL_COMPILER_IR_H
#define ACCEL_COMPILER_IR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Element types: the values are ONNX TensorProto.DataType's, so that the reader maps them 1:1. */
enum ir_dtype {
	IR_DTYPE_UNDEFINED = 0,
	IR_DTYPE_FLOAT = 1,
	IR_DTYPE_UINT8 = 2,
	IR_DTYPE_INT8 = 3,
	IR_DTYPE_UINT16 = 4,
	IR_DTYPE_INT16 = 5,
	IR_DTYPE_INT32 = 6,
	IR_DTYPE_INT64 = 7,
	IR_DTYPE_BOOL = 9,
	IR_DTYPE_FLOAT16 = 10,
	IR_DTYPE_DOUBLE = 11,
	IR_DTYPE_UINT32 = 12,
	IR_DTYPE_UINT64 = 13,
	IR_DTYPE_BFLOAT16 = 16,
};

/* The highest rank a tensor may have: more than any common model uses. */
#define IR_MAX_RANK 8

/*
 * The largest dimension and element count of a tensor (2^40): far above any model, and small
 * enough that shape arithmetic on a few of them (a pad plus a dimension...) cannot overflow.
 */
#define IR_MAX_ELEMENTS (1LL << 40)

/**
 * struct ir_tensor - a value of the graph: an input, an initializer or a node's output
 * @name: unique in the graph (ONNX names tensors by string)
 * @dtype: element type; IR_DTYPE_UNDEFINED until known
 * @rank: number of dimensions; -1 while the shape is not known (before inference)
 * @dims: the static shape, @rank entries, each >= 0
 * @data: the constant contents (initializers, Constant outputs), little-endian, row-major, or
 *        NULL for a value computed at run time
 * @data_size: bytes at @data; always numel * element size when @data is set
 */
struct ir_tensor {
	char *name;
	enum ir_dtype dtype;
	int rank;
	int64_t dims[IR_MAX_RANK];
	void *data;
	size_t data_size;
};

enum ir_attr_type {
	IR_ATTR_INT,
	IR_ATTR_FLOAT,
	IR_ATTR_STRING,
	IR_ATTR_INTS,
	IR_ATTR_FLOATS,
	IR_ATTR_TENSOR,
};

/**
 * struct ir_attr - one attribute of a node
 * @name: the attribute's name ("strides", "axis")
 * @type: which member of the union holds the value
 * @i: IR_ATTR_INT
 * @f: IR_ATTR_FLOAT
 * @s: IR_ATTR_STRING, NUL-terminated (@len bytes before the NUL; may hold NULs itself)
 * @ints: IR_ATTR_INTS, @len values
 * @floats: IR_ATTR_FLOATS, @len values
 * @t: IR_ATTR_TENSOR, a constant tensor owned by the attribute (not one of the graph's)
 */
struct ir_attr {
	char *name;
	enum ir_attr_type type;
	size_t len;
	union {
		int64_t i;
		float f;
		char *s;
		int64_t *ints;
		float *floats;
		struct ir_tensor *t;
	};
};

/**
 * struct ir_node - one operation
 * @name: the model's node name, or "" when it had none
 * @op_type: the operator ("Conv")
 * @domain: the operator set's domain, "" for the default ONNX domain
 * @inputs: tensor indices into graph->tensors; -1 for an omitted optional input
 * @outputs: tensor indices; -1 for an omitted optional output
 */
struct ir_node {
	char *name;
	char *op_type;
	char *domain;
	int *inputs;
	size_t n_inputs;
	int *outputs;
	size_t n_outputs;
	struct ir_attr *attrs;
	size_t n_attrs;
};

/**
 * struct ir_graph - a model: its values and operations, in topological order
 * @tensors: every value, by index; each owned by the graph
 * @nodes: the operations, in an order where a node follows the producers of its inputs
 * @inputs: tensor indices of the values the caller supplies (initializers excluded)
 * @outputs: tensor indices of the values the graph returns
 * @initializers: tensor indices of the constant values (their @data is set)
 * @opset: the default domain's operator set version
 */
struct ir_graph {
	struct ir_tensor **tensors;
	size_t n_tensors;
	struct ir_node **nodes;
	size_t n_nodes;
	int *inputs;
	size_t n_inputs;
	int *outputs;
	size_t n_outputs;
	int *initializers;
	size_t n_initializers;
	int64_t opset;
};

/**
 * ir_dtype_size() - bytes of one element of @dtype
 * Return: the size, or 0 for IR_DTYPE_UNDEFINED and values outside the enum.
 */
size_t ir_dtype_size(enum ir_dtype dtype);

/** ir_dtype_name() - "float", "int64"... ("?" for an unknown type) */
const char *ir_dtype_name(enum ir_dtype dtype);

/**
 * ir_tensor_numel() - number of elements of a tensor of known shape
 * Return: the count (1 for a scalar), or -EOVERFLOW when it does not fit an int64_t, or
 * -EINVAL when the shape is not known.
 */
int64_t ir_tensor_numel(const struct ir_tensor *t);

/** ir_tensor_free() - free a tensor not held by a graph (an attribute's); NULL is a no-op */
void ir_tensor_free(struct ir_tensor *t);

/** ir_graph_create() - an empty graph, or NULL when out of memory */
struct ir_graph *ir_graph_create(void);

/** ir_graph_destroy() - free @g and everything it owns; NULL is a no-op */
void ir_graph_destroy(struct ir_graph *g);

/**
 * ir_graph_find_tensor() - the index of the tensor named @name
 * Return: the index, or -ENOENT.
 */
int ir_graph_find_tensor(const struct ir_graph *g, const char *name);

/**
 * ir_graph_add_tensor() - add a tensor of unknown type and shape named @name
 * Return: its index, -EEXIST when the name is taken, -ENOMEM.
 */
int ir_graph_add_tensor(struct ir_graph *g, const char *name);

/**
 * ir_graph_add_node() - append an empty node (no inputs, outputs or attributes)
 * Return: the node, owned by @g, or NULL when out of memory.
 */
struct ir_node *ir_graph_add_node(struct ir_graph *g, const char *name, const char *op_type,
				  const char *domain);

/**
 * ir_index_append() - append @idx to the array *@arr of *@n ints (graph inputs, node inputs...)
 * Return: 0 or -ENOMEM (the array is unchanged).
 */
int ir_index_append(int **arr, size_t *n, int idx);

/**
 * ir_node_find_attr() - the attribute @name of @node
 * Return: the attribute, or NULL when the node has none of that name.
 */
const struct ir_attr *ir_node_find_attr(const struct ir_node *node, const char *name);

/**
 * ir_node_add_attr() - append an attribute of @type named @name, value zeroed
 * Return: the attribute, owned by @node (valid until the next ir_node_add_attr()), or NULL.
 */
struct ir_attr *ir_node_add_attr(struct ir_node *node, const char *name, enum ir_attr_type type);

#endif

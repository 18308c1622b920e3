/* SPDX-License-Identifier: MIT */
/*
 * The host interpreter: runs a graph's nodes with their op defs' host kernels (compiler/op.h),
 * one dense host buffer per tensor. The reference that constant folding, the host fallback and
 * the op tests use. Not thread-safe: the values belong to the calling thread.
 */
#ifndef ACCEL_COMPILER_HOST_EXEC_H
#define ACCEL_COMPILER_HOST_EXEC_H

#include <stddef.h>
#include <stdint.h>

#include "compiler/ir.h"

/**
 * struct host_values - one buffer per tensor of a graph
 * @ptr: tensor i's data (dense, row-major, its type), or NULL while not computed
 * @owned: whether @ptr[i] was malloc'd here (host_values_free() frees those only)
 * @n: the graph's tensor count
 */
struct host_values {
	void **ptr;
	unsigned char *owned;
	size_t n;
};

/**
 * host_values_create() - values for @g: constants point at their tensor's data, the rest NULL
 * Return: 0 or -ENOMEM.
 */
int host_values_create(const struct ir_graph *g, struct host_values *v);

/** host_values_free() - free the buffers the interpreter allocated, and the arrays */
void host_values_free(struct host_values *v);

/**
 * host_exec_node() - run node @idx of @g on the host
 * @v: its inputs must be set; its outputs are allocated here (zeroed) unless already set
 * @err: on error, one line naming the node and the reason; @err_len its size
 *
 * Return: 0; -EOPNOTSUPP when the op has no host kernel (or the kernel refuses the node);
 * -EINVAL when an input has no value; the kernel's errno; -ENOMEM.
 */
int host_exec_node(struct ir_graph *g, size_t idx, struct host_values *v, char *err,
		   size_t err_len);

/**
 * host_exec_graph() - run every node of @g in order (host_exec_node()); the caller has set
 * the graph inputs' values
 * Return: 0 or the first failing node's errno (message in @err).
 */
int host_exec_graph(struct ir_graph *g, struct host_values *v, char *err, size_t err_len);

/**
 * host_exec_nodes() - run nodes @nodes (@n_nodes indices, in order) of @g on buffers the
 * caller provides: tensor t's value is its constant data when it has some, else
 * @maps[@tensor_slot[t]] + @tensor_offset[t] (a compiled program's slots,
 * compiler/codegen_vnpu.h; @tensor_offset NULL: every offset 0). Each output
 * is zeroed before its node runs, as the interpreter's own buffers are.
 * Return: 0; -EINVAL when a tensor the nodes use has no buffer; host_exec_node()'s errors.
 */
int host_exec_nodes(struct ir_graph *g, const size_t *nodes, size_t n_nodes,
		    const int *tensor_slot, const uint64_t *tensor_offset, void *const *maps,
		    unsigned int nmaps, char *err, size_t err_len);

#endif

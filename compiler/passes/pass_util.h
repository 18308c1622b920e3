/* SPDX-License-Identifier: MIT */
/*
 * Graph surgery shared by the passes (compiler/passes/): who reads a tensor, taking a node
 * out, merging a producer into its consumer's place, adding a constant. Private to passes/.
 */
#ifndef ACCEL_COMPILER_PASS_UTIL_H
#define ACCEL_COMPILER_PASS_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "compiler/ir.h"

/**
 * pass_readers() - how many node inputs read tensor @t (a node reading it twice counts
 * twice); *@reader gets the index of the last such node when not NULL
 */
size_t pass_readers(const struct ir_graph *g, int t, size_t *reader);

/** pass_is_graph_output() - whether @t is one of @g's outputs */
bool pass_is_graph_output(const struct ir_graph *g, int t);

/**
 * pass_single_reader() - the index of the one node reading @t, when exactly one input of
 * one node reads it and it is no graph output
 * Return: the node index, or -1.
 */
long pass_single_reader(const struct ir_graph *g, int t);

/** pass_node_is() - whether @n is the default domain's operator @op */
bool pass_node_is(const struct ir_node *n, const char *op);

/** pass_node_free() - free a node taken out of a graph */
void pass_node_free(struct ir_node *n);

/**
 * pass_merge_into() - the producer at @pi, already rewritten to compute what the consumer at
 * @ci did, replaces that consumer in the node order (every input of either is produced
 * before @ci), and the consumer is freed. @pi < @ci.
 */
void pass_merge_into(struct ir_graph *g, size_t pi, size_t ci);

/**
 * pass_add_constant() - a new initializer of @dtype and shape @dims (@rank), taking @data
 * (@size bytes) on success; named @base, or @base.N when that is taken
 * Return: its tensor index, or -ENOMEM (@data not taken).
 */
int pass_add_constant(struct ir_graph *g, const char *base, enum ir_dtype dtype, int rank,
		      const int64_t *dims, void *data, size_t size);

/** pass_is_float() - float, double, float16 or bfloat16 */
bool pass_is_float(enum ir_dtype dt);

#endif

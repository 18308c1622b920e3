// SPDX-License-Identifier: MIT
/*
 * Dead-node removal: a node is live when one of its outputs reaches a graph output, walking
 * back from the outputs in reverse node order (the order is topological, so one walk does).
 * Then the tensors nothing refers to are freed and the rest renumbered, so that the constants
 * a fusion replaced (old conv weights, a BN's parameters) leave the graph.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/passes/passes.h"
#include "compiler/passes/pass_util.h"

static void mark(bool *used, const int *idx, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (idx[i] >= 0)
			used[idx[i]] = true;
}

static void renumber(const int *map, int *idx, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (idx[i] >= 0)
			idx[i] = map[idx[i]];
}

int ir_pass_dce(struct ir_graph *g, struct ir_pass_report *r)
{
	size_t nt = g->n_tensors, kept_nodes = 0, kept_t = 0, kept_init = 0;
	bool *live = calloc(nt ? nt : 1, sizeof(*live));
	bool *node_live = calloc(g->n_nodes ? g->n_nodes : 1, sizeof(*node_live));
	int *map = malloc((nt ? nt : 1) * sizeof(*map));
	int ret = -ENOMEM;

	/* everything allocated up front: past this point the rewrite cannot fail */
	if (!live || !node_live || !map)
		goto out;

	mark(live, g->outputs, g->n_outputs);
	for (size_t i = g->n_nodes; i-- > 0;) {
		const struct ir_node *n = g->nodes[i];

		for (size_t j = 0; j < n->n_outputs && !node_live[i]; j++)
			node_live[i] = n->outputs[j] >= 0 && live[n->outputs[j]];
		if (node_live[i])
			mark(live, n->inputs, n->n_inputs);
	}

	/* the tensors still referred to: the signature and the live nodes' operands */
	memset(live, 0, nt * sizeof(*live));
	mark(live, g->inputs, g->n_inputs);
	mark(live, g->outputs, g->n_outputs);
	for (size_t i = 0; i < g->n_nodes; i++) {
		struct ir_node *n = g->nodes[i];

		if (!node_live[i]) {
			pass_node_free(n);
			continue;
		}
		mark(live, n->inputs, n->n_inputs);
		mark(live, n->outputs, n->n_outputs);
		g->nodes[kept_nodes++] = n;
	}
	if (r)
		r->nodes_removed += g->n_nodes - kept_nodes;
	g->n_nodes = kept_nodes;

	for (size_t i = 0; i < nt; i++) {
		if (!live[i]) {
			ir_tensor_free(g->tensors[i]);
			map[i] = -1;
			continue;
		}
		map[i] = (int)kept_t;
		g->tensors[kept_t++] = g->tensors[i];
	}
	if (r)
		r->tensors_removed += nt - kept_t;
	g->n_tensors = kept_t;

	for (size_t i = 0; i < g->n_initializers; i++)
		if (map[g->initializers[i]] >= 0)
			g->initializers[kept_init++] = map[g->initializers[i]];
	if (r)
		r->initializers_removed += g->n_initializers - kept_init;
	g->n_initializers = kept_init;
	renumber(map, g->inputs, g->n_inputs);
	renumber(map, g->outputs, g->n_outputs);
	for (size_t i = 0; i < g->n_nodes; i++) {
		renumber(map, g->nodes[i]->inputs, g->nodes[i]->n_inputs);
		renumber(map, g->nodes[i]->outputs, g->nodes[i]->n_outputs);
	}
	ret = 0;
out:
	free(live);
	free(node_live);
	free(map);
	return ret;
}

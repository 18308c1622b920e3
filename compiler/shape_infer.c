// SPDX-License-Identifier: MIT
/*
 * Static shape and type inference (compiler/shape_infer.h): each node's op def (compiler/op.h,
 * one family per file under compiler/ops/) checks its inputs' types and shapes and the
 * attributes it reads, then sets its outputs'.
 */
#include "compiler/shape_infer.h"

#include <errno.h>
#include <string.h>

#include "compiler/op.h"

int ir_infer_shapes(struct ir_graph *g, char *err, size_t err_len)
{
	for (size_t i = 0; i < g->n_nodes; i++) {
		struct op_ctx c = { .g = g, .node = g->nodes[i], .idx = i, .err = err, .err_len = err_len };
		const struct op_def *op = op_find(c.node->domain, c.node->op_type);
		int ret;

		if (!op)
			return op_fail(&c, -EOPNOTSUPP, "unsupported op %s%s%s", c.node->domain,
				       c.node->domain[0] ? "." : "", c.node->op_type);
		ret = op->infer(&c);
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
	}
	return 0;
}

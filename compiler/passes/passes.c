// SPDX-License-Identifier: MIT
/* The pass runner: the selected passes in their fixed order (see passes.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "compiler/passes/passes.h"

struct pass {
	unsigned int bit;
	const char *name;
	int (*run)(struct ir_graph *g, struct ir_pass_report *r);
};

/*
 * dce first, so that a dead reader does not block a fusion (a fusion needs the intermediate
 * to have one reader); then folding and fusions; dce again, to drop the constants and
 * values they orphaned.
 */
static const struct pass pass_order[] = {
	{ IR_PASS_DCE, "dce", ir_pass_dce },
	{ IR_PASS_FOLD_BATCHNORM, "fold_batchnorm", ir_pass_fold_batchnorm },
	{ IR_PASS_FUSE_MATMUL_ADD, "fuse_matmul_add", ir_pass_fuse_matmul_add },
	{ IR_PASS_FUSE_ACTIVATION, "fuse_activation", ir_pass_fuse_activation },
	{ IR_PASS_DCE, "dce", ir_pass_dce },
};

int ir_passes_run(struct ir_graph *g, const struct ir_pass_options *o, struct ir_pass_report *r,
		  char *err, size_t err_len)
{
	unsigned int passes = o ? o->passes : IR_PASS_ALL;
	struct ir_pass_report scratch;
	int ret;

	if (!r)
		r = &scratch;
	memset(r, 0, sizeof(*r));
	r->nodes_before = g->n_nodes;
	for (size_t i = 0; i < sizeof(pass_order) / sizeof(pass_order[0]); i++) {
		if (!(passes & pass_order[i].bit))
			continue;
		ret = pass_order[i].run(g, r);
		if (ret) {
			if (err_len)
				snprintf(err, err_len, "pass %s: %s", pass_order[i].name,
					 strerror(-ret));
			r->nodes_after = g->n_nodes;
			return ret;
		}
	}
	r->nodes_after = g->n_nodes;
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * Per-node device times of a run of a vnpu program, from the TIMESTAMP packets its device
 * stages write into the profile slot (struct vnpu_prog's @profile_slot, @node_ts and each
 * stage's @ts_first, @n_ts). See docs/compiler.md, "Code generation for the vnpu".
 */
#ifndef ACCEL_COMPILER_PROG_PROFILE_H
#define ACCEL_COMPILER_PROG_PROFILE_H

#include <stdint.h>

#include "compiler/codegen_vnpu.h"

/**
 * vnpu_prog_node_times() - how long each device node of @p took in a run
 * @p: the program run
 * @ts: the profile slot's contents after the run: @p->n_timestamps u64s (zeroed before it,
 *      so that a timestamp the run did not write is seen)
 * @ns_per_node: @p->n_graph_nodes entries, filled in: a device node's time in ns, its
 *               timestamp less the one before it in its stage (the stage's start for its
 *               first node); -1 for the nodes that did not run on the device
 *
 * Return: 0; -ENODATA when @p has no profile slot; -EINVAL when a timestamp the map needs
 * is unwritten (0) or earlier than the one before it in its stage (a stage that did not run
 * to its end).
 */
int vnpu_prog_node_times(const struct vnpu_prog *p, const uint64_t *ts, double *ns_per_node);

/**
 * vnpu_prog_stage_time() - the device time of stage @stage of @p in a run: its last timestamp
 * less its first (@ts as for vnpu_prog_node_times())
 * @ns: the time in ns
 *
 * Return: 0; -ENODATA for a stage with no timestamps (a host stage); -EINVAL for a stage
 * index out of range or timestamps unwritten or out of order.
 */
int vnpu_prog_stage_time(const struct vnpu_prog *p, unsigned int stage, const uint64_t *ts,
			 double *ns);

#endif

// SPDX-License-Identifier: MIT
/*
 * Per-node device times from a run's timestamps (compiler/prog_profile.h). The code generator
 * puts a TIMESTAMP at the start of each device stage and one after each node's packets, and
 * the device writes each once every earlier packet has completed, so the difference between
 * a node's timestamp and the one before it is the time its packets took on the device.
 */
#include <errno.h>

#include "compiler/prog_profile.h"

/* Timestamps [@first, @first + @n) of @ts are written and never go backwards. */
static bool ts_ordered(const uint64_t *ts, unsigned int first, unsigned int n)
{
	for (unsigned int i = first; i < first + n; i++)
		if (!ts[i] || (i > first && ts[i] < ts[i - 1]))
			return false;
	return true;
}

int vnpu_prog_node_times(const struct vnpu_prog *p, const uint64_t *ts, double *ns_per_node)
{
	if (p->profile_slot < 0)
		return -ENODATA;
	/* Check every stage first: a node's time is only meaningful within a complete stage. */
	for (unsigned int s = 0; s < p->nstages; s++) {
		const struct vnpu_prog_stage *st = &p->stages[s];

		if (st->host || st->ts_first < 0)
			continue;
		if (!ts_ordered(ts, (unsigned int)st->ts_first, st->n_ts))
			return -EINVAL;
	}
	for (size_t i = 0; i < p->n_graph_nodes; i++) {
		int k = p->node_ts[i];

		/* A node's timestamp is never a stage's first: that one is the stage's start. */
		ns_per_node[i] = k > 0 ? (double)(ts[k] - ts[k - 1]) : -1;
	}
	return 0;
}

int vnpu_prog_stage_time(const struct vnpu_prog *p, unsigned int stage, const uint64_t *ts,
			 double *ns)
{
	const struct vnpu_prog_stage *st;

	if (stage >= p->nstages)
		return -EINVAL;
	st = &p->stages[stage];
	if (st->host || st->ts_first < 0 || !st->n_ts)
		return -ENODATA;
	if (!ts_ordered(ts, (unsigned int)st->ts_first, st->n_ts))
		return -EINVAL;
	*ns = (double)(ts[st->ts_first + st->n_ts - 1] - ts[st->ts_first]);
	return 0;
}

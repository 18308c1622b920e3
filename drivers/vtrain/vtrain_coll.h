/* SPDX-License-Identifier: MIT */
/**
 * DOC: vtrain_coll.h - collective algorithms over the links of a scale-up domain.
 *
 * Each function runs one collective for all ranks of a communicator whose buffers are all
 * present (the device calls it once every rank's packet has arrived). Every byte that goes
 * from one rank to another crosses the links between their cards (vtrain_link_p2p_copy), so
 * link counters, link faults (-ENOLINK) and later remote links behave as on hardware; the
 * reduction arithmetic is done by the receiving rank, in the order the algorithm fixes.
 */
#ifndef VTRAIN_COLL_H
#define VTRAIN_COLL_H

#include <stddef.h>

#include "vtrain_link.h"

/* Below this many bytes AUTO uses recursive halving-doubling (fewer steps); above, the ring. */
#define VTRAIN_COLL_TREE_MAX_BYTES (256u << 10)

/**
 * vtrain_coll_all_reduce() - reduce @count floats of every rank's @bufs[r] with @op
 * (VTRAIN_RED_*) and leave the result in every @bufs[r].
 * @topo: the links; @cards[r]: rank r's card; @n: ranks (>= 1).
 * @algo: VTRAIN_ALGO_*; TREE needs a power-of-two @n (-EINVAL otherwise); AUTO picks TREE
 *	for small power-of-two groups and RING otherwise.
 * Return: 0, -EINVAL, -ENOMEM, or a link error (-ENOLINK); on error @bufs are unspecified.
 */
int vtrain_coll_all_reduce(struct vtrain_topo *topo, const unsigned int *cards, unsigned int n,
			   float *const *bufs, size_t count, unsigned int op, unsigned int algo);

/**
 * vtrain_coll_reduce_scatter() - rank r gets in @dsts[r] (@count floats) the reduction with
 * @op of chunk r (@count floats at r * @count) of every rank's @srcs (@count x @n floats).
 * Ring algorithm. Return as vtrain_coll_all_reduce().
 */
int vtrain_coll_reduce_scatter(struct vtrain_topo *topo, const unsigned int *cards,
			       unsigned int n, const float *const *srcs, float *const *dsts,
			       size_t count, unsigned int op);

/**
 * vtrain_coll_all_gather() - every rank's @dsts (@count x @n floats) gets rank r's @srcs[r]
 * (@count floats) at r * @count. Ring algorithm.
 */
int vtrain_coll_all_gather(struct vtrain_topo *topo, const unsigned int *cards, unsigned int n,
			   const float *const *srcs, float *const *dsts, size_t count);

/**
 * vtrain_coll_broadcast() - every rank's @dsts[r] gets the @count floats of @srcs[@root]
 * (the other @srcs are not read; @srcs[root] may equal @dsts[root]). A chain along the ranks.
 */
int vtrain_coll_broadcast(struct vtrain_topo *topo, const unsigned int *cards, unsigned int n,
			  const float *const *srcs, float *const *dsts, size_t count,
			  unsigned int root);

/** vtrain_coll_barrier() - 0 when every ring neighbour pair of ranks has a route up. */
int vtrain_coll_barrier(struct vtrain_topo *topo, const unsigned int *cards, unsigned int n);

/** vtrain_coll_algo_choose() - the algorithm AUTO means for @n ranks and @bytes. */
unsigned int vtrain_coll_algo_choose(unsigned int n, size_t bytes);

#endif

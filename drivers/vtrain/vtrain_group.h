/* SPDX-License-Identifier: MIT */
/**
 * DOC: vtrain_group.h - the scale-up domain of the cards of one host, and the rendezvous of
 * their collectives.
 *
 * Cards whose configuration sections name the same `group` join one struct vtrain_group at
 * probe: its topology (`links`, `cards`) wires them. A collective packet of a job waits in
 * the group for the packets of the other ranks of its communicator (matched by the
 * communicator's key and a sequence number each rank counts); the last to arrive runs the
 * collective over the links (vtrain_coll.c) for all of them and every job goes on.
 */
#ifndef VTRAIN_GROUP_H
#define VTRAIN_GROUP_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <uapi/drm/vtrain_accel.h>

#include "vtrain_link.h"

struct vtrain_device;
struct vtrain_rdv;

/**
 * struct vtrain_group - one scale-up domain.
 * @name, @topo: immutable after creation (the links' atomics aside).
 * @refs: cards joined; under the registry's lock.
 * @lock guards @cards and @rdvs (and every field of the rendezvous on it); @cond
 *	(CLOCK_MONOTONIC) signals a rendezvous change.
 */
struct vtrain_group {
	struct vtrain_group *next;
	char name[64];
	unsigned int refs;
	struct vtrain_topo topo;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct vtrain_device *cards[VTRAIN_TOPO_MAX_CARDS];
	struct vtrain_rdv *rdvs;
};

/**
 * vtrain_group_join() - put @vdev in the group its configuration names (made by the first
 * card). Return: 0; -EINVAL when the group's size or topology differ from this card's;
 * -EBUSY when its card index is taken; -ENOMEM.
 */
int vtrain_group_join(struct vtrain_device *vdev);
void vtrain_group_leave(struct vtrain_device *vdev);

/**
 * struct vtrain_coll_args - one rank's collective packet, its operands mapped.
 * @key, @seq: the rendezvous.  @nranks, @rank, @cards: the communicator.
 * @pkt: the packet.  @src, @dst: host addresses of its operands (NULL for BARRIER).
 * @deadline_ns: CLOCK_MONOTONIC time past which the rank gives up with -ETIMEDOUT.
 */
struct vtrain_coll_args {
	uint64_t key;
	uint64_t seq;
	unsigned int nranks;
	unsigned int rank;
	const unsigned int *cards;
	const struct vtrain_pkt_collective *pkt;
	const float *src;
	float *dst;
	uint64_t deadline_ns;
};

/**
 * vtrain_group_collective() - meet the other ranks and run the collective.
 * Return: 0; -ETIMEDOUT when a rank did not come by the deadline; -EINVAL when the ranks'
 * packets disagree (opcode, count, op, root); -ENOLINK when a link the data needs is down;
 * -ENOMEM.
 */
int vtrain_group_collective(struct vtrain_group *group, const struct vtrain_coll_args *args);

/**
 * struct vtrain_p2p_args - one side of a P2P_SEND / P2P_RECV pair, its buffer mapped.
 * @key: the communicator's.  @seq: which SEND from @from to @to with @tag this is (0, 1,
 *	...), counted by each side.  @from, @to: the sender's and receiver's cards.
 * @send: this side sends @size bytes from @buf, else receives them into @buf.
 */
struct vtrain_p2p_args {
	uint64_t key;
	uint64_t seq;
	unsigned int from, to;
	uint32_t tag;
	bool send;
	void *buf;
	uint64_t size;
	uint64_t deadline_ns;
};

/**
 * vtrain_group_p2p() - meet the other side and move the data over the links.
 * Return: 0; -EMSGSIZE when the sizes differ; -ETIMEDOUT; -ENOLINK; -EINVAL; -ENOMEM.
 */
int vtrain_group_p2p(struct vtrain_group *group, const struct vtrain_p2p_args *args);

#endif

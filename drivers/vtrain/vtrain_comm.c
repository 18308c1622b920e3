// SPDX-License-Identifier: MIT
/*
 * vtrain: communicators (COMM_CREATE / COMM_DESTROY, per file) and the execution of link
 * packets: a collective maps its operands in the job's objects and meets the other ranks in
 * the card's group (vtrain_group.c) under the communicator's key and the next sequence
 * number of this rank, so that the n-th collective of every rank meets the n-th of others.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <accel/drm_drv.h>
#include <accel/drm_ioctl.h>
#include <accel/uaccess.h>
#include "vtrain_comm.h"
#include "vtrain_drv.h"
#include "vtrain_group.h"

static void vtrain_comm_release(struct kref *ref)
{
	struct vtrain_comm *comm = container_of(ref, struct vtrain_comm, ref);

	pthread_mutex_destroy(&comm->p2p_lock);
	free(comm->p2p);
	free(comm->cards);
	free(comm);
}

void vtrain_comm_put(struct vtrain_comm *comm)
{
	kref_put(&comm->ref, vtrain_comm_release);
}

struct vtrain_comm *vtrain_comm_lookup(struct vtrain_file *vf, uint32_t id)
{
	struct vtrain_comm *comm;

	pthread_mutex_lock(&vf->comm_lock);
	comm = idr_find(&vf->comms, (int)id);
	if (comm)
		kref_get(&comm->ref);
	pthread_mutex_unlock(&vf->comm_lock);
	return comm;
}

int vtrain_comm_create_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct vtrain_device *vdev = to_vtrain_device(dev);
	struct drm_vtrain_comm_create *args = data;
	struct vtrain_file *vf = file->driver_priv;
	struct vtrain_rank *ranks = NULL;
	struct vtrain_comm *comm = NULL;
	bool seen[VTRAIN_TOPO_MAX_CARDS] = { false };
	int ret, id;

	if (!args->key || args->pad || !args->num_ranks || args->num_ranks > VTRAIN_COMM_MAX_RANKS)
		return -EINVAL;
	ranks = calloc(args->num_ranks, sizeof(*ranks));
	comm = calloc(1, sizeof(*comm));
	if (!ranks || !comm) {
		ret = -ENOMEM;
		goto err;
	}
	comm->cards = calloc(args->num_ranks, sizeof(*comm->cards));
	if (!comm->cards) {
		ret = -ENOMEM;
		goto err;
	}
	if (copy_from_user(ranks, u64_to_user_ptr(args->ranks),
			   args->num_ranks * sizeof(*ranks))) {
		ret = -EFAULT;
		goto err;
	}
	comm->my_rank = UINT32_MAX;
	for (uint32_t r = 0; r < args->num_ranks; r++) {
		/* Cards of other hosts need the fabric, which this host has not configured. */
		if (ranks[r].host != 0 || ranks[r].card >= vdev->cfg.cards) {
			ret = -ENOLINK;
			goto err;
		}
		if (seen[ranks[r].card]) {
			ret = -EINVAL;
			goto err;
		}
		seen[ranks[r].card] = true;
		comm->cards[r] = ranks[r].card;
		if (ranks[r].card == vdev->cfg.card)
			comm->my_rank = r;
	}
	if (comm->my_rank == UINT32_MAX) {
		ret = -EINVAL;
		goto err;
	}
	kref_init(&comm->ref);
	pthread_mutex_init(&comm->p2p_lock, NULL);
	comm->key = args->key;
	comm->nranks = args->num_ranks;
	pthread_mutex_lock(&vf->comm_lock);
	id = idr_alloc(&vf->comms, comm, 1);
	pthread_mutex_unlock(&vf->comm_lock);
	if (id < 0) {
		ret = id;
		goto err;
	}
	free(ranks);
	args->comm = (uint32_t)id;
	args->my_rank = comm->my_rank;
	return 0;

err:
	if (comm)
		free(comm->cards);
	free(comm);
	free(ranks);
	return ret;
}

int vtrain_comm_destroy_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_vtrain_comm_destroy *args = data;
	struct vtrain_file *vf = file->driver_priv;
	struct vtrain_comm *comm;

	(void)dev;
	if (args->pad)
		return -EINVAL;
	pthread_mutex_lock(&vf->comm_lock);
	comm = args->comm <= INT32_MAX ? idr_remove(&vf->comms, (int)args->comm) : NULL;
	pthread_mutex_unlock(&vf->comm_lock);
	if (!comm)
		return -ENOENT;
	vtrain_comm_put(comm);
	return 0;
}

void vtrain_comms_fini(struct vtrain_file *vf)
{
	struct vtrain_comm *comm;
	int id;

	idr_for_each_entry(&vf->comms, comm, id)
		vtrain_comm_put(comm);
	idr_destroy(&vf->comms);
	pthread_mutex_destroy(&vf->comm_lock);
}

/* Elements of each operand: (src, dst) in floats. */
static void vtrain_coll_sizes(const struct vtrain_pkt_collective *p, unsigned int n,
			      uint64_t *src, uint64_t *dst)
{
	*src = *dst = p->count;
	if (p->hdr.opcode == VTRAIN_OP_REDUCE_SCATTER)
		*src = p->count * n;
	else if (p->hdr.opcode == VTRAIN_OP_ALL_GATHER)
		*dst = p->count * n;
}

/* The sequence number of this rank's next SEND to (RECV from) @peer with @tag. */
static int vtrain_comm_p2p_next(struct vtrain_comm *comm, uint32_t peer, uint32_t tag, bool send,
				uint64_t *seq)
{
	int ret = 0;

	pthread_mutex_lock(&comm->p2p_lock);
	for (unsigned int i = 0; i < comm->nr_p2p; i++) {
		struct vtrain_comm_p2p_count *c = &comm->p2p[i];

		if (c->peer == peer && c->tag == tag && c->send == send) {
			*seq = c->n++;
			goto out;
		}
	}
	if (comm->nr_p2p == comm->cap_p2p) {
		unsigned int cap = comm->cap_p2p ? comm->cap_p2p * 2 : 8;
		void *p = realloc(comm->p2p, cap * sizeof(*comm->p2p));

		if (!p) {
			ret = -ENOMEM;
			goto out;
		}
		comm->p2p = p;
		comm->cap_p2p = cap;
	}
	comm->p2p[comm->nr_p2p++] = (struct vtrain_comm_p2p_count){ peer, tag, send, 1 };
	*seq = 0;
out:
	pthread_mutex_unlock(&comm->p2p_lock);
	return ret;
}

static int vtrain_comm_run_p2p(struct vtrain_device *vdev, struct vtrain_file *vf,
			       void *(*map)(void *priv, uint64_t addr, uint64_t size), void *priv,
			       const struct vtrain_pkt_p2p *p, uint64_t deadline_ns)
{
	bool send = p->hdr.opcode == VTRAIN_OP_P2P_SEND;
	struct vtrain_p2p_args args = { .tag = p->tag, .send = send, .size = p->size,
					.deadline_ns = deadline_ns };
	struct vtrain_comm *comm;
	int ret;

	if (!vdev->group)
		return -ENOLINK;
	comm = vtrain_comm_lookup(vf, p->comm);
	if (!comm)
		return -ENOENT;
	ret = -EINVAL;
	if (p->peer >= comm->nranks || p->peer == comm->my_rank)
		goto out;
	ret = -EFAULT;
	args.buf = map(priv, p->addr, p->size);
	if (!args.buf)
		goto out;
	args.key = comm->key;
	args.from = send ? comm->cards[comm->my_rank] : comm->cards[p->peer];
	args.to = send ? comm->cards[p->peer] : comm->cards[comm->my_rank];
	ret = vtrain_comm_p2p_next(comm, p->peer, p->tag, send, &args.seq);
	if (!ret)
		ret = vtrain_group_p2p(vdev->group, &args);
out:
	vtrain_comm_put(comm);
	return ret;
}

int vtrain_comm_run_link_packet(struct vtrain_device *vdev, struct vtrain_file *vf,
				void *(*map)(void *priv, uint64_t addr, uint64_t size), void *priv,
				const struct vtrain_pkt_header *h, uint64_t deadline_ns)
{
	const struct vtrain_pkt_collective *p = (const void *)h;
	struct vtrain_coll_args args = { .pkt = p, .deadline_ns = deadline_ns };
	struct vtrain_comm *comm;
	uint64_t ns, nd;
	int ret;

	if (h->opcode == VTRAIN_OP_P2P_SEND || h->opcode == VTRAIN_OP_P2P_RECV)
		return vtrain_comm_run_p2p(vdev, vf, map, priv, (const void *)h, deadline_ns);
	if (!vdev->group)
		return -ENOLINK;
	comm = vtrain_comm_lookup(vf, p->comm);
	if (!comm)
		return -ENOENT;
	ret = -EINVAL;
	if (h->opcode == VTRAIN_OP_BROADCAST && p->root >= comm->nranks)
		goto out;
	vtrain_coll_sizes(p, comm->nranks, &ns, &nd);
	if (h->opcode != VTRAIN_OP_BARRIER) {
		ret = -EFAULT;
		if (ns > UINT64_MAX / 4 / VTRAIN_COMM_MAX_RANKS || (p->src | p->dst) % 4)
			goto out;
		args.src = map(priv, p->src, ns * 4);
		args.dst = map(priv, p->dst, nd * 4);
		if (!args.src || !args.dst)
			goto out;
	}
	args.key = comm->key;
	args.seq = atomic_fetch_add(&comm->seq, 1);
	args.nranks = comm->nranks;
	args.rank = comm->my_rank;
	args.cards = comm->cards;
	ret = vtrain_group_collective(vdev->group, &args);
out:
	vtrain_comm_put(comm);
	return ret;
}

static const struct drm_ioctl_ptr vtrain_comm_create_ptrs[] = {
	DRM_IOCTL_PTR(struct drm_vtrain_comm_create, ranks, num_ranks, sizeof(struct vtrain_rank),
		      VTRAIN_COMM_MAX_RANKS, DRM_IOCTL_IN),
};

/* COMM_CREATE's ranks array travels with the argument through acceld. */
const struct drm_ioctl_layout vtrain_comm_create_layout = { vtrain_comm_create_ptrs, 1, NULL, 0 };

// SPDX-License-Identifier: MIT
/*
 * vtrain: the registry of scale-up groups (cards of one host joined by links) and the
 * rendezvous through which the cards' jobs meet at a collective. A rendezvous lives while
 * some rank is in it: the last rank to arrive runs the collective on every rank's buffers
 * (the other ranks' jobs are blocked in it, their objects mapped), then all leave; a rank
 * that gives up at its deadline marks the rendezvous abandoned so that every rank of it
 * fails alike, unless the collective is already running (it always completes).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vtrain_coll.h"
#include "vtrain_drv.h"
#include "vtrain_group.h"

/**
 * struct vtrain_rdv - one collective being met; every field under the group's lock.
 * @first: the first arrival's packet, which the others must match.
 * @p2p, @from, @to, @tag: a SEND/RECV pair (slot 0 the sender, 1 the receiver) between
 *	cards @from and @to, @size each side's bytes.
 * @srcs, @dsts, @present: per rank.  @arrived, @left: ranks in and out.
 * @running: the last arrival runs the collective (waiters no longer give up).
 * @done / @abandoned: the outcome, with @result.
 */
struct vtrain_rdv {
	struct vtrain_rdv *next;
	uint64_t key;
	uint64_t seq;
	bool p2p;
	unsigned int from, to;
	uint32_t tag;
	uint64_t size[2];
	unsigned int nranks;
	struct vtrain_pkt_collective first;
	bool mismatch;
	const float **srcs;
	float **dsts;
	bool *present;
	unsigned int arrived;
	unsigned int left;
	bool running;
	bool done;
	bool abandoned;
	int result;
};

static pthread_mutex_t vtrain_groups_lock = PTHREAD_MUTEX_INITIALIZER;
static struct vtrain_group *vtrain_groups; /* under vtrain_groups_lock */

static struct vtrain_group *vtrain_group_create(const struct vtrain_config *cfg)
{
	struct vtrain_group *g = calloc(1, sizeof(*g));
	pthread_condattr_t cattr;

	if (!g)
		return NULL;
	if (vtrain_topo_init(&g->topo, (unsigned int)cfg->cards, cfg->topology)) {
		free(g);
		return NULL;
	}
	snprintf(g->name, sizeof(g->name), "%s", cfg->group);
	pthread_mutex_init(&g->lock, NULL);
	pthread_condattr_init(&cattr);
	pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
	pthread_cond_init(&g->cond, &cattr);
	pthread_condattr_destroy(&cattr);
	return g;
}

int vtrain_group_join(struct vtrain_device *vdev)
{
	const struct vtrain_config *cfg = &vdev->cfg;
	struct vtrain_group *g;
	int ret = 0;

	pthread_mutex_lock(&vtrain_groups_lock);
	for (g = vtrain_groups; g; g = g->next)
		if (!strcmp(g->name, cfg->group))
			break;
	if (!g) {
		g = vtrain_group_create(cfg);
		if (!g) {
			ret = -ENOMEM;
			goto out;
		}
		g->next = vtrain_groups;
		vtrain_groups = g;
	}
	if (g->topo.ncards != cfg->cards || g->topo.kind != cfg->topology) {
		ret = -EINVAL;
		goto out_unused;
	}
	pthread_mutex_lock(&g->lock);
	if (g->cards[cfg->card])
		ret = -EBUSY;
	else
		g->cards[cfg->card] = vdev;
	pthread_mutex_unlock(&g->lock);
	if (ret)
		goto out_unused;
	g->refs++;
	vdev->group = g;
	goto out;

out_unused:
	if (!g->refs) {
		struct vtrain_group **p;

		for (p = &vtrain_groups; *p != g; p = &(*p)->next)
			;
		*p = g->next;
		vtrain_topo_fini(&g->topo);
		pthread_cond_destroy(&g->cond);
		pthread_mutex_destroy(&g->lock);
		free(g);
	}
out:
	pthread_mutex_unlock(&vtrain_groups_lock);
	return ret;
}

void vtrain_group_leave(struct vtrain_device *vdev)
{
	struct vtrain_group *g = vdev->group;

	if (!g)
		return;
	pthread_mutex_lock(&vtrain_groups_lock);
	pthread_mutex_lock(&g->lock);
	g->cards[vdev->cfg.card] = NULL;
	pthread_mutex_unlock(&g->lock);
	vdev->group = NULL;
	if (!--g->refs) {
		struct vtrain_group **p;

		for (p = &vtrain_groups; *p != g; p = &(*p)->next)
			;
		*p = g->next;
		vtrain_topo_fini(&g->topo);
		pthread_cond_destroy(&g->cond);
		pthread_mutex_destroy(&g->lock);
		free(g);
	}
	pthread_mutex_unlock(&vtrain_groups_lock);
}

static void vtrain_rdv_free(struct vtrain_rdv *r)
{
	free(r->srcs);
	free(r->dsts);
	free(r->present);
	free(r);
}

/* Find or make the rendezvous @id names (its identity fields). Group lock held. */
static struct vtrain_rdv *vtrain_rdv_get(struct vtrain_group *g, const struct vtrain_rdv *id)
{
	struct vtrain_rdv *r;

	for (r = g->rdvs; r; r = r->next)
		if (r->key == id->key && r->seq == id->seq && r->p2p == id->p2p &&
		    r->from == id->from && r->to == id->to && r->tag == id->tag)
			return r;
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->srcs = calloc(id->nranks, sizeof(*r->srcs));
	r->dsts = calloc(id->nranks, sizeof(*r->dsts));
	r->present = calloc(id->nranks, sizeof(*r->present));
	if (!r->srcs || !r->dsts || !r->present) {
		vtrain_rdv_free(r);
		return NULL;
	}
	r->key = id->key;
	r->seq = id->seq;
	r->p2p = id->p2p;
	r->from = id->from;
	r->to = id->to;
	r->tag = id->tag;
	r->nranks = id->nranks;
	r->first = id->first;
	r->next = g->rdvs;
	g->rdvs = r;
	return r;
}

static void vtrain_rdv_leave(struct vtrain_group *g, struct vtrain_rdv *r)
{
	struct vtrain_rdv **p;

	if (++r->left < r->arrived)
		return;
	for (p = &g->rdvs; *p != r; p = &(*p)->next)
		;
	*p = r->next;
	vtrain_rdv_free(r);
}

static bool vtrain_coll_matches(const struct vtrain_pkt_collective *a,
				const struct vtrain_pkt_collective *b)
{
	return a->hdr.opcode == b->hdr.opcode && a->count == b->count && a->op == b->op &&
	       a->root == b->root && a->algo == b->algo;
}

/* Run the met collective on every rank's operands. Called without the group's lock. */
static int vtrain_rdv_run(struct vtrain_group *g, struct vtrain_rdv *r, const unsigned int *cards)
{
	const struct vtrain_pkt_collective *p = &r->first;
	size_t count = (size_t)p->count;
	int ret;

	switch (p->hdr.opcode) {
	case VTRAIN_OP_ALL_REDUCE:
		for (unsigned int i = 0; i < r->nranks; i++)
			if ((const float *)r->dsts[i] != r->srcs[i])
				memcpy(r->dsts[i], r->srcs[i], count * sizeof(float));
		ret = vtrain_coll_all_reduce(&g->topo, cards, r->nranks, r->dsts, count, p->op,
					     p->algo);
		break;
	case VTRAIN_OP_REDUCE_SCATTER:
		ret = vtrain_coll_reduce_scatter(&g->topo, cards, r->nranks, r->srcs, r->dsts,
						 count, p->op);
		break;
	case VTRAIN_OP_ALL_GATHER:
		ret = vtrain_coll_all_gather(&g->topo, cards, r->nranks, r->srcs, r->dsts, count);
		break;
	case VTRAIN_OP_BROADCAST:
		ret = vtrain_coll_broadcast(&g->topo, cards, r->nranks, r->srcs, r->dsts, count,
					    p->root);
		break;
	default:
		ret = vtrain_coll_barrier(&g->topo, cards, r->nranks);
		break;
	}
	return ret;
}

/*
 * This rank has taken its slot (group lock held): the last rank runs @run without the lock,
 * the others wait for it or give up at @deadline_ns. Leaves the rendezvous; the result.
 */
static int vtrain_rdv_complete(struct vtrain_group *g, struct vtrain_rdv *r, uint64_t deadline_ns,
			       int (*run)(struct vtrain_group *g, struct vtrain_rdv *r,
					  const void *ctx), const void *ctx)
{
	struct timespec deadline = {
		.tv_sec = (time_t)(deadline_ns / 1000000000ull),
		.tv_nsec = (long)(deadline_ns % 1000000000ull),
	};
	int ret;

	if (r->abandoned) {
		ret = r->result;
		goto leave;
	}
	if (r->arrived == r->nranks) {
		bool mismatch = r->mismatch;

		r->running = true;
		pthread_mutex_unlock(&g->lock);
		ret = mismatch ? -EINVAL : run(g, r, ctx);
		pthread_mutex_lock(&g->lock);
		r->result = ret;
		r->done = true;
		pthread_cond_broadcast(&g->cond);
		goto leave;
	}
	while (!r->done && !r->abandoned) {
		if (r->running) {
			pthread_cond_wait(&g->cond, &g->lock);
			continue;
		}
		if (pthread_cond_timedwait(&g->cond, &g->lock, &deadline) == ETIMEDOUT &&
		    !r->done && !r->running && !r->abandoned) {
			r->abandoned = true;
			r->result = -ETIMEDOUT;
			pthread_cond_broadcast(&g->cond);
		}
	}
	ret = r->result;
leave:
	vtrain_rdv_leave(g, r);
	pthread_mutex_unlock(&g->lock);
	return ret;
}

static int vtrain_rdv_run_collective(struct vtrain_group *g, struct vtrain_rdv *r, const void *ctx)
{
	return vtrain_rdv_run(g, r, ctx);
}

int vtrain_group_collective(struct vtrain_group *g, const struct vtrain_coll_args *a)
{
	struct vtrain_rdv id = { .key = a->key, .seq = a->seq, .nranks = a->nranks,
				 .first = *a->pkt };
	struct vtrain_rdv *r;

	pthread_mutex_lock(&g->lock);
	r = vtrain_rdv_get(g, &id);
	if (!r) {
		pthread_mutex_unlock(&g->lock);
		return -ENOMEM;
	}
	r->arrived++;
	if (!r->abandoned) {
		if (r->nranks != a->nranks || r->present[a->rank] ||
		    !vtrain_coll_matches(&r->first, a->pkt)) {
			r->mismatch = true;
		} else {
			r->present[a->rank] = true;
			r->srcs[a->rank] = a->src;
			r->dsts[a->rank] = a->dst;
		}
	}
	return vtrain_rdv_complete(g, r, a->deadline_ns, vtrain_rdv_run_collective, a->cards);
}

static int vtrain_rdv_run_p2p(struct vtrain_group *g, struct vtrain_rdv *r, const void *ctx)
{
	(void)ctx;
	if (r->size[0] != r->size[1])
		return -EMSGSIZE;
	return vtrain_link_p2p_copy(&g->topo, r->from, r->to, r->dsts[1], r->srcs[0],
				    (size_t)r->size[0]);
}

int vtrain_group_p2p(struct vtrain_group *g, const struct vtrain_p2p_args *a)
{
	struct vtrain_rdv id = { .key = a->key, .seq = a->seq, .p2p = true, .from = a->from,
				 .to = a->to, .tag = a->tag, .nranks = 2 };
	unsigned int slot = a->send ? 0 : 1;
	struct vtrain_rdv *r;

	pthread_mutex_lock(&g->lock);
	r = vtrain_rdv_get(g, &id);
	if (!r) {
		pthread_mutex_unlock(&g->lock);
		return -ENOMEM;
	}
	r->arrived++;
	if (!r->abandoned) {
		if (r->present[slot]) {
			r->mismatch = true;
		} else {
			r->present[slot] = true;
			r->size[slot] = a->size;
			if (a->send)
				r->srcs[0] = a->buf;
			else
				r->dsts[1] = a->buf;
		}
	}
	return vtrain_rdv_complete(g, r, a->deadline_ns, vtrain_rdv_run_p2p, NULL);
}

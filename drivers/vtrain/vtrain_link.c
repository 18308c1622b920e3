// SPDX-License-Identifier: MIT
/*
 * vtrain link ports and the scale-up topology (see vtrain_link.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vtrain_link.h"

static int vtrain_link_local_copy(struct vtrain_link *link, void *dst, const void *src,
				  size_t size)
{
	(void)link;
	memcpy(dst, src, size);
	return 0;
}

const struct vtrain_link_ops vtrain_link_local_ops = {
	.kind = "local",
	.copy = vtrain_link_local_copy,
};

int vtrain_topology_parse(const char *s, enum vtrain_topology *out)
{
	if (!s)
		return -EINVAL;
	if (!strcmp(s, "mesh"))
		*out = VTRAIN_TOPO_MESH;
	else if (!strcmp(s, "ring"))
		*out = VTRAIN_TOPO_RING;
	else
		return -EINVAL;
	return 0;
}

const char *vtrain_topology_name(enum vtrain_topology kind)
{
	return kind == VTRAIN_TOPO_RING ? "ring" : "mesh";
}

static void vtrain_link_init(struct vtrain_link *link, unsigned int x, unsigned int y)
{
	link->a = x < y ? x : y;
	link->b = x < y ? y : x;
	link->ops = &vtrain_link_local_ops;
	atomic_init(&link->up, true);
	atomic_init(&link->bytes, 0);
	atomic_init(&link->errors, 0);
}

int vtrain_topo_init(struct vtrain_topo *topo, unsigned int ncards, enum vtrain_topology kind)
{
	unsigned int n = 0;

	if (ncards < 1 || ncards > VTRAIN_TOPO_MAX_CARDS ||
	    (kind != VTRAIN_TOPO_MESH && kind != VTRAIN_TOPO_RING))
		return -EINVAL;
	topo->ncards = ncards;
	topo->kind = kind;
	/* A ring of two cards is one link, like a mesh of two. */
	if (kind == VTRAIN_TOPO_MESH || ncards <= 2)
		topo->nlinks = ncards * (ncards - 1) / 2;
	else
		topo->nlinks = ncards;
	topo->links = NULL;
	if (!topo->nlinks)
		return 0;
	topo->links = calloc(topo->nlinks, sizeof(*topo->links));
	if (!topo->links)
		return -ENOMEM;
	if (kind == VTRAIN_TOPO_MESH || ncards <= 2) {
		for (unsigned int a = 0; a < ncards; a++)
			for (unsigned int b = a + 1; b < ncards; b++)
				vtrain_link_init(&topo->links[n++], a, b);
	} else {
		for (unsigned int i = 0; i < ncards; i++)
			vtrain_link_init(&topo->links[i], i, (i + 1) % ncards);
	}
	return 0;
}

void vtrain_topo_fini(struct vtrain_topo *topo)
{
	free(topo->links);
	topo->links = NULL;
	topo->nlinks = 0;
}

struct vtrain_link *vtrain_topo_link(struct vtrain_topo *topo, unsigned int x, unsigned int y)
{
	unsigned int n = topo->ncards, a = x < y ? x : y, b = x < y ? y : x;

	if (x == y || b >= n)
		return NULL;
	if (topo->kind == VTRAIN_TOPO_MESH || n <= 2)
		/* Row a of the upper triangle starts after a rows of n-1, n-2, ... links. */
		return &topo->links[a * n - a * (a + 1) / 2 + (b - a - 1)];
	if (b == a + 1)
		return &topo->links[a];
	if (a == 0 && b == n - 1)
		return &topo->links[n - 1];
	return NULL;
}

bool vtrain_link_is_up(struct vtrain_link *link)
{
	return atomic_load(&link->up);
}

void vtrain_link_set_up(struct vtrain_link *link, bool up)
{
	atomic_store(&link->up, up);
}

/* The ring walk from @from in direction @step (+1 or n-1) for @len hops; 1 if all up. */
static int vtrain_ring_walk(struct vtrain_topo *topo, unsigned int from, unsigned int step,
			    unsigned int len, struct vtrain_link **hops, bool count_errors)
{
	unsigned int n = topo->ncards, cur = from;
	bool all_up = true;

	for (unsigned int i = 0; i < len; i++) {
		unsigned int next = (cur + step) % n;
		struct vtrain_link *link = vtrain_topo_link(topo, cur, next);

		hops[i] = link;
		if (!vtrain_link_is_up(link)) {
			all_up = false;
			if (count_errors)
				atomic_fetch_add(&link->errors, 1);
		}
		cur = next;
	}
	return all_up;
}

static int vtrain_topo_route_counted(struct vtrain_topo *topo, unsigned int from,
				     unsigned int to, struct vtrain_link **hops, bool count_errors)
{
	unsigned int n = topo->ncards, fwd, bwd;

	if (from >= n || to >= n)
		return -EINVAL;
	if (from == to)
		return 0;
	if (topo->kind == VTRAIN_TOPO_MESH || n <= 2) {
		hops[0] = vtrain_topo_link(topo, from, to);
		if (vtrain_link_is_up(hops[0]))
			return 1;
		if (count_errors)
			atomic_fetch_add(&hops[0]->errors, 1);
		return -ENOLINK;
	}
	fwd = (to + n - from) % n;
	bwd = n - fwd;
	if (fwd <= bwd) {
		if (vtrain_ring_walk(topo, from, 1, fwd, hops, count_errors))
			return (int)fwd;
		if (vtrain_ring_walk(topo, from, n - 1, bwd, hops, false))
			return (int)bwd;
	} else {
		if (vtrain_ring_walk(topo, from, n - 1, bwd, hops, count_errors))
			return (int)bwd;
		if (vtrain_ring_walk(topo, from, 1, fwd, hops, false))
			return (int)fwd;
	}
	return -ENOLINK;
}

int vtrain_topo_route(struct vtrain_topo *topo, unsigned int from, unsigned int to,
		      struct vtrain_link **hops)
{
	return vtrain_topo_route_counted(topo, from, to, hops, false);
}

int vtrain_link_p2p_copy(struct vtrain_topo *topo, unsigned int from, unsigned int to,
			 void *dst, const void *src, size_t size)
{
	struct vtrain_link *hops[VTRAIN_TOPO_MAX_CARDS];
	int nhops, ret;

	nhops = vtrain_topo_route_counted(topo, from, to, hops, true);
	if (nhops < 0)
		return nhops;
	if (nhops == 0) {
		memmove(dst, src, size);
		return 0;
	}
	/* Cut-through: the data crosses every hop, but moves once end to end. */
	ret = hops[0]->ops->copy(hops[0], dst, src, size);
	if (ret) {
		atomic_fetch_add(&hops[0]->errors, 1);
		return ret;
	}
	for (int i = 0; i < nhops; i++)
		atomic_fetch_add(&hops[i]->bytes, size);
	return 0;
}

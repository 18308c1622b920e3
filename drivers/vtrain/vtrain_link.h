/* SPDX-License-Identifier: MIT */
/**
 * DOC: vtrain_link.h - the link ports between vtrain cards and the topology that wires them.
 *
 * The cards of one host form a scale-up domain wired as a full mesh (a link between every
 * pair) or a ring (card i to cards i-1 and i+1), from `links = mesh|ring` in the device's
 * configuration section. A link moves bytes through its ops table: a local link (both cards
 * in this process) copies with memcpy; a remote link (scale-out) will call drivers/vtrain/
 * vtrain_fabric.h. A link that is down (fault injection, peer reset) fails every transfer
 * with -ENOLINK and counts an error; other links are unaffected.
 */
#ifndef VTRAIN_LINK_H
#define VTRAIN_LINK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum vtrain_topology {
	VTRAIN_TOPO_MESH,
	VTRAIN_TOPO_RING,
};

struct vtrain_link;

/**
 * struct vtrain_link_ops - how one kind of link moves data.
 * @kind: "local" or "fabric", shown in sysfs.
 * @copy: move @size bytes from @src (on the link's near card) to @dst (on its far card);
 *	0 or a negative errno. Called only while the link is up.
 */
struct vtrain_link_ops {
	const char *kind;
	int (*copy)(struct vtrain_link *link, void *dst, const void *src, size_t size);
};

/* Both cards are in this process: the link is a memcpy. */
extern const struct vtrain_link_ops vtrain_link_local_ops;

/**
 * struct vtrain_link - one bidirectional link port pair between cards @a and @b (@a < @b).
 * @ops: the transport, fixed at creation.
 * @up: whether transfers may use the link; atomic (fault injection writes it while jobs
 *	read it; a transfer already past its check completes).
 * @bytes: bytes moved over the link, both directions; atomic.
 * @errors: transfers refused or failed; atomic.
 */
struct vtrain_link {
	unsigned int a, b;
	const struct vtrain_link_ops *ops;
	atomic_bool up;
	atomic_uint_fast64_t bytes;
	atomic_uint_fast64_t errors;
};

/**
 * struct vtrain_topo - the links of a scale-up domain; immutable after vtrain_topo_init()
 * except the atomic fields of each link.
 * @ncards: cards in the domain (>= 1).  @kind: mesh or ring.
 * @links: @nlinks links; for a mesh every pair (a, b), for a ring (i, i+1 mod n).
 */
struct vtrain_topo {
	unsigned int ncards;
	enum vtrain_topology kind;
	unsigned int nlinks;
	struct vtrain_link *links;
};

/** vtrain_topology_parse() - "mesh" or "ring" into @out; -EINVAL for anything else. */
int vtrain_topology_parse(const char *s, enum vtrain_topology *out);
const char *vtrain_topology_name(enum vtrain_topology kind);

/** vtrain_topo_init() - wire @ncards (1..VTRAIN_TOPO_MAX_CARDS) cards; every link up. */
#define VTRAIN_TOPO_MAX_CARDS 64
int vtrain_topo_init(struct vtrain_topo *topo, unsigned int ncards, enum vtrain_topology kind);
void vtrain_topo_fini(struct vtrain_topo *topo);

/** vtrain_topo_link() - the link joining cards @x and @y directly, or NULL. */
struct vtrain_link *vtrain_topo_link(struct vtrain_topo *topo, unsigned int x, unsigned int y);

/**
 * vtrain_topo_route() - the links a transfer from card @from to card @to crosses, in order.
 * A mesh uses the direct link; a ring goes the shorter way whose links are all up, else the
 * other way. @hops receives at most VTRAIN_TOPO_MAX_CARDS links.
 *
 * Return: the number of hops (0 when @from == @to); -ENOLINK when no route has all its links
 * up; -EINVAL for a card out of range.
 */
int vtrain_topo_route(struct vtrain_topo *topo, unsigned int from, unsigned int to,
		      struct vtrain_link **hops);

/**
 * vtrain_link_p2p_copy() - copy @size bytes from card @from's @src to card @to's @dst over
 * the route between them (one copy end to end; every link of the route counts the bytes).
 * Return: 0; -ENOLINK when no route is up (each down link on the preferred route counts an
 * error); -EINVAL; or the transport's error.
 */
int vtrain_link_p2p_copy(struct vtrain_topo *topo, unsigned int from, unsigned int to,
			 void *dst, const void *src, size_t size);

/** vtrain_link_set_up() - take a link down or bring it back (fault injection, reset). */
void vtrain_link_set_up(struct vtrain_link *link, bool up);
bool vtrain_link_is_up(struct vtrain_link *link);

#endif

// SPDX-License-Identifier: MIT
/*
 * Ring and recursive halving-doubling all-reduce (see vtrain_coll.h). Ranks run in lock step:
 * every step first moves all the data of that step (as the links would, concurrently), then
 * every receiver reduces what it got, so no rank reads a chunk another rank is rewriting.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <uapi/drm/vtrain_accel.h>

#include "vtrain_coll.h"

static void vtrain_reduce_into(float *restrict dst, const float *restrict src, size_t count,
			       unsigned int op)
{
	size_t i;

	switch (op) {
	case VTRAIN_RED_MAX:
		for (i = 0; i < count; i++)
			dst[i] = dst[i] > src[i] ? dst[i] : src[i];
		break;
	case VTRAIN_RED_MIN:
		for (i = 0; i < count; i++)
			dst[i] = dst[i] < src[i] ? dst[i] : src[i];
		break;
	default: /* SUM and AVG sum first */
		for (i = 0; i < count; i++)
			dst[i] += src[i];
		break;
	}
}

static bool vtrain_is_pow2(unsigned int n)
{
	return n && !(n & (n - 1));
}

unsigned int vtrain_coll_algo_choose(unsigned int n, size_t bytes)
{
	if (vtrain_is_pow2(n) && bytes <= VTRAIN_COLL_TREE_MAX_BYTES)
		return VTRAIN_ALGO_TREE;
	return VTRAIN_ALGO_RING;
}

/* First element of chunk @i of @n over @count elements. */
static size_t vtrain_chunk(size_t count, unsigned int n, unsigned int i)
{
	return count * i / n;
}

static int vtrain_send(struct vtrain_topo *topo, const unsigned int *cards, unsigned int from,
		       unsigned int to, float *dst, const float *src, size_t count)
{
	if (!count)
		return 0;
	return vtrain_link_p2p_copy(topo, cards[from], cards[to], dst, src, count * sizeof(float));
}

static int vtrain_ring_all_reduce(struct vtrain_topo *topo, const unsigned int *cards,
				  unsigned int n, float *const *bufs, size_t count,
				  unsigned int op, float **scratch)
{
	int ret;

	/* Reduce-scatter: after n-1 steps rank r holds the full reduction of chunk r+1. */
	for (unsigned int s = 0; s + 1 < n; s++) {
		for (unsigned int r = 0; r < n; r++) {
			unsigned int c = (r + n - s) % n, to = (r + 1) % n;
			size_t lo = vtrain_chunk(count, n, c), hi = vtrain_chunk(count, n, c + 1);

			ret = vtrain_send(topo, cards, r, to, scratch[to], bufs[r] + lo, hi - lo);
			if (ret)
				return ret;
		}
		for (unsigned int r = 0; r < n; r++) {
			unsigned int c = (r + n - 1 - s) % n;
			size_t lo = vtrain_chunk(count, n, c), hi = vtrain_chunk(count, n, c + 1);

			vtrain_reduce_into(bufs[r] + lo, scratch[r], hi - lo, op);
		}
	}
	/* All-gather: rank r passes on the finished chunk it last received. */
	for (unsigned int s = 0; s + 1 < n; s++) {
		for (unsigned int r = 0; r < n; r++) {
			unsigned int c = (r + 1 + n - s) % n, to = (r + 1) % n;
			size_t lo = vtrain_chunk(count, n, c), hi = vtrain_chunk(count, n, c + 1);

			ret = vtrain_send(topo, cards, r, to, bufs[to] + lo, bufs[r] + lo, hi - lo);
			if (ret)
				return ret;
		}
	}
	return 0;
}

static int vtrain_rhd_all_reduce(struct vtrain_topo *topo, const unsigned int *cards,
				 unsigned int n, float *const *bufs, size_t count,
				 unsigned int op, float **scratch)
{
	size_t *lo, *hi;
	int ret = 0;

	lo = calloc(n, sizeof(*lo));
	hi = calloc(n, sizeof(*hi));
	if (!lo || !hi) {
		ret = -ENOMEM;
		goto out;
	}
	for (unsigned int r = 0; r < n; r++)
		hi[r] = count;
	/* Recursive halving: each pair splits its common range; r keeps the half of its bit. */
	for (unsigned int d = n / 2; d >= 1; d /= 2) {
		for (unsigned int r = 0; r < n; r++) {
			unsigned int p = r ^ d;
			size_t mid = lo[r] + (hi[r] - lo[r]) / 2;
			/* The half the partner keeps: upper when the partner's bit is set. */
			size_t plo = (p & d) ? mid : lo[r], phi = (p & d) ? hi[r] : mid;

			ret = vtrain_send(topo, cards, r, p, scratch[p],
					  bufs[r] + plo, phi - plo);
			if (ret)
				goto out;
		}
		for (unsigned int r = 0; r < n; r++) {
			size_t mid = lo[r] + (hi[r] - lo[r]) / 2;
			size_t klo = (r & d) ? mid : lo[r], khi = (r & d) ? hi[r] : mid;

			vtrain_reduce_into(bufs[r] + klo, scratch[r], khi - klo, op);
			lo[r] = klo;
			hi[r] = khi;
		}
	}
	/* Recursive doubling: partners exchange their finished ranges, in reverse order. */
	for (unsigned int d = 1; d < n; d *= 2) {
		for (unsigned int r = 0; r < n; r++) {
			unsigned int p = r ^ d;

			ret = vtrain_send(topo, cards, r, p, bufs[p] + lo[r], bufs[r] + lo[r],
					  hi[r] - lo[r]);
			if (ret)
				goto out;
		}
		for (unsigned int r = 0; r < n; r += 1) {
			unsigned int p = r ^ d;

			if (r < p) {
				size_t l = lo[r] < lo[p] ? lo[r] : lo[p];
				size_t h = hi[r] > hi[p] ? hi[r] : hi[p];

				lo[r] = lo[p] = l;
				hi[r] = hi[p] = h;
			}
		}
	}
out:
	free(lo);
	free(hi);
	return ret;
}

int vtrain_coll_all_reduce(struct vtrain_topo *topo, const unsigned int *cards, unsigned int n,
			   float *const *bufs, size_t count, unsigned int op, unsigned int algo)
{
	float **scratch;
	int ret = 0;

	if (!n || n > VTRAIN_TOPO_MAX_CARDS || op < VTRAIN_RED_SUM || op > VTRAIN_RED_AVG)
		return -EINVAL;
	if (algo == VTRAIN_ALGO_AUTO)
		algo = vtrain_coll_algo_choose(n, count * sizeof(float));
	if (algo != VTRAIN_ALGO_RING && algo != VTRAIN_ALGO_TREE)
		return -EINVAL;
	if (algo == VTRAIN_ALGO_TREE && !vtrain_is_pow2(n))
		return -EINVAL;
	if (n == 1)
		return 0;
	scratch = calloc(n, sizeof(*scratch));
	if (!scratch)
		return -ENOMEM;
	for (unsigned int r = 0; r < n; r++) {
		/* Ring steps receive one chunk; halving-doubling at most half the buffer. */
		scratch[r] = malloc((count / 2 + count / n + 1) * sizeof(float));
		if (!scratch[r]) {
			ret = -ENOMEM;
			goto out;
		}
	}
	if (algo == VTRAIN_ALGO_RING)
		ret = vtrain_ring_all_reduce(topo, cards, n, bufs, count, op, scratch);
	else
		ret = vtrain_rhd_all_reduce(topo, cards, n, bufs, count, op, scratch);
	if (!ret && op == VTRAIN_RED_AVG)
		for (unsigned int r = 0; r < n; r++)
			for (size_t i = 0; i < count; i++)
				bufs[r][i] /= (float)n;
out:
	for (unsigned int r = 0; r < n; r++)
		free(scratch[r]);
	free(scratch);
	return ret;
}

int vtrain_coll_reduce_scatter(struct vtrain_topo *topo, const unsigned int *cards,
			       unsigned int n, const float *const *srcs, float *const *dsts,
			       size_t count, unsigned int op)
{
	float **work, **scratch;
	int ret = 0;

	if (!n || n > VTRAIN_TOPO_MAX_CARDS || op < VTRAIN_RED_SUM || op > VTRAIN_RED_AVG)
		return -EINVAL;
	work = calloc(n, sizeof(*work));
	scratch = calloc(n, sizeof(*scratch));
	if (!work || !scratch) {
		ret = -ENOMEM;
		goto out;
	}
	for (unsigned int r = 0; r < n; r++) {
		work[r] = malloc(count * n * sizeof(float) + 1);
		scratch[r] = malloc(count * sizeof(float) + 1);
		if (!work[r] || !scratch[r]) {
			ret = -ENOMEM;
			goto out;
		}
		memcpy(work[r], srcs[r], count * n * sizeof(float));
	}
	/* Step s: r forwards its partial sum of chunk r-s-1; after n-1 steps r owns chunk r. */
	for (unsigned int s = 0; s + 1 < n; s++) {
		for (unsigned int r = 0; r < n; r++) {
			unsigned int c = (r + 2 * n - s - 1) % n, to = (r + 1) % n;

			ret = vtrain_send(topo, cards, r, to, scratch[to], work[r] + c * count,
					  count);
			if (ret)
				goto out;
		}
		for (unsigned int r = 0; r < n; r++) {
			unsigned int c = (r + 2 * n - s - 2) % n;

			vtrain_reduce_into(work[r] + c * count, scratch[r], count, op);
		}
	}
	for (unsigned int r = 0; r < n; r++) {
		memcpy(dsts[r], work[r] + r * count, count * sizeof(float));
		if (op == VTRAIN_RED_AVG)
			for (size_t i = 0; i < count; i++)
				dsts[r][i] /= (float)n;
	}
out:
	for (unsigned int r = 0; work && scratch && r < n; r++) {
		free(work[r]);
		free(scratch[r]);
	}
	free(work);
	free(scratch);
	return ret;
}

int vtrain_coll_all_gather(struct vtrain_topo *topo, const unsigned int *cards, unsigned int n,
			   const float *const *srcs, float *const *dsts, size_t count)
{
	int ret;

	if (!n || n > VTRAIN_TOPO_MAX_CARDS)
		return -EINVAL;
	for (unsigned int r = 0; r < n; r++)
		memmove(dsts[r] + r * count, srcs[r], count * sizeof(float));
	/* Step s: r passes on chunk r-s, which it has had since step s-1. */
	for (unsigned int s = 0; s + 1 < n; s++)
		for (unsigned int r = 0; r < n; r++) {
			unsigned int c = (r + n - s) % n, to = (r + 1) % n;

			ret = vtrain_send(topo, cards, r, to, dsts[to] + c * count,
					  dsts[r] + c * count, count);
			if (ret)
				return ret;
		}
	return 0;
}

int vtrain_coll_broadcast(struct vtrain_topo *topo, const unsigned int *cards, unsigned int n,
			  const float *const *srcs, float *const *dsts, size_t count,
			  unsigned int root)
{
	int ret;

	if (!n || n > VTRAIN_TOPO_MAX_CARDS || root >= n)
		return -EINVAL;
	memmove(dsts[root], srcs[root], count * sizeof(float));
	for (unsigned int i = 0; i + 1 < n; i++) {
		unsigned int from = (root + i) % n, to = (root + i + 1) % n;

		ret = vtrain_send(topo, cards, from, to, dsts[to], dsts[from], count);
		if (ret)
			return ret;
	}
	return 0;
}

int vtrain_coll_barrier(struct vtrain_topo *topo, const unsigned int *cards, unsigned int n)
{
	struct vtrain_link *hops[VTRAIN_TOPO_MAX_CARDS];

	if (!n || n > VTRAIN_TOPO_MAX_CARDS)
		return -EINVAL;
	for (unsigned int r = 0; n > 1 && r < n; r++) {
		int ret = vtrain_topo_route(topo, cards[r], cards[(r + 1) % n], hops);

		if (ret < 0)
			return ret;
	}
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * vtrain's scale-up data movement, in process (the link layer and collectives the driver's
 * link packets call, without the driver around them):
 *
 * - a 4 MiB P2P copy over a mesh link (vtrain_link_p2p_copy: route, link state, counters,
 *   the local link's copy) against a plain memcpy of the same size: the link layer's cost;
 * - all-reduce (SUM, ring) of 4 MiB per rank for 2, 4 and 8 cards of a mesh, against the
 *   memcpy of 4 MiB; the bus bandwidth (2(n-1)/n x bytes / time, NCCL's busbw) is printed
 *   with each figure. One thread moves and reduces every rank's data (the device's last
 *   rank to arrive runs the collective for all), so busbw falls as n grows: it is the
 *   whole host's, not one link's.
 *
 *   bench_vtrain_p2p [ACCELD_PATH]   (no daemon is used; scripts/bench.sh passes it)
 */
#include "bench.h"

#include <uapi/drm/vtrain_accel.h>

#include "drivers/vtrain/vtrain_coll.h"
#include "drivers/vtrain/vtrain_link.h"

#define BYTES (4u << 20)
#define COUNT (BYTES / sizeof(float))
#define MAX_CARDS 8

struct p2p_arg {
	struct vtrain_topo *topo;
	void *src, *dst;
};

struct ar_arg {
	struct vtrain_topo *topo;
	unsigned int n;
	unsigned int cards[MAX_CARDS];
	float *bufs[MAX_CARDS];
};

static void die(const char *what)
{
	fprintf(stderr, "bench_vtrain_p2p: %s\n", what);
	exit(1);
}

static void run_memcpy(void *arg, long iters)
{
	struct p2p_arg *a = arg;

	for (long i = 0; i < iters; i++) {
		memcpy(a->dst, a->src, BYTES);
		__asm__ volatile("" : : "r"(a->dst) : "memory");
	}
}

static void run_p2p(void *arg, long iters)
{
	struct p2p_arg *a = arg;

	for (long i = 0; i < iters; i++)
		if (vtrain_link_p2p_copy(a->topo, 0, 1, a->dst, a->src, BYTES))
			die("p2p copy failed");
}

static void run_allreduce(void *arg, long iters)
{
	struct ar_arg *a = arg;

	for (long i = 0; i < iters; i++)
		if (vtrain_coll_all_reduce(a->topo, a->cards, a->n, a->bufs, COUNT, VTRAIN_RED_SUM,
					   VTRAIN_ALGO_RING))
			die("all-reduce failed");
}

int main(void)
{
	struct vtrain_topo topo;
	struct p2p_arg p = { &topo, NULL, NULL };
	struct bench_result base, r;
	char name[64];

	if (vtrain_topo_init(&topo, MAX_CARDS, VTRAIN_TOPO_MESH))
		die("topology");
	p.src = malloc(BYTES);
	p.dst = malloc(BYTES);
	if (!p.src || !p.dst)
		die("out of memory");
	memset(p.src, 1, BYTES);
	memset(p.dst, 2, BYTES);

	base = bench_run(run_memcpy, &p, 50, 9);
	r = bench_run(run_p2p, &p, 50, 9);
	bench_report("vtrain p2p copy 4 MiB (mesh link)", "ns", r, "memcpy 4 MiB", base, "<= 1.2");

	for (unsigned int n = 2; n <= MAX_CARDS; n *= 2) {
		struct ar_arg a = { .topo = &topo, .n = n };

		for (unsigned int i = 0; i < n; i++) {
			a.cards[i] = i;
			a.bufs[i] = calloc(COUNT, sizeof(float));
			if (!a.bufs[i])
				die("out of memory");
		}
		r = bench_run(run_allreduce, &a, 10, 7);
		snprintf(name, sizeof(name), "vtrain all-reduce ring 4 MiB x %u cards", n);
		bench_report(name, "ns", r, "memcpy 4 MiB", base, "");
		printf("# %s: busbw %.2f GB/s (memcpy %.2f GB/s)\n", name,
		       2.0 * (n - 1) / n * BYTES / r.median, BYTES / base.median);
		for (unsigned int i = 0; i < n; i++)
			free(a.bufs[i]);
	}
	free(p.src);
	free(p.dst);
	vtrain_topo_fini(&topo);
	return 0;
}

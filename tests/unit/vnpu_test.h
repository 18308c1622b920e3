/* SPDX-License-Identifier: MIT */
/*
 * Helpers of the vnpu executor tests: a flat VA space over malloc'd arenas (one read-write,
 * one read-only) behind struct vnpu_mem_ops that refuses everything else; a command-stream
 * builder; random inputs; bf16 conversion; and the check that a stream wrote nothing but
 * its destination.
 */
#ifndef TEST_VNPU_H
#define TEST_VNPU_H

#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "helpers.h"

#include <uapi/drm/vnpu_accel.h>
#include "drivers/vnpu/vnpu_cmd.h"
#include "../common/vnpu_stream.h"
#include "../common/xorshift64s.h"

#define VT_RW_BASE	0x100000000ull	/* read-write arena */
#define VT_RW_SIZE	(8u << 20)
#define VT_RO_BASE	0x200000000ull	/* read-only arena: writes fault */
#define VT_RO_SIZE	4096u
#define VT_POISON	0xAA

struct vt {
	uint8_t *rw, *ro;
	uint8_t *snap;		/* the arena as it was before the stream ran */
	uint64_t next;		/* bump allocator over the read-write arena */
	uint64_t rng;
	int maps;		/* map calls seen */
	struct vnpu_compute *compute;
	struct vnpu_exec_ctx ctx;
	struct vnpu_exec_result res;
	uint8_t cmds[8192];
	size_t len;
};

static inline void *vt_map(void *arg, uint64_t va, uint64_t len, int write)
{
	struct vt *t = arg;

	t->maps++;
	if (va >= VT_RW_BASE && len <= VT_RW_SIZE && va - VT_RW_BASE <= VT_RW_SIZE - len)
		return t->rw + (va - VT_RW_BASE);
	if (!write && va >= VT_RO_BASE && len <= VT_RO_SIZE && va - VT_RO_BASE <= VT_RO_SIZE - len)
		return t->ro + (va - VT_RO_BASE);
	return NULL;
}

static const struct vnpu_mem_ops vt_mem_ops = { .map = vt_map };

/* Per-test teardown: frees whatever vt_setup() made, even when it failed half-way. */
static inline int vt_teardown(void **state)
{
	struct vt *t = *state;

	if (!t)
		return 0;
	if (t->compute)
		vnpu_compute_destroy(t->compute);
	free(t->rw);
	free(t->ro);
	free(t->snap);
	free(t);
	return 0;
}

/*
 * Per-test setup: the arenas, a seeded generator and a compute context. It asserts nothing
 * (cmocka 1.1 ignores assertions in setup): non-zero on failure, which cmocka reports.
 */
static inline int vt_setup(void **state)
{
	struct vt *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	*state = t;
	t->rw = aligned_alloc(4096, VT_RW_SIZE);
	t->ro = aligned_alloc(4096, VT_RO_SIZE);
	t->snap = malloc(VT_RW_SIZE);
	if (!t->rw || !t->ro || !t->snap)
		goto fail;
	memset(t->rw, VT_POISON, VT_RW_SIZE);
	memset(t->ro, 0x5c, VT_RO_SIZE);
	t->next = VT_RW_BASE;
	/* fresh inputs on every run; the seed is printed so that a failure can be replayed */
	t->rng = getenv("VT_SEED") ? strtoull(getenv("VT_SEED"), NULL, 0) :
				     (uint64_t)time(NULL) * 2654435761u ^ (uint64_t)clock();
	if (!t->rng)
		t->rng = 1;
	print_message("vnpu test seed 0x%llx\n", (unsigned long long)t->rng);
	if (vnpu_compute_create(&t->compute))
		goto fail;
	t->ctx.mem = &vt_mem_ops;
	t->ctx.mem_ctx = t;
	t->ctx.compute = t->compute;
	return 0;

fail:
	vt_teardown(state);
	*state = NULL;
	return -1;
}

/* A fresh, 64-byte aligned range of @bytes in the read-write arena. */
static inline uint64_t vt_alloc(struct vt *t, uint64_t bytes)
{
	uint64_t va = t->next;

	t->next = (t->next + bytes + 63) & ~63ull;
	assert_true(t->next - VT_RW_BASE <= VT_RW_SIZE);
	return va;
}

static inline void *vt_ptr(struct vt *t, uint64_t va)
{
	return t->rw + (va - VT_RW_BASE);
}

/* Append a packet: @pkt of @size bytes, its header filled in for @opcode and @flags. */
static inline void vt_emit_sized(struct vt *t, uint16_t opcode, uint32_t flags, void *pkt, size_t size)
{
	assert_int_equal(vnpu_cmd_append(t->cmds, sizeof(t->cmds), &t->len, opcode, flags, pkt,
					 size), 0);
}

#define vt_emit(t, opcode, flags, pkt) vt_emit_sized(t, opcode, flags, &(pkt), sizeof(pkt))

static inline void vt_fence_write(struct vt *t, uint64_t va, uint64_t value)
{
	struct vnpu_pkt_fence_write f = { .va = va, .value = value };

	vt_emit(t, VNPU_OP_FENCE_WRITE, 0, f);
}

static inline void vt_sem_wait(struct vt *t, uint64_t va, uint64_t value, uint64_t timeout_ns)
{
	struct vnpu_pkt_sem_wait w = { .va = va, .value = value, .timeout_ns = timeout_ns };

	vt_emit(t, VNPU_OP_SEM_WAIT, 0, w);
}

/* Run the stream built so far (and start a new one). */
static inline int vt_run(struct vt *t)
{
	int ret;

	memcpy(t->snap, t->rw, VT_RW_SIZE);
	ret = vnpu_exec_stream(&t->ctx, t->cmds, t->len, &t->res);
	t->len = 0;
	return ret;
}

/* Every byte of the arena outside [@va, @va + @len) is as it was before the run. */
static inline void vt_assert_only_written(struct vt *t, uint64_t va, uint64_t len)
{
	uint64_t off = len ? va - VT_RW_BASE : 0;

	assert_memory_equal(t->rw, t->snap, off);
	assert_memory_equal(t->rw + off + len, t->snap + off + len, VT_RW_SIZE - off - len);
}

static inline void vt_assert_untouched(struct vt *t)
{
	assert_memory_equal(t->rw, t->snap, VT_RW_SIZE);
}

static inline uint64_t vt_rand(struct vt *t)
{
	return xorshift64s(&t->rng);
}

/* Uniform in [-1, 1). */
static inline float vt_randf(struct vt *t)
{
	return xorshift64s_unit(&t->rng);
}

static inline uint16_t vt_f32_to_bf16(float f)
{
	uint32_t u;

	memcpy(&u, &f, 4);
	u += 0x7fff + ((u >> 16) & 1); /* round to nearest even */
	return (uint16_t)(u >> 16);
}

static inline float vt_bf16_to_f32(uint16_t h)
{
	uint32_t u = (uint32_t)h << 16;
	float f;

	memcpy(&f, &u, 4);
	return f;
}

/* Random elements of @dt at @va; @ref gets their exact values. */
static inline void vt_fill_random(struct vt *t, uint64_t va, uint32_t dt, size_t count, double *ref)
{
	size_t i;

	for (i = 0; i < count; i++) {
		float f = vt_randf(t);

		if (dt == VNPU_DT_BF16) {
			uint16_t h = vt_f32_to_bf16(f);

			memcpy((uint8_t *)vt_ptr(t, va) + 2 * i, &h, 2);
			ref[i] = vt_bf16_to_f32(h);
		} else {
			memcpy((uint8_t *)vt_ptr(t, va) + 4 * i, &f, 4);
			ref[i] = f;
		}
	}
}

/* Element @i of a float tensor of @dt at @va. */
static inline double vt_get(struct vt *t, uint64_t va, uint32_t dt, size_t i)
{
	if (dt == VNPU_DT_BF16) {
		uint16_t h;

		memcpy(&h, (uint8_t *)vt_ptr(t, va) + 2 * i, 2);
		return vt_bf16_to_f32(h);
	}
	float f;

	memcpy(&f, (uint8_t *)vt_ptr(t, va) + 4 * i, 4);
	return f;
}

/* Relative tolerance of a result stored as @dt. */
static inline double vt_tol(uint32_t dt)
{
	return dt == VNPU_DT_BF16 ? 1.6e-2 : 1e-4;
}

/*
 * Compare @count results with a float64 reference: |got - ref| <= tol * max(|ref|, @mag[i]
 * or @floor). @mag, when given, is the magnitude of the terms that summed to ref[i].
 */
static inline void vt_check(struct vt *t, uint64_t va, uint32_t dt, size_t count, const double *ref,
		     const double *mag, double floor)
{
	double tol = vt_tol(dt);
	size_t i;

	for (i = 0; i < count; i++) {
		double got = vt_get(t, va, dt, i), m = mag ? mag[i] : floor;
		double lim = tol * fmax(fabs(ref[i]), m);

		if (!(fabs(got - ref[i]) <= lim)) {
			print_error("element %zu: got %.9g, want %.9g (tolerance %.3g)\n", i, got,
				    ref[i], lim);
			fail();
		}
	}
}

/* The bounds the tests give VNPU_ACT_CLIP (exact in bf16 too), and vt_act() assumes. */
#define VT_CLIP_LO	(-0.25f)
#define VT_CLIP_HI	0.5f

static inline double vt_act(uint32_t act, double x)
{
	switch (act) {
	case VNPU_ACT_CLIP:
		return x < VT_CLIP_LO ? VT_CLIP_LO : x > VT_CLIP_HI ? VT_CLIP_HI : x;
	case VNPU_ACT_RELU:
		return x > 0 ? x : 0;
	case VNPU_ACT_GELU_ERF:
		return 0.5 * x * (1 + erf(x / sqrt(2.0)));
	case VNPU_ACT_GELU_TANH:
		return 0.5 * x * (1 + tanh(sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
	case VNPU_ACT_SIGMOID:
		return 1 / (1 + exp(-x));
	case VNPU_ACT_TANH:
		return tanh(x);
	default:
		return x;
	}
}

static inline uint32_t vt_f32_bits(float f)
{
	uint32_t u;

	memcpy(&u, &f, 4);
	return u;
}

#endif

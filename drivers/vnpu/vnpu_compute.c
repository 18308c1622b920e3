// SPDX-License-Identifier: MIT
/*
 * vnpu: the compute engines. Every tensor packet becomes a oneDNN primitive run on the host
 * CPU. Building a primitive (choosing and JIT-compiling a kernel) costs far more than running
 * a small one, and a model repeats the same few shapes, so primitives are cached by the
 * packet's shape fields (the packet with its addresses zeroed); a run then only points the
 * cached memory objects at the operands.
 *
 * Where the CPU has no native kernel for a bf16 operation (oneDNN implements bf16 only from
 * AVX-512 up), the operation runs emulated: bf16 operands are converted to f32 staging
 * buffers, the f32 primitive runs, and bf16 results are rounded back (to nearest even),
 * which is the arithmetic a bf16 engine with f32 accumulation does. The same staging serves
 * convolution weights, which oneDNN wants in a blocked layout of its choosing, unless the
 * program packed them at load into that layout (VNPU_CONV2D_F_PACK_WEIGHTS): the packed
 * layout is exactly the weights descriptor of the primitive the convolution runs, f32 where
 * bf16 is emulated, so packed weights reach the kernel with no conversion at all.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <oneapi/dnnl/dnnl.h>

#include "vnpu_units.h"

#define VNPU_KEY_MAX		128	/* the largest packet, conv2d, is 120 bytes */
#define VNPU_CACHE_SIZE		64
#define VNPU_MAX_ARGS		5
#define VNPU_MAX_INTERNAL	3

_Static_assert(sizeof(struct vnpu_pkt_conv2d) <= VNPU_KEY_MAX, "cache key too small");

/*
 * struct vnpu_arg - one operand of a cached primitive.
 * @id: its DNNL_ARG_*; @out: written by the primitive.
 * @user: wraps the operand in the job's memory; its handle is set on every run.
 * @stage: the copy the primitive works on when it wants another type (emulated bf16) or
 *	layout (blocked weights) than the operand's, else NULL.
 * @cvt: the reorder between @user and @stage (in before the run, out after it).
 * @cvt_in: for a staged output the primitive also reads (an accumulating destination), the
 *	reorder from @user into @stage before the run, else NULL.
 */
struct vnpu_arg {
	int id;
	bool out;
	dnnl_memory_t user;
	dnnl_memory_t stage;
	dnnl_primitive_t cvt;
	dnnl_primitive_t cvt_in;
};

/*
 * struct vnpu_prim - a cache entry.
 * @key, @key_len: the shape it was built for; @key_len 0 marks a free slot.
 * @last_use: the compute clock at its last use, for LRU eviction.
 * @internal: buffers the primitive needs that are no operand (statistics, workspace).
 * @exec: the argument list of @prim, built once.
 * @adopt: 1 + the index of the operand that lies in the primitive's own layout (packed
 *	convolution weights: its user memory has the primitive's descriptor), else 0.
 */
struct vnpu_prim {
	uint8_t key[VNPU_KEY_MAX];
	size_t key_len;
	uint64_t last_use;
	dnnl_primitive_t prim;
	int nargs;
	struct vnpu_arg args[VNPU_MAX_ARGS];
	int ninternal;
	dnnl_memory_t internal[VNPU_MAX_INTERNAL];
	int nexec;
	dnnl_exec_arg_t exec[VNPU_MAX_ARGS + VNPU_MAX_INTERNAL];
	int adopt;
};

/*
 * struct vnpu_compute - the compute engine state. @engine is constant; @lock guards the rest
 * (@stream runs one primitive at a time; the cache and @clock change on every packet).
 * @int8_exact: oneDNN's int8 kernels accumulate exactly here (the CPU has VNNI).
 */
struct vnpu_compute {
	dnnl_engine_t engine;
	bool int8_exact;
	pthread_mutex_t lock;
	dnnl_stream_t stream;
	uint64_t clock;
	struct vnpu_prim cache[VNPU_CACHE_SIZE];
};

/*
 * struct vnpu_build - a primitive being built: its operands' descriptors as they lie in the
 * job's memory (@user) and as the primitive sees them (@comp: the same, or f32 when
 * emulated), in the op's argument order; and the attributes (activation epilogue).
 * @adopt: 1 + the index of an operand that the job holds in the layout and type the
 *	primitive chooses (packed weights; its @user is then only what the choice is made
 *	from), else 0.
 * @adopt_bytes: the bytes the job has mapped for that operand: a primitive wanting more is
 *	not run (the check is made under the lock that runs it, so it holds for the very
 *	primitive that reads the operand, even one rebuilt since the packet was checked).
 * @inout: the output operands the primitive also reads (an accumulating destination).
 */
struct vnpu_build {
	int nargs;
	int id[VNPU_MAX_ARGS];
	bool out[VNPU_MAX_ARGS];
	bool inout[VNPU_MAX_ARGS];
	dnnl_memory_desc_t user[VNPU_MAX_ARGS];
	dnnl_memory_desc_t comp[VNPU_MAX_ARGS];
	dnnl_primitive_attr_t attr;
	const void *pkt;
	int adopt;
	uint64_t adopt_bytes;
};

/* Create the primitive descriptor of @b's operation from @b->comp. */
typedef dnnl_status_t (*vnpu_pd_fn)(struct vnpu_compute *c, struct vnpu_build *b,
				    dnnl_primitive_desc_t *pd);

static int vnpu_dnnl_errno(dnnl_status_t s)
{
	switch (s) {
	case dnnl_success:
		return 0;
	case dnnl_out_of_memory:
		return -ENOMEM;
	case dnnl_invalid_arguments:
		return -EINVAL;
	case dnnl_unimplemented:
		return -EOPNOTSUPP;
	default:
		return -EIO;
	}
}

static dnnl_data_type_t vnpu_dnnl_dt(uint32_t dt)
{
	switch (dt) {
	case VNPU_DT_F32:
		return dnnl_f32;
	case VNPU_DT_BF16:
		return dnnl_bf16;
	case VNPU_DT_S8:
		return dnnl_s8;
	case VNPU_DT_S32:
		return dnnl_s32;
	default:
		return dnnl_data_type_undef;
	}
}

/* The oneDNN eltwise algorithm of a VNPU_ACT_* other than NONE. */
static dnnl_alg_kind_t vnpu_act_alg(uint32_t act)
{
	switch (act) {
	case VNPU_ACT_RELU:
		return dnnl_eltwise_relu;
	case VNPU_ACT_GELU_ERF:
		return dnnl_eltwise_gelu_erf;
	case VNPU_ACT_GELU_TANH:
		return dnnl_eltwise_gelu_tanh;
	case VNPU_ACT_SIGMOID:
		return dnnl_eltwise_logistic;
	default:
		return dnnl_eltwise_tanh;
	}
}

/* Dense row-major tag of @ndims dimensions. */
static dnnl_format_tag_t vnpu_plain_tag(int ndims)
{
	static const dnnl_format_tag_t tags[] = { dnnl_a, dnnl_ab, dnnl_abc, dnnl_abcd,
						  dnnl_abcde };

	return tags[ndims - 1];
}

/* Append an operand; @md describes it in the job's memory. */
static void vnpu_build_arg(struct vnpu_build *b, int id, bool out, const dnnl_memory_desc_t *md)
{
	b->id[b->nargs] = id;
	b->out[b->nargs] = out;
	b->user[b->nargs] = *md;
	b->nargs++;
}

static int vnpu_build_md(struct vnpu_build *b, int id, bool out, int ndims, const dnnl_dims_t dims,
			 dnnl_data_type_t dt, dnnl_format_tag_t tag)
{
	dnnl_memory_desc_t md;
	dnnl_status_t s;

	s = dnnl_memory_desc_init_by_tag(&md, ndims, dims, dt, tag);
	if (s != dnnl_success)
		return vnpu_dnnl_errno(s);
	vnpu_build_arg(b, id, out, &md);
	return 0;
}

/*
 * The epilogue as post-ops on @b->attr: with @sum the destination's prior contents added
 * (oneDNN's sum post-op), then the activation; @alpha_bits and @beta_bits are CLIP's bounds
 * (binary32 bit patterns, checked). CLIP is oneDNN's clip_v2, which lets NaN through as
 * min(max(x, lo), hi) does, where its first clip would give lo.
 */
static int vnpu_build_epilogue_sum(struct vnpu_build *b, bool sum, uint32_t act,
				   uint32_t alpha_bits, uint32_t beta_bits)
{
	dnnl_alg_kind_t alg = vnpu_act_alg(act);
	float alpha = 0.0f, beta = 0.0f;
	dnnl_post_ops_t po;
	dnnl_status_t s;

	if (act == VNPU_ACT_NONE && !sum)
		return 0;
	if (act == VNPU_ACT_CLIP) {
		alg = dnnl_eltwise_clip_v2;
		memcpy(&alpha, &alpha_bits, sizeof(alpha));
		memcpy(&beta, &beta_bits, sizeof(beta));
	}
	s = dnnl_primitive_attr_create(&b->attr);
	if (s != dnnl_success)
		return vnpu_dnnl_errno(s);
	s = dnnl_post_ops_create(&po);
	if (s != dnnl_success)
		return vnpu_dnnl_errno(s);
	if (sum)
		s = dnnl_post_ops_append_sum(po, 1.0f);
	if (s == dnnl_success && act != VNPU_ACT_NONE)
		s = dnnl_post_ops_append_eltwise(po, 1.0f, alg, alpha, beta);
	if (s == dnnl_success)
		s = dnnl_primitive_attr_set_post_ops(b->attr, po);
	dnnl_post_ops_destroy(po);
	return vnpu_dnnl_errno(s);
}

/* The activation epilogue alone (vnpu_build_epilogue_sum() without the sum). */
static int vnpu_build_epilogue(struct vnpu_build *b, uint32_t act, uint32_t alpha_bits,
			       uint32_t beta_bits)
{
	return vnpu_build_epilogue_sum(b, false, act, alpha_bits, beta_bits);
}

static void vnpu_prim_release(struct vnpu_prim *pr)
{
	int i;

	for (i = 0; i < pr->nargs; i++) {
		struct vnpu_arg *a = &pr->args[i];

		if (a->cvt)
			dnnl_primitive_destroy(a->cvt);
		if (a->cvt_in)
			dnnl_primitive_destroy(a->cvt_in);
		if (a->stage)
			dnnl_memory_destroy(a->stage);
		if (a->user)
			dnnl_memory_destroy(a->user);
	}
	for (i = 0; i < pr->ninternal; i++)
		dnnl_memory_destroy(pr->internal[i]);
	if (pr->prim)
		dnnl_primitive_destroy(pr->prim);
	memset(pr, 0, sizeof(*pr));
}

/* A reorder between two descriptors, as a primitive. */
static dnnl_status_t vnpu_reorder_create(struct vnpu_compute *c, const dnnl_memory_desc_t *from,
					 const dnnl_memory_desc_t *to, dnnl_primitive_t *out)
{
	dnnl_primitive_desc_t pd;
	dnnl_status_t s;

	s = dnnl_reorder_primitive_desc_create(&pd, from, c->engine, to, c->engine, NULL);
	if (s != dnnl_success)
		return s;
	s = dnnl_primitive_create(out, pd);
	dnnl_primitive_desc_destroy(pd);
	return s;
}

/*
 * @a's staging buffer in the primitive's descriptor @md, and the conversion from (or to)
 * @user; both ways for an output the primitive also reads (@inout).
 */
static dnnl_status_t vnpu_arg_stage(struct vnpu_compute *c, struct vnpu_arg *a, bool inout,
				    const dnnl_memory_desc_t *user, const dnnl_memory_desc_t *md)
{
	dnnl_status_t s;

	s = dnnl_memory_create(&a->stage, md, c->engine, DNNL_MEMORY_ALLOCATE);
	if (s != dnnl_success)
		return s;
	if (a->out && inout) {
		s = vnpu_reorder_create(c, user, md, &a->cvt_in);
		if (s != dnnl_success)
			return s;
	}
	return a->out ? vnpu_reorder_create(c, md, user, &a->cvt) :
			vnpu_reorder_create(c, user, md, &a->cvt);
}

/*
 * Fill @pr from a primitive descriptor: the primitive, a memory object per operand (with a
 * staging buffer and a conversion where the primitive works on another type or layout than
 * the operand's), and any internal buffer the primitive asks for.
 */
static dnnl_status_t vnpu_prim_init(struct vnpu_compute *c, struct vnpu_prim *pr,
				    const struct vnpu_build *b, dnnl_primitive_desc_t pd)
{
	static const int internal_ids[] = { DNNL_ARG_MEAN, DNNL_ARG_VARIANCE, DNNL_ARG_WORKSPACE };
	dnnl_status_t s;
	size_t i;

	s = dnnl_primitive_create(&pr->prim, pd);
	if (s != dnnl_success)
		return s;
	for (i = 0; i < (size_t)b->nargs; i++) {
		struct vnpu_arg *a = &pr->args[i];
		const dnnl_memory_desc_t *md;

		a->id = b->id[i];
		a->out = b->out[i];
		pr->nargs++;
		/* the layout and type the primitive settled on: f32 when emulated, blocked
		 * weights where an operand was left to the primitive's choice */
		md = dnnl_primitive_desc_query_md(pd, dnnl_query_exec_arg_md, a->id);
		if (!md)
			return dnnl_runtime_error;
		if ((int)i == b->adopt - 1) {
			/* already in that layout (packed): used as it lies, never staged */
			s = dnnl_memory_create(&a->user, md, c->engine, DNNL_MEMORY_NONE);
			pr->adopt = b->adopt;
		} else {
			s = dnnl_memory_create(&a->user, &b->user[i], c->engine, DNNL_MEMORY_NONE);
			if (s == dnnl_success && !dnnl_memory_desc_equal(&b->user[i], md))
				s = vnpu_arg_stage(c, a, b->inout[i], &b->user[i], md);
		}
		if (s != dnnl_success)
			return s;
		pr->exec[pr->nexec].arg = a->id;
		pr->exec[pr->nexec].memory = a->stage ? a->stage : a->user;
		pr->nexec++;
	}
	for (i = 0; i < sizeof(internal_ids) / sizeof(internal_ids[0]); i++) {
		const dnnl_memory_desc_t *md;

		md = dnnl_primitive_desc_query_md(pd, dnnl_query_exec_arg_md, internal_ids[i]);
		if (!md || !dnnl_memory_desc_get_size(md))
			continue;
		s = dnnl_memory_create(&pr->internal[pr->ninternal], md, c->engine,
				       DNNL_MEMORY_ALLOCATE);
		if (s != dnnl_success)
			return s;
		pr->exec[pr->nexec].arg = internal_ids[i];
		pr->exec[pr->nexec].memory = pr->internal[pr->ninternal];
		pr->ninternal++;
		pr->nexec++;
	}
	return dnnl_success;
}

/*
 * The primitive for @key: from the cache, or built into the least recently used slot.
 * Builds natively first; when oneDNN has no native kernel for it and an operand is bf16, builds the f32
 * emulation. Consumes @b->attr. Called with @c->lock held; @fn may itself get a primitive
 * (an accumulating convolution asks for its plain one's weights layout), so the slot to
 * build into is chosen only once @fn has returned.
 */
static int vnpu_prim_get(struct vnpu_compute *c, const void *key, size_t key_len,
			 struct vnpu_build *b, vnpu_pd_fn fn, struct vnpu_prim **out)
{
	struct vnpu_prim *pr, *victim = &c->cache[0];
	dnnl_primitive_desc_t pd = NULL;
	bool has_bf16 = false;
	dnnl_status_t s;
	int i, ret;

	c->clock++;
	for (i = 0; i < VNPU_CACHE_SIZE; i++) {
		pr = &c->cache[i];
		if (pr->key_len == key_len && !memcmp(pr->key, key, key_len)) {
			pr->last_use = c->clock;
			*out = pr;
			ret = 0;
			goto out_attr;
		}
	}

	for (i = 0; i < b->nargs; i++) {
		b->comp[i] = b->user[i];
		has_bf16 |= b->user[i].data_type == dnnl_bf16;
	}
	s = fn(c, b, &pd);
	if (s == dnnl_unimplemented && has_bf16) {
		for (i = 0; i < b->nargs; i++) {
			if (b->user[i].data_type != dnnl_bf16)
				continue;
			s = dnnl_memory_desc_init_by_tag(&b->comp[i], b->user[i].ndims,
							 b->user[i].dims, dnnl_f32,
							 vnpu_plain_tag(b->user[i].ndims));
			if (s != dnnl_success)
				break;
		}
		if (s == dnnl_success || s == dnnl_unimplemented)
			s = fn(c, b, &pd);
	}
	if (s != dnnl_success) {
		ret = vnpu_dnnl_errno(s);
		goto out_attr;
	}

	for (i = 0; i < VNPU_CACHE_SIZE; i++) {
		pr = &c->cache[i];
		if (!pr->key_len)
			victim = pr;
		else if (victim->key_len && pr->last_use < victim->last_use)
			victim = pr;
	}
	vnpu_prim_release(victim);
	s = vnpu_prim_init(c, victim, b, pd);
	dnnl_primitive_desc_destroy(pd);
	if (s != dnnl_success) {
		vnpu_prim_release(victim);
		ret = vnpu_dnnl_errno(s);
		goto out_attr;
	}
	memcpy(victim->key, key, key_len);
	victim->key_len = key_len;
	victim->last_use = c->clock;
	*out = victim;
	ret = 0;
out_attr:
	if (b->attr)
		dnnl_primitive_attr_destroy(b->attr);
	b->attr = NULL;
	return ret;
}

/* Run a cached primitive on the operands @ptrs, in its argument order. */
static int vnpu_prim_run(struct vnpu_compute *c, struct vnpu_prim *pr, void *const *ptrs)
{
	dnnl_status_t s = dnnl_success;
	int i;

	for (i = 0; i < pr->nargs && s == dnnl_success; i++)
		s = dnnl_memory_set_data_handle(pr->args[i].user, ptrs[i]);
	for (i = 0; i < pr->nargs && s == dnnl_success; i++) {
		struct vnpu_arg *a = &pr->args[i];
		dnnl_exec_arg_t args[2] = { { DNNL_ARG_FROM, a->user }, { DNNL_ARG_TO, a->stage } };

		if (a->cvt && !a->out)
			s = dnnl_primitive_execute(a->cvt, c->stream, 2, args);
		else if (a->cvt_in)
			s = dnnl_primitive_execute(a->cvt_in, c->stream, 2, args);
	}
	if (s == dnnl_success)
		s = dnnl_primitive_execute(pr->prim, c->stream, pr->nexec, pr->exec);
	for (i = 0; i < pr->nargs && s == dnnl_success; i++) {
		struct vnpu_arg *a = &pr->args[i];
		dnnl_exec_arg_t args[2] = { { DNNL_ARG_FROM, a->stage }, { DNNL_ARG_TO, a->user } };

		if (a->cvt && a->out)
			s = dnnl_primitive_execute(a->cvt, c->stream, 2, args);
	}
	if (s == dnnl_success)
		s = dnnl_stream_wait(c->stream);
	return vnpu_dnnl_errno(s);
}

/* The descriptor of the operand of @pr in the primitive's own layout (packed weights). */
static const dnnl_memory_desc_t *vnpu_packed_md(const struct vnpu_prim *pr)
{
	const dnnl_memory_desc_t *md = NULL;

	if (dnnl_memory_get_memory_desc(pr->args[pr->adopt - 1].user, &md) != dnnl_success)
		return NULL;
	return md;
}

/* The cache key of @pkt: the packet with the VA fields at @vas (@nvas) and its length zeroed. */
static void vnpu_key(uint8_t *key, const void *pkt, size_t size, const size_t *vas, int nvas)
{
	struct vnpu_pkt_header hdr;
	int i;

	memcpy(key, pkt, size);
	for (i = 0; i < nvas; i++)
		memset(key + vas[i], 0, sizeof(uint64_t));
	/* the length may include a zero extension tail, which does not change the operation */
	memcpy(&hdr, key, sizeof(hdr));
	hdr.length = 0;
	memcpy(key, &hdr, sizeof(hdr));
}

/* OpenMP's API (libgomp, oneDNN's threading here), declared as the standard has it. */
extern int omp_get_max_threads(void);
extern void omp_set_num_threads(int n);

/* Below these, an operation runs on the engine's thread alone (vnpu_team_enter()). */
#define VNPU_ALONE_MACS		(1u << 21)
#define VNPU_ALONE_ELEMS	(1u << 18)

static double vnpu_md_elems(const dnnl_memory_desc_t *md)
{
	double n = 1;

	for (int d = 0; d < md->ndims; d++)
		n *= (double)md->dims[d];
	return n;
}

/*
 * Whether @b's operation is small: fewer than VNPU_ALONE_MACS multiply-adds for one with
 * weights (a convolution: output elements times C/groups x KH x KW; a product: output
 * elements times K), else fewer than VNPU_ALONE_ELEMS elements in all its operands.
 */
static bool vnpu_build_small(const struct vnpu_build *b)
{
	double touched = 0, dst = 0, per_out = 0;
	bool weights = false;

	for (int i = 0; i < b->nargs; i++) {
		const dnnl_memory_desc_t *md = &b->user[i];
		double n = vnpu_md_elems(md);

		touched += n;
		if (b->id[i] == DNNL_ARG_DST)
			dst = n;
		if (b->id[i] != DNNL_ARG_WEIGHTS)
			continue;
		weights = true;
		if (md->ndims >= 4)	/* (G,) O, I, KH, KW */
			per_out = (double)md->dims[md->ndims - 3] * (double)md->dims[md->ndims - 2] *
				  (double)md->dims[md->ndims - 1];
		else if (md->ndims >= 2)	/* (batch,) K, N */
			per_out = (double)md->dims[md->ndims - 2];
	}
	if (weights)
		return dst * per_out < (double)VNPU_ALONE_MACS;
	return touched < (double)VNPU_ALONE_ELEMS;
}

/*
 * A small operation (vnpu_build_small()) runs on the engine's thread alone, as
 * vnpu_compute_matmul() does for small products: waking the engine's OpenMP team for a few
 * microseconds of work costs more than the work, and on a loaded machine a scheduler slice
 * (Fashion-MNIST's job, 8 such packets, took 80 us with a team of 2 and 57 us alone; at
 * batch 8 its first pool, 125 K elements, took 25 us with the team and 6.5 us alone). The
 * primitive of a shape is built and run under the same setting, so its thread split always
 * matches the threads it gets. Return: the team size to restore with vnpu_team_leave(), 0
 * when nothing changed.
 */
static int vnpu_team_enter(const struct vnpu_build *b)
{
	int team;

	if (!vnpu_build_small(b))
		return 0;
	team = omp_get_max_threads();
	if (team <= 1)
		return 0;
	omp_set_num_threads(1);
	return team;
}

static void vnpu_team_leave(int team)
{
	if (team)
		omp_set_num_threads(team);
}

/*
 * Look up (or build) and run. @pkt is the packet's private copy; @size its struct size;
 * @vas the offsets of its VA fields, zeroed in the key so that one primitive serves every
 * placement of the same shape.
 */
static int vnpu_compute_run(struct vnpu_compute *c, const void *pkt, size_t size,
			    const size_t *vas, int nvas, struct vnpu_build *b, vnpu_pd_fn fn,
			    void *const *ptrs)
{
	uint8_t key[VNPU_KEY_MAX];
	struct vnpu_prim *pr = NULL;
	int ret, team;

	vnpu_key(key, pkt, size, vas, nvas);
	b->pkt = pkt;
	team = vnpu_team_enter(b);

	pthread_mutex_lock(&c->lock);
	ret = vnpu_prim_get(c, key, size, b, fn, &pr);
	if (!ret && pr->adopt) {
		const dnnl_memory_desc_t *md = vnpu_packed_md(pr);

		if (!md || dnnl_memory_desc_get_size(md) > b->adopt_bytes)
			ret = -EIO;
	}
	if (!ret)
		ret = vnpu_prim_run(c, pr, ptrs);
	pthread_mutex_unlock(&c->lock);
	vnpu_team_leave(team);
	return ret;
}

/* Run with the key built from @p with the VA fields at the given offsets zeroed. */
#define VNPU_RUN(c, p, b, fn, ptrs, ...)                                                       \
	({                                                                                     \
		static const size_t __vas[] = { __VA_ARGS__ };                                 \
		vnpu_compute_run(c, p, sizeof(*(p)), __vas,                                    \
				 (int)(sizeof(__vas) / sizeof(__vas[0])), b, fn, ptrs);       \
	})

/* ---- matmul ---------------------------------------------------------------------------- */

static dnnl_status_t vnpu_matmul_pd(struct vnpu_compute *c, struct vnpu_build *b,
				    dnnl_primitive_desc_t *pd)
{
	const struct vnpu_pkt_matmul *p = b->pkt;
	bool bias = p->hdr.flags & VNPU_MATMUL_F_BIAS;
	dnnl_matmul_desc_t d;
	dnnl_status_t s;

	s = dnnl_matmul_desc_init(&d, &b->comp[0], &b->comp[1], bias ? &b->comp[2] : NULL,
				  &b->comp[bias ? 3 : 2]);
	if (s != dnnl_success)
		return s;
	return dnnl_primitive_desc_create(pd, &d, b->attr, c->engine, NULL);
}

/*
 * A matrix operand with its leading dimension, transposed or not, as a 2-D descriptor, or
 * 3-D with the batch outermost (matrix i at i * rows * ld).
 */
static int vnpu_matrix_md(struct vnpu_build *b, int id, bool out, uint32_t batch, uint32_t rows,
			  uint32_t cols, uint32_t ld, bool trans, dnnl_data_type_t dt)
{
	/* logical rows x cols; stored (cols x rows) when transposed */
	uint64_t stored_rows = trans ? cols : rows;
	dnnl_dims_t dims = { batch, rows, cols }, strides;
	dnnl_memory_desc_t md;
	dnnl_status_t s;
	int off = batch > 1 ? 1 : 0;

	strides[0] = (dnnl_dim_t)(stored_rows * ld);
	strides[off] = trans ? 1 : ld;
	strides[off + 1] = trans ? ld : 1;
	if (!off) {
		dims[0] = rows;
		dims[1] = cols;
	}
	s = dnnl_memory_desc_init_by_strides(&md, 2 + off, dims, dt, strides);
	if (s != dnnl_success)
		return vnpu_dnnl_errno(s);
	vnpu_build_arg(b, id, out, &md);
	return 0;
}

/* MATMUL as one oneDNN primitive, its bias and activation as the primitive's epilogue. */
static int vnpu_compute_matmul_prim(struct vnpu_compute *c, const struct vnpu_pkt_matmul *p,
				    void *a, void *b, void *bias, void *dst)
{
	bool has_bias = p->hdr.flags & VNPU_MATMUL_F_BIAS;
	dnnl_data_type_t sdt = vnpu_dnnl_dt(p->src_type), ddt = vnpu_dnnl_dt(p->dst_type);
	struct vnpu_build bd = { 0 };
	void *ptrs[4] = { a, b, bias, dst };
	int ret;

	ret = vnpu_matrix_md(&bd, DNNL_ARG_SRC, false, p->batch, p->m, p->k, p->lda,
			     p->hdr.flags & VNPU_MATMUL_F_TRANS_A, sdt);
	if (!ret)
		ret = vnpu_matrix_md(&bd, DNNL_ARG_WEIGHTS, false, p->batch, p->k, p->n, p->ldb,
				     p->hdr.flags & VNPU_MATMUL_F_TRANS_B, sdt);
	if (!ret && has_bias) {
		dnnl_dims_t dims = { 1, 1, p->n };
		int nd = p->batch > 1 ? 3 : 2;

		if (nd == 2)
			dims[1] = p->n;
		ret = vnpu_build_md(&bd, DNNL_ARG_BIAS, false, nd, dims,
				    p->src_type == VNPU_DT_S8 ? dnnl_s32 : dnnl_f32,
				    vnpu_plain_tag(nd));
	}
	if (!ret)
		ret = vnpu_matrix_md(&bd, DNNL_ARG_DST, true, p->batch, p->m, p->n, p->ldc, false,
				     ddt);
	if (!ret)
		ret = vnpu_build_epilogue(&bd, p->act, p->act_alpha, p->act_beta);
	if (ret) {
		if (bd.attr)
			dnnl_primitive_attr_destroy(bd.attr);
		return ret;
	}
	if (!has_bias)
		ptrs[2] = dst;
	return VNPU_RUN(c, p, &bd, vnpu_matmul_pd, ptrs,
			offsetof(struct vnpu_pkt_matmul, a_va), offsetof(struct vnpu_pkt_matmul, b_va),
			offsetof(struct vnpu_pkt_matmul, bias_va),
			offsetof(struct vnpu_pkt_matmul, c_va));
}

/**
 * vnpu_compute_matmul() - run a checked MATMUL packet.
 * @c: the compute state.
 * @p: the packet, leading dimensions resolved (non-zero).
 * @a, @b, @bias, @dst: the operands (@bias NULL without VNPU_MATMUL_F_BIAS).
 *
 * Return: 0 or a negative errno from building or running the primitive.
 */
int vnpu_compute_matmul(struct vnpu_compute *c, const struct vnpu_pkt_matmul *p, void *a,
			void *b, void *bias, void *dst)
{
	/* OpenMP's API (libgomp, oneDNN's threading here), declared as the standard has it. */
	extern int omp_get_max_threads(void);
	extern void omp_set_num_threads(int n);
	struct vnpu_pkt_matmul plain;
	int ret, team = 0;

	/*
	 * A small product (64^3 is 0.26 M multiply-adds) runs on the engine's thread alone:
	 * waking the engine's OpenMP team for it costs more than the work, and on a loaded
	 * machine a scheduler slice per job (milliseconds, where the job is microseconds). The
	 * primitive of a shape is built and run under the same setting, so its thread split
	 * always matches the threads it gets.
	 */
	if ((double)p->batch * p->m * p->n * p->k < (double)(1u << 21)) {
		team = omp_get_max_threads();
		omp_set_num_threads(1);
	}
	if (p->src_type != VNPU_DT_S8) {
		ret = vnpu_compute_matmul_prim(c, p, a, b, bias, dst);
		goto out;
	}
	if (!c->int8_exact) {
		ret = vnpu_int8_matmul(p, a, b, bias, dst);
		goto out;
	}
	/* oneDNN's exact part, the s32 accumulators; the epilogue in integers after it */
	plain = *p;
	plain.hdr.flags &= ~VNPU_MATMUL_F_BIAS;
	plain.bias_va = 0;
	plain.act = VNPU_ACT_NONE;
	ret = vnpu_compute_matmul_prim(c, &plain, a, b, NULL, dst);
	if (!ret && (bias || p->act != VNPU_ACT_NONE))
		vnpu_int8_epilogue(p, bias, dst);
out:
	if (team)
		omp_set_num_threads(team);
	return ret;
}

/* ---- conv2d ---------------------------------------------------------------------------- */

static int vnpu_conv2d_packed_prim(struct vnpu_compute *c, const struct vnpu_pkt_conv2d *p,
				   struct vnpu_prim **pr);
static const dnnl_memory_desc_t *vnpu_packed_md(const struct vnpu_prim *pr);

static dnnl_status_t vnpu_conv2d_pd(struct vnpu_compute *c, struct vnpu_build *b,
				    dnnl_primitive_desc_t *pd)
{
	const struct vnpu_pkt_conv2d *p = b->pkt;
	bool bias = p->hdr.flags & VNPU_CONV2D_F_BIAS;
	dnnl_dims_t strides = { p->stride_h, p->stride_w };
	/* oneDNN counts dilation from 0 (0 = dense), the ISA from 1 */
	dnnl_dims_t dil = { p->dil_h - 1, p->dil_w - 1 };
	dnnl_dims_t pad_l = { p->pad_top, p->pad_left }, pad_r = { p->pad_bottom, p->pad_right };
	dnnl_convolution_desc_t d;
	dnnl_memory_desc_t wei;
	dnnl_status_t s;

	/*
	 * The weights' layout is left to oneDNN: its fast kernels want them blocked, and with
	 * OHWI imposed it falls back to its reference code (slower by two orders of magnitude).
	 * OHWI weights are then reordered on every run; packed ones (F_WEI_PACKED) were put in
	 * this layout once, by a PACK_WEIGHTS packet that built this same descriptor.
	 */
	s = dnnl_memory_desc_init_by_tag(&wei, b->comp[1].ndims, b->comp[1].dims,
					 b->comp[1].data_type, dnnl_format_tag_any);
	if (s != dnnl_success)
		return s;
	/*
	 * An accumulating convolution on packed weights reads the layout they were packed in,
	 * the plain convolution's (ACCUMULATE does not change the packed layout): that one's
	 * descriptor is imposed rather than chosen again, in case the sum would choose another.
	 */
	if ((p->hdr.flags & VNPU_CONV2D_F_ACCUMULATE) && (p->hdr.flags & VNPU_CONV2D_F_WEI_PACKED)) {
		const dnnl_memory_desc_t *md;
		struct vnpu_prim *plain;

		if (vnpu_conv2d_packed_prim(c, p, &plain))
			return dnnl_runtime_error;
		md = vnpu_packed_md(plain);
		if (!md)
			return dnnl_runtime_error;
		wei = *md;
	}
	s = dnnl_dilated_convolution_forward_desc_init(&d, dnnl_forward_inference,
						       dnnl_convolution_direct, &b->comp[0],
						       &wei, bias ? &b->comp[2] : NULL,
						       &b->comp[bias ? 3 : 2], strides, dil,
						       pad_l, pad_r);
	if (s != dnnl_success)
		return s;
	return dnnl_primitive_desc_create(pd, &d, b->attr, c->engine, NULL);
}

/*
 * The operands of convolution @p as they lie in the job's memory (weights OHWI per group,
 * or, with VNPU_CONV2D_F_WEI_PACKED, in the layout the primitive chooses from OHWI) and its
 * epilogue, into @bd. On error @bd holds nothing to free.
 */
static int vnpu_conv2d_build(const struct vnpu_pkt_conv2d *p, struct vnpu_build *bd)
{
	bool has_bias = p->hdr.flags & VNPU_CONV2D_F_BIAS;
	dnnl_data_type_t dt = vnpu_dnnl_dt(p->dtype);
	uint64_t ekh = (uint64_t)(p->kh - 1) * p->dil_h + 1, ekw = (uint64_t)(p->kw - 1) * p->dil_w + 1;
	uint64_t oh = ((uint64_t)p->h + p->pad_top + p->pad_bottom - ekh) / p->stride_h + 1;
	uint64_t ow = ((uint64_t)p->w + p->pad_left + p->pad_right - ekw) / p->stride_w + 1;
	dnnl_dims_t sdims = { p->n, p->c, p->h, p->w }, ddims = { p->n, p->oc, oh, ow };
	dnnl_dims_t bdims = { p->oc };
	int ret;

	ret = vnpu_build_md(bd, DNNL_ARG_SRC, false, 4, sdims, dt, dnnl_nhwc);
	if (!ret && p->groups > 1) {
		dnnl_dims_t wdims = { p->groups, p->oc / p->groups, p->c / p->groups, p->kh, p->kw };

		ret = vnpu_build_md(bd, DNNL_ARG_WEIGHTS, false, 5, wdims, dt, dnnl_gohwi);
	} else if (!ret) {
		dnnl_dims_t wdims = { p->oc, p->c, p->kh, p->kw };

		ret = vnpu_build_md(bd, DNNL_ARG_WEIGHTS, false, 4, wdims, dt, dnnl_ohwi);
	}
	if (!ret && has_bias)
		ret = vnpu_build_md(bd, DNNL_ARG_BIAS, false, 1, bdims, dnnl_f32, dnnl_a);
	if (!ret)
		ret = vnpu_build_md(bd, DNNL_ARG_DST, true, 4, ddims, dt, dnnl_nhwc);
	if (!ret && (p->hdr.flags & VNPU_CONV2D_F_ACCUMULATE))
		bd->inout[bd->nargs - 1] = true;
	if (!ret)
		ret = vnpu_build_epilogue_sum(bd, p->hdr.flags & VNPU_CONV2D_F_ACCUMULATE, p->act,
					      p->act_alpha, p->act_beta);
	if (ret) {
		if (bd->attr)
			dnnl_primitive_attr_destroy(bd->attr);
		bd->attr = NULL;
		return ret;
	}
	if (p->hdr.flags & VNPU_CONV2D_F_WEI_PACKED)
		bd->adopt = 2;
	return 0;
}

#define VNPU_CONV2D_VAS                                                                        \
	offsetof(struct vnpu_pkt_conv2d, src_va), offsetof(struct vnpu_pkt_conv2d, wei_va),    \
		offsetof(struct vnpu_pkt_conv2d, bias_va), offsetof(struct vnpu_pkt_conv2d, dst_va)

/**
 * vnpu_compute_conv2d() - run a checked CONV2D packet (NHWC, weights OHWI per group, or
 * packed with VNPU_CONV2D_F_WEI_PACKED).
 * @c: the compute state.
 * @p: the packet.
 * @src, @wei, @bias, @dst: the operands (@bias NULL without VNPU_CONV2D_F_BIAS).
 * @wei_bytes: the bytes mapped at @wei.
 *
 * Return: 0 or a negative errno from building or running the primitive; -EIO for packed
 * weights whose primitive wants more than @wei_bytes (not run).
 */
int vnpu_compute_conv2d(struct vnpu_compute *c, const struct vnpu_pkt_conv2d *p, void *src,
			void *wei, uint64_t wei_bytes, void *bias, void *dst)
{
	struct vnpu_build bd = { 0 };
	void *ptrs[4] = { src, wei, bias, dst };
	int ret;

	ret = vnpu_conv2d_build(p, &bd);
	if (ret)
		return ret;
	bd.adopt_bytes = wei_bytes;
	if (!(p->hdr.flags & VNPU_CONV2D_F_BIAS))
		ptrs[2] = dst;
	return VNPU_RUN(c, p, &bd, vnpu_conv2d_pd, ptrs, VNPU_CONV2D_VAS);
}

/*
 * The cached primitive of the convolution whose weights a PACK_SIZE or PACK_WEIGHTS packet
 * (or a WEI_PACKED one) @p is about: @p with WEI_PACKED for its PACK_* flag, under the key a
 * run of that convolution looks up, so that packing also builds what the runs will use.
 * Called with @c->lock held; the entry stays valid until the lock is dropped.
 */
static int vnpu_conv2d_packed_prim(struct vnpu_compute *c, const struct vnpu_pkt_conv2d *p,
				   struct vnpu_prim **pr)
{
	static const size_t vas[] = { VNPU_CONV2D_VAS };
	struct vnpu_pkt_conv2d conv = *p;
	uint8_t key[VNPU_KEY_MAX];
	struct vnpu_build bd = { 0 };
	int ret, team;

	conv.hdr.flags = (p->hdr.flags & VNPU_CONV2D_F_BIAS) | VNPU_CONV2D_F_WEI_PACKED;
	ret = vnpu_conv2d_build(&conv, &bd);
	if (ret)
		return ret;
	vnpu_key(key, &conv, sizeof(conv), vas, (int)(sizeof(vas) / sizeof(vas[0])));
	bd.pkt = &conv;
	/* Built as the runs will build it (vnpu_compute_run()). */
	team = vnpu_team_enter(&bd);
	ret = vnpu_prim_get(c, key, sizeof(conv), &bd, vnpu_conv2d_pd, pr);
	vnpu_team_leave(team);
	if (!ret && !(*pr)->adopt)
		ret = -EIO;
	return ret;
}

/**
 * vnpu_compute_conv2d_packed_size() - the bytes of the packed weights of a checked CONV2D
 * packet with VNPU_CONV2D_F_PACK_SIZE, F_PACK_WEIGHTS or F_WEI_PACKED.
 * @c: the compute state.
 * @p: the packet (its addresses and PACK_* / WEI_PACKED flag do not matter).
 * @size: the size, > 0.
 *
 * Builds (or finds) the convolution's primitive: the layout is the one it chose.
 *
 * Return: 0 or a negative errno from building the primitive.
 */
int vnpu_compute_conv2d_packed_size(struct vnpu_compute *c, const struct vnpu_pkt_conv2d *p,
				    uint64_t *size)
{
	const dnnl_memory_desc_t *md;
	struct vnpu_prim *pr;
	int ret;

	pthread_mutex_lock(&c->lock);
	ret = vnpu_conv2d_packed_prim(c, p, &pr);
	if (!ret) {
		md = vnpu_packed_md(pr);
		*size = md ? dnnl_memory_desc_get_size(md) : 0;
		if (!*size)
			ret = -EIO;
	}
	pthread_mutex_unlock(&c->lock);
	return ret;
}

/**
 * vnpu_compute_conv2d_pack() - run a checked CONV2D packet with VNPU_CONV2D_F_PACK_WEIGHTS.
 * @c: the compute state.
 * @p: the packet.
 * @wei: the weights, OHWI per group, in @p->dtype.
 * @dst: the packed weights, @dst_bytes (vnpu_compute_conv2d_packed_size()) mapped.
 *
 * Return: 0 or a negative errno from building or running the reorder; -EIO when the layout
 * now wants more than @dst_bytes (nothing written).
 */
int vnpu_compute_conv2d_pack(struct vnpu_compute *c, const struct vnpu_pkt_conv2d *p,
			     const void *wei, void *dst, uint64_t dst_bytes)
{
	const dnnl_memory_desc_t *to;
	dnnl_memory_desc_t from;
	dnnl_memory_t mfrom = NULL, mto = NULL;
	dnnl_primitive_t cvt = NULL;
	struct vnpu_prim *pr;
	dnnl_status_t s;
	int ret;

	pthread_mutex_lock(&c->lock);
	ret = vnpu_conv2d_packed_prim(c, p, &pr);
	if (ret)
		goto out;
	to = vnpu_packed_md(pr);
	if (!to || dnnl_memory_desc_get_size(to) > dst_bytes) {
		ret = -EIO;
		goto out;
	}
	/* the same OHWI descriptor the unpacked convolution reads (vnpu_conv2d_build()) */
	if (p->groups > 1) {
		dnnl_dims_t wdims = { p->groups, p->oc / p->groups, p->c / p->groups, p->kh, p->kw };

		s = dnnl_memory_desc_init_by_tag(&from, 5, wdims, vnpu_dnnl_dt(p->dtype), dnnl_gohwi);
	} else {
		dnnl_dims_t wdims = { p->oc, p->c, p->kh, p->kw };

		s = dnnl_memory_desc_init_by_tag(&from, 4, wdims, vnpu_dnnl_dt(p->dtype), dnnl_ohwi);
	}
	/* a load-time operation: the reorder is built for this packet and not kept */
	if (s == dnnl_success)
		s = vnpu_reorder_create(c, &from, to, &cvt);
	if (s == dnnl_success)
		s = dnnl_memory_create(&mfrom, &from, c->engine, (void *)wei);
	if (s == dnnl_success)
		s = dnnl_memory_create(&mto, to, c->engine, dst);
	if (s == dnnl_success) {
		dnnl_exec_arg_t args[2] = { { DNNL_ARG_FROM, mfrom }, { DNNL_ARG_TO, mto } };

		s = dnnl_primitive_execute(cvt, c->stream, 2, args);
	}
	if (s == dnnl_success)
		s = dnnl_stream_wait(c->stream);
	ret = vnpu_dnnl_errno(s);
	if (mto)
		dnnl_memory_destroy(mto);
	if (mfrom)
		dnnl_memory_destroy(mfrom);
	if (cvt)
		dnnl_primitive_destroy(cvt);
out:
	pthread_mutex_unlock(&c->lock);
	return ret;
}

/* ---- pool2d ---------------------------------------------------------------------------- */

static dnnl_status_t vnpu_pool2d_pd(struct vnpu_compute *c, struct vnpu_build *b,
				    dnnl_primitive_desc_t *pd)
{
	const struct vnpu_pkt_pool2d *p = b->pkt;
	dnnl_dims_t strides = { p->stride_h, p->stride_w }, kernel = { p->kh, p->kw };
	dnnl_dims_t dil = { 0, 0 };
	dnnl_dims_t pad_l = { p->pad_top, p->pad_left }, pad_r = { p->pad_bottom, p->pad_right };
	dnnl_alg_kind_t alg;
	dnnl_pooling_v2_desc_t d;
	dnnl_status_t s;

	if (p->mode == VNPU_POOL_MAX)
		alg = dnnl_pooling_max;
	else if (p->hdr.flags & VNPU_POOL2D_F_AVG_INCLUDE_PAD)
		alg = dnnl_pooling_avg_include_padding;
	else
		alg = dnnl_pooling_avg_exclude_padding;
	s = dnnl_pooling_v2_forward_desc_init(&d, dnnl_forward_inference, alg, &b->comp[0],
					      &b->comp[1], strides, kernel, dil, pad_l, pad_r);
	if (s != dnnl_success)
		return s;
	return dnnl_primitive_desc_create(pd, &d, NULL, c->engine, NULL);
}

/**
 * vnpu_compute_pool2d() - run a checked POOL2D packet (NHWC).
 * @c: the compute state.
 * @p: the packet.
 * @src, @dst: the operands.
 *
 * Return: 0 or a negative errno from building or running the primitive.
 */
int vnpu_compute_pool2d(struct vnpu_compute *c, const struct vnpu_pkt_pool2d *p, void *src,
			void *dst)
{
	dnnl_data_type_t dt = vnpu_dnnl_dt(p->dtype);
	uint64_t oh = ((uint64_t)p->h + p->pad_top + p->pad_bottom - p->kh) / p->stride_h + 1;
	uint64_t ow = ((uint64_t)p->w + p->pad_left + p->pad_right - p->kw) / p->stride_w + 1;
	dnnl_dims_t sdims = { p->n, p->c, p->h, p->w }, ddims = { p->n, p->c, oh, ow };
	struct vnpu_build bd = { 0 };
	void *ptrs[2] = { src, dst };
	int ret;

	ret = vnpu_build_md(&bd, DNNL_ARG_SRC, false, 4, sdims, dt, dnnl_nhwc);
	if (!ret)
		ret = vnpu_build_md(&bd, DNNL_ARG_DST, true, 4, ddims, dt, dnnl_nhwc);
	if (ret)
		return ret;
	return VNPU_RUN(c, p, &bd, vnpu_pool2d_pd, ptrs, offsetof(struct vnpu_pkt_pool2d, src_va),
			offsetof(struct vnpu_pkt_pool2d, dst_va));
}

/* ---- binary ---------------------------------------------------------------------------- */

static dnnl_status_t vnpu_binary_pd(struct vnpu_compute *c, struct vnpu_build *b,
				    dnnl_primitive_desc_t *pd)
{
	const struct vnpu_pkt_binary *p = b->pkt;
	static const dnnl_alg_kind_t algs[] = {
		[VNPU_BINARY_ADD] = dnnl_binary_add, [VNPU_BINARY_SUB] = dnnl_binary_sub,
		[VNPU_BINARY_MUL] = dnnl_binary_mul, [VNPU_BINARY_MAX] = dnnl_binary_max,
		[VNPU_BINARY_MIN] = dnnl_binary_min, [VNPU_BINARY_DIV] = dnnl_binary_div,
	};
	dnnl_binary_desc_t d;
	dnnl_status_t s;

	s = dnnl_binary_desc_init(&d, algs[p->op], &b->comp[0], &b->comp[1], &b->comp[2]);
	if (s != dnnl_success)
		return s;
	return dnnl_primitive_desc_create(pd, &d, b->attr, c->engine, NULL);
}

/**
 * vnpu_compute_binary() - run a checked BINARY packet, its @act epilogue as a post-op.
 * @c: the compute state.
 * @p: the packet.
 * @a, @b, @dst: the operands.
 *
 * Return: 0 or a negative errno from building or running the primitive.
 */
int vnpu_compute_binary(struct vnpu_compute *c, const struct vnpu_pkt_binary *p, void *a,
			void *b, void *dst)
{
	dnnl_data_type_t dt = vnpu_dnnl_dt(p->dtype);
	dnnl_dims_t dims = { p->rows, p->cols };
	dnnl_dims_t bdims = { p->hdr.flags & VNPU_BINARY_F_BCAST_ROW ? 1 : p->rows,
			      p->hdr.flags & VNPU_BINARY_F_BCAST_COL ? 1 : p->cols };
	struct vnpu_build bd = { 0 };
	void *ptrs[3] = { a, b, dst };
	int ret;

	ret = vnpu_build_md(&bd, DNNL_ARG_SRC_0, false, 2, dims, dt, dnnl_ab);
	if (!ret)
		ret = vnpu_build_md(&bd, DNNL_ARG_SRC_1, false, 2, bdims, dt, dnnl_ab);
	if (!ret)
		ret = vnpu_build_md(&bd, DNNL_ARG_DST, true, 2, dims, dt, dnnl_ab);
	if (!ret)
		ret = vnpu_build_epilogue(&bd, p->act, p->act_alpha, p->act_beta);
	if (ret) {
		if (bd.attr)
			dnnl_primitive_attr_destroy(bd.attr);
		return ret;
	}
	return VNPU_RUN(c, p, &bd, vnpu_binary_pd, ptrs, offsetof(struct vnpu_pkt_binary, a_va),
			offsetof(struct vnpu_pkt_binary, b_va),
			offsetof(struct vnpu_pkt_binary, dst_va));
}

/* ---- activation ------------------------------------------------------------------------ */

static dnnl_status_t vnpu_activation_pd(struct vnpu_compute *c, struct vnpu_build *b,
					dnnl_primitive_desc_t *pd)
{
	const struct vnpu_pkt_activation *p = b->pkt;
	dnnl_eltwise_desc_t d;
	dnnl_status_t s;

	s = dnnl_eltwise_forward_desc_init(&d, dnnl_forward_inference, vnpu_act_alg(p->act),
					   &b->comp[0], 0.0f, 0.0f);
	if (s != dnnl_success)
		return s;
	return dnnl_primitive_desc_create(pd, &d, NULL, c->engine, NULL);
}

/**
 * vnpu_compute_activation() - run a checked ACTIVATION packet.
 * @c: the compute state.
 * @p: the packet.
 * @src, @dst: the operands (possibly the same).
 *
 * Return: 0 or a negative errno from building or running the primitive.
 */
int vnpu_compute_activation(struct vnpu_compute *c, const struct vnpu_pkt_activation *p,
			    void *src, void *dst)
{
	dnnl_dims_t dims = { (dnnl_dim_t)p->count };
	dnnl_data_type_t dt = vnpu_dnnl_dt(p->dtype);
	struct vnpu_build bd = { 0 };
	void *ptrs[2] = { src, dst };
	int ret;

	ret = vnpu_build_md(&bd, DNNL_ARG_SRC, false, 1, dims, dt, dnnl_a);
	if (!ret)
		ret = vnpu_build_md(&bd, DNNL_ARG_DST, true, 1, dims, dt, dnnl_a);
	if (ret)
		return ret;
	return VNPU_RUN(c, p, &bd, vnpu_activation_pd, ptrs,
			offsetof(struct vnpu_pkt_activation, src_va),
			offsetof(struct vnpu_pkt_activation, dst_va));
}

/* ---- softmax --------------------------------------------------------------------------- */

static dnnl_status_t vnpu_softmax_pd(struct vnpu_compute *c, struct vnpu_build *b,
				     dnnl_primitive_desc_t *pd)
{
	const struct vnpu_pkt_softmax *p = b->pkt;
	dnnl_softmax_v2_desc_t d;
	dnnl_status_t s;

	s = dnnl_softmax_v2_forward_desc_init(&d, dnnl_forward_inference, dnnl_softmax_accurate,
					      &b->comp[0], &b->comp[1], (int)p->axis);
	if (s != dnnl_success)
		return s;
	return dnnl_primitive_desc_create(pd, &d, NULL, c->engine, NULL);
}

/**
 * vnpu_compute_softmax() - run a checked SOFTMAX packet.
 * @c: the compute state.
 * @p: the packet.
 * @src, @dst: the operands (possibly the same).
 *
 * Return: 0 or a negative errno from building or running the primitive.
 */
int vnpu_compute_softmax(struct vnpu_compute *c, const struct vnpu_pkt_softmax *p, void *src,
			 void *dst)
{
	dnnl_dims_t dims = { p->dims[0], p->dims[1], p->dims[2], p->dims[3] };
	dnnl_data_type_t dt = vnpu_dnnl_dt(p->dtype);
	dnnl_format_tag_t tag = vnpu_plain_tag((int)p->ndims);
	struct vnpu_build bd = { 0 };
	void *ptrs[2] = { src, dst };
	int ret;

	ret = vnpu_build_md(&bd, DNNL_ARG_SRC, false, (int)p->ndims, dims, dt, tag);
	if (!ret)
		ret = vnpu_build_md(&bd, DNNL_ARG_DST, true, (int)p->ndims, dims, dt, tag);
	if (ret)
		return ret;
	return VNPU_RUN(c, p, &bd, vnpu_softmax_pd, ptrs, offsetof(struct vnpu_pkt_softmax, src_va),
			offsetof(struct vnpu_pkt_softmax, dst_va));
}

/* ---- layernorm ------------------------------------------------------------------------- */

static dnnl_status_t vnpu_layernorm_pd(struct vnpu_compute *c, struct vnpu_build *b,
				       dnnl_primitive_desc_t *pd)
{
	const struct vnpu_pkt_layernorm *p = b->pkt;
	unsigned int flags = 0;
	dnnl_layer_normalization_desc_t d;
	dnnl_status_t s;
	float eps;

	if (p->hdr.flags & VNPU_LAYERNORM_F_SCALE)
		flags |= dnnl_use_scale;
	if (p->hdr.flags & VNPU_LAYERNORM_F_SHIFT)
		flags |= dnnl_use_shift;
	memcpy(&eps, &p->epsilon, sizeof(eps));
	/* one descriptor for source and destination: both are operand 0's shape and type */
	s = dnnl_layer_normalization_forward_desc_init(&d, dnnl_forward_inference, &b->comp[0],
						       NULL, eps, flags);
	if (s != dnnl_success)
		return s;
	return dnnl_primitive_desc_create(pd, &d, NULL, c->engine, NULL);
}

/**
 * vnpu_compute_layernorm() - run a checked LAYERNORM packet.
 * @c: the compute state.
 * @p: the packet.
 * @src, @gamma, @beta, @dst: the operands (@gamma, @beta NULL without their flags).
 *
 * Return: 0 or a negative errno from building or running the primitive.
 */
int vnpu_compute_layernorm(struct vnpu_compute *c, const struct vnpu_pkt_layernorm *p,
			   void *src, void *gamma, void *beta, void *dst)
{
	dnnl_dims_t dims = { p->rows, p->cols }, cdims = { p->cols };
	dnnl_data_type_t dt = vnpu_dnnl_dt(p->dtype);
	struct vnpu_build bd = { 0 };
	void *ptrs[4];
	int n = 0, ret;

	ret = vnpu_build_md(&bd, DNNL_ARG_SRC, false, 2, dims, dt, dnnl_ab);
	ptrs[n++] = src;
	if (!ret && gamma) {
		ret = vnpu_build_md(&bd, DNNL_ARG_SCALE, false, 1, cdims, dnnl_f32, dnnl_a);
		ptrs[n++] = gamma;
	}
	if (!ret && beta) {
		ret = vnpu_build_md(&bd, DNNL_ARG_SHIFT, false, 1, cdims, dnnl_f32, dnnl_a);
		ptrs[n++] = beta;
	}
	if (!ret)
		ret = vnpu_build_md(&bd, DNNL_ARG_DST, true, 2, dims, dt, dnnl_ab);
	ptrs[n++] = dst;
	if (ret)
		return ret;
	return VNPU_RUN(c, p, &bd, vnpu_layernorm_pd, ptrs,
			offsetof(struct vnpu_pkt_layernorm, src_va),
			offsetof(struct vnpu_pkt_layernorm, gamma_va),
			offsetof(struct vnpu_pkt_layernorm, beta_va),
			offsetof(struct vnpu_pkt_layernorm, dst_va));
}

/* ---- unary ----------------------------------------------------------------------------- */

/*
 * The oneDNN eltwise form of a VNPU_UNARY_* (algorithm, alpha, beta); false for the functions
 * it has no kernel for, which run as plain loops.
 */
static bool vnpu_unary_alg(const struct vnpu_pkt_unary *p, dnnl_alg_kind_t *alg, float *alpha,
			   float *beta)
{
	memcpy(alpha, &p->alpha, 4);
	memcpy(beta, &p->beta, 4);
	switch (p->op) {
	case VNPU_UNARY_EXP:
		*alg = dnnl_eltwise_exp;
		return true;
	case VNPU_UNARY_LOG:
		*alg = dnnl_eltwise_log;
		return true;
	case VNPU_UNARY_SQRT:
		*alg = dnnl_eltwise_sqrt;
		return true;
	case VNPU_UNARY_ABS:
		*alg = dnnl_eltwise_abs;
		return true;
	case VNPU_UNARY_NEG:
		*alg = dnnl_eltwise_linear;
		*alpha = -1.0f;
		*beta = 0.0f;
		return true;
	case VNPU_UNARY_RECIPROCAL:
		/* pow: alpha * x^beta */
		*alg = dnnl_eltwise_pow;
		*alpha = 1.0f;
		*beta = -1.0f;
		return true;
	case VNPU_UNARY_LEAKY_RELU:
		*alg = dnnl_eltwise_relu;
		return true;
	case VNPU_UNARY_ELU:
		*alg = dnnl_eltwise_elu;
		return true;
	case VNPU_UNARY_CLIP:
		*alg = dnnl_eltwise_clip;
		return true;
	case VNPU_UNARY_SOFTPLUS:
		*alg = dnnl_eltwise_soft_relu;
		return true;
	case VNPU_UNARY_LINEAR:
		*alg = dnnl_eltwise_linear;
		return true;
	default:
		return false;
	}
}

static dnnl_status_t vnpu_unary_pd(struct vnpu_compute *c, struct vnpu_build *b,
				   dnnl_primitive_desc_t *pd)
{
	dnnl_alg_kind_t alg = dnnl_eltwise_linear;
	dnnl_eltwise_desc_t d;
	float alpha, beta;
	dnnl_status_t s;

	vnpu_unary_alg(b->pkt, &alg, &alpha, &beta);
	s = dnnl_eltwise_forward_desc_init(&d, dnnl_forward_inference, alg, &b->comp[0], alpha,
					   beta);
	if (s != dnnl_success)
		return s;
	return dnnl_primitive_desc_create(pd, &d, NULL, c->engine, NULL);
}

/* The functions oneDNN lacks, on one value. */
static float vnpu_unary_scalar(uint32_t op, float x, float alpha, float beta)
{
	switch (op) {
	case VNPU_UNARY_ERF:
		return erff(x);
	case VNPU_UNARY_FLOOR:
		return floorf(x);
	case VNPU_UNARY_CEIL:
		return ceilf(x);
	case VNPU_UNARY_ROUND:
		/* the default rounding mode: to nearest, ties to even */
		return nearbyintf(x);
	case VNPU_UNARY_SIGN:
		return x > 0 ? 1.0f : x < 0 ? -1.0f : x;
	case VNPU_UNARY_SIN:
		return sinf(x);
	case VNPU_UNARY_COS:
		return cosf(x);
	case VNPU_UNARY_SELU:
		return beta * (x > 0 ? x : alpha * expm1f(x));
	case VNPU_UNARY_HARDSIGMOID:
		return fmaxf(0.0f, fminf(1.0f, alpha * x + beta));
	case VNPU_UNARY_HARDSWISH:
		return x * fmaxf(0.0f, fminf(1.0f, x / 6.0f + 0.5f));
	default: /* VNPU_UNARY_SOFTSIGN */
		return x / (1.0f + fabsf(x));
	}
}

static float vnpu_bf16_load(const uint16_t *p)
{
	uint32_t u = (uint32_t)*p << 16;
	float f;

	memcpy(&f, &u, 4);
	return f;
}

/* Round to nearest even; NaN stays a (quiet) NaN. */
static void vnpu_bf16_store(uint16_t *p, float f)
{
	uint32_t u;

	memcpy(&u, &f, 4);
	if ((u & 0x7fffffffu) > 0x7f800000u) {
		*p = (uint16_t)((u >> 16) | 0x40);
		return;
	}
	u += 0x7fffu + ((u >> 16) & 1);
	*p = (uint16_t)(u >> 16);
}

/**
 * vnpu_compute_unary() - run a checked UNARY packet: a oneDNN eltwise primitive where oneDNN
 * has the function, a loop in single precision otherwise.
 * @c: the compute state.
 * @p: the packet.
 * @src, @dst: the operands (possibly the same).
 *
 * Return: 0 or a negative errno from building or running the primitive.
 */
int vnpu_compute_unary(struct vnpu_compute *c, const struct vnpu_pkt_unary *p, void *src,
		       void *dst)
{
	dnnl_dims_t dims = { (dnnl_dim_t)p->count };
	dnnl_data_type_t dt = vnpu_dnnl_dt(p->dtype);
	struct vnpu_build bd = { 0 };
	void *ptrs[2] = { src, dst };
	dnnl_alg_kind_t alg;
	float alpha, beta;
	uint64_t i;
	int ret;

	if (!vnpu_unary_alg(p, &alg, &alpha, &beta)) {
		for (i = 0; i < p->count; i++) {
			if (p->dtype == VNPU_DT_F32)
				((float *)dst)[i] = vnpu_unary_scalar(p->op, ((const float *)src)[i],
								      alpha, beta);
			else
				vnpu_bf16_store((uint16_t *)dst + i,
						vnpu_unary_scalar(p->op,
								  vnpu_bf16_load((const uint16_t *)src + i),
								  alpha, beta));
		}
		return 0;
	}
	ret = vnpu_build_md(&bd, DNNL_ARG_SRC, false, 1, dims, dt, dnnl_a);
	if (!ret)
		ret = vnpu_build_md(&bd, DNNL_ARG_DST, true, 1, dims, dt, dnnl_a);
	if (ret)
		return ret;
	return VNPU_RUN(c, p, &bd, vnpu_unary_pd, ptrs, offsetof(struct vnpu_pkt_unary, src_va),
			offsetof(struct vnpu_pkt_unary, dst_va));
}

/* ---- reduce ---------------------------------------------------------------------------- */

static dnnl_status_t vnpu_reduce_pd(struct vnpu_compute *c, struct vnpu_build *b,
				    dnnl_primitive_desc_t *pd)
{
	const struct vnpu_pkt_reduce *p = b->pkt;
	static const dnnl_alg_kind_t algs[] = {
		[VNPU_REDUCE_SUM] = dnnl_reduction_sum,
		[VNPU_REDUCE_MEAN] = dnnl_reduction_mean,
		[VNPU_REDUCE_MAX] = dnnl_reduction_max,
		[VNPU_REDUCE_MIN] = dnnl_reduction_min,
		[VNPU_REDUCE_PROD] = dnnl_reduction_mul,
		[VNPU_REDUCE_L1] = dnnl_reduction_norm_lp_sum,
		[VNPU_REDUCE_L2] = dnnl_reduction_norm_lp_sum,
		[VNPU_REDUCE_SUM_SQUARE] = dnnl_reduction_norm_lp_power_p_sum,
	};
	float power = p->op == VNPU_REDUCE_L1 ? 1.0f : 2.0f;
	dnnl_reduction_desc_t d;
	dnnl_status_t s;

	s = dnnl_reduction_desc_init(&d, algs[p->op], &b->comp[0], &b->comp[1], power, 0.0f);
	if (s != dnnl_success)
		return s;
	return dnnl_primitive_desc_create(pd, &d, NULL, c->engine, NULL);
}

/**
 * vnpu_compute_reduce() - run a checked REDUCE packet as a oneDNN reduction.
 * @c: the compute state.
 * @p: the packet.
 * @src, @dst: the operands (not overlapping).
 *
 * Return: 0 or a negative errno from building or running the primitive.
 */
int vnpu_compute_reduce(struct vnpu_compute *c, const struct vnpu_pkt_reduce *p, void *src,
			void *dst)
{
	dnnl_dims_t dims = { p->dims[0], p->dims[1], p->dims[2], p->dims[3] }, rdims;
	dnnl_data_type_t dt = vnpu_dnnl_dt(p->dtype);
	dnnl_format_tag_t tag = vnpu_plain_tag((int)p->ndims);
	struct vnpu_build bd = { 0 };
	void *ptrs[2] = { src, dst };
	uint32_t i;
	int ret;

	for (i = 0; i < 4; i++)
		rdims[i] = (p->axes & (1u << i)) ? 1 : dims[i];
	ret = vnpu_build_md(&bd, DNNL_ARG_SRC, false, (int)p->ndims, dims, dt, tag);
	if (!ret)
		ret = vnpu_build_md(&bd, DNNL_ARG_DST, true, (int)p->ndims, rdims, dt, tag);
	if (ret)
		return ret;
	return VNPU_RUN(c, p, &bd, vnpu_reduce_pd, ptrs, offsetof(struct vnpu_pkt_reduce, src_va),
			offsetof(struct vnpu_pkt_reduce, dst_va));
}

/* ---- transpose ------------------------------------------------------------------------- */

static dnnl_status_t vnpu_transpose_pd(struct vnpu_compute *c, struct vnpu_build *b,
				       dnnl_primitive_desc_t *pd)
{
	return dnnl_reorder_primitive_desc_create(pd, &b->comp[0], c->engine, &b->comp[1],
						  c->engine, NULL);
}

/**
 * vnpu_compute_transpose() - run a checked TRANSPOSE packet.
 * @c: the compute state.
 * @p: the packet.
 * @src, @dst: the operands (not overlapping).
 *
 * The destination is described in the source's dimension order with permuted strides, so
 * that one reorder both moves and converts the data.
 *
 * Return: 0 or a negative errno from building or running the primitive.
 */
int vnpu_compute_transpose(struct vnpu_compute *c, const struct vnpu_pkt_transpose *p,
			   void *src, void *dst)
{
	dnnl_dims_t dims = { p->dims[0], p->dims[1], p->dims[2], p->dims[3] }, strides;
	int nd = (int)p->ndims, i;
	struct vnpu_build bd = { 0 };
	dnnl_memory_desc_t md;
	void *ptrs[2] = { src, dst };
	dnnl_dim_t stride = 1;
	dnnl_status_t s;
	int ret;

	/* dst dimension i is src dimension perm[i]; dst is dense in its own order */
	for (i = nd - 1; i >= 0; i--) {
		strides[p->perm[i]] = stride;
		stride *= dims[p->perm[i]];
	}
	ret = vnpu_build_md(&bd, DNNL_ARG_FROM, false, nd, dims, vnpu_dnnl_dt(p->src_type),
			    vnpu_plain_tag(nd));
	if (ret)
		return ret;
	s = dnnl_memory_desc_init_by_strides(&md, nd, dims, vnpu_dnnl_dt(p->dst_type), strides);
	if (s != dnnl_success)
		return vnpu_dnnl_errno(s);
	vnpu_build_arg(&bd, DNNL_ARG_TO, true, &md);
	return VNPU_RUN(c, p, &bd, vnpu_transpose_pd, ptrs,
			offsetof(struct vnpu_pkt_transpose, src_va),
			offsetof(struct vnpu_pkt_transpose, dst_va));
}

/* ---- state ----------------------------------------------------------------------------- */

int vnpu_compute_create(struct vnpu_compute **out)
{
	struct vnpu_compute *c;
	dnnl_cpu_isa_t isa;
	dnnl_status_t s;
	int ret;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	s = dnnl_engine_create(&c->engine, dnnl_cpu, 0);
	if (s != dnnl_success) {
		ret = s == dnnl_out_of_memory ? -ENOMEM : -ENODEV;
		goto err_free;
	}
	s = dnnl_stream_create(&c->stream, c->engine, dnnl_stream_default_flags);
	if (s != dnnl_success) {
		ret = vnpu_dnnl_errno(s);
		goto err_engine;
	}
	isa = dnnl_get_effective_cpu_isa();
	/* VNNI's vpdpbusd accumulates in 32 bits; without it oneDNN's int8 sums can saturate */
	c->int8_exact = isa == dnnl_cpu_isa_avx2_vnni ||
			(isa & dnnl_cpu_isa_avx512_core_vnni) == dnnl_cpu_isa_avx512_core_vnni;
	ret = pthread_mutex_init(&c->lock, NULL);
	if (ret) {
		ret = -ret;
		goto err_stream;
	}
	*out = c;
	return 0;

err_stream:
	dnnl_stream_destroy(c->stream);
err_engine:
	dnnl_engine_destroy(c->engine);
err_free:
	free(c);
	return ret;
}

void vnpu_compute_destroy(struct vnpu_compute *c)
{
	int i;

	if (!c)
		return;
	for (i = 0; i < VNPU_CACHE_SIZE; i++)
		vnpu_prim_release(&c->cache[i]);
	pthread_mutex_destroy(&c->lock);
	dnnl_stream_destroy(c->stream);
	dnnl_engine_destroy(c->engine);
	free(c);
}

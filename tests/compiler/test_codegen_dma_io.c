// SPDX-License-Identifier: MIT
/*
 * I/O-pipelined code generation (codegen_vnpu_options.dma_io) on a one-MatMul graph: the
 * DMA-in, compute and DMA-out stages, their flags, the semaphores between them, the staging
 * copies in the arena, what a program with host stages keeps, and the program file carrying
 * it all. Running such programs is tests/unit/test_accelrt_chain.c's and accel-run.sh's part.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <uapi/drm/vnpu_accel.h>

#include "compiler/codegen_vnpu.h"
#include "compiler/program_file.h"

static const struct codegen_vnpu_options dma_io = { .dma_io = true };

static int add_f32(struct ir_graph *g, const char *name, int rank, const int64_t *dims)
{
	int t = ir_graph_add_tensor(g, name);

	assert_true(t >= 0);
	g->tensors[t]->dtype = IR_DTYPE_FLOAT;
	g->tensors[t]->rank = rank;
	memcpy(g->tensors[t]->dims, dims, sizeof(int64_t) * (size_t)rank);
	return t;
}

static struct ir_node *add_node(struct ir_graph *g, const char *name, const char *op,
				const int *in, size_t nin, int out)
{
	struct ir_node *n = ir_graph_add_node(g, name, op, "");

	assert_non_null(n);
	for (size_t i = 0; i < nin; i++)
		assert_int_equal(ir_index_append(&n->inputs, &n->n_inputs, in[i]), 0);
	assert_int_equal(ir_index_append(&n->outputs, &n->n_outputs, out), 0);
	return n;
}

/* c[3,5] = MatMul(a[3,4], b[4,5]), a and b graph inputs, c the output. */
struct mm {
	struct ir_graph *g;
	int a, b, c;
};

static void matmul_graph(struct mm *m)
{
	const int64_t da[] = { 3, 4 }, db[] = { 4, 5 }, dc[] = { 3, 5 };
	int in[2];

	m->g = ir_graph_create();
	m->a = add_f32(m->g, "a", 2, da);
	m->b = add_f32(m->g, "b", 2, db);
	m->c = add_f32(m->g, "c", 2, dc);
	in[0] = m->a;
	in[1] = m->b;
	add_node(m->g, "mm", "MatMul", in, 2, m->c);
	assert_int_equal(ir_index_append(&m->g->inputs, &m->g->n_inputs, m->a), 0);
	assert_int_equal(ir_index_append(&m->g->inputs, &m->g->n_inputs, m->b), 0);
	assert_int_equal(ir_index_append(&m->g->outputs, &m->g->n_outputs, m->c), 0);
	m->g->opset = 13;
}

/* The packet at @off of stage @st, its header. */
static const struct vnpu_pkt_header *pkt(const struct vnpu_prog *p, unsigned int st, size_t off)
{
	assert_true(off + sizeof(struct vnpu_pkt_header) <= p->stages[st].len);
	return (const void *)(p->stream + p->stages[st].offset + off);
}

/* The relocation of stage @st at @offset (relative to the stage). */
static const struct vnpu_prog_reloc *reloc_at(const struct vnpu_prog *p, unsigned int st,
					      uint64_t offset)
{
	const struct vnpu_prog_stage *s = &p->stages[st];

	for (unsigned int i = 0; i < s->nrelocs; i++)
		if (p->relocs[s->reloc_first + i].offset == offset)
			return &p->relocs[s->reloc_first + i];
	fail_msg("stage %u has no relocation at %llu", st, (unsigned long long)offset);
	return NULL;
}

static void test_option_makes_dma_in_compute_dma_out_stages(void **state)
{
	struct mm m;
	struct vnpu_prog *p;
	char err[256];

	(void)state;
	matmul_graph(&m);
	assert_int_equal(codegen_vnpu_opts(m.g, &dma_io, &p, err, sizeof(err)), 0);
	assert_int_equal(p->nstages, 3);
	assert_int_equal(p->stages[0].flags, VNPU_STAGE_DMA | VNPU_STAGE_NO_WAIT);
	assert_int_equal(p->stages[1].flags, VNPU_STAGE_NO_WAIT);
	assert_int_equal(p->stages[2].flags, VNPU_STAGE_DMA);
	for (unsigned int i = 0; i < 3; i++)
		assert_false(p->stages[i].host);
	/* DMA-in: a copy per input, then the fence; compute: wait, the matmul, fence. */
	assert_int_equal(pkt(p, 0, 0)->opcode, VNPU_OP_DMA_COPY);
	assert_int_equal(pkt(p, 0, 32)->opcode, VNPU_OP_DMA_COPY);
	assert_int_equal(pkt(p, 0, 64)->opcode, VNPU_OP_FENCE_WRITE);
	assert_int_equal(p->stages[0].len, 64 + sizeof(struct vnpu_pkt_fence_write));
	assert_int_equal(pkt(p, 1, 0)->opcode, VNPU_OP_SEM_WAIT);
	assert_int_equal(pkt(p, 1, 32)->opcode, VNPU_OP_MATMUL);
	assert_int_equal(pkt(p, 1, 32 + sizeof(struct vnpu_pkt_matmul))->opcode,
			 VNPU_OP_FENCE_WRITE);
	/* DMA-out: wait, a copy for the output. */
	assert_int_equal(pkt(p, 2, 0)->opcode, VNPU_OP_SEM_WAIT);
	assert_int_equal(pkt(p, 2, 32)->opcode, VNPU_OP_DMA_COPY);
	assert_int_equal(p->stages[2].len, 32 + sizeof(struct vnpu_pkt_dma_copy));
	assert_int_equal(p->n_packets, 8);	/* 2 copies, fence; wait, matmul, fence; wait, copy */
	codegen_vnpu_free(p);
	ir_graph_destroy(m.g);
}

static void test_semaphores_order_the_stages_in_a_slot_of_their_own(void **state)
{
	const size_t fence1 = 32 + sizeof(struct vnpu_pkt_matmul);
	const struct vnpu_pkt_sem_wait *w;
	struct mm m;
	struct vnpu_prog *p;
	char err[256];

	(void)state;
	matmul_graph(&m);
	assert_int_equal(codegen_vnpu_opts(m.g, &dma_io, &p, err, sizeof(err)), 0);
	assert_true(p->sem_slot >= 0);
	assert_int_not_equal(p->sem_slot, p->arena_slot);
	assert_int_equal(p->slots[p->sem_slot].size, 16);
	assert_null(p->slots[p->sem_slot].data);
	/* sem[0]: DMA-in raises it, compute waits for it; sem[1]: compute, then DMA-out. */
	assert_int_equal(reloc_at(p, 0, 64 + 8)->slot, p->sem_slot);
	assert_int_equal(reloc_at(p, 0, 64 + 8)->addend, 0);
	assert_int_equal(reloc_at(p, 1, 8)->slot, p->sem_slot);
	assert_int_equal(reloc_at(p, 1, 8)->addend, 0);
	assert_int_equal(reloc_at(p, 1, fence1 + 8)->addend, 8);
	assert_int_equal(reloc_at(p, 2, 8)->addend, 8);
	w = (const void *)pkt(p, 1, 0);
	assert_int_equal(w->value, 1);
	assert_int_equal(w->timeout_ns, 0);
	codegen_vnpu_free(p);
	ir_graph_destroy(m.g);
}

static void test_compute_reads_and_writes_staging_copies_in_the_arena(void **state)
{
	const size_t mm = 32;
	const struct vnpu_prog_reloc *ra, *rc, *in_src, *in_dst, *out_src, *out_dst;
	struct mm m;
	struct vnpu_prog *p;
	char err[256];

	(void)state;
	matmul_graph(&m);
	assert_int_equal(codegen_vnpu_opts(m.g, &dma_io, &p, err, sizeof(err)), 0);
	assert_true(p->arena_slot >= 0);
	ra = reloc_at(p, 1, mm + offsetof(struct vnpu_pkt_matmul, a_va));
	rc = reloc_at(p, 1, mm + offsetof(struct vnpu_pkt_matmul, c_va));
	assert_int_equal(ra->slot, p->arena_slot);
	assert_int_equal(rc->slot, p->arena_slot);
	/* The first DMA-in copy fills a's staging copy from a's own slot. */
	in_src = reloc_at(p, 0, offsetof(struct vnpu_pkt_dma_copy, src_va));
	in_dst = reloc_at(p, 0, offsetof(struct vnpu_pkt_dma_copy, dst_va));
	assert_int_equal(in_src->slot, p->tensor_slot[m.a]);
	assert_int_equal(in_dst->slot, p->arena_slot);
	assert_int_equal(in_dst->addend, ra->addend);
	/* The DMA-out copy brings c's staging copy to c's own slot. */
	out_src = reloc_at(p, 2, 32 + offsetof(struct vnpu_pkt_dma_copy, src_va));
	out_dst = reloc_at(p, 2, 32 + offsetof(struct vnpu_pkt_dma_copy, dst_va));
	assert_int_equal(out_src->slot, p->arena_slot);
	assert_int_equal(out_src->addend, rc->addend);
	assert_int_equal(out_dst->slot, p->tensor_slot[m.c]);
	/* Both copies are live together (the matmul reads one, writes the other). */
	assert_true(ra->addend + 3 * 4 * sizeof(float) <= rc->addend ||
		    rc->addend + 3 * 5 * sizeof(float) <= ra->addend);
	codegen_vnpu_free(p);
	ir_graph_destroy(m.g);
}

static void test_default_program_has_no_chains_or_semaphores(void **state)
{
	struct mm m;
	struct vnpu_prog *p;
	char err[256];

	(void)state;
	matmul_graph(&m);
	assert_int_equal(codegen_vnpu(m.g, &p, err, sizeof(err)), 0);
	assert_int_equal(p->nstages, 1);
	assert_int_equal(p->stages[0].flags, 0);
	assert_int_equal(p->sem_slot, -1);
	codegen_vnpu_free(p);
	ir_graph_destroy(m.g);
}

static void test_program_with_a_host_stage_is_left_as_it_is(void **state)
{
	const int64_t dx[] = { 2, 3 }, dw[] = { 3, 4 }, dy[] = { 2, 4 };
	struct ir_graph *g = ir_graph_create();
	int x = add_f32(g, "x", 2, dx), r = add_f32(g, "r", 2, dx), w = add_f32(g, "w", 2, dw);
	int y = add_f32(g, "y", 2, dy);
	const int in_gemm[] = { r, w };
	struct vnpu_prog *p;
	char err[256];

	(void)state;
	g->tensors[w]->data = calloc(12, sizeof(float));
	g->tensors[w]->data_size = 12 * sizeof(float);
	assert_int_equal(ir_index_append(&g->inputs, &g->n_inputs, x), 0);
	assert_int_equal(ir_index_append(&g->initializers, &g->n_initializers, w), 0);
	add_node(g, "relu", "Relu", &x, 1, r);
	/* alpha 2 has no device lowering: the Gemm runs on the host. */
	ir_node_add_attr(add_node(g, "gemm", "Gemm", in_gemm, 2, y), "alpha",
			 IR_ATTR_FLOAT)->f = 2;
	assert_int_equal(ir_index_append(&g->outputs, &g->n_outputs, y), 0);
	g->opset = 13;
	assert_int_equal(codegen_vnpu_opts(g, &dma_io, &p, err, sizeof(err)), 0);
	assert_int_equal(p->nstages, 2);
	assert_false(p->stages[0].host);
	assert_int_equal(p->stages[0].flags, 0);
	assert_true(p->stages[1].host);
	assert_int_equal(p->sem_slot, -1);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

static void test_graph_of_an_alias_copies_its_slot_in_and_back_out(void **state)
{
	const int64_t d[] = { 2, 3 };
	struct ir_graph *g = ir_graph_create();
	int x = add_f32(g, "x", 2, d), y = add_f32(g, "y", 2, d);
	const struct vnpu_prog_reloc *in_src, *out_dst;
	struct vnpu_prog *p;
	char err[256];

	(void)state;
	add_node(g, "id", "Identity", &x, 1, y);
	assert_int_equal(ir_index_append(&g->inputs, &g->n_inputs, x), 0);
	assert_int_equal(ir_index_append(&g->outputs, &g->n_outputs, y), 0);
	g->opset = 13;
	assert_int_equal(codegen_vnpu_opts(g, &dma_io, &p, err, sizeof(err)), 0);
	assert_int_equal(p->nstages, 3);
	/* y is x's slot: the compute stage is a NOP between the wait and the fence. */
	assert_int_equal(p->tensor_slot[y], p->tensor_slot[x]);
	assert_int_equal(pkt(p, 1, 32)->opcode, VNPU_OP_NOP);
	in_src = reloc_at(p, 0, offsetof(struct vnpu_pkt_dma_copy, src_va));
	out_dst = reloc_at(p, 2, 32 + offsetof(struct vnpu_pkt_dma_copy, dst_va));
	assert_int_equal(in_src->slot, p->tensor_slot[x]);
	assert_int_equal(out_dst->slot, p->tensor_slot[x]);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

static void test_program_file_keeps_stage_flags_and_semaphore_slot(void **state)
{
	struct program_file_meta meta = { 0 };
	struct program_file *pf;
	struct vnpu_prog *p;
	struct mm m;
	char err[256] = "";
	size_t len;
	void *buf;

	(void)state;
	matmul_graph(&m);
	assert_int_equal(codegen_vnpu_opts(m.g, &dma_io, &p, err, sizeof(err)), 0);
	assert_int_equal(program_file_encode(m.g, p, &meta, &buf, &len, err, sizeof(err)), 0);
	assert_int_equal(program_file_decode(buf, len, &pf, err, sizeof(err)), 0);
	assert_int_equal(pf->prog->nstages, 3);
	for (unsigned int i = 0; i < 3; i++)
		assert_int_equal(pf->prog->stages[i].flags, p->stages[i].flags);
	assert_int_equal(pf->prog->sem_slot, p->sem_slot);
	program_file_free(pf);
	free(buf);
	codegen_vnpu_free(p);
	ir_graph_destroy(m.g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_option_makes_dma_in_compute_dma_out_stages),
		cmocka_unit_test(test_semaphores_order_the_stages_in_a_slot_of_their_own),
		cmocka_unit_test(test_compute_reads_and_writes_staging_copies_in_the_arena),
		cmocka_unit_test(test_default_program_has_no_chains_or_semaphores),
		cmocka_unit_test(test_program_with_a_host_stage_is_left_as_it_is),
		cmocka_unit_test(test_graph_of_an_alias_copies_its_slot_in_and_back_out),
		cmocka_unit_test(test_program_file_keeps_stage_flags_and_semaphore_slot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: MIT
/*
 * The per-node profile of vnpu programs (compiler/codegen_vnpu.h's profile slot and timestamp
 * map, compiler/prog_profile.h): each device stage has a TIMESTAMP at its start and one after
 * each node's packets, into a slot of its own outside the arena; the per-node times are the
 * differences with the timestamp before; program files keep the map, and a file of the
 * format before it loads without one. (The times of a run on the vnpu: tests/scripts/
 * accel-run-profile.sh.) One behaviour per test.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <uapi/drm/vnpu_accel.h>

#include "compiler/codegen_vnpu.h"
#include "compiler/compile.h"
#include "compiler/prog_profile.h"
#include "compiler/program_file.h"

#define NODE_DIR ONNX_TESTDATA_DIR "/node"

static const struct codegen_vnpu_options profiled = { .profile = true };

static int add_f32(struct ir_graph *g, const char *name, int rank, const int64_t *dims)
{
	int t = ir_graph_add_tensor(g, name);

	assert_true(t >= 0);
	g->tensors[t]->dtype = IR_DTYPE_FLOAT;
	g->tensors[t]->rank = rank;
	memcpy(g->tensors[t]->dims, dims, sizeof(int64_t) * (size_t)rank);
	return t;
}

static struct ir_node *chain_node(struct ir_graph *g, const char *name, const char *op,
				  const int *in, size_t nin, int out)
{
	struct ir_node *n = ir_graph_add_node(g, name, op, "");

	assert_non_null(n);
	for (size_t i = 0; i < nin; i++)
		assert_int_equal(ir_index_append(&n->inputs, &n->n_inputs, in[i]), 0);
	assert_int_equal(ir_index_append(&n->outputs, &n->n_outputs, out), 0);
	return n;
}

/* x[2,3] -> Relu -> Sigmoid -> Tanh -> y: three device nodes in one stage. */
static struct ir_graph *three_device_nodes(void)
{
	struct ir_graph *g = ir_graph_create();
	const int64_t d[] = { 2, 3 };
	int x = add_f32(g, "x", 2, d), a = add_f32(g, "a", 2, d), b = add_f32(g, "b", 2, d);
	int y = add_f32(g, "y", 2, d);

	assert_int_equal(ir_index_append(&g->inputs, &g->n_inputs, x), 0);
	chain_node(g, "relu", "Relu", &x, 1, a);
	chain_node(g, "sigmoid", "Sigmoid", &a, 1, b);
	chain_node(g, "tanh", "Tanh", &b, 1, y);
	assert_int_equal(ir_index_append(&g->outputs, &g->n_outputs, y), 0);
	g->opset = 13;
	return g;
}

/*
 * x[2,3] -> Relu -> Gemm(alpha 2, w[3,4]) -> Relu -> Sigmoid -> y[2,4]: the Gemm runs on the
 * host, between a device stage of one node and one of two.
 */
static struct ir_graph *device_host_device(void)
{
	struct ir_graph *g = ir_graph_create();
	const int64_t dx[] = { 2, 3 }, dw[] = { 3, 4 }, dy[] = { 2, 4 };
	int x = add_f32(g, "x", 2, dx), r = add_f32(g, "r", 2, dx), w = add_f32(g, "w", 2, dw);
	int m = add_f32(g, "m", 2, dy), s = add_f32(g, "s", 2, dy), y = add_f32(g, "y", 2, dy);
	const int in_gemm[] = { r, w };
	struct ir_attr *alpha;

	g->tensors[w]->data = calloc(12, sizeof(float));
	g->tensors[w]->data_size = 12 * sizeof(float);
	assert_int_equal(ir_index_append(&g->inputs, &g->n_inputs, x), 0);
	assert_int_equal(ir_index_append(&g->initializers, &g->n_initializers, w), 0);
	chain_node(g, "relu0", "Relu", &x, 1, r);
	alpha = ir_node_add_attr(chain_node(g, "gemm", "Gemm", in_gemm, 2, m), "alpha",
				 IR_ATTR_FLOAT);
	alpha->f = 2;
	chain_node(g, "relu1", "Relu", &m, 1, s);
	chain_node(g, "sigmoid", "Sigmoid", &s, 1, y);
	assert_int_equal(ir_index_append(&g->outputs, &g->n_outputs, y), 0);
	g->opset = 13;
	return g;
}

/* The stream offset of the @k-th TIMESTAMP packet of @p's stream, or -1. */
static long timestamp_at(const struct vnpu_prog *p, unsigned int k)
{
	size_t off = 0;

	while (off < p->len) {
		const struct vnpu_pkt_header *h = (const void *)(p->stream + off);

		if (h->opcode == VNPU_OP_TIMESTAMP && !k--)
			return (long)off;
		off += h->length * 4u;
	}
	return -1;
}

/* The relocation at stream offset @offset of stage @s, or NULL. */
static const struct vnpu_prog_reloc *stage_reloc_at(const struct vnpu_prog *p, unsigned int s,
						    uint64_t offset)
{
	const struct vnpu_prog_stage *st = &p->stages[s];

	for (unsigned int i = st->reloc_first; i < st->reloc_first + st->nrelocs; i++)
		if (p->relocs[i].offset == offset - st->offset)
			return &p->relocs[i];
	return NULL;
}

static void n_device_nodes_give_n_plus_one_timestamps_in_their_stage(void **state)
{
	struct ir_graph *g = three_device_nodes();
	struct vnpu_prog *p;
	char err[256];

	(void)state;
	assert_int_equal(codegen_vnpu_opts(g, &profiled, &p, err, sizeof(err)), 0);
	assert_int_equal(p->nstages, 1);
	assert_int_equal(p->n_timestamps, 4);
	assert_int_equal(p->stages[0].ts_first, 0);
	assert_int_equal(p->stages[0].n_ts, 4);
	assert_int_equal(p->n_graph_nodes, 3);
	for (int n = 0; n < 3; n++)
		assert_int_equal(p->node_ts[n], n + 1);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

/* Timestamp k is the k-th TIMESTAMP of the stream: the first one first, then one per node. */
static void timestamps_start_the_stage_and_follow_each_node(void **state)
{
	struct ir_graph *g = three_device_nodes();
	struct vnpu_prog *p;
	char err[256];

	(void)state;
	assert_int_equal(codegen_vnpu_opts(g, &profiled, &p, err, sizeof(err)), 0);
	assert_int_equal(timestamp_at(p, 0), 0);
	for (unsigned int k = 0; k < 4; k++) {
		long off = timestamp_at(p, k);
		const struct vnpu_prog_reloc *r;

		assert_true(off >= 0);
		r = stage_reloc_at(p, 0, (uint64_t)off + offsetof(struct vnpu_pkt_timestamp, va));
		assert_non_null(r);
		assert_int_equal(r->slot, p->profile_slot);
		assert_int_equal(r->addend, k * sizeof(uint64_t));
	}
	/* The last node's timestamp ends the stream: nothing runs after it. */
	assert_int_equal(timestamp_at(p, 3) + sizeof(struct vnpu_pkt_timestamp), p->len);
	assert_int_equal(timestamp_at(p, 4), -1);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

static void profile_slot_is_its_own_outside_the_arena(void **state)
{
	struct ir_graph *g = three_device_nodes();
	struct vnpu_prog *p;
	char err[256];

	(void)state;
	assert_int_equal(codegen_vnpu_opts(g, &profiled, &p, err, sizeof(err)), 0);
	/* Two intermediates, so there is an arena. */
	assert_true(p->arena_slot >= 0);
	assert_true(p->profile_slot >= 0 && p->profile_slot < (int)p->nslots);
	assert_int_not_equal(p->profile_slot, p->arena_slot);
	assert_int_equal(p->slots[p->profile_slot].size, 4 * sizeof(uint64_t));
	assert_null(p->slots[p->profile_slot].data);
	assert_int_equal(p->slots[p->profile_slot].tensor, -1);
	for (size_t t = 0; t < p->n_tensors; t++)
		assert_int_not_equal(p->tensor_slot[t], p->profile_slot);
	/* Only the timestamps write it. */
	for (unsigned int i = 0; i < p->nrelocs; i++)
		if (p->relocs[i].slot == (uint32_t)p->profile_slot)
			assert_int_equal(((const struct vnpu_pkt_header *)(p->stream +
					  p->stages[0].offset + p->relocs[i].offset -
					  offsetof(struct vnpu_pkt_timestamp, va)))->opcode,
					 VNPU_OP_TIMESTAMP);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

static void each_device_stage_has_its_own_timestamps(void **state)
{
	struct ir_graph *g = device_host_device();
	struct vnpu_prog *p;
	char err[256];

	(void)state;
	assert_int_equal(codegen_vnpu_opts(g, &profiled, &p, err, sizeof(err)), 0);
	assert_int_equal(p->nstages, 3);
	assert_int_equal(p->stages[0].ts_first, 0);
	assert_int_equal(p->stages[0].n_ts, 2);
	assert_int_equal(p->stages[1].ts_first, -1);
	assert_int_equal(p->stages[1].n_ts, 0);
	assert_int_equal(p->stages[2].ts_first, 2);
	assert_int_equal(p->stages[2].n_ts, 3);
	assert_int_equal(p->n_timestamps, 5);
	assert_int_equal(p->node_ts[0], 1);
	assert_int_equal(p->node_ts[1], -1);	/* the host's Gemm */
	assert_int_equal(p->node_ts[2], 3);
	assert_int_equal(p->node_ts[3], 4);
	/* The second stage's start is the first packet of its stream. */
	assert_int_equal(timestamp_at(p, 2), p->stages[2].offset);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

static void program_without_device_nodes_has_no_profile(void **state)
{
	struct ir_graph *g = ir_graph_create();
	const int64_t d[] = { 2, 3 };
	int x = add_f32(g, "x", 2, d), y = add_f32(g, "y", 2, d);
	struct vnpu_prog *p;
	char err[256];

	(void)state;
	assert_int_equal(ir_index_append(&g->inputs, &g->n_inputs, x), 0);
	chain_node(g, "id", "Identity", &x, 1, y);
	assert_int_equal(ir_index_append(&g->outputs, &g->n_outputs, y), 0);
	g->opset = 13;
	assert_int_equal(codegen_vnpu_opts(g, &profiled, &p, err, sizeof(err)), 0);
	assert_int_equal(p->profile_slot, -1);
	assert_int_equal(p->n_timestamps, 0);
	assert_int_equal(p->node_ts[0], -1);
	assert_int_equal(p->stages[0].ts_first, -1);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

/* Without the option the stream is the nodes' packets alone (what codegen_vnpu() gives). */
static void unprofiled_program_has_no_timestamps(void **state)
{
	struct ir_graph *g = three_device_nodes();
	struct vnpu_prog *p;
	char err[256];

	(void)state;
	assert_int_equal(codegen_vnpu(g, &p, err, sizeof(err)), 0);
	assert_int_equal(p->profile_slot, -1);
	assert_int_equal(p->n_timestamps, 0);
	assert_int_equal(p->n_packets, 3);
	assert_int_equal(timestamp_at(p, 0), -1);
	for (int n = 0; n < 3; n++)
		assert_int_equal(p->node_ts[n], -1);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

static void node_time_is_its_timestamp_less_the_one_before(void **state)
{
	struct ir_graph *g = device_host_device();
	/* stage 0: start 100, relu0 130; stage 2: start 500, relu1 510, sigmoid 600 */
	const uint64_t ts[] = { 100, 130, 500, 510, 600 };
	double ns[4], stage;
	struct vnpu_prog *p;
	char err[256];

	(void)state;
	assert_int_equal(codegen_vnpu_opts(g, &profiled, &p, err, sizeof(err)), 0);
	assert_int_equal(vnpu_prog_node_times(p, ts, ns), 0);
	assert_true(ns[0] == 30);
	assert_true(ns[1] == -1);
	assert_true(ns[2] == 10);
	assert_true(ns[3] == 90);
	assert_int_equal(vnpu_prog_stage_time(p, 2, ts, &stage), 0);
	assert_true(stage == 100);
	assert_int_equal(vnpu_prog_stage_time(p, 1, ts, &stage), -ENODATA);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

static void unwritten_timestamp_gives_no_times(void **state)
{
	struct ir_graph *g = device_host_device();
	/* The second stage did not run to its end. */
	const uint64_t ts[] = { 100, 130, 500, 510, 0 };
	double ns[4];
	struct vnpu_prog *p;
	char err[256];

	(void)state;
	assert_int_equal(codegen_vnpu_opts(g, &profiled, &p, err, sizeof(err)), 0);
	assert_int_equal(vnpu_prog_node_times(p, ts, ns), -EINVAL);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

/* A model compiled (passes on) and its program file's bytes. */
struct compiled {
	struct compile_result r;
	void *buf;
	size_t len;
};

static void compile_test(const char *name, struct compiled *c)
{
	char path[512], err[512] = "";
	struct program_file_meta meta = { .flags = PROGRAM_FILE_FLAG_PASSES };

	snprintf(path, sizeof(path), "%s/%s/model.onnx", NODE_DIR, name);
	if (access(path, R_OK))
		skip();
	assert_int_equal(compile_model_file(path, NULL, &c->r, err, sizeof(err)), 0);
	assert_int_equal(program_file_encode(c->r.g, c->r.prog, &meta, &c->buf, &c->len, err,
					     sizeof(err)), 0);
}

static void compiled_free(struct compiled *c)
{
	compile_result_free(&c->r);
	free(c->buf);
}

/* The node of @g writing the tensor named @name. */
static size_t node_writing(const struct ir_graph *g, const char *name)
{
	for (size_t i = 0; i < g->n_nodes; i++)
		if (g->nodes[i]->n_outputs && g->nodes[i]->outputs[0] >= 0 &&
		    !strcmp(g->tensors[g->nodes[i]->outputs[0]]->name, name))
			return i;
	fail_msg("no node writes '%s'", name);
	return 0;
}

static void program_file_keeps_the_timestamp_map(void **state)
{
	struct compiled c = { 0 };
	struct program_file *pf;
	const struct vnpu_prog *a, *b;
	char err[512] = "";
	unsigned int mapped = 0;

	(void)state;
	compile_test("test_conv_with_strides_padding", &c);
	assert_int_equal(program_file_decode(c.buf, c.len, &pf, err, sizeof(err)), 0);
	a = c.r.prog;
	b = pf->prog;
	assert_true(a->profile_slot >= 0);
	assert_int_equal(b->profile_slot, a->profile_slot);
	assert_int_equal(b->n_timestamps, a->n_timestamps);
	for (unsigned int s = 0; s < a->nstages; s++) {
		assert_int_equal(b->stages[s].ts_first, a->stages[s].ts_first);
		assert_int_equal(b->stages[s].n_ts, a->stages[s].n_ts);
	}
	/* Nodes are matched by their first output's name: the graph read back numbers its own. */
	for (size_t n = 0; n < a->n_graph_nodes; n++) {
		const struct ir_node *node = c.r.g->nodes[n];

		if (a->node_ts[n] < 0)
			continue;
		assert_int_equal(b->node_ts[node_writing(pf->g,
				 c.r.g->tensors[node->outputs[0]]->name)], a->node_ts[n]);
		mapped++;
	}
	assert_int_equal(mapped, a->n_nodes_device);
	program_file_free(pf);
	compiled_free(&c);
}

/* A version 1 file (no profile section: the table's last entry dropped) loads, unprofiled. */
static void version_one_file_loads_without_a_profile(void **state)
{
	struct compiled c = { 0 };
	struct program_file *pf;
	uint8_t *b;
	char err[512] = "";

	(void)state;
	compile_test("test_relu", &c);
	b = c.buf;
	b[PROGRAM_FILE_MAGIC_LEN] = 1;
	b[40] = 11;		/* the section count: the profile (id 12) was the last */
	assert_int_equal(program_file_decode(c.buf, c.len, &pf, err, sizeof(err)), 0);
	assert_int_equal(pf->version, 1);
	assert_int_equal(pf->prog->profile_slot, -1);
	assert_int_equal(pf->prog->n_timestamps, 0);
	for (size_t n = 0; n < pf->prog->n_graph_nodes; n++)
		assert_int_equal(pf->prog->node_ts[n], -1);
	for (unsigned int s = 0; s < pf->prog->nstages; s++)
		assert_int_equal(pf->prog->stages[s].ts_first, -1);
	program_file_free(pf);
	compiled_free(&c);
}

/* The profile section's entry in the section table of @b: its offset. */
static uint64_t profile_section(const uint8_t *b)
{
	uint64_t off = 0;

	for (uint32_t i = 0; i < 12; i++)
		if (b[48 + 24 * i] == 12)
			memcpy(&off, b + 48 + 24 * i + 8, sizeof(off));
	return off;
}

/* A node's timestamp that is a stage's start (it would read the timestamp before it). */
static void node_timestamp_at_a_stage_start_refused(void **state)
{
	struct compiled c = { 0 };
	struct program_file *pf = NULL;
	uint8_t *b;
	uint64_t off;
	char err[512] = "";

	(void)state;
	compile_test("test_relu", &c);
	b = c.buf;
	off = profile_section(b);
	assert_true(off > 0);
	/* Head (8), one stage (8), then the Relu: its timestamp index, set to 0. */
	assert_int_equal(c.r.prog->nstages, 1);
	memset(b + off + 16 + 4, 0, 4);
	assert_int_equal(program_file_decode(c.buf, c.len, &pf, err, sizeof(err)), -EINVAL);
	assert_null(pf);
	assert_non_null(strstr(err, "profile"));
	compiled_free(&c);
}

/* A profile slot too small for the timestamps the stages write. */
static void too_many_timestamps_for_the_slot_refused(void **state)
{
	struct compiled c = { 0 };
	struct program_file *pf = NULL;
	uint8_t *b;
	uint64_t off;
	char err[512] = "";

	(void)state;
	compile_test("test_relu", &c);
	b = c.buf;
	off = profile_section(b);
	assert_true(off > 0);
	b[off + 4] = 200;
	assert_int_equal(program_file_decode(c.buf, c.len, &pf, err, sizeof(err)), -EINVAL);
	assert_null(pf);
	assert_non_null(strstr(err, "profile slot"));
	compiled_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(n_device_nodes_give_n_plus_one_timestamps_in_their_stage),
		cmocka_unit_test(timestamps_start_the_stage_and_follow_each_node),
		cmocka_unit_test(profile_slot_is_its_own_outside_the_arena),
		cmocka_unit_test(each_device_stage_has_its_own_timestamps),
		cmocka_unit_test(program_without_device_nodes_has_no_profile),
		cmocka_unit_test(unprofiled_program_has_no_timestamps),
		cmocka_unit_test(node_time_is_its_timestamp_less_the_one_before),
		cmocka_unit_test(unwritten_timestamp_gives_no_times),
		cmocka_unit_test(program_file_keeps_the_timestamp_map),
		cmocka_unit_test(version_one_file_loads_without_a_profile),
		cmocka_unit_test(node_timestamp_at_a_stage_start_refused),
		cmocka_unit_test(too_many_timestamps_for_the_slot_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

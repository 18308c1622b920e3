// SPDX-License-Identifier: MIT
/*
 * Compiled program files (compiler/program_file.h): a program written and loaded back is the
 * program compiled (stream, relocations, stages, slots, tensors), its host stages compute what
 * the compiled ones do; a file that is not a program, of another version, truncated or
 * corrupt is refused with a message. (Running a loaded program on the vnpu, embedded and
 * through acceld: tests/scripts/accel-compile.sh.)
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

#include "compiler/compile.h"
#include "compiler/onnx_tensor.h"
#include "compiler/program_file.h"
#include "compiler/tensor_compare.h"

#define NODE_DIR ONNX_TESTDATA_DIR "/node"

/* A model compiled (passes on) and its program file's bytes. */
struct compiled {
	struct compile_result r;
	void *buf;
	size_t len;
};

static void compile_test_in(const char *dir, const char *name, struct compiled *c)
{
	char path[512], err[512] = "";
	struct program_file_meta meta = { .flags = PROGRAM_FILE_FLAG_PASSES };

	snprintf(path, sizeof(path), "%s/%s/model.onnx", dir, name);
	if (access(path, R_OK))
		skip();
	assert_int_equal(compile_model_file(path, NULL, &c->r, err, sizeof(err)), 0);
	meta.nodes_before = c->r.passes.nodes_before;
	meta.nodes_after = c->r.passes.nodes_after;
	assert_int_equal(program_file_encode(c->r.g, c->r.prog, &meta, &c->buf, &c->len, err,
					     sizeof(err)), 0);
}

static void compile_test(const char *name, struct compiled *c)
{
	compile_test_in(NODE_DIR, name, c);
}

static void compiled_free(struct compiled *c)
{
	compile_result_free(&c->r);
	free(c->buf);
}

static const char *tensor_name(const struct ir_graph *g, int t)
{
	return t >= 0 ? g->tensors[t]->name : "(none)";
}

static void program_round_trips(void **state)
{
	char err[512] = "";
	struct program_file *pf;
	struct compiled c = { 0 };
	const struct vnpu_prog *a, *b;

	(void)state;
	compile_test("test_conv_with_strides_padding", &c);
	assert_int_equal(program_file_decode(c.buf, c.len, &pf, err, sizeof(err)), 0);
	a = c.r.prog;
	b = pf->prog;
	assert_string_equal(pf->device, "vnpu");
	assert_int_equal(pf->version, PROGRAM_FILE_VERSION);
	assert_int_equal(pf->meta.flags, PROGRAM_FILE_FLAG_PASSES);
	assert_int_equal(a->len, b->len);
	assert_memory_equal(a->stream, b->stream, a->len);
	assert_int_equal(a->nrelocs, b->nrelocs);
	assert_memory_equal(a->relocs, b->relocs, a->nrelocs * sizeof(*a->relocs));
	assert_int_equal(a->nstages, b->nstages);
	for (unsigned int i = 0; i < a->nstages; i++) {
		assert_int_equal(a->stages[i].host, b->stages[i].host);
		assert_int_equal(a->stages[i].offset, b->stages[i].offset);
		assert_int_equal(a->stages[i].len, b->stages[i].len);
		assert_int_equal(a->stages[i].reloc_first, b->stages[i].reloc_first);
		assert_int_equal(a->stages[i].nrelocs, b->stages[i].nrelocs);
	}
	assert_int_equal(a->nslots, b->nslots);
	for (unsigned int i = 0; i < a->nslots; i++) {
		assert_int_equal(a->slots[i].size, b->slots[i].size);
		assert_int_equal(!a->slots[i].data, !b->slots[i].data);
		if (a->slots[i].data)
			assert_memory_equal(a->slots[i].data, b->slots[i].data, a->slots[i].size);
		assert_string_equal(tensor_name(c.r.g, a->slots[i].tensor),
				    tensor_name(pf->g, b->slots[i].tensor));
	}
	/* Every graph input and output is in the same slot. */
	assert_int_equal(c.r.g->n_inputs, pf->g->n_inputs);
	assert_int_equal(c.r.g->n_outputs, pf->g->n_outputs);
	for (size_t i = 0; i < c.r.g->n_inputs; i++)
		assert_int_equal(a->tensor_slot[c.r.g->inputs[i]], b->tensor_slot[pf->g->inputs[i]]);
	for (size_t i = 0; i < c.r.g->n_outputs; i++)
		assert_int_equal(a->tensor_slot[c.r.g->outputs[i]],
				 b->tensor_slot[pf->g->outputs[i]]);
	assert_int_equal(a->n_packets, b->n_packets);
	assert_int_equal(a->n_nodes_device, b->n_nodes_device);
	assert_true(a->flops_device == b->flops_device);
	program_file_free(pf);
	compiled_free(&c);
}

/*
 * Run the host stages of @p (a program of host stages only) on fresh slots holding its
 * constants and the test's inputs: the bytes of output 0.
 */
static void *run_host_program(struct ir_graph *g, const struct vnpu_prog *p, const char *test,
			      size_t *out_len)
{
	void **maps = calloc(p->nslots, sizeof(*maps));
	char path[512], err[512];
	void *out;

	assert_non_null(maps);
	for (unsigned int i = 0; i < p->nslots; i++) {
		maps[i] = calloc(1, p->slots[i].size);
		assert_non_null(maps[i]);
		if (p->slots[i].data)
			memcpy(maps[i], p->slots[i].data, p->slots[i].size);
	}
	for (size_t i = 0; i < g->n_inputs; i++) {
		struct ir_tensor *t;

		snprintf(path, sizeof(path), "%s/%s/test_data_set_0/input_%zu.pb", NODE_DIR, test, i);
		assert_int_equal(onnx_tensor_read_file(path, &t, err, sizeof(err)), 0);
		memcpy(maps[p->tensor_slot[g->inputs[i]]], t->data, t->data_size);
		ir_tensor_free(t);
	}
	for (unsigned int s = 0; s < p->nstages; s++) {
		struct vnpu_host_stage hs = { .g = g, .p = p, .stage = s };

		assert_true(p->stages[s].host);
		assert_int_equal(vnpu_host_stage_run(&hs, maps, p->nslots), 0);
	}
	*out_len = (size_t)ir_tensor_numel(g->tensors[g->outputs[0]]) *
		   ir_dtype_size(g->tensors[g->outputs[0]]->dtype);
	out = malloc(*out_len);
	assert_non_null(out);
	memcpy(out, maps[p->tensor_slot[g->outputs[0]]], *out_len);
	for (unsigned int i = 0; i < p->nslots; i++)
		free(maps[i]);
	free(maps);
	return out;
}

static void host_stages_compute_the_same(void **state)
{
	struct compiled c = { 0 };
	struct program_file *pf;
	struct ir_tensor *ref;
	struct tensor_compare_result cmp;
	char err[512] = "";
	size_t la, lb;
	void *a, *b;

	(void)state;
	/* Gemm's alpha has no device lowering: the whole model is one host stage. */
	compile_test("test_gemm_alpha", &c);
	assert_int_equal(program_file_decode(c.buf, c.len, &pf, err, sizeof(err)), 0);
	assert_int_equal(pf->prog->n_nodes_host, 1);
	a = run_host_program(c.r.g, c.r.prog, "test_gemm_alpha", &la);
	b = run_host_program(pf->g, pf->prog, "test_gemm_alpha", &lb);
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, la);
	assert_int_equal(onnx_tensor_read_file(NODE_DIR "/test_gemm_alpha/test_data_set_0/output_0.pb",
					       &ref, err, sizeof(err)), 0);
	assert_int_equal(tensor_compare(ref, IR_DTYPE_FLOAT, b, lb / 4, 1e-3, 1e-4, &cmp), 0);
	assert_int_equal(cmp.mismatches, 0);
	ir_tensor_free(ref);
	free(a);
	free(b);
	program_file_free(pf);
	compiled_free(&c);
}

static void other_magic_refused(void **state)
{
	struct compiled c = { 0 };
	struct program_file *pf = NULL;
	char err[512] = "";

	(void)state;
	compile_test("test_relu", &c);
	((uint8_t *)c.buf)[0] ^= 0xff;
	assert_int_equal(program_file_decode(c.buf, c.len, &pf, err, sizeof(err)), -EINVAL);
	assert_null(pf);
	assert_non_null(strstr(err, "not a program file"));
	compiled_free(&c);
}

static void other_version_refused(void **state)
{
	struct compiled c = { 0 };
	struct program_file *pf = NULL;
	char err[512] = "";

	(void)state;
	compile_test("test_relu", &c);
	((uint8_t *)c.buf)[PROGRAM_FILE_MAGIC_LEN] = PROGRAM_FILE_VERSION + 1;
	assert_int_equal(program_file_decode(c.buf, c.len, &pf, err, sizeof(err)), -EOPNOTSUPP);
	assert_null(pf);
	assert_non_null(strstr(err, "version"));
	compiled_free(&c);
}

static void every_truncation_refused(void **state)
{
	struct compiled c = { 0 };
	char err[512];

	(void)state;
	compile_test("test_relu", &c);
	for (size_t len = 0; len < c.len; len++) {
		struct program_file *pf = NULL;

		err[0] = '\0';
		assert_int_equal(program_file_decode(c.buf, len, &pf, err, sizeof(err)), -EINVAL);
		assert_null(pf);
		assert_true(err[0]);
	}
	compiled_free(&c);
}

/* A relocation naming a slot the program does not have (the first relocation's slot field). */
static void relocation_outside_the_slots_refused(void **state)
{
	struct compiled c = { 0 };
	struct program_file *pf = NULL;
	uint8_t *b;
	uint64_t off = 0;
	char err[512] = "";

	(void)state;
	compile_test("test_relu", &c);
	b = c.buf;
	/* Section table entry of the relocations (id 4): its offset. */
	for (uint32_t i = 0; i < 11; i++) {
		uint8_t *e = b + 48 + 24 * i;

		if (e[0] == 4)
			memcpy(&off, e + 8, sizeof(off));
	}
	assert_true(off > 0 && off + 24 <= c.len);
	memset(b + off + 8, 0xee, 4);
	assert_int_equal(program_file_decode(c.buf, c.len, &pf, err, sizeof(err)), -EINVAL);
	assert_null(pf);
	assert_non_null(strstr(err, "relocation"));
	compiled_free(&c);
}

/* A model with a constant-weight Conv: its weights get a packed slot (compiler/codegen_vnpu.h). */
static void compile_packed(struct compiled *c)
{
	compile_test_in(ONNX_TESTDATA_DIR "/pytorch-converted", "test_Conv2d_groups", c);
}

static int first_packed(const struct vnpu_prog *p)
{
	for (unsigned int i = 0; i < p->nslots; i++)
		if (p->slots[i].packed)
			return (int)i;
	return -1;
}

static void packed_slots_round_trip(void **state)
{
	struct compiled c = { 0 };
	struct program_file *pf = NULL;
	const struct vnpu_prog_slot *a, *b;
	char err[512] = "";
	int i;

	(void)state;
	compile_packed(&c);
	i = first_packed(c.r.prog);
	assert_true(i >= 0);
	assert_int_equal(program_file_decode(c.buf, c.len, &pf, err, sizeof(err)), 0);
	assert_int_equal(first_packed(pf->prog), i);
	a = &c.r.prog->slots[i];
	b = &pf->prog->slots[i];
	assert_int_equal(a->pack_src, b->pack_src);
	assert_memory_equal(&a->pack, &b->pack, sizeof(a->pack));
	assert_null(b->data);
	assert_non_null(pf->prog->slots[b->pack_src].data);
	program_file_free(pf);
	compiled_free(&c);
}

/* The offset of section @id of the file in @b (0 when absent). */
static uint64_t section_offset(const uint8_t *b, uint8_t id)
{
	uint64_t off = 0;

	for (uint32_t k = 0; k < 11; k++) {
		const uint8_t *e = b + 48 + 24 * k;

		if (e[0] == id)
			memcpy(&off, e + 8, sizeof(off));
	}
	return off;
}

/*
 * A file written before CONV2D's act_alpha/act_beta were appended holds a packing packet of
 * the first version's length: it loads, its appended fields zero.
 */
static void packed_slot_of_the_first_conv2d_version_loads(void **state)
{
	struct compiled c = { 0 };
	struct program_file *pf = NULL;
	uint64_t slots, consts, at;
	char err[512] = "";
	uint16_t len = VNPU_PKT_CONV2D_SIZE_V1 / 4;
	int i;

	(void)state;
	compile_packed(&c);
	i = first_packed(c.r.prog);
	assert_true(i >= 0);
	slots = section_offset(c.buf, 7);
	consts = section_offset(c.buf, 8);
	assert_true(slots > 0 && consts > 0);
	memcpy(&at, (uint8_t *)c.buf + slots + 32 * (uint64_t)i + 16, sizeof(at));
	/* the header's length (u16 after the u16 opcode): the first version's 28 dwords */
	memcpy((uint8_t *)c.buf + consts + at + 2, &len, sizeof(len));
	assert_int_equal(program_file_decode(c.buf, c.len, &pf, err, sizeof(err)), 0);
	assert_true(pf->prog->slots[i].packed);
	assert_int_equal(pf->prog->slots[i].pack.hdr.length, len);
	assert_int_equal(pf->prog->slots[i].pack.act_alpha, 0);
	assert_int_equal(pf->prog->slots[i].pack.act_beta, 0);
	program_file_free(pf);
	compiled_free(&c);
}

/* A packed slot whose source (its record's last u64) is a slot without contents. */
static void packed_slot_from_an_empty_slot_refused(void **state)
{
	struct compiled c = { 0 };
	struct program_file *pf = NULL;
	uint64_t off = 0, len = 0, empty = UINT64_MAX;
	uint8_t *b;
	char err[512] = "";
	int i;

	(void)state;
	compile_packed(&c);
	b = c.buf;
	/* Section table entry of the slots (id 7): its offset and length. */
	for (uint32_t k = 0; k < 11; k++) {
		uint8_t *e = b + 48 + 24 * k;

		if (e[0] == 7) {
			memcpy(&off, e + 8, sizeof(off));
			memcpy(&len, e + 16, sizeof(len));
		}
	}
	assert_true(off > 0 && off + len <= c.len);
	for (uint64_t k = 0; k < len / 32; k++)
		if (!(b[off + 32 * k + 12] & 3) && empty == UINT64_MAX)
			empty = k;
	i = first_packed(c.r.prog);
	assert_true(i >= 0 && empty != UINT64_MAX);
	memcpy(b + off + 32 * (uint64_t)i + 24, &empty, sizeof(empty));
	assert_int_equal(program_file_decode(c.buf, c.len, &pf, err, sizeof(err)), -EINVAL);
	assert_null(pf);
	assert_non_null(strstr(err, "no contents"));
	compiled_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(packed_slots_round_trip),
		cmocka_unit_test(packed_slot_from_an_empty_slot_refused),
		cmocka_unit_test(packed_slot_of_the_first_conv2d_version_loads),
		cmocka_unit_test(program_round_trips),
		cmocka_unit_test(host_stages_compute_the_same),
		cmocka_unit_test(other_magic_refused),
		cmocka_unit_test(other_version_refused),
		cmocka_unit_test(every_truncation_refused),
		cmocka_unit_test(relocation_outside_the_slots_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

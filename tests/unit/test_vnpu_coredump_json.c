// SPDX-License-Identifier: MIT
/*
 * `accel debug dump --json` and `accel debug vm --json` (tools/accel/debug_json.c): the
 * driver's views after a real hang read as JSON with json-c. In-process first: an embedded
 * core, a job and a user-queue entry that hang (injected), and the debugfs text of each view
 * turned into JSON by the tool's reader, checked field by field against what the test knows
 * (client, job, seqno, the packet, the mapping). Then the command itself through acceld:
 * `accel debug inject` a hang, a model run hits it, and `accel debug dump --json` names the
 * hung job (the one state.last_hang names) and its packet by opcode name.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <libgen.h>
#include <sys/wait.h>

#include "vnpu_client.h"
#include <libaccel.h>
#include <libaccel_vnpu.h>
#include "tools/accel/debug_json.h"

static const char config[] = "[vnpu.0]\ndriver = vnpu\njob_timeout_ms = 100\ndma_engines = 1\n";

#define DEBUGFS "sys/kernel/debug/accel/vnpu.0/"
/* A bound on a user-queue entry's wait (the job timeout is 100 ms). */
#define UQ_WAIT_NS 30000000000ll

/*
 * debugfs file @name of vnpu.0, whole (malloc'd), read as `accel debug` reads it. Not inlined:
 * inlined at -O3, GCC 12 takes the returned buffer for a pointer to the local @text
 * (-Wdangling-pointer false positive).
 */
static __attribute__((noinline)) char *dbg_read(const char *name)
{
	char path[128], *text = NULL;

	snprintf(path, sizeof(path), DEBUGFS "%s", name);
	assert_true(accel_attr_read(path, &text) >= 0);
	assert_non_null(text);
	return text;
}

static void dbg_write(const char *name, const char *text)
{
	char path[128];

	snprintf(path, sizeof(path), DEBUGFS "%s", name);
	assert_int_equal(accel_attr_write(path, text, strlen(text)), (ssize_t)strlen(text));
}

/* Member @key of @o, which must be there. */
static json_object *get(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v)) {
		print_error("no \"%s\" in %s\n", key, json_object_to_json_string(o));
		fail();
	}
	return v;
}

static int64_t get_int(json_object *o, const char *key)
{
	json_object *v = get(o, key);

	assert_true(json_object_is_type(v, json_type_int));
	return json_object_get_int64(v);
}

static const char *get_str(json_object *o, const char *key)
{
	json_object *v = get(o, key);

	assert_true(json_object_is_type(v, json_type_string));
	return json_object_get_string(v);
}

/* The element of array @a whose "name" is @name, or NULL. */
static json_object *named(json_object *a, const char *name)
{
	size_t i;

	for (i = 0; i < json_object_array_length(a); i++) {
		json_object *e = json_object_array_get_idx(a, i), *n;

		if (json_object_object_get_ex(e, "name", &n) && !strcmp(json_object_get_string(n), name))
			return e;
	}
	return NULL;
}

/* ---- in-process: the views of an embedded core after a hang ---- */

struct hung {
	struct vc_client c;
	struct vc_bo bo;
	uint32_t ctx, out;
	uint64_t job_id;
};

static struct hung h;

/* A DMA job that hangs (injected) before its first packet, DMA_FILL then DMA_COPY. */
static int embedded_setup(void **state)
{
	struct vnpu_stream s = { .len = 0 };
	struct vc_submit sub = { 0 };
	int ctx;

	(void)state;
	if (test_embedded_start("vnpu-coredump-json", config))
		return -1;
	vc_open(&h.c, "vnpu.0");
	vc_bo_new(&h.c, &h.bo, 4096, 0);
	ctx = vc_ctx_create(&h.c, VNPU_ENGINE_DMA, VNPU_PRIORITY_NORMAL);
	if (ctx <= 0)
		return -1;
	h.ctx = (uint32_t)ctx;
	h.out = vc_syncobj(&h.c, 0);
	vc_dma_fill(&s, h.bo.va, 64, 0x11, 8);
	vc_dma_copy(&s, h.bo.va, h.bo.va + 64, 64);
	if (accel_attr_write(DEBUGFS "coredump", "1\n", 2) != 2 ||
	    accel_attr_write(DEBUGFS "inject_engine", "all\n", 4) != 4 ||
	    accel_attr_write(DEBUGFS "inject_hang", "1\n", 2) != 2)
		return -1;
	sub.ctx = h.ctx;
	sub.stream = &s;
	sub.out = h.out;
	if (vc_submit(&h.c, &sub))
		return -1;
	vc_wait(&h.c, h.out, 0);
	h.job_id = sub.job_id;
	return 0;
}

static int embedded_teardown(void **state)
{
	(void)state;
	vc_bo_free(&h.c, &h.bo);
	vc_close(&h.c);
	return test_embedded_stop();
}

static void coredump_json_names_the_hung_job(void **state)
{
	char *text = dbg_read("coredump");
	json_object *o = debug_json_coredumps(text), *hang, *job;

	(void)state;
	free(text);
	assert_non_null(o);
	hang = get(o, "hang");
	assert_non_null(hang);
	assert_null(get(o, "fault"));
	assert_string_equal(get_str(hang, "reason"), "hang");
	assert_int_equal(get_int(hang, "error"), -ETIME);
	job = get(hang, "job");
	assert_int_equal(get_int(job, "client"), (int64_t)h.c.client_id);
	assert_int_equal(get_int(job, "ctx"), h.ctx);
	assert_int_equal(get_int(job, "job"), (int64_t)h.job_id);
	assert_string_equal(get_str(job, "engine"), "dma0");
	assert_string_equal(get_str(get(hang, "device"), "name"), "vnpu.0");
	json_object_put(o);
}

static void coredump_json_names_the_packet_it_stopped_at(void **state)
{
	char *text = dbg_read("coredump");
	json_object *o = debug_json_coredumps(text), *hang, *stopped, *packets, *p0, *p1;

	(void)state;
	free(text);
	hang = get(o, "hang");
	stopped = get(hang, "stopped");
	assert_int_equal(get_int(stopped, "packet"), 0);
	assert_int_equal(get_int(stopped, "offset"), 0);
	assert_string_equal(get_str(stopped, "opcode"), "DMA_FILL");
	assert_true(json_object_get_boolean(get(stopped, "injected_hang")));
	packets = get(hang, "packets");
	assert_int_equal(json_object_array_length(packets), 2);
	p0 = json_object_array_get_idx(packets, 0);
	p1 = json_object_array_get_idx(packets, 1);
	assert_true(json_object_get_boolean(get(p0, "here")));
	assert_false(json_object_get_boolean(get(p1, "here")));
	assert_string_equal(get_str(p0, "opcode"), "DMA_FILL");
	assert_int_equal(get_int(p0, "opcode_value"), VNPU_OP_DMA_FILL);
	assert_string_equal(get_str(p1, "opcode"), "DMA_COPY");
	assert_int_equal(get_int(p1, "offset"), sizeof(struct vnpu_pkt_dma_fill));
	/* Every dword of the packet, the first its header. */
	assert_int_equal(json_object_array_length(get(p0, "dwords")), get_int(p0, "length"));
	assert_int_equal(json_object_get_int64(json_object_array_get_idx(get(p0, "dwords"), 0)) & 0xffff,
			 VNPU_OP_DMA_FILL);
	json_object_put(o);
}

static void coredump_json_has_the_mappings_and_the_engines(void **state)
{
	char *text = dbg_read("coredump");
	json_object *o = debug_json_coredumps(text), *hang, *vm, *maps, *dma0;
	bool found = false;
	size_t i;

	(void)state;
	free(text);
	hang = get(o, "hang");
	vm = get(hang, "vm");
	assert_int_equal(get_int(vm, "client"), (int64_t)h.c.client_id);
	maps = get(vm, "mappings");
	assert_int_equal(json_object_array_length(maps), get_int(vm, "mappings_count"));
	for (i = 0; i < json_object_array_length(maps); i++) {
		json_object *m = json_object_array_get_idx(maps, i);

		found |= (uint64_t)get_int(m, "start") == h.bo.va &&
			 (uint64_t)get_int(m, "end") == h.bo.va + 4096 && get_int(m, "size") == 4096;
	}
	assert_true(found);
	dma0 = named(get(hang, "engines"), "dma0");
	assert_non_null(dma0);
	assert_string_equal(get_str(dma0, "state"), "hung");
	assert_int_equal(get_int(get(dma0, "running"), "job"), (int64_t)h.job_id);
	assert_true(json_object_get_boolean(get(get(dma0, "running"), "injected_hang")));
	json_object_put(o);
}

static void state_json_has_the_engines_and_the_last_hang(void **state)
{
	char *text = dbg_read("state");
	json_object *o = debug_json_state(text), *last;

	(void)state;
	free(text);
	assert_non_null(named(get(o, "engines"), "compute0"));
	assert_string_equal(get_str(named(get(o, "engines"), "dma0"), "state"), "idle");
	last = get(o, "last_hang");
	assert_int_equal(get_int(last, "job"), (int64_t)h.job_id);
	assert_int_equal(get_int(last, "error"), -ETIME);
	assert_null(get(o, "last_fault"));
	assert_true(json_object_get_boolean(get(get(o, "coredump"), "hang")));
	assert_int_equal(get_int(get(o, "config"), "job_timeout_ms"), 100);
	assert_true(get_int(o, "reset_count") >= 1);
	json_object_put(o);
}

static void jobs_json_lists_the_hung_job(void **state)
{
	char *text = dbg_read("jobs");
	json_object *a = debug_json_jobs(text), *last;

	(void)state;
	free(text);
	assert_true(json_object_array_length(a) >= 1);
	last = json_object_array_get_idx(a, json_object_array_length(a) - 1);
	assert_int_equal(get_int(last, "job"), (int64_t)h.job_id);
	assert_int_equal(get_int(last, "error"), -ETIME);
	json_object_put(a);
}

static void vm_json_has_the_clients_mappings(void **state)
{
	char *text = dbg_read("vm"), head[48], *start, *end;
	json_object *o;

	(void)state;
	snprintf(head, sizeof(head), "client %llu:", (unsigned long long)h.c.client_id);
	start = strstr(text, head);
	assert_non_null(start);
	end = strstr(start + 1, "\nclient ");
	o = debug_json_vm_client(start, end ? (size_t)(end + 1 - start) : strlen(start));
	assert_int_equal(get_int(o, "client"), (int64_t)h.c.client_id);
	assert_int_equal(json_object_array_length(get(o, "mappings")), get_int(o, "mappings_count"));
	assert_true(get_int(o, "mappings_count") >= 1);
	json_object_put(o);
	free(text);
}

/* A user-queue entry's hang: the dump's "entry" names the queue and the seqno. */
static void a_user_queue_hang_names_its_queue_and_entry(void **state)
{
	struct vnpu_stream s = { .len = 0 };
	struct accel_vnpu_uq *q;
	json_object *o, *hang, *entry;
	void *space;
	uint64_t seqno;
	char *text;

	(void)state;
	assert_int_equal(accel_vnpu_uq_create(h.c.fd, 64 << 10, &q), 0);
	vc_dma_fill(&s, h.bo.va, 64, 0x22, 8);
	dbg_write("inject_hang", "1\n");
	assert_int_equal(accel_vnpu_uq_reserve(q, s.len, 0, &space), 0);
	memcpy(space, s.buf, s.len);
	seqno = accel_vnpu_uq_submit(q, 0);
	assert_int_equal(accel_vnpu_uq_wait(q, seqno, UQ_WAIT_NS), -ETIME);
	assert_int_equal(accel_vnpu_uq_control(q)->status, VNPU_UQ_STATUS_ERROR);
	text = dbg_read("coredump");
	o = debug_json_coredumps(text);
	free(text);
	hang = get(o, "hang");
	entry = get(hang, "entry");
	assert_int_equal(get_int(entry, "queue"), accel_vnpu_uq_id(q));
	assert_int_equal(get_int(entry, "seqno"), (int64_t)seqno);
	assert_int_equal(get_int(entry, "client"), (int64_t)h.c.client_id);
	assert_string_equal(get_str(get(hang, "stopped"), "opcode"), "DMA_FILL");
	assert_true(json_object_get_boolean(
		get(json_object_array_get_idx(get(hang, "packets"), 0), "here")));
	json_object_put(o);
	accel_vnpu_uq_destroy(q);
}

/* ---- the command through acceld ---- */

static char tool[PATH_MAX], *root;
static pid_t daemon_pid;

static int daemon_setup(void **state)
{
	char buf[PATH_MAX];

	(void)state;
	snprintf(buf, sizeof(buf), "%s", ACCELD_PATH);
	snprintf(tool, sizeof(tool), "%s/accel", dirname(buf));
	root = test_tmpdir_try("coredump-json-daemon");
	if (!root)
		return -1;
	setenv("ACCEL_ROOT", root, 1);
	setenv("ACCEL_BACKEND", "daemon", 1);
	daemon_pid = test_acceld_spawn(root, config);
	return daemon_pid > 0 ? 0 : -1;
}

static int daemon_teardown(void **state)
{
	(void)state;
	if (daemon_pid > 0)
		test_acceld_stop(daemon_pid);
	unsetenv("ACCEL_BACKEND");
	if (root)
		test_rmdir(root);
	return 0;
}

/* `accel ARGS`: its exit status, its standard output (malloc'd) in *@out when not NULL. */
static int run_tool(const char *args, char **out)
{
	char cmd[PATH_MAX + 512], buf[4096];
	size_t len = 0, n;
	char *text = NULL;
	FILE *p;
	int st;

	snprintf(cmd, sizeof(cmd), "'%s' %s 2>/dev/null", tool, args);
	p = popen(cmd, "r");
	assert_non_null(p);
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0) {
		text = realloc(text, len + n + 1);
		assert_non_null(text);
		memcpy(text + len, buf, n);
		len += n;
	}
	st = pclose(p);
	if (out) {
		if (!text)
			text = calloc(1, 1);
		else
			text[len] = '\0';
		*out = text;
	} else {
		free(text);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The node of acceld's vnpu, from `accel list --json`, into @node. */
static void vnpu_node(char *node, size_t size)
{
	json_object *list;
	char *text;
	size_t i;

	assert_int_equal(run_tool("list --json", &text), 0);
	list = json_tokener_parse(text);
	free(text);
	assert_non_null(list);
	node[0] = '\0';
	for (i = 0; i < json_object_array_length(list) && !node[0]; i++) {
		json_object *d = json_object_array_get_idx(list, i);

		if (!strcmp(get_str(d, "driver"), "vnpu"))
			snprintf(node, size, "%s", get_str(d, "node"));
	}
	json_object_put(list);
	assert_true(node[0] != '\0');
}

static void dump_json_through_acceld_names_the_hung_job_and_packet(void **state)
{
	char args[PATH_MAX + 64], node[64], *text;
	json_object *o, *hang, *job, *last, *packets, *here = NULL;
	size_t i;

	(void)state;
	vnpu_node(node, sizeof(node));
	snprintf(args, sizeof(args), "debug inject %s hang", node);
	assert_int_equal(run_tool(args, NULL), 0);
	snprintf(args, sizeof(args), "run --batch 1 '%s/models/fashion_mnist/model.onnx'", SOURCE_DIR);
	assert_int_not_equal(run_tool(args, NULL), 0);
	snprintf(args, sizeof(args), "debug dump %s --json", node);
	assert_int_equal(run_tool(args, &text), 0);
	o = json_tokener_parse(text);
	free(text);
	assert_non_null(o);
	assert_string_equal(get_str(o, "node"), node);
	assert_string_equal(get_str(o, "backend"), "daemon");
	assert_true(json_object_is_type(get(get(o, "queues"), "contexts"), json_type_array));
	assert_true(json_object_is_type(get(o, "jobs"), json_type_array));
	last = get(get(o, "state"), "last_hang");
	hang = get(get(o, "coredumps"), "hang");
	job = get(hang, "job");
	/* The dump names the job the driver's last_hang names. */
	assert_int_equal(get_int(job, "client"), get_int(last, "client"));
	assert_int_equal(get_int(job, "ctx"), get_int(last, "ctx"));
	assert_int_equal(get_int(job, "job"), get_int(last, "job"));
	assert_int_equal(get_int(get(hang, "stopped"), "packet"), 0);
	packets = get(hang, "packets");
	for (i = 0; i < json_object_array_length(packets) && !here; i++)
		if (json_object_get_boolean(get(json_object_array_get_idx(packets, i), "here")))
			here = json_object_array_get_idx(packets, i);
	assert_non_null(here);
	assert_int_equal(get_int(here, "index"), 0);
	assert_string_equal(get_str(here, "opcode"), get_str(get(hang, "stopped"), "opcode"));
	assert_string_not_equal(get_str(here, "opcode"), "UNKNOWN");
	json_object_put(o);
}

int main(void)
{
	const struct CMUnitTest embedded[] = {
		cmocka_unit_test(coredump_json_names_the_hung_job),
		cmocka_unit_test(coredump_json_names_the_packet_it_stopped_at),
		cmocka_unit_test(coredump_json_has_the_mappings_and_the_engines),
		cmocka_unit_test(state_json_has_the_engines_and_the_last_hang),
		cmocka_unit_test(jobs_json_lists_the_hung_job),
		cmocka_unit_test(vm_json_has_the_clients_mappings),
		cmocka_unit_test(a_user_queue_hang_names_its_queue_and_entry),
	};
	const struct CMUnitTest daemon[] = {
		cmocka_unit_test(dump_json_through_acceld_names_the_hung_job_and_packet),
	};
	int failed;

	failed = cmocka_run_group_tests_name("embedded", embedded, embedded_setup, embedded_teardown);
	failed += cmocka_run_group_tests_name("acceld", daemon, daemon_setup, daemon_teardown);
	return failed;
}

// SPDX-License-Identifier: MIT
/*
 * vnpu coredumps and the debugfs files `accel debug` drives (drivers/vnpu/vnpu_coredump.c,
 * vnpu_inject.c), read and written the way the tool does: libaccel's accel_attr_read() and
 * accel_attr_write() on an embedded core. A job that hangs or faults leaves a snapshot that
 * names the job, the packet its stream stopped at (decoded by opcode name) and the
 * client's mappings; "state" shows the engines and the last hang; the injection files
 * (inject_fault, inject_engine) arm what they say. A user-queue entry that hangs or faults
 * leaves the same snapshot, naming its queue and seqno. Every wait is bounded; nothing
 * asserts a time.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "vnpu_client.h"
#include <libaccel.h>
#include <libaccel_vnpu.h>

/* accel_attr_read() as 0 or -errno, the value's length in *@len when @len is not NULL. */
static int attr_read_len(const char *path, char **out, size_t *len)
{
	ssize_t n = accel_attr_read(path, out);

	if (n < 0)
		return (int)n;
	if (len)
		*len = (size_t)n;
	return 0;
}
#include "lib/libaccel_internal.h"

/* Hangs are reset within two job timeouts: a short one keeps the tests quick. */
/* One DMA engine: a DMA context's jobs all run on dma0. */
static const char config[] = "[vnpu.0]\ndriver = vnpu\njob_timeout_ms = 100\ndma_engines = 1\n";

#define DEBUGFS "sys/kernel/debug/accel/vnpu.0/"

static int group_setup(void **state)
{
	(void)state;
	return test_embedded_start("vnpu-coredump", config);
}

static int group_teardown(void **state)
{
	(void)state;
	return test_embedded_stop();
}

/* debugfs file @name of vnpu.0, whole (malloc'd), read through libaccel. */
static char *dbg_read(const char *name)
{
	char path[128], *text = NULL;

	snprintf(path, sizeof(path), DEBUGFS "%s", name);
	assert_int_equal(attr_read_len(path, &text, NULL), 0);
	assert_non_null(text);
	return text;
}

/* Store @text into debugfs file @name of vnpu.0 through libaccel: bytes taken or -errno. */
static ssize_t dbg_write(const char *name, const char *text)
{
	char path[128];

	snprintf(path, sizeof(path), DEBUGFS "%s", name);
	return accel_attr_write(path, text, strlen(text));
}

/* Fail the test unless @text holds @needle, printing the text. */
static void assert_has(const char *text, const char *needle)
{
	if (!strstr(text, needle)) {
		print_error("missing \"%s\" in:\n%s\n", needle, text);
		fail();
	}
}

/* Each test starts with no snapshot and injections aimed at every engine. */
static int test_setup(void **state)
{
	(void)state;
	if (dbg_write("coredump", "1\n") != 2 || dbg_write("inject_engine", "all\n") != 4)
		return -1;
	return 0;
}

/* A client with a context on the DMA engines and a 4 KiB buffer bound at a fresh VA. */
struct dump_client {
	struct vc_client c;
	struct vc_bo bo;
	uint32_t ctx;
	uint32_t out;
};

static void dump_client_open(struct dump_client *d)
{
	int ctx;

	vc_open(&d->c, "vnpu.0");
	vc_bo_new(&d->c, &d->bo, 4096, 0);
	ctx = vc_ctx_create(&d->c, VNPU_ENGINE_DMA, VNPU_PRIORITY_NORMAL);
	assert_true(ctx > 0);
	d->ctx = (uint32_t)ctx;
	d->out = vc_syncobj(&d->c, 0);
}

static void dump_client_close(struct dump_client *d)
{
	vc_bo_free(&d->c, &d->bo);
	vc_close(&d->c);
}

/* Submit @s, wait for it, return its job id; its error must be @want. */
static uint64_t run_job(struct dump_client *d, const struct vnpu_stream *s, int want)
{
	struct vc_submit sub = { .ctx = d->ctx, .stream = s, .out = d->out,
				 .profile_va = vc_profile_va(&d->c, 0) };

	assert_int_equal(vc_submit(&d->c, &sub), 0);
	vc_wait(&d->c, d->out, 0);
	assert_int_equal(vc_profile(&d->c, 0).error, want);
	return sub.job_id;
}

/* The line "job: client=... ctx=... job=..." that names @d's job @job_id. */
static void job_line(const struct dump_client *d, uint64_t job_id, char *buf, size_t size)
{
	snprintf(buf, size, "job: client=%llu ctx=%u job=%llu engine=dma",
		 (unsigned long long)d->c.client_id, d->ctx, (unsigned long long)job_id);
}

/* A job that hangs (injected) before its first packet: DMA_FILL, then DMA_COPY. */
static uint64_t run_hung_job(struct dump_client *d)
{
	struct vnpu_stream s = { .len = 0 };

	vc_dma_fill(&s, d->bo.va, 64, 0x11, 8);
	vc_dma_copy(&s, d->bo.va, d->bo.va + 64, 64);
	assert_int_equal(dbg_write("inject_hang", "1\n"), 2);
	return run_job(d, &s, -ETIME);
}

static void hang_dump_names_the_hung_job_and_its_packet(void **state)
{
	struct dump_client d;
	char want[160], *text;
	uint64_t job_id;

	(void)state;
	dump_client_open(&d);
	job_id = run_hung_job(&d);
	text = dbg_read("coredump");
	assert_has(text, "vnpu coredump: hang\n");
	job_line(&d, job_id, want, sizeof(want));
	assert_has(text, want);
	assert_has(text, "stopped: packet=0 offset=0x0 opcode=DMA_FILL");
	assert_has(text, "=> #0 +0x0 DMA_FILL (0x11)");
	snprintf(want, sizeof(want), "   #1 +0x%zx DMA_COPY (0x10)",
		 sizeof(struct vnpu_pkt_dma_fill));
	assert_has(text, want);
	free(text);
	dump_client_close(&d);
}

static void fault_dump_names_the_packet_the_address_and_the_mappings(void **state)
{
	struct vnpu_stream s = { .len = 0 };
	uint64_t job_id, unmapped;
	struct dump_client d;
	char want[160], *text;

	(void)state;
	dump_client_open(&d);
	/* Past the buffer's end: nothing is mapped there in a fresh client. */
	unmapped = d.bo.va + (1ull << 20);
	vc_dma_fill(&s, d.bo.va, 64, 0x22, 8);
	vc_dma_copy(&s, unmapped, d.bo.va + 64, 64);
	job_id = run_job(&d, &s, -EFAULT);
	text = dbg_read("coredump");
	assert_has(text, "vnpu coredump: fault\n");
	job_line(&d, job_id, want, sizeof(want));
	assert_has(text, want);
	snprintf(want, sizeof(want), "fault: va=0x%llx len=64 read", (unsigned long long)unmapped);
	assert_has(text, want);
	assert_has(text, "   #0 +0x0 DMA_FILL (0x11)");
	snprintf(want, sizeof(want), "=> #1 +0x%zx DMA_COPY (0x10)",
		 sizeof(struct vnpu_pkt_dma_fill));
	assert_has(text, want);
	snprintf(want, sizeof(want), "vm: client=%llu mappings=", (unsigned long long)d.c.client_id);
	assert_has(text, want);
	snprintf(want, sizeof(want), "0x%016llx-0x%016llx size=4096",
		 (unsigned long long)d.bo.va, (unsigned long long)(d.bo.va + 4096));
	assert_has(text, want);
	free(text);
	dump_client_close(&d);
}

static void injected_fault_faults_the_next_packet_on_its_operand(void **state)
{
	struct vnpu_stream s = { .len = 0 };
	struct dump_client d;
	char want[160], *text;

	(void)state;
	dump_client_open(&d);
	vc_dma_fill(&s, d.bo.va, 64, 0x33, 8);
	assert_int_equal(dbg_write("inject_fault", "1\n"), 2);
	run_job(&d, &s, -EFAULT);
	text = dbg_read("inject_fault");
	assert_string_equal(text, "0\n");
	free(text);
	text = dbg_read("coredump");
	snprintf(want, sizeof(want), "fault: va=0x%llx len=64 write", (unsigned long long)d.bo.va);
	assert_has(text, want);
	assert_has(text, "=> #0 +0x0 DMA_FILL (0x11)");
	free(text);
	dump_client_close(&d);
}

/* ---- user-queue entries ---- */

/* A bound on an entry's wait (the job timeout is 100 ms): its -ETIME is the queue's error. */
#define UQ_WAIT_NS 30000000000ll

/* Push @s as the next entry of @q; its seqno. */
static uint64_t uq_push(struct accel_vnpu_uq *q, const struct vnpu_stream *s)
{
	void *space;

	assert_int_equal(accel_vnpu_uq_reserve(q, s->len, 0, &space), 0);
	memcpy(space, s->buf, s->len);
	return accel_vnpu_uq_submit(q, 0);
}

/* The line "entry: client=... queue=... seqno=... engine=uqQ" that names entry @seqno. */
static void entry_line(const struct dump_client *d, struct accel_vnpu_uq *q, uint64_t seqno,
		       char *buf, size_t size)
{
	snprintf(buf, size, "entry: client=%llu queue=%u seqno=%llu engine=uq%u ",
		 (unsigned long long)d->c.client_id, accel_vnpu_uq_id(q), (unsigned long long)seqno,
		 accel_vnpu_uq_id(q));
}

static void hang_in_a_user_queue_entry_names_the_queue_entry_and_packet(void **state)
{
	struct vnpu_stream s = { .len = 0 };
	struct accel_vnpu_uq *q;
	struct dump_client d;
	char want[160], *text;
	uint64_t seqno;

	(void)state;
	dump_client_open(&d);
	assert_int_equal(accel_vnpu_uq_create(d.c.fd, 64 << 10, &q), 0);
	vc_dma_fill(&s, d.bo.va, 64, 0x44, 8);
	/* One entry that runs, then one that hangs (not the first: the seqno is the entry's). */
	assert_int_equal(accel_vnpu_uq_wait(q, uq_push(q, &s), UQ_WAIT_NS), 0);
	vc_dma_copy(&s, d.bo.va, d.bo.va + 64, 64);
	assert_int_equal(dbg_write("inject_hang", "1\n"), 2);
	seqno = uq_push(q, &s);
	assert_int_equal(seqno, 2);
	assert_int_equal(accel_vnpu_uq_wait(q, seqno, UQ_WAIT_NS), -ETIME);
	assert_int_equal(accel_vnpu_uq_control(q)->status, VNPU_UQ_STATUS_ERROR);
	assert_int_equal(accel_vnpu_uq_control(q)->error_seqno, seqno);
	text = dbg_read("coredump");
	assert_has(text, "vnpu coredump: hang\n");
	entry_line(&d, q, seqno, want, sizeof(want));
	assert_has(text, want);
	assert_has(text, "stopped: packet=0 offset=0x0 opcode=DMA_FILL (not started: injected hang)");
	assert_has(text, "=> #0 +0x0 DMA_FILL (0x11)");
	snprintf(want, sizeof(want), "   #1 +0x%zx DMA_COPY (0x10)",
		 sizeof(struct vnpu_pkt_dma_fill));
	assert_has(text, want);
	snprintf(want, sizeof(want), "vm: client=%llu mappings=", (unsigned long long)d.c.client_id);
	assert_has(text, want);
	free(text);
	accel_vnpu_uq_destroy(q);
	dump_client_close(&d);
}

static void fault_in_a_user_queue_entry_names_the_packet_and_the_address(void **state)
{
	struct vnpu_stream s = { .len = 0 };
	struct accel_vnpu_uq *q;
	struct dump_client d;
	char want[160], *text;
	uint64_t seqno, unmapped;

	(void)state;
	dump_client_open(&d);
	assert_int_equal(accel_vnpu_uq_create(d.c.fd, 64 << 10, &q), 0);
	unmapped = d.bo.va + (1ull << 20);
	vc_dma_fill(&s, d.bo.va, 64, 0x55, 8);
	vc_dma_copy(&s, unmapped, d.bo.va + 64, 64);
	seqno = uq_push(q, &s);
	assert_int_equal(accel_vnpu_uq_wait(q, seqno, UQ_WAIT_NS), -EFAULT);
	text = dbg_read("coredump");
	assert_has(text, "vnpu coredump: fault\n");
	entry_line(&d, q, seqno, want, sizeof(want));
	assert_has(text, want);
	snprintf(want, sizeof(want), "fault: va=0x%llx len=64 read", (unsigned long long)unmapped);
	assert_has(text, want);
	assert_has(text, "stream: ring_offset=0x");
	snprintf(want, sizeof(want), "=> #1 +0x%zx DMA_COPY (0x10)",
		 sizeof(struct vnpu_pkt_dma_fill));
	assert_has(text, want);
	free(text);
	accel_vnpu_uq_destroy(q);
	dump_client_close(&d);
}

static void state_shows_every_engine_and_the_last_hang(void **state)
{
	struct dump_client d;
	char want[160], *text;
	uint64_t job_id;

	(void)state;
	dump_client_open(&d);
	job_id = run_hung_job(&d);
	text = dbg_read("state");
	assert_has(text, "device: vnpu.0 driver=vnpu\n");
	assert_has(text, "engine compute0: state=");
	assert_has(text, "engine dma0: state=");
	snprintf(want, sizeof(want), "last_hang: client=%llu ctx=%u job=%llu engine=dma",
		 (unsigned long long)d.c.client_id, d.ctx, (unsigned long long)job_id);
	assert_has(text, want);
	assert_has(text, "coredump: hang=yes");
	free(text);
	dump_client_close(&d);
}

static void writing_coredump_dismisses_the_snapshots(void **state)
{
	struct vnpu_stream s = { .len = 0 };
	struct dump_client d;
	char *text;

	(void)state;
	dump_client_open(&d);
	vc_dma_fill(&s, d.bo.va, 64, 0x44, 8);
	assert_int_equal(dbg_write("inject_fault", "1\n"), 2);
	run_job(&d, &s, -EFAULT);
	assert_int_equal(dbg_write("coredump", "1\n"), 2);
	text = dbg_read("coredump");
	assert_string_equal(text, "none\n");
	free(text);
	dump_client_close(&d);
}

static void inject_engine_takes_an_engine_name_or_all_only(void **state)
{
	char *text;

	(void)state;
	assert_int_equal(dbg_write("inject_engine", "dma0\n"), 5);
	text = dbg_read("inject_engine");
	assert_string_equal(text, "dma0\n");
	free(text);
	assert_int_equal(dbg_write("inject_engine", "dma99\n"), -EINVAL);
	assert_int_equal(dbg_write("inject_engine", "all"), 3);
	text = dbg_read("inject_engine");
	assert_string_equal(text, "all\n");
	free(text);
}

static void a_hang_aimed_at_another_engine_is_left_pending(void **state)
{
	struct vnpu_stream s = { .len = 0 };
	struct dump_client d;
	char *text;

	(void)state;
	dump_client_open(&d);
	vc_dma_fill(&s, d.bo.va, 64, 0x55, 8);
	assert_int_equal(dbg_write("inject_engine", "compute0"), 8);
	assert_int_equal(dbg_write("inject_hang", "1\n"), 2);
	run_job(&d, &s, 0); /* on dma0: runs */
	text = dbg_read("inject_hang");
	assert_string_equal(text, "1\n");
	free(text);
	assert_int_equal(dbg_write("inject_hang", "0\n"), 2);
	dump_client_close(&d);
}

static void a_missing_debugfs_file_is_enoent(void **state)
{
	char *text = NULL;

	(void)state;
	assert_int_equal(attr_read_len(DEBUGFS "no_such_file", &text, NULL), -ENOENT);
	assert_int_equal(accel_attr_write(DEBUGFS "no_such_file", "1", 1), -ENOENT);
	assert_null(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(hang_dump_names_the_hung_job_and_its_packet, test_setup),
		cmocka_unit_test_setup(fault_dump_names_the_packet_the_address_and_the_mappings,
				       test_setup),
		cmocka_unit_test_setup(injected_fault_faults_the_next_packet_on_its_operand,
				       test_setup),
		cmocka_unit_test_setup(hang_in_a_user_queue_entry_names_the_queue_entry_and_packet,
				       test_setup),
		cmocka_unit_test_setup(fault_in_a_user_queue_entry_names_the_packet_and_the_address,
				       test_setup),
		cmocka_unit_test_setup(state_shows_every_engine_and_the_last_hang, test_setup),
		cmocka_unit_test_setup(writing_coredump_dismisses_the_snapshots, test_setup),
		cmocka_unit_test_setup(inject_engine_takes_an_engine_name_or_all_only, test_setup),
		cmocka_unit_test_setup(a_hang_aimed_at_another_engine_is_left_pending, test_setup),
		cmocka_unit_test_setup(a_missing_debugfs_file_is_enoent, test_setup),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

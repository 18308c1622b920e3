// SPDX-License-Identifier: MIT
/*
 * vnpu job timeout against progress: the job timeout catches hangs, not long jobs. A job
 * that keeps starting packets runs past the timeout as often as it needs (the timeout
 * handler restarts the timeout, as the kernel's v3d does while its command lists move); a
 * job stuck in one packet or in a SEM_WAIT is still reset with -ETIME, and debugfs
 * force_recovery still resets a job that is making progress.
 *
 * Slow packets come from debugfs inject_packet_delay_ms: every DMA and compute packet takes
 * that much longer, as a packet whose oneDNN primitive is built inside the job does. The
 * device's job timeout is 100 ms; waits are bounded (10 s) and nothing asserts that something
 * happened quickly (the one time compared is a lower bound the delays guarantee).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <accel/attr.h>
#include <accel/dma_fence.h>
#include <accel/sync_file.h>
#include <drm/drm.h>
#include <libaccel.h>
#include <uapi/drm/drm_ext.h>
#include <uapi/drm/vnpu_accel.h>
#include "helpers.h"
#include "../common/mono_clock.h"
#include "../common/vnpu_arena_client.h"
#include "../common/vnpu_core_attrs.h"
#include "../common/vnpu_stream.h"

#define NSEC		1000000000ll
#define WAIT_NS		(10 * NSEC)	/* bound of every wait */
#define MEM_SIZE	(1u << 20)
#define TIMEOUT_MS	100		/* the device's job_timeout_ms */

static const char config[] = "[vnpu.0]\ndriver = vnpu\njob_timeout_ms = 100\n"
			     "compute_engines = 1\ndma_engines = 1\n";

static char node[64] = "/dev/accel/accel0";
static const char dbgdir[] = "kernel/debug/accel/vnpu.0";
static const char sysdir[] = "devices/platform/vnpu.0";

/* ---------------------------------------------------------------------------------------- */
/* A client: one mapped buffer object bound at VNPU_VA_START, one compute context */

struct client {
	struct vnpu_arena_client a;
	uint32_t ctx;
	uint32_t so;	/* binary syncobj: each job's out-fence */
};

static void client_open(struct client *c, const char *name)
{
	struct drm_set_client_name cn = { .name_len = strlen(name), .name = (uintptr_t)name };

	memset(c, 0, sizeof(*c));
	assert_int_equal(vnpu_arena_open(&c->a, node, MEM_SIZE), 0);
	memset(c->a.map, 0, c->a.size);
	assert_int_equal(vnpu_ioctl_retry(c->a.fd, DRM_IOCTL_SET_CLIENT_NAME, &cn), 0);
	assert_int_equal(vnpu_arena_ctx_create(&c->a, VNPU_ENGINE_COMPUTE, VNPU_PRIORITY_NORMAL,
					       &c->ctx), 0);
	assert_int_equal(vnpu_syncobj_create(c->a.fd, &c->so), 0);
}

static void client_close(struct client *c)
{
	accel_sys_munmap(c->a.map, c->a.size);
	assert_int_equal(accel_sys_close(c->a.fd), 0);
}

/* A fresh 8-byte word of the client's object, zeroed: its offset. */
static uint64_t c_word(struct client *c)
{
	int64_t off = vnpu_arena_alloc(&c->a, 8);

	assert_true(off >= 0);
	*(volatile uint64_t *)(c->a.map + off) = 0;
	return (uint64_t)off;
}

static uint64_t c_read(struct client *c, uint64_t off)
{
	return __atomic_load_n((uint64_t *)(c->a.map + off), __ATOMIC_ACQUIRE);
}

static void emit_fill(struct vnpu_stream *s, uint64_t off, uint64_t value)
{
	assert_int_equal(vnpu_stream_dma_fill(s, vnpu_arena_va(off), 8, value, 8), 0);
}

/* Submit @s on the client's context; its profile record is returned in @prof. */
static int submit(struct client *c, const struct vnpu_stream *s, struct vnpu_job_profile **prof)
{
	int64_t cmd = vnpu_arena_alloc(&c->a, s->len);
	int64_t p = vnpu_arena_alloc(&c->a, sizeof(struct vnpu_job_profile));

	assert_true(cmd >= 0 && p >= 0);
	*prof = (struct vnpu_job_profile *)(c->a.map + p);
	return vnpu_arena_submit(&c->a, c->ctx, s, (uint64_t)cmd, c->so, 0, p, NULL);
}

/* Wait (bounded) for the client's last job: its fence's status (1 = signalled, or -errno). */
static int wait_job(struct client *c)
{
	struct drm_syncobj_handle e = { .handle = c->so,
					.flags = DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE };
	struct dma_fence *f;
	int st;

	assert_int_equal(vnpu_wait_point(c->a.fd, c->so, 0, WAIT_NS), 0);
	assert_int_equal(vnpu_ioctl_retry(c->a.fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &e), 0);
	f = sync_file_fence_of_fd(e.fd);
	assert_non_null(f);
	st = dma_fence_get_status(f);
	dma_fence_put(f);
	close(e.fd);
	return st;
}

/* Bounded wait until the word at @off holds @value. */
static bool wait_word(struct client *c, uint64_t off, uint64_t value)
{
	int64_t end = mono_now_ns() + WAIT_NS;

	while (c_read(c, off) != value) {
		if (mono_now_ns() > end)
			return false;
		usleep(500);
	}
	return true;
}

/* ---------------------------------------------------------------------------------------- */
/* Attribute files */

static ssize_t dbg_write(const char *name, const char *text)
{
	char path[128];
	struct attr_node *n;

	snprintf(path, sizeof(path), "%s/%s", dbgdir, name);
	n = attr_lookup(path);
	if (!n)
		fail_msg("no debugfs file %s", path);
	return attr_write(n, text, strlen(text));
}

static char *dbg_read(const char *name)
{
	char path[128], *t;

	snprintf(path, sizeof(path), "%s/%s", dbgdir, name);
	t = core_attr_text(path);
	if (!t)
		fail_msg("no debugfs file %s", path);
	return t;
}

static uint64_t reset_count(void)
{
	char path[128], *t;
	uint64_t v;

	snprintf(path, sizeof(path), "%s/reset_count", sysdir);
	t = core_attr_text(path);
	if (!t)
		fail_msg("no sysfs file %s", path);
	v = strtoull(t, NULL, 10);
	free(t);
	return v;
}

/*
 * Bounded wait until sysfs reset_count leaves @from (the handler counts the reset after the
 * job's fence signalled); its value then.
 */
static uint64_t wait_reset_count_above(uint64_t from)
{
	int64_t end = mono_now_ns() + WAIT_NS;
	uint64_t v;

	while ((v = reset_count()) <= from && mono_now_ns() < end)
		usleep(500);
	return v;
}

static void set_packet_delay_ms(unsigned int ms)
{
	char text[16];

	snprintf(text, sizeof(text), "%u", ms);
	assert_int_equal(dbg_write("inject_packet_delay_ms", text), (ssize_t)strlen(text));
}

/* A fill job on the context now: -ECANCELED once the context was killed, else 0 and it ran. */
static int context_still_runs(struct client *c)
{
	struct vnpu_stream s = { .len = 0 };
	struct vnpu_job_profile *prof;
	uint64_t w = c_word(c);
	int ret;

	emit_fill(&s, w, 5);
	ret = submit(c, &s, &prof);
	if (ret)
		return ret;
	assert_int_equal(wait_job(c), 1);
	assert_int_equal(prof->error, 0);
	assert_int_equal(c_read(c, w), 5);
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Tests */

/*
 * Ten packets of 30% of the timeout each: the job runs three timeouts in all and completes,
 * nothing reset, its context alive.
 */
static void a_job_of_slow_packets_longer_than_the_timeout_completes(void **state)
{
	struct client c;
	struct vnpu_stream s = { .len = 0 };
	struct vnpu_job_profile *prof;
	uint64_t words[10], rc0;
	int i;

	(void)state;
	client_open(&c, "progress-slow");
	for (i = 0; i < 10; i++) {
		words[i] = c_word(&c);
		emit_fill(&s, words[i], (uint64_t)i + 1);
	}
	rc0 = reset_count();
	set_packet_delay_ms(TIMEOUT_MS * 3 / 10);
	assert_int_equal(submit(&c, &s, &prof), 0);
	assert_int_equal(wait_job(&c), 1);
	set_packet_delay_ms(0);

	assert_int_equal(prof->error, 0);
	assert_int_equal(prof->packets, 10);
	for (i = 0; i < 10; i++)
		assert_int_equal(c_read(&c, words[i]), (uint64_t)i + 1);
	/* the premise: the delays alone keep the job on the engine for three timeouts */
	assert_true(prof->end_ns - prof->start_ns >= 3ull * TIMEOUT_MS * 1000000ull);
	assert_int_equal(reset_count(), rc0);
	assert_int_equal(context_still_runs(&c), 0);
	client_close(&c);
}

/* One packet ten timeouts long: the job starts nothing more and is reset with -ETIME. */
static void a_job_stuck_in_one_packet_past_the_timeout_is_reset_with_etime(void **state)
{
	struct client c;
	struct vnpu_stream s = { .len = 0 };
	struct vnpu_job_profile *prof;
	uint64_t w1, w2, rc0;

	(void)state;
	client_open(&c, "progress-stuck-packet");
	w1 = c_word(&c);
	w2 = c_word(&c);
	emit_fill(&s, w1, 1);
	emit_fill(&s, w2, 2);
	rc0 = reset_count();
	set_packet_delay_ms(TIMEOUT_MS * 10);
	assert_int_equal(submit(&c, &s, &prof), 0);
	assert_int_equal(wait_job(&c), -ETIME);
	set_packet_delay_ms(0);

	assert_int_equal(prof->error, -ETIME);
	assert_int_equal(prof->packets, 0);	/* the reset cut the first packet short */
	assert_int_equal(c_read(&c, w1), 0);
	assert_int_equal(c_read(&c, w2), 0);
	assert_int_equal(wait_reset_count_above(rc0), rc0 + 1);
	assert_int_equal(context_still_runs(&c), -ECANCELED);
	client_close(&c);
}

/* Progress before a SEM_WAIT that nobody satisfies does not save the job from the reset. */
static void a_job_stuck_in_a_sem_wait_after_progress_is_reset_with_etime(void **state)
{
	struct client c;
	struct vnpu_stream s = { .len = 0 };
	struct vnpu_job_profile *prof;
	uint64_t w[3], after, rc0;
	int i;

	(void)state;
	client_open(&c, "progress-semwait");
	for (i = 0; i < 3; i++) {
		w[i] = c_word(&c);
		emit_fill(&s, w[i], 1);
	}
	assert_int_equal(vnpu_stream_sem_wait(&s, vnpu_arena_va(c_word(&c)), 1, 0), 0);
	after = c_word(&c);
	emit_fill(&s, after, 1);
	rc0 = reset_count();
	assert_int_equal(submit(&c, &s, &prof), 0);
	assert_int_equal(wait_job(&c), -ETIME);

	assert_int_equal(prof->error, -ETIME);
	assert_int_equal(prof->packets, 3);
	for (i = 0; i < 3; i++)
		assert_int_equal(c_read(&c, w[i]), 1);
	assert_int_equal(c_read(&c, after), 0);
	assert_int_equal(wait_reset_count_above(rc0), rc0 + 1);
	assert_int_equal(context_still_runs(&c), -ECANCELED);
	client_close(&c);
}

/* force_recovery resets a job that is making progress (it says: as if it had hung). */
static void forced_recovery_resets_a_job_that_is_making_progress(void **state)
{
	struct client c;
	struct vnpu_stream s = { .len = 0 };
	struct vnpu_job_profile *prof;
	uint64_t first, last, rc0;
	int i;

	(void)state;
	client_open(&c, "progress-forced");
	first = c_word(&c);
	emit_fill(&s, first, 1);
	for (i = 0; i < 62; i++)
		emit_fill(&s, c_word(&c), 1);
	last = c_word(&c);
	emit_fill(&s, last, 1);
	rc0 = reset_count();
	set_packet_delay_ms(TIMEOUT_MS * 3 / 10);	/* 64 packets: 19 timeouts of progress */
	assert_int_equal(submit(&c, &s, &prof), 0);
	assert_true(wait_word(&c, first, 1));
	assert_int_equal(dbg_write("force_recovery", "compute0"), (ssize_t)strlen("compute0"));
	assert_int_equal(wait_job(&c), -ETIME);
	set_packet_delay_ms(0);

	assert_int_equal(prof->error, -ETIME);
	assert_int_equal(c_read(&c, last), 0);
	assert_int_equal(wait_reset_count_above(rc0), rc0 + 1);
	assert_int_equal(context_still_runs(&c), -ECANCELED);
	client_close(&c);
}

static void packet_delay_file_reads_back_and_rejects_malformed_input(void **state)
{
	char *t;

	(void)state;
	assert_int_equal(dbg_write("inject_packet_delay_ms", "x"), -EINVAL);
	assert_int_equal(dbg_write("inject_packet_delay_ms", "-1"), -EINVAL);
	assert_int_equal(dbg_write("inject_packet_delay_ms", "60001"), -EINVAL);
	assert_int_equal(dbg_write("inject_packet_delay_ms", ""), -EINVAL);
	assert_int_equal(dbg_write("inject_packet_delay_ms", "60000\n"), 6);
	t = dbg_read("inject_packet_delay_ms");
	assert_string_equal(t, "60000\n");
	free(t);
	set_packet_delay_ms(0);
	t = dbg_read("inject_packet_delay_ms");
	assert_string_equal(t, "0\n");
	free(t);
}

/* After each test, even a failed one: no packet delay left for the next. */
static int clear_packet_delay(void **state)
{
	struct attr_node *n = attr_lookup("kernel/debug/accel/vnpu.0/inject_packet_delay_ms");

	(void)state;
	return n && attr_write(n, "0", 1) == 1 ? 0 : -1;
}

static int group_setup(void **state)
{
	int minor;

	(void)state;
	if (test_embedded_start("vnpu-job-progress", config))
		return -1;
	minor = test_accel_minor("vnpu.0");
	if (minor < 0)
		return -1;
	snprintf(node, sizeof(node), "/dev/accel/accel%d", minor);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	return test_embedded_stop();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(a_job_of_slow_packets_longer_than_the_timeout_completes, clear_packet_delay),
		cmocka_unit_test_teardown(a_job_stuck_in_one_packet_past_the_timeout_is_reset_with_etime, clear_packet_delay),
		cmocka_unit_test_teardown(a_job_stuck_in_a_sem_wait_after_progress_is_reset_with_etime, clear_packet_delay),
		cmocka_unit_test_teardown(forced_recovery_resets_a_job_that_is_making_progress, clear_packet_delay),
		cmocka_unit_test_teardown(packet_delay_file_reads_back_and_rejects_malformed_input, clear_packet_delay),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

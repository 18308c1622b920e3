// SPDX-License-Identifier: MIT
/*
 * SYNC_IOC_MERGE and SYNC_IOC_FILE_INFO on sync_files of fences from different timelines
 * (contexts), which the conformance program cannot make in both worlds: a merge of pending
 * fences of two contexts is an array that FILE_INFO lists fence by fence, ordered by
 * context, that signals when all of them have, with the first error.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/sync_file.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <accel/dma_fence.h>
#include <accel/sync_file.h>
#include "helpers.h"

static const char *t_driver(struct dma_fence *f)
{
	(void)f;
	return "test";
}

static const char *t_timeline(struct dma_fence *f)
{
	/* Each context its own timeline name, so that entries can be told apart. */
	return f->context == 1001 ? "first" : f->context == 1002 ? "second" : "third";
}

static const struct dma_fence_ops t_ops = {
	.get_driver_name = t_driver,
	.get_timeline_name = t_timeline,
};

static struct dma_fence *new_fence(uint64_t context, uint64_t seqno)
{
	struct dma_fence *f = malloc(sizeof(*f));

	assert_non_null(f);
	dma_fence_init(f, &t_ops, context, seqno);
	return f;
}

/* A sync_file of @f (its reference stays the caller's). */
static int file_of(struct dma_fence *f)
{
	int fd = sync_file_install(f, O_CLOEXEC);

	assert_true(fd >= 0);
	return fd;
}

static int merge(int a, int b, const char *name)
{
	struct sync_merge_data m = { .fd2 = b, .fence = -1 };

	snprintf(m.name, sizeof(m.name), "%s", name);
	assert_int_equal(sync_file_ioctl(a, SYNC_IOC_MERGE, (unsigned long)&m), 0);
	assert_true(m.fence >= 0);
	return m.fence;
}

static bool readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static void merge_of_two_timelines_lists_both_fences_by_context(void **state)
{
	struct dma_fence *second = new_fence(1002, 7), *first = new_fence(1001, 3);
	struct sync_fence_info fi[4];
	struct sync_file_info info = { 0 };
	int a = file_of(second), b = file_of(first), m;

	(void)state;
	m = merge(a, b, "pair");
	assert_int_equal(sync_file_ioctl(m, SYNC_IOC_FILE_INFO, (unsigned long)&info), 0);
	assert_int_equal(info.num_fences, 2);
	assert_int_equal(info.status, 0);
	assert_string_equal(info.name, "pair");
	info = (struct sync_file_info){ .num_fences = 4, .sync_fence_info = (uintptr_t)fi };
	assert_int_equal(sync_file_ioctl(m, SYNC_IOC_FILE_INFO, (unsigned long)&info), 0);
	assert_int_equal(info.num_fences, 2);
	assert_string_equal(fi[0].obj_name, "first");
	assert_string_equal(fi[1].obj_name, "second");
	assert_string_equal(fi[0].driver_name, "test");
	/* Signalled, as every fence must be before its last reference goes. */
	dma_fence_signal(first);
	dma_fence_signal(second);
	close(m);
	close(a);
	close(b);
	dma_fence_put(first);
	dma_fence_put(second);
}

static void merge_of_two_timelines_signals_when_both_have(void **state)
{
	struct dma_fence *f1 = new_fence(1001, 1), *f2 = new_fence(1002, 1);
	int a = file_of(f1), b = file_of(f2), m;

	(void)state;
	m = merge(a, b, "both");
	assert_false(readable(m));
	dma_fence_signal(f1);
	assert_false(readable(m));
	dma_fence_signal(f2);
	assert_true(readable(m));
	close(m);
	close(a);
	close(b);
	dma_fence_put(f1);
	dma_fence_put(f2);
}

static void merged_status_is_the_first_error(void **state)
{
	struct dma_fence *f1 = new_fence(1001, 1), *f2 = new_fence(1002, 1);
	struct sync_file_info info = { 0 };
	int a = file_of(f1), b = file_of(f2), m;

	(void)state;
	m = merge(a, b, "error");
	dma_fence_set_error(f2, -EIO);
	dma_fence_signal(f2);
	dma_fence_set_error(f1, -ECANCELED);
	dma_fence_signal(f1);
	assert_int_equal(sync_file_ioctl(m, SYNC_IOC_FILE_INFO, (unsigned long)&info), 0);
	/* The merged fence's own status: the error of the part that signalled first. */
	assert_int_equal(info.status, -EIO);
	close(m);
	close(a);
	close(b);
	dma_fence_put(f1);
	dma_fence_put(f2);
}

static void merge_keeps_the_later_fence_of_one_timeline(void **state)
{
	struct dma_fence *early = new_fence(1001, 1), *late = new_fence(1001, 2);
	struct sync_fence_info fi[2];
	struct sync_file_info info = { .num_fences = 2, .sync_fence_info = (uintptr_t)fi };
	int a = file_of(late), b = file_of(early), m;

	(void)state;
	m = merge(a, b, "one");
	assert_int_equal(sync_file_ioctl(m, SYNC_IOC_FILE_INFO, (unsigned long)&info), 0);
	assert_int_equal(info.num_fences, 1);
	dma_fence_signal(early);
	assert_false(readable(m));
	dma_fence_signal(late);
	assert_true(readable(m));
	close(m);
	close(a);
	close(b);
	dma_fence_put(early);
	dma_fence_put(late);
}

static void merge_of_a_merge_flattens_the_array(void **state)
{
	struct dma_fence *f1 = new_fence(1001, 1), *f2 = new_fence(1002, 1), *f3 = new_fence(1003, 1);
	struct sync_file_info info = { 0 };
	int a = file_of(f1), b = file_of(f2), c = file_of(f3), ab, abc;

	(void)state;
	ab = merge(a, b, "ab");
	abc = merge(ab, c, "abc");
	assert_int_equal(sync_file_ioctl(abc, SYNC_IOC_FILE_INFO, (unsigned long)&info), 0);
	assert_int_equal(info.num_fences, 3);
	/* Signalled parts are left out of a later merge. */
	dma_fence_signal(f1);
	close(abc);
	abc = merge(ab, c, "abc2");
	info = (struct sync_file_info){ 0 };
	assert_int_equal(sync_file_ioctl(abc, SYNC_IOC_FILE_INFO, (unsigned long)&info), 0);
	assert_int_equal(info.num_fences, 2);
	dma_fence_signal(f2);
	dma_fence_signal(f3);
	assert_true(readable(abc));
	close(abc);
	close(ab);
	close(a);
	close(b);
	close(c);
	dma_fence_put(f1);
	dma_fence_put(f2);
	dma_fence_put(f3);
}

static void info_refuses_room_for_fewer_fences_than_there_are(void **state)
{
	struct dma_fence *f1 = new_fence(1001, 1), *f2 = new_fence(1002, 1);
	struct sync_fence_info fi[1];
	struct sync_file_info info = { .num_fences = 1, .sync_fence_info = (uintptr_t)fi };
	int a = file_of(f1), b = file_of(f2), m;

	(void)state;
	m = merge(a, b, "two");
	assert_int_equal(sync_file_ioctl(m, SYNC_IOC_FILE_INFO, (unsigned long)&info), -EINVAL);
	dma_fence_signal(f1);
	dma_fence_signal(f2);
	close(m);
	close(a);
	close(b);
	dma_fence_put(f1);
	dma_fence_put(f2);
}

static void ioctl_on_a_descriptor_that_is_no_sync_file_is_enotty(void **state)
{
	struct sync_file_info info = { 0 };
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(sync_file_ioctl(p[0], SYNC_IOC_FILE_INFO, (unsigned long)&info), -ENOTTY);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(merge_of_two_timelines_lists_both_fences_by_context),
		cmocka_unit_test(merge_of_two_timelines_signals_when_both_have),
		cmocka_unit_test(merged_status_is_the_first_error),
		cmocka_unit_test(merge_keeps_the_later_fence_of_one_timeline),
		cmocka_unit_test(merge_of_a_merge_flattens_the_array),
		cmocka_unit_test(info_refuses_room_for_fewer_fences_than_there_are),
		cmocka_unit_test(ioctl_on_a_descriptor_that_is_no_sync_file_is_enotty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

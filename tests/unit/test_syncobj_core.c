// SPDX-License-Identifier: MIT
/*
 * Syncobjs through the core: feature gating, handle tables and file close, lifetimes of
 * syncobjs, fences, opaque descriptors and sync_files, waits woken by a submission, both
 * WAIT argument layouts, eventfds.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <accel/drm_accel.h>
#include <accel/drm_drv.h>
#include <accel/drm_file.h>
#include <accel/drm_syncobj.h>
#include <accel/dma_fence.h>
#include <accel/sync_file.h>
#include <uapi/drm/drm_ext.h>
#include "helpers.h"

#define MS 1000000LL

DEFINE_DRM_ACCEL_FOPS(test_fops);

static const struct drm_driver timeline_drv = {
	.driver_features = DRIVER_COMPUTE_ACCEL | DRIVER_SYNCOBJ | DRIVER_SYNCOBJ_TIMELINE,
	.fops = &test_fops, .name = "t_syncobj", .desc = "test",
};
static const struct drm_driver binary_drv = {
	.driver_features = DRIVER_COMPUTE_ACCEL | DRIVER_SYNCOBJ,
	.fops = &test_fops, .name = "t_syncobj_bin", .desc = "test",
};
static const struct drm_driver none_drv = {
	.driver_features = DRIVER_COMPUTE_ACCEL,
	.fops = &test_fops, .name = "t_syncobj_none", .desc = "test",
};

static struct platform_device *parents[3];
static struct drm_device *dev, *bdev, *ndev;

static struct drm_device *make_dev(const struct drm_driver *drv, int i, const char *name)
{
	struct drm_device *d;

	parents[i] = test_parent_add(name, -1);
	d = drm_dev_alloc(drv, &parents[i]->dev);
	assert_false(IS_ERR(d));
	assert_int_equal(drm_dev_register(d, 0), 0);
	return d;
}

static int setup(void **state)
{
	(void)state;
	dev = make_dev(&timeline_drv, 0, "t_syncobj");
	bdev = make_dev(&binary_drv, 1, "t_syncobj_bin");
	ndev = make_dev(&none_drv, 2, "t_syncobj_none");
	return 0;
}

static int teardown(void **state)
{
	struct drm_device *d[3] = { dev, bdev, ndev };
	int i;

	(void)state;
	for (i = 0; i < 3; i++) {
		drm_dev_unplug(d[i]);
		drm_dev_put(d[i]);
		test_parent_del(parents[i]);
	}
	return 0;
}

static struct file *open_dev(struct drm_device *d)
{
	struct file *f = chrdev_open(ACCEL_MAJOR, d->accel->index, O_RDWR);

	assert_false(IS_ERR(f));
	return f;
}

static long call(struct file *f, unsigned long cmd, void *arg)
{
	return vfs_ioctl(f, (unsigned int)cmd, (unsigned long)arg);
}

static uint32_t create(struct file *f, uint32_t flags)
{
	struct drm_syncobj_create c = { .flags = flags };

	assert_int_equal(call(f, DRM_IOCTL_SYNCOBJ_CREATE, &c), 0);
	return c.handle;
}

static const char *t_name(struct dma_fence *f)
{
	(void)f;
	return "test";
}

static int released;

static void t_release(struct dma_fence *f)
{
	released++;
	dma_fence_free(f);
}

static const struct dma_fence_ops t_ops = {
	.get_driver_name = t_name, .get_timeline_name = t_name, .release = t_release,
};

static struct dma_fence *new_fence(void)
{
	struct dma_fence *f = malloc(sizeof(*f));

	dma_fence_init(f, &t_ops, 9, 1);
	return f;
}

static void no_syncobj_feature_is_eopnotsupp(void **state)
{
	struct file *f = open_dev(ndev);
	struct drm_syncobj_create c = { 0 };
	struct drm_syncobj_array a = { 0 };

	(void)state;
	assert_int_equal(call(f, DRM_IOCTL_SYNCOBJ_CREATE, &c), -EOPNOTSUPP);
	assert_int_equal(call(f, DRM_IOCTL_SYNCOBJ_RESET, &a), -EOPNOTSUPP);
	fput(f);
}

static void no_timeline_feature_gates_only_timeline_ioctls(void **state)
{
	struct file *f = open_dev(bdev);
	struct drm_syncobj_timeline_array ta = { 0 };
	struct drm_syncobj_transfer tr = { 0 };
	struct drm_syncobj_eventfd ev = { 0 };
	struct drm_syncobj_timeline_wait_6_12 tw = { 0 };

	(void)state;
	assert_int_equal(create(f, 0), 1);
	assert_int_equal(call(f, DRM_IOCTL_SYNCOBJ_QUERY, &ta), -EOPNOTSUPP);
	assert_int_equal(call(f, DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, &ta), -EOPNOTSUPP);
	assert_int_equal(call(f, DRM_IOCTL_SYNCOBJ_TRANSFER, &tr), -EOPNOTSUPP);
	assert_int_equal(call(f, DRM_IOCTL_SYNCOBJ_EVENTFD, &ev), -EOPNOTSUPP);
	assert_int_equal(call(f, DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT_6_12, &tw), -EOPNOTSUPP);
	fput(f);
}

static void handles_are_per_file_lowest_free_from_one(void **state)
{
	struct file *a = open_dev(dev), *b = open_dev(dev);
	struct drm_syncobj_destroy d = { .handle = 1 };

	(void)state;
	assert_int_equal(create(a, 0), 1);
	assert_int_equal(create(a, 0), 2);
	assert_int_equal(create(b, 0), 1);
	assert_int_equal(call(a, DRM_IOCTL_SYNCOBJ_DESTROY, &d), 0);
	assert_int_equal(create(a, 0), 1);
	fput(a);
	fput(b);
}

static void closing_the_file_releases_its_syncobjs_and_their_fences(void **state)
{
	struct file *f = open_dev(dev);
	struct dma_fence *fence = new_fence();
	struct drm_syncobj *so;
	uint32_t h = create(f, 0);

	(void)state;
	released = 0;
	so = drm_syncobj_find(drm_file_from_filp(f), h);
	drm_syncobj_replace_fence(so, fence);
	drm_syncobj_put(so);
	dma_fence_put(fence);
	assert_int_equal(released, 0);
	fput(f);
	assert_int_equal(released, 1);
}

static void fence_outlives_the_syncobj_while_referenced(void **state)
{
	struct file *f = open_dev(dev);
	struct dma_fence *fence = new_fence(), *got;
	struct drm_syncobj_destroy d;
	struct drm_syncobj *so;

	(void)state;
	released = 0;
	d.handle = create(f, 0);
	d.pad = 0;
	so = drm_syncobj_find(drm_file_from_filp(f), d.handle);
	drm_syncobj_replace_fence(so, fence);
	dma_fence_put(fence);
	assert_int_equal(drm_syncobj_find_fence(drm_file_from_filp(f), d.handle, 0, 0, &got), 0);
	assert_ptr_equal(got, fence);
	drm_syncobj_put(so);
	assert_int_equal(call(f, DRM_IOCTL_SYNCOBJ_DESTROY, &d), 0);
	assert_int_equal(released, 0);
	dma_fence_signal(got);
	dma_fence_put(got);
	assert_int_equal(released, 1);
	fput(f);
}

static void find_fence_errors_are_the_kernels(void **state)
{
	struct file *f = open_dev(dev);
	struct drm_file *df = drm_file_from_filp(f);
	struct dma_fence *got = NULL;
	uint32_t h = create(f, 0);

	(void)state;
	assert_int_equal(drm_syncobj_find_fence(df, 99, 0, 0, &got), -ENOENT);
	assert_int_equal(drm_syncobj_find_fence(df, h, 0, 0, &got), -EINVAL);
	assert_int_equal(drm_syncobj_find_fence(df, h, 0, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL, &got), -EINVAL);
	fput(f);
}

struct late_submit {
	struct drm_syncobj *so;
	struct dma_fence *fence;
};

static void *submit_after_20ms(void *arg)
{
	struct late_submit *s = arg;
	struct timespec d = { 0, 20 * MS };
	struct dma_fence_chain *chain = dma_fence_chain_alloc();

	nanosleep(&d, NULL);
	drm_syncobj_add_point(s->so, chain, s->fence, 3);
	dma_fence_signal(s->fence);
	return NULL;
}

static void wait_for_submit_is_woken_by_a_new_point(void **state)
{
	struct file *f = open_dev(dev);
	uint32_t h = create(f, 0);
	uint64_t point = 3;
	struct late_submit s = { drm_syncobj_find(drm_file_from_filp(f), h), new_fence() };
	struct drm_syncobj_timeline_wait_6_12 w = {
		.handles = (uintptr_t)&h, .points = (uintptr_t)&point, .count_handles = 1,
		.flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, .timeout_nsec = ktime_get() + 5000 * MS };
	pthread_t t;

	(void)state;
	pthread_create(&t, NULL, submit_after_20ms, &s);
	assert_int_equal(call(f, DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT_6_12, &w), 0);
	assert_int_equal(w.first_signaled, 0);
	pthread_join(t, NULL);
	drm_syncobj_put(s.so);
	dma_fence_put(s.fence);
	fput(f);
}

/* Debian 12 libdrm's struct: 8 bytes shorter, a different ioctl number. */
struct wait_pre_6_5 {
	__u64 handles;
	__s64 timeout_nsec;
	__u32 count_handles;
	__u32 flags;
	__u32 first_signaled;
	__u32 pad;
};

static void wait_accepts_the_shorter_libdrm_layout(void **state)
{
	struct file *f = open_dev(dev);
	uint32_t h = create(f, DRM_SYNCOBJ_CREATE_SIGNALED);
	struct wait_pre_6_5 w = { .handles = (uintptr_t)&h, .count_handles = 1,
				  .flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE, .first_signaled = 7 };

	(void)state;
	assert_int_equal(sizeof(struct drm_syncobj_wait_6_12), 0x28);
	assert_int_equal(sizeof(struct drm_syncobj_timeline_wait_6_12), 0x30);
	assert_int_equal(call(f, DRM_IOWR(0xC3, struct wait_pre_6_5), &w), 0);
	assert_int_equal(w.first_signaled, 0);
	fput(f);
}

static void opaque_fd_keeps_the_syncobj_until_closed(void **state)
{
	struct file *a = open_dev(dev), *b = open_dev(dev);
	struct drm_syncobj_handle h = { .handle = create(a, DRM_SYNCOBJ_CREATE_SIGNALED) };
	unsigned int before = drm_syncobj_fd_count();

	(void)state;
	assert_int_equal(call(a, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &h), 0);
	assert_int_equal(drm_syncobj_fd_count(), before + 1);
	fput(a);
	h.handle = 0;
	assert_int_equal(call(b, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, &h), 0);
	assert_int_equal(h.handle, 1);
	close(h.fd);
	assert_int_equal(drm_syncobj_fd_count(), before);
	fput(b);
}

static void sync_file_is_released_when_its_fd_closes(void **state)
{
	struct file *f = open_dev(dev);
	struct drm_syncobj_handle h = { .handle = create(f, 0),
					.flags = DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE };
	struct dma_fence *fence = new_fence(), *back;
	struct drm_syncobj *so = drm_syncobj_find(drm_file_from_filp(f), h.handle);
	unsigned int before = sync_file_count();
	struct pollfd p;

	(void)state;
	released = 0;
	drm_syncobj_replace_fence(so, fence);
	drm_syncobj_put(so);
	assert_int_equal(call(f, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &h), 0);
	back = sync_file_fence_of_fd(h.fd);
	assert_ptr_equal(back, fence);
	dma_fence_put(back);
	p = (struct pollfd){ .fd = h.fd, .events = POLLIN };
	assert_int_equal(poll(&p, 1, 0), 0);
	dma_fence_signal(fence);
	assert_int_equal(poll(&p, 1, 0), 1);
	fput(f);
	dma_fence_put(fence);
	assert_int_equal(released, 0); /* the sync_file still holds it */
	close(h.fd);
	assert_int_equal(sync_file_count(), before);
	assert_int_equal(released, 1);
}

static void eventfd_fires_when_the_point_signals(void **state)
{
	struct file *f = open_dev(dev);
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	struct drm_syncobj_eventfd ev = { .handle = create(f, 0), .point = 2, .fd = efd };
	struct drm_syncobj *so = drm_syncobj_find(drm_file_from_filp(f), ev.handle);
	struct dma_fence *fence = new_fence();
	uint64_t v = 0;

	(void)state;
	assert_int_equal(call(f, DRM_IOCTL_SYNCOBJ_EVENTFD, &ev), 0);
	drm_syncobj_add_point(so, dma_fence_chain_alloc(), fence, 2);
	assert_int_equal(read(efd, &v, sizeof(v)), -1);
	dma_fence_signal(fence);
	assert_int_equal(read(efd, &v, sizeof(v)), sizeof(v));
	assert_int_equal(v, 1);
	drm_syncobj_put(so);
	dma_fence_put(fence);
	close(efd);
	fput(f);
}

static void eventfd_of_a_destroyed_syncobj_is_dropped(void **state)
{
	struct file *f = open_dev(dev);
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	struct drm_syncobj_eventfd ev = { .handle = create(f, 0), .fd = efd };
	uint64_t v;

	(void)state;
	assert_int_equal(call(f, DRM_IOCTL_SYNCOBJ_EVENTFD, &ev), 0);
	fput(f); /* the registration goes with the syncobj: no leak, no signal */
	assert_int_equal(read(efd, &v, sizeof(v)), -1);
	close(efd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(no_syncobj_feature_is_eopnotsupp),
		cmocka_unit_test(no_timeline_feature_gates_only_timeline_ioctls),
		cmocka_unit_test(handles_are_per_file_lowest_free_from_one),
		cmocka_unit_test(closing_the_file_releases_its_syncobjs_and_their_fences),
		cmocka_unit_test(fence_outlives_the_syncobj_while_referenced),
		cmocka_unit_test(find_fence_errors_are_the_kernels),
		cmocka_unit_test(wait_for_submit_is_woken_by_a_new_point),
		cmocka_unit_test(wait_accepts_the_shorter_libdrm_layout),
		cmocka_unit_test(opaque_fd_keeps_the_syncobj_until_closed),
		cmocka_unit_test(sync_file_is_released_when_its_fd_closes),
		cmocka_unit_test(eventfd_fires_when_the_point_signals),
		cmocka_unit_test(eventfd_of_a_destroyed_syncobj_is_dropped),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

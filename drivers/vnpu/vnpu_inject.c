// SPDX-License-Identifier: MIT
/*
 * vnpu: fault injection, for runtimes that must test their error paths. Armed through
 * debugfs:
 *
 *   inject_hang       write N: the next N jobs to start hang until the timeout resets them
 *   inject_dma_error  write N: the next N DMA packets (any job) fail with -EIO
 *   inject_fault      write N: the next N engine packets of jobs fault: the first operand
 *                     each translates is refused by the MMU (-EFAULT, recorded as a fault)
 *   inject_engine     write an engine name or "all" (the default): hangs, DMA errors and
 *                     faults armed are taken only by jobs on that engine (user-queue
 *                     entries, which run on no scheduler engine, only with "all"; they
 *                     take no injected fault)
 *   inject_packet_delay_ms
 *                     write MS: from now on every DMA and compute packet of a job takes MS
 *                     milliseconds longer (scaled like the job timeout), as a packet whose
 *                     primitive is built in it does; 0 stops it. An abort cuts a delay short.
 *   inject_reset      write an engine name or "all": reset it now; its running job gets -EIO
 *   force_recovery    write an engine name or "all": run the timeout handler now, as if the
 *                     running job had hung (engine reset, job -ETIME, context killed)
 *
 * Reading an injection file shows what is still pending (the counters) or the engine names.
 * The engines (vnpu_engine.c) and the user queues (vnpu_uq.c) take pending injections
 * through vnpu_inject_hang_take() and vnpu_inject_dma_error(); the engines read the packet
 * delay with vnpu_inject_packet_delay_ms() (user queues do not delay packets).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <accel/attr.h>
#include "vnpu_drv.h"
#include "vnpu_engine.h"
#include "vnpu_inject.h"

/* Take one of @count's pending injections, if any. */
static bool vnpu_inject_take(atomic_int *count)
{
	int n = atomic_load(count);

	while (n > 0) {
		if (atomic_compare_exchange_weak(count, &n, n - 1))
			return true;
	}
	return false;
}

/* What inject_engine holds for "all". */
#define VNPU_INJECT_ALL	(-1)

/* The inject_engine value naming @e. */
static int vnpu_inject_engine_id(const struct vnpu_engine *e)
{
	return (int)(e->klass * VNPU_MAX_ENGINES + e->index);
}

/* Whether injections armed now target @e (NULL: a user-queue entry, on no scheduler engine). */
static bool vnpu_inject_targets(struct vnpu_device *vdev, const struct vnpu_engine *e)
{
	int target = atomic_load(&vdev->inject_engine);

	return target == VNPU_INJECT_ALL || (e && target == vnpu_inject_engine_id(e));
}

/**
 * vnpu_inject_dma_error_on() - vnpu_inject_dma_error() for a packet of a job on engine @e
 * @vdev: the device
 * @e: the engine running the job, NULL for a user-queue entry
 * @klass: the packet's engine class
 *
 * Return: -EIO when an injected error is taken, else 0.
 */
int vnpu_inject_dma_error_on(struct vnpu_device *vdev, const struct vnpu_engine *e,
			     enum vnpu_engine_class klass)
{
	if (klass != VNPU_EXEC_DMA || !vnpu_inject_targets(vdev, e))
		return 0;
	return vnpu_inject_take(&vdev->inject_dma_error) ? -EIO : 0;
}

/**
 * vnpu_inject_hang_take_on() - vnpu_inject_hang_take() for a job starting on engine @e
 * @vdev: the device
 * @e: the engine, NULL for a user-queue entry
 *
 * Return: true when one was taken.
 */
bool vnpu_inject_hang_take_on(struct vnpu_device *vdev, const struct vnpu_engine *e)
{
	return vnpu_inject_targets(vdev, e) && vnpu_inject_take(&vdev->inject_hang);
}

/**
 * vnpu_inject_fault_take() - take one pending injected fault for an engine packet of a job
 * on @e: its first translation is then refused
 * @vdev: the device
 * @e: the engine running the job
 *
 * Return: true when one was taken.
 */
bool vnpu_inject_fault_take(struct vnpu_device *vdev, const struct vnpu_engine *e)
{
	return vnpu_inject_targets(vdev, e) && vnpu_inject_take(&vdev->inject_fault);
}

/**
 * vnpu_inject_dma_error() - the fault-injection hook of every stream: a pending injected DMA
 * error hits the next DMA packet of any job or queue entry
 * @vdev: the device
 * @klass: the packet's engine class
 *
 * Return: -EIO when an injected error is taken, else 0.
 */
int vnpu_inject_dma_error(struct vnpu_device *vdev, enum vnpu_engine_class klass)
{
	return vnpu_inject_dma_error_on(vdev, NULL, klass);
}

/**
 * vnpu_inject_hang_take() - take one pending injected hang: the job (or queue entry) that
 * gets it does not finish by itself
 * @vdev: the device
 *
 * Return: true when one was taken.
 */
bool vnpu_inject_hang_take(struct vnpu_device *vdev)
{
	return vnpu_inject_hang_take_on(vdev, NULL);
}

/**
 * vnpu_inject_packet_delay_ms() - the injected delay of every engine packet of a job
 * @vdev: the device
 *
 * Return: milliseconds (before ACCEL_TIMEOUT_SCALE), 0 for none.
 */
unsigned int vnpu_inject_packet_delay_ms(struct vnpu_device *vdev)
{
	return atomic_load(&vdev->inject_packet_delay_ms);
}

/* A count of 0 to @max written to an injection file (a trailing newline allowed). */
static int vnpu_parse_count(const char *buf, size_t len, long max, int *out)
{
	char tmp[16], *end;
	long v;

	if (!len || len >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, buf, len);
	tmp[len] = 0;
	if (tmp[len - 1] == '\n')
		tmp[len - 1] = 0;
	errno = 0;
	v = strtol(tmp, &end, 10);
	if (errno || end == tmp || *end || v < 0 || v > max)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

/* Store a count written to an injection file into @count. */
static ssize_t vnpu_store_count(atomic_int *count, const char *buf, size_t len)
{
	int n, ret;

	ret = vnpu_parse_count(buf, len, 1000, &n);
	if (ret)
		return ret;
	atomic_store(count, n);
	return (ssize_t)len;
}

static int vnpu_inject_hang_show(struct seq_file *m)
{
	struct vnpu_device *vdev = m->private;

	seq_printf(m, "%d\n", atomic_load(&vdev->inject_hang));
	return 0;
}

static ssize_t vnpu_inject_hang_store(struct attr_node *node, void *private, const char *buf,
				      size_t len)
{
	struct vnpu_device *vdev = private;

	(void)node;
	return vnpu_store_count(&vdev->inject_hang, buf, len);
}

static int vnpu_inject_packet_delay_show(struct seq_file *m)
{
	struct vnpu_device *vdev = m->private;

	seq_printf(m, "%u\n", vnpu_inject_packet_delay_ms(vdev));
	return 0;
}

/* At most a minute: the delay stands for one packet's work, never a hang. */
static ssize_t vnpu_inject_packet_delay_store(struct attr_node *node, void *private,
					      const char *buf, size_t len)
{
	struct vnpu_device *vdev = private;
	int ms, ret;

	(void)node;
	ret = vnpu_parse_count(buf, len, 60000, &ms);
	if (ret)
		return ret;
	atomic_store(&vdev->inject_packet_delay_ms, (unsigned int)ms);
	return (ssize_t)len;
}

static int vnpu_inject_dma_error_show(struct seq_file *m)
{
	struct vnpu_device *vdev = m->private;

	seq_printf(m, "%d\n", atomic_load(&vdev->inject_dma_error));
	return 0;
}

static ssize_t vnpu_inject_dma_error_store(struct attr_node *node, void *private,
					   const char *buf, size_t len)
{
	struct vnpu_device *vdev = private;

	(void)node;
	return vnpu_store_count(&vdev->inject_dma_error, buf, len);
}

static int vnpu_inject_fault_show(struct seq_file *m)
{
	struct vnpu_device *vdev = m->private;

	seq_printf(m, "%d\n", atomic_load(&vdev->inject_fault));
	return 0;
}

static ssize_t vnpu_inject_fault_store(struct attr_node *node, void *private, const char *buf,
				       size_t len)
{
	struct vnpu_device *vdev = private;

	(void)node;
	return vnpu_store_count(&vdev->inject_fault, buf, len);
}

/* "inject_engine": the engine injections target, "all" for any. */
static int vnpu_inject_engine_show(struct seq_file *m)
{
	struct vnpu_device *vdev = m->private;
	int target = atomic_load(&vdev->inject_engine);
	unsigned int k, i;

	for (k = 0; k < VNPU_NR_CLASSES; k++)
		for (i = 0; i < vdev->nr_engines[k]; i++)
			if (target == vnpu_inject_engine_id(vdev->engines[k][i]))
				seq_printf(m, "%s\n", vdev->engines[k][i]->name);
	if (target == VNPU_INJECT_ALL)
		seq_puts(m, "all\n");
	return 0;
}

static ssize_t vnpu_inject_engine_store(struct attr_node *node, void *private, const char *buf,
					size_t len)
{
	struct vnpu_device *vdev = private;
	char name[16];
	unsigned int k, i;
	size_t n = len;

	(void)node;
	if (n && buf[n - 1] == '\n')
		n--;
	if (!n || n >= sizeof(name))
		return -EINVAL;
	memcpy(name, buf, n);
	name[n] = 0;
	if (!strcmp(name, "all")) {
		atomic_store(&vdev->inject_engine, VNPU_INJECT_ALL);
		return (ssize_t)len;
	}
	for (k = 0; k < VNPU_NR_CLASSES; k++) {
		for (i = 0; i < vdev->nr_engines[k]; i++) {
			if (!strcmp(name, vdev->engines[k][i]->name)) {
				atomic_store(&vdev->inject_engine,
					     vnpu_inject_engine_id(vdev->engines[k][i]));
				return (ssize_t)len;
			}
		}
	}
	return -EINVAL;
}

static int vnpu_engine_names_show(struct seq_file *m)
{
	struct vnpu_device *vdev = m->private;
	unsigned int k, i;

	for (k = 0; k < VNPU_NR_CLASSES; k++)
		for (i = 0; i < vdev->nr_engines[k]; i++)
			seq_printf(m, "%s ", vdev->engines[k][i]->name);
	seq_puts(m, "all\n");
	return 0;
}

/*
 * Call @fn on the engine named in @buf, or on every engine for "all".
 * Return: @len, or -EINVAL for an unknown name.
 */
static ssize_t vnpu_for_named_engines(struct vnpu_device *vdev, const char *buf, size_t len,
				      void (*fn)(struct vnpu_engine *e))
{
	char name[16];
	unsigned int k, i, hits = 0;
	size_t n = len;

	if (n && buf[n - 1] == '\n')
		n--;
	if (!n || n >= sizeof(name))
		return -EINVAL;
	memcpy(name, buf, n);
	name[n] = 0;
	for (k = 0; k < VNPU_NR_CLASSES; k++) {
		for (i = 0; i < vdev->nr_engines[k]; i++) {
			struct vnpu_engine *e = vdev->engines[k][i];

			if (!strcmp(name, "all") || !strcmp(name, e->name)) {
				fn(e);
				hits++;
			}
		}
	}
	return hits ? (ssize_t)len : -EINVAL;
}

static void vnpu_engine_reset_eio(struct vnpu_engine *e)
{
	vnpu_engine_reset(e, -EIO);
}

static ssize_t vnpu_inject_reset_store(struct attr_node *node, void *private, const char *buf,
				       size_t len)
{
	(void)node;
	return vnpu_for_named_engines(private, buf, len, vnpu_engine_reset_eio);
}

static ssize_t vnpu_force_recovery_store(struct attr_node *node, void *private, const char *buf,
					 size_t len)
{
	(void)node;
	return vnpu_for_named_engines(private, buf, len, vnpu_engine_force_recovery);
}

/**
 * vnpu_inject_debugfs_init() - add the device's fault-injection files to its debugfs
 * @vdev: the device, its engines made
 */
void vnpu_inject_debugfs_init(struct vnpu_device *vdev)
{
	struct attr_node *root = vdev->drm.debugfs_root;

	/* Injections target any engine until inject_engine names one. */
	atomic_store(&vdev->inject_engine, VNPU_INJECT_ALL);
	if (!root)
		return;
	attr_file_create(root, "inject_hang", 0600, vnpu_inject_hang_show,
			 vnpu_inject_hang_store, vdev);
	attr_file_create(root, "inject_dma_error", 0600, vnpu_inject_dma_error_show,
			 vnpu_inject_dma_error_store, vdev);
	attr_file_create(root, "inject_fault", 0600, vnpu_inject_fault_show,
			 vnpu_inject_fault_store, vdev);
	attr_file_create(root, "inject_engine", 0600, vnpu_inject_engine_show,
			 vnpu_inject_engine_store, vdev);
	attr_file_create(root, "inject_packet_delay_ms", 0600, vnpu_inject_packet_delay_show,
			 vnpu_inject_packet_delay_store, vdev);
	attr_file_create(root, "inject_reset", 0600, vnpu_engine_names_show,
			 vnpu_inject_reset_store, vdev);
	attr_file_create(root, "force_recovery", 0600, vnpu_engine_names_show,
			 vnpu_force_recovery_store, vdev);
}

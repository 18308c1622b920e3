// SPDX-License-Identifier: MIT
/*
 * vedge: runtime power management, as an edge driver's runtime PM with autosuspend does it.
 * The NPU starts suspended (power domain off, clock gated). A job resumes it in run_job
 * (POWER on, CLOCK on, wait for STATUS.POWERED; the time this takes is counted in the job's
 * time and in power/ telemetry) and holds it active until it completes; once nothing holds
 * it for power/autosuspend_delay_ms, the autosuspend thread gates the clock and powers the
 * domain off (SRAM is not retained). A negative delay keeps the NPU on, as in the kernel.
 *
 * sysfs, under the platform device: power/autosuspend_delay_ms (read-write),
 * power/runtime_status ("active" or "suspended"), power/runtime_suspended_time (ms),
 * power/runtime_resume_count and power/runtime_resume_us
 * (resumes and the total time they took: not in the kernel's set, the NPU's own figures).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <accel/attr.h>
#include <accel/device.h>
#include <accel/platform_device.h>
#include "vedge_drv.h"
#include "vedge_regs.h"

/* Power the NPU down. pm.lock held. */
static void vedge_pm_suspend_locked(struct vedge_device *vdev)
{
	vedge_reg_write(vdev, VEDGE_REG_CLOCK, 0);
	vedge_reg_write(vdev, VEDGE_REG_POWER, 0);
	vdev->pm.suspended = true;
	vdev->pm.suspended_since_ns = vedge_now_ns();
	vdev->pm.suspends++;
}

/* Whether the NPU is to be suspended now; else the deadline to look again (0: none). */
static bool vedge_pm_due_locked(struct vedge_pm *pm, uint64_t now, uint64_t *deadline)
{
	uint64_t due;

	*deadline = 0;
	if (pm->suspended || pm->usage || pm->delay_ms < 0)
		return false;
	due = pm->last_busy_ns + (uint64_t)pm->delay_ms * 1000000ull;
	if (now >= due)
		return true;
	*deadline = due;
	return false;
}

static void *vedge_pm_thread(void *arg)
{
	struct vedge_device *vdev = arg;
	struct vedge_pm *pm = &vdev->pm;
	uint64_t deadline;

	pthread_mutex_lock(&pm->lock);
	while (!pm->stop) {
		if (vedge_pm_due_locked(pm, vedge_now_ns(), &deadline)) {
			vedge_pm_suspend_locked(vdev);
			continue;
		}
		if (deadline) {
			struct timespec ts = { .tv_sec = (time_t)(deadline / 1000000000ull),
					       .tv_nsec = (long)(deadline % 1000000000ull) };

			pthread_cond_timedwait(&pm->cond, &pm->lock, &ts); /* CLOCK_MONOTONIC */
		} else {
			pthread_cond_wait(&pm->cond, &pm->lock);
		}
	}
	pthread_mutex_unlock(&pm->lock);
	return NULL;
}

/**
 * vedge_pm_get() - hold the NPU active, resuming it if suspended
 * @vdev: the device
 *
 * Return: nanoseconds the resume took (0 when it was active).
 */
uint64_t vedge_pm_get(struct vedge_device *vdev)
{
	struct vedge_pm *pm = &vdev->pm;
	uint64_t t0, took = 0;

	pthread_mutex_lock(&pm->lock);
	pm->usage++;
	if (pm->suspended) {
		t0 = vedge_now_ns();
		vedge_reg_write(vdev, VEDGE_REG_POWER, VEDGE_POWER_ON);
		vedge_reg_write(vdev, VEDGE_REG_CLOCK, VEDGE_CLOCK_ENABLE);
		while (!(vedge_reg_read(vdev, VEDGE_REG_STATUS) & VEDGE_STATUS_POWERED))
			;
		pm->suspended = false;
		took = vedge_now_ns() - t0;
		pm->suspended_ns += t0 - pm->suspended_since_ns;
		pm->resumes++;
		pm->resume_ns += took;
	}
	pthread_mutex_unlock(&pm->lock);
	return took;
}

/**
 * vedge_pm_put() - drop a vedge_pm_get(); the last one starts the autosuspend delay
 * @vdev: the device
 */
void vedge_pm_put(struct vedge_device *vdev)
{
	struct vedge_pm *pm = &vdev->pm;

	pthread_mutex_lock(&pm->lock);
	if (!--pm->usage) {
		pm->last_busy_ns = vedge_now_ns();
		pthread_cond_signal(&pm->cond);
	}
	pthread_mutex_unlock(&pm->lock);
}

/**
 * vedge_pm_init() - the NPU starts suspended; start the autosuspend thread
 * @vdev: the device, its NPU created
 *
 * Return: 0 or -EAGAIN.
 */
int vedge_pm_init(struct vedge_device *vdev)
{
	struct vedge_pm *pm = &vdev->pm;
	pthread_condattr_t cattr;
	int ret;

	pthread_mutex_init(&pm->lock, NULL);
	pthread_condattr_init(&cattr);
	pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
	pthread_cond_init(&pm->cond, &cattr);
	pthread_condattr_destroy(&cattr);
	pm->delay_ms = (int64_t)vdev->cfg.autosuspend_delay_ms;
	pm->suspended = true;
	pm->suspended_since_ns = vedge_now_ns();
	ret = -pthread_create(&pm->thread, NULL, vedge_pm_thread, vdev);
	if (!ret)
		pm->thread_started = true;
	return ret;
}

/**
 * vedge_pm_fini() - stop the autosuspend thread and power the NPU down
 * @vdev: the device, no job on it
 */
void vedge_pm_fini(struct vedge_device *vdev)
{
	struct vedge_pm *pm = &vdev->pm;

	if (pm->thread_started) {
		pthread_mutex_lock(&pm->lock);
		pm->stop = true;
		pthread_cond_signal(&pm->cond);
		pthread_mutex_unlock(&pm->lock);
		pthread_join(pm->thread, NULL);
		pm->thread_started = false;
	}
	pthread_cond_destroy(&pm->cond);
	pthread_mutex_destroy(&pm->lock);
}

/* sysfs power/ */

static int vedge_pm_delay_show(struct seq_file *m)
{
	struct vedge_device *vdev = m->private;
	long long v;

	pthread_mutex_lock(&vdev->pm.lock);
	v = vdev->pm.delay_ms;
	pthread_mutex_unlock(&vdev->pm.lock);
	seq_printf(m, "%lld\n", v);
	return 0;
}

static ssize_t vedge_pm_delay_store(struct attr_node *node, void *private, const char *buf,
				    size_t len)
{
	struct vedge_device *vdev = private;
	char tmp[32], *end;
	long long v;

	(void)node;
	if (!len || len >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, buf, len);
	tmp[len] = '\0';
	errno = 0;
	v = strtoll(tmp, &end, 10);
	if (end == tmp || (*end && *end != '\n') || errno || v < -1 || v > 3600000)
		return -EINVAL;
	pthread_mutex_lock(&vdev->pm.lock);
	vdev->pm.delay_ms = v;
	pthread_cond_signal(&vdev->pm.cond);
	pthread_mutex_unlock(&vdev->pm.lock);
	return (ssize_t)len;
}

static int vedge_pm_status_show(struct seq_file *m)
{
	struct vedge_device *vdev = m->private;
	bool suspended;

	pthread_mutex_lock(&vdev->pm.lock);
	suspended = vdev->pm.suspended;
	pthread_mutex_unlock(&vdev->pm.lock);
	seq_puts(m, suspended ? "suspended\n" : "active\n");
	return 0;
}

/* Suspended time so far, the current stretch included. */
static uint64_t vedge_pm_suspended_ns(struct vedge_device *vdev, uint64_t now)
{
	uint64_t ns;

	pthread_mutex_lock(&vdev->pm.lock);
	ns = vdev->pm.suspended_ns;
	if (vdev->pm.suspended)
		ns += now - vdev->pm.suspended_since_ns;
	pthread_mutex_unlock(&vdev->pm.lock);
	return ns;
}

static int vedge_pm_suspended_time_show(struct seq_file *m)
{
	seq_printf(m, "%llu\n",
		   (unsigned long long)(vedge_pm_suspended_ns(m->private, vedge_now_ns()) / 1000000));
	return 0;
}

static int vedge_pm_resume_count_show(struct seq_file *m)
{
	struct vedge_device *vdev = m->private;
	unsigned long long v;

	pthread_mutex_lock(&vdev->pm.lock);
	v = vdev->pm.resumes;
	pthread_mutex_unlock(&vdev->pm.lock);
	seq_printf(m, "%llu\n", v);
	return 0;
}

static int vedge_pm_resume_us_show(struct seq_file *m)
{
	struct vedge_device *vdev = m->private;
	unsigned long long v;

	pthread_mutex_lock(&vdev->pm.lock);
	v = vdev->pm.resume_ns / 1000;
	pthread_mutex_unlock(&vdev->pm.lock);
	seq_printf(m, "%llu\n", v);
	return 0;
}

/**
 * vedge_pm_sysfs_init() - the power/ directory of the platform device
 * @vdev: the device
 *
 * Return: 0 or -ENOMEM.
 */
int vedge_pm_sysfs_init(struct vedge_device *vdev)
{
	struct attr_node *dir = attr_dir_create(device_attr_dir(&vdev->pdev->dev), "power");

	if (IS_ERR_OR_NULL(dir))
		return -ENOMEM;
	vdev->power_dir = dir;
	if (
	    IS_ERR_OR_NULL(attr_file_create(dir, "autosuspend_delay_ms", 0644, vedge_pm_delay_show,
					    vedge_pm_delay_store, vdev)) ||
	    IS_ERR_OR_NULL(attr_file_create(dir, "runtime_status", 0444, vedge_pm_status_show,
					    NULL, vdev)) ||
	    IS_ERR_OR_NULL(attr_file_create(dir, "runtime_suspended_time", 0444,
					    vedge_pm_suspended_time_show, NULL, vdev)) ||
	    IS_ERR_OR_NULL(attr_file_create(dir, "runtime_resume_count", 0444,
					    vedge_pm_resume_count_show, NULL, vdev)) ||
	    IS_ERR_OR_NULL(attr_file_create(dir, "runtime_resume_us", 0444,
					    vedge_pm_resume_us_show, NULL, vdev)))
		return -ENOMEM;
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * vedge: the interrupt. The NPU's line (vedge_irq_line(), called by the device as a hard IRQ
 * would fire) only wakes the handler thread, as a threaded IRQ's top half does; the thread
 * reads IRQ_STATUS, acknowledges what it saw through IRQ_CLEAR and completes the job on the
 * NPU: DONE succeeds it, ERROR fails it with -EIO (ERROR_CODE and ERROR_CMD are logged). An
 * interrupt with no job on the NPU (one the timeout handler already took) is acknowledged
 * and ignored.
 */
#define _GNU_SOURCE
#include <errno.h>

#include <accel/drm_print.h>
#include "vedge_drv.h"
#include "vedge_regs.h"

/**
 * vedge_irq_line() - the NPU asserted its interrupt line
 * @ctx: the device
 */
void vedge_irq_line(void *ctx)
{
	struct vedge_device *vdev = ctx;

	pthread_mutex_lock(&vdev->irq_lock);
	vdev->irq_pending = true;
	pthread_cond_signal(&vdev->irq_cond);
	pthread_mutex_unlock(&vdev->irq_lock);
}

/*
 * Status, acknowledge and the running job are taken under job_lock: the timeout handler
 * resets the NPU under it, so a DONE of a job it took cannot complete the job after it.
 */
static void vedge_irq_handle(struct vedge_device *vdev)
{
	uint32_t status, code = 0, at = 0;
	struct vedge_job *job;
	int error = 0;

	pthread_mutex_lock(&vdev->job_lock);
	status = vedge_reg_read(vdev, VEDGE_REG_IRQ_STATUS);
	if (!status) {
		pthread_mutex_unlock(&vdev->job_lock);
		return;
	}
	if (status & VEDGE_IRQ_ERROR) {
		code = vedge_reg_read(vdev, VEDGE_REG_ERROR_CODE);
		at = vedge_reg_read(vdev, VEDGE_REG_ERROR_CMD);
		error = code == VEDGE_ERR_NO_MEMORY ? -ENOMEM : -EIO;
	}
	vedge_reg_write(vdev, VEDGE_REG_IRQ_CLEAR, status);
	job = vdev->running;
	vdev->running = NULL;
	pthread_mutex_unlock(&vdev->job_lock);
	if (error)
		accel_printk(ACCEL_LOG_WARN, "[drm] vedge %s: NPU error %u at command %u",
			     vdev->drm.unique, code, at);
	if (job)
		vedge_job_complete(vdev, job, error);
}

static void *vedge_irq_thread(void *arg)
{
	struct vedge_device *vdev = arg;

	pthread_mutex_lock(&vdev->irq_lock);
	for (;;) {
		while (!vdev->irq_pending && !vdev->irq_stop)
			pthread_cond_wait(&vdev->irq_cond, &vdev->irq_lock);
		if (vdev->irq_stop)
			break;
		vdev->irq_pending = false;
		pthread_mutex_unlock(&vdev->irq_lock);
		vedge_irq_handle(vdev);
		pthread_mutex_lock(&vdev->irq_lock);
	}
	pthread_mutex_unlock(&vdev->irq_lock);
	return NULL;
}

/**
 * vedge_irq_init() - request the interrupt: start the handler thread, unmask DONE and ERROR
 * @vdev: the device, its NPU created
 *
 * Return: 0 or -EAGAIN.
 */
int vedge_irq_init(struct vedge_device *vdev)
{
	int ret = -pthread_create(&vdev->irq_thread, NULL, vedge_irq_thread, vdev);

	if (ret)
		return ret;
	vdev->irq_started = true;
	vedge_reg_write(vdev, VEDGE_REG_IRQ_MASK, VEDGE_IRQ_ALL);
	return 0;
}

/**
 * vedge_irq_fini() - mask the interrupt and stop the handler thread
 * @vdev: the device
 */
void vedge_irq_fini(struct vedge_device *vdev)
{
	if (!vdev->irq_started)
		return;
	vedge_reg_write(vdev, VEDGE_REG_IRQ_MASK, 0);
	pthread_mutex_lock(&vdev->irq_lock);
	vdev->irq_stop = true;
	pthread_cond_signal(&vdev->irq_cond);
	pthread_mutex_unlock(&vdev->irq_lock);
	pthread_join(vdev->irq_thread, NULL);
	vdev->irq_started = false;
}

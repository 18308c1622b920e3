// SPDX-License-Identifier: MIT
/*
 * vedge: telemetry and fault injection.
 *
 * sysfs, platform device's npu/ directory (read-only): has_dma, sram_size, job_timeout_ms,
 * jobs_done, jobs_failed, reset_count, busy_us, pio_bytes, last_job_us, last_pio_us,
 * last_resume_us and the performance counters summed over jobs: cycles, macs, ops, bytes.
 *
 * debugfs, the device's directory:
 *   regs          the register file as the driver reads it (offset, name, value)
 *   perf          the last job's performance counters
 *   jobs_alive    jobs not yet freed (tests wait for 0 after closing a client)
 *   inject_hang   write N (0..1000, 0 disarms): the next N streams kicked hang, each until
 *                 the timeout resets the NPU (job -ETIMEDOUT); read: hangs still pending
 *   inject_fault  write N: the next N streams kicked stop with a bus fault (job -EIO);
 *                 read: faults still pending
 *   mmio          register reads and writes so far
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <accel/attr.h>
#include <accel/device.h>
#include <accel/platform_device.h>
#include "vedge_drv.h"
#include "vedge_regs.h"

/* ---- sysfs npu/ ---- */

enum vedge_stat {
	VEDGE_STAT_HAS_DMA, VEDGE_STAT_SRAM_SIZE, VEDGE_STAT_JOB_TIMEOUT_MS,
	VEDGE_STAT_JOBS_DONE, VEDGE_STAT_JOBS_FAILED, VEDGE_STAT_RESET_COUNT,
	VEDGE_STAT_BUSY_US, VEDGE_STAT_PIO_BYTES, VEDGE_STAT_LAST_JOB_US,
	VEDGE_STAT_LAST_PIO_US, VEDGE_STAT_LAST_RESUME_US, VEDGE_STAT_CYCLES,
	VEDGE_STAT_MACS, VEDGE_STAT_OPS, VEDGE_STAT_BYTES, VEDGE_STAT_COUNT,
};

static const char *const vedge_stat_name[VEDGE_STAT_COUNT] = {
	"has_dma", "sram_size", "job_timeout_ms", "jobs_done", "jobs_failed", "reset_count",
	"busy_us", "pio_bytes", "last_job_us", "last_pio_us", "last_resume_us", "cycles",
	"macs", "ops", "bytes",
};

/*
 * engines/npu0/: the one engine in the layout every accel driver here uses (vnpu's
 * engines/<name>/), so `accel info` and `accel top` show its busy time without knowing vedge.
 */
enum vedge_engine_stat { VEDGE_ENGINE_BUSY_US, VEDGE_ENGINE_JOBS, VEDGE_ENGINE_RESETS,
			 VEDGE_ENGINE_STAT_COUNT };

static const char *const vedge_engine_stat_name[VEDGE_ENGINE_STAT_COUNT] = {
	"busy_us", "jobs", "resets",
};

/* One file per stat: its private is the device, its index found from its name. */
struct vedge_stat_file {
	struct vedge_device *vdev;
	enum vedge_stat stat;
};

static uint64_t vedge_stat_value(struct vedge_device *vdev, enum vedge_stat stat)
{
	uint64_t v = 0;

	switch (stat) {
	case VEDGE_STAT_HAS_DMA: return vdev->cfg.has_dma;
	case VEDGE_STAT_SRAM_SIZE: return vdev->cfg.sram_size;
	case VEDGE_STAT_JOB_TIMEOUT_MS: return vdev->cfg.job_timeout_ms;
	case VEDGE_STAT_JOBS_DONE: return atomic_load(&vdev->jobs_done);
	case VEDGE_STAT_JOBS_FAILED: return atomic_load(&vdev->jobs_failed);
	case VEDGE_STAT_RESET_COUNT: return atomic_load(&vdev->reset_count);
	case VEDGE_STAT_BUSY_US: return atomic_load(&vdev->busy_ns) / 1000;
	case VEDGE_STAT_PIO_BYTES: return atomic_load(&vdev->pio_bytes);
	default: break;
	}
	pthread_mutex_lock(&vdev->perf_lock);
	switch (stat) {
	case VEDGE_STAT_LAST_JOB_US: v = vdev->last_job_ns / 1000; break;
	case VEDGE_STAT_LAST_PIO_US: v = vdev->last_pio_ns / 1000; break;
	case VEDGE_STAT_LAST_RESUME_US: v = vdev->last_resume_ns / 1000; break;
	case VEDGE_STAT_CYCLES: v = vdev->total_perf.cycles; break;
	case VEDGE_STAT_MACS: v = vdev->total_perf.macs; break;
	case VEDGE_STAT_OPS: v = vdev->total_perf.ops; break;
	case VEDGE_STAT_BYTES: v = vdev->total_perf.bytes; break;
	default: break;
	}
	pthread_mutex_unlock(&vdev->perf_lock);
	return v;
}

static int vedge_stat_show(struct seq_file *m)
{
	const struct vedge_stat_file *f = m->private;

	seq_printf(m, "%llu\n", (unsigned long long)vedge_stat_value(f->vdev, f->stat));
	return 0;
}

static int vedge_engine_stat_show(struct seq_file *m)
{
	const struct vedge_stat_file *f = m->private;
	struct vedge_device *vdev = f->vdev;
	uint64_t v = 0;

	switch ((enum vedge_engine_stat)f->stat) {
	case VEDGE_ENGINE_BUSY_US: v = atomic_load(&vdev->busy_ns) / 1000; break;
	case VEDGE_ENGINE_JOBS:
		v = atomic_load(&vdev->jobs_done) + atomic_load(&vdev->jobs_failed);
		break;
	case VEDGE_ENGINE_RESETS: v = atomic_load(&vdev->reset_count); break;
	default: break;
	}
	seq_printf(m, "%llu\n", (unsigned long long)v);
	return 0;
}

/**
 * vedge_sysfs_init() - the telemetry files at the device's top level and engines/npu0/
 * @vdev: the device
 *
 * Return: 0 or -ENOMEM (what was created stays for vedge_sysfs_fini()).
 */
int vedge_sysfs_init(struct vedge_device *vdev)
{
	struct attr_node *dir = device_attr_dir(&vdev->pdev->dev), *eng;
	struct vedge_stat_file *files;
	unsigned int i;

	files = calloc(VEDGE_STAT_COUNT + VEDGE_ENGINE_STAT_COUNT, sizeof(*files));
	vdev->stat_nodes = calloc(VEDGE_STAT_COUNT, sizeof(*vdev->stat_nodes));
	vdev->stat_files = files;
	if (!files || !vdev->stat_nodes)
		return -ENOMEM;
	for (i = 0; i < VEDGE_STAT_COUNT; i++) {
		files[i].vdev = vdev;
		files[i].stat = i;
		vdev->stat_nodes[i] = attr_file_create(dir, vedge_stat_name[i], 0444,
						       vedge_stat_show, NULL, &files[i]);
		if (IS_ERR_OR_NULL(vdev->stat_nodes[i])) {
			vdev->stat_nodes[i] = NULL;
			return -ENOMEM;
		}
	}
	vdev->engines_dir = attr_dir_create(dir, "engines");
	if (IS_ERR_OR_NULL(vdev->engines_dir)) {
		vdev->engines_dir = NULL;
		return -ENOMEM;
	}
	eng = attr_dir_create(vdev->engines_dir, "npu0");
	if (IS_ERR_OR_NULL(eng))
		return -ENOMEM;
	for (i = 0; i < VEDGE_ENGINE_STAT_COUNT; i++) {
		struct vedge_stat_file *f = &files[VEDGE_STAT_COUNT + i];

		f->vdev = vdev;
		f->stat = (enum vedge_stat)i;
		if (IS_ERR_OR_NULL(attr_file_create(eng, vedge_engine_stat_name[i], 0444,
						    vedge_engine_stat_show, NULL, f)))
			return -ENOMEM;
	}
	return 0;
}

/**
 * vedge_sysfs_fini() - remove what vedge_sysfs_init() created (a partial set included)
 * @vdev: the device
 */
void vedge_sysfs_fini(struct vedge_device *vdev)
{
	unsigned int i;

	attr_remove(vdev->engines_dir);
	vdev->engines_dir = NULL;
	if (vdev->stat_nodes)
		for (i = 0; i < VEDGE_STAT_COUNT; i++)
			attr_remove(vdev->stat_nodes[i]);
	free(vdev->stat_nodes);
	vdev->stat_nodes = NULL;
}

/* ---- debugfs ---- */

static const struct {
	uint32_t offset;
	const char *name;
} vedge_reg_names[] = {
	{ VEDGE_REG_ID, "ID" }, { VEDGE_REG_VERSION, "VERSION" }, { VEDGE_REG_CONFIG, "CONFIG" },
	{ VEDGE_REG_SRAM_SIZE, "SRAM_SIZE" }, { VEDGE_REG_STATUS, "STATUS" },
	{ VEDGE_REG_IRQ_STATUS, "IRQ_STATUS" }, { VEDGE_REG_IRQ_MASK, "IRQ_MASK" },
	{ VEDGE_REG_ERROR_CODE, "ERROR_CODE" }, { VEDGE_REG_ERROR_CMD, "ERROR_CMD" },
	{ VEDGE_REG_CMD_BASE_LO, "CMD_BASE_LO" }, { VEDGE_REG_CMD_BASE_HI, "CMD_BASE_HI" },
	{ VEDGE_REG_CMD_LENGTH, "CMD_LENGTH" }, { VEDGE_REG_SCRATCH_BASE, "SCRATCH_BASE" },
	{ VEDGE_REG_SRAM_WIN_OFFSET, "SRAM_WIN_OFFSET" }, { VEDGE_REG_POWER, "POWER" },
	{ VEDGE_REG_CLOCK, "CLOCK" },
	{ VEDGE_REG_PERF_CYCLES_LO, "PERF_CYCLES_LO" }, { VEDGE_REG_PERF_MACS_LO, "PERF_MACS_LO" },
	{ VEDGE_REG_PERF_OPS_LO, "PERF_OPS_LO" }, { VEDGE_REG_PERF_BYTES_LO, "PERF_BYTES_LO" },
};

static int vedge_regs_show(struct seq_file *m)
{
	struct vedge_device *vdev = m->private;

	for (unsigned int i = 0; i < ARRAY_SIZE(vedge_reg_names); i++)
		seq_printf(m, "0x%03x %-16s 0x%08x\n", vedge_reg_names[i].offset,
			   vedge_reg_names[i].name,
			   vedge_reg_read(vdev, vedge_reg_names[i].offset));
	for (unsigned int i = 0; i < VEDGE_MAX_REGIONS; i++)
		seq_printf(m, "0x%03x REGION%-2u         base 0x%08x%08x size 0x%08x\n",
			   VEDGE_REG_REGION_BASE_LO(i), i,
			   vedge_reg_read(vdev, VEDGE_REG_REGION_BASE_HI(i)),
			   vedge_reg_read(vdev, VEDGE_REG_REGION_BASE_LO(i)),
			   vedge_reg_read(vdev, VEDGE_REG_REGION_SIZE(i)));
	return 0;
}

static int vedge_perf_show(struct seq_file *m)
{
	struct vedge_device *vdev = m->private;
	struct vedge_perf p;
	uint64_t job, pio, resume;

	pthread_mutex_lock(&vdev->perf_lock);
	p = vdev->last_perf;
	job = vdev->last_job_ns;
	pio = vdev->last_pio_ns;
	resume = vdev->last_resume_ns;
	pthread_mutex_unlock(&vdev->perf_lock);
	seq_printf(m, "cycles %llu\nmacs %llu\nops %llu\nbytes %llu\njob_ns %llu\npio_ns %llu\n"
		   "resume_ns %llu\n", (unsigned long long)p.cycles, (unsigned long long)p.macs,
		   (unsigned long long)p.ops, (unsigned long long)p.bytes,
		   (unsigned long long)job, (unsigned long long)pio, (unsigned long long)resume);
	return 0;
}

static int vedge_jobs_alive_show(struct seq_file *m)
{
	seq_printf(m, "%u\n", vedge_jobs_alive(m->private));
	return 0;
}

static int vedge_mmio_show(struct seq_file *m)
{
	struct vedge_device *vdev = m->private;

	seq_printf(m, "reads %llu\nwrites %llu\n",
		   (unsigned long long)atomic_load(&vdev->mmio_reads),
		   (unsigned long long)atomic_load(&vdev->mmio_writes));
	return 0;
}

static int vedge_inject_hang_show(struct seq_file *m)
{
	struct vedge_device *vdev = m->private;

	seq_printf(m, "%u\n", vedge_hw_injected(vdev->hw, VEDGE_HW_HANG));
	return 0;
}

static int vedge_inject_fault_show(struct seq_file *m)
{
	struct vedge_device *vdev = m->private;

	seq_printf(m, "%u\n", vedge_hw_injected(vdev->hw, VEDGE_HW_BUS_FAULT));
	return 0;
}

/*
 * A count N of 0 to VEDGE_INJECT_MAX in decimal (a trailing newline allowed) arms the fault
 * for the next N streams kicked (0 disarms), as vnpu's injection files; anything else is
 * -EINVAL.
 */
static ssize_t vedge_inject_store(struct vedge_device *vdev, enum vedge_hw_fault fault,
				  const char *buf, size_t len)
{
	char tmp[8], *end;
	long n;

	if (!len || len >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, buf, len);
	tmp[len] = 0;
	if (tmp[len - 1] == '\n')
		tmp[len - 1] = 0;
	if (tmp[0] < '0' || tmp[0] > '9')
		return -EINVAL; /* strtol would take a sign or spaces */
	errno = 0;
	n = strtol(tmp, &end, 10);
	if (errno || end == tmp || *end || n < 0 || n > VEDGE_INJECT_MAX)
		return -EINVAL;
	vedge_hw_inject(vdev->hw, fault, (uint32_t)n);
	return (ssize_t)len;
}

static ssize_t vedge_inject_hang_store(struct attr_node *node, void *private, const char *buf,
				       size_t len)
{
	(void)node;
	return vedge_inject_store(private, VEDGE_HW_HANG, buf, len);
}

static ssize_t vedge_inject_fault_store(struct attr_node *node, void *private, const char *buf,
					size_t len)
{
	(void)node;
	return vedge_inject_store(private, VEDGE_HW_BUS_FAULT, buf, len);
}

/**
 * vedge_debugfs_init() - the device's debugfs files
 * @vdev: the device (its debugfs directory made by drm_dev_init)
 */
void vedge_debugfs_init(struct vedge_device *vdev)
{
	struct attr_node *root = vdev->drm.debugfs_root;

	if (!root)
		return;
	attr_file_create(root, "regs", 0444, vedge_regs_show, NULL, vdev);
	attr_file_create(root, "perf", 0444, vedge_perf_show, NULL, vdev);
	attr_file_create(root, "jobs_alive", 0444, vedge_jobs_alive_show, NULL, vdev);
	attr_file_create(root, "mmio", 0444, vedge_mmio_show, NULL, vdev);
	attr_file_create(root, "inject_hang", 0600, vedge_inject_hang_show,
			 vedge_inject_hang_store, vdev);
	attr_file_create(root, "inject_fault", 0600, vedge_inject_fault_show,
			 vedge_inject_fault_store, vdev);
}

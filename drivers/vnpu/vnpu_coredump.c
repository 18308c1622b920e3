// SPDX-License-Identifier: MIT
/*
 * vnpu: device coredumps, as the kernel's devcoredump keeps one per GPU hang. The snapshot
 * is rendered when it happens, by the engine that ran the job, before the job's fence
 * signals: whoever sees a job fail with -ETIME or -EFAULT finds its dump already in debugfs
 * "coredump", and later work cannot blur it (the client may close, unmap or reuse the
 * command buffer right after). debugfs "state" renders the live view of the engines.
 *
 * A snapshot holds: the job (client, context, job id, engine, times), where its stream
 * stopped, the packets around that offset decoded by opcode name with their dwords, the
 * access the MMU refused (faults), the client's mappings, and every engine's state with
 * its running and queued jobs. `accel debug dump` writes these files out
 * (tools/accel/debug.c); docs/vnpu.md lists the format.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <accel/attr.h>
#include <accel/drm_drv.h>
#include "vnpu_coredump.h"
#include "vnpu_drv.h"
#include "vnpu_engine.h"
#include "vnpu_units.h"

/* Packets printed before and after the one the stream stopped at. */
#define VNPU_DUMP_BEFORE	3
#define VNPU_DUMP_AFTER		2
/* Dwords of one packet printed (the largest packets have about 40). */
#define VNPU_DUMP_DWORDS	48

static const char *const vnpu_op_names[] = {
	[VNPU_OP_NOP] = "NOP",
	[VNPU_OP_FENCE_WRITE] = "FENCE_WRITE",
	[VNPU_OP_SEM_WAIT] = "SEM_WAIT",
	[VNPU_OP_TIMESTAMP] = "TIMESTAMP",
	[VNPU_OP_DMA_COPY] = "DMA_COPY",
	[VNPU_OP_DMA_FILL] = "DMA_FILL",
	[VNPU_OP_DMA_COPY_ND] = "DMA_COPY_ND",
	[VNPU_OP_MATMUL] = "MATMUL",
	[VNPU_OP_CONV2D] = "CONV2D",
	[VNPU_OP_POOL2D] = "POOL2D",
	[VNPU_OP_BINARY] = "BINARY",
	[VNPU_OP_ACTIVATION] = "ACTIVATION",
	[VNPU_OP_SOFTMAX] = "SOFTMAX",
	[VNPU_OP_LAYERNORM] = "LAYERNORM",
	[VNPU_OP_TRANSPOSE] = "TRANSPOSE",
	[VNPU_OP_UNARY] = "UNARY",
	[VNPU_OP_REDUCE] = "REDUCE",
};

/**
 * vnpu_op_name() - the name of a command-stream opcode (include/uapi/drm/vnpu_accel.h)
 * @opcode: VNPU_OP_*
 *
 * Return: "DMA_COPY"..., or "UNKNOWN" for an opcode the ISA does not define.
 */
const char *vnpu_op_name(unsigned int opcode)
{
	if (opcode < ARRAY_SIZE(vnpu_op_names) && vnpu_op_names[opcode])
		return vnpu_op_names[opcode];
	return "UNKNOWN";
}

/**
 * vnpu_coredump_init() - no snapshot yet
 * @cd: the device's coredump state
 */
void vnpu_coredump_init(struct vnpu_coredump *cd)
{
	pthread_mutex_init(&cd->lock, NULL);
	cd->hang = NULL;
	cd->fault = NULL;
	cd->node = NULL;
}

/**
 * vnpu_coredump_fini() - free the snapshots (nobody captures or reads any more)
 * @cd: the device's coredump state
 */
void vnpu_coredump_fini(struct vnpu_coredump *cd)
{
	free(cd->hang);
	free(cd->fault);
	pthread_mutex_destroy(&cd->lock);
}

/* Every engine: its counters, what runs on it and what is staged behind. */
static void vnpu_print_engines(struct seq_file *m, struct vnpu_device *vdev)
{
	unsigned int k, i;

	for (k = 0; k < VNPU_NR_CLASSES; k++) {
		for (i = 0; i < vdev->nr_engines[k]; i++) {
			struct vnpu_engine *e = vdev->engines[k][i];
			/* Before the lock: it takes the engine's lock itself. */
			uint64_t busy = vnpu_engine_busy_ns(e);
			struct vnpu_job *job;

			pthread_mutex_lock(&e->lock);
			seq_printf(m, "engine %s: state=%s jobs=%llu resets=%llu busy_ns=%llu\n",
				   e->name,
				   !e->running ? "idle" : e->running->hang ? "hung" : "running",
				   (unsigned long long)atomic_load(&e->jobs),
				   (unsigned long long)atomic_load(&e->resets),
				   (unsigned long long)busy);
			job = e->running;
			if (job)
				seq_printf(m, "  running: client=%llu ctx=%u job=%llu start_ns=%llu "
					   "engine_packets_started=%u stream_size=%llu%s\n",
					   (unsigned long long)job->ctx->client_id, job->ctx->id,
					   (unsigned long long)job->job_id,
					   (unsigned long long)job->start_ns,
					   atomic_load(&job->progress),
					   (unsigned long long)job->cmd_size,
					   job->hang ? " (injected hang)" : "");
			for (job = e->fifo_head; job; job = job->fifo_next)
				seq_printf(m, "  queued: client=%llu ctx=%u job=%llu\n",
					   (unsigned long long)job->ctx->client_id, job->ctx->id,
					   (unsigned long long)job->job_id);
			pthread_mutex_unlock(&e->lock);
		}
	}
}

/* One packet: its index, offset and name, its header fields and its first dwords. */
static void vnpu_print_packet(struct seq_file *m, const uint8_t *cmds, uint64_t size,
			      uint64_t off, uint32_t index, bool here)
{
	struct vnpu_pkt_header hdr;
	uint64_t n, i;

	memcpy(&hdr, cmds + off, sizeof(hdr));
	seq_printf(m, "%s #%u +0x%llx %s (0x%02x) length=%u flags=0x%x:", here ? "=>" : "  ",
		   index, (unsigned long long)off, vnpu_op_name(hdr.opcode), hdr.opcode,
		   hdr.length, hdr.flags);
	n = hdr.length;
	if (n > (size - off) / 4)
		n = (size - off) / 4;
	for (i = 0; i < n && i < VNPU_DUMP_DWORDS; i++) {
		uint32_t dw;

		memcpy(&dw, cmds + off + i * 4, sizeof(dw));
		seq_printf(m, " %08x", dw);
	}
	seq_puts(m, i < hdr.length ? " ...\n" : "\n");
}

/*
 * The header at @off into *@hdr, true when it can be walked past (not too short, odd, or
 * running past the stream). Read once: the client may rewrite its stream meanwhile, and the
 * walk must advance by the length that was checked.
 */
static bool vnpu_header_read(const uint8_t *cmds, uint64_t size, uint64_t off,
			     struct vnpu_pkt_header *hdr)
{
	if (size - off < sizeof(*hdr))
		return false;
	memcpy(hdr, cmds + off, sizeof(*hdr));
	return hdr->length >= 2 && !(hdr->length & 1) && (uint64_t)hdr->length * 4 <= size - off;
}

/*
 * The packets around @at: VNPU_DUMP_BEFORE before it, it (marked "=>"), VNPU_DUMP_AFTER
 * after. Walked from the start, as the executor does (packets have no back links); the
 * stream is the client's memory and may be anything, so every header is bounded first.
 */
static void vnpu_print_packets_around(struct seq_file *m, const uint8_t *cmds, uint64_t size,
				      uint64_t at)
{
	uint64_t ring[VNPU_DUMP_BEFORE], off = 0;
	uint32_t index = 0, first, i, after = 0;
	struct vnpu_pkt_header hdr;

	while (off < size && off < at && vnpu_header_read(cmds, size, off, &hdr)) {
		ring[index % VNPU_DUMP_BEFORE] = off;
		off += (uint64_t)hdr.length * 4;
		index++;
	}
	first = index > VNPU_DUMP_BEFORE ? index - VNPU_DUMP_BEFORE : 0;
	for (i = first; i < index; i++)
		vnpu_print_packet(m, cmds, size, ring[i % VNPU_DUMP_BEFORE], i, false);
	if (off != at) {
		seq_printf(m, "   (offset 0x%llx is not at a packet boundary of the stream)\n",
			   (unsigned long long)at);
		return;
	}
	if (at >= size) {
		seq_puts(m, "=> (end of stream)\n");
		return;
	}
	while (off < size && after <= VNPU_DUMP_AFTER) {
		if (!vnpu_header_read(cmds, size, off, &hdr)) {
			seq_printf(m, "%s #%u +0x%llx (malformed header)\n", after ? "  " : "=>",
				   index, (unsigned long long)off);
			return;
		}
		vnpu_print_packet(m, cmds, size, off, index, !after);
		off += (uint64_t)hdr.length * 4;
		index++;
		after++;
	}
}

/* The client's address space as the job saw it, and the last access its MMU refused. */
static void vnpu_print_vm(struct seq_file *m, struct vnpu_file *vf, uint64_t client_id)
{
	struct vnpu_fault fault;
	unsigned long num_va;

	drm_gpuvm_read_lock(&vf->vm);
	num_va = vf->vm.num_va;
	drm_gpuvm_read_unlock(&vf->vm);
	seq_printf(m, "vm: client=%llu mappings=%lu\n", (unsigned long long)client_id, num_va);
	drm_gpuvm_print(&vf->vm, m);
	pthread_mutex_lock(&vf->fault_lock);
	fault = vf->fault;
	pthread_mutex_unlock(&vf->fault_lock);
	if (fault.valid)
		seq_printf(m, "vm last fault: va=0x%llx len=%llu %s error=%d time_ns=%llu\n",
			   (unsigned long long)fault.va, (unsigned long long)fault.len,
			   fault.write ? "write" : "read", fault.error,
			   (unsigned long long)fault.time_ns);
}

/*
 * Where the stream (@cmds, @size bytes; NULL when it could not be read) stopped, and the
 * packets around it. @injected: the stream never started, an injected hang held it.
 */
static void vnpu_print_stream(struct seq_file *m, const uint8_t *cmds, uint64_t size,
			      const struct vnpu_exec_result *res, bool injected)
{
	/*
	 * A stream that stopped leaves fail_index == packets (the packet it stopped at); one
	 * that never started (an injected hang) stopped at packet 0. A stream that ran to its
	 * end and then failed (its profile record faulted) has fail_index 0 but packets done.
	 */
	if (res->fail_index == res->packets) {
		struct vnpu_pkt_header hdr = { 0 };

		if (cmds && size - res->fail_offset >= sizeof(hdr) && res->fail_offset < size)
			memcpy(&hdr, cmds + res->fail_offset, sizeof(hdr));
		seq_printf(m, "stopped: packet=%u offset=0x%llx opcode=%s%s\n", res->fail_index,
			   (unsigned long long)res->fail_offset,
			   cmds ? vnpu_op_name(hdr.opcode) : "UNKNOWN",
			   injected ? " (not started: injected hang)" : "");
		if (!cmds)
			return;
		seq_puts(m, "packets:\n");
		vnpu_print_packets_around(m, cmds, size, res->fail_offset);
	} else {
		seq_puts(m, "stopped: stream completed (the job failed after its last packet)\n");
	}
}

/* The snapshot's first lines: what happened, when, on which device. */
static void vnpu_print_head(struct seq_file *m, struct vnpu_device *vdev, bool hang, int error)
{
	seq_printf(m, "vnpu coredump: %s\n", hang ? "hang" : "fault");
	seq_printf(m, "reason: %s error=%d\n", hang ? "hang" : "fault", error);
	seq_printf(m, "time_ns: %llu\n", (unsigned long long)vnpu_now_ns());
	seq_printf(m, "device: %s driver=%s\n", vdev->drm.unique, vdev->drm.driver->name);
}

/* Keep @m's text as the device's last hang's or fault's snapshot, and tell readers. */
static void vnpu_coredump_keep(struct vnpu_device *vdev, bool hang, struct seq_file *m)
{
	struct vnpu_coredump *cd = &vdev->coredump;
	char **slot;

	if (!m->buf)
		return; /* out of memory: no snapshot rather than half of one */
	pthread_mutex_lock(&cd->lock);
	slot = hang ? &cd->hang : &cd->fault;
	free(*slot);
	*slot = m->buf;
	pthread_mutex_unlock(&cd->lock);
	if (cd->node)
		attr_notify(cd->node);
}

/**
 * vnpu_coredump_capture() - render and keep the snapshot of a job that hung (-ETIME) or
 * faulted (-EFAULT); other errors take none
 * @job: the job, finished by its engine but its fence not yet signalled, its address
 *	space still held
 * @error: the job's result
 *
 * Called by the engine thread (vnpu_engine.c), holding no lock.
 */
void vnpu_coredump_capture(struct vnpu_job *job, int error)
{
	struct vnpu_device *vdev = job->ctx->vdev;
	const struct vnpu_exec_result *res = &job->res;
	struct seq_file m = { 0 };
	bool hang = error == -ETIME;
	void *vaddr;
	int ret;

	if (error != -ETIME && error != -EFAULT)
		return;
	vnpu_print_head(&m, vdev, hang, error);
	seq_printf(&m, "job: client=%llu ctx=%u job=%llu engine=%s submit_ns=%llu start_ns=%llu "
		   "end_ns=%llu\n", (unsigned long long)job->ctx->client_id, job->ctx->id,
		   (unsigned long long)job->job_id, job->engine->name,
		   (unsigned long long)job->base.submit_ts, (unsigned long long)job->start_ns,
		   (unsigned long long)job->end_ns);
	if (!hang)
		seq_printf(&m, "fault: va=0x%llx len=%llu %s\n", (unsigned long long)res->fault_va,
			   (unsigned long long)res->fault_len, res->fault_write ? "write" : "read");
	seq_printf(&m, "stream: offset=0x%llx size=%llu packets_done=%u\n",
		   (unsigned long long)job->cmd_offset, (unsigned long long)job->cmd_size,
		   res->packets);
	ret = vnpu_bo_device_vaddr(job->cmd_obj, &vaddr);
	if (ret)
		seq_printf(&m, "stream unreadable: %d\n", ret);
	vnpu_print_stream(&m, ret ? NULL : (const uint8_t *)vaddr + job->cmd_offset, job->cmd_size,
			  res, job->hang);
	vnpu_print_vm(&m, job->vm.vf, job->ctx->client_id);
	seq_puts(&m, "engines:\n");
	vnpu_print_engines(&m, vdev);
	vnpu_coredump_keep(vdev, hang, &m);
}

/**
 * vnpu_coredump_capture_uq() - render and keep the snapshot of a user-queue entry that hung
 * (-ETIME) or faulted (-EFAULT), as vnpu_coredump_capture() does for a job; other errors
 * take none
 * @vdev: the device
 * @e: the entry: its queue, seqno, stream and result
 * @error: the entry's result
 *
 * Called by the queue's engine thread (vnpu_uq.c) before the queue reports the error, the
 * entry's stream still mapped.
 */
void vnpu_coredump_capture_uq(struct vnpu_device *vdev, const struct vnpu_coredump_uq *e,
			      int error)
{
	const struct vnpu_exec_result *res = e->res;
	struct seq_file m = { 0 };
	bool hang = error == -ETIME;

	if (error != -ETIME && error != -EFAULT)
		return;
	vnpu_print_head(&m, vdev, hang, error);
	seq_printf(&m, "entry: client=%llu queue=%u seqno=%llu engine=uq%u start_ns=%llu "
		   "end_ns=%llu\n", (unsigned long long)e->client_id, e->queue_id,
		   (unsigned long long)e->seqno, e->queue_id, (unsigned long long)e->start_ns,
		   (unsigned long long)vnpu_now_ns());
	if (!hang)
		seq_printf(&m, "fault: va=0x%llx len=%llu %s\n", (unsigned long long)res->fault_va,
			   (unsigned long long)res->fault_len, res->fault_write ? "write" : "read");
	/* The stream's offset: in the ring for a direct entry, the VA of an indirect one. */
	if (e->indirect)
		seq_printf(&m, "stream: indirect_va=0x%llx size=%llu packets_done=%u\n",
			   (unsigned long long)e->indirect_va, (unsigned long long)e->size,
			   res->packets);
	else
		seq_printf(&m, "stream: ring_offset=0x%llx size=%llu packets_done=%u\n",
			   (unsigned long long)e->ring_offset, (unsigned long long)e->size,
			   res->packets);
	if (!e->stream)
		seq_puts(&m, "stream unreadable: -14\n");
	vnpu_print_stream(&m, e->stream, e->size, res, e->injected_hang);
	vnpu_print_vm(&m, e->vf, e->client_id);
	seq_puts(&m, "engines:\n");
	vnpu_print_engines(&m, vdev);
	vnpu_coredump_keep(vdev, hang, &m);
}

/* One of the kept records of the job history, on one line, or "none". */
static void vnpu_print_last(struct seq_file *m, const char *what, bool valid,
			    const struct vnpu_job_record *r)
{
	if (!valid) {
		seq_printf(m, "%s: none\n", what);
		return;
	}
	seq_printf(m, "%s: client=%llu ctx=%u job=%llu engine=%s error=%d packet=%u offset=0x%llx",
		   what, (unsigned long long)r->client_id, r->ctx_id, (unsigned long long)r->job_id,
		   r->engine, r->profile.error, r->fail_index, (unsigned long long)r->fail_offset);
	if (r->profile.error == -EFAULT)
		seq_printf(m, " fault_va=0x%llx fault_len=%llu %s", (unsigned long long)r->fault_va,
			   (unsigned long long)r->fault_len, r->fault_write ? "write" : "read");
	seq_puts(m, "\n");
}

/* "state": the device now: its engines, their jobs, the last hang and fault, the dumps kept. */
static int vnpu_state_show(struct seq_file *m)
{
	struct vnpu_device *vdev = m->private;
	struct vnpu_coredump *cd = &vdev->coredump;
	struct vnpu_job_record rec;
	bool hang, fault;

	seq_printf(m, "device: %s driver=%s\n", vdev->drm.unique, vdev->drm.driver->name);
	seq_printf(m, "time_ns: %llu\n", (unsigned long long)vnpu_now_ns());
	seq_printf(m, "config: compute_engines=%llu dma_engines=%llu queue_depth=%llu "
		   "job_timeout_ms=%llu vram_size=%llu\n",
		   (unsigned long long)vdev->cfg.compute_engines,
		   (unsigned long long)vdev->cfg.dma_engines,
		   (unsigned long long)vdev->cfg.queue_depth,
		   (unsigned long long)vdev->cfg.job_timeout_ms,
		   (unsigned long long)vdev->cfg.vram_size);
	seq_printf(m, "reset_count: %llu contexts: %d user_queues: %d vram_used: %llu\n",
		   (unsigned long long)atomic_load(&vdev->reset_count),
		   atomic_load(&vdev->contexts), atomic_load(&vdev->user_queues),
		   (unsigned long long)vnpu_vram_used(vdev));
	seq_printf(m, "inject: hang=%d fault=%d dma_error=%d packet_delay_ms=%u\n",
		   atomic_load(&vdev->inject_hang), atomic_load(&vdev->inject_fault),
		   atomic_load(&vdev->inject_dma_error),
		   atomic_load(&vdev->inject_packet_delay_ms));
	vnpu_print_engines(m, vdev);
	vnpu_print_last(m, "last_hang", vnpu_job_history_last_hang(&vdev->history, &rec), &rec);
	vnpu_print_last(m, "last_fault", vnpu_job_history_last_fault(&vdev->history, &rec), &rec);
	pthread_mutex_lock(&cd->lock);
	hang = cd->hang;
	fault = cd->fault;
	pthread_mutex_unlock(&cd->lock);
	seq_printf(m, "coredump: hang=%s fault=%s\n", hang ? "yes" : "no", fault ? "yes" : "no");
	return 0;
}

/* "coredump": the kept snapshots, the hang's then the fault's; "none" without either. */
static int vnpu_coredump_show(struct seq_file *m)
{
	struct vnpu_device *vdev = m->private;
	struct vnpu_coredump *cd = &vdev->coredump;

	pthread_mutex_lock(&cd->lock);
	if (cd->hang)
		seq_puts(m, cd->hang);
	if (cd->hang && cd->fault)
		seq_puts(m, "\n");
	if (cd->fault)
		seq_puts(m, cd->fault);
	if (!cd->hang && !cd->fault)
		seq_puts(m, "none\n");
	pthread_mutex_unlock(&cd->lock);
	return 0;
}

/* Any write dismisses the snapshots, as writing devcoredump's "data" file does. */
static ssize_t vnpu_coredump_store(struct attr_node *node, void *private, const char *buf,
				   size_t len)
{
	struct vnpu_device *vdev = private;
	struct vnpu_coredump *cd = &vdev->coredump;

	(void)node;
	(void)buf;
	pthread_mutex_lock(&cd->lock);
	free(cd->hang);
	free(cd->fault);
	cd->hang = cd->fault = NULL;
	pthread_mutex_unlock(&cd->lock);
	return (ssize_t)len;
}

/**
 * vnpu_coredump_debugfs_init() - add "state" and "coredump" to the device's debugfs
 * @vdev: the device, its engines made and its coredump state initialised
 */
void vnpu_coredump_debugfs_init(struct vnpu_device *vdev)
{
	struct attr_node *root = vdev->drm.debugfs_root, *node;

	if (!root)
		return;
	attr_file_create(root, "state", 0444, vnpu_state_show, NULL, vdev);
	node = attr_file_create(root, "coredump", 0600, vnpu_coredump_show, vnpu_coredump_store,
				vdev);
	if (!IS_ERR_OR_NULL(node))
		vdev->coredump.node = node;
}

// SPDX-License-Identifier: MIT
/*
 * vnpu: debugfs views for debuggers and profilers: "queues" (every context and user queue,
 * and what each engine holds), "jobs" (the last jobs' timestamps and results), "last_hang"
 * and "last_fault". They only read: the history they print is vnpu_job_history.c's, the
 * fault-injection files next to them are vnpu_inject.c's.
 */
#define _GNU_SOURCE
#include <errno.h>

#include <accel/attr.h>
#include <accel/drm_file.h>
#include "vnpu_drv.h"
#include "vnpu_engine.h"
#include "vnpu_inject.h"
#include "vnpu_job_history.h"

static void vnpu_print_record(struct seq_file *m, const struct vnpu_job_record *r)
{
	const struct vnpu_job_profile *p = &r->profile;

	seq_printf(m, "client=%llu ctx=%u job=%llu engine=%s submit_ns=%llu start_ns=%llu end_ns=%llu "
		   "dma_ns=%llu compute_ns=%llu packets=%u error=%d",
		   (unsigned long long)r->client_id, r->ctx_id, (unsigned long long)r->job_id,
		   r->engine, (unsigned long long)p->submit_ns, (unsigned long long)p->start_ns,
		   (unsigned long long)p->end_ns, (unsigned long long)p->busy_ns[0],
		   (unsigned long long)p->busy_ns[1], p->packets, p->error);
	if (p->error)
		seq_printf(m, " at_packet=%u at_offset=%llu opcode=0x%02x", r->fail_index,
			   (unsigned long long)r->fail_offset, r->fail_opcode);
	if (p->error == -EFAULT)
		seq_printf(m, " fault_va=0x%llx fault_len=%llu %s", (unsigned long long)r->fault_va,
			   (unsigned long long)r->fault_len, r->fault_write ? "write" : "read");
	seq_puts(m, "\n");
}

static void vnpu_print_job(const struct vnpu_job_record *rec, void *m)
{
	vnpu_print_record(m, rec);
}

/* "jobs": the last VNPU_JOB_HISTORY jobs that reached an engine, oldest first. */
static int vnpu_jobs_show(struct seq_file *m)
{
	struct vnpu_device *vdev = m->private;

	vnpu_job_history_for_each(&vdev->history, vnpu_print_job, m);
	return 0;
}

/* One of the history's single records (last hang, last fault), or "none". */
static void vnpu_print_last(struct seq_file *m, bool valid, const struct vnpu_job_record *rec)
{
	if (valid)
		vnpu_print_record(m, rec);
	else
		seq_puts(m, "none\n");
}

static int vnpu_last_hang_show(struct seq_file *m)
{
	struct vnpu_device *vdev = m->private;
	struct vnpu_job_record rec;

	vnpu_print_last(m, vnpu_job_history_last_hang(&vdev->history, &rec), &rec);
	return 0;
}

static int vnpu_last_fault_show(struct seq_file *m)
{
	struct vnpu_device *vdev = m->private;
	struct vnpu_job_record rec;

	vnpu_print_last(m, vnpu_job_history_last_fault(&vdev->history, &rec), &rec);
	return 0;
}

static const char *const vnpu_priority_name[] = { "normal", "low", "high" };

/* One client's contexts; called under the device's filelist lock. */
static void vnpu_queues_show_file(struct drm_file *file, void *data)
{
	struct vnpu_file *vf = vnpu_file_of(file);
	struct seq_file *m = data;
	struct vnpu_ctx *ctx;
	int id = 0;

	pthread_mutex_lock(&vf->ctx_lock);
	while ((ctx = idr_get_next(&vf->contexts, &id))) {
		struct drm_sched_entity_stats st;
		uint64_t submitted;

		pthread_mutex_lock(&ctx->lock);
		submitted = ctx->seqno;
		pthread_mutex_unlock(&ctx->lock);
		drm_sched_entity_get_stats(&ctx->entity, &st);
		seq_printf(m, "client=%llu ctx=%u class=%s priority=%s submitted=%llu outstanding=%u "
			   "queued=%u active=%u done=%llu busy_ns=%llu error=%d\n",
			   (unsigned long long)file->client_id, ctx->id, vnpu_class_name[ctx->klass],
			   vnpu_priority_name[ctx->priority], (unsigned long long)submitted,
			   atomic_load(&ctx->outstanding), st.queued, st.active,
			   (unsigned long long)st.jobs_done, (unsigned long long)st.busy_ns,
			   drm_sched_entity_error(&ctx->entity));
		id++;
	}
	pthread_mutex_unlock(&vf->ctx_lock);
	vnpu_uq_debugfs_show(m, file);
}

/* "queues": every context of every client, then what each engine holds right now. */
static int vnpu_queues_show(struct seq_file *m)
{
	struct vnpu_device *vdev = m->private;
	unsigned int k, i;

	drm_file_for_each(&vdev->drm, vnpu_queues_show_file, m);
	for (k = 0; k < VNPU_NR_CLASSES; k++) {
		for (i = 0; i < vdev->nr_engines[k]; i++) {
			struct vnpu_engine *e = vdev->engines[k][i];
			struct vnpu_job *job;

			pthread_mutex_lock(&e->lock);
			seq_printf(m, "engine %s: jobs=%llu resets=%llu", e->name,
				   (unsigned long long)atomic_load(&e->jobs),
				   (unsigned long long)atomic_load(&e->resets));
			if (e->running)
				seq_printf(m, " running=client %llu ctx %u job %llu since_ns=%llu%s",
					   (unsigned long long)e->running->ctx->client_id,
					   e->running->ctx->id,
					   (unsigned long long)e->running->job_id,
					   (unsigned long long)e->running->start_ns,
					   e->running->hang ? " (hung)" : "");
			for (job = e->fifo_head; job; job = job->fifo_next)
				seq_printf(m, " next=client %llu ctx %u job %llu",
					   (unsigned long long)job->ctx->client_id, job->ctx->id,
					   (unsigned long long)job->job_id);
			seq_puts(m, "\n");
			pthread_mutex_unlock(&e->lock);
		}
	}
	return 0;
}

/**
 * vnpu_debugfs_init() - add the device's debugfs views, then the fault-injection files
 * @vdev: the device, its engines made
 */
void vnpu_debugfs_init(struct vnpu_device *vdev)
{
	struct attr_node *root = vdev->drm.debugfs_root;

	if (!root)
		return;
	attr_file_create(root, "queues", 0444, vnpu_queues_show, NULL, vdev);
	attr_file_create(root, "jobs", 0444, vnpu_jobs_show, NULL, vdev);
	attr_file_create(root, "last_hang", 0444, vnpu_last_hang_show, NULL, vdev);
	attr_file_create(root, "last_fault", 0444, vnpu_last_fault_show, NULL, vdev);
	vnpu_inject_debugfs_init(vdev);
}

/* SPDX-License-Identifier: MIT */
/*
 * vnpu: the device's record of finished work (vnpu_job_history.c): the last jobs that reached
 * an engine, the last hang and the last fault. The engines and the user queues add to it;
 * debugfs prints it ("jobs", "last_hang", "last_fault"). Internal to the driver.
 */
#ifndef DRIVERS_VNPU_JOB_HISTORY_H
#define DRIVERS_VNPU_JOB_HISTORY_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <uapi/drm/vnpu_accel.h>
#include "vnpu_cmd.h"

#define VNPU_JOB_HISTORY	64	/* finished jobs the debugfs "jobs" file keeps */

/**
 * struct vnpu_job_record - what the debugfs views keep of a finished job, a hang or a fault.
 * @client_id, @ctx_id, @job_id: whose job.  @engine: the engine's name.
 * @profile: its times, engine and result.  @fail_*: where the stream stopped (@error != 0).
 * @fault_*: the access the MMU refused (-EFAULT).
 */
struct vnpu_job_record {
	uint64_t client_id;
	uint32_t ctx_id;
	uint64_t job_id;
	char engine[16];
	struct vnpu_job_profile profile;
	uint32_t fail_index;
	uint64_t fail_offset;
	uint32_t fail_opcode;
	uint64_t fault_va;
	uint64_t fault_len;
	bool fault_write;
};

/**
 * struct vnpu_job_history - the last VNPU_JOB_HISTORY finished jobs, the last hang, the last
 * fault.
 * @lock guards every other field.
 * @jobs: a ring: @count records, the newest just before @next.
 * @last_hang, @last_fault: meaningful when their valid flag is set.
 */
struct vnpu_job_history {
	pthread_mutex_t lock;
	struct vnpu_job_record jobs[VNPU_JOB_HISTORY];
	unsigned int next;
	unsigned int count;
	bool last_hang_valid;
	struct vnpu_job_record last_hang;
	bool last_fault_valid;
	struct vnpu_job_record last_fault;
};

void vnpu_job_history_init(struct vnpu_job_history *h);
void vnpu_job_history_fini(struct vnpu_job_history *h);
void vnpu_job_record_set_result(struct vnpu_job_record *rec, const struct vnpu_exec_result *res);
void vnpu_job_history_add(struct vnpu_job_history *h, const struct vnpu_job_record *rec,
			  bool in_jobs);
void vnpu_job_history_for_each(struct vnpu_job_history *h,
			       void (*fn)(const struct vnpu_job_record *rec, void *arg), void *arg);
bool vnpu_job_history_last_hang(struct vnpu_job_history *h, struct vnpu_job_record *rec);
bool vnpu_job_history_last_fault(struct vnpu_job_history *h, struct vnpu_job_record *rec);

#endif

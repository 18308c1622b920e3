// SPDX-License-Identifier: MIT
/*
 * vnpu: the device's record of finished work. Whoever finishes a job (an engine) or stops a
 * user queue on a failed entry adds a record here; debugfs reads it back. Kept apart from
 * debugfs so that the engines depend on nothing that presents their state.
 */
#define _GNU_SOURCE
#include <errno.h>

#include "vnpu_job_history.h"

/**
 * vnpu_job_history_init() - an empty history
 * @h: the history
 */
void vnpu_job_history_init(struct vnpu_job_history *h)
{
	pthread_mutex_init(&h->lock, NULL);
	h->next = 0;
	h->count = 0;
	h->last_hang_valid = false;
	h->last_fault_valid = false;
}

/**
 * vnpu_job_history_fini() - release the history's lock (nobody adds or reads any more)
 * @h: the history
 */
void vnpu_job_history_fini(struct vnpu_job_history *h)
{
	pthread_mutex_destroy(&h->lock);
}

/**
 * vnpu_job_record_set_result() - copy where a stream stopped, and what it faulted on, into a
 * record
 * @rec: the record
 * @res: the executor's result
 */
void vnpu_job_record_set_result(struct vnpu_job_record *rec, const struct vnpu_exec_result *res)
{
	rec->profile.packets = res->packets;
	rec->fail_index = res->fail_index;
	rec->fail_offset = res->fail_offset;
	rec->fail_opcode = res->fail_opcode;
	rec->fault_va = res->fault_va;
	rec->fault_len = res->fault_len;
	rec->fault_write = res->fault_write;
}

/**
 * vnpu_job_history_add() - keep a finished job or failed queue entry: among the jobs when
 * @in_jobs, as the last fault when it faulted (-EFAULT), as the last hang when it ran out of
 * time (-ETIME)
 * @h: the history
 * @rec: the record (copied)
 * @in_jobs: add it to the ring of finished jobs
 */
void vnpu_job_history_add(struct vnpu_job_history *h, const struct vnpu_job_record *rec,
			  bool in_jobs)
{
	pthread_mutex_lock(&h->lock);
	if (in_jobs) {
		h->jobs[h->next] = *rec;
		h->next = (h->next + 1) % VNPU_JOB_HISTORY;
		if (h->count < VNPU_JOB_HISTORY)
			h->count++;
	}
	if (rec->profile.error == -EFAULT) {
		h->last_fault = *rec;
		h->last_fault_valid = true;
	} else if (rec->profile.error == -ETIME) {
		h->last_hang = *rec;
		h->last_hang_valid = true;
	}
	pthread_mutex_unlock(&h->lock);
}

/**
 * vnpu_job_history_for_each() - call @fn on each kept job, oldest first
 * @h: the history
 * @fn: called under the history's lock: it must not add to the history
 * @arg: @fn's second argument
 */
void vnpu_job_history_for_each(struct vnpu_job_history *h,
			       void (*fn)(const struct vnpu_job_record *rec, void *arg), void *arg)
{
	unsigned int i, first;

	pthread_mutex_lock(&h->lock);
	first = (h->next + VNPU_JOB_HISTORY - h->count) % VNPU_JOB_HISTORY;
	for (i = 0; i < h->count; i++)
		fn(&h->jobs[(first + i) % VNPU_JOB_HISTORY], arg);
	pthread_mutex_unlock(&h->lock);
}

/* Copy one of the single records out, if it was ever set. */
static bool vnpu_job_history_copy(struct vnpu_job_history *h, const struct vnpu_job_record *src,
				  const bool *valid, struct vnpu_job_record *rec)
{
	bool ret;

	pthread_mutex_lock(&h->lock);
	ret = *valid;
	if (ret)
		*rec = *src;
	pthread_mutex_unlock(&h->lock);
	return ret;
}

/**
 * vnpu_job_history_last_hang() - the last job or queue entry that ran out of time
 * @h: the history
 * @rec: filled in when there is one
 *
 * Return: true when there is one.
 */
bool vnpu_job_history_last_hang(struct vnpu_job_history *h, struct vnpu_job_record *rec)
{
	return vnpu_job_history_copy(h, &h->last_hang, &h->last_hang_valid, rec);
}

/**
 * vnpu_job_history_last_fault() - the last job or queue entry that faulted
 * @h: the history
 * @rec: filled in when there is one
 *
 * Return: true when there is one.
 */
bool vnpu_job_history_last_fault(struct vnpu_job_history *h, struct vnpu_job_record *rec)
{
	return vnpu_job_history_copy(h, &h->last_fault, &h->last_fault_valid, rec);
}

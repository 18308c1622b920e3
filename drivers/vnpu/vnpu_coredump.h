/* SPDX-License-Identifier: MIT */
/*
 * vnpu: device coredumps (vnpu_coredump.c), like the kernel's devcoredump: when a job hangs
 * or faults, the engine that ran it renders a snapshot of the device at that moment (the
 * job, the packets around where its stream stopped, decoded by name, the client's address
 * space, every engine's state) and keeps it for debugfs "coredump"; debugfs "state" renders
 * the same engine view live. Internal to the driver.
 */
#ifndef DRIVERS_VNPU_COREDUMP_H
#define DRIVERS_VNPU_COREDUMP_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vnpu_device;
struct vnpu_exec_result;
struct vnpu_file;
struct vnpu_job;

/**
 * struct vnpu_coredump_uq - a user-queue entry that stopped, for vnpu_coredump_capture_uq().
 * @vf: the queue's client (its address space is printed)
 * @client_id, @queue_id, @seqno: the queue and the entry
 * @start_ns: when the entry started
 * @stream, @size: its command stream as the engine read it; NULL when it could not be read
 *	(an indirect stream whose VA did not translate)
 * @indirect: the stream is the indirect buffer at @indirect_va; else it lies in the ring
 *	at @ring_offset (the entry's body)
 * @res: how far the stream got
 * @injected_hang: the entry never started: an injected hang held it
 */
struct vnpu_coredump_uq {
	struct vnpu_file *vf;
	uint64_t client_id;
	uint32_t queue_id;
	uint64_t seqno;
	uint64_t start_ns;
	const uint8_t *stream;
	uint64_t size;
	bool indirect;
	uint64_t indirect_va;
	uint64_t ring_offset;
	const struct vnpu_exec_result *res;
	bool injected_hang;
};

/**
 * struct vnpu_coredump - the last hang's and the last fault's snapshots.
 * @lock guards every other field.
 * @hang, @fault: the rendered text (malloc'd), NULL when none was taken since the device
 *	probed or since the last write to debugfs "coredump" dismissed them.
 * @node: the debugfs file, told of every new snapshot (attr_notify()) so that published
 *	copies follow; set once at init.
 */
struct vnpu_coredump {
	pthread_mutex_t lock;
	char *hang;
	char *fault;
	struct attr_node *node;
};

void vnpu_coredump_init(struct vnpu_coredump *cd);
void vnpu_coredump_fini(struct vnpu_coredump *cd);
void vnpu_coredump_capture(struct vnpu_job *job, int error);
void vnpu_coredump_capture_uq(struct vnpu_device *vdev, const struct vnpu_coredump_uq *e,
			      int error);
void vnpu_coredump_debugfs_init(struct vnpu_device *vdev);
const char *vnpu_op_name(unsigned int opcode);

#endif

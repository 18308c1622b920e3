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
#include <stdint.h>

struct vnpu_device;
struct vnpu_job;

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
void vnpu_coredump_debugfs_init(struct vnpu_device *vdev);
const char *vnpu_op_name(unsigned int opcode);

#endif

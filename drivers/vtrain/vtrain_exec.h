/* SPDX-License-Identifier: MIT */
/**
 * DOC: vtrain_exec.h - the command processor of a vtrain card: validates a command stream
 * (include/uapi/drm/vtrain_accel.h) and executes its packets in order.
 *
 * The executor knows nothing of GEM or of jobs: it reaches device memory through
 * &vtrain_exec_ops.map (the driver resolves a device address range to the host pages of the
 * one buffer object holding it) and hands link packets (P2P, collectives) to
 * &vtrain_exec_ops.link, so that it can be tested against host references on its own.
 */
#ifndef VTRAIN_EXEC_H
#define VTRAIN_EXEC_H

#include <stddef.h>
#include <stdint.h>

#include <uapi/drm/vtrain_accel.h>

/**
 * struct vtrain_exec_ops - what the executor needs from the device.
 * @map: the host address of device range [@addr, @addr + @size), which must lie inside one
 *	buffer object the job may use; NULL when it does not (the packet fails with -EFAULT).
 * @link: run one link packet (opcode 0x4x) to completion; 0 or a negative errno. NULL: link
 *	packets fail with -EOPNOTSUPP.
 */
struct vtrain_exec_ops {
	void *(*map)(void *priv, uint64_t addr, uint64_t size);
	int (*link)(void *priv, const struct vtrain_pkt_header *pkt);
};

/**
 * vtrain_exec_validate() - check the framing and the static fields of every packet of a
 * stream of @size bytes (a multiple of 8, >= 8): 0 or -EINVAL. Addresses are not checked
 * here (they are resolved as each packet runs).
 */
int vtrain_exec_validate(const void *cmds, size_t size);

/**
 * vtrain_exec_run() - validate then execute a stream; stops at the first failing packet.
 * Returns 0 or that packet's negative errno (-EINVAL: the stream did not validate and
 * nothing ran; -EFAULT: an operand outside the job's buffer objects; -EDOM: a label out of
 * range; link packets: what @ops->link returned).
 */
int vtrain_exec_run(const struct vtrain_exec_ops *ops, void *priv, const void *cmds, size_t size);

#endif

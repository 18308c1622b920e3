/* SPDX-License-Identifier: MIT */
/*
 * vnpu: the engine-level executor of command streams (include/uapi/drm/vnpu_accel.h).
 *
 * The executor knows nothing of buffers, VRAM or page tables: every operand is reached
 * through the job's address space, given as struct vnpu_mem_ops, so that the device's MMU
 * plugs in underneath without touching the engines.
 */
#ifndef DRIVERS_VNPU_CMD_H
#define DRIVERS_VNPU_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * struct vnpu_mem_ops - the job's address space as the engines see it.
 * @map: translate [@va, @va + @len) to a host pointer with the access asked (@write 0 for
 *	read-only, 1 for read-write); NULL is a fault: the executor stops the stream with
 *	-EFAULT and records the faulting range. The pointer stays valid until the stream
 *	returns (the device keeps the job's mappings alive while it runs).
 */
struct vnpu_mem_ops {
	void *(*map)(void *ctx, uint64_t va, uint64_t len, int write);
};

/* Busy time is accounted per engine class, as fdinfo's drm-engine-<class> reports it. */
enum vnpu_engine_class {
	VNPU_EXEC_DMA,	/* DMA_COPY, DMA_FILL */
	VNPU_EXEC_COMPUTE,	/* the tensor operations */
	VNPU_EXEC_NR,
};

extern const char *const vnpu_engine_class_name[VNPU_EXEC_NR];

struct vnpu_compute;

/**
 * struct vnpu_exec_ctx - what one stream runs with.
 * @mem: the address space; @mem_ctx is its first argument.
 * @compute: the compute engine state (vnpu_compute_create()); required only by streams
 *	that hold tensor packets (-EINVAL otherwise).
 * @deadline_ns: CLOCK_MONOTONIC time after which the stream stops with -ETIME, checked
 *	between packets and while a semaphore waits; 0 = none.
 * @aborted: polled at the same points; a non-zero return stops the stream with -ECANCELED
 *	(the scheduler's timeout handler or a killed context sets it). NULL = never.
 * @abort_ctx: the argument of @aborted (and of @inject).
 * @inject: fault injection, NULL for none: called before each packet that occupies an
 *	engine class (VNPU_EXEC_DMA or VNPU_EXEC_COMPUTE); a non-zero errno fails that
 *	packet with it before it runs, as a hardware error of that engine would.
 */
struct vnpu_exec_ctx {
	const struct vnpu_mem_ops *mem;
	void *mem_ctx;
	struct vnpu_compute *compute;
	uint64_t deadline_ns;
	int (*aborted)(void *abort_ctx);
	void *abort_ctx;
	int (*inject)(void *abort_ctx, enum vnpu_engine_class engine);
};

/**
 * struct vnpu_exec_result - how far a stream got.
 * @error: the stream's return value (0 or a negative errno).
 * @packets: packets completed.
 * @fail_index, @fail_offset, @fail_opcode: the packet that stopped the stream (its index,
 *	its byte offset in the stream, its opcode); meaningful when @error is non-zero.
 * @fault_va, @fault_len, @fault_write: the range the address space refused (-EFAULT).
 * @busy_ns: time spent executing packets, per engine class.
 */
struct vnpu_exec_result {
	int error;
	uint32_t packets;
	uint32_t fail_index;
	uint64_t fail_offset;
	uint32_t fail_opcode;
	bool fault_write;
	uint64_t fault_va;
	uint64_t fault_len;
	uint64_t busy_ns[VNPU_EXEC_NR];
};

/**
 * vnpu_exec_stream() - execute a command stream to its end or its first error.
 * @ctx: the address space, compute state and abort conditions.
 * @cmds: the packets (host memory; any alignment); @len: their size in bytes.
 * @res: filled in on return (may be NULL).
 *
 * Packets run in order; each is read once into private memory before it is checked, so a
 * stream that changes under the executor cannot make a checked packet unsafe.
 *
 * Return: 0; -EINVAL for a malformed packet; -EFAULT when an operand does not translate;
 * -ETIME when a semaphore wait times out or the deadline passes; -ECANCELED when aborted;
 * -ENOMEM; -EOPNOTSUPP when the compute library cannot run a valid packet.
 */
int vnpu_exec_stream(const struct vnpu_exec_ctx *ctx, const void *cmds, size_t len,
		     struct vnpu_exec_result *res);

/**
 * vnpu_compute_create() - the compute engine state: a oneDNN CPU engine and stream, and a
 * cache of primitives keyed by shape.
 * @out: the new state.
 *
 * Thread safety: one state may be shared by threads; a mutex inside serialises its use
 * packet by packet (a oneDNN stream runs one primitive at a time, and the cache changes on
 * every packet). oneDNN already spreads each primitive over all CPUs; give each engine
 * instance its own state to run packets of several engines side by side.
 *
 * Return: 0, -ENOMEM, or -ENODEV when oneDNN has no CPU engine.
 */
int vnpu_compute_create(struct vnpu_compute **out);

/**
 * vnpu_compute_destroy() - free the state, its primitives and its engine. NULL is a no-op.
 * @c: the state; no stream may be using it.
 */
void vnpu_compute_destroy(struct vnpu_compute *c);

#endif

/* SPDX-License-Identifier: MIT */
/**
 * DOC: accel/trace.h - tracepoints of the scheduler and the drivers.
 *
 * A tracepoint is one line, ACCEL_TRACE(type, track, ctx, seqno, a0, a1, a2, error, name):
 * while tracing is off it costs one load of a global flag and a branch predicted not taken,
 * and its arguments are not evaluated. While it is on the event goes into one bounded
 * lock-free buffer of the process (a multi-producer ring: a producer claims a slot with one
 * compare-and-swap and never waits; a full buffer drops the event and counts it), with a
 * CLOCK_MONOTONIC timestamp. The event types and their fields are include/uapi/accel_trace.h.
 *
 * Readers: the tracing node (any number at once, each getting every event from its start;
 * accel_trace_node_init()) or, exclusively, the raw file of an embedded core started under
 * $ACCEL_TRACE_DIR (accel_trace_from_env()).
 */
#ifndef ACCEL_TRACE_H
#define ACCEL_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uapi/accel_trace.h>

/* Non-zero while tracing is on; read relaxed by every tracepoint. */
extern int accel_trace_on;

/**
 * accel_trace_emit() - record one event now (the slow path of ACCEL_TRACE()).
 * @type: enum accel_trace_type
 * @track: the track the event belongs to (uapi header)
 * @ctx: the job's entity fence context (0 when no job)
 * @seqno: the job's or entry's number
 * @a0: type-specific
 * @a1: type-specific
 * @a2: type-specific
 * @error: 0 or a negative errno
 * @name: a name for the track (truncated to ACCEL_TRACE_NAME_LEN - 1), or NULL
 */
void accel_trace_emit(unsigned int type, uint64_t track, uint64_t ctx, uint64_t seqno,
		      uint64_t a0, uint64_t a1, uint64_t a2, int error, const char *name);

#define ACCEL_TRACE(type, track, ctx, seqno, a0, a1, a2, error, name)                        \
	do {                                                                                  \
		if (__builtin_expect(__atomic_load_n(&accel_trace_on, __ATOMIC_RELAXED), 0))  \
			accel_trace_emit((type), (uint64_t)(track), (uint64_t)(ctx),          \
					 (uint64_t)(seqno), (uint64_t)(a0), (uint64_t)(a1),   \
					 (uint64_t)(a2), (int)(error), (name));               \
	} while (0)

/* ACCEL_TRACE() when @cond also holds; @cond is evaluated only while tracing is on. */
#define ACCEL_TRACE_IF(cond, type, track, ctx, seqno, a0, a1, a2, error, name)               \
	do {                                                                                  \
		if (__builtin_expect(__atomic_load_n(&accel_trace_on, __ATOMIC_RELAXED), 0) &&\
		    (cond))                                                                   \
			accel_trace_emit((type), (uint64_t)(track), (uint64_t)(ctx),          \
					 (uint64_t)(seqno), (uint64_t)(a0), (uint64_t)(a1),   \
					 (uint64_t)(a2), (int)(error), (name));               \
	} while (0)

/**
 * accel_trace_enable() - start recording.
 * @buffer_events: buffer capacity (rounded up to a power of two; 0: 65536); only the first
 *	enable of the process allocates, later ones reuse that buffer.
 *
 * What the buffer held is discarded and the drop count restarts. Returns 0, -EBUSY while
 * another reader has tracing on, or -ENOMEM.
 */
int accel_trace_enable(uint32_t buffer_events);

/** accel_trace_disable() - stop recording (events already recorded stay readable). */
void accel_trace_disable(void);

/**
 * accel_trace_read() - take the oldest recorded events.
 * @out: room for @max events
 * @max: how many at most
 * @dropped: set to the events dropped since accel_trace_enable() (may be NULL)
 *
 * One reader at a time (serialised inside). Returns how many were copied.
 */
size_t accel_trace_read(struct accel_trace_event *out, size_t max, uint64_t *dropped);

/**
 * accel_trace_node_init() - register the tracing node (ACCEL_TRACE_NODE_PATH), once.
 * Returns 0 or -errno.
 */
int accel_trace_node_init(void);

/**
 * accel_trace_from_env() - when $ACCEL_TRACE_DIR names a directory, turn tracing on for this
 * process and write its events to DIR/PID.accel-trace: drained by a thread of its own while
 * the process runs and at exit; a child forked meanwhile starts with an empty buffer and
 * writes its own file at its exit. Once per process; does nothing without the variable.
 */
void accel_trace_from_env(void);

#endif

/* SPDX-License-Identifier: MIT */
/**
 * DOC: uapi/accel_trace.h - the scheduler's and drivers' trace events, as user space reads them.
 *
 * Two ways out of the core (docs/tools.md, "accel trace"):
 *
 * - the tracing node <root>/sys/kernel/debug/accel/tracing (a debugfs file that opens like a
 *   node, as sync/sw_sync does; mode 0600, CAP_SYS_ADMIN): ACCEL_TRACE_IOC_START turns
 *   tracing on for as long as the file stays open, ACCEL_TRACE_IOC_READ drains the events
 *   recorded since, closing the file turns tracing off. Several files may be started at once:
 *   each reads every event recorded from its own start, tracing stays on until the last
 *   closes. The events travel inside the ioctl argument, so acceld serves them without a
 *   wire change;
 * - a raw file per process (embedded core): with $ACCEL_TRACE_DIR set, a process whose
 *   embedded core starts records from then on and writes DIR/PID.accel-trace: a struct
 *   accel_trace_file_hdr, then its events. `accel trace` sets the variable and converts.
 *
 * Times are CLOCK_MONOTONIC nanoseconds. A job is named by its scheduler fences: @ctx is its
 * entity's first fence context (the "scheduled" timeline), @seqno its number there.
 */
#ifndef UAPI_ACCEL_TRACE_H
#define UAPI_ACCEL_TRACE_H

#include <linux/ioctl.h>
#include <stdint.h>

/**
 * enum accel_trace_type - what happened. Tracks (@track of the event): Q is the client queue
 * (the entity's fence context), E the engine (its scheduler's address), U a vnpu user queue
 * (its fence context).
 * @ACCEL_TRACE_SUBMIT: Q, a job pushed to its entity; @name its scheduler.
 * @ACCEL_TRACE_DEPS_DONE: Q, every dependency of the job has signalled.
 * @ACCEL_TRACE_RUN: E, the scheduler handed the job to the engine (run_job); @name the engine.
 * @ACCEL_TRACE_SIGNAL: Q, the job's finished fence signals (recorded just before the callbacks
 *	run, so before whatever they start); @error its error.
 * @ACCEL_TRACE_TIMEOUT: E, the job on the engine timed out (the driver is asked).
 * @ACCEL_TRACE_VNPU_SUBMIT: Q, the vnpu job: @arg client id, context id, job id; @name class.
 * @ACCEL_TRACE_VNPU_START: E, the job started executing; @name the engine.
 * @ACCEL_TRACE_VNPU_END: E, it left the engine, with its profile record: @arg busy ns in DMA
 *	and compute packets, packets completed; @error its result.
 * @ACCEL_TRACE_VNPU_HANG: E, the timeout found the job hung: reset, context killed.
 * @ACCEL_TRACE_VNPU_RESET: E, the engine was reset (a hang, or debugfs).
 * @ACCEL_TRACE_VNPU_FAULT: E, a job's address space refused an access: @arg address, length,
 *	write; or U, a user queue stopped on an entry's error (@error; @arg[0] the faulting
 *	address when it faulted).
 * @ACCEL_TRACE_UQ_START: U, a user-queue entry (@seqno) started: @arg client id, queue id.
 * @ACCEL_TRACE_UQ_END: U, it completed; @error its result.
 * @ACCEL_TRACE_UQ_SUBMIT: U, the queue's engine found entry @seqno written (the client moved
 *	wptr past it and rang the doorbell, or the engine polled it): a user queue's submit,
 *	as the device sees it; @arg client id, queue id.
 */
enum accel_trace_type {
	ACCEL_TRACE_SUBMIT = 1,
	ACCEL_TRACE_DEPS_DONE = 2,
	ACCEL_TRACE_RUN = 3,
	ACCEL_TRACE_SIGNAL = 4,
	ACCEL_TRACE_TIMEOUT = 5,
	ACCEL_TRACE_VNPU_SUBMIT = 16,
	ACCEL_TRACE_VNPU_START = 17,
	ACCEL_TRACE_VNPU_END = 18,
	ACCEL_TRACE_VNPU_HANG = 19,
	ACCEL_TRACE_VNPU_RESET = 20,
	ACCEL_TRACE_VNPU_FAULT = 21,
	ACCEL_TRACE_UQ_START = 32,
	ACCEL_TRACE_UQ_END = 33,
	ACCEL_TRACE_UQ_SUBMIT = 34,
};

#define ACCEL_TRACE_NAME_LEN 24

/** struct accel_trace_event - one event; 96 bytes. */
struct accel_trace_event {
	uint64_t ts_ns;
	uint64_t track;
	uint64_t ctx;
	uint64_t seqno;
	uint64_t arg[3];
	uint32_t pid;	/* the process whose core recorded it */
	uint16_t type;	/* enum accel_trace_type */
	uint16_t pad;
	int32_t error;
	uint32_t pad2;
	char name[ACCEL_TRACE_NAME_LEN]; /* NUL-terminated */
};

/** ACCEL_TRACE_READ_MAX - the most events one ACCEL_TRACE_IOC_READ returns. */
#define ACCEL_TRACE_READ_MAX 128

/**
 * struct accel_trace_start - ACCEL_TRACE_IOC_START.
 * @buffer_events: capacity of the core's event buffer, rounded up to a power of two (0: the
 *	default, 65536), fixed by the first start of the process (later starts reuse it); and
 *	the most events this reader's own queue holds between its reads.
 * @flags: 0.
 */
struct accel_trace_start {
	uint32_t buffer_events;
	uint32_t flags;
};

/**
 * struct accel_trace_read - ACCEL_TRACE_IOC_READ.
 * @max: in, how many events to take (at most ACCEL_TRACE_READ_MAX).
 * @count: out, how many @events hold.
 * @dropped: out, events lost to a full buffer since the start.
 * @events: out, oldest first.
 */
struct accel_trace_read {
	uint32_t max;
	uint32_t count;
	uint64_t dropped;
	struct accel_trace_event events[ACCEL_TRACE_READ_MAX];
};

#define ACCEL_TRACE_IOC_MAGIC 0xA7
#define ACCEL_TRACE_IOC_START _IOW(ACCEL_TRACE_IOC_MAGIC, 1, struct accel_trace_start)
#define ACCEL_TRACE_IOC_READ _IOWR(ACCEL_TRACE_IOC_MAGIC, 2, struct accel_trace_read)

/** ACCEL_TRACE_NODE_PATH - the tracing node, named from <root>/dev. */
#define ACCEL_TRACE_NODE_PATH "../sys/kernel/debug/accel/tracing"

/** ACCEL_TRACE_DIR_ENV - where processes with an embedded core write their raw traces. */
#define ACCEL_TRACE_DIR_ENV "ACCEL_TRACE_DIR"
/** ACCEL_TRACE_FILE_SUFFIX - a raw trace is DIR/PID ACCEL_TRACE_FILE_SUFFIX. */
#define ACCEL_TRACE_FILE_SUFFIX ".accel-trace"
#define ACCEL_TRACE_FILE_MAGIC "ACCELTRC"
#define ACCEL_TRACE_FILE_VERSION 1

/**
 * struct accel_trace_file_hdr - starts a raw trace file; the events follow to the end.
 * @dropped: events lost to a full buffer (final once the process exited).
 */
struct accel_trace_file_hdr {
	char magic[8];
	uint32_t version;
	uint32_t event_size;
	uint32_t pid;
	uint32_t pad;
	uint64_t dropped;
	char comm[16];
};

#endif
